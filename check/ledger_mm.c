// SPDX-License-Identifier: MIT
/*
 * The ledger bound to the allocator of include/labyrinth/mm.h: it listens
 * to its events, finds frame memory through page_address() for stamps,
 * and compares its counts with mm_census() at quiescent points. Kept
 * apart from ledger.c so synthetic tests link the ledger alone.
 */
#include <errno.h>
#include "check/ledger.h"
#include "check/ledger_int.h"
#include "check/report.h"

/* Zone sizes, read once at attach time: mm_zone_info() takes zone->lock,
 * which the WMARK listener already holds. Zero when not attached. */
static unsigned long zone_managed[MAX_NR_ZONES];

static void *frame_memory(unsigned long pfn, void *arg)
{
	struct page *page = pfn_to_page(pfn);

	return page ? page_address(page) : NULL;
}

/*
 * Attach after mm_init(): the table is sized from mm_total_pages() and
 * every frame the allocator does not report as elsewhere is free. The
 * initial reclaimable pool is learned from the census: when the census
 * says frames are reclaimable but the ledger saw no CACHE_IN for them,
 * ledger_attach() must be called before mm_init() instead (listeners
 * survive mm_init()), and this returns -EAGAIN.
 */
int ledger_attach(void)
{
	struct mm_zone_info zi;
	struct mm_census c;
	struct ledger_counts lc;
	int z, err;

	for (z = 0; z < MAX_NR_ZONES; z++)
		zone_managed[z] = mm_zone_info(z, &zi) ? 0 : zi.managed;
	if (mm_total_pages()) {
		err = ledger_init_size(mm_total_pages());
		if (err)
			return err;
	}
	ledger_set_memory(frame_memory, NULL);
	err = mm_listen(ledger_event, NULL);
	if (err < 0)
		return err;
	ledger__set_attached(true);
	if (mm_total_pages()) {
		mm_census(&c);
		ledger_counts(&lc);
		if (c.owned + c.in_flight + c.pooled + c.reclaimable + c.ballast !=
		    lc.total - lc.place[LP_FREE])
			return -EAGAIN;
	}
	return 0;
}

/* Refresh the zone sizes after mm_init() when the ledger attached before. */
void ledger_mm_ready(void)
{
	struct mm_zone_info zi;
	int z;

	for (z = 0; z < MAX_NR_ZONES; z++)
		zone_managed[z] = mm_zone_info(z, &zi) ? 0 : zi.managed;
	ledger_init_size(mm_total_pages());
}

void __ledger_touch(struct page *page, const struct lab_site *site)
{
	ledger_touch_pfn(page_to_pfn(page), lab_current(), site);
}

/*
 * An upper bound on the frames of zone the ledger holds free: frames
 * whose zone no event named may be in this zone or another, so they are
 * not subtracted. The oracle uses it as "the allocator cannot have more
 * free pages than this".
 */
long ledger_zone_free(int zone)
{
	long busy, unknown, managed = 0;
	int z;

	if (zone >= MAX_NR_ZONES)
		return 0;
	if (zone < 0) {
		for (z = 0; z < MAX_NR_ZONES; z++)
			managed += zone_managed[z];
	} else {
		managed = zone_managed[zone];
	}
	if (!managed)
		return -1;
	busy = ledger__zone_busy(zone, &unknown);
	return managed - busy;
}

/*
 * Frame by frame: every frame the ledger holds owned is owned by the
 * same (actor, context) in the allocator's page_owner record. A frame
 * the allocator thinks free or someone else's while the ledger has an
 * owner for it is the "both on a free list and owned" case of
 * double-own, caught even when no event lied about a count.
 */
