// SPDX-License-Identifier: MIT
/*
 * mutate.c: the structure-aware mutator (fuzz/mutate.h).
 *
 * Why work on the struct: a byte mutation of the program format mostly
 * changes one argument or one schedule byte (the format was laid out
 * for that), but it cannot insert an op whose meaning depends on the
 * ops before it. Two thirds of the op codes are only legal in some
 * states (free needs a page, unlock needs the lock on top, a KERNEL
 * allocation needs a task that is not atomic), so a random op inserted
 * as bytes is often dropped or rewritten by legalization. Here every
 * generated op is drawn from the ops that are legal at its position,
 * with weights that favour the paths this project exists for (atomic
 * allocations of order > 0, reserve modifiers, ownership handed
 * between contexts, allocations inside irq-off and bh-off sections).
 *
 * Everything goes through program_legalize() at the end, so a mutation
 * that turns out illegal (a give on an spsc ring that another actor
 * already produces into, an op after a new bracket that is no longer
 * allowed) is repaired the one way the decoder repairs it.
 */
#include <string.h>
#include <labyrinth/kernel.h>
#include "fuzz/mutate.h"
#include "fuzz/program_int.h"

#define MUT_TRIES	8	/* attempts before program_mutate() gives up */

static const char *const mut_names[MUT_NR] = {
	[MUT_OP_INSERT]		= "op-insert",
	[MUT_OP_DELETE]		= "op-delete",
	[MUT_OP_SWAP]		= "op-swap",
	[MUT_OP_COPY]		= "op-copy",
	[MUT_OP_REPEAT]		= "op-repeat",
	[MUT_OP_PARAM]		= "op-param",
	[MUT_OP_BRACKET]	= "op-bracket",
	[MUT_OP_PAIR]		= "op-pair",
	[MUT_ACTOR_INSERT]	= "actor-insert",
	[MUT_ACTOR_DELETE]	= "actor-delete",
	[MUT_ACTOR_COPY]	= "actor-copy",
	[MUT_ACTOR_EDIT]	= "actor-edit",
	[MUT_FAULT_INSERT]	= "fault-insert",
	[MUT_FAULT_DELETE]	= "fault-delete",
	[MUT_FAULT_EDIT]	= "fault-edit",
	[MUT_SCHED_INSERT]	= "sched-insert",
	[MUT_SCHED_DELETE]	= "sched-delete",
	[MUT_SCHED_CHANGE]	= "sched-change",
	[MUT_SCHED_SPLICE]	= "sched-splice",
	[MUT_MACHINE]		= "machine",
};

const char *mut_kind_name(int kind)
{
	if (kind == MUT_NR)
		return "crossover";
	return kind >= 0 && kind < MUT_NR ? mut_names[kind] : "none";
}

/* Uniform in [0, n); 0 when n is 0. */
static unsigned int below(uint64_t *rng, unsigned int n)
{
	return n ? (unsigned int)(mut_rand(rng) % n) : 0;
}

static bool chance(uint64_t *rng, unsigned int percent)
{
	return below(rng, 100) < percent;
}

