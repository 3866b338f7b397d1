# tests/docs/: docs that cannot rot. Runs every ```sh and ```console
# block of README.md and docs/*.md as written, in a temporary copy of the
# tree, with FUZZ_TIME=3 and NIGHTLY_TIME=10 in the environment
# (docs/guide.md, "Docs that cannot rot").
TESTS += tests/docs/run-docs.sh
# The runner itself, proven on fixtures: passes correct blocks, fails
# each kind of rot, never writes to the tree.
TESTS += tests/docs/test-run-docs.sh

# `make docs-test`: the docs runner alone (it builds what its blocks need).
.PHONY: docs-test
docs-test:
	@tests/docs/run-docs.sh
