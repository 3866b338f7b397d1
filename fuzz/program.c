// SPDX-License-Identifier: MIT
/*
 * program.c: the byte form of programs, and legalization.
 *
 * Decoding never trusts a byte (STYLE.md example 5): every value wraps
 * into its range, counts clamp, a section cut short by the end of the
 * input simply ends. Legalization then rewrites or drops what would
 * break the kernel API contract, so every report from running a
 * decoded program blames the allocator. docs/programs.md lists the
 * rules with their kernel sources; this file is their one
 * implementation, program_is_legal() (legal.c) their independent check.
 */
#include <string.h>
#include <labyrinth/kernel.h>
#include "fuzz/program.h"
#include "fuzz/program_int.h"

/* ---- knobs ---------------------------------------------------------- */

/*
 * Index 0 is mm.h's default, so an all-zero set-up byte is the default
 * machine. Every combination is valid: the largest batch (8) is at most
 * the smallest high mark (8), as pageset_update() expects batch <= high.
 */
static const long knob_values[KNOB_NR][PROG_KNOB_CHOICES] = {
	[KNOB_MIN_FREE]		= { 64, 16, 32, 128 },
	[KNOB_WSF]		= { 10, 1, 100, 300 },
	[KNOB_PCP_HIGH]		= { 12, 8, 32, 64 },
	[KNOB_PCP_BATCH]	= { 4, 1, 2, 8 },
	[KNOB_RECLAIMABLE]	= { 128, 16, 32, 256 },	/* 0 would mean "default" */
};

static const char *const knob_names[KNOB_NR] = {
	[KNOB_MIN_FREE]		= "min_free",
	[KNOB_WSF]		= "wsf",
	[KNOB_PCP_HIGH]		= "pcp_high",
	[KNOB_PCP_BATCH]	= "pcp_batch",
	[KNOB_RECLAIMABLE]	= "reclaimable",
};

long program_knob_value(enum prog_knob k, unsigned int idx)
{
	if ((unsigned int)k >= KNOB_NR)
		return 0;
	return knob_values[k][idx % PROG_KNOB_CHOICES];
}

const char *program_knob_name(enum prog_knob k)
{
	return (unsigned int)k < KNOB_NR ? knob_names[k] : "?";
}

void program_init(struct program *p)
{
	memset(p, 0, sizeof(*p));
	p->machine.nr_cpus = 1;
}

bool program_equal(const struct program *a, const struct program *b)
{
	uint8_t ea[PROG_MAX_BYTES], eb[PROG_MAX_BYTES];
	size_t la = program_encode(a, ea, sizeof(ea));
	size_t lb = program_encode(b, eb, sizeof(eb));

	return la == lb && !memcmp(ea, eb, la);
}

/* ---- decode --------------------------------------------------------- */

/* A reader that returns 0 past the end and remembers it ran out. */
struct reader {
	const uint8_t *p;
	size_t len, pos;
};

static bool rd_left(const struct reader *r, size_t n)
{
	return r->len - r->pos >= n;
}

static uint8_t rd_byte(struct reader *r)
{
	return r->pos < r->len ? r->p[r->pos++] : 0;
}

/*
 * Byte layout (docs/programs.md, "Bytes"):
 *   machine[2] nr_actors { actor_hdr[2] op[4]* }* nr_faults fault[4]* schedule...
 */
