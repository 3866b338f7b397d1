# tests/pool/: the genalloc-style pool (pool/) and its interpreter
# adapter (fuzz/alloc_pool.c): unit tests on the simulated machine, the
# clean-run checks every fuzz program passes on the reference allocator,
# and the pool's zoo bugs found by explored schedules.
POOL_TEST_LINK = $(CC) $(LDFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) \
	-Wl,--end-group -o $@ -lcmocka $(LDLIBS)

$(B)/tests/pool/test_genpool: $(B)/tests/pool/test_genpool.o $(B)/libpool.a $(FUZZ_LIBS)
	$(POOL_TEST_LINK)
TESTS += $(B)/tests/pool/test_genpool

# The fuzz programs on the pool: clean checks, then the same test against
# each zoo bug of the pool (its object and the pool built with the switch).
POOL_INTERP_LIBS := $(B)/libpool.a $(FUZZ_LIBS)
$(B)/tests/pool/test_pool_interp: $(B)/tests/pool/test_pool_interp.o $(POOL_INTERP_LIBS)
	$(POOL_TEST_LINK)
TESTS += $(B)/tests/pool/test_pool_interp
# Under TSan too: the interpreter's machine-wide state (OP_FAILNEXT's
# counter) is touched by several CPUs' fibers.
TSAN_TESTS += $(B)/tests/pool/test_pool_interp

$(B)/tests/pool/bug-%/test_pool_interp.o: tests/pool/test_pool_interp.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DPOOL_BUG_$* -MMD -MP -c $< -o $@
$(B)/tests/pool/test_pool_bug_%: $(B)/tests/pool/bug-%/test_pool_interp.o \
		$(B)/pool-bug/%/pool/genpool.o $(FUZZ_LIBS)
	$(POOL_TEST_LINK)
.PRECIOUS: $(B)/tests/pool/bug-%/test_pool_interp.o
TESTS += $(POOL_BUGS:%=$(B)/tests/pool/test_pool_bug_%)
# The lock-free bitmap under ThreadSanitizer too: each simulated CPU is
# a TSan fiber, so a plain access racing with the cmpxchg is reported.
TSAN_TESTS += $(B)/tests/pool/test_genpool

# The pool fuzzed in `make test`: the ops fuzz target, chosen onto the
# pool at run time (LABYRINTH_ALLOC=pool) -- its replay binary here and
# its libFuzzer binary of the engine tree tests/fuzz/build.mk builds
# ($(BUILD)/libfuzzer/<san>-nodebug) -- and the labyrinth command with
# --alloc pool, clean and with a zoo bug of the pool.
$(B)/tests/pool/smoke-pool: tests/pool/smoke-pool.sh $(B)/fuzz/ops-replay \
		$(B)/pool-bug/NO_RECHECK/labyrinth $(B)/tools/labyrinth fuzz-engine-libfuzzer
	@mkdir -p $(@D)
	sed -e 's|@B@|$(B)|g; s|@LF@|$(FUZZ_LF_B)|g' $< > $@
	chmod +x $@
TESTS += $(B)/tests/pool/smoke-pool

# The pool on real threads, hardirqs as signals (threads/).
$(B)/tests/pool/test_pool_threads: $(B)/tests/pool/test_pool_threads.o $(B)/libpool.a \
		$(B)/libthreads.a $(B)/libcheck.a $(B)/liballoc.a
	$(POOL_TEST_LINK)
TESTS += $(B)/tests/pool/test_pool_threads
TSAN_TESTS += $(B)/tests/pool/test_pool_threads
