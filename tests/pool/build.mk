# tests/pool/: the genalloc-style pool (pool/) and its interpreter
# adapter (fuzz/alloc_pool.c): unit tests on the simulated machine, the
# clean-run checks every fuzz program passes on the reference allocator,
# and the pool's zoo bugs found by explored schedules.
POOL_TEST_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)

$(B)/tests/pool/test_genpool: $(B)/tests/pool/test_genpool.o $(B)/libpool.a $(FUZZ_LIBS)
	$(POOL_TEST_LINK)
TESTS += $(B)/tests/pool/test_genpool
