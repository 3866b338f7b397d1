// SPDX-License-Identifier: MIT
/*
 * labyrinth: run, read, write, explore, minimize and triage programs.
 *
 *	labyrinth run [-v] [--fault PLAN] FILE...
 *	labyrinth show FILE
 *	labyrinth asm FILE.lab -o OUT
 *	labyrinth explore FILE --policy pct|random --runs N --seed S [--depth D]
 *		[--steps K|auto] [-o OUT]
 *	labyrinth minimize FILE -o OUT
 *	labyrinth triage DIR...
 *	labyrinth sweep FILE [--persistent]
 *
 * --alloc NAME, before or after the command (or LABYRINTH_ALLOC=NAME),
 * runs the programs on that adapter of fuzz/allocs.def instead of
 * labyrinth's own allocator; an unknown name is a usage error (exit 2)
 * that lists the known ones.
 *
 * Files named *.lab are text, anything else is bytes decoded exactly as
 * the fuzz targets decode them. Exit codes: 0 clean / nothing found,
 * 1 a detector fired (or explore found a failing schedule), 2 usage
 * error or an unreadable/invalid file. Every write goes to a temporary
 * name first and is renamed into place. docs/programs.md.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "faultinject/fault.h"
#include "fuzz/interp.h"
#include "fuzz/program.h"

#define EXIT_FOUND	1
#define EXIT_USAGE	2

static const char usage_text[] =
	"usage: labyrinth COMMAND ...\n"
	"  run [-v] [--fault PLAN] FILE...   replay; exit 1 if a detector fired\n"
	"  show FILE                         print a program as text\n"
	"  asm FILE.lab -o OUT               text to bytes\n"
	"  explore FILE --policy pct|random --runs N --seed S [--depth D] [--steps K|auto] [-o OUT]\n"
	"                                    search schedules; save the first failing run\n"
	"  minimize FILE -o OUT              shrink, keeping the signature\n"
	"  triage DIR...                     one line per distinct signature\n"
	"  sweep FILE [--persistent]         fail the 1st, 2nd, ... allocation in turn\n"
	"options: --alloc NAME  run on that allocator (fuzz/allocs.def; also LABYRINTH_ALLOC)\n"
	"files named *.lab are text; anything else is fuzzer bytes\n";

/* The allocator every run of this invocation uses (--alloc, main()). */
static const struct lab_alloc_ops *alloc_ops;

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "labyrinth: %s\n", msg);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static int load(const char *path, struct program *p)
{
	char err[512];

	if (program_load(path, p, err, sizeof(err))) {
		fprintf(stderr, "labyrinth: %s\n", err);
		return -1;
	}
	return 0;
}

/* Write data to path through a temporary name, so nothing is half written. */
static int write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "labyrinth: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) || fsync(fileno(f))) {
		fprintf(stderr, "labyrinth: %s: write failed\n", tmp);
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path)) {
		fprintf(stderr, "labyrinth: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Save p as bytes, or as text when path ends in .lab. */
static int save_program(const char *path, const struct program *p)
{
	static char text[PROG_TEXT_MAX];
	uint8_t bytes[PROG_MAX_BYTES];
	size_t n = strlen(path);

	if (n >= 4 && !strcmp(path + n - 4, ".lab")) {
		n = program_format(p, text, sizeof(text));
		return write_atomic(path, text, n);
	}
	n = program_encode(p, bytes, sizeof(bytes));
	return write_atomic(path, bytes, n);
}

static size_t program_size(const struct program *p)
{
	uint8_t bytes[PROG_MAX_BYTES];

	return program_encode(p, bytes, sizeof(bytes));
}

/* One quiet run with the program's own schedule; its signature, "" if clean. */
static int run_quiet(const struct program *p, struct interp_result *res)
{
	struct interp_config cfg = { .ops = alloc_ops, .quiet = true };

	return interp_run(p, &cfg, res);
}

/* ---- run ------------------------------------------------------------ */

static int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "fault", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct interp_config cfg = { .ops = alloc_ops };
	static struct program p;
	struct interp_result res;
	int c, i, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vf:", lo, NULL)) != -1) {
		switch (c) {
		case 'v':
			cfg.verbose = true;
			break;
		case 'f':
			cfg.extra_fault = optarg;
			break;
		default:
			return usage(NULL);
		}
	}
	if (optind >= argc)
		return usage("run: no file");
	for (i = optind; i < argc; i++) {
		if (load(argv[i], &p)) {
			rc = EXIT_USAGE;
			continue;
		}
		if (interp_run(&p, &cfg, &res)) {
			fprintf(stderr, "labyrinth: %s: %s\n", argv[i], res.error);
			rc = EXIT_USAGE;
			continue;
		}
		if (res.verdict == SIM_REPORT) {
			printf("%s: signature: %s\n", argv[i], res.signature);
			if (rc == 0)
				rc = EXIT_FOUND;
		} else {
			printf("%s: clean (trace %016llx, %lu points)\n", argv[i],
			       (unsigned long long)res.trace_hash, res.points);
		}
	}
	return rc;
}

