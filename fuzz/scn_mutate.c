// SPDX-License-Identifier: MIT
/*
 * scn_mutate.c: the structure-aware mutator of scenario inputs
 * (fuzz/scn_mutate.h). Values are kept in range as they are made, so
 * the canonical encoding decodes back to exactly this input.
 */
#include <string.h>
#include <labyrinth/kernel.h>
#include "fuzz/scn_mutate.h"

#define SCN_MUT_TRIES	8

static const char *const scn_mut_names[SCN_MUT_NR] = {
	[SCN_MUT_PARAM]		= "param",
	[SCN_MUT_FAULT_INSERT]	= "fault-insert",
	[SCN_MUT_FAULT_DELETE]	= "fault-delete",
	[SCN_MUT_FAULT_EDIT]	= "fault-edit",
	[SCN_MUT_EXHAUST]	= "exhaust",
	[SCN_MUT_KSWAPD]	= "kswapd",
	[SCN_MUT_SCHED]		= "sched",
};

const char *scn_mut_kind_name(int kind)
{
	return kind >= 0 && kind < SCN_MUT_NR ? scn_mut_names[kind] : "none";
}

static unsigned int below(uint64_t *rng, unsigned int n)
{
	return n ? (unsigned int)(mut_rand(rng) % n) : 0;
}

static bool chance(uint64_t *rng, unsigned int percent)
{
	return below(rng, 100) < percent;
}

/*
 * Parameters: the bounds and the default (where off-by-one bugs and the
 * author's assumptions live), a step from the current value, or any.
 */
static bool mut_param(struct scn_input *in, uint64_t *rng)
{
	const struct scn_param *p;
	int i, v;

	if (!in->s->nr_params)
		return false;
	i = below(rng, in->s->nr_params);
	p = &in->s->params[i];
	switch (below(rng, 10)) {
	case 0: case 1:	v = p->min; break;
	case 2: case 3:	v = p->max; break;
	case 4:		v = p->def; break;
	case 5: case 6:	v = in->param[i] + (chance(rng, 50) ? 1 : -1); break;
	default:	v = p->min + (int)below(rng, p->max - p->min + 1); break;
	}
	in->param[i] = v < p->min ? p->min : v > p->max ? p->max : v;
	return true;
}

static void gen_fault_field(const struct scn_input *in, struct scn_fault *f,
			    int field, uint64_t *rng)
{
	static const uint8_t pct[] = { 1, 5, 10, 25, 50, 100 };

	switch (field) {
	case 0:	/* the type, then a value that suits it */
		f->type = below(rng, SCN_FAULT_TYPE_NR);
		/* fall through */
	case 1:
		if (f->type == SCN_FAIL_NTH)
			f->value = chance(rng, 70) ? 1 + below(rng, 8) : 1 + below(rng, 255);
		else if (f->type == SCN_INTERVAL)
			f->value = chance(rng, 70) ? 2 + below(rng, 7) : 1 + below(rng, 16);
		else
			f->value = chance(rng, 70) ? pct[below(rng, ARRAY_SIZE(pct))] :
				   1 + below(rng, 100);
		break;
	case 2:
		f->ctx = chance(rng, 60) ? 0 : 1 + below(rng, LAB_CTX_NR);
		break;
	case 3:
		f->actor = chance(rng, 50) || !in->s->nr_actor_names ? 0 :
			   1 + below(rng, in->s->nr_actor_names);
		break;
	case 4:
		f->times = chance(rng, 50) ? 0 : 1 + below(rng, 3);
		break;
	case 5:
		f->ignore_gfp_wait = chance(rng, 30);
		break;
	default:
		f->mempool_site = chance(rng, 30);
		break;
	}
}

