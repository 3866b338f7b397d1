// SPDX-License-Identifier: MIT
/*
 * The simulated machine: CPUs, contexts, fibers, the scheduler and the
 * driver API of sim.h. The kernel.h primitives are in sim/kernel.c.
 *
 * One fiber runs at a time. Scheduling decisions are taken inline, in
 * the fiber that reaches a scheduling point: it switches directly to
 * the fiber that runs next, or back to the driver (main) fiber when the
 * run ends or a detector stops it. A CPU's contexts are its frames:
 * frames[0] is the task running on it (if any), softirq and hardirq
 * frames nest above, each on the CPU's own handler fiber. Handler
 * fibers loop forever (one activation per iteration), so delivering an
 * interrupt costs two switches and no set-up.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "sim/internal.h"

struct sim_machine M;

static struct fiber main_fiber;
static struct fiber pool[SIM_MAX_FIBERS];
/* A handler fiber parked cleanly at the end of an activation. */
static bool loop_parked[SIM_MAX_FIBERS];
/*
 * The CPU whose context is executing (-1: the driver). Not M.cur_cpu:
 * the scheduler moves M.cur_cpu to the next CPU before it switches.
 */
static int exec_cpu = -1;

static void hardirq_main(void);
static void softirq_main(void);
static void task_entry(void);

/* ---- small helpers -------------------------------------------------- */

struct sim_cpu *sim_this_cpu(void)
{
	return &M.cpus[M.cur_cpu];
}

struct sim_frame *sim_top(struct sim_cpu *c)
{
	return c->depth ? &c->frames[c->depth - 1] : NULL;
}

int sim_locks_held(int *below)
{
	struct sim_cpu *c = sim_this_cpu();
	struct sim_frame *f = sim_top(c);
	int under = f ? f->entry_held : 0;

	if (below)
		*below = under;
	return c->nr_held - under;
}

void sim_make_ctx(struct sim_cpu *c, struct check_ctx *x)
{
	struct sim_frame *f = sim_top(c);

	x->cpu = c->id;
	x->ctx = f ? f->ctx : LAB_CTX_TASK;
	x->actor = f ? f->actor : 0;
	x->actor_name = M.actors[x->actor].name;
	x->preempt_count = c->preempt_count;
	x->irqs_disabled = c->irqs_off;
	x->held = c->held;
	x->nr_held = c->nr_held;
	x->preempt_off_at = c->preempt_off_at;
	x->irqs_off_at = c->irqs_off_at;
	x->bh_off_at = c->bh_off_at;
	x->irqs_on_at = c->irqs_on_at;
}

static int fiber_index(struct fiber *f)
{
	return (int)(f - pool);
}

static int get_fiber(struct fiber **out, int idx)
{
	struct fiber *f = &pool[idx];

	if (!f->stack && fiber_alloc(f, SIM_STACK_SIZE))
		return -ENOMEM;
	*out = f;
	return 0;
}

/* ---- switching ------------------------------------------------------ */

/*
 * Leave the fiber running now for `to'. TSan: everything one CPU did
 * happens before what it does next (one CPU executes sequentially), so
 * the CPU's sync address is released before and acquired after; CPUs
 * get no edge between them, so TSan sees them as the threads they are.
 */
void sim_switch(struct fiber *from, struct fiber *to)
{
	if (from == to)
		return;
	if (exec_cpu >= 0)
		sim_tsan_release(&M.cpus[exec_cpu].tsan_sync);
	M.switches++;
	fiber_switch(from, to);
	sim_exec_resumed();
}

/* A fiber (re)starts running: it is on M.cur_cpu, or it is the driver. */
void sim_exec_resumed(void)
{
	exec_cpu = fiber_current == &main_fiber ? -1 : M.cur_cpu;
	if (exec_cpu >= 0)
		sim_tsan_acquire(&M.cpus[exec_cpu].tsan_sync);
}

/* Stop the run now (a detector fired): back to the driver, for good. */
void sim_stop_run(void)
{
	if (!M.running || fiber_current == &main_fiber)
		return;
	M.running = false;
	if (exec_cpu >= 0)
		sim_tsan_release(&M.cpus[exec_cpu].tsan_sync);
	sim_tsan_release(&M.tsan_end);
	fiber_switch(fiber_current, &main_fiber);
}

