#!/usr/bin/env bash
# zoo/zoo.sh: the detection benchmark behind `make zoo` (docs/zoo.md).
#
#   BUGS="a b"        bugs of zoo/bugs.def (default: all)
#   ENGINES="..."     libfuzzer afl pct random stress (default: all)
#   ZOO_TRIALS=3      trials per bug and engine, each with its own seed
#   ZOO_TIME=30       seconds per trial
#   BUILD=build MAKE=make
#
# For every bug and engine, ZOO_TRIALS trials of ZOO_TIME seconds each:
# the time and executions to the first detection with the bug's
# signature, and the time to its reached and triggered canaries
# ($LABYRINTH_ZOO_LOG). A detection with another signature is a miss,
# and is listed. Results: $BUILD/zoo/results.tsv, report.md, survival.png.
set -uo pipefail
cd "$(dirname "$0")/.."
. zoo/lib.sh

BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
ENGINES=${ENGINES:-libfuzzer afl pct random stress}
TRIALS=${ZOO_TRIALS:-3}
T=${ZOO_TIME:-30}
OUT=$BUILD/zoo
WORK=$OUT/work
mkdir -p "$OUT" "$WORK"
RES=$OUT/results.tsv
: > "$RES"
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1
ASAN_FUZZ="abort_on_error=1:symbolize=0:detect_leaks=0:allocator_may_return_null=1"
# atexit_sleep_ms=0: TSan otherwise sleeps a second before every exit
# (for races with exit-time code, which a finished run has none of),
# and each explore call counted that second as search time
TSAN_FUZZ="halt_on_error=1:abort_on_error=1:report_signal_unsafe=0:atexit_sleep_ms=0"
# explore collects a run's report and prints its signature when the run
# ends: halting in TSan's report (TSAN_FUZZ) would kill it first, and
# every TSan find counted as a miss. The runs go on after a race, bounded
# by the trial's timeout like the rest (test-zoo uses the same).
TSAN_EXPLORE="halt_on_error=0:report_signal_unsafe=0:atexit_sleep_ms=0"

log() { echo "zoo: $*" >&2; }

"$MAKE" -s --no-print-directory SAN=none "$BUILD/none/zoo/monotime" >/dev/null || exit 2
MONO=$BUILD/none/zoo/monotime
mono() { "$MONO"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# canary NAME KIND LOG START: seconds from START to the first KIND line, or "-".
canary() {
	awk -v n="$1" -v k="$2" -v s="$4" '$1 == k && $2 == n { if (!t || $4 < t) t = $4 }
		END { if (t) printf "%.3f", (t - s) / 1e9; else print "-" }' "$3" 2>/dev/null || echo -
}

# record BUG ENGINE TRIAL OUTCOME SECONDS EXECS LOG START SIGNATURE
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
		"$(canary "$1" reached "$7" "$8")" "$(canary "$1" triggered "$7" "$8")" "${9:--}" >> "$RES"
	log "$1 $2 trial $3: $4 ${5}s ${6} execs ${9:-}"
}

# The debug validators are part of an ASan bug's signature (docs/zoo.md,
# "Builds"), so ASan zoo builds keep DEBUG=1. A data race's signature is
# TSan's own, and the validators get in its way: they take zone->lock
# and the pcp locks, happens-before edges TSan then sees between the
# racing fibers, and they cost a TSan run three times over (libFuzzer
# found pcp_remote_nolock in 1 of 3 trials at DEBUG=1, 3 of 3 without).
# TSan zoo builds are DEBUG=0, as `make fuzz SAN=tsan` builds.
zdebug() { if [ "$1" = tsan ]; then echo 0; else echo 1; fi; }
# zvariant SAN BUG: the build variant (the top Makefile's $(V))
zvariant() { if [ "$1" = tsan ]; then echo "$1-nodebug-zoo-$2"; else echo "$1-zoo-$2"; fi; }

# build_sim BUG SAN TARGET: the zoo build's replay tool (echoes its path).
build_sim() {
	local b=$BUILD/$(zvariant "$2" "$1") tool
	if [ "$3" = ops ]; then tool=$b/tools/labyrinth; else tool=$b/fuzz/scn-$3; fi
	if [ "$2" = tsan ]; then
		"$MAKE" -s --no-print-directory SAN=tsan DEBUG=0 ZOO="$1" "$b/zoo/tsan_report.o" >&2 || return 1
	fi
	"$MAKE" -s --no-print-directory -j2 SAN="$2" DEBUG="$(zdebug "$2")" ZOO="$1" "$tool" >&2 || return 1
	echo "$tool"
}

