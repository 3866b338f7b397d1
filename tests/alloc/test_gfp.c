// SPDX-License-Identifier: MIT
/*
 * Every gfp class in every legal context: which watermark line it may
 * reach, that non-blocking classes never reach a blocking primitive and
 * fail at once when their reserve is gone, and that blocking classes
 * reclaim, retry, get OOM access, and (NOFAIL) wait.
 *
 * Default machine: NORMAL MIN 60 (LOW 75, HIGH 90), DMA emptied so only
 * NORMAL's line matters. Lines: free <= line fails, line + 1 passes.
 */
#include "alloc_test.h"

enum ctx_kind { CTX_TASK, CTX_SOFTIRQ, CTX_HARDIRQ, CTX_IRQS_OFF, CTX_SPINLOCK, CTX_NR };

static const char *const ctx_names[CTX_NR] = {
	"task", "softirq", "hardirq", "irqs-off", "spinlock"
};

static spinlock_t client_lock;

struct try_alloc {
	gfp_t gfp;
	unsigned int order;
	struct page *page;
	struct lab_owner who;
};

static void do_alloc(void *arg)
{
	struct try_alloc *t = arg;

	t->who = lab_current();
	t->page = alloc_pages(t->gfp, t->order);
}

/* Run one allocation in a context, as a driver or interrupt would. */
static void alloc_in(enum ctx_kind ctx, struct try_alloc *t)
{
	unsigned long flags;

	switch (ctx) {
	case CTX_TASK:
		do_alloc(t);
		break;
	case CTX_SOFTIRQ:
		threads_in_softirq(do_alloc, t);
		break;
	case CTX_HARDIRQ:
		threads_in_hardirq(do_alloc, t);
		break;
	case CTX_IRQS_OFF:
		local_irq_save(flags);
		do_alloc(t);
		local_irq_restore(flags);
		break;
	case CTX_SPINLOCK:
		spin_lock(&client_lock);
		do_alloc(t);
		spin_unlock(&client_lock);
		break;
	default:
		break;
	}
}

struct line {
	gfp_t gfp;
	long line;
	const char *name;
};

static const struct line nonblocking[] = {
	{ GFP_ATOMIC, 23, "GFP_ATOMIC" },			/* 60 - 30 - 7 */
	{ __GFP_HIGH, 23, "__GFP_HIGH" },
	{ GFP_NOWAIT, 60, "GFP_NOWAIT" },
	{ GFP_NOWAIT | __GFP_NOWARN, 60, "GFP_NOWAIT|__GFP_NOWARN" },
	{ GFP_ATOMIC | __GFP_NOWARN, 23, "GFP_ATOMIC|__GFP_NOWARN" },
	{ GFP_ATOMIC | __GFP_NOMEMALLOC, 30, "GFP_ATOMIC|__GFP_NOMEMALLOC" },
	{ GFP_ATOMIC | __GFP_NOFAIL, 23, "GFP_ATOMIC|__GFP_NOFAIL" },
	{ GFP_ATOMIC | __GFP_MEMALLOC, 0, "GFP_ATOMIC|__GFP_MEMALLOC" },
	{ GFP_NOWAIT | __GFP_MEMALLOC, 0, "GFP_NOWAIT|__GFP_MEMALLOC" },
	{ GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 30, "MEMALLOC|NOMEMALLOC" },
};

static void check_line(const struct line *l, enum ctx_kind ctx)
{
	struct try_alloc t = { .gfp = l->gfp };
	struct threads_stats st;

	set_free(ZONE_NORMAL, l->line);
	threads_stats_reset();
	rec_clear();
	alloc_in(ctx, &t);
	if (t.page)
		fail_msg("%s in %s: allocated at the line (%ld free)", l->name, ctx_names[ctx], l->line);
	/* Failed at once: never reached a blocking primitive, no reclaim. */
	st = stats_now();
	assert_int_equal(st.might_sleep, 0);
	assert_int_equal(st.warns, 0);
	assert_int_equal(rec.count[MM_EV_SLEEP], 0);
	assert_int_equal(rec.count[MM_EV_RECLAIM], 0);
	assert_int_equal(rec.count[MM_EV_ALLOC_FAIL], 1);
	set_free(ZONE_NORMAL, l->line + 1);
	threads_stats_reset();
	alloc_in(ctx, &t);
	if (!t.page)
		fail_msg("%s in %s: refused above the line (%ld free)", l->name, ctx_names[ctx], l->line + 1);
	assert_int_equal(stats_now().might_sleep, 0);
	assert_int_equal(t.page->owner.ctx, t.who.ctx);
	__free_page(t.page);
}

static void test_nonblocking_lines_every_context(void **state)
{
	spin_lock_init(&client_lock);
	set_free(ZONE_DMA, 0);
	for (int ctx = 0; ctx < CTX_NR; ctx++)
		for (size_t i = 0; i < ARRAY_SIZE(nonblocking); i++)
			check_line(&nonblocking[i], ctx);
	assert_false(report_fired());
	mm_ballast_release(-1);
	assert_census();
}

