#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh KVERS_MK [PACKAGE...] - install what the build and the test VM
# need on Debian 12, and write the kernel versions to KVERS_MK (a makefile
# fragment: KVER_61 ?= ..., KVER_612 ?= ...).
#
# The kernels are the newest 6.1 and 6.12 cloud kernels that apt offers with
# both image and headers (kver.sh); KVER_61 / KVER_612 in the environment pin
# them. Quick and quiet when everything is present: apt-get update only runs
# when the package lists are older than an hour or something is missing.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: deps.sh KVERS_MK [PACKAGE...]}
shift

SUDO=
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT

updated=0
apt_update() {
	[ $updated = 1 ] && return 0
	echo "  APT     update"
	if ! $SUDO apt-get update -qq > "$log" 2>&1; then
		cat "$log" >&2
		exit 1
	fi
	updated=1
	$SUDO mkdir -p "$(dirname "$stamp")"
	$SUDO touch "$stamp"
}

# our own stamp: apt gives the lists the server's modification time
stamp=${CACHE:-/var/cache/af_vsync}/apt-update.stamp
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ] ||
   [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n1)" ]; then
	apt_update
fi

resolve() {	# resolve SERIES PINNED
	if [ -n "$2" ]; then
		echo "$2"
	elif ! "$here/kver.sh" "$1" 2>/dev/null; then
		apt_update
		"$here/kver.sh" "$1"
	fi
}
v61=$(resolve 6.1 "${KVER_61:-}")
v612=$(resolve 6.12 "${KVER_612:-}")

# flex, bison, bc, libelf-dev: building the debug kernel (objtool needs libelf)
pkgs=(qemu-system-x86 busybox-static cpio sparse linux-source-6.12 iproute2
      xz-utils zstd kmod perl make gcc libc6-dev pahole flex bison bc libelf-dev
      "linux-image-$v61" "linux-headers-$v61"
      "linux-image-$v612" "linux-headers-$v612" "$@")

missing=()
for p in "${pkgs[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done

if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	echo "  APT     install ${missing[*]}"
	# INITRD=No: the VM boots our own initramfs, skip building Debian's
	if ! $SUDO env INITRD=No DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -qq --no-install-recommends "${missing[@]}" \
	     > "$log" 2>&1; then
		tail -n 40 "$log" >&2
		exit 1
	fi
fi

for v in "$v61" "$v612"; do
	for f in "/boot/vmlinuz-$v" "/lib/modules/$v/build/Makefile"; do
		[ -e "$f" ] || { echo "deps.sh: $f missing after install" >&2; exit 1; }
	done
done

mkdir -p "$(dirname "$out")"
printf 'KVER_61 ?= %s\nKVER_612 ?= %s\n' "$v61" "$v612" > "$out.tmp"
mv "$out.tmp" "$out"
echo "  KERNELS $v61 $v612"
