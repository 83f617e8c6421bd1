#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh - build the initramfs of the af_vsync test VM for one kernel.
#
#   mkinitramfs.sh -k KVER -o OUT.cpio [-r ROOT] [-m af_vsync.ko] [-u DIR]
#                  [-b DIR]... [-t tests.list] [-d demo.sh] [-M module]...
#
#   -k KVER   kernel release; modules come from ROOT/lib/modules/KVER
#   -r ROOT   where the kernel is installed (default /; the debug kernel's
#             cache directory for it)
#   -o OUT    the (uncompressed, newc) cpio archive to write
#   -m KO     af_vsync.ko built for KVER, installed as /vsync/af_vsync.ko
#   -u DIR    userspace build dir: its executables go to /vsync/bin
#   -b DIR    everything in DIR (recursively, minus objects) goes to /vsync/bin
#   -t FILE   tests.list, installed as /vsync/bin/tests.list
#   -d FILE   demo script, installed as /vsync/demo.sh
#   -M NAME   one more kernel module to load at boot (with its dependencies)
#
# The archive holds busybox-static (applet symlinks), bash, iproute2 (ip, tc,
# bridge, ss, nstat, genl, tipc) with netem's distribution tables, the kernel
# modules of $MODULES with their dependencies (decompressed, listed in load
# order in /vsync/modules.load), and every shared library the binaries need
# (ldd). Uncompressed: the kernel unpacks it faster than it would gunzip it
# under TCG.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver='' out='' ko='' tests='' demo='' kroot=''
udirs=() bdirs=()
MODULES=(veth bridge sch_netem udp_tunnel ip6_udp_tunnel virtio_pci virtio_console)

while getopts "k:o:r:m:u:b:t:d:M:" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	r) kroot=$OPTARG ;;
	o) out=$OPTARG ;;
	m) ko=$OPTARG ;;
	u) udirs+=("$OPTARG") ;;
	b) bdirs+=("$OPTARG") ;;
	t) tests=$OPTARG ;;
	d) demo=$OPTARG ;;
	M) MODULES+=("$OPTARG") ;;
	*) sed -n '4,17s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] && [ -n "$out" ] || { echo "mkinitramfs.sh: -k and -o are required" >&2; exit 2; }

die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

moddir=$kroot/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (is linux-image-$kver installed?)"
[ -x /bin/busybox ] || die "/bin/busybox missing (apt-get install busybox-static)"

root=$out.d
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,dev,proc,sys,tmp,run,root,vsync/bin,vsync/modules}

# --- busybox, with one symlink per applet -------------------------------------
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ -e "$root/$a" ] || [ -L "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done

# --- dynamically linked programs and their libraries --------------------------
# add_libs FILE: copy the loader and every library ldd resolves for FILE.
add_libs() {
	local lib
	ldd "$1" >/dev/null 2>&1 || return 0	# static, or a script
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
# add_prog SRC DEST: install a host program at DEST in the image, and its libs.
add_prog() {
	mkdir -p "$root$(dirname "$2")"
	rm -f "$root$2"
	cp -L "$1" "$root$2"
	add_libs "$1"
}

add_prog /bin/bash /bin/bash
for p in ip tc bridge tipc; do
	add_prog "$(command -v $p || echo /sbin/$p)" "/sbin/$p"
done
for p in ss nstat genl; do
	src=$(command -v $p || true)
	[ -n "$src" ] && add_prog "$src" "/sbin/$p"
done
# iproute2 config and netem delay distributions
cp -a /etc/iproute2 "$root/etc/" 2>/dev/null || true
if [ -d /usr/lib/x86_64-linux-gnu/tc ]; then
	mkdir -p "$root/usr/lib/x86_64-linux-gnu/tc"
	cp /usr/lib/x86_64-linux-gnu/tc/*.dist "$root/usr/lib/x86_64-linux-gnu/tc/"
fi
# glibc's NSS and friends, so getpwnam()/getaddrinfo("localhost") behave
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf '127.0.0.1 localhost vsync-vm\n::1 localhost ip6-localhost\n' > "$root/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root/etc/nsswitch.conf"
nss=/lib/x86_64-linux-gnu/libnss_files.so.2
if [ -e $nss ]; then
	cp -L $nss "$root$nss"
fi

# --- kernel modules ---------------------------------------------------------
# modules.dep lists a module's dependencies so that loading them last to
# first works (that is what modprobe does).
declare -A path_of=()
while IFS=: read -r path _; do
	name=$(basename "$path")
	name=${name%%.ko*}
	path_of[${name//-/_}]=$path
done < "$moddir/modules.dep"

declare -A seen=()
load=()
add_module() {
	local name=${1//-/_} path deps d i
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	if grep -Eq "/${name//_/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null; then
		return 0
	fi
	path=${path_of[$name]:-}
	[ -n "$path" ] || die "module $1 is neither built in nor in $moddir/modules.dep"
	read -ra deps <<< "$(grep -F -m1 "$path:" "$moddir/modules.dep" | cut -d: -f2)"
	for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
		d=$(basename "${deps[i]}")
		add_module "${d%%.ko*}"
	done
	case "$path" in
	*.ko.xz)  xz -dc "$moddir/$path" > "$root/vsync/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" > "$root/vsync/modules/$name.ko" ;;
	*.ko.gz)  gzip -dc "$moddir/$path" > "$root/vsync/modules/$name.ko" ;;
	*.ko)     cp "$moddir/$path" "$root/vsync/modules/$name.ko" ;;
	*)        die "unknown module file $path" ;;
	esac
	load+=("$name.ko")
}
for m in "${MODULES[@]}"; do
	add_module "$m"
done
printf '%s\n' "${load[@]}" > "$root/vsync/modules.load"

# --- af_vsync, userspace tools, tests ---------------------------------------
if [ -n "$ko" ]; then
	[ -f "$ko" ] || die "$ko missing"
	cp "$ko" "$root/vsync/af_vsync.ko"
fi

# install_tree SRC: copy SRC's files into /vsync/bin (objects left out)
install_tree() {
	local f rel
	(cd "$1" && find . -type f ! -name '*.o' ! -name '*.d' ! -name '*.a' \
		! -name '*.cmd' ! -name '.*' -print) | sort | while read -r f; do
		rel=${f#./}
		mkdir -p "$root/vsync/bin/$(dirname "$rel")"
		cp -p "$1/$rel" "$root/vsync/bin/$rel"
		[ -x "$1/$rel" ] && add_libs "$1/$rel"
		true
	done
}
for d in "${udirs[@]}"; do
	[ -d "$d" ] || die "$d missing"
	for f in "$d"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case "$f" in *.so|*.so.*) continue ;; esac
		cp -p "$f" "$root/vsync/bin/"
		add_libs "$f"
	done
done
for d in "${bdirs[@]}"; do
	[ -d "$d" ] || die "$d missing"
	install_tree "$d"
done
if [ -n "$tests" ]; then
	cp "$tests" "$root/vsync/bin/tests.list"
else
	: > "$root/vsync/bin/tests.list"
fi
[ -n "$demo" ] && cp "$demo" "$root/vsync/demo.sh"

# --- /init and device nodes -------------------------------------------------
cp "$here/init" "$root/init"
chmod 0755 "$root/init"
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
fi

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
