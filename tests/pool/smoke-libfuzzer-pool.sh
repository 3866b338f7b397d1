#!/usr/bin/env bash
# The pool fuzzed in `make test`: every seed of corpus/ops replays clean
# on the pool (ops-pool-replay), then 10 s of libFuzzer on the pool from
# those seeds find nothing and really execute. Generated into the build
# tree with B= and LF= set (tests/pool/build.mk).
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
"$B/tests/pool/ops-pool-replay" "$T/corpus" > "$T/replay.log" 2>&1
check "every seed replays clean on the pool" [ $? = 0 ]
"$LF/tests/pool/ops-pool-libfuzzer" -max_total_time=10 -seed=1 -timeout=10 \
	-dict=fuzz/ops.dict -artifact_prefix="$T/art/" -print_final_stats=1 \
	"$T/corpus" > "$T/fuzz.log" 2>&1
rc=$?
check "10 s of libFuzzer on the pool, no finding (exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || grep -E 'signature:|ERROR' "$T/fuzz.log" | head -n 5
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$T/fuzz.log")
check "executed inputs (${runs:-0})" [ "${runs:-0}" -gt 100 ]
grows=$(ls "$T/corpus" | wc -l)
check "the corpus grew ($n -> $grows): the pool's paths give coverage" [ "$grows" -gt "$n" ]
echo "$pass passed, $fail failed"
[ $fail = 0 ]
