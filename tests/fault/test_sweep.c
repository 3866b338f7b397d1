// SPDX-License-Identifier: MIT
/*
 * The sweep: fail the 1st, 2nd, ... allocation until a run reaches no
 * fault, with the ownership ledger as the leak judge. A correct scenario
 * reports nothing; one whose error path forgets a page reports a leak at
 * exactly the N that takes that path.
 *
 * The scenario, calls numbered as the sweep counts them:
 *
 *	task0:	#1 t = alloc_page(GFP_KERNEL)
 *	irq0 (hardirq):
 *		#2 a = alloc_page(GFP_ATOMIC)
 *		#3 b = alloc_pages(GFP_ATOMIC, 1)
 *		#4 c = alloc_page(GFP_ATOMIC)
 *		free c, b, a -- on every error path too, except in the leaky
 *		variant, whose #4 error path forgets a
 *	task0:	free t
 */
#include <errno.h>
#include <string.h>
#include "tests/harness.h"
#include "threads/threads.h"
#include "check/report.h"
#include "check/ledger.h"
#include "faultinject/fault.h"

struct scenario {
	bool leaky;
	bool no_install;	/* a broken driver that never installs */
	int irq;		/* actor id of irq0 */
	int nulls;		/* NULLs the scenario saw in this run */
	int runs;
	char sig[8][96];	/* signature of each violating run, by report order */
	unsigned long bad_n[8];
	struct fault_record bad_first[8];
	int nbad;
};

static void irq_work(void *arg)
{
	struct scenario *s = arg;
	struct page *a, *b, *c;
	int was = lab_current().actor;

	threads_set_actor(s->irq);
	a = alloc_page(GFP_ATOMIC);
	if (!a)
		goto out_nomem;
	ledger_touch(a);
	b = alloc_pages(GFP_ATOMIC, 1);
	if (!b)
		goto out_free_a;
	c = alloc_page(GFP_ATOMIC);
	if (!c) {
		if (s->leaky) {
			/* The bug: this path forgets a. */
			s->nulls++;
			__free_pages(b, 1);
			goto out;
		}
		goto out_free_b;
	}
	ledger_touch(c);
	__free_page(c);
	__free_pages(b, 1);
	__free_page(a);
	goto out;

out_free_b:
	__free_pages(b, 1);
out_free_a:
	__free_page(a);
out_nomem:
	s->nulls++;
out:
	threads_set_actor(was);
}

static int run_scenario(struct fault_injector *fi, void *arg)
{
	struct scenario *s = arg;
	char err[160];
	struct page *t;
	int verdict;

	s->runs++;
	s->nulls = 0;
	report_reset();
	ledger_reset();
	assert_int_equal(mm_init(NULL), 0);
	ledger_mm_ready();
	if (!s->no_install)
		assert_int_equal(fault_install(fi, err, sizeof(err)), 0);

	t = alloc_page(GFP_KERNEL);
	if (!t)
		s->nulls++;
	threads_in_hardirq(irq_work, s);
	if (t)
		__free_page(t);

	fault_uninstall(fi);
	ledger_actor_exit(s->irq);
	ledger_actor_exit(lab_current().actor);
	ledger_end_of_run();
	verdict = report_fired() ? 1 + (int)report_first_kind() : 0;
	/* Caller side: every injected failure reached a caller as NULL. */
	if (!verdict && s->nulls != (int)fi->total.failed)
		verdict = 1000;
	mm_exit();
	return verdict;
}

static void on_violation(const struct fault_sweep_outcome *o, void *arg)
{
	struct scenario *s = arg;

	if (s->nbad >= 8)
		return;
	snprintf(s->sig[s->nbad], sizeof(s->sig[0]), "%s", report_signature());
	s->bad_n[s->nbad] = o->n;
	s->bad_first[s->nbad] = o->first;
	assert_int_equal(o->unreported, 0);
	s->nbad++;
}

