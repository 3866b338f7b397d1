/* SPDX-License-Identifier: MIT */
/*
 * Fault sites: the numbered places where the allocator asks the fault
 * hook whether to fail. Numbers are never reused or renumbered: saved
 * fault plans and crash inputs name them.
 */
#ifndef LABYRINTH_FAULT_SITES_H
#define LABYRINTH_FAULT_SITES_H

enum fault_site {
	FAULT_SITE_SELFTEST = 0,	/* fired by installing a plan, never by code */
	FAULT_SITE_ALLOC_PAGES = 1,	/* __alloc_pages() entry */
	FAULT_SITE_MEMPOOL_ELEM = 2,	/* mempool_alloc() element allocation */
	FAULT_SITE_PCP_REFILL = 3,	/* rmqueue_bulk() batch refill */
	FAULT_SITE_NR
};

#endif /* LABYRINTH_FAULT_SITES_H */
