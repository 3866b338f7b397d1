/* SPDX-License-Identifier: MIT */
/*
 * Transfer channels: the only way ownership of a frame moves between
 * contexts and CPUs (mm.h, "exclusive ownership"). A channel is a
 * bounded ring of (page, order) slots, as drivers hand rx buffers from
 * the hardirq to NAPI to a worker (ptr_ring, page_pool's ring).
 *
 * chan_give() lets go of a block (page_give(), then publishes it);
 * chan_take() removes one and becomes its owner (page_take()). The event
 * order this gives -- GIVE before the slot is visible, TAKE after it was
 * removed -- is what lets the ledger judge any interleaving.
 *
 * Kinds (docs/ownership.md says why each guard):
 *   CHAN_LOCKED	spin_lock_irqsave: ends in any context, any CPU,
 *			any number of producers and consumers;
 *   CHAN_LOCKED_BH	spin_lock_bh: ends in task and softirq context only
 *			(a hardirq end is an irq-unsafe lock, reported by the
 *			lock checker);
 *   CHAN_SPSC		lock-free, one producer and one consumer at a time
 *			(two actors that cannot interrupt each other), with
 *			acquire/release on the indices and race_point()s at
 *			its lock-free accesses.
 */
#ifndef LABYRINTH_CHANNEL_H
#define LABYRINTH_CHANNEL_H

#include "kernel.h"
#include "mm.h"

#define CHAN_MAX_SLOTS	64	/* a power of two */

enum chan_kind {
	CHAN_LOCKED,
	CHAN_LOCKED_BH,
	CHAN_SPSC,
	CHAN_KIND_NR
};

struct chan_slot {
	struct page *page;
	unsigned int order;
};

/*
 * A ring. head counts gives, tail counts takes (both only grow; slot i
 * is slots[i & (size - 1)]).
 * Invariant: 0 <= head - tail <= size; slots [tail, head) hold blocks in
 * flight in this channel, each given exactly once and not yet taken.
 * LOCKED kinds: head, tail and slots under lock. SPSC: head is written
 * by the producer only (store-release after the slot), tail by the
 * consumer only (store-release after reading the slot).
 */
struct channel {
	int id;				/* the chan of GIVE/TAKE events */
	enum chan_kind kind;
	unsigned int size;		/* slots in use, a power of two */
	spinlock_t lock;		/* LOCKED kinds */
	unsigned int head;
	unsigned int tail;
	struct chan_slot slots[CHAN_MAX_SLOTS];
};

/* size: 1..CHAN_MAX_SLOTS, rounded up to a power of two. 0 or -EINVAL. */
int chan_init(struct channel *ch, enum chan_kind kind, unsigned int size, int id);

/*
 * Give a block the caller owns. 0, or -ENOSPC when the ring is full
 * (ownership unchanged: the caller still owns the block).
 */
int __chan_give(struct channel *ch, struct page *page, unsigned int order,
		const struct lab_site *site);
/* Take the oldest block, or NULL when empty; *order gets its order. */
struct page *__chan_take(struct channel *ch, unsigned int *order,
			 const struct lab_site *site);

#define chan_give(ch, page, order)	__chan_give((ch), (page), (order), LAB_SITE)
#define chan_take(ch, order)		__chan_take((ch), (order), LAB_SITE)

/* Blocks in the ring now (racy for SPSC: a hint). */
unsigned int chan_count(struct channel *ch);

#endif /* LABYRINTH_CHANNEL_H */
