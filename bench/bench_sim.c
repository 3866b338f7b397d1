// SPDX-License-Identifier: MIT
/*
 * bench_sim: scheduling points per second of the simulated machine and
 * the cost of one fiber switch, median of 5 repetitions. Only the
 * benchmark reads the clock; the machine never does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sim/sim.h"
#include "sim/fiber.h"

#define REPS	5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, REPS, sizeof(*v), cmp);
	return v[REPS / 2];
}

/* ---- points per second: a small program, many runs ----------------- */

static spinlock_t lock;
static int val;

/* irqsave: the lock is also taken in hardirq (a clean program: no report) */
static void task(void *arg)
{
	unsigned long flags;
	int i;

	for (i = 0; i < 8; i++) {
		spin_lock_irqsave(&lock, flags);
		val++;
		race_point();
		spin_unlock_irqrestore(&lock, flags);
	}
}

static void irq(void *arg)
{
	spin_lock(&lock);
	val--;
	spin_unlock(&lock);
}

static void bench_points(enum sim_source src, const char *name)
{
	double pps[REPS], rps[REPS], sw[REPS];
	int rep;

	for (rep = 0; rep < REPS; rep++) {
		unsigned long points = 0, switches = 0;
		int runs = 0;
		double t0 = now(), t;

		do {
			struct sim_config c = { .nr_cpus = 2, .source = src, .quiet = true,
						.seed = (uint64_t)runs };
			int i;

			for (i = 0; i < 100; i++, runs++) {
				c.seed = (uint64_t)runs;
				sim_init(&c);
				spin_lock_init(&lock);
				sim_add_task(0, "task0", task, NULL);
				sim_add_task(1, "task1", task, NULL);
				sim_add_hardirq(1, "irq0", irq, NULL, 2);
				if (sim_run() != SIM_CLEAN)
					abort();	/* the bench measures clean runs */
				points += sim_points();
				switches += sim_switches();
			}
			t = now() - t0;
		} while (t < 0.2);
		pps[rep] = points / t;
		rps[rep] = runs / t;
		sw[rep] = (double)switches / runs;
	}
	printf("bench_sim: %-7s %.2f M points/s, %.0f runs/s (2 CPUs, 2 tasks, 1 irq; %.0f switches/run)\n",
	       name, median(pps) / 1e6, median(rps), median(sw));
}

/* ---- fiber switch: ping-pong between two fibers -------------------- */

static struct fiber main_f, ping_f;
static long left;

static void ping(void)
{
	fiber_entered();
	for (;;) {
		__atomic_sub_fetch(&left, 1, __ATOMIC_RELAXED);
		fiber_switch(&ping_f, &main_f);
	}
}

static void bench_switch(void)
{
	double ns[REPS];
	int rep;

	fiber_init_main(&main_f);
	if (fiber_alloc(&ping_f, 64 * 1024))
		return;
	fiber_prepare(&ping_f, ping);
	for (rep = 0; rep < REPS; rep++) {
		long n = 1000000;
		double t0 = now();

		__atomic_store_n(&left, n, __ATOMIC_RELAXED);
		while (__atomic_load_n(&left, __ATOMIC_RELAXED) > 0)
			fiber_switch(&main_f, &ping_f);
		ns[rep] = (now() - t0) * 1e9 / (2.0 * n);
	}
	printf("bench_sim: fiber switch %.1f ns (%s)\n", median(ns),
#ifdef SIM_FAST_SWITCH
	       "x86-64 hand-written switch"
#else
	       "ucontext swapcontext"
#endif
	       );
}

int main(void)
{
	bench_switch();
	bench_points(SIM_SRC_BYTES, "default");
	bench_points(SIM_SRC_RANDOM, "random");
	bench_points(SIM_SRC_PCT, "pct");
	return 0;
}
