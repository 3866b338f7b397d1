/* SPDX-License-Identifier: MIT */
/*
 * scn_mutate.h: the structure-aware mutator of scenario inputs (struct
 * scn_input, fuzz/scenario.h), the scenario targets' counterpart of
 * fuzz/mutate.h.
 *
 * The byte layout puts the fault entries and the exhaustion bytes
 * before the schedule, and their counts in one flags byte: a byte
 * mutation that adds a fault or turns exhaustion on shifts every
 * schedule byte after it (by 4 or 3, so pairs are also misaligned).
 * Here parameters move to their bounds and neighbours, faults and the
 * exhaustion are added, removed and edited, and the schedule is edited
 * pair by pair, each without disturbing the others.
 *
 * Deterministic: every choice comes from the caller's PRNG state. The
 * output is always a valid input (scn_input_is_valid()) in canonical
 * bytes.
 */
#ifndef LABYRINTH_FUZZ_SCN_MUTATE_H
#define LABYRINTH_FUZZ_SCN_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include "fuzz/mutate_sched.h"
#include "fuzz/scenario.h"

enum scn_mut_kind {
	SCN_MUT_PARAM,		/* a bound, the default, a neighbour or any value */
	SCN_MUT_FAULT_INSERT,
	SCN_MUT_FAULT_DELETE,
	SCN_MUT_FAULT_EDIT,
	SCN_MUT_EXHAUST,	/* on, off, or one of zone, line, at, release */
	SCN_MUT_KSWAPD,
	SCN_MUT_SCHED,		/* one of enum sched_mut */
	SCN_MUT_NR
};

const char *scn_mut_kind_name(int kind);

/*
 * One mutation of in (whose in->s is set). Retries a few times until the
 * canonical bytes differ. Returns the enum scn_mut_kind applied, -1 if
 * nothing changed.
 */
int scn_mutate(struct scn_input *in, uint64_t *rng);

/* out = a mix of a and b (same scenario): parameters, faults, exhaustion, schedule. */
void scn_crossover(struct scn_input *out, const struct scn_input *a,
		   const struct scn_input *b, uint64_t *rng);

/*
 * The engines' entry points, as program_mutate_bytes() and
 * program_crossover_bytes(): length <= max, 0 when nothing fits (the
 * schedule is cut first). out may be the input buffer. Not reentrant.
 */
size_t scn_mutate_bytes(const struct scenario *s, const uint8_t *data, size_t size,
			uint8_t *out, size_t max, uint64_t *rng);
size_t scn_crossover_bytes(const struct scenario *s, const uint8_t *d1, size_t s1,
			   const uint8_t *d2, size_t s2, uint8_t *out, size_t max,
			   uint64_t *rng);

#endif /* LABYRINTH_FUZZ_SCN_MUTATE_H */
