# threads/: kernel.h on real pthreads.
THREADS_SRCS := $(wildcard threads/*.c)
THREADS_OBJS := $(THREADS_SRCS:%.c=$(B)/%.o)
$(B)/libthreads.a: $(THREADS_OBJS)
	@rm -f $@
	ar rcs $@ $^
