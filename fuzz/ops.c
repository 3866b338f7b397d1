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
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "fuzz/interp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct program p;
	struct interp_config cfg = {
		.mode = REPORT_ABORT,
		.verbose = getenv("LABYRINTH_VERBOSE") != NULL,
	};
	struct interp_result res;

	program_decode(data, size, &p);
	if (interp_run(&p, &cfg, &res))
		abort();	/* a legal program must always set up */
	return 0;
}
