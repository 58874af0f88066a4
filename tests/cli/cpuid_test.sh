#!/usr/bin/env bash
# Integration test of `xsvm cpuid build|check|orders`: runs the built binary
# and asserts exact output lines, messages and exit statuses.
#
# Usage: bash cpuid_test.sh PATH_TO_XSVM TEST_DATA_DIR
set -u

X=${1:?usage: cpuid_test.sh PATH_TO_XSVM TEST_DATA_DIR}
DATA=${2:?usage: cpuid_test.sh PATH_TO_XSVM TEST_DATA_DIR}
SPR=$DATA/cpuid-dumps/intel-sapphirerapids.txt

. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- help

run "$X" --help
expect_rc "xsvm --help" 0
expect_line "xsvm --help" "usage: xsvm COMMAND [OPTIONS]"
expect_contains "xsvm --help" "cpuid orders"
expect_contains "xsvm --help" "usage: xsvm run [--kernel FILE]"
run "$X" cpuid --help
expect_rc "xsvm cpuid --help" 0
for cmd in build check orders; do
	run "$X" cpuid $cmd --help
	expect_rc "xsvm cpuid $cmd --help" 0
	expect_contains "xsvm cpuid $cmd --help" "usage: xsvm cpuid $cmd"
done
run "$X" cpuid build --help
for opt in --cpuid --xcr0 --xss --xsave-order --linux --json; do
	expect_contains "build --help documents $opt" "  $opt"
done

# ---------------------------------------------------------------- host

run "$X" cpuid build --cpuid host
expect_rc "build --cpuid host" 0
printf '%s\n' "$out" >"$tmp/host.txt"
expect_line "build --cpuid host" "# source: host (KVM_GET_SUPPORTED_CPUID)"
expect_line "build --cpuid host" "# order: ascending"
host_first=$out

# Deterministic whichever CPU runs the VMM (KVM copies APIC IDs from it).
for cpu in $(seq 0 $(($(nproc) - 1)) | head -n 4); do
	run taskset -c "$cpu" "$X" cpuid build
	if [ "$rc" -eq 0 ] && [ "$out" = "$host_first" ]; then
		ok "build on CPU $cpu: host is the default source, same table"
	else
		bad "build on CPU $cpu: exit $rc or a different table" \
			"$(diff <(echo "$host_first") <(echo "$out") | head -n 4)"
	fi
done

# What the kernel would do with the host table depends on the host: when
# KVM does not offer CPUID.1:ECX.XSAVE (this project's software KVM), the
# kernel runs no XSAVE check at all; otherwise the check must pass.
leaf1_ecx=$(sed -n 's/^leaf=0x00000001 subleaf=0x0 eax=0x[0-9a-f]* ebx=0x[0-9a-f]* ecx=\(0x[0-9a-f]*\).*/\1/p' "$tmp/host.txt")
if [ -n "$leaf1_ecx" ] && (((leaf1_ecx >> 26) & 1)); then
	host_verdict="verdict: consistent"
else
	host_verdict="verdict: no XSAVE: CPUID.1:ECX.XSAVE is clear, the kernel checks nothing and does not use XSAVE"
fi
"$X" cpuid build --cpuid host 2>"$tmp/stderr" | "$X" cpuid check - >"$tmp/out" 2>>"$tmp/stderr"
st=("${PIPESTATUS[@]}")
out=$(cat "$tmp/out")
err=$(cat "$tmp/stderr")
rc=$((st[0] ? 100 : st[1]))
expect_rc "build --cpuid host | check -" 0
expect_line "build --cpuid host | check -" "$host_verdict"
expect_line "build --cpuid host | check -" \
	"-- xsvm cpuid check: Linux 6.8 model of <stdin> (dump format)"

run "$X" cpuid build --cpuid host --json
expect_rc "build --cpuid host --json" 0
expect_contains "build --json" '"source": "host",'
expect_contains "build --json" '"order": "ascending",'
expect_contains "build --json" '"state_from_model": true,'
expect_contains "build --json" '"table_hash": "0x'
expect_contains "build --json" '"leaf": "0xd",'

# ---------------------------------------------------------------- native

run "$X" cpuid build --cpuid native
expect_rc "build --cpuid native" 0
printf '%s\n' "$out" >"$tmp/native.txt"
expect_line "build --cpuid native" "# source: native (CPUID instruction)"
native_leaf0=$(grep '^leaf=0x00000000 subleaf=0x0 ' "$tmp/native.txt")
if [ -n "$native_leaf0" ]; then
	ok "build --cpuid native: has leaf 0"
