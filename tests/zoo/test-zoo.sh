#!/usr/bin/env bash
# tests/zoo: every zoo bug of this build's sanitizer (zoo/bugs.def), on its
# test build ($(B)/zoo/<name>/) and on the clean build:
#   repro     its reproducer gives exactly its signature, the
#             triggered canary fired, and the tool exits 1 (no crash);
#   clean     the clean build runs the reproducer clean;
#   base      (interleave, fault) without schedule and faults the zoo
#             build runs clean under the default schedule;
#   explore   (interleave, a stated bound) `labyrinth explore --policy pct
#             --seed 1 --runs N` finds its signature from the base program;
#   seeds     no seed of corpus/<target>/ triggers it or reports, but
#             those tests/zoo/<name>.seeds lists, which must detect it
#             (target pool: the ops programs and seeds, on the pool);
#   canary    a run that reaches a bug without triggering it is reported
#             as "reached, not triggered" (the classifier of zoo/zoo.sh);
#   kinds     every detector kind of issue #7 has a bug in bugs.def.
# Prints "N passed, N failed"; exits non-zero on a failure.
# Generated into the build tree by zoo/build.mk (@B@ @SAN@ filled in).
set -uo pipefail
B=@B@
SAN=@SAN@
cd "$(dirname "$0")/../../../.." 2>/dev/null || true
[ -f zoo/bugs.def ] || cd "$(git rev-parse --show-toplevel)"
. zoo/lib.sh
export LABYRINTH_ZOO_LOG=
# TSan: keep going after a report so explore can finish its runs; our
# hook still prints the signature of the first one.
export TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0:atexit_sleep_ms=0"
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

