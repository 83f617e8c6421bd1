#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - run in the test VM by `make demo` (af_vsync.ko already loaded).
#
# Three nodes (network namespaces n1, n2, n3 on one bridge) form a primary
# node view; a vsync-demo member on each (alice on n1, bob on n2, carol on
# n3) joins group "demo" and sends.  Node 2 then crashes mid-stream: bob's
# process is killed and his namespace deleted, so the survivors learn of it
# only by its silence.  They get a view without bob and go on; dave joins
# on node 3.  Then every member's log is shown side by side, one row per
# event of the group's history: a member that saw an event shows it in the
# same row, so identical order and identical views across nodes are
# visible, and the script checks that every member saw one contiguous
# slice of the same history (bob's ends where his node died).
#
# Every wait is bounded: the demo ends in well under a minute even if the
# cluster misbehaves, and then says what it saw.

BIN=/vsync/bin
DIR=/tmp/demo
GROUP=demo
NAMES="alice bob carol dave"
# name@node of every member, for the table's header
HEADS="alice@1 bob@2 carol@3 dave@3"

if [ ! -r "$BIN/vsync_cluster_lib.sh" ]; then
	# the initramfs takes it from the selftests' build directory
	echo "demo: $BIN/vsync_cluster_lib.sh is missing: build the selftests" \
	     "(make selftests) before the demo's initramfs"
	exit 1
fi
# the library's defaults (heartbeat 50 ms, suspect 600 ms) make a crash
# show within about a second
export VS_BIN=$BIN
# shellcheck source=selftests/vsync_cluster_lib.sh
. "$BIN/vsync_cluster_lib.sh"

mkdir -p "$DIR"
rm -f "$DIR"/*
trap vs_teardown EXIT

# show_views I...: each node's view as "vsyncctl node show" has it
show_views() {
	for i in "$@"; do
		echo "demo:   node $i: view $(vs_view_of "$i")"
	done
}

# start NAME NODE COUNT SECONDS: a member on NODE; its log is
# /tmp/vs_NAME.out (vs_spawn's), copied to $DIR at the end
start() {
	vs_spawn "$2" "$1" "$BIN/vsync-demo" "$GROUP" "$1" -n "$3" -i 400 -t "$4"
	eval "p=\$vs_pid_$1"
	echo "demo: started $1 on node $2 (pid $p): $3 messages, leaves after $4 s"
}

# alive PID: the process runs (a zombie does not count)
alive() {
	s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$s" ] && [ "$s" != Z ]
}

# finish SECS PID...: wait for the members to end on their own, at most
# SECS; then SIGTERM (they leave and drain), and SIGKILL 5 s later
finish() {
	end=$(( $(date +%s) + $1 ))
	shift
	for sig in none TERM KILL; do
		[ $sig = none ] || echo "demo: members still running, sending SIG$sig"
		for p in "$@"; do
			[ $sig = none ] || kill -$sig "$p" 2>/dev/null
		done
		while [ "$(date +%s)" -lt $end ]; do
			left=0
			for p in "$@"; do
				alive "$p" && left=1
			done
			[ $left = 0 ] && break 2
			sleep 0.2
		done
		end=$(( $(date +%s) + 5 ))
	done
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
}

echo "demo: af_vsync family $(cat /sys/module/af_vsync/parameters/family)"
echo "demo: creating nodes 1, 2, 3 (one network namespace each, 10.10.0.1-3)"
vs_cluster_create 3 || { echo "demo: FAILED: cannot create the nodes"; exit 1; }
if ! vs_wait_until 30 vs_agree primary "1 2 3" 1 2 3; then
	echo "demo: FAILED: the nodes do not agree on one primary view"
	show_views 1 2 3
	exit 1
fi
echo "demo: the nodes agree on one primary node view:"
show_views 1 2 3

start alice 1 20 12
sleep 0.5
start bob 2 20 12
sleep 0.5
start carol 3 20 12
sleep 1.5
echo "demo: 'vsyncctl group show' on node 3 lists the members of every node"
echo "demo: (pid 0 and no counters: that member lives on another node):"
vs_ctl 3 group show | sed 's/^/demo:   /'
sleep 1.5

echo "demo: crashing node 2 (bob's process killed, its namespace deleted)"
vs_node_kill 2
if vs_wait_until 20 vs_agree primary "1 3" 1 3; then
	echo "demo: nodes 1 and 3 went on without node 2:"
else
	echo "demo: nodes 1 and 3 have no common view without node 2 yet:"
fi
show_views 1 3
start dave 3 8 5

# shellcheck disable=SC2154 # set by vs_spawn through eval
finish 40 "$vs_pid_alice" "$vs_pid_carol" "$vs_pid_dave"
echo "demo: all members are done.  Counters of the surviving nodes (the"
echo "demo: sequencer, first node of the node view, orders every entry):"
for i in 1 3; do
	echo "demo:   node $i: ordered $(vs_ctl $i stats show ordered | cut -d' ' -f2)," \
	     "retransmit $(vs_ctl $i stats show retransmit | cut -d' ' -f2)"
done
echo

for m in $NAMES; do
	cp "/tmp/vs_$m.out" "$DIR/$m.log" 2>/dev/null || : > "$DIR/$m.log"
	sed -n "s/^# \\($m\\) joined [^ ]* as \\([0-9]*:[0-9]*\\) .*/\\2 \\1/p" "$DIR/$m.log"
