// SPDX-License-Identifier: MIT
/*
 * Every detector: a tiny scenario that fires with exactly its
 * signature, and the corrected twin that stays silent. Each runs twice
 * (sim_test.h) and must give the same hash both times.
 */
#include <stdlib.h>
#include "tests/sim/sim_test.h"

static spinlock_t la, lb;
static struct mutex mtx;
static volatile int flag;

/* Bytes that fire irq index 0 of the running CPU at its first point. */
static const uint8_t irq_now[] = { 0, SIM_EVENT(SIM_EV_HARDIRQ, 0) };
/* Switch to CPU 1 at point 1 (the race point after the first lock). */
static const uint8_t switch_at_1[] = { 1, SIM_EVENT(SIM_EV_SWITCH, 1) };

static struct sim_config cfg_bytes(int cpus, const uint8_t *b, size_t n)
{
	struct sim_config c = quiet_cfg(cpus);

	c.bytes = b;
	c.nr_bytes = n;
	return c;
}

static void expect(scenario_fn s, struct sim_config *c, const char *sig)
{
	struct run_result r = run_twice(s, c);

	if (sig) {
		assert_int_equal(r.verdict, SIM_REPORT);
		assert_string_equal(r.sig, sig);
	} else {
		if (r.verdict != SIM_CLEAN)
			fprintf(stderr, "unexpected report:\n%s", report_text());
		assert_int_equal(r.verdict, SIM_CLEAN);
	}
}

/* Silent under many random schedules too. */
static void expect_clean_random(scenario_fn s, int cpus, int runs)
{
	struct sim_config c = quiet_cfg(cpus);
	int i;

	c.source = SIM_SRC_RANDOM;
	c.random_permille = 400;
	for (i = 0; i < runs; i++) {
		c.seed = 1000 + i;
		expect(s, &c, NULL);
	}
}

/* ---- atomic sleep --------------------------------------------------- */

static void sleepy_locked(void *arg)
{
	spin_lock(&la);
	mutex_lock(&mtx);	/* BUG: sleeps under a spinlock */
	mutex_unlock(&mtx);
	spin_unlock(&la);
}

static void sleepy_fixed(void *arg)
{
	mutex_lock(&mtx);
	spin_lock(&la);
	spin_unlock(&la);
	mutex_unlock(&mtx);
}

static void sleepy_irq(void *arg)
{
	schedule_timeout_uninterruptible(1);	/* BUG: sleeps in hardirq */
}

static void plain_task(void *arg)
{
	race_point();
	race_point();
}

static void setup_sleep(const struct sim_config *c, void (*fn)(void *), bool irq)
{
	sim_init(c);
	spin_lock_init(&la);
	mutex_init(&mtx);
	if (irq) {
		sim_add_task(0, "task0", plain_task, NULL);
		sim_add_hardirq(0, "irq0", fn, NULL, 1);
	} else {
		sim_add_task(0, "task0", fn, NULL);
	}
}
static void s_sleep_bug(const struct sim_config *c) { setup_sleep(c, sleepy_locked, false); }
static void s_sleep_ok(const struct sim_config *c) { setup_sleep(c, sleepy_fixed, false); }
static void s_sleep_irq(const struct sim_config *c) { setup_sleep(c, sleepy_irq, true); }

