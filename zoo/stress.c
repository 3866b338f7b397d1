// SPDX-License-Identifier: MIT
/*
 * stress: the zoo benchmark's baseline engine -- what a developer would
 * otherwise reach for. The same allocator (a full zoo build) on the
 * threads backend: one real thread per CPU hammering the operations the
 * fuzz programs use (allocations of every gfp class and order, frees,
 * gives and takes through an irqsave ring and a _bh ring, mempool
 * allocations, drains, IRQ-off sections, reserve exhaustion), and
 * interrupts delivered as signals (threads_raise_hardirq) whose handlers
 * allocate GFP_ATOMIC, give, take and raise a softirq that does the same.
 * The ledger and the reserve oracle listen; ASan or TSan watch memory.
 *
 *	stress SEED SECONDS [NR_CPUS]
 *
 * Work comes in rounds (mm_init .. end-of-run checks .. mm_exit) of
 * ROUND_OPS operations per CPU; a round is one "execution". The first
 * report aborts the process with its signature line (REPORT_ABORT), as
 * a fuzz target does; a hang is the driver's timeout. Randomness is a
 * splitmix64 per thread seeded from SEED; the interleaving is the OS's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/channel.h>
#include "threads/threads.h"
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"

#define STRESS_MAX_CPUS	3
#define ROUND_OPS	400
#define HELD_MAX	8

/*
 * One CPU's worker. Invariant: held[0..nr_held) are pages this thread
 * owns (allocated or taken), elems[0..nr_elems) mempool elements.
 */
struct worker {
	int cpu;
	unsigned long long rng;
	struct page *held[HELD_MAX];
	unsigned int order[HELD_MAX];
	int nr_held;
	void *elems[HELD_MAX];
	int nr_elems;
};

/* State of one round; reset by round_begin(). */
static struct {
	struct channel ring;		/* CHAN_LOCKED: any context */
	struct channel bhring;		/* CHAN_LOCKED_BH: task and softirq */
	mempool_t pool;
	int nr_cpus;
	unsigned long long irq_rng[STRESS_MAX_CPUS];
} R;

static unsigned long long next(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The calls into the allocator go through functions named as the
 * interpreter's adapter names them (fuzz/alloc_labyrinth.c), so a report
 * blames the same call site whichever engine drove the allocator, and
 * the zoo's signatures can be compared across engines.
 */
static struct page *lab_alloc(gfp_t gfp, unsigned int order)
{
	return alloc_pages(gfp, order);
}

static void lab_free(struct page *p, unsigned int order)
{
	__free_pages(p, order);
}

static void lab_touch(struct page *p)
{
	ledger_touch(p);
}

static int lab_give(struct channel *ch, struct page *p, unsigned int order)
{
	return chan_give(ch, p, order);
}

static struct page *lab_take(struct channel *ch, unsigned int *order)
{
	return chan_take(ch, order);
}

static void *lab_pool_alloc(gfp_t gfp)
{
	return mempool_alloc(&R.pool, gfp);
}

static void lab_pool_free(void *e)
{
	mempool_free(e, &R.pool);
}

static const gfp_t task_gfp[] = { GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_NOWAIT, GFP_ATOMIC };

/* Interrupt handlers: GFP_ATOMIC, into the ring; take one back; a softirq. */
static void hardirq_fn(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long long r = next(&R.irq_rng[cpu]);
	struct page *p;
	unsigned int order = r % 3 == 0 ? (r >> 8) % 3 : 0;

	p = lab_alloc(GFP_ATOMIC | __GFP_NOWARN, order);
	if (p) {
		lab_touch(p);
		if (lab_give(&R.ring, p, order))
			lab_free(p, order);
	}
	if (r & 0x10000) {
		p = lab_take(&R.ring, &order);
		if (p) {
			lab_touch(p);
			lab_free(p, order);
		}
	}
	threads_raise_softirq();
}

static void softirq_fn(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long long r = next(&R.irq_rng[cpu]);
	struct page *p;
	unsigned int order;

	p = lab_take(r & 1 ? &R.bhring : &R.ring, &order);
	if (p) {
		lab_touch(p);
		lab_free(p, order);
	}
	p = lab_alloc(GFP_ATOMIC | __GFP_NOWARN, 0);
	if (p && lab_give(&R.bhring, p, 0))
		lab_free(p, 0);
	if (r & 2) {
		void *e = lab_pool_alloc(GFP_ATOMIC);

		if (e)
			lab_pool_free(e);
	}
}

static void drop_one(struct worker *w)
{
	w->nr_held--;
	lab_free(w->held[w->nr_held], w->order[w->nr_held]);
}

static void one_op(struct worker *w)
{
	unsigned long long r = next(&w->rng);
	unsigned int order;
	unsigned long flags;
	struct page *p;
	gfp_t gfp;

	switch (r % 16) {
	case 0: case 1: case 2: case 3:		/* allocate */
		if (w->nr_held == HELD_MAX)
			drop_one(w);
		order = (r >> 8) % 8 == 0 ? (r >> 12) % 6 : 0;
		gfp = task_gfp[(r >> 16) % ARRAY_SIZE(task_gfp)] | __GFP_NOWARN;
		if ((r >> 20) % 4 == 0) {	/* inside an IRQ-off section */
			local_irq_save(flags);
			p = lab_alloc(GFP_ATOMIC | __GFP_NOWARN, order);
			local_irq_restore(flags);
		} else {
			p = lab_alloc(gfp, order);
		}
		if (p) {
			lab_touch(p);
			w->held[w->nr_held] = p;
			w->order[w->nr_held++] = order;
		}
		break;
	case 4: case 5: case 6:			/* free */
		if (w->nr_held)
			drop_one(w);
		break;
	case 7: case 8:				/* give */
		if (w->nr_held) {
			w->nr_held--;
			if (lab_give(r & 0x100 ? &R.bhring : &R.ring, w->held[w->nr_held],
				      w->order[w->nr_held]))
				lab_free(w->held[w->nr_held], w->order[w->nr_held]);
		}
		break;
	case 9: case 10:			/* take */
		if (w->nr_held < HELD_MAX) {
			p = lab_take(r & 0x100 ? &R.bhring : &R.ring, &order);
			if (p) {
				lab_touch(p);
				w->held[w->nr_held] = p;
				w->order[w->nr_held++] = order;
			}
		}
		break;
	case 11:				/* mempool */
		if (w->nr_elems < HELD_MAX && (r & 0x100)) {
			/* wait only holding no element (docs/programs.md, rule 6) */
			gfp_t g = (r & 0x200) && !w->nr_elems ? GFP_NOIO : GFP_ATOMIC;
			void *e = lab_pool_alloc(g);

			if (e)
				w->elems[w->nr_elems++] = e;
		} else if (w->nr_elems) {
			lab_pool_free(w->elems[--w->nr_elems]);
		}
		break;
	case 12:				/* drains */
		if ((r >> 8) % 8 == 0)
			drain_all_pages();
		else if ((r >> 8) % 4 == 0)
			drain_local_pages();
		break;
	case 13:				/* pressure: ballast near a watermark */
		if ((r >> 8) % 32 == 0 && w->cpu == 1) {
			struct mm_zone_info zi;
			int z = (r >> 16) & 1;

			if (!mm_zone_info(z, &zi))
				mm_ballast_fill(z, (long)zi.wmark[(r >> 20) % NR_WMARK] * ((r >> 24) % 3) / 2);
		} else if ((r >> 8) % 16 == 0 && w->cpu == 1) {
			mm_ballast_release(-1);
		}
		break;
	default:				/* an interrupt for some CPU */
		threads_raise_hardirq(1 + (int)((r >> 8) % R.nr_cpus));
		break;
	}
}

static void worker_fn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ROUND_OPS; i++)
		one_op(w);
	while (w->nr_held)
		drop_one(w);
	while (w->nr_elems)
		lab_pool_free(w->elems[--w->nr_elems]);
}

