// SPDX-License-Identifier: MIT
/*
 * Context-aware coverage (fuzz/ctxcov.h): the encoding is exact, runs
 * give the same features every time and different situations different
 * ones, and a feature really reaches the engines' coverage: fuzz/ctxcov.c
 * is linked here compiled with the instrumentation an engine uses, and
 * this file plays the engine's runtime.
 *
 * Built twice (tests/fuzz/build.mk):
 *   test_ctxcov        ctxcov.c at -O2 with inline 8-bit counters
 *                      (libFuzzer's -fsanitize=fuzzer-no-link, `make fuzz`)
 *   test_ctxcov_guard  ctxcov.c at -O1 with trace-pc-guard (AFL++'s and
 *                      honggfuzz's instrumentation) -- CTXCOV_TEST_GUARDS
 * Runs from the top of the tree (make test does).
 */
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "tests/harness.h"
#include "fuzz/ctxcov.h"
#include "fuzz/interp.h"
#include "fuzz/program.h"
#include "fuzz/scenario.h"

/* ---- the engine's side: the counters of ctxcov.c's module ----------- */

#ifdef CTXCOV_TEST_GUARDS
/*
 * trace-pc-guard: the runtime numbers the guards (as AFL++'s does, from
 * 1) and the instrumented code calls back with a guard per block.
 */
static uint32_t *g_start, *g_stop;
static uint8_t *hits;		/* hits[guard number - 1] */

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);
void __sanitizer_cov_trace_pc_guard(uint32_t *guard);

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
{
	uint32_t n = 0;

	if (g_start || start == stop)
		return;
	g_start = start;
	g_stop = stop;
	for (uint32_t *g = start; g < stop; g++)
		*g = ++n;
	hits = calloc(n, 1);
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard)
{
	if (*guard)
		hits[*guard - 1]++;
}

static size_t nr_counters(void)
{
	return (size_t)(g_stop - g_start);
}

static uint8_t *counters(void)
{
	return hits;
}
#else
/* inline 8-bit counters: the module hands its array to the runtime */
static uint8_t *c_start, *c_stop;

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end);

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop)
{
	if (!c_start) {
		c_start = start;
		c_stop = stop;
	}
}

void __sanitizer_cov_pcs_init(const uintptr_t *beg, const uintptr_t *end)
{
}

static size_t nr_counters(void)
{
	return (size_t)(c_stop - c_start);
}

static uint8_t *counters(void)
{
	return c_start;
}
#endif

static void clear_counters(void)
{
	memset(counters(), 0, nr_counters());
}

/* ---- helpers ------------------------------------------------------- */

/* The feature indices a run hit, in order. */
struct seen {
	unsigned int idx[4096];
	size_t n;
};

static void record(unsigned int idx, void *arg)
{
	struct seen *s = arg;

	if (s->n < sizeof(s->idx) / sizeof(s->idx[0]))
		s->idx[s->n++] = idx;
}

static void run_text(const char *text, struct seen *s)
{
	static struct program p;
	struct interp_config cfg = { .quiet = true };
	struct interp_result res;
	char err[160];

	if (program_parse(text, &p, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	memset(s, 0, sizeof(*s));
	ctxcov_observe(record, s);
	assert_int_equal(interp_run(&p, &cfg, &res), 0);
	ctxcov_observe(NULL, NULL);
	if (res.verdict != SIM_CLEAN)
		fail_msg("%s", res.signature);
}

static bool seen_has(const struct seen *s, unsigned int idx)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->idx[i] == idx)
			return true;
	return false;
}

#define MACHINE "machine cpus=1 kswapd=off min_free=64 wsf=10 pcp_high=12 pcp_batch=4 reclaimable=128\n"

/* Differ only in the IRQ state around the same alloc/free. */
static const char *const prog_irqs_on =
	MACHINE
	"actor task0 task cpu=0\n"
	"\talloc s0 ATOMIC order=0\n"
	"\tfree s0\n";
