#!/usr/bin/env bash
# .clusterfuzzlite/build.sh run here with the variables OSS-Fuzz's
# builder sets (Docker does not run on this machine), three ways:
#  - libFuzzer + ASan: CC=clang, CFLAGS with -fsanitize=address and
#    -fsanitize=fuzzer-no-link, LIB_FUZZING_ENGINE=-fsanitize=fuzzer;
#  - AFL++ + ASan: CC=afl-clang-fast, LIB_FUZZING_ENGINE = AFL++'s
#    libFuzzer-compatible driver library (what OSS-Fuzz's compile_afl
#    sets, here from the Debian package);
#  - coverage: -fprofile-instr-generate -fcoverage-mapping.
# Each must leave in $OUT, per target, the binary, T.options, T.dict,
# T_seed_corpus.zip, and each binary must run its seed corpus clean.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/nightly/lib.sh
targets="ops $(sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def)"
mkdir -p "$T/src"
ln -s "$PWD" "$T/src/labyrinth"
common="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
asan="-fsanitize=address -fsanitize-address-use-after-scope"
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=0:symbolize=0

# buildsh NAME CC CXX CFLAGS ENGINE: one build, as the builder runs it
buildsh() {
	local name=$1 out=$T/out-$1
	mkdir -p "$out"
	# WORK persists, so a second run is incremental
	env SRC="$T/src" OUT="$out" WORK="$PWD/$TB/work-$name" CC="$2" CXX="$3" \
		CFLAGS="$4" CXXFLAGS="$4" LIB_FUZZING_ENGINE="$5" SANITIZER=x FUZZING_ENGINE=x \
		bash .clusterfuzzlite/build.sh > "$T/build-$name.log" 2>&1
}

# outputs NAME: the contract's files, per target
outputs() {
	local name=$1 out=$T/out-$1 t
	for t in $targets; do
		check "$name: $t is an executable" [ -x "$out/$t" ]
		check "$name: ${t}_seed_corpus.zip holds every seed" \
			[ "$(unzip -Z1 "$out/${t}_seed_corpus.zip" 2>/dev/null | wc -l)" = "$(ls corpus/"$t"/*.lab | wc -l)" ]
		check "$name: $t.options has a [libfuzzer] section" grep -q '^\[libfuzzer\]' "$out/$t.options"
		if [ -f "fuzz/$t.dict" ]; then
			check "$name: $t.dict" cmp -s "fuzz/$t.dict" "$out/$t.dict"
		fi
	done
}

# seeds NAME T DIR: the target's seed zip unpacked
seeds() { rm -rf "$3"; mkdir -p "$3"; unzip -q -o "$T/out-$1/${2}_seed_corpus.zip" -d "$3"; }

# 1. libFuzzer + ASan
buildsh libfuzzer clang clang++ "$common $asan -fsanitize=fuzzer-no-link" -fsanitize=fuzzer
rc=$?
check "libFuzzer+ASan: build.sh succeeds ($rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/build-libfuzzer.log"
outputs libfuzzer
for t in $targets; do
	seeds libfuzzer "$t" "$T/seeds-$t"
	"$T/out-libfuzzer/$t" -runs=0 "$T/seeds-$t" > "$T/run-$t.log" 2>&1
	rc=$?
	check "libFuzzer+ASan: $t runs its seed corpus clean ($rc)" \
		test $rc = 0 -a "$(grep -c 'INITED' "$T/run-$t.log")" -ge 1
done

# 2. AFL++ + ASan
drv=/usr/lib/afl/libAFLDriver.a
if command -v afl-clang-fast >/dev/null && [ -f $drv ]; then
	AFL_QUIET=1 buildsh afl afl-clang-fast afl-clang-fast++ "$common $asan" $drv
	rc=$?
	check "AFL++: build.sh succeeds ($rc)" [ $rc = 0 ]
	[ $rc = 0 ] || tail -n 20 "$T/build-afl.log"
	outputs afl
	for t in $targets; do
		seeds afl "$t" "$T/seeds-$t"
		bad_runs=0
		for f in "$T/seeds-$t"/*; do
			"$T/out-afl/$t" < "$f" > /dev/null 2>&1 || bad_runs=$((bad_runs + 1))
		done
		check "AFL++: $t runs its seed corpus clean (driver, stdin; $bad_runs failed)" [ $bad_runs = 0 ]
	done
	# the AFL++ build is instrumented for afl-fuzz (shared-memory map)
	check "AFL++: ops carries AFL++ instrumentation" \
		bash -c "AFL_QUIET=1 afl-showmap -q -o /dev/null -- '$T/out-afl/ops' < '$(ls "$T/seeds-ops"/* | head -n 1)'"
else
	bad "AFL++: afl-clang-fast or $drv missing (make deps)"
fi

# 3. coverage
cov="-fprofile-instr-generate -fcoverage-mapping"
buildsh coverage clang clang++ "$common $cov" -fsanitize=fuzzer
rc=$?
check "coverage: build.sh succeeds ($rc)" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/build-coverage.log"
outputs coverage
for t in $targets; do
	seeds coverage "$t" "$T/seeds-$t"
	LLVM_PROFILE_FILE="$T/$t.profraw" "$T/out-coverage/$t" -runs=0 "$T/seeds-$t" > /dev/null 2>&1
	rc=$?
	check "coverage: $t runs its seed corpus clean ($rc)" [ $rc = 0 ]
	llvm-profdata-14 merge -sparse "$T/$t.profraw" -o "$T/$t.profdata" 2>/dev/null &&
		lines=$(llvm-cov-14 export -summary-only -instr-profile "$T/$t.profdata" "$T/out-coverage/$t" |
			jq '.data[0].totals.lines.covered')
	check "coverage: $t's seeds cover source lines (${lines:-0})" [ "${lines:-0}" -gt 0 ]
done
finish
