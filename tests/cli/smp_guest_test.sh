#!/usr/bin/env bash
# The test guest on several vCPUs, in the QEMU box: it starts its APs with
# INIT and SIPI and every vCPU checks its own CPUID, topology and leaf 0xD.
# --cpus 1, 2, 4, 8 and 2 sockets x 2 cores x 2 threads pass with every
# vCPU started and agreeing; under --xsave-order hash-vcpu:1 on the #708
# table at 8 vCPUs, exactly the vCPUs whose own order (the report's) gives
# another 0xD.1 EBX than vCPU 0's are named, with both sizes and the bytes
# between them; a table without long mode is refused for APs.
#
# Usage: bash smp_guest_test.sh PATH_TO_XSVM TEST_DATA_DIR [qemu]
set -u
usage="usage: smp_guest_test.sh PATH_TO_XSVM TEST_DATA_DIR [qemu]"
X=${1:?$usage}
DATA=${2:?$usage}
M=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
X=$(cd "$(dirname "$X")" && pwd)/$(basename "$X")
DATA=$(cd "$DATA" && pwd)
T708=$DATA/tables/sapphirerapids-x86-64.txt
TDX=(--cpuid "$T708" --policy tdx --xfam 0x618e7)
o=$tmp/out
mkdir -p "$o"
export XSVM_CACHE_DIR=$tmp/cache
[ -n "$M" ] || require_kvm "this test boots the test guest on several vCPUs"

# No KVM needed: the table is refused before the host is touched.
run "$X" run --cpus 2 --cpuid "$DATA/cpuid-dumps/intel-sapphirerapids.txt" --quiet
expect_rc "--cpus 2 on a leaf 0xd dump" 2
expect_err "--cpus 2 on a leaf 0xd dump" \
	"xsvm: --cpus 2: the table has no long mode (CPUID 0x80000001 EDX[29]), so no AP can enter 64-bit mode (KVM refuses EFER.LME); a leaf 0xd dump without the extended leaves boots one vCPU only"

cat >"$o/driver.sh" <<DRIVER
one() { # NAME ARGS...
	n=\$1
	shift
	"$X" run --quiet --console "$o/\$n.console" --report "$o/\$n.json" \\
		"\$@" >"$o/\$n.out" 2>"$o/\$n.err" </dev/null
	echo \$? >"$o/\$n.rc"
}
one c1 --cpus 1
one c2 --cpus 2
one c4 --cpus 4
one c8 --cpus 8
one smt --topology sockets=2,cores=2,threads=2
one asc8 ${TDX[*]} --cpus 8
one hv8 ${TDX[*]} --cpus 8 --xsave-order hash-vcpu:1
DRIVER
guest_run_driver 1200

console() { # NAME
	tr -d '\r' <"$o/$1.console"
}
# all NAME CPUS SOCKETS CORES THREADS IDS: every vCPU started and agrees
all() {
	local n=$1 cpus=$2 s=$3 c=$4 t=$5 ids=$6 line
	expect_eq "$n: exit status" "$(cat "$o/$n.rc")" 0
	expect_eq "$n: verdict" "$(field "$n" "d['verdict']")" passed
	line=$(console "$n" | grep '^xsvm-guest: [0-9]* vCPUs ')
	if [[ $line =~ ^"xsvm-guest: $cpus vCPUs ($s sockets x $c cores x $t threads): $cpus started, $cpus agree with the topology ("[1-9][0-9]*" fields) and with vCPU 0 on leaf 0xd"$ ]]; then
		ok "$n: $line"
	else
		bad "$n: summary line" "$line"
	fi
	expect_eq "$n: no problem line" "$(console "$n" | grep -c '^xsvm-guest: problem: ')" 0
	expect_eq "$n: APIC IDs" "$(field "$n" "[v['apic_id'] for v in d['vcpus']]")" "$ids"
	expect_eq "$n: every AP made exits" \
		"$(field "$n" "all(v['exits'] > 0 for v in d['vcpus'])")" True
}

expect_eq "c1: exit status" "$(cat "$o/c1.rc")" 0
expect_eq "c1: one vCPU starts no AP" "$(console c1 | grep -c 'vCPUs')" 0
expect_eq "c1: one vCPU's report has no vcpus" "$(field c1 "'vcpus' in d")" False
all c2 2 1 2 1 "[0, 1]"
all c4 4 1 4 1 "[0, 1, 2, 3]"
all c8 8 1 8 1 "[0, 1, 2, 3, 4, 5, 6, 7]"
all smt 8 2 2 2 "[0, 1, 2, 3, 4, 5, 6, 7]"
all asc8 8 1 8 1 "[0, 1, 2, 3, 4, 5, 6, 7]"

# hash-vcpu:1: vCPU 0 is hash:1 (10704, the #708 size); each AP's own order
# from the report, built here, gives the 0xD.1 EBX its service answers.
ebx1() { # ORDER
	"$X" cpuid build "${TDX[@]}" --xsave-order "$1" --json 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)['ebx1'])"
}
e0=$(ebx1 hash:1)
expect_eq "hv8: vCPU 0's 0xD.1 EBX" "$e0" 10704
expect_eq "hv8: exit status" "$(cat "$o/hv8.rc")" 1
expect_eq "hv8: verdict" "$(field hv8 "d['verdict']")" problem
expect_eq "hv8: vCPU 0's order" "$(field hv8 "d['vcpus'][0]['order']")" hash:1
agree=1
differ=0
for i in 1 2 3 4 5 6 7; do
	ord=$(field hv8 "d['vcpus'][$i]['order']")
	e=$(ebx1 "$ord")
	if [ "$e" = "$e0" ]; then
		agree=$((agree + 1))
		expect_eq "hv8: vCPU $i ($ord, $e) is not named" \
			"$(console hv8 | grep -c "^xsvm-guest: problem: vCPU $i ")" 0
		continue
	fi
	differ=$((differ + 1))
	if [ "$e" = 10752 ]; then m=consistent; else m=inconsistent; fi
	want="xsvm-guest: problem: vCPU $i (APIC ID $i): 0xd.1 EBX $e where vCPU 0 has $e0 ($(printf '%+d' $((e - e0))) bytes) at XCR0 0x600e7, XSS 0x800; the Linux 6.8 model on it: $m"
	if console hv8 | grep -qxF "$want"; then
		ok "hv8: vCPU $i ($ord): $want"
	else
		bad "hv8: vCPU $i ($ord): no line" "$want" "$(console hv8 | grep "vCPU $i ")"
	fi
done
expect_eq "hv8: some AP's order differs from vCPU 0's" "$((differ > 0))" 1
line=$(console hv8 | grep '^xsvm-guest: 8 vCPUs ')
if [[ $line == "xsvm-guest: 8 vCPUs (1 sockets x 8 cores x 1 threads): 8 started, $agree agree with the topology ("*" fields) and with vCPU 0 on leaf 0xd" ]]; then
	ok "hv8: $line"
else
	bad "hv8: summary line, want $agree agreeing" "$line"
fi
expect_eq "hv8: the guest's verdict" "$(console hv8 | tail -n 1)" "xsvm-guest: verdict problem"
for n in c1 c8; do
	echo "smp_guest: $n: verdict after $(field "$n" "round(d['timings_ns']['verdict'] / 1e6, 1)") ms, $(field "$n" "d['exits']['total']") exits"
done
finish
