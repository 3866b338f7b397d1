// SPDX-License-Identifier: MIT
/*
 * kernel.h on the simulated machine: every lab_*() function. Each
 * primitive is a scheduling point (sched_point()), where the choice
 * source may switch CPUs, raise an interrupt or preempt the task, and
 * where pending interrupts, softirqs and preemptions are delivered as
 * soon as the context allows them -- as the hardware and
 * kernel/softirq.c, kernel/sched/core.c would.
 *
 * Outside sim_run() (actor 0, set-up code such as mm_init()) the
 * primitives act on CPU 0's state without scheduling.
 *
 * Under TSan all of the machine's own bookkeeping is ignored
 * (sim_tsan_ignore_*): only the code under test is checked for races.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "sim/internal.h"

#define ENTER()	sim_tsan_ignore_begin()
#define LEAVE()	sim_tsan_ignore_end()

/* Point flags */
#define PT_RELAX	1	/* busy-wait: by default let another CPU run */

static struct check_ctx *ctx_now(struct check_ctx *x)
{
	sim_make_ctx(sim_this_cpu(), x);
	return x;
}

static struct sim_actor *cur_actor(void)
{
	struct sim_frame *f = sim_top(sim_this_cpu());

	return &M.actors[f ? f->actor : 0];
}

static bool preemptible(struct sim_cpu *c)
{
	struct sim_frame *f = sim_top(c);

	return c->preempt_count == 0 && !c->irqs_off && f && f->ctx == LAB_CTX_TASK;
}

/* Apply the choice source's event at a point of CPU c. */
static void apply_event(struct sim_cpu *c, int ev)
{
	int kind = ev & 3, idx = ev >> 2, k, i, n;

	switch (kind) {
	case SIM_EV_SWITCH: {
		int want = idx % M.nr_cpus;

		for (k = 0; k < M.nr_cpus; k++) {
			int t = (want + k) % M.nr_cpus;

			if (t == c->id)
				return;		/* "switch" to itself: continue */
			if (cpu_runnable(t)) {
				sim_switch_cpu(t);
				return;
			}
		}
		return;
	}
	case SIM_EV_HARDIRQ:
		if (!c->nr_irqs)
			return;
		i = idx % c->nr_irqs;
		if (M.actors[c->irqs[i]].max_fires <= 0)
			return;
		M.actors[c->irqs[i]].max_fires--;
		/* A line raised while IRQs are off stays pending until they are on. */
		c->irq_pending |= 1u << i;
		trace_event(EV_RAISE_HARDIRQ, NULL, M.actors[c->irqs[i]].name, i);
		return;
	case SIM_EV_PREEMPT: {
		int cand[SIM_MAX_TASKS_PER_CPU];

		for (i = n = 0; i < c->nr_tasks; i++)
			if (c->tasks[i] != c->cur_task &&
			    M.actors[c->tasks[i]].state == TS_RUNNABLE)
				cand[n++] = c->tasks[i];
		/* need_resched: honoured when the task is preemptible */
		if (n)
			c->resched_to = cand[idx % n];
		return;
	}
	default: {
		int nrs[SIM_NR_SOFTIRQS];

		for (i = n = 0; i < SIM_NR_SOFTIRQS; i++)
			if (c->softirqs[i] >= 0)
				nrs[n++] = i;
		if (n) {
			c->softirq_pending |= 1u << nrs[idx % n];
			trace_event(EV_RAISE_SOFTIRQ, NULL, NULL, nrs[idx % n]);
		}
		return;
	}
	}
}

/*
 * Deliver what is pending on c as soon as the context allows it: a
 * hardirq when IRQs are on; softirqs when preemptible (ksoftirqd); a
 * deferred preemption when preemptible (preempt_schedule()).
 */
static void deliver_pending(struct sim_cpu *c)
{
	if (c->irq_pending && !c->irqs_off) {
		sim_deliver_hardirq(c);
		return;
	}
	if (!preemptible(c))
		return;
	if (softirq_work(c)) {
		sim_run_softirqs(c);
		return;
	}
	if (c->resched_to >= 0)
		sim_preempt(c);
}

/*
 * The default at a busy-wait (cpu_relax, cond_resched): a preemptible
 * task yields to the next runnable task of its CPU (the tick would
 * preempt it on Linux); otherwise the next runnable CPU runs. Without
 * this a wait for another context would spin forever under the default
 * schedule; a wait in atomic context still can, and is a stall.
 */
