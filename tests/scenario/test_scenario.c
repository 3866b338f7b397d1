// SPDX-License-Identifier: MIT
/*
 * The scenario API and the shipped scenarios on the clean allocator --
 * labyrinth's own, and with -DSCN_TEST_POOL (test_scenario_pool) every
 * run on the pool through its adapter (fuzz/alloc_pool.c): the same
 * clean-run checks, so a scenario and an adapter are proven together:
 *
 *   - inputs: decoding is total, bytes -> input -> bytes and
 *     text -> input -> text are exact, every parse error is a message;
 *   - seeds: every .lab file of corpus/<scenario>/ replays clean, twice, with
 *     the same trace hash;
 *   - random inputs: thousands of seeded random byte strings (random
 *     parameters, fault plans, exhaustion points and schedules) never
 *     fail to set up and never produce a report, and also not under
 *     seeded random and PCT schedules;
 *   - the scenarios really exercise what they claim: refills fail and
 *     are survived, mempool waits happen, checkpoints drive exhaustion.
 *
 * The twins with bugs (detectors fire) are in test_scenario_bugs.c.
 * What the pool build leaves out, and why, is marked SCN_TEST_POOL: the
 * reserve oracle judges watermark decisions, which the pool never makes.
 */
#include "tests/harness.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "check/oracle.h"
#include "faultinject/fault.h"
#include "fuzz/scenario.h"

/*
 * SCN_TEST_QUICK: the ThreadSanitizer build runs a tenth of the random
 * runs (TSan makes each one about ten times slower).
 */
#ifdef SCN_TEST_QUICK
#define SCALE	10
#else
#define SCALE	1
#endif

#ifdef SCN_TEST_POOL
extern const struct lab_alloc_ops lab_alloc_pool;
#define TEST_OPS	(&lab_alloc_pool)
#else
#define TEST_OPS	NULL		/* the default: labyrinth's allocator */
#endif

extern const struct scenario scn_nic, scn_block;
static const struct scenario *const all[] = { &scn_nic, &scn_block };

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t random_bytes(uint8_t *buf, size_t cap)
{
	size_t n = rnd() % cap, i;

	for (i = 0; i < n; i++)
		buf[i] = rnd();
	return n;
}

static const struct scn_config quiet = { .ops = TEST_OPS, .quiet = true };

static void expect_clean(const struct scn_input *in, const struct scn_config *cfg,
			 struct scn_result *res, const char *what, long i)
{
	static char text[SCN_TEXT_MAX];

	if (scn_run(in, cfg, res) || res->verdict != SIM_CLEAN) {
		scn_format(in, text, sizeof(text));
		fprintf(stderr, "%s %ld: %s%s\n%s\n%s", what, i, res->error, res->signature,
			text, report_text());
		fail();
	}
}

/* ---- inputs --------------------------------------------------------- */

static void decode_is_total_and_round_trips(void **state)
{
	static uint8_t buf[SCN_MAX_BYTES + 64], enc[SCN_MAX_BYTES], enc2[SCN_MAX_BYTES];
	static char text[SCN_TEXT_MAX], text2[SCN_TEXT_MAX];
	static struct scn_input a, b, c;
	char err[160];
	size_t n, m, k;
	int s, i;

	rng_state = 1;
	for (s = 0; s < 2; s++) {
		for (i = 0; i < 4000 / SCALE; i++) {
			n = random_bytes(buf, sizeof(buf));
			scn_decode(all[s], buf, n, &a);
			assert_true(scn_input_is_valid(&a));
			m = scn_encode(&a, enc, sizeof(enc));
			scn_decode(all[s], enc, m, &b);
			assert_true(scn_input_equal(&a, &b));
			k = scn_encode(&b, enc2, sizeof(enc2));
			assert_int_equal(k, m);
			assert_memory_equal(enc, enc2, m);
			/* text -> input -> text, exactly */
			scn_format(&a, text, sizeof(text));
			if (scn_parse(all[s], text, &c, err, sizeof(err))) {
				fprintf(stderr, "%s\n%s\n", err, text);
				fail();
			}
			assert_true(scn_input_equal(&a, &c));
			scn_format(&c, text2, sizeof(text2));
			assert_string_equal(text, text2);
		}
	}
}

