#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# State transfer across nodes, with vsync-kv replicas (one process each) on
# netns nodes: updates flow as TOTAL messages, a replica joins asking for
# state, and at the end a SAFE "quit" stops every replica at the same point
# of the order.  A scenario passes when every replica that should finish
# exited 0 and printed the same map summary, every complete state a joiner
# read (R line) is the state a donor wrote for that transfer (T line, same
# length and checksum: guarantee 10), and vsync_check accepts the logs.
#
#   a  3 nodes, replicas on each, a joiner on another node than the donor
#      gets the state under traffic
#   b  the donor's process is killed mid-transfer (a slow donor, -w): the
#      joiner drops the partial state (Z) and gets it from the next donor
#   c  the donor's node crashes mid-transfer (it is node 1, the
#      coordinator): the same, across a node view change
#   d  8 MiB of state, under traffic
#   e  a node joins the node view while a transfer is under way (it learns
#      who awaits state from the group state, GSTATE), a replica there
#      joins without asking for state, then the slow donor is killed: the
#      next donor is that replica, for the joiner still awaits state
#   f  the joiner's node crashes while it awaits state, with messages
#      held back for it: the donor's duty ends with its last piece, the
#      others go on
#
# vsync_check does not know T, R and Z lines yet: the script asks it (a
# one-member log with a T line) and, if it refuses them, checks a copy of
# the logs without them, where a joiner's view whose transfer was dropped
# (the V line before a Z) is left out too, since its items were dropped
# with it.  The T/R comparison is done here either way.
#
# usage: vsync_state.sh [SCENARIO...]
# Environment: VS_BIN (vsync-kv, vsync_check, vsyncctl; default: this
# script's directory), VS_* of vsync_cluster_lib.sh.
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it

VS_BIN=${VS_BIN:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=vsync_cluster_lib.sh
. "$VS_BIN/vsync_cluster_lib.sh"

KV=$VS_BIN/vsync-kv
CHECK=$VS_BIN/vsync_check
T_NODES=30
T_VIEW=30
T_STATE=180
T_EXIT=90
DEADLINE=$(vs_slow 400)

SCENS=${*:-a b c d e f}

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_state.XXXXXX") || exit 1
cleanup() {
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
dir=""
group=""
why=""
REPLICAS=""	# NAME:NODE:PID:EXPECT (0, kill, reaped)

# replica NAME NODE ARGS...: vsync-kv NAME on node NODE
replica() {
	local name node pid
	name=$1
	node=$2
	shift 2
	vs_spawn "$node" "$name" "$KV" -g "$group" -o "$dir/$name.log" \
		-d $DEADLINE "$@"
	eval "pid=\$vs_pid_$name"
	REPLICAS="$REPLICAS $name:$node:$pid:0"
}

field() {
	echo "$1" | cut -d: -f"$2"
}

pid_of() {
	local e
	for e in $REPLICAS; do
		case "$e" in "$1":*) field "$e" 3; return ;; esac
	done
}

# mark NAME WHAT: NAME now ends with WHAT
mark() {
	local e l
	l=""
	for e in $REPLICAS; do
		case "$e" in
		"$1":*) e=$(echo "$e" | cut -d: -f1-3):$2 ;;
		esac
		l="$l $e"
	done
	REPLICAS=$l
}

alive() {
	local s
	s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}

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

has_line() {	# has_line PATTERN NAME: NAME's log has a line PATTERN (grep)
	grep -q "$1" "$dir/$2.log" 2>/dev/null
}

delivered() {	# delivered K NAME
	local c
	c=$(grep -c '^D ' "$dir/$2.log" 2>/dev/null)
	[ "${c:-0}" -ge "$1" ]
}

wait_view() {	# wait_view K NAME...
	vs_wait_until $T_VIEW in_view "$@" && return 0
	why="no view of $* (count, names)"
	return 1
}

