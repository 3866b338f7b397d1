// SPDX-License-Identifier: MIT
/*
 * interp.c: the program interpreter.
 *
 * Each actor of a program becomes an actor of the simulated machine (a
 * task pinned to its CPU, a hardirq handler with its firing budget, a
 * softirq vector) whose body walks the actor's op list. Ops reach the
 * allocator only through struct lab_alloc_ops.
 *
 * Run-time rules beside the static ones of legalization
 * (docs/programs.md, "At run time"):
 *   - an op on a slot that turned out empty (the allocation or take
 *     failed) is skipped, as a caller tests `if (page)`;
 *   - give to a full channel frees the page instead (a driver drops
 *     the packet when its ring is full);
 *   - at the end of an actor's body (each firing of a handler) the
 *     epilogue releases what it still holds in reverse order, then
 *     frees its slots, so handlers leave IRQ/preempt state balanced and
 *     nothing is left to leak;
 *   - at the end of the run, actor 0 empties the channels and releases
 *     the ballast before the ledger's leak and conservation checks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/fault_sites.h>
#include "check/report.h"
#include "check/checkers.h"
#include "check/ledger.h"
#include "check/oracle.h"
#include "faultinject/fault.h"
#include "sim/sim.h"
#include "fuzz/ctxcov.h"
#include "fuzz/interp.h"
#include "fuzz/program_int.h"

struct slot_rt {
	void *h;		/* page handle, NULL when empty */
	uint8_t order;
	int8_t pool;		/* pool of an element, -1 for a page */
};

struct held_rt {
	uint8_t what;		/* enum held_what */
	uint8_t lock;
	uint8_t kind;
	unsigned long flags;	/* irqsave / irq_save */
};

/*
 * One actor at run time. Invariant: depth <= PROG_MAX_OPS; a slot with
 * h != NULL is owned by this actor (the ledger agrees).
 */
struct actor_rt {
	const struct prog_actor *a;
	int idx;
	char name[16];
	int sim_id;		/* sim actor id (tasks, hardirqs) */
	int softirq_nr;		/* softirq vector, -1 for others */
	int fired;		/* softirq runs so far */
	int depth;
	struct held_rt held[PROG_MAX_OPS];
	struct slot_rt slot[PROG_NR_SLOTS];
};

/* Per-run state of the interpreter; rebuilt by interp_run(). */
static struct {
	const struct program *p;
	const struct lab_alloc_ops *ops;
	struct actor_rt act[PROG_MAX_ACTORS];
	spinlock_t lock_a, lock_b, lock_c, lock_d;
	struct mutex mutex;
	struct fault_injector fi;
	struct fault_injector *fip;	/* installed injector, NULL if none */
	/*
	 * OP_FAILNEXT: attempts left to fail. One counter for the whole
	 * machine, raised by an actor on one CPU and spent by allocations
	 * on any CPU, so it is an atomic as the kernel's fault_attr.times
	 * is (lib/fault-inject.c, should_fail_ex()): TSan sees each CPU's
	 * fiber as a thread, and a plain int here was a data race.
	 */
	int failnext;
	bool trace_ops;
} I;

static spinlock_t *client_lock(int l)
{
	switch (l) {
	case LOCK_A:	return &I.lock_a;
	case LOCK_B:	return &I.lock_b;
	case LOCK_C:	return &I.lock_c;
	default:	return &I.lock_d;
	}
}

/*
 * The allocator's one fault hook. OP_FAILNEXT failures come first,
 * then the installed plan decides (fault_should_fail() never fails
 * __GFP_NOFAIL, nor do we).
 */
