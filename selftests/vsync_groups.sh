#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Groups across nodes: members (vsync_member, one process each) on several
# netns nodes send a steady stream in mixed ordering classes while nodes
# lose, duplicate and reorder packets, crash, restart, or are cut off by a
# partition.  Each scenario logs every member's events into a directory of
# its own and runs vsync_check on it; a scenario passes when the checker
# says OK and every member that should finish exited 0 (a member cut off on
# the minority side of a partition: 3, after its non-primary view).  Output
# is KTAP, with the checker's verdict line per scenario as a diagnostic.
#
#   a  3 nodes, one member each, steady traffic
#   b  5 nodes, two members on some of them
#   c  10% loss on every link
#   d  30% loss, 10% duplicates, reordering on every link
#   e  crash of a node that does not coordinate, mid-stream
#   f  crash of the coordinator (node 1), mid-stream
#   g  crash during a view change: a second node dies right after the first
#   h  partition 3|2: the minority gets a non-primary view and exits 3, the
#      majority goes on; healed, new members join on the healed nodes
#   i  short-lived members join and leave during the stream
#   j  a node restarts with the same node id and a new member joins there
#   k  3 nodes, one member each, while a host outside the cluster floods
#      every node with ordering packets (vsync_inject): well-formed ones
#      from its own node id with random epochs and positions, and damaged
#      ones.  Nothing of them may be delivered or join the group, the
#      nodes keep their view while the flood lasts and agree on one
#      primary view of the three after it, and their drop counters rise.
#   l  5 nodes: node 3 crashes, and the coordinator (node 1) crashes in
#      the view change that follows; the next node by rank completes it
#   m  3 nodes, messages of 2 to 6 MiB (in pieces) under 10% loss, in
#      every ordering class
#   n  causal chains across 3 nodes (vsync_member -c: every message
#      carries its sender's causal vector) under delay and reordering
#   o  a member on node 3 stops reading (vsync_member -z): its group is
#      held up, then net.vsync.reader_timeout_ms (1.5 s here) puts it out;
#      it exits 6 and the others go on in a view without it
#   p  node 3 cannot send (its acknowledgements are lost) while a member
#      sends SAFE messages and another FIFO and CAUSAL ones, all with
#      causal vectors: the SAFE ones wait to be stable, the FIFO and
#      CAUSAL ones are delivered ahead of them (a delivery of each class
#      numbered above a SAFE one read after it shows it); healed, all goes
#   q  a reader on node 2 stops, and nothing puts it out (reader timeout
#      0): its group waits there, but members of another group on the
#      same nodes join, exchange their stream and leave meanwhile
#   r  the coordinator (node 1) loses all it sends, but hears the others:
#      they go on as the primary view {2,3}, and node 1 must learn it from
#      their heartbeats, install a non-primary view of its own (its member
#      exits 3) instead of staying primary in the old view; healed, it
#      joins their view and a new member joins there
#
# usage: vsync_groups.sh [-1] [SCENARIO...]
#   -1         one-node variant: every member in node 1; node crashes kill
#              that node's members only, partitions are skipped, and the
#              checker runs with -1.  It checks the members, the checker
#              and this script on a kernel whose groups are per node.
#   SCENARIO   letters of the scenarios to run (default: all)
#
# Every wait is bounded and nothing asserts how long anything took.
# Environment: VS_BIN (vsync_member, vsync_check, vsyncctl, vsync_inject;
# default: this script's directory), VS_* of vsync_cluster_lib.sh,
# VSYNC_GROUPS_BUDGET (seconds the whole run may take before the remaining
# scenarios are reported as not run; default 560).
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it

