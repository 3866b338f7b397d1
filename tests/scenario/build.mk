# tests/scenario/: the scenario API, the shipped scenarios (clean runs,
# seeds, random inputs), their bug twins, the scenario written by
# following docs/scenarios.md, and a libFuzzer smoke run of each target.
SCN_TEST_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)

$(B)/tests/scenario/test_scenario: $(B)/tests/scenario/test_scenario.o \
		$(B)/libscenarios.a $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scenario

# The scenario mutator (fuzz/scn_mutate.c) over every registered scenario.
$(B)/tests/scenario/test_scn_mutate: $(B)/tests/scenario/test_scn_mutate.o \
		$(B)/libscenarios.a $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scn_mutate
# The same clean-run checks with every run on the pool, through its
# adapter (fuzz/alloc_pool.c): seeds, random inputs, schedules, sweeps.
$(B)/tests/scenario/test_scenario_pool.o: tests/scenario/test_scenario.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_TEST_POOL -MMD -MP -c $< -o $@
$(B)/tests/scenario/test_scenario_pool: $(B)/tests/scenario/test_scenario_pool.o \
		$(B)/libscenarios.a $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scenario_pool

# The bug twins: the scenario sources with a bug switch, test-only.
$(B)/tests/scenario/scn_nic-bug.o: fuzz/scn_nic.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_BUG_NIC_TOUCH_AFTER_GIVE -MMD -MP -c $< -o $@
$(B)/tests/scenario/scn_block-bug.o: fuzz/scn_block.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_BUG_BLOCK_LEAK_ON_SG_FAIL -MMD -MP -c $< -o $@

$(B)/tests/scenario/test_scenario_bugs: $(B)/tests/scenario/test_scenario_bugs.o \
		$(B)/tests/scenario/scn_nic-bug.o $(B)/tests/scenario/scn_block-bug.o $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scenario_bugs

# The scenario of docs/scenarios.md, built the way the guide builds one
# (a SCENARIO(tiny) line in fuzz/scenarios.def makes this same call).
$(eval $(call scn_target,tiny,tests/scenario/scn_tiny.c,tests/scenario/corpus/tiny))

# The libFuzzer smoke run of every scenario target (and of tiny).
SCN_SMOKE_NAMES := $(SCN_NAMES) tiny
# AFL++ too (`make deps` installs it; a machine without afl-clang-fast skips it).
SCN_SMOKE_AFL := $(if $(shell command -v $(AFL_CC) 2>/dev/null),$(SCN_ALL_AFL))
$(B)/tests/scenario/smoke: tests/scenario/smoke.sh $(SCN_ALL) $(SCN_SMOKE_AFL)
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec tests/scenario/smoke.sh %s %s\n' '$(B)' '$(SCN_SMOKE_NAMES)' > $@
	chmod +x $@
TESTS += $(B)/tests/scenario/smoke

# Under ThreadSanitizer (races between the simulated CPUs' fibers), a
# tenth of the random runs.
$(B)/tests/scenario/test_scenario_quick.o: tests/scenario/test_scenario.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_TEST_QUICK -MMD -MP -c $< -o $@
$(B)/tests/scenario/test_scenario_quick: $(B)/tests/scenario/test_scenario_quick.o \
		$(B)/libscenarios.a $(SCN_DEPS)
	$(SCN_TEST_LINK)
TSAN_TESTS += $(B)/tests/scenario/test_scenario_quick
# ... and on the pool: its lock-free bitmap, rings and mempools between
# the simulated CPUs' fibers.
$(B)/tests/scenario/test_scenario_pool_quick.o: tests/scenario/test_scenario.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_TEST_QUICK -DSCN_TEST_POOL -MMD -MP -c $< -o $@
$(B)/tests/scenario/test_scenario_pool_quick: $(B)/tests/scenario/test_scenario_pool_quick.o \
		$(B)/libscenarios.a $(SCN_DEPS)
	$(SCN_TEST_LINK)
TSAN_TESTS += $(B)/tests/scenario/test_scenario_pool_quick

$(B)/tests/scenario/scn_block-bug_sleep.o: fuzz/scn_block.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_BUG_BLOCK_NOIO_IN_SOFTIRQ -MMD -MP -c $< -o $@
$(B)/tests/scenario/test_scenario_bugs_sleep.o: tests/scenario/test_scenario_bugs.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DSCN_BUG_BLOCK_NOIO_IN_SOFTIRQ -MMD -MP -c $< -o $@
$(B)/tests/scenario/test_scenario_bugs_sleep: $(B)/tests/scenario/test_scenario_bugs_sleep.o \
		$(B)/tests/scenario/scn_nic-bug.o $(B)/tests/scenario/scn_block-bug_sleep.o $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scenario_bugs_sleep
