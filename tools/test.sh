#!/usr/bin/env bash
# Set up, build and run every test, on every KVM there is:
#
#   - the tests that need no KVM;
#   - the tests labelled kvm, natively where /dev/kvm exists, and in the
#     QEMU box (tools/box.sh: Debian's stock Linux 6.1 KVM, nested SVM)
#     always, so that every run exercises a stock KVM as well;
#   - the Debian kernel boot (label linux) natively where /dev/kvm exists,
#     and in the Bochs box (nested VMX, the box whose KVM updates leaf 0xD
#     after XSETBV) always;
#   - Debian's 6.1 and 6.12 kernels on every XSAVE-capable QEMU TCG -cpu
#     model against the Linux model (label qemu, linux_qemu_models);
#   - the AddressSanitizer + UndefinedBehaviorSanitizer build: the tests
#     that need no KVM, and the KVM tests natively where /dev/kvm exists;
#   - a 5-second smoke run of each libFuzzer target.
#
# Nothing is skipped: the summary lists which KVMs each KVM test ran on,
# and ends with "N passed, M failed" over every test run. Every stage runs
# even when an earlier one failed; the exit status is 1 if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The tests run Debian's python3, bash and tools (tools/setup.sh installs
# them), not a version manager's shims that may come first in PATH: a shim
# is a chain of shell processes per call, which in the box costs seconds.
export PATH=/usr/bin:/bin:$PATH
build=$root/build
asan=$root/build-asan
logs=$build/test-logs

"$root/tools/setup.sh" || exit 1
"$root/tools/build.sh" "$build" || exit 1
# Debian's kernels (both series) and a busybox initramfs for the boot
# tests (cached).
"$root/tools/fetch-guest.sh" "$build" || exit 1
"$root/tools/fetch-guest.sh" --series 6.12 "$build" || exit 1
"$root/tools/build.sh" "$asan" -DXSVM_SANITIZE=ON || exit 1
mkdir -p "$logs"

passed=0
failed=0
stage_failed=()
declare -A where # test name -> "kvm: result; ..."

kvm_native=""
if [ -c /dev/kvm ]; then
	for m in kvm_intel kvm_amd kvm_pvm; do
		[ -d "/sys/module/$m" ] && kvm_native="native $m, Linux $(uname -r)" && break
	done
	[ -n "$kvm_native" ] || kvm_native="native /dev/kvm, Linux $(uname -r)"
fi

# record NAME LOG LABEL: count ctest's per-test result lines in LOG.
record() {
	local name=$1 log=$2 label=$3 n=0 t r

	while read -r t r; do
		n=$((n + 1))
		if [ "$r" = Passed ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
		[ -z "$label" ] || where[$t]+="${where[$t]:+; }$label: $r"
	done < <(sed -n 's/^ *[0-9]*\/[0-9]* Test *#[0-9]*: \([^ ]*\) \.*[* ]*\([A-Za-z]*\).*/\1 \2/p' "$log")
	if ((n == 0)); then
		failed=$((failed + 1))
		stage_failed+=("$name (no test ran)")
	fi
}

# stage NAME LABEL CMD...: run CMD (a ctest run, maybe in a box), log it,
# count its tests. LABEL names the KVM for the summary ("" for none).
stage() {
	local name=$1 label=$2 log rc
	shift 2

	log=$logs/$(tr -c 'a-zA-Z0-9\n' '-' <<<"$name").log
	echo
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	record "$name" "$log" "$label"
	((rc == 0)) || stage_failed+=("$name (exit $rc)")
}

box() { # MACHINE CMD...
	local m=$1
	shift
	"$root/tools/box.sh" --machine "$m" --build "$build" -- "$@"
}

ct() { # BUILD_DIR CTEST_ARGS...
	local dir=$1
	shift
	ctest --test-dir "$dir" --output-on-failure "$@"
}

stage "tests without KVM" "" ct "$build" -LE 'kvm|box|qemu'
if [ -n "$kvm_native" ]; then
	stage "KVM tests, $kvm_native" "$kvm_native" ct "$build" -L kvm
else
	echo "test: this host has no /dev/kvm: the KVM tests run in the boxes only"
fi
stage "KVM tests, QEMU box" "box: QEMU TCG, Linux 6.1 kvm_amd" \
	box qemu ctest --test-dir "$build" --output-on-failure -L kvm -LE linux
# Tests labelled box start their own box: *_qemu_box ones the QEMU box,
# the others the Bochs box.
stage "box tests, QEMU box" "box: QEMU TCG, Linux 6.1 kvm_amd" \
	ct "$build" -L box -R 'qemu_box$'
stage "box tests, Bochs box" "box: Bochs, Linux 6.1 kvm_intel" \
	ct "$build" -L box -E 'qemu_box$'
# Tests labelled qemu boot Linux under QEMU TCG themselves, no KVM.
stage "QEMU TCG tests" "" ct "$build" -L qemu

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS UBSAN_OPTIONS
stage "sanitizer build, tests without KVM" "" ct "$asan" -LE 'kvm|box|qemu'
if [ -n "$kvm_native" ]; then
	stage "sanitizer build, KVM tests, $kvm_native" "$kvm_native (sanitizers)" \
		ct "$asan" -L kvm
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# libFuzzer targets (fuzz/, clang): a 5-second smoke run of each.
echo
echo "=== fuzz smoke runs"
if "$root/tools/fuzz.sh" 5; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	stage_failed+=("fuzz smoke runs")
fi

echo
echo "=== summary: where each KVM test ran"
for t in $(printf '%s\n' "${!where[@]}" | sort); do
	echo "  $t: ${where[$t]}"
done
for s in "${stage_failed[@]}"; do
	echo "  FAILED: $s"
done
echo "$passed passed, $failed failed"
((failed == 0))
