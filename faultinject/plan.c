// SPDX-License-Identifier: MIT
/*
 * Fault plans as text: one syntax for the program's plan section, the
 * command line and $LABYRINTH_FAULT.
 *
 *	plan := part { ';' part }
 *	part := item { ',' item }
 *	item := key [ '=' value ]
 *
 * The text is untrusted (it comes from fuzz inputs and users): every
 * byte is checked, numbers are range-checked without overflow, and an
 * error names the byte offset where it was found.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "faultinject/fault.h"

static const char *const site_names[FAULT_SITE_NR] = {
	[FAULT_SITE_SELFTEST] = "selftest",
	[FAULT_SITE_ALLOC_PAGES] = "alloc_pages",
	[FAULT_SITE_MEMPOOL_ELEM] = "mempool_elem",
	[FAULT_SITE_PCP_REFILL] = "pcp_refill",
};

static const char *const line_names[FAULT_LINE_NR] = {
	[FAULT_LINE_HIGH] = "high",
	[FAULT_LINE_LOW] = "low",
	[FAULT_LINE_MIN] = "min",
	[FAULT_LINE_ATOMIC] = "atomic",
	[FAULT_LINE_HIGHATOMIC] = "highatomic",
	[FAULT_LINE_ZERO] = "zero",
};

/* enum zone_type order; parsing ignores case. */
static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "NORMAL" };
static const char *const ctx_names[LAB_CTX_NR] = { "task", "softirq", "hardirq" };

const char *fault_site_name(int site)
{
	if (site >= 0 && site < FAULT_SITE_NR && site_names[site])
		return site_names[site];
	return "site?";
}

const char *fault_line_name(enum fault_line l)
{
	if ((unsigned int)l < FAULT_LINE_NR)
		return line_names[l];
	return "line?";
}

/* ---- parsing ---------------------------------------------------------- */

/* Keys; the bit order is also the canonical order of fault_plan_format(). */
enum {
	K_FAIL_NTH, K_PERSIST, K_PROBABILITY, K_INTERVAL, K_TIMES, K_SPACE,
	K_VERBOSE, K_SEED, K_IGNORE_GFP_WAIT, K_IGNORE_GFP_HIGHMEM, K_MIN_ORDER,
	K_CTX, K_ACTOR, K_CPU, K_SITE,
	K_RULE_NR,			/* keys above make a rule */
	K_EXHAUST = K_RULE_NR, K_DRAIN_PCP, K_KSWAPD,
	K_NR
};

static const char *const key_names[K_NR] = {
	"fail-nth", "persist", "probability", "interval", "times", "space",
	"verbose", "seed", "ignore-gfp-wait", "ignore-gfp-highmem", "min-order",
	"ctx", "actor", "cpu", "site", "exhaust", "drain-pcp", "kswapd",
};

/* Parser state: the text, where we are, where the error goes. */
struct pstate {
	const char *text;
	char *err;
	size_t errlen;
};

static int perr(struct pstate *ps, const char *at, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "at %ld: %s", (long)(at - ps->text), msg);
	return -EINVAL;
}

/* A value is the bytes [v, v + n); never NUL-terminated in place. */
static bool vis(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(v, word, n) == 0;
}

/* Unsigned decimal or 0x hex, all of [v, v+n), at most max; no overflow. */
static int parse_u64(const char *v, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	unsigned int base = 10, d;
	size_t i = 0;

	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (isdigit((unsigned char)v[i]))
			d = v[i] - '0';
		else if (base == 16 && isxdigit((unsigned char)v[i]))
			d = (tolower((unsigned char)v[i]) - 'a') + 10;
		else
			return -1;
		if (x > (UINT64_MAX - d) / base)
			return -1;
		x = x * base + d;
	}
	if (x > max)
		return -1;
	*out = x;
	return 0;
}

