// SPDX-License-Identifier: MIT
/*
 * The genalloc-style pool on its own (pool/genpool.h), on the simulated
 * machine: geometry and alignment, exhaustion returning 0 at once in
 * every context, the event stream the ledger reads, the fault hook, the
 * ballast, the census and the validator, the free path's checks, and
 * hardirq/softirq/task callers on 1 to 4 CPUs under seeded random and
 * PCT schedules with the ownership ledger listening: no report.
 *
 * Pool layout used throughout (64-byte granules, frames 0..1023):
 *
 *	chunk 0: frames   0..511   [.......... 512 granules ..........]
 *	chunk 1: frames 512..1023  [.......... 512 granules ..........]
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include <labyrinth/fault_sites.h>
#include "check/ledger.h"
#include "check/report.h"
#include "sim/sim.h"
#include "pool/genpool.h"

#define GORDER		6
#define GRANULE		(1UL << GORDER)
#define CHUNK_FRAMES	512
#define CHUNK_BYTES	(CHUNK_FRAMES * GRANULE)
#define TOTAL		(2 * CHUNK_FRAMES)
#define MAX_EV		4096

static struct {
	struct gen_pool *pool;
	void *mem;
	struct mm_event ev[MAX_EV];
	int nr_ev;
	int fail_call;		/* fault hook: fail this call (1-based), 0 never */
	int calls;
	int hook_site, hook_order;
} T;

static void record(const struct mm_event *ev, void *arg)
{
	if (T.nr_ev < MAX_EV)
		T.ev[T.nr_ev++] = *ev;
}

static bool hook(int site, gfp_t gfp, unsigned int order, void *arg)
{
	T.hook_site = site;
	T.hook_order = (int)order;
	return ++T.calls == T.fail_call;
}

static void *frame_mem(unsigned long pfn, void *arg)
{
	return gen_pool_pfn_to_virt(T.pool, pfn);
}

/* A fresh machine and pool; the ledger listening, or the test's recorder. */
static void setup(int cpus, enum sim_source src, uint64_t seed, bool ledger)
{
	struct sim_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.nr_cpus = cpus;
	cfg.source = src;
	cfg.seed = seed;
	cfg.quiet = !getenv("LAB_VERBOSE");
	assert_int_equal(sim_init(&cfg), 0);
	T.nr_ev = T.calls = T.fail_call = 0;
	T.mem = aligned_alloc(4096, 2 * CHUNK_BYTES);
	T.pool = gen_pool_create(GORDER, 0, "test");
	assert_non_null(T.mem);
	assert_non_null(T.pool);
	assert_int_equal(gen_pool_add(T.pool, (unsigned long)T.mem, CHUNK_BYTES), 0);
	assert_int_equal(gen_pool_add(T.pool, (unsigned long)T.mem + CHUNK_BYTES,
				      CHUNK_BYTES), 0);
	if (!ledger) {
		/* T.ev is the test's own, not simulated memory: one CPU at a time */
		assert_int_equal(gen_pool_listen(T.pool, record, NULL), 0);
	} else {
		ledger_init(TOTAL);
		ledger_set_serial(true);
		ledger_set_memory(frame_mem, NULL);
		assert_int_equal(gen_pool_listen(T.pool, ledger_event, NULL), 0);
	}
}

static void teardown(void)
{
	gen_pool_destroy(T.pool);
	free(T.mem);
	T.pool = NULL;
	T.mem = NULL;
}

static void assert_census(unsigned long free_, unsigned long owned,
			  unsigned long flight, unsigned long ballast)
{
	struct gen_pool_census c;

	gen_pool_census(T.pool, &c);
	assert_int_equal(c.total, TOTAL);
	assert_int_equal(c.free, free_);
	assert_int_equal(c.owned, owned);
	assert_int_equal(c.in_flight, flight);
	assert_int_equal(c.ballast, ballast);
	assert_true(gen_pool_is_valid(T.pool));
}

