// SPDX-License-Identifier: MIT
/*
 * scenario_run.c: one run of a scenario on the simulated machine.
 *
 * The per-run set-up is the interpreter's (fuzz/interp.c, interp_run()):
 * a fresh machine, the ownership ledger and the reserve oracle listening
 * before the allocator starts, the allocator set up through its adapter
 * (struct lab_alloc_ops: init_config() with the scenario's memory), the
 * fault plan installed through faultinject's one hook, then the actors;
 * after a clean run, the channels are emptied and every actor still
 * owning a frame is retired with ledger_actor_exit() (what it holds is
 * unreachable: a leak), then the adapter's end-of-run census and the
 * ledger's end-of-run checks (in-flight leaks, conservation).
 * interp_run() builds its actors from a program, so it cannot be called
 * with C actors; this file repeats its sequence step by step against
 * the same public APIs (docs/scenarios.md, "Own set-up").
 *
 * Every memory operation of a scenario goes through the adapter (the
 * scn_alloc() family below): that is what lets one scenario run on
 * every allocator of fuzz/allocs.def.
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
 * in != NULL and ops is the run's adapter; checkpoints counts
 * scn_point() calls of this run.
 */
static struct {
	const struct scn_input *in;
	const struct lab_alloc_ops *ops;
	struct fault_injector fi;
	bool installed;
	unsigned long checkpoints;
	unsigned long progress;
	bool exhausted;		/* the mid-run exhaust happened */
} R;

/* ---- memory, through the adapter ------------------------------------ */

void *__scn_alloc(gfp_t gfp, unsigned int order, const struct lab_site *site)
{
	return R.ops->alloc(gfp, order, site);
}

void __scn_free(void *h, unsigned int order, const struct lab_site *site)
{
	R.ops->free(h, order, site);
}

void __scn_touch(void *h, const struct lab_site *site)
{
	if (R.ops->touch)
		R.ops->touch(h, site);
}

unsigned long scn_pfn(void *h)
{
	return R.ops->pfn ? R.ops->pfn(h) : ~0UL;
}

int scn_chan_init(int chan, enum chan_kind kind, unsigned int size)
{
	return R.ops->chan_init ? R.ops->chan_init(chan, kind, size) : -EOPNOTSUPP;
}

int __scn_give(int chan, void *h, unsigned int order, const struct lab_site *site)
{
	return R.ops->give(chan, h, order, site);
}

void *__scn_take(int chan, unsigned int *order, const struct lab_site *site)
{
	return R.ops->take(chan, order, site);
}

int scn_mempool_init(int pool, int min_nr, unsigned int order)
{
	return R.ops->pool_init ? R.ops->pool_init(pool, min_nr, order) : -EOPNOTSUPP;
}

void *scn_mempool_alloc(int pool, gfp_t gfp)
{
	return R.ops->pool_alloc(pool, gfp);
}

void scn_mempool_free(int pool, void *h)
{
	R.ops->pool_free(pool, h);
}

/* ---- actors and checkpoints ------------------------------------------ */

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
		if (R.ops->exhaust)
			R.ops->exhaust(ex->zone, ex->line);
		R.exhausted = true;
	}
	if (ex->release && n == (unsigned long)ex->at + ex->release) {
		sim_trace_note("scenario: release the ballast at checkpoint %lu", n);
		if (R.ops->release)
			R.ops->release();
	}
}

/*
 * The plan: the input's rules through faultinject; its exhaust at
 * install and kswapd hold through the adapter (faultinject's own
 * actions know only mm.h), in the order the plan's actions take:
 * exhaust, then kswapd. An allocator without them runs without.
 */
static int install_faults(const struct scn_input *in, struct scn_result *res)
{
	char text[FAULT_PLAN_TEXT_MAX], err[128];
	struct fault_plan plan;

	if (scn_fault_text(in, text, sizeof(text)) >= sizeof(text)) {
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
	if (in->exhaust.on && !in->exhaust.at && R.ops->exhaust) {
		sim_trace_note("scenario: exhaust %s to line %u at install",
			       zone_plan_names[in->exhaust.zone], in->exhaust.line);
		R.ops->exhaust(in->exhaust.zone, in->exhaust.line);
	}
	if (in->kswapd == SCN_KSWAPD_HOLD && R.ops->kswapd_hold)
		R.ops->kswapd_hold(true);
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
	struct ledger_counts lc;
	struct lab_owner who;
	unsigned long pfn;

	ledger_counts(&lc);	/* every frame any allocator reported */
	for (pfn = 0; pfn < lc.total; pfn++) {
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
	R.ops = cfg->ops ? cfg->ops : &lab_alloc_labyrinth;
	if (!R.ops->init_config) {
		snprintf(res->error, sizeof(res->error), "allocator %s cannot run scenarios",
			 R.ops->name);
		return res->setup_error = -EOPNOTSUPP, -1;
	}
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
	err = R.ops->init_config(&mc);
	if (err) {
		snprintf(res->error, sizeof(res->error), "%s: init: %d", R.ops->name, err);
		R.ops->exit();
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
		if (in->exhaust.on && R.ops->release)
			R.ops->release();
		if (R.ops->kswapd_hold)
			R.ops->kswapd_hold(false);
		if (R.ops->drain_channels)
			R.ops->drain_channels();
		ledger_end_of_run();
	}
	result(res, cfg);
out:
	if (R.installed)
		fault_uninstall(&R.fi);
	mm_set_fault_hook(NULL, NULL);
	if (s->teardown)
		s->teardown();
	R.ops->exit();
	mm_listen_reset();
	R.in = NULL;
	return err ? -1 : 0;
}
