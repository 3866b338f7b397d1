// SPDX-License-Identifier: MIT
/*
 * alloc_labyrinth.c: the interpreter's adapter for labyrinth's own
 * allocator (include/labyrinth/mm.h), its transfer channels
 * (include/labyrinth/channel.h) and reserve exhaustion (faultinject/).
 * Another allocator gets its own file of this shape.
 *
 * Channel kinds follow docs/programs.md: ring is CHAN_LOCKED (irqsave),
 * bhring CHAN_LOCKED_BH, spsc0/spsc1 CHAN_SPSC. Pool i holds order-i
 * pages, MEMPOOL_NR reserved elements each.
 */
#include <errno.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/channel.h>
#include "check/ledger.h"
#include "faultinject/fault.h"
#include "fuzz/alloc_ops.h"
#include "fuzz/program_int.h"

#define CHAN_SIZE	8	/* small: a full ring is a path worth reaching */
#define MEMPOOL_NR	2

/* Per-run state; reset by lab_init(). */
static struct {
	struct channel chan[PROG_NR_CHANS];
	mempool_t pool[PROG_NR_POOLS];
	int nr_pools;
} L;

static int lab_init(const struct prog_machine *m)
{
	struct mm_config cfg = {
		.min_free_pages = program_knob_value(KNOB_MIN_FREE, m->knob[KNOB_MIN_FREE]),
		.watermark_scale_factor = program_knob_value(KNOB_WSF, m->knob[KNOB_WSF]),
		.pcp_high = program_knob_value(KNOB_PCP_HIGH, m->knob[KNOB_PCP_HIGH]),
		.pcp_batch = program_knob_value(KNOB_PCP_BATCH, m->knob[KNOB_PCP_BATCH]),
		.reclaimable_pages = program_knob_value(KNOB_RECLAIMABLE,
							m->knob[KNOB_RECLAIMABLE]),
		.nr_cpus = m->nr_cpus,
		.kswapd = m->kswapd,
	};

	L.nr_pools = 0;
	return mm_init(&cfg);
}

static int lab_init_objects(void)
{
	static const enum chan_kind kinds[PROG_NR_CHANS] = {
		CHAN_LOCKED, CHAN_LOCKED_BH, CHAN_SPSC, CHAN_SPSC,
	};
	int i, err;

	for (i = 0; i < PROG_NR_CHANS; i++) {
		err = chan_init(&L.chan[i], kinds[i], CHAN_SIZE, i);
		if (err)
			return err;
	}
	for (i = 0; i < PROG_NR_POOLS; i++) {
		err = mempool_init(&L.pool[i], MEMPOOL_NR, mempool_alloc_pages,
				   mempool_free_pages, (void *)(unsigned long)i);
		if (err)
			return err;
		L.nr_pools++;
	}
	return 0;
}

static void lab_exit(void)
{
	int i;

	for (i = 0; i < L.nr_pools; i++)
		mempool_exit(&L.pool[i]);
	L.nr_pools = 0;
	mm_exit();
}

static void *lab_alloc(gfp_t gfp, unsigned int order)
{
	return alloc_pages(gfp, order);
}

static void lab_free(void *h, unsigned int order)
{
	__free_pages(h, order);
}

static void lab_touch(void *h)
{
	ledger_touch(h);
}

static int lab_give(int chan, void *h, unsigned int order)
{
	return chan_give(&L.chan[chan], h, order);
}

static void *lab_take(int chan, unsigned int *order)
{
	return chan_take(&L.chan[chan], order);
}

static void *lab_pool_alloc(int pool, gfp_t gfp)
{
	return mempool_alloc(&L.pool[pool], gfp);
}

static void lab_pool_free(int pool, void *h)
{
	mempool_free(h, &L.pool[pool]);
}

static void lab_exhaust(int zone, int line)
{
	/* enum prog_line names the lines of enum fault_line in the same order */
	fault_exhaust(zone, (enum fault_line)line, -1);
}

static void lab_release(void)
{
	fault_exhaust_release(-1);
}

static void lab_drain(bool all)
{
	if (all)
		drain_all_pages();
	else
		drain_local_pages();
}

static void lab_kswapd_hold(bool hold)
{
	mm_kswapd_hold(hold);
}

/* The programs allocate without __GFP_DMA: ZONE_NORMAL comes first. */
static int lab_band(void)
{
	return mm_zone_wmark_band(ZONE_NORMAL);
}

static unsigned long lab_pfn(void *h)
{
	return page_to_pfn(h);
}

static void lab_drain_channels(void)
{
	unsigned int order;
	struct page *page;
	int i;

	for (i = 0; i < PROG_NR_CHANS; i++)
		while ((page = chan_take(&L.chan[i], &order)))
			__free_pages(page, order);
}

const struct lab_alloc_ops lab_alloc_labyrinth = {
	.name = "labyrinth",
	.init = lab_init,
	.init_objects = lab_init_objects,
	.exit = lab_exit,
	.alloc = lab_alloc,
	.free = lab_free,
	.touch = lab_touch,
	.give = lab_give,
	.take = lab_take,
	.pool_alloc = lab_pool_alloc,
	.pool_free = lab_pool_free,
	.exhaust = lab_exhaust,
	.release = lab_release,
	.drain = lab_drain,
	.kswapd_hold = lab_kswapd_hold,
	.band = lab_band,
	.pfn = lab_pfn,
	.drain_channels = lab_drain_channels,
};