# seeds TOOL TARGET DIR BUG: the target's seeds assembled into DIR, but
# those that reach BUG by themselves (tests/zoo/BUG.seeds).
seeds() {
	mkdir -p "$3"
	for s in corpus/"$2"/*.lab; do
		zoo_seed_reaches "$4" "$s" && continue
		"$1" asm "$s" -o "$3/$(basename "$s" .lab).bin" >/dev/null 2>&1
	done
}

runenv() {
	if [ "$1" = tsan ]; then echo setarch "$(uname -m)" -R; fi
}

# lf_options TARGET: the target's length and value-profile settings of
# fuzz/TARGET.options, as `make fuzz` passes them (max_len matters: the
# structure-aware mutator turns libFuzzer's length control off)
lf_options() {
	[ -f "fuzz/$1.options" ] || return 0
	awk '/^\[/ { on = ($0 == "[libfuzzer]"); next }
		on && /=/ { gsub(/[ \t]/, ""); split($0, kv, "=");
			if (kv[1] == "max_len" || kv[1] == "use_value_profile")
				printf "-%s=%s ", kv[1], kv[2] }' "fuzz/$1.options"
}

engine_libfuzzer() {	# BUG SAN TARGET PROG SIG TOOL
	local name=$1 san=$2 target=$3 sig=$5 tool=$6 b=$BUILD/zoo-lf/$(zvariant "$2" "$1") bin
	bin=$b/fuzz/$target-libfuzzer
	# instrumented as `make fuzz` and the nightly build it: edge counters,
	# no comparison tracing (about 5x slower here, and it fed heap
	# addresses into libFuzzer's dictionary: docs/nightly.md)
	CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp" \
		"$MAKE" -s --no-print-directory -j2 BUILD="$BUILD/zoo-lf" DEBUG="$(zdebug "$san")" \
		SAN="$san" ZOO="$name" $([ "$san" = tsan ] && echo "$b/zoo/tsan_report.o") "$bin" >&2 ||
		{ record "$name" libfuzzer 0 build-failed - - /dev/null 0; return; }
	for t in $(seq 1 "$TRIALS"); do
		local d=$WORK/$name/libfuzzer/$t zlog start end sig_got out
		rm -rf "$d"; mkdir -p "$d/corpus"
		seeds "$tool" "$target" "$d/corpus" "$name"
		zlog=$d/canary.log; : > "$zlog"
		start=$(mono)
		LABYRINTH_ZOO_LOG=$zlog ASAN_OPTIONS=$ASAN_FUZZ TSAN_OPTIONS=$TSAN_FUZZ \
			timeout $((T + 30)) $(runenv "$san") "$bin" -seed=$((t * 7919 + 17)) \
			-max_total_time="$T" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
			-dict="fuzz/$target.dict" $(lf_options "$target") \
			-artifact_prefix="$d/" "$d/corpus" > "$d/log" 2>&1
		end=$(mono)
		out=$(ls "$d"/crash-* "$d"/timeout-* "$d"/oom-* 2>/dev/null | head -n 1)
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -n 1)
		if [ -n "$out" ]; then
			sig_got=$($(runenv "$san") "$tool" run "$out" 2>&1 | zoo_first_signature)
			[ -n "$sig_got" ] || sig_got=$(zoo_first_signature < "$d/log")
			if zoo_sig_ok "$sig_got" "$sig"; then
				record "$name" libfuzzer "$t" detected "$(secs "$start" "$end")" "${execs:--}" "$zlog" "$start" "$sig_got"
			else
				record "$name" libfuzzer "$t" "wrong" "$(secs "$start" "$end")" "${execs:--}" "$zlog" "$start" "${sig_got:-unknown}"
			fi
		else
			record "$name" libfuzzer "$t" miss "$T" "${execs:--}" "$zlog" "$start"
		fi
	done
}

engine_afl() {
	local name=$1 san=$2 target=$3 sig=$5 tool=$6 b=$BUILD/zoo-afl/$(zvariant "$2" "$1") bin
	command -v afl-fuzz >/dev/null || { record "$name" afl 0 n/a - - /dev/null 0; return; }
	# AFL++ under TSan is refused, as by `make fuzz` (docs/programs.md):
	# its coverage map races between the machine's fibers
	[ "$san" = tsan ] && { record "$name" afl 0 n/a - - /dev/null 0; return; }
	bin=$b/fuzz/$target-afl
	"$MAKE" -s --no-print-directory -j2 BUILD="$BUILD/zoo-afl" CC=afl-clang-fast SAN="$san" \
		ZOO="$name" $([ "$san" = tsan ] && echo "$b/zoo/tsan_report.o") "$bin" >&2 ||
		{ record "$name" afl 0 build-failed - - /dev/null 0; return; }
	for t in $(seq 1 "$TRIALS"); do
		local d=$WORK/$name/afl/$t zlog start end crash sig_got ms execs
		rm -rf "$d"; mkdir -p "$d/in"
		seeds "$tool" "$target" "$d/in" "$name"
		zlog=$d/canary.log; : > "$zlog"
		start=$(mono)
		LABYRINTH_ZOO_LOG=$zlog ASAN_OPTIONS=$ASAN_FUZZ TSAN_OPTIONS=$TSAN_FUZZ \
			AFL_BENCH_UNTIL_CRASH=1 timeout $((T + 30)) $(runenv "$san") afl-fuzz -i "$d/in" \
			-o "$d/out" -V "$T" -s $((t * 7919 + 17)) -t 20000 -m none -- "$bin" > "$d/log" 2>&1
		end=$(mono)
		crash=$(ls "$d"/out/default/crashes/id:* 2>/dev/null | head -n 1)
		execs=$(sed -n 's/^execs_done *: *//p' "$d/out/default/fuzzer_stats" 2>/dev/null)
		if [ -n "$crash" ]; then
			ms=$(sed -n 's/.*,time:\([0-9]*\).*/\1/p' <<<"$crash")
			local e2; e2=$(sed -n 's/.*,execs:\([0-9]*\).*/\1/p' <<<"$crash")
			[ -n "$e2" ] && execs=$e2
			sig_got=$($(runenv "$san") "$tool" run "$crash" 2>&1 | zoo_first_signature)
			local tt; if [ -n "$ms" ]; then tt=$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }'); else tt=$(secs "$start" "$end"); fi
			if zoo_sig_ok "$sig_got" "$sig"; then
				record "$name" afl "$t" detected "$tt" "${execs:--}" "$zlog" "$start" "$sig_got"
			else
				record "$name" afl "$t" wrong "$tt" "${execs:--}" "$zlog" "$start" "${sig_got:-unknown}"
			fi
		else
			record "$name" afl "$t" miss "$T" "${execs:--}" "$zlog" "$start"
		fi
	done
}

