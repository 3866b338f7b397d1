// SPDX-License-Identifier: MIT
/*
 * mempool.c: a reserve of preallocated elements for allocations that
 * must make progress (Linux v6.x mm/mempool.c).
 *
 * Elements are usually pages (mempool_alloc_pages: struct page *); an
 * element the allocator can map to a frame has its place tracked
 * (PLACE_POOLED while in the reserve) and its moves reported as
 * MM_EV_POOL_IN / MM_EV_POOL_OUT with its pfn.
 */
#include <errno.h>
#include <string.h>
#include <labyrinth/zoo.h>
#include "internal.h"

/* The frame behind an element, or NULL for a foreign element. */
static struct page *element_page(mempool_t *pool, void *element)
{
	struct pglist_data *pgdat = NODE_DATA();
	struct page *page;

	if (pool->alloc == mempool_alloc_pages) {
		page = element;
		if (page >= pgdat->mem_map && page < pgdat->mem_map + pgdat->nr_pages)
			return page;
		return NULL;
	}
	return virt_to_page(element);
}

static unsigned int element_order(mempool_t *pool, struct page *page)
{
	return page->head ? page->alloc_order : 0;
}

/* add_element(): pool->lock held. The event is sent before anyone can take it. */
static void add_element(mempool_t *pool, void *element)
{
	struct page *page = element_page(pool, element);

	BUG_ON(pool->curr_nr >= MEMPOOL_MAX_NR);
	if (page) {
		unsigned int order = element_order(pool, page);

		mm_emit_simple(MM_EV_POOL_IN, page, order, 0, pool->id, NULL);
		for (unsigned long i = 0; i < (1UL << order); i++) {
			set_owner(&page[i], (struct lab_owner){ -1, -1, -1 });
			WRITE_ONCE(page[i].chan, pool->id);
			WRITE_ONCE(page[i].place, PLACE_POOLED);
		}
		asan_poison_frames(page, order);
	}
	pool->elements[pool->curr_nr] = element;
	WRITE_ONCE(pool->curr_nr, pool->curr_nr + 1);
}

/* remove_element(): pool->lock held; the caller reports it after unlocking. */
static void *remove_element(mempool_t *pool)
{
	BUG_ON(pool->curr_nr <= 0);
	WRITE_ONCE(pool->curr_nr, pool->curr_nr - 1);
	return pool->elements[pool->curr_nr];
}

/* The element now belongs to the caller: owned by it, unpoisoned. */
static void element_out(mempool_t *pool, void *element)
{
	struct page *page = element_page(pool, element);
	struct lab_owner who = lab_current();

	if (!page)
		return;
	unsigned int order = element_order(pool, page);

	asan_unpoison_frames(page, order);
	for (unsigned long i = 0; i < (1UL << order); i++) {
		WRITE_ONCE(page[i].chan, -1);
		set_owner(&page[i], who);
		WRITE_ONCE(page[i].place, PLACE_OWNED);
	}
	mm_emit_simple(MM_EV_POOL_OUT, page, order, 0, pool->id, NULL);
}

int mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
		 mempool_free_t *free_fn, void *pool_data)
{
	if (!pool || !alloc_fn || !free_fn || min_nr < 0 || min_nr > MEMPOOL_MAX_NR)
		return -EINVAL;
	memset(pool, 0, sizeof(*pool));
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->wait);
	pool->min_nr = min_nr;
	pool->pool_data = pool_data;
	pool->alloc = alloc_fn;
	pool->free = free_fn;
	pool->id = __atomic_fetch_add(&NODE_DATA()->next_pool_id, 1, __ATOMIC_RELAXED);
	/* First pre-allocate the guaranteed number of buffers. */
	while (pool->curr_nr < pool->min_nr) {
		unsigned long flags;
		void *element = pool->alloc(GFP_KERNEL, pool->pool_data);

		if (unlikely(!element)) {
			mempool_exit(pool);
			return -ENOMEM;
		}
		spin_lock_irqsave(&pool->lock, flags);
		add_element(pool, element);
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	return 0;
}

void mempool_exit(mempool_t *pool)
{
	while (pool->curr_nr) {
		void *element = remove_element(pool);

		element_out(pool, element);
		pool->free(element, pool->pool_data);
	}
}

/*
 * mempool_alloc(): the allocator first without reclaim or IO, then the
 * reserve, then (once) the allocator with the caller's full gfp; a caller
 * that may block then waits for an element to be returned, and one that
 * may not gets NULL at once.
 */
void *mempool_alloc(mempool_t *pool, gfp_t gfp_mask)
{
	void *element;
	unsigned long flags;
	gfp_t gfp_temp;

	if (gfpflags_allow_blocking(gfp_mask))
		might_sleep();	/* might_alloc() */
	gfp_mask |= __GFP_NOMEMALLOC;	/* don't allocate emergency reserves */
	gfp_mask |= __GFP_NORETRY;	/* don't loop in __alloc_pages */
	gfp_mask |= __GFP_NOWARN;	/* failures are OK */
	gfp_temp = gfp_mask & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);