/* Index into w[0..n) drawn with weight w[i]; -1 when every weight is 0. */
static int pick_weighted(uint64_t *rng, const unsigned int *w, int n)
{
	unsigned int sum = 0, r;
	int i;

	for (i = 0; i < n; i++)
		sum += w[i];
	if (!sum)
		return -1;
	r = below(rng, sum);
	for (i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* ---- the state of an actor at a point of its op list ---------------- */

static void hold(struct ctx_state *s, uint8_t what, uint8_t lock, uint8_t kind)
{
	if (s->depth >= PROG_MAX_OPS)
		return;
	s->held[s->depth].what = what;
	s->held[s->depth].lock = lock;
	s->held[s->depth].kind = kind;
	s->depth++;
}

/*
 * Apply one op of a legal program to the state (the same bookkeeping as
 * legalize_op(), which has already checked the op).
 */
static void apply_op(struct ctx_state *s, const struct prog_op *op)
{
	unsigned int slot = op->a % PROG_NR_SLOTS;

	switch (op->code) {
	case OP_ALLOC:
	case OP_TAKE:
		s->slot[slot] = SLOT_PAGE;
		break;
	case OP_PALLOC:
		s->slot[slot] = SLOT_POOL;
		s->nr_pool_slots++;
		break;
	case OP_FREE:
	case OP_GIVE:
		s->slot[slot] = SLOT_EMPTY;
		break;
	case OP_PFREE:
		if (s->slot[slot] == SLOT_POOL)
			s->nr_pool_slots--;
		s->slot[slot] = SLOT_EMPTY;
		break;
	case OP_LOCK:
		hold(s, HELD_LOCK, op->a, op->b);
		break;
	case OP_IRQ_SAVE:
		hold(s, HELD_IRQ, 0, 0);
		break;
	case OP_PREEMPT_DISABLE:
		hold(s, HELD_PREEMPT, 0, 0);
		break;
	case OP_BH_DISABLE:
		hold(s, HELD_BH, 0, 0);
		break;
	case OP_MUTEX_LOCK:
		hold(s, HELD_MUTEX, 0, 0);
		break;
	case OP_UNLOCK:
	case OP_IRQ_RESTORE:
	case OP_PREEMPT_ENABLE:
	case OP_BH_ENABLE:
	case OP_MUTEX_UNLOCK:
		if (s->depth)
			s->depth--;
		break;
	default:
		break;
	}
}

/* State of actor ai before its op k. */
static void scan(const struct program *p, int ai, int k, struct ctx_state *s)
{
	const struct prog_actor *a = &p->actors[ai];
	int i;

	ctx_init(s, a->kind);
	for (i = 0; i < k && i < a->nr_ops; i++)
		apply_op(s, &a->ops[i]);
}

/* A random slot in state want, -1 if none. */
static int slot_in(uint64_t *rng, const struct ctx_state *s, uint8_t want)
{
	int idx[PROG_NR_SLOTS], n = 0, i;

	for (i = 0; i < PROG_NR_SLOTS; i++)
		if (s->slot[i] == want)
			idx[n++] = i;
	return n ? idx[below(rng, n)] : -1;
}

static int held_slot(uint64_t *rng, const struct ctx_state *s)
{
	int idx[PROG_NR_SLOTS], n = 0, i;

	for (i = 0; i < PROG_NR_SLOTS; i++)
		if (s->slot[i] != SLOT_EMPTY)
			idx[n++] = i;
	return n ? idx[below(rng, n)] : -1;
}

/* ---- generating values ---------------------------------------------- */

/* Orders: mostly 0, often the 1..3 of atomic high-order callers. */
static uint8_t gen_order(uint64_t *rng)
{
	static const unsigned int w[PROG_MAX_ORDER + 1] = { 45, 20, 12, 12, 5, 3, 3 };

	return pick_weighted(rng, w, ARRAY_SIZE(w));
}

/*
 * A gfp byte for alloc in this state: ATOMIC and NOWAIT where sleeping
 * is forbidden, and the modifiers that move the watermark a caller sees
 * (HIGH, MEMALLOC, NOMEMALLOC) often, NOFAIL where it is allowed.
 */
static uint8_t gen_gfp(uint64_t *rng, bool atomic, uint8_t order)
{
	static const unsigned int w_any[GFPC_NR] = { 30, 15, 30, 10, 15 };
	static const unsigned int w_atomic[GFPC_NR] = { 70, 30, 0, 0, 0 };
	uint8_t g = pick_weighted(rng, atomic ? w_atomic : w_any, GFPC_NR);

	if (chance(rng, 25))
		g |= GFPM_NOWARN;
	if (g != GFPC_ATOMIC && chance(rng, 15))
		g |= GFPM_HIGH;
	if (chance(rng, 8))
		g |= GFPM_MEMALLOC;
	else if (chance(rng, 8))
		g |= GFPM_NOMEMALLOC;
	if (gfp_class_blocks(g & 7) && order <= 1 && chance(rng, 10))
		g |= GFPM_NOFAIL;
	return g;
}

static uint8_t gen_pool_gfp(uint64_t *rng, bool atomic)
{
	static const unsigned int w[GFPC_NR] = { 50, 20, 30, 0, 0 };
	uint8_t g = atomic ? (chance(rng, 70) ? GFPC_ATOMIC : GFPC_NOWAIT) :
		    pick_weighted(rng, w, GFPC_NR);

	if (chance(rng, 25))
		g |= GFPM_NOWARN;
	if (g != GFPC_ATOMIC && chance(rng, 15))
		g |= GFPM_HIGH;
	return g;
}

/* Exhaustion lines: the ones around the atomic reserve most often. */
static uint8_t gen_line(uint64_t *rng)
{
	static const unsigned int w[LINE_NR] = { 5, 15, 25, 30, 15, 10 };

	return pick_weighted(rng, w, LINE_NR);
}

/*
 * Which actor produces into (consumes from) spsc ring t, -1 if none
 * yet: the first one in actor order, as legalization decides.
 */
static int spsc_end(const struct program *p, unsigned int t, uint8_t code)
{
	int i, k;

	for (i = 0; i < p->nr_actors; i++)
		for (k = 0; k < p->actors[i].nr_ops; k++)
			if (p->actors[i].ops[k].code == code &&
			    p->actors[i].ops[k].b == CHAN_SPSC0 + t)
				return i;
	return -1;
}

/* May actor ai give (take, per code) on chan in state s? */
static bool chan_ok(const struct program *p, int ai, unsigned int chan,
		    const struct ctx_state *s, uint8_t code)
{
	int end;

	if (!chan_usable(chan, s))
		return false;
	if (chan < CHAN_SPSC0)
		return true;
	end = spsc_end(p, chan - CHAN_SPSC0, code);
	return end < 0 || end == ai;
}

/*
 * A channel for a give (code OP_GIVE) or a take by actor ai: most often
 * one that another actor uses the other way, so the page really moves.
 * -1 when no channel is usable.
 */
static int gen_chan(uint64_t *rng, const struct program *p, int ai,
		    const struct ctx_state *s, uint8_t code)
{
	uint8_t other = code == OP_GIVE ? OP_TAKE : OP_GIVE;
	unsigned int w[PROG_NR_CHANS];
	int c, i, k;

	for (c = 0; c < PROG_NR_CHANS; c++)
		w[c] = chan_ok(p, ai, c, s, code) ? 2 : 0;
	for (i = 0; i < p->nr_actors; i++) {
		if (i == ai)
			continue;
		for (k = 0; k < p->actors[i].nr_ops; k++) {
			const struct prog_op *op = &p->actors[i].ops[k];

			if (op->code == other && w[op->b % PROG_NR_CHANS])
				w[op->b % PROG_NR_CHANS] += 6;
		}
	}
	return pick_weighted(rng, w, PROG_NR_CHANS);
}

static int softirq_on_cpu(uint64_t *rng, const struct program *p, int cpu)
{
	int idx[PROG_MAX_ACTORS], n = 0, i;

	for (i = 0; i < p->nr_actors; i++)
		if (p->actors[i].kind == ACTOR_SOFTIRQ && p->actors[i].cpu == cpu)
			idx[n++] = i;
	return n ? idx[below(rng, n)] : -1;
}

/* A client lock actor kind may take in state s, -1 if none. */
static int gen_lock(uint64_t *rng, const struct ctx_state *s, unsigned int kind)
{
	int idx[PROG_NR_LOCKS], n = 0, l;

	for (l = ctx_max_lock(s) + 1; l < PROG_NR_LOCKS; l++)
		if (lock_usable(l, kind))
			idx[n++] = l;
	return n ? idx[below(rng, n)] : -1;
}

/* The op that releases the innermost held item, false if none. */
static bool release_of(const struct ctx_state *s, struct prog_op *op)
{
	static const uint8_t rel[] = {
		[HELD_LOCK] = OP_UNLOCK, [HELD_IRQ] = OP_IRQ_RESTORE,
		[HELD_PREEMPT] = OP_PREEMPT_ENABLE, [HELD_BH] = OP_BH_ENABLE,
		[HELD_MUTEX] = OP_MUTEX_UNLOCK,
	};
	const struct held *h;

	if (!s->depth)
		return false;
	h = &s->held[s->depth - 1];
	memset(op, 0, sizeof(*op));
	op->code = rel[h->what];
	if (h->what == HELD_LOCK)
		op->a = h->lock;
	return true;
}

/*
 * An opener legal in state s (lock, irq_save, preempt_disable,
 * bh_disable, mutex_lock), false if none is.
 */
static bool gen_opener(uint64_t *rng, const struct program *p, int ai,
		       const struct ctx_state *s, struct prog_op *op)
{
	enum { O_LOCK, O_IRQ, O_PREEMPT, O_BH, O_MUTEX, O_NR };
	unsigned int kind = p->actors[ai].kind, w[O_NR];
	int lock = gen_lock(rng, s, kind);

	w[O_LOCK] = lock >= 0 ? 40 : 0;
	w[O_IRQ] = 20;
	w[O_PREEMPT] = 10;
	w[O_BH] = ctx_irqs_off(s) ? 0 : 15;
	w[O_MUTEX] = kind == ACTOR_TASK && !ctx_atomic(s) && !ctx_holds_mutex(s) ? 15 : 0;
	memset(op, 0, sizeof(*op));
	switch (pick_weighted(rng, w, O_NR)) {
	case O_LOCK:
		op->code = OP_LOCK;
		op->a = lock;
		op->b = below(rng, LOCKK_NR);
		break;
	case O_IRQ:
		op->code = OP_IRQ_SAVE;
		break;
	case O_PREEMPT:
		op->code = OP_PREEMPT_DISABLE;
		break;
	case O_BH:
		op->code = OP_BH_DISABLE;
		break;
	case O_MUTEX:
		op->code = OP_MUTEX_LOCK;
		break;
	default:
		return false;
	}
	return true;
}

/*
 * One op that is legal for actor ai in state s, weighted towards the
 * allocation and ownership ops. False when nothing fits (cannot happen
 * in practice: release, failnext and kswapd are always legal).
 */
static bool gen_op(uint64_t *rng, const struct program *p, int ai,
		   const struct ctx_state *s, struct prog_op *op)
{
	const struct prog_actor *a = &p->actors[ai];
	bool task = a->kind == ACTOR_TASK, atomic = ctx_atomic(s);
	int empty = slot_in(rng, s, SLOT_EMPTY), page = slot_in(rng, s, SLOT_PAGE);
	int pool = slot_in(rng, s, SLOT_POOL), any = held_slot(rng, s);
	int sirq = softirq_on_cpu(rng, p, a->cpu);
	unsigned int w[OP_NR] = { 0 };
	int code, c;

	w[OP_ALLOC] = empty >= 0 ? 24 : 0;
	w[OP_FREE] = page >= 0 ? 10 : 0;
	w[OP_TOUCH] = any >= 0 ? 4 : 0;
	w[OP_GIVE] = page >= 0 ? 10 : 0;
	w[OP_TAKE] = empty >= 0 ? 9 : 0;
	w[OP_PALLOC] = empty >= 0 ? 4 : 0;
	w[OP_PFREE] = pool >= 0 ? 5 : 0;
	w[OP_LOCK] = gen_lock(rng, s, a->kind) >= 0 ? 4 : 0;
	w[OP_UNLOCK] = s->depth && s->held[s->depth - 1].what == HELD_LOCK ? 5 : 0;
	w[OP_IRQ_SAVE] = 3;
	w[OP_IRQ_RESTORE] = s->depth && s->held[s->depth - 1].what == HELD_IRQ ? 5 : 0;
	w[OP_PREEMPT_DISABLE] = 2;
	w[OP_PREEMPT_ENABLE] = s->depth && s->held[s->depth - 1].what == HELD_PREEMPT ? 4 : 0;
	w[OP_BH_DISABLE] = ctx_irqs_off(s) ? 0 : 2;
	w[OP_BH_ENABLE] = s->depth && s->held[s->depth - 1].what == HELD_BH ? 4 : 0;
	w[OP_SLEEP] = task && !atomic ? 2 : 0;
	w[OP_MUTEX_LOCK] = task && !atomic && !ctx_holds_mutex(s) ? 2 : 0;
	w[OP_MUTEX_UNLOCK] = s->depth && s->held[s->depth - 1].what == HELD_MUTEX ? 4 : 0;
	w[OP_RAISE] = sirq >= 0 ? 5 : 0;
	w[OP_EXHAUST] = task && !atomic ? 3 : 0;
	w[OP_RELEASE] = 1;
	w[OP_FAILNEXT] = 2;
	w[OP_DRAIN] = task && !atomic ? 2 : 0;
	w[OP_KSWAPD] = 1;

	code = pick_weighted(rng, w, OP_NR);
	if (code < 0)
		return false;
	memset(op, 0, sizeof(*op));
	op->code = code;
	switch (code) {
	case OP_ALLOC:
		op->a = empty;
		op->c = gen_order(rng);
		op->b = gen_gfp(rng, atomic, op->c);
		break;
	case OP_FREE:
		op->a = page;
		break;
	case OP_TOUCH:
		op->a = any;
		break;
	case OP_GIVE:
	case OP_TAKE:
		op->a = code == OP_GIVE ? page : empty;
		c = gen_chan(rng, p, ai, s, code);
		if (c < 0)
			return false;
		op->b = c;
		break;
	case OP_PALLOC:
		op->a = empty;
		op->b = below(rng, PROG_NR_POOLS);
		op->c = gen_pool_gfp(rng, atomic || ctx_holds_mutex(s) || s->nr_pool_slots);
		break;
	case OP_PFREE:
		op->a = pool;
		break;
	case OP_LOCK:
	case OP_IRQ_SAVE:
	case OP_PREEMPT_DISABLE:
	case OP_BH_DISABLE:
	case OP_MUTEX_LOCK:
		if (code == OP_LOCK) {
			op->a = gen_lock(rng, s, a->kind);
			op->b = below(rng, LOCKK_NR);
		}
		break;
	case OP_UNLOCK:
	case OP_IRQ_RESTORE:
	case OP_PREEMPT_ENABLE:
	case OP_BH_ENABLE:
	case OP_MUTEX_UNLOCK:
		return release_of(s, op);
	case OP_SLEEP:
		op->a = below(rng, 4);
		break;
	case OP_RAISE:
		op->a = sirq;
		break;
	case OP_EXHAUST:
		op->a = below(rng, 2);
		op->b = gen_line(rng);
		break;
	case OP_FAILNEXT:
		op->a = chance(rng, 50) ? below(rng, 2) : below(rng, 8);
		break;
	case OP_DRAIN:
	case OP_KSWAPD:
		op->a = below(rng, 2);
		break;
	default:
		break;
	}
	return true;
}

/* ---- op lists -------------------------------------------------------- */

static bool insert_op(struct prog_actor *a, int k, const struct prog_op *op)
{
	if (a->nr_ops >= PROG_MAX_OPS || k < 0 || k > a->nr_ops)
		return false;
	memmove(&a->ops[k + 1], &a->ops[k], (a->nr_ops - k) * sizeof(a->ops[0]));
	a->ops[k] = *op;
	a->nr_ops++;
	return true;
}

static void delete_op(struct prog_actor *a, int k)
{
	memmove(&a->ops[k], &a->ops[k + 1], (a->nr_ops - k - 1) * sizeof(a->ops[0]));
	a->nr_ops--;
	memset(&a->ops[a->nr_ops], 0, sizeof(a->ops[0]));
}

/* A random actor with at least min_ops ops and at most max_ops, -1 if none. */
static int pick_actor(uint64_t *rng, const struct program *p, int min_ops, int max_ops)
{
	int idx[PROG_MAX_ACTORS], n = 0, i;

	for (i = 0; i < p->nr_actors; i++)
		if (p->actors[i].nr_ops >= min_ops && p->actors[i].nr_ops <= max_ops)
			idx[n++] = i;
	return n ? idx[below(rng, n)] : -1;
}

static bool mut_op_insert(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 0, PROG_MAX_OPS - 1), k;
	struct ctx_state s;
	struct prog_op op;

	if (ai < 0)
		return false;
	k = below(rng, p->actors[ai].nr_ops + 1);
	scan(p, ai, k, &s);
	return gen_op(rng, p, ai, &s, &op) && insert_op(&p->actors[ai], k, &op);
}

static bool mut_op_delete(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 1, PROG_MAX_OPS);

	if (ai < 0)
		return false;
	delete_op(&p->actors[ai], below(rng, p->actors[ai].nr_ops));
	return true;
}

