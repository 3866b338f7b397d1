/* SPDX-License-Identifier: MIT */
/*
 * fault.h: fault injection for the allocator under test.
 *
 * Modeled on the kernel's fault-injection framework
 * (Documentation/fault-injection/fault-injection.rst, lib/fault-inject.c,
 * mm/fail_page_alloc.c) and on SQLite's fault simulator: all state lives
 * in one struct fault_injector, one decision function
 * (fault_should_fail()) decides every call, and the injector wraps the
 * allocator through the one hook mm_set_fault_hook() of mm.h -- nothing
 * in allocator/ knows about it.
 *
 * A plan is text, one syntax everywhere (program plan section, command
 * line, LABYRINTH_FAULT): comma-separated key=value lists, several
 * separated by ';'. docs/faultinject.md lists every key.
 *
 *	fail-nth=3,actor=irq0
 *	probability=10,interval=2,times=5,ignore-gfp-wait,min-order=1,ctx=hardirq,seed=7
 *	exhaust=NORMAL:atomic
 */
#ifndef LABYRINTH_FAULTINJECT_FAULT_H
#define LABYRINTH_FAULTINJECT_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/fault_sites.h>

#define FAULT_MAX_SPECS		8	/* ';'-separated parts of one plan */
#define FAULT_NAME_LEN		24	/* actor names, with the NUL */
#define FAULT_MAX_BENIGN	16	/* actors in a benign region at once */
#define FAULT_PLAN_TEXT_MAX	8192	/* > the longest formatted plan, NUL included */

/* ---- plans ------------------------------------------------------- */

/*
 * The named lines reserve exhaustion drains a zone to, highest first.
 * Each is a free-page count L computed from mm_zone_info() with the
 * __zone_watermark_ok() arithmetic; the zone is left with exactly L free
 * pages, and "free <= L" is the test that fails for the class the line
 * belongs to (docs/faultinject.md gives each formula).
 */
enum fault_line {
	FAULT_LINE_HIGH,	/* kswapd's balance test fails */
	FAULT_LINE_LOW,		/* the fast path (ALLOC_WMARK_LOW) fails */
	FAULT_LINE_MIN,		/* the slow path fails for callers without reserves */
	FAULT_LINE_ATOMIC,	/* GFP_ATOMIC (MIN_RESERVE|NON_BLOCK) fails */
	FAULT_LINE_HIGHATOMIC,	/* only HIGHATOMIC pageblocks keep free pages */
	FAULT_LINE_ZERO,	/* nothing free */
	FAULT_LINE_NR
};

/* kswapd action of a plan part. */
enum fault_kswapd {
	FAULT_KSWAPD_LEAVE,	/* do not touch */
	FAULT_KSWAPD_HOLD,	/* mm_kswapd_hold(true): wake-ups recorded, no reclaim */
	FAULT_KSWAPD_RUN,	/* mm_kswapd_hold(false): let it run (late) */
};

/*
 * What one rule fails. Filters select the calls a rule looks at; a call
 * that passes them is "admitted" and counts toward fail-nth, space,
 * interval and probability, in that order (should_fail_ex(),
 * lib/fault-inject.c). Invariant: probability <= 100; interval >= 1;
 * times >= -1; ctx_mask < (1 << LAB_CTX_NR); actor == -1 or
 * actor_name[0] == '\0'.
 */
struct fault_rule {
	/* filters (__should_fail_alloc_page(), mm/fail_page_alloc.c) */
	bool ignore_gfp_wait;		/* skip callers with __GFP_DIRECT_RECLAIM */
	bool ignore_gfp_highmem;	/* skip callers with __GFP_HIGHMEM */
	unsigned int min_order;		/* skip orders below this */
	unsigned int ctx_mask;		/* 1 << LAB_CTX_*; 0: every context */
	int actor;			/* actor id, -1: any */
	char actor_name[FAULT_NAME_LEN]; /* actor by lab_actor_name(), "": any */
	int cpu;			/* -1: any */
	unsigned long site_mask;	/* 1 << FAULT_SITE_*; 0: alloc_pages only */
	/* fail-nth (/proc/<pid>/fail-nth) */
	unsigned long fail_nth;		/* fail the Nth admitted call; 0: off */
	bool persist;			/* ... and every admitted call after it */
	/* attributes (debugfs fail_page_alloc/) */
	long space;			/* pages to let through before failing */
	unsigned long interval;		/* fail every interval-th call reaching it */
	unsigned int probability;	/* percent */
	long times;			/* failures left; -1: no limit */
	unsigned int verbose;		/* 0 quiet, 1 a line per failure */
	uint64_t seed;			/* of the probability PRNG */
};

