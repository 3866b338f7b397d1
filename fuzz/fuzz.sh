#!/usr/bin/env bash
# fuzz/fuzz.sh: the `make fuzz` job (docs/programs.md, "make fuzz").
#
# Builds TARGET (ops, or a scenario: a SCENARIO() line of
# fuzz/scenarios.def) for ENGINE with SAN, seeds its corpus from the
# shipped .lab seeds, fuzzes for FUZZ_TIME seconds (0: until stopped) with JOBS
# processes, shows progress, then prints a summary (executions, exec/s,
# corpus size, coverage, findings) and for each finding its signature
# and the `make repro` line. Findings are kept in crashes/<target>/.
#
# Variables: TARGET=ops|nic|block|... ENGINE=libfuzzer|afl SAN=asan|tsan|none
#            DEBUG=0|1 JOBS=N FUZZ_TIME=SECONDS BUILD=build MAKE=make
#            FUZZ_AFL_MUTATOR=0 (AFL++ without the structure-aware mutator)
#            FUZZ_RUNS=N (also stop after N executions; 0: no bound)
#            FUZZ_WORK=DIR FUZZ_CRASHES=DIR (tests: elsewhere than the
#            campaign's $BUILD/fuzz-work/ENGINE/TARGET and crashes/TARGET)
set -uo pipefail

TARGET=${TARGET:-ops}
ENGINE=${ENGINE:-libfuzzer}
SAN=${SAN:-asan}
DEBUG=${DEBUG:-0}
JOBS=${JOBS:-1}
FUZZ_TIME=${FUZZ_TIME:-60}
FUZZ_RUNS=${FUZZ_RUNS:-0}
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}

die() { echo "make fuzz: $*" >&2; exit 2; }

case "$ENGINE" in libfuzzer|afl) ;; *) die "ENGINE must be libfuzzer or afl (got '$ENGINE')" ;; esac
case "$SAN" in asan|tsan|none) ;; *) die "SAN must be asan, tsan or none (got '$SAN')" ;; esac
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive number (got '$JOBS')"
[[ "$FUZZ_TIME" =~ ^[0-9]+$ ]] || die "FUZZ_TIME must be seconds, 0 for no limit (got '$FUZZ_TIME')"
[[ "$FUZZ_RUNS" =~ ^[0-9]+$ ]] || die "FUZZ_RUNS must be a number of executions, 0 for no limit (got '$FUZZ_RUNS')"
# ops is fuzz/ops.c; a scenario target is fuzz/scenario_target.c built
# for one SCENARIO() line, and replays with its own tool, scn-<name>
SCENARIOS=$(sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def | tr '\n' ' ')
if [ "$TARGET" = ops ]; then
	SCN=
elif [[ " $SCENARIOS" == *" $TARGET "* ]]; then
	SCN=$TARGET
else
	die "no target '$TARGET': TARGET is ops or a scenario of fuzz/scenarios.def (${SCENARIOS% })"
fi
if [ "$SAN" = tsan ] && [ "$ENGINE" = afl ] && [ -z "${FUZZ_TSAN_ANYWAY:-}" ]; then
	# AFL++'s map writes are instrumented by TSan like any store, and the
	# machine's fibers are separate threads to TSan: every seed "crashed"
	# (docs/programs.md). libFuzzer's coverage state is set apart
	# (sim/fiber.c, the Makefile's SAN=tsan flags); AFL++'s is not.
	die "SAN=tsan ENGINE=afl: AFL++'s coverage map races between the machine's
  fibers under TSan, so every input would be a false finding (docs/programs.md).
  Use ENGINE=libfuzzer with SAN=tsan. (FUZZ_TSAN_ANYWAY=1 overrides this check.)"
fi
[ -d "corpus/$TARGET" ] || die "no seeds for '$TARGET' (corpus/$TARGET/)"

