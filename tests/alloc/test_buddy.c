// SPDX-License-Identifier: MIT
/*
 * Buddy split and merge, pageblock stealing, and the basic alloc/free
 * contract. Layouts are drawn above each check, as Linux's
 * tools/testing/memblock tests do; the DMA zone (pfn 0..63, one order-6
 * block at boot, every pageblock MOVABLE) is the canvas. The test holds
 * CPU 0's DMA pcp lock so requests of every order reach the buddy lists.
 */
#include "alloc_test.h"

#define DMA_NOWAIT	(GFP_NOWAIT | __GFP_DMA)

static struct page *dma_alloc(gfp_t extra, unsigned int order)
{
	return alloc_pages(DMA_NOWAIT | extra, order);
}

/* A fresh zone is one maximal block per MAX_PAGE_ORDER-aligned run. */
static void test_boot_layout(void **state)
{
	struct mm_zone_info zi;

	/*
	 *  0                                                          63
	 *  [                       free, order 6                        ]
	 */
	assert_int_equal(mm_zone_info(ZONE_DMA, &zi), 0);
	assert_int_equal(zi.nr_free[MAX_PAGE_ORDER], 1);
	assert_int_equal(zi.free_pages, 64);
	assert_int_equal(zi.nr_free_mt[MAX_PAGE_ORDER][MIGRATE_MOVABLE], 1);
	/* NORMAL: 960 pages less the 128 the page cache took at boot. */
	assert_int_equal(free_of(ZONE_NORMAL), 960 - 128);
	assert_int_equal(mm_reclaimable_pages(), 128);
	assert_census();
}

/* An order-4 request splits the order-6 block; freeing merges it back. */
static void test_split_and_merge(void **state)
{
	struct mm_zone_info zi;
	struct page *p;

	hold_pcp(ZONE_DMA, 0);
	p = dma_alloc(__GFP_MOVABLE, 4);
	assert_non_null(p);
	/*
	 *  0        16       32                64
	 *  [ alloc4 ][ free4  ][     free5      ]
	 */
	assert_int_equal(page_to_pfn(p), 0);
	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.nr_free[6], 0);
	assert_int_equal(zi.nr_free[5], 1);
	assert_int_equal(zi.nr_free[4], 1);
	assert_int_equal(zi.free_pages, 48);
	assert_true(pfn_to_page(16)->buddy && pfn_to_page(16)->order == 4);
	assert_true(pfn_to_page(32)->buddy && pfn_to_page(32)->order == 5);
	__free_pages(p, 4);
	/*
	 *  0                                   64
	 *  [            free6                  ]
	 */
	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.nr_free[6], 1);
	assert_int_equal(zi.nr_free[5] + zi.nr_free[4], 0);
	assert_int_equal(zi.free_pages, 64);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/* An order-0 request splits all the way down: one block per order. */
static void test_split_order0(void **state)
{
	struct mm_zone_info zi;
	struct page *p, *q;

	hold_pcp(ZONE_DMA, 0);
	p = dma_alloc(__GFP_MOVABLE, 0);
	/*
	 *  0  1  2   4     8        16       32               64
	 *  [a][f0][f1 ][ f2 ][  f3   ][  f4   ][      f5       ]
	 */
	assert_int_equal(page_to_pfn(p), 0);
	mm_zone_info(ZONE_DMA, &zi);
	for (int o = 0; o < MAX_PAGE_ORDER; o++) {
		assert_int_equal(zi.nr_free[o], 1);
		assert_true(pfn_to_page(1UL << o)->buddy);
		assert_int_equal(pfn_to_page(1UL << o)->order, o);
	}
	/* The buddy of 0 at order 0 is 1: the next order-0 request takes it. */
	q = dma_alloc(__GFP_MOVABLE, 0);
	assert_int_equal(page_to_pfn(q), 1);
	/* Freeing 0 cannot merge: its buddy 1 is allocated. */
	__free_pages(p, 0);
	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.nr_free[0], 1);
	assert_int_equal(zi.nr_free[6], 0);
	/* Freeing 1 merges 0+1, then 2-3, 4-7, ... up to order 6. */
	__free_pages(q, 0);
	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.nr_free[6], 1);
	assert_int_equal(zi.free_pages, 64);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/* page_is_buddy(): a free neighbour of another order does not merge. */
