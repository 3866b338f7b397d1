// SPDX-License-Identifier: MIT
/*
 * The reserve oracle: see oracle.h and docs/ownership.md.
 *
 * What it judges, event by event:
 *
 *  MM_EV_WMARK	(1) the reserve bits used are ones this gfp may get in
 *		this context (oracle_entitled());
 *		(2) the mark and lowmem_reserve are the zone's (read once
 *		after mm_init(): they are constants of the run);
 *		(3) the verdict is what __zone_watermark_ok() gives for the
 *		values the allocator read: exactly for order 0; for higher
 *		orders a refusal is accepted when the free-block part may
 *		have failed (the event does not carry the free lists);
 *		(4) serial mode: free_pages is no more than the frames the
 *		ownership ledger holds free in that zone.
 *  MM_EV_ALLOC	the attempt had a check that allowed it in that zone
 *		(ok, or NO_WATERMARKS).
 *  MM_EV_ALLOC_FAIL	when every check of the attempt refused: every zone of
 *		the zonelist was checked at MIN with the caller's full
 *		rights (gfp_to_alloc_flags()). A failure after a check
 *		that allowed it is not judged (a racing CPU or an injected
 *		refill failure took the pages); nor one with no check at
 *		all (an injected failure at the entry).
 *  MM_EV_SLEEP	a gfp without __GFP_DIRECT_RECLAIM never waits.
 *
 * An attempt is everything one context (actor, ctx) emits between two
 * of its ALLOC/ALLOC_FAIL events.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include "check/oracle.h"
#include "check/ledger.h"
#include "check/report.h"
#include "check/checker_lock.h"

/* NOTSAN, TSAN_IGNORE_*, checker_lock(): check/checker_lock.h */
#define ORC_ACTORS	128

/*
 * One context's allocation attempt in progress.
 * Invariant: refused_full and granted are subsets of the zones checked.
 */
struct attempt {
	gfp_t gfp;
	unsigned int order;
	unsigned int nr_checks;		/* WMARK events of the attempt */
	unsigned int checked;		/* zones checked (bit per zone) */
	unsigned int granted;		/* zones whose check allowed it */
	unsigned int refused_full;	/* zones refused at MIN, full rights */
};

struct orc_zone {
	unsigned long managed;		/* 0: no such zone (or not known) */
	unsigned long wmark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
};

/* All oracle state; oracle_reset() clears what a run leaves. */
static struct {
	int lock;
	bool serial;
	bool attached;
	long skew;
	struct orc_zone zone[MAX_NR_ZONES];
	struct attempt att[ORC_ACTORS][LAB_CTX_NR];
	struct oracle_stats st;
} O;

/* ---- the model ------------------------------------------------------ */

/*
 * gfp_to_alloc_flags(), mm/page_alloc.c (v6.4+): __GFP_HIGH is
 * ALLOC_MIN_RESERVE; a caller that cannot reclaim directly gets
 * ALLOC_NON_BLOCK unless __GFP_NOMEMALLOC, and with it, for order > 0,
 * ALLOC_HIGHATOMIC. (DESIGN.md also asks __GFP_HIGH for HIGHATOMIC; a
 * narrower grant is never a violation, so the oracle keeps the kernel's
 * wider rule as the bound.)
 */
unsigned int oracle_gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int f = 0;	/* ALLOC_WMARK_MIN */

	if (gfp & __GFP_HIGH)
		f |= ORC_MIN_RESERVE;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		f |= ORC_KSWAPD;
	if (!(gfp & __GFP_DIRECT_RECLAIM) && !(gfp & __GFP_NOMEMALLOC)) {
		f |= ORC_NON_BLOCK;
		if (order > 0)
			f |= ORC_HIGHATOMIC;
	}
	return f;
}

/*
 * The union of every stage's rights:
 *  - gfp_to_alloc_flags();
 *  - __gfp_pfmemalloc_flags(): __GFP_MEMALLOC without __GFP_NOMEMALLOC
 *    ignores watermarks; an OOM victim (oom_reserves_allowed(), never in
 *    interrupt) gets ALLOC_OOM, and only a blocking caller gets that far
 *    (__alloc_pages_may_oom() follows direct reclaim);
 *  - __alloc_pages_cpuset_fallback() for __GFP_NOFAIL (blocking only):
 *    ALLOC_MIN_RESERVE.
 */
unsigned int oracle_entitled(gfp_t gfp, unsigned int order, int ctx)
{
	unsigned int f = oracle_gfp_to_alloc_flags(gfp, order);
	bool blocking = gfp & __GFP_DIRECT_RECLAIM;

	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
		f |= ORC_NO_WATERMARKS;
	if (blocking && !(gfp & __GFP_NOMEMALLOC) && ctx == LAB_CTX_TASK)
		f |= ORC_OOM;
	if (blocking && (gfp & __GFP_NOFAIL))
		f |= ORC_MIN_RESERVE;
	return f;
}

