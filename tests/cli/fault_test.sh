#!/usr/bin/env bash
# Faults around the guest: --timeout, SIGINT and SIGTERM during a run, a
# reader of the live console that goes away (SIGPIPE/EPIPE), a console file
# on a full disk, and /dev/kvm missing, not a KVM device or not permitted
# (simulated in a private mount namespace: needs root, as the KVM tests do).
# Needs /dev/kvm; about 5 s.
#
# Usage: bash fault_test.sh PATH_TO_XSVM DATA_DIR
set -u

X=${1:?usage: fault_test.sh PATH_TO_XSVM DATA_DIR}
DATA=${2:?usage: fault_test.sh PATH_TO_XSVM DATA_DIR}
MK="python3 $(dirname "$0")/mkguest.py"
DUMP=$DATA/cpuid-dumps/amd-milan.txt

. "$(dirname "$0")/lib.sh"

require_kvm "these tests boot guests"

PASS_LINE="x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format."
for k in pass problem hang chatty; do
	$MK "$k" "$tmp/$k" || bad "mkguest $k failed"
done

field() { # FILE PYTHON-EXPR
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>&1
}

expect_field() { # NAME FILE EXPR WANT
	local got
	got=$(field "$2" "$3")
	if [ "$got" = "$4" ]; then
		ok "$1: $3 = $4"
	else
		bad "$1: $3 = $got, want $4"
	fi
}

expect_file() { # NAME FILE CONTENT: FILE holds exactly CONTENT
	if [ "$(cat "$2")" = "$3" ] && [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" = '\n' ]; then
		ok "$1: console file complete"
	else
		bad "$1: console file differs" "$(head -c 300 "$2")"
	fi
}

expect_err_line() { # NAME LINE: LINE is one whole line of $err
	if grep -Fxq -- "$2" <<<"$err"; then
		ok "$1: stderr has '$2'"
	else
		bad "$1: no '$2' on stderr" "$(tail -n 4 <<<"$err")"
	fi
}

# ------------------------------------------------------------ --timeout

run "$X" run --kernel "$tmp/hang" --cpuid "$DUMP" --timeout 1 \
	--console "$tmp/timeout.console" --report "$tmp/timeout.json" --quiet
expect_rc "--timeout" 3
expect_err_line "--timeout" "xsvm: no verdict within --timeout"
expect_field "--timeout" "$tmp/timeout.json" "d['end']['reason']" "timeout"
expect_file "--timeout" "$tmp/timeout.console" "spinning"

# ------------------------------------------------------ SIGINT, SIGTERM

for sig in INT TERM; do
	"$X" run --kernel "$tmp/hang" --cpuid "$DUMP" --timeout 60 \
		--console "$tmp/$sig.console" --report "$tmp/$sig.json" \
		>"$tmp/$sig.out" 2>"$tmp/$sig.err" &
	pid=$!
	sleep 0.5
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	err=$(cat "$tmp/$sig.err")
	expect_rc "SIG$sig" 3
	expect_err_line "SIG$sig" "xsvm: interrupted by signal $(kill -l "$sig")"
	expect_field "SIG$sig" "$tmp/$sig.json" "d['end']['reason']" "signal"
	expect_file "SIG$sig" "$tmp/$sig.console" "spinning"
	if [ "$(cat "$tmp/$sig.out")" = "spinning" ]; then
		ok "SIG$sig: live console complete"
	else
		bad "SIG$sig: stdout '$(cat "$tmp/$sig.out")'"
	fi
done

# ------------------------------------------------------- SIGPIPE, EPIPE

# The reader goes away after one byte while the guest still prints: xsvm
# must not die of SIGPIPE (141); the console file stays complete and the
# exit status is the verdict's.
"$X" run --kernel "$tmp/chatty" --cpuid "$DUMP" --console "$tmp/pipe.console" \
	2>"$tmp/pipe.err" | head -c 1 >"$tmp/pipe.out"
rc=${PIPESTATUS[0]}
err=$(cat "$tmp/pipe.err")
expect_rc "stdout closed early (| head -c 1)" 0
expect_err_line "stdout closed early" "xsvm: exit status 0"
expect_file "stdout closed early" "$tmp/pipe.console" \
	"$(printf 'booting\n%s\nafter' "$PASS_LINE")"
if [ "$(cat "$tmp/pipe.out")" = "b" ]; then
	ok "stdout closed early: the reader got its byte"
else
	bad "stdout closed early: reader got '$(cat "$tmp/pipe.out")'"
fi

# Deterministic: standard output is a pipe whose read end is closed before
# xsvm starts, so the first write fails with EPIPE.
closed_pipe() { # CMD...: runs CMD with stdout a pipe without reader
	python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(sys.argv[1:], stdout=w).returncode & 0xff)' "$@"
}
closed_pipe "$X" run --kernel "$tmp/problem" --cpuid "$DUMP" \
	--console "$tmp/epipe.console" --report "$tmp/epipe.json" 2>"$tmp/epipe.err"
rc=$?
err=$(cat "$tmp/epipe.err")
expect_rc "stdout without reader" 1
expect_field "stdout without reader" "$tmp/epipe.json" "d['verdict']" "problem"
expect_file "stdout without reader" "$tmp/epipe.console" \
	"$(printf 'XSAVE consistency problem: size 10752 != kernel_size 10704\nCPUID[0d, 00]: eax=000602e7 ebx=00002b00 ecx=00002b00 edx=00000000\nafter')"

