#!/usr/bin/env bash
# Install every build and test dependency of xsvm from Debian's packages.
# Idempotent: packages already installed are not fetched again.
set -euo pipefail

packages=(
	build-essential cmake pkg-config git
	libelf-dev libcmocka-dev linux-libc-dev
	liblzma-dev libzstd-dev zlib1g-dev
	# the kernel cache's key: SHA-256 of OpenSSL's libcrypto
	libssl-dev
	clang libclang-rt-14-dev
	cpio cpuid python3 util-linux valgrind
	# the manual page tests: man -l, lexgrog (man-db), groff -mandoc
	man-db groff-base
	# the box (tools/box.sh): QEMU TCG with nested SVM, Bochs with nested
	# VMX booted from an isolinux ISO
	qemu-system-x86 bochs bochsbios vgabios isolinux syslinux-common
	xorriso xz-utils zstd binutils
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
	echo "setup: all build and test dependencies present"
fi
