// SPDX-License-Identifier: MIT
/*
 * The allocator's cost on real threads: an order-0 alloc/free pair on one
 * thread and on two threads (one per CPU, each its own per-CPU list),
 * an order-3 pair, and glibc malloc(4096)/free measured in the same run.
 * Each figure is the median of REPS repetitions; the machine is shared,
 * so medians, not means.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <labyrinth/mm.h>
#include "threads/threads.h"

#define REPS	7
#define ITERS	400000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void *volatile sink;

static double pairs_malloc(void)
{
	double t0 = now_ns();

	for (int i = 0; i < ITERS; i++) {
		void *p = malloc(4096);

		sink = p;
		free(p);
	}
	return (now_ns() - t0) / ITERS;
}

struct pair_arg {
	unsigned int order;
	double ns;
	int failed;
};

static void pairs_alloc(void *p)
{
	struct pair_arg *a = p;
	double t0 = now_ns();

	for (int i = 0; i < ITERS; i++) {
		struct page *pg = alloc_pages(GFP_KERNEL, a->order);

		if (!pg) {
			a->failed++;
			continue;
		}
		sink = pg;
		__free_pages(pg, a->order);
	}
	a->ns = (now_ns() - t0) / ITERS;
}

static int setup_mm(int cpus)
{
	struct mm_config cfg = { .zone_pages = { 256, 8192 }, .nr_cpus = cpus };

	threads_init(cpus);
	return mm_init(&cfg);
}

int main(void)
{
	double m[REPS], one[REPS], two[REPS], o3[REPS];
	int failed = 0;

	for (int r = 0; r < REPS; r++) {
		struct pair_arg a = { .order = 0 }, b = { .order = 0 }, c = { .order = 3 };

		m[r] = pairs_malloc();

		if (setup_mm(1))
			return 1;
		pairs_alloc(&a);
		c.order = 3;
		pairs_alloc(&c);
		mm_exit();
		threads_exit();
		one[r] = a.ns;
		o3[r] = c.ns;

		if (setup_mm(2))
			return 1;
		a = (struct pair_arg){ .order = 0 };
		b = (struct pair_arg){ .order = 0 };
		threads_spawn(0, "bench0", pairs_alloc, &a);
		threads_spawn(1, "bench1", pairs_alloc, &b);
		threads_join_all();
		mm_exit();
		threads_exit();
		two[r] = (a.ns + b.ns) / 2;
		failed += a.failed + b.failed + c.failed;
	}
	printf("alloc/free pair, median of %d runs of %d pairs (ns per pair):\n", REPS, ITERS);
	printf("  glibc malloc(4096)/free        %8.1f\n", median(m, REPS));
	printf("  order-0, 1 thread              %8.1f\n", median(one, REPS));
	printf("  order-0, 2 threads (per pair)  %8.1f\n", median(two, REPS));
	printf("  order-3, 1 thread              %8.1f\n", median(o3, REPS));
	printf("  order-0 / glibc ratio          %8.2f (target <= 2)\n",
	       median(one, REPS) / median(m, REPS));
	if (failed)
		printf("  failed allocations: %d (a failure skews the figure)\n", failed);
	return 0;
}
