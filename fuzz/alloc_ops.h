/* SPDX-License-Identifier: MIT */
/*
 * alloc_ops.h: how the interpreter and the scenarios drive "an allocator".
 *
 * Neither calls the allocator directly: every op that touches memory
 * goes through this table, so another allocator written against
 * kernel.h is one adapter file, fuzz/alloc_<name>.c, and one line,
 * ALLOC(name) in fuzz/allocs.def (docs/adapters.md). fuzz/alloc_labyrinth.c
 * is the adapter of labyrinth's own allocator (include/labyrinth/mm.h),
 * the reference and the default; fuzz/alloc_pool.c the worked example.
 * A NULL entry means the allocator has no such thing and the op is
 * skipped; name, init, exit, alloc, free, give and take are required.
 *
 * Handles are opaque (struct page * for mm.h). All calls happen on the
 * simulated machine, in the context of the actor running the op.
 *
 * site: the caller's LAB_SITE, so reports blame the scenario line that
 * made the call; NULL (the interpreter) means the adapter's own function
 * (LAB_OP_SITE()), which is what the programs' signatures name.
 */
#ifndef LABYRINTH_FUZZ_ALLOC_OPS_H
#define LABYRINTH_FUZZ_ALLOC_OPS_H

#include <stdbool.h>
#include <labyrinth/gfp.h>
#include <labyrinth/kernel.h>
#include "fuzz/program.h"

struct mm_config;

/*
 * Object ids. Programs use channels 0..PROG_NR_CHANS-1 and mempools
 * 0..PROG_NR_POOLS-1, made by init_objects(); a scenario makes its own
 * with chan_init() / pool_init() and any id below these.
 */
#define LAB_MAX_CHANS	16
#define LAB_MAX_POOLS	4

#define LAB_OP_SITE(site)	((site) ? (site) : LAB_SITE)

struct lab_alloc_ops {
	const char *name;		/* the registry's name: --alloc NAME */
	/* Set up memory for one program run (actor 0, before the actors start). */
	int (*init)(const struct prog_machine *m);
	/*
	 * Set up memory for one scenario run from the scenario's mm.h
	 * shape (fuzz/scenario.h; zeros: defaults). An allocator without
	 * zones or per-CPU lists takes what applies (the pool: the total
	 * number of frames). NULL: the allocator cannot run scenarios.
	 */
	int (*init_config)(const struct mm_config *cfg);
	/*
	 * Then, once the checkers know the memory, the objects programs
	 * use (channels, mempools): their set-up allocates, and the
	 * ledger and oracle must see it. May be NULL.
	 */
	int (*init_objects)(void);
	/* Tear down after the run, also one the detectors stopped; nothing may survive. */
	void (*exit)(void);
	void *(*alloc)(gfp_t gfp, unsigned int order, const struct lab_site *site);
	void (*free)(void *h, unsigned int order, const struct lab_site *site);
	/* The owner writes and verifies its stamp (ledger_touch()). */
	void (*touch)(void *h, const struct lab_site *site);
	/*
	 * A channel id (< LAB_MAX_CHANS) becomes an empty ring of kind
	 * (enum chan_kind of channel.h) with size slots (1..CHAN_MAX_SLOTS).
	 * 0 or -errno.
	 */
	int (*chan_init)(int chan, int kind, unsigned int size);
	/* 0 given, -ENOSPC full (the caller still owns the block). */
	int (*give)(int chan, void *h, unsigned int order, const struct lab_site *site);
	void *(*take)(int chan, unsigned int *order, const struct lab_site *site);	/* NULL: empty */
	/*
	 * A mempool id (< LAB_MAX_POOLS) becomes a reserve of min_nr
	 * elements of 2^order frames, filled now (mm/mempool.c's
	 * mempool_init()). 0 or -errno.
	 */
	int (*pool_init)(int pool, int min_nr, unsigned int order);
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
	/* A handle's frame number, for the trace and per-frame records (may be NULL). */
	unsigned long (*pfn)(void *h);
	/*
	 * End of run, back on actor 0, before the ledger's end-of-run
	 * checks: empty what the channels (and mempools, if the ledger
	 * cannot account for them) still hold; check the census.
	 */
	void (*drain_channels)(void);
};

/*
 * The registry (fuzz/allocs.def, fuzz/alloc_table.c): every adapter,
 * NULL-terminated, the reference first. lab_alloc_find() returns NULL
 * for an unknown name; lab_alloc_names() writes "labyrinth, pool".
 */
extern const struct lab_alloc_ops lab_alloc_labyrinth;
extern const struct lab_alloc_ops *const lab_alloc_table[];
const struct lab_alloc_ops *lab_alloc_find(const char *name);
size_t lab_alloc_names(char *buf, size_t cap);
/*
 * The allocator a tool runs on: name, else $LABYRINTH_ALLOC, else the
 * reference. An unknown name prints "PROG: unknown allocator 'X'
 * (known: ...)" on stderr and returns NULL: the tool exits 2.
 */
const struct lab_alloc_ops *lab_alloc_select(const char *prog, const char *name);

#endif
