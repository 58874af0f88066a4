#!/usr/bin/env bash
# Hostile guests made by mkguest.py hammer the VMM: every port with every
# size, string I/O with huge counts, MMIO beyond RAM, nonsense for the CPUID
# service, boot structures overwritten, a triple fault, a hang. Each must end
# with its documented exit status and end reason, the counters must say what
# happened, and the console file must hold everything the guest printed.
# Needs /dev/kvm; about 25 s on a host whose KVM emulates every instruction
# (ports-all ~4 s, string-io ~15 s: KVM exits once per element of a rep outs).
#
# Usage: bash hostile_test.sh PATH_TO_XSVM DATA_DIR
set -u

X=${1:?usage: hostile_test.sh PATH_TO_XSVM DATA_DIR}
DATA=${2:?usage: hostile_test.sh PATH_TO_XSVM DATA_DIR}
MK="python3 $(dirname "$0")/mkguest.py"
DUMP=$DATA/cpuid-dumps/amd-milan.txt

. "$(dirname "$0")/lib.sh"

require_kvm "these tests boot guests"

PASS_LINE="x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format."

field() { # FILE PYTHON-EXPR
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>&1
}

expect_field() { # NAME FILE EXPR WANT
	local got
	got=$(field "$2" "$3")
	if [ "$got" = "$4" ]; then
		ok "$1: $3 = $4"
	else
		bad "$1: $3 = $got, want $4"
	fi
}

# want_console NAME PYTHON-EXPR: the console file equals the bytes of EXPR
# (PASS_LINE is defined) and console_bytes in the report says as many.
want_console() {
	python3 -c "import sys; PASS_LINE=sys.argv[1]; sys.stdout.buffer.write($2)" \
		"$PASS_LINE" >"$tmp/$1.want"
	if cmp -s "$tmp/$1.want" "$tmp/$1.console"; then
		ok "$1: console file complete ($(wc -c <"$tmp/$1.want") bytes)"
	else
		bad "$1: console file differs" "$(cmp "$tmp/$1.want" "$tmp/$1.console" 2>&1)"
	fi
	expect_field "$1" "$tmp/$1.json" "d['console_bytes']" "$(wc -c <"$tmp/$1.want")"
}

# hostile KIND RC REASON [ARGS]: boots the guest KIND with a console file
# and a report; checks the exit status and the end reason.
hostile() {
	local kind=$1 want_rc=$2 reason=$3 t0 t1
	shift 3
	$MK "$kind" "$tmp/$kind" || bad "$kind: mkguest failed"
	t0=$(date +%s%N)
	run "$X" run --kernel "$tmp/$kind" --console "$tmp/$kind.console" \
		--report "$tmp/$kind.json" --quiet "$@"
	t1=$(date +%s%N)
	echo "     ($kind: $(((t1 - t0) / 1000000)) ms)"
	expect_rc "$kind" "$want_rc"
	expect_field "$kind" "$tmp/$kind.json" "d['end']['reason']" "$reason"
	expect_field "$kind" "$tmp/$kind.json" "d['exit_status']" "$want_rc"
}

expect_counts() { # KIND: the port counters of the ports-* guest KIND
	local r w b q
	read -r r w b q <<<"$($MK counts "$1")"
	expect_field "$1" "$tmp/$1.json" "d['exits']['io_default_reads']" "$r"
	expect_field "$1" "$tmp/$1.json" "d['exits']['io_default_writes']" "$w"
	expect_field "$1" "$tmp/$1.json" "d['exits']['svc_bad_accesses']" "$b"
	expect_field "$1" "$tmp/$1.json" "d['exits']['svc_queries']" "$q"
}

# ------------------------------------------------------------ port I/O

# Every port 0..0xffff read and written with sizes 1, 2 and 4 (writes of
# 0x2e; those reaching the debug-exit port 0xf4 left out): ~393,000 exits.
# The UART prints '.' for each of the 7 writes that reach 0x3f8.
hostile ports-all 0 debug_exit --cpuid "$DUMP" --timeout 120
expect_counts ports-all
expect_field ports-all "$tmp/ports-all.json" "d['exits']['io'] >= 6 * 65536 - 7 - 41" "True"
want_console ports-all 'b"." * 7 + b"\n" + PASS_LINE.encode() + b"\n"'
expect_field ports-all "$tmp/ports-all.json" "d['verdict']" "passed"

# The same loop over 0x0-0x100, the UART 0x3f8-0x3ff and the CPUID service
# 0x5a0-0x5bf (which includes 0xf4, 0x60 and 0x64). Three writes reach 0x3f8.
hostile ports-special 0 debug_exit --cpuid "$DUMP"
expect_counts ports-special
want_console ports-special 'b"." * 3 + b"\n" + PASS_LINE.encode() + b"\n"'

# ---------------------------------------------------------- string I/O

# rep insb/insw/insd of N elements from port 0x80 (all-ones, counted per
# byte: 7N), rep outsb of N bytes to port 0x80 and to the UART. N is 2^20
# where KVM moves a page of string I/O per exit (a hardware host). Where it
# exits once per element (kvm_pvm, nested KVM under emulation) that takes
# minutes, so N is sized from a 4096-element run: the largest power of two
# up to 2^20 expected to finish in 15 s, at least 4096. Every count and
# byte is still checked exactly.
$MK string-io:4096 "$tmp/string-io-probe" || bad "string-io probe: mkguest failed"
t0=$(date +%s%N)
"$X" run --kernel "$tmp/string-io-probe" --cpuid "$DUMP" --quiet --timeout 120 >/dev/null 2>&1
probe_ms=$((($(date +%s%N) - t0) / 1000000))
N=$((1 << 20))
while ((N > 4096 && probe_ms * (N / 4096) > 15000)); do
	N=$((N / 2))
