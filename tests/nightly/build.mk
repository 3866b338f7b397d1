# tests/nightly/: the nightly campaign (ci/nightly.sh), its triage and
# the OSS-Fuzz/ClusterFuzzLite build script (docs/nightly.md).

# Test-only: NIGHTLY_PLANT=1 links the interpreter's planted bug
# (tests/fuzz/test_bug.c, fuzz/interp.h: a double free reached only from
# hardirq context) into every binary of the ops target, so the nightly
# tests have a bug to find without a zoo build. Never set by a campaign.
ifeq ($(NIGHTLY_PLANT),1)
NIGHTLY_PLANT_OBJ := $(B)/tests/fuzz/test_bug.o
LDLIBS := $(NIGHTLY_PLANT_OBJ) $(LDLIBS)
$(B)/tools/labyrinth $(B)/fuzz/ops-libfuzzer $(B)/fuzz/ops-afl $(B)/fuzz/ops-replay: $(NIGHTLY_PLANT_OBJ)
endif

# Shell tests (each prints "N passed, N failed"); builds persist under
# build/nightly-test/ so a second `make test` is incremental.
TESTS += tests/nightly/test-buildsh.sh tests/nightly/test-nightly.sh
