// SPDX-License-Identifier: MIT
/*
 * The reserve oracle: its model against the kernel's worked numbers, its
 * judgments on forged decisions (each fires, each corrected twin stays
 * silent), then the clean allocator on the threads backend under seeded
 * random sequences of every gfp class in every context, with the ledger
 * and the oracle listening: no report. A test-only switch that skews
 * the watermark the oracle reads must be reported as `reserve'.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include <labyrinth/channel.h>
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"
#include "threads/threads.h"

static const unsigned long WM[NR_WMARK] = { 1000, 1250, 1500 };
static const long LR_NORMAL[MAX_NR_ZONES] = { 0, 0 };
static const long LR_DMA[MAX_NR_ZONES] = { 0, 40 };

static int quiet_setup(void **state)
{
	threads_init(1);
	report_set_mode(REPORT_RECORD);
	report_set_stream(getenv("LAB_VERBOSE") ? stderr : NULL);
	report_reset();
	oracle_init();
	oracle_set_zone(ZONE_NORMAL, 4096, WM, LR_NORMAL);
	oracle_set_zone(ZONE_DMA, 512, WM, LR_DMA);
	return 0;
}

static int quiet_teardown(void **state)
{
	oracle_init();
	return 0;
}

/* ---- the model ------------------------------------------------------ */

/* The worked table of issue #2: mark 1000. */
static void model_worked_table(void **state)
{
	unsigned int atomic = oracle_gfp_to_alloc_flags(GFP_ATOMIC, 0);

	assert_int_equal(oracle_min_line(1000, 0), 1000);
	assert_int_equal(oracle_min_line(1000, oracle_gfp_to_alloc_flags(GFP_KERNEL | __GFP_HIGH, 0)), 500);
	assert_int_equal(oracle_min_line(1000, atomic), 375);
	assert_int_equal(oracle_min_line(1000, atomic | ORC_OOM), 188);
	/* GFP_NOWAIT: non-blocking but no __GFP_HIGH: NON_BLOCK alone does not lower the line. */
	assert_int_equal(oracle_min_line(1000, oracle_gfp_to_alloc_flags(GFP_NOWAIT, 0)), 1000);
	assert_int_equal(atomic & (ORC_MIN_RESERVE | ORC_NON_BLOCK), ORC_MIN_RESERVE | ORC_NON_BLOCK);
	assert_int_equal(oracle_gfp_to_alloc_flags(GFP_ATOMIC | __GFP_NOMEMALLOC, 0) & ORC_NON_BLOCK, 0);
	assert_true(oracle_gfp_to_alloc_flags(GFP_ATOMIC, 2) & ORC_HIGHATOMIC);
	assert_false(oracle_gfp_to_alloc_flags(GFP_KERNEL, 2) & ORC_RESERVES);
}

static void model_boundaries(void **state)
{
	unsigned int atomic = oracle_gfp_to_alloc_flags(GFP_ATOMIC, 0);

	/* fail when free <= min + lowmem_reserve */
	assert_false(oracle_watermark_ok(375, 0, 0, 1000, 0, atomic));
	assert_true(oracle_watermark_ok(376, 0, 0, 1000, 0, atomic));
	assert_false(oracle_watermark_ok(1000, 0, 0, 1000, 0, 0));
	assert_true(oracle_watermark_ok(1001, 0, 0, 1000, 0, 0));
	assert_false(oracle_watermark_ok(1040, 0, 0, 1000, 40, 0));
	/* free highatomic pages do not count for a caller with no reserve right */
	assert_false(oracle_watermark_ok(1100, 200, 0, 1000, 0, 0));
	assert_true(oracle_watermark_ok(1100, 200, 0, 1000, 0, atomic));
	/* an order-2 request cannot count the 3 pages its split leaves */
	assert_false(oracle_watermark_ok(1003, 0, 2, 1000, 0, 0));
	assert_true(oracle_watermark_ok(1004, 0, 2, 1000, 0, 0));
	/* rights */
	assert_false(oracle_entitled(GFP_KERNEL, 0, LAB_CTX_TASK) & ORC_MIN_RESERVE);
	assert_true(oracle_entitled(GFP_KERNEL | __GFP_NOFAIL, 0, LAB_CTX_TASK) & ORC_MIN_RESERVE);
	assert_true(oracle_entitled(GFP_KERNEL, 0, LAB_CTX_TASK) & ORC_OOM);
	assert_false(oracle_entitled(GFP_ATOMIC, 0, LAB_CTX_HARDIRQ) & ORC_OOM);
	assert_true(oracle_entitled(GFP_ATOMIC | __GFP_MEMALLOC, 0, LAB_CTX_SOFTIRQ) & ORC_NO_WATERMARKS);
	assert_false(oracle_entitled(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 0,
				     LAB_CTX_SOFTIRQ) & ORC_NO_WATERMARKS);
}

