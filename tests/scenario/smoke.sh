#!/usr/bin/env bash
# Smoke run of each scenario target: usage smoke.sh BUILD_DIR NAME...
# For every scenario NAME:
#   - the tool replays its assembled seeds clean, twice, to the same
#     traces (what `make test` must see of every seed);
#   - the libFuzzer target runs the seeds plus a few hundred mutations
#     with no crash (exit 0, no artifact), with the scenario mutator;
#   - so does the AFL++ target, when afl-fuzz is installed (afl-fuzz
#     exits 0 even after a crash: fuzzer_stats decides);
#   - on the pool (fuzz/allocs.def, chosen at run time): the seeds replay
#     clean with `run --alloc pool`, the libFuzzer target runs clean with
#     LABYRINTH_ALLOC=pool, and an unknown allocator exits 2 naming the
#     known ones;
# and the scenario of docs/scenarios.md is the one tests/ builds.
# Ends with "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
B=$1; shift
RUNS=${SCN_SMOKE_RUNS:-120}
pass=0; failed=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAILED: $*"; failed=$((failed + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for n in "$@"; do
	seeds=$B/corpus/$n
	tool=$B/fuzz/scn-$n
	if ! ls "$seeds"/*.bin >/dev/null 2>&1; then
		ko "$n: no assembled seeds in $seeds"; continue
	fi
	if "$tool" run "$seeds" >"$tmp/$n.1" 2>"$tmp/$n.err" &&
	   "$tool" run "$seeds" >"$tmp/$n.2" 2>>"$tmp/$n.err" &&
	   cmp -s "$tmp/$n.1" "$tmp/$n.2" && ! grep -qv ': clean, trace' "$tmp/$n.1"; then
		ok "$n: $(wc -l <"$tmp/$n.1") seeds replay clean, same traces twice"
	else
		ko "$n: seed replay"; cat "$tmp/$n.1" "$tmp/$n.err"
	fi
	# text -> bytes -> text: each assembled seed shows as its source does
	bad=0
	for bin in "$seeds"/*.bin; do
		lab=$(find corpus/"$n" tests/scenario/corpus/"$n" -name "$(basename "$bin" .bin).lab" 2>/dev/null | head -n 1)
		if [ -z "$lab" ] || ! cmp -s <("$tool" show "$bin") <("$tool" show "$lab"); then
			bad=$((bad + 1)); echo "  $bin differs from ${lab:-its source}"
		fi
	done
	[ $bad -eq 0 ] && ok "$n: every seed round-trips text -> bytes -> text" ||
		ko "$n: $bad seeds do not round-trip"
	# a usage error and an invalid text exit 2, never a crash
	printf 'scenario %s\nparam nosuch=1\n' "$n" >"$tmp/bad.lab"
	"$tool" run "$tmp/bad.lab" >/dev/null 2>&1; r1=$?
	"$tool" run "$tmp/missing.lab" >/dev/null 2>&1; r2=$?
	"$tool" frobnicate >/dev/null 2>&1; r3=$?
	[ $r1 -eq 2 ] && [ $r2 -eq 2 ] && [ $r3 -eq 2 ] && ok "$n: bad input and usage exit 2" ||
		ko "$n: bad input exits $r1 $r2 $r3, want 2 2 2"
	mkdir -p "$tmp/$n/corpus" "$tmp/$n/art"
	cp "$seeds"/*.bin "$tmp/$n/corpus/"
	dict=()
	[ -f "fuzz/$n.dict" ] && dict=(-dict="fuzz/$n.dict")
	if "$B/fuzz/$n-libfuzzer" -runs="$RUNS" -seed=1 -timeout=60 -max_len=540 \
		"${dict[@]}" -artifact_prefix="$tmp/$n/art/" "$tmp/$n/corpus" \
		>"$tmp/$n.fuzz" 2>&1 && [ -z "$(ls -A "$tmp/$n/art")" ]; then
		ok "$n: libFuzzer, $RUNS runs from the seeds, no crash"
	else
		ko "$n: libFuzzer smoke run"; tail -n 40 "$tmp/$n.fuzz"
	fi
	# the scenario mutator (fuzz/scn_mutate.h) is what libFuzzer runs
	grep -q 'found LLVMFuzzerCustomMutator' "$tmp/$n.fuzz" &&
		ok "$n: libFuzzer uses the scenario mutator" ||
		ko "$n: libFuzzer does not use LLVMFuzzerCustomMutator"
	# the same target and tool on the pool, chosen at run time
	if "$tool" run --alloc pool "$seeds" >"$tmp/$n.pool" 2>&1 &&
	   ! grep -qv ': clean, trace' "$tmp/$n.pool"; then
		ok "$n: $(wc -l <"$tmp/$n.pool") seeds replay clean on the pool (--alloc pool)"
	else
		ko "$n: seed replay on the pool"; cat "$tmp/$n.pool"
	fi
	"$tool" run --alloc nope "$seeds" >"$tmp/$n.nope" 2>&1; r1=$?
	LABYRINTH_ALLOC=nope "$B/fuzz/$n-libfuzzer" -runs=1 "$tmp/$n/corpus" >>"$tmp/$n.nope" 2>&1; r2=$?
	[ $r1 -eq 2 ] && [ $r2 -eq 2 ] &&
	   [ "$(grep -c "unknown allocator 'nope' (known: labyrinth, pool)" "$tmp/$n.nope")" = 2 ] &&
		ok "$n: an unknown allocator exits 2 with the known names" ||
		ko "$n: --alloc nope exits $r1, LABYRINTH_ALLOC=nope $r2, want 2 2"
	rm -rf "$tmp/$n/art"; mkdir -p "$tmp/$n/art"
	if LABYRINTH_ALLOC=pool "$B/fuzz/$n-libfuzzer" -runs="$RUNS" -seed=1 -timeout=60 \
		-max_len=540 "${dict[@]}" -artifact_prefix="$tmp/$n/art/" "$tmp/$n/corpus" \
		>"$tmp/$n.fuzzpool" 2>&1 && [ -z "$(ls -A "$tmp/$n/art")" ]; then
		ok "$n: libFuzzer on the pool, $RUNS runs from the seeds, no crash"
	else
		ko "$n: libFuzzer smoke run on the pool"; tail -n 40 "$tmp/$n.fuzzpool"
	fi
	# AFL++, when it is installed and its targets were built
	if [ -x "$B/fuzz/$n-afl" ] && command -v afl-fuzz >/dev/null; then
		out=$tmp/$n/afl
		if AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		   AFL_NO_AFFINITY=1 ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
		   timeout 300 afl-fuzz -E "$RUNS" -i "$tmp/$n/corpus" -o "$out" \
			-- "$B/fuzz/$n-afl" >"$tmp/$n.afl" 2>&1 &&
		   grep -q '^saved_crashes *: 0$' "$out/default/fuzzer_stats"; then
			ok "$n: AFL++, $RUNS executions from the seeds, no crash"
		else
			ko "$n: AFL++ smoke run"; tail -n 20 "$tmp/$n.afl"
		fi
	fi
done

# The guide's example is the file the tests build (docs/scenarios.md).
if [ -f docs/scenarios.md ] &&
   sed -n '/<!-- scn_tiny.c begin -->/,/<!-- scn_tiny.c end -->/p' docs/scenarios.md |
	sed '1,2d;$d' | sed '$d' | cmp -s - tests/scenario/scn_tiny.c; then
	ok "docs/scenarios.md shows tests/scenario/scn_tiny.c as built"
else
	ko "docs/scenarios.md and tests/scenario/scn_tiny.c differ"
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
