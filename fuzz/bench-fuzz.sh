#!/usr/bin/env bash
# Executions per second of each fuzz target (issue #6), one process each,
# from the shipped seeds (docs/programs.md, "Performance"):
#
#   libfuzzer  ASan+UBSan, DEBUG=0, the `make fuzz` build: -runs=N
#              -seed=I -print_final_stats=1; executions over wall time
#   afl        the same sanitizers, AFL++ persistent shared-memory mode:
#              afl-fuzz -E N -s I; execs_per_sec of its fuzzer_stats (no
#              cpu figure: the target runs outside afl-fuzz's accounting);
#              skipped when afl-fuzz is not installed
#   replay     the engine-free loop (LABYRINTH_REPEAT), in the ASan+UBSan
#              DEBUG=0 build and in the bench's own build (no sanitizer)
#
# Each figure is the median of BENCH_REPS (3) runs; "cpu" is executions
# per second of CPU time (user + sys of the process and its children),
# the one-core figure on a machine other jobs share. Every line ends
# with the command, so a figure can be reproduced by hand.
#
# Variables: BENCH_TARGETS (@TARGETS@), BENCH_ENGINES (libfuzzer afl
# replay), BENCH_REPS (3), BENCH_SCALE (1: multiplies every run length).
# Generated into the build tree (tests/fuzz/build.mk); part of `make bench`.
set -uo pipefail
B=@B@			# the bench build: SAN=none DEBUG=0
AB=@AB@			# ASan+UBSan DEBUG=0: seeds, replay, scenario targets
LF=@LF@			# the libFuzzer tree of `make fuzz` (ops)
AF=@AF@			# the AFL++ tree of `make fuzz ENGINE=afl` (ops)
BUILD_DIR=@BUILD@
TARGETS=${BENCH_TARGETS:-@TARGETS@}
ENGINES=${BENCH_ENGINES:-libfuzzer afl replay}
REPS=${BENCH_REPS:-3}
SCALE=${BENCH_SCALE:-1}
T=$(mktemp -d "$BUILD_DIR/tmp.bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Run lengths per target: about 3 to 5 s of one idle core each.
declare -A LF_RUNS=([ops]=10000 [nic]=2500 [block]=5000)
declare -A REPEAT=([ops]=400 [nic]=100 [block]=200)

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'; }

# timed OUT CMD...: run CMD with stdout+stderr to OUT; sets WALL and CPU (s)
timed() {
	local out=$1 tf=$T/time
	shift
	{ TIMEFORMAT='%R %U %S'; time "$@" > "$out" 2>&1; } 2> "$tf"
	read -r WALL u s < <(tail -n1 "$tf")
	CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
}

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%d\n", (t > 0 ? n / t : 0) }'; }

# report NAME CMD: the medians of the "wall cpu" lines on stdin
report() {
	local name=$1 cmd=$2 f=$T/rates cpu
	cat > "$f"
	cpu=$(cut -d' ' -f2 "$f" | median)
	[ "$cpu" = - ] && cpu="   -" || cpu="$cpu/s cpu"
	printf '%-6s %-14s %6s exec/s %12s  median of %s: %s\n' "$T_NAME" "$name" \
		"$(cut -d' ' -f1 "$f" | median)" "$cpu" "$REPS" "$cmd"
}

seeds() { echo "$AB/corpus/$1"; }
opts() {	# the target's [libfuzzer] max_len and dict, as fuzz.sh passes them
	local f=fuzz/$1.options
	[ -f "$f" ] || return 0
	awk '/^\[/ { on = ($0 == "[libfuzzer]"); next }
	     on && /=/ { gsub(/[ \t]/, ""); split($0, kv, "=");
		if (kv[1] == "max_len") printf "-max_len=%s ", kv[2];
		if (kv[1] == "dict") printf "-dict=fuzz/%s ", kv[2] }' "$f"
}

bench_libfuzzer() {
	local t=$1 bin n i execs
	bin=$AB/fuzz/$t-libfuzzer; [ "$t" = ops ] && bin=$LF/fuzz/ops-libfuzzer
	[ -x "$bin" ] || { echo "$t libfuzzer: $bin not built" >&2; return 1; }
	n=$(( ${LF_RUNS[$t]:-5000} * SCALE ))
	for ((i = 1; i <= REPS; i++)); do
		rm -rf "$T/c"; mkdir -p "$T/c"; cp "$(seeds "$t")"/*.bin "$T/c/"
		# shellcheck disable=SC2046
		timed "$T/log" "$bin" -runs="$n" -seed="$i" $(opts "$t") -print_final_stats=1 "$T/c"
		execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$T/log")
		grep -q '^signature:\|ERROR: ' "$T/log" && echo "$t libfuzzer: found something, see $T/log" >&2
		echo "$(rate "${execs:-0}" "$WALL") $(rate "${execs:-0}" "$CPU")"
	done | report libFuzzer "$bin -runs=$n -seed=I $(opts "$t")-print_final_stats=1 <copy of $(seeds "$t")>"
}

bench_afl() {
	local t=$1 bin n i st eps
	command -v afl-fuzz >/dev/null || { echo "$t afl: afl-fuzz not installed, skipped" >&2; return 0; }
	bin=$AB/fuzz/$t-afl; [ "$t" = ops ] && bin=$AF/fuzz/ops-afl
	[ -x "$bin" ] || { echo "$t afl: $bin not built" >&2; return 1; }
	n=$(( ${LF_RUNS[$t]:-5000} * SCALE ))
	dict=; [ -f "fuzz/$t.dict" ] && dict="-x fuzz/$t.dict"
	for ((i = 1; i <= REPS; i++)); do
		rm -rf "$T/in" "$T/out"; mkdir -p "$T/in"; cp "$(seeds "$t")"/*.bin "$T/in/"
		# shellcheck disable=SC2086
		timed "$T/log" env AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
			AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_QUIET=1 \
			afl-fuzz -i "$T/in" -o "$T/out" -t 10000 $dict -E "$n" -s "$i" -- "$bin"
		st=$T/out/default/fuzzer_stats
		eps=$(awk -F' *: *' '$1 == "execs_per_sec" { print int($2) }' "$st" 2>/dev/null)
		execs=$(awk -F' *: *' '$1 == "execs_done" { print $2 }' "$st" 2>/dev/null)
		[ -n "$eps" ] || echo "$t afl: no fuzzer_stats, see $T/log" >&2
		echo "${eps:-0} -"
	done | report AFL++ "afl-fuzz -i <copy of $(seeds "$t")> -o OUT -t 10000 $dict -E $n -s I -- $bin"
}

bench_replay() {
	local t=$1 tree=$2 name=$3 bin r i n
	bin=$tree/fuzz/$t-replay
	[ -x "$bin" ] || { echo "$t replay: $bin not built" >&2; return 1; }
	r=$(( ${REPEAT[$t]:-50} * SCALE ))
	n=$(( r * $(ls "$(seeds "$t")"/*.bin | wc -l) ))
	for ((i = 1; i <= REPS; i++)); do
		LABYRINTH_REPEAT=$r timed "$T/log" "$bin" "$(seeds "$t")"
		grep -q '^replay: ' "$T/log" || echo "$t replay: $(tail -n3 "$T/log")" >&2
		echo "$(rate "$n" "$WALL") $(rate "$n" "$CPU")"
	done | report "$name" "LABYRINTH_REPEAT=$r $bin $(seeds "$t")"
}

echo "executions per second from the seeds, one process each (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
rc=0
for t in $TARGETS; do
	T_NAME=$t
	for e in $ENGINES; do
		case $e in
		libfuzzer) bench_libfuzzer "$t" || rc=1 ;;
		afl) bench_afl "$t" || rc=1 ;;
		replay)	bench_replay "$t" "$AB" "replay ASan" || rc=1
			bench_replay "$t" "$B" "replay no-san" || rc=1 ;;
		esac
	done
done
exit $rc
