/* SPDX-License-Identifier: MIT */
/*
 * alloc_ops.h: how the interpreter drives "an allocator".
 *
 * The interpreter never calls the allocator directly: every op that
 * touches memory goes through this table, so another allocator written
 * against kernel.h is one adapter file (fuzz/alloc_labyrinth.c is the
 * one for labyrinth's own allocator, include/labyrinth/mm.h). A NULL
 * entry means the allocator has no such thing and the op is skipped;
 * alloc, free, give and take are required.
 *
 * Handles are opaque (struct page * for mm.h). All calls happen on the
 * simulated machine, in the context of the actor running the op.
 */
#ifndef LABYRINTH_FUZZ_ALLOC_OPS_H
#define LABYRINTH_FUZZ_ALLOC_OPS_H

#include <stdbool.h>
#include <labyrinth/gfp.h>
#include "fuzz/program.h"

struct lab_alloc_ops {
	const char *name;
	/* Set up memory for one run (actor 0, before the actors start). */
	int (*init)(const struct prog_machine *m);
	/*
	 * Then, once the checkers know the memory, the objects programs
	 * use (channels, mempools): their set-up allocates, and the
	 * ledger and oracle must see it. May be NULL.
	 */
	int (*init_objects)(void);
	/* Tear down after the run; nothing may survive. */
	void (*exit)(void);
	void *(*alloc)(gfp_t gfp, unsigned int order);	/* NULL on failure */
	void (*free)(void *h, unsigned int order);
	/* The owner writes and verifies its stamp (ledger_touch()). */
	void (*touch)(void *h);
	/* Channels 0..PROG_NR_CHANS-1: 0 given, -ENOSPC full (still owned). */
	int (*give)(int chan, void *h, unsigned int order);
	void *(*take)(int chan, unsigned int *order);	/* NULL when empty */
	/* Mempools 0..PROG_NR_POOLS-1 (pool i holds order-i elements). */
	void *(*pool_alloc)(int pool, gfp_t gfp);
	void (*pool_free)(int pool, void *h);
	/* Reserve exhaustion to enum prog_line, and its release. */
	void (*exhaust)(int zone, int line);
	void (*release)(void);
	void (*drain)(bool all_cpus);
	void (*kswapd_hold)(bool hold);
	/*
	 * How full the allocator is now, as enum mm_wmark_band (0: plenty
	 * .. 3: below its last line), for context-aware coverage
	 * (fuzz/ctxcov.h). A lockless read, never a scheduling point. May
	 * be NULL (band 0).
	 */
	int (*band)(void);
	/* A handle's frame number, for the trace (may be NULL). */
	unsigned long (*pfn)(void *h);
	/* End of run, back on actor 0: empty what the channels still hold. */
	void (*drain_channels)(void);
};

extern const struct lab_alloc_ops lab_alloc_labyrinth;

#endif