repeat_alloc:
	element = NULL;
	if (!mm_should_fail(FAULT_SITE_MEMPOOL_ELEM, gfp_temp, 0))
		element = pool->alloc(gfp_temp, pool->pool_data);
	if (likely(element))
		return element;

	spin_lock_irqsave(&pool->lock, flags);
	if (likely(pool->curr_nr)) {
		element = remove_element(pool);
		spin_unlock_irqrestore(&pool->lock, flags);
		element_out(pool, element);
		DEBUG_CHECK(mm_is_valid());
		return element;
	}
	/* No reserve left: one immediate retry with the full mask. */
	if (gfp_temp != gfp_mask) {
		spin_unlock_irqrestore(&pool->lock, flags);
		gfp_temp = gfp_mask;
		goto repeat_alloc;
	}
#ifdef ZOO_MEMPOOL_ATOMIC_SPIN
	/*
	 * ZOO mempool_atomic_spin: a caller that may not sleep busy-waits
	 * for an element to come back instead of taking NULL; in
	 * interrupt context nobody on this CPU can ever return one.
	 */
	ZOO_REACHED(mempool_atomic_spin);
	if (!(gfp_mask & __GFP_DIRECT_RECLAIM)) {
		spin_unlock_irqrestore(&pool->lock, flags);
		if (in_interrupt() || irqs_disabled())
			ZOO_TRIGGERED(mempool_atomic_spin);
		while (!READ_ONCE(pool->curr_nr))
			cpu_relax();
		goto repeat_alloc;
	}
#endif
#ifdef ZOO_MEMPOOL_WAIT_ATOMIC
	/*
	 * ZOO mempool_wait_atomic: the !__GFP_DIRECT_RECLAIM test is gone,
	 * so a GFP_ATOMIC caller with an empty pool sleeps on pool->wait.
	 */
	ZOO_REACHED(mempool_wait_atomic);
	if (!(gfp_mask & __GFP_DIRECT_RECLAIM))
		ZOO_TRIGGERED(mempool_wait_atomic);
#else
	/* We must not sleep if !__GFP_DIRECT_RECLAIM. */
	if (!(gfp_mask & __GFP_DIRECT_RECLAIM)) {
		spin_unlock_irqrestore(&pool->lock, flags);
		return NULL;
	}
#endif
	/*
	 * Wait for an element to come back: prepare_to_wait() under the
	 * lock, so a mempool_free() after the unlock moves seq and the
	 * sleep returns at once. Linux sleeps at most 5 s and retries;
	 * the model waits for the wake-up (docs/allocator.md).
	 */
	{
		unsigned long seq = lab_wait_prepare(&pool->wait);
		struct mm_event ev;

		spin_unlock_irqrestore(&pool->lock, flags);
		memset(&ev, 0, sizeof(ev));
		ev.kind = MM_EV_SLEEP;
		ev.who = lab_current();
		ev.gfp = gfp_mask;
		ev.zone = -1;
		ev.chan = pool->id;
		ev.pfn = -1UL;
		mm_emit(&ev);
		lab_wait_sleep(&pool->wait, seq, LAB_SITE);
	}
	goto repeat_alloc;
}

/*
 * mempool_free(): refill the reserve while it is below min_nr, and (the
 * 2025 fix) take one element into an empty min_nr == 0 pool so its
 * waiters are woken; otherwise give the element back to the allocator.
 */
void mempool_free(void *element, mempool_t *pool)
{
	unsigned long flags;

	if (unlikely(!element))
		return;
	smp_mb();
	if (unlikely(READ_ONCE(pool->curr_nr) < pool->min_nr)) {
		spin_lock_irqsave(&pool->lock, flags);
		if (likely(pool->curr_nr < pool->min_nr)) {
			add_element(pool, element);
			spin_unlock_irqrestore(&pool->lock, flags);
			wake_up(&pool->wait);
			DEBUG_CHECK(mm_is_valid());
			return;
		}
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	if (unlikely(pool->min_nr == 0 && READ_ONCE(pool->curr_nr) == 0)) {
		spin_lock_irqsave(&pool->lock, flags);
		if (likely(pool->curr_nr == 0)) {
			add_element(pool, element);
			spin_unlock_irqrestore(&pool->lock, flags);
			wake_up(&pool->wait);
			DEBUG_CHECK(mm_is_valid());
			return;
		}
		spin_unlock_irqrestore(&pool->lock, flags);
	}
	pool->free(element, pool->pool_data);
}

void *mempool_alloc_pages(gfp_t gfp, void *pool_data)
{
	return alloc_pages(gfp, (unsigned int)(unsigned long)pool_data);
}

void mempool_free_pages(void *element, void *pool_data)
{
	__free_pages((struct page *)element, (unsigned int)(unsigned long)pool_data);
}