V=$SAN; [ "$DEBUG" = 1 ] || V=$SAN-nodebug
HOST=$BUILD/$V				# replay binary, labyrinth, assembled seeds
REPLAY=("$HOST/tools/labyrinth" run)	# a finding's replay (exit 1: a report)
[ -n "$SCN" ] && REPLAY=("$HOST/fuzz/scn-$TARGET" run)
case "$ENGINE" in
libfuzzer) EB=$BUILD/libfuzzer; BIN=$EB/$V/fuzz/$TARGET-libfuzzer ;;
afl)       EB=$BUILD/afl;       BIN=$EB/$V/fuzz/$TARGET-afl ;;
esac
WORK=${FUZZ_WORK:-$BUILD/fuzz-work/$ENGINE/$TARGET}	# the growing corpus / AFL output
CRASHES=${FUZZ_CRASHES:-crashes/$TARGET}
mkdir -p "$WORK" "$CRASHES"

echo "== make fuzz: TARGET=$TARGET ENGINE=$ENGINE SAN=$SAN DEBUG=$DEBUG JOBS=$JOBS FUZZ_TIME=$FUZZ_TIME$([ "$FUZZ_RUNS" = 0 ] || echo " FUZZ_RUNS=$FUZZ_RUNS")"
echo "== building"
$MAKE --no-print-directory -s SAN="$SAN" DEBUG="$DEBUG" "${REPLAY[0]}" "seeds-$TARGET" \
	>/dev/null || die "build of the host tools failed"
case "$ENGINE" in
libfuzzer)
	# every object gets edge coverage; only the final link pulls libFuzzer
	# in. No trace-cmp: the machine and the checkers compare in tight
	# loops and the byte format has no magic values (docs/programs.md).
	CFLAGS="${FUZZ_LF_CFLAGS:-"-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp"}" $MAKE --no-print-directory -s BUILD="$EB" \
		SAN="$SAN" DEBUG="$DEBUG" "$BIN" >/dev/null || die "build of $BIN failed"
	;;
afl)
	command -v afl-fuzz >/dev/null || die "afl-fuzz not found: apt-get install afl++ (make deps)"
	AFL_QUIET=1 $MAKE --no-print-directory -s BUILD="$EB" CC=afl-clang-fast \
		SAN="$SAN" DEBUG="$DEBUG" "$BIN" >/dev/null || die "build of $BIN failed"
	# the structure-aware mutator (fuzz/mutate_afl.c), beside AFL++'s own
	# stages; libFuzzer has it linked into the target already
	MUT=
	if [ "$TARGET" = ops ] && [ "${FUZZ_AFL_MUTATOR:-1}" != 0 ]; then
		MUT=$HOST/fuzz/$TARGET-mutator.so
		$MAKE --no-print-directory -s SAN="$SAN" DEBUG="$DEBUG" "$MUT" >/dev/null ||
			die "build of $MUT failed"
		export AFL_CUSTOM_MUTATOR_LIBRARY=$(realpath "$MUT")
	fi
	;;
esac

