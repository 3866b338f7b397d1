// SPDX-License-Identifier: MIT
/*
 * Caller bugs on the real stack: the clean allocator on the simulated
 * machine, driven by code that breaks the ownership contract the way
 * drivers do. Each scenario must give exactly its signature (named after
 * the offending function and context, through the channel and allocator
 * macros), twice with the same trace hash; each corrected twin must
 * stay silent under several schedules.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include <labyrinth/channel.h>
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"
#include "sim/sim.h"

static struct channel ch;
static struct page *shared;	/* a pointer both actors can see */
static int irq;
static bool fixed;		/* run the corrected twin */
static int nulls;		/* mempool_alloc() calls that returned NULL */

/* ---- the scenarios (task on CPU 0, interrupt handler on CPU 1) ------- */

static void double_free_task(void *arg)
{
	struct page *p = alloc_page(GFP_KERNEL);

	ledger_touch(p);
	__free_page(p);
	if (!fixed)
		__free_page(p);		/* the error path frees again */
}

static void use_after_free_task(void *arg)
{
	struct page *p = alloc_page(GFP_KERNEL);

	if (fixed)
		ledger_touch(p);
	__free_page(p);
	if (!fixed)
		ledger_touch(p);	/* writes the buffer it freed */
}

static void rx_irq(void *arg)
{
	unsigned int order;
	struct page *p;

	if (!fixed && shared) {
		__free_page(shared);	/* frees the task's page, no transfer */
		shared = NULL;
		return;
	}
	while ((p = chan_take(&ch, &order))) {
		ledger_touch(p);
		__free_pages(p, order);
	}
}

static void bad_free_task(void *arg)
{
	struct page *p = alloc_page(GFP_KERNEL);

	if (fixed)
		chan_give(&ch, p, 0);
	else
		WRITE_ONCE(shared, p);
	sim_raise_hardirq(irq);
	cond_resched();
}

static void use_after_give_task(void *arg)
{
	struct page *p = alloc_page(GFP_KERNEL);

	ledger_touch(p);
	chan_give(&ch, p, 0);
	if (!fixed)
		ledger_touch(p);	/* updates the page it gave away */
	sim_raise_hardirq(irq);
	cond_resched();
}

static void leak_task(void *arg)
{
	struct page *p = alloc_page(GFP_ATOMIC);

	chan_give(&ch, p, 0);
	if (fixed)
		sim_raise_hardirq(irq);	/* else nobody ever takes it */
	cond_resched();
}

static void nowait_mempool_task(void *arg)
{
	mempool_t *pool = arg;
	void *e[3];
	int i;

	/* Empty the pool and the zone's easy pages, then ask once more. */
	for (i = 0; i < 3; i++) {
		e[i] = mempool_alloc(pool, GFP_NOWAIT);
		nulls += !e[i];
	}
	for (i = 0; i < 3; i++)
		if (e[i])
			mempool_free(e[i], pool);
}

/* ---- the driver -------------------------------------------------------- */

struct scenario {
	const char *name;
	void (*task)(void *);
	const char *sig;		/* expected, when not fixed */
};

static const struct scenario scenarios[] = {
	{ "double-free", double_free_task, "double-free/double_free_task/task" },
	{ "use-after-free", use_after_free_task, "use-after-free/use_after_free_task/task" },
	{ "bad-free", bad_free_task, "bad-free/rx_irq/hardirq" },
	{ "use-after-give", use_after_give_task, "use-after-give/use_after_give_task/task" },
	{ "leak", leak_task, "leak/leak_task/task" },
};

static void listen_once(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	mm_listen_reset();
	ledger_init(0);
	oracle_init();
	ledger_set_serial(true);
	oracle_set_serial(true);
	assert_int_equal(ledger_attach(), 0);
	assert_int_equal(oracle_attach(), 0);
}

