/* SPDX-License-Identifier: MIT */
/*
 * kernel.h: the one door out of the allocator.
 *
 * Everything code under test needs from its surroundings -- locks, IRQ
 * and preemption state, the CPU id, sleeping, wait queues, kernel
 * threads, warnings -- is declared here with the shapes of Linux v6.x,
 * and implemented by exactly one backend linked into the binary:
 *
 *   sim/      the deterministic simulated machine (fibers, controlled
 *             interleavings, detectors);
 *   threads/  real pthreads, one per CPU, for stress runs and figures.
 *
 * The backend functions are the lab_*() prototypes below; the kernel
 * names are macros over them that add the call site (struct lab_site),
 * so reports can say "at allocator/mempool.c:142" like the kernel does.
 *
 * Code under test includes this header, gfp.h, list.h and mm.h only.
 */
#ifndef LABYRINTH_KERNEL_H
#define LABYRINTH_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "list.h"
#include "gfp.h"

/* ---- compiler ------------------------------------------------------ */

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define barrier()	__asm__ __volatile__("" ::: "memory")
#define smp_mb()	__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define ALIGN(x, a)	(((x) + (a) - 1) / (a) * (a))

/* The most CPUs any backend runs; the simulated machine uses 1 to 4. */
#define NR_CPUS		8

/* ---- call sites ---------------------------------------------------- */

/*
 * Where a primitive was called from. One static instance per call site,
 * so passing it costs a pointer and a report can name file, line and
 * function. Signatures use ->func, which is stable across builds.
 */
struct lab_site {
	const char *file;
	const char *func;
	int line;
};

#define LAB_SITE ({ static const struct lab_site __lab_site = \
	{ __FILE__, __func__, __LINE__ }; &__lab_site; })

/* ---- preempt_count: include/linux/preempt.h ------------------------ */

#define PREEMPT_BITS	8
#define SOFTIRQ_BITS	8
#define HARDIRQ_BITS	4
#define NMI_BITS	4
#define PREEMPT_SHIFT	0
#define SOFTIRQ_SHIFT	(PREEMPT_SHIFT + PREEMPT_BITS)
#define HARDIRQ_SHIFT	(SOFTIRQ_SHIFT + SOFTIRQ_BITS)
#define NMI_SHIFT	(HARDIRQ_SHIFT + HARDIRQ_BITS)
#define __IRQ_MASK(x)	((1UL << (x)) - 1)
#define PREEMPT_MASK	(__IRQ_MASK(PREEMPT_BITS) << PREEMPT_SHIFT)	/* 0x000000ff */
#define SOFTIRQ_MASK	(__IRQ_MASK(SOFTIRQ_BITS) << SOFTIRQ_SHIFT)	/* 0x0000ff00 */
#define HARDIRQ_MASK	(__IRQ_MASK(HARDIRQ_BITS) << HARDIRQ_SHIFT)	/* 0x000f0000 */
#define NMI_MASK	(__IRQ_MASK(NMI_BITS) << NMI_SHIFT)		/* 0x00f00000 */
#define PREEMPT_OFFSET	(1UL << PREEMPT_SHIFT)
#define SOFTIRQ_OFFSET	(1UL << SOFTIRQ_SHIFT)	/* serving a softirq */
#define HARDIRQ_OFFSET	(1UL << HARDIRQ_SHIFT)
#define SOFTIRQ_DISABLE_OFFSET	(2 * SOFTIRQ_OFFSET)	/* local_bh_disable() */

unsigned long lab_preempt_count(void);
bool lab_irqs_disabled(void);

#define preempt_count()		lab_preempt_count()
#define hardirq_count()		(preempt_count() & HARDIRQ_MASK)
#define softirq_count()		(preempt_count() & SOFTIRQ_MASK)
#define irq_count()		(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK))
#define in_hardirq()		(hardirq_count() != 0)
#define in_softirq()		(softirq_count() != 0)
#define in_serving_softirq()	((softirq_count() & SOFTIRQ_OFFSET) != 0)
#define in_interrupt()		(irq_count() != 0)
#define in_task()		(!(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)))
#define in_atomic()		(preempt_count() != 0)
#define irqs_disabled()		lab_irqs_disabled()

/* The execution context a piece of code runs in, for ownership and reports. */
enum lab_ctx {
	LAB_CTX_TASK = 0,
	LAB_CTX_SOFTIRQ = 1,
	LAB_CTX_HARDIRQ = 2,
	LAB_CTX_NR
};

