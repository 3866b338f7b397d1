// SPDX-License-Identifier: MIT
/*
 * Stress of the machine itself: seeded random programs that use the
 * kernel API *legally* -- irq-safe locks always with IRQs off, a
 * bh-safe lock with bh off in tasks, a task-only lock, locks nested in
 * one global order, mutexes and sleeps only in tasks -- on 1 to 4 CPUs
 * with every context kind and random schedules. Every run must end
 * clean (no detector fires on correct code), agree with its twin run,
 * and leave the machine consistent.
 */
#include "tests/sim/sim_test.h"

uint64_t sim_rand(uint64_t *s);

#define NR_OPS	12

static spinlock_t irq_lock[2];	/* used in hardirq: irqsave elsewhere */
static spinlock_t bh_lock;	/* used in softirq: _bh in tasks */
static spinlock_t task_lock;	/* tasks only */
static struct mutex mtx;
static wait_queue_head_t wq;
static int counters[4];		/* guarded by irq_lock[0], irq_lock[1], bh_lock, task_lock */
static int irqs[SIM_MAX_CPUS][2], nrs[SIM_MAX_CPUS];
static uint64_t prog_seed;
/* Totals over a test (twin runs included), to check the mix happened. */
static unsigned long total_irq, total_softirq, total_points, total_nested;
static int nr_cpus;

static void raise_some_irq(uint64_t r)
{
	int cpu = (int)(r % (uint64_t)nr_cpus);

	sim_raise_hardirq(irqs[cpu][(r >> 8) & 1]);
}

static void irqsave_section(uint64_t r)
{
	unsigned long flags;
	int a = (int)(r & 1);

	spin_lock_irqsave(&irq_lock[a], flags);
	counters[a]++;
	race_point();
	if (a == 0 && (r & 2)) {		/* nested in the global order */
		spin_lock(&irq_lock[1]);
		counters[1]++;
		spin_unlock(&irq_lock[1]);
	}
	spin_unlock_irqrestore(&irq_lock[a], flags);
}

static void task_fn(void *arg)
{
	uint64_t s = prog_seed ^ (uint64_t)(uintptr_t)arg;
	int i;

	for (i = 0; i < NR_OPS; i++) {
		uint64_t r = sim_rand(&s);

		switch (r % 10) {
		case 0:
			irqsave_section(r >> 4);
			break;
		case 1:
			spin_lock_bh(&bh_lock);
			counters[2]++;
			race_point();
			spin_unlock_bh(&bh_lock);
			break;
		case 2:
			spin_lock(&task_lock);
			counters[3]++;
			if (r & 16)
				irqsave_section(r >> 5);	/* task_lock -> irq_lock */
			spin_unlock(&task_lock);
			break;
		case 3:
			mutex_lock(&mtx);
			if (r & 16)
				schedule_timeout_uninterruptible(1);
			spin_lock(&task_lock);
			counters[3]++;
			spin_unlock(&task_lock);
			mutex_unlock(&mtx);
			break;
		case 4:
			preempt_disable();
			race_point();
			preempt_enable();
			break;
		case 5:
			local_bh_disable();
			raise_softirq(nrs[lab_cpu_id()]);
			race_point();
			local_bh_enable();
			break;
		case 6:
			raise_some_irq(r >> 4);
			race_point();
			break;
		case 7:
			wake_up(&wq);
			cond_resched();
			break;
		case 8: {
			unsigned long flags;

			local_irq_save(flags);
			raise_some_irq(r >> 4);
			race_point();
			local_irq_restore(flags);
			break;
		}
		default:
			race_point();
			break;
		}
	}
}

static void hardirq_fn(void *arg)
{
	uint64_t s = prog_seed ^ (uint64_t)(uintptr_t)arg ^ (uint64_t)sim_points();
	uint64_t r = sim_rand(&s);
	int a = (int)(r & 1);

	__atomic_add_fetch(&total_irq, 1, __ATOMIC_RELAXED);
	if (in_serving_softirq())
		__atomic_add_fetch(&total_nested, 1, __ATOMIC_RELAXED);
	if (r & 2) {
		spin_lock(&irq_lock[a]);
		counters[a]++;
		race_point();
		spin_unlock(&irq_lock[a]);
	} else if (spin_trylock(&irq_lock[a])) {
		counters[a]++;
		spin_unlock(&irq_lock[a]);
	}
	if (r & 4)
		raise_softirq(nrs[lab_cpu_id()]);
	if (r & 8)
		wake_up(&wq);
}

static void softirq_fn(void *arg)
{
	uint64_t s = prog_seed ^ (uint64_t)sim_points();
	uint64_t r = sim_rand(&s);

	__atomic_add_fetch(&total_softirq, 1, __ATOMIC_RELAXED);
	spin_lock(&bh_lock);
	counters[2]++;
	race_point();			/* IRQs on: a hardirq may nest here */
	spin_unlock(&bh_lock);
	if (r & 1)
		irqsave_section(r >> 1);
	if (r & 2)
		raise_some_irq(r >> 2);
}

