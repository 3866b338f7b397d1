// SPDX-License-Identifier: MIT
/*
 * kernel.h on pthreads: see threads.h. One struct tcpu per thread holds
 * what a CPU's current context would hold in Linux (preempt_count, IRQ
 * state, the actor running); the global struct holds per-CPU handlers
 * and the actor table.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "check/report.h"
#include "threads/threads.h"

#define MAX_ACTORS	64
#define MAX_THREADS	16
#define IRQ_SIGNAL	SIGUSR1

/*
 * The state of the context running on one thread. Invariant: ctx stack
 * depth == hardirq_count()>>HARDIRQ_SHIFT + (serving softirq ? 1 : 0);
 * irq_pending is only set while irqs_off.
 */
struct tcpu {
	int cpu;
	int actor;
	unsigned long preempt_count;
	int irqs_off;
	volatile sig_atomic_t irq_pending;
	int saved_actor[8];		/* actor below each nested context */
	int depth;
	struct threads_stats st;
	struct task_struct *task;	/* kthread, or NULL */
};

struct task_struct {
	pthread_t thread;
	int (*kfn)(void *);
	void (*fn)(void *);
	void *arg;
	int cpu;
	int actor;
	int should_stop;
	wait_queue_head_t *sleeping_on;
};

struct handler {
	void (*fn)(void *);
	void *arg;
	int actor;
};

static struct {
	int nr_cpus;
	int nr_actors;
	char names[MAX_ACTORS][24];
	struct handler hardirq[NR_CPUS];
	struct handler softirq[NR_CPUS];
	int softirq_pending[NR_CPUS];
	pthread_t cpu_thread[NR_CPUS];	/* thread that receives a CPU's IRQs */
	int cpu_thread_set[NR_CPUS];
	struct task_struct tasks[MAX_THREADS];
	int nr_tasks;
	pthread_mutex_t report_lock;
} T = { .report_lock = PTHREAD_MUTEX_INITIALIZER };

static __thread struct tcpu self_state;
static __thread struct tcpu *self;

static struct tcpu *cur(void)
{
	if (!self) {
		self = &self_state;
		memset(self, 0, sizeof(*self));
	}
	return self;
}

/* ---- actors -------------------------------------------------------- */

int threads_new_actor(const char *name)
{
	int a = __atomic_fetch_add(&T.nr_actors, 1, __ATOMIC_SEQ_CST);

	if (a >= MAX_ACTORS) {
		fprintf(stderr, "threads: too many actors\n");
		abort();
	}
	snprintf(T.names[a], sizeof(T.names[a]), "%s", name);
	return a;
}

const char *lab_actor_name(int actor)
{
	if (actor < 0 || actor >= T.nr_actors)
		return "?";
	return T.names[actor];
}

void threads_set_actor(int actor)
{
	cur()->actor = actor;
}

void threads_set_cpu(int cpu)
{
	cur()->cpu = cpu;
}

/* ---- reports ------------------------------------------------------- */

static void report_locked_begin(enum report_kind k, const struct lab_site *s)
{
	pthread_mutex_lock(&T.report_lock);
	report_begin(k, s ? s->func : "unknown", lab_current().ctx);
}

static void report_locked_end(void)
{
	report_end();
	pthread_mutex_unlock(&T.report_lock);
}

/* ---- interrupts ---------------------------------------------------- */

static void run_softirqs(void);

static void hardirq_body(struct tcpu *c)
{
	struct handler *h = &T.hardirq[c->cpu];

	threads_hardirq_enter();
	c->st.hardirqs++;
	if (h->fn) {
		int saved = c->actor;

		c->actor = h->actor;
		h->fn(h->arg);
		c->actor = saved;
	}
	threads_hardirq_exit();
}

static void irq_signal(int sig)
{
	struct tcpu *c = cur();
	int e = errno;

	if (c->irqs_off)
		c->irq_pending = 1;	/* delivered when IRQs come back on */
	else
		hardirq_body(c);
	errno = e;
}

/* IRQs just came back on: take what arrived while they were off. */
static void irqs_on_check(struct tcpu *c)
{
	while (!c->irqs_off && c->irq_pending) {
		c->irq_pending = 0;
		hardirq_body(c);
	}
}

