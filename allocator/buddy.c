// SPDX-License-Identifier: MIT
/*
 * buddy.c: the buddy free lists of a zone -- split, merge, migratetype
 * fallback and pageblock stealing -- after Linux v6.x mm/page_alloc.c.
 * Every function here runs with zone->lock held.
 */
#include <labyrinth/zoo.h>
#include "internal.h"

/* account_freepages(): NR_FREE_PAGES and the free highatomic count move together. */
static void account_freepages(struct zone *z, long nr, int mt)
{
	atomic_long_add(nr, &z->free_pages);
	if (is_migrate_highatomic(mt))
		WRITE_ONCE(z->nr_free_highatomic, z->nr_free_highatomic + nr);
}

/* __add_to_free_list() + set_buddy_order() + account_freepages() */
void add_to_free_list(struct page *page, struct zone *z, unsigned int order, int mt, bool tail)
{
	struct free_area *area = &z->free_area[order];

	page->buddy = 1;
	page->order = order;
	page->list_mt = (signed char)mt;
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	COUNTER_ADD(area->nr_free, 1);
	COUNTER_ADD(area->nr_free_mt[mt], 1);
	account_freepages(z, 1L << order, mt);
}

/* __del_page_from_free_list() + account_freepages() */
void del_page_from_free_list(struct page *page, struct zone *z, unsigned int order)
{
	list_del(&page->lru);
	page->buddy = 0;
	COUNTER_ADD(z->free_area[order].nr_free, -1);
	COUNTER_ADD(z->free_area[order].nr_free_mt[page->list_mt], -1);
	account_freepages(z, -(1L << order), page->list_mt);
}

/* move_to_free_list(): same block, other migratetype list. */
void move_to_free_list(struct page *page, struct zone *z, unsigned int order, int new_mt)
{
	struct free_area *area = &z->free_area[order];

	account_freepages(z, -(1L << order), page->list_mt);
	COUNTER_ADD(area->nr_free_mt[page->list_mt], -1);
	COUNTER_ADD(area->nr_free_mt[new_mt], 1);
	list_move_tail(&page->lru, &area->free_list[new_mt]);
	page->list_mt = (signed char)new_mt;
	account_freepages(z, 1L << order, new_mt);
}

/*
 * expand(): split a block of order high down to low, giving the upper
 * halves back to the free list of mt. The lower half is kept.
 */
static void expand(struct zone *z, struct page *page, unsigned int low,
		   unsigned int high, int mt)
{
	unsigned long size = 1UL << high;

	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(&page[size], z, high, mt, false);
	}
}

/* __rmqueue_smallest(): the smallest free block >= order of exactly mt. */
struct page *__rmqueue_smallest(struct zone *z, unsigned int order, int mt)
{
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		struct free_area *area = &z->free_area[o];
		struct page *page;

		if (list_empty(&area->free_list[mt]))
			continue;
		page = list_first_entry(&area->free_list[mt], struct page, lru);
		del_page_from_free_list(page, z, o);
		expand(z, page, order, o, mt);
		return page;
	}
	return NULL;
}

/* The fallbacks table of mm/page_alloc.c (v6.x, before the 6.15 rework). */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* can_steal_fallback(): whole pageblocks for large or unmovable requests. */
static bool can_steal_fallback(unsigned int order, int start_mt)
{
	if (order >= pageblock_order)
		return true;
	if (order >= pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	    start_mt == MIGRATE_UNMOVABLE)
		return true;
	return false;
}

/* find_suitable_fallback(): the first fallback type with a free block at order. */
static int find_suitable_fallback(struct free_area *area, unsigned int order,
				  int mt, bool *can_steal)
{
	if (!area->nr_free)
		return -1;
	*can_steal = false;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];

		if (list_empty(&area->free_list[fmt]))
			continue;
		if (can_steal_fallback(order, mt))
			*can_steal = true;
		return fmt;
	}
	return -1;
}

/* change_pageblock_range(): every pageblock of a >= pageblock_order block. */
void change_pageblock_range(struct page *page, unsigned int order, int mt)
{
	int nr = order >= pageblock_order ? 1 << (order - pageblock_order) : 1;

	for (int i = 0; i < nr; i++)
		set_pageblock_migratetype(page + i * pageblock_nr_pages, mt);
}

/*
 * move_freepages_block(): move every free block of page's pageblock to
 * new_mt's lists and mark the pageblock new_mt (v6.10+ does both).
 * Returns the free pages moved; *movable counts allocated frames of
 * movable allocations in the block (what PageLRU/__PageMovable count).
 */
int move_freepages_block(struct zone *z, struct page *page, int new_mt, int *movable)
{
	unsigned long start = pfn_of(page) & ~(pageblock_nr_pages - 1);
	unsigned long pfn = start, end = start + pageblock_nr_pages;
	int moved = 0, mov = 0;

	if (!zone_spans_pfn(z, start) || !zone_spans_pfn(z, end - 1))
		return -1;
	while (pfn < end) {
		struct page *p = page_of(pfn);

		if (p->buddy) {
			unsigned int o = p->order;

			move_to_free_list(p, z, o, new_mt);
			moved += 1 << o;
			pfn += 1UL << o;
			continue;
		}
		if (READ_ONCE(p->place) == PLACE_RECLAIMABLE)
			mov++;
		else if (READ_ONCE(p->head) && READ_ONCE(p->alloc_mt) == MIGRATE_MOVABLE)
			mov += 1 << READ_ONCE(p->alloc_order);
		pfn++;
	}
	set_pageblock_migratetype(page_of(start), new_mt);
	if (movable)
		*movable = mov;
	return moved;
}

