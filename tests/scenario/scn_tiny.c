// SPDX-License-Identifier: MIT
/*
 * scn_tiny.c: an interrupt hands GFP_ATOMIC pages to a task through a
 * channel. The example of docs/scenarios.md, built and fuzzed by
 * tests/scenario exactly as the guide builds it.
 */
#include <errno.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "fuzz/scenario.h"

/* Step 1: the parameters, each with its range and default. */
#define TINY_PARAMS(P)					\
	P(cpus,  1, 2, 1, "CPUs: the reader runs on the last")	\
	P(pages, 1, 8, 4, "pages the interrupt sends")	\
	P(chan,  0, 1, 0, "0: locked channel, 1: lock-free SPSC")
SCENARIO_PARAMS(TINY_PARAMS);

/* Step 2: the actor names faults may target. */
static const char *const tiny_actors[] = { "tiny_irq", "reader" };

/* Step 3: the state, rebuilt by setup() for every run. */
static struct {
	int ch;			/* channel id: tiny_irq -> reader */
	int irq;		/* sim id of tiny_irq */
	int pages;
	int sent;		/* interrupts handled, up to pages */
} S;

/* Step 4: the actors, plain C against kernel.h and scn_alloc() & co. */
static void tiny_irq(void *arg)
{
	void *page;

	if (__atomic_load_n(&S.sent, __ATOMIC_ACQUIRE) >= S.pages)
		return;			/* a spurious interrupt: no work */
	scn_point();
	page = scn_alloc(GFP_ATOMIC | __GFP_NOWARN, 0);
	if (page) {
		scn_touch(page);	/* fill it */
		if (scn_give(S.ch, page, 0))
			scn_free(page, 0);	/* channel full: drop */
	}
	if (__atomic_add_fetch(&S.sent, 1, __ATOMIC_ACQ_REL) < S.pages)
		sim_raise_hardirq(S.irq);	/* the next one */
}

static void reader(void *arg)
{
	unsigned int order;
	void *page;

	sim_raise_hardirq(S.irq);
	for (;;) {
		bool last = __atomic_load_n(&S.sent, __ATOMIC_ACQUIRE) >= S.pages;

		while ((page = scn_take(S.ch, &order))) {
			scn_touch(page);	/* read it */
			scn_free(page, order);
			scn_progress(1);
		}
		if (last)
			break;
		schedule_timeout_uninterruptible(1);
	}
}

/* Step 5: set-up (channels, actors) and teardown of one run. */
static int tiny_setup(const struct scn_run *run)
{
	int err;

	memset(&S, 0, sizeof(S));
	S.pages = run->param[P_pages];
	err = scn_chan_init(S.ch, run->param[P_chan] ? CHAN_SPSC : CHAN_LOCKED, 4);
	if (err)
		return err;
	S.irq = scn_add_hardirq(0, "tiny_irq", tiny_irq, NULL, 2);
	if (S.irq <= 0 || scn_add_task(run->nr_cpus - 1, "reader", reader, NULL) <= 0)
		return -ENOSPC;
	return 0;
}

static void tiny_finish(void)
{
	unsigned int order;
	void *page;

	while ((page = scn_take(S.ch, &order)))
		scn_free(page, order);
}

/* Step 6: the descriptor. */
DEFINE_SCENARIO(tiny) = {
	.name = "tiny",
	.summary = "an interrupt hands GFP_ATOMIC pages to a task",
	SCENARIO_PARAM_TABLE,
	.actor_names = tiny_actors,
	.nr_actor_names = 2,
	.setup = tiny_setup,
	.finish = tiny_finish,
};