else
	bad "build --cpuid native: no leaf 0"
fi
run "<$tmp/native.txt" "$X" cpuid check
expect_rc "build --cpuid native | check" 0
expect_line "build --cpuid native | check" "verdict: consistent"

# The (leaf, subleaf) keys must be those of Debian's `cpuid -r` for the
# basic, hypervisor and extended ranges. cpuid -r also probes the
# 0x20000000, 0x40000100, 0x80860000 and 0xc0000000 vendor ranges, which
# xsvm does not enumerate.
if command -v cpuid >/dev/null; then
	cpuid -r -1 | sed -n 's/^ *0x\([0-9a-f]*\) 0x\([0-9a-f]*\):.*/\1 \2/p' |
		while read -r l s; do printf '%08x %x\n' "0x$l" "0x$s"; done |
		grep -v -e '^20000000' -e '^40000[1-f]' -e '^8086' -e '^c0000' \
			>"$tmp/ref.keys"
	sed -n 's/^leaf=0x\([0-9a-f]*\) subleaf=0x\([0-9a-f]*\) .*/\1 \2/p' \
		"$tmp/native.txt" >"$tmp/native.keys"
	if diff "$tmp/ref.keys" "$tmp/native.keys" >"$tmp/keys.diff"; then
		ok "native: same $(wc -l <"$tmp/ref.keys") leaves/subleaves as cpuid -r"
	else
		bad "native: leaves/subleaves differ from cpuid -r" \
			"$(head -n 8 "$tmp/keys.diff")"
	fi
	ref0=$(cpuid -r -1 | sed -n 's/^ *0x00000000 0x00: \(.*\)/\1/p')
	if [ "${native_leaf0#*subleaf=0x0 }" = "$ref0" ]; then
		ok "native: leaf 0 equals cpuid -r"
	else
		bad "native: leaf 0 differs from cpuid -r" "$native_leaf0" "$ref0"
	fi
else
	bad "native: the cpuid tool (Debian package cpuid) is not installed"
fi

# ---------------------------------------------------------------- #708

state=(--xcr0 0x600e7 --xss 0x800)
run "$X" cpuid build --cpuid "$SPR" "${state[@]}"
expect_rc "build SPR ascending" 0
printf '%s\n' "$out" >"$tmp/spr.txt"
expect_line "build SPR ascending" "# xcr0: 0x600e7 (--xcr0)"
expect_line "build SPR ascending" "# xss: 0x800 (--xss)"
expect_line "build SPR ascending" "# 0xD.0 ebx 11008 ecx 11008; 0xD.1 ebx 10752"
expect_line "build SPR ascending" \
	"leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x00002a00 ecx=0x0000dd00 edx=0x00000000"
expect_err "build SPR ascending" ""

run "$X" cpuid check "$tmp/spr.txt" "${state[@]}"
expect_rc "check SPR ascending" 0
expect_line "check SPR ascending" \
	"x86/fpu: xstate_offset[18]: 2560, xstate_sizes[18]: 8192"
expect_line "check SPR ascending" \
	"x86/fpu: Enabled xstate features 0x608e7, context size is 10752 bytes, using 'compacted' format."
expect_line "check SPR ascending" "size 10752, kernel_size 10752 (0xD.1 EBX), max standard size 11008 (0xD.0 ECX)"
expect_line "check SPR ascending" "verdict: consistent"

run "$X" cpuid check "$tmp/spr.txt" "${state[@]}" --json
expect_rc "check SPR --json" 0
expect_contains "check SPR --json" '"format": "compacted",'
expect_contains "check SPR --json" '"compacted_size": 10752,'
expect_contains "check SPR --json" '"reported_size": 10752,'
expect_contains "check SPR --json" '"consistent": true,'
expect_contains "check SPR --json" '"compacted_offset": 2560,'

# hash:1 visits CET_U (11) after both AMX components, as the OpenHCL hash map
# did on the failing boots; hash:4 happens to give the right size.
run "$X" cpuid build --cpuid "$SPR" "${state[@]}" --xsave-order hash:1
expect_rc "build SPR hash:1" 0
printf '%s\n' "$out" >"$tmp/spr-hash.txt"
expect_err "build SPR hash:1" \
	"xsvm: warning: --xsave-order hash:1 is a deliberately defective accumulation order reproducing OpenVMM #708: 0xD.1 EBX = 10704, the ascending order gives 10752"
expect_line "build SPR hash:1" \
	"# WARNING: order hash:1 is deliberately defective: it reproduces OpenVMM #708"