/* Each bad line gives a message naming the line, never a crash. */
static void parse_errors_are_messages(void **state)
{
	static const char *const bad[] = {
		"param cpus=2\n",				/* no scenario line */
		"scenario block\n",				/* another target */
		"scenario nic\nparam cpus=9\n",
		"scenario nic\nparam nosuch=1\n",
		"scenario nic\nparam cpus\n",
		"scenario nic\nfault fail-nth=0\n",
		"scenario nic\nfault fail-nth=3,actor=nobody\n",
		"scenario nic\nfault times=3\n",
		"scenario nic\nfault fail-nth=1,interval=2\n",
		"scenario nic\nfault fail-nth=1,site=pcp_refill\n",
		"scenario nic\nfault a\nfault b\nfault c\nfault d\n",
		"scenario nic\nexhaust HIGHMEM zero\n",
		"scenario nic\nexhaust NORMAL nope\n",
		"scenario nic\nexhaust NORMAL zero at=300\n",
		"scenario nic\nexhaust NORMAL zero\nexhaust DMA zero\n",
		"scenario nic\nkswapd maybe\n",
		"scenario nic\nschedule 0g\n",
		"scenario nic\nschedule 123\n",
		"scenario nic\nbogus\n",
		"",
	};
	static struct scn_input in;
	char err[160];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(scn_parse(&scn_nic, bad[i], &in, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "line "));
	}
	/* comments, blank lines, any order after the scenario line */
	assert_int_equal(scn_parse(&scn_nic, "# x\n\nscenario nic # y\nschedule 01 02\n"
				   "param ring=3\nkswapd hold\nexhaust DMA min at=2 release=1\n"
				   "fault probability=50,ctx=hardirq,times=2\n", &in, err, sizeof(err)), 0);
	assert_int_equal(in.param[scenario_param_index(&scn_nic, "ring")], 3);
	assert_int_equal(in.sched_len, 2);
	assert_int_equal(in.kswapd, SCN_KSWAPD_HOLD);
	assert_true(in.exhaust.on && in.exhaust.line == 2 && in.exhaust.at == 2);
	assert_int_equal(in.nr_faults, 1);
}

/* Random text mutations: the parser answers 0 or a message. */
static void parse_never_crashes(void **state)
{
	static const char seed[] = "scenario nic\nparam cpus=3\nfault fail-nth=2,actor=napi\n"
				   "exhaust NORMAL atomic at=3 release=4\nschedule 00 05 01 09\n";
	static struct scn_input in;
	char text[sizeof(seed)], err[160];
	int i, k;

	rng_state = 3;
	for (i = 0; i < 20000 / SCALE; i++) {
		memcpy(text, seed, sizeof(seed));
		for (k = 0; k < 1 + (int)(rnd() % 4); k++)
			text[rnd() % (sizeof(seed) - 1)] = (char)(rnd() % 127 + 1);
		if (!scn_parse(&scn_nic, text, &in, err, sizeof(err)))
			assert_true(scn_input_is_valid(&in));
	}
}

/* ---- seeds ---------------------------------------------------------- */

static int replay_dir(const struct scenario *s, const char *dir)
{
	static char text[SCN_TEXT_MAX], path[512];
	static struct scn_input in;
	struct scn_result r1, r2;
	struct dirent **names;
	char err[160];
	int i, n, runs = 0;
	FILE *f;

	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);

		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".lab")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			f = fopen(path, "r");
			assert_non_null(f);
			len = fread(text, 1, sizeof(text) - 1, f);
			text[len] = '\0';
			fclose(f);
			if (scn_parse(s, text, &in, err, sizeof(err))) {
				fprintf(stderr, "%s: %s\n", path, err);
				fail();
			}
			expect_clean(&in, &quiet, &r1, path, 0);
			expect_clean(&in, &quiet, &r2, path, 1);
#ifdef SCN_TEST_POOL
			/*
			 * The pool has no reserve and no reclaim: memory drained
			 * to the atomic line or below for good leaves it nothing
			 * to give (docs/adapters.md), where mm.h's GFP_ATOMIC
			 * reserve or kswapd still serve.
			 */
			assert_true(r1.progress > 0 ||
				    (in.exhaust.on && !in.exhaust.release &&
				     in.exhaust.line >= FAULT_LINE_ATOMIC));
#else
			assert_true(r1.progress > 0);
