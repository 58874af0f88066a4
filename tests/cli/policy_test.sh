#!/usr/bin/env bash
# Integration test of `xsvm cpuid build --policy/--xfam`: the TDX policy on
# the Sapphire Rapids dump, the built-in policy against its example file,
# XFAM validation and malformed policy files, with exact messages and exit
# statuses.
#
# Usage: bash policy_test.sh PATH_TO_XSVM TEST_DATA_DIR POLICY_DIR
set -u

X=${1:?usage: policy_test.sh PATH_TO_XSVM TEST_DATA_DIR POLICY_DIR}
DATA=${2:?usage: policy_test.sh PATH_TO_XSVM TEST_DATA_DIR POLICY_DIR}
POLICIES=${3:?usage: policy_test.sh PATH_TO_XSVM TEST_DATA_DIR POLICY_DIR}
SPR=$DATA/cpuid-dumps/intel-sapphirerapids.txt
ICX=$DATA/cpuid-dumps/intel-icelakesp.txt

. "$(dirname "$0")/lib.sh"

# ------------------------------------------------- tdx, XFAM 0x618e7 (#708)

run "$X" cpuid build --cpuid "$SPR" --policy tdx --xfam 0x618e7
expect_rc "tdx 0x618e7" 0
expect_line "tdx 0x618e7" "# policy: tdx, XFAM 0x618e7 (--xfam); components kept 0x618e7 of 0x6dfe7; 16 changes"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0x0 eax: cleared 0x200, set 0x0: xsave-user-mask (tdx:28): masked with XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0x1 ecx: cleared 0xc500, set 0x0: xsave-supervisor-mask (tdx:30): masked with XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0x8 removed: xsave-supervisor-mask (tdx:30): component 8 (pt) not in XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0x9 removed: xsave-user-mask (tdx:28): component 9 (pkru) not in XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0xa removed: xsave-supervisor-mask (tdx:30): component 10 (pasid) not in XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0xe removed: xsave-supervisor-mask (tdx:30): component 14 (uintr) not in XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0xd subleaf 0xf removed: xsave-supervisor-mask (tdx:30): component 15 (lbr) not in XFAM"
expect_line "tdx 0x618e7" "# policy: leaf 0x7 subleaf 0x0 ecx: cleared 0x8, set 0x0: depends (tdx:91): pkru not kept"
expect_line "tdx 0x618e7" "# policy: leaf 0x7 subleaf 0x0 ecx: cleared 0x20000000, set 0x0: fixed0 (tdx:57)"
expect_line "tdx 0x618e7" "# policy: leaf 0x1 subleaf 0x0 ecx: cleared 0x0, set 0x80000000: fixed1 (tdx:41)"
expect_line "tdx 0x618e7" "# xcr0: 0x600e7 (Linux 6.8 model)"
expect_line "tdx 0x618e7" "# xss: 0x800 (Linux 6.8 model)"
expect_line "tdx 0x618e7" "leaf=0x0000000d subleaf=0x0 eax=0x000600e7 ebx=0x00002b00 ecx=0x00002b00 edx=0x00000000"
expect_line "tdx 0x618e7" "leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x00002a00 ecx=0x00001800 edx=0x00000000"
expect_line "tdx 0x618e7" "leaf=0x00000007 subleaf=0x0 eax=0x00000002 ebx=0xf1bfbff9 ecx=0x9b417fe6 edx=0xffd54410"
for sub in 8 9 a d e f 10; do
	expect_no_line "tdx 0x618e7" "$(grep "^leaf=0x0000000d subleaf=0x$sub " "$SPR")"
done
build=$out

for v in 5.15 6.1 6.8 7.1; do
	run "$X" cpuid build --cpuid "$SPR" --policy tdx --xfam 0x618e7 --linux "$v"
	printf '%s\n' "$out" >"$tmp/tdx-$v.txt"
	run "$X" cpuid check "$tmp/tdx-$v.txt" --linux "$v"
	expect_rc "tdx 0x618e7 built and checked for $v" 0
	expect_line "tdx 0x618e7 built and checked for $v" "verdict: consistent"
