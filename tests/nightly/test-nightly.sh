#!/usr/bin/env bash
# The nightly campaign end to end, on the ops target with libFuzzer
# (the engines' own smoke tests live in tests/fuzz/):
#  - the clean build: exit 0, a report, a summary, coverage;
#  - a bug-zoo build (ZOO=pcp_plain_lock, zoo/bugs.def): its bug found
#    from the shipped seeds, replayed 3/3 in fresh processes, minimized,
#    stored with its report, reported as new, exit 1;
#  - the same campaign with that signature in a known list: exit 0;
#  - SIGTERM and SIGKILL in the middle of a campaign: every finding and
#    every corpus input written before survives, the next run resumes.
# Every campaign is bounded by executions (NIGHTLY_RUNS), not by time:
# with the run number as the seed each one is the same walk on an idle
# or a loaded machine (NIGHTLY_TIME is only a safety cap).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/nightly/lib.sh
ZOO=pcp_plain_lock
# the first of the bug's signatures: lockdep's, the one the walk meets
SIG=$(awk -v b=$ZOO '$1 == b { split($6, s, "|"); print s[1] }' zoo/bugs.def)	# irq-unsafe-lock/pcp_is_valid/task
SLUG=$(sed 's#/#__#g' <<<"$SIG")
base=(NIGHTLY_TARGETS=ops NIGHTLY_ENGINES=libfuzzer NIGHTLY_REPLAYS=3 NIGHTLY_MIN_TIME=10
      NIGHTLY_MIN_FREE_MB=256 NIGHTLY_TIME=300)
nightly() { env "${base[@]}" "$@" ci/nightly.sh; }
# The variants are built where `make test` already built the same ones
# (the host tools and libFuzzer targets of `make fuzz`, DEBUG=0): only
# coverage and the zoo variant are compiled here.
NB=build

# 1. clean build
nightly NIGHTLY_DIR="$T/clean" NIGHTLY_BUILD=$NB NIGHTLY_RUNS=200 > "$T/clean.log" 2>&1
rc=$?
check "clean build: exit 0 (got $rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/clean.log"
S=$T/clean/summary.json
check "clean build: report.md and summary.json" test -s "$T/clean/report.md" -a -s "$S"
check "clean build: executions counted ($(jq '.targets.ops.engines.libfuzzer.executions' "$S" 2>/dev/null))" \
	[ "$(jq '.targets.ops.engines.libfuzzer.executions' "$S" 2>/dev/null || echo 0)" -ge 200 ]
check "clean build: no signature" [ "$(jq '.signatures | length' "$S" 2>/dev/null)" = 0 ]
check "clean build: line and branch coverage per folder" \
	[ "$(jq '.coverage.folders.allocator.lines > 0 and .coverage.branches > 0' "$S" 2>/dev/null)" = true ]
check "clean build: HTML coverage" [ -f "$T/clean/coverage/html/index.html" ]

# 1b. the second allocator (make nightly ALLOC=pool): the same binaries,
# the allocator chosen at run time, so nothing is built again
LABYRINTH_ALLOC=pool nightly NIGHTLY_DIR="$T/pool" NIGHTLY_BUILD=$NB NIGHTLY_RUNS=200 \
	NIGHTLY_COVERAGE=0 > "$T/pool.log" 2>&1
rc=$?
check "pool: exit 0 (got $rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/pool.log"
S=$T/pool/summary.json
check "pool: the report names the allocator" sh -c \
	"[ \"\$(jq -r .allocator '$S' 2>/dev/null)\" = pool ] && grep -q 'allocator \`pool\`' '$T/pool/report.md'"
check "pool: executions counted, no signature" [ "$(jq '.targets.ops.engines.libfuzzer.executions >= 200 and (.signatures | length) == 0' "$S" 2>/dev/null)" = true ]
check "clean build: the seeds are in the working corpus" \
	[ "$(ls "$T/clean/corpus/ops/" | grep -c '^seed-')" -ge "$(ls corpus/ops/*.lab | wc -l)" ]

# 2. a zoo bug, from the shipped seeds alone (libFuzzer's walk from the
# first night's seed reaches it at execution 37, every time)
P=(ZOO=$ZOO NIGHTLY_DIR="$T/zoo" NIGHTLY_BUILD=$NB NIGHTLY_COVERAGE=0)
nightly "${P[@]}" NIGHTLY_RUNS=400 > "$T/zoo.log" 2>&1
rc=$?
check "zoo bug: exit 1 (got $rc)" [ $rc = 1 ]
[ $rc = 1 ] || tail -n 20 "$T/zoo.log"
S=$T/zoo/summary.json
check "zoo bug: reported as new, with zoo/bugs.def's signature" \
	[ "$(jq -r '.new_signatures | join(" ")' "$S" 2>/dev/null)" = "$SIG" ]
F=$T/zoo/findings/$SLUG
check "zoo bug: reproducer, raw input, report, info stored" \
	test -s "$F/repro" -a -s "$F/crash" -a -s "$F/report.txt" -a -s "$F/info.json"
