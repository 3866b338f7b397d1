/* SPDX-License-Identifier: MIT */
/*
 * zoo.h: switches and canaries of the bug zoo (zoo/bugs.def, docs/zoo.md).
 *
 * A zoo bug is planted in code under test inside
 *
 *	#ifdef ZOO_<NAME>
 *		ZOO_REACHED(<NAME>);		the buggy code ran
 *		...
 *		if (<its bad effect happened>)
 *			ZOO_TRIGGERED(<NAME>);
 *	#endif
 *
 * or `if (ZOO_ENABLED(<NAME>))', which is a constant 0 in a clean build.
 * The build defines ZOO_<NAME> (and LAB_ZOO) only for `make ... ZOO=name'
 * and for the zoo's own test objects, so a clean build holds none of this:
 * every macro below is empty without LAB_ZOO or ZOO_<NAME>.
 *
 * Canaries (Magma's reached/triggered) count per process and, the first
 * time each fires in a process, print one line on stderr
 *
 *	zoo: reached NAME
 *	zoo: triggered NAME
 *
 * and append "KIND NAME PID MONO_NS RUN" to the file named by
 * $LABYRINTH_ZOO_LOG if set (the benchmark's clock: CLOCK_MONOTONIC,
 * read only for that line; it never feeds back into a run). RUN is the
 * number of runs this process started (zoo_run_begin(), called by
 * mm_init() in a full zoo build; 0 when nothing counts runs).
 *
 * The state lives in weak definitions here, so any object that plants a
 * bug links with any binary without a library of its own.
 */
#ifndef LABYRINTH_ZOO_H
#define LABYRINTH_ZOO_H

/* IS_ENABLED() of include/linux/kconfig.h: 1 if ZOO_<NAME> is defined to 1. */
#define __ZOO_ARG_PLACEHOLDER_1 0,
#define __zoo_take_second_arg(__ignored, val, ...) val
#define __zoo_is_defined(x) ___zoo_is_defined(x)
#define ___zoo_is_defined(val) ____zoo_is_defined(__ZOO_ARG_PLACEHOLDER_##val)
#define ____zoo_is_defined(arg1_or_junk) __zoo_take_second_arg(arg1_or_junk 1, 0)
#define ZOO_ENABLED(name)	__zoo_is_defined(ZOO_##name)

#ifdef LAB_ZOO
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum zoo_canary_kind { ZOO_CANARY_REACHED, ZOO_CANARY_TRIGGERED };

/*
 * Per-process canary state. Invariant: hits[k] counts every hit of kind
 * k; first[k] is set by the first hit of k in this process (its stderr
 * and log lines are written exactly once). runs counts zoo_run_begin().
 * Touched from simulated CPUs and real threads alike: atomics only.
 */
struct zoo_canary_state {
	unsigned long hits[2];
	int first[2];
	unsigned long runs;
	const char *name[2];
};

__attribute__((weak)) struct zoo_canary_state zoo_canary_state;

__attribute__((weak, no_sanitize("thread"))) void zoo_run_begin(void)
{
	__atomic_add_fetch(&zoo_canary_state.runs, 1, __ATOMIC_RELAXED);
}

__attribute__((weak)) unsigned long zoo_canary_hits(int kind)
{
	return __atomic_load_n(&zoo_canary_state.hits[kind], __ATOMIC_RELAXED);
}

__attribute__((weak, no_sanitize("thread"))) void zoo_canary(int kind, const char *name)
{
	static const char *const word[] = { "reached", "triggered" };
	struct timespec ts;
	const char *path;
	char line[160];
	int n, fd;

	__atomic_add_fetch(&zoo_canary_state.hits[kind], 1, __ATOMIC_RELAXED);
	if (__atomic_exchange_n(&zoo_canary_state.first[kind], 1, __ATOMIC_RELAXED))
		return;
	zoo_canary_state.name[kind] = name;
	/* a triggered bug was reached, even if its reached canary is elsewhere */
	if (kind == ZOO_CANARY_TRIGGERED && !zoo_canary_state.first[ZOO_CANARY_REACHED])
		zoo_canary(ZOO_CANARY_REACHED, name);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* write(2), not stdio: a canary may fire in a signal handler (threads/) */
	n = snprintf(line, sizeof(line), "zoo: %s %s\n", word[kind], name);
	if (n > 0 && write(2, line, (size_t)n) < 0)
		return;
	path = getenv("LABYRINTH_ZOO_LOG");
	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s %d %lld %lu\n", word[kind], name,
		     (int)getpid(), (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
		     __atomic_load_n(&zoo_canary_state.runs, __ATOMIC_RELAXED));
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

#define ZOO_REACHED(name)	zoo_canary(ZOO_CANARY_REACHED, #name)
#define ZOO_TRIGGERED(name)	zoo_canary(ZOO_CANARY_TRIGGERED, #name)
#define ZOO_RUN_BEGIN()		zoo_run_begin()
#else
#define ZOO_REACHED(name)	do { } while (0)
#define ZOO_TRIGGERED(name)	do { } while (0)
#define ZOO_RUN_BEGIN()		do { } while (0)
#endif

#endif /* LABYRINTH_ZOO_H */
