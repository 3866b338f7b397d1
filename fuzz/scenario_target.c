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
 * LABYRINTH_ALLOC=name runs it on that allocator of fuzz/allocs.def
 * (default: labyrinth's own); an unknown name exits 2 at start.
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct lab_alloc_ops *alloc_ops;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	alloc_ops = lab_alloc_select("scenario target", NULL);
	if (!alloc_ops)
		exit(2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scn_input in;
	struct scn_config cfg = {
		.ops = alloc_ops,
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
