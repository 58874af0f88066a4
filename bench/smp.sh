#!/usr/bin/env bash
# Several vCPUs in the box (tools/box.sh, QEMU machine: one TCG CPU, nested
# SVM KVM). Prints figures; asserts nothing.
#
# 1. The built-in test guest (xsvm run --cpus N, no --kernel) at N = 1, 2,
#    4, 8 and at --topology sockets=2,cores=2,threads=2 ("smt", 8 vCPUs),
#    every configuration once a round in an order rotated by one each
#    round. With more than one vCPU the test guest starts its APs itself
#    and every vCPU checks its own view before the debug exit. Per
#    configuration, median (min-max) of the report's timings_ns.verdict
#    (the VMM's verdict from the x86/fpu lines, before the APs start),
#    timings_ns.total (first KVM_RUN to the debug exit, after every
#    vCPU's checks: the guest's real verdict time), timings_ns.setup,
#    exits.total (vCPU 0's exits), the sum of vcpus[].exits and the wall
#    time from exec to exit; how many runs passed with every vCPU started
#    and agreeing; and the 8-vCPU/1-vCPU ratio of the median totals.
# 2. Debian's kernel (guest-linux vmlinuz and initramfs) by xsvm (warm
#    kernel cache) at --cpus 1 and 4 against QEMU microvm on the box's KVM
#    at -smp 1 and 4 (the same kernel's vmlinux, its PVH entry), in
#    alternation, each timed to the kernel's first x86/fpu or XSAVE line
#    (bench/box_pairs.py --cpus 1,4), with how many boots reached it and
#    how many printed "smp: Brought up 1 node, N CPUs". Half the rounds
#    (rounded up): a Debian boot costs about 10 s in the box.
#
# Usage: bench/smp.sh [BUILD_DIR] [ROUNDS]   (default build/, 10 rounds)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/build}" && pwd)
rounds=${2:-10}
debian_rounds=$(((rounds + 1) / 2))
# Debian's python3 and tools in the box, not a version manager's shims
export PATH=/usr/bin:/bin:$PATH
box=("$root/tools/box.sh" --machine qemu --quiet --build "$dir" --)
g=$dir/guest-linux

[ -x "$dir/xsvm" ] || { echo "smp bench: $dir/xsvm not found (tools/build.sh first)" >&2; exit 2; }
[ -f "$g/vmlinuz" ] || { echo "smp bench: $g/vmlinuz not found (tools/fetch-guest.sh $dir first)" >&2; exit 2; }
[ "$rounds" -ge 1 ] 2>/dev/null || { echo "smp bench: ROUNDS must be a positive number, not '$rounds'" >&2; exit 2; }

echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "xsvm: $("$dir/xsvm" --version 2>/dev/null | head -1)"
echo "kernel: $(cat "$g/version")"

# shellcheck source=tools/box/lib.sh
. "$root/tools/box/lib.sh"
# shellcheck source=tools/box/debian.sh
. "$root/tools/box/debian.sh"
box_fetch_debian "$dir"
box_vmlinux || { echo "smp bench: no vmlinux could be extracted from $BOX_VMLINUZ" >&2; exit 2; }
[ "$BOX_RELEASE" = "$(cat "$g/version")" ] ||
	echo "smp bench: note: the guest's initramfs is from $(cat "$g/version"), the vmlinux $BOX_RELEASE"
