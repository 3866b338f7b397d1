// SPDX-License-Identifier: MIT
/*
 * init.c: build and tear down the one machine's memory (free_area_init,
 * memblock_free_all, setup_per_zone_wmarks, setup_per_zone_lowmem_reserve
 * in Linux v6.x mm/mm_init.c and mm/page_alloc.c), and the pfn helpers.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <labyrinth/zoo.h>
#include "internal.h"

struct pglist_data contig_page_data;

static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "Normal" };

/*
 * __setup_per_zone_wmarks(): MIN split between zones by size; the
 * kswapd distance is max(MIN/4, managed * scale / 10000).
 */
void setup_per_zone_wmarks(unsigned long min_free, unsigned int scale)
{
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long lowmem_pages = 0;

	for (int i = 0; i < MAX_NR_ZONES; i++)
		lowmem_pages += pgdat->node_zones[i].managed_pages;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];
		unsigned long tmp, flags;

		spin_lock_irqsave(&z->lock, flags);
		tmp = lowmem_pages ? min_free * z->managed_pages / lowmem_pages : 0;
		z->_watermark[WMARK_MIN] = tmp;
		tmp = max(tmp >> 2, z->managed_pages * scale / 10000);
		z->_watermark[WMARK_LOW] = z->_watermark[WMARK_MIN] + tmp;
		z->_watermark[WMARK_HIGH] = z->_watermark[WMARK_LOW] + tmp;
		spin_unlock_irqrestore(&z->lock, flags);
	}
}

/*
 * setup_per_zone_lowmem_reserve(): a lower zone i keeps
 * managed(i+1..j) / ratio[i] pages back from requests that could have
 * used zone j.
 */
void setup_per_zone_lowmem_reserve(const unsigned int *ratio)
{
	struct pglist_data *pgdat = NODE_DATA();

	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];
		bool clear = !ratio[i] || !z->managed_pages;
		unsigned long managed = 0;

		z->lowmem_reserve[i] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			managed += pgdat->node_zones[j].managed_pages;
			z->lowmem_reserve[j] = clear ? 0 : (long)(managed / ratio[i]);
		}
	}
}

/* memblock_free_all(): hand every frame to the buddy lists in maximal blocks. */
static void free_zone_memory(struct zone *z)
{
	unsigned long pfn = z->zone_start_pfn;
	unsigned long end = pfn + z->managed_pages;

	while (pfn < end) {
		unsigned int order = MAX_PAGE_ORDER;

		while (order && ((pfn & ((1UL << order) - 1)) || pfn + (1UL << order) > end))
			order--;
		__free_one_page(page_of(pfn), pfn, z, order, get_pageblock_migratetype(page_of(pfn)));
		pfn += 1UL << order;
	}
}

static int zone_init(struct zone *z, int idx, unsigned long start, unsigned long pages)
{
	memset(z, 0, sizeof(*z));
	spin_lock_init(&z->lock);
	z->name = zone_names[idx];
	z->idx = idx;
	z->zone_start_pfn = start;
	z->managed_pages = pages;
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&z->free_area[o].free_list[mt]);
	INIT_LIST_HEAD(&z->ballast);
	z->pageblock_mt = malloc(pages / pageblock_nr_pages + 1);
	if (!z->pageblock_mt)
		return -ENOMEM;
	/* memmap_init(): every pageblock starts MIGRATE_MOVABLE */
	memset(z->pageblock_mt, MIGRATE_MOVABLE, pages / pageblock_nr_pages + 1);
	/* the page array is reused from the last run: clear it in one go */
	memset(page_of(start), 0, pages * sizeof(struct page));
	for (unsigned long pfn = start; pfn < start + pages; pfn++) {
		struct page *p = page_of(pfn);

		INIT_LIST_HEAD(&p->lru);
		p->zone = (unsigned char)idx;
		p->chan = -1;
		/*
		 * Field by field: as struct copies clang makes these a
		 * memset() and a memcpy(), each a checked call under ASan.
		 */
		p->owner.cpu = p->allocator.cpu = -1;
		p->owner.ctx = p->allocator.ctx = -1;
		p->owner.actor = p->allocator.actor = -1;
	}
	return 0;
}

/*
 * The arena outlives runs. Mapping and faulting in a fresh arena on
 * every mm_init() cost more than the run itself (perf on the ops
 * replay loop: ~40% of the time in mmap, munmap and first-touch page
 * faults). A run returns every frame it handed out to zero, poisoned,
 * in mm_exit(), so a reused arena holds exactly the bytes of a new one
 * and runs stay independent. The page array is kept too (a calloc()
 * per run was an eighth of a run's instructions, and under ASan a
 * fresh, page-faulted chunk every time: freed ones sit in quarantine);
 * zone_init() clears it.
 * Invariant: between runs, mem covers pages frames, all zero and
 * (under ASan) all poisoned; map holds pages struct pages, poisoned.
 */
static struct {
	char *mem;
	unsigned long pages;
	struct page *map;
} arena_cache;

/* 1: a new mapping (poison it), 0: reused, -1: no memory. */
static int arena_get(unsigned long pages)
{
	void *m;

	if (arena_cache.mem && arena_cache.pages == pages) {
		asan_unpoison_range(arena_cache.map, pages * sizeof(struct page));
		return 0;
	}
	if (arena_cache.mem) {
		asan_unpoison_range(arena_cache.mem, arena_cache.pages * PAGE_SIZE);
		munmap(arena_cache.mem, arena_cache.pages * PAGE_SIZE);
		asan_unpoison_range(arena_cache.map, arena_cache.pages * sizeof(struct page));
		free(arena_cache.map);
		arena_cache.mem = NULL;
		arena_cache.map = NULL;
		arena_cache.pages = 0;
	}
	arena_cache.map = malloc(pages * sizeof(struct page));
	if (!arena_cache.map)
		return -1;
	m = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		free(arena_cache.map);
		arena_cache.map = NULL;
		return -1;
	}
	arena_cache.mem = m;
	arena_cache.pages = pages;
	return 1;
}

