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
#include <string.h>
#include <labyrinth/zoo.h>
#include "internal.h"

#ifdef ZOO_PCP_TRYLOCK_ALWAYS
/* Contexts (cpu, ctx) inside a pcp section whose lock they never took. */
static bool zoo_pcp_nolock[NR_CPUS][LAB_CTX_NR];
#endif

void pcp_init(struct zone *z, int nr_cpus, int high, int batch)
{
#ifdef ZOO_PCP_TRYLOCK_ALWAYS
	/* nothing of the zoo survives a run either */
	memset(zoo_pcp_nolock, 0, sizeof(zoo_pcp_nolock));
#endif
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
#ifdef ZOO_PCP_TRYLOCK_ALWAYS
	/*
	 * ZOO pcp_trylock_always: spin_trylock() of a UP build always
	 * succeeds, so an interrupt edits the list the context it
	 * interrupted is in the middle of editing.
	 */
	ZOO_REACHED(pcp_trylock_always);
	if (!spin_trylock(&pcp->lock)) {
		ZOO_TRIGGERED(pcp_trylock_always);
		zoo_pcp_nolock[cpu][lab_current().ctx] = true;
		return pcp;
	}
	return pcp;
#endif
	if (!spin_trylock(&pcp->lock))
		goto fail;
	return pcp;
fail:
	preempt_enable();
	return NULL;
}

static void pcp_spin_unlock(struct per_cpu_pages *pcp)
{
#ifdef ZOO_PCP_TRYLOCK_ALWAYS
	bool *nolock = &zoo_pcp_nolock[smp_processor_id()][lab_current().ctx];

	if (*nolock) {
		*nolock = false;
		preempt_enable();
		return;
	}
#endif
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
#ifdef ZOO_PCP_TRYLOCK_ALWAYS
	/* the model's one concession: an emptied list returns, not a wild page */
	if (list_empty(list)) {
		pcp_spin_unlock(pcp);
		return NULL;
	}
#endif
	page = list_first_entry(list, struct page, lru);
#ifdef ZOO_PCP_TRYLOCK_ALWAYS
	/* the window in which an unlocked interrupt takes the same page */
	race_point();
	list_del_init(&page->lru);
#else
	list_del(&page->lru);
#endif
	/*
	 * check_new_pages() of __rmqueue_pcplist() (CONFIG_DEBUG_VM): the
	 * block just unlinked must be one the list held. Checked by the
	 * context that takes it, before anything else can run, so a block
	 * taken twice is caught by its second taker at the unlink -- not
	 * by whichever context happens to validate the lists next, nor
	 * only when the allocation reaches the ledger.
	 */
	DEBUG_CHECK(READ_ONCE(page->place) == PLACE_PCP);
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
#ifdef ZOO_PCP_PLAIN_LOCK
	/*
	 * ZOO pcp_plain_lock: an order-0 free that brings the list within
	 * a batch of its high mark (so it may drain a batch under the
	 * lock) takes pcp->lock with spin_lock "so the drain cannot be
	 * skipped". An interrupt that
	 * does this while its CPU holds the list spins on its own CPU's
	 * lock; lockdep sees the class used in interrupt context and taken
	 * with IRQs on elsewhere.
	 */
	ZOO_REACHED(pcp_plain_lock);
	if (!order && smp_processor_id() < NODE_DATA()->nr_cpus &&
	    READ_ONCE(z->pcp[smp_processor_id()].count) + 1 >=
	    READ_ONCE(z->pcp[smp_processor_id()].high) - READ_ONCE(z->pcp[smp_processor_id()].batch)) {
		if (in_interrupt())
			ZOO_TRIGGERED(pcp_plain_lock);
		preempt_disable();
		pcp = &z->pcp[smp_processor_id()];
		spin_lock(&pcp->lock);
	} else
#endif
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
#ifdef ZOO_DRAIN_LOCK_ORDER
	unsigned long flags;
#endif

	do {
#if defined(ZOO_PCP_REMOTE_NOLOCK)
		/*
		 * ZOO pcp_remote_nolock: the drainer locks the lists of CPUs
		 * below its own and "need not" lock those above (a lock-order
		 * shortcut), so it drains a higher CPU's lists without its
		 * pcp->lock. The pre-v6.0 scheme had the owner CPU drain; a
		 * direct remote drain needs the remote lock.
		 */
		ZOO_REACHED(pcp_remote_nolock);
		if (cpu > smp_processor_id() && READ_ONCE(pcp->count)) {
			ZOO_TRIGGERED(pcp_remote_nolock);
			count = pcp->count;
			if (count) {
				int to_drain = min(count, pcp->batch << 5);

				free_pcppages_bulk(z, to_drain, pcp, 0);
				count -= to_drain;
			}
			continue;
		}
#endif
#ifdef ZOO_DRAIN_LOCK_ORDER
		/*
		 * ZOO drain_lock_order: zone->lock first "for a stable
		 * count", then pcp->lock -- the inverse of rmqueue_bulk(),
		 * which takes zone->lock under pcp->lock (ABBA).
		 */
		ZOO_REACHED(drain_lock_order);
		spin_lock_irqsave(&z->lock, flags);
		if (!spin_trylock(&pcp->lock)) {
			ZOO_TRIGGERED(drain_lock_order);
			spin_lock(&pcp->lock);
		}
		spin_unlock_irqrestore(&z->lock, flags);
#else
		spin_lock(&pcp->lock);
#endif
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
