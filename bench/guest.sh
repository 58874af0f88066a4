#!/usr/bin/env bash
# Time `xsvm run` of the built-in test guest: the median of many runs, and
# how a run divides into setup (guest RAM, loading, VM creation), guest
# execution (inside KVM_RUN) and xsvm's handling of the exits. Prints
# figures; asserts nothing.
#
# Usage: bench/guest.sh BUILD_DIR [RUNS] [xsvm run options...]
set -euo pipefail

dir=${1:?usage: guest.sh BUILD_DIR [RUNS] [options]}
runs=${2:-31}
shift 2 || shift $#
x=$dir/xsvm
[ -x "$x" ] || { echo "guest: $x not found (build first)" >&2; exit 2; }
[ -c /dev/kvm ] || { echo "guest: /dev/kvm is missing" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "xsvm run $* (built-in test guest), $runs runs on $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for i in $(seq 1 "$runs"); do
	s=$(date +%s%N)
	"$x" run --quiet --report "$tmp/r$i.json" "$@" 2>/dev/null || true
	e=$(date +%s%N)
	echo $((e - s)) >"$tmp/wall$i"
done
python3 - "$tmp" "$runs" <<'PY'
import json, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
reps = [json.load(open("%s/r%d.json" % (d, i))) for i in range(1, n + 1)]
wall = [int(open("%s/wall%d" % (d, i)).read()) for i in range(1, n + 1)]
med = lambda xs: statistics.median(xs) / 1e6
t = lambda k: [r["timings_ns"][k] for r in reps]
print("wall time per run      median %8.2f ms  min %8.2f ms  max %8.2f ms" %
      (med(wall), min(wall) / 1e6, max(wall) / 1e6))
print("  setup (RAM, load, VM) median %8.2f ms" % med(t("setup")))
print("  guest, in KVM_RUN     median %8.2f ms" % med(t("in_kvm_run")))
print("  exits, in xsvm        median %8.3f ms" % med(t("in_xsvm")))
print("  verdict after         median %8.2f ms" % med(t("verdict")))
e = reps[0]["exits"]
print("exits per run: %d (%d port I/O, %d CPUID service queries), verdict %s, exit %d" %
      (e["total"], e["io"], e["svc_queries"], reps[0]["verdict"], reps[0]["exit_status"]))
PY
