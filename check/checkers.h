/* SPDX-License-Identifier: MIT */
/*
 * The per-run set-up the ledger and the oracle need, in the one order
 * that works: listeners before mm_init() (they must see the initial
 * page-cache fill), then *_mm_ready() once the allocator is up.
 */
#ifndef LABYRINTH_CHECK_CHECKERS_H
#define LABYRINTH_CHECK_CHECKERS_H

#include <stdbool.h>

/*
 * Drop every mm listener, reset both checkers and attach them. serial:
 * one context runs at a time (the simulated machine), so no locking.
 * Returns 0 or the first attach error.
 */
int checkers_attach(bool serial);
/* After mm_init(): both checkers read the zones. */
void checkers_mm_ready(void);

#endif
