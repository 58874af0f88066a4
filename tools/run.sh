#!/usr/bin/env bash
# Set up, build and run xsvm's main job: boot the built-in test guest under
# KVM with the CPUID table this host's KVM offers, built by the ordered
# XSAVE builder; the guest reads the table through the CPUID service and
# prints what Linux 6.8 would print about it, and xsvm gives the verdict.
# Extra arguments go to `xsvm run` (e.g. --cpuid FILE --policy tdx,
# --xsave-order hash:1, --linux 5.15, --report FILE).
#
# Where this host has no /dev/kvm, the same command runs in the box
# (tools/box.sh: Debian's kernel and KVM modules in an emulated machine),
# and the script says so. Either way xsvm's exit status is the script's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/tools/setup.sh" >&2
"$root/tools/build.sh" "$root/build" >&2
if [ -c /dev/kvm ]; then
	exec "$root/build/xsvm" run "$@"
fi
echo "run: this host has no /dev/kvm: running xsvm in the box (tools/box.sh)" >&2
exec "$root/tools/box.sh" --build "$root/build" -- "$root/build/xsvm" run "$@"
