// SPDX-License-Identifier: MIT
/*
 * debug.c: structural validation and introspection.
 *
 * mm_is_valid() checks each structure under its own lock, one at a time
 * (never nesting two), so it can run after every public operation from
 * any context without adding lock dependencies:
 *  - zone (zone->lock): free lists, nr_free, NR_FREE_PAGES, free
 *    highatomic, the highatomic reservation, the ballast, and that the
 *    FREE and BALLAST frames are exactly those on the lists;
 *  - each pcp list (trylocked; skipped when busy): count, and that the
 *    CPU's PCP frames are exactly those on its lists;
 *  - the LRU (lru_lock): counts, and the RECLAIMABLE frames.
 * A frame's place changes only under the lock of the list it joins or
 * leaves, which is what makes each check exact under concurrency.
 * Validators are called only inside DEBUG_CHECK() (STYLE.md).
 */
#include <string.h>
#include "internal.h"

#define BITS_PER_LONG	(8 * sizeof(long))

static bool test_and_set(unsigned long *bits, unsigned long n)
{
	unsigned long mask = 1UL << (n % BITS_PER_LONG);
	bool was = bits[n / BITS_PER_LONG] & mask;

	bits[n / BITS_PER_LONG] |= mask;
	return was;
}

#define CHECK(c) do { if (!(c)) { \
	pr_err("mm_is_valid: %s failed at %s:%d\n", #c, __FILE__, __LINE__); \
	ok = false; goto out; } } while (0)

/* Frames a zone may have for the overlap bitmap on the stack (8 KiB). */
#define VALIDATE_MAX_PAGES	(1UL << 16)

static bool zone_is_valid(struct zone *z)
{
	unsigned long npages = z->managed_pages, flags;
	/*
	 * One bit per frame, on the stack: the validator runs in interrupt
	 * handlers too (signals on the threads backend), where malloc is
	 * not safe to call.
	 */
	unsigned long seen[VALIDATE_MAX_PAGES / BITS_PER_LONG];
	bool use_bits = npages <= VALIDATE_MAX_PAGES;
	long free_sum = 0, ha_sum = 0;
	unsigned long free_frames = 0, ballast_frames = 0, ha_blocks = 0;
	bool ok = true;
	struct list_head *pos;

	if (use_bits)
		memset(seen, 0, (npages + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(long));
	spin_lock_irqsave(&z->lock, flags);
	CHECK(z->_watermark[WMARK_MIN] <= z->_watermark[WMARK_LOW] &&
	      z->_watermark[WMARK_LOW] <= z->_watermark[WMARK_HIGH]);
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		unsigned long nr = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			unsigned long nr_mt = nr;

			list_for_each(pos, &z->free_area[o].free_list[mt]) {
				struct page *p = list_entry(pos, struct page, lru);
				unsigned long pfn = pfn_of(p);

				CHECK(zone_spans_pfn(z, pfn) && zone_spans_pfn(z, pfn + (1UL << o) - 1));
				CHECK((pfn & ((1UL << o) - 1)) == 0);
				CHECK(p->buddy && p->order == o && p->list_mt == mt);
				for (unsigned long i = 0; i < (1UL << o); i++) {
					CHECK(!use_bits || !test_and_set(seen, pfn - z->zone_start_pfn + i));
					CHECK(READ_ONCE(p[i].place) == PLACE_FREE);
					CHECK(i == 0 || !p[i].buddy);
				}
				nr++;
				free_sum += 1L << o;
				if (mt == MIGRATE_HIGHATOMIC)
					ha_sum += 1L << o;
			}
			CHECK(nr - nr_mt == z->free_area[o].nr_free_mt[mt]);
		}
		CHECK(nr == z->free_area[o].nr_free);
	}
	CHECK(free_sum == zone_free_pages(z));
	CHECK(ha_sum == z->nr_free_highatomic);
	list_for_each(pos, &z->ballast) {
		struct page *p = list_entry(pos, struct page, lru);

		for (unsigned long i = 0; i < (1UL << p->order); i++) {
			CHECK(READ_ONCE(p[i].place) == PLACE_BALLAST);
			CHECK(!use_bits || !test_and_set(seen, pfn_of(p) - z->zone_start_pfn + i));
		}
	}
	/*
	 * Every listed frame has the right place (above); with equal counts,
	 * the FREE and BALLAST frames are exactly the listed ones.
	 */
	for (unsigned long i = 0; i < npages; i++) {
		int place = READ_ONCE(page_of(z->zone_start_pfn + i)->place);

		CHECK(place >= 0 && place < PLACE_NR);
		if (place == PLACE_FREE)
			free_frames++;
		if (place == PLACE_BALLAST)
			ballast_frames++;
	}
	CHECK(free_frames == (unsigned long)free_sum);
	CHECK(ballast_frames == z->nr_ballast);
	for (unsigned long b = 0; b < npages / pageblock_nr_pages; b++)
		if (z->pageblock_mt[b] == MIGRATE_HIGHATOMIC)
			ha_blocks++;
	CHECK(z->nr_reserved_highatomic == ha_blocks * pageblock_nr_pages);
