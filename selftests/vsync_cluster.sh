#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Transport-level tests of af_vsync across nodes (busybox sh, as root, in
# the test VM): node configuration through vsyncctl and raw generic netlink
# (shown back, refused without CAP_NET_ADMIN, bad values refused), the
# net.vsync sysctls (defaults, ranges, per netns), clusters of 3 and 5
# nodes over IPv4 and of 3 over IPv6 (every peer UP everywhere, learned
# peers, a node cut off by link down or netem loss goes DOWN and comes back,
# a node whose netns is deleted goes DOWN, a node restarted with the same id
# comes back with a new incarnation, counters move), malformed packets from
# vsync_inject counted by reason while the cluster stays up (each kind of
# the ordering packets on its own too), well-formed ordering packets from a
# node outside the view ignored and damaged ones dropped, netns deletion
# with the transport running, rmmod with and after configured netns, and
# the races of teardown with a group's traffic in flight: nodes' netns
# deleted mid-stream (before and after their members die), rmmod as soon
# as the last socket is closed, rmmod while the netns are dismantled.
# Leaves the module loaded. Output is KTAP.
#
# Environment: VSYNC_KO (default /vsync/af_vsync.ko), VS_BIN (default: the
# directory of this script: vsyncctl, vsync_nl, vsync_nocap, vsync_inject,
# vsync_hold, vsync_inject_wirecheck, vsync_member), VS_* of
# vsync_cluster_lib.sh.

# shellcheck disable=SC2015 # "A && B || fail" is meant: fail if either fails
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vsync_cluster_lib.sh disable=SC2034 # VS_* are the library's
. "$here/vsync_cluster_lib.sh"

KO=${VSYNC_KO:-/vsync/af_vsync.ko}
NOCAP=$VS_BIN/vsync_nocap
INJECT=$VS_BIN/vsync_inject
HOLD=$VS_BIN/vsync_hold
MOD=/sys/module/af_vsync
CLUSTER=$VS_CLUSTER
tmp=$(mktemp -d /tmp/vsync_cluster.XXXXXX) || exit 1

# every counter the transport must show
COUNTERS="rx_packets tx_packets drop_short drop_version drop_header drop_length
drop_type drop_cluster drop_node drop_self drop_field heartbeat_rx heartbeat_tx
peer_learned peer_up peer_down peer_restart"

TESTS="
genl_node_unconfigured
ctl_node_set_shown
transport_socket_follows_port
node_set_same_config_keeps_incarnation
ctl_node_show_text_and_json
ctl_default_port
ctl_peer_add_show_del
nocap_helper_drops_net_admin
nonadmin_config_refused
nonadmin_show_allowed
ctl_bad_values_refused
nl_bad_values_refused
node_addr_not_local_refused
node_id_change_refused_with_members
sysctl_defaults
sysctl_ranges
sysctl_per_netns
stats_all_counters_shown
cluster3_v4_created
cluster3_v4_all_up
cluster3_v4_peer_ids_incarnations
cluster3_ctl_peer_show
cluster3_counters_move
learned_peer_appears
learned_peer_made_static
peer_del_of_live_peer_relearned
duplicate_node_id_dropped_as_self
cut_link_down_seen_down
cut_suspect_ms_per_netns
cut_link_heal_seen_up
cut_netem_loss_down_then_up
netns_delete_seen_down
restart_same_id_new_incarnation
inject_kinds_match_wire_validator
inject_packets_sent
inject_garbage_dropped
inject_drop_short
inject_drop_version
inject_drop_header
inject_drop_length
inject_drop_type
inject_drop_cluster
inject_drop_node
inject_drop_self
inject_drop_field
inject_kind_submit_header
inject_kind_order_header
inject_kind_ack_header
inject_kind_accept_header
inject_kind_view_header
inject_kind_submit_length
inject_kind_order_length
inject_kind_ent_type
inject_kind_ent_name
inject_kind_ent_member
inject_kind_ent_class
inject_kind_ent_size
inject_kind_submit_field
inject_kind_order_seq
inject_kind_order_origin
inject_kind_gstate
inject_kind_sync
inject_kind_view_map
inject_kind_view_field
inject_kind_accept_view
inject_kind_hb_flags
inject_kind_ack_field
inject_rx_counted
inject_nothing_learned
inject_cluster_still_up
inject_valid_control_learned
inject_stranger_ordering_ignored
inject_stranger_order_right_epoch_ignored
inject_mutated_ordering_dropped
inject_strangers_gone_view_settled
inject_flood_survived
netns_delete_under_flood_clean
cluster5_v4_all_up
cluster5_v4_cut_one_down
cluster5_v4_heal_all_up
cluster3_v6_all_up
cluster3_v6_cut_down_heal_up
cluster3_v6_inject_dropped
netns_delete_running_clean
rmmod_after_netns_deleted
rmmod_with_configured_netns
race_netns_delete_mid_stream
race_rmmod_at_last_close
race_rmmod_netns_dismantle
dmesg_clean_whole_run
"

n=0
failed=0
why=""

cleanup() {
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

result() {	# result 0|1|skip NAME [REASON]
	n=$((n + 1))
	case $1 in
	0) echo "ok $n $2" ;;
	skip) echo "ok $n $2 # SKIP $3" ;;
	*)
		[ -n "$3" ] && echo "# $2: $3"
		echo "not ok $n $2"
		failed=$((failed + 1))
		;;
	esac
}

fail() {	# fail REASON: note why, return 1 from the test
	why="$*"
	return 1
}

DMESG=/bin/dmesg
[ -x $DMESG ] || DMESG="busybox dmesg"
dmesg_start=$($DMESG | wc -l)
dmesg_mark() {
	dmesg_lines=$($DMESG | wc -l)
}
dmesg_since() {	# dmesg_since LINE
	$DMESG | tail -n +$(($1 + 1))
}
dmesg_bad() {	# dmesg_bad LINE: kernel splats since LINE (empty: none)
	dmesg_since "$1" | grep -E 'BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|KASAN|UBSAN|suspected memory leak|unreferenced object|\[#[0-9]+\]' | head -n 8
}

loaded() {
	[ -d $MOD ]
}

rmmod_retry() {
	_i=0
	while ! rmmod af_vsync > "$tmp/rmmod.out" 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge 100 ] && return 1
		vs_nap
	done
	return 0
}

# kv LINE KEY: the value of KEY=value in LINE
kv() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

ge() {	# ge A B: A >= B, both numbers
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" -ge "$2" ] 2>/dev/null
}

# stat_ge I NAME MIN: counter NAME of node I is at least MIN
stat_ge() {
	ge "$(vs_stat "$1" "$2")" "$3"
}

# ---------------------------------------------------------------------------
# single nodes: configuration
# ---------------------------------------------------------------------------

t_genl_node_unconfigured() {
	vs_node_create 1 || fail "cannot create netns n1"  || return 1
	line=$(vs_nl 1 node 2> "$tmp/e") || fail "vsync_nl node: $(cat "$tmp/e")" || return 1
	[ "$(kv "$line" up)" = 0 ] || fail "fresh node: $line (want up=0)" || return 1
	[ "$(kv "$line" addr)" = none ] || fail "fresh node has an address: $line" || return 1
	[ "$(kv "$line" port)" = 7410 ] || fail "fresh node: $line (want port=7410, the default)" || return 1
	peers=$(vs_nl 1 peers 2>&1) || fail "peers dump: $peers" || return 1
	[ -z "$peers" ] || fail "fresh node has peers: $peers"
}

t_ctl_node_set_shown() {
	out=$(vs_ctl 1 node set id 7 cluster 42 addr 10.10.0.1 port 7411 2>&1) ||
		fail "vsyncctl node set failed: $out" || return 1
	line=$(vs_nl 1 node)
	[ "$(kv "$line" id)" = 7 ] && [ "$(kv "$line" cluster)" = 42 ] &&
		[ "$(kv "$line" addr)" = 10.10.0.1 ] && [ "$(kv "$line" port)" = 7411 ] &&
		[ "$(kv "$line" up)" = 1 ] ||
		fail "kernel has: $line (want id=7 cluster=42 addr=10.10.0.1 port=7411 up=1)" || return 1
	[ "$(kv "$line" incarnation)" != 0 ] || fail "incarnation 0 with the transport up: $line"
}

SS=/sbin/ss
[ -x $SS ] || SS=$(command -v ss)

# udp_socket_on I ADDR:PORT: node I has a UDP socket bound there
udp_socket_on() {
	vs_exec "$1" "$SS" -Hunl 2>/dev/null | grep -Eq "[[:space:]]$(echo "$2" | sed 's/\./\\./g')[[:space:]]"
}

