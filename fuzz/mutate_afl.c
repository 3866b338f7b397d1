// SPDX-License-Identifier: MIT
/*
 * mutate_afl.c: the structure-aware mutator (fuzz/mutate.h) as an AFL++
 * custom mutator library, build/<v>/fuzz/ops-mutator.so, loaded with
 * AFL_CUSTOM_MUTATOR_LIBRARY (fuzz/fuzz.sh, ci/nightly.sh).
 *
 * Self-contained: Debian ships no AFL++ headers, so the entry points
 * are declared here with the types of AFL++ 4.04c's custom mutator API
 * (docs/custom_mutators.md of AFL++): afl_custom_init(afl, seed),
 * afl_custom_fuzz(data, buf, buf_size, &out_buf, add_buf, add_buf_size,
 * max_size), afl_custom_havoc_mutation(data, buf, buf_size, &out_buf,
 * max_size), afl_custom_havoc_mutation_probability(data),
 * afl_custom_describe(data, max_len), afl_custom_deinit(data).
 *
 * Without AFL_CUSTOM_MUTATOR_ONLY, afl-fuzz runs this stage right
 * before its own havoc stage for each queue entry, and havoc itself
 * stacks one struct mutation into its byte mutations with the
 * probability returned below: AFL++'s own mutations stay.
 *
 * The library is built without sanitizers or AFL instrumentation (it
 * runs inside afl-fuzz, not in the target) and exports only these
 * symbols (-fvisibility=hidden), so a process that also links the
 * program code (the tests) keeps its own copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/mutate.h"

#define AFL_EXPORT	__attribute__((visibility("default")))

/* Share of afl_custom_fuzz() calls that splice in the other input. */
#define AFL_CROSSOVER_PCT	20
/* Chance (percent) that havoc stacks one struct mutation. */
#define AFL_HAVOC_PCT		10

/* Invariant: out holds the last output (PROG_MAX_BYTES, enough for any). */
struct afl_mutator {
	uint64_t rng;
	int last;			/* enum mut_kind of the last output, -1 none */
	uint8_t out[PROG_MAX_BYTES];
	char desc[32];
};

AFL_EXPORT void *afl_custom_init(void *afl, unsigned int seed);
AFL_EXPORT size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size,
				  uint8_t **out_buf, uint8_t *add_buf,
				  size_t add_buf_size, size_t max_size);
AFL_EXPORT size_t afl_custom_havoc_mutation(void *data, uint8_t *buf, size_t buf_size,
					    uint8_t **out_buf, size_t max_size);
AFL_EXPORT uint8_t afl_custom_havoc_mutation_probability(void *data);
AFL_EXPORT const char *afl_custom_describe(void *data, size_t max_description_len);
AFL_EXPORT void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct afl_mutator *m = calloc(1, sizeof(*m));

	if (!m) {
		perror("ops-mutator: afl_custom_init");
		return NULL;
	}
	m->rng = seed;
	m->last = -1;
	return m;
}

/* The input unchanged (AFL++ wants a length > 0 back). */
static size_t same(struct afl_mutator *m, const uint8_t *buf, size_t size,
		   size_t max_size, uint8_t **out_buf)
{
	size_t n = size < max_size ? size : max_size;

	n = n < sizeof(m->out) ? n : sizeof(m->out);
	memcpy(m->out, buf, n);
	if (!n)
		m->out[n++] = 0;
	m->last = -1;
	*out_buf = m->out;
	return n;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
	struct afl_mutator *m = data;
	size_t max = max_size < sizeof(m->out) ? max_size : sizeof(m->out);
	unsigned int rounds = 1 + mut_rand(&m->rng) % 4;
	size_t n;

	if (add_buf && add_buf_size && mut_rand(&m->rng) % 100 < AFL_CROSSOVER_PCT) {
		n = program_crossover_bytes(buf, buf_size, add_buf, add_buf_size,
					    m->out, max, &m->rng);
		m->last = MUT_NR;
		if (n && --rounds)
			n = program_mutate_bytes(m->out, n, m->out, max, rounds, &m->rng, NULL);
	} else {
		/* AFL++ does not stack custom calls: stack 1..4 here */
		n = program_mutate_bytes(buf, buf_size, m->out, max, rounds, &m->rng, &m->last);
	}
	if (!n)
		return same(m, buf, buf_size, max_size, out_buf);
	*out_buf = m->out;
	return n;
}

size_t afl_custom_havoc_mutation(void *data, uint8_t *buf, size_t buf_size,
				 uint8_t **out_buf, size_t max_size)
{
	struct afl_mutator *m = data;
	size_t max = max_size < sizeof(m->out) ? max_size : sizeof(m->out);
	size_t n = program_mutate_bytes(buf, buf_size, m->out, max, 1, &m->rng, &m->last);

	if (!n)
		return same(m, buf, buf_size, max_size, out_buf);
	*out_buf = m->out;
	return n;
}

uint8_t afl_custom_havoc_mutation_probability(void *data)
{
	return AFL_HAVOC_PCT;
}

const char *afl_custom_describe(void *data, size_t max_description_len)
{
	struct afl_mutator *m = data;

	snprintf(m->desc, sizeof(m->desc), "lab-%s", mut_kind_name(m->last));
	if (max_description_len < sizeof(m->desc))
		m->desc[max_description_len] = '\0';
	return m->desc;
}

void afl_custom_deinit(void *data)
{
	free(data);
}
