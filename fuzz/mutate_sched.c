// SPDX-License-Identifier: MIT
/*
 * mutate_sched.c: schedule mutations and the PRNG shared by the
 * structure-aware mutators (fuzz/mutate_sched.h).
 */
#include <stdlib.h>
#include <string.h>
#include <labyrinth/kernel.h>
#include "fuzz/mutate_sched.h"

uint64_t mut_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned int mut_byte_share(void)
{
	static int pct = -1;

	if (pct < 0) {
		const char *m = getenv("LABYRINTH_MUTATOR");
		const char *b = getenv("LABYRINTH_MUTATOR_BYTES");

		pct = MUT_BYTE_SHARE_PCT;
		if (b && *b)
			pct = atoi(b) < 0 ? 0 : atoi(b) > 100 ? 100 : atoi(b);
		if (m && !strcmp(m, "bytes"))
			pct = 100;
	}
	return pct;
}

static unsigned int below(uint64_t *rng, unsigned int n)
{
	return n ? (unsigned int)(mut_rand(rng) % n) : 0;
}

static bool chance(uint64_t *rng, unsigned int percent)
{
	return below(rng, 100) < percent;
}

/* Skips: mostly short, so an event lands near the points a run has. */
static uint8_t gen_skip(uint64_t *rng)
{
	switch (below(rng, 10)) {
	case 0: case 1: case 2: case 3:	return below(rng, 4);
	case 4: case 5: case 6:		return 4 + below(rng, 12);
	case 7: case 8:			return 16 + below(rng, 48);
	default:			return below(rng, 256);
	}
}

/*
 * An event: kind in bits 0-1 (switch 35%, hardirq 35%, preempt 15%,
 * softirq 15%), index above (sim/choice.c); 0xff, the default, 4%.
 */
static uint8_t gen_event(uint64_t *rng, unsigned int nr_cpus)
{
	unsigned int r, kind;

	if (chance(rng, 4))
		return 0xff;
	r = below(rng, 100);
	kind = r < 35 ? 0 : r < 70 ? 1 : r < 85 ? 2 : 3;
	return kind | (uint8_t)(below(rng, kind == 0 ? (nr_cpus ? nr_cpus : 1) : 4) << 2);
}

bool sched_mutate(uint8_t *sched, uint16_t *len, unsigned int cap,
		  unsigned int nr_cpus, enum sched_mut what, uint64_t *rng)
{
	uint8_t run[16];
	int at, n, from, l = *len;

	switch (what) {
	case SCHED_MUT_INSERT:
		if (l + 2 > (int)cap)
			return false;
		at = 2 * below(rng, l / 2 + 1);
		memmove(&sched[at + 2], &sched[at], l - at);
		sched[at] = gen_skip(rng);
		sched[at + 1] = gen_event(rng, nr_cpus);
		*len = l + 2;
		return true;
	case SCHED_MUT_DELETE:
		if (l < 2)
			return false;
		at = 2 * below(rng, l / 2);
		/* no rng call inside min(): it evaluates its arguments twice */
		n = chance(rng, 80) ? 2 : 2 + 2 * (int)below(rng, 8);
		n = min(n, l - at);
		memmove(&sched[at], &sched[at + n], l - at - n);
		memset(&sched[l - n], 0, n);
		*len = l - n;
		return true;
	case SCHED_MUT_CHANGE:
		if (l < 2)
			return false;
		at = 2 * below(rng, l / 2);
		switch (below(rng, 4)) {
		case 0:	/* move the event a few points earlier or later */
			sched[at] = (uint8_t)(sched[at] + (chance(rng, 50) ? 1 : -1) *
					      (int)(1 + below(rng, 4)));
			break;
		case 1:
			sched[at] = gen_skip(rng);
			break;
		default:
			sched[at + 1] = gen_event(rng, nr_cpus);
			break;
		}
		return true;
	case SCHED_MUT_SPLICE:
		if (l < 2)
			return false;
		from = 2 * below(rng, l / 2);
		n = 2 * (1 + below(rng, min(8, (l - from) / 2)));
		n = min(n, (int)cap - l) & ~1;
		if (n <= 0)
			return false;
		memcpy(run, &sched[from], n);
		at = 2 * below(rng, l / 2 + 1);
		memmove(&sched[at + n], &sched[at], l - at);
		memcpy(&sched[at], run, n);
		*len = l + n;
		return true;
	default:
		return false;
	}
}