done
run "$X" cpuid check "$tmp/tdx-6.8.txt"
expect_line "tdx 0x618e7 under 6.8" "xcr0 0x600e7, xss 0x800, compacted format"
expect_line "tdx 0x618e7 under 6.8" "size 10752, kernel_size 10752 (0xD.1 EBX), max standard size 11008 (0xD.0 ECX)"

# The same policy accumulated out of order reproduces #708.
run "$X" cpuid build --cpuid "$SPR" --policy tdx --xfam 0x618e7 --xsave-order hash:1
printf '%s\n' "$out" >"$tmp/tdx-hash.txt"
run "$X" cpuid check "$tmp/tdx-hash.txt"
expect_rc "tdx with hash:1" 1
expect_line "tdx with hash:1" "XSAVE consistency problem: size 10752 != kernel_size 10704"

run "$X" cpuid build --cpuid "$SPR" --policy tdx --xfam 0x618e7 --json
expect_rc "tdx --json" 0
if python3 - "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
p = d["policy"]
assert p["name"] == "tdx" and p["uses_xfam"] and p["xfam"] == "0x618e7", p
assert not p["xfam_default"] and p["kept"] == "0x618e7" and p["platform"] == "0x6dfe7"
assert len(p["changes"]) == 16, len(p["changes"])
c = p["changes"][0]
assert c == {"kind": "bits", "leaf": "0xd", "subleaf": "0x0", "register": "eax",
             "cleared": "0x200", "set": "0x0",
             "rule": "xsave-user-mask (tdx:28): masked with XFAM"}, c
r = [c for c in p["changes"] if c["kind"] == "removed"]
assert [c["subleaf"] for c in r] == ["0x8", "0x9", "0xa", "0xe", "0xf"], r
assert all(c["count"] == 1 and not c["whole_leaf"] for c in r)
assert d["xcr0"] == "0x600e7" and d["xss"] == "0x800" and d["ebx1"] == 10752
PY
then
	ok "tdx --json: policy object and changes"
else
	bad "tdx --json: policy object and changes"
fi

# ------------------------------------------- built-in tdx == the example file

for f in intel-sapphirerapids intel-graniterapids intel-icelakesp amd-genoa; do
	run "$X" cpuid build --cpuid "$DATA/cpuid-dumps/$f.txt" --policy tdx
	builtin=$out
	run "$X" cpuid build --cpuid "$DATA/cpuid-dumps/$f.txt" --policy "$POLICIES/tdx.policy"
	if [ "$out" = "$builtin" ]; then
		ok "$f: tdx.policy file gives the built-in output"
	else
		bad "$f: tdx.policy file differs from the built-in" "$(diff <(echo "$builtin") <(echo "$out") | head -n 4)"
	fi
done

run "$X" cpuid build --cpuid "$SPR" --policy tdx
expect_line "tdx default XFAM" "# policy: tdx, XFAM 0x6dbe7 (default: allowed & platform); components kept 0x6dbe7 of 0x6dfe7; 7 changes"

# ------------------------------------------------------------- bad XFAMs

xfam_error() { # NAME XFAM MESSAGE [DUMP]
	run "$X" cpuid build --cpuid "${4:-$SPR}" --policy tdx --xfam "$2"
	expect_usage_error "$1" "xsvm: ${4:-$SPR}: XFAM $2: $3"
}
xfam_error "AVX-512 partial" 0x27 \
	"components 0xe0 (opmask, zmm_hi256, hi16_zmm) must be all set or all clear; only 0x20 (opmask) is set (xfam-all-or-none, tdx:20)"
xfam_error "AVX-512 without AVX" 0xe3 \
	"components 0xe0 (opmask, zmm_hi256, hi16_zmm) require 0x4 (avx) (xfam-requires, tdx:21)"
xfam_error "CET_U without CET_S" 0x8e7 \
	"components 0x1800 (cet_u, cet_s) must be all set or all clear; only 0x800 (cet_u) is set (xfam-all-or-none, tdx:23)"
xfam_error "TILECFG without TILEDATA" 0x200e7 \
	"components 0x60000 (tilecfg, tiledata) must be all set or all clear; only 0x20000 (tilecfg) is set (xfam-all-or-none, tdx:24)"
