#!/usr/bin/env bash
# The labyrinth command: exit codes on good, bad and hostile files (never
# a crash), show/asm round trips, and explore + minimize on the planted
# test bug (tests/fuzz/test_bug.c). Generated into the build tree with
# B= set (tests/fuzz/build.mk).
set -uo pipefail
B=@B@
BUILD_DIR=@BUILD@
L=$B/tools/labyrinth
LB=$B/tests/fuzz/labyrinth-bug
. tests/fuzz/lib.sh
mk_tmp

# exit code of a command, stderr kept in $T/err
rc() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
# 0, 1 or 2 and nothing else (>= 128 would be a signal: a crash)
sane() { local r; r=$(rc "$@"); [ "$r" -le 2 ]; }

# --- files of every shape ----------------------------------------------
: > "$T/empty"
check "run: empty file runs (an empty program)" [ "$(rc "$L" run "$T/empty")" = 0 ]
seed=$B/corpus/ops/smp4.bin
for n in 1 2 3 7 20 50 100; do
	head -c "$n" "$seed" > "$T/trunc$n"
	check "run: truncated to $n bytes: clean or legal" [ "$(rc "$L" run "$T/trunc$n")" = 0 ]
done
# deterministic "random" files (awk's srand is seeded)
for s in 1 2 3 4 5 6 7 8; do
	awk -v s="$s" 'BEGIN { srand(s); n = 50 + int(rand() * 1500);
		for (i = 0; i < n; i++) printf "%c", int(rand() * 256) }' > "$T/rand$s"
	check "run: random bytes #$s never crash" sane "$L" run "$T/rand$s"
done
head -c 3000000 /dev/zero | tr '\0' '\377' > "$T/huge"
check "run: 3 MB file never crashes" sane "$L" run "$T/huge"
check "run: missing file exits 2" [ "$(rc "$L" run "$T/nope")" = 2 ]
check "run: missing file says why" grep -q "No such file" "$T/err"
check "run: a directory exits 2" [ "$(rc "$L" run "$T")" = 2 ]
printf 'actor task0 task cpu=0\n\talloc s0 BOGUS order=0\n' > "$T/bad.lab"
check "run: bad .lab exits 2" [ "$(rc "$L" run "$T/bad.lab")" = 2 ]
check "run: bad .lab names file and line" grep -q "bad.lab:2: unknown gfp class" "$T/err"
head -c 500 /dev/urandom > "$T/bin.lab" 2>/dev/null; printf '\0' >> "$T/bin.lab"
check "run: binary named .lab exits 2" [ "$(rc "$L" run "$T/bin.lab")" = 2 ]
check "usage: no command exits 2" [ "$(rc "$L")" = 2 ]
check "usage: unknown command exits 2" [ "$(rc "$L" frob)" = 2 ]
check "usage: explore without --seed exits 2" [ "$(rc "$L" explore "$seed" --runs 1)" = 2 ]
check "usage: explore --steps 0 exits 2" [ "$(rc "$L" explore "$seed" --runs 1 --seed 1 --steps 0)" = 2 ]
check "usage: explore --steps bogus exits 2" [ "$(rc "$L" explore "$seed" --runs 1 --seed 1 --steps bogus)" = 2 ]
check "explore --steps auto runs" [ "$(rc "$L" explore "$seed" --runs 2 --seed 1 --steps auto -o "$T/auto.bin")" = 0 ]
check "run: bad --fault plan exits 2" [ "$(rc "$L" run --fault bogus=1 corpus/ops/faults.lab)" = 2 ]
check "run: --fault plan runs" [ "$(rc "$L" run --fault probability=20,seed=1 corpus/ops/faults.lab)" = 0 ]
check "run: --fault exhaust on the pool exits 2" \
	[ "$(rc "$L" run --alloc pool --fault exhaust=NORMAL:min corpus/ops/faults.lab)" = 2 ]
check "run: --fault exhaust on the pool says why" grep -q "act on labyrinth's allocator, not on 'pool'" "$T/err"
check "run: --fault rules run on the pool" \
	[ "$(rc "$L" run --alloc pool --fault probability=20,seed=1 corpus/ops/faults.lab)" = 0 ]
check "run: -v prints the trace" sh -c "'$L' run -v corpus/ops/irq_ring.lab 2>&1 | grep -q 'schedule trace'"

