// SPDX-License-Identifier: MIT
/*
 * scn_block.c: block I/O submission and completion, after the bio /
 * request mempool shape of the block layer (docs/scenarios.md, "block").
 *
 *	submit (task, CPU c)      for each request: mempool_alloc(GFP_NOIO)
 *	                          from the shared request pool (bio_alloc_bioset()
 *	                          style: a blocking caller never sees NULL, it
 *	                          waits for a completion to give an element
 *	                          back), optionally an sg page with
 *	                          GFP_NOIO|__GFP_NORETRY (scsi_alloc_sgtables()
 *	                          style: may fail, the request is then given
 *	                          back and failed), a tag (queue depth: wait
 *	                          for one), queue on CPU c's hardware queue,
 *	                          ring the doorbell
 *	blk_irq (hardirq, CPU c)  the device completed: raise BLOCK_SOFTIRQ
 *	blk_done (softirq, CPU c) take the completed pages off the hardware
 *	                          queue, free sg pages, mempool_free() each
 *	                          request, release its tag; with `nowait', issue
 *	                          a follow-up request with GFP_ATOMIC from the
 *	                          same pool (REQ_NOWAIT style: NULL at once
 *	                          when the pool is dry, never a wait)
 *
 * The input may drain a zone to a named line in the middle of the run
 * (`exhaust ... at=N', at the Nth submission): the pool's reserve must
 * carry the blocking submitters through, the non-blocking paths must get
 * NULL at once, and every request and sg page must come back.
 *
 * Memory, the hardware queues and the request pool through scn_alloc(),
 * scn_give() and scn_mempool_alloc() (fuzz/scenario.h), so the same code
 * runs on every allocator of fuzz/allocs.def; a "page" is the
 * allocator's handle.
 *
 * Test-only twins (never in a fuzz build): -DSCN_BUG_BLOCK_LEAK_ON_SG_FAIL
 * forgets to give the request back when the sg allocation fails (the
 * leak an error path with an injected failure exposes);
 * -DSCN_BUG_BLOCK_NOIO_IN_SOFTIRQ issues the follow-ups with GFP_NOIO
 * (a blocking mask in softirq context).
 */
#include <errno.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/zoo.h>
#include "fuzz/scenario.h"

#define BLOCK_PARAMS(P)								\
	P(cpus,     1, 4,  2,  "CPUs, one submitter and one hardware queue each") \
	P(min_nr,   1, 8,  2,  "request pool reserve (mempool min_nr)")		\
	P(depth,    1, 16, 4,  "hardware queue depth (tags)")			\
	P(requests, 1, 32, 12, "requests per submitter")				\
	P(order,    0, 2,  0,  "page order of a request element")			\
	P(sg,       0, 1,  1,  "each request carries an sg page (GFP_NOIO|__GFP_NORETRY)") \
	P(nowait,   0, 1,  1,  "completions issue GFP_ATOMIC follow-up requests")
SCENARIO_PARAMS(BLOCK_PARAMS);

static const char *const block_actors[] = { "submit", "blk_irq", "blk_done" };

#define BLOCK_SPURIOUS_FIRES	2
#define BLOCK_MAX_FRAMES	1024	/* the scenario's machine has 256 */
#define BLOCK_POOL		0	/* the request mempool's id */

enum blk_page { BLK_NONE, BLK_REQ, BLK_SG };

/*
 * One hardware queue. Invariant: inflight == requests given to hwq and
 * not yet completed, 0 <= inflight <= depth; hwq holds each queued
 * request's sg page (if any) just before the request itself.
 */
struct blk_queue {
	spinlock_t lock;		/* tag allocation + queueing, task and softirq */
	int hwq;			/* channel: submitter -> completion */
	wait_queue_head_t tag_wait;	/* submitters waiting for a tag */
	int cpu;
	int irq;			/* sim id of blk_irq */
	int done;			/* softirq number of blk_done */
	int inflight;
	int queued;			/* pages on hwq (chan_count() races, see scn_nic.c) */
	int followups;
	unsigned long sg_fail;		/* requests failed for want of an sg page */
	unsigned long nowait_fail;	/* follow-ups refused (EAGAIN) */
	unsigned long completed;
};

