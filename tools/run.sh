#!/usr/bin/env bash
# Set up, build and run xsvm's main job: build the CPUID table this host's
# KVM offers a guest, with the ordered XSAVE builder, and predict what the
# Linux kernel would print about it. Extra arguments go to `xsvm cpuid check`
# (e.g. --linux 5.15, --json).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/tools/setup.sh" >&2
"$root/tools/build.sh" "$root/build" >&2
xsvm="$root/build/xsvm"
"$xsvm" cpuid build --cpuid host | "$xsvm" cpuid check - "$@"