static bool mut_op_swap(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 2, PROG_MAX_OPS), i, j;
	struct prog_actor *a;
	struct prog_op t;

	if (ai < 0)
		return false;
	a = &p->actors[ai];
	i = below(rng, a->nr_ops);
	if (chance(rng, 60))	/* neighbours: the smallest reordering */
		j = i + 1 < a->nr_ops ? i + 1 : i - 1;
	else
		j = below(rng, a->nr_ops);
	if (i == j)
		return false;
	t = a->ops[i];
	a->ops[i] = a->ops[j];
	a->ops[j] = t;
	return true;
}

/* Copy a run of 1..4 ops to a position in the same or another actor. */
static bool mut_op_copy(struct program *p, uint64_t *rng)
{
	int from = pick_actor(rng, p, 1, PROG_MAX_OPS), to, k, n, at, i;
	struct prog_op run[4];

	if (from < 0)
		return false;
	to = chance(rng, 60) ? from : pick_actor(rng, p, 0, PROG_MAX_OPS - 1);
	if (to < 0)
		return false;
	k = below(rng, p->actors[from].nr_ops);
	n = 1 + below(rng, min(4, p->actors[from].nr_ops - k));
	n = min(n, PROG_MAX_OPS - p->actors[to].nr_ops);
	if (n <= 0)
		return false;
	memcpy(run, &p->actors[from].ops[k], n * sizeof(run[0]));
	at = below(rng, p->actors[to].nr_ops + 1);
	for (i = 0; i < n; i++)
		insert_op(&p->actors[to], at + i, &run[i]);
	return true;
}