/* Non-blocking high-order: the order's split pages are not counted. */
static void test_nonblocking_order2_every_context(void **state)
{
	static const struct line l2[] = {
		{ GFP_ATOMIC, 23 + 3, "GFP_ATOMIC order 2" },
		{ GFP_NOWAIT, 60 + 3, "GFP_NOWAIT order 2" },
	};

	spin_lock_init(&client_lock);
	set_free(ZONE_DMA, 0);
	for (int ctx = 0; ctx < CTX_NR; ctx++) {
		for (size_t i = 0; i < ARRAY_SIZE(l2); i++) {
			struct try_alloc t = { .gfp = l2[i].gfp, .order = 2 };

			set_free(ZONE_NORMAL, l2[i].line);
			alloc_in(ctx, &t);
			assert_null(t.page);
			set_free(ZONE_NORMAL, l2[i].line + 1);
			alloc_in(ctx, &t);
			assert_non_null(t.page);
			__free_pages(t.page, 2);
		}
	}
	assert_int_equal(stats_now().might_sleep, 0);
	mm_ballast_release(-1);
	assert_census();
}

/* Non-blocking NOFAIL: a warning line, no WARN, NULL (documented deviation). */
static void test_nofail_without_reclaim_returns_null(void **state)
{
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 0);
	threads_stats_reset();
	assert_null(alloc_page(GFP_ATOMIC | __GFP_NOFAIL));
	assert_null(alloc_page(GFP_NOWAIT | __GFP_NOFAIL));
	assert_int_equal(stats_now().warns, 0);
	assert_int_equal(stats_now().might_sleep, 0);
	assert_false(report_fired());
	mm_ballast_release(-1);
}

/* Drain the page-cache pool completely. */
static void empty_pool(void)
{
	while (mm_reclaimable_pages())
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL);
}

static const gfp_t blocking[] = { GFP_KERNEL, GFP_NOIO, GFP_NOFS };

/* Blocking classes below MIN: direct reclaim (sleeps, legal in task context). */
static void test_blocking_reclaim(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(blocking); i++) {
		unsigned long pool;
		struct page *p;

		/* A fresh machine each time: reclaim used up part of the pool. */
		mm_exit();
		assert_int_equal(mm_init(NULL), 0);
		pool = mm_reclaimable_pages();
		set_free(ZONE_DMA, 0);
		set_free(ZONE_NORMAL, 10);
		threads_stats_reset();
		rec_clear();
		p = alloc_page(blocking[i]);
		assert_non_null(p);
		assert_true(stats_now().might_sleep > 0);
		assert_int_equal(stats_now().atomic_sleep, 0);
		assert_true(rec.count[MM_EV_SLEEP] > 0);
		assert_true(rec.count[MM_EV_RECLAIM] > 0);
		assert_true(mm_reclaimable_pages() < pool);
		__free_page(p);
	}
	assert_false(report_fired());
	mm_ballast_release(-1);
	assert_census();
}

/* Plenty of memory: even blocking classes take the fast path and never sleep... */
static void test_blocking_fast_path_does_not_sleep(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(blocking); i++) {
		struct page *p;

		rec_clear();
		p = alloc_page(blocking[i]);
		assert_non_null(p);
		assert_int_equal(rec.count[MM_EV_SLEEP], 0);
		__free_page(p);
	}
	/* ...but might_alloc() still checks the context they were called from. */
	assert_int_equal(stats_now().atomic_sleep, 0);
}

/* A blocking class from atomic context is caught at entry, memory or not. */
static void test_blocking_in_atomic_is_caught(void **state)
{
	struct try_alloc t = { .gfp = GFP_KERNEL };

	spin_lock_init(&client_lock);
	for (int ctx = CTX_SOFTIRQ; ctx < CTX_NR; ctx++) {
		report_reset();
		threads_stats_reset();
		alloc_in(ctx, &t);
		assert_non_null(t.page);	/* plenty free: it did not actually sleep */
		assert_true(stats_now().atomic_sleep > 0);
		assert_true(report_fired());
		assert_int_equal(report_first_kind(), REPORT_ATOMIC_SLEEP);
		__free_page(t.page);
	}
	report_reset();
}

/* __GFP_NORETRY: one reclaim attempt, then NULL. */
static void test_noretry_gives_up_after_one_reclaim(void **state)
{
	empty_pool();
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 10);
	rec_clear();
	assert_null(alloc_page(GFP_KERNEL | __GFP_NORETRY));
	assert_int_equal(rec.count[MM_EV_SLEEP], 1);
	mm_ballast_release(-1);
	assert_census();
}

/*
 * Reclaim made no progress: the caller becomes the OOM "victim" and
 * retries with ALLOC_OOM (MIN/2 = 30). At 31 it gets a page, at 30 it
 * fails; __GFP_RETRY_MAYFAIL never invokes the OOM killer.
 */
