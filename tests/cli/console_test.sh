#!/usr/bin/env bash
# Integration test of the console and of every way a guest ends, with
# Debian's kernel (tools/fetch-guest.sh) and initramfs variants of
# tests/cli/mkinitrd.sh:
#
#   lines     --full-boot, 1000 numbered lines of 60 bytes from user space:
#             every one arrives, in order, on standard output and in
#             --console FILE; power-off ends the run (end reason poweroff)
#   pipe      `printf 'echo $((6*7))\nreboot -f\n' | xsvm run ...` with a
#             shell: prints 42, ends with the reset (reset)
#   pty-quit  the same shell on a pseudo-terminal (pty_drive.py): raw mode
#             during the run, 42, Ctrl-A x ends it (quit), the terminal's
#             mode restored
#   pty-term  the same, ended by SIGTERM (signal), mode restored
#   poweroff, reboot, panic, triple
#             poweroff -f (poweroff), reboot -f (reset), a sysrq crash with
#             panic=-1 (panic), reboot -f with reboot=t (shutdown)
#   boots     --boots 3 with the default initramfs: three verdicts, one run
#
# No run waits out --timeout; natively each ends within a second of the
# guest's last console byte. The verdict is the host's: passed (exit 0),
# or in the QEMU box, whose KVM never sees the guest's XSETBV, host_defect
# (exit 4).
#
# Usage: bash console_test.sh PATH_TO_XSVM GUEST_DIR [BOX_MACHINE]
#
# With BOX_MACHINE qemu every scenario runs inside one QEMU box; with bochs
# only lines does (the Bochs box is ~45 times slower).
set -u

usage="usage: console_test.sh PATH_TO_XSVM GUEST_DIR [BOX_MACHINE]"
X=${1:?$usage}
G=${2:?$usage}
M=${3:-}
here=$(cd "$(dirname "$0")" && pwd)

. "$here/lib.sh"

guest_setup
guest_initrds lines shell poweroff reboot panic

scenarios="lines pipe pty-quit pty-term poweroff reboot panic triple boots"
[ "$M" != bochs ] || scenarios=lines
[ -n "$M" ] || require_kvm "this test boots Debian's kernel"

# The driver runs every scenario, natively or in the QEMU box; each leaves
# NAME.rc, NAME.out (standard output), NAME.err, NAME.console, NAME.json.
guest_driver
cat >>"$o/driver.sh" <<DRIVER
PY=/usr/bin/python3
for s in $scenarios; do
	case \$s in
	lines) one lines --initrd "\$o/initrd-lines.gz" --full-boot ;;
	pipe)
		printf 'echo \$((6*7))\nreboot -f\n' | "\$X" run --kernel "\$K" \$common \\
			--initrd "\$o/initrd-shell.gz" --full-boot \\
			--console "\$o/pipe.console" --report "\$o/pipe.json" \\
			>"\$o/pipe.out" 2>"\$o/pipe.err"
		echo \$? >"\$o/pipe.rc"
		;;
	pty-quit | pty-term)
		\$PY $here/pty_drive.py "\${s#pty-}" "\$o/\$s.pty" -- "\$X" run \\
			--kernel "\$K" \$common --initrd "\$o/initrd-shell.gz" \\
			--full-boot --console "\$o/\$s.console" --report "\$o/\$s.json"
		;;
	poweroff | reboot | panic) one \$s --initrd "\$o/initrd-\$s.gz" --full-boot ;;
	triple) one triple --initrd "\$o/initrd-reboot.gz" --full-boot --append reboot=t ;;
	boots) one boots --initrd "\$I" --boots 3 ;;
	esac
done
DRIVER

if [ "$M" = qemu ]; then
	guest_run_driver 3000
	echo "box exit $?"
elif [ "$M" = bochs ]; then
	# the box makes --out afresh: its inputs live elsewhere
	mkdir -p "$tmp/in"
	cp "$o/initrd-lines.gz" "$tmp/in/"
	"$here/../../tools/box.sh" --machine bochs --build "$(dirname "$X")" \
		--timeout 3000 --with "$G" --with "$X" --with "$tmp/in/initrd-lines.gz" --out "$o" -- \
		sh -c 'exec "$@" >"$0.out" 2>"$0.err"; ' "$o/lines" "$X" run \
		--kernel "$G/vmlinuz" --timeout 2400 --append clearcpuid=cx16 \
		--initrd "$tmp/in/initrd-lines.gz" --full-boot \
		--console "$o/lines.console" --report "$o/lines.json"
	echo $? >"$o/lines.rc"
else
	guest_run_driver
fi

want_rc=0
[ "$M" != qemu ] || want_rc=4

