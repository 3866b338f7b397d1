// SPDX-License-Identifier: MIT
/*
 * alloc_pool.c: the adapter for pool/, the genalloc-style special-memory
 * pool (pool/genpool.h) -- the worked example of docs/adapters.md. One
 * file and the line ALLOC(pool, pool) of fuzz/allocs.def plug it into
 * the fuzz programs, the scenarios, the ownership ledger, fault
 * injection and the zoo switches:
 *
 *   events	the pool's listener is ledger_event(), and the ledger finds
 *		frame memory (for owners' stamps) through ledger_set_memory();
 *   faults	the pool's hook asks mm_should_fail(), the hook the
 *		interpreter and faultinject/ install, so fault plans and
 *		"fail the next N" reach the pool unchanged;
 *   channels	rings of pool blocks by id, of the kinds of channel.h
 *		(CHAN_LOCKED: irqsave lock, CHAN_LOCKED_BH: bh lock,
 *		CHAN_SPSC: lock-free single producer, single consumer);
 *   mempools	mm/mempool.c's algorithm over pool blocks, as a driver
 *		would build one with mempool_create() over gen_pool_alloc():
 *		the pool has none of its own (genalloc has none either);
 *   exhaust	the pool's ballast, to fixed fractions of the pool (it has
 *		no watermarks: docs/pool.md);
 *   census	at the end of a run, the pool's census against the ledger's
 *		counts, place by place.
 *
 * The pool has no per-CPU lists and no kswapd: those ops are NULL and
 * the interpreter skips them. The reserve oracle judges watermark
 * decisions only and the pool makes none, so it stays silent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/channel.h>
#include <labyrinth/fault_sites.h>
#include "check/ledger.h"
#include "check/report.h"
#include "pool/genpool.h"
#include "fuzz/alloc_ops.h"
#include "fuzz/program_int.h"

#define POOL_GRANULE_ORDER	6	/* 64-byte granules */
#define POOL_PROG_FRAMES	1024	/* programs: as mm.h's default machine */
#define POOL_NR_CHUNKS		2
#define POOL_CHUNK_ALIGN	(POOL_NR_CHUNKS * GEN_POOL_BITS_PER_WORD)
#define PROG_RING_SIZE		8	/* small: a full ring is a path worth reaching */
#define PROG_MEMPOOL_NR		2	/* as alloc_labyrinth.c's */

/*
 * A transfer ring of pool blocks. head counts gives, tail takes.
 * Invariant: 0 <= head - tail <= size (a power of two <= CHAN_MAX_SLOTS);
 * slots [tail, head) hold blocks given exactly once and not yet taken.
 * Locked kinds: everything under lock. SPSC: head written by the one
 * producer (store-release after the slot), tail by the one consumer
 * (store-release after reading the slot); legalization (programs) and
 * the scenario's contract guarantee one of each.
 */
struct pool_ring {
	bool up;
	enum chan_kind kind;
	unsigned int size;
	spinlock_t lock;
	unsigned int head;
	unsigned int tail;
	struct {
		unsigned long addr;
		unsigned int order;
	} slot[CHAN_MAX_SLOTS];
};

/*
 * A mempool of pool blocks (mm/mempool.c). Invariant: 0 <= curr_nr <=
 * min_nr <= MEMPOOL_MAX_NR; elem[0, curr_nr) are blocks of 2^order
 * granules in the reserve, "pooled" for the ledger (POOL_IN before an
 * element enters, POOL_OUT after it left, sent here: the pool itself
 * knows nothing of mempools and counts their elements as owned).
 */
struct pool_mempool {
	bool up;
	int min_nr;
	int curr_nr;
	unsigned int order;
	spinlock_t lock;
	wait_queue_head_t wait;
	unsigned long elem[MEMPOOL_MAX_NR];
};

/*
 * Per-run state. Invariant: pool and mem are both set from a successful
 * set-up to pa_exit(), both NULL otherwise; pool's chunks are mem,
 * nr_frames granules; prog <=> pa_init_objects() made the programs'
 * rings 0..PROG_NR_CHANS-1.
 */