# options file: the [libfuzzer] section as -key=value flags
opt_flags() {
	local sec=$1 f=fuzz/$TARGET.options
	[ -f "$f" ] || return 0
	awk -v sec="[$sec]" '
		/^\[/ { on = ($0 == sec); next }
		on && /=/ { gsub(/[ \t]/, ""); split($0, kv, "=");
			v = kv[2]; if (kv[1] == "dict") v = "fuzz/" v;
			printf "-%s=%s\n", kv[1], v }' "$f"
}

export ASAN_OPTIONS=${FUZZ_ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0:symbolize=0:dedup_token_length=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# TSan halts without abort: libFuzzer's deadly-signal handler hangs under
# TSan after a report, a plain halt (exit 66) still writes the crash
# input (as ci/nightly.sh). report_signal_unsafe=0: should TSan report
# inside a signal handler, it must not wait for its own report lock.
export TSAN_OPTIONS=halt_on_error=1:report_signal_unsafe=0
# afl-fuzz sees only a signal as a crash (TOOLCHAIN.md)
[ "$ENGINE" = afl ] && TSAN_OPTIONS=$TSAN_OPTIONS:abort_on_error=1
SETARCH=()
[ "$SAN" = tsan ] && SETARCH=(setarch "$(uname -m)" -R)

before=$(mktemp)
trap 'rm -f "$before"' EXIT
ls "$CRASHES" > "$before"
start=$(date +%s)

execs=0; eps=0; corpus=0; cov="-"
case "$ENGINE" in
libfuzzer)
	CORPUS=$WORK/corpus
	mkdir -p "$CORPUS"
	cp -n "$HOST/corpus/$TARGET/"*.bin "$CORPUS/" 2>/dev/null
	flags=($(opt_flags libfuzzer) -print_final_stats=1 -artifact_prefix="$CRASHES/")
	[ "$FUZZ_TIME" -gt 0 ] && flags+=(-max_total_time="$FUZZ_TIME")
	[ "$FUZZ_RUNS" -gt 0 ] && flags+=(-runs="$FUZZ_RUNS")
	if [ "$JOBS" -gt 1 ]; then
		# fork mode keeps going after a crash and saves each one
		flags+=(-fork="$JOBS" -ignore_crashes=1)
	fi
	log=$WORK/fuzz.log
	echo "== fuzzing (libFuzzer; progress lines below, full log in $log)"
	"${SETARCH[@]}" "$BIN" "${flags[@]}" "$CORPUS" 2>&1 | tee "$log" |
		grep --line-buffered -E '^#[0-9]+.*(pulse|NEW|REDUCE)|^#[0-9]+: cov:|^INFO: (fork|seed)|==ERROR|^signature:' |
		awk '/pulse|NEW|REDUCE/ { n++; if (n % 20 != 1 && !/pulse/) next } { print; fflush() }'
	execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n1)
	eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n1)
	if [ -z "$execs" ]; then	# fork mode: the last status line
		execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
		el=$(( $(date +%s) - start )); [ "$el" -gt 0 ] || el=1
		eps=$(( ${execs:-0} / el ))
	fi
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | awk '{print $2}')
	corpus=$(ls "$CORPUS" | wc -l)
	;;
