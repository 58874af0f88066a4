#!/usr/bin/env python3
"""Read a running QEMU guest's CPU state over its human monitor (HMP) socket
and say whether the instruction at RIP is a MOV to CR4.

Usage: cr4_stall.py SOCKET

Prints one line:

    rip=0x... cr4=0x... insn=0f 22 e7 cr4_write=0x...

cr4_write (the value being written, from the instruction's source register)
is there only when the bytes at RIP are a MOV to CR4 (0f 22 /r with reg 4,
optionally after a REX prefix). Exits 1, with the reason on stderr, when the
monitor does not answer or its output cannot be read.
"""
import re
import socket
import sys
import time

PROMPT = b"(qemu) "
REGS = ["RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15"]


def until_prompt(sock, deadline):
    data = b""
    while not data.endswith(PROMPT):
        if time.monotonic() > deadline:
            raise TimeoutError("no monitor prompt")
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("monitor closed the connection")
        data += chunk
    return data.decode("ascii", "replace")


def command(sock, cmd, deadline):
    sock.sendall(cmd.encode("ascii") + b"\n")
    return until_prompt(sock, deadline)


def main():
    if len(sys.argv) != 2:
        print("usage: cr4_stall.py SOCKET", file=sys.stderr)
        return 2
    deadline = time.monotonic() + 10
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(sys.argv[1])
            until_prompt(sock, deadline)
            regs_text = command(sock, "info registers", deadline)
            regs = {m.group(1): int(m.group(2), 16) for m in
                    re.finditer(r"\b(R[A-Z0-9]{1,2}|CR4) ?=([0-9a-f]+)",
                                regs_text)}
            if "RIP" not in regs or "CR4" not in regs:
                raise ValueError("no RIP or CR4 in 'info registers'")
            rip = regs["RIP"]
            mem = command(sock, "x /4xb 0x%x" % rip, deadline)
    except (OSError, TimeoutError, ValueError) as e:
        print("cr4_stall.py: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 1
    insn = [int(b, 16) for b in re.findall(r"\b0x([0-9a-f]{2})\b",
                                            mem.split(":", 1)[-1])][:4]
    line = "rip=0x%016x cr4=0x%08x insn=%s" % (
        rip, regs["CR4"], " ".join("%02x" % b for b in insn))
    rex_b = 0
    if insn and 0x40 <= insn[0] <= 0x4f:
        rex_b = insn[0] & 1
        insn = insn[1:]
    if len(insn) >= 3 and insn[0:2] == [0x0F, 0x22] and \
            (insn[2] >> 3) & 7 == 4 and insn[2] >> 6 == 3:
        src = REGS[(insn[2] & 7) | (rex_b << 3)]
        if src in regs:
            line += " cr4_write=0x%08x" % regs[src]
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
