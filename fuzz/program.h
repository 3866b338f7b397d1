/* SPDX-License-Identifier: MIT */
/*
 * program.h: the program format of the fuzz targets (DESIGN.md section 6).
 *
 * A program is a machine set-up, up to PROG_MAX_ACTORS actors (tasks
 * pinned to a CPU, hardirq and softirq handlers per CPU), each a list of
 * up to PROG_MAX_OPS ops, up to PROG_MAX_FAULTS fault-plan entries and a
 * schedule (the simulated machine's choice bytes).
 *
 * Three forms, one meaning:
 *
 *   bytes    what the fuzzers mutate. program_decode() is TOTAL: every
 *            byte string decodes to a legal program (values wrap, counts
 *            clamp, missing bytes end the section being read);
 *   struct   struct program below, always legal after decode/parse;
 *   text     the .lab form humans write and read (program_format(),
 *            program_parse()).
 *
 * Round trips are exact: encode(decode(b)) decodes to the same program,
 * and format(parse(t)) == t for canonical text. docs/programs.md gives
 * the byte layout, the text grammar and every legalization rule.
 *
 * "Legal" means the program keeps the kernel API contract, so any report
 * from running it blames the allocator (DESIGN.md section 1).
 * program_legalize() enforces the rules; program_is_legal() checks them
 * without changing anything and is meant for DEBUG_CHECK() and tests.
 */
#ifndef LABYRINTH_FUZZ_PROGRAM_H
#define LABYRINTH_FUZZ_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROG_MAX_CPUS		4
#define PROG_MAX_ACTORS		8
#define PROG_MAX_OPS		32
#define PROG_MAX_FAULTS		4
#define PROG_MAX_SCHED		512	/* choice bytes kept; more are clamped */
#define PROG_NR_SLOTS		8	/* page slots per actor */
#define PROG_NR_LOCKS		4	/* client spinlocks a..d */
#define PROG_NR_CHANS		4	/* ring, bhring (locked), spsc0, spsc1 */
#define PROG_NR_POOLS		2	/* pool0 (order 0), pool1 (order 1) */
#define PROG_MAX_ORDER		6	/* MAX_PAGE_ORDER of mm.h */
#define PROG_MAX_FIRES		4	/* firings of one interrupt handler */
#define PROG_MAX_BYTES		(8 + PROG_MAX_ACTORS * (2 + 4 * PROG_MAX_OPS) + \
				 1 + 4 * PROG_MAX_FAULTS + PROG_MAX_SCHED)
#define PROG_TEXT_MAX		16384	/* program_format() never needs more */
#define PROG_LOAD_MAX		(1 << 20)	/* largest file program_load() reads */

/* ---- machine set-up ------------------------------------------------- */

/*
 * Allocator knobs within ranges where the clean allocator is correct.
 * Each field is an index into a table of allowed values
 * (program_knob_value()); the text form prints the values.
 * Invariant: every index < PROG_KNOB_CHOICES, 1 <= nr_cpus <= 4.
 */
#define PROG_KNOB_CHOICES	4
enum prog_knob {
	KNOB_MIN_FREE,		/* mm_config.min_free_pages */
	KNOB_WSF,		/* watermark_scale_factor */
	KNOB_PCP_HIGH,		/* pcp_high */
	KNOB_PCP_BATCH,		/* pcp_batch */
	KNOB_RECLAIMABLE,	/* reclaimable_pages at start */
	KNOB_NR
};

struct prog_machine {
	uint8_t nr_cpus;		/* 1..PROG_MAX_CPUS */
	bool kswapd;			/* start the kswapd kthread */
	uint8_t knob[KNOB_NR];		/* indices, see program_knob_value() */
};

long program_knob_value(enum prog_knob k, unsigned int idx);
const char *program_knob_name(enum prog_knob k);

/* ---- ops ------------------------------------------------------------ */

/*
 * Op codes. Numbers are part of the byte format: never renumber, add at
 * the end (before OP_NR). The argument meaning per op is in the table
 * in program.c (and docs/programs.md); unused arguments are 0.
 */
