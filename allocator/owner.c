// SPDX-License-Identifier: MIT
/*
 * owner.c: page_owner records (mm/page_owner.c), labyrinth's exclusive
 * ownership moves (give/take), the census, and ASan poisoning of frames
 * that nobody may touch.
 *
 * The allocator does not judge ownership: give/take by the wrong
 * context are reported by check/, from the events. It only keeps each
 * frame's place right, and never lets a bad call corrupt its lists.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LAB_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LAB_ASAN 1
#endif

#ifdef LAB_ASAN
#include <sanitizer/asan_interface.h>
#endif

void asan_poison_frames(struct page *page, unsigned int order)
{
#ifdef LAB_ASAN
	ASAN_POISON_MEMORY_REGION(page_address(page), PAGE_SIZE << order);
#endif
}

/* Poison a range nobody may touch (the page array between runs). */
void asan_poison_range(void *addr, unsigned long len)
{
#ifdef LAB_ASAN
	ASAN_POISON_MEMORY_REGION(addr, len);
#endif
}

/* Unpoison a whole range before it is unmapped (ASan keeps shadow). */
void asan_unpoison_range(void *addr, unsigned long len)
{
#ifdef LAB_ASAN
	ASAN_UNPOISON_MEMORY_REGION(addr, len);
#endif
}

/*
 * Frame memory goes to a caller: unpoison it, and mark it dirty so
 * mm_exit() clears it for the next run (the arena outlives runs).
 */
void asan_unpoison_frames(struct page *page, unsigned int order)
{
	for (unsigned long i = 0; i < (1UL << order); i++)
		page[i].dirty = 1;
#ifdef LAB_ASAN
	ASAN_UNPOISON_MEMORY_REGION(page_address(page), PAGE_SIZE << order);
#endif
}

/* bad_page(): "BUG: Bad page state" is a log line in Linux, not a BUG(). */
void bad_page(const struct page *page, const char *reason)
{
	pr_err("BUG: Bad page state: pfn:%#lx place:%d order:%u: %s\n",
	       pfn_of(page), READ_ONCE(page->place), page->alloc_order, reason);
}

static bool page_in_arena(const struct page *page)
{
	struct pglist_data *pgdat = NODE_DATA();

	return pgdat->up && page >= pgdat->mem_map && page < pgdat->mem_map + pgdat->nr_pages;
}

int page_owner_get(const struct page *page, struct page_owner_info *out)
{
	if (!page_in_arena(page) || !out)
		return -EINVAL;
	out->owner.cpu = READ_ONCE(page->owner.cpu);
	out->owner.ctx = READ_ONCE(page->owner.ctx);
	out->owner.actor = READ_ONCE(page->owner.actor);
	out->allocator = page->allocator;
	out->gfp = page->gfp;
	out->order = page->alloc_order;
	out->site = page->site;
	return 0;
}

/*
 * page_give(): the owner lets go; the block is in flight in chan. Only
 * an owned block changes place; any other call is left to check/.
 */
void __page_give(struct page *page, unsigned int order, int chan, const struct lab_site *site)
{
	if (!page_in_arena(page) || order > MAX_PAGE_ORDER ||
	    pfn_of(page) + (1UL << order) > NODE_DATA()->nr_pages)
		return;
	mm_emit_simple(MM_EV_GIVE, page, order, 0, chan, site);
	if (READ_ONCE(page->place) != PLACE_OWNED)
		return;
	for (unsigned long i = 0; i < (1UL << order); i++) {
		if (READ_ONCE(page[i].place) != PLACE_OWNED)
			continue;
		WRITE_ONCE(page[i].chan, chan);
		set_owner(&page[i], (struct lab_owner){ -1, -1, -1 });
		WRITE_ONCE(page[i].place, PLACE_IN_FLIGHT);
	}
	DEBUG_CHECK(mm_is_valid());
}

/* page_take(): the calling context becomes the owner. */
void __page_take(struct page *page, unsigned int order, int chan, const struct lab_site *site)
{
	struct lab_owner who = lab_current();
	int place;

	if (!page_in_arena(page) || order > MAX_PAGE_ORDER ||
	    pfn_of(page) + (1UL << order) > NODE_DATA()->nr_pages)
		return;
	mm_emit_simple(MM_EV_TAKE, page, order, 0, chan, site);
	place = READ_ONCE(page->place);
	if (place != PLACE_IN_FLIGHT && place != PLACE_OWNED)
		return;
	for (unsigned long i = 0; i < (1UL << order); i++) {
		place = READ_ONCE(page[i].place);
		if (place != PLACE_IN_FLIGHT && place != PLACE_OWNED)
			continue;
		WRITE_ONCE(page[i].chan, -1);
		set_owner(&page[i], who);
		WRITE_ONCE(page[i].place, PLACE_OWNED);
	}
	DEBUG_CHECK(mm_is_valid());
}

void mm_census(struct mm_census *out)
{
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long n[PLACE_NR] = { 0 };

	for (unsigned long pfn = 0; pfn < pgdat->nr_pages; pfn++) {
		int place = READ_ONCE(pgdat->mem_map[pfn].place);

		if (place >= 0 && place < PLACE_NR)
			n[place]++;
	}
	out->free = n[PLACE_FREE];
	out->pcp = n[PLACE_PCP];
	out->owned = n[PLACE_OWNED];
	out->in_flight = n[PLACE_IN_FLIGHT];
	out->pooled = n[PLACE_POOLED];
	out->reclaimable = n[PLACE_RECLAIMABLE];
	out->ballast = n[PLACE_BALLAST];
}