expect_end() { # NAME REASON
	expect_eq "$1: exit status" "$(cat "$o/$1.rc" 2>/dev/null)" "$want_rc"
	expect_eq "$1: end reason" "$(field "$1" "d['end']['reason']")" "$2"
	expect_eq "$1: report's exit status" "$(field "$1" "d['exit_status']")" "$want_rc"
	if [ -z "$M" ]; then
		expect_eq "$1: ends within a second of the last console byte" \
			"$(field "$1" "d['timings_ns']['total'] - d['timings_ns']['last_console_byte'] < 10**9")" True
	fi
}

# ---------------------------------------------------------------- lines

want_lines() { # FILE: the 1000 lines, in order
	python3 - "$1" <<'PY'
import sys
got = [l.rstrip(b"\r") for l in open(sys.argv[1], "rb").read().split(b"\n") if l.startswith(b"line ")]
want = [b"line %05d 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL" % i for i in range(1, 1001)]
print("%d lines, %s" % (len(got), "in order" if got == want else "NOT the 1000 lines in order"))
PY
}
expect_end lines poweroff
expect_eq "lines: console file" "$(want_lines "$o/lines.console")" "1000 lines, in order"
expect_eq "lines: standard output" "$(want_lines "$o/lines.out")" "1000 lines, in order"
expect_eq "lines: done marker" "$(grep -c '^xsvm-guest: lines done' "$o/lines.console")" 1
expect_eq "lines: the kernel's halt line" "$(grep -c 'reboot: System halted' "$o/lines.console")" 1
expect_eq "lines: 60-byte lines" "$(grep '^line 00042 ' "$o/lines.console" | tr -d '\r' | wc -c)" 60
if [ "$M" = bochs ]; then
	finish
	exit
fi

# ---------------------------------------------------------------- input

expect_end pipe reset
expect_eq "pipe: 42 on standard output" "$(tr -d '\r' <"$o/pipe.out" | grep -cx 42)" 1
expect_eq "pipe: 42 in the console file" "$(tr -d '\r' <"$o/pipe.console" | grep -cx 42)" 1
expect_eq "pipe: the shell ran reboot -f" "$(grep -c 'reboot: Restarting system' "$o/pipe.console")" 1
expect_eq "pipe: bytes the guest received (all 24 of the input)" "$(field pipe "d['console_in_bytes']")" 24

for m in quit term; do
	s=pty-$m
	p="import json; d=json.load(open('$o/$s.pty'))"
	reason=quit
	[ $m = quit ] || reason=signal
	expect_eq "$s: the shell's prompt" "$(python3 -c "$p; print(d['ready'])")" True
	expect_eq "$s: raw mode during the run" "$(python3 -c "$p; print(d['raw_during'])")" True
	expect_eq "$s: 42 on the terminal" "$(python3 -c "$p; print(d['saw42'])")" True
	expect_eq "$s: terminal mode restored" "$(python3 -c "$p; print(d['restored'])")" True
	expect_eq "$s: exit status" "$(python3 -c "$p; print(d['rc'])")" "$want_rc"
	expect_eq "$s: end reason" "$(field "$s" "d['end']['reason']")" "$reason"
	expect_eq "$s: 42 in the console file" "$(tr -d '\r' <"$o/$s.console" | grep -cx 42)" 1
done

# ----------------------------------------------------------------- ends

expect_end poweroff poweroff
expect_end reboot reset
expect_end panic panic
expect_eq "panic: detail" "$(field panic "d['end']['detail']")" \
	"the kernel panicked, then reset through the i8042"
expect_eq "panic: the panic line" "$(field panic "d['observed']['panic_line'].startswith('Kernel panic - not syncing: sysrq triggered crash')")" True
expect_end triple shutdown
expect_eq "triple: the kernel rebooted by triple fault" "$(grep -c 'reboot: Restarting system' "$o/triple.console")" 1

# ---------------------------------------------------------------- boots

expect_eq "boots: exit status" "$(cat "$o/boots.rc")" "$want_rc"
expect_eq "boots: boots run" "$(field boots "d['boots_run']")" 3
expect_eq "boots: one verdict each" "$(field boots "[b['verdict'] for b in d['boot']]")" \
	"$(python3 -c "v='host_defect' if $want_rc == 4 else 'passed'; print([v, v, v])")"
expect_eq "boots: summary line" "$(grep -c '^xsvm: boots: 3 of 3 run: 3 ' "$o/boots.err")" 1
expect_eq "boots: markers in the console" \
	"$(grep -c '^xsvm: ---- boot [23] of 3 ----$' "$o/boots.console")" 2
expect_eq "boots: three version lines" "$(grep -c 'Linux version ' "$o/boots.console")" 3

finish
