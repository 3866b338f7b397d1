// SPDX-License-Identifier: MIT
/*
 * The decision engine: one struct, one decision function, the kernel's
 * order of attributes (should_fail_ex(), lib/fault-inject.c) behind the
 * filters of __should_fail_alloc_page() (mm/fail_page_alloc.c).
 *
 * Where labyrinth departs from the kernel (fail-nth in every context,
 * by actor; probability 100 by default; persistent fail-nth) it is on
 * purpose and docs/faultinject.md says why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "faultinject/fault.h"
#include "faultinject/internal.h"

#ifndef KERN_NOTICE
#define KERN_NOTICE	5
#endif

/* The injector mm_set_fault_hook() points at; NULL when none. */
static struct fault_injector *fault_current_injector;

struct fault_injector *fault_installed(void)
{
	return __atomic_load_n(&fault_current_injector, __ATOMIC_ACQUIRE);
}

void fault_set_installed(struct fault_injector *fi)
{
	__atomic_store_n(&fault_current_injector, fi, __ATOMIC_RELEASE);
}

void fault_rule_init(struct fault_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->actor = -1;
	r->cpu = -1;
	r->interval = 1;
	r->probability = 100;
	r->times = -1;
}

void fault_plan_init(struct fault_plan *p)
{
	memset(p, 0, sizeof(*p));
}

/* Make s a part holding rule r and no action. */
static void spec_set_rule(struct fault_spec *s, const struct fault_rule *r)
{
	memset(s, 0, sizeof(*s));
	s->has_rule = true;
	s->rule = *r;
	s->exhaust_zone = -2;
	s->exhaust_classzone = -1;
}

/* A rule's running state before its first call. */
static void state_init(struct fault_rule_state *st, const struct fault_rule *r)
{
	memset(st, 0, sizeof(*st));
	st->space = r->space;
	st->times = r->times;
	st->rng = r->seed;
}

int fault_plan_add_rule(struct fault_plan *p, const struct fault_rule *r)
{
	if (p->nr >= FAULT_MAX_SPECS)
		return -ENOSPC;
	spec_set_rule(&p->spec[p->nr++], r);
	return 0;
}

static bool rule_is_valid(const struct fault_rule *r)
{
	return r->probability <= 100 && r->interval >= 1 && r->times >= -1 &&
	       r->space >= 0 && r->ctx_mask < (1u << LAB_CTX_NR) &&
	       !(r->site_mask & 1UL) && (r->actor < 0 || !r->actor_name[0]) &&
	       memchr(r->actor_name, '\0', sizeof(r->actor_name)) &&
	       (!r->persist || r->fail_nth);
}

bool fault_plan_is_valid(const struct fault_plan *p)
{
	int i;

	if (p->nr < 0 || p->nr > FAULT_MAX_SPECS)
		return false;
	for (i = 0; i < p->nr; i++) {
		const struct fault_spec *s = &p->spec[i];

		if (s->has_rule && !rule_is_valid(&s->rule))
			return false;
		if (s->exhaust_zone < -2 || s->exhaust_zone >= MAX_NR_ZONES ||
		    s->exhaust_classzone < -1 || s->exhaust_classzone >= MAX_NR_ZONES ||
		    (unsigned int)s->exhaust_line >= FAULT_LINE_NR)
			return false;
	}
	return true;
}

/* splitmix64: small, seedable, and every seed (0 too) gives a full stream. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* get_random_u32_below(100) without modulo bias worth speaking of. */
static unsigned int rng_below100(uint64_t *s)
{
	return (unsigned int)(((rng_next(s) >> 32) * 100) >> 32);
}

void fault_injector_init(struct fault_injector *fi, const struct fault_plan *p)
{
	int i;

	memset(fi, 0, sizeof(*fi));
	if (p) {
		DEBUG_CHECK(fault_plan_is_valid(p));
		fi->plan = *p;
	}
	for (i = 0; i < fi->plan.nr; i++)
		state_init(&fi->st[i], &fi->plan.spec[i].rule);
	for (i = 0; i < FAULT_MAX_BENIGN; i++)
		fi->benign[i].actor = -1;
	fi->force_actor = -1;
	fi->current = lab_current;
}

