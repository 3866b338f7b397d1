// SPDX-License-Identifier: MIT
/*
 * events.c: the allocator's event stream and its one fault hook
 * (should_fail_alloc_page(), mm/fail_page_alloc.c). Listeners and the
 * hook belong to the test or fuzz driver, not to one run: mm_init()
 * keeps them (mm.h), mm_listen_reset() and mm_set_fault_hook(NULL, ...)
 * drop them.
 */
#include <errno.h>
#include <string.h>
#include "internal.h"

/* Invariant: 0 <= nr <= MM_MAX_LISTENERS; fn[0..nr) are set. */
static struct {
	int nr;
	mm_event_fn fn[MM_MAX_LISTENERS];
	void *arg[MM_MAX_LISTENERS];
	mm_fault_fn fault;
	void *fault_arg;
} mm_hooks;

int mm_listen(mm_event_fn fn, void *arg)
{
	if (!fn)
		return -EINVAL;
	if (mm_hooks.nr >= MM_MAX_LISTENERS)
		return -ENOSPC;
	mm_hooks.fn[mm_hooks.nr] = fn;
	mm_hooks.arg[mm_hooks.nr] = arg;
	mm_hooks.nr++;
	return 0;
}

void mm_listen_reset(void)
{
	memset(mm_hooks.fn, 0, sizeof(mm_hooks.fn));
	mm_hooks.nr = 0;
}

bool mm_listening(void)
{
	return mm_hooks.nr != 0;
}

void mm_emit(const struct mm_event *ev)
{
	for (int i = 0; i < mm_hooks.nr; i++)
		mm_hooks.fn[i](ev, mm_hooks.arg[i]);
}

/* An event about one block (pfn, order); chan -1 when none. */
void mm_emit_simple(enum mm_event_kind kind, const struct page *page,
		    unsigned int order, gfp_t gfp, int chan, const struct lab_site *site)
{
	struct mm_event ev;

	if (!mm_hooks.nr)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.who = lab_current();
	ev.pfn = page ? pfn_of(page) : -1UL;
	ev.order = order;
	ev.gfp = gfp;
	ev.zone = page ? page->zone : -1;
	ev.chan = chan;
	ev.site = site;
	mm_emit(&ev);
}

void mm_set_fault_hook(mm_fault_fn fn, void *arg)
{
	mm_hooks.fault = fn;
	mm_hooks.fault_arg = arg;
}

bool mm_should_fail(int site, gfp_t gfp, unsigned int order)
{
	mm_fault_fn fn = mm_hooks.fault;

	return fn && fn(site, gfp, order, mm_hooks.fault_arg);
}
