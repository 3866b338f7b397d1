#!/usr/bin/env bash
# The pool through the project's own tools, chosen at run time
# (LABYRINTH_ALLOC=pool, --alloc pool; fuzz/allocs.def): every seed of
# corpus/ops replays clean on the pool, 10 s of libFuzzer on the pool
# from those seeds find nothing and really execute; an unknown name is a
# usage error; `labyrinth explore` on a zoo build of the pool finds its
# bug, the saved file replays it, minimize keeps it, and the clean pool
# runs the same file clean. Generated into the build tree with B= and
# LF= set (tests/pool/build.mk).
set -uo pipefail
B=@B@
LF=@LF@
T=$(mktemp -d "${TMPDIR:-/tmp}/pool-smoke.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0:dedup_token_length=1
pass=0; fail=0
check() {
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $name"
	else fail=$((fail + 1)); echo "FAIL $name"; fi
}

mkdir -p "$T/corpus" "$T/art"
for s in corpus/ops/*.lab; do
	"$B/tools/labyrinth" asm "$s" -o "$T/corpus/$(basename "$s" .lab).bin" > /dev/null
done
n=$(ls "$T/corpus" | wc -l)
check "seeds assembled ($n)" [ "$n" -ge 8 ]
LABYRINTH_ALLOC=pool "$B/fuzz/ops-replay" "$T/corpus" > "$T/replay.log" 2>&1
check "every seed replays clean on the pool" [ $? = 0 ]
LABYRINTH_ALLOC=nope "$B/fuzz/ops-replay" "$T/corpus" > "$T/nope.log" 2>&1
check "LABYRINTH_ALLOC=nope: exit 2" [ $? = 2 ]
check "... naming the known allocators" grep -q "unknown allocator 'nope' (known: labyrinth, pool)" "$T/nope.log"
LABYRINTH_ALLOC=pool "$LF/fuzz/ops-libfuzzer" -max_total_time=10 -seed=1 -timeout=10 \
	-dict=fuzz/ops.dict -artifact_prefix="$T/art/" -print_final_stats=1 \
	"$T/corpus" > "$T/fuzz.log" 2>&1
rc=$?
check "10 s of libFuzzer on the pool, no finding (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || grep -E 'signature:|ERROR' "$T/fuzz.log" | head -n 5
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$T/fuzz.log")
check "executed inputs (${runs:-0})" [ "${runs:-0}" -gt 100 ]
grows=$(ls "$T/corpus" | wc -l)
check "the corpus grew ($n -> $grows): the pool's paths give coverage" [ "$grows" -gt "$n" ]

# the labyrinth command on the pool: a zoo bug found, replayed, minimized
LB="$B/pool-bug/NO_RECHECK/labyrinth --alloc pool"
$LB run tests/pool/race.lab > "$T/run.log" 2>&1
check "race.lab is clean under its own schedule, even with the bug" [ $? = 0 ]
$LB explore tests/pool/race.lab --policy random --runs 100 --seed 1 -o "$T/found.bin" \
	> "$T/explore.log" 2>&1
check "explore finds NO_RECHECK (exit 1)" [ $? = 1 ]
check "... as double-own in the adapter's alloc" grep -q "signature: double-own/pa_alloc/" "$T/explore.log"
sig=$($LB run "$T/found.bin" 2>&1 | sed -nE 's/^signature: (.*)/\1/p' | head -n1)
check "the saved file replays it ($sig)" [ "${sig%/*}" = double-own/pa_alloc ]
$LB minimize "$T/found.bin" -o "$T/min.bin" > /dev/null 2>&1
check "minimize keeps the signature" [ "$($LB run "$T/min.bin" 2>&1 | sed -nE 's/^signature: (.*)/\1/p' | head -n1)" = "$sig" ]
"$B/tools/labyrinth" run --alloc pool "$T/found.bin" > /dev/null 2>&1
check "the clean pool runs the same schedule clean" [ $? = 0 ]
"$B/tools/labyrinth" run --alloc nope "$T/found.bin" > "$T/nope.log" 2>&1
check "labyrinth --alloc nope: exit 2" [ $? = 2 ]
check "... naming the known allocators" grep -q "unknown allocator 'nope' (known: labyrinth, pool)" "$T/nope.log"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
