#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Node membership: clusters of 3 and 5 netns nodes agree on one node view
# (same id, same nodes by rank); crashes of a member and of the coordinator,
# a 3|2 partition (majority primary, minority not) and its heal, and a node
# restarted with the same id, each end in one agreed view.  KTAP output.
# Every wait is bounded; nothing here asserts how long a change took.

VS_BIN=${VS_BIN:-$(dirname "$0")}
. "$VS_BIN/vsync_cluster_lib.sh"

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); echo "not ok $n $*"; fail=1; }
check() {	# check DESC CMD...
	_d=$1
	shift
	if "$@"; then ok "$_d"; else nok "$_d"; fi
}

view_id_of() {
	vs_view_of "$1" | cut -d' ' -f1
}

echo "TAP version 13"
trap vs_teardown EXIT

# --- three nodes --------------------------------------------------------------
vs_cluster_create 3 || nok "cluster of 3 created"
if vs_wait_until 30 vs_agree primary "1 2 3" 1 2 3; then
	ok "3 nodes: one primary view 1 2 3"
else
	vs_view_report 1 2 3
	nok "3 nodes: one primary view 1 2 3"
fi
check "coordinator is node 1" sh -c \
	"$VS_IP netns exec n2 $VS_CTL node show | grep -q 'coordinator 1 '"

# loss, duplication and reordering on every link: the view still settles
for i in 1 2 3; do vs_netem $i loss 30% duplicate 10% delay 5ms 5ms; done
vs_node_kill 3
if vs_wait_until 60 vs_agree primary "1 2" 1 2; then
	ok "30% loss, duplicates, reordering: crash of 3 agreed"
else
	vs_view_report 1 2
	nok "30% loss, duplicates, reordering: crash of 3 agreed"
fi
vs_node_create 3 && vs_node_config 3 &&
	for j in 1 2; do vs_node_peer_add 3 $j; done
vs_netem 3 loss 30% duplicate 10% delay 5ms 5ms
if vs_wait_until 60 vs_agree primary "1 2 3" 1 2 3; then
	ok "30% loss: restarted 3 joined again"
else
	vs_view_report 1 2 3
	nok "30% loss: restarted 3 joined again"
fi
vs_teardown

# --- five nodes: crashes, partition, restart ------------------------------------
vs_cluster_create 5 || nok "cluster of 5 created"
if vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5; then
	ok "5 nodes: one primary view"
else
	vs_view_report 1 2 3 4 5
	nok "5 nodes: one primary view"
fi

old=$(view_id_of 2)
vs_node_kill 3
if vs_wait_until 30 vs_agree primary "1 2 4 5" 1 2 4 5; then
	ok "member 3 crashed: view 1 2 4 5"
else
	vs_view_report 1 2 4 5
	nok "member 3 crashed: view 1 2 4 5"
fi
new=$(view_id_of 2)
check "view id grew after the crash" [ "$(printf '%d' "$new")" -gt "$(printf '%d' "$old")" ]

# node 3 comes back with the same id: it joins at the end of the view
vs_node_create 3 && vs_node_config 3 &&
	for j in 1 2 4 5; do vs_node_peer_add 3 $j; done
if vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5; then
	ok "node 3 restarted: back in the view"
else
	vs_view_report 1 2 3 4 5
	nok "node 3 restarted: back in the view"
fi
check "a restarted node joins last, the oldest stays first" \
	[ "$(vs_view_of 2 | cut -d: -f2)" = " 1 2 4 5 3" ]

vs_node_kill 1
if vs_wait_until 30 vs_agree primary "2 4 5 3" 2 3 4 5; then
	ok "coordinator 1 crashed: view of the others"
else
	vs_view_report 2 3 4 5
	nok "coordinator 1 crashed: view of the others"
fi
check "ranks kept after the coordinator crash" \
	[ "$(vs_view_of 3 | cut -d: -f2)" = " 2 4 5 3" ]