t_transport_socket_follows_port() {
	[ -n "$SS" ] || { why="no ss"; return 2; }
	inc0=$(vs_node_field 1 incarnation)
	udp_socket_on 1 10.10.0.1:7411 ||
		fail "no UDP socket on 10.10.0.1:7411: $(vs_exec 1 "$SS" -Hunl | tr '\n' '|')" || return 1
	out=$(vs_ctl 1 node set port 7412 2>&1) || fail "node set port 7412: $out" || return 1
	bad=""
	udp_socket_on 1 10.10.0.1:7412 || bad="$bad no-socket-on-7412"
	udp_socket_on 1 10.10.0.1:7411 && bad="$bad old-socket-on-7411-left"
	[ "$(vs_node_field 1 port)" = 7412 ] || bad="$bad port=$(vs_node_field 1 port)"
	[ "$(vs_node_field 1 incarnation)" != "$inc0" ] || bad="$bad incarnation-unchanged-over-a-transport-restart"
	vs_ctl 1 node set port 7411 > /dev/null 2>&1 || bad="$bad port-7411-back-refused"
	udp_socket_on 1 10.10.0.1:7411 || bad="$bad no-socket-on-7411-after"
	udp_socket_on 1 10.10.0.1:7412 && bad="$bad socket-on-7412-left"
	[ -z "$bad" ] || fail "$bad: $(vs_exec 1 "$SS" -Hunl | tr '\n' '|')"
}

t_node_set_same_config_keeps_incarnation() {
	before=$(vs_nl 1 node)
	out=$(vs_ctl 1 node set id 7 cluster 42 addr 10.10.0.1 port 7411 2>&1) ||
		fail "the same node set again: $out" || return 1
	after=$(vs_nl 1 node)
	[ "$before" = "$after" ] || fail "node changed by setting what it had: '$before' -> '$after'" || return 1
	[ -z "$SS" ] || [ "$(vs_exec 1 "$SS" -Hunl | grep -c ':7411[[:space:]]')" = 1 ] ||
		fail "UDP sockets: $(vs_exec 1 "$SS" -Hunl | tr '\n' '|')"
}

t_ctl_node_show_text_and_json() {
	out=$(vs_ctl 1 node show 2>&1) || fail "node show: $out" || return 1
	for w in 7 42 10.10.0.1 7411; do
		echo "$out" | grep -qw -- "$w" || fail "node show lacks '$w': $(echo "$out" | tr '\n' '|')" || return 1
	done
	js=$(vs_ctl 1 -j node show 2>&1) || fail "-j node show: $js" || return 1
	case "$js" in
	'{'*) ;;
	*) fail "-j node show is not a JSON object: $js"; return 1 ;;
	esac
	echo "$js" | grep -q '"10\.10\.0\.1"' || fail "JSON lacks the address string: $js" || return 1
	for w in 7 42 7411; do
		echo "$js" | grep -Eq ":[ ]*${w}[,} ]" || fail "JSON lacks the number $w: $js" || return 1
	done
}

t_ctl_default_port() {
	vs_node_create 2 || fail "cannot create n2" || return 1
	out=$(vs_ctl 2 node set id 2 addr 10.10.0.2 2>&1) || fail "node set: $out" || return 1
	line=$(vs_nl 2 node)
	[ "$(kv "$line" port)" = 7410 ] && [ "$(kv "$line" up)" = 1 ] ||
		fail "node set without a port: $line (want port=7410 up=1)"
}

t_ctl_peer_add_show_del() {
	out=$(vs_ctl 1 peer add addr 10.10.0.5 2>&1) || fail "peer add: $out" || return 1
	out=$(vs_ctl 1 peer add addr 10.10.0.6 port 7499 2>&1) || fail "peer add with port: $out" || return 1
	l5=$(vs_peer_line 1 10.10.0.5)
	l6=$(vs_peer_line 1 10.10.0.6)
	[ "$(kv "$l5" port)" = 7410 ] && [ "$(kv "$l5" static)" = 1 ] && [ "$(kv "$l5" id)" = 0 ] ||
		fail "peer 10.10.0.5: '$l5' (want port=7410 static=1 id=0)" || return 1
	case "$(kv "$l5" state)" in
	unknown) ;;
	*) fail "a peer never heard is '$(kv "$l5" state)', want unknown"; return 1 ;;
	esac
	[ "$(kv "$l6" port)" = 7499 ] || fail "peer 10.10.0.6: '$l6' (want port=7499)" || return 1
	txt=$(vs_ctl 1 peer show 2>&1) || fail "peer show: $txt" || return 1
	echo "$txt" | grep -q '10\.10\.0\.5' && echo "$txt" | grep -q 7499 &&
		echo "$txt" | grep -q unknown ||
		fail "peer show lacks a peer, its port or its state: $(echo "$txt" | tr '\n' '|')" || return 1
	js=$(vs_ctl 1 -j peer show 2>&1) || fail "-j peer show: $js" || return 1
	echo "$js" | grep -q '"10\.10\.0\.5"' && echo "$js" | grep -q '"unknown"' ||
		fail "JSON peer show: $js" || return 1
	vs_ctl 1 peer add addr 10.10.0.5 > /dev/null 2>&1 && { fail "adding the same peer twice succeeded"; return 1; }
	out=$(vs_ctl 1 peer del addr 10.10.0.5 2>&1) || fail "peer del: $out" || return 1
	[ -z "$(vs_peer_line 1 10.10.0.5)" ] || fail "deleted peer still listed" || return 1
	vs_ctl 1 peer del addr 10.10.0.5 > /dev/null 2>&1 && { fail "deleting an absent peer succeeded"; return 1; }
	vs_ctl 1 peer del addr 10.10.0.6 > /dev/null 2>&1 &&
		{ fail "peer del without its port (7499) deleted 10.10.0.6:7410, which does not exist"; return 1; }
	out=$(vs_ctl 1 peer del addr 10.10.0.6 port 7499 2>&1) || fail "peer del with port: $out" || return 1
	[ -z "$(vs_nl 1 peers)" ] || fail "peers left: $(vs_nl 1 peers | tr '\n' '|')"
}

t_nocap_helper_drops_net_admin() {
	# CapEff of a process run through vsync_nocap lacks bit 12 (NET_ADMIN)
	for u in "" -u; do
		eff=$(vs_exec 1 "$NOCAP" $u cat /proc/self/status 2>&1 | sed -n 's/^CapEff:[[:space:]]*//p')
		[ -n "$eff" ] || fail "vsync_nocap $u: no CapEff" || return 1
		[ $(( 0x$eff & (1 << 12) )) = 0 ] || fail "vsync_nocap $u: CapEff $eff has CAP_NET_ADMIN" || return 1
	done
	eff=$(vs_exec 1 cat /proc/self/status | sed -n 's/^CapEff:[[:space:]]*//p')
	[ $(( 0x$eff & (1 << 12) )) != 0 ] || fail "the test itself lacks CAP_NET_ADMIN ($eff)"
}

t_nonadmin_config_refused() {
	before=$(vs_nl 1 node)
	bad=""
	vs_exec 1 "$NOCAP" "$VS_CTL" node set id 9 > /dev/null 2>&1 && bad="$bad ctl-node-set"
	vs_exec 1 "$NOCAP" -u "$VS_CTL" node set cluster 9 > /dev/null 2>&1 && bad="$bad ctl-node-set(uid)"
	vs_exec 1 "$NOCAP" "$VS_CTL" peer add addr 10.10.0.9 > /dev/null 2>&1 && bad="$bad ctl-peer-add"
	vs_ctl 1 peer add addr 10.10.0.8 > /dev/null 2>&1 || bad="$bad (root peer add 10.10.0.8 failed)"
	vs_exec 1 "$NOCAP" "$VS_CTL" peer del addr 10.10.0.8 > /dev/null 2>&1 && bad="$bad ctl-peer-del"
	out=$(vs_nl 1 -N set id 9 2>&1) && bad="$bad nl-node-set"
	echo "$out" | grep -q EPERM || bad="$bad nl-node-set:'$out'(want EPERM)"
	out=$(vs_nl 1 -N peer-add addr 10.10.0.9 2>&1) && bad="$bad nl-peer-add"
	echo "$out" | grep -q EPERM || bad="$bad nl-peer-add:'$out'(want EPERM)"
	out=$(vs_nl 1 -N peer-del addr 10.10.0.8 2>&1) && bad="$bad nl-peer-del"
	echo "$out" | grep -q EPERM || bad="$bad nl-peer-del:'$out'(want EPERM)"
	after=$(vs_nl 1 node)
	[ "$before" = "$after" ] || bad="$bad node-changed:'$before'->'$after'"
	[ -z "$(vs_peer_line 1 10.10.0.9)" ] || bad="$bad peer-10.10.0.9-added"
	[ -n "$(vs_peer_line 1 10.10.0.8)" ] || bad="$bad peer-10.10.0.8-deleted"
	vs_ctl 1 peer del addr 10.10.0.8 > /dev/null 2>&1
	[ -z "$bad" ] || fail "accepted or wrong without CAP_NET_ADMIN:$bad"
}

