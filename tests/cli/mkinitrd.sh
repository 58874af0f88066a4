#!/usr/bin/env bash
# Write an initramfs for the console and end-of-boot tests: BASE (the
# initramfs of tools/fetch-guest.sh: busybox and its links) followed by a
# second cpio archive whose /init replaces BASE's (the kernel unpacks the
# archives in order). KIND says what /init does:
#
#   lines     prints N numbered lines of 60 bytes (N: 4th argument, default
#             1000), then "xsvm-guest: lines done", then powers off
#   shell     runs an interactive sh on the console (/init is the shell)
#   poweroff  prints "xsvm-guest: init done" and runs poweroff -f
#   reboot    the same with reboot -f
#   panic     the same, then crashes the kernel through /proc/sysrq-trigger
#   cpuinfo   prints "xsvm-guest: cpu" and the topology fields of each
#             processor in /proc/cpuinfo, one line each, then reboot -f
#   meminfo   prints "xsvm-guest: " and the MemTotal line of /proc/meminfo,
#             then reboot -f
#
# Usage: mkinitrd.sh BASE OUT KIND [N]
set -euo pipefail

base=${1:?usage: mkinitrd.sh BASE OUT KIND [N]}
out=${2:?usage: mkinitrd.sh BASE OUT KIND [N]}
kind=${3:?usage: mkinitrd.sh BASE OUT KIND [N]}
n=${4:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mounts='/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys'
case $kind in
lines)
	body="$mounts
i=1
while [ \$i -le $n ]; do
	/bin/busybox printf 'line %05d 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL\\n' \$i
	i=\$((i + 1))
done
echo 'xsvm-guest: lines done'
/bin/busybox poweroff -f"
	;;
shell)
	body="$mounts
/bin/busybox --install -s /bin
echo 'xsvm-guest: shell ready'
exec /bin/busybox sh"
	;;
poweroff | reboot)
	body="$mounts
echo 'xsvm-guest: init done'
/bin/busybox $kind -f"
	;;
cpuinfo)
	body="$mounts
/bin/busybox awk -F': *' '/^processor/ { p = \$2 } /^physical id/ { s = \$2 }
/^siblings/ { n = \$2 } /^core id/ { c = \$2 } /^cpu cores/ { k = \$2 }
/^apicid/ { printf \"xsvm-guest: cpu %s apicid %s physical id %s core id %s siblings %s cpu cores %s\\n\", p, \$2, s, c, n, k }' /proc/cpuinfo
echo 'xsvm-guest: init done'
/bin/busybox reboot -f"
	;;
meminfo)
	body="$mounts
/bin/busybox awk '/^MemTotal:/ { print \"xsvm-guest: \" \$0 }' /proc/meminfo
echo 'xsvm-guest: init done'
/bin/busybox reboot -f"
	;;
panic)
	body="$mounts
echo 'xsvm-guest: init done'
echo c >/proc/sysrq-trigger"
	;;
*)
	echo "mkinitrd.sh: unknown kind '$kind'" >&2
	exit 2
	;;
esac
mkdir -p "$work/tree"
printf '#!/bin/busybox sh\n%s\n' "$body" >"$work/tree/init"
chmod 755 "$work/tree/init"
(cd "$work/tree" && echo init | cpio --quiet -o -H newc -R 0:0) |
	gzip -n -9 >"$work/overlay.cpio.gz"
cat "$base" "$work/overlay.cpio.gz" >"$out.tmp"
mv -f "$out.tmp" "$out"
