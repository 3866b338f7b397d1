# labyrinth: fuzzing and fault-injection testbed for atomic allocation paths.
# `make help` lists targets and variables. Builds out of tree into build/.

.DEFAULT_GOAL := help
SHELL := /bin/bash

CC      ?= clang
ifeq ($(origin CC),default)
CC      := clang
endif
SAN     ?= asan
DEBUG   ?= 1
JOBS    ?= 1
BUILD   ?= build
V       := $(SAN)$(if $(filter 1,$(DEBUG)),,-nodebug)$(if $(ZOO),-zoo-$(ZOO))
B       := $(BUILD)/$(V)

WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
           -Wno-missing-field-initializers
OPT     ?= $(if $(filter 1,$(DEBUG)),-O1,-O2)
CFLAGS_BASE := -std=gnu11 -g $(OPT) $(WARN) -Iinclude -I. -fno-omit-frame-pointer \
               -D_GNU_SOURCE
ifeq ($(DEBUG),1)
CFLAGS_BASE += -DLAB_DEBUG
endif

ifeq ($(SAN),asan)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SAN),tsan)
SANFLAGS := -fsanitize=thread
# A libFuzzer build (CFLAGS=-fsanitize=fuzzer-no-link) would also get
# stack-depth coverage: one thread-local word (__sancov_lowest_stack)
# every function entry compares and writes. The machine's fibers share
# the OS thread's TLS but are threads to TSan, so each entry "raced"
# with the last fiber's, and the depth it measures mixes the fibers'
# separate stacks. Off under TSan (sim/fiber.c has the counters' side).
CFLAGS += -fno-sanitize-coverage=stack-depth
else ifeq ($(SAN),none)
SANFLAGS :=
else
$(error SAN must be asan, tsan or none (got '$(SAN)'))
endif

CFLAGS  += $(CFLAGS_BASE) $(SANFLAGS)

# Fuzzing builds instrument the code under test, not the simulated
# machine and the detectors (fuzz/harness.nocov says why). libFuzzer
# builds are those whose CFLAGS carry -fsanitize=fuzzer-no-link (make
# fuzz, the zoo, the nightly, OSS-Fuzz's build.sh); afl-clang-fast reads
# the same list from the environment.
HARNESS_NOCOV := $(CURDIR)/fuzz/harness.nocov
ifneq ($(findstring fuzzer-no-link,$(CFLAGS)),)
CFLAGS  += -fsanitize-coverage-ignorelist=$(HARNESS_NOCOV)
OBJ_DEPS := $(HARNESS_NOCOV)
endif
ifneq ($(findstring afl-clang,$(CC)),)
OBJ_DEPS := $(HARNESS_NOCOV)
endif
export AFL_LLVM_DENYLIST ?= $(HARNESS_NOCOV)
LDFLAGS += $(SANFLAGS)
LDLIBS  += -lpthread

export ASAN_OPTIONS ?= abort_on_error=1:detect_leaks=1:symbolize=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:atexit_sleep_ms=0

