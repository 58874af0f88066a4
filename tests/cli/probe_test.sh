#!/usr/bin/env bash
# Integration test of `xsvm probe`: bad usage (exit 2), a probe that cannot
# reach KVM (exit 3), and the probe of this host's KVM, as text and as JSON,
# against the exact figures measured on each known host (HOST.md):
#
#   - kvm_pvm natively (software KVM): KVM replaces registers of the
#     installed table's leaves 1, 7 and 0xD with the host's own (which, and
#     so the totals, depends on the host's CPU: these come from the host's
#     rows) and cannot emulate XGETBV, XRSTOR, XSAVE, XSAVEOPT, CMPXCHG16B
#     nor XSAVEC/XSAVES where offered; exit 1.
#   - the QEMU box (kvm_amd, XSVM_BOX=qemu): XSETBV has no effect, 0xD.0 EBX
#     stays 576, XRSTOR of the marked area then faults (#GP, as XCR0 is
#     really 0x1: reported, not counted as a defect); exit 1.
#   - the Bochs box (kvm_intel, XSVM_BOX=bochs): faithful, exit 0; its KVM
#     offers no XSAVEC/XSAVES (the box's kernel runs with
#     clearcpuid=xsaves,xsavec). A second probe with a policy that offers
#     them shows where Bochs 2.7's XSAVEC/XSAVES really put each component.
#   - any other host (a hardware KVM): faithful, exit 0.
#
# On every host the text table and the JSON object say the same, and each
# save_offset property of the host's own table is faithful. Needs /dev/kvm,
# or a box; a second or so natively.
#
# Usage: bash probe_test.sh PATH_TO_XSVM [BOX_MACHINE]
#
# With BOX_MACHINE (qemu or bochs) every probe runs inside that box
# (tools/box.sh), in one boot; the output comes back and every assertion
# runs here. XSVM_BOX_BUILD names the box's --build directory (where its
# downloads and images are cached); the default is PATH_TO_XSVM's
# directory, as in boot_test.sh.
set -u

usage="usage: probe_test.sh PATH_TO_XSVM [BOX_MACHINE]"
X=${1:?$usage}
M=${2:-}
PY=/usr/bin/python3

. "$(dirname "$0")/lib.sh"

# The probe keeps its findings per host; not in the caller's cache.
export XSVM_CACHE_DIR=$tmp/cache

# ------------------------------------------------------------- bad usage

run "$X" probe --no-such-option
expect_usage_error "unknown option" \
	"xsvm: probe: unknown option '--no-such-option' (see xsvm probe --help)"
run "$X" probe --xsave-order hash:1
expect_usage_error "--xsave-order hash:1" \
	"xsvm: probe: --xsave-order does not apply: the probe measures the host, with the architectural order"
run "$X" probe --timeout 0
expect_usage_error "--timeout 0" "xsvm: --timeout: 0 is outside 1..86400"
run "$X" probe --timeout
expect_usage_error "--timeout without a value" \
	"xsvm: probe: option '--timeout' needs a value (see xsvm probe --help)"
run "$X" probe extra
expect_usage_error "an argument" \
	"xsvm: probe: unexpected argument 'extra' (see xsvm probe --help)"

# ---------------------------------------------------- no KVM: exit 3

# /dev/kvm missing (a private mount namespace with an empty /dev): the
# probe cannot run, says why, prints nothing and keeps no findings.
nokvm_msg="xsvm: /dev/kvm: No such file or directory (this host has no KVM: tools/box.sh runs xsvm in an emulated machine with a real KVM)"
nokvm=()
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	nokvm=(unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh)
elif [ -e /dev/kvm ]; then
	echo "note: the exit 3 case needs root and unshare -m to hide /dev/kvm: not run"