VS_BIN=${VS_BIN:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=vsync_cluster_lib.sh
. "$VS_BIN/vsync_cluster_lib.sh"

MEMBER=$VS_BIN/vsync_member
CHECK=$VS_BIN/vsync_check
INJECT=$VS_BIN/vsync_inject
BUDGET=${VSYNC_GROUPS_BUDGET:-560}

# The stream: NMSG messages a member, IVL us apart, sizes around SIZE, in
# every class.  Bounds, in seconds: a member's own deadline, then waits
# for a node view, a member view, member exits.
NMSG=60
IVL=20000
SIZE=200
CLASSES=fifo,total,safe,causal,default
DEADLINE=$(vs_slow 150)
T_NODES=30
T_VIEW=20
T_EXIT=60
# scenario k: each node gets K_RATE packets a second; the views are read
# once K_SEEN of them were dropped there, and again after K_DROPS
K_RATE=500
K_SEEN=100
K_DROPS=600

ONE=0
while getopts 1 o; do
	case $o in
	1) ONE=1 ;;
	*) echo "usage: $0 [-1] [SCENARIO...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SCENS=${*:-a b c d e f g h i j k l m n o p q r}
CHECK_OPT=""
[ $ONE = 1 ] && CHECK_OPT=-1

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_groups.XXXXXX") || exit 1
cleanup() {
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

t_start=$(date +%s)
n=0
failed=0

# --- members ------------------------------------------------------------------
# MEMBERS holds one NAME:NODE:PID:EXPECT entry per member of the scenario;
# EXPECT is the exit status it must end with (0, or 3 for a minority
# member), "kill" once its node crashed, "reaped" once it was waited for.
# Logs are $dir/NAME.log.

MEMBERS=""
dir=""
group=""
why=""

# member NAME NODE EXPECT ARGS...: start vsync_member NAME on node NODE
member() {
	local name node pid want where
	name=$1
	node=$2
	want=$3
	where=$2
	[ $ONE = 1 ] && where=1
	shift 3
	vs_spawn "$where" "$name" "$MEMBER" -g "$group" -o "$dir/$name.log" \
		-d $DEADLINE "$@"
	eval "pid=\$vs_pid_$name"
	MEMBERS="$MEMBERS $name:$node:$pid:$want"
}

# steady NAME NODE [ARGS...]: a member of the steady stream, left with the
# scenario's stop file
steady() {
	local name node
	name=$1
	node=$2
	shift 2
	member "$name" "$node" 0 -n $NMSG -i $IVL -s $SIZE -m $CLASSES \
		-x "$dir/stop" "$@"
}

# field ENTRY N: field N of a MEMBERS entry
field() {
	echo "$1" | cut -d: -f"$2"
}

# expect NAME WHAT: NAME must now end with WHAT
expect() {
	local e l
	l=""
	for e in $MEMBERS; do
		case "$e" in
		"$1":*) e=$(echo "$e" | cut -d: -f1-3):$2 ;;
		esac
		l="$l $e"
	done
	MEMBERS=$l
}

pid_of() {
	local e
	for e in $MEMBERS; do
		case "$e" in "$1":*) field "$e" 3; return ;; esac
	done
}

# alive PID: the process runs (a zombie does not)
alive() {
	local s
	s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}

# view_size NAME: the member count of the last view in NAME's log (0:
# none yet, or no log yet)
view_size() {
	local c
	c=$(awk '$1 == "V" { n = split($4, m, ",") } END { print n + 0 }' \
		"$dir/$1.log" 2>/dev/null)
	echo "${c:-0}"
}

# in_view K NAME...: the last view of each NAME has K members
in_view() {
	local k m
	k=$1
	shift
	for m in "$@"; do
		[ "$(view_size "$m")" = "$k" ] || return 1
	done
}

joined() {	# joined NAME: NAME read its first view
	[ "$(view_size "$1")" -gt 0 ]
}

# delivered K NAME...: each NAME delivered K messages or more
delivered() {
	local c k m
	k=$1
	shift
	for m in "$@"; do
		c=$(grep -c '^D ' "$dir/$m.log" 2>/dev/null)
		[ "${c:-0}" -ge "$k" ] || return 1
	done
}

exited() {	# exited NAME...: none of them runs
	local m
	for m in "$@"; do
		! alive "$(pid_of "$m")" || return 1
	done
}

