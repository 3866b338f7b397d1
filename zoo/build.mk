# zoo/: the bug zoo (docs/zoo.md). Two ways to build a zoo bug:
#
#  - a full zoo build, for engines and the nightly job:
#	make <targets> ZOO=name     every object gets -DLAB_ZOO -DZOO_<NAME>,
#	                            in its own tree build/<san>-zoo-<name>/
#    (the top Makefile puts ZOO in the variant name);
#  - a test build, only the bug's own sources rebuilt with the switch and
#    linked before the clean libraries (an archive member is pulled only
#    for a symbol nothing else defines, so the zoo objects win):
#	$(B)/zoo/<name>/labyrinth   ops and pool bugs: the labyrinth command
#	                            (pool: run with --alloc pool, fuzz/allocs.def)
#	$(B)/zoo/<name>/scn-<t>     scenario bugs: the scenario tool
#
# `make zoo [BUG=name] [ENGINES=...] [ZOO_TRIALS=3] [ZOO_TIME=30]` runs the
# detection benchmark (zoo/zoo.sh) and writes build/zoo/report.md.

ZOO_DEF := zoo/bugs.def
ZOO_ROWS := $(shell awk '!/^\#/ && NF >= 7 { print $$1 ":" $$2 ":" $$3 ":" $$5 }' $(ZOO_DEF))
ZOO_NAMES := $(foreach r,$(ZOO_ROWS),$(word 1,$(subst :, ,$(r))))
zoo_upper = $(shell echo '$(1)' | tr a-z A-Z)

ifneq ($(ZOO),)
ifeq ($(filter $(ZOO),$(ZOO_NAMES)),)
$(error ZOO=$(ZOO): no such bug in $(ZOO_DEF))
endif
CFLAGS += -DLAB_ZOO -DZOO_$(call zoo_upper,$(ZOO))
endif

# $(call zoo_bug,NAME,TARGET,SAN,FILES): the test build of one bug.
define zoo_bug
ZOO_OBJS_$(1) := $(patsubst %.c,$(B)/zoo/$(1)/%.o,$(subst $(comma), ,$(4)))
$(B)/zoo/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -DLAB_ZOO -DZOO_$(call zoo_upper,$(1)) -MMD -MP -c $$< -o $$@
ifneq ($(filter ops pool,$(2)),)
$(B)/zoo/$(1)/labyrinth: $(B)/tools/labyrinth.o $$(ZOO_OBJS_$(1)) $$(FUZZ_LIBS) \
		$(if $(filter tsan,$(3)),$(B)/zoo/tsan_report.o)
	$$(CC) $$(LDFLAGS) $$(filter %.o,$$^) $$(FUZZ_LINK) -o $$@ $$(LDLIBS)
ZOO_TOOLS_$(3) += $(B)/zoo/$(1)/labyrinth
else
$(B)/zoo/$(1)/scn-$(2): $(B)/fuzz/scn_tool-$(2).o $$(ZOO_OBJS_$(1)) \
		$$(if $$(filter fuzz/scn_$(2).c,$$(subst $$(comma), ,$(4))),,$(B)/fuzz/scn_$(2).o) $$(SCN_DEPS) \
		$(if $(filter tsan,$(3)),$(B)/zoo/tsan_report.o)
	$$(SCN_LINK)
ZOO_TOOLS_$(3) += $(B)/zoo/$(1)/scn-$(2)
endif
endef
comma := ,
ZOO_TOOLS_asan :=
ZOO_TOOLS_tsan :=
$(foreach r,$(ZOO_ROWS),$(eval $(call zoo_bug,$(word 1,$(subst :, ,$(r))),$(word 2,$(subst :, ,$(r))),$(word 3,$(subst :, ,$(r))),$(word 4,$(subst :, ,$(r))))))

# TSan's reports get a signature from zoo/tsan_report.c (a strong
# __tsan_on_report() beside the runtime's weak one: an object, since no
# archive member is pulled for a symbol that is already weakly defined).
$(B)/zoo/tsan_report.o: zoo/tsan_report.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DLAB_ZOO -MMD -MP -c $< -o $@
ifneq ($(ZOO),)
ifeq ($(SAN),tsan)
LDFLAGS += $(B)/zoo/tsan_report.o
endif
endif

# The clean tools the tests compare against, and the seeds.
ZOO_CLEAN_TOOLS := $(B)/tools/labyrinth $(if $(filter asan,$(SAN)),$(B)/fuzz/scn-nic $(B)/fuzz/scn-block)
ZOO_SUBST = sed -e 's|@B@|$(B)|g; s|@BUILD@|$(BUILD)|g; s|@SAN@|$(SAN)|g' $< > $@ && chmod +x $@

$(B)/tests/zoo/test-zoo: tests/zoo/test-zoo.sh zoo/lib.sh $(ZOO_DEF) $(ZOO_TOOLS_$(SAN)) \
		$(ZOO_CLEAN_TOOLS) $(B)/zoo/monotime
	@mkdir -p $(@D)
	$(ZOO_SUBST)

ifneq ($(wildcard tests/zoo/test-zoo.sh),)
ifeq ($(SAN),tsan)
TSAN_TESTS += $(B)/tests/zoo/test-zoo
else
TESTS += $(B)/tests/zoo/test-zoo
endif
endif

# The benchmark driver (zoo/zoo.sh) and its helper.
$(B)/zoo/monotime: zoo/monotime.c
	@mkdir -p $(@D)
	$(CC) -O1 -o $@ $<

ENGINES ?= libfuzzer afl pct random stress
ZOO_TRIALS ?= 3
ZOO_TIME ?= 30
.PHONY: zoo
zoo: deps-check
	@BUGS="$(BUG)" ENGINES="$(ENGINES)" ZOO_TRIALS=$(ZOO_TRIALS) ZOO_TIME=$(ZOO_TIME) \
		BUILD=$(BUILD) MAKE="$(MAKE)" zoo/zoo.sh

# The stress engine (zoo/stress.c): the allocator of this build on real
# threads. In a full zoo build it carries the bug.
$(B)/zoo/stress: $(B)/zoo/stress.o $(B)/liballoc.a $(B)/libcheck.a $(B)/libthreads.a \
		$(if $(filter tsan,$(SAN)),$(if $(ZOO),$(B)/zoo/tsan_report.o))
	$(CC) $(LDFLAGS) $(B)/zoo/stress.o -Wl,--start-group $(B)/liballoc.a $(B)/libcheck.a \
		$(B)/libthreads.a -Wl,--end-group -o $@ $(LDLIBS)
