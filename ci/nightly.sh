#!/usr/bin/env bash
# ci/nightly.sh: the unattended campaign behind `make nightly`
# (docs/nightly.md, issue #8).
#
# Builds every variant, fuzzes every target with libFuzzer (ASan+UBSan),
# AFL++ (ASan, CMPLOG) and libFuzzer under TSan for NIGHTLY_TIME seconds
# each on JOBS cores, merges what the engines found into the working
# corpus, triages every crash (replayed in fresh processes, flaky ones
# marked, known signatures set aside, new ones minimized and stored with
# their report), measures source coverage over the whole corpus and
# writes report.md and summary.json.
#
# Exit status: 0 nothing new; 1 a new reproducible signature (and only
# then); 2 the campaign could not run (missing tool, full disk, broken
# build, another campaign holds the lock); 128+N killed by signal N.
#
# Variables (environment; `make nightly` passes them through):
#   NIGHTLY_TIME=600        seconds per target and engine
#   NIGHTLY_RUNS=0          also stop each engine run after this many executions
#                           per worker (0: no bound; tests use it: a fixed seed
#                           and an execution bound make a run the same walk
#                           whatever the machine's load)
#   JOBS=1                  cores per engine run (libFuzzer -fork, AFL++ -M/-S)
#   NIGHTLY_TARGETS         default: ops and every line of fuzz/scenarios.def
#   NIGHTLY_ENGINES         default: libfuzzer afl tsan
#   ZOO=name                fuzz a bug-zoo build (passed to every make)
#   LABYRINTH_ALLOC=name    the allocator under test (`make nightly ALLOC=pool`,
#                           fuzz/allocs.def): every target, replay, minimization
#                           and coverage run reads it from the environment
#   NIGHTLY_DIR             default build/nightly (build/nightly-zoo-NAME with ZOO,
#                           build/nightly-alloc-NAME with another allocator)
#   NIGHTLY_BUILD           make BUILD root of the variants, default NIGHTLY_DIR/build
#   NIGHTLY_KNOWN           more known-signature files (ci/known-signatures.txt always)
#   NIGHTLY_REPLAYS=5       fresh-process replays per finding
#   NIGHTLY_COVERAGE=1      0 skips the coverage build and report
#   NIGHTLY_UPDATE_SEEDS=0  1 writes new corpus entries back to corpus/<t>/ as .lab
#   NIGHTLY_MAKE_ARGS       extra make arguments for every build (tests use it)
#   NIGHTLY_EXTRA_SEEDS     a directory of extra .lab seeds per target (DIR/<t>/*.lab)
#   NIGHTLY_MIN_FREE_MB=1024, NIGHTLY_REPLAY_TIMEOUT=60, NIGHTLY_MIN_TIME=60
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
. ci/nightly-lib.sh
# a clean make: the outer `make nightly` must not leak its flags inward
unset MAKEFLAGS MFLAGS MAKELEVEL CFLAGS LDFLAGS

NIGHTLY_TIME=${NIGHTLY_TIME:-600}
NIGHTLY_RUNS=${NIGHTLY_RUNS:-0}
JOBS=${JOBS:-1}
ZOO=${ZOO:-}
NIGHTLY_TARGETS=${NIGHTLY_TARGETS:-ops $(sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def)}
NIGHTLY_ENGINES=${NIGHTLY_ENGINES:-libfuzzer afl tsan}
NALLOC=${LABYRINTH_ALLOC:-}; [ "$NALLOC" = labyrinth ] && NALLOC=
ND=${NIGHTLY_DIR:-build/nightly${ZOO:+-zoo-$ZOO}${NALLOC:+-alloc-$NALLOC}}
NIGHTLY_KNOWN=${NIGHTLY_KNOWN:-}
NIGHTLY_REPLAYS=${NIGHTLY_REPLAYS:-5}
NIGHTLY_COVERAGE=${NIGHTLY_COVERAGE:-1}
NIGHTLY_UPDATE_SEEDS=${NIGHTLY_UPDATE_SEEDS:-0}
NIGHTLY_MAKE_ARGS=${NIGHTLY_MAKE_ARGS:-}
NIGHTLY_EXTRA_SEEDS=${NIGHTLY_EXTRA_SEEDS:-}
NIGHTLY_MIN_FREE_MB=${NIGHTLY_MIN_FREE_MB:-1024}
NIGHTLY_REPLAY_TIMEOUT=${NIGHTLY_REPLAY_TIMEOUT:-60}
NIGHTLY_MIN_TIME=${NIGHTLY_MIN_TIME:-60}
NIGHTLY_MAX_STARTS=${NIGHTLY_MAX_STARTS:-50}
MAKE=${MAKE:-make}
# Fuzzing builds run without the per-operation validators, as `make fuzz`
# does (docs/programs.md): the detectors stay on, executions triple. A
# zoo build keeps them (docs/zoo.md): they are part of what makes the
# signatures zoo/bugs.def expects.
DEBUG=0
[ -n "$ZOO" ] && DEBUG=1
# libFuzzer objects as `make fuzz` builds them. No trace-cmp: besides
# adding nothing here (docs/programs.md), it feeds the machine's pointer
# comparisons into the mutator's dictionary, and heap addresses differ
# from process to process, so the same seed took a different walk each
# time (measured: a zoo bug at execution 176 or 178 from one seed; 705
# every time without trace-cmp).
LF_CFLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp"

