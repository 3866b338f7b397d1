// SPDX-License-Identifier: MIT
/*
 * The plan syntax: what each key parses to, round trips through
 * fault_plan_format(), clear errors with positions on bad text, the
 * environment variable, and no crash on any byte string.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "tests/harness.h"
#include "faultinject/fault.h"

static struct fault_plan p;
static char err[200];

static void parse_ok(const char *text)
{
	if (fault_plan_parse(text, &p, err, sizeof(err))) {
		print_error("'%s': %s\n", text, err);
		fail();
	}
}

static void test_keys(void **state)
{
	const struct fault_rule *r;

	parse_ok("probability=10,interval=2,times=5,ignore-gfp-wait,min-order=1,"
		 "ctx=hardirq,seed=7");
	assert_int_equal(p.nr, 1);
	assert_true(p.spec[0].has_rule);
	r = &p.spec[0].rule;
	assert_int_equal(r->probability, 10);
	assert_int_equal(r->interval, 2);
	assert_int_equal(r->times, 5);
	assert_true(r->ignore_gfp_wait);
	assert_false(r->ignore_gfp_highmem);
	assert_int_equal(r->min_order, 1);
	assert_int_equal(r->ctx_mask, 1u << LAB_CTX_HARDIRQ);
	assert_int_equal(r->seed, 7);
	assert_int_equal(r->actor, -1);
	assert_int_equal(r->cpu, -1);
	assert_int_equal(p.spec[0].exhaust_zone, -2);

	parse_ok("fail-nth=3,actor=irq0");
	r = &p.spec[0].rule;
	assert_int_equal(r->fail_nth, 3);
	assert_string_equal(r->actor_name, "irq0");
	assert_int_equal(r->actor, -1);
	assert_int_equal(r->probability, 0);	/* fail-nth alone: attributes off */
	assert_int_equal(r->times, -1);

	parse_ok("actor=5, cpu=1 ,space=2048, verbose , site=alloc_pages|pcp_refill");
	r = &p.spec[0].rule;
	assert_int_equal(r->actor, 5);
	assert_int_equal(r->cpu, 1);
	assert_int_equal(r->space, 2048);
	assert_int_equal(r->verbose, 1);
	assert_int_equal(r->site_mask, (1UL << FAULT_SITE_ALLOC_PAGES) |
			 (1UL << FAULT_SITE_PCP_REFILL));
	assert_int_equal(r->probability, 100);

	parse_ok("exhaust=NORMAL:atomic");
	assert_int_equal(p.nr, 1);
	assert_false(p.spec[0].has_rule);
	assert_int_equal(p.spec[0].exhaust_zone, ZONE_NORMAL);
	assert_int_equal(p.spec[0].exhaust_line, FAULT_LINE_ATOMIC);
	assert_int_equal(p.spec[0].exhaust_classzone, -1);

	parse_ok("exhaust=dma:min:normal,drain-pcp,kswapd=hold;fail-nth=2,persist;"
		 "ctx=task+softirq,ignore-gfp-highmem=0");
	assert_int_equal(p.nr, 3);
	assert_int_equal(p.spec[0].exhaust_zone, ZONE_DMA);
	assert_int_equal(p.spec[0].exhaust_line, FAULT_LINE_MIN);
	assert_int_equal(p.spec[0].exhaust_classzone, ZONE_NORMAL);
	assert_true(p.spec[0].drain_pcp);
	assert_int_equal(p.spec[0].kswapd, FAULT_KSWAPD_HOLD);
	assert_true(p.spec[1].rule.persist);
	assert_int_equal(p.spec[2].rule.ctx_mask, (1u << LAB_CTX_TASK) | (1u << LAB_CTX_SOFTIRQ));

	parse_ok("exhaust=all:zero;kswapd=run");
	assert_int_equal(p.spec[0].exhaust_zone, -1);
	assert_int_equal(p.spec[0].exhaust_line, FAULT_LINE_ZERO);
	assert_int_equal(p.spec[1].kswapd, FAULT_KSWAPD_RUN);

	/* Empty text, blanks and stray ';' are the empty plan / skipped. */
	parse_ok("");
	assert_int_equal(p.nr, 0);
	parse_ok(" ; ;");
	assert_int_equal(p.nr, 0);
	parse_ok("times=-1;");
	assert_int_equal(p.nr, 1);
}

