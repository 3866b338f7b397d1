/* SPDX-License-Identifier: MIT */
/*
 * ctxcov.h: context-aware coverage (issue #6, docs/programs.md
 * "Context-aware coverage").
 *
 * Code coverage sees that alloc_pages() ran; it does not see *where* it
 * ran. Every allocator call a fuzz run makes is also described by its
 * situation:
 *
 *   op (and, for allocations, the gfp class)  16
 *   order class (0 / 1..3 / 4..)               3
 *   context (task / task, BH off / softirq / hardirq)  4
 *   IRQs off                                   2
 *   spinlock held (none / by this context / by an interrupted one / both)  4
 *   preemption off beyond what the held locks imply    2
 *   fill band (mm: the zone against HIGH/LOW/MIN; pool: its fill)  4
 *   outcome (success / NULL / fallback path)   3
 *
 * and the situation, encoded exactly (mixed radix, no hashing) as an
 * index below CTXCOV_NR, lights one basic block of ctxcov_hit()'s
 * switch. The engines' own edge instrumentation (libFuzzer's 8-bit
 * counters, AFL++'s and honggfuzz's pc-guards) then counts a new
 * situation as a new edge: every engine that instruments code sees it,
 * with nothing engine-specific here (docs/decisions.md says why).
 *
 * Two feeds share the encoding: the interpreter notes each op itself
 * (ctxcov_begin()/ctxcov_note(), exact op and outcome), the scenario
 * runner lets the allocator's events drive it (ctxcov_attach(true)).
 * LABYRINTH_CTXCOV=0 in the environment turns the feature off, for
 * measuring it (no effect on the run itself: it never schedules).
 */
#ifndef LABYRINTH_FUZZ_CTXCOV_H
#define LABYRINTH_FUZZ_CTXCOV_H

#include <stdbool.h>
#include <labyrinth/gfp.h>

enum ctxcov_op {
	CTXCOV_ALLOC,		/* alloc_pages() or an adapter's alloc */
	CTXCOV_POOL_ALLOC,	/* mempool_alloc() */
	CTXCOV_FREE,
	CTXCOV_POOL_FREE,
	CTXCOV_GIVE,
	CTXCOV_TAKE,
	CTXCOV_OP_NR
};

/* gfp classes of the allocating ops; other ops have none. */
enum ctxcov_gfp {
	CTXCOV_GFP_ATOMIC,	/* no direct reclaim, __GFP_HIGH */
	CTXCOV_GFP_NOWAIT,	/* no direct reclaim, no __GFP_HIGH */
	CTXCOV_GFP_BLOCK,	/* direct reclaim (GFP_KERNEL, NOIO, NOFS) */
	CTXCOV_GFP_MEMALLOC,	/* __GFP_MEMALLOC without NOMEMALLOC: no watermarks */
	CTXCOV_GFP_NOFAIL_NB,	/* __GFP_NOFAIL without direct reclaim (warns) */
	CTXCOV_GFP_NOFAIL,	/* __GFP_NOFAIL with direct reclaim */
	CTXCOV_GFP_NR
};

enum ctxcov_ctx {
	CTXCOV_TASK,
	CTXCOV_TASK_BH,		/* task with bottom halves disabled */
	CTXCOV_SOFTIRQ,
	CTXCOV_HARDIRQ,
	CTXCOV_CTX_NR
};

enum ctxcov_outcome {
	CTXCOV_OK,
	CTXCOV_NULL,		/* allocation or take failed */
	/*
	 * Success by a way round: an allocation after a failed watermark
	 * check (zonelist fallback or slow path), a mempool element from
	 * the reserve, a mempool free kept in the reserve, a give to a
	 * full ring (the page was dropped).
	 */
	CTXCOV_FALLBACK,
	CTXCOV_OUTCOME_NR
};

#define CTXCOV_OPG_NR	(2 * CTXCOV_GFP_NR + CTXCOV_OP_NR - 2)	/* 16 */
#define CTXCOV_ORDER_NR	3
#define CTXCOV_LOCK_NR	4
#define CTXCOV_BAND_NR	4	/* enum mm_wmark_band */
#define CTXCOV_NR	(CTXCOV_OPG_NR * CTXCOV_ORDER_NR * CTXCOV_CTX_NR * 2 * \
			 CTXCOV_LOCK_NR * 2 * CTXCOV_BAND_NR * CTXCOV_OUTCOME_NR)

/*
 * One situation. Invariant for ctxcov_index(): every field is below its
 * dimension (gfp only matters for the two allocating ops).
 */
struct ctxcov_sit {
	unsigned char op;		/* enum ctxcov_op */
	unsigned char gfp;		/* enum ctxcov_gfp */
	unsigned char order;		/* order class */
	unsigned char ctx;		/* enum ctxcov_ctx */
	unsigned char irqs_off;
	unsigned char lock;		/* bit 0: this context, bit 1: an interrupted one */
	unsigned char preempt_off;
	unsigned char band;		/* enum mm_wmark_band */
	unsigned char outcome;		/* enum ctxcov_outcome */
};

unsigned int ctxcov_gfp_class(gfp_t gfp);
unsigned int ctxcov_order_class(unsigned int order);
/* The running context's part of the situation (the simulated machine). */
void ctxcov_context(struct ctxcov_sit *s);
/* The exact index, < CTXCOV_NR; ctxcov_decode() inverts it. */
unsigned int ctxcov_index(const struct ctxcov_sit *s);
void ctxcov_decode(unsigned int idx, struct ctxcov_sit *s);
/* Light idx's own basic block (no-op for idx >= CTXCOV_NR). */
void ctxcov_hit(unsigned int idx);

/*
 * Per run, after checkers_attach(): listen to the allocator's events.
 * from_events: every alloc/free/give/take/mempool event becomes a
 * feature (the scenario runner); otherwise the events only tell
 * ctxcov_begin()/ctxcov_fallback() what happened inside an op the
 * caller notes itself (the interpreter).
 */
int ctxcov_attach(bool from_events);
/* Before an op: forget what the running actor's earlier ops did. */
void ctxcov_begin(void);
/*
 * After it: did the op go a way round? (a failed watermark check, an
 * element out of or into a mempool's reserve)
 */
bool ctxcov_fallback(void);
/*
 * Note one op of the running context: band is the fill band read before
 * it (enum mm_wmark_band), order and gfp as the caller passed them (gfp
 * ignored but for the allocating ops).
 */
void ctxcov_note(enum ctxcov_op op, unsigned int order, gfp_t gfp, int band,
		 enum ctxcov_outcome outcome);

/* Tests: see every feature index as it is hit (NULL: stop). */
void ctxcov_observe(void (*fn)(unsigned int idx, void *arg), void *arg);
bool ctxcov_enabled(void);

#endif