/* Per-run state, rebuilt by block_setup(). */
static struct {
	int nr_queues, depth, requests, order;
	bool sg, nowait;
	struct blk_queue q[SIM_MAX_CPUS];
	uint8_t kind[BLOCK_MAX_FRAMES];	/* enum blk_page, by pfn; set by the owner */
} S;

static void set_kind(void *page, enum blk_page k)
{
	unsigned long pfn = scn_pfn(page);

	if (pfn < BLOCK_MAX_FRAMES)
		S.kind[pfn] = k;
}

static enum blk_page kind_of(void *page)
{
	unsigned long pfn = scn_pfn(page);

	return pfn < BLOCK_MAX_FRAMES ? S.kind[pfn] : BLK_NONE;
}

/*
 * Queue a request (and its sg page) if a tag is free. Task and softirq
 * both queue on a CPU's hardware queue: the lock is bh-safe.
 */
static bool blk_try_queue(struct blk_queue *q, void *rq, void *sg)
{
	bool ok = false;

	spin_lock_bh(&q->lock);
	if (q->inflight < S.depth) {
		q->inflight++;
		/* hwq holds 2 * depth slots: a tag guarantees room for both */
		if (sg)
			WARN_ON(scn_give(q->hwq, sg, 0));
		WARN_ON(scn_give(q->hwq, rq, S.order));
		__atomic_add_fetch(&q->queued, sg ? 2 : 1, __ATOMIC_ACQ_REL);
		ok = true;
	}
	spin_unlock_bh(&q->lock);
	if (ok)
		sim_raise_hardirq(q->irq);	/* doorbell */
	return ok;
}

static bool blk_tag_free(struct blk_queue *q)
{
	return __atomic_load_n(&q->inflight, __ATOMIC_ACQUIRE) < S.depth;
}

static void blk_submit(void *arg)
{
	struct blk_queue *q = arg;
	void *rq, *sg;
	int i;

	for (i = 0; i < S.requests; i++) {
		scn_point();
		rq = scn_mempool_alloc(BLOCK_POOL, GFP_NOIO);
		/* mempool_alloc() with __GFP_DIRECT_RECLAIM never fails */
		if (WARN_ON(!rq))
			return;
		scn_touch(rq);			/* fill in the request */
		set_kind(rq, BLK_REQ);
		sg = NULL;
		if (S.sg) {
			sg = scn_alloc(GFP_NOIO | __GFP_NORETRY | __GFP_NOWARN, 0);
			if (!sg) {
				q->sg_fail++;	/* BLK_STS_RESOURCE: fail the request */
#if defined(ZOO_BLOCK_LEAK_ON_SG_FAIL)
				/*
				 * ZOO block_leak_on_sg_fail: the error path
				 * gives back single-page requests only; a
				 * multi-page request it holds is forgotten.
				 */
				ZOO_REACHED(block_leak_on_sg_fail);
				if (!S.order)
					scn_mempool_free(BLOCK_POOL, rq);
				else
					ZOO_TRIGGERED(block_leak_on_sg_fail);
#elif !defined(SCN_BUG_BLOCK_LEAK_ON_SG_FAIL)
				scn_mempool_free(BLOCK_POOL, rq);
#endif
				continue;
			}
			scn_touch(sg);		/* build the scatterlist */
			set_kind(sg, BLK_SG);
		}
		while (!blk_try_queue(q, rq, sg))
			wait_event(q->tag_wait, blk_tag_free(q));
	}
}

/*
 * A REQ_NOWAIT request from completion context: NULL is an answer.
 * The twin SCN_BUG_BLOCK_NOIO_IN_SOFTIRQ asks with GFP_NOIO, which may
 * wait for the pool: sleeping in softirq context.
 */
#ifdef SCN_BUG_BLOCK_NOIO_IN_SOFTIRQ
#define BLK_FOLLOWUP_GFP	GFP_NOIO
#else
#define BLK_FOLLOWUP_GFP	GFP_ATOMIC
#endif

