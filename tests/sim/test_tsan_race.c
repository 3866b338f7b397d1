// SPDX-License-Identifier: MIT
/*
 * TSan sees the simulated CPUs as threads: an unlocked shared counter
 * incremented by two CPUs is reported even though this interleaving
 * computed the right sum; the same with a lock is silent.
 *
 * Each case runs in a forked child (TSan halts on its first report).
 * It is its own binary because TSan ignores everything in a child
 * forked from a process that has more than one thread, and every fiber
 * counts as one: the forks must happen before the first fiber exists.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/sim/sim_test.h"
#include "sim/fiber.h"

static int racy;
static spinlock_t lock;

static void racy_task(void *arg)
{
	racy++;			/* no lock: CPUs race on it */
	race_point();
}

static void locked_task(void *arg)
{
	spin_lock(&lock);
	racy++;
	spin_unlock(&lock);
	race_point();
}

static int child_run(void (*fn)(void *))
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct sim_config cfg = quiet_cfg(2);

		if (!getenv("LAB_CHILD_STDERR") && !freopen("/dev/null", "w", stderr))
			_exit(4);
		sim_init(&cfg);
		spin_lock_init(&lock);
		sim_add_task(0, "task0", fn, NULL);
		sim_add_task(1, "task1", fn, NULL);
		sim_run();
		_exit(racy == 2 && !report_fired() ? 0 : 3);
	}
	waitpid(pid, &st, 0);
	return st;
}

static void test_tsan_reports_cpu_race(void **state)
{
#ifdef SIM_TSAN
	int st;

	st = child_run(racy_task);
	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* reported */
	st = child_run(locked_task);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);	/* silent */
#else
	(void)child_run;
	(void)racy_task;
	(void)locked_task;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsan_reports_cpu_race),
	};

	return LAB_RUN_TESTS(tests);
}
