# sim/: the simulated machine (kernel.h on fibers) -> libsim.a
SIM_SRCS := $(wildcard sim/*.c)
SIM_OBJS := $(SIM_SRCS:%.c=$(B)/%.o)
$(B)/libsim.a: $(SIM_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Benchmark: scheduling points per second and fiber switch cost.
$(B)/bench/bench_sim: $(B)/bench/bench_sim.o $(B)/libsim.a $(B)/libcheck.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
BENCHES += $(B)/bench/bench_sim
