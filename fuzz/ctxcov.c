// SPDX-License-Identifier: MIT
/*
 * ctxcov.c: context-aware coverage (ctxcov.h). A situation becomes an
 * exact index, the index a basic block of its own in ctxcov_hit().
 */
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include "sim/sim.h"
#include "fuzz/ctxcov.h"

_Static_assert(CTXCOV_BAND_NR == MM_BAND_NR, "one band per mm_wmark_band");

/* What an actor's current op did inside the allocator (mm events). */
#define EVB_WMARK_FAIL	0x1	/* a watermark check said no */
#define EVB_POOL_OUT	0x2	/* a mempool element left the reserve */
#define EVB_POOL_IN	0x4	/* a freed element stayed in the reserve */

/*
 * Per-run state, reset by ctxcov_attach(). Invariant: bits[a] holds
 * EVB_* of actor a's events since its last ctxcov_begin() (interpreter)
 * or its last alloc event (scenarios).
 */
static struct {
	bool from_events;
	unsigned char bits[SIM_MAX_ACTORS];
} C;

/* Not per run: the test observer and the environment switch. */
static void (*observer)(unsigned int idx, void *arg);
static void *observer_arg;
static int enabled = -1;

/*
 * Read lazily by whichever simulated CPU first notes a situation; the
 * CPUs are fibers, which TSan treats as threads, so the flag is read and
 * set atomically (every CPU computes the same value).
 */
bool ctxcov_enabled(void)
{
	int on = __atomic_load_n(&enabled, __ATOMIC_RELAXED);
	const char *e;

	if (on < 0) {
		e = getenv("LABYRINTH_CTXCOV");
		on = !(e && !strcmp(e, "0"));
		__atomic_store_n(&enabled, on, __ATOMIC_RELAXED);
	}
	return on;
}

void ctxcov_observe(void (*fn)(unsigned int idx, void *arg), void *arg)
{
	observer = fn;
	observer_arg = arg;
}

/*
 * The allocator's own split (gfp_to_alloc_flags()): whether it may
 * reclaim, whether __GFP_HIGH buys MIN_RESERVE, whether MEMALLOC lifts
 * the watermarks, whether NOFAIL must not give up. NOFAIL first: it
 * changes the retry loop whatever else is set.
 */
unsigned int ctxcov_gfp_class(gfp_t gfp)
{
	bool block = gfp & __GFP_DIRECT_RECLAIM;

	if (gfp & __GFP_NOFAIL)
		return block ? CTXCOV_GFP_NOFAIL : CTXCOV_GFP_NOFAIL_NB;
	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
		return CTXCOV_GFP_MEMALLOC;
	if (block)
		return CTXCOV_GFP_BLOCK;
	return (gfp & __GFP_HIGH) ? CTXCOV_GFP_ATOMIC : CTXCOV_GFP_NOWAIT;
}

/* 0, up to PAGE_ALLOC_COSTLY_ORDER (3), above it. */
unsigned int ctxcov_order_class(unsigned int order)
{
	return order == 0 ? 0 : order <= 3 ? 1 : 2;
}

void ctxcov_context(struct ctxcov_sit *s)
{
	unsigned long pc = preempt_count();
	int below, mine = sim_locks_held(&below);

	if (pc & HARDIRQ_MASK)
		s->ctx = CTXCOV_HARDIRQ;
	else if (pc & SOFTIRQ_OFFSET)
		s->ctx = CTXCOV_SOFTIRQ;
	else if (pc & SOFTIRQ_MASK)
		s->ctx = CTXCOV_TASK_BH;
	else
		s->ctx = CTXCOV_TASK;
	s->irqs_off = irqs_disabled();
	s->lock = (mine > 0) | (below > 0) << 1;
	/* every held spinlock adds one to the PREEMPT bits: count the rest */
	s->preempt_off = (long)(pc & PREEMPT_MASK) > mine + below;
}

/* op and gfp as one digit: allocating ops x gfp classes, then the others. */
static unsigned int opg(const struct ctxcov_sit *s)
{
	if (s->op == CTXCOV_ALLOC)
		return s->gfp;
	if (s->op == CTXCOV_POOL_ALLOC)
		return CTXCOV_GFP_NR + s->gfp;
	return 2 * CTXCOV_GFP_NR + s->op - 2;
}

unsigned int ctxcov_index(const struct ctxcov_sit *s)
{
	unsigned int i = opg(s);

	i = i * CTXCOV_ORDER_NR + s->order;
	i = i * CTXCOV_CTX_NR + s->ctx;
	i = i * 2 + s->irqs_off;
	i = i * CTXCOV_LOCK_NR + s->lock;
	i = i * 2 + s->preempt_off;
	i = i * CTXCOV_BAND_NR + s->band;
	i = i * CTXCOV_OUTCOME_NR + s->outcome;
	return i;
}

