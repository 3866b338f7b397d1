// SPDX-License-Identifier: MIT
/*
 * The ownership ledger on synthetic events: every report kind fires on
 * a minimal forged scenario -- the allocator fault is the forged event
 * itself -- with its exact signature, and stays silent on the corrected
 * twin. No allocator is linked: the ledger is fed like a listener.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include "check/ledger.h"
#include "check/report.h"
#include "threads/threads.h"

#define NR	64
#define FRAME	64	/* bytes of fake memory per frame: room for a stamp */

static unsigned char arena[NR][FRAME];
static bool alias_8_9;		/* test-only fault: frames 8 and 9 share memory */

static void *mem(unsigned long pfn, void *arg)
{
	if (pfn >= NR)
		return NULL;
	if (alias_8_9 && pfn == 9)
		pfn = 8;
	return arena[pfn];
}

static struct lab_owner A, B, C;	/* hardirq cpu0, softirq cpu1, task cpu1 */

static int setup(void **state)
{
	threads_init(2);
	A = (struct lab_owner){ 0, LAB_CTX_HARDIRQ, threads_new_actor("irq0") };
	B = (struct lab_owner){ 1, LAB_CTX_SOFTIRQ, threads_new_actor("net_rx1") };
	C = (struct lab_owner){ 1, LAB_CTX_TASK, threads_new_actor("worker1") };
	report_set_mode(REPORT_RECORD);
	report_set_stream(getenv("LAB_VERBOSE") ? stderr : NULL);
	report_reset();
	assert_int_equal(ledger_init(NR), 0);
	ledger_set_memory(mem, NULL);
	memset(arena, 0, sizeof(arena));
	alias_8_9 = false;
	return 0;
}

static int teardown(void **state)
{
	ledger_exit();
	return 0;
}

/* Forge one event, as if the allocator had emitted it from fn. */
static void ev(enum mm_event_kind kind, struct lab_owner who, unsigned long pfn,
	       unsigned int order, int chan, const char *fn)
{
	static struct lab_site sites[256];
	static unsigned int n;
	struct lab_site *s = &sites[n++ % 256];
	struct mm_event e = {
		.kind = kind, .who = who, .pfn = pfn, .order = order,
		.gfp = GFP_ATOMIC, .zone = ZONE_NORMAL, .chan = chan, .site = s,
	};

	*s = (struct lab_site){ "tests/own/test_ledger.c", fn, 100 + (int)n };
	ledger_event(&e, NULL);
}

static void touch(struct lab_owner who, unsigned long pfn, const char *fn)
{
	static struct lab_site s;

	s = (struct lab_site){ "tests/own/test_ledger.c", fn, 1 };
	ledger_touch_pfn(pfn, who, &s);
}

static void expect_sig(const char *sig)
{
	if (strcmp(report_signature(), sig))
		fprintf(stderr, "expected %s, got '%s'\n", sig, report_signature());
	assert_string_equal(report_signature(), sig);
	assert_true(ledger_is_valid());
}

static void expect_silent(void)
{
	assert_int_equal(ledger_end_of_run(), 0);
	assert_false(report_fired());
	assert_true(ledger_is_valid());
}

/* ---- double-own ---------------------------------------------------- */

static void double_alloc_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 5, 0, -1, "irq_rx_refill");
	ev(MM_EV_ALLOC, B, 5, 0, -1, "napi_alloc");		/* handed out twice */
	expect_sig("double-own/napi_alloc/softirq");
	assert_non_null(strstr(report_text(), "held by: cpu 0, hardirq, actor irq0"));
	assert_non_null(strstr(report_text(), "irq_rx_refill"));
}

static void double_alloc_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 5, 0, -1, "irq_rx_refill");
	ev(MM_EV_FREE, A, 5, 0, -1, "irq_rx_drop");
	ev(MM_EV_ALLOC, B, 5, 0, -1, "napi_alloc");
	ev(MM_EV_FREE, B, 5, 0, -1, "napi_free");
	expect_silent();
}

static void overlapping_block_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 4, 2, -1, "irq_rx_refill");		/* 4..7 */
	ev(MM_EV_ALLOC, C, 6, 0, -1, "worker_alloc");
	expect_sig("double-own/worker_alloc/task");
}

static void overlapping_block_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 4, 2, -1, "irq_rx_refill");
	ev(MM_EV_ALLOC, C, 8, 0, -1, "worker_alloc");
	ev(MM_EV_FREE, A, 4, 2, -1, "irq_rx_drop");
	ev(MM_EV_FREE, C, 8, 0, -1, "worker_free");
	expect_silent();
}

