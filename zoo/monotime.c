// SPDX-License-Identifier: MIT
/*
 * monotime: print CLOCK_MONOTONIC in nanoseconds, the clock the zoo's
 * canaries log with (include/labyrinth/zoo.h), so zoo/zoo.sh can measure
 * a trial from its start. The benchmark's only clock; no run reads it.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
