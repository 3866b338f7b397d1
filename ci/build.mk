# ci/: the nightly campaign and the OSS-Fuzz / ClusterFuzzLite build
# (docs/nightly.md). ci/nightly.sh and .clusterfuzzlite/build.sh ask
# make where a variant's objects go rather than guessing (a zoo build
# may name its directory differently).
.PHONY: nightly-print-B
nightly-print-B:
	@echo $(B)
