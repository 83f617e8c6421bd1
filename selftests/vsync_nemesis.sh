#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Nemesis: a random schedule of faults, drawn from a seed, against one
# group spread over netns nodes, checked as vsync_groups.sh checks its
# scenarios: every member (vsync_member) logs its views, sends and
# deliveries into the run's directory, and vsync_check verifies the
# guarantees of DESIGN.md section 2 on all of them, the logs of killed and
# cut-off members included.
#
# From the seed, an awk PRNG (srand(seed)) draws 3 to 7 nodes, a member on
# each node and up to two more (each sends the ordering classes fifo,
# total, safe, causal and default in turn, about half of them with causal
# vectors, -c; up to 20000 bytes a message, in pieces then), then steps of
# 0.5 to 2 s until SECS seconds of faults are drawn.  A step heals the
# faults whose time is up and starts one more:
#   loss dup reorder delay netem   netem on a node's link; loss (up to 30%)
#                                  on its egress only, so that a path
#                                  between two nodes meets it once
#   oneway                         the node's egress loses every packet
#   split                          a minority of the nodes on a bridge of
#                                  its own (a partition)
#   cut                            the node's link down
#   crash, restart                 the node's processes killed and its
#                                  netns deleted; later, the same id again
#   kill                           kill -9 of a member
#   join, leave                    a new member; a short-lived one
#   inject                         from a netns on the bridge, outside the
#                                  cluster, vsync_inject sends every node
#                                  stranger and damaged ordering packets
#   failslab                       10% of the slab allocations of a node's
#                                  members fail (only on a kernel with
#                                  failslab: elsewhere the step is skipped)
# A fault lasts one to three steps; crashed nodes restart when a later step
# says so, or at the end.  One seed gives one schedule (with one awk: the
# VM's is busybox's); what the cluster makes of it depends on timing too,
# so a seed that failed once may need a few runs to fail again.
#
# The schedule keeps a primary partition: at most (N - 1) / 2 of the N
# nodes are crashed or cut off at once, and before it cuts more, the
# script waits (bounded) until the nodes that are up agree on one primary
# view of them, so that no cut takes the majority of the view in force.
# A cut that would take every member of the group, or before which the
# nodes did not agree in time, is skipped, and the step says so.  A member
# starts on a node only once the node is in a primary view of a majority
# of the nodes (a node that has heard no peer yet is a primary view of its
# own, README) and, after the first members, where the group has members
# (a group that became empty would start again with the same name, which
# one run of vsync_check cannot take).  A node whose members were cut off
# (exit 3 after their non-primary view) or killed gets a new member.
#
# Every run ends with every fault healed and crashed nodes restarted; then
# the nodes must agree on one primary view of them all and the members
# alive must read one view of the group that lists exactly them (bounded
# waits, generous: the emulator is slow), every member must end with 0 or
# 3 (a false suspicion under a slow emulator is a legitimate view change
# too), vsync_check must say OK, and the kernel log must hold no WARNING,
# BUG, Oops or refcount report.  Nothing asserts how long anything took.
#
# Output is KTAP, one test per seed.  The schedule comes as diagnostics
# ("# nemesis seed S step K: ..."), then a line that sums up a passing run
# (nodes, faults by kind, messages sent and delivered as vsync_check
# counted them); a failing run says why, with the checker's first
# violation and the log lines around it, and how to run it again.  The
# last lines sum up every run (messages delivered: in the runs that
# vsync_check passed).
#
# usage: vsync_nemesis.sh [-s FIRST_SEED] [-n RUNS] [-d SECS] [-b SECS] [-f MS]
#                         [SEED...]
#   -s, -n   run seeds FIRST_SEED .. FIRST_SEED + RUNS - 1 (defaults 1 and
#            1); before a release: -s 1 -n 300 (make nemesis)
#   -d SECS  seconds of faults a run draws (default 10)
#   -b SECS  the budget: VSYNC_NEMESIS_BUDGET's, which it overrides
#   -f MS    the failure detector: suspect_ms of every node (default
#            VS_SUSPECT_MS's, 600 times VS_SLOW), heartbeats 12 times as
#            often; a slower kernel (the debug one) wants more, or it
#            suspects live nodes all the time and views never settle; the
#            run's bounds and reader_timeout_ms grow in proportion
#   SEED...  run these seeds too
# Without -s, -n or SEED: DEFAULT_SEEDS, sized for make check.
# Environment: VS_BIN (vsync_member, vsync_check, vsyncctl, vsync_nl,
# vsync_inject; default: this script's directory), VS_* of
# vsync_cluster_lib.sh, VSYNC_NEMESIS_BUDGET (seconds the runs may take
# before the remaining seeds are skipped; 0: no limit; default 330 for
# DEFAULT_SEEDS, no limit for seeds given), VSYNC_NEMESIS_KEEP (a
# directory where the logs of a failing run are kept, in nemesis-SEED-TIME).
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it