# Object rule: build/<variant>/<path>.o from <path>.c
$(B)/%.o: %.c $(OBJ_DEPS) | deps-check
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# Each part adds its sources, libraries, binaries and tests in its own
# build.mk; TESTS collects test binaries that `make test` runs.
TESTS :=
TSAN_TESTS :=
BINS  :=
BENCHES :=
include $(sort $(wildcard */build.mk tests/*/build.mk))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: help deps deps-check all test bench clean fuzz

help:
	@echo "labyrinth make targets:"
	@echo "  make test          build and run every test (ASan+UBSan); ends with 'N passed, N failed'"
	@echo "  make fuzz          the main job: TARGET=ops|nic|block ENGINE=libfuzzer|afl FUZZ_TIME=60"
	@echo "                     FUZZ_RUNS=N JOBS=N SAN=asan|tsan (docs/programs.md)"
	@echo "  make repro         CRASH=FILE [TARGET=...] [ALLOC=...]: replay a finding with its trace"
	@echo "  make nightly       the nightly campaign (NIGHTLY_TIME=600 JOBS=1 ZOO=name ALLOC=name, docs/nightly.md)"
	@echo "  make zoo           the detection benchmark (BUG= ENGINES= ZOO_TRIALS=3 ZOO_TIME=30, docs/zoo.md)"
	@echo "  make bench         benchmarks (medians of repeated runs)"
	@echo "  make all           build libraries, tools and test binaries"
	@echo "  make deps          install missing Debian packages (root)"
	@echo "  make clean         remove build/"
	@echo "variables:"
	@echo "  SAN=asan|tsan|none sanitizers (default asan = ASan+UBSan)"
	@echo "  DEBUG=1|0          invariant checks after every operation (default 1)"
	@echo "  CC=clang           compiler"
	@echo "  ALLOC=name         make fuzz / repro / nightly on that allocator (fuzz/allocs.def; default labyrinth)"

# Packages a fresh Debian bookworm machine lacks. `make deps` installs
# them as root; other targets run the cheap check first.
DEB_PACKAGES := clang llvm libclang-rt-14-dev libcmocka-dev pkg-config afl++ gnuplot-nox \
                jq zip unzip
deps:
	@ci/deps.sh $(DEB_PACKAGES)

deps-check:
	@ci/deps.sh --check $(DEB_PACKAGES)

all: $(BINS) $(TESTS)

# `make test`: every test binary under ASan+UBSan, then the ones that
# must also hold under ThreadSanitizer (TSAN_TESTS) in the tsan build.
NPROC := $(shell nproc 2>/dev/null || echo 2)
test:
	@$(MAKE) --no-print-directory -j$(NPROC) SAN=asan build-tests
	@$(MAKE) --no-print-directory -j$(NPROC) SAN=tsan build-tsan-tests
	@tests/run-tests.sh $$($(MAKE) -s --no-print-directory SAN=asan list-tests) \
		$$($(MAKE) -s --no-print-directory SAN=tsan list-tsan-tests)

.PHONY: build-tests build-tsan-tests list-tests list-tsan-tests
build-tests: $(TESTS)
build-tsan-tests: $(TSAN_TESTS)
list-tests:
	@echo $(TESTS)
list-tsan-tests:
	@echo $(TSAN_TESTS)

# The fuzzing job (fuzz/fuzz.sh; variables TARGET ENGINE SAN DEBUG JOBS
# FUZZ_TIME FUZZ_RUNS, docs/programs.md; ALLOC=name runs the targets on
# that adapter of fuzz/allocs.def). `make repro CRASH=FILE` replays a finding.
fuzz: deps-check
	@$(if $(ALLOC),LABYRINTH_ALLOC=$(ALLOC)) TARGET=$(TARGET) ENGINE=$(ENGINE) SAN=$(SAN) DEBUG=$(FUZZ_DEBUG) JOBS=$(JOBS) \
		FUZZ_TIME=$(FUZZ_TIME) FUZZ_RUNS=$(FUZZ_RUNS) BUILD=$(BUILD) MAKE="$(MAKE)" fuzz/fuzz.sh

# The unattended campaign: every target, every engine, triage, coverage
# (ci/nightly.sh, docs/nightly.md; NIGHTLY_TIME JOBS ZOO NIGHTLY_TARGETS
# NIGHTLY_ENGINES NIGHTLY_DIR NIGHTLY_KNOWN; ALLOC=name fuzzes another
# allocator of fuzz/allocs.def). Exit 1: a new signature.
.PHONY: nightly
nightly: deps-check
	@$(if $(ALLOC),LABYRINTH_ALLOC=$(ALLOC)) JOBS=$(JOBS) ZOO=$(ZOO) MAKE="$(MAKE)" ci/nightly.sh

# Figures come from an optimised build without sanitizers or debug checks.
bench:
	@$(MAKE) --no-print-directory -j$(NPROC) SAN=none DEBUG=0 run-benches

.PHONY: run-benches
run-benches: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(BUILD)
