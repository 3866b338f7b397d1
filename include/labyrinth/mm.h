/* SPDX-License-Identifier: MIT */
/*
 * mm.h: the public face of the allocator under test.
 *
 * A page allocator with the semantics of Linux v6.x mm/page_alloc.c,
 * a mempool after mm/mempool.c, and labyrinth's exclusive-ownership
 * API: every frame is free, owned by exactly one context, in flight in
 * one channel, in a mempool's reserve, in the reclaimable pool, or in
 * the ballast. The allocator reports every change of place as an event
 * (struct mm_event) so detectors can watch it without reaching inside.
 *
 * Everything here is re-initialised by mm_init(): no state survives a
 * run.
 */
#ifndef LABYRINTH_MM_H
#define LABYRINTH_MM_H

#include "kernel.h"

/* ---- geometry ------------------------------------------------------ */

/*
 * The model keeps the kernel's ratios at a smaller scale so a fuzz run
 * touches kilobytes, not gigabytes: a pageblock is 2^4 pages (x86: 2^9)
 * and the largest buddy order is 6 (v6.x MAX_PAGE_ORDER: 10). Rules that
 * depend on these (the 1% highatomic cap rounded to a pageblock, order
 * fallbacks) keep their kernel form. docs/allocator.md says why.
 */
#ifndef LAB_PAGE_SHIFT
#define LAB_PAGE_SHIFT	12
#endif
#define PAGE_SHIFT	LAB_PAGE_SHIFT
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define MAX_PAGE_ORDER	6
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)
#define pageblock_order	4
#define pageblock_nr_pages (1UL << pageblock_order)

enum zone_type {
	ZONE_DMA,
	ZONE_NORMAL,
	MAX_NR_ZONES
};

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,		/* the number of types on the pcp lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_TYPES
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	NR_WMARK
};

/* ---- configuration ------------------------------------------------- */

/*
 * One machine's memory. Zero fields take the defaults in brackets.
 * min_free_pages plays vm.min_free_kbytes (in pages), split between the
 * zones by size as __setup_per_zone_wmarks() does.
 */
struct mm_config {
	unsigned long zone_pages[MAX_NR_ZONES];	/* [64, 960] */
	unsigned long min_free_pages;		/* [64] */
	unsigned int watermark_scale_factor;	/* [10] = 0.1% */
	unsigned int lowmem_reserve_ratio[MAX_NR_ZONES]; /* [256, 32] */
	unsigned long reclaimable_pages;	/* page-cache pool at start [128] */
	int pcp_high;				/* per-CPU list high mark [12] */
	int pcp_batch;				/* refill/drain batch [4] */
	int nr_cpus;				/* CPUs with pcp lists [lab_nr_cpus()] */
	bool kswapd;				/* start the kswapd kthread [false] */
};

int mm_init(const struct mm_config *cfg);	/* 0 or -errno */
void mm_exit(void);				/* frees the arena; stops kswapd */

/* ---- pages --------------------------------------------------------- */

struct page;

/*
 * alloc_pages() and __free_pages() are macros that pass the call site,
 * so reports can name where a frame was allocated or freed (page_owner
 * keeps a stack for the same reason).
 */
struct page *__alloc_pages_site(gfp_t gfp, unsigned int order, const struct lab_site *site);
void __free_pages_site(struct page *page, unsigned int order, const struct lab_site *site);
#define alloc_pages(gfp, order)	__alloc_pages_site((gfp), (order), LAB_SITE)
#define __free_pages(p, order)	__free_pages_site((p), (order), LAB_SITE)
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
#define alloc_page(gfp)		alloc_pages((gfp), 0)
#define __free_page(p)		__free_pages((p), 0)

void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);	/* NULL if not in the arena */
unsigned long page_to_pfn(const struct page *page);
struct page *pfn_to_page(unsigned long pfn);	/* NULL if out of range */
unsigned long mm_total_pages(void);

/* page_owner: who allocated a frame (mm/page_owner.c keeps the same). */
struct page_owner_info {
	struct lab_owner owner;		/* current owner */
	struct lab_owner allocator;	/* who allocated it */
	gfp_t gfp;
	unsigned int order;
	const struct lab_site *site;	/* allocation call site, may be NULL */
};
int page_owner_get(const struct page *page, struct page_owner_info *out);

/* ---- exclusive ownership -------------------------------------------- */

