# shellcheck shell=bash
# The Bochs machine's boot ISO, which tools/box/bochs.sh sources and boots:
# the cached base initrd (/init, busybox, the kvm_intel modules, this host's
# bash), the run's initrd (the command with its libraries, every --with
# PATH, cmd.sh, run.conf), isolinux and the ISO itself. This file defines
# functions and runs nothing.

# The variables these functions read and set are bochs.sh's.
# shellcheck disable=SC2034,SC2154

# Prints TEXT single-quoted for a POSIX shell.
sq()
{
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# Prints PATH made absolute against the working directory, without
# resolving symlinks.
absolute()
{
	realpath -s -m -- "$1"
}

# stage PATH TREE
#   Copies the host's PATH into TREE at the same absolute path. Every
#   symlink met on the way, in a directory of the path or as the file
#   itself, is recreated as the same symlink in TREE and followed, so the
#   box resolves PATH exactly as the host does. A directory is copied whole
#   (symlinks inside it are copied as they are).
stage()
{
	local path tree=$2 prefix="" comp rest target
	local -a comps

	path=$(absolute "$1")
	IFS=/ read -r -a comps <<<"${path#/}"
	rest=$path
	for comp in "${comps[@]}"; do
		prefix=$prefix/$comp
		rest=${rest#/"$comp"}
		[ -L "$prefix" ] || continue
		target=$(readlink -- "$prefix")
		if [ ! -L "$tree$prefix" ]; then
			mkdir -p -- "$tree${prefix%/*}"
			ln -s -- "$target" "$tree$prefix"
		fi
		case $target in
		/*) ;;
		*) target=${prefix%/*}/$target ;;
		esac
		stage "$(absolute "$target")$rest" "$tree"
		return 0
	done
	[ -e "$path" ] || box_die "$1 does not exist"
	mkdir -p -- "$tree${path%/*}"
	if [ -d "$path" ] && [ ! -L "$path" ]; then
		mkdir -p -- "$tree$path"
		cp -a -- "$path/." "$tree$path/"
	else
		cp -a -- "$path" "$tree$path"
	fi
}

# Prints the shared libraries (and the dynamic loader) FILE needs, one
# absolute path a line; nothing for a static executable or a script.
libraries()
{
	local out

	out=$(LC_ALL=C ldd -- "$1" 2>&1) || return 0
	if grep -q 'not found' <<<"$out"; then
		box_die "$1 needs libraries this host does not have: $(grep 'not found' <<<"$out" | tr -s ' \t\n' ' ')"
	fi
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' <<<"$out"
}

# stage_program FILE TREE
#   Stages the executable FILE, its shared-library closure and, for a
#   "#!" script, its interpreter (and env's program) the same way.
stage_program()
{
	local file=$1 tree=$2 lib libs line interp arg prog

	stage "$file" "$tree"
	libs=$(libraries "$file") || exit "$BOX_EXIT_FAIL"
	while IFS= read -r lib; do
		[ -z "$lib" ] || stage "$lib" "$tree"
	done <<<"$libs"
	[ "$(head -c 2 -- "$file")" = "#!" ] || return 0
	line=$(head -n 1 -- "$file")
	read -r interp arg _ <<<"${line#\#!}"
	[ -n "$interp" ] || return 0
	stage_program "$interp" "$tree"
	if [ "${interp##*/}" = env ] && [ -n "${arg:-}" ] && prog=$(type -P -- "$arg"); then
		stage_program "$prog" "$tree"
	fi
}

# Prints the box's /init, a busybox sh script.
init_script()
{
	printf '#!/box/bin/busybox sh\n'
	printf '# The box'\''s first process: loads KVM, runs /box/cmd.sh, reports on the console.\n'
	printf 'export PATH=/box/bin\n'
	printf 'bash=%s\n' "$(sq "$bash_path")"
	box_init_functions
	cat <<'EOF'
# Bochs's serial port sends at its baud rate in emulated time: the error
# line must be out (stty drains, see the end) before the power goes off.
box_fail()
{
	echo "box-error: $*"
	stty -F /dev/console -opost
	sync
	poweroff -f
	sleep 10
	exit 1
}

box_mount_basics
exec </dev/null >/dev/console 2>&1
# Newlines reach the serial port as they are, without a carriage return.
stty -F /dev/console -opost
box_say start
box_load_modules
[ -c /dev/kvm ] || box_fail "no /dev/kvm after loading $(box_kvm_vendor) ($(dmesg | grep -i -e kvm -e vmx | tail -n 2 | tr '\n' ' '))"
box_say "ready $(uname -r) $(box_kvm_vendor)"
. /box/run.conf
mkdir -p -- "$box_cwd" || box_fail "cannot create the working directory $box_cwd"
if [ -n "$box_out" ]; then
	rm -rf -- "$box_out"
	mkdir -p -- "$box_out" || box_fail "cannot create --out $box_out"
fi
# Only a panic may interrupt the command's output.
dmesg -n 1
echo "$box_mark run"
{
	env -i "$bash" --noprofile --norc /box/cmd.sh 2>&1
	echo $? >/box/status
} | cat
printf '\n%s exit %s\n' "$box_mark" "$(cat /box/status)"
if [ -n "$box_out" ]; then
	echo "$box_mark out"
	{
		tar -C "$box_out" -cf - .
		echo $? >/box/tar-status
	} | gzip -c | base64
	echo "$box_mark out-end $(cat /box/tar-status)"
fi
# stty sets the mode with TCSADRAIN: it returns once the serial port has
# sent everything, which poweroff -f would otherwise cut short.
stty -F /dev/console -opost
sync
poweroff -f
sleep 10
EOF
}

# Prints the key of the base cpio: everything that goes into it.
base_key()
{
	box__versions_key
	echo "release $BOX_RELEASE"
	echo "modules ${kvm_modules[*]}"
	init_script
	box_sha256 "$BOX_BUSYBOX" "$bash_path" "${bash_libs[@]}"
	box_sha256 "$here"/{lib,options,debian,modules,initramfs,bochs,bochs-iso}.sh
}

# Builds the base cpio unless the cached one has the same key. Sets base.
build_base()
{
	local key tree applet libs

	libs=$(libraries "$bash_path") || exit "$BOX_EXIT_FAIL"
	mapfile -t bash_libs < <(grep . <<<"$libs" || true)
	key=$(base_key | box_sha256)
	base=$BOX_BUILD/box/bochs-base.cpio
	if [ -f "$base" ] && [ "$(cat "$base.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	BOX_STEP="build the base initrd"
	tree=$(mktemp -d "$BOX_BUILD/box/.bochs-base.XXXXXX")
	mkdir -p "$tree/box/bin" "$tree/dev" "$tree/proc" "$tree/sys" "$tree/tmp" "$tree/root"
	chmod 1777 "$tree/tmp"
	# The kernel opens /dev/console for /init before /dev is mounted.
	[ "$(id -u)" -ne 0 ] || mknod -m 600 "$tree/dev/console" c 5 1
	cp -- "$BOX_BUSYBOX" "$tree/box/bin/busybox"
	chmod 755 "$tree/box/bin/busybox"
	for applet in $("$BOX_BUSYBOX" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$tree/box/bin/$applet"
	done
	box_modules_install "$tree" "${kvm_modules[@]}"
	stage_program "$bash_path" "$tree"
	init_script >"$tree/init"
	chmod 755 "$tree/init"
	box_cpio "$tree" "$base" none
	echo "$key" >"$base.key"
	rm -rf -- "$tree"
}

# Copies isolinux's two files into BUILD/box/bochs-isolinux/ (when they
# differ) and prints that directory.
cache_isolinux()
{
	local dir=$BOX_BUILD/box/bochs-isolinux f

	mkdir -p "$dir"
	for f in "$isolinux_bin" "$isolinux_c32"; do
		if ! cmp -s -- "$f" "$dir/${f##*/}"; then
			cp -- "$f" "$dir/.${f##*/}.$$"
			mv -f -- "$dir/.${f##*/}.$$" "$dir/${f##*/}"
		fi
	done
	printf '%s\n' "$dir"
}

# Sets exe to the command's executable as the host finds it, or exits 127
# (not found) or 126 (not executable) as a shell would.
command_path()
{
	local cmd=${BOX_CMD[0]} path

	BOX_STEP="find the command"
	if [[ $cmd == */* ]]; then
		path=$(absolute "$cmd")
	elif ! path=$(type -P -- "$cmd"); then
		box_err "$cmd: command not found on this host's PATH"
		exit 127
	fi
	if [ ! -f "$path" ] || [ ! -x "$path" ]; then
		box_err "$cmd: not an executable file"
		exit 126
	fi
	exe=$path
}

# Makes the run directory: the run's cpio (the command, --with PATHs,
# cmd.sh, run.conf), isolinux.cfg and the ISO. Sets run, console, events
# and mark.
prepare_run()
{
	local tree path isodir

	BOX_STEP="prepare the run"
	run=$(mktemp -d "$BOX_BUILD/box/bochs-run.XXXXXX")
	console=$run/console.log
	events=$run/events
	mark="@@box-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
	tree=$run/tree
	mkdir -p "$tree/box"
	command_path
	BOX_STEP="stage ${BOX_CMD[0]}"
	stage_program "$exe" "$tree"
	for path in "${BOX_WITH[@]}"; do
		BOX_STEP="stage --with $path"
		# an executable comes with its libraries, as the command does
		if [ -f "$path" ] && [ -x "$path" ]; then
			stage_program "$path" "$tree"
		else
			stage "$path" "$tree"
		fi
	done
	BOX_STEP="prepare the run"
	box_write_command "$tree/box/cmd.sh" \
		"$box_env"$'\n''export PATH="${PATH:+$PATH:}/box/bin"' "$PWD" "${BOX_CMD[@]}"
	{
		echo "box_mark=$(sq "$mark")"
		echo "box_cwd=$(sq "$PWD")"
		echo "box_out=$(sq "${BOX_OUT:+$(absolute "$BOX_OUT")}")"
	} >"$tree/box/run.conf"
	box_cpio "$tree" "$run/run.cpio" none
	rm -rf -- "$tree"
	isodir=$(cache_isolinux)
	cat >"$run/isolinux.cfg" <<EOF
SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT box
LABEL box
  KERNEL /boot/vmlinuz
  INITRD /boot/base.cpio,/boot/run.cpio
  APPEND $kernel_append
EOF
	BOX_STEP="xorriso (the boot ISO)"
	xorriso -as mkisofs -quiet -o "$run/boot.iso" -R \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table -graft-points \
		"isolinux/isolinux.bin=$isodir/isolinux.bin" \
		"isolinux/ldlinux.c32=$isodir/ldlinux.c32" \
		"isolinux/isolinux.cfg=$run/isolinux.cfg" \
		"boot/vmlinuz=$BOX_VMLINUZ" \
		"boot/base.cpio=$base" \
		"boot/run.cpio=$run/run.cpio" >"$run/xorriso.log" 2>&1 ||
		box_die "xorriso failed: $(tail -n 3 "$run/xorriso.log" | tr '\n' ' ')"
	rm -f -- "$run/run.cpio"
}