/*
 * steal_suitable_fallback(): take the block off the fallback list and,
 * when allowed, claim its whole pageblock for start_type.
 */
static void steal_suitable_fallback(struct zone *z, struct page *page,
				    int start_type, bool whole_block)
{
	unsigned int current_order = page->order;
	int old_block_type = get_pageblock_migratetype(page);
	int free_pages, movable_pages = 0, alike_pages;

	/* Races can leave highatomic pages here; keep the accounting sane. */
	if (is_migrate_highatomic(old_block_type))
		goto single_page;
	if (current_order >= pageblock_order) {
		change_pageblock_range(page, current_order, start_type);
		goto single_page;
	}
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block(z, page, start_type, &movable_pages);
	if (free_pages <= 0)
		goto single_page;
	/* The block is now start_type; undo unless enough of it is alike. */
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (old_block_type == MIGRATE_MOVABLE)
		alike_pages = pageblock_nr_pages - (free_pages + movable_pages);
	else
		alike_pages = 0;
	if (free_pages + alike_pages < (1 << (pageblock_order - 1)))
		set_pageblock_migratetype(page, old_block_type);
	return;

single_page:
	move_to_free_list(page, z, current_order, start_type);
}

/*
 * __rmqueue_fallback(): steal from another migratetype, largest block
 * first (it approximates the emptiest pageblock), except for a movable
 * request that cannot steal the block: then the smallest.
 */
static bool __rmqueue_fallback(struct zone *z, unsigned int order, int start_mt)
{
	struct free_area *area;
	int current_order, fmt = -1;
	bool can_steal = false;
	struct page *page;

	for (current_order = MAX_PAGE_ORDER; current_order >= (int)order; current_order--) {
		area = &z->free_area[current_order];
		fmt = find_suitable_fallback(area, current_order, start_mt, &can_steal);
		if (fmt == -1)
			continue;
		if (!can_steal && start_mt == MIGRATE_MOVABLE && current_order > (int)order)
			goto find_smallest;
		goto do_steal;
	}
	return false;

find_smallest:
	for (current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		area = &z->free_area[current_order];
		fmt = find_suitable_fallback(area, current_order, start_mt, &can_steal);
		if (fmt != -1)
			break;
	}
	BUG_ON(current_order >= NR_PAGE_ORDERS);

do_steal:
	page = list_first_entry(&area->free_list[fmt], struct page, lru);
	steal_suitable_fallback(z, page, start_mt, can_steal);
	return true;
}

/* __rmqueue(): own type first, then fallback and retry. */
struct page *__rmqueue(struct zone *z, unsigned int order, int mt, unsigned int alloc_flags)
{
	struct page *page;

retry:
	page = __rmqueue_smallest(z, order, mt);
	if (!page && __rmqueue_fallback(z, order, mt))
		goto retry;
	return page;
}

/*
 * page_is_buddy(): the buddy may merge only if it heads a free block of
 * the same order in the same zone.
 */
static bool page_is_buddy(struct zone *z, unsigned long buddy_pfn, unsigned int order)
{
	struct page *buddy;

	if (!zone_spans_pfn(z, buddy_pfn))
		return false;
	buddy = page_of(buddy_pfn);
#ifdef ZOO_BUDDY_MERGE_NOCHECK
	/*
	 * ZOO buddy_merge_nocheck: PageBuddy without buddy_order() ==
	 * order: a free buddy of a smaller order merges as if it were the
	 * whole other half, and the frames of that half still in use end
	 * up inside a free block.
	 */
	ZOO_REACHED(buddy_merge_nocheck);
	if (buddy->buddy && buddy->order != order)
		ZOO_TRIGGERED(buddy_merge_nocheck);
	return buddy->buddy;
#endif
	return buddy->buddy && buddy->order == order;
}

/*
 * __free_one_page(): merge with free buddies upwards, then list the
 * block. Blocks of pageblock_order and above merge across pageblocks
 * only when both types are mergeable (highatomic blocks stay apart).
 */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *z,
		     unsigned int order, int mt)
{
	set_place(page, order, PLACE_FREE);
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		unsigned long combined_pfn;
		struct page *buddy;

		if (!page_is_buddy(z, buddy_pfn, order))
			break;
		buddy = page_of(buddy_pfn);
		if (order >= pageblock_order) {
			int buddy_mt = get_pageblock_migratetype(buddy);

			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_page_from_free_list(buddy, z, order);
		combined_pfn = buddy_pfn & pfn;
		page = page_of(combined_pfn);
		pfn = combined_pfn;
		order++;
	}
	add_to_free_list(page, z, order, mt, false);
}

/* free_one_page(): straight to the buddy lists under zone->lock. */
void free_one_page(struct zone *z, struct page *page, unsigned int order)
{
	unsigned long flags;

#ifdef ZOO_ZONE_LOCK_NOIRQ
	/*
	 * ZOO zone_lock_noirq: zone->lock without irqsave on the free
	 * path; an interrupt that allocates on this CPU while it is held
	 * spins forever (lockdep: {IN-HARDIRQ-W} -> {HARDIRQ-ON-W}).
	 */
	ZOO_REACHED(zone_lock_noirq);
	if (!irqs_disabled())
		ZOO_TRIGGERED(zone_lock_noirq);
	spin_lock(&z->lock);
	__free_one_page(page, pfn_of(page), z, order, get_pageblock_migratetype(page));
	spin_unlock(&z->lock);
	return;
#endif
	spin_lock_irqsave(&z->lock, flags);
	__free_one_page(page, pfn_of(page), z, order, get_pageblock_migratetype(page));
	spin_unlock_irqrestore(&z->lock, flags);
}