# ------------------------------------------------------------ full disk

# The console file cannot be written: said once, the run goes on to its
# verdict, the live console is whole, the exit status is the verdict's.
run "$X" run --kernel "$tmp/pass" --cpuid "$DUMP" --console /dev/full
expect_rc "--console /dev/full, pass guest" 0
expect_err_line "--console /dev/full" "xsvm: writing the console file failed: No space left on device"
if grep -q '^xsvm: verdict: passed after' <<<"$err"; then
	ok "--console /dev/full: the run reached its verdict"
else
	bad "--console /dev/full: no verdict" "$err"
fi
if [ "$(grep -c 'writing the console file failed' <<<"$err")" = 1 ]; then
	ok "--console /dev/full: said once"
else
	bad "--console /dev/full: said $(grep -c 'writing the console file failed' <<<"$err") times"
fi
if [ "$out" = "$(printf 'booting\n%s\nafter' "$PASS_LINE")" ]; then
	ok "--console /dev/full: live console complete"
else
	bad "--console /dev/full: stdout '$out'"
fi
run "$X" run --kernel "$tmp/problem" --cpuid "$DUMP" --console /dev/full --quiet
expect_rc "--console /dev/full, problem guest" 1
expect_err_line "--console /dev/full, problem guest" "xsvm: writing the console file failed: No space left on device"
run "$X" run --kernel "$tmp/hang" --cpuid "$DUMP" --console /dev/full --quiet --timeout 1
expect_rc "--console /dev/full, hanging guest" 3
expect_err_line "--console /dev/full, hanging guest" "xsvm: writing the console file failed: No space left on device"

# ------------------------------------------------------ /dev/kvm missing

# KVM failing before the check: exit 3 and a message naming /dev/kvm, with
# the default --cpuid host (which asks /dev/kvm first) and with a dump.
if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
	bad "/dev/kvm faults: need root and unshare -m to simulate them"
	finish
	exit 1
fi
in_ns() { # SETUP CMD...: CMD in a private mount namespace after SETUP
	local setup=$1
	shift
	unshare -m sh -c "$setup"' && exec "$@"' sh "$@"
}
for src in host "$DUMP"; do
	name="/dev/kvm is /dev/null (--cpuid $(basename "$src"))"
	run in_ns "mount --bind /dev/null /dev/kvm" "$X" run --cpuid "$src" --quiet
	expect_rc "$name" 3
	expect_err "$name" "xsvm: /dev/kvm: KVM_GET_API_VERSION: Inappropriate ioctl for device"

	name="/dev/kvm missing (--cpuid $(basename "$src"))"
	run in_ns "mount -t tmpfs none /dev" "$X" run --cpuid "$src" --quiet
	expect_rc "$name" 3
	expect_err "$name" "xsvm: /dev/kvm: No such file or directory (this host has no KVM: tools/box.sh runs xsvm in an emulated machine with a real KVM)"

	name="/dev/kvm not permitted (--cpuid $(basename "$src"))"
	run in_ns "mount -t tmpfs none /dev && mknod -m 000 /dev/kvm c 10 232" \
		setpriv --bounding-set -dac_override,-dac_read_search \
		"$X" run --cpuid "$src" --quiet
	expect_rc "$name" 3
	expect_err "$name" "xsvm: /dev/kvm: Permission denied"
done
# Bad input is still 2 when /dev/kvm is gone: every input is read before
# KVM is asked for anything, with the default --cpuid host too.
run in_ns "mount -t tmpfs none /dev" "$X" run --policy "$tmp/no-such-policy" --quiet
expect_rc "/dev/kvm missing, bad --policy" 2
printf 'not a kernel\n' >"$tmp/junk-kernel"
head -c 100 "$(dirname "$X")/xsvm_guest" >"$tmp/truncated-elf"
for kvm in present missing; do
	setup=true
	[ "$kvm" = present ] || setup="mount -t tmpfs none /dev"
	run in_ns "$setup" "$X" run --kernel "$tmp/junk-kernel" --quiet
	expect_usage_error "/dev/kvm $kvm, junk --kernel" \
		"xsvm: $tmp/junk-kernel: setup header: file is 13 bytes, too short for a setup header (0x268 bytes)"
	run in_ns "$setup" "$X" run --kernel "$tmp/truncated-elf" --quiet
	expect_usage_error "/dev/kvm $kvm, truncated ELF --kernel" \
		"xsvm: $tmp/truncated-elf: 2 program headers at 0x40 end past the end of the file (100 bytes)"
	run in_ns "$setup" "$X" run --kernel "$tmp/no-such-kernel" --quiet
	expect_usage_error "/dev/kvm $kvm, missing --kernel" \
		"xsvm: $tmp/no-such-kernel: kernel: No such file or directory"
	run in_ns "$setup" "$X" run --kernel "$tmp/junk-kernel" --cpuid "$DUMP" --quiet
	expect_usage_error "/dev/kvm $kvm, junk --kernel, dump table" \
		"xsvm: $tmp/junk-kernel: setup header: file is 13 bytes, too short for a setup header (0x268 bytes)"
done

finish