/* __zone_watermark_ok(): MIN_RESERVE halves, NON_BLOCK a further quarter, OOM halves. */
long oracle_min_line(long mark, unsigned int alloc_flags)
{
	long min = mark;

	if (alloc_flags & ORC_RESERVES) {
		if (alloc_flags & ORC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ORC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ORC_OOM)
			min -= min / 2;
	}
	return min;
}

/*
 * __zone_watermark_unusable_free() and the order-0 test of
 * __zone_watermark_ok(): the (1 << order) - 1 pages a split leaves
 * behind, and the free highatomic pages when the caller has no reserve
 * right, do not count; fail when free <= min + lowmem_reserve.
 */
bool oracle_watermark_ok(long free_pages, long free_highatomic, unsigned int order,
			 long mark, long lowmem_reserve, unsigned int alloc_flags)
{
	long unusable = (1L << order) - 1;

	if (!(alloc_flags & ORC_RESERVES))
		unusable += free_highatomic;
	return free_pages - unusable > oracle_min_line(mark, alloc_flags) + lowmem_reserve;
}

/* gfp_zone(): __GFP_DMA restricts to ZONE_DMA. */
static int orc_gfp_zone(gfp_t gfp)
{
	return (gfp & __GFP_DMA) ? ZONE_DMA : ZONE_NORMAL;
}

/* ---- state ---------------------------------------------------------- */

NOTSAN static void orc_lock(sigset_t *old)
{
	checker_lock(&O.lock, O.serial, old);
}

NOTSAN static void orc_unlock(sigset_t *old)
{
	checker_unlock(&O.lock, O.serial, old);
}

void oracle_init(void)
{
	bool serial = O.serial;

	memset(&O, 0, sizeof(O));
	O.serial = serial;
}

NOTSAN void oracle_reset(void)
{
	memset(O.att, 0, sizeof(O.att));
	memset(&O.st, 0, sizeof(O.st));
	O.skew = 0;
}

void oracle_set_serial(bool serial)
{
	O.serial = serial;
}

void oracle_set_zone(int zone, unsigned long managed,
		     const unsigned long wmark[NR_WMARK],
		     const long lowmem_reserve[MAX_NR_ZONES])
{
	if (zone < 0 || zone >= MAX_NR_ZONES)
		return;
	O.zone[zone].managed = managed;
	memcpy(O.zone[zone].wmark, wmark, sizeof(O.zone[zone].wmark));
	memcpy(O.zone[zone].lowmem_reserve, lowmem_reserve,
	       sizeof(O.zone[zone].lowmem_reserve));
}

void oracle_mm_ready(void)
{
	struct mm_zone_info zi;
	int z;

	for (z = 0; z < MAX_NR_ZONES; z++) {
		if (mm_zone_info(z, &zi)) {
			O.zone[z].managed = 0;
			continue;
		}
		oracle_set_zone(z, zi.managed, zi.wmark, zi.lowmem_reserve);
	}
}

int oracle_attach(void)
{
	int err = mm_listen(oracle_event, NULL);

	if (err < 0)
		return err;
	O.attached = true;
	if (mm_total_pages())
		oracle_mm_ready();
	return 0;
}

void oracle_debug_skew_mark(long delta)
{
	O.skew = delta;
}

void oracle_stats(struct oracle_stats *out)
{
	*out = O.st;
}

static struct attempt *attempt_of(struct lab_owner who)
{
	if (who.actor < 0 || who.actor >= ORC_ACTORS ||
	    who.ctx < 0 || who.ctx >= LAB_CTX_NR)
		return NULL;
	return &O.att[who.actor][who.ctx];
}

/* ---- reports -------------------------------------------------------- */

static const char *flags_str(unsigned int f, char *buf, size_t len)
{
	static const char *const wm[] = { "WMARK_MIN", "WMARK_LOW", "WMARK_HIGH", "WMARK_?" };
	size_t n = snprintf(buf, len, "%s", wm[f & ORC_WMARK_MASK]);

#define F(bit, name) \
	if ((f & (bit)) && n < len) n += snprintf(buf + n, len - n, "|%s", name)
	F(ORC_NO_WATERMARKS, "NO_WATERMARKS");
	F(ORC_OOM, "OOM");
	F(ORC_NON_BLOCK, "NON_BLOCK");
	F(ORC_MIN_RESERVE, "MIN_RESERVE");
	F(ORC_HIGHATOMIC, "HIGHATOMIC");
	F(ORC_KSWAPD, "KSWAPD");
#undef F
	return buf;
}

