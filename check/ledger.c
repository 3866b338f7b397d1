// SPDX-License-Identifier: MIT
/*
 * The ownership ledger: see ledger.h for the places and docs/ownership.md
 * for the rules. This file is the table and its state machine, fed by
 * ledger_event() and the touches; ledger_mm.c binds it to the allocator.
 *
 * Concurrency: on real threads the allocator emits events from every CPU
 * and from simulated hardirqs (signals), so the table sits behind one
 * lock taken with every signal blocked (an interrupt that emits an event
 * while its CPU is inside the ledger would otherwise spin forever). The
 * lock is a bare atomic flag in code ThreadSanitizer does not instrument:
 * a pthread mutex would give TSan a happens-before edge at every event
 * and hide the very allocator races it is there to find. On the
 * simulated machine (one OS thread) ledger_set_serial() drops both.
 *
 * Event order is the ledger's linearization: the allocator emits the
 * event that makes a frame free (FREE, RECLAIM, BALLAST_OUT) before the
 * frame becomes allocatable again, and the event that takes it (ALLOC,
 * POOL_OUT, BALLAST_IN) after it left the free lists; GIVE before the
 * frame is published in a channel, TAKE after it was removed. With that
 * discipline any interleaving gives a legal sequence of events for a
 * correct allocator, so every report is a real bug, not a race of the
 * detector.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include "check/ledger.h"
#include "check/ledger_int.h"
#include "check/report.h"
#include "check/checker_lock.h"

/* NOTSAN, TSAN_IGNORE_*, checker_lock(): check/checker_lock.h */
/*
 * The table's own bookkeeping (frame records, the dirty map) runs
 * without ASan checks: it touches only the table, whose bounds
 * table_grow() makes good before every event, and the checked record
 * copies were a tenth of a fuzz run (docs/decisions.md, "Executions
 * per second"). Client memory (stamps) stays checked.
 */
#define NOASAN		__attribute__((no_sanitize("address")))
#define LEDGER_HIST	6
#define STAMP_MAGIC	0x4c4544474552a5a5ULL	/* "LEDGER" */

/* One change of place, for a frame's history (page_owner keeps the last). */
struct ledger_act {
	unsigned char op;		/* enum mm_event_kind */
	struct lab_owner who;
	int chan;
	unsigned int order;
	gfp_t gfp;
	const struct lab_site *site;
	unsigned long seq;		/* ledger event number */
};

/* What an owner writes at the start of its frame when it touches it. */
struct ledger_stamp {
	unsigned long long magic;
	unsigned long pfn;
	int actor;
	int ctx;
	unsigned long gen;
};

/*
 * One frame. Every frame of a block carries the block's record, so any
 * pfn answers for its block without a walk.
 * Invariants:
 *	head <= pfn < head + (1 << order) while place != LP_FREE, and every
 *	frame of that range has the same place, head, order and gen;
 *	place == LP_OWNED: owner is the holder;
 *	place == LP_FLIGHT: owner is the giver, chan the channel;
 *	place == LP_POOLED: chan is the mempool id;
 *	stamped => the frame's memory holds expect (checked on take/free).
 */
struct ledger_frame {
	unsigned char place;		/* enum ledger_place */
	unsigned char order;
	bool stamped;
	bool retired;			/* owner retired: ledger_actor_exit() */
	int zone;			/* learned from events, -1 unknown */
	unsigned long head;
	unsigned long gen;		/* bumped at every change of holder */
	struct lab_owner owner;
	int chan;
	struct ledger_act alloc;	/* the allocation that made the block */
	struct ledger_act hist[LEDGER_HIST]; /* ring, last changes */
	unsigned int nhist;		/* changes recorded, ever */
	struct ledger_stamp expect;
};

/* Bits of the dirty map in one word. */
#define DIRTY_BITS	(8 * sizeof(unsigned long))

/*
 * The ledger. Invariants:
 *	count[p] == #{ f < nr : frame[f].place == p }, Σ count == nr
 *	(frames beyond nr are free and have no record);
 *	busy_zone[z] == #{ f : place != LP_FREE && zone == z } for
 *	0 <= z < MAX_NR_ZONES, busy_unknown the same for zone < 0;
 *	a frame whose dirty bit is clear holds frame_reset()'s record.
 *
 * The dirty map and the busy counters are there for speed only: a run
 * moves a few hundred of the table's frames, and ledger_reset() (every
 * run) and ledger_zone_free() (every watermark check the oracle sees)
 * used to walk all of them (docs/decisions.md, "Executions per second").
 */
static struct {
	int lock;			/* bare flag, see the top comment */
	bool serial;
	bool attached;
	unsigned long nr;		/* frames with a record */
	struct ledger_frame *frame;
	unsigned long *dirty;		/* bit per frame: changed since init */
	unsigned long count[LP_NR];
	long busy_zone[MAX_NR_ZONES];	/* not-free frames per known zone */
	long busy_unknown;		/* not-free frames of no known zone */
	unsigned long seq;
	void *(*mem)(unsigned long pfn, void *arg);
	void *mem_arg;
	int retired[64];		/* actors retired by ledger_actor_exit() */
	int nr_retired;
} L;

static const char *const place_names[LP_NR] = {
	[LP_FREE]	= "free",
	[LP_OWNED]	= "owned",
	[LP_FLIGHT]	= "in flight",
	[LP_POOLED]	= "pooled",
	[LP_CACHED]	= "reclaimable",
	[LP_BALLAST]	= "ballast",
};

