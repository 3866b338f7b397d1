# tests/fuzz/: programs (round trips, totality, legalization), the
# interpreter, the labyrinth command and the fuzz targets' replay.
$(B)/tests/fuzz/test_program: $(B)/tests/fuzz/test_program.o $(B)/libprogram.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_program

# Test-only builds with the planted bug (tests/fuzz/test_bug.c).
$(B)/tests/fuzz/labyrinth-bug: $(B)/tools/labyrinth.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/tools/labyrinth.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/tests/fuzz/ops-bug-replay: $(B)/fuzz/ops.o $(B)/fuzz/replay_main.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/fuzz/ops.o $(B)/fuzz/replay_main.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)
$(B)/tests/fuzz/ops-bug-libfuzzer: $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $(B)/fuzz/ops.o $(B)/tests/fuzz/test_bug.o $(FUZZ_LINK) -o $@ $(LDLIBS)
