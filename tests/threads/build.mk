$(B)/tests/threads/test_threads: $(B)/tests/threads/test_threads.o $(B)/libthreads.a $(B)/libcheck.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/threads/test_threads
TSAN_TESTS += $(B)/tests/threads/test_threads
