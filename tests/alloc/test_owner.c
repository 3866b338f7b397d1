// SPDX-License-Identifier: MIT
/*
 * Ownership and the event stream: page_owner records, give/take through
 * a channel, the place of every frame in the census, the fault hook at
 * the __alloc_pages entry, ASan poisoning of frames nobody may touch,
 * and the ballast.
 */
#include "alloc_test.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#include <sanitizer/asan_interface.h>
#endif
#endif

static void test_alloc_records_owner(void **state)
{
	struct page_owner_info info;
	struct lab_owner me = lab_current();
	const struct mm_event *ev;
	struct page *p = alloc_pages(GFP_KERNEL | __GFP_MOVABLE, 2);

	assert_int_equal(page_owner_get(p, &info), 0);
	assert_int_equal(info.owner.cpu, me.cpu);
	assert_int_equal(info.owner.actor, me.actor);
	assert_int_equal(info.owner.ctx, LAB_CTX_TASK);
	assert_int_equal(info.allocator.actor, me.actor);
	assert_int_equal(info.gfp, GFP_KERNEL | __GFP_MOVABLE);
	assert_int_equal(info.order, 2);
	assert_non_null(info.site);
	assert_string_equal(info.site->func, "test_alloc_records_owner");
	ev = rec_last(MM_EV_ALLOC);
	assert_int_equal(ev->pfn, page_to_pfn(p));
	assert_int_equal(ev->order, 2);
	assert_ptr_equal(ev->site, info.site);
	__free_pages(p, 2);
	ev = rec_last(MM_EV_FREE);
	assert_int_equal(ev->pfn, page_to_pfn(p));
	assert_string_equal(ev->site->func, "test_alloc_records_owner");
	assert_census();
}

static void irq_alloc(void *arg)
{
	*(struct page **)arg = alloc_page(GFP_ATOMIC);
}

static void test_owner_context_of_interrupt(void **state)
{
	struct page *p;
	struct page_owner_info info;

	threads_in_hardirq(irq_alloc, &p);
	page_owner_get(p, &info);
	assert_int_equal(info.owner.ctx, LAB_CTX_HARDIRQ);
	threads_in_softirq(irq_alloc, &p);
	page_owner_get(p, &info);
	assert_int_equal(info.owner.ctx, LAB_CTX_SOFTIRQ);
	assert_int_equal(rec_last(MM_EV_ALLOC)->who.ctx, LAB_CTX_SOFTIRQ);
}

static void test_give_and_take(void **state)
{
	struct page *p = alloc_pages(GFP_KERNEL, 1);
	struct page_owner_info info;
	struct mm_census c;
	int other = threads_new_actor("consumer");
	int me = lab_current().actor;

	page_give(p, 1, 7);
	mm_census(&c);
	assert_int_equal(c.in_flight, 2);
	assert_int_equal(c.owned, 0);
	assert_int_equal(rec_last(MM_EV_GIVE)->chan, 7);
	assert_int_equal(rec_last(MM_EV_GIVE)->who.actor, me);
	page_owner_get(p, &info);
	assert_int_equal(info.owner.cpu, -1);
	threads_set_cpu(1);
	threads_set_actor(other);
	page_take(p, 1, 7);
	page_owner_get(p, &info);
	assert_int_equal(info.owner.actor, other);
	assert_int_equal(info.owner.cpu, 1);
	assert_int_equal(info.allocator.actor, me);
	assert_int_equal(rec_last(MM_EV_TAKE)->who.actor, other);
	mm_census(&c);
	assert_int_equal(c.owned, 2);
	__free_pages(p, 1);
	assert_int_equal(rec_last(MM_EV_FREE)->who.actor, other);
	threads_set_cpu(0);
	threads_set_actor(me);
	assert_census();
}

/* Give/take of a frame that is not owned: events only, the lists stay intact. */
static void test_give_of_free_page_is_harmless(void **state)
{
	struct page *p = alloc_page(GFP_KERNEL);
	struct mm_census before, after;

	__free_page(p);
	mm_census(&before);
	page_give(p, 0, 3);
	page_take(p, 0, 3);
	mm_census(&after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(rec.count[MM_EV_GIVE], 1);
	assert_int_equal(rec.count[MM_EV_TAKE], 1);
	assert_true(mm_is_valid());
}

/* The fault hook sees every allocation at the entry, NOFAIL included. */
struct hook_state {
	int calls;
	int fail_next;
	gfp_t last_gfp;
	int site;
};

static bool hook(int site, gfp_t gfp, unsigned int order, void *arg)
{
	struct hook_state *h = arg;

	if (site != FAULT_SITE_ALLOC_PAGES)
		return false;
	h->calls++;
	h->last_gfp = gfp;
	h->site = site;
	if (h->fail_next) {
		h->fail_next--;
		return true;
	}
	return false;
}

static void test_fault_hook(void **state)
{
	struct hook_state h = { .fail_next = 1 };
	struct page *p;

	mm_set_fault_hook(hook, &h);
	rec_clear();
	assert_null(alloc_page(GFP_KERNEL));
	assert_int_equal(rec.count[MM_EV_ALLOC_FAIL], 1);
	assert_int_equal(rec.count[MM_EV_WMARK], 0);	/* failed before any decision */
	p = alloc_page(GFP_KERNEL | __GFP_NOFAIL);
	assert_non_null(p);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.last_gfp, GFP_KERNEL | __GFP_NOFAIL);
	__free_page(p);
	/* mm_init() keeps the hook and listeners (mm.h) */
	mm_exit();
	mm_init(NULL);
	h.fail_next = 1;
	assert_null(alloc_page(GFP_ATOMIC));
	mm_set_fault_hook(NULL, NULL);
	assert_non_null(alloc_page(GFP_ATOMIC));
}

