// SPDX-License-Identifier: MIT
/*
 * Fault injection against the real allocator (threads backend): plans
 * installed through mm_set_fault_hook(), reserve exhaustion to each
 * named line and what each gfp class gets there, mempool reserve
 * draining, benign regions, and fail-nth of an interrupt handler.
 *
 * Default machine (mm_init(NULL)): ZONE_DMA 64 pages, ZONE_NORMAL 960;
 * the lines come from mm_zone_info(), the expectations from the
 * watermark rules (docs/faultinject.md).
 */
#include <errno.h>
#include <string.h>
#include "tests/harness.h"
#include "threads/threads.h"
#include "check/report.h"
#include "faultinject/fault.h"

static struct fault_injector fi;
static char err[200];

/* Events seen, by kind, from every context. */
static unsigned long nev[MM_EV_KIND_NR];

static void count_ev(const struct mm_event *ev, void *arg)
{
	__atomic_add_fetch(&nev[ev->kind], 1, __ATOMIC_RELAXED);
}

static int group_setup(void **state)
{
	if (threads_init(2))
		return -1;
	mm_listen_reset();
	report_set_stream(NULL);
	if (mm_listen(fault_mm_event, NULL))
		return -1;
	return mm_listen(count_ev, NULL);
}

static int group_teardown(void **state)
{
	mm_listen_reset();
	threads_exit();
	return 0;
}

static int setup(void **state)
{
	memset(nev, 0, sizeof(nev));
	report_reset();
	threads_stats_reset();
	return mm_init(NULL);
}

static int teardown(void **state)
{
	if (fault_installed())
		fault_uninstall(fault_installed());
	mm_exit();
	return 0;
}

static void install(const char *text)
{
	struct fault_plan p;

	assert_int_equal(fault_plan_parse(text, &p, err, sizeof(err)), 0);
	fault_injector_init(&fi, &p);
	if (fault_install(&fi, err, sizeof(err))) {
		print_error("install '%s': %s\n", text, err);
		fail();
	}
}

static long zone_free(int zone)
{
	struct mm_zone_info zi;

	assert_int_equal(mm_zone_info(zone, &zi), 0);
	return zi.free_pages;
}

static long line_of(int zone, enum fault_line l)
{
	struct fault_lines fl;

	assert_int_equal(fault_zone_lines(zone, -1, &fl), 0);
	return fl.line[l];
}

/* ---- allocation from a chosen context ------------------------------- */

struct attempt {
	gfp_t gfp;
	unsigned int order;
	struct page *page;
};

static void attempt_body(void *arg)
{
	struct attempt *a = arg;

	a->page = alloc_pages(a->gfp, a->order);
}

static struct page *alloc_in(int ctx, gfp_t gfp, unsigned int order)
{
	struct attempt a = { gfp, order, NULL };

	if (ctx == LAB_CTX_HARDIRQ)
		threads_in_hardirq(attempt_body, &a);
	else if (ctx == LAB_CTX_SOFTIRQ)
		threads_in_softirq(attempt_body, &a);
	else
		attempt_body(&a);
	return a.page;
}

/* ---- the lines ------------------------------------------------------ */