void program_decode(const uint8_t *data, size_t len, struct program *p)
{
	struct reader r = { data, data ? len : 0, 0 };
	uint8_t b;
	int i, n;

	program_init(p);
	b = rd_byte(&r);
	p->machine.nr_cpus = 1 + (b & 3);
	p->machine.kswapd = (b >> 2) & 1;
	p->machine.knob[KNOB_MIN_FREE] = (b >> 3) & 3;
	p->machine.knob[KNOB_WSF] = (b >> 5) & 3;
	b = rd_byte(&r);
	p->machine.knob[KNOB_PCP_HIGH] = b & 3;
	p->machine.knob[KNOB_PCP_BATCH] = (b >> 2) & 3;
	p->machine.knob[KNOB_RECLAIMABLE] = (b >> 4) & 3;

	n = rd_byte(&r) % (PROG_MAX_ACTORS + 1);
	for (i = 0; i < n && rd_left(&r, 2); i++) {
		struct prog_actor *a = &p->actors[p->nr_actors++];
		int k, nops;

		b = rd_byte(&r);
		a->kind = (b & 3) % ACTOR_KIND_NR;
		a->cpu = (b >> 2) & 3;
		a->fires = 1 + ((b >> 4) & 3);
		nops = rd_byte(&r) % (PROG_MAX_OPS + 1);
		for (k = 0; k < nops && rd_left(&r, 4); k++) {
			struct prog_op *op = &a->ops[a->nr_ops++];

			op->code = rd_byte(&r) % OP_NR;
			op->a = rd_byte(&r);
			op->b = rd_byte(&r);
			op->c = rd_byte(&r);
		}
	}

	n = rd_byte(&r) % (PROG_MAX_FAULTS + 1);
	for (i = 0; i < n && rd_left(&r, 4); i++) {
		struct prog_fault *f = &p->faults[p->nr_faults++];

		b = rd_byte(&r);
		f->type = (b & 3) % FAULT_TYPE_NR;
		f->ctx = (b >> 2) & 3;
		f->ignore_gfp_wait = (b >> 4) & 1;
		f->min_order = (b >> 5) & 3;
		f->value = rd_byte(&r);		/* value - 1, wrapped below */
		f->actor = rd_byte(&r);
		f->times = rd_byte(&r);
		f->value = 1 + f->value % fault_value_max(f->type);
	}

	while (r.pos < r.len && p->sched_len < PROG_MAX_SCHED)
		p->sched[p->sched_len++] = rd_byte(&r);

	program_legalize(p);
}

size_t program_encode(const struct program *p, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int i, k;

	if (cap < PROG_MAX_BYTES)
		return 0;
	out[n++] = ((p->machine.nr_cpus - 1) & 3) | (p->machine.kswapd << 2) |
		   ((p->machine.knob[KNOB_MIN_FREE] & 3) << 3) |
		   ((p->machine.knob[KNOB_WSF] & 3) << 5);
	out[n++] = (p->machine.knob[KNOB_PCP_HIGH] & 3) |
		   ((p->machine.knob[KNOB_PCP_BATCH] & 3) << 2) |
		   ((p->machine.knob[KNOB_RECLAIMABLE] & 3) << 4);
	/* counts are clamped so a raw struct never makes us overrun */
	out[n++] = min(p->nr_actors, PROG_MAX_ACTORS);
	for (i = 0; i < min(p->nr_actors, PROG_MAX_ACTORS); i++) {
		const struct prog_actor *a = &p->actors[i];
		int nops = min(a->nr_ops, PROG_MAX_OPS);

		out[n++] = (a->kind & 3) | ((a->cpu & 3) << 2) | (((a->fires - 1) & 3) << 4);
		out[n++] = nops;
		for (k = 0; k < nops; k++) {
			out[n++] = a->ops[k].code;
			out[n++] = a->ops[k].a;
			out[n++] = a->ops[k].b;
			out[n++] = a->ops[k].c;
		}
	}
	out[n++] = min(p->nr_faults, PROG_MAX_FAULTS);
	for (i = 0; i < min(p->nr_faults, PROG_MAX_FAULTS); i++) {
		const struct prog_fault *f = &p->faults[i];

		out[n++] = (f->type & 3) | ((f->ctx & 3) << 2) |
			   (f->ignore_gfp_wait << 4) | ((f->min_order & 3) << 5);
		out[n++] = (uint8_t)(f->value - 1);
		out[n++] = f->actor;
		out[n++] = f->times;
	}
	memcpy(out + n, p->sched, min(p->sched_len, PROG_MAX_SCHED));
	return n + min(p->sched_len, PROG_MAX_SCHED);
}