expect_line "build SPR hash:1" \
	"# WARNING: 0xD.1 EBX = 10704 here; the ascending (architectural) order gives 10752"
expect_line "build SPR hash:1" \
	"leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x000029d0 ecx=0x0000dd00 edx=0x00000000"

run "<$tmp/spr-hash.txt" "$X" cpuid check - "${state[@]}"
expect_rc "check SPR hash:1" 1
expect_line "check SPR hash:1" "XSAVE consistency problem: size 10752 != kernel_size 10704"
expect_line "check SPR hash:1" \
	"CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=0000dd00 edx=00000000"
expect_line "check SPR hash:1" \
	"verdict: inconsistent: the kernel would WARN at arch/x86/kernel/fpu/xstate.c:602 and disable XSAVE"
expect_no_line "check SPR hash:1" "verdict: consistent"

# The kernel's own dump of leaf 0xD, as a dmesg, reads back as a table:
# leaves 1 and 7 are missing, so the flags implied by leaf 0xD are assumed.
grep '^CPUID\[' <<<"$out" | sed 's/^/[    0.000000] /' >"$tmp/dmesg.txt"
run "$X" cpuid check "$tmp/dmesg.txt" "${state[@]}"
expect_rc "check dmesg dump" 1
expect_line "check dmesg dump" \
	"note: leaves 1 and 7 are missing: the feature flags implied by leaf 0xD were assumed present"
expect_line "check dmesg dump" "XSAVE consistency problem: size 10752 != kernel_size 10704"
run "$X" cpuid check "$tmp/dmesg.txt" "${state[@]}" --json
expect_rc "check dmesg dump --json" 1
expect_contains "check dmesg dump --json" '"flags_assumed": true,'
expect_contains "check dmesg dump --json" '"input_format": "dmesg",'
expect_contains "check dmesg dump --json" \
	'"XSAVE consistency problem: size 10752 != kernel_size 10704"'

run "$X" cpuid build --cpuid "$SPR" "${state[@]}" --xsave-order hash:4
expect_rc "build SPR hash:4" 0
expect_line "build SPR hash:4" "# 0xD.0 ebx 11008 ecx 11008; 0xD.1 ebx 10752"
expect_err "build SPR hash:4" \
	"xsvm: warning: --xsave-order hash:4 is a deliberately defective accumulation order reproducing OpenVMM #708: 0xD.1 EBX = 10752, the ascending order gives 10752 (same for this state)"

run "$X" cpuid orders "$SPR" "${state[@]}"
expect_rc "orders SPR" 0
expect_line "orders SPR" "size 10704: 1680 orders"
expect_line "orders SPR" "size 10752: 3360 orders (ascending)"
expect_line "orders SPR" "total: 5040 orders"

run "<$SPR" "$X" cpuid orders - "${state[@]}" --json
expect_rc "orders SPR --json" 0
expect_contains "orders SPR --json" '"orders_total": 5040,'
expect_contains "orders SPR --json" '"ascending_size": 10752,'
if tr -d ' \n' <<<"$out" | grep -Fq '"sizes":[{"size":10704,"orders":1680},{"size":10752,"orders":3360}]'; then
	ok "orders SPR --json: sizes"
else
	bad "orders SPR --json: sizes" "$out"
fi

# ---------------------------------------------------------------- bad input

printf 'hello world\n' >"$tmp/garbage.txt"
printf 'leaf=0x0000000d subleaf=0x0 eax=0x00000207 ebx=0x1\n' >"$tmp/trunc.txt"
printf 'leaf=0x0000000d subleaf=0x0 eax=0x1ffffffff ebx=0x0 ecx=0x0 edx=0x0\n' >"$tmp/range.txt"
printf 'leaf=0x0000000d subleaf=0x0 eax=0x207 ebx=0x0 ecx=0x0 edx=0x0\n%.0s' 1 2 >"$tmp/dup.txt"
: >"$tmp/empty.txt"
mkdir "$tmp/dir"
head -c 10000000 /dev/zero | tr '\0' 'a' >"$tmp/long.txt"
{
	printf 'leaf=0x00000000 subleaf=0x0 eax=0x0 ebx=0x0 ecx=0x0 edx=0x0 '
	head -c 10000000 /dev/zero | tr '\0' 'a'
	echo
} >"$tmp/long-leaf.txt"

not_table="not a CPUID table (expected 'leaf=' dump lines, cpuid -r output or a dmesg with 'CPUID[0d, NN]:' lines)"