static void push_frame(struct sim_cpu *c, int ctx, int actor, struct fiber *f)
{
	struct sim_frame *fr = &c->frames[c->depth++];

	fr->ctx = ctx;
	fr->actor = actor;
	fr->fiber = f;
	fr->steps = 0;
	fr->entry_held = c->nr_held;
}

static bool task_runnable(int id)
{
	return M.actors[id].state == TS_RUNNABLE;
}

bool softirq_work(struct sim_cpu *c)
{
	unsigned int p = c->softirq_pending;
	int nr;

	for (nr = 0; p; nr++, p >>= 1)
		if ((p & 1) && c->softirqs[nr] >= 0)
			return true;
	return false;
}

bool cpu_runnable(int cpu)
{
	struct sim_cpu *c = &M.cpus[cpu];
	int i;

	if (c->depth)
		return !(c->spin_on && READ_ONCE(c->spin_on->locked));
	/* exactly what cpu_resume_fiber() can start, or the scheduler would spin */
	if ((c->irq_pending && !c->irqs_off) || softirq_work(c))
		return true;
	for (i = 0; i < c->nr_tasks; i++)
		if (task_runnable(c->tasks[i]))
			return true;
	return false;
}

/* Enter a hardirq on c (IRQs must be on). Returns the handler fiber. */
static struct fiber *start_hardirq(struct sim_cpu *c)
{
	int i = __builtin_ctz(c->irq_pending);
	int a = c->irqs[i];
	struct sim_frame *fr;

	c->irq_pending &= ~(1u << i);
	/* irq_enter(): HARDIRQ_OFFSET; handlers run with IRQs off */
	c->preempt_count += HARDIRQ_OFFSET;
	c->irqs_off = true;
	push_frame(c, LAB_CTX_HARDIRQ, a, c->hardirq_fiber);
	fr = sim_top(c);
	fr->entry_count = c->preempt_count;
	fr->entry_irqs_off = true;
	c->hardirq_active = true;
	trace_event(EV_HARDIRQ_ENTER, NULL, M.actors[a].name, i);
	return c->hardirq_fiber;
}

/* Enter softirq processing on c (__do_softirq()). Returns its fiber. */
static struct fiber *start_softirq(struct sim_cpu *c)
{
	c->preempt_count += SOFTIRQ_OFFSET;
	/* raise only sets bits of registered vectors: the lowest has a handler */
	push_frame(c, LAB_CTX_SOFTIRQ, c->softirqs[__builtin_ctz(c->softirq_pending)],
		   c->softirq_fiber);
	c->softirq_active = true;
	return c->softirq_fiber;
}

/*
 * The fiber that runs when CPU c is resumed: its top context, or on an
 * idle CPU a pending interrupt, pending softirqs (ksoftirqd), or the
 * next runnable task (the deferred preemption target first, else the
 * lowest). c must be runnable.
 */
struct fiber *cpu_resume_fiber(struct sim_cpu *c)
{
	struct sim_actor *a;
	int i, t = -1;

	if (c->depth)
		return sim_top(c)->fiber;
	if (c->irq_pending && !c->irqs_off)
		return start_hardirq(c);
	if (softirq_work(c))
		return start_softirq(c);
	if (c->resched_to >= 0 && task_runnable(c->resched_to))
		t = c->resched_to;
	for (i = 0; t < 0 && i < c->nr_tasks; i++)
		if (task_runnable(c->tasks[i]))
			t = c->tasks[i];
	c->resched_to = -1;
	if (t < 0)
		return NULL;
	a = &M.actors[t];
	push_frame(c, LAB_CTX_TASK, t, a->fiber);
	c->cur_task = t;
	trace_event(a->started ? EV_PREEMPT : EV_TASK_START, NULL, a->name, t);
	return a->fiber;
}

static bool all_tasks_done(void)
{
	int i;

	for (i = 1; i < M.nr_actors; i++)
		if (M.actors[i].kind == ACTOR_TASK && M.actors[i].state != TS_DONE)
			return false;
	return true;
}

void sim_wake(struct sim_actor *a)
{
	a->state = TS_RUNNABLE;
	a->wait = W_NONE;
	trace_event(EV_WAKEUP, NULL, a->name, a - M.actors);
}