# wait_view K NAME...: bounded wait until every NAME is in a view of K
wait_view() {
	local m
	vs_wait_until $T_VIEW in_view "$@" && return 0
	why="no view of $1 members; last views:"
	shift
	for m in "$@"; do
		why="$why $m:$(view_size "$m")"
	done
	return 1
}

# wait_traffic NAME...: bounded wait until the stream flows (mid-stream)
wait_traffic() {
	vs_wait_until $T_VIEW delivered 10 "$@" && return 0
	why="no traffic at $*"
	return 1
}

# reap NAME...: wait (bounded) for NAME... to exit; each must end as its
# entry says.  Stragglers are killed.
reap() {
	local e m pid rc want
	vs_wait_until $T_EXIT exited "$@"
	for m in "$@"; do
		for e in $MEMBERS; do
			case "$e" in "$m":*) ;; *) continue ;; esac
			pid=$(field "$e" 3)
			want=$(field "$e" 4)
			[ "$want" = kill ] && continue
			if alive "$pid"; then
				kill -KILL "$pid" 2>/dev/null
				wait "$pid" 2>/dev/null
				rc=timeout
			else
				wait "$pid"
				rc=$?
			fi
			if [ "$rc" != "$want" ]; then
				why="${why:+$why; }$m exit $rc, wanted $want"
			fi
			expect "$m" reaped
		done
	done
	[ -z "$why" ]
}

# all_members: the names of the members still expected to end
all_members() {
	local e
	for e in $MEMBERS; do
		case "$(field "$e" 4)" in kill|reaped) ;; *) field "$e" 1 ;; esac
	done
}

