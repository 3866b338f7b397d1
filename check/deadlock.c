// SPDX-License-Identifier: MIT
/*
 * Deadlock reports: a spinlock taken again on the CPU that holds it
 * (lockdep's "possible recursive locking" / an interrupt hitting the
 * holder), and a machine where every CPU is stuck, printed as the
 * wait-for cycle when there is one.
 */
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

void check_deadlock(const struct wait_edge *e, int n, bool cycle)
{
	char b[256], b2[256];
	int i, first = 0;

	/*
	 * The signature names the wait of the lowest CPU (then lowest
	 * actor) in the cycle, so the same cycle entered in another order
	 * gives the same signature.
	 */
	for (i = 1; i < n; i++) {
		unsigned ci = (unsigned)e[i].cpu, cf = (unsigned)e[first].cpu;

		if (ci < cf || (ci == cf && e[i].actor < e[first].actor))
			first = i;
	}
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