void ctxcov_decode(unsigned int idx, struct ctxcov_sit *s)
{
	unsigned int g;

	memset(s, 0, sizeof(*s));
	s->outcome = idx % CTXCOV_OUTCOME_NR, idx /= CTXCOV_OUTCOME_NR;
	s->band = idx % CTXCOV_BAND_NR, idx /= CTXCOV_BAND_NR;
	s->preempt_off = idx % 2, idx /= 2;
	s->lock = idx % CTXCOV_LOCK_NR, idx /= CTXCOV_LOCK_NR;
	s->irqs_off = idx % 2, idx /= 2;
	s->ctx = idx % CTXCOV_CTX_NR, idx /= CTXCOV_CTX_NR;
	s->order = idx % CTXCOV_ORDER_NR, idx /= CTXCOV_ORDER_NR;
	g = idx;
	if (g < CTXCOV_GFP_NR) {
		s->op = CTXCOV_ALLOC;
		s->gfp = g;
	} else if (g < 2 * CTXCOV_GFP_NR) {
		s->op = CTXCOV_POOL_ALLOC;
		s->gfp = g - CTXCOV_GFP_NR;
	} else {
		s->op = g - 2 * CTXCOV_GFP_NR + 2;
	}
}

/*
 * One case per index. Each case body is an empty asm statement with the
 * index as an immediate operand: a side effect no two cases share, so
 * the optimizer cannot fold cases together, sink them into the join
 * block, or turn a switch into a lookup table; each case stays a basic
 * block, and coverage instrumentation gives each its own counter/guard
 * (tests/fuzz/test_ctxcov.c counts them at -O1 and -O2).
 *
 * The cases are written out by the preprocessor in 144 functions of 256
 * (parts 0x00..0x8f), not one switch of 36864: clang's block placement
 * is quadratic in a function's blocks, and one function took 40 s to
 * compile where 144 take a second. A hit is one indirect call and one
 * jump through a table.
 */
#define CC_1(n)		case (n): __asm__ volatile("" : : "i"(n)); break;
#define CC_16(n)	CC_1((n) + 0) CC_1((n) + 1) CC_1((n) + 2) CC_1((n) + 3) \
			CC_1((n) + 4) CC_1((n) + 5) CC_1((n) + 6) CC_1((n) + 7) \
			CC_1((n) + 8) CC_1((n) + 9) CC_1((n) + 10) CC_1((n) + 11) \
			CC_1((n) + 12) CC_1((n) + 13) CC_1((n) + 14) CC_1((n) + 15)
#define CC_256(n)	CC_16((n) + 0) CC_16((n) + 16) CC_16((n) + 32) CC_16((n) + 48) \
			CC_16((n) + 64) CC_16((n) + 80) CC_16((n) + 96) CC_16((n) + 112) \
			CC_16((n) + 128) CC_16((n) + 144) CC_16((n) + 160) CC_16((n) + 176) \
			CC_16((n) + 192) CC_16((n) + 208) CC_16((n) + 224) CC_16((n) + 240)

/* part p: the indices p * 256 .. p * 256 + 255 */
#define CC_PART(p)	static __attribute__((noinline)) void ctxcov_part_##p(unsigned int idx) \
			{ switch (idx) { CC_256((p) * 256) default: break; } }
