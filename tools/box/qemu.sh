#!/usr/bin/env bash
# The QEMU machine of the box: Debian's kernel in QEMU TCG (-cpu max, whose
# emulated CPU has SVM) loads Debian's kvm_amd, mounts this machine's / over
# 9p at /host, and runs the command chrooted there: the same files, the
# same working directory, the caller's environment, a stock Linux 6.1
# /dev/kvm.
#
# Usage: the same as tools/box.sh (which execs this for --machine qemu).
#
# Per run, BUILD/box/run.XXXXXX holds the command script (cmd.sh), the
# initrd (the cached image plus a small cpio of the run's parameters) and
# the status the box writes back; it is removed at the end. The kernel's
# console (ttyS0) goes to BUILD/box/last-console.log; the command's output
# comes through the second serial port (ttyS1, raw) on QEMU's stdout, its
# stderr through the third (ttyS2) to a FIFO copied to our stderr.
#
# Knobs for experiments (environment): BOX_9P_CACHE (the 9p cache mode,
# default loose), BOX_BOOT_LIMIT (seconds from QEMU's start to /dev/kvm,
# default 300), BOX_APPEND (more kernel parameters), BOX_CPU (QEMU's -cpu,
# default max).
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

kvm_modules=(irqbypass kvm ccp kvm-amd)
p9_modules=(virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci
	9pnet 9pnet_virtio netfs fscache 9p)
# The 9p cache mode of the box's view of /.
p9_cache=${BOX_9P_CACHE:-loose}
boot_limit=${BOX_BOOT_LIMIT:-300}
cpu=${BOX_CPU:-max}

run=""        # the per-run directory
qpid=""       # QEMU's pid while it runs
catpid=""     # the pid of the cat that copies the command's stderr
console=""    # the run's console log
initrd=""     # the cached initramfs
kernel=""     # the kernel QEMU boots: vmlinux (PVH entry) or the bzImage
qemu_t0=""    # when QEMU started (microseconds)

trap 'box_err "command failed (line $LINENO)"' ERR
trap cleanup EXIT
trap 'stop_qemu; exit 130' INT
trap 'stop_qemu; exit 143' TERM

# Kills QEMU (our child) if it still runs.
stop_qemu()
{
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	qpid=""
	if [ -n "$catpid" ]; then
		kill -TERM "$catpid" 2>/dev/null || true
		wait "$catpid" 2>/dev/null || true
	fi
	catpid=""
}

# Stops QEMU, keeps the console log as BUILD/box/last-console.log and
# removes the run directory.
cleanup()
{
	stop_qemu
	if [ -n "$run" ]; then
		[ ! -f "$console" ] || mv -f -- "$console" "$BOX_BUILD/box/last-console.log"
		rm -rf -- "$run"
	fi
}

