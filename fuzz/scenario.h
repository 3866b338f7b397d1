/* SPDX-License-Identifier: MIT */
/*
 * scenario.h: fuzz targets written as C actors (docs/scenarios.md).
 *
 * A scenario is a piece of atomic-path code a user wants tested -- a
 * NIC's receive path, a block driver's completion path -- written as
 * plain C actors (tasks, hardirq handlers, softirq handlers) against
 * <labyrinth/kernel.h> and the memory services below (scn_alloc(),
 * scn_give(), scn_mempool_alloc()...), which reach the allocator of the
 * run through its adapter (fuzz/alloc_ops.h): labyrinth's own by
 * default, any other of fuzz/allocs.def by name. It declares its
 * parameters with ranges and the actor names faults may target; one
 * line in fuzz/scenarios.def turns it into a fuzz target (libFuzzer,
 * AFL++, and a replay/assembler tool), where the input chooses the
 * parameters, the fault plan and the schedule.
 *
 * Input bytes (scn_decode() is TOTAL: every byte string is an input):
 *
 *	param bytes	one per parameter: value = min + byte % (max - min + 1)
 *	flags		nr_faults (bits 0-1, 0..3), exhaust (bit 2),
 *			kswapd (bits 3-4, % 3: off, on, hold)
 *	faults		4 bytes each (struct scn_fault)
 *	exhaust		3 bytes if the flag is set (struct scn_exhaust)
 *	schedule	the rest: the simulated machine's choice bytes
 *
 * Missing bytes take the defaults (a parameter's default, no fault, no
 * exhaustion, an empty schedule). The text form (.lab) has one line per
 * item: `scenario NAME`, `param NAME=V`, `fault ...`, `exhaust ...`,
 * `kswapd on|hold`, `schedule XX XX ...`; scn_format() writes the
 * canonical text and text -> bytes -> text is exact.
 *
 * Each run starts from nothing (scn_run()): the simulated machine, the
 * allocator, the ownership ledger, the reserve oracle and the fault
 * injector are all set up afresh and torn down, so the same input (and
 * allocator) gives the same trace hash.
 */
#ifndef LABYRINTH_FUZZ_SCENARIO_H
#define LABYRINTH_FUZZ_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <labyrinth/kernel.h>
#include <labyrinth/mm.h>
#include <labyrinth/channel.h>
#include "check/report.h"
#include "sim/sim.h"
#include "fuzz/alloc_ops.h"

#define SCN_MAX_PARAMS		12
#define SCN_MAX_ACTOR_NAMES	8	/* actor names faults may target */
#define SCN_MAX_FAULTS		3
#define SCN_MAX_SCHED		512
#define SCN_MAX_BYTES		(SCN_MAX_PARAMS + 1 + 4 * SCN_MAX_FAULTS + 3 + SCN_MAX_SCHED)
#define SCN_TEXT_MAX		8192	/* scn_format() never needs more */

/* ---- declaring a scenario ------------------------------------------ */

/*
 * One parameter. Invariant: min <= def <= max, max - min <= 255 (one
 * input byte chooses it).
 */
struct scn_param {
	const char *name;
	int min, max;
	int def;		/* value when the input has no byte for it */
	const char *doc;
};

/*
 * Parameters as an X-macro list, each entry P(name, min, max, def, doc):
 *
 *	#define NIC_PARAMS(P)					\
 *		P(cpus, 1, 4, 2, "CPUs, one RX queue each")	\
 *		P(ring, 1, 16, 8, "RX ring slots")
 *	SCENARIO_PARAMS(NIC_PARAMS);
 *
 * gives the indices P_cpus, P_ring (read run->param[P_ring]) and the
 * table scn_params[] that SCENARIO_PARAM_TABLE puts in the descriptor.
 * A parameter named "cpus" sets the number of simulated CPUs (1..4).
 */
#define SCN__P_ENUM(n, lo, hi, d, doc)	P_##n,
#define SCN__P_DESC(n, lo, hi, d, doc)	{ #n, lo, hi, d, doc },
#define SCENARIO_PARAMS(list)						\
	enum { list(SCN__P_ENUM) P__NR };				\
	static const struct scn_param scn_params[] = { list(SCN__P_DESC) }
#define SCENARIO_PARAM_TABLE						\
	.params = scn_params,						\
	.nr_params = (int)(sizeof(scn_params) / sizeof(scn_params[0]))

/* What setup() is given: the parameters of this run. */
struct scn_run {
	int param[SCN_MAX_PARAMS];
	int nr_cpus;
};

/*
 * A scenario. Invariant (scenario_is_valid()): name set, nr_params <=
 * SCN_MAX_PARAMS, every param valid, nr_actor_names <=
 * SCN_MAX_ACTOR_NAMES, setup set.
 */