/* ---- forged decisions ----------------------------------------------- */

static const struct lab_site caller_site = { "tests/own/test_oracle.c", "rx_refill", 1 };

static void wmark(gfp_t gfp, int ctx, int zone, unsigned int flags, long free,
		  long ha, int ok)
{
	struct mm_event e = {
		.kind = MM_EV_WMARK, .who = { 0, ctx, 2 }, .gfp = gfp,
		.zone = zone, .chan = -1, .alloc_flags = flags,
		.free_pages = free, .free_highatomic = ha,
		.mark = (long)WM[flags & ORC_WMARK_MASK],
		.lowmem_reserve = (zone == ZONE_DMA && !(gfp & __GFP_DMA)) ? 40 : 0,
		.ok = ok,
	};
	oracle_event(&e, NULL);
}

static void outcome(enum mm_event_kind kind, gfp_t gfp, int ctx, int zone)
{
	struct mm_event e = {
		.kind = kind, .who = { 0, ctx, 2 }, .gfp = gfp, .zone = zone,
		.chan = -1, .pfn = kind == MM_EV_ALLOC ? 7 : -1UL,
		.site = &caller_site,
	};
	oracle_event(&e, NULL);
}

#define ATOMIC_F	(ORC_MIN_RESERVE | ORC_NON_BLOCK | ORC_KSWAPD)

static void expect(const char *sig)
{
	if (!sig) {
		if (report_fired())
			fprintf(stderr, "%s", report_text());
		assert_false(report_fired());
		return;
	}
	if (strcmp(report_signature(), sig))
		fprintf(stderr, "expected %s, got '%s'\n%s", sig, report_signature(),
			report_text());
	assert_string_equal(report_signature(), sig);
}

static void allowed_below_line_fires(void **state)
{
	/* GFP_KERNEL at MIN with 900 free of mark 1000: must fail. */
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 0, 900, 0, 1);
	expect("reserve/__zone_watermark_ok/task");
	assert_non_null(strstr(report_text(), "allowed below the line"));
}

static void allowed_below_line_twin_silent(void **state)
{
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 0, 900, 0, 0);
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_NORMAL, ATOMIC_F, 900, 0, 1);
	expect(NULL);
}

/* A non-reserve caller counted the highatomic reserve as free. */
static void highatomic_counted_fires(void **state)
{
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 0, 1100, 200, 1);
	expect("reserve/__zone_watermark_ok/task");
}

static void refused_although_entitled_fires(void **state)
{
	/* GFP_ATOMIC may go to 375: 500 free must pass. */
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_NORMAL, ATOMIC_F, 500, 0, 0);
	expect("reserve/__zone_watermark_ok/hardirq");
	assert_non_null(strstr(report_text(), "refused although"));
}

static void rights_not_granted_fires(void **state)
{
	/* GFP_KERNEL given the atomic reserve. */
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, ORC_MIN_RESERVE | ORC_NON_BLOCK,
	      500, 0, 1);
	expect("reserve/__zone_watermark_ok/task");
	assert_non_null(strstr(report_text(), "does not have"));
}

static void oom_in_interrupt_fires(void **state)
{
	wmark(GFP_ATOMIC, LAB_CTX_SOFTIRQ, ZONE_NORMAL, ATOMIC_F | ORC_OOM, 300, 0, 1);
	expect("reserve/__zone_watermark_ok/softirq");
}

