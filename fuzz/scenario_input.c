// SPDX-License-Identifier: MIT
/*
 * scenario_input.c: a scenario target's input in its three forms --
 * bytes (what the fuzzers mutate), struct scn_input, and .lab text --
 * and the round trips between them (layout in fuzz/scenario.h,
 * grammar in docs/scenarios.md).
 *
 * Decoding never trusts a byte: values wrap into their ranges, missing
 * bytes take defaults, so every mutation is a valid input and no
 * execution is wasted. Encoding writes the canonical bytes, which decode
 * to the same input; the text form prints every parameter and every
 * fault, exhaust, kswapd and schedule item present, and parses back to
 * the same input.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/scenario.h"

static const char *const type_names[SCN_FAULT_TYPE_NR] = {
	"fail-nth", "interval", "probability",
};
static const char *const ctx_names[LAB_CTX_NR + 1] = {
	"any", "task", "softirq", "hardirq",
};
static const char *const zone_names[MAX_NR_ZONES] = { "DMA", "NORMAL" };
/* enum fault_line of faultinject/fault.h, in its order */
static const char *const line_names[SCN_NR_LINES] = {
	"high", "low", "min", "atomic", "highatomic", "zero",
};
static const char *const kswapd_names[SCN_KSWAPD_NR] = { "off", "on", "hold" };

int scn_fault_value_max(unsigned int type)
{
	switch (type) {
	case SCN_FAIL_NTH:	return 255;
	case SCN_INTERVAL:	return 16;
	default:		return 100;
	}
}

/* ---- validity ------------------------------------------------------- */

static bool param_is_valid(const struct scn_param *p)
{
	return p->name && p->min <= p->def && p->def <= p->max && p->max - p->min <= 255;
}

bool scenario_is_valid(const struct scenario *s)
{
	int i;

	if (!s || !s->name || !s->setup || s->nr_params < 0 ||
	    s->nr_params > SCN_MAX_PARAMS || s->nr_actor_names < 0 ||
	    s->nr_actor_names > SCN_MAX_ACTOR_NAMES)
		return false;
	for (i = 0; i < s->nr_params; i++)
		if (!param_is_valid(&s->params[i]))
			return false;
	for (i = 0; i < s->nr_actor_names; i++)
		if (!s->actor_names[i] || strlen(s->actor_names[i]) >= 24)
			return false;
	return true;
}

int scenario_param_index(const struct scenario *s, const char *name)
{
	int i;

	for (i = 0; i < s->nr_params; i++)
		if (!strcmp(s->params[i].name, name))
			return i;
	return -1;
}

bool scn_input_is_valid(const struct scn_input *in)
{
	const struct scenario *s = in->s;
	int i;

	if (!scenario_is_valid(s) || in->nr_faults > SCN_MAX_FAULTS ||
	    in->kswapd >= SCN_KSWAPD_NR || in->sched_len > SCN_MAX_SCHED)
		return false;
	for (i = 0; i < s->nr_params; i++)
		if (in->param[i] < s->params[i].min || in->param[i] > s->params[i].max)
			return false;
	for (i = 0; i < in->nr_faults; i++) {
		const struct scn_fault *f = &in->fault[i];

		if (f->type >= SCN_FAULT_TYPE_NR || f->value < 1 ||
		    f->value > scn_fault_value_max(f->type) || f->ctx > LAB_CTX_NR ||
		    f->actor > s->nr_actor_names || f->times > 15)
			return false;
	}
	if (in->exhaust.on && (in->exhaust.zone >= MAX_NR_ZONES ||
			       in->exhaust.line >= SCN_NR_LINES))
		return false;
	return true;
}

void scn_input_init(struct scn_input *in, const struct scenario *s)
{
	int i;

	memset(in, 0, sizeof(*in));
	in->s = s;
	for (i = 0; i < s->nr_params && i < SCN_MAX_PARAMS; i++)
		in->param[i] = s->params[i].def;
}

bool scn_input_equal(const struct scn_input *a, const struct scn_input *b)
{
	int i;

	if (a->s != b->s || a->nr_faults != b->nr_faults || a->kswapd != b->kswapd ||
	    a->sched_len != b->sched_len || a->exhaust.on != b->exhaust.on)
		return false;
	for (i = 0; i < a->s->nr_params; i++)
		if (a->param[i] != b->param[i])
			return false;
	for (i = 0; i < a->nr_faults; i++)
		if (memcmp(&a->fault[i], &b->fault[i], sizeof(a->fault[i])))
			return false;
	if (a->exhaust.on && memcmp(&a->exhaust, &b->exhaust, sizeof(a->exhaust)))
		return false;
	return !memcmp(a->sched, b->sched, a->sched_len);
}