[[ "$NIGHTLY_TIME" =~ ^[1-9][0-9]*$ ]] || die "NIGHTLY_TIME must be seconds > 0 (got '$NIGHTLY_TIME')"
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive number (got '$JOBS')"
[[ "$NIGHTLY_RUNS" =~ ^[0-9]+$ ]] || die "NIGHTLY_RUNS must be a number of executions (got '$NIGHTLY_RUNS')"
[[ "$NIGHTLY_REPLAYS" =~ ^[1-9][0-9]*$ ]] || die "NIGHTLY_REPLAYS must be >= 1"
for e in $NIGHTLY_ENGINES; do
	case "$e" in libfuzzer|afl|tsan) ;; *) die "unknown engine '$e' (libfuzzer afl tsan)" ;; esac
done
for t in $NIGHTLY_TARGETS; do
	[ "$t" = ops ] || grep -q "^SCENARIO($t)" fuzz/scenarios.def ||
		die "unknown target '$t' (ops or a line of fuzz/scenarios.def)"
	[ -d "corpus/$t" ] || die "no seeds for '$t' (corpus/$t/)"
done
has_engine() { [[ " $NIGHTLY_ENGINES " == *" $1 "* ]]; }

# ---- preflight: tools, disk, lock -------------------------------------
tools=(clang "$MAKE" sha1sum timeout flock jq df)
has_engine afl && tools+=(afl-fuzz afl-clang-fast afl-cmin)
has_engine tsan && tools+=(setarch)
[ "$NIGHTLY_COVERAGE" = 1 ] && tools+=(llvm-profdata-14 llvm-cov-14)
need "${tools[@]}"
mkdir -p "$ND" || die "cannot create $ND"
disk_check "$ND" "$NIGHTLY_MIN_FREE_MB"
exec 9> "$ND/lock" || die "cannot open $ND/lock"
flock -n 9 || die "another campaign holds $ND/lock"

NB=${NIGHTLY_BUILD:-$ND/build}	# make BUILD root of every variant
mkdir -p "$NB" "$ND/corpus" "$ND/work" "$ND/raw" "$ND/triage" "$ND/findings" \
	"$ND/stats" || die "cannot create the campaign directories under $ND"
