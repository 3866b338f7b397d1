/* SPDX-License-Identifier: MIT */
/*
 * interp.h: run a program on the simulated machine.
 *
 * One call is one run: sim_init, the ownership ledger and the reserve
 * oracle attached, the allocator set up (through struct lab_alloc_ops),
 * the fault plan installed, the actors added and run, end-of-run checks
 * (leaks, conservation), teardown. Nothing survives between runs: the
 * same program and choice source give the same trace hash.
 *
 * The verdict is the first report's signature, or clean.
 */
#ifndef LABYRINTH_FUZZ_INTERP_H
#define LABYRINTH_FUZZ_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include "sim/sim.h"
#include "fuzz/program.h"
#include "fuzz/alloc_ops.h"

struct fault_injector;

/* Zero fields take the defaults in brackets. */
struct interp_config {
	const struct lab_alloc_ops *ops;	/* [lab_alloc_labyrinth] */
	/*
	 * The schedule: [SIM_SRC_BYTES] with the program's own schedule
	 * bytes; RANDOM or PCT with seed (explore); REPLAY of a list.
	 */
	enum sim_source source;
	uint64_t seed;
	int pct_depth;
	unsigned long pct_steps;		/* PCT's k [sim's default] */
	const struct sim_choice *replay;
	size_t nr_replay;
	enum report_mode mode;			/* [REPORT_RECORD] */
	bool quiet;				/* reports to memory only */
	bool verbose;				/* print the trace after the run */
	const char *extra_fault;		/* plan text added to the program's */
	/* fault_sweep(): use this injector instead of the program's plan */
	struct fault_injector *fi;
};

/* What a run found. */
struct interp_result {
	enum sim_verdict verdict;
	char signature[160];			/* "" when clean */
	uint64_t trace_hash;
	unsigned long points;			/* scheduling points */
	/* the choices the run took, as fuzz bytes (explore saves these) */
	uint8_t sched[PROG_MAX_SCHED];
	size_t sched_len;
	bool sched_truncated;			/* did not fit PROG_MAX_SCHED */
	int setup_error;			/* -errno when the run could not start */
	char error[160];			/* ... and why */
};

/*
 * Run p once. Returns 0 when the run happened (res->verdict says how it
 * ended), or -1 when it could not be set up (res->error says why: an
 * invalid --fault plan, the allocator failing to initialise).
 */
int interp_run(const struct program *p, const struct interp_config *cfg,
	       struct interp_result *res);

/*
 * TEST ONLY. When true, a `failnext N` op with N >= 5 run in hardirq
 * context frees a page twice: a known, schedule-dependent bug that
 * proves the whole chain (fuzzer finds it, the crash file replays to the
 * same signature, explore finds and saves it, minimize shrinks it).
 * Only test binaries set it (tests/fuzz/test_bug.c); never set by the
 * fuzz targets or the labyrinth command.
 */
extern bool interp_test_bug;

/* The plan text of p's fault section plus extra ("" when none). */
size_t interp_fault_text(const struct program *p, const char *extra, char *buf, size_t cap);

#endif
