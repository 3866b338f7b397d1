// SPDX-License-Identifier: MIT
/*
 * scn_nic.c: a NIC receive path, after real drivers' NAPI + page_pool
 * shape (docs/scenarios.md, "nic").
 *
 * One RX queue per CPU (RSS), each with:
 *
 *	nic_irq (hardirq, CPU c)   refill: take a recycled page from the
 *	                           page_pool ring or allocate (GFP_ATOMIC),
 *	                           post up to `batch' buffers on the RX ring
 *	                           (never past `ring'), napi_schedule()
 *	                           with the line masked
 *	napi (softirq, CPU c)      poll: take up to `budget' filled buffers
 *	                           off the RX ring, read them, hand each to
 *	                           the consumer through the backlog channel;
 *	                           stays scheduled while the budget runs out,
 *	                           else completes and unmasks the line
 *	consumer (task, CPU c or   take, read (touch), recycle into the
 *	          c + 1 with xcpu) page_pool ring or free
 *
 * The contract the run checks, beside the allocator's: a failed refill
 * is survived (the ring runs short, fewer packets arrive, nothing
 * leaks, the interrupt never waits), every page has one owner at every
 * instant, and each page moves only through a channel. The RX ring and
 * the recycle ring are irq-safe (CHAN_LOCKED) or lock-free (CHAN_SPSC:
 * one producer and one consumer each); the backlog is the `chan' kind.
 * Memory and channels through scn_alloc() and friends (fuzz/scenario.h),
 * so the same code runs on every allocator of fuzz/allocs.def; a
 * "page" is the allocator's handle.
 *
 * Interrupts: each handled interrupt is a packet burst. As in real NAPI
 * drivers the line stays masked while NAPI polls; napi_complete_done()
 * unmasks it and the next burst arrives, until `irqs' bursts were
 * handled. The schedule may fire the line at any other point too;
 * firings past `irqs' find the device quiesced and return.
 *
 * Test-only twin (never in a fuzz build): -DSCN_BUG_NIC_TOUCH_AFTER_GIVE
 * makes NAPI write to a page after handing it to the consumer
 * (use-after-give).
 */
#include <errno.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/zoo.h>
#include "fuzz/scenario.h"

#define NIC_PARAMS(P)								\
	P(cpus,    1, 4,  2, "CPUs, one RX queue each")				\
	P(ring,    1, 16, 8, "RX ring: most buffers posted at once")		\
	P(batch,   1, 8,  4, "buffers one interrupt refills at most")		\
	P(order,   0, 3,  0, "page order of a buffer")				\
	P(irqs,    1, 16, 6, "interrupts (packet bursts) per queue")		\
	P(chan,    0, 2,  0, "backlog channel: 0 locked, 1 locked_bh, 2 spsc")	\
	P(budget,  1, 8,  4, "NAPI budget: buffers per poll")			\
	P(xcpu,    0, 1,  0, "consumer on the next CPU (ownership crosses CPUs)") \
	P(recycle, 0, 1,  1, "recycle consumed pages through the page_pool ring")
SCENARIO_PARAMS(NIC_PARAMS);

static const char *const nic_actors[] = { "nic_irq", "napi", "consumer" };

#define NIC_SPURIOUS_FIRES	2	/* fires the schedule may add per queue */

/*
 * One RX queue. Invariant: pages live only in the three channels or with
 * one actor for the length of a handler/loop body; fired counts handled
 * interrupts (it may pass irqs: later ones find the device quiesced);
 * napi_sched is set from napi_schedule() until the poll starts,
 * napi_running for the length of a poll.
 */
