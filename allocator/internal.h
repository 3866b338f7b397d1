/* SPDX-License-Identifier: MIT */
/*
 * internal.h: the allocator's private types, shared by the allocator/ sources
 * (and by tests/alloc/, which look inside). Shapes follow Linux v6.x
 * include/linux/mmzone.h, include/linux/mm_types.h and mm/internal.h.
 */
#ifndef LABYRINTH_ALLOCATOR_INTERNAL_H
#define LABYRINTH_ALLOCATOR_INTERNAL_H

#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/fault_sites.h>
#include "alloc_flags.h"

#define PAGE_ALLOC_COSTLY_ORDER	3
#define NR_PCP_LISTS		(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define MAX_RECLAIM_RETRIES	16
#define SWAP_CLUSTER_MAX	32UL
#define GFP_MOVABLE_SHIFT	3

/*
 * Where a frame is. Every frame is in exactly one place at every
 * instant; mm_census() counts them, mm_is_valid() checks that FREE, PCP,
 * RECLAIMABLE and BALLAST frames are exactly those on the matching lists.
 */
enum page_place {
	PLACE_FREE,		/* in a block on a buddy free list */
	PLACE_PCP,		/* in a block on a per-CPU list */
	PLACE_OWNED,		/* allocated; page->owner holds it */
	PLACE_IN_FLIGHT,	/* given into channel page->chan */
	PLACE_POOLED,		/* in mempool page->chan's reserve */
	PLACE_RECLAIMABLE,	/* in the reclaimable pool (page cache LRU) */
	PLACE_BALLAST,		/* held aside by mm_ballast_fill() */
	PLACE_NR
};

/*
 * struct page: one per frame (include/linux/mm_types.h, cut down).
 * Invariants:
 *  - buddy != 0 <=> the frame heads a free block of 2^order frames on
 *    zone->free_area[order].free_list[list_mt] (PageBuddy, buddy_order());
 *  - every frame of a block shares the block's place;
 *  - head != 0 <=> the frame heads an allocated block of alloc_order
 *    (page_owner's record; tail frames have head == 0);
 *  - place, owner and chan are read without locks by census and
 *    checkers, so they are written with WRITE_ONCE.
 */
struct page {
	struct list_head lru;		/* free list, pcp list, LRU or ballast list link */
	int place;			/* enum page_place */
	unsigned char buddy;		/* PageBuddy */
	unsigned char head;		/* heads an allocated block */
	unsigned char zone;		/* enum zone_type */
	signed char list_mt;		/* migratetype of the list it is on */
	signed char pcp_cpu;		/* CPU whose pcp list holds it (PLACE_PCP) */
	unsigned int order;		/* block order while listed (free, pcp, ballast, LRU) */
	int chan;			/* channel (IN_FLIGHT) or pool id (POOLED), else -1 */
	/* page_owner (mm/page_owner.c) */
	struct lab_owner owner;		/* current owner; cpu -1 while in flight */
	struct lab_owner allocator;	/* who allocated it */
	gfp_t gfp;			/* gfp of the allocation */
	unsigned int alloc_order;	/* order of the allocation */
	int alloc_mt;			/* gfp_migratetype() of the allocation */
	const struct lab_site *site;	/* allocation call site */
	unsigned char dirty;		/* frame memory handed out this run */
};

/*
 * Invariant: nr_free == Σ nr_free_mt[mt]; nr_free_mt[mt] == blocks on
 * free_list[mt]. The counts are written under zone->lock with
 * WRITE_ONCE because the watermark check reads them without it (where
 * Linux reads list heads racily).
 */
struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;
	unsigned long nr_free_mt[MIGRATE_TYPES];
};

/* A counter written under a lock and read without it. */
#define COUNTER_ADD(c, n)	WRITE_ONCE((c), (c) + (n))

/*
 * struct per_cpu_pages (include/linux/mmzone.h): one per zone per CPU.
 * Taken only with pcp_spin_trylock() (preempt off, IRQs left on), so an
 * interrupt that finds it held falls back to the buddy lists.
 * Invariant: count == Σ over lists[i] of 2^pindex_to_order(i) pages;
 * every page on a list is PLACE_PCP.
 */
struct per_cpu_pages {
	spinlock_t lock;
	int count;			/* pages on the lists */
	int high;			/* free beyond this drains a batch */
	int batch;			/* rmqueue_bulk / free_pcppages_bulk chunk */
	struct list_head lists[NR_PCP_LISTS];
};