VS_BIN=${VS_BIN:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=vsync_cluster_lib.sh
. "$VS_BIN/vsync_cluster_lib.sh"

MEMBER=$VS_BIN/vsync_member
CHECK=$VS_BIN/vsync_check
INJECT=$VS_BIN/vsync_inject

# Between them every kind of fault and 3 to 7 nodes, in about 6 minutes of
# a 2-core TCG guest (busybox awk's draws)
DEFAULT_SEEDS="1 2 3 4 5 6 7 8"
KINDS="loss dup reorder delay netem oneway split cut crash restart kill join leave inject failslab"

SECS=10
CLASSES=fifo,total,safe,causal,default
# A member sends every IVL us; one started T seconds into the faults sends
# (SECS - T + TAIL) seconds' worth, at least MIN_MSGS, so that the stream
# lasts about as long as the faults
IVL=50000
TAIL=2
MIN_MSGS=20
# what the stranger sends: scenario k's kinds, and random bytes
INJ_KINDS=stranger_order,stranger_submit,stranger_ack,mutant_cut,mutant_flip,garbage
FAILSLAB_PCT=10
# Bounds, in seconds: the nodes up agree on a view (at the start and
# before each cut), the first members read their view, all nodes agree
# after the heal, the members alive read one view, members exit (times
# suspect_ms / 600, see -f)
T_NODES=30
T_VIEW=30
T_CONVERGE=90
T_GROUP=60
T_EXIT=60

usage() {
	echo "usage: $0 [-s FIRST_SEED] [-n RUNS] [-d SECS] [-b SECS] [-f MS] [SEED...]" >&2
	exit 2
}

number() {	# number WORD: WORD is a decimal number
	case $1 in
	''|*[!0-9]*) return 1 ;;
	esac
}

first=""
runs=""
budget=""
while getopts s:n:d:b:f: o; do
	case $o in
	s) first=$OPTARG ;;
	n) runs=$OPTARG ;;
	d) SECS=$OPTARG ;;
	b) budget=$OPTARG ;;
	f) VS_SUSPECT_MS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
for v in ${first:-1} ${runs:-1} "$SECS" ${budget:-0} "$VS_SUSPECT_MS" "$@"; do
	number "$v" || usage
done
VS_HB_MS=$((VS_SUSPECT_MS / 12))
[ "$VS_HB_MS" -gt 0 ] || usage
# a slower failure detector (-f) is for a slower kernel: the bounds grow
# with it
slow=$(((VS_SUSPECT_MS + 599) / 600))
T_NODES=$((T_NODES * slow))
T_VIEW=$((T_VIEW * slow))
T_CONVERGE=$((T_CONVERGE * slow))
T_GROUP=$((T_GROUP * slow))
T_EXIT=$((T_EXIT * slow))
# and so does the time a member may go without reading (30 s): on the
# debug kernel a member's send can wait that long for the node's stream
[ "$slow" = 1 ] || VS_READER_TIMEOUT_MS=$((30000 * slow))
# a member's own bound, past every wait of a run: it ends even if this
# script does not
DEADLINE=$(((SECS * 2 + 400) * slow))
# the bounds above have grown already: the library's waits must not again
# shellcheck disable=SC2034 # read by vs_wait_until
VS_SLOW=1
SEEDS="$*"
if [ -n "$first$runs" ]; then
	SEEDS="$SEEDS $(seq "${first:-1}" $((${first:-1} + ${runs:-1} - 1)) | tr '\n' ' ')"
fi
budget_default=0
if [ -z "$(echo "$SEEDS" | tr -d ' ')" ]; then
	SEEDS=$DEFAULT_SEEDS
	budget_default=330
