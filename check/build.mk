# check/: detectors, the reserve oracle, reports. Every .c here goes into
# libcheck.a; owners add files without editing this fragment.
CHECK_SRCS := $(wildcard check/*.c)
CHECK_OBJS := $(CHECK_SRCS:%.c=$(B)/%.o)
$(B)/libcheck.a: $(CHECK_OBJS)
	@rm -f $@
	ar rcs $@ $^
