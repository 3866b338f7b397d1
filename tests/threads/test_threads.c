// SPDX-License-Identifier: MIT
/* The threads backend: context state, deferred interrupts, sleeping. */
#include "tests/harness.h"
#include "check/report.h"
#include "threads/threads.h"
#include <sched.h>

static int setup(void **state)
{
	threads_init(2);
	report_set_mode(REPORT_RECORD);
	report_set_stream(NULL);
	threads_stats_reset();
	return 0;
}

static int teardown(void **state)
{
	threads_exit();
	return 0;
}

static void test_task_context(void **state)
{
	struct lab_owner o = lab_current();

	assert_int_equal(o.ctx, LAB_CTX_TASK);
	assert_int_equal(o.cpu, 0);
	assert_string_equal(lab_actor_name(o.actor), "task0");
	assert_true(in_task());
	assert_false(in_interrupt());
	assert_false(irqs_disabled());
	assert_int_equal(preempt_count(), 0);
}

struct seen {
	unsigned long pc;
	bool irqs_off, hardirq, serving_softirq, task;
	int ctx;
};

static void record(void *p)
{
	struct seen *s = p;

	s->pc = preempt_count();
	s->irqs_off = irqs_disabled();
	s->hardirq = in_hardirq();
	s->serving_softirq = in_serving_softirq();
	s->task = in_task();
	s->ctx = lab_current().ctx;
}

static void nested_hardirq(void *p)
{
	threads_in_hardirq(record, p);
}

/* hardirq on softirq on task: counts and flags at each level */
static void test_nesting(void **state)
{
	struct seen s;

	threads_in_softirq(record, &s);
	assert_int_equal(s.pc, SOFTIRQ_OFFSET);
	assert_true(s.serving_softirq);
	assert_false(s.irqs_off);
	assert_int_equal(s.ctx, LAB_CTX_SOFTIRQ);
	assert_false(s.task);

	threads_in_softirq(nested_hardirq, &s);
	assert_int_equal(s.pc, SOFTIRQ_OFFSET + HARDIRQ_OFFSET);
	assert_true(s.hardirq);
	assert_true(s.irqs_off);
	assert_int_equal(s.ctx, LAB_CTX_HARDIRQ);
	assert_int_equal(preempt_count(), 0);
	assert_false(irqs_disabled());
}

static void test_bh_disable_is_not_serving(void **state)
{
	local_bh_disable();
	assert_int_equal(preempt_count(), SOFTIRQ_DISABLE_OFFSET);
	assert_true(in_softirq());
	assert_false(in_serving_softirq());
	assert_true(in_task());
	local_bh_enable();
	assert_int_equal(preempt_count(), 0);
}

static int irq_hits;
static void count_irq(void *p)
{
	irq_hits++;
	assert_true(in_hardirq());
}

/* A signal-delivered IRQ waits while IRQs are off, then runs. */
static void test_irq_deferred_while_off(void **state)
{
	unsigned long flags;

	irq_hits = 0;
	threads_set_hardirq(0, "irq0", count_irq, NULL);
	local_irq_save(flags);
	assert_int_equal(threads_raise_hardirq(0), 0);
	for (int i = 0; i < 1000; i++)
		sched_yield();
	assert_int_equal(irq_hits, 0);
	local_irq_restore(flags);
	assert_int_equal(irq_hits, 1);
	assert_int_equal(threads_raise_hardirq(0), 0);
	for (int i = 0; i < 100000 && irq_hits < 2; i++)
		sched_yield();
	assert_int_equal(irq_hits, 2);
}

static int softirq_runs;
static void count_softirq(void *p)
{
	softirq_runs++;
	assert_true(in_serving_softirq());
}

static void raise_soft(void *p)
{
	threads_raise_softirq();
}