static bool stop_kthreads(void)
{
	bool any = false;
	int i;

	for (i = 1; i < M.nr_actors; i++) {
		struct sim_actor *a = &M.actors[i];

		if (a->kind != ACTOR_KTHREAD || a->state == TS_DONE)
			continue;
		any = true;
		a->should_stop = true;
		trace_event(EV_KTHREAD_STOP, NULL, a->name, i);
		if (a->state == TS_BLOCKED)
			sim_wake(a);
	}
	M.stopping_kthreads = true;
	return any;
}

/* Wake timed sleepers whose tick has come. */
void sim_wake_timers(void)
{
	int i;

	for (i = 1; i < M.nr_actors; i++) {
		struct sim_actor *a = &M.actors[i];

		if (a->state == TS_BLOCKED && a->wait == W_TIMEOUT &&
		    a->wake_tick <= M.jiffies)
			sim_wake(a);
	}
}

/* Nothing runs: jump virtual time to the earliest timed sleeper. */
static bool advance_idle_time(void)
{
	unsigned long best = ~0UL;
	int i;

	for (i = 1; i < M.nr_actors; i++) {
		struct sim_actor *a = &M.actors[i];

		if (a->state == TS_BLOCKED && a->wait == W_TIMEOUT && a->wake_tick < best)
			best = a->wake_tick;
	}
	if (best == ~0UL)
		return false;
	if (best > M.jiffies)
		M.jiffies = best;
	trace_event(EV_IDLE_TICK, NULL, NULL, (long)M.jiffies);
	sim_wake_timers();
	return true;
}

/* ---- deadlock: every CPU stuck ------------------------------------- */

/* The actor a waits for, or -1; fills the edge when e != NULL. */
static int waits_for(int a, struct wait_edge *e)
{
	struct sim_actor *ac = &M.actors[a];
	int cpu;

	for (cpu = 0; cpu < M.nr_cpus; cpu++) {
		struct sim_cpu *c = &M.cpus[cpu];
		int d;

		for (d = 0; d < c->depth; d++) {
			if (c->frames[d].actor != a)
				continue;
			if (d < c->depth - 1) {
				/* interrupted: it waits for the context above it */
				if (e) {
					e->cpu = cpu;
					e->ctx = c->frames[d].ctx;
					e->what = "interrupt return of";
					e->lock_name = M.actors[c->frames[d + 1].actor].name;
					e->wait_site = NULL;
					e->owner_actor = c->frames[d + 1].actor;
					e->owner_site = NULL;
				}
				return c->frames[d + 1].actor;
			}
			if (c->spin_on && c->spin_on->locked) {
				if (e) {
					e->cpu = cpu;
					e->ctx = c->frames[d].ctx;
					e->what = "spinlock";
					e->lock_name = c->spin_on->name;
					e->wait_site = c->spin_site;
					e->owner_actor = c->spin_on->owner_actor;
					e->owner_site = c->spin_on->acquired_at;
				}
				return c->spin_on->owner_actor;
			}
			return -1;
		}
	}
	if (ac->state != TS_BLOCKED)
		return -1;
	if (e) {
		e->cpu = -1;
		e->ctx = LAB_CTX_TASK;
		e->wait_site = ac->wait_site;
		e->owner_actor = -1;
		e->owner_site = NULL;
		e->lock_name = NULL;
	}
	switch (ac->wait) {
	case W_MUTEX: {
		const struct mutex *m = ac->wait_obj;

		if (e) {
			e->what = "mutex";
			e->lock_name = m->name;
			e->owner_actor = m->owner_actor;
		}
		return m->owner_actor;
	}
	case W_KTHREAD:
		if (e) {
			e->what = "kthread exit of";
			e->lock_name = M.actors[(const struct sim_actor *)ac->wait_obj - M.actors].name;
			e->owner_actor = (const struct sim_actor *)ac->wait_obj - M.actors;
		}
		return (const struct sim_actor *)ac->wait_obj - M.actors;
	case W_WAITQ:
		if (e) {
			e->what = "wake-up on wait queue";
			e->lock_name = ((const wait_queue_head_t *)ac->wait_obj)->name;
		}
		return -1;
	default:
		if (e)
			e->what = "timeout";
		return -1;
	}
}

