// SPDX-License-Identifier: MIT
/*
 * The machine itself: tasks run, contexts nest with the right counts
 * and flags, interrupts wait for IRQs on, softirqs run on IRQ exit and
 * bh enable, no preemption inside a spinlock, replay reproduces a run.
 */
#include "tests/sim/sim_test.h"

/* A log of what ran, in order: the tests compare it with the expected. */
static char logbuf[512];
static void logc(char c)
{
	size_t n = strlen(logbuf);

	if (n + 1 < sizeof(logbuf)) {
		logbuf[n] = c;
		logbuf[n + 1] = 0;
	}
}

/* ---- one task ------------------------------------------------------ */

static int counter;
static void count_task(void *arg)
{
	int i;

	for (i = 0; i < 10; i++) {
		race_point();
		counter++;
	}
}

static void setup_one_task(const struct sim_config *cfg)
{
	sim_init(cfg);
	counter = 0;
	sim_add_task(0, "task0", count_task, NULL);
}

static void test_one_task(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	struct run_result r = run_twice(setup_one_task, &cfg);

	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_int_equal(counter, 10);
	assert_int_equal(r.points, 10);
}

/* ---- nesting: hardirq on softirq on task --------------------------- */

static int irq_nest, softirq_nr;
static struct { unsigned long pc; bool irqs; int ctx; bool hard, soft, serving, task; } seen[3];

static void note_level(int i)
{
	seen[i].pc = preempt_count();
	seen[i].irqs = irqs_disabled();
	seen[i].ctx = lab_current().ctx;
	seen[i].hard = in_hardirq();
	seen[i].soft = in_softirq();
	seen[i].serving = in_serving_softirq();
	seen[i].task = in_task();
}

static void nest_hardirq(void *arg)
{
	note_level(2);
	logc('H');
}

static void nest_softirq(void *arg)
{
	note_level(1);
	logc('S');
	sim_raise_hardirq(irq_nest);
	race_point();		/* IRQs on in softirq: the hardirq lands here */
	logc('s');
}

static void nest_task(void *arg)
{
	note_level(0);
	logc('T');
	local_bh_disable();
	raise_softirq(softirq_nr);
	race_point();		/* bh disabled: the softirq must wait */
	logc('b');
	local_bh_enable();	/* ...and runs here */
	logc('t');
}

static void setup_nest(const struct sim_config *cfg)
{
	sim_init(cfg);
	logbuf[0] = 0;
	memset(seen, 0, sizeof(seen));
	sim_add_task(0, "task0", nest_task, NULL);
	softirq_nr = sim_add_softirq(0, "softirq0", nest_softirq, NULL);
	irq_nest = sim_add_hardirq(0, "irq0", nest_hardirq, NULL, 0);
}

static void test_nesting(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	struct run_result r = run_twice(setup_nest, &cfg);

	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_string_equal(logbuf, "TbSHst");
	/* task */
	assert_int_equal(seen[0].pc, 0);
	assert_false(seen[0].irqs);
	assert_int_equal(seen[0].ctx, LAB_CTX_TASK);
	assert_true(seen[0].task);
	/* softirq on task: serving, IRQs on */
	assert_int_equal(seen[1].pc, SOFTIRQ_OFFSET);
	assert_false(seen[1].irqs);
	assert_int_equal(seen[1].ctx, LAB_CTX_SOFTIRQ);
	assert_true(seen[1].serving);
	assert_false(seen[1].task);
	/* hardirq on softirq: both counts, IRQs off */
	assert_int_equal(seen[2].pc, HARDIRQ_OFFSET + SOFTIRQ_OFFSET);
	assert_true(seen[2].irqs);
	assert_int_equal(seen[2].ctx, LAB_CTX_HARDIRQ);
	assert_true(seen[2].hard);
	assert_true(seen[2].soft);
}

/* ---- no interrupt while IRQs are off ------------------------------- */