/* page_pool double recycle: the ring hands one page to two consumers. */
static void double_take_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 3, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 3, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, B, 3, 0, 1, "napi_poll");
	ev(MM_EV_TAKE, C, 3, 0, 1, "worker_pop");		/* the second copy */
	expect_sig("double-own/worker_pop/task");
	assert_non_null(strstr(report_text(), "held by: cpu 1, softirq, actor net_rx1"));
}

static void double_take_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 3, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 3, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, B, 3, 0, 1, "napi_poll");
	ev(MM_EV_GIVE, B, 3, 0, 2, "napi_push");
	ev(MM_EV_TAKE, C, 3, 0, 2, "worker_pop");
	ev(MM_EV_FREE, C, 3, 0, -1, "worker_free");
	expect_silent();
}

/* One frame published in two rings: taken out of the one it is not in. */
static void take_from_other_channel_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 3, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 3, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, B, 3, 0, 2, "napi_poll");
	expect_sig("double-own/napi_poll/softirq");
}

/* A frame both on the free lists (reclaimed) and owned. */
static void reclaim_owned_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 12, 0, -1, "worker_alloc");
	ev(MM_EV_RECLAIM, C, 12, 0, -1, "shrink_cache");
	expect_sig("double-own/shrink_cache/task");
}

static void reclaim_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, C, 12, 0, -1, "worker_alloc");
	ev(MM_EV_CACHE_IN, C, 12, 0, -1, "cache_fill");
	ev(MM_EV_RECLAIM, C, 12, 0, -1, "shrink_cache");
	expect_silent();
}

static void ballast_owned_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 20, 1, -1, "irq_rx_refill");
	ev(MM_EV_BALLAST_IN, C, 21, 0, -1, "ballast_fill");
	expect_sig("double-own/ballast_fill/task");
}

static void ballast_twin_silent(void **state)
{
	ev(MM_EV_BALLAST_IN, C, 21, 0, -1, "ballast_fill");
	ev(MM_EV_BALLAST_OUT, C, 21, 0, -1, "ballast_release");
	expect_silent();
}

/* Two owners really got the same memory: only the stamps can tell. */
static void stamp_clash_fires(void **state)
{
	alias_8_9 = true;
	ev(MM_EV_ALLOC, A, 8, 0, -1, "irq_rx_refill");
	ev(MM_EV_ALLOC, C, 9, 0, -1, "worker_alloc");
	touch(A, 8, "irq_rx_fill");
	touch(C, 9, "worker_fill");		/* overwrites A's stamp */
	assert_false(report_fired());
	ev(MM_EV_FREE, A, 8, 0, -1, "irq_rx_drop");
	expect_sig("double-own/irq_rx_drop/hardirq");
	assert_non_null(strstr(report_text(), "found stamp of actor worker1"));
}

static void stamp_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 8, 0, -1, "irq_rx_refill");
	ev(MM_EV_ALLOC, C, 9, 0, -1, "worker_alloc");
	touch(A, 8, "irq_rx_fill");
	touch(C, 9, "worker_fill");
	touch(A, 8, "irq_rx_fill");
	ev(MM_EV_FREE, A, 8, 0, -1, "irq_rx_drop");
	ev(MM_EV_FREE, C, 9, 0, -1, "worker_free");
	expect_silent();
}

/* A stamp overwritten while the frame was in flight: checked on take. */
static void stamp_in_flight_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 10, 0, -1, "irq_rx_refill");
	touch(A, 10, "irq_rx_fill");
	ev(MM_EV_GIVE, A, 10, 0, 1, "irq_rx_push");
	arena[10][0] ^= 1;			/* a stray writer */
	ev(MM_EV_TAKE, B, 10, 0, 1, "napi_poll");
	expect_sig("double-own/napi_poll/softirq");
}

static void stamp_in_flight_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 10, 0, -1, "irq_rx_refill");
	touch(A, 10, "irq_rx_fill");
	ev(MM_EV_GIVE, A, 10, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, B, 10, 0, 1, "napi_poll");
	touch(B, 10, "napi_fill");
	ev(MM_EV_FREE, B, 10, 0, -1, "napi_free");
	expect_silent();
}

/* ---- use-after-free, use-after-give -------------------------------- */

static void use_after_free_fires(void **state)
{
	ev(MM_EV_ALLOC, B, 2, 0, -1, "napi_alloc");
	touch(B, 2, "napi_fill");
	ev(MM_EV_FREE, B, 2, 0, -1, "napi_free");
	touch(B, 2, "napi_fill_late");
	expect_sig("use-after-free/napi_fill_late/softirq");
}

static void use_after_free_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, B, 2, 0, -1, "napi_alloc");
	touch(B, 2, "napi_fill");
	touch(B, 2, "napi_fill_late");
	ev(MM_EV_FREE, B, 2, 0, -1, "napi_free");
	expect_silent();
}