static struct {
	bool prog;
	struct gen_pool *pool;
	void *mem;
	unsigned long nr_frames;
	struct pool_ring ring[LAB_MAX_CHANS];
	struct pool_mempool mp[LAB_MAX_POOLS];
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

/* A pool of frames granules (rounded up to whole bitmap words per chunk). */
static int pa_setup(unsigned long frames)
{
	size_t chunk;
	int i, err;

	memset(P.ring, 0, sizeof(P.ring));
	memset(P.mp, 0, sizeof(P.mp));
	P.prog = false;
	frames = (frames + POOL_CHUNK_ALIGN - 1) / POOL_CHUNK_ALIGN * POOL_CHUNK_ALIGN;
	chunk = (frames / POOL_NR_CHUNKS) << POOL_GRANULE_ORDER;
	P.nr_frames = frames;
	P.mem = aligned_alloc(4096, POOL_NR_CHUNKS * chunk);
	P.pool = gen_pool_create(POOL_GRANULE_ORDER, 0, "sram");
	if (!P.mem || !P.pool) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < POOL_NR_CHUNKS; i++) {
		err = gen_pool_add(P.pool, (unsigned long)P.mem + i * chunk, chunk);
		if (err)
			goto out;
	}
	err = gen_pool_listen(P.pool, ledger_event, NULL);
	if (err)
		goto out;
	gen_pool_set_fault_hook(P.pool, pa_fault, NULL);
	ledger_set_memory(pa_frame_memory, NULL);
	return 0;
out:
	gen_pool_destroy(P.pool);
	free(P.mem);
	P.pool = NULL;
	P.mem = NULL;
	return err;
}

static int pa_init(const struct prog_machine *m)
{
	return pa_setup(POOL_PROG_FRAMES);
}

/*
 * A scenario's memory: as many granules as its zones have pages. The
 * rest of the shape (watermarks, per-CPU lists, the reclaimable pool,
 * kswapd) has no meaning for the pool and is ignored.
 */
static int pa_init_config(const struct mm_config *cfg)
{
	unsigned long frames = 0;
	int z;

	for (z = 0; z < MAX_NR_ZONES; z++)
		frames += cfg->zone_pages[z];
	return pa_setup(frames ? frames : POOL_PROG_FRAMES);
}

static void pa_exit(void)
{
	/* a run the detectors stopped leaves blocks behind: nothing to judge here */
	gen_pool_destroy(P.pool);
	free(P.mem);
	P.pool = NULL;
	P.mem = NULL;
	memset(P.ring, 0, sizeof(P.ring));
	memset(P.mp, 0, sizeof(P.mp));
}

static void *pa_alloc(gfp_t gfp, unsigned int order, const struct lab_site *site)
{
	return (void *)__gen_pool_alloc(P.pool, order_bytes(order), gfp, LAB_OP_SITE(site));
}

static void pa_free(void *h, unsigned int order, const struct lab_site *site)
{
	__gen_pool_free(P.pool, (unsigned long)h, order_bytes(order), LAB_OP_SITE(site));
}

static void pa_touch(void *h, const struct lab_site *site)
{
	ledger_touch_pfn(gen_pool_virt_to_pfn(P.pool, (unsigned long)h), lab_current(),
			 LAB_OP_SITE(site));
}

static unsigned long pa_pfn(void *h)
{
	return gen_pool_virt_to_pfn(P.pool, (unsigned long)h);
}

/* ---- rings ---------------------------------------------------------- */

static int pa_chan_init(int chan, int kind, unsigned int size)
{
	/* a lock class per kind, as channel.c: the irqsave ring is irq-safe, bhring is not */
	static struct lock_class_key keys[CHAN_KIND_NR];
	static const char *const names[CHAN_KIND_NR] = {
		[CHAN_LOCKED] = "&ring->lock", [CHAN_LOCKED_BH] = "&bhring->lock",
		[CHAN_SPSC] = "&spsc->lock",
	};
	struct pool_ring *r;
	unsigned int n = 1;

	if (chan < 0 || chan >= LAB_MAX_CHANS || kind < 0 || kind >= CHAN_KIND_NR ||
	    !size || size > CHAN_MAX_SLOTS)
		return -EINVAL;
	while (n < size)
		n <<= 1;
	r = &P.ring[chan];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->size = n;
	lab_spin_lock_init(&r->lock, names[kind], &keys[kind]);
	r->up = true;
	return 0;
}

static unsigned long ring_lock(struct pool_ring *r)
{
	unsigned long flags = 0;

	if (r->kind == CHAN_LOCKED_BH)
		spin_lock_bh(&r->lock);
	else
		spin_lock_irqsave(&r->lock, flags);
	return flags;
}

static void ring_unlock(struct pool_ring *r, unsigned long flags)
{
	if (r->kind == CHAN_LOCKED_BH)
		spin_unlock_bh(&r->lock);
	else
		spin_unlock_irqrestore(&r->lock, flags);
}

