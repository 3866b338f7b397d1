# tests/fuzz/: programs (round trips, totality, legalization), the
# interpreter, the labyrinth command and the fuzz targets' replay.
$(B)/tests/fuzz/test_program: $(B)/tests/fuzz/test_program.o $(B)/libprogram.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_program

# The structure-aware mutator, and its AFL++ library loaded with dlopen.
$(B)/tests/fuzz/test_mutate.o: CFLAGS += -DMUTATOR_SO='"$(B)/fuzz/ops-mutator.so"'
$(B)/tests/fuzz/test_mutate: $(B)/tests/fuzz/test_mutate.o $(B)/libprogram.a $(B)/fuzz/ops-mutator.so
	$(CC) $(LDFLAGS) $(B)/tests/fuzz/test_mutate.o $(B)/libprogram.a -o $@ -lcmocka -ldl $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_mutate

# Test-only builds with the planted bug (tests/fuzz/test_bug.c).
$(B)/tests/fuzz/labyrinth-bug: $(B)/tools/labyrinth.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/tools/labyrinth.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/tests/fuzz/ops-bug-replay: $(B)/fuzz/ops.o $(B)/fuzz/replay_main.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/fuzz/ops.o $(B)/fuzz/replay_main.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/tests/fuzz/ops-bug-libfuzzer: $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)