void threads_hardirq_enter(void)
{
	struct tcpu *c = cur();

	c->saved_actor[c->depth++ & 7] = c->actor;
	c->preempt_count += HARDIRQ_OFFSET;
	c->irqs_off++;		/* handlers run with IRQs off */
}

void threads_hardirq_exit(void)
{
	struct tcpu *c = cur();

	c->irqs_off--;
	c->preempt_count -= HARDIRQ_OFFSET;
	c->actor = c->saved_actor[--c->depth & 7];
	/* irq_exit(): pending softirqs run unless we interrupted one */
	if (!in_interrupt() && T.softirq_pending[c->cpu])
		run_softirqs();
}

void threads_softirq_enter(void)
{
	struct tcpu *c = cur();

	c->saved_actor[c->depth++ & 7] = c->actor;
	c->preempt_count += SOFTIRQ_OFFSET;
}

void threads_softirq_exit(void)
{
	struct tcpu *c = cur();

	c->preempt_count -= SOFTIRQ_OFFSET;
	c->actor = c->saved_actor[--c->depth & 7];
}

void threads_in_hardirq(void (*fn)(void *), void *arg)
{
	threads_hardirq_enter();
	fn(arg);
	threads_hardirq_exit();
}

void threads_in_softirq(void (*fn)(void *), void *arg)
{
	threads_softirq_enter();
	fn(arg);
	threads_softirq_exit();
}

/* __do_softirq(): runs with the softirq counted, IRQs on. */
static void run_softirqs(void)
{
	struct tcpu *c = cur();
	struct handler *h = &T.softirq[c->cpu];

	while (__atomic_exchange_n(&T.softirq_pending[c->cpu], 0, __ATOMIC_SEQ_CST)) {
		threads_softirq_enter();
		if (h->fn) {
			c->actor = h->actor;
			h->fn(h->arg);
		}
		threads_softirq_exit();
	}
}

void threads_set_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	T.hardirq[cpu].fn = fn;
	T.hardirq[cpu].arg = arg;
	T.hardirq[cpu].actor = threads_new_actor(name);
}

void threads_set_softirq(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	T.softirq[cpu].fn = fn;
	T.softirq[cpu].arg = arg;
	T.softirq[cpu].actor = threads_new_actor(name);
}

/* raise_softirq() from code under test: one softirq handler per CPU here. */
void lab_raise_softirq(int nr)
{
	threads_raise_softirq();
}

void threads_raise_softirq(void)
{
	__atomic_store_n(&T.softirq_pending[cur()->cpu], 1, __ATOMIC_SEQ_CST);
}

int threads_raise_hardirq(int cpu)
{
	/* set by spawn() after pthread_create(): acquire pairs with its release */
	if (cpu < 0 || cpu >= T.nr_cpus ||
	    !__atomic_load_n(&T.cpu_thread_set[cpu], __ATOMIC_ACQUIRE))
		return -EINVAL;
	return pthread_kill(T.cpu_thread[cpu], IRQ_SIGNAL);
}

/* ---- kernel.h: state queries -------------------------------------- */

unsigned long lab_preempt_count(void)
{
	return cur()->preempt_count;
}

bool lab_irqs_disabled(void)
{
	return cur()->irqs_off != 0;
}

struct lab_owner lab_current(void)
{
	struct tcpu *c = cur();
	struct lab_owner o = { .cpu = c->cpu, .actor = c->actor };

	if (c->preempt_count & HARDIRQ_MASK)
		o.ctx = LAB_CTX_HARDIRQ;
	else if (c->preempt_count & SOFTIRQ_OFFSET)
		o.ctx = LAB_CTX_SOFTIRQ;
	else
		o.ctx = LAB_CTX_TASK;
	return o;
}

int lab_cpu_id(void)
{
	return cur()->cpu;
}

int lab_nr_cpus(void)
{
	return T.nr_cpus;
}

/* ---- IRQ / preempt / bh -------------------------------------------- */

unsigned long lab_irq_save(const struct lab_site *s)
{
	struct tcpu *c = cur();
	unsigned long was = c->irqs_off != 0;

	c->irqs_off = 1;
	return was;
}

