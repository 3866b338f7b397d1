/* SPDX-License-Identifier: MIT */
/*
 * Test harness: cmocka for assertions and running, plus the summary line
 * every labyrinth test binary ends with ("N passed, N failed") and a
 * non-zero exit on any failure (STYLE.md, example 13).
 */
#ifndef LABYRINTH_TESTS_HARNESS_H
#define LABYRINTH_TESTS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

static inline int lab_run_group(const char *name, const struct CMUnitTest *t,
				size_t n, CMFixtureFunction setup,
				CMFixtureFunction teardown)
{
	int failed = _cmocka_run_group_tests(name, t, n, setup, teardown);

	if (failed < 0)
		failed = (int)n;
	printf("%zu passed, %d failed\n", n - (size_t)failed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}

#define LAB_RUN_TESTS(tests) \
	lab_run_group(__FILE__, (tests), sizeof(tests) / sizeof((tests)[0]), NULL, NULL)
#define LAB_RUN_TESTS_FIXTURE(tests, setup, teardown) \
	lab_run_group(__FILE__, (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown))

#endif
