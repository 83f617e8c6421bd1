#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - run in the test VM by `make demo` (af_vsync.ko already loaded).
#
# Three vsync-demo members (alice, bob, carol) join group "demo" and send;
# bob is killed (SIGKILL: his process dies, the group gets a view without
# him) and dave joins. Then every member's log is shown side by side, one
# row per event of the group's history: a member that saw an event shows
# it in the same row, so identical order and identical views are visible,
# and the script checks that every member saw one contiguous slice of the
# same history.

BIN=/vsync/bin
DIR=/tmp/demo
GROUP=demo
mkdir -p "$DIR"
rm -f "$DIR"/*.log

start() {	# start NAME COUNT SECONDS
	"$BIN/vsync-demo" "$GROUP" "$1" -n "$2" -i 400 -t "$3" > "$DIR/$1.log" 2>&1 &
	eval "pid_$1=$!"
	echo "demo: started $1 (pid $!): $2 messages, leaves after $3 s"
}

echo "demo: group '$GROUP', af_vsync family $(cat /sys/module/af_vsync/parameters/family)"
start alice 20 11
sleep 0.5
start bob 20 11
sleep 0.5
start carol 20 11
sleep 3
echo "demo: killing bob (SIGKILL)"
# shellcheck disable=SC2154 # set by start() through eval
kill -KILL "$pid_bob"
sleep 1
start dave 10 5
wait
echo "demo: all members are done"
echo

for m in alice bob carol dave; do
	sed -n "s/^# \\($m\\) joined [^ ]* as \\([0-9]*:[0-9]*\\) .*/\\2 \\1/p" "$DIR/$m.log"
done > "$DIR/names"

# history key: gseq, then messages before the view that follows them, then
# the view id (several views can follow one message)
awk -v names="$DIR/names" '
BEGIN {
	while ((getline l < names) > 0) { split(l, a, " "); who[a[1]] = a[2] }
	nm = split("alice bob carol dave", mem, " ")
	bad = 0
}
FNR == 1 { m = FILENAME; sub(/.*\//, "", m); sub(/\.log$/, "", m); cnt[m] = 0 }
/^\[view / {
	v = $2 + 0; g = $4 + 0
	isview = ($5 == "members")
	key = sprintf("%012d %d %012d", g, isview, isview ? v : 0)
	txt = $0; sub(/^\[[^]]*\] /, "", txt)
	if (isview) {
		s = "view " v ":"
		n = split(txt, w, " ")
		for (i = 1; i <= n && w[i] != "|"; i++)
			if (w[i] ~ /^[0-9]+:[0-9]+$/) s = s " " (w[i] in who ? who[w[i]] : w[i])
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
	for (j = 1; j <= nm; j++) printf " | %-24s", mem[j]
	printf "\n"
	for (i = 1; i <= n; i++) {
		printf "%-6d", gs[keys[i]]
		for (j = 1; j <= nm; j++) {
			c = ((keys[i], mem[j]) in saw) ? text[keys[i]] : ""
			printf " | %-24s", substr(c, 1, 24)
		}
		printf "\n"
	}
	# every member saw a contiguous slice of the one history, in order
	for (j = 1; j <= nm; j++) {
		m = mem[j]
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
	print "demo: every member saw the same views and messages in the same order"
}' "$DIR/alice.log" "$DIR/bob.log" "$DIR/carol.log" "$DIR/dave.log"
rc=$?

echo
echo "demo: raw logs (lines starting with '#' are about the member itself)"
for m in alice bob carol dave; do
	echo "--- $m ---"
	cat "$DIR/$m.log"
done
exit $rc
