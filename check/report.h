/* SPDX-License-Identifier: MIT */
/*
 * Reports: kernel-style splats ending in a stable signature line
 *
 *	signature: KIND/FUNCTION/CONTEXT
 *
 * Every detector reports through here. A run keeps the first report as
 * its verdict (later ones are printed and counted). In REPORT_ABORT mode
 * (fuzzing) the first report ends the process with abort() after the
 * text is flushed; in REPORT_RECORD mode (tests, explore) the run goes
 * on or is stopped by its driver, and the verdict is read back.
 */
#ifndef LABYRINTH_CHECK_REPORT_H
#define LABYRINTH_CHECK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <labyrinth/kernel.h>

enum report_kind {
	REPORT_ATOMIC_SLEEP,
	REPORT_DEADLOCK,
	REPORT_IRQ_UNSAFE_LOCK,
	REPORT_DOUBLE_OWN,
	REPORT_USE_AFTER_FREE,
	REPORT_USE_AFTER_GIVE,
	REPORT_DOUBLE_FREE,
	REPORT_BAD_FREE,
	REPORT_RESERVE,
	REPORT_STALL,
	REPORT_LEAK,
	REPORT_INVARIANT,
	REPORT_DATA_RACE,
	REPORT_IMBALANCE,
	REPORT_KIND_NR
};

enum report_mode {
	REPORT_RECORD,		/* keep the verdict, return to the caller */
	REPORT_ABORT,		/* print, then abort() (fuzz targets) */
};

const char *report_kind_name(enum report_kind k);	/* "atomic-sleep" ... */
const char *lab_ctx_name(int ctx);			/* "task", "softirq", "hardirq" */

void report_reset(void);			/* start of every run */
void report_set_mode(enum report_mode m);
enum report_mode report_get_mode(void);
/* Where text goes besides the in-memory buffer (default stderr; NULL: nowhere). */
void report_set_stream(void *file);		/* FILE * */
/* Called at the end of each report to append the schedule trace. */
void report_set_trace_hook(void (*fn)(void *arg), void *arg);

/*
 * Write one report: begin, any number of report_printf() lines, end.
 * func and ctx make the signature; func must be a stable function name
 * (a lab_site's ->func), never an address or a line number.
 */
void report_begin(enum report_kind kind, const char *func, int ctx);
void report_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report_end(void);

/* The verdict of this run. */
bool report_fired(void);
int report_count(void);
enum report_kind report_first_kind(void);
const char *report_signature(void);		/* first signature, "" if none */
const char *report_text(void);			/* all report text of this run */

#endif