int fault_value_max(unsigned int type)
{
	switch (type) {
	case FAULT_FAIL_NTH:	return 32;
	case FAULT_INTERVAL:	return 16;
	default:		return 100;
	}
}

/* ---- legalization --------------------------------------------------- */

bool gfp_class_blocks(unsigned int cls)
{
	/* gfpflags_allow_blocking(): only these carry __GFP_DIRECT_RECLAIM */
	return cls == GFPC_KERNEL || cls == GFPC_NOIO || cls == GFPC_NOFS;
}

/* Which contexts may use client lock l (a, b: tasks; c: + softirq; d: all). */
bool lock_usable(unsigned int l, unsigned int kind)
{
	switch (kind) {
	case ACTOR_TASK:	return true;
	case ACTOR_SOFTIRQ:	return l >= LOCK_C;
	default:		return l == LOCK_D;
	}
}

void ctx_init(struct ctx_state *s, unsigned int kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
}

bool ctx_atomic(const struct ctx_state *s)
{
	int i;

	if (s->kind != ACTOR_TASK)
		return true;
	for (i = 0; i < s->depth; i++)
		if (s->held[i].what != HELD_MUTEX)
			return true;
	return false;
}

bool ctx_irqs_off(const struct ctx_state *s)
{
	int i;

	if (s->kind == ACTOR_HARDIRQ)
		return true;
	for (i = 0; i < s->depth; i++)
		if (s->held[i].what == HELD_IRQ ||
		    (s->held[i].what == HELD_LOCK && s->held[i].kind == LOCKK_IRQSAVE))
			return true;
	return false;
}

bool ctx_bh_off(const struct ctx_state *s)
{
	int i;

	if (s->kind == ACTOR_SOFTIRQ)
		return true;
	for (i = 0; i < s->depth; i++)
		if (s->held[i].what == HELD_BH ||
		    (s->held[i].what == HELD_LOCK && s->held[i].kind == LOCKK_BH))
			return true;
	return false;
}

int ctx_max_lock(const struct ctx_state *s)
{
	int i, m = -1;

	for (i = 0; i < s->depth; i++)
		if (s->held[i].what == HELD_LOCK && s->held[i].lock > m)
			m = s->held[i].lock;
	return m;
}

bool ctx_holds_mutex(const struct ctx_state *s)
{
	return s->depth && s->held[0].what == HELD_MUTEX;
}

/*
 * bhring is guarded by spin_lock_bh(): not from hardirq context, and not
 * with IRQs off (local_bh_enable() WARNs on both, __local_bh_enable_ip()).
 */
bool chan_usable(unsigned int chan, const struct ctx_state *s)
{
	return chan != CHAN_BHRING || !ctx_irqs_off(s);
}

static void push(struct ctx_state *s, uint8_t what, uint8_t lock, uint8_t kind)
{
	s->held[s->depth].what = what;
	s->held[s->depth].lock = lock;
	s->held[s->depth].kind = kind;
	s->depth++;
}

static bool top_is(const struct ctx_state *s, uint8_t what)
{
	return s->depth && s->held[s->depth - 1].what == what;
}

static int first_empty_slot(const struct ctx_state *s)
{
	int i;

	for (i = 0; i < PROG_NR_SLOTS; i++)
		if (s->slot[i] == SLOT_EMPTY)
			return i;
	return -1;
}

/* Canonical gfp byte for alloc: class wrapped, reserved bits clear. */
static uint8_t gfp_canon(uint8_t g)
{
	uint8_t cls = (g & 7) % GFPC_NR;
	uint8_t mods = g & GFPM_ALL;

	if (cls == GFPC_ATOMIC)
		mods &= ~GFPM_HIGH;	/* GFP_ATOMIC already has __GFP_HIGH */
	return cls | mods;
}

/* Pages a program may allocate in one run, at most (NOFAIL budget). */
static unsigned long alloc_budget(const struct program *p)
{
	unsigned long sum = 0;
	int i, k;

	for (i = 0; i < p->nr_actors; i++)
		for (k = 0; k < p->actors[i].nr_ops; k++)
			if (p->actors[i].ops[k].code == OP_ALLOC)
				sum += (unsigned long)p->actors[i].fires <<
				       (p->actors[i].ops[k].c % (PROG_MAX_ORDER + 1));
	return sum;
}

