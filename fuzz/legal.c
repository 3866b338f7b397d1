// SPDX-License-Identifier: MIT
/*
 * legal.c: program_is_legal(), the validator of the legalization rules.
 *
 * Written apart from program_legalize() on purpose: it tracks the
 * context with plain counters (IRQ-off, bh-off, atomic depth) the way
 * the kernel's preempt_count would, rather than with the legalizer's
 * held-item helpers, so a mistake in one is not silently shared by the
 * other. It changes nothing and says whether every rule of
 * docs/programs.md holds.
 */
#include <string.h>
#include "fuzz/program.h"
#include "fuzz/program_int.h"

struct vstate {
	int kind;
	int irq_off;		/* reasons IRQs are off (handler counts one) */
	int bh_off;		/* reasons softirqs are off (serving counts one) */
	int atomic;		/* reasons preempt_count != 0 */
	bool mutex;
	int stack[PROG_MAX_OPS];	/* opcode that opened each level */
	int stack_lock[PROG_MAX_OPS];
	int stack_kind[PROG_MAX_OPS];
	int depth;
	int slot[PROG_NR_SLOTS];	/* 0 empty, 1 page, 2 pool element */
};

static bool ops_legal(const struct program *p, int ai, int spsc_prod[2], int spsc_cons[2],
		      bool nofail_ok)
{
	const struct prog_actor *a = &p->actors[ai];
	struct vstate v;
	int k, i;

	memset(&v, 0, sizeof(v));
	v.kind = a->kind;
	if (a->kind == ACTOR_HARDIRQ) {
		v.irq_off = 1;
		v.atomic = 1;
	} else if (a->kind == ACTOR_SOFTIRQ) {
		v.bh_off = 1;
		v.atomic = 1;
	}
	for (k = 0; k < a->nr_ops; k++) {
		const struct prog_op *op = &a->ops[k];
		bool task = a->kind == ACTOR_TASK;
		int cls;

		if (op->code >= OP_NR)
			return false;
		switch (op->code) {
		case OP_ALLOC:
			if (op->a >= PROG_NR_SLOTS || v.slot[op->a] || op->c > PROG_MAX_ORDER)
				return false;
			cls = op->b & 7;
			if (cls >= GFPC_NR || (cls == GFPC_ATOMIC && (op->b & GFPM_HIGH)))
				return false;
			/* never a gfp that may sleep where sleeping is forbidden */
			if (v.atomic && (program_gfp_mask(op->b) & __GFP_DIRECT_RECLAIM))
				return false;
			if ((op->b & GFPM_NOFAIL) &&
			    (!(program_gfp_mask(op->b) & __GFP_DIRECT_RECLAIM) ||
			     op->c > 1 || !nofail_ok))
				return false;
			v.slot[op->a] = 1;
			break;
		case OP_PALLOC:
			if (op->a >= PROG_NR_SLOTS || v.slot[op->a] || op->b >= PROG_NR_POOLS)
				return false;
			cls = op->c & 7;
			if (cls >= GFPC_NR || (op->c & (GFPM_NOFAIL | GFPM_MEMALLOC | GFPM_NOMEMALLOC)) ||
			    (cls == GFPC_ATOMIC && (op->c & GFPM_HIGH)))
				return false;
			if (program_gfp_mask(op->c) & __GFP_DIRECT_RECLAIM) {
				bool holds_elem = false;

				for (i = 0; i < PROG_NR_SLOTS; i++)
					holds_elem |= v.slot[i] == 2;
				if (v.atomic || v.mutex || holds_elem)
					return false;
			}
			v.slot[op->a] = 2;
			break;
		case OP_TAKE:
			if (op->a >= PROG_NR_SLOTS || v.slot[op->a] || op->b >= PROG_NR_CHANS || op->c)
				return false;
			if (op->b == CHAN_BHRING && v.irq_off)
				return false;
			if (op->b >= CHAN_SPSC0) {
				int *c = &spsc_cons[op->b - CHAN_SPSC0];

				if (*c >= 0 && *c != ai)
					return false;
				*c = ai;
			}
			v.slot[op->a] = 1;
			break;
		case OP_GIVE:
			if (op->a >= PROG_NR_SLOTS || v.slot[op->a] != 1 || op->b >= PROG_NR_CHANS || op->c)
				return false;
			if (op->b == CHAN_BHRING && v.irq_off)
				return false;
			if (op->b >= CHAN_SPSC0) {
				int *c = &spsc_prod[op->b - CHAN_SPSC0];

				if (*c >= 0 && *c != ai)
					return false;
				*c = ai;
			}
			v.slot[op->a] = 0;
			break;
		case OP_FREE:
		case OP_PFREE:
		case OP_TOUCH:
			if (op->a >= PROG_NR_SLOTS || op->b || op->c)
				return false;
			if (op->code == OP_FREE && v.slot[op->a] != 1)
				return false;
			if (op->code == OP_PFREE && v.slot[op->a] != 2)
				return false;
			if (op->code == OP_TOUCH && !v.slot[op->a])
				return false;
			if (op->code != OP_TOUCH)
				v.slot[op->a] = 0;
			break;
		case OP_LOCK:
			if (op->a >= PROG_NR_LOCKS || op->b >= LOCKK_NR || op->c)
				return false;
			/* a, b: tasks only; c: not in hardirq; d: anywhere */
			if ((op->a <= LOCK_B && !task) || (op->a == LOCK_C && a->kind == ACTOR_HARDIRQ))
				return false;
			for (i = 0; i < v.depth; i++)
				if (v.stack[i] == OP_LOCK && v.stack_lock[i] >= op->a)
					return false;	/* out of the a < b < c < d order */
			if (op->b == LOCKK_BH && v.irq_off)
				return false;
			if (op->b == LOCKK_IRQSAVE)
				v.irq_off++;
			if (op->b == LOCKK_BH)
				v.bh_off++;
			/* after taking it: c with softirqs or IRQs off, d with IRQs off */
			if (op->a == LOCK_C && !v.bh_off && !v.irq_off)
				return false;
			if (op->a == LOCK_D && !v.irq_off)
				return false;
			v.atomic++;
			v.stack_lock[v.depth] = op->a;
			v.stack_kind[v.depth] = op->b;
			v.stack[v.depth++] = OP_LOCK;
			break;
		case OP_UNLOCK:
			if (!v.depth || v.stack[v.depth - 1] != OP_LOCK ||
			    v.stack_lock[v.depth - 1] != op->a || op->b || op->c)
				return false;
			v.depth--;
			v.atomic--;
			if (v.stack_kind[v.depth] == LOCKK_IRQSAVE)
				v.irq_off--;
			if (v.stack_kind[v.depth] == LOCKK_BH)
				v.bh_off--;
			break;
		case OP_IRQ_SAVE:
		case OP_PREEMPT_DISABLE:
		case OP_BH_DISABLE:
			if (op->a || op->b || op->c)
				return false;
			if (op->code == OP_BH_DISABLE && v.irq_off)
				return false;
			v.irq_off += op->code == OP_IRQ_SAVE;
			v.bh_off += op->code == OP_BH_DISABLE;
			v.atomic++;
			v.stack[v.depth++] = op->code;
			break;
		case OP_IRQ_RESTORE:
		case OP_PREEMPT_ENABLE:
		case OP_BH_ENABLE:
			if (op->a || op->b || op->c || !v.depth ||
			    v.stack[v.depth - 1] != op->code - 1)
				return false;
			v.depth--;
			v.irq_off -= op->code == OP_IRQ_RESTORE;
			v.bh_off -= op->code == OP_BH_ENABLE;
			v.atomic--;
			break;
		case OP_SLEEP:
			if (op->a > 3 || op->b || op->c || !task || v.atomic)
				return false;
			break;
		case OP_MUTEX_LOCK:
			if (op->a || op->b || op->c || !task || v.atomic || v.mutex)
				return false;
			v.mutex = true;
			v.stack[v.depth++] = OP_MUTEX_LOCK;
			break;
		case OP_MUTEX_UNLOCK:
			if (op->a || op->b || op->c || !v.depth ||
			    v.stack[v.depth - 1] != OP_MUTEX_LOCK)
				return false;
			v.depth--;
			v.mutex = false;
			break;
		case OP_RAISE:
			if (op->a >= p->nr_actors || p->actors[op->a].kind != ACTOR_SOFTIRQ ||
			    p->actors[op->a].cpu != a->cpu || op->b || op->c)
				return false;
			break;
		case OP_EXHAUST:
			if (op->a > 1 || op->b >= LINE_NR || op->c || !task || v.atomic)
				return false;
			break;
		case OP_DRAIN:
			if (op->a > 1 || op->b || op->c || !task || v.atomic)
				return false;
			break;
		case OP_FAILNEXT:
			if (op->a > 7 || op->b || op->c)
				return false;
			break;
		case OP_KSWAPD:
			if (op->a > 1 || op->b || op->c)
				return false;
			break;
		case OP_RELEASE:
			if (op->a || op->b || op->c)
				return false;
			break;
		}
		if (v.irq_off < 0 || v.bh_off < 0 || v.atomic < 0)
			return false;
	}
	return true;
}