enum prog_opcode {
	OP_ALLOC,		/* a=slot b=gfp class|modifiers c=order */
	OP_FREE,		/* a=slot */
	OP_TOUCH,		/* a=slot: write and verify the owner's stamp */
	OP_GIVE,		/* a=slot b=channel: ownership into the channel */
	OP_TAKE,		/* a=slot b=channel: ownership out of it */
	OP_PALLOC,		/* a=slot b=pool c=gfp class|modifiers */
	OP_PFREE,		/* a=slot: back to its mempool */
	OP_LOCK,		/* a=lock b=kind (plain, bh, irqsave) */
	OP_UNLOCK,		/* a=lock (always the innermost held) */
	OP_IRQ_SAVE,		/* local_irq_save() */
	OP_IRQ_RESTORE,		/* local_irq_restore() */
	OP_PREEMPT_DISABLE,
	OP_PREEMPT_ENABLE,
	OP_BH_DISABLE,		/* local_bh_disable() */
	OP_BH_ENABLE,
	OP_SLEEP,		/* a=ticks-1: schedule_timeout_uninterruptible() */
	OP_MUTEX_LOCK,		/* the program's one mutex */
	OP_MUTEX_UNLOCK,
	OP_RAISE,		/* a=actor index of a softirq actor on this CPU */
	OP_EXHAUST,		/* a=zone b=line: reserve exhaustion */
	OP_RELEASE,		/* release the ballast of every zone */
	OP_FAILNEXT,		/* a=n-1: fail the next n allocation attempts */
	OP_DRAIN,		/* a=0 local CPU, 1 all CPUs: pcp lists to buddy */
	OP_KSWAPD,		/* a=1 hold kswapd back, 0 let it run */
	OP_NR
};

/* gfp classes (low 3 bits of the gfp byte, value wraps modulo GFPC_NR). */
enum prog_gfp_class {
	GFPC_ATOMIC,
	GFPC_NOWAIT,
	GFPC_KERNEL,
	GFPC_NOIO,
	GFPC_NOFS,
	GFPC_NR
};

/* gfp modifiers (high 5 bits of the gfp byte). */
#define GFPM_NOFAIL	0x08u
#define GFPM_MEMALLOC	0x10u
#define GFPM_NOMEMALLOC	0x20u
#define GFPM_NOWARN	0x40u
#define GFPM_HIGH	0x80u
#define GFPM_ALL	0xf8u

enum prog_lock_kind {
	LOCKK_PLAIN,		/* spin_lock() */
	LOCKK_BH,		/* spin_lock_bh() */
	LOCKK_IRQSAVE,		/* spin_lock_irqsave() */
	LOCKK_NR
};

/* Exhaustion lines, highest to lowest (faultinject names them). */
enum prog_line {
	LINE_HIGH,
	LINE_LOW,
	LINE_MIN,
	LINE_ATOMIC,		/* where GFP_ATOMIC's next order-0 allocation fails */
	LINE_HIGHATOMIC,	/* only highatomic pageblocks left */
	LINE_ZERO,
	LINE_NR
};

/* One op: an op code and three argument bytes. */
struct prog_op {
	uint8_t code;		/* enum prog_opcode, < OP_NR */
	uint8_t a, b, c;	/* arguments, canonical (in range, unused 0) */
};

/* ---- actors --------------------------------------------------------- */

enum prog_actor_kind {
	ACTOR_TASK,
	ACTOR_HARDIRQ,
	ACTOR_SOFTIRQ,
	ACTOR_KIND_NR
};

/*
 * One actor. Its name is its kind's prefix and its index among the
 * actors of that kind ("task0", "irq1", "softirq0"): program_actor_name().
 * Invariant: cpu < machine.nr_cpus, 1 <= fires <= PROG_MAX_FIRES (1 for
 * tasks), nr_ops <= PROG_MAX_OPS.
 */
struct prog_actor {
	uint8_t kind;		/* enum prog_actor_kind */
	uint8_t cpu;
	uint8_t fires;		/* interrupt handlers: most firings per run */
	uint8_t nr_ops;
	struct prog_op ops[PROG_MAX_OPS];
};