/* ---- show / asm ----------------------------------------------------- */

static int cmd_show(int argc, char **argv)
{
	static char text[PROG_TEXT_MAX];
	static struct program p;

	if (argc != 2)
		return usage("show: one file");
	if (load(argv[1], &p))
		return EXIT_USAGE;
	program_format(&p, text, sizeof(text));
	fputs(text, stdout);
	return 0;
}

static int cmd_asm(int argc, char **argv)
{
	static struct program p;
	const char *in = NULL, *out = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!in)
			in = argv[i];
		else
			return usage("asm: one input file");
	}
	if (!in || !out)
		return usage("asm: FILE.lab -o OUT");
	if (load(in, &p))
		return EXIT_USAGE;
	return save_program(out, &p) ? EXIT_USAGE : 0;
}

/* ---- explore -------------------------------------------------------- */

static int cmd_explore(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "depth", required_argument, NULL, 'd' },
		{ "steps", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static struct program p, found;
	struct interp_config cfg = { .ops = alloc_ops, .quiet = true };
	struct interp_result res, again;
	const char *out = NULL;
	unsigned long runs = 0, r;
	unsigned long long seed = 0;
	char path[4096], *end;
	int c, have_seed = 0;
	bool steps_auto = false;

	optind = 1;
	cfg.source = SIM_SRC_PCT;
	cfg.pct_depth = 2;
	while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "pct"))
				cfg.source = SIM_SRC_PCT;
			else if (!strcmp(optarg, "random"))
				cfg.source = SIM_SRC_RANDOM;
			else
				return usage("explore: --policy pct or random");
			break;
		case 'r':
			runs = strtoul(optarg, &end, 10);
			if (*end || !runs)
				return usage("explore: --runs N (N >= 1)");
			break;
		case 's':
			seed = strtoull(optarg, &end, 0);
			if (*end)
				return usage("explore: --seed S");
			have_seed = 1;
			break;
		case 'd':
			cfg.pct_depth = strtol(optarg, &end, 10);
			if (*end || cfg.pct_depth < 1 || cfg.pct_depth > 16)
				return usage("explore: --depth 1..16");
			break;
		case 'k':
			if (!strcmp(optarg, "auto")) {
				steps_auto = true;
				break;
			}
			cfg.pct_steps = strtoul(optarg, &end, 10);
			if (*end || !cfg.pct_steps || cfg.pct_steps > 100000000)
				return usage("explore: --steps K (1..100000000) or auto");
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return usage(NULL);
		}
	}
	if (optind != argc - 1 || !runs || !have_seed)
		return usage("explore FILE --policy pct|random --runs N --seed S [--depth D] [--steps K|auto] [-o OUT]");
	if (load(argv[optind], &p))
		return EXIT_USAGE;
	if (steps_auto) {
		/*
		 * PCT's k is the length of a run (Burckhardt et al.): the
		 * points of this program under the default schedule (its own
		 * schedule bytes left out), the same for every seed, so
		 * `--runs 1 --seed S' repeats run S of a longer call. With
		 * the fixed default a window past point 200 of a long program
		 * is out of reach at depth 2.
		 */
		found = p;
		found.sched_len = 0;
		if (run_quiet(&found, &res)) {
			fprintf(stderr, "labyrinth: %s\n", res.error);
			return EXIT_USAGE;
		}
		cfg.pct_steps = res.points ? res.points : 1;
	}
	for (r = 0; r < runs; r++) {
		cfg.seed = seed + r;
		if (interp_run(&p, &cfg, &res)) {
			fprintf(stderr, "labyrinth: %s\n", res.error);
			return EXIT_USAGE;
		}
		if (res.verdict != SIM_REPORT)
			continue;
		/* the failing run's choices become the program's schedule */
		found = p;
		memcpy(found.sched, res.sched, res.sched_len);
		found.sched_len = res.sched_len;
		if (run_quiet(&found, &again) || strcmp(again.signature, res.signature))
			fprintf(stderr, "labyrinth: warning: the saved schedule replays as '%s', not '%s'%s\n",
				again.signature, res.signature,
				res.sched_truncated ? " (schedule truncated)" : "");
		if (!out) {
			/* in the current directory, never beside a seed */
			const char *base = strrchr(argv[optind], '/');

			snprintf(path, sizeof(path), "%s.explore-%lu",
				 base ? base + 1 : argv[optind], r);
			out = path;
		}
		if (save_program(out, &found))
			return EXIT_USAGE;
		printf("run %lu (seed %llu): signature: %s\nsaved: %s\n", r, seed + r,
		       res.signature, out);
		return EXIT_FOUND;
	}
	printf("no report in %lu runs (seeds %llu..%llu)\n", runs, seed, seed + runs - 1);
	return 0;
}

