// SPDX-License-Identifier: MIT
/*
 * PCT against a random walk on a depth-2 ordering bug.
 *
 * CPU 0 runs L0 steps and holds x == 1 only between its steps MID and
 * MID+1; CPU 1 runs L1 steps and then reads x. The bug (reading 1) needs
 * two orderings: CPU 0's step M before CPU 1's read, and the read
 * before CPU 0's step M+1 -- depth d = 2 (Burckhardt et al. 2010).
 * With n = 2 CPUs and k scheduling points, PCT finds it with
 * probability >= 1/(n k^(d-1)) = 1/(2k) per run. A random walk must
 * also leave CPU 0 parked in a one-step window for all of CPU 1's
 * remaining steps, which gets exponentially unlikely with L1.
 * Seeds are fixed: the counts are the same every time.
 */
#include "tests/sim/sim_test.h"

#define L0	6	/* CPU 0's steps */
#define MID	2	/* x == 1 between CPU 0's steps MID and MID+1 */
#define L1	40	/* CPU 1's steps before it reads x */

static volatile int x;
static bool found;

static void t0(void *arg)
{
	int i;

	for (i = 0; i < L0; i++) {
		race_point();
		if (i == MID)
			x = 1;
		if (i == MID + 1)
			x = 0;
	}
}

static void t1(void *arg)
{
	int i;

	for (i = 0; i < L1; i++)
		race_point();
	if (x)
		found = true;
}

static void setup_toy(const struct sim_config *c)
{
	sim_init(c);
	x = 0;
	found = false;
	sim_add_task(0, "task0", t0, NULL);
	sim_add_task(1, "task1", t1, NULL);
}

/* Runs (of `runs' seeds) that hit the bug; *first: the first hit (1-based). */
static int hits(enum sim_source src, int runs, unsigned long k, int *first)
{
	struct sim_config c = quiet_cfg(2);
	int i, n = 0;

	c.source = src;
	c.pct_depth = 2;
	c.pct_steps = k;
	c.random_permille = 500;
	*first = 0;
	for (i = 0; i < runs; i++) {
		struct run_result r;

		c.seed = 0x5eed0000u + (uint64_t)i;
		r = run_twice(setup_toy, &c);
		assert_int_equal(r.verdict, SIM_CLEAN);
		if (found) {
			n++;
			if (!*first)
				*first = i + 1;
		}
	}
	return n;
}

static void test_pct_beats_random(void **state)
{
	struct sim_config c = quiet_cfg(2);
	struct run_result r;
	unsigned long k;
	int runs = 2000, pct, rnd, pct_first, rnd_first;
	double bound;

	/* k: the points of one run under the default schedule */
	r = run_twice(setup_toy, &c);
	assert_false(found);		/* the default schedule misses it */
	k = r.points;
	bound = 1.0 / (2.0 * (double)k);	/* 1/(n k^(d-1)) */

	pct = hits(SIM_SRC_PCT, runs, k, &pct_first);
	rnd = hits(SIM_SRC_RANDOM, runs, k, &rnd_first);
	print_message("k=%lu bound=1/%.0f pct %d/%d (first %d) random %d/%d (first %d)\n",
		      k, 1.0 / bound, pct, runs, pct_first, rnd, runs, rnd_first);
	/* PCT meets its guarantee (expected hits >= runs * bound), with margin */
	assert_true(pct >= (int)(0.6 * runs * bound));
	assert_true(pct_first > 0 && pct_first <= (int)(3.0 / bound));
	/* ...and the random walk needs clearly more runs */
	assert_true(rnd * 3 <= pct);
}

/* The bug PCT found replays from its recorded choices. */
static void test_pct_replay(void **state)
{
	struct sim_config c = quiet_cfg(2);
	struct sim_choice saved[256];
	size_t n;
	int i;

	c.source = SIM_SRC_PCT;
	c.pct_depth = 2;
	c.pct_steps = L0 + L1 + 3;
	for (i = 0; i < 2000; i++) {
		struct run_result r, rr;

		c.seed = 0x5eed0000u + (uint64_t)i;
		r = run_twice(setup_toy, &c);
		if (!found)
			continue;
		memcpy(saved, sim_choices(&n), n * sizeof(saved[0]));
		c.source = SIM_SRC_REPLAY;
		c.replay = saved;
		c.nr_replay = n;
		rr = run_twice(setup_toy, &c);
		assert_true(found);
		assert_true(rr.hash == r.hash);
		return;
	}
	fail();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pct_beats_random),
		cmocka_unit_test(test_pct_replay),
	};

	return LAB_RUN_TESTS(tests);
}
