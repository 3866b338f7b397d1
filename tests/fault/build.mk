# tests/fault/: fault injection (issue #5).
FAULT_TEST_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)
FAULT_TEST_LIBS := $(B)/libfault.a $(B)/liballoc.a $(B)/libthreads.a $(B)/libcheck.a

# The decision engine and the plan syntax need no allocator.
$(B)/tests/fault/test_engine: $(B)/tests/fault/test_engine.o $(FAULT_TEST_LIBS)
	$(FAULT_TEST_LINK)
$(B)/tests/fault/test_plan: $(B)/tests/fault/test_plan.o $(FAULT_TEST_LIBS)
	$(FAULT_TEST_LINK)
TESTS += $(B)/tests/fault/test_engine $(B)/tests/fault/test_plan
TSAN_TESTS += $(B)/tests/fault/test_engine

# Against the real allocator on the threads backend.
$(B)/tests/fault/test_exhaust: $(B)/tests/fault/test_exhaust.o $(FAULT_TEST_LIBS)
	$(FAULT_TEST_LINK)
TESTS += $(B)/tests/fault/test_exhaust
TSAN_TESTS += $(B)/tests/fault/test_exhaust
$(B)/tests/fault/test_sweep: $(B)/tests/fault/test_sweep.o $(FAULT_TEST_LIBS)
	$(FAULT_TEST_LINK)
TESTS += $(B)/tests/fault/test_sweep
TSAN_TESTS += $(B)/tests/fault/test_sweep

# On the simulated machine (libsim instead of libthreads).
$(B)/tests/fault/test_sim_fault: $(B)/tests/fault/test_sim_fault.o $(B)/libfault.a \
		$(B)/liballoc.a $(B)/libsim.a $(B)/libcheck.a
	$(FAULT_TEST_LINK)
TESTS += $(B)/tests/fault/test_sim_fault
