#!/usr/bin/env python3
"""Paired boots of Debian's kernel on one KVM, in alternation, each timed
from its start to the kernel's first x86/fpu or XSAVE console line:

  xsvm-cold  xsvm with the bzImage and an empty kernel cache (it
             decompresses the payload itself)
  xsvm-warm  xsvm with the bzImage and a warm cache
  qemu       QEMU microvm with the ELF vmlinux (its PVH entry: no
             decompression at all, QEMU's fastest way)
  kvmtool    lkvm run with the bzImage, when a build is given (KVMTOOL)

With --cpus N[,N...] (bench/smp.sh) the peers are instead xsvm-warm
(xsvm --cpus N --full-boot), qemu (-smp N) and kvmtool (-c N) at each
count, named PEER/N, in an order rotated by one each round; after the
timed line each boot keeps reading its console to Linux's "smp: Brought
up K node(s), M CPU(s)" line (within the same limit), and the summary
says how many boots of each printed it with M = N.

Run inside the box by bench/box.sh and bench/smp.sh; prints figures and
asserts nothing.

Usage: box_pairs.py [--cpus N[,N...]] XSVM VMLINUZ VMLINUX INITRD BOOTS
                    LIMIT_S [KVMTOOL]
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
SMP = re.compile(rb"smp: Brought up (\d+) nodes?, (\d+) CPUs?")
APPEND = "clearcpuid=cx16"


def first_line_time(cmd, limit, env=None, smp=None):
    """Seconds from start to the first matching console line, or None.
    With smp a list, it also waits (within limit) for the smp line and
    appends its (nodes, CPUs) to the list (None when it never came)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True,
                         env=env)
    os.set_blocking(p.stdout.fileno(), False)
    m, buf = read_until(p, b"", LINE, t0, limit)
    found = time.monotonic() - t0 if m else None
    if smp is not None:
        m = read_until(p, buf, SMP, t0, limit)[0] if m else None
        smp.append((int(m.group(1)), int(m.group(2))) if m else None)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()
    return found


def read_until(p, buf, pattern, t0, limit):
    """Reads p's console on from buf until pattern matches: (the match,
    the text read), or (None, the text) at its end or limit seconds after
    t0. Only the last 4096 bytes are kept between reads."""
    while True:
        m = pattern.search(buf)
        if m:
            return m, buf
        if time.monotonic() - t0 > limit:
            return None, buf
        buf = buf[-4096:]
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            buf += chunk
        elif chunk == b"" and p.poll() is not None:
            return None, buf
        else:
            time.sleep(0.02)


def main():
    args = sys.argv[1:]
    cpus = None
    if args[:1] == ["--cpus"]:
        cpus = [int(n) for n in args[1].split(",")]
        args = args[2:]
    xsvm, vmlinuz, vmlinux, initrd, boots, limit = args[:6]
    kvmtool = args[6] if len(args) > 6 and args[6] else None
    boots, limit = int(boots), float(limit)
    if cpus:
        smp_main(xsvm, vmlinuz, vmlinux, initrd, boots, limit, kvmtool,
                 cpus)
        return
    work = tempfile.mkdtemp(prefix="box-pairs.", dir="/tmp")
    warm = os.path.join(work, "warm-cache")
    os.makedirs(warm)
    xsvm_cmd = xsvm_command(xsvm, vmlinuz, initrd, limit)
    cmds = {
        "xsvm-cold": xsvm_cmd,
        "xsvm-warm": xsvm_cmd,
        "qemu": qemu_command(vmlinux, initrd, 1),
    }
    if kvmtool:
        cmds["kvmtool"] = kvmtool_command(kvmtool, vmlinuz, initrd, 1)
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
                env["HOME"] = kvmtool_home(work)
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


def xsvm_command(xsvm, vmlinuz, initrd, limit):
    return [xsvm, "run", "--kernel", vmlinuz, "--initrd", initrd,
            "--append", APPEND, "--timeout", str(int(limit))]