/* GIVE is emitted before the block is visible in the ring, TAKE after it left. */
static int pa_give(int chan, void *h, unsigned int order, const struct lab_site *site)
{
	struct pool_ring *r = &P.ring[chan];
	unsigned long flags;
	unsigned int head;

	site = LAB_OP_SITE(site);
	if (r->kind == CHAN_SPSC) {
		race_point();
		head = READ_ONCE(r->head);
		if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= r->size)
			return -ENOSPC;
		__gen_pool_give(P.pool, (unsigned long)h, order_bytes(order), chan, site);
		r->slot[head & (r->size - 1)].addr = (unsigned long)h;
		r->slot[head & (r->size - 1)].order = order;
		race_point();
		__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
		return 0;
	}
	flags = ring_lock(r);
	if (r->head - r->tail >= r->size) {
		ring_unlock(r, flags);
		return -ENOSPC;
	}
	__gen_pool_give(P.pool, (unsigned long)h, order_bytes(order), chan, site);
	r->slot[r->head & (r->size - 1)].addr = (unsigned long)h;
	r->slot[r->head & (r->size - 1)].order = order;
	r->head++;
	ring_unlock(r, flags);
	return 0;
}

static void *pa_take(int chan, unsigned int *order, const struct lab_site *site)
{
	struct pool_ring *r = &P.ring[chan];
	unsigned long flags, addr;
	unsigned int tail;

	if (r->kind == CHAN_SPSC) {
		race_point();
		tail = READ_ONCE(r->tail);
		if (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == tail)
			return NULL;
		addr = r->slot[tail & (r->size - 1)].addr;
		*order = r->slot[tail & (r->size - 1)].order;
		race_point();
		__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	} else {
		flags = ring_lock(r);
		if (r->head == r->tail) {
			ring_unlock(r, flags);
			return NULL;
		}
		addr = r->slot[r->tail & (r->size - 1)].addr;
		*order = r->slot[r->tail & (r->size - 1)].order;
		r->tail++;
		ring_unlock(r, flags);
	}
	__gen_pool_take(P.pool, addr, order_bytes(*order), chan, LAB_OP_SITE(site));
	return (void *)addr;
}

/* ---- mempools ------------------------------------------------------- */

/* An event about a reserve element, to the pool's listeners (the ledger). */
static void mp_emit(enum mm_event_kind kind, int id, unsigned long addr, unsigned int order,
		    gfp_t gfp, const struct lab_site *site)
{
	struct mm_event ev;
	int i;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.who = lab_current();
	ev.pfn = addr ? gen_pool_virt_to_pfn(P.pool, addr) : ~0UL;
	ev.order = order;
	ev.gfp = gfp;
	ev.zone = -1;
	ev.chan = id;
	ev.site = site;
	for (i = 0; i < P.pool->nr_listeners; i++)
		P.pool->listen[i](&ev, P.pool->listen_arg[i]);
}

/* add_element(): mp->lock held; the event goes out before anyone can take it. */
static void mp_add(struct pool_mempool *mp, int id, unsigned long addr)
{
	BUG_ON(mp->curr_nr >= mp->min_nr);
	mp_emit(MM_EV_POOL_IN, id, addr, mp->order, 0, LAB_SITE);
	mp->elem[mp->curr_nr] = addr;
	WRITE_ONCE(mp->curr_nr, mp->curr_nr + 1);
}

static int pa_pool_init(int id, int min_nr, unsigned int order)
{
	static struct lock_class_key key;
	struct pool_mempool *mp;
	unsigned long flags, addr;

	if (id < 0 || id >= LAB_MAX_POOLS || min_nr < 0 || min_nr > MEMPOOL_MAX_NR ||
	    order > GEN_POOL_MAX_ORDER || P.mp[id].up)
		return -EINVAL;
	mp = &P.mp[id];
	memset(mp, 0, sizeof(*mp));
	lab_spin_lock_init(&mp->lock, "&mempool->lock", &key);
	init_waitqueue_head(&mp->wait);
	mp->min_nr = min_nr;
	mp->order = order;
	mp->up = true;
	while (mp->curr_nr < mp->min_nr) {
		addr = gen_pool_alloc_gfp(P.pool, order_bytes(order), GFP_KERNEL);
		if (!addr)
			return -ENOMEM;		/* pa_exit() frees what was filled */
		spin_lock_irqsave(&mp->lock, flags);
		mp_add(mp, id, addr);
		spin_unlock_irqrestore(&mp->lock, flags);
	}
	return 0;
}