fi
if [ ${#nokvm[@]} -gt 0 ] || [ ! -e /dev/kvm ]; then
	for fmt in text json; do
		args=()
		[ "$fmt" = text ] || args=(--json)
		run "${nokvm[@]}" "$X" probe "${args[@]}"
		expect_rc "no /dev/kvm, $fmt" 3
		expect_err "no /dev/kvm, $fmt" "$nokvm_msg"
		if [ -z "$out" ]; then
			ok "no /dev/kvm, $fmt: no stdout"
		else
			bad "no /dev/kvm, $fmt: stdout not empty" "$(head -n 2 <<<"$out")"
		fi
	done
	if [ -z "$(ls -A "$XSVM_CACHE_DIR" 2>/dev/null)" ]; then
		ok "no /dev/kvm: no findings kept"
	else
		bad "no /dev/kvm: findings kept" "$(ls "$XSVM_CACHE_DIR")"
	fi
fi

# ------------------------------------------------------- the probes

# One shell runs every probe, natively or in the box: text, JSON and, in
# the Bochs box, JSON with a policy that offers XSAVEC and XSAVES. Each
# writes DIR/NAME.out, NAME.err, NAME.rc; DIR/box is $XSVM_BOX.
probes='x=$1 o=$2 pol=$3
export XSVM_CACHE_DIR="$o/cache"
echo "${XSVM_BOX:-}" >"$o/box"
"$x" probe >"$o/text.out" 2>"$o/text.err"
echo $? >"$o/text.rc"
"$x" probe --json >"$o/json.out" 2>"$o/json.err"
echo $? >"$o/json.rc"
if [ -n "$pol" ]; then
	"$x" probe --json --policy "$pol" >"$o/compacted.out" 2>"$o/compacted.err"
	echo $? >"$o/compacted.rc"
fi'

o=$tmp/out
mkdir -p "$o"
pol=""
if [ "$M" = bochs ]; then
	pol=$tmp/compacted.policy
	printf '%s\n' "# 0xD.1 EAX: XSAVEC (bit 1) and XSAVES (bit 3) offered" \
		"name offer-compacted" "fixed1 0xd 1 eax 0xa" >"$pol"
fi
t0=$(date +%s)
if [ -n "$M" ]; then
	box=$(cd "$(dirname "$0")/../../tools" && pwd)/box.sh
	bb=${XSVM_BOX_BUILD:-$(cd "$(dirname "$X")" && pwd)}
	with=(--with "$X")
	[ -z "$pol" ] || with+=(--with "$pol")
	run "$box" --machine "$M" --build "$bb" "${with[@]}" --out "$o" -- \
		sh -c "$probes" sh "$X" "$o" "$pol"
	[ -z "$err" ] || printf '%s\n' "$err" | sed 's/^/     | /'
	if [ "$rc" -ne 0 ]; then
		bad "the $M box ran the probes: exit $rc" "$out"
		finish
		exit 1
	fi
else
	require_kvm "this test probes the host's KVM"
	sh -c "$probes" sh "$X" "$o" ""
fi
took="the probes took $(($(date +%s) - t0)) s"
[ -z "$M" ] || took="$took, with the boot of the $M box"
echo "     | $took"

for f in text json ${pol:+compacted}; do
	if [ ! -f "$o/$f.rc" ]; then
		bad "the $f probe did not run (no $f.rc)"
		finish
		exit 1
	fi
done
text=$(cat "$o/text.out")
text_rc=$(cat "$o/text.rc")
json_rc=$(cat "$o/json.rc")
where_box=$(cat "$o/box")

# The JSON read once: DIR/NAME.facts has "KEY VALUE" lines; DIR/NAME.text
# is the text the JSON stands for (the text output without its host: and
# table: lines), to be compared with the text probe's.
parse() { # NAME
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
fmt = "%-22s %-28s %-24s %-24s %s"
h = d["host"]
facts = [
    "exit_status %d" % d["exit_status"],
    "faithful %s" % d["faithful"],
    "kvm_module %s" % h["kvm_module"],
    "host %s %s %s %d %d %d" % (h["kvm_module"], h["kernel_release"],
        h["cpu_vendor"], h["cpu_family"], h["cpu_model"],
        h["cpu_stepping"]),
    "defects %s" % (" ".join(d["defects"]) or "-"),
    "stale_ebx0 %s" % d.get("stale_ebx0", "-"),
    "stale_ebx1 %s" % d.get("stale_ebx1", "-"),
    "instructions %s" % " ".join("%s=%s" % kv
                                 for kv in d["instructions"].items()),
    "totals %d %d" % (d["faithful_total"], d["unfaithful_total"]),
    "counted %d %d" % (
        sum(p["result"] == "faithful" for p in d["properties"]),
        sum(p["result"] == "unfaithful" for p in d["properties"])),
    "cut %s" % d["properties_cut"],
]
text = [fmt % ("property", "subject", "expected", "measured", "result")]
for p in d["properties"]:
    r = "UNFAITHFUL" if p["result"] == "unfaithful" else p["result"]
    row = fmt % (p["name"], p["subject"], p["expected"], p["measured"], r)
    text.append(row)
    facts.append("row " + row)
word = {"ran": "ran", "failed": "FAILED", "not_offered": "not offered"}
text.append("instructions: " + ", ".join(
    "%s %s" % (k, word.get(v, v)) for k, v in d["instructions"].items()))
text.append("%d properties: %d faithful, %d unfaithful" % (
    d["faithful_total"] + d["unfaithful_total"], d["faithful_total"],
    d["unfaithful_total"]))
text += ["host defect: " + x for x in d["defects"]]
if "stale_ebx0" in d:
    text.append("  0xD.0 EBX stays %d after XSETBV: the size for the XCR0 "
                "at reset (x87 only)" % d["stale_ebx0"])
if "stale_ebx1" in d:
    text.append("  0xD.1 EBX stays %d after XSETBV or the IA32_XSS write"
                % d["stale_ebx1"])
open(sys.argv[2], "w").write("\n".join(facts) + "\n")
open(sys.argv[3], "w").write("\n".join(text) + "\n")
' "$o/$1.out" "$o/$1.facts" "$o/$1.text" 2>&1
}

fact() { # NAME KEY: the value of KEY in NAME.facts
	sed -n "s/^$2 //p" "$o/$1.facts"
}

expect_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then
		ok "$1: $3"
	else
		bad "$1: '$2', want '$3'"
	fi
}

# A property row, exactly as the text table prints it, in $out.
expect_row() { # NAME SUBJECT EXPECTED MEASURED RESULT
	expect_line "row" "$(printf '%-22s %-28s %-24s %-24s %s' "$@")"
}

if msg=$(parse json); then
	ok "JSON parses (python3)"
else
	bad "JSON does not parse" "$msg" "$(head -c 300 "$o/json.out")"
	finish
	exit 1
fi

kvm=$(fact json kvm_module)
hostkey=$(fact json host)
echo "     | probed KVM: $kvm (host: $hostkey)${where_box:+, in the $where_box box}"

# ------------------------------------------- the same on every host

expect_eq "text exit status = JSON exit status" "$text_rc" "$json_rc"
expect_eq "JSON exit_status field" "$(fact json exit_status)" "$json_rc"
expect_eq "JSON totals = its properties' results" "$(fact json counted)" \
	"$(fact json totals)"
expect_eq "JSON properties not cut" "$(fact json cut)" "False"
expect_eq "text host line" "$(head -n 1 <<<"$text")" "host: $hostkey"
if [ -n "$M" ]; then
	expect_eq "box" "$where_box" "$M"
else
	expect_eq "JSON kvm_module = the module behind /dev/kvm" "$kvm" "$(kvm_module)"
fi
if [ "$(sed '/^host: /d; /^table: /d' "$o/text.out")" = "$(cat "$o/json.text")" ]; then
	ok "text table = JSON properties, instructions, totals, defects"
else
	bad "text and JSON differ" \
		"$(diff <(sed '/^host: /d; /^table: /d' "$o/text.out") "$o/json.text" | head -n 8)"
fi
for f in text json; do
	if grep -q '^xsvm: probe: findings kept in ' "$o/$f.err" &&
		[ "$(wc -l <"$o/$f.err")" -eq 1 ]; then
		ok "$f probe: stderr is the one findings line"
	else
		bad "$f probe: stderr" "$(head -n 3 "$o/$f.err")"
	fi
done

# Every entry of KVM's table reaches the guest's CPUID instruction.
out=$text
entries=$(sed -n 's/^table: .* read back (\([0-9]*\) entries)$/\1/p' <<<"$text")
expect_row "cpuid_as_kvm_table" "entries matching" "$entries of $entries" \
	"$entries of $entries" faithful

# Each component a save wrote sits where the model of the table says.
offsets=$(grep -c '^save_offset ' <<<"$text")
wrong=$(grep '^save_offset ' <<<"$text" | grep -v ' faithful$')
if [ -z "$wrong" ]; then
	ok "every save_offset faithful ($offsets properties)"
else
	bad "save_offset unfaithful" "$wrong"
fi

insn() { # NAME INSTRUCTION: ran, failed or not offered
	tr ' ' '\n' <<<"$(fact "$1" instructions)" | sed -n "s/^$2=//p" | tr _ ' '
}

compacted_where() { # NAME WHERE: says where XSAVEC and XSAVES ran
	echo "     | XSAVEC $(insn "$1" xsavec), XSAVES $(insn "$1" xsaves): $2"
}

# ------------------------------------------------ each known host

expect_common() { # EXIT DEFECTS INSTRUCTIONS TOTALS
	expect_rc "probe" "$1"
	expect_eq "defects" "$(fact json defects)" "$2"
	expect_eq "instructions" "$(fact json instructions)" "$3"
	expect_eq "faithful, unfaithful" "$(fact json totals)" "$4"
}

case $kvm:$where_box in
kvm_pvm:)
	# Which registers KVM replaces, and so how many properties there are,
	# depends on the host's CPU (HOST.md: 6 of them on a Zen 3, 7 on a
	# Zen 4, with 0x7.1 EAX): those come from the host's own rows.
	rc=$text_rc
	rows=$(sed -n '/^property  /,/^instructions: /p' <<<"$text" | sed '1d;$d')
	nfaith=$(grep -c ' faithful$' <<<"$rows")
	nunfaith=$(grep -c ' UNFAITHFUL$' <<<"$rows")
	expect_rc "probe" 1
	expect_eq "defects" "$(fact json defects)" \
		"kvm_replaced_installed_table instruction_cannot_run"
	expect_eq "instructions but XSAVEC and XSAVES" \
		"$(fact json instructions | tr ' ' '\n' | grep -v -e '^xsavec=' -e '^xsaves=' | paste -sd' ')" \
		"xsave=failed xsaveopt=failed xrstor=failed cmpxchg16b=failed xsetbv=ran xgetbv=failed"
	expect_eq "faithful, unfaithful = the text table's rows" "$(fact json totals)" \
		"$nfaith $nunfaith"
	expect_line "totals line" \
		"$((nfaith + nunfaith + $(grep -c ' info$' <<<"$rows"))) properties: $nfaith faithful, $nunfaith unfaithful"
	expect_eq "stale_ebx0" "$(fact json stale_ebx0)" "-"
	# KVM_SET_CPUID2 as given, but KVM_GET_CPUID2 shows the host's own
	# CPU-feature leaves: at least leaf 1 ECX/EDX, 7.0 EBX/ECX/EDX and
	# 0xD.1 EAX, and nothing outside leaves 1, 7 and 0xD.
	replaced=$(grep '^set_cpuid_as_given .* UNFAITHFUL$' <<<"$text" | cut -c24-51 |
		sed 's/ *$//' | grep -v '^registers replaced$')
	nrepl=$(grep -c . <<<"$replaced")
	for r in "0x1.0 ecx" "0x1.0 edx" "0x7.0 ebx" "0x7.0 ecx" "0x7.0 edx" "0xd.1 eax"; do
		if grep -qx "$r" <<<"$replaced"; then
			ok "KVM replaced $r"
		else
			bad "KVM did not replace $r" "$(paste -sd, <<<"$replaced")"
		fi
	done
	other=$(grep -v -e '^0x1\.[0-9a-f]* e[a-d]x$' -e '^0x7\.[0-9a-f]* e[a-d]x$' \
		-e '^0xd\.[0-9a-f]* e[a-d]x$' <<<"$replaced")
	expect_eq "replaced registers outside leaves 1, 7 and 0xD" "${other:--}" -
	expect_eq "the JSON's replaced registers = the text's" \
		"$(fact json row | grep '^set_cpuid_as_given .* UNFAITHFUL$' | cut -c24-51 |
			sed 's/ *$//' | grep -v '^registers replaced$' | paste -sd,)" \
		"$(paste -sd, <<<"$replaced")"
	expect_row set_cpuid_as_given "registers replaced" 0 "$nrepl" UNFAITHFUL
	expect_eq "set_cpuid_as_given rows" \
		"$(grep -c '^set_cpuid_as_given ' <<<"$rows")" "$((nrepl + 1))"
	# EBX follows XCR0; XSETBV runs, nothing else of the family does.
	expect_row ebx0_follows_xcr0 "xcr0=0x1 xss=0x0" 576 576 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0x3 xss=0x0" 576 576 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0x7 xss=0x0" 832 832 faithful
	expect_row xsetbv 0x3 accepted accepted faithful
	expect_row xsetbv 0x7 accepted accepted faithful
	for i in xgetbv xrstor xsave xsaveopt cmpxchg16b; do
		expect_row insn_runs "$i" "runs (offered by CPUID)" \
			"KVM could not emulate it" UNFAITHFUL
	done
	# XSAVEC and XSAVES: offered by the host's leaf 0xD.1 or not; when
	# offered, KVM cannot emulate them either.
	for i in xsavec xsaves; do
		case $(insn json "$i") in
		failed)
			expect_row insn_runs "$i" "runs (offered by CPUID)" \
				"KVM could not emulate it" UNFAITHFUL
			;;
		"not offered")
			expect_eq "$i not offered: no insn_runs row" \
				"$(grep -c "^insn_runs  *$i " <<<"$rows")" 0
			;;
		*)
			bad "$i $(insn json "$i"): want failed or not offered"
			;;
		esac
	done
	expect_eq "host defect lines" "$(grep '^host defect: ' <<<"$text" | paste -sd,)" \
		"host defect: kvm_replaced_installed_table,host defect: instruction_cannot_run"
	compacted_where json "kvm_pvm natively"
	;;