static void test_no_merge_with_other_order(void **state)
{
	struct mm_zone_info zi;
	struct page *a, *b, *c;

	hold_pcp(ZONE_DMA, 0);
	a = dma_alloc(__GFP_MOVABLE, 1);	/* 0-1 */
	b = dma_alloc(__GFP_MOVABLE, 1);	/* 2-3 */
	c = dma_alloc(__GFP_MOVABLE, 2);	/* 4-7 */
	assert_int_equal(page_to_pfn(a), 0);
	assert_int_equal(page_to_pfn(b), 2);
	assert_int_equal(page_to_pfn(c), 4);
	/*
	 *  0     2     4           8
	 *  [ f1 ][ b  ][     c     ][ f3 ...
	 * 0-1 is free at order 1; its order-1 buddy 2-3 is allocated.
	 */
	__free_pages(a, 1);
	assert_true(pfn_to_page(0)->buddy);
	assert_int_equal(pfn_to_page(0)->order, 1);
	/* 2-3 freed: merges with 0-1 into 0-3 (order 2), whose buddy 4-7 is held. */
	__free_pages(b, 1);
	assert_int_equal(pfn_to_page(0)->order, 2);
	assert_false(pfn_to_page(2)->buddy);
	__free_pages(c, 2);
	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.nr_free[6], 1);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/* Stealing: an unmovable request takes a whole >= pageblock block for itself. */
