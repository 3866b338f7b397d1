// SPDX-License-Identifier: MIT
/*
 * The reserve oracle on the simulated machine: every gfp class from
 * every context (tasks with blocking and non-blocking masks, softirqs
 * and hardirqs with non-blocking ones, tasks with IRQs off), with the
 * zones pushed near their watermark lines by the ballast, under seeded
 * random and PCT schedules on 1 to 4 CPUs. The clean allocator must
 * produce no report from the oracle, the ledger or the machine, and the
 * runs must really reach decisions below LOW and judged failures.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"
#include "sim/sim.h"

#define MAX_CPUS	4
#define HOLD		6

static const gfp_t nonblocking[] = {
	GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOMEMALLOC,
	GFP_ATOMIC | __GFP_MEMALLOC, GFP_NOWAIT | __GFP_NOMEMALLOC,
	GFP_ATOMIC | __GFP_DMA, GFP_ATOMIC | __GFP_NOFAIL, GFP_NOWAIT | __GFP_HIGH,
};
static const gfp_t blocking[] = {
	GFP_KERNEL | __GFP_NORETRY, GFP_NOIO | __GFP_NORETRY,
	GFP_NOFS | __GFP_NORETRY, GFP_KERNEL | __GFP_HIGH | __GFP_NORETRY,
	GFP_KERNEL | __GFP_NOMEMALLOC | __GFP_NORETRY, GFP_KERNEL | __GFP_DMA | __GFP_NORETRY,
	GFP_KERNEL | __GFP_RETRY_MAYFAIL,
};

struct actor_state {
	unsigned long long rng;
	struct page *held[HOLD];
	unsigned int order[HOLD];
};

static struct actor_state S[MAX_CPUS][3];	/* task, softirq, hardirq */
static int irq_id[MAX_CPUS], softirq_nr[MAX_CPUS];
static long skew;		/* the oracle's test-only switch, per run */

static unsigned int rnd(struct actor_state *s, unsigned int n)
{
	s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((s->rng >> 33) % n);
}

/* One step: allocate into a free slot, or free a held block. */
static void step(struct actor_state *s, bool may_block)
{
	unsigned int i = rnd(s, HOLD);

	if (s->held[i]) {
		__free_pages(s->held[i], s->order[i]);
		s->held[i] = NULL;
		return;
	}
	s->order[i] = rnd(s, 6) ? 0 : 1 + rnd(s, 2);
	s->held[i] = alloc_pages(may_block && rnd(s, 2) ?
				 blocking[rnd(s, ARRAY_SIZE(blocking))] :
				 nonblocking[rnd(s, ARRAY_SIZE(nonblocking))] | __GFP_NOWARN,
				 s->order[i]);
}

static void release_all(struct actor_state *s)
{
	for (int i = 0; i < HOLD; i++) {
		if (s->held[i])
			__free_pages(s->held[i], s->order[i]);
		s->held[i] = NULL;
	}
}

static void irq_fn(void *arg)
{
	int cpu = (int)(long)arg;

	/* A handler holds nothing across activations: it returns what it took. */
	step(&S[cpu][2], false);
	step(&S[cpu][2], false);
	release_all(&S[cpu][2]);
	sim_raise_softirq(cpu, softirq_nr[cpu]);
}

static void softirq_fn(void *arg)
{
	struct actor_state *s = &S[(int)(long)arg][1];

	step(s, false);
	step(s, false);
	release_all(s);
}

static void task_fn(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long flags;
	int i;

	for (i = 0; i < 16; i++) {
		if (i % 4 == 3) {
			local_irq_save(flags);
			step(&S[cpu][0], false);
			local_irq_restore(flags);
		} else {
			step(&S[cpu][0], true);
		}
		if (i % 3 == 0)
			sim_raise_hardirq(irq_id[cpu]);
	}
	release_all(&S[cpu][0]);
}