/* ---- minimize ------------------------------------------------------- */

static unsigned long nr_tries;

/* Keep cand if it still fails with sig; the program is re-legalized first. */
static bool still_fails(struct program *cand, const char *sig)
{
	uint8_t bytes[PROG_MAX_BYTES];
	struct interp_result res;
	size_t n;

	n = program_encode(cand, bytes, sizeof(bytes));
	program_decode(bytes, n, cand);
	nr_tries++;
	return !run_quiet(cand, &res) && res.verdict == SIM_REPORT &&
	       !strcmp(res.signature, sig);
}

static bool shrink_once(struct program *p, const char *sig)
{
	static struct program c;
	bool progress = false;
	int i, k;
	size_t cut;

	/* whole actors, then single ops, last first */
	for (i = p->nr_actors - 1; i >= 0; i--) {
		c = *p;
		memmove(&c.actors[i], &c.actors[i + 1], (c.nr_actors - i - 1) * sizeof(c.actors[0]));
		c.nr_actors--;
		for (k = 0; k < c.nr_faults; k++)
			if (c.faults[k].actor == i + 1)
				c.faults[k].actor = 0;
			else if (c.faults[k].actor > i + 1)
				c.faults[k].actor--;
		if (still_fails(&c, sig)) {
			*p = c;
			progress = true;
		}
	}
	for (i = 0; i < p->nr_actors; i++) {
		for (k = p->actors[i].nr_ops - 1; k >= 0; k--) {
			struct prog_actor *a;

			if (k >= p->actors[i].nr_ops)
				continue;
			c = *p;
			a = &c.actors[i];
			memmove(&a->ops[k], &a->ops[k + 1], (a->nr_ops - k - 1) * sizeof(a->ops[0]));
			a->nr_ops--;
			if (still_fails(&c, sig)) {
				*p = c;
				progress = true;
			}
		}
	}
	for (i = p->nr_faults - 1; i >= 0; i--) {
		c = *p;
		memmove(&c.faults[i], &c.faults[i + 1], (c.nr_faults - i - 1) * sizeof(c.faults[0]));
		c.nr_faults--;
		if (still_fails(&c, sig)) {
			*p = c;
			progress = true;
		}
	}
	/* the schedule: drop the tail by halves, then (skip, event) pairs */
	for (cut = p->sched_len / 2; p->sched_len && cut < p->sched_len; cut = (cut + p->sched_len) / 2 + 0) {
		c = *p;
		c.sched_len = cut;
		if (still_fails(&c, sig)) {
			*p = c;
			progress = true;
			break;
		}
		if (cut + 1 >= p->sched_len)
			break;
	}
	for (i = (int)p->sched_len - 2; i >= 0; i -= 2) {
		if ((size_t)i + 2 > p->sched_len)
			continue;
		c = *p;
		memmove(&c.sched[i], &c.sched[i + 2], c.sched_len - i - 2);
		c.sched_len -= 2;
		if (still_fails(&c, sig)) {
			*p = c;
			progress = true;
		}
	}
	/* simpler machine: fewer CPUs */
	if (p->machine.nr_cpus > 1) {
		c = *p;
		c.machine.nr_cpus--;
		if (still_fails(&c, sig)) {
			*p = c;
			progress = true;
		}
	}
	return progress;
}

