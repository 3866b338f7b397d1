// SPDX-License-Identifier: MIT
/*
 * Reclaim: kswapd is woken below LOW (never waited for), balances every
 * zone the pool can help up to HIGH and stops there; direct reclaim
 * only for __GFP_DIRECT_RECLAIM; mm_kswapd_hold() records wake-ups
 * without reclaiming; the kthread starts and stops with the machine.
 * Default NORMAL: MIN 60, LOW 75, HIGH 90; pool 128 pages.
 */
#include "alloc_test.h"

static unsigned long wakeups(void)
{
	return __atomic_load_n(&contig_page_data.kswapd_wakeups, __ATOMIC_RELAXED);
}

/* Above LOW the fast path serves and nobody wakes kswapd. */
static void test_no_wake_above_low(void **state)
{
	struct page *p;

	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW) + 10);
	p = alloc_page(GFP_ATOMIC);
	assert_non_null(p);
	assert_int_equal(wakeups(), 0);
	__free_page(p);
	mm_ballast_release(-1);
}

/* Below LOW: GFP_ATOMIC and GFP_NOWAIT wake it; a class without KSWAPD_RECLAIM does not. */
static void test_wake_below_low(void **state)
{
	struct page *p;

	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW));
	p = alloc_page(GFP_ATOMIC);
	assert_non_null(p);
	assert_true(wakeups() >= 1);
	__free_page(p);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW));
	contig_page_data.kswapd_wakeups = 0;
	p = alloc_page(__GFP_HIGH);		/* no __GFP_KSWAPD_RECLAIM */
	assert_non_null(p);
	assert_int_equal(wakeups(), 0);
	__free_page(p);
	/* Waking never reclaims on the caller's time: the pool is intact. */
	assert_int_equal(mm_reclaimable_pages(), 128);
	assert_int_equal(stats_now().might_sleep, 0);
	mm_ballast_release(-1);
}

/* kswapd_balance() reclaims NORMAL up to HIGH and stops there. */
static void test_balance_stops_at_high(void **state)
{
	long high = (long)wmark_of(ZONE_NORMAL, WMARK_HIGH);
	unsigned long got;

	set_free(ZONE_NORMAL, 10);
	rec_clear();
	got = kswapd_balance();
	/* balanced: free > HIGH (an order-0 request at HIGH would pass) */
	assert_int_equal(free_of(ZONE_NORMAL), high + 1);
	assert_int_equal(got, high + 1 - 10);
	assert_int_equal(rec.count[MM_EV_RECLAIM], got);
	assert_int_equal(mm_reclaimable_pages(), 128 - got);
	/* Balanced: a second pass does nothing. */
	assert_int_equal(kswapd_balance(), 0);
	mm_ballast_release(-1);
	assert_census();
}

/* The pool can run dry first; then balance stops with what it had. */
static void test_balance_stops_when_pool_empty(void **state)
{
	while (mm_reclaimable_pages() > SWAP_CLUSTER_MAX)
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL);
	assert_int_equal(mm_reclaimable_pages(), 32);
	set_free(ZONE_NORMAL, 0);
	assert_int_equal(kswapd_balance(), 32);
	assert_int_equal(free_of(ZONE_NORMAL), 32);
	assert_int_equal(mm_reclaimable_pages(), 0);
	assert_int_equal(kswapd_balance(), 0);
	mm_ballast_release(-1);
	assert_census();
}

/* The pool only helps the zones its pages live in: a DMA shortage is left alone. */
static void test_balance_per_zone(void **state)
{
	set_free(ZONE_DMA, 0);
	assert_int_equal(kswapd_balance(), 0);
	assert_int_equal(mm_reclaimable_pages(), 128);
	/* A DMA page added to the cache can be reclaimed for DMA. */
	mm_ballast_release(ZONE_DMA);
	mm_cache_add(alloc_page(GFP_KERNEL | __GFP_DMA));
	set_free(ZONE_DMA, 0);
	assert_int_equal(kswapd_balance(), 1);
	assert_int_equal(free_of(ZONE_DMA), 1);
	mm_ballast_release(-1);
	assert_census();
}