static void test_lines_arithmetic(void **state)
{
	struct mm_zone_info n, d;
	struct fault_lines ln, ld, ldd;
	long m;

	assert_int_equal(mm_zone_info(ZONE_NORMAL, &n), 0);
	assert_int_equal(mm_zone_info(ZONE_DMA, &d), 0);
	assert_int_equal(fault_zone_lines(ZONE_NORMAL, -1, &ln), 0);
	assert_int_equal(fault_zone_lines(ZONE_DMA, -1, &ld), 0);
	assert_int_equal(fault_zone_lines(ZONE_DMA, ZONE_DMA, &ldd), 0);
	assert_int_equal(fault_zone_lines(ZONE_NORMAL, ZONE_DMA, &ldd) , -EINVAL);
	assert_int_equal(fault_zone_lines(ZONE_DMA, ZONE_DMA, &ldd), 0);

	/* NORMAL as its own class: no lowmem_reserve, no highatomic yet. */
	assert_int_equal(ln.lowmem_reserve, 0);
	assert_int_equal(ln.free_highatomic, 0);
	assert_int_equal(ln.line[FAULT_LINE_HIGH], n.wmark[WMARK_HIGH]);
	assert_int_equal(ln.line[FAULT_LINE_LOW], n.wmark[WMARK_LOW]);
	assert_int_equal(ln.line[FAULT_LINE_MIN], n.wmark[WMARK_MIN]);
	m = n.wmark[WMARK_MIN];
	m -= m / 2;
	m -= m / 4;
	assert_int_equal(ln.line[FAULT_LINE_ATOMIC], m);
	assert_int_equal(ln.line[FAULT_LINE_ZERO], 0);
	/* The lines are ordered, and the atomic one is really below MIN. */
	assert_true(ln.line[FAULT_LINE_HIGH] > ln.line[FAULT_LINE_LOW]);
	assert_true(ln.line[FAULT_LINE_LOW] > ln.line[FAULT_LINE_MIN]);
	assert_true(ln.line[FAULT_LINE_MIN] > ln.line[FAULT_LINE_ATOMIC]);
	assert_true(ln.line[FAULT_LINE_ATOMIC] > 0);

	/* DMA for a NORMAL-class request keeps lowmem_reserve[NORMAL] back. */
	assert_true(d.lowmem_reserve[ZONE_NORMAL] > 0);
	assert_int_equal(ld.lowmem_reserve, d.lowmem_reserve[ZONE_NORMAL]);
	assert_int_equal(ld.line[FAULT_LINE_MIN], d.wmark[WMARK_MIN] + ld.lowmem_reserve);
	assert_int_equal(ldd.line[FAULT_LINE_MIN], d.wmark[WMARK_MIN]);
}

static void test_exhaust_each_line(void **state)
{
	struct fault_lines dl;
	struct mm_census c;
	enum fault_line l;
	long held;
	int z;

	/* Down through every line, then back up to HIGH: always exact. */
	for (l = FAULT_LINE_HIGH; l <= FAULT_LINE_ZERO; l++) {
		held = fault_exhaust(-1, l, -1);
		assert_true(held > 0);
		for (z = 0; z < MAX_NR_ZONES; z++)
			assert_int_equal(zone_free(z), line_of(z, l));
		mm_census(&c);
		assert_int_equal(c.ballast, held);
		assert_int_equal(c.pcp, 0);
	}
	assert_true(fault_exhaust(ZONE_NORMAL, FAULT_LINE_HIGH, -1) > 0);
	assert_int_equal(zone_free(ZONE_NORMAL), line_of(ZONE_NORMAL, FAULT_LINE_HIGH));
	assert_int_equal(zone_free(ZONE_DMA), 0);
	/* DMA for its own class (__GFP_DMA): no lowmem_reserve in the line. */
	assert_true(fault_exhaust(ZONE_DMA, FAULT_LINE_MIN, ZONE_DMA) > 0);
	assert_int_equal(fault_zone_lines(ZONE_DMA, ZONE_DMA, &dl), 0);
	assert_int_equal(zone_free(ZONE_DMA), dl.line[FAULT_LINE_MIN]);
	assert_int_equal(dl.lowmem_reserve, 0);
	assert_true(fault_exhaust_release(-1) > 0);
	mm_census(&c);
	assert_int_equal(c.ballast, 0);
	assert_int_equal(fault_exhaust(2, FAULT_LINE_MIN, -1), -EINVAL);
	assert_int_equal(fault_exhaust(ZONE_NORMAL, FAULT_LINE_NR, -1), -EINVAL);
	assert_true(mm_is_valid());
	assert_false(report_fired());
}

/*
 * What each gfp class gets with every zone on a line (order 0, the
 * NORMAL class, no highatomic pages):
 *
 *	line	GFP_NOWAIT  GFP_ATOMIC  GFP_KERNEL
 *	high	page        page        page, no reclaim
 *	low	page        page        page, no reclaim (slow path at MIN)
 *	min	NULL        page        page after direct reclaim
 *	atomic	NULL        NULL        page after direct reclaim
 *	zero	NULL        NULL        page after direct reclaim
 */
