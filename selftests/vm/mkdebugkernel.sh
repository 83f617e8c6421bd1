#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdebugkernel.sh - build the af_vsync debug kernel from Debian's
# linux-source tarball, laid out like an installed kernel.
#
#   mkdebugkernel.sh -s linux-source.tar.xz -c debug.config -r KREL -o ROOT
#
#   -s TAR    Debian's linux-source-6.12 tarball
#   -c FILE   config fragment, applied on top of allnoconfig
#   -r KREL   the kernel release it must report (VERSION + LOCALVERSION)
#   -o ROOT   where it goes: ROOT/boot/vmlinuz-KREL, ROOT/lib/modules/KREL
#             (modules.builtin, modules.dep, build -> ROOT/src), ROOT/src
#             (the built tree, for M= module builds); ROOT/.stamp last
#
# ROOT is meant to be a cache directory named after its inputs (the source
# version and a hash of the fragment and this script), so that a change to
# either builds another kernel. A ROOT with its stamp is left alone; one
# without (an interrupted build) is removed and built again.

set -euo pipefail

tar='' frag='' krel='' root=''
while getopts "s:c:r:o:" opt; do
	case $opt in
	s) tar=$OPTARG ;;
	c) frag=$OPTARG ;;
	r) krel=$OPTARG ;;
	o) root=$OPTARG ;;
	*) sed -n '4,15s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "$tar" ] && [ -n "$frag" ] && [ -n "$krel" ] && [ -n "$root" ] ||
	{ echo "mkdebugkernel.sh: -s, -c, -r and -o are required" >&2; exit 2; }
die() { echo "mkdebugkernel.sh: $*" >&2; exit 1; }

[ -f "$root/.stamp" ] && exit 0
[ -r "$tar" ] || die "$tar missing (apt-get install linux-source-6.12)"
frag=$(realpath "$frag")
jobs=$(nproc)
log=$root.log

rm -rf "$root"
mkdir -p "$root/src" "$root/boot"
src=$root/src
t0=$(date +%s)
echo "  KERNEL  $krel: extracting $(basename "$tar")"
# all of it: Kconfig reads files from Documentation and every architecture
tar -xJf "$tar" -C "$src" --strip-components=1 || die "extracting $tar failed"

kmake() { make -C "$src" -j"$jobs" "$@"; }
echo "  KERNEL  $krel: configuring (allnoconfig + $(basename "$frag"))"
kmake KCONFIG_ALLCONFIG="$frag" allnoconfig > "$log" 2>&1 || { cat "$log"; die "allnoconfig failed"; }
kmake olddefconfig >> "$log" 2>&1 || { cat "$log"; die "olddefconfig failed"; }
# every option the fragment asks for must have survived (a missing
# dependency makes kconfig drop it without a word)
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$src/.config" || { echo "  not set: $line" >&2; missing=1; } ;;
	esac
done < "$frag"
[ $missing = 0 ] || die "the fragment's options above did not survive olddefconfig"
got=$(kmake -s kernelrelease 2>/dev/null)
[ "$got" = "$krel" ] || die "kernel release is $got, expected $krel"

echo "  KERNEL  $krel: building on $jobs CPUs (log: $log)"
kmake all >> "$log" 2>&1 || { tail -n 50 "$log"; die "kernel build failed"; }
kmake INSTALL_MOD_PATH="$root" modules_install >> "$log" 2>&1 ||
	{ tail -n 20 "$log"; die "modules_install failed"; }
cp "$src/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$krel"
ln -sfn "$src" "$root/lib/modules/$krel/build"
# the objects of vmlinux are not needed for module builds
rm -f "$src/vmlinux.o" "$src/vmlinux.a"
touch "$root/.stamp"
echo "  KERNEL  $krel: built in $(( $(date +%s) - t0 ))s"
