// SPDX-License-Identifier: MIT
/*
 * text.c: the .lab text form of programs (docs/programs.md, "Text").
 *
 * One item a line: a `machine` line, `actor` headers each followed by
 * their ops (indented by a tab in canonical text), `fault` lines and
 * `schedule` lines of hex bytes. `#` starts a comment. program_format()
 * writes canonical text, which program_parse() reads back to the same
 * program; the parser reports the first error as "line N: message" and
 * never crashes, whatever the text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz/program.h"
#include "fuzz/program_int.h"

static const char *const kind_names[ACTOR_KIND_NR] = { "task", "hardirq", "softirq" };
static const char *const lock_kind_names[LOCKK_NR] = { "plain", "bh", "irqsave" };
static const char *const zone_names[2] = { "DMA", "NORMAL" };
static const char *const fault_type_names[FAULT_TYPE_NR] = {
	"fail-nth", "interval", "probability",
};
static const char *const fault_ctx_names[LAB_CTX_NR_PLUS_ANY] = {
	"any", "task", "softirq", "hardirq",
};
static const char *const gfp_mod_names[5] = {
	"NOFAIL", "MEMALLOC", "NOMEMALLOC", "NOWARN", "HIGH",
};

/* ---- format --------------------------------------------------------- */

struct out {
	char *buf;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static void put_gfp(struct out *o, uint8_t g)
{
	int i;

	put(o, "%s", program_gfp_class_name((g & 7) % GFPC_NR));
	for (i = 0; i < 5; i++)
		if (g & (GFPM_NOFAIL << i))
			put(o, "|%s", gfp_mod_names[i]);
}

static void put_op(struct out *o, const struct program *p, const struct prog_op *op)
{
	char name[16];

	put(o, "\t%s", program_op_name(op->code));
	switch (op->code) {
	case OP_ALLOC:
		put(o, " s%u ", op->a);
		put_gfp(o, op->b);
		put(o, " order=%u", op->c);
		break;
	case OP_FREE:
	case OP_TOUCH:
	case OP_PFREE:
		put(o, " s%u", op->a);
		break;
	case OP_GIVE:
	case OP_TAKE:
		put(o, " s%u %s", op->a, program_chan_name(op->b));
		break;
	case OP_PALLOC:
		put(o, " s%u pool%u ", op->a, op->b);
		put_gfp(o, op->c);
		break;
	case OP_LOCK:
		put(o, " %c %s", 'a' + op->a, lock_kind_names[op->b % LOCKK_NR]);
		break;
	case OP_UNLOCK:
		put(o, " %c", 'a' + op->a);
		break;
	case OP_SLEEP:
		put(o, " %u", op->a + 1);
		break;
	case OP_RAISE:
		program_actor_name(p, op->a, name, sizeof(name));
		put(o, " %s", name);
		break;
	case OP_EXHAUST:
		put(o, " %s %s", zone_names[op->a & 1], program_line_name(op->b));
		break;
	case OP_FAILNEXT:
		put(o, " %u", op->a + 1);
		break;
	case OP_DRAIN:
		put(o, " %s", op->a ? "all" : "local");
		break;
	case OP_KSWAPD:
		put(o, " %s", op->a ? "hold" : "run");
		break;
	default:
		break;
	}
	put(o, "\n");
}

size_t program_format_op(const struct program *p, const struct prog_op *op,
			 char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };

	if (!cap)
		return 0;
	buf[0] = '\0';
	put_op(&o, p, op);
	/* without the tab and the newline */
	if (o.len && buf[o.len - 1] == '\n')
		buf[--o.len] = '\0';
	memmove(buf, buf + 1, o.len);
	return o.len ? o.len - 1 : 0;
}

size_t program_fault_format(const struct program *p, const struct prog_fault *f,
			    char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	char name[16];

	if (!cap)
		return 0;
	buf[0] = '\0';
	put(&o, "%s=%u", fault_type_names[f->type % FAULT_TYPE_NR], f->value);
	if (f->times)
		put(&o, ",times=%u", f->times);
	if (f->ctx)
		put(&o, ",ctx=%s", fault_ctx_names[f->ctx % LAB_CTX_NR_PLUS_ANY]);
	if (f->actor) {
		program_actor_name(p, f->actor - 1, name, sizeof(name));
		put(&o, ",actor=%s", name);
	}
	if (f->min_order)
		put(&o, ",min-order=%u", f->min_order);
	if (f->ignore_gfp_wait)
		put(&o, ",ignore-gfp-wait");
	return o.len;
}

