// SPDX-License-Identifier: MIT
/*
 * The decision engine alone: every attribute and filter, alone and
 * combined, with exact counts. Calls fault_should_fail() directly (no
 * allocator); contexts, CPUs and actors come from the threads backend.
 *
 * A pattern string reads like the calls: one character per call, 'x'
 * where a failure was injected, '.' where the call went through.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include "tests/harness.h"
#include "threads/threads.h"
#include "faultinject/fault.h"

static struct fault_injector fi;

/* Parse text (must be valid) and load it into fi. */
static void load(const char *text)
{
	struct fault_plan p;
	char err[160];

	if (fault_plan_parse(text, &p, err, sizeof(err))) {
		print_error("plan '%s': %s\n", text, err);
		fail();
	}
	fault_injector_init(&fi, &p);
}

/* n calls with gfp/order from the calling context; the pattern into buf. */
static const char *run(int n, gfp_t gfp, unsigned int order, char *buf)
{
	int i;

	for (i = 0; i < n; i++)
		buf[i] = fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, gfp, order) ? 'x' : '.';
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	return threads_init(2);
}

static int teardown(void **state)
{
	threads_exit();
	return 0;
}

static void test_interval_alone(void **state)
{
	char b[64];

	/* interval 3 fails the 3rd, 6th, 9th ... */
	load("interval=3");
	assert_string_equal(run(10, GFP_ATOMIC, 0, b), "..x..x..x.");
	assert_int_equal(fi.total.calls, 10);
	assert_int_equal(fi.total.admitted, 10);
	assert_int_equal(fi.total.filtered, 0);
	assert_int_equal(fi.total.failed, 3);
	assert_int_equal(fi.st[0].count, 10);
	assert_int_equal(fi.last.call, 9);
	assert_int_equal(fi.first.call, 3);
}

static void test_space_alone(void **state)
{
	char b[64];

	/*
	 * should_fail_ex(): while space > size the call goes through and
	 * space shrinks by size; fail_page_alloc's size is 1 << order
	 * pages. space=3, order 0: 3 -> 2 -> 1, then 1 > 1 is false, so
	 * the 3rd call is the first to fail.
	 */
	load("space=3");
	assert_int_equal(fi.plan.spec[0].rule.space, 3);
	assert_string_equal(run(5, GFP_ATOMIC, 0, b), "..xxx");
	assert_int_equal(fi.st[0].space, 1);
	/* One order-1 call (2 pages) against 3: let through, 1 left; then fail. */
	load("space=3");
	assert_string_equal(run(1, GFP_ATOMIC, 1, b), ".");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "xx");
	/* An order-2 call (4 pages) is bigger than the budget: fails at once. */
	load("space=3");
	assert_string_equal(run(1, GFP_ATOMIC, 2, b), "x");
	assert_int_equal(fi.st[0].space, 3);
}

static void test_times_alone(void **state)
{
	char b[64];

	load("times=2");
	assert_string_equal(run(6, GFP_ATOMIC, 0, b), "xx....");
	assert_int_equal(fi.total.failed, 2);
	assert_int_equal(fi.st[0].times, 0);
	load("times=0");
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), "...");
	load("times=-1");
	assert_string_equal(run(4, GFP_ATOMIC, 0, b), "xxxx");
}

static void test_probability_bounds(void **state)
{
	char b[1100];

	load("probability=0");
	assert_int_equal(strspn(run(1000, GFP_ATOMIC, 0, b), "."), 1000);
	assert_int_equal(fi.total.failed, 0);
	/* Probability 0 short-cuts before interval: the counter stays put. */
	load("probability=0,interval=2");
	run(10, GFP_ATOMIC, 0, b);
	assert_int_equal(fi.st[0].count, 0);
	load("probability=100");
	assert_int_equal(strspn(run(1000, GFP_ATOMIC, 0, b), "x"), 1000);
	assert_int_equal(fi.total.failed, 1000);
}