while read -r name target san needs files sig runs; do
	[ "$san" = "$SAN" ] || continue
	# pool: ops programs on the pool (--alloc pool, fuzz/allocs.def)
	seeds=$target; export LABYRINTH_ALLOC=
	if [ "$target" = ops ] || [ "$target" = pool ]; then
		zoo="$B/zoo/$name/labyrinth"; clean="$B/tools/labyrinth"
		prog="tests/zoo/$name.lab"
		[ "$target" = pool ] && { seeds=ops; LABYRINTH_ALLOC=pool; }
	else
		zoo="$B/zoo/$name/scn-$target"; clean="$B/fuzz/scn-$target"
		prog="tests/zoo/$name.scn.lab"
	fi
	repro=$prog
	[ -f "tests/zoo/$name.repro.lab" ] && repro="tests/zoo/$name.repro.lab"

	out=$("$zoo" run "$repro" 2>&1); rc=$?
	v=$(zoo_verdict "$name" "$sig" <<<"$out")
	if [ "$v" = detected ] && grep -q "^zoo: triggered $name\$" <<<"$out"; then ok
	else bad "$name: repro $repro: $(zoo_verdict_text "$v"), want $sig"; fi
	# a finding is exit 1 (TSan's own exitcode, 66, once it reported),
	# never a crash in the teardown of the state the bug left
	want_rc=1; [ "$SAN" = tsan ] && want_rc=66
	if [ $rc -eq $want_rc ]; then ok; else bad "$name: repro $repro exits $rc, want $want_rc"; fi

	out=$("$clean" run "$repro" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$(zoo_first_signature <<<"$out")" ]; then ok
	else bad "$name: clean build on $repro: exit $rc $(zoo_first_signature <<<"$out")"; fi

	if [ "$needs" != program ]; then
		zoo_base "$prog" > "$tmp/$name.lab"
		out=$("$zoo" run "$tmp/$name.lab" 2>&1); rc=$?
		if [ $rc -eq 0 ] && [ -z "$(zoo_first_signature <<<"$out")" ]; then ok
		else bad "$name: base program fired under the default schedule: $(zoo_first_signature <<<"$out")"; fi
	fi

	if [ "$needs" = interleave ] && [ "$runs" != - ]; then
		out=$("$zoo" explore "$tmp/$name.lab" --policy pct --runs "$runs" --seed 1 \
			-o "$tmp/$name.found.lab" 2>&1)
		if grep -Eq "signature: ($sig)\$" <<<"$out"; then ok
		else bad "$name: explore pct seed 1 did not find $sig in $runs runs"; fi
	fi

	for s in corpus/"$seeds"/*.lab; do
		out=$("$zoo" run "$s" 2>&1)
		if zoo_seed_reaches "$name" "$s"; then
			# listed in tests/zoo/<name>.seeds: it must still find the bug
			v=$(zoo_verdict "$name" "$sig" <<<"$out")
			if [ "$v" = detected ]; then ok
			else bad "$name: listed seed $s: $(zoo_verdict_text "$v"), want $sig"; fi
		elif grep -q "^zoo: triggered" <<<"$out" || [ -n "$(zoo_first_signature <<<"$out")" ]; then
			bad "$name: seed $s: $(zoo_verdict_text "$(zoo_verdict "$name" "$sig" <<<"$out")")"
		else ok; fi
	done
done < <(zoo_rows)
export LABYRINTH_ALLOC=

# Issue #7: every detector kind has a bug in the catalogue (both builds').
kinds=$(zoo_rows | awk '{ split($6, k, "/"); print k[1] }' | sort -u)
for k in atomic-sleep deadlock irq-unsafe-lock double-own use-after-free \
	 "double-free|bad-free" reserve stall leak invariant data-race; do
	if grep -Eqx "$k" <<<"$kinds"; then ok; else bad "catalogue: no bug of kind $k"; fi
done

# The classifier on the four outcomes, from real runs where the build has them.
if [ "$SAN" = asan ]; then
	# a window late in a long program: clean by default, found with PCT's k
	# measured from the program (explore --steps auto)
	late=tests/zoo/pcp_trylock_always.late.lab z="$B/zoo/pcp_trylock_always/labyrinth"
	want=$(zoo_rows pcp_trylock_always | awk '{ print $6 }')
	out=$("$z" run "$late" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ -z "$(zoo_first_signature <<<"$out")" ]; then ok
	else bad "late: $late is not clean under the default schedule"; fi
	out=$("$z" explore "$late" --policy pct --runs 500 --seed 1 --steps auto -o "$tmp/late.lab" 2>&1)
	if grep -Eq "signature: ($want)\$" <<<"$out"; then ok
	else bad "late: explore pct --steps auto did not find it in 500 runs"; fi

	# schedules where another context ran between the double take and
	# the victim's return (an interrupt's second firing, a preemption
	# before an allocation or a drain on the same CPU): the check at the
	# unlink still names the victim, where other contexts' validators
	# used to name themselves; the clean build runs them clean
	for f in tests/zoo/pcp_trylock_always.{irq2,preempt,drain}.lab; do
		out=$("$z" run "$f" 2>&1); rc=$?
		got=$(zoo_first_signature <<<"$out")
		if [ $rc -eq 1 ] && [ "$got" = "${want%%|*}" ] &&
		   grep -q "^zoo: triggered pcp_trylock_always\$" <<<"$out"; then ok
		else bad "second taker: $f gave '$got' (exit $rc), want ${want%%|*}"; fi
		out=$("$B/tools/labyrinth" run "$f" 2>&1); rc=$?
		if [ $rc -eq 0 ] && [ -z "$(zoo_first_signature <<<"$out")" ]; then ok
		else bad "second taker: clean build on $f: exit $rc $(zoo_first_signature <<<"$out")"; fi
	done

	out=$("$B/zoo/pcp_plain_lock/labyrinth" run tests/zoo/pcp_plain_lock.lab 2>&1)
	t=$(zoo_verdict_text "$(zoo_verdict pcp_plain_lock irq-unsafe-lock/pcp_is_valid/task <<<"$out")")
	if [ "$t" = "reached, not triggered" ]; then ok; else bad "canary: pcp_plain_lock base gave '$t'"; fi
	zoo_base tests/zoo/zone_lock_noirq.lab > "$tmp/z.lab"
	out=$("$B/zoo/zone_lock_noirq/labyrinth" run "$tmp/z.lab" 2>&1)
	t=$(zoo_verdict_text "$(zoo_verdict zone_lock_noirq irq-unsafe-lock/free_one_page/task <<<"$out")")
	if [ "$t" = "triggered, not detected" ]; then ok; else bad "canary: zone_lock_noirq base gave '$t'"; fi
	out=$("$B/zoo/zone_lock_noirq/labyrinth" run tests/zoo/zone_lock_noirq.repro.lab 2>&1)
	v=$(zoo_verdict zone_lock_noirq deadlock/x/task <<<"$out")
	if [ "${v%%:*}" = wrong-signature ]; then ok; else bad "canary: wrong signature not flagged ($v)"; fi
	out=$("$B/zoo/zone_lock_noirq/labyrinth" run corpus/ops/channels.lab 2>&1)
	v=$(zoo_verdict zone_lock_noirq x <<<"$out")
	if [ "$v" = not-reached ] || [ "$v" = reached ]; then ok; else bad "canary: seed gave $v"; fi
fi

echo "zoo tests under $SAN:"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
