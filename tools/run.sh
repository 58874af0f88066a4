#!/usr/bin/env bash
# Set up, build and run xsvm's main job: boot the built-in test guest under
# KVM with the CPUID table this host's KVM offers, built by the ordered
# XSAVE builder; the guest reads the table through the CPUID service and
# prints what Linux 6.8 would print about it, and xsvm gives the verdict.
# Extra arguments go to `xsvm run` (e.g. --cpuid FILE --policy tdx,
# --xsave-order hash:1, --linux 5.15, --report FILE).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/tools/setup.sh" >&2
if [ ! -c /dev/kvm ]; then
	echo "run: /dev/kvm is missing: xsvm needs KVM" >&2
	exit 1
fi
"$root/tools/build.sh" "$root/build" >&2
exec "$root/build/xsvm" run "$@"