static enum sim_verdict one_run(int cpus, enum sim_source src, uint64_t seed)
{
	struct mm_config mc = {
		.zone_pages = { 32, 224 }, .min_free_pages = 32,
		.reclaimable_pages = 24,
	};
	struct sim_config cfg;
	struct mm_zone_info zi;
	enum sim_verdict v;
	int c, z;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_cpus = cpus;
	cfg.source = src;
	cfg.seed = seed;
	cfg.quiet = !getenv("LAB_VERBOSE");
	assert_int_equal(sim_init(&cfg), 0);
	ledger_reset();
	oracle_reset();
	oracle_debug_skew_mark(skew);
	assert_int_equal(mm_init(&mc), 0);
	ledger_mm_ready();
	oracle_mm_ready();
	/* Zones a few pages above MIN, so reserves decide. */
	for (z = 0; z < MAX_NR_ZONES; z++) {
		mm_zone_info(z, &zi);
		mm_ballast_fill(z, (long)zi.wmark[WMARK_MIN] + 2 + (long)(seed % 6));
	}
	memset(S, 0, sizeof(S));
	for (c = 0; c < cpus; c++) {
		for (z = 0; z < 3; z++)
			S[c][z].rng = seed * 31 + (unsigned long long)(c * 3 + z);
		softirq_nr[c] = sim_add_softirq(c, "net_rx", softirq_fn, (void *)(long)c);
		irq_id[c] = sim_add_hardirq(c, "nic_irq", irq_fn, (void *)(long)c, 3);
		assert_true(sim_add_task(c, "worker", task_fn, (void *)(long)c) > 0);
	}
	v = sim_run();
	if (v == SIM_CLEAN) {
		mm_ballast_release(-1);
		drain_all_pages();
		ledger_end_of_run();
		if (!report_fired())
			ledger_check_census();
		v = report_fired() ? SIM_REPORT : SIM_CLEAN;
	}
	mm_exit();
	return v;
}

static void listen_once(void)
{
	mm_listen_reset();
	ledger_init(0);
	oracle_init();
	ledger_set_serial(true);
	oracle_set_serial(true);
	assert_int_equal(ledger_attach(), 0);
	assert_int_equal(oracle_attach(), 0);
}

/* Per CPU count (fewer under TSan, 10x slower). */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RUNS	8
#endif
#endif
#ifndef RUNS
#define RUNS	120
#endif

static void every_class_every_context_is_clean(void **state)
{
	struct oracle_stats st;
	unsigned long wm = 0, judged = 0, allocs = 0;
	int cpus, i;

	listen_once();
	for (cpus = 1; cpus <= MAX_CPUS; cpus++) {
		for (i = 0; i < RUNS; i++) {
			enum sim_source src = i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM;

			if (one_run(cpus, src, 300 + i) != SIM_CLEAN) {
				fprintf(stderr, "cpus %d run %d:\n%s", cpus, i, report_text());
				fail();
			}
			oracle_stats(&st);
			wm += st.wmark;
			judged += st.fail_judged;
			allocs += st.alloc;
		}
	}
	if (getenv("LAB_VERBOSE"))
		fprintf(stderr, "decisions %lu, judged failures %lu, allocations %lu\n",
			wm, judged, allocs);
	assert_true(wm > 20UL * RUNS);
	assert_true(judged > RUNS / 10);
	assert_true(allocs > 10UL * RUNS);
}

/* The same switch on the machine: a skewed line is a reserve report. */
static void skewed_watermark_is_reported(void **state)
{
	enum sim_verdict v;

	listen_once();
	skew = 3;
	v = one_run(2, SIM_SRC_RANDOM, 1);
	skew = 0;
	assert_int_equal(v, SIM_REPORT);
	assert_int_equal(report_first_kind(), REPORT_RESERVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_class_every_context_is_clean),
		cmocka_unit_test(skewed_watermark_is_reported),
	};

	return LAB_RUN_TESTS(tests);
}
