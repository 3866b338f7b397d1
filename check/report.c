// SPDX-License-Identifier: MIT
/* Reports: see report.h. All state in one struct, reset every run. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check/report.h"

#define REPORT_TEXT_MAX	(64 * 1024)
#define SIG_MAX		160

static const char *const kind_names[REPORT_KIND_NR] = {
	[REPORT_ATOMIC_SLEEP]	= "atomic-sleep",
	[REPORT_DEADLOCK]	= "deadlock",
	[REPORT_IRQ_UNSAFE_LOCK] = "irq-unsafe-lock",
	[REPORT_DOUBLE_OWN]	= "double-own",
	[REPORT_USE_AFTER_FREE]	= "use-after-free",
	[REPORT_USE_AFTER_GIVE]	= "use-after-give",
	[REPORT_DOUBLE_FREE]	= "double-free",
	[REPORT_BAD_FREE]	= "bad-free",
	[REPORT_RESERVE]	= "reserve",
	[REPORT_STALL]		= "stall",
	[REPORT_LEAK]		= "leak",
	[REPORT_INVARIANT]	= "invariant",
	[REPORT_DATA_RACE]	= "data-race",
	[REPORT_IMBALANCE]	= "imbalance",
};

/* Invariant: len < REPORT_TEXT_MAX; text[len] == 0; open => inside begin/end. */
static struct {
	enum report_mode mode;
	FILE *stream;
	bool stream_set;
	void (*trace_fn)(void *);
	void *trace_arg;
	int count;
	bool open;
	enum report_kind first_kind;
	char first_sig[SIG_MAX];
	char cur_sig[SIG_MAX];
	size_t len;
	char text[REPORT_TEXT_MAX];
} R;

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_NR ? kind_names[k] : "unknown";
}

const char *lab_ctx_name(int ctx)
{
	switch (ctx) {
	case LAB_CTX_TASK:	return "task";
	case LAB_CTX_SOFTIRQ:	return "softirq";
	case LAB_CTX_HARDIRQ:	return "hardirq";
	}
	return "unknown";
}

void report_reset(void)
{
	R.count = 0;
	R.open = false;
	R.first_sig[0] = 0;
	R.cur_sig[0] = 0;
	R.len = 0;
	R.text[0] = 0;
}

void report_set_mode(enum report_mode m)
{
	R.mode = m;
}

enum report_mode report_get_mode(void)
{
	return R.mode;
}

void report_set_stream(void *file)
{
	R.stream = file;
	R.stream_set = true;
}

void report_set_trace_hook(void (*fn)(void *), void *arg)
{
	R.trace_fn = fn;
	R.trace_arg = arg;
}

static FILE *out_stream(void)
{
	return R.stream_set ? R.stream : stderr;
}

static void emit(const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	FILE *f = out_stream();

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (R.len + (size_t)n < REPORT_TEXT_MAX) {
		memcpy(R.text + R.len, line, (size_t)n);
		R.len += (size_t)n;
		R.text[R.len] = 0;
	}
	if (f)
		fwrite(line, 1, (size_t)n, f);
}

void report_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void report_begin(enum report_kind kind, const char *func, int ctx)
{
	snprintf(R.cur_sig, sizeof(R.cur_sig), "%s/%s/%s",
		 report_kind_name(kind), func ? func : "unknown",
		 lab_ctx_name(ctx));
	if (R.count == 0) {
		R.first_kind = kind;
		memcpy(R.first_sig, R.cur_sig, sizeof(R.first_sig));
	}
	R.count++;
	R.open = true;
	report_printf("==================================================================\n");
}

void report_end(void)
{
	FILE *f = out_stream();

	if (R.trace_fn)
		R.trace_fn(R.trace_arg);
	report_printf("signature: %s\n", R.cur_sig);
	R.open = false;
	if (f)
		fflush(f);
	if (R.mode == REPORT_ABORT)
		abort();
}

bool report_fired(void)
{
	return R.count > 0;
}

int report_count(void)
{
	return R.count;
}

enum report_kind report_first_kind(void)
{
	return R.first_kind;
}

const char *report_signature(void)
{
	return R.first_sig;
}

const char *report_text(void)
{
	return R.text;
}
