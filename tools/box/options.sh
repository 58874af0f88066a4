# shellcheck shell=bash
# The box's command line, the same for the front end (tools/box.sh) and each
# machine's script: the usage text and the options. Source after
# tools/box/lib.sh (its conventions hold here); this file defines functions
# and constants and runs nothing.

# The variables set here are read by the machines' scripts.
# shellcheck disable=SC2034

# The repository's root (tools/box/options.sh is two levels below it).
BOX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# box_usage
#   Prints the front end's usage text (tools/box.sh --help) on stdout.
box_usage()
{
	cat <<EOF2
usage: tools/box.sh [--machine qemu|bochs] [--build DIR] [--timeout SEC] [--mem MIB]
                    [--quiet] [--with PATH]... [--out DIR] [--] COMMAND [ARG...]
       tools/box.sh --help

Runs COMMAND as root against a real Linux 6.1 KVM: Debian's own kernel
(linux-image-amd64's linux-image-6.1.0-NN-amd64) boots in an emulated PC whose
CPU has hardware virtualization, loads Debian's KVM modules and runs COMMAND
there with the caller's working directory and environment. No /dev/kvm is
needed on this machine.

  --machine qemu   QEMU TCG, -cpu max, nested SVM, kvm_amd (default). The
                   host's / is shared over 9p: COMMAND sees this machine's
                   files, writes to them, and its programs run in place.
  --machine bochs  Bochs, nested VMX, kvm_intel: faithful, much slower
                   (tools/box/bochs.sh).
  --build DIR      build directory; the box caches under DIR/box/
                   (default: $BOX_ROOT/build)
  --timeout SEC    stop COMMAND after SEC seconds (default 3600)
  --mem MIB        the box's memory (default 2048)
  --quiet          no progress line (errors are still printed)
  --with PATH      a file or directory COMMAND needs (bochs copies it in, an
                   executable with its libraries; qemu shares the whole tree
                   and needs none)
  --out DIR        a directory to copy back after COMMAND (bochs; qemu shares
                   it in place)

COMMAND's stdout and stderr stream live to stdout and stderr (qemu keeps
them apart, and gives COMMAND a terminal only where this one is); its stdin
is /dev/null. The box's own progress line and errors are the lines starting
with "box:" on stderr. The kernel's console is kept in DIR/box/last-console.log
(qemu) or DIR/box/last-bochs-console.log (bochs). COMMAND's environment has
XSVM_BOX set to the machine's name (qemu or bochs).

Environment:
  BOX_BOOT_LIMIT   seconds from the machine's start to /dev/kvm (default 300
                   for qemu, 600 for bochs)
  BOX_9P_CACHE     qemu: the 9p cache mode of the shared / (loose, the
                   default, runs scripts about 3x faster than mmap or none;
                   a file changed here while the box runs may look unchanged
                   in the box)

Exit status: COMMAND's own exit status, or
  124  COMMAND timed out (--timeout); the box was stopped
  125  the box failed: bad usage, a missing package, a module that did not
       load, no boot within BOX_BOOT_LIMIT, or the box ended without
       reporting COMMAND's status
  126  COMMAND found but not executable, 127 COMMAND not found (as sh does)
EOF2
}

# box_usage_error TEXT...
#   Prints "box: error: TEXT" and the usage hint, exits BOX_EXIT_FAIL.
box_usage_error()
{
	printf 'box: error: %s (see tools/box.sh --help)\n' "$*" >&2
	exit "$BOX_EXIT_FAIL"
}

# box__positive NAME VALUE
#   Dies unless VALUE is a positive decimal integer.
box__positive()
{
	[[ $2 =~ ^[1-9][0-9]{0,8}$ ]] || box_usage_error "$1 wants a positive integer, not '$2'"
}

# box_parse_args ARG...
#   Parses the front end's arguments. --help prints box_usage and exits 0.
#   Sets:
#     BOX_MACHINE  qemu or bochs            BOX_BUILD    absolute build dir
#     BOX_TIMEOUT  seconds (3600)           BOX_MEM      MiB (2048)
#     BOX_QUIET    0 or 1                   BOX_WITH     array of --with PATHs
#     BOX_OUT      --out DIR or ""          BOX_CMD      array: COMMAND ARG...
#   Options may be given as "--opt VALUE" or "--opt=VALUE"; parsing stops at
#   "--" or at the first argument not starting with "-".
box_parse_args()
{
	local opt val

	BOX_MACHINE=qemu
	BOX_BUILD=$BOX_ROOT/build
	BOX_TIMEOUT=3600
	BOX_MEM=2048
	BOX_QUIET=0
	BOX_WITH=()
	BOX_OUT=""
	BOX_CMD=()
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		--) shift; break ;;
		-h | --help) box_usage; exit 0 ;;
		--quiet | -q) BOX_QUIET=1; shift; continue ;;
		--*=*) val=${opt#*=}; opt=${opt%%=*}; shift ;;
		--machine | --build | --timeout | --mem | --with | --out)
			[ $# -ge 2 ] || box_usage_error "$opt needs a value"
			val=$2
			shift 2
			;;
		-*) box_usage_error "unknown option $opt" ;;
		*) break ;;
		esac
		case $opt in
		--machine)
			case $val in
			qemu | bochs) BOX_MACHINE=$val ;;
			*) box_usage_error "--machine is qemu or bochs, not '$val'" ;;
			esac
			;;
		--build) BOX_BUILD=$val ;;
		--timeout) box__positive --timeout "$val"; BOX_TIMEOUT=$val ;;
		--mem) box__positive --mem "$val"; BOX_MEM=$val ;;
		--with) BOX_WITH+=("$val") ;;
		--out) BOX_OUT=$val ;;
		*) box_usage_error "unknown option $opt" ;;
		esac
	done
	[ $# -gt 0 ] || box_usage_error "no COMMAND given"
	BOX_CMD=("$@")
	[ -n "$BOX_BUILD" ] || box_usage_error "--build is empty"
	mkdir -p -- "$BOX_BUILD/box" 2>/dev/null ||
		box_usage_error "cannot create $BOX_BUILD/box"
	BOX_BUILD=$(cd -- "$BOX_BUILD" && pwd)
}
