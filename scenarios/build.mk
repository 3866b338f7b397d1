# scenarios/: build rules for the scenario fuzz targets (the C sources
# live in fuzz/: scenario*.c, scn_<name>.c; docs/scenarios.md).
#
# Every SCENARIO(name) line of fuzz/scenarios.def gives
#   $(B)/fuzz/scn-<name>          replay / asm / show tool (no engine)
#   $(B)/fuzz/<name>-replay       the target's replay loop (make bench)
#   $(B)/fuzz/<name>-libfuzzer    libFuzzer target
#   $(B)/fuzz/<name>-afl          AFL++ target (afl-clang-fast, on demand)
#   $(B)/corpus/<name>/*.bin      the seeds corpus/<name>/*.lab, assembled
#                                 (`make seeds-<name>`, as `make fuzz` asks)
#   $(B)/libscenarios.a           all of them with the registry table
# `make scenarios` builds the tools, the libFuzzer targets and the seeds;
# `make scenarios-afl` the AFL++ targets.

SCN_NAMES := $(shell sed -n 's/^SCENARIO(\([a-z0-9_]*\)).*/\1/p' fuzz/scenarios.def)

SCN_LIB_SRCS := fuzz/scenario_input.c fuzz/scenario_run.c fuzz/scn_mutate.c fuzz/mutate_sched.c \
	fuzz/ctxcov.c
$(B)/libscenario.a: $(SCN_LIB_SRCS:%.c=$(B)/%.o)
	@rm -f $@
	ar rcs $@ $^

# Every registered scenario with the table (for tools: scenario_find()).
$(B)/libscenarios.a: $(B)/fuzz/scenario_table.o $(SCN_NAMES:%=$(B)/fuzz/scn_%.o)
	@rm -f $@
	ar rcs $@ $^

# What a scenario links against, in the plain (sanitizer) build: the
# adapters of fuzz/allocs.def (in libinterp.a, with what they need)
# choose the allocator at run time.
SCN_DEPS = $(B)/libscenario.a $(B)/libinterp.a $(B)/libprogram.a $(ALLOC_LIBS) \
	$(B)/liballoc.a $(B)/libfault.a $(B)/libcheck.a $(B)/libsim.a
SCN_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ $(LDLIBS)

# The fuzzer builds compile everything again with coverage: libFuzzer's
# -fsanitize=fuzzer-no-link, AFL++'s afl-clang-fast. Own object trees,
# so the plain build and the tests keep their objects.
SCN_CORE_SRCS = $(wildcard allocator/*.c sim/*.c check/*.c faultinject/*.c) $(SCN_LIB_SRCS) \
	$(ALLOC_SRCS) $(ALLOC_LIB_SRCS) $(PROG_SRCS)
# The simulated machine and the validators of debug builds compare in
# tight loops; tracing every comparison there (trace-cmp) made a run
# about five times slower for no input-to-state benefit, so the core is
# built with edge counters only (docs/scenarios.md, "Speed").
SCN_FZ_COV ?= -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp \
	-fsanitize-coverage-ignorelist=$(HARNESS_NOCOV)
SCN_FZ := $(B)/scnfz
SCN_AFL := $(B)/scnafl
AFL_CC ?= afl-clang-fast

$(SCN_FZ)/%.o: %.c $(HARNESS_NOCOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SCN_FZ_COV) -MMD -MP -c $< -o $@

$(SCN_AFL)/%.o: %.c $(HARNESS_NOCOV)
	@mkdir -p $(@D)
	AFL_QUIET=1 $(AFL_CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(SCN_FZ)/libscncore.a: $(SCN_CORE_SRCS:%.c=$(SCN_FZ)/%.o)
	@rm -f $@
	ar rcs $@ $^

$(SCN_AFL)/libscncore.a: $(SCN_CORE_SRCS:%.c=$(SCN_AFL)/%.o)
	@rm -f $@
	ar rcs $@ $^

# $(call scn_target,NAME,SOURCE.c): the tool, the libFuzzer and AFL++
# targets and the assembled seeds of one scenario. tests/scenario uses
# it too, for the scenario written by following the guide.
define scn_target
$(B)/fuzz/scn_tool-$(1).o: fuzz/scenario_tool.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -DSCN_NAME=$(1) -MMD -MP -c $$< -o $$@

$(B)/fuzz/scn-$(1): $(B)/fuzz/scn_tool-$(1).o $(B)/$(2:.c=.o) $$(SCN_DEPS)
	$$(SCN_LINK)

# The engine-free replay loop of the target (fuzz/replay_main.c: files,
# directories, LABYRINTH_REPEAT=N for executions per second; make bench).
$(B)/fuzz/scn_replay-$(1).o: fuzz/scenario_target.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -DSCN_NAME=$(1) -MMD -MP -c $$< -o $$@

$(B)/fuzz/$(1)-replay: $(B)/fuzz/scn_replay-$(1).o $(B)/fuzz/replay_main.o $(B)/$(2:.c=.o) $$(SCN_DEPS)
	$$(SCN_LINK)

$(SCN_FZ)/scn_target-$(1).o: fuzz/scenario_target.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -fsanitize=fuzzer-no-link -DSCN_NAME=$(1) -MMD -MP -c $$< -o $$@

$(B)/fuzz/$(1)-libfuzzer: $(SCN_FZ)/scn_target-$(1).o $(SCN_FZ)/$(2:.c=.o) $(SCN_FZ)/libscncore.a
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -fsanitize=fuzzer $$(filter %.o,$$^) -Wl,--start-group \
		$$(filter %.a,$$^) -Wl,--end-group -o $$@ $$(LDLIBS)

$(SCN_AFL)/scn_target-$(1).o: fuzz/scenario_target.c
	@mkdir -p $$(@D)
	AFL_QUIET=1 $$(AFL_CC) $$(CFLAGS) -DSCN_NAME=$(1) -MMD -MP -c $$< -o $$@

$(B)/fuzz/$(1)-afl: $(SCN_AFL)/scn_target-$(1).o $(SCN_AFL)/$(2:.c=.o) $(SCN_AFL)/libscncore.a
	@mkdir -p $$(@D)
	AFL_QUIET=1 $$(AFL_CC) $$(LDFLAGS) -fsanitize=fuzzer $$(filter %.o,$$^) \
		-Wl,--start-group $$(filter %.a,$$^) -Wl,--end-group -o $$@ $$(LDLIBS)

$(B)/corpus/$(1)/%.bin: $(3)/%.lab $(B)/fuzz/scn-$(1)
	@mkdir -p $$(@D)
	$(B)/fuzz/scn-$(1) asm $$< -o $$@

SCN_SEEDS_$(1) := $$(patsubst $(3)/%.lab,$(B)/corpus/$(1)/%.bin,$$(wildcard $(3)/*.lab))
.PHONY: seeds-$(1)
seeds-$(1): $$(SCN_SEEDS_$(1))
SCN_ALL += $(B)/fuzz/scn-$(1) $(B)/fuzz/$(1)-libfuzzer $$(SCN_SEEDS_$(1))
SCN_ALL_AFL += $(B)/fuzz/$(1)-afl
endef

SCN_ALL :=
SCN_ALL_AFL :=
$(foreach n,$(SCN_NAMES),$(eval $(call scn_target,$(n),fuzz/scn_$(n).c,corpus/$(n))))
BINS += $(filter $(B)/fuzz/scn-%,$(SCN_ALL))

.PHONY: scenarios scenarios-afl
scenarios: $(SCN_ALL) $(B)/libscenarios.a
scenarios-afl: $(SCN_ALL_AFL)
