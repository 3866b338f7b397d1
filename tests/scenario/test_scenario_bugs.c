// SPDX-License-Identifier: MIT
/*
 * The scenarios' bug twins: the same scenario sources built with a bug
 * switch (tests/scenario/build.mk), to prove the detectors catch a bug
 * in the scenario's own contract, with the right signature:
 *
 *   SCN_BUG_NIC_TOUCH_AFTER_GIVE	NAPI writes to a page after handing
 *					it to the consumer: use-after-give
 *   SCN_BUG_BLOCK_LEAK_ON_SG_FAIL	the submitter keeps the request when
 *					the sg allocation fails: a leak, and
 *					only when a failure is injected there
 *   SCN_BUG_BLOCK_NOIO_IN_SOFTIRQ	the completion softirq allocates its
 *					follow-up with GFP_NOIO: atomic-sleep
 *					(a separate binary: it is the same
 *					scenario, built with the other switch)
 *
 * The clean builds of the same scenarios stay silent on the very same
 * inputs (test_scenario.c: seeds, random inputs, the fail-nth sweep).
 */
#include "tests/harness.h"
#include <string.h>
#include "fuzz/scenario.h"

extern const struct scenario scn_nic, scn_block;

static const struct scn_config quiet = { .quiet = true };

static void parse(const struct scenario *s, const char *text, struct scn_input *in)
{
	char err[160];

	if (scn_parse(s, text, in, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

#ifndef SCN_BUG_BLOCK_NOIO_IN_SOFTIRQ
/* Under the default schedule, and under every random schedule. */
static void nic_touch_after_give_is_use_after_give(void **state)
{
	static struct scn_input in;
	struct scn_config cfg = { .quiet = true, .source = SIM_SRC_RANDOM };
	struct scn_result res;
	int i, uag = 0;

	parse(&scn_nic, "scenario nic\nparam cpus=1\n", &in);
	assert_int_equal(scn_run(&in, &quiet, &res), 0);
	assert_int_equal(res.verdict, SIM_REPORT);
	assert_string_equal(res.signature, "use-after-give/nic_poll/softirq");
	assert_int_equal(report_first_kind(), REPORT_USE_AFTER_GIVE);
	for (i = 0; i < 100; i++) {
		cfg.seed = i;
		in.param[scenario_param_index(&scn_nic, "cpus")] = 1 + i % 4;
		assert_int_equal(scn_run(&in, &cfg, &res), 0);
		assert_int_equal(res.verdict, SIM_REPORT);
		/* the consumer may have taken it already: then it is its page */
		assert_true(report_first_kind() == REPORT_USE_AFTER_GIVE ||
			    report_first_kind() == REPORT_DOUBLE_OWN);
		uag += report_first_kind() == REPORT_USE_AFTER_GIVE;
	}
	assert_true(uag > 50);
}

/* Without an injected failure the broken error path is never taken. */
static void block_leak_needs_the_injected_failure(void **state)
{
	static struct scn_input in;
	struct scn_result res;

	parse(&scn_block, "scenario block\nparam cpus=2\n", &in);
	assert_int_equal(scn_run(&in, &quiet, &res), 0);
	assert_int_equal(res.verdict, SIM_CLEAN);
}

/*
 * fail-nth over the submitter's allocations: the mempool element of
 * request 1 is call 1, its sg page call 2. Failing call 2 leaks the
 * request, reported when the submitter is retired at the end.
 */
static void block_leak_on_sg_failure_is_a_leak(void **state)
{
	static struct scn_input in;
	struct scn_result res;
	int n, leaks = 0, first = 0;
	char text[160];

	for (n = 1; n <= 24; n++) {
		snprintf(text, sizeof(text), "scenario block\nparam cpus=2\n"
			 "fault fail-nth=%d,actor=submit\n", n);
		parse(&scn_block, text, &in);
		assert_int_equal(scn_run(&in, &quiet, &res), 0);
		if (res.verdict == SIM_CLEAN)
			continue;
		assert_int_equal(report_first_kind(), REPORT_LEAK);
		assert_non_null(strstr(res.signature, "/task"));
		if (n == 2)	/* the element came from the allocator through the pool */
			assert_string_equal(res.signature, "leak/mempool_alloc_pages/task");
		leaks++;
		if (!first)
			first = n;
	}
	assert_int_equal(first, 2);
	assert_true(leaks >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nic_touch_after_give_is_use_after_give),
		cmocka_unit_test(block_leak_needs_the_injected_failure),
		cmocka_unit_test(block_leak_on_sg_failure_is_a_leak),
	};

	return LAB_RUN_TESTS(tests);
}
#else
/*
 * might_sleep() at mempool_alloc()'s entry judges the mask, not whether
 * the pool happened to be dry: the first follow-up is reported.
 */
static void block_noio_in_softirq_is_atomic_sleep(void **state)
{
	static struct scn_input in;
	struct scn_result res;

	parse(&scn_block, "scenario block\nparam cpus=1\nparam nowait=1\n", &in);
	assert_int_equal(scn_run(&in, &quiet, &res), 0);
	assert_int_equal(res.verdict, SIM_REPORT);
	assert_string_equal(res.signature, "atomic-sleep/mempool_alloc/softirq");
	/* without follow-ups the path is never taken */
	parse(&scn_block, "scenario block\nparam cpus=1\nparam nowait=0\n", &in);
	assert_int_equal(scn_run(&in, &quiet, &res), 0);
	assert_int_equal(res.verdict, SIM_CLEAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(block_noio_in_softirq_is_atomic_sleep),
	};

	return LAB_RUN_TESTS(tests);
}
#endif
