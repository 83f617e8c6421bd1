#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vsync_cluster_lib.sh: helpers for af_vsync multi-node selftests (busybox
# sh compatible; source it). A node is a network namespace n1..nN with a
# veth "eth0" whose other end p<i> is a port of the bridge vsbr0 in the hub
# namespace vshub. Node i has 10.10.0.i/24 (IPv4) or fd00::i/64 (IPv6,
# nodad): private addresses only, nothing leaves these namespaces.
#
# Variables (set before sourcing or before the calls):
#   VS_BIN       directory of vsyncctl, vsync_nl, vsync_inject, vsync_nocap
#                (default: this script's directory)
#   VS_CONFIG    "ctl" (default: configure with vsyncctl) or "nl" (with the
#                raw netlink client vsync_nl)
#   VS_CLUSTER   cluster id (default 7)
#   VS_PORT      UDP port (default: empty = the module's default, 7410)
#   VS_HB_MS     heartbeat_ms set in every node (default 50)
#   VS_SUSPECT_MS suspect_ms set in every node (default 600)
#   VS_READER_TIMEOUT_MS reader_timeout_ms set in every node (default:
#                the module's)
#   VS_FAMILY    4 (default) or 6
#   VS_WAIT      default bound of vs_wait_until, seconds (default 30)
#   VS_SLOW      a slower kernel (the debug kernel): a factor, default 1.
#                The failure detector's defaults (VS_HB_MS, VS_SUSPECT_MS,
#                VS_READER_TIMEOUT_MS's 30 s) and every vs_wait_until bound
#                grow by it; vs_slow SECS scales a script's own bounds
#
# Main calls:
#   vs_cluster_create N       hub + N nodes, configured, full static mesh
#   vs_node_create I          one node's netns and link (no vsync config)
#   vs_node_config I          node set + sysctls
#   vs_node_peer_add I J      node I gets J as a static peer
#   vs_peer_field I J FIELD   FIELD (state, id, inc, last, static, port) of
#                             peer J as node I sees it ("" if unknown)
#   vs_node_field I FIELD     id, cluster, addr, port, incarnation, up
#   vs_stat I NAME            counter NAME of node I
#   vs_wait_until SECS CMD... poll CMD until it succeeds, at most SECS
#   vs_all_up N [SKIP]        every node sees every other one UP
#   vs_view_of I              node I's view: "ID primary|non-primary: NODES"
#   vs_agree PRI "NODES" I... nodes I... hold one view of NODES, PRI
#                             (primary or non-primary)
#   vs_view_report I...       each node's view, as KTAP diagnostics
#   vs_split I...             move nodes I... to a second bridge (a
#                             partition); vs_unsplit I... undoes it
#   vs_cut I [link|loss]      isolate node I; vs_heal I undoes it
#   vs_netem I ARGS...        netem on both directions of node I's link
#   vs_netem_clear I
#   vs_netem_out I ARGS...    netem on node I's egress only: a packet from
#                             node to node meets it once
#   vs_loss I PCT, vs_dup I PCT, vs_delay I TIME [JITTER],
#   vs_reorder I PCT DELAY    netem shorthands (both directions of node I)
#   vs_spawn I NAME CMD...    run CMD in node I in the background
#   vs_node_kill I            kill node I's processes, delete its netns
#   vs_node_gone I            node I's netns is dismantled (its veth left
#                             the hub)
#   vs_node_restart I N       node I again after vs_node_kill, configured
#                             as vs_cluster_create N did
#   vs_failslab_have, vs_failslab_on PCT, vs_failslab_task PID 1|0,
#   vs_failslab_off           slab allocation failures for chosen tasks
#                             (kernels with CONFIG_FAILSLAB only)
#   vs_inj_create [FAMILY]    netns "inj" (10.10.0.200 / fd00::c8) on the
#                             bridge, not a node: for vsync_inject
#   vs_teardown               everything above, undone (also nodes n<digits>
#                             left by an earlier script)
#
# Every wait is bounded; no helper asserts how long something took.
# Helpers keep their variables local (busybox ash, dash and bash have
# "local"), so they nest without clobbering each other.
# shellcheck disable=SC3043

