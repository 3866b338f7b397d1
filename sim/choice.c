// SPDX-License-Identifier: MIT
/*
 * Choice sources: at every scheduling point the machine asks for an
 * event byte (sim.h: kind in the low 2 bits, index above; SIM_EV_NONE
 * for the default). Every source's non-default answers are recorded as
 * (point, event), which replay takes back and sim_choices_to_bytes()
 * turns into fuzz bytes, so a schedule found by any source runs again
 * under any other.
 *
 *  bytes	pairs (skip, event): `skip' points take the default, the
 *		next takes `event'. A mutated byte moves or changes one
 *		event instead of reshuffling every later point. When the
 *		bytes run out: the default forever (no preemption, no
 *		interrupts, the running CPU goes on; the lowest runnable
 *		CPU when it stops).
 *  random	at each point an event with probability permille/1000.
 *  pct		Burckhardt et al., "A randomized scheduler with
 *		probabilistic guarantees of finding bugs", ASPLOS 2010:
 *		random distinct priorities d..d+n-1 for the n entities
 *		(CPUs and hardirq lines), d-1 change points drawn in
 *		[1, k]; the highest-priority enabled entity runs; at the
 *		i-th change point the running CPU drops to priority d-1-i.
 *		A bug of depth d is found with probability >= 1/(n k^(d-1)).
 *  replay	the recorded list.
 */
#include <string.h>
#include "sim/internal.h"

/* splitmix64: small, seedable, and the same everywhere. */
uint64_t sim_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void choice_init(const struct sim_config *cfg)
{
	struct sim_chooser *ch = &M.ch;

	ch->source = cfg->source;
	ch->bytes = cfg->bytes;
	ch->nr_bytes = cfg->bytes ? cfg->nr_bytes : 0;
	ch->pos = 0;
	ch->skip = 0;
	ch->pending = -1;
	ch->rng = cfg->seed;
	ch->permille = cfg->random_permille ? cfg->random_permille : 250;
	ch->depth = cfg->pct_depth > 0 ? cfg->pct_depth : 2;
	if (ch->depth > (int)ARRAY_SIZE(ch->change) + 1)
		ch->depth = ARRAY_SIZE(ch->change) + 1;
	ch->k = cfg->pct_steps ? cfg->pct_steps : 200;
	ch->nr_change = ch->next_change = 0;
	ch->replay = cfg->replay;
	ch->nr_replay = cfg->replay ? cfg->nr_replay : 0;
	ch->rpos = 0;
}

/* Entities of PCT: CPU i is entity i, hardirq actor a is nr_cpus + a. */
static int pct_entities(void)
{
	return M.nr_cpus + M.nr_actors;
}

/* Called by sim_run() once the actors are known. */
void choice_start(void)
{
	struct sim_chooser *ch = &M.ch;
	int perm[SIM_MAX_CPUS + SIM_MAX_ACTORS], n = 0, i, e;

	if (ch->source != SIM_SRC_PCT)
		return;
	for (e = 0; e < pct_entities(); e++) {
		ch->prio[e] = -1;
		if (e < M.nr_cpus || M.actors[e - M.nr_cpus].kind == ACTOR_HARDIRQ)
			perm[n++] = e;
	}
	/* Fisher-Yates: a uniformly random priority order */
	for (i = n - 1; i > 0; i--) {
		int j = (int)(sim_rand(&ch->rng) % (uint64_t)(i + 1)), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n; i++)
		ch->prio[perm[i]] = ch->depth + i;
	ch->nr_change = ch->depth - 1;
	for (i = 0; i < ch->nr_change; i++)
		ch->change[i] = 1 + sim_rand(&ch->rng) % ch->k;
	/* sort the change points */
	for (i = 1; i < ch->nr_change; i++)
		for (e = i; e > 0 && ch->change[e] < ch->change[e - 1]; e--) {
			unsigned long t = ch->change[e];

			ch->change[e] = ch->change[e - 1];
			ch->change[e - 1] = t;
		}
	ch->next_change = 0;
}

