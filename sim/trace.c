// SPDX-License-Identifier: MIT
/*
 * The event trace: a ring of the last SIM_TRACE_LEN events (what
 * reports print, per CPU) and a 64-bit hash over every event of the
 * run (FNV-1a, one field at a time). The hash takes line numbers and
 * small integers only, never addresses, so it is the same in every
 * process that runs the same input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "sim/internal.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static const char *const ev_names[EV_NR] = {
	[EV_LOCK] = "spin_lock", [EV_SPIN] = "spin (held by CPU)",
	[EV_UNLOCK] = "spin_unlock", [EV_TRYLOCK_OK] = "spin_trylock ok",
	[EV_TRYLOCK_FAIL] = "spin_trylock failed", [EV_IRQ_OFF] = "irqs off",
	[EV_IRQ_ON] = "irqs on", [EV_PREEMPT_OFF] = "preempt_disable",
	[EV_PREEMPT_ON] = "preempt_enable", [EV_BH_OFF] = "local_bh_disable",
	[EV_BH_ON] = "local_bh_enable", [EV_RACE] = "race point",
	[EV_RELAX] = "cpu_relax", [EV_RESCHED] = "cond_resched",
	[EV_SLEEP] = "schedule_timeout", [EV_MUTEX_LOCK] = "mutex_lock",
	[EV_MUTEX_UNLOCK] = "mutex_unlock", [EV_WAIT] = "wait_event sleeps",
	[EV_WAKE_UP] = "wake_up", [EV_SWITCH] = "switch to CPU",
	[EV_HARDIRQ_ENTER] = "hardirq enter", [EV_HARDIRQ_EXIT] = "hardirq exit",
	[EV_SOFTIRQ_ENTER] = "softirq enter", [EV_SOFTIRQ_EXIT] = "softirq exit",
	[EV_PREEMPT] = "task resumes", [EV_TASK_START] = "task starts",
	[EV_TASK_END] = "task ends", [EV_BLOCK] = "blocks", [EV_WAKEUP] = "woken",
	[EV_NOTE] = "note", [EV_WARN] = "WARN", [EV_RAISE_SOFTIRQ] = "raise softirq",
	[EV_RAISE_HARDIRQ] = "raise hardirq", [EV_IDLE_TICK] = "idle: jiffies ->",
	[EV_KTHREAD_STOP] = "kthread_stop",
};

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * FNV_PRIME;
}

void trace_reset(void)
{
	M.hash = FNV_OFFSET;
	M.nr_events = 0;
	M.note_pos = 0;
}

/*
 * Without ASan checks: called at every lock, IRQ and preempt change, it
 * writes only the machine's own ring (the index wraps) and reads the
 * running CPU's frame, and the checks were a tenth of its cost.
 */
__attribute__((no_sanitize("address")))
void trace_event(int kind, const struct lab_site *site, const char *obj, long arg)
{
	struct sim_cpu *c = &M.cpus[M.cur_cpu];
	struct sim_frame *f = c->depth ? &c->frames[c->depth - 1] : NULL;
	struct sim_event *e = &M.trace[M.nr_events++ % SIM_TRACE_LEN];
	uint64_t h = M.hash;

	e->point = (uint32_t)M.points;
	e->cpu = (uint8_t)M.cur_cpu;
	e->ctx = (uint8_t)(f ? f->ctx : LAB_CTX_TASK);
	e->kind = (uint8_t)kind;
	e->actor = (int16_t)(f ? f->actor : 0);
	e->site = site;
	e->obj = obj;
	e->arg = arg;
	h = mix(h, e->point);
	h = mix(h, ((uint64_t)e->cpu << 24) | ((uint64_t)e->ctx << 16) |
		   ((uint64_t)e->kind << 8));
	h = mix(h, (uint64_t)(uint16_t)e->actor);
	h = mix(h, site ? (uint64_t)site->line : 0);
	h = mix(h, (uint64_t)arg);
	M.hash = h;
}

void sim_trace_note(const char *fmt, ...)
{
	char *t;
	va_list ap;
	uint64_t h;
	const char *p;

	sim_tsan_ignore_begin();
	t = M.notes[M.note_pos++ % SIM_NOTES];
	va_start(ap, fmt);
	vsnprintf(t, SIM_NOTE_LEN, fmt, ap);
	va_end(ap);
	trace_event(EV_NOTE, NULL, t, 0);
	h = M.hash;
	for (p = t; *p; p++)
		h = mix(h, (unsigned char)*p);
	M.hash = h;
	sim_tsan_ignore_end();
}

uint64_t sim_trace_hash(void)
{
	return M.hash;
}

static void print_event(const struct sim_event *e)
{
	char site[200] = "";

	if (e->site)
		snprintf(site, sizeof(site), " at %s:%d (%s)", e->site->file,
			 e->site->line, e->site->func);
	report_printf("  [%6u] CPU%d %-7s %-10s %s%s%s %ld%s\n", e->point, e->cpu,
		      lab_ctx_name(e->ctx), M.actors[e->actor].name,
		      ev_names[e->kind], e->obj ? " " : "", e->obj ? e->obj : "",
		      e->arg, site);
}

void sim_trace_print(int per_cpu)
{
	unsigned long n = M.nr_events < SIM_TRACE_LEN ? M.nr_events : SIM_TRACE_LEN;
	int cpu;

	report_printf("schedule trace (last events per CPU; %lu points, hash %016llx):\n",
		      M.points, (unsigned long long)M.hash);
	for (cpu = 0; cpu < M.nr_cpus; cpu++) {
		unsigned long i, start = M.nr_events - n, first = M.nr_events;
		int got = 0;

		/* find the oldest of this CPU's last per_cpu events */
		for (i = M.nr_events; i > start && got < per_cpu; i--)
			if (M.trace[(i - 1) % SIM_TRACE_LEN].cpu == cpu) {
				got++;
				first = i - 1;
			}
		report_printf(" CPU%d:\n", cpu);
		for (i = first; i < M.nr_events; i++)
			if (M.trace[i % SIM_TRACE_LEN].cpu == cpu)
				print_event(&M.trace[i % SIM_TRACE_LEN]);
	}
}

void trace_hook(void *arg)
{
	(void)arg;
	sim_trace_print(8);
}
