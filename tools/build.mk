# tools/: the labyrinth command. Built per variant, and copied to
# $(BUILD)/bin/labyrinth from the default (asan) variant.
$(B)/tools/labyrinth: $(B)/tools/labyrinth.o $(FUZZ_LIBS)
	$(CC) $(LDFLAGS) $(B)/tools/labyrinth.o $(FUZZ_LINK) -o $@ $(LDLIBS)

$(BUILD)/bin/labyrinth: $(B)/tools/labyrinth
	@mkdir -p $(@D)
	cp $< $@

BINS += $(BUILD)/bin/labyrinth

# Seeds: corpus/<target>/*.lab assembled to $(B)/corpus/<target>/*.bin.
$(B)/corpus/%.bin: corpus/%.lab $(B)/tools/labyrinth
	@mkdir -p $(@D)
	$(B)/tools/labyrinth asm $< -o $@
SEEDS_ops := $(patsubst corpus/ops/%.lab,$(B)/corpus/ops/%.bin,$(wildcard corpus/ops/*.lab))
.PHONY: seeds-ops
seeds-ops: $(SEEDS_ops)
