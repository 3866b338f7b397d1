// SPDX-License-Identifier: MIT
/*
 * pcp.c: per-CPU page lists (Linux v6.x rmqueue_pcplist, free_unref_page,
 * rmqueue_bulk, free_pcppages_bulk, drain_pages_zone).
 *
 * A pcp list is taken with pcp_spin_trylock(): preemption off, IRQs left
 * ON, spin_trylock. An interrupt that lands while its CPU holds the lock
 * fails the trylock and falls back to zone->lock (rmqueue_buddy on
 * allocation, free_one_page on free) instead of deadlocking.
 */
#include "internal.h"

void pcp_init(struct zone *z, int nr_cpus, int high, int batch)
{
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];

		spin_lock_init(&pcp->lock);
		pcp->count = 0;
		pcp->high = high;
		pcp->batch = batch;
		for (int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
}

/* pcp_spin_trylock(): NULL when this CPU's list is busy (or has none). */
static struct per_cpu_pages *pcp_spin_trylock(struct zone *z)
{
	struct per_cpu_pages *pcp;
	int cpu;

	preempt_disable();
	cpu = smp_processor_id();
	if (cpu < 0 || cpu >= NODE_DATA()->nr_cpus)
		goto fail;
	pcp = &z->pcp[cpu];
	race_point();
	if (!spin_trylock(&pcp->lock))
		goto fail;
	return pcp;
fail:
	preempt_enable();
	return NULL;
}

static void pcp_spin_unlock(struct per_cpu_pages *pcp)
{
	spin_unlock(&pcp->lock);
	preempt_enable();
}

/*
 * rmqueue_bulk(): take count blocks of order from the buddy lists onto
 * a pcp list in one zone->lock section. NR_FREE_PAGES drops by every
 * page moved: pcp pages are not free pages.
 */
static int rmqueue_bulk(struct zone *z, unsigned int order, int count,
			struct list_head *list, int mt, unsigned int alloc_flags)
{
	unsigned long flags;
	int i;

	if (mm_should_fail(FAULT_SITE_PCP_REFILL, 0, order))
		return 0;
	spin_lock_irqsave(&z->lock, flags);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(z, order, mt, alloc_flags);

		if (!page)
			break;
		set_place_pcp(page, order, smp_processor_id());
		page->order = order;
		page->list_mt = (signed char)mt;
		list_add_tail(&page->lru, list);
	}
	spin_unlock_irqrestore(&z->lock, flags);
	return i;
}

/* nr_pcp_alloc(): a batch of pages, in fewer but at least two larger blocks. */
static int nr_pcp_alloc(struct per_cpu_pages *pcp, unsigned int order)
{
	int batch = pcp->batch;

	if (order)
		batch = max(batch >> order, 2);
	return batch;
}

struct page *rmqueue_pcplist(struct zone *z, unsigned int order, int mt, unsigned int alloc_flags)
{
	struct per_cpu_pages *pcp;
	struct list_head *list;
	struct page *page;

	pcp = pcp_spin_trylock(z);
	if (!pcp)
		return NULL;
	list = &pcp->lists[order_to_pindex(mt, order)];
	if (list_empty(list)) {
		int alloced = rmqueue_bulk(z, order, nr_pcp_alloc(pcp, order), list, mt, alloc_flags);

		COUNTER_ADD(pcp->count, alloced << order);
		if (list_empty(list)) {
			pcp_spin_unlock(pcp);
			return NULL;
		}
	}
	race_point();
	page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	COUNTER_ADD(pcp->count, -(1 << order));
	set_place(page, order, PLACE_OWNED);
	pcp_spin_unlock(pcp);
	return page;
}

/*
 * free_pcppages_bulk(): return count pages to the buddy lists, round
 * robin over the lists starting at pindex, coldest first. Each block goes
 * back under its pageblock's current migratetype.
 */
void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex)
{
	unsigned long flags;

	count = min(pcp->count, count);
	pindex = pindex - 1;
	spin_lock_irqsave(&z->lock, flags);
	while (count > 0) {
		struct list_head *list;
		unsigned int order;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));
		order = pindex_to_order(pindex);
		do {
			struct page *page = list_last_entry(list, struct page, lru);

			list_del(&page->lru);
			count -= 1 << order;
			COUNTER_ADD(pcp->count, -(1 << order));
			__free_one_page(page, pfn_of(page), z, order, get_pageblock_migratetype(page));
		} while (count > 0 && !list_empty(list));
	}
	spin_unlock_irqrestore(&z->lock, flags);
}

/*
 * free_unref_page(): onto this CPU's pcp list, draining a batch beyond
 * high; HIGHATOMIC pages ride the MOVABLE list. Trylock failure: the
 * buddy lists directly (free_one_page).
 */
void free_unref_page(struct page *page, unsigned int order)
{
	struct zone *z = page_zone(page);
	int mt = get_pageblock_migratetype(page);
	struct per_cpu_pages *pcp;
	int pindex;

	if (!pcp_allowed_order(order)) {
		free_one_page(z, page, order);
		return;
	}
	if (mt >= MIGRATE_PCPTYPES)
		mt = MIGRATE_MOVABLE;
	pcp = pcp_spin_trylock(z);
	if (!pcp) {
		free_one_page(z, page, order);
		return;
	}
	pindex = order_to_pindex(mt, order);
	set_place_pcp(page, order, smp_processor_id());
	page->order = order;
	page->list_mt = (signed char)mt;
	list_add(&page->lru, &pcp->lists[pindex]);
	COUNTER_ADD(pcp->count, 1 << order);
	race_point();
	if (pcp->count >= pcp->high)
		free_pcppages_bulk(z, pcp->batch, pcp, pindex);
	pcp_spin_unlock(pcp);
}

/*
 * drain_pages_zone(): in v6.x a remote CPU's list is drained by taking
 * its pcp->lock with a plain spin_lock (IRQs on).
 */
static void drain_pages_zone(int cpu, struct zone *z)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	int count;

	do {
		spin_lock(&pcp->lock);
		count = pcp->count;
		if (count) {
			int to_drain = min(count, pcp->batch << 5);

			free_pcppages_bulk(z, to_drain, pcp, 0);
			count -= to_drain;
		}
		spin_unlock(&pcp->lock);
	} while (count);
}

void drain_local_pages(void)
{
	int cpu;

	preempt_disable();
	cpu = smp_processor_id();
	if (cpu >= 0 && cpu < NODE_DATA()->nr_cpus)
		for (int i = 0; i < MAX_NR_ZONES; i++)
			drain_pages_zone(cpu, &NODE_DATA()->node_zones[i]);
	preempt_enable();
	DEBUG_CHECK(mm_is_valid());
}

void drain_all_pages(void)
{
	for (int cpu = 0; cpu < NODE_DATA()->nr_cpus; cpu++)
		for (int i = 0; i < MAX_NR_ZONES; i++)
			drain_pages_zone(cpu, &NODE_DATA()->node_zones[i]);
	DEBUG_CHECK(mm_is_valid());
}
