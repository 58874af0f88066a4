#!/usr/bin/env bash
# The machine's own kernel as ground truth: its log's x86/fpu lines against
# the model's prediction for the native table at the kernel's release
# (`xsvm cpuid check --cpuid native --against-log LOG`), byte for byte.
#
# The log comes from dmesg, else `journalctl -k -b`, else /dev/kmsg. When
# none of them holds an x86/fpu line (rotated away, or not permitted), the
# test says so on one line and is skipped (exit 77); under CI (CI=true),
# which runs as root and can read the log, that fails.
#
# Usage: bash host_kernel_test.sh PATH_TO_XSVM
set -u
X=${1:?usage: host_kernel_test.sh PATH_TO_XSVM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log=$tmp/kernel.log

has_fpu() {
	grep -q 'x86/fpu: ' "$log"
}

from=""
if dmesg >"$log" 2>/dev/null && has_fpu; then
	from=dmesg
elif journalctl -k -b -o cat --no-pager >"$log" 2>/dev/null && has_fpu; then
	from="journalctl -k -b"
else
	timeout 5 dd if=/dev/kmsg of="$log" bs=65536 iflag=nonblock 2>/dev/null
	if has_fpu; then
		from=/dev/kmsg
	fi
fi
if [ -z "$from" ]; then
	echo "host kernel: no x86/fpu lines in dmesg, journalctl -k -b or /dev/kmsg (rotated away, or reading the kernel log is not permitted)"
	if [ "${CI:-}" = true ]; then
		exit 1
	fi
	exit 77
fi

release=$(grep -m1 -o 'Linux version [^ ]*' "$log" | cut -d' ' -f3)
cpu=$(awk -F': ' '/^model name/ { m = $2 } /^cpu family/ { f = $2 }
	/^model\t/ { n = $2 } END { printf "%s, family %s model %s", m, f, n; exit }' /proc/cpuinfo)
out=$("$X" cpuid check --cpuid native --against-log "$log" 2>&1)
rc=$?
summary=$(grep '^against ' <<<"$out")
lines=$(grep -c 'x86/fpu: ' "$log")
echo "host kernel: Linux ${release:-?} (from $from), CPU: $cpu, $lines x86/fpu lines in the log"
echo "$summary"
if [ "$rc" -ne 0 ] || ! grep -q "equal the kernel's\$" <<<"$summary"; then
	echo "FAIL the model's prediction differs from this machine's kernel (exit $rc):"
	echo "$out"
	echo "the kernel's lines:"
	grep -E 'x86/fpu|XSAVE|xstate|CPUID\[0d' "$log"
	exit 1
fi
echo "ok   the model's lines equal this machine's kernel's"