static bool has_exhaust(const struct program *p)
{
	int i, k;

	for (i = 0; i < p->nr_actors; i++)
		for (k = 0; k < p->actors[i].nr_ops; k++)
			if (p->actors[i].ops[k].code == OP_EXHAUST)
				return true;
	return false;
}

/* First softirq actor on cpu, -1 if none. */
static int softirq_on(const struct program *p, int cpu)
{
	int i;

	for (i = 0; i < p->nr_actors; i++)
		if (p->actors[i].kind == ACTOR_SOFTIRQ && p->actors[i].cpu == cpu)
			return i;
	return -1;
}

/*
 * Legalize one op given the actor's state before it. Returns false to
 * drop the op; otherwise rewrites it in place and updates the state.
 */
static bool legalize_op(const struct program *p, int actor, struct prog_op *op,
			struct ctx_state *s, struct prog_state *g)
{
	const struct prog_actor *a = &p->actors[actor];
	bool atomic = ctx_atomic(s), task = a->kind == ACTOR_TASK;
	int slot, t;

	op->code %= OP_NR;
	switch (op->code) {
	case OP_ALLOC:
	case OP_TAKE:
	case OP_PALLOC:
		slot = op->a % PROG_NR_SLOTS;
		if (s->slot[slot] != SLOT_EMPTY)
			slot = first_empty_slot(s);
		if (slot < 0)
			return false;
		op->a = slot;
		if (op->code == OP_ALLOC) {
			op->c %= PROG_MAX_ORDER + 1;
			op->b = gfp_canon(op->b);
			if (atomic && gfp_class_blocks(op->b & 7))
				op->b = gfp_canon(GFPC_ATOMIC | (op->b & GFPM_ALL));
			/*
			 * __GFP_NOFAIL: only with __GFP_DIRECT_RECLAIM and
			 * order <= 1 (__alloc_pages_slowpath() warns on
			 * both), and only when memory cannot run out for
			 * good (no exhaustion, a small budget): without
			 * an OOM killer the kernel would loop forever.
			 */
			if ((op->b & GFPM_NOFAIL) &&
			    (!gfp_class_blocks(op->b & 7) || op->c > 1 ||
			     !g->nofail_ok))
				op->b &= ~GFPM_NOFAIL;
			s->slot[slot] = SLOT_PAGE;
		} else if (op->code == OP_TAKE) {
			op->b %= PROG_NR_CHANS;
			op->c = 0;
			if (!chan_usable(op->b, s))
				return false;
			if (op->b >= CHAN_SPSC0) {
				t = op->b - CHAN_SPSC0;
				if (g->spsc_consumer[t] < 0)
					g->spsc_consumer[t] = actor;
				else if (g->spsc_consumer[t] != actor)
					return false;
			}
			s->slot[slot] = SLOT_PAGE;
		} else {
			op->b %= PROG_NR_POOLS;
			/* mempool_alloc() adds NOMEMALLOC itself; NOFAIL is not for pools */
			op->c = gfp_canon(op->c) & (7 | GFPM_NOWARN | GFPM_HIGH);
			/*
			 * A blocking mempool_alloc() waits for an element to
			 * come back; it may only do so when it cannot be the
			 * one holding it up: not atomic, no element held, no
			 * mutex held (mm/mempool.c's forward-progress rule).
			 */
			if (gfp_class_blocks(op->c & 7) &&
			    (atomic || ctx_holds_mutex(s) || s->nr_pool_slots))
				op->c = gfp_canon(GFPC_ATOMIC | (op->c & GFPM_ALL));
			s->slot[slot] = SLOT_POOL;
			s->nr_pool_slots++;
		}
		return true;
	case OP_FREE:
	case OP_TOUCH:
	case OP_GIVE:
	case OP_PFREE:
		op->a %= PROG_NR_SLOTS;
		op->c = 0;
		if (op->code != OP_GIVE)
			op->b = 0;
		if (op->code == OP_TOUCH)
			return s->slot[op->a] != SLOT_EMPTY;
		if (op->code == OP_PFREE) {
			if (s->slot[op->a] != SLOT_POOL)
				return false;
			s->nr_pool_slots--;
		} else if (s->slot[op->a] != SLOT_PAGE) {
			return false;
		}
		if (op->code == OP_GIVE) {
			op->b %= PROG_NR_CHANS;
			if (!chan_usable(op->b, s))
				return false;
			if (op->b >= CHAN_SPSC0) {
				t = op->b - CHAN_SPSC0;
				if (g->spsc_producer[t] < 0)
					g->spsc_producer[t] = actor;
				else if (g->spsc_producer[t] != actor)
					return false;
			}
		}
		s->slot[op->a] = SLOT_EMPTY;
		return true;
	case OP_LOCK:
		op->a %= PROG_NR_LOCKS;
		op->b %= LOCKK_NR;
		op->c = 0;
		/* one global order a < b < c < d: no ABBA between client locks */
		if (!lock_usable(op->a, a->kind) || (int)op->a <= ctx_max_lock(s))
			return false;
		/* local_bh_enable() WARNs in hardirq or with IRQs off */
		if (op->b == LOCKK_BH && ctx_irqs_off(s))
			op->b = LOCKK_PLAIN;
		/*
		 * lockdep's usage rule (mark_usage(), kernel/locking/
		 * lockdep.c): c is used in softirq, so elsewhere it must be
		 * taken with softirqs (or hardirqs) off; d is used in
		 * hardirq, so it must be taken with hardirqs off.
		 */
		if (op->a == LOCK_C && op->b == LOCKK_PLAIN &&
		    !ctx_bh_off(s) && !ctx_irqs_off(s))
			op->b = LOCKK_BH;
		if (op->a == LOCK_D && op->b != LOCKK_IRQSAVE && !ctx_irqs_off(s))
			op->b = LOCKK_IRQSAVE;
		push(s, HELD_LOCK, op->a, op->b);
		return true;
	case OP_UNLOCK:
		op->b = op->c = 0;
		if (!top_is(s, HELD_LOCK))
			return false;
		op->a = s->held[--s->depth].lock;
		return true;
	case OP_IRQ_SAVE:
	case OP_PREEMPT_DISABLE:
	case OP_BH_DISABLE:
		op->a = op->b = op->c = 0;
		if (op->code == OP_BH_DISABLE && ctx_irqs_off(s))
			return false;
		push(s, op->code == OP_IRQ_SAVE ? HELD_IRQ :
		     op->code == OP_BH_DISABLE ? HELD_BH : HELD_PREEMPT, 0, 0);
		return true;
	case OP_IRQ_RESTORE:
	case OP_PREEMPT_ENABLE:
	case OP_BH_ENABLE:
	case OP_MUTEX_UNLOCK:
		op->a = op->b = op->c = 0;
		t = op->code == OP_IRQ_RESTORE ? HELD_IRQ :
		    op->code == OP_PREEMPT_ENABLE ? HELD_PREEMPT :
		    op->code == OP_BH_ENABLE ? HELD_BH : HELD_MUTEX;
		if (!top_is(s, t))
			return false;
		s->depth--;
		return true;
	case OP_SLEEP:
		op->a %= 4;
		op->b = op->c = 0;
		return task && !atomic;
	case OP_MUTEX_LOCK:
		op->a = op->b = op->c = 0;
		if (!task || atomic || ctx_holds_mutex(s))
			return false;
		push(s, HELD_MUTEX, 0, 0);
		return true;
	case OP_RAISE:
		op->a %= PROG_MAX_ACTORS;
		op->b = op->c = 0;
		if (op->a >= p->nr_actors || p->actors[op->a].kind != ACTOR_SOFTIRQ ||
		    p->actors[op->a].cpu != a->cpu) {
			t = softirq_on(p, a->cpu);
			if (t < 0)
				return false;
			op->a = t;
		}
		return true;
	case OP_EXHAUST:
		/*
		 * Exhaustion drains the per-CPU lists first (spin_lock on
		 * each pcp->lock): process context only, like OP_DRAIN.
		 */
		op->a %= 2;
		op->b %= LINE_NR;
		op->c = 0;
		return task && !atomic;
	case OP_FAILNEXT:
		op->a %= 8;
		op->b = op->c = 0;
		return true;
	case OP_DRAIN:
		/*
		 * v6.x drains from process context (drain_local_pages_wq):
		 * in atomic context the interrupted owner of this CPU's
		 * pcp lock would deadlock the drain.
		 */
		op->a %= 2;
		op->b = op->c = 0;
		return task && !atomic;
	case OP_KSWAPD:
		op->a %= 2;
		op->b = op->c = 0;
		return true;
	case OP_RELEASE:
	default:
		op->a = op->b = op->c = 0;
		return true;
	}
}