wait_line() {	# wait_line SECS PATTERN NAME
	vs_wait_until "$1" has_line "$2" "$3" && return 0
	why="no line '$2' in $3's log"
	return 1
}

exited() {
	local e
	for e in $REPLICAS; do
		case "$(field "$e" 4)" in
		0) ! alive "$(field "$e" 3)" || return 1 ;;
		esac
	done
}

# quit NODE: a SAFE quit from node NODE; every replica must exit 0
quit() {
	local e pid rc name vs_pid_quitter
	vs_pid_quitter=""
	vs_spawn "$1" quitter "$KV" -g "$group" -Q -o "$dir/quitter.log" -d "$(vs_slow 60)"
	REPLICAS="$REPLICAS quitter:$1:$vs_pid_quitter:0"
	vs_wait_until $T_EXIT exited
	for e in $REPLICAS; do
		name=$(field "$e" 1)
		pid=$(field "$e" 3)
		[ "$(field "$e" 4)" = 0 ] || continue
		if alive "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rc=timeout
		else
			wait "$pid"
			rc=$?
		fi
		[ "$rc" = 0 ] || why="${why:+$why; }$name exit $rc"
		mark "$name" reaped
	done
	[ -z "$why" ]
}

# same_maps NAME...: every NAME's log ends with the same "# map" line
same_maps() {
	local m first line
	first=""
	for m in "$@"; do
		line=$(grep '^# map ' "$dir/$m.log" | tail -n 1)
		echo "# $scen: $m: ${line:-no map}"
		[ -n "$line" ] || { why="$m has no map"; return 1; }
		[ -z "$first" ] && first=$line
		if [ "$line" != "$first" ]; then
			why="$m's map differs"
			return 1
		fi
	done
}

# states_match: each R line has a T line with its view id, length and
# checksum (guarantee 10); prints the R lines
states_match() {
	local f xfer donor len ck
	cat "$dir"/*.log | grep '^T ' > "$dir/T.all"
	for f in "$dir"/*.log; do
		grep '^R ' "$f" | while read -r _ xfer donor len ck; do
			echo "# $scen: ${f##*/}: R $xfer $donor $len $ck"
			grep -q "^T $xfer $len $ck\$" "$dir/T.all" ||
				echo "unmatched"
		done
	done > "$dir/R.report"
	grep -v unmatched "$dir/R.report"
	if grep -q unmatched "$dir/R.report"; then
		why="a joiner's state differs from what its donor wrote"
		return 1
	fi
}

# check_logs: vsync_check on the logs (filtered if it refuses T/R/Z)
check_logs() {
	local out rc d f
	d=$dir
	if [ $CHECK_TRZ = 0 ]; then
		d=$dir/filtered
		mkdir -p "$d"
		for f in "$dir"/*.log; do
			awk '
			$1 == "V" { if (held != "") print held; held = $0; next }
			$1 == "Z" { held = ""; next }
			$1 == "T" || $1 == "R" { next }
			{ if (held != "") { print held; held = "" } print }
			END { if (held != "") print held }' "$f" > "$d/${f##*/}"
		done
	fi
	out=$("$CHECK" "$d" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/# $scen: /"
	[ $rc = 0 ] && return 0
	why="${why:+$why; }vsync_check exit $rc"
	echo "$out" | sed -n 's/.* at \([^ ]*\):\([0-9]*\)$/\1 \2/p' |
		while read -r f l; do
			sed -n "$((l > 5 ? l - 5 : 1)),$((l + 2))p" "$f" |
				sed "s|^|# $scen: ${f##*/}: |"
		done
	return 1
}

cluster() {
	local nodes
	vs_cluster_create "$1" || { why="cluster of $1 not created"; return 1; }
	nodes=$(seq 1 "$1" | tr '\n' ' ')
	# shellcheck disable=SC2086 # one node a word
	vs_wait_until $T_NODES vs_agree primary "$nodes" $nodes && return 0
	why="node view did not settle"
	return 1
}

# --- scenarios -----------------------------------------------------------------

