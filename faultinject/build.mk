# faultinject/: fault plans, should_fail, reserve exhaustion, sweep.
# Sees include/ only; the backend and allocator come at link time.
FAULT_SRCS := $(wildcard faultinject/*.c)
FAULT_OBJS := $(FAULT_SRCS:%.c=$(B)/%.o)
$(B)/libfault.a: $(FAULT_OBJS)
	@rm -f $@
	ar rcs $@ $^
