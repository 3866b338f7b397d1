// SPDX-License-Identifier: MIT
/*
 * The interpreter on the simulated machine: every seed and thousands
 * of decoded random programs run clean on the clean build (a legal
 * program never makes a report: any report would be an allocator bug
 * or a hole in legalization), runs are deterministic, and the planted
 * test bug is found with the signature it must have.
 * Runs from the top of the tree (make test does).
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "tests/harness.h"
#include "fuzz/interp.h"
#include "fuzz/program.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void run_ok(const struct program *p, struct interp_result *res)
{
	struct interp_config cfg = { .quiet = true };

	assert_int_equal(interp_run(p, &cfg, res), 0);
}

/* Every shipped seed: clean, twice, with the same trace hash. */
static void test_seeds_clean_and_deterministic(void **state)
{
	static struct program p;
	struct interp_result a, b;
	struct dirent *de;
	char path[512], err[256];
	DIR *d = opendir("corpus/ops");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".lab"))
			continue;
		snprintf(path, sizeof(path), "corpus/ops/%s", de->d_name);
		if (program_load(path, &p, err, sizeof(err)))
			fail_msg("%s", err);
		run_ok(&p, &a);
		if (a.verdict != SIM_CLEAN)
			fail_msg("%s: %s", path, a.signature);
		run_ok(&p, &b);
		assert_int_equal(b.verdict, SIM_CLEAN);
		assert_true(a.trace_hash == b.trace_hash);
		assert_true(a.points > 10);
		n++;
	}
	closedir(d);
	assert_true(n >= 8);
}

/*
 * Decoded random bytes: legal programs, so no report, and the same
 * hash on a second run. Inputs are biased toward small values so that
 * actors, ops and schedule events are dense.
 */
static void test_random_programs_clean(void **state)
{
	static struct program p;
	struct interp_result a, b;
	uint8_t in[600];
	uint64_t seed = 2024;
	int i, k, ran = 0;

	for (i = 0; i < 1500; i++) {
		size_t len = 16 + splitmix64(&seed) % (sizeof(in) - 16);

		for (k = 0; k < (int)len; k++) {
			uint64_t r = splitmix64(&seed);

			in[k] = (r & 0x300) ? (uint8_t)(r % 24) : (uint8_t)r;
		}
		program_decode(in, len, &p);
		run_ok(&p, &a);
		if (a.verdict != SIM_CLEAN) {
			static char text[PROG_TEXT_MAX];

			program_format(&p, text, sizeof(text));
			fail_msg("iteration %d: %s\n%s", i, a.signature, text);
		}
		if (i % 10 == 0) {
			run_ok(&p, &b);
			assert_true(a.trace_hash == b.trace_hash);
		}
		ran += p.nr_actors > 0;
	}
	assert_true(ran > 1000);
}

/* A schedule recorded from a random run replays to the same trace. */
static void test_recorded_schedule_replays(void **state)
{
	static struct program p, q;
	struct interp_config cfg = { .quiet = true, .source = SIM_SRC_RANDOM };
	struct interp_result a, b;
	char err[256];
	int s;

	if (program_load("corpus/ops/smp4.lab", &p, err, sizeof(err)))
		fail_msg("%s", err);
	for (s = 1; s <= 20; s++) {
		cfg.seed = s;
		assert_int_equal(interp_run(&p, &cfg, &a), 0);
		assert_int_equal(a.verdict, SIM_CLEAN);
		if (a.sched_truncated)
			continue;
		q = p;
		memcpy(q.sched, a.sched, a.sched_len);
		q.sched_len = a.sched_len;
		run_ok(&q, &b);
		assert_true(a.trace_hash == b.trace_hash);
	}
}

/* The planted bug: silent by default, found with its signature when irq0 fires. */
static void test_planted_bug(void **state)
{
	static struct program p;
	struct interp_result res;
	char err[256];

	if (program_load("tests/fuzz/planted.lab", &p, err, sizeof(err)))
		fail_msg("%s", err);
	interp_test_bug = true;
	run_ok(&p, &res);
	assert_int_equal(res.verdict, SIM_CLEAN);	/* no interrupt, no bug */
	p.sched[0] = 1;					/* skip 1 point, then ... */
	p.sched[1] = 1;					/* ... fire irq0 */
	p.sched_len = 2;
	run_ok(&p, &res);
	interp_test_bug = false;
	assert_int_equal(res.verdict, SIM_REPORT);
	assert_string_equal(res.signature, "double-free/lab_free/hardirq");
	/* the switch off: the same program is clean */
	run_ok(&p, &res);
	assert_int_equal(res.verdict, SIM_CLEAN);
}

/* OP_FAILNEXT and the fault plan reach the caller as NULL, survived. */
static void test_faults_survived(void **state)
{
	static struct program p;
	struct interp_config cfg = { .quiet = true, .extra_fault = "probability=50,seed=3" };
	struct interp_result res;
	char err[256];

	if (program_load("corpus/ops/faults.lab", &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(interp_run(&p, &cfg, &res), 0);
	assert_int_equal(res.verdict, SIM_CLEAN);
	cfg.extra_fault = "no-such-key=1";
	assert_int_equal(interp_run(&p, &cfg, &res), -1);
	assert_non_null(strstr(res.error, "fault plan"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds_clean_and_deterministic),
		cmocka_unit_test(test_random_programs_clean),
		cmocka_unit_test(test_recorded_schedule_replays),
		cmocka_unit_test(test_planted_bug),
		cmocka_unit_test(test_faults_survived),
	};

	return LAB_RUN_TESTS(tests);
}
