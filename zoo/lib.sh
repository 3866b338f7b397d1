# zoo/lib.sh: shared by zoo/zoo.sh (the benchmark) and tests/zoo (sourced).

# zoo_rows [BUG...]: the catalogue rows "name target san needs files sig runs",
# all of them or the named ones (unknown names are an error).
zoo_rows() {
	local def=${ZOO_DEF:-zoo/bugs.def}
	if [ $# -eq 0 ]; then
		awk '!/^#/ && NF >= 7' "$def"
		return
	fi
	local b
	for b in "$@"; do
		awk -v b="$b" '!/^#/ && NF >= 7 && $1 == b' "$def" | grep . ||
			{ echo "zoo: no bug '$b' in $def" >&2; return 1; }
	done
}

# zoo_first_signature: the first "signature: X" of a run's output (stdin).
zoo_first_signature() {
	sed -n 's/^signature: \([^ ]*\).*/\1/p' | head -n 1
}

# zoo_sig_ok GOT WANT: GOT is one of WANT's signatures. WANT is one
# signature, or several joined by "|" when one mechanism shows in more
# than one way: a data race whose two access pairs are both the bug's
# (which one TSan reports first depends on what its shadow cells still
# hold), a race whose second party may run in any context (docs/zoo.md).
zoo_sig_ok() {
	local IFS='|' s
	for s in $2; do [ "$1" = "$s" ] && return 0; done
	return 1
}

# zoo_verdict NAME EXPECTED < output: what one run of a zoo build showed.
#   detected            the expected signature came first
#   wrong-signature:X   a detector fired with another signature X (a miss)
#   triggered           the triggered canary fired, no detector did
#   reached             the reached canary only: "reached, not triggered"
#   not-reached         neither canary
zoo_verdict() {
	local name=$1 want=$2 out sig
	out=$(cat)
	sig=$(printf '%s\n' "$out" | zoo_first_signature)
	if [ -n "$sig" ]; then
		if zoo_sig_ok "$sig" "$want"; then echo detected; else echo "wrong-signature:$sig"; fi
	elif printf '%s\n' "$out" | grep -q "^zoo: triggered $name\$"; then
		echo triggered
	elif printf '%s\n' "$out" | grep -q "^zoo: reached $name\$"; then
		echo reached
	else
		echo not-reached
	fi
}

# zoo_verdict_text VERDICT: the words a report uses.
zoo_verdict_text() {
	case "$1" in
	detected) echo "triggered, detected with its signature" ;;
	wrong-signature:*) echo "detected with the wrong signature ${1#wrong-signature:} (a miss)" ;;
	triggered) echo "triggered, not detected" ;;
	reached) echo "reached, not triggered" ;;
	*) echo "not reached" ;;
	esac
}

# zoo_base FILE: the program without what a bug may need besides itself --
# the schedule, fault entries, exhaustion and injected failures -- on stdout.
zoo_base() {
	grep -Ev '^schedule|^fault |^[[:space:]]*(exhaust|release|failnext)([[:space:]]|$)|^exhaust ' "$1"
}

# zoo_seed_reaches NAME SEED: true when tests/zoo/NAME.seeds lists SEED, a
# seed known to reach the bug by itself (the file says why). The zoo test
# expects the bug's signature from it; the benchmark leaves it out of the
# engines' seeds.
zoo_seed_reaches() {
	[ -f "tests/zoo/$1.seeds" ] && grep -qx "$2" "tests/zoo/$1.seeds"
}