static bool mut_fault_insert(struct scn_input *in, uint64_t *rng)
{
	struct scn_fault *f;
	int k;

	if (in->nr_faults >= SCN_MAX_FAULTS)
		return false;
	f = &in->fault[in->nr_faults++];
	memset(f, 0, sizeof(*f));
	gen_fault_field(in, f, 0, rng);
	for (k = 2; k < 7; k++)
		gen_fault_field(in, f, k, rng);
	return true;
}

static bool mut_fault_delete(struct scn_input *in, uint64_t *rng)
{
	int i;

	if (!in->nr_faults)
		return false;
	for (i = below(rng, in->nr_faults); i + 1 < in->nr_faults; i++)
		in->fault[i] = in->fault[i + 1];
	in->nr_faults--;
	memset(&in->fault[in->nr_faults], 0, sizeof(in->fault[0]));
	return true;
}

static bool mut_fault_edit(struct scn_input *in, uint64_t *rng)
{
	if (!in->nr_faults)
		return false;
	gen_fault_field(in, &in->fault[below(rng, in->nr_faults)], below(rng, 7), rng);
	return true;
}

/* Exhaustion: checkpoints early in the run, lines around the atomic reserve. */
static bool mut_exhaust(struct scn_input *in, uint64_t *rng)
{
	static const uint8_t lines[] = { 1, 2, 2, 3, 3, 3, 4, 5, 0 };
	struct scn_exhaust *e = &in->exhaust;
	int field = e->on ? (int)below(rng, 5) : -1;

	if (field == 0) {	/* off again */
		memset(e, 0, sizeof(*e));
		return true;
	}
	if (!e->on) {
		e->on = true;
		e->zone = below(rng, MAX_NR_ZONES);
		e->line = lines[below(rng, ARRAY_SIZE(lines))];
		e->at = chance(rng, 20) ? 0 : 1 + below(rng, 16);
		e->release = chance(rng, 40) ? 0 : 1 + below(rng, 8);
		return true;
	}
	switch (field) {
	case 1:	e->zone = below(rng, MAX_NR_ZONES); break;
	case 2:	e->line = lines[below(rng, ARRAY_SIZE(lines))]; break;
	case 3:	e->at = chance(rng, 70) ? below(rng, 17) : below(rng, 256); break;
	default: e->release = chance(rng, 70) ? below(rng, 9) : below(rng, 256); break;
	}
	return true;
}

static bool mut_kswapd(struct scn_input *in, uint64_t *rng)
{
	in->kswapd = (in->kswapd + 1 + below(rng, SCN_KSWAPD_NR - 1)) % SCN_KSWAPD_NR;
	return true;
}

/* CPUs of the run: the "cpus" parameter when the scenario has one. */
static unsigned int scn_cpus(const struct scn_input *in)
{
	int i = scenario_param_index(in->s, "cpus");

	return i >= 0 ? (unsigned int)in->param[i] : 4;
}

static bool mut_sched(struct scn_input *in, uint64_t *rng)
{
	return sched_mutate(in->sched, &in->sched_len, SCN_MAX_SCHED, scn_cpus(in),
			    below(rng, 10) < 4 ? SCHED_MUT_INSERT : below(rng, SCHED_MUT_NR), rng);
}

/* Weights out of 100: the schedule and the parameters carry most. */
static const unsigned int scn_mut_weight[SCN_MUT_NR] = {
	[SCN_MUT_PARAM]		= 30,
	[SCN_MUT_FAULT_INSERT]	= 8,
	[SCN_MUT_FAULT_DELETE]	= 4,
	[SCN_MUT_FAULT_EDIT]	= 10,
	[SCN_MUT_EXHAUST]	= 10,
	[SCN_MUT_KSWAPD]	= 3,
	[SCN_MUT_SCHED]		= 35,
};

static bool (*const scn_mut_fn[SCN_MUT_NR])(struct scn_input *, uint64_t *) = {
	[SCN_MUT_PARAM]		= mut_param,
	[SCN_MUT_FAULT_INSERT]	= mut_fault_insert,
	[SCN_MUT_FAULT_DELETE]	= mut_fault_delete,
	[SCN_MUT_FAULT_EDIT]	= mut_fault_edit,
	[SCN_MUT_EXHAUST]	= mut_exhaust,
	[SCN_MUT_KSWAPD]	= mut_kswapd,
	[SCN_MUT_SCHED]		= mut_sched,
};

