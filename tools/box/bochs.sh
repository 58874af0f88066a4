#!/usr/bin/env bash
# The Bochs machine of the box: Debian's kernel boots from an ISO (isolinux)
# in Bochs 2.7, whose emulated Skylake-X CPU has VMX, loads Debian's
# kvm_intel and runs the command there against a stock Linux 6.1 /dev/kvm.
# Slow (the whole PC is emulated, about 70 M instructions/s) but faithful:
# XSETBV, XSAVE and CPUID leaf 0xD reach KVM as on hardware.
#
# Usage: the same as tools/box.sh (which execs this for --machine bochs).
#
# Bochs shares no files with the host. The boot ISO (made by
# tools/box/bochs-iso.sh) holds isolinux, the kernel and an initrd of two
# uncompressed newc archives that the kernel unpacks in order:
#   - the base (cached as BUILD/box/bochs-base.cpio, keyed on its inputs):
#     /init, busybox in /box/bin, the kvm_intel module closure in /modules,
#     and this host's bash with its libraries at their own paths;
#   - the run's: the command's executable (and a script's interpreter) with
#     its shared-library closure, every --with PATH, /box/cmd.sh (the
#     caller's environment, working directory and command) and
#     /box/run.conf, all at the host's absolute paths.
# Everything the box prints goes to its serial port, a file that this script
# follows: the command's output (merged stdout and stderr, between marker
# lines) streams to stdout, and --out DIR comes back as tar | gzip | base64
# between two more. The serial log of the last run is kept as
# BUILD/box/last-bochs-console.log, Bochs's own log as
# BUILD/box/last-bochs.log.
#
# Bochs has no headless display library in Debian's build: rfb listens on a
# TCP port (5900 and up). Bochs runs in a network namespace of its own
# (unshare --net), where that port is unreachable and never collides with
# another run's.
set -Eeuo pipefail

# The caller's environment, before anything here changes it.
box_env=$(export -p; declare -fx)
box_t0=${EPOCHREALTIME/[.,]/}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/box/lib.sh
. "$here/lib.sh"
# shellcheck source=tools/box/options.sh
. "$here/options.sh"
# shellcheck source=tools/box/debian.sh
. "$here/debian.sh"
# shellcheck source=tools/box/modules.sh
. "$here/modules.sh"
# shellcheck source=tools/box/initramfs.sh
. "$here/initramfs.sh"
# shellcheck source=tools/box/bochs-iso.sh
. "$here/bochs-iso.sh"

kvm_modules=(kvm-intel)
# What the box's kernel is told: its console is the serial port, it prints
# only warnings and worse, a panic reboots at once (seen as a second
# isolinux banner), and it does not use XSAVES/XSAVEC, whose compacted size
# Bochs 2.7 misreports in CPUID 0xD.1 EBX. Two boot-time checks that do not
# concern KVM are skipped, about 25 s of Bochs's time together: the crypto
# algorithms' self-tests and the W+X scan of the page tables that comes
# with read-only kernel data.
kernel_append="console=ttyS0,115200 quiet panic=-1 clearcpuid=xsaves,xsavec cryptomgr.notests rodata=off"
boot_limit=${BOX_BOOT_LIMIT:-600}
bochs_rom=/usr/share/bochs/BIOS-bochs-latest
bochs_vgarom=/usr/share/vgabios/vgabios.bin
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
isolinux_c32=/usr/lib/syslinux/modules/bios/ldlinux.c32

run=""       # the per-run directory
console=""   # the run's serial log
events=""    # the filter's events: "MICROSECONDS NAME [TEXT]" lines
mark=""      # the prefix of the run's marker lines
bpid=""      # Bochs's pid while it runs
fpid=""      # the console filter's pid while it runs
base=""      # the cached base cpio
bash_path="" # this host's bash, which runs cmd.sh in the box
bash_libs=() # its shared libraries
exe=""       # the command's executable

trap 'box_err "command failed (line $LINENO)"' ERR
trap cleanup EXIT
trap 'stop_bochs; exit 130' INT
trap 'stop_bochs; exit 143' TERM