/*
 * alloc_pages() returns a frame owned by the calling context (cpu, ctx,
 * actor). Ownership moves only by page_give() (the owner lets go; the
 * frame is in flight in channel chan) and page_take() (the calling
 * context becomes owner). Only the owner may free. These emit events;
 * the allocator does not judge them -- check/ does.
 */
void __page_give(struct page *page, unsigned int order, int chan, const struct lab_site *site);
void __page_take(struct page *page, unsigned int order, int chan, const struct lab_site *site);
#define page_give(p, order, chan) __page_give((p), (order), (chan), LAB_SITE)
#define page_take(p, order, chan) __page_take((p), (order), (chan), LAB_SITE)

/* ---- mempool (mm/mempool.c) ---------------------------------------- */

#define MEMPOOL_MAX_NR	32

typedef void *(mempool_alloc_t)(gfp_t gfp, void *pool_data);
typedef void (mempool_free_t)(void *element, void *pool_data);

/*
 * Invariant: 0 <= curr_nr <= max(min_nr, 1) and min_nr <= MEMPOOL_MAX_NR:
 * a pool with min_nr == 0 keeps one freed element so a waiter is never
 * stranded (the 2025 mempool_free() fix for min_nr == 0 pools).
 */
typedef struct mempool {
	spinlock_t lock;
	int min_nr;			/* reserved elements to keep */
	int curr_nr;			/* elements in the reserve now */
	void *elements[MEMPOOL_MAX_NR];
	void *pool_data;
	mempool_alloc_t *alloc;
	mempool_free_t *free;
	wait_queue_head_t wait;
	int id;				/* small id for events */
} mempool_t;

int mempool_init(mempool_t *pool, int min_nr, mempool_alloc_t *alloc_fn,
		 mempool_free_t *free_fn, void *pool_data);
void mempool_exit(mempool_t *pool);
void *mempool_alloc(mempool_t *pool, gfp_t gfp);
void mempool_free(void *element, mempool_t *pool);
/* Element allocators for page pools: pool_data is the order cast to a pointer. */
void *mempool_alloc_pages(gfp_t gfp, void *pool_data);
void mempool_free_pages(void *element, void *pool_data);

/* ---- reclaim ------------------------------------------------------- */

void wakeup_kswapd(gfp_t gfp, unsigned int order);	/* never blocks */
int kswapd(void *unused);				/* the kthread body */
unsigned long kswapd_balance(void);	/* one balancing pass; pages reclaimed */
unsigned long mm_reclaimable_pages(void);
/* Grow the reclaimable pool with an allocated page (a page-cache fill). */
void mm_cache_add(struct page *page);

/* ---- events -------------------------------------------------------- */

enum mm_event_kind {
	MM_EV_ALLOC,		/* pfn/order now owned by who */
	MM_EV_ALLOC_FAIL,	/* the allocation returned NULL */
	MM_EV_FREE,		/* pfn/order freed by who */
	MM_EV_GIVE,		/* who let go of pfn into channel chan */
	MM_EV_TAKE,		/* who took pfn out of channel chan */
	MM_EV_WMARK,		/* a watermark decision in zone: see fields */
	MM_EV_POOL_IN,		/* element pfn entered mempool chan's reserve */
	MM_EV_POOL_OUT,		/* element pfn left mempool chan's reserve to who */
	MM_EV_CACHE_IN,		/* pfn entered the reclaimable pool */
	MM_EV_RECLAIM,		/* pfn left the reclaimable pool to the free lists */
	MM_EV_BALLAST_IN,	/* pfn moved into the ballast (fault injection) */
	MM_EV_BALLAST_OUT,	/* pfn released from the ballast */
	MM_EV_SLEEP,		/* who is about to block (reclaim, mempool wait) */
	MM_EV_KIND_NR
};

/*
 * One event. For MM_EV_WMARK the allocator reports what it read and
 * decided: free_pages (NR_FREE_PAGES of the zone), free_highatomic,
 * mark (the watermark before reserve arithmetic), lowmem_reserve,
 * alloc_flags and ok (the verdict of __zone_watermark_ok), all read at
 * the decision point.
 */
struct mm_event {
	enum mm_event_kind kind;
	struct lab_owner who;		/* the context that caused it */
	unsigned long pfn;
	unsigned int order;
	gfp_t gfp;
	int zone;			/* enum zone_type, -1 if none */
	int chan;			/* channel or mempool id, -1 if none */
	unsigned int alloc_flags;
	long free_pages;
	long free_highatomic;
	long mark;
	long lowmem_reserve;
	int ok;
	const struct lab_site *site;
};