static void wrong_mark_fires(void **state)
{
	struct mm_event e = {
		.kind = MM_EV_WMARK, .who = { 0, LAB_CTX_TASK, 2 }, .gfp = GFP_KERNEL,
		.zone = ZONE_NORMAL, .chan = -1, .alloc_flags = 0,	/* WMARK_MIN */
		.free_pages = 960, .mark = 950, .ok = 1,	/* the zone's MIN is 1000 */
	};
	oracle_event(&e, NULL);
	expect("reserve/__zone_watermark_ok/task");
	assert_non_null(strstr(report_text(), "not the zone's"));
}

static void fail_without_reserves_fires(void **state)
{
	/* Only the fast path (LOW, no rights) was tried, then NULL. */
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_NORMAL, 1 | ORC_KSWAPD, 1100, 0, 0);
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_DMA, 1 | ORC_KSWAPD, 100, 0, 0);
	outcome(MM_EV_ALLOC_FAIL, GFP_ATOMIC, LAB_CTX_HARDIRQ, -1);
	expect("reserve/rx_refill/hardirq");
	assert_non_null(strstr(report_text(), "failed without trying"));
}

static void fail_after_reserves_twin_silent(void **state)
{
	struct oracle_stats st;

	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_NORMAL, 1 | ORC_KSWAPD, 300, 0, 0);
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_DMA, 1 | ORC_KSWAPD, 100, 0, 0);
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_NORMAL, ATOMIC_F, 300, 0, 0);
	wmark(GFP_ATOMIC, LAB_CTX_HARDIRQ, ZONE_DMA, ATOMIC_F, 100, 0, 0);
	outcome(MM_EV_ALLOC_FAIL, GFP_ATOMIC, LAB_CTX_HARDIRQ, -1);
	expect(NULL);
	oracle_stats(&st);
	assert_int_equal(st.fail_judged, 1);
}

static void alloc_without_check_fires(void **state)
{
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 1, 900, 0, 0);	/* LOW refused */
	outcome(MM_EV_ALLOC, GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL);
	expect("reserve/rx_refill/task");
}

static void alloc_after_check_twin_silent(void **state)
{
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 1, 900, 0, 0);
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_DMA, 1, 400, 0, 0);
	wmark(GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL, 0, 1001, 0, 1);
	outcome(MM_EV_ALLOC, GFP_KERNEL, LAB_CTX_TASK, ZONE_NORMAL);
	/* __GFP_MEMALLOC ignores the verdict. */
	wmark(GFP_ATOMIC | __GFP_MEMALLOC, LAB_CTX_SOFTIRQ, ZONE_NORMAL,
	      ORC_NO_WATERMARKS | ORC_KSWAPD, 10, 0, 0);
	outcome(MM_EV_ALLOC, GFP_ATOMIC | __GFP_MEMALLOC, LAB_CTX_SOFTIRQ, ZONE_NORMAL);
	expect(NULL);
}

static void atomic_sleeps_fires(void **state)
{
	struct mm_event e = {
		.kind = MM_EV_SLEEP, .who = { 0, LAB_CTX_TASK, 2 },
		.gfp = GFP_ATOMIC, .zone = -1, .chan = 3,
	};

	/* A preemptible task: no atomic-sleep, but GFP_ATOMIC must not wait. */
	oracle_event(&e, NULL);
	expect("reserve/mempool_alloc/task");
	report_reset();
	e.chan = -1;		/* the page allocator's own wait */
	e.gfp = GFP_NOWAIT;
	e.who.ctx = LAB_CTX_SOFTIRQ;
	oracle_event(&e, NULL);
	expect("reserve/__alloc_pages_slowpath/softirq");
}

static void kernel_sleeps_twin_silent(void **state)
{
	struct mm_event e = {
		.kind = MM_EV_SLEEP, .who = { 0, LAB_CTX_TASK, 2 },
		.gfp = GFP_KERNEL, .zone = -1, .chan = -1,
	};

	oracle_event(&e, NULL);
	expect(NULL);
}

/* ---- the clean allocator under seeded random sequences --------------- */

