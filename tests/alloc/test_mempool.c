// SPDX-License-Identifier: MIT
/*
 * mempool (mm/mempool.c v6.x): the reserve is used only when the
 * allocator fails, GFP_ATOMIC gets NULL at once on an empty pool,
 * mempool_free refills the reserve first and wakes waiters, and a
 * blocking caller waits for an element to come back.
 */
#include "alloc_test.h"

#define ORDER0	((void *)0UL)

static mempool_t pool;

static struct page *elem(void *e)
{
	return e;
}

/* Every page gone: DMA and NORMAL at 0 free, no page cache to reclaim. */
static void exhaust(void)
{
	while (mm_reclaimable_pages())
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 0);
}

static void test_init_preallocates(void **state)
{
	struct mm_census c;

	assert_int_equal(mempool_init(&pool, 4, mempool_alloc_pages, mempool_free_pages, ORDER0), 0);
	assert_int_equal(pool.curr_nr, 4);
	mm_census(&c);
	assert_int_equal(c.pooled, 4);
	assert_int_equal(rec.count[MM_EV_POOL_IN], 4);
	assert_int_equal(rec.count[MM_EV_ALLOC], 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(elem(pool.elements[i])->place, PLACE_POOLED);
	mempool_exit(&pool);
	mm_census(&c);
	assert_int_equal(c.pooled, 0);
	assert_int_equal(c.owned, 0);
	assert_census();
}

/* With memory, the allocator serves and the reserve stays full. */
static void test_allocator_first(void **state)
{
	void *e;

	mempool_init(&pool, 2, mempool_alloc_pages, mempool_free_pages, ORDER0);
	rec_clear();
	e = mempool_alloc(&pool, GFP_ATOMIC);
	assert_non_null(e);
	assert_int_equal(pool.curr_nr, 2);
	assert_int_equal(rec.count[MM_EV_POOL_OUT], 0);
	/* The reserve is full: the element goes back to the allocator. */
	mempool_free(e, &pool);
	assert_int_equal(pool.curr_nr, 2);
	assert_int_equal(rec.count[MM_EV_FREE], 1);
	mempool_exit(&pool);
	assert_census();
}

/* Allocator dry: the reserve serves GFP_ATOMIC, then NULL at once. */
static void test_atomic_uses_reserve_then_null(void **state)
{
	void *e[3];
	struct threads_stats st;

	mempool_init(&pool, 2, mempool_alloc_pages, mempool_free_pages, ORDER0);
	exhaust();
	rec_clear();
	threads_stats_reset();
	e[0] = mempool_alloc(&pool, GFP_ATOMIC);
	e[1] = mempool_alloc(&pool, GFP_ATOMIC);
	e[2] = mempool_alloc(&pool, GFP_ATOMIC);
	assert_non_null(e[0]);
	assert_non_null(e[1]);
	assert_null(e[2]);
	assert_int_equal(pool.curr_nr, 0);
	assert_int_equal(rec.count[MM_EV_POOL_OUT], 2);
	assert_int_equal(elem(e[0])->place, PLACE_OWNED);
	assert_int_equal(elem(e[0])->owner.actor, lab_current().actor);
	st = stats_now();
	assert_int_equal(st.might_sleep, 0);
	assert_int_equal(rec.count[MM_EV_SLEEP], 0);
	/* Frees refill the reserve first (curr_nr < min_nr). */
	mempool_free(e[0], &pool);
	assert_int_equal(pool.curr_nr, 1);
	assert_int_equal(rec_last(MM_EV_POOL_IN)->pfn, page_to_pfn(elem(e[0])));
	mempool_free(e[1], &pool);
	assert_int_equal(pool.curr_nr, 2);
	assert_int_equal(rec.count[MM_EV_FREE], 0);
	mm_ballast_release(-1);
	mempool_exit(&pool);
	assert_census();
}

/* The same from an interrupt: never a blocking primitive. */
static void irq_pool_alloc(void *arg)
{
	void **out = arg;

	out[0] = mempool_alloc(&pool, GFP_ATOMIC);
	out[1] = mempool_alloc(&pool, GFP_ATOMIC);
}

static void test_atomic_in_hardirq(void **state)
{
	void *e[2];

	mempool_init(&pool, 1, mempool_alloc_pages, mempool_free_pages, ORDER0);
	exhaust();
	threads_stats_reset();
	threads_in_hardirq(irq_pool_alloc, e);
	assert_non_null(e[0]);
	assert_null(e[1]);
	assert_int_equal(stats_now().might_sleep, 0);
	assert_false(report_fired());
	assert_int_equal(elem(e[0])->owner.ctx, LAB_CTX_HARDIRQ);
	mempool_free(e[0], &pool);
	mm_ballast_release(-1);
	mempool_exit(&pool);
	assert_census();
}

/* An injected element failure (FAULT_SITE_MEMPOOL_ELEM) falls to the reserve. */
static bool fail_elem(int site, gfp_t gfp, unsigned int order, void *arg)
{
	return site == FAULT_SITE_MEMPOOL_ELEM;
}

static void test_element_fault_uses_reserve(void **state)
{
	void *e;

	mempool_init(&pool, 1, mempool_alloc_pages, mempool_free_pages, ORDER0);
	mm_set_fault_hook(fail_elem, NULL);
	e = mempool_alloc(&pool, GFP_ATOMIC);
	mm_set_fault_hook(NULL, NULL);
	assert_non_null(e);
	assert_int_equal(pool.curr_nr, 0);
	mempool_free(e, &pool);
	assert_int_equal(pool.curr_nr, 1);
	mempool_exit(&pool);
	assert_census();
}

/* A blocking caller on an empty pool waits until another CPU frees an element. */
static void *handed;

static int pool_sleeps(void)
{
	int n = 0;

	pthread_mutex_lock(&rec_lock);
	for (int i = 0; i < rec.nr; i++)
		if (rec.ev[i].kind == MM_EV_SLEEP && rec.ev[i].chan == pool.id)
			n++;
	pthread_mutex_unlock(&rec_lock);
	return n;
}

static void freer(void *arg)
{
	while (pool_sleeps() < 1)
		sched_yield();
	mempool_free(handed, &pool);
}

static void run_wait_test(int min_nr)
{
	void *e;

	mempool_init(&pool, min_nr, mempool_alloc_pages, mempool_free_pages, ORDER0);
	exhaust();
	/* Take everything: the reserve, then one page the allocator still had. */
	while (pool.curr_nr)
		(void)mempool_alloc(&pool, GFP_ATOMIC);
	mm_ballast_release(ZONE_DMA);
	handed = alloc_page(GFP_ATOMIC | __GFP_DMA);
	assert_non_null(handed);
	set_free(ZONE_DMA, 0);
	rec_clear();
	assert_int_equal(threads_spawn(1, "freer", freer, NULL), 0);
	e = mempool_alloc(&pool, GFP_KERNEL);
	threads_join_all();
	assert_ptr_equal(e, handed);
	assert_true(pool_sleeps() >= 1);
	assert_int_equal(stats_now().atomic_sleep, 0);
	__free_page(elem(e));
	mm_ballast_release(-1);
}

static void test_blocking_waits_for_free(void **state)
{
	run_wait_test(2);
	assert_census();
}

/* min_nr == 0: the 2025 fix takes the freed element in so the waiter is woken. */
static void test_min_nr_zero_wakes_waiter(void **state)
{
	run_wait_test(0);
	assert_census();
}

/* Order-2 page pools keep whole blocks. */
static void test_order2_pool(void **state)
{
	struct mm_census c;
	void *e;

	mempool_init(&pool, 3, mempool_alloc_pages, mempool_free_pages, (void *)2UL);
	mm_census(&c);
	assert_int_equal(c.pooled, 12);
	exhaust();
	e = mempool_alloc(&pool, GFP_NOWAIT);
	assert_non_null(e);
	assert_int_equal(elem(e)->alloc_order, 2);
	mm_census(&c);
	assert_int_equal(c.pooled, 8);
	mempool_free(e, &pool);
	mm_ballast_release(-1);
	mempool_exit(&pool);
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_init_preallocates),
		ALLOC_TEST(test_allocator_first),
		ALLOC_TEST(test_atomic_uses_reserve_then_null),
		ALLOC_TEST(test_atomic_in_hardirq),
		ALLOC_TEST(test_element_fault_uses_reserve),
		ALLOC_TEST(test_blocking_waits_for_free),
		ALLOC_TEST(test_min_nr_zero_wakes_waiter),
		ALLOC_TEST(test_order2_pool),
	};

	return LAB_RUN_TESTS(tests);
}