/* Every order is aligned to its size and inside the pool; sizes round up. */
static void test_geometry(void **state)
{
	unsigned long a[GEN_POOL_MAX_ORDER + 1], used = 0;
	int o;

	setup(1, SIM_SRC_BYTES, 0, false);
	assert_int_equal(gen_pool_size(T.pool), 2 * CHUNK_BYTES);
	for (o = 0; o <= GEN_POOL_MAX_ORDER; o++) {
		a[o] = gen_pool_alloc(T.pool, GRANULE << o);
		assert_true(a[o] != 0);
		assert_int_equal((a[o] - (unsigned long)T.mem) % (GRANULE << o), 0);
		assert_true(a[o] >= (unsigned long)T.mem &&
			    a[o] + (GRANULE << o) <= (unsigned long)T.mem + 2 * CHUNK_BYTES);
		used += 1UL << o;
	}
	assert_census(TOTAL - used, used, 0, 0);
	assert_int_equal(gen_pool_avail(T.pool), (TOTAL - used) * GRANULE);
	/* 3 granules take 4; more than 2^6 granules is refused */
	assert_true(gen_pool_alloc(T.pool, 3 * GRANULE) != 0);
	assert_census(TOTAL - used - 4, used + 4, 0, 0);
	assert_int_equal(gen_pool_alloc(T.pool, (GRANULE << GEN_POOL_MAX_ORDER) + 1), 0);
	assert_int_equal(gen_pool_alloc(T.pool, 0), 0);
	for (o = 0; o <= GEN_POOL_MAX_ORDER; o++)
		gen_pool_free(T.pool, a[o], GRANULE << o);
	assert_census(TOTAL - 4, 4, 0, 0);
	assert_false(report_fired());
	assert_int_equal(gen_pool_destroy(T.pool), 4);	/* busy granules are counted */
	T.pool = NULL;
	free(T.mem);
}

/*
 * The event stream: ALLOC after the reservation, FREE before the
 * release, GIVE/TAKE with their channel, ALLOC_FAIL on failure; frame
 * numbers are granule indices and blocks are (pfn, order).
 */
static void test_events(void **state)
{
	unsigned long a, b;

	setup(1, SIM_SRC_BYTES, 0, false);
	a = gen_pool_alloc_gfp(T.pool, 4 * GRANULE, GFP_NOWAIT);
	b = gen_pool_alloc(T.pool, GRANULE);
	gen_pool_give(T.pool, a, 4 * GRANULE, 3);
	gen_pool_take(T.pool, a, 4 * GRANULE, 3);
	gen_pool_free(T.pool, a, 4 * GRANULE);
	gen_pool_free(T.pool, b, GRANULE);
	assert_int_equal(T.nr_ev, 6);
	assert_int_equal(T.ev[0].kind, MM_EV_ALLOC);
	assert_int_equal(T.ev[0].pfn, 0);
	assert_int_equal(T.ev[0].order, 2);
	assert_int_equal(T.ev[0].gfp, GFP_NOWAIT);
	assert_int_equal(T.ev[1].kind, MM_EV_ALLOC);
	assert_int_equal(T.ev[1].pfn, 4);	/* first fit after the order-2 block */
	assert_int_equal(T.ev[1].gfp, GFP_ATOMIC);
	assert_int_equal(T.ev[2].kind, MM_EV_GIVE);
	assert_int_equal(T.ev[2].chan, 3);
	assert_int_equal(T.ev[3].kind, MM_EV_TAKE);
	assert_int_equal(T.ev[4].kind, MM_EV_FREE);
	assert_int_equal(T.ev[4].pfn, 0);
	assert_int_equal(T.ev[5].pfn, 4);
	assert_int_equal(T.ev[0].zone, -1);
	assert_non_null(T.ev[0].site);
	assert_string_equal(T.ev[0].site->func, "test_events");
	assert_int_equal(gen_pool_virt_to_pfn(T.pool, (unsigned long)T.mem + CHUNK_BYTES), 512);
	assert_ptr_equal(gen_pool_pfn_to_virt(T.pool, 513), (char *)T.mem + CHUNK_BYTES + GRANULE);
	assert_int_equal(gen_pool_virt_to_pfn(T.pool, 16), ~0UL);
	assert_null(gen_pool_pfn_to_virt(T.pool, TOTAL));
	assert_census(TOTAL, 0, 0, 0);
	teardown();
}