VS_LIB_DIR=$(cd "$(dirname "${VS_LIB_SELF:-$0}")" && pwd)
VS_BIN=${VS_BIN:-$VS_LIB_DIR}
VS_CONFIG=${VS_CONFIG:-ctl}
VS_CLUSTER=${VS_CLUSTER:-7}
VS_PORT=${VS_PORT:-}
VS_SLOW=${VS_SLOW:-1}
case $VS_SLOW in
''|0|*[!0-9]*) echo "VS_SLOW=$VS_SLOW: not a factor" >&2; exit 2 ;;
esac
VS_HB_MS=${VS_HB_MS:-$((50 * VS_SLOW))}
VS_SUSPECT_MS=${VS_SUSPECT_MS:-$((600 * VS_SLOW))}
[ "$VS_SLOW" = 1 ] ||
	VS_READER_TIMEOUT_MS=${VS_READER_TIMEOUT_MS:-$((30000 * VS_SLOW))}
VS_FAMILY=${VS_FAMILY:-4}
VS_WAIT=${VS_WAIT:-30}

VS_IP=/sbin/ip
VS_TC=/sbin/tc
[ -x $VS_IP ] || VS_IP=$(command -v ip)
[ -x $VS_TC ] || VS_TC=$(command -v tc)
VS_CTL=$VS_BIN/vsyncctl
VS_NL=$VS_BIN/vsync_nl
VS_HUB=vshub
VS_BR=vsbr0
VS_SYSCTL=/proc/sys/net/vsync
VS_NODES=""	# node indexes created (for teardown)
VS_PIDS=""	# "node:pid" of vs_spawn'ed processes

vs_log() {
	echo "# $*"
}

# vs_ns I: the netns name of node I
vs_ns() {
	echo "n$1"
}

# vs_addr I [FAMILY]: node I's address
vs_addr() {
	if [ "${2:-$VS_FAMILY}" = 6 ]; then
		echo "fd00::$1"
	else
		echo "10.10.0.$1"
	fi
}

vs_exec() {	# vs_exec I CMD...: run CMD in node I
	local _n
	_n=$1
	shift
	$VS_IP netns exec "n$_n" "$@"
}

vs_ctl() {	# vs_ctl I ARGS...: vsyncctl in node I
	local _n
	_n=$1
	shift
	$VS_IP netns exec "n$_n" "$VS_CTL" "$@"
}

vs_nl() {	# vs_nl I ARGS...: vsync_nl in node I
	local _n
	_n=$1
	shift
	$VS_IP netns exec "n$_n" "$VS_NL" "$@"
}

# --- the hub --------------------------------------------------------------------

vs_hub_create() {
	[ -e "/run/netns/$VS_HUB" ] && return 0
	$VS_IP netns add $VS_HUB || return 1
	$VS_IP -n $VS_HUB link set lo up
	$VS_IP -n $VS_HUB link add $VS_BR type bridge || return 1
	# no STP, no forwarding delay: ports forward as soon as they are up
	$VS_IP -n $VS_HUB link set $VS_BR type bridge stp_state 0 forward_delay 0 2>/dev/null
	$VS_IP -n $VS_HUB link set $VS_BR up
}

# --- nodes ----------------------------------------------------------------------

# vs_node_create I [FAMILY]: netns nI, eth0 <-> pI in the hub's bridge
vs_node_create() {
	local _fam _i
	_i=$1
	_fam=${2:-$VS_FAMILY}
	vs_hub_create || return 1
	# a node of that name left over (by a test that died) goes first
	if [ -e "/run/netns/n$_i" ]; then
		$VS_IP netns del "n$_i"
		$VS_IP -n $VS_HUB link del "p$_i" 2>/dev/null
	fi
	$VS_IP netns add "n$_i" || return 1
	case " $VS_NODES " in
	*" $_i "*) ;;
	*) VS_NODES="$VS_NODES $_i" ;;
	esac
	$VS_IP -n "n$_i" link set lo up
	$VS_IP -n $VS_HUB link add "p$_i" type veth peer name eth0 netns "n$_i" || return 1
	$VS_IP -n $VS_HUB link set "p$_i" master $VS_BR || return 1
	$VS_IP -n $VS_HUB link set "p$_i" up
	if [ "$_fam" = 6 ]; then
		$VS_IP -n "n$_i" -6 addr add "fd00::$_i/64" dev eth0 nodad || return 1
	else
		$VS_IP -n "n$_i" addr add "10.10.0.$_i/24" dev eth0 || return 1
	fi
	$VS_IP -n "n$_i" link set eth0 up
}

