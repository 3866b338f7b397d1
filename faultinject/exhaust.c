// SPDX-License-Identifier: MIT
/*
 * Reserve exhaustion: drain a zone to a named line by moving frames into
 * the ballast (mm_ballast_fill()), so the next allocation of a given gfp
 * class fails exactly as __zone_watermark_ok() says it must.
 *
 * The lines are recomputed from mm_zone_info() each time, never cached:
 * watermarks and the free highatomic count can change between calls.
 */
#include <errno.h>
#include "faultinject/fault.h"

/*
 * __zone_watermark_ok(), mm/page_alloc.c, for order 0:
 *
 *	free -= unusable	(nr_free_highatomic unless ALLOC_RESERVES)
 *	min = mark
 *	ALLOC_MIN_RESERVE:	min -= min / 2
 *	  and ALLOC_NON_BLOCK:	min -= min / 4
 *	fail if free <= min + lowmem_reserve[highest_zoneidx]
 *
 * so a class fails once the zone's NR_FREE_PAGES is at or below
 * min + lowmem_reserve (+ free highatomic pages for callers without
 * reserve flags). That count is the class's line.
 */
int fault_zone_lines(int zone, int classzone, struct fault_lines *out)
{
	struct mm_zone_info zi;
	long r, ha, m;
	int ret;

	if (classzone < 0)
		classzone = MAX_NR_ZONES - 1;
	if (zone < 0 || zone >= MAX_NR_ZONES || classzone >= MAX_NR_ZONES || classzone < zone)
		return -EINVAL;
	ret = mm_zone_info(zone, &zi);
	if (ret)
		return ret;
	r = zi.lowmem_reserve[classzone];
	ha = zi.nr_free_highatomic;
	out->lowmem_reserve = r;
	out->free_highatomic = ha;

	/* pgdat_balanced(): zone_watermark_ok_safe(high, alloc_flags 0). */
	out->line[FAULT_LINE_HIGH] = (long)zi.wmark[WMARK_HIGH] + r + ha;
	/* get_page_from_freelist() fast path: ALLOC_WMARK_LOW, no reserves. */
	out->line[FAULT_LINE_LOW] = (long)zi.wmark[WMARK_LOW] + r + ha;
	/* slow path, gfp_to_alloc_flags() without __GFP_HIGH: GFP_KERNEL. */
	out->line[FAULT_LINE_MIN] = (long)zi.wmark[WMARK_MIN] + r + ha;
	/* GFP_ATOMIC: ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK; highatomic usable. */
	m = (long)zi.wmark[WMARK_MIN];
	m -= m / 2;
	m -= m / 4;
	out->line[FAULT_LINE_ATOMIC] = m + r;
	/* Only pages in MIGRATE_HIGHATOMIC pageblocks stay free. */
	out->line[FAULT_LINE_HIGHATOMIC] = ha;
	out->line[FAULT_LINE_ZERO] = 0;
	return 0;
}

/* One zone to one line: 0 or -errno. */
static long exhaust_zone(int zone, enum fault_line line, int classzone)
{
	struct fault_lines l;
	struct mm_zone_info zi;
	long target, got;
	int ret, round;

	/*
	 * Up to a few rounds: moving frames can move the line itself when
	 * the ballast takes free highatomic pages (the line counts them).
	 */
	for (round = 0; round < 4; round++) {
		ret = fault_zone_lines(zone, classzone, &l);
		if (ret)
			return ret;
		ret = mm_zone_info(zone, &zi);
		if (ret)
			return ret;
		target = l.line[line];
		if (zi.free_pages == target)
			return 0;
		if (zi.free_pages < target) {
			/* Below the line: give the zone its ballast back, refill. */
			if (mm_ballast_release(zone) <= 0)
				return -ENOSPC;
			continue;
		}
		got = mm_ballast_fill(zone, target);
		if (got < 0)
			return got;
	}
	ret = mm_zone_info(zone, &zi);
	if (ret)
		return ret;
	ret = fault_zone_lines(zone, classzone, &l);
	if (ret)
		return ret;
	return zi.free_pages == l.line[line] ? 0 : -EAGAIN;
}

static long ballast_frames(void)
{
	struct mm_census c;

	mm_census(&c);
	return (long)c.ballast;
}

long fault_exhaust(int zone, enum fault_line line, int classzone)
{
	long ret;
	int z, cz;

	if ((unsigned int)line >= FAULT_LINE_NR || zone < -1 || zone >= MAX_NR_ZONES ||
	    classzone < -1 || classzone >= MAX_NR_ZONES)
		return -EINVAL;
	/*
	 * Per-CPU pages are not NR_FREE_PAGES: bring them home first, so
	 * they cannot lift the zone off the line later. Not from interrupt
	 * context: drain_all_pages() takes this CPU's pcp->lock with a plain
	 * spin_lock, which the interrupted context may hold (Linux never
	 * drains from IRQ either: it queues work and waits). The line is
	 * still exact there: the watermark test comes before the pcp lists
	 * (get_page_from_freelist()), so pages on them do not help a class
	 * that is below its line.
	 */
	if (!in_interrupt())
		drain_all_pages();
	if (zone >= 0) {
		ret = exhaust_zone(zone, line, classzone);
		return ret ? ret : ballast_frames();
	}
	/* Every zone a request of classzone may use (its zonelist). */
	cz = classzone < 0 ? MAX_NR_ZONES - 1 : classzone;
	for (z = 0; z <= cz; z++) {
		ret = exhaust_zone(z, line, cz);
		if (ret)
			return ret;
	}
	return ballast_frames();
}

long fault_exhaust_release(int zone)
{
	if (zone < -1 || zone >= MAX_NR_ZONES)
		return -EINVAL;
	return mm_ballast_release(zone);
}

unsigned long fault_leaked_frames(void)
{
	struct mm_census c;

	mm_census(&c);
	return c.owned + c.in_flight;
}
