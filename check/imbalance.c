// SPDX-License-Identifier: MIT
/*
 * Context imbalance: a hardirq or softirq handler that returns with a
 * changed preempt_count, with locks still held, with IRQs in the wrong
 * state; a task that ends holding a lock, with preemption or bottom
 * halves disabled, or with IRQs off. The kernel checks the same at
 * handler return (__handle_irq_event_percpu(): "irq %u handler %pS
 * enabled interrupts"; handle_softirqs(): "huh, entered softirq %u ...
 * with preempt_count %08x, exited with %08x?") and at task exit
 * (do_exit(): lockdep's debug_check_no_locks_held(), "note: %s exited
 * with irqs disabled / preempt_count").
 */
#include "check/lockdep.h"
#include "check/report.h"

bool check_ctx_exit(const struct check_ctx *c, unsigned long entry_count,
		    bool entry_irqs_off, int entry_held, const struct lab_site *s)
{
	const struct lab_site *blame = NULL;
	const char *what = NULL;
	char b[256];

	/* The first unmatched call is the one to blame, in this order. */
	if (c->nr_held > entry_held) {
		blame = c->held[entry_held].site;
		what = "returned with a lock held";
	} else if (c->irqs_disabled != entry_irqs_off) {
		blame = c->irqs_disabled ? c->irqs_off_at : c->irqs_on_at;
		what = c->irqs_disabled ? "returned with interrupts disabled" :
					  "enabled interrupts";
	} else if (c->preempt_count != entry_count) {
		unsigned long d = c->preempt_count ^ entry_count;

		blame = (d & SOFTIRQ_MASK) ? c->bh_off_at : c->preempt_off_at;
		what = "returned with a changed preempt_count";
	}
	if (!what)
		return false;
	if (!blame)
		blame = s;

	report_begin(REPORT_IMBALANCE, blame ? blame->func : NULL, c->ctx);
	report_printf("=====================================\n");
	report_printf("WARNING: context imbalance: %s%s %s\n",
		      lab_ctx_name(c->ctx), c->ctx == LAB_CTX_TASK ? "" : " handler",
		      c->actor_name);
	report_printf("------------------------------------\n");
	report_printf("%s/%d %s (CPU %d)\n", c->actor_name, c->actor, what, c->cpu);
	report_printf("entered with preempt_count %08lx, exited with %08lx\n",
		      entry_count, c->preempt_count);
	report_printf("irqs_disabled(): entry %d, exit %d\n", entry_irqs_off,
		      c->irqs_disabled);
	report_printf("unmatched call at: %s\n", check_site_str(blame, b, sizeof(b)));
	check_print_held(c);
	report_end();
	return true;
}

void check_bad_unlock(const struct check_ctx *c, const char *lock_name,
		      const struct lab_site *s)
{
	char b[256];

	report_begin(REPORT_IMBALANCE, s ? s->func : NULL, c->ctx);
	report_printf("=====================================\n");
	report_printf("WARNING: bad unlock balance detected!\n");
	report_printf("-------------------------------------\n");
	report_printf("%s/%d is trying to release lock (%s) at:\n", c->actor_name,
		      c->actor, lock_name ? lock_name : "?");
	report_printf("%s\n", check_site_str(s, b, sizeof(b)));
	report_printf("but there are no more locks to release!\n");
	check_print_held(c);
	report_end();
}

void check_task_mutexes(const struct check_ctx *c, int nr, const char *name,
			const struct lab_site *site)
{
	char b[256];

	report_begin(REPORT_IMBALANCE, site ? site->func : NULL, c->ctx);
	report_printf("=====================================\n");
	report_printf("WARNING: lock held when returning to user space!\n");
	report_printf("-------------------------------------\n");
	report_printf("%s/%d is exiting with locks still held!\n", c->actor_name, c->actor);
	report_printf("%d mutex%s held by %s/%d, the last:\n", nr, nr > 1 ? "es" : "",
		      c->actor_name, c->actor);
	report_printf(" #0: (%s), at: %s\n", name ? name : "?",
		      check_site_str(site, b, sizeof(b)));
	report_end();
}
