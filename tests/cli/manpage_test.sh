#!/usr/bin/env bash
# The manual page against the program. Each command's subsection of
# COMMANDS lists (.It Fl) exactly the options that command's --help lists,
# and DESCRIPTION those that precede a command; every option word any help
# prints is an option (.Fl) of the page and the other way round; every
# command has its subsection, its SYNOPSIS line and its EXIT STATUS entry.
# The page renders with man in 80 columns and groff -ww without a warning,
# whatis reads its NAME line, and every example whose output the page shows
# prints that output (from the source root). Needs no /dev/kvm; about 1 s.
#
# Usage: bash manpage_test.sh PATH_TO_XSVM MANPAGE
# MANPAGE is docs/xsvm.1 of a source tree: the examples run in its root.
set -u

X=${1:?usage: manpage_test.sh PATH_TO_XSVM MANPAGE}
PAGE=${2:?usage: manpage_test.sh PATH_TO_XSVM MANPAGE}

. "$(dirname "$0")/lib.sh"

X=$(realpath "$X")
PAGE=$(realpath "$PAGE")
ROOT=$(dirname "$(dirname "$PAGE")")
export LC_ALL=C.UTF-8 MANWIDTH=80

# The option lists of the page: "SECTION<TAB>OPTION" for each Fl of an
# item that starts with one (.It Fl), the section being the subsection
# (the command) within COMMANDS and the section elsewhere; "all<TAB>OPTION"
# for every Fl of the page.
page_options() {
	awk '
	/^\.Sh / { sh = substr($0, 5); ss = "" }
	/^\.Ss / { ss = substr($0, 5) }
	/^\./ {
		n = split($0, w, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (w[i] != "Fl" && w[i] != ".Fl")
				continue
			f = i < n ? "-" w[i + 1] : "-"
			print "all\t" f
			if (w[1] == ".It" && w[2] == "Fl")
				print (sh == "COMMANDS" ? ss : sh) "\t" f
		}
	}' "$PAGE"
}

# lines_of SECTION: the page's options listed in SECTION, sorted.
lines_of() {
	awk -F '\t' -v s="$1" '$1 == s { print $2 }' "$tmp/page" | sort -u
}

# compare WHAT HELP PAGE: both sorted lists; one failure per option that
# is in one only, one success when they are equal.
compare() {
	local what=$1 o n=0

	for o in $(comm -23 "$2" "$3"); do
		bad "$what: $o is in the help, not in the manual page"
		n=$((n + 1))
	done
	for o in $(comm -13 "$2" "$3"); do
		bad "$what: the manual page lists $o, the help does not"
		n=$((n + 1))
	done
	[ "$n" -ne 0 ] || ok "$what: the same $(wc -l <"$2") options: $(tr '\n' ' ' <"$2")"
}

page_options >"$tmp/page"

# -------------------------------------------------------------- commands

# The commands: those of `xsvm --help` and, as "cpuid NAME", those of
# `xsvm cpuid --help`.
{
	"$X" --help | awk '/^Commands:$/ { c = 1; next } /^$/ { c = 0 }
		c && /^  [a-z]/ { sub(/^  /, ""); sub(/  .*/, ""); print }'
	"$X" cpuid --help | awk '/^$/ { b++ } b == 1 && /^  [a-z]/ { print "cpuid " $1 }'
} | sort -u >"$tmp/commands"
want="cpuid build|cpuid check|cpuid diff|cpuid orders|explain|probe|run"
if [ "$(paste -sd '|' "$tmp/commands")" = "$want" ]; then
	ok "the helps name 7 commands: $want"
else
	bad "the helps name other commands" "$(paste -sd '|' "$tmp/commands")" "want $want"
fi
awk '/^\.Sh / { c = ($0 == ".Sh COMMANDS") } c && /^\.Ss / { print substr($0, 5) }' \
	"$PAGE" | sort >"$tmp/subsections"
if cmp -s "$tmp/commands" "$tmp/subsections"; then
	ok "COMMANDS has one subsection per command"
else
	bad "COMMANDS: subsections differ from the commands" \
		"$(diff "$tmp/commands" "$tmp/subsections" | grep '^[<>]')"
fi
while read -r c; do
	for sh in SYNOPSIS "EXIT STATUS"; do
		if awk -v sh=".Sh $sh" -v c="$c" '/^\.Sh / { in_sh = ($0 == sh) }
			in_sh && ($0 == ".Cm " c || $0 == ".It Cm " c) { f = 1 }
			END { exit !f }' "$PAGE"; then
			ok "$sh: $c"
		else
			bad "$sh: no '.Cm $c' line"
		fi
	done
done <"$tmp/commands"

# --------------------------------------------------------------- options

n_pairs=0
help_options "$X" >"$tmp/help"
lines_of DESCRIPTION >"$tmp/listed"
compare "options before the command" "$tmp/help" "$tmp/listed"
n_pairs=$((n_pairs + $(wc -l <"$tmp/help")))
while read -r c; do
	# shellcheck disable=SC2086 # the command's words
	help_options "$X" $c >"$tmp/help"
	lines_of "$c" >"$tmp/listed"
	compare "$c" "$tmp/help" "$tmp/listed"
	n_pairs=$((n_pairs + $(wc -l <"$tmp/help")))
