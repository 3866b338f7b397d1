# fuzz/: the program format, the interpreter, the fuzz targets.
#
# libprogram.a: program bytes/text/legalization (no allocator, no machine).
PROG_SRCS := fuzz/program.c fuzz/text.c fuzz/legal.c
PROG_OBJS := $(PROG_SRCS:%.c=$(B)/%.o)
$(B)/libprogram.a: $(PROG_OBJS)
	@rm -f $@
	ar rcs $@ $^

# libinterp.a: the interpreter and the adapter for labyrinth's allocator.
INTERP_SRCS := fuzz/interp.c fuzz/alloc_labyrinth.c fuzz/ctxcov.c
INTERP_OBJS := $(INTERP_SRCS:%.c=$(B)/%.o)
$(B)/libinterp.a: $(INTERP_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Everything a program run needs, in one link group (check/ and the
# allocator and machine call each other).
FUZZ_LIBS := $(B)/libinterp.a $(B)/libprogram.a $(B)/libfault.a $(B)/liballoc.a \
	     $(B)/libsim.a $(B)/libcheck.a
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

BINS += $(FUZZ_TARGETS:%=$(B)/fuzz/%-replay)

# `make fuzz` defaults (the recipe is in the top Makefile, the job in
# fuzz/fuzz.sh). Fuzzing builds default to DEBUG=0: the per-operation
# validators cost ~3x in executions; `make fuzz FUZZ_DEBUG=1` turns
# them on. docs/programs.md says why.
TARGET ?= ops
ENGINE ?= libfuzzer
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
	@test -n "$(CRASH)" || { echo "usage: make repro CRASH=FILE [TARGET=ops|<scenario>]" >&2; exit 2; }
	@$(if $(filter tsan,$(SAN)),setarch $$(uname -m) -R) $(REPRO_TOOL) run -v $(CRASH); rc=$$?; \
	if [ $$rc = 1 ]; then echo "repro: reproduced (the report above)"; exit 0; \
	elif [ $$rc = 0 ]; then echo "repro: ran clean, did not reproduce" >&2; exit 1; \
	else exit $$rc; fi
