// SPDX-License-Identifier: MIT
/*
 * Fault injection on the simulated machine, where interrupts land at
 * scheduling points the choice source picks:
 *
 *  - fail-nth=2,actor=irq0 fails exactly irq0's 2nd allocation, in
 *    hardirq context, whatever the interleaving, and the same seed
 *    gives the same run (trace hash) with the plan installed;
 *  - reserve exhaustion issued by a hardirq handler in the middle of a
 *    task's allocations (maybe while the task holds its pcp lock) puts
 *    the zones on the GFP_ATOMIC line, the handler's GFP_ATOMIC gets
 *    NULL at once, and no detector fires.
 */
#include <labyrinth/mm.h>
#include "tests/sim/sim_test.h"
#include "faultinject/fault.h"

#define RUNS	120

static struct fault_injector fi;
static int irq0_actor;
static int irq_fires, irq_nulls, irq_nth_null, task_nulls, exhaust_errors;

static void install_mode(const char *text, bool serial)
{
	struct fault_plan p;
	char err[160];

	assert_int_equal(fault_plan_parse(text, &p, err, sizeof(err)), 0);
	fault_injector_init(&fi, &p);
	fi.serial = serial;
	assert_int_equal(fault_install(&fi, err, sizeof(err)), 0);
}

static void install(const char *text)
{
	install_mode(text, false);
}

static void machine(const struct sim_config *cfg)
{
	struct mm_config mc;

	if (fault_installed())
		fault_uninstall(fault_installed());
	mm_exit();
	assert_int_equal(sim_init(cfg), 0);
	memset(&mc, 0, sizeof(mc));
	mc.nr_cpus = cfg->nr_cpus;
	assert_int_equal(mm_init(&mc), 0);
	irq_fires = irq_nulls = irq_nth_null = task_nulls = exhaust_errors = 0;
}

/* ---- fail-nth of an interrupt handler ------------------------------- */

static void atomic_task(void *arg)
{
	struct page *p[4];
	int i;

	for (i = 0; i < 4; i++)
		if (!(p[i] = alloc_page(GFP_ATOMIC)))
			task_nulls++;
	for (i = 0; i < 4; i++)
		if (p[i])
			__free_page(p[i]);
}

static void irq0_handler(void *arg)
{
	struct page *p = alloc_page(GFP_ATOMIC);

	irq0_actor = lab_current().actor;
	irq_fires++;
	if (!p) {
		irq_nulls++;
		if (irq_fires == 2)
			irq_nth_null++;
		return;
	}
	__free_page(p);
}

static void fail_nth_scenario(const struct sim_config *cfg)
{
	machine(cfg);
	sim_add_task(0, "task0", atomic_task, NULL);
	sim_add_task(1, "task1", atomic_task, NULL);
	sim_add_hardirq(0, "irq0", irq0_handler, NULL, 3);
	install("fail-nth=2,actor=irq0");
}

static void test_fail_nth_irq0_any_interleaving(void **state)
{
	struct sim_config cfg = quiet_cfg(2);
	int i, hit = 0;

	cfg.source = SIM_SRC_RANDOM;
	cfg.random_permille = 300;
	for (i = 0; i < RUNS; i++) {
		struct run_result r;

		cfg.seed = 1000 + i;
		r = run_twice(fail_nth_scenario, &cfg);	/* same seed, same run */
		if (r.verdict != SIM_CLEAN) {
			fprintf(stderr, "seed %llu:\n%s", (unsigned long long)cfg.seed,
				report_text());
			fail();
		}
		assert_int_equal(task_nulls, 0);
		if (irq_fires >= 2) {
			hit++;
			assert_int_equal(irq_nulls, 1);
			assert_int_equal(irq_nth_null, 1);
			assert_int_equal(fi.total.failed, 1);
			assert_int_equal(fi.first.who.ctx, LAB_CTX_HARDIRQ);
			assert_int_equal(fi.first.who.actor, irq0_actor);
			assert_int_equal(fi.st[0].nth_seen, 2);
		} else {
			assert_int_equal(irq_nulls, 0);
			assert_int_equal(fi.total.failed, 0);
		}
		fault_uninstall(&fi);
	}
	assert_true(hit > RUNS / 10);	/* the interleavings really got there */
	mm_exit();
}

/* ---- exhaustion from a hardirq handler ------------------------------ */

static void churn_task(void *arg)
{
	int i;

	for (i = 0; i < 12; i++) {
		struct page *p = alloc_page(GFP_ATOMIC);

		if (p)
			__free_page(p);
	}
}

/* Records what it saw; the test asserts after the run (not on a fiber). */
static void exhausting_handler(void *arg)
{
	struct fault_lines l;
	struct mm_zone_info zi;

	irq_fires++;
	if (fault_exhaust(-1, FAULT_LINE_ATOMIC, -1) <= 0 ||
	    fault_zone_lines(ZONE_NORMAL, -1, &l) || mm_zone_info(ZONE_NORMAL, &zi) ||
	    zi.free_pages != l.line[FAULT_LINE_ATOMIC])
		exhaust_errors++;
	if (!alloc_page(GFP_ATOMIC))
		irq_nulls++;
	fault_exhaust_release(-1);
}