static void round_run(unsigned long long seed, unsigned long round)
{
	static struct worker W[STRESS_MAX_CPUS];
	struct mm_config cfg = { 0 };
	unsigned int order;
	struct page *p;

	/* CPU 0 is this thread (set-up and the end-of-round checks); workers 1..n */
	threads_init(R.nr_cpus + 1);
	report_reset();
	mm_listen_reset();
	ledger_init(0);
	oracle_init();
	if (ledger_attach() || oracle_attach())
		exit(2);
	cfg.zone_pages[0] = 64;
	cfg.zone_pages[1] = 448;
	cfg.reclaimable_pages = 32;
	if (mm_init(&cfg))
		exit(2);
	ledger_mm_ready();
	oracle_mm_ready();
	if (chan_init(&R.ring, CHAN_LOCKED, 8, 1) || chan_init(&R.bhring, CHAN_LOCKED_BH, 8, 2) ||
	    mempool_init(&R.pool, 2, mempool_alloc_pages, mempool_free_pages, (void *)0))
		exit(2);
	for (int c = 0; c < R.nr_cpus; c++) {
		R.irq_rng[c] = seed ^ (round * 131 + c * 7 + 1);
		threads_set_hardirq(c + 1, "irq", hardirq_fn, (void *)(long)c);
		threads_set_softirq(c + 1, "softirq", softirq_fn, (void *)(long)c);
		memset(&W[c], 0, sizeof(W[c]));
		W[c].cpu = c + 1;
		W[c].rng = seed * 1000003 + round * 31 + c;
		if (threads_spawn(c + 1, "task", worker_fn, &W[c]))
			exit(2);
	}
	threads_join_all();
	while ((p = lab_take(&R.ring, &order)))
		lab_free(p, order);
	while ((p = lab_take(&R.bhring, &order)))
		lab_free(p, order);
	mm_ballast_release(-1);
	mempool_exit(&R.pool);
	drain_all_pages();
	ledger_end_of_run();
	ledger_check_census();
	mm_exit();
	mm_listen_reset();
	ledger_exit();
	threads_exit();
}

int main(int argc, char **argv)
{
	unsigned long long seed;
	double end;
	unsigned long round = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SEED SECONDS [NR_CPUS]\n", argv[0]);
		return 2;
	}
	seed = strtoull(argv[1], NULL, 0);
	end = now() + atof(argv[2]);
	R.nr_cpus = argc > 3 ? atoi(argv[3]) : 2;
	if (R.nr_cpus < 1 || R.nr_cpus > STRESS_MAX_CPUS)
		return 2;
	report_set_mode(REPORT_ABORT);
	while (now() < end)
		round_run(seed, round++);
	printf("stress: %lu rounds, clean\n", round);
	return 0;
}