/*
 * Who is running: the CPU, the context kind on it and the actor (a task,
 * an interrupt handler, kswapd...). Actor ids are small integers chosen
 * by the backend; 0 is the backend's own set-up code.
 */
struct lab_owner {
	int cpu;
	int ctx;		/* enum lab_ctx */
	int actor;
};

struct lab_owner lab_current(void);
const char *lab_actor_name(int actor);	/* "irq0", "task1", ... never NULL */

/* ---- CPUs ---------------------------------------------------------- */

int lab_cpu_id(void);
int lab_nr_cpus(void);
#define smp_processor_id()	lab_cpu_id()
#define raw_smp_processor_id()	lab_cpu_id()
#define num_online_cpus()	lab_nr_cpus()
#define for_each_online_cpu(c)	for ((c) = 0; (c) < lab_nr_cpus(); (c)++)

/* ---- IRQs, preemption, bottom halves ------------------------------ */

unsigned long lab_irq_save(const struct lab_site *s);
void lab_irq_restore(unsigned long flags, const struct lab_site *s);
void lab_irq_disable(const struct lab_site *s);
void lab_irq_enable(const struct lab_site *s);
void lab_preempt_disable(const struct lab_site *s);
void lab_preempt_enable(const struct lab_site *s);
void lab_bh_disable(const struct lab_site *s);
void lab_bh_enable(const struct lab_site *s);

#define local_irq_save(flags)	do { (flags) = lab_irq_save(LAB_SITE); } while (0)
#define local_irq_restore(flags) lab_irq_restore((flags), LAB_SITE)
#define local_irq_disable()	lab_irq_disable(LAB_SITE)
#define local_irq_enable()	lab_irq_enable(LAB_SITE)
#define preempt_disable()	lab_preempt_disable(LAB_SITE)
#define preempt_enable()	lab_preempt_enable(LAB_SITE)
#define local_bh_disable()	lab_bh_disable(LAB_SITE)
#define local_bh_enable()	lab_bh_enable(LAB_SITE)

/*
 * Raise softirq nr on this CPU (raise_softirq(), kernel/softirq.c): it
 * runs on IRQ exit, on local_bh_enable() or from ksoftirqd.
 */
void lab_raise_softirq(int nr);
#define raise_softirq(nr)	lab_raise_softirq(nr)

/* ---- spinlocks ----------------------------------------------------- */

/* A lock class, as lockdep has them: one per spin_lock_init() call site. */
struct lock_class_key {
	char dummy;
};

/*
 * A spinlock. The fields are shared by both backends; the allocator
 * never touches them. Invariant: locked == 0 <=> owner_cpu == -1.
 */
typedef struct spinlock {
	int locked;			/* 0 free, 1 held (atomic access only) */
	int owner_cpu;			/* CPU holding it, -1 when free */
	int owner_actor;		/* actor holding it, for reports */
	const struct lab_site *acquired_at; /* last acquisition site */
	const char *name;		/* "&zone->lock": the init expression */
	struct lock_class_key *key;	/* lock class */
} spinlock_t;

void lab_spin_lock_init(spinlock_t *l, const char *name, struct lock_class_key *key);
void lab_spin_lock(spinlock_t *l, const struct lab_site *s);
int lab_spin_trylock(spinlock_t *l, const struct lab_site *s);
void lab_spin_unlock(spinlock_t *l, const struct lab_site *s);

#define spin_lock_init(l) do { static struct lock_class_key __key; \
	lab_spin_lock_init((l), #l, &__key); } while (0)
#define spin_lock(l)		lab_spin_lock((l), LAB_SITE)
#define spin_trylock(l)		lab_spin_trylock((l), LAB_SITE)
#define spin_unlock(l)		lab_spin_unlock((l), LAB_SITE)
#define spin_lock_irqsave(l, flags) do { (flags) = lab_irq_save(LAB_SITE); \
	lab_spin_lock((l), LAB_SITE); } while (0)
#define spin_unlock_irqrestore(l, flags) do { lab_spin_unlock((l), LAB_SITE); \
	lab_irq_restore((flags), LAB_SITE); } while (0)
#define spin_trylock_irqsave(l, flags) ({ (flags) = lab_irq_save(LAB_SITE); \
	lab_spin_trylock((l), LAB_SITE) ? 1 : (lab_irq_restore((flags), LAB_SITE), 0); })
