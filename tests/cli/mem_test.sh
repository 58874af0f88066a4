#!/usr/bin/env bash
# Debian's kernel with guest RAM past the 32-bit PCI hole: --mem 4096 and
# --mem 8192 (lazily backed: the QEMU box has 2 GiB, Linux touches only
# what it uses), with the meminfo initramfs of tests/cli/mkinitrd.sh. The
# kernel prints exactly xsvm's e820 map (RAM to 3 GiB, the rest from
# 4 GiB), counts all of it in its "Memory:" line, and reports a MemTotal
# within its own reservations of that; the run ends at the reset with the
# verdict one vCPU at the default size gives.
#
# Usage: bash mem_test.sh PATH_TO_XSVM GUEST_DIR [qemu]
set -u
usage="usage: mem_test.sh PATH_TO_XSVM GUEST_DIR [qemu]"
X=${1:?$usage}
G=${2:?$usage}
M=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
X=$(cd "$(dirname "$X")" && pwd)/$(basename "$X")
G=$(cd "$G" && pwd)
o=$tmp/out
mkdir -p "$o"
export XSVM_CACHE_DIR=$tmp/cache
require_guest "$G"
bash "$here/mkinitrd.sh" "$G/initramfs.cpio.gz" "$o/initrd.gz" meminfo ||
	bad "mkinitrd.sh meminfo failed"
[ -n "$M" ] || require_kvm "this test boots Debian's kernel with 8 GiB"

cat >"$o/driver.sh" <<DRIVER
for mib in 4096 8192; do
	"$X" run --kernel "$G/vmlinuz" --initrd "$o/initrd.gz" --full-boot \\
		--timeout 600 --append clearcpuid=cx16 --quiet --mem \$mib \\
		--console "$o/\$mib.console" --report "$o/\$mib.json" \\
		>"$o/\$mib.out" 2>"$o/\$mib.err" </dev/null
	echo \$? >"$o/\$mib.rc"
done
DRIVER
if [ "$M" = qemu ]; then
	"$here/../../tools/box.sh" --machine qemu --build "$(dirname "$X")" \
		--timeout 1200 -- bash "$o/driver.sh"
else
	bash "$o/driver.sh"
fi

field() { # MIB EXPR
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$o/$1.json"
}
expect_eq() { if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi; }
check() { # MIB HIGH_END: the last byte of RAM above 4 GiB
	local mib=$1 total mem reserved memtotal
	if [ ! -s "$o/$mib.json" ]; then
		bad "$mib: no report" "$(tail -n 5 "$o/$mib.err" 2>/dev/null)"
		return
	fi
	out=$(tr -d '\r' <"$o/$mib.console" | sed 's/^\[[^]]*\] //')
	expect_eq "$mib: e820 lines" "$(grep -c '^BIOS-e820: ' <<<"$out")" 4
	expect_line "$mib" "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"
	expect_line "$mib" "BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved"
	expect_line "$mib" "BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable"
	expect_line "$mib" "BIOS-e820: [mem 0x0000000100000000-$2] usable"
	# "Memory: FREEK/TOTALK available (... RESERVEDK reserved, ...)": TOTAL
	# is every whole page of e820 RAM but page 0, which Linux reserves
	# (632 KiB from 0x1000 to 0x9f000, then all RAM from 1 MiB); MemTotal
	# is what is left after the kernel's reservations (and its freed init
	# sections).
	mem=$(grep -m1 '^Memory: [0-9]*K/[0-9]*K available' <<<"$out")
	total=$(sed 's|^Memory: [0-9]*K/\([0-9]*\)K.*|\1|' <<<"$mem")
	reserved=$(sed 's|.* \([0-9]*\)K reserved.*|\1|' <<<"$mem")
	memtotal=$(sed -n 's/^xsvm-guest: MemTotal: *\([0-9]*\) kB$/\1/p' <<<"$out")
	printf '     | %s\n     | MemTotal: %s kB\n' "$mem" "$memtotal"
	expect_eq "$mib: Memory: total" "$total" $((mib * 1024 - 1024 + 632))
	if [ -n "$memtotal" ] && [ -n "$reserved" ] &&
		[ "$memtotal" -le "$total" ] && [ "$memtotal" -ge $((total - reserved)) ]; then
		ok "$mib: MemTotal $memtotal kB within the $reserved kB reserved of $total kB"
	else
		bad "$mib: MemTotal '$memtotal' kB, want $((total - reserved))..$total"
	fi
	expect_eq "$mib: report mem_mib" "$(field "$mib" "d['mem_mib']")" "$mib"
	expect_eq "$mib: the run ends at the reset" "$(field "$mib" "d['end']['reason']")" "reset"
}
check 4096 0x000000013fffffff
check 8192 0x000000023fffffff
expect_eq "the same verdict at both sizes" "$(field 8192 "d['verdict']")" "$(field 4096 "d['verdict']")"
expect_eq "the same exit status at both sizes" "$(cat "$o/8192.rc")" "$(cat "$o/4096.rc")"
finish
