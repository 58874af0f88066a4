#!/usr/bin/env bash
# Integration test of the built-in test guest (xsvm run with no --kernel):
# it reads the table through the CPUID service and prints what the Linux
# model says that kernel would print. Reproduces OpenVMM #708 end to end:
# the Sapphire Rapids dump under the TDX policy with XFAM 0x618e7 passes in
# ascending order and fails for every hash seed whose order gives 10704.
# Needs /dev/kvm; each run takes a fraction of a second.
#
# Usage: bash guest_test.sh PATH_TO_XSVM TEST_DATA_DIR
set -u

X=${1:?usage: guest_test.sh PATH_TO_XSVM TEST_DATA_DIR}
DATA=${2:?usage: guest_test.sh PATH_TO_XSVM TEST_DATA_DIR}
SPR=$DATA/cpuid-dumps/intel-sapphirerapids.txt
TDX=(--cpuid "$SPR" --policy tdx --xfam 0x618e7)

. "$(dirname "$0")/lib.sh"

require_kvm "these tests boot the test guest"

field() { # FILE EXPR
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
expect_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi
}

# ---------------------------------------------------- the default run

run "$X" run --report "$tmp/default.json"
expect_rc "xsvm run" 0
# The host's table decides: the same verdict as the model on that table.
want=$(host_verdict "$X")
expect_eq "xsvm run: verdict" "$(field "$tmp/default.json" "d['verdict']")" "$want"
expect_eq "xsvm run: kernel" "$(field "$tmp/default.json" "d['kernel']")" "built-in test guest"
expect_eq "xsvm run: the guest's lines are the prediction" \
	"$(field "$tmp/default.json" "d['prediction']['matches']")" "True"
expect_eq "xsvm run: ended by the guest" \
	"$(field "$tmp/default.json" "d['end']['reason']")" "debug_exit"
if grep -q '^xsvm-guest: test guest, Linux 6.8 model, [0-9]* CPUID entries$' <<<"$out"; then
	ok "xsvm run: guest banner"
else
	bad "xsvm run: no guest banner" "$(head -n 3 <<<"$out")"
fi
expect_line "xsvm run: guest verdict" "xsvm-guest: verdict passed"

# -------------------------------------------------- #708, ascending

run "$X" run "${TDX[@]}" --report "$tmp/asc.json" --console "$tmp/asc.console"
expect_rc "#708 table, ascending" 0
expect_line "#708 table, ascending" \
	"x86/fpu: Enabled xstate features 0x608e7, context size is 10752 bytes, using 'compacted' format."
expect_line "#708 table, ascending" "x86/fpu: xstate_offset[18]: 2560, xstate_sizes[18]: 8192"
expect_no_line "#708 table, ascending" "XSAVE consistency problem: size 10752 != kernel_size 10704"
expect_eq "#708 ascending: prediction" "$(field "$tmp/asc.json" "d['prediction']['matches']")" "True"
if [ "$(cat "$tmp/asc.console")" = "$out" ]; then
	ok "#708 ascending: console file equals the live console"
else
	bad "#708 ascending: console file differs"
fi

# ------------------------------------------- #708, a defective order

run "$X" run "${TDX[@]}" --xsave-order hash:1 --report "$tmp/hash.json"
expect_rc "#708 table, hash:1" 1
expect_line "#708 table, hash:1" "XSAVE consistency problem: size 10752 != kernel_size 10704"
expect_line "#708 table, hash:1" "CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=00001800 edx=00000000"
expect_line "#708 table, hash:1" "CPUID[0d, 1c]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000"
# 6.8 dumps subleaves 0..0x1c once per boot, at its first warning: here
# TILEDATA's size, which it checks against leaf 0x1D (the dump has none).
expect_eq "#708 hash:1: CPUID dump lines" "$(grep -c '^CPUID\[0d, ' <<<"$out")" "29"
expect_line "#708 table, hash:1" "XFEATURE_XTILE_DATA: calculated size is 0 bytes, cpu state 8192 bytes"
expect_line "#708 table, hash:1" "xsvm-guest: verdict problem"
expect_eq "#708 hash:1: verdict" "$(field "$tmp/hash.json" "d['verdict']")" "problem"
expect_eq "#708 hash:1: prediction" "$(field "$tmp/hash.json" "d['prediction']['matches']")" "True"
if grep -Fq "xsvm: warning: --xsave-order hash:1 is a deliberately defective accumulation order" <<<"$err"; then
	ok "#708 hash:1: the defective order is announced"
else
	bad "#708 hash:1: no warning about the defective order" "$err"
fi

# ------------------------------------------- explaining the consoles

run "$X" run --quiet --console "$tmp/default.console"
run "$X" explain "$tmp/default.console"
expect_rc "explain the default guest's console" 0
run "$X" run --quiet --cpuid "$DATA/cpuid-dumps/intel-icelakesp.txt" --console "$tmp/icx.console"
run "$X" explain "$tmp/icx.console"
expect_rc "explain an Ice Lake guest's console" 0
expect_line "explain an Ice Lake guest's console" \
	"no problem: the reported size equals the in-order size and the table is consistent"
run "$X" run "${TDX[@]}" --xsave-order hash:1 --quiet --console "$tmp/hash.console"
run "$X" explain "$tmp/hash.console"
expect_rc "explain the #708 guest's console" 1
expect_line "explain the #708 guest's console" \
	"cause: sizes accumulated out of order: 48 bytes of alignment padding missing before component 17; 1680 of 5040 orders give 10704, exactly those that visit component 11 after 17 and 18"

# ------------------------------------- a sweep of seeds, each exactly

