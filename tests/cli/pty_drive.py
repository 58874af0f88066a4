#!/usr/bin/env python3
"""Drive `xsvm run` through a pseudo-terminal, as a user at a terminal.

Usage: pty_drive.py MODE RESULT_JSON -- XSVM_RUN_COMMAND...

Starts the command with a pty as its standard input and output (standard
error goes to RESULT_JSON.stderr), waits for the guest's shell, types
`echo $((6*7))` and Enter, waits for 42, then ends the run: MODE quit
types the escape Ctrl-A x, MODE term sends SIGTERM. Writes what it saw:
the exit status, whether 42 came, the terminal's mode before, during and
after the run, and the screen's last bytes.
"""
import json
import os
import select
import signal
import subprocess
import sys
import termios
import time

READY = b"xsvm-guest: shell ready"
TIMEOUT = 900.0


def read_until(fd, screen, want, deadline):
    while want not in screen and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return screen
            if not data:
                return screen
            screen += data
    return screen


def main():
    mode, result = sys.argv[1], sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    master, slave = os.openpty()
    before = termios.tcgetattr(master)
    with open(result + ".stderr", "wb") as err:
        p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=err,
                             close_fds=True)
    os.close(slave)
    deadline = time.monotonic() + TIMEOUT
    screen = read_until(master, b"", READY, deadline)
    screen = read_until(master, screen, b"# ", deadline)
    during = termios.tcgetattr(master)
    raw = not (during[3] & (termios.ICANON | termios.ECHO | termios.ISIG))
    os.write(master, b"echo $((6*7))\r")
    screen = read_until(master, screen, b"\n42", deadline)
    saw42 = b"\n42" in screen
    if mode == "quit":
        os.write(master, b"\x01x")
    else:
        p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    screen = read_until(master, screen, b"\0never", time.monotonic() + 1)
    after = termios.tcgetattr(master)
    json.dump({"rc": rc, "ready": READY in screen, "saw42": saw42,
               "raw_during": raw, "restored": after == before,
               "screen_tail": screen[-400:].decode("latin-1")},
              open(result, "w"))


main()