static int irq_off_irq;
static void off_hardirq(void *arg)
{
	logc('H');
}

static void off_task(void *arg)
{
	unsigned long flags;
	int i;

	local_irq_save(flags);
	sim_raise_hardirq(irq_off_irq);
	for (i = 0; i < 5; i++) {
		race_point();
		logc('.');
	}
	local_irq_restore(flags);	/* delivered at this point */
	logc('t');
}

static void setup_irq_off(const struct sim_config *cfg)
{
	sim_init(cfg);
	logbuf[0] = 0;
	sim_add_task(0, "task0", off_task, NULL);
	/* the choice source may also fire it: with IRQs off it must wait */
	irq_off_irq = sim_add_hardirq(0, "irq0", off_hardirq, NULL, 3);
}

static void test_no_irq_while_irqs_off(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	/* fire irq0 at every point: (skip 0, hardirq 0) x many */
	uint8_t bytes[32];
	struct run_result r;
	int i;

	for (i = 0; i < 32; i += 2) {
		bytes[i] = 0;
		bytes[i + 1] = SIM_EVENT(SIM_EV_HARDIRQ, 0);
	}
	cfg.bytes = bytes;
	cfg.nr_bytes = sizeof(bytes);
	r = run_twice(setup_irq_off, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	/* the raised line is one pending bit: one delivery after restore */
	assert_string_equal(logbuf, ".....Ht");
}

/* ---- softirq runs on IRQ exit --------------------------------------- */

static int exit_irq, exit_nr;
static void exit_hardirq(void *arg)
{
	logc('H');
	raise_softirq(exit_nr);
	race_point();		/* in_interrupt(): the softirq waits for irq exit */
	logc('h');
}

static void exit_softirq(void *arg)
{
	logc('S');
}

static void exit_task(void *arg)
{
	logc('T');
	race_point();		/* irq0 fires here (bytes) */
	logc('t');
}

static void setup_irq_exit(const struct sim_config *cfg)
{
	sim_init(cfg);
	logbuf[0] = 0;
	sim_add_task(0, "task0", exit_task, NULL);
	exit_irq = sim_add_hardirq(0, "irq0", exit_hardirq, NULL, 1);
	exit_nr = sim_add_softirq(0, "softirq0", exit_softirq, NULL);
}

static void test_softirq_on_irq_exit(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	uint8_t bytes[] = { 0, SIM_EVENT(SIM_EV_HARDIRQ, 0) };
	struct run_result r;

	cfg.bytes = bytes;
	cfg.nr_bytes = sizeof(bytes);
	r = run_twice(setup_irq_exit, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_string_equal(logbuf, "THhSt");
}

/* ---- no preemption inside a spinlock -------------------------------- */

static spinlock_t plock;
static int in_cs;
static bool preempted_in_cs;

static void cs_task(void *arg)
{
	int i, j;

	for (i = 0; i < 3; i++) {
		spin_lock(&plock);
		in_cs = 1;
		for (j = 0; j < 3; j++)
			race_point();
		in_cs = 0;
		spin_unlock(&plock);
		race_point();
	}
}

static void other_task(void *arg)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (in_cs)
			preempted_in_cs = true;
		race_point();
	}
}

static void setup_preempt(const struct sim_config *cfg)
{
	sim_init(cfg);
	spin_lock_init(&plock);
	in_cs = 0;
	preempted_in_cs = false;
	sim_add_task(0, "task0", cs_task, NULL);
	sim_add_task(0, "task1", other_task, NULL);
}

