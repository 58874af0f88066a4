#!/usr/bin/env bash
# Integration test of `xsvm explain`: the #708 log, a clean host log, a log
# cut mid-line, CRLF, --json, the candidate search on the logs of
# tests/data/logs (the QEMU box, Bochs, a compound defect), and unreadable
# input (garbage, a binary file, an empty file, a file over the 64 MiB
# limit), with exact exit statuses.
#
# Usage: bash explain_test.sh PATH_TO_XSVM TEST_DATA_DIR
set -u

X=${1:?usage: explain_test.sh PATH_TO_XSVM TEST_DATA_DIR}
DATA=${2:?usage: explain_test.sh PATH_TO_XSVM TEST_DATA_DIR}
SPR=$DATA/cpuid-dumps/intel-sapphirerapids.txt

. "$(dirname "$0")/lib.sh"

# The #708 log: banner, the warning with a WARN splat, the kernel's dump of
# the table the defective (hash:1) builder made for XCR0 0x600e7 / XSS 0x800.
log=$tmp/708.log
{
	echo "[    0.000000] Linux version 6.8.0-1017-azure (buildd@lcy02-amd64-032) (gcc 12.3.0) #17~22.04.1-Ubuntu SMP"
	echo "[    0.412345] ------------[ cut here ]------------"
	echo "<4>[    0.412347] XSAVE consistency problem: size 10752 != kernel_size 10704"
	echo "[    0.412389] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c:602 paranoid_xstate_size_valid+0x146/0x1c0"
	echo "[    0.412460] ---[ end trace 0000000000000000 ]---"
	"$X" cpuid build --cpuid "$SPR" --policy tdx --xfam 0x618e7 --xsave-order hash:1 2>/dev/null |
		"$X" cpuid check - | grep '^CPUID\[' | sed 's/^/[    0.412500] /'
	echo "[    0.412600] x86/fpu: XSAVE disabled"
} >"$log"
CAUSE="cause: sizes accumulated out of order: 48 bytes of alignment padding missing before component 17; 1680 of 5040 orders give 10704, exactly those that visit component 11 after 17 and 18"

run "$X" explain "$log"
expect_rc "708" 1
expect_line "708" "kernel: Linux 6.8.0-1017-azure (the 6.8 model, from the log's banner)"
expect_line "708" "state: XCR0 0x600e7, XSS 0x800 (0x608e7 enabled), compacted format, from the Linux 6.8 model (the log has no 'Enabled xstate features' line)"
expect_line "708" "  component 17 (tilecfg): 64 bytes at 2496 (aligned: 48 bytes of padding)"
expect_line "708" "in-order size: 10752 (compacted)"
expect_line "708" "reported size: 10704 (the warning's kernel_size)"
expect_line "708" "$CAUSE"

expect_line "708" "searched 49 candidate computations; 2 give 10704"
expect_line "708" "candidate 1 (order, 1 assumption): sizes accumulated in another order: 1680 of the 5040 orders of the 7 components give 10704; in order the compacted size for XCR0 0x600e7 | XSS 0x800 is 10752"
expect_line "708" "candidate 2 (no_alignment, 1 assumption): alignment ignored: 10704 is the compacted size with no 64-byte alignment for XCR0 0x600e7 | XSS 0x800: the host ignores 0xd.i ECX bit 1 (64-byte alignment); in order the compacted size for XCR0 0x600e7 | XSS 0x800 is 10752"
if cmp -s "$log" "$DATA/logs/order-openvmm-708.txt"; then
	ok "708: the log is tests/data/logs/order-openvmm-708.txt"
else
	bad "708: the log differs from tests/data/logs/order-openvmm-708.txt"
fi

run "$X" explain "$log" --json
expect_rc "708 json" 1
expect_contains "708 json" '"in_order_size": 10752'
expect_contains "708 json" '"reported_size": 10704'
expect_contains "708 json" '"orders_reported": 1680'
expect_contains "708 json" '"kind": "order"'
expect_contains "708 json" '"verdict": "problem"'
expect_contains "708 json" '"features": "0x608e7"'
expect_contains "708 json" '"candidates_tried": 49'
expect_contains "708 json" '"candidates_found": 2'
expect_contains "708 json" '"name": "no_alignment"'