run=$(( $(cat "$ND/run-number" 2>/dev/null || echo 0) + 1 ))
echo "$run" | put_text "$ND/run-number"
# stats of the run before are not this run's
rm -f "$ND"/stats/*.json
# The fuzzers' seeds follow the run number: a different walk every
# night, the same walk when a night is re-run from the same state.
SEED=$run

PIDS=()
on_signal() {
	local p
	note "stopped by SIG$1; findings and corpus written so far are kept"
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	exit $((128 + $2))
}
trap 'on_signal TERM 15' TERM
trap 'on_signal INT 2' INT
trap 'on_signal HUP 1' HUP

# run_bg LOG CMD...: run CMD in the background (so a signal reaches this
# script at once), without the lock's descriptor, and wait for it.
run_bg() {
	local log=$1 p rc
	shift
	"$@" > "$log" 2>&1 9>&- &
	p=$!
	PIDS+=("$p")
	wait "$p"
	rc=$?
	PIDS=("${PIDS[@]/$p}")
	return $rc
}

# ---- builds -----------------------------------------------------------
NPROC=$(nproc 2>/dev/null || echo 2)
mk() {
	# shellcheck disable=SC2086
	$MAKE --no-print-directory -s -j"$NPROC" DEBUG=$DEBUG ${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS "$@"
}
# the build directory make uses for a BUILD root and sanitizer (a zoo
# build may name it differently: ask make, do not guess)
bdir() { mk BUILD="$1" SAN="$2" nightly-print-B; }

HB_asan=$(bdir "$NB" asan) || die "make does not run (nightly-print-B)"
HB_tsan=$(bdir "$NB" tsan)
LF_asan=$(bdir "$NB/libfuzzer" asan)
LF_tsan=$(bdir "$NB/libfuzzer" tsan)
AF_asan=$(bdir "$NB/afl" asan)
AC_asan=$(bdir "$NB/afl-cmplog" asan)
CV=$(bdir "$NB/coverage" none)

# tool HB T: the engine-free replay tool of target T in host build HB
tool() { if [ "$1" = ops ]; then echo "$2/tools/labyrinth"; else echo "$2/fuzz/scn-$1"; fi; }
tool_of() { tool "$1" "$2"; }
seeds_of() {	# the assembled seeds of T in host build HB
	local t=$1 hb=$2 f
	for f in corpus/"$t"/*.lab; do
		[ -f "$f" ] && echo "$hb/corpus/$t/$(basename "${f%.lab}").bin"
	done
}

LOGS=$ND/logs
mkdir -p "$LOGS"
build() {
	local what=$1 log=$LOGS/build-$1.log
	shift
	note "building $what"
	if ! run_bg "$log" "$@"; then
		tail -n 30 "$log" >&2
		die "build of $what failed (log: $log)"
	fi
}

host_goals=(); lf_goals=(); tsan_goals=(); lft_goals=(); afl_goals=(); cov_goals=()
for t in $NIGHTLY_TARGETS; do
	host_goals+=("$(tool_of "$t" "$HB_asan")")
	mapfile -t s < <(seeds_of "$t" "$HB_asan")
	host_goals+=("${s[@]}")
	lf_goals+=("$LF_asan/fuzz/$t-libfuzzer")
	tsan_goals+=("$(tool_of "$t" "$HB_tsan")")
	lft_goals+=("$LF_tsan/fuzz/$t-libfuzzer")
	afl_goals+=("$AF_asan/fuzz/$t-afl")
	# the structure-aware AFL++ mutator (fuzz/mutate_afl.c): host build
	[ "$t" = ops ] && has_engine afl && host_goals+=("$HB_asan/fuzz/$t-mutator.so")
	cov_goals+=("$(tool_of "$t" "$CV")")
done
build host mk BUILD="$NB" SAN=asan "${host_goals[@]}"
# libFuzzer binaries also minimize what AFL++ finds in scenario targets
build libfuzzer-asan env CFLAGS="$LF_CFLAGS" \
	"$MAKE" --no-print-directory -s -j"$NPROC" DEBUG=$DEBUG ${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS \
	BUILD="$NB/libfuzzer" SAN=asan "${lf_goals[@]}"
if has_engine tsan; then
	build host-tsan mk BUILD="$NB" SAN=tsan "${tsan_goals[@]}"
	build libfuzzer-tsan env CFLAGS="$LF_CFLAGS" \
		"$MAKE" --no-print-directory -s -j"$NPROC" DEBUG=$DEBUG ${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS \
		BUILD="$NB/libfuzzer" SAN=tsan "${lft_goals[@]}"
fi
if has_engine afl; then
	build afl env AFL_QUIET=1 "$MAKE" --no-print-directory -s -j"$NPROC" DEBUG=$DEBUG \
		${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS BUILD="$NB/afl" CC=afl-clang-fast SAN=asan \
		"${afl_goals[@]}"
	build afl-cmplog env AFL_QUIET=1 AFL_LLVM_CMPLOG=1 "$MAKE" --no-print-directory -s \
		-j"$NPROC" DEBUG=$DEBUG ${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS BUILD="$NB/afl-cmplog" \
		CC=afl-clang-fast SAN=asan "${afl_goals[@]/#$AF_asan/$AC_asan}"
fi
if [ "$NIGHTLY_COVERAGE" = 1 ]; then
	covf="-fprofile-instr-generate -fcoverage-mapping"
	build coverage env CFLAGS="$covf" LDFLAGS="$covf" "$MAKE" --no-print-directory -s \
		-j"$NPROC" DEBUG=$DEBUG ${ZOO:+ZOO=$ZOO} $NIGHTLY_MAKE_ARGS BUILD="$NB/coverage" \
		SAN=none "${cov_goals[@]}"
fi

# ---- sanitizer settings -----------------------------------------------
# Fuzzing: abort so the engines see a crash; symbolize=0 as AFL++
# demands; leaks off as in `make fuzz` (the ledger is the leak detector).
FUZZ_ASAN=abort_on_error=1:detect_leaks=0:symbolize=0:dedup_token_length=1
REPLAY_ASAN=abort_on_error=1:detect_leaks=0:symbolize=1:dedup_token_length=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# TSan: no abort_on_error under libFuzzer. Its deadly-signal handler
# hangs under TSan after a report; a plain halt (exit 66) still makes
# libFuzzer write the crash input through its death callback.
export TSAN_OPTIONS=halt_on_error=1
export ASAN_OPTIONS=$FUZZ_ASAN
SETARCH=(setarch "$(uname -m)" -R)	# clang 14's TSan and high ASLR entropy

# ---- corpus: seeds in, findings out -----------------------------------
# The working corpus is $ND/corpus/<t>: the shipped seeds (seed-*.bin,
# refreshed every run, never removed) plus every input a merge kept
# (named by SHA-1, so merges only add). corpus/<t>/ is never written
# unless NIGHTLY_UPDATE_SEEDS=1.
seed_corpus() {
	local t=$1 c=$ND/corpus/$1 f hb=$HB_asan
	mkdir -p "$c" || die "cannot create $c"
	while read -r f; do
		put_file "$f" "$c/seed-$(basename "$f")"
	done < <(seeds_of "$t" "$hb")
	if [ -n "$NIGHTLY_EXTRA_SEEDS" ] && [ -d "$NIGHTLY_EXTRA_SEEDS/$t" ]; then
		for f in "$NIGHTLY_EXTRA_SEEDS/$t"/*.lab; do
			[ -f "$f" ] || continue
			"$(tool_of "$t" "$hb")" asm "$f" -o "$c/.extra.$$" >/dev/null 2>&1 ||
				die "cannot assemble extra seed $f"
			mv -f "$c/.extra.$$" "$c/seed-extra-$(basename "${f%.lab}").bin"
		done
	fi
	rm -f "$c"/*.tmp.* "$c"/.extra.*	# leftovers of a killed run
}

# harvest T ENGINE FILE...: keep each crash input in the raw store
# $ND/raw/<t>/<engine>/ under its kind and content hash, written
# atomically, before anything else may delete the engine's copy.
harvest() {
	local t=$1 e=$2 f h kind dst d=$ND/raw/$1/$2
	shift 2
	mkdir -p "$d" || die "cannot create $d"
	for f in "$@"; do
		[ -f "$f" ] || continue
		h=$(sha1sum < "$f" | cut -c1-40)
		case "$(basename "$f")" in
		timeout-*|hang-*) kind=timeout ;;
		oom-*) kind=oom ;;
		leak-*) kind=leak ;;
		*) case "$f" in */hangs*/*) kind=timeout ;; *) kind=crash ;; esac ;;
		esac
		dst=$d/$kind-$h
		ls "$d"/r*-"$kind-$h" >/dev/null 2>&1 && continue
		put_file "$f" "$d/r$run-$kind-$h"
	done
}

harvest_all() {	# every crash file any engine directory holds
	local t=$1 w=$ND/work/$1
	harvest "$t" libfuzzer "$w"/libfuzzer/artifacts/*
	harvest "$t" tsan "$w"/tsan/artifacts/*
	harvest "$t" afl "$w"/afl/out/*/crashes*/id:* "$w"/afl/out/*/hangs*/id:*
}