scen_a() {	# a joiner gets the state under traffic
	cluster 3 || return 1
	replica r1 1 -P 65536 -n 400 || return 1
	wait_view 1 r1 || return 1
	replica r2 2 -s -n 400
	wait_line $T_STATE '^R ' r2 || return 1
	replica r3 3 -s -n 400
	wait_line $T_STATE '^R ' r3 || return 1
	vs_wait_until $T_VIEW delivered 30 r1 || { why="no traffic"; return 1; }
	replica j 3 -s -n 50
	wait_line $T_STATE '^R ' j || return 1
	quit 2 || return 1
	same_maps r1 r2 r3 j && states_match && check_logs
}

# slow_donor KILL: r1 (rank 0) donates slowly; KILL is "proc" or "node"
slow_donor() {
	cluster 3 || return 1
	# the same preloaded map everywhere before the first update
	replica r1 1 -P 2000000 -w 300 || return 1
	wait_view 1 r1 || return 1
	replica r2 2 -P 2000000 || return 1
	wait_view 2 r1 r2 || return 1
	replica r3 3 -P 2000000 -n 400 -i 30 || return 1
	wait_view 3 r1 r2 r3 || return 1
	vs_wait_until $T_VIEW delivered 20 r1 || { why="no traffic"; return 1; }
	replica j 3 -s -n 30
	wait_line $T_VIEW '^# donor ' r1 || return 1
	vs_nap 2
	if has_line '^T ' r1; then
		why="the slow donor finished before the kill"
		return 1
	fi
	if [ "$1" = node ]; then
		vs_node_kill 1
		vs_wait_until $T_NODES vs_agree primary "2 3" 2 3 ||
			{ why="no view of nodes 2 3"; return 1; }
	else
		kill -KILL "$(pid_of r1)"
		wait "$(pid_of r1)" 2>/dev/null
	fi
	mark r1 kill
	wait_line $T_STATE '^R ' j || return 1
	if ! has_line '^Z ' j; then
		why="the joiner did not drop the partial state"
		return 1
	fi
	grep '^Z ' "$dir/j.log" | sed "s/^/# $scen: j: /"
	quit 2 || return 1
	same_maps r2 r3 j && states_match && check_logs
}

scen_b() {	# the donor's process is killed mid-transfer
	slow_donor proc
}

scen_c() {	# the donor's node crashes mid-transfer
	slow_donor node
}

scen_d() {	# 8 MiB of state under traffic
	cluster 3 || return 1
	replica r1 1 -P 8388608 -n 300 -i 30 || return 1
	wait_view 1 r1 || return 1
	vs_wait_until $T_VIEW delivered 10 r1 || { why="no traffic"; return 1; }
	replica j 2 -s -n 30
	wait_line $T_STATE '^R ' j || return 1
	quit 3 || return 1
	same_maps r1 j && states_match && check_logs
}

scen_e() {	# a node joins mid-transfer; its replica becomes the donor
	local k
	cluster 2 || return 1
	replica r1 1 -P 2000000 -w 500 || return 1
	wait_view 1 r1 || return 1
	replica j 2 -s
	wait_line $T_VIEW '^# donor ' r1 || return 1
	if ! { vs_node_create 3 && vs_node_config 3; }; then
		why="node 3 not created"
		return 1
	fi
	for k in 1 2; do
		vs_node_peer_add 3 $k || { why="node 3: no peer $k"; return 1; }
	done
	vs_wait_until $T_NODES vs_agree primary "1 2 3" 1 2 3 ||
		{ why="node 3 did not join the node view"; return 1; }
	replica r3 3 -P 2000000 || return 1
	# r1 writes and j is held back: only r3 shows the view now
	wait_view 3 r3 || return 1
	if has_line '^T ' r1; then
		why="the slow donor finished before the kill"
		return 1
	fi
	kill -KILL "$(pid_of r1)"
	wait "$(pid_of r1)" 2>/dev/null
	mark r1 kill
	wait_line $T_STATE '^R ' j || return 1
	has_line '^T ' r3 || { why="r3 was not the donor"; return 1; }
	quit 3 || return 1
	same_maps r3 j && states_match && check_logs
}

