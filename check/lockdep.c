// SPDX-License-Identifier: MIT
/*
 * Lockdep-style irq-safety prediction: the usage bits of
 * kernel/locking/lockdep.c (mark_usage(), mark_held_locks(),
 * mark_lock() with valid_state()), for write locks.
 *
 * A class used in hardirq context (USED_IN_HARDIRQ) that is also taken,
 * or held, with hardirqs enabled (ENABLED_HARDIRQ) can deadlock: the
 * interrupt may hit the holder on its own CPU. The same for softirq.
 * The inconsistency is reported the first time both bits are set,
 * whatever order they came in, even if the deadlock never happened.
 *
 * Trylock rule (lockdep's own, mark_usage(): "If non-trylock use in a
 * hardirq or softirq context, then mark the lock as used in these
 * contexts"): a successful *trylock* in irq context does not set
 * USED_IN_*, because a trylock never spins and so cannot deadlock
 * against the holder it interrupted. A trylock with irqs enabled does
 * set ENABLED_*. So the per-CPU list pattern -- pcp lock taken in task
 * context with IRQs on, only trylocked from interrupts which fall back
 * to the buddy lists on failure -- is clean, as it is in Linux.
 * docs/sim.md discusses it.
 */
#include <stddef.h>
#include <string.h>
#include "check/lockdep.h"
#include "check/report.h"

#define LOCKDEP_MAX_CLASSES	256
#define LOCKDEP_MAX_DEPS	16	/* "after" edges kept per class */

/* The first acquisition that set a usage bit. */
struct usage_trace {
	const struct lab_site *site;
	int actor;
	int ctx;
	const char *actor_name;
};

/*
 * A lock class. Invariant: usage bit b set <=> trace[b].site recorded
 * (site may still be NULL for an unknown site); reported => a usage bug
 * of this class was printed in this run (lockdep stops after the first).
 */
/* A lock-order edge: class `to' was taken at `site' while this class was held (taken at `held_site'). */
struct lock_dep {
	int to;
	const struct lab_site *site;
	const struct lab_site *held_site;
	const char *actor_name;
};

struct lock_class {
	struct lock_class_key *key;
	const char *name;
	unsigned int usage;
	struct usage_trace trace[LOCKDEP_NR_USAGE];
	int nr_deps;
	struct lock_dep deps[LOCKDEP_MAX_DEPS];
};

/* All lockdep state: reset by lockdep_reset() at the start of every run. */
static struct {
	int nr;
	bool reported;
	bool order;		/* lock-order prediction on */
	struct lock_class classes[LOCKDEP_MAX_CLASSES];
} L;

void lockdep_set_order_check(bool on)
{
	L.order = on;
}

static const char *const usage_str[LOCKDEP_NR_USAGE] = {
	[LOCKDEP_USED_IN_HARDIRQ]	= "IN-HARDIRQ-W",
	[LOCKDEP_USED_IN_SOFTIRQ]	= "IN-SOFTIRQ-W",
	[LOCKDEP_ENABLED_HARDIRQ]	= "HARDIRQ-ON-W",
	[LOCKDEP_ENABLED_SOFTIRQ]	= "SOFTIRQ-ON-W",
};

void lockdep_reset(void)
{
	L.nr = 0;
	L.reported = false;
}

static struct lock_class *lookup_class(struct lock_class_key *key, const char *name)
{
	int i;

	for (i = 0; i < L.nr; i++)
		if (L.classes[i].key == key)
			return &L.classes[i];
	if (L.nr == LOCKDEP_MAX_CLASSES)
		return NULL;	/* lockdep turns itself off too: MAX_LOCKDEP_KEYS */
	memset(&L.classes[L.nr], 0, offsetof(struct lock_class, deps));
	L.classes[L.nr].key = key;
	L.classes[L.nr].name = name;
	return &L.classes[L.nr++];
}

/* The bit that must not coexist with b (exclusive_bit() in lockdep). */
static enum lockdep_usage exclusive_bit(enum lockdep_usage b)
{
	switch (b) {
	case LOCKDEP_USED_IN_HARDIRQ:	return LOCKDEP_ENABLED_HARDIRQ;
	case LOCKDEP_USED_IN_SOFTIRQ:	return LOCKDEP_ENABLED_SOFTIRQ;
	case LOCKDEP_ENABLED_HARDIRQ:	return LOCKDEP_USED_IN_HARDIRQ;
	default:			return LOCKDEP_USED_IN_SOFTIRQ;
	}
}

static void print_state(const struct check_ctx *c)
{
	unsigned long pc = c->preempt_count;

	/* lockdep's [HC%u[%lu]:SC%u[%lu]:HE%u:SE%u] */
	report_printf("%s/%d [HC%d[%lu]:SC%d[%lu]:HE%d:SE%d] takes:\n",
		      c->actor_name, c->actor, c->ctx == LAB_CTX_HARDIRQ,
		      (pc & HARDIRQ_MASK) >> HARDIRQ_SHIFT,
		      (pc & SOFTIRQ_OFFSET) != 0, (pc & SOFTIRQ_MASK) >> SOFTIRQ_SHIFT,
		      !c->irqs_disabled, (pc & SOFTIRQ_MASK) == 0);
}

