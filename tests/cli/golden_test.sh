#!/usr/bin/env bash
# Byte-identical output: runs every command of tests/data/golden/cases.txt
# from the source root and compares its standard output, standard error and
# exit status with the recorded NAME.out. The recordings are xsvm's output
# as released; a difference is a change of behaviour, shown as a diff. The
# version and revision that every JSON output carries are recorded as
# @VERSION@ and @REVISION@: they must be exactly those --version prints.
# Needs no /dev/kvm; about 5 s.
#
# Usage: bash golden_test.sh PATH_TO_XSVM SOURCE_ROOT [--record]
set -u

X=${1:?usage: golden_test.sh PATH_TO_XSVM SOURCE_ROOT [--record]}
ROOT=${2:?usage: golden_test.sh PATH_TO_XSVM SOURCE_ROOT [--record]}
RECORD=${3:-}
GOLDEN=tests/data/golden

. "$(dirname "$0")/lib.sh"

X=$(realpath "$X")
cd "$ROOT" || exit 1
export LC_ALL=C

# The version line: "xsvm VERSION (git REVISION)"; REVISION is the source's
# commit (with -dirty for a changed tree) when it is a git checkout.
version=$("$X" --version)
re='^xsvm ([0-9]+\.[0-9]+\.[0-9]+) \(git ([0-9a-f]{7}(-dirty)?|unknown)\)$'
if [[ $version =~ $re ]]; then
	VER=${BASH_REMATCH[1]} REV=${BASH_REMATCH[2]}
	ok "--version: '$version'"
else
	VER=none REV=none
	bad "--version: '$version' is not 'xsvm X.Y.Z (git REVISION)'"
fi
if head=$(git -C "$ROOT" rev-parse --short=7 HEAD 2>/dev/null); then
	if [ "${REV%-dirty}" = "$head" ]; then
		ok "--version: revision $REV is the source's HEAD $head"
	else
		bad "--version: revision $REV, the source's HEAD is $head"
	fi
fi

# capture ARGS...: the transcript of one run, as recorded.
capture() {
	local rc

	"$X" "$@" </dev/null 2>"$tmp/err" |
		sed -e "s/^\( *\"xsvm_version\": \)\"$VER\"\(,\?\)\$/\1\"@VERSION@\"\2/" \
			-e "s/^\( *\"xsvm_revision\": \)\"$REV\"\(,\?\)\$/\1\"@REVISION@\"\2/" >"$tmp/out"
	rc=${PIPESTATUS[0]}
	printf '$ xsvm %s\n--- stdout\n' "$*"
	cat "$tmp/out"
	printf '\n--- stderr\n'
	cat "$tmp/err"
	printf '\n--- exit %d\n' "$rc"
}

n=0
while read -r name args; do
	case $name in '' | '#'*) continue ;; esac
	n=$((n + 1))
	# shellcheck disable=SC2086 # the arguments are split on spaces
	capture $args >"$tmp/now"
	if [ "$RECORD" = --record ]; then
		cp "$tmp/now" "$GOLDEN/$name.out"
		continue
	fi
	if [ ! -f "$GOLDEN/$name.out" ]; then
		bad "$name: no recording $GOLDEN/$name.out"
	elif cmp -s "$GOLDEN/$name.out" "$tmp/now"; then
		ok "$name: $(wc -c <"$tmp/now") bytes as recorded"
	else
		bad "$name: output differs from $GOLDEN/$name.out" \
			"$(diff -u "$GOLDEN/$name.out" "$tmp/now" | head -n 20)"
	fi
done <"$GOLDEN/cases.txt"

if [ "$RECORD" = --record ]; then
	echo "recorded $n commands in $GOLDEN"
	exit 0
fi
# Every recording has its command.
for f in "$GOLDEN"/*.out; do
	name=$(basename "$f" .out)
	grep -q "^$name " "$GOLDEN/cases.txt" || grep -qx "$name" "$GOLDEN/cases.txt" ||
		bad "$name: recorded but not in cases.txt"
done
finish
