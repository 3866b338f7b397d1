// SPDX-License-Identifier: MIT
/*
 * Stall detector: a context that runs more scheduling points than its
 * budget in one activation (a task's life, one interrupt handler) is
 * spinning without progress -- the retry loop of a __GFP_NOFAIL |
 * GFP_ATOMIC allocation, a cpu_relax() loop waiting for a state no one
 * will make. The kernel's analogues are the soft-lockup and RCU stall
 * warnings (kernel/watchdog.c), which print the same kind of header.
 */
#include "check/lockdep.h"
#include "check/report.h"

void check_stall(const struct check_ctx *c, unsigned long steps,
		 unsigned long budget, const struct lab_site *s)
{
	char b[256];

	report_begin(REPORT_STALL, s ? s->func : NULL, c->ctx);
	report_printf("watchdog: BUG: soft lockup - CPU#%d stuck for %lu steps! [%s:%d]\n",
		      c->cpu, steps, c->actor_name, c->actor);
	report_printf("step budget %lu exceeded in %s context, spinning at %s\n",
		      budget, lab_ctx_name(c->ctx), check_site_str(s, b, sizeof(b)));
	report_printf("preempt_count: %lx, irqs_disabled(): %d\n", c->preempt_count,
		      c->irqs_disabled);
	check_print_held(c);
	report_end();
}
