#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Optional IP multicast (busybox sh, as root, in the test VM): nodes with
# no configured peers but one multicast group find each other (learned
# peers, UP) and agree on one primary view; a group across them works
# (vsync_member on each node, vsync_check on the logs) with the sequencer
# sending new entries once to the group (mcast_ordered), also with 10% loss
# on every link (losses come back by unicast); a node that removes its
# group gets them by unicast and the group still works; a node that moves
# to another address of the same interface keeps its group socket; the
# group shows in node show (text and -j), in /proc/net/udp and
# /proc/net/igmp, and is gone from both after "mcast none"; bad groups are
# refused with a message (unicast address, other family, no node address,
# the wildcard node address, interface-local IPv6 scope, no CAP_NET_ADMIN)
# and change nothing; the IPv6 variant discovers too, also after moving to
# a link-scope group; deleting netns and rmmod with the group set are clean
# (no kernel splat).
# Leaves the module loaded.  Output is KTAP.  Every wait is bounded and
# nothing asserts how long anything took.
#
# Environment: VSYNC_KO (default /vsync/af_vsync.ko), VS_BIN (default: the
# directory of this script: vsyncctl, vsync_nl, vsync_nocap, vsync_member,
# vsync_check), VS_* of vsync_cluster_lib.sh.
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it
# shellcheck disable=SC2015 # "A && B || fail" is meant: fail if either fails
# shellcheck disable=SC2034 # VS_* are the library's

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vsync_cluster_lib.sh
. "$here/vsync_cluster_lib.sh"

KO=${VSYNC_KO:-/vsync/af_vsync.ko}
NOCAP=$VS_BIN/vsync_nocap
MEMBER=$VS_BIN/vsync_member
CHECK=$VS_BIN/vsync_check
MOD=/sys/module/af_vsync
G4=239.1.2.3
G6=ff15::1234
G6LINK=ff12::4242
# the members' stream: like vsync_groups.sh's, shorter
NMSG=60
IVL=20000
SIZE=200
CLASSES=fifo,total,safe,causal,default
DEADLINE=$(vs_slow 150)
T_VIEW=30
T_EXIT=60

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_mcast.XXXXXX") || exit 1
cleanup() {
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

DMESG=dmesg
[ -x /bin/dmesg ] && DMESG=/bin/dmesg
dmesg_mark() {
	dmesg_lines=$($DMESG | wc -l)
}
# kernel splats since dmesg_mark (empty: none)
dmesg_bad() {
	$DMESG | tail -n +$((dmesg_lines + 1)) |
		grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|KASAN|UBSAN|suspected memory leak|unreferenced object|\[#[0-9]+\]' |
		head -n 8
}

loaded() {
	[ -d $MOD ]
}

n=0
failed=0
why=""
fail() {	# fail WHY: note why the test fails; returns 1
	why="${why:+$why; }$*"
	return 1
}
# run NAME: t_NAME, one KTAP line
run() {
	why=""
	if "t_$1"; then
		n=$((n + 1))
		echo "ok $n $1"
	else
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n $1"
		echo "# $1: ${why:-failed}"
	fi
}

# --- helpers ------------------------------------------------------------------

# hex_v4 A.B.C.D: the address as /proc/net/udp and /proc/net/igmp print it
# (the __be32 read as a little-endian number)
hex_v4() {
	echo "$1" | awk -F. '{ printf "%02X%02X%02X%02X\n", $4, $3, $2, $1 }'
}

# udp_bound I HEX: node I has a UDP socket bound to the address HEX
# (/proc/net/udp for IPv4; /proc/net/udp6 takes the full 32 hex digits)
udp_bound() {
	vs_exec "$1" cat /proc/net/udp /proc/net/udp6 2>/dev/null |
		awk -v a="$2" '{ split($2, l, ":"); if (l[1] == a) f = 1 } END { exit !f }'
}

# igmp_joined I HEX: node I's eth0 is in the IPv4 group HEX
igmp_joined() {
	vs_exec "$1" cat /proc/net/igmp 2>/dev/null |
		awk -v a="$2" '$2 == "eth0" { d = 1; next } /^[0-9]/ { d = 0 }
			d && $1 == a { f = 1 } END { exit !f }'
}

# mld_joined I HEX32: node I's eth0 is in the IPv6 group HEX32
mld_joined() {
	vs_exec "$1" cat /proc/net/igmp6 2>/dev/null |
		awk -v a="$2" '$2 == "eth0" && $3 == a { f = 1 } END { exit !f }'
}

# hex_v6 ADDR: the 32 hex digits of an IPv6 address, as /proc/net/igmp6
# prints them (only "ffXX::YYYY" forms are used here)
hex_v6() {
	echo "$1" | awk -F'::' '{ printf "%-4s%024d%4s\n", $1, 0, $2 }' |
		tr ' ' 0 | tr 'A-F' 'a-f'
}

# hex_v6_udp ADDR: as /proc/net/udp6 prints it (four 32-bit words, each
# read as a little-endian number)
hex_v6_udp() {
	hex_v6 "$1" | tr 'a-f' 'A-F' | awk '{
		for (w = 0; w < 4; w++)
			for (b = 3; b >= 0; b--)
				printf "%s", substr($0, 8 * w + 2 * b + 1, 2)
		printf "\n" }'
}

# learned_up N I: node I sees every other node of 1..N UP and learned
learned_up() {
	local j line
	j=1
	while [ $j -le "$1" ]; do
		if [ $j != "$2" ]; then
			line=$(vs_peer_line "$2" "$(vs_addr $j)")
			case "$line" in
			*" state=up "*" static=0"*) ;;
			*) return 1 ;;
			esac
		fi
		j=$((j + 1))
	done
}

