# shellcheck shell=bash
# The base of the box's scripts (tools/box.sh, tools/box/qemu.sh,
# tools/box/bochs.sh): exit statuses, messages and errors, checks for tools,
# root, hashes, the clock, the command's script and the cache's lock. Source
# this file first, from a bash script that runs with set -Eeuo pipefail, and
# then those of the files beside it that the script uses; each defines
# functions and constants and runs nothing:
#   options.sh    the front end's usage text and options
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
