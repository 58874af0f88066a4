#!/usr/bin/env python3
"""Paired boots of Debian's kernel on one KVM: xsvm and QEMU microvm in
alternation, each timed from its start to the kernel's first x86/fpu or
XSAVE console line. Run inside the box by bench/box.sh; prints figures and
asserts nothing.

Usage: box_pairs.py XSVM VMLINUX INITRD BOOTS LIMIT_S
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import time

LINE = re.compile(rb"x86/fpu|XSAVE")
APPEND = "clearcpuid=cx16"


def first_line_time(cmd, limit):
    """Seconds from start to the first matching console line, or None."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
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
    xsvm, vmlinux, initrd, boots, limit = sys.argv[1:6]
    boots, limit = int(boots), float(limit)
    cmds = {
        "xsvm": [xsvm, "run", "--kernel", vmlinux, "--initrd", initrd,
                 "--append", APPEND, "--timeout", str(int(limit))],
        "qemu": ["qemu-system-x86_64", "-M", "microvm", "-accel", "kvm",
                 "-cpu", "host", "-m", "256", "-smp", "1", "-nodefaults",
                 "-no-user-config", "-display", "none", "-serial", "stdio",
                 "-no-reboot", "-kernel", vmlinux, "-initrd", initrd,
                 "-append", "console=ttyS0 earlyprintk=serial,ttyS0 " + APPEND],
    }
    times = {"xsvm": [], "qemu": []}
    for i in range(boots):
        for name in ("xsvm", "qemu"):
            t = first_line_time(cmds[name], limit)
            times[name].append(t)
            print("boot %2d %s: %s" % (i + 1, name,
                  "%.2f s" % t if t is not None else
                  "no x86/fpu line within %.0f s" % limit), flush=True)
    done = {}
    for name in ("xsvm", "qemu"):
        ok = [t for t in times[name] if t is not None]
        done[name] = ok
        if ok:
            print("%s: %d of %d boots reached the line; median %.2f s, "
                  "mean %.2f s, min %.2f s, max %.2f s" %
                  (name, len(ok), boots, statistics.median(ok),
                   statistics.mean(ok), min(ok), max(ok)))
        else:
            print("%s: 0 of %d boots reached the line" % (name, boots))
    if done["xsvm"] and done["qemu"]:
        print("xsvm/qemu median ratio: %.2fx" %
              (statistics.median(done["xsvm"]) /
               statistics.median(done["qemu"])))


if __name__ == "__main__":
    main()
