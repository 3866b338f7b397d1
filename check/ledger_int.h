/* SPDX-License-Identifier: MIT */
/* Between ledger.c and ledger_mm.c / oracle.c only; not an API. */
#ifndef LABYRINTH_CHECK_LEDGER_INT_H
#define LABYRINTH_CHECK_LEDGER_INT_H

#include <stdbool.h>
#include <labyrinth/kernel.h>

void ledger__set_attached(bool on);
/* Grow the table to nr_frames without forgetting anything. */
int ledger_init_size(unsigned long nr_frames);
/* Not-free frames of zone (-1: all); *unknown: not-free frames of unknown zone. */
long ledger__zone_busy(int zone, long *unknown);
/* One frame's record: place (enum ledger_place), owner, block head. */
bool ledger__frame(unsigned long pfn, int *place, struct lab_owner *owner,
		   unsigned long *head);
/* First owned frame in [from, end), its owner and block head; -1: none. */
long ledger__next_owned(unsigned long from, unsigned long end,
			struct lab_owner *owner, unsigned long *head);
/* ledger_mm.c: conservation against the allocator; weak in ledger.c. */
bool ledger__census_ok(void) __attribute__((weak));

#endif