all_learned_up() {	# all_learned_up N
	local i
	i=1
	while [ $i -le "$1" ]; do
		learned_up "$1" $i || return 1
		i=$((i + 1))
	done
}

peers_report() {	# peers_report I...
	local i
	for i in "$@"; do
		vs_nl "$i" peers 2>&1 | sed "s/^/# n$i peer: /"
	done
}

# cluster N GROUP: nodes 1..N, configured, no peers, each in GROUP
cluster() {
	local i
	i=1
	while [ $i -le "$1" ]; do
		vs_node_create $i > "$tmp/create" 2>&1 ||
			fail "node $i: $(tr '\n' '|' < "$tmp/create")" || return 1
		vs_node_config $i > "$tmp/create" 2>&1 ||
			fail "node $i config: $(tr '\n' '|' < "$tmp/create")" || return 1
		i=$((i + 1))
	done
	i=1
	while [ $i -le "$1" ]; do
		out=$(vs_ctl $i node set mcast "$2" 2>&1) ||
			fail "node $i: mcast $2 refused: $out" || return 1
		i=$((i + 1))
	done
}

# settle N: nodes 1..N learned each other and agree on one primary view
settle() {
	local nodes
	nodes=$(seq 1 "$1" | tr '\n' ' ')
	vs_wait_until "$VS_WAIT" all_learned_up "$1" || {
		# shellcheck disable=SC2086 # one node a word
		peers_report $nodes
		fail "not every node learned every other one UP"
		return 1
	}
	# shellcheck disable=SC2086 # one node a word
	vs_wait_until "$VS_WAIT" vs_agree primary "$nodes" $nodes || {
		vs_view_report $nodes
		fail "no primary view of $nodes"
		return 1
	}
}

# sequencer I: the first node of node I's view
sequencer() {
	vs_view_of "$1" | cut -d: -f2 | awk '{ print $1 }'
}

# t CMD...: run CMD in $out/$rc, for the refusal tests
t() {
	out=$("$@" 2>&1)
	rc=$?
}

# refused DESC PATTERN CMD...: CMD fails, saying PATTERN
refused() {
	local d p
	d=$1
	p=$2
	shift 2
	t "$@"
	[ $rc != 0 ] || fail "$d: accepted" || return 1
	echo "$out" | grep -q -- "$p" || fail "$d: '$out' lacks '$p'"
}

# --- members (the pattern of vsync_groups.sh) ---------------------------------

MEMBERS=""	# NAME:PID
dir=""

# member NAME NODE: vsync_member NAME on node NODE, the steady stream
member() {
	local pid
	vs_spawn "$2" "$1" "$MEMBER" -g mcast -o "$dir/$1.log" -d $DEADLINE \
		-n $NMSG -i $IVL -s $SIZE -m $CLASSES -x "$dir/stop"
	eval "pid=\$vs_pid_$1"
	MEMBERS="$MEMBERS $1:$pid"
}

# view_size NAME: members in the last view of NAME's log (0: none yet)
view_size() {
	local c
	c=$(awk '$1 == "V" { n = split($4, m, ",") } END { print n + 0 }' \
		"$dir/$1.log" 2>/dev/null)
	echo "${c:-0}"
}

in_view() {	# in_view K NAME...
	local k m
	k=$1
	shift
	for m in "$@"; do
		[ "$(view_size "$m")" = "$k" ] || return 1
	done
}

alive() {	# alive PID: runs (a zombie does not)
	local s
	s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}

