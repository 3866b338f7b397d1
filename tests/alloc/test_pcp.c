// SPDX-License-Identifier: MIT
/*
 * Per-CPU lists: batch refill, drain beyond high, trylock failure
 * falling back to the buddy lists (on allocation and on free, and from
 * an interrupt that lands while its CPU holds the lock), local and
 * remote drains, and NR_FREE_PAGES excluding pcp pages.
 * Default pcp: high 12, batch 4.
 */
#include "alloc_test.h"

static int pcp_count(int zi, int cpu)
{
	return zone_of(zi)->pcp[cpu].count;
}

/* An order-0 request on an empty list pulls a batch of 4 off the buddy lists. */
static void test_refill_batch(void **state)
{
	long before;
	struct page *p;

	drain_all_pages();
	before = free_of(ZONE_NORMAL);
	p = alloc_page(GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 3);
	/* NR_FREE_PAGES excludes pcp pages: 4 left the buddy lists. */
	assert_int_equal(free_of(ZONE_NORMAL), before - 4);
	/* The next three come from the list without touching zone->lock. */
	for (int i = 0; i < 3; i++)
		assert_non_null(alloc_page(GFP_KERNEL));
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 0);
	assert_int_equal(free_of(ZONE_NORMAL), before - 4);
	assert_census();
}

/* Frees collect on the list until high (12), then a batch of 4 goes back. */
static void test_free_drains_beyond_high(void **state)
{
	struct page *p[12];
	struct mm_census c;

	for (int i = 0; i < 12; i++)
		p[i] = alloc_page(GFP_KERNEL);
	drain_all_pages();
	for (int i = 0; i < 11; i++)
		__free_page(p[i]);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 11);
	mm_census(&c);
	assert_int_equal(c.pcp, 11);
	__free_page(p[11]);		/* count reaches high: drain a batch */
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 8);
	assert_census();
}

/* Trylock failure on allocation: the page comes from the buddy lists. */
static void test_alloc_falls_back_when_pcp_locked(void **state)
{
	long before;
	struct page *p;

	drain_all_pages();
	before = free_of(ZONE_NORMAL);
	hold_pcp(ZONE_NORMAL, 0);
	p = alloc_page(GFP_ATOMIC);
	release_pcp(ZONE_NORMAL, 0);
	assert_non_null(p);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 0);
	assert_int_equal(free_of(ZONE_NORMAL), before - 1);
	__free_page(p);
	assert_census();
}

/* Trylock failure on free: straight back to the buddy lists (free_one_page). */
static void test_free_falls_back_when_pcp_locked(void **state)
{
	long before;
	struct page *p = alloc_page(GFP_KERNEL);

	drain_all_pages();
	before = free_of(ZONE_NORMAL);
	hold_pcp(ZONE_NORMAL, 0);
	__free_page(p);
	release_pcp(ZONE_NORMAL, 0);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 0);
	assert_int_equal(free_of(ZONE_NORMAL), before + 1);
	assert_census();
}

/*
 * The case the trylock exists for: a task on CPU 0 holds its pcp lock
 * (IRQs on), an interrupt on CPU 0 allocates and frees. With a plain
 * spin_lock it would deadlock; with the trylock it uses zone->lock.
 */
static void irq_alloc_free(void *arg)
{
	struct page **out = arg;
	struct page *p = alloc_page(GFP_ATOMIC);

	out[0] = p;
	out[1] = alloc_pages(GFP_ATOMIC, 2);
	if (p)
		__free_page(p);
}

static void test_interrupt_while_pcp_held(void **state)
{
	struct page *got[2] = { NULL, NULL };
	int count;

	alloc_page(GFP_KERNEL);			/* leave pages on CPU 0's list */
	count = pcp_count(ZONE_NORMAL, 0);
	hold_pcp(ZONE_NORMAL, 0);
	threads_in_hardirq(irq_alloc_free, got);
	release_pcp(ZONE_NORMAL, 0);
	assert_non_null(got[0]);
	assert_non_null(got[1]);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), count);	/* list untouched */
	assert_false(report_fired());
	__free_pages(got[1], 2);
	assert_census();
}

