/* SPDX-License-Identifier: MIT */
/*
 * The lock the checkers (ledger, oracle) guard their own state with.
 *
 * Events reach a checker from any context, interrupts as signals
 * included, so the lock blocks every signal while it is held. Under
 * ThreadSanitizer the checker's own state is invisible: its accesses
 * (memcpy and memset included, which TSan intercepts whatever the
 * function's attribute) are ignored inside the lock, and the lock itself
 * is uninstrumented, so it adds no happens-before edge between the
 * threads (or fibers) of the code under test. A serial checker (the
 * simulated machine runs one context at a time) takes no lock at all.
 */
#ifndef LABYRINTH_CHECK_CHECKER_LOCK_H
#define LABYRINTH_CHECK_CHECKER_LOCK_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#define NOTSAN		__attribute__((no_sanitize("thread")))

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define TSAN_IGNORE_BEGIN()	__tsan_ignore_thread_begin()
#define TSAN_IGNORE_END()	__tsan_ignore_thread_end()
#endif
#endif
#ifndef TSAN_IGNORE_BEGIN
#define TSAN_IGNORE_BEGIN()	do { } while (0)
#define TSAN_IGNORE_END()	do { } while (0)
#endif

NOTSAN static inline void checker_lock(int *lock, bool serial, sigset_t *old)
{
	sigset_t all;

	if (serial) {
		TSAN_IGNORE_BEGIN();
		return;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
	TSAN_IGNORE_BEGIN();
}

NOTSAN static inline void checker_unlock(int *lock, bool serial, sigset_t *old)
{
	TSAN_IGNORE_END();
	if (serial)
		return;
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

#endif
