/* SPDX-License-Identifier: MIT */
/*
 * genpool.h: a special-memory pool in the style of the kernel's
 * lib/genalloc.c -- labyrinth's second allocator under test, and the
 * example of plugging in an allocator that is not a page allocator
 * (docs/adapters.md, docs/pool.md).
 *
 * A pool is a list of chunks (runs of memory such as on-chip SRAM or a
 * DMA-coherent region), each with a bitmap of its granules (1 <<
 * min_alloc_order bytes). gen_pool_alloc() reserves a run of free bits
 * with cmpxchg and no lock, so it is callable from any context --
 * hardirq included -- and never sleeps; gen_pool_free() clears the run
 * the same way. Like the kernel's, nothing here blocks: an exhausted
 * pool returns 0 at once, whatever the gfp.
 *
 * Differences from lib/genalloc.c, each for a reason (docs/pool.md):
 *   - runs are powers of two granules, aligned to their size
 *     (gen_pool_first_fit_order_align() is the only algorithm), so a
 *     block is one (frame, order) pair in labyrinth's event vocabulary
 *     and never spans a bitmap word;
 *   - every change of place is an event (struct mm_event of mm.h) to the
 *     pool's listeners, so the ownership ledger judges it as it judges
 *     the page allocator, and ownership moves by gen_pool_give/take;
 *   - a fault hook (mm_fault_fn) is asked at the allocation entry, and a
 *     ballast holds granules aside for reserve exhaustion;
 *   - the gfp given to gen_pool_alloc_gfp() is recorded, never obeyed:
 *     the pool cannot sleep, so every class is served the same way.
 *
 * Includes only the labyrinth headers (include/): it runs on the simulated machine and on
 * real threads unchanged.
 */
#ifndef LABYRINTH_POOL_GENPOOL_H
#define LABYRINTH_POOL_GENPOOL_H

#include <stddef.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>

/* Largest block: 2^6 granules, one bitmap word (docs/pool.md). */
#define GEN_POOL_MAX_ORDER	6
#define GEN_POOL_BITS_PER_WORD	(8 * (int)sizeof(unsigned long))
#define GEN_POOL_MAX_LISTENERS	4

/*
 * A chunk of memory and its allocation bitmap.
 * Invariant (gen_pool_is_valid(), at quiescent points): bit i of bits
 * is set <=> granule i is reserved (allocated or in the ballast);
 * avail == (nbits - popcount(bits)) << min_alloc_order;
 * ballast[i] != GEN_POOL_NO_BALLAST => granule i heads a ballast block
 * of that order, whose bits are set. Between the bitmap update and the
 * avail update a racing reader sees avail lag the bitmap: avail is a
 * hint for skipping full chunks, never a promise.
 */
#define GEN_POOL_NO_BALLAST	0xff
struct gen_pool_chunk {
	struct list_head next_chunk;	/* on gen_pool.chunks */
	atomic_long_t avail;		/* free bytes */
	unsigned long start_addr;	/* first byte */
	unsigned long end_addr;		/* last byte */
	unsigned long pfn_base;		/* frame number of granule 0 */
	unsigned long nbits;		/* granules, a multiple of a word */
	unsigned char *ballast;		/* order of a ballast head, per granule */
	unsigned long bits[];		/* 1 = reserved; lock-free access only */
};

/*
 * Frames (granules) by place, for conservation; free is counted from
 * the bitmap (clear bits), the rest from the owners' counters.
 * Invariant: free + owned + in_flight + ballast == total at quiescent points.
 */
struct gen_pool_census {
	unsigned long total;
	unsigned long free;
	unsigned long owned;
	unsigned long in_flight;
	unsigned long ballast;
};

/*
 * A pool. Invariant: chunks are added before the pool is shared and
 * never removed until gen_pool_destroy(); chunk frame ranges are
 * disjoint and together cover [pfn_base, pfn_base + nr_frames).
 * nr_owned + nr_in_flight + nr_ballast == reserved bits at quiescent
 * points (they move after the bitmap, like avail).
 */
struct gen_pool {
	spinlock_t lock;		/* the ballast records; never the bitmap */
	struct list_head chunks;
	int min_alloc_order;		/* log2 of the granule in bytes */
	const char *name;
	unsigned long pfn_base;		/* frame number of the first granule */
	unsigned long nr_frames;	/* granules over all chunks */
	atomic_long_t nr_owned;		/* granules held by owners */
	atomic_long_t nr_in_flight;	/* given, not yet taken */
	atomic_long_t nr_ballast;	/* held by the ballast */
	mm_fault_fn fault;		/* asked at the allocation entry */
	void *fault_arg;
	int nr_listeners;
	mm_event_fn listen[GEN_POOL_MAX_LISTENERS];
	void *listen_arg[GEN_POOL_MAX_LISTENERS];
};