static const gfp_t classes[] = {
	GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOWARN,
	GFP_ATOMIC | __GFP_NOMEMALLOC, GFP_ATOMIC | __GFP_MEMALLOC,
	GFP_NOWAIT | __GFP_NOMEMALLOC, GFP_ATOMIC | __GFP_DMA,
	GFP_ATOMIC | __GFP_NOFAIL, GFP_NOWAIT | __GFP_HIGH,
	/* blocking: task context only */
	GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_KERNEL | __GFP_NORETRY,
	GFP_KERNEL | __GFP_HIGH, GFP_KERNEL | __GFP_MEMALLOC,
	GFP_KERNEL | __GFP_NOMEMALLOC | __GFP_NORETRY, GFP_KERNEL | __GFP_DMA,
	GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_NOFAIL,
};
#define NR_NONBLOCK	9

enum { C_TASK, C_IRQOFF, C_SOFTIRQ, C_HARDIRQ, C_NR };

#define MAX_HELD	96

struct held {
	struct page *page;
	unsigned int order;
	int ctx;			/* C_* it belongs to */
};

struct world {
	unsigned long long rng;
	struct held held[MAX_HELD];
	int nr;
	struct channel ch[2];
	unsigned long allocs, fails;
};

static unsigned int rnd(struct world *w, unsigned int n)
{
	w->rng = w->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)((w->rng >> 33) % n);
}

struct op {
	struct world *w;
	int kind;		/* 0 alloc, 1 free, 2 give, 3 take, 4 touch */
	int ctx;
	gfp_t gfp;
	unsigned int order;
	int idx;
	int chan;
};

static void do_op(void *arg)
{
	struct op *o = arg;
	struct world *w = o->w;
	struct held *h;
	struct page *p;
	unsigned int order;

	switch (o->kind) {
	case 0:
		p = alloc_pages(o->gfp, o->order);
		if (!p) {
			w->fails++;
			return;
		}
		w->allocs++;
		ledger_touch(p);
		w->held[w->nr++] = (struct held){ p, o->order, o->ctx };
		break;
	case 1:
		h = &w->held[o->idx];
		ledger_touch(h->page);
		__free_pages(h->page, h->order);
		*h = w->held[--w->nr];
		break;
	case 2:
		h = &w->held[o->idx];
		if (chan_give(&w->ch[o->chan], h->page, h->order) == 0)
			*h = w->held[--w->nr];
		break;
	case 3:
		p = chan_take(&w->ch[o->chan], &order);
		if (p) {
			ledger_touch(p);
			w->held[w->nr++] = (struct held){ p, order, o->ctx };
		}
		break;
	}
}

static void run_in(int ctx, struct op *o)
{
	unsigned long flags;

	o->ctx = ctx;
	switch (ctx) {
	case C_TASK:
		do_op(o);
		break;
	case C_IRQOFF:
		local_irq_save(flags);
		do_op(o);
		local_irq_restore(flags);
		break;
	case C_SOFTIRQ:
		threads_in_softirq(do_op, o);
		break;
	case C_HARDIRQ:
		threads_in_hardirq(do_op, o);
		break;
	}
}

/* A held block of ctx, or -1. */
static int pick_held(struct world *w, int ctx)
{
	int i, start;

	if (!w->nr)
		return -1;
	start = (int)rnd(w, (unsigned int)w->nr);
	for (i = 0; i < w->nr; i++) {
		int j = (start + i) % w->nr;

		if (w->held[j].ctx == ctx ||
		    (ctx == C_IRQOFF && w->held[j].ctx == C_TASK) ||
		    (ctx == C_TASK && w->held[j].ctx == C_IRQOFF))
			return j;
	}
	return -1;
}

static void setup_mm(void)
{
	struct mm_config cfg = { 0 };

	threads_init(1);
	report_set_mode(REPORT_RECORD);
	report_set_stream(getenv("LAB_VERBOSE") ? stderr : NULL);
	report_reset();
	mm_listen_reset();
	ledger_init(0);
	oracle_init();
	assert_int_equal(ledger_attach(), 0);
	assert_int_equal(oracle_attach(), 0);
	assert_int_equal(mm_init(&cfg), 0);
	ledger_mm_ready();
	oracle_mm_ready();
}