fi
BUDGET=${budget:-${VSYNC_NEMESIS_BUDGET:-$budget_default}}
KEEP=${VSYNC_NEMESIS_KEEP:-}

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_nemesis.XXXXXX") || exit 1
cleanup() {
	vs_failslab_off
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the schedule ----------------------------------------------------------------

# plan SEED: the run's schedule, one line each, the words the script acts
# on and, after " # ", what they mean (the diagnostic):
#   nodes N
#   member NODE SIZE CAUSAL          a first member (CAUSAL 1: -c)
#   fault STEP HOLD KIND ARGS...     start a fault, then wait HOLD seconds
#   heal STEP KIND ARGS...           end one
plan() {
	awk -v s="$1" -v d="$SECS" -v fs_pct=$FAILSLAB_PCT '
	function pick(n) { return int(rand() * n) % n }	# 0 .. n-1
	function size(    r) {
		r = pick(10)
		return r < 4 ? 64 : r < 7 ? 300 : r < 9 ? 1500 : 20000
	}
	# a node up (without netem, if bare), at random; 0 if none
	function up(bare,    c, i, l) {
		c = 0
		for (i = 1; i <= n; i++)
			if (st[i] == "up" && !(bare && net[i]))
				l[++c] = i
		return c ? l[1 + pick(c)] : 0
	}
	# the fault just drawn (of kind, on node) lasts dur steps, then the
	# line "heal STEP h" ends it
	function lasting(kind, node, dur, h) {
		nf++
		fkind[nf] = kind
		fnode[nf] = node
		until[nf] = step + dur
		heal[nf] = h
	}
	function out(kind, args, what) {
		printf "fault %d %.1f %s %s # %s\n", step, hold, kind, args, what
	}
	BEGIN {
		srand(s)
		n = 3 + pick(5)
		k = int((n - 1) / 2)	# nodes that may be down at once
		print "nodes", n, "#", n, "nodes"
		for (i = 1; i <= n; i++)
			st[i] = "up"
		m = n + pick(3)
		for (i = 1; i <= m; i++) {
			node = i <= n ? i : 1 + pick(n)
			sz = size()
			c = pick(2)
			printf "member %d %d %d # first member, %d bytes%s\n", node,
				sz, c, sz, c ? ", causal vectors" : ""
		}
		nk = split("loss dup reorder delay netem oneway split cut crash restart kill join leave inject failslab", kinds, " ")
		nw = split("2 2 2 2 1 1 1 1 1 3 1 1 1 1 1", weight, " ")
		for (step = 1; t < d; step++) {
			for (f = 1; f <= nf; f++) {
				if (until[f] != step)
					continue
				printf "heal %d %s\n", step, heal[f]
				kind = fkind[f]
				if (kind == "net")
					net[fnode[f]] = 0
				else if (kind == "iso")
					for (j = split(fnode[f], l, " "); j > 0; j--) {
						st[l[j]] = "up"
						iso--
					}
				else
					busy[kind] = 0
			}
			crashed = 0
			for (i = 1; i <= n; i++)
				if (st[i] == "crash")
					crashed = i
			total = 0
			for (j = 1; j <= nk; j++) {
				kind = kinds[j]
				ok = 1
				if (kind ~ /^(loss|dup|reorder|delay|netem)$/)
					ok = up(1) > 0
				else if (kind == "oneway" || kind == "cut")
					ok = iso < k && up(1) > 0
				else if (kind == "split")
					ok = iso < k && !busy["split"]
				else if (kind == "crash")
					ok = iso < k
				else if (kind == "restart")
					ok = crashed > 0
				else if (kind == "inject" || kind == "failslab")
					ok = !busy[kind]
				w[j] = ok ? weight[j] : 0
				total += w[j]
			}
			r = rand() * total
			if (r >= total)	# rand() may be 1
				r = 0
			for (j = 1; j < nk && r >= w[j]; j++)
				r -= w[j]
			kind = kinds[j]
			hold = 0.5 + pick(16) / 10
			t += hold
			if (kind ~ /^(loss|dup|reorder|delay|netem)$/) {
				i = up(1)
				net[i] = 1
				if (kind == "loss") {
					p = 5 + pick(26)
					out(kind, i " " p, "loss " p "% out of n" i)
				} else if (kind == "dup") {
					p = 5 + pick(16)
					out(kind, i " " p, "duplicate " p "% at n" i)
				} else if (kind == "reorder") {
					p = 10 + pick(41)
					ms = 5 + pick(16)
					out(kind, i " " p " " ms, "reorder at n" i ": " p "% at once, the rest " ms " ms late")
				} else if (kind == "delay") {
					ms = 10 + pick(41)
					j = pick(int(ms / 2) + 1)
					out(kind, i " " ms " " j, "delay " ms " ms, jitter " j " ms at n" i)
				} else {
					p = pick(21)
					q = pick(11)
					ms = 1 + pick(20)
					j = pick(31)
					out(kind, i " " p " " q " " ms " " j, "out of n" i ": loss " p "%, duplicate " q "%, delay " ms " ms, reorder " j "%")
				}
				lasting("net", i, 1 + pick(3), "clear " i " # netem off at n" i)
			} else if (kind == "oneway" || kind == "cut") {
				i = up(1)
				st[i] = kind
				iso++
				out(kind, i, kind == "cut" ? "n" i " cut off (link down)" : "n" i " loses all it sends")
				lasting("iso", i, 1 + pick(2), kind " " i " # n" i " back")
			} else if (kind == "split") {
				c = 1 + pick(k - iso)
				a = ""
				for (j = 0; j < c; j++) {
					i = up(0)
					st[i] = "split"
					iso++
					a = a (a == "" ? "" : " ") i
				}
				out(kind, a, "partition: n" a " apart")
				lasting("iso", a, 1 + pick(2), "split " a " # partition healed")
			} else if (kind == "crash") {
				i = up(0)
				st[i] = "crash"
				iso++
				# its netem goes with it
				for (f = 1; f <= nf; f++)
					if (fkind[f] == "net" && fnode[f] == i)
						until[f] = 0
				net[i] = 0
				out(kind, i, "n" i " crashes")
			} else if (kind == "restart") {
				st[crashed] = "up"
				iso--
				out(kind, crashed, "n" crashed " restarts")
			} else if (kind == "kill") {
				i = up(0)
				out(kind, i, "kill -9 of a member on n" i)
			} else if (kind == "join") {
				i = up(0)
				sz = size()
				c = pick(2)
				out(kind, i " " sz " " c, "a member joins n" i ", " sz " bytes" (c ? ", causal vectors" : ""))
			} else if (kind == "leave") {
				i = up(0)
				out(kind, i, "a member joins n" i ", sends 5 and leaves")
			} else if (kind == "inject") {
				p = 100 * (1 + pick(3))
				j = pick(1000000)
				ms = 1 + pick(3)
				busy[kind] = 1
				out(kind, p " " j " " ms, "stranger packets at every node for " ms " s, " p "/s each, seed " j)
				lasting(kind, 0, 1 + pick(2), "inject # stranger gone")
			} else {
				i = up(0)
				busy[kind] = 1
				out(kind, i, fs_pct "% of the slab allocations of the members on n" i " fail")
				lasting(kind, i, 1 + pick(2), "failslab # slab allocations succeed again")
			}
		}
	}'
}

# --- members -------------------------------------------------------------------------
# MEMBERS holds one NAME:NODE:PID:STATE entry per member of the run; STATE
# is "run" (must end with 0 or 3), "kill" once killed (its log is taken as
# it is) or "reaped".  Logs are $dir/NAME.log.

MEMBERS=""
nm=0

entry() {	# entry E: e_name, e_node, e_pid, e_state of MEMBERS entry E
	e_name=${1%%:*}
	e_node=${1#*:}
	e_pid=${e_node#*:}
	e_node=${e_node%%:*}
	e_state=${e_pid#*:}
	e_pid=${e_pid%%:*}
}

set_state() {	# set_state NAME STATE
	local e l
	l=""
	for e in $MEMBERS; do
		entry "$e"
		[ "$e_name" = "$1" ] && e=$e_name:$e_node:$e_pid:$2
		l="$l $e"
	done
	MEMBERS=$l
}

# alive PID: the process runs (a zombie does not)
alive() {
	local s
	[ -r "/proc/$1/stat" ] || return 1
	read -r _ _ s _ < "/proc/$1/stat" 2>/dev/null
	[ -n "$s" ] && [ "$s" != Z ]
}

# in_group NAME: NAME runs, and read a view, and its last one is primary
in_group() {
	local e
	for e in $MEMBERS; do
		entry "$e"
		[ "$e_name" = "$1" ] && break
	done
	alive "$e_pid" || return 1
	awk '$1 == "V" { v = $NF != "np" } END { exit !v }' "$dir/$1.log" 2>/dev/null
}

# running [NODE]: the members (on node NODE) that run
running() {
	local e
	for e in $MEMBERS; do
		entry "$e"
		[ "$e_state" = run ] || continue
		[ -z "$1" ] || [ "$e_node" = "$1" ] || continue
		alive "$e_pid" && echo "$e_name"
	done
}

# member NODE WHAT ARGS...: start a member on NODE, say so
member() {
	local name node pid
	node=$1
	nm=$((nm + 1))
	name=nem$nm
	say "$name on n$node: $2"
	shift 2
	vs_spawn "$node" "$name" "$MEMBER" -g "$group" -o "$dir/$name.log" \
		-d "$DEADLINE" -r "$@"
	eval "pid=\$vs_pid_$name"
	MEMBERS="$MEMBERS $name:$node:$pid:run"
}

# steady NODE WHAT SIZE CAUSAL: a member of the stream, sending as long as
# the faults last, reading on until the stop file
steady() {
	local c count
	count=$(( (SECS - ($(date +%s) - t_faults) + TAIL) * 1000000 / IVL ))
	[ "$count" -ge $MIN_MSGS ] || count=$MIN_MSGS
	c=""
	[ "$4" = 1 ] && c=-c
	# shellcheck disable=SC2086 # $c: nothing or one word
	member "$1" "$2" -n "$count" -i $IVL -s "$3" -m $CLASSES -x "$dir/stop" $c
}

# --- nodes -------------------------------------------------------------------------
# The script's own record of the nodes: down (crashed), cut, oneway and
# split hold node numbers; a fault the script skipped is in skipped
# ("KIND:NODES"), so that its heal is skipped too.

down=""
cut=""
oneway=""
split=""
skipped=""

has() {	# has LIST WORD
	case " $1 " in *" $2 "*) return 0 ;; esac
	return 1
}

drop() {	# drop LIST WORD...: LIST without the WORDs
	local w l
	l=$1
	shift
	for w in "$@"; do
		l=$(echo " $l " | sed "s/ $w / /g")
	done
	# shellcheck disable=SC2086 # words, one space apart
	echo $l
}

words() {	# words LIST: LIST, one space apart, or "none"
	# shellcheck disable=SC2086 # one word a word
	set -- $1
	echo "${*:-none}"
}

all_nodes() {
	seq 1 "$nodes" | tr '\n' ' '
}

# up_nodes: the nodes neither crashed nor cut off
up_nodes() {
	local i l
	l=""
	for i in $(all_nodes); do
		has "$down $cut $oneway $split" "$i" || l="$l $i"
	done
	echo "${l# }"
}

# ready I: node I is in a primary view of a majority of all nodes
ready() {
	local v
	v=$(vs_view_of "$1")
	case "$v" in *" primary: "*) ;; *) return 1 ;; esac
	# shellcheck disable=SC2086 # one node a word
	set -- ${v#*: }
	[ $(($# * 2)) -gt "$nodes" ]
}

# group_there I: node I holds the group, with members
group_there() {
	vs_ctl "$1" group show "$group" 2>/dev/null | grep -q " members [1-9]"
}

# staff: a member for each node up that runs none, once it is ready and
# holds the group
staff() {
	local i
	for i in $(up_nodes); do
		if [ -z "$(running "$i")" ] && ready "$i" && group_there "$i"; then
			steady "$i" "the node's new member" 300 $((nm % 2))
		fi
	done
}

# settled: the nodes up agree on one primary view of them
settled() {
	local u
	u=$(up_nodes)
	# shellcheck disable=SC2086 # one node a word
	vs_agree primary "$u" $u
}

# may_cut NODE...: the nodes up agree on their view, and a member in the
# group stays out of NODE...; else why not is in skip_why
may_cut() {
	local m e
	if ! vs_wait_until $T_NODES settled; then
		skip_why="nodes $(up_nodes) did not agree on one primary view in ${T_NODES}s"
		unsettled=$((unsettled + 1))
		return 1
	fi
	for m in $(running); do
		for e in $MEMBERS; do
			entry "$e"
			[ "$e_name" = "$m" ] && break
		done
		has "$*" "$e_node" || ! in_group "$m" || return 0
	done
	skip_why="no member of the group would be left"
	return 1
}

# crash I: node I dies with its members
crash() {
	local e
	for e in $MEMBERS; do
		entry "$e"
		[ "$e_node" = "$1" ] && [ "$e_state" = run ] && set_state "$e_name" kill
	done
	vs_node_kill "$1"
	down="$down $1"
}

# kill_one I: kill -9 of the last member started on node I, unless it is the
# group's last member
kill_one() {
	local m v
	v=""
	for m in $(running "$1"); do
		v=$m
	done
	[ -n "$v" ] || { skip_why="no member on n$1"; return 1; }
	for m in $(running); do
		[ "$m" != "$v" ] && in_group "$m" && break
		m=""
	done
	[ -n "$m" ] || { skip_why="$v is the group's last member"; return 1; }
	for m in $MEMBERS; do
		entry "$m"
		[ "$e_name" = "$v" ] && break
	done
	kill -KILL "$e_pid" 2>/dev/null
	wait "$e_pid" 2>/dev/null
	set_state "$v" kill
	say "killed $v on n$1"
}

# --- injection and failslab --------------------------------------------------------

inj_pids=""
fs_pids=""

# inject RATE SEED SECS: vsync_inject at every node alive, for SECS
# seconds or until inject_stop, whichever comes first (waits for nodes
# to agree do not lengthen the flood)
inject() {
	local i
	vs_inj_delete
	vs_inj_create "$VS_FAMILY" || { skip_why="no injector netns"; return 1; }
	for i in $(all_nodes); do
		has "$down" "$i" && continue
		$VS_IP netns exec inj "$INJECT" -t "$(vs_addr "$i")" -c "$VS_CLUSTER" \
			-d "$i" -T "$3" -R "$1" -g "$group" -r $(($2 + i)) -k "$INJ_KINDS" \
			> "$dir/inj$i.out" 2>&1 &
		inj_pids="$inj_pids $!"
	done
}

# inject_stop: the stranger stops and leaves the bridge (its learned peer
# entry goes down, then is forgotten, at every node)
inject_stop() {
	local p n
	[ -n "$inj_pids" ] || return 0
	for p in $inj_pids; do
		kill -TERM "$p" 2>/dev/null
		wait "$p"
	done
	inj_pids=""
	vs_inj_delete
	n=$(cat "$dir"/inj*.out 2>/dev/null | awk '{ s += $3 } END { print s + 0 }')
	inj_sent=$((inj_sent + n))
	say "the stranger sent $n packets"
	rm -f "$dir"/inj*.out
}

# failslab I: FAILSLAB_PCT% of the slab allocations of node I's members
# fail (vs_failslab_on made the rate, for the tasks marked only)
failslab() {
	local m e
	vs_failslab_have || { skip_why="this kernel has no failslab"; return 1; }
	for m in $(running "$1"); do
		for e in $MEMBERS; do
			entry "$e"
			[ "$e_name" = "$m" ] && break
		done
		vs_failslab_task "$e_pid" 1
		fs_pids="$fs_pids $e_pid"
	done
	[ -n "$fs_pids" ] || { skip_why="no member on n$1"; return 1; }
}

failslab_stop() {
	local p
	for p in $fs_pids; do
		vs_failslab_task "$p" 0
	done
	fs_pids=""
}

# --- one run -------------------------------------------------------------------------

say() {
	echo "# nemesis seed $seed${step:+ step $step}: $*"
}

# count KIND: one more fault of KIND in this run
count() {
	eval "c_$1=\$((c_$1 + 1))"
	faults=$((faults + 1))
}

# start KIND ARGS...: start one fault; fails, or sets skip_why, if it
# did not
start() {
	local kind
	kind=$1
	shift
	case $kind in
	loss) vs_netem_out "$1" loss "$2%" ;;
	dup) vs_dup "$1" "$2%" ;;
	reorder) vs_reorder "$1" "$2%" "${3}ms" ;;
	delay) vs_delay "$1" "${2}ms" "${3}ms" ;;
	netem) vs_netem_out "$1" loss "$2%" duplicate "$3%" delay "${4}ms" \
		reorder "$5%" ;;
	oneway)
		may_cut "$1" && vs_netem_out "$1" loss 100% && oneway="$oneway $1" ;;
	cut) may_cut "$1" && vs_cut "$1" && cut="$cut $1" ;;
	split) may_cut "$@" && vs_split "$@" && split="$split $*" ;;
	crash) may_cut "$1" && crash "$1" ;;
	restart)
		if ! has "$down" "$1"; then
			skip_why="its crash was skipped"
		elif vs_node_restart "$1" "$nodes"; then
			down=$(drop "$down" "$1")
		else
			why="${why:+$why; }n$1 not restarted"
		fi ;;
	kill) kill_one "$1" ;;
	join|leave)
		if ! vs_wait_until $T_NODES ready "$1"; then
			skip_why="n$1 is in no primary view of a majority"
		elif [ "$kind" = join ]; then
			steady "$1" joins "$2" "$3"
		else
			member "$1" "joins, sends 5, leaves" -n 5 -i 10000 -s 100 \
				-m $CLASSES
		fi ;;
	inject) inject "$1" "$2" "$3" ;;
	failslab) failslab "$1" ;;
	esac
}

