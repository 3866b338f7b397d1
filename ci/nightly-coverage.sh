# ci/nightly-coverage.sh: source coverage of the whole working corpus
# (sourced by ci/nightly.sh; docs/nightly.md, "Coverage").
#
# The engine-free tools are built with -fprofile-instr-generate
# -fcoverage-mapping and no sanitizer ($CV), every corpus input is
# replayed through them (a report ends a run, not the process, so one
# process replays many inputs), and llvm-profdata-14 / llvm-cov-14 turn
# the profiles into an HTML report and per-target and per-folder line
# and branch percentages. Built in coverage.tmp/, renamed into place.

# cov_totals JSON: "lines_pct branches_pct" of an llvm-cov export summary
cov_totals() {
	jq -r '.data[0].totals | "\(.lines.percent * 100 | round / 100) \(.branches.percent * 100 | round / 100)"' "$1"
}

coverage_all() {
	local cd=$ND/coverage tmp=$ND/coverage.tmp t bin objs=() first="" rc ign='^/usr/|^tests/'
	rm -rf "$tmp"
	mkdir -p "$tmp/raw" || die "cannot create $tmp"
	note "coverage: replaying the corpus through the coverage build"
	for t in $NIGHTLY_TARGETS; do
		bin=$(tool_of "$t" "$CV")
		# xargs exits 123 when a replay reported (exit 1): expected, a
		# corpus input may reach a zoo bug; anything else is an error
		find "$ND/corpus/$t" -maxdepth 1 -type f ! -name '*.tmp.*' -print0 | sort -z |
			LLVM_PROFILE_FILE="$tmp/raw/$t-%p.profraw" timeout 1800 \
			xargs -0 -n 100 "$bin" run > "$tmp/replay-$t.log" 2>&1
		rc=$?
		[ $rc = 0 ] || [ $rc = 123 ] ||
			{ tail -n 20 "$tmp/replay-$t.log" >&2; die "coverage replay of $t failed ($rc)"; }
		ls "$tmp"/raw/"$t"-*.profraw >/dev/null 2>&1 || die "coverage: no profile for $t"
		llvm-profdata-14 merge -sparse "$tmp"/raw/"$t"-*.profraw -o "$tmp/$t.profdata" ||
			die "llvm-profdata-14 merge failed for $t"
		llvm-cov-14 export -summary-only -instr-profile "$tmp/$t.profdata" \
			-ignore-filename-regex="$ign" "$bin" > "$tmp/$t.json" ||
			die "llvm-cov-14 export failed for $t"
		if [ -z "$first" ]; then first=$bin; else objs+=(-object "$bin"); fi
	done
	llvm-profdata-14 merge -sparse "$tmp"/raw/*.profraw -o "$tmp/all.profdata" ||
		die "llvm-profdata-14 merge failed"
	rm -rf "$tmp/raw"
	llvm-cov-14 show -format=html -show-branches=count -output-dir="$tmp/html" \
		-instr-profile "$tmp/all.profdata" -ignore-filename-regex="$ign" "$first" "${objs[@]}" ||
		die "llvm-cov-14 show failed"
	llvm-cov-14 export -summary-only -instr-profile "$tmp/all.profdata" \
		-ignore-filename-regex="$ign" "$first" "${objs[@]}" > "$tmp/all.json" ||
		die "llvm-cov-14 export failed"
	llvm-cov-14 export -format=lcov -instr-profile "$tmp/all.profdata" \
		-ignore-filename-regex="$ign" "$first" "${objs[@]}" > "$tmp/all.lcov" ||
		die "llvm-cov-14 export (lcov) failed"
	# per folder: the first path component of each file
	jq --arg pwd "$PWD/" '[.data[0].files[]
		| {dir: (.filename | ltrimstr($pwd) | split("/")[0]),
		   lc: .summary.lines.count, lh: .summary.lines.covered,
		   bc: .summary.branches.count, bh: .summary.branches.covered}]
		| group_by(.dir)
		| map({key: .[0].dir, value: {
			lines: (if (map(.lc) | add) > 0 then ((map(.lh) | add) * 10000 / (map(.lc) | add) | round) / 100 else 0 end),
			branches: (if (map(.bc) | add) > 0 then ((map(.bh) | add) * 10000 / (map(.bc) | add) | round) / 100 else 0 end),
			lines_covered: (map(.lh) | add), lines_total: (map(.lc) | add),
			branches_covered: (map(.bh) | add), branches_total: (map(.bc) | add)}})
		| from_entries' "$tmp/all.json" > "$tmp/folders.json" || die "coverage summary failed"
	{
		printf '%-14s %8s %10s\n' folder lines% branches%
		jq -r 'to_entries[] | "\(.key) \(.value.lines) \(.value.branches)"' "$tmp/folders.json" |
			awk '{ printf "%-14s %8.2f %10.2f\n", $1, $2, $3 }'
		read -r l b < <(cov_totals "$tmp/all.json")
		printf '%-14s %8.2f %10.2f\n' total "$l" "$b"
	} > "$tmp/summary.txt"
	rm -rf "$cd.old"
	[ -d "$cd" ] && mv "$cd" "$cd.old"
	mv "$tmp" "$cd" || die "cannot move the coverage report into place"
	rm -rf "$cd.old"
}