/* Between runs nobody may touch the page array: ASan reports it. */
static void arena_put_map(void)
{
	asan_poison_range(arena_cache.map, arena_cache.pages * sizeof(struct page));
}

int mm_init(const struct mm_config *cfg)
{
	int fresh;
	static const struct mm_config defaults;
	struct pglist_data *pgdat = NODE_DATA();
	unsigned long zone_pages[MAX_NR_ZONES] = { 64, 960 };
	unsigned int ratio[MAX_NR_ZONES] = { 256, 32 };
	unsigned long min_free = 64, reclaimable = 128, start = 0;
	unsigned int scale = 10;
	int high = 12, batch = 4, nr_cpus = lab_nr_cpus();
	int err;

	/* the zoo benchmark counts runs to its canaries (zoo.h) */
	ZOO_RUN_BEGIN();
	if (pgdat->up)
		mm_exit();
	if (!cfg)
		cfg = &defaults;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		if (cfg->zone_pages[i])
			zone_pages[i] = cfg->zone_pages[i];
		if (cfg->lowmem_reserve_ratio[i])
			ratio[i] = cfg->lowmem_reserve_ratio[i];
		/* zones are whole pageblocks (the kernel aligns them too) */
		if (zone_pages[i] % pageblock_nr_pages)
			return -EINVAL;
	}
	if (cfg->min_free_pages)
		min_free = cfg->min_free_pages;
	if (cfg->watermark_scale_factor)
		scale = cfg->watermark_scale_factor;
	if (cfg->reclaimable_pages)
		reclaimable = cfg->reclaimable_pages;
	if (cfg->pcp_high > 0)
		high = cfg->pcp_high;
	if (cfg->pcp_batch > 0)
		batch = cfg->pcp_batch;
	if (cfg->nr_cpus > 0)
		nr_cpus = cfg->nr_cpus;
	if (nr_cpus > NR_CPUS)
		nr_cpus = NR_CPUS;
	if (reclaimable > zone_pages[ZONE_NORMAL] / 2)
		return -EINVAL;

	memset(pgdat, 0, sizeof(*pgdat));
	pgdat->nr_pages = zone_pages[ZONE_DMA] + zone_pages[ZONE_NORMAL];
	pgdat->nr_cpus = nr_cpus;
	fresh = arena_get(pgdat->nr_pages);
	if (fresh < 0) {
		memset(pgdat, 0, sizeof(*pgdat));
		return -ENOMEM;
	}
	pgdat->mem_map = arena_cache.map;
	pgdat->arena = arena_cache.mem;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		err = zone_init(&pgdat->node_zones[i], i, start, zone_pages[i]);
		if (err)
			goto out_free;
		start += zone_pages[i];
	}
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &pgdat->node_zones[i];

		pcp_init(z, nr_cpus, high, batch);
		/* a reused arena is already all poisoned and zero (mm_exit()) */
		for (unsigned long pfn = z->zone_start_pfn;
		     fresh && pfn < z->zone_start_pfn + z->managed_pages; pfn++)
			asan_poison_frames(page_of(pfn), 0);
		free_zone_memory(z);
	}
	setup_per_zone_lowmem_reserve(ratio);
	setup_per_zone_wmarks(min_free, scale);
	pgdat->up = true;
	reclaim_init(reclaimable);
	reclaim_start(cfg->kswapd);
	DEBUG_CHECK(mm_is_valid());
	return 0;

out_free:
	for (int i = 0; i < MAX_NR_ZONES; i++)
		free(pgdat->node_zones[i].pageblock_mt);
	arena_put_map();
	memset(pgdat, 0, sizeof(*pgdat));
	return err;
}

void mm_exit(void)
{
	struct pglist_data *pgdat = NODE_DATA();

	if (!pgdat->up)
		return;
	reclaim_stop();
	/*
	 * The arena is kept for the next run: give back every frame a
	 * caller could have written as zeroes, and poisoned, so the next
	 * run starts from the same bytes a fresh mapping would have.
	 */
	for (unsigned long pfn = 0; pfn < pgdat->nr_pages; pfn++) {
		struct page *page = page_of(pfn);

		if (!page->dirty)
			continue;
		asan_unpoison_frames(page, 0);
		memset(page_address(page), 0, PAGE_SIZE);
		asan_poison_frames(page, 0);
	}
	for (int i = 0; i < MAX_NR_ZONES; i++)
		free(pgdat->node_zones[i].pageblock_mt);
	arena_put_map();
	memset(pgdat, 0, sizeof(*pgdat));
}

unsigned long mm_total_pages(void)
{
	return NODE_DATA()->nr_pages;
}

void *page_address(const struct page *page)
{
	return NODE_DATA()->arena + pfn_of(page) * PAGE_SIZE;
}

struct page *virt_to_page(const void *addr)
{
	struct pglist_data *pgdat = NODE_DATA();
	const char *p = addr;

	if (!pgdat->up || p < pgdat->arena || p >= pgdat->arena + pgdat->nr_pages * PAGE_SIZE)
		return NULL;
	return page_of((unsigned long)(p - pgdat->arena) / PAGE_SIZE);
}

unsigned long page_to_pfn(const struct page *page)
{
	return pfn_of(page);
}

struct page *pfn_to_page(unsigned long pfn)
{
	if (!NODE_DATA()->up || pfn >= NODE_DATA()->nr_pages)
		return NULL;
	return page_of(pfn);
}
