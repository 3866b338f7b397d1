/* SPDX-License-Identifier: MIT */
/*
 * program_int.h: what the decoder, the validator and the interpreter of
 * programs share and nobody else needs: the static state of an actor
 * while its op list is read (what it holds, what its slots may hold).
 */
#ifndef LABYRINTH_FUZZ_PROGRAM_INT_H
#define LABYRINTH_FUZZ_PROGRAM_INT_H

#include <labyrinth/gfp.h>
#include "fuzz/program.h"

enum { LOCK_A, LOCK_B, LOCK_C, LOCK_D };
/* ring: CHAN_LOCKED (irqsave); bhring: CHAN_LOCKED_BH; spsc0/1: CHAN_SPSC */
enum { CHAN_RING, CHAN_BHRING, CHAN_SPSC0, CHAN_SPSC1 };

/* fault ctx filter: 0 any, 1 + enum lab_ctx */
#define LAB_CTX_NR_PLUS_ANY	4

/*
 * Most pages a program may allocate in a run and still use __GFP_NOFAIL:
 * well below what the smallest machine has free above its reserves, so a
 * NOFAIL allocation always ends (the model has no OOM killer).
 */
#define NOFAIL_BUDGET		256

/* What an actor holds, innermost last. Release ops pop only the top. */
enum held_what { HELD_LOCK, HELD_IRQ, HELD_PREEMPT, HELD_BH, HELD_MUTEX };

struct held {
	uint8_t what;		/* enum held_what */
	uint8_t lock;		/* HELD_LOCK: which client lock */
	uint8_t kind;		/* HELD_LOCK: enum prog_lock_kind */
};

/*
 * What a slot may hold at a point of the op list. An allocation or a
 * take can come back empty, so "PAGE" means "maybe a page": the
 * interpreter skips ops on a slot that turned out empty at run time.
 */
enum slot_state { SLOT_EMPTY, SLOT_PAGE, SLOT_POOL };

/*
 * Invariant: depth <= PROG_MAX_OPS; a HELD_MUTEX entry is only ever
 * held[0]; nr_pool_slots == number of slots in SLOT_POOL.
 */
struct ctx_state {
	uint8_t kind;				/* enum prog_actor_kind */
	int depth;
	struct held held[PROG_MAX_OPS];
	uint8_t slot[PROG_NR_SLOTS];		/* enum slot_state */
	int nr_pool_slots;
};

/* Program-wide facts legalization needs. */
struct prog_state {
	int spsc_producer[2];	/* actor index, -1 unclaimed */
	int spsc_consumer[2];
	bool nofail_ok;		/* no exhaustion, budget <= NOFAIL_BUDGET */
};

void ctx_init(struct ctx_state *s, unsigned int kind);
bool ctx_atomic(const struct ctx_state *s);
bool ctx_irqs_off(const struct ctx_state *s);
bool ctx_bh_off(const struct ctx_state *s);
int ctx_max_lock(const struct ctx_state *s);
bool ctx_holds_mutex(const struct ctx_state *s);
bool gfp_class_blocks(unsigned int cls);
bool chan_usable(unsigned int chan, const struct ctx_state *s);
bool lock_usable(unsigned int lock, unsigned int actor_kind);
int fault_value_max(unsigned int type);

#endif