/*
 * mempool_alloc(): the pool first (its gfp is recorded, never obeyed,
 * but the fault plan's filters read it), then the reserve; a caller
 * that may block then waits for an element to come back, one that may
 * not gets NULL at once.
 */
static void *pa_pool_alloc(int id, gfp_t gfp)
{
	struct pool_mempool *mp = &P.mp[id];
	unsigned long flags, addr, seq;
	gfp_t gfp_temp;

	if (gfpflags_allow_blocking(gfp))
		might_sleep();
	gfp |= __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
	gfp_temp = gfp & ~(__GFP_DIRECT_RECLAIM | __GFP_IO);
repeat:
	addr = 0;
	if (!mm_should_fail(FAULT_SITE_MEMPOOL_ELEM, gfp_temp, mp->order))
		addr = gen_pool_alloc_gfp(P.pool, order_bytes(mp->order), gfp_temp);
	if (addr)
		return (void *)addr;
	spin_lock_irqsave(&mp->lock, flags);
	if (mp->curr_nr) {
		WRITE_ONCE(mp->curr_nr, mp->curr_nr - 1);
		addr = mp->elem[mp->curr_nr];
		spin_unlock_irqrestore(&mp->lock, flags);
		mp_emit(MM_EV_POOL_OUT, id, addr, mp->order, gfp, LAB_SITE);
		return (void *)addr;
	}
	if (gfp_temp != gfp) {
		spin_unlock_irqrestore(&mp->lock, flags);
		gfp_temp = gfp;
		goto repeat;
	}
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		spin_unlock_irqrestore(&mp->lock, flags);
		return NULL;
	}
	/* prepared under the lock: a free after the unlock wakes us */
	seq = lab_wait_prepare(&mp->wait);
	spin_unlock_irqrestore(&mp->lock, flags);
	mp_emit(MM_EV_SLEEP, id, 0, 0, gfp, LAB_SITE);
	lab_wait_sleep(&mp->wait, seq, LAB_SITE);
	goto repeat;
}

static void pa_pool_free(int id, void *h)
{
	struct pool_mempool *mp = &P.mp[id];
	unsigned long flags;

	if (READ_ONCE(mp->curr_nr) < mp->min_nr) {
		spin_lock_irqsave(&mp->lock, flags);
		if (mp->curr_nr < mp->min_nr) {
			mp_add(mp, id, (unsigned long)h);
			spin_unlock_irqrestore(&mp->lock, flags);
			wake_up(&mp->wait);
			return;
		}
		spin_unlock_irqrestore(&mp->lock, flags);
	}
	gen_pool_free(P.pool, (unsigned long)h, order_bytes(mp->order));
}

/* End of run: the reserve goes back to the pool (mempool_exit()). */
static void mp_drain(int id)
{
	struct pool_mempool *mp = &P.mp[id];
	unsigned long addr;

	while (mp->curr_nr) {
		addr = mp->elem[--mp->curr_nr];
		mp_emit(MM_EV_POOL_OUT, id, addr, mp->order, 0, LAB_SITE);
		gen_pool_free(P.pool, addr, order_bytes(mp->order));
	}
}

/* The programs' objects (docs/programs.md): four rings, two mempools. */
static int pa_init_objects(void)
{
	static const enum chan_kind kinds[PROG_NR_CHANS] = {
		[CHAN_RING] = CHAN_LOCKED, [CHAN_BHRING] = CHAN_LOCKED_BH,
		[CHAN_SPSC0] = CHAN_SPSC, [CHAN_SPSC1] = CHAN_SPSC,
	};
	int i, err;

	for (i = 0; i < PROG_NR_CHANS; i++) {
		err = pa_chan_init(i, kinds[i], PROG_RING_SIZE);
		if (err)
			return err;
	}
	for (i = 0; i < PROG_NR_POOLS; i++) {
		err = pa_pool_init(i, PROG_MEMPOOL_NR, i);
		if (err)
			return err;
	}
	P.prog = true;
	return 0;
}

/* ---- exhaustion ----------------------------------------------------- */

/*
 * enum prog_line to free frames left. The pool keeps no reserve for
 * anyone, so every line at or below "atomic" means empty; the upper
 * lines are fractions of the pool, so pressure comes in steps too.
 */