/*
 * Repeat a run of 1..4 ops right after itself, as often as fits (2..8
 * copies): "alloc s0; give s0 bhring" eight times fills a ring, an
 * alloc repeated crosses a watermark. Byte mutations rarely build such
 * loops, and the slot rewriting of legalization keeps each copy legal.
 */
static bool mut_op_repeat(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 1, PROG_MAX_OPS - 1), k, n, times, at, i, j;
	struct prog_op run[4];
	struct prog_actor *a;

	if (ai < 0)
		return false;
	a = &p->actors[ai];
	k = below(rng, a->nr_ops);
	n = 1 + below(rng, min(4, a->nr_ops - k));
	times = 1 + below(rng, 7);
	times = min(times, (PROG_MAX_OPS - a->nr_ops) / n);
	if (times <= 0)
		return false;
	memcpy(run, &a->ops[k], n * sizeof(run[0]));
	at = k + n;
	for (j = 0; j < times; j++)
		for (i = 0; i < n; i++)
			insert_op(a, at++, &run[i]);
	return true;
}

/* Re-choose one argument of one op (or the whole op when it has none). */
static bool mut_op_param(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 1, PROG_MAX_OPS), k, c, l;
	struct prog_op *op;
	struct ctx_state s;

	if (ai < 0)
		return false;
	k = below(rng, p->actors[ai].nr_ops);
	op = &p->actors[ai].ops[k];
	scan(p, ai, k, &s);
	switch (op->code) {
	case OP_ALLOC:
		switch (below(rng, 4)) {
		case 0:
			op->c = gen_order(rng);
			break;
		case 1:	/* flip one modifier */
			op->b ^= GFPM_NOFAIL << below(rng, 5);
			break;
		default:
			op->b = gen_gfp(rng, ctx_atomic(&s), op->c);
			break;
		}
		return true;
	case OP_GIVE:
	case OP_TAKE:
		c = gen_chan(rng, p, ai, &s, op->code);
		if (c < 0)
			return false;
		op->b = c;
		return true;
	case OP_PALLOC:
		if (chance(rng, 50))
			op->b ^= 1;
		else
			op->c = gen_pool_gfp(rng, ctx_atomic(&s) || ctx_holds_mutex(&s) ||
					     s.nr_pool_slots);
		return true;
	case OP_LOCK:
		l = gen_lock(rng, &s, p->actors[ai].kind);
		if (chance(rng, 50) || l < 0)
			op->b = below(rng, LOCKK_NR);
		else
			op->a = l;
		return true;
	case OP_SLEEP:
	case OP_DRAIN:
	case OP_KSWAPD:
		op->a = below(rng, op->code == OP_SLEEP ? 4 : 2);
		return true;
	case OP_EXHAUST:
		if (chance(rng, 70))
			op->b = gen_line(rng);
		else
			op->a ^= 1;
		return true;
	case OP_FAILNEXT:
		op->a = below(rng, 8);
		return true;
	case OP_FREE:
	case OP_TOUCH:
	case OP_PFREE:
		c = op->code == OP_PFREE ? slot_in(rng, &s, SLOT_POOL) :
		    op->code == OP_FREE ? slot_in(rng, &s, SLOT_PAGE) : held_slot(rng, &s);
		if (c < 0)
			return false;
		op->a = c;
		return true;
	default:
		/* no argument worth changing: a new op in its place */
		return gen_op(rng, p, ai, &s, op);
	}
}