# vs_sysctl_set I NAME VALUE
vs_sysctl_set() {
	$VS_IP netns exec "n$1" sh -c "echo $3 > $VS_SYSCTL/$2"
}

vs_sysctl_get() {	# vs_sysctl_get I NAME
	$VS_IP netns exec "n$1" cat "$VS_SYSCTL/$2"
}

# vs_node_config I [FAMILY]: timers, then node id I, cluster, address, port
vs_node_config() {
	local _a _i
	_i=$1
	_a=$(vs_addr "$_i" "${2:-$VS_FAMILY}")
	vs_sysctl_set "$_i" heartbeat_ms "$VS_HB_MS" || return 1
	vs_sysctl_set "$_i" suspect_ms "$VS_SUSPECT_MS" || return 1
	if [ -n "$VS_READER_TIMEOUT_MS" ]; then
		vs_sysctl_set "$_i" reader_timeout_ms "$VS_READER_TIMEOUT_MS" ||
			return 1
	fi
	if [ "$VS_CONFIG" = nl ]; then
		vs_nl "$_i" set id "$_i" cluster "$VS_CLUSTER" addr "$_a" \
			${VS_PORT:+port $VS_PORT}
	else
		vs_ctl "$_i" node set id "$_i" cluster "$VS_CLUSTER" addr "$_a" \
			${VS_PORT:+port $VS_PORT}
	fi
}

# vs_node_peer_add I J [FAMILY]: I learns of J by configuration
vs_node_peer_add() {
	local _a
	_a=$(vs_addr "$2" "${3:-$VS_FAMILY}")
	if [ "$VS_CONFIG" = nl ]; then
		vs_nl "$1" peer-add addr "$_a" ${VS_PORT:+port $VS_PORT}
	else
		vs_ctl "$1" peer add addr "$_a" ${VS_PORT:+port $VS_PORT}
	fi
}

# vs_cluster_create N [FAMILY]: nodes 1..N, each with all others as peers
vs_cluster_create() {
	local _f _j _k _n
	_n=$1
	_f=${2:-$VS_FAMILY}
	_k=1
	while [ $_k -le "$_n" ]; do
		vs_node_create $_k "$_f" || { vs_log "node $_k: create failed"; return 1; }
		_k=$((_k + 1))
	done
	_k=1
	while [ $_k -le "$_n" ]; do
		vs_node_config $_k "$_f" || { vs_log "node $_k: config failed"; return 1; }
		_j=1
		while [ $_j -le "$_n" ]; do
			if [ $_j != $_k ]; then
				vs_node_peer_add $_k $_j "$_f" ||
					{ vs_log "node $_k: peer add $_j failed"; return 1; }
			fi
			_j=$((_j + 1))
		done
		_k=$((_k + 1))
	done
}

# --- reading state ------------------------------------------------------------

# vs_node_field I FIELD (from "vsync_nl node": id cluster addr port
# incarnation up family)
vs_node_field() {
	vs_nl "$1" node 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# vs_peer_line I ADDR: node I's line for the peer at ADDR (any port)
vs_peer_line() {
	vs_nl "$1" peers 2>/dev/null | grep "^addr=$2 "
}

# vs_peer_field I J FIELD [FAMILY]: FIELD of node I's entry for node J
vs_peer_field() {
	vs_peer_line "$1" "$(vs_addr "$2" "${4:-$VS_FAMILY}")" | head -n1 |
		tr ' ' '\n' | sed -n "s/^$3=//p"
}

vs_peer_state() {	# vs_peer_state I J [FAMILY]
	vs_peer_field "$1" "$2" state "$3"
}

vs_stat() {	# vs_stat I NAME: the counter, or empty
	vs_nl "$1" stat "$2" 2>/dev/null
}

# vs_stats I: "name value" lines into stdout
vs_stats() {
	vs_nl "$1" stats 2>/dev/null
}

# vs_stats_sum I PATTERN: sum of the counters whose name matches PATTERN
vs_stats_sum() {
	vs_stats "$1" | awk -v p="$2" '$1 ~ p { s += $2 } END { printf "%d\n", s }'
}

# --- waiting ----------------------------------------------------------------------

vs_nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# vs_slow SECS: a bound of SECS seconds on this kernel (times VS_SLOW)
vs_slow() {
	echo $(($1 * VS_SLOW))
}

# vs_wait_until SECS CMD...: run CMD until it succeeds; fails after SECS
# seconds, times VS_SLOW (a bound, not an expectation)
vs_wait_until() {
	local _end _limit
	_limit=$(($1 * VS_SLOW))
	shift
	_end=$(( $(date +%s) + _limit ))
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -ge $_end ] && break
		vs_nap
	done
	"$@"
}