/* An exhausted pool returns 0 at once, from a hardirq, with an ALLOC_FAIL. */
static unsigned long exhaust_got, exhaust_failed;

static void exhaust_irq(void *arg)
{
	unsigned long a;

	while ((a = gen_pool_alloc(T.pool, GRANULE << 4)))
		exhaust_got++;
	exhaust_failed++;
}

static void exhaust_task(void *arg)
{
	sim_raise_hardirq((int)(long)arg);
	cond_resched();
}

static void test_exhaust_any_context(void **state)
{
	int irq;

	exhaust_got = exhaust_failed = 0;
	setup(1, SIM_SRC_BYTES, 0, false);
	irq = sim_add_hardirq(0, "irq0", exhaust_irq, NULL, 1);
	assert_true(sim_add_task(0, "task0", exhaust_task, (void *)(long)irq) > 0);
	assert_int_equal(sim_run(), SIM_CLEAN);	/* no sleep, no stall */
	assert_int_equal(exhaust_got, TOTAL / 16);
	assert_int_equal(exhaust_failed, 1);
	assert_int_equal(T.ev[T.nr_ev - 1].kind, MM_EV_ALLOC_FAIL);
	assert_int_equal(T.ev[T.nr_ev - 1].who.ctx, LAB_CTX_HARDIRQ);
	assert_census(0, TOTAL, 0, 0);
	teardown();
}

/* The fault hook is asked once per allocation, at FAULT_SITE_ALLOC_PAGES. */
static void test_fault_hook(void **state)
{
	setup(1, SIM_SRC_BYTES, 0, false);
	gen_pool_set_fault_hook(T.pool, hook, NULL);
	T.fail_call = 2;
	assert_true(gen_pool_alloc(T.pool, GRANULE) != 0);
	assert_int_equal(gen_pool_alloc(T.pool, 2 * GRANULE), 0);
	assert_int_equal(T.hook_site, FAULT_SITE_ALLOC_PAGES);
	assert_int_equal(T.hook_order, 1);
	assert_int_equal(T.ev[1].kind, MM_EV_ALLOC_FAIL);
	assert_int_equal(T.ev[1].order, 1);
	assert_true(gen_pool_alloc(T.pool, 2 * GRANULE) != 0);
	assert_int_equal(T.calls, 3);
	assert_census(TOTAL - 3, 3, 0, 0);
	gen_pool_set_fault_hook(T.pool, NULL, NULL);
	teardown();
}

/*
 * The ballast leaves exactly the target free when the pool allows it,
 * largest blocks first, and gives every frame back.
 *
 *	before:  [A.......... free ...........]   A = one order-0 owner
 *	fill 100 free:  [A][ballast ... ][100 free]
 */
static void test_ballast(void **state)
{
	unsigned long a;
	int i, in = 0, out = 0;

	setup(1, SIM_SRC_BYTES, 0, false);
	a = gen_pool_alloc(T.pool, GRANULE);
	assert_int_equal(gen_pool_ballast_fill(T.pool, 100), TOTAL - 1 - 100);
	assert_census(100, 1, 0, TOTAL - 101);
	/* a second fill lower keeps the first */
	assert_int_equal(gen_pool_ballast_fill(T.pool, 0), TOTAL - 1);
	assert_int_equal(gen_pool_alloc(T.pool, GRANULE), 0);
	assert_int_equal(gen_pool_ballast_release(T.pool), TOTAL - 1);
	assert_census(TOTAL - 1, 1, 0, 0);
	for (i = 0; i < T.nr_ev; i++) {
		in += T.ev[i].kind == MM_EV_BALLAST_IN ? 1 << T.ev[i].order : 0;
		out += T.ev[i].kind == MM_EV_BALLAST_OUT ? 1 << T.ev[i].order : 0;
	}
	assert_int_equal(in, TOTAL - 1);
	assert_int_equal(out, TOTAL - 1);
	gen_pool_free(T.pool, a, GRANULE);
	assert_census(TOTAL, 0, 0, 0);
	teardown();
}

