#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Node configuration: vsyncctl node/peer/stats, the genetlink checks behind
# them, net.vsync sysctls (ranges, per netns, CAP_NET_ADMIN). KTAP output.
B=/vsync/bin
C=$B/vsyncctl
IP=/sbin/ip
fail=0
n=0
echo "TAP version 13"
ok() { n=$((n+1)); echo "ok $n - $*"; }
bad() { n=$((n+1)); echo "not ok $n - $*"; fail=1; }
# t DESC EXPECTED_RC CMD... : run, show output, check rc
t() {
	local d=$1 want=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	echo "# \$ $* -> rc=$rc"; echo "$out" | sed 's/^/#   /'
	if [ "$rc" = "$want" ]; then ok "$d"; else bad "$d (rc $rc, want $want)"; fi
}
has() { if echo "$out" | grep -q -- "$1"; then ok "output has '$1'"; else bad "output lacks '$1'"; fi; }
in_ns() { local ns=$1; shift; $IP netns exec "$ns" "$@"; }

S=/proc/sys/net/vsync
t "node show" 0 $C node show; has "addr none"; has "port 7410"; has "transport down"
t "node show -j" 0 $C -j node show; has '"addr":null'
t "stats show" 0 $C stats show; has "drop_short 0"
t "stats -j" 0 $C -p stats show
t "stats one" 0 $C stats show heartbeat_tx
t "stats unknown" 1 $C stats show nope
t "peer show empty" 0 $C peer show
t "sysctl defaults" 0 cat $S/heartbeat_ms $S/suspect_ms $S/retransmit_ms; has 100; has 1000; has 40
t "sysctl below min" 1 sh -c "echo 9 > $S/heartbeat_ms"
t "sysctl above max" 1 sh -c "echo 10001 > $S/heartbeat_ms"
t "sysctl min ok" 0 sh -c "echo 10 > $S/heartbeat_ms"
t "sysctl read back" 0 cat $S/heartbeat_ms; has "^10$"
t "suspect below" 1 sh -c "echo 49 > $S/suspect_ms"
t "suspect max ok" 0 sh -c "echo 60000 > $S/suspect_ms"
t "retransmit below" 1 sh -c "echo 4 > $S/retransmit_ms"
t "retransmit max ok" 0 sh -c "echo 10000 > $S/retransmit_ms"
t "reader timeout default" 0 cat $S/reader_timeout_ms; has "^30000$"
t "reader timeout above" 1 sh -c "echo 3600001 > $S/reader_timeout_ms"
t "reader timeout below" 1 sh -c "echo -1 > $S/reader_timeout_ms"
t "reader timeout never" 0 sh -c "echo 0 > $S/reader_timeout_ms"
echo 100 > $S/heartbeat_ms; echo 1000 > $S/suspect_ms; echo 40 > $S/retransmit_ms
echo 30000 > $S/reader_timeout_ms
t "sysctl nocap write" 1 $B/vsync_nocap sh -c "echo 200 > $S/heartbeat_ms"
t "sysctl unchanged" 0 cat $S/heartbeat_ms; has "^100$"
t "sysctl nobody write" 1 $B/vsync_nocap -u sh -c "echo 200 > $S/heartbeat_ms"
t "sysctl nobody read" 0 $B/vsync_nocap -u cat $S/heartbeat_ms
t "nocap node set" 1 $B/vsync_nocap $C node set id 5; has "CAP_NET_ADMIN"
t "nocap peer add" 1 $B/vsync_nocap $C peer add addr 10.0.0.9; has "CAP_NET_ADMIN"
t "nobody node show" 0 $B/vsync_nocap -u $C node show
t "nobody peer show" 0 $B/vsync_nocap -u $C peer show
t "nobody stats" 0 $B/vsync_nocap -u $C stats show

