#!/usr/bin/env bash
# Smoke run of each scenario target: usage smoke.sh BUILD_DIR NAME...
# For every scenario NAME:
#   - the tool replays its assembled seeds clean, twice, to the same
#     traces (what `make test` must see of every seed);
#   - the libFuzzer target runs the seeds plus a few hundred mutations
#     with no crash (exit 0, no artifact);
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