# The builder gives, per seed, the 0xD.1 EBX its order accumulates; the
# guest must pass exactly when that is 10752 and fail when it is 10704.
fails=0
passes=0
for seed in $(seq 1 24); do
	ebx1=$("$X" cpuid build "${TDX[@]}" --xsave-order "hash:$seed" --json 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)['ebx1'])")
	case $ebx1 in
	10752) want=0 ;;
	10704) want=1 ;;
	*) bad "seed $seed: builder gives 0xD.1 EBX $ebx1"; continue ;;
	esac
	"$X" run "${TDX[@]}" --xsave-order "hash:$seed" --quiet 2>/dev/null
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		[ "$want" -eq 1 ] && fails=$((fails + 1)) || passes=$((passes + 1))
	else
		bad "seed $seed: exit $rc, want $want (0xD.1 EBX $ebx1)"
	fi
done
echo "     sweep: $fails of 24 seeds fail, $passes pass; the order analysis gives 1680 of 5040 orders failing"
if [ "$fails" -gt 0 ] && [ "$passes" -gt 0 ] && [ $((fails + passes)) -eq 24 ]; then
	ok "sweep: every seed's verdict is the one its order predicts, both outcomes seen"
else
	bad "sweep: $fails failing, $passes passing of 24"
fi
run "$X" cpuid orders "$SPR" --xcr0 0x600e7 --xss 0x800
expect_line "order analysis" "size 10704: 1680 orders"
expect_line "order analysis" "size 10752: 3360 orders (ascending)"

# ------------------------------------------ other kernels, same table

run "$X" run "${TDX[@]}" --linux 5.15 --report "$tmp/515.json"
expect_rc "#708 table under 5.15" 0
expect_line "#708 table under 5.15" \
	"x86/fpu: Enabled xstate features 0xe7, context size is 2432 bytes, using 'compacted' format."
run "$X" run "${TDX[@]}" --linux 7.1
expect_rc "#708 table under 7.1" 0

# ------------------------------------------------- boots in one process

run "$X" run --boots 0
expect_usage_error "--boots 0" "xsvm: --boots: 0 is outside 1..10000"
run "$X" run --boots 10001
expect_usage_error "--boots 10001" "xsvm: --boots: 10001 is outside 1..10000"
run "$X" run --boots many
expect_rc "--boots many" 2

# The #708 table, 60 boots, each with its own order drawn from (7, boot):
# the count of warned boots lies in the binomial 99% interval around
# 1680/5040 (11..30 of 60), and for seed 7 it is 20.
run "$X" run "${TDX[@]}" --xsave-order hash:7 --boots 60 --quiet \
	--console "$tmp/b60.console" --report "$tmp/b60.json"
expect_rc "--boots 60 hash:7" 1
saved=$out
out=$err
expect_line "--boots 60 hash:7: tally" "xsvm: boots: 60 of 60 run: 40 passed, 20 problem"
expect_line "--boots 60 hash:7: against the order analysis" \
	"xsvm: warned on 20 of 60 boots; the order analysis predicts 1680 of 5040 orders warn (33.3%): 99% interval 11..30 boots: inside"
n=$(grep -cE '^xsvm: boot [0-9]+ of 60: verdict (passed|problem), run ended \(debug_exit\) after [0-9]+\.[0-9]{3} s, order hash:[0-9]+, exit status [01]$' <<<"$err")
if [ "$n" -eq 60 ]; then ok "--boots 60 hash:7: a line per boot"; else bad "--boots 60 hash:7: $n boot lines, want 60"; fi
out=$saved
b60() { python3 -c "import json,sys; d=json.load(open('$tmp/b60.json')); print($1)"; }
expect_report() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi
}
expect_report "report: boots" "$(b60 "d['boots'], d['boots_run'], len(d['boot'])")" "60 60 60"
expect_report "report: verdicts" "$(b60 "d['verdicts']")" \
	"{'passed': 40, 'passed_no_xsave': 0, 'problem': 20, 'host_defect': 0, 'none': 0}"
expect_report "report: interval" \
	"$(b60 "[d['warned_prediction'][k] for k in ('warned_boots', 'warning_orders', 'orders_total', 'interval_low', 'interval_high', 'inside')]")" \
	"[20, 1680, 5040, 11, 30, True]"
expect_report "report: boots numbered 1..60" "$(b60 "[b['boot'] for b in d['boot']] == list(range(1, 61))")" True
expect_report "report: boot 1 keeps the seed" "$(b60 "d['boot'][0]['order']")" "hash:7"
expect_report "report: 60 different orders" "$(b60 "len(set(b['order'] for b in d['boot']))")" 60
expect_report "report: every warning is #708's" \
	"$(b60 "sorted(set(b['observed']['problem'] for b in d['boot'] if b['verdict'] == 'problem'))")" \
	"['XSAVE consistency problem: size 10752 != kernel_size 10704']"
expect_report "report: status per boot" \
	"$(b60 "all(b['exit_status'] == (1 if b['verdict'] == 'problem' else 0) for b in d['boot'])")" True
expect_report "console: a marker before each later boot" \
	"$(grep -c '^xsvm: ---- boot [0-9]* of 60 ----$' "$tmp/b60.console")" 59
expect_report "console: a verdict per boot" \
	"$(grep -c '^xsvm-guest: verdict ' "$tmp/b60.console")" 60

# In ascending order every boot passes, and none is predicted to warn.
run "$X" run "${TDX[@]}" --boots 60 --quiet
expect_rc "--boots 60 ascending" 0
out=$err
expect_line "--boots 60 ascending: tally" "xsvm: boots: 60 of 60 run: 60 passed"
expect_line "--boots 60 ascending: prediction" \
	"xsvm: warned on 0 of 60 boots; the order analysis predicts 0 of 1 orders warn (0.0%): 99% interval 0..0 boots: inside"

finish