static void test_atomic_sleep(void **state)
{
	struct sim_config c = quiet_cfg(1);
	struct sim_config ci = cfg_bytes(1, irq_now, sizeof(irq_now));
	const char *t;

	expect(s_sleep_bug, &c, "atomic-sleep/sleepy_locked/task");
	t = report_text();
	assert_non_null(strstr(t, "BUG: sleeping function called from invalid context at tests/sim/test_detectors.c:"));
	assert_non_null(strstr(t, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0"));
	assert_non_null(strstr(t, "1 lock held by task0/"));
	assert_non_null(strstr(t, "(&la)"));
	assert_non_null(strstr(t, "Preemption disabled at:"));
	assert_non_null(strstr(t, "CPU0:"));	/* the trace */
	expect(s_sleep_ok, &c, NULL);
	expect(s_sleep_irq, &ci, "atomic-sleep/sleepy_irq/hardirq");
	assert_non_null(strstr(report_text(), "irqs_disabled(): 1"));
	expect_clean_random(s_sleep_ok, 1, 50);
}

/* ---- self-deadlock: an interrupt hits the holder --------------------- */

static void holder_task(void *arg)
{
	spin_lock(&la);
	race_point();		/* irq0 fires here */
	spin_unlock(&la);
}

static void holder_task_irqsave(void *arg)
{
	unsigned long flags;

	spin_lock_irqsave(&la, flags);
	race_point();		/* IRQs off: irq0 waits */
	spin_unlock_irqrestore(&la, flags);
}

static void taker_irq(void *arg)
{
	spin_lock(&la);
	spin_unlock(&la);
}

static void setup_self(const struct sim_config *c, void (*task)(void *))
{
	sim_init(c);
	spin_lock_init(&la);
	sim_add_task(0, "task0", task, NULL);
	sim_add_hardirq(0, "irq0", taker_irq, NULL, 1);
}
static void s_self_bug(const struct sim_config *c) { setup_self(c, holder_task); }
static void s_self_ok(const struct sim_config *c) { setup_self(c, holder_task_irqsave); }

static void test_self_deadlock(void **state)
{
	/* point 0: spin_lock's point (before taking it); point 1: race point */
	static const uint8_t irq_at_1[] = { 1, SIM_EVENT(SIM_EV_HARDIRQ, 0) };
	struct sim_config c = cfg_bytes(1, irq_at_1, sizeof(irq_at_1));

	expect(s_self_bug, &c, "deadlock/taker_irq/hardirq");
	assert_non_null(strstr(report_text(), "possible recursive locking detected"));
	assert_non_null(strstr(report_text(), "<Interrupt>"));
	expect(s_self_ok, &c, NULL);
	expect_clean_random(s_self_ok, 1, 100);
}

/* ---- irq-unsafe lock (lockdep usage), no deadlock needed ------------- */

static void unsafe_task(void *arg)
{
	spin_lock(&la);		/* HARDIRQ-ON-W */
	spin_unlock(&la);
	race_point();		/* irq0 fires here, lock free: no deadlock */
}

static void irq_trylock(void *arg)
{
	if (spin_trylock(&la))
		spin_unlock(&la);
}

static void setup_unsafe(const struct sim_config *c, void (*task)(void *),
			 void (*irq)(void *))
{
	sim_init(c);
	spin_lock_init(&la);
	sim_add_task(0, "task0", task, NULL);
	sim_add_hardirq(0, "irq0", irq, NULL, 1);
}
static void s_unsafe_bug(const struct sim_config *c) { setup_unsafe(c, unsafe_task, taker_irq); }
static void s_unsafe_ok(const struct sim_config *c) { setup_unsafe(c, holder_task_irqsave, taker_irq); }
/* The per-CPU list pattern: task takes with IRQs on, irq only trylocks. */
static void s_unsafe_pcp(const struct sim_config *c) { setup_unsafe(c, holder_task, irq_trylock); }

/* The other order: first used in hardirq, then taken with IRQs on. */
static void late_task(void *arg)
{
	race_point();		/* irq0 fires here first */
	spin_lock(&la);
	spin_unlock(&la);
}
static void s_unsafe_rev(const struct sim_config *c) { setup_unsafe(c, late_task, taker_irq); }

static void test_irq_unsafe(void **state)
{
	static const uint8_t irq_at_2[] = { 2, SIM_EVENT(SIM_EV_HARDIRQ, 0) };
	struct sim_config c = cfg_bytes(1, irq_at_2, sizeof(irq_at_2));
	struct sim_config c0 = cfg_bytes(1, irq_now, sizeof(irq_now));
	const char *t;

	expect(s_unsafe_bug, &c, "irq-unsafe-lock/unsafe_task/task");
	t = report_text();
	assert_non_null(strstr(t, "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage."));
	assert_non_null(strstr(t, "{HARDIRQ-ON-W} state was registered at:"));
	/* both orders name the irq-on usage */
	expect(s_unsafe_rev, &c0, "irq-unsafe-lock/late_task/task");
	assert_non_null(strstr(report_text(), "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage."));
	/* without the interrupt ever firing, nothing to say */
	{
		struct sim_config q = quiet_cfg(1);

		expect(s_unsafe_bug, &q, NULL);
	}
	expect(s_unsafe_ok, &c, NULL);
	expect(s_unsafe_pcp, &c, NULL);
	{
		static const uint8_t irq_at_1[] = { 1, SIM_EVENT(SIM_EV_HARDIRQ, 0) };
		struct sim_config c1 = cfg_bytes(1, irq_at_1, sizeof(irq_at_1));

		expect(s_unsafe_pcp, &c1, NULL);	/* irq finds it held: trylock fails */
	}
	expect_clean_random(s_unsafe_ok, 1, 100);
	expect_clean_random(s_unsafe_pcp, 1, 100);
}

/* softirq flavour: a lock taken in softirq and with bh on in a task */
static int unsafe_nr;
static void bh_softirq(void *arg)
{
	spin_lock(&lb);
	spin_unlock(&lb);
}

static void bh_task_bug(void *arg)
{
	spin_lock(&lb);		/* SOFTIRQ-ON-W */
	spin_unlock(&lb);
	raise_softirq(unsafe_nr);
	race_point();		/* ksoftirqd runs it here */
}

static void bh_task_ok(void *arg)
{
	spin_lock_bh(&lb);
	spin_unlock_bh(&lb);
	raise_softirq(unsafe_nr);
	race_point();
}

static void setup_bh(const struct sim_config *c, void (*task)(void *))
{
	sim_init(c);
	spin_lock_init(&lb);
	sim_add_task(0, "task0", task, NULL);
	unsafe_nr = sim_add_softirq(0, "softirq0", bh_softirq, NULL);
}
static void s_bh_bug(const struct sim_config *c) { setup_bh(c, bh_task_bug); }
static void s_bh_ok(const struct sim_config *c) { setup_bh(c, bh_task_ok); }

static void test_softirq_unsafe(void **state)
{
	struct sim_config c = quiet_cfg(1);

	expect(s_bh_bug, &c, "irq-unsafe-lock/bh_task_bug/task");
	assert_non_null(strstr(report_text(), "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage."));
	expect(s_bh_ok, &c, NULL);
	expect_clean_random(s_bh_ok, 1, 50);
}

/* ---- ABBA deadlock across CPUs -------------------------------------- */

static void ab_task(void *arg)
{
	spin_lock(&la);
	race_point();
	spin_lock(&lb);
	spin_unlock(&lb);
	spin_unlock(&la);
}

static void ba_task(void *arg)
{
	spin_lock(&lb);
	race_point();
	spin_lock(&la);
	spin_unlock(&la);
	spin_unlock(&lb);
}

static void setup_abba(const struct sim_config *c, void (*t1)(void *))
{
	sim_init(c);
	spin_lock_init(&la);
	spin_lock_init(&lb);
	sim_add_task(0, "task0", ab_task, NULL);
	sim_add_task(1, "task1", t1, NULL);
}
static void s_abba_bug(const struct sim_config *c) { setup_abba(c, ba_task); }
/* the same cycle with its parties on the other CPUs */
static void s_abba_swapped(const struct sim_config *c)
{
	sim_init(c);
	spin_lock_init(&la);
	spin_lock_init(&lb);
	sim_add_task(0, "task0", ba_task, NULL);
	sim_add_task(1, "task1", ab_task, NULL);
}
static void s_abba_ok(const struct sim_config *c) { setup_abba(c, ab_task); }

static void test_abba(void **state)
{
	struct sim_config c = cfg_bytes(2, switch_at_1, sizeof(switch_at_1));
	const char *t;

	expect(s_abba_bug, &c, "deadlock/ab_task/task");
	t = report_text();
	assert_non_null(strstr(t, "wait-for cycle"));
	assert_non_null(strstr(t, "task0/1 (CPU 0, task) waits for spinlock &lb"));
	assert_non_null(strstr(t, "task1/2 (CPU 1, task) waits for spinlock &la"));
	/* whichever CPU waits on which lock, one cycle is one signature */
	expect(s_abba_swapped, &c, "deadlock/ab_task/task");
	assert_non_null(strstr(report_text(), "task1/2 (CPU 1, task) waits for spinlock &lb"));
	expect(s_abba_ok, &c, NULL);
	expect_clean_random(s_abba_ok, 2, 200);
	/* the default schedule runs CPU 0 to the end first: no deadlock */
	{
		struct sim_config q = quiet_cfg(2);

		expect(s_abba_bug, &q, NULL);
	}
}

/* The same ABBA predicted by lockdep's order graph, with no deadlock. */
static void test_lock_order(void **state)
{
	static const uint8_t cpu1_first[] = { 0, SIM_EVENT(SIM_EV_SWITCH, 1) };
	struct sim_config q = quiet_cfg(2);
	struct sim_config c1 = cfg_bytes(2, cpu1_first, sizeof(cpu1_first));
	const char *t;

	q.lockdep_order = true;
	c1.lockdep_order = true;
	expect(s_abba_bug, &q, "deadlock/ab_task/task");
	t = report_text();
	assert_non_null(strstr(t, "possible circular locking dependency detected"));
	assert_non_null(strstr(t, "task1/2 is trying to acquire lock:"));
	/* the other order of the two CPUs: the same signature */
	expect(s_abba_bug, &c1, "deadlock/ab_task/task");
	assert_non_null(strstr(report_text(), "task0/1 is trying to acquire lock:"));
	expect(s_abba_ok, &q, NULL);
	{
		struct sim_config r = quiet_cfg(2);
		int i;

		r.lockdep_order = true;
		r.source = SIM_SRC_RANDOM;
		for (i = 0; i < 100; i++) {
			r.seed = i;
			expect(s_abba_ok, &r, NULL);
		}
	}
}

/* mutex ABBA: every task blocked, a cycle of mutex owners */
static struct mutex ma, mb;
static void mab(void *arg)
{
	mutex_lock(&ma);
	race_point();
	mutex_lock(&mb);
	mutex_unlock(&mb);
	mutex_unlock(&ma);
}

static void mba(void *arg)
{
	mutex_lock(&mb);
	race_point();
	mutex_lock(&ma);
	mutex_unlock(&ma);
	mutex_unlock(&mb);
}

static void s_mutex_abba(const struct sim_config *c)
{
	sim_init(c);
	mutex_init(&ma);
	mutex_init(&mb);
	sim_add_task(0, "task0", mab, NULL);
	sim_add_task(1, "task1", mba, NULL);
}

static void test_mutex_abba(void **state)
{
	struct sim_config c = cfg_bytes(2, switch_at_1, sizeof(switch_at_1));

	expect(s_mutex_abba, &c, "deadlock/mab/task");
	assert_non_null(strstr(report_text(), "waits for mutex &mb"));
}

/*
 * A hang with a kernel thread idling beside it: the task waits on a
 * queue nobody wakes, while a daemon sleeps on its own queue until work
 * comes. The daemon's function sorts first, but the report must name
 * the task: a daemon waiting for work is not what is stuck.
 */
static wait_queue_head_t work_wq, done_wq;
static volatile int work, done;

static int a_daemon(void *arg)
{
	for (;;) {
		wait_event(work_wq, READ_ONCE(work) || kthread_should_stop());
		if (kthread_should_stop())
			break;
		WRITE_ONCE(work, 0);
	}
	return 0;
}

static void stuck_task(void *arg)
{
	wait_event(done_wq, READ_ONCE(done));	/* BUG: nobody wakes it */
}

static void stuck_task_woken(void *arg)
{
	WRITE_ONCE(done, 1);
	wake_up(&done_wq);
	wait_event(done_wq, READ_ONCE(done));
}

static struct task_struct *daemon_task;

static void s_hang_beside_daemon(const struct sim_config *c, void (*fn)(void *))
{
	sim_init(c);
	init_waitqueue_head(&work_wq);
	init_waitqueue_head(&done_wq);
	work = done = 0;
	daemon_task = kthread_run(a_daemon, NULL, "daemon");
	sim_add_task(0, "task0", fn, NULL);
}

static void s_hang_bug(const struct sim_config *c)
{
	s_hang_beside_daemon(c, stuck_task);
}

static void s_hang_fixed(const struct sim_config *c)
{
	s_hang_beside_daemon(c, stuck_task_woken);
}

static void test_hang_names_the_stuck_task(void **state)
{
	struct sim_config c = quiet_cfg(1);

	expect(s_hang_bug, &c, "deadlock/stuck_task/task");
	assert_non_null(strstr(report_text(), "every CPU is stuck"));
	expect(s_hang_fixed, &c, NULL);
}

/* ---- stall ----------------------------------------------------------- */

static void spin_forever_irq(void *arg)
{
	while (!READ_ONCE(flag))
		cpu_relax();	/* nobody sets it: a livelock in hardirq */
}

static void spin_then_go_irq(void *arg)
{
	while (!READ_ONCE(flag))
		cpu_relax();	/* CPU 1 sets it */
}

static void setter_task(void *arg)
{
	int i;

	for (i = 0; i < 20; i++)
		race_point();
	WRITE_ONCE(flag, 1);
}

static void setup_stall(const struct sim_config *c, void (*irq)(void *), bool setter)
{
	sim_init(c);
	flag = 0;
	sim_add_task(0, "task0", plain_task, NULL);
	sim_add_hardirq(0, "irq0", irq, NULL, 1);
	if (setter)
		sim_add_task(1, "task1", setter_task, NULL);
}
static void s_stall_bug(const struct sim_config *c) { setup_stall(c, spin_forever_irq, false); }
static void s_stall_ok(const struct sim_config *c) { setup_stall(c, spin_then_go_irq, true); }

static void test_stall(void **state)
{
	struct sim_config c = cfg_bytes(2, irq_now, sizeof(irq_now));

	c.step_budget = 500;
	expect(s_stall_bug, &c, "stall/spin_forever_irq/hardirq");
	assert_non_null(strstr(report_text(), "soft lockup"));
	expect(s_stall_ok, &c, NULL);
}

/* ---- context imbalance ---------------------------------------------- */

static void leaky_irq(void *arg)
{
	spin_lock(&la);		/* never unlocked */
}

static void tidy_irq(void *arg)
{
	spin_lock(&la);
	spin_unlock(&la);
}

static void leaky_task(void *arg)
{
	preempt_disable();
	race_point();
}

static void tidy_task(void *arg)
{
	preempt_disable();
	race_point();
	preempt_enable();
}

static void bh_leak_task(void *arg)
{
	local_bh_disable();
}

static void mutex_leak_task(void *arg)
{
	mutex_lock(&mtx);
	race_point();
}

static void mutex_tidy_task(void *arg)
{
	mutex_lock(&mtx);
	race_point();
	mutex_unlock(&mtx);
}

static void irqs_on_irq(void *arg)
{
	local_irq_enable();	/* a handler must not enable interrupts */
}

static void s_imb_irq(const struct sim_config *c) { setup_self(c, plain_task); }
static void setup_imb(const struct sim_config *c, void (*task)(void *), void (*irq)(void *))
{
	sim_init(c);
	spin_lock_init(&la);
	sim_add_task(0, "task0", task, NULL);
	if (irq)
		sim_add_hardirq(0, "irq0", irq, NULL, 1);
}
static void s_imb_leaky_irq(const struct sim_config *c) { setup_imb(c, plain_task, leaky_irq); }
static void s_imb_tidy_irq(const struct sim_config *c) { setup_imb(c, plain_task, tidy_irq); }
static void s_imb_task(const struct sim_config *c) { setup_imb(c, leaky_task, NULL); }
static void s_imb_task_ok(const struct sim_config *c) { setup_imb(c, tidy_task, NULL); }
static void s_imb_bh(const struct sim_config *c) { setup_imb(c, bh_leak_task, NULL); }
static void s_imb_irqon(const struct sim_config *c) { setup_imb(c, plain_task, irqs_on_irq); }
static void setup_mleak(const struct sim_config *c, void (*task)(void *))
{
	sim_init(c);
	mutex_init(&mtx);
	sim_add_task(0, "task0", task, NULL);
}
static void s_imb_mutex(const struct sim_config *c) { setup_mleak(c, mutex_leak_task); }
static void s_imb_mutex_ok(const struct sim_config *c) { setup_mleak(c, mutex_tidy_task); }

static void test_imbalance(void **state)
{
	struct sim_config c = cfg_bytes(1, irq_now, sizeof(irq_now));
	struct sim_config q = quiet_cfg(1);

	(void)s_imb_irq;
	expect(s_imb_leaky_irq, &c, "imbalance/leaky_irq/hardirq");
	assert_non_null(strstr(report_text(), "returned with a lock held"));
	expect(s_imb_tidy_irq, &c, NULL);
	expect(s_imb_task, &q, "imbalance/leaky_task/task");
	expect(s_imb_task_ok, &q, NULL);
	expect(s_imb_bh, &q, "imbalance/bh_leak_task/task");
	expect(s_imb_irqon, &c, "imbalance/irqs_on_irq/hardirq");
	assert_non_null(strstr(report_text(), "enabled interrupts"));
	expect(s_imb_mutex, &q, "imbalance/mutex_leak_task/task");
	assert_non_null(strstr(report_text(), "exiting with locks still held"));
	expect(s_imb_mutex_ok, &q, NULL);
}

/* ---- WARN_ON and BUG_ON ---------------------------------------------- */

static void warn_task(void *arg)
{
	int x = (int)(long)arg;

	WARN_ON(x != 0);
	race_point();
}

/* Holds heap memory when the run stops: LeakSanitizer must not call it a leak. */
static void warn_holding_heap(void *arg)
{
	void *p = malloc(64);

	WARN_ON(p != NULL);
	free(p);
}

static void s_warn(const struct sim_config *c)
{
	sim_init(c);
	sim_add_task(0, "task0", warn_task, (void *)1L);
}

static void s_nowarn(const struct sim_config *c)
{
	sim_init(c);
	sim_add_task(0, "task0", warn_task, (void *)0L);
}

static void bug_task(void *arg)
{
	BUG_ON(arg != NULL);
	race_point();
}

static int after_bug;
static void after_task(void *arg)
{
	after_bug = 1;
}

static void s_bug(const struct sim_config *c)
{
	sim_init(c);
	after_bug = 0;
	sim_add_task(0, "task0", bug_task, (void *)1L);
	sim_add_task(0, "task1", after_task, NULL);
}

static void test_warn_bug(void **state)
{
	struct sim_config q = quiet_cfg(1);

	expect(s_warn, &q, "invariant/warn_task/task");
	assert_non_null(strstr(report_text(), "WARN_ON(x != 0)"));
	expect(s_nowarn, &q, NULL);
	expect(s_bug, &q, "invariant/bug_task/task");
	assert_non_null(strstr(report_text(), "kernel BUG at"));
	assert_int_equal(after_bug, 0);	/* the run stopped */
	/*
	 * The last run of the binary (this test is last): its abandoned
	 * stack keeps the pointer, and the exit-time leak check (ASan
	 * builds) must find it reachable -- fiber stacks are LSan roots.
	 */
	sim_init(&q);
	sim_add_task(0, "task0", warn_holding_heap, NULL);
	assert_int_equal(sim_run(), SIM_REPORT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_atomic_sleep),
		cmocka_unit_test(test_self_deadlock),
		cmocka_unit_test(test_irq_unsafe),
		cmocka_unit_test(test_softirq_unsafe),
		cmocka_unit_test(test_abba),
		cmocka_unit_test(test_lock_order),
		cmocka_unit_test(test_mutex_abba),
		cmocka_unit_test(test_hang_names_the_stuck_task),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_imbalance),
		cmocka_unit_test(test_warn_bug),
	};

	return LAB_RUN_TESTS(tests);
}
