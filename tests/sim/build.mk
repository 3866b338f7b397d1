# tests/sim: the simulated machine and its detectors.
SIM_TEST_LIBS := $(B)/libsim.a $(B)/libcheck.a

$(B)/tests/sim/test_machine: $(B)/tests/sim/test_machine.o $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_machine
TSAN_TESTS += $(B)/tests/sim/test_machine

$(B)/tests/sim/test_detectors: $(B)/tests/sim/test_detectors.o $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_detectors
TSAN_TESTS += $(B)/tests/sim/test_detectors

# The allocator on the machine (link order: test, liballoc, libsim, libcheck).
$(B)/tests/sim/test_sim_alloc: $(B)/tests/sim/test_sim_alloc.o $(B)/liballoc.a $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_sim_alloc
TSAN_TESTS += $(B)/tests/sim/test_sim_alloc

$(B)/tests/sim/test_pct: $(B)/tests/sim/test_pct.o $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_pct

$(B)/tests/sim/test_stress: $(B)/tests/sim/test_stress.o $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_stress
TSAN_TESTS += $(B)/tests/sim/test_stress

# Proves TSan flags an unlocked race between simulated CPUs (skips without TSan).
$(B)/tests/sim/test_tsan_race: $(B)/tests/sim/test_tsan_race.o $(SIM_TEST_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

TESTS += $(B)/tests/sim/test_tsan_race
TSAN_TESTS += $(B)/tests/sim/test_tsan_race
