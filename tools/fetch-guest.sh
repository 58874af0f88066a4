#!/usr/bin/env bash
# Fetch Debian's current kernel and busybox-static and build a small
# initramfs whose /init prints dmesg and powers off: the real guest of the
# integration tests and the benchmark.
#
# Usage: tools/fetch-guest.sh [--series 6.1|6.12] [BUILD_DIR]
#        (default: the 6.1 series, the repository's build/)
#
# Debian 12 has two kernel series. 6.1 is the kernel image package that
# linux-image-amd64 depends on (linux-image-6.1.0-NN-amd64), written to
# BUILD_DIR/guest-linux/; 6.12 is the one linux-image-6.12-amd64 depends
# on (linux-image-6.12.NN+deb12-amd64), written to BUILD_DIR/guest-linux-6.12/.
# Each directory gets {vmlinuz,version,initramfs.cpio.gz,stamp}.
# The packages are fetched with `apt-get download` and unpacked with
# `dpkg -x`; nothing is installed. The stamp records the package versions,
# this script's hash and the outputs' hashes: a second run with the same
# versions does nothing. The initramfs is deterministic: the same busybox
# and the same script give the same bytes.
set -Eeuo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
self="$root/tools/$(basename "$0")"
applets=(cat dmesg echo mount poweroff sh)
outputs=(vmlinuz version initramfs.cpio.gz)

step="start"
out=""
work=""
stage=""

die()
{
	echo "fetch-guest: error: $step: $*" >&2
	exit 1
}

cleanup()
{
	[ -z "$work" ] || rm -rf -- "$work"
	[ -z "$stage" ] || rm -rf -- "$stage"
	[ -z "$out" ] || rm -f -- "$out/.stamp.$$"
}

trap 'echo "fetch-guest: error: $step: command failed (line $LINENO)" >&2' ERR
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

usage()
{
	echo "usage: tools/fetch-guest.sh [--series 6.1|6.12] [BUILD_DIR]   (default: 6.1, $root/build)"
}

series=6.1
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--series)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		series=$2
		shift 2
		;;
	--series=*)
		series=${1#--series=}
		shift
		;;
	--)
		shift
		break
		;;
	-*)
		usage >&2
		exit 2
		;;
	*)
		break
		;;
	esac
done
if [ $# -gt 1 ]; then
	usage >&2
	exit 2
fi

build=${1:-$root/build}
# The metapackage that names the series' current image package, and where
# its outputs go: the 6.1 series keeps the directory it always had.
case $series in
6.1)
	meta=linux-image-amd64
	out="$build/guest-linux"
	;;
6.12)
	meta=linux-image-6.12-amd64
	out="$build/guest-linux-6.12"
	;;
*)
	echo "fetch-guest: error: unknown kernel series '$series' (6.1 or 6.12)" >&2
	exit 2
	;;
esac

as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

update_lists()
{
	step="apt-get update"
	echo "fetch-guest: refreshing the package lists"
	as_root apt-get update -qq || die "apt-get update failed"
}

# The package lists' fingerprint and the resolution of a metapackage to
# its kernel image package are the box's (tools/box/debian.sh): the 6.1
# guest and the box boot the same Debian kernel.
# shellcheck source=tools/box/lib.sh
. "$root/tools/box/lib.sh"
# shellcheck source=tools/box/debian.sh
. "$root/tools/box/debian.sh"

lists_fingerprint()
{
	box__lists_fingerprint
}

# Sets image (the kernel image package $meta depends on), meta_ver,
# image_ver and bb_ver from the package lists. Returns 1 when the lists do
# not know the packages.
resolve_versions()
{
	step="resolve packages (apt-cache show $meta busybox-static)"
	box__resolve_versions "$meta" || return 1
	image=$BOX_IMAGE_PACKAGE
	image_ver=$BOX_IMAGE_VERSION
	meta_ver=$BOX_META_VERSION
	bb_ver=$BOX_BUSYBOX_VERSION
}

versions_key()
{
	printf '%s %s\n%s %s\n%s %s\n' "$meta" "$meta_ver" "$image" "$image_ver" \
		busybox-static "$bb_ver"
}

script_sum()
{
	sha256sum <"$self" | cut -d' ' -f1
}

# Prints one "sha256 HASH NAME" line per output; fails if one is missing.
output_sums()
{
	local f

	for f in "${outputs[@]}"; do
		[ -f "$out/$f" ] || return 1
		printf 'sha256 %s %s\n' "$(sha256sum <"$out/$f" | cut -d' ' -f1)" "$f"
	done
}

# Reads the stamp's field $1 (the text after "$1 " on its line).
stamp_field()
{
	sed -n "s/^$1 //p" "$out/stamp"
}

# Sets image, meta_ver, image_ver and bb_ver from the stamp.
read_stamp_versions()
{
	meta_ver=$(stamp_field "$meta")
	image=$(sed -n 's/^\(linux-image-[^ ]*\) .*/\1/p' "$out/stamp" | grep -vx "$meta")
	image_ver=$(stamp_field "$image")
	bb_ver=$(stamp_field busybox-static)
}

write_stamp()
{
	local tmp="$out/.stamp.$$"

	{
		versions_key
		echo "script $(script_sum)"
		echo "lists $(lists_fingerprint)"
		output_sums
	} >"$tmp" && mv -f "$tmp" "$out/stamp"
}