static const struct {
	enum fault_line line;
	bool nowait, atomic, kernel_reclaims;
} by_line[] = {
	{ FAULT_LINE_HIGH, true, true, false },
	{ FAULT_LINE_LOW, true, true, false },
	{ FAULT_LINE_MIN, false, true, true },
	{ FAULT_LINE_ATOMIC, false, false, true },
	{ FAULT_LINE_ZERO, false, false, true },
};

static void exhaust_all(enum fault_line l)
{
	int z;

	assert_true(fault_exhaust(-1, l, -1) >= 0);
	for (z = 0; z < MAX_NR_ZONES; z++)
		assert_int_equal(zone_free(z), line_of(z, l));
}

/* A non-blocking class on a line, from ctx: page or NULL, never a sleep. */
static void check_nonblocking(enum fault_line l, gfp_t gfp, int ctx, bool want)
{
	struct threads_stats st;
	unsigned long sleeps = nev[MM_EV_SLEEP], fails = nev[MM_EV_ALLOC_FAIL];
	struct page *p;
	int z;

	exhaust_all(l);
	threads_stats_reset();
	p = alloc_in(ctx, gfp, 0);
	threads_stats(&st);
	assert_int_equal(st.might_sleep, 0);
	assert_int_equal(st.slept, 0);
	assert_int_equal(nev[MM_EV_SLEEP], sleeps);
	if (!want) {
		assert_null(p);
		assert_int_equal(nev[MM_EV_ALLOC_FAIL], fails + 1);
		/* A failed attempt leaves the zones on the line. */
		for (z = 0; z < MAX_NR_ZONES; z++)
			assert_int_equal(zone_free(z), line_of(z, l));
	} else {
		assert_non_null(p);
		__free_page(p);
	}
}

static void test_class_behaviour_per_line(void **state)
{
	unsigned int i;
	int ctx;
	struct page *p;
	unsigned long sleeps, reclaims;

	for (i = 0; i < ARRAY_SIZE(by_line); i++) {
		enum fault_line l = by_line[i].line;

		for (ctx = LAB_CTX_TASK; ctx < LAB_CTX_NR; ctx++) {
			check_nonblocking(l, GFP_NOWAIT, ctx, by_line[i].nowait);
			check_nonblocking(l, GFP_ATOMIC, ctx, by_line[i].atomic);
		}
		/* GFP_KERNEL, task context: reclaims (sleeps) below MIN, never fails. */
		exhaust_all(l);
		sleeps = nev[MM_EV_SLEEP];
		reclaims = nev[MM_EV_RECLAIM];
		p = alloc_page(GFP_KERNEL);
		assert_non_null(p);
		__free_page(p);
		if (by_line[i].kernel_reclaims) {
			assert_true(nev[MM_EV_SLEEP] > sleeps);
			assert_true(nev[MM_EV_RECLAIM] > reclaims);
		} else {
			assert_int_equal(nev[MM_EV_SLEEP], sleeps);
			assert_int_equal(nev[MM_EV_RECLAIM], reclaims);
		}
	}
	/* No detector fired: NULL at the atomic line is the contract, not a bug. */
	assert_false(report_fired());
	assert_true(mm_is_valid());
}

static void test_atomic_line_is_exact(void **state)
{
	struct page *held = alloc_page(GFP_KERNEL), *p;
	long line = line_of(ZONE_NORMAL, FAULT_LINE_ATOMIC);

	assert_non_null(held);
	exhaust_all(FAULT_LINE_ATOMIC);
	assert_null(alloc_in(LAB_CTX_HARDIRQ, GFP_ATOMIC, 0));
	/* One frame more than the line: GFP_ATOMIC gets it. */
	__free_page(held);
	drain_all_pages();
	assert_int_equal(zone_free(ZONE_NORMAL), line + 1);
	p = alloc_in(LAB_CTX_HARDIRQ, GFP_ATOMIC, 0);
	assert_non_null(p);
	/* Back at (or below) the line: NULL again, the pcp pages notwithstanding. */
	assert_true(zone_free(ZONE_NORMAL) <= line);
	assert_null(alloc_in(LAB_CTX_HARDIRQ, GFP_ATOMIC, 0));
	__free_page(p);
	assert_false(report_fired());
}

