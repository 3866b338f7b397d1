#!/bin/bash -eu
# .clusterfuzzlite/build.sh: the OSS-Fuzz build contract (docs/nightly.md).
#
# Input, set by the builder: CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE
# OUT SRC WORK. The sanitizer and the engine come only from them: with
# libFuzzer LIB_FUZZING_ENGINE is -fsanitize=fuzzer, with AFL++ it is
# the AFL++ driver library and CC is afl-clang-fast, for a coverage
# build CFLAGS carry -fprofile-instr-generate -fcoverage-mapping.
# Output in $OUT, per target T (ops and every line of fuzz/scenarios.def):
# T (statically linked against the project's libraries), T.options,
# T.dict when the target has one, T_seed_corpus.zip (corpus/T/*.lab
# assembled to the bytes the target reads).

ROOT=$SRC/labyrinth
cd "$ROOT"
: "${CXX:=clang++}"
: "${CXXFLAGS:=$CFLAGS}"
BUILD=${WORK:-$ROOT/build}/labyrinth-ossfuzz
JOBS=$(nproc 2>/dev/null || echo 2)
TARGETS="ops $(sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def)"

# The project's Makefile compiles the libraries with the builder's
# compiler and flags: SAN=none (the sanitizer is in CFLAGS), DEBUG=0 as
# `make fuzz` builds, no Debian package check (the builder image is not
# a Debian machine of ours). CFLAGS and LDFLAGS go through the
# environment so the Makefile appends its own to them.
mk() {
	CC="$CC" CFLAGS="$CFLAGS" LDFLAGS="$CFLAGS" \
		make --no-print-directory -s -j"$JOBS" BUILD="$BUILD" SAN=none DEBUG=0 \
		DEB_PACKAGES= "$@"
}
B=$(mk nightly-print-B)
# the allocators of fuzz/allocs.def (ALLOC(name, dir): $B/lib<dir>.a) beside the reference
ALLOC_LIBS=$(sed -n "s|^ALLOC([a-z0-9_]*, *\([a-z0-9_]*\)).*|$B/lib\1.a|p" fuzz/allocs.def | tr '\n' ' ')
LIBS="$B/libinterp.a $B/libprogram.a $B/libscenario.a $ALLOC_LIBS$B/libfault.a $B/liballoc.a $B/libsim.a $B/libcheck.a"
goals="$LIBS $B/tools/labyrinth $B/fuzz/ops.o"
for t in $TARGETS; do
	[ "$t" = ops ] || goals="$goals $B/fuzz/scn_$t.o $B/fuzz/scn-$t"
	for f in corpus/"$t"/*.lab; do
		[ -f "$f" ] && goals="$goals $B/corpus/$t/$(basename "${f%.lab}").bin"
	done
done
# shellcheck disable=SC2086
mk $goals

# Tools built with the fuzzing flags run here only to assemble seeds.
export ASAN_OPTIONS=detect_leaks=0 LLVM_PROFILE_FILE=/dev/null

for t in $TARGETS; do
	if [ "$t" = ops ]; then
		objs="$B/fuzz/ops.o"
	else
		# the scenario's entry point, compiled for this one scenario
		$CC $CFLAGS -std=gnu11 -Iinclude -I. -D_GNU_SOURCE -DSCN_NAME="$t" \
			-c fuzz/scenario_target.c -o "$B/fuzz/ossfuzz-target-$t.o"
		objs="$B/fuzz/ossfuzz-target-$t.o $B/fuzz/scn_$t.o"
	fi
	# C objects, C++ link: libFuzzer and AFL++'s driver are C++
	# shellcheck disable=SC2086
	$CXX $CXXFLAGS $objs -Wl,--start-group $LIBS -Wl,--end-group \
		$LIB_FUZZING_ENGINE -lpthread -o "$OUT/$t"

	rm -f "$OUT/${t}_seed_corpus.zip"
	zip -q -j "$OUT/${t}_seed_corpus.zip" "$B/corpus/$t/"*.bin
	[ -f "fuzz/$t.dict" ] && cp "fuzz/$t.dict" "$OUT/$t.dict"
	if [ -f "fuzz/$t.options" ]; then
		cp "fuzz/$t.options" "$OUT/$t.options"
	else
		{
			echo "[libfuzzer]"
			echo "timeout = 25"
			[ -f "fuzz/$t.dict" ] && echo "dict = $t.dict"
		} > "$OUT/$t.options"
	fi
done