static const char *const prog_irqs_off =
	MACHINE
	"actor task0 task cpu=0\n"
	"\tirq_save\n"
	"\talloc s0 ATOMIC order=0\n"
	"\tfree s0\n"
	"\tirq_restore\n";

/* ---- the encoding --------------------------------------------------- */

/* Every index decodes to a situation that encodes back to it. */
static void test_index_is_exact(void **state)
{
	struct ctxcov_sit s;
	unsigned int i;

	assert_int_equal(CTXCOV_NR, 36864);
	for (i = 0; i < CTXCOV_NR; i++) {
		ctxcov_decode(i, &s);
		assert_true(s.op < CTXCOV_OP_NR && s.gfp < CTXCOV_GFP_NR);
		assert_true(s.order < CTXCOV_ORDER_NR && s.ctx < CTXCOV_CTX_NR);
		assert_true(s.lock < CTXCOV_LOCK_NR && s.band < CTXCOV_BAND_NR);
		assert_true(s.outcome < CTXCOV_OUTCOME_NR);
		assert_int_equal(ctxcov_index(&s), i);
	}
}

/* Each dimension moves the index on its own. */
static void test_dimensions_distinct(void **state)
{
	struct ctxcov_sit a = { .op = CTXCOV_ALLOC, .gfp = CTXCOV_GFP_ATOMIC }, b;
	unsigned int base = ctxcov_index(&a);

#define DIFFERS(field, v) do { b = a; b.field = (v); \
	assert_int_not_equal(ctxcov_index(&b), base); } while (0)
	DIFFERS(op, CTXCOV_POOL_ALLOC);
	DIFFERS(gfp, CTXCOV_GFP_NOWAIT);
	DIFFERS(order, 2);
	DIFFERS(ctx, CTXCOV_HARDIRQ);
	DIFFERS(irqs_off, 1);
	DIFFERS(lock, 2);
	DIFFERS(preempt_off, 1);
	DIFFERS(band, 3);
	DIFFERS(outcome, CTXCOV_FALLBACK);
#undef DIFFERS
	assert_int_equal(ctxcov_gfp_class(GFP_ATOMIC), CTXCOV_GFP_ATOMIC);
	assert_int_equal(ctxcov_gfp_class(GFP_NOWAIT), CTXCOV_GFP_NOWAIT);
	assert_int_equal(ctxcov_gfp_class(GFP_NOIO), CTXCOV_GFP_BLOCK);
	assert_int_equal(ctxcov_gfp_class(GFP_ATOMIC | __GFP_MEMALLOC), CTXCOV_GFP_MEMALLOC);
	assert_int_equal(ctxcov_gfp_class(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC),
			 CTXCOV_GFP_ATOMIC);
	assert_int_equal(ctxcov_gfp_class(GFP_ATOMIC | __GFP_NOFAIL), CTXCOV_GFP_NOFAIL_NB);
	assert_int_equal(ctxcov_gfp_class(GFP_KERNEL | __GFP_NOFAIL), CTXCOV_GFP_NOFAIL);
	assert_int_equal(ctxcov_order_class(0), 0);
	assert_int_equal(ctxcov_order_class(3), 1);
	assert_int_equal(ctxcov_order_class(4), 2);
}

/* ---- runs ----------------------------------------------------------- */

/* The situation the interpreter reports is the one the program set up. */
static void test_run_situations(void **state)
{
	static struct seen on, off;
	struct ctxcov_sit s = {
		.op = CTXCOV_ALLOC, .gfp = CTXCOV_GFP_ATOMIC, .ctx = CTXCOV_TASK,
		.band = MM_BAND_ABOVE_HIGH, .outcome = CTXCOV_OK,
	};

	run_text(prog_irqs_on, &on);
	run_text(prog_irqs_off, &off);
	assert_true(seen_has(&on, ctxcov_index(&s)));
	assert_false(seen_has(&off, ctxcov_index(&s)));
	s.irqs_off = 1;
	assert_true(seen_has(&off, ctxcov_index(&s)));
	assert_false(seen_has(&on, ctxcov_index(&s)));
	s.op = CTXCOV_FREE;
	s.gfp = 0;
	assert_true(seen_has(&off, ctxcov_index(&s)));
}

