#!/usr/bin/env bash
# The installed xsvm: `cmake --install BUILD_DIR` into a temporary prefix
# gives exactly bin/xsvm, share/man/man1/xsvm.1 and
# share/bash-completion/completions/xsvm; the binary is the build's, man
# finds the page by name under the prefix, and the completion, loaded in a
# bare bash (no bash-completion package), completes commands, each
# command's options (exactly those its --help lists, and -h, --help),
# enumerated values and file names. Needs no /dev/kvm; about 2 s.
#
# With "run", the installed binary boots the built-in test guest: this
# host's table (the verdict the Linux model gives that table, exit 0) and
# the #708 table in both orders. Needs /dev/kvm; under a second.
#
# Usage: bash install_test.sh BUILD_DIR SOURCE_ROOT [run]
set -u

B=${1:?usage: install_test.sh BUILD_DIR SOURCE_ROOT [run]}
ROOT=${2:?usage: install_test.sh BUILD_DIR SOURCE_ROOT [run]}
MODE=${3:-}

. "$(dirname "$0")/lib.sh"

B=$(realpath "$B")
ROOT=$(realpath "$ROOT")
P=$tmp/p
XI=$P/bin/xsvm
export LC_ALL=C.UTF-8 MANWIDTH=80

run cmake --install "$B" --prefix "$P"
expect_rc "cmake --install --prefix" 0
got=$(cd "$P" && find . -type f -o -type l | sort | paste -sd ' ')
want="./bin/xsvm ./share/bash-completion/completions/xsvm ./share/man/man1/xsvm.1"
if [ "$got" = "$want" ]; then
	ok "installed: $want"
else
	bad "installed files differ" "got:  $got" "want: $want"
fi

# ------------------------------------------------------ the KVM part

if [ "$MODE" = run ]; then
	require_kvm "these tests boot the test guest with the installed xsvm"
	export XSVM_CACHE_DIR=$tmp/cache
	D=$ROOT/tests/data/cpuid-dumps/intel-sapphirerapids.txt

	# The host's table decides: the verdict of the Linux model on it.
	want=$(host_verdict "$XI")
	run "$XI" run --quiet
	expect_rc "installed xsvm run --quiet" 0
	expect_verdict "installed xsvm run --quiet" "$want"
	if [ -z "$out" ]; then ok "--quiet: no console on stdout"; else bad "--quiet: stdout" "$out"; fi
	if [ "$(tail -n 1 <<<"$err")" = "xsvm: exit status 0" ]; then
		ok "installed xsvm run --quiet: 'xsvm: exit status 0'"
	else
		bad "installed xsvm run --quiet: last line" "$(tail -n 1 <<<"$err")"
	fi

	run "$XI" run --quiet --cpuid "$D" --policy tdx --xfam 0x618e7
	expect_rc "#708 table, ascending" 0
	expect_verdict "#708 table, ascending" passed
	run "$XI" run --quiet --cpuid "$D" --policy tdx --xfam 0x618e7 --xsave-order hash:1
	expect_rc "#708 table, hash:1" 1
	expect_verdict "#708 table, hash:1" problem
	if grep -Fxq "xsvm: the kernel: XSAVE consistency problem: size 10752 != kernel_size 10704" <<<"$err"; then
		ok "#708 table, hash:1: the kernel's warning"
	else
		bad "#708 table, hash:1: no warning" "$err"
	fi
	finish
	exit
fi

# ------------------------------------------------------------ the files

if [ -x "$XI" ] && cmp -s "$B/xsvm" "$XI"; then
	ok "bin/xsvm: executable, the build's binary"
else
	bad "bin/xsvm: not executable or not the build's binary"
fi
for f in share/man/man1/xsvm.1:docs/xsvm.1 \
	share/bash-completion/completions/xsvm:tools/completion/xsvm; do
	if cmp -s "$P/${f%%:*}" "$ROOT/${f#*:}"; then
		ok "${f%%:*}: ${f#*:} of the source tree"
	else
		bad "${f%%:*} differs from ${f#*:}"
	fi
done

run "$B/xsvm" --version
want=$out
run "$XI" --version
expect_rc "installed xsvm --version" 0
if [ "$out" = "$want" ] && [ "${out:0:5}" = "xsvm " ]; then
	ok "installed xsvm --version: '$out', as the build's"
else
	bad "installed xsvm --version: '$out', the build's: '$want'"
fi

# ------------------------------------------------------- the manual page

name="     xsvm — build CPUID tables for KVM guests and check their XSAVE leaf"
run man -l "$P/share/man/man1/xsvm.1"
expect_rc "man -l" 0
expect_line "man -l: NAME" "$name"
page=$out
run man -M "$P/share/man" xsvm
expect_rc "man -M PREFIX/share/man xsvm" 0
if [ "$out" = "$page" ]; then
	ok "man -M PREFIX/share/man xsvm: the page, found by name"