run "<$log" "$X" explain -
expect_rc "708 stdin" 1
expect_line "708 stdin" "$CAUSE"

# CRLF line endings and a NUL byte
sed 's/$/\r/' "$log" | tr 'Z' '\0' >"$tmp/crlf.log"
printf 'x\0y\r\n' >>"$tmp/crlf.log"
run "$X" explain "$tmp/crlf.log"
expect_rc "crlf" 1
expect_line "crlf" "$CAUSE"

# cut off in the middle of the dump, mid-line
head -c "$(grep -b 'CPUID\[0d, 0c\]' "$log" | cut -d: -f1)" "$log" >"$tmp/cut.log"
printf '[    0.412500] CPUID[0d, 0c]: eax=0000' >>"$tmp/cut.log"
run "$X" explain "$tmp/cut.log"
expect_rc "cut" 1
expect_line "cut" "note: the CPUID dump is incomplete: 12 of the 29 lines Linux 6.8 prints (the last one cut off); missing subleaves 0x0c-0x1c"
expect_line "cut" "cause: subleaves missing for enabled components 0xd.17 (tilecfg) and 0xd.18 (tiledata): the log's CPUID dump stops before them"

# a real host's x86/fpu lines: no problem
run "$X" explain "$DATA/logs/host-6.18-xstate.txt"
expect_rc "host" 0
expect_line "host" "state: XCR0 0x207, XSS 0x1800 (0x1a07 enabled), compacted format, from the log's 'Enabled xstate features' line"
expect_line "host" "in-order size: 880 (compacted)"
expect_line "host" "no problem: the reported size equals the in-order size and the table is consistent"
if grep -q '^searched ' <<<"$out"; then
	bad "host: a candidate search without a mismatch"
else
	ok "host: no candidate search"
fi
run "$X" explain "$DATA/logs/host-6.18-xstate.txt" --json
expect_rc "host json" 0
expect_contains "host json" '"verdict": "no_problem"'
expect_contains "host json" '"state_source": "enabled_line"'
expect_contains "host json" '"causes": []'
expect_contains "host json" '"candidates_tried": 0'
expect_contains "host json" '"candidates": []'

# The QEMU box: 0xd.0 EBX left at the reset XCR0's size after XSETBV.
QEMU="cause: EBX not updated after XSETBV: 576 is the standard size for XCR0 0x1 (x87 only), the reset value: EBX was not updated after the kernel's XSETBV to 0x207 (a host that does not intercept XSETBV, or does not recompute 0xd.0 EBX); in order the standard size for XCR0 0x207 is 2696"
run "$X" explain "$DATA/logs/ebx-not-updated-after-xsetbv-qemu-6.1.txt"
expect_rc "qemu box" 1
expect_line "qemu box" "kernel: Linux 6.1.0-57-amd64 (the 6.1.192 model, from the log's banner)"
expect_line "qemu box" "in-order size: 2696 (standard)"
expect_line "qemu box" "reported size: 576 (the warning's kernel_size)"
expect_line "qemu box" "$QEMU"
expect_line "qemu box" "searched 33 candidate computations; 1 gives 576"
expect_line "qemu box" "candidate 1 (ebx_not_updated_after_xsetbv, 1 assumption): ${QEMU#cause: }"
run "$X" explain "$DATA/logs/ebx-not-updated-after-xsetbv-qemu-6.1.txt" --json
expect_rc "qemu box json" 1
expect_contains "qemu box json" '"candidates_tried": 33'
expect_contains "qemu box json" '"candidates_found": 1'
expect_contains "qemu box json" '"name": "ebx_not_updated_after_xsetbv"'
expect_contains "qemu box json" '"size": 576'
expect_contains "qemu box json" '"assumptions": 1'
expect_contains "qemu box json" '"kind": "stale_ebx"'

# Bochs 2.7: the standard size in 0xd.1 EBX where the compacted one is due.
run "$X" explain "$DATA/logs/standard-size-for-compacted-bochs-6.1.txt"
expect_rc "bochs" 1
expect_line "bochs" "in-order size: 2432 (compacted)"
expect_line "bochs" "reported size: 2688 (the warning's kernel_size)"
expect_line "bochs" "cause: standard-format size where the compacted one is due: 2688 is the standard-format size for XCR0 0xe7: the host reports the standard-format size in 0xd.1 EBX where the compacted format is due; in order the compacted size for XCR0 0xe7 is 2432"
expect_line "bochs" "searched 19 candidate computations; 1 gives 2688"