/*
 * Put an opener at i and its release at j >= i around ops i..j-1, where
 * the ops in between are balanced (they never release what was held
 * before i, and release all they take), so the nesting stays proper.
 */
static bool mut_op_bracket(struct program *p, uint64_t *rng)
{
	int ai = pick_actor(rng, p, 0, PROG_MAX_OPS - 2), i, j, d, n;
	int cand[PROG_MAX_OPS + 1];
	struct prog_actor *a;
	struct ctx_state s;
	struct prog_op open, close;

	if (ai < 0)
		return false;
	a = &p->actors[ai];
	i = below(rng, a->nr_ops + 1);
	scan(p, ai, i, &s);
	if (!gen_opener(rng, p, ai, &s, &open))
		return false;
	/* release positions: where the ops since i are balanced again */
	cand[0] = i;
	n = 1;
	for (j = i, d = 0; j < a->nr_ops; j++) {
		switch (a->ops[j].code) {
		case OP_LOCK: case OP_IRQ_SAVE: case OP_PREEMPT_DISABLE:
		case OP_BH_DISABLE: case OP_MUTEX_LOCK:
			d++;
			break;
		case OP_UNLOCK: case OP_IRQ_RESTORE: case OP_PREEMPT_ENABLE:
		case OP_BH_ENABLE: case OP_MUTEX_UNLOCK:
			d--;
			break;
		}
		if (d < 0)
			break;
		if (!d)
			cand[n++] = j + 1;
	}
	/*
	 * An empty bracket only when nothing else fits; short spans more
	 * often than long ones (a bound drawn first, then a span under it).
	 * No rng call inside min(): the macro evaluates its arguments twice.
	 */
	if (n > 1) {
		d = 1 + below(rng, n - 1);
		j = cand[1 + below(rng, d)];
	} else {
		j = i;
	}
	s.depth = 0;
	hold(&s, open.code == OP_LOCK ? HELD_LOCK :
	     open.code == OP_IRQ_SAVE ? HELD_IRQ :
	     open.code == OP_PREEMPT_DISABLE ? HELD_PREEMPT :
	     open.code == OP_BH_DISABLE ? HELD_BH : HELD_MUTEX, open.a, open.b);
	release_of(&s, &close);
	insert_op(a, j, &close);
	insert_op(a, i, &open);
	return true;
}

/*
 * A page handed from one actor to another: a give (after an alloc when
 * the giver holds no page) in one, a take on the same channel in the
 * other, followed by a touch and a free or by nothing (the taker's
 * epilogue frees it).
 */
