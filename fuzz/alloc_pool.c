// SPDX-License-Identifier: MIT
/*
 * alloc_pool.c: the interpreter's adapter for pool/, the genalloc-style
 * special-memory pool (pool/genpool.h) -- the worked example of
 * docs/adapters.md. One file plugs it into the fuzz programs, the
 * ownership ledger, fault injection and the zoo switches:
 *
 *   events	the pool's listener is ledger_event(), and the ledger finds
 *		frame memory (for owners' stamps) through ledger_set_memory();
 *   faults	the pool's hook asks mm_should_fail(), the hook the
 *		interpreter and faultinject/ install, so fault plans and
 *		"fail the next N" reach the pool unchanged;
 *   channels	the four rings of docs/programs.md, written here for pool
 *		blocks (ring: irqsave lock, bhring: bh lock, spsc0/spsc1:
 *		lock-free single producer, single consumer);
 *   exhaust	the pool's ballast, to fixed fractions of the pool (it has
 *		no watermarks: docs/pool.md);
 *   census	at the end of a run, the pool's census against the ledger's
 *		counts, place by place.
 *
 * The pool has no mempool, no per-CPU lists and no kswapd: those ops are
 * NULL and the interpreter skips them. The reserve oracle judges
 * watermark decisions only and the pool makes none, so it stays silent.
 */
#include <errno.h>
#include <stdlib.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include "check/ledger.h"
#include "check/report.h"
#include "pool/genpool.h"
#include "fuzz/alloc_ops.h"
#include "fuzz/program_int.h"

#define POOL_GRANULE_ORDER	6	/* 64-byte granules */
#define POOL_CHUNK_FRAMES	512	/* two chunks: 1024 frames, as mm.h's default */
#define POOL_NR_CHUNKS		2
#define POOL_CHUNK_BYTES	(POOL_CHUNK_FRAMES << POOL_GRANULE_ORDER)
#define RING_SIZE		8	/* small: a full ring is a path worth reaching */

enum ring_kind { RING_IRQSAVE, RING_BH, RING_SPSC };

/*
 * A transfer ring of pool blocks. head counts gives, tail takes.
 * Invariant: 0 <= head - tail <= RING_SIZE; slots [tail, head) hold
 * blocks given exactly once and not yet taken. Locked kinds: everything
 * under lock. SPSC: head written by the one producer (store-release
 * after the slot), tail by the one consumer (store-release after
 * reading the slot); legalization guarantees one of each.
 */
struct pool_ring {
	enum ring_kind kind;
	spinlock_t lock;
	unsigned int head;
	unsigned int tail;
	struct {
		unsigned long addr;
		unsigned int order;
	} slot[RING_SIZE];
};

/*
 * Per-run state. Invariant: pool and mem are both set from a successful
 * pa_init() to pa_exit(), both NULL otherwise; pool's chunks are mem.
 */
static struct {
	struct gen_pool *pool;
	void *mem;
	struct pool_ring ring[PROG_NR_CHANS];
} P;

static size_t order_bytes(unsigned int order)
{
	return (size_t)1 << (POOL_GRANULE_ORDER + order);
}

static bool pa_fault(int site, gfp_t gfp, unsigned int order, void *arg)
{
	return mm_should_fail(site, gfp, order);
}

static void *pa_frame_memory(unsigned long pfn, void *arg)
{
	return P.pool ? gen_pool_pfn_to_virt(P.pool, pfn) : NULL;
}

static int pa_init(const struct prog_machine *m)
{
	static const enum ring_kind kinds[PROG_NR_CHANS] = {
		[CHAN_RING] = RING_IRQSAVE, [CHAN_BHRING] = RING_BH,
		[CHAN_SPSC0] = RING_SPSC, [CHAN_SPSC1] = RING_SPSC,
	};
	static const char *const names[PROG_NR_CHANS] = {
		"&ring->lock", "&bhring->lock", "&spsc0->lock", "&spsc1->lock",
	};
	static struct lock_class_key keys[PROG_NR_CHANS];
	int i, err;

	P.mem = aligned_alloc(4096, POOL_NR_CHUNKS * POOL_CHUNK_BYTES);
	P.pool = gen_pool_create(POOL_GRANULE_ORDER, 0, "sram");
	if (!P.mem || !P.pool) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < POOL_NR_CHUNKS; i++) {
		err = gen_pool_add(P.pool, (unsigned long)P.mem + i * POOL_CHUNK_BYTES,
				   POOL_CHUNK_BYTES);
		if (err)
			goto out;
	}
	err = gen_pool_listen(P.pool, ledger_event, NULL);
	if (err)
		goto out;
	gen_pool_set_fault_hook(P.pool, pa_fault, NULL);
	ledger_set_memory(pa_frame_memory, NULL);
	for (i = 0; i < PROG_NR_CHANS; i++) {
		P.ring[i].kind = kinds[i];
		P.ring[i].head = P.ring[i].tail = 0;
		/* a lock class per ring: ring is irq-safe, bhring is not */
		lab_spin_lock_init(&P.ring[i].lock, names[i], &keys[i]);
	}
	return 0;