start=$(date +%s%N)
tmp=$(mktemp -d "$dir/smp-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo
echo "== 1. the test guest, $rounds rounds of 1, 2, 4, 8 vCPUs and smt (sockets=2,cores=2,threads=2), order rotated each round"
t0=$(date +%s%N)
# The runs' files go to the box's tmpfs, the summary is printed in the box.
cat >"$tmp/summary.py" <<'PY'
import json, os, re, statistics, sys

d, rounds = sys.argv[1], int(sys.argv[2])
confs = [("1", 1), ("2", 2), ("4", 4), ("8", 8), ("smt", 8)]


def fig(xs, scale, fmt):
    if not xs:
        return "-"
    return (fmt + " (" + fmt + "-" + fmt + ")") % (
        statistics.median(xs) / scale, min(xs) / scale, max(xs) / scale)


rows, med_total = [], {}
for c, n in confs:
    t = {k: [] for k in ("verdict", "total", "setup")}
    ex, exsum, wall = [], [], []
    ok, runs = 0, 0
    rcs = {}
    for r in range(rounds):
        f = os.path.join(d, "%s.%d" % (c, r))
        runs += 1
        wall.append(int(open(f + ".wall").read()))
        rc = int(open(f + ".rc").read())
        rcs[rc] = rcs.get(rc, 0) + 1
        try:
            rep = json.load(open(f + ".json"))
        except (OSError, ValueError):
            continue
        for k in t:
            t[k].append(rep["timings_ns"][k])
        ex.append(rep["exits"]["total"])
        v = rep.get("vcpus")
        exsum.append(sum(x["exits"] for x in v) if v else rep["exits"]["total"])
        con = open(f + ".con", errors="replace").read()
        good = rc == 0 and "xsvm-guest: verdict passed" in con
        if n > 1:
            m = re.search(r"xsvm-guest: (\d+) vCPUs \(.*\): (\d+) started, "
                          r"(\d+) agree", con)
            good = good and m is not None and \
                m.groups() == (str(n), str(n), str(n))
        ok += good
    if t["total"]:
        med_total[c] = statistics.median(t["total"])
    rows.append((c, n, fig(t["verdict"], 1e6, "%.1f"),
                 fig(t["total"], 1e6, "%.1f"), fig(t["setup"], 1e6, "%.1f"),
                 fig(ex, 1, "%d"), fig(exsum, 1, "%d"), fig(wall, 1e6, "%.0f"),
                 "%d/%d" % (ok, runs),
                 " ".join("%d:%d" % kv for kv in sorted(rcs.items()))))

print()
print("test guest, median (min-max) over %d runs each; times in ms" % rounds)
head = ("config", "vCPUs", "verdict", "total", "setup", "exits.total",
        "sum vcpus[].exits", "wall", "passed", "exit:count")
w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
for r in [head] + rows:
    print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(r)).rstrip())
print("(verdict: the VMM's verdict, from vCPU 0's x86/fpu lines, before the APs start; total: first KVM_RUN "
      "to the guest's debug exit, after every vCPU's checks; exits.total counts vCPU 0's exits; "
      "passed: exit 0, 'verdict passed', and with N > 1 'N vCPUs: N started, N agree')")
for c in ("8", "smt"):
    if "1" in med_total and c in med_total:
        print("%s/1 median total ratio: %.2f (%.1f ms / %.1f ms; target at most 1.5)" %
              ("8-vCPU" if c == "8" else "smt (8 vCPUs)", med_total[c] / med_total["1"],
               med_total[c] / 1e6, med_total["1"] / 1e6))
PY
# shellcheck disable=SC2016 # the box's script, expanded there
"${box[@]}" bash -c '
x=$1 summary=$2 rounds=$3
d=$(mktemp -d /dev/shm/smp-bench.XXXXXX 2>/dev/null || mktemp -d)
confs=(1 2 4 8 smt)
echo "in the box: $(nproc) CPU, $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | sed "s/^ //"), Linux $(uname -r)"
for r in $(seq 0 $((rounds - 1))); do
	line="round $((r + 1)):"
	for i in 0 1 2 3 4; do
		c=${confs[$(((i + r) % 5))]}
		case $c in
		smt) opt=(--topology sockets=2,cores=2,threads=2) ;;
		*) opt=(--cpus "$c") ;;
		esac
		f=$d/$c.$r
		s=$(date +%s%N)
		rc=0
		"$x" run --quiet --report "$f.json" --console "$f.con" "${opt[@]}" \
			>/dev/null 2>"$f.err" || rc=$?
		e=$(date +%s%N)
		echo $((e - s)) >"$f.wall"
		echo $rc >"$f.rc"
		line+=" $c $(((e - s) / 1000000))ms"
	done
	echo "$line (wall, exec to exit)"
done
python3 "$summary" "$d" "$rounds"
rm -rf "$d"
' sh "$dir/xsvm" "$tmp/summary.py" "$rounds"
echo "(box run: $((($(date +%s%N) - t0) / 1000000000)) s with the box start-up)"

echo
echo "== 2. Debian's kernel, xsvm --cpus 1 and 4 vs QEMU microvm -smp 1 and 4, $debian_rounds rounds (half of $rounds, rounded up: a boot takes about 10 s here)"
echo "(xsvm with a warm kernel cache and --full-boot, QEMU with the vmlinux; each timed to the first x86/fpu or XSAVE line, then read on to the smp line; order rotated each round)"
t0=$(date +%s%N)
"${box[@]}" python3 "$root/bench/box_pairs.py" --cpus 1,4 "$dir/xsvm" "$g/vmlinuz" \
	"$BOX_VMLINUX" "$g/initramfs.cpio.gz" "$debian_rounds" 120
echo "(box run: $((($(date +%s%N) - t0) / 1000000000)) s with the box start-up)"
echo "(the whole bench: $((($(date +%s%N) - start) / 1000000000)) s)"