static void print_caller(const struct mm_event *ev)
{
	char g[200];

	report_printf("caller: cpu %d, %s, actor %s (%d)\n", ev->who.cpu,
		      lab_ctx_name(ev->who.ctx), lab_actor_name(ev->who.actor),
		      ev->who.actor);
	report_printf("gfp_mask: %#x(%s), order: %u\n", ev->gfp,
		      ledger_gfp_str(ev->gfp, g, sizeof(g)), ev->order);
	if (ev->site)
		report_printf("  at %s:%d in %s()\n", ev->site->file,
			      ev->site->line, ev->site->func);
}

/* The decision, with the arithmetic spelled out. */
static void print_decision(const struct mm_event *ev, long mark)
{
	char a[160], e[160];
	unsigned int ent = oracle_entitled(ev->gfp, ev->order, ev->who.ctx);
	long unusable = (1L << ev->order) - 1 +
		(ev->alloc_flags & ORC_RESERVES ? 0 : ev->free_highatomic);
	long line = oracle_min_line(mark, ev->alloc_flags);

	report_printf("zone %d: free_pages %ld, free_highatomic %ld, mark %ld, lowmem_reserve %ld\n",
		      ev->zone, ev->free_pages, ev->free_highatomic, mark,
		      ev->lowmem_reserve);
	report_printf("alloc_flags used: %#x(%s)\n", ev->alloc_flags,
		      flags_str(ev->alloc_flags, a, sizeof(a)));
	report_printf("alloc_flags this gfp may get here: %#x(%s)\n", ent,
		      flags_str(ent, e, sizeof(e)));
	report_printf("line: min %ld -> %ld; allowed iff free %ld - unusable %ld > %ld + lowmem_reserve %ld\n",
		      mark, line, ev->free_pages, unusable, line,
		      ev->lowmem_reserve);
}

static void reserve_begin(const struct mm_event *ev, const char *fallback,
			  const char *what)
{
	const char *fn = ev->site ? ev->site->func : fallback;

	report_begin(REPORT_RESERVE, fn, ev->who.ctx);
	report_printf("BUG: labyrinth: reserve violation in %s: %s\n", fn, what);
	print_caller(ev);
}

/* ---- judging -------------------------------------------------------- */

static void judge_wmark(const struct mm_event *ev)
{
	unsigned int ent = oracle_entitled(ev->gfp, ev->order, ev->who.ctx);
	unsigned int extra = ev->alloc_flags & (ORC_RESERVES | ORC_NO_WATERMARKS) & ~ent;
	const struct orc_zone *z = ev->zone >= 0 && ev->zone < MAX_NR_ZONES ?
		&O.zone[ev->zone] : NULL;
	long mark = ev->mark + O.skew;
	bool model = oracle_watermark_ok(ev->free_pages, ev->free_highatomic,
					 ev->order, mark, ev->lowmem_reserve,
					 ev->alloc_flags);
	struct attempt *at = attempt_of(ev->who);
	unsigned int zbit = z ? 1u << ev->zone : 0;

	O.st.wmark++;
	if (extra) {
		char b[160];

		reserve_begin(ev, "__zone_watermark_ok",
			      "reserve rights this gfp does not have");
		report_printf("rights not granted to this gfp in this context: %#x(%s)\n",
			      extra, flags_str(extra, b, sizeof(b)));
		print_decision(ev, mark);
		report_end();
	} else if (z && z->managed &&
		   ((unsigned long)mark != z->wmark[ev->alloc_flags & ORC_WMARK_MASK] ||
		    ev->lowmem_reserve != z->lowmem_reserve[orc_gfp_zone(ev->gfp)])) {
		reserve_begin(ev, "__zone_watermark_ok",
			      "checked against a line that is not the zone's");
		report_printf("zone %d watermark[%u] is %lu, lowmem_reserve[%d] is %ld\n",
			      ev->zone, ev->alloc_flags & ORC_WMARK_MASK,
			      z->wmark[ev->alloc_flags & ORC_WMARK_MASK],
			      orc_gfp_zone(ev->gfp),
			      z->lowmem_reserve[orc_gfp_zone(ev->gfp)]);
		print_decision(ev, mark);
		report_end();
	} else if ((ev->ok && !model) || (!ev->ok && model && !ev->order)) {
		reserve_begin(ev, "__zone_watermark_ok", ev->ok ?
			      "allowed below the line its gfp may reach" :
			      "refused although its gfp may go this low");
		print_decision(ev, mark);
		report_printf("allocator said: %s; the watermark rules say: %s\n",
			      ev->ok ? "ok" : "fail", model ? "ok" : "fail");
		report_end();
	} else if (O.serial && z && z->managed &&
		   (ev->free_highatomic < 0 || ev->free_highatomic > ev->free_pages ||
		    ev->free_pages > ledger_zone_free(ev->zone))) {
		reserve_begin(ev, "__zone_watermark_ok",
			      "the free count it decided on is not the zone's");
		report_printf("the ownership ledger holds at most %ld frames free in zone %d\n",
			      ledger_zone_free(ev->zone), ev->zone);
		print_decision(ev, mark);
		report_end();
	}

	if (!at)
		return;
	if (at->nr_checks && (at->gfp != ev->gfp || at->order != ev->order))
		memset(at, 0, sizeof(*at));
	at->gfp = ev->gfp;
	at->order = ev->order;
	at->nr_checks++;
	at->checked |= zbit;
	if (ev->ok || (ev->alloc_flags & ORC_NO_WATERMARKS))
		at->granted |= zbit;
	else if ((ev->alloc_flags & ORC_WMARK_MASK) == 0) {
		unsigned int need = oracle_gfp_to_alloc_flags(ev->gfp, ev->order) &
				    (ORC_MIN_RESERVE | ORC_NON_BLOCK);

		if ((ev->alloc_flags & need) == need)
			at->refused_full |= zbit;
	}
}

