/* SPDX-License-Identifier: MIT */
/*
 * The simulated machine: a deterministic implementation of every lab_*
 * function of <labyrinth/kernel.h>, on 1 to SIM_MAX_CPUS CPUs, each
 * with task contexts and nesting softirq and hardirq contexts, every
 * context on its own fiber. A choice source decides, at every
 * scheduling point, whether the running CPU continues, another CPU
 * runs, an interrupt fires or the task is preempted. docs/sim.md.
 *
 * Use:
 *	struct sim_config cfg = { .nr_cpus = 2, .source = SIM_SRC_RANDOM, .seed = 7 };
 *	sim_init(&cfg);
 *	mm_init(NULL);				// runs now, as actor 0 ("init")
 *	sim_add_task(0, "task0", fn0, arg);
 *	sim_add_hardirq(1, "irq0", irq_fn, arg, 2);
 *	verdict = sim_run();			// SIM_CLEAN or SIM_REPORT
 *	report_signature(), sim_trace_hash(), sim_choices() ...
 *
 * Nothing survives sim_init(): every run starts from the same state,
 * so the same configuration and choices give the same trace hash.
 */
#ifndef LABYRINTH_SIM_H
#define LABYRINTH_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <labyrinth/kernel.h>
#include "check/report.h"

#define SIM_MAX_CPUS		4
#define SIM_MAX_ACTORS		48	/* tasks, kthreads, handlers, actor 0 */
#define SIM_MAX_TASKS_PER_CPU	8
#define SIM_MAX_IRQS_PER_CPU	8
#define SIM_NR_SOFTIRQS		8

enum sim_source {
	SIM_SRC_BYTES,		/* fuzz bytes; default when exhausted */
	SIM_SRC_RANDOM,		/* seeded random walk */
	SIM_SRC_PCT,		/* probabilistic concurrency testing */
	SIM_SRC_REPLAY,		/* a recorded choice list */
};

/*
 * A choice: at scheduling point number `point' (counted from 0 over the
 * run, forced points included), the event byte `event' (encoding in
 * docs/sim.md: kind = event & 3 -- 0 switch CPU, 1 hardirq, 2 preempt,
 * 3 raise softirq -- index = event >> 2; 0xff = no event).
 */
struct sim_choice {
	uint32_t point;
	uint8_t event;
};

#define SIM_EV_SWITCH	0
#define SIM_EV_HARDIRQ	1
#define SIM_EV_PREEMPT	2
#define SIM_EV_SOFTIRQ	3
#define SIM_EV_NONE	0xff
#define SIM_EVENT(kind, idx)	((uint8_t)(((idx) << 2) | (kind)))

/* Zero fields take the defaults in brackets. */
struct sim_config {
	int nr_cpus;				/* 1..SIM_MAX_CPUS [1] */
	enum sim_source source;			/* [SIM_SRC_BYTES] */
	const uint8_t *bytes;			/* SIM_SRC_BYTES: (skip, event) pairs */
	size_t nr_bytes;
	uint64_t seed;				/* RANDOM and PCT */
	int pct_depth;				/* PCT bug depth d [2] */
	unsigned long pct_steps;		/* PCT estimate of k [200] */
	unsigned int random_permille;		/* RANDOM: chance of an event per point [250] */
	const struct sim_choice *replay;	/* SIM_SRC_REPLAY */
	size_t nr_replay;
	unsigned long step_budget;		/* points per activation before a stall [20000] */
	unsigned long max_points;		/* whole run; then a stall [2000000] */
	enum report_mode report_mode;		/* [REPORT_RECORD] */
	bool quiet;				/* reports only in memory, not on stderr */
	bool no_trace_in_reports;		/* skip the event trace in reports */
	bool lockdep_order;			/* also predict lock-order cycles (docs/sim.md) */
};

enum sim_verdict {
	SIM_CLEAN,		/* every task finished, no report */
	SIM_REPORT,		/* a detector fired: report_signature() */
};

int sim_init(const struct sim_config *cfg);	/* 0 or -errno */
/* Actors. Return the actor id (>= 1), or -1 when full. */
int sim_add_task(int cpu, const char *name, void (*fn)(void *), void *arg);
int sim_add_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg,
		    int max_fires);
/* A softirq vector on cpu: returns its number for raise_softirq(). */
int sim_add_softirq(int cpu, const char *name, void (*fn)(void *), void *arg);
/*
 * Raise a hardirq (an actor id from sim_add_hardirq) on its CPU: it is
 * delivered at the first scheduling point of that CPU where IRQs are on
 * (at once if it is idle). Usable from code running on the machine.
 */
void sim_raise_hardirq(int irq);
void sim_raise_softirq(int cpu, int nr);

enum sim_verdict sim_run(void);

/* ---- results of the last run --------------------------------------- */

uint64_t sim_trace_hash(void);		/* FNV-1a over the event records */
unsigned long sim_points(void);		/* scheduling points of the run */
unsigned long sim_switches(void);	/* fiber switches of the run */
const struct sim_choice *sim_choices(size_t *n);	/* non-default choices */
/* False if the run took more choices than are kept (a replay would diverge). */
bool sim_choices_complete(void);
/* Encode choices as fuzz bytes that replay them; returns the length needed. */
size_t sim_choices_to_bytes(const struct sim_choice *c, size_t n,
			    uint8_t *out, size_t cap);
/* Print the last `per_cpu' events of every CPU (what reports append). */
void sim_trace_print(int per_cpu);

/* Add a line to the trace (and to the hash); usable from any context. */
void sim_trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True while sim_run() is running the machine. */
bool sim_running(void);

/*
 * Spinlocks held on the running CPU: the count the running context took
 * (the return value) and, in *below (may be NULL), the count held by the
 * contexts it interrupted there. A read, never a scheduling point: the
 * context-aware coverage (fuzz/ctxcov.h) asks at every allocator call.
 */
int sim_locks_held(int *below);

#endif /* LABYRINTH_SIM_H */
