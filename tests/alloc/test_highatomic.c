// SPDX-License-Identifier: MIT
/*
 * The highatomic reserve: reserved by a successful high-order atomic
 * allocation in the slow path, capped at ALIGN(managed/100, pageblock),
 * hidden from callers without reserve rights, a last resort for order-0
 * atomic callers, given back by unreserve_highatomic_pageblock().
 */
#include "alloc_test.h"

static long free_ha(int zi)
{
	return READ_ONCE(zone_of(zi)->nr_free_highatomic);
}

static unsigned long reserved(int zi)
{
	return READ_ONCE(zone_of(zi)->nr_reserved_highatomic);
}

/* Below LOW, GFP_ATOMIC order 1 goes through the slow path and reserves its block. */
static void test_reserve_on_slow_high_order_atomic(void **state)
{
	struct page *p;

	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW));
	assert_int_equal(reserved(ZONE_NORMAL), 0);
	p = alloc_pages(GFP_ATOMIC, 1);
	assert_non_null(p);
	assert_true(rec_last_wmark(ZONE_NORMAL)->alloc_flags & ALLOC_HIGHATOMIC);
	assert_int_equal(reserved(ZONE_NORMAL), pageblock_nr_pages);
	assert_int_equal(block_mt(page_to_pfn(p)), MIGRATE_HIGHATOMIC);
	__free_pages(p, 1);
	mm_ballast_release(-1);
	assert_census();
}

/* The fast path (above LOW) never reserves; neither does GFP_NOWAIT or order 0. */
static void test_no_reserve_otherwise(void **state)
{
	struct page *p = alloc_pages(GFP_ATOMIC, 1);

	assert_int_equal(reserved(ZONE_NORMAL), 0);
	__free_pages(p, 1);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW));
	p = alloc_pages(GFP_ATOMIC, 0);
	assert_non_null(p);
	__free_pages(p, 0);
	p = alloc_pages(GFP_NOWAIT | __GFP_HIGH | __GFP_NOMEMALLOC, 1);
	assert_non_null(p);
	__free_pages(p, 1);
	assert_int_equal(reserved(ZONE_NORMAL), 0);
	mm_ballast_release(-1);
}

static const struct mm_config big = {
	.zone_pages = { 64, 4096 }, .min_free_pages = 400,
};

/* Cap: ALIGN(4096/100, 16) = 48 pages, three pageblocks. */
static void test_reserve_cap(void **state)
{
	struct page *p[4];

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW) - 1);
	for (int i = 0; i < 4; i++) {
		p[i] = alloc_pages(GFP_ATOMIC, pageblock_order);
		assert_non_null(p[i]);
		assert_int_equal(reserved(ZONE_NORMAL), min(i + 1, 3) * pageblock_nr_pages);
	}
	assert_int_equal(block_mt(page_to_pfn(p[3])), MIGRATE_UNMOVABLE);
	for (int i = 0; i < 4; i++)
		__free_pages(p[i], pageblock_order);
	/* The three reserved blocks are free again, on the HIGHATOMIC lists. */
	assert_int_equal(free_ha(ZONE_NORMAL), 3 * pageblock_nr_pages);
	mm_ballast_release(-1);
	assert_census();
}

/* Free highatomic pages are invisible to callers with no reserve flag. */
static void test_free_highatomic_hidden(void **state)
{
	struct page *p[3];
	long min;

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	min = (long)wmark_of(ZONE_NORMAL, WMARK_MIN);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW) - 1);
	for (int i = 0; i < 3; i++)
		p[i] = alloc_pages(GFP_ATOMIC, pageblock_order);
	for (int i = 0; i < 3; i++)
		__free_pages(p[i], pageblock_order);
	assert_int_equal(free_ha(ZONE_NORMAL), 48);
	/* GFP_KERNEL|__GFP_NORETRY at MIN (no reserve flag): needs free - 48 > min. */
	set_free(ZONE_NORMAL, min + 48);
	rec_clear();
	p[0] = alloc_page(GFP_NOWAIT | __GFP_NOMEMALLOC);
	assert_null(p[0]);
	assert_int_equal(rec_last_wmark(ZONE_NORMAL)->free_highatomic, 48);
	set_free(ZONE_NORMAL, min + 48 + 1);
	p[0] = alloc_page(GFP_NOWAIT | __GFP_NOMEMALLOC);
	assert_non_null(p[0]);
	__free_page(p[0]);
	/* GFP_ATOMIC has reserve rights: the 48 count for it. */
	set_free(ZONE_NORMAL, (min - min / 2 - (min - min / 2) / 4) + 1);
	p[0] = alloc_page(GFP_ATOMIC);
	assert_non_null(p[0]);
	__free_page(p[0]);
	mm_ballast_release(-1);
	assert_census();
}