# finish: stop the steady stream, wait for every member, check the logs
finish() {
	local out rc
	: > "$dir/stop"
	# shellcheck disable=SC2046 # one name a word
	reap $(all_members)
	out=$("$CHECK" $CHECK_OPT "$dir" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/# $scen: /"
	[ $rc = 0 ] && [ -z "$why" ] && return 0
	[ $rc = 0 ] || why="${why:+$why; }vsync_check exit $rc"
	# the logs die with the VM: show the lines around a violation
	echo "$out" | sed -n 's/.* at \([^ ]*\):\([0-9]*\)$/\1 \2/p' |
		while read -r f l; do
			sed -n "$((l > 5 ? l - 5 : 1)),$((l + 2))p" "$f" |
				sed "s|^|# $scen: ${f##*/}: |"
		done
	return 1
}

# --- nodes ---------------------------------------------------------------------

# cluster N: nodes 1..N (only node 1 with -1), their node view settled
cluster() {
	local nodes
	[ $ONE = 1 ] && set -- 1
	vs_cluster_create "$1" || { why="cluster of $1 not created"; return 1; }
	nodes=$(seq 1 "$1" | tr '\n' ' ')
	# shellcheck disable=SC2086 # one node a word
	settle "$nodes" $nodes
}

# settle "NODES" I...: nodes I... agree on one primary view of NODES
settle() {
	[ $ONE = 1 ] && return 0
	vs_wait_until $T_NODES vs_agree primary "$@" && return 0
	shift
	vs_view_report "$@"
	why="node view of $* did not settle"
	return 1
}

# crash I: node I dies with its members (with -1: its members die)
crash() {
	local e
	for e in $MEMBERS; do
		[ "$(field "$e" 2)" = "$1" ] || continue
		if [ $ONE = 1 ]; then
			kill -KILL "$(field "$e" 3)" 2>/dev/null
			wait "$(field "$e" 3)" 2>/dev/null
		fi
		expect "$(field "$e" 1)" kill
	done
	[ $ONE = 1 ] || vs_node_kill "$1"
}

# restart I "PEERS": node I comes back with the same id and its peers
restart() {
	local j
	[ $ONE = 1 ] && return 0
	vs_node_create "$1" && vs_node_config "$1" || return 1
	for j in $2; do
		vs_node_peer_add "$1" "$j" || return 1
	done
}

# netem_all N ARGS...: netem ARGS on the egress of nodes 1..N
netem_all() {
	local k n
	n=$1
	shift
	[ $ONE = 1 ] && n=1
	for k in $(seq 1 "$n"); do
		vs_netem_out "$k" "$@" || { why="netem $* refused"; return 1; }
	done
}

# --- scenarios -----------------------------------------------------------------

scen_a() {	# 3 nodes, one member each
	cluster 3 || return 1
	steady a1 1
	steady a2 2
	steady a3 3
	wait_view 3 a1 a2 a3 && finish
}

scen_b() {	# 5 nodes, 7 members
	cluster 5 || return 1
	steady b1 1
	steady b2 2
	steady b3 2
	steady b4 3
	steady b5 4
	steady b6 4
	steady b7 5
	wait_view 7 b1 b2 b3 b4 b5 b6 b7 && finish
}

scen_c() {	# 10% loss
	cluster 3 || return 1
	netem_all 3 loss 10% || return 1
	steady c1 1
	steady c2 2
	steady c3 3
	steady c4 3
	wait_view 4 c1 c2 c3 c4 && finish
}

scen_m() {	# messages of 2 to 6 MiB, in pieces, under 10% loss
	cluster 3 || return 1
	netem_all 3 loss 10% || return 1
	member m1 1 0 -n 2 -i 200000 -s 4194304 -m total,safe -x "$dir/stop"
	member m2 2 0 -n 2 -i 200000 -s 4194304 -m fifo,causal -x "$dir/stop"
	member m3 3 0 -n 1 -s 4194304 -x "$dir/stop"
	wait_view 3 m1 m2 m3 && finish
}

scen_n() {	# causal chains across 3 nodes under reordering
	cluster 3 || return 1
	netem_all 3 delay 5ms reorder 30% duplicate 5% || return 1
	steady n1 1 -c -m causal
	steady n2 2 -c -m causal,fifo
	steady n3 3 -c -m causal,total
	wait_view 3 n1 n2 n3 && finish
}

scen_o() {	# a reader that stops holds the group up, then is put out
	local i
	cluster 3 || return 1
	for i in 1 2 3; do
		[ $ONE = 1 ] && [ $i != 1 ] && break
		vs_sysctl_set "$i" reader_timeout_ms 1500 ||
			{ why="reader_timeout_ms refused"; return 1; }
	done
	steady o1 1
	steady o2 2
	member o3 3 6 -z
	vs_wait_until $T_VIEW joined o3 || { why="o3 did not join"; return 1; }
	# put out (quickly: it may never see the others' views): they go on
	# in a view without it
	i=3
	[ $ONE = 1 ] && i=1
	vs_wait_until $T_EXIT evicted "$i" ||
		{ why="reader_evicted is $(vs_stat $i reader_evicted)"; return 1; }
	wait_view 2 o1 o2 && finish
}

# sent_more NAME N: NAME logged more than N sends
sent_more() {
	[ "$(grep -c '^S ' "$dir/$1.log")" -gt "$2" ]
}

# ahead NAME CLASS: SAFE deliveries in NAME's log that one of CLASS
# (1 FIFO, 2 CAUSAL) numbered after them went ahead of
ahead() {
	awk -v c="$2" '$1 == "D" && $6 == c && $5 > top { top = $5 }
	     $1 == "D" && $6 == 4 && $5 < top { n++ }
	     END { print n + 0 }' "$dir/$1.log"
}

scen_p() {	# FIFO messages go ahead of SAFE ones that wait for node 3
	local i
	cluster 3 || return 1
	for i in 1 2 3; do
		vs_sysctl_set "$i" suspect_ms 30000 ||
			{ why="suspect_ms refused"; return 1; }
	done
	# both send for 12 s, whenever the cut comes
	member p1 1 0 -n 15 -i 800000 -m safe -c -x "$dir/stop"
	member p2 2 0 -n 600 -i 20000 -m fifo,causal -c -x "$dir/stop"
	member p3 3 0 -n 0 -c -x "$dir/stop"
	wait_view 3 p1 p2 p3 || return 1
	# node 3 hears all but says nothing: nothing becomes stable.  A SAFE
	# message sent after that waits at every node while FIFO and CAUSAL
	# ones go on (20 at p3), until the heal.
	vs_netem_out 3 loss 100% || { why="netem refused"; return 1; }
	i=$(grep -c '^S ' "$dir/p1.log")
	vs_wait_until $T_VIEW sent_more p1 "$i" ||
		{ why="p1 sent nothing after the cut"; return 1; }
	i=$(grep -c '^D ' "$dir/p3.log")
	vs_wait_until $T_VIEW delivered $((i + 20)) p3 ||
		{ why="FIFO and CAUSAL messages did not flow"; return 1; }
	vs_netem_clear 3
	finish || return 1
	for i in p1 p2 p3; do
		echo "# p: $i: SAFE deliveries passed by FIFO ones $(ahead $i 1), by CAUSAL ones $(ahead $i 2)"
		[ "$(ahead $i 1)" -gt 0 ] && [ "$(ahead $i 2)" -gt 0 ] ||
			why="${why:+$why; }not passed at $i"
	done
	[ -z "$why" ]
}

scen_r() {	# node 1 cut off one way: it must not stay primary
	cluster 3 || return 1
	member r1 1 3 -n $((NMSG * 4)) -i $IVL -s $SIZE -m $CLASSES -x "$dir/stop"
	steady r2 2 -n $((NMSG * 4))
	steady r3 3 -n $((NMSG * 4))
	wait_view 3 r1 r2 r3 && wait_traffic r1 r2 r3 || return 1
	vs_netem_out 1 loss 100% || { why="netem refused"; return 1; }
	settle "2 3" 2 3 || return 1
	vs_wait_until $T_NODES vs_agree non-primary 1 1 || {
		vs_view_report 1 2 3
		why="node 1 did not leave the old view"
		return 1
	}
	reap r1 || return 1
	vs_netem_clear 1
	settle "1 2 3" 1 2 3 || return 1
	steady r4 1 -r
	wait_view 3 r2 r3 r4 && finish
}

scen_q() {	# a stuck reader holds up its own group, not another one
	local i
	cluster 2 || return 1
	i=2
	[ $ONE = 1 ] && i=1
	vs_sysctl_set "$i" reader_timeout_ms 0 ||
		{ why="reader_timeout_ms refused"; return 1; }
	member qa2 2 kill -z
	vs_wait_until $T_VIEW joined qa2 || { why="qa2 did not join"; return 1; }
	member qa1 1 0 -n 40 -s 1000 -x "$dir/stop"
	vs_wait_until $T_VIEW joined qa1 || { why="qa1 did not join"; return 1; }
	steady qb1 1 -g "$group-b"
	steady qb2 2 -g "$group-b"
	wait_view 2 qb1 qb2 || return 1
	: > "$dir/stop"
	reap qb1 qb2 || return 1
	kill -KILL "$(pid_of qa2)" 2>/dev/null
	wait "$(pid_of qa2)" 2>/dev/null
	finish
}

scen_d() {	# 30% loss, duplicates, reordering
	cluster 3 || return 1
	netem_all 3 loss 30% duplicate 10% delay 5ms reorder 25% || return 1
	steady d1 1
	steady d2 2
	steady d3 3
	wait_view 3 d1 d2 d3 && finish
}

scen_e() {	# crash of node 3 (two members) mid-stream
	cluster 3 || return 1
	steady e1 1
	steady e2 2
	steady e3 3
	steady e4 3
	wait_view 4 e1 e2 e3 e4 && wait_traffic e1 e2 || return 1
	crash 3
	settle "1 2" 1 2 && wait_view 2 e1 e2 && finish
}

scen_f() {	# crash of the coordinator mid-stream
	cluster 3 || return 1
	steady f1 1
	steady f2 2
	steady f3 3
	wait_view 3 f1 f2 f3 && wait_traffic f2 f3 || return 1
	crash 1
	settle "2 3" 2 3 && wait_view 2 f2 f3 && finish
}

scen_g() {	# crash during the view change that a crash started
	cluster 5 || return 1
	steady g1 1
	steady g2 2
	steady g3 3
	steady g4 4
	steady g5 5
	wait_view 5 g1 g2 g3 g4 g5 && wait_traffic g1 g2 g5 || return 1
	crash 3
	vs_nap
	crash 4
	settle "1 2 5" 1 2 5 && wait_view 3 g1 g2 g5 && finish
}

scen_l() {	# the coordinator crashes in the view change a crash started
	cluster 5 || return 1
	steady l1 1
	steady l2 2
	steady l3 3
	steady l4 4
	steady l5 5
	wait_view 5 l1 l2 l3 l4 l5 && wait_traffic l1 l2 l5 || return 1
	crash 3
	# node 1 suspects node 3 after suspect_ms and proposes: die then
	sleep "$(awk -v ms="$VS_SUSPECT_MS" 'BEGIN { printf "%.2f", ms / 1000 + 0.1 }')" 2>/dev/null ||
		sleep 1
	crash 1
	settle "2 4 5" 2 4 5 && wait_view 3 l2 l4 l5 && finish
}

scen_h() {	# partition 3|2, heal, rejoin
	cluster 5 || return 1
	steady h1 1 -n $((NMSG * 3))
	steady h2 2 -n $((NMSG * 3))
	steady h3 3 -n $((NMSG * 3))
	member h4 4 3 -n $NMSG -i $IVL -s $SIZE -m $CLASSES -x "$dir/stop"
	member h5 4 3 -n $NMSG -i $IVL -s $SIZE -m $CLASSES -x "$dir/stop"
	member h6 5 3 -n $NMSG -i $IVL -s $SIZE -m $CLASSES -x "$dir/stop"
	wait_view 6 h1 h2 h3 h4 h5 h6 && wait_traffic h1 h4 h6 || return 1
	vs_split 4 5
	# the minority reads its non-primary view, then the end: exit 3
	reap h4 h5 h6 || return 1
	settle "1 2 3" 1 2 3 && wait_view 3 h1 h2 h3 || return 1
	vs_unsplit 4 5
	settle "1 2 3 4 5" 1 2 3 4 5 || return 1
	steady h7 4 -r
	steady h8 5 -r
	wait_view 5 h1 h2 h3 h7 h8 && finish
}

scen_i() {	# short-lived members come and go during the stream
	local r
	cluster 3 || return 1
	steady i1 1 -n $((NMSG * 2))
	steady i2 2 -n $((NMSG * 2))
	steady i3 3 -n $((NMSG * 2))
	wait_view 3 i1 i2 i3 && wait_traffic i1 || return 1
	for r in 1 2 3; do
		# one leaves after its sends, one when told to
		member "i${r}a" $((r % 3 + 1)) 0 -n 5 -i 10000 -s 100 -m $CLASSES
		member "i${r}b" $(((r + 1) % 3 + 1)) 0 -n 3 -s 50 -m total \
			-x "$dir/stop$r"
		vs_wait_until $T_VIEW joined "i${r}b" ||
			{ why="i${r}b never joined"; return 1; }
		: > "$dir/stop$r"
		reap "i${r}a" "i${r}b" || return 1
	done
	finish
}

scen_j() {	# node 3 restarts with the same id; a member joins there
	cluster 3 || return 1
	steady j1 1
	steady j2 2
	steady j3 3
	wait_view 3 j1 j2 j3 && wait_traffic j1 j2 || return 1
	crash 3
	settle "1 2" 1 2 && wait_view 2 j1 j2 || return 1
	restart 3 "1 2" || { why="node 3 not restarted"; return 1; }
	settle "1 2 3" 1 2 3 || return 1
	steady j4 3 -r
	wait_view 3 j1 j2 j4 && finish
}

# inj_down I: node I holds the injector for down, or does not know it
inj_down() {
	! vs_nl "$1" peers 2>/dev/null | grep "^addr=$(vs_inj_addr "$VS_FAMILY") " |
		grep -qv ' state=down '
}

# stranger_free I: node I's group has our three members and no more: a
# JOIN applied from the injector's packets would add one (of its node, of
# another, or of node I with a port no socket of it has)
stranger_free() {
	vs_ctl "$1" group show "$group" 2>/dev/null | grep -q "^group .* members 3\$"
}

scen_k() {	# a stranger floods every node with ordering packets
	local i n0 nodes p pids sent v0
	cluster 3 || return 1
	steady k1 1
	steady k2 2
	steady k3 3
	wait_view 3 k1 k2 k3 && wait_traffic k1 k2 k3 || return 1
	nodes="1 2 3"
	[ $ONE = 1 ] && nodes=1
	v0=$(vs_view_of 1)
	vs_inj_create "$VS_FAMILY" || { why="no injector netns"; return 1; }
	pids=""
	for i in $nodes; do
		vs_stats "$i" > "$dir/n$i.stats0"
		# until told to stop (-T is only a bound); the members go on
		$VS_IP netns exec inj "$INJECT" -t "$(vs_addr "$i")" -c "$VS_CLUSTER" \
			-d "$i" -T $((T_VIEW * 4)) -R $K_RATE -g "$group" -r $((30 + i)) \
			-k stranger_order,stranger_submit,stranger_ack,mutant_cut,mutant_flip \
			> "$dir/inj$i.out" 2>&1 &
		pids="$pids $!"
	done
	# mid-flood, twice: the stranger never accepts a view, so the view
	# it was proposed into is never installed: the nodes keep theirs;
	# and no JOIN of it reached the group
	for n0 in $K_SEEN $K_DROPS; do
		for i in $nodes; do
			vs_wait_until $T_VIEW drops_grew "$i" "$n0" ||
				why="${why:+$why; }n$i: drops grew by $(drops_grew "$i"), waited for $n0"
		done
		for i in $nodes; do
			[ "$(vs_view_of "$i")" = "$v0" ] ||
				why="${why:+$why; }n$i left view '$v0' for '$(vs_view_of "$i")'"
			stranger_free "$i" ||
				why="${why:+$why; }n$i's group: $(vs_ctl "$i" group show "$group" 2>&1 | tr '\n' '|')"
		done
		[ -z "$why" ] || break
	done
	# shellcheck disable=SC2086 # one pid a word
	kill -TERM $pids 2>/dev/null
	# shellcheck disable=SC2086
	vs_wait_until $T_VIEW exited_pids $pids
	for p in $pids; do
		alive "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" || why="${why:+$why; }an injector failed"
	done
	for i in $nodes; do
		sed "s/^/# k: inj at n$i: /" "$dir/inj$i.out"
	done
	[ -z "$why" ] || return 1
	for i in $nodes; do
		# the cut and lengthened packets are refused, whatever else is
		sent=$(awk '$1 == "mutant_cut" { print $3 }' "$dir/inj$i.out")
		vs_wait_until $T_VIEW drops_grew "$i" "${sent:-1}" ||
			why="${why:+$why; }n$i: drops grew by $(drops_grew "$i"), $sent cut packets sent"
		n0=$(awk '$1 == "submit_ignored" { print $2 }' "$dir/n$i.stats0")
		echo "# k: n$i: drops +$(drops_grew "$i"), submit_ignored +$(($(vs_stat "$i" submit_ignored) - n0))"
	done
	[ -z "$why" ] || return 1
	# the coordinator proposed the stranger (a learned peer, up): once
	# it is down, the nodes agree on a view of themselves again
	for i in $nodes; do
		vs_wait_until $T_NODES inj_down "$i" ||
			{ why="n$i still holds the injector up"; return 1; }
	done
	settle "1 2 3" 1 2 3 && finish
}

# evicted I: node I put a member out for not reading
evicted() {
	[ "$(vs_stat "$1" reader_evicted)" -ge 1 ] 2>/dev/null
}

# exited_pids PID...: none of them runs
exited_pids() {
	local p
	for p in "$@"; do
		! alive "$p" || return 1
	done
}

# drops_grew I [MIN]: node I's drop counters grew by MIN since
# $dir/nI.stats0; without MIN, print by how much
drops_grew() {
	local d
	d=$(($(vs_stats_sum "$1" '^drop_') - \
		$(awk '$1 ~ /^drop_/ { s += $2 } END { print s + 0 }' "$dir/n$1.stats0")))
	[ -n "$2" ] || { echo "$d"; return 0; }
	[ "$d" -ge "$2" ]
}

desc_of() {
	case $1 in
	a) echo a_3_nodes_steady ;;
	b) echo b_5_nodes_7_members ;;
	c) echo c_loss_10 ;;
	d) echo d_loss_30_dup_reorder ;;
	e) echo e_crash_member_node ;;
	f) echo f_crash_coordinator ;;
	g) echo g_crash_during_view_change ;;
	h) echo h_partition_3_2_heal_rejoin ;;
	i) echo i_join_leave_under_traffic ;;
	j) echo j_node_restart_same_id ;;
	k) echo k_stranger_ordering_flood ;;
	l) echo l_coordinator_crash_in_view_change ;;
	m) echo m_long_messages_loss_10 ;;
	n) echo n_causal_chains_reordering ;;
	o) echo o_stuck_reader_put_out ;;
	p) echo p_fifo_ahead_of_waiting_safe ;;
	q) echo q_stuck_reader_holds_own_group_only ;;
	r) echo r_one_way_cut_coordinator_not_primary ;;
	*) echo "${1}_unknown" ;;
	esac
}

