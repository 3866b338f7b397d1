# tests/scenario/: the scenario API, the shipped scenarios (clean runs,
# seeds, random inputs), their bug twins, the scenario written by
# following docs/scenarios.md, and a libFuzzer smoke run of each target.
SCN_TEST_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)

$(B)/tests/scenario/test_scenario: $(B)/tests/scenario/test_scenario.o \
		$(B)/fuzz/scn_nic.o $(B)/fuzz/scn_block.o $(SCN_DEPS)
	$(SCN_TEST_LINK)
TESTS += $(B)/tests/scenario/test_scenario