/* ---- bytes ---------------------------------------------------------- */

/* A cursor over the input: missing bytes read as absent. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
};

static bool next(struct cursor *c, uint8_t *out)
{
	if (c->pos >= c->len)
		return false;
	*out = c->p[c->pos++];
	return true;
}

void scn_decode(const struct scenario *s, const uint8_t *data, size_t len,
		struct scn_input *in)
{
	struct cursor c = { data, data ? len : 0, 0 };
	uint8_t b, flags = 0;
	int i;

	scn_input_init(in, s);
	for (i = 0; i < s->nr_params; i++) {
		const struct scn_param *p = &s->params[i];

		if (!next(&c, &b))
			return;
		in->param[i] = p->min + b % (p->max - p->min + 1);
	}
	if (!next(&c, &flags))
		return;
	in->kswapd = ((flags >> 3) & 3) % SCN_KSWAPD_NR;
	for (i = 0; i < (flags & 3); i++) {
		struct scn_fault *f = &in->fault[in->nr_faults];
		uint8_t v[4];
		int k;

		for (k = 0; k < 4; k++)
			if (!next(&c, &v[k]))
				return;	/* a fault needs all of its four bytes */
		f->type = (v[0] & 3) % SCN_FAULT_TYPE_NR;
		f->ctx = ((v[0] >> 2) & 3) % (LAB_CTX_NR + 1);
		f->ignore_gfp_wait = v[0] & 0x10;
		f->mempool_site = v[0] & 0x20;
		f->value = 1 + v[1] % scn_fault_value_max(f->type);
		f->actor = v[2] % (s->nr_actor_names + 1);
		f->times = v[3] & 15;
		in->nr_faults++;
	}
	if (flags & 4) {
		uint8_t v[3];
		int k;

		for (k = 0; k < 3; k++)
			if (!next(&c, &v[k]))
				return;
		in->exhaust.on = true;
		in->exhaust.zone = v[0] & 1;
		in->exhaust.line = (v[0] >> 1) % SCN_NR_LINES;
		in->exhaust.at = v[1];
		in->exhaust.release = v[2];
	}
	while (in->sched_len < SCN_MAX_SCHED && next(&c, &b))
		in->sched[in->sched_len++] = b;
}

size_t scn_encode(const struct scn_input *in, uint8_t *out, size_t cap)
{
	const struct scenario *s = in->s;
	size_t n = 0;
	int i;

#define PUT(v) do { if (n < cap) out[n] = (uint8_t)(v); n++; } while (0)
	for (i = 0; i < s->nr_params; i++)
		PUT(in->param[i] - s->params[i].min);
	PUT(in->nr_faults | (in->exhaust.on ? 4 : 0) | in->kswapd << 3);
	for (i = 0; i < in->nr_faults; i++) {
		const struct scn_fault *f = &in->fault[i];

		PUT(f->type | f->ctx << 2 | (f->ignore_gfp_wait ? 0x10 : 0) |
		    (f->mempool_site ? 0x20 : 0));
		PUT(f->value - 1);
		PUT(f->actor);
		PUT(f->times);
	}
	if (in->exhaust.on) {
		PUT(in->exhaust.zone | in->exhaust.line << 1);
		PUT(in->exhaust.at);
		PUT(in->exhaust.release);
	}
	for (i = 0; i < in->sched_len; i++)
		PUT(in->sched[i]);
#undef PUT
	return n < cap ? n : cap;
}

/* ---- text ----------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->cap || o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

/* One rule in faultinject syntax (docs/faultinject.md). */
static void put_fault(struct out *o, const struct scn_input *in, const struct scn_fault *f)
{
	put(o, "%s=%u", type_names[f->type], f->value);
	if (f->times)
		put(o, ",times=%u", f->times);
	if (f->ctx)
		put(o, ",ctx=%s", ctx_names[f->ctx]);
	if (f->actor)
		put(o, ",actor=%s", in->s->actor_names[f->actor - 1]);
	if (f->ignore_gfp_wait)
		put(o, ",ignore-gfp-wait");
	if (f->mempool_site)
		put(o, ",site=alloc_pages|mempool_elem");
}

size_t scn_fault_text(const struct scn_input *in, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	int i;

	if (cap)
		buf[0] = '\0';
	for (i = 0; i < in->nr_faults; i++) {
		if (i)
			put(&o, ";");
		put_fault(&o, in, &in->fault[i]);
	}
	return o.len;
}

