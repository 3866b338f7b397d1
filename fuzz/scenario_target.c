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
 *
 * libFuzzer also gets the scenario mutator (fuzz/scn_mutate.h) through
 * LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver, with a share of
 * the calls left to its own byte mutations, as the ops target does
 * (fuzz/ops.c, mut_byte_share()). AFL++ ignores the hooks.
 *
 * LABYRINTH_ALLOC=name runs it on that allocator of fuzz/allocs.def
 * (default: labyrinth's own); an unknown name exits 2 at start.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz/scenario.h"
#include "fuzz/scn_mutate.h"
#include "fuzz/lf_mutate.h"

#ifndef SCN_NAME
#error "build with -DSCN_NAME=<scenario name>"
#endif
#define SCN__CAT(a, b)	a##b
#define SCN__SYM(n)	SCN__CAT(scn_, n)

extern const struct scenario SCN__SYM(SCN_NAME);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2,
				 size_t s2, uint8_t *out, size_t max_out,
				 unsigned int seed);

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

static size_t scn_target_mutate(uint8_t *data, size_t size, size_t max_size, uint64_t *rng)
{
	return scn_mutate_bytes(&SCN__SYM(SCN_NAME), data, size, data, max_size, rng);
}

static size_t scn_target_cross(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
			       uint8_t *out, size_t max_out, uint64_t *rng)
{
	return scn_crossover_bytes(&SCN__SYM(SCN_NAME), d1, s1, d2, s2, out, max_out, rng);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	return lf_custom_mutate(data, size, max_size, seed, scn_target_mutate);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2,
				 size_t s2, uint8_t *out, size_t max_out,
				 unsigned int seed)
{
	return lf_custom_crossover(d1, s1, d2, s2, out, max_out, seed, scn_target_cross);
}