/* Lock held, preemption off, hardirq, a failed allocation: each seen. */
static void test_run_contexts(void **state)
{
	static struct seen r;
	struct ctxcov_sit s = { .op = CTXCOV_ALLOC, .gfp = CTXCOV_GFP_NOWAIT };

	run_text(MACHINE
		 "actor task0 task cpu=0\n"
		 "\tlock a plain\n"
		 "\talloc s0 NOWAIT order=1\n"
		 "\tunlock a\n"
		 "\tpreempt_disable\n"
		 "\tfailnext 1\n"
		 "\talloc s1 NOWAIT order=0\n"
		 "\tpreempt_enable\n", &r);
	s.order = 1;
	s.lock = 1;
	assert_true(seen_has(&r, ctxcov_index(&s)));
	s.order = 0;
	s.lock = 0;
	s.preempt_off = 1;
	s.outcome = CTXCOV_NULL;
	assert_true(seen_has(&r, ctxcov_index(&s)));

	run_text(MACHINE
		 "actor task0 task cpu=0\n"
		 "\talloc s0 KERNEL order=0\n"
		 "\tfree s0\n"
		 "actor irq0 hardirq cpu=0 fires=1\n"
		 "\talloc s0 ATOMIC order=0\n"
		 "schedule 01 01\n", &r);	/* deliver irq0 early (docs/sim.md) */
	memset(&s, 0, sizeof(s));
	s.op = CTXCOV_ALLOC;
	s.ctx = CTXCOV_HARDIRQ;
	s.irqs_off = 1;
	assert_true(seen_has(&r, ctxcov_index(&s)));
}

/* Below the reserves: the band and the way round show. */
static void test_run_band_and_fallback(void **state)
{
	static struct seen r;
	struct ctxcov_sit s = { .op = CTXCOV_ALLOC, .gfp = CTXCOV_GFP_ATOMIC };

	run_text(MACHINE
		 "actor task0 task cpu=0\n"
		 "\texhaust NORMAL low\n"
		 "\talloc s0 ATOMIC order=0\n"
		 "\talloc s1 NOWAIT order=0\n"
		 "\trelease\n", &r);
	for (size_t i = 0; i < r.n; i++) {
		struct ctxcov_sit d;

		ctxcov_decode(r.idx[i], &d);
		if (d.op == CTXCOV_ALLOC && d.gfp == CTXCOV_GFP_ATOMIC) {
			assert_int_not_equal(d.band, MM_BAND_ABOVE_HIGH);
			assert_int_equal(d.outcome, CTXCOV_FALLBACK);
			return;
		}
	}
	fail_msg("no ATOMIC allocation seen among %zu features", r.n);
	(void)s;
}

/* Every shipped seed: the same features, in the same order, twice. */
static void test_seeds_deterministic(void **state)
{
	static const char *const seeds[] = {
		"corpus/ops/channels.lab", "corpus/ops/locks.lab", "corpus/ops/smp4.lab",
		"corpus/ops/mempool.lab", "corpus/ops/exhaust.lab",
	};
	static struct program p;
	static struct seen a, b;
	struct interp_config cfg = { .quiet = true };
	struct interp_result res;
	char err[256];

	for (size_t k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		if (program_load(seeds[k], &p, err, sizeof(err)))
			fail_msg("%s", err);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ctxcov_observe(record, &a);
		assert_int_equal(interp_run(&p, &cfg, &res), 0);
		assert_int_equal(res.verdict, SIM_CLEAN);
		ctxcov_observe(record, &b);
		assert_int_equal(interp_run(&p, &cfg, &res), 0);
		ctxcov_observe(NULL, NULL);
		assert_true(a.n > 4);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(a.idx, b.idx, a.n * sizeof(a.idx[0]));
	}
}