static const char *const op_names[MM_EV_KIND_NR] = {
	[MM_EV_ALLOC]		= "alloc",
	[MM_EV_ALLOC_FAIL]	= "alloc-fail",
	[MM_EV_FREE]		= "free",
	[MM_EV_GIVE]		= "give",
	[MM_EV_TAKE]		= "take",
	[MM_EV_WMARK]		= "wmark",
	[MM_EV_POOL_IN]		= "pool-in",
	[MM_EV_POOL_OUT]	= "pool-out",
	[MM_EV_CACHE_IN]	= "cache-in",
	[MM_EV_RECLAIM]		= "reclaim",
	[MM_EV_BALLAST_IN]	= "ballast-in",
	[MM_EV_BALLAST_OUT]	= "ballast-out",
	[MM_EV_SLEEP]		= "sleep",
};

/* Not an event kind: a touch, in the history. */
#define OP_TOUCH	MM_EV_KIND_NR

const char *ledger_place_name(enum ledger_place p)
{
	return (unsigned)p < LP_NR ? place_names[p] : "?";
}

static const char *op_name(unsigned int op)
{
	if (op == OP_TOUCH)
		return "touch";
	return op < MM_EV_KIND_NR ? op_names[op] : "?";
}

/* ---- locking ------------------------------------------------------- */

NOTSAN static void ledger_lock(sigset_t *old)
{
	checker_lock(&L.lock, L.serial, old);
}

NOTSAN static void ledger_unlock(sigset_t *old)
{
	checker_unlock(&L.lock, L.serial, old);
}

/* ---- the table ------------------------------------------------------ */

/*
 * A frame back to free with no history. The history ring and the
 * expected stamp are left as they are: nothing reads hist[] beyond
 * nhist, nor expect unless stamped, and a run leaves a few hundred
 * frames behind it (ledger_reset() runs before every run).
 */
NOTSAN NOASAN static void frame_reset(struct ledger_frame *f, unsigned long pfn)
{
	f->place = LP_FREE;
	f->order = 0;
	f->stamped = false;
	f->retired = false;
	f->zone = -1;
	f->head = pfn;
	f->gen = 0;
	f->owner = (struct lab_owner){ .cpu = 0, .ctx = 0, .actor = -1 };
	f->chan = -1;
	f->alloc = (struct ledger_act){ 0 };
	f->nhist = 0;
}

NOTSAN NOASAN static void frame_init(struct ledger_frame *f, unsigned long pfn)
{
	memset(f, 0, sizeof(*f));
	frame_reset(f, pfn);
}

NOASAN static void mark_dirty(unsigned long pfn)
{
	L.dirty[pfn / DIRTY_BITS] |= 1UL << (pfn % DIRTY_BITS);
}

/*
 * The first dirty frame at or after pfn, or L.nr. A clean frame is free
 * and heads itself, so walks that look for anything else (leaks, owned
 * frames) need only visit the dirty ones, in the same pfn order.
 */
NOASAN static unsigned long next_dirty(unsigned long pfn)
{
	unsigned long w = pfn / DIRTY_BITS, bits;

	if (pfn >= L.nr)
		return L.nr;
	bits = L.dirty[w] & (~0UL << (pfn % DIRTY_BITS));
	while (!bits) {
		if (++w >= (L.nr + DIRTY_BITS - 1) / DIRTY_BITS)
			return L.nr;
		bits = L.dirty[w];
	}
	pfn = w * DIRTY_BITS + __builtin_ctzl(bits);
	return pfn < L.nr ? pfn : L.nr;
}

#define for_each_dirty(i)	\
	for ((i) = next_dirty(0); (i) < L.nr; (i) = next_dirty((i) + 1))

/* The busy counters follow a frame leaving (-1) or entering (+1) a zone. */
NOASAN static void busy_add(int zone, long d)
{
	if (zone < 0)
		L.busy_unknown += d;
	else if (zone < MAX_NR_ZONES)
		L.busy_zone[zone] += d;
}

