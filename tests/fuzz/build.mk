# tests/fuzz/: programs (round trips, totality, legalization), the
# interpreter, the labyrinth command and the fuzz targets' replay.
$(B)/tests/fuzz/test_program: $(B)/tests/fuzz/test_program.o $(B)/libprogram.a
	$(CC) $(LDFLAGS) $^ -o $@ -lcmocka $(LDLIBS)
TESTS += $(B)/tests/fuzz/test_program
