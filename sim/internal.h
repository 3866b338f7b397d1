/* SPDX-License-Identifier: MIT */
/* The simulated machine's state, shared by the sim/ sources only. */
#ifndef LABYRINTH_SIM_INTERNAL_H
#define LABYRINTH_SIM_INTERNAL_H

#include "sim/sim.h"
#include "sim/fiber.h"
#include "check/lockdep.h"

#define SIM_STACK_SIZE		(256 * 1024)
#define SIM_MAX_HELD		24
#define SIM_MAX_DEPTH		3	/* task, softirq, hardirq */
#define SIM_MAX_FIBERS		(SIM_MAX_ACTORS + 2 * SIM_MAX_CPUS)
#define SIM_MAX_CHOICES		4096
#define SIM_TRACE_LEN		1024
#define SIM_NOTES		128
#define SIM_NOTE_LEN		112
#define SIM_POINTS_PER_TICK	64	/* virtual time: jiffies advance with work */

enum actor_kind {
	ACTOR_SETUP,		/* actor 0: code run before sim_run() */
	ACTOR_TASK,
	ACTOR_KTHREAD,
	ACTOR_HARDIRQ,
	ACTOR_SOFTIRQ,
};

enum task_state {
	TS_RUNNABLE,
	TS_BLOCKED,
	TS_DONE,
};

enum wait_kind {
	W_NONE,
	W_MUTEX,		/* wait_obj: struct mutex */
	W_WAITQ,		/* wait_obj: wait_queue_head_t, wait_seq */
	W_TIMEOUT,		/* wake_tick */
	W_KTHREAD,		/* wait_obj: the kthread actor to finish */
};

/*
 * An actor: a task, kthread or handler. Invariant: for tasks, state ==
 * TS_BLOCKED <=> wait != W_NONE; a task is on at most one CPU frame
 * (its own cpu's frames[0]) and only while TS_RUNNABLE.
 */
struct sim_actor {
	enum actor_kind kind;
	int cpu;
	char name[24];
	void (*fn)(void *);
	int (*kfn)(void *);		/* kthreads */
	void *arg;
	/* tasks and kthreads */
	enum task_state state;
	struct fiber *fiber;
	enum wait_kind wait;
	const void *wait_obj;
	unsigned long wait_seq;
	unsigned long wake_tick;
	const struct lab_site *wait_site;
	bool should_stop;		/* kthread_should_stop() */
	bool started;
	int result;			/* kthread return value */
	int nr_mutex;			/* mutexes held */
	const char *mutex_name;		/* the last mutex taken, for reports */
	const struct lab_site *mutex_site;
	/* hardirq */
	int max_fires;			/* fires the choice source may still make */
	int local;			/* index on its CPU: irq index or softirq nr */
};

/*
 * A context running on a CPU. entry_* is the state it was entered with;
 * the imbalance check compares the exit state against it.
 */
struct sim_frame {
	int ctx;			/* enum lab_ctx */
	int actor;
	struct fiber *fiber;
	unsigned long entry_count;
	bool entry_irqs_off;
	int entry_held;
	unsigned long steps;		/* scheduling points in this activation */
};

/*
 * A CPU. Invariants: frames[0..depth) nest task < softirq < hardirq by
 * ctx; preempt_count's HARDIRQ/SOFTIRQ_OFFSET bits match the frames;
 * held[0..nr_held) are the spinlocks held by those frames, oldest
 * first; spin_on != NULL => the top frame is waiting for that lock.
 */
struct sim_cpu {
	int id;
	unsigned long preempt_count;
	bool irqs_off;
	unsigned int irq_pending;	/* bit i: irqs[i] raised */
	unsigned int softirq_pending;	/* bit nr: softirqs[nr] raised */
	int depth;
	struct sim_frame frames[SIM_MAX_DEPTH];
	int cur_task;			/* actor on frames[0] if a task, else -1 */
	int resched_to;			/* deferred preemption target, -1 none */
	spinlock_t *spin_on;
	const struct lab_site *spin_site;
	struct held_lock held[SIM_MAX_HELD];
	int nr_held;
	const struct lab_site *preempt_off_at, *irqs_off_at, *bh_off_at, *irqs_on_at;
	int nr_irqs;
	int irqs[SIM_MAX_IRQS_PER_CPU];		/* hardirq actor ids */
	int softirqs[SIM_NR_SOFTIRQS];		/* softirq actor ids, -1 none */
	int nr_tasks;
	int tasks[SIM_MAX_TASKS_PER_CPU];	/* task and kthread actor ids */
	struct fiber *hardirq_fiber, *softirq_fiber;
	bool hardirq_active, softirq_active;	/* their fiber is mid-activation */
	int tsan_sync;				/* address for TSan HB edges on this CPU */
};