/* Softirqs run on IRQ exit and on local_bh_enable(), not before. */
static void test_softirq_on_irq_exit_and_bh_enable(void **state)
{
	softirq_runs = 0;
	threads_set_softirq(0, "softirq0", count_softirq, NULL);
	threads_in_hardirq(raise_soft, NULL);
	assert_int_equal(softirq_runs, 1);

	local_bh_disable();
	threads_raise_softirq();
	threads_in_hardirq(raise_soft, NULL);
	assert_int_equal(softirq_runs, 1);
	local_bh_enable();
	assert_int_equal(softirq_runs, 2);
}

static void test_atomic_sleep_counted_and_reported(void **state)
{
	struct threads_stats st;
	spinlock_t l;
	unsigned long flags;

	spin_lock_init(&l);
	might_sleep();
	threads_stats(&st);
	assert_int_equal(st.might_sleep, 1);
	assert_int_equal(st.atomic_sleep, 0);
	assert_false(report_fired());

	spin_lock_irqsave(&l, flags);
	might_sleep();
	spin_unlock_irqrestore(&l, flags);
	threads_stats(&st);
	assert_int_equal(st.atomic_sleep, 1);
	assert_true(report_fired());
	assert_string_equal(report_signature(),
			    "atomic-sleep/test_atomic_sleep_counted_and_reported/task");
}

static void test_spin_lock_state(void **state)
{
	spinlock_t l;
	unsigned long flags;

	spin_lock_init(&l);
	assert_string_equal(l.name, "&l");
	spin_lock_irqsave(&l, flags);
	assert_true(irqs_disabled());
	assert_int_equal(preempt_count(), PREEMPT_OFFSET);
	assert_int_equal(l.owner_cpu, 0);
	assert_false(spin_trylock(&l));
	assert_int_equal(preempt_count(), PREEMPT_OFFSET);
	spin_unlock_irqrestore(&l, flags);
	assert_false(irqs_disabled());
	assert_int_equal(preempt_count(), 0);
	assert_int_equal(l.owner_cpu, -1);
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
}

static wait_queue_head_t wq;
static int flag;
static struct task_struct *kt;
static int kthread_loops;

static int waiter_kthread(void *arg)
{
	while (!kthread_should_stop()) {
		wait_event(wq, READ_ONCE(flag) || kthread_should_stop());
		if (READ_ONCE(flag)) {
			__atomic_add_fetch(&kthread_loops, 1, __ATOMIC_SEQ_CST);
			WRITE_ONCE(flag, 0);
		}
	}
	return 0;
}

static void test_waitqueue_and_kthread_stop(void **state)
{
	init_waitqueue_head(&wq);
	flag = 0;
	kthread_loops = 0;
	kt = kthread_run(waiter_kthread, NULL, "kswapd-test");
	assert_non_null(kt);
	WRITE_ONCE(flag, 1);
	wake_up(&wq);
	for (int i = 0; i < 1000000 && !__atomic_load_n(&kthread_loops, __ATOMIC_SEQ_CST); i++)
		sched_yield();
	assert_int_equal(__atomic_load_n(&kthread_loops, __ATOMIC_SEQ_CST), 1);
	assert_int_equal(kthread_stop(kt), 0);
}

static spinlock_t shared_lock;
static long shared_counter;

static void hammer(void *p)
{
	unsigned long flags;

	for (int i = 0; i < 20000; i++) {
		spin_lock_irqsave(&shared_lock, flags);
		shared_counter++;
		spin_unlock_irqrestore(&shared_lock, flags);
	}
}

static void test_two_cpus_exclusion(void **state)
{
	spin_lock_init(&shared_lock);
	shared_counter = 0;
	assert_int_equal(threads_spawn(0, "t0", hammer, NULL), 0);
	assert_int_equal(threads_spawn(1, "t1", hammer, NULL), 0);
	threads_join_all();
	assert_int_equal(shared_counter, 40000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_task_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bh_disable_is_not_serving, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_deferred_while_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_softirq_on_irq_exit_and_bh_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_sleep_counted_and_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spin_lock_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waitqueue_and_kthread_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_cpus_exclusion, setup, teardown),
	};

	return LAB_RUN_TESTS(tests);
}