report()
{
	local f

	echo "fetch-guest: kernel $(cat "$out/version") ($image $image_ver), busybox-static $bb_ver, in $out:"
	for f in "${outputs[@]}"; do
		printf '  %-17s %8d bytes  sha256 %s\n' "$f" "$(stat -c %s "$out/$f")" \
			"$(sed -n "s/^sha256 \([0-9a-f]*\) $f\$/\1/p" "$out/stamp")"
	done
}

report_cached()
{
	echo "fetch-guest: cached $image $image_ver, busybox-static $bb_ver in $out"
	report
	exit 0
}

download()
{
	step="apt-get download $image=$image_ver busybox-static=$bb_ver"
	rm -rf -- "$work/debs"
	mkdir -p "$work/debs"
	# apt fetches as the unprivileged _apt user when run as root.
	if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
		chown _apt "$work" "$work/debs"
	fi
	(cd "$work/debs" &&
		apt-get download -q "$image=$image_ver" "busybox-static=$bb_ver")
}

# Reads a little-endian integer of $3 bytes at offset $2 of file $1.
le()
{
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

if ! command -v apt-cache >/dev/null || ! command -v dpkg >/dev/null; then
	die "apt-cache and dpkg are needed (a Debian system)"
fi

# The stamp holds the versions, the script's hash, the lists' fingerprint
# and the outputs' hashes. Same script and lists: nothing to ask apt.
step="check the cache"
have=""
if [ -f "$out/stamp" ] && sums=$(output_sums); then
	have=$(sed '/^lists /d' "$out/stamp")
	if [ "$(stamp_field script)" = "$(script_sum)" ] &&
		[ "$(stamp_field lists)" = "$(lists_fingerprint)" ] &&
		[ "$(sed -n '/^sha256 /p' "$out/stamp")" = "$sums" ]; then
		read_stamp_versions
		report_cached
	fi
fi

if ! resolve_versions; then
	update_lists
	resolve_versions || die "the package lists know no $meta or busybox-static"
fi
if [ -n "$have" ] && [ "$have" = "$(versions_key; echo "script $(script_sum)"; echo "$sums")" ]; then
	write_stamp
	report_cached
fi

step="check tools"
for t in cpio gzip sha256sum; do
	command -v "$t" >/dev/null || die "$t is missing (tools/setup.sh installs it)"
done

step="create directories"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-guest.XXXXXX")
chmod 755 "$work"

echo "fetch-guest: fetching $image $image_ver and busybox-static $bb_ver"
if ! download; then
	# The lists may name a version the archive no longer has.
	update_lists
	resolve_versions || die "the package lists know no $meta or busybox-static"
	download || die "download failed"
fi

step="dpkg -x"
debs=("$work"/debs/*.deb)
[ ${#debs[@]} -eq 2 ] || die "expected 2 packages in $work/debs, found ${#debs[@]}"
mkdir "$work/root"
for d in "${debs[@]}"; do
	dpkg -x "$d" "$work/root" || die "cannot extract $d"
done

step="find the kernel"
kernels=("$work"/root/boot/vmlinuz-*)
[ -f "${kernels[0]}" ] || die "no /boot/vmlinuz-* in $image"
[ ${#kernels[@]} -eq 1 ] || die "more than one /boot/vmlinuz-* in $image"
kernel=${kernels[0]}
release=${kernel##*/vmlinuz-}
[ "$image" = "linux-image-$release" ] ||
	die "package $image holds vmlinuz-$release"
[[ $release == "$series".* ]] ||
	die "package $image ($meta) holds kernel $release, not of the $series series"
[ "$(dd if="$kernel" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] ||
	die "$kernel: no \"HdrS\" at 0x202, not a bzImage"
[ "$(le "$kernel" $((0x1fe)) 2)" -eq $((0xaa55)) ] ||
	die "$kernel: boot_flag at 0x1fe is not 0xaa55"

step="find busybox"
busybox="$work/root/bin/busybox"
if [ ! -f "$busybox" ] || [ ! -x "$busybox" ]; then
	die "no executable /bin/busybox in busybox-static"
fi

step="build the initramfs tree"
tree="$work/initramfs"
mkdir -p "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys"
cp "$busybox" "$tree/bin/busybox"
for a in "${applets[@]}"; do
	ln -s busybox "$tree/bin/$a"
done
cat >"$tree/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "xsvm-guest: init started"
dmesg
echo "xsvm-guest: dmesg done"
poweroff -f
EOF
chmod 755 "$tree" "$tree/bin" "$tree/dev" "$tree/proc" "$tree/sys" \
	"$tree/bin/busybox" "$tree/init"
find "$tree" -exec touch -h -d @0 {} +

step="cpio | gzip"
stage=$(mktemp -d "$out/.new.XXXXXX")
(cd "$tree" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) |
	gzip -n -9 >"$stage/initramfs.cpio.gz"

step="write the outputs"
cp "$kernel" "$stage/vmlinuz"
echo "$release" >"$stage/version"
rm -f "$out/stamp"
for f in "${outputs[@]}"; do
	mv -f "$stage/$f" "$out/$f"
done
write_stamp

report
