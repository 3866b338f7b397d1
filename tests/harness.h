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
#include <stdlib.h>
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

/* A whole file as a NUL-terminated string (malloc'd), NULL if unreadable. */
static inline char *lab_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = n >= 0 ? malloc(n + 1) : NULL;
	if (!buf) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, n, f) != (size_t)n)
		n = 0;
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#define LAB_RUN_TESTS(tests) \
	lab_run_group(__FILE__, (tests), sizeof(tests) / sizeof((tests)[0]), NULL, NULL)
#define LAB_RUN_TESTS_FIXTURE(tests, setup, teardown) \
	lab_run_group(__FILE__, (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown))

#endif
