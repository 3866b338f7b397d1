/* SPDX-License-Identifier: MIT */
/*
 * The ownership ledger: labyrinth's own record of where every page frame
 * is, kept from the allocator's events (struct mm_event) and from the
 * owners' touches, never from the allocator's metadata. Every frame is
 * in exactly one place:
 *
 *	free		on a buddy free list or a per-CPU list
 *	owned		held by one owner (cpu, context, actor)
 *	in flight	given into one channel, not yet taken
 *	pooled		in one mempool's reserve
 *	reclaimable	in the page-cache pool that reclaim drains
 *	ballast		held aside by fault injection
 *
 * A change of place that the rules forbid is reported through
 * check/report.h with the kinds double-own, use-after-free,
 * use-after-give, double-free, bad-free, leak and invariant. Each report
 * names both parties (the holder and the offender) with their context
 * and call sites, and the frame's recent history, as page_owner and
 * KASAN do. docs/ownership.md gives the rules and why.
 *
 * Life cycle, per run: ledger_init() (or ledger_reset() between runs),
 * ledger_attach() to listen to the allocator, ... the run ...,
 * ledger_end_of_run(), then ledger_detach()/ledger_exit(). No state
 * survives ledger_reset().
 */
#ifndef LABYRINTH_CHECK_LEDGER_H
#define LABYRINTH_CHECK_LEDGER_H

#include <stdbool.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>

enum ledger_place {
	LP_FREE,
	LP_OWNED,
	LP_FLIGHT,
	LP_POOLED,
	LP_CACHED,
	LP_BALLAST,
	LP_NR
};

const char *ledger_place_name(enum ledger_place p);

/* Frames per place. Invariant: the sum over places == total. */
struct ledger_counts {
	unsigned long place[LP_NR];
	unsigned long total;
};

/*
 * Start from nothing: every frame free, no history, counters zero.
 * nr_frames sizes the table (0: take mm_total_pages() at attach time;
 * the table also grows on demand when an event names a larger pfn).
 */
int ledger_init(unsigned long nr_frames);
void ledger_reset(void);
void ledger_exit(void);

/*
 * serial: every event and touch comes from one OS thread (the simulated
 * machine runs all CPUs on fibers of one thread). The ledger then skips
 * its lock and signal mask. Default false: safe on real threads, where
 * a simulated hardirq (a signal) may emit an event while the interrupted
 * thread is inside the ledger.
 */
void ledger_set_serial(bool serial);

/*
 * Frame memory, for stamps: fn returns the address of frame pfn, or NULL.
 * ledger_attach() installs page_address(pfn_to_page(pfn)); tests may put
 * their own arena here.
 */
void ledger_set_memory(void *(*fn)(unsigned long pfn, void *arg), void *arg);

/* The mm event listener; ledger_attach() registers it with mm_listen(). */
void ledger_event(const struct mm_event *ev, void *arg);

/*
 * Listen to the allocator (mm_listen) and learn its size; 0 or -errno.
 * Call it before mm_init() so the ledger sees the initial page-cache
 * fill (listeners survive mm_init()), then ledger_mm_ready() after it;
 * or after mm_init() when nothing but free frames exists yet
 * (-EAGAIN otherwise).
 */
int ledger_attach(void);
void ledger_mm_ready(void);

/*
 * Touch: the calling owner writes its stamp (pfn, actor, context,
 * ownership generation) into the frame's memory, after checking that the
 * stamp it left there last is intact. Touching a frame one does not own
 * is a use-after-free, a use-after-give or a double-own, reported
 * without writing. A stamp that another owner overwrote is a double-own:
 * two owners really got the same memory.
 */
void __ledger_touch(struct page *page, const struct lab_site *site);
#define ledger_touch(page)	__ledger_touch((page), LAB_SITE)
/* The same, for a frame number and an explicit owner (synthetic tests). */
void ledger_touch_pfn(unsigned long pfn, struct lab_owner who,
		      const struct lab_site *site);

/*
 * An actor has finished for good: whatever it still owns is unreachable
 * (it held the only pointer), so each such block is a leak, reported now.
 * Returns the number of leaked blocks.
 */
int ledger_actor_exit(int actor);

/*
 * End of a run (every actor done, the machine quiescent): frames still
 * in flight are leaks (nobody can take them any more); frames owned by an
 * actor that ledger_actor_exit() retired are leaks; conservation is
 * checked against mm_census() and mm_zone_info() when attached. Returns
 * the number of reports it made.
 */
int ledger_end_of_run(void);

/* Structural self-check: counters == recount of the table, sum == total. */
bool ledger_is_valid(void);

/*
 * Conservation against the allocator: the ledger's counts equal
 * mm_census() place by place and add up to mm_total_pages(). Sound only
 * when no CPU is inside the allocator (the census and the events are
 * not one atomic snapshot). Reports "invariant" and returns false on a
 * mismatch.
 */
bool ledger_check_census(void);

/* Introspection. */
void ledger_counts(struct ledger_counts *out);
enum ledger_place ledger_place_of(unsigned long pfn);
bool ledger_owner_of(unsigned long pfn, struct lab_owner *out);
/* Frames the ledger holds free in a zone (-1: all); see oracle.c. */
long ledger_zone_free(int zone);
/* Events seen since init/reset. */
unsigned long ledger_seq(void);

/* "GFP_ATOMIC|__GFP_NOWARN"-style name of a mask, into buf. */
const char *ledger_gfp_str(gfp_t gfp, char *buf, size_t len);

#endif