# act STEP HOLD KIND ARGS...: one fault of the schedule, counted, or
# skipped and said so
act() {
	local kind
	step=$1
	kind=$3
	shift 3
	skip_why=""
	if start "$kind" "$@" && [ -z "$skip_why" ]; then
		count "$kind"
		return
	fi
	say "skipped: ${skip_why:-$kind refused}"
	# its heal is skipped too
	case $kind in
	oneway|cut|split) skipped="$skipped $kind:$(echo "$*" | tr ' ' ,)" ;;
	esac
}

# undo STEP KIND ARGS...: heal one fault
undo() {
	local kind
	step=$1
	kind=$2
	shift 2
	if has "$skipped" "$kind:$(echo "$*" | tr ' ' ,)"; then
		skipped=$(drop "$skipped" "$kind:$(echo "$*" | tr ' ' ,)")
		return
	fi
	case $kind in
	clear) has "$down" "$1" || vs_netem_clear "$1" ;;
	oneway) vs_netem_clear "$1"; oneway=$(drop "$oneway" "$1") ;;
	cut) vs_heal "$1"; cut=$(drop "$cut" "$1") ;;
	split) vs_unsplit "$@"; split=$(drop "$split" "$@") ;;
	inject) inject_stop ;;
	failslab) failslab_stop ;;
	esac
}