/*
 * gen_pool_create(): a pool of granules of 1 << min_alloc_order bytes
 * (at least 32: an owner's stamp must fit) whose first frame is numbered
 * pfn_base. NULL on bad arguments or no memory. gen_pool_add() gives it
 * size bytes at addr (aligned to a granule, size a multiple of a word of
 * granules); 0 or -errno. Call both before the pool is shared: they
 * take no lock.
 */
struct gen_pool *gen_pool_create(int min_alloc_order, unsigned long pfn_base,
				 const char *name);
int gen_pool_add(struct gen_pool *pool, unsigned long addr, size_t size);
/*
 * Free the pool's records (not the memory the chunks describe). Returns
 * the granules still reserved: the kernel BUG()s on a non-empty pool,
 * but a run the detectors stopped midway legitimately leaves blocks
 * behind, so the caller decides.
 */
unsigned long gen_pool_destroy(struct gen_pool *pool);

/*
 * Reserve size bytes (rounded up to a power of two granules, at most
 * 2^GEN_POOL_MAX_ORDER) and return the address, or 0 when nothing fits
 * or the fault hook said fail. Any context; never sleeps. The caller
 * becomes the block's owner (MM_EV_ALLOC; MM_EV_ALLOC_FAIL on failure).
 */
unsigned long __gen_pool_alloc(struct gen_pool *pool, size_t size, gfp_t gfp,
			       const struct lab_site *site);
void __gen_pool_free(struct gen_pool *pool, unsigned long addr, size_t size,
		     const struct lab_site *site);
#define gen_pool_alloc(pool, size)	__gen_pool_alloc((pool), (size), GFP_ATOMIC, LAB_SITE)
#define gen_pool_alloc_gfp(pool, size, gfp) __gen_pool_alloc((pool), (size), (gfp), LAB_SITE)
#define gen_pool_free(pool, addr, size)	__gen_pool_free((pool), (addr), (size), LAB_SITE)

/*
 * Exclusive ownership, as page_give()/page_take() of mm.h: the owner
 * lets go of a block into channel chan, another context takes it. They
 * only emit events and keep the census; the ledger judges them.
 */
void __gen_pool_give(struct gen_pool *pool, unsigned long addr, size_t size,
		     int chan, const struct lab_site *site);
void __gen_pool_take(struct gen_pool *pool, unsigned long addr, size_t size,
		     int chan, const struct lab_site *site);
#define gen_pool_give(pool, addr, size, chan) \
	__gen_pool_give((pool), (addr), (size), (chan), LAB_SITE)
#define gen_pool_take(pool, addr, size, chan) \
	__gen_pool_take((pool), (addr), (size), (chan), LAB_SITE)

/* Bytes free and managed (lib/genalloc.c's gen_pool_avail/size). */
size_t gen_pool_avail(struct gen_pool *pool);
size_t gen_pool_size(struct gen_pool *pool);

/* Events and the fault hook (the adapter wires them; NULL fn: none). */
int gen_pool_listen(struct gen_pool *pool, mm_event_fn fn, void *arg);
void gen_pool_set_fault_hook(struct gen_pool *pool, mm_fault_fn fn, void *arg);

/* Granule <-> frame number: ~0UL / NULL outside the pool. */
unsigned long gen_pool_virt_to_pfn(struct gen_pool *pool, unsigned long addr);
void *gen_pool_pfn_to_virt(struct gen_pool *pool, unsigned long pfn);

/*
 * The ballast (fault injection's reserve exhaustion, as mm_ballast_fill
 * of mm.h): reserve free granules until at most target_free are left;
 * returns the granules the ballast holds. Release gives them all back.
 * Any context (a spinlock with IRQs off guards the records).
 */
long gen_pool_ballast_fill(struct gen_pool *pool, long target_free);
long gen_pool_ballast_release(struct gen_pool *pool);

void gen_pool_census(struct gen_pool *pool, struct gen_pool_census *out);
/*
 * Whether the bitmap holds frame pfn reserved (false outside the pool):
 * the frame-by-frame half of the census. A hint while the pool is in use.
 */
bool gen_pool_frame_busy(struct gen_pool *pool, unsigned long pfn);
/* The invariants above; only inside DEBUG_CHECK() and at quiescent points. */
bool gen_pool_is_valid(struct gen_pool *pool);

#endif /* LABYRINTH_POOL_GENPOOL_H */