/*
 * One ';'-separated part of a plan: a rule, actions run at install, or
 * both. Invariant: has_rule or an action is set; exhaust_zone in
 * [-2, MAX_NR_ZONES) where -1 is every zone and -2 none.
 */
struct fault_spec {
	bool has_rule;
	struct fault_rule rule;
	int exhaust_zone;		/* -2: no exhaust; -1: all zones */
	enum fault_line exhaust_line;
	int exhaust_classzone;		/* highest_zoneidx of the class; -1: highest zone */
	bool drain_pcp;			/* drain_all_pages() at install */
	enum fault_kswapd kswapd;
};

/* The part acts at install (exhaust, drain-pcp, kswapd), on mm.h's allocator. */
static inline bool fault_spec_has_action(const struct fault_spec *s)
{
	return s->exhaust_zone > -2 || s->drain_pcp || s->kswapd != FAULT_KSWAPD_LEAVE;
}

/* A parsed plan. Invariant: 0 <= nr <= FAULT_MAX_SPECS. */
struct fault_plan {
	int nr;
	struct fault_spec spec[FAULT_MAX_SPECS];
};

/* A rule with every filter open and the defaults of docs/faultinject.md. */
void fault_rule_init(struct fault_rule *r);
void fault_plan_init(struct fault_plan *p);	/* the empty plan */
/* Append a rule as a new part; -ENOSPC when full. */
int fault_plan_add_rule(struct fault_plan *p, const struct fault_rule *r);

/*
 * Parse text into out. 0 on success; -EINVAL on bad text with a message
 * "at N: what" (N is the 0-based byte offset) in err. Never crashes on
 * any input; an empty text is the empty plan.
 */
int fault_plan_parse(const char *text, struct fault_plan *out, char *err, size_t errlen);
/* Canonical text of p (parses back to an equal plan); returns the length
 * snprintf() would, so a short buffer is detectable. */
int fault_plan_format(const struct fault_plan *p, char *buf, size_t len);
/* The plan in $LABYRINTH_FAULT: 0 (empty plan if unset), or -EINVAL. */
int fault_plan_from_env(struct fault_plan *out, char *err, size_t errlen);
bool fault_plan_equal(const struct fault_plan *a, const struct fault_plan *b);
/* The invariants above; only ever called inside DEBUG_CHECK(). */
bool fault_plan_is_valid(const struct fault_plan *p);

const char *fault_site_name(int site);	/* "alloc_pages", ... or "site?" */
const char *fault_line_name(enum fault_line l);	/* "high", ..., "zero" */

/* ---- the injector ------------------------------------------------ */

/* Counts. Invariant: filtered + admitted == calls; benign <= failed. */
struct fault_counts {
	unsigned long calls;		/* decisions asked (site 0, forced ones excluded) */
	unsigned long filtered;		/* no rule admitted the call */
	unsigned long admitted;		/* at least one rule admitted it */
	unsigned long failed;		/* failures injected */
	unsigned long benign;		/* ... of which inside a benign region */
};

/*
 * A rule's running state, reset by fault_injector_init(). Invariant:
 * nth_seen <= rule.fail_nth unless nth_fired; times == -1 or >= 0.
 */
struct fault_rule_state {
	struct fault_counts n;
	unsigned long nth_seen;		/* admitted calls counted for fail-nth */
	bool nth_fired;			/* the Nth has failed */
	long space;			/* budget left, pages */
	unsigned long count;		/* calls that reached the interval test */
	long times;			/* failures left, -1: no limit */
	uint64_t rng;			/* PRNG state (splitmix64) */
};

