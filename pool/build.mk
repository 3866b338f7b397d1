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

# The pool is chosen at run time, by name (fuzz/allocs.def: the line
# ALLOC(pool, pool) puts fuzz/alloc_pool.c and $(B)/libpool.a into every
# tool and fuzz target): `labyrinth run --alloc pool`, LABYRINTH_ALLOC=pool.
# With a zoo bug, the command links the bug's object before the clean
# library (an archive member is pulled only for a symbol nothing else
# defines):
#   $(B)/pool-bug/NAME/labyrinth  the command; --alloc pool runs the buggy pool
$(B)/pool-bug/%/labyrinth: $(B)/tools/labyrinth.o $(B)/pool-bug/%/pool/genpool.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(FUZZ_LINK) -o $@ $(LDLIBS)