/* The validator sees a damaged bitmap, a wrong avail and a lost counter. */
static void test_validator_fires(void **state)
{
	struct gen_pool_chunk *c;
	unsigned long a;

	setup(1, SIM_SRC_BYTES, 0, false);
	a = gen_pool_alloc(T.pool, GRANULE);
	assert_true(gen_pool_is_valid(T.pool));
	c = list_first_entry(&T.pool->chunks, struct gen_pool_chunk, next_chunk);
	c->bits[3] |= 1;			/* a reserved bit nobody holds */
	assert_false(gen_pool_is_valid(T.pool));
	c->bits[3] &= ~1UL;
	atomic_long_sub(GRANULE, &c->avail);	/* avail out of step */
	assert_false(gen_pool_is_valid(T.pool));
	atomic_long_add(GRANULE, &c->avail);
	atomic_long_inc(&T.pool->nr_owned);	/* owners' count out of step */
	assert_false(gen_pool_is_valid(T.pool));
	atomic_long_dec(&T.pool->nr_owned);
	assert_true(gen_pool_is_valid(T.pool));
	gen_pool_free(T.pool, a, GRANULE);
	teardown();
}

/* The free path checks what it is given: outside, misaligned, not reserved. */
static unsigned long bad_addr;
static size_t bad_size;

static void bad_free_task(void *arg)
{
	gen_pool_free(T.pool, bad_addr, bad_size);
}

/* off: an offset into the pool's memory, or -1 for memory outside it */
static void one_bad_free(long off, size_t size, const char *sig)
{
	static char outside[64];

	setup(1, SIM_SRC_BYTES, 0, false);
	bad_addr = off < 0 ? (unsigned long)outside : (unsigned long)T.mem + off;
	bad_size = size;
	assert_true(sim_add_task(0, "task0", bad_free_task, NULL) > 0);
	assert_int_equal(sim_run(), SIM_REPORT);
	assert_string_equal(report_signature(), sig);
	teardown();
}

static void test_bad_free(void **state)
{
	one_bad_free(-1, GRANULE, "invariant/block_of/task");
	one_bad_free(GRANULE / 2, GRANULE, "invariant/block_of/task");
	/* an order-1 block starts on an even granule: granule 1 cannot */
	one_bad_free(GRANULE, 2 * GRANULE, "invariant/block_of/task");
	/* granule 2 was never reserved: gen_pool_free_owner()'s BUG_ON(remain) */
	one_bad_free(2 * GRANULE, GRANULE, "invariant/__gen_pool_free/task");
}

/*
 * Every context at once: per CPU a hardirq allocates (any order up to 2),
 * touches and gives to the CPU's softirq through a locked ring, the
 * softirq takes and touches, then frees or hands on to the task, which
 * frees; seeded random and PCT schedules on 1 to 4 CPUs, the ownership
 * ledger listening. A correct pool: no report, nothing leaked.
 */
#define RING	4
struct ring {
	spinlock_t lock;
	unsigned int head, tail;
	unsigned long addr[RING];
	unsigned int order[RING];
};

static struct {
	struct ring rx[SIM_MAX_CPUS], tx[SIM_MAX_CPUS];
	int irq[SIM_MAX_CPUS], softirq[SIM_MAX_CPUS];
	unsigned long moved;
} S;
static unsigned long total_moved;

static bool ring_put(struct ring *r, int chan, unsigned long a, unsigned int o)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&r->lock, flags);
	ok = r->head - r->tail < RING;
	if (ok) {
		gen_pool_give(T.pool, a, GRANULE << o, chan);
		r->addr[r->head % RING] = a;
		r->order[r->head % RING] = o;
		r->head++;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	return ok;
}

static unsigned long ring_get(struct ring *r, int chan, unsigned int *o)
{
	unsigned long flags, a = 0;

	spin_lock_irqsave(&r->lock, flags);
	if (r->head != r->tail) {
		a = r->addr[r->tail % RING];
		*o = r->order[r->tail % RING];
		r->tail++;
	}
	spin_unlock_irqrestore(&r->lock, flags);
	if (a)
		gen_pool_take(T.pool, a, GRANULE << *o, chan);
	return a;
}