static void test_probability_seeded(void **state)
{
	char a[1001], b[1001], c[1001];
	size_t i, nx = 0;

	load("probability=30,seed=7");
	run(1000, GFP_ATOMIC, 0, a);
	load("probability=30,seed=7");
	run(1000, GFP_ATOMIC, 0, b);
	assert_string_equal(a, b);	/* same seed, same failures */
	for (i = 0; i < 1000; i++)
		nx += a[i] == 'x';
	assert_int_equal(nx, fi.total.failed);
	assert_in_range(nx, 240, 360);	/* 30% of 1000, +-4 sigma */
	load("probability=30,seed=8");
	run(1000, GFP_ATOMIC, 0, c);
	assert_string_not_equal(a, c);
}

static void test_combined_attributes(void **state)
{
	char b[64];

	/* interval then times: 3rd and 6th fail, then times is spent. */
	load("interval=3,times=2");
	assert_string_equal(run(12, GFP_ATOMIC, 0, b), "..x..x......");
	/* times==0 is tested before interval: the counter stops at 6. */
	assert_int_equal(fi.st[0].count, 6);
	/* space first, then interval counts only calls past the budget. */
	load("space=2,interval=2");
	assert_string_equal(run(7, GFP_ATOMIC, 0, b), "..x.x.x");
	/* All four: 1 call spent on space, every 2nd of the rest, 2 at most. */
	load("space=2,interval=2,times=2,probability=100");
	assert_string_equal(run(9, GFP_ATOMIC, 0, b), "..x.x....");
	assert_int_equal(fi.total.failed, 2);
}

static void test_filter_gfp_order_site(void **state)
{
	char b[64];

	load("ignore-gfp-wait");
	assert_string_equal(run(3, GFP_KERNEL, 0, b), "...");
	assert_string_equal(run(2, GFP_NOIO, 0, b), "..");
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), "xxx");
	assert_string_equal(run(1, GFP_NOWAIT, 0, b), "x");
	assert_int_equal(fi.total.filtered, 5);
	assert_int_equal(fi.total.failed, 4);

	load("ignore-gfp-highmem");
	assert_string_equal(run(2, GFP_HIGHUSER_MOVABLE, 0, b), "..");
	assert_string_equal(run(1, GFP_KERNEL, 0, b), "x");

	load("min-order=2");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "..");
	assert_string_equal(run(2, GFP_ATOMIC, 1, b), "..");
	assert_string_equal(run(2, GFP_ATOMIC, 2, b), "xx");
	assert_string_equal(run(1, GFP_ATOMIC, 5, b), "x");

	load("site=mempool_elem");
	assert_false(fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0));
	assert_false(fault_should_fail(&fi, FAULT_SITE_PCP_REFILL, GFP_ATOMIC, 0));
	assert_true(fault_should_fail(&fi, FAULT_SITE_MEMPOOL_ELEM, GFP_ATOMIC, 0));
	assert_int_equal(fi.total.filtered, 2);
}

static void test_nofail_never_fails(void **state)
{
	char b[64];

	load("probability=100");
	assert_string_equal(run(5, GFP_KERNEL | __GFP_NOFAIL, 0, b), ".....");
	assert_string_equal(run(1, GFP_ATOMIC | __GFP_NOFAIL, 0, b), ".");
	assert_int_equal(fi.nofail, 6);
	assert_int_equal(fi.total.filtered, 6);
	/* fail-nth does not count them either. */
	load("fail-nth=2");
	run(3, GFP_ATOMIC | __GFP_NOFAIL, 0, b);
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), ".x.");
}

/* ---- context, CPU and actor filters ------------------------------- */

struct ctx_run {
	int n;
	char *buf;
};

static void ctx_body(void *arg)
{
	struct ctx_run *r = arg;

	run(r->n, GFP_ATOMIC, 0, r->buf);
}

static const char *hardirq_run(int n, char *buf)
{
	struct ctx_run r = { n, buf };

	threads_in_hardirq(ctx_body, &r);
	return buf;
}

static const char *softirq_run(int n, char *buf)
{
	struct ctx_run r = { n, buf };

	threads_in_softirq(ctx_body, &r);
	return buf;
}

static void test_filter_ctx(void **state)
{
	char b[64];

	load("ctx=hardirq");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "..");
	assert_string_equal(softirq_run(2, b), "..");
	assert_string_equal(hardirq_run(3, b), "xxx");
	assert_int_equal(fi.last.who.ctx, LAB_CTX_HARDIRQ);
	load("ctx=task|softirq");
	assert_string_equal(hardirq_run(2, b), "..");
	assert_string_equal(softirq_run(1, b), "x");
	assert_string_equal(run(1, GFP_ATOMIC, 0, b), "x");
}