static void test_steal_large_block(void **state)
{
	struct page *m, *u;

	hold_pcp(ZONE_DMA, 0);
	m = dma_alloc(__GFP_MOVABLE, 4);
	assert_int_equal(page_to_pfn(m), 0);
	/*
	 * pageblocks: 0-15 16-31 32-47 48-63, all MOVABLE.
	 *  [ m ][ f4 ][      f5       ]
	 * The unmovable request falls back to the largest MOVABLE block (the
	 * order-5 one at 32): order >= pageblock_order, so both of its
	 * pageblocks become UNMOVABLE (change_pageblock_range).
	 */
	u = dma_alloc(0, 0);
	assert_non_null(u);
	assert_int_equal(page_to_pfn(u), 32);
	assert_int_equal(block_mt(0), MIGRATE_MOVABLE);
	assert_int_equal(block_mt(16), MIGRATE_MOVABLE);
	assert_int_equal(block_mt(32), MIGRATE_UNMOVABLE);
	assert_int_equal(block_mt(48), MIGRATE_UNMOVABLE);
	/* The rest of 32-63 sits on UNMOVABLE lists now. */
	assert_true(pfn_to_page(48)->buddy);
	assert_int_equal(pfn_to_page(48)->list_mt, MIGRATE_UNMOVABLE);
	__free_pages(u, 0);
	__free_pages(m, 4);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/*
 * Stealing inside a pageblock: claimed when free + alike pages reach
 * half a pageblock (steal_suitable_fallback()).
 */
static void test_steal_claims_half_free_block(void **state)
{
	struct page *m[3], *m3, *u;

	hold_pcp(ZONE_DMA, 0);
	for (int i = 0; i < 3; i++)
		m[i] = dma_alloc(__GFP_MOVABLE, 4);	/* 0-15, 16-31, 32-47 */
	m3 = dma_alloc(__GFP_MOVABLE, 3);		/* 48-55 */
	assert_int_equal(page_to_pfn(m3), 48);
	/*
	 *  48       56       64
	 *  [ m3 (8) ][ free3 ]      pageblock 48-63: 8 free, 8 movable
	 * free + alike = 8 + 0 >= 8: the block becomes UNMOVABLE.
	 */
	u = dma_alloc(0, 0);
	assert_int_equal(page_to_pfn(u), 56);
	assert_int_equal(block_mt(48), MIGRATE_UNMOVABLE);
	__free_pages(u, 0);
	__free_pages(m3, 3);
	for (int i = 0; i < 3; i++)
		__free_pages(m[i], 4);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/* ... and not claimed when too little of the block is free. */
static void test_steal_single_page_when_mostly_used(void **state)
{
	struct page *m[3], *m3, *m2, *u;

	hold_pcp(ZONE_DMA, 0);
	for (int i = 0; i < 3; i++)
		m[i] = dma_alloc(__GFP_MOVABLE, 4);
	m3 = dma_alloc(__GFP_MOVABLE, 3);		/* 48-55 */
	m2 = dma_alloc(__GFP_MOVABLE, 2);		/* 56-59 */
	/*
	 *  48        56   60   64
	 *  [  m3     ][m2 ][ f2 ]   4 free, 12 movable: 4 < 8, not claimed
	 * 4 free pages are at DMA's MIN (4): only GFP_ATOMIC may go below.
	 */
	assert_null(dma_alloc(0, 0));
	u = alloc_page(GFP_ATOMIC | __GFP_DMA);
	assert_int_equal(page_to_pfn(u), 60);
	assert_int_equal(block_mt(48), MIGRATE_MOVABLE);
	/* The split remainder went to the UNMOVABLE lists all the same. */
	assert_int_equal(pfn_to_page(61)->list_mt, MIGRATE_UNMOVABLE);
	__free_pages(u, 0);
	__free_pages(m2, 2);
	__free_pages(m3, 3);
	for (int i = 0; i < 3; i++)
		__free_pages(m[i], 4);
	release_pcp(ZONE_DMA, 0);
	assert_census();
}

/* The zonelist: NORMAL first, DMA only when NORMAL is refused; __GFP_DMA: DMA only. */
static void test_zonelist(void **state)
{
	struct page *p;

	p = alloc_page(GFP_KERNEL);
	assert_int_equal(p->zone, ZONE_NORMAL);
	__free_page(p);
	p = alloc_page(GFP_KERNEL | __GFP_DMA);
	assert_int_equal(p->zone, ZONE_DMA);
	__free_page(p);
	/* NORMAL empty: an ordinary request spills into DMA. */
	set_free(ZONE_NORMAL, 0);
	p = alloc_page(GFP_NOWAIT);
	assert_non_null(p);
	assert_int_equal(p->zone, ZONE_DMA);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* lowmem_reserve: DMA keeps managed(NORMAL)/256 back from NORMAL-capable requests. */
static void test_lowmem_reserve(void **state)
{
	struct mm_zone_info zi;
	struct page *p;
	long mark = (long)wmark_of(ZONE_DMA, WMARK_MIN);

	mm_zone_info(ZONE_DMA, &zi);
	assert_int_equal(zi.lowmem_reserve[ZONE_NORMAL], 960 / 256);
	assert_int_equal(zi.lowmem_reserve[ZONE_DMA], 0);
	set_free(ZONE_NORMAL, 0);
	/* DMA at MIN + reserve + 1: a blocking __GFP_DMA request at MIN passes... */
	set_free(ZONE_DMA, mark + zi.lowmem_reserve[ZONE_NORMAL] + 1);
	/* ...but a NORMAL-capable one must leave the reserve: free <= MIN + 3 fails at MIN. */
	set_free(ZONE_DMA, mark + zi.lowmem_reserve[ZONE_NORMAL]);
	p = alloc_page(GFP_NOWAIT | __GFP_NOMEMALLOC);
	assert_null(p);
	p = alloc_page(GFP_NOWAIT | __GFP_NOMEMALLOC | __GFP_DMA);
	assert_non_null(p);
	assert_int_equal(p->zone, ZONE_DMA);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* Watermarks per __setup_per_zone_wmarks() for the default machine. */
static void test_watermarks_setup(void **state)
{
	/* min_free 64 split 64:960 of 1024; tmp = max(min/4, managed*10/10000) */
	assert_int_equal(wmark_of(ZONE_DMA, WMARK_MIN), 4);
	assert_int_equal(wmark_of(ZONE_DMA, WMARK_LOW), 5);
	assert_int_equal(wmark_of(ZONE_DMA, WMARK_HIGH), 6);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_MIN), 60);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_LOW), 75);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_HIGH), 90);
}

