#!/usr/bin/env bash
# Integration test of `xsvm run` with tiny guests made by mkguest.py: the
# verdict from the console, every way a run ends, the console file, the JSON
# report, and bad kernels and initrds. Needs /dev/kvm; each guest runs in
# milliseconds.
#
# Usage: bash run_test.sh PATH_TO_XSVM
set -u

X=${1:?usage: run_test.sh PATH_TO_XSVM}
MK="python3 $(dirname "$0")/mkguest.py"

. "$(dirname "$0")/lib.sh"

require_kvm "these tests boot guests"

guest() { # KIND: path of a freshly made guest
	$MK "$1" "$tmp/$1" && echo "$tmp/$1"
}

report_field() { # FILE PYTHON-EXPR: prints the value
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

expect_field() { # NAME FILE EXPR WANT
	local got
	got=$(report_field "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then
		ok "$1: $3 = $4"
	else
		bad "$1: $3 = $got, want $4"
	fi
}

# ------------------------------------------------------------- verdicts

run "$X" run --kernel "$(guest pass)" --console "$tmp/pass.console" \
	--report "$tmp/pass.json" --timeout 30
expect_rc "pass guest" 0
expect_line "pass guest: console live on stdout" "x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format."
expect_verdict "pass guest" passed
want=$(printf 'booting\n%s\nafter\n' "x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format.")
if [ "$(cat "$tmp/pass.console")" = "$want" ]; then
	ok "pass guest: console file holds the whole console"
else
	bad "pass guest: console file differs" "$(head -c 300 "$tmp/pass.console")"
fi
expect_field "pass report" "$tmp/pass.json" "d['verdict']" "passed"
expect_field "pass report" "$tmp/pass.json" "d['exit_status']" "0"
expect_field "pass report" "$tmp/pass.json" "d['end']['reason']" "verdict"
expect_field "pass report" "$tmp/pass.json" "d['kernel_format']" "elf"
expect_field "pass report" "$tmp/pass.json" "d['kernel_entry']" "0x100000"
expect_field "pass report" "$tmp/pass.json" "d['console_bytes']" "$(printf '%s\n' "$want" | wc -c)"
expect_field "pass report" "$tmp/pass.json" "d['observed']['lines']" \
	"[\"x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format.\"]"
expect_field "pass report" "$tmp/pass.json" "d['prediction']['made']" "False"
expect_field "pass report" "$tmp/pass.json" "d['timings_ns']['in_xsvm'] + d['timings_ns']['in_kvm_run'] == d['timings_ns']['total']" "True"
expect_field "pass report" "$tmp/pass.json" "d['table_hash'] == '0x%x' % int(d['table_hash'], 16)" "True"
# The report says which xsvm wrote it, as --version does, in its last members.
expect_field "pass report" "$tmp/pass.json" "'xsvm %s (git %s)' % (d['xsvm_version'], d['xsvm_revision'])" "$("$X" --version)"
expect_field "pass report" "$tmp/pass.json" "list(d)[-2:]" "['xsvm_version', 'xsvm_revision']"

run "$X" run --kernel "$(guest problem)" --report "$tmp/problem.json" --quiet
expect_rc "problem guest" 1
if grep -Fxq "xsvm: the kernel: XSAVE consistency problem: size 10752 != kernel_size 10704" <<<"$err"; then
	ok "problem guest: the warning is named"
else
	bad "problem guest: warning not named" "$err"
fi
expect_no_line "problem guest: --quiet keeps stdout clean" "after"
expect_field "problem report" "$tmp/problem.json" "d['verdict']" "problem"
expect_field "problem report" "$tmp/problem.json" "d['observed']['problem']" "XSAVE consistency problem: size 10752 != kernel_size 10704"

# The --linux model is asked for, so a prediction is made and compared.
run "$X" run --kernel "$tmp/pass" --linux 6.8 --report "$tmp/pred.json" --quiet
expect_rc "prediction on a synthetic guest" 0
expect_field "prediction" "$tmp/pred.json" "d['prediction']['made']" "True"
expect_field "prediction" "$tmp/pred.json" "d['prediction']['linux']" "6.8"
expect_field "prediction" "$tmp/pred.json" "d['prediction']['matches']" "False"
# The guest prints one line; any prediction has more (which ones depends on
# the host's CPU, whose leaf 0xD some KVMs impose).
expect_field "prediction" "$tmp/pred.json" "d['prediction']['missing_total'] >= 1" "True"
expect_field "prediction" "$tmp/pred.json" "d['prediction']['matched'] + d['prediction']['missing_total'] == len(d['prediction']['lines'])" "True"

# ------------------------------------------------------------ fidelity

# What KVM changed between KVM_SET_CPUID2 and KVM_GET_CPUID2, per KVM. A
# stock KVM (kvm_amd, kvm_intel) changes only the registers it computes
# from the vCPU's state: 0xD.0/0xD.1 EBX from XCR0/XSS and leaf 1 ECX's
# OSXSAVE bit (27) from CR4; it adds and removes no entry, so leaf 0 is
# never among the changes. kvm_pvm imposes the host's CPU-feature leaves
# instead (1, 7.x, 0xD.x); which registers of them differ from the table
# depends on the host's CPU, so the registers changed beyond those state
# bits must be exactly the ones `xsvm probe` on this host measures as
# replaced (its set_cpuid_as_given rows), and it must measure some.
run "$X" run --cpuid host --report "$tmp/fidelity.json" --quiet
expect_rc "host table, test guest" 0
probe_json=$tmp/fidelity-probe.json
if [ "$(kvm_module)" = kvm_pvm ]; then
	XSVM_CACHE_DIR=$tmp/probe-cache "$X" probe --json >"$probe_json" 2>/dev/null
else
	echo '{}' >"$probe_json"
fi
got=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
module = sys.argv[2]
probe = json.load(open(sys.argv[3]))
# The bits KVM computes from the vCPU state (as cpuid/probe.c).
dynamic = {(1, 0, "ecx"): 1 << 27, (1, 0, "edx"): 1 << 9,
           (7, 0, "ecx"): 1 << 4, (0xd, 0, "ebx"): 0xffffffff,
           (0xd, 1, "ebx"): 0xffffffff}
bad = []
replaced = set()
for f in d["fidelity"]:
    key = (int(f["leaf"], 16), int(f["subleaf"], 16), f.get("register"))
    if f["kind"] != "changed":
        bad.append("%s %s" % (f["kind"], key))
    elif module in ("kvm_amd", "kvm_intel"):
        diff = int(f["installed"], 16) ^ int(f["seen"], 16)
        if key not in ((0xd, 0, "ebx"), (0xd, 1, "ebx"), (1, 0, "ecx")) or \
           (key == (1, 0, "ecx") and diff != 1 << 27):
            bad.append("%s %s -> %s" % (key, f["installed"], f["seen"]))
    elif module == "kvm_pvm":
        diff = int(f["installed"], 16) ^ int(f["seen"], 16)
        if key[0] not in (1, 7, 0xd):
            bad.append("%s" % (key,))
        elif diff & ~dynamic.get(key, 0):
            replaced.add("0x%x.%x %s" % key)
    else:
        bad.append("unknown KVM module %s" % module)
if module == "kvm_pvm":
    measured = set(p["subject"] for p in probe.get("properties", [])
                   if p["name"] == "set_cpuid_as_given" and
                   p["result"] == "unfaithful" and
                   p["subject"] != "registers replaced")
    if not measured:
        bad.append("the probe measured no replaced register")
    if replaced != measured:
        bad.append("replaced %s, the probe measured %s" % (
            ",".join(sorted(replaced)) or "-",
            ",".join(sorted(measured)) or "-"))
print("; ".join(bad) if bad else "only %d expected change(s)%s" % (
    d["fidelity_total"], ", %d of them as the probe measured (%s)" % (
        len(replaced), ",".join(sorted(replaced))) if replaced else ""))
print(d["fidelity_total"] == len(d["fidelity"]))' "$tmp/fidelity.json" "$(kvm_module)" "$probe_json" 2>&1)
if [ "$(sed -n 2p <<<"$got")" = True ] && grep -q '^only ' <<<"$got"; then
	ok "fidelity on $(kvm_module): $(head -n 1 <<<"$got")"
else
	bad "fidelity on $(kvm_module): $(head -n 1 <<<"$got")" "$(tail -n +2 <<<"$got")"
fi
if grep -q '"leaf": "0x0"' "$tmp/fidelity.json"; then
	bad "fidelity on $(kvm_module): leaf 0 listed as changed"
else
	ok "fidelity on $(kvm_module): leaf 0 not listed"
fi

# ------------------------------------------------------- no verdict (3)

run "$X" run --kernel "$(guest crash)" --report "$tmp/crash.json" --quiet
expect_rc "crashing guest" 3
expect_triple_fault "crash report" "$tmp/crash.json" "0f 0b"
expect_field "crash report" "$tmp/crash.json" "d['verdict']" "none"
if grep -Fq "xsvm: KVM_EXIT_SHUTDOWN: the guest triple-faulted" <<<"$err"; then
	ok "crashing guest: says so"
else
	bad "crashing guest: no shutdown line" "$err"
fi

run "$X" run --kernel "$(guest hang)" --timeout 1 --console "$tmp/hang.console" --quiet
expect_rc "hanging guest" 3
if grep -Fxq "xsvm: no verdict within --timeout" <<<"$err"; then
	ok "hanging guest: timeout named"
else
	bad "hanging guest: no timeout line" "$err"
fi
if [ "$(cat "$tmp/hang.console")" = "spinning" ]; then
	ok "hanging guest: console file complete"
else
	bad "hanging guest: console file '$(cat "$tmp/hang.console")'"
fi

# SIGTERM during a run: clean end, console flushed, status 3.
"$X" run --kernel "$tmp/hang" --timeout 60 --console "$tmp/term.console" \
	--quiet 2>"$tmp/term.err" &
pid=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
err=$(cat "$tmp/term.err")
expect_rc "SIGTERM" 3
if grep -Fxq "xsvm: interrupted by signal 15" <<<"$err" &&
	[ "$(cat "$tmp/term.console")" = "spinning" ]; then
	ok "SIGTERM: named, console file complete"
else
	bad "SIGTERM: '$err' / '$(cat "$tmp/term.console")'"
fi

run "$X" run --kernel "$(guest silent-exit)" --report "$tmp/silent.json" --quiet
expect_rc "guest exits without a verdict" 3
expect_field "silent report" "$tmp/silent.json" "d['end']['reason']" "debug_exit"
expect_field "silent report" "$tmp/silent.json" "d['end']['debug_exit_value']" "3"

# Ports no device owns: reads give all-ones, writes are ignored, both counted.
run "$X" run --kernel "$(guest hostile)" --report "$tmp/hostile.json" --quiet
expect_rc "hostile port I/O" 0
expect_field "hostile report" "$tmp/hostile.json" "d['exits']['io_default_reads']" "20"
expect_field "hostile report" "$tmp/hostile.json" "d['exits']['io_default_writes']" "4"

# ------------------------------------------------------- bad input (2)

for k in outside-ram bss-outside-ram bz-truncated bz-no-hdrs bz-no-bootflag bz-old bz-corrupt-xz garbage middle-of-ram; do
	$MK "$k" "$tmp/$k"
done
run "$X" run --kernel "$tmp/outside-ram" --mem 32
expect_usage_error "PT_LOAD outside RAM" \
	"xsvm: $tmp/outside-ram: segment 0: paddr 0x40000000 memsz 0x2 is outside RAM (0x2000000 bytes)"
run "$X" run --kernel "$tmp/bss-outside-ram" --mem 32
expect_usage_error "bss outside RAM" \
	"xsvm: $tmp/bss-outside-ram: segment 0: paddr 0x100000 memsz 0x10000000 is outside RAM (0x2000000 bytes)"
run "$X" run --kernel "$tmp/bz-truncated"
expect_usage_error "truncated bzImage" \
	"xsvm: $tmp/bz-truncated: setup header: setup_sects is 4: the protected-mode kernel at file offset 0xa00 is not inside the file (1500 bytes)"
run "$X" run --kernel "$tmp/bz-no-hdrs"
expect_usage_error "bzImage without HdrS" \
	"xsvm: $tmp/bz-no-hdrs: setup header: header is 0x21726448, want 0x53726448 (\"HdrS\")"
run "$X" run --kernel "$tmp/bz-no-bootflag"
expect_usage_error "bzImage without boot flag" \
	"xsvm: $tmp/bz-no-bootflag: setup header: boot_flag is 0x0000, want 0xaa55"
run "$X" run --kernel "$tmp/bz-old"
expect_usage_error "bzImage too old" \
	"xsvm: $tmp/bz-old: setup header: version is 0x0208, want at least 0x020c (64-bit entry)"
run "$X" run --kernel "$tmp/bz-corrupt-xz"
expect_usage_error "corrupt xz payload" \
	"xsvm: $tmp/bz-corrupt-xz: payload: xz: liblzma: compressed data is corrupt (LZMA_DATA_ERROR)"
run "$X" run --kernel "$tmp/garbage"
expect_usage_error "not a kernel" \
	"xsvm: $tmp/garbage: setup header: boot_flag is 0x2073, want 0xaa55"
run "$X" run --kernel "$tmp/does-not-exist"
expect_usage_error "missing kernel" \
	"xsvm: $tmp/does-not-exist: kernel: No such file or directory"
run "$X" run --kernel "$tmp"
expect_usage_error "kernel is a directory" "xsvm: $tmp: kernel: not a regular file"
: >"$tmp/empty"
run "$X" run --kernel "$tmp/empty"
expect_usage_error "empty kernel" "xsvm: $tmp/empty: kernel: empty file"

head -c 20000000 /dev/zero >"$tmp/initrd-20m"
run "$X" run --kernel "$tmp/pass" --initrd "$tmp/initrd-20m" --mem 16
expect_usage_error "initrd larger than RAM" \
	"xsvm: $tmp/initrd-20m: initrd of 20000000 bytes is larger than guest RAM (16777216 bytes)"
run "$X" run --kernel "$tmp/middle-of-ram" --initrd "$tmp/initrd-20m" --mem 32
expect_usage_error "initrd does not fit beside the kernel" \
	"xsvm: $tmp/initrd-20m: initrd of 20000000 bytes does not fit below 0x2000000 (RAM 32 MiB, kernel at 0x1000000-0x1800000)"

run "$X" run --initrd "$tmp/initrd-20m"
expect_usage_error "--initrd without --kernel" \
	"xsvm: run: --initrd needs --kernel: the built-in test guest takes no initrd"
run "$X" run --kernel "$tmp/pass" --mem 8
expect_usage_error "--mem too small" "xsvm: --mem: 8 is outside 16..65536"
run "$X" run --kernel "$tmp/pass" --bogus
expect_usage_error "unknown option" "xsvm: run: unknown option '--bogus' (see xsvm run --help)"
run "$X" run --kernel "$tmp/pass" --cpuid "$tmp/garbage"
expect_rc "bad --cpuid file" 2

finish
