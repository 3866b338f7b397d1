# ci/nightly-report.sh: report.md and summary.json of a campaign
# (sourced by ci/nightly.sh; docs/nightly.md, "Report"). Both are
# written last, through temporary names: a report exists only for a
# campaign that ran to the end.

write_report() {
	local t e sig sigs_json stats cov tj="{}" j rows=$ND/triage/rows.tsv
	# signatures, one object each
	sigs_json=$(for sig in "${!SIG_STATE[@]}"; do
		cat "$ND/findings/$(sig_slug "$sig")/info.json"
	done | jq -s 'sort_by(.status, .signature)')
	# per target and engine: the engine's figures and what its inputs gave
	for t in $NIGHTLY_TARGETS; do
		for e in $NIGHTLY_ENGINES; do
			stats=$(cat "$ND/stats/$t-$e.json" 2>/dev/null || echo '{}')
			j=$(awk -F'\t' -v t="$t" -v e="$e" '$1 == t && $2 == e' "$rows" 2>/dev/null |
				jq -R -s --argjson sigs "$sigs_json" '
				[split("\n")[] | select(length > 0) | split("\t")
				 | {raw: .[2], state: .[3], sig: .[4]}] as $r
				| ($sigs | map({(.signature): .status}) | add // {}) as $st
				| {findings: ($r | length),
				   new_signatures: ([$r[] | select(.state == "repro" and $st[.sig] == "new") | .sig] | unique),
				   known_signatures: ([$r[] | select($st[.sig] == "known") | .sig] | unique),
				   flaky: ([$r[] | select(.state == "flaky")] | length),
				   this_run: ([$r[] | select(.raw | startswith("r'"$run"'-"))] | length)}')
			tj=$(jq --arg t "$t" --arg e "$e" --argjson s "$stats" --argjson j "$j" \
				'.[$t].engines[$e] = ($s + $j)' <<<"$tj")
		done
		cov='null'
		[ -f "$ND/coverage/$t.json" ] && cov=$(jq '.data[0].totals
			| {lines: (.lines.percent * 100 | round / 100),
			   branches: (.branches.percent * 100 | round / 100)}' "$ND/coverage/$t.json")
		tj=$(jq --arg t "$t" --argjson n "$(ncorpus "$t")" --argjson c "$cov" \
			'.[$t].corpus_size = $n | .[$t].coverage = $c' <<<"$tj")
	done
	cov='null'
	[ -f "$ND/coverage/folders.json" ] && cov=$(jq --slurpfile f "$ND/coverage/folders.json" \
		'.data[0].totals | {lines: (.lines.percent * 100 | round / 100),
		  branches: (.branches.percent * 100 | round / 100), folders: $f[0],
		  html: "coverage/html/index.html"}' "$ND/coverage/all.json")
	jq -n --argjson run "$run" --arg commit "$(git rev-parse --short HEAD 2>/dev/null)" \
		--arg zoo "$ZOO" --arg alloc "${LABYRINTH_ALLOC:-labyrinth}" --argjson time "$NIGHTLY_TIME" --argjson jobs "$JOBS" \
		--arg engines "$NIGHTLY_ENGINES" --argjson status "$STATUS" \
		--argjson targets "$tj" --argjson sigs "$sigs_json" --argjson cov "$cov" \
		'{run: $run, commit: $commit, zoo: $zoo, allocator: $alloc, nightly_time: $time, jobs: $jobs,
		  engines: ($engines | split(" ")), exit_status: $status,
		  verdict: (if $status == 1 then "new reproducible signature" else "nothing new" end),
		  new_signatures: [$sigs[] | select(.status == "new") | .signature],
		  targets: $targets, signatures: $sigs, coverage: $cov}' |
		put_text "$ND/summary.json"
	report_md | put_text "$ND/report.md"
	echo
	cat "$ND/report.md"
}

report_md() {
	local s=$ND/summary.json
	jq -r '
	def pct: if . == null then "-" else "\(.)%" end;
	"# labyrinth nightly, run \(.run) (commit \(.commit)\(if .zoo != "" then ", zoo build `\(.zoo)`" else "" end)\(if (.allocator // "labyrinth") != "labyrinth" then ", allocator `\(.allocator)`" else "" end))",
	"",
	"**\(if .exit_status == 1 then "NEW: " + (.new_signatures | join(", ")) else "Nothing new." end)** "
	+ "\(.nightly_time) s per target and engine, \(.jobs) job(s); engines: \(.engines | join(", ")).",
	"",
	"## Targets",
	"",
	"| target | engine | execs | exec/s | engine corpus | coverage (engine) | stability | findings | new | known | flaky |",
	"|---|---|---:|---:|---:|---|---:|---:|---|---|---:|",
	(.targets | to_entries[] | .key as $t | .value.engines | to_entries[] |
	 "| \($t) | \(.key) (\(.value.engine // "-"), \(.value.sanitizer // "-")) | \(.value.executions // "-") | \(.value.exec_per_sec // "-") | \(.value.corpus_size // "-") | \(if .value.edges then "\(.value.edges) edges" elif .value.bitmap_coverage then .value.bitmap_coverage else "-" end) | \(.value.stability // "-") | \(.value.findings) | \(.value.new_signatures | join(" ")) | \(.value.known_signatures | join(" ")) | \(.value.flaky) |"),
	"",
	"| target | merged corpus | lines | branches |",
	"|---|---:|---:|---:|",
	(.targets | to_entries[] | "| \(.key) | \(.value.corpus_size) | \(.value.coverage.lines | pct) | \(.value.coverage.branches | pct) |"),
	"",
	"## Signatures",
	"",
	(if (.signatures | length) == 0 then "None." else
	 "| status | signature | target | engine | replays | inputs | reproducer | minimized by |",
	 "|---|---|---|---|---|---:|---|---|",
	 (.signatures[] | "| \(.status)\(if .known_from != "" then " (" + .known_from + ")" else "" end) | `\(.signature)` | \(.target) | \(.engine) | \(.replays) | \(.raw_inputs) | findings/\(.signature | gsub("/"; "__") | gsub("[^A-Za-z0-9._-]"; "_"))/repro (\(.repro_bytes) of \(.raw_bytes) bytes) | \(.minimized_by) |")
	 end),
	"",
	"Replay a finding: `\(.signatures[0].replay // "build/bin/labyrinth run -v FILE")`.",
	"A known signature is listed in ci/known-signatures.txt (or NIGHTLY_KNOWN) or reproduced by corpus/regressions/.",
	"",
	"## Coverage (llvm-cov, whole corpus replayed)",
	"",
	(if .coverage == null then "Not measured (NIGHTLY_COVERAGE=0)." else
	 "| folder | lines | branches |", "|---|---:|---:|",
	 (.coverage.folders | to_entries[] | "| \(.key) | \(.value.lines)% | \(.value.branches)% |"),
	 "| **total** | **\(.coverage.lines)%** | **\(.coverage.branches)%** |",
	 "", "HTML: coverage/html/index.html" end)
	' "$s"
}
