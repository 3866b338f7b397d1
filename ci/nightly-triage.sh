# ci/nightly-triage.sh: triage of a campaign's crash inputs (sourced by
# ci/nightly.sh; docs/nightly.md, "Triage").
#
# Every input in the raw store is replayed NIGHTLY_REPLAYS times, each
# in a fresh process of the engine-free tool (labyrinth run, scn-<t>
# run) built with the sanitizer that found it. Its signature is the
# `signature:` line of our detectors, or one made from a sanitizer's own
# report (sig_of_log). Same signature every time: reproducible; some
# replays differ or run clean: flaky (reported, never fails the night).
# Signatures are then split into known (ci/known-signatures.txt,
# NIGHTLY_KNOWN, the regression corpus) and new; a new reproducible one
# is minimized and stored in findings/<slug>/ with its report, and makes
# the exit status 1.

# replay_once T ENGINE FILE LOG: one fresh-process replay through the
# fuzz target's own harness (its libFuzzer binary run on one file, the
# replay binary of OSS-Fuzz style projects) built with the sanitizer of
# the engine that found it; prints the signature, or "clean".
replay_bin() { if [ "$2" = tsan ]; then echo "$LF_tsan/fuzz/$1-libfuzzer"; else echo "$LF_asan/fuzz/$1-libfuzzer"; fi; }
replay_once() {
	local t=$1 e=$2 f=$3 log=$4 pre=() rc s
	[ "$e" = tsan ] && pre=("${SETARCH[@]}")
	ASAN_OPTIONS=$REPLAY_ASAN timeout -k 5 "$NIGHTLY_REPLAY_TIMEOUT" "${pre[@]}" \
		"$(replay_bin "$t" "$e")" -timeout=$((NIGHTLY_REPLAY_TIMEOUT / 2)) "$f" > "$log" 2>&1 9>&-
	rc=$?
	case $rc in
	0)	echo clean; return ;;
	124|137) echo "timeout/$t/-"; return ;;
	esac
	s=$(sig_of_log "$log" "$t")
	if [ -n "$s" ]; then echo "$s"; else echo "crash-exit-$rc/$t/-"; fi
}

# report_of T ENGINE FILE OUT: the long report of a finding: the
# engine-free tool's verbose replay (kernel-style report and the
# schedule trace), then the harness replay with the sanitizer's output.
report_of() {
	local t=$1 e=$2 f=$3 out=$4 hb=$HB_asan pre=()
	if [ "$e" = tsan ]; then hb=$HB_tsan; pre=("${SETARCH[@]}"); fi
	{
		echo "\$ $(tool_of "$t" "$hb") run -v $f"
		ASAN_OPTIONS=$REPLAY_ASAN timeout -k 5 "$NIGHTLY_REPLAY_TIMEOUT" "${pre[@]}" \
			"$(tool_of "$t" "$hb")" run -v "$f" 2>&1 9>&-
		echo
		echo "\$ $(replay_bin "$t" "$e") $f"
		replay_once "$t" "$e" "$f" "$out.replay" > /dev/null
		cat "$out.replay"
		rm -f "$out.replay"
	} > "$out"
}

# tool_id T ENGINE: identifies the replaying build, so a cached verdict
# is dropped when the code under test changes
tool_id() { sha1sum < "$(replay_bin "$1" "$2")" | cut -c1-12; }

# triage_file T ENGINE FILE: "state<TAB>signature<TAB>hits" where state
# is repro or flaky; cached per input and tool build.
triage_file() {
	local t=$1 e=$2 f=$3 key cache i s best n k other
	key=$(basename "$f").$(tool_id "$t" "$e")
	cache=$ND/triage/$t/$e/$key
	if [ -s "$cache" ]; then cat "$cache"; return; fi
	mkdir -p "$ND/triage/$t/$e" || die "cannot create $ND/triage/$t/$e"
	declare -A count=()
	local reps=$NIGHTLY_REPLAYS
	for ((i = 0; i < reps; i++)); do
		s=$(replay_once "$t" "$e" "$f" "$cache.log.$i")
		count[$s]=$(( ${count[$s]:-0} + 1 ))
		# a signature already reproduced by three inputs: one replay
		# is enough to put one more input in its bucket
		[ $i = 0 ] && [ "${SIG_REPRO_N[$s]:-0}" -ge 3 ] && reps=1
		# keep one log of a failing replay as the report
		if [ "$s" != clean ] && [ ! -f "$cache.log" ]; then
			mv -f "$cache.log.$i" "$cache.log"
		else
			rm -f "$cache.log.$i"
		fi
	done
	best=clean; n=0
	for s in "${!count[@]}"; do
		[ "$s" = clean ] && continue
		if [ "${count[$s]}" -gt "$n" ]; then best=$s; n=${count[$s]}; fi
	done
	if [ "$best" != clean ] && [ "$n" -eq "$reps" ]; then
		s=repro
		other=
	else
		s=flaky
		[ "$best" = clean ] && best="unreproducible/$t/-"
		# what the other replays gave, so a flake can be chased
		other=" ($(for k in "${!count[@]}"; do [ "$k" = "$best" ] ||
			printf '%s x%s, ' "$k" "${count[$k]}"; done | sed 's/, $//'))"
	fi
	printf '%s\t%s\t%s/%s%s\n' "$s" "$best" "$n" "$reps" "$other" | put_text "$cache"
	cat "$cache"
}

