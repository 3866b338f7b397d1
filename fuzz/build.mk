# fuzz/: the program format, the interpreter, the fuzz targets.
#
# libprogram.a: program bytes/text/legalization (no allocator, no machine).
PROG_SRCS := fuzz/program.c fuzz/text.c fuzz/legal.c fuzz/mutate.c fuzz/mutate_sched.c
PROG_OBJS := $(PROG_SRCS:%.c=$(B)/%.o)
$(B)/libprogram.a: $(PROG_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The allocator registry (fuzz/allocs.def, docs/adapters.md): each line
# ALLOC(name) or ALLOC(name, dir) adds the adapter fuzz/alloc_<name>.c,
# and for `dir` the allocator's own library $(B)/lib<dir>.a (built from
# dir/*.c by dir/build.mk), to every program run, scenario and tool.
ALLOC_NAMES := $(shell sed -n 's/^ALLOC.\([a-z0-9_]*\).*/\1/p' fuzz/allocs.def)
ALLOC_DIRS := $(shell sed -n 's/^ALLOC.[a-z0-9_]*, *\([a-z0-9_]*\).*/\1/p' fuzz/allocs.def)
ALLOC_SRCS := fuzz/alloc_table.c $(ALLOC_NAMES:%=fuzz/alloc_%.c)
ALLOC_LIBS := $(ALLOC_DIRS:%=$(B)/lib%.a)
ALLOC_LIB_SRCS = $(foreach d,$(ALLOC_DIRS),$(wildcard $(d)/*.c))
$(B)/fuzz/alloc_table.o: fuzz/allocs.def

# libinterp.a: the interpreter, every adapter of the registry and the
# context-aware coverage (fuzz/ctxcov.c).
INTERP_SRCS := fuzz/interp.c $(ALLOC_SRCS) fuzz/ctxcov.c
INTERP_OBJS := $(INTERP_SRCS:%.c=$(B)/%.o)
$(B)/libinterp.a: $(INTERP_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Everything a program run needs, in one link group (check/ and the
# allocator and machine call each other).
FUZZ_LIBS := $(B)/libinterp.a $(B)/libprogram.a $(ALLOC_LIBS) $(B)/libfault.a \
	     $(B)/liballoc.a $(B)/libsim.a $(B)/libcheck.a
FUZZ_LINK = -Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group

# Fuzz targets. Each is one source linked three ways:
#   $(B)/fuzz/T-replay     plain main() over files and directories
#   $(B)/fuzz/T-libfuzzer  libFuzzer (objects built with fuzzer-no-link,
#                          see `make fuzz`, which builds in $(FUZZ_BUILD))
#   $(B)/fuzz/T-afl        AFL++'s libFuzzer-compatible driver (CC=afl-clang-fast)
FUZZ_TARGETS := ops
$(B)/fuzz/%-replay: $(B)/fuzz/%.o $(B)/fuzz/replay_main.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/fuzz/$*.o $(B)/fuzz/replay_main.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/fuzz/%-libfuzzer: $(B)/fuzz/%.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(B)/fuzz/$*.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/fuzz/%-afl: $(B)/fuzz/%.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(B)/fuzz/$*.o $(FUZZ_LINK) -o $@ $(LDLIBS)
.PRECIOUS: $(B)/fuzz/%.o

# The structure-aware mutator as an AFL++ custom mutator library
# (fuzz/mutate_afl.c). It runs inside afl-fuzz, so it is built with a
# plain compiler (CC may be afl-clang-fast), no sanitizer, no
# instrumentation, and exports only the afl_custom_* entry points.
MUTATOR_CC ?= clang
MUTATOR_SRCS := fuzz/mutate_afl.c fuzz/mutate.c fuzz/mutate_sched.c fuzz/program.c fuzz/legal.c
$(B)/fuzz/ops-mutator.so: $(MUTATOR_SRCS) fuzz/mutate.h fuzz/mutate_sched.h fuzz/program.h \
		fuzz/program_int.h
	@mkdir -p $(@D)
	$(MUTATOR_CC) $(CFLAGS_BASE) -fPIC -shared -fvisibility=hidden $(MUTATOR_SRCS) -o $@

BINS += $(FUZZ_TARGETS:%=$(B)/fuzz/%-replay)

# `make fuzz` defaults (the recipe is in the top Makefile, the job in
# fuzz/fuzz.sh). Fuzzing builds default to DEBUG=0: the per-operation
# validators cost ~3x in executions; `make fuzz FUZZ_DEBUG=1` turns
# them on. docs/programs.md says why.
TARGET ?= ops
ENGINE ?= libfuzzer
# ALLOC=name: the fuzz targets run on that adapter (LABYRINTH_ALLOC).
ALLOC ?=
ifneq ($(ALLOC),)
ifeq ($(filter $(ALLOC),$(ALLOC_NAMES)),)
$(error ALLOC=$(ALLOC): unknown allocator (known: $(ALLOC_NAMES)))
endif
endif
FUZZ_TIME ?= 60
FUZZ_RUNS ?= 0
FUZZ_DEBUG ?= $(if $(filter command line,$(origin DEBUG)),$(DEBUG),0)

# `make repro CRASH=FILE`: replay a finding with the trace. A finding of
# a scenario target (TARGET=<scenario>, or a file under crashes/<scenario>/
# where `make fuzz` keeps them) replays with that scenario's own tool,
# scn-<name> run: its bytes are a scenario input, not a program.
REPRO_SCNS := $(shell sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def)
REPRO_SCN := $(firstword $(filter $(REPRO_SCNS),$(TARGET)) \
	$(filter $(REPRO_SCNS),$(notdir $(patsubst %/,%,$(dir $(CRASH))))))
REPRO_TOOL := $(if $(REPRO_SCN),$(B)/fuzz/scn-$(REPRO_SCN),$(B)/tools/labyrinth)
.PHONY: repro
repro: $(REPRO_TOOL)
	@test -n "$(CRASH)" || { echo "usage: make repro CRASH=FILE [TARGET=ops|<scenario>] [ALLOC=name]" >&2; exit 2; }
	@$(if $(filter tsan,$(SAN)),setarch $$(uname -m) -R) $(REPRO_TOOL) run -v \
		$(if $(ALLOC),--alloc $(ALLOC)) $(CRASH); rc=$$?; \
	if [ $$rc = 1 ]; then echo "repro: reproduced (the report above)"; exit 0; \
	elif [ $$rc = 0 ]; then echo "repro: ran clean, did not reproduce" >&2; exit 1; \
	else exit $$rc; fi