done
echo "     (string-io: 4096 elements took $probe_ms ms: N = $N)"
$MK "string-io:$N" "$tmp/string-io.kernel" || bad "string-io: mkguest failed"
run "$X" run --kernel "$tmp/string-io.kernel" --console "$tmp/string-io.console" \
	--report "$tmp/string-io.json" --quiet --cpuid "$DUMP" --timeout 120
expect_rc string-io 0
expect_field string-io "$tmp/string-io.json" "d['end']['reason']" debug_exit
expect_field string-io "$tmp/string-io.json" "d['exits']['io_default_reads']" "$((7 * N))"
expect_field string-io "$tmp/string-io.json" "d['exits']['io_default_writes']" "$N"
want_console string-io "b'\\xff' * $N + b'\\n' + PASS_LINE.encode() + b'\\n'"
expect_field string-io "$tmp/string-io.json" "d['verdict']" "passed"

# rep outsb with rcx = 2^32-1 to the UART from 4 KiB below 4 GiB: 4096 MMIO
# reads (all-ones) go to the console, then the end of the identity map
# faults with no IDT: a triple fault, exit 3.
hostile string-huge-uart 3 shutdown --cpuid "$DUMP"
expect_field string-huge-uart "$tmp/string-huge-uart.json" "d['exits']['mmio_reads']" "4096"
expect_field string-huge-uart "$tmp/string-huge-uart.json" "d['exits']['mmio_writes']" "0"
expect_triple_fault string-huge-uart "$tmp/string-huge-uart.json" "f3 6e"
want_console string-huge-uart 'b"huge string I/O\n" + b"\xff" * 4096'

# rep insb with rcx = 2^32-1 from port 0x80 to 4 KiB below 4 GiB: KVM reads
# the port ahead in chunks, writes the 4 KiB as MMIO, then the fault.
hostile string-huge-in 3 shutdown --cpuid "$DUMP"
expect_field string-huge-in "$tmp/string-huge-in.json" "d['exits']['io_default_reads'] >= 4096" "True"
expect_field string-huge-in "$tmp/string-huge-in.json" "d['exits']['mmio_writes'] >= 4096 // 8" "True"
expect_field string-huge-in "$tmp/string-huge-in.json" "d['exits']['mmio_reads']" "0"
want_console string-huge-in 'b"huge string I/O\n"'

# ----------------------------------------------------------------- MMIO

# 1, 2, 4 and 8-byte reads and writes at 0x10000000 (the end of 256 MiB of
# RAM), 0xc0000000 and 0xfffffff8: every read all-ones, all counted.
hostile mmio 0 debug_exit --cpuid "$DUMP"
expect_field mmio "$tmp/mmio.json" "d['exits']['mmio_reads']" "12"
expect_field mmio "$tmp/mmio.json" "d['exits']['mmio_writes']" "12"
want_console mmio 'b"mmio: every read gave all-ones\n" + PASS_LINE.encode() + b"\n"'

# --------------------------------------------------------- CPUID service

hostile cpuid-nonsense 0 debug_exit --cpuid "$DUMP"
expect_field cpuid-nonsense "$tmp/cpuid-nonsense.json" "d['exits']['svc_bad_accesses']" "7"
expect_field cpuid-nonsense "$tmp/cpuid-nonsense.json" "d['exits']['svc_queries']" "17"
want_console cpuid-nonsense '"""before any command: status 00000001
command 0x0: status 00000003
command 0x4: status 00000003
command 0xffffffff: status 00000003
copy to 0xfffff000: status 00000003 eax 00000000
copy to 0xfffffffffffff000: status 00000003 eax 00000000
table 2: status 00000003
table 3: status 00000003
table 4: status 00000003
table 5: status 00000003
table 6: status 00000003
table 7: status 00000003
xcr0 0x2: status 00000002 ebx 00000000
xcr0 all-ones: status 00000002
leaf 0xffffffff: status 00000001
leaf 0x8fffffff: status 00000001
leaf 0x4fffffff: status 00000001
query 0xd.0 xcr0 0x3: status 00000000 ebx 00000240 signature 43565358
""".encode() + PASS_LINE.encode() + b"\n"'

# ------------------------------------------------------ boot structures

# boot_params, GDT and TSS, command line, the page directories of 1-4 GiB
# overwritten with all-ones after boot: xsvm never reads them back.
hostile boot-structs 0 debug_exit --cpuid "$DUMP"
want_console boot-structs 'b"boot structures overwritten\n" + PASS_LINE.encode() + b"\n"'

# ------------------------------------------------------ crash and hang

hostile crash 3 shutdown --cpuid "$DUMP"
expect_triple_fault crash "$tmp/crash.json" "0f 0b"
want_console crash 'b"about to fault\n"'
if grep -Fxq "xsvm: KVM_EXIT_SHUTDOWN: the guest triple-faulted" <<<"$err"; then
	ok "crash: says so"
else
	bad "crash: no shutdown line" "$err"
fi

hostile hang 3 timeout --cpuid "$DUMP" --timeout 2
expect_field hang "$tmp/hang.json" "1.9e9 < d['timings_ns']['total'] < 4e9" "True"
want_console hang 'b"spinning\n"'
if grep -Fxq "xsvm: no verdict within --timeout" <<<"$err"; then
	ok "hang: timeout named"
else
	bad "hang: no timeout line" "$err"
fi

finish
