# pool/: labyrinth's second allocator under test, a genalloc-style
# special-memory pool (pool/genpool.h, docs/pool.md). Sees include/ only.
# Its interpreter adapter is fuzz/alloc_pool.c ($(B)/fuzz/alloc_pool.o).
POOL_SRCS := $(wildcard pool/*.c)
POOL_OBJS := $(POOL_SRCS:%.c=$(B)/%.o)
$(B)/libpool.a: $(POOL_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Zoo bugs of the pool, one compile-time switch each (pool/genpool.c):
# $(B)/pool-bug/NAME/libpool.a is the pool built with -DPOOL_BUG_NAME.
POOL_BUGS := NO_RECHECK NONATOMIC_CLEAR
$(B)/pool-bug/%/pool/genpool.o: pool/genpool.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DPOOL_BUG_$* -MMD -MP -c $< -o $@
$(B)/pool-bug/%/libpool.a: $(B)/pool-bug/%/pool/genpool.o
	@rm -f $@
	ar rcs $@ $^
.PRECIOUS: $(B)/pool-bug/%/pool/genpool.o

# Build-time selection (fuzz/alloc_pool.c, LAB_ALLOC_POOL_DEFAULT): the
# labyrinth command and the ops fuzz target, unchanged, linked with the
# adapter as their default allocator.
#   $(B)/pool/labyrinth          run, show, explore, minimize, triage, sweep on the pool
#   $(B)/pool/ops-replay         the ops target's replay binary on the pool
#   $(B)/pool/ops-libfuzzer      the ops target for libFuzzer (in the engine tree)
#   $(B)/pool-bug/NAME/labyrinth the command on the pool built with a zoo bug
$(B)/pool/alloc_pool-default.o: fuzz/alloc_pool.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DLAB_ALLOC_POOL_DEFAULT -MMD -MP -c $< -o $@
POOL_DEFAULT_LINK = $(CC) $(LDFLAGS) -Wl,--wrap=interp_run $(filter %.o,$^) \
	-Wl,--start-group $(filter %.a,$^) -Wl,--end-group -o $@ $(LDLIBS)
$(B)/pool/labyrinth: $(B)/tools/labyrinth.o $(B)/pool/alloc_pool-default.o \
		$(B)/libpool.a $(FUZZ_LIBS)
	$(POOL_DEFAULT_LINK)
$(B)/pool/ops-replay: $(B)/fuzz/ops.o $(B)/fuzz/replay_main.o $(B)/pool/alloc_pool-default.o \
		$(B)/libpool.a $(FUZZ_LIBS)
	$(POOL_DEFAULT_LINK)
$(B)/pool/ops-libfuzzer: $(B)/fuzz/ops.o $(B)/pool/alloc_pool-default.o \
		$(B)/libpool.a $(FUZZ_LIBS)
	$(POOL_DEFAULT_LINK) -fsanitize=fuzzer
$(B)/pool-bug/%/labyrinth: $(B)/tools/labyrinth.o $(B)/pool/alloc_pool-default.o \
		$(B)/pool-bug/%/libpool.a $(FUZZ_LIBS)
	$(POOL_DEFAULT_LINK)
BINS += $(B)/pool/labyrinth $(B)/pool/ops-replay
