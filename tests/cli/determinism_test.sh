#!/usr/bin/env bash
# Determinism: the same inputs give the same bytes. `xsvm cpuid build`
# (dump text, --json, --format kvm-json) 20 times for a dump with --policy
# tdx, a dump with --xsave-order hash:1 and the host; the test guest 10
# times per configuration, whose console files must be byte-identical and
# whose reports identical once timings_ns is removed. Needs /dev/kvm; ~5 s.
#
# Usage: bash determinism_test.sh PATH_TO_XSVM DATA_DIR
set -u

X=${1:?usage: determinism_test.sh PATH_TO_XSVM DATA_DIR}
DATA=${2:?usage: determinism_test.sh PATH_TO_XSVM DATA_DIR}
DUMP=$DATA/cpuid-dumps/intel-sapphirerapids.txt

. "$(dirname "$0")/lib.sh"

require_kvm "these tests boot guests"

# same NAME N CMD...: runs CMD N times; every stdout must equal the first,
# and every exit status must be 0.
same() {
	local name=$1 n=$2 i rc0 differ=0
	shift 2
	"$@" >"$tmp/first" 2>/dev/null
	rc0=$?
	for ((i = 1; i < n; i++)); do
		"$@" >"$tmp/again" 2>/dev/null
		if [ $? -ne "$rc0" ] || ! cmp -s "$tmp/first" "$tmp/again"; then
			differ=$((differ + 1))
		fi
	done
	if [ "$rc0" -eq 0 ] && [ -s "$tmp/first" ] && [ "$differ" -eq 0 ]; then
		ok "$name: $n runs byte-identical ($(wc -c <"$tmp/first") bytes)"
	else
		bad "$name: exit $rc0, $differ of $((n - 1)) repeats differ"
	fi
}

for src in "--cpuid $DUMP --policy tdx" "--cpuid $DUMP --xsave-order hash:1" "--cpuid host"; do
	for fmt in "" "--json" "--format kvm-json"; do
		# shellcheck disable=SC2086 # word splitting wanted
		same "cpuid build ${src/$DATA\//} $fmt" 20 "$X" cpuid build $src $fmt
	done
done

# strip REPORT: the report without timings_ns, keys sorted.
strip() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
del d["timings_ns"]
print(json.dumps(d, sort_keys=True, indent=1))' "$1"
}

guest_runs() { # NAME ARGS...: the test guest 10 times
	local name=$1 i differ=0 rc0 rc why=""
	shift
	"$X" run --quiet --console "$tmp/c0" --report "$tmp/r0" "$@" 2>"$tmp/e0"
	rc0=$?
	strip "$tmp/r0" >"$tmp/s0"
	for ((i = 1; i < 10; i++)); do
		rm -f "$tmp/c" "$tmp/r"
		"$X" run --quiet --console "$tmp/c" --report "$tmp/r" "$@" 2>"$tmp/e"
		rc=$?
		strip "$tmp/r" >"$tmp/s" 2>&1
		if [ "$rc" -ne "$rc0" ] || ! cmp -s "$tmp/c0" "$tmp/c" ||
			! cmp -s "$tmp/s0" "$tmp/s"; then
			differ=$((differ + 1))
			[ -n "$why" ] || why="run $i: exit $rc: $(tail -n 2 "$tmp/e" | tr '\n' ' ') $(diff "$tmp/s0" "$tmp/s" | head -n 6 | tr '\n' ' ')"
		fi
	done
	if [ "$differ" -eq 0 ] && [ -s "$tmp/c0" ] && [ -s "$tmp/s0" ]; then
		ok "test guest $name: 10 runs, exit $rc0, console ($(wc -c <"$tmp/c0") bytes) and report identical"
	else
		bad "test guest $name: $differ of 9 repeats differ (exit $rc0)" "$why" "first: $(tail -n 2 "$tmp/e0" | tr '\n' ' ')"
	fi
	if grep -q '"timings_ns"' "$tmp/s0" || ! grep -q '"table_hash"' "$tmp/s0"; then
		bad "test guest $name: report not stripped as intended"
	fi
}

guest_runs "(host)"
guest_runs "(--cpuid dump --policy tdx)" --cpuid "$DUMP" --policy tdx
guest_runs "(--cpuid dump --xsave-order hash:1)" --cpuid "$DUMP" --xsave-order hash:1
guest_runs "(--xsave-order hash:1)" --xsave-order hash:1

finish
