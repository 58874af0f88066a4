#!/usr/bin/env bash
# Set up, build and run every test: the normal build, then the
# AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/tools/setup.sh"

if [ ! -c /dev/kvm ]; then
	echo "test: /dev/kvm is missing: the KVM tests cannot run on this machine" >&2
	exit 1
fi

"$root/tools/build.sh" "$root/build"
# Debian's kernel and a busybox initramfs for the boot test (cached).
"$root/tools/fetch-guest.sh" "$root/build"
ctest --test-dir "$root/build" --output-on-failure

"$root/tools/build.sh" "$root/build-asan" -DXSVM_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir "$root/build-asan" --output-on-failure

# libFuzzer targets (fuzz/, clang): a 5-second smoke run of each.
"$root/tools/fuzz.sh" 5
