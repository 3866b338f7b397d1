#!/usr/bin/env bash
# tests/docs/run-docs.sh: docs that cannot rot (docs/guide.md, last section).
#
# Runs every command block of README.md and docs/*.md as written, in a
# temporary copy of the work tree, and prints "N passed, N failed".
#
#   ```sh        the block is one bash -e -o pipefail script: must exit 0
#   ```console   each "$ " line is a command ("\" at the end continues it);
#                exit status 0, or N if the output shown has "(exit N)";
#                every other output line shown (not "...") must appear in
#                the real output, in order; "..." inside a line matches
#                anything
#   <!-- docs-test: skip: REASON -->   on the line before the fence: the
#                block is listed with its reason, not run
#   an unlabeled fence whose first line looks like a command fails: label it
#   a relative link ([text](path)) to a file that does not exist fails
#
# Time is bounded in the open: blocks see FUZZ_TIME=3 and NIGHTLY_TIME=10
# in their environment, and each block gets at most BLOCK_TIMEOUT (300) s.
#
# usage: tests/docs/run-docs.sh [--list] [FILE.md...]
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
BLOCK_TIMEOUT=${BLOCK_TIMEOUT:-300}
LIST=0
if [ "${1:-}" = --list ]; then LIST=1; shift; fi
if [ $# -gt 0 ]; then FILES=("$@"); else FILES=(README.md docs/*.md); fi

if [ -n "${LABYRINTH_DOCS_TEST:-}" ] && [ $LIST = 0 ]; then
	echo "run-docs: already inside a docs test; not running blocks again"
	echo "0 passed, 0 failed"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/labyrinth-docs.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/blocks"

# ---- extract: one file per block, and an index line per block ----------
# index: NNN<TAB>file<TAB>line<TAB>kind<TAB>note
# kind: sh, console, skip (note = reason), unlabeled (note = first line)
for f in "${FILES[@]}"; do
	[ -f "$f" ] || { echo "run-docs: $f: no such file" >&2; exit 2; }
	awk -v file="$f" -v dir="$WORK/blocks" '
		function cmdlike(s) {
			return s ~ /^(\$ |make( |$)|sudo |build\/|\.\/|labyrinth |git |cp |mkdir |cd |tests\/|fuzz\/|ci\/)/
		}
		BEGIN { n = 0; inb = 0; skip = "" }
		!inb && /^```/ {
			lang = substr($0, 4); gsub(/[ \t]/, "", lang)
			inb = 1; start = FNR; first = ""; body = ""; nl = 0
			next
		}
		inb && /^```[ \t]*$/ {
			inb = 0
			kind = ""
			if (lang == "sh" || lang == "console")
				kind = skip != "" ? "skip" : lang
			else if (lang == "" && cmdlike(first))
				kind = skip != "" ? "skip" : "unlabeled"
			if (kind != "") {
				id = sprintf("%s-%05d", file, start); gsub(/[\/.]/, "_", id)
				out = dir "/" id
				printf "%s", body > out; close(out)
				note = kind == "skip" ? skip : (kind == "unlabeled" ? first : "")
				printf "%s\t%s\t%d\t%s\t%s\t%s\n", id, file, start, kind, lang == "" ? "-" : lang, note == "" ? "-" : note
			}
			skip = ""
			next
		}
		inb {
			body = body $0 "\n"
			if (first == "" && $0 !~ /^[ \t]*$/) first = $0
			next
		}
		/<!-- *docs-test: *skip/ {
			s = $0; sub(/.*docs-test: *skip:? */, "", s); sub(/ *-->.*/, "", s)
			skip = s == "" ? "(no reason given)" : s
			next
		}
		/^[ \t]*$/ { next }
		{ skip = "" }
	' "$f" >> "$WORK/index" || exit 2
done
touch "$WORK/index"

# ---- links: every relative link of these files names a file that exists --
for f in "${FILES[@]}"; do
	awk '
		/^```/ { inb = !inb; next }
		inb { next }
		{
			line = $0
			while (match(line, /\]\([^) ]+\)/)) {
				t = substr(line, RSTART + 2, RLENGTH - 3)
				line = substr(line, RSTART + RLENGTH)
				if (t ~ /^(https?:|mailto:|#)/) continue
				sub(/#.*/, "", t)
				print FNR "\t" t
			}
		}
	' "$f" | while IFS=$'\t' read -r ln target; do
		[ -e "$(dirname "$f")/$target" ] || printf '%s\t%s\t%s\n' "$f" "$ln" "$target"
	done
done > "$WORK/badlinks"

if [ $LIST = 1 ]; then
	while IFS=$'\t' read -r id file line kind lang note; do
		case "$kind" in
		skip) echo "$file:$line: skip ($lang): $note" ;;
		unlabeled) echo "$file:$line: unlabeled command block: $note" ;;
		*) echo "$file:$line: $kind" ;;
		esac
	done < "$WORK/index"
	while IFS=$'\t' read -r file line target; do
		echo "$file:$line: broken link: $target"
	done < "$WORK/badlinks"
	exit 0
fi

# ---- the temporary tree -------------------------------------------------
# Sources copied; build/ hard-linked (every rule writes new files, so the
# originals are never modified), minus the fuzzers' working corpora.
TREE=$WORK/tree
mkdir -p "$TREE"
tar --exclude=./build --exclude=./.git -cf - . | tar -C "$TREE" -xf - || exit 2
if [ -d build ]; then
	cp -al build "$TREE/build" 2>/dev/null || cp -a build "$TREE/build"
	rm -rf "$TREE/build/fuzz-work" "$TREE/build/nightly"
fi

# What every block sees: the visible time bounds, and no make state of
# the `make test` that may be running us.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKE_TERMOUT MAKE_TERMERR
export FUZZ_TIME=3 NIGHTLY_TIME=10 LABYRINTH_DOCS_TEST=1
echo "run-docs: FUZZ_TIME=$FUZZ_TIME NIGHTLY_TIME=$NIGHTLY_TIME, at most ${BLOCK_TIMEOUT}s a block, in a copy of the tree"

pass=0; fail=0; skipped=0

# Does every expected line (file $1) appear, in order, in the output ($2)?
# Prints the first one that does not.
match_output() {
	awk -v expf="$1" '
		BEGIN {
			while ((getline l < expf) > 0) {
				sub(/[ \t]+$/, "", l)
				if (l == "..." || l ~ /^\(exit [0-9]+\)$/ || l ~ /^[ \t]*$/) continue
				want[++n] = l
			}
			i = 1
		}
		i <= n {
			line = $0; ok = 1; rest = line
			m = split(want[i], seg, /\.\.\./)
			for (k = 1; k <= m; k++) {
				if (seg[k] == "") continue
				p = index(rest, seg[k])
				if (!p) { ok = 0; break }
				rest = substr(rest, p + length(seg[k]))
			}
			if (ok) i++
		}
		END { if (i <= n) { print want[i]; exit 1 } }
	' "$2"
}

run_sh() {		# $1 block file; output in $2
	(cd "$TREE" && timeout "$BLOCK_TIMEOUT" bash -e -o pipefail "$1") < /dev/null > "$2" 2>&1
}

run_console() {		# $1 block file; output in $2; returns 0 if all commands pass
	local cmd="" expect="$WORK/expect" out="$WORK/cmdout" want rc line missing
	local -a cmds=() exps=()
	local cur=-1 cont=0
	# split into commands and the output shown after each
	while IFS= read -r line || [ -n "$line" ]; do
		if [ $cont = 1 ]; then
			cmds[$cur]+=$'\n'"$line"
			[[ "$line" == *\\ ]] || cont=0
		elif [[ "$line" == '$ '* ]]; then
			cur=$((cur + 1))
			cmds[$cur]=${line#\$ }
			exps[$cur]=""
			[[ "$line" == *\\ ]] && cont=1
		elif [ $cur -ge 0 ]; then
			exps[$cur]+="$line"$'\n'
		fi
	done < "$1"
	: > "$2"
	for ((k = 0; k <= cur; k++)); do
		printf '%s' "${exps[$k]}" > "$expect"
		want=0
		line=$(grep -E '^\(exit [0-9]+\)$' "$expect" | tail -n1)
		[ -n "$line" ] && want=${line//[^0-9]/}
		echo "\$ ${cmds[$k]}" >> "$2"
		(cd "$TREE" && timeout "$BLOCK_TIMEOUT" bash -o pipefail -c "${cmds[$k]}") < /dev/null > "$out" 2>&1
		rc=$?
		cat "$out" >> "$2"
		if [ "$rc" != "$want" ]; then
			echo "!! exit status $rc, the docs say $want" >> "$2"
			return 1
		fi
		if ! missing=$(match_output "$expect" "$out"); then
			echo "!! output has no line matching: $missing" >> "$2"
			return 1
		fi
	done
	return 0
}

while IFS=$'\t' read -r id file line kind lang note; do
	where="$file:$line"
	case "$kind" in
	skip)
		echo "skip $where ($lang): $note"
		skipped=$((skipped + 1))
		continue ;;
	unlabeled)
		echo "FAIL $where: unlabeled command block ('$note'): label it sh or console (or text), or mark it <!-- docs-test: skip: REASON -->"
		fail=$((fail + 1))
		continue ;;
	esac
	start=$(date +%s)
	if [ "$kind" = sh ]; then
		run_sh "$WORK/blocks/$id" "$WORK/out"
	else
		run_console "$WORK/blocks/$id" "$WORK/out"
	fi
	rc=$?
	el=$(( $(date +%s) - start ))
	if [ $rc = 0 ]; then
		echo "ok   $where ($kind, ${el}s)"
		pass=$((pass + 1))
	else
		echo "FAIL $where ($kind, ${el}s, exit $rc); its output (last 30 lines):"
		tail -n 30 "$WORK/out" | sed 's/^/     | /'
		fail=$((fail + 1))
	fi
done < "$WORK/index"

while IFS=$'\t' read -r file line target; do
	echo "FAIL $file:$line: broken link: $target does not exist"
	fail=$((fail + 1))
done < "$WORK/badlinks"

echo "run-docs: $skipped blocks skipped (listed above with their reasons)"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
