// SPDX-License-Identifier: MIT
/*
 * scenario_run.c: one run of a scenario on the simulated machine.
 *
 * The per-run set-up is the interpreter's (fuzz/interp.c, interp_run()):
 * a fresh machine, the ownership ledger and the reserve oracle listening
 * before the allocator starts, the fault plan installed through
 * faultinject's one hook, then the actors; after a clean run, the
 * channels are emptied and every actor still owning a frame is retired
 * with ledger_actor_exit() (what it holds is unreachable: a leak), then
 * the ledger's end-of-run checks (in-flight leaks, conservation).
 * interp_run() builds its actors from a program, so it cannot be called
 * with C actors; this file repeats its sequence step by step against
 * the same public APIs (docs/scenarios.md, "Why not interp_run()").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include "check/checkers.h"
#include "check/ledger.h"
#include "check/oracle.h"
#include "check/report.h"
#include "faultinject/fault.h"
#include "sim/sim.h"
#include "fuzz/ctxcov.h"
#include "fuzz/scenario.h"

static const char *const zone_plan_names[MAX_NR_ZONES] = { "DMA", "NORMAL" };

/*
 * Per-run state, rebuilt by scn_run(). Invariant while a run is on:
 * in != NULL; checkpoints counts scn_point() calls of this run.
 */
static struct {
	const struct scn_input *in;
	struct fault_injector fi;
	bool installed;
	unsigned long checkpoints;
	unsigned long progress;
	bool exhausted;		/* the mid-run exhaust happened */
} R;

int scn_add_task(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	return sim_add_task(cpu, name, fn, arg);
}

int scn_add_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg,
		    int max_fires)
{
	return sim_add_hardirq(cpu, name, fn, arg, max_fires);
}

int scn_add_softirq(int cpu, const char *name, void (*fn)(void *), void *arg)
{
	return sim_add_softirq(cpu, name, fn, arg);
}

void scn_progress(unsigned long n)
{
	__atomic_add_fetch(&R.progress, n, __ATOMIC_RELAXED);
}

void scn_point(void)
{
	const struct scn_exhaust *ex;
	unsigned long n;

	if (!R.in)
		return;
	ex = &R.in->exhaust;
	n = __atomic_add_fetch(&R.checkpoints, 1, __ATOMIC_RELAXED);
	if (!ex->on)
		return;
	if (ex->at && n == ex->at) {
		sim_trace_note("scenario: exhaust %s to line %u at checkpoint %lu",
			       zone_plan_names[ex->zone], ex->line, n);
		fault_exhaust(ex->zone, (enum fault_line)ex->line, -1);
		R.exhausted = true;
	}
	if (ex->release && n == (unsigned long)ex->at + ex->release) {
		sim_trace_note("scenario: release the ballast at checkpoint %lu", n);
		fault_exhaust_release(-1);
	}
}

/* The plan text: the input's rules, its exhaust at install, kswapd hold. */
static size_t plan_text(const struct scn_input *in, char *buf, size_t cap)
{
	size_t n = scn_fault_text(in, buf, cap);

	if (in->exhaust.on && !in->exhaust.at)
		n += snprintf(buf + n, n < cap ? cap - n : 0, "%sexhaust=%s:%s", n ? ";" : "",
			      zone_plan_names[in->exhaust.zone],
			      fault_line_name((enum fault_line)in->exhaust.line));
	if (in->kswapd == SCN_KSWAPD_HOLD && n < cap)
		n += snprintf(buf + n, cap - n, "%skswapd=hold", n ? ";" : "");
	return n;
}

static int install_faults(const struct scn_input *in, struct scn_result *res)
{
	char text[FAULT_PLAN_TEXT_MAX], err[128];
	struct fault_plan plan;

	if (plan_text(in, text, sizeof(text)) >= sizeof(text)) {
		snprintf(res->error, sizeof(res->error), "fault plan too long");
		return -EINVAL;
	}
	if (fault_plan_parse(text, &plan, err, sizeof(err))) {
		snprintf(res->error, sizeof(res->error), "fault plan '%s': %s", text, err);
		return -EINVAL;
	}
	fault_injector_init(&R.fi, &plan);
	if (fault_install(&R.fi, err, sizeof(err))) {
		snprintf(res->error, sizeof(res->error), "fault plan: %s", err);
		return -EINVAL;
	}
	R.installed = true;
	return 0;
}

/*
 * Every actor still owning a frame after the run is retired: it has
 * finished, so it held the only pointer (ledger_actor_exit() reports
 * each such block as a leak, blaming the allocation site).
 */
