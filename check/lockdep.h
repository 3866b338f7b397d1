/* SPDX-License-Identifier: MIT */
/*
 * The blocking and locking detectors: atomic sleep (check/sleep.c),
 * lockdep-style irq-safety (check/lockdep.c), self and cross-CPU
 * deadlock (check/deadlock.c), stall (check/stall.c) and context
 * imbalance (check/imbalance.c).
 *
 * The detectors know nothing of fibers or schedulers: the machine that
 * runs the code (sim/) hands them a snapshot of the context at hand
 * (struct check_ctx) and they decide and write the report through
 * check/report.h. This keeps libcheck.a free of references to libsim.a
 * (link order: tests, liballoc.a, libsim.a, libcheck.a).
 */
#ifndef LABYRINTH_CHECK_LOCKDEP_H
#define LABYRINTH_CHECK_LOCKDEP_H

#include <stdbool.h>
#include <labyrinth/kernel.h>

/*
 * One lock held on a CPU, as lockdep's struct held_lock. Locks taken by
 * an interrupt are pushed on top of the interrupted context's locks on
 * the same CPU, as in Linux where the handler runs on `current'.
 */
struct held_lock {
	const void *lock;		/* spinlock_t * or struct mutex * */
	const char *name;		/* "&zone->lock" */
	struct lock_class_key *key;	/* lock class */
	const struct lab_site *site;	/* where it was acquired */
	int ctx;			/* enum lab_ctx of the acquirer */
	int actor;
	bool trylock;
};

/*
 * The context a check runs for. Invariant: held[0..nr_held) are the
 * locks held on cpu, oldest first; the *_at sites are where the state
 * last went from on to off (NULL if it is on, or unknown).
 */
struct check_ctx {
	int cpu;
	int ctx;			/* enum lab_ctx */
	int actor;
	const char *actor_name;
	unsigned long preempt_count;
	bool irqs_disabled;
	const struct held_lock *held;
	int nr_held;
	const struct lab_site *preempt_off_at;
	const struct lab_site *irqs_off_at;
	const struct lab_site *bh_off_at;
	const struct lab_site *irqs_on_at;	/* last local_irq_enable/restore */
};

/* "allocator/mempool.c:142 (mempool_alloc)"; never NULL. */
const char *check_site_str(const struct lab_site *s, char *buf, size_t len);
/* lockdep's "N locks held by actor/pid:" listing. */
void check_print_held(const struct check_ctx *c);

/* ---- atomic sleep: __might_sleep(), kernel/sched/core.c ------------ */

/*
 * Called by every blocking primitive before it blocks. Reports and
 * returns true when preempt_count() != 0 or IRQs are off.
 */
bool check_might_sleep(const struct check_ctx *c, const struct lab_site *s);

/* ---- lockdep irq-safety: kernel/locking/lockdep.c ------------------ */

/* Usage bits of a lock class (enum lock_usage_bit, write locks only). */
enum lockdep_usage {
	LOCKDEP_USED_IN_HARDIRQ,
	LOCKDEP_USED_IN_SOFTIRQ,
	LOCKDEP_ENABLED_HARDIRQ,
	LOCKDEP_ENABLED_SOFTIRQ,
	LOCKDEP_NR_USAGE
};

void lockdep_reset(void);	/* forget every class: start of every run */
/*
 * Also predict lock-order deadlocks (check_prev_add()/check_noncircular()
 * in lockdep.c): record "B taken while A held" per class and report the
 * first cycle, even if no schedule deadlocked. Off by default: with it a
 * bug that needs a particular interleaving fires under any schedule.
 */
void lockdep_set_order_check(bool on);
/*
 * A lock was acquired (after success, as lock_acquire() is called):
 * mark the usage bits mark_usage() would mark and report the first
 * inconsistency. Returns true if it reported.
 */
bool lockdep_acquired(const struct check_ctx *c, const struct held_lock *h);
/*
 * IRQs (hardirq true) or softirqs (false) were just enabled with locks
 * held: mark_held_locks() marks them ENABLED_*. Returns true if it reported.
 */
bool lockdep_irqs_enabled(const struct check_ctx *c, bool hardirq,
			  const struct lab_site *s);

/* ---- deadlocks ------------------------------------------------------ */

/* A lock taken again on the CPU that holds it. Always reports. */
void check_self_deadlock(const struct check_ctx *c, const char *lock_name,
			 const struct lab_site *s, const struct held_lock *holder);

/*
 * One waiter of a wait-for cycle (or of a stuck machine): actor waits
 * for lock (name), which owner_actor holds.
 */
struct wait_edge {
	int cpu;			/* -1 for a blocked task off-CPU */
	int ctx;
	int actor;
	const char *actor_name;
	const char *what;		/* "spinlock", "mutex", "waitqueue", ... */
	const char *lock_name;
	const struct lab_site *wait_site;
	int owner_actor;		/* -1 if none (wait queue) */
	const char *owner_name;
	const struct lab_site *owner_site; /* where the owner took it */
	bool idle;			/* a kernel thread asleep until woken for work */
};

/*
 * Every CPU is stuck. cycle: true if edges[0..n) form a cycle (each
 * waits for the next's actor, the last for the first's), false if the
 * machine is merely stuck (edges are all the waiters).
 */
void check_deadlock(const struct wait_edge *edges, int n, bool cycle);

/* ---- stall ---------------------------------------------------------- */

void check_stall(const struct check_ctx *c, unsigned long steps,
		 unsigned long budget, const struct lab_site *s);

/* ---- context imbalance --------------------------------------------- */

/*
 * A handler (ctx hardirq or softirq) or task returned: entry_* is the
 * state it started with, c the state it left. The signature names the
 * site of the unmatched call (the leaked lock's acquisition, the last
 * disable); s is the fallback. Returns true if it reported.
 */
bool check_ctx_exit(const struct check_ctx *c, unsigned long entry_count,
		    bool entry_irqs_off, int entry_held, const struct lab_site *s);

/*
 * A task ended holding nr mutexes (lockdep's debug_check_no_locks_held()
 * at do_exit()); name/site: the last one it took. Always reports.
 */
void check_task_mutexes(const struct check_ctx *c, int nr, const char *name,
			const struct lab_site *site);

/* Unlock of a lock this context does not hold (lockdep's "bad unlock balance"). */
void check_bad_unlock(const struct check_ctx *c, const char *lock_name,
		      const struct lab_site *s);

#endif /* LABYRINTH_CHECK_LOCKDEP_H */
