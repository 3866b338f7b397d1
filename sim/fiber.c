// SPDX-License-Identifier: MIT
/* Fibers: see fiber.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "sim/fiber.h"

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif
#ifdef SIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

struct fiber *fiber_current;
static struct fiber *fiber_prev;	/* who switched to the fiber now running */

#ifdef SIM_FAST_SWITCH
/*
 * sim_ctx_switch(&from->sp, to->sp): push the callee-saved registers of
 * the SysV x86-64 ABI, save rsp, load the other rsp, pop, return into
 * the other fiber. A fresh fiber's stack is laid out by fiber_prepare()
 * so that the final ret enters fiber_trampoline with the alignment of a
 * normal function entry (rsp % 16 == 8). x87/SSE control words are
 * not switched: no code here changes them.
 */
void sim_ctx_switch(void **save_sp, void *new_sp);
__asm__(
	".text\n"
	".globl sim_ctx_switch\n"
	".type sim_ctx_switch,@function\n"
	"sim_ctx_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size sim_ctx_switch, .-sim_ctx_switch\n");
#endif

static void fiber_trampoline(void)
{
	fiber_current->entry();
	abort();	/* entries never return: they fiber_exit_to() */
}

#ifdef SIM_TSAN
/*
 * The fuzzing engine's coverage counters (-fsanitize-coverage=
 * inline-8bit-counters, in every object of a libFuzzer build): one
 * process-wide array that every fiber increments. clang 14 runs the
 * TSan pass after SanitizerCoverage and instruments those increments
 * (SanitizerCoverage marks them !nosanitize; this TSan pass does not
 * look), so with each fiber a thread to TSan every edge that two CPUs'
 * fibers execute was a "race" in the code under test, starting with
 * the first function a task fiber enters (task_entry). The counters are the engine's state,
 * not the machine's, and racy by design (libFuzzer does not make them
 * atomic for threaded targets either): tell TSan so, for exactly that
 * array. Weak: NULL in builds without coverage.
 */
extern unsigned char __start___sancov_cntrs[] __attribute__((weak));
extern unsigned char __stop___sancov_cntrs[] __attribute__((weak));
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *mem,
			     unsigned long size, const char *desc);

static void tsan_engine_counters(void)
{
	static bool done;

	if (done || !__start___sancov_cntrs || __stop___sancov_cntrs <= __start___sancov_cntrs)
		return;
	done = true;
	AnnotateBenignRaceSized(__FILE__, __LINE__, __start___sancov_cntrs,
				(unsigned long)(__stop___sancov_cntrs - __start___sancov_cntrs),
				"sanitizer-coverage inline 8-bit counters");
}
#endif

void fiber_init_main(struct fiber *f)
{
	memset(f, 0, sizeof(*f));
	f->started = true;
#ifdef SIM_TSAN
	f->tsan = __tsan_get_current_fiber();
	tsan_engine_counters();
#endif
	fiber_current = f;
}

int fiber_alloc(struct fiber *f, size_t size)
{
	size_t page = 4096;
	void *p;

	memset(f, 0, sizeof(*f));
	size = (size + page - 1) & ~(page - 1);
	p = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	mprotect(p, page, PROT_NONE);	/* overflow faults, never corrupts */
	f->stack = (char *)p + page;
	f->size = size;
#ifdef SIM_ASAN
	/*
	 * A run stopped by a report abandons its fibers mid-way: heap
	 * pointers live on only in their stacks, which LeakSanitizer does
	 * not scan unless told (they are plain mmap). Without this a fuzz
	 * target would report a leak for every input that finds a bug.
	 */
	__lsan_register_root_region(f->stack, size);
#endif
	f->asan_bottom = f->stack;
	f->asan_size = size;
	return 0;
}