none_alive() {
	local e
	for e in $MEMBERS; do
		! alive "${e#*:}" || return 1
	done
}

# finish: stop the stream, every member exits 0, vsync_check says OK
finish() {
	local e pid rc res
	: > "$dir/stop"
	vs_wait_until $T_EXIT none_alive
	for e in $MEMBERS; do
		pid=${e#*:}
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			fail "${e%%:*} did not exit"
		else
			wait "$pid"
			rc=$?
			[ $rc = 0 ] || fail "${e%%:*} exit $rc"
		fi
	done
	MEMBERS=""
	res=$("$CHECK" "$dir" 2>&1)
	rc=$?
	echo "$res" | sed 's/^/# /'
	[ $rc = 0 ] || fail "vsync_check exit $rc"
	[ -z "$why" ]
}

# group_run NAME NODE...: one member on each NODE, the stream, the check
group_run() {
	local i k name
	name=$1
	shift
	dir="$tmp/$name"
	mkdir -p "$dir"
	k=0
	for i in "$@"; do
		k=$((k + 1))
		member "$name$i" "$i"
	done
	# shellcheck disable=SC2046 # one name a word
	vs_wait_until $T_VIEW in_view $k $(for i in "$@"; do echo "$name$i"; done) ||
		fail "members not in one view of $k"
	finish
}

# --- tests ----------------------------------------------------------------------

t_v4_discovery() {
	VS_FAMILY=4
	cluster 3 $G4 && settle 3
}

t_v4_shown() {
	local h
	out=$(vs_ctl 1 node show 2>&1)
	echo "$out" | grep -q "^  mcast $G4 dev eth0$" ||
		fail "node show: $(echo "$out" | tr '\n' '|')"
	out=$(vs_ctl 2 -j node show 2>&1)
	echo "$out" | grep -q "\"mcast\":\"$G4\"" ||
		fail "-j node show: $out"
	echo "$out" | grep -q '"mcast_dev":"eth0"' ||
		fail "-j node show lacks mcast_dev: $out"
	h=$(hex_v4 $G4)
	udp_bound 3 "$h" || fail "node 3: no UDP socket on $G4"
	igmp_joined 3 "$h" || fail "node 3: eth0 not in $G4"
	[ -z "$why" ]
}

t_v4_group_works() {
	local s o0 o1 i
	s=$(sequencer 1)
	[ -n "$s" ] || fail "no sequencer" || return 1
	o0=$(vs_stat "$s" mcast_ordered)
	group_run a 1 2 3 || return 1
	o1=$(vs_stat "$s" mcast_ordered)
	echo "# sequencer n$s: mcast_ordered $o0 -> $o1, ordered $(vs_stat "$s" ordered), retransmit $(vs_stat "$s" retransmit)"
	[ "$o1" -gt "$o0" ] 2>/dev/null ||
		fail "mcast_ordered did not rise at sequencer $s ($o0 -> $o1)"
	for i in 1 2 3; do
		[ "$(vs_stat $i mcast_tx)" -gt 0 ] 2>/dev/null ||
			fail "n$i: mcast_tx 0"
		[ "$(vs_stat $i mcast_rx)" -gt 0 ] 2>/dev/null ||
			fail "n$i: mcast_rx 0"
	done
	[ -z "$why" ]
}

# 10% loss on every node's egress: what the group loses comes back by
# unicast (ACK with a gap, retransmission)
t_v4_lossy_group_works() {
	local i s r0 r1
	s=$(sequencer 1)
	for i in 1 2 3; do
		vs_netem_out $i loss 10% || fail "netem refused" || return 1
	done
	r0=$(vs_stat "$s" retransmit)
	group_run l 1 2 3
	r1=$(vs_stat "$s" retransmit)
	for i in 1 2 3; do vs_netem_clear $i; done
	echo "# sequencer n$s: retransmit $r0 -> $r1, mcast_ordered $(vs_stat "$s" mcast_ordered)"
	[ -z "$why" ]
}

t_v4_refused() {
	local g
	refused "unicast group" "not a multicast address" \
		vs_ctl 1 node set mcast 10.1.2.3
	refused "broadcast group" "not a multicast address" \
		vs_ctl 1 node set mcast 255.255.255.255
	refused "IPv6 group on an IPv4 node" "node address's family" \
		vs_ctl 1 node set mcast $G6
	refused "IPv6 address with the IPv4 group kept" "node address's family" \
		vs_ctl 1 node set addr fd00::1
	refused "bad text" "invalid multicast group" \
		vs_ctl 1 node set mcast 239.1.2
	refused "no CAP_NET_ADMIN" "CAP_NET_ADMIN" \
		vs_exec 1 "$NOCAP" "$VS_CTL" node set mcast none
	# a node with no address yet, then with the wildcard
	vs_node_create 4 || fail "node 4 not created" || return 1
	refused "no node address" "set the node address" \
		vs_ctl 4 node set mcast $G4
	refused "wildcard node address" "not the wildcard" \
		vs_ctl 4 node set addr 0.0.0.0 mcast $G4
	t vs_ctl 4 node show
	echo "$out" | grep -q "^  mcast none$" || fail "node 4: $(echo "$out" | tr '\n' '|')"
	echo "$out" | grep -q "^  addr none$" ||
		fail "node 4: the refused request set its address: $(echo "$out" | tr '\n' '|')"
	t vs_ctl 4 node set mcast none
	[ $rc = 0 ] || fail "mcast none on a node without address: $out"
	vs_node_kill 4
	g=$(vs_ctl 1 node show | sed -n 's/^  mcast //p')
	[ "$g" = "$G4 dev eth0" ] || fail "node 1's group after refusals: '$g'"
	[ -z "$why" ]
}

t_v4_none() {
	local h
	h=$(hex_v4 $G4)
	t vs_ctl 3 node set mcast none
	[ $rc = 0 ] || fail "mcast none: $out" || return 1
	t vs_ctl 3 node show
	echo "$out" | grep -q "^  mcast none$" || fail "show: $(echo "$out" | tr '\n' '|')"
	t vs_ctl 3 -j node show
	echo "$out" | grep -q '"mcast":null' || fail "-j show: $out"
	! udp_bound 3 "$h" || fail "node 3 still has a socket on $G4"
	! igmp_joined 3 "$h" || fail "node 3's eth0 still in $G4"
	# the others go on sending to the group, and node 3 is still known
	vs_wait_until "$VS_WAIT" vs_agree primary "1 2 3" 1 2 3 ||
		fail "view lost after node 3 left the group"
	[ -z "$why" ]
}

# node 3 without the group: the sequencer sends it new entries alone
t_v4_mixed_group_works() {
	local s u0 u1
	s=$(sequencer 1)
	[ "$s" != 3 ] || fail "node 3 is the sequencer: nothing to test" || return 1
	u0=$(vs_stat "$s" mcast_ordered)
	group_run b 1 2 3 || return 1
	u1=$(vs_stat "$s" mcast_ordered)
	echo "# sequencer n$s: mcast_ordered $u0 -> $u1, retransmit $(vs_stat "$s" retransmit)"
	[ "$u1" -gt "$u0" ] 2>/dev/null ||
		fail "mcast_ordered did not rise for nodes 1 and 2 ($u0 -> $u1)"
	[ -z "$why" ]
}

t_v4_rejoin() {
	local r0
	r0=$(vs_stat 3 mcast_rx)
	t vs_ctl 3 node set mcast $G4
	[ $rc = 0 ] || fail "mcast again: $out" || return 1
	vs_wait_until "$VS_WAIT" rx_grew 3 "$r0" || fail "node 3 hears the group no more"
	# the group given again is joined again, not twice
	t vs_ctl 3 node set mcast $G4
	[ $rc = 0 ] || fail "the same group again: $out"
	[ "$(vs_exec 3 cat /proc/net/udp | grep -c " $(hex_v4 $G4):")" = 1 ] ||
		fail "node 3: not one socket on $G4"
	[ -z "$why" ]
}

# node 3 moves to another address of the same interface: the group socket
# stays (one socket on the group), the others learn the new address
t_v4_addr_move() {
	local h r
	h=$(hex_v4 $G4)
	vs_exec 3 "$VS_IP" addr add 10.10.0.13/24 dev eth0 ||
		fail "second address not added" || return 1
	t vs_ctl 3 node set addr 10.10.0.13
	[ $rc = 0 ] || fail "addr move: $out" || return 1
	t vs_ctl 3 node show
	echo "$out" | grep -q "^  mcast $G4 dev eth0$" ||
		fail "group lost: $(echo "$out" | tr '\n' '|')"
	[ "$(vs_exec 3 cat /proc/net/udp | grep -c " $h:")" = 1 ] ||
		fail "node 3: not one socket on $G4"
	vs_wait_until "$VS_WAIT" peer_up_at 1 10.10.0.13 ||
		fail "node 1 did not learn 10.10.0.13"
	r=$(vs_stat 1 mcast_rx)
	vs_wait_until "$VS_WAIT" rx_grew 1 "$r" || fail "node 1 hears the group no more"
	vs_wait_until "$VS_WAIT" vs_agree primary "1 2 3" 1 2 3 || {
		vs_view_report 1 2 3
		fail "no primary view of 1 2 3 after the move"
	}
	[ -z "$why" ]
}

peer_up_at() {	# peer_up_at I ADDR: node I sees ADDR up, learned
	case "$(vs_peer_line "$1" "$2")" in
	*" state=up "*" static=0"*) return 0 ;;
	esac
	return 1
}

