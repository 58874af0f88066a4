# Shared pieces of the box machines (tools/box.sh, tools/box/qemu.sh,
# tools/box/bochs.sh). Source this file from a bash script that runs with
# set -Eeuo pipefail; it defines functions and constants and runs nothing.
#
# The box boots Debian's own kernel in an emulated PC, loads Debian's KVM
# modules there and runs a command against that /dev/kvm. Everything the box
# needs comes from Debian packages that are downloaded (apt-get download) and
# unpacked (dpkg -x) into BUILD/box/debian/, never installed.
#
# Conventions:
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

BOX_META_PACKAGE=linux-image-amd64
BOX_BUSYBOX_PACKAGE=busybox-static

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

# box__lists_fingerprint
#   Prints a hash of apt's package lists, sources and preferences (names,
#   sizes, mtimes). While it is unchanged apt's candidate versions are too,
#   so a cached fetch needs no apt-cache call.
box__lists_fingerprint()
{
	local lists=/var/lib/apt/lists/

	eval "$(apt-config shell lists Dir::State::lists/d)"
	# Some of these paths need not exist: find's status is not the point.
	{
		find "$lists" /etc/apt/sources.list /etc/apt/sources.list.d \
			/etc/apt/preferences /etc/apt/preferences.d \
			-maxdepth 1 -type f ! -name lock -printf '%p %s %T@\n' 2>/dev/null || true
	} | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}