# explore: the bug's schedule-free program (tests/zoo/<name>.lab) every
# other chunk, the seeds in between, CHUNK runs a call with fresh seeds,
# until found or out of time.
engine_explore() {	# POLICY BUG SAN TARGET PROG SIG TOOL
	local policy=$1 name=$2 san=$3 target=$4 prog=$5 sig=$6 tool=$7 chunk=200
	if [ "$target" != ops ] && [ "$policy" = pct ]; then
		record "$name" "$policy" 0 n/a - - /dev/null 0; return
	fi
	for t in $(seq 1 "$TRIALS"); do
		local d=$WORK/$name/$policy/$t zlog start now execs=0 s=$((t * 1000003)) found= got= i=0
		local seedfiles=() f
		for f in corpus/"$target"/*.lab; do
			zoo_seed_reaches "$name" "$f" || seedfiles+=("$f")
		done
		rm -rf "$d"; mkdir -p "$d"
		zlog=$d/canary.log; : > "$zlog"
		start=$(mono)
		while :; do
			now=$(mono)
			[ "$(secs "$start" "$now" | cut -d. -f1)" -ge "$T" ] && break
			# every other chunk is the bug's own program, the rest the seeds
			local p=$prog out k
			[ $((i % 2)) -eq 1 ] && p=${seedfiles[$(((i / 2) % ${#seedfiles[@]}))]}
			i=$((i + 1))
			if [ "$target" = ops ]; then
				# a run can hang outside any scheduling point (TSan keeps
				# going after a race; a corrupt list may then loop for
				# ever): the trial's budget bounds the call too
				out=$(LABYRINTH_ZOO_LOG=$zlog TSAN_OPTIONS=$TSAN_EXPLORE timeout $((T + 10)) \
					$(runenv "$san") "$tool" explore "$p" \
					--policy "$policy" --runs "$chunk" --seed "$s" -o "$d/found.lab" 2>&1)
				k=$(sed -n 's/^run \([0-9]*\) (seed [0-9]*): signature: .*/\1/p' <<<"$out" | head -n 1)
				got=$(sed -n 's/^run [0-9]* (seed [0-9]*): signature: \([^ ]*\).*/\1/p' <<<"$out" | head -n 1)
				# TSan halts in the run itself: its hook printed the signature
				[ -n "$got" ] || got=$(zoo_first_signature <<<"$out")
				if [ -n "$got" ]; then execs=$((execs + ${k:-0} + 1)); found=1; break; fi
				execs=$((execs + chunk))
				s=$((s + chunk))
			else
				# scenarios: the tool's seeded random walk, one run each
				LABYRINTH_ZOO_LOG=$zlog "$tool" record "$p" "$s" "$d/walk.lab" >/dev/null 2>&1
				out=$("$tool" run "$d/walk.lab" 2>&1)
				execs=$((execs + 1)); s=$((s + 1))
				got=$(zoo_first_signature <<<"$out")
				[ -n "$got" ] && { found=1; break; }
			fi
		done
		now=$(mono)
		if [ -z "$found" ]; then
			record "$name" "$policy" "$t" miss "$T" "$execs" "$zlog" "$start"
		elif zoo_sig_ok "$got" "$sig"; then
			record "$name" "$policy" "$t" detected "$(secs "$start" "$now")" "$execs" "$zlog" "$start" "$got"
		else
			record "$name" "$policy" "$t" wrong "$(secs "$start" "$now")" "$execs" "$zlog" "$start" "$got"
		fi
	done
}

