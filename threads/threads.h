/* SPDX-License-Identifier: MIT */
/*
 * threads/: include/labyrinth/kernel.h on real pthreads.
 *
 * One thread per simulated CPU, real spinlocks, a Linux-style
 * preempt_count and IRQ state per thread. Interrupts are POSIX signals
 * (SIGUSR1) delivered to a CPU's thread; "IRQs off" is a soft mask that
 * the signal handler honours by deferring the interrupt until IRQs come
 * back on (powerpc's lazy interrupt disabling works the same way), which
 * costs no system call per local_irq_save(). docs/threads.md says why.
 *
 * A test can also drive one thread by hand: pretend to be CPU n or
 * actor a, enter and leave hardirq or softirq context, disable IRQs,
 * and read how often a blocking primitive was reached (and how often in
 * atomic context), so the allocator's per-context behaviour is testable
 * without the simulated machine.
 */
#ifndef LABYRINTH_THREADS_H
#define LABYRINTH_THREADS_H

#include <labyrinth/kernel.h>

/* Reset all backend state; the caller becomes CPU 0's task "task0". */
int threads_init(int nr_cpus);
void threads_exit(void);

/* The calling thread pretends to be this CPU / this actor. */
void threads_set_cpu(int cpu);
int threads_new_actor(const char *name);	/* returns the actor id */
void threads_set_actor(int actor);

/* Enter and leave interrupt context on the calling thread, as the
 * kernel's irq_enter()/irq_exit() and __do_softirq() do. */
void threads_hardirq_enter(void);
void threads_hardirq_exit(void);
void threads_softirq_enter(void);
void threads_softirq_exit(void);
/* Run fn(arg) in hardirq (softirq) context on the calling thread. */
void threads_in_hardirq(void (*fn)(void *), void *arg);
void threads_in_softirq(void (*fn)(void *), void *arg);

/* Per-thread counters of the calling thread since the last reset. */
struct threads_stats {
	unsigned long might_sleep;	/* blocking primitives reached */
	unsigned long atomic_sleep;	/* ... with preempt_count != 0 or IRQs off */
	unsigned long slept;		/* times the thread really blocked/yielded */
	unsigned long warns;		/* WARN_ON hits */
	unsigned long hardirqs;		/* interrupts handled */
};
void threads_stats(struct threads_stats *out);
void threads_stats_reset(void);

/* Real threads: spawn a task thread on a CPU, run all, join all. */
int threads_spawn(int cpu, const char *name, void (*fn)(void *), void *arg);
void threads_join_all(void);

/*
 * Interrupts as signals: register the hardirq handler of a CPU, then
 * raise it from any thread. Delivery is deferred while the target has
 * IRQs off. Softirq: one handler per CPU, raised from any context on
 * that CPU, run on hardirq exit or local_bh_enable().
 */
void threads_set_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg);
int threads_raise_hardirq(int cpu);
void threads_set_softirq(int cpu, const char *name, void (*fn)(void *), void *arg);
void threads_raise_softirq(void);

#endif
