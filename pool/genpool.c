// SPDX-License-Identifier: MIT
/*
 * genpool.c: a lock-free special-memory pool after lib/genalloc.c.
 *
 * The bitmap is the only shared state an allocation or a free touches,
 * and it is touched only with atomic loads and compare-and-swap, as
 * genalloc's set_bits_ll()/clear_bits_ll() do: that is what makes the
 * pool safe to call from a hardirq that interrupted another caller on
 * the same CPU. Every lock-free access is preceded by race_point(), so
 * the simulated machine can switch CPUs or deliver an interrupt exactly
 * there and the detectors see every interleaving a real machine could.
 *
 * Two bugs of the zoo live here, compiled in only on request
 * (docs/pool.md says how each is found):
 *   POOL_BUG_NO_RECHECK       set_bits_ll() trusts the scan and reserves
 *                             bits another CPU took meanwhile: two owners;
 *   POOL_BUG_NONATOMIC_CLEAR  clear_bits_ll() is a read, then a plain
 *                             write: a reservation made in between, in
 *                             the same word, is wiped out.
 * The bug zoo's switches (ZOO_<NAME>, zoo/bugs.def) name the same bugs.
 */
#if defined(ZOO_POOL_NO_RECHECK) && !defined(POOL_BUG_NO_RECHECK)
#define POOL_BUG_NO_RECHECK 1
#endif
#if defined(ZOO_POOL_NONATOMIC_CLEAR) && !defined(POOL_BUG_NONATOMIC_CLEAR)
#define POOL_BUG_NONATOMIC_CLEAR 1
#endif
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <labyrinth/fault_sites.h>
#include <labyrinth/zoo.h>
#include "pool/genpool.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define BPW	GEN_POOL_BITS_PER_WORD

/* Free granules are poisoned: a write after free is an ASan report. */
static void poison(unsigned long addr, size_t bytes)
{
#ifdef POOL_ASAN
	ASAN_POISON_MEMORY_REGION((void *)addr, bytes);
#endif
}

static void unpoison(unsigned long addr, size_t bytes)
{
#ifdef POOL_ASAN
	ASAN_UNPOISON_MEMORY_REGION((void *)addr, bytes);
#endif
}

#define for_each_chunk(c, pool) \
	for (c = list_first_entry(&(pool)->chunks, struct gen_pool_chunk, next_chunk); \
	     &c->next_chunk != &(pool)->chunks; \
	     c = list_first_entry(&c->next_chunk, struct gen_pool_chunk, next_chunk))

/* ---- events ------------------------------------------------------- */

static void emit(struct gen_pool *pool, enum mm_event_kind kind, unsigned long pfn,
		 unsigned int order, gfp_t gfp, int chan, const struct lab_site *site)
{
	struct mm_event ev;
	int i;

	if (!pool->nr_listeners)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.who = lab_current();
	ev.pfn = pfn;
	ev.order = order;
	ev.gfp = gfp;
	ev.zone = -1;		/* a pool has no zones */
	ev.chan = chan;
	ev.site = site;
	for (i = 0; i < pool->nr_listeners; i++)
		pool->listen[i](&ev, pool->listen_arg[i]);
}

int gen_pool_listen(struct gen_pool *pool, mm_event_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	if (pool->nr_listeners >= GEN_POOL_MAX_LISTENERS)
		return -ENOSPC;
	pool->listen[pool->nr_listeners] = fn;
	pool->listen_arg[pool->nr_listeners] = arg;
	pool->nr_listeners++;
	return 0;
}

void gen_pool_set_fault_hook(struct gen_pool *pool, mm_fault_fn fn, void *arg)
{
	pool->fault = fn;
	pool->fault_arg = arg;
}

/* ---- the bitmap, lock-free (set_bits_ll/clear_bits_ll, lib/genalloc.c) */

static unsigned long run_mask(unsigned long nbits)
{
	return nbits >= BPW ? ~0UL : (1UL << nbits) - 1;
}

/*
 * Reserve the bits of mask in *word. -EBUSY when one of them is already
 * set: the caller's scan is stale and it must look again.
 */