/* print_usage_bug(): "inconsistent {OLD} -> {NEW} usage". */
static void usage_bug(const struct check_ctx *c, struct lock_class *cl,
		      const struct held_lock *h, const struct lab_site *s,
		      enum lockdep_usage old, enum lockdep_usage new)
{
	const struct usage_trace *ot = &cl->trace[old];
	bool hard = old == LOCKDEP_USED_IN_HARDIRQ || old == LOCKDEP_ENABLED_HARDIRQ;
	/*
	 * The signature names the irq-ON usage (the lock taken or held with
	 * interrupts enabled): that is the call to fix, and it is the same
	 * whichever usage the schedule happened to show first.
	 */
	bool new_is_on = new == LOCKDEP_ENABLED_HARDIRQ || new == LOCKDEP_ENABLED_SOFTIRQ;
	const struct lab_site *on_site = new_is_on ? s : ot->site;
	int on_ctx = new_is_on ? c->ctx : ot->ctx;
	char b[256];

	L.reported = true;
	report_begin(REPORT_IRQ_UNSAFE_LOCK, on_site ? on_site->func : NULL, on_ctx);
	report_printf("================================\n");
	report_printf("WARNING: inconsistent lock state\n");
	report_printf("--------------------------------\n");
	report_printf("inconsistent {%s} -> {%s} usage.\n", usage_str[old], usage_str[new]);
	print_state(c);
	report_printf(" (%s), at: %s\n", cl->name, check_site_str(s, b, sizeof(b)));
	report_printf("{%s} state was registered at:\n", usage_str[old]);
	report_printf("  %s [%s, %s]\n", check_site_str(ot->site, b, sizeof(b)),
		      ot->actor_name, lab_ctx_name(ot->ctx));
	report_printf("\nother info that might help us debug this:\n");
	report_printf(" Possible unsafe locking scenario:\n\n");
	report_printf("       CPU0\n       ----\n");
	report_printf("  lock(%s);\n", cl->name);
	report_printf("  <Interrupt>\n");
	report_printf("    lock(%s);\n\n", cl->name);
	report_printf(" *** DEADLOCK ***\n\n");
	report_printf("(%s interrupt on the CPU holding the lock with %s enabled)\n",
		      hard ? "a hardirq" : "a softirq", hard ? "hardirqs" : "softirqs");
	check_print_held(c);
	(void)h;
	report_end();
}

/* mark_lock(): set bit b on the class, report if its exclusive bit is set. */
static bool mark_lock(const struct check_ctx *c, struct lock_class *cl,
		      const struct held_lock *h, const struct lab_site *s,
		      enum lockdep_usage b)
{
	enum lockdep_usage x = exclusive_bit(b);

	if (cl->usage & (1u << b))
		return false;
	cl->usage |= 1u << b;
	cl->trace[b].site = s;
	cl->trace[b].actor = c->actor;
	cl->trace[b].ctx = c->ctx;
	cl->trace[b].actor_name = c->actor_name;
	if (!(cl->usage & (1u << x)) || L.reported)
		return false;
	usage_bug(c, cl, h, s, x, b);
	return true;
}

/* BFS from class `from' to class `to' over the order edges; parent[] gives the path. */
static bool reachable(int from, int to, int *parent, int *pedge)
{
	int queue[LOCKDEP_MAX_CLASSES], head = 0, tail = 0, i;

	for (i = 0; i < L.nr; i++)
		parent[i] = -2;
	parent[from] = -1;
	queue[tail++] = from;
	while (head < tail) {
		int u = queue[head++];

		if (u == to)
			return true;
		for (i = 0; i < L.classes[u].nr_deps; i++) {
			int v = L.classes[u].deps[i].to;

			if (parent[v] != -2)
				continue;
			parent[v] = u;
			pedge[v] = i;
			queue[tail++] = v;
		}
	}
	return false;
}

