// SPDX-License-Identifier: MIT
/*
 * The pool on real threads (threads/: one pthread per CPU, hardirqs as
 * signals that arrive in the middle of whatever the thread was doing):
 * task threads allocate, touch and free blocks of orders 0..3 while
 * their CPU's interrupt handler does the same from hardirq context --
 * on the same CPU, possibly inside a reservation's cmpxchg loop -- with
 * the ownership ledger listening. A correct lock-free pool: no report,
 * every frame free at the end, the bitmap and counters in step. Under
 * ThreadSanitizer too (TSAN_TESTS), where any plain access racing with
 * the bitmap's atomics would be a report.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include "check/ledger.h"
#include "check/report.h"
#include "threads/threads.h"
#include "pool/genpool.h"

#define GORDER		6
#define GRANULE		(1UL << GORDER)
#define FRAMES		512
#define CPUS		4

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ROUNDS		300
#endif
#endif
#ifndef ROUNDS
#define ROUNDS		3000
#endif

static struct gen_pool *pool;
static void *mem;
static unsigned long irq_got[CPUS], task_got[CPUS];

static void *frame_mem(unsigned long pfn, void *arg)
{
	return gen_pool_pfn_to_virt(pool, pfn);
}

static void use_and_free(unsigned long a, unsigned int order)
{
	ledger_touch_pfn(gen_pool_virt_to_pfn(pool, a), lab_current(), LAB_SITE);
	gen_pool_free(pool, a, GRANULE << order);
}

static void irq_fn(void *arg)
{
	int cpu = (int)(long)arg;
	unsigned long a = gen_pool_alloc(pool, GRANULE);

	if (a) {
		irq_got[cpu]++;
		use_and_free(a, 0);
	}
}

static void task_fn(void *arg)
{
	int cpu = (int)(long)arg, i;
	unsigned long held[4] = { 0 };
	unsigned int o;

	for (i = 0; i < ROUNDS; i++) {
		o = (unsigned int)(i + cpu) % 4;
		if (held[o]) {
			use_and_free(held[o], o);
			held[o] = 0;
		}
		held[o] = gen_pool_alloc_gfp(pool, GRANULE << o, GFP_KERNEL);
		if (held[o]) {
			task_got[cpu]++;
			ledger_touch_pfn(gen_pool_virt_to_pfn(pool, held[o]), lab_current(),
					 LAB_SITE);
		}
		if (i % 8 == 0)
			threads_raise_hardirq((cpu + i / 8) % CPUS);
	}
	for (o = 0; o < 4; o++)
		if (held[o])
			use_and_free(held[o], o);
}

static void test_threads_and_signals(void **state)
{
	struct gen_pool_census c;
	struct ledger_counts lc;
	unsigned long irqs = 0, tasks = 0;
	int cpu;

	assert_int_equal(threads_init(CPUS), 0);
	report_reset();
	report_set_mode(REPORT_RECORD);
	mem = aligned_alloc(4096, FRAMES * GRANULE);
	pool = gen_pool_create(GORDER, 0, "threads");
	assert_non_null(pool);
	assert_int_equal(gen_pool_add(pool, (unsigned long)mem, FRAMES * GRANULE), 0);
	ledger_init(FRAMES);
	ledger_set_serial(false);	/* signals may enter the ledger */
	ledger_set_memory(frame_mem, NULL);
	assert_int_equal(gen_pool_listen(pool, ledger_event, NULL), 0);
	for (cpu = 0; cpu < CPUS; cpu++) {
		threads_set_hardirq(cpu, "pool_irq", irq_fn, (void *)(long)cpu);
		assert_int_equal(threads_spawn(cpu, "worker", task_fn, (void *)(long)cpu), 0);
	}
	threads_join_all();
	ledger_end_of_run();
	if (report_fired()) {
		fprintf(stderr, "%s", report_text());
		fail();
	}
	for (cpu = 0; cpu < CPUS; cpu++) {
		irqs += irq_got[cpu];
		tasks += task_got[cpu];
	}
	/* both kinds of caller really allocated */
	assert_true(irqs > 0);
	assert_true(tasks > (unsigned long)ROUNDS);
	ledger_counts(&lc);
	assert_int_equal(lc.place[LP_FREE], lc.total);
	gen_pool_census(pool, &c);
	assert_int_equal(c.free, FRAMES);
	assert_int_equal(c.owned + c.in_flight + c.ballast, 0);
	assert_true(gen_pool_is_valid(pool));
	assert_int_equal(gen_pool_destroy(pool), 0);
	free(mem);
	ledger_exit();
	threads_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_and_signals),
	};

	return LAB_RUN_TESTS(tests);
}
