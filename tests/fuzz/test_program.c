// SPDX-License-Identifier: MIT
/*
 * Programs: exact round trips, total decoding, legalization rules.
 * Runs from the top of the tree (make test does): seeds are read from
 * corpus/ops/.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "tests/harness.h"
#include "fuzz/program.h"
#include "fuzz/program_int.h"

#define SEED_DIR	"corpus/ops"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Canonical text of a seed: drop comments, blank lines and trailing blanks. */
static void strip_comments(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	while (*in) {
		const char *eol = strchr(in, '\n');
		size_t n = eol ? (size_t)(eol - in) : strlen(in);
		const char *hash = memchr(in, '#', n);
		size_t m = hash ? (size_t)(hash - in) : n;

		while (m && (in[m - 1] == ' ' || in[m - 1] == '\t'))
			m--;
		if (m && o + m + 2 < cap) {
			memcpy(out + o, in, m);
			o += m;
			out[o++] = '\n';
		}
		in += n + (eol ? 1 : 0);
	}
	out[o] = '\0';
}

/* text -> program -> bytes -> program -> text, for every shipped seed */
static void test_seed_round_trip(void **state)
{
	static char canon[PROG_TEXT_MAX], text[PROG_TEXT_MAX], text2[PROG_TEXT_MAX];
	static struct program p, q;
	uint8_t bytes[PROG_MAX_BYTES];
	char err[256];
	struct dirent *de;
	DIR *d = opendir(SEED_DIR);
	int seeds = 0, changed;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], *src;
		size_t n;

		if (!strstr(de->d_name, ".lab"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SEED_DIR, de->d_name);
		src = lab_slurp(path);
		assert_non_null(src);
		if (program_parse(src, &p, &changed, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
		if (changed)
			fail_msg("%s: not legal as written (%d changes)", path, changed);
		assert_true(program_is_legal(&p));
		strip_comments(src, canon, sizeof(canon));
		program_format(&p, text, sizeof(text));
		if (strcmp(canon, text))
			fail_msg("%s: text is not canonical:\n--- file\n%s--- formatted\n%s",
				 path, canon, text);
		n = program_encode(&p, bytes, sizeof(bytes));
		program_decode(bytes, n, &q);
		assert_true(program_equal(&p, &q));
		program_format(&q, text2, sizeof(text2));
		assert_string_equal(text, text2);
		free(src);
		seeds++;
	}
	closedir(d);
	assert_true(seeds >= 8);
}

/*
 * Random bytes: decoding never crashes and is legal; bytes -> text ->
 * bytes is exact for decoded programs; decoding is idempotent.
 */
static void test_random_bytes(void **state)
{
	static char text[PROG_TEXT_MAX];
	static struct program p, q, r;
	uint8_t in[1200], b1[PROG_MAX_BYTES], b2[PROG_MAX_BYTES];
	uint64_t seed = 42;
	char err[256];
	int i, changed;

	for (i = 0; i < 5000; i++) {
		size_t len = splitmix64(&seed) % sizeof(in), k, n1, n2;
		uint64_t bias = splitmix64(&seed) % 4;

		for (k = 0; k < len; k++) {
			in[k] = splitmix64(&seed);
			/* small values reach more op codes and counts */
			if (bias == 1)
				in[k] %= 40;
		}
		program_decode(in, len, &p);
		assert_true(program_is_legal(&p));
		n1 = program_encode(&p, b1, sizeof(b1));
		program_decode(b1, n1, &q);
		n2 = program_encode(&q, b2, sizeof(b2));
		assert_int_equal(n1, n2);
		assert_memory_equal(b1, b2, n1);
		program_format(&p, text, sizeof(text));
		if (program_parse(text, &r, &changed, err, sizeof(err)))
			fail_msg("iteration %d: %s", i, err);
		assert_int_equal(changed, 0);
		assert_true(program_equal(&p, &r));
	}
}

/* Raw structs with any field values: legalize makes them legal, once. */
static void test_legalize_idempotent(void **state)
{
	static struct program p;
	uint64_t seed = 7;
	int i;

	for (i = 0; i < 3000; i++) {
		uint8_t *raw = (uint8_t *)&p;
		size_t k;

		for (k = 0; k < sizeof(p); k++)
			raw[k] = splitmix64(&seed);
		/* bool fields hold 0 or 1 in any real struct */
		*(uint8_t *)&p.machine.kswapd &= 1;
		for (k = 0; k < PROG_MAX_FAULTS; k++)
			*(uint8_t *)&p.faults[k].ignore_gfp_wait &= 1;
		p.nr_actors %= 12;
		p.nr_faults %= 6;
		p.sched_len %= 600;
		for (k = 0; k < PROG_MAX_ACTORS; k++)
			p.actors[k].nr_ops %= 40;
		program_legalize(&p);
		assert_true(program_is_legal(&p));
		assert_int_equal(program_legalize(&p), 0);
	}
}

static void test_empty_and_truncated(void **state)
{
	static struct program p;
	uint8_t bytes[PROG_MAX_BYTES];
	static const uint8_t one_actor[] = { 0, 0, 1, 0, 3, OP_ALLOC, 0, GFPC_KERNEL, 0,
					     OP_FREE, 0, 0, 0, OP_TOUCH };
	size_t n, cut;

	program_decode(NULL, 0, &p);
	assert_true(program_is_legal(&p));
	assert_int_equal(p.nr_actors, 0);
	assert_int_equal(p.machine.nr_cpus, 1);
	/* every prefix decodes; a cut op is dropped, never half read */
	for (cut = 0; cut <= sizeof(one_actor); cut++) {
		program_decode(one_actor, cut, &p);
		assert_true(program_is_legal(&p));
		assert_true(p.nr_actors <= 1);
		if (cut >= sizeof(one_actor) - 1) {
			assert_int_equal(p.actors[0].nr_ops, 2);
		}
	}
	n = program_encode(&p, bytes, sizeof(bytes));
	assert_true(n > 0);
	/* oversized: the schedule is clamped */
	{
		static uint8_t big[PROG_MAX_BYTES * 4];

		memset(big, 0x11, sizeof(big));
		program_decode(big, sizeof(big), &p);
		assert_true(program_is_legal(&p));
		assert_true(p.sched_len <= PROG_MAX_SCHED);
	}
}

/* Parse text that must come back changed by legalization, with what changed. */
static void parse_ok(const char *text, struct program *p, int want_changed)
{
	char err[256];
	int changed;

	if (program_parse(text, p, &changed, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(program_is_legal(p));
	if (want_changed >= 0 && (changed != 0) != (want_changed != 0))
		fail_msg("changed=%d, want %s:\n%s", changed, want_changed ? "changes" : "none", text);
}

static void test_legalize_gfp_context(void **state)
{
	static struct program p;

	/* GFP_KERNEL in a hardirq becomes GFP_ATOMIC (no sleeping there) */
	parse_ok("actor irq0 hardirq cpu=0 fires=1\n\talloc s0 KERNEL order=0\n", &p, 1);
	assert_int_equal(p.actors[0].ops[0].b & 7, GFPC_ATOMIC);
	/* ... also under a spinlock, IRQs off, preemption off, bh off */
	parse_ok("actor task0 task cpu=0\n\tpreempt_disable\n\talloc s0 NOIO order=0\n"
		 "\tpreempt_enable\n\talloc s1 NOIO order=0\n", &p, 1);
	assert_int_equal(p.actors[0].ops[1].b & 7, GFPC_ATOMIC);
	assert_int_equal(p.actors[0].ops[3].b & 7, GFPC_NOIO);	/* twin: left alone */
	/* NOFAIL needs direct reclaim and order <= 1 */
	parse_ok("actor task0 task cpu=0\n\talloc s0 NOWAIT|NOFAIL order=0\n"
		 "\talloc s1 KERNEL|NOFAIL order=2\n\talloc s2 KERNEL|NOFAIL order=1\n", &p, 1);
	assert_false(p.actors[0].ops[0].b & GFPM_NOFAIL);
	assert_false(p.actors[0].ops[1].b & GFPM_NOFAIL);
	assert_true(p.actors[0].ops[2].b & GFPM_NOFAIL);
	/* ... and never with exhaustion in the program */
	parse_ok("actor task0 task cpu=0\n\texhaust NORMAL zero\n\talloc s0 KERNEL|NOFAIL order=0\n",
		 &p, 1);
	assert_false(p.actors[0].ops[1].b & GFPM_NOFAIL);
}

static void test_legalize_slots(void **state)
{
	static struct program p;

	/* free of an empty slot is dropped; alloc into a full one moves */
	parse_ok("actor task0 task cpu=0\n\tfree s3\n\talloc s0 ATOMIC order=0\n"
		 "\talloc s0 ATOMIC order=0\n\tpfree s0\n\tgive s5 ring\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 2);
	assert_int_equal(p.actors[0].ops[0].a, 0);
	assert_int_equal(p.actors[0].ops[1].a, 1);
	/* twin */
	parse_ok("actor task0 task cpu=0\n\talloc s0 ATOMIC order=0\n\tgive s0 ring\n"
		 "\ttake s0 ring\n\tfree s0\n", &p, 0);
	assert_int_equal(p.actors[0].nr_ops, 4);
}

static void test_legalize_locks(void **state)
{
	static struct program p;

	/* out of order (b after d), unlock of nothing, a in an interrupt: dropped */
	parse_ok("actor task0 task cpu=0\n\tlock d irqsave\n\tlock b plain\n\tunlock d\n"
		 "\tunlock d\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 2);
	parse_ok("actor irq0 hardirq cpu=0 fires=1\n\tlock a plain\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 0);
	/* d with IRQs on becomes irqsave; c with softirqs on becomes bh */
	parse_ok("actor task0 task cpu=0\n\tlock c plain\n\tlock d plain\n\tunlock d\n\tunlock c\n",
		 &p, 1);
	assert_int_equal(p.actors[0].ops[0].b, LOCKK_BH);
	assert_int_equal(p.actors[0].ops[1].b, LOCKK_IRQSAVE);
	/* twin: IRQs already off, plain is right */
	parse_ok("actor task0 task cpu=0\n\tirq_save\n\tlock c plain\n\tlock d plain\n"
		 "\tunlock d\n\tunlock c\n\tirq_restore\n", &p, 0);
	/* no bh in hardirq or with IRQs off; no blocking while atomic */
	parse_ok("actor task0 task cpu=0\n\tirq_save\n\tbh_disable\n\tsleep 1\n\tmutex_lock\n"
		 "\tdrain all\n\tirq_restore\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 2);
	/* release ops only pop the innermost */
	parse_ok("actor task0 task cpu=0\n\tpreempt_disable\n\tirq_save\n\tpreempt_enable\n"
		 "\tirq_restore\n\tpreempt_enable\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 4);
}

static void test_legalize_mempool_and_channels(void **state)
{
	static struct program p;

	/* a blocking palloc while holding an element or the mutex may not wait */
	parse_ok("actor task0 task cpu=0\n\tpalloc s0 pool0 KERNEL\n\tpalloc s1 pool0 KERNEL\n", &p, 1);
	assert_int_equal(p.actors[0].ops[0].c & 7, GFPC_KERNEL);
	assert_int_equal(p.actors[0].ops[1].c & 7, GFPC_ATOMIC);
	/* spsc: one producer actor, one consumer actor */
	parse_ok("actor task0 task cpu=0\n\talloc s0 ATOMIC order=0\n\tgive s0 spsc0\n"
		 "actor task1 task cpu=0\n\talloc s0 ATOMIC order=0\n\tgive s0 spsc0\n", &p, 1);
	assert_int_equal(p.actors[1].nr_ops, 1);
	/* bhring not from a hardirq */
	parse_ok("actor irq0 hardirq cpu=0 fires=1\n\ttake s0 bhring\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 0);
	/* raise only a softirq actor of the same CPU */
	parse_ok("machine cpus=2\nactor task0 task cpu=0\n\traise softirq0\n"
		 "actor softirq0 softirq cpu=1 fires=1\n", &p, 1);
	assert_int_equal(p.actors[0].nr_ops, 0);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "alloc s0 ATOMIC order=0\n", "line 1: 'alloc' outside an actor" },
		{ "actor task0 task cpu=0\n\talloc s9 ATOMIC order=0\n", "line 2: expected a slot" },
		{ "actor task0 task cpu=0\n\talloc s0 BOGUS order=0\n", "line 2: unknown gfp class" },
		{ "actor task0 task cpu=0\n\talloc s0 ATOMIC|X order=0\n", "line 2: unknown gfp modifier" },
		{ "actor task0 task cpu=0\n\talloc s0 ATOMIC order=9\n", "line 2: expected order=" },
		{ "actor task1 task cpu=0\n", "line 1: this actor is 'task0'" },
		{ "actor task0 task cpu=3\n", "line 1: cpu must be 0..0" },
		{ "machine cpus=9\n", "line 1: cpus must be" },
		{ "machine min_free=7\n", "line 1: min_free must be one of" },
		{ "actor task0 task cpu=0\nmachine cpus=2\n", "line 2: 'machine' must come before" },
		{ "# c\n\nactor task0 task cpu=0\n\tfrob\n", "line 4: unknown op or keyword 'frob'" },
		{ "fault fail-nth=0\n", "line 1: fail-nth must be 1..32" },
		{ "fault actor=task0\n", "line 1: a fault line needs" },
		{ "fault fail-nth=1,actor=irq7\n", "line 1: fault: no actor 'irq7'" },
		{ "schedule 0g\n", "line 1: schedule bytes are two hex digits" },
		{ "actor task0 task cpu=0\n\traise task0\n", "line 2: raise: 'task0' is not a softirq" },
		{ "actor task0 task cpu=0\n\tlock e plain\n", "line 2: expected a lock" },
		{ "actor task0 task cpu=0\n\tfree\n", "line 2: usage: free" },
	};
	static struct program p;
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (!program_parse(bad[i].text, &p, NULL, err, sizeof(err)))
			fail_msg("parsed: %s", bad[i].text);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)))
			fail_msg("'%s': got '%s', want '%s...'", bad[i].text, err, bad[i].want);
	}
}

/* Random text never crashes the parser (errors are fine). */
static void test_random_text(void **state)
{
	static const char *const words[] = {
		"actor", "task0", "irq0", "softirq0", "task", "hardirq", "softirq", "cpu=0",
		"cpu=1", "fires=2", "alloc", "s0", "s1", "KERNEL", "ATOMIC|NOWARN", "order=1",
		"free", "give", "take", "ring", "spsc0", "lock", "a", "d", "irqsave", "unlock",
		"machine", "cpus=2", "fault", "fail-nth=1", "schedule", "ff", "#", "\n", "\n",
		"\t", "=", "|", "raise", "palloc", "pool0", "exhaust", "NORMAL", "zero", "\n",
	};
	static struct program p;
	char text[2048], err[256];
	uint64_t seed = 99;
	int i, k;

	for (i = 0; i < 3000; i++) {
		size_t o = 0;
		int n = splitmix64(&seed) % 60;

		for (k = 0; k < n; k++) {
			const char *w = words[splitmix64(&seed) % ARRAY_SIZE(words)];

			o += snprintf(text + o, sizeof(text) - o, "%s ", w);
		}
		text[o] = '\0';
		if (!program_parse(text, &p, NULL, err, sizeof(err)))
			assert_true(program_is_legal(&p));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_round_trip),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_legalize_idempotent),
		cmocka_unit_test(test_empty_and_truncated),
		cmocka_unit_test(test_legalize_gfp_context),
		cmocka_unit_test(test_legalize_slots),
		cmocka_unit_test(test_legalize_locks),
		cmocka_unit_test(test_legalize_mempool_and_channels),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_random_text),
	};

	return LAB_RUN_TESTS(tests);
}