# corpus_add T DIR: copy the files of DIR into the corpus by content hash
corpus_add() {
	local c=$ND/corpus/$1 f h n=0
	declare -A have=()
	while read -r h _; do have[$h]=1; done < <(cd "$c" && sha1sum -- * 2>/dev/null)
	for f in "$2"/*; do
		[ -f "$f" ] || continue
		h=$(sha1sum < "$f" | cut -c1-40)
		[ -n "${have[$h]:-}" ] && continue
		put_file "$f" "$c/$h"
		have[$h]=1
		n=$((n + 1))
	done
	echo "$n"
}

ncorpus() { find "$ND/corpus/$1" -maxdepth 1 -type f ! -name '*.tmp.*' | wc -l; }

# ---- engines ----------------------------------------------------------
# stats_put T E JSON: the engine run's figures, kept atomically
stats_put() { printf '%s\n' "$3" | put_text "$ND/stats/$1-$2.json"; }

# lf_worker T ENGINE J BIN DEADLINE: one libFuzzer process after another
# until DEADLINE. Plain mode (not -fork) runs several times faster on
# short jobs and works under TSan; libFuzzer stops at a crash, so the
# worker starts it again with the time left. A corpus input that
# crashes is moved out of the corpus (it is in the raw store) so the
# next start does not stop on it again.
lf_worker() {
	local t=$1 e=$2 j=$3 bin=$4 deadline=$5 w=$ND/work/$1/$2 c=$ND/corpus/$1
	local seg=0 rem p rc a h f pre=() flags runs=() done_n=0 n
	[ "$e" = tsan ] && pre=("${SETARCH[@]}")
	mapfile -t flags < <(opt_flags "fuzz/$t.options")
	printf '%s\n' "${flags[*]}" | grep -q -- '-timeout=' || flags+=(-timeout=25)
	trap '[ -n "${p:-}" ] && kill -TERM "$p" 2>/dev/null; exit 143' TERM INT
	while :; do
		rem=$((deadline - $(date +%s)))
		[ "$rem" -ge 1 ] && [ "$seg" -lt "$NIGHTLY_MAX_STARTS" ] || break
		# an execution bound counts over the restarts
		if [ "$NIGHTLY_RUNS" -gt 0 ]; then
			[ "$done_n" -lt "$NIGHTLY_RUNS" ] || break
			runs=(-runs=$((NIGHTLY_RUNS - done_n)))
		fi
		seg=$((seg + 1))
		timeout -k 10 $((rem + 60)) "${pre[@]}" "$bin" "${flags[@]}" -max_total_time="$rem" "${runs[@]}" \
			-seed=$((SEED * 1000 + j * 100 + seg)) -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$w/artifacts/" "$w/new" "$c" > "$w/fuzz.$j.$seg.log" 2>&1 &
		p=$!
		wait "$p"
		rc=$?
		p=
		[ $rc = 0 ] && break
		n=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$w/fuzz.$j.$seg.log" | tail -n 1)
		done_n=$((done_n + ${n:-1}))
		a=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$w/fuzz.$j.$seg.log" | tail -n 1)
		[ -f "$a" ] || continue
		harvest "$t" "$e" "$a"
		h=$(sha1sum < "$a" | cut -c1-40)
		for f in "$c/$h" "$w/new/$h"; do rm -f "$f"; done
	done
}

run_libfuzzer() {	# T ENGINE(libfuzzer|tsan)
	local t=$1 e=$2 w=$ND/work/$1/$2 bin pre=() t0 t1 el j execs edges corp p deadline
	local c=$ND/corpus/$t
	if [ "$e" = tsan ]; then bin=$LF_tsan/fuzz/$t-libfuzzer; pre=("${SETARCH[@]}")
	else bin=$LF_asan/fuzz/$t-libfuzzer; fi
	rm -f "$w"/fuzz.*.log
	mkdir -p "$w/new" "$w/artifacts" || die "cannot create $w"
	note "$t: libFuzzer ($e) for ${NIGHTLY_TIME}s$([ "$NIGHTLY_RUNS" -gt 0 ] &&
		echo " or $NIGHTLY_RUNS executions"), $JOBS worker(s)"
	t0=$(date +%s)
	deadline=$((t0 + NIGHTLY_TIME))
	for ((j = 0; j < JOBS; j++)); do
		lf_worker "$t" "$e" "$j" "$bin" "$deadline" 9>&- &
		PIDS+=($!)
	done
	wait
	t1=$(date +%s)
	disk_check "$ND" 64
	harvest "$t" "$e" "$w"/artifacts/*
	ls "$w"/fuzz.*.log >/dev/null 2>&1 || die "$t: libFuzzer ($e) did not start"
	# started at all (a crash on the first input is a finding, not a failure)
	grep -q '^INFO: Seed:' "$w"/fuzz.*.log ||
		{ tail -n 20 "$(ls "$w"/fuzz.*.log | head -n 1)" >&2; die "$t: libFuzzer ($e) did not run (logs: $w/fuzz.*.log)"; }
	execs=$(cat "$w"/fuzz.*.log | awk '/^stat::number_of_executed_units:/ { s += $2 } END { print s + 0 }')
	edges=$(cat "$w"/fuzz.*.log | sed -nE 's/^#[0-9]+.* cov: ([0-9]+).*/\1/p' | sort -n | tail -n 1)
	corp=$(cat "$w"/fuzz.*.log | sed -nE 's/^#[0-9]+.* corp: ([0-9]+).*/\1/p' | sort -n | tail -n 1)
	el=$((t1 - t0)); [ "$el" -gt 0 ] || el=1
	if [ "$e" = tsan ]; then
		# TSan's new units are added as they are: a -merge=1 would
		# replay the whole corpus under TSan (5-15x slower) for the same
		# code the ASan merge measures; every unit here added coverage.
		corpus_add "$t" "$w/new" > /dev/null
	else
		# merge: libFuzzer keeps only inputs that add coverage; a
		# control file lets a merge killed half way resume
		note "$t: merging libFuzzer ($e) corpus"
		run_bg "$w/merge.log" timeout -k 10 3600 "$bin" -merge=1 -merge_control_file="$w/merge.ctl" \
			$(opt_flags "fuzz/$t.options" | grep -E '^-(max_len|timeout)=') "$c" "$w/new" ||
			{ tail -n 20 "$w/merge.log" >&2; die "$t: libFuzzer merge failed (log: $w/merge.log)"; }
	fi
	rm -rf "$w/new" "$w/merge.ctl"
	stats_put "$t" "$e" "$(jq -n --argjson execs "$execs" --argjson el "$el" \
		--argjson cov "${edges:-0}" --argjson corp "${corp:-0}" --argjson jobs "$JOBS" \
		--argjson starts "$(ls "$w"/fuzz.*.log | wc -l)" \
		--arg san "$([ "$e" = tsan ] && echo TSan || echo ASan+UBSan)" \
		'{engine: "libFuzzer", sanitizer: $san, workers: $jobs, starts: $starts,
		  seconds: $el, executions: $execs, exec_per_sec: ($execs / $el | floor),
		  corpus_size: $corp, edges: $cov}')"
}