#endif
			assert_int_equal(r1.progress, r2.progress);
			assert_true(r1.trace_hash == r2.trace_hash);
			assert_int_equal(r1.points, r2.points);
			runs++;
		}
		free(names[i]);
	}
	free(names);
	return runs;
}

static void seeds_replay_clean_twice(void **state)
{
	assert_true(replay_dir(&scn_nic, "corpus/nic") >= 4);
	assert_true(replay_dir(&scn_block, "corpus/block") >= 4);
}

/*
 * The defaults under the default schedule do all their work: every
 * packet burst reaches the consumers (2 queues x 6 bursts x 4 buffers,
 * nothing fails with memory to spare), every request completes (2 x 12,
 * plus the follow-ups that found a tag).
 */
static void defaults_do_all_their_work(void **state)
{
	static struct scn_input in;
	struct scn_result res;

	scn_input_init(&in, &scn_nic);
	expect_clean(&in, &quiet, &res, "nic defaults", 0);
	assert_int_equal(res.progress, 2 * 6 * 4);
	scn_input_init(&in, &scn_block);
	expect_clean(&in, &quiet, &res, "block defaults", 0);
	assert_true(res.progress >= 2 * 12);
}

/* ---- random inputs -------------------------------------------------- */

#define RANDOM_RUNS	(1000 / SCALE)	/* per scenario */

static void random_inputs(const struct scenario *s, uint64_t seed)
{
	static uint8_t buf[160];
	static struct scn_input in;
	struct scn_result res;
	unsigned long with_faults = 0, with_exhaust = 0, checkpoints = 0, idle = 0;
	int i;

	rng_state = seed;
	for (i = 0; i < RANDOM_RUNS; i++) {
		size_t n = random_bytes(buf, sizeof(buf));

		scn_decode(s, buf, n, &in);
		expect_clean(&in, &quiet, &res, s->name, i);
		with_faults += in.nr_faults > 0;
		with_exhaust += in.exhaust.on;
		checkpoints += res.checkpoints;
		idle += !res.progress;
	}
	/* work got done: only all-failing plans may leave a run idle */
	assert_true(idle < RANDOM_RUNS / 10);
	/* the random inputs did reach faults, exhaustion and checkpoints */
	assert_true(with_faults > RANDOM_RUNS / 2);
	assert_true(with_exhaust > RANDOM_RUNS / 4);
	assert_true(checkpoints > RANDOM_RUNS);
}

static void nic_random_inputs_are_clean(void **state)	{ random_inputs(&scn_nic, 11); }
static void block_random_inputs_are_clean(void **state)	{ random_inputs(&scn_block, 12); }

/* The same inputs under the seeded random walk and PCT. */
static void random_and_pct_schedules_are_clean(void **state)
{
	static uint8_t buf[64];
	static struct scn_input in;
	struct scn_config cfg = { .ops = TEST_OPS, .quiet = true };
	struct scn_result res;
	int s, i;

	rng_state = 13;
	for (s = 0; s < 2; s++) {
		for (i = 0; i < 200 / SCALE; i++) {
			size_t n = random_bytes(buf, sizeof(buf));

			scn_decode(all[s], buf, n, &in);
			cfg.source = i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM;
			cfg.seed = 100 + i;
			expect_clean(&in, &cfg, &res, all[s]->name, i);
		}
	}
}

/* ---- the scenarios do what they say --------------------------------- */