afl)
	OUT=$WORK/out
	IN=$WORK/in
	rm -rf "$IN"; mkdir -p "$IN" "$OUT"
	cp "$HOST/corpus/$TARGET/"*.bin "$IN/"
	# resume an earlier campaign of this target when there is one
	[ -d "$OUT/main/queue" ] && IN=-
	export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
	export AFL_SKIP_CRASHES=1 AFL_AUTORESUME=1
	tmo=$(awk -F= '/^\[afl\]/{on=1;next} /^\[/{on=0} on && $1 ~ /timeout/ {gsub(/ /,"",$2); print $2}' \
		"fuzz/$TARGET.options" 2>/dev/null)
	args=(-i "$IN" -o "$OUT" -t "${tmo:-10000}")
	[ -f "fuzz/$TARGET.dict" ] && args+=(-x "fuzz/$TARGET.dict")
	[ "$FUZZ_TIME" -gt 0 ] && args+=(-V "$FUZZ_TIME")
	[ "$FUZZ_RUNS" -gt 0 ] && args+=(-E "$FUZZ_RUNS")
	# no @@: the harness reads shared memory (TOOLCHAIN.md)
	pids=()
	"${SETARCH[@]}" afl-fuzz "${args[@]}" -M main -- "$BIN" > "$WORK/main.log" 2>&1 &
	pids+=($!)
	for ((j = 1; j < JOBS; j++)); do
		"${SETARCH[@]}" afl-fuzz "${args[@]}" -S "sec$j" -- "$BIN" > "$WORK/sec$j.log" 2>&1 &
		pids+=($!)
	done
	trap 'kill "${pids[@]}" 2>/dev/null; rm -f "$before"' EXIT INT TERM
	echo "== fuzzing (AFL++ $([ "$JOBS" -gt 1 ] && echo "x$JOBS ")${MUT:+with $(basename "$MUT")}; a status line when afl-fuzz updates its stats, logs in $WORK)"
	last=
	while :; do
		alive=0
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 1 ] || break
		sleep 10
		st=$OUT/main/fuzzer_stats
		[ -f "$st" ] || continue
		# afl-fuzz rewrites fuzzer_stats about once a minute: print news only
		line=$(awk -F' *: *' '
			{ v[$1] = $2 }
			END { printf "[%s s] execs %s  exec/s %s  corpus %s  coverage %s  crashes %s\n",
				v["run_time"], v["execs_done"], v["execs_per_sec"], v["corpus_count"],
				v["bitmap_cvg"], v["saved_crashes"] }' "$st")
		[ "$line" = "$last" ] || echo "$line"
		last=$line
	done
	wait 2>/dev/null
	for st in "$OUT"/*/fuzzer_stats; do
		[ -f "$st" ] || continue
		e=$(awk -F' *: *' '$1=="execs_done"{print $2}' "$st"); execs=$((execs + ${e:-0}))
		r=$(awk -F' *: *' '$1=="execs_per_sec"{print int($2)}' "$st"); eps=$((eps + ${r:-0}))
		c=$(awk -F' *: *' '$1=="corpus_count"{print $2}' "$st"); corpus=$((corpus + ${c:-0}))
	done
	cov=$(awk -F' *: *' '$1=="bitmap_cvg"{print $2}' "$OUT/main/fuzzer_stats" 2>/dev/null)
	# afl-fuzz exits 0 even after a crash: collect them ourselves
	for f in "$OUT"/*/crashes/id:*; do
		[ -f "$f" ] || continue
		inst=$(basename "$(dirname "$(dirname "$f")")")
		name=afl-$inst-$(basename "$f" | cut -d, -f1 | tr ':' '-')
		name=$name-$(sha1sum "$f" | cut -c1-12)
		[ -f "$CRASHES/$name" ] || cp "$f" "$CRASHES/$name"
	done
	;;
esac

elapsed=$(( $(date +%s) - start ))
new=$(ls "$CRASHES" | grep -vxF -f "$before" | grep -v '^\.' || true)
nnew=$(printf '%s' "$new" | grep -c . || true)
echo
echo "== summary: $TARGET, $ENGINE, $SAN"
printf '  time         %s s\n' "$elapsed"
printf '  executions   %s\n' "${execs:-0}"
printf '  exec/s       %s\n' "${eps:-0}"
printf '  corpus       %s inputs (%s)\n' "$corpus" "$WORK"
printf '  coverage     %s\n' "${cov:-"-"}"
printf '  findings     %s new in %s/\n' "$nnew" "$CRASHES"
rc=0
repro_san=; [ "$SAN" = asan ] || repro_san=" SAN=$SAN"
[ -n "$SCN" ] && repro_san="$repro_san TARGET=$TARGET"	# make repro replays with scn-<name>
# a finding on another allocator replays on that allocator
[ -n "${LABYRINTH_ALLOC:-}" ] && repro_san="$repro_san ALLOC=$LABYRINTH_ALLOC"
for f in $new; do
	# a detector's signature from the replay; else the sanitizer's own
	# SUMMARY line from the engine binary running just that file
	sig=$("${SETARCH[@]}" "${REPLAY[@]}" "$CRASHES/$f" 2>/dev/null |
		sed -nE 's/.*signature: (.*)/\1/p' | tail -n1)
	[ -n "$sig" ] || sig=$(timeout 60 "${SETARCH[@]}" "$BIN" "$CRASHES/$f" 2>&1 |
		sed -nE 's/^SUMMARY: ([A-Za-z]+Sanitizer: .*)/\1/p' | head -n1)
	echo "  - $CRASHES/$f"
	echo "      signature: ${sig:-"(does not reproduce under replay; timeout or engine-only crash)"}"
	echo "      make repro CRASH=$CRASHES/$f$repro_san"
	rc=1
done
exit $rc