static long line_free(int line)
{
	unsigned long total = P.nr_frames;

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
 * equal the pool's census place by place (a mempool's reserve is owned
 * for the pool, pooled for the ledger), and frame by frame the bitmap
 * holds reserved exactly the frames the ledger says someone holds. Called
 * at the end of the run, with nothing running; false (and a report) when
 * they disagree.
 *
 * Frame by frame, and before the rings are drained: a reservation lost
 * by a racy clear leaves a block in a ring whose bits are clear, and
 * freeing it would BUG() outside the run, where nothing can end (the
 * tools would abort). Checked first, it is a report like any other.
 */
static bool pa_check_census(void)
{
	unsigned long lfree, pfn, bad = 0, first = 0;
	struct gen_pool_census c;
	struct ledger_counts l;
	bool valid = true, busy, held;

#ifdef LAB_DEBUG
	/* not DEBUG_CHECK(): with the machine stopped a BUG() has no run to end */
	valid = gen_pool_is_valid(P.pool);
#endif
	ledger_counts(&l);
	gen_pool_census(P.pool, &c);
	for (pfn = 0; pfn < c.total; pfn++) {
		busy = gen_pool_frame_busy(P.pool, pfn);
		held = pfn < l.total && ledger_place_of(pfn) != LP_FREE;
		if (busy != held && !bad++)
			first = pfn;
	}
	/* the table grows on demand: frames beyond it are free, frames beyond the pool too */
	lfree = l.place[LP_FREE] + c.total - l.total;
	if (valid && !bad && c.free + c.owned + c.in_flight + c.ballast == c.total &&
	    lfree == c.free && l.place[LP_OWNED] + l.place[LP_POOLED] == c.owned &&
	    l.place[LP_FLIGHT] == c.in_flight && l.place[LP_BALLAST] == c.ballast &&
	    !l.place[LP_CACHED])
		return true;
	report_begin(REPORT_INVARIANT, "pool_check_census", LAB_CTX_TASK);
	report_printf("BUG: labyrinth: conservation broken: the pool's census and the ownership ledger disagree\n");
	report_printf("place          pool   ledger\n");
	report_printf("free      %9lu %8lu   (free = clear bits of the bitmap)\n", c.free, lfree);
	report_printf("owned     %9lu %8lu   (ledger: owned + in a mempool)\n", c.owned,
		      l.place[LP_OWNED] + l.place[LP_POOLED]);
	report_printf("in flight %9lu %8lu\n", c.in_flight, l.place[LP_FLIGHT]);
	report_printf("ballast   %9lu %8lu\n", c.ballast, l.place[LP_BALLAST]);
	report_printf("elsewhere %9d %8lu\n", 0, l.place[LP_CACHED]);
	report_printf("total     %9lu %8lu\n", c.total, l.total);
	if (bad)
		report_printf("%lu frames where the bitmap and the ledger disagree, first pfn 0x%lx: bitmap %s, ledger %s\n",
			      bad, first, gen_pool_frame_busy(P.pool, first) ? "reserved" : "free",
			      ledger_place_name(first < l.total ? ledger_place_of(first) : LP_FREE));
	if (!valid)
		report_printf("gen_pool_is_valid(): the bitmap, avail or the counters are out of step\n");
	report_end();
	return false;
}

/*
 * End of run, on actor 0: check the census first (above), then take back
 * what the programs' rings hold (a scenario's rings are its own
 * finish()'s: what it leaves there is a leak), give the mempools'
 * reserves back to the pool (the ledger's own end-of-run conservation
 * check knows only mm.h's census, in which nothing is pooled), and check
 * again.
 */
static void pa_drain_channels(void)
{
	unsigned int order;
	void *h;
	int i;

	if (!pa_check_census())
		return;
	for (i = 0; P.prog && i < PROG_NR_CHANS; i++)
		while ((h = pa_take(i, &order, NULL)))
			pa_free(h, order, NULL);
	for (i = 0; i < LAB_MAX_POOLS; i++)
		if (P.mp[i].up)
			mp_drain(i);
	pa_check_census();
}

const struct lab_alloc_ops lab_alloc_pool = {
	.name = "pool",
	.init = pa_init,
	.init_config = pa_init_config,
	.init_objects = pa_init_objects,
	.exit = pa_exit,
	.alloc = pa_alloc,
	.free = pa_free,
	.touch = pa_touch,
	.chan_init = pa_chan_init,
	.give = pa_give,
	.take = pa_take,
	.pool_init = pa_pool_init,
	.pool_alloc = pa_pool_alloc,
	.pool_free = pa_pool_free,
	.exhaust = pa_exhaust,
	.release = pa_release,
	.band = pa_band,
	.pfn = pa_pfn,
	.drain_channels = pa_drain_channels,
};
