// SPDX-License-Identifier: MIT
/*
 * slowpath.c: __alloc_pages_slowpath() of Linux v6.x mm/page_alloc.c
 * and what it calls: the reserve rights (gfp_to_alloc_flags,
 * __gfp_pfmemalloc_flags), kswapd wake-ups, direct reclaim with its
 * drain-and-unreserve retry, should_reclaim_retry(), the OOM model and
 * the __GFP_NOFAIL loop. Only a __GFP_DIRECT_RECLAIM caller gets past
 * the reserves; everything after that may sleep.
 */
#include <string.h>
#include <labyrinth/zoo.h>
#include "internal.h"

/*
 * gfp_to_alloc_flags(): the slow path's rights.
 * __GFP_HIGH == ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD.
 * A caller that cannot reclaim gets NON_BLOCK unless __GFP_NOMEMALLOC,
 * and HIGHATOMIC for order > 0 only with MIN_RESERVE (the later fix that
 * stopped GFP_NOWAIT from taking the reserve; docs/allocator.md).
 */
unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN;

	_Static_assert(__GFP_HIGH == ALLOC_MIN_RESERVE, "__GFP_HIGH");
	_Static_assert(__GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD, "__GFP_KSWAPD_RECLAIM");
#ifdef ZOO_HIGH_NO_MIN_RESERVE
	/*
	 * ZOO high_no_min_reserve: __GFP_HIGH no longer maps to
	 * ALLOC_MIN_RESERVE, so GFP_ATOMIC stops at MIN like everyone else
	 * and fails with its reserve untouched.
	 */
	ZOO_REACHED(high_no_min_reserve);
	if (gfp & __GFP_HIGH)
		ZOO_TRIGGERED(high_no_min_reserve);
	alloc_flags |= gfp & __GFP_KSWAPD_RECLAIM;
#else
	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
#endif
#ifdef ZOO_BLOCKING_NON_BLOCK
	/*
	 * ZOO blocking_non_block: NON_BLOCK for every caller, so one that
	 * could reclaim digs into the atomic reserve instead.
	 */
	ZOO_REACHED(blocking_non_block);
	if (gfp & __GFP_DIRECT_RECLAIM) {
		ZOO_TRIGGERED(blocking_non_block);
		if (!(gfp & __GFP_NOMEMALLOC))
			alloc_flags |= ALLOC_NON_BLOCK;
	}
#endif
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC))
			alloc_flags |= ALLOC_NON_BLOCK;
		if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE) &&
		    (alloc_flags & ALLOC_NON_BLOCK))
			alloc_flags |= ALLOC_HIGHATOMIC;
	}
	return alloc_flags;
}

/*
 * __gfp_pfmemalloc_flags(): __GFP_NOMEMALLOC forbids, __GFP_MEMALLOC
 * ignores watermarks. PF_MEMALLOC tasks are not modelled.
 */
unsigned int __gfp_pfmemalloc_flags(gfp_t gfp)
{
	if (unlikely(gfp & __GFP_NOMEMALLOC))
		return 0;
	if (gfp & __GFP_MEMALLOC)
		return ALLOC_NO_WATERMARKS;
	return 0;
}

static void wake_all_kswapds(gfp_t gfp, unsigned int order)
{
	wakeup_kswapd(gfp, order);
}

/* MM_EV_SLEEP: the caller is about to block. */
static void emit_sleep(gfp_t gfp, unsigned int order)
{
	struct mm_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = MM_EV_SLEEP;
	ev.who = lab_current();
	ev.gfp = gfp;
	ev.order = order;
	ev.zone = -1;
	ev.chan = -1;
	mm_emit(&ev);
}

/*
 * __alloc_pages_direct_reclaim(): reclaim (it sleeps), then retry once;
 * on failure drain the pcp lists and give back a highatomic block, and
 * retry once more.
 */
static struct page *__alloc_pages_direct_reclaim(gfp_t gfp, unsigned int order,
						 unsigned int alloc_flags,
						 const struct alloc_context *ac,
						 unsigned long *progress)
{
	struct page *page;
	bool drained = false;

	emit_sleep(gfp, order);
	might_sleep();
	cond_resched();
	*progress = try_to_free_pages(gfp, order, ac->highest_zoneidx);
	cond_resched();
	if (!*progress)
		return NULL;
retry:
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (!page && !drained) {
		unreserve_highatomic_pageblock(ac->highest_zoneidx, ac->migratetype, false);
		drain_all_pages();
		drained = true;
		goto retry;
	}
	return page;
}

/*
 * should_reclaim_retry(): keep going while reclaim progresses, or while
 * the zone could meet MIN if everything reclaimable were reclaimed;
 * after MAX_RECLAIM_RETRIES fruitless rounds give the highatomic reserve
 * back as a last try. Throttles with a one-tick sleep without progress.
 */