check "node 2 coordinates" sh -c \
	"$VS_IP netns exec n4 $VS_CTL node show | grep -q 'coordinator 2 '"

# partition {2,4} | {5,3}: neither side holds a majority of 4
vs_split 5 3
if vs_wait_until 30 vs_agree non-primary "2 4" 2 4 &&
   vs_wait_until 30 vs_agree non-primary "3 5" 3 5; then
	ok "2|2 partition: both sides non-primary"
else
	vs_view_report 2 3 4 5
	nok "2|2 partition: both sides non-primary"
fi
vs_unsplit 5 3
if vs_wait_until 30 vs_agree primary "2 3 4 5" 2 3 4 5; then
	ok "healed: one primary view again"
else
	vs_view_report 2 3 4 5
	nok "healed: one primary view again"
fi

# partition 3|1 after node 1 is back: {2,4,3} keep primary, {5} does not
vs_node_create 1 && vs_node_config 1 &&
	for j in 2 3 4 5; do vs_node_peer_add 1 $j; done
if vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5; then
	ok "node 1 restarted: joined, node 2 stays coordinator"
else
	vs_view_report 1 2 3 4 5
	nok "node 1 restarted: joined, node 2 stays coordinator"
fi
check "old coordinator rejoins last" \
	[ "$(vs_view_of 4 | awk '{print $NF}')" = 1 ]
vs_split 5 1
if vs_wait_until 30 vs_agree primary "2 4 3" 2 3 4 &&
   vs_wait_until 30 vs_agree non-primary "1 5" 1 5; then
	ok "3|2 partition: majority primary, minority not"
else
	vs_view_report 1 2 3 4 5
	nok "3|2 partition: majority primary, minority not"
fi
vs_unsplit 5 1
if vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5; then
	ok "3|2 healed: minority back in the primary view"
else
	vs_view_report 1 2 3 4 5
	nok "3|2 healed: minority back in the primary view"
fi

vs_teardown

# Cascading partitions must never leave two primary views.  {1 2 3} | {4 5}:
# {1 2 3} is primary.  Then node 1 is cut off: {2 3} is primary (2 of 3).
# Node 1 then meets {4 5}: {1 4 5} holds 3 of the first view's 5 nodes, but
# only 1 of the last primary {1 2 3}, which node 1 knows of and reports in
# its ACCEPT, so it must not be primary while {2 3} is.
vs_cluster_create 5 || nok "cluster of 5 created"
vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5 ||
	vs_view_report 1 2 3 4 5
vs_split 4 5
vs_wait_until 30 vs_agree primary "1 2 3" 1 2 3 ||
	vs_view_report 1 2 3 4 5
vs_cut 1
if vs_wait_until 30 vs_agree primary "2 3" 2 3 &&
   vs_wait_until 30 vs_agree non-primary "1" 1; then
	ok "cascade: {2 3} primary after {1 2 3}, node 1 alone not"
else
	vs_view_report 1 2 3 4 5
	nok "cascade: {2 3} primary after {1 2 3}, node 1 alone not"
fi
vs_split 1
vs_heal 1
if vs_wait_until 30 vs_agree non-primary "1 4 5" 1 4 5 &&
   vs_agree primary "2 3" 2 3; then
	ok "cascade: {1 4 5} not primary while {2 3} is"
else
	vs_view_report 1 2 3 4 5
	nok "cascade: {1 4 5} not primary while {2 3} is"
fi
vs_unsplit 1 4 5
if vs_wait_until 30 vs_agree primary "1 2 3 4 5" 1 2 3 4 5; then
	ok "cascade healed: one primary view of all five"
else
	vs_view_report 1 2 3 4 5
	nok "cascade healed: one primary view of all five"
fi

vs_teardown
trap - EXIT
if dmesg | grep -E "WARNING:|BUG:|Oops" > /dev/null; then
	nok "kernel log clean"
else
	ok "kernel log clean"
fi
echo "1..$n"
exit $fail