/* ---- fault plan ----------------------------------------------------- */

enum prog_fault_type {
	FAULT_FAIL_NTH,		/* value = n: fail the n-th attempt */
	FAULT_INTERVAL,		/* value = n: fail every n-th attempt */
	FAULT_PROBABILITY,	/* value = percent, seed = prng seed */
	FAULT_TYPE_NR
};

/*
 * One entry of the fault plan, printed in faultinject's plan syntax
 * (fail-nth=3,actor=irq0,...). Invariant: 1 <= value <= type's maximum,
 * actor is 0 (any) or 1 + an existing actor index, ctx 0 (any) or
 * 1 + enum lab_ctx, min_order <= 3, times 0 (unlimited) .. 15.
 */
struct prog_fault {
	uint8_t type;
	uint8_t value;
	uint8_t actor;
	uint8_t ctx;
	uint8_t min_order;
	uint8_t times;
	bool ignore_gfp_wait;
};

/* ---- the program ---------------------------------------------------- */

/*
 * A whole program. Invariant (after decode, parse or legalize):
 * nr_actors <= PROG_MAX_ACTORS, nr_faults <= PROG_MAX_FAULTS,
 * sched_len <= PROG_MAX_SCHED and program_is_legal(p). Entries beyond
 * a count are not part of the program (decode and parse zero them;
 * program_equal() compares the canonical bytes).
 */
struct program {
	struct prog_machine machine;
	uint8_t nr_actors;
	struct prog_actor actors[PROG_MAX_ACTORS];
	uint8_t nr_faults;
	struct prog_fault faults[PROG_MAX_FAULTS];
	uint16_t sched_len;
	uint8_t sched[PROG_MAX_SCHED];
};

/* A default machine and no actors. */
void program_init(struct program *p);

/* Bytes -> legal program. Total: never fails, never reads past len. */
void program_decode(const uint8_t *data, size_t len, struct program *p);
/* Program -> canonical bytes; returns the length (<= cap, cap >= PROG_MAX_BYTES). */
size_t program_encode(const struct program *p, uint8_t *out, size_t cap);

/* Program -> canonical text into buf (NUL-terminated); returns the length. */
size_t program_format(const struct program *p, char *buf, size_t cap);
/*
 * Text -> program. 0 on success (the program is legalized; *changed, if
 * not NULL, counts the ops and fields legalization changed), -1 on a
 * parse error with "line N: message" in err.
 */
int program_parse(const char *text, struct program *p, int *changed,
		  char *err, size_t errlen);

/*
 * Load a file: text when its name ends in ".lab", bytes otherwise (the
 * fuzzers' own files, decoded exactly as the fuzz target did). Returns
 * 0, or -1 with a message in err (unreadable file, parse error).
 */
int program_load(const char *path, struct program *p, char *err, size_t errlen);
bool program_looks_like_text(const uint8_t *data, size_t len);

/* Make p legal in place; returns the number of changes. Idempotent. */
int program_legalize(struct program *p);
/* True iff p keeps every rule (checks, changes nothing). */
bool program_is_legal(const struct program *p);
bool program_equal(const struct program *a, const struct program *b);

/* Names used by the text form and by the interpreter's actors. */
void program_actor_name(const struct program *p, int idx, char *buf, size_t len);
const char *program_op_name(unsigned int code);
const char *program_gfp_class_name(unsigned int cls);
unsigned int program_gfp_mask(uint8_t gfpbyte);	/* -> gfp_t value */
const char *program_line_name(unsigned int line);
const char *program_chan_name(unsigned int chan);
/* One op in the text form, no indent or newline ("alloc s0 KERNEL order=0"). */
size_t program_format_op(const struct program *p, const struct prog_op *op,
			 char *buf, size_t cap);
/* Plan text of one fault entry in faultinject syntax (no spaces). */
size_t program_fault_format(const struct program *p, const struct prog_fault *f,
			    char *buf, size_t cap);

#endif /* LABYRINTH_FUZZ_PROGRAM_H */
