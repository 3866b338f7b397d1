// SPDX-License-Identifier: MIT
/*
 * The clean allocator on the simulated machine: 1, 2 and 4 CPUs, tasks
 * allocating GFP_KERNEL (may sleep: direct reclaim) while hardirqs and
 * softirqs on the same CPUs allocate GFP_ATOMIC, kswapd running,
 * thousands of seeded random schedules (and PCT ones). No detector may
 * fire, the allocator's own validation must pass after every run, and
 * every frame must be back (census).
 */
#include <labyrinth/mm.h>
#include "tests/sim/sim_test.h"
#include "sim/fiber.h"	/* SIM_TSAN */

uint64_t sim_rand(uint64_t *s);	/* the machine's splitmix64 */

#define TASK_OPS	6
#define HELD_MAX	4

static uint64_t scen_seed;
/*
 * Largest order + 1 the tasks and interrupts ask for. (With 2+ CPUs this
 * found an allocator bug: pcp_is_valid() counted tail frames by a
 * ->pcp_cpu only the head carried; docs/sim.md.)
 */
static unsigned int max_order;

/* A task: a seeded series of allocations, holding a few at a time. */
static void alloc_task(void *arg)
{
	uint64_t s = scen_seed ^ (uint64_t)(uintptr_t)arg;
	struct page *held[HELD_MAX] = { 0 };
	unsigned int ord[HELD_MAX] = { 0 };
	int i, j;

	for (i = 0; i < TASK_OPS; i++) {
		uint64_t r = sim_rand(&s);

		j = (int)(r % HELD_MAX);
		if (held[j]) {
			__free_pages(held[j], ord[j]);
			held[j] = NULL;
			continue;
		}
		ord[j] = (unsigned int)((r >> 8) % max_order);
		held[j] = alloc_pages((r >> 16) & 1 ? GFP_KERNEL : GFP_NOWAIT, ord[j]);
		if (held[j])
			memset(page_address(held[j]), 0x5a, PAGE_SIZE << ord[j]);
	}
	for (j = 0; j < HELD_MAX; j++)
		if (held[j])
			__free_pages(held[j], ord[j]);
}

/* An interrupt: GFP_ATOMIC, must never sleep, freed before returning. */
static void alloc_irq(void *arg)
{
	unsigned int order = (unsigned int)(uintptr_t)arg % max_order;
	struct page *p = alloc_pages(GFP_ATOMIC, order);

	if (p) {
		memset(page_address(p), 0xa5, PAGE_SIZE << order);
		__free_pages(p, order);
	}
}

static void alloc_softirq(void *arg)
{
	struct page *p = alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0);

	if (p)
		__free_pages(p, 0);
}

/* The irq raises the softirq so both nest over the tasks' allocations. */
static int softirq_nrs[SIM_MAX_CPUS];
static void alloc_irq_raise(void *arg)
{
	alloc_irq(arg);
	raise_softirq(softirq_nrs[lab_cpu_id()]);
}

static void setup_alloc(const struct sim_config *cfg)
{
	struct mm_config mc;
	int cpu;

	mm_exit();
	sim_init(cfg);
	max_order = 3;
	memset(&mc, 0, sizeof(mc));
	mc.nr_cpus = cfg->nr_cpus;
	mc.kswapd = true;
	/* small zones, so the runs hit the watermarks and the slow path */
	mc.zone_pages[0] = 32;
	mc.zone_pages[1] = 96;
	mc.min_free_pages = 24;
	mc.reclaimable_pages = 32;
	assert_int_equal(mm_init(&mc), 0);
	for (cpu = 0; cpu < cfg->nr_cpus; cpu++) {
		char name[16];

		snprintf(name, sizeof(name), "task%d", cpu);
		sim_add_task(cpu, name, alloc_task, (void *)(uintptr_t)(cpu * 7919 + 1));
		if (cfg->nr_cpus < 4) {
			snprintf(name, sizeof(name), "task%db", cpu);
			sim_add_task(cpu, name, alloc_task, (void *)(uintptr_t)(cpu * 104729 + 3));
		}
		snprintf(name, sizeof(name), "softirq%d", cpu);
		softirq_nrs[cpu] = sim_add_softirq(cpu, name, alloc_softirq, NULL);
		snprintf(name, sizeof(name), "irq%d", cpu);
		sim_add_hardirq(cpu, name, alloc_irq_raise, (void *)(uintptr_t)0, 3);
		snprintf(name, sizeof(name), "irq%dh", cpu);
		sim_add_hardirq(cpu, name, alloc_irq, (void *)(uintptr_t)1, 1);
	}
}

static void check_after(void)
{
	struct mm_census c;
	unsigned long sum;

	assert_true(mm_is_valid());
	mm_census(&c);
	sum = c.free + c.pcp + c.owned + c.in_flight + c.pooled + c.reclaimable + c.ballast;
	assert_int_equal(sum, mm_total_pages());
	assert_int_equal(c.owned, 0);
	assert_int_equal(c.in_flight, 0);
}

static void run_many(int cpus, enum sim_source src, int runs)
{
	struct sim_config cfg = quiet_cfg(cpus);
	int i;

	cfg.source = src;
	cfg.random_permille = 300;
	cfg.pct_depth = 3;
	cfg.pct_steps = 400;
	for (i = 0; i < runs; i++) {
		struct run_result r;

		cfg.seed = (uint64_t)i * 2654435761u + (uint64_t)cpus;
		cfg.lockdep_order = i & 1;	/* the allocator's lock order has no cycle */
		scen_seed = cfg.seed;
		r = run_twice(setup_alloc, &cfg);
		if (r.verdict != SIM_CLEAN) {
			fprintf(stderr, "cpus %d seed %llu source %d:\n%s", cpus,
				(unsigned long long)cfg.seed, (int)src, report_text());
			fail();
		}
		check_after();
	}
	mm_exit();
}

static void test_default_schedule(void **state)
{
	run_many(1, SIM_SRC_BYTES, 1);
	run_many(2, SIM_SRC_BYTES, 1);
	run_many(4, SIM_SRC_BYTES, 1);
}

/*
 * With LAB_DEBUG the allocator validates all of itself after every
 * operation (15x the cost of a run), so debug builds run 550 schedules
 * with full validation, release builds 4,400, TSan builds 55.
 */
#if defined(SIM_TSAN)
#define RUNS(n)	((n) / 20)	/* TSan: each access is checked; 55 schedules */
#elif defined(LAB_DEBUG)
#define RUNS(n)	((n) / 2)
#else
#define RUNS(n)	((n) * 4)
#endif
static void test_random_1cpu(void **state) { run_many(1, SIM_SRC_RANDOM, RUNS(350)); }
static void test_random_2cpu(void **state) { run_many(2, SIM_SRC_RANDOM, RUNS(350)); }
static void test_random_4cpu(void **state) { run_many(4, SIM_SRC_RANDOM, RUNS(300)); }
static void test_pct_4cpu(void **state) { run_many(4, SIM_SRC_PCT, RUNS(100)); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_schedule),
		cmocka_unit_test(test_random_1cpu),
		cmocka_unit_test(test_random_2cpu),
		cmocka_unit_test(test_random_4cpu),
		cmocka_unit_test(test_pct_4cpu),
	};

	return LAB_RUN_TESTS(tests);
}