/*
 * struct zone (include/linux/mmzone.h). zone->lock guards free_area,
 * the pageblock migratetypes, nr_reserved_highatomic and the ballast.
 * Invariants (under zone->lock):
 *   free_pages == Σ_o Σ_mt 2^o · |free_area[o].free_list[mt]|   (NR_FREE_PAGES)
 *   nr_free_highatomic == Σ_o 2^o · |free_area[o].free_list[HIGHATOMIC]|
 *   nr_reserved_highatomic == pageblock_nr_pages · #HIGHATOMIC pageblocks
 *   _watermark[MIN] <= _watermark[LOW] <= _watermark[HIGH]
 * pcp pages are not in free_pages, as in Linux.
 */
struct zone {
	spinlock_t lock;
	const char *name;
	int idx;				/* enum zone_type */
	unsigned long zone_start_pfn;
	unsigned long managed_pages;		/* == spanned: no holes */
	unsigned long _watermark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
	struct free_area free_area[NR_PAGE_ORDERS];
	atomic_long_t free_pages;		/* NR_FREE_PAGES, read locklessly */
	long nr_free_highatomic;		/* READ_ONCE outside zone->lock */
	unsigned long nr_reserved_highatomic;	/* READ_ONCE outside zone->lock */
	unsigned char *pageblock_mt;		/* migratetype per pageblock */
	struct list_head ballast;		/* blocks held by mm_ballast_fill() */
	unsigned long nr_ballast;		/* pages on ballast */
	struct per_cpu_pages pcp[NR_CPUS];
};

/*
 * The one machine (contig_page_data). Rebuilt by mm_init(), freed by
 * mm_exit(). lru_lock guards lru and nr_lru (lruvec->lru_lock).
 * Invariant: nr_lru_total == Σ nr_lru[z] == frames on lru.
 */
struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct page *mem_map;
	unsigned long nr_pages;
	char *arena;				/* nr_pages * PAGE_SIZE bytes */
	int nr_cpus;
	/* the reclaimable pool: page cache on an LRU */
	spinlock_t lru_lock;
	struct list_head lru;
	unsigned long nr_lru[MAX_NR_ZONES];
	unsigned long nr_lru_total;
	/* kswapd */
	wait_queue_head_t kswapd_wait;
	int kswapd_woken;			/* a wake-up is pending */
	int kswapd_hold;			/* mm_kswapd_hold() */
	unsigned long kswapd_wakeups;		/* wakeup_kswapd() calls that recorded */
	unsigned long kswapd_runs;		/* balancing passes made */
	struct task_struct *kswapd;
	/* mempool ids */
	int next_pool_id;
	bool up;				/* between mm_init() and mm_exit() */
};

extern struct pglist_data contig_page_data;
#define NODE_DATA()	(&contig_page_data)

/* ---- helpers ----------------------------------------------------------- */

static inline struct zone *page_zone(const struct page *page)
{
	return &contig_page_data.node_zones[page->zone];
}

static inline unsigned long pfn_of(const struct page *page)
{
	return (unsigned long)(page - contig_page_data.mem_map);
}

static inline struct page *page_of(unsigned long pfn)
{
	return &contig_page_data.mem_map[pfn];
}

static inline bool zone_spans_pfn(const struct zone *z, unsigned long pfn)
{
	return pfn >= z->zone_start_pfn && pfn < z->zone_start_pfn + z->managed_pages;
}

static inline unsigned long wmark_pages(const struct zone *z, int i)
{
	return z->_watermark[i];
}

static inline long zone_free_pages(struct zone *z)
{
	return atomic_long_read(&z->free_pages);
}

/* gfp_migratetype(): include/linux/gfp.h */
static inline int gfp_migratetype(gfp_t gfp)
{
	return (int)((gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) >> GFP_MOVABLE_SHIFT);
}

/* gfp_zone(): __GFP_DMA restricts to ZONE_DMA, else up to ZONE_NORMAL. */
static inline int gfp_zone(gfp_t gfp)
{
	return (gfp & __GFP_DMA) ? ZONE_DMA : ZONE_NORMAL;
}

/* order_to_pindex() / pindex_to_order(): mm/page_alloc.c */
static inline int order_to_pindex(int mt, unsigned int order)
{
	return (MIGRATE_PCPTYPES * order) + mt;
}

static inline unsigned int pindex_to_order(int pindex)
{
	return pindex / MIGRATE_PCPTYPES;
}

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER;
}

static inline bool is_migrate_highatomic(int mt)
{
	return mt == MIGRATE_HIGHATOMIC;
}

/* migratetype_is_mergeable(): include/linux/mmzone.h */
static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

static inline int get_pageblock_migratetype(const struct page *page)
{
	const struct zone *z = page_zone(page);

	return READ_ONCE(z->pageblock_mt[(pfn_of(page) - z->zone_start_pfn) >> pageblock_order]);
}

static inline void set_pageblock_migratetype(struct page *page, int mt)
{
	struct zone *z = page_zone(page);

	WRITE_ONCE(z->pageblock_mt[(pfn_of(page) - z->zone_start_pfn) >> pageblock_order],
		   (unsigned char)mt);
}

