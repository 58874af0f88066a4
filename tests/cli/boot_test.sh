#!/usr/bin/env bash
# Integration test: boot Debian's kernel (tools/fetch-guest.sh) under KVM
# with this host's table and expect the kernel's XSAVE check to pass, its
# xstate lines to be the Linux model's prediction, and the console file to
# hold exactly what was printed. About 100 s on hosts whose KVM emulates
# every instruction; well under a second on a hardware KVM host.
#
# Usage: bash boot_test.sh PATH_TO_XSVM GUEST_DIR
set -u

X=${1:?usage: boot_test.sh PATH_TO_XSVM GUEST_DIR}
G=${2:?usage: boot_test.sh PATH_TO_XSVM GUEST_DIR}

. "$(dirname "$0")/lib.sh"

require_kvm "this test boots Debian's kernel"
if [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/initramfs.cpio.gz" ]; then
	bad "$G has no vmlinuz/initramfs.cpio.gz: run tools/fetch-guest.sh first"
	finish
	exit 1
fi

# clearcpuid=cx16: some KVMs do not emulate CMPXCHG16B (harmless elsewhere).
run "$X" run --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" \
	--append clearcpuid=cx16 --console "$tmp/console" --report "$tmp/report.json"
printf '%s\n' "$err" | sed 's/^/     | /'
expect_rc "Debian kernel, host table" 0

field() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/report.json"
}
expect_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi
}

expect_eq "verdict" "$(field "d['verdict']")" "passed"
expect_eq "kernel format" "$(field "d['kernel_format']")" "xz"
release=$(cat "$G/version")
expect_eq "version line names the release" \
	"$(field "'$release' in d['kernel_version']")" "True"
expect_eq "prediction made from the kernel's version" \
	"$(field "d['prediction']['made'] and d['prediction']['version_from_kernel']")" "True"
expect_eq "prediction matches what the kernel printed" \
	"$(field "d['prediction']['matches']")" "True"
expect_eq "every observed modelled line predicted" \
	"$(field "d['prediction']['unexpected_total']")" "0"
expect_eq "xstate lines observed" \
	"$(field "any(l.startswith('x86/fpu: Supporting XSAVE feature 0x001') for l in d['observed']['lines'])")" "True"

# The console file is exactly what went to standard output, and complete.
if [ "$(cat "$tmp/console")" = "$out" ]; then
	ok "console file equals the live console"
else
	bad "console file differs from standard output"
fi
expect_eq "console file has the version line" \
	"$(grep -c "Linux version $release" "$tmp/console")" "1"
expect_eq "console bytes reported" "$(field "d['console_bytes']")" \
	"$(wc -c <"$tmp/console")"

# The console of a clean boot explains to no problem.
run "$X" explain "$tmp/console"
expect_rc "explain the Debian console" 0
if grep -q '^no problem' <<<"$out"; then
	ok "explain the Debian console: no problem"
else
	bad "explain the Debian console" "$out"
fi

finish
