/* SPDX-License-Identifier: MIT */
/*
 * lf_mutate.h: the libFuzzer mutator hooks every fuzz target shares.
 *
 * With LLVMFuzzerCustomMutator defined libFuzzer calls only it, so a
 * share of the calls (mut_byte_share(), LABYRINTH_MUTATOR_BYTES) goes
 * back to libFuzzer's own byte mutations; the rest to the target's
 * structure-aware mutation, and to the bytes again when that has
 * nothing to offer (docs/decisions.md). One policy for ops and every
 * scenario: a target passes its struct mutation and crossover.
 */
#ifndef LABYRINTH_FUZZ_LF_MUTATE_H
#define LABYRINTH_FUZZ_LF_MUTATE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "fuzz/mutate_sched.h"

/* libFuzzer's; weak so the replay and AFL++ links need not have it */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

/* A target's struct mutation / crossover: the new length, 0 for none. */
typedef size_t (*lf_struct_mutate)(uint8_t *data, size_t size, size_t max_size,
				   uint64_t *rng);
typedef size_t (*lf_struct_cross)(const uint8_t *d1, size_t s1, const uint8_t *d2,
				  size_t s2, uint8_t *out, size_t max_out, uint64_t *rng);

static inline size_t lf_custom_mutate(uint8_t *data, size_t size, size_t max_size,
				      unsigned int seed, lf_struct_mutate fn)
{
	uint64_t rng = seed;
	size_t n;

	if (LLVMFuzzerMutate && mut_rand(&rng) % 100 < mut_byte_share())
		return LLVMFuzzerMutate(data, size, max_size);
	n = fn(data, size, max_size, &rng);
	if (!n && LLVMFuzzerMutate)
		return LLVMFuzzerMutate(data, size, max_size);
	return n;
}

static inline size_t lf_custom_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2,
					 size_t s2, uint8_t *out, size_t max_out,
					 unsigned int seed, lf_struct_cross fn)
{
	uint64_t rng = seed;
	size_t n;

	if (LLVMFuzzerMutate && mut_rand(&rng) % 100 < mut_byte_share()) {
		/* libFuzzer's own crossover is one of LLVMFuzzerMutate's */
		n = s1 < max_out ? s1 : max_out;
		memcpy(out, d1, n);
		return LLVMFuzzerMutate(out, n, max_out);
	}
	return fn(d1, s1, d2, s2, out, max_out, &rng);
}

#endif