struct scenario {
	const char *name;		/* the target and corpus/<name>/ */
	const char *summary;		/* one line */
	const struct scn_param *params;
	int nr_params;
	/* the names its actors are added under; faults target them */
	const char *const *actor_names;
	int nr_actor_names;
	/*
	 * memory of the machine in mm.h's terms (zeros: mm.h defaults);
	 * nr_cpus and kswapd are set by the run. Another allocator takes
	 * what applies (the pool: the number of frames).
	 */
	struct mm_config mm;
	/*
	 * Runs as the set-up actor after the allocator is up and the fault
	 * plan installed, before the machine runs: reset the scenario's own
	 * state, make its channels and mempools (scn_chan_init(),
	 * scn_mempool_init()), add its actors with scn_add_task() /
	 * scn_add_hardirq() / scn_add_softirq(). 0 or -errno (the run is
	 * then a set-up error, never a report).
	 */
	int (*setup)(const struct scn_run *run);
	/*
	 * After a clean run, on the set-up actor: take back what is still
	 * in the channels and free it, as a driver's teardown does. What is
	 * then still owned by an actor, or still in a channel, is a leak.
	 * May be NULL.
	 */
	void (*finish)(void);
	/*
	 * After every run, before the allocator goes (which takes its
	 * channels and mempools with it). May be NULL.
	 */
	void (*teardown)(void);
};

#define DEFINE_SCENARIO(n)	const struct scenario scn_##n

bool scenario_is_valid(const struct scenario *s);

/*
 * The registry (fuzz/scenario_table.c, in $(B)/libscenarios.a): every
 * scenario of fuzz/scenarios.def, NULL-terminated; lookup by name, and
 * the scenario a text input names on its `scenario NAME` line (NULL if
 * none or unknown).
 */
extern const struct scenario *const scenario_table[];
const struct scenario *scenario_find(const char *name);
const struct scenario *scenario_of_text(const char *text);
int scenario_param_index(const struct scenario *s, const char *name);	/* -1 */

/* ---- memory, through the run's allocator ---------------------------- */

/*
 * The allocator's entry points for scenario code, each a call of the
 * run's adapter (struct lab_alloc_ops; scn_config.ops): handles are
 * opaque (a struct page * on labyrinth's allocator, an address on the
 * pool), so a scenario written against these runs on every allocator
 * of fuzz/allocs.def. The macros pass the caller's site: reports blame
 * the scenario's line, as alloc_pages() and chan_give() do.
 *
 *	scn_alloc(gfp, order)		alloc_pages(): the caller owns it; NULL
 *	scn_free(h, order)		__free_pages(): only the owner
 *	scn_touch(h)			the owner writes and checks its stamp
 *					(ledger_touch(): a use of the memory)
 *	scn_pfn(h)			its frame number, for per-frame records
 *	scn_chan_init(id, kind, size)	channel id (< LAB_MAX_CHANS) becomes an
 *					empty ring of enum chan_kind, 1..64 slots
 *	scn_give(id, h, order)		chan_give(): 0, or -ENOSPC (still yours)
 *	scn_take(id, &order)		chan_take(): the oldest block, or NULL
 *	scn_mempool_init(id, min_nr, order)
 *					mempool id (< LAB_MAX_POOLS) of min_nr
 *					reserved order-`order' elements
 *	scn_mempool_alloc(id, gfp)	mempool_alloc(): a blocking gfp never
 *					gets NULL (it waits for a free)
 *	scn_mempool_free(id, h)		mempool_free()
 *
 * Channels and mempools live until the run ends (the adapter's exit()).
 * scn_chan_init() and scn_mempool_init() return -EOPNOTSUPP when the
 * allocator's adapter has no such objects.
 */
void *__scn_alloc(gfp_t gfp, unsigned int order, const struct lab_site *site);
void __scn_free(void *h, unsigned int order, const struct lab_site *site);
void __scn_touch(void *h, const struct lab_site *site);
unsigned long scn_pfn(void *h);
int scn_chan_init(int chan, enum chan_kind kind, unsigned int size);
int __scn_give(int chan, void *h, unsigned int order, const struct lab_site *site);
void *__scn_take(int chan, unsigned int *order, const struct lab_site *site);
int scn_mempool_init(int pool, int min_nr, unsigned int order);
void *scn_mempool_alloc(int pool, gfp_t gfp);
void scn_mempool_free(int pool, void *h);
#define scn_alloc(gfp, order)		__scn_alloc((gfp), (order), LAB_SITE)
#define scn_free(h, order)		__scn_free((h), (order), LAB_SITE)
#define scn_touch(h)			__scn_touch((h), LAB_SITE)
#define scn_give(chan, h, order)	__scn_give((chan), (h), (order), LAB_SITE)
#define scn_take(chan, order)		__scn_take((chan), (order), LAB_SITE)

/* ---- services for actors ------------------------------------------- */

/*
 * Add actors (from setup()). The name should be one of actor_names so
 * that `fault ...,actor=NAME` reaches it; several actors may share a
 * name (one per CPU). Return the sim id (tasks, hardirqs: >= 1) or the
 * softirq number (>= 0); negative when the machine is full.
 */
int scn_add_task(int cpu, const char *name, void (*fn)(void *), void *arg);
int scn_add_hardirq(int cpu, const char *name, void (*fn)(void *), void *arg,
		    int max_fires);
