// SPDX-License-Identifier: MIT
/*
 * Seeded random property tests. A splitmix64 stream from a constant seed
 * drives thousands of operations -- allocations of every class and order
 * in every context, frees, give/take, mempool traffic, ballast, drains,
 * reclaim, cache fills -- and after each one the allocator's own
 * validator must hold and the census must match an independent model of
 * where this test put every frame.
 *
 * The second test runs two CPUs at once (real threads) passing pages
 * through a mailbox; it also runs under ThreadSanitizer.
 */
#include "alloc_test.h"

static uint64_t rng_state;

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

#define NSLOTS	48

enum slot_state { S_EMPTY, S_OWNED, S_GIVEN, S_POOL };

/* The test's own model: which frames it holds and how. */
struct slot {
	struct page *page;
	unsigned int order;
	int state;
};

static struct slot slots[NSLOTS];
static mempool_t pool;
static unsigned long cache_added;

static const gfp_t classes[] = {
	GFP_ATOMIC, GFP_NOWAIT, GFP_ATOMIC | __GFP_NOMEMALLOC, __GFP_HIGH,
	GFP_ATOMIC | __GFP_MEMALLOC, GFP_ATOMIC | __GFP_NOFAIL | __GFP_NOWARN,
	GFP_KERNEL, GFP_NOIO, GFP_NOFS, GFP_KERNEL | __GFP_NORETRY,
	GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_HIGH,
	GFP_ATOMIC | __GFP_DMA, GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_MOVABLE,
	GFP_NOWAIT | __GFP_RECLAIMABLE, GFP_KERNEL | __GFP_MEMALLOC,
};

struct req {
	gfp_t gfp;
	unsigned int order;
	struct page *page;
};

static void run_alloc(void *arg)
{
	struct req *r = arg;

	r->page = alloc_pages(r->gfp, r->order);
}

static unsigned int random_order(void)
{
	unsigned int r = below(16);

	return r < 8 ? 0 : r < 11 ? 1 : r < 13 ? 2 : r < 14 ? 3 : 4 + below(MAX_PAGE_ORDER - 3);
}

static struct slot *pick(int state)
{
	int start = below(NSLOTS);

	for (int i = 0; i < NSLOTS; i++) {
		struct slot *s = &slots[(start + i) % NSLOTS];

		if (s->state == state)
			return s;
	}
	return NULL;
}

static void op_alloc(void)
{
	struct slot *s = pick(S_EMPTY);
	struct req r = { .gfp = classes[below(ARRAY_SIZE(classes))] | __GFP_NOWARN,
			 .order = random_order() };
	unsigned long flags;

	if (!s)
		return;
	if (gfpflags_allow_blocking(r.gfp)) {
		run_alloc(&r);			/* blocking: task context only */
	} else {
		switch (below(4)) {
		case 0:
			run_alloc(&r);
			break;
		case 1:
			threads_in_softirq(run_alloc, &r);
			break;
		case 2:
			threads_in_hardirq(run_alloc, &r);
			break;
		default:
			local_irq_save(flags);
			run_alloc(&r);
			local_irq_restore(flags);
			break;
		}
	}
	if (r.page) {
		s->page = r.page;
		s->order = r.order;
		s->state = S_OWNED;
	}
}

static void op_free(void)
{
	struct slot *s = pick(S_OWNED);

	if (!s)
		return;
	if (s->order == 0 && below(8) == 0) {
		mm_cache_add(s->page);
		cache_added++;
	} else {
		__free_pages(s->page, s->order);
	}
	s->state = S_EMPTY;
}

static void op_give_take(void)
{
	struct slot *s = pick(below(2) ? S_OWNED : S_GIVEN);

	if (!s)
		return;
	if (s->state == S_OWNED) {
		page_give(s->page, s->order, (int)(s - slots));
		s->state = S_GIVEN;
	} else {
		page_take(s->page, s->order, (int)(s - slots));
		s->state = S_OWNED;
	}
}