/* One injected failure, for reports and the sweep. */
struct fault_record {
	unsigned long call;		/* 1-based index among all calls */
	int site;
	gfp_t gfp;
	unsigned int order;
	struct lab_owner who;
	int spec;			/* which part of the plan failed it */
};

typedef void (*fault_verbose_fn)(const char *line, void *arg);
typedef struct lab_owner (*fault_current_fn)(void);

/*
 * All fault-injection state of one run. Invariant: total.calls ==
 * total.filtered + total.admitted; for every part i with a rule,
 * st[i].n.calls == the calls since it was added (total.calls for the
 * plan's own parts); reported + unreported <= injected alloc_pages
 * failures; lock is 0 outside the functions below.
 */
struct fault_injector {
	struct fault_plan plan;
	struct fault_rule_state st[FAULT_MAX_SPECS];
	struct fault_counts total;
	unsigned long selftest;		/* site-0 faults fired (install self-tests) */
	unsigned long nofail;		/* __GFP_NOFAIL calls never failed */
	struct fault_record last;	/* valid when total.failed > 0 */
	struct fault_record first;	/* valid when total.failed > 0 */
	struct {
		int actor;
		int depth;
	} benign[FAULT_MAX_BENIGN];	/* open benign regions, by actor */
	struct {
		struct lab_owner who;
		bool set;
	} pending[FAULT_MAX_BENIGN];	/* injected alloc_pages failures owed a NULL */
	unsigned long reported;		/* ... that reached the caller (MM_EV_ALLOC_FAIL) */
	unsigned long unreported;	/* ... answered with a page instead: a bug */
	int force_actor;		/* fail every call of this actor; -1: none */
	fault_current_fn current;	/* context source, lab_current() by default */
	fault_verbose_fn verbose_fn;	/* NULL: printk at KERN_NOTICE, as fail_dump() */
	void *verbose_arg;
	/*
	 * Every decision comes from one OS thread whose contexts switch only
	 * at scheduling points (the simulated machine): skip the IRQ save
	 * and the lock, so an installed plan adds no scheduling point and
	 * no trace event to the run. Set it after fault_injector_init().
	 */
	bool serial;
	bool installed;
	long ballast;			/* ballast frames after the plan's exhausts */
	bool kswapd_held;		/* the plan holds kswapd */
	int lock;			/* guards all of the above while deciding */
};

/* Reset fi and load plan p (NULL: the empty plan, nothing fails). */
void fault_injector_init(struct fault_injector *fi, const struct fault_plan *p);

/*
 * THE decision: should this allocation attempt fail? site is a
 * FAULT_SITE_*; the caller's context comes from fi->current. Safe from
 * any context and any thread. __GFP_NOFAIL is never failed; site 0
 * always fails (the self-test) and is counted apart.
 */
bool fault_should_fail(struct fault_injector *fi, int site, gfp_t gfp, unsigned int order);

/*
 * Add a rule while fi is live (a program's "fail the next N" op is
 * fail-nth=1,persist,times=N); it sees calls from the next one on.
 * Returns its index, or -ENOSPC.
 */
int fault_add_rule(struct fault_injector *fi, const struct fault_rule *r);

/*
 * The caller-side check, an mm_listen() listener (arg: the injector, or
 * NULL for the installed one; register it once, listeners outlive
 * mm_init()). Every alloc_pages() failure injected for a context must
 * come back from the allocator as MM_EV_ALLOC_FAIL for that context
 * (counted in reported); an MM_EV_ALLOC instead means the allocator
 * handed out a page the hook failed (counted in unreported).
 */
void fault_mm_event(const struct mm_event *ev, void *arg);

/*
 * Install fi as the allocator's fault hook, run the plan's actions
 * (exhaust, drain-pcp, kswapd) and self-test: a fault at site 0 must
 * fire through the installed hook and be counted. 0, or -errno with a
 * message in err (fi is then not installed and the actions are undone).
 * mm_init() must have run.
 */
int fault_install(struct fault_injector *fi, char *err, size_t errlen);
/* Remove the hook and undo the plan's actions (ballast, kswapd hold). */
void fault_uninstall(struct fault_injector *fi);
struct fault_injector *fault_installed(void);	/* NULL if none */