/* Freed and reallocated by another: the old owner's touch is still UAF. */
static void use_after_free_reused_fires(void **state)
{
	ev(MM_EV_ALLOC, B, 2, 0, -1, "napi_alloc");
	ev(MM_EV_FREE, B, 2, 0, -1, "napi_free");
	ev(MM_EV_ALLOC, C, 2, 0, -1, "worker_alloc");
	touch(B, 2, "napi_fill_late");
	expect_sig("use-after-free/napi_fill_late/softirq");
}

static void use_after_give_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 7, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 7, 0, 3, "irq_rx_push");
	touch(A, 7, "irq_rx_fill");
	expect_sig("use-after-give/irq_rx_fill/hardirq");
}

static void use_after_give_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 7, 0, -1, "irq_rx_refill");
	touch(A, 7, "irq_rx_fill");
	ev(MM_EV_GIVE, A, 7, 0, 3, "irq_rx_push");
	ev(MM_EV_TAKE, C, 7, 0, 3, "worker_pop");
	touch(C, 7, "worker_fill");
	ev(MM_EV_FREE, C, 7, 0, -1, "worker_free");
	expect_silent();
}

/* A stranger writing a frame someone else holds. */
static void stranger_touch_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 7, 0, -1, "irq_rx_refill");
	touch(C, 7, "worker_fill");
	expect_sig("double-own/worker_fill/task");
}

/* ---- double-free, bad-free ----------------------------------------- */

static void double_free_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 30, 1, -1, "worker_alloc");
	ev(MM_EV_FREE, C, 30, 1, -1, "worker_free");
	ev(MM_EV_FREE, C, 30, 1, -1, "worker_error_path");
	expect_sig("double-free/worker_error_path/task");
	assert_non_null(strstr(report_text(), "worker_free"));	/* first free named */
}

static void double_free_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, C, 30, 1, -1, "worker_alloc");
	ev(MM_EV_FREE, C, 30, 1, -1, "worker_free");
	expect_silent();
}

static void bad_free_non_owner_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 40, 0, -1, "irq_rx_refill");
	ev(MM_EV_FREE, B, 40, 0, -1, "napi_free");
	expect_sig("bad-free/napi_free/softirq");
}

static void bad_free_non_owner_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 40, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 40, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, B, 40, 0, 1, "napi_poll");
	ev(MM_EV_FREE, B, 40, 0, -1, "napi_free");
	expect_silent();
}

static void bad_free_in_flight_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 41, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 41, 0, 1, "irq_rx_push");
	ev(MM_EV_FREE, A, 41, 0, -1, "irq_rx_drop");
	expect_sig("bad-free/irq_rx_drop/hardirq");
}

static void bad_free_wrong_order_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 32, 2, -1, "worker_alloc");
	ev(MM_EV_FREE, C, 32, 1, -1, "worker_free");
	expect_sig("bad-free/worker_free/task");
}

/* Same actor, another context: an interrupt is not the task it hit. */
static void bad_free_other_context_fires(void **state)
{
	struct lab_owner c_irq = C;

	c_irq.ctx = LAB_CTX_HARDIRQ;
	ev(MM_EV_ALLOC, C, 33, 0, -1, "worker_alloc");
	ev(MM_EV_FREE, c_irq, 33, 0, -1, "irq_free");
	expect_sig("bad-free/irq_free/hardirq");
}

/* ---- mempool -------------------------------------------------------- */

static void pool_double_return_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 50, 0, -1, "pool_init");
	ev(MM_EV_POOL_IN, C, 50, 0, 4, "mempool_free_elem");
	ev(MM_EV_POOL_IN, C, 50, 0, 4, "mempool_free_elem_again");
	expect_sig("double-free/mempool_free_elem_again/task");
}

static void pool_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, C, 50, 0, -1, "pool_init");
	ev(MM_EV_POOL_IN, C, 50, 0, 4, "mempool_free_elem");
	ev(MM_EV_POOL_OUT, A, 50, 0, 4, "irq_pool_alloc");
	ev(MM_EV_POOL_IN, A, 50, 0, 4, "irq_pool_free");
	expect_silent();
}

static void pool_out_of_empty_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 51, 0, -1, "worker_alloc");
	ev(MM_EV_POOL_OUT, A, 51, 0, 4, "irq_pool_alloc");
	expect_sig("double-own/irq_pool_alloc/hardirq");
}

/* ---- leaks ---------------------------------------------------------- */

static void leak_in_flight_fires(void **state)
{
	ev(MM_EV_ALLOC, A, 60, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 60, 0, 1, "irq_rx_push");
	assert_int_equal(ledger_end_of_run(), 1);
	expect_sig("leak/irq_rx_refill/hardirq");
}