int program_legalize(struct program *p)
{
	uint8_t before[PROG_MAX_BYTES], after[PROG_MAX_BYTES];
	struct prog_state g;
	size_t lb, la;
	int i, k, changes = 0;

	/* Snapshot in the raw layout so changes can be counted. */
	lb = program_encode(p, before, sizeof(before));

	p->machine.nr_cpus = 1 + (p->machine.nr_cpus + PROG_MAX_CPUS - 1) % PROG_MAX_CPUS;
	p->machine.kswapd = !!p->machine.kswapd;
	for (i = 0; i < KNOB_NR; i++)
		p->machine.knob[i] %= PROG_KNOB_CHOICES;
	if (p->nr_actors > PROG_MAX_ACTORS)
		p->nr_actors = PROG_MAX_ACTORS;
	for (i = 0; i < p->nr_actors; i++) {
		struct prog_actor *a = &p->actors[i];

		a->kind %= ACTOR_KIND_NR;
		a->cpu %= p->machine.nr_cpus;
		if (a->kind == ACTOR_TASK || !a->fires)
			a->fires = 1;
		if (a->fires > PROG_MAX_FIRES)
			a->fires = 1 + (a->fires - 1) % PROG_MAX_FIRES;
		if (a->nr_ops > PROG_MAX_OPS)
			a->nr_ops = PROG_MAX_OPS;
		for (k = 0; k < a->nr_ops; k++)
			a->ops[k].code %= OP_NR;
	}

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 2; i++)
		g.spsc_producer[i] = g.spsc_consumer[i] = -1;
	g.nofail_ok = !has_exhaust(p) && alloc_budget(p) <= NOFAIL_BUDGET;

	for (i = 0; i < p->nr_actors; i++) {
		struct prog_actor *a = &p->actors[i];
		struct ctx_state s;
		int n = 0;

		ctx_init(&s, a->kind);
		for (k = 0; k < a->nr_ops; k++) {
			struct prog_op op = a->ops[k];

			if (legalize_op(p, i, &op, &s, &g))
				a->ops[n++] = op;
		}
		for (k = n; k < a->nr_ops; k++)
			memset(&a->ops[k], 0, sizeof(a->ops[k]));
		a->nr_ops = n;
	}

	for (i = 0; i < p->nr_faults && i < PROG_MAX_FAULTS; i++) {
		struct prog_fault *f = &p->faults[i];

		f->type %= FAULT_TYPE_NR;
		if (f->value < 1 || f->value > fault_value_max(f->type))
			f->value = 1 + (f->value + fault_value_max(f->type) - 1) %
				       fault_value_max(f->type);
		f->actor %= p->nr_actors + 1;
		f->ctx %= LAB_CTX_NR_PLUS_ANY;
		f->min_order %= 4;
		f->times %= 16;
		f->ignore_gfp_wait = !!f->ignore_gfp_wait;
	}
	if (p->nr_faults > PROG_MAX_FAULTS)
		p->nr_faults = PROG_MAX_FAULTS;
	if (p->sched_len > PROG_MAX_SCHED)
		p->sched_len = PROG_MAX_SCHED;

	la = program_encode(p, after, sizeof(after));
	if (la != lb || memcmp(before, after, la)) {
		/* count differing ops, at least 1 */
		size_t m = la < lb ? la : lb;

		for (i = 0; i < (int)m; i++)
			changes += before[i] != after[i];
		changes += (int)(la > lb ? la - lb : lb - la) / 4;
		if (!changes)
			changes = 1;
	}
	return changes;
}