/* print_circular_bug(): the new edge held -> new closes a cycle new ->* held. */
static void circular_bug(const struct check_ctx *c, int held, int new,
			 const struct held_lock *hh, const struct held_lock *h,
			 const int *parent, const int *pedge)
{
	struct lock_class *ch = &L.classes[held], *cn = &L.classes[new];
	const struct lab_site *blame = h->site;
	int v, n = 0;
	char b[256], b2[256];

	/*
	 * The signature names the alphabetically first function among the
	 * acquisitions that make the cycle, so the same cycle gives the
	 * same signature whichever of its edges a schedule closed last.
	 */
	for (v = held; parent[v] >= 0; v = parent[v]) {
		const struct lock_dep *d = &L.classes[parent[v]].deps[pedge[v]];

		if (d->site && (!blame || strcmp(d->site->func, blame->func) < 0))
			blame = d->site;
	}
	L.reported = true;
	report_begin(REPORT_DEADLOCK, blame ? blame->func : NULL, c->ctx);
	report_printf("======================================================\n");
	report_printf("WARNING: possible circular locking dependency detected\n");
	report_printf("------------------------------------------------------\n");
	report_printf("%s/%d is trying to acquire lock:\n", c->actor_name, c->actor);
	report_printf(" (%s), at: %s\n", cn->name, check_site_str(h->site, b, sizeof(b)));
	report_printf("\nbut task is already holding lock:\n");
	report_printf(" (%s), at: %s\n", ch->name, check_site_str(hh->site, b, sizeof(b)));
	report_printf("\nwhich lock already depends on the new lock.\n\n");
	report_printf("the existing dependency chain (in reverse order) is:\n");
	for (v = held; parent[v] >= 0; v = parent[v]) {
		const struct lock_dep *d = &L.classes[parent[v]].deps[pedge[v]];

		report_printf("\n-> #%d (%s):\n       taken at %s by %s\n       while holding %s taken at %s\n",
			      n++, L.classes[v].name, check_site_str(d->site, b, sizeof(b)),
			      d->actor_name, L.classes[parent[v]].name,
			      check_site_str(d->held_site, b2, sizeof(b2)));
	}
	report_printf("\nother info that might help us debug this:\n\n");
	report_printf(" Possible unsafe locking scenario:\n\n");
	report_printf("       CPU0                    CPU1\n");
	report_printf("       ----                    ----\n");
	report_printf("  lock(%s);\n", ch->name);
	report_printf("                               lock(%s);\n", cn->name);
	report_printf("                               lock(%s);\n", ch->name);
	report_printf("  lock(%s);\n\n *** DEADLOCK ***\n\n", cn->name);
	check_print_held(c);
	report_end();
}

/* check_prevs_add(): order edges from the locks this context holds to h. */
static bool check_order(const struct check_ctx *c, const struct held_lock *h, int new)
{
	int parent[LOCKDEP_MAX_CLASSES], pedge[LOCKDEP_MAX_CLASSES];
	int i, k;

	for (i = 0; i < c->nr_held; i++) {
		const struct held_lock *hh = &c->held[i];
		struct lock_class *from;
		int held;

		/* the lock itself, and locks of the context we interrupted */
		if (hh == h || hh->lock == h->lock || hh->ctx != c->ctx || hh->actor != c->actor)
			continue;
		from = lookup_class(hh->key, hh->name);
		if (!from)
			continue;
		held = (int)(from - L.classes);
		if (held == new)
			continue;
		for (k = 0; k < from->nr_deps && from->deps[k].to != new; k++)
			;
		if (k < from->nr_deps)
			continue;		/* known edge */
		if (reachable(new, held, parent, pedge)) {
			circular_bug(c, held, new, hh, h, parent, pedge);
			return true;
		}
		if (from->nr_deps < LOCKDEP_MAX_DEPS) {
			struct lock_dep *d = &from->deps[from->nr_deps++];

			d->to = new;
			d->site = h->site;
			d->held_site = hh->site;
			d->actor_name = c->actor_name;
		}
	}
	return false;
}

bool lockdep_acquired(const struct check_ctx *c, const struct held_lock *h)
{
	struct lock_class *cl = lookup_class(h->key, h->name);
	unsigned long pc = c->preempt_count;

	if (!cl)
		return false;
	/* mark_usage(): only a non-trylock marks USED_IN_* */
	if (!h->trylock) {
		if ((pc & HARDIRQ_MASK) &&
		    mark_lock(c, cl, h, h->site, LOCKDEP_USED_IN_HARDIRQ))
			return true;
		if ((pc & SOFTIRQ_OFFSET) &&
		    mark_lock(c, cl, h, h->site, LOCKDEP_USED_IN_SOFTIRQ))
			return true;
	}
	if (!c->irqs_disabled) {
		if (mark_lock(c, cl, h, h->site, LOCKDEP_ENABLED_HARDIRQ))
			return true;
		/* curr->softirqs_enabled: no bh disable, not serving */
		if ((pc & SOFTIRQ_MASK) == 0 &&
		    mark_lock(c, cl, h, h->site, LOCKDEP_ENABLED_SOFTIRQ))
			return true;
	}
	/* a trylock cannot wait, so it adds no order (lockdep: !trylock) */
	if (L.order && !h->trylock && !L.reported)
		return check_order(c, h, (int)(cl - L.classes));
	return false;
}

bool lockdep_irqs_enabled(const struct check_ctx *c, bool hardirq,
			  const struct lab_site *s)
{
	int i;

	for (i = 0; i < c->nr_held; i++) {
		const struct held_lock *h = &c->held[i];
		struct lock_class *cl;

		if (!h->key)
			continue;
		cl = lookup_class(h->key, h->name);
		if (!cl)
			continue;
		/* lockdep_hardirqs_on(): ENABLED_HARDIRQ, and SOFTIRQ if enabled */
		if (hardirq && mark_lock(c, cl, h, s, LOCKDEP_ENABLED_HARDIRQ))
			return true;
		if ((c->preempt_count & SOFTIRQ_MASK) == 0 && !c->irqs_disabled &&
		    mark_lock(c, cl, h, s, LOCKDEP_ENABLED_SOFTIRQ))
			return true;
	}
	return false;
}
