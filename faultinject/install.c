// SPDX-License-Identifier: MIT
/*
 * Installing a plan: the one hook into the allocator (mm_set_fault_hook(),
 * after mm/fail_page_alloc.c's should_fail_alloc_page()), the plan's
 * actions (exhaust, drain-pcp, kswapd), the self-test, and draining a
 * mempool's reserve through the mempool's own path.
 */
#include <errno.h>
#include <stdio.h>
#include "faultinject/fault.h"
#include "faultinject/internal.h"

static bool fault_hook(int site, gfp_t gfp, unsigned int order, void *arg)
{
	return fault_should_fail(arg, site, gfp, order);
}

static void undo_actions(struct fault_injector *fi)
{
	if (fi->ballast > 0)
		mm_ballast_release(-1);
	fi->ballast = 0;
	if (fi->kswapd_held)
		mm_kswapd_hold(false);
	fi->kswapd_held = false;
}

static int run_actions(struct fault_injector *fi, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < fi->plan.nr; i++) {
		const struct fault_spec *s = &fi->plan.spec[i];
		long moved;

		if (s->drain_pcp)
			drain_all_pages();
		if (s->exhaust_zone > -2) {
			moved = fault_exhaust(s->exhaust_zone, s->exhaust_line,
					      s->exhaust_classzone);
			if (moved < 0) {
				struct mm_census c;

				/* Zones done before the failing one hold ballast: undo it. */
				mm_census(&c);
				fi->ballast = (long)c.ballast;
				snprintf(err, errlen, "plan %d: exhaust to %s failed (%ld)",
					 i, fault_line_name(s->exhaust_line), moved);
				return (int)moved;
			}
			fi->ballast = moved;
		}
		if (s->kswapd == FAULT_KSWAPD_HOLD) {
			mm_kswapd_hold(true);
			fi->kswapd_held = true;
		} else if (s->kswapd == FAULT_KSWAPD_RUN) {
			mm_kswapd_hold(false);
			fi->kswapd_held = false;
		}
	}
	return 0;
}

int fault_install(struct fault_injector *fi, char *err, size_t errlen)
{
	mm_fault_fn hook = fault_hook;
	unsigned long before;
	int ret;

	if (errlen)
		err[0] = '\0';
	if (fault_installed() && fault_installed() != fi) {
		snprintf(err, errlen, "another fault plan is installed");
		return -EBUSY;
	}
	mm_set_fault_hook(hook, fi);
	fault_set_installed(fi);
	fi->installed = true;

	/*
	 * The self-test: a fault at site 0, asked through the allocator's
	 * own door (mm_should_fail(), as every allocator site asks), fires
	 * and is counted by this injector.
	 */
	before = fi->selftest;
	if (!mm_should_fail(FAULT_SITE_SELFTEST, GFP_ATOMIC, 0) || fi->selftest != before + 1) {
		snprintf(err, errlen, "self-test: the fault at site 0 did not fire");
		ret = -EIO;
		goto out_uninstall;
	}
	ret = run_actions(fi, err, errlen);
	if (ret)
		goto out_uninstall;
	return 0;

out_uninstall:
	fault_uninstall(fi);
	return ret;
}

void fault_uninstall(struct fault_injector *fi)
{
	if (fault_installed() == fi) {
		mm_set_fault_hook(NULL, NULL);
		fault_set_installed(NULL);
	}
	undo_actions(fi);
	fi->installed = false;
}

/*
 * Make every allocation of the calling actor fail (mempool reserve
 * draining), through the installed injector or, when none is, a
 * temporary one. Returns the injector to hand to force_end().
 */
static struct fault_injector *force_begin(struct fault_injector *tmp)
{
	struct fault_injector *fi = fault_installed();
	unsigned long flags;
	int actor;
	bool ok;

	if (!fi) {
		fault_injector_init(tmp, NULL);
		fi = tmp;
		mm_set_fault_hook(fault_hook, fi);
	}
	actor = fi->current().actor;
	flags = fault_enter(fi);
	ok = fi->force_actor < 0 || fi->force_actor == actor;
	if (ok)
		fi->force_actor = actor;
	fault_exit(fi, flags);
	return ok ? fi : NULL;		/* !ok: another actor is draining */
}

static void force_end(struct fault_injector *fi, struct fault_injector *tmp)
{
	__atomic_store_n(&fi->force_actor, -1, __ATOMIC_RELEASE);
	/* Drop the temporary hook unless a plan was installed meanwhile. */
	if (fi == tmp && !fault_installed())
		mm_set_fault_hook(NULL, NULL);
}

int fault_mempool_drain(mempool_t *pool, void **hold, int max)
{
	struct fault_injector tmp, *fi;
	int n = 0, before;
	void *e;

	fi = force_begin(&tmp);
	if (!fi)
		return -EBUSY;
	while (n < max && (before = READ_ONCE(pool->curr_nr)) > 0) {
		/*
		 * mempool_alloc() asks the hook at FAULT_SITE_MEMPOOL_ELEM
		 * before its element allocator; forced to fail, it takes the
		 * element out of the reserve.
		 */
		e = mempool_alloc(pool, GFP_ATOMIC);
		if (!e)
			break;
		if (READ_ONCE(pool->curr_nr) >= before) {
			/* Not from the reserve (a pool that skips the hook): give it back, stop. */
			mempool_free(e, pool);
			break;
		}
		hold[n++] = e;
	}
	force_end(fi, &tmp);
	return n;
}

int fault_mempool_refill(mempool_t *pool, void **hold, int nr)
{
	int i;

	for (i = 0; i < nr; i++) {
		mempool_free(hold[i], pool);
		hold[i] = NULL;
	}
	return nr;
}
