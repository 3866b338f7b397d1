// SPDX-License-Identifier: MIT
/*
 * The watermark rules of __zone_watermark_ok() and gfp_to_alloc_flags():
 * the worked table (mark 1000 -> 500 / 375 / 188), highatomic pages
 * unusable without reserve rights, and the same lines reached through
 * real allocations with the exact values reported in MM_EV_WMARK.
 */
#include "alloc_test.h"

static struct zone *normal(void)
{
	return zone_of(ZONE_NORMAL);
}

/* The lowest free count that passes: the line is one below it. */
static long first_ok(unsigned int order, unsigned long mark, unsigned int flags, long ha)
{
	for (long f = 0; f < 4000; f++)
		if (__zone_watermark_ok(normal(), order, mark, ZONE_NORMAL, flags, f, ha))
			return f;
	return -1;
}

static void test_alloc_flags_per_class(void **state)
{
	assert_int_equal(gfp_to_alloc_flags(GFP_KERNEL, 0), ALLOC_WMARK_MIN | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_ATOMIC, 0),
			 ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_ATOMIC, 1),
			 ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_KSWAPD | ALLOC_HIGHATOMIC);
	assert_int_equal(gfp_to_alloc_flags(GFP_NOWAIT, 0), ALLOC_NON_BLOCK | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_NOWAIT, 2), ALLOC_NON_BLOCK | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_ATOMIC | __GFP_NOMEMALLOC, 1),
			 ALLOC_MIN_RESERVE | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_KERNEL | __GFP_HIGH, 0),
			 ALLOC_MIN_RESERVE | ALLOC_KSWAPD);
	assert_int_equal(gfp_to_alloc_flags(GFP_NOIO, 3), ALLOC_KSWAPD);
	assert_int_equal(__gfp_pfmemalloc_flags(GFP_ATOMIC | __GFP_MEMALLOC), ALLOC_NO_WATERMARKS);
	assert_int_equal(__gfp_pfmemalloc_flags(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC), 0);
	assert_int_equal(__gfp_pfmemalloc_flags(GFP_KERNEL), 0);
}

/*
 * The worked table: mark 1000, no lowmem reserve, no highatomic.
 *   caller                      min     first free that passes
 *   GFP_KERNEL / GFP_NOWAIT     1000    1001
 *   __GFP_HIGH, blocking         500     501
 *   GFP_ATOMIC                   375     376
 *   GFP_ATOMIC + ALLOC_OOM       188     189
 *   ALLOC_OOM alone              500     501
 */
static void test_worked_table(void **state)
{
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_KERNEL, 0), 0), 1001);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_NOWAIT, 0), 0), 1001);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_KERNEL | __GFP_HIGH, 0), 0), 501);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_ATOMIC, 0), 0), 376);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_ATOMIC, 0) | ALLOC_OOM, 0), 189);
	assert_int_equal(first_ok(0, 1000, ALLOC_OOM, 0), 501);
}

/* Order > 0: the (1<<order)-1 pages the split keeps are not counted. */
static void test_order_unusable(void **state)
{
	/* Free lists hold large blocks, so only the count decides. */
	assert_int_equal(first_ok(3, 100, ALLOC_WMARK_MIN, 0), 101 + 7);
	assert_int_equal(first_ok(2, 1000, gfp_to_alloc_flags(GFP_ATOMIC, 2), 0), 376 + 3);
}

/* Free highatomic pages count only for callers with a reserve flag. */
static void test_highatomic_unusable_without_reserves(void **state)
{
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_NOWAIT, 0) & ~ALLOC_NON_BLOCK, 100),
			 1101);
	/* NON_BLOCK alone is a reserve flag (ALLOC_RESERVES) */
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_NOWAIT, 0), 100), 1001);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_KERNEL, 0), 100), 1101);
	assert_int_equal(first_ok(0, 1000, gfp_to_alloc_flags(GFP_ATOMIC, 0), 100), 376);
}