rx_grew() {	# rx_grew I OLD
	[ "$(vs_stat "$1" mcast_rx)" -gt "$2" ] 2>/dev/null
}

# a node whose netns goes with the group set: the others see it go
t_v4_netns_delete() {
	dmesg_mark
	vs_node_kill 2
	vs_wait_until "$VS_WAIT" vs_node_gone 2 || fail "node 2's netns not gone"
	vs_wait_until "$VS_WAIT" vs_agree primary "1 3" 1 3 ||
		fail "no primary view of 1 3 after node 2 went"
	vs_teardown
	vs_nap
	b=$(dmesg_bad)
	[ -z "$b" ] || fail "kernel: $b"
	[ -z "$why" ]
}

t_v6_discovery() {
	VS_FAMILY=6
	cluster 3 $G6 && settle 3 || return 1
	mld_joined 2 "$(hex_v6 $G6)" || fail "node 2's eth0 not in $G6"
	refused "interface-local IPv6 group" "scope" vs_ctl 1 node set mcast ff01::1
	refused "IPv4 group on an IPv6 node" "node address's family" \
		vs_ctl 1 node set mcast $G4
	[ -z "$why" ]
}

# every node moves to a link-scope group: still heard through it
t_v6_link_scope_group() {
	local i r
	for i in 1 2 3; do
		t vs_ctl $i node set mcast $G6LINK
		[ $rc = 0 ] || fail "n$i: mcast $G6LINK: $out" || return 1
	done
	mld_joined 1 "$(hex_v6 $G6LINK)" || fail "node 1's eth0 not in $G6LINK"
	udp_bound 1 "$(hex_v6_udp $G6LINK)" || fail "node 1 not bound to $G6LINK"
	! udp_bound 1 "$(hex_v6_udp $G6)" || fail "node 1 still bound to $G6"
	r=$(vs_stat 2 mcast_rx)
	vs_wait_until "$VS_WAIT" rx_grew 2 "$r" || fail "node 2 hears nothing on $G6LINK"
	vs_wait_until "$VS_WAIT" vs_agree primary "1 2 3" 1 2 3 || fail "view lost"
	[ -z "$why" ]
}