static void op_pool(void)
{
	struct slot *s;

	if (below(2)) {
		void *e;

		s = pick(S_EMPTY);
		if (!s)
			return;
		/* GFP_KERNEL may wait for a free: only when the reserve has one. */
		e = mempool_alloc(&pool, pool.curr_nr && below(2) ? GFP_KERNEL : GFP_ATOMIC);
		if (e) {
			s->page = e;
			s->order = 0;
			s->state = S_POOL;
		}
	} else {
		s = pick(S_POOL);
		if (!s)
			return;
		mempool_free(s->page, &pool);
		s->state = S_EMPTY;
	}
}

static void op_machine(void)
{
	switch (below(7)) {
	case 0:
		mm_ballast_fill(below(MAX_NR_ZONES), below(120));
		break;
	case 1:
		mm_ballast_release(below(3) - 1);
		break;
	case 2:
		drain_local_pages();
		break;
	case 3:
		drain_all_pages();
		break;
	case 4:
		kswapd_balance();
		break;
	case 5:
		threads_set_cpu(below(2));
		break;
	default:
		try_to_free_pages(GFP_KERNEL, 0, ZONE_NORMAL);
		break;
	}
}

/* The census against the test's model of every frame it placed. */
static void check_model(void)
{
	unsigned long owned = 0, given = 0, pooled_out = 0, ballast = 0;
	struct mm_census c;

	for (int i = 0; i < NSLOTS; i++) {
		if (slots[i].state == S_OWNED)
			owned += 1UL << slots[i].order;
		else if (slots[i].state == S_GIVEN)
			given += 1UL << slots[i].order;
		else if (slots[i].state == S_POOL)
			pooled_out++;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++)
		ballast += zone_of(z)->nr_ballast;
	mm_census(&c);
	assert_int_equal(c.owned, owned + pooled_out);
	assert_int_equal(c.in_flight, given);
	assert_int_equal(c.pooled, (unsigned long)pool.curr_nr);
	assert_int_equal(c.ballast, ballast);
	assert_int_equal(c.reclaimable, mm_reclaimable_pages());
	assert_int_equal(c.free + c.pcp + c.owned + c.in_flight + c.pooled +
			 c.reclaimable + c.ballast, mm_total_pages());
	assert_true(mm_is_valid());
}

static void test_random_single_cpu(void **state)
{
	unsigned long seeds[] = { 0x1ab5eedULL, 42, 0xdeadbeefULL };

	for (size_t k = 0; k < ARRAY_SIZE(seeds); k++) {
		mm_exit();
		assert_int_equal(mm_init(NULL), 0);
		rng_state = seeds[k];
		memset(slots, 0, sizeof(slots));
		cache_added = 0;
		assert_int_equal(mempool_init(&pool, 4, mempool_alloc_pages, mempool_free_pages,
					      (void *)0UL), 0);
		for (int step = 0; step < 3000; step++) {
			unsigned int r = below(20);

			if (r < 7)
				op_alloc();
			else if (r < 12)
				op_free();
			else if (r < 15)
				op_give_take();
			else if (r < 17)
				op_pool();
			else
				op_machine();
			check_model();
		}
		threads_set_cpu(0);
		/* Give everything back: the machine returns to its boot totals. */
		for (int i = 0; i < NSLOTS; i++) {
			if (slots[i].state == S_GIVEN)
				page_take(slots[i].page, slots[i].order, i);
			if (slots[i].state == S_POOL)
				mempool_free(slots[i].page, &pool);
			else if (slots[i].state != S_EMPTY)
				__free_pages(slots[i].page, slots[i].order);
			slots[i].state = S_EMPTY;
		}
		printf("seed %#lx: %d allocs, %d failed, %d reclaimed, %d pool out, %d ballast in\n",
		       seeds[k], rec.count[MM_EV_ALLOC], rec.count[MM_EV_ALLOC_FAIL],
		       rec.count[MM_EV_RECLAIM], rec.count[MM_EV_POOL_OUT],
		       rec.count[MM_EV_BALLAST_IN]);
		/* The run must have reached both outcomes to mean anything. */
		assert_true(rec.count[MM_EV_ALLOC] > 500);
		assert_true(rec.count[MM_EV_ALLOC_FAIL] > 10);
		assert_true(rec.count[MM_EV_POOL_OUT] > 0);
		rec_clear();
		mempool_exit(&pool);
		mm_ballast_release(-1);
		drain_all_pages();
		check_model();
		{
			struct mm_census c;

			mm_census(&c);
			assert_int_equal(c.free + c.reclaimable, mm_total_pages());
		}
	}
	assert_false(report_fired());
}

