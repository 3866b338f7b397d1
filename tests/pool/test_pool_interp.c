// SPDX-License-Identifier: MIT
/*
 * The pool behind the fuzz programs (fuzz/alloc_pool.c): the clean-run
 * checks the reference allocator passes, on the pool -- every seed of
 * corpus/ops replayed (twice, same trace), explored under seeded random
 * and PCT schedules, and seeded random programs (a short fuzzing run):
 * no report. Fault plans and "fail the next N" reach the pool.
 *
 * Built three times (tests/pool/build.mk): clean, and against the pool's
 * zoo bugs (-DPOOL_BUG_NO_RECHECK, -DPOOL_BUG_NONATOMIC_CLEAR). The bug
 * builds check that the race program is silent under the default
 * schedule and that exploring schedules finds the bug with its
 * signature, and that the saved schedule replays it; the clean build
 * checks the same exploration stays silent.
 */
#include "tests/harness.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "check/ledger.h"
#include "check/report.h"
#include "fuzz/interp.h"
#include "fuzz/program.h"

extern const struct lab_alloc_ops lab_alloc_pool;

#if defined(POOL_BUG_NO_RECHECK) || defined(POOL_BUG_NONATOMIC_CLEAR)
#define POOL_BUG	1
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SCALE	10
#endif
#endif
#ifndef SCALE
#define SCALE	1
#endif

static int run(const struct program *p, enum sim_source src, uint64_t seed,
	       const char *extra_fault, struct interp_result *res)
{
	struct interp_config cfg = {
		.ops = &lab_alloc_pool,
		.source = src,
		.seed = seed,
		.quiet = !getenv("LAB_VERBOSE"),
		.extra_fault = extra_fault,
	};

	return interp_run(p, &cfg, res);
}


static void expect_clean(const char *what, int ret, const struct interp_result *res)
{
	if (ret || res->verdict != SIM_CLEAN) {
		fprintf(stderr, "%s: %s%s\n%s", what, ret ? "set-up error: " : "",
			ret ? res->error : res->signature, report_text());
		fail();
	}
}

#ifndef POOL_BUG
static void parse(const char *text, struct program *p)
{
	char err[256];

	if (program_parse(text, p, NULL, err, sizeof(err))) {
		fprintf(stderr, "parse: %s\n", err);
		fail();
	}
}

/* ---- the clean-run checks ------------------------------------------- */