static void test_filter_cpu_actor(void **state)
{
	int a1 = threads_new_actor("worker"), me = lab_current().actor;
	char b[64], text[64];

	load("cpu=1");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "..");
	threads_set_cpu(1);
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "xx");
	threads_set_cpu(0);

	load("actor=worker");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "..");
	threads_set_actor(a1);
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "xx");
	threads_set_actor(me);

	snprintf(text, sizeof(text), "actor=%d", a1);
	load(text);
	assert_string_equal(run(1, GFP_ATOMIC, 0, b), ".");
	threads_set_actor(a1);
	assert_string_equal(run(1, GFP_ATOMIC, 0, b), "x");
	threads_set_actor(me);
}

/* ---- fail-nth ---------------------------------------------------- */

struct irq_calls {
	int n;
	char *buf;
	int actor;
};

/* A hardirq handler run as actor "irq0", as the backend's would be. */
static void irq0_body(void *arg)
{
	struct irq_calls *c = arg;
	int was = lab_current().actor;

	threads_set_actor(c->actor);
	run(c->n, GFP_ATOMIC, 0, c->buf);
	threads_set_actor(was);
}

static void test_fail_nth_actor_hardirq(void **state)
{
	int irq0 = threads_new_actor("irq0");
	char t[64], h[64], all[128] = "";
	struct irq_calls c = { 1, h, irq0 };
	int i;

	/*
	 * task0 and irq0 interleave; only irq0's attempts count, and its
	 * 3rd fails, in hardirq context. Nothing else fails before or after.
	 */
	load("fail-nth=3,actor=irq0");
	for (i = 0; i < 6; i++) {
		strcat(all, run(2, GFP_ATOMIC, 0, t));
		threads_in_hardirq(irq0_body, &c);
		strcat(all, h);
	}
	/* t t h | t t h | t t h ... */
	assert_string_equal(all, "......" ".." "x" "......." "..");
	assert_int_equal(fi.total.failed, 1);
	assert_int_equal(fi.first.who.actor, irq0);
	assert_int_equal(fi.first.who.ctx, LAB_CTX_HARDIRQ);
	assert_true(fi.st[0].nth_fired);
	assert_int_equal(fi.st[0].nth_seen, 3);
	assert_int_equal(fi.total.calls, 18);
}

static void test_fail_nth_every_context(void **state)
{
	char b[64];

	/* The Nth admitted call fails whatever context makes it. */
	load("fail-nth=4");
	assert_string_equal(run(2, GFP_ATOMIC, 0, b), "..");
	assert_string_equal(softirq_run(1, b), ".");
	assert_string_equal(softirq_run(2, b), "x.");
	assert_int_equal(fi.first.who.ctx, LAB_CTX_SOFTIRQ);
	load("fail-nth=1,ctx=hardirq");
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), "...");
	assert_string_equal(hardirq_run(2, b), "x.");
	assert_int_equal(fi.st[0].nth_seen, 1);
}

static void test_fail_nth_counts_admitted_only(void **state)
{
	char b[64];

	/* ignore-gfp-wait: GFP_KERNEL attempts are not counted. */
	load("fail-nth=2,ignore-gfp-wait");
	assert_string_equal(run(3, GFP_KERNEL, 0, b), "...");
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), ".x.");
	assert_int_equal(fi.st[0].n.filtered, 3);
}

static void test_fail_nth_persist_and_attrs(void **state)
{
	char b[64];

	load("fail-nth=3,persist");
	assert_string_equal(run(7, GFP_ATOMIC, 0, b), "..xxxxx");
	/* times bounds the persistent tail: "fail the next 3". */
	load("fail-nth=1,persist,times=3");
	assert_string_equal(run(6, GFP_ATOMIC, 0, b), "xxx...");
	/* While armed, fail-nth alone decides (should_fail_ex()); after it,
	 * the attributes do, if the plan gave a probability. */
	load("fail-nth=2,probability=100,interval=2");
	assert_string_equal(run(7, GFP_ATOMIC, 0, b), ".x.x.x.");
	/* Without one, the kernel's fail-nth default: nothing more fails. */
	load("fail-nth=2,interval=2");
	assert_string_equal(run(7, GFP_ATOMIC, 0, b), ".x.....");
}