# vs_state_is I J STATE [FAMILY]
vs_state_is() {
	[ "$(vs_peer_state "$1" "$2" "$4")" = "$3" ]
}

# vs_all_up N [SKIP...]: every pair of nodes 1..N (but the
# SKIPped ones) sees each other UP, at the addresses of VS_FAMILY
vs_all_up() {
	local _a _b _n _peers _skip
	_n=$1
	shift
	_skip=" $* "
	_a=1
	while [ $_a -le "$_n" ]; do
		case "$_skip" in *" $_a "*) _a=$((_a + 1)); continue ;; esac
		_peers=$(vs_nl $_a peers 2>/dev/null)
		_b=1
		while [ $_b -le "$_n" ]; do
			case "$_skip" in *" $_b "*) _b=$((_b + 1)); continue ;; esac
			if [ $_b != $_a ]; then
				echo "$_peers" | grep -q "^addr=$(vs_addr $_b) .* state=up " ||
					return 1
			fi
			_b=$((_b + 1))
		done
		_a=$((_a + 1))
	done
	return 0
}

# vs_all_up_report N: which pairs are not UP (for diagnostics)
vs_all_up_report() {
	local _a _b _s
	_a=1
	while [ $_a -le "$1" ]; do
		_b=1
		while [ $_b -le "$1" ]; do
			if [ $_b != $_a ]; then
				_s=$(vs_peer_state $_a $_b)
				[ "$_s" = up ] || echo "n$_a sees n$_b '${_s:-absent}'"
			fi
			_b=$((_b + 1))
		done
		_a=$((_a + 1))
	done | tr '\n' ';'
}

# --- node views --------------------------------------------------------------------

# vs_view_of I: "ID PRIMARY|non-primary: NODES" as node I has it
vs_view_of() {
	vs_ctl "$1" node show 2>/dev/null | awk '
		$1 == "view" { id = $2; pri = $3 }
		$1 == "nodes" { $1 = ""; print id, pri ":" $0 }'
}

# vs_sorted NODES...: the node ids, sorted, on one line
vs_sorted() {
	echo "$@" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# vs_agree PRIMARY NODES I...: nodes I... hold the same view (same id, same
# nodes in the same rank order), whose nodes are NODES in any order, with
# that primary flag.  The order joiners get depends on when each is heard.
vs_agree() {
	local _first _i _pri _v _want
	_pri=$1
	_want=$(vs_sorted "$2")
	shift 2
	_first=""
	for _i in "$@"; do
		_v=$(vs_view_of "$_i")
		[ -n "$_v" ] || return 1
		case "$_v" in *" $_pri: "*) ;; *) return 1 ;; esac
		[ "$(vs_sorted "${_v#*: }")" = "$_want" ] || return 1
		if [ -z "$_first" ]; then
			_first=$_v
		elif [ "$_v" != "$_first" ]; then
			return 1
		fi
	done
}

vs_view_report() {	# vs_view_report I...
	local _i
	for _i in "$@"; do
		echo "# n$_i: $(vs_view_of "$_i")"
	done
}

# vs_diag I...: what a failing test shows of nodes I...: the node, the
# peers it knows (their views), its groups and members, and its counters
# that are not zero
vs_diag() {
	local _i
	for _i in "$@"; do
		vs_ctl "$_i" node show 2>&1 | sed "s/^/# n$_i: /"
		vs_ctl "$_i" peer show 2>&1 | sed "s/^/# n$_i: /"
		vs_ctl "$_i" group show 2>&1 | sed "s/^/# n$_i: /"
		vs_stats "$_i" | awk -v n="$_i" \
			'$2 != 0 { s = s " " $1 "=" $2 } END { print "# n" n ":" s }'
	done
}

# vs_split I...: move nodes I... to a second bridge (a partition)
vs_split() {
	local _i
	$VS_IP -n $VS_HUB link add vsbr1 type bridge 2>/dev/null
	$VS_IP -n $VS_HUB link set vsbr1 type bridge stp_state 0 forward_delay 0
	$VS_IP -n $VS_HUB link set vsbr1 up
	for _i in "$@"; do
		$VS_IP -n $VS_HUB link set "p$_i" master vsbr1
	done
}

vs_unsplit() {	# vs_unsplit I...
	local _i
	for _i in "$@"; do
		$VS_IP -n $VS_HUB link set "p$_i" master $VS_BR
	done
}

# --- faults -----------------------------------------------------------------------

# vs_cut I [link|loss]: link: node I's eth0 down; loss: netem loss 100% on
# both directions of its link
vs_cut() {
	case "${2:-link}" in
	link) $VS_IP -n "n$1" link set eth0 down ;;
	loss) vs_netem "$1" loss 100% ;;
	*) return 1 ;;
	esac
}

