# tests/alloc/: the allocator's unit tests, on the threads backend.
ALLOC_TEST_NAMES := test_buddy test_wmark test_gfp test_pcp test_highatomic test_mempool test_reclaim test_owner test_random
ALLOC_TESTS := $(ALLOC_TEST_NAMES:%=$(B)/tests/alloc/%)
ALLOC_TEST_LIBS := $(B)/liballoc.a $(B)/libthreads.a $(B)/libcheck.a

$(ALLOC_TESTS): $(B)/tests/alloc/%: $(B)/tests/alloc/%.o $(ALLOC_TEST_LIBS)
	$(CC) $(LDFLAGS) $< $(ALLOC_TEST_LIBS) -lcmocka $(LDLIBS) -o $@

TESTS += $(ALLOC_TESTS)
# The tests that run several threads at once also run under ThreadSanitizer.
TSAN_TESTS += $(addprefix $(B)/tests/alloc/,test_random test_pcp test_reclaim test_mempool test_gfp)
