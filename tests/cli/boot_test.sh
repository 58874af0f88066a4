#!/usr/bin/env bash
# Integration test: boot Debian's kernel (tools/fetch-guest.sh) under KVM
# with this host's table and expect the kernel's XSAVE check to pass, its
# xstate lines to be the Linux model's prediction, and the console file to
# hold exactly what was printed. In the QEMU box, whose KVM never sees the
# guest's XSETBV (HOST.md), expect instead the warning "size S !=
# kernel_size 576" and the verdict host_defect (exit 4) that the box's
# probe findings give it. About 100 s on hosts whose KVM emulates
# every instruction; well under a second on a hardware KVM host.
#
# Usage: bash boot_test.sh PATH_TO_XSVM GUEST_DIR [BOX_MACHINE]
#
# With BOX_MACHINE (qemu or bochs), xsvm runs inside that box
# (tools/box.sh), on the box's stock KVM; its console and report come back
# and every assertion runs here.
set -u

usage="usage: boot_test.sh PATH_TO_XSVM GUEST_DIR [BOX_MACHINE]"
X=${1:?$usage}
G=${2:?$usage}
M=${3:-}

. "$(dirname "$0")/lib.sh"

# xsvm's files; with a box, the directory the box sends back
o=$tmp/out
mkdir -p "$o"
runner=()
if [ -n "$M" ]; then
	box=$(cd "$(dirname "$0")/../../tools" && pwd)/box.sh
	# The box's one progress line (which KVM, how long) lands in $err. A
	# box may merge the command's stderr into its stdout: xsvm's stderr
	# goes to a file that comes back with the console and the report.
	runner=("$box" --machine "$M" --build "$(cd "$(dirname "$X")" && pwd)"
		--with "$G" --with "$X" --out "$o" -- sh -c 'exec "$@" 2>"$0"' "$o/stderr")
	# the probe's findings and the decompressed kernel go to caches of the
	# test's own, outside --out: the Bochs box sends --out back over its
	# serial port, where a 66 MB vmlinux has no place
	export XSVM_CACHE_DIR=$tmp/cache
else
	require_kvm "this test boots Debian's kernel"
fi
if [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/initramfs.cpio.gz" ]; then
	bad "$G has no vmlinuz/initramfs.cpio.gz: run tools/fetch-guest.sh first"
	finish
	exit 1
fi

# clearcpuid=cx16: some KVMs do not emulate CMPXCHG16B (harmless elsewhere).
run "${runner[@]}" "$X" run --kernel "$G/vmlinuz" --initrd "$G/initramfs.cpio.gz" \
	--append clearcpuid=cx16 --console "$o/console" --report "$o/report.json"
[ ! -f "$o/stderr" ] || err=$err$'\n'$(cat "$o/stderr")
printf '%s\n' "$err" | sed 's/^/     | /'

field() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$o/report.json"
}
expect_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi
}

if [ "$M" = qemu ]; then
	expect_rc "Debian kernel in the QEMU box: host defect" 4
	j="d['host_judgement']"
	expect_eq "verdict" "$(field "d['verdict']")" "host_defect"
	expect_eq "the kernel's check" "$(field "d['observed']['problem']")" \
		"XSAVE consistency problem: size $(field "$j['size']") != kernel_size 576"
	expect_eq "kernel_size is the x87 size" "$(field "$j['kernel_size']")" "576"
	expect_eq "defect" "$(field "$j['defect']")" "ebx0_not_updated_after_xsetbv"
	expect_eq "the table is consistent" "$(field "$j['table_consistent']")" "True"
	expect_eq "findings probed now, in the test's cache" \
		"$(field "$j['findings_cached'], $j['cache_file'].startswith('$tmp/cache/probe-')")" "False True"
	expect_eq "the model's faithful size is the kernel's size" \
		"$(field "'with EBX updated the Linux %s model finds size %d = kernel_size %d' % (d['prediction']['linux'], $j['size'], $j['size']) in $j['text']")" "True"
	expect_eq "the release from the banner's Debian package" \
		"$(field "d['prediction']['linux'].startswith('6.1.') and int(d['prediction']['linux'][4:]) > 4")" "True"
	saved=$out out=$err
	expect_line "summary names the defect" \
		"xsvm: verdict: host_defect: $(field "$j['text']")"
	out=$saved
	expect_eq "exit status in the report" "$(field "d['exit_status']")" "4"
	finish
	exit
fi
expect_rc "Debian kernel, host table" 0

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
if [ "$(cat "$o/console")" = "$out" ]; then
	ok "console file equals the live console"
else
	bad "console file differs from standard output"
fi
expect_eq "console file has the version line" \
	"$(grep -c "Linux version $release" "$o/console")" "1"
expect_eq "console bytes reported" "$(field "d['console_bytes']")" \
	"$(wc -c <"$o/console")"

# The console of a clean boot explains to no problem.
run "$X" explain "$o/console"
expect_rc "explain the Debian console" 0
if grep -q '^no problem' <<<"$out"; then
	ok "explain the Debian console: no problem"
else
	bad "explain the Debian console" "$out"
fi

finish
