/* SPDX-License-Identifier: MIT */
/*
 * mutate.h: the structure-aware mutator of programs (issue #6,
 * docs/programs.md "The structure-aware mutator").
 *
 * The engines mutate bytes; this mutates the decoded struct program:
 * it inserts, deletes, swaps, copies and re-parameterizes ops, actors,
 * fault-plan entries and schedule pairs, then legalizes and re-encodes.
 * Generated ops are chosen for the state the actor is in at the
 * insertion point (a free for a slot that holds a page, an alloc with
 * a gfp the context allows, a lock above every lock held), so
 * legalization rarely has to drop them, and some mutations insert
 * two related ops at once: a give and a take on the same channel in
 * two actors, an opener and its release around a run of ops.
 *
 * Deterministic: every choice comes from the caller's PRNG state
 * (mut_rand(), splitmix64, fuzz/mutate_sched.h), seeded from the seed the engine passes in. No global
 * state, so the same input and seed give the same output.
 *
 * Output invariant: whatever goes in (any struct, legal or not), the
 * program that comes out is legal (program_is_legal()).
 */
#ifndef LABYRINTH_FUZZ_MUTATE_H
#define LABYRINTH_FUZZ_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include "fuzz/mutate_sched.h"
#include "fuzz/program.h"

/* What one mutation did; the numbers are only for tests and describe(). */
enum mut_kind {
	MUT_OP_INSERT,		/* one op fitted to the state at that point */
	MUT_OP_DELETE,
	MUT_OP_SWAP,		/* two ops of an actor change places */
	MUT_OP_COPY,		/* a run of 1..4 ops copied, maybe to another actor */
	MUT_OP_REPEAT,		/* a run of 1..4 ops repeated 2..8 times in place */
	MUT_OP_PARAM,		/* one argument of one op re-chosen */
	MUT_OP_BRACKET,		/* lock/unlock, irq_save/restore, ... around ops */
	MUT_OP_PAIR,		/* give in one actor, take in another, same channel */
	MUT_ACTOR_INSERT,	/* a new actor with a few generated ops */
	MUT_ACTOR_DELETE,
	MUT_ACTOR_COPY,		/* a copy of an actor, maybe on another CPU */
	MUT_ACTOR_EDIT,		/* kind, cpu or fires */
	MUT_FAULT_INSERT,
	MUT_FAULT_DELETE,
	MUT_FAULT_EDIT,
	MUT_SCHED_INSERT,	/* a (skip, event) pair */
	MUT_SCHED_DELETE,
	MUT_SCHED_CHANGE,	/* a skip or an event re-chosen */
	MUT_SCHED_SPLICE,	/* a run of pairs copied elsewhere */
	MUT_MACHINE,		/* CPUs, kswapd or an allocator knob */
	MUT_NR
};

const char *mut_kind_name(int kind);

/*
 * One structural mutation of p, legalized. Tries up to a few times until
 * the program's canonical bytes differ from what came in. Returns the
 * enum mut_kind applied, or -1 when no attempt changed anything (p is
 * then legalized but otherwise as it came in).
 */
int program_mutate(struct program *p, uint64_t *rng);

/*
 * out = a mix of a and b: some of b's actors in place of or after a's,
 * b's fault plan, a's schedule up to a point and b's from a point, or
 * b's machine; legalized. out may not alias a or b.
 */
void program_crossover(struct program *out, const struct program *a,
		       const struct program *b, uint64_t *rng);

/*
 * Encode p into out (capacity cap >= 1) in at most max bytes: when the
 * canonical bytes are longer, the schedule (the last section) is cut.
 * Returns the length, or 0 when even the program without a schedule
 * does not fit.
 */
size_t program_encode_max(struct program *p, uint8_t *out, size_t max);

/*
 * The engines' entry points. program_mutate_bytes(): decode, mutate
 * `rounds` times, encode within max; *kind, when not NULL, gets the
 * last enum mut_kind applied (-1 for none). program_crossover_bytes():
 * decode both, cross them over, encode within max. out may be the
 * input buffer itself. Both return the new length, 0 when nothing that
 * fits in max could be made (the caller then uses the engine's byte
 * mutation). Not reentrant (their programs are static: 2 KB each).
 */
size_t program_mutate_bytes(const uint8_t *data, size_t size, uint8_t *out,
			    size_t max, unsigned int rounds, uint64_t *rng, int *kind);
size_t program_crossover_bytes(const uint8_t *d1, size_t s1, const uint8_t *d2,
			       size_t s2, uint8_t *out, size_t max, uint64_t *rng);

#endif /* LABYRINTH_FUZZ_MUTATE_H */