done <"$tmp/commands"

# Option lists outside DESCRIPTION and COMMANDS name no command's options.
others=$(cut -f 1 "$tmp/page" | sort -u | grep -vxF -f "$tmp/commands" |
	grep -vx -e all -e DESCRIPTION)
if [ -z "$others" ]; then
	ok "no option list outside DESCRIPTION and COMMANDS"
else
	bad "option lists in other sections: $others"
fi

# Every option word of every help, prose included, and every Fl of the page.
{
	"$X" --help
	"$X" cpuid --help
	while read -r c; do
		# shellcheck disable=SC2086 # the command's words
		"$X" $c --help
	done <"$tmp/commands"
} | help_words >"$tmp/help"
lines_of all >"$tmp/listed"
compare "every help and the whole page" "$tmp/help" "$tmp/listed"
n_options=$(wc -l <"$tmp/help")

# ------------------------------------------------------------- rendering

run groff -mandoc -ww -z "$PAGE"
if [ "$rc" -eq 0 ] && [ -z "$err" ]; then
	ok "groff -ww: no warning"
else
	bad "groff -ww: exit $rc, or warnings" "$err"
fi
run man -l "$PAGE"
expect_rc "man -l" 0
if [ -z "$err" ]; then ok "man -l: nothing on stderr"; else bad "man -l: stderr" "$err"; fi
expect_line "man -l: NAME" "     xsvm — build CPUID tables for KVM guests and check their XSAVE leaf"
expect_line "man -l: SYNOPSIS" "     xsvm cpuid build [--cpuid SOURCE] [--policy none | tdx | FILE]"
width=$(wc -L <<<"$out")
if [ "$width" -le 80 ]; then
	ok "man -l: fits 80 columns ($width)"
else
	bad "man -l: $width columns" "$(awk 'length > 80' <<<"$out" | head -n 3)"
fi
run lexgrog "$PAGE"
expect_line "whatis" "$PAGE: \"xsvm - build CPUID tables for KVM guests and check their XSAVE leaf\""

# -------------------------------------------------------------- examples

# The displays of EXAMPLES: "$ " starts a command, which goes on after a
# line ending in "\" or "|"; the lines after it are its standard output,
# "..." standing for lines left out. A command with no output shown is not
# run, except a shell assignment, kept for the display's later commands.
mkdir -p "$tmp/bin"
ln -s "$X" "$tmp/bin/xsvm"
check_example() { # PREFIX COMMAND SHOWN-FILE
	local got

	got=$(cd "$ROOT" && PATH="$tmp/bin:$PATH" bash -c "$1 $2" 2>/dev/null)
	if python3 -c '
import re, sys
shown = open(sys.argv[1]).read().splitlines()
pat = "".join("(?:.*\n)*?" if l == "..." else re.escape(l + "\n") for l in shown)
sys.exit(not re.fullmatch(pat, sys.argv[2] + "\n"))' "$3" "$got"; then
		ok "example: $2: $(grep -cvx '\.\.\.' "$3") lines as shown"
	else
		bad "example: $2: output differs from the page" \
			"shown: $(tr '\n' '|' <"$3")" "got: $(head -c 400 <<<"$got")"
	fi
}

n_examples=0
prefix=""
cmd=""
more=0
: >"$tmp/shown"
flush() {
	if [ -n "$cmd" ] && [ -s "$tmp/shown" ]; then
		check_example "$prefix" "$cmd" "$tmp/shown"
		n_examples=$((n_examples + 1))
	elif [[ $cmd =~ ^[A-Za-z_][A-Za-z0-9_]*=[^\ ]*$ ]]; then
		prefix+="$cmd; "
	fi
	cmd=""
	: >"$tmp/shown"
}
while IFS= read -r line; do
	part=0
	if [ "$line" = "@@" ]; then
		flush
		prefix=""
	elif ((more)); then
		cmd+=" ${line#"${line%%[! ]*}"}"
		part=1
	elif [ "${line:0:2}" = "$ " ]; then
		flush
		cmd=${line:2}
		part=1
	else
		printf '%s\n' "$line" >>"$tmp/shown"
	fi
	more=0
	if ((part)) && [[ $cmd == *\\ ]]; then
		cmd=${cmd%\\}
		cmd=${cmd%"${cmd##*[! ]}"}
		more=1
	elif ((part)) && [[ $cmd == *"|" ]]; then
		more=1
	fi
done < <(awk '/^\.Sh / { ex = ($0 == ".Sh EXAMPLES") }
	ex && /^\.Bd -literal/ { d = 1; next }
	d && /^\.Ed/ { d = 0; print "@@"; next }
	d { gsub(/\\e/, "\\"); gsub(/\\&/, ""); print }' "$PAGE")
if [ "$n_examples" -ge 4 ]; then
	ok "$n_examples examples run"
else
	bad "$n_examples examples run, want at least 4"
fi

echo "checked $n_options option words, $n_pairs options of $(wc -l <"$tmp/commands") commands and the global ones"
finish
