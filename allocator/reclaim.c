// SPDX-License-Identifier: MIT
/*
 * reclaim.c: the reclaimable pool (a page-cache LRU), kswapd and direct
 * reclaim (Linux v6.x mm/vmscan.c: wakeup_kswapd, kswapd,
 * balance_pgdat, try_to_free_pages), cut down to what atomic-allocation
 * paths depend on: reclaim refills the free lists; kswapd is woken, never
 * waited for; direct reclaim sleeps.
 *
 * Pages in the pool are clean page cache: reclaiming one is taking it off
 * the LRU under lru_lock and freeing it. No sleeping lock is taken, so
 * kswapd_balance() is safe in any context; only the kswapd thread loop
 * and direct reclaim (page_alloc.c) sleep.
 */
#include <string.h>
#include <labyrinth/zoo.h>
#include "internal.h"

#ifdef ZOO_KSWAPD_WAKE_MUTEX
static struct mutex zoo_kswapd_lock;
#endif

void reclaim_init(unsigned long nr)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct zone *z = &pgdat->node_zones[ZONE_NORMAL];
	struct list_head *pos, *n;
	struct page *page;
	unsigned long flags;
	LIST_HEAD(batch);

#ifdef ZOO_KSWAPD_WAKE_MUTEX
	mutex_init(&zoo_kswapd_lock);
#endif
	spin_lock_init(&pgdat->lru_lock);
	INIT_LIST_HEAD(&pgdat->lru);
	init_waitqueue_head(&pgdat->kswapd_wait);
	/*
	 * Page cache filled at boot: movable order-0 pages off NORMAL, in
	 * one batch under each lock, as rmqueue_bulk() takes zone->lock once
	 * for a batch and lru_add_drain() lru_lock once per folio batch.
	 * Nothing else runs at boot, so the pages and events are those of a
	 * lock round per page; the rounds were two fifths of a fuzz run's
	 * instructions (docs/decisions.md, "Executions per second").
	 */
	spin_lock_irqsave(&z->lock, flags);
	for (unsigned long i = 0; i < nr; i++) {
		page = __rmqueue(z, 0, MIGRATE_MOVABLE, 0);
		if (!page)
			break;
		set_place(page, 0, PLACE_OWNED);	/* the boot "reader" holds it */
		list_add_tail(&page->lru, &batch);
	}
	spin_unlock_irqrestore(&z->lock, flags);
	list_for_each(pos, &batch) {
		page = list_entry(pos, struct page, lru);
		WRITE_ONCE(page->head, 0);
		WRITE_ONCE(page->alloc_mt, MIGRATE_MOVABLE);
		mm_emit_simple(MM_EV_CACHE_IN, page, 0, 0, -1, NULL);
	}
	spin_lock_irqsave(&pgdat->lru_lock, flags);
	list_for_each_safe(pos, n, &batch) {
		page = list_entry(pos, struct page, lru);
		WRITE_ONCE(page->place, PLACE_RECLAIMABLE);
		list_move_tail(&page->lru, &pgdat->lru);
		COUNTER_ADD(pgdat->nr_lru[page->zone], 1);
		COUNTER_ADD(pgdat->nr_lru_total, 1);
	}
	spin_unlock_irqrestore(&pgdat->lru_lock, flags);
}

void mm_cache_add(struct page *page)
{
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long flags;

	if (!page || page < pgdat->mem_map || page >= pgdat->mem_map + pgdat->nr_pages)
		return;
	if (READ_ONCE(page->place) != PLACE_OWNED || !page->head || page->alloc_order) {
		bad_page(page, "mm_cache_add of a page that is not an owned order-0 page");
		return;
	}
	mm_emit_simple(MM_EV_CACHE_IN, page, 0, page->gfp, -1, LAB_SITE);
	WRITE_ONCE(page->head, 0);
	WRITE_ONCE(page->alloc_mt, MIGRATE_MOVABLE);
	set_owner(page, (struct lab_owner){ -1, -1, -1 });
	asan_poison_frames(page, 0);
	spin_lock_irqsave(&pgdat->lru_lock, flags);
	WRITE_ONCE(page->place, PLACE_RECLAIMABLE);
	list_add_tail(&page->lru, &pgdat->lru);
	COUNTER_ADD(pgdat->nr_lru[page->zone], 1);
	COUNTER_ADD(pgdat->nr_lru_total, 1);
	spin_unlock_irqrestore(&pgdat->lru_lock, flags);
	DEBUG_CHECK(mm_is_valid());
}

unsigned long mm_reclaimable_pages(void)
{
	return READ_ONCE(NODE_DATA()->nr_lru_total);
}

unsigned long zone_reclaimable_pages(struct zone *z)
{
	return READ_ONCE(NODE_DATA()->nr_lru[z->idx]);
}

/*
 * shrink_lru(): isolate up to nr pages of zone (or of any zone up to
 * highest_zoneidx when zone < 0), oldest first, then free them to the
 * buddy lists. Isolated pages belong to the reclaimer (PLACE_OWNED)
 * between the two steps, as isolate_lru_folios() makes them.
 */
