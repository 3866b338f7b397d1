// SPDX-License-Identifier: MIT
/*
 * The sweep: SQLite's "fail the Nth allocation, then N+1, until nothing
 * fails" loop (test/malloc_common.tcl do_malloc_test), transient and
 * persistent. Each run is a fresh scenario with a fresh injector; the
 * loop ends by itself when a run never reaches its Nth call.
 */
#include <errno.h>
#include <string.h>
#include "faultinject/fault.h"

#define FAULT_SWEEP_MAX_N	100000UL

long fault_sweep(fault_run_fn run, void *arg, enum fault_sweep_mode mode,
		 const struct fault_rule *filter, unsigned long max_n,
		 fault_sweep_cb report, void *cb_arg)
{
	struct fault_injector fi;
	struct fault_plan plan;
	struct fault_rule r;
	struct fault_sweep_outcome o;
	unsigned long n;
	long bad = 0;

	if (!run)
		return -EINVAL;
	if (!max_n)
		max_n = FAULT_SWEEP_MAX_N;
	for (n = 1; n <= max_n; n++) {
		if (filter)
			r = *filter;
		else
			fault_rule_init(&r);
		/* fail-nth drives the sweep; the filter's attributes do not. */
		r.fail_nth = n;
		r.persist = mode == FAULT_SWEEP_PERSISTENT;
		r.probability = 0;
		r.times = -1;
		r.space = 0;
		r.interval = 1;
		fault_plan_init(&plan);
		fault_plan_add_rule(&plan, &r);
		fault_injector_init(&fi, &plan);

		memset(&o, 0, sizeof(o));
		o.n = n;
		o.mode = mode;
		o.verdict = run(&fi, arg);
		if (fi.installed)
			fault_uninstall(&fi);
		if (!fi.selftest)
			return -EINVAL;	/* run never installed fi: nothing was swept */
		o.reached = fi.st[0].nth_fired;
		o.failed = fi.total.failed;
		o.unreported = fi.unreported;
		if (o.reached)
			o.first = fi.first;
		if (o.verdict || o.unreported) {
			bad++;
			if (report)
				report(&o, cb_arg);
		}
		if (!o.reached)
			return bad;
	}
	return -E2BIG;
}