$(B)/tests/fuzz/test_interp: $(B)/tests/fuzz/test_interp.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/tests/fuzz/test_interp.o $(FUZZ_LINK) -o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_interp
# Context-aware coverage (tests/fuzz/test_ctxcov.c): fuzz/ctxcov.c with
# the engines' instrumentation, the test as their runtime. The object
# comes before the libraries, so libinterp.a's plain copy stays out.
CTXCOV_TEST_LIBS := $(FUZZ_LIBS) $(B)/libscenarios.a $(B)/libscenario.a
$(B)/tests/fuzz/ctxcov-counters.o: fuzz/ctxcov.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O2 -fsanitize-coverage=inline-8bit-counters,pc-table -MMD -MP -c $< -o $@
$(B)/tests/fuzz/ctxcov-guards.o: fuzz/ctxcov.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O1 -fsanitize-coverage=trace-pc-guard -MMD -MP -c $< -o $@
$(B)/tests/fuzz/test_ctxcov_guard.o: tests/fuzz/test_ctxcov.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DCTXCOV_TEST_GUARDS -MMD -MP -c $< -o $@
$(B)/tests/fuzz/test_ctxcov: $(B)/tests/fuzz/test_ctxcov.o $(B)/tests/fuzz/ctxcov-counters.o \
		$(CTXCOV_TEST_LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(CTXCOV_TEST_LIBS) -Wl,--end-group \
		-o $@ -lcmocka $(LDLIBS)
$(B)/tests/fuzz/test_ctxcov_guard: $(B)/tests/fuzz/test_ctxcov_guard.o \
		$(B)/tests/fuzz/ctxcov-guards.o $(CTXCOV_TEST_LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(CTXCOV_TEST_LIBS) -Wl,--end-group \
		-o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_ctxcov $(B)/tests/fuzz/test_ctxcov_guard

$(B)/tests/fuzz/ops-bug-afl: $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)

# Shell tests, generated into the build tree with their paths filled in.
# The engine builds live in their own trees: $(BUILD)/libfuzzer (every
# object built with -fsanitize=fuzzer-no-link) and $(BUILD)/afl
# (CC=afl-clang-fast), both DEBUG=0 as `make fuzz` uses them.
FUZZ_LF_CFLAGS := -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp
FUZZ_LF_B := $(BUILD)/libfuzzer/$(SAN)-nodebug
FUZZ_AFL_B := $(BUILD)/afl/$(SAN)-nodebug
FUZZ_SUBST = sed -e 's|@B@|$(B)|g; s|@BUILD@|$(BUILD)|g; s|@LF@|$(FUZZ_LF_B)|g; \
	s|@AF@|$(FUZZ_AFL_B)|g; s|@TARGETS@|$(FUZZ_TARGETS)|g; s|@SCENARIOS@|$(SCN_NAMES)|g' $< > $@ && chmod +x $@

.PHONY: fuzz-engine-libfuzzer fuzz-engine-afl
fuzz-engine-libfuzzer:
	@CFLAGS="$(FUZZ_LF_CFLAGS)" $(MAKE) --no-print-directory -s BUILD=$(BUILD)/libfuzzer \
		SAN=$(SAN) DEBUG=0 $(FUZZ_TARGETS:%=$(FUZZ_LF_B)/fuzz/%-libfuzzer) \
		$(FUZZ_LF_B)/tests/fuzz/ops-bug-libfuzzer \
		$(if $(filter tsan,$(SAN)),$(FUZZ_LF_B)/tests/fuzz/ops-race-libfuzzer)

# The TSan engine's positive control: the ops target with the zoo's
# data race (pcp_remote_nolock; only allocator/pcp.c rebuilt with the
# switch by zoo/build.mk's rule: zoo/bugs.def names that file) and
# TSan's reports given a signature (zoo/tsan_report.o), as in a zoo build.
$(B)/tests/fuzz/ops-race-libfuzzer: $(B)/fuzz/ops.o $(B)/zoo/pcp_remote_nolock/allocator/pcp.o \
		$(B)/zoo/tsan_report.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(filter %.o,$^) $(FUZZ_LINK) -o $@ $(LDLIBS)
fuzz-engine-afl:
	@if command -v afl-clang-fast >/dev/null; then AFL_QUIET=1 $(MAKE) --no-print-directory -s \
		BUILD=$(BUILD)/afl CC=afl-clang-fast SAN=$(SAN) DEBUG=0 \
		$(FUZZ_TARGETS:%=$(FUZZ_AFL_B)/fuzz/%-afl) $(FUZZ_AFL_B)/tests/fuzz/ops-bug-afl; fi

$(B)/tests/fuzz/replay-seeds: tests/fuzz/replay-seeds.sh tests/fuzz/lib.sh \
		$(FUZZ_TARGETS:%=$(B)/fuzz/%-replay) $(B)/tools/labyrinth seeds-ops
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
$(B)/tests/fuzz/test-labyrinth: tests/fuzz/test-labyrinth.sh tests/fuzz/lib.sh \
		$(B)/tools/labyrinth $(B)/tests/fuzz/labyrinth-bug seeds-ops
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
$(B)/tests/fuzz/smoke-libfuzzer: tests/fuzz/smoke-libfuzzer.sh tests/fuzz/lib.sh \
		$(B)/tests/fuzz/ops-bug-replay $(B)/tests/fuzz/labyrinth-bug seeds-ops fuzz-engine-libfuzzer
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
$(B)/tests/fuzz/smoke-afl: tests/fuzz/smoke-afl.sh tests/fuzz/lib.sh \
		$(B)/tests/fuzz/ops-bug-replay $(B)/fuzz/ops-mutator.so seeds-ops fuzz-engine-afl
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
# make fuzz TARGET=<scenario> and make repro of scenario findings; the
# fuzzing builds come from make fuzz itself (fuzz/fuzz.sh)
$(B)/tests/fuzz/test-fuzz-targets: tests/fuzz/test-fuzz-targets.sh tests/fuzz/lib.sh \
		$(SCN_NAMES:%=$(B)/fuzz/scn-%) $(SCN_NAMES:%=seeds-%)
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
TESTS += $(B)/tests/fuzz/test-fuzz-targets
TESTS += $(B)/tests/fuzz/replay-seeds $(B)/tests/fuzz/test-labyrinth \
	 $(B)/tests/fuzz/smoke-libfuzzer $(B)/tests/fuzz/smoke-afl
# The libFuzzer build under TSan (the nightly's tsan engine).
$(B)/tests/fuzz/smoke-libfuzzer-tsan: tests/fuzz/smoke-libfuzzer-tsan.sh tests/fuzz/lib.sh \
		$(B)/tools/labyrinth seeds-ops fuzz-engine-libfuzzer
	@mkdir -p $(@D)
	$(FUZZ_SUBST)
TSAN_TESTS += $(B)/tests/fuzz/smoke-libfuzzer-tsan

# `make bench`: executions per second of every fuzz target with each
# engine (fuzz/bench-fuzz.sh). The bench's own build is SAN=none DEBUG=0;
# the targets are measured as `make fuzz` builds them (ASan+UBSan,
# DEBUG=0), so those trees are built here by sub-makes.
BENCH_AB := $(BUILD)/asan-nodebug
BENCH_SUBST = sed -e 's|@B@|$(B)|g; s|@AB@|$(BENCH_AB)|g; s|@BUILD@|$(BUILD)|g; \
	s|@LF@|$(BUILD)/libfuzzer/asan-nodebug|g; s|@AF@|$(BUILD)/afl/asan-nodebug|g; \
	s|@TARGETS@|$(FUZZ_TARGETS) $(SCN_NAMES)|g' $< > $@ && chmod +x $@
.PHONY: bench-fuzz-builds
bench-fuzz-builds:
	@$(MAKE) --no-print-directory -s SAN=asan DEBUG=0 $(BENCH_AB)/fuzz/ops-replay seeds-ops \
		scenarios $(SCN_NAMES:%=$(BENCH_AB)/fuzz/%-replay)
	@$(MAKE) --no-print-directory -s SAN=asan fuzz-engine-libfuzzer
	@if command -v afl-clang-fast >/dev/null; then \
		$(MAKE) --no-print-directory -s SAN=asan fuzz-engine-afl && \
		AFL_QUIET=1 $(MAKE) --no-print-directory -s SAN=asan DEBUG=0 scenarios-afl; fi
$(B)/bench/fuzz-targets: fuzz/bench-fuzz.sh bench-fuzz-builds \
		$(FUZZ_TARGETS:%=$(B)/fuzz/%-replay) $(SCN_NAMES:%=$(B)/fuzz/%-replay)
	@mkdir -p $(@D)
	$(BENCH_SUBST)
BENCHES += $(B)/bench/fuzz-targets