static void fill_edge(int a, struct wait_edge *e)
{
	memset(e, 0, sizeof(*e));
	waits_for(a, e);
	e->actor = a;
	e->actor_name = M.actors[a].name;
	e->owner_name = e->owner_actor >= 0 ? M.actors[e->owner_actor].name : "";
	e->idle = M.actors[a].kind == ACTOR_KTHREAD && M.actors[a].state == TS_BLOCKED &&
		  M.actors[a].wait == W_WAITQ;
}

static void report_stuck(void)
{
	struct wait_edge edges[SIM_MAX_ACTORS];
	int seen[SIM_MAX_ACTORS];
	int a, n = 0, i;

	/* A cycle: follow each waiter's single out-edge. */
	for (a = 1; a < M.nr_actors; a++) {
		int cur = a, steps = 0;

		for (i = 0; i < M.nr_actors; i++)
			seen[i] = -1;
		while (cur >= 0 && seen[cur] < 0 && steps < M.nr_actors) {
			seen[cur] = steps++;
			cur = waits_for(cur, NULL);
		}
		if (cur < 0 || seen[cur] < 0)
			continue;
		/* cur is on the cycle: collect it, real waits only */
		{
			int start = cur;

			do {
				fill_edge(cur, &edges[n]);
				if (strcmp(edges[n].what, "interrupt return of"))
					n++;
				cur = waits_for(cur, NULL);
			} while (cur != start && n < SIM_MAX_ACTORS);
		}
		if (n) {
			check_deadlock(edges, n, true);
			return;
		}
	}
	for (a = 1; a < M.nr_actors && n < SIM_MAX_ACTORS; a++) {
		struct sim_actor *ac = &M.actors[a];
		bool on_cpu_spin = false;
		int cpu;

		for (cpu = 0; cpu < M.nr_cpus; cpu++) {
			struct sim_cpu *c = &M.cpus[cpu];

			if (c->depth && sim_top(c)->actor == a && c->spin_on)
				on_cpu_spin = true;
		}
		if (!on_cpu_spin && ac->state != TS_BLOCKED)
			continue;
		if (ac->state == TS_DONE)
			continue;
		fill_edge(a, &edges[n++]);
	}
	check_deadlock(edges, n, false);
}

/* ---- the scheduler --------------------------------------------------- */

/*
 * Pick the fiber to run when the current CPU's running context stops
 * (blocked, finished, spinning, handler done). Takes forced choices
 * when the current CPU has nothing to run; returns the main fiber at
 * the end of the run or when the machine is stuck (after reporting).
 */
struct fiber *sim_pick_next(void)
{
	for (;;) {
		int cpu, target = -1, ev, first = -1;

		if (cpu_runnable(M.cur_cpu)) {
			struct fiber *f = cpu_resume_fiber(sim_this_cpu());

			if (f)
				return f;
		}
		for (cpu = 0; cpu < M.nr_cpus; cpu++)
			if (cpu_runnable(cpu) && first < 0)
				first = cpu;
		if (first >= 0) {
			/* A forced point: only the CPU to run is chosen. */
			ev = choice_next(true);
			M.points++;
			if (ev != SIM_EV_NONE && (ev & 3) == SIM_EV_SWITCH) {
				int want = (ev >> 2) % M.nr_cpus, k;

				for (k = 0; k < M.nr_cpus && target < 0; k++)
					if (cpu_runnable((want + k) % M.nr_cpus))
						target = (want + k) % M.nr_cpus;
			}
			if (target < 0)
				target = first;
			trace_event(EV_SWITCH, NULL, NULL, target);
			M.cur_cpu = target;
			continue;
		}
		if (advance_idle_time())
			continue;
		if (all_tasks_done()) {
			if (!M.stopping_kthreads && stop_kthreads())
				continue;
			if (M.stopping_kthreads) {
				bool left = false;
				int i;

				for (i = 1; i < M.nr_actors; i++)
					if (M.actors[i].kind == ACTOR_KTHREAD &&
					    M.actors[i].state != TS_DONE)
						left = true;
				if (!left)
					return &main_fiber;
			} else {
				return &main_fiber;
			}
		}
		report_stuck();
		M.running = false;
		return &main_fiber;
	}
}

