// SPDX-License-Identifier: MIT
/*
 * page_alloc.c: watermarks, the zonelist walk and the fast path of
 * Linux v6.x mm/page_alloc.c (__alloc_pages, get_page_from_freelist,
 * __zone_watermark_ok, rmqueue) and the free entry. The slow path is in
 * slowpath.c.
 */
#include <string.h>
#include <labyrinth/zoo.h>
#include "internal.h"

/*
 * __zone_watermark_unusable_free(): the pages an order-N request cannot
 * count: the (1<<order)-1 it will split off, and the free highatomic
 * pages unless the caller may dig into reserves (v6.12+: free, not
 * reserved, highatomic pages).
 */
static long __zone_watermark_unusable_free(const struct zone *z, unsigned int order,
					   unsigned int alloc_flags, long free_highatomic)
{
	long unusable_free = (1L << order) - 1;

#ifdef ZOO_WMARK_RESERVED_HIGHATOMIC
	/*
	 * ZOO wmark_reserved_highatomic: the estimate before v6.12, the
	 * *reserved* highatomic pages, free or not ("This will
	 * over-estimate the size of the atomic reserve but it avoids a
	 * search"). Once a reserved block is partly or wholly allocated,
	 * callers without reserve rights are refused with usable pages
	 * above their line (OOM kills seen with 1 GB reserved and none of
	 * it free; fixed by "mm/page_alloc: keep track of free highatomic").
	 */
	ZOO_REACHED(wmark_reserved_highatomic);
	free_highatomic = READ_ONCE(z->nr_reserved_highatomic);
#endif
	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		unusable_free += free_highatomic;
	return unusable_free;
}

/*
 * __zone_watermark_ok(): free_pages and free_highatomic are passed in so
 * the MM_EV_WMARK event reports exactly the values decided on.
 *   MIN_RESERVE (__GFP_HIGH):   min -= min/2
 *   then NON_BLOCK (atomic):    min -= min/4
 *   OOM:                        min -= min/2
 * mark 1000 -> 500 (__GFP_HIGH), 375 (GFP_ATOMIC), 188 (GFP_ATOMIC+OOM).
 */
bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags,
			 long free_pages, long free_highatomic)
{
	long min = (long)mark;
#ifdef ZOO_WMARK_RESERVED_HIGHATOMIC
	/* what the free count would have allowed: the refusal is the bug's */
	long really_usable = free_pages - (1L << order) + 1 -
		(alloc_flags & ALLOC_RESERVES ? 0 : free_highatomic);
#endif

	free_pages -= __zone_watermark_unusable_free(z, order, alloc_flags, free_highatomic);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx]) {
#ifdef ZOO_WMARK_RESERVED_HIGHATOMIC
		if (really_usable > min + z->lowmem_reserve[highest_zoneidx])
			ZOO_TRIGGERED(wmark_reserved_highatomic);
#endif
		return false;
	}
	if (!order)
		return true;
	/* A high-order request needs a free block of at least that order. */
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];

		if (!READ_ONCE(area->nr_free))
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (READ_ONCE(area->nr_free_mt[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    READ_ONCE(area->nr_free_mt[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

/*
 * zone_watermark_fast(): an order-0 shortcut before the full check.
 * Reads NR_FREE_PAGES and the free highatomic count once, without
 * zone->lock, and reports them with the verdict.
 */
static bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
				int highest_zoneidx, unsigned int alloc_flags, gfp_t gfp)
{
	long free_pages, free_ha;
	struct mm_event ev;
	bool ok = false;

	race_point();
	free_pages = zone_free_pages(z);
	free_ha = READ_ONCE(z->nr_free_highatomic);
	if (!order) {
		long usable = free_pages;
		long reserved = __zone_watermark_unusable_free(z, 0, alloc_flags, free_ha);

		usable -= min(usable, reserved);
		if (usable > (long)mark + z->lowmem_reserve[highest_zoneidx])
			ok = true;
	}
	if (!ok)
		ok = __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
					 free_pages, free_ha);
	if (!mm_listening())
		return ok;
	memset(&ev, 0, sizeof(ev));
	ev.kind = MM_EV_WMARK;
	ev.who = lab_current();
	ev.order = order;
	ev.gfp = gfp;
	ev.zone = z->idx;
	ev.chan = -1;
	ev.alloc_flags = alloc_flags;
	ev.free_pages = free_pages;
	ev.free_highatomic = free_ha;
	ev.mark = (long)mark;
	ev.lowmem_reserve = z->lowmem_reserve[highest_zoneidx];
	ev.ok = ok;
	mm_emit(&ev);
	return ok;
}

/*
 * rmqueue_buddy(): straight from the free lists. ALLOC_HIGHATOMIC looks
 * in the highatomic reserve first; order-0 atomic and OOM callers use it
 * as a last resort, since failing now is worse than failing a future
 * high-order atomic request.
 */
static struct page *rmqueue_buddy(struct zone *z, unsigned int order,
				  unsigned int alloc_flags, int mt)
{
	struct page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&z->lock, flags);
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		page = __rmqueue(z, order, mt, alloc_flags);
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	}
	if (page)
		set_place(page, order, PLACE_OWNED);
	spin_unlock_irqrestore(&z->lock, flags);
	return page;
}

/* rmqueue(): pcp lists for small orders, else (or on trylock failure) buddy. */
static struct page *rmqueue(struct zone *z, unsigned int order, unsigned int alloc_flags, int mt)
{
	struct page *page = NULL;

	if (likely(pcp_allowed_order(order)))
		page = rmqueue_pcplist(z, order, mt, alloc_flags);
	if (!page)
		page = rmqueue_buddy(z, order, alloc_flags, mt);
	return page;
}

/*
 * get_page_from_freelist(): walk the zonelist (NORMAL then DMA, or DMA
 * alone for __GFP_DMA) and take from the first zone whose watermark
 * allows it. ALLOC_NO_WATERMARKS still reports the check but ignores it.
 */
struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
				    unsigned int alloc_flags,
				    const struct alloc_context *ac)
{
	for (int zi = ac->highest_zoneidx; zi >= 0; zi--) {
		struct zone *z = &NODE_DATA()->node_zones[zi];
		unsigned long mark;
		struct page *page;

		if (!z->managed_pages)
			continue;
		mark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
		if (!zone_watermark_fast(z, order, mark, ac->highest_zoneidx, alloc_flags, gfp) &&
		    !(alloc_flags & ALLOC_NO_WATERMARKS))
			continue;
		page = rmqueue(z, order, alloc_flags, ac->migratetype);
		if (page) {
			if (unlikely(alloc_flags & ALLOC_HIGHATOMIC) && order)
				reserve_highatomic_pageblock(page, order, z);
			return page;
		}
	}
	return NULL;
}