static struct task_struct *kt;
static int kthread_fn(void *arg)
{
	while (!kthread_should_stop()) {
		unsigned long seq = lab_wait_prepare(&wq);

		if (kthread_should_stop()) {
			lab_wait_finish(&wq);
			break;
		}
		lab_wait_sleep(&wq, seq, LAB_SITE);
		irqsave_section(1);
	}
	return 0;
}

static void setup_stress(const struct sim_config *cfg)
{
	int cpu;

	sim_init(cfg);
	nr_cpus = cfg->nr_cpus;
	spin_lock_init(&irq_lock[0]);
	spin_lock_init(&irq_lock[1]);
	spin_lock_init(&bh_lock);
	spin_lock_init(&task_lock);
	mutex_init(&mtx);
	init_waitqueue_head(&wq);
	memset(counters, 0, sizeof(counters));
	kt = kthread_run(kthread_fn, NULL, "kworker");
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		char n[16];

		snprintf(n, sizeof(n), "task%d", cpu);
		sim_add_task(cpu, n, task_fn, (void *)(uintptr_t)(cpu + 1));
		snprintf(n, sizeof(n), "task%db", cpu);
		sim_add_task(cpu, n, task_fn, (void *)(uintptr_t)(cpu + 101));
		snprintf(n, sizeof(n), "irq%d", cpu);
		irqs[cpu][0] = sim_add_hardirq(cpu, n, hardirq_fn, (void *)(uintptr_t)cpu, 4);
		snprintf(n, sizeof(n), "irq%db", cpu);
		irqs[cpu][1] = sim_add_hardirq(cpu, n, hardirq_fn, (void *)(uintptr_t)(cpu + 9), 2);
		snprintf(n, sizeof(n), "softirq%d", cpu);
		nrs[cpu] = sim_add_softirq(cpu, n, softirq_fn, NULL);
	}
}

static void stress(int cpus, enum sim_source src, int runs)
{
	struct sim_config cfg = quiet_cfg(cpus);
	uint8_t bytes[96];
	int i;

	cfg.source = src;
	cfg.random_permille = 350;
	cfg.pct_depth = 3;
	cfg.pct_steps = 300;
	total_irq = total_softirq = total_points = total_nested = 0;
	for (i = 0; i < runs; i++) {
		struct run_result r;

		cfg.seed = (uint64_t)i * 7919 + (uint64_t)cpus;
		cfg.lockdep_order = i & 1;	/* one global order: no cycle either */
		prog_seed = cfg.seed * 31;
		if (src == SIM_SRC_BYTES && i > 0) {
			/* any byte string is a legal schedule (fuzzer input) */
			uint64_t s = cfg.seed;
			size_t k;

			for (k = 0; k < sizeof(bytes); k++)
				bytes[k] = (uint8_t)(sim_rand(&s) >> 13);
			for (k = 0; k < sizeof(bytes); k += 2)
				bytes[k] &= 7;	/* short skips: dense events */
			cfg.bytes = bytes;
			cfg.nr_bytes = (size_t)(i % (int)sizeof(bytes)) + 1;
		}
		r = run_twice(setup_stress, &cfg);
		if (r.verdict != SIM_CLEAN) {
			fprintf(stderr, "cpus %d seed %llu source %d:\n%s", cpus,
				(unsigned long long)cfg.seed, (int)src, report_text());
			fail();
		}
		assert_false(irq_lock[0].locked || irq_lock[1].locked ||
			     bh_lock.locked || task_lock.locked || mtx.locked);
		total_points += r.points;
	}
	print_message("%d CPUs source %d: %d runs, %lu points, %lu hardirqs "
		      "(%lu on a softirq), %lu softirqs\n", cpus, (int)src, runs,
		      total_points, total_irq, total_nested, total_softirq);
	assert_true(total_irq > (unsigned long)runs);
	assert_true(total_softirq > (unsigned long)runs);
	if (cpus > 1 && src != SIM_SRC_BYTES)
		assert_true(total_nested > 0);
}

static void test_stress_1(void **state) { stress(1, SIM_SRC_RANDOM, 1000); }
static void test_stress_2(void **state) { stress(2, SIM_SRC_RANDOM, 1000); }
static void test_stress_4(void **state) { stress(4, SIM_SRC_RANDOM, 1000); }
static void test_stress_pct(void **state) { stress(4, SIM_SRC_PCT, 500); }
/* run 0: the default schedule; then random byte strings of every length */
static void test_stress_default(void **state) { stress(3, SIM_SRC_BYTES, 20); }
static void test_stress_bytes(void **state) { stress(4, SIM_SRC_BYTES, 1000); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_default),
		cmocka_unit_test(test_stress_bytes),
		cmocka_unit_test(test_stress_1),
		cmocka_unit_test(test_stress_2),
		cmocka_unit_test(test_stress_4),
		cmocka_unit_test(test_stress_pct),
	};

	return LAB_RUN_TESTS(tests);
}