t_nonadmin_show_allowed() {
	bad=""
	for u in "" -u; do
		vs_exec 1 "$NOCAP" $u "$VS_CTL" node show > /dev/null 2>&1 || bad="$bad ctl-node-show$u"
		vs_exec 1 "$NOCAP" $u "$VS_CTL" peer show > /dev/null 2>&1 || bad="$bad ctl-peer-show$u"
		vs_exec 1 "$NOCAP" $u "$VS_CTL" stats show > /dev/null 2>&1 || bad="$bad ctl-stats-show$u"
		vs_exec 1 "$NOCAP" $u "$VS_CTL" -j node show > /dev/null 2>&1 || bad="$bad ctl-j-node-show$u"
	done
	[ "$(vs_nl 1 -N node)" = "$(vs_nl 1 node)" ] || bad="$bad nl-node"
	vs_nl 1 -N peers > /dev/null 2>&1 || bad="$bad nl-peers"
	vs_nl 1 -N stats | grep -q '^rx_packets ' || bad="$bad nl-stats"
	[ -z "$bad" ] || fail "refused without CAP_NET_ADMIN:$bad"
}

t_ctl_bad_values_refused() {
	before=$(vs_nl 1 node)
	bad=""
	for args in "node set id 0" "node set port 0" "node set port 65536" \
		"node set id 4294967296" "node set id -1" "node set id abc" \
		"node set addr bogus" "node set addr 10.10.0.256" \
		"node set addr 224.0.0.1" "node set addr ff02::1" \
		"peer add addr bogus" "peer add addr 10.10.0.9 port 0" \
		"peer add addr 0.0.0.0" "peer add addr 255.255.255.255" "peer add" \
		"peer del addr bogus" "node set bogus 1"; do
		# shellcheck disable=SC2086 # word splitting wanted
		vs_ctl 1 $args > /dev/null 2>&1 && bad="$bad '$args'"
	done
	after=$(vs_nl 1 node)
	[ "$before" = "$after" ] || bad="$bad node-changed:'$before'->'$after'"
	p=$(vs_nl 1 peers)
	[ -z "$p" ] || bad="$bad peers-added:$(echo "$p" | tr '\n' '|')"
	[ -z "$bad" ] || fail "vsyncctl accepted:$bad"
}

t_nl_bad_values_refused() {
	before=$(vs_nl 1 node)
	bad=""
	for args in "set id 0" "set port 0" "set port32 7412" "set addrhex 0a0a00" \
		"set addrhex 0a0a000102" "set addrhex 00" "set addr 224.0.0.1" \
		"set addr ff02::1" "peer-add empty" "peer-add port 7410" \
		"peer-add addrhex 0a0a0009ff" "peer-add addr 10.10.0.9 port 0" \
		"peer-add addr 10.10.0.9 id 3" "peer-add addr 0.0.0.0" \
		"peer-add addr 239.1.1.1" "peer-add addr ::" "peer-add addr ::ffff:10.10.0.9" \
		"peer-add addr fe80::1" "peer-del addr 10.10.0.77"; do
		# shellcheck disable=SC2086 # word splitting wanted
		out=$(vs_nl 1 $args 2>&1)
		rc=$?
		case $rc in
		0) bad="$bad '$args':accepted" ;;
		1) ;;
		*) bad="$bad '$args':tool-error($out)" ;;
		esac
	done
	after=$(vs_nl 1 node)
	[ "$before" = "$after" ] || bad="$bad node-changed:'$before'->'$after'"
	p=$(vs_nl 1 peers)
	[ -z "$p" ] || bad="$bad peers-added:$(echo "$p" | tr '\n' '|')"
	[ -z "$bad" ] || fail "kernel:$bad"
}

t_node_addr_not_local_refused() {
	before=$(vs_nl 1 node)
	out=$(vs_nl 1 set addr 10.10.0.99 2>&1) && { fail "node set addr 10.10.0.99 (not in n1) accepted"; return 1; }
	after=$(vs_nl 1 node)
	[ "$before" = "$after" ] || fail "node changed by a refused set: '$before' -> '$after' ($out)" || return 1
	out2=$(vs_ctl 1 node set addr 10.10.0.99 2>&1) && { fail "vsyncctl: addr 10.10.0.99 accepted"; return 1; }
	[ "$before" = "$(vs_nl 1 node)" ] || fail "node changed by a refused vsyncctl set ($out2)"
}

# A node of its own (n9): n1 has seen peers come and go by now, and a node
# outside a primary view refuses joins with ENETDOWN.
t_node_id_change_refused_with_members() {
	[ -x "$HOLD" ] || fail "no $HOLD" || return 1
	rm -f "$tmp/hold"
	vs_node_create 9 || fail "cannot create n9" || return 1
	out=$(vs_nl 9 set id 7 2>&1) || fail "n9 id: $out" || return 1
	vs_spawn 9 hold "$HOLD" -j g -o "$tmp/hold"
	vs_wait_until 20 test -s "$tmp/hold"
	grep -q '^view ' "$tmp/hold" 2>/dev/null || fail "vsync_hold: $(cat "$tmp/hold" "/tmp/vs_hold.out" 2>&1)" || return 1
	out=$(vs_nl 9 set id 8 2>&1) && { fail "id changed with a member joined"; return 1; }
	echo "$out" | grep -q EBUSY || fail "want EBUSY, got: $out" || return 1
	[ "$(vs_node_field 9 id)" = 7 ] || fail "id is $(vs_node_field 9 id), want 7" || return 1
	out=$(vs_nl 9 set id 7 2>&1) || fail "setting the same id refused: $out" || return 1
	vs_node_procs_kill 9
	if ! out=$(vs_nl 9 set id 8 2>&1); then
		# the socket's release may lag its process's death a little
		vs_wait_until 10 vs_nl 9 set id 8 > /dev/null 2>&1 || fail "id change refused with no member: $out" || return 1
	fi
	[ "$(vs_node_field 9 id)" = 8 ] || fail "id is $(vs_node_field 9 id), want 8" || return 1
	vs_node_kill 9
}

t_sysctl_defaults() {
	vs_node_create 3 || fail "cannot create n3" || return 1
	got=""
	for kv in heartbeat_ms=100 suspect_ms=1000 retransmit_ms=40; do
		v=$(vs_sysctl_get 3 "${kv%=*}" 2>&1)
		[ "$v" = "${kv#*=}" ] || got="$got ${kv%=*}='$v'(want ${kv#*=})"
	done
	[ -z "$got" ] || fail "fresh netns:$got"
}

