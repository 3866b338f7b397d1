// SPDX-License-Identifier: MIT
/*
 * scenario_tool.c: the plain, engine-free side of a scenario target
 * (scn-<name>), built with -DSCN_NAME like the target itself:
 *
 *	scn-<name> run [-v] [--alloc NAME] FILE|DIR...
 *					replay inputs (.lab text or the
 *					fuzzers' bytes); exit 0 clean,
 *					1 a report, 2 an unreadable or
 *					invalid file
 *	scn-<name> asm FILE.lab -o OUT	text -> bytes (seeds at build time)
 *	scn-<name> show FILE		text or bytes -> canonical text
 *	scn-<name> params		the parameters with their ranges
 *	scn-<name> record FILE SEED OUT.lab
 *					run FILE under the seeded random
 *					walk and save it with the schedule
 *					that walk took (clean or not), so
 *					the interleaving replays as bytes
 *					(its first SCN_MAX_SCHED bytes)
 *
 * A bytes file is decoded exactly as LLVMFuzzerTestOneInput() decodes
 * it, so a fuzzer's crash file replays here to the same signature.
 *
 * --alloc NAME (run, record; or LABYRINTH_ALLOC=NAME) runs the scenario
 * on that allocator of fuzz/allocs.def; an unknown name exits 2 with
 * the known names.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz/scenario.h"

#ifndef SCN_NAME
#error "build with -DSCN_NAME=<scenario name>"
#endif
#define SCN__CAT(a, b)	a##b
#define SCN__SYM(n)	SCN__CAT(scn_, n)

extern const struct scenario SCN__SYM(SCN_NAME);
static const struct scenario *const S = &SCN__SYM(SCN_NAME);

#define MAX_FILE	(1 << 20)

/* The allocator of every run (--alloc, main()). */
static const struct lab_alloc_ops *alloc_ops;

static bool has_lab_suffix(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && !strcmp(path + n - 4, ".lab");
}

