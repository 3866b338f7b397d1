# tests/nightly/lib.sh: helpers of the nightly tests. Each check prints
# "ok" or "FAIL" with its name; `finish` prints "N passed, N failed".
pass=0; failn=0
ok()   { echo "ok   $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL $*"; failn=$((failn + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$pass passed, $failn failed"; [ "$failn" -eq 0 ]; }
# Builds persist under build/nightly-test/ between runs (incremental);
# campaign state lives in a fresh directory under it, removed at exit
# (afl-cmin refuses /tmp).
TB=build/nightly-test
mkdir -p "$TB"
T=$(mktemp -d "$TB/tmp.XXXXXX")
trap 'rm -rf "$T"' EXIT