/*
 * The filters: which calls a rule looks at at all. The gfp and order
 * ones are __should_fail_alloc_page()'s; the who-filters replace the
 * kernel's task filter (make-it-fail) with context, CPU and actor.
 */
static bool rule_admits(const struct fault_rule *r, int site, gfp_t gfp,
			unsigned int order, struct lab_owner who)
{
	/* fail_page_alloc hooks __alloc_pages() only; other sites are opt-in. */
	unsigned long sites = r->site_mask ? r->site_mask : 1UL << FAULT_SITE_ALLOC_PAGES;

	if (site < 1 || site >= (int)(8 * sizeof(sites)) || !(sites & (1UL << site)))
		return false;
	if (order < r->min_order)
		return false;
	if (r->ignore_gfp_highmem && (gfp & __GFP_HIGHMEM))
		return false;
	if (r->ignore_gfp_wait && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if (r->ctx_mask && (who.ctx < 0 || who.ctx >= LAB_CTX_NR ||
			    !(r->ctx_mask & (1u << who.ctx))))
		return false;
	if (r->cpu >= 0 && who.cpu != r->cpu)
		return false;
	if (r->actor >= 0 && who.actor != r->actor)
		return false;
	if (r->actor_name[0] && strcmp(lab_actor_name(who.actor), r->actor_name))
		return false;
	return true;
}

/*
 * One rule on one admitted call, in should_fail_ex()'s order: fail-nth
 * (alone while armed), then probability 0 short-cut, times, space,
 * interval, probability. Called with fi->lock held.
 */
static bool rule_decide(const struct fault_rule *r, struct fault_rule_state *st,
			unsigned int order)
{
	/* __should_fail_alloc_page() passes 1 << order: space is in pages. */
	long size = 1L << order;

	if (r->fail_nth && !st->nth_fired) {
		if (++st->nth_seen < r->fail_nth)
			return false;
		st->nth_fired = true;
		goto fail;
	}
	if (r->fail_nth && r->persist) {
		if (st->times == 0)
			return false;
		goto fail;
	}
	if (r->probability == 0)
		return false;
	if (st->times == 0)
		return false;
	if (st->space > size) {
		st->space -= size;
		return false;
	}
	if (r->interval > 1) {
		st->count++;
		if (st->count % r->interval)
			return false;
	}
	if (r->probability < 100 && rng_below100(&st->rng) >= r->probability)
		return false;
fail:
	if (st->times > 0)
		st->times--;
	return true;
}

#if defined(__x86_64__) || defined(__i386__)
#define fault_pause()	__builtin_ia32_pause()
#else
#define fault_pause()	barrier()
#endif

/*
 * A raw lock, not a spinlock_t: lockdep and the deadlock detector must
 * not see the injector, or installing a plan would add lock edges to
 * the program it probes. IRQs are off around it (fault_enter()), so an
 * interrupt never spins on a lock its own CPU holds. On the simulated
 * machine (fi->serial) neither is needed: local_irq_save() there is a
 * scheduling point, and the plan would change the interleavings.
 */
void fault_lock(struct fault_injector *fi)
{
	while (__atomic_exchange_n(&fi->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&fi->lock, __ATOMIC_RELAXED))
			fault_pause();
}

void fault_unlock(struct fault_injector *fi)
{
	__atomic_store_n(&fi->lock, 0, __ATOMIC_RELEASE);
}

unsigned long fault_enter(struct fault_injector *fi)
{
	unsigned long flags;

	/* One OS thread, switches only at scheduling points: nothing to guard. */
	if (fi->serial)
		return 0;
	/* IRQs off so an interrupt on this CPU never spins on our own lock. */
	flags = lab_irq_save(LAB_SITE);
	fault_lock(fi);
	return flags;
}

void fault_exit(struct fault_injector *fi, unsigned long flags)
{
	if (fi->serial)
		return;
	fault_unlock(fi);
	lab_irq_restore(flags, LAB_SITE);
}

/* Depth of the benign regions the actor is in. Called with fi->lock held. */
static int benign_depth(const struct fault_injector *fi, int actor)
{
	int i;

	for (i = 0; i < FAULT_MAX_BENIGN; i++)
		if (fi->benign[i].actor == actor)
			return fi->benign[i].depth;
	return 0;
}

static void verbose_line(struct fault_injector *fi, const struct fault_rule *r,
			 long space, long times, const struct fault_record *rec)
{
	char line[256];
	static const char *const ctx[] = { "task", "softirq", "hardirq" };

	/* fail_dump(), lib/fault-inject.c; one line, no stack (verbose=1). */
	snprintf(line, sizeof(line),
		 "FAULT_INJECTION: forcing a failure. site %s gfp 0x%x order %u "
		 "cpu %d %s actor %s call %lu plan %d: interval %lu, probability %u, "
		 "space %ld, times %ld\n",
		 fault_site_name(rec->site), rec->gfp, rec->order, rec->who.cpu,
		 rec->who.ctx >= 0 && rec->who.ctx < LAB_CTX_NR ? ctx[rec->who.ctx] : "?",
		 lab_actor_name(rec->who.actor), rec->call, rec->spec, r->interval,
		 r->probability, space, times);
	if (fi->verbose_fn)
		fi->verbose_fn(line, fi->verbose_arg);
	else
		lab_printk(KERN_NOTICE, "%s", line);
}

static bool same_owner(struct lab_owner a, struct lab_owner b)
{
	return a.cpu == b.cpu && a.ctx == b.ctx && a.actor == b.actor;
}

/*
 * An injected alloc_pages() failure now owes its caller a NULL; at most
 * one per context (a context's allocation returns before its next one
 * starts). Called with fi->lock held.
 */
static void pending_add(struct fault_injector *fi, struct lab_owner who)
{
	int i, slot = -1;

	for (i = 0; i < FAULT_MAX_BENIGN; i++) {
		if (fi->pending[i].set && same_owner(fi->pending[i].who, who)) {
			slot = i;
			break;
		}
		if (slot < 0 && !fi->pending[i].set)
			slot = i;
	}
	if (slot < 0)
		slot = 0;	/* full: forget the oldest slot rather than lose this one */
	fi->pending[slot].who = who;
	fi->pending[slot].set = true;
}

void fault_mm_event(const struct mm_event *ev, void *arg)
{
	struct fault_injector *fi = arg ? arg : fault_installed();
	unsigned long flags;
	int i;

	if (!fi || (ev->kind != MM_EV_ALLOC && ev->kind != MM_EV_ALLOC_FAIL))
		return;
	flags = fault_enter(fi);
	for (i = 0; i < FAULT_MAX_BENIGN; i++) {
		if (!fi->pending[i].set || !same_owner(fi->pending[i].who, ev->who))
			continue;
		fi->pending[i].set = false;
		if (ev->kind == MM_EV_ALLOC_FAIL)
			fi->reported++;
		else
			fi->unreported++;	/* a page although the hook said fail */
		break;
	}
	fault_exit(fi, flags);
}

int fault_add_rule(struct fault_injector *fi, const struct fault_rule *r)
{
	unsigned long flags;
	int i;

	DEBUG_CHECK(rule_is_valid(r));
	flags = fault_enter(fi);
	i = fi->plan.nr;
	if (i >= FAULT_MAX_SPECS) {
		i = -ENOSPC;
		goto out;
	}
	spec_set_rule(&fi->plan.spec[i], r);
	state_init(&fi->st[i], r);
	/* Publish: fault_should_fail() reads nr first, then the spec. */
	__atomic_store_n(&fi->plan.nr, i + 1, __ATOMIC_RELEASE);
out:
	fault_exit(fi, flags);
	return i;
}

bool fault_should_fail(struct fault_injector *fi, int site, gfp_t gfp, unsigned int order)
{
	struct lab_owner who = fi->current();
	bool admit[FAULT_MAX_SPECS] = { false };
	bool any = false, fail = false;
	int i, nr, by = -1;
	unsigned long flags;
	struct fault_record rec;
	long space = 0, times = 0;

	/* Rules added at run time (fault_add_rule()) count from the next call. */
	nr = __atomic_load_n(&fi->plan.nr, __ATOMIC_ACQUIRE);
	for (i = 0; i < nr; i++) {
		if (!fi->plan.spec[i].has_rule)
			continue;
		admit[i] = rule_admits(&fi->plan.spec[i].rule, site, gfp, order, who);
		any |= admit[i];
	}

	flags = fault_enter(fi);
	if (site == FAULT_SITE_SELFTEST) {
		fi->selftest++;
		fault_exit(fi, flags);
		return true;
	}
	if (who.actor >= 0 && who.actor == fi->force_actor && !(gfp & __GFP_NOFAIL)) {
		fault_exit(fi, flags);
		return true;
	}
	fi->total.calls++;
	/* __should_fail_alloc_page(): __GFP_NOFAIL is never failed. */
	if (gfp & __GFP_NOFAIL) {
		fi->nofail++;
		any = false;
	}
	for (i = 0; i < nr; i++) {
		struct fault_rule_state *st = &fi->st[i];

		if (!fi->plan.spec[i].has_rule)
			continue;
		st->n.calls++;
		if (!admit[i] || (gfp & __GFP_NOFAIL)) {
			st->n.filtered++;
			continue;
		}
		st->n.admitted++;
		if (rule_decide(&fi->plan.spec[i].rule, st, order)) {
			st->n.failed++;
			if (benign_depth(fi, who.actor))
				st->n.benign++;
			if (by < 0)
				by = i;
			fail = true;
		}
	}
	if (any)
		fi->total.admitted++;
	else
		fi->total.filtered++;
	if (fail) {
		fi->total.failed++;
		if (benign_depth(fi, who.actor))
			fi->total.benign++;
		rec = (struct fault_record){ .call = fi->total.calls, .site = site,
			.gfp = gfp, .order = order, .who = who, .spec = by };
		if (fi->total.failed == 1)
			fi->first = rec;
		fi->last = rec;
		if (site == FAULT_SITE_ALLOC_PAGES)
			pending_add(fi, who);
		space = fi->st[by].space;
		times = fi->st[by].times;
	}
	fault_exit(fi, flags);

	/* fail_page_alloc passes FAULT_NOWARN for __GFP_NOWARN callers. */
	if (fail && fi->plan.spec[by].rule.verbose && !(gfp & __GFP_NOWARN))
		verbose_line(fi, &fi->plan.spec[by].rule, space, times, &rec);
	return fail;
}

void fault_benign_begin(void)
{
	struct fault_injector *fi = fault_installed();
	struct lab_owner who;
	unsigned long flags;
	int i, slot = -1;

	if (!fi)
		return;
	who = fi->current();
	flags = fault_enter(fi);
	for (i = 0; i < FAULT_MAX_BENIGN; i++) {
		if (fi->benign[i].actor == who.actor) {
			slot = i;
			break;
		}
		if (slot < 0 && fi->benign[i].actor < 0)
			slot = i;
	}
	if (slot >= 0) {
		fi->benign[slot].actor = who.actor;
		fi->benign[slot].depth++;
	}
	fault_exit(fi, flags);
	if (slot < 0)
		pr_err("fault: more than %d actors in benign regions\n", FAULT_MAX_BENIGN);
}

void fault_benign_end(void)
{
	struct fault_injector *fi = fault_installed();
	struct lab_owner who;
	unsigned long flags;
	int i;

	if (!fi)
		return;
	who = fi->current();
	flags = fault_enter(fi);
	for (i = 0; i < FAULT_MAX_BENIGN; i++) {
		if (fi->benign[i].actor != who.actor)
			continue;
		if (--fi->benign[i].depth <= 0) {
			fi->benign[i].depth = 0;
			fi->benign[i].actor = -1;
		}
		break;
	}
	fault_exit(fi, flags);
}