static void test_oom_access_after_no_progress(void **state)
{
	const struct mm_event *ev;
	struct page *p;

	empty_pool();
	set_free(ZONE_DMA, 0);
	for (size_t i = 0; i < ARRAY_SIZE(blocking); i++) {
		set_free(ZONE_NORMAL, 31);
		rec_clear();
		p = alloc_page(blocking[i]);
		assert_non_null(p);
		ev = rec_last_wmark(ZONE_NORMAL);
		assert_true(ev->alloc_flags & ALLOC_OOM);
		assert_int_equal(ev->ok, 1);
		__free_page(p);
		set_free(ZONE_NORMAL, 30);
		assert_null(alloc_page(blocking[i]));
	}
	set_free(ZONE_NORMAL, 31);
	assert_null(alloc_page(GFP_KERNEL | __GFP_RETRY_MAYFAIL));
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOMEMALLOC));
	assert_int_equal(stats_now().atomic_sleep, 0);
	mm_ballast_release(-1);
	assert_census();
}

/* __GFP_MEMALLOC: no watermarks at all, no reclaim needed. */
static void test_memalloc_ignores_watermarks(void **state)
{
	struct page *p;

	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 1);
	rec_clear();
	p = alloc_page(GFP_KERNEL | __GFP_MEMALLOC);
	assert_non_null(p);
	assert_int_equal(rec.count[MM_EV_RECLAIM], 0);
	assert_true(rec_last_wmark(ZONE_NORMAL)->alloc_flags & ALLOC_NO_WATERMARKS);
	assert_int_equal(free_of(ZONE_NORMAL), 0);
	assert_null(alloc_page(GFP_ATOMIC | __GFP_MEMALLOC));
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

/* __GFP_DMA never falls back to NORMAL, whatever NORMAL has. */
static void test_dma_only_from_dma(void **state)
{
	set_free(ZONE_DMA, 0);
	assert_null(alloc_page(GFP_ATOMIC | __GFP_DMA));
	assert_int_equal(rec_last(MM_EV_WMARK)->zone, ZONE_DMA);
	mm_ballast_release(-1);
}

/*
 * Blocking NOFAIL with nothing to reclaim loops (cond_resched, throttled
 * sleeps) and returns a page as soon as memory appears: here another
 * CPU releases the ballast once the allocator has slept a few times.
 */
static int sleeps_seen(void)
{
	int n;

	pthread_mutex_lock(&rec_lock);
	n = rec.count[MM_EV_SLEEP];
	pthread_mutex_unlock(&rec_lock);
	return n;
}

static void releaser(void *arg)
{
	while (sleeps_seen() < 40)
		sched_yield();
	mm_ballast_release(-1);
}

static void test_nofail_waits_for_memory(void **state)
{
	struct page *p;

	empty_pool();
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 0);
	rec_clear();
	assert_int_equal(threads_spawn(1, "releaser", releaser, NULL), 0);
	p = alloc_page(GFP_KERNEL | __GFP_NOFAIL);
	threads_join_all();
	assert_non_null(p);
	assert_true(sleeps_seen() >= 40);
	assert_int_equal(rec.count[MM_EV_ALLOC_FAIL], 0);
	__free_page(p);
	assert_census();
}

/*
 * __alloc_pages_cpuset_fallback(): blocking NOFAIL that cannot get OOM
 * access (NOMEMALLOC) still reaches MIN/2 through ALLOC_MIN_RESERVE.
 */
static void test_nofail_min_reserve_fallback(void **state)
{
	const struct mm_event *ev;
	struct page *p;

	empty_pool();
	set_free(ZONE_DMA, 0);
	set_free(ZONE_NORMAL, 31);
	/* Without NOFAIL the same request fails: no OOM access, no reserve. */
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOMEMALLOC));
	rec_clear();
	p = alloc_page(GFP_KERNEL | __GFP_NOMEMALLOC | __GFP_NOFAIL);
	assert_non_null(p);
	ev = rec_last_wmark(ZONE_NORMAL);
	assert_int_equal(ev->alloc_flags, ALLOC_MIN_RESERVE);
	assert_int_equal(ev->ok, 1);
	__free_page(p);
	mm_ballast_release(-1);
	assert_census();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_nonblocking_lines_every_context),
		ALLOC_TEST(test_nonblocking_order2_every_context),
		ALLOC_TEST(test_nofail_without_reclaim_returns_null),
		ALLOC_TEST(test_blocking_reclaim),
		ALLOC_TEST(test_blocking_fast_path_does_not_sleep),
		ALLOC_TEST(test_blocking_in_atomic_is_caught),
		ALLOC_TEST(test_noretry_gives_up_after_one_reclaim),
		ALLOC_TEST(test_oom_access_after_no_progress),
		ALLOC_TEST(test_memalloc_ignores_watermarks),
		ALLOC_TEST(test_dma_only_from_dma),
		ALLOC_TEST(test_nofail_waits_for_memory),
		ALLOC_TEST(test_nofail_min_reserve_fallback),
	};

	return LAB_RUN_TESTS(tests);
}
