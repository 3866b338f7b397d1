/* SPDX-License-Identifier: MIT */
/*
 * Helpers for machine tests: every scenario runs twice from scratch and
 * must give the same verdict, signature and trace hash (determinism).
 */
#ifndef LABYRINTH_TESTS_SIM_TEST_H
#define LABYRINTH_TESTS_SIM_TEST_H

#include <string.h>
#include "tests/harness.h"
#include "sim/sim.h"

struct run_result {
	enum sim_verdict verdict;
	char sig[160];
	uint64_t hash;
	unsigned long points;
};

/* setup(cfg) must sim_init(cfg) and add the actors. */
typedef void (*scenario_fn)(const struct sim_config *cfg);

static inline void run_once(scenario_fn setup, const struct sim_config *cfg,
			    struct run_result *r)
{
	setup(cfg);
	r->verdict = sim_run();
	snprintf(r->sig, sizeof(r->sig), "%s", report_signature());
	r->hash = sim_trace_hash();
	r->points = sim_points();
}

/* Run twice; assert identical outcome; return the first. */
static inline struct run_result run_twice(scenario_fn setup, const struct sim_config *cfg)
{
	struct run_result a, b;

	run_once(setup, cfg, &a);
	run_once(setup, cfg, &b);
	assert_int_equal(a.verdict, b.verdict);
	assert_string_equal(a.sig, b.sig);
	assert_true(a.hash == b.hash);
	assert_int_equal(a.points, b.points);
	return a;
}

static inline struct sim_config quiet_cfg(int nr_cpus)
{
	struct sim_config c;

	memset(&c, 0, sizeof(c));
	c.nr_cpus = nr_cpus;
	c.quiet = true;
	return c;
}

#endif