def qemu_command(vmlinux, initrd, n):
    return ["qemu-system-x86_64", "-M", "microvm", "-accel", "kvm",
            "-cpu", "host", "-m", "256", "-smp", str(n), "-nodefaults",
            "-no-user-config", "-display", "none", "-serial", "stdio",
            "-no-reboot", "-kernel", vmlinux, "-initrd", initrd,
            "-append", "console=ttyS0 earlyprintk=serial,ttyS0 " + APPEND]


def kvmtool_command(kvmtool, vmlinuz, initrd, n):
    return [kvmtool, "run", "-k", vmlinuz, "-i", initrd,
            "-m", "256", "-c", str(n), "-p", APPEND]


def kvmtool_home(work):
    """A HOME for lkvm's socket, which cannot live on the box's 9p share."""
    return tempfile.mkdtemp(
        dir="/dev/shm" if os.path.isdir("/dev/shm") else work)


def smp_main(xsvm, vmlinuz, vmlinux, initrd, boots, limit, kvmtool, cpus):
    """The --cpus peers: xsvm-warm, qemu and kvmtool at each count."""
    work = tempfile.mkdtemp(prefix="box-pairs.", dir="/tmp")
    warm = os.path.join(work, "warm-cache")
    os.makedirs(warm)
    env_warm = dict(os.environ, XSVM_CACHE_DIR=warm)
    xsvm_cmd = xsvm_command(xsvm, vmlinuz, initrd, limit)
    cmds = {}
    for n in cpus:
        # --full-boot: on past the verdict to the smp line
        cmds["xsvm-warm/%d" % n] = xsvm_cmd + ["--cpus", str(n),
                                               "--full-boot"]
        cmds["qemu/%d" % n] = qemu_command(vmlinux, initrd, n)
        if kvmtool:
            cmds["kvmtool/%d" % n] = kvmtool_command(kvmtool, vmlinuz,
                                                     initrd, n)
    names = list(cmds)
    # the warm cache: one run first, not timed
    first_line_time(xsvm_cmd, limit, env_warm)
    times = {n: [] for n in names}
    smps = {n: [] for n in names}
    for i in range(boots):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            env = env_warm
            if name.startswith("kvmtool/"):
                env = dict(os.environ, HOME=kvmtool_home(work))
            t = first_line_time(cmds[name], limit, env, smps[name])
            times[name].append(t)
            m = smps[name][-1]
            print("boot %2d %-12s: %s; smp line: %s" % (
                i + 1, name,
                "%.2f s" % t if t is not None else
                "no x86/fpu line within %.0f s" % limit,
                "%d node(s), %d CPU(s)" % m if m is not None else "none"),
                flush=True)
    med = {}
    for name in names:
        n = int(name.split("/")[1])
        ok = [t for t in times[name] if t is not None]
        up = sum(1 for m in smps[name] if m == (1, n))
        line = "%-12s: %d of %d boots reached the line" % (
            name, len(ok), boots)
        if ok:
            med[name] = statistics.median(ok)
            line += "; median %.2f s, min %.2f s, max %.2f s" % (
                med[name], min(ok), max(ok))
        line += "; %d of %d printed \"smp: Brought up 1 node, %d CPU%s\"" % (
            up, boots, n, "s" if n > 1 else "")
        print(line)
    for n in cpus:
        x = "xsvm-warm/%d" % n
        for peer in ("qemu/%d" % n, "kvmtool/%d" % n):
            if x in med and peer in med:
                print("%s vs %s median ratio: %.2fx" % (x, peer,
                      med[x] / med[peer]))
    for peer in ("xsvm-warm", "qemu", "kvmtool"):
        a, b = "%s/%d" % (peer, cpus[0]), "%s/%d" % (peer, cpus[-1])
        if a != b and a in med and b in med:
            print("%s: %d-CPU/%d-CPU median ratio: %.2fx" % (
                peer, cpus[-1], cpus[0], med[b] / med[a]))


if __name__ == "__main__":
    main()
