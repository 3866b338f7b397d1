/* SPDX-License-Identifier: MIT */
/*
 * Fibers for the simulated machine: one per context (task, softirq,
 * hardirq of each CPU). Switches are annotated for ASan and TSan
 * (TOOLCHAIN.md). Without TSan a hand-written x86-64 switch is used
 * (glibc swapcontext makes a sigprocmask system call per switch, about
 * 20x slower); under TSan, or off x86-64, ucontext.
 */
#ifndef LABYRINTH_SIM_FIBER_H
#define LABYRINTH_SIM_FIBER_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIM_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SIM_TSAN)
#define SIM_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SIM_ASAN)
#define SIM_ASAN 1
#endif

#if defined(__x86_64__) && !defined(SIM_TSAN)
#define SIM_FAST_SWITCH 1
#else
#include <ucontext.h>
#endif

/*
 * A fiber. Invariant: stack == NULL <=> this is the main (driver)
 * fiber; started => entry has run and the fiber is parked in a switch
 * or running; abandoned fibers (a run stopped mid-way) are restarted by
 * fiber_prepare(), which also clears their stale sanitizer state.
 */
struct fiber {
#ifdef SIM_FAST_SWITCH
	void *sp;			/* saved stack pointer when parked */
#else
	ucontext_t uc;
#endif
	void *stack;			/* mmap'ed, guard page at the bottom */
	size_t size;
	void (*entry)(void);		/* where the fiber starts */
	bool started;			/* entered since the last prepare */
	void *fake_stack;		/* ASan fake-stack handle while parked */
	const void *asan_bottom;	/* ASan: this fiber's stack bounds */
	size_t asan_size;
	void *tsan;			/* TSan fiber */
	bool tsan_dirty;		/* exited: recreate its TSan fiber */
};

/* The fiber running now. */
extern struct fiber *fiber_current;

void fiber_init_main(struct fiber *f);
int fiber_alloc(struct fiber *f, size_t size);	/* 0 or -ENOMEM */
/* (Re)start f at entry on its next switch-in. f must not be running. */
void fiber_prepare(struct fiber *f, void (*entry)(void));
/* Park the current fiber (from) and run to. */
void fiber_switch(struct fiber *from, struct fiber *to);
/* Leave the current fiber for good (it will be prepared before reuse). */
void fiber_exit_to(struct fiber *from, struct fiber *to) __attribute__((noreturn));
/* Call first thing in an entry function. */
void fiber_entered(void);

/* TSan annotations of simulated synchronisation (no-ops otherwise). */
void sim_tsan_acquire(const void *addr);
void sim_tsan_release(const void *addr);
void sim_tsan_ignore_begin(void);
void sim_tsan_ignore_end(void);

#endif