static bool owners_agree(void)
{
	unsigned long pfn, total = mm_total_pages(), head;
	struct page_owner_info pi;
	struct lab_owner o;
	long next;

	for (next = ledger__next_owned(0, total, &o, &head); next >= 0;
	     next = ledger__next_owned(pfn + 1, total, &o, &head)) {
		pfn = (unsigned long)next;
		if (page_owner_get(pfn_to_page(pfn), &pi))
			continue;
		if (pi.owner.actor == o.actor && pi.owner.ctx == o.ctx)
			continue;
		report_begin(REPORT_DOUBLE_OWN, "ledger_check_census", o.ctx);
		report_printf("BUG: labyrinth: double-own: the allocator's page_owner and the ownership ledger disagree on pfn 0x%lx (block 0x%lx)\n",
			      pfn, head);
		report_printf("ledger:     owned by cpu %d, %s, actor %s (%d)\n", o.cpu,
			      lab_ctx_name(o.ctx), lab_actor_name(o.actor), o.actor);
		report_printf("page_owner: cpu %d, ctx %d, actor %s (%d); allocated by actor %s (%d), order %u\n",
			      pi.owner.cpu, pi.owner.ctx, lab_actor_name(pi.owner.actor),
			      pi.owner.actor, lab_actor_name(pi.allocator.actor),
			      pi.allocator.actor, pi.order);
		if (pi.site)
			report_printf("  allocated at %s:%d in %s()\n", pi.site->file,
				      pi.site->line, pi.site->func);
		report_end();
		return false;
	}
	return true;
}

/*
 * Conservation (DESIGN.md section 4): free lists + per-CPU lists + owned
 * + in flight + pooled + reclaimable + ballast == total, on both sides,
 * place by place; and the zones' NR_FREE_PAGES plus their pcp lists
 * equal the census' free frames.
 */
bool ledger__census_ok(void)
{
	struct mm_census c;
	struct ledger_counts l;
	struct mm_zone_info zi;
	unsigned long total = mm_total_pages(), zfree = 0, zpcp = 0;
	unsigned long csum;
	bool ok;
	int z;

	mm_census(&c);
	ledger_counts(&l);
	for (z = 0; z < MAX_NR_ZONES; z++) {
		if (mm_zone_info(z, &zi))
			continue;
		zfree += zi.free_pages;
		zpcp += zi.pcp_count;
	}
	csum = c.free + c.pcp + c.owned + c.in_flight + c.pooled +
	       c.reclaimable + c.ballast;
	if (!owners_agree())
		return false;
	ok = csum == total && l.total >= total &&
	     l.place[LP_FREE] - (l.total - total) == c.free + c.pcp &&
	     l.place[LP_OWNED] == c.owned && l.place[LP_FLIGHT] == c.in_flight &&
	     l.place[LP_POOLED] == c.pooled &&
	     l.place[LP_CACHED] == c.reclaimable &&
	     l.place[LP_BALLAST] == c.ballast &&
	     zfree == c.free && zpcp == c.pcp;
	if (ok)
		return true;
	report_begin(REPORT_INVARIANT, "ledger_check_census", LAB_CTX_TASK);
	report_printf("BUG: labyrinth: conservation broken: the allocator's census and the ownership ledger disagree\n");
	report_printf("place          allocator   ledger\n");
	report_printf("free+pcp       %9lu %8lu   (free %lu, pcp %lu; zones: free %lu, pcp %lu)\n",
		      c.free + c.pcp, l.place[LP_FREE] - (l.total - total),
		      c.free, c.pcp, zfree, zpcp);
	report_printf("owned          %9lu %8lu\n", c.owned, l.place[LP_OWNED]);
	report_printf("in flight      %9lu %8lu\n", c.in_flight, l.place[LP_FLIGHT]);
	report_printf("pooled         %9lu %8lu\n", c.pooled, l.place[LP_POOLED]);
	report_printf("reclaimable    %9lu %8lu\n", c.reclaimable, l.place[LP_CACHED]);
	report_printf("ballast        %9lu %8lu\n", c.ballast, l.place[LP_BALLAST]);
	report_printf("total          %9lu %8lu   (mm_total_pages %lu)\n",
		      csum, total, total);
	report_end();
	return false;
}

bool ledger_check_census(void)
{
	return ledger__census_ok();
}
