# tests/nightly/: the nightly campaign (ci/nightly.sh), its triage and
# the OSS-Fuzz/ClusterFuzzLite build script (docs/nightly.md).

# Shell tests (each prints "N passed, N failed"). test-nightly.sh builds
# its clean variants where `make fuzz` builds them (build/, shared with
# the fuzz smoke tests) and its zoo variant beside them, so a second
# `make test` is incremental.
TESTS += tests/nightly/test-buildsh.sh tests/nightly/test-nightly.sh