# box__resolve_versions
#   From apt's lists, with one apt-cache call, sets BOX_IMAGE_PACKAGE (the
#   linux-image-6.1.0-NN-amd64 package that linux-image-amd64 depends on),
#   BOX_IMAGE_VERSION, BOX_META_VERSION (linux-image-amd64's) and
#   BOX_BUSYBOX_VERSION. Returns 1 when the lists do not know them.
#   tools/fetch-guest.sh resolves the guest's kernel with it too.
box__resolve_versions()
{
	local fields

	fields=$(apt-cache show --no-all-versions "$BOX_META_PACKAGE" "$BOX_BUSYBOX_PACKAGE" 2>/dev/null |
		awk -v meta="$BOX_META_PACKAGE" -v bb="$BOX_BUSYBOX_PACKAGE" '
		$1 == "Package:" { pkg = $2 }
		$1 == "Version:" { ver[pkg] = $2 }
		$1 == "Depends:" && pkg == meta && image == "" {
			sub(/^Depends: */, "")
			n = split($0, dep, / *, */)
			for (i = 1; i <= n; i++) {
				if (dep[i] !~ /^linux-image-/)
					continue
				split(dep[i], w, /[ ()=]+/)
				image = w[1]
				image_ver = w[2]
				break
			}
		}
		END { print image, image_ver, ver[meta], ver[bb] }') || return 1
	read -r BOX_IMAGE_PACKAGE BOX_IMAGE_VERSION BOX_META_VERSION \
		BOX_BUSYBOX_VERSION <<<"$fields" || return 1
	[ -n "$BOX_IMAGE_PACKAGE" ] && [ -n "$BOX_IMAGE_VERSION" ] &&
		[ -n "$BOX_META_VERSION" ] && [ -n "$BOX_BUSYBOX_VERSION" ]
}

# box__versions_key
#   Prints the package names and versions a fetch stands for, one a line.
box__versions_key()
{
	printf '%s %s\n%s %s\n' "$BOX_IMAGE_PACKAGE" "$BOX_IMAGE_VERSION" \
		"$BOX_BUSYBOX_PACKAGE" "$BOX_BUSYBOX_VERSION"
}

# box_versions_key
#   After box_fetch_debian: prints "PACKAGE VERSION" of the kernel image and
#   of busybox-static, one a line, for keys of caches built from them.
box_versions_key()
{
	box__versions_key
}

# box__set_paths DEBIAN_DIR
#   Sets BOX_RELEASE, BOX_VMLINUZ, BOX_MODULES and BOX_BUSYBOX from the
#   unpacked tree DEBIAN_DIR/root. Returns 1 when the tree is incomplete.
box__set_paths()
{
	local dir=$1 kernels

	kernels=("$dir"/root/boot/vmlinuz-*)
	[ ${#kernels[@]} -eq 1 ] && [ -f "${kernels[0]}" ] || return 1
	BOX_VMLINUZ=${kernels[0]}
	BOX_RELEASE=${BOX_VMLINUZ##*/vmlinuz-}
	BOX_MODULES=$dir/root/lib/modules/$BOX_RELEASE
	BOX_BUSYBOX=$dir/root/bin/busybox
	[ -d "$BOX_MODULES/kernel" ] && [ -x "$BOX_BUSYBOX" ]
}

# box__stamp_field STAMP KEY
#   Prints the text after "KEY " on the line of STAMP that starts with it.
box__stamp_field()
{
	sed -n "s/^$2 //p" "$1"
}

# box__download WORK
#   apt-get download the resolved packages into WORK/debs.
box__download()
{
	local work=$1

	rm -rf -- "$work/debs"
	mkdir -p "$work/debs"
	# apt downloads as the unprivileged _apt user when run as root.
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
		chown _apt "$work" "$work/debs"
	fi
	(cd "$work/debs" && apt-get download -qq \
		"$BOX_IMAGE_PACKAGE=$BOX_IMAGE_VERSION" \
		"$BOX_BUSYBOX_PACKAGE=$BOX_BUSYBOX_VERSION") >&2
}

# box__update_lists
#   apt-get update (as root), dying when it fails.
box__update_lists()
{
	BOX_STEP="apt-get update"
	box_msg "refreshing apt's package lists"
	box_as_root apt-get update -qq >&2 || box_die "apt-get update failed"
}

# box__fetch_new DEBIAN_DIR
#   Downloads and unpacks the resolved packages into DEBIAN_DIR/root
#   (replacing it) and writes DEBIAN_DIR/stamp.
box__fetch_new()
{
	local dir=$1 work d debs

	box_need_cmd dpkg-deb dpkg
	mkdir -p "$dir"
	# An interrupted fetch leaves its work directory: remove those.
	rm -rf -- "$dir"/.fetch.*
	work=$(mktemp -d "$dir/.fetch.XXXXXX")
	chmod 755 "$work"
	box_msg "fetching $BOX_IMAGE_PACKAGE $BOX_IMAGE_VERSION and $BOX_BUSYBOX_PACKAGE $BOX_BUSYBOX_VERSION"
	BOX_STEP="apt-get download $BOX_IMAGE_PACKAGE=$BOX_IMAGE_VERSION $BOX_BUSYBOX_PACKAGE=$BOX_BUSYBOX_VERSION"
	if ! box__download "$work"; then
		# The lists may name a version the archive no longer has.
		box__update_lists
		BOX_STEP="resolve packages"
		box__resolve_versions || box_die "apt knows no $BOX_META_PACKAGE or $BOX_BUSYBOX_PACKAGE"
		BOX_STEP="apt-get download $BOX_IMAGE_PACKAGE=$BOX_IMAGE_VERSION $BOX_BUSYBOX_PACKAGE=$BOX_BUSYBOX_VERSION"
		box__download "$work" || box_die "download failed"
	fi
	BOX_STEP="dpkg -x"
	debs=("$work"/debs/*.deb)
	[ ${#debs[@]} -eq 2 ] || box_die "expected 2 packages in $work/debs, found ${#debs[@]}"
	mkdir "$work/root"
	for d in "${debs[@]}"; do
		dpkg-deb -x "$d" "$work/root" || box_die "cannot extract $d"
	done
	rm -f -- "$dir/stamp" "$dir/vmlinux"
	rm -rf -- "$dir/root"
	mv "$work/root" "$dir/root"
	rm -rf -- "$work"
	BOX_STEP="check the packages"
	box__set_paths "$dir" ||
		box_die "$BOX_IMAGE_PACKAGE or $BOX_BUSYBOX_PACKAGE lacks /boot/vmlinuz-*, /lib/modules/*/kernel or /bin/busybox"
	[ "linux-image-$BOX_RELEASE" = "$BOX_IMAGE_PACKAGE" ] ||
		box_die "package $BOX_IMAGE_PACKAGE holds vmlinuz-$BOX_RELEASE"
	{
		box__versions_key
		echo "lists $(box__lists_fingerprint)"
	} >"$dir/.stamp.$$"
	mv -f "$dir/.stamp.$$" "$dir/stamp"
}

# box_fetch_debian BUILD_DIR
#   Makes Debian's current kernel (the exact linux-image-6.1.0-NN-amd64 that
#   linux-image-amd64 depends on) and busybox-static available unpacked under
#   BUILD_DIR/box/debian/root. Cached: while apt's lists and the stamp
#   BUILD_DIR/box/debian/stamp are unchanged, a second call runs no apt
#   command, no download and no extraction. When apt's lists change, apt is
#   asked again and the packages are fetched only if their versions changed.
#   Sets:
#     BOX_DEBIAN_DIR       BUILD_DIR/box/debian
#     BOX_IMAGE_PACKAGE    linux-image-6.1.0-NN-amd64
#     BOX_IMAGE_VERSION    its Debian version
#     BOX_BUSYBOX_VERSION  busybox-static's Debian version
#     BOX_RELEASE          the kernel release, 6.1.0-NN-amd64
#     BOX_VMLINUZ          the bzImage
#     BOX_MODULES          its lib/modules/BOX_RELEASE directory
#     BOX_BUSYBOX          the static busybox binary
box_fetch_debian()
{
	local dir=$1/box/debian stamp have

	BOX_DEBIAN_DIR=$dir
	stamp=$dir/stamp
	BOX_STEP="fetch Debian packages"
	box_need_cmd apt-cache apt
	box_need_cmd dpkg dpkg
	if [ -f "$stamp" ] && box__set_paths "$dir"; then
		BOX_IMAGE_PACKAGE=linux-image-$BOX_RELEASE
		BOX_IMAGE_VERSION=$(box__stamp_field "$stamp" "$BOX_IMAGE_PACKAGE")
		BOX_BUSYBOX_VERSION=$(box__stamp_field "$stamp" "$BOX_BUSYBOX_PACKAGE")
		if [ -n "$BOX_IMAGE_VERSION" ] && [ -n "$BOX_BUSYBOX_VERSION" ] &&
			[ "$(box__stamp_field "$stamp" lists)" = "$(box__lists_fingerprint)" ]; then
			return 0
		fi
		have=$(box__versions_key)
	else
		have=""
	fi
	BOX_STEP="resolve packages (apt-cache show $BOX_META_PACKAGE $BOX_BUSYBOX_PACKAGE)"
	if ! box__resolve_versions; then
		box__update_lists
		BOX_STEP="resolve packages (apt-cache show $BOX_META_PACKAGE $BOX_BUSYBOX_PACKAGE)"
		box__resolve_versions || box_die "apt knows no $BOX_META_PACKAGE or $BOX_BUSYBOX_PACKAGE"
	fi
	if [ -n "$have" ] && [ "$have" = "$(box__versions_key)" ]; then
		{
			box__versions_key
			echo "lists $(box__lists_fingerprint)"
		} >"$dir/.stamp.$$"
		mv -f "$dir/.stamp.$$" "$stamp"
		return 0
	fi
	box__fetch_new "$dir"
}

# box__le FILE OFFSET BYTES
#   Prints the little-endian unsigned integer of BYTES bytes at OFFSET.
box__le()
{
	od -An -tu"$3" -j "$2" -N "$3" -- "$1" | tr -d ' '
}

# box__payload_decompressor FILE OFFSET
#   Prints the command that decompresses the data at OFFSET of FILE (by its
#   magic: xz, gzip or zstd); returns 1 for any other format.
box__payload_decompressor()
{
	local magic

	magic=$(od -An -tx1 -j "$2" -N 6 -- "$1" | tr -d ' \n')
	case $magic in
	fd377a585a00) echo "xz -dc --single-stream" ;;
	1f8b*) echo "gzip -dc" ;;
	28b52ffd*) echo "zstd -dcq" ;;
	*) return 1 ;;
	esac
}

# box_vmlinux
#   Needs box_fetch_debian. Extracts the uncompressed kernel (ELF vmlinux)
#   from BOX_VMLINUZ's payload into BOX_DEBIAN_DIR/vmlinux, once per fetched
#   package, and sets BOX_VMLINUX to it. A machine that can enter the kernel
#   at its PVH entry point (QEMU's -kernel with an ELF file) skips the
#   firmware and the in-guest decompression, seconds under emulation.
#   Returns 1 (BOX_VMLINUX empty) when the bzImage has no payload fields,
#   an unknown compression or no decompressor here (xz-utils, gzip, zstd),
#   or the ELF file has no PVH entry note (or no readelf, binutils).
box_vmlinux()
{
	local out=$BOX_DEBIAN_DIR/vmlinux setup off len cmd notes

	BOX_VMLINUX=""
	BOX_STEP="extract vmlinux from $BOX_VMLINUZ"
	if [ ! -s "$out" ]; then
		[ "$(dd if="$BOX_VMLINUZ" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] || return 1
		[ "$(box__le "$BOX_VMLINUZ" $((0x206)) 2)" -ge $((0x208)) ] || return 1
		setup=$(box__le "$BOX_VMLINUZ" $((0x1f1)) 1)
		[ "$setup" -ne 0 ] || setup=4
		off=$(((setup + 1) * 512 + $(box__le "$BOX_VMLINUZ" $((0x248)) 4)))
		len=$(box__le "$BOX_VMLINUZ" $((0x24c)) 4)
		cmd=$(box__payload_decompressor "$BOX_VMLINUZ" "$off") || return 1
		command -v "${cmd%% *}" >/dev/null 2>&1 || return 1
		dd if="$BOX_VMLINUZ" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" \
			status=none | $cmd >"$out.tmp.$$" ||
			{ rm -f -- "$out.tmp.$$"; return 1; }
		mv -f -- "$out.tmp.$$" "$out"
	fi
	[ "$(od -An -tx1 -N 4 -- "$out" | tr -d ' \n')" = 7f454c46 ] || return 1
	# Xen's ELF note 18 (XEN_ELFNOTE_PHYS32_ENTRY) is the PVH entry point.
	command -v readelf >/dev/null 2>&1 || return 1
	notes=$(readelf -n -- "$out" 2>/dev/null) || return 1
	[[ $notes =~ Xen[^$'\n']*0x00000012 ]] || return 1
	BOX_VMLINUX=$out
}

# box__module_name FILE_OR_NAME
#   Sets BOX__NAME to the canonical module name: the basename without
#   .ko[.xz|.zst|.gz], dashes turned to underscores (the form of modinfo's
#   depends=). No subshell: it runs once per module of the tree.
box__module_name()
{
	local n=${1##*/}

	n=${n%.xz}
	n=${n%.zst}
	n=${n%.gz}
	n=${n%.ko}
	BOX__NAME=${n//-/_}
}

# box__module_index
#   Fills the associative array BOX__MODFILE (canonical name -> file) and
#   BOX__BUILTIN (canonical name -> 1) from BOX_MODULES, once per
#   BOX_MODULES.
declare -gA BOX__MODFILE=() BOX__BUILTIN=()
BOX__MODINDEXED=""
BOX__NAME=""
box__module_index()
{
	local f n

	[ "$BOX__MODINDEXED" != "$BOX_MODULES" ] || return 0
	BOX__MODFILE=()
	BOX__BUILTIN=()
	while IFS= read -r -d '' f; do
		box__module_name "$f"
		BOX__MODFILE[$BOX__NAME]=$f
	done < <(find "$BOX_MODULES/kernel" -type f \( -name '*.ko' -o -name '*.ko.xz' \
		-o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
	if [ -f "$BOX_MODULES/modules.builtin" ]; then
		while IFS= read -r f; do
			box__module_name "$f"
			BOX__BUILTIN[$BOX__NAME]=1
		done <"$BOX_MODULES/modules.builtin"
	fi
	BOX__MODINDEXED=$BOX_MODULES
}

# box_module_cat FILE
#   Writes the module FILE uncompressed (.ko, .ko.xz, .ko.zst, .ko.gz) to
#   stdout.
box_module_cat()
{
	case $1 in
	*.xz) xz -dc -- "$1" ;;
	*.zst) zstd -dcq -- "$1" ;;
	*.gz) gzip -dc -- "$1" ;;
	*) cat -- "$1" ;;
	esac
}

# box_module_depends FILE
#   Prints the modules FILE depends on (its modinfo "depends=" field), one
#   canonical name a line, read from the .modinfo strings of the file.
box_module_depends()
{
	local deps

	deps=$(box_module_cat "$1" | tr '\0' '\n' | sed -n 's/^depends=//p')
	deps=${deps%%$'\n'*}
	[ -z "$deps" ] || printf '%s\n' "${deps//,/$'\n'}"
}

# box__module_visit NAME
#   Depth-first walk for box_module_closure: emits NAME's dependencies, then
#   NAME, each once (BOX__SEEN).
box__module_visit()
{
	local name dep file

	box__module_name "$1"
	name=$BOX__NAME
	[ -z "${BOX__SEEN[$name]:-}" ] || return 0
	BOX__SEEN[$name]=1
	file=${BOX__MODFILE[$name]:-}
	if [ -z "$file" ]; then
		[ -n "${BOX__BUILTIN[$name]:-}" ] && return 0
		box_die "module $name is neither in $BOX_MODULES/kernel nor built into $BOX_RELEASE"
	fi
	while IFS= read -r dep; do
		[ -z "$dep" ] || box__module_visit "$dep"
	done < <(box_module_depends "$file")
	printf '%s\n' "$file"
}

# box_module_closure MODULE...
#   Needs BOX_MODULES (box_fetch_debian). Prints the module files (absolute
#   paths, possibly compressed) for the MODULEs and everything they depend
#   on, in a valid load order (dependencies first), each once. MODULE may be
#   spelt with dashes or underscores. Modules built into the kernel are
#   skipped; an unknown module is an error.
box_module_closure()
{
	local m

	BOX_STEP="resolve modules ($*)"
	box__module_index
	declare -gA BOX__SEEN=()
	for m in "$@"; do
		box__module_visit "$m"
	done
}

# box_modules_install TREE MODULE...
#   Copies the closure of the MODULEs, uncompressed (busybox insmod reads
#   plain .ko only), into TREE/modules/NAME.ko and writes TREE/modules/order
#   listing the canonical names in load order. The box's /init loads them with
#   box_init_functions' box_load_modules.
box_modules_install()
{
	local tree=$1 f n files
	shift

	files=$(box_module_closure "$@") || exit "$BOX_EXIT_FAIL"
	BOX_STEP="install modules ($*)"
	mkdir -p "$tree/modules"
	: >"$tree/modules/order"
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		box__module_name "$f"
		box_module_cat "$f" >"$tree/modules/$BOX__NAME.ko" || box_die "cannot decompress $f"
		printf '%s\n' "$BOX__NAME" >>"$tree/modules/order"
	done <<<"$files"
}

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
