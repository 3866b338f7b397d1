// SPDX-License-Identifier: MIT
/*
 * replay_main.c: a plain main() for a fuzz target, without any fuzzing
 * engine (OpenSSL's and libxml2's fuzz/ do the same): runs every file
 * named on the command line, and every file inside directories named
 * there, through LLVMFuzzerTestOneInput() exactly as the fuzzers did.
 * A report aborts, like under the fuzzer; otherwise the exit code is 0,
 * or 2 when a file cannot be read.
 *
 * LABYRINTH_REPEAT=N runs each input N times and prints executions per
 * second (the benchmark's engine-free figure; the only use of a clock).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define REPLAY_MAX_INPUT	(1 << 20)

static long repeat = 1;
static unsigned long nr_execs;

static int run_file(const char *path)
{
	static uint8_t buf[REPLAY_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (repeat == 1)
		fprintf(stderr, "Running: %s (%zu bytes)\n", path, n);
	for (long i = 0; i < repeat; i++, nr_execs++)
		LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int i, n, rc = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	/* sorted, so a directory replays in the same order every time */
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			if (!stat(sub, &st) && S_ISREG(st.st_mode) && run_file(sub))
				rc = 2;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	const char *rep = getenv("LABYRINTH_REPEAT");
	int i, rc = 0;
	double s;

	if (rep && atol(rep) > 0)
		repeat = atol(rep);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]))
			rc = 2;
	if (repeat > 1) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		fprintf(stderr, "replay: %lu runs in %.2f s, %.0f exec/s\n", nr_execs, s,
			s > 0 ? nr_execs / s : 0);
	}
	return rc;
}