# Stops Bochs (our child) if it still runs: TERM, then KILL after 5 s.
stop_bochs()
{
	if [ -n "$bpid" ] && kill -0 "$bpid" 2>/dev/null; then
		kill -TERM "$bpid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$bpid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$bpid" 2>/dev/null || true
	fi
	[ -z "$bpid" ] || wait "$bpid" 2>/dev/null || true
	bpid=""
}

# Waits for the console filter, which ends once Bochs has ended.
stop_filter()
{
	[ -z "$fpid" ] || wait "$fpid" 2>/dev/null || true
	fpid=""
}

# Stops Bochs, keeps the serial and Bochs logs and removes the run
# directory.
cleanup()
{
	stop_bochs
	stop_filter
	if [ -n "$run" ]; then
		[ ! -f "$console" ] || mv -f -- "$console" "$BOX_BUILD/box/last-bochs-console.log"
		[ ! -f "$run/bochs.log" ] || mv -f -- "$run/bochs.log" "$BOX_BUILD/box/last-bochs.log"
		rm -rf -- "$run"
	fi
}

# Dies unless every program and file Bochs and the ISO need is present,
# naming the Debian packages that are missing.
check_tools()
{
	local missing=() pkg

	BOX_STEP="check tools"
	command -v bochs >/dev/null 2>&1 || missing+=(bochs)
	[ -f "$bochs_rom" ] || missing+=(bochsbios)
	[ -f "$bochs_vgarom" ] || missing+=(vgabios)
	[ -f "$isolinux_bin" ] || missing+=(isolinux)
	[ -f "$isolinux_c32" ] || missing+=(syslinux-common)
	command -v xorriso >/dev/null 2>&1 || missing+=(xorriso)
	command -v cpio >/dev/null 2>&1 || missing+=(cpio)
	command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
	if ((${#missing[@]})); then
		pkg=${missing[*]}
		box_die "missing Debian packages: $pkg (tools/setup.sh installs them, or: apt-get install $pkg)"
	fi
	box_need_cmd gzip gzip
	box_need_cmd base64 coreutils
	box_need_cmd tar tar
	box_need_cmd ldd libc-bin
	[[ $BOX_BUILD != *[[:space:],\"]* ]] ||
		box_die "Bochs's configuration cannot name files under '$BOX_BUILD' (a space, comma or quote): use another --build"
	bash_path=$(type -P bash) || box_die "bash is not on PATH"
}

# Writes the run's bochsrc and the debugger script that starts and ends
# the simulation.
write_bochsrc()
{
	cat >"$run/bochsrc" <<EOF
memory: guest=$BOX_MEM, host=$BOX_MEM
romimage: file=$bochs_rom
vgaromimage: file=$bochs_vgarom
display_library: rfb, options="timeout=0"
cpu: model=corei7_skylake_x, count=1, ips=100000000, reset_on_triple_fault=1, ignore_bad_msrs=1
ata0-master: type=cdrom, path=$run/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$console
clock: sync=none
sound: driver=dummy
speaker: enabled=0
mouse: enabled=0
log: $run/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
EOF
	printf 'c\nq\n' >"$run/dbg.rc"
}

# Prints the command that puts Bochs in a network namespace of its own:
# unshare --net as root, else in a user namespace, else nothing (then
# rfb's port is open on every interface).
netns_prefix()
{
	if unshare --net true 2>/dev/null; then
		echo "unshare --net --"
	elif unshare --user --map-root-user --net true 2>/dev/null; then
		echo "unshare --user --map-root-user --net --"
	fi
}

# Appends "NOW NAME [TEXT]" to the events file.
event()
{
	printf '%s %s\n' "${EPOCHREALTIME/[.,]/}" "$*" >>"$events"
}

# Reads the serial log on stdin. Writes the command's output (the lines
# between the run and exit markers, less the newline /init adds before the
# exit marker) to stdout as it arrives, and records the box's progress in
# the events file. Each line's newline is written with the next line, so
# the one before the exit marker is never written; when the log ends
# without that marker, the newline held back is the command's and is
# written at the end.
console_filter()
{
	local line bare phase=boot first=1 boots=0 held=0 complete

	while :; do
		complete=1
		if ! IFS= read -r line; then
			complete=0
			[ -n "$line" ] || break
		fi
		bare=${line%$'\r'}
		case $bare in
		"ISOLINUX "*"H. Peter Anvin"*)
			boots=$((boots + 1))
			[ "$boots" -eq 1 ] || event reboot
			;;
		esac
		case $phase in
		run)
			if [[ $line == "$mark exit "* ]]; then
				event "exit ${line#"$mark exit "}"
				phase=ended
			elif [ "$first" = 1 ]; then
				printf '%s' "$line"
				first=0
				held=$complete
			else
				printf '\n%s' "$line"
				held=$complete
			fi
			;;
		boot)
			case $bare in
			"box-init: start") event start ;;
			"box-init: ready "*) event "ready ${bare#box-init: ready }" ;;
			"box-error: "*) event "error ${bare#box-error: }" ;;
			"$mark run") event run; phase=run ;;
			esac
			;;
		esac
	done
	[ "$phase" != run ] || [ "$held" = 0 ] || printf '\n'
}