static int bytes_next(struct sim_chooser *ch)
{
	int ev;

	if (ch->pending < 0) {
		if (ch->pos + 2 > ch->nr_bytes)
			return SIM_EV_NONE;	/* exhausted: the default */
		ch->skip = ch->bytes[ch->pos];
		ch->pending = ch->bytes[ch->pos + 1];
		ch->pos += 2;
	}
	if (ch->skip > 0) {
		ch->skip--;
		return SIM_EV_NONE;
	}
	ev = ch->pending;
	ch->pending = -1;
	return ev;
}

static int random_next(struct sim_chooser *ch, bool forced)
{
	uint64_t r = sim_rand(&ch->rng);
	unsigned int kind;

	if (forced)
		return SIM_EVENT(SIM_EV_SWITCH, (r >> 8) % SIM_MAX_CPUS);
	if (r % 1000 >= ch->permille)
		return SIM_EV_NONE;
	r >>= 10;
	/* switch 1/2, hardirq 1/4, preempt 1/8, softirq 1/8 */
	switch (r & 7) {
	case 0: case 1: case 2: case 3:	kind = SIM_EV_SWITCH; break;
	case 4: case 5:			kind = SIM_EV_HARDIRQ; break;
	case 6:				kind = SIM_EV_PREEMPT; break;
	default:			kind = SIM_EV_SOFTIRQ; break;
	}
	return SIM_EVENT(kind, (r >> 3) % 63);
}

int choice_pct_pick_cpu(void)
{
	int cpu, best = -1;

	for (cpu = 0; cpu < M.nr_cpus; cpu++)
		if (cpu_runnable(cpu) && (best < 0 || M.ch.prio[cpu] > M.ch.prio[best]))
			best = cpu;
	return best;
}

static int pct_next(struct sim_chooser *ch, bool forced)
{
	struct sim_cpu *c = &M.cpus[M.cur_cpu];
	int best, best_prio, i, cpu;

	if (forced) {
		/* the highest-priority runnable CPU, recorded like any choice */
		cpu = choice_pct_pick_cpu();
		return cpu < 0 ? SIM_EV_NONE : SIM_EVENT(SIM_EV_SWITCH, cpu);
	}
	if (ch->next_change < ch->nr_change && M.points >= ch->change[ch->next_change]) {
		/* a change point: the running CPU drops below everyone */
		ch->prio[M.cur_cpu] = ch->depth - 1 - ch->next_change;
		ch->next_change++;
	}
	best = M.cur_cpu;
	best_prio = ch->prio[M.cur_cpu];
	for (cpu = 0; cpu < M.nr_cpus; cpu++)
		if (cpu != M.cur_cpu && cpu_runnable(cpu) && ch->prio[cpu] > best_prio) {
			best = cpu;
			best_prio = ch->prio[cpu];
		}
	if (!c->irqs_off) {
		for (i = 0; i < c->nr_irqs; i++) {
			int e = M.nr_cpus + c->irqs[i];

			if (M.actors[c->irqs[i]].max_fires > 0 && ch->prio[e] > best_prio) {
				/* it fires now; afterwards it is the lowest of all */
				ch->prio[e] = 0;
				return SIM_EVENT(SIM_EV_HARDIRQ, i);
			}
		}
	}
	if (best == M.cur_cpu)
		return SIM_EV_NONE;
	return SIM_EVENT(SIM_EV_SWITCH, best);
}

static int replay_next(struct sim_chooser *ch)
{
	while (ch->rpos < ch->nr_replay && ch->replay[ch->rpos].point < M.points)
		ch->rpos++;
	if (ch->rpos < ch->nr_replay && ch->replay[ch->rpos].point == M.points)
		return ch->replay[ch->rpos++].event;
	return SIM_EV_NONE;
}

int choice_next(bool forced)
{
	struct sim_chooser *ch = &M.ch;
	int ev;

	switch (ch->source) {
	case SIM_SRC_RANDOM:	ev = random_next(ch, forced); break;
	case SIM_SRC_PCT:	ev = pct_next(ch, forced); break;
	case SIM_SRC_REPLAY:	ev = replay_next(ch); break;
	default:		ev = bytes_next(ch); break;
	}
	if (ev != SIM_EV_NONE) {
		if (M.nr_choices < SIM_MAX_CHOICES) {
			M.choices[M.nr_choices].point = (uint32_t)M.points;
			M.choices[M.nr_choices].event = (uint8_t)ev;
			M.nr_choices++;
		} else {
			M.choices_lost = true;
		}
	}
	return ev;
}