xfam_error "PASID outside allowed" 0x4e7 \
	"components 0x400 (pasid) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)"
xfam_error "MPX outside allowed" 0x1f \
	"components 0x18 (bndregs, bndcsr) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)"
xfam_error "no x87" 0x2e6 \
	"required components 0x1 (x87) are missing (xfam-required, tdx:18)"
xfam_error "AMX on Ice Lake" 0x600e7 \
	"components 0x60000 (tilecfg, tiledata) are not supported by the source table (0xD.0/0xD.1: 0x3e7) (platform, tdx:17)" "$ICX"

run "$X" cpuid build --cpuid "$SPR" --xfam 0x3
expect_usage_error "--xfam without an XFAM policy" \
	"xsvm: $SPR: policy none has no XFAM (no xfam-allowed line): --xfam does not apply"

# ------------------------------------------------------ bad policy files

policy_error() { # NAME TEXT MESSAGE
	printf '%b' "$2" >"$tmp/p.policy"
	run "$X" cpuid build --cpuid "$SPR" --policy "$tmp/p.policy"
	expect_usage_error "$1" "xsvm: $tmp/p.policy:$3"
}
policy_error "unknown key" 'name t\nxfam-allowed 0x3\nfrobnicate 1\n' \
	"3: unknown key 'frobnicate'"
policy_error "bad number" 'name t\n\n# comment\nfixed0 0x1 0 ecx 0xfoo\n' \
	"4: bad number '0xfoo'"
policy_error "number out of range" 'fixed1 0x100000000 0 eax 1\n' \
	"1: number out of range '0x100000000'"
policy_error "too few arguments" 'depends 0x4 0x1 0 ecx\n' \
	"1: 'depends' takes 5 arguments, not 4"
policy_error "bad register" 'fixed0 0x1 0 exx 0x1\n' \
	"1: bad register (eax, ebx, ecx or edx) 'exx'"
policy_error "configurable overlaps fixed" 'fixed0 0x7 0 ecx 0x8\nconfigurable 0x7 0 ecx 0xff\n' \
	"2: configurable bits 0x8 of leaf 0x7 subleaf 0x0 ecx overlap fixed0 at line 1"
policy_error "pairing without XFAM" 'xfam-all-or-none 0x1800\n' \
	"1: 'xfam-all-or-none' needs an xfam-allowed line"

run "$X" cpuid build --cpuid "$SPR" --policy "$tmp/missing.policy"
expect_rc "missing policy file" 2
if grep -Fq "$tmp/missing.policy" <<<"$err"; then
	ok "missing policy file: message names the file"
else
	bad "missing policy file: message does not name the file" "$err"
fi

# A user policy without XFAM: drop AVX-512 and its feature bits.
printf 'name no-avx512\nxsave-user-mask 0x6ff1f\ndepends 0xe0 0x7 0 ebx 0x10000\n' >"$tmp/noavx.policy"
run "$X" cpuid build --cpuid "$SPR" --policy "$tmp/noavx.policy" --xcr0 0x7 --xss 0
expect_rc "user policy" 0
expect_line "user policy" "# policy: no-avx512; components kept 0x6df07 of 0x6dfe7; 5 changes"
expect_line "user policy" "# policy: leaf 0xd subleaf 0x0 eax: cleared 0xe0, set 0x0: xsave-user-mask (no-avx512:2): masked with the kept components"
expect_line "user policy" "# policy: leaf 0xd subleaf 0x5 removed: xsave-user-mask (no-avx512:2): component 5 (opmask) not in the kept components"
expect_line "user policy" "# policy: leaf 0xd subleaf 0x6 removed: xsave-user-mask (no-avx512:2): component 6 (zmm_hi256) not in the kept components"
expect_line "user policy" "# policy: leaf 0xd subleaf 0x7 removed: xsave-user-mask (no-avx512:2): component 7 (hi16_zmm) not in the kept components"
expect_line "user policy" "# supported: xcr0 0x60207, xss 0xdd00; 0 subleaves removed"
expect_line "user policy" "# policy: leaf 0x7 subleaf 0x0 ebx: cleared 0x10000, set 0x0: depends (no-avx512:3): opmask, zmm_hi256, hi16_zmm not kept"

finish