/*
 * The highatomic-only line. With min_free_pages 16 the NORMAL zone's
 * highatomic reserve (one 16-page pageblock) is above the GFP_ATOMIC
 * line, so with only reserve pages free:
 *
 *	GFP_ATOMIC	watermark passes (ALLOC_RESERVES counts highatomic pages),
 *			served from the reserve as rmqueue's last resort
 *	GFP_KERNEL	free - highatomic = 0 usable: reclaims instead
 */
static void test_highatomic_line(void **state)
{
	struct mm_config cfg = { .min_free_pages = 16 };
	struct mm_zone_info zi;
	struct page *p, *q;
	unsigned long reclaims;
	long ha;

	mm_exit();
	assert_int_equal(mm_init(&cfg), 0);
	/*
	 * Make a highatomic pageblock: an order-1 GFP_ATOMIC request that
	 * the fast path refuses (zones at LOW) and the slow path grants with
	 * ALLOC_HIGHATOMIC reserves its pageblock (reserve_highatomic_pageblock()).
	 */
	exhaust_all(FAULT_LINE_LOW);
	p = alloc_in(LAB_CTX_HARDIRQ, GFP_ATOMIC, 1);
	assert_non_null(p);
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	assert_int_equal(zi.nr_reserved_highatomic, pageblock_nr_pages);
	__free_pages(p, 1);
	drain_all_pages();
	assert_true(fault_exhaust_release(-1) > 0);
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	ha = zi.nr_free_highatomic;
	assert_int_equal(ha, pageblock_nr_pages);
	assert_true(ha > line_of(ZONE_NORMAL, FAULT_LINE_ATOMIC));

	/* Only highatomic pages left free: the ballast takes them last. */
	assert_true(fault_exhaust(ZONE_NORMAL, FAULT_LINE_HIGHATOMIC, -1) > 0);
	assert_true(fault_exhaust(ZONE_DMA, FAULT_LINE_ZERO, -1) > 0);
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	assert_int_equal(zi.free_pages, ha);
	assert_int_equal(zi.nr_free_highatomic, ha);
	assert_int_equal(line_of(ZONE_NORMAL, FAULT_LINE_HIGHATOMIC), ha);

	/* GFP_ATOMIC in hardirq is served from the reserve. */
	q = alloc_in(LAB_CTX_HARDIRQ, GFP_ATOMIC, 0);
	assert_non_null(q);
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	assert_true(zi.nr_free_highatomic < ha);
	__free_page(q);

	/* GFP_KERNEL may not touch it: it reclaims. */
	assert_true(fault_exhaust(ZONE_NORMAL, FAULT_LINE_HIGHATOMIC, -1) >= 0);
	reclaims = nev[MM_EV_RECLAIM];
	q = alloc_page(GFP_KERNEL);
	assert_non_null(q);
	assert_true(nev[MM_EV_RECLAIM] > reclaims);
	__free_page(q);
	assert_false(report_fired());
}

/* ---- install, self-test, actions ------------------------------------ */

static void test_install_selftest(void **state)
{
	install("");
	assert_int_equal(fi.selftest, 1);
	assert_ptr_equal(fault_installed(), &fi);
	assert_int_equal(fi.total.calls, 0);	/* the self-test shifts no count */
	fault_uninstall(&fi);
	assert_null(fault_installed());

	install("fail-nth=2,ctx=hardirq");
	assert_int_equal(fi.selftest, 1);
	assert_int_equal(fi.st[0].nth_seen, 0);
	fault_uninstall(&fi);
}

