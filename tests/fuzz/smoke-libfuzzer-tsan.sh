#!/usr/bin/env bash
# The libFuzzer build under ThreadSanitizer (the nightly's tsan engine,
# docs/nightly.md): every seed and a fixed number of fuzzed inputs run
# with no report, and the same build still reports a real race in the
# code under test. Before the engine's own coverage state was set apart
# (sim/fiber.c, the Makefile's SAN=tsan flags) the first input of every
# run was reported, in the first function a task fiber entered.
# Generated into the build tree with B= and LF= set (tests/fuzz/build.mk).
set -uo pipefail
B=@B@
LF=@LF@
BUILD_DIR=@BUILD@
. tests/fuzz/lib.sh
mk_tmp
# as the nightly runs it: halt at the first report, no abort (libFuzzer's
# deadly-signal handler hangs under TSan after a report)
export TSAN_OPTIONS=halt_on_error=1
SETARCH=(setarch "$(uname -m)" -R)	# clang 14's TSan and ASLR entropy

mkdir -p "$T/c" "$T/a"
cp "$B/corpus/ops/"*.bin "$T/c/"
n=$(ls "$T/c" | wc -l)

# 1. the seeds, each once: the path every TSan start takes first
"${SETARCH[@]}" "$LF/fuzz/ops-libfuzzer" -runs=0 -timeout=60 -artifact_prefix="$T/a/" "$T/c" > "$T/seeds.log" 2>&1
rc=$?
check "$n seeds under TSan: exit 0 (got $rc)" [ $rc = 0 ]
check "$n seeds under TSan: no TSan report" bash -c "! grep -q 'ThreadSanitizer' '$T/seeds.log'"
[ $rc = 0 ] || grep -m 3 -E 'SUMMARY|#0' "$T/seeds.log"

# 2. fuzzing, bounded by executions: mutated schedules switch CPUs at
# new points, so fibers of different CPUs meet in new code
"${SETARCH[@]}" "$LF/fuzz/ops-libfuzzer" -runs=300 -seed=1 -timeout=60 -dict=fuzz/ops.dict \
	-artifact_prefix="$T/a/" -print_final_stats=1 "$T/c" > "$T/fuzz.log" 2>&1
rc=$?
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$T/fuzz.log")
check "300 fuzzed inputs under TSan: exit 0, no report (exit $rc)" \
	bash -c "[ $rc = 0 ] && ! grep -q 'ThreadSanitizer' '$T/fuzz.log'"
check "executed inputs (${runs:-0})" [ "${runs:-0}" -ge 300 ]
[ $rc = 0 ] || grep -m 3 -E 'SUMMARY|#0' "$T/fuzz.log"

# 3. positive control: the zoo's data race (pcp_remote_nolock) in the
# same kind of build is still reported, on the allocator's state, from
# the drain: setting the engine's state apart hides nothing else
# (fuzzing mode, from a corpus holding the reproducer: the crash input
# is written as the nightly's tsan engine needs it)
mkdir -p "$T/rc"
"$B/tools/labyrinth" asm tests/zoo/pcp_remote_nolock.repro.lab -o "$T/rc/race.bin" > /dev/null
timeout -k 5 120 "${SETARCH[@]}" "$LF/tests/fuzz/ops-race-libfuzzer" -runs=10 -seed=1 -timeout=60 \
	-artifact_prefix="$T/a/" "$T/rc" > "$T/race.log" 2>&1
rc=$?
check "zoo race: TSan halts the run (exit $rc, want 66)" [ $rc = 66 ]
check "zoo race: reported once, on the allocator's zone" \
	bash -c "[ \$(grep -c 'WARNING: ThreadSanitizer: data race' '$T/race.log') = 1 ] &&
		grep -q \"Location is global 'contig_page_data'\" '$T/race.log'"
check "zoo race: one side is drain_pages_zone" grep -qE '#[0-9]+ drain_pages_zone ' "$T/race.log"
check "zoo race: a signature line (zoo/tsan_report.c), and TSan's halt, not a hang" \
	grep -q '^signature: data-race/.*/task' "$T/race.log"
check "zoo race: libFuzzer wrote the crash input" bash -c "ls '$T/a/'crash-* > /dev/null 2>&1"
finish