out:
	spin_unlock_irqrestore(&z->lock, flags);
	return ok;
}

static bool pcp_is_valid(struct zone *z, int cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	unsigned long frames = 0;
	long sum = 0;
	bool ok = true;

	preempt_disable();
	if (!spin_trylock(&pcp->lock)) {
		preempt_enable();
		return true;	/* busy: checked next time */
	}
	for (int i = 0; i < NR_PCP_LISTS; i++) {
		struct list_head *pos;
		unsigned int o = pindex_to_order(i);

		list_for_each(pos, &pcp->lists[i]) {
			struct page *p = list_entry(pos, struct page, lru);

			CHECK(zone_spans_pfn(z, pfn_of(p)));
			CHECK(p->order == o && !p->buddy && READ_ONCE(p->pcp_cpu) == cpu);
			CHECK(p->list_mt == i % MIGRATE_PCPTYPES);
			for (unsigned long k = 0; k < (1UL << o); k++)
				CHECK(READ_ONCE(p[k].place) == PLACE_PCP);
			sum += 1L << o;
		}
	}
	CHECK(sum == pcp->count);
	for (unsigned long pfn = z->zone_start_pfn; pfn < z->zone_start_pfn + z->managed_pages; pfn++) {
		struct page *p = page_of(pfn);

		if (__atomic_load_n(&p->place, __ATOMIC_ACQUIRE) == PLACE_PCP &&
		    READ_ONCE(p->pcp_cpu) == cpu)
			frames++;
	}
	CHECK(frames == (unsigned long)sum);
out:
	spin_unlock(&pcp->lock);
	preempt_enable();
	return ok;
}

static bool lru_is_valid(void)
{
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long nr[MAX_NR_ZONES] = { 0 }, total = 0, frames = 0, flags;
	struct list_head *pos;
	bool ok = true;

	spin_lock_irqsave(&pgdat->lru_lock, flags);
	list_for_each(pos, &pgdat->lru) {
		struct page *p = list_entry(pos, struct page, lru);

		CHECK(READ_ONCE(p->place) == PLACE_RECLAIMABLE);
		nr[p->zone]++;
		total++;
	}
	CHECK(total == pgdat->nr_lru_total);
	for (int i = 0; i < MAX_NR_ZONES; i++)
		CHECK(nr[i] == pgdat->nr_lru[i]);
	for (unsigned long pfn = 0; pfn < pgdat->nr_pages; pfn++)
		if (READ_ONCE(page_of(pfn)->place) == PLACE_RECLAIMABLE)
			frames++;
	CHECK(frames == total);
out:
	spin_unlock_irqrestore(&pgdat->lru_lock, flags);
	return ok;
}

bool mm_is_valid(void)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (!pgdat->up)
		return true;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];

		if (!zone_is_valid(z))
			return false;
		for (int cpu = 0; cpu < pgdat->nr_cpus; cpu++)
			if (!pcp_is_valid(z, cpu))
				return false;
	}
	return lru_is_valid();
}

int mm_zone_wmark_band(int zone)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct zone *z;
	long free;

	if (!pgdat->up || zone < 0 || zone >= MAX_NR_ZONES)
		return -1;
	z = &pgdat->node_zones[zone];
	/* zone_page_state(): a lockless snapshot, no race_point() */
	free = zone_free_pages(z);
	if (free > (long)wmark_pages(z, WMARK_HIGH))
		return MM_BAND_ABOVE_HIGH;
	if (free > (long)wmark_pages(z, WMARK_LOW))
		return MM_BAND_HIGH_LOW;
	if (free > (long)wmark_pages(z, WMARK_MIN))
		return MM_BAND_LOW_MIN;
	return MM_BAND_BELOW_MIN;
}

int mm_zone_info(int zone, struct mm_zone_info *out)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct zone *z;
	unsigned long flags;

	if (!pgdat->up || zone < 0 || zone >= MAX_NR_ZONES || !out)
		return -1;
	z = &pgdat->node_zones[zone];
	memset(out, 0, sizeof(*out));
	spin_lock_irqsave(&z->lock, flags);
	out->name = z->name;
	out->managed = z->managed_pages;
	out->free_pages = zone_free_pages(z);
	for (int i = 0; i < NR_WMARK; i++)
		out->wmark[i] = z->_watermark[i];
	for (int i = 0; i < MAX_NR_ZONES; i++)
		out->lowmem_reserve[i] = z->lowmem_reserve[i];
	for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
		struct list_head *pos;

		out->nr_free[o] = z->free_area[o].nr_free;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			list_for_each(pos, &z->free_area[o].free_list[mt])
				out->nr_free_mt[o][mt]++;
	}
	out->nr_reserved_highatomic = z->nr_reserved_highatomic;
	out->nr_free_highatomic = z->nr_free_highatomic;
	spin_unlock_irqrestore(&z->lock, flags);
	for (int cpu = 0; cpu < pgdat->nr_cpus; cpu++)
		out->pcp_count += READ_ONCE(z->pcp[cpu].count);
	return 0;
}