# heal_all: the end of every fault, crashed nodes back
heal_all() {
	local i
	step=""
	inject_stop
	failslab_stop
	for i in $(all_nodes); do
		has "$down" "$i" || vs_heal "$i"
	done
	# shellcheck disable=SC2086 # one node a word
	[ -z "$split" ] || vs_unsplit $split
	for i in $down; do
		vs_node_restart "$i" "$nodes" || why="${why:+$why; }n$i not restarted"
	done
	say "heal all: cut off $(words "$cut $oneway"); apart $(words "$split"); restarted $(words "$down")"
	cut=""
	oneway=""
	split=""
	down=""
}

# one_view: the members running all read one last view, primary, which
# lists exactly them
one_view() {
	local m files
	files=""
	for m in $(running); do
		files="$files $dir/$m.log"
	done
	[ -n "$files" ] || return 1
	# shellcheck disable=SC2086 # one file a word
	awk -v want="$(echo $files | wc -w)" '
	FILENAME != file { file = FILENAME; nf++ }
	$1 == "M" { id[nf] = $3 }
	$1 == "V" { v[nf] = $2 " " $4; np[nf] = $NF == "np" }
	END {
		if (nf != want)
			exit 1
		for (i = 1; i <= nf; i++) {
			if (np[i] || v[i] == "" || v[i] != v[1])
				exit 1
			mine[id[i]] = 1
		}
		split(v[1], f, " ")
		if (split(f[2], list, ",") != nf)
			exit 1
		for (i = 1; i <= nf; i++)
			if (!(list[i] in mine))
				exit 1
	}' $files 2>/dev/null
}