static void relax_default(struct sim_cpu *c)
{
	int k;

	if (preemptible(c) && c->nr_tasks > 1) {
		int i, me = -1;

		for (i = 0; i < c->nr_tasks; i++)
			if (c->tasks[i] == c->cur_task)
				me = i;
		for (k = 1; k < c->nr_tasks; k++) {
			int t = c->tasks[(me + k) % c->nr_tasks];

			if (M.actors[t].state == TS_RUNNABLE) {
				c->resched_to = t;
				return;		/* deliver_pending() preempts */
			}
		}
	}

	for (k = 1; k < M.nr_cpus; k++) {
		int t = (c->id + k) % M.nr_cpus;

		if (cpu_runnable(t)) {
			sim_switch_cpu(t);
			return;
		}
	}
}

/* A scheduling point of the running context. */
static void sched_point(const struct lab_site *s, int flags)
{
	struct sim_cpu *c;
	struct sim_frame *f;
	int ev;

	if (!M.running)
		return;
	c = sim_this_cpu();
	f = sim_top(c);
	f->steps++;
	if (f->steps > M.cfg.step_budget || M.points >= M.cfg.max_points) {
		struct check_ctx x;

		check_stall(ctx_now(&x), f->steps, M.cfg.step_budget, s);
		sim_stop_run();
	}
	if (M.points % SIM_POINTS_PER_TICK == SIM_POINTS_PER_TICK - 1) {
		M.jiffies++;
		sim_wake_timers();
	}
	ev = choice_next(false);
	M.points++;
	if (ev != SIM_EV_NONE)
		apply_event(c, ev);
	else if (flags & PT_RELAX)
		relax_default(c);
	deliver_pending(sim_this_cpu());
}

/* ---- who and where --------------------------------------------------- */

unsigned long lab_preempt_count(void)
{
	return sim_this_cpu()->preempt_count;
}

bool lab_irqs_disabled(void)
{
	return sim_this_cpu()->irqs_off;
}

struct lab_owner lab_current(void)
{
	struct sim_cpu *c = sim_this_cpu();
	struct sim_frame *f = sim_top(c);
	struct lab_owner o = { c->id, f ? f->ctx : LAB_CTX_TASK, f ? f->actor : 0 };

	return o;
}

const char *lab_actor_name(int actor)
{
	if (actor < 0 || actor >= M.nr_actors)
		return "?";
	return M.actors[actor].name;
}

int lab_cpu_id(void)
{
	return M.cur_cpu;
}

int lab_nr_cpus(void)
{
	return M.nr_cpus ? M.nr_cpus : 1;
}

/* ---- IRQs, preemption, bottom halves ------------------------------ */

static void irqs_on(struct sim_cpu *c, const struct lab_site *s)
{
	struct check_ctx x;

	c->irqs_off = false;
	c->irqs_on_at = s;
	trace_event(EV_IRQ_ON, s, NULL, 0);
	if (c->nr_held && lockdep_irqs_enabled(ctx_now(&x), true, s))
		sim_stop_run();
}

static void irqs_off(struct sim_cpu *c, const struct lab_site *s)
{
	c->irqs_off = true;
	c->irqs_off_at = s;
	trace_event(EV_IRQ_OFF, s, NULL, 0);
}

unsigned long lab_irq_save(const struct lab_site *s)
{
	struct sim_cpu *c;
	unsigned long flags;

	ENTER();
	c = sim_this_cpu();
	flags = c->irqs_off;
	if (!c->irqs_off)
		irqs_off(c, s);
	sched_point(s, 0);
	LEAVE();
	return flags;
}

void lab_irq_restore(unsigned long flags, const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (c->irqs_off && !flags)
		irqs_on(c, s);
	else if (!c->irqs_off && flags)
		irqs_off(c, s);
	sched_point(s, 0);
	LEAVE();
}

void lab_irq_disable(const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (!c->irqs_off)
		irqs_off(c, s);
	sched_point(s, 0);
	LEAVE();
}

void lab_irq_enable(const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (c->irqs_off)
		irqs_on(c, s);
	sched_point(s, 0);
	LEAVE();
}