static void exhaust_scenario(const struct sim_config *cfg)
{
	machine(cfg);
	sim_add_task(0, "task0", churn_task, NULL);
	sim_add_hardirq(0, "irqx", exhausting_handler, NULL, 2);
}

static void test_exhaust_from_hardirq(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	int i, fired = 0;

	cfg.source = SIM_SRC_RANDOM;
	cfg.random_permille = 400;
	for (i = 0; i < RUNS; i++) {
		struct run_result r;

		cfg.seed = 7000 + i;
		r = run_twice(exhaust_scenario, &cfg);
		if (r.verdict != SIM_CLEAN) {
			fprintf(stderr, "seed %llu:\n%s", (unsigned long long)cfg.seed,
				report_text());
			fail();
		}
		assert_int_equal(exhaust_errors, 0);
		assert_int_equal(irq_nulls, irq_fires);
		fired += irq_fires;
	}
	assert_true(fired > RUNS / 4);
	mm_exit();
}

/* ---- kswapd held back or let run ------------------------------------ */

static unsigned long reclaimable_before;

static void waking_task(void *arg)
{
	/* Below LOW: the slow path wakes kswapd (GFP_ATOMIC never waits for it). */
	struct page *p = alloc_page(GFP_ATOMIC);

	if (!p)
		task_nulls++;
	else
		__free_page(p);
}

static void kswapd_scenario(const struct sim_config *cfg, const char *plan)
{
	struct mm_config mc;

	if (fault_installed())
		fault_uninstall(fault_installed());
	mm_exit();
	assert_int_equal(sim_init(cfg), 0);
	memset(&mc, 0, sizeof(mc));
	mc.nr_cpus = cfg->nr_cpus;
	mc.kswapd = true;
	assert_int_equal(mm_init(&mc), 0);
	task_nulls = 0;
	sim_add_task(0, "task0", waking_task, NULL);
	install(plan);
	reclaimable_before = mm_reclaimable_pages();
}

static void held(const struct sim_config *cfg)
{
	kswapd_scenario(cfg, "exhaust=all:min;kswapd=hold");
}

static void let_run(const struct sim_config *cfg)
{
	kswapd_scenario(cfg, "exhaust=all:min;kswapd=run");
}

static void test_kswapd_hold_and_run(void **state)
{
	struct sim_config cfg = quiet_cfg(1);
	struct run_result r;

	r = run_twice(held, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_int_equal(task_nulls, 0);
	assert_true(fi.kswapd_held);
	assert_int_equal(mm_reclaimable_pages(), reclaimable_before);	/* it did not run */
	fault_uninstall(&fi);

	r = run_twice(let_run, &cfg);
	assert_int_equal(r.verdict, SIM_CLEAN);
	assert_false(fi.kswapd_held);
	assert_true(mm_reclaimable_pages() < reclaimable_before);	/* it reclaimed */
	fault_uninstall(&fi);
	mm_exit();
}

/* ---- a serial injector does not perturb the machine ------------------ */

static int plan_mode;	/* 0 none, 1 serial, 2 locked */

static void perturb_scenario(const struct sim_config *cfg)
{
	machine(cfg);
	sim_add_task(0, "task0", atomic_task, NULL);
	sim_add_task(1, "task1", atomic_task, NULL);
	sim_add_hardirq(0, "irq0", irq0_handler, NULL, 3);
	/* A plan that fails nothing observable: only task0's 99th attempt. */
	if (plan_mode)
		install_mode("fail-nth=99,actor=task0", plan_mode == 1);
}

static void test_serial_plan_keeps_the_schedule(void **state)
{
	struct sim_config cfg = quiet_cfg(2);
	struct run_result none, serial, locked;
	int i, differ = 0;

	cfg.source = SIM_SRC_RANDOM;
	cfg.random_permille = 300;
	for (i = 0; i < 40; i++) {
		cfg.seed = 500 + i;
		plan_mode = 0;
		none = run_twice(perturb_scenario, &cfg);
		plan_mode = 1;
		serial = run_twice(perturb_scenario, &cfg);
		/* task0's 4 attempts counted; pcp refills are asked too, not admitted */
		assert_int_equal(fi.st[0].nth_seen, 4);
		assert_true(fi.total.calls >= 8 + (unsigned long)irq_fires);
		assert_int_equal(fi.total.failed, 0);
		plan_mode = 2;
		locked = run_twice(perturb_scenario, &cfg);
		/* Serial: the very same run, point for point. */
		assert_true(serial.hash == none.hash);
		assert_int_equal(serial.points, none.points);
		/* Locked (threads-safe): local_irq_save() adds scheduling points. */
		assert_true(locked.points > none.points);
		differ += locked.hash != none.hash;
		if (fault_installed())
			fault_uninstall(fault_installed());
	}
	assert_true(differ > 0);
	mm_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth_irq0_any_interleaving),
		cmocka_unit_test(test_exhaust_from_hardirq),
		cmocka_unit_test(test_kswapd_hold_and_run),
		cmocka_unit_test(test_serial_plan_keeps_the_schedule),
	};

	report_set_stream(NULL);
	return LAB_RUN_TESTS(tests);
}
