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
 * LABYRINTH_ALLOC=name runs the programs on that adapter of
 * fuzz/allocs.def (default: labyrinth's own allocator); an unknown name
 * stops the target at start with exit 2 and the known names.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "fuzz/interp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
