# shellcheck shell=bash
# The box's Debian packages: linux-image-amd64 resolved to the kernel image
# package it depends on, that and busybox-static downloaded (apt-get
# download) and unpacked (dpkg -x) into BUILD/box/debian/, cached while
# apt's lists say the same; and the kernel's uncompressed vmlinux, taken
# from its bzImage. tools/fetch-guest.sh resolves the guest's kernel here
# too. Source after tools/box/lib.sh (its conventions hold here); this file
# defines functions and constants and runs nothing.

# The variables set here are read by the machines' scripts.
# shellcheck disable=SC2034

BOX_META_PACKAGE=linux-image-amd64
BOX_BUSYBOX_PACKAGE=busybox-static

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

# box__resolve_versions META
#   From apt's lists, with one apt-cache call, sets BOX_IMAGE_PACKAGE (the
#   kernel image package that the metapackage META depends on: the box's
#   is BOX_META_PACKAGE, whose image is linux-image-6.1.0-NN-amd64),
#   BOX_IMAGE_VERSION, BOX_META_VERSION (META's) and BOX_BUSYBOX_VERSION.
#   Returns 1 when the lists do not know them. tools/fetch-guest.sh
#   resolves the guest's kernels with it too (META linux-image-6.12-amd64
#   for the 6.12 series).
box__resolve_versions()
{
	local meta=$1 fields

	fields=$(apt-cache show --no-all-versions "$meta" "$BOX_BUSYBOX_PACKAGE" 2>/dev/null |
		awk -v meta="$meta" -v bb="$BOX_BUSYBOX_PACKAGE" '
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
		box__resolve_versions "$BOX_META_PACKAGE" || box_die "apt knows no $BOX_META_PACKAGE or $BOX_BUSYBOX_PACKAGE"
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
	if ! box__resolve_versions "$BOX_META_PACKAGE"; then
		box__update_lists
		BOX_STEP="resolve packages (apt-cache show $BOX_META_PACKAGE $BOX_BUSYBOX_PACKAGE)"
		box__resolve_versions "$BOX_META_PACKAGE" || box_die "apt knows no $BOX_META_PACKAGE or $BOX_BUSYBOX_PACKAGE"
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
#   The payload ends in the kernel build's 4-byte little-endian size of the
#   uncompressed image, which is not part of the compressed stream (zstd
#   and gzip reject or warn about it): it is left out, and the output must
#   have that size.
#   Returns 1 (BOX_VMLINUX empty) when the bzImage has no payload fields,
#   an unknown compression or no decompressor here (xz-utils, gzip, zstd),
#   an output of another size, or the ELF file has no PVH entry note (or no
#   readelf, binutils).
box_vmlinux()
{
	local out=$BOX_DEBIAN_DIR/vmlinux setup off len size cmd notes

	BOX_VMLINUX=""
	BOX_STEP="extract vmlinux from $BOX_VMLINUZ"
	if [ ! -s "$out" ]; then
		[ "$(dd if="$BOX_VMLINUZ" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] || return 1
		[ "$(box__le "$BOX_VMLINUZ" $((0x206)) 2)" -ge $((0x208)) ] || return 1
		setup=$(box__le "$BOX_VMLINUZ" $((0x1f1)) 1)
		[ "$setup" -ne 0 ] || setup=4
		off=$(((setup + 1) * 512 + $(box__le "$BOX_VMLINUZ" $((0x248)) 4)))
		len=$(box__le "$BOX_VMLINUZ" $((0x24c)) 4)
		[ "$len" -gt 4 ] || return 1
		size=$(box__le "$BOX_VMLINUZ" $((off + len - 4)) 4)
		cmd=$(box__payload_decompressor "$BOX_VMLINUZ" "$off") || return 1
		command -v "${cmd%% *}" >/dev/null 2>&1 || return 1
		if ! dd if="$BOX_VMLINUZ" bs=1M iflag=skip_bytes,count_bytes skip="$off" \
			count=$((len - 4)) status=none | $cmd >"$out.tmp.$$" ||
			[ "$(stat -c %s -- "$out.tmp.$$")" != "$size" ]; then
			rm -f -- "$out.tmp.$$"
			return 1
		fi
		mv -f -- "$out.tmp.$$" "$out"
	fi
	[ "$(od -An -tx1 -N 4 -- "$out" | tr -d ' \n')" = 7f454c46 ] || return 1
	# Xen's ELF note 18 (XEN_ELFNOTE_PHYS32_ENTRY) is the PVH entry point.
	command -v readelf >/dev/null 2>&1 || return 1
	notes=$(readelf -n -- "$out" 2>/dev/null) || return 1
	[[ $notes =~ Xen[^$'\n']*0x00000012 ]] || return 1
	BOX_VMLINUX=$out
}
