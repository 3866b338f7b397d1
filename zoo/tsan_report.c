// SPDX-License-Identifier: MIT
/*
 * tsan_report.c: give ThreadSanitizer's data-race reports a labyrinth
 * signature, "data-race/FUNCTION/CONTEXT", like every other detector.
 *
 * TSan prints its own report and then calls the weak hook
 * __tsan_on_report() (compiler-rt tsan_rtl_report.cpp, OutputReport(),
 * right after PrintReport() and before halt_on_error's Die()). Here we
 * read the report back through TSan's debugging API
 * (__tsan_get_report_data / __tsan_get_report_mop, the interface
 * debuggers use), symbolize the first access's top frame, skip frames in
 * the shared headers (list.h, kernel.h: inlined helpers are not the
 * function to blame) and write a labyrinth report through check/report.h
 * for the context that made the access. Linked only into TSan builds of
 * the zoo (and usable by any TSan binary that wants the signature).
 *
 * Everything here runs inside TSan's report path, so it tells TSan to
 * ignore its own accesses: a race inside the hook would re-enter it.
 */
#include <string.h>
#include <labyrinth/kernel.h>
#include <labyrinth/zoo.h>
#include "check/report.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZOO_TSAN 1
#endif
#endif

#ifdef ZOO_TSAN
int __tsan_get_report_data(void *report, const char **description, int *count,
			   int *stack_count, int *mop_count, int *loc_count,
			   int *mutex_count, int *thread_count, int *unique_tid_count,
			   void **sleep_trace, unsigned long trace_size);
int __tsan_get_report_mop(void *report, unsigned long idx, int *tid, void **addr,
			  int *size, int *write, int *atomic, void **trace,
			  unsigned long trace_size);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
void __sanitizer_symbolize_pc(void *pc, const char *fmt, char *out, size_t size);

#define ZOO_TRACE	16

/*
 * The function of the first frame outside include/labyrinth/ among the
 * inlined frames of pc and then the callers. out gets "??" if none.
 */
static void blame_function(void **trace, int n, char *out, size_t size)
{
	static char buf[4096];

	snprintf(out, size, "??");
	for (int i = 0; i < n && trace[i]; i++) {
		char *p = buf;

		memset(buf, 0, sizeof(buf));
		/* one "FUNCTION FILE" string per inlined frame, innermost first */
		__sanitizer_symbolize_pc(trace[i], "%f %s", buf, sizeof(buf) - 1);
		while (*p) {
			char *sp = strchr(p, ' ');
			size_t len = strlen(p);

			if (sp && !strstr(sp, "include/labyrinth/") && strncmp(p, "__tsan", 6) &&
			    strncmp(p, "__interceptor", 13)) {
				snprintf(out, size, "%.*s", (int)(sp - p), p);
				return;
			}
			p += len + 1;
		}
	}
}

__attribute__((no_sanitize("thread"))) void __tsan_on_report(void *report)
{
	void *trace[ZOO_TRACE] = { 0 };
	const char *desc = "";
	int count, stacks, mops, locs, mutexes, threads, tids;
	int tid, size, write, atomic;
	void *addr, *sleep[1];
	static char func[128];
	enum report_mode mode;

	__tsan_ignore_thread_begin();
	if (!__tsan_get_report_data(report, &desc, &count, &stacks, &mops, &locs, &mutexes,
				    &threads, &tids, sleep, 1) ||
	    strcmp(desc, "data-race") || mops < 1 ||
	    !__tsan_get_report_mop(report, 0, &tid, &addr, &size, &write, &atomic,
				   trace, ZOO_TRACE))
		goto out;
	blame_function(trace, ZOO_TRACE, func, sizeof(func));
	/* the zoo's data-race bugs record "triggered" when TSan reports them */
	if (zoo_canary_state.first[ZOO_CANARY_REACHED] && zoo_canary_state.name[ZOO_CANARY_REACHED])
		zoo_canary(ZOO_CANARY_TRIGGERED, zoo_canary_state.name[ZOO_CANARY_REACHED]);
	/*
	 * No abort() of ours: TSan stops the process itself right after this
	 * hook (halt_on_error, as every fuzzing script sets it), and under
	 * libFuzzer an abort from inside TSan's report path hangs in the
	 * fuzzer's deadly-signal handler, while TSan's own halt still runs
	 * libFuzzer's death callback (the crash input is written).
	 */
	mode = report_get_mode();
	report_set_mode(REPORT_RECORD);
	report_begin(REPORT_DATA_RACE, func, lab_current().ctx);
	report_printf("BUG: data race: %s of size %d at %p by the context below "
		      "(ThreadSanitizer's report above)\n", write ? "write" : "read", size, addr);
	report_end();
	report_set_mode(mode);
out:
	__tsan_ignore_thread_end();
}
#endif
