/* SPDX-License-Identifier: MIT */
/*
 * mutate_sched.h: what the program mutator (fuzz/mutate.h) and the
 * scenario mutator (fuzz/scn_mutate.h) share: the PRNG and the
 * mutations of a schedule, the simulated machine's choice bytes.
 *
 * A schedule is read as (skip, event) pairs (docs/sim.md), so every
 * edit works on whole pairs at pair boundaries: inserting or deleting
 * one byte would change the meaning of every pair after it.
 */
#ifndef LABYRINTH_FUZZ_MUTATE_SCHED_H
#define LABYRINTH_FUZZ_MUTATE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* splitmix64: the mutators' only source of randomness. */
uint64_t mut_rand(uint64_t *state);

enum sched_mut {
	SCHED_MUT_INSERT,	/* a new (skip, event) pair */
	SCHED_MUT_DELETE,	/* 1..8 pairs (one 80% of the time) */
	SCHED_MUT_CHANGE,	/* a skip moved or re-drawn, or an event re-drawn */
	SCHED_MUT_SPLICE,	/* a run of 1..8 pairs copied to another boundary */
	SCHED_MUT_NR
};

/*
 * Apply mutation `what` to sched[0..*len) of capacity cap; nr_cpus
 * bounds the CPU index of switch events. False when it does not apply
 * (nothing to delete, no room); *len and sched are then unchanged.
 */
bool sched_mutate(uint8_t *sched, uint16_t *len, unsigned int cap,
		  unsigned int nr_cpus, enum sched_mut what, uint64_t *rng);

/*
 * The share (percent) of libFuzzer custom-mutator calls handed to
 * libFuzzer's own byte mutations (LLVMFuzzerMutate): MUT_BYTE_SHARE_PCT,
 * or LABYRINTH_MUTATOR_BYTES=0..100, or 100 with LABYRINTH_MUTATOR=bytes
 * (the engine alone, for comparisons). Read once.
 */
#define MUT_BYTE_SHARE_PCT	30
unsigned int mut_byte_share(void);

#endif /* LABYRINTH_FUZZ_MUTATE_SCHED_H */