scen_f() {	# the joiner's node crashes while it awaits state
	cluster 3 || return 1
	replica r1 1 -P 2000000 -w 200 || return 1
	wait_view 1 r1 || return 1
	replica r2 2 -P 2000000 -n 300 -i 30 || return 1
	wait_view 2 r2 || return 1
	vs_wait_until $T_VIEW delivered 10 r2 || { why="no traffic"; return 1; }
	replica j 3 -s
	wait_line $T_VIEW '^# donor ' r1 || return 1
	vs_nap 2
	mark j kill
	vs_node_kill 3
	vs_wait_until $T_NODES vs_agree primary "1 2" 1 2 ||
		{ why="no view of nodes 1 2"; return 1; }
	# the donor writes on for nobody and ends its duty
	wait_line $T_STATE '^T ' r1 || return 1
	quit 2 || return 1
	same_maps r1 r2 && check_logs
}

desc_of() {
	case $1 in
	a) echo "state_under_traffic" ;;
	b) echo "donor_killed_mid_transfer" ;;
	c) echo "donor_node_crash_mid_transfer" ;;
	d) echo "state_8MiB" ;;
	e) echo "node_joins_mid_transfer" ;;
	f) echo "joiner_node_crash_mid_transfer" ;;
	*) echo "unknown_$1" ;;
	esac
}

run() {
	local desc t0 m
	scen=$1
	desc=$(desc_of "$scen")
	n=$((n + 1))
	t0=$(date +%s)
	dir=$tmp/$scen
	group=vsync-state-$scen-$$
	REPLICAS=""
	why=""
	mkdir -p "$dir"
	if type "scen_$scen" > /dev/null 2>&1 && "scen_$scen" && [ -z "$why" ]; then
		echo "# $scen: $(($(date +%s) - t0))s"
		echo "ok $n $desc"
	else
		echo "# $scen: ${why:-failed}"
		# shellcheck disable=SC2046 # one node a word
		vs_diag $($VS_IP netns list | sed -n 's/^n\([0-9]*\).*/\1/p')
		for m in $(echo "$REPLICAS" | tr ' ' '\n' | cut -d: -f1); do
			sed "s/^/# $scen: $m: /" "/tmp/vs_$m.out" 2>/dev/null | tail -n 3
			tail -n 3 "$dir/$m.log" 2>/dev/null | sed "s/^/# $scen: $m.log: /"
		done
		echo "not ok $n $desc"
		failed=$((failed + 1))
	fi
	for m in $(echo "$REPLICAS" | tr ' ' '\n' | cut -d: -f3); do
		kill -KILL "$m" 2>/dev/null
	done
	vs_teardown
	for m in $(echo "$REPLICAS" | tr ' ' '\n' | cut -d: -f1); do
		rm -f "/tmp/vs_$m.out"
	done
}

echo "TAP version 13"
# shellcheck disable=SC2086 # one scenario a word
set -- $SCENS
echo "1..$(($# + 1))"
if [ ! -x "$KV" ] || [ ! -x "$CHECK" ] || [ ! -d /sys/module/af_vsync ]; then
	for s in "$@" dmesg; do
		n=$((n + 1))
		echo "ok $n $s # SKIP no vsync-kv, vsync_check or af_vsync"
	done
	exit 0
fi
# does vsync_check know T, R and Z lines?
mkdir -p "$tmp/probe"
printf 'M p 1:1\nV 1 0 1:1\nT 1 0 811c9dc5\nL\nX\n' > "$tmp/probe/p.log"
if "$CHECK" "$tmp/probe" > /dev/null 2>&1; then
	CHECK_TRZ=1
else
	CHECK_TRZ=0
	echo "# vsync_check refuses T/R/Z lines: it checks the logs without them"
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