/*
 * Benign regions (SQLite's sqlite3BeginBenignMalloc()): failures the
 * current actor sees inside one are counted as benign, code there may
 * legally see a failure. They nest; no-ops when nothing is installed.
 */
void fault_benign_begin(void);
void fault_benign_end(void);

/* ---- reserve exhaustion (exhaust.c) --------------------------------- */

/* The lines of one zone for a request whose highest zone is classzone. */
struct fault_lines {
	long line[FAULT_LINE_NR];
	long lowmem_reserve;		/* the zone's lowmem_reserve[classzone] */
	long free_highatomic;		/* free pages in HIGHATOMIC blocks, when read */
};

/* Compute the lines from mm_zone_info(); classzone -1: the highest zone. */
int fault_zone_lines(int zone, int classzone, struct fault_lines *out);
/*
 * Drain zone (-1: every zone of the class) to a line: per-CPU lists are
 * drained first (not from interrupt context), then frames go to the
 * ballast until NR_FREE_PAGES equals the line. Returns the frames the
 * ballast holds afterwards (>= 0, all zones), -ENOSPC if a zone was
 * below its line and its ballast could not give enough back, -EINVAL
 * on bad arguments.
 * Callable from any actor at any point.
 */
long fault_exhaust(int zone, enum fault_line line, int classzone);
long fault_exhaust_release(int zone);	/* mm_ballast_release() */

/*
 * Drain a mempool's reserve: take every element of pool's reserve with
 * mempool_alloc(pool, GFP_ATOMIC) while the element allocator is made
 * to fail for the calling actor, so the elements leave through the
 * mempool's own path (events, ownership) and belong to the caller.
 * Returns how many were taken into hold[] (at most max), -EBUSY if
 * another actor is draining. With no injector installed it sets a
 * temporary hook and clears the hook afterwards: a driver that wraps
 * the hook with its own installs an injector (an empty plan will do)
 * first.
 */
int fault_mempool_drain(mempool_t *pool, void **hold, int max);
/* Give them back with mempool_free(); returns how many. */
int fault_mempool_refill(mempool_t *pool, void **hold, int nr);

/* ---- sweep (sweep.c) ------------------------------------------------ */

enum fault_sweep_mode {
	FAULT_SWEEP_TRANSIENT,		/* fail only the Nth call */
	FAULT_SWEEP_PERSISTENT,		/* fail the Nth and every later call */
};

/*
 * One run of a sweep. The scenario sets up the machine, sets
 * fi->serial if it runs on the simulated machine, calls
 * fault_install(fi) once the allocator is up, runs, judges itself with
 * the detectors (fault_leaked_frames() until the ledger lands) and
 * returns its verdict: 0 clean, anything else a violation.
 */
typedef int (*fault_run_fn)(struct fault_injector *fi, void *arg);

struct fault_sweep_outcome {
	unsigned long n;		/* the call that was failed first */
	enum fault_sweep_mode mode;
	bool reached;			/* the run made at least n admitted calls */
	int verdict;			/* run_fn's return value */
	unsigned long unreported;	/* injected failures answered with a page */
	unsigned long failed;		/* failures injected in this run */
	struct fault_record first;	/* the Nth call, valid if reached */
};

typedef void (*fault_sweep_cb)(const struct fault_sweep_outcome *o, void *arg);

/*
 * Re-run run for n = 1, 2, ... failing the nth admitted call (filters
 * from filter, NULL: every call) until a run ends with no fault
 * reached, or max_n runs (0: 100000). report is called for each n
 * whose verdict is non-zero or whose injected failure did not reach
 * its caller (fault_mm_event() registered), also for the last run.
 * Returns the number of violating runs, -EINVAL if run never installed
 * the injector, -E2BIG if max_n was hit.
 */
long fault_sweep(fault_run_fn run, void *arg, enum fault_sweep_mode mode,
		 const struct fault_rule *filter, unsigned long max_n,
		 fault_sweep_cb report, void *cb_arg);

/*
 * Frames a scenario still holds that it should have freed: owned + in
 * flight (mm_census()). The leak judge until check/'s ledger lands.
 */
unsigned long fault_leaked_frames(void);

#endif /* LABYRINTH_FAULTINJECT_FAULT_H */
