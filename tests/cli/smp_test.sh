#!/usr/bin/env bash
# Debian's kernel on several vCPUs: --cpus 4, and 2 sockets x 2 cores x 2
# threads, with the cpuinfo initramfs of tests/cli/mkinitrd.sh. Linux finds
# the APs in the MP table and starts them ("smp: Brought up 1 node, N
# CPUs"), warns about no APIC ID or topology, and reports in /proc/cpuinfo
# the topology stated; the XSAVE verdict is the one the same host gives
# one vCPU.
#
# Usage: bash smp_test.sh PATH_TO_XSVM GUEST_DIR [qemu]
set -u
usage="usage: smp_test.sh PATH_TO_XSVM GUEST_DIR [qemu]"
X=${1:?$usage}
G=${2:?$usage}
M=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
guest_setup
guest_initrds cpuinfo
[ -n "$M" ] || require_kvm "this test boots Debian's kernel on several vCPUs"

guest_driver
cat >>"$o/driver.sh" <<DRIVER
smp() { # NAME ARGS...
	one "\$@" --initrd "\$o/initrd-cpuinfo.gz" --full-boot --quiet
}
smp one
smp four --cpus 4
smp smt --topology sockets=2,cores=2,threads=2
DRIVER
guest_run_driver 1800

rc1=$(cat "$o/one.rc")
verdict1=$(field one "d['verdict']")
check() { # NAME CPUS SOCKETS CORES THREADS
	local n=$1 cpus=$2 s=$3 c=$4 t=$5 got i
	out=$(tr -d '\r' <"$o/$n.console" | sed 's/^\[[^]]*\] //')
	expect_line "$n" "smp: Brought up 1 node, $cpus CPUs"
	if grep -aq -e 'Firmware Bug' -e 'APIC id mismatch' -e 'topology' "$o/$n.console"; then
		bad "$n: a firmware, APIC ID or topology warning" "$(grep -a -e 'Firmware Bug' -e 'APIC id mismatch' -e topology "$o/$n.console" | head -3)"
	else
		ok "$n: no firmware, APIC ID or topology warning"
	fi
	for ((i = 0; i < cpus; i++)); do
		local core=$((i / t % c)) sock=$((i / (t * c)))
		expect_line "$n" "xsvm-guest: cpu $i apicid $i physical id $sock core id $core siblings $((c * t)) cpu cores $c"
	done
	got=$(grep -ac '^xsvm-guest: cpu ' "$o/$n.console")
	if [ "$got" -eq "$cpus" ]; then ok "$n: $cpus processors"; else bad "$n: $got processors, want $cpus"; fi
	expect_eq "$n: report vCPUs" "$(field "$n" "len(d['vcpus']), d['topology']['sockets'], d['topology']['cores'], d['topology']['threads']")" "$cpus $s $c $t"
	expect_eq "$n: every vCPU ran" "$(field "$n" "all(v['exits'] > 0 for v in d['vcpus'])")" "True"
	expect_eq "$n: the run ends at the reset" "$(field "$n" "d['end']['reason']")" "reset"
	expect_eq "$n: the verdict of one vCPU" "$(field "$n" "d['verdict']")" "$verdict1"
	expect_eq "$n: its exit status" "$(cat "$o/$n.rc")" "$rc1"
}
for s in one four smt; do
	[ -s "$o/$s.json" ] || bad "$s: no report" "$(tail -n 5 "$o/$s.err" 2>/dev/null)"
done
expect_eq "one vCPU: no vcpus in the report" "$(field one "'vcpus' in d")" "False"
check four 4 1 4 1
check smt 8 2 2 2
finish