static int pick(uint64_t *rng)
{
	unsigned int r = below(rng, 100);
	int i;

	for (i = 0; i < SCN_MUT_NR - 1; i++) {
		if (r < scn_mut_weight[i])
			return i;
		r -= scn_mut_weight[i];
	}
	return SCN_MUT_NR - 1;
}

int scn_mutate(struct scn_input *in, uint64_t *rng)
{
	static struct scn_input q;
	int t, kind;

	for (t = 0; t < SCN_MUT_TRIES; t++) {
		q = *in;
		kind = pick(rng);
		if (!scn_mut_fn[kind](&q, rng))
			continue;
		if (!scn_input_equal(&q, in)) {
			*in = q;
			return kind;
		}
	}
	return -1;
}

static void cross_once(struct scn_input *out, const struct scn_input *a,
		       const struct scn_input *b, uint64_t *rng)
{
	int parts = 0, i, ca, cb, n;

	*out = *a;
	while (!parts) {
		if (chance(rng, 40)) {
			parts++;
			for (i = 0; i < a->s->nr_params; i++)
				if (chance(rng, 50))
					out->param[i] = b->param[i];
		}
		if (chance(rng, 25)) {
			parts++;
			out->nr_faults = b->nr_faults;
			memcpy(out->fault, b->fault, sizeof(out->fault));
		}
		if (chance(rng, 20)) {
			parts++;
			out->exhaust = b->exhaust;
			out->kswapd = b->kswapd;
		}
		if (chance(rng, 40)) {	/* a's schedule up to a pair, b's from a pair */
			parts++;
			ca = 2 * below(rng, a->sched_len / 2 + 1);
			cb = 2 * below(rng, b->sched_len / 2 + 1);
			n = min(b->sched_len - cb, SCN_MAX_SCHED - ca);
			memcpy(out->sched + ca, b->sched + cb, n);
			out->sched_len = ca + n;
			memset(out->sched + out->sched_len, 0, SCN_MAX_SCHED - out->sched_len);
		}
	}
}

void scn_crossover(struct scn_input *out, const struct scn_input *a,
		   const struct scn_input *b, uint64_t *rng)
{
	int t;

	for (t = 0; t < SCN_MUT_TRIES; t++) {
		cross_once(out, a, b, rng);
		if (!scn_input_equal(out, a))
			return;
	}
}

/* Canonical bytes within max: the schedule (last) is cut when too long. */
static size_t encode_max(struct scn_input *in, uint8_t *out, size_t max)
{
	uint8_t buf[SCN_MAX_BYTES];
	size_t len = scn_encode(in, buf, sizeof(buf));

	if (len > sizeof(buf))
		return 0;
	if (len > max) {
		if (len - max > in->sched_len)
			return 0;
		in->sched_len -= len - max;
		len = max;
	}
	memcpy(out, buf, len);
	return len;
}

size_t scn_mutate_bytes(const struct scenario *s, const uint8_t *data, size_t size,
			uint8_t *out, size_t max, uint64_t *rng)
{
	static struct scn_input in;

	scn_decode(s, data, size, &in);
	scn_mutate(&in, rng);
	return encode_max(&in, out, max);
}

size_t scn_crossover_bytes(const struct scenario *s, const uint8_t *d1, size_t s1,
			   const uint8_t *d2, size_t s2, uint8_t *out, size_t max,
			   uint64_t *rng)
{
	static struct scn_input a, b, c;

	scn_decode(s, d1, s1, &a);
	scn_decode(s, d2, s2, &b);
	scn_crossover(&c, &a, &b, rng);
	return encode_max(&c, out, max);
}