static void test_two_rules_independent(void **state)
{
	char b[64];

	/* Each part counts every call; a call fails if any part fails it. */
	load("fail-nth=2;interval=4");
	assert_string_equal(run(9, GFP_ATOMIC, 0, b), ".x.x...x.");
	assert_int_equal(fi.st[0].n.failed, 1);
	assert_int_equal(fi.st[1].n.failed, 2);
	assert_int_equal(fi.total.failed, 3);
	assert_int_equal(fi.first.spec, 0);
	assert_int_equal(fi.last.spec, 1);
}

static void test_selftest_site(void **state)
{
	load("ctx=hardirq,fail-nth=5");
	/* Site 0 always fires, past every filter, and is counted apart. */
	assert_true(fault_should_fail(&fi, FAULT_SITE_SELFTEST, GFP_KERNEL, 0));
	assert_int_equal(fi.selftest, 1);
	assert_int_equal(fi.total.calls, 0);
	assert_int_equal(fi.st[0].nth_seen, 0);
	/* The empty plan fails nothing. */
	fault_injector_init(&fi, NULL);
	assert_false(fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0));
	assert_int_equal(fi.total.filtered, 1);
}

static char vlines[8][256];
static int nvlines;

static void vcb(const char *line, void *arg)
{
	if (nvlines < 8)
		snprintf(vlines[nvlines], sizeof(vlines[0]), "%s", line);
	nvlines++;
}

static void test_verbose(void **state)
{
	char b[64];

	nvlines = 0;
	load("interval=2,verbose");
	fi.verbose_fn = vcb;
	run(4, GFP_ATOMIC, 0, b);
	assert_int_equal(nvlines, 2);
	assert_non_null(strstr(vlines[0], "FAULT_INJECTION: forcing a failure."));
	assert_non_null(strstr(vlines[0], "site alloc_pages"));
	assert_non_null(strstr(vlines[0], "call 2"));
	assert_non_null(strstr(vlines[1], "call 4"));
	/* __GFP_NOWARN callers fail silently (FAULT_NOWARN). */
	run(2, GFP_NOWAIT, 0, b);
	assert_int_equal(nvlines, 2);
	assert_int_equal(fi.total.failed, 3);
	/* verbose=0: no line. */
	load("interval=2");
	fi.verbose_fn = vcb;
	run(4, GFP_ATOMIC, 0, b);
	assert_int_equal(nvlines, 2);
}

static void test_add_rule_at_run_time(void **state)
{
	struct fault_rule r;
	char b[64];

	load("interval=2");
	assert_string_equal(run(3, GFP_ATOMIC, 0, b), ".x.");
	/* "Fail the next 2": fail-nth=1,persist,times=2, from call 4 on. */
	fault_rule_init(&r);
	r.fail_nth = 1;
	r.persist = true;
	r.times = 2;
	r.probability = 0;
	assert_int_equal(fault_add_rule(&fi, &r), 1);
	assert_string_equal(run(5, GFP_ATOMIC, 0, b), "xxx.x");
	assert_int_equal(fi.st[1].n.calls, 5);
	assert_int_equal(fi.st[1].n.failed, 2);
	assert_int_equal(fi.st[0].n.failed, 4);
	assert_int_equal(fi.total.failed, 5);
	while (fi.plan.nr < FAULT_MAX_SPECS)
		assert_true(fault_add_rule(&fi, &r) >= 0);
	assert_int_equal(fault_add_rule(&fi, &r), -ENOSPC);
}