static inline void set_place(struct page *page, unsigned int order, int place)
{
	for (unsigned long i = 0; i < (1UL << order); i++)
		WRITE_ONCE(page[i].place, place);
}

/* Onto cpu's pcp list: the CPU is written before the place it qualifies. */
static inline void set_place_pcp(struct page *page, unsigned int order, int cpu)
{
	for (unsigned long i = 0; i < (1UL << order); i++) {
		WRITE_ONCE(page[i].pcp_cpu, (signed char)cpu);
		__atomic_store_n(&page[i].place, PLACE_PCP, __ATOMIC_RELEASE);
	}
}

static inline void set_owner(struct page *page, struct lab_owner who)
{
	WRITE_ONCE(page->owner.cpu, who.cpu);
	WRITE_ONCE(page->owner.ctx, who.ctx);
	WRITE_ONCE(page->owner.actor, who.actor);
}

/* ---- buddy.c: free lists, split, merge, fallback (zone->lock held) ----- */
void add_to_free_list(struct page *page, struct zone *z, unsigned int order, int mt, bool tail);
void del_page_from_free_list(struct page *page, struct zone *z, unsigned int order);
void move_to_free_list(struct page *page, struct zone *z, unsigned int order, int new_mt);
struct page *__rmqueue_smallest(struct zone *z, unsigned int order, int mt);
struct page *__rmqueue(struct zone *z, unsigned int order, int mt, unsigned int alloc_flags);
void __free_one_page(struct page *page, unsigned long pfn, struct zone *z,
		     unsigned int order, int mt);
int move_freepages_block(struct zone *z, struct page *page, int new_mt, int *movable);
void free_one_page(struct zone *z, struct page *page, unsigned int order);
void change_pageblock_range(struct page *page, unsigned int order, int mt);

/* ---- page_alloc.c / slowpath.c ----------------------------------------- */

/* What one allocation is allowed (struct alloc_context). */
struct alloc_context {
	int highest_zoneidx;		/* gfp_zone() */
	int migratetype;		/* gfp_migratetype() */
	bool oom_victim;		/* model of TIF_MEMDIE: see docs/allocator.md */
};

struct page *get_page_from_freelist(gfp_t gfp, unsigned int order, unsigned int alloc_flags,
				    const struct alloc_context *ac);
struct page *__alloc_pages_slowpath(gfp_t gfp, unsigned int order, struct alloc_context *ac);
void warn_alloc(gfp_t gfp, unsigned int order, const char *what);
bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags,
			 long free_pages, long free_highatomic);
unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order);
unsigned int __gfp_pfmemalloc_flags(gfp_t gfp);
void setup_per_zone_wmarks(unsigned long min_free, unsigned int scale);
void setup_per_zone_lowmem_reserve(const unsigned int *ratio);
void prep_new_page(struct page *page, unsigned int order, gfp_t gfp, const struct lab_site *site);
void free_pages_to_allocator(struct page *page, unsigned int order);

/* ---- pcp.c ------------------------------------------------------------- */
struct page *rmqueue_pcplist(struct zone *z, unsigned int order, int mt, unsigned int alloc_flags);
void free_unref_page(struct page *page, unsigned int order);
void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex);
void pcp_init(struct zone *z, int nr_cpus, int high, int batch);

/* ---- highatomic.c ------------------------------------------------------ */
void reserve_highatomic_pageblock(struct page *page, unsigned int order, struct zone *z);
bool unreserve_highatomic_pageblock(int highest_zoneidx, int mt, bool force);

/* ---- reclaim.c --------------------------------------------------------- */
unsigned long try_to_free_pages(gfp_t gfp, unsigned int order, int highest_zoneidx);
unsigned long zone_reclaimable_pages(struct zone *z);
void reclaim_init(unsigned long nr);
void reclaim_start(bool kswapd);
void reclaim_stop(void);

/* ---- events.c ---------------------------------------------------------- */
void mm_emit(const struct mm_event *ev);
bool mm_listening(void);
bool mm_should_fail(int site, gfp_t gfp, unsigned int order);
void mm_emit_simple(enum mm_event_kind kind, const struct page *page,
		    unsigned int order, gfp_t gfp, int chan, const struct lab_site *site);

/* ---- owner.c / debug ---------------------------------------------------- */
void asan_poison_frames(struct page *page, unsigned int order);
void asan_unpoison_frames(struct page *page, unsigned int order);
void asan_poison_range(void *addr, unsigned long len);
void asan_unpoison_range(void *addr, unsigned long len);
void bad_page(const struct page *page, const char *reason);

#endif /* LABYRINTH_ALLOCATOR_INTERNAL_H */
