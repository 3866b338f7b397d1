// SPDX-License-Identifier: MIT
/*
 * alloc_labyrinth.c: the adapter for labyrinth's own allocator
 * (include/labyrinth/mm.h), its transfer channels
 * (include/labyrinth/channel.h), its mempools and reserve exhaustion
 * (faultinject/) -- the reference, and the default of every tool.
 * Another allocator gets its own file of this shape (docs/adapters.md).
 *
 * Programs' channel kinds follow docs/programs.md: ring is CHAN_LOCKED
 * (irqsave), bhring CHAN_LOCKED_BH, spsc0/spsc1 CHAN_SPSC. Their pool i
 * holds order-i pages, MEMPOOL_NR reserved elements each. Scenarios
 * make their own channels and mempools by id (chan_init, pool_init):
 * the same channel.c and mempool.c, so a scenario on this adapter runs
 * exactly the code it ran when it called mm.h directly.
 */
#include <errno.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/channel.h>
#include "check/ledger.h"
#include "faultinject/fault.h"
#include "fuzz/alloc_ops.h"
#include "fuzz/program_int.h"

#define CHAN_SIZE	8	/* small: a full ring is a path worth reaching */
#define MEMPOOL_NR	2

/*
 * Per-run state; reset by lab_init() and lab_init_config(). Invariant:
 * chan_up[i] <=> chan[i] was initialised in this run; pool_up[i] <=>
 * pool[i] holds a reserve mempool_exit() must give back; prog <=>
 * init_objects() made the programs' channels 0..PROG_NR_CHANS-1.
 */
static struct {
	bool prog;
	struct channel chan[LAB_MAX_CHANS];
	bool chan_up[LAB_MAX_CHANS];
	mempool_t pool[LAB_MAX_POOLS];
	bool pool_up[LAB_MAX_POOLS];
} L;

static void lab_reset(void)
{
	memset(L.chan_up, 0, sizeof(L.chan_up));
	memset(L.pool_up, 0, sizeof(L.pool_up));
	L.prog = false;
}

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

	lab_reset();
	return mm_init(&cfg);
}

static int lab_init_config(const struct mm_config *cfg)
{
	lab_reset();
	return mm_init(cfg);
}

static int lab_chan_init(int chan, int kind, unsigned int size)
{
	int err;

	if (chan < 0 || chan >= LAB_MAX_CHANS)
		return -EINVAL;
	err = chan_init(&L.chan[chan], (enum chan_kind)kind, size, chan);
	if (!err)
		L.chan_up[chan] = true;
	return err;
}

static int lab_pool_init(int pool, int min_nr, unsigned int order)
{
	int err;

	if (pool < 0 || pool >= LAB_MAX_POOLS || L.pool_up[pool])
		return -EINVAL;
	err = mempool_init(&L.pool[pool], min_nr, mempool_alloc_pages,
			   mempool_free_pages, (void *)(unsigned long)order);
	if (!err)
		L.pool_up[pool] = true;
	return err;
}

static int lab_init_objects(void)
{
	static const enum chan_kind kinds[PROG_NR_CHANS] = {
		CHAN_LOCKED, CHAN_LOCKED_BH, CHAN_SPSC, CHAN_SPSC,
	};
	int i, err;

	for (i = 0; i < PROG_NR_CHANS; i++) {
		err = lab_chan_init(i, kinds[i], CHAN_SIZE);
		if (err)
			return err;
	}
	for (i = 0; i < PROG_NR_POOLS; i++) {
		err = lab_pool_init(i, MEMPOOL_NR, i);
		if (err)
			return err;
	}
	L.prog = true;
	return 0;
}

static void lab_exit(void)
{
	int i;

	for (i = 0; i < LAB_MAX_POOLS; i++)
		if (L.pool_up[i])
			mempool_exit(&L.pool[i]);
	lab_reset();
	mm_exit();
}

static void *lab_alloc(gfp_t gfp, unsigned int order, const struct lab_site *site)
{
	return __alloc_pages_site(gfp, order, LAB_OP_SITE(site));
}

static void lab_free(void *h, unsigned int order, const struct lab_site *site)
{
	__free_pages_site(h, order, LAB_OP_SITE(site));
}

static void lab_touch(void *h, const struct lab_site *site)
{
	__ledger_touch(h, LAB_OP_SITE(site));
}

static int lab_give(int chan, void *h, unsigned int order, const struct lab_site *site)
{
	return __chan_give(&L.chan[chan], h, order, LAB_OP_SITE(site));
}

static void *lab_take(int chan, unsigned int *order, const struct lab_site *site)
{
	return __chan_take(&L.chan[chan], order, LAB_OP_SITE(site));
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

	/* a scenario's channels are its own finish()'s: what it leaves is a leak */
	for (i = 0; L.prog && i < PROG_NR_CHANS; i++)
		while ((page = chan_take(&L.chan[i], &order)))
			__free_pages(page, order);
}

const struct lab_alloc_ops lab_alloc_labyrinth = {
	.name = "labyrinth",
	.init = lab_init,
	.init_config = lab_init_config,
	.init_objects = lab_init_objects,
	.exit = lab_exit,
	.alloc = lab_alloc,
	.free = lab_free,
	.touch = lab_touch,
	.chan_init = lab_chan_init,
	.give = lab_give,
	.take = lab_take,
	.pool_init = lab_pool_init,
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