#define CC_PARTS(h)	CC_PART(h##0) CC_PART(h##1) CC_PART(h##2) CC_PART(h##3) \
			CC_PART(h##4) CC_PART(h##5) CC_PART(h##6) CC_PART(h##7) \
			CC_PART(h##8) CC_PART(h##9) CC_PART(h##a) CC_PART(h##b) \
			CC_PART(h##c) CC_PART(h##d) CC_PART(h##e) CC_PART(h##f)
#define CC_REF(p)	ctxcov_part_##p,
#define CC_REFS(h)	CC_REF(h##0) CC_REF(h##1) CC_REF(h##2) CC_REF(h##3) \
			CC_REF(h##4) CC_REF(h##5) CC_REF(h##6) CC_REF(h##7) \
			CC_REF(h##8) CC_REF(h##9) CC_REF(h##a) CC_REF(h##b) \
			CC_REF(h##c) CC_REF(h##d) CC_REF(h##e) CC_REF(h##f)

_Static_assert(CTXCOV_NR == 144 * 256, "ctxcov_hit() writes out 144 x 256 cases");

CC_PARTS(0x0) CC_PARTS(0x1) CC_PARTS(0x2) CC_PARTS(0x3) CC_PARTS(0x4)
CC_PARTS(0x5) CC_PARTS(0x6) CC_PARTS(0x7) CC_PARTS(0x8)

static void (*const ctxcov_parts[144])(unsigned int idx) = {
	CC_REFS(0x0) CC_REFS(0x1) CC_REFS(0x2) CC_REFS(0x3) CC_REFS(0x4)
	CC_REFS(0x5) CC_REFS(0x6) CC_REFS(0x7) CC_REFS(0x8)
};

void ctxcov_hit(unsigned int idx)
{
	if (idx < CTXCOV_NR)
		ctxcov_parts[idx / 256](idx);
}

static void feature(const struct ctxcov_sit *s)
{
	unsigned int idx = ctxcov_index(s);

	ctxcov_hit(idx);
	if (observer)
		observer(idx, observer_arg);
}

void ctxcov_note(enum ctxcov_op op, unsigned int order, gfp_t gfp, int band,
		 enum ctxcov_outcome outcome)
{
	struct ctxcov_sit s;

	if (!ctxcov_enabled())
		return;
	s.op = op;
	s.gfp = (op == CTXCOV_ALLOC || op == CTXCOV_POOL_ALLOC) ? ctxcov_gfp_class(gfp) : 0;
	s.order = ctxcov_order_class(order);
	ctxcov_context(&s);
	s.band = band >= 0 && band < CTXCOV_BAND_NR ? band : 0;
	s.outcome = outcome;
	feature(&s);
}

static int actor_slot(const struct mm_event *ev)
{
	int a = ev->who.actor;

	return a >= 0 && a < SIM_MAX_ACTORS ? a : 0;
}

/* The preferred zone of an allocation (gfp_zone()), the zone of a page. */
static int event_band(const struct mm_event *ev)
{
	int zone = ev->zone;

	if (zone < 0)
		zone = (ev->gfp & __GFP_DMA) ? ZONE_DMA : ZONE_NORMAL;
	return mm_zone_wmark_band(zone);
}

/*
 * The allocator's events, in the context that caused them. ALLOC,
 * ALLOC_FAIL and FREE are sent outside the allocator's locks, so the
 * situation is the caller's; GIVE/TAKE and POOL_IN/OUT are sent under
 * the channel's or the pool's lock, which then counts as held.
 */
static void ctxcov_event(const struct mm_event *ev, void *arg)
{
	unsigned char *bits = &C.bits[actor_slot(ev)];
	enum ctxcov_outcome out;

	switch (ev->kind) {
	case MM_EV_WMARK:
		if (!ev->ok)
			*bits |= EVB_WMARK_FAIL;
		return;
	case MM_EV_POOL_OUT:
		*bits |= EVB_POOL_OUT;
		break;
	case MM_EV_POOL_IN:
		*bits |= EVB_POOL_IN;
		break;
	default:
		break;
	}
	if (!C.from_events || !ctxcov_enabled())
		return;
	switch (ev->kind) {
	case MM_EV_ALLOC:
	case MM_EV_ALLOC_FAIL:
		out = ev->kind == MM_EV_ALLOC_FAIL ? CTXCOV_NULL :
		      (*bits & EVB_WMARK_FAIL) ? CTXCOV_FALLBACK : CTXCOV_OK;
		*bits = 0;
		ctxcov_note(CTXCOV_ALLOC, ev->order, ev->gfp, event_band(ev), out);
		break;
	case MM_EV_FREE:
		ctxcov_note(CTXCOV_FREE, ev->order, 0, event_band(ev), CTXCOV_OK);
		break;
	case MM_EV_GIVE:
		ctxcov_note(CTXCOV_GIVE, ev->order, 0, event_band(ev), CTXCOV_OK);
		break;
	case MM_EV_TAKE:
		ctxcov_note(CTXCOV_TAKE, ev->order, 0, event_band(ev), CTXCOV_OK);
		break;
	case MM_EV_POOL_OUT:
		/* the element came from the reserve: the pool's way round */
		ctxcov_note(CTXCOV_POOL_ALLOC, ev->order, 0, event_band(ev), CTXCOV_FALLBACK);
		break;
	case MM_EV_POOL_IN:
		if (ev->who.actor > 0)	/* not mempool_init()'s fill */
			ctxcov_note(CTXCOV_POOL_FREE, ev->order, 0, event_band(ev),
				    CTXCOV_FALLBACK);
		break;
	default:
		break;
	}
}

int ctxcov_attach(bool from_events)
{
	memset(&C, 0, sizeof(C));
	C.from_events = from_events;
	return mm_listen(ctxcov_event, NULL);
}

void ctxcov_begin(void)
{
	C.bits[actor_slot(&(struct mm_event){ .who = lab_current() })] = 0;
}

bool ctxcov_fallback(void)
{
	return C.bits[actor_slot(&(struct mm_event){ .who = lab_current() })] != 0;
}
