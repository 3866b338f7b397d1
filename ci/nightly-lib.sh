# ci/nightly-lib.sh: helpers shared by ci/nightly.sh and its tests
# (sourced, not run). docs/nightly.md explains the layout they serve.
#
# Every file a campaign keeps is written under a temporary name in the
# same directory and renamed into place, so a campaign killed at any
# instant (SIGTERM or SIGKILL) leaves either the old file or the new
# one, never half of one (rename(2) is atomic within a filesystem).

die()  { echo "nightly: error: $*" >&2; exit 2; }
note() { echo "nightly: $*" >&2; }

# need CMD...: each command must exist; a missing tool is an error,
# never a silently skipped engine.
need() {
	local c missing=()
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] ||
		die "missing tool(s): ${missing[*]} (make deps installs the Debian packages)"
}

# disk_check DIR MB: at least MB megabytes free where DIR lives.
disk_check() {
	local free
	free=$(df -Pm "$1" 2>/dev/null | awk 'NR == 2 { print $4 }')
	[ -n "$free" ] || die "cannot read free space of $1"
	[ "$free" -ge "$2" ] ||
		die "only $free MB free under $1, need $2 MB (NIGHTLY_MIN_FREE_MB): disk full?"
}

# put_file SRC DST: copy SRC to DST through a temporary name.
put_file() {
	local tmp="$2.tmp.$$"
	cp -- "$1" "$tmp" 2>/dev/null && mv -f -- "$tmp" "$2" && return 0
	rm -f -- "$tmp"
	die "cannot write $2 (disk full or read-only?)"
}

# put_text DST: stdin to DST through a temporary name.
put_text() {
	local tmp="$1.tmp.$$"
	cat > "$tmp" 2>/dev/null && mv -f -- "$tmp" "$1" && return 0
	rm -f -- "$tmp"
	die "cannot write $1 (disk full or read-only?)"
}

# sig_slug SIG: a signature as a directory name (KIND/FUNC/CTX -> KIND__FUNC__CTX).
sig_slug() {
	printf '%s' "$1" | sed -e 's#/#__#g' -e 's#[^A-Za-z0-9._-]#_#g'
}

# sig_of_log FILE: the signature a replay printed, or one made from a
# sanitizer's own report (which has no `signature:` line): KIND/FUNC/CTX
# with KIND asan-<error>, ubsan-<check>, data-race, lsan-leak, and the
# first frame's function; CTX "-" since the sanitizer does not know it.
# Prints nothing when the log holds neither.
sig_of_log() {
	local f=$1 s kind fn
	s=$(sed -nE 's/.*signature: ([^ ]+)[[:space:]]*$/\1/p' "$f" | tail -n 1)
	if [ -n "$s" ]; then
		printf '%s\n' "$s"
		return
	fi
	# the first "#0 ... in FUNC" frame after the sanitizer's headline
	fn=$(sed -nE 's/^ *#0 (0x[0-9a-f]+ in )?([^ ]+).*/\2/p' "$f" | head -n 1)
	[ -n "$fn" ] || fn=unknown
	if grep -q 'ERROR: libFuzzer: timeout' "$f"; then
		echo "timeout/${2:-target}/-"; return
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$f"; then
		echo "oom/${2:-target}/-"; return
	elif grep -q 'ERROR: LeakSanitizer' "$f"; then
		kind=lsan-leak
	elif grep -q 'WARNING: ThreadSanitizer: data race' "$f"; then
		kind=data-race
		# TSan's first frame of the first access is the racy function
	elif grep -q 'WARNING: ThreadSanitizer:' "$f"; then
		kind=tsan-$(sed -nE 's/.*WARNING: ThreadSanitizer: ([a-z -]+).*/\1/p' "$f" |
			head -n 1 | sed 's/ *$//; s/ /-/g')
	elif grep -q 'ERROR: AddressSanitizer:' "$f"; then
		kind=asan-$(sed -nE 's/.*ERROR: AddressSanitizer: ([a-z-]+).*/\1/p' "$f" | head -n 1)
	elif grep -q 'runtime error:' "$f"; then
		kind=ubsan-$(sed -nE 's/.*runtime error: ([a-z]+( [a-z]+)?).*/\1/p' "$f" |
			head -n 1 | sed 's/ /-/g')
	else
		return
	fi
	printf '%s/%s/-\n' "$kind" "$fn"
}

# opt_flags FILE: the [libfuzzer] section of a .options file as
# -key=value flags (dict names are relative to the options file).
opt_flags() {
	local f=$1 dir
	[ -f "$f" ] || return 0
	dir=$(dirname "$f")
	awk -v sec="[libfuzzer]" -v dir="$dir" '
		/^[ \t]*#/ { next }
		/^\[/ { on = ($0 == sec); next }
		on && /=/ { gsub(/[ \t]/, ""); split($0, kv, "=");
			v = kv[2]; if (kv[1] == "dict") v = dir "/" v;
			printf "-%s=%s\n", kv[1], v }' "$f"
}

# afl_timeout FILE: the [afl] timeout (ms) of a .options file, if any.
afl_timeout() {
	awk -F= '/^\[afl\]/ { on = 1; next } /^\[/ { on = 0 }
		on && $1 ~ /timeout/ { gsub(/ /, "", $2); print $2 }' "$1" 2>/dev/null
}

# stat_of FILE KEY: one value from an AFL++ fuzzer_stats file.
stat_of() {
	awk -F' *: *' -v k="$2" '$1 == k { print $2 }' "$1" 2>/dev/null
}