static void test_install_exhaust_plan(void **state)
{
	struct mm_census c;
	struct page *p;

	install("exhaust=all:atomic,drain-pcp;kswapd=hold");
	mm_census(&c);
	assert_true(fi.ballast > 0);
	assert_int_equal(c.ballast, fi.ballast);
	assert_true(fi.kswapd_held);
	assert_int_equal(zone_free(ZONE_NORMAL), line_of(ZONE_NORMAL, FAULT_LINE_ATOMIC));
	assert_null(alloc_in(LAB_CTX_SOFTIRQ, GFP_ATOMIC, 0));
	fault_uninstall(&fi);
	mm_census(&c);
	assert_int_equal(c.ballast, 0);
	p = alloc_in(LAB_CTX_SOFTIRQ, GFP_ATOMIC, 0);
	assert_non_null(p);
	__free_page(p);
}

static void test_install_error_undoes(void **state)
{
	struct mm_census c;
	struct fault_plan pl;
	long dma_free;
	struct page *pages[1024];
	struct page *p;
	int n = 0;

	/* Hold frames until NORMAL is below HIGH: "exhaust to high" cannot be met. */
	/* (a margin past what the pcp lists can give back when drained) */
	while (zone_free(ZONE_NORMAL) >= line_of(ZONE_NORMAL, FAULT_LINE_HIGH) - 32 && n < 1024)
		pages[n++] = alloc_page(GFP_ATOMIC);
	/* "all": DMA (above its line) reaches it first, then NORMAL cannot. */
	drain_all_pages();
	dma_free = zone_free(ZONE_DMA);
	assert_true(dma_free > line_of(ZONE_DMA, FAULT_LINE_HIGH));
	assert_int_equal(fault_plan_parse("probability=100;exhaust=all:high", &pl,
					  err, sizeof(err)), 0);
	fault_injector_init(&fi, &pl);
	assert_int_equal(fault_install(&fi, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "exhaust to high failed"));
	assert_null(fault_installed());
	assert_false(fi.installed);
	mm_census(&c);
	assert_int_equal(c.ballast, 0);		/* DMA's ballast was given back */
	assert_int_equal(zone_free(ZONE_DMA), dma_free);
	/* The hook is gone: probability=100 fails nothing. */
	p = alloc_page(GFP_ATOMIC);
	assert_non_null(p);
	__free_page(p);
	while (n)
		__free_page(pages[--n]);
}

static void test_install_drain_pcp(void **state)
{
	struct mm_zone_info zi;
	struct page *p = alloc_page(GFP_KERNEL);

	/* Freed order-0 pages wait on this CPU's pcp list... */
	assert_non_null(p);
	__free_page(p);
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	assert_true(zi.pcp_count > 0);
	/* ...until a plan's drain-pcp sends them home. */
	install("drain-pcp");
	assert_int_equal(mm_zone_info(ZONE_NORMAL, &zi), 0);
	assert_int_equal(zi.pcp_count, 0);
	assert_int_equal(fi.ballast, 0);
}

static void test_leaked_frames(void **state)
{
	struct page *a = alloc_page(GFP_KERNEL), *b = alloc_pages(GFP_KERNEL, 2);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(fault_leaked_frames(), 1 + 4);
	page_give(b, 2, 3);			/* in flight counts too */
	assert_int_equal(fault_leaked_frames(), 1 + 4);
	page_take(b, 2, 3);
	__free_page(a);
	__free_pages(b, 2);
	assert_int_equal(fault_leaked_frames(), 0);
}

/* ---- through the allocator ------------------------------------------ */

struct irq_allocs {
	int actor;
	int n;
	struct page *got[8];
};

static void irq_handler(void *arg)
{
	struct irq_allocs *a = arg;
	int was = lab_current().actor;

	threads_set_actor(a->actor);	/* the handler's own actor, as the backend does */
	a->got[a->n++] = alloc_page(GFP_ATOMIC);
	threads_set_actor(was);
}