# load_known: KNOWN[signature]=where it is known from
declare -A KNOWN=()
load_known() {
	local f s t r
	for f in ci/known-signatures.txt $NIGHTLY_KNOWN; do
		[ -f "$f" ] || { [ "$f" = ci/known-signatures.txt ] && continue; die "no known-signatures file $f"; }
		while read -r s _; do
			[ -n "$s" ] && KNOWN[$s]=$f
		done < <(sed -e 's/#.*//' "$f")
	done
	# the regression corpus: a signature named in a file's comment, and
	# whatever a regression input reproduces on this build
	[ -d corpus/regressions ] || return 0
	while read -r f; do
		s=$(sed -nE 's/^[#; ]*signature: *([^ ]+).*/\1/p' "$f" 2>/dev/null | head -n 1)
		[ -n "$s" ] && KNOWN[$s]=$f
		t=$(basename "$(dirname "$f")")
		[ "$t" = regressions ] && t=ops
		[[ " $NIGHTLY_TARGETS " == *" $t "* ]] || continue
		r=$(replay_once "$t" libfuzzer "$f" "$ND/triage/regression.log")
		[ "$r" != clean ] && KNOWN[$r]=$f
	done < <(find corpus/regressions -type f | sort)
	rm -f "$ND/triage/regression.log"
}

# minimize T ENGINE SIG RAW OUT: the smallest input that still gives SIG,
# by `labyrinth minimize` (ops programs, detector signatures), else by
# libFuzzer's -minimize_crash; each result must replay to SIG in fresh
# processes, otherwise the raw input is kept as it is.
minimize() {
	local t=$1 e=$2 sig=$3 raw=$4 out=$5 w hb=$HB_asan lf=$LF_asan pre=() i ok
	w=$ND/work/$t/minimize
	mkdir -p "$w"
	if [ "$e" = tsan ]; then hb=$HB_tsan; lf=$LF_tsan; pre=("${SETARCH[@]}"); fi
	verify() {
		[ -s "$1" ] || return 1
		for ((i = 0; i < 3; i++)); do
			[ "$(replay_once "$t" "$e" "$1" "$w/verify.log")" = "$sig" ] || return 1
		done
	}
	rm -f "$w/min"
	if [ "$t" = ops ]; then
		TSAN_OPTIONS=halt_on_error=0 ASAN_OPTIONS=$REPLAY_ASAN timeout -k 5 $((NIGHTLY_MIN_TIME * 2)) \
			"${pre[@]}" "$hb/tools/labyrinth" minimize "$raw" -o "$w/min" > "$w/minimize.log" 2>&1 9>&-
		if verify "$w/min"; then
			put_file "$w/min" "$out"
			echo "labyrinth minimize"
			return
		fi
	fi
	rm -f "$w/min"
	ASAN_OPTIONS=$FUZZ_ASAN timeout -k 5 $((NIGHTLY_MIN_TIME + 60)) "${pre[@]}" \
		"$lf/fuzz/$t-libfuzzer" -minimize_crash=1 -max_total_time="$NIGHTLY_MIN_TIME" \
		-timeout=25 -exact_artifact_path="$w/min" "$raw" > "$w/minimize-lf.log" 2>&1 9>&-
	if verify "$w/min"; then
		put_file "$w/min" "$out"
		echo "libFuzzer -minimize_crash"
		return
	fi
	put_file "$raw" "$out"
	echo "none (no smaller input kept the signature)"
}