# two nodes on a veth pair
$IP netns add a; $IP netns add b
$IP link add va netns a type veth peer name vb netns b
in_ns a $IP link set lo up; in_ns b $IP link set lo up
in_ns a $IP addr add 10.0.0.1/24 dev va; in_ns b $IP addr add 10.0.0.2/24 dev vb
in_ns a $IP addr add fd00::1/64 dev va nodad; in_ns b $IP addr add fd00::2/64 dev vb nodad
in_ns a $IP link set va up; in_ns b $IP link set vb up
t "netns sysctl default" 0 in_ns a cat $S/heartbeat_ms; has "^100$"
in_ns a sh -c "echo 50 > $S/heartbeat_ms"
t "netns sysctl separate" 0 cat $S/heartbeat_ms; has "^100$"
t "netns b unaffected" 0 in_ns b cat $S/heartbeat_ms; has "^100$"
t "port without addr" 1 in_ns a $C node set port 8000; has "address before"
t "multicast addr" 1 in_ns a $C node set addr 224.0.0.1; has "multicast"
t "v4mapped addr" 1 in_ns a $C node set addr ::ffff:10.0.0.1; has "IPv4 form"
t "linklocal addr" 1 in_ns a $C node set addr fe80::1; has "link-local"
t "nonlocal addr" 1 in_ns a $C node set addr 10.9.9.9
t "set a" 0 in_ns a $C node set id 1 cluster 7 addr 10.0.0.1
t "show a" 0 in_ns a $C node show; has "transport up"; has "addr 10.0.0.1"; has "cluster 7"; has "port 7410"
t "show a -j" 0 in_ns a $C -j node show; has '"up":true'
t "set b" 0 in_ns b $C node set id 2 cluster 7 addr 10.0.0.2
t "peer add a" 0 in_ns a $C peer add addr 10.0.0.2
t "peer add dup" 1 in_ns a $C peer add addr 10.0.0.2; has "already"
t "peer add any" 1 in_ns a $C peer add addr 0.0.0.0; has "one host"
t "peer add bcast" 1 in_ns a $C peer add addr 255.255.255.255; has "broadcast"
t "peer add noaddr" 2 in_ns a $C peer add port 5
# one address family per node: an IPv6 peer of an IPv4 node is refused
t "peer add v6 to v4 node" 1 in_ns a $C peer add addr fd00::7 port 9999
has "address family"
t "peer del v6 absent" 1 in_ns a $C peer del addr fd00::7 port 9999
t "peer del none" 1 in_ns a $C peer del addr fd00::7 port 9999; has "no such peer"
t "peer add b" 0 in_ns b $C peer add addr 10.0.0.1
sleep 1.5
t "peer show a" 0 in_ns a $C peer show; has " up "; has static
t "peer show a -j" 0 in_ns a $C -p peer show; has '"state": "up"'
t "stats a" 0 in_ns a $C stats show; has heartbeat_rx
t "stats hb_rx>0" 0 sh -c "in_ns() { :; }; $IP netns exec a $C stats show heartbeat_rx | grep -v ' 0$'"
t "port only" 0 in_ns a $C node set port 7411
t "show port" 0 in_ns a $C node show; has "port 7411"; has "addr 10.0.0.1"
t "v6 move" 0 in_ns a $C node set addr fd00::1 port 7412
t "show v6" 0 in_ns a $C -j node show; has '"addr":"fd00::1"'; has '"port":7412'
# EBUSY: a member joined in c, a node of its own (a is alone now, and
# outside a primary view: it refuses joins)
$IP netns add c
$IP netns exec c $B/vsync_hold -j g1 -o /tmp/hold.st &
hp=$!
sleep 1
t "id change busy" 1 in_ns c $C node set id 9; has "cannot change"
t "same id ok" 0 in_ns c $C node set id 1
t "members 1" 0 in_ns c $C node show; has "members 1"
# a joiner that asks for state awaits it: the first member never sends one
$IP netns exec c $B/vsync_hold -j g1 -s -o /tmp/hold2.st &
hp2=$!
for i in $(seq 1 100); do [ -s /tmp/hold2.st ] && break; sleep 0.1; done
t "joiner view" 0 cat /tmp/hold2.st; has "members=2"
t "group awaits" 0 in_ns c $C group show g1; has "awaits [0-9]"
t "group awaits json" 0 in_ns c $C -j group show g1; has '"awaits_state":[0-9]'
kill $hp2; wait $hp2 2>/dev/null
t "group awaits none" 0 in_ns c $C group show g1; has " -$"
kill $hp; wait $hp 2>/dev/null
t "members 0" 0 in_ns c $C node show; has "members 0"
t "id change after leave" 0 in_ns c $C node set id 9
$IP netns del c
# raw netlink: kernel-side checks
NL=$B/vsync_nl
t "nl id 0" 1 in_ns a $NL set id 0
t "nl port 0" 1 in_ns a $NL set port 0
t "nl port32" 1 in_ns a $NL set port32 7000
t "nl addr 3 bytes" 1 in_ns a $NL set addrhex 0a0000
t "nl addr 5 bytes" 1 in_ns a $NL set addrhex 0a00000001
t "nl empty nest" 1 in_ns a $NL set empty
t "nl peer no addr" 1 in_ns a $NL peer-add port 7000
t "nl peer empty" 1 in_ns a $NL peer-add empty
t "nl nodes" 0 in_ns a $NL node
t "nl peers" 0 in_ns a $NL peers
t "nl stats" 0 in_ns a $NL stats
t "nl -N set" 1 in_ns a $NL -N set cluster 3
# a user namespace of an unprivileged user owns its netns: it may configure it
t "userns sysctl+config" 0 $B/vsync_nocap -u unshare -Urn sh -c "echo 200 > $S/heartbeat_ms && cat $S/heartbeat_ms && $C node set id 4 cluster 2 && $C node show"
has "^200$"; has "node 4"
t "userns host unchanged" 0 cat $S/heartbeat_ms; has "^100$"
# many peers: dump resumes across messages
for i in $(seq 1 200); do echo "peer add addr 10.1.$((i/250)).$((i%250+1))"; done > /tmp/peers
k=0; while read -r l; do in_ns b $C $l >/dev/null 2>&1 && k=$((k+1)); done < /tmp/peers
echo "# added $k"
t "peer show many" 0 in_ns b $C peer show
cnt=$(in_ns b $C peer show | grep -c static)
[ "$cnt" = 201 ] && ok "201 peers dumped" || bad "dumped $cnt peers, want 201"
cnt=$(in_ns b $C -j peer show | grep -o '"static":true' | wc -l)
[ "$cnt" = 201 ] && ok "201 peers json" || bad "json $cnt peers"
$IP netns del a; $IP netns del b
sleep 1
dmesg | grep -E "WARNING:|BUG:|Oops|suspected memory leak" && bad "kernel log" || ok "kernel log clean"
echo "1..$n"
exit $fail