/* Make sure frames [0, end) have records. */
NOTSAN static int table_grow(unsigned long end)
{
	struct ledger_frame *f;
	unsigned long n, i, *d;
	size_t words;

	if (end <= L.nr)
		return 0;
	n = L.nr ? L.nr : 64;
	while (n < end)
		n *= 2;
	words = (n + DIRTY_BITS - 1) / DIRTY_BITS;
	d = realloc(L.dirty, words * sizeof(*d));
	if (!d)
		return -ENOMEM;
	L.dirty = d;
	f = realloc(L.frame, n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	/* n is a power of two >= 64: the new frames fill whole words */
	memset(d + (L.nr + DIRTY_BITS - 1) / DIRTY_BITS, 0,
	       (words - (L.nr + DIRTY_BITS - 1) / DIRTY_BITS) * sizeof(*d));
	for (i = L.nr; i < n; i++)
		frame_init(&f[i], i);
	L.count[LP_FREE] += n - L.nr;
	L.frame = f;
	L.nr = n;
	return 0;
}

NOTSAN int ledger_init(unsigned long nr_frames)
{
	ledger_exit();
	return table_grow(nr_frames);
}

NOTSAN int ledger_init_size(unsigned long nr_frames)
{
	sigset_t old;
	int err;

	ledger_lock(&old);
	err = table_grow(nr_frames);
	ledger_unlock(&old);
	return err;
}

/* Only the frames a run changed differ from frame_reset()'s record. */
NOTSAN void ledger_reset(void)
{
	unsigned long w, i;

	for (w = 0; w < (L.nr + DIRTY_BITS - 1) / DIRTY_BITS; w++) {
		while (L.dirty[w]) {
			i = w * DIRTY_BITS + __builtin_ctzl(L.dirty[w]);
			L.dirty[w] &= L.dirty[w] - 1;
			frame_reset(&L.frame[i], i);
		}
	}
	memset(L.count, 0, sizeof(L.count));
	memset(L.busy_zone, 0, sizeof(L.busy_zone));
	L.busy_unknown = 0;
	L.count[LP_FREE] = L.nr;
	L.seq = 0;
	L.nr_retired = 0;
}

NOTSAN void ledger_exit(void)
{
	free(L.frame);
	L.frame = NULL;
	free(L.dirty);
	L.dirty = NULL;
	L.nr = 0;
	memset(L.count, 0, sizeof(L.count));
	memset(L.busy_zone, 0, sizeof(L.busy_zone));
	L.busy_unknown = 0;
	L.seq = 0;
	L.nr_retired = 0;
	L.attached = false;
}

void ledger_set_serial(bool serial)
{
	L.serial = serial;
}

void ledger_set_memory(void *(*fn)(unsigned long, void *), void *arg)
{
	L.mem = fn;
	L.mem_arg = arg;
}

void ledger__set_attached(bool on)
{
	L.attached = on;
}

/* ---- formatting ---------------------------------------------------- */

const char *ledger_gfp_str(gfp_t gfp, char *buf, size_t len)
{
	static const struct { gfp_t mask; const char *name; } names[] = {
		/* compositions first, longest first, as show_gfp_flags() does */
		{ GFP_KERNEL, "GFP_KERNEL" },
		{ GFP_NOFS, "GFP_NOFS" },
		{ GFP_ATOMIC, "GFP_ATOMIC" },
		{ GFP_NOIO, "GFP_NOIO" },
		{ GFP_NOWAIT, "GFP_NOWAIT" },
		{ __GFP_DMA, "__GFP_DMA" },
		{ __GFP_HIGHMEM, "__GFP_HIGHMEM" },
		{ __GFP_DMA32, "__GFP_DMA32" },
		{ __GFP_MOVABLE, "__GFP_MOVABLE" },
		{ __GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
		{ __GFP_HIGH, "__GFP_HIGH" },
		{ __GFP_IO, "__GFP_IO" },
		{ __GFP_FS, "__GFP_FS" },
		{ __GFP_ZERO, "__GFP_ZERO" },
		{ __GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
		{ __GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
		{ __GFP_WRITE, "__GFP_WRITE" },
		{ __GFP_NOWARN, "__GFP_NOWARN" },
		{ __GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
		{ __GFP_NOFAIL, "__GFP_NOFAIL" },
		{ __GFP_NORETRY, "__GFP_NORETRY" },
		{ __GFP_MEMALLOC, "__GFP_MEMALLOC" },
		{ __GFP_COMP, "__GFP_COMP" },
		{ __GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
		{ __GFP_HARDWALL, "__GFP_HARDWALL" },
		{ __GFP_THISNODE, "__GFP_THISNODE" },
		{ __GFP_ACCOUNT, "__GFP_ACCOUNT" },
		{ __GFP_ZEROTAGS, "__GFP_ZEROTAGS" },
	};
	size_t i, n = 0;
	gfp_t left = gfp;

	if (!len)
		return buf;
	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(names) && left; i++) {
		if ((left & names[i].mask) != names[i].mask)
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			      n ? "|" : "", names[i].name);
		left &= ~names[i].mask;
	}
	if (left)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s0x%x",
			      n ? "|" : "", left);
	if (!gfp)
		snprintf(buf, len, "0");
	return buf;
}

static void print_owner(const char *label, struct lab_owner o)
{
	report_printf("%s cpu %d, %s, actor %s (%d)\n", label, o.cpu,
		      lab_ctx_name(o.ctx), lab_actor_name(o.actor), o.actor);
}

static void print_site(const char *indent, const struct lab_site *s)
{
	if (s)
		report_printf("%sat %s:%d in %s()\n", indent, s->file, s->line,
			      s->func);
	else
		report_printf("%sat an unknown site\n", indent);
}

static void print_act(const char *indent, const struct ledger_act *a)
{
	char g[160];

	report_printf("%s#%lu %-11s cpu %d %-7s actor %-8s", indent, a->seq,
		      op_name(a->op), a->who.cpu, lab_ctx_name(a->who.ctx),
		      lab_actor_name(a->who.actor));
	if (a->op == MM_EV_ALLOC)
		report_printf(" gfp %s order %u",
			      ledger_gfp_str(a->gfp, g, sizeof(g)), a->order);
	if (a->chan >= 0)
		report_printf(" chan %d", a->chan);
	if (a->site)
		report_printf(" at %s:%d in %s()\n", a->site->file,
			      a->site->line, a->site->func);
	else
		report_printf("\n");
}

/*
 * The record of a frame, page_owner style: where it is, who holds it,
 * who allocated it, and its last changes of place.
 */
static void print_frame(unsigned long pfn)
{
	const struct ledger_frame *f = &L.frame[pfn];
	unsigned int i, n;

	report_printf("page: pfn 0x%lx, block 0x%lx order %u, zone %d, %s",
		      pfn, f->head, f->order, f->zone,
		      ledger_place_name(f->place));
	if (f->place == LP_FLIGHT || f->place == LP_POOLED)
		report_printf(" (%s %d)",
			      f->place == LP_FLIGHT ? "channel" : "mempool",
			      f->chan);
	report_printf(", generation %lu\n", f->gen);
	if (f->place == LP_OWNED)
		print_owner("held by:", f->owner);
	else if (f->place == LP_FLIGHT)
		print_owner("given by:", f->owner);
	if (f->alloc.site || f->alloc.seq) {
		report_printf("page last allocated:\n");
		print_act("  ", &f->alloc);
	}
	n = min(f->nhist, (unsigned int)LEDGER_HIST);
	if (n) {
		report_printf("page history (oldest first):\n");
		for (i = f->nhist - n; i < f->nhist; i++)
			print_act("  ", &f->hist[i % LEDGER_HIST]);
	}
}

/* Begin a report on frame pfn whose offender is who at site. */
static void bug_begin(enum report_kind kind, const struct lab_site *site,
		      struct lab_owner who, const char *what, unsigned long pfn)
{
	report_begin(kind, site ? site->func : "unknown", who.ctx);
	report_printf("BUG: labyrinth: %s in %s\n", report_kind_name(kind),
		      site ? site->func : "unknown");
	report_printf("%s pfn 0x%lx\n", what, pfn);
	print_owner("offender:", who);
	print_site("  ", site);
}

/* ---- state changes -------------------------------------------------- */

static bool same_owner(struct lab_owner a, struct lab_owner b)
{
	/* The CPU does not name an owner: a task may migrate. */
	return a.actor == b.actor && a.ctx == b.ctx;
}

NOASAN static struct ledger_act act_of(const struct mm_event *ev, unsigned int op)
{
	struct ledger_act a = {
		.op = op, .who = ev->who, .chan = ev->chan, .order = ev->order,
		.gfp = ev->gfp, .site = ev->site, .seq = L.seq,
	};
	return a;
}

/* Move block [pfn, pfn + 2^order) to place p, recording act in each frame. */
NOASAN static void set_block(unsigned long pfn, unsigned int order, enum ledger_place p,
		      struct lab_owner owner, int chan, const struct ledger_act *a,
		      int zone)
{
	unsigned long i, n = 1UL << order;

	for (i = pfn; i < pfn + n; i++) {
		struct ledger_frame *f = &L.frame[i];

		mark_dirty(i);
		if (f->place != LP_FREE)
			busy_add(f->zone, -1);
		L.count[f->place]--;
		L.count[p]++;
		f->place = p;
		f->head = pfn;
		f->order = order;
		f->owner = owner;
		f->chan = chan;
		if (zone >= 0)
			f->zone = zone;
		if (p != LP_FREE)
			busy_add(f->zone, 1);
		if (a->op == MM_EV_ALLOC) {
			f->alloc = *a;
			f->retired = false;
		}
		if (a->op == MM_EV_ALLOC || a->op == MM_EV_TAKE ||
		    a->op == MM_EV_POOL_OUT || p == LP_FREE) {
			f->gen++;
			f->stamped = false;
		}
		f->hist[f->nhist % LEDGER_HIST] = *a;
		f->nhist++;
	}
}

/*
 * Before moving [pfn, pfn + 2^order) on a mismatched release (a free of
 * the wrong order, or of a tail): the frames of the blocks it cuts that
 * stay behind become blocks of their own, so every block stays whole.
 */
static void split_around(unsigned long pfn, unsigned int order)
{
	unsigned long end = pfn + (1UL << order), i, j;

	for (i = pfn; i < end; i++) {
		struct ledger_frame *f = &L.frame[i];
		unsigned long h = f->head, e = f->head + (1UL << f->order);

		if (f->place == LP_FREE || (h == pfn && e == end))
			continue;
		for (j = h; j < e && j < L.nr; j++) {
			if (j >= pfn && j < end)
				continue;
			mark_dirty(j);
			L.frame[j].head = j;
			L.frame[j].order = 0;
		}
	}
}

/* First frame of [pfn, pfn + 2^order) that is not in place p, or -1. */
static long first_not(unsigned long pfn, unsigned int order, enum ledger_place p)
{
	unsigned long i;

	for (i = pfn; i < pfn + (1UL << order); i++)
		if (L.frame[i].place != p)
			return (long)i;
	return -1;
}

/*
 * Someone acts as owner of a frame it does not hold. If its own last act
 * on the frame was to free or give it, that is use-after-free or
 * use-after-give; otherwise it is a second owner: double-own.
 */
static enum report_kind stranger_kind(unsigned long pfn, struct lab_owner who)
{
	const struct ledger_frame *f = &L.frame[pfn];
	unsigned int i, n = min(f->nhist, (unsigned int)LEDGER_HIST);

	/* Walk back to who's last act on the frame. */
	for (i = 0; i < n; i++) {
		const struct ledger_act *a =
			&f->hist[(f->nhist - 1 - i) % LEDGER_HIST];

		if (!same_owner(a->who, who))
			continue;
		if (a->op == MM_EV_FREE || a->op == MM_EV_POOL_IN ||
		    a->op == MM_EV_CACHE_IN)
			return REPORT_USE_AFTER_FREE;
		if (a->op == MM_EV_GIVE)
			return REPORT_USE_AFTER_GIVE;
		break;
	}
	if (f->place == LP_FREE)
		return REPORT_USE_AFTER_FREE;
	return REPORT_DOUBLE_OWN;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEDGER_ASAN 1
#endif
#endif
#ifdef LEDGER_ASAN
#include <sanitizer/asan_interface.h>
static bool frame_poisoned(void *p, size_t n)
{
	return __asan_region_is_poisoned(p, n) != NULL;
}
#else
static bool frame_poisoned(void *p, size_t n)
{
	return false;
}
#endif

/* Read and write stamps: the ledger's own business, never a client access. */
__attribute__((no_sanitize("address", "thread")))
static bool stamp_read(unsigned long pfn, struct ledger_stamp *out)
{
	void *p = L.mem ? L.mem(pfn, L.mem_arg) : NULL;

	if (!p)
		return false;
	memcpy(out, p, sizeof(*out));
	return true;
}

/*
 * Verify the stamp the holder left in block head pfn. A different stamp
 * means another owner wrote the same memory: report it as double-own,
 * naming the writer the stamp identifies. Returns false if it reported.
 */
static bool stamp_verify(unsigned long pfn, const struct mm_event *ev,
			 const char *when)
{
	struct ledger_frame *f = &L.frame[pfn];
	struct ledger_stamp s;
	struct lab_owner w;

	if (!f->stamped || !stamp_read(pfn, &s))
		return true;
	if (!memcmp(&s, &f->expect, sizeof(s)))
		return true;
	bug_begin(REPORT_DOUBLE_OWN, ev->site, ev->who,
		  "frame memory overwritten by another owner: stamp check failed on",
		  pfn);
	report_printf("on %s: expected stamp of actor %s (%d), %s, pfn 0x%lx, generation %lu\n",
		      when, lab_actor_name(f->expect.actor), f->expect.actor,
		      lab_ctx_name(f->expect.ctx), f->expect.pfn, f->expect.gen);
	if (s.magic != STAMP_MAGIC) {
		report_printf("found no stamp (0x%llx): the memory was written by a non-owner\n",
			      s.magic);
	} else {
		w.cpu = -1;
		w.ctx = s.ctx;
		w.actor = s.actor;
		report_printf("found stamp of actor %s (%d), %s, pfn 0x%lx, generation %lu\n",
			      lab_actor_name(s.actor), s.actor, lab_ctx_name(s.ctx),
			      s.pfn, s.gen);
		print_owner("other owner:", w);
		if (s.pfn < L.nr && s.pfn != pfn) {
			report_printf("the other owner holds it as:\n");
			print_frame(s.pfn);
		}
	}
	print_frame(pfn);
	report_end();
	return false;
}

static void on_alloc(const struct mm_event *ev, unsigned int op)
{
	struct ledger_act a = act_of(ev, op);
	enum ledger_place from = op == MM_EV_POOL_OUT ? LP_POOLED : LP_FREE;
	long bad = first_not(ev->pfn, ev->order, from);

	if (bad >= 0) {
		bug_begin(REPORT_DOUBLE_OWN, ev->site, ev->who, op == MM_EV_ALLOC ?
			  "allocator handed out a frame that is not free:" :
			  "mempool handed out an element it does not hold:",
			  (unsigned long)bad);
		report_printf("new owner gets order %u block 0x%lx via %s\n",
			      ev->order, ev->pfn, op_name(op));
		print_frame((unsigned long)bad);
		report_end();
	} else if (op == MM_EV_POOL_OUT && L.frame[ev->pfn].chan != ev->chan) {
		bug_begin(REPORT_DOUBLE_OWN, ev->site, ev->who,
			  "mempool handed out an element of another pool:", ev->pfn);
		report_printf("taken from mempool %d\n", ev->chan);
		print_frame(ev->pfn);
		report_end();
	}
	split_around(ev->pfn, ev->order);
	set_block(ev->pfn, ev->order, LP_OWNED, ev->who, -1, &a, ev->zone);
}

/* Whether the allocator carries out a release the ledger found wrong. */
static bool allocator_moves(unsigned int op, const struct ledger_frame *f,
			    const struct mm_event *ev)
{
	bool whole = f->head == ev->pfn && f->order == ev->order;

	switch (op) {
	case MM_EV_FREE:	/* refused: free, pcp, ballast, tail, wrong order */
		return whole && (f->place == LP_OWNED || f->place == LP_FLIGHT ||
				 f->place == LP_POOLED);
	case MM_EV_GIVE:	/* any owned frame goes in flight */
		return f->place == LP_OWNED;
	case MM_EV_POOL_IN:	/* add_element() takes whatever it is given */
		return true;
	case MM_EV_CACHE_IN:	/* only an owned order-0 block */
		return whole && f->place == LP_OWNED && !ev->order;
	}
	return false;
}

/*
 * The holder lets go of a block: free, give, pool-in, cache-in. Checks
 * that who holds exactly this block, then moves it to place p.
 */
static void on_release(const struct mm_event *ev, unsigned int op,
		       enum ledger_place p)
{
	struct ledger_act a = act_of(ev, op);
	struct ledger_frame *f = &L.frame[ev->pfn];
	enum report_kind kind;
	const char *what;

	if (f->place == LP_OWNED && same_owner(f->owner, ev->who) &&
	    f->head == ev->pfn && f->order == ev->order &&
	    first_not(ev->pfn, ev->order, LP_OWNED) < 0) {
		/* A failed stamp is reported; the release still happens. */
		stamp_verify(ev->pfn, ev, op_name(op));
		goto move;
	}
	/* A page-cache fill at boot: straight from the free lists. */
	if (op == MM_EV_CACHE_IN && first_not(ev->pfn, ev->order, LP_FREE) < 0)
		goto move;

	if (f->place == LP_OWNED && same_owner(f->owner, ev->who)) {
		kind = op == MM_EV_FREE ? REPORT_BAD_FREE : REPORT_INVARIANT;
		what = "order or block mismatch on";
	} else if (f->place == LP_FREE && op == MM_EV_FREE) {
		kind = REPORT_DOUBLE_FREE;
		what = "freeing a free";
	} else if (f->place == LP_POOLED && op == MM_EV_POOL_IN) {
		kind = REPORT_DOUBLE_FREE;
		what = "returning to a mempool an element already in it:";
	} else if (f->place == LP_FLIGHT && op == MM_EV_FREE) {
		kind = REPORT_BAD_FREE;
		what = "freeing a frame in flight:";
	} else if (f->place == LP_OWNED && op == MM_EV_FREE) {
		kind = REPORT_BAD_FREE;
		what = "free by a non-owner of";
	} else {
		kind = stranger_kind(ev->pfn, ev->who);
		if (kind == REPORT_DOUBLE_OWN && op == MM_EV_FREE)
			kind = REPORT_BAD_FREE;
		what = kind == REPORT_DOUBLE_OWN ?
			"acting as owner of a frame held elsewhere:" :
			"acting as owner after letting go of";
	}
	bug_begin(kind, ev->site, ev->who, what, ev->pfn);
	report_printf("operation: %s order %u", op_name(op), ev->order);
	if (ev->chan >= 0)
		report_printf(" (chan %d)", ev->chan);
	report_printf("\n");
	print_frame(ev->pfn);
	report_end();
	/*
	 * After the report, keep describing the allocator: follow the event
	 * exactly when the allocator carries it out (its free_pages_prepare(),
	 * page_give(), add_element() and mm_cache_add() rules), so the
	 * ledger and the allocator do not drift apart and later reports of
	 * the run stay true.
	 */
	if (!allocator_moves(op, f, ev))
		return;
	split_around(ev->pfn, ev->order);
move:
	set_block(ev->pfn, ev->order, p,
		  p == LP_FLIGHT ? ev->who : (struct lab_owner){ -1, 0, -1 },
		  p == LP_FLIGHT || p == LP_POOLED ? ev->chan : -1, &a, ev->zone);
}

static void on_take(const struct mm_event *ev)
{
	struct ledger_act a = act_of(ev, MM_EV_TAKE);
	struct ledger_frame *f = &L.frame[ev->pfn];
	enum report_kind kind = REPORT_DOUBLE_OWN;
	const char *what;

	if (f->place == LP_FLIGHT && f->chan == ev->chan && f->head == ev->pfn &&
	    f->order == ev->order && first_not(ev->pfn, ev->order, LP_FLIGHT) < 0) {
		stamp_verify(ev->pfn, ev, "take");
		set_block(ev->pfn, ev->order, LP_OWNED, ev->who, -1, &a, ev->zone);
		return;
	}
	switch (f->place) {
	case LP_OWNED:
		what = "taking out of a channel a frame someone owns:";
		break;
	case LP_FREE:
		kind = REPORT_USE_AFTER_FREE;
		what = "taking out of a channel a frame that was freed:";
		break;
	case LP_FLIGHT:
		if (f->chan != ev->chan) {
			/* Published in two rings at once: a duplicated transfer. */
			what = "taking out of a channel a frame in flight in another:";
		} else {
			kind = REPORT_INVARIANT;
			what = "take with the wrong order or of a tail of";
		}
		break;
	default:
		what = "taking out of a channel a frame held elsewhere:";
		break;
	}
	bug_begin(kind, ev->site, ev->who, what, ev->pfn);
	report_printf("operation: take order %u from channel %d\n", ev->order,
		      ev->chan);
	print_frame(ev->pfn);
	report_end();
	/*
	 * Mirror what page_take() did: a block someone owns or that is in
	 * flight changes hands; a free, pooled, cached or ballast block
	 * stays where it is (the allocator leaves it alone too).
	 */
	if (f->place != LP_OWNED && f->place != LP_FLIGHT)
		return;
	split_around(ev->pfn, ev->order);
	set_block(ev->pfn, ev->order, LP_OWNED, ev->who, -1, &a, ev->zone);
}

/* RECLAIM, BALLAST_OUT: a frame returns to the free lists from place p. */
static void on_return(const struct mm_event *ev, unsigned int op,
		      enum ledger_place from)
{
	struct ledger_act a = act_of(ev, op);
	long bad = first_not(ev->pfn, ev->order, from);

	if (bad >= 0) {
		bug_begin(L.frame[bad].place == LP_OWNED ||
			  L.frame[bad].place == LP_FLIGHT ?
			  REPORT_DOUBLE_OWN : REPORT_INVARIANT, ev->site, ev->who,
			  L.frame[bad].place == LP_FREE ?
			  "returning to the free lists a frame already free:" :
			  "returning to the free lists a frame someone holds:",
			  (unsigned long)bad);
		report_printf("operation: %s order %u (expected %s)\n",
			      op_name(op), ev->order, ledger_place_name(from));
		print_frame((unsigned long)bad);
		report_end();
		split_around(ev->pfn, ev->order);
	}
	set_block(ev->pfn, ev->order, LP_FREE, (struct lab_owner){ -1, 0, -1 },
		  -1, &a, ev->zone);
}

/* BALLAST_IN: free -> ballast. */
static void on_ballast_in(const struct mm_event *ev)
{
	struct ledger_act a = act_of(ev, MM_EV_BALLAST_IN);
	long bad = first_not(ev->pfn, ev->order, LP_FREE);

	if (bad >= 0) {
		bug_begin(REPORT_DOUBLE_OWN, ev->site, ev->who,
			  "ballast took a frame that is not free:",
			  (unsigned long)bad);
		print_frame((unsigned long)bad);
		report_end();
		split_around(ev->pfn, ev->order);
	}
	set_block(ev->pfn, ev->order, LP_BALLAST,
		  (struct lab_owner){ -1, 0, -1 }, -1, &a, ev->zone);
}

NOTSAN void ledger_event(const struct mm_event *ev, void *arg)
{
	sigset_t old;

	switch (ev->kind) {
	case MM_EV_ALLOC_FAIL:
	case MM_EV_WMARK:
	case MM_EV_SLEEP:
		return;		/* the oracle's */
	default:
		break;
	}
	if (ev->order > MAX_PAGE_ORDER)
		return;
	ledger_lock(&old);
	L.seq++;
	if (table_grow(ev->pfn + (1UL << ev->order)))
		goto out;
	switch (ev->kind) {
	case MM_EV_ALLOC:
		on_alloc(ev, MM_EV_ALLOC);
		break;
	case MM_EV_POOL_OUT:
		on_alloc(ev, MM_EV_POOL_OUT);
		break;
	case MM_EV_FREE:
		on_release(ev, MM_EV_FREE, LP_FREE);
		break;
	case MM_EV_GIVE:
		on_release(ev, MM_EV_GIVE, LP_FLIGHT);
		break;
	case MM_EV_POOL_IN:
		on_release(ev, MM_EV_POOL_IN, LP_POOLED);
		break;
	case MM_EV_CACHE_IN:
		on_release(ev, MM_EV_CACHE_IN, LP_CACHED);
		break;
	case MM_EV_TAKE:
		on_take(ev);
		break;
	case MM_EV_RECLAIM:
		on_return(ev, MM_EV_RECLAIM, LP_CACHED);
		break;
	case MM_EV_BALLAST_IN:
		on_ballast_in(ev);
		break;
	case MM_EV_BALLAST_OUT:
		on_return(ev, MM_EV_BALLAST_OUT, LP_BALLAST);
		break;
	default:
		break;
	}
	DEBUG_CHECK(ledger_is_valid());
out:
	ledger_unlock(&old);
}

/* ---- touch ---------------------------------------------------------- */

NOTSAN void ledger_touch_pfn(unsigned long pfn, struct lab_owner who,
			     const struct lab_site *site)
{
	struct mm_event ev = {
		.kind = MM_EV_KIND_NR, .who = who, .pfn = pfn, .chan = -1,
		.zone = -1, .site = site,
	};
	struct ledger_act a;
	struct ledger_frame *f;
	struct ledger_stamp s;
	unsigned long head;
	void *p;
	sigset_t old;

	ledger_lock(&old);
	L.seq++;
	if (table_grow(pfn + 1))
		goto out;
	f = &L.frame[pfn];
	head = f->head;
	if (f->place != LP_OWNED || !same_owner(f->owner, who)) {
		enum report_kind kind = stranger_kind(pfn, who);

		bug_begin(kind, site, who, kind == REPORT_DOUBLE_OWN ?
			  "touching a frame another owner holds:" :
			  kind == REPORT_USE_AFTER_GIVE ?
			  "touching a frame after giving it away:" :
			  "touching a frame after freeing it:", pfn);
		print_frame(pfn);
		report_end();
		goto out;
	}
	ev.order = f->order;
	ev.pfn = head;
	if (!stamp_verify(head, &ev, "touch"))
		goto out;
	p = L.mem ? L.mem(head, L.mem_arg) : NULL;
	s = (struct ledger_stamp){ STAMP_MAGIC, head, who.actor, who.ctx, f->gen };
	if (p && frame_poisoned(p, sizeof(s))) {
		/* The ledger says owned, the allocator holds it free. */
		bug_begin(REPORT_USE_AFTER_FREE, site, who,
			  "touching a frame the allocator has poisoned as free:", pfn);
		print_frame(pfn);
		report_end();
		goto out;
	}
	if (p) {
		/* The owner's own write: ASan checks it like any client write. */
		memcpy(p, &s, sizeof(s));
		f = &L.frame[head];
		mark_dirty(head);
		f->expect = s;
		f->stamped = true;
	}
	a = act_of(&ev, OP_TOUCH);
	a.chan = -1;
	f = &L.frame[head];
	mark_dirty(head);
	f->hist[f->nhist % LEDGER_HIST] = a;
	f->nhist++;
out:
	ledger_unlock(&old);
}

/* ---- leaks and conservation ---------------------------------------- */

static bool is_retired(int actor)
{
	int i;

	for (i = 0; i < L.nr_retired; i++)
		if (L.retired[i] == actor)
			return true;
	return false;
}

/* Report the block at head pfn as a leak; kmemleak names the allocation. */
static void report_leak(unsigned long pfn, const char *why)
{
	const struct ledger_frame *f = &L.frame[pfn];
	const struct lab_site *site = f->alloc.site;
	struct lab_owner who = f->place == LP_OWNED || f->place == LP_FLIGHT ?
		f->owner : f->alloc.who;

	report_begin(REPORT_LEAK, site ? site->func : "unknown", who.ctx);
	report_printf("BUG: labyrinth: leak of pfn 0x%lx (order %u): %s\n",
		      pfn, f->order, why);
	print_owner(f->place == LP_FLIGHT ? "last holder (gave it):" :
		    "last holder:", who);
	print_frame(pfn);
	report_end();
}

NOTSAN int ledger_actor_exit(int actor)
{
	unsigned long i;
	int n = 0;
	sigset_t old;

	ledger_lock(&old);
	if (!is_retired(actor) && L.nr_retired < (int)ARRAY_SIZE(L.retired))
		L.retired[L.nr_retired++] = actor;
	/* a clean run's actors end owning nothing: skip the walk */
	for (i = L.count[LP_OWNED] ? next_dirty(0) : L.nr; i < L.nr; i = next_dirty(i + 1)) {
		struct ledger_frame *f = &L.frame[i];

		if (f->place != LP_OWNED || f->head != i ||
		    f->owner.actor != actor || f->retired)
			continue;
		mark_dirty(i);
		f->retired = true;
		report_leak(i, "its owner finished still holding it");
		n++;
	}
	ledger_unlock(&old);
	return n;
}

NOTSAN int ledger_end_of_run(void)
{
	unsigned long i;
	int before = report_count();
	sigset_t old;

	ledger_lock(&old);
	for_each_dirty(i) {
		struct ledger_frame *f = &L.frame[i];

		if (f->head != i)
			continue;
		if (f->place == LP_FLIGHT) {
			report_leak(i, "still in flight at the end of the run (given, never taken)");
		} else if (f->place == LP_OWNED && is_retired(f->owner.actor) &&
			   !f->retired) {
			mark_dirty(i);
			f->retired = true;
			report_leak(i, "its owner finished still holding it");
		}
	}
	if (!ledger_is_valid()) {
		report_begin(REPORT_INVARIANT, "ledger_end_of_run", LAB_CTX_TASK);
		report_printf("BUG: labyrinth: the ledger's counters disagree with its table\n");
		report_end();
	}
	ledger_unlock(&old);
	/* Weak: synthetic tests link the ledger without an allocator. */
	if (L.attached && ledger__census_ok)
		ledger__census_ok();
	return report_count() - before;
}

NOTSAN bool ledger_is_valid(void)
{
	unsigned long c[LP_NR] = { 0 }, i, sum = 0;
	long busy[MAX_NR_ZONES] = { 0 }, unknown = 0;
	int p;

	for (i = 0; i < L.nr; i++) {
		const struct ledger_frame *f = &L.frame[i];

		if (f->place >= LP_NR)
			return false;
		c[f->place]++;
		if (f->place != LP_FREE && f->zone < 0)
			unknown++;
		else if (f->place != LP_FREE && f->zone < MAX_NR_ZONES)
			busy[f->zone]++;
		if (f->place != LP_FREE &&
		    (f->head > i || i >= f->head + (1UL << f->order) ||
		     L.frame[f->head].place != f->place))
			return false;
	}
	for (p = 0; p < LP_NR; p++) {
		if (c[p] != L.count[p])
			return false;
		sum += c[p];
	}
	if (unknown != L.busy_unknown || memcmp(busy, L.busy_zone, sizeof(busy)))
		return false;
	return sum == L.nr;
}

/* ---- introspection -------------------------------------------------- */

NOTSAN void ledger_counts(struct ledger_counts *out)
{
	sigset_t old;

	ledger_lock(&old);
	memcpy(out->place, L.count, sizeof(out->place));
	out->total = L.nr;
	ledger_unlock(&old);
}

NOTSAN enum ledger_place ledger_place_of(unsigned long pfn)
{
	enum ledger_place p = LP_FREE;
	sigset_t old;

	ledger_lock(&old);
	if (pfn < L.nr)
		p = L.frame[pfn].place;
	ledger_unlock(&old);
	return p;
}

NOTSAN bool ledger_owner_of(unsigned long pfn, struct lab_owner *out)
{
	bool owned = false;
	sigset_t old;

	ledger_lock(&old);
	if (pfn < L.nr && L.frame[pfn].place == LP_OWNED) {
		*out = L.frame[pfn].owner;
		owned = true;
	}
	ledger_unlock(&old);
	return owned;
}

/*
 * Frames of a zone the ledger does not hold free (zone -1: all), and
 * frames not free whose zone no event told (they may be in any zone).
 */
NOTSAN long ledger__zone_busy(int zone, long *unknown)
{
	unsigned long i;
	long n = 0, u = 0;
	sigset_t old;

	ledger_lock(&old);
	if (zone < 0) {
		n = (long)(L.nr - L.count[LP_FREE]);
		goto out;
	}
	if (zone < MAX_NR_ZONES) {
		n = L.busy_zone[zone];
		u = L.busy_unknown;
		goto out;
	}
	for (i = 0; i < L.nr; i++) {
		if (L.frame[i].place == LP_FREE)
			continue;
		if (zone < 0 || L.frame[i].zone == zone)
			n++;
		else if (L.frame[i].zone < 0)
			u++;
	}
out:
	ledger_unlock(&old);
	if (unknown)
		*unknown = u;
	return n;
}

NOTSAN bool ledger__frame(unsigned long pfn, int *place, struct lab_owner *owner,
			  unsigned long *head)
{
	bool ok = false;
	sigset_t old;

	ledger_lock(&old);
	if (pfn < L.nr) {
		*place = L.frame[pfn].place;
		*owner = L.frame[pfn].owner;
		*head = L.frame[pfn].head;
		ok = true;
	}
	ledger_unlock(&old);
	return ok;
}

NOTSAN long ledger__next_owned(unsigned long from, unsigned long end,
			       struct lab_owner *owner, unsigned long *head)
{
	long found = -1;
	unsigned long pfn;
	sigset_t old;

	ledger_lock(&old);
	for (pfn = next_dirty(from); pfn < end && pfn < L.nr; pfn = next_dirty(pfn + 1)) {
		if (L.frame[pfn].place != LP_OWNED)
			continue;
		*owner = L.frame[pfn].owner;
		*head = L.frame[pfn].head;
		found = (long)pfn;
		break;
	}
	ledger_unlock(&old);
	return found;
}

NOTSAN unsigned long ledger_seq(void)
{
	return __atomic_load_n(&L.seq, __ATOMIC_RELAXED);
}