engine_stress() {	# BUG SAN TARGET PROG SIG
	local name=$1 san=$2 target=$3 sig=$5 b=$BUILD/$(zvariant "$2" "$1") bin
	bin=$b/zoo/stress
	if [ "$target" != ops ]; then
		record "$name" stress 0 n/a - - /dev/null 0; return
	fi
	"$MAKE" -s --no-print-directory -j2 SAN="$san" DEBUG="$(zdebug "$san")" ZOO="$name" \
		$([ "$san" = tsan ] && echo "$b/zoo/tsan_report.o") "$bin" >&2 ||
		{ record "$name" stress 0 build-failed - - /dev/null 0; return; }
	for t in $(seq 1 "$TRIALS"); do
		local d=$WORK/$name/stress/$t zlog start end got rc rounds
		rm -rf "$d"; mkdir -p "$d"
		zlog=$d/canary.log; : > "$zlog"
		start=$(mono)
		LABYRINTH_ZOO_LOG=$zlog TSAN_OPTIONS=$TSAN_FUZZ timeout $((T + 10)) $(runenv "$san") \
			"$bin" $((t * 7919 + 17)) "$T" 2 > "$d/log" 2>&1
		rc=$?
		end=$(mono)
		got=$(zoo_first_signature < "$d/log")
		# executions: rounds started (the canary log counts them at its lines)
		rounds=$(sed -n 's/^stress: \([0-9]*\) rounds.*/\1/p' "$d/log")
		[ -n "$rounds" ] || rounds=$(awk '{ r = $5 } END { print r ? r : "-" }' "$zlog")
		if [ -n "$got" ] && zoo_sig_ok "$got" "$sig"; then
			record "$name" stress "$t" detected "$(secs "$start" "$end")" "$rounds" "$zlog" "$start" "$got"
		elif [ -n "$got" ]; then
			record "$name" stress "$t" wrong "$(secs "$start" "$end")" "$rounds" "$zlog" "$start" "$got"
		elif [ $rc -eq 124 ]; then
			record "$name" stress "$t" miss "$T" "$rounds" "$zlog" "$start" "hung"
		else
			record "$name" stress "$t" miss "$T" "$rounds" "$zlog" "$start"
		fi
	done
}

rows=$(zoo_rows ${BUGS:-}) || exit 2
while read -r name target san needs files sig runs; do
	log "== $name ($target, $san, needs $needs): want $sig"
	# pool: the ops programs, seeds and targets, run on the pool
	# (LABYRINTH_ALLOC, read by the labyrinth command and the ops target)
	export LABYRINTH_ALLOC=
	if [ "$target" = pool ]; then target=ops; LABYRINTH_ALLOC=pool; fi
	tool=$(build_sim "$name" "$san" "$target") || { log "$name: build failed"; continue; }
	if [ "$target" = ops ]; then prog=tests/zoo/$name.lab; else prog=tests/zoo/$name.scn.lab; fi
	for e in $ENGINES; do
		case "$e" in
		libfuzzer) engine_libfuzzer "$name" "$san" "$target" "$prog" "$sig" "$tool" ;;
		afl) engine_afl "$name" "$san" "$target" "$prog" "$sig" "$tool" ;;
		pct|random) engine_explore "$e" "$name" "$san" "$target" "$prog" "$sig" "$tool" ;;
		stress)
			# the stress engine drives mm.h on real threads, not an adapter
			if [ -n "$LABYRINTH_ALLOC" ]; then record "$name" stress 0 n/a - - /dev/null 0
			else engine_stress "$name" "$san" "$target" "$prog" "$sig"; fi ;;
		*) log "unknown engine $e"; exit 2 ;;
		esac
	done
done <<<"$rows"

zoo/report.sh "$RES" "$T" "$TRIALS" "$ENGINES" "$OUT"