static void teardown_mm(void)
{
	mm_exit();
	mm_listen_reset();
	ledger_exit();
	oracle_init();
	threads_exit();
}

static void random_run(unsigned long long seed, int steps)
{
	struct world *w = calloc(1, sizeof(*w));
	struct op o;
	int i;

	w->rng = seed;
	chan_init(&w->ch[0], CHAN_LOCKED, 8, 1);
	chan_init(&w->ch[1], CHAN_LOCKED, 8, 2);
	for (i = 0; i < steps && !report_fired(); i++) {
		unsigned int r = rnd(w, 100);
		int ctx = (int)rnd(w, C_NR);

		memset(&o, 0, sizeof(o));
		o.w = w;
		if (r < 45 && w->nr < MAX_HELD) {
			unsigned int c = ctx == C_TASK ? rnd(w, ARRAY_SIZE(classes)) :
				rnd(w, NR_NONBLOCK);

			o.kind = 0;
			o.gfp = classes[c];
			/* NOFAIL with reclaim loops until it wins: only with room. */
			if ((o.gfp & __GFP_NOFAIL) && (o.gfp & __GFP_DIRECT_RECLAIM) &&
			    w->nr > 16)
				o.gfp = GFP_KERNEL | __GFP_NORETRY;
			o.order = rnd(w, 8) ? 0 : rnd(w, 4);
			run_in(ctx, &o);
		} else if (r < 80) {
			o.kind = 1;
			o.idx = pick_held(w, ctx);
			if (o.idx >= 0)
				run_in(ctx, &o);
		} else if (r < 87) {
			o.kind = 2;
			o.idx = pick_held(w, ctx);
			o.chan = (int)rnd(w, 2);
			if (o.idx >= 0)
				run_in(ctx, &o);
		} else if (r < 94) {
			o.kind = 3;
			o.chan = (int)rnd(w, 2);
			if (w->nr < MAX_HELD)
				run_in(ctx, &o);
		} else if (r < 97) {
			/* Push a zone to just around a watermark line. */
			int zone = (int)rnd(w, MAX_NR_ZONES);
			struct mm_zone_info zi;

			mm_zone_info(zone, &zi);
			mm_ballast_fill(zone, (long)zi.wmark[WMARK_MIN] / 4 +
				       (long)rnd(w, (unsigned int)zi.wmark[WMARK_HIGH] + 8));
		} else {
			mm_ballast_release(-1);
		}
	}
	/* Drain: take what is in flight, free everything, release the ballast. */
	for (i = 0; i < 2; i++) {
		struct page *p;
		unsigned int order;

		while ((p = chan_take(&w->ch[i], &order)))
			__free_pages(p, order);
	}
	while (w->nr) {
		memset(&o, 0, sizeof(o));
		o.w = w;
		o.kind = 1;
		o.idx = w->nr - 1;
		run_in(w->held[o.idx].ctx, &o);
	}
	mm_ballast_release(-1);
	drain_all_pages();
	assert_int_equal(ledger_end_of_run(), 0);
	assert_true(ledger_check_census());
	if (report_fired())
		fprintf(stderr, "seed %llu:\n%s", seed, report_text());
	assert_false(report_fired());
	assert_true(w->allocs > 0);
	free(w);
}

static void random_clean_allocator(void **state)
{
	struct oracle_stats st;
	unsigned long long seed;
	unsigned long judged = 0, wm = 0;

	for (seed = 1; seed <= 24; seed++) {
		setup_mm();
		random_run(seed, 2000);
		oracle_stats(&st);
		judged += st.fail_judged;
		wm += st.wmark;
		teardown_mm();
	}
	/* The sequences reached the reserves: decisions and judged failures. */
	assert_true(wm > 1000);
	assert_true(judged > 0);
}

/* Serial mode adds the ledger cross-check; one thread makes it sound. */
static void random_clean_allocator_serial(void **state)
{
	ledger_set_serial(true);
	oracle_set_serial(true);
	setup_mm();
	random_run(99, 2000);
	teardown_mm();
	ledger_set_serial(false);
	oracle_set_serial(false);
}

