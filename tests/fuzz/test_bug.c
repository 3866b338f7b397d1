// SPDX-License-Identifier: MIT
/*
 * Linked only into test builds of the fuzz target and the labyrinth
 * command: turns on the interpreter's planted bug (fuzz/interp.h,
 * interp_test_bug), so tests have a known report to find and replay.
 */
#include "fuzz/interp.h"

static void __attribute__((constructor)) test_bug_on(void)
{
	interp_test_bug = true;
}