/* A scenario's allocator events feed the same space, deterministically. */
static void test_scenario_feeds(void **state)
{
	static struct scn_input in;
	static struct seen a, b;
	struct scn_config cfg = { .quiet = true };
	struct scn_result res;
	const struct scenario *s = scenario_find("nic");
	bool alloc = false, free = false;

	assert_non_null(s);
	scn_input_init(&in, s);
	ctxcov_observe(record, &a);
	assert_int_equal(scn_run(&in, &cfg, &res), 0);
	ctxcov_observe(record, &b);
	assert_int_equal(scn_run(&in, &cfg, &res), 0);
	ctxcov_observe(NULL, NULL);
	assert_int_equal(res.verdict, SIM_CLEAN);
	assert_true(a.n > 4);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.idx, b.idx, a.n * sizeof(a.idx[0]));
	for (size_t i = 0; i < a.n; i++) {
		struct ctxcov_sit d;

		ctxcov_decode(a.idx[i], &d);
		alloc |= d.op == CTXCOV_ALLOC;
		free |= d.op == CTXCOV_FREE;
	}
	assert_true(alloc && free);
}

/* ---- the engine sees it --------------------------------------------- */

/*
 * Every index lights a counter of its own: hit each once, and exactly
 * CTXCOV_NR counters read 1 (the dispatch blocks run 36864 and 256
 * times, 0 modulo 256 for 8-bit counters). Two cases folded into one
 * block would read 2 and leave the count short.
 */
static void test_each_index_own_counter(void **state)
{
	size_t ones = 0, i;
	uint8_t *c = counters();

	assert_non_null(c);
	assert_true(nr_counters() >= CTXCOV_NR);
	clear_counters();
	for (i = 0; i < CTXCOV_NR; i++)
		ctxcov_hit(i);
	for (i = 0; i < nr_counters(); i++) {
		ones += c[i] == 1;
		assert_true(c[i] <= 1 || c[i] == (uint8_t)(CTXCOV_NR / 144) ||
			    c[i] == (uint8_t)CTXCOV_NR);
	}
	assert_int_equal(ones, CTXCOV_NR);
	/* and the same index, the same counter */
	clear_counters();
	ctxcov_hit(4242);
	ctxcov_hit(4242);
	for (i = 0, ones = 0; i < nr_counters(); i++)
		ones += c[i] == 2;
	assert_true(ones >= 1);
}

/*
 * Two runs that differ only in the situation (IRQs on or off around the
 * same alloc/free) leave different counters; the same run, the same.
 */
static void test_runs_differ_in_counters(void **state)
{
	static struct seen r;
	size_t n = nr_counters();
	uint8_t *on = malloc(n), *on2 = malloc(n), *off = malloc(n);

	clear_counters();
	run_text(prog_irqs_on, &r);
	memcpy(on, counters(), n);
	clear_counters();
	run_text(prog_irqs_on, &r);
	memcpy(on2, counters(), n);
	clear_counters();
	run_text(prog_irqs_off, &r);
	memcpy(off, counters(), n);
	assert_memory_equal(on, on2, n);
	assert_memory_not_equal(on, off, n);
	free(on);
	free(on2);
	free(off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_is_exact),
		cmocka_unit_test(test_dimensions_distinct),
		cmocka_unit_test(test_run_situations),
		cmocka_unit_test(test_run_contexts),
		cmocka_unit_test(test_run_band_and_fallback),
		cmocka_unit_test(test_seeds_deterministic),
		cmocka_unit_test(test_scenario_feeds),
		cmocka_unit_test(test_each_index_own_counter),
		cmocka_unit_test(test_runs_differ_in_counters),
	};

	unsetenv("LABYRINTH_CTXCOV");
	return LAB_RUN_TESTS(tests);
}
