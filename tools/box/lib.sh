# shellcheck shell=bash
# The base of the box's scripts (tools/box.sh, tools/box/qemu.sh,
# tools/box/bochs.sh): exit statuses, messages and errors, checks for tools,
# root, hashes, the clock, the command's script and the cache's lock. Source
# this file first, from a bash script that runs with set -Eeuo pipefail, and
# then those of the files beside it that the script uses; each defines
# functions and constants and runs nothing:
#   debian.sh     Debian's packages, fetched and cached; the kernel's vmlinux
#   modules.sh    kernel modules and the closure of their dependencies
#   initramfs.sh  the box's initramfs: busybox, /init's functions, cpio
#
# The box boots Debian's own kernel in an emulated PC, loads Debian's KVM
# modules there and runs a command against that /dev/kvm. Everything the box
# needs comes from Debian packages that are downloaded (apt-get download) and
# unpacked (dpkg -x) into BUILD/box/debian/, never installed.
#
# Conventions (of every file here):
#   - Every function documents its arguments, outputs and the variables it
#     sets. Names starting with box_ are the stable interface; names starting
#     with box__ are internal.
#   - Failures call box_die, which prints one line
#     "box: error: STEP: MESSAGE" and exits with BOX_EXIT_FAIL.

# The variables set here are read by the machines' scripts.
# shellcheck disable=SC2034

# Exit statuses reserved for failures of the box itself, never produced by
# the command's own status unless the command exits with them.
BOX_EXIT_TIMEOUT=124 # the command ran longer than --timeout
BOX_EXIT_FAIL=125    # the box could not be built, started or did not report

BOX_STEP="start"  # what is being done; box_die names it
BOX_QUIET=0       # 1: box_msg prints nothing (errors still print)

# box_msg TEXT...
#   Prints "box: TEXT" on stderr unless BOX_QUIET is 1.
box_msg()
{
	[ "$BOX_QUIET" = 1 ] || printf 'box: %s\n' "$*" >&2
}

# box_err TEXT...
#   Prints "box: error: STEP: TEXT" on stderr (always), STEP being BOX_STEP.
box_err()
{
	printf 'box: error: %s: %s\n' "$BOX_STEP" "$*" >&2
}

# box_die TEXT...
#   box_err, then exit BOX_EXIT_FAIL.
box_die()
{
	box_err "$@"
	exit "$BOX_EXIT_FAIL"
}

# box_need_cmd COMMAND PACKAGE
#   Dies, naming the Debian PACKAGE to install, when COMMAND is not on PATH.
box_need_cmd()
{
	command -v "$1" >/dev/null 2>&1 ||
		box_die "$1 not found: install the Debian package $2 (tools/setup.sh, or apt-get install $2)"
}

# box_as_root COMMAND [ARG...]
#   Runs COMMAND as root: directly when already root, else through sudo.
box_as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# box_sha256 [FILE...]
#   Prints the sha256 of the concatenation of the FILEs (or of stdin).
box_sha256()
{
	cat -- "$@" | sha256sum | cut -d' ' -f1
}

# The repository's root (tools/box/lib.sh is two levels below it).
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

# box_now
#   Prints the wall clock in microseconds.
box_now()
{
	local t=${EPOCHREALTIME/[.,]/}

	printf '%s\n' "$t"
}

# box_seconds START_US [END_US]
#   Prints the seconds from START_US to END_US (default now), one decimal.
box_seconds()
{
	local end=${2:-$(box_now)} d

	d=$(((end - $1 + 50000) / 100000))
	printf '%d.%d\n' $((d / 10)) $((d % 10))
}

# box_write_command FILE ENV_TEXT DIR COMMAND [ARG...]
#   Writes a bash script to FILE that, run with an empty environment
#   (env -i bash FILE), recreates the caller's environment from ENV_TEXT
#   (the output of "export -p; declare -fx" captured at the start of the
#   front end), changes to DIR (before setting the environment, so PWD and
#   OLDPWD are the caller's) and execs COMMAND with its ARGs, stdin
#   /dev/null. If DIR cannot be entered (bash says why) it exits
#   BOX_EXIT_FAIL.
box_write_command()
{
	local file=$1 env=$2 dir=$3 q
	shift 3

	{
		# cd first: it would change OLDPWD (and PWD) after the environment.
		printf 'cd -- %q || exit %d\n' "$dir" "$BOX_EXIT_FAIL"
		printf 'unset OLDPWD\n'
		printf '%s\n' "$env"
		printf 'exec'
		for q in "$@"; do
			printf ' %q' "$q"
		done
		printf ' </dev/null\n'
	} >"$file"
}

# box_lock BUILD_DIR
#   Takes an exclusive lock on BUILD_DIR/box/.lock (flock) for the rest of
#   the process, or until box_unlock: concurrent boxes do not fetch or build
#   the same cache at the same time. Sets BOX_LOCK_FD.
box_lock()
{
	box_need_cmd flock util-linux
	exec {BOX_LOCK_FD}>"$1/box/.lock"
	flock "$BOX_LOCK_FD"
}

# box_unlock
#   Releases box_lock's lock.
box_unlock()
{
	[ -z "${BOX_LOCK_FD:-}" ] || exec {BOX_LOCK_FD}>&-
	BOX_LOCK_FD=""
}