# Two defects at once, ranked: XCR0 without XSS and no alignment.
run "$X" explain "$DATA/logs/xcr0-without-xss-and-no-alignment.txt"
expect_rc "compound" 1
expect_line "compound" "searched 45 candidate computations; 2 give 10696"
expect_line "compound" "candidate 1 (xcr0_without_xss_and_no_alignment, 2 assumptions): EBX sized from XCR0 without XSS and alignment ignored: 10696 is the compacted size with no 64-byte alignment for XCR0 0x602e7 alone: 0xd.1 EBX sized from XCR0 alone, without the supervisor components of XSS 0xc00; the host ignores 0xd.i ECX bit 1 (64-byte alignment); in order the compacted size for XCR0 0x602e7 | XSS 0xc00 is 10752"
expect_contains "compound" "candidate 2 (ebx_not_updated_after_xss_write_and_no_alignment, 2 assumptions): "

# the ordered builder's dump: no problem; --linux overrides
"$X" cpuid build --cpuid "$SPR" --xcr0 0x600e7 --xss 0x800 >"$tmp/ordered.txt" 2>/dev/null
run "$X" explain "$tmp/ordered.txt" --linux 6.1
expect_rc "ordered" 0
expect_line "ordered" "kernel: Linux 6.1 model (--linux)"

# unreadable input: exit 2, one line naming the file
printf 'hello\nthis is no log\n' >"$tmp/garbage.txt"
run "$X" explain "$tmp/garbage.txt"
expect_usage_error "garbage" "xsvm: $tmp/garbage.txt: no leaf-0xD dump and no x86/fpu or XSAVE lines: nothing to explain"
# Binary data, the same bytes every run: an ELF header, then 4 KiB of
# seeded noise without newlines (a first byte of '{' would read as kvm-json).
{
	printf '\177ELF\2\1\1'
	python3 -c 'import random, sys
sys.stdout.buffer.write(random.Random(708).randbytes(4096).replace(b"\n", b""))'
} >"$tmp/binary.bin"
printf '\0\1\2\3' >>"$tmp/binary.bin"
run "$X" explain "$tmp/binary.bin"
expect_usage_error "binary" "xsvm: $tmp/binary.bin: no leaf-0xD dump and no x86/fpu or XSAVE lines (binary data): nothing to explain"
: >"$tmp/empty.log"
run "$X" explain "$tmp/empty.log"
expect_usage_error "empty" "xsvm: $tmp/empty.log: empty file"
truncate -s 100M "$tmp/huge.log"
run "$X" explain "$tmp/huge.log"
expect_usage_error "huge" "xsvm: $tmp/huge.log: larger than the 64 MiB limit"
run "$X" explain "$tmp/missing.log"
expect_usage_error "missing" "xsvm: $tmp/missing.log: No such file or directory"
grep -v CPUID "$log" >"$tmp/nodump.log"
run "$X" explain "$tmp/nodump.log"
expect_usage_error "no dump" "xsvm: $tmp/nodump.log: the log shows 'XSAVE consistency problem: size 10752 != kernel_size 10704' but has no CPUID[0d, NN] dump and no 'x86/fpu: Enabled xstate features' line to recompute it from"
run "$X" explain
expect_usage_error "no file" "xsvm: explain: missing FILE (see xsvm explain --help)"
run "$X" explain "$log" --linux 9.x
expect_usage_error "bad linux" "xsvm: --linux: '9.x' is not a kernel release: want X.Y or X.Y.Z, such as 6.1, 6.1.4 or 6.18"
run "$X" explain "$log" --linux 9.9
expect_rc "newer linux" 1
expect_line "newer linux" "kernel: Linux 7.3 model, the newest modelled (for 9.9) (--linux)"
run "$X" explain "$log" --linux 4.19.1
expect_rc "older linux" 1
expect_line "older linux" "kernel: Linux 5.15 model, the oldest modelled (for 4.19.1) (--linux)"

finish
