#!/usr/bin/env bash
# Executions per second of each fuzz target, ASan+UBSan, one core:
# libFuzzer and AFL++ from the shipped seeds, 3 repetitions of 10 s,
# median; and the bare replay loop (no engine) for reference.
# Generated into the build tree (tests/fuzz/build.mk); part of `make bench`.
set -uo pipefail
B=@B@
LF=@LF@
AF=@AF@
BUILD_DIR=@BUILD@
T=$(mktemp -d "$BUILD_DIR/tmp.bench.XXXXXX"); trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }
for t in @TARGETS@; do
	r=$(for i in 1 2 3; do
		rm -rf "$T/c"; mkdir -p "$T/c"; cp "$B/corpus/$t/"*.bin "$T/c/"
		"$LF/fuzz/$t-libfuzzer" -max_total_time=10 -seed=$i -print_final_stats=1 "$T/c" 2>&1 |
			sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p'
	done | median)
	echo "$t libfuzzer: $r exec/s (median of 3 x 10 s, $(basename "$(dirname "$LF")")/$(basename "$LF"))"
	if command -v afl-fuzz >/dev/null && [ -x "$AF/fuzz/$t-afl" ]; then
		r=$(for i in 1 2 3; do
			rm -rf "$T/in" "$T/out"; mkdir -p "$T/in"; cp "$B/corpus/$t/"*.bin "$T/in/"
			AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1 \
				afl-fuzz -i "$T/in" -o "$T/out" -V 10 -s $i -- "$AF/fuzz/$t-afl" >/dev/null 2>&1
			awk -F' *: *' '$1=="execs_per_sec"{print int($2)}' "$T/out/default/fuzzer_stats"
		done | median)
		echo "$t afl++: $r exec/s (median of 3 x 10 s)"
	fi
	r=$(for i in 1 2 3; do
		LABYRINTH_REPEAT=200 "$B/fuzz/$t-replay" "$B/corpus/$t/"*.bin 2>&1 |
			sed -nE 's/^replay: .* ([0-9]+) exec\/s/\1/p'
	done | median)
	echo "$t replay loop (no engine, $(basename "$B")): $r exec/s"
done
