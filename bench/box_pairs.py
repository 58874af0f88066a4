#!/usr/bin/env python3
"""Paired boots of Debian's kernel on one KVM, in alternation, each timed
from its start to the kernel's first x86/fpu or XSAVE console line:

  xsvm-cold  xsvm with the bzImage and an empty kernel cache (it
             decompresses the payload itself)
  xsvm-warm  xsvm with the bzImage and a warm cache
  qemu       QEMU microvm with the ELF vmlinux (its PVH entry: no
             decompression at all, QEMU's fastest way)
  kvmtool    lkvm run with the bzImage, when a build is given (KVMTOOL)

Run inside the box by bench/box.sh; prints figures and asserts nothing.

Usage: box_pairs.py XSVM VMLINUZ VMLINUX INITRD BOOTS LIMIT_S [KVMTOOL]
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

LINE = re.compile(rb"x86/fpu|XSAVE")
APPEND = "clearcpuid=cx16"


def first_line_time(cmd, limit, env=None):
    """Seconds from start to the first matching console line, or None."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True,
                         env=env)
    os.set_blocking(p.stdout.fileno(), False)
    buf = b""
    found = None
    while found is None:
        now = time.monotonic() - t0
        if now > limit:
            break
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            buf += chunk
            if LINE.search(buf):
                found = time.monotonic() - t0
                break
            buf = buf[-4096:]
        elif chunk == b"" and p.poll() is not None:
            break
        else:
            time.sleep(0.02)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    return found


def main():
    xsvm, vmlinuz, vmlinux, initrd, boots, limit = sys.argv[1:7]
    kvmtool = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] else None
    boots, limit = int(boots), float(limit)
    work = tempfile.mkdtemp(prefix="box-pairs.", dir="/tmp")
    warm = os.path.join(work, "warm-cache")
    os.makedirs(warm)
    xsvm_cmd = [xsvm, "run", "--kernel", vmlinuz, "--initrd", initrd,
                "--append", APPEND, "--timeout", str(int(limit))]
    cmds = {
        "xsvm-cold": xsvm_cmd,
        "xsvm-warm": xsvm_cmd,
        "qemu": ["qemu-system-x86_64", "-M", "microvm", "-accel", "kvm",
                 "-cpu", "host", "-m", "256", "-smp", "1", "-nodefaults",
                 "-no-user-config", "-display", "none", "-serial", "stdio",
                 "-no-reboot", "-kernel", vmlinux, "-initrd", initrd,
                 "-append", "console=ttyS0 earlyprintk=serial,ttyS0 " + APPEND],
    }
    if kvmtool:
        cmds["kvmtool"] = [kvmtool, "run", "-k", vmlinuz, "-i", initrd,
                           "-m", "256", "-c", "1", "-p", APPEND]
    names = list(cmds)
    # the warm cache: one run first, not timed
    env_warm = dict(os.environ, XSVM_CACHE_DIR=warm)
    first_line_time(xsvm_cmd, limit, env_warm)
    times = {n: [] for n in names}
    for i in range(boots):
        for name in names:
            env = dict(os.environ)
            if name == "xsvm-cold":
                env["XSVM_CACHE_DIR"] = tempfile.mkdtemp(dir=work)
            elif name == "xsvm-warm":
                env = env_warm
            elif name == "kvmtool":
                # its socket cannot live on the box's 9p share
                env["HOME"] = tempfile.mkdtemp(
                    dir="/dev/shm" if os.path.isdir("/dev/shm") else work)
            t = first_line_time(cmds[name], limit, env)
            times[name].append(t)
            print("boot %2d %-9s: %s" % (i + 1, name,
                  "%.2f s" % t if t is not None else
                  "no x86/fpu line within %.0f s" % limit), flush=True)
    med = {}
    for name in names:
        ok = [t for t in times[name] if t is not None]
        if ok:
            med[name] = statistics.median(ok)
            print("%-9s: %d of %d boots reached the line; median %.2f s, "
                  "mean %.2f s, min %.2f s, max %.2f s" %
                  (name, len(ok), boots, med[name], statistics.mean(ok),
                   min(ok), max(ok)))
        else:
            print("%-9s: 0 of %d boots reached the line" % (name, boots))
    for x in ("xsvm-cold", "xsvm-warm"):
        for peer in ("qemu", "kvmtool"):
            if x in med and peer in med:
                print("%s/%s median ratio: %.2fx" % (x, peer,
                      med[x] / med[peer]))


if __name__ == "__main__":
    main()