# store_finding SIG STATE: findings/<slug>/ for one signature: the
# minimized reproducer (repro, and repro.lab as text), the raw input
# (crash), the report of a verbose replay (report.txt), info.json.
# Built in a temporary directory and renamed into place; an existing
# finding keeps its reproducer and gets a fresh info.json.
store_finding() {
	local sig=$1 state=$2 slug d tmp raw t e how=""
	slug=$(sig_slug "$sig")
	d=$ND/findings/$slug
	IFS=$'\t' read -r t e raw <<<"${SIG_FIRST[$sig]}"
	if [ ! -f "$d/repro" ] ||
	   { [ "$state" = new ] && grep -q '^not minimized' "$d/minimized-by" 2>/dev/null; }; then
		tmp=$ND/findings/.tmp.$slug.$$
		rm -rf "$tmp"
		mkdir -p "$tmp" || die "cannot create $tmp"
		put_file "$raw" "$tmp/crash"
		if [ "$state" = new ]; then
			note "minimizing $sig ($t, $e)"
			how=$(minimize "$t" "$e" "$sig" "$raw" "$tmp/repro")
		else
			put_file "$raw" "$tmp/repro"
			how="not minimized ($state)"
		fi
		report_of "$t" "$e" "$tmp/repro" "$tmp/report.txt"
		"$(tool_of "$t" "$HB_asan")" show "$tmp/repro" > "$tmp/repro.lab" 2>/dev/null ||
			rm -f "$tmp/repro.lab"
		printf '%s\n' "$how" > "$tmp/minimized-by"
		rm -rf "$d"
		mv "$tmp" "$d" || die "cannot store finding $d"
	fi
	jq -n --arg sig "$sig" --arg state "$state" --arg t "$t" --arg e "$e" \
		--arg known "${KNOWN[$sig]:-}" --argjson run "$run" \
		--arg hits "${SIG_HITS[$sig]}" --argjson raw "${SIG_RAW[$sig]}" \
		--argjson bytes "$(stat -c %s "$d/repro")" --argjson rawbytes "$(stat -c %s "$d/crash")" \
		--arg how "$(cat "$d/minimized-by" 2>/dev/null)" \
		--arg cmd "$(tool_of "$t" "$([ "$e" = tsan ] && echo "$HB_tsan" || echo "$HB_asan")") run -v $d/repro" \
		'{signature: $sig, status: $state, target: $t, engine: $e, known_from: $known,
		  replays: $hits, raw_inputs: $raw, repro_bytes: $bytes, raw_bytes: $rawbytes,
		  minimized_by: $how, replay: $cmd, last_run: $run}' | put_text "$d/info.json"
}

# triage_all: sets STATUS (0/1) and writes triage.json for the report
declare -A SIG_FIRST=() SIG_HITS=() SIG_RAW=() SIG_STATE=() SIG_REPRO_N=() SIG_FULL=()
triage_all() {
	local t e f line state sig hits full rows=$ND/triage/rows.tsv.$$
	load_known
	: > "$rows"
	for t in $NIGHTLY_TARGETS; do
		for e in libfuzzer afl tsan; do
			for f in "$ND/raw/$t/$e"/r*; do
				[ -f "$f" ] || continue
				line=$(triage_file "$t" "$e" "$f")
				IFS=$'\t' read -r state sig hits <<<"$line"
				printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$e" "$(basename "$f")" \
					"$state" "$sig" "$hits" >> "$rows"
				SIG_RAW[$sig]=$(( ${SIG_RAW[$sig]:-0} + 1 ))
				# the reproducer of a signature: its smallest reproducible
				# input among those replayed NIGHTLY_REPLAYS times (an
				# input put in a well-known bucket by one replay is only
				# taken while there is no other)
				if [ "$state" = repro ]; then
					SIG_REPRO_N[$sig]=$(( ${SIG_REPRO_N[$sig]:-0} + 1 ))
					full=0; [ "${hits#*/}" = "$NIGHTLY_REPLAYS" ] && full=1
					if [ "${SIG_STATE[$sig]:-}" != repro ] ||
					   [ "$full" -gt "${SIG_FULL[$sig]}" ] ||
					   { [ "$full" = "${SIG_FULL[$sig]}" ] &&
					     [ "$(stat -c %s "$f")" -lt "$(stat -c %s "$(cut -f3 <<<"${SIG_FIRST[$sig]}")")" ]; }; then
						SIG_FIRST[$sig]=$t$'\t'$e$'\t'$f
						SIG_HITS[$sig]=$hits
						SIG_FULL[$sig]=$full
					fi
					SIG_STATE[$sig]=repro
				elif [ -z "${SIG_FIRST[$sig]:-}" ]; then
					SIG_FIRST[$sig]=$t$'\t'$e$'\t'$f
					SIG_HITS[$sig]=$hits
					SIG_STATE[$sig]=flaky
				fi
			done
		done
	done
	STATUS=0
	NEW_SIGS=()
	for sig in "${!SIG_FIRST[@]}"; do
		if [ -n "${KNOWN[$sig]:-}" ]; then state=known
		elif [ "${SIG_STATE[$sig]}" = repro ]; then state=new; STATUS=1; NEW_SIGS+=("$sig")
		else state=flaky
		fi
		SIG_STATE[$sig]=$state
		store_finding "$sig" "$state"
	done
	put_text "$ND/triage/rows.tsv" < "$rows"
	rm -f "$rows"
}