/* The running context can't go on: run whatever is next. */
void sim_sched_away(void)
{
	struct fiber *from = fiber_current;
	struct fiber *to = sim_pick_next();

	if (to == &main_fiber) {
		M.running = false;
		sim_tsan_release(&M.tsan_end);
	}
	sim_switch(from, to);
}

/* Switch from the running context to another CPU. */
void sim_switch_cpu(int target)
{
	struct fiber *from = fiber_current;

	trace_event(EV_SWITCH, NULL, NULL, target);
	M.cur_cpu = target;
	sim_switch(from, cpu_resume_fiber(&M.cpus[target]));
}

/* Deliver a hardirq now, from the running context of c. */
void sim_deliver_hardirq(struct sim_cpu *c)
{
	struct fiber *from = fiber_current;

	sim_switch(from, start_hardirq(c));
}

/* Run pending softirqs now on top of the running context of c. */
void sim_run_softirqs(struct sim_cpu *c)
{
	struct fiber *from = fiber_current;

	sim_switch(from, start_softirq(c));
}

/* Preempt the task running on c in favour of c->resched_to. */
void sim_preempt(struct sim_cpu *c)
{
	struct fiber *from = fiber_current;
	int t = c->resched_to;

	if (t < 0 || t == c->cur_task || !task_runnable(t) || c->depth != 1) {
		c->resched_to = -1;
		return;
	}
	c->depth = 0;
	c->cur_task = -1;
	sim_switch(from, cpu_resume_fiber(c));
}

/* ---- fiber bodies --------------------------------------------------- */

static void task_entry(void)
{
	struct sim_cpu *c;
	struct sim_actor *a;
	struct check_ctx x;

	fiber_entered();
	sim_tsan_ignore_begin();
	sim_tsan_acquire(&M.tsan_start);
	sim_exec_resumed();
	c = sim_this_cpu();
	a = &M.actors[sim_top(c)->actor];
	a->started = true;
	if (a->kind == ACTOR_KTHREAD) {
		int (*kfn)(void *) = a->kfn;
		void *arg = a->arg;
		int ret;

		sim_tsan_ignore_end();
		ret = kfn(arg);
		sim_tsan_ignore_begin();
		a->result = ret;
	} else {
		void (*fn)(void *) = a->fn;
		void *arg = a->arg;

		sim_tsan_ignore_end();
		fn(arg);
		sim_tsan_ignore_begin();
	}
	c = sim_this_cpu();
	sim_make_ctx(c, &x);
	if (check_ctx_exit(&x, 0, false, 0, NULL))
		sim_stop_run();
	if (a->nr_mutex > 0) {
		check_task_mutexes(&x, a->nr_mutex, a->mutex_name, a->mutex_site);
		sim_stop_run();
	}
	trace_event(EV_TASK_END, NULL, a->name, a - M.actors);
	a->state = TS_DONE;
	c->depth = 0;
	c->cur_task = -1;
	{
		int i;

		for (i = 1; i < M.nr_actors; i++)
			if (M.actors[i].state == TS_BLOCKED &&
			    M.actors[i].wait == W_KTHREAD && M.actors[i].wait_obj == a)
				sim_wake(&M.actors[i]);
	}
	{
		struct fiber *to = sim_pick_next();

		if (to == &main_fiber) {
			M.running = false;
			sim_tsan_release(&M.tsan_end);
		}
		sim_tsan_release(&c->tsan_sync);
		exec_cpu = -1;	/* nothing to release for a fiber that is gone */
		M.switches++;
		fiber_exit_to(a->fiber, to);
	}
}

static void park_and_continue(struct sim_cpu *c, struct fiber *self)
{
	struct fiber *to = sim_pick_next();

	if (to == &main_fiber) {
		M.running = false;
		sim_tsan_release(&M.tsan_end);
	}
	loop_parked[fiber_index(self)] = true;
	sim_switch(self, to);
	loop_parked[fiber_index(self)] = false;
	(void)c;
}