void lab_preempt_disable(const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (!(c->preempt_count & PREEMPT_MASK))
		c->preempt_off_at = s;
	c->preempt_count += PREEMPT_OFFSET;
	trace_event(EV_PREEMPT_OFF, s, NULL, (long)c->preempt_count);
	sched_point(s, 0);
	LEAVE();
}

void lab_preempt_enable(const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (!(c->preempt_count & PREEMPT_MASK)) {
		/* preempt_count underflow: DEBUG_PREEMPT's WARN */
		LEAVE();
		lab_warn("preempt_count underflow", s);
		return;
	}
	c->preempt_count -= PREEMPT_OFFSET;
	trace_event(EV_PREEMPT_ON, s, NULL, (long)c->preempt_count);
	sched_point(s, 0);
	LEAVE();
}

void lab_bh_disable(const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	c = sim_this_cpu();
	if (!(c->preempt_count & SOFTIRQ_MASK))
		c->bh_off_at = s;
	c->preempt_count += SOFTIRQ_DISABLE_OFFSET;
	trace_event(EV_BH_OFF, s, NULL, (long)c->preempt_count);
	sched_point(s, 0);
	LEAVE();
}

void lab_bh_enable(const struct lab_site *s)
{
	struct sim_cpu *c;
	struct check_ctx x;

	ENTER();
	c = sim_this_cpu();
	if ((c->preempt_count & SOFTIRQ_MASK) < SOFTIRQ_DISABLE_OFFSET) {
		LEAVE();
		lab_warn("local_bh_enable() without local_bh_disable()", s);
		return;
	}
	c->preempt_count -= SOFTIRQ_DISABLE_OFFSET;
	trace_event(EV_BH_ON, s, NULL, (long)c->preempt_count);
	/* lockdep_softirqs_on(): held locks become SOFTIRQ-ON */
	if (!(c->preempt_count & SOFTIRQ_MASK) && !c->irqs_off && c->nr_held &&
	    lockdep_irqs_enabled(ctx_now(&x), false, s))
		sim_stop_run();
	/* __local_bh_enable_ip(): run what became runnable */
	if (M.running && !(c->preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK)) &&
	    !c->irqs_off && softirq_work(c))
		sim_run_softirqs(c);
	sched_point(s, 0);
	LEAVE();
}

void lab_raise_softirq(int nr)
{
	ENTER();
	/* a vector with no handler on this CPU is ignored (nothing would run it) */
	if (nr >= 0 && nr < SIM_NR_SOFTIRQS && sim_this_cpu()->softirqs[nr] >= 0) {
		sim_this_cpu()->softirq_pending |= 1u << nr;
		trace_event(EV_RAISE_SOFTIRQ, NULL, NULL, nr);
	}
	LEAVE();
}

/* ---- spinlocks ------------------------------------------------------ */

void lab_spin_lock_init(spinlock_t *l, const char *name, struct lock_class_key *key)
{
	ENTER();
	l->locked = 0;
	l->owner_cpu = -1;
	l->owner_actor = -1;
	l->acquired_at = NULL;
	l->name = name;
	l->key = key;
	LEAVE();
}

static struct held_lock *find_held(struct sim_cpu *c, const void *l)
{
	int i;

	for (i = c->nr_held - 1; i >= 0; i--)
		if (c->held[i].lock == l)
			return &c->held[i];
	return NULL;
}

static void acquire(struct sim_cpu *c, spinlock_t *l, const struct lab_site *s, bool trylock)
{
	struct sim_frame *f = sim_top(c);
	struct held_lock *h;
	struct check_ctx x;

	__atomic_store_n(&l->locked, 1, __ATOMIC_RELAXED);
	l->owner_cpu = c->id;
	l->owner_actor = f ? f->actor : 0;
	l->acquired_at = s;
	sim_tsan_acquire(l);
	/* spin_lock() disables preemption */
	if (!(c->preempt_count & PREEMPT_MASK))
		c->preempt_off_at = s;
	c->preempt_count += PREEMPT_OFFSET;
	trace_event(trylock ? EV_TRYLOCK_OK : EV_LOCK, s, l->name, 0);
	if (c->nr_held == SIM_MAX_HELD) {
		LEAVE();
		lab_bug("MAX_LOCK_DEPTH too low", s);
	}
	h = &c->held[c->nr_held++];
	h->lock = l;
	h->name = l->name;
	h->key = l->key;
	h->site = s;
	h->ctx = f ? f->ctx : LAB_CTX_TASK;
	h->actor = l->owner_actor;
	h->trylock = trylock;
	if (lockdep_acquired(ctx_now(&x), h))
		sim_stop_run();
}