run "$X" cpuid check "$tmp/garbage.txt"
expect_usage_error "garbage file" "xsvm: $tmp/garbage.txt: $not_table"
run "$X" cpuid check "$tmp/trunc.txt"
expect_usage_error "truncated line" "xsvm: $tmp/trunc.txt:1: expected 'ecx='"
run "$X" cpuid check "$tmp/range.txt"
expect_usage_error "value out of range" \
	"xsvm: $tmp/range.txt:1: 'eax=' value out of range (over 32 bits)"
run "$X" cpuid check "$tmp/dup.txt"
expect_usage_error "duplicate entries" \
	"xsvm: $tmp/dup.txt:2: duplicate entry for leaf 0xd subleaf 0x0"
run "$X" cpuid check "$tmp/empty.txt"
expect_usage_error "empty file" "xsvm: $tmp/empty.txt: empty file"
run "$X" cpuid check -
expect_usage_error "empty stdin" "xsvm: <stdin>: empty file"
run "$X" cpuid check "$tmp/dir"
expect_usage_error "directory" "xsvm: $tmp/dir: is a directory"
run "$X" cpuid check "$tmp/long.txt"
expect_usage_error "10 MB single line" "xsvm: $tmp/long.txt: $not_table"
run "$X" cpuid check "$tmp/long-leaf.txt"
expect_usage_error "10 MB dump line" "xsvm: $tmp/long-leaf.txt:1: line too long for a dump line"
run "$X" cpuid check "$tmp/nonexistent"
expect_usage_error "nonexistent file" "xsvm: $tmp/nonexistent: No such file or directory"
run "$X" cpuid build --cpuid "$tmp/nonexistent"
expect_usage_error "build: nonexistent source" "xsvm: $tmp/nonexistent: No such file or directory"
run "$X" cpuid check "$SPR" --xcr0 0x60zz
expect_usage_error "bad --xcr0" "xsvm: --xcr0: '0x60zz' is not a number (decimal or 0x-hex)"
run "$X" cpuid check "$SPR" --xcr0 0x10000000000000000
expect_usage_error "--xcr0 over 64 bits" "xsvm: --xcr0: '0x10000000000000000' does not fit in 64 bits"
run "$X" cpuid build --cpuid "$SPR" --xss -1
expect_usage_error "negative --xss" "xsvm: --xss: '-1' is not a number (decimal or 0x-hex)"
run "$X" cpuid build --cpuid "$SPR" --xcr0 0x80007
expect_usage_error "build: unsupported --xcr0" \
	"xsvm: $SPR: --xcr0 0x80007 names components 0x80000 that the table does not support (0xD.0 EDX:EAX = 0x602e7)"
run "$X" cpuid check --frobnicate "$SPR"
expect_usage_error "unknown option" \
	"xsvm: cpuid check: unknown option '--frobnicate' (see xsvm cpuid check --help)"
run "$X" cpuid build --xcr0
expect_usage_error "missing option value" \
	"xsvm: cpuid build: option '--xcr0' needs a value (see xsvm cpuid build --help)"
run "$X" cpuid build --xsave-order random
expect_usage_error "bad --xsave-order" \
	"xsvm: --xsave-order: 'random' is neither 'ascending', 'hash:SEED' nor 'hash-vcpu:SEED' (SEED a 64-bit number)"
run "$X" cpuid check "$SPR" --linux 4.19.x
expect_usage_error "bad --linux" "xsvm: --linux: '4.19.x' is not a kernel release: want X.Y or X.Y.Z, such as 6.1, 6.1.4 or 6.18"
run "$X" cpuid orders "$SPR"
expect_usage_error "orders without --xcr0" \
	"xsvm: cpuid orders: --xcr0 MASK is required (see xsvm cpuid orders --help)"
run "$X" cpuid orders "$SPR" --xcr0 0x10007
expect_usage_error "orders: undescribed component" \
	"xsvm: $SPR: component 16 of --xcr0/--xss 0x10007 has no leaf 0xD subleaf 0x10 in the table"
run "$X" cpuid check "$SPR" extra
expect_usage_error "extra argument" \
	"xsvm: cpuid check: unexpected argument 'extra' (see xsvm cpuid check --help)"
run "$X" cpuid frob
expect_usage_error "unknown cpuid command" \
	"xsvm: cpuid: unknown command 'frob' (see xsvm cpuid --help)"
run "$X" frob
expect_usage_error "unknown command" "xsvm: unknown command 'frob' (see xsvm --help)"

finish