/* A larger scale factor widens the LOW/HIGH distance (managed*scale/10000). */
static void test_watermark_scale_factor(void **state)
{
	struct mm_config cfg = { .zone_pages = { 64, 4096 }, .min_free_pages = 64,
				 .watermark_scale_factor = 100 };

	mm_exit();
	assert_int_equal(mm_init(&cfg), 0);
	/* NORMAL: min = 64*4096/4160 = 63; tmp = max(15, 4096*100/10000 = 40) */
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_MIN), 63);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_LOW), 103);
	assert_int_equal(wmark_of(ZONE_NORMAL, WMARK_HIGH), 143);
	assert_census();
}

/* Bad frees are refused, not obeyed: the lists stay intact. */
static void test_bad_free_refused(void **state)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	struct mm_census before, after;

	__free_pages(p, 2);
	drain_all_pages();
	mm_census(&before);
	__free_pages(p, 2);			/* double free */
	p = alloc_pages(GFP_KERNEL, 1);
	__free_pages(p + 1, 0);			/* a tail page */
	__free_pages(p, 0);			/* the wrong order */
	mm_census(&after);
	assert_int_equal(after.owned, 2);
	assert_true(mm_is_valid());
	__free_pages(p, 1);
	assert_census();
}

static void test_mm_init_rejects_bad_config(void **state)
{
	struct mm_config cfg = { .zone_pages = { 60, 960 } };

	mm_exit();
	assert_int_equal(mm_init(&cfg), -EINVAL);
	assert_int_equal(mm_init(NULL), 0);
	assert_census();
}

/* The validator is a detector too: it must fire on each kind of damage. */
static void test_validator_catches_corruption(void **state)
{
	struct zone *z = zone_of(ZONE_DMA);
	struct page *p = pfn_to_page(0);
	struct page *q;

	assert_true(mm_is_valid());
	/* NR_FREE_PAGES off by one */
	atomic_long_add(1, &z->free_pages);
	assert_false(mm_is_valid());
	atomic_long_sub(1, &z->free_pages);
	/* a free frame that claims to be owned */
	p[5].place = PLACE_OWNED;
	assert_false(mm_is_valid());
	p[5].place = PLACE_FREE;
	/* a block on the list with the wrong order */
	p->order = 5;
	assert_false(mm_is_valid());
	p->order = 6;
	/* a per-type count that disagrees with its list */
	z->free_area[6].nr_free_mt[MIGRATE_MOVABLE]++;
	assert_false(mm_is_valid());
	z->free_area[6].nr_free_mt[MIGRATE_MOVABLE]--;
	/* a pcp count that disagrees with its lists */
	q = alloc_page(GFP_KERNEL);
	z = zone_of(ZONE_NORMAL);
	z->pcp[0].count++;
	assert_false(mm_is_valid());
	z->pcp[0].count--;
	/* a highatomic reservation with no HIGHATOMIC pageblock */
	z->nr_reserved_highatomic = pageblock_nr_pages;
	assert_false(mm_is_valid());
	z->nr_reserved_highatomic = 0;
	__free_page(q);
	assert_true(mm_is_valid());
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_boot_layout),
		ALLOC_TEST(test_split_and_merge),
		ALLOC_TEST(test_split_order0),
		ALLOC_TEST(test_no_merge_with_other_order),
		ALLOC_TEST(test_steal_large_block),
		ALLOC_TEST(test_steal_claims_half_free_block),
		ALLOC_TEST(test_steal_single_page_when_mostly_used),
		ALLOC_TEST(test_zonelist),
		ALLOC_TEST(test_lowmem_reserve),
		ALLOC_TEST(test_watermarks_setup),
		ALLOC_TEST(test_watermark_scale_factor),
		ALLOC_TEST(test_bad_free_refused),
		ALLOC_TEST(test_mm_init_rejects_bad_config),
		ALLOC_TEST(test_validator_catches_corruption),
	};

	return LAB_RUN_TESTS(tests);
}