void lab_spin_lock(spinlock_t *l, const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	sched_point(s, 0);
	c = sim_this_cpu();
	while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
		if (!M.running && l->owner_actor != 0) {
			/*
			 * Set-up code after a stopped run: the holder was
			 * abandoned with the run and will never unlock.
			 */
			break;
		}
		if (l->owner_cpu == c->id || !M.running) {
			struct check_ctx x;

			check_self_deadlock(ctx_now(&x), l->name, s, find_held(c, l));
			sim_stop_run();
			/* set-up code, record mode: nothing to wait for */
			LEAVE();
			return;
		}
		/* Held by another CPU: spin, not runnable until it frees. */
		c->spin_on = l;
		c->spin_site = s;
		trace_event(EV_SPIN, s, l->name, l->owner_cpu);
		sim_sched_away();
		c = sim_this_cpu();
		c->spin_on = NULL;
	}
	acquire(c, l, s, false);
	LEAVE();
}

int lab_spin_trylock(spinlock_t *l, const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	sched_point(s, 0);
	c = sim_this_cpu();
	if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
		trace_event(EV_TRYLOCK_FAIL, s, l->name, l->owner_cpu);
		LEAVE();
		return 0;
	}
	acquire(c, l, s, true);
	LEAVE();
	return 1;
}

void lab_spin_unlock(spinlock_t *l, const struct lab_site *s)
{
	struct sim_cpu *c;
	struct held_lock *h;

	ENTER();
	c = sim_this_cpu();
	h = find_held(c, l);
	if (!h || !l->locked) {
		struct check_ctx x;

		check_bad_unlock(ctx_now(&x), l->name, s);
		sim_stop_run();
		LEAVE();
		return;
	}
	/* remove h, keeping the order of the others */
	for (; h < &c->held[c->nr_held - 1]; h++)
		*h = h[1];
	c->nr_held--;
	l->owner_cpu = -1;
	l->owner_actor = -1;
	sim_tsan_release(l);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
	c->preempt_count -= PREEMPT_OFFSET;
	trace_event(EV_UNLOCK, s, l->name, 0);
	sched_point(s, 0);
	LEAVE();
}

/* ---- sleeping ------------------------------------------------------- */

/* __might_sleep(): report and stop when the context may not sleep. */
static void might_sleep_check(const struct lab_site *s)
{
	struct check_ctx x;

	if (check_might_sleep(ctx_now(&x), s))
		sim_stop_run();
}

void lab_might_sleep(const struct lab_site *s)
{
	ENTER();
	might_sleep_check(s);
	sched_point(s, 0);
	LEAVE();
}

void lab_cond_resched(const struct lab_site *s)
{
	ENTER();
	/* cond_resched() is __might_resched() + a preemption point */
	might_sleep_check(s);
	trace_event(EV_RESCHED, s, NULL, 0);
	sched_point(s, PT_RELAX);
	LEAVE();
}

void lab_cpu_relax(const struct lab_site *s)
{
	ENTER();
	trace_event(EV_RELAX, s, NULL, 0);
	sched_point(s, PT_RELAX);
	LEAVE();
}

void lab_race_point(const struct lab_site *s)
{
	ENTER();
	trace_event(EV_RACE, s, NULL, 0);
	sched_point(s, 0);
	LEAVE();
}

/* Block the running task (count 0, IRQs on: might_sleep_check passed). */
static void block(enum wait_kind w, const void *obj, const struct lab_site *s)
{
	struct sim_cpu *c = sim_this_cpu();
	struct sim_actor *a;

	if (!M.running || c->cur_task < 0 || c->depth != 1)
		return;		/* set-up code: nothing else could wake it */
	a = &M.actors[c->cur_task];
	a->state = TS_BLOCKED;
	a->wait = w;
	a->wait_obj = obj;
	a->wait_site = s;
	trace_event(EV_BLOCK, s, a->name, w);
	c->depth = 0;
	c->cur_task = -1;
	sim_sched_away();
}