static void round_trip(const char *text, const char *canonical)
{
	struct fault_plan q;
	char buf[FAULT_PLAN_TEXT_MAX];
	int n;

	parse_ok(text);
	n = fault_plan_format(&p, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	if (canonical)
		assert_string_equal(buf, canonical);
	assert_int_equal(fault_plan_parse(buf, &q, err, sizeof(err)), 0);
	assert_true(fault_plan_equal(&p, &q));
}

static void test_round_trip(void **state)
{
	char small[8];

	round_trip("fail-nth=3,actor=irq0", "fail-nth=3,actor=irq0");
	round_trip("seed=7,ctx=hardirq,min-order=1,ignore-gfp-wait,times=5,interval=2,probability=10",
		   "probability=10,interval=2,times=5,seed=7,ignore-gfp-wait,min-order=1,ctx=hardirq");
	round_trip("probability=100", "probability=100");
	round_trip("exhaust=NORMAL:atomic", "exhaust=NORMAL:atomic");
	round_trip("exhaust=dma:highatomic:Normal,drain-pcp;kswapd=hold;fail-nth=1,persist,times=3",
		   "exhaust=DMA:highatomic:NORMAL,drain-pcp;kswapd=hold;fail-nth=1,persist,times=3");
	round_trip("fail-nth=2,probability=50,space=1024,verbose=2,cpu=3,actor=7,"
		   "site=mempool_elem|9,ctx=task|softirq|hardirq,ignore-gfp-highmem", NULL);
	round_trip("", "");
	/* A short buffer: the full length is returned, the text is cut. */
	parse_ok("fail-nth=3,actor=irq0");
	assert_int_equal(fault_plan_format(&p, small, sizeof(small)), 21);
	assert_int_equal(strlen(small), 7);
}

/* Every key at its longest, in every part: still fits FAULT_PLAN_TEXT_MAX. */
static void test_longest_plan_fits(void **state)
{
	struct fault_plan q;
	char buf[FAULT_PLAN_TEXT_MAX];
	int i, n;

	fault_plan_init(&p);
	for (i = 0; i < FAULT_MAX_SPECS; i++) {
		struct fault_spec *s = &p.spec[i];
		struct fault_rule *r = &s->rule;

		fault_rule_init(r);
		s->has_rule = true;
		r->fail_nth = 1UL << 40;
		r->persist = true;
		r->probability = 99;
		r->interval = 1UL << 40;
		r->times = 1L << 40;
		r->space = 1L << 40;
		r->verbose = 2;
		r->seed = UINT64_MAX;
		r->ignore_gfp_wait = r->ignore_gfp_highmem = true;
		r->min_order = MAX_PAGE_ORDER + 1;
		r->ctx_mask = (1u << LAB_CTX_NR) - 1;
		memset(r->actor_name, 'a', FAULT_NAME_LEN - 1);
		r->cpu = NR_CPUS - 1;
		r->site_mask = ~1UL;
		s->exhaust_zone = ZONE_NORMAL;
		s->exhaust_line = FAULT_LINE_HIGHATOMIC;
		s->exhaust_classzone = ZONE_NORMAL;
		s->drain_pcp = true;
		s->kswapd = FAULT_KSWAPD_HOLD;
	}
	p.nr = FAULT_MAX_SPECS;
	n = fault_plan_format(&p, buf, sizeof(buf));
	print_message("longest plan: %d\n", n);
	assert_true(n < FAULT_PLAN_TEXT_MAX);
	assert_int_equal(fault_plan_parse(buf, &q, err, sizeof(err)), 0);
	assert_true(fault_plan_equal(&p, &q));
}

static void bad(const char *text, const char *want)
{
	struct fault_plan q;

	q.nr = 99;
	assert_int_equal(fault_plan_parse(text, &q, err, sizeof(err)), -EINVAL);
	assert_int_equal(q.nr, 0);		/* never half a plan */
	if (!strstr(err, want)) {
		print_error("'%s': got '%s', want '%s'\n", text, err, want);
		fail();
	}
}

static void test_errors(void **state)
{
	bad("bogus=1", "at 0: unknown key 'bogus'");
	bad("interval=3,probabilty=5", "at 11: unknown key 'probabilty'");
	bad("probability=101", "at 12: probability wants 0 to 100");
	bad("probability=-1", "at 12: probability");
	bad("interval=0", "at 9: interval wants a number >= 1");
	bad("fail-nth=0", "fail-nth wants a number >= 1");
	bad("fail-nth=99999999999999999999999", "fail-nth wants");
	bad("times=-2", "times wants -1");
	bad("times", "at 5: times needs a value");
	bad("times=", "at 6: times= needs a value");
	bad("interval=3,,times=1", "at 11: empty item");
	bad("interval=3,", "at 11: empty item");
	bad("interval=3,interval=4", "at 11: duplicate key 'interval'");
	bad("ctx=nmi", "ctx wants task|softirq|hardirq");
	bad("cpu=8", "cpu wants 0 to 7");
	bad("site=selftest", "site 0 (selftest) is fired by install only");
	bad("site=nowhere", "site wants");
	bad("actor=irq 0", "at 9: bad character in actor name");
	bad("actor=abcdefghijklmnopqrstuvwxyz", "actor wants a name");
	bad("persist", "at 0: persist needs fail-nth");
	bad("exhaust=NORMAL", "exhaust wants ZONE:LINE");
	bad("exhaust=HIGHMEM:min", "at 8: unknown zone 'HIGHMEM'");
	bad("exhaust=NORMAL:max", "at 15: unknown line 'max'");
	bad("exhaust=NORMAL:min:DMA", "class zone below the zone");
	bad("kswapd=sleep", "kswapd wants hold or run");
	bad("ignore-gfp-wait=maybe", "ignore-gfp-wait wants 0 or 1");
	bad("verbose=3", "verbose wants 0, 1 or 2");
	bad("a;b;c;d;e;f;g;h;i", "unknown key 'a'");
	bad("times=1;times=1;times=1;times=1;times=1;times=1;times=1;times=1;times=1",
	    "more than 8 parts");
	bad("seed=0xfffffffffffffffff", "seed wants a number");
	bad("space=4k", "at 6: space wants a number of pages");
	bad("=3", "at 0: empty item");
}

static void test_env(void **state)
{
	setenv("LABYRINTH_FAULT", "fail-nth=2,ctx=softirq", 1);
	assert_int_equal(fault_plan_from_env(&p, err, sizeof(err)), 0);
	assert_int_equal(p.nr, 1);
	assert_int_equal(p.spec[0].rule.fail_nth, 2);
	setenv("LABYRINTH_FAULT", "fail-nth=x", 1);
	assert_int_equal(fault_plan_from_env(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at 9:"));
	unsetenv("LABYRINTH_FAULT");
	assert_int_equal(fault_plan_from_env(&p, err, sizeof(err)), 0);
	assert_int_equal(p.nr, 0);
}

/* A fixed-seed stream of mutated plans: parse must return 0 or -EINVAL,
 * and whatever parses must round-trip. ASan watches the bytes. */
static void test_garbage(void **state)
{
	static const char *const seeds[] = {
		"fail-nth=3,actor=irq0",
		"probability=10,interval=2,times=5,ignore-gfp-wait,min-order=1,ctx=hardirq,seed=7",
		"exhaust=NORMAL:atomic;kswapd=hold,drain-pcp",
		"site=alloc_pages|mempool_elem,space=4,verbose",
	};
	uint64_t s = 12345;
	char text[128], buf[FAULT_PLAN_TEXT_MAX];
	struct fault_plan q;
	int i, j, ok = 0;

	for (i = 0; i < 20000; i++) {
		const char *seed = seeds[i % 4];
		size_t n = strlen(seed);

		memcpy(text, seed, n + 1);
		for (j = 0; j < 1 + i % 4; j++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			text[(s >> 33) % n] = (char)(s >> 20);
		}
		text[n] = '\0';
		if (fault_plan_parse(text, &p, err, sizeof(err)) == 0) {
			ok++;
			fault_plan_format(&p, buf, sizeof(buf));
			assert_int_equal(fault_plan_parse(buf, &q, err, sizeof(err)), 0);
			assert_true(fault_plan_equal(&p, &q));
		} else {
			assert_memory_equal(err, "at ", 3);
		}
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_longest_plan_fits),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_garbage),
	};

	return LAB_RUN_TESTS(tests);
}