# Starts Bochs in the background and the console filter after it. Sets
# bpid and fpid.
start_bochs()
{
	local -a netns

	BOX_STEP="start Bochs"
	read -r -a netns <<<"$(netns_prefix)"
	: >"$console"
	: >"$events"
	(cd "$run" && exec "${netns[@]}" bochs -q -f bochsrc -rc dbg.rc) \
		</dev/null >"$run/bochs.out" 2>&1 &
	bpid=$!
	tail -n +1 -f --pid="$bpid" -- "$console" | console_filter &
	fpid=$!
}

# Prints the first event among NAMEs as "MICROSECONDS NAME [TEXT]", or
# nothing.
find_event()
{
	awk -v names=" $* " 'index(names, " " $2 " ") { print; exit }' "$events"
}

# wait_event LIMIT_US NAME...
#   Waits for one of the events NAME, for Bochs's end or for the wall clock
#   LIMIT_US. Sets ev_time, ev_name ("dead" when Bochs ended, "limit" at
#   LIMIT_US) and ev_text.
wait_event()
{
	local limit=$1 line
	shift

	while :; do
		line=$(find_event "$@")
		if [ -n "$line" ]; then
			read -r ev_time ev_name ev_text <<<"$line"
			return 0
		fi
		if ! kill -0 "$bpid" 2>/dev/null; then
			sleep 0.3
			line=$(find_event "$@")
			if [ -n "$line" ]; then
				read -r ev_time ev_name ev_text <<<"$line"
				return 0
			fi
			ev_time=$(box_now) ev_name=dead ev_text=""
			return 0
		fi
		if [ "$(box_now)" -ge "$limit" ]; then
			ev_time=$(box_now) ev_name=limit ev_text=""
			return 0
		fi
		sleep 0.2
	done
}

# Prints the last lines of the serial log and of Bochs's messages, indented,
# on stderr.
console_tail()
{
	local said

	{
		echo "box: the console's last lines ($BOX_BUILD/box/last-bochs-console.log):"
		tail -n 15 -- "$console" | tr -d '\r' | sed 's/^/box:   /'
		said=$(grep -e '^[0-9]*p\[' -- "$run/bochs.log" 2>/dev/null | grep -v 'soft power off' | tail -n 5 || true)
		if [ -n "$said" ]; then
			echo "box: Bochs said ($BOX_BUILD/box/last-bochs.log):"
			sed 's/^/box:   /' <<<"$said"
		fi
	} >&2
}

# Fails with STATUS, TEXT and the console's tail.
fail_with_console()
{
	local status=$1
	shift

	stop_bochs
	stop_filter
	box_err "$*"
	console_tail
	exit "$status"
}

