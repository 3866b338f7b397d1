#!/usr/bin/env bash
# Run test binaries; each prints "N passed, N failed" as its last line.
# Prints a total line and exits non-zero if any binary failed.
set -uo pipefail
tp=0; tf=0; bad=(); times=()
for t in "$@"; do
	echo "== $t"
	t0=$SECONDS
	# clang 14's TSan cannot map its shadow with the kernel's newer ASLR
	# entropy: run TSan binaries without randomization (TOOLCHAIN.md).
	case "$t" in
	*/tsan/*) out=$(setarch "$(uname -m)" -R "$t" 2>&1); rc=$? ;;
	*) out=$("$t" 2>&1); rc=$? ;;
	esac
	printf '%s\n' "$out" | tail -n 40
	# wall time per binary, so a slow CI run shows where its time went
	echo "-- $t: $((SECONDS - t0)) s"
	times+=("$((SECONDS - t0)) $t")
	line=$(printf '%s\n' "$out" | grep -E '^[a-z]*:? ?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "!! $t printed no summary (exit $rc)"; tf=$((tf + 1)); bad+=("$t"); continue
	fi
	p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")
	tp=$((tp + p)); tf=$((tf + f))
	if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then bad+=("$t"); [ "$f" -eq 0 ] && tf=$((tf + 1)); fi
done
echo "slowest:"; printf '%s\n' "${times[@]}" | sort -rn | head -n 8 | sed 's/^/  /'
[ ${#bad[@]} -eq 0 ] || echo "failing: ${bad[*]}"
echo "total: $tp passed, $tf failed"
[ ${#bad[@]} -eq 0 ]