# run SCEN: one scenario, one KTAP line
run() {
	local desc t0
	scen=$1
	desc=$(desc_of "$scen")
	n=$((n + 1))
	case $scen in
	[a-r]) ;;
	*) echo "not ok $n $desc"; failed=$((failed + 1)); return ;;
	esac
	if [ $ONE = 1 ] && { [ "$scen" = h ] || [ "$scen" = p ] ||
		[ "$scen" = r ]; }; then
		echo "ok $n $desc # SKIP one node: no partition"
		return
	fi
	if [ $(($(date +%s) - t_start)) -ge "$BUDGET" ]; then
		echo "# $scen: not run, the ${BUDGET}s budget is spent"
		echo "not ok $n $desc"
		failed=$((failed + 1))
		return
	fi
	t0=$(date +%s)
	# test number too: a scenario named twice runs twice, afresh
	dir=$tmp/$scen.$n
	group=vsync-groups-$scen-$$-$n
	MEMBERS=""
	why=""
	mkdir -p "$dir"
	if "scen_$scen" && [ -z "$why" ]; then
		echo "# $scen: $(($(date +%s) - t0))s"
		echo "ok $n $desc"
	else
		echo "# $scen: ${why:-failed}"
		for m in $(echo "$MEMBERS" | tr ' ' '\n' | cut -d: -f1); do
			sed "s/^/# $scen: $m: /" "/tmp/vs_$m.out" 2>/dev/null | tail -n 3
		done
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
	vs_teardown
	for m in $(echo "$MEMBERS" | tr ' ' '\n' | cut -d: -f1); do
		rm -f "/tmp/vs_$m.out"
	done
}

echo "TAP version 13"
# shellcheck disable=SC2086 # one scenario a word
set -- $SCENS
echo "1..$(($# + 1))"
if [ ! -x "$MEMBER" ] || [ ! -x "$CHECK" ] || [ ! -d /sys/module/af_vsync ]; then
	for s in "$@" dmesg; do
		n=$((n + 1))
		echo "ok $n $s # SKIP no vsync_member, vsync_check or af_vsync"
	done
	exit 0
fi
dmesg_start=$(dmesg | wc -l)
for s in "$@"; do
	run "$s"
done
n=$((n + 1))
bad=$(dmesg | tail -n +$((dmesg_start + 1)) | grep -E 'WARNING:|BUG:|Oops|refcount_t:')
if [ -n "$bad" ]; then
	echo "$bad" | sed 's/^/# /'
	echo "not ok $n kernel_log_clean"
	failed=$((failed + 1))
else
	echo "ok $n kernel_log_clean"
fi
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
