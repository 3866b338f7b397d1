// SPDX-License-Identifier: MIT
/*
 * The scenario mutator (fuzz/scn_mutate.h), over every registered
 * scenario and its seeds (corpus/<name>/): outputs valid and canonical,
 * every part changes, an edit of one part leaves the schedule's bytes
 * alone (what a byte mutation of the flags byte cannot do), same seed
 * same output, crossover valid, the size limit kept, and mutated inputs
 * run clean on the clean scenarios. Runs from the top of the tree.
 */
#include "tests/harness.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "check/report.h"
#include "fuzz/scenario.h"
#include "fuzz/scn_mutate.h"

#define MAX_SEEDS	32

static struct scn_input seeds[MAX_SEEDS];
static int nr_seeds;

static int load_seeds(void **state)
{
	static char text[SCN_TEXT_MAX];
	char dir[256], path[512], err[256];
	int t;

	for (t = 0; scenario_table[t]; t++) {
		const struct scenario *s = scenario_table[t];
		struct dirent *de;
		DIR *d;

		/* the defaults too: all parameters at def, nothing else */
		scn_input_init(&seeds[nr_seeds++], s);
		snprintf(dir, sizeof(dir), "corpus/%s", s->name);
		d = opendir(dir);
		if (!d)
			return -1;
		while ((de = readdir(d)) && nr_seeds < MAX_SEEDS) {
			FILE *f;
			size_t n;

			if (!strstr(de->d_name, ".lab"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			f = fopen(path, "r");
			if (!f)
				return -1;
			n = fread(text, 1, sizeof(text) - 1, f);
			text[n] = '\0';
			fclose(f);
			if (scn_parse(s, text, &seeds[nr_seeds], err, sizeof(err))) {
				fprintf(stderr, "%s: %s\n", path, err);
				closedir(d);
				return -1;
			}
			nr_seeds++;
		}
		closedir(d);
	}
	return nr_seeds >= 6 ? 0 : -1;
}

static void assert_canonical(const struct scn_input *in)
{
	static struct scn_input q;
	uint8_t b1[SCN_MAX_BYTES], b2[SCN_MAX_BYTES];
	size_t n1, n2;

	assert_true(scn_input_is_valid(in));
	n1 = scn_encode(in, b1, sizeof(b1));
	assert_true(n1 <= sizeof(b1));
	scn_decode(in->s, b1, n1, &q);
	assert_true(scn_input_equal(in, &q));
	n2 = scn_encode(&q, b2, sizeof(b2));
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
}

static void test_mutations_valid(void **state)
{
	static struct scn_input in;
	uint64_t rng = 1;
	int s, i, unchanged = 0, n = 0;

	for (s = 0; s < nr_seeds; s++)
		for (i = 0; i < 3000; i++) {
			if (i % 25 == 0)
				in = seeds[s];
			unchanged += scn_mutate(&in, &rng) < 0;
			assert_canonical(&in);
			n++;
		}
	if (unchanged * 100 > n)
		fail_msg("%d of %d mutations changed nothing", unchanged, n);
}

/*
 * Each part changes, counted by comparing before and after; a mutation
 * of anything but the schedule leaves the schedule's bytes as they were.
 */
static void test_parts_and_schedule_kept(void **state)
{
	enum { PARAMS, FAULTS, EXHAUST, KSWAPD, SCHED, PARTS };
	static const char *const names[PARTS] = { "params", "faults", "exhaust", "kswapd", "schedule" };
	static struct scn_input in, before;
	int part[PARTS] = { 0 }, kinds[SCN_MUT_NR] = { 0 }, kept = 0, other = 0;
	uint64_t rng = 3;
	const int N = 20000;
	int i, kind;

	for (i = 0; i < N; i++) {
		bool sched_same;

		if (i % 10 == 0)
			in = seeds[i / 10 % nr_seeds];
		before = in;
		kind = scn_mutate(&in, &rng);
		if (kind >= 0)
			kinds[kind]++;
		part[PARAMS] += memcmp(before.param, in.param, sizeof(in.param)) != 0;
		part[FAULTS] += before.nr_faults != in.nr_faults ||
				memcmp(before.fault, in.fault, sizeof(in.fault));
		part[EXHAUST] += memcmp(&before.exhaust, &in.exhaust, sizeof(in.exhaust)) != 0;
		part[KSWAPD] += before.kswapd != in.kswapd;
		sched_same = before.sched_len == in.sched_len &&
			     !memcmp(before.sched, in.sched, in.sched_len);
		part[SCHED] += !sched_same;
		if (kind >= 0 && kind != SCN_MUT_SCHED) {
			other++;
			kept += sched_same;
		}
	}
	for (i = 0; i < PARTS; i++) {
		print_message("  %-8s changed in %5d of %d mutations\n", names[i], part[i], N);
		if (part[i] * (i == KSWAPD ? 100 : 20) < N)
			fail_msg("%s changed in only %d of %d mutations", names[i], part[i], N);
	}
	for (i = 0; i < SCN_MUT_NR; i++)
		if (kinds[i] < N / 100)
			fail_msg("%s applied only %d times", scn_mut_kind_name(i), kinds[i]);
	assert_int_equal(kept, other);
}

static void test_deterministic_and_crossover(void **state)
{
	uint8_t in[SCN_MAX_BYTES], o1[SCN_MAX_BYTES], o2[SCN_MAX_BYTES];
	static struct scn_input x;
	int s, i;

	for (s = 0; s < nr_seeds; s++) {
		const struct scn_input *b = &seeds[(s + 1) % nr_seeds];
		size_t len = scn_encode(&seeds[s], in, sizeof(in));

		for (i = 0; i < 200; i++) {
			uint64_t r1 = 77 + i, r2 = 77 + i;
			size_t n1 = scn_mutate_bytes(seeds[s].s, in, len, o1, sizeof(o1), &r1);
			size_t n2 = scn_mutate_bytes(seeds[s].s, in, len, o2, sizeof(o2), &r2);

			assert_int_equal(n1, n2);
			assert_memory_equal(o1, o2, n1);
			if (b->s != seeds[s].s)
				continue;
			scn_crossover(&x, &seeds[s], b, &r1);
			assert_canonical(&x);
			/* within a size limit: the schedule is cut, nothing else */
			n1 = scn_crossover_bytes(seeds[s].s, in, len, o2, n2, o1, 20 + i, &r2);
			assert_true(n1 <= (size_t)(20 + i));
		}
	}
}

/* Mutated inputs run clean on the clean scenarios (and never crash). */
static void test_mutated_inputs_run_clean(void **state)
{
	static const struct scn_config quiet = { .quiet = true };
	static struct scn_input in;
	static char text[SCN_TEXT_MAX];
	struct scn_result res;
	uint64_t rng = 9;
	int s, i, k;

	for (s = 0; s < nr_seeds; s++) {
		in = seeds[s];
		for (i = 0; i < 12; i++) {
			for (k = 0; k < 3; k++)
				scn_mutate(&in, &rng);
			if (scn_run(&in, &quiet, &res) || res.verdict != SIM_CLEAN) {
				scn_format(&in, text, sizeof(text));
				fail_msg("%s%s\n%s\n%s", res.error, res.signature, text, report_text());
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutations_valid),
		cmocka_unit_test(test_parts_and_schedule_kept),
		cmocka_unit_test(test_deterministic_and_crossover),
		cmocka_unit_test(test_mutated_inputs_run_clean),
	};

	return LAB_RUN_TESTS_FIXTURE(tests, load_seeds, NULL);
}