static void ctx_irq(void *arg)
{
	int cpu = (int)(long)arg, k;

	for (k = 0; k < 3; k++) {
		unsigned int o = (unsigned int)(cpu + k) % 3;
		unsigned long a = gen_pool_alloc(T.pool, GRANULE << o);

		if (!a)
			continue;
		ledger_touch_pfn(gen_pool_virt_to_pfn(T.pool, a), lab_current(), LAB_SITE);
		if (!ring_put(&S.rx[cpu], cpu, a, o))
			gen_pool_free(T.pool, a, GRANULE << o);
	}
	sim_raise_softirq(cpu, S.softirq[cpu]);
}

static void ctx_softirq(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned int o;
	unsigned long a;

	while ((a = ring_get(&S.rx[cpu], cpu, &o))) {
		ledger_touch_pfn(gen_pool_virt_to_pfn(T.pool, a), lab_current(), LAB_SITE);
		if (o == 0 || !ring_put(&S.tx[cpu], 10 + cpu, a, o))
			gen_pool_free(T.pool, a, GRANULE << o);
	}
}

static void ctx_task(void *arg)
{
	int cpu = (int)(long)arg, i;
	unsigned int o;
	unsigned long a, own;

	for (i = 0; i < 6; i++) {
		sim_raise_hardirq(S.irq[cpu]);
		own = gen_pool_alloc_gfp(T.pool, GRANULE, GFP_KERNEL);
		cond_resched();
		if ((a = ring_get(&S.tx[cpu], 10 + cpu, &o))) {
			ledger_touch_pfn(gen_pool_virt_to_pfn(T.pool, a), lab_current(), LAB_SITE);
			gen_pool_free(T.pool, a, GRANULE << o);
			S.moved++;
		}
		if (own)
			gen_pool_free(T.pool, own, GRANULE);
	}
}

static void drain_ring(struct ring *r, int chan)
{
	unsigned int o;
	unsigned long a;

	while ((a = ring_get(r, chan, &o)))
		gen_pool_free(T.pool, a, GRANULE << o);
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CTX_RUNS	10
#endif
#endif
#ifndef CTX_RUNS
#define CTX_RUNS	150
#endif

static void test_every_context_clean(void **state)
{
	struct ledger_counts lc;
	int cpus, i, c;

	for (cpus = 1; cpus <= SIM_MAX_CPUS; cpus++) {
		for (i = 0; i < CTX_RUNS; i++) {
			memset(&S, 0, sizeof(S));
			setup(cpus, i & 1 ? SIM_SRC_PCT : SIM_SRC_RANDOM, 500 + i, true);
			for (c = 0; c < SIM_MAX_CPUS; c++) {
				spin_lock_init(&S.rx[c].lock);
				spin_lock_init(&S.tx[c].lock);
			}
			for (c = 0; c < cpus; c++) {
				S.softirq[c] = sim_add_softirq(c, "rx", ctx_softirq, (void *)(long)c);
				S.irq[c] = sim_add_hardirq(c, "irq", ctx_irq, (void *)(long)c, 2);
				assert_true(sim_add_task(c, "worker", ctx_task, (void *)(long)c) > 0);
			}
			if (sim_run() == SIM_CLEAN) {
				for (c = 0; c < SIM_MAX_CPUS; c++) {
					drain_ring(&S.rx[c], c);
					drain_ring(&S.tx[c], 10 + c);
				}
				ledger_end_of_run();
			}
			if (report_fired()) {
				fprintf(stderr, "cpus %d run %d:\n%s", cpus, i, report_text());
				fail();
			}
			total_moved += S.moved;
			ledger_counts(&lc);
			assert_int_equal(lc.place[LP_FREE], lc.total);
			assert_census(TOTAL, 0, 0, 0);
			teardown();
		}
	}
	/* blocks really went hardirq -> softirq -> task */
	assert_true(total_moved > CTX_RUNS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_exhaust_any_context),
		cmocka_unit_test(test_fault_hook),
		cmocka_unit_test(test_ballast),
		cmocka_unit_test(test_validator_fires),
		cmocka_unit_test(test_bad_free),
		cmocka_unit_test(test_every_context_clean),
	};

	return LAB_RUN_TESTS(tests);
}
