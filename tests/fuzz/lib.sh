# tests/fuzz/lib.sh: helpers for the shell tests of tests/fuzz/.
# Each check prints "ok" or "FAIL" with its name; `finish` prints the
# "N passed, N failed" line (STYLE.md example 13) and sets the exit code.
pass=0; failn=0
ok()   { echo "ok   $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL $*"; failn=$((failn + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$pass passed, $failn failed"; [ "$failn" -eq 0 ]; }
# A temporary directory under build/, removed at exit (afl-cmin refuses
# /tmp, and nothing here should leave files behind).
mk_tmp() { T=$(mktemp -d "${BUILD_DIR:-build}/tmp.fuzztest.XXXXXX"); trap 'rm -rf "$T"' EXIT; }