kvm_amd:qemu)
	rc=$text_rc
	expect_common 1 "ebx0_not_updated_after_xsetbv xsetbv_has_no_effect" \
		"xsave=ran xsaveopt=ran xsavec=not_offered xsaves=not_offered xrstor=failed cmpxchg16b=ran xsetbv=ran xgetbv=ran" \
		"11 5"
	expect_eq "stale_ebx0" "$(fact json stale_ebx0)" 576
	expect_row set_cpuid_as_given "registers replaced" 0 0 faithful
	# Every XSETBV is accepted and lost: XGETBV reads x87 only, and 0xD.0
	# EBX keeps the size for it.
	for x in 0x3 0x7 0x207; do
		expect_row xsetbv "$x" accepted accepted faithful
		expect_row xgetbv_reads_back "$x" "$x" 0x1 UNFAITHFUL
	done
	expect_row ebx0_follows_xcr0 "xcr0=0x3 xss=0x0" 576 576 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0x7 xss=0x0" 832 576 UNFAITHFUL
	expect_row ebx0_follows_xcr0 "xcr0=0x207 xss=0x0" 2696 576 UNFAITHFUL
	expect_line "stale EBX line" \
		"  0xD.0 EBX stays 576 after XSETBV: the size for the XCR0 at reset (x87 only)"
	# The marked area needs XCR0 0x207; with XCR0 still 0x1 XRSTOR #GPs:
	# the lost XSETBV's consequence, not a defect of its own.
	expect_row insn_runs xrstor "runs at XCR0 0x207" "exception 13 at XCR0 0x1" info
	expect_row insn_runs cmpxchg16b "stores 1, 2" "stores 1, 2" faithful
	compacted_where json "the QEMU box (its CPU has neither)"
	;;