size_t program_format(const struct program *p, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	char name[16], fb[128];
	int i, k;

	if (!cap)
		return 0;
	buf[0] = '\0';
	put(&o, "machine cpus=%u kswapd=%s", p->machine.nr_cpus,
	    p->machine.kswapd ? "on" : "off");
	for (i = 0; i < KNOB_NR; i++)
		put(&o, " %s=%ld", program_knob_name(i),
		    program_knob_value(i, p->machine.knob[i]));
	put(&o, "\n");
	for (i = 0; i < p->nr_actors; i++) {
		const struct prog_actor *a = &p->actors[i];

		program_actor_name(p, i, name, sizeof(name));
		put(&o, "actor %s %s cpu=%u", name, kind_names[a->kind % ACTOR_KIND_NR], a->cpu);
		if (a->kind != ACTOR_TASK)
			put(&o, " fires=%u", a->fires);
		put(&o, "\n");
		for (k = 0; k < a->nr_ops; k++)
			put_op(&o, p, &a->ops[k]);
	}
	for (i = 0; i < p->nr_faults; i++) {
		program_fault_format(p, &p->faults[i], fb, sizeof(fb));
		put(&o, "fault %s\n", fb);
	}
	for (i = 0; i < p->sched_len; i += 32) {
		put(&o, "schedule");
		for (k = i; k < p->sched_len && k < i + 32; k++)
			put(&o, " %02x", p->sched[k]);
		put(&o, "\n");
	}
	return o.len;
}

/* ---- parse ---------------------------------------------------------- */

#define MAX_TOKENS	40
#define MAX_RAISES	(PROG_MAX_ACTORS * PROG_MAX_OPS)

struct parser {
	struct program *p;
	int line;
	char *err;
	size_t errlen;
	bool seen_actor;
	/* raise targets by name, resolved once every actor is known */
	struct {
		int actor, op, line;
		char name[16];
	} raise[MAX_RAISES];
	int nr_raise;
	/* fault actors by name, likewise */
	struct {
		int fault, line;
		char name[16];
	} fault_actor[PROG_MAX_FAULTS];
	int nr_fault_actor;
};