/* The zones of gfp's zonelist that exist: NORMAL then DMA, or DMA alone. */
static unsigned int zonelist_mask(gfp_t gfp)
{
	unsigned int m = 0;
	int z;

	for (z = orc_gfp_zone(gfp); z >= 0; z--)
		if (O.zone[z].managed)
			m |= 1u << z;
	return m;
}

static void judge_fail(const struct mm_event *ev)
{
	struct attempt *at = attempt_of(ev->who);
	unsigned int need;

	if (!at)
		return;
	need = zonelist_mask(ev->gfp);
	if (!at->nr_checks || at->granted || !need || ev->order > MAX_PAGE_ORDER) {
		O.st.fail_unjudged++;
		goto out;
	}
	O.st.fail_judged++;
	if ((at->refused_full & need) != need) {
		char b[160];
		unsigned int full = oracle_gfp_to_alloc_flags(ev->gfp, ev->order);

		reserve_begin(ev, "__alloc_pages",
			      "failed without trying the reserves it is entitled to");
		report_printf("rights of this gfp at the min watermark: %#x(%s)\n",
			      full, flags_str(full, b, sizeof(b)));
		report_printf("zones of its zonelist: %#x; checked: %#x; refused at WMARK_MIN with full rights: %#x\n",
			      need, at->checked, at->refused_full);
		report_end();
	}
out:
	memset(at, 0, sizeof(*at));
}

static void judge_alloc(const struct mm_event *ev)
{
	struct attempt *at = attempt_of(ev->who);

	if (!at)
		return;
	O.st.alloc++;
	if (ev->zone >= 0 && ev->zone < MAX_NR_ZONES && O.zone[ev->zone].managed &&
	    !(at->granted & (1u << ev->zone))) {
		reserve_begin(ev, "__alloc_pages",
			      "allocated from a zone no watermark check allowed");
		report_printf("page: pfn 0x%lx order %u from zone %d; checks in this attempt: %u, zones allowed: %#x\n",
			      ev->pfn, ev->order, ev->zone, at->nr_checks, at->granted);
		report_end();
	}
	memset(at, 0, sizeof(*at));
}

/*
 * A gfp without __GFP_DIRECT_RECLAIM must return NULL rather than wait,
 * whatever the context: in a preemptible task the atomic-sleep detector
 * says nothing, but the caller asked not to block (it may hold a lock
 * others spin on, or be on a path that must make progress).
 */
static void judge_sleep(const struct mm_event *ev)
{
	O.st.sleep++;
	if (gfpflags_allow_blocking(ev->gfp))
		return;
	/* A wait with a pool id is mempool_alloc()'s; else the page allocator's. */
	reserve_begin(ev, ev->chan >= 0 ? "mempool_alloc" : "__alloc_pages_slowpath",
		      "a non-blocking allocation waited");
	report_printf("no __GFP_DIRECT_RECLAIM: it must return NULL at once, never sleep\n");
	report_end();
}

NOTSAN void oracle_event(const struct mm_event *ev, void *arg)
{
	sigset_t old;

	switch (ev->kind) {
	case MM_EV_WMARK:
	case MM_EV_ALLOC_FAIL:
	case MM_EV_ALLOC:
	case MM_EV_SLEEP:
		break;
	default:
		return;
	}
	orc_lock(&old);
	switch (ev->kind) {
	case MM_EV_WMARK:
		judge_wmark(ev);
		break;
	case MM_EV_ALLOC_FAIL:
		judge_fail(ev);
		break;
	case MM_EV_ALLOC:
		judge_alloc(ev);
		break;
	case MM_EV_SLEEP:
		judge_sleep(ev);
		break;
	default:
		break;
	}
	orc_unlock(&old);
}