int scn_add_softirq(int cpu, const char *name, void (*fn)(void *), void *arg);

/*
 * A checkpoint: the scenario calls it at the places where a change of
 * memory pressure is interesting (before each submission, each refill).
 * The input's `exhaust ... at=N` drains the zone at the Nth checkpoint
 * of the run (counted over all actors), and `release=M` gives the
 * ballast back M checkpoints later. Call it holding no lock.
 */
void scn_point(void);

/*
 * Units of useful work done (packets consumed, requests completed):
 * struct scn_result's progress, so a test can tell a scenario that ran
 * from one that silently did nothing.
 */
void scn_progress(unsigned long n);

/* ---- inputs --------------------------------------------------------- */

enum scn_fault_type {
	SCN_FAIL_NTH,		/* value = n */
	SCN_INTERVAL,		/* value = n */
	SCN_PROBABILITY,	/* value = percent */
	SCN_FAULT_TYPE_NR
};

/*
 * One fault rule, printed in faultinject's plan syntax. Invariant:
 * type < SCN_FAULT_TYPE_NR, 1 <= value <= scn_fault_value_max(type),
 * ctx <= LAB_CTX_NR (0 any, 1 + enum lab_ctx), actor <= nr_actor_names
 * (0 any, 1 + index), times <= 15 (0 unlimited).
 */
struct scn_fault {
	uint8_t type;
	uint8_t value;
	uint8_t ctx;
	uint8_t actor;
	uint8_t times;
	bool ignore_gfp_wait;
	bool mempool_site;	/* also mempool element allocations */
};

int scn_fault_value_max(unsigned int type);

/* Lines are enum fault_line of faultinject/fault.h (high ... zero). */
#define SCN_NR_LINES	6

/*
 * Reserve exhaustion in the middle of the run. Invariant: zone <
 * MAX_NR_ZONES, line < SCN_NR_LINES. at == 0: at install, before the
 * first actor runs; release == 0: held to the end of the run.
 */
struct scn_exhaust {
	bool on;
	uint8_t zone;
	uint8_t line;
	uint8_t at;		/* checkpoint number, 1-based; 0 at install */
	uint8_t release;	/* checkpoints after `at'; 0 never */
};

enum scn_kswapd { SCN_KSWAPD_OFF, SCN_KSWAPD_ON, SCN_KSWAPD_HOLD, SCN_KSWAPD_NR };

/* A decoded input. Invariant: every field in range for s (scn_input_is_valid()). */
struct scn_input {
	const struct scenario *s;
	int param[SCN_MAX_PARAMS];
	uint8_t nr_faults;
	struct scn_fault fault[SCN_MAX_FAULTS];
	struct scn_exhaust exhaust;
	uint8_t kswapd;		/* enum scn_kswapd */
	uint16_t sched_len;
	uint8_t sched[SCN_MAX_SCHED];
};

void scn_input_init(struct scn_input *in, const struct scenario *s);	/* defaults */
void scn_decode(const struct scenario *s, const uint8_t *data, size_t len,
		struct scn_input *in);
size_t scn_encode(const struct scn_input *in, uint8_t *out, size_t cap);
size_t scn_format(const struct scn_input *in, char *buf, size_t cap);
/*
 * Text -> input for scenario s. 0, or -1 with "line N: message" in err
 * (also when the text names another scenario). Never crashes.
 */
int scn_parse(const struct scenario *s, const char *text, struct scn_input *in,
	      char *err, size_t errlen);
bool scn_input_is_valid(const struct scn_input *in);
bool scn_input_equal(const struct scn_input *a, const struct scn_input *b);
/* The fault plan text (faultinject syntax) the input installs; "" none. */
size_t scn_fault_text(const struct scn_input *in, char *buf, size_t cap);

/* ---- running -------------------------------------------------------- */

/* Zero fields take the defaults in brackets. */
struct scn_config {
	const struct lab_alloc_ops *ops;	/* [lab_alloc_labyrinth] */
	enum sim_source source;		/* [SIM_SRC_BYTES]: the input's schedule */
	uint64_t seed;			/* RANDOM / PCT */
	enum report_mode mode;		/* [REPORT_RECORD] */
	bool quiet;			/* reports to memory only */
	bool verbose;			/* print the trace after the run */
};

struct scn_result {
	enum sim_verdict verdict;
	char signature[160];		/* "" when clean */
	uint64_t trace_hash;
	unsigned long points;
	unsigned long checkpoints;	/* scn_point() calls */
	unsigned long faults;		/* failures the plan injected */
	unsigned long progress;		/* scn_progress() total */
	/* the choices the run took, as schedule bytes that replay them */
	uint8_t sched[SCN_MAX_SCHED];
	size_t sched_len;
	bool sched_truncated;		/* did not fit SCN_MAX_SCHED */
	int setup_error;		/* -errno when the run could not start */
	char error[160];
};

/* One run. 0 when it ran (res->verdict), -1 on a set-up error. */
int scn_run(const struct scn_input *in, const struct scn_config *cfg,
	    struct scn_result *res);

#endif /* LABYRINTH_FUZZ_SCENARIO_H */