out:
	gen_pool_destroy(P.pool);
	free(P.mem);
	P.pool = NULL;
	P.mem = NULL;
	return err;
}

static void pa_exit(void)
{
	/* a run the detectors stopped leaves blocks behind: nothing to judge here */
	gen_pool_destroy(P.pool);
	free(P.mem);
	P.pool = NULL;
	P.mem = NULL;
}

static void *pa_alloc(gfp_t gfp, unsigned int order)
{
	return (void *)gen_pool_alloc_gfp(P.pool, order_bytes(order), gfp);
}

static void pa_free(void *h, unsigned int order)
{
	gen_pool_free(P.pool, (unsigned long)h, order_bytes(order));
}

static void pa_touch(void *h)
{
	ledger_touch_pfn(gen_pool_virt_to_pfn(P.pool, (unsigned long)h), lab_current(),
			 LAB_SITE);
}

static unsigned long pa_pfn(void *h)
{
	return gen_pool_virt_to_pfn(P.pool, (unsigned long)h);
}

/* ---- rings ---------------------------------------------------------- */

static unsigned long ring_lock(struct pool_ring *r)
{
	unsigned long flags = 0;

	if (r->kind == RING_BH)
		spin_lock_bh(&r->lock);
	else
		spin_lock_irqsave(&r->lock, flags);
	return flags;
}

static void ring_unlock(struct pool_ring *r, unsigned long flags)
{
	if (r->kind == RING_BH)
		spin_unlock_bh(&r->lock);
	else
		spin_unlock_irqrestore(&r->lock, flags);
}

/* GIVE is emitted before the block is visible in the ring, TAKE after it left. */
static int pa_give(int chan, void *h, unsigned int order)
{
	struct pool_ring *r = &P.ring[chan];
	unsigned long flags;
	unsigned int head;

	if (r->kind == RING_SPSC) {
		race_point();
		head = READ_ONCE(r->head);
		if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == RING_SIZE)
			return -ENOSPC;
		gen_pool_give(P.pool, (unsigned long)h, order_bytes(order), chan);
		r->slot[head % RING_SIZE].addr = (unsigned long)h;
		r->slot[head % RING_SIZE].order = order;
		race_point();
		__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
		return 0;
	}
	flags = ring_lock(r);
	if (r->head - r->tail == RING_SIZE) {
		ring_unlock(r, flags);
		return -ENOSPC;
	}
	gen_pool_give(P.pool, (unsigned long)h, order_bytes(order), chan);
	r->slot[r->head % RING_SIZE].addr = (unsigned long)h;
	r->slot[r->head % RING_SIZE].order = order;
	r->head++;
	ring_unlock(r, flags);
	return 0;
}

static void *pa_take(int chan, unsigned int *order)
{
	struct pool_ring *r = &P.ring[chan];
	unsigned long flags, addr;
	unsigned int tail;

	if (r->kind == RING_SPSC) {
		race_point();
		tail = READ_ONCE(r->tail);
		if (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == tail)
			return NULL;
		addr = r->slot[tail % RING_SIZE].addr;
		*order = r->slot[tail % RING_SIZE].order;
		race_point();
		__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	} else {
		flags = ring_lock(r);
		if (r->head == r->tail) {
			ring_unlock(r, flags);
			return NULL;
		}
		addr = r->slot[r->tail % RING_SIZE].addr;
		*order = r->slot[r->tail % RING_SIZE].order;
		r->tail++;
		ring_unlock(r, flags);
	}
	gen_pool_take(P.pool, addr, order_bytes(*order), chan);
	return (void *)addr;
}

/* ---- exhaustion ----------------------------------------------------- */

/*
 * enum prog_line to free frames left. The pool keeps no reserve for
 * anyone, so every line at or below "atomic" means empty; the upper
 * lines are fractions of the pool, so pressure comes in steps too.
 */
static long line_free(int line)
{
	unsigned long total = (unsigned long)POOL_NR_CHUNKS * POOL_CHUNK_FRAMES;

	switch (line) {
	case LINE_HIGH:	return (long)(total / 8);
	case LINE_LOW:	return (long)(total / 16);
	case LINE_MIN:	return (long)(total / 32);
	default:	return 0;
	}
}