#define spin_lock_irq(l)	do { lab_irq_disable(LAB_SITE); lab_spin_lock((l), LAB_SITE); } while (0)
#define spin_unlock_irq(l)	do { lab_spin_unlock((l), LAB_SITE); lab_irq_enable(LAB_SITE); } while (0)
#define spin_lock_bh(l)		do { lab_bh_disable(LAB_SITE); lab_spin_lock((l), LAB_SITE); } while (0)
#define spin_unlock_bh(l)	do { lab_spin_unlock((l), LAB_SITE); lab_bh_enable(LAB_SITE); } while (0)
#define assert_spin_locked(l)	WARN_ON(!READ_ONCE((l)->locked))

/* ---- sleeping: might_sleep, mutexes, wait queues, kthreads --------- */

/*
 * The atomic-sleep check (__might_sleep in kernel/sched/core.c). Every
 * blocking primitive calls it first; on the simulated machine it is the
 * detector, on threads it counts.
 */
void lab_might_sleep(const struct lab_site *s);
#define might_sleep()		lab_might_sleep(LAB_SITE)

/* A voluntary preemption point in task context (cond_resched()). */
void lab_cond_resched(const struct lab_site *s);
#define cond_resched()		lab_cond_resched(LAB_SITE)

/* Busy-wait body: a scheduling point, and a step for the stall detector. */
void lab_cpu_relax(const struct lab_site *s);
#define cpu_relax()		lab_cpu_relax(LAB_SITE)

/*
 * An explicit race point: a lock-free access to shared state where the
 * simulated machine may switch CPUs or deliver an interrupt. A no-op on
 * real threads.
 */
void lab_race_point(const struct lab_site *s);
#define race_point()		lab_race_point(LAB_SITE)

/* Sleep for some ticks (schedule_timeout_uninterruptible()); blocking. */
void lab_schedule_timeout(long ticks, const struct lab_site *s);
#define schedule_timeout_uninterruptible(t) lab_schedule_timeout((t), LAB_SITE)

/* A sleeping lock. Invariant: owner_actor == -1 <=> free. */
struct mutex {
	int locked;
	int owner_actor;
	unsigned long wake_seq;		/* bumped on unlock, for waiters */
	const char *name;
	struct lock_class_key *key;
};

void lab_mutex_init(struct mutex *m, const char *name, struct lock_class_key *key);
void lab_mutex_lock(struct mutex *m, const struct lab_site *s);
void lab_mutex_unlock(struct mutex *m, const struct lab_site *s);
#define mutex_init(m) do { static struct lock_class_key __key; \
	lab_mutex_init((m), #m, &__key); } while (0)
#define mutex_lock(m)		lab_mutex_lock((m), LAB_SITE)
#define mutex_unlock(m)		lab_mutex_unlock((m), LAB_SITE)

/*
 * Wait queues. A waiter registers and reads seq (lab_wait_prepare(), as
 * prepare_to_wait() queues the waiter before the condition is tested),
 * tests its condition, and either sleeps until seq moves
 * (lab_wait_sleep(), which unregisters on the way out) or gives up the
 * registration (lab_wait_finish(), finish_wait()). A wake-up between
 * test and sleep is never lost, and a waker that checks
 * waitqueue_active() first sees every waiter that has prepared.
 */
typedef struct wait_queue_head {
	unsigned long seq;		/* bumped by every wake_up (atomic) */
	int nr_waiters;			/* prepared or sleeping waiters (atomic) */
	const char *name;
} wait_queue_head_t;

void lab_init_waitqueue_head(wait_queue_head_t *wq, const char *name);
unsigned long lab_wait_prepare(wait_queue_head_t *wq);
void lab_wait_sleep(wait_queue_head_t *wq, unsigned long seq, const struct lab_site *s);
void lab_wait_finish(wait_queue_head_t *wq);
void lab_wake_up(wait_queue_head_t *wq, const struct lab_site *s);

#define init_waitqueue_head(wq)	lab_init_waitqueue_head((wq), #wq)
#define wake_up(wq)		lab_wake_up((wq), LAB_SITE)
#define wake_up_all(wq)		lab_wake_up((wq), LAB_SITE)
#define waitqueue_active(wq)	(__atomic_load_n(&(wq)->nr_waiters, __ATOMIC_SEQ_CST) != 0)
#define wait_event(wq, cond) do {					\
	lab_might_sleep(LAB_SITE);					\
	for (;;) {							\
		unsigned long __seq = lab_wait_prepare(&(wq));		\
		if (cond) {						\
			lab_wait_finish(&(wq));				\
			break;						\
		}							\
		lab_wait_sleep(&(wq), __seq, LAB_SITE);			\
	}								\
} while (0)

