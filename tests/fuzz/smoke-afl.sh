#!/usr/bin/env bash
# AFL++ smoke: each target runs a few seconds in persistent shared-memory
# mode from its seeds with no crash on the clean build; the planted test
# bug is found by afl-fuzz and the crash file it saved replays to the
# same signature 10 times out of 10. afl-fuzz exits 0 even after a crash,
# so crashes are read from its output directory (TOOLCHAIN.md).
set -uo pipefail
B=@B@
AF=@AF@
BUILD_DIR=@BUILD@
. tests/fuzz/lib.sh
if ! command -v afl-fuzz >/dev/null; then
	echo "afl-fuzz not installed (make deps): skipped"; finish; exit
fi
mk_tmp
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SKIP_CRASHES=1 AFL_NO_AFFINITY=1 AFL_QUIET=1
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0

for t in @TARGETS@; do
	mkdir -p "$T/in-$t"
	cp "$B/corpus/$t/"*.bin "$T/in-$t/"
	afl-fuzz -i "$T/in-$t" -o "$T/out-$t" -V 5 -t 10000 -x "fuzz/$t.dict" -- "$AF/fuzz/$t-afl" \
		> "$T/log-$t" 2>&1
	st=$T/out-$t/default/fuzzer_stats
	ex=$(awk -F' *: *' '$1=="execs_done"{print $2}' "$st" 2>/dev/null)
	cr=$(awk -F' *: *' '$1=="saved_crashes"{print $2}' "$st" 2>/dev/null)
	check "$t: afl-fuzz ran (${ex:-0} execs)" [ "${ex:-0}" -gt 8 ]
	check "$t: no crash on the clean build (${cr:-?})" [ "${cr:-1}" = 0 ]
	[ -f "$st" ] || tail -n 20 "$T/log-$t"
done

# the structure-aware mutator library beside AFL++'s own stages: it
# loads, its outputs reach the queue (named by afl_custom_describe),
# no crash on the clean build
mkdir -p "$T/in-mut"
cp "$B/corpus/ops/"*.bin "$T/in-mut/"
AFL_CUSTOM_MUTATOR_LIBRARY=$(realpath "$B/fuzz/ops-mutator.so") afl-fuzz -i "$T/in-mut" \
	-o "$T/out-mut" -V 5 -t 10000 -x fuzz/ops.dict -- "$AF/fuzz/ops-afl" > "$T/log-mut" 2>&1
st=$T/out-mut/default/fuzzer_stats
cr=$(awk -F' *: *' '$1=="saved_crashes"{print $2}' "$st" 2>/dev/null)
nq=$(ls "$T/out-mut/default/queue" 2>/dev/null | grep -c ',lab-')
check "ops: afl-fuzz loads the custom mutator" grep -q 'Loading custom mutator library' "$T/log-mut"
check "ops: its mutations reach the queue ($nq entries)" [ "$nq" -gt 0 ]
check "ops: no crash with the custom mutator (${cr:-?})" [ "${cr:-1}" = 0 ]

mkdir -p "$T/inb"
cp "$B/corpus/ops/"*.bin "$T/inb/"
"$B/tools/labyrinth" asm tests/fuzz/planted.lab -o "$T/inb/planted.bin"
AFL_BENCH_UNTIL_CRASH=1 afl-fuzz -i "$T/inb" -o "$T/outb" -V 120 -t 10000 -x fuzz/ops.dict \
	-- "$AF/tests/fuzz/ops-bug-afl" > "$T/log-bug" 2>&1
crash=$(ls "$T/outb/default/crashes/"id:* 2>/dev/null | head -n 1)
check "planted bug: afl-fuzz finds it and saves a crash" [ -n "$crash" ]
want=double-free/lab_free/hardirq
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	got=$("$B/tests/fuzz/ops-bug-replay" "$crash" 2>&1 | sed -nE 's/^signature: (.*)/\1/p' | head -n 1)
	[ "$got" = "$want" ] && same=$((same + 1))
done
check "planted bug: AFL++'s crash file replays to $want 10/10 ($same/10)" [ $same = 10 ]
finish