void lab_schedule_timeout(long ticks, const struct lab_site *s)
{
	struct sim_cpu *c;

	ENTER();
	might_sleep_check(s);
	c = sim_this_cpu();
	trace_event(EV_SLEEP, s, NULL, ticks);
	if (M.running && c->cur_task >= 0) {
		M.actors[c->cur_task].wake_tick = M.jiffies + (ticks > 0 ? ticks : 1);
		block(W_TIMEOUT, NULL, s);
	}
	LEAVE();
}

void lab_mutex_init(struct mutex *m, const char *name, struct lock_class_key *key)
{
	ENTER();
	m->locked = 0;
	m->owner_actor = -1;
	m->wake_seq = 0;
	m->name = name;
	m->key = key;
	LEAVE();
}

void lab_mutex_lock(struct mutex *m, const struct lab_site *s)
{
	struct sim_actor *a;

	ENTER();
	might_sleep_check(s);
	sched_point(s, 0);
	a = cur_actor();
	while (m->locked && M.running) {
		if (m->owner_actor == a - M.actors) {
			struct check_ctx x;

			check_self_deadlock(ctx_now(&x), m->name, s, NULL);
			sim_stop_run();
		}
		block(W_MUTEX, m, s);
		a = cur_actor();
	}
	m->locked = 1;
	m->owner_actor = a - M.actors;
	a->nr_mutex++;
	a->mutex_name = m->name;
	a->mutex_site = s;
	sim_tsan_acquire(m);
	trace_event(EV_MUTEX_LOCK, s, m->name, 0);
	LEAVE();
}

void lab_mutex_unlock(struct mutex *m, const struct lab_site *s)
{
	struct sim_actor *a;
	int i;

	ENTER();
	a = cur_actor();
	if (!m->locked || m->owner_actor != a - M.actors) {
		struct check_ctx x;

		check_bad_unlock(ctx_now(&x), m->name, s);
		sim_stop_run();
		LEAVE();
		return;
	}
	m->locked = 0;
	m->owner_actor = -1;
	m->wake_seq++;
	a->nr_mutex--;
	sim_tsan_release(m);
	trace_event(EV_MUTEX_UNLOCK, s, m->name, 0);
	for (i = 1; i < M.nr_actors; i++)
		if (M.actors[i].state == TS_BLOCKED && M.actors[i].wait == W_MUTEX &&
		    M.actors[i].wait_obj == m)
			sim_wake(&M.actors[i]);
	sched_point(s, 0);
	LEAVE();
}

void lab_init_waitqueue_head(wait_queue_head_t *wq, const char *name)
{
	ENTER();
	wq->seq = 0;
	wq->nr_waiters = 0;
	wq->name = name;
	LEAVE();
}

/* prepare_to_wait(): the waiter counts from here, before its test. */
unsigned long lab_wait_prepare(wait_queue_head_t *wq)
{
	__atomic_add_fetch(&wq->nr_waiters, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&wq->seq, __ATOMIC_ACQUIRE);
}

/* finish_wait() without sleeping: the condition held. */
void lab_wait_finish(wait_queue_head_t *wq)
{
	__atomic_sub_fetch(&wq->nr_waiters, 1, __ATOMIC_SEQ_CST);
}

void lab_wait_sleep(wait_queue_head_t *wq, unsigned long seq, const struct lab_site *s)
{
	ENTER();
	might_sleep_check(s);
	if (__atomic_load_n(&wq->seq, __ATOMIC_ACQUIRE) == seq && M.running) {
		trace_event(EV_WAIT, s, wq->name, 0);
		block(W_WAITQ, wq, s);
		sim_tsan_acquire(wq);
	}
	__atomic_sub_fetch(&wq->nr_waiters, 1, __ATOMIC_SEQ_CST);
	LEAVE();
}

void lab_wake_up(wait_queue_head_t *wq, const struct lab_site *s)
{
	int i;

	ENTER();
	sim_tsan_release(wq);
	__atomic_add_fetch(&wq->seq, 1, __ATOMIC_SEQ_CST);
	trace_event(EV_WAKE_UP, s, wq->name, 0);
	for (i = 1; i < M.nr_actors; i++)
		if (M.actors[i].state == TS_BLOCKED && M.actors[i].wait == W_WAITQ &&
		    M.actors[i].wait_obj == wq)
			sim_wake(&M.actors[i]);
	sched_point(s, 0);
	LEAVE();
}

/* ---- kthreads -------------------------------------------------------- */