struct nic_queue {
	int rx;				/* channel: posted buffers, nic_irq -> napi */
	int backlog;			/* channel: packets, napi -> consumer */
	int recycle;			/* channel: page_pool ring, consumer -> nic_irq */
	wait_queue_head_t wq;		/* consumer waits for packets */
	int cpu;
	int irq;			/* sim id of nic_irq */
	int napi;			/* softirq number of napi */
	int fired;
	int napi_sched;
	int napi_running;
	/*
	 * Buffers on rx / backlog, counted beside the channels (raised after
	 * a give, lowered after a take): chan_count() reads a locked ring
	 * without its lock, which races with the locked give under TSan.
	 * A taker on another CPU may lower a count before the giver raised
	 * it, so a count may dip below zero for a moment: test it with > 0.
	 */
	int rx_n;
	int backlog_n;
	unsigned long refill_fail;	/* GFP_ATOMIC said no: ring ran short */
	unsigned long dropped;		/* backlog full */
	unsigned long consumed;
};

/* Per-run state, rebuilt by nic_setup(). */
static struct {
	int nr_queues, ring, batch, order, irqs, budget;
	bool recycle;
	enum chan_kind kind;
	struct nic_queue q[SIM_MAX_CPUS];
} S;

static int ld(int *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

static void st(int *v, int x)
{
	__atomic_store_n(v, x, __ATOMIC_RELEASE);
}

static void add(int *v, int d)
{
	__atomic_add_fetch(v, d, __ATOMIC_ACQ_REL);
}

/* Post up to batch buffers; a failed allocation ends the refill. */
static void nic_refill(struct nic_queue *q)
{
	unsigned int order;
	void *page;
	int k;

	for (k = 0; k < S.batch && ld(&q->rx_n) < S.ring; k++) {
		page = NULL;
		order = S.order;
		if (S.recycle)
			page = scn_take(q->recycle, &order);	/* page_pool_dev_alloc_pages() */
		if (!page)
			page = scn_alloc(GFP_ATOMIC | __GFP_NOWARN, S.order);
		if (!page) {
			q->refill_fail++;	/* survive: the ring runs short */
			break;
		}
		scn_touch(page);		/* the RX descriptor points at it */
		if (scn_give(q->rx, page, order)) {
			scn_free(page, order);
			break;
		}
		add(&q->rx_n, 1);
	}
}

static void nic_irq(void *arg)
{
	struct nic_queue *q = arg;
	int n;

	st(&q->napi_sched, 1);		/* before fired: the consumer's done test */
	n = __atomic_add_fetch(&q->fired, 1, __ATOMIC_ACQ_REL);
	if (n > S.irqs) {
		/* quiesced device: a spurious interrupt has no work */
		raise_softirq(q->napi);
		return;
	}
	scn_point();
	nic_refill(q);
	raise_softirq(q->napi);		/* napi_schedule(): the line stays masked */
}

/* NAPI poll: at most budget buffers, then stay scheduled if work is left. */
static void nic_poll(void *arg)
{
	struct nic_queue *q = arg;
	unsigned int order;
	void *page;
	int work;

	st(&q->napi_running, 1);
	st(&q->napi_sched, 0);
	for (work = 0; work < S.budget; work++) {
		page = scn_take(q->rx, &order);
		if (!page)
			break;
		add(&q->rx_n, -1);
		scn_touch(page);		/* the stack reads the packet */
		if (scn_give(q->backlog, page, order)) {
			scn_free(page, order);	/* backlog full: drop */
			q->dropped++;
			continue;
		}
		add(&q->backlog_n, 1);
#ifdef SCN_BUG_NIC_TOUCH_AFTER_GIVE
		scn_touch(page);		/* BUG: updates the page it gave away */
#endif
#ifdef ZOO_NIC_TOUCH_AFTER_GIVE
		/*
		 * ZOO nic_touch_after_give: with page_pool recycling off and
		 * a locked backlog, the poll updates the packet (a
		 * statistics field) after handing it to the consumer.
		 */
		ZOO_REACHED(nic_touch_after_give);
		if (!S.recycle && S.kind == CHAN_LOCKED) {
			ZOO_TRIGGERED(nic_touch_after_give);
			scn_touch(page);
		}
#endif
	}
	if (work == S.budget && ld(&q->rx_n) > 0) {
		st(&q->napi_sched, 1);		/* budget exhausted: repoll */
		raise_softirq(q->napi);
	} else if (ld(&q->fired) < S.irqs) {
		/* napi_complete_done() unmasks the line: the next burst */
		sim_raise_hardirq(q->irq);
	}
	st(&q->napi_running, 0);
	wake_up(&q->wq);
}

/* No packet can come any more: bursts over and NAPI idle. */
static bool nic_quiesced(struct nic_queue *q)
{
	return ld(&q->fired) >= S.irqs && !ld(&q->napi_sched) && !ld(&q->napi_running);
}

static void nic_consumer(void *arg)
{
	struct nic_queue *q = arg;
	unsigned int order;
	void *page;

	sim_raise_hardirq(q->irq);		/* link up: the first burst */
	for (;;) {
		wait_event(q->wq, ld(&q->backlog_n) > 0 || nic_quiesced(q));
		while ((page = scn_take(q->backlog, &order))) {
			add(&q->backlog_n, -1);
			scn_touch(page);	/* consume */
			q->consumed++;
			scn_progress(1);
			if (!S.recycle || scn_give(q->recycle, page, order))
				scn_free(page, order);
		}
		if (nic_quiesced(q) && ld(&q->backlog_n) <= 0)
			break;
	}
}

static int nic_setup(const struct scn_run *run)
{
	static const enum chan_kind kinds[] = { CHAN_LOCKED, CHAN_LOCKED_BH, CHAN_SPSC };
	enum chan_kind ring_kind;
	int c, err;

	memset(&S, 0, sizeof(S));
	S.nr_queues = run->nr_cpus;
	S.ring = run->param[P_ring];
	S.batch = run->param[P_batch];
	S.order = run->param[P_order];
	S.irqs = run->param[P_irqs];
	S.budget = run->param[P_budget];
	S.recycle = run->param[P_recycle];
	S.kind = kinds[run->param[P_chan]];
	/* the hardirq end rules out CHAN_LOCKED_BH for the RX and recycle rings */
	ring_kind = S.kind == CHAN_SPSC ? CHAN_SPSC : CHAN_LOCKED;
	for (c = 0; c < S.nr_queues; c++) {
		struct nic_queue *q = &S.q[c];
		int ccpu = (c + run->param[P_xcpu]) % run->nr_cpus;

		q->cpu = c;
		init_waitqueue_head(&q->wq);
		q->rx = 3 * c;
		q->backlog = 3 * c + 1;
		q->recycle = 3 * c + 2;
		err = scn_chan_init(q->rx, ring_kind, S.ring);
		err = err ?: scn_chan_init(q->backlog, S.kind, CHAN_MAX_SLOTS);
		err = err ?: scn_chan_init(q->recycle, ring_kind, S.ring);
		if (err)
			return err;
		q->irq = scn_add_hardirq(c, "nic_irq", nic_irq, q, NIC_SPURIOUS_FIRES);
		q->napi = scn_add_softirq(c, "napi", nic_poll, q);
		if (q->irq <= 0 || q->napi < 0 ||
		    scn_add_task(ccpu, "consumer", nic_consumer, q) <= 0)
			return -ENOSPC;
	}
	return 0;
}

static void drain(int chan)
{
	unsigned int order;
	void *page;

	while ((page = scn_take(chan, &order)))
		scn_free(page, order);
}

/* ifdown: the driver frees the posted buffers and the page_pool. */
static void nic_finish(void)
{
	int c;

	for (c = 0; c < S.nr_queues; c++) {
		sim_trace_note("nic queue %d: %lu consumed, %lu refill failures, %lu dropped",
			       c, S.q[c].consumed, S.q[c].refill_fail, S.q[c].dropped);
		drain(S.q[c].rx);
		drain(S.q[c].backlog);
		drain(S.q[c].recycle);
	}
}

DEFINE_SCENARIO(nic) = {
	.name = "nic",
	.summary = "NIC receive: hardirq refills an RX ring with GFP_ATOMIC pages, NAPI hands them to a task",
	SCENARIO_PARAM_TABLE,
	.actor_names = nic_actors,
	.nr_actor_names = 3,
	.mm = { .zone_pages = { 32, 224 }, .min_free_pages = 24, .reclaimable_pages = 16 },
	.setup = nic_setup,
	.finish = nic_finish,
};