void lab_irq_restore(unsigned long flags, const struct lab_site *s)
{
	struct tcpu *c = cur();

	if (!flags) {
		c->irqs_off = 0;
		irqs_on_check(c);
	}
}

void lab_irq_disable(const struct lab_site *s)
{
	cur()->irqs_off = 1;
}

void lab_irq_enable(const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->irqs_off = 0;
	irqs_on_check(c);
}

void lab_preempt_disable(const struct lab_site *s)
{
	cur()->preempt_count += PREEMPT_OFFSET;
}

void lab_preempt_enable(const struct lab_site *s)
{
	cur()->preempt_count -= PREEMPT_OFFSET;
}

void lab_bh_disable(const struct lab_site *s)
{
	cur()->preempt_count += SOFTIRQ_DISABLE_OFFSET;
}

/* __local_bh_enable_ip(): pending softirqs run when the count drops to 0. */
void lab_bh_enable(const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->preempt_count -= SOFTIRQ_DISABLE_OFFSET;
	if (!in_interrupt() && !c->irqs_off && T.softirq_pending[c->cpu])
		run_softirqs();
}

/* ---- spinlocks ----------------------------------------------------- */

void lab_spin_lock_init(spinlock_t *l, const char *name, struct lock_class_key *key)
{
	memset(l, 0, sizeof(*l));
	l->owner_cpu = -1;
	l->owner_actor = -1;
	l->name = name;
	l->key = key;
}

