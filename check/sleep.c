// SPDX-License-Identifier: MIT
/*
 * Atomic-sleep detector: __might_sleep()/__might_resched() of
 * kernel/sched/core.c. A blocking primitive reached with a non-zero
 * preempt_count (spinlock held, preemption or bottom halves disabled,
 * hardirq or softirq context) or with IRQs off is reported with the
 * fields the kernel prints, so the splat reads like the real one.
 */
#include <stdio.h>
#include "check/lockdep.h"
#include "check/report.h"

const char *check_site_str(const struct lab_site *s, char *buf, size_t len)
{
	if (!s)
		snprintf(buf, len, "(unknown)");
	else
		snprintf(buf, len, "%s:%d (%s)", s->file, s->line, s->func);
	return buf;
}

void check_print_held(const struct check_ctx *c)
{
	char b[256];
	int i;

	if (!c->nr_held) {
		report_printf("no locks held by %s/%d.\n", c->actor_name, c->actor);
		return;
	}
	report_printf("%d lock%s held by %s/%d:\n", c->nr_held,
		      c->nr_held > 1 ? "s" : "", c->actor_name, c->actor);
	for (i = 0; i < c->nr_held; i++) {
		const struct held_lock *h = &c->held[i];

		report_printf(" #%d: (%s){%s%s}, at: %s\n", i, h->name,
			      lab_ctx_name(h->ctx), h->trylock ? ",trylock" : "",
			      check_site_str(h->site, b, sizeof(b)));
	}
}

bool check_might_sleep(const struct check_ctx *c, const struct lab_site *s)
{
	char b[256];

	/* __might_resched(): preempt_count_equals(0) && !irqs_disabled() */
	if (c->preempt_count == 0 && !c->irqs_disabled)
		return false;

	report_begin(REPORT_ATOMIC_SLEEP, s ? s->func : NULL, c->ctx);
	report_printf("BUG: sleeping function called from invalid context at %s:%d\n",
		      s ? s->file : "?", s ? s->line : 0);
	report_printf("in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %d, name: %s\n",
		      c->preempt_count != 0, c->irqs_disabled, c->actor,
		      c->actor_name);
	report_printf("preempt_count: %lx, expected: 0\n", c->preempt_count);
	report_printf("CPU: %d context: %s actor: %s caller: %s\n", c->cpu,
		      lab_ctx_name(c->ctx), c->actor_name,
		      check_site_str(s, b, sizeof(b)));
	check_print_held(c);
	if (c->irqs_disabled)
		report_printf("irqs disabled at: %s\n",
			      check_site_str(c->irqs_off_at, b, sizeof(b)));
	if (c->preempt_count & HARDIRQ_MASK)
		report_printf("in hardirq context (preempt_count %lx)\n",
			      c->preempt_count & HARDIRQ_MASK);
	if (c->preempt_count & SOFTIRQ_OFFSET)
		report_printf("in softirq context (serving)\n");
	if (c->preempt_count & (SOFTIRQ_MASK & ~SOFTIRQ_OFFSET))
		report_printf("softirqs disabled at: %s\n",
			      check_site_str(c->bh_off_at, b, sizeof(b)));
	if (c->preempt_count & PREEMPT_MASK)
		report_printf("Preemption disabled at:\n %s\n",
			      check_site_str(c->preempt_off_at, b, sizeof(b)));
	report_end();
	return true;
}
