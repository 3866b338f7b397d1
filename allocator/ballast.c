// SPDX-License-Identifier: MIT
/*
 * ballast.c: reserve exhaustion for fault injection. Frames come straight
 * off a zone's buddy lists (no watermarks, no pcp) under zone->lock and
 * sit on zone->ballast until released, so a test or fuzz program can put
 * NR_FREE_PAGES exactly on the line it wants to probe.
 */
#include "internal.h"

/* Take one free block of exactly order, any migratetype, highatomic last. */
static struct page *ballast_take(struct zone *z, unsigned int order)
{
	static const int order_of_types[MIGRATE_TYPES] = {
		MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, MIGRATE_HIGHATOMIC,
	};

	for (int i = 0; i < MIGRATE_TYPES; i++) {
		struct page *page = __rmqueue_smallest(z, order, order_of_types[i]);

		if (page)
			return page;
	}
	return NULL;
}

long mm_ballast_fill(int zone, long target_free)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct zone *z;
	unsigned long flags;
	long moved = 0;

	if (!pgdat->up || zone < 0 || zone >= MAX_NR_ZONES)
		return 0;
	z = &pgdat->node_zones[zone];
	spin_lock_irqsave(&z->lock, flags);
	for (;;) {
		long need = zone_free_pages(z) - target_free;
		struct page *page = NULL;
		int order;

		if (need <= 0)
			break;
		/* The largest block that does not overshoot, splitting if needed. */
		for (order = MAX_PAGE_ORDER; order >= 0 && !page; order--)
			if ((1L << order) <= need)
				page = ballast_take(z, order);
		if (!page)
			break;
		order++;
		set_place(page, order, PLACE_BALLAST);
		page->order = order;
		list_add_tail(&page->lru, &z->ballast);
		z->nr_ballast += 1UL << order;
		moved += 1L << order;
		mm_emit_simple(MM_EV_BALLAST_IN, page, order, 0, -1, NULL);
	}
	spin_unlock_irqrestore(&z->lock, flags);
	DEBUG_CHECK(mm_is_valid());
	return moved;
}

long mm_ballast_release(int zone)
{
	struct pglist_data *pgdat = NODE_DATA();
	long released = 0;

	if (!pgdat->up || zone < -1 || zone >= MAX_NR_ZONES)
		return 0;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];
		unsigned long flags;

		if (zone >= 0 && i != zone)
			continue;
		spin_lock_irqsave(&z->lock, flags);
		while (!list_empty(&z->ballast)) {
			struct page *page = list_first_entry(&z->ballast, struct page, lru);
			unsigned int order = page->order;

			list_del(&page->lru);
			z->nr_ballast -= 1UL << order;
			released += 1L << order;
			mm_emit_simple(MM_EV_BALLAST_OUT, page, order, 0, -1, NULL);
			__free_one_page(page, pfn_of(page), z, order, get_pageblock_migratetype(page));
		}
		spin_unlock_irqrestore(&z->lock, flags);
	}
	DEBUG_CHECK(mm_is_valid());
	return released;
}