/* The fill band on the same fractions as the exhaust lines above. */
static int pa_band(void)
{
	long free = (long)(gen_pool_avail(P.pool) >> POOL_GRANULE_ORDER);

	if (free > line_free(LINE_HIGH))
		return MM_BAND_ABOVE_HIGH;
	if (free > line_free(LINE_LOW))
		return MM_BAND_HIGH_LOW;
	if (free > line_free(LINE_MIN))
		return MM_BAND_LOW_MIN;
	return MM_BAND_BELOW_MIN;
}

static void pa_exhaust(int zone, int line)
{
	gen_pool_ballast_fill(P.pool, line_free(line));
}

static void pa_release(void)
{
	gen_pool_ballast_release(P.pool);
}

/*
 * Conservation (DESIGN.md section 4, for the pool): the ledger's counts
 * equal the pool's census place by place. Called at the
 * end of the run, with nothing running.
 */
static void pa_check_census(void)
{
	struct ledger_counts l;
	struct gen_pool_census c;
	unsigned long lfree;
	bool valid = true;

#ifdef LAB_DEBUG
	/* not DEBUG_CHECK(): with the machine stopped a BUG() has no run to end */
	valid = gen_pool_is_valid(P.pool);
#endif
	ledger_counts(&l);
	gen_pool_census(P.pool, &c);
	/* the table grows on demand: frames beyond it are free, frames beyond the pool too */
	lfree = l.place[LP_FREE] + c.total - l.total;
	if (valid && c.free + c.owned + c.in_flight + c.ballast == c.total &&
	    lfree == c.free && l.place[LP_OWNED] == c.owned &&
	    l.place[LP_FLIGHT] == c.in_flight && l.place[LP_BALLAST] == c.ballast &&
	    !l.place[LP_POOLED] && !l.place[LP_CACHED])
		return;
	report_begin(REPORT_INVARIANT, "pool_check_census", LAB_CTX_TASK);
	report_printf("BUG: labyrinth: conservation broken: the pool's census and the ownership ledger disagree\n");
	report_printf("place          pool   ledger\n");
	report_printf("free      %9lu %8lu   (free = clear bits of the bitmap)\n", c.free, lfree);
	report_printf("owned     %9lu %8lu\n", c.owned, l.place[LP_OWNED]);
	report_printf("in flight %9lu %8lu\n", c.in_flight, l.place[LP_FLIGHT]);
	report_printf("ballast   %9lu %8lu\n", c.ballast, l.place[LP_BALLAST]);
	report_printf("elsewhere %9d %8lu\n", 0, l.place[LP_POOLED] + l.place[LP_CACHED]);
	report_printf("total     %9lu %8lu\n", c.total, l.total);
	if (!valid)
		report_printf("gen_pool_is_valid(): the bitmap, avail or the counters are out of step\n");
	report_end();
}

/* End of run, on actor 0: take back what the rings hold, then check. */
static void pa_drain_channels(void)
{
	unsigned int order;
	void *h;
	int i;

	for (i = 0; i < PROG_NR_CHANS; i++)
		while ((h = pa_take(i, &order)))
			pa_free(h, order);
	pa_check_census();
}

const struct lab_alloc_ops lab_alloc_pool = {
	.name = "pool",
	.init = pa_init,
	.exit = pa_exit,
	.alloc = pa_alloc,
	.free = pa_free,
	.touch = pa_touch,
	.give = pa_give,
	.take = pa_take,
	.exhaust = pa_exhaust,
	.release = pa_release,
	.band = pa_band,
	.pfn = pa_pfn,
	.drain_channels = pa_drain_channels,
};

#ifdef LAB_ALLOC_POOL_DEFAULT
#include "fuzz/interp.h"

/*
 * Build-time selection. Compiled a second time with
 * -DLAB_ALLOC_POOL_DEFAULT and linked with -Wl,--wrap=interp_run
 * (pool/build.mk), this file makes the pool the allocator of whatever it
 * is linked into -- the labyrinth command, the ops fuzz target -- with no
 * line changed there: every interp_run() that names no allocator runs on
 * the pool. A caller that names one keeps it.
 */
int __real_interp_run(const struct program *p, const struct interp_config *cfg,
		      struct interp_result *res);
int __wrap_interp_run(const struct program *p, const struct interp_config *cfg,
		      struct interp_result *res);

int __wrap_interp_run(const struct program *p, const struct interp_config *cfg,
		      struct interp_result *res)
{
	struct interp_config c = { 0 };

	if (cfg)
		c = *cfg;
	if (!c.ops)
		c.ops = &lab_alloc_pool;
	return __real_interp_run(p, &c, res);
}
#endif
