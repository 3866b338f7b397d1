# allocator/: the code under test. Sees include/ only.
ALLOC_SRCS := $(wildcard allocator/*.c)
ALLOC_OBJS := $(ALLOC_SRCS:%.c=$(B)/%.o)
$(B)/liballoc.a: $(ALLOC_OBJS)
	@rm -f $@
	ar rcs $@ $^