static int cmd_minimize(int argc, char **argv)
{
	static struct program p;
	struct interp_result res;
	const char *in = NULL, *out = NULL;
	char sig[sizeof(res.signature)];
	size_t before;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!in)
			in = argv[i];
		else
			return usage("minimize: one input file");
	}
	if (!in || !out)
		return usage("minimize FILE -o OUT");
	if (load(in, &p))
		return EXIT_USAGE;
	if (run_quiet(&p, &res)) {
		fprintf(stderr, "labyrinth: %s\n", res.error);
		return EXIT_USAGE;
	}
	if (res.verdict != SIM_REPORT) {
		fprintf(stderr, "labyrinth: %s: runs clean, nothing to minimize\n", in);
		return EXIT_USAGE;
	}
	snprintf(sig, sizeof(sig), "%s", res.signature);
	before = program_size(&p);
	nr_tries = 0;
	for (i = 0; i < 16 && shrink_once(&p, sig); i++)
		;
	if (save_program(out, &p))
		return EXIT_USAGE;
	printf("signature: %s\n%zu -> %zu bytes in %lu runs; saved: %s\n", sig, before,
	       program_size(&p), nr_tries, out);
	return 0;
}

/* ---- triage --------------------------------------------------------- */

struct bucket {
	char sig[160];
	unsigned long count;
	size_t smallest;
	char path[1024];
};

#define MAX_BUCKETS	256

static struct bucket buckets[MAX_BUCKETS];
static int nr_buckets;
static unsigned long nr_clean, nr_bad;

static void triage_file(const char *path)
{
	static struct program p;
	struct interp_result res;
	struct stat st;
	int i;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	if (load(path, &p) || run_quiet(&p, &res)) {
		nr_bad++;
		return;
	}
	if (res.verdict != SIM_REPORT) {
		nr_clean++;
		return;
	}
	for (i = 0; i < nr_buckets; i++)
		if (!strcmp(buckets[i].sig, res.signature))
			break;
	if (i == nr_buckets) {
		if (nr_buckets == MAX_BUCKETS)
			return;
		nr_buckets++;
		snprintf(buckets[i].sig, sizeof(buckets[i].sig), "%s", res.signature);
		buckets[i].smallest = (size_t)-1;
	}
	buckets[i].count++;
	if ((size_t)st.st_size < buckets[i].smallest) {
		buckets[i].smallest = st.st_size;
		snprintf(buckets[i].path, sizeof(buckets[i].path), "%s", path);
	}
}

