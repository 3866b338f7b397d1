/* SPDX-License-Identifier: MIT */
/*
 * alloc_flags: the allocator's internal request flags, with the values
 * of Linux v6.x mm/internal.h. Exported so tests and the reserve oracle
 * can read the alloc_flags field of MM_EV_WMARK events.
 */
#ifndef LABYRINTH_ALLOCATOR_ALLOC_FLAGS_H
#define LABYRINTH_ALLOCATOR_ALLOC_FLAGS_H

#define ALLOC_WMARK_MIN		0x00	/* WMARK_MIN */
#define ALLOC_WMARK_LOW		0x01	/* WMARK_LOW */
#define ALLOC_WMARK_HIGH	0x02	/* WMARK_HIGH */
#define ALLOC_WMARK_MASK	0x03	/* ALLOC_NO_WATERMARKS - 1 */
#define ALLOC_NO_WATERMARKS	0x04	/* don't check watermarks at all */
#define ALLOC_OOM		0x08	/* OOM victim: dig deeper (model: see docs) */
#define ALLOC_NON_BLOCK		0x10	/* caller cannot block: 1/4 more of MIN */
#define ALLOC_MIN_RESERVE	0x20	/* __GFP_HIGH: half of MIN */
#define ALLOC_CPUSET		0x40	/* unused: cpusets are not modelled */
#define ALLOC_CMA		0x80	/* unused: no CMA */
#define ALLOC_NOFRAGMENT	0x100	/* unused: no ZONE_DMA32 */
#define ALLOC_HIGHATOMIC	0x200	/* may use and reserve the highatomic reserve */
#define ALLOC_KSWAPD		0x800	/* may wake kswapd (== __GFP_KSWAPD_RECLAIM) */

/* Flags that grant access to reserves below MIN (mm/internal.h). */
#define ALLOC_RESERVES	(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

#endif /* LABYRINTH_ALLOCATOR_ALLOC_FLAGS_H */