size_t scn_format(const struct scn_input *in, char *buf, size_t cap)
{
	const struct scenario *s = in->s;
	struct out o = { buf, cap, 0 };
	int i, k;

	if (cap)
		buf[0] = '\0';
	put(&o, "scenario %s\n", s->name);
	for (i = 0; i < s->nr_params; i++)
		put(&o, "param %s=%d\n", s->params[i].name, in->param[i]);
	if (in->kswapd)
		put(&o, "kswapd %s\n", kswapd_names[in->kswapd]);
	for (i = 0; i < in->nr_faults; i++) {
		put(&o, "fault ");
		put_fault(&o, in, &in->fault[i]);
		put(&o, "\n");
	}
	if (in->exhaust.on)
		put(&o, "exhaust %s %s at=%u release=%u\n", zone_names[in->exhaust.zone],
		    line_names[in->exhaust.line], in->exhaust.at, in->exhaust.release);
	for (i = 0; i < in->sched_len; i += 32) {
		put(&o, "schedule");
		for (k = i; k < in->sched_len && k < i + 32; k++)
			put(&o, " %02x", in->sched[k]);
		put(&o, "\n");
	}
	return o.len;
}

struct parser {
	const struct scenario *s;
	struct scn_input *in;
	int line;
	char *err;
	size_t errlen;
	bool seen_scenario;
};