struct task_struct *lab_kthread_run(int (*fn)(void *), void *data, const char *name)
{
	int id;

	ENTER();
	/* kswapd and friends live on CPU 0; set-up code creates them there too */
	id = sim_new_task(M.running ? M.cur_cpu : 0, name, ACTOR_KTHREAD);
	if (id > 0) {
		M.actors[id].kfn = fn;
		M.actors[id].arg = data;
		if (M.stopping_kthreads)
			M.actors[id].should_stop = true;
	}
	LEAVE();
	return id > 0 ? (struct task_struct *)&M.actors[id] : NULL;
}

bool lab_kthread_should_stop(void)
{
	return cur_actor()->should_stop;
}

int lab_kthread_stop(struct task_struct *t)
{
	struct sim_actor *a = (struct sim_actor *)t;
	int r;

	ENTER();
	/* a handle from an earlier run (sim_init() forgot it): nothing to stop */
	if (!a || a < &M.actors[1] || a >= &M.actors[M.nr_actors] ||
	    a->kind != ACTOR_KTHREAD) {
		LEAVE();
		return -EINVAL;
	}
	a->should_stop = true;
	if (a->state == TS_BLOCKED)
		sim_wake(a);
	if (M.running) {
		might_sleep_check(NULL);
		while (a->state != TS_DONE)
			block(W_KTHREAD, a, NULL);
	} else {
		a->state = TS_DONE;	/* between runs nothing is running */
	}
	r = a->result;
	LEAVE();
	return r;
}

/* ---- warnings -------------------------------------------------------- */

void lab_warn(const char *cond, const struct lab_site *s)
{
	struct check_ctx x;

	ENTER();
	ctx_now(&x);
	trace_event(EV_WARN, s, cond, 0);
	report_begin(REPORT_INVARIANT, s ? s->func : NULL, x.ctx);
	report_printf("------------[ cut here ]------------\n");
	report_printf("WARNING: CPU: %d PID: %d at %s:%d %s\n", x.cpu, x.actor,
		      s ? s->file : "?", s ? s->line : 0, s ? s->func : "?");
	report_printf("WARN_ON(%s)\n", cond);
	report_printf("Comm: %s context: %s preempt_count: %lx irqs_disabled: %d\n",
		      x.actor_name, lab_ctx_name(x.ctx), x.preempt_count, x.irqs_disabled);
	check_print_held(&x);
	report_printf("---[ end trace ]---\n");
	report_end();
	sim_stop_run();
	LEAVE();
}

void lab_bug(const char *cond, const struct lab_site *s)
{
	struct check_ctx x;

	ENTER();
	ctx_now(&x);
	trace_event(EV_WARN, s, cond, 1);
	report_begin(REPORT_INVARIANT, s ? s->func : NULL, x.ctx);
	report_printf("------------[ cut here ]------------\n");
	report_printf("kernel BUG at %s:%d!\n", s ? s->file : "?", s ? s->line : 0);
	report_printf("BUG_ON(%s) in %s\n", cond, s ? s->func : "?");
	report_printf("CPU: %d PID: %d Comm: %s context: %s preempt_count: %lx\n",
		      x.cpu, x.actor, x.actor_name, lab_ctx_name(x.ctx), x.preempt_count);
	check_print_held(&x);
	report_end();
	sim_stop_run();
	/* Outside a run there is no driver fiber to return to. */
	abort();
}

/*
 * Outside a run, after the run reported (report_fired()): the teardown
 * of a run whose bug corrupted the allocator. The run's verdict stands,
 * the check is only noted in the trace, and the teardown ends in
 * mm_exit(), which throws that state away. Anything else is a BUG.
 */
void lab_debug_check_failed(const char *cond, const struct lab_site *s)
{
	if (M.running || !report_fired())
		lab_bug(cond, s);
	ENTER();
	sim_trace_note("after the report: BUG_ON(%s) at %s:%d", cond,
		       s ? s->file : "?", s ? s->line : 0);
	LEAVE();
}

void lab_printk(int level, const char *fmt, ...)
{
	char line[SIM_NOTE_LEN];
	va_list ap;

	if (level >= KERN_DEBUG)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* into the trace, so a report shows the messages that led to it */
	sim_trace_note("printk: %s", line);
	if (!M.cfg.quiet)
		fputs(line, stderr);
}
