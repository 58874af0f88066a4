#!/usr/bin/env bash
# The box's figures (tools/box.sh, QEMU machine): its start-up time, the
# test guest's time inside it, and Debian's kernel booted in alternation
# by xsvm and by QEMU microvm on the box's KVM, each timed from its start
# to the kernel's first x86/fpu or XSAVE line, with how many boots of each
# got there. Prints figures; asserts nothing.
#
# Then the test guest booted 60 times by one `xsvm run --boots 60` against
# 60 separate processes, and the kernel's boots paired with a cold and a
# warm kernel cache (bench/box_pairs.py), and with kvmtool when KVMTOOL
# names an lkvm binary built from its source (kept outside this tree).
#
# Usage: bench/box.sh [BUILD_DIR] [BOOTS]   (default build/, 10 boots each)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$(cd "${1:-$root/build}" && pwd)
boots=${2:-10}
# Debian's python3 and tools in the box, not a version manager's shims
export PATH=/usr/bin:/bin:$PATH
box=("$root/tools/box.sh" --build "$dir" --)
g=$dir/guest-linux

[ -x "$dir/xsvm" ] || { echo "box bench: $dir/xsvm not found (tools/build.sh first)" >&2; exit 2; }
[ -f "$g/vmlinuz" ] || { echo "box bench: $g/vmlinuz not found (tools/fetch-guest.sh $dir first)" >&2; exit 2; }

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "kernel: $(cat "$g/version")"

# Both VMMs boot the same ELF vmlinux, outside the timed part: the box's
# (the same Debian package as the guest's vmlinuz), decompressed once by
# tools/box/debian.sh; xsvm loads it through libelf, QEMU through its PVH
# entry.
# shellcheck source=tools/box/lib.sh
. "$root/tools/box/lib.sh"
# shellcheck source=tools/box/debian.sh
. "$root/tools/box/debian.sh"
box_fetch_debian "$dir"
box_vmlinux || { echo "box bench: no vmlinux could be extracted from $BOX_VMLINUZ" >&2; exit 2; }
[ "$BOX_RELEASE" = "$(cat "$g/version")" ] ||
	echo "box bench: note: the guest's initramfs is from $(cat "$g/version"), the vmlinux $BOX_RELEASE"
tmp=$(mktemp -d "$dir/box-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for i in 1 2 3; do
	t0=$(date +%s%N)
	"${box[@]}" true
	echo "box start-up and shutdown, run $i: $(ms "$t0") ms (tools/box.sh -- true)"
done

"${box[@]}" bash -c '
t0=$(date +%s%N)
"$1" run --quiet --report "$2/guest.json" >/dev/null 2>&1
rc=$?
echo "test guest in the box: exit $rc, $((($(date +%s%N) - t0) / 1000000)) ms from exec to exit"
python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
t = d[\"timings_ns\"]
print(\"test guest in the box: verdict %s, setup %.3f s, run %.3f s, %d exits\" %
      (d[\"verdict\"], t[\"setup\"] / 1e9, t[\"total\"] / 1e9, d[\"exits\"][\"total\"]))" "$2/guest.json"
' sh "$dir/xsvm" "$tmp"

"${box[@]}" bash -c '
t0=$(date +%s%N)
"$1" run --quiet --boots 60 --report "$2/boots.json" >/dev/null 2>"$2/boots.err"
one=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
for i in $(seq 60); do "$1" run --quiet >/dev/null 2>&1; done
many=$((($(date +%s%N) - t0) / 1000000))
python3 -c "import json, statistics, sys
d = json.load(open(sys.argv[1]))
s = [b[\"timings_ns\"][\"setup\"] / 1e6 for b in d[\"boot\"][1:]]
t = [b[\"timings_ns\"][\"total\"] / 1e6 for b in d[\"boot\"]]
print(\"test guest, --boots 60: a fresh VM and RAM per boot (boots 2-60): setup median %.1f ms (min %.1f, max %.1f); run median %.1f ms\" %
      (statistics.median(s), min(s), max(s), statistics.median(t)))" "$2/boots.json"
echo "test guest, 60 boots: --boots 60 in one process $one ms ($(grep "^xsvm: boots:" "$2/boots.err")), 60 processes $many ms: ratio $(python3 -c "print(\"%.2f\" % ($one / $many))")"
' sh "$dir/xsvm" "$tmp"

"${box[@]}" python3 "$root/bench/box_pairs.py" "$dir/xsvm" "$g/vmlinuz" \
	"$BOX_VMLINUX" "$g/initramfs.cpio.gz" "$boots" 120 "${KVMTOOL:-}"