static enum sim_verdict run(const struct scenario *s, uint64_t seed, uint64_t *hash)
{
	struct mm_config mc = { .zone_pages = { 32, 224 }, .reclaimable_pages = 16 };
	struct sim_config cfg;
	enum sim_verdict v;
	unsigned int order;
	struct page *p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_cpus = 2;
	cfg.source = SIM_SRC_RANDOM;
	cfg.seed = seed;
	cfg.quiet = !getenv("LAB_VERBOSE");
	listen_once();
	assert_int_equal(sim_init(&cfg), 0);
	ledger_reset();
	oracle_reset();
	assert_int_equal(mm_init(&mc), 0);
	ledger_mm_ready();
	oracle_mm_ready();
	chan_init(&ch, CHAN_LOCKED, 4, 1);
	shared = NULL;
	irq = sim_add_hardirq(1, "rx_irq", rx_irq, NULL, 0);
	assert_true(sim_add_task(0, "worker", s->task, NULL) > 0);
	v = sim_run();
	*hash = sim_trace_hash();
	if (v == SIM_CLEAN) {
		/* The set-up actor drains only the twins' leftovers... */
		if (fixed)
			while ((p = chan_take(&ch, &order)))
				__free_pages(p, order);
		ledger_end_of_run();
		v = report_fired() ? SIM_REPORT : SIM_CLEAN;
	}
	/* ...and after a leak report, the ring, so mm_exit() starts clean. */
	while ((p = chan_take(&ch, &order)))
		__free_pages(p, order);
	mm_exit();
	return v;
}

static void each_misuse_is_reported(void **state)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		const struct scenario *s = &scenarios[i];
		uint64_t h1, h2;
		char sig[160];

		fixed = false;
		if (run(s, 11, &h1) != SIM_REPORT || strcmp(report_signature(), s->sig))
			fprintf(stderr, "%s: expected %s, got '%s'\n%s", s->name, s->sig,
				report_signature(), report_text());
		assert_string_equal(report_signature(), s->sig);
		snprintf(sig, sizeof(sig), "%s", report_signature());
		assert_int_equal(run(s, 11, &h2), SIM_REPORT);
		assert_string_equal(report_signature(), sig);
		assert_true(h1 == h2);
	}
}

static void each_twin_is_silent(void **state)
{
	size_t i;
	uint64_t seed, h;

	fixed = true;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
		for (seed = 1; seed <= 20; seed++) {
			if (run(&scenarios[i], seed, &h) != SIM_CLEAN) {
				fprintf(stderr, "%s twin, seed %lu:\n%s", scenarios[i].name,
					(unsigned long)seed, report_text());
				fail();
			}
		}
	}
	fixed = false;
}

/*
 * A GFP_NOWAIT mempool_alloc() on an empty pool must return NULL, not
 * wait: the clean mempool does, so nothing is reported even with the
 * zone drained below every line.
 */
static void nowait_mempool_never_waits(void **state)
{
	struct mm_config mc = { .zone_pages = { 32, 224 }, .reclaimable_pages = 16 };
	struct sim_config cfg;
	struct mm_zone_info zi;
	mempool_t pool;
	int z;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_cpus = 1;
	cfg.quiet = !getenv("LAB_VERBOSE");
	listen_once();
	assert_int_equal(sim_init(&cfg), 0);
	ledger_reset();
	oracle_reset();
	assert_int_equal(mm_init(&mc), 0);
	ledger_mm_ready();
	oracle_mm_ready();
	assert_int_equal(mempool_init(&pool, 2, mempool_alloc_pages, mempool_free_pages,
				      (void *)0UL), 0);
	drain_all_pages();
	for (z = 0; z < MAX_NR_ZONES; z++) {
		mm_zone_info(z, &zi);
		mm_ballast_fill(z, 0);
	}
	nulls = 0;
	assert_true(sim_add_task(0, "worker", nowait_mempool_task, &pool) > 0);
	assert_int_equal(sim_run(), SIM_CLEAN);
	assert_int_equal(nulls, 1);	/* two reserved elements, then NULL at once */
	mm_ballast_release(-1);
	mempool_exit(&pool);
	ledger_end_of_run();
	assert_false(report_fired());
	mm_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_misuse_is_reported),
		cmocka_unit_test(each_twin_is_silent),
		cmocka_unit_test(nowait_mempool_never_waits),
	};

	return LAB_RUN_TESTS(tests);
}
