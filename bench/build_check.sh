#!/usr/bin/env bash
# Time `xsvm cpuid build --cpuid host | xsvm cpuid check -` (and each half)
# with the built binary. Prints figures; asserts nothing.
#
# Usage: bench/build_check.sh BUILD_DIR [RUNS]
set -euo pipefail

dir=${1:?usage: build_check.sh BUILD_DIR [RUNS]}
runs=${2:-50}
x=$dir/xsvm
[ -x "$x" ] || { echo "build_check: $x not found (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$x" cpuid build --cpuid host >"$tmp/host.txt"

now_ns() { date +%s%N; }

# median and min of the numbers (ns) on stdin, printed in ms
stats() {
	sort -n | awk '{ v[NR] = $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "median %.3f ms  min %.3f ms  max %.3f ms  (%d runs)\n",
				m / 1e6, v[1] / 1e6, v[NR] / 1e6, NR
		}'
}

# bench NAME CMD: time CMD (a shell snippet) runs times
bench() {
	local name=$1 cmd=$2 t0 t1

	for _ in $(seq "$runs"); do
		t0=$(now_ns)
		eval "$cmd" >/dev/null 2>&1 || true
		t1=$(now_ns)
		echo $((t1 - t0))
	done >"$tmp/$name.ns"
	printf '%-22s ' "$name"
	stats <"$tmp/$name.ns"
}

echo "xsvm cpuid: $x on $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
bench "build+check (pipe)" '"$x" cpuid build --cpuid host | "$x" cpuid check -'
bench "build --cpuid host" '"$x" cpuid build --cpuid host'
bench "build --cpuid native" '"$x" cpuid build --cpuid native'
bench "check (file)" '"$x" cpuid check "$tmp/host.txt"'
bench "process start" '"$x" --version'
