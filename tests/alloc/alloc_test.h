/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up for the allocator tests: a fresh threads backend and a
 * fresh machine per test, an event recorder, and helpers that put a
 * zone's free pages exactly on a line.
 */
#ifndef LABYRINTH_TESTS_ALLOC_TEST_H
#define LABYRINTH_TESTS_ALLOC_TEST_H

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "tests/harness.h"
#include <labyrinth/mm.h>
#include "allocator/internal.h"
#include "allocator/alloc_flags.h"
#include "threads/threads.h"
#include "check/report.h"

#define EV_MAX	4096

/* Every event of the current test, in order. Invariant: nr <= EV_MAX. */
static struct {
	int nr;
	int dropped;
	struct mm_event ev[EV_MAX];
	int count[MM_EV_KIND_NR];
} rec;

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;

static void rec_event(const struct mm_event *ev, void *arg)
{
	pthread_mutex_lock(&rec_lock);
	rec.count[ev->kind]++;
	if (rec.nr < EV_MAX)
		rec.ev[rec.nr++] = *ev;
	else
		rec.dropped++;
	pthread_mutex_unlock(&rec_lock);
}

static inline void rec_clear(void)
{
	pthread_mutex_lock(&rec_lock);
	memset(&rec, 0, sizeof(rec));
	pthread_mutex_unlock(&rec_lock);
}

/* The last event of a kind, or NULL. */
static inline const struct mm_event *rec_last(enum mm_event_kind kind)
{
	for (int i = rec.nr - 1; i >= 0; i--)
		if (rec.ev[i].kind == kind)
			return &rec.ev[i];
	return NULL;
}

/* The last MM_EV_WMARK decision about zone zi, or NULL. */
static inline const struct mm_event *rec_last_wmark(int zi)
{
	for (int i = rec.nr - 1; i >= 0; i--)
		if (rec.ev[i].kind == MM_EV_WMARK && rec.ev[i].zone == zi)
			return &rec.ev[i];
	return NULL;
}

static inline int machine_up_cfg(const struct mm_config *cfg, int nr_cpus)
{
	if (threads_init(nr_cpus))
		return -1;
	report_set_mode(REPORT_RECORD);
	report_set_stream(NULL);
	mm_listen_reset();
	mm_set_fault_hook(NULL, NULL);
	rec_clear();
	if (mm_listen(rec_event, NULL))
		return -1;
	if (mm_init(cfg))
		return -1;
	threads_stats_reset();
	rec_clear();
	return 0;
}

static inline int machine_up(void **state)
{
	return machine_up_cfg(NULL, 2);
}

static inline int machine_down(void **state)
{
	mm_exit();
	mm_listen_reset();
	mm_set_fault_hook(NULL, NULL);
	threads_exit();
	return 0;
}

static inline struct zone *zone_of(int zi)
{
	return &contig_page_data.node_zones[zi];
}

static inline long free_of(int zi)
{
	return zone_free_pages(zone_of(zi));
}

static inline unsigned long wmark_of(int zi, int w)
{
	return zone_of(zi)->_watermark[w];
}

/* Drain the pcp lists, then ballast zone zi down to exactly target free pages. */
static inline void set_free(int zi, long target)
{
	drain_all_pages();
	mm_ballast_release(zi);
	mm_ballast_fill(zi, target);
	assert_int_equal(free_of(zi), target);
}

/* Conservation: every frame is counted in exactly one place. */
static inline void assert_census(void)
{
	struct mm_census c;

	mm_census(&c);
	assert_int_equal(c.free + c.pcp + c.owned + c.in_flight + c.pooled +
			 c.reclaimable + c.ballast, mm_total_pages());
	assert_true(mm_is_valid());
}

static inline struct threads_stats stats_now(void)
{
	struct threads_stats st;

	threads_stats(&st);
	return st;
}

/* Hold this CPU's pcp lock of a zone, as a racing task would. */
static inline void hold_pcp(int zi, int cpu)
{
	spin_lock(&zone_of(zi)->pcp[cpu].lock);
}

static inline void release_pcp(int zi, int cpu)
{
	spin_unlock(&zone_of(zi)->pcp[cpu].lock);
}

static inline int block_mt(unsigned long pfn)
{
	return get_pageblock_migratetype(pfn_to_page(pfn));
}

#define ALLOC_TEST(fn)	cmocka_unit_test_setup_teardown(fn, machine_up, machine_down)

#endif