static int cmd_triage(int argc, char **argv)
{
	int i, k, n;

	if (argc < 2)
		return usage("triage DIR...");
	nr_buckets = 0;
	for (i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "labyrinth: %s: %s\n", argv[i], strerror(errno));
			return EXIT_USAGE;
		}
		if (!S_ISDIR(st.st_mode)) {
			triage_file(argv[i]);
			continue;
		}
		n = scandir(argv[i], &names, NULL, alphasort);
		for (k = 0; k < n; k++) {
			char sub[4096];

			if (names[k]->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%s/%s", argv[i], names[k]->d_name);
				triage_file(sub);
			}
			free(names[k]);
		}
		if (n >= 0)
			free(names);
	}
	for (i = 0; i < nr_buckets; i++)
		printf("%6lu  %-48s  %s (%zu bytes)\n", buckets[i].count, buckets[i].sig,
		       buckets[i].path, buckets[i].smallest);
	printf("%d signatures, %lu clean, %lu unreadable\n", nr_buckets, nr_clean, nr_bad);
	return nr_buckets ? EXIT_FOUND : 0;
}

/* ---- sweep ---------------------------------------------------------- */

static char sweep_sig[160];

static int sweep_run(struct fault_injector *fi, void *arg)
{
	struct interp_config cfg = { .ops = alloc_ops, .quiet = true, .fi = fi };
	struct interp_result res;

	if (interp_run(arg, &cfg, &res))
		return -1;
	snprintf(sweep_sig, sizeof(sweep_sig), "%s", res.signature);
	return res.verdict == SIM_REPORT;
}

static void sweep_report(const struct fault_sweep_outcome *o, void *arg)
{
	printf("n=%lu %s: %s\n", o->n, o->mode == FAULT_SWEEP_PERSISTENT ? "persistent" : "transient",
	       o->verdict < 0 ? "set-up failed" : sweep_sig);
}

static int cmd_sweep(int argc, char **argv)
{
	static struct program p;
	enum fault_sweep_mode mode = FAULT_SWEEP_TRANSIENT;
	const char *in = NULL;
	long bad;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--persistent"))
			mode = FAULT_SWEEP_PERSISTENT;
		else if (!in)
			in = argv[i];
		else
			return usage("sweep FILE [--persistent]");
	}
	if (!in)
		return usage("sweep FILE [--persistent]");
	if (load(in, &p))
		return EXIT_USAGE;
	/* the sweep's own failures replace the program's plan */
	p.nr_faults = 0;
	bad = fault_sweep(sweep_run, &p, mode, NULL, 0, sweep_report, NULL);
	if (bad < 0) {
		fprintf(stderr, "labyrinth: sweep failed: %ld\n", bad);
		return EXIT_USAGE;
	}
	printf("%ld failing runs\n", bad);
	return bad ? EXIT_FOUND : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run }, { "show", cmd_show }, { "asm", cmd_asm },
		{ "explore", cmd_explore }, { "minimize", cmd_minimize },
		{ "triage", cmd_triage }, { "sweep", cmd_sweep },
	};
	const char *alloc = NULL;
	size_t i;
	int k, n;

	/* --alloc NAME / --alloc=NAME, before or after the command: taken out first */
	for (k = n = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--alloc")) {
			if (k + 1 >= argc)
				return usage("--alloc NAME");
			alloc = argv[++k];
		} else if (!strncmp(argv[k], "--alloc=", 8)) {
			alloc = argv[k] + 8;
		} else {
			argv[n++] = argv[k];
		}
	}
	argc = n;
	argv[n] = NULL;
	alloc_ops = lab_alloc_select("labyrinth", alloc);
	if (!alloc_ops)
		return EXIT_USAGE;
	if (argc < 2)
		return usage(NULL);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage("unknown command");
}