static void hardirq_main(void)
{
	struct fiber *self = fiber_current;

	fiber_entered();
	sim_tsan_ignore_begin();
	sim_tsan_acquire(&M.tsan_start);
	sim_exec_resumed();
	for (;;) {
		struct sim_cpu *c = sim_this_cpu();
		struct sim_frame *f = sim_top(c);
		struct sim_actor *a = &M.actors[f->actor];
		void (*fn)(void *) = a->fn;
		void *arg = a->arg;
		struct check_ctx x;

		sim_tsan_ignore_end();
		fn(arg);
		sim_tsan_ignore_begin();
		c = sim_this_cpu();
		f = sim_top(c);
		sim_make_ctx(c, &x);
		if (check_ctx_exit(&x, f->entry_count, f->entry_irqs_off, f->entry_held, NULL))
			sim_stop_run();
		trace_event(EV_HARDIRQ_EXIT, NULL, a->name, a->local);
		/* irq_exit_rcu() */
		c->preempt_count -= HARDIRQ_OFFSET;
		c->depth--;
		c->irqs_off = false;
		c->hardirq_active = false;
		if (!(c->preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK)) && softirq_work(c)) {
			/* invoke_softirq(): on the way out, as in Linux */
			struct fiber *to = start_softirq(c);

			loop_parked[fiber_index(self)] = true;
			sim_switch(self, to);
			loop_parked[fiber_index(self)] = false;
			continue;
		}
		park_and_continue(c, self);
	}
}

static void softirq_main(void)
{
	struct fiber *self = fiber_current;

	fiber_entered();
	sim_tsan_ignore_begin();
	sim_tsan_acquire(&M.tsan_start);
	sim_exec_resumed();
	for (;;) {
		struct sim_cpu *c = sim_this_cpu();
		int restart = 10;	/* MAX_SOFTIRQ_RESTART */

		/* __do_softirq(): handlers run with IRQs on */
		while (softirq_work(c) && restart--) {
			int nr = __builtin_ctz(c->softirq_pending);
			struct sim_frame *f = sim_top(c);
			struct sim_actor *a;
			struct check_ctx x;

			c->softirq_pending &= ~(1u << nr);
			if (c->softirqs[nr] < 0)
				continue;
			a = &M.actors[c->softirqs[nr]];
			f->actor = c->softirqs[nr];
			f->entry_count = c->preempt_count;
			f->entry_irqs_off = c->irqs_off;
			f->entry_held = c->nr_held;
			f->steps = 0;
			trace_event(EV_SOFTIRQ_ENTER, NULL, a->name, nr);
			{
				void (*fn)(void *) = a->fn;
				void *arg = a->arg;

				sim_tsan_ignore_end();
				fn(arg);
				sim_tsan_ignore_begin();
			}
			c = sim_this_cpu();
			f = sim_top(c);
			sim_make_ctx(c, &x);
			if (check_ctx_exit(&x, f->entry_count, f->entry_irqs_off,
					   f->entry_held, NULL))
				sim_stop_run();
			trace_event(EV_SOFTIRQ_EXIT, NULL, a->name, nr);
		}
		c->preempt_count -= SOFTIRQ_OFFSET;
		c->depth--;
		c->softirq_active = false;
		park_and_continue(c, self);
	}
}

/* ---- driver API ------------------------------------------------------ */

static void reset_cpu(struct sim_cpu *c, int id)
{
	int i;

	memset(c, 0, offsetof(struct sim_cpu, held));
	c->id = id;
	c->cur_task = -1;
	c->resched_to = -1;
	c->nr_held = 0;
	c->preempt_off_at = c->irqs_off_at = c->bh_off_at = c->irqs_on_at = NULL;
	c->nr_irqs = 0;
	c->nr_tasks = 0;
	for (i = 0; i < SIM_NR_SOFTIRQS; i++)
		c->softirqs[i] = -1;
	c->hardirq_active = c->softirq_active = false;
}