/* Each .lab file of corpus/ops/, sorted; returns how many it ran fn on. */
static int for_each_seed(void (*fn)(const char *path, const struct program *p))
{
	static struct program p;
	static char paths[64][300];
	struct dirent **names;
	char err[512];
	int i, n, nr = 0;

	n = scandir("corpus/ops", &names, NULL, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (nr < 64 && len > 4 && !strcmp(names[i]->d_name + len - 4, ".lab"))
			snprintf(paths[nr++], sizeof(paths[0]), "corpus/ops/%s",
				 names[i]->d_name);
		free(names[i]);
	}
	free(names);
	for (i = 0; i < nr; i++) {
		if (program_load(paths[i], &p, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			fail();
		}
		fn(paths[i], &p);
	}
	return nr;
}

static void replay_twice(const char *path, const struct program *p)
{
	struct interp_result a, b;

	expect_clean(path, run(p, SIM_SRC_BYTES, 0, NULL, &a), &a);
	expect_clean(path, run(p, SIM_SRC_BYTES, 0, NULL, &b), &b);
	assert_int_equal(a.trace_hash, b.trace_hash);
}

static void test_seeds_replay_clean(void **state)
{
	assert_true(for_each_seed(replay_twice) >= 8);
}

static void explore_seed(const char *path, const struct program *p)
{
	struct interp_result res;
	char what[600];
	int i;

	for (i = 0; i < 60 / SCALE; i++) {
		snprintf(what, sizeof(what), "%s, %s seed %d", path,
			 i & 1 ? "pct" : "random", 100 + i);
		expect_clean(what, run(p, i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM,
				       100 + i, NULL, &res), &res);
	}
}

static void test_seeds_explored_clean(void **state)
{
	assert_true(for_each_seed(explore_seed) >= 8);
}

/* splitmix64: the seeded byte source of the random programs */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A short fuzzing run: random byte strings decoded exactly as the ops
 * target decodes them (every string is a legal program), each run on
 * the pool with its own schedule bytes. Counted: runs that allocated.
 */
static void test_random_programs_clean(void **state)
{
	static uint8_t buf[PROG_MAX_BYTES];
	static struct program p;
	struct interp_result res;
	uint64_t s = 0x9001;
	int i, len, busy = 0;
	char what[64];

	for (i = 0; i < 1500 / SCALE; i++) {
		len = (int)(mix(&s) % sizeof(buf));
		for (int k = 0; k < len; k++)
			buf[k] = (uint8_t)mix(&s);
		program_decode(buf, (size_t)len, &p);
		snprintf(what, sizeof(what), "random program %d", i);
		expect_clean(what, run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
		busy += ledger_seq() > 0;
	}
	assert_true(busy > 1500 / SCALE / 4);
}

/*
 * Fault injection reaches the pool through mm_should_fail(): a fault
 * plan and the programs' "fail the next N" op both turn the allocation
 * into a failure, which the caller survives (no event for the ledger).
 */
static void test_faults_reach_pool(void **state)
{
	static struct program p;
	struct interp_result res;
	unsigned long plain, base;

	/* the programs' mempools fill and drain around every run: the baseline */
	parse("machine cpus=1\n"
	      "actor task0 task cpu=0\n"
	      "\tfree s0\n", &p);
	expect_clean("empty", run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
	base = ledger_seq();
	/* 2 elements a pool, each alloc, pool-in, pool-out, free */
	assert_int_equal(base, 2 * 4 * PROG_NR_POOLS);
	parse("machine cpus=1\n"
	      "actor task0 task cpu=0\n"
	      "\talloc s0 ATOMIC order=0\n"
	      "\ttouch s0\n"
	      "\tfree s0\n", &p);
	expect_clean("plain", run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
	plain = ledger_seq() - base;
	assert_int_equal(plain, 3);		/* alloc, touch, free */
	expect_clean("fail-nth", run(&p, SIM_SRC_BYTES, 0, "fail-nth=1", &res), &res);
	assert_int_equal(ledger_seq() - base, 0);	/* nothing allocated, nothing touched */
	parse("machine cpus=1\n"
	      "actor task0 task cpu=0\n"
	      "\tfailnext 1\n"
	      "\talloc s0 ATOMIC order=0\n"
	      "\ttouch s0\n"
	      "\talloc s1 ATOMIC order=0\n"
	      "\tfree s1\n", &p);
	expect_clean("failnext", run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
	assert_int_equal(ledger_seq() - base, 2);	/* only s1: alloc, free */
}

/* The exhaust op drains the pool through its ballast; release undoes it. */
static void test_exhaust_release(void **state)
{
	static struct program p;
	struct interp_result res;

	parse("machine cpus=1\n"
	      "actor task0 task cpu=0\n"
	      "\texhaust NORMAL atomic\n"
	      "\talloc s0 ATOMIC order=0\n"
	      "\ttouch s0\n"
	      "\trelease\n"
	      "\talloc s1 ATOMIC order=0\n"
	      "\ttouch s1\n", &p);
	expect_clean("exhaust", run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
	/* s0 failed (pool empty): no touch; s1 got a frame after release */
	assert_true(ledger_seq() > 2);
}

#endif /* !POOL_BUG */

/* ---- the pool's zoo bugs ---------------------------------------------- */

/*
 * tests/pool/race.lab: two CPUs and an interrupt allocate and free small
 * blocks in the same bitmap words. Sequentially nothing can go wrong; an
 * allocation on one CPU between another's scan and reservation
 * (NO_RECHECK), or between another's read and write of a word
 * (NONATOMIC_CLEAR), breaks it.
 */
static void load_race(struct program *p)
{
	char err[256];

	if (program_load("tests/pool/race.lab", p, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
}

#define EXPLORE_RUNS	400

static void test_race_default_schedule_silent(void **state)
{
	static struct program p;
	struct interp_result res;

	load_race(&p);
	expect_clean("default schedule", run(&p, SIM_SRC_BYTES, 0, NULL, &res), &res);
}

#ifdef POOL_BUG
static bool expected_signature(const char *sig)
{
#ifdef POOL_BUG_NO_RECHECK
	/* two owners of one granule: the ledger at the second ALLOC */
	return !strcmp(sig, "double-own/pa_alloc/task") ||
	       !strcmp(sig, "double-own/pa_alloc/hardirq");
#else
	/*
	 * A lost reservation: its owner's free finds the bits already clear
	 * (gen_pool_free_owner()'s BUG_ON), or the granule is handed out
	 * again first (the ledger's double-own). A lost release: bits stay
	 * set that nobody holds (the end-of-run census).
	 */
	return !strncmp(sig, "invariant/__gen_pool_free/", 26) ||
	       !strncmp(sig, "double-own/pa_alloc/", 20) ||
	       !strcmp(sig, "invariant/pool_check_census/task");
#endif
}

static void test_explore_finds_bug(void **state)
{
	static struct program p;
	struct interp_result res, again;
	int i;

	load_race(&p);
	for (i = 0; i < EXPLORE_RUNS; i++) {
		assert_int_equal(run(&p, i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM, 1 + i,
				     NULL, &res), 0);
		if (res.verdict == SIM_REPORT)
			break;
	}
	if (i == EXPLORE_RUNS) {
		fprintf(stderr, "not found in %d schedules\n", EXPLORE_RUNS);
		fail();
	}
	printf("found after %d schedules: %s\n", i + 1, res.signature);
	assert_true(expected_signature(res.signature));
	/* the run's choices, saved as schedule bytes, replay it exactly */
	assert_false(res.sched_truncated);
	memcpy(p.sched, res.sched, res.sched_len);
	p.sched_len = (uint16_t)res.sched_len;
	assert_int_equal(run(&p, SIM_SRC_BYTES, 0, NULL, &again), 0);
	assert_string_equal(again.signature, res.signature);
}
#else
static void test_explore_silent_on_clean_pool(void **state)
{
	static struct program p;
	struct interp_result res;
	char what[64];
	int i;

	load_race(&p);
	for (i = 0; i < EXPLORE_RUNS / SCALE; i++) {
		snprintf(what, sizeof(what), "race program, schedule %d", i);
		expect_clean(what, run(&p, i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM, 1 + i,
				       NULL, &res), &res);
	}
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_default_schedule_silent),
#ifdef POOL_BUG
		cmocka_unit_test(test_explore_finds_bug),
#else
		cmocka_unit_test(test_explore_silent_on_clean_pool),
		cmocka_unit_test(test_seeds_replay_clean),
		cmocka_unit_test(test_seeds_explored_clean),
		cmocka_unit_test(test_random_programs_clean),
		cmocka_unit_test(test_faults_reach_pool),
		cmocka_unit_test(test_exhaust_release),
#endif
	};

	return LAB_RUN_TESTS(tests);
}
