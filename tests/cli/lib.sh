# Shared helpers of the CLI integration tests: run a command, assert its
# exit status, output lines and messages exactly. Source it; the caller
# prints the totals with `finish`.

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	pass=$((pass + 1))
	echo "ok   $1"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
	shift
	for line in "$@"; do
		printf '     %s\n' "$line"
	done
}

# run [<FILE] CMD...: runs CMD with stdin from FILE (default /dev/null);
# sets $out, $err and $rc.
run() {
	local in=/dev/null

	if [ "${1:0:1}" = "<" ]; then
		in=${1:1}
		shift
	fi
	out=$("$@" <"$in" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

expect_rc() { # NAME WANT
	if [ "$rc" -eq "$2" ]; then
		ok "$1: exit $2"
	else
		bad "$1: exit $rc, want $2" "stderr: $err"
	fi
}

expect_line() { # NAME LINE: LINE is one whole line of $out
	if grep -Fxq -- "$2" <<<"$out"; then
		ok "$1: '$2'"
	else
		bad "$1: no line '$2'" "stdout tail: $(tail -n 3 <<<"$out")"
	fi
}

expect_no_line() { # NAME LINE
	if grep -Fxq -- "$2" <<<"$out"; then
		bad "$1: unexpected line '$2'"
	else
		ok "$1: no '$2'"
	fi
}

expect_contains() { # NAME TEXT: TEXT occurs in $out
	if grep -Fq -- "$2" <<<"$out"; then
		ok "$1: contains '$2'"
	else
		bad "$1: does not contain '$2'"
	fi
}

expect_err() { # NAME MESSAGE: stderr is exactly this one line
	if [ "$err" = "$2" ]; then
		ok "$1: stderr '$2'"
	else
		bad "$1: stderr differs" "want: $2" "got:  $err"
	fi
}

# Bad input: exit 2, nothing on stdout, exactly one line on stderr.
expect_usage_error() { # NAME MESSAGE
	expect_rc "$1" 2
	expect_err "$1" "$2"
	if [ -z "$out" ]; then
		ok "$1: no stdout"
	else
		bad "$1: stdout not empty" "$(head -n 2 <<<"$out")"
	fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# Tests that boot guests fail, loudly, where /dev/kvm is missing: CI has it.
require_kvm() { # WHAT: "these tests boot guests", ...
	if [ ! -c /dev/kvm ]; then
		bad "/dev/kvm is missing: $1 and must run"
		finish
		exit 1
	fi
}

require_guest() { # DIR: Debian's kernel and initramfs (tools/fetch-guest.sh)
	if [ ! -f "$1/vmlinuz" ] || [ ! -f "$1/initramfs.cpio.gz" ]; then
		bad "$1 has no vmlinuz/initramfs.cpio.gz: run tools/fetch-guest.sh first"
		finish
		exit 1
	fi
}

# The KVM module behind /dev/kvm: kvm_intel, kvm_amd, kvm_pvm or unknown.
kvm_module() {
	local m

	for m in kvm_intel kvm_amd kvm_pvm; do
		if [ -d "/sys/module/$m" ]; then
			echo "$m"
			return
		fi
	done
	echo unknown
}

# expect_triple_fault NAME REPORT INSN: the run ended in a triple fault.
# KVM on AMD resets the vCPU before it reports the shutdown, so xsvm must
# say the faulting RIP is unknown and report no instruction; every other
# KVM keeps the state, and the report has the bytes that faulted, which
# start with INSN ("0f 0b").
expect_triple_fault() {
	local got want

	got=$(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["end"]
print(e["reason"], e["vcpu_state_reset"], e.get("insn_bytes", "-")[:len(sys.argv[2])])' "$2" "$3" 2>&1)
	if [ "$(kvm_module)" = kvm_amd ]; then
		want="shutdown True -"
	else
		want="shutdown False $3"
	fi
	if [ "$got" = "$want" ]; then
		ok "$1 on $(kvm_module): reason, vcpu_state_reset, insn_bytes: $want"
	else
		bad "$1 on $(kvm_module): reason, vcpu_state_reset, insn_bytes: '$got', want '$want'"
	fi
	if [ "$(kvm_module)" != kvm_amd ]; then
		return
	fi
	if grep -Fxq "xsvm: the vCPU was already reset when KVM reported the shutdown (KVM on AMD does that): the faulting RIP is unknown" <<<"$err" &&
		! grep -q '^xsvm: RIP ' <<<"$err"; then
		ok "$1: says the faulting RIP is unknown, prints no RIP"
	else
		bad "$1: no 'faulting RIP is unknown' line, or a RIP printed" "$err"
	fi
}

# help_options XSVM [WORD...]: the options `XSVM WORD... --help` lists, one
# a line, sorted: those of its usage lines and of the first column of its
# option lines (two spaces, then a dash). Without WORD, the options of the
# "Options:" block of `XSVM --help`, the ones that precede a command.
help_options() {
	local x=$1

	shift
	"$x" "$@" --help | awk -v top=$(($# == 0)) '
		/^Options:$/ { opts = 1; next }
		top && !opts { next }
		/^usage: / { usage = !top }
		/^$/ { usage = 0 }
		usage { print; next }
		/^  -/ { sub(/^  /, ""); sub(/  .*/, ""); print }' |
		help_words
}

# help_words: every option word (-h, --kernel) in the text on stdin.
help_words() {
	grep -oE '(^|[^[:alnum:]_-])--?[a-z][a-z0-9-]*' | sed -E 's/^[^-]//' |
		sort -u
}

# host_verdict XSVM: the verdict `xsvm run` must reach for this host's table
# (--cpuid host): the one the Linux model gives that table.
host_verdict() {
	case $("$1" cpuid build --cpuid host | "$1" cpuid check - --json |
		python3 -c "import json,sys; print(json.load(sys.stdin)['verdict'])") in
	no_xsave) echo passed_no_xsave ;;
	consistent) echo passed ;;
	*) echo problem ;;
	esac
}

# expect_verdict NAME VERDICT: $err has the summary line
# "xsvm: verdict: VERDICT after N.NNN s".
expect_verdict() {
	if grep -Fxq "xsvm: verdict: $2 after" <<<"$(sed -E 's/ [0-9]+\.[0-9]{3} s$//' <<<"$err")"; then
		ok "$1: 'xsvm: verdict: $2 after N s'"
	else
		bad "$1: no line 'xsvm: verdict: $2 after N s'" "$err"
	fi
}

# expect_eq NAME GOT WANT: GOT is exactly WANT.
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: '$2', want '$3'"; fi
}

# ------------------------------------------ tests that boot Debian's kernel
#
# They take PATH_TO_XSVM GUEST_DIR [BOX_MACHINE] (GUEST_DIR from
# tools/fetch-guest.sh) as $X, $G and $M, and call guest_setup first. Their
# xsvm runs are in $o/driver.sh, which guest_driver starts and the test
# completes, so that one script runs them natively or in one QEMU box.

# guest_setup: $X and $G made absolute; $o, the output directory; the
# test's own caches, outside the Bochs box's --out (which goes back over its
# serial port: a 66 MB cached vmlinux must not). Ends the test when $G has
# no kernel.
guest_setup() {
	X=$(cd "$(dirname "$X")" && pwd)/$(basename "$X")
	G=$(cd "$G" && pwd)
	o=$tmp/out
	mkdir -p "$o"
	export XSVM_CACHE_DIR=$tmp/cache
	if [ ! -f "$G/vmlinuz" ] || [ ! -f "$G/initramfs.cpio.gz" ]; then
		bad "$G has no vmlinuz/initramfs.cpio.gz: run tools/fetch-guest.sh first"
		finish
		exit 1
	fi
}

# guest_initrds VARIANT...: $o/initrd-VARIANT.gz for each, Debian's
# initramfs made into that variant by mkinitrd.sh.
guest_initrds() {
	local k here

	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	for k in "$@"; do
		bash "$here/mkinitrd.sh" "$G/initramfs.cpio.gz" "$o/initrd-$k.gz" "$k" ||
			bad "mkinitrd.sh $k failed"
	done
}

# guest_driver: starts $o/driver.sh with X, K (the kernel), I (Debian's
# initramfs), o, common (what every run is given) and `one NAME ARGS...`,
# which runs xsvm on K with $common and ARGS and leaves NAME.rc, NAME.out
# (standard output), NAME.err, NAME.console and NAME.json in $o. The test
# appends its runs.
guest_driver() {
	cat >"$o/driver.sh" <<DRIVER
X=$X
K=$G/vmlinuz
I=$G/initramfs.cpio.gz
o=$o
common="--timeout 600 --append clearcpuid=cx16"
one() { # NAME ARGS...
	n=\$1
	shift
	"\$X" run --kernel "\$K" \$common --console "\$o/\$n.console" \\
		--report "\$o/\$n.json" "\$@" >"\$o/\$n.out" 2>"\$o/\$n.err" </dev/null
	echo \$? >"\$o/\$n.rc"
}
DRIVER
}

# guest_run_driver TIMEOUT: runs $o/driver.sh here or, when $M is qemu, in
# the QEMU box for at most TIMEOUT seconds; its exit status.
guest_run_driver() {
	local here

	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	if [ "$M" = qemu ]; then
		"$here/../../tools/box.sh" --machine qemu --build "$(dirname "$X")" \
			--timeout "$1" -- bash "$o/driver.sh"
	else
		bash "$o/driver.sh"
	fi
}

# field NAME EXPR: the Python EXPR of the report $o/NAME.json (as d), or
# the error that reading it gave.
field() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$o/$1.json" 2>&1
}
