#!/usr/bin/env bash
# Time to verdict for Debian's kernel under xsvm, xsvm's own share of the
# run, and its exits; then, on the same vmlinux, the time QEMU
# (qemu-system-x86_64 -M microvm -accel kvm) takes to print the same
# console line. Prints figures; asserts nothing.
#
# Usage: bench/boot.sh BUILD_DIR   (tools/fetch-guest.sh BUILD_DIR first)
set -euo pipefail

dir=${1:?usage: boot.sh BUILD_DIR}
x=$dir/xsvm
g=$dir/guest-linux
[ -x "$x" ] || { echo "boot: $x not found (build first)" >&2; exit 2; }
[ -f "$g/vmlinuz" ] || { echo "boot: $g/vmlinuz not found (run tools/fetch-guest.sh $dir)" >&2; exit 2; }
[ -c /dev/kvm ] || { echo "boot: /dev/kvm is missing" >&2; exit 2; }
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "boot: installing qemu-system-x86 (Debian) for the comparison"
	apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
append="clearcpuid=cx16"
line="x86/fpu: Supporting XSAVE feature 0x001"

echo "host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "kernel: $(cat "$g/version")"

# xsvm: the report has every figure.
"$x" run --kernel "$g/vmlinuz" --initrd "$g/initramfs.cpio.gz" --append "$append" \
	--quiet --report "$tmp/xsvm.json" 2>"$tmp/xsvm.err" || true
python3 - "$tmp/xsvm.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["timings_ns"]
s = lambda ns: ns / 1e9
print("xsvm: verdict %s (exit %d), run ended by %s" %
      (d["verdict"], d["exit_status"], d["end"]["reason"]))
print("xsvm: setup (decompress, load, VM) %.3f s" % s(t["setup"]))
print("xsvm: first console byte %.3f s, verdict %.3f s, run %.3f s" %
      (s(t["first_console_byte"]), s(t["verdict"]), s(t["total"])))
print("xsvm: in KVM_RUN %.3f s, in xsvm %.6f s = %.4f%% of the run" %
      (s(t["in_kvm_run"]), s(t["in_xsvm"]), 100.0 * t["in_xsvm"] / t["total"]))
e = d["exits"]
print("xsvm: %d exits (%d port I/O, %d MMIO, %d other)" %
      (e["total"], e["io"], e["mmio"], e["other"]))
print("xsvm: xsvm's share including setup: %.3f%%" %
      (100.0 * (t["in_xsvm"] + t["setup"]) / (t["total"] + t["setup"])))
PY

# QEMU boots the ELF vmlinux through its PVH entry: decompress it the
# same way xsvm does (the bzImage's payload is xz).
python3 - "$g/vmlinuz" "$tmp/payload.xz" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
setup = (b[0x1f1] or 4) + 1
off, length = struct.unpack_from("<II", b, 0x248)
start = setup * 512 + off
open(sys.argv[2], "wb").write(b[start:start + length])
PY
xz -dc --single-stream "$tmp/payload.xz" >"$tmp/vmlinux"

python3 - "$tmp/vmlinux" "$append" "$line" <<'PY'
import os, subprocess, sys, time
vmlinux, append, line = sys.argv[1:4]
cmd = ["qemu-system-x86_64", "-M", "microvm", "-accel", "kvm",
       "-cpu", "host,-arch-capabilities", "-m", "512", "-nographic",
       "-no-reboot", "-kernel", vmlinux, "-append",
       "console=ttyS0 earlyprintk=serial,ttyS0 nokaslr " + append]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     stdin=subprocess.DEVNULL)
first = None
found = None
for raw in p.stdout:
    now = time.monotonic() - t0
    if first is None:
        first = now
    if line.encode() in raw:
        found = now
        break
    if now > 900:
        break
p.kill()
p.wait()
if found is None:
    print("qemu: '%s' not seen" % line)
else:
    print("qemu: first console byte %.3f s, '%s' at %.3f s" % (first, line, found))
PY