static bool mut_op_pair(struct program *p, uint64_t *rng)
{
	int ga = pick_actor(rng, p, 0, PROG_MAX_OPS - 2), ta, gk, tk, page, empty, c, n;
	struct ctx_state gs, ts;
	struct prog_op op;
	unsigned int w[PROG_NR_CHANS];

	if (ga < 0 || p->nr_actors < 2)
		return false;
	ta = pick_actor(rng, p, 0, PROG_MAX_OPS - 3);
	if (ta < 0 || ta == ga)
		return false;
	gk = below(rng, p->actors[ga].nr_ops + 1);
	tk = below(rng, p->actors[ta].nr_ops + 1);
	scan(p, ga, gk, &gs);
	scan(p, ta, tk, &ts);
	empty = slot_in(rng, &ts, SLOT_EMPTY);
	if (empty < 0)
		return false;
	for (c = 0; c < PROG_NR_CHANS; c++)
		w[c] = chan_ok(p, ga, c, &gs, OP_GIVE) && chan_ok(p, ta, c, &ts, OP_TAKE);
	c = pick_weighted(rng, w, PROG_NR_CHANS);
	if (c < 0)
		return false;

	/* the taker first: its indices do not move with the giver's */
	n = tk;
	memset(&op, 0, sizeof(op));
	op.code = OP_TAKE;
	op.a = empty;
	op.b = c;
	insert_op(&p->actors[ta], n++, &op);
	if (chance(rng, 60)) {
		op.code = OP_TOUCH;
		op.b = 0;
		insert_op(&p->actors[ta], n++, &op);
		if (chance(rng, 70)) {
			op.code = OP_FREE;
			insert_op(&p->actors[ta], n++, &op);
		}
	}

	page = slot_in(rng, &gs, SLOT_PAGE);
	n = gk;
	if (page < 0 || chance(rng, 30)) {
		page = slot_in(rng, &gs, SLOT_EMPTY);
		if (page < 0)
			return true;	/* the take alone still changed the program */
		memset(&op, 0, sizeof(op));
		op.code = OP_ALLOC;
		op.a = page;
		op.c = gen_order(rng);
		op.b = gen_gfp(rng, ctx_atomic(&gs), op.c);
		insert_op(&p->actors[ga], n++, &op);
	}
	memset(&op, 0, sizeof(op));
	op.code = OP_GIVE;
	op.a = page;
	op.b = c;
	insert_op(&p->actors[ga], n, &op);
	return true;
}

/* ---- actors ---------------------------------------------------------- */

/*
 * Index fix-ups when actor `at` is inserted (delta +1) or removed
 * (delta -1): raise ops name softirq actors by index, fault entries
 * name actors as 1 + index.
 */
static void renumber(struct program *p, int at, int delta)
{
	int i, k;

	for (i = 0; i < p->nr_actors; i++)
		for (k = 0; k < p->actors[i].nr_ops; k++) {
			struct prog_op *op = &p->actors[i].ops[k];

			if (op->code == OP_RAISE && op->a >= at &&
			    !(delta < 0 && op->a == at))
				op->a += delta;
		}
	for (i = 0; i < p->nr_faults; i++) {
		struct prog_fault *f = &p->faults[i];

		if (!f->actor || f->actor - 1 < at)
			continue;
		if (delta < 0 && f->actor - 1 == at)
			f->actor = 0;	/* its actor is gone: any actor */
		else
			f->actor += delta;
	}
}

static void gen_actor(uint64_t *rng, struct program *p, int ai)
{
	static const unsigned int w_kind[ACTOR_KIND_NR] = { 50, 30, 20 };
	struct prog_actor *a = &p->actors[ai];
	struct ctx_state s;
	struct prog_op op;
	int n, k;

	memset(a, 0, sizeof(*a));
	a->kind = pick_weighted(rng, w_kind, ACTOR_KIND_NR);
	a->cpu = below(rng, p->machine.nr_cpus);
	a->fires = a->kind == ACTOR_TASK ? 1 : 1 + below(rng, PROG_MAX_FIRES);
	ctx_init(&s, a->kind);
	n = 1 + below(rng, 6);
	for (k = 0; k < n; k++) {
		if (!gen_op(rng, p, ai, &s, &op))
			break;
		a->ops[a->nr_ops++] = op;
		apply_op(&s, &op);
	}
}

static bool mut_actor_insert(struct program *p, uint64_t *rng)
{
	int at, i;

	if (p->nr_actors >= PROG_MAX_ACTORS)
		return false;
	at = below(rng, p->nr_actors + 1);
	/* raises and faults follow their actors to the new indices */
	renumber(p, at, 1);
	for (i = p->nr_actors; i > at; i--)
		p->actors[i] = p->actors[i - 1];
	p->nr_actors++;
	gen_actor(rng, p, at);
	return true;
}

static bool mut_actor_delete(struct program *p, uint64_t *rng)
{
	int at, i;

	if (!p->nr_actors)
		return false;
	at = below(rng, p->nr_actors);
	renumber(p, at, -1);
	for (i = at; i + 1 < p->nr_actors; i++)
		p->actors[i] = p->actors[i + 1];
	p->nr_actors--;
	memset(&p->actors[p->nr_actors], 0, sizeof(p->actors[0]));
	return true;
}

/* A copy at the end (no index moves), often on another CPU. */
static bool mut_actor_copy(struct program *p, uint64_t *rng)
{
	struct prog_actor *a;

	if (!p->nr_actors || p->nr_actors >= PROG_MAX_ACTORS)
		return false;
	a = &p->actors[p->nr_actors];
	*a = p->actors[below(rng, p->nr_actors)];
	p->nr_actors++;
	if (p->machine.nr_cpus > 1 && chance(rng, 60))
		a->cpu = below(rng, p->machine.nr_cpus);
	return true;
}

static bool mut_actor_edit(struct program *p, uint64_t *rng)
{
	struct prog_actor *a;

	if (!p->nr_actors)
		return false;
	a = &p->actors[below(rng, p->nr_actors)];
	switch (below(rng, 5)) {
	case 0:
	case 1:
		if (p->machine.nr_cpus < 2)
			return false;
		a->cpu = (a->cpu + 1 + below(rng, p->machine.nr_cpus - 1)) % p->machine.nr_cpus;
		break;
	case 2:
	case 3:
		if (a->kind == ACTOR_TASK)
			return false;
		a->fires = 1 + below(rng, PROG_MAX_FIRES);
		break;
	default:
		/* a task's ops as an interrupt handler, or the reverse */
		a->kind = (a->kind + 1 + below(rng, ACTOR_KIND_NR - 1)) % ACTOR_KIND_NR;
		a->fires = a->kind == ACTOR_TASK ? 1 : 1 + below(rng, PROG_MAX_FIRES);
		break;
	}
	return true;
}