/* prep_new_page() + page_owner's set_page_owner(). */
void prep_new_page(struct page *page, unsigned int order, gfp_t gfp, const struct lab_site *site)
{
	struct lab_owner who = lab_current();

	asan_unpoison_frames(page, order);
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	for (unsigned long i = 0; i < (1UL << order); i++) {
		WRITE_ONCE(page[i].head, 0);
		WRITE_ONCE(page[i].chan, -1);
		set_owner(&page[i], who);
	}
	/* read by move_freepages_block() under zone->lock: WRITE_ONCE */
	page->allocator = who;
	page->gfp = gfp;
	page->site = site;
	WRITE_ONCE(page->alloc_order, order);
	WRITE_ONCE(page->alloc_mt, gfp_migratetype(gfp));
	WRITE_ONCE(page->head, 1);
}

struct page *__alloc_pages_site(gfp_t gfp, unsigned int order, const struct lab_site *site)
{
	struct alloc_context ac = { 0 };
	struct page *page = NULL;
	struct mm_event ev;

	if (!NODE_DATA()->up)
		return NULL;
	if (order > MAX_PAGE_ORDER) {
		/* WARN_ON_ONCE_GFP in Linux; a caller error, reported as a warning line. */
		warn_alloc(gfp, order, "order too large");
		goto fail;
	}
	gfp &= __GFP_BITS_MASK;
	/* might_alloc(): a blocking request must be made where sleeping is legal. */
	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	if (mm_should_fail(FAULT_SITE_ALLOC_PAGES, gfp, order))
		goto fail;
	ac.highest_zoneidx = gfp_zone(gfp);
	ac.migratetype = gfp_migratetype(gfp);
	/* alloc_flags_nofragment(): ALLOC_KSWAPD rides along; no DMA32, no NOFRAGMENT. */
	page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW | (gfp & __GFP_KSWAPD_RECLAIM), &ac);
	if (!page)
		page = __alloc_pages_slowpath(gfp, order, &ac);
	if (!page)
		goto fail;
	prep_new_page(page, order, gfp, site);
	mm_emit_simple(MM_EV_ALLOC, page, order, gfp, -1, site);
	DEBUG_CHECK(mm_is_valid());
	return page;
fail:
	memset(&ev, 0, sizeof(ev));
	ev.kind = MM_EV_ALLOC_FAIL;
	ev.who = lab_current();
	ev.pfn = -1UL;
	ev.order = order;
	ev.gfp = gfp;
	ev.zone = -1;
	ev.chan = -1;
	ev.site = site;
	mm_emit(&ev);
	DEBUG_CHECK(mm_is_valid());
	return NULL;
}

/*
 * free_pages_prepare(): the bad_page() checks of Linux. A frame that is
 * not allocated (free, on a pcp list, in the ballast), a tail frame or a
 * wrong order is refused with a "Bad page state" line and left alone,
 * so a caller's double free cannot corrupt the free lists.
 */
static bool free_pages_prepare(struct page *page, unsigned int order)
{
	int place = READ_ONCE(page->place);

	if (place == PLACE_FREE || place == PLACE_PCP || place == PLACE_BALLAST) {
		bad_page(page, "freeing a free page");
		return false;
	}
	if (!page->head || page->alloc_order != order) {
		bad_page(page, "freeing with the wrong order or a tail page");
		return false;
	}
	return true;
}

/* Back to the allocator: page_owner cleared, memory poisoned, pcp or buddy. */
void free_pages_to_allocator(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		WRITE_ONCE(page[i].head, 0);
		WRITE_ONCE(page[i].chan, -1);
		set_owner(&page[i], (struct lab_owner){ -1, -1, -1 });
	}
	asan_poison_frames(page, order);
	free_unref_page(page, order);
}

void __free_pages_site(struct page *page, unsigned int order, const struct lab_site *site)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (!page)
		return;
	if (!pgdat->up || page < pgdat->mem_map || page >= pgdat->mem_map + pgdat->nr_pages ||
	    order > MAX_PAGE_ORDER) {
		pr_err("BUG: __free_pages of a page outside the arena (%p, order %u)\n",
		       (void *)page, order);
		return;
	}
	mm_emit_simple(MM_EV_FREE, page, order, 0, -1, site);
	if (!free_pages_prepare(page, order))
		return;
	free_pages_to_allocator(page, order);
	DEBUG_CHECK(mm_is_valid());
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp, order);

	return page ? (unsigned long)page_address(page) : 0;
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct page *page;

	if (!addr)
		return;
	page = virt_to_page((const void *)addr);
	if (!page) {
		pr_err("BUG: free_pages of an address outside the arena (%#lx)\n", addr);
		return;
	}
	__free_pages(page, order);
}
