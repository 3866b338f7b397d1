# bench/: benchmarks; `make bench` builds them without sanitizers or
# debug checks (SAN=none DEBUG=0) and runs each.
$(B)/bench/bench_alloc: $(B)/bench/bench_alloc.o $(B)/liballoc.a $(B)/libthreads.a $(B)/libcheck.a
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
BENCHES += $(B)/bench/bench_alloc