static int __attribute__((format(printf, 2, 3))) fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ps->err && ps->errlen) {
		if (ps->line > 0)
			n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
		if (n < 0 || (size_t)n >= ps->errlen)
			n = 0;
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Parse a decimal number in [lo, hi]; false if it is not one. */
static bool num(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*s || !(isdigit((unsigned char)*s) || *s == '-'))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int lookup(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* "key=value" -> value if key matches, else NULL. */
static const char *kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(tok, key, n) && tok[n] == '=' ? tok + n + 1 : NULL;
}

static int parse_slot(struct parser *ps, const char *t, uint8_t *out)
{
	long v;

	if (t[0] != 's' || !num(t + 1, 0, PROG_NR_SLOTS - 1, &v))
		return fail(ps, "expected a slot s0..s%d, got '%s'", PROG_NR_SLOTS - 1, t);
	*out = v;
	return 0;
}

static int parse_gfp(struct parser *ps, const char *t, uint8_t *out)
{
	char buf[96], *save = NULL, *part;
	int cls, i, first = 1;

	if (strlen(t) >= sizeof(buf))
		return fail(ps, "gfp mask too long");
	strcpy(buf, t);
	*out = 0;
	for (part = strtok_r(buf, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
		if (!strncmp(part, "GFP_", 4))
			part += 4;
		else if (!strncmp(part, "__GFP_", 6))
			part += 6;
		if (first) {
			cls = lookup(part, (const char *const *)(const char *[]){
				"ATOMIC", "NOWAIT", "KERNEL", "NOIO", "NOFS" }, GFPC_NR);
			if (cls < 0)
				return fail(ps, "unknown gfp class '%s' (ATOMIC, NOWAIT, KERNEL, NOIO, NOFS)",
					    part);
			*out = cls;
			first = 0;
			continue;
		}
		i = lookup(part, gfp_mod_names, 5);
		if (i < 0)
			return fail(ps, "unknown gfp modifier '%s' (NOFAIL, MEMALLOC, NOMEMALLOC, NOWARN, HIGH)",
				    part);
		*out |= GFPM_NOFAIL << i;
	}
	if (first)
		return fail(ps, "empty gfp mask");
	return 0;
}

static int parse_chan(struct parser *ps, const char *t, uint8_t *out)
{
	int i;

	for (i = 0; i < PROG_NR_CHANS; i++)
		if (!strcmp(t, program_chan_name(i))) {
			*out = i;
			return 0;
		}
	return fail(ps, "unknown channel '%s' (ring, bhring, spsc0, spsc1)", t);
}

static int want_args(struct parser *ps, int nt, int n, const char *usage)
{
	if (nt != n)
		return fail(ps, "usage: %s", usage);
	return 0;
}

static int parse_op(struct parser *ps, char **tok, int nt)
{
	struct program *p = ps->p;
	struct prog_actor *a;
	struct prog_op op = { 0 };
	long v;
	int code;

	if (!p->nr_actors)
		return fail(ps, "'%s' outside an actor (start one with 'actor NAME KIND cpu=N')",
			    tok[0]);
	a = &p->actors[p->nr_actors - 1];
	for (code = 0; code < OP_NR; code++)
		if (!strcmp(tok[0], program_op_name(code)))
			break;
	if (code == OP_NR)
		return fail(ps, "unknown op or keyword '%s'", tok[0]);
	if (a->nr_ops >= PROG_MAX_OPS)
		return fail(ps, "more than %d ops in one actor", PROG_MAX_OPS);
	op.code = code;
	switch (code) {
	case OP_ALLOC:
		if (want_args(ps, nt, 4, "alloc sN GFP order=N") ||
		    parse_slot(ps, tok[1], &op.a) || parse_gfp(ps, tok[2], &op.b))
			return -1;
		if (!kv(tok[3], "order") || !num(kv(tok[3], "order"), 0, PROG_MAX_ORDER, &v))
			return fail(ps, "expected order=0..%d, got '%s'", PROG_MAX_ORDER, tok[3]);
		op.c = v;
		break;
	case OP_FREE:
	case OP_TOUCH:
	case OP_PFREE:
		if (want_args(ps, nt, 2, "free|touch|pfree sN") || parse_slot(ps, tok[1], &op.a))
			return -1;
		break;
	case OP_GIVE:
	case OP_TAKE:
		if (want_args(ps, nt, 3, "give|take sN CHANNEL") ||
		    parse_slot(ps, tok[1], &op.a) || parse_chan(ps, tok[2], &op.b))
			return -1;
		break;
	case OP_PALLOC:
		if (want_args(ps, nt, 4, "palloc sN poolN GFP") || parse_slot(ps, tok[1], &op.a))
			return -1;
		if (strncmp(tok[2], "pool", 4) || !num(tok[2] + 4, 0, PROG_NR_POOLS - 1, &v))
			return fail(ps, "expected pool0 or pool1, got '%s'", tok[2]);
		op.b = v;
		if (parse_gfp(ps, tok[3], &op.c))
			return -1;
		break;
	case OP_LOCK:
	case OP_UNLOCK:
		if (want_args(ps, nt, code == OP_LOCK ? 3 : 2,
			      code == OP_LOCK ? "lock a|b|c|d plain|bh|irqsave" : "unlock a|b|c|d"))
			return -1;
		if (strlen(tok[1]) != 1 || tok[1][0] < 'a' || tok[1][0] >= 'a' + PROG_NR_LOCKS)
			return fail(ps, "expected a lock a, b, c or d, got '%s'", tok[1]);
		op.a = tok[1][0] - 'a';
		if (code == OP_LOCK) {
			int k = lookup(tok[2], lock_kind_names, LOCKK_NR);

			if (k < 0)
				return fail(ps, "expected plain, bh or irqsave, got '%s'", tok[2]);
			op.b = k;
		}
		break;
	case OP_SLEEP:
	case OP_FAILNEXT:
		if (want_args(ps, nt, 2, code == OP_SLEEP ? "sleep 1..4" : "failnext 1..8"))
			return -1;
		if (!num(tok[1], 1, code == OP_SLEEP ? 4 : 8, &v))
			return fail(ps, "expected 1..%d, got '%s'", code == OP_SLEEP ? 4 : 8, tok[1]);
		op.a = v - 1;
		break;
	case OP_RAISE:
		if (want_args(ps, nt, 2, "raise softirqN"))
			return -1;
		if (strlen(tok[1]) >= sizeof(ps->raise[0].name))
			return fail(ps, "no actor '%s'", tok[1]);
		ps->raise[ps->nr_raise].actor = p->nr_actors - 1;
		ps->raise[ps->nr_raise].op = a->nr_ops;
		ps->raise[ps->nr_raise].line = ps->line;
		strcpy(ps->raise[ps->nr_raise].name, tok[1]);
		ps->nr_raise++;
		break;
	case OP_EXHAUST:
		if (want_args(ps, nt, 3, "exhaust DMA|NORMAL high|low|min|atomic|highatomic|zero"))
			return -1;
		v = lookup(tok[1], zone_names, 2);
		if (v < 0)
			return fail(ps, "expected zone DMA or NORMAL, got '%s'", tok[1]);
		op.a = v;
		v = lookup(tok[2], (const char *const *)(const char *[]){
			"high", "low", "min", "atomic", "highatomic", "zero" }, LINE_NR);
		if (v < 0)
			return fail(ps, "expected a line high, low, min, atomic, highatomic or zero, got '%s'",
				    tok[2]);
		op.b = v;
		break;
	case OP_DRAIN:
		if (want_args(ps, nt, 2, "drain local|all"))
			return -1;
		if (strcmp(tok[1], "local") && strcmp(tok[1], "all"))
			return fail(ps, "expected local or all, got '%s'", tok[1]);
		op.a = !strcmp(tok[1], "all");
		break;
	case OP_KSWAPD:
		if (want_args(ps, nt, 2, "kswapd hold|run"))
			return -1;
		if (strcmp(tok[1], "hold") && strcmp(tok[1], "run"))
			return fail(ps, "expected hold or run, got '%s'", tok[1]);
		op.a = !strcmp(tok[1], "hold");
		break;
	default:
		if (want_args(ps, nt, 1, program_op_name(code)))
			return -1;
		break;
	}
	a->ops[a->nr_ops++] = op;
	return 0;
}

static int parse_machine(struct parser *ps, char **tok, int nt)
{
	struct prog_machine *m = &ps->p->machine;
	const char *v;
	long n;
	int i, k, j;

	if (ps->seen_actor)
		return fail(ps, "'machine' must come before the actors");
	for (i = 1; i < nt; i++) {
		if ((v = kv(tok[i], "cpus"))) {
			if (!num(v, 1, PROG_MAX_CPUS, &n))
				return fail(ps, "cpus must be 1..%d, got '%s'", PROG_MAX_CPUS, v);
			m->nr_cpus = n;
			continue;
		}
		if ((v = kv(tok[i], "kswapd"))) {
			if (strcmp(v, "on") && strcmp(v, "off"))
				return fail(ps, "kswapd must be on or off, got '%s'", v);
			m->kswapd = !strcmp(v, "on");
			continue;
		}
		for (k = 0; k < KNOB_NR; k++)
			if ((v = kv(tok[i], program_knob_name(k))))
				break;
		if (k == KNOB_NR)
			return fail(ps, "unknown machine setting '%s' (cpus, kswapd, min_free, wsf, pcp_high, pcp_batch, reclaimable)",
				    tok[i]);
		for (j = 0; j < PROG_KNOB_CHOICES; j++)
			if (num(v, 0, 1L << 30, &n) && n == program_knob_value(k, j))
				break;
		if (j == PROG_KNOB_CHOICES)
			return fail(ps, "%s must be one of %ld, %ld, %ld, %ld; got '%s'",
				    program_knob_name(k), program_knob_value(k, 0),
				    program_knob_value(k, 1), program_knob_value(k, 2),
				    program_knob_value(k, 3), v);
		m->knob[k] = j;
	}
	return 0;
}

static int parse_actor(struct parser *ps, char **tok, int nt)
{
	struct program *p = ps->p;
	struct prog_actor *a;
	char name[16];
	const char *v;
	long n;
	int i, kind;

	if (nt < 4)
		return fail(ps, "usage: actor NAME task|hardirq|softirq cpu=N [fires=N]");
	if (p->nr_actors >= PROG_MAX_ACTORS)
		return fail(ps, "more than %d actors", PROG_MAX_ACTORS);
	kind = lookup(tok[2], kind_names, ACTOR_KIND_NR);
	if (kind < 0)
		return fail(ps, "actor kind must be task, hardirq or softirq, got '%s'", tok[2]);
	ps->seen_actor = true;
	a = &p->actors[p->nr_actors++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->fires = 1;
	program_actor_name(p, p->nr_actors - 1, name, sizeof(name));
	if (strcmp(name, tok[1]))
		return fail(ps, "this actor is '%s' (names are the kind and its index among actors of that kind), not '%s'",
			    name, tok[1]);
	for (i = 3; i < nt; i++) {
		if ((v = kv(tok[i], "cpu"))) {
			if (!num(v, 0, p->machine.nr_cpus - 1, &n))
				return fail(ps, "cpu must be 0..%d, got '%s'",
					    p->machine.nr_cpus - 1, v);
			a->cpu = n;
		} else if ((v = kv(tok[i], "fires")) && kind != ACTOR_TASK) {
			if (!num(v, 1, PROG_MAX_FIRES, &n))
				return fail(ps, "fires must be 1..%d, got '%s'", PROG_MAX_FIRES, v);
			a->fires = n;
		} else {
			return fail(ps, "unknown actor setting '%s'", tok[i]);
		}
	}
	return 0;
}

static int parse_fault(struct parser *ps, char **tok, int nt)
{
	struct program *p = ps->p;
	struct prog_fault *f;
	char buf[256], *save = NULL, *part;
	const char *v;
	long n;
	int k;
	bool have_type = false;

	if (nt != 2)
		return fail(ps, "usage: fault TYPE=N[,times=N][,ctx=C][,actor=NAME][,min-order=N][,ignore-gfp-wait] (no spaces)");
	if (p->nr_faults >= PROG_MAX_FAULTS)
		return fail(ps, "more than %d fault lines", PROG_MAX_FAULTS);
	if (strlen(tok[1]) >= sizeof(buf))
		return fail(ps, "fault plan too long");
	f = &p->faults[p->nr_faults];
	memset(f, 0, sizeof(*f));
	strcpy(buf, tok[1]);
	for (part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < FAULT_TYPE_NR; k++)
			if ((v = kv(part, fault_type_names[k])))
				break;
		if (k < FAULT_TYPE_NR) {
			if (have_type)
				return fail(ps, "one of fail-nth, interval, probability per fault line");
			if (!num(v, 1, fault_value_max(k), &n))
				return fail(ps, "%s must be 1..%d, got '%s'", fault_type_names[k],
					    fault_value_max(k), v);
			f->type = k;
			f->value = n;
			have_type = true;
		} else if ((v = kv(part, "times"))) {
			if (!num(v, 1, 15, &n))
				return fail(ps, "times must be 1..15 (leave it out for no limit), got '%s'", v);
			f->times = n;
		} else if ((v = kv(part, "ctx"))) {
			k = lookup(v, fault_ctx_names, LAB_CTX_NR_PLUS_ANY);
			if (k <= 0)
				return fail(ps, "ctx must be task, softirq or hardirq, got '%s'", v);
			f->ctx = k;
		} else if ((v = kv(part, "actor"))) {
			if (strlen(v) >= sizeof(ps->fault_actor[0].name))
				return fail(ps, "no actor '%s'", v);
			ps->fault_actor[ps->nr_fault_actor].fault = p->nr_faults;
			ps->fault_actor[ps->nr_fault_actor].line = ps->line;
			strcpy(ps->fault_actor[ps->nr_fault_actor].name, v);
			ps->nr_fault_actor++;
		} else if ((v = kv(part, "min-order"))) {
			if (!num(v, 0, 3, &n))
				return fail(ps, "min-order must be 0..3, got '%s'", v);
			f->min_order = n;
		} else if (!strcmp(part, "ignore-gfp-wait")) {
			f->ignore_gfp_wait = true;
		} else {
			return fail(ps, "unknown fault key '%s' (fail-nth, interval, probability, times, ctx, actor, min-order, ignore-gfp-wait)",
				    part);
		}
	}
	if (!have_type)
		return fail(ps, "a fault line needs fail-nth=N, interval=N or probability=N");
	p->nr_faults++;
	return 0;
}

static int parse_schedule(struct parser *ps, char **tok, int nt)
{
	struct program *p = ps->p;
	char *end;
	long v;
	int i;

	for (i = 1; i < nt; i++) {
		if (strlen(tok[i]) != 2 || !isxdigit((unsigned char)tok[i][0]) ||
		    !isxdigit((unsigned char)tok[i][1]))
			return fail(ps, "schedule bytes are two hex digits each, got '%s'", tok[i]);
		v = strtol(tok[i], &end, 16);
		if (p->sched_len >= PROG_MAX_SCHED)
			return fail(ps, "more than %d schedule bytes", PROG_MAX_SCHED);
		p->sched[p->sched_len++] = v;
	}
	return 0;
}

static int find_actor(const struct program *p, const char *name)
{
	char buf[16];
	int i;

	for (i = 0; i < p->nr_actors; i++) {
		program_actor_name(p, i, buf, sizeof(buf));
		if (!strcmp(buf, name))
			return i;
	}
	return -1;
}

int program_parse(const char *text, struct program *p, int *changed,
		  char *err, size_t errlen)
{
	struct parser *ps;
	const char *s = text, *eol;
	char line[1024], *tok[MAX_TOKENS], *save, *t;
	int nt, rc = 0, i, a;

	if (changed)
		*changed = 0;
	if (err && errlen)
		err[0] = '\0';
	program_init(p);
	ps = calloc(1, sizeof(*ps));
	if (!ps) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	ps->p = p;
	ps->err = err;
	ps->errlen = errlen;
	while (s && *s && !rc) {
		size_t n;

		ps->line++;
		eol = strchr(s, '\n');
		n = eol ? (size_t)(eol - s) : strlen(s);
		if (n >= sizeof(line)) {
			rc = fail(ps, "line longer than %zu characters", sizeof(line) - 1);
			break;
		}
		memcpy(line, s, n);
		line[n] = '\0';
		s = eol ? eol + 1 : NULL;
		if ((t = strchr(line, '#')))
			*t = '\0';
		nt = 0;
		for (t = strtok_r(line, " \t\r\f\v", &save); t; t = strtok_r(NULL, " \t\r\f\v", &save)) {
			if (nt == MAX_TOKENS) {
				rc = fail(ps, "too many words on one line");
				break;
			}
			tok[nt++] = t;
		}
		if (rc || !nt)
			continue;
		if (!strcmp(tok[0], "machine"))
			rc = parse_machine(ps, tok, nt);
		else if (!strcmp(tok[0], "actor"))
			rc = parse_actor(ps, tok, nt);
		else if (!strcmp(tok[0], "fault"))
			rc = parse_fault(ps, tok, nt);
		else if (!strcmp(tok[0], "schedule"))
			rc = parse_schedule(ps, tok, nt);
		else
			rc = parse_op(ps, tok, nt);
	}
	for (i = 0; !rc && i < ps->nr_raise; i++) {
		a = find_actor(p, ps->raise[i].name);
		ps->line = ps->raise[i].line;
		if (a < 0 || p->actors[a].kind != ACTOR_SOFTIRQ)
			rc = fail(ps, "raise: '%s' is not a softirq actor of this program",
				  ps->raise[i].name);
		else
			p->actors[ps->raise[i].actor].ops[ps->raise[i].op].a = a;
	}
	for (i = 0; !rc && i < ps->nr_fault_actor; i++) {
		a = find_actor(p, ps->fault_actor[i].name);
		ps->line = ps->fault_actor[i].line;
		if (a < 0)
			rc = fail(ps, "fault: no actor '%s' in this program", ps->fault_actor[i].name);
		else
			p->faults[ps->fault_actor[i].fault].actor = a + 1;
	}
	free(ps);
	if (rc)
		return -1;
	i = program_legalize(p);
	if (changed)
		*changed = i;
	return 0;
}

/* ---- files ---------------------------------------------------------- */

bool program_looks_like_text(const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!(isprint(data[i]) || data[i] == '\n' || data[i] == '\t' || data[i] == '\r'))
			return false;
	return true;
}

static bool has_lab_suffix(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && !strcmp(path + n - 4, ".lab");
}

int program_load(const char *path, struct program *p, char *err, size_t errlen)
{
	uint8_t *buf;
	struct stat st;
	FILE *f;
	size_t n;
	int rc = 0;
	char perr[256];

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -1;
	}
	/* Bytes past the largest program are never read; text gets 1 MiB. */
	buf = malloc(PROG_LOAD_MAX + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, PROG_LOAD_MAX, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	} else if (has_lab_suffix(path)) {
		if (!feof(f) && fgetc(f) != EOF) {
			snprintf(err, errlen, "%s: text program larger than %d bytes", path,
				 PROG_LOAD_MAX);
			rc = -1;
		} else if (memchr(buf, '\0', n)) {
			snprintf(err, errlen, "%s: not a text program (NUL byte); name binary programs without .lab",
				 path);
			rc = -1;
		} else {
			buf[n] = '\0';
			if (program_parse((char *)buf, p, NULL, perr, sizeof(perr))) {
				snprintf(err, errlen, "%s:%s", path, perr + (strncmp(perr, "line ", 5) ? 0 : 5));
				rc = -1;
			}
		}
	} else {
		program_decode(buf, n, p);
	}
	free(buf);
	fclose(f);
	return rc;
}