kvm_intel:bochs)
	rc=$text_rc
	expect_common 0 - \
		"xsave=ran xsaveopt=ran xsavec=not_offered xsaves=not_offered xrstor=ran cmpxchg16b=ran xsetbv=ran xgetbv=ran" \
		"28 0"
	expect_row set_cpuid_as_given "registers replaced" 0 0 faithful
	for x in 0x3 0x7 0xe7; do
		expect_row xgetbv_reads_back "$x" "$x" "$x" faithful
	done
	expect_row ebx0_follows_xcr0 "xcr0=0x1 xss=0x0" 576 576 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0x3 xss=0x0" 576 576 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0x7 xss=0x0" 832 832 faithful
	expect_row ebx0_follows_xcr0 "xcr0=0xe7 xss=0x0" 2688 2688 faithful
	for i in xsave xsaveopt; do
		expect_row save_xstate_bv "$i" "has 0xe7, within 0xe7" 0xe7 faithful
		for c in 0:32 1:160 2:576 5:1088 6:1152 7:1664; do
			expect_row save_offset "$i component ${c%:*}" "${c#*:}" "${c#*:}" faithful
		done
	done
	expect_eq "save_offset properties" "$offsets" 12
	compacted_where json "the Bochs box (its kernel hides them from KVM)"

	# Offered anyway, both run, and Bochs 2.7 starts the compacted
	# extended region at 416 (160 + 256, right after XMM15) instead of
	# 576: every component from YMM on is 160 bytes early.
	if msg=$(parse compacted); then
		ok "compacted JSON parses"
	else
		bad "compacted JSON does not parse" "$msg"
	fi
	expect_eq "compacted: exit status" "$(cat "$o/compacted.rc")" 1
	expect_eq "compacted: defects" "$(fact compacted defects)" save_layout_differs
	expect_eq "compacted: instructions" "$(fact compacted instructions)" \
		"xsave=ran xsaveopt=ran xsavec=ran xsaves=ran xrstor=ran cmpxchg16b=ran xsetbv=ran xgetbv=ran"
	expect_eq "compacted: faithful, unfaithful" "$(fact compacted totals)" "42 8"
	out=$(fact compacted row)
	expect_row ebx1_follows_xcr0_xss "xcr0=0xe7 xss=0x0" 2432 2432 faithful
	expect_row wrmsr_xss 0x0 0x0 0x0 faithful
	for i in xsavec xsaves; do
		expect_row save_xcomp_bv "$i" 0x80000000000000e7 0x80000000000000e7 faithful
		expect_row save_offset "$i component 0" 32 32 faithful
		expect_row save_offset "$i component 1" 160 160 faithful
		for c in 2:576:416 5:832:672 6:896:736 7:1408:1248; do
			IFS=: read -r n want got <<<"$c"
			expect_row save_offset "$i component $n" "$want" "$got" UNFAITHFUL
		done
	done
	for c in 0:32 1:160 2:576 5:1088 6:1152 7:1664; do
		expect_row save_offset "xsave component ${c%:*}" "${c#*:}" "${c#*:}" faithful
	done
	compacted_where compacted "the Bochs box, with 0xD.1 EAX offering them"
	;;
kvm_intel: | kvm_amd:)
	# A hardware KVM: the table is presented as given, and XSAVE does
	# what the model says.
	rc=$text_rc
	expect_rc "probe" 0
	expect_eq "defects" "$(fact json defects)" -
	expect_eq "unfaithful" "$(fact json totals | cut -d' ' -f2)" 0
	expect_row set_cpuid_as_given "registers replaced" 0 0 faithful
	if [ "$offsets" -gt 0 ]; then
		ok "the saves' layout was measured ($offsets save_offset properties)"
	else
		bad "no save_offset property: the layout was not measured"
	fi
	compacted_where json "$kvm natively"
	;;
*)
	place=natively
	[ -z "$where_box" ] || place="in the $where_box box"
	bad "no expectations for KVM '$kvm' $place" \
		"$(grep -e UNFAITHFUL -e '^instructions' -e '^host defect' <<<"$text")"
	;;
esac

finish