run_afl() {
	local t=$1 w=$ND/work/$1/afl bin=$AF_asan/fuzz/$1-afl cbin=$AC_asan/fuzz/$1-afl
	local c=$ND/corpus/$1 args=() j t0 t1 el execs eps st tmo
	# what an earlier (perhaps killed) run left is harvested and merged;
	# this run starts from the corpus
	harvest "$t" afl "$w"/out/*/crashes*/id:* "$w"/out/*/hangs*/id:*
	rm -rf "$w/out" "$w/cmin-in" "$w/cmin-out"
	mkdir -p "$w" || die "cannot create $w"
	tmo=$(afl_timeout "fuzz/$t.options")
	args=(-i "$c" -o "$w/out" -t "${tmo:-10000}" -V "$NIGHTLY_TIME" -s "$SEED")
	[ "$NIGHTLY_RUNS" -gt 0 ] && args+=(-E "$NIGHTLY_RUNS")
	[ -f "fuzz/$t.dict" ] && args+=(-x "fuzz/$t.dict")
	note "$t: AFL++ for ${NIGHTLY_TIME}s, 1 main (CMPLOG) + $((JOBS - 1)) secondary"
	t0=$(date +%s)
	(
		export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
			AFL_SKIP_CRASHES=1 AFL_NO_AFFINITY=1 AFL_QUIET=1
		export ASAN_OPTIONS=$FUZZ_ASAN
		# custom mutations beside AFL++'s own (no AFL_CUSTOM_MUTATOR_ONLY)
		[ -f "$HB_asan/fuzz/$t-mutator.so" ] &&
			export AFL_CUSTOM_MUTATOR_LIBRARY=$(realpath "$HB_asan/fuzz/$t-mutator.so")
		pids=()
		trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait; exit 143' TERM INT
		# no @@: the libFuzzer-style harness reads shared memory (TOOLCHAIN.md)
		timeout -k 10 $((NIGHTLY_TIME + 120)) afl-fuzz "${args[@]}" -M main -c "$cbin" \
			-- "$bin" > "$w/main.log" 2>&1 &
		pids+=($!)
		for ((j = 1; j < JOBS; j++)); do
			timeout -k 10 $((NIGHTLY_TIME + 120)) afl-fuzz "${args[@]}" -S "sec$j" \
				-- "$bin" > "$w/sec$j.log" 2>&1 &
			pids+=($!)
		done
		wait
	) 9>&- &
	PIDS+=($!)
	wait $!
	t1=$(date +%s)
	disk_check "$ND" 64
	# afl-fuzz exits 0 after a crash: its output directory decides
	harvest "$t" afl "$w"/out/*/crashes*/id:* "$w"/out/*/hangs*/id:*
	st=$w/out/main/fuzzer_stats
	[ -f "$st" ] || { tail -n 20 "$w/main.log" >&2; die "$t: AFL++ did not run (log: $w/main.log)"; }
	# merge: afl-cmin over the corpus and every instance's queue
	note "$t: merging AFL++ queues (afl-cmin)"
	mkdir -p "$w/cmin-in"
	for f in "$c"/* "$w"/out/*/queue/id:*; do
		[ -f "$f" ] && ln -f "$f" "$w/cmin-in/$(sha1sum < "$f" | cut -c1-40)" 2>/dev/null
	done
	AFL_QUIET=1 ASAN_OPTIONS=$FUZZ_ASAN run_bg "$w/cmin.log" timeout -k 10 3600 afl-cmin -i "$w/cmin-in" \
		-o "$w/cmin-out" -t "${tmo:-10000}" -- "$bin" ||
		{ tail -n 20 "$w/cmin.log" >&2; die "$t: afl-cmin failed (log: $w/cmin.log)"; }
	corpus_add "$t" "$w/cmin-out" > /dev/null
	rm -rf "$w/cmin-in" "$w/cmin-out"
	execs=0; eps=0
	for f in "$w"/out/*/fuzzer_stats; do
		execs=$((execs + $(stat_of "$f" execs_done)))
	done
	el=$((t1 - t0)); [ "$el" -gt 0 ] || el=1
	stats_put "$t" afl "$(jq -n --argjson execs "$execs" --argjson el "$el" \
		--argjson corp "$(stat_of "$st" corpus_count)" \
		--arg cvg "$(stat_of "$st" bitmap_cvg)" --arg stab "$(stat_of "$st" stability)" \
		--argjson crashes "$(cat "$w"/out/*/fuzzer_stats | awk -F' *: *' '$1=="saved_crashes"{s+=$2} END{print s+0}')" \
		--argjson hangs "$(cat "$w"/out/*/fuzzer_stats | awk -F' *: *' '$1=="saved_hangs"{s+=$2} END{print s+0}')" \
		--argjson inst "$JOBS" \
		'{engine: "AFL++", sanitizer: "ASan+UBSan", cmplog: true, instances: $inst,
		  seconds: $el, executions: $execs, exec_per_sec: ($execs / $el | floor),
		  corpus_size: $corp, bitmap_coverage: $cvg, stability: $stab,
		  engine_crashes: $crashes, engine_hangs: $hangs}')"
}

# ---- the campaign -----------------------------------------------------
for t in $NIGHTLY_TARGETS; do
	seed_corpus "$t"
	harvest_all "$t"	# what a killed run left behind
done
for t in $NIGHTLY_TARGETS; do
	for e in $NIGHTLY_ENGINES; do
		case "$e" in
		libfuzzer|tsan) run_libfuzzer "$t" "$e" ;;
		afl) run_afl "$t" ;;
		esac
	done
done

. ci/nightly-triage.sh
triage_all

if [ "$NIGHTLY_COVERAGE" = 1 ]; then
	. ci/nightly-coverage.sh
	coverage_all
fi

if [ "$NIGHTLY_UPDATE_SEEDS" = 1 ]; then
	for t in $NIGHTLY_TARGETS; do
		for f in "$ND/corpus/$t"/*; do
			case "$(basename "$f")" in seed-*) continue ;; esac
			[ -f "corpus/$t/nightly-$(basename "$f" | cut -c1-12).lab" ] && continue
			"$(tool_of "$t" "$HB_asan")" show "$f" |
				put_text "corpus/$t/nightly-$(basename "$f" | cut -c1-12).lab"
		done
	done
fi

. ci/nightly-report.sh
write_report
exit "$STATUS"
