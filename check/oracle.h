/* SPDX-License-Identifier: MIT */
/*
 * The reserve oracle: a small model of what the watermark rules of
 * Linux v6.x allow a caller, written from the kernel's rules (DESIGN.md
 * section 4) and not from the allocator's code, that judges the
 * allocator at its own decision points (MM_EV_WMARK), at every failure
 * (MM_EV_ALLOC_FAIL), every success (MM_EV_ALLOC) and every wait
 * (MM_EV_SLEEP). Violations are "reserve" reports. docs/ownership.md
 * says what is judged exactly, what cannot be under concurrency, and
 * why judging at the linearization point is sound.
 */
#ifndef LABYRINTH_CHECK_ORACLE_H
#define LABYRINTH_CHECK_ORACLE_H

#include <stdbool.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>

/* alloc_flags with the values of mm/internal.h (v6.x). */
#define ORC_WMARK_MASK		0x03
#define ORC_NO_WATERMARKS	0x04
#define ORC_OOM			0x08
#define ORC_NON_BLOCK		0x10
#define ORC_MIN_RESERVE		0x20
#define ORC_HIGHATOMIC		0x200
#define ORC_KSWAPD		0x800
#define ORC_RESERVES	(ORC_NON_BLOCK | ORC_MIN_RESERVE | ORC_HIGHATOMIC | ORC_OOM)

/* ---- the model (pure functions) ------------------------------------ */

/* gfp_to_alloc_flags(), mm/page_alloc.c: the slow path's rights. */
unsigned int oracle_gfp_to_alloc_flags(gfp_t gfp, unsigned int order);
/*
 * Every alloc_flags bit a caller may ever be granted for this gfp in
 * this context, over all stages of the slow path (ALLOC_OOM,
 * __GFP_NOFAIL's fallback, __GFP_MEMALLOC's NO_WATERMARKS included).
 */
unsigned int oracle_entitled(gfp_t gfp, unsigned int order, int ctx);
/* The line of __zone_watermark_ok(): min after the reserve arithmetic. */
long oracle_min_line(long mark, unsigned int alloc_flags);
/*
 * The order-0 part of __zone_watermark_ok(): the whole verdict for
 * order 0, a necessary condition for higher orders (which also need a
 * free block, which the event does not carry).
 */
bool oracle_watermark_ok(long free_pages, long free_highatomic,
			 unsigned int order, long mark, long lowmem_reserve,
			 unsigned int alloc_flags);

/* ---- the judge ------------------------------------------------------ */

void oracle_init(void);			/* forget everything */
void oracle_reset(void);		/* per run: attempts and counters */
/* The mm event listener; oracle_attach() registers it. */
void oracle_event(const struct mm_event *ev, void *arg);
/*
 * Listen to the allocator and read its zones' watermarks and
 * lowmem_reserve (constant after mm_init()). Before mm_init(), call
 * oracle_mm_ready() after it.
 */
int oracle_attach(void);
void oracle_mm_ready(void);

/*
 * serial: events come from one OS thread at controlled points (the
 * simulated machine), so the free count an event carries and the
 * ledger's own count are one snapshot, and the oracle also checks
 * free_pages <= the frames the ledger holds free in that zone.
 */
void oracle_set_serial(bool serial);

/*
 * Zone facts for synthetic tests (oracle_attach() reads them from
 * mm_zone_info()). managed 0: the zone does not exist.
 */
void oracle_set_zone(int zone, unsigned long managed,
		     const unsigned long wmark[NR_WMARK],
		     const long lowmem_reserve[MAX_NR_ZONES]);

/*
 * Test-only switch: the oracle reads every MM_EV_WMARK's mark plus
 * delta, as if the allocator had read a wrong watermark. 0: off.
 */
void oracle_debug_skew_mark(long delta);

struct oracle_stats {
	unsigned long wmark;		/* decisions judged */
	unsigned long fail_judged;	/* failures judged (all zones refused) */
	unsigned long fail_unjudged;	/* failures with no or a granting check */
	unsigned long alloc;		/* successes checked */
	unsigned long sleep;		/* waits checked */
};
void oracle_stats(struct oracle_stats *out);

#endif