void fiber_prepare(struct fiber *f, void (*entry)(void))
{
#ifdef SIM_TSAN
	if (f->tsan_dirty && f->tsan) {
		__tsan_destroy_fiber(f->tsan);
		f->tsan = NULL;
	}
	f->tsan_dirty = false;
#endif
	if (f->started) {
		/*
		 * Abandoned mid-activation (a run stopped by a report): its
		 * frames never returned, so ASan's stack shadow still holds
		 * their redzones and TSan its call stack. Start clean.
		 */
#ifdef SIM_ASAN
		ASAN_UNPOISON_MEMORY_REGION(f->stack, f->size);
#endif
#ifdef SIM_TSAN
		/*
		 * It stopped inside the machine, in a TSan ignore region that
		 * will never end: destroying it would make TSan complain, and
		 * reusing it would hide races. Leave it (a small leak per
		 * stopped run under TSan only) and take a new one.
		 */
		f->tsan = NULL;
#endif
	}
	f->entry = entry;
	f->started = false;
	f->fake_stack = NULL;
#ifdef SIM_TSAN
	if (!f->tsan)
		f->tsan = __tsan_create_fiber(0);
#endif
#ifdef SIM_FAST_SWITCH
	{
		uintptr_t top = ((uintptr_t)f->stack + f->size) & ~(uintptr_t)15;
		void **sp = (void **)top;

		*--sp = NULL;			/* fake return address of the trampoline */
		*--sp = (void *)fiber_trampoline;
		for (int i = 0; i < 6; i++)	/* rbp rbx r12..r15 */
			*--sp = NULL;
		f->sp = sp;
	}
#else
	getcontext(&f->uc);
	f->uc.uc_stack.ss_sp = f->stack;
	f->uc.uc_stack.ss_size = f->size;
	f->uc.uc_link = NULL;
	makecontext(&f->uc, fiber_trampoline, 0);
#endif
}

/* Runs in the fiber just switched to: finish the ASan switch protocol. */
static inline void after_switch(struct fiber *self)
{
#ifdef SIM_ASAN
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(self->fake_stack, &bottom, &size);
	/* Learn the main stack's bounds the first time we leave it. */
	if (fiber_prev && !fiber_prev->stack) {
		fiber_prev->asan_bottom = bottom;
		fiber_prev->asan_size = size;
	}
#else
	(void)self;
#endif
}

void fiber_entered(void)
{
	struct fiber *self = fiber_current;

	self->started = true;
#ifdef SIM_ASAN
	self->fake_stack = NULL;
#endif
	after_switch(self);
}

__attribute__((no_sanitize("thread")))
static void tsan_switch(struct fiber *to)
{
#ifdef SIM_TSAN
	/*
	 * no_sync: each fiber is its own thread to TSan; the machine adds
	 * the happens-before edges that the simulated hardware has.
	 */
	__tsan_switch_to_fiber(to->tsan, __tsan_switch_to_fiber_no_sync);
#else
	(void)to;
#endif
}

__attribute__((no_sanitize("thread")))
static void do_switch(struct fiber *from, struct fiber *to, bool exiting)
{
	fiber_prev = from;
	fiber_current = to;
#ifdef SIM_ASAN
	__sanitizer_start_switch_fiber(exiting ? NULL : &from->fake_stack,
				       to->asan_bottom, to->asan_size);
#else
	(void)exiting;
#endif
	tsan_switch(to);
#ifdef SIM_FAST_SWITCH
	sim_ctx_switch(&from->sp, to->sp);
#else
	swapcontext(&from->uc, &to->uc);
#endif
}

void fiber_switch(struct fiber *from, struct fiber *to)
{
	if (from == to)
		return;
	do_switch(from, to, false);
	after_switch(from);
}

void fiber_exit_to(struct fiber *from, struct fiber *to)
{
#ifdef SIM_ASAN
	/*
	 * The frames from here up to the stack top never return: clear
	 * their redzones now, cheaply, so fiber_prepare() need not clear
	 * the whole stack for a fiber that finished normally.
	 */
	{
		char *lo = (char *)__builtin_frame_address(0) - 1024;
		char *hi = (char *)from->stack + from->size;

		if (lo < (char *)from->stack)
			lo = from->stack;
		ASAN_UNPOISON_MEMORY_REGION(lo, (size_t)(hi - lo));
	}
#endif
	from->started = false;
	from->tsan_dirty = true;	/* its TSan call stack never unwound */
	sim_tsan_ignore_end();		/* leave the machine's ignore region for good */
	do_switch(from, to, true);
	abort();
}

void sim_tsan_acquire(const void *addr)
{
#ifdef SIM_TSAN
	__tsan_acquire((void *)addr);
#else
	(void)addr;
#endif
}

void sim_tsan_release(const void *addr)
{
#ifdef SIM_TSAN
	__tsan_release((void *)addr);
#else
	(void)addr;
#endif
}

#ifdef SIM_TSAN
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#endif

void sim_tsan_ignore_begin(void)
{
#ifdef SIM_TSAN
	__tsan_ignore_thread_begin();
#endif
}

void sim_tsan_ignore_end(void)
{
#ifdef SIM_TSAN
	__tsan_ignore_thread_end();
#endif
}
