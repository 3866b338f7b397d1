# fuzz/: the program format, the interpreter, the fuzz targets.
#
# libprogram.a: program bytes/text/legalization (no allocator, no machine).
PROG_SRCS := fuzz/program.c fuzz/text.c fuzz/legal.c
PROG_OBJS := $(PROG_SRCS:%.c=$(B)/%.o)
$(B)/libprogram.a: $(PROG_OBJS)
	@rm -f $@
	ar rcs $@ $^