/* A high-order request needs a free block of that order, not just a count. */
static void test_order_needs_block(void **state)
{
	struct zone *z = zone_of(ZONE_DMA);
	struct page *pages[64];
	int n = 0;

	/* DMA: take everything as order-0 pages, free every other one. */
	hold_pcp(ZONE_DMA, 0);
	while (n < 64 && (pages[n] = alloc_page(GFP_ATOMIC | __GFP_DMA | __GFP_MEMALLOC)))
		n++;
	assert_int_equal(n, 64);
	for (int i = 0; i < 64; i += 2)
		__free_page(pages[i]);
	assert_int_equal(zone_free_pages(z), 32);
	/* 32 free pages, no order-1 block: order 0 passes, order 1 does not. */
	assert_true(__zone_watermark_ok(z, 0, 4, ZONE_DMA, 0, 32, 0));
	assert_false(__zone_watermark_ok(z, 1, 4, ZONE_DMA, 0, 32, 0));
	assert_null(alloc_pages(GFP_ATOMIC | __GFP_DMA, 1));
	for (int i = 1; i < 64; i += 2)
		__free_page(pages[i]);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/*
 * The table through real allocations: NORMAL sized so its MIN is 1000,
 * DMA emptied, page cache pool untouched (non-blocking callers never
 * reclaim).
 */
static const struct mm_config big = {
	.zone_pages = { 64, 4032 }, .min_free_pages = 1016,
};

static void test_worked_table_live(void **state)
{
	struct {
		gfp_t gfp;
		long line;		/* fails at line, passes at line + 1 */
	} rows[] = {
		{ GFP_NOWAIT, 1000 },
		{ GFP_ATOMIC | __GFP_NOMEMALLOC, 500 },	/* __GFP_HIGH without NON_BLOCK */
		{ __GFP_HIGH, 375 },			/* non-blocking __GFP_HIGH */
		{ GFP_ATOMIC, 375 },
	};

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_MIN), 1000);
	set_free(ZONE_DMA, 0);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct mm_event *ev;
		struct page *p;

		set_free(ZONE_NORMAL, rows[i].line);
		rec_clear();
		assert_null(alloc_page(rows[i].gfp));
		ev = rec_last_wmark(ZONE_NORMAL);
		assert_non_null(ev);
		assert_int_equal(ev->zone, ZONE_NORMAL);
		assert_int_equal(ev->mark, 1000);
		assert_int_equal(ev->free_pages, rows[i].line);
		assert_int_equal(ev->ok, 0);
		assert_int_equal(rec.count[MM_EV_ALLOC_FAIL], 1);
		set_free(ZONE_NORMAL, rows[i].line + 1);
		rec_clear();
		p = alloc_page(rows[i].gfp);
		assert_non_null(p);
		assert_int_equal(p->zone, ZONE_NORMAL);
		ev = rec_last_wmark(ZONE_NORMAL);
		assert_int_equal(ev->ok, 1);
		assert_int_equal(ev->free_pages, rows[i].line + 1);
		assert_int_equal(ev->alloc_flags & ALLOC_WMARK_MASK, ALLOC_WMARK_MIN);
		__free_page(p);
	}
	mm_ballast_release(-1);
	assert_census();
}

/* Blocking __GFP_HIGH: at 501 no reclaim is needed, at 500 it reclaims. */
static void test_blocking_high_line(void **state)
{
	struct page *p;

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 501);
	rec_clear();
	p = alloc_page(GFP_KERNEL | __GFP_HIGH);
	assert_non_null(p);
	assert_int_equal(rec.count[MM_EV_RECLAIM], 0);
	assert_int_equal(rec.count[MM_EV_SLEEP], 0);
	__free_page(p);
	set_free(ZONE_NORMAL, 500);
	rec_clear();
	p = alloc_page(GFP_KERNEL | __GFP_HIGH);
	assert_non_null(p);
	assert_true(rec.count[MM_EV_RECLAIM] > 0);
	assert_true(rec.count[MM_EV_SLEEP] > 0);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* The fast path is at LOW: between MIN and LOW only the slow path passes. */
static void test_fast_path_at_low(void **state)
{
	const struct mm_event *first = NULL;
	struct page *p;

	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW));
	rec_clear();
	p = alloc_page(GFP_NOWAIT);
	assert_non_null(p);
	for (int i = 0; i < rec.nr && !first; i++)
		if (rec.ev[i].kind == MM_EV_WMARK)
			first = &rec.ev[i];
	assert_int_equal(first->alloc_flags & ALLOC_WMARK_MASK, ALLOC_WMARK_LOW);
	assert_int_equal(first->mark, wmark_of(ZONE_NORMAL, WMARK_LOW));
	assert_int_equal(first->ok, 0);
	assert_int_equal(rec_last(MM_EV_WMARK)->ok, 1);
	assert_int_equal(rec_last(MM_EV_WMARK)->mark, wmark_of(ZONE_NORMAL, WMARK_MIN));
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* MM_EV_WMARK reports what was read: free highatomic and lowmem reserve too. */
static void test_wmark_event_reports_inputs(void **state)
{
	const struct mm_event *ev;
	struct page *p;

	set_free(ZONE_NORMAL, 0);
	set_free(ZONE_DMA, 40);
	rec_clear();
	p = alloc_page(GFP_KERNEL);
	assert_non_null(p);
	ev = rec_last(MM_EV_WMARK);
	assert_int_equal(ev->zone, ZONE_DMA);
	assert_int_equal(ev->free_pages, 40);
	assert_int_equal(ev->lowmem_reserve, 960 / 256);
	assert_int_equal(ev->free_highatomic, 0);
	assert_int_equal(ev->gfp, GFP_KERNEL);
	assert_int_equal(ev->ok, 1);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_alloc_flags_per_class),
		ALLOC_TEST(test_worked_table),
		ALLOC_TEST(test_order_unusable),
		ALLOC_TEST(test_highatomic_unusable_without_reserves),
		ALLOC_TEST(test_order_needs_block),
		ALLOC_TEST(test_worked_table_live),
		ALLOC_TEST(test_blocking_high_line),
		ALLOC_TEST(test_fast_path_at_low),
		ALLOC_TEST(test_wmark_event_reports_inputs),
	};

	return LAB_RUN_TESTS(tests);
}
