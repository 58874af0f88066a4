#!/usr/bin/env bash
# Time the kernel cache on Debian's vmlinuz: the payload decompressed (no
# cache), decompressed and stored (a miss), and read from the cache (a hit,
# by mmap), each in a process of its own, with the time to place the
# vmlinux into fresh guest RAM; then, with --box, `xsvm run`'s setup time
# (timings_ns.setup of its report) in the QEMU box, cold and warm. Prints
# figures (medians over RUNS, min and max); asserts nothing.
#
# Usage: bench/kernel_cache.sh BUILD_DIR [RUNS] [--box]
#        (tools/fetch-guest.sh BUILD_DIR first)
set -euo pipefail

dir=${1:?usage: kernel_cache.sh BUILD_DIR [RUNS] [--box]}
runs=${2:-5}
box=${3:-}
k=$dir/guest-linux/vmlinuz
[ -f "$dir/CMakeCache.txt" ] || { echo "kernel_cache: $dir is not a configured build directory" >&2; exit 2; }
[ -f "$k" ] || { echo "kernel_cache: $k not found (run tools/fetch-guest.sh $dir)" >&2; exit 2; }
cmake --build "$dir" --target bench_kernel_cache xsvm >/dev/null
b=$dir/bench_kernel_cache
tmp=$(mktemp -d "$dir/kernel-cache-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "kernel: $(cat "$dir/guest-linux/version" 2>/dev/null || echo "$k"), $(stat -c %s "$k") bytes"

# Lines "MODE STATUS format F vmlinux N decode_ms D place_ms P" on stdin:
# the median, minimum and maximum of D and of P.
summary() {
	awk -v what="$1" '
	{ d[NR] = $8; p[NR] = $10; st = $2; len = $6 }
	function med(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return sprintf("%.1f ms (min %.1f, max %.1f)", a[int((n + 1) / 2)], a[1], a[n])
	}
	END {
		printf "%-28s %-12s decode %s, place %s\n", what, st, med(d, NR), med(p, NR)
	}'
}

echo "vmlinux: $("$b" decode "$k" | awk '{print $6}') bytes decompressed"
for _ in $(seq "$runs"); do "$b" decode "$k"; done | summary "decompress (no cache)"
for _ in $(seq "$runs"); do
	rm -rf "$tmp/cache"
	"$b" cache "$k" "$tmp/cache"
done | summary "cold cache (decompress+store)"
for _ in $(seq "$runs"); do "$b" cache "$k" "$tmp/cache"; done | summary "warm cache (mmap)"

[ "$box" = "--box" ] || exit 0
# xsvm run in the QEMU box: its report's setup time (files read, kernel
# decoded and placed, VM created), first with an empty cache, then warm.
setup_ms() {
	python3 -c 'import json, sys; print("%.1f" % (json.load(open(sys.argv[1]))["timings_ns"]["setup"] / 1e6))' "$1"
}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$tmp/cache"
for i in cold warm warm; do
	XSVM_CACHE_DIR=$tmp/cache "$root/tools/box.sh" --machine qemu --build "$dir" --quiet -- \
		"$dir/xsvm" run --kernel "$k" --quiet --timeout 30 --report "$tmp/report-$i.json" \
		>/dev/null 2>&1 || true
	if [ -f "$tmp/report-$i.json" ]; then
		echo "xsvm run in the QEMU box, $i cache: setup $(setup_ms "$tmp/report-$i.json") ms"
	else
		echo "xsvm run in the QEMU box, $i cache: no report"
	fi
	rm -f "$tmp/report-$i.json"
done
