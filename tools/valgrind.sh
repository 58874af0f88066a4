#!/usr/bin/env bash
# Run valgrind's memcheck on every cmocka unit test in BUILD_DIR/tests, on
# one run of the built-in test guest and on `xsvm cpuid build --cpuid host`.
# Any error, definite or indirect leak, or file descriptor left open fails.
# Slow (a few minutes), so not part of tools/test.sh. Needs /dev/kvm for the
# last two. tools/valgrind.supp holds the suppressions (see there).
#
# Usage: tools/valgrind.sh [BUILD_DIR]   (default: build)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/build}" && pwd)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

vg=(valgrind --tool=memcheck --error-exitcode=1 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --track-fds=yes
	--suppressions="$root/tools/valgrind.supp")
# leaked_fds LOG: the descriptors open at exit that xsvm opened itself
# (not stdin, stdout, stderr, nor inherited from the parent).
leaked_fds() {
	awk '/Open file descriptor [0-9]+:/ { if (fd != "") print fd; fd = $5; sub(":", "", fd); if (fd + 0 < 3) fd = "" }
	     /<inherited from parent>/ { fd = "" }
	     END { if (fd != "") print fd }' "$1" | tr '\n' ' '
}

# check NAME CMD...: memcheck CMD; fails on valgrind's error exit status,
# on any error or definite/indirect leak, and on a descriptor left open.
check() {
	local name=$1 rc fds
	shift
	"${vg[@]}" --log-file="$log/$name.log" "$@" >"$log/$name.out" 2>&1
	rc=$?
	fds=$(leaked_fds "$log/$name.log")
	if [ "$rc" -ne 1 ] && [ -z "$fds" ] &&
		grep -q "ERROR SUMMARY: 0 errors" "$log/$name.log"; then
		echo "ok   $name (exit $rc, $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$log/$name.log"), $(grep -o 'total heap usage: .*' "$log/$name.log"))"
	else
		echo "FAIL $name (exit $rc, descriptors left open: ${fds:-none})"
		sed 's/^/     /' "$log/$name.log" | tail -n 40
	fi
}

for t in "$dir"/tests/test_*; do
	[ -x "$t" ] || continue
	(cd "$dir/tests" && CMOCKA_MESSAGE_OUTPUT=STDOUT check "$(basename "$t")" "$t")
done | tee "$log/results"

if [ ! -c /dev/kvm ]; then
	echo "valgrind: /dev/kvm is missing: the xsvm runs cannot be checked" >&2
	exit 1
fi
{
	check "xsvm run --quiet" "$dir/xsvm" run --quiet
	check "xsvm cpuid build --cpuid host" "$dir/xsvm" cpuid build --cpuid host
} | tee -a "$log/results"
pass=$(grep -c '^ok' "$log/results")
fail=$(grep -c '^FAIL' "$log/results")
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
