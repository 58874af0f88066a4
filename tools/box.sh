#!/usr/bin/env bash
# Run a command against a real Linux 6.1 KVM, on any machine: Debian's own
# kernel boots in an emulated PC with hardware virtualization (QEMU TCG with
# nested SVM by default, or Bochs with nested VMX), loads Debian's KVM
# modules and runs the command there. See tools/box.sh --help.
#
# This front end checks the arguments and execs the machine's script,
# tools/box/MACHINE.sh, with the same arguments minus --machine, and with
# XSVM_BOX=MACHINE in the environment the command gets.
set -Eeuo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/box/lib.sh
. "$here/box/lib.sh"
# shellcheck source=tools/box/options.sh
. "$here/box/options.sh"

# Prints the arguments without --machine (and its value), one per line
# NUL-terminated, leaving everything from "--" or the command on untouched.
strip_machine()
{
	local a

	while [ $# -gt 0 ]; do
		a=$1
		case $a in
		--machine) shift 2; continue ;;
		--machine=*) shift; continue ;;
		--build | --timeout | --mem | --with | --out)
			printf '%s\0%s\0' "$a" "$2"
			shift 2
			continue
			;;
		--quiet | -q | --*=*) printf '%s\0' "$a"; shift; continue ;;
		*) break ;;
		esac
	done
	[ $# -eq 0 ] || printf '%s\0' "$@"
}

main()
{
	local script a args=()

	# Validates everything (and handles --help) before dispatching.
	box_parse_args "$@"
	script=$here/box/$BOX_MACHINE.sh
	BOX_STEP="machine $BOX_MACHINE"
	[ -f "$script" ] || box_die "$script is missing: the $BOX_MACHINE machine is not available"
	while IFS= read -r -d '' a; do
		args+=("$a")
	done < <(strip_machine "$@")
	# The command can tell which box it runs in (tests key their
	# expectations of a known host defect on it; see HOST.md).
	export XSVM_BOX=$BOX_MACHINE
	exec bash "$script" "${args[@]}"
}

main "$@"