static void test_caller_side_check(void **state)
{
	struct mm_event ev = { .kind = MM_EV_ALLOC, .who = lab_current() };

	load("probability=100");
	/* An injected failure answered with a page: unreported. */
	assert_true(fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0));
	fault_mm_event(&ev, &fi);
	assert_int_equal(fi.unreported, 1);
	/* A later successful allocation owes nothing. */
	fault_mm_event(&ev, &fi);
	assert_int_equal(fi.unreported, 1);
	/* Answered with NULL (MM_EV_ALLOC_FAIL): reported. */
	assert_true(fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0));
	ev.who.ctx = LAB_CTX_HARDIRQ;		/* someone else's event: not ours */
	fault_mm_event(&ev, &fi);
	ev.kind = MM_EV_ALLOC_FAIL;
	ev.who = lab_current();
	fault_mm_event(&ev, &fi);
	assert_int_equal(fi.reported, 1);
	assert_int_equal(fi.unreported, 1);
	/* Other sites owe no NULL to an alloc_pages() caller. */
	load("site=pcp_refill");
	assert_true(fault_should_fail(&fi, FAULT_SITE_PCP_REFILL, 0, 0));
	ev.kind = MM_EV_ALLOC;
	fault_mm_event(&ev, &fi);
	assert_int_equal(fi.unreported, 0);
}

/* ---- real threads and interrupts ------------------------------------ */

#define STRESS_CALLS	4000

static unsigned long irq_calls;
static int stress_go;

static void stress_irq(void *arg)
{
	fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0);
	__atomic_add_fetch(&irq_calls, 1, __ATOMIC_RELAXED);
}

static void stress_task(void *arg)
{
	int i, other = *(int *)arg;

	/* Raise interrupts only once both CPUs' threads are registered. */
	while (!__atomic_load_n(&stress_go, __ATOMIC_ACQUIRE))
		sched_yield();
	for (i = 0; i < STRESS_CALLS; i++) {
		fault_should_fail(&fi, FAULT_SITE_ALLOC_PAGES, GFP_ATOMIC, 0);
		if (i % 64 == 0)
			threads_raise_hardirq(other);
	}
}

/*
 * Two CPUs deciding at once while interrupts (signals) land on them:
 * the decision stays exact (interval 3 fails exactly a third of all
 * calls) and an interrupt never deadlocks on the injector's lock.
 */
static void test_concurrent_exact_counts(void **state)
{
	static int cpu_of[2] = { 1, 0 };
	unsigned long calls;

	assert_int_equal(threads_init(2), 0);
	irq_calls = 0;
	stress_go = 0;
	load("interval=3");
	threads_set_hardirq(0, "irq0", stress_irq, NULL);
	threads_set_hardirq(1, "irq1", stress_irq, NULL);
	assert_int_equal(threads_spawn(0, "t0", stress_task, &cpu_of[0]), 0);
	assert_int_equal(threads_spawn(1, "t1", stress_task, &cpu_of[1]), 0);
	__atomic_store_n(&stress_go, 1, __ATOMIC_RELEASE);
	threads_join_all();
	calls = 2 * STRESS_CALLS + __atomic_load_n(&irq_calls, __ATOMIC_RELAXED);
	assert_true(calls > 2 * STRESS_CALLS);	/* interrupts really came */
	assert_int_equal(fi.total.calls, calls);
	assert_int_equal(fi.total.admitted, calls);
	assert_int_equal(fi.total.failed, calls / 3);
	assert_int_equal(fi.st[0].count, calls);
	assert_int_equal(fi.lock, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_alone),
		cmocka_unit_test(test_space_alone),
		cmocka_unit_test(test_times_alone),
		cmocka_unit_test(test_probability_bounds),
		cmocka_unit_test(test_probability_seeded),
		cmocka_unit_test(test_combined_attributes),
		cmocka_unit_test(test_filter_gfp_order_site),
		cmocka_unit_test(test_nofail_never_fails),
		cmocka_unit_test(test_filter_ctx),
		cmocka_unit_test(test_filter_cpu_actor),
		cmocka_unit_test(test_fail_nth_actor_hardirq),
		cmocka_unit_test(test_fail_nth_every_context),
		cmocka_unit_test(test_fail_nth_counts_admitted_only),
		cmocka_unit_test(test_fail_nth_persist_and_attrs),
		cmocka_unit_test(test_two_rules_independent),
		cmocka_unit_test(test_selftest_site),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_add_rule_at_run_time),
		cmocka_unit_test(test_caller_side_check),
		cmocka_unit_test(test_concurrent_exact_counts),
	};

	return LAB_RUN_TESTS_FIXTURE(tests, setup, teardown);
}