static void blk_followup(struct blk_queue *q)
{
	void *rq = scn_mempool_alloc(BLOCK_POOL, BLK_FOLLOWUP_GFP);

	if (!rq) {
		q->nowait_fail++;
		return;
	}
	scn_touch(rq);
	set_kind(rq, BLK_REQ);
	if (!blk_try_queue(q, rq, NULL)) {
		scn_mempool_free(BLOCK_POOL, rq);	/* no tag: -EAGAIN, never wait */
		q->nowait_fail++;
	}
}

static void blk_irq(void *arg)
{
	struct blk_queue *q = arg;

	raise_softirq(q->done);		/* blk_mq_complete_request() -> BLOCK_SOFTIRQ */
}

static void blk_done(void *arg)
{
	struct blk_queue *q = arg;
	unsigned int order;
	void *page;
	int n = __atomic_load_n(&q->queued, __ATOMIC_ACQUIRE);

	/*
	 * What the device completed before this interrupt; follow-ups
	 * queued below complete on their own doorbell.
	 */
	while (n-- > 0 && (page = scn_take(q->hwq, &order))) {
		__atomic_sub_fetch(&q->queued, 1, __ATOMIC_ACQ_REL);
		scn_touch(page);		/* read the completion status */
		if (kind_of(page) == BLK_SG) {
			scn_free(page, order);
			continue;
		}
		scn_mempool_free(BLOCK_POOL, page);	/* bio_put() */
		__atomic_sub_fetch(&q->inflight, 1, __ATOMIC_ACQ_REL);
		q->completed++;
		scn_progress(1);
		wake_up(&q->tag_wait);
		if (S.nowait && q->followups < S.requests) {
			q->followups++;
			blk_followup(q);
		}
	}
}

static int block_setup(const struct scn_run *run)
{
	int c, err;

	memset(&S, 0, sizeof(S));
	S.nr_queues = run->nr_cpus;
	S.depth = run->param[P_depth];
	S.requests = run->param[P_requests];
	S.order = run->param[P_order];
	S.sg = run->param[P_sg];
	S.nowait = run->param[P_nowait];
	err = scn_mempool_init(BLOCK_POOL, run->param[P_min_nr], S.order);
	if (err)
		return err;
	for (c = 0; c < S.nr_queues; c++) {
		struct blk_queue *q = &S.q[c];

		q->cpu = c;
		spin_lock_init(&q->lock);
		init_waitqueue_head(&q->tag_wait);
		q->hwq = c;
		err = scn_chan_init(q->hwq, CHAN_LOCKED, 2 * S.depth);
		if (err)
			return err;
		q->irq = scn_add_hardirq(c, "blk_irq", blk_irq, q, BLOCK_SPURIOUS_FIRES);
		q->done = scn_add_softirq(c, "blk_done", blk_done, q);
		if (q->irq <= 0 || q->done < 0 || scn_add_task(c, "submit", blk_submit, q) <= 0)
			return -ENOSPC;
	}
	return 0;
}

/* Device reset: whatever is still queued completes here. */
static void block_finish(void)
{
	unsigned int order;
	void *page;
	int c;

	for (c = 0; c < S.nr_queues; c++) {
		sim_trace_note("block queue %d: %lu completed, %lu sg failures, %lu follow-ups refused",
			       c, S.q[c].completed, S.q[c].sg_fail, S.q[c].nowait_fail);
		while ((page = scn_take(S.q[c].hwq, &order))) {
			if (kind_of(page) == BLK_SG)
				scn_free(page, order);
			else
				scn_mempool_free(BLOCK_POOL, page);
		}
	}
}

DEFINE_SCENARIO(block) = {
	.name = "block",
	.summary = "block I/O: GFP_NOIO submission from a mempool, completion in softirq frees to it",
	SCENARIO_PARAM_TABLE,
	.actor_names = block_actors,
	.nr_actor_names = 3,
	.mm = { .zone_pages = { 32, 224 }, .min_free_pages = 24, .reclaimable_pages = 16 },
	.setup = block_setup,
	.finish = block_finish,
};
