#!/usr/bin/env bash
# Replay every seed of every target and every file of corpus/regressions/
# with the targets' plain replay binaries: each must run clean (exit 0).
# Generated into the build tree with B= set (tests/fuzz/build.mk).
set -uo pipefail
B=@B@
. tests/fuzz/lib.sh
for t in @TARGETS@; do
	n=0
	for f in "$B/corpus/$t/"*.bin; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		out=$("$B/fuzz/$t-replay" "$f" 2>&1); rc=$?
		if [ $rc -eq 0 ]; then ok "$t seed $(basename "$f")"
		else bad "$t seed $(basename "$f") (exit $rc)"; printf '%s\n' "$out" | grep -E 'signature:|ERROR' | head -n 3; fi
	done
	[ $n -gt 0 ] || bad "$t: no assembled seeds in $B/corpus/$t"
done
# Regressions: inputs of fixed bugs; named <target>-*. Text (.lab) is
# assembled first so the replay binary sees exactly what a fuzzer would.
if [ -d corpus/regressions ]; then
	for f in corpus/regressions/*; do
		[ -f "$f" ] || continue
		case "$f" in *.md|*.txt) continue ;; esac
		t=$(basename "$f"); t=${t%%-*}
		[ -x "$B/fuzz/$t-replay" ] || t=ops
		in=$f
		if [[ "$f" == *.lab ]]; then
			in=$(mktemp); "$B/tools/labyrinth" asm "$f" -o "$in" || { bad "regression $f (asm)"; continue; }
		fi
		out=$("$B/fuzz/$t-replay" "$in" 2>&1); rc=$?
		[ "$in" != "$f" ] && rm -f "$in"
		if [ $rc -eq 0 ]; then ok "regression $f"
		else bad "regression $f (exit $rc)"; printf '%s\n' "$out" | grep -E 'signature:' | head -n 2; fi
	done
fi
finish
