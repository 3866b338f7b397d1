# pool/: labyrinth's second allocator under test, a genalloc-style
# special-memory pool (pool/genpool.h, docs/pool.md). Sees include/ only.
# Its adapter is fuzz/alloc_pool.c, registered by ALLOC(pool, pool) in
# fuzz/allocs.def (which puts $(B)/libpool.a into every tool's link).
POOL_SRCS := $(wildcard pool/*.c)
POOL_OBJS := $(POOL_SRCS:%.c=$(B)/%.o)
$(B)/libpool.a: $(POOL_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Bugs of the pool, one compile-time switch each (pool/genpool.c; the
# zoo's ZOO_POOL_* switches turn on the same code, zoo/bugs.def):
# $(B)/pool-bug/NAME/pool/genpool.o is the pool built with -DPOOL_BUG_NAME.
# Linked as an object before the libraries, it replaces the clean
# pool (an archive member is pulled only for a symbol nothing else
# defines). The pool itself is chosen at run time, by name:
# `labyrinth run --alloc pool`, LABYRINTH_ALLOC=pool.
POOL_BUGS := NO_RECHECK NONATOMIC_CLEAR
$(B)/pool-bug/%/pool/genpool.o: pool/genpool.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DPOOL_BUG_$* -MMD -MP -c $< -o $@
.PRECIOUS: $(B)/pool-bug/%/pool/genpool.o

#   $(B)/pool-bug/NAME/labyrinth  the command; --alloc pool runs the buggy pool
$(B)/pool-bug/%/labyrinth: $(B)/tools/labyrinth.o $(B)/pool-bug/%/pool/genpool.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(FUZZ_LINK) -o $@ $(LDLIBS)
