// SPDX-License-Identifier: MIT
/*
 * Channels on real threads: a hardirq-context producer on CPU 0, a
 * softirq-context relay on CPU 1 and a task consumer on CPU 2 move
 * pages through every pair of channel kinds at full speed, with the
 * ledger and the oracle listening. No report, nothing lost, census
 * balanced. Under ThreadSanitizer this also checks the SPSC ring's
 * acquire/release ordering and the locked rings' locking.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <labyrinth/channel.h>
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"
#include "threads/threads.h"

#define ITEMS	250

struct pipe {
	struct channel a;		/* hardirq -> softirq */
	struct channel b;		/* softirq -> task */
	int done;			/* consumer finished (atomic) */
	unsigned long alloc_retries;
};

static struct pipe P;

static void produce_one(void *arg)
{
	struct page **out = arg;

	*out = alloc_page(GFP_ATOMIC | __GFP_NOWARN);
	if (*out)
		ledger_touch(*out);
}

static void give_one(void *arg)
{
	struct page **pp = arg;

	if (!chan_give(&P.a, *pp, 0))
		*pp = NULL;
}

/* CPU 0: every page is allocated and given from hardirq context. */
static void producer(void *unused)
{
	struct page *p = NULL;
	int n = 0;

	while (n < ITEMS) {
		if (!p) {
			threads_in_hardirq(produce_one, &p);
			if (!p) {
				P.alloc_retries++;
				cpu_relax();
				continue;
			}
		}
		threads_in_hardirq(give_one, &p);
		if (!p)
			n++;
		else
			cpu_relax();
	}
}

struct relay_state {
	struct page *held;
	unsigned int order;
	int moved;
};

static void relay_one(void *arg)
{
	struct relay_state *r = arg;

	if (!r->held) {
		r->held = chan_take(&P.a, &r->order);
		if (r->held)
			ledger_touch(r->held);
	}
	if (r->held && !chan_give(&P.b, r->held, r->order)) {
		r->held = NULL;
		r->moved++;
	}
}

/* CPU 1: softirq context takes from a and gives to b. */
static void relay(void *unused)
{
	struct relay_state r = { 0 };

	while (r.moved < ITEMS) {
		threads_in_softirq(relay_one, &r);
		cpu_relax();
	}
}

/* CPU 2: the task takes, touches, frees. */
static void consumer(void *unused)
{
	unsigned int order;
	struct page *p;
	int n = 0;

	while (n < ITEMS) {
		p = chan_take(&P.b, &order);
		if (!p) {
			cpu_relax();
			continue;
		}
		ledger_touch(p);
		__free_pages(p, order);
		n++;
	}
	__atomic_store_n(&P.done, 1, __ATOMIC_RELEASE);
}

static void run_pipe(enum chan_kind ka, enum chan_kind kb)
{
	struct mm_config cfg = { 0 };

	threads_init(3);
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
	memset(&P, 0, sizeof(P));
	assert_int_equal(chan_init(&P.a, ka, 8, 1), 0);
	assert_int_equal(chan_init(&P.b, kb, 8, 2), 0);

	assert_int_equal(threads_spawn(0, "nic_irq", producer, NULL), 0);
	assert_int_equal(threads_spawn(1, "net_rx", relay, NULL), 0);
	assert_int_equal(threads_spawn(2, "worker", consumer, NULL), 0);
	threads_join_all();

	assert_int_equal(P.done, 1);
	assert_int_equal(chan_count(&P.a), 0);
	assert_int_equal(chan_count(&P.b), 0);
	drain_all_pages();
	assert_int_equal(ledger_end_of_run(), 0);
	assert_true(ledger_check_census());
	if (report_fired())
		fprintf(stderr, "%s", report_text());
	assert_false(report_fired());
	mm_exit();
	mm_listen_reset();
	ledger_exit();
	threads_exit();
}

static void spsc_then_locked_bh(void **state)	{ run_pipe(CHAN_SPSC, CHAN_LOCKED_BH); }
static void locked_then_spsc(void **state)	{ run_pipe(CHAN_LOCKED, CHAN_SPSC); }
static void spsc_then_spsc(void **state)	{ run_pipe(CHAN_SPSC, CHAN_SPSC); }
static void locked_then_locked(void **state)	{ run_pipe(CHAN_LOCKED, CHAN_LOCKED); }

/* chan_give() on a full ring leaves ownership where it was. */
static void full_ring_keeps_ownership(void **state)
{
	struct mm_config cfg = { 0 };
	struct page *p[3];
	struct lab_owner me, o;
	struct channel ch;
	unsigned int order;
	int i;

	threads_init(1);
	report_set_mode(REPORT_RECORD);
	report_set_stream(getenv("LAB_VERBOSE") ? stderr : NULL);
	report_reset();
	mm_listen_reset();
	ledger_init(0);
	assert_int_equal(ledger_attach(), 0);
	assert_int_equal(mm_init(&cfg), 0);
	ledger_mm_ready();
	for (i = 0; i < CHAN_KIND_NR; i++) {
		assert_int_equal(chan_init(&ch, i, 2, 5), 0);
		p[0] = alloc_page(GFP_KERNEL);
		p[1] = alloc_page(GFP_KERNEL);
		p[2] = alloc_page(GFP_KERNEL);
		assert_int_equal(chan_give(&ch, p[0], 0), 0);
		assert_int_equal(chan_give(&ch, p[1], 0), 0);
		assert_int_equal(chan_give(&ch, p[2], 0), -ENOSPC);
		me = lab_current();
		assert_true(ledger_owner_of(page_to_pfn(p[2]), &o));
		assert_int_equal(o.actor, me.actor);
		assert_int_equal(ledger_place_of(page_to_pfn(p[0])), LP_FLIGHT);
		assert_ptr_equal(chan_take(&ch, &order), p[0]);	/* FIFO */
		assert_ptr_equal(chan_take(&ch, &order), p[1]);
		assert_null(chan_take(&ch, &order));
		for (int j = 0; j < 3; j++)
			__free_page(p[j]);
	}
	assert_int_equal(chan_init(&ch, CHAN_SPSC, 0, 1), -EINVAL);
	assert_int_equal(chan_init(&ch, CHAN_SPSC, CHAN_MAX_SLOTS + 1, 1), -EINVAL);
	assert_int_equal(ledger_end_of_run(), 0);
	assert_false(report_fired());
	mm_exit();
	mm_listen_reset();
	ledger_exit();
	threads_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_ring_keeps_ownership),
		cmocka_unit_test(spsc_then_locked_bh),
		cmocka_unit_test(locked_then_spsc),
		cmocka_unit_test(spsc_then_spsc),
		cmocka_unit_test(locked_then_locked),
	};

	return LAB_RUN_TESTS(tests);
}