int sim_init(const struct sim_config *cfg)
{
	static const struct sim_config defaults;
	int i;

	sim_tsan_ignore_begin();
	M.cfg = cfg ? *cfg : defaults;
	if (M.cfg.nr_cpus <= 0)
		M.cfg.nr_cpus = 1;
	if (M.cfg.nr_cpus > SIM_MAX_CPUS) {
		sim_tsan_ignore_end();
		return -EINVAL;
	}
	if (!M.cfg.step_budget)
		M.cfg.step_budget = 20000;
	if (!M.cfg.max_points)
		M.cfg.max_points = 2000000;
	M.nr_cpus = M.cfg.nr_cpus;
	M.running = false;
	M.stopping_kthreads = false;
	M.cur_cpu = 0;
	M.points = M.switches = M.jiffies = M.rr = 0;
	M.nr_choices = 0;
	M.choices_lost = false;
	for (i = 0; i < SIM_MAX_CPUS; i++)
		reset_cpu(&M.cpus[i], i);
	for (i = 0; i < M.nr_cpus; i++) {
		struct sim_cpu *c = &M.cpus[i];

		if (get_fiber(&c->hardirq_fiber, SIM_MAX_ACTORS + 2 * i) ||
		    get_fiber(&c->softirq_fiber, SIM_MAX_ACTORS + 2 * i + 1)) {
			sim_tsan_ignore_end();
			return -ENOMEM;
		}
	}
	memset(&M.actors[0], 0, sizeof(M.actors[0]));
	M.actors[0].kind = ACTOR_SETUP;
	strcpy(M.actors[0].name, "init");
	M.nr_actors = 1;
	fiber_init_main(&main_fiber);
	report_reset();
	report_set_mode(M.cfg.report_mode);
	report_set_stream(M.cfg.quiet ? NULL : stderr);
	report_set_trace_hook(M.cfg.no_trace_in_reports ? NULL : trace_hook, NULL);
	lockdep_reset();
	lockdep_set_order_check(M.cfg.lockdep_order);
	trace_reset();
	choice_init(&M.cfg);
	sim_tsan_ignore_end();
	return 0;
}

static int new_actor(enum actor_kind kind, int cpu, const char *name)
{
	struct sim_actor *a;

	if (M.nr_actors >= SIM_MAX_ACTORS || cpu < 0 || cpu >= M.nr_cpus)
		return -1;
	a = &M.actors[M.nr_actors];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->cpu = cpu;
	snprintf(a->name, sizeof(a->name), "%s", name ? name : "?");
	a->state = TS_RUNNABLE;
	return M.nr_actors++;
}

int sim_new_task(int cpu, const char *name, enum actor_kind kind)
{
	struct sim_cpu *c = &M.cpus[cpu];
	int id;

	if (cpu < 0 || cpu >= M.nr_cpus || c->nr_tasks >= SIM_MAX_TASKS_PER_CPU)
		return -1;
	id = new_actor(kind, cpu, name);
	if (id < 0)
		return -1;
	if (get_fiber(&M.actors[id].fiber, id)) {
		M.nr_actors--;
		return -1;
	}
	fiber_prepare(M.actors[id].fiber, task_entry);
	c->tasks[c->nr_tasks++] = id;
	return id;
}

int sim_add_task(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	int id;

	sim_tsan_ignore_begin();
	id = sim_new_task(cpu, name, ACTOR_TASK);
	if (id > 0) {
		M.actors[id].fn = fn;
		M.actors[id].arg = arg;
	}
	sim_tsan_ignore_end();
	return id;
}

int sim_add_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg,
		    int max_fires)
{
	struct sim_cpu *c;
	int id;

	if (cpu < 0 || cpu >= M.nr_cpus)
		return -1;
	c = &M.cpus[cpu];
	if (c->nr_irqs >= SIM_MAX_IRQS_PER_CPU)
		return -1;
	id = new_actor(ACTOR_HARDIRQ, cpu, name);
	if (id < 0)
		return -1;
	M.actors[id].fn = fn;
	M.actors[id].arg = arg;
	M.actors[id].max_fires = max_fires;
	M.actors[id].local = c->nr_irqs;
	c->irqs[c->nr_irqs++] = id;
	return id;
}

int sim_add_softirq(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	struct sim_cpu *c;
	int id, nr;

	if (cpu < 0 || cpu >= M.nr_cpus)
		return -1;
	c = &M.cpus[cpu];
	for (nr = 0; nr < SIM_NR_SOFTIRQS && c->softirqs[nr] >= 0; nr++)
		;
	if (nr == SIM_NR_SOFTIRQS)
		return -1;
	id = new_actor(ACTOR_SOFTIRQ, cpu, name);
	if (id < 0)
		return -1;
	M.actors[id].fn = fn;
	M.actors[id].arg = arg;
	M.actors[id].local = nr;
	c->softirqs[nr] = id;
	return nr;
}

