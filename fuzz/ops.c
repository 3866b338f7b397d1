// SPDX-License-Identifier: MIT
/*
 * ops.c: the generic fuzz target. Bytes -> a legal program (total
 * decoding, fuzz/program.h) -> one run on the simulated machine with
 * every detector on. A report aborts (REPORT_ABORT), so libFuzzer and
 * AFL++ see a crash, with the kernel-style report and its
 * `signature:` line on stderr.
 *
 * One source, three links (fuzz/build.mk): libFuzzer, AFL++ (its
 * libFuzzer-compatible driver, persistent shared-memory mode) and a
 * plain replay main() (fuzz/replay_main.c).
 *
 * libFuzzer also gets the structure-aware mutator (fuzz/mutate.h)
 * through LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver.
 * libFuzzer then calls only those, so a share of the calls goes back to
 * its own byte mutations (LLVMFuzzerMutate: bit flips, dictionary
 * words, libFuzzer's crossover), which suit the schedule and the single
 * argument bytes well (docs/decisions.md). AFL++ ignores these hooks;
 * it loads the same mutator as a library (fuzz/mutate_afl.c).
 *
 * LABYRINTH_MUTATOR=bytes turns the struct mutations off (every call
 * is libFuzzer's own), for measuring the mutator against the engine
 * alone; LABYRINTH_MUTATOR_BYTES=P (0..100) sets the byte share.
 *
 * LABYRINTH_ALLOC=name runs the programs on that adapter of
 * fuzz/allocs.def (default: labyrinth's own allocator); an unknown name
 * stops the target at start with exit 2 and the known names.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "fuzz/interp.h"
#include "fuzz/mutate.h"
#include "fuzz/lf_mutate.h"

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
	alloc_ops = lab_alloc_select("ops", NULL);
	if (!alloc_ops)
		exit(2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct program p;
	struct interp_config cfg = {
		.ops = alloc_ops,
		.mode = REPORT_ABORT,
		.verbose = getenv("LABYRINTH_VERBOSE") != NULL,
	};
	struct interp_result res;

	program_decode(data, size, &p);
	if (interp_run(&p, &cfg, &res))
		abort();	/* a legal program must always set up */
	return 0;
}

static size_t ops_mutate(uint8_t *data, size_t size, size_t max_size, uint64_t *rng)
{
	return program_mutate_bytes(data, size, data, max_size, 1, rng, NULL);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	return lf_custom_mutate(data, size, max_size, seed, ops_mutate);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2,
				 size_t s2, uint8_t *out, size_t max_out,
				 unsigned int seed)
{
	return lf_custom_crossover(d1, s1, d2, s2, out, max_out, seed, program_crossover_bytes);
}
