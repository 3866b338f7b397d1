// SPDX-License-Identifier: MIT
/*
 * fuzz_pool.c: the ops fuzz target (fuzz/ops.c) with the pool under test
 * instead of the reference allocator: bytes -> a legal program -> one run
 * on the simulated machine through fuzz/alloc_pool.c, every detector on.
 * A report aborts, so libFuzzer and AFL++ see a crash. Linked like ops:
 * with libFuzzer, and with fuzz/replay_main.c as ops-pool-replay, which
 * replays a crash file on the pool. Lives in tests/ until fuzz/ can
 * choose an allocator by name (docs/pool.md, "Status").
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "fuzz/interp.h"

extern const struct lab_alloc_ops lab_alloc_pool;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct program p;
	struct interp_config cfg = {
		.ops = &lab_alloc_pool,
		.mode = REPORT_ABORT,
		.verbose = getenv("LABYRINTH_VERBOSE") != NULL,
	};
	struct interp_result res;

	program_decode(data, size, &p);
	if (interp_run(&p, &cfg, &res))
		abort();	/* a legal program must always set up */
	return 0;
}