static void run_text(const struct scenario *s, const char *text, struct scn_result *res)
{
	static struct scn_input in;
	char err[160];

	if (scn_parse(s, text, &in, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	expect_clean(&in, &quiet, res, s->name, 0);
}

/*
 * Refill failure is survived: with every GFP_ATOMIC refill of the RX
 * rings failing the run is clean, and so is a zone drained to the
 * atomic line at the first refill.
 */
static void nic_survives_refill_failure(void **state)
{
	struct oracle_stats os;
	struct scn_result res;

	run_text(&scn_nic, "scenario nic\nparam cpus=2\nparam recycle=0\n"
		 "fault interval=1,actor=nic_irq\n", &res);
	assert_true(res.faults >= 6);		/* every burst of both queues failed */
	run_text(&scn_nic, "scenario nic\nparam cpus=2\nparam recycle=0\nparam order=2\n"
		 "exhaust NORMAL atomic at=1\nkswapd hold\n", &res);
	oracle_stats(&os);
#ifndef SCN_TEST_POOL
	assert_true(os.fail_judged > 0);	/* the oracle saw GFP_ATOMIC refused */
#endif
	assert_true(res.checkpoints >= 2);
}

/*
 * The mempool carries blocking submitters through: with every element
 * allocation of the submitters failing, two of them share a one-element
 * reserve; under interleavings where both want it at once, one waits
 * for a completion (MM_EV_SLEEP, judged legal by the oracle) and every
 * run ends clean. A zone drained to zero mid-run is survived as well.
 */
static void block_pool_carries_submitters(void **state)
{
	static const char dry[] = "scenario block\nparam cpus=2\nparam min_nr=1\n"
		"param depth=2\nparam requests=16\nparam sg=0\n"
		"fault interval=1,actor=submit,site=alloc_pages|mempool_elem\n";
	static struct scn_input in;
	struct scn_config cfg = { .ops = TEST_OPS, .quiet = true, .source = SIM_SRC_RANDOM };
	struct oracle_stats os;
	struct scn_result res;
	char err[160];
	int i, waited = 0;

	(void)waited;
	assert_int_equal(scn_parse(&scn_block, dry, &in, err, sizeof(err)), 0);
	for (i = 0; i < 60; i++) {
		cfg.seed = 500 + i;
		expect_clean(&in, &cfg, &res, "dry pool", i);
		assert_true(res.faults > 0);
		oracle_stats(&os);
		waited += os.sleep > 0;
	}
#ifdef SCN_TEST_POOL
	/* the oracle does not listen to the pool: progress with every element failing */
	assert_true(res.progress >= 2 * 16);
#else
	assert_true(waited > 0);
#endif
	run_text(&scn_block, "scenario block\nparam cpus=4\nparam min_nr=1\nparam depth=1\n"
		 "param nowait=1\nexhaust NORMAL zero at=1 release=20\n", &res);
	assert_true(res.checkpoints >= 20);
}

/*
 * SQLite's loop (STYLE.md, example 7): fail the Nth allocation of the
 * submitters, N = 1, 2, ... until a run injects nothing; every run is
 * clean (the bug twin leaks from N = 2: test_scenario_bugs.c).
 */
static void block_fail_nth_sweep_is_clean(void **state)
{
	static struct scn_input in;
	struct scn_result res;
	char text[200], err[160];
	int n;

	for (n = 1; n < 200; n++) {
		snprintf(text, sizeof(text), "scenario block\nparam cpus=2\n"
			 "fault fail-nth=%d,actor=submit,site=alloc_pages|mempool_elem\n", n);
		assert_int_equal(scn_parse(&scn_block, text, &in, err, sizeof(err)), 0);
		expect_clean(&in, &quiet, &res, "fail-nth", n);
		if (!res.faults)
			break;
	}
	assert_true(n > 10 && n < 200);	/* it ended by itself */
}

/* The registry finds each scenario by name and by a text's first line. */
static void registry_finds_scenarios(void **state)
{
	assert_ptr_equal(scenario_find("nic"), &scn_nic);
	assert_ptr_equal(scenario_find("block"), &scn_block);
	assert_null(scenario_find("nosuch"));
	assert_ptr_equal(scenario_of_text("# c\n\n  scenario block # x\nparam cpus=1\n"),
			 &scn_block);
	assert_ptr_equal(scenario_of_text("scenario\tnic"), &scn_nic);
	assert_null(scenario_of_text("machine cpus=1\nscenario nic\n"));
	assert_null(scenario_of_text("scenarionic\n"));
	assert_null(scenario_of_text(""));
	for (int i = 0; scenario_table[i]; i++)
		assert_true(scenario_is_valid(scenario_table[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_finds_scenarios),
		cmocka_unit_test(decode_is_total_and_round_trips),
		cmocka_unit_test(parse_errors_are_messages),
		cmocka_unit_test(parse_never_crashes),
		cmocka_unit_test(seeds_replay_clean_twice),
		cmocka_unit_test(defaults_do_all_their_work),
		cmocka_unit_test(nic_random_inputs_are_clean),
		cmocka_unit_test(block_random_inputs_are_clean),
		cmocka_unit_test(random_and_pct_schedules_are_clean),
		cmocka_unit_test(nic_survives_refill_failure),
		cmocka_unit_test(block_pool_carries_submitters),
		cmocka_unit_test(block_fail_nth_sweep_is_clean),
	};

	return LAB_RUN_TESTS(tests);
}