# --- show / asm ----------------------------------------------------------
for f in corpus/ops/*.lab; do
	n=$(basename "$f" .lab)
	"$L" asm "$f" -o "$T/$n.bin" && "$L" show "$T/$n.bin" > "$T/$n.txt"
	# text is read from files named .lab
	cp "$T/$n.txt" "$T/$n-2.lab"; "$L" asm "$T/$n-2.lab" -o "$T/$n.bin2"
	check "asm/show/asm: $n bytes identical" cmp -s "$T/$n.bin" "$T/$n.bin2"
	check "show .lab == show .bin: $n" sh -c "'$L' show '$f' | cmp -s - '$T/$n.txt'"
done
check "asm leaves no temporary files" sh -c "! ls '$T' | grep -q '\.tmp\.'"

# --- explore and minimize on the planted bug ---------------------------------
check "planted: clean under the default schedule" [ "$(rc "$LB" run tests/fuzz/planted.lab)" = 0 ]
for pol in pct random; do
	check "explore $pol: finds the planted bug (exit 1)" \
		[ "$(rc "$LB" explore tests/fuzz/planted.lab --policy "$pol" --runs 200 --seed 7 -o "$T/found-$pol.bin")" = 1 ]
	sig=$(sed -nE 's/.*signature: (.*)/\1/p' "$T/out")
	check "explore $pol: signature double-free/lab_free/hardirq" [ "$sig" = double-free/lab_free/hardirq ]
	r=$(rc "$LB" run "$T/found-$pol.bin")
	check "explore $pol: saved run replays to the same signature" \
		sh -c "[ $r = 1 ] && grep -q 'signature: $sig' '$T/out'"
	check "minimize $pol: exits 0" [ "$(rc "$LB" minimize "$T/found-$pol.bin" -o "$T/min-$pol.bin")" = 0 ]
	check "minimize $pol: smaller" [ "$(stat -c %s "$T/min-$pol.bin")" -lt "$(stat -c %s "$T/found-$pol.bin")" ]
	r=$(rc "$LB" run "$T/min-$pol.bin")
	check "minimize $pol: same signature" sh -c "[ $r = 1 ] && grep -q 'signature: $sig' '$T/out'"
done
# Runs are independent (the arena, the fibers and the checkers outlive a
# run, allocator/init.c): the seeds with the planted bug's findings in
# between, one process for all, give each file the same verdict and
# trace hash as a process of its own. A stopped run is followed by
# clean ones, so what a report abandons is in play too.
mix=()
for f in "$T"/*.bin; do
	case "$f" in */found-*|*/min-*) continue ;; esac
	mix+=("$f" "$T/found-pct.bin")
done
mix+=("$T/min-random.bin")
"$LB" run "${mix[@]}" 2>/dev/null | grep -E 'clean|signature' > "$T/one"
for f in "${mix[@]}"; do "$LB" run "$f" 2>/dev/null | grep -E 'clean|signature'; done > "$T/each"
check "runs are independent: ${#mix[@]} runs in one process == each in its own ($(grep -c signature "$T/one") reports)" \
	sh -c "[ \$(wc -l < '$T/one') = ${#mix[@]} ] && cmp -s '$T/one' '$T/each' && grep -q signature '$T/one'"
# Run S of a longer call is the same run alone (nothing carries over
# from run to run), and saves the same schedule; --steps is PCT's k.
"$LB" explore tests/fuzz/planted.lab --policy pct --runs 200 --seed 7 -o "$T/k1.bin" > "$T/k1.out" 2>&1
s=$(sed -n 's/^run [0-9]* (seed \([0-9]*\)).*/\1/p' "$T/k1.out")
check "explore pct: the finding seed alone finds it again" \
	[ "$(rc "$LB" explore tests/fuzz/planted.lab --policy pct --runs 1 --seed "${s:-0}" -o "$T/k2.bin")" = 1 ]
check "explore pct: ... with the same schedule" cmp -s "$T/k1.bin" "$T/k2.bin"
check "explore pct: --steps 200 is the default k" sh -c \
	"'$LB' explore tests/fuzz/planted.lab --policy pct --runs 200 --seed 7 --steps 200 -o '$T/k3.bin' >/dev/null 2>&1; cmp -s '$T/k1.bin' '$T/k3.bin'"
check "explore: clean program, nothing found (exit 0)" \
	[ "$(rc "$L" explore corpus/ops/irq_ring.lab --policy random --runs 20 --seed 1 -o "$T/none.bin")" = 0 ]
check "explore: nothing saved when nothing found" [ ! -e "$T/none.bin" ]
check "minimize: a clean file exits 2" [ "$(rc "$L" minimize corpus/ops/irq_ring.lab -o "$T/x.bin")" = 2 ]

# --- triage ----------------------------------------------------------------
mkdir -p "$T/tri"
cp "$T/found-pct.bin" "$T/found-random.bin" "$T/min-pct.bin" "$T/tri/"
cp "$B/corpus/ops/locks.bin" "$T/tri/"
r=$(rc "$LB" triage "$T/tri")
check "triage: exit 1 when something fires" [ "$r" = 1 ]
check "triage: one line for the one signature, 3 files" grep -qE '^ +3  double-free/lab_free/hardirq' "$T/out"
check "triage: the smallest file is the reproducer" grep -q "min-pct.bin" "$T/out"
check "triage: counts the clean file" grep -q "1 signatures, 1 clean" "$T/out"

# --- sweep -----------------------------------------------------------------
r=$(rc "$L" sweep corpus/ops/irq_ring.lab)
check "sweep: a correct program survives every failure (exit 0)" [ "$r" = 0 ]
check "sweep: says how many runs failed" grep -q "^0 failing runs" "$T/out"
finish