vs_heal() {
	$VS_IP -n "n$1" link set eth0 up
	vs_netem_clear "$1"
	return 0
}

# vs_netem I ARGS...: netem ARGS on node I's egress (eth0 in nI) and
# ingress (pI in the hub)
vs_netem() {
	local _i
	_i=$1
	vs_netem_out "$@" || return 1
	shift
	$VS_TC -n $VS_HUB qdisc replace dev "p$_i" root netem "$@"
}

vs_netem_out() {	# vs_netem_out I ARGS...
	local _i
	_i=$1
	shift
	$VS_TC -n "n$_i" qdisc replace dev eth0 root netem "$@"
}

vs_netem_clear() {
	$VS_TC -n "n$1" qdisc del dev eth0 root 2>/dev/null
	$VS_TC -n $VS_HUB qdisc del dev "p$1" root 2>/dev/null
	return 0
}

vs_loss() { vs_netem "$1" loss "$2"; }
vs_dup() { vs_netem "$1" duplicate "$2"; }
vs_delay() { vs_netem "$1" delay "$2" ${3:+"$3"}; }
# vs_reorder I PERCENT DELAY: PERCENT of packets go at once, the rest DELAY
vs_reorder() { vs_netem "$1" delay "$3" reorder "$2"; }

# --- processes, crash, teardown -----------------------------------------------------

# vs_spawn I NAME CMD...: CMD in node I in the background; its pid in
# $vs_pid_NAME, output in /tmp/vs_NAME.out
vs_spawn() {
	local _i _name
	_i=$1
	_name=$2
	shift 2
	$VS_IP netns exec "n$_i" "$@" > "/tmp/vs_$_name.out" 2>&1 &
	eval "vs_pid_$_name=$!"
	VS_PIDS="$VS_PIDS $_i:$!"
}

# vs_node_procs_kill I: kill what vs_spawn started in node I
vs_node_procs_kill() {
	local _e _keep
	_keep=""
	for _e in $VS_PIDS; do
		if [ "${_e%%:*}" = "$1" ]; then
			kill -KILL "${_e#*:}" 2>/dev/null
			wait "${_e#*:}" 2>/dev/null
		else
			_keep="$_keep $_e"
		fi
	done
	VS_PIDS=$_keep
}

# vs_node_kill I: crash node I: its processes die, its netns goes
vs_node_kill() {
	vs_node_procs_kill "$1"
	$VS_IP netns del "n$1" 2>/dev/null
	# the veth pair goes with the netns; make sure the hub's end is gone
	$VS_IP -n $VS_HUB link del "p$1" 2>/dev/null
	return 0
}

# vs_node_gone I: the hub no longer has node I's port (its netns is gone
# for the kernel, not only for "ip netns")
vs_node_gone() {
	! $VS_IP -n $VS_HUB link show "p$1" > /dev/null 2>&1
}

vs_teardown() {
	local _e _i
	for _e in $VS_PIDS; do
		kill -KILL "${_e#*:}" 2>/dev/null
	done
	for _e in $VS_PIDS; do
		wait "${_e#*:}" 2>/dev/null
	done
	VS_PIDS=""
	# every node, also those of an earlier run of a test that died
	for _i in $VS_NODES; do
		$VS_IP netns del "n$_i" 2>/dev/null
	done
	for _e in /run/netns/n[0-9]*; do
		case "${_e##*/}" in
		n*[!0-9]*) ;;
		*) [ -e "$_e" ] && $VS_IP netns del "${_e##*/}" 2>/dev/null ;;
		esac
	done
	VS_NODES=""
	$VS_IP netns del inj 2>/dev/null
	$VS_IP netns del $VS_HUB 2>/dev/null
	return 0
}