bool program_is_legal(const struct program *p)
{
	int prod[2] = { -1, -1 }, cons[2] = { -1, -1 };
	unsigned long budget = 0;
	bool exhaust = false;
	int i, k;

	if (p->machine.nr_cpus < 1 || p->machine.nr_cpus > PROG_MAX_CPUS ||
	    p->nr_actors > PROG_MAX_ACTORS || p->nr_faults > PROG_MAX_FAULTS ||
	    p->sched_len > PROG_MAX_SCHED)
		return false;
	for (i = 0; i < KNOB_NR; i++)
		if (p->machine.knob[i] >= PROG_KNOB_CHOICES)
			return false;
	for (i = 0; i < p->nr_actors; i++) {
		const struct prog_actor *a = &p->actors[i];

		if (a->kind >= ACTOR_KIND_NR || a->cpu >= p->machine.nr_cpus ||
		    a->nr_ops > PROG_MAX_OPS || a->fires < 1 || a->fires > PROG_MAX_FIRES ||
		    (a->kind == ACTOR_TASK && a->fires != 1))
			return false;
		for (k = 0; k < a->nr_ops; k++) {
			if (a->ops[k].code == OP_ALLOC)
				budget += (unsigned long)a->fires << (a->ops[k].c & 7);
			exhaust |= a->ops[k].code == OP_EXHAUST;
		}
	}
	for (i = 0; i < p->nr_actors; i++)
		if (!ops_legal(p, i, prod, cons, !exhaust && budget <= NOFAIL_BUDGET))
			return false;
	for (i = 0; i < p->nr_faults; i++) {
		const struct prog_fault *f = &p->faults[i];

		if (f->type >= FAULT_TYPE_NR || f->value < 1 ||
		    f->value > fault_value_max(f->type) || f->actor > p->nr_actors ||
		    f->ctx >= LAB_CTX_NR_PLUS_ANY || f->min_order > 3 || f->times > 15)
			return false;
	}
	return true;
}