t_sysctl_ranges() {
	bad=""
	for spec in heartbeat_ms:10:10000:100 suspect_ms:50:60000:1000 retransmit_ms:5:10000:40; do
		name=${spec%%:*}
		r=${spec#*:}
		lo=${r%%:*}
		r=${r#*:}
		hi=${r%%:*}
		def=${r#*:}
		for v in $((lo - 1)) $((hi + 1)) 0 -1 abc 4294967306; do
			vs_sysctl_set 3 "$name" "$v" 2>/dev/null && bad="$bad $name=$v:accepted"
			cur=$(vs_sysctl_get 3 "$name")
			[ "$cur" = "$def" ] || bad="$bad $name=$v:now-$cur"
		done
		for v in $lo $hi; do
			vs_sysctl_set 3 "$name" "$v" 2>/dev/null || bad="$bad $name=$v:refused"
			cur=$(vs_sysctl_get 3 "$name")
			[ "$cur" = "$v" ] || bad="$bad $name=$v:reads-$cur"
		done
		vs_sysctl_set 3 "$name" "$def" || bad="$bad $name=$def:restore-failed"
	done
	[ -z "$bad" ] || fail "$bad"
}

t_sysctl_per_netns() {
	root_hb=$(cat "$VS_SYSCTL"/heartbeat_ms 2>/dev/null)
	vs_sysctl_set 3 heartbeat_ms 77 || fail "write 77 refused" || return 1
	vs_sysctl_set 3 suspect_ms 777 || fail "write 777 refused" || return 1
	bad=""
	[ "$(vs_sysctl_get 3 heartbeat_ms)" = 77 ] || bad="$bad n3-heartbeat"
	[ "$(vs_sysctl_get 2 heartbeat_ms)" = 100 ] || bad="$bad n2-heartbeat=$(vs_sysctl_get 2 heartbeat_ms)"
	[ "$(vs_sysctl_get 2 suspect_ms)" = 1000 ] || bad="$bad n2-suspect=$(vs_sysctl_get 2 suspect_ms)"
	if [ -n "$root_hb" ]; then
		[ "$(cat "$VS_SYSCTL"/heartbeat_ms)" = "$root_hb" ] || bad="$bad root-ns"
	fi
	vs_sysctl_set 3 heartbeat_ms 100
	vs_sysctl_set 3 suspect_ms 1000
	[ -z "$bad" ] || fail "a write in n3 changed:$bad"
}

t_stats_all_counters_shown() {
	st=$(vs_stats 1)
	txt=$(vs_ctl 1 stats show 2>&1) || fail "stats show: $txt" || return 1
	js=$(vs_ctl 1 -j stats show 2>&1) || fail "-j stats show: $js" || return 1
	bad=""
	for c in $COUNTERS; do
		echo "$st" | grep -q "^$c [0-9]" || bad="$bad nl:$c"
		echo "$txt" | grep -Eq "(^|[[:space:]])${c}[[:space:]]+[0-9]" || bad="$bad ctl:$c"
		echo "$js" | grep -Eq "\"$c\"[[:space:]]*:[[:space:]]*[0-9]" || bad="$bad json:$c"
	done
	[ -z "$bad" ] || fail "missing:$bad"
}

# ---------------------------------------------------------------------------
# a 3-node IPv4 cluster
# ---------------------------------------------------------------------------

t_cluster3_v4_created() {
	vs_teardown
	VS_FAMILY=4
	vs_cluster_create 3 > "$tmp/create" 2>&1 || fail "$(tr '\n' '|' < "$tmp/create")"
}

t_cluster3_v4_all_up() {
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "not UP: $(vs_all_up_report 3)"
}

t_cluster3_v4_peer_ids_incarnations() {
	bad=""
	for a in 1 2 3; do
		for b in 1 2 3; do
			[ $a = $b ] && continue
			l=$(vs_peer_line $a "$(vs_addr $b)")
			inc=$(vs_node_field $b incarnation)
			[ "$(kv "$l" id)" = $b ] || bad="$bad n$a:n$b-id=$(kv "$l" id)"
			[ "$(kv "$l" inc)" = "$inc" ] || bad="$bad n$a:n$b-inc=$(kv "$l" inc)(n$b-says-$inc)"
			[ "$(kv "$l" static)" = 1 ] || bad="$bad n$a:n$b-not-static"
			[ "$(kv "$l" port)" = 7410 ] || bad="$bad n$a:n$b-port=$(kv "$l" port)"
		done
		[ "$(vs_nl $a peers | wc -l)" = 2 ] || bad="$bad n$a-has-$(vs_nl $a peers | wc -l)-peers"
	done
	[ -z "$bad" ] || fail "$bad"
}

t_cluster3_ctl_peer_show() {
	txt=$(vs_ctl 1 peer show 2>&1) || fail "peer show: $txt" || return 1
	for b in 2 3; do
		echo "$txt" | grep "10\\.10\\.0\\.$b" | grep -qw up ||
			fail "peer show has no UP line for 10.10.0.$b: $(echo "$txt" | tr '\n' '|')" || return 1
	done
	js=$(vs_ctl 1 -j peer show 2>&1) || fail "-j peer show: $js" || return 1
	echo "$js" | grep -q '"up"' && echo "$js" | grep -q '"10\.10\.0\.3"' ||
		fail "JSON peer show: $js"
}

t_cluster3_counters_move() {
	for c in heartbeat_tx heartbeat_rx tx_packets rx_packets; do
		eval "c0_$c=\$(vs_stat 1 $c)"
	done
	bad=""
	for c in heartbeat_tx heartbeat_rx tx_packets rx_packets; do
		v0=0
		eval "v0=\$c0_$c"
		# two heartbeats to or from each of the two peers, at the least
		vs_wait_until "$VS_WAIT" stat_ge 1 $c $((v0 + 4)) ||
			bad="$bad $c:$v0->$(vs_stat 1 $c)"
	done
	stat_ge 1 peer_up 2 || bad="$bad peer_up=$(vs_stat 1 peer_up)"
	[ -z "$bad" ] || fail "did not move:$bad"
}

t_learned_peer_appears() {
	learned0=$(vs_stat 1 peer_learned)
	vs_node_create 4 && vs_node_config 4 && vs_node_peer_add 4 1 ||
		fail "cannot set up node 4" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 1 4 up || fail "n1 sees n4: '$(vs_peer_line 1 10.10.0.4)'" || return 1
	l=$(vs_peer_line 1 10.10.0.4)
	[ "$(kv "$l" static)" = 0 ] && [ "$(kv "$l" id)" = 4 ] && [ "$(kv "$l" port)" = 7410 ] ||
		fail "learned entry: '$l' (want id=4 port=7410 static=0)" || return 1
	stat_ge 1 peer_learned $((learned0 + 1)) ||
		fail "peer_learned $learned0 -> $(vs_stat 1 peer_learned)" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 4 1 up || fail "n4 sees n1: '$(vs_peer_line 4 10.10.0.1)'" || return 1
	[ -z "$(vs_peer_line 2 10.10.0.4)" ] || fail "n2, which n4 never wrote to, knows n4: $(vs_peer_line 2 10.10.0.4)"
}

t_learned_peer_made_static() {
	out=$(vs_ctl 1 peer add addr 10.10.0.4 2>&1) || fail "peer add of a learned peer: $out" || return 1
	cnt=$(vs_nl 1 peers | grep -c '^addr=10\.10\.0\.4 ')
	l=$(vs_peer_line 1 10.10.0.4)
	[ "$cnt" = 1 ] && [ "$(kv "$l" static)" = 1 ] && [ "$(kv "$l" state)" = up ] ||
		fail "$cnt entries, '$l' (want one, static=1, still up)" || return 1
	# leave the 3-node cluster as it was: n4 goes first, or a heartbeat
	# of it would have n1 learn it again
	vs_node_kill 4
	vs_wait_until "$VS_WAIT" vs_node_gone 4 || fail "n4's veth did not go" || return 1
	out=$(vs_ctl 1 peer del addr 10.10.0.4 2>&1) || fail "peer del of 10.10.0.4: $out" || return 1
	[ -z "$(vs_peer_line 1 10.10.0.4)" ] || fail "peer del of 10.10.0.4: still listed"
}

t_peer_del_of_live_peer_relearned() {
	learned0=$(vs_stat 1 peer_learned)
	out=$(vs_ctl 1 peer del addr 10.10.0.2 2>&1) || fail "peer del: $out" || return 1
	# n2 still writes to n1, so n1 learns it back
	vs_wait_until "$VS_WAIT" sh -c "$VS_IP netns exec n1 $VS_NL peers | grep -q '^addr=10\.10\.0\.2 .* state=up .*static=0'" ||
		fail "n1's entry for n2 after peer del: '$(vs_peer_line 1 10.10.0.2)'" || return 1
	stat_ge 1 peer_learned $((learned0 + 1)) || fail "peer_learned $learned0 -> $(vs_stat 1 peer_learned)" || return 1
	vs_ctl 1 peer add addr 10.10.0.2 > /dev/null 2>&1 || fail "peer add back" || return 1
	[ "$(vs_peer_field 1 2 static)" = 1 ] || fail "not static again: $(vs_peer_line 1 10.10.0.2)"
}

t_duplicate_node_id_dropped_as_self() {
	# n4 calls itself node 1: n1 and n4 refuse each other's packets
	self1=$(vs_stat 1 drop_self)
	learned1=$(vs_stat 1 peer_learned)
	vs_node_create 4 || fail "cannot create n4" || return 1
	vs_sysctl_set 4 heartbeat_ms "$VS_HB_MS"
	out=$(vs_ctl 4 node set id 1 cluster "$CLUSTER" addr 10.10.0.4 2>&1) &&
		out=$(vs_ctl 4 peer add addr 10.10.0.1 2>&1) &&
		out=$(vs_ctl 1 peer add addr 10.10.0.4 2>&1) || fail "config: $out" || return 1
	bad=""
	vs_wait_until "$VS_WAIT" stat_ge 1 drop_self $((self1 + 3)) || bad="$bad n1-drop_self:$self1->$(vs_stat 1 drop_self)"
	vs_wait_until "$VS_WAIT" stat_ge 4 drop_self 3 || bad="$bad n4-drop_self:$(vs_stat 4 drop_self)"
	[ "$(vs_peer_state 1 4)" = unknown ] || bad="$bad n1-sees-n4:$(vs_peer_line 1 10.10.0.4)"
	[ "$(vs_peer_state 4 1)" = unknown ] || bad="$bad n4-sees-n1:$(vs_peer_line 4 10.10.0.1)"
	[ "$(vs_stat 1 peer_learned)" = "$learned1" ] || bad="$bad n1-learned-something"
	vs_node_kill 4
	vs_wait_until "$VS_WAIT" vs_node_gone 4 || bad="$bad n4-veth-left"
	vs_ctl 1 peer del addr 10.10.0.4 > /dev/null 2>&1 || bad="$bad peer-del-10.10.0.4"
	vs_all_up 3 || bad="$bad $(vs_all_up_report 3)"
	[ -z "$bad" ] || fail "$bad"
}

n1_sees_n3=""
t_cut_link_down_seen_down() {
	down2=$(vs_stat 2 peer_down)
	inc3=$(vs_peer_field 2 3 inc)
	restart2=$(vs_stat 2 peer_restart)
	# node 1 waits 60 s before suspecting: see cut_suspect_ms_per_netns
	vs_sysctl_set 1 suspect_ms 60000 || fail "suspect_ms 60000 refused" || return 1
	vs_all_up 3 || fail "not all up before the cut: $(vs_all_up_report 3)" || return 1
	vs_cut 3 link || fail "link down failed" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 2 3 down || fail "n2 sees n3 '$(vs_peer_state 2 3)'" || return 1
	# for cut_suspect_ms_per_netns: n1's view at once, well within 60 s
	n1_sees_n3=$(vs_peer_line 1 10.10.0.3)
	l=$(vs_peer_line 2 10.10.0.3)
	ge "$(kv "$l" last)" "$VS_SUSPECT_MS" || fail "n3 DOWN at n2 but last heard $(kv "$l" last) ms < suspect $VS_SUSPECT_MS: $l" || return 1
	stat_ge 2 peer_down $((down2 + 1)) || fail "peer_down at n2: $down2 -> $(vs_stat 2 peer_down)" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 3 2 down || fail "n3 (cut off) sees n2 '$(vs_peer_state 3 2)'" || return 1
	vs_state_is 1 2 up && vs_state_is 2 1 up || fail "n1<->n2 not UP: $(vs_peer_state 1 2)/$(vs_peer_state 2 1)"
}

t_cut_suspect_ms_per_netns() {
	# when n2 (suspect_ms $VS_SUSPECT_MS) saw n3 go DOWN, n1 (60000) still
	# had it UP: less than 60 s had passed since the cut (that wait is
	# bounded by $VS_WAIT s)
	[ -n "$n1_sees_n3" ] || fail "precondition: n2 never saw n3 DOWN" || return 1
	[ "$(kv "$n1_sees_n3" state)" = up ] || fail "n1 with suspect_ms=60000 had n3 as: $n1_sees_n3"
}

t_cut_link_heal_seen_up() {
	up2=$(vs_stat 2 peer_up)
	vs_heal 3
	vs_sysctl_set 1 suspect_ms "$VS_SUSPECT_MS"
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after heal: $(vs_all_up_report 3)" || return 1
	stat_ge 2 peer_up $((up2 + 1)) || fail "peer_up at n2: $up2 -> $(vs_stat 2 peer_up)" || return 1
	[ "$(vs_peer_field 2 3 inc)" = "$inc3" ] || fail "n3's incarnation changed over a link cut: $inc3 -> $(vs_peer_field 2 3 inc)" || return 1
	[ "$(vs_stat 2 peer_restart)" = "$restart2" ] || fail "peer_restart moved over a link cut: $restart2 -> $(vs_stat 2 peer_restart)"
}

t_cut_netem_loss_down_then_up() {
	vs_cut 2 loss || fail "netem loss 100% failed (sch_netem?)" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 1 2 down || fail "n1 sees n2 '$(vs_peer_state 1 2)'" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 3 2 down || fail "n3 sees n2 '$(vs_peer_state 3 2)'" || return 1
	vs_state_is 1 3 up && vs_state_is 3 1 up || fail "n1<->n3 not UP during n2's cut" || return 1
	vs_heal 2
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after heal: $(vs_all_up_report 3)"
}

t_netns_delete_seen_down() {
	inc3=$(vs_peer_field 1 3 inc)
	restart1=$(vs_stat 1 peer_restart)
	restart2=$(vs_stat 2 peer_restart)
	dmesg_mark
	vs_node_kill 3
	vs_wait_until "$VS_WAIT" vs_node_gone 3 || fail "n3's veth did not go" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 1 3 down || fail "n1 sees n3 '$(vs_peer_state 1 3)'" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 2 3 down || fail "n2 sees n3 '$(vs_peer_state 2 3)'" || return 1
	vs_state_is 1 2 up && vs_state_is 2 1 up || fail "n1<->n2 not UP" || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

t_restart_same_id_new_incarnation() {
	vs_node_create 3 && vs_node_config 3 && vs_node_peer_add 3 1 && vs_node_peer_add 3 2 ||
		fail "cannot recreate n3" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after restart: $(vs_all_up_report 3)" || return 1
	bad=""
	for a in 1 2; do
		new=$(vs_peer_field $a 3 inc)
		[ -n "$new" ] && [ "$new" != "$inc3" ] || bad="$bad n$a:inc-$inc3->$new"
		[ "$(vs_peer_field $a 3 id)" = 3 ] || bad="$bad n$a:id=$(vs_peer_field $a 3 id)"
		[ "$new" = "$(vs_node_field 3 incarnation)" ] || bad="$bad n$a:inc-$new-but-n3-says-$(vs_node_field 3 incarnation)"
	done
	stat_ge 1 peer_restart $((restart1 + 1)) || bad="$bad n1:peer_restart-$restart1->$(vs_stat 1 peer_restart)"
	stat_ge 2 peer_restart $((restart2 + 1)) || bad="$bad n2:peer_restart-$restart2->$(vs_stat 2 peer_restart)"
	[ -z "$bad" ] || fail "$bad"
}

# ---------------------------------------------------------------------------
# malformed packets at node 1 of the 3-node cluster
# ---------------------------------------------------------------------------

INJ_N=40
inj_ran=0

# snapshot of node 1's counters: $tmp/NAME holds "name value" lines
snap() {
	vs_stats 1 > "$tmp/$1"
}
snap_val() {	# snap_val SNAP COUNTER
	awk -v c="$2" '$1 == c { print $2 }' "$tmp/$1"
}
# delta_ge COUNTER MIN: node 1's COUNTER grew by MIN since snapshot s0
delta_ge() {
	ge "$(( $(vs_stat 1 "$1") - $(snap_val s0 "$1") ))" "$2"
}
any_drop_ge() {	# any_drop_ge SNAP MIN: drop_* sum grew by MIN since SNAP
	ge "$(( $(vs_stats_sum 1 '^drop_') - $(awk '$1 ~ /^drop_/ { s += $2 } END { printf "%d\n", s }' "$tmp/$1") ))" "$2"
}

t_inject_kinds_match_wire_validator() {
	# each kind must break one rule of the current wire format: checked
	# against kmod/msg.c's vsync_msg_validate() built into this program
	[ -x "$VS_BIN/vsync_inject_wirecheck" ] || fail "no vsync_inject_wirecheck" || return 1
	out=$("$VS_BIN/vsync_inject_wirecheck" 2>&1) ||
		fail "vsync_inject disagrees with the kernel's validator (update vsync_inject.c): $(echo "$out" | grep -v '^ok ' | tr '\n' '|')"
}

t_inject_packets_sent() {
	[ -x "$INJECT" ] || fail "no $INJECT" || return 1
	vs_inj_create 4 || fail "cannot create the injector's netns" || return 1
	learned0=$(vs_stat 1 peer_learned)
	down0=$(vs_stat 1 peer_down)
	# garbage alone first: it may raise any drop counter
	snap g0
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -n $INJ_N -k garbage -r 1 \
		> "$tmp/inj.garbage" 2> "$tmp/inj.err" || fail "garbage: $(cat "$tmp/inj.err")" || return 1
	vs_wait_until "$VS_WAIT" any_drop_ge g0 $INJ_N
	snap s0
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -n $INJ_N -k all -r 2 \
		> "$tmp/inj.all" 2>> "$tmp/inj.err" || fail "inject: $(cat "$tmp/inj.err")" || return 1
	inj_ran=1
	grep -v '^garbage ' "$tmp/inj.all" > "$tmp/inj.kinds"
	nk=$(wc -l < "$tmp/inj.kinds")
	[ "$nk" -ge 10 ] || fail "injector reported $nk kinds: $(cat "$tmp/inj.all")"
}

# check_counter COUNTER: node 1's COUNTER grew by at least what the
# injector sent of the kinds mapping to it
check_counter() {
	[ $inj_ran = 1 ] || fail "injector did not run" || return 1
	want=$(awk -v c="$1" '$2 == c { s += $3 } END { printf "%d\n", s }' "$tmp/inj.kinds")
	[ "$want" -gt 0 ] || fail "injector sent nothing for $1" || return 1
	vs_wait_until "$VS_WAIT" delta_ge "$1" "$want" ||
		fail "$1 grew by $(( $(vs_stat 1 "$1") - $(snap_val s0 "$1") )), want >= $want ($(awk -v c="$1" '$2 == c { printf "%s ", $1 }' "$tmp/inj.kinds")sent); all drops now: $(vs_stats 1 | grep '^drop_' | tr '\n' ' ')"
}

t_inject_garbage_dropped() {
	[ $inj_ran = 1 ] || fail "injector did not run" || return 1
	sent=$(awk '{ print $3 }' "$tmp/inj.garbage")
	any_drop_ge g0 "$sent" || fail "drop_* grew by less than the $sent garbage packets: $(vs_stats 1 | grep '^drop_' | tr '\n' ' ')"
}

t_inject_drop_short() { check_counter drop_short; }
t_inject_drop_version() { check_counter drop_version; }
t_inject_drop_header() { check_counter drop_header; }
t_inject_drop_length() { check_counter drop_length; }
t_inject_drop_type() { check_counter drop_type; }
t_inject_drop_cluster() { check_counter drop_cluster; }
t_inject_drop_node() { check_counter drop_node; }
t_inject_drop_self() { check_counter drop_self; }
t_inject_drop_field() { check_counter drop_field; }

# snap_of I NAME: node I's counters into $tmp/NAME
snap_of() {
	vs_stats "$1" > "$tmp/$2"
}
# grew_by I SNAP COUNTER: how much node I's COUNTER grew since SNAP
# (any_drop: the sum of the drop_* counters)
grew_by() {
	if [ "$3" = any_drop ]; then
		echo "$(( $(vs_stats_sum "$1" '^drop_') - $(awk '$1 ~ /^drop_/ { s += $2 } END { printf "%d\n", s }' "$tmp/$2") ))"
	else
		echo "$(( $(vs_stat "$1" "$3") - $(snap_val "$2" "$3") ))"
	fi
}
grew_ge() {	# grew_ge I SNAP COUNTER MIN
	ge "$(grew_by "$1" "$2" "$3")" "$4"
}

# one_kind KIND: KIND sent alone to n1 raises the counter it maps to by as
# many packets as were sent (the run of all kinds above checks a counter
# against the sum of its kinds only)
one_kind() {
	[ $inj_ran = 1 ] || fail "injector did not run" || return 1
	snap_of 1 k0
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -n $INJ_N -k "$1" -r 3 \
		> "$tmp/inj.one" 2>&1 || fail "inject $1: $(cat "$tmp/inj.one")" || return 1
	read -r _ c sent < "$tmp/inj.one"
	[ "${sent:-0}" -gt 0 ] 2>/dev/null || fail "injector said: $(cat "$tmp/inj.one")" || return 1
	vs_wait_until "$VS_WAIT" grew_ge 1 k0 "$c" "$sent" ||
		fail "$c grew by $(grew_by 1 k0 "$c") after $sent $1 packets; all drops now: $(vs_stats 1 | grep '^drop_' | tr '\n' ' ')"
}

t_inject_kind_submit_header() { one_kind submit_header; }
t_inject_kind_order_header() { one_kind order_header; }
t_inject_kind_ack_header() { one_kind ack_header; }
t_inject_kind_accept_header() { one_kind accept_header; }
t_inject_kind_view_header() { one_kind view_header; }
t_inject_kind_submit_length() { one_kind submit_length; }
t_inject_kind_order_length() { one_kind order_length; }
t_inject_kind_ent_type() { one_kind ent_type; }
t_inject_kind_ent_name() { one_kind ent_name; }
t_inject_kind_ent_member() { one_kind ent_member; }
t_inject_kind_ent_class() { one_kind ent_class; }
t_inject_kind_ent_size() { one_kind ent_size; }
t_inject_kind_submit_field() { one_kind submit_field; }
t_inject_kind_order_seq() { one_kind order_seq; }
t_inject_kind_order_origin() { one_kind order_origin; }
t_inject_kind_gstate() { one_kind gstate; }
t_inject_kind_sync() { one_kind sync; }
t_inject_kind_view_map() { one_kind view_map; }
t_inject_kind_view_field() { one_kind view_field; }
t_inject_kind_accept_view() { one_kind accept_view; }
t_inject_kind_hb_flags() { one_kind hb_flags; }
t_inject_kind_ack_field() { one_kind ack_field; }

t_inject_rx_counted() {
	[ $inj_ran = 1 ] || fail "injector did not run" || return 1
	total=$(awk '{ s += $3 } END { printf "%d\n", s }' "$tmp/inj.kinds")
	vs_wait_until "$VS_WAIT" delta_ge rx_packets "$total" ||
		fail "rx_packets grew by $(( $(vs_stat 1 rx_packets) - $(snap_val s0 rx_packets) )), want >= $total"
}

t_inject_nothing_learned() {
	[ $inj_ran = 1 ] || fail "injector did not run" || return 1
	[ "$(vs_stat 1 peer_learned)" = "$learned0" ] ||
		fail "peer_learned $learned0 -> $(vs_stat 1 peer_learned): $(vs_nl 1 peers | tr '\n' '|')" || return 1
	[ "$(vs_nl 1 peers | wc -l)" = 2 ] || fail "n1's peers: $(vs_nl 1 peers | tr '\n' '|')"
}

t_inject_cluster_still_up() {
	hb=$(vs_stat 1 heartbeat_rx)
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "$(vs_all_up_report 3)" || return 1
	vs_wait_until "$VS_WAIT" stat_ge 1 heartbeat_rx $((hb + 4)) ||
		fail "n1 hears no heartbeats after the injection: $hb -> $(vs_stat 1 heartbeat_rx)" || return 1
	[ "$(vs_stat 1 peer_down)" = "$down0" ] ||
		echo "# note: peer_down at n1 moved $down0 -> $(vs_stat 1 peer_down) during the injection"
	return 0
}

t_inject_valid_control_learned() {
	# the injector's heartbeats are valid when nothing is broken: n1
	# learns the injector (so the drops above were not the injector's bug)
	hb=$(vs_stat 1 heartbeat_rx)
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -n 6 -k valid \
		> "$tmp/inj.valid" 2>&1 || fail "inject valid: $(cat "$tmp/inj.valid")" || return 1
	vs_wait_until "$VS_WAIT" stat_ge 1 heartbeat_rx $((hb + 6)) ||
		fail "heartbeat_rx $hb -> $(vs_stat 1 heartbeat_rx)" || return 1
	l=$(vs_peer_line 1 10.10.0.200)
	[ "$(kv "$l" id)" = 4000000001 ] && [ "$(kv "$l" static)" = 0 ] ||
		fail "n1's entry for the injector: '$l' (want id=4000000001 static=0)" || return 1
	stat_ge 1 peer_learned $((learned0 + 1)) || fail "peer_learned did not move"
}

# groups_none I...: no group at nodes I... (an entry applied from a
# stranger's packet would have made one)
groups_none() {
	for _g in "$@"; do
		[ "$(vs_ctl "$_g" node show 2>/dev/null | awk '$1 == "groups" { print $2 }')" = 0 ] ||
			return 1
	done
}

t_inject_stranger_ordering_ignored() {
	# SUBMIT, ORDER and ACK, well-formed, from the injector's node id
	# (in no view), random epochs, views and positions, at n1 (the
	# sequencer) and n2: they pass the validator (no drop counter moves)
	# and are then ignored (order.c: a SUBMIT from outside the view is
	# counted in submit_ignored; an ORDER of another epoch, or at the
	# sequencer, and an ACK of another view are dropped unseen).  The
	# SUBMITs go last, so once they are counted the rest was read.
	dmesg_mark
	for i in 1 2; do
		snap_of $i st$i
		$VS_IP netns exec inj "$INJECT" -t 10.10.0.$i -c "$CLUSTER" -d $i -n 100 \
			-k stranger_order,stranger_ack,stranger_submit -r $((10 + i)) -g inject \
			> "$tmp/inj.str$i" 2>&1 || fail "inject at n$i: $(cat "$tmp/inj.str$i")" || return 1
	done
	for i in 1 2; do
		sub=$(awk '$1 == "stranger_submit" { print $3 }' "$tmp/inj.str$i")
		[ "${sub:-0}" -gt 0 ] || fail "injector said: $(cat "$tmp/inj.str$i")" || return 1
		vs_wait_until "$VS_WAIT" grew_ge $i st$i submit_ignored "$sub" ||
			fail "n$i: submit_ignored grew by $(grew_by $i st$i submit_ignored), want >= $sub" || return 1
		d=$(grew_by $i st$i any_drop)
		[ "$d" = 0 ] || fail "n$i dropped $d of the valid packets: $(vs_stats $i | grep '^drop_' | tr '\n' ' ')" || return 1
		echo "# n$i: $(tr '\n' ' ' < "$tmp/inj.str$i")-> submit_ignored +$(grew_by $i st$i submit_ignored)"
	done
	groups_none 1 2 3 || fail "a group appeared: $(vs_ctl 1 group show 2>&1 | head -n 3 | tr '\n' '|')" || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

t_inject_stranger_order_right_epoch_ignored() {
	# ORDERs from the injector's node id (in no view) that carry n2's
	# own epoch and count positions up from 1: the view id is in every
	# heartbeat, so a stranger may know it.  Only a node of the view may
	# feed the stream: n2 counts them in order_ignored and applies none.
	dmesg_mark
	v=$(vs_view_of 2 | cut -d' ' -f1)
	[ -n "$v" ] || fail "n2 has no view" || return 1
	snap_of 2 ep2
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.2 -c "$CLUSTER" -d 2 -n 100 \
		-k stranger_order -V "$v" -r 31 -g inject > "$tmp/inj.ep" 2>&1 ||
		fail "inject at n2: $(cat "$tmp/inj.ep")" || return 1
	vs_wait_until "$VS_WAIT" grew_ge 2 ep2 order_ignored 100 ||
		fail "n2: order_ignored grew by $(grew_by 2 ep2 order_ignored), want >= 100" || return 1
	echo "# n2 (view $v): $(tr '\n' ' ' < "$tmp/inj.ep")-> order_ignored +$(grew_by 2 ep2 order_ignored)"
	groups_none 1 2 3 || fail "a group appeared: $(vs_ctl 2 group show 2>&1 | head -n 3 | tr '\n' '|')" || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

t_inject_mutated_ordering_dropped() {
	# the same packets cut, lengthened or with bits flipped, for a while,
	# at n1 and n2 at once: the cut and lengthened ones are all dropped,
	# the others may be valid and are then ignored like the above
	dmesg_mark
	for i in 1 2; do
		snap_of $i mu$i
	done
	# the injector stops itself after -T seconds
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -T 2 -R 500 \
		-k mutant_cut,mutant_flip -r 21 -g inject > "$tmp/inj.mut1" 2>&1 &
	m1=$!
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.2 -c "$CLUSTER" -d 2 -T 2 -R 500 \
		-k mutant_cut,mutant_flip -r 22 -g inject > "$tmp/inj.mut2" 2>&1 &
	m2=$!
	wait $m1 || fail "inject at n1: $(cat "$tmp/inj.mut1")"
	wait $m2 || fail "inject at n2: $(cat "$tmp/inj.mut2")"
	[ -z "$why" ] || return 1
	for i in 1 2; do
		cut=$(awk '$1 == "mutant_cut" { print $3 }' "$tmp/inj.mut$i")
		[ "${cut:-0}" -gt 0 ] || fail "injector said: $(cat "$tmp/inj.mut$i")" || return 1
		vs_wait_until "$VS_WAIT" grew_ge $i mu$i any_drop "$cut" ||
			fail "n$i: drops grew by $(grew_by $i mu$i any_drop), want >= $cut" || return 1
		echo "# n$i: $(tr '\n' ' ' < "$tmp/inj.mut$i")-> drops +$(grew_by $i mu$i any_drop), submit_ignored +$(grew_by $i mu$i submit_ignored)"
	done
	groups_none 1 2 3 || fail "a group appeared: $(vs_ctl 1 group show 2>&1 | head -n 3 | tr '\n' '|')" || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

# inj_down I: every entry node I has for the injector's address is down
inj_down() {
	! vs_nl "$1" peers 2>/dev/null | grep "^addr=10\.10\.0\.200 " | grep -qv ' state=down '
}

t_inject_strangers_gone_view_settled() {
	# a learned peer that is up is taken into the view (membership.c),
	# so n1 proposed the injector and waited for its ACCEPT: once the
	# injector is silent and down, the three nodes hold one primary view
	# of themselves again, the injector's id in no node's view
	for i in 1 2 3; do
		vs_wait_until "$VS_WAIT" inj_down $i ||
			fail "n$i still has the injector up: $(vs_peer_line $i 10.10.0.200 | tr '\n' '|')" || return 1
	done
	vs_wait_until "$VS_WAIT" vs_agree primary "1 2 3" 1 2 3 ||
		fail "views: $(vs_view_report 1 2 3 | tr '\n' ' ')" || return 1
	for i in 1 2 3; do
		case " $(vs_view_of $i) " in
		*" 4000000001 "*) fail "n$i: $(vs_view_of $i)"; return 1 ;;
		esac
	done
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "$(vs_all_up_report 3)"
}

t_inject_flood_survived() {
	rx0=$(vs_stat 1 rx_packets)
	bl0=$(vs_stat 1 rx_backlog_drop)
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.1 -c "$CLUSTER" -d 1 -n 3000 -k garbage,short,field -i 0 \
		> "$tmp/flood1" 2>&1
	vs_wait_until "$VS_WAIT" stat_ge 1 rx_packets $((rx0 + 1000)) ||
		fail "rx_packets $rx0 -> $(vs_stat 1 rx_packets) after 9000 packets" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after the flood: $(vs_all_up_report 3)" || return 1
	echo "# flood: rx_packets +$(( $(vs_stat 1 rx_packets) - rx0 )), rx_backlog_drop +$(( $(vs_stat 1 rx_backlog_drop) - ${bl0:-0} ))"
}

t_netns_delete_under_flood_clean() {
	dmesg_mark
	rx0=$(vs_stat 3 rx_packets)
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.3 -c "$CLUSTER" -d 3 -n 1000000 -k garbage -i 0 \
		> "$tmp/flood2" 2>&1 &
	f1=$!
	$VS_IP netns exec inj "$INJECT" -t 10.10.0.3 -c "$CLUSTER" -d 3 -n 1000000 -k valid -i 0 -S 99 \
		> "$tmp/flood3" 2>&1 &
	f2=$!
	vs_wait_until "$VS_WAIT" stat_ge 3 rx_packets $((rx0 + 500))
	ok_rx=$?
	vs_node_kill 3
	vs_wait_until "$VS_WAIT" vs_node_gone 3
	gone=$?
	kill $f1 $f2 2>/dev/null
	wait $f1 2>/dev/null
	wait $f2 2>/dev/null
	[ $ok_rx = 0 ] || fail "the flood did not reach n3" || return 1
	[ $gone = 0 ] || fail "n3's veth did not go" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 1 3 down || fail "n1 sees n3 '$(vs_peer_state 1 3)'" || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

# ---------------------------------------------------------------------------
# 5 nodes over IPv4, 3 over IPv6
# ---------------------------------------------------------------------------

t_cluster5_v4_all_up() {
	vs_teardown
	VS_FAMILY=4
	vs_cluster_create 5 > "$tmp/create" 2>&1 || fail "create: $(tr '\n' '|' < "$tmp/create")" || return 1
	vs_wait_until $((VS_WAIT * 2)) vs_all_up 5 || fail "not UP: $(vs_all_up_report 5)"
}

t_cluster5_v4_cut_one_down() {
	vs_cut 5 link || fail "link down failed" || return 1
	for a in 1 2 3 4; do
		vs_wait_until "$VS_WAIT" vs_state_is $a 5 down || fail "n$a sees n5 '$(vs_peer_state $a 5)'" || return 1
	done
	vs_all_up 5 5 || fail "the others: $(vs_all_up_report 4)"
}

t_cluster5_v4_heal_all_up() {
	vs_heal 5
	vs_wait_until $((VS_WAIT * 2)) vs_all_up 5 || fail "after heal: $(vs_all_up_report 5)"
}

t_cluster3_v6_all_up() {
	vs_teardown
	VS_FAMILY=6
	vs_cluster_create 3 6 > "$tmp/create" 2>&1 || fail "create: $(tr '\n' '|' < "$tmp/create")" || return 1
	[ "$(vs_node_field 1 addr)" = fd00::1 ] || fail "n1's address: $(vs_nl 1 node)" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "not UP: $(vs_all_up_report 3)" || return 1
	[ "$(vs_peer_field 2 1 id)" = 1 ] || fail "n2's entry for fd00::1: $(vs_peer_line 2 fd00::1)"
}

t_cluster3_v6_cut_down_heal_up() {
	vs_cut 3 loss || fail "netem loss 100% failed" || return 1
	vs_wait_until "$VS_WAIT" vs_state_is 1 3 down || fail "n1 sees n3 '$(vs_peer_state 1 3)'" || return 1
	vs_heal 3
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after heal: $(vs_all_up_report 3)"
}

t_cluster3_v6_inject_dropped() {
	vs_inj_create 6 || fail "cannot create the injector's netns" || return 1
	snap s0
	$VS_IP netns exec inj "$INJECT" -t fd00::1 -c "$CLUSTER" -d 1 -n 10 -k short,version,self,cluster \
		> "$tmp/inj.kinds" 2>&1 || fail "inject: $(cat "$tmp/inj.kinds")" || return 1
	inj_ran=1
	for c in drop_short drop_version drop_self drop_cluster; do
		check_counter $c || return 1
	done
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "after injection: $(vs_all_up_report 3)"
}

# ---------------------------------------------------------------------------
# teardown and module unload
# ---------------------------------------------------------------------------

t_netns_delete_running_clean() {
	dmesg_mark
	# nodes first, with the transport running; the hub's ports going
	# means their netns were dismantled (pernet exits run before devices go)
	for i in $VS_NODES; do
		$VS_IP netns del "n$i" || fail "netns del n$i" || return 1
	done
	for i in 1 2 3; do
		vs_wait_until "$VS_WAIT" vs_node_gone $i || fail "n$i's veth still in the hub" || return 1
	done
	vs_teardown
	vs_nap
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

t_rmmod_after_netns_deleted() {
	dmesg_mark
	loaded || fail "module not loaded" || return 1
	rmmod_retry || fail "rmmod: $(cat "$tmp/rmmod.out"); refcnt $(cat $MOD/refcnt 2>/dev/null)" || return 1
	! loaded || fail "rmmod succeeded but $MOD is there" || return 1
	out=$(insmod "$KO" 2>&1) || fail "insmod again: $out" || return 1
	vs_node_create 1 && vs_nl 1 node > /dev/null 2>&1 || fail "no genl family after reload"
	vs_teardown
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

t_rmmod_with_configured_netns() {
	dmesg_mark
	VS_FAMILY=4
	vs_cluster_create 2 > "$tmp/create" 2>&1 || fail "create: $(tr '\n' '|' < "$tmp/create")" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 2 || fail "2 nodes not UP: $(vs_all_up_report 2)" || return 1
	rmmod_retry || fail "rmmod with 2 configured netns: $(cat "$tmp/rmmod.out")" || return 1
	out=$(insmod "$KO" 2>&1) || fail "insmod again: $out" || return 1
	loaded || fail "not loaded after insmod" || return 1
	line=$(vs_nl 1 node 2>&1)
	[ "$(kv "$line" up)" = 0 ] || fail "node 1 after reload: '$line' (want a fresh node, up=0)" || return 1
	vs_teardown
	vs_nap
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

# --- teardown races -----------------------------------------------------------
# Each runs RACE_ROUNDS rounds: 3 nodes, a member on each sending a fast
# stream (SAFE, TOTAL and FIFO, so that stability rounds, retransmission
# and heartbeat timers and delivery work are all pending), torn down at a
# point that moves from round to round. Nothing may be reported, the
# module's reference count must come back to 0, and the module must work
# after a reload. (kmemleak, on the debug kernel, looks at the end.)
RACE_ROUNDS=3
MEMBER=$VS_BIN/vsync_member

# race_start: the cluster and its stream, every member past its first
# deliveries
race_start() {
	local i
	vs_cluster_create 3 > "$tmp/create" 2>&1 || fail "create: $(tr '\n' '|' < "$tmp/create")" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 3 || fail "not UP: $(vs_all_up_report 3)" || return 1
	rm -f "$tmp"/race*.log
	for i in 1 2 3; do
		vs_spawn $i race$i "$MEMBER" -g race -o "$tmp/race$i.log" -n 1000000 \
			-i 2000 -s 400 -m safe,total,fifo -d 120
	done
	vs_wait_until "$VS_WAIT" race_flowing || fail "no stream: $(race_counts)" || return 1
}

race_counts() {
	local i
	for i in 1 2 3; do
		printf 'race%s:%s ' $i "$(grep -c '^D ' "$tmp/race$i.log" 2>/dev/null)"
	done
}

race_flowing() {
	local i c
	for i in 1 2 3; do
		c=$(grep -c '^D ' "$tmp/race$i.log" 2>/dev/null)
		[ "${c:-0}" -ge 20 ] || return 1
	done
}

# race_pause R: a pause that differs per round (0, 50, 100 ms...), so
# that the teardown meets the stream at different points
race_pause() {
	[ "$1" -gt 1 ] && sleep "0.$(( ($1 - 1) * 5 ))"
	return 0
}

refcnt_zero() {
	[ "$(cat $MOD/refcnt 2>/dev/null)" = 0 ]
}

# the module works: a fresh 2-node cluster comes UP
race_reload_works() {
	vs_teardown
	loaded || { out=$(insmod "$KO" 2>&1) || fail "insmod again: $out" || return 1; }
	vs_cluster_create 2 > "$tmp/create" 2>&1 || fail "create after reload: $(tr '\n' '|' < "$tmp/create")" || return 1
	vs_wait_until "$VS_WAIT" vs_all_up 2 || fail "after reload: $(vs_all_up_report 2)" || return 1
	vs_teardown
}

# race_rounds TEARDOWN: RACE_ROUNDS rounds of a stream torn down by
# "TEARDOWN ROUND" (which checks what it must), then a reload that works
# and a clean kernel log
race_rounds() {
	local r
	dmesg_mark
	r=1
	while [ $r -le $RACE_ROUNDS ]; do
		race_start || return 1
		race_pause $r
		"$1" $r || return 1
		r=$((r + 1))
	done
	race_reload_works || return 1
	b=$(dmesg_bad "$dmesg_lines")
	[ -z "$b" ] || fail "kernel: $b"
}

# odd rounds: the netns go while their members still use them (each dies
# with its last member); even rounds: the members die first
race_netns_delete() {
	local i
	if [ $(($1 % 2)) = 1 ]; then
		for i in 1 2 3; do
			$VS_IP netns del "n$i" 2>/dev/null
		done
		for i in 1 2 3; do
			vs_node_procs_kill $i &
		done
	else
		for i in 1 2 3; do
			vs_node_kill $i &
		done
	fi
	wait
	vs_teardown
	for i in 1 2 3; do
		vs_wait_until "$VS_WAIT" vs_node_gone $i || fail "round $1: n$i did not go" || return 1
	done
	vs_wait_until "$VS_WAIT" refcnt_zero || fail "round $1: refcnt $(cat $MOD/refcnt) after every socket closed" || return 1
}

# rmmod at once, with the nodes configured, their peers UP and the
# stream's packets, timers and work in flight
race_rmmod_at_last_close() {
	local i k
	for i in 1 2 3; do
		kill -KILL "$(eval echo "\$vs_pid_race$i")" 2>/dev/null
	done
	k=0
	while ! rmmod af_vsync 2>/dev/null; do
		k=$((k + 1))
		[ $k -ge 2000 ] && break
	done
	race_reinsert "$1"
}

race_rmmod_netns_dismantle() {
	local i
	for i in 1 2 3; do
		vs_node_kill $i &
	done
	race_reinsert "$1"
	wait
}

# race_reinsert ROUND: unload (if the race did not) and load again
race_reinsert() {
	! loaded || rmmod_retry ||
		fail "round $1: rmmod: $(cat "$tmp/rmmod.out"); refcnt $(cat $MOD/refcnt 2>/dev/null)" || return 1
	vs_teardown
	out=$(insmod "$KO" 2>&1) || fail "round $1: insmod again: $out" || return 1
}

t_race_netns_delete_mid_stream() {
	race_rounds race_netns_delete
}

t_race_rmmod_at_last_close() {
	race_rounds race_rmmod_at_last_close
}

t_race_rmmod_netns_dismantle() {
	race_rounds race_rmmod_netns_dismantle
}

t_dmesg_clean_whole_run() {
	loaded || insmod "$KO" > /dev/null 2>&1
	loaded || fail "module not loaded at the end" || return 1
	b=$(dmesg_bad "$dmesg_start")
	[ -z "$b" ] || fail "kernel: $b"
}

# ---------------------------------------------------------------------------

NTESTS=$(echo "$TESTS" | wc -w)
echo "TAP version 13"
echo "1..$NTESTS"
if ! loaded; then
	insmod "$KO" > /dev/null 2>&1
fi
for t in $TESTS; do
	why=""
	"t_$t"
	case $? in
	0) result 0 "$t" ;;
	2) result skip "$t" "$why" ;;
	*) result 1 "$t" "${why:-failed}" ;;
	esac
done
echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