static int try_acquire(spinlock_t *l)
{
	int expect = 0;

	return __atomic_compare_exchange_n(&l->locked, &expect, 1, 0,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static void note_owner(spinlock_t *l, const struct lab_site *s)
{
	struct tcpu *c = cur();

	__atomic_store_n(&l->owner_cpu, c->cpu, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner_actor, c->actor, __ATOMIC_RELAXED);
	l->acquired_at = s;
}

void lab_spin_lock(spinlock_t *l, const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->preempt_count += PREEMPT_OFFSET;
	while (!try_acquire(l)) {
		/*
		 * Held by this CPU: an interrupt hit the holder, or a
		 * recursive acquisition. Spinning would hang for ever.
		 */
		if (__atomic_load_n(&l->owner_cpu, __ATOMIC_RELAXED) == c->cpu &&
		    __atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			const struct lab_site *at = l->acquired_at;

			report_locked_begin(REPORT_DEADLOCK, s);
			report_printf("WARNING: possible recursive locking detected\n");
			report_printf("%s/%d is trying to acquire lock %s at %s:%d\n",
				      lab_actor_name(c->actor), c->cpu, l->name,
				      s->file, s->line);
			report_printf("but the lock is already held on this CPU by %s at %s:%d\n",
				      lab_actor_name(l->owner_actor),
				      at ? at->file : "?", at ? at->line : 0);
			report_locked_end();
			abort();
		}
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	}
	note_owner(l, s);
}

int lab_spin_trylock(spinlock_t *l, const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->preempt_count += PREEMPT_OFFSET;
	if (try_acquire(l)) {
		note_owner(l, s);
		return 1;
	}
	c->preempt_count -= PREEMPT_OFFSET;
	return 0;
}

void lab_spin_unlock(spinlock_t *l, const struct lab_site *s)
{
	__atomic_store_n(&l->owner_cpu, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->owner_actor, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	cur()->preempt_count -= PREEMPT_OFFSET;
}

/* ---- sleeping ------------------------------------------------------ */

void lab_might_sleep(const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->st.might_sleep++;
	if (c->preempt_count || c->irqs_off) {
		c->st.atomic_sleep++;
		report_locked_begin(REPORT_ATOMIC_SLEEP, s);
		report_printf("BUG: sleeping function called from invalid context at %s:%d\n",
			      s->file, s->line);
		report_printf("in_atomic(): %d, irqs_disabled(): %d, pid: %d, name: %s\n",
			      c->preempt_count != 0, c->irqs_off != 0, c->actor,
			      lab_actor_name(c->actor));
		report_printf("preempt_count: %lx\n", c->preempt_count);
		report_locked_end();
	}
}

void lab_cond_resched(const struct lab_site *s)
{
	lab_might_sleep(s);
	sched_yield();
}

void lab_cpu_relax(const struct lab_site *s)
{
	__builtin_ia32_pause();
}

void lab_race_point(const struct lab_site *s)
{
}

void lab_schedule_timeout(long ticks, const struct lab_site *s)
{
	lab_might_sleep(s);
	cur()->st.slept++;
	sched_yield();
}

static long futex(void *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

void lab_mutex_init(struct mutex *m, const char *name, struct lock_class_key *key)
{
	memset(m, 0, sizeof(*m));
	m->owner_actor = -1;
	m->name = name;
	m->key = key;
}

void lab_mutex_lock(struct mutex *m, const struct lab_site *s)
{
	int expect = 0;

	lab_might_sleep(s);
	while (!__atomic_compare_exchange_n(&m->locked, &expect, 1, 0,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		cur()->st.slept++;
		futex(&m->locked, FUTEX_WAIT_PRIVATE, 1);
		expect = 0;
	}
	m->owner_actor = cur()->actor;
}

void lab_mutex_unlock(struct mutex *m, const struct lab_site *s)
{
	m->owner_actor = -1;
	__atomic_store_n(&m->locked, 0, __ATOMIC_RELEASE);
	futex(&m->locked, FUTEX_WAKE_PRIVATE, 1);
}

void lab_init_waitqueue_head(wait_queue_head_t *wq, const char *name)
{
	memset(wq, 0, sizeof(*wq));
	wq->name = name;
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

/* The futex word is the low half of seq (x86-64 is little-endian). */
void lab_wait_sleep(wait_queue_head_t *wq, unsigned long seq, const struct lab_site *s)
{
	struct tcpu *c = cur();

	lab_might_sleep(s);
	if (c->task)
		__atomic_store_n(&c->task->sleeping_on, wq, __ATOMIC_SEQ_CST);
	c->st.slept++;
	if (!(c->task && __atomic_load_n(&c->task->should_stop, __ATOMIC_SEQ_CST)) &&
	    __atomic_load_n(&wq->seq, __ATOMIC_ACQUIRE) == seq)
		futex(&wq->seq, FUTEX_WAIT_PRIVATE, (int)seq);
	if (c->task)
		__atomic_store_n(&c->task->sleeping_on, NULL, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&wq->nr_waiters, 1, __ATOMIC_SEQ_CST);
}

void lab_wake_up(wait_queue_head_t *wq, const struct lab_site *s)
{
	__atomic_add_fetch(&wq->seq, 1, __ATOMIC_SEQ_CST);
	futex(&wq->seq, FUTEX_WAKE_PRIVATE, INT_MAX);
}

/* ---- threads and kthreads ------------------------------------------ */

static void *thread_main(void *p)
{
	struct task_struct *t = p;
	struct tcpu *c = cur();

	c->cpu = t->cpu;
	c->actor = t->actor;
	c->task = t;
	if (t->kfn)
		t->kfn(t->arg);
	else
		t->fn(t->arg);
	return NULL;
}

static struct task_struct *spawn(int cpu, const char *name, int (*kfn)(void *),
				 void (*fn)(void *), void *arg)
{
	int i = __atomic_fetch_add(&T.nr_tasks, 1, __ATOMIC_SEQ_CST);
	struct task_struct *t;

	if (i >= MAX_THREADS)
		return NULL;
	t = &T.tasks[i];
	memset(t, 0, sizeof(*t));
	t->cpu = cpu;
	t->actor = threads_new_actor(name);
	t->kfn = kfn;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->thread, NULL, thread_main, t))
		return NULL;
	if (!kfn && !__atomic_load_n(&T.cpu_thread_set[cpu], __ATOMIC_ACQUIRE)) {
		T.cpu_thread[cpu] = t->thread;
		__atomic_store_n(&T.cpu_thread_set[cpu], 1, __ATOMIC_RELEASE);
	}
	return t;
}

int threads_spawn(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	if (cpu < 0 || cpu >= T.nr_cpus)
		return -EINVAL;
	return spawn(cpu, name, NULL, fn, arg) ? 0 : -EAGAIN;
}

void threads_join_all(void)
{
	for (int i = 0; i < T.nr_tasks; i++) {
		if (T.tasks[i].kfn || !T.tasks[i].thread)
			continue;
		pthread_join(T.tasks[i].thread, NULL);
		T.tasks[i].thread = 0;
	}
	for (int c = 0; c < T.nr_cpus; c++)
		__atomic_store_n(&T.cpu_thread_set[c], 0, __ATOMIC_RELEASE);
}

struct task_struct *lab_kthread_run(int (*fn)(void *), void *data, const char *name)
{
	/* kthreads run on the last CPU, as a task there */
	return spawn(T.nr_cpus - 1, name, fn, NULL, data);
}

bool lab_kthread_should_stop(void)
{
	struct tcpu *c = cur();

	return c->task && __atomic_load_n(&c->task->should_stop, __ATOMIC_SEQ_CST);
}

int lab_kthread_stop(struct task_struct *t)
{
	wait_queue_head_t *wq;

	if (!t)
		return -EINVAL;
	__atomic_store_n(&t->should_stop, 1, __ATOMIC_SEQ_CST);
	/* wake_up_process(): whatever queue it sleeps on */
	while (pthread_tryjoin_np(t->thread, NULL) == EBUSY) {
		wq = __atomic_load_n(&t->sleeping_on, __ATOMIC_SEQ_CST);
		if (wq)
			lab_wake_up(wq, NULL);
		sched_yield();
	}
	t->thread = 0;
	return 0;
}

/* ---- warnings ------------------------------------------------------ */

void lab_warn(const char *cond, const struct lab_site *s)
{
	struct tcpu *c = cur();

	c->st.warns++;
	report_locked_begin(REPORT_INVARIANT, s);
	report_printf("WARNING: CPU: %d PID: %d at %s:%d %s\n", c->cpu, c->actor,
		      s->file, s->line, s->func);
	report_printf("WARN_ON(%s)\n", cond);
	report_locked_end();
}

void lab_bug(const char *cond, const struct lab_site *s)
{
	struct tcpu *c = cur();

	report_locked_begin(REPORT_INVARIANT, s);
	report_printf("kernel BUG at %s:%d!\n", s->file, s->line);
	report_printf("BUG_ON(%s) CPU: %d PID: %d %s\n", cond, c->cpu, c->actor,
		      lab_actor_name(c->actor));
	report_locked_end();
	abort();
}

/* Real threads have no runs to end: a failed check is always a BUG. */
void lab_debug_check_failed(const char *cond, const struct lab_site *s)
{
	lab_bug(cond, s);
}

static int loglevel = KERN_WARNING;

void lab_printk(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > loglevel)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* ---- set-up -------------------------------------------------------- */

void threads_stats(struct threads_stats *out)
{
	*out = cur()->st;
}

void threads_stats_reset(void)
{
	memset(&cur()->st, 0, sizeof(cur()->st));
}

int threads_init(int nr_cpus)
{
	struct sigaction sa;
	struct tcpu *c;

	if (nr_cpus < 1 || nr_cpus > NR_CPUS)
		return -EINVAL;
	memset(T.hardirq, 0, sizeof(T.hardirq));
	memset(T.softirq, 0, sizeof(T.softirq));
	memset(T.softirq_pending, 0, sizeof(T.softirq_pending));
	memset(T.cpu_thread_set, 0, sizeof(T.cpu_thread_set));
	T.nr_cpus = nr_cpus;
	T.nr_actors = 0;
	T.nr_tasks = 0;
	threads_new_actor("setup");		/* actor 0 */
	c = cur();
	memset(c, 0, sizeof(*c));
	c->cpu = 0;
	c->actor = threads_new_actor("task0");	/* actor 1 */
	T.cpu_thread[0] = pthread_self();
	T.cpu_thread_set[0] = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = irq_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(IRQ_SIGNAL, &sa, NULL);
	report_reset();
	return 0;
}

void threads_exit(void)
{
	threads_join_all();
	signal(IRQ_SIGNAL, SIG_IGN);
}
