#!/usr/bin/env bash
# The docs runner proven both ways: it passes correct blocks (sh,
# console with elided output and exit statuses, continuation lines,
# skip markers, labeled non-command blocks), and it fails each kind of
# rot: a failing command, output the docs promise but the command does
# not print, a wrong exit status, an unlabeled command block, a broken
# link. And it
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

# all the bad fixtures in one run (each run copies the tree)
LABYRINTH_DOCS_TEST= $R $F/bad-exit.md $F/bad-output.md $F/bad-status.md \
	$F/bad-unlabeled.md $F/bad-link.md > "$out" 2>&1; rc=$?
check "bad blocks fail" test $rc != 0
check "bad: 0 passed, 5 failed" grep -qx "0 passed, 5 failed" "$out"
for b in exit output status unlabeled link; do
	check "bad-$b fails" grep -q "^FAIL $F/bad-$b.md:" "$out"
done
check "bad-output names the missing line" grep -q "no line matching: the promised output" "$out"
check "bad-status names both statuses" grep -q "exit status 0, the docs say 1" "$out"
check "bad-link names the target" grep -q "broken link: no-such-page.md does not exist" "$out"
check "bad-unlabeled says how to fix it" grep -q "unlabeled command block ('make fuzz')" "$out"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