static int group_setup(void **state)
{
	if (threads_init(2))
		return -1;
	mm_listen_reset();
	report_set_stream(NULL);
	report_set_mode(REPORT_RECORD);
	if (ledger_init(0))
		return -1;
	if (mm_listen(fault_mm_event, NULL))
		return -1;
	return ledger_attach();
}

static int group_teardown(void **state)
{
	mm_listen_reset();
	ledger_exit();
	threads_exit();
	return 0;
}

static struct scenario *fresh(bool leaky)
{
	static struct scenario s;

	memset(&s, 0, sizeof(s));
	s.leaky = leaky;
	s.irq = threads_new_actor("irq0");
	return &s;
}

static void test_correct_scenario_reports_nothing(void **state)
{
	struct scenario *s = fresh(false);

	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_TRANSIENT, NULL, 0,
				     on_violation, s), 0);
	/* N = 1..4 fail a call each; N = 5 reaches no fault and ends the sweep. */
	assert_int_equal(s->runs, 5);
	assert_int_equal(s->nbad, 0);

	s = fresh(false);
	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_PERSISTENT, NULL, 0,
				     on_violation, s), 0);
	assert_int_equal(s->runs, 5);
	assert_int_equal(s->nbad, 0);
}

static void check_leak_at(struct scenario *s, unsigned long n)
{
	assert_int_equal(s->nbad, 1);
	print_message("violation at n=%lu: %s\n", s->bad_n[0], s->sig[0]);
	assert_int_equal(s->bad_n[0], n);
	assert_memory_equal(s->sig[0], "leak/", 5);
	/* The injected call is irq0's GFP_ATOMIC #4, in hardirq. */
	assert_int_equal(s->bad_first[0].who.actor, s->irq);
	assert_int_equal(s->bad_first[0].who.ctx, LAB_CTX_HARDIRQ);
	assert_int_equal(s->bad_first[0].gfp, GFP_ATOMIC);
	assert_int_equal(s->bad_first[0].order, 0);
	assert_int_equal(s->bad_first[0].site, FAULT_SITE_ALLOC_PAGES);
}

static void test_leak_on_error_path_found_at_n(void **state)
{
	struct scenario *s = fresh(true);

	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_TRANSIENT, NULL, 0,
				     on_violation, s), 1);
	assert_int_equal(s->runs, 5);
	check_leak_at(s, 4);

	s = fresh(true);
	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_PERSISTENT, NULL, 0,
				     on_violation, s), 1);
	check_leak_at(s, 4);
}

static void test_sweep_with_filter(void **state)
{
	struct scenario *s = fresh(true);
	struct fault_rule only_irq;

	/* Sweep irq0's allocations only: its 3rd is the one with the bad path. */
	fault_rule_init(&only_irq);
	strcpy(only_irq.actor_name, "irq0");
	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_TRANSIENT, &only_irq, 0,
				     on_violation, s), 1);
	assert_int_equal(s->runs, 4);
	check_leak_at(s, 3);
}

static void test_sweep_misuse(void **state)
{
	struct scenario *s = fresh(false);

	s->no_install = true;
	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_TRANSIENT, NULL, 0,
				     on_violation, s), -EINVAL);
	assert_int_equal(s->runs, 1);
	s = fresh(false);
	assert_int_equal(fault_sweep(run_scenario, s, FAULT_SWEEP_TRANSIENT, NULL, 2,
				     on_violation, s), -E2BIG);
	assert_int_equal(s->runs, 2);
	assert_int_equal(fault_sweep(NULL, s, FAULT_SWEEP_TRANSIENT, NULL, 0, NULL, NULL),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_correct_scenario_reports_nothing),
		cmocka_unit_test(test_leak_on_error_path_found_at_n),
		cmocka_unit_test(test_sweep_with_filter),
		cmocka_unit_test(test_sweep_misuse),
	};

	return LAB_RUN_TESTS_FIXTURE(tests, group_setup, group_teardown);
}