static int __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err && ps->errlen) {
		n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
		if (n >= 0 && (size_t)n < ps->errlen) {
			va_start(ap, fmt);
			vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

/* A decimal number in [lo, hi]; nothing else on the token. */
static bool num(const char *t, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*t || strlen(t) > 9 || !(isdigit((unsigned char)*t) || *t == '-'))
		return false;
	v = strtol(t, &end, 10);
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int lookup(const char *t, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(t, names[i]))
			return i;
	return -1;
}

static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(tok, key, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

static int parse_param(struct parser *ps, char **tok, int nt)
{
	const struct scenario *s = ps->s;
	char *eq;
	long v;
	int i;

	if (nt != 2 || !(eq = strchr(tok[1], '=')))
		return fail(ps, "usage: param NAME=VALUE");
	*eq = '\0';
	i = scenario_param_index(s, tok[1]);
	if (i < 0)
		return fail(ps, "scenario %s has no parameter '%s'", s->name, tok[1]);
	if (!num(eq + 1, s->params[i].min, s->params[i].max, &v))
		return fail(ps, "%s must be %d..%d, got '%s'", tok[1], s->params[i].min,
			    s->params[i].max, eq + 1);
	ps->in->param[i] = v;
	return 0;
}

static int parse_fault(struct parser *ps, char **tok, int nt)
{
	struct scn_input *in = ps->in;
	struct scn_fault f;
	char *save = NULL, *part;
	const char *v;
	bool have_type = false;
	long n;
	int k;

	if (nt != 2)
		return fail(ps, "usage: fault TYPE=N[,times=N][,ctx=C][,actor=NAME][,ignore-gfp-wait][,site=alloc_pages|mempool_elem] (no spaces)");
	if (in->nr_faults >= SCN_MAX_FAULTS)
		return fail(ps, "more than %d fault lines", SCN_MAX_FAULTS);
	memset(&f, 0, sizeof(f));
	for (part = strtok_r(tok[1], ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < SCN_FAULT_TYPE_NR; k++)
			if ((v = kv(part, type_names[k])))
				break;
		if (k < SCN_FAULT_TYPE_NR) {
			if (have_type)
				return fail(ps, "one of fail-nth, interval, probability per fault line");
			if (!num(v, 1, scn_fault_value_max(k), &n))
				return fail(ps, "%s must be 1..%d, got '%s'", type_names[k],
					    scn_fault_value_max(k), v);
			f.type = k;
			f.value = n;
			have_type = true;
		} else if ((v = kv(part, "times"))) {
			if (!num(v, 1, 15, &n))
				return fail(ps, "times must be 1..15 (leave it out for no limit), got '%s'", v);
			f.times = n;
		} else if ((v = kv(part, "ctx"))) {
			k = lookup(v, ctx_names, LAB_CTX_NR + 1);
			if (k <= 0)
				return fail(ps, "ctx must be task, softirq or hardirq, got '%s'", v);
			f.ctx = k;
		} else if ((v = kv(part, "actor"))) {
			k = lookup(v, ps->s->actor_names, ps->s->nr_actor_names);
			if (k < 0)
				return fail(ps, "scenario %s has no actor '%s'", ps->s->name, v);
			f.actor = k + 1;
		} else if (!strcmp(part, "ignore-gfp-wait")) {
			f.ignore_gfp_wait = true;
		} else if ((v = kv(part, "site"))) {
			if (strcmp(v, "alloc_pages|mempool_elem"))
				return fail(ps, "site must be alloc_pages|mempool_elem (or left out), got '%s'", v);
			f.mempool_site = true;
		} else {
			return fail(ps, "unknown fault key '%s'", part);
		}
	}
	if (!have_type)
		return fail(ps, "a fault line needs fail-nth=N, interval=N or probability=N");
	in->fault[in->nr_faults++] = f;
	return 0;
}

static int parse_exhaust(struct parser *ps, char **tok, int nt)
{
	struct scn_exhaust *ex = &ps->in->exhaust;
	const char *v;
	long n;
	int i, k;

	if (nt < 3 || nt > 5)
		return fail(ps, "usage: exhaust DMA|NORMAL LINE [at=N] [release=N]");
	if (ex->on)
		return fail(ps, "one exhaust line per input");
	if ((k = lookup(tok[1], zone_names, MAX_NR_ZONES)) < 0)
		return fail(ps, "zone must be DMA or NORMAL, got '%s'", tok[1]);
	ex->zone = k;
	if ((k = lookup(tok[2], line_names, SCN_NR_LINES)) < 0)
		return fail(ps, "line must be high, low, min, atomic, highatomic or zero, got '%s'",
			    tok[2]);
	ex->line = k;
	for (i = 3; i < nt; i++) {
		if ((v = kv(tok[i], "at")) && num(v, 0, 255, &n))
			ex->at = n;
		else if ((v = kv(tok[i], "release")) && num(v, 0, 255, &n))
			ex->release = n;
		else
			return fail(ps, "expected at=0..255 or release=0..255, got '%s'", tok[i]);
	}
	ex->on = true;
	return 0;
}

static int parse_schedule(struct parser *ps, char **tok, int nt)
{
	struct scn_input *in = ps->in;
	int i;

	for (i = 1; i < nt; i++) {
		if (strlen(tok[i]) != 2 || !isxdigit((unsigned char)tok[i][0]) ||
		    !isxdigit((unsigned char)tok[i][1]))
			return fail(ps, "schedule bytes are two hex digits each, got '%s'", tok[i]);
		if (in->sched_len >= SCN_MAX_SCHED)
			return fail(ps, "more than %d schedule bytes", SCN_MAX_SCHED);
		in->sched[in->sched_len++] = strtol(tok[i], NULL, 16);
	}
	return 0;
}

#define MAX_TOKENS	40

static int parse_line(struct parser *ps, char *line)
{
	char *tok[MAX_TOKENS], *save = NULL, *t;
	int nt = 0, k;

	if ((t = strchr(line, '#')))
		*t = '\0';
	for (t = strtok_r(line, " \t\r\f\v", &save); t; t = strtok_r(NULL, " \t\r\f\v", &save)) {
		if (nt == MAX_TOKENS)
			return fail(ps, "too many words on one line");
		tok[nt++] = t;
	}
	if (!nt)
		return 0;
	if (!strcmp(tok[0], "scenario")) {
		if (nt != 2)
			return fail(ps, "usage: scenario NAME");
		if (strcmp(tok[1], ps->s->name))
			return fail(ps, "this is the '%s' target, the file is for '%s'",
				    ps->s->name, tok[1]);
		ps->seen_scenario = true;
		return 0;
	}
	if (!ps->seen_scenario)
		return fail(ps, "the first line must be 'scenario %s'", ps->s->name);
	if (!strcmp(tok[0], "param"))
		return parse_param(ps, tok, nt);
	if (!strcmp(tok[0], "fault"))
		return parse_fault(ps, tok, nt);
	if (!strcmp(tok[0], "exhaust"))
		return parse_exhaust(ps, tok, nt);
	if (!strcmp(tok[0], "schedule"))
		return parse_schedule(ps, tok, nt);
	if (!strcmp(tok[0], "kswapd")) {
		if (nt != 2 || (k = lookup(tok[1], kswapd_names, SCN_KSWAPD_NR)) < 0)
			return fail(ps, "usage: kswapd off|on|hold");
		ps->in->kswapd = k;
		return 0;
	}
	return fail(ps, "unknown line '%s' (scenario, param, fault, exhaust, kswapd, schedule)",
		    tok[0]);
}

int scn_parse(const struct scenario *s, const char *text, struct scn_input *in,
	      char *err, size_t errlen)
{
	struct parser ps = { .s = s, .in = in, .err = err, .errlen = errlen };
	const char *p = text, *eol;
	char line[1024];
	size_t n;

	if (err && errlen)
		err[0] = '\0';
	scn_input_init(in, s);
	while (p && *p) {
		ps.line++;
		eol = strchr(p, '\n');
		n = eol ? (size_t)(eol - p) : strlen(p);
		if (n >= sizeof(line))
			return fail(&ps, "line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol ? eol + 1 : NULL;
		if (parse_line(&ps, line))
			return -1;
	}
	if (!ps.seen_scenario) {
		ps.line = 0;
		return fail(&ps, "no 'scenario %s' line", s->name);
	}
	return 0;
}