static bool interp_fault_hook(int site, gfp_t gfp, unsigned int order, void *arg)
{
	if (site == FAULT_SITE_ALLOC_PAGES && !(gfp & __GFP_NOFAIL)) {
		int left = __atomic_load_n(&I.failnext, __ATOMIC_RELAXED);

		/* atomic_dec_if_positive() */
		while (left > 0)
			if (__atomic_compare_exchange_n(&I.failnext, &left, left - 1, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return true;
	}
	return I.fip ? fault_should_fail(I.fip, site, gfp, order) : false;
}

/* ---- ops ------------------------------------------------------------ */

bool interp_test_bug;

/*
 * The test-only planted bug (interp.h): a double free, reached only
 * from hardirq context, so it needs an interleaving that fires the
 * interrupt and a program that asks for it.
 */
static void planted_double_free(void)
{
	void *h = I.ops->alloc(GFP_ATOMIC | __GFP_NOWARN, 0, NULL);

	if (h) {
		I.ops->free(h, 0, NULL);
		I.ops->free(h, 0, NULL);
	}
}

/* -v: one trace line per op, in the text form's words. */
static void note_op(struct actor_rt *r, const struct prog_op *op)
{
	char buf[80];

	program_format_op(I.p, op, buf, sizeof(buf));
	sim_trace_note("%s: %s", r->name, buf);
}

static void do_lock(struct actor_rt *r, const struct prog_op *op)
{
	struct held_rt *h = &r->held[r->depth++];
	spinlock_t *l = client_lock(op->a);

	h->what = HELD_LOCK;
	h->lock = op->a;
	h->kind = op->b;
	switch (op->b) {
	case LOCKK_BH:
		spin_lock_bh(l);
		break;
	case LOCKK_IRQSAVE:
		spin_lock_irqsave(l, h->flags);
		break;
	default:
		spin_lock(l);
		break;
	}
}

/* Release the innermost held item (unlock ops and the epilogue). */
static void release_top(struct actor_rt *r)
{
	struct held_rt *h = &r->held[--r->depth];

	switch (h->what) {
	case HELD_LOCK:
		if (h->kind == LOCKK_BH)
			spin_unlock_bh(client_lock(h->lock));
		else if (h->kind == LOCKK_IRQSAVE)
			spin_unlock_irqrestore(client_lock(h->lock), h->flags);
		else
			spin_unlock(client_lock(h->lock));
		break;
	case HELD_IRQ:
		local_irq_restore(h->flags);
		break;
	case HELD_PREEMPT:
		preempt_enable();
		break;
	case HELD_BH:
		local_bh_enable();
		break;
	case HELD_MUTEX:
		mutex_unlock(&I.mutex);
		break;
	}
}

static void push_held(struct actor_rt *r, uint8_t what)
{
	struct held_rt *h = &r->held[r->depth++];

	h->what = what;
	h->lock = h->kind = 0;
	h->flags = 0;
	switch (what) {
	case HELD_IRQ:
		local_irq_save(h->flags);
		break;
	case HELD_PREEMPT:
		preempt_disable();
		break;
	case HELD_BH:
		local_bh_disable();
		break;
	case HELD_MUTEX:
		mutex_lock(&I.mutex);
		break;
	}
}

/* The allocator's fill band for context-aware coverage (ctxcov.h). */
static int band(void)
{
	return I.ops->band ? I.ops->band() : 0;
}

static void free_slot(struct actor_rt *r, struct slot_rt *s)
{
	int b;

	if (!s->h)
		return;
	b = band();
	ctxcov_begin();
	if (s->pool >= 0) {
		I.ops->pool_free(s->pool, s->h);
		ctxcov_note(CTXCOV_POOL_FREE, s->order, 0, b,
			    ctxcov_fallback() ? CTXCOV_FALLBACK : CTXCOV_OK);
	} else {
		I.ops->free(s->h, s->order, NULL);
		ctxcov_note(CTXCOV_FREE, s->order, 0, b, CTXCOV_OK);
	}
	s->h = NULL;
}

/* After an allocating op: NULL, a way round (ctxcov.h), or plain success. */
static enum ctxcov_outcome alloc_outcome(const void *h)
{
	return !h ? CTXCOV_NULL : ctxcov_fallback() ? CTXCOV_FALLBACK : CTXCOV_OK;
}

static void run_op(struct actor_rt *r, const struct prog_op *op)
{
	const struct lab_alloc_ops *o = I.ops;
	struct slot_rt *s = &r->slot[op->a % PROG_NR_SLOTS];
	unsigned int order = 0;
	gfp_t gfp;
	int b;

	if (I.trace_ops)
		note_op(r, op);
	switch (op->code) {
	case OP_ALLOC:
		gfp = program_gfp_mask(op->b);
		b = band();
		ctxcov_begin();
		s->h = o->alloc(gfp, op->c, NULL);
		s->order = op->c;
		s->pool = -1;
		ctxcov_note(CTXCOV_ALLOC, op->c, gfp, b, alloc_outcome(s->h));
		if (I.trace_ops)
			sim_trace_note("%s: alloc -> %s", r->name, s->h ? "page" : "NULL");
		break;
	case OP_FREE:
		if (s->h)
			free_slot(r, s);
		break;
	case OP_TOUCH:
		if (s->h && o->touch)
			o->touch(s->h, NULL);
		break;
	case OP_GIVE:
		if (!s->h)
			break;
		b = band();
		if (o->give(op->b, s->h, s->order, NULL)) {
			ctxcov_note(CTXCOV_GIVE, s->order, 0, b, CTXCOV_FALLBACK);
			free_slot(r, s);	/* ring full: drop it, as a driver does */
		} else {
			ctxcov_note(CTXCOV_GIVE, s->order, 0, b, CTXCOV_OK);
		}
		s->h = NULL;
		break;
	case OP_TAKE:
		b = band();
		s->h = o->take(op->b, &order, NULL);
		s->order = order;
		s->pool = -1;
		ctxcov_note(CTXCOV_TAKE, order, 0, b, s->h ? CTXCOV_OK : CTXCOV_NULL);
		break;
	case OP_PALLOC:
		if (o->pool_alloc) {
			gfp = program_gfp_mask(op->c);
			b = band();
			ctxcov_begin();
			s->h = o->pool_alloc(op->b, gfp);
			s->order = op->b;
			s->pool = op->b;
			ctxcov_note(CTXCOV_POOL_ALLOC, op->b, gfp, b, alloc_outcome(s->h));
		}
		break;
	case OP_PFREE:
		free_slot(r, s);
		break;
	case OP_LOCK:
		do_lock(r, op);
		break;
	case OP_UNLOCK:
	case OP_IRQ_RESTORE:
	case OP_PREEMPT_ENABLE:
	case OP_BH_ENABLE:
	case OP_MUTEX_UNLOCK:
		if (r->depth)
			release_top(r);
		break;
	case OP_IRQ_SAVE:
		push_held(r, HELD_IRQ);
		break;
	case OP_PREEMPT_DISABLE:
		push_held(r, HELD_PREEMPT);
		break;
	case OP_BH_DISABLE:
		push_held(r, HELD_BH);
		break;
	case OP_MUTEX_LOCK:
		push_held(r, HELD_MUTEX);
		break;
	case OP_SLEEP:
		schedule_timeout_uninterruptible(op->a + 1);
		break;
	case OP_RAISE:
		if (I.act[op->a].softirq_nr >= 0)
			raise_softirq(I.act[op->a].softirq_nr);
		break;
	case OP_EXHAUST:
		if (o->exhaust)
			o->exhaust(op->a, op->b);
		break;
	case OP_RELEASE:
		if (o->release)
			o->release();
		break;
	case OP_FAILNEXT:
		if (interp_test_bug && op->a >= 4 && in_hardirq())
			planted_double_free();
		__atomic_fetch_add(&I.failnext, op->a + 1, __ATOMIC_RELAXED);
		break;
	case OP_DRAIN:
		if (o->drain)
			o->drain(op->a);
		break;
	case OP_KSWAPD:
		if (o->kswapd_hold)
			o->kswapd_hold(op->a);
		break;
	}
}

/* One pass over the op list, then the epilogue. */
static void run_actor(struct actor_rt *r)
{
	int k;

	r->depth = 0;
	for (k = 0; k < PROG_NR_SLOTS; k++)
		r->slot[k].h = NULL;
	for (k = 0; k < r->a->nr_ops; k++)
		run_op(r, &r->a->ops[k]);
	while (r->depth)
		release_top(r);
	for (k = 0; k < PROG_NR_SLOTS; k++)
		free_slot(r, &r->slot[k]);
}

static void task_fn(void *arg)
{
	struct actor_rt *r = arg;

	run_actor(r);
}

static void hardirq_fn(void *arg)
{
	run_actor(arg);
}

static void softirq_fn(void *arg)
{
	struct actor_rt *r = arg;

	/* the firing budget of a softirq actor (the machine counts hardirqs) */
	if (r->fired >= r->a->fires)
		return;
	r->fired++;
	run_actor(r);
}

/* ---- the run -------------------------------------------------------- */

size_t interp_fault_text(const struct program *p, const char *extra, char *buf, size_t cap)
{
	size_t n = 0;
	int i;

	if (!cap)
		return 0;
	buf[0] = '\0';
	for (i = 0; i < p->nr_faults && n + 1 < cap; i++) {
		if (n)
			buf[n++] = ';';
		n += program_fault_format(p, &p->faults[i], buf + n, cap - n);
	}
	if (extra && *extra && n + 2 < cap) {
		if (n)
			buf[n++] = ';';
		n += snprintf(buf + n, cap - n, "%s", extra);
	}
	if (n >= cap)
		n = cap - 1;
	buf[n] = '\0';
	return n;
}

static int setup_faults(const struct program *p, const struct interp_config *cfg,
			struct interp_result *res)
{
	char text[FAULT_PLAN_TEXT_MAX], err[128];
	struct fault_plan plan;

	I.fip = NULL;
	if (cfg->fi) {
		I.fip = cfg->fi;
	} else {
		interp_fault_text(p, cfg->extra_fault, text, sizeof(text));
		if (!text[0])
			goto hook;
		if (fault_plan_parse(text, &plan, err, sizeof(err))) {
			snprintf(res->error, sizeof(res->error), "fault plan '%s': %s", text, err);
			return -EINVAL;
		}
		fault_injector_init(&I.fi, &plan);
		I.fip = &I.fi;
	}
	/*
	 * A plan's actions (exhaust, drain-pcp, kswapd) drive labyrinth's
	 * own allocator through mm.h; another adapter is exhausted by the
	 * programs' exhaust op (alloc_ops.h), so say that instead of
	 * failing inside fault_exhaust().
	 */
	if (I.ops != &lab_alloc_labyrinth) {
		for (int i = 0; i < I.fip->plan.nr; i++) {
			if (fault_spec_has_action(&I.fip->plan.spec[i])) {
				snprintf(res->error, sizeof(res->error),
					 "fault plan: exhaust, drain-pcp and kswapd act on labyrinth's allocator, not on '%s' (its programs' exhaust op exhausts it)",
					 I.ops->name);
				I.fip = NULL;
				return -EINVAL;
			}
		}
	}
	if (fault_install(I.fip, err, sizeof(err))) {
		snprintf(res->error, sizeof(res->error), "fault plan: %s", err);
		I.fip = NULL;
		return -EINVAL;
	}
hook:
	/* wrap the injector: OP_FAILNEXT first, then the plan */
	mm_set_fault_hook(interp_fault_hook, NULL);
	return 0;
}

static void end_of_run(void)
{
	int i;

	for (i = 0; i < I.p->nr_actors; i++)
		ledger_actor_exit(I.act[i].sim_id);
	if (I.ops->drain_channels)
		I.ops->drain_channels();
	if (I.ops->release)
		I.ops->release();
	if (I.ops->kswapd_hold)
		I.ops->kswapd_hold(false);
	ledger_end_of_run();
}

int interp_run(const struct program *p, const struct interp_config *cfg,
	       struct interp_result *res)
{
	static const struct interp_config defaults;
	struct sim_config sc;
	const struct sim_choice *ch;
	size_t nch;
	int i, err;

	if (!cfg)
		cfg = &defaults;
	memset(res, 0, sizeof(*res));
	memset(&I, 0, sizeof(I));
	I.p = p;
	I.ops = cfg->ops ? cfg->ops : &lab_alloc_labyrinth;
	I.trace_ops = cfg->verbose;

	memset(&sc, 0, sizeof(sc));
	sc.nr_cpus = p->machine.nr_cpus;
	sc.source = cfg->source;
	sc.bytes = p->sched;
	sc.nr_bytes = p->sched_len;
	sc.seed = cfg->seed;
	sc.pct_depth = cfg->pct_depth;
	sc.pct_steps = cfg->pct_steps;
	sc.replay = cfg->replay;
	sc.nr_replay = cfg->nr_replay;
	sc.report_mode = cfg->mode;
	sc.quiet = cfg->quiet;
	err = sim_init(&sc);
	if (err) {
		snprintf(res->error, sizeof(res->error), "sim_init: %d", err);
		return res->setup_error = err, -1;
	}

	checkers_attach(true);
	ctxcov_attach(false);
	err = I.ops->init(&p->machine);
	if (err) {
		snprintf(res->error, sizeof(res->error), "allocator init: %d", err);
		goto out_exit;
	}
	checkers_mm_ready();
	if (I.ops->init_objects) {
		err = I.ops->init_objects();
		if (err) {
			snprintf(res->error, sizeof(res->error), "allocator objects: %d", err);
			goto out_exit;
		}
	}

	spin_lock_init(&I.lock_a);
	spin_lock_init(&I.lock_b);
	spin_lock_init(&I.lock_c);
	spin_lock_init(&I.lock_d);
	mutex_init(&I.mutex);

	err = setup_faults(p, cfg, res);
	if (err)
		goto out_exit;

	for (i = 0; i < p->nr_actors; i++) {
		struct actor_rt *r = &I.act[i];

		r->a = &p->actors[i];
		r->idx = i;
		r->softirq_nr = -1;
		program_actor_name(p, i, r->name, sizeof(r->name));
		switch (r->a->kind) {
		case ACTOR_TASK:
			r->sim_id = sim_add_task(r->a->cpu, r->name, task_fn, r);
			break;
		case ACTOR_HARDIRQ:
			r->sim_id = sim_add_hardirq(r->a->cpu, r->name, hardirq_fn, r,
						    r->a->fires);
			break;
		default:
			r->softirq_nr = sim_add_softirq(r->a->cpu, r->name, softirq_fn, r);
			r->sim_id = -1;
			break;
		}
	}

	res->verdict = sim_run();
	if (res->verdict == SIM_CLEAN)
		end_of_run();
	res->verdict = report_fired() ? SIM_REPORT : SIM_CLEAN;
	snprintf(res->signature, sizeof(res->signature), "%s", report_signature());
	res->trace_hash = sim_trace_hash();
	res->points = sim_points();
	ch = sim_choices(&nch);
	res->sched_len = sim_choices_to_bytes(ch, nch, res->sched, sizeof(res->sched));
	if (res->sched_len > sizeof(res->sched)) {
		res->sched_truncated = true;
		res->sched_len = sizeof(res->sched);
	}
	if (cfg->verbose)
		sim_trace_print(1 << 20);

	if (I.fip && I.fip->installed)
		fault_uninstall(I.fip);
	mm_set_fault_hook(NULL, NULL);
	I.ops->exit();
	mm_listen_reset();
	return 0;

out_exit:
	res->setup_error = err;
	if (I.fip && I.fip->installed)
		fault_uninstall(I.fip);
	mm_set_fault_hook(NULL, NULL);
	I.ops->exit();
	mm_listen_reset();
	return -1;
}
