#!/usr/bin/env bash
# The docs runner proven both ways: it passes correct blocks (sh,
# console with elided output and exit statuses, continuation lines,
# skip markers, labeled non-command blocks), and it fails each kind of
# rot: a failing command, output the docs promise but the command does
# not print, a wrong exit status, an unlabeled command block. And it
# runs in a copy: nothing a block writes reaches the tree.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
R=tests/docs/run-docs.sh
F=tests/docs/fixtures
pass=0; fail=0
check() {	# name, then a command that must succeed
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok   $name"
	else fail=$((fail + 1)); echo "FAIL $name"; fi
}
out=$(mktemp); trap 'rm -f "$out"' EXIT

LABYRINTH_DOCS_TEST= $R $F/good.md > "$out" 2>&1; rc=$?
check "good blocks pass" test $rc = 0
check "good: 2 passed, 0 failed" grep -qx "2 passed, 0 failed" "$out"
check "good: the skip is listed with its reason" grep -q "skip $F/good.md:.*a fixture of the skip marker" "$out"
check "good: nothing written to the tree" test ! -e written-in-the-copy

for b in exit output status unlabeled; do
	LABYRINTH_DOCS_TEST= $R $F/bad-$b.md > "$out" 2>&1; rc=$?
	check "bad-$b fails" test $rc != 0
	check "bad-$b: 0 passed, 1 failed" grep -qx "0 passed, 1 failed" "$out"
done
LABYRINTH_DOCS_TEST= $R $F/bad-output.md > "$out" 2>&1
check "bad-output names the missing line" grep -q "no line matching: the promised output" "$out"
LABYRINTH_DOCS_TEST= $R $F/bad-status.md > "$out" 2>&1
check "bad-status names both statuses" grep -q "exit status 0, the docs say 1" "$out"
LABYRINTH_DOCS_TEST= $R $F/bad-unlabeled.md > "$out" 2>&1
check "bad-unlabeled says how to fix it" grep -q "unlabeled command block ('make fuzz')" "$out"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