/* ---- names ---------------------------------------------------------- */

static const char *const op_names[OP_NR] = {
	[OP_ALLOC]		= "alloc",
	[OP_FREE]		= "free",
	[OP_TOUCH]		= "touch",
	[OP_GIVE]		= "give",
	[OP_TAKE]		= "take",
	[OP_PALLOC]		= "palloc",
	[OP_PFREE]		= "pfree",
	[OP_LOCK]		= "lock",
	[OP_UNLOCK]		= "unlock",
	[OP_IRQ_SAVE]		= "irq_save",
	[OP_IRQ_RESTORE]	= "irq_restore",
	[OP_PREEMPT_DISABLE]	= "preempt_disable",
	[OP_PREEMPT_ENABLE]	= "preempt_enable",
	[OP_BH_DISABLE]		= "bh_disable",
	[OP_BH_ENABLE]		= "bh_enable",
	[OP_SLEEP]		= "sleep",
	[OP_MUTEX_LOCK]		= "mutex_lock",
	[OP_MUTEX_UNLOCK]	= "mutex_unlock",
	[OP_RAISE]		= "raise",
	[OP_EXHAUST]		= "exhaust",
	[OP_RELEASE]		= "release",
	[OP_FAILNEXT]		= "failnext",
	[OP_DRAIN]		= "drain",
	[OP_KSWAPD]		= "kswapd",
};