static void leak_actor_exit_fires(void **state)
{
	ev(MM_EV_ALLOC, C, 61, 0, -1, "worker_alloc");
	assert_int_equal(ledger_actor_exit(C.actor), 1);
	expect_sig("leak/worker_alloc/task");
	assert_int_equal(ledger_end_of_run(), 0);	/* reported once */
}

static void leak_twin_silent(void **state)
{
	ev(MM_EV_ALLOC, A, 60, 0, -1, "irq_rx_refill");
	ev(MM_EV_GIVE, A, 60, 0, 1, "irq_rx_push");
	ev(MM_EV_TAKE, C, 60, 0, 1, "worker_pop");
	ev(MM_EV_ALLOC, C, 61, 0, -1, "worker_alloc");
	ev(MM_EV_FREE, C, 61, 0, -1, "worker_free");
	ev(MM_EV_FREE, C, 60, 0, -1, "worker_free");
	assert_int_equal(ledger_actor_exit(C.actor), 0);
	/* A long-lived holder that did not exit is not a leak. */
	ev(MM_EV_ALLOC, B, 62, 0, -1, "napi_alloc");
	expect_silent();
}

/* ---- bookkeeping ---------------------------------------------------- */

static void counts_follow_places(void **state)
{
	struct ledger_counts c;

	ev(MM_EV_ALLOC, A, 0, 2, -1, "a");			/* 4 owned */
	ev(MM_EV_GIVE, A, 0, 2, 1, "a");			/* 4 in flight */
	ev(MM_EV_ALLOC, C, 4, 0, -1, "c");
	ev(MM_EV_CACHE_IN, C, 4, 0, -1, "c");			/* 1 cached */
	ev(MM_EV_BALLAST_IN, C, 8, 3, -1, "c");			/* 8 ballast */
	ev(MM_EV_ALLOC, C, 16, 0, -1, "c");
	ev(MM_EV_POOL_IN, C, 16, 0, 2, "c");			/* 1 pooled */
	ev(MM_EV_ALLOC, B, 17, 0, -1, "b");			/* 1 owned */
	ledger_counts(&c);
	assert_int_equal(c.total, NR);
	assert_int_equal(c.place[LP_FLIGHT], 4);
	assert_int_equal(c.place[LP_CACHED], 1);
	assert_int_equal(c.place[LP_BALLAST], 8);
	assert_int_equal(c.place[LP_POOLED], 1);
	assert_int_equal(c.place[LP_OWNED], 1);
	assert_int_equal(c.place[LP_FREE], NR - 15);
	assert_int_equal(ledger_place_of(2), LP_FLIGHT);
	assert_true(ledger_is_valid());
	assert_false(report_fired());
	ledger_reset();
	ledger_counts(&c);
	assert_int_equal(c.place[LP_FREE], NR);
	assert_int_equal(ledger_seq(), 0);
}

static void table_grows_on_demand(void **state)
{
	struct ledger_counts c;

	ev(MM_EV_ALLOC, C, 1000, 0, -1, "c");
	ledger_counts(&c);
	assert_true(c.total > 1000);
	assert_int_equal(c.place[LP_OWNED], 1);
	assert_int_equal(ledger_place_of(1000), LP_OWNED);
	ev(MM_EV_FREE, C, 1000, 0, -1, "c");
	expect_silent();
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(double_alloc_fires), T(double_alloc_twin_silent),
		T(overlapping_block_fires), T(overlapping_block_twin_silent),
		T(double_take_fires), T(double_take_twin_silent),
		T(take_from_other_channel_fires),
		T(reclaim_owned_fires), T(reclaim_twin_silent),
		T(ballast_owned_fires), T(ballast_twin_silent),
		T(stamp_clash_fires), T(stamp_twin_silent),
		T(stamp_in_flight_fires), T(stamp_in_flight_twin_silent),
		T(use_after_free_fires), T(use_after_free_twin_silent),
		T(use_after_free_reused_fires),
		T(use_after_give_fires), T(use_after_give_twin_silent),
		T(stranger_touch_fires),
		T(double_free_fires), T(double_free_twin_silent),
		T(bad_free_non_owner_fires), T(bad_free_non_owner_twin_silent),
		T(bad_free_in_flight_fires), T(bad_free_wrong_order_fires),
		T(bad_free_other_context_fires),
		T(pool_double_return_fires), T(pool_twin_silent),
		T(pool_out_of_empty_fires),
		T(leak_in_flight_fires), T(leak_actor_exit_fires),
		T(leak_twin_silent),
		T(counts_follow_places), T(table_grows_on_demand),
	};

	return LAB_RUN_TESTS(tests);
}