/* Load text (.lab) or bytes. 0, or -1 with a message on stderr. */
static int load(const char *path, struct scn_input *in)
{
	static char buf[MAX_FILE + 1];
	char err[160];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	fclose(f);
	if (n > MAX_FILE) {
		fprintf(stderr, "%s: larger than %d bytes\n", path, MAX_FILE);
		return -1;
	}
	if (!has_lab_suffix(path)) {
		scn_decode(S, (const uint8_t *)buf, n, in);
		return 0;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		fprintf(stderr, "%s: a NUL byte in a text file\n", path);
		return -1;
	}
	if (scn_parse(S, buf, in, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	return 0;
}

static int run_file(const char *path, bool verbose)
{
	static struct scn_input in;
	struct scn_config cfg = { .ops = alloc_ops, .verbose = verbose };
	struct scn_result res;

	if (load(path, &in))
		return 2;
	if (scn_run(&in, &cfg, &res)) {
		fprintf(stderr, "%s: %s\n", path, res.error);
		return 2;
	}
	if (res.verdict == SIM_CLEAN) {
		printf("%s: clean, trace %016" PRIx64 ", %lu points, %lu checkpoints\n",
		       path, res.trace_hash, res.points, res.checkpoints);
		return 0;
	}
	printf("%s: signature: %s\n", path, res.signature);
	return 1;
}

static int run_path(const char *path, bool verbose)
{
	struct dirent **names;
	struct stat st;
	int i, n, rc = 0, r;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, verbose);
	n = scandir(path, &names, NULL, alphasort);	/* sorted: same order every time */
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	for (i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			if (!stat(sub, &st) && S_ISREG(st.st_mode)) {
				r = run_file(sub, verbose);
				rc = r > rc ? r : rc;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static int cmd_asm(const char *in_path, const char *out_path)
{
	static struct scn_input in;
	static uint8_t bytes[SCN_MAX_BYTES];
	size_t n;
	FILE *f;

	if (!has_lab_suffix(in_path)) {
		fprintf(stderr, "%s: asm wants a .lab text file\n", in_path);
		return 2;
	}
	if (load(in_path, &in))
		return 2;
	n = scn_encode(&in, bytes, sizeof(bytes));
	f = fopen(out_path, "wb");
	if (!f || fwrite(bytes, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "%s: %s\n", out_path, strerror(errno));
		return 2;
	}
	return 0;
}

static int cmd_show(const char *path)
{
	static struct scn_input in;
	static char text[SCN_TEXT_MAX];

	if (load(path, &in))
		return 2;
	scn_format(&in, text, sizeof(text));
	fputs(text, stdout);
	return 0;
}

static int cmd_record(const char *path, const char *seed, const char *out_path)
{
	static struct scn_input in;
	static char text[SCN_TEXT_MAX];
	struct scn_config cfg = { .ops = alloc_ops, .source = SIM_SRC_RANDOM, .quiet = true };
	struct scn_result res;
	char *end;
	FILE *f;

	cfg.seed = strtoull(seed, &end, 0);
	if (*end || !*seed) {
		fprintf(stderr, "record: bad seed '%s'\n", seed);
		return 2;
	}
	if (load(path, &in))
		return 2;
	if (scn_run(&in, &cfg, &res)) {
		fprintf(stderr, "%s: %s\n", path, res.error);
		return 2;
	}
	/* a truncated schedule keeps the walk's first choices, then the default */
	if (res.sched_truncated)
		fprintf(stderr, "%s: the walk took more than %d schedule bytes; keeping the first\n",
			path, SCN_MAX_SCHED);
	memcpy(in.sched, res.sched, res.sched_len);
	in.sched_len = res.sched_len;
	scn_format(&in, text, sizeof(text));
	f = fopen(out_path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "%s: %s\n", out_path, strerror(errno));
		return 2;
	}
	printf("%s: %s, %zu schedule bytes\n", out_path,
	       res.verdict == SIM_CLEAN ? "clean" : res.signature, res.sched_len);
	return res.verdict == SIM_CLEAN ? 0 : 1;
}

static void cmd_params(void)
{
	int i;

	printf("scenario %s: %s\n", S->name, S->summary ? S->summary : "");
	for (i = 0; i < S->nr_params; i++)
		printf("  param %-10s %3d..%-3d default %-3d %s\n", S->params[i].name,
		       S->params[i].min, S->params[i].max, S->params[i].def,
		       S->params[i].doc ? S->params[i].doc : "");
	for (i = 0; i < S->nr_actor_names; i++)
		printf("  actor %s\n", S->actor_names[i]);
}

static int usage(const char *prog)
{
	fprintf(stderr, "usage: %s run [-v] [--alloc NAME] FILE|DIR...\n"
		"       %s asm FILE.lab -o OUT\n"
		"       %s show FILE\n"
		"       %s params\n"
		"       %s record [--alloc NAME] FILE SEED OUT.lab\n"
		"--alloc NAME: an allocator of fuzz/allocs.def (also LABYRINTH_ALLOC)\n",
		prog, prog, prog, prog, prog);
	return 2;
}

int main(int argc, char **argv)
{
	const char *alloc = NULL;
	bool verbose = false;
	int i, n, rc = 0, r;

	/* --alloc NAME / --alloc=NAME, before or after the command */
	for (i = n = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--alloc")) {
			if (i + 1 >= argc)
				return usage(argv[0]);
			alloc = argv[++i];
		} else if (!strncmp(argv[i], "--alloc=", 8)) {
			alloc = argv[i] + 8;
		} else {
			argv[n++] = argv[i];
		}
	}
	argc = n;
	argv[n] = NULL;
	alloc_ops = lab_alloc_select(argv[0], alloc);
	if (!alloc_ops)
		return 2;
	if (argc < 2)
		return usage(argv[0]);
	if (!strcmp(argv[1], "run")) {
		i = 2;
		if (i < argc && !strcmp(argv[i], "-v")) {
			verbose = true;
			i++;
		}
		if (i >= argc)
			return usage(argv[0]);
		for (; i < argc; i++) {
			r = run_path(argv[i], verbose);
			rc = r > rc ? r : rc;
		}
		return rc;
	}
	if (!strcmp(argv[1], "asm") && argc == 5 && !strcmp(argv[3], "-o"))
		return cmd_asm(argv[2], argv[4]);
	if (!strcmp(argv[1], "show") && argc == 3)
		return cmd_show(argv[2]);
	if (!strcmp(argv[1], "record") && argc == 5)
		return cmd_record(argv[2], argv[3], argv[4]);
	if (!strcmp(argv[1], "params") && argc == 2) {
		cmd_params();
		return 0;
	}
	return usage(argv[0]);
}