static int parse_bool(const char *v, size_t n, bool *out)
{
	if (n == 0 || vis(v, n, "1") || vis(v, n, "y") || vis(v, n, "yes") ||
	    vis(v, n, "true")) {
		*out = true;
		return 0;
	}
	if (vis(v, n, "0") || vis(v, n, "n") || vis(v, n, "no") || vis(v, n, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* Find word in names[0..nr) ignoring case; -1 if absent. */
static int lookup(const char *const *names, int nr, const char *v, size_t n)
{
	int i;

	for (i = 0; i < nr; i++)
		if (names[i] && vis(v, n, names[i]))
			return i;
	return -1;
}

/*
 * A '|'-separated set of names (names[0..nr)) or numbers up to max, as a
 * bit mask.
 */
static int parse_set(const char *const *names, int nr, unsigned int max,
		     const char *v, size_t n, unsigned long *mask)
{
	size_t i = 0, j;
	uint64_t num;
	int k;

	*mask = 0;
	if (n == 0)
		return -1;
	while (i <= n) {
		for (j = i; j < n && v[j] != '|' && v[j] != '+'; j++)
			;
		k = lookup(names, nr, v + i, j - i);
		if (k < 0) {
			if (parse_u64(v + i, j - i, max, &num))
				return -1;
			k = (int)num;
		}
		*mask |= 1UL << k;
		i = j + 1;
	}
	return 0;
}

static int parse_exhaust(struct pstate *ps, const char *v, size_t n, struct fault_spec *s)
{
	const char *c1 = memchr(v, ':', n), *c2;
	int z, l, cz = -1;

	if (!c1)
		return perr(ps, v, "exhaust wants ZONE:LINE[:CLASSZONE]");
	if (vis(v, c1 - v, "all"))
		z = -1;
	else if ((z = lookup(zone_names, MAX_NR_ZONES, v, c1 - v)) < 0)
		return perr(ps, v, "unknown zone '%.*s' (DMA, NORMAL, all)", (int)(c1 - v), v);
	c1++;
	c2 = memchr(c1, ':', v + n - c1);
	l = lookup(line_names, FAULT_LINE_NR, c1, (c2 ? c2 : v + n) - c1);
	if (l < 0)
		return perr(ps, c1, "unknown line '%.*s' "
			    "(high, low, min, atomic, highatomic, zero)",
			    (int)((c2 ? c2 : v + n) - c1), c1);
	if (c2) {
		cz = lookup(zone_names, MAX_NR_ZONES, c2 + 1, v + n - c2 - 1);
		if (cz < 0)
			return perr(ps, c2 + 1, "unknown class zone '%.*s'",
				    (int)(v + n - c2 - 1), c2 + 1);
		if (z >= 0 && cz < z)
			return perr(ps, c2 + 1, "class zone below the zone");
	}
	s->exhaust_zone = z;
	s->exhaust_line = l;
	s->exhaust_classzone = cz;
	return 0;
}

static bool actor_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '/';
}

/* One key=value into s. k is the key; [v, v+n) the value, hv if there was '='. */
static int parse_item(struct pstate *ps, int k, const char *v, size_t n, bool hv,
		      struct fault_spec *s)
{
	struct fault_rule *r = &s->rule;
	uint64_t x;
	unsigned long mask;
	bool b;
	size_t i;

	/* Flags may be bare; every other key needs a value. */
	if (!hv && k != K_PERSIST && k != K_VERBOSE && k != K_IGNORE_GFP_WAIT &&
	    k != K_IGNORE_GFP_HIGHMEM && k != K_DRAIN_PCP)
		return perr(ps, v, "%s needs a value", key_names[k]);

	switch (k) {
	case K_FAIL_NTH:
		if (parse_u64(v, n, 1UL << 40, &x) || x == 0)
			return perr(ps, v, "fail-nth wants a number >= 1");
		r->fail_nth = x;
		return 0;
	case K_PERSIST:
	case K_IGNORE_GFP_WAIT:
	case K_IGNORE_GFP_HIGHMEM:
	case K_DRAIN_PCP:
		if (parse_bool(v, n, &b))
			return perr(ps, v, "%s wants 0 or 1", key_names[k]);
		if (k == K_PERSIST)
			r->persist = b;
		else if (k == K_IGNORE_GFP_WAIT)
			r->ignore_gfp_wait = b;
		else if (k == K_IGNORE_GFP_HIGHMEM)
			r->ignore_gfp_highmem = b;
		else
			s->drain_pcp = b;
		return 0;
	case K_PROBABILITY:
		if (parse_u64(v, n, 100, &x))
			return perr(ps, v, "probability wants 0 to 100");
		r->probability = (unsigned int)x;
		return 0;
	case K_INTERVAL:
		if (parse_u64(v, n, 1UL << 40, &x) || x == 0)
			return perr(ps, v, "interval wants a number >= 1");
		r->interval = x;
		return 0;
	case K_TIMES:
		if (vis(v, n, "-1")) {
			r->times = -1;
			return 0;
		}
		if (parse_u64(v, n, 1UL << 40, &x))
			return perr(ps, v, "times wants -1 or a number >= 0");
		r->times = (long)x;
		return 0;
	case K_SPACE:
		/* In pages: fail_page_alloc passes size 1 << order. */
		if (parse_u64(v, n, 1UL << 40, &x))
			return perr(ps, v, "space wants a number of pages");
		r->space = (long)x;
		return 0;
	case K_VERBOSE:
		if (!hv) {
			r->verbose = 1;
			return 0;
		}
		if (parse_u64(v, n, 2, &x))
			return perr(ps, v, "verbose wants 0, 1 or 2");
		r->verbose = (unsigned int)x;
		return 0;
	case K_SEED:
		if (parse_u64(v, n, UINT64_MAX, &x))
			return perr(ps, v, "seed wants a number");
		r->seed = x;
		return 0;
	case K_MIN_ORDER:
		if (parse_u64(v, n, MAX_PAGE_ORDER + 1, &x))
			return perr(ps, v, "min-order wants 0 to %d", MAX_PAGE_ORDER + 1);
		r->min_order = (unsigned int)x;
		return 0;
	case K_CTX:
		if (parse_set(ctx_names, LAB_CTX_NR, LAB_CTX_NR - 1, v, n, &mask))
			return perr(ps, v, "ctx wants task|softirq|hardirq");
		r->ctx_mask = (unsigned int)mask;
		return 0;
	case K_SITE:
		if (parse_set(site_names, FAULT_SITE_NR, 8 * sizeof(long) - 1, v, n, &mask))
			return perr(ps, v, "site wants alloc_pages|mempool_elem|pcp_refill "
				    "or a number");
		if (mask & 1UL)
			return perr(ps, v, "site 0 (selftest) is fired by install only");
		r->site_mask = mask;
		return 0;
	case K_ACTOR:
		if (n == 0 || n >= FAULT_NAME_LEN)
			return perr(ps, v, "actor wants a name of 1 to %d characters or an id",
				    FAULT_NAME_LEN - 1);
		for (i = 0; i < n; i++)
			if (!actor_char(v[i]))
				return perr(ps, v + i, "bad character in actor name");
		if (parse_u64(v, n, 1 << 20, &x) == 0) {
			r->actor = (int)x;
		} else {
			memcpy(r->actor_name, v, n);
			r->actor_name[n] = '\0';
		}
		return 0;
	case K_CPU:
		if (parse_u64(v, n, NR_CPUS - 1, &x))
			return perr(ps, v, "cpu wants 0 to %d", NR_CPUS - 1);
		r->cpu = (int)x;
		return 0;
	case K_EXHAUST:
		return parse_exhaust(ps, v, n, s);
	case K_KSWAPD:
		if (vis(v, n, "hold"))
			s->kswapd = FAULT_KSWAPD_HOLD;
		else if (vis(v, n, "run"))
			s->kswapd = FAULT_KSWAPD_RUN;
		else
			return perr(ps, v, "kswapd wants hold or run");
		return 0;
	}
	return perr(ps, v, "internal: key %d", k);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One part: [p, end). */
static int parse_spec(struct pstate *ps, const char *p, const char *end,
		      struct fault_spec *s)
{
	unsigned int given = 0;
	struct fault_rule *r = &s->rule;
	const char *part = p;

	memset(s, 0, sizeof(*s));
	fault_rule_init(r);
	s->exhaust_zone = -2;
	s->exhaust_classzone = -1;

	while (p < end) {
		const char *item_end, *k, *kend, *eq, *v, *vend;
		int key, ret;

		item_end = memchr(p, ',', end - p);
		if (!item_end)
			item_end = end;
		k = p;
		while (k < item_end && is_space(*k))
			k++;
		eq = memchr(k, '=', item_end - k);
		kend = eq ? eq : item_end;
		while (kend > k && is_space(kend[-1]))
			kend--;
		if (kend == k)
			return perr(ps, k, "empty item");
		key = lookup(key_names, K_NR, k, kend - k);
		if (key < 0)
			return perr(ps, k, "unknown key '%.*s'", (int)(kend - k), k);
		if (given & (1u << key))
			return perr(ps, k, "duplicate key '%s'", key_names[key]);
		given |= 1u << key;
		v = eq ? eq + 1 : kend;
		vend = eq ? item_end : kend;
		while (v < vend && is_space(*v))
			v++;
		while (vend > v && is_space(vend[-1]))
			vend--;
		if (eq && v == vend)
			return perr(ps, v, "%s= needs a value", key_names[key]);
		ret = parse_item(ps, key, v, vend - v, eq != NULL, s);
		if (ret)
			return ret;
		p = item_end < end ? item_end + 1 : end;
		if (item_end < end && p == end)
			return perr(ps, p, "empty item");
	}
	s->has_rule = (given & ((1u << K_RULE_NR) - 1)) != 0;
	if (r->persist && !r->fail_nth)
		return perr(ps, part, "persist needs fail-nth");
	if (r->actor >= 0 && r->actor_name[0])
		return perr(ps, part, "two actors");
	/* The kernel's fail-nth runs with the attributes off (probability 0). */
	if (r->fail_nth && !(given & (1u << K_PROBABILITY)))
		r->probability = 0;
	if (!s->has_rule)
		fault_rule_init(r);
	return 0;
}

int fault_plan_parse(const char *text, struct fault_plan *out, char *err, size_t errlen)
{
	struct pstate ps = { .text = text, .err = err, .errlen = errlen };
	const char *p = text, *end, *q;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	fault_plan_init(out);
	if (!text)
		return 0;
	for (;;) {
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		for (q = p; q < end && is_space(*q); q++)
			;
		if (q < end) {		/* empty parts ("a;;b", a trailing ';') are skipped */
			if (out->nr >= FAULT_MAX_SPECS) {
				ret = perr(&ps, p, "more than %d parts", FAULT_MAX_SPECS);
				goto out_bad;
			}
			ret = parse_spec(&ps, p, end, &out->spec[out->nr]);
			if (ret)
				goto out_bad;
			out->nr++;
		}
		if (!*end) {
			DEBUG_CHECK(fault_plan_is_valid(out));
			return 0;
		}
		p = end + 1;
	}

out_bad:
	fault_plan_init(out);
	return ret;
}

int fault_plan_from_env(struct fault_plan *out, char *err, size_t errlen)
{
	const char *t = getenv("LABYRINTH_FAULT");

	return fault_plan_parse(t ? t : "", out, err, errlen);
}

/* ---- formatting ------------------------------------------------------- */

struct obuf {
	char *buf;
	size_t len;
	size_t pos;		/* what snprintf() would have written */
};

static void emit(struct obuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += n;
}

/* A mask as '|'-separated names (numbers past names[0..nr)). */
static void emit_set(struct obuf *o, const char *key, const char *const *names,
		     int nr, unsigned long mask)
{
	const char *sep = "";
	int i;

	emit(o, "%s=", key);
	for (i = 0; i < (int)(8 * sizeof(mask)); i++) {
		if (!(mask & (1UL << i)))
			continue;
		if (i < nr && names[i])
			emit(o, "%s%s", sep, names[i]);
		else
			emit(o, "%s%d", sep, i);
		sep = "|";
	}
}

static void format_spec(struct obuf *o, const struct fault_spec *s)
{
	const struct fault_rule *r = &s->rule;
	size_t start = o->pos;
	unsigned int dprob = r->fail_nth ? 0 : 100;

#define SEP()	do { if (o->pos != start) emit(o, ","); } while (0)
	if (s->has_rule) {
		if (r->fail_nth) {
			emit(o, "fail-nth=%lu", r->fail_nth);
			if (r->persist)
				emit(o, ",persist");
		}
		if (r->probability != dprob || o->pos == start) {
			SEP();
			emit(o, "probability=%u", r->probability);
		}
		if (r->interval != 1) {
			SEP();
			emit(o, "interval=%lu", r->interval);
		}
		if (r->times != -1) {
			SEP();
			emit(o, "times=%ld", r->times);
		}
		if (r->space) {
			SEP();
			emit(o, "space=%ld", r->space);
		}
		if (r->verbose) {
			SEP();
			emit(o, "verbose=%u", r->verbose);
		}
		if (r->seed) {
			SEP();
			emit(o, "seed=%llu", (unsigned long long)r->seed);
		}
		if (r->ignore_gfp_wait) {
			SEP();
			emit(o, "ignore-gfp-wait");
		}
		if (r->ignore_gfp_highmem) {
			SEP();
			emit(o, "ignore-gfp-highmem");
		}
		if (r->min_order) {
			SEP();
			emit(o, "min-order=%u", r->min_order);
		}
		if (r->ctx_mask) {
			SEP();
			emit_set(o, "ctx", ctx_names, LAB_CTX_NR, r->ctx_mask);
		}
		if (r->actor >= 0) {
			SEP();
			emit(o, "actor=%d", r->actor);
		} else if (r->actor_name[0]) {
			SEP();
			emit(o, "actor=%s", r->actor_name);
		}
		if (r->cpu >= 0) {
			SEP();
			emit(o, "cpu=%d", r->cpu);
		}
		if (r->site_mask) {
			SEP();
			emit_set(o, "site", site_names, FAULT_SITE_NR, r->site_mask);
		}
	}
	if (s->exhaust_zone > -2) {
		SEP();
		emit(o, "exhaust=%s:%s", s->exhaust_zone < 0 ? "all" :
		     zone_names[s->exhaust_zone], line_names[s->exhaust_line]);
		if (s->exhaust_classzone >= 0)
			emit(o, ":%s", zone_names[s->exhaust_classzone]);
	}
	if (s->drain_pcp) {
		SEP();
		emit(o, "drain-pcp");
	}
	if (s->kswapd != FAULT_KSWAPD_LEAVE) {
		SEP();
		emit(o, "kswapd=%s", s->kswapd == FAULT_KSWAPD_HOLD ? "hold" : "run");
	}
#undef SEP
}

int fault_plan_format(const struct fault_plan *p, char *buf, size_t len)
{
	struct obuf o = { .buf = buf, .len = len };
	int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < p->nr; i++) {
		if (i)
			emit(&o, ";");
		format_spec(&o, &p->spec[i]);
	}
	return (int)o.pos;
}

static bool rule_equal(const struct fault_rule *a, const struct fault_rule *b)
{
	return a->ignore_gfp_wait == b->ignore_gfp_wait &&
	       a->ignore_gfp_highmem == b->ignore_gfp_highmem &&
	       a->min_order == b->min_order && a->ctx_mask == b->ctx_mask &&
	       a->actor == b->actor && !strcmp(a->actor_name, b->actor_name) &&
	       a->cpu == b->cpu && a->site_mask == b->site_mask &&
	       a->fail_nth == b->fail_nth && a->persist == b->persist &&
	       a->space == b->space && a->interval == b->interval &&
	       a->probability == b->probability && a->times == b->times &&
	       a->verbose == b->verbose && a->seed == b->seed;
}

bool fault_plan_equal(const struct fault_plan *a, const struct fault_plan *b)
{
	int i;

	if (a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++) {
		const struct fault_spec *x = &a->spec[i], *y = &b->spec[i];

		if (x->has_rule != y->has_rule ||
		    (x->has_rule && !rule_equal(&x->rule, &y->rule)) ||
		    x->exhaust_zone != y->exhaust_zone || x->drain_pcp != y->drain_pcp ||
		    x->kswapd != y->kswapd)
			return false;
		if (x->exhaust_zone > -2 && (x->exhaust_line != y->exhaust_line ||
					     x->exhaust_classzone != y->exhaust_classzone))
			return false;
	}
	return true;
}