static void test_no_preempt_in_spinlock(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	uint8_t bytes[64];
	struct run_result r;
	int i, switches = 0;

	/* ask for a preemption at every point */
	for (i = 0; i < 64; i += 2) {
		bytes[i] = 0;
		bytes[i + 1] = SIM_EVENT(SIM_EV_PREEMPT, i);
	}
	cfg.bytes = bytes;
	cfg.nr_bytes = sizeof(bytes);
	r = run_twice(setup_preempt, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_false(preempted_in_cs);
	/* and preemption did happen outside the lock */
	switches = (int)sim_switches();
	assert_true(switches > 4);

	/* the same over many random schedules */
	cfg.bytes = NULL;
	cfg.source = SIM_SRC_RANDOM;
	cfg.random_permille = 600;
	for (i = 0; i < 200; i++) {
		cfg.seed = i;
		r = run_twice(setup_preempt, &cfg);
		assert_int_equal(r.verdict, SIM_CLEAN);
		assert_false(preempted_in_cs);
	}
}

/* ---- two CPUs, a lock, and replay ----------------------------------- */

static spinlock_t shared_lock;
static int shared_val;

static void inc_task(void *arg)
{
	int i;

	for (i = 0; i < 5; i++) {
		spin_lock(&shared_lock);
		race_point();
		shared_val++;
		spin_unlock(&shared_lock);
	}
}

static void inc_irq(void *arg)
{
	spin_lock(&shared_lock);
	shared_val += 100;
	spin_unlock(&shared_lock);
}

static void setup_smp(const struct sim_config *cfg)
{
	sim_init(cfg);
	spin_lock_init(&shared_lock);
	shared_val = 0;
	sim_add_task(0, "task0", inc_task, NULL);
	sim_add_task(1, "task1", inc_task, NULL);
	sim_add_task(2, "task2", inc_task, NULL);
	sim_add_hardirq(2, "irq0", inc_irq, NULL, 2);
}

static void test_replay(void **state)
{
	struct sim_config cfg = quiet_cfg(3);
	struct sim_choice saved[4096];
	uint8_t bytes[8192];
	size_t n, len;
	int seed, distinct = 0;
	uint64_t first_hash = 0;

	for (seed = 0; seed < 50; seed++) {
		struct run_result r, rr, rb;
		const struct sim_choice *ch;

		cfg.source = SIM_SRC_RANDOM;
		cfg.seed = seed;
		cfg.bytes = NULL;
		cfg.replay = NULL;
		r = run_twice(setup_smp, &cfg);
		/* irq0 takes the lock on CPU 2 where task2 takes it with IRQs on */
		ch = sim_choices(&n);
		memcpy(saved, ch, n * sizeof(*ch));
		if (seed == 0)
			first_hash = r.hash;
		else if (r.hash != first_hash)
			distinct++;

		cfg.source = SIM_SRC_REPLAY;
		cfg.replay = saved;
		cfg.nr_replay = n;
		rr = run_twice(setup_smp, &cfg);
		assert_true(rr.hash == r.hash);
		assert_string_equal(rr.sig, r.sig);

		assert_true(sim_choices_complete());
		len = sim_choices_to_bytes(saved, n, bytes, sizeof(bytes));
		assert_true(len <= sizeof(bytes));
		cfg.source = SIM_SRC_BYTES;
		cfg.replay = NULL;
		cfg.bytes = bytes;
		cfg.nr_bytes = len;
		rb = run_twice(setup_smp, &cfg);
		assert_true(rb.hash == r.hash);
		assert_string_equal(rb.sig, r.sig);
	}
	assert_true(distinct > 10);	/* the seeds do explore */
}

/* ---- blocking: mutex, wait queue, timeout, kthread ------------------- */

static struct mutex mtx;
static wait_queue_head_t wq;
static int wq_flag, mtx_val;
static struct task_struct *kt;
static int kt_loops;

static int kthread_fn(void *arg)
{
	while (!kthread_should_stop()) {
		wait_event(wq, READ_ONCE(wq_flag) || kthread_should_stop());
		if (READ_ONCE(wq_flag)) {
			WRITE_ONCE(wq_flag, 0);
			kt_loops++;
		}
	}
	return 42;
}

static void mtx_task(void *arg)
{
	int i;

	for (i = 0; i < 3; i++) {
		mutex_lock(&mtx);
		mtx_val++;
		schedule_timeout_uninterruptible(2);	/* sleeps holding the mutex */
		mutex_unlock(&mtx);
		WRITE_ONCE(wq_flag, 1);
		wake_up(&wq);
	}
}

static void setup_block(const struct sim_config *cfg)
{
	sim_init(cfg);
	mutex_init(&mtx);
	init_waitqueue_head(&wq);
	wq_flag = mtx_val = kt_loops = 0;
	kt = kthread_run(kthread_fn, NULL, "kswapd");	/* set-up code, actor 0 */
	sim_add_task(0, "task0", mtx_task, NULL);
	sim_add_task(1, "task1", mtx_task, NULL);
}

static void test_blocking(void **state)
{
	struct sim_config cfg = quiet_cfg(2);
	int seed;

	for (seed = 0; seed < 100; seed++) {
		struct run_result r;

		cfg.source = seed ? SIM_SRC_RANDOM : SIM_SRC_BYTES;
		cfg.seed = seed;
		r = run_twice(setup_block, &cfg);
		assert_int_equal(r.verdict, SIM_CLEAN);
		assert_int_equal(mtx_val, 6);
		assert_true(kt_loops >= 1);
		assert_int_equal(kthread_stop(kt), 42);
	}
}

/* ---- after a stopped run, set-up code starts clean ------------------ */

static spinlock_t stuck;
static struct mutex after_mtx;

static void stuck_task(void *arg)
{
	unsigned long flags;

	spin_lock_irqsave(&stuck, flags);
	WARN_ON(1);		/* stops the run with the lock held, IRQs off */
	spin_unlock_irqrestore(&stuck, flags);
}

static void test_after_stopped_run(void **state)
{
	struct sim_config cfg = quiet_cfg(2);

	sim_init(&cfg);
	spin_lock_init(&stuck);
	mutex_init(&after_mtx);
	sim_add_task(1, "task0", stuck_task, NULL);
	assert_int_equal(sim_run(), SIM_REPORT);
	assert_string_equal(report_signature(), "invariant/stuck_task/task");
	/* actor 0 again, on a clean CPU 0 */
	assert_int_equal(lab_current().actor, 0);
	assert_int_equal(lab_cpu_id(), 0);
	assert_int_equal(preempt_count(), 0);
	assert_false(irqs_disabled());
	/* a lock the stopped run left held does not hang or report */
	spin_lock(&stuck);
	spin_unlock(&stuck);
	mutex_lock(&after_mtx);
	mutex_unlock(&after_mtx);
	assert_int_equal(report_count(), 1);
	/*
	 * A failed debug check in the teardown of a run that reported is
	 * the state that bug left: noted, no second report, no abort (a
	 * driver running many programs would lose the find).
	 */
	lab_debug_check_failed("!(teardown_is_valid())", LAB_SITE);
	assert_int_equal(report_count(), 1);
	assert_string_equal(report_signature(), "invariant/stuck_task/task");
}

/* ---- TSan: one CPU is sequential, CPUs are not ---------------------- */

/*
 * Per-CPU data touched by a task and later by an interrupt on the same
 * CPU, after the task blocked and another CPU ran in between: the CPU
 * orders them, so TSan must see no race (tests/sim runs under TSan too).
 * Locked shared data between CPUs: no race either.
 */
static int percpu_var[2];
static int pc_irq;
static spinlock_t pc_lock;
static int pc_shared;

static void pc_task0(void *arg)
{
	percpu_var[0] = 1;
	schedule_timeout_uninterruptible(5);	/* CPU 0 idles, CPU 1 runs */
}

static void pc_task1(void *arg)
{
	unsigned long flags;

	spin_lock_irqsave(&pc_lock, flags);	/* also taken in hardirq */
	pc_shared++;
	spin_unlock_irqrestore(&pc_lock, flags);
	sim_raise_hardirq(pc_irq);		/* lands on idle CPU 0 */
	race_point();
}

static void pc_irq_fn(void *arg)
{
	percpu_var[0]++;
	spin_lock(&pc_lock);
	pc_shared++;
	spin_unlock(&pc_lock);
}

static void setup_percpu(const struct sim_config *cfg)
{
	sim_init(cfg);
	spin_lock_init(&pc_lock);
	percpu_var[0] = percpu_var[1] = 0;
	pc_shared = 0;
	sim_add_task(0, "task0", pc_task0, NULL);
	sim_add_task(1, "task1", pc_task1, NULL);
	pc_irq = sim_add_hardirq(0, "irq0", pc_irq_fn, NULL, 0);
}

static void test_tsan_percpu(void **state)
{
	struct sim_config cfg = quiet_cfg(2);
	struct run_result r = run_twice(setup_percpu, &cfg);

	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_int_equal(percpu_var[0], 2);
	assert_int_equal(pc_shared, 2);
}

/* ---- a preemptible busy-wait lets the other task of its CPU run ------ */

static volatile int go;
static void waiter(void *arg)
{
	while (!go)
		cpu_relax();
	logc('w');
}

static void resched_waiter(void *arg)
{
	while (!go)
		cond_resched();
	logc('r');
}

static void setter(void *arg)
{
	logc('s');
	go = 1;
}

static void setup_busywait(const struct sim_config *cfg)
{
	sim_init(cfg);
	go = 0;
	logbuf[0] = 0;
	sim_add_task(0, "task0", waiter, NULL);
	sim_add_task(0, "task1", resched_waiter, NULL);
	sim_add_task(0, "task2", setter, NULL);
}

static void test_preemptible_busywait(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	struct run_result r;

	cfg.step_budget = 100;
	r = run_twice(setup_busywait, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_string_equal(logbuf, "swr");
}

/* ---- byte choices: a small mutation is a small schedule change ------- */

static void test_bytes_locality(void **state)
{
	struct sim_config cfg = quiet_cfg(3);
	struct sim_choice base[512], mut[512];
	uint8_t bytes[1024];
	size_t nb, nm, len, k;
	int seed, checked = 0;

	for (seed = 0; seed < 30; seed++) {
		cfg.source = SIM_SRC_RANDOM;
		cfg.seed = seed;
		cfg.bytes = NULL;
		run_twice(setup_smp, &cfg);
		memcpy(base, sim_choices(&nb), nb * sizeof(base[0]));
		if (nb < 4)
			continue;
		len = sim_choices_to_bytes(base, nb, bytes, sizeof(bytes));
		/* change the event of the middle entry */
		k = nb / 2;
		{
			size_t pos = 0, i;

			for (i = 0; i < nb; i++) {
				while (pos < len && bytes[pos] == 255 && bytes[pos + 1] == SIM_EV_NONE)
					pos += 2;	/* gap fillers */
				if (i == k)
					break;
				pos += 2;
			}
			bytes[pos + 1] ^= 0x4;	/* another CPU / irq / task index */
		}
		cfg.source = SIM_SRC_BYTES;
		cfg.bytes = bytes;
		cfg.nr_bytes = len;
		run_twice(setup_smp, &cfg);
		memcpy(mut, sim_choices(&nm), nm * sizeof(mut[0]));
		/* every choice before the mutated one is kept, at the same point */
		assert_true(nm >= k);
		assert_memory_equal(base, mut, k * sizeof(base[0]));
		checked++;
	}
	assert_true(checked > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_task),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_no_irq_while_irqs_off),
		cmocka_unit_test(test_softirq_on_irq_exit),
		cmocka_unit_test(test_no_preempt_in_spinlock),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_after_stopped_run),
		cmocka_unit_test(test_tsan_percpu),
		cmocka_unit_test(test_preemptible_busywait),
		cmocka_unit_test(test_bytes_locality),
	};

	return LAB_RUN_TESTS(tests);
}