/* drain_local_pages() drains this CPU only; drain_all_pages() every CPU. */
static void test_drain_local_and_all(void **state)
{
	struct page *p;
	struct mm_zone_info zi;

	threads_set_cpu(1);
	p = alloc_page(GFP_KERNEL);
	__free_page(p);
	assert_true(pcp_count(ZONE_NORMAL, 1) > 0);
	threads_set_cpu(0);
	p = alloc_page(GFP_KERNEL);
	__free_page(p);
	assert_true(pcp_count(ZONE_NORMAL, 0) > 0);
	drain_local_pages();
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 0);
	assert_true(pcp_count(ZONE_NORMAL, 1) > 0);
	drain_all_pages();
	assert_int_equal(pcp_count(ZONE_NORMAL, 1), 0);
	mm_zone_info(ZONE_NORMAL, &zi);
	assert_int_equal(zi.pcp_count, 0);
	assert_int_equal(zi.free_pages, 960 - 128);
	assert_census();
}

/* Each migratetype and order has its own list. */
static void test_lists_by_type_and_order(void **state)
{
	struct page *u = alloc_page(GFP_KERNEL);
	struct page *m = alloc_page(GFP_KERNEL | __GFP_MOVABLE);
	struct page *o2 = alloc_pages(GFP_KERNEL, 2);
	struct per_cpu_pages *pcp = &zone_of(ZONE_NORMAL)->pcp[0];

	assert_false(list_empty(&pcp->lists[order_to_pindex(MIGRATE_UNMOVABLE, 0)]));
	assert_false(list_empty(&pcp->lists[order_to_pindex(MIGRATE_MOVABLE, 0)]));
	/* order 2: batch 4 >> 2 = 1, at least 2 blocks: one kept, one listed */
	assert_false(list_empty(&pcp->lists[order_to_pindex(MIGRATE_UNMOVABLE, 2)]));
	/* Order 4 is above PAGE_ALLOC_COSTLY_ORDER: never on a pcp list. */
	__free_pages(alloc_pages(GFP_KERNEL, 4), 4);
	for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
		assert_true(pindex_to_order(order_to_pindex(mt, 3)) == 3);
	__free_page(u);
	__free_page(m);
	__free_pages(o2, 2);
	assert_census();
}

/* A failed refill (fault site PCP_REFILL) falls back to the buddy lists. */
static bool fail_refill(int site, gfp_t gfp, unsigned int order, void *arg)
{
	int *n = arg;

	if (site != FAULT_SITE_PCP_REFILL)
		return false;
	(*n)++;
	return true;
}

static void test_refill_fault_falls_back(void **state)
{
	int n = 0;
	struct page *p;

	drain_all_pages();
	mm_set_fault_hook(fail_refill, &n);
	p = alloc_page(GFP_KERNEL);
	mm_set_fault_hook(NULL, NULL);
	assert_non_null(p);
	assert_int_equal(n, 1);
	assert_int_equal(pcp_count(ZONE_NORMAL, 0), 0);
	__free_page(p);
	assert_census();
}

/* Two CPUs hammering their own lists concurrently keep every count right. */
static void hammer(void *arg)
{
	struct page *held[16];

	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 16; i++)
			held[i] = alloc_pages(GFP_ATOMIC, i & 1);
		for (int i = 0; i < 16; i++)
			if (held[i])
				__free_pages(held[i], i & 1);
		if (round % 50 == 0)
			drain_all_pages();
	}
}

static void test_two_cpus_concurrently(void **state)
{
	assert_int_equal(threads_spawn(0, "cpu0", hammer, NULL), 0);
	assert_int_equal(threads_spawn(1, "cpu1", hammer, NULL), 0);
	threads_join_all();
	drain_all_pages();
	assert_int_equal(free_of(ZONE_NORMAL), 960 - 128);
	assert_int_equal(free_of(ZONE_DMA), 64);
	assert_false(report_fired());
	assert_census();
}