static bool should_reclaim_retry(gfp_t gfp, unsigned int order,
				 const struct alloc_context *ac, unsigned int alloc_flags,
				 bool did_some_progress, int *no_progress_loops)
{
	bool ret = false;

	if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
		*no_progress_loops = 0;
	else
		(*no_progress_loops)++;
	if (*no_progress_loops > MAX_RECLAIM_RETRIES)
		return unreserve_highatomic_pageblock(ac->highest_zoneidx, ac->migratetype, true);
	for (int zi = ac->highest_zoneidx; zi >= 0; zi--) {
		struct zone *z = &NODE_DATA()->node_zones[zi];
		long available = zone_reclaimable_pages(z) + zone_free_pages(z);

		if (__zone_watermark_ok(z, order, wmark_pages(z, WMARK_MIN), ac->highest_zoneidx,
					alloc_flags, available, READ_ONCE(z->nr_free_highatomic))) {
			ret = true;
			break;
		}
	}
	if (!did_some_progress) {
		emit_sleep(gfp, order);
		schedule_timeout_uninterruptible(1);
	} else {
		cond_resched();
	}
	return ret;
}

/*
 * __alloc_pages_may_oom(): the model has no tasks to kill. The first
 * time a blocking allocation runs out of reclaim, the caller itself is
 * made the "victim" and retries with ALLOC_OOM (TIF_MEMDIE's access);
 * a second time there is nothing left to kill. __GFP_RETRY_MAYFAIL,
 * costly orders and DMA-only requests never invoke the OOM killer.
 */
static struct page *__alloc_pages_may_oom(gfp_t gfp, unsigned int order,
					  struct alloc_context *ac, unsigned long *progress)
{
	*progress = 0;
	if (gfp & __GFP_RETRY_MAYFAIL)
		return NULL;
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NULL;
	if (ac->highest_zoneidx < ZONE_NORMAL)
		return NULL;
	if (!ac->oom_victim && !(gfp & __GFP_NOMEMALLOC)) {
		ac->oom_victim = true;
		*progress = 1;
	}
	return NULL;
}

/* warn_alloc(): a pr_warn, never WARN (our detectors treat WARN as a bug). */
void warn_alloc(gfp_t gfp, unsigned int order, const char *what)
{
	struct lab_owner who;

	if (gfp & __GFP_NOWARN)
		return;
	who = lab_current();
	pr_warn("%s: %s: order:%u, mode:%#x, cpu:%d ctx:%d\n",
		lab_actor_name(who.actor), what, order, gfp, who.cpu, who.ctx);
}

struct page *__alloc_pages_slowpath(gfp_t gfp, unsigned int order,
				    struct alloc_context *ac)
{
#ifdef ZOO_SLOWPATH_RECLAIM_FLAG
	/*
	 * ZOO slowpath_reclaim_flag: __GFP_RECLAIM (DIRECT | KSWAPD) where
	 * __GFP_DIRECT_RECLAIM is meant: GFP_ATOMIC and GFP_NOWAIT carry
	 * KSWAPD_RECLAIM, so under pressure they enter direct reclaim.
	 */
	bool can_direct_reclaim = gfp & __GFP_RECLAIM;

	ZOO_REACHED(slowpath_reclaim_flag);
#else
	bool can_direct_reclaim = gfp & __GFP_DIRECT_RECLAIM;
#endif
	unsigned long did_some_progress;
	int no_progress_loops = 0;
	unsigned int alloc_flags, reserve_flags;
	struct page *page;

	alloc_flags = gfp_to_alloc_flags(gfp, order);
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(gfp, order);
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page)
		return page;
retry:
	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(gfp, order);
	reserve_flags = __gfp_pfmemalloc_flags(gfp);
	if (!reserve_flags && ac->oom_victim && !(gfp & __GFP_NOMEMALLOC) && !in_interrupt())
		reserve_flags = ALLOC_OOM;	/* oom_reserves_allowed() */
	if (reserve_flags)
		alloc_flags = reserve_flags | (alloc_flags & ALLOC_KSWAPD);
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* Caller is not willing to reclaim: fail now, never sleep. */
	if (!can_direct_reclaim)
		goto nopage;
#ifdef ZOO_SLOWPATH_RECLAIM_FLAG
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		ZOO_TRIGGERED(slowpath_reclaim_flag);
#endif
	page = __alloc_pages_direct_reclaim(gfp, order, alloc_flags, ac, &did_some_progress);
	if (page)
		return page;
	if (gfp & __GFP_NORETRY)
		goto nopage;
	if (order > PAGE_ALLOC_COSTLY_ORDER && !(gfp & __GFP_RETRY_MAYFAIL))
		goto nopage;
	if (should_reclaim_retry(gfp, order, ac, alloc_flags, did_some_progress > 0,
				 &no_progress_loops))
		goto retry;
	page = __alloc_pages_may_oom(gfp, order, ac, &did_some_progress);
	if (page)
		return page;
	/* Avoid allocations with no watermarks from looping endlessly. */
	if (ac->oom_victim && (alloc_flags & ALLOC_OOM || (gfp & __GFP_NOMEMALLOC)))
		goto nopage;
	if (did_some_progress) {
		no_progress_loops = 0;
		goto retry;
	}
nopage:
	if (gfp & __GFP_NOFAIL) {
		/* All __GFP_NOFAIL users must be able to block (warn_alloc, not WARN). */
		if (!can_direct_reclaim) {
			warn_alloc(gfp & ~__GFP_NOWARN, order, "__GFP_NOFAIL without __GFP_DIRECT_RECLAIM");
			goto fail;
		}
		/* __alloc_pages_cpuset_fallback(): a little of the reserves. */
		page = get_page_from_freelist(gfp, order, ALLOC_MIN_RESERVE, ac);
		if (page)
			return page;
		cond_resched();
		goto retry;
	}
fail:
	warn_alloc(gfp, order, "page allocation failure");
	return NULL;
}