else
	bad "man -M PREFIX/share/man xsvm: not the page" "$(head -n 3 <<<"$out")"
fi

# ------------------------------------------------------- the completion

COMPLETION=$P/share/bash-completion/completions/xsvm

run bash --norc --noprofile -c '. "$1" && complete -p xsvm' _ "$COMPLETION"
expect_rc "completion: loads in bash --norc" 0
expect_line "completion: complete -p xsvm" "complete -F _xsvm xsvm"
if [ -z "$err" ]; then ok "completion: loads quietly"; else bad "completion: stderr" "$err"; fi

# complete WORD...: the replies to completing the last WORD of the line
# "WORD...", in a bare bash run in $tmp/cwd, sorted, space-separated.
mkdir -p "$tmp/cwd" "$tmp/k"
touch "$tmp/cwd/tdx.policy" "$tmp/cwd/host.txt" "$tmp/cwd/native" \
	"$tmp/k/vmlinuz-6.1" "$tmp/k/vmlinuz-6.8" "$tmp/k/initrd.img"
complete_words() {
	(cd "$tmp/cwd" && bash --norc --noprofile -c '
		. "$1"
		shift
		spec=$(complete -p xsvm)
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		"$fn" xsvm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@") |
		sed '/^$/d' | sort | paste -sd ' '
}

expect_completion() { # WANT WORD...
	local want=$1 got

	shift
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		ok "completion: '$*' -> '$want'"
	else
		bad "completion: '$*' -> '$got', want '$want'"
	fi
}

expect_completion "build" xsvm cpuid b
expect_completion "run" xsvm r
expect_completion "cpuid explain probe run" xsvm ""
expect_completion "build check diff orders" xsvm cpuid ""
expect_completion "check" xsvm cpuid c
expect_completion "--kernel" xsvm run --ker
expect_completion "--full-boot" xsvm run --f
expect_completion "--xsave-order --xss" xsvm cpuid build --xs
expect_completion "kvm-json" xsvm cpuid build --format k
expect_completion "cpuid-r dump kvm-json" xsvm cpuid build --format ""
expect_completion "5.15 5.19 6.1 6.12 6.16 6.17 6.18 6.6 6.8 7.1" xsvm run --linux ""
expect_completion "6.1 6.12 6.16 6.17 6.18 6.6 6.8" xsvm cpuid check --linux 6
expect_completion "ascending hash-vcpu: hash:" xsvm run --xsave-order ""
expect_completion "hash-vcpu: hash:" xsvm cpuid build --xsave-order h
expect_completion "hash-vcpu:" xsvm run --xsave-order hash-
expect_completion "host host.txt" xsvm probe --cpuid ho
# A file named like a word (./native) is offered once.
expect_completion "native" xsvm cpuid build --cpuid na
expect_completion "tdx tdx.policy" xsvm run --policy t
expect_completion "none" xsvm probe --policy no
expect_completion "" xsvm run --mem ""
expect_completion "" xsvm run --xfam 0x
expect_completion "$tmp/k/vmlinuz-6.1 $tmp/k/vmlinuz-6.8" xsvm run --kernel "$tmp/k/vm"
expect_completion "$tmp/k/vmlinuz-6.1 $tmp/k/vmlinuz-6.8" xsvm run --kernel = "$tmp/k/vm"
expect_completion "$tmp/k/initrd.img" xsvm run --quiet --kernel "$tmp/k/vmlinuz-6.8" --initrd "$tmp/k/i"
expect_completion "$tmp/k/initrd.img" xsvm run --console "$tmp/k/in"
expect_completion "$tmp/k/initrd.img" xsvm run --report "$tmp/k/in"
expect_completion "$tmp/k/vmlinuz-6.1 $tmp/k/vmlinuz-6.8" xsvm explain "$tmp/k/vmlinuz-"
expect_completion "$tmp/k/initrd.img" xsvm cpuid check "$tmp/k/in"
expect_completion "$tmp/k/initrd.img" xsvm cpuid orders --xcr0 0x7 "$tmp/k/in"
expect_completion "$tmp/k/initrd.img" xsvm cpuid diff "$tmp/k/vmlinuz-6.1" "$tmp/k/in"
expect_completion "" xsvm cpuid build "$tmp/k/in"
expect_completion "" xsvm run "$tmp/k/in"

# Each command completes exactly the options its --help lists, and -h and
# --help, which every command takes.
expect_completion "$(help_options "$XI" | paste -sd ' ')" xsvm -
while read -r c; do
	# shellcheck disable=SC2086 # the command's words
	want=$({
		help_options "$XI" $c
		printf '%s\n' -h --help
	} | sort -u | paste -sd ' ')
	# shellcheck disable=SC2086
	expect_completion "$want" xsvm $c -
done <<EOF
cpuid build
cpuid check
cpuid orders
cpuid diff
run
explain
probe
EOF

finish