struct sim_event {
	uint32_t point;
	uint8_t cpu;
	uint8_t ctx;
	uint8_t kind;
	int16_t actor;
	const struct lab_site *site;
	const char *obj;		/* lock or object name, note text */
	long arg;
};

/* The choice source's state (choice.c). */
struct sim_chooser {
	enum sim_source source;
	const uint8_t *bytes;
	size_t nr_bytes, pos;
	long skip;			/* bytes: points left before the pending event */
	int pending;			/* bytes: event to emit after skip, -1 none */
	uint64_t rng;
	unsigned int permille;
	/* PCT */
	int depth;
	unsigned long k;
	int prio[SIM_MAX_CPUS + SIM_MAX_ACTORS];	/* entity -> priority */
	unsigned long change[8];	/* change points (step numbers) */
	int nr_change, next_change;
	const struct sim_choice *replay;
	size_t nr_replay, rpos;
};

struct sim_machine {
	struct sim_config cfg;
	bool running;
	bool stopping_kthreads;
	int nr_cpus;
	int cur_cpu;
	struct sim_cpu cpus[SIM_MAX_CPUS];
	int nr_actors;
	struct sim_actor actors[SIM_MAX_ACTORS];
	unsigned long points;		/* scheduling points so far (choice index) */
	unsigned long switches;
	unsigned long jiffies;
	unsigned long rr;		/* round-robin cursor for cpu_relax */
	struct sim_chooser ch;
	size_t nr_choices;
	bool choices_lost;		/* more than SIM_MAX_CHOICES were taken */
	struct sim_choice choices[SIM_MAX_CHOICES];
	/* trace */
	uint64_t hash;
	unsigned long nr_events;
	struct sim_event trace[SIM_TRACE_LEN];
	unsigned int note_pos;
	char notes[SIM_NOTES][SIM_NOTE_LEN];
	int tsan_start;			/* HB edge from the driver to every fiber */
	int tsan_end;
};

extern struct sim_machine M;

enum sim_ev_kind {
	EV_LOCK, EV_SPIN, EV_UNLOCK, EV_TRYLOCK_OK, EV_TRYLOCK_FAIL,
	EV_IRQ_OFF, EV_IRQ_ON, EV_PREEMPT_OFF, EV_PREEMPT_ON, EV_BH_OFF, EV_BH_ON,
	EV_RACE, EV_RELAX, EV_RESCHED, EV_SLEEP, EV_MUTEX_LOCK, EV_MUTEX_UNLOCK,
	EV_WAIT, EV_WAKE_UP, EV_SWITCH, EV_HARDIRQ_ENTER, EV_HARDIRQ_EXIT,
	EV_SOFTIRQ_ENTER, EV_SOFTIRQ_EXIT, EV_PREEMPT, EV_TASK_START, EV_TASK_END,
	EV_BLOCK, EV_WAKEUP, EV_NOTE, EV_WARN, EV_RAISE_SOFTIRQ, EV_RAISE_HARDIRQ,
	EV_IDLE_TICK, EV_KTHREAD_STOP,
	EV_NR
};

/* trace.c */
void trace_reset(void);
void trace_event(int kind, const struct lab_site *site, const char *obj, long arg);
void trace_hook(void *arg);

/* choice.c */
void choice_init(const struct sim_config *cfg);
/* The event for this point (SIM_EV_NONE: the default). */
int choice_next(bool forced);
/* PCT: the CPU to run at a forced point (-1: no opinion). */
int choice_pct_pick_cpu(void);
bool cpu_runnable(int cpu);
bool softirq_work(struct sim_cpu *c);	/* a registered softirq is pending */
uint64_t sim_rand(uint64_t *s);

#endif

/* machine.c */
struct sim_cpu *sim_this_cpu(void);
struct sim_frame *sim_top(struct sim_cpu *c);
void sim_make_ctx(struct sim_cpu *c, struct check_ctx *x);
void sim_switch(struct fiber *from, struct fiber *to);
void sim_exec_resumed(void);
void sim_stop_run(void);	/* returns only outside a run */
struct fiber *cpu_resume_fiber(struct sim_cpu *c);
struct fiber *sim_pick_next(void);
void sim_sched_away(void);
void sim_switch_cpu(int target);
void sim_deliver_hardirq(struct sim_cpu *c);
void sim_run_softirqs(struct sim_cpu *c);
void sim_preempt(struct sim_cpu *c);
void sim_wake(struct sim_actor *a);
void sim_wake_timers(void);
int sim_new_task(int cpu, const char *name, enum actor_kind kind);
void choice_start(void);