done > "$DIR/names"

# History key: gseq, then messages before the views that follow them, then
# the view id (several views can follow one message).  Numbers are padded
# as text: a last, non-primary view's id has bit 63 set, past what awk
# holds exactly.
awk -v names="$DIR/names" -v heads="$HEADS" '
function pad(s) { return substr("00000000000000000000", length(s) + 1) s }
BEGIN {
	while ((getline l < names) > 0) { split(l, a, " "); who[a[1]] = a[2] }
	nm = split(heads, head, " ")
	for (j = 1; j <= nm; j++) { mem[j] = head[j]; sub(/@.*/, "", mem[j]) }
	bad = 0
}
FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.log$/, "", m); cnt[m] = 0 }
/^\[view / {
	v = $2; g = $4; sub(/\]$/, "", g)
	isview = ($5 == "members")
	key = pad(g) " " isview " " (isview ? pad(v) : pad("0"))
	txt = $0; sub(/^\[[^]]*\] /, "", txt)
	if (isview) {
		s = "view " v ":"
		n = split(txt, w, " ")
		for (i = 1; i <= n && w[i] != "|"; i++)
			if (w[i] ~ /^[0-9]+:[0-9]+$/) s = s " " (w[i] in who ? who[w[i]] : w[i])
		if (txt ~ /\| non-primary/) s = s " (non-primary)"
		txt = s
	}
	if (key in text && text[key] != txt) {
		printf "demo: MISMATCH at %s: %s has \"%s\", another member \"%s\"\n", key, m, txt, text[key]
		bad = 1
	}
	text[key] = txt
	gs[key] = g
	saw[key, m] = 1
	seq[m, ++cnt[m]] = key
	next
}
/^#/ { next }
{ other[m] = other[m] "    " m ": " $0 "\n" }
END {
	n = 0
	for (k in text) keys[++n] = k
	# insertion sort: a few hundred keys at most
	for (i = 2; i <= n; i++) {
		k = keys[i]
		for (j = i - 1; j > 0 && keys[j] > k; j--) keys[j + 1] = keys[j]
		keys[j + 1] = k
	}
	for (i = 1; i <= n; i++) pos[keys[i]] = i
	printf "%-6s", "gseq"
	for (j = 1; j <= nm; j++) {
		h = head[j]
		sub(/@/, ", node ", h)
		printf " | %-24s", h
	}
	printf "\n"
	for (i = 1; i <= n; i++) {
		printf "%-6s", gs[keys[i]]
		for (j = 1; j <= nm; j++) {
			c = ((keys[i], mem[j]) in saw) ? text[keys[i]] : ""
			printf " | %-24s", substr(c, 1, 24)
		}
		printf "\n"
	}
	# every member saw a contiguous slice of the one history, in order
	for (j = 1; j <= nm; j++) {
		m = mem[j]
		if (!cnt[m]) {
			printf "demo: %s saw nothing\n", m
			bad = 1
		}
		for (i = 2; i <= cnt[m]; i++)
			if (pos[seq[m, i]] != pos[seq[m, i - 1]] + 1) {
				printf "demo: %s skipped or reordered events around %s\n", m, seq[m, i]
				bad = 1
				break
			}
		if (other[m] != "") printf "%s", other[m]
	}
	if (bad) {
		print "demo: FAILED: the members do not agree"
		exit 1
	}
	print ""
	print "demo: every member saw the same views and messages in the same order,"
	print "demo: across three nodes; bob'"'"'s history ends where node 2 crashed"
}' "$DIR/alice.log" "$DIR/bob.log" "$DIR/carol.log" "$DIR/dave.log"
rc=$?

echo
echo "demo: raw logs (lines starting with '#' are about the member itself)"
for m in $NAMES; do
	echo "--- $m ---"
	cat "$DIR/$m.log"
done
exit $rc