# Prints the box's /init. Its per-run inputs come from a second cpio
# (prepare_run): /etc/box-run (the run directory), /etc/box-9p-cache (the
# 9p cache mode) and /etc/box-tty ("1" or "0" for stdout and stderr: the
# command gets a terminal where the caller has one, a pipe elsewhere).
init_script()
{
	printf '#!/bin/busybox sh\n'
	printf '/bin/busybox --install -s /bin\n'
	printf 'export PATH=/bin\n'
	box_init_functions
	cat <<'EOF'
box_mount_host()
{
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,cache=$(cat /etc/box-9p-cache)" \
		hostroot /host || box_fail "mount -t 9p hostroot /host (this machine's /)"
	mount -t proc proc /host/proc || box_fail "mount /host/proc"
	mount -t sysfs sysfs /host/sys || box_fail "mount /host/sys"
	mount -t devtmpfs devtmpfs /host/dev || box_fail "mount /host/dev"
	mkdir -p /host/dev/pts /host/dev/shm
	mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /host/dev/pts ||
		box_fail "mount /host/dev/pts"
	mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm || box_fail "mount /host/dev/shm"
	mount -t tmpfs -o mode=755 tmpfs /host/run || box_fail "mount /host/run"
}

# box_stream N TTY FIFO: where the command's fd N goes: the serial port
# itself when the caller's is a terminal, else a FIFO a cat copies to it
# (the cat touches FIFO.done when the command's side is closed).
box_stream()
{
	if [ "$2" = 1 ]; then
		echo "/dev/ttyS$1"
	else
		mkfifo "$3"
		{ cat "$3" >"/dev/ttyS$1"; : >"$3.done"; } </dev/null >/dev/null 2>&1 &
		echo "$3"
	fi
}

# box_drain FIFO...: waits up to 10 s for the cats of the FIFOs to finish
# (a process the command left behind may hold one open).
box_drain()
{
	local f n

	for f in "$@"; do
		[ -p "$f" ] || continue
		n=0
		while [ ! -e "$f.done" ] && [ $n -lt 100 ]; do
			sleep 0.1
			n=$((n + 1))
		done
	done
}

box_say "started"
box_mount_basics
box_say "loading $(tr '\n' ' ' </modules/order)"
box_load_modules
[ -c /dev/kvm ] || box_fail "no /dev/kvm after loading $(box_kvm_vendor) ($(dmesg | grep -i -e kvm -e svm | tail -n 2 | tr '\n' ' '))"
run=$(cat /etc/box-run)
box_say "mounting this machine's / over 9p"
box_mount_host
[ -f "/host$run/cmd.sh" ] || box_fail "the run directory $run is not visible in the box"
echo "box-ready $(uname -r) $(box_kvm_vendor)"
# The ports stay open here until the end: closing them waits for the
# UART to send what is left.
exec 3>/dev/ttyS1 4>/dev/ttyS2
stty -F /dev/ttyS1 115200 raw -echo
stty -F /dev/ttyS2 115200 raw -echo
read -r out_tty err_tty </etc/box-tty
out=$(box_stream 1 "$out_tty" /tmp/out)
err=$(box_stream 2 "$err_tty" /tmp/err)
env -i /bin/chroot /host /bin/bash --noprofile --norc "$run/cmd.sh" </dev/null >"$out" 2>"$err"
status=$?
box_drain /tmp/out /tmp/err
exec 3>&- 4>&-
echo "$status" >"/host$run/status"
sync
echo "box-status $status"
poweroff -f
sleep 10
EOF
}

# Builds the initramfs (busybox, the module closure, /init) unless the
# cached one has the same inputs. Sets initrd.
build_initrd()
{
	local key tree init

	init=$(init_script)
	key=$({
		box__versions_key
		echo "release $BOX_RELEASE"
		echo "modules ${kvm_modules[*]} ${p9_modules[*]}"
		printf '%s\n' "$init"
		box_sha256 "$here"/{lib,options,debian,modules,initramfs}.sh
	} | box_sha256)
	initrd=$BOX_BUILD/box/qemu-initrd.cpio.gz
	if [ -f "$initrd" ] && [ "$(cat "$initrd.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	BOX_STEP="build the initramfs"
	# Under box_lock: an earlier build's leftovers are stale.
	rm -rf -- "$BOX_BUILD/box"/.initrd.*
	tree=$(mktemp -d "$BOX_BUILD/box/.initrd.XXXXXX")
	box_busybox_tree "$tree"
	box_modules_install "$tree" "${kvm_modules[@]}" "${p9_modules[@]}"
	mkdir -p "$tree/etc"
	printf '%s\n' "$init" >"$tree/init"
	chmod 755 "$tree/init"
	box_cpio "$tree" "$initrd" gzip
	echo "$key" >"$initrd.key"
	rm -rf -- "$tree"
}

# Removes the run directories of boxes whose script is gone (killed
# before it could clean up).
remove_stale_runs()
{
	local d pid

	for d in "$BOX_BUILD/box"/run.*; do
		[ -d "$d" ] || continue
		pid=$(cat -- "$d/pid" 2>/dev/null || true)
		if [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
			rm -rf -- "$d"
		fi
	done
}

# Makes the run directory: cmd.sh, and the run's initrd: the cached image
# followed by a cpio of the run's parameters for /init (see init_script).
prepare_run()
{
	local out_tty err_tty

	BOX_STEP="prepare the run"
	remove_stale_runs
	run=$(mktemp -d "$BOX_BUILD/box/run.XXXXXX")
	chmod 755 "$run"
	echo "$$" >"$run/pid"
	console=$run/console.log
	box_write_command "$run/cmd.sh" "$box_env" "$PWD" "${BOX_CMD[@]}"
	mkdir -p "$run/extra/etc"
	printf '%s\n' "$run" >"$run/extra/etc/box-run"
	printf '%s\n' "$p9_cache" >"$run/extra/etc/box-9p-cache"
	out_tty=0
	err_tty=0
	[ ! -t 1 ] || out_tty=1
	[ ! -t 2 ] || err_tty=1
	printf '%d %d\n' "$out_tty" "$err_tty" >"$run/extra/etc/box-tty"
	box_cpio "$run/extra" "$run/extra.cpio" gzip
	cat -- "$initrd" "$run/extra.cpio" >"$run/initrd"
}

# Starts QEMU in the background (stdin /dev/null, stdout ours, stderr to
# the run directory). Serial ports: ttyS0 the kernel's console (to the
# console log), ttyS1 the command's stdout (QEMU's stdout), ttyS2 its
# stderr (a FIFO that a cat copies to our stderr). Sets qpid and catpid.
start_qemu()
{
	local model=passthrough pdeath

	# Without root, QEMU cannot set owners: the box's files get QEMU's.
	[ "$(id -u)" -eq 0 ] || model=none
	BOX_STEP="start QEMU"
	# QEMU dies with this script where setpriv can arrange it.
	pdeath=()
	if [[ $(setpriv --help 2>/dev/null || true) == *--pdeathsig* ]]; then
		pdeath=(setpriv --pdeathsig KILL --)
	fi
	: >"$console"
	mkfifo "$run/err.in" "$run/err.out"
	cat "$run/err.out" >&2 &
	catpid=$!
	qemu_t0=$(box_now)
	"${pdeath[@]}" qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m "$BOX_MEM" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$kernel" -initrd "$run/initrd" \
		-append "console=ttyS0 quiet panic=-1${BOX_APPEND:+ $BOX_APPEND}" \
		-serial "file:$console" \
		-chardev stdio,id=boxout,signal=off -serial chardev:boxout \
		-chardev "pipe,id=boxerr,path=$run/err" -serial chardev:boxerr \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=$model,id=hostroot,multidevs=remap" \
		</dev/null 2>"$run/qemu.err" &
	qpid=$!
}

# Prints the last lines of the console log, indented, on stderr.
console_tail()
{
	{
		echo "box: the console's last lines ($BOX_BUILD/box/last-console.log):"
		if [ -s "$console" ]; then
			tail -n 15 -- "$console" | tr -d '\r' | sed 's/^/box:   /'
		else
			echo "box:   (nothing)"
		fi
		if grep -qv 'terminating on signal' "$run/qemu.err" 2>/dev/null; then
			echo "box: QEMU said:"
			grep -v 'terminating on signal' "$run/qemu.err" | tail -n 5 | sed 's/^/box:   /'
		fi
	} >&2
}

# Fails the box (BOX_EXIT_FAIL) with TEXT and the console's tail.
fail_with_console()
{
	box_err "$*"
	stop_qemu
	console_tail
	exit "$BOX_EXIT_FAIL"
}

# Waits for "box-ready" on the console, failing on a box error, on QEMU's
# exit, or after boot_limit seconds. Prints the progress line.
wait_ready()
{
	local line release vendor limit

	BOX_STEP="boot the box"
	limit=$((qemu_t0 + boot_limit * 1000000))
	while :; do
		line=$(tr -d '\r' <"$console" | grep -m1 -e '^box-ready ' -e '^box-error: ' || true)
		case $line in
		box-ready*)
			read -r _ release vendor <<<"$line"
			box_msg "Linux $release $vendor in QEMU TCG (nested SVM): ready in $(box_seconds "$box_t0") s"
			return 0
			;;
		box-error*)
			sleep 0.2
			stop_qemu
			box_err "${line#box-error: }"
			exit "$BOX_EXIT_FAIL"
			;;
		esac
		if ! kill -0 "$qpid" 2>/dev/null; then
			wait "$qpid" 2>/dev/null || true
			qpid=""
			fail_with_console "the box stopped before /dev/kvm was ready"
		fi
		[ "${EPOCHREALTIME/[.,]/}" -lt "$limit" ] ||
			fail_with_console "no /dev/kvm in the box within ${boot_limit} s (BOX_BOOT_LIMIT)"
		sleep 0.05
	done
}

# Waits for QEMU to end, stopping it after BOX_TIMEOUT seconds. Exits with
# the command's status, or 124 on the timeout, or 125.
wait_command()
{
	local limit status

	BOX_STEP="run ${BOX_CMD[*]}"
	limit=$((${EPOCHREALTIME/[.,]/} + BOX_TIMEOUT * 1000000))
	while kill -0 "$qpid" 2>/dev/null; do
		if [ "${EPOCHREALTIME/[.,]/}" -ge "$limit" ]; then
			stop_qemu
			box_err "timed out after $BOX_TIMEOUT s (--timeout); the box was stopped"
			exit "$BOX_EXIT_TIMEOUT"
		fi
		sleep 0.1
	done
	wait "$qpid" 2>/dev/null || true
	qpid=""
	# QEMU has closed the FIFO: the cat ends when it has copied the rest.
	wait "$catpid" 2>/dev/null || true
	catpid=""
	status=""
	[ ! -f "$run/status" ] || status=$(cat -- "$run/status")
	if [ -z "$status" ]; then
		status=$(tr -d '\r' <"$console" | sed -n 's/^box-status //p' | tail -n1)
	fi
	[[ $status =~ ^[0-9]+$ ]] ||
		fail_with_console "the box ended without reporting the command's exit status"
	exit "$status"
}

main()
{
	box_parse_args "$@"
	[ "$BOX_MACHINE" = qemu ] || box_usage_error "tools/box/qemu.sh is the qemu machine"
	BOX_STEP="check tools"
	box_need_cmd qemu-system-x86_64 qemu-system-x86
	box_need_cmd cpio cpio
	box_need_cmd gzip gzip
	box_need_cmd sha256sum coreutils
	box_lock "$BOX_BUILD"
	box_fetch_debian "$BOX_BUILD"
	build_initrd
	kernel=$BOX_VMLINUZ
	if box_vmlinux; then
		kernel=$BOX_VMLINUX
	fi
	box_unlock
	prepare_run
	start_qemu
	wait_ready
	wait_command
}

main "$@"
