// SPDX-License-Identifier: MIT
/*
 * The structure-aware mutator (fuzz/mutate.h): every output is a legal
 * program in canonical bytes, each part of a program really changes,
 * generated ops survive legalization, same seed gives the same output,
 * crossover mixes both parents, the byte entry points respect the size
 * limit, and the AFL++ library loads and produces legal programs.
 * Runs from the top of the tree (make test does): seeds are read from
 * corpus/ops/; MUTATOR_SO is the path of the AFL++ library.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "tests/harness.h"
#include "fuzz/mutate.h"
#include "fuzz/program.h"

#define SEED_DIR	"corpus/ops"
#define MAX_SEEDS	32

static struct program seeds[MAX_SEEDS];
static int nr_seeds;

static int load_seeds(void **state)
{
	struct dirent *de;
	DIR *d = opendir(SEED_DIR);
	char err[256];

	if (!d)
		return -1;
	/* the empty program too: the mutator must grow something from nothing */
	program_init(&seeds[nr_seeds++]);
	while ((de = readdir(d)) && nr_seeds < MAX_SEEDS) {
		char path[512], *src;

		if (!strstr(de->d_name, ".lab"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SEED_DIR, de->d_name);
		src = lab_slurp(path);
		if (!src || program_parse(src, &seeds[nr_seeds], NULL, err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", path, src ? err : "unreadable");
			free(src);
			closedir(d);
			return -1;
		}
		free(src);
		nr_seeds++;
	}
	closedir(d);
	return nr_seeds >= 9 ? 0 : -1;
}

/* p is legal and its canonical bytes decode back to p exactly. */
static void assert_canonical(const struct program *p)
{
	static struct program q;
	uint8_t b1[PROG_MAX_BYTES], b2[PROG_MAX_BYTES];
	size_t n1, n2;

	assert_true(program_is_legal(p));
	n1 = program_encode(p, b1, sizeof(b1));
	program_decode(b1, n1, &q);
	n2 = program_encode(&q, b2, sizeof(b2));
	assert_int_equal(n1, n2);
	assert_memory_equal(b1, b2, n1);
}

static int total_ops(const struct program *p)
{
	int i, n = 0;

	for (i = 0; i < p->nr_actors; i++)
		n += p->actors[i].nr_ops;
	return n;
}

/*
 * Thousands of chained mutations from every seed (restarting from the
 * seed every 25 steps so programs stay near the seeds and also grow):
 * every output legal and canonical, under ASan and UBSan.
 */
static void test_mutations_legal(void **state)
{
	static struct program p;
	uint64_t rng = 1;
	int s, i, unchanged = 0, n = 0;

	for (s = 0; s < nr_seeds; s++) {
		for (i = 0; i < 3000; i++) {
			if (i % 25 == 0)
				p = seeds[s];
			if (program_mutate(&p, &rng) < 0)
				unchanged++;
			assert_canonical(&p);
			n++;
		}
	}
	/* a mutation that changes nothing is a wasted execution */
	if (unchanged * 100 > n)
		fail_msg("%d of %d mutations changed nothing", unchanged, n);
}

/* Garbage in (a raw struct that was never legalized): legal out. */
static void test_mutate_raw_struct(void **state)
{
	static struct program p;
	uint64_t rng = 7, fill = 99;
	int i;
	size_t k;

	for (i = 0; i < 2000; i++) {
		uint8_t *raw = (uint8_t *)&p;

		for (k = 0; k < sizeof(p); k++)
			raw[k] = mut_rand(&fill);
		/* a bool holding 164 is undefined behaviour, not bad input */
		p.machine.kswapd = raw[0] & 1;
		for (k = 0; k < PROG_MAX_FAULTS; k++)
			p.faults[k].ignore_gfp_wait = raw[k + 1] & 1;
		program_mutate(&p, &rng);
		assert_canonical(&p);
	}
}

/*
 * Each part of a program changes, counted by comparing before and
 * after (not by trusting the kind the mutator reports), and every kind
 * of mutation happens.
 */
static void test_every_part_changes(void **state)
{
	enum { MACHINE, ACTORS, OPS, FAULTS, SCHED, PARTS };
	static const char *const names[PARTS] = { "machine", "actors", "ops", "faults", "schedule" };
	static struct program p, before;
	int part[PARTS] = { 0 }, kinds[MUT_NR] = { 0 };
	uint64_t rng = 3;
	const int N = 20000;
	int i, a, kind;

	for (i = 0; i < N; i++) {
		if (i % 10 == 0)
			p = seeds[i / 10 % nr_seeds];
		before = p;
		kind = program_mutate(&p, &rng);
		if (kind >= 0)
			kinds[kind]++;
		part[MACHINE] += memcmp(&before.machine, &p.machine, sizeof(p.machine)) != 0;
		part[FAULTS] += before.nr_faults != p.nr_faults ||
				memcmp(before.faults, p.faults, sizeof(p.faults));
		part[SCHED] += before.sched_len != p.sched_len ||
			       memcmp(before.sched, p.sched, p.sched_len);
		if (before.nr_actors != p.nr_actors) {
			part[ACTORS]++;
			continue;
		}
		for (a = 0; a < p.nr_actors; a++)
			if (before.actors[a].kind != p.actors[a].kind ||
			    before.actors[a].cpu != p.actors[a].cpu ||
			    before.actors[a].fires != p.actors[a].fires)
				break;
		if (a < p.nr_actors) {
			part[ACTORS]++;
			continue;
		}
		for (a = 0; a < p.nr_actors; a++)
			if (before.actors[a].nr_ops != p.actors[a].nr_ops ||
			    memcmp(before.actors[a].ops, p.actors[a].ops,
				   p.actors[a].nr_ops * sizeof(p.actors[a].ops[0])))
				break;
		part[OPS] += a < p.nr_actors;
	}
	for (i = 0; i < PARTS; i++) {
		print_message("  %-8s changed in %5d of %d mutations\n", names[i], part[i], N);
		/* at least 1 in 100 for the machine, 1 in 20 for the rest */
		if (part[i] * (i == MACHINE ? 100 : 20) < N)
			fail_msg("%s changed in only %d of %d mutations", names[i], part[i], N);
	}
	for (i = 0; i < MUT_NR; i++)
		if (kinds[i] < N / 200)
			fail_msg("%s applied only %d times in %d", mut_kind_name(i), kinds[i], N);
}

/*
 * Generated ops fit their position: after an op-insert the program has
 * one op more nearly always, where a random op (any code, any argument
 * bytes) inserted the same way and legalized mostly does not. Not
 * always: an inserted free makes the later free of that page illegal,
 * and legalization drops that one instead. The pair and bracket
 * mutations add ops in two places.
 */
static void test_generated_ops_survive(void **state)
{
	static struct program p, before;
	int tried[MUT_NR] = { 0 }, grew[MUT_NR] = { 0 }, rtried = 0, rgrew = 0;
	uint64_t rng = 11;
	int i, kind;

	for (i = 0; i < 20000; i++) {
		if (i % 10 == 0)
			p = seeds[i / 10 % nr_seeds];
		before = p;
		kind = program_mutate(&p, &rng);
		if (kind != MUT_OP_INSERT && kind != MUT_OP_PAIR && kind != MUT_OP_BRACKET)
			continue;
		tried[kind]++;
		grew[kind] += total_ops(&p) >= total_ops(&before) + (kind == MUT_OP_INSERT ? 1 : 2);
	}
	/* the baseline: a random op at a random place */
	for (i = 0; i < 5000; i++) {
		struct prog_actor *a;
		int k;

		p = seeds[1 + i % (nr_seeds - 1)];
		a = &p.actors[mut_rand(&rng) % p.nr_actors];
		if (a->nr_ops >= PROG_MAX_OPS)
			continue;
		k = mut_rand(&rng) % (a->nr_ops + 1);
		memmove(&a->ops[k + 1], &a->ops[k], (a->nr_ops - k) * sizeof(a->ops[0]));
		a->ops[k].code = mut_rand(&rng) % OP_NR;
		a->ops[k].a = mut_rand(&rng);
		a->ops[k].b = mut_rand(&rng);
		a->ops[k].c = mut_rand(&rng);
		a->nr_ops++;
		k = total_ops(&p);
		program_legalize(&p);
		rtried++;
		rgrew += total_ops(&p) == k;
	}
	print_message("  op-insert kept %d/%d (a random op: %d/%d), op-pair added 2+ ops %d/%d, "
		      "op-bracket %d/%d\n", grew[MUT_OP_INSERT], tried[MUT_OP_INSERT], rgrew, rtried,
		      grew[MUT_OP_PAIR], tried[MUT_OP_PAIR], grew[MUT_OP_BRACKET],
		      tried[MUT_OP_BRACKET]);
	assert_true(tried[MUT_OP_INSERT] > 100);
	assert_true(grew[MUT_OP_INSERT] * 100 >= tried[MUT_OP_INSERT] * 85);
	/* at least 20 points better than a random op */
	assert_true(grew[MUT_OP_INSERT] * 100 / tried[MUT_OP_INSERT] >= rgrew * 100 / rtried + 20);
	assert_true(grew[MUT_OP_PAIR] * 100 >= tried[MUT_OP_PAIR] * 80);
	assert_true(grew[MUT_OP_BRACKET] * 100 >= tried[MUT_OP_BRACKET] * 80);
}

/* The same seed gives the same output; another seed, mostly another one. */
static void test_deterministic(void **state)
{
	uint8_t in[PROG_MAX_BYTES], o1[PROG_MAX_BYTES], o2[PROG_MAX_BYTES], o3[PROG_MAX_BYTES];
	int s, i, differ = 0, n = 0;

	for (s = 0; s < nr_seeds; s++) {
		size_t len = program_encode(&seeds[s], in, sizeof(in));

		for (i = 0; i < 200; i++) {
			uint64_t r1 = 1000 + i, r2 = 1000 + i, r3 = 5000 + i;
			size_t n1 = program_mutate_bytes(in, len, o1, sizeof(o1), 3, &r1, NULL);
			size_t n2 = program_mutate_bytes(in, len, o2, sizeof(o2), 3, &r2, NULL);
			size_t n3 = program_mutate_bytes(in, len, o3, sizeof(o3), 3, &r3, NULL);

			assert_int_equal(n1, n2);
			assert_memory_equal(o1, o2, n1);
			assert_true(r1 == r2);
			differ += n1 != n3 || memcmp(o1, o3, n1);
			n++;
			n1 = program_crossover_bytes(in, len, o3, n3, o1, sizeof(o1), &r1);
			n2 = program_crossover_bytes(in, len, o3, n3, o2, sizeof(o2), &r2);
			assert_int_equal(n1, n2);
			assert_memory_equal(o1, o2, n1);
		}
	}
	assert_true(differ * 10 > n * 9);
}

/* Crossover: legal, differs from the first parent, takes b's parts. */
static void test_crossover(void **state)
{
	static struct program out;
	uint64_t rng = 5;
	int i, a, same = 0, from_b = 0, n = 0;

	for (i = 0; i < 5000; i++) {
		const struct program *pa = &seeds[i % nr_seeds];
		const struct program *pb = &seeds[(i / nr_seeds + 1 + i) % nr_seeds];

		program_crossover(&out, pa, pb, &rng);
		assert_canonical(&out);
		n++;
		same += program_equal(&out, pa);
		/* an actor of b whose ops a does not have at that index */
		for (a = 0; a < out.nr_actors; a++) {
			int k;

			for (k = 0; k < pb->nr_actors; k++)
				if (out.actors[a].nr_ops && pb->actors[k].nr_ops &&
				    !memcmp(&out.actors[a], &pb->actors[k], sizeof(out.actors[a])) &&
				    (a >= pa->nr_actors ||
				     memcmp(&out.actors[a], &pa->actors[a], sizeof(out.actors[a]))))
					break;
			if (k < pb->nr_actors)
				break;
		}
		from_b += a < out.nr_actors;
	}
	print_message("  crossover: %d of %d equal to the first parent, %d with an actor of the second\n",
		      same, n, from_b);
	assert_true(same * 4 < n);
	assert_true(from_b * 5 > n);
}

/* The byte entry points keep within max (cutting the schedule first). */
static void test_max_size(void **state)
{
	static struct program p;
	uint8_t in[PROG_MAX_BYTES], out[PROG_MAX_BYTES];
	uint64_t rng = 9;
	int s, i, made = 0;

	for (s = 0; s < nr_seeds; s++) {
		size_t len = program_encode(&seeds[s], in, sizeof(in));

		for (i = 0; i < 300; i++) {
			size_t max = 1 + mut_rand(&rng) % (len + 64);
			size_t n = program_mutate_bytes(in, len, out, max, 2, &rng, NULL);

			assert_true(n <= max);
			if (!n)
				continue;
			made++;
			/* what comes out is a program in canonical bytes */
			program_decode(out, n, &p);
			assert_true(program_is_legal(&p));
			n = program_crossover_bytes(in, len, out, n, out, max, &rng);
			assert_true(n <= max);
		}
	}
	assert_true(made > 0);
}

/* The AFL++ library: loads, exports the API, gives legal programs. */
static void test_afl_library(void **state)
{
	void *(*init)(void *, unsigned int);
	size_t (*fuzz)(void *, uint8_t *, size_t, uint8_t **, uint8_t *, size_t, size_t);
	size_t (*havoc)(void *, uint8_t *, size_t, uint8_t **, size_t);
	uint8_t (*prob)(void *);
	const char *(*describe)(void *, size_t);
	void (*deinit)(void *);
	static struct program p;
	uint8_t in[PROG_MAX_BYTES], add[PROG_MAX_BYTES], o1[PROG_MAX_BYTES], *out;
	void *h = dlopen(MUTATOR_SO, RTLD_NOW | RTLD_LOCAL), *m, *m2;
	int s, i, changed = 0, n = 0;

	if (!h)
		fail_msg("dlopen %s: %s", MUTATOR_SO, dlerror());
	*(void **)&init = dlsym(h, "afl_custom_init");
	*(void **)&fuzz = dlsym(h, "afl_custom_fuzz");
	*(void **)&havoc = dlsym(h, "afl_custom_havoc_mutation");
	*(void **)&prob = dlsym(h, "afl_custom_havoc_mutation_probability");
	*(void **)&describe = dlsym(h, "afl_custom_describe");
	*(void **)&deinit = dlsym(h, "afl_custom_deinit");
	assert_non_null(init);
	assert_non_null(fuzz);
	assert_non_null(havoc);
	assert_non_null(prob);
	assert_non_null(describe);
	assert_non_null(deinit);
	/* only the API is exported: the program code stays private */
	assert_null(dlsym(h, "program_decode"));
	assert_true(prob(NULL) > 0 && prob(NULL) <= 100);

	m = init(NULL, 1234);
	m2 = init(NULL, 1234);
	assert_non_null(m);
	for (s = 0; s < nr_seeds; s++) {
		size_t len = program_encode(&seeds[s], in, sizeof(in));
		size_t alen = program_encode(&seeds[(s + 1) % nr_seeds], add, sizeof(add));

		for (i = 0; i < 300; i++) {
			size_t max = i % 10 ? 1600 : 64, k, k2;

			k = fuzz(m, in, len, &out, add, alen, max);
			assert_true(k > 0 && k <= max);
			program_decode(out, k, &p);
			assert_true(program_is_legal(&p));
			changed += k != len || memcmp(out, in, k);
			n++;
			/* the same seed, the same sequence of outputs */
			memcpy(o1, out, k);
			k2 = fuzz(m2, in, len, &out, add, alen, max);
			assert_int_equal(k, k2);
			assert_memory_equal(o1, out, k);
			assert_non_null(describe(m, 64));
			assert_true(strlen(describe(m, 8)) <= 8);

			k = havoc(m, in, len, &out, 1600);
			assert_true(k > 0 && k <= 1600);
			program_decode(out, k, &p);
			assert_true(program_is_legal(&p));
			k2 = havoc(m2, in, len, &out, 1600);
			assert_int_equal(k, k2);
		}
	}
	/* not even bytes: still an output of at least one byte */
	assert_true(fuzz(m, in, 0, &out, NULL, 0, 1600) > 0);
	print_message("  afl_custom_fuzz changed %d of %d inputs\n", changed, n);
	assert_true(changed * 100 > n * 95);
	deinit(m);
	deinit(m2);
	dlclose(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutations_legal),
		cmocka_unit_test(test_mutate_raw_struct),
		cmocka_unit_test(test_every_part_changes),
		cmocka_unit_test(test_generated_ops_survive),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_crossover),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_afl_library),
	};

	return LAB_RUN_TESTS_FIXTURE(tests, load_seeds, NULL);
}