const char *program_op_name(unsigned int code)
{
	return code < OP_NR ? op_names[code] : "?";
}

static const char *const gfp_class_names[GFPC_NR] = {
	"ATOMIC", "NOWAIT", "KERNEL", "NOIO", "NOFS",
};

const char *program_gfp_class_name(unsigned int cls)
{
	return cls < GFPC_NR ? gfp_class_names[cls] : "?";
}

unsigned int program_gfp_mask(uint8_t g)
{
	static const unsigned int cls_mask[GFPC_NR] = {
		GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL, GFP_NOIO, GFP_NOFS,
	};
	unsigned int m = cls_mask[(g & 7) % GFPC_NR];

	if (g & GFPM_NOFAIL)
		m |= __GFP_NOFAIL;
	if (g & GFPM_MEMALLOC)
		m |= __GFP_MEMALLOC;
	if (g & GFPM_NOMEMALLOC)
		m |= __GFP_NOMEMALLOC;
	if (g & GFPM_NOWARN)
		m |= __GFP_NOWARN;
	if (g & GFPM_HIGH)
		m |= __GFP_HIGH;
	return m;
}

static const char *const line_names[LINE_NR] = {
	"high", "low", "min", "atomic", "highatomic", "zero",
};

const char *program_line_name(unsigned int line)
{
	return line < LINE_NR ? line_names[line] : "?";
}

static const char *const chan_names[PROG_NR_CHANS] = {
	"ring", "bhring", "spsc0", "spsc1",
};

const char *program_chan_name(unsigned int chan)
{
	return chan < PROG_NR_CHANS ? chan_names[chan] : "?";
}

static const char *const kind_prefix[ACTOR_KIND_NR] = { "task", "irq", "softirq" };

void program_actor_name(const struct program *p, int idx, char *buf, size_t len)
{
	int i, n = 0;

	if (idx < 0 || idx >= p->nr_actors) {
		snprintf(buf, len, "?");
		return;
	}
	for (i = 0; i < idx; i++)
		n += p->actors[i].kind == p->actors[idx].kind;
	snprintf(buf, len, "%s%d", kind_prefix[p->actors[idx].kind % ACTOR_KIND_NR], n);
}