/* ---- fault plan ------------------------------------------------------ */

static void gen_fault_value(uint64_t *rng, struct prog_fault *f)
{
	static const uint8_t pct[] = { 1, 5, 10, 25, 50, 100 };

	switch (f->type) {
	case FAULT_FAIL_NTH:
		f->value = chance(rng, 70) ? 1 + below(rng, 8) : 1 + below(rng, 32);
		break;
	case FAULT_INTERVAL:
		f->value = chance(rng, 70) ? 2 + below(rng, 7) : 1 + below(rng, 16);
		break;
	default:
		f->value = chance(rng, 70) ? pct[below(rng, ARRAY_SIZE(pct))] : 1 + below(rng, 100);
		break;
	}
}

static void gen_fault_field(uint64_t *rng, const struct program *p, struct prog_fault *f,
			    int field)
{
	static const unsigned int w_type[FAULT_TYPE_NR] = { 45, 25, 30 };

	switch (field) {
	case 0:
		f->type = pick_weighted(rng, w_type, FAULT_TYPE_NR);
		gen_fault_value(rng, f);
		break;
	case 1:
		gen_fault_value(rng, f);
		break;
	case 2:	/* any actor, or the one whose allocations should fail */
		f->actor = chance(rng, 50) || !p->nr_actors ? 0 : 1 + below(rng, p->nr_actors);
		break;
	case 3:
		f->ctx = chance(rng, 60) ? 0 : 1 + below(rng, LAB_CTX_NR_PLUS_ANY - 1);
		break;
	case 4:
		f->min_order = chance(rng, 70) ? 0 : 1 + below(rng, 3);
		break;
	case 5:
		f->times = chance(rng, 50) ? 0 : 1 + below(rng, 3);
		break;
	default:
		f->ignore_gfp_wait = chance(rng, 30);
		break;
	}
}

static bool mut_fault_insert(struct program *p, uint64_t *rng)
{
	struct prog_fault *f;
	int field;

	if (p->nr_faults >= PROG_MAX_FAULTS)
		return false;
	f = &p->faults[p->nr_faults++];
	memset(f, 0, sizeof(*f));
	for (field = 0; field < 7; field++)
		gen_fault_field(rng, p, f, field);
	return true;
}

static bool mut_fault_delete(struct program *p, uint64_t *rng)
{
	int i;

	if (!p->nr_faults)
		return false;
	for (i = below(rng, p->nr_faults); i + 1 < p->nr_faults; i++)
		p->faults[i] = p->faults[i + 1];
	p->nr_faults--;
	memset(&p->faults[p->nr_faults], 0, sizeof(p->faults[0]));
	return true;
}

static bool mut_fault_edit(struct program *p, uint64_t *rng)
{
	if (!p->nr_faults)
		return false;
	gen_fault_field(rng, p, &p->faults[below(rng, p->nr_faults)], below(rng, 7));
	return true;
}

/* ---- schedule (fuzz/mutate_sched.c) ---------------------------------- */

static bool mut_sched(struct program *p, uint64_t *rng, enum sched_mut what)
{
	return sched_mutate(p->sched, &p->sched_len, PROG_MAX_SCHED, p->machine.nr_cpus,
			    what, rng);
}

static bool mut_sched_insert(struct program *p, uint64_t *rng)
{
	return mut_sched(p, rng, SCHED_MUT_INSERT);
}

static bool mut_sched_delete(struct program *p, uint64_t *rng)
{
	return mut_sched(p, rng, SCHED_MUT_DELETE);
}

static bool mut_sched_change(struct program *p, uint64_t *rng)
{
	return mut_sched(p, rng, SCHED_MUT_CHANGE);
}

static bool mut_sched_splice(struct program *p, uint64_t *rng)
{
	return mut_sched(p, rng, SCHED_MUT_SPLICE);
}

/* ---- machine --------------------------------------------------------- */

static bool mut_machine(struct program *p, uint64_t *rng)
{
	switch (below(rng, 4)) {
	case 0:
		p->machine.nr_cpus = 1 + below(rng, PROG_MAX_CPUS);
		break;
	case 1:
		p->machine.kswapd = !p->machine.kswapd;
		break;
	default:
		p->machine.knob[below(rng, KNOB_NR)] = below(rng, PROG_KNOB_CHOICES);
		break;
	}
	return true;
}

/* ---- the mutator ------------------------------------------------------ */

/*
 * Weights out of 100. Ops get about half (they carry the behaviour),
 * the schedule a fifth (it decides the interleaving), the rest is
 * shared by actors, faults and the machine. A mutation that does not
 * apply (no actor to delete) returns false and another is drawn.
 */
static const unsigned int mut_weight[MUT_NR] = {
	[MUT_OP_INSERT]		= 13,
	[MUT_OP_DELETE]		= 5,
	[MUT_OP_SWAP]		= 4,
	[MUT_OP_COPY]		= 3,
	[MUT_OP_REPEAT]		= 3,
	[MUT_OP_PARAM]		= 11,
	[MUT_OP_BRACKET]	= 6,
	[MUT_OP_PAIR]		= 7,
	[MUT_ACTOR_INSERT]	= 5,
	[MUT_ACTOR_DELETE]	= 3,
	[MUT_ACTOR_COPY]	= 3,
	[MUT_ACTOR_EDIT]	= 4,
	[MUT_FAULT_INSERT]	= 4,
	[MUT_FAULT_DELETE]	= 2,
	[MUT_FAULT_EDIT]	= 4,
	[MUT_SCHED_INSERT]	= 8,
	[MUT_SCHED_DELETE]	= 3,
	[MUT_SCHED_CHANGE]	= 7,
	[MUT_SCHED_SPLICE]	= 3,
	[MUT_MACHINE]		= 2,
};

