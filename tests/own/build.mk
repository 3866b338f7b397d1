# tests/own/: the ownership ledger, channels and the reserve oracle (issue #4).
OWN_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)

$(B)/tests/own/test_ledger: $(B)/tests/own/test_ledger.o $(B)/libcheck.a $(B)/libthreads.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_ledger
TSAN_TESTS += $(B)/tests/own/test_ledger

$(B)/tests/own/test_oracle: $(B)/tests/own/test_oracle.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libthreads.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_oracle

# On the simulated machine (issue #3), when it is in the tree.
ifneq ($(wildcard sim/machine.c),)
$(B)/tests/own/test_channel_sim: $(B)/tests/own/test_channel_sim.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libsim.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_channel_sim
TSAN_TESTS += $(B)/tests/own/test_channel_sim

$(B)/tests/own/test_oracle_sim: $(B)/tests/own/test_oracle_sim.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libsim.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_oracle_sim
TSAN_TESTS += $(B)/tests/own/test_oracle_sim

$(B)/tests/own/test_misuse_sim: $(B)/tests/own/test_misuse_sim.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libsim.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_misuse_sim
endif

$(B)/tests/own/test_asan_free: $(B)/tests/own/test_asan_free.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libthreads.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_asan_free

$(B)/tests/own/test_channel_threads: $(B)/tests/own/test_channel_threads.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libthreads.a
	$(OWN_LINK)
TESTS += $(B)/tests/own/test_channel_threads
TSAN_TESTS += $(B)/tests/own/test_channel_threads