staffed() {	# staffed: staff, then one_view
	staff
	one_view
}

# last_views: each running member's last view, for a diagnostic
last_views() {
	local m
	for m in $(running); do
		echo "$m: $(grep '^V ' "$dir/$m.log" | tail -n 1)"
	done | tr '\n' ';'
}

# stuck NAME NODE PID: where a member that should have ended is, its log's
# last lines and the group at its node (the logs die with the VM)
stuck() {
	say "$1 on n$2 still runs; in the kernel at:"
	sed "s/^/# nemesis seed $seed: $1: /" "/proc/$3/stack" 2>/dev/null | head -n 12
	tail -n 4 "$dir/$1.log" | sed "s/^/# nemesis seed $seed: $1.log: /"
	vs_ctl "$2" group show "$group" 2>&1 | sed "s/^/# nemesis seed $seed: n$2: /"
	vs_view_report "$2" | sed "s/^# /# nemesis seed $seed: /"
}

# finish: stop the stream, reap every member, check the logs
finish() {
	local e m rc out
	: > "$dir/stop"
	vs_wait_until $T_EXIT none_running
	for e in $MEMBERS; do
		entry "$e"
		[ "$e_state" = run ] || continue
		m="$e_name on n$e_node"
		if alive "$e_pid"; then
			stuck "$e_name" "$e_node" "$e_pid"
			kill -KILL "$e_pid" 2>/dev/null
			wait "$e_pid" 2>/dev/null
			rc=timeout
		else
			wait "$e_pid"
			rc=$?
		fi
		case $rc in
		0) ;;
		3) nonprimary=$((nonprimary + 1)) ;;
		*) why="${why:+$why; }$m exit $rc, wanted 0 or 3" ;;
		esac
		rc=$(sed -n 's/.*, retried \([0-9]*\):.*/\1/p' "/tmp/vs_$e_name.out" 2>/dev/null)
		retried=$((retried + ${rc:-0}))
		set_state "$e_name" reaped
	done
	out=$("$CHECK" "$dir" 2>&1)
	rc=$?
	echo "$out" | sed "s/^/# nemesis seed $seed: /"
	case $rc in
	0) checked=$(echo "$out" | grep '^vsync_check: OK') ;;
	1) violation=1; why="${why:+$why; }vsync_check: violation" ;;
	*) why="${why:+$why; }vsync_check exit $rc" ;;
	esac
	# the logs die with the VM: show the lines around each place a
	# violation names
	echo "$out" | grep -o '[^ ]*\.log:[0-9]*' | tr : ' ' |
		while read -r f l; do
			sed -n "$((l > 5 ? l - 5 : 1)),$((l + 2))p" "$f" |
				sed "s|^|# nemesis seed $seed: ${f##*/}: |"
		done
}