static int set_bits_ll(unsigned long *word, unsigned long mask)
{
	unsigned long val;

	race_point();		/* the scan's view of the word may be stale by now */
	val = READ_ONCE(*word);
	do {
#ifndef POOL_BUG_NO_RECHECK
		if (val & mask)
			return -EBUSY;
#elif defined(ZOO_POOL_NO_RECHECK)
		/* ZOO pool_no_recheck: triggered when the recheck would have refused */
		ZOO_REACHED(pool_no_recheck);
		if (val & mask)
			ZOO_TRIGGERED(pool_no_recheck);
#endif
	} while (!__atomic_compare_exchange_n(word, &val, val | mask, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return 0;
}

/* Release the bits of mask; -EBUSY unless every one of them was set. */
static int clear_bits_ll(unsigned long *word, unsigned long mask)
{
	unsigned long val;

	race_point();
	val = READ_ONCE(*word);
#ifdef POOL_BUG_NONATOMIC_CLEAR
	if ((val & mask) != mask)
		return -EBUSY;
	race_point();		/* a reservation in this word here is lost */
#ifdef ZOO_POOL_NONATOMIC_CLEAR
	/* ZOO pool_nonatomic_clear: triggered when the word changed in the window */
	ZOO_REACHED(pool_nonatomic_clear);
	if (READ_ONCE(*word) != val)
		ZOO_TRIGGERED(pool_nonatomic_clear);
#endif
	WRITE_ONCE(*word, val & ~mask);
	return 0;
#else
	do {
		if ((val & mask) != mask)
			return -EBUSY;
		race_point();	/* the same window: cmpxchg sees any change */
	} while (!__atomic_compare_exchange_n(word, &val, val & ~mask, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return 0;
#endif
}

/* First nbits-aligned run of nbits clear bits in val, or -1. */
static int find_aligned_zero(unsigned long val, unsigned long nbits)
{
	unsigned long m = run_mask(nbits);
	int b;

	for (b = 0; b < BPW; b += (int)nbits)
		if (!(val & (m << b)))
			return b;
	return -1;
}

/*
 * gen_pool_first_fit_order_align(), then the reservation: scan word by
 * word, try to set the run found, and on -EBUSY scan the same word
 * again (gen_pool_alloc_algo_owner()'s "goto retry"). Returns the first
 * bit, or -1 when no run of nbits is free in this chunk.
 */
static long chunk_reserve(struct gen_pool_chunk *chunk, unsigned long nbits)
{
	unsigned long w, val;
	int b;

	for (w = 0; w < chunk->nbits / BPW; w++) {
		for (;;) {
			race_point();
			val = READ_ONCE(chunk->bits[w]);
			b = find_aligned_zero(val, nbits);
			if (b < 0)
				break;
			if (!set_bits_ll(&chunk->bits[w], run_mask(nbits) << b))
				return (long)(w * BPW + b);
		}
	}
	return -1;
}

/* ---- set-up --------------------------------------------------------- */

struct gen_pool *gen_pool_create(int min_alloc_order, unsigned long pfn_base,
				 const char *name)
{
	struct gen_pool *pool;

	/* an owner's stamp (check/ledger.c) must fit in one granule */
	if (min_alloc_order < 5 || min_alloc_order > 20)
		return NULL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->chunks);
	pool->min_alloc_order = min_alloc_order;
	pool->pfn_base = pfn_base;
	pool->name = name ? name : "gen_pool";
	return pool;
}

int gen_pool_add(struct gen_pool *pool, unsigned long addr, size_t size)
{
	unsigned long granule = 1UL << pool->min_alloc_order;
	unsigned long nbits = size >> pool->min_alloc_order;
	struct gen_pool_chunk *chunk;

	if (!addr || addr % granule || size % granule || !nbits || nbits % BPW)
		return -EINVAL;
	chunk = calloc(1, sizeof(*chunk) + nbits / BPW * sizeof(unsigned long));
	if (!chunk)
		return -ENOMEM;
	chunk->ballast = malloc(nbits);
	if (!chunk->ballast) {
		free(chunk);
		return -ENOMEM;
	}
	memset(chunk->ballast, GEN_POOL_NO_BALLAST, nbits);
	chunk->start_addr = addr;
	chunk->end_addr = addr + size - 1;
	chunk->nbits = nbits;
	chunk->pfn_base = pool->pfn_base + pool->nr_frames;
	atomic_long_set(&chunk->avail, (long)size);
	poison(addr, size);
	list_add_tail(&chunk->next_chunk, &pool->chunks);
	pool->nr_frames += nbits;
	return 0;
}

unsigned long gen_pool_destroy(struct gen_pool *pool)
{
	struct gen_pool_chunk *chunk;
	unsigned long busy = 0, w;

	if (!pool)
		return 0;
	while (!list_empty(&pool->chunks)) {
		chunk = list_first_entry(&pool->chunks, struct gen_pool_chunk, next_chunk);
		for (w = 0; w < chunk->nbits / BPW; w++)
			busy += __builtin_popcountl(READ_ONCE(chunk->bits[w]));
		/* the memory goes back to its owner usable */
		unpoison(chunk->start_addr, chunk->end_addr - chunk->start_addr + 1);
		list_del(&chunk->next_chunk);
		free(chunk->ballast);
		free(chunk);
	}
	free(pool);
	return busy;
}

/* ---- lookups -------------------------------------------------------- */

static struct gen_pool_chunk *addr_to_chunk(struct gen_pool *pool, unsigned long addr)
{
	struct gen_pool_chunk *chunk;

	for_each_chunk(chunk, pool)
		if (addr >= chunk->start_addr && addr <= chunk->end_addr)
			return chunk;
	return NULL;
}

unsigned long gen_pool_virt_to_pfn(struct gen_pool *pool, unsigned long addr)
{
	struct gen_pool_chunk *chunk = addr_to_chunk(pool, addr);

	if (!chunk)
		return ~0UL;
	return chunk->pfn_base + ((addr - chunk->start_addr) >> pool->min_alloc_order);
}

void *gen_pool_pfn_to_virt(struct gen_pool *pool, unsigned long pfn)
{
	struct gen_pool_chunk *chunk;

	for_each_chunk(chunk, pool)
		if (pfn >= chunk->pfn_base && pfn < chunk->pfn_base + chunk->nbits)
			return (void *)(chunk->start_addr +
					((pfn - chunk->pfn_base) << pool->min_alloc_order));
	return NULL;
}

/* The order of a request: smallest power of two granules holding size; -1 too big. */
static int size_to_order(struct gen_pool *pool, size_t size)
{
	int order;

	for (order = 0; order <= GEN_POOL_MAX_ORDER; order++)
		if (size <= (1UL << (pool->min_alloc_order + order)))
			return order;
	return -1;
}

size_t gen_pool_avail(struct gen_pool *pool)
{
	struct gen_pool_chunk *chunk;
	size_t avail = 0;

	for_each_chunk(chunk, pool)
		avail += (size_t)atomic_long_read(&chunk->avail);
	return avail;
}

size_t gen_pool_size(struct gen_pool *pool)
{
	return (size_t)pool->nr_frames << pool->min_alloc_order;
}

/* ---- allocation and free -------------------------------------------- */

unsigned long __gen_pool_alloc(struct gen_pool *pool, size_t size, gfp_t gfp,
			       const struct lab_site *site)
{
	struct gen_pool_chunk *chunk;
	unsigned long addr = 0, nbits, bytes;
	long bit;
	int order = size_to_order(pool, size);

	if (!size || order < 0) {
		emit(pool, MM_EV_ALLOC_FAIL, ~0UL, 0, gfp, -1, site);
		return 0;
	}
	/* should_fail_alloc_page()'s place: the allocator's entry */
	if (pool->fault && pool->fault(FAULT_SITE_ALLOC_PAGES, gfp, order, pool->fault_arg)) {
		emit(pool, MM_EV_ALLOC_FAIL, ~0UL, order, gfp, -1, site);
		return 0;
	}
	nbits = 1UL << order;
	bytes = nbits << pool->min_alloc_order;
	for_each_chunk(chunk, pool) {
		race_point();
		if (atomic_long_read(&chunk->avail) < (long)bytes)
			continue;	/* a hint: a stale read only costs a scan */
		bit = chunk_reserve(chunk, nbits);
		if (bit < 0)
			continue;
		atomic_long_sub((long)bytes, &chunk->avail);
		addr = chunk->start_addr + ((unsigned long)bit << pool->min_alloc_order);
		break;
	}
	if (!addr) {
		emit(pool, MM_EV_ALLOC_FAIL, ~0UL, order, gfp, -1, site);
		return 0;
	}
	atomic_long_add((long)nbits, &pool->nr_owned);
	unpoison(addr, bytes);
	/* after the reservation: the ledger's linearization point */
	emit(pool, MM_EV_ALLOC, chunk->pfn_base + (unsigned long)bit, order, gfp, -1, site);
	return addr;
}

/*
 * Find the chunk and first bit of the block [addr, addr + size); false
 * (with a warning, the kernel BUG()s) when the block is not one the pool
 * could have handed out. Untrusted input: the free path checks it.
 */
static bool block_of(struct gen_pool *pool, unsigned long addr, size_t size,
		     struct gen_pool_chunk **chunkp, unsigned long *bitp, int *orderp)
{
	struct gen_pool_chunk *chunk = addr_to_chunk(pool, addr);
	int order = size_to_order(pool, size);
	unsigned long bit;

	if (WARN_ON(!chunk || !size || order < 0))
		return false;
	bit = (addr - chunk->start_addr) >> pool->min_alloc_order;
	if (WARN_ON((addr - chunk->start_addr) & ((1UL << pool->min_alloc_order) - 1)) ||
	    WARN_ON(bit & ((1UL << order) - 1)))
		return false;
	*chunkp = chunk;
	*bitp = bit;
	*orderp = order;
	return true;
}

void __gen_pool_free(struct gen_pool *pool, unsigned long addr, size_t size,
		     const struct lab_site *site)
{
	struct gen_pool_chunk *chunk;
	unsigned long bit, nbits, bytes;
	int order, remain;

	if (!block_of(pool, addr, size, &chunk, &bit, &order))
		return;
	nbits = 1UL << order;
	bytes = nbits << pool->min_alloc_order;
	/* before the granules can be reserved again */
	emit(pool, MM_EV_FREE, chunk->pfn_base + bit, order, 0, -1, site);
	atomic_long_sub((long)nbits, &pool->nr_owned);
	poison(addr, bytes);
	remain = clear_bits_ll(&chunk->bits[bit / BPW], run_mask(nbits) << (bit % BPW));
	/* gen_pool_free_owner(): BUG_ON(remain) -- freeing what is not reserved */
	BUG_ON(remain);
	atomic_long_add((long)bytes, &chunk->avail);
}

void __gen_pool_give(struct gen_pool *pool, unsigned long addr, size_t size,
		     int chan, const struct lab_site *site)
{
	struct gen_pool_chunk *chunk;
	unsigned long bit;
	int order;

	if (!block_of(pool, addr, size, &chunk, &bit, &order))
		return;
	emit(pool, MM_EV_GIVE, chunk->pfn_base + bit, order, 0, chan, site);
	atomic_long_sub(1L << order, &pool->nr_owned);
	atomic_long_add(1L << order, &pool->nr_in_flight);
}

void __gen_pool_take(struct gen_pool *pool, unsigned long addr, size_t size,
		     int chan, const struct lab_site *site)
{
	struct gen_pool_chunk *chunk;
	unsigned long bit;
	int order;

	if (!block_of(pool, addr, size, &chunk, &bit, &order))
		return;
	atomic_long_sub(1L << order, &pool->nr_in_flight);
	atomic_long_add(1L << order, &pool->nr_owned);
	emit(pool, MM_EV_TAKE, chunk->pfn_base + bit, order, 0, chan, site);
}

/* ---- the ballast ---------------------------------------------------- */

static long free_granules(struct gen_pool *pool)
{
	return (long)(gen_pool_avail(pool) >> pool->min_alloc_order);
}

long gen_pool_ballast_fill(struct gen_pool *pool, long target_free)
{
	struct gen_pool_chunk *chunk;
	unsigned long flags, nbits;
	long bit, held;
	int order;
	bool got;

	if (target_free < 0)
		target_free = 0;
	spin_lock_irqsave(&pool->lock, flags);
	/* largest blocks first: few records, and small holes stay for callers */
	for (order = GEN_POOL_MAX_ORDER; order >= 0; order--) {
		nbits = 1UL << order;
		do {
			got = false;
			if (free_granules(pool) - (long)nbits < target_free)
				break;
			for_each_chunk(chunk, pool) {
				bit = chunk_reserve(chunk, nbits);
				if (bit < 0)
					continue;
				atomic_long_sub((long)(nbits << pool->min_alloc_order),
						&chunk->avail);
				atomic_long_add((long)nbits, &pool->nr_ballast);
				chunk->ballast[bit] = (unsigned char)order;
				emit(pool, MM_EV_BALLAST_IN, chunk->pfn_base + (unsigned long)bit,
				     order, 0, -1, LAB_SITE);
				got = true;
				break;
			}
		} while (got);
	}
	held = atomic_long_read(&pool->nr_ballast);
	spin_unlock_irqrestore(&pool->lock, flags);
	return held;
}

long gen_pool_ballast_release(struct gen_pool *pool)
{
	struct gen_pool_chunk *chunk;
	unsigned long flags, i, nbits;
	long n = 0;
	int order;

	spin_lock_irqsave(&pool->lock, flags);
	for_each_chunk(chunk, pool) {
		for (i = 0; i < chunk->nbits; i++) {
			if (chunk->ballast[i] == GEN_POOL_NO_BALLAST)
				continue;
			order = chunk->ballast[i];
			nbits = 1UL << order;
			chunk->ballast[i] = GEN_POOL_NO_BALLAST;
			emit(pool, MM_EV_BALLAST_OUT, chunk->pfn_base + i, order, 0, -1,
			     LAB_SITE);
			atomic_long_sub((long)nbits, &pool->nr_ballast);
			BUG_ON(clear_bits_ll(&chunk->bits[i / BPW],
					     run_mask(nbits) << (i % BPW)));
			atomic_long_add((long)(nbits << pool->min_alloc_order), &chunk->avail);
			n += (long)nbits;
		}
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return n;
}

/* ---- census and validation ------------------------------------------ */

/*
 * Free frames are counted from the bitmap, not from avail: a reservation
 * a racy clear wiped out shows as a frame free here that the ledger says
 * someone holds.
 */
void gen_pool_census(struct gen_pool *pool, struct gen_pool_census *out)
{
	struct gen_pool_chunk *chunk;
	unsigned long w, used = 0;

	for_each_chunk(chunk, pool)
		for (w = 0; w < chunk->nbits / BPW; w++)
			used += __builtin_popcountl(READ_ONCE(chunk->bits[w]));
	out->total = pool->nr_frames;
	out->free = pool->nr_frames - used;
	out->owned = (unsigned long)atomic_long_read(&pool->nr_owned);
	out->in_flight = (unsigned long)atomic_long_read(&pool->nr_in_flight);
	out->ballast = (unsigned long)atomic_long_read(&pool->nr_ballast);
}

bool gen_pool_frame_busy(struct gen_pool *pool, unsigned long pfn)
{
	struct gen_pool_chunk *chunk;
	unsigned long bit;

	for_each_chunk(chunk, pool) {
		if (pfn < chunk->pfn_base || pfn >= chunk->pfn_base + chunk->nbits)
			continue;
		bit = pfn - chunk->pfn_base;
		return READ_ONCE(chunk->bits[bit / BPW]) & (1UL << (bit % BPW));
	}
	return false;
}

bool gen_pool_is_valid(struct gen_pool *pool)
{
	struct gen_pool_chunk *chunk;
	unsigned long w, i, used, reserved = 0, ballast = 0, frames = 0;

	for_each_chunk(chunk, pool) {
		if (chunk->pfn_base != pool->pfn_base + frames)
			return false;
		frames += chunk->nbits;
		used = 0;
		for (w = 0; w < chunk->nbits / BPW; w++)
			used += __builtin_popcountl(READ_ONCE(chunk->bits[w]));
		if (((chunk->nbits - used) << pool->min_alloc_order) !=
		    (unsigned long)atomic_long_read(&chunk->avail))
			return false;
		reserved += used;
		for (i = 0; i < chunk->nbits; i++) {
			unsigned long n;

			if (chunk->ballast[i] == GEN_POOL_NO_BALLAST)
				continue;
			if (chunk->ballast[i] > GEN_POOL_MAX_ORDER)
				return false;
			n = 1UL << chunk->ballast[i];
			if (i % n || (READ_ONCE(chunk->bits[i / BPW]) >> (i % BPW) &
				      run_mask(n)) != run_mask(n))
				return false;
			ballast += n;
		}
	}
	return frames == pool->nr_frames &&
	       ballast == (unsigned long)atomic_long_read(&pool->nr_ballast) &&
	       reserved == (unsigned long)(atomic_long_read(&pool->nr_owned) +
					   atomic_long_read(&pool->nr_in_flight) +
					   atomic_long_read(&pool->nr_ballast));
}