t_v6_group_works() {
	local s o0 o1
	s=$(sequencer 1)
	o0=$(vs_stat "$s" mcast_ordered)
	group_run c 1 2 3 || return 1
	o1=$(vs_stat "$s" mcast_ordered)
	echo "# sequencer n$s: mcast_ordered $o0 -> $o1, retransmit $(vs_stat "$s" retransmit)"
	[ "$o1" -gt "$o0" ] 2>/dev/null || fail "mcast_ordered did not rise ($o0 -> $o1)"
	[ -z "$why" ]
}

t_rmmod_with_group_set() {
	dmesg_mark
	vs_teardown
	VS_FAMILY=4
	cluster 2 $G4 && settle 2 || return 1
	i=0
	while ! rmmod af_vsync > "$tmp/rmmod.out" 2>&1; do
		i=$((i + 1))
		[ $i -ge 100 ] && break
		vs_nap
	done
	! loaded || fail "rmmod: $(cat "$tmp/rmmod.out")"
	loaded || insmod "$KO" > "$tmp/insmod.out" 2>&1 ||
		fail "insmod again: $(cat "$tmp/insmod.out")"
	loaded || fail "not loaded after insmod" || return 1
	t vs_ctl 1 node show
	echo "$out" | grep -q "^  mcast none$" || fail "node 1 after reload: $(echo "$out" | tr '\n' '|')"
	vs_teardown
	vs_nap
	b=$(dmesg_bad)
	[ -z "$b" ] || fail "kernel: $b"
	[ -z "$why" ]
}

TESTS="v4_discovery v4_shown v4_group_works v4_lossy_group_works v4_refused v4_none
v4_mixed_group_works v4_rejoin v4_addr_move v4_netns_delete v6_discovery
v6_link_scope_group v6_group_works rmmod_with_group_set"

echo "TAP version 13"
echo "1..$(echo "$TESTS" | wc -w)"
loaded || insmod "$KO" > /dev/null 2>&1
for name in $TESTS; do
	run "$name"
done
vs_teardown
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