none_running() {
	[ -z "$(running)" ]
}

# kernel_report: what the kernel logged since this run's mark that a test
# must not see
kernel_report() {
	dmesg 2>/dev/null | sed -n "/$mark\$/,\$p" |
		grep -E 'WARNING:|BUG:|Oops|refcount_t:|UBSAN:'
}

# run_seed SEED: one run, one KTAP line
run_seed() {
	local e i t0 line what bad
	seed=$1
	step=""
	t0=$(date +%s)
	dir=$tmp/$seed
	group=vsync-nemesis-$seed-$$
	rm -rf "$dir"
	mkdir -p "$dir"
	MEMBERS=""
	nm=0
	why=""
	violation=0
	checked=""
	faults=0
	nonprimary=0
	unsettled=0
	retried=0
	inj_sent=0
	for e in $KINDS; do
		eval "c_$e=0"
	done
	mark="vsync-nemesis: seed $seed run $$.$t0"
	{ echo "<5>$mark" > /dev/kmsg; } 2>/dev/null
	plan "$seed" > "$dir/plan"
	nodes=$(sed -n 's/^nodes \([0-9]*\) .*/\1/p' "$dir/plan")
	t_faults=$t0
	if ! vs_cluster_create "$nodes"; then
		why="cluster of $nodes not created"
	elif ! vs_wait_until $T_NODES settled; then
		why="the $nodes nodes did not settle"
		# shellcheck disable=SC2046 # one node a word
		vs_view_report $(all_nodes)
	else
		say "$nodes nodes, ${SECS}s of faults"
		t_faults=$(date +%s)
		# the plan on fd 3: what runs in the loop keeps stdin
		while read -r line <&3; do
			what=${line#* # }
			line=${line%% # *}
			# shellcheck disable=SC2086 # one word a field
			set -- $line
			case $1 in
			member)
				steady "$2" "$what" "$3" "$4" ;;
			fault)
				[ "$2" = 1 ] && { wait_first || break; }
				hold=$3
				step=$2
				say "fault: $what (${hold}s)"
				shift
				act "$@"
				staff
				sleep "$hold" ;;
			heal)
				step=$2
				say "heal: $what"
				shift
				undo "$@" ;;
			esac
		done 3< "$dir/plan"
		heal_all
		# shellcheck disable=SC2046 # one node a word
		if ! vs_wait_until $T_CONVERGE vs_agree primary "$(all_nodes)" $(all_nodes); then
			why="${why:+$why; }no primary view of all nodes ${T_CONVERGE}s after the heal"
			# shellcheck disable=SC2046
			vs_diag $(all_nodes) | sed "s/^# /# nemesis seed $seed: /"
		elif ! vs_wait_until $T_GROUP staffed; then
			why="${why:+$why; }the members alive are not in one view of them: $(last_views)"
		fi
	fi
	[ -n "$MEMBERS" ] && finish
	bad=$(kernel_report)
	if [ -n "$bad" ]; then
		echo "$bad" | sed "s/^/# nemesis seed $seed: kernel: /"
		why="${why:+$why; }kernel report"
	fi
	t_run=$(($(date +%s) - t0))
	step=""
	if [ -z "$why" ]; then
		say "ok: $nodes nodes, $faults faults ($(by_kind c_)), ${checked#vsync_check: OK: }$(extras), ${t_run}s"
		echo "ok $n nemesis_seed_$seed"
	else
		say "FAILED after ${t_run}s: $why"
		for e in $MEMBERS; do
			entry "$e"
			sed "s/^/# nemesis seed $seed: $e_name: /" "/tmp/vs_$e_name.out" 2>/dev/null |
				tail -n 3
		done
		say "again: $0 -d $SECS -f $VS_SUSPECT_MS $seed"
		echo "not ok $n nemesis_seed_$seed"
		failed=$((failed + 1))
	fi
	# the totals of every run
	for e in $KINDS; do
		eval "t_$e=\$((t_$e + c_$e))"
	done
	t_faults_all=$((t_faults_all + faults))
	i=$(echo "$checked" | sed -n 's/.* \([0-9]*\) delivered,.*/\1/p')
	t_delivered=$((t_delivered + ${i:-0}))
	t_violations=$((t_violations + violation))
	vs_teardown
	if [ -n "$why" ] && [ -n "$KEEP" ]; then
		mkdir -p "$KEEP/nemesis-$seed-$t0"
		cp "$dir"/* "$KEEP/nemesis-$seed-$t0/"
		for e in $MEMBERS; do
			entry "$e"
			cp "/tmp/vs_$e_name.out" "$KEEP/nemesis-$seed-$t0/" 2>/dev/null
		done
	fi
	for e in $MEMBERS; do
		entry "$e"
		rm -f "/tmp/vs_$e_name.out"
	done
	rm -rf "$dir"
}

# wait_first: the first members read one view of them all
wait_first() {
	vs_wait_until $T_VIEW one_view && return 0
	why="the first members did not join: $(last_views)"
	return 1
}

# by_kind PREFIX: "kind count" of the kinds counted, from PREFIXkind
by_kind() {
	local k c l
	l=""
	for k in $KINDS; do
		eval "c=\$$1$k"
		[ "$c" = 0 ] || l="$l${l:+, }$k $c"
	done
	echo "${l:-none}"
}

# extras: what the summary of a run adds when it happened
extras() {
	[ "$nonprimary" = 0 ] || printf ', cut off (exit 3): %s' "$nonprimary"
	[ "$inj_sent" = 0 ] || printf ', %s stranger packets' "$inj_sent"
	[ "$retried" = 0 ] || printf ', %s calls retried after ENOMEM/ENOBUFS' "$retried"
	[ "$unsettled" = 0 ] || printf ', %s cuts skipped (nodes unsettled)' "$unsettled"
}

echo "TAP version 13"
# shellcheck disable=SC2086 # one seed a word
set -- $SEEDS
echo "1..$#"
n=0
if [ ! -x "$MEMBER" ] || [ ! -x "$CHECK" ] || [ ! -d /sys/module/af_vsync ]; then
	for s in "$@"; do
		n=$((n + 1))
		echo "ok $n nemesis_seed_$s # SKIP no vsync_member, vsync_check or af_vsync"
	done
	exit 0
fi
failed=0
t_faults_all=0
t_delivered=0
t_violations=0
for e in $KINDS; do
	eval "t_$e=0"
done
vs_failslab_have && vs_failslab_on $FAILSLAB_PCT
t_start=$(date +%s)
ran=0
for s in "$@"; do
	n=$((n + 1))
	if [ "$BUDGET" != 0 ] && [ $(($(date +%s) - t_start)) -ge "$BUDGET" ]; then
		echo "ok $n nemesis_seed_$s # SKIP the ${BUDGET}s budget is spent"
		continue
	fi
	ran=$((ran + 1))
	run_seed "$s"
done
echo "# nemesis: $ran runs, $t_faults_all faults (by kind: $(by_kind t_)), $t_delivered messages delivered, $t_violations violations"
echo "# $((ran - failed)) passed, $failed failed, $((n - ran)) skipped"
[ $failed = 0 ]
