// SPDX-License-Identifier: MIT
/*
 * Deadlock reports: a spinlock taken again on the CPU that holds it
 * (lockdep's "possible recursive locking" / an interrupt hitting the
 * holder), and a machine where every CPU is stuck, printed as the
 * wait-for cycle when there is one.
 */
#include <string.h>
#include "check/lockdep.h"
#include "check/report.h"

void check_self_deadlock(const struct check_ctx *c, const char *lock_name,
			 const struct lab_site *s, const struct held_lock *holder)
{
	char b[256];

	report_begin(REPORT_DEADLOCK, s ? s->func : NULL, c->ctx);
	report_printf("============================================\n");
	report_printf("WARNING: possible recursive locking detected\n");
	report_printf("--------------------------------------------\n");
	report_printf("%s/%d is trying to acquire lock:\n", c->actor_name, c->actor);
	report_printf(" (%s), at: %s\n", lock_name, check_site_str(s, b, sizeof(b)));
	report_printf("\nbut task is already holding lock:\n");
	if (holder)
		report_printf(" (%s), at: %s [%s/%d, %s]\n", holder->name,
			      check_site_str(holder->site, b, sizeof(b)),
			      holder->ctx == c->ctx && holder->actor == c->actor ?
			      c->actor_name : "interrupted context",
			      holder->actor, lab_ctx_name(holder->ctx));
	report_printf("\nCPU %d deadlocks on itself: the holder cannot run until "
		      "this %s context returns.\n", c->cpu, lab_ctx_name(c->ctx));
	report_printf(" Possible unsafe locking scenario:\n\n");
	report_printf("       CPU0\n       ----\n");
	report_printf("  lock(%s);\n", lock_name);
	if (holder && holder->ctx != c->ctx)
		report_printf("  <Interrupt>\n");
	report_printf("  lock(%s);\n\n *** DEADLOCK ***\n\n", lock_name);
	check_print_held(c);
	report_end();
}

static const char *wait_func(const struct wait_edge *w)
{
	return w->wait_site ? w->wait_site->func : NULL;
}

/*
 * The order check_deadlock() names a cycle or a hang by: a party that
 * is stuck before a kernel thread idling for work, then function, CPU,
 * actor.
 */
static bool wait_before(const struct wait_edge *a, const struct wait_edge *b)
{
	const char *fa = wait_func(a), *fb = wait_func(b);
	int c = fa && fb ? strcmp(fa, fb) : fa ? -1 : fb ? 1 : 0;

	if (a->idle != b->idle)
		return !a->idle;
	if (c)
		return c < 0;
	if (a->cpu != b->cpu)
		return (unsigned)a->cpu < (unsigned)b->cpu;
	return a->actor < b->actor;
}

void check_deadlock(const struct wait_edge *e, int n, bool cycle)
{
	char b[256], b2[256];
	int i, first = 0;

	/*
	 * The signature names the alphabetically first waiting function
	 * of the cycle (then the lowest CPU, then actor), as lockdep's
	 * order check does (lockdep.c): the same cycle gives the same
	 * signature whichever edge a schedule closed last and whichever
	 * CPUs the program put its parties on. Naming the lowest CPU's
	 * wait made an ABBA between drain and refill two signatures, one
	 * per placement of the drainer. A hang (no cycle) lists kswapd
	 * asleep on its wait queue too, but a daemon waiting for work is
	 * not what is stuck: it names the hang only when nothing else
	 * waits (a mempool waiter starved by a leak was reported as
	 * "deadlock/kswapd" before).
	 */
	for (i = 1; i < n; i++)
		if (wait_before(&e[i], &e[first]))
			first = i;
	report_begin(REPORT_DEADLOCK,
		     n && e[first].wait_site ? e[first].wait_site->func : NULL,
		     n ? e[first].ctx : LAB_CTX_TASK);
	if (cycle) {
		report_printf("======================================================\n");
		report_printf("WARNING: deadlock: wait-for cycle across CPUs\n");
		report_printf("------------------------------------------------------\n");
	} else {
		report_printf("======================================================\n");
		report_printf("WARNING: deadlock: every CPU is stuck with work left\n");
		report_printf("------------------------------------------------------\n");
	}
	for (i = 0; i < n; i++) {
		const struct wait_edge *w = &e[(first + i) % n];

		report_printf("%s/%d (CPU %d, %s) waits for %s %s at %s\n",
			      w->actor_name, w->actor, w->cpu, lab_ctx_name(w->ctx),
			      w->what, w->lock_name ? w->lock_name : "?",
			      check_site_str(w->wait_site, b, sizeof(b)));
		if (w->owner_actor >= 0)
			report_printf("    held by %s/%d, taken at %s\n", w->owner_name,
				      w->owner_actor,
				      check_site_str(w->owner_site, b2, sizeof(b2)));
	}
	if (cycle)
		report_printf("\n *** DEADLOCK ***\n\n");
	report_end();
}