void sim_raise_hardirq(int irq)
{
	struct sim_actor *a;

	if (irq <= 0 || irq >= M.nr_actors || M.actors[irq].kind != ACTOR_HARDIRQ)
		return;
	sim_tsan_ignore_begin();
	a = &M.actors[irq];
	M.cpus[a->cpu].irq_pending |= 1u << a->local;
	trace_event(EV_RAISE_HARDIRQ, NULL, a->name, a->local);
	sim_tsan_ignore_end();
}

void sim_raise_softirq(int cpu, int nr)
{
	if (cpu < 0 || cpu >= M.nr_cpus || nr < 0 || nr >= SIM_NR_SOFTIRQS ||
	    M.cpus[cpu].softirqs[nr] < 0)
		return;
	sim_tsan_ignore_begin();
	M.cpus[cpu].softirq_pending |= 1u << nr;
	trace_event(EV_RAISE_SOFTIRQ, NULL, NULL, nr);
	sim_tsan_ignore_end();
}

enum sim_verdict sim_run(void)
{
	struct fiber *to;
	int i;

	sim_tsan_ignore_begin();
	if (report_fired())
		goto out;
	for (i = 0; i < M.nr_cpus; i++) {
		struct sim_cpu *c = &M.cpus[i];

		if (!loop_parked[fiber_index(c->hardirq_fiber)])
			fiber_prepare(c->hardirq_fiber, hardirq_main);
		if (!loop_parked[fiber_index(c->softirq_fiber)])
			fiber_prepare(c->softirq_fiber, softirq_main);
	}
	/* Set-up code (actor 0) ran on CPU 0's state; the run starts clean. */
	M.cpus[0].nr_held = 0;
	M.cpus[0].preempt_count = 0;
	M.cpus[0].irqs_off = false;
	choice_start();
	M.running = true;
	M.cur_cpu = 0;
	/*
	 * Set-up code happens before the run on every CPU: handler fibers
	 * parked since an earlier run resume through their CPU's sync.
	 */
	sim_tsan_release(&M.tsan_start);
	for (i = 0; i < M.nr_cpus; i++)
		sim_tsan_release(&M.cpus[i].tsan_sync);
	to = sim_pick_next();
	if (to != &main_fiber)
		sim_switch(&main_fiber, to);
	M.running = false;
	exec_cpu = -1;
	sim_tsan_acquire(&M.tsan_end);
	for (i = 0; i < M.nr_cpus; i++)
		sim_tsan_acquire(&M.cpus[i].tsan_sync);
	/*
	 * Back to set-up mode: actor 0 on a clean CPU 0. A stopped run
	 * leaves its contexts mid-way (locks held, IRQs off); code the
	 * driver runs afterwards (mm_exit()) must not inherit that state.
	 */
	M.cur_cpu = 0;
	M.cpus[0].depth = 0;
	M.cpus[0].cur_task = -1;
	M.cpus[0].preempt_count = 0;
	M.cpus[0].irqs_off = false;
	M.cpus[0].nr_held = 0;
	M.cpus[0].spin_on = NULL;
out:
	sim_tsan_ignore_end();
	return report_fired() ? SIM_REPORT : SIM_CLEAN;
}

bool sim_running(void)
{
	return M.running;
}

unsigned long sim_points(void)
{
	return M.points;
}

unsigned long sim_switches(void)
{
	return M.switches;
}

const struct sim_choice *sim_choices(size_t *n)
{
	*n = M.nr_choices;
	return M.choices;
}

bool sim_choices_complete(void)
{
	return !M.choices_lost;
}

size_t sim_choices_to_bytes(const struct sim_choice *c, size_t n,
			    uint8_t *out, size_t cap)
{
	unsigned long next = 0;	/* first point the next entry's skip counts from */
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		unsigned long gap = c[i].point - next;

		while (gap > 255) {
			if (len + 2 <= cap) {
				out[len] = 255;
				out[len + 1] = SIM_EV_NONE;
			}
			len += 2;
			gap -= 256;
		}
		if (len + 2 <= cap) {
			out[len] = (uint8_t)gap;
			out[len + 1] = c[i].event;
		}
		len += 2;
		next = c[i].point + 1;
	}
	return len;
}