# Handles an event that ends the run early: a box error, a reboot, Bochs's
# end or the limit (whose text is LIMIT_TEXT).
fail_on_event()
{
	local limit_text=$1 status

	case $ev_name in
	error) fail_with_console "$BOX_EXIT_FAIL" "the box failed: $ev_text" ;;
	reboot) fail_with_console "$BOX_EXIT_FAIL" "the box's kernel rebooted (a panic or a triple fault)" ;;
	dead)
		status=0
		wait "$bpid" 2>/dev/null || status=$?
		bpid=""
		fail_with_console "$BOX_EXIT_FAIL" "Bochs ended (status $status) $limit_text"
		;;
	limit) fail_with_console "${2:-$BOX_EXIT_FAIL}" "$limit_text" ;;
	esac
}

# Waits for /dev/kvm in the box and prints the progress line, then for the
# command to start.
wait_ready()
{
	local limit start

	BOX_STEP="boot the box"
	limit=$((box_t0 + boot_limit * 1000000))
	wait_event "$limit" ready error reboot
	if [ "$ev_name" != ready ]; then
		[ "$ev_name" != dead ] || ev_text="before /dev/kvm was ready"
		[ "$ev_name" != limit ] || ev_text="no /dev/kvm in the box within $boot_limit s (BOX_BOOT_LIMIT)"
		fail_on_event "$ev_text"
	fi
	start=$(find_event start | cut -d' ' -f1)
	start=${start:-$ev_time}
	read -r release vendor <<<"$ev_text"
	box_msg "Linux $release $vendor in Bochs (nested VMX): ready in $(box_seconds "$box_t0" "$ev_time") s" \
		"(/init at $(box_seconds "$box_t0" "$start") s, modules $(box_seconds "$start" "$ev_time") s)"
	wait_event "$limit" run error reboot
	[ "$ev_name" = run ] ||
		fail_on_event "before the command started" "no command started within $boot_limit s (BOX_BOOT_LIMIT)"
}

# Waits for the command's exit status (at most BOX_TIMEOUT seconds) and for
# Bochs to power off. Sets status.
wait_command()
{
	BOX_STEP="run ${BOX_CMD[*]}"
	wait_event $((ev_time + BOX_TIMEOUT * 1000000)) exit reboot
	case $ev_name in
	exit) status=$ev_text ;;
	dead) fail_on_event "before the command ended" ;;
	limit) fail_on_event "timed out after $BOX_TIMEOUT s (--timeout); the box was stopped" "$BOX_EXIT_TIMEOUT" ;;
	*) fail_on_event "" ;;
	esac
	BOX_STEP="power off the box"
	wait_event $(($(box_now) + boot_limit * 1000000)) reboot
	case $ev_name in
	dead) wait "$bpid" 2>/dev/null || true; bpid="" ;;
	limit) fail_on_event "the box did not power off within $boot_limit s after the command" ;;
	*) fail_on_event "" ;;
	esac
	stop_filter
	[[ $status =~ ^[0-9]+$ ]] ||
		fail_with_console "$BOX_EXIT_FAIL" "the box reported no exit status"
}

# Copies the box's --out directory back: decodes the lines between the out
# markers into BOX_OUT.
copy_out()
{
	local dir tar_status

	[ -n "$BOX_OUT" ] || return 0
	BOX_STEP="copy back --out $BOX_OUT"
	dir=$(absolute "$BOX_OUT")
	tar_status=$(tr -d '\r' <"$console" | sed -n "s/^$mark out-end //p" | tail -n 1)
	[ "$tar_status" = 0 ] ||
		fail_with_console "$BOX_EXIT_FAIL" "the box did not send $dir back (tar status '${tar_status}')"
	mkdir -p -- "$dir"
	tr -d '\r' <"$console" | sed -n "/^$mark out\$/,/^$mark out-end /{/^$mark /d;p}" |
		base64 -d | gzip -dc | tar -C "$dir" -xf - --no-same-owner ||
		fail_with_console "$BOX_EXIT_FAIL" "cannot unpack the box's $dir"
}

main()
{
	box_parse_args "$@"
	check_tools
	box_lock "$BOX_BUILD"
	box_fetch_debian "$BOX_BUILD"
	build_base
	prepare_run
	box_unlock
	write_bochsrc
	start_bochs
	wait_ready
	wait_command
	copy_out
	exit "$status"
}

main "$@"