/* The test-only switch: the oracle reads every watermark 10 pages low. */
static void skewed_watermark_is_reported(void **state)
{
	struct page *p;

	setup_mm();
	oracle_debug_skew_mark(-10);
	p = alloc_page(GFP_KERNEL);
	assert_true(report_fired());
	assert_int_equal(report_first_kind(), REPORT_RESERVE);
	assert_string_equal(report_signature(), "reserve/__zone_watermark_ok/task");
	oracle_debug_skew_mark(0);
	if (p)
		__free_page(p);
	teardown_mm();
}

/*
 * Serial mode: an allocator that decided on more free pages than the
 * ledger can account for in that zone (a forged decision) is reported.
 */
static void inflated_free_count_is_reported(void **state)
{
	struct mm_zone_info zi;
	struct mm_event e;
	struct page *p;

	ledger_set_serial(true);
	oracle_set_serial(true);
	setup_mm();
	p = alloc_pages(GFP_KERNEL, 3);		/* 8 frames the ledger holds owned */
	assert_non_null(p);
	assert_false(report_fired());
	mm_zone_info(ZONE_NORMAL, &zi);
	memset(&e, 0, sizeof(e));
	e.kind = MM_EV_WMARK;
	e.who = lab_current();
	e.gfp = GFP_KERNEL;
	e.zone = ZONE_NORMAL;
	e.chan = -1;
	e.alloc_flags = 0;
	e.mark = (long)zi.wmark[WMARK_MIN];
	e.lowmem_reserve = zi.lowmem_reserve[ZONE_NORMAL];
	e.free_pages = (long)zi.managed - 4;	/* more than can be free */
	e.ok = 1;
	oracle_event(&e, NULL);
	assert_string_equal(report_signature(), "reserve/__zone_watermark_ok/task");
	assert_non_null(strstr(report_text(), "not the zone's"));
	__free_pages(p, 3);
	teardown_mm();
	ledger_set_serial(false);
	oracle_set_serial(false);
}

/*
 * The ledger against the allocator frame by frame: a forged ALLOC (an
 * allocator that reported a frame it never handed out) leaves the
 * ledger holding a frame the allocator keeps free; the census check
 * names it as double-own. Its twin, the honest run, is silent.
 */
static void ledger_and_page_owner_disagree(void **state)
{
	struct page *p;
	struct mm_event e;

	setup_mm();
	p = alloc_page(GFP_KERNEL);
	__free_page(p);
	assert_true(ledger_check_census());
	assert_false(report_fired());
	memset(&e, 0, sizeof(e));
	e.kind = MM_EV_ALLOC;
	e.who = lab_current();
	e.pfn = page_to_pfn(p);
	e.gfp = GFP_KERNEL;
	e.zone = ZONE_NORMAL;
	e.chan = -1;
	ledger_event(&e, NULL);
	assert_false(report_fired());	/* the ledger saw it free: a legal event */
	drain_all_pages();
	assert_false(ledger_check_census());
	assert_string_equal(report_signature(), "double-own/ledger_check_census/task");
	teardown_mm();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(model_worked_table),
		cmocka_unit_test(model_boundaries),
#define T(f) cmocka_unit_test_setup_teardown(f, quiet_setup, quiet_teardown)
		T(allowed_below_line_fires), T(allowed_below_line_twin_silent),
		T(highatomic_counted_fires), T(refused_although_entitled_fires),
		T(rights_not_granted_fires), T(oom_in_interrupt_fires),
		T(wrong_mark_fires),
		T(fail_without_reserves_fires), T(fail_after_reserves_twin_silent),
		T(alloc_without_check_fires), T(alloc_after_check_twin_silent),
		T(atomic_sleeps_fires), T(kernel_sleeps_twin_silent),
		cmocka_unit_test(random_clean_allocator),
		cmocka_unit_test(random_clean_allocator_serial),
		cmocka_unit_test(skewed_watermark_is_reported),
		cmocka_unit_test(inflated_free_count_is_reported),
		cmocka_unit_test(ledger_and_page_owner_disagree),
	};

	return LAB_RUN_TESTS(tests);
}