check "zoo bug: report names the signature" grep -q "signature: $SIG" "$F/report.txt"
r=$(jq -r .replays "$F/info.json" 2>/dev/null)
check "zoo bug: every fresh-process replay reproduces it ($r)" [ "$r" = 3/3 ]
check "zoo bug: minimized ($(stat -c %s "$F/repro" 2>/dev/null) of $(stat -c %s "$F/crash" 2>/dev/null) bytes, $(cat "$F/minimized-by" 2>/dev/null))" \
	[ "$(stat -c %s "$F/repro" 2>/dev/null || echo 1)" -lt "$(stat -c %s "$F/crash" 2>/dev/null || echo 0)" ]
lab=$(make -s --no-print-directory BUILD=$NB SAN=asan DEBUG=1 ZOO=$ZOO nightly-print-B)/tools/labyrinth
same=0
for i in 1 2 3; do
	out=$("$lab" run "$F/repro" 2>/dev/null)	# exit 1: a report
	grep -q "signature: $SIG" <<<"$out" && same=$((same + 1))
done
check "zoo bug: the stored reproducer replays to $SIG ($same/3)" [ $same = 3 ]
check "zoo bug: report.md lists it as new" grep -q "| new | \`$SIG\`" "$T/zoo/report.md"

# 3. the same finding, now known
echo "$SIG   # the zoo bug" > "$T/known.txt"
nightly "${P[@]}" NIGHTLY_RUNS=100 NIGHTLY_KNOWN="$T/known.txt" > "$T/known.log" 2>&1
rc=$?
check "known signature: exit 0 (got $rc)" [ $rc = 0 ]
check "known signature: listed as known" \
	[ "$(jq -r ".signatures[] | select(.signature == \"$SIG\") | .status" "$T/zoo/summary.json" 2>/dev/null)" = known ]

# 4. killed mid-run: SIGTERM, then SIGKILL of the whole process group
for s in TERM KILL; do
	rm -f "$T/zoo/report.md" "$T/zoo/summary.json"
	setsid env "${base[@]}" "${P[@]}" ci/nightly.sh > "$T/kill-$s.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do	# until it fuzzes, then 3 s more
		grep -q 'libFuzzer (libfuzzer) for' "$T/kill-$s.log" && break
		sleep 0.5
	done
	sleep 3
	(cd "$T/zoo/corpus/ops" && ls) > "$T/corpus.before"
	ls "$T/zoo/raw/ops/libfuzzer/" > "$T/raw.before"
	if [ $s = TERM ]; then kill -TERM "$pid"; else kill -KILL -- "-$pid"; fi
	wait "$pid"
	rc=$?
	want=$([ $s = TERM ] && echo 143 || echo 137)
	check "SIG$s: the campaign stops ($rc)" [ $rc = "$want" ]
	check "SIG$s: no report from a killed run" test ! -e "$T/zoo/report.md" -a ! -e "$T/zoo/summary.json"
	nightly "${P[@]}" NIGHTLY_RUNS=50 NIGHTLY_KNOWN="$T/known.txt" > "$T/after-$s.log" 2>&1
	rc=$?
	check "SIG$s: the next run completes (exit $rc)" [ $rc = 0 ]
	(cd "$T/zoo/corpus/ops" && ls) > "$T/corpus.after"
	check "SIG$s: every corpus input kept ($(wc -l < "$T/corpus.before") before, $(wc -l < "$T/corpus.after") after)" \
		bash -c "! grep -vxF -f '$T/corpus.after' '$T/corpus.before' | grep -q ."
	ls "$T/zoo/raw/ops/libfuzzer/" > "$T/raw.after"
	check "SIG$s: every finding kept ($(wc -l < "$T/raw.before") raw inputs)" \
		bash -c "! grep -vxF -f '$T/raw.after' '$T/raw.before' | grep -q ."
	check "SIG$s: the finding is still reported" \
		[ "$(jq -r ".signatures[] | select(.signature == \"$SIG\") | .status" "$T/zoo/summary.json" 2>/dev/null)" = known ]
	check "SIG$s: no half-written file left" \
		bash -c "! find '$T/zoo/corpus' '$T/zoo/raw' '$T/zoo/findings' -name '*.tmp.*' | grep -q ."
done

# 5. a missing tool is an error, never a green run
mkdir -p "$T/fakebin"
for c in clang make sha1sum timeout flock jq df nproc sed awk grep cat mkdir ls rm mv cp env dirname basename uname cut sort wc head tail find git stat date setarch xargs tr; do
	p=$(command -v "$c") && ln -sf "$p" "$T/fakebin/$c"
done
PATH=$T/fakebin NIGHTLY_DIR="$T/missing" /bin/bash ci/nightly.sh > "$T/missing.log" 2>&1
rc=$?
check "missing afl-fuzz: exit 2 (got $rc)" [ $rc = 2 ]
check "missing afl-fuzz: says which tool" grep -q 'missing tool.*afl-fuzz' "$T/missing.log"

# 6. a full disk is an error, never a green run
nightly NIGHTLY_DIR="$T/full" NIGHTLY_MIN_FREE_MB=999999999 NIGHTLY_TIME=1 > "$T/full.log" 2>&1
rc=$?
check "full disk: exit 2 (got $rc)" [ $rc = 2 ]
check "full disk: says so" grep -q 'disk full' "$T/full.log"
finish
