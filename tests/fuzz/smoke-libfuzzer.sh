#!/usr/bin/env bash
# libFuzzer smoke: each target runs a few seconds from its seeds with no
# finding on the clean build; the planted test bug (tests/fuzz/test_bug.c)
# is found by libFuzzer, and the crash file libFuzzer itself wrote
# replays to the same signature 10 times out of 10. Generated into the
# build tree with B= and LF= set (tests/fuzz/build.mk).
set -uo pipefail
B=@B@
LF=@LF@
BUILD_DIR=@BUILD@
. tests/fuzz/lib.sh
mk_tmp
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0:dedup_token_length=1

for t in @TARGETS@; do
	mkdir -p "$T/c-$t" "$T/a-$t"
	cp "$B/corpus/$t/"*.bin "$T/c-$t/"
	"$LF/fuzz/$t-libfuzzer" -max_total_time=5 -seed=1 -timeout=10 -dict=fuzz/$t.dict \
		-artifact_prefix="$T/a-$t/" -print_final_stats=1 "$T/c-$t" > "$T/log-$t" 2>&1
	rc=$?
	check "$t: 5 s of libFuzzer, no finding (exit $rc)" [ $rc = 0 ]
	n=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$T/log-$t")
	check "$t: executed inputs (${n:-0})" [ "${n:-0}" -gt 8 ]
	[ $rc = 0 ] || grep -E 'signature:|ERROR' "$T/log-$t" | head -n 5
done

# the structure-aware mutator (fuzz/mutate.h) is what libFuzzer runs on
# ops: 2,000 executions from the seeds, clean, and new inputs made by it
mkdir -p "$T/cm" "$T/am"
cp "$B/corpus/ops/"*.bin "$T/cm/"
"$LF/fuzz/ops-libfuzzer" -runs=2000 -seed=3 -timeout=10 -max_len=1600 -dict=fuzz/ops.dict \
	-artifact_prefix="$T/am/" -print_final_stats=1 "$T/cm" > "$T/log-mut" 2>&1
rc=$?
check "ops: 2000 runs with the custom mutator, no finding (exit $rc)" [ $rc = 0 ]
check "ops: libFuzzer uses LLVMFuzzerCustomMutator" grep -q 'found LLVMFuzzerCustomMutator' "$T/log-mut"
nc=$(grep -cE 'NEW .*MS: .*Custom(CrossOver)?-' "$T/log-mut")
check "ops: struct mutations and crossovers add inputs ($nc new)" [ "$nc" -gt 5 ]
[ $rc = 0 ] || grep -E 'signature:|ERROR' "$T/log-mut" | head -n 5

# the planted bug: seeds plus the planted program, which is clean until
# a mutated schedule fires irq0 inside task0
mkdir -p "$T/cb" "$T/ab"
cp "$B/corpus/ops/"*.bin "$T/cb/"
"$B/tools/labyrinth" asm tests/fuzz/planted.lab -o "$T/cb/planted.bin"
"$LF/tests/fuzz/ops-bug-libfuzzer" -max_total_time=120 -seed=1 -timeout=10 -dict=fuzz/ops.dict \
	-artifact_prefix="$T/ab/" "$T/cb" > "$T/log-bug" 2>&1
crash=$(ls "$T/ab/"crash-* 2>/dev/null | head -n 1)
check "planted bug: libFuzzer finds it and writes a crash file" [ -n "$crash" ]
want=$(sed -nE 's/^signature: (.*)/\1/p' "$T/log-bug" | head -n 1)
check "planted bug: the fuzzer's report ends in a signature" [ -n "$want" ]
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	got=$("$B/tests/fuzz/ops-bug-replay" "$crash" 2>&1 | sed -nE 's/^signature: (.*)/\1/p' | head -n 1)
	[ -n "$got" ] && [ "$got" = "$want" ] && same=$((same + 1))
done
check "planted bug: replay binary, same signature 10/10 ($same/10: $want)" [ $same = 10 ]
same=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	got=$("$B/tests/fuzz/labyrinth-bug" run "$crash" 2>/dev/null | sed -nE 's/.*signature: (.*)/\1/p')
	[ "$got" = "$want" ] && same=$((same + 1))
done
check "planted bug: labyrinth run, same signature 10/10 ($same/10)" [ $same = 10 ]
finish
