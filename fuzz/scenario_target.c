// SPDX-License-Identifier: MIT
/*
 * scenario_target.c: the fuzz target of one scenario, built once per
 * line of fuzz/scenarios.def with -DSCN_NAME=<name> (scenarios/build.mk)
 * and linked two ways: libFuzzer and AFL++ (its libFuzzer-compatible
 * driver, persistent shared-memory mode). The plain replay of the same
 * bytes is `scn-<name> run` (fuzz/scenario_tool.c).
 *
 * Bytes -> struct scn_input (total decoding: parameters, fault plan,
 * schedule) -> one run with every detector on. A report aborts
 * (REPORT_ABORT) after the kernel-style text and its `signature:` line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz/scenario.h"

#ifndef SCN_NAME
#error "build with -DSCN_NAME=<scenario name>"
#endif
#define SCN__CAT(a, b)	a##b
#define SCN__SYM(n)	SCN__CAT(scn_, n)

extern const struct scenario SCN__SYM(SCN_NAME);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scn_input in;
	struct scn_config cfg = {
		.mode = REPORT_ABORT,
		.verbose = getenv("LABYRINTH_VERBOSE") != NULL,
	};
	struct scn_result res;

	scn_decode(&SCN__SYM(SCN_NAME), data, size, &in);
	if (scn_run(&in, &cfg, &res)) {
		/* a decoded input always sets up: anything else is our bug */
		fprintf(stderr, "scenario set-up failed: %s\n", res.error);
		abort();
	}
	return 0;
}