/*
 * Two CPUs at once. Each thread allocates, frees, and passes pages to the
 * other through a mailbox (give on one CPU, take on the other); CPU 1 also
 * takes interrupts' worth of atomic allocations.
 */
#define MAILBOX	32

static struct {
	pthread_mutex_t lock;
	struct page *page[MAILBOX];
	unsigned int order[MAILBOX];
	int n;
} box = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct worker {
	int cpu;
	uint64_t seed;
	long ops;
};

static uint64_t wrnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void worker(void *arg)
{
	struct worker *w = arg;
	struct page *mine[16] = { 0 };
	unsigned int ord[16] = { 0 };

	for (long i = 0; i < w->ops; i++) {
		uint64_t r = wrnd(&w->seed);
		int k = (int)(r % 16);

		switch ((r >> 8) % 4) {
		case 0:
			if (!mine[k]) {
				ord[k] = (unsigned int)((r >> 16) % 3);
				mine[k] = alloc_pages((r >> 20) & 1 ? GFP_ATOMIC : GFP_KERNEL, ord[k]);
			}
			break;
		case 1:
			if (mine[k]) {
				__free_pages(mine[k], ord[k]);
				mine[k] = NULL;
			}
			break;
		case 2:
			if (mine[k]) {
				pthread_mutex_lock(&box.lock);
				if (box.n < MAILBOX) {
					page_give(mine[k], ord[k], 0);
					box.page[box.n] = mine[k];
					box.order[box.n++] = ord[k];
					mine[k] = NULL;
				}
				pthread_mutex_unlock(&box.lock);
			}
			break;
		default:
			if (!mine[k]) {
				pthread_mutex_lock(&box.lock);
				if (box.n) {
					box.n--;
					mine[k] = box.page[box.n];
					ord[k] = box.order[box.n];
					page_take(mine[k], ord[k], 0);
				}
				pthread_mutex_unlock(&box.lock);
			}
			break;
		}
		if (i % 500 == 0)
			drain_local_pages();
	}
	for (int k = 0; k < 16; k++)
		if (mine[k])
			__free_pages(mine[k], ord[k]);
}

static void test_random_two_cpus(void **state)
{
	struct worker w[2] = { { 0, 7, 4000 }, { 1, 11, 4000 } };
	struct mm_census c;

	box.n = 0;
	assert_int_equal(threads_spawn(0, "w0", worker, &w[0]), 0);
	assert_int_equal(threads_spawn(1, "w1", worker, &w[1]), 0);
	threads_join_all();
	while (box.n) {
		box.n--;
		page_take(box.page[box.n], box.order[box.n], 0);
		__free_pages(box.page[box.n], box.order[box.n]);
	}
	drain_all_pages();
	assert_true(mm_is_valid());
	mm_census(&c);
	assert_int_equal(c.owned + c.in_flight + c.pcp + c.ballast + c.pooled, 0);
	assert_int_equal(c.free + c.reclaimable, mm_total_pages());
	assert_false(report_fired());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_random_single_cpu),
		ALLOC_TEST(test_random_two_cpus),
	};

	return LAB_RUN_TESTS(tests);
}