/* Non-blocking classes never reclaim, however low memory is. */
static void test_atomic_never_reclaims(void **state)
{
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 0);
	rec_clear();
	assert_null(alloc_page(GFP_ATOMIC));
	assert_null(alloc_page(GFP_NOWAIT));
	assert_null(alloc_pages(GFP_ATOMIC, 3));
	assert_int_equal(rec.count[MM_EV_RECLAIM], 0);
	assert_int_equal(rec.count[MM_EV_SLEEP], 0);
	assert_int_equal(mm_reclaimable_pages(), 128);
	mm_ballast_release(-1);
}

/* Direct reclaim takes SWAP_CLUSTER_MAX pages at a time from the pool. */
static void test_direct_reclaim_rounds(void **state)
{
	struct page *p;

	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 40);
	rec_clear();
	p = alloc_page(GFP_KERNEL);
	assert_non_null(p);
	/* 40 + 32 = 72 > MIN 60: one round was enough. */
	assert_int_equal(rec.count[MM_EV_RECLAIM], 32);
	assert_int_equal(rec.count[MM_EV_SLEEP], 1);
	assert_int_equal(mm_reclaimable_pages(), 96);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* mm_cache_add() grows the pool; only owned order-0 pages are accepted. */
static void test_cache_add(void **state)
{
	struct page *p = alloc_page(GFP_KERNEL);
	struct page *q = alloc_pages(GFP_KERNEL, 1);
	struct mm_census c;

	mm_cache_add(p);
	assert_int_equal(mm_reclaimable_pages(), 129);
	assert_int_equal(p->place, PLACE_RECLAIMABLE);
	assert_int_equal(rec_last(MM_EV_CACHE_IN)->pfn, page_to_pfn(p));
	mm_cache_add(q);			/* refused: order 1 */
	mm_cache_add(p);			/* refused: not owned any more */
	assert_int_equal(mm_reclaimable_pages(), 129);
	mm_census(&c);
	assert_int_equal(c.reclaimable, 129);
	__free_pages(q, 1);
	assert_census();
}

/* The kthread: woken below LOW, balances to HIGH, held back by mm_kswapd_hold(). */
static bool wait_for(bool (*cond)(void))
{
	for (long i = 0; i < 2000000; i++) {
		if (cond())
			return true;
		sched_yield();
	}
	return false;
}

static bool normal_balanced(void)
{
	return free_of(ZONE_NORMAL) > (long)wmark_of(ZONE_NORMAL, WMARK_HIGH);
}

static bool kswapd_ran(void)
{
	return __atomic_load_n(&contig_page_data.kswapd_runs, __ATOMIC_RELAXED) > 0;
}

static void test_kswapd_thread(void **state)
{
	struct mm_config cfg = { .kswapd = true };
	struct page *p;

	mm_exit();
	assert_int_equal(mm_init(&cfg), 0);
	assert_non_null(contig_page_data.kswapd);
	mm_kswapd_hold(true);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 30);
	p = alloc_page(GFP_ATOMIC);
	assert_non_null(p);
	assert_true(wakeups() >= 1);
	/* Held: the wake-up is recorded, nothing is reclaimed. */
	for (int i = 0; i < 1000; i++)
		sched_yield();
	assert_false(kswapd_ran());
	assert_int_equal(mm_reclaimable_pages(), 128);
	mm_kswapd_hold(false);
	assert_true(wait_for(kswapd_ran));
	assert_true(wait_for(normal_balanced));
	assert_true(mm_reclaimable_pages() < 128);
	/* The atomic caller itself never slept. */
	assert_int_equal(stats_now().atomic_sleep, 0);
	__free_page(p);
	mm_ballast_release(-1);
	mm_exit();		/* stops the kthread */
	assert_null(contig_page_data.kswapd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_no_wake_above_low),
		ALLOC_TEST(test_wake_below_low),
		ALLOC_TEST(test_balance_stops_at_high),
		ALLOC_TEST(test_balance_stops_when_pool_empty),
		ALLOC_TEST(test_balance_per_zone),
		ALLOC_TEST(test_atomic_never_reclaims),
		ALLOC_TEST(test_direct_reclaim_rounds),
		ALLOC_TEST(test_cache_add),
		ALLOC_TEST(test_kswapd_thread),
	};

	return LAB_RUN_TESTS(tests);
}