static void test_fail_nth_irq_through_allocator(void **state)
{
	struct irq_allocs a = { .actor = threads_new_actor("irq0") };
	struct page *t[6];
	int i;

	install("fail-nth=3,actor=irq0");
	for (i = 0; i < 6; i++) {
		t[i] = alloc_page(GFP_ATOMIC);		/* task0: never failed */
		threads_in_hardirq(irq_handler, &a);
	}
	for (i = 0; i < 6; i++) {
		assert_non_null(t[i]);
		__free_page(t[i]);
		if (i == 2)
			assert_null(a.got[i]);		/* irq0's 3rd, in hardirq */
		else
			assert_non_null(a.got[i]);
		if (a.got[i])
			__free_page(a.got[i]);
	}
	assert_int_equal(fi.total.failed, 1);
	assert_int_equal(fi.first.who.actor, a.actor);
	assert_int_equal(fi.first.who.ctx, LAB_CTX_HARDIRQ);
	assert_int_equal(fi.first.site, FAULT_SITE_ALLOC_PAGES);
	/* The injected failure reached irq0 as NULL, and the allocator said so. */
	assert_int_equal(nev[MM_EV_ALLOC_FAIL], 1);
	assert_int_equal(fi.reported, 1);
	assert_int_equal(fi.unreported, 0);
	assert_false(report_fired());
}

static void test_benign_regions(void **state)
{
	struct irq_allocs a = { .actor = threads_new_actor("irq1") };
	struct page *p;
	int i;

	install("interval=2");
	fault_benign_begin();
	for (i = 0; i < 4; i++) {		/* calls 1-4: 2 and 4 fail, benign */
		p = alloc_page(GFP_ATOMIC);
		if (p)
			__free_page(p);
	}
	/* An interrupt is not in the task's benign region: call 6 fails, not benign. */
	threads_in_hardirq(irq_handler, &a);	/* call 5 */
	threads_in_hardirq(irq_handler, &a);	/* call 6 */
	assert_non_null(a.got[0]);
	assert_null(a.got[1]);
	__free_page(a.got[0]);
	fault_benign_end();
	p = alloc_page(GFP_ATOMIC);		/* call 7 */
	assert_non_null(p);
	__free_page(p);
	p = alloc_page(GFP_ATOMIC);		/* call 8: fails, not benign */
	assert_null(p);
	assert_int_equal(fi.total.failed, 4);
	assert_int_equal(fi.total.benign, 2);
	assert_int_equal(fi.st[0].n.benign, 2);
}

static void test_mempool_drain(void **state)
{
	mempool_t pool;
	void *hold[8], *e;
	int n;

	assert_int_equal(mempool_init(&pool, 4, mempool_alloc_pages, mempool_free_pages,
				      (void *)0UL), 0);
	assert_int_equal(pool.curr_nr, 4);
	n = fault_mempool_drain(&pool, hold, 8);
	assert_int_equal(n, 4);
	assert_int_equal(pool.curr_nr, 0);
	assert_null(fault_installed());		/* the temporary hook is gone */

	/* Reserve gone and zones on the atomic line: GFP_ATOMIC gets NULL at once. */
	exhaust_all(FAULT_LINE_ATOMIC);
	threads_stats_reset();
	e = mempool_alloc(&pool, GFP_ATOMIC);
	assert_null(e);
	assert_int_equal(nev[MM_EV_SLEEP], 0);

	/* With a plan installed the drain uses it and shifts none of its counts. */
	fault_exhaust_release(-1);
	assert_int_equal(fault_mempool_refill(&pool, hold, n), 4);
	assert_int_equal(pool.curr_nr, 4);
	install("interval=2");
	n = fault_mempool_drain(&pool, hold, 2);
	assert_int_equal(n, 2);
	assert_int_equal(pool.curr_nr, 2);
	assert_int_equal(fi.total.calls, 0);
	assert_int_equal(fi.force_actor, -1);
	fault_mempool_refill(&pool, hold, n);
	fault_uninstall(&fi);
	mempool_exit(&pool);
	assert_false(report_fired());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_arithmetic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_each_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_behaviour_per_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_line_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_highatomic_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_selftest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_exhaust_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_error_undoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_drain_pcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaked_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth_irq_through_allocator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_benign_regions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mempool_drain, setup, teardown),
	};

	return LAB_RUN_TESTS_FIXTURE(tests, group_setup, group_teardown);
}