static bool (*const mut_fn[MUT_NR])(struct program *, uint64_t *) = {
	[MUT_OP_INSERT]		= mut_op_insert,
	[MUT_OP_DELETE]		= mut_op_delete,
	[MUT_OP_SWAP]		= mut_op_swap,
	[MUT_OP_COPY]		= mut_op_copy,
	[MUT_OP_REPEAT]		= mut_op_repeat,
	[MUT_OP_PARAM]		= mut_op_param,
	[MUT_OP_BRACKET]	= mut_op_bracket,
	[MUT_OP_PAIR]		= mut_op_pair,
	[MUT_ACTOR_INSERT]	= mut_actor_insert,
	[MUT_ACTOR_DELETE]	= mut_actor_delete,
	[MUT_ACTOR_COPY]	= mut_actor_copy,
	[MUT_ACTOR_EDIT]	= mut_actor_edit,
	[MUT_FAULT_INSERT]	= mut_fault_insert,
	[MUT_FAULT_DELETE]	= mut_fault_delete,
	[MUT_FAULT_EDIT]	= mut_fault_edit,
	[MUT_SCHED_INSERT]	= mut_sched_insert,
	[MUT_SCHED_DELETE]	= mut_sched_delete,
	[MUT_SCHED_CHANGE]	= mut_sched_change,
	[MUT_SCHED_SPLICE]	= mut_sched_splice,
	[MUT_MACHINE]		= mut_machine,
};

int program_mutate(struct program *p, uint64_t *rng)
{
	static struct program q;	/* not reentrant, like the engines' callers */
	int t, kind;

	/* the generators read the state of a legal program */
	program_legalize(p);
	for (t = 0; t < MUT_TRIES; t++) {
		q = *p;
		kind = pick_weighted(rng, mut_weight, MUT_NR);
		if (!mut_fn[kind](&q, rng))
			continue;
		program_legalize(&q);
		if (!program_equal(&q, p)) {
			*p = q;
			return kind;
		}
	}
	return -1;
}

static void cross_once(struct program *out, const struct program *a,
		       const struct program *b, uint64_t *rng)
{
	int parts = 0, i, n, ca, cb;

	*out = *a;
	while (!parts) {
		/* actors: some of b's replace or follow a's */
		if (b->nr_actors && chance(rng, 60)) {
			parts++;
			n = 1 + below(rng, b->nr_actors);
			for (i = 0; i < n; i++) {
				const struct prog_actor *src = &b->actors[below(rng, b->nr_actors)];

				if (out->nr_actors < PROG_MAX_ACTORS && chance(rng, 50))
					out->actors[out->nr_actors++] = *src;
				else if (out->nr_actors)
					out->actors[below(rng, out->nr_actors)] = *src;
				else
					out->actors[out->nr_actors++] = *src;
			}
		}
		if (chance(rng, 25)) {
			parts++;
			out->nr_faults = b->nr_faults;
			memcpy(out->faults, b->faults, sizeof(out->faults));
		}
		/* schedule: a's prefix, b's suffix, cut at pair boundaries */
		if (chance(rng, 40)) {
			parts++;
			ca = 2 * below(rng, a->sched_len / 2 + 1);
			cb = 2 * below(rng, b->sched_len / 2 + 1);
			n = min(b->sched_len - cb, PROG_MAX_SCHED - ca);
			memcpy(out->sched + ca, b->sched + cb, n);
			out->sched_len = ca + n;
			memset(out->sched + out->sched_len, 0, PROG_MAX_SCHED - out->sched_len);
		}
		if (chance(rng, 10)) {
			parts++;
			out->machine = b->machine;
		}
	}
	program_legalize(out);
}

void program_crossover(struct program *out, const struct program *a,
		       const struct program *b, uint64_t *rng)
{
	int t;

	/* a mix can come out equal to a (b's part was a's): draw again */
	for (t = 0; t < MUT_TRIES; t++) {
		cross_once(out, a, b, rng);
		if (!program_equal(out, a))
			return;
	}
}

/* ---- bytes ------------------------------------------------------------ */

size_t program_encode_max(struct program *p, uint8_t *out, size_t max)
{
	uint8_t buf[PROG_MAX_BYTES];
	size_t len = program_encode(p, buf, sizeof(buf));

	if (len > max) {
		size_t over = len - max;

		if (over > p->sched_len)
			return 0;
		p->sched_len -= over;
		len -= over;
	}
	memcpy(out, buf, len);
	return len;
}

size_t program_mutate_bytes(const uint8_t *data, size_t size, uint8_t *out,
			    size_t max, unsigned int rounds, uint64_t *rng, int *kind)
{
	static struct program p;
	int k = -1;
	unsigned int r;

	program_decode(data, size, &p);
	for (r = 0; r < rounds; r++) {
		int got = program_mutate(&p, rng);

		if (got >= 0)
			k = got;
	}
	if (kind)
		*kind = k;
	return program_encode_max(&p, out, max);
}

size_t program_crossover_bytes(const uint8_t *d1, size_t s1, const uint8_t *d2,
			       size_t s2, uint8_t *out, size_t max, uint64_t *rng)
{
	static struct program a, b, c;

	program_decode(d1, s1, &a);
	program_decode(d2, s2, &b);
	program_crossover(&c, &a, &b, rng);
	return program_encode_max(&c, out, max);
}