# vs_inj_create [FAMILY]: netns "inj" on the bridge, 10.10.0.200 / fd00::c8,
# for vsync_inject (not a node)
vs_inj_create() {
	vs_hub_create || return 1
	$VS_IP netns add inj || return 1
	$VS_IP -n inj link set lo up
	$VS_IP -n $VS_HUB link add pinj type veth peer name eth0 netns inj || return 1
	$VS_IP -n $VS_HUB link set pinj master $VS_BR up || return 1
	if [ "${1:-$VS_FAMILY}" = 6 ]; then
		$VS_IP -n inj -6 addr add fd00::c8/64 dev eth0 nodad || return 1
	else
		$VS_IP -n inj addr add 10.10.0.200/24 dev eth0 || return 1
	fi
	$VS_IP -n inj link set eth0 up
}

vs_inj_addr() {
	if [ "${1:-$VS_FAMILY}" = 6 ]; then echo fd00::c8; else echo 10.10.0.200; fi
}

vs_inj_delete() {
	$VS_IP netns del inj 2>/dev/null
	$VS_IP -n $VS_HUB link del pinj 2>/dev/null
	return 0
}

# --- restarts and slab fault injection -----------------------------------------------

# vs_node_restart I N [FAMILY]: node I comes back after vs_node_kill: a new
# netns with the same id, configured as vs_cluster_create N configured it
# (every other node of 1..N a static peer, down or not)
vs_node_restart() {
	local _f _j
	_f=${3:-$VS_FAMILY}
	vs_node_create "$1" "$_f" && vs_node_config "$1" "$_f" || return 1
	_j=1
	while [ $_j -le "$2" ]; do
		if [ $_j != "$1" ]; then
			vs_node_peer_add "$1" $_j "$_f" || return 1
		fi
		_j=$((_j + 1))
	done
}

VS_FAILSLAB=/sys/kernel/debug/failslab
VS_FAILSLAB_SAVED=""	# "attribute=value" as vs_failslab_on found them

# vs_failslab_have: the kernel injects slab allocation failures
# (CONFIG_FAILSLAB, debugfs mounted) and can aim them at chosen tasks
# (/proc/PID/make-it-fail); Debian's stock kernels cannot
vs_failslab_have() {
	[ -w $VS_FAILSLAB/probability ] && [ -e /proc/self/make-it-fail ]
}

# vs_failslab_on PCT: PCT% of the slab allocations of the tasks marked by
# vs_failslab_task fail, those that may sleep too, without a report each;
# no other task is touched.  vs_failslab_off puts the attributes back.
vs_failslab_on() {
	local _a
	VS_FAILSLAB_SAVED=""
	# probability first: put back first, it stops the failures
	for _a in probability task-filter ignore-gfp-wait verbose space interval times; do
		VS_FAILSLAB_SAVED="$VS_FAILSLAB_SAVED $_a=$(cat $VS_FAILSLAB/$_a)" ||
			return 1
	done
	echo Y > $VS_FAILSLAB/task-filter &&
	echo N > $VS_FAILSLAB/ignore-gfp-wait &&
	echo 0 > $VS_FAILSLAB/verbose &&
	echo 0 > $VS_FAILSLAB/space &&
	echo 1 > $VS_FAILSLAB/interval &&
	echo -1 > $VS_FAILSLAB/times &&
	echo "$1" > $VS_FAILSLAB/probability
}

# vs_failslab_task PID 1|0: mark task PID (its allocations may fail) or
# unmark it; a task gone meanwhile is no error
vs_failslab_task() {
	{ echo "$2" > "/proc/$1/make-it-fail"; } 2>/dev/null
	return 0
}

vs_failslab_off() {
	local _e
	for _e in $VS_FAILSLAB_SAVED; do
		echo "${_e#*=}" > "$VS_FAILSLAB/${_e%%=*}"
	done
	VS_FAILSLAB_SAVED=""
}
