// SPDX-License-Identifier: MIT
/*
 * highatomic.c: the high-order atomic reserve (Linux v6.x
 * reserve_highatomic_pageblock, unreserve_highatomic_pageblock).
 *
 * A successful high-order atomic allocation turns its pageblock into
 * MIGRATE_HIGHATOMIC, so later high-order atomic requests find free
 * blocks there, up to about 1% of the zone. Reclaim under pressure (and
 * the last retry before OOM) gives the blocks back.
 */
#include "internal.h"

/* The cap: ALIGN(managed / 100, pageblock_nr_pages), at least one block. */
static unsigned long highatomic_max(const struct zone *z)
{
	return ALIGN(z->managed_pages / 100, pageblock_nr_pages) ?: pageblock_nr_pages;
}

void reserve_highatomic_pageblock(struct page *page, unsigned int order, struct zone *z)
{
	unsigned long max_managed = highatomic_max(z), flags;
	int mt;

	/* Check is race-prone but harmless; rechecked under the lock. */
	if (READ_ONCE(z->nr_reserved_highatomic) >= max_managed)
		return;
	spin_lock_irqsave(&z->lock, flags);
	if (z->nr_reserved_highatomic >= max_managed)
		goto out_unlock;
	mt = get_pageblock_migratetype(page);
	/* Only reserve normal pageblocks (they can merge with others). */
	if (!migratetype_is_mergeable(mt))
		goto out_unlock;
	if (order < pageblock_order) {
		if (move_freepages_block(z, page, MIGRATE_HIGHATOMIC, NULL) == -1)
			goto out_unlock;
		WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic + pageblock_nr_pages);
	} else {
		change_pageblock_range(page, order, MIGRATE_HIGHATOMIC);
		WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic + (1UL << order));
	}
out_unlock:
	spin_unlock_irqrestore(&z->lock, flags);
}

/*
 * unreserve_highatomic_pageblock(): give one reserved block back to mt.
 * Unless forced, keep one pageblock in reserve. The count drops only if
 * the block is still HIGHATOMIC when looked at under zone->lock: a
 * racing free can leave stray pages on the HIGHATOMIC lists of a block
 * already converted (the 2016 fix, "mm: adjust reserved highatomic
 * count"), and counting those would underflow the reserve.
 */
bool unreserve_highatomic_pageblock(int highest_zoneidx, int mt, bool force)
{
	for (int zi = highest_zoneidx; zi >= 0; zi--) {
		struct zone *z = &NODE_DATA()->node_zones[zi];
		unsigned long flags;

		if (!force && READ_ONCE(z->nr_reserved_highatomic) <= pageblock_nr_pages)
			continue;
		spin_lock_irqsave(&z->lock, flags);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			struct free_area *area = &z->free_area[order];
			struct page *page;
			int block_mt, ret;

			if (list_empty(&area->free_list[MIGRATE_HIGHATOMIC]))
				continue;
			page = list_first_entry(&area->free_list[MIGRATE_HIGHATOMIC], struct page, lru);
			block_mt = get_pageblock_migratetype(page);
			if (is_migrate_highatomic(block_mt)) {
				unsigned long size = max(pageblock_nr_pages, 1UL << order);

				size = min(size, z->nr_reserved_highatomic);
				WRITE_ONCE(z->nr_reserved_highatomic, z->nr_reserved_highatomic - size);
			}
			if (order < pageblock_order) {
				ret = move_freepages_block(z, page, mt, NULL);
			} else {
				move_to_free_list(page, z, order, mt);
				change_pageblock_range(page, order, mt);
				ret = 1;
			}
			if (ret > 0) {
				spin_unlock_irqrestore(&z->lock, flags);
				return true;
			}
		}
		spin_unlock_irqrestore(&z->lock, flags);
	}
	return false;
}
