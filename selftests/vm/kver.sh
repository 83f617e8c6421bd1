#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kver.sh SERIES - print the newest Debian cloud kernel version of SERIES
# (6.1 or 6.12) for which apt offers BOTH linux-image-<v> and
# linux-headers-<v> (a candidate version, not just a name: Debian publishes
# headers and -dbg/-unsigned images under names whose signed image may not
# exist yet, or no longer).
#
#   6.1  -> 6.1.0-N-cloud-amd64
#   6.12 -> 6.12.N+deb12-cloud-amd64
#
# Exits non-zero, with a message on stderr, when nothing matches (usually:
# the apt lists are missing, run `make deps` or `apt-get update`).

set -euo pipefail

series=${1:?usage: kver.sh 6.1|6.12}
case "$series" in
6.1)  re='^6\.1\.0-[0-9]+-cloud-amd64$' ;;
6.12) re='^6\.12\.[0-9]+\+deb12-cloud-amd64$' ;;
*)    echo "kver.sh: unknown series '$series'" >&2; exit 2 ;;
esac

names() {
	apt-cache pkgnames "$1" 2>/dev/null | sed -n "s/^$1//p" | grep -E "$re" || true
}

has_candidate() {
	local c
	c=$(LC_ALL=C apt-cache policy "$1" 2>/dev/null |
	    sed -n 's/^ *Candidate: *//p')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

for v in $(comm -12 <(names linux-image- | sort) <(names linux-headers- | sort) |
	   sort -rV); do
	if has_candidate "linux-image-$v" && has_candidate "linux-headers-$v"; then
		echo "$v"
		exit 0
	fi
done

echo "kver.sh: no linux-image/linux-headers pair for $series in apt" \
     "(run 'make deps' or 'apt-get update')" >&2
exit 1