static void test_poisoning(void **state)
{
#ifdef TEST_ASAN
	struct page *p = alloc_pages(GFP_KERNEL, 1);
	char *mem = page_address(p);

	assert_false(__asan_region_is_poisoned(mem, 2 * PAGE_SIZE));
	mem[0] = 1;
	__free_pages(p, 1);
	assert_true(__asan_address_is_poisoned(mem));
	assert_true(__asan_address_is_poisoned(mem + PAGE_SIZE + 17));
	/* Ballast frames are free frames held aside: poisoned too. */
	set_free(ZONE_DMA, 0);
	assert_true(__asan_address_is_poisoned(page_address(pfn_to_page(0))));
	mm_ballast_release(-1);
#else
	skip();
#endif
}

static void test_gfp_zero(void **state)
{
	struct page *p, *q;
	unsigned char *mem;

	/* Buddy path only (pcp held): the freed frame merges back and is found again. */
	hold_pcp(ZONE_NORMAL, 0);
	p = alloc_page(GFP_NOWAIT);
	mem = page_address(p);
	memset(mem, 0xaa, PAGE_SIZE);
	__free_page(p);
	q = alloc_page(GFP_NOWAIT | __GFP_ZERO);
	release_pcp(ZONE_NORMAL, 0);
	assert_ptr_equal(q, p);
	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		if (mem[i])
			fail_msg("byte %lu not zero", i);
	__free_page(q);
}

static void test_address_helpers(void **state)
{
	unsigned long a = __get_free_pages(GFP_KERNEL, 1);
	struct page *p = virt_to_page((void *)a);
	int local;

	assert_non_null(p);
	assert_ptr_equal(page_address(p), (void *)a);
	assert_ptr_equal(pfn_to_page(page_to_pfn(p)), p);
	assert_ptr_equal(virt_to_page((char *)a + PAGE_SIZE + 5), p + 1);
	assert_null(virt_to_page(&local));
	assert_null(pfn_to_page(mm_total_pages()));
	free_pages(a, 1);
	free_pages(0, 0);
	assert_census();
}

static void test_ballast_exact_line(void **state)
{
	struct mm_census c;
	long moved;

	drain_all_pages();
	moved = mm_ballast_fill(ZONE_NORMAL, 77);
	assert_int_equal(free_of(ZONE_NORMAL), 77);
	assert_int_equal(moved, 960 - 128 - 77);
	mm_census(&c);
	assert_int_equal(c.ballast, moved);
	assert_int_equal(rec.count[MM_EV_BALLAST_IN] > 0, 1);
	assert_int_equal(mm_ballast_release(ZONE_DMA), 0);
	assert_int_equal(mm_ballast_release(-1), moved);
	assert_int_equal(free_of(ZONE_NORMAL), 960 - 128);
	mm_census(&c);
	assert_int_equal(c.ballast, 0);
	assert_census();
}

static void count_listener(const struct mm_event *ev, void *arg)
{
	(*(int *)arg)++;
}

static void test_listeners(void **state)
{
	int n = 0;

	for (int i = 1; i < MM_MAX_LISTENERS; i++)
		assert_int_equal(mm_listen(count_listener, &n), 0);
	assert_int_not_equal(mm_listen(count_listener, &n), 0);
	__free_page(alloc_page(GFP_KERNEL));
	/* 7 listeners, at least ALLOC + FREE + the WMARK decision each */
	assert_true(n >= 7 * 3);
	mm_listen_reset();
	n = 0;
	__free_page(alloc_page(GFP_KERNEL));
	assert_int_equal(n, 0);
}

/* Conservation over a mixed set of places. */
static void test_census_all_places(void **state)
{
	mempool_t pool;
	struct mm_census c;
	struct page *given = alloc_page(GFP_KERNEL);
	struct page *owned = alloc_pages(GFP_KERNEL, 3);

	page_give(given, 0, 1);
	mempool_init(&pool, 2, mempool_alloc_pages, mempool_free_pages, (void *)0UL);
	mm_ballast_fill(ZONE_DMA, 10);
	mm_census(&c);
	assert_int_equal(c.in_flight, 1);
	assert_int_equal(c.owned, 8);
	assert_int_equal(c.pooled, 2);
	assert_int_equal(c.ballast, 54);
	assert_int_equal(c.reclaimable, 128);
	assert_true(c.pcp > 0);
	assert_census();
	page_take(given, 0, 1);
	__free_page(given);
	__free_pages(owned, 3);
	mempool_exit(&pool);
	mm_ballast_release(-1);
	drain_all_pages();
	mm_census(&c);
	assert_int_equal(c.free, 1024 - 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		ALLOC_TEST(test_alloc_records_owner),
		ALLOC_TEST(test_owner_context_of_interrupt),
		ALLOC_TEST(test_give_and_take),
		ALLOC_TEST(test_give_of_free_page_is_harmless),
		ALLOC_TEST(test_fault_hook),
		ALLOC_TEST(test_poisoning),
		ALLOC_TEST(test_gfp_zero),
		ALLOC_TEST(test_address_helpers),
		ALLOC_TEST(test_ballast_exact_line),
		ALLOC_TEST(test_listeners),
		ALLOC_TEST(test_census_all_places),
	};

	return LAB_RUN_TESTS(tests);
}