static unsigned long shrink_lru(unsigned long nr, int zone, int highest_zoneidx)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct list_head *pos, *n;
	unsigned long flags, taken = 0;
	LIST_HEAD(batch);

	spin_lock_irqsave(&pgdat->lru_lock, flags);
	list_for_each_safe(pos, n, &pgdat->lru) {
		struct page *page = list_entry(pos, struct page, lru);

		if (taken >= nr)
			break;
		if (zone >= 0 ? page->zone != zone : page->zone > highest_zoneidx)
			continue;
		list_move_tail(&page->lru, &batch);
		WRITE_ONCE(page->place, PLACE_OWNED);
		COUNTER_ADD(pgdat->nr_lru[page->zone], -1);
		COUNTER_ADD(pgdat->nr_lru_total, -1);
		taken++;
	}
	spin_unlock_irqrestore(&pgdat->lru_lock, flags);
	list_for_each_safe(pos, n, &batch) {
		struct page *page = list_entry(pos, struct page, lru);

		list_del(&page->lru);
		mm_emit_simple(MM_EV_RECLAIM, page, 0, 0, -1, NULL);
		free_one_page(page_zone(page), page, 0);
	}
	return taken;
}

/* try_to_free_pages(): one SWAP_CLUSTER_MAX round of direct reclaim. */
unsigned long try_to_free_pages(gfp_t gfp, unsigned int order, int highest_zoneidx)
{
	return shrink_lru(SWAP_CLUSTER_MAX, -1, highest_zoneidx);
}

/*
 * A zone is balanced when an order-0 request could pass its HIGH
 * watermark (pgdat_balanced() with the zone as classzone).
 */
static long zone_balance_deficit(struct zone *z)
{
	long free = zone_free_pages(z), ha = READ_ONCE(z->nr_free_highatomic);

	if (__zone_watermark_ok(z, 0, wmark_pages(z, WMARK_HIGH), z->idx, 0, free, ha))
		return 0;
	return (long)wmark_pages(z, WMARK_HIGH) + 1 + ha - free;
}

/*
 * kswapd_balance(): balance_pgdat(). Reclaim in batches of at most
 * SWAP_CLUSTER_MAX (and no more than a zone lacks) until every zone the
 * pool can help is balanced at HIGH, or the pool is empty.
 */
unsigned long kswapd_balance(void)
{
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long total = 0;
	bool progress;

	if (!pgdat->up)
		return 0;
	__atomic_add_fetch(&pgdat->kswapd_runs, 1, __ATOMIC_RELAXED);
	do {
		progress = false;
		for (int i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *z = &pgdat->node_zones[i];
			long deficit = zone_balance_deficit(z);
			unsigned long got;

			if (deficit <= 0 || !zone_reclaimable_pages(z))
				continue;
			got = shrink_lru(min((unsigned long)deficit, SWAP_CLUSTER_MAX), i, i);
			total += got;
			progress |= got > 0;
		}
	} while (progress);
	DEBUG_CHECK(mm_is_valid());
	return total;
}

/*
 * wakeup_kswapd(): record the request and wake the thread. Never blocks
 * and takes no lock. The wake-up is unconditional rather than behind
 * waitqueue_active(): our wait queues count a waiter only once it is
 * inside lab_wait_sleep(), so the kernel's check could lose a wake-up
 * that prepare_to_wait() would have caught (docs/allocator.md).
 */
void wakeup_kswapd(gfp_t gfp, unsigned int order)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (!pgdat->up)
		return;
#ifdef ZOO_KSWAPD_WAKE_MUTEX
	/*
	 * ZOO kswapd_wake_mutex: the wake-up serialises against
	 * kswapd_run()/kswapd_stop() on a mutex (pgdat->kswapd_lock is
	 * one), a sleeping lock reached from GFP_ATOMIC callers.
	 */
	ZOO_REACHED(kswapd_wake_mutex);
	if (in_atomic() || irqs_disabled())
		ZOO_TRIGGERED(kswapd_wake_mutex);
	mutex_lock(&zoo_kswapd_lock);
	mutex_unlock(&zoo_kswapd_lock);
#endif
	__atomic_add_fetch(&pgdat->kswapd_wakeups, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&pgdat->kswapd_woken, 1, __ATOMIC_SEQ_CST);
	if (pgdat->kswapd)
		wake_up(&pgdat->kswapd_wait);
}

static bool kswapd_should_run(struct pglist_data *pgdat)
{
	return __atomic_load_n(&pgdat->kswapd_woken, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&pgdat->kswapd_hold, __ATOMIC_SEQ_CST);
}

/* The kthread body: sleep until woken (and not held), balance, repeat. */
int kswapd(void *unused)
{
	struct pglist_data *pgdat = NODE_DATA();

	for (;;) {
		wait_event(pgdat->kswapd_wait, kswapd_should_run(pgdat) || kthread_should_stop());
		if (kthread_should_stop())
			break;
		__atomic_store_n(&pgdat->kswapd_woken, 0, __ATOMIC_SEQ_CST);
		kswapd_balance();
		cond_resched();
	}
	return 0;
}

void mm_kswapd_hold(bool hold)
{
	struct pglist_data *pgdat = NODE_DATA();

	__atomic_store_n(&pgdat->kswapd_hold, hold, __ATOMIC_SEQ_CST);
	if (!hold && pgdat->kswapd)
		wake_up(&pgdat->kswapd_wait);
}

void reclaim_start(bool start_kswapd)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (start_kswapd)
		pgdat->kswapd = kthread_run(kswapd, NULL, "kswapd0");
}

void reclaim_stop(void)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (pgdat->kswapd)
		kthread_stop(pgdat->kswapd);
	pgdat->kswapd = NULL;
}