/*
 * Kernel threads (kswapd). On the simulated machine a kthread is a task
 * actor; on threads it is a pthread. fn returns when kthread_should_stop().
 */
struct task_struct;
struct task_struct *lab_kthread_run(int (*fn)(void *), void *data, const char *name);
bool lab_kthread_should_stop(void);
int lab_kthread_stop(struct task_struct *t);
#define kthread_run(fn, data, name)	lab_kthread_run((fn), (data), (name))
#define kthread_should_stop()		lab_kthread_should_stop()
#define kthread_stop(t)			lab_kthread_stop(t)

/* ---- atomics (header-only, both backends) -------------------------- */

typedef struct { int counter; } atomic_t;
typedef struct { long counter; } atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }
#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)
#define atomic_add(i, v)	((void)__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST))
#define atomic_sub(i, v)	((void)__atomic_sub_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST))
#define atomic_inc(v)		atomic_add(1, v)
#define atomic_dec(v)		atomic_sub(1, v)
#define atomic_add_return(i, v)	__atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_dec_and_test(v)	(__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST) == 0)
#define atomic_cmpxchg(v, o, n) ({ __typeof__((v)->counter) __o = (o); \
	__atomic_compare_exchange_n(&(v)->counter, &__o, (n), 0, \
		__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); __o; })
#define atomic_long_read	atomic_read
#define atomic_long_set		atomic_set
#define atomic_long_add		atomic_add
#define atomic_long_sub		atomic_sub
#define atomic_long_inc		atomic_inc
#define atomic_long_dec		atomic_dec
#define atomic_long_add_return	atomic_add_return
#define atomic_long_cmpxchg	atomic_cmpxchg

/* ---- warnings and logs --------------------------------------------- */

/*
 * WARN: the backend prints a kernel-style warning and records it; on
 * the simulated machine a WARN from the allocator is an "invariant"
 * report unless the allocator documents it as expected (NOFAIL misuse).
 * There is no WARN_ON_ONCE state: a run must leave nothing behind, so
 * "once" is per run and kept by the backend.
 */
void lab_warn(const char *cond, const struct lab_site *s);
void lab_bug(const char *cond, const struct lab_site *s) __attribute__((noreturn));
void lab_printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define WARN_ON(c) ({ int __w = !!(c); if (unlikely(__w)) lab_warn(#c, LAB_SITE); __w; })
#define WARN_ON_ONCE(c)	WARN_ON(c)
#define BUG_ON(c) do { if (unlikely(c)) lab_bug(#c, LAB_SITE); } while (0)
#define BUG()		lab_bug("BUG()", LAB_SITE)

#define KERN_ERR	3
#define KERN_WARNING	4
#define KERN_INFO	6
#define KERN_DEBUG	7
#define pr_err(...)	lab_printk(KERN_ERR, __VA_ARGS__)
#define pr_warn(...)	lab_printk(KERN_WARNING, __VA_ARGS__)
#define pr_info(...)	lab_printk(KERN_INFO, __VA_ARGS__)
#define pr_debug(...)	lab_printk(KERN_DEBUG, __VA_ARGS__)

/*
 * Debug-build invariant checks (STYLE.md: validators live in asserts).
 * LAB_DEBUG is set by the Makefile in test and fuzz builds.
 *
 * A failed check is a BUG_ON, with one exception the backend decides:
 * after a run that already reported, the driver's teardown (handing
 * mempool elements back, ...) may trip over the state that bug left.
 * The backend then only notes it and returns -- the check sits after
 * the operation it validates, so going on is safe -- instead of killing
 * a process that runs many programs and losing the find.
 */
void lab_debug_check_failed(const char *cond, const struct lab_site *s);
#ifdef LAB_DEBUG
#define DEBUG_CHECK(c)	do { if (unlikely(!(c))) lab_debug_check_failed("!(" #c ")", LAB_SITE); } while (0)
#else
#define DEBUG_CHECK(c)	do { } while (0)
#endif

#endif /* LABYRINTH_KERNEL_H */