static void retire_owners(void)
{
	bool seen[SIM_MAX_ACTORS] = { false };
	unsigned long pfn, nr = mm_total_pages();
	struct lab_owner who;

	for (pfn = 0; pfn < nr; pfn++) {
		if (ledger_place_of(pfn) != LP_OWNED || !ledger_owner_of(pfn, &who))
			continue;
		if (who.actor > 0 && who.actor < SIM_MAX_ACTORS && !seen[who.actor]) {
			seen[who.actor] = true;
			ledger_actor_exit(who.actor);
		}
	}
}

static void result(struct scn_result *res, const struct scn_config *cfg)
{
	const struct sim_choice *ch;
	size_t nch;

	res->verdict = report_fired() ? SIM_REPORT : SIM_CLEAN;
	snprintf(res->signature, sizeof(res->signature), "%s", report_signature());
	res->trace_hash = sim_trace_hash();
	res->points = sim_points();
	res->checkpoints = R.checkpoints;
	res->progress = R.progress;
	res->faults = R.installed ? R.fi.total.failed : 0;
	ch = sim_choices(&nch);
	res->sched_len = sim_choices_to_bytes(ch, nch, res->sched, sizeof(res->sched));
	if (res->sched_len > sizeof(res->sched)) {
		res->sched_truncated = true;
		res->sched_len = sizeof(res->sched);
	}
	if (cfg->verbose)
		sim_trace_print(1 << 20);
}

int scn_run(const struct scn_input *in, const struct scn_config *cfg,
	    struct scn_result *res)
{
	static const struct scn_config defaults;
	const struct scenario *s = in->s;
	struct sim_config sc;
	struct mm_config mc;
	struct scn_run run;
	int i, err, ci;

	if (!cfg)
		cfg = &defaults;
	memset(res, 0, sizeof(*res));
	memset(&R, 0, sizeof(R));
	if (!scn_input_is_valid(in)) {
		snprintf(res->error, sizeof(res->error), "invalid input for scenario %s",
			 s && s->name ? s->name : "?");
		return res->setup_error = -EINVAL, -1;
	}
	memset(&run, 0, sizeof(run));
	for (i = 0; i < s->nr_params; i++)
		run.param[i] = in->param[i];
	ci = scenario_param_index(s, "cpus");
	run.nr_cpus = ci < 0 ? 1 : in->param[ci];
	run.nr_cpus = run.nr_cpus < 1 ? 1 : run.nr_cpus > SIM_MAX_CPUS ? SIM_MAX_CPUS : run.nr_cpus;

	memset(&sc, 0, sizeof(sc));
	sc.nr_cpus = run.nr_cpus;
	sc.source = cfg->source;
	sc.bytes = in->sched;
	sc.nr_bytes = in->sched_len;
	sc.seed = cfg->seed;
	sc.report_mode = cfg->mode;
	sc.quiet = cfg->quiet;
	err = sim_init(&sc);
	if (err) {
		snprintf(res->error, sizeof(res->error), "sim_init: %d", err);
		return res->setup_error = err, -1;
	}

	/* listeners first: the ledger must see the initial page-cache fill */
	checkers_attach(true);		/* every CPU is a fiber of this thread */
	ctxcov_attach(true);		/* the allocator's events feed ctxcov.h */
	mc = s->mm;
	mc.nr_cpus = run.nr_cpus;
	mc.kswapd = in->kswapd != SCN_KSWAPD_OFF;
	err = mm_init(&mc);
	if (err) {
		snprintf(res->error, sizeof(res->error), "mm_init: %d", err);
		mm_listen_reset();
		return res->setup_error = err, -1;
	}
	checkers_mm_ready();

	/*
	 * The scenario's set-up (mempool_init()'s GFP_KERNEL fill, channels,
	 * actors) runs before the plan: a plan tests the run, not the rig.
	 */
	R.in = in;
	err = s->setup(&run);
	if (err)
		snprintf(res->error, sizeof(res->error), "%s: setup: %d", s->name, err);
	else
		err = install_faults(in, res);
	if (err) {
		res->setup_error = err;
		goto out;
	}

	if (sim_run() == SIM_CLEAN && !report_fired()) {
		if (s->finish)
			s->finish();
		retire_owners();
		if (in->exhaust.on)
			fault_exhaust_release(-1);
		mm_kswapd_hold(false);
		ledger_end_of_run();
	}
	result(res, cfg);
out:
	if (R.installed)
		fault_uninstall(&R.fi);
	mm_set_fault_hook(NULL, NULL);
	if (s->teardown)
		s->teardown();
	mm_exit();
	mm_listen_reset();
	R.in = NULL;
	return err ? -1 : 0;
}