/*
 * Real interrupts: CPU 1 raises CPU 0's hardirq (a signal) again and
 * again while CPU 0's task allocates and frees through its pcp list.
 * Whenever a signal lands inside the task's pcp section, the handler's
 * trylock fails and it must use zone->lock; whenever it lands elsewhere
 * it uses the list. Either way nothing deadlocks, nothing is lost.
 */
static int irq_runs, irq_got;
static long task_steps;	/* the task's allocations and frees so far */
static volatile int stop_irqs;

static void irq_handler(void *arg)
{
	struct page *p = alloc_page(GFP_ATOMIC);
	struct page *q = alloc_pages(GFP_ATOMIC, 1);

	__atomic_add_fetch(&irq_runs, 1, __ATOMIC_RELAXED);
	if (p) {
		__atomic_add_fetch(&irq_got, 1, __ATOMIC_RELAXED);
		__free_page(p);
	}
	if (q)
		__free_pages(q, 1);
}

/*
 * Raise the next interrupt only once the last one has run and the task
 * has done at least one more allocation or free since (or after a
 * while, in case a signal was merged with a pending one). A free-running
 * source starves CPU 0's task when a handler is slow (TSan makes the
 * DEBUG_CHECK validators in the handler very slow), and pacing by the
 * handler alone still does on an idle machine: the source has a core of
 * its own and raises the next interrupt the moment the last returns, so
 * the task advanced one step per handler and the test ran for minutes.
 */
static void irq_source(void *arg)
{
	int last = -1, idle = 0;
	long last_step = -1;

	while (!__atomic_load_n(&stop_irqs, __ATOMIC_RELAXED)) {
		int now = __atomic_load_n(&irq_runs, __ATOMIC_RELAXED);
		long step = __atomic_load_n(&task_steps, __ATOMIC_RELAXED);

		if ((now != last && step != last_step) || ++idle > 2000) {
			last = now;
			last_step = step;
			idle = 0;
			threads_raise_hardirq(0);
		}
		for (int i = 0; i < 50; i++)
			sched_yield();
	}
}

static void test_real_interrupts_against_pcp(void **state)
{
	struct page *held[8];

	/* Listeners take a mutex: not from a signal handler. */
	mm_listen_reset();
	irq_runs = irq_got = 0;
	task_steps = 0;
	stop_irqs = 0;
	threads_set_hardirq(0, "irq0", irq_handler, NULL);
	assert_int_equal(threads_spawn(1, "irq-source", irq_source, NULL), 0);
	for (int round = 0; round < 3000 || __atomic_load_n(&irq_runs, __ATOMIC_RELAXED) < 20;
	     round++) {
		for (int i = 0; i < 8; i++) {
			held[i] = alloc_page(GFP_KERNEL);
			__atomic_add_fetch(&task_steps, 1, __ATOMIC_RELAXED);
		}
		for (int i = 0; i < 8; i++) {
			__free_page(held[i]);
			__atomic_add_fetch(&task_steps, 1, __ATOMIC_RELAXED);
		}
		if (round > 200000)
			break;
	}
	__atomic_store_n(&stop_irqs, 1, __ATOMIC_RELAXED);
	threads_join_all();
	assert_true(irq_runs >= 20);
	assert_int_equal(irq_got, irq_runs);
	assert_false(report_fired());
	drain_all_pages();
	assert_int_equal(free_of(ZONE_NORMAL), 960 - 128);
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_refill_batch),
		ALLOC_TEST(test_free_drains_beyond_high),
		ALLOC_TEST(test_alloc_falls_back_when_pcp_locked),
		ALLOC_TEST(test_free_falls_back_when_pcp_locked),
		ALLOC_TEST(test_interrupt_while_pcp_held),
		ALLOC_TEST(test_drain_local_and_all),
		ALLOC_TEST(test_lists_by_type_and_order),
		ALLOC_TEST(test_refill_fault_falls_back),
		ALLOC_TEST(test_two_cpus_concurrently),
		ALLOC_TEST(test_real_interrupts_against_pcp),
	};

	return LAB_RUN_TESTS(tests);
}