/* Only highatomic pages left: order-0 GFP_ATOMIC (NON_BLOCK) may take one. */
static void test_order0_atomic_last_resort(void **state)
{
	struct mm_config tiny = { .min_free_pages = 1 };
	struct zone *z;
	struct page *p;

	mm_exit();
	assert_int_equal(mm_init(&tiny), 0);
	z = zone_of(ZONE_NORMAL);
	p = alloc_pages(GFP_KERNEL, 1);
	reserve_highatomic_pageblock(p, 1, z);
	assert_int_equal(reserved(ZONE_NORMAL), pageblock_nr_pages);
	assert_true(free_ha(ZONE_NORMAL) > 0);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, free_ha(ZONE_NORMAL));
	/* Without reserve rights the free pages do not count at all. */
	assert_null(alloc_page(GFP_NOWAIT | __GFP_NOMEMALLOC));
	/* __GFP_HIGH without NON_BLOCK passes the watermark but may not take it. */
	assert_null(alloc_page(GFP_ATOMIC | __GFP_NOMEMALLOC));
	/* GFP_ATOMIC: __rmqueue finds nothing, then the highatomic lists. */
	{
		long before = free_ha(ZONE_NORMAL);
		struct page *q = alloc_page(GFP_ATOMIC);

		assert_non_null(q);
		assert_int_equal(block_mt(page_to_pfn(q)), MIGRATE_HIGHATOMIC);
		assert_int_equal(free_ha(ZONE_NORMAL), before - 1);
		/* Freed, it rides the MOVABLE pcp list, then drains back to HIGHATOMIC. */
		__free_page(q);
		assert_int_equal(q->place, PLACE_PCP);
		assert_int_equal(q->list_mt, MIGRATE_MOVABLE);
		drain_all_pages();
		assert_int_equal(free_ha(ZONE_NORMAL), before);
	}
	__free_pages(p, 1);
	mm_ballast_release(-1);
	assert_census();
}

/* unreserve keeps one block unless forced, and never underflows. */
static void test_unreserve(void **state)
{
	struct page *p[2];
	unsigned long pfn;

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW) - 1);
	p[0] = alloc_pages(GFP_ATOMIC, pageblock_order);
	p[1] = alloc_pages(GFP_ATOMIC, pageblock_order);
	assert_int_equal(reserved(ZONE_NORMAL), 32);
	/*
	 * Free one block only: two free neighbouring HIGHATOMIC blocks would
	 * merge into one order-5 block and go back together (size is
	 * max(pageblock_nr_pages, 1 << order), as in Linux).
	 */
	__free_pages(p[0], pageblock_order);
	assert_int_equal(free_ha(ZONE_NORMAL), 16);
	assert_true(unreserve_highatomic_pageblock(ZONE_NORMAL, MIGRATE_MOVABLE, false));
	assert_int_equal(reserved(ZONE_NORMAL), 16);
	assert_int_equal(free_ha(ZONE_NORMAL), 0);
	__free_pages(p[1], pageblock_order);
	pfn = page_to_pfn(p[1]);
	assert_int_equal(free_ha(ZONE_NORMAL), 16);
	/* One block left: only a forced unreserve takes it. */
	assert_false(unreserve_highatomic_pageblock(ZONE_NORMAL, MIGRATE_MOVABLE, false));
	assert_true(unreserve_highatomic_pageblock(ZONE_NORMAL, MIGRATE_MOVABLE, true));
	assert_int_equal(reserved(ZONE_NORMAL), 0);
	assert_int_equal(free_ha(ZONE_NORMAL), 0);
	assert_int_equal(block_mt(pfn), MIGRATE_MOVABLE);
	assert_false(unreserve_highatomic_pageblock(ZONE_NORMAL, MIGRATE_MOVABLE, true));
	assert_int_equal(reserved(ZONE_NORMAL), 0);
	mm_ballast_release(-1);
	assert_census();
}

/*
 * Reclaim that cannot satisfy a request gives a reserved block back
 * (__alloc_pages_direct_reclaim -> unreserve_highatomic_pageblock).
 */
static void test_direct_reclaim_unreserves(void **state)
{
	struct page *p[2];
	long min;

	mm_exit();
	assert_int_equal(mm_init(&big), 0);
	min = (long)wmark_of(ZONE_NORMAL, WMARK_MIN);
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, (long)wmark_of(ZONE_NORMAL, WMARK_LOW) - 1);
	p[0] = alloc_pages(GFP_ATOMIC, pageblock_order);
	p[1] = alloc_pages(GFP_ATOMIC, pageblock_order);
	__free_pages(p[0], pageblock_order);
	__free_pages(p[1], pageblock_order);
	assert_int_equal(reserved(ZONE_NORMAL), 32);
	/*
	 * NORMAL at min free, 32 of them highatomic and unusable to
	 * GFP_KERNEL; one reclaim round (32 pages) is left in the pool.
	 * After reclaim: min + 32 - 32 usable, still not above min. Then
	 * unreserving a block (and draining) makes the retry pass.
	 */
	while (mm_reclaimable_pages() > SWAP_CLUSTER_MAX)
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL);
	set_free(ZONE_NORMAL, min);
	p[0] = alloc_page(GFP_KERNEL | __GFP_NORETRY);
	assert_non_null(p[0]);
	assert_true(reserved(ZONE_NORMAL) < 32);
	assert_int_equal(mm_reclaimable_pages(), 0);
	__free_page(p[0]);
	mm_ballast_release(-1);
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_reserve_on_slow_high_order_atomic),
		ALLOC_TEST(test_no_reserve_otherwise),
		ALLOC_TEST(test_reserve_cap),
		ALLOC_TEST(test_free_highatomic_hidden),
		ALLOC_TEST(test_order0_atomic_last_resort),
		ALLOC_TEST(test_unreserve),
		ALLOC_TEST(test_direct_reclaim_unreserves),
	};

	return LAB_RUN_TESTS(tests);
}
