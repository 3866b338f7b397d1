#!/usr/bin/env bash
# `make fuzz TARGET=<scenario>` and `make repro` of a scenario finding:
# each scenario target fuzzes a bounded number of executions from its
# seeds through the same job as ops (progress, summary, exit 0 with no
# finding); an unknown TARGET is a clear error with exit 2; `make repro`
# replays a scenario's bytes with its own tool (scn-<name> run), clean on
# the clean build and reproduced, with its signature, on the build of
# the zoo bug nic_touch_after_give. Generated into the build tree with
# B= and BUILD= set (tests/fuzz/build.mk).
set -uo pipefail
B=@B@
BUILD_DIR=@BUILD@
MAKE=${MAKE:-make}
. tests/fuzz/lib.sh
mk_tmp
# exit status $1 is $2 and the output $out has $3
is() { [ "$1" = "$2" ] && grep -q -- "$3" <<<"$out"; }
unset TARGET ENGINE FUZZ_TIME FUZZ_RUNS JOBS ZOO

out=$($MAKE -s --no-print-directory fuzz TARGET=nosuch BUILD="$BUILD_DIR" 2>&1); rc=$?
check "unknown TARGET: exit 2 ($rc)" [ $rc = 2 ]
check "unknown TARGET: names the targets" grep -q "no target 'nosuch'.*nic" <<<"$out"

for t in @SCENARIOS@; do
	$MAKE -s --no-print-directory fuzz TARGET="$t" ENGINE=libfuzzer FUZZ_TIME=0 FUZZ_RUNS=400 \
		BUILD="$BUILD_DIR" FUZZ_WORK="$T/work-$t" FUZZ_CRASHES="$T/crashes-$t" \
		> "$T/log-$t" 2>&1
	rc=$?
	check "$t: make fuzz, 400 executions, no finding (exit $rc)" [ $rc = 0 ]
	n=$(sed -nE 's/^  executions +([0-9]+).*/\1/p' "$T/log-$t")
	check "$t: summary counts the executions (${n:-none})" [ "${n:-0}" -ge 400 ]
	check "$t: summary has the corpus and coverage" \
		grep -qE '^  coverage +[0-9]+' "$T/log-$t"
	check "$t: the corpus grew from the seeds" \
		[ "$(ls "$T/work-$t/corpus" | wc -l)" -gt "$(ls "corpus/$t" | wc -l)" ]
	[ $rc = 0 ] || tail -n 20 "$T/log-$t"
done

# make repro of scenario bytes (make exits 2 when it ran clean): found by
# the directory crashes/nic/ or by TARGET=nic, replayed by scn-nic (its
# summary line counts checkpoints)
mkdir -p "$T/crashes/nic"
cp "$B/corpus/nic/basic.bin" "$T/crashes/nic/crash-basic"
out=$($MAKE -s --no-print-directory repro CRASH="$T/crashes/nic/crash-basic" 2>&1); rc=$?
check "repro crashes/nic/FILE: the scenario tool replays it (exit $rc)" is $rc 2 "checkpoints"
check "repro crashes/nic/FILE: clean, not reproduced" is $rc 2 "did not reproduce"
cp "$B/corpus/nic/basic.bin" "$T/crash-basic"
out=$($MAKE -s --no-print-directory repro TARGET=nic CRASH="$T/crash-basic" 2>&1); rc=$?
check "repro TARGET=nic: the scenario tool replays it (exit $rc)" is $rc 2 "checkpoints"

# a real scenario finding, as bytes: the zoo bug's reproducer on its build
zb=${B}-zoo-nic_touch_after_give
$MAKE -s --no-print-directory ZOO=nic_touch_after_give "$zb/fuzz/scn-nic" >/dev/null 2>&1
"$zb/fuzz/scn-nic" asm tests/zoo/nic_touch_after_give.scn.lab -o "$T/crashes/nic/crash-zoo"
out=$($MAKE -s --no-print-directory repro ZOO=nic_touch_after_give \
	CRASH="$T/crashes/nic/crash-zoo" 2>&1); rc=$?
check "repro of a nic finding: reproduced (exit $rc)" is $rc 0 "repro: reproduced"
check "repro of a nic finding: its signature" is $rc 0 "signature: use-after-give/nic_poll/softirq"
out=$($MAKE -s --no-print-directory repro CRASH="$T/crashes/nic/crash-zoo" 2>&1); rc=$?
check "the same bytes on the clean build: clean (exit $rc)" is $rc 2 "did not reproduce"
finish
