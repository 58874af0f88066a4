# shellcheck shell=bash
# The box's initramfs: a busybox skeleton (BOX_BUSYBOX, from
# box_fetch_debian in tools/box/debian.sh), the shell functions every box's
# /init includes, and the deterministic cpio archive. Source after
# tools/box/lib.sh (its conventions hold here); this file defines functions
# and runs nothing.

# BOX_STEP, set here, is read by box_err (lib.sh).
# shellcheck disable=SC2034

# box_busybox_tree TREE
#   Creates an initramfs skeleton in TREE: bin/busybox (BOX_BUSYBOX) and
#   empty dev, proc, sys, tmp, mnt, host. /init should start with
#   "#!/bin/busybox sh" and run "/bin/busybox --install -s /bin" so every
#   applet is on PATH.
box_busybox_tree()
{
	local tree=$1

	mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys" "$tree/tmp" \
		"$tree/mnt" "$tree/host"
	cp -- "$BOX_BUSYBOX" "$tree/bin/busybox"
	chmod 755 "$tree/bin/busybox"
}

# box_init_functions
#   Prints busybox sh functions for a box's /init to include:
#     box_say TEXT            "box-init: TEXT" on the console
#     box_fail TEXT           "box-error: TEXT" on the console, then power off
#     box_mount_basics        proc, sysfs, devtmpfs on /proc /sys /dev
#     box_load_modules        insmod /modules/NAME.ko for each NAME of
#                             /modules/order; a failure calls box_fail naming
#                             the module and quoting insmod's message
#     box_kvm_vendor          prints kvm_amd or kvm_intel (the loaded one)
#   The machine's front end watches the console for "box-error: ".
box_init_functions()
{
	cat <<'EOF'
box_say()
{
	echo "box-init: $*"
}

box_fail()
{
	echo "box-error: $*"
	sync
	# setting the console's modes waits until the serial port has sent
	# everything: a slow emulated UART would lose the line otherwise
	stty -F /dev/console -opost 2>/dev/null
	poweroff -f
	sleep 10
	exit 1
}

box_mount_basics()
{
	mount -t proc proc /proc || box_fail "mount proc"
	mount -t sysfs sysfs /sys || box_fail "mount sysfs"
	mount -t devtmpfs devtmpfs /dev || box_fail "mount devtmpfs"
}

box_load_modules()
{
	local name msg

	while read -r name; do
		[ -n "$name" ] || continue
		[ ! -d "/sys/module/$name" ] || continue
		if ! msg=$(insmod "/modules/$name.ko" 2>&1); then
			box_fail "insmod $name: $(echo $msg) (dmesg: $(dmesg | tail -n 3 | tr '\n' ' '))"
		fi
	done </modules/order
}

box_kvm_vendor()
{
	if [ -d /sys/module/kvm_amd ]; then
		echo kvm_amd
	elif [ -d /sys/module/kvm_intel ]; then
		echo kvm_intel
	else
		echo none
	fi
}
EOF
}

# box_cpio SRC_DIR OUT_FILE [gzip|none]
#   Writes SRC_DIR's contents as a deterministic newc cpio archive to
#   OUT_FILE (gzip -n -9 compressed by default, or none): entries sorted,
#   owner 0:0, every mtime set to 0 (SRC_DIR's own mtimes are changed to 0),
#   GNU cpio's --reproducible inode numbering. Written to a temporary file
#   and renamed, so OUT_FILE is never partial.
box_cpio()
{
	local src=$1 out=$2 comp=${3:-gzip} tmp

	BOX_STEP="cpio $src"
	box_need_cmd cpio cpio
	tmp="$out.tmp.$$"
	find "$src" -exec touch -h -d @0 {} +
	case $comp in
	gzip)
		(cd "$src" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -9 >"$tmp" ||
			box_die "cannot write $out"
		;;
	none)
		(cd "$src" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible) >"$tmp" ||
			box_die "cannot write $out"
		;;
	*)
		box_die "unknown compression $comp (gzip or none)"
		;;
	esac
	mv -f -- "$tmp" "$out"
}