typedef void (*mm_event_fn)(const struct mm_event *ev, void *arg);

/* At most MM_MAX_LISTENERS; mm_init() keeps listeners, mm_listen_reset() drops them. */
#define MM_MAX_LISTENERS 8
int mm_listen(mm_event_fn fn, void *arg);
void mm_listen_reset(void);

/* ---- fault injection hook ------------------------------------------ */

/*
 * The one hook fault injection uses (mm/fail_page_alloc.c's
 * should_fail_alloc_page()). site numbers come from fault_sites.h.
 * NULL hook: nothing fails. The allocator knows nothing else of it.
 */
typedef bool (*mm_fault_fn)(int site, gfp_t gfp, unsigned int order, void *arg);
void mm_set_fault_hook(mm_fault_fn fn, void *arg);
/*
 * Ask the installed hook (false when none), exactly as the allocator does
 * at each of its sites. Another allocator linked beside this one (pool/,
 * docs/adapters.md) asks through it too, so one fault plan -- and the
 * fuzz programs' "fail the next N" -- reaches every allocator.
 */
bool mm_should_fail(int site, gfp_t gfp, unsigned int order);

/* ---- reserve exhaustion (used by faultinject/, never by callers) ---- */

/*
 * The ballast: frames taken straight off a zone's buddy lists, bypassing
 * watermarks, and held aside until released. mm_ballast_fill() moves
 * frames until the zone's NR_FREE_PAGES equals target_free (or nothing
 * is left) and returns how many it moved; mm_ballast_release() gives
 * back every frame of that zone (zone -1: all zones).
 */
long mm_ballast_fill(int zone, long target_free);
long mm_ballast_release(int zone);
/* drain_local_pages()/drain_all_pages(): pcp lists back to the buddy lists. */
void drain_local_pages(void);
void drain_all_pages(void);
/* Hold kswapd back: while held, wake-ups are recorded but it does not reclaim. */
void mm_kswapd_hold(bool hold);

/* ---- introspection for checkers and tests -------------------------- */

struct mm_zone_info {
	const char *name;
	unsigned long managed;			/* pages the zone manages */
	long free_pages;			/* NR_FREE_PAGES (buddy lists only) */
	unsigned long wmark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
	unsigned long nr_free[NR_PAGE_ORDERS];	/* blocks on free_area[o] */
	unsigned long nr_free_mt[NR_PAGE_ORDERS][MIGRATE_TYPES];
	unsigned long nr_reserved_highatomic;	/* pages in HIGHATOMIC pageblocks */
	long nr_free_highatomic;		/* free pages in them */
	unsigned long pcp_count;		/* pages on all CPUs' pcp lists */
};
int mm_zone_info(int zone, struct mm_zone_info *out);	/* under zone->lock */

/*
 * Where NR_FREE_PAGES of a zone stands against its watermarks, read
 * without zone->lock and without a scheduling point (zone_page_state()
 * is lockless in Linux too), so a caller may ask at any time without
 * changing the run. "Below MIN" includes free == MIN: zone_watermark_ok()
 * fails there. -1 for no such zone or before mm_init().
 */
enum mm_wmark_band {
	MM_BAND_ABOVE_HIGH,	/* free > HIGH: kswapd would sleep */
	MM_BAND_HIGH_LOW,	/* LOW < free <= HIGH */
	MM_BAND_LOW_MIN,	/* MIN < free <= LOW: the fast path fails */
	MM_BAND_BELOW_MIN,	/* free <= MIN: only reserve users succeed */
	MM_BAND_NR
};
int mm_zone_wmark_band(int zone);

/* Counts of frames by place, for conservation: the sum is mm_total_pages(). */
struct mm_census {
	unsigned long free;		/* on buddy free lists */
	unsigned long pcp;		/* on per-CPU lists */
	unsigned long owned;		/* allocated, held by an owner */
	unsigned long in_flight;	/* given, not yet taken */
	unsigned long pooled;		/* in mempool reserves */
	unsigned long reclaimable;	/* in the reclaimable pool */
	unsigned long ballast;		/* held by fault injection */
};
void mm_census(struct mm_census *out);

/* Full structural validation (free lists, counters, page states). */
bool mm_is_valid(void);

#endif /* LABYRINTH_MM_H */
