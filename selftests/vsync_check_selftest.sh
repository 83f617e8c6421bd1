#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of vsync_check: hand-made logs of one group with three members
# (a.log 1:1, b.log 1:2, c.log 1:3), the same with causal vectors
# (causal_clean), with state transfers (st_clean), and of a group cut by a
# partition (np_clean below).  The clean sets must pass, with and without
# -1; every broken set must be rejected (exit 1) naming the right guarantee.
# Needs no kernel: runs on the build host and in the VM.  Output is KTAP.
#
# usage: vsync_check_selftest.sh [PATH_TO_vsync_check]

here=$(cd "$(dirname "$0")" && pwd)
CHECK=${1:-${VSYNC_CHECK:-$here/vsync_check}}

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_check_selftest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

NTESTS=76
n=0
failed=0

# The clean run: views 1..4, C joins in 3 and leaves in 4, gseq 1..8.
# Checksums are FNV-1a of: hello 4f9f2cab, abc 1a47e90b, "" 811c9dc5,
# xy 58637fda, abcd ce3479bd, z ff0c53ad, q f40c425c, r f70c4715.
clean() {
	d=$1
	mkdir -p "$d"
	cat > "$d/a.log" <<'EOF'
# member A
M g 1:1
V 1 0 1:1
S 1 3 5 4f9f2cab
D 1 1:1 1 1 3 5 4f9f2cab
V 2 1 1:1,1:2
S 2 1 3 1a47e90b
D 2 1:1 2 2 1 3 1a47e90b
D 2 1:2 1 3 3 0 811c9dc5
V 3 3 1:1,1:2,1:3
S 3 3 4 ce3479bd
D 3 1:3 1 4 4 2 58637fda
D 3 1:1 3 5 3 4 ce3479bd
V 4 5 1:1,1:2
S 4 1 1 f40c425c
S 5 1 1 f70c4715
D 4 1:2 2 6 2 1 ff0c53ad
D 4 1:1 4 7 1 1 f40c425c
D 4 1:1 5 8 1 1 f70c4715
L
X
EOF
	cat > "$d/b.log" <<'EOF'
M g 1:2
V 2 1 1:1,1:2
S 1 3 0 811c9dc5
D 2 1:1 2 2 1 3 1a47e90b
D 2 1:2 1 3 3 0 811c9dc5
V 3 3 1:1,1:2,1:3
D 3 1:3 1 4 4 2 58637fda
D 3 1:1 3 5 3 4 ce3479bd
V 4 5 1:1,1:2
S 2 2 1 ff0c53ad
D 4 1:2 2 6 2 1 ff0c53ad
D 4 1:1 4 7 1 1 f40c425c
D 4 1:1 5 8 1 1 f70c4715
L
X
EOF
	cat > "$d/c.log" <<'EOF'
M g 1:3
V 3 3 1:1,1:2,1:3
S 1 4 2 58637fda
D 3 1:3 1 4 4 2 58637fda
D 3 1:1 3 5 3 4 ce3479bd
L
X
EOF
}

# A group across nodes 1, 2, 3 cut by a partition: A 1:1 and B 2:1 go on
# in view 3; C 3:1 and D 3:2 (node 3, the minority) get the non-primary
# view 2^63+3 and are out.  C's second message, sent in view 2, is lost
# with the partition; C reads to the end (X, no L); D's log ends at its
# non-primary view.  Passes with -1 too: gseq is consecutive.
np_clean() {
	d=$1
	mkdir -p "$d"
	cat > "$d/a.log" <<'EOF'
M g 1:1
V 1 0 1:1,2:1,3:1
S 1 3 5 4f9f2cab
D 1 1:1 1 1 3 5 4f9f2cab
D 1 3:1 1 2 3 3 1a47e90b
V 2 2 1:1,2:1,3:1,3:2
D 2 2:1 1 3 1 2 58637fda
V 3 3 1:1,2:1
S 2 3 1 f40c425c
D 3 1:1 2 4 3 1 f40c425c
L
X
EOF
	cat > "$d/b.log" <<'EOF'
M g 2:1
V 1 0 1:1,2:1,3:1
D 1 1:1 1 1 3 5 4f9f2cab
D 1 3:1 1 2 3 3 1a47e90b
V 2 2 1:1,2:1,3:1,3:2
S 1 1 2 58637fda
D 2 2:1 1 3 1 2 58637fda
V 3 3 1:1,2:1
D 3 1:1 2 4 3 1 f40c425c
L
X
EOF
	cat > "$d/c.log" <<'EOF'
M g 3:1
V 1 0 1:1,2:1,3:1
D 1 1:1 1 1 3 5 4f9f2cab
S 1 3 3 1a47e90b
D 1 3:1 1 2 3 3 1a47e90b
V 2 2 1:1,2:1,3:1,3:2
D 2 2:1 1 3 1 2 58637fda
S 2 3 1 ff0c53ad
V 9223372036854775811 3 3:1,3:2 np
X
EOF
	cat > "$d/d.log" <<'EOF'
M g 3:2
V 2 2 1:1,2:1,3:1,3:2
D 2 2:1 1 3 1 2 58637fda
V 9223372036854775811 3 3:1,3:2 np
EOF
}
NP="V 9223372036854775811 3 3:1,3:2 np"

# The clean run with causal vectors (c=) on every S and D line.  Classes
# changed so that causal order is not implied by total order: in view 3
# both messages are CAUSAL and A sends #3 after delivering C's #1; in view
# 4 B sends its CAUSAL #2 after delivering A's FIFO #4.  In view 2 B sends
# after delivering A's #2.  gseq stays consecutive (passes with -1).
causal_clean() {
	d=$1
	mkdir -p "$d"
	cat > "$d/a.log" <<'EOF'
M g 1:1
V 1 0 1:1
S 1 3 5 4f9f2cab c=-
D 1 1:1 1 1 3 5 4f9f2cab c=-
V 2 1 1:1,1:2
S 2 1 3 1a47e90b c=-
D 2 1:1 2 2 1 3 1a47e90b c=-
D 2 1:2 1 3 3 0 811c9dc5 c=1:1/2
V 3 3 1:1,1:2,1:3
D 3 1:3 1 4 2 2 58637fda c=-
S 3 2 4 ce3479bd c=1:3/1
D 3 1:1 3 5 2 4 ce3479bd c=1:3/1
V 4 5 1:1,1:2
S 4 1 1 f40c425c c=-
S 5 1 1 f70c4715 c=-
D 4 1:1 4 6 1 1 f40c425c c=-
D 4 1:2 2 7 2 1 ff0c53ad c=1:1/4
D 4 1:1 5 8 1 1 f70c4715 c=-
L
X
EOF
	cat > "$d/b.log" <<'EOF'
M g 1:2
V 2 1 1:1,1:2
D 2 1:1 2 2 1 3 1a47e90b c=-
S 1 3 0 811c9dc5 c=1:1/2
D 2 1:2 1 3 3 0 811c9dc5 c=1:1/2
V 3 3 1:1,1:2,1:3
D 3 1:3 1 4 2 2 58637fda c=-
D 3 1:1 3 5 2 4 ce3479bd c=1:3/1
V 4 5 1:1,1:2
D 4 1:1 4 6 1 1 f40c425c c=-
S 2 2 1 ff0c53ad c=1:1/4
D 4 1:2 2 7 2 1 ff0c53ad c=1:1/4
D 4 1:1 5 8 1 1 f70c4715 c=-
L
X
EOF
	cat > "$d/c.log" <<'EOF'
M g 1:3
V 3 3 1:1,1:2,1:3
S 1 2 2 58637fda c=-
D 3 1:3 1 4 2 2 58637fda c=-
D 3 1:1 3 5 2 4 ce3479bd c=1:3/1
L
X
EOF
}

# State transfers: B joins in view 2, A its donor (T/R of 5 bytes: its
# state "hello").  C joins in view 3 with donor B; B is killed (its log
# ends after its T), so C discards the partial state (Z 3) and gets the
# state ("helloabc", 9f7d1cd5) from A, its donor in view 4.  gseq stays
# consecutive (passes with -1).
st_clean() {
	d=$1
	mkdir -p "$d"
	cat > "$d/a.log" <<'EOF'
M g 1:1
V 1 0 1:1
S 1 3 5 4f9f2cab
D 1 1:1 1 1 3 5 4f9f2cab
V 2 1 1:1,1:2
T 2 5 4f9f2cab
D 2 1:2 1 2 3 3 1a47e90b
V 3 2 1:1,1:2,1:3
V 4 2 1:1,1:3
T 4 8 9f7d1cd5
S 2 3 1 ff0c53ad
D 4 1:1 2 3 3 1 ff0c53ad
L
X
EOF
	cat > "$d/b.log" <<'EOF'
M g 1:2
V 2 1 1:1,1:2
R 2 1:1 5 4f9f2cab
S 1 3 3 1a47e90b
D 2 1:2 1 2 3 3 1a47e90b
V 3 2 1:1,1:2,1:3
T 3 8 9f7d1cd5
EOF
	cat > "$d/c.log" <<'EOF'
M g 1:3
V 3 2 1:1,1:2,1:3
V 4 2 1:1,1:3
Z 3
R 4 1:1 8 9f7d1cd5
D 4 1:1 2 3 3 1 ff0c53ad
L
X
EOF
}

# expect NAME WANT(0 or guarantee number) [checker options] -- DIR
# WANT 0: must exit 0 with an OK line; WANT N: must exit 1 naming guarantee N.
expect() {
	name=$1 want=$2
	shift 2
	n=$((n + 1))
	out=$("$CHECK" "$@" 2>&1)
	rc=$?
	ok=0
	if [ "$want" = 0 ]; then
		[ $rc = 0 ] && echo "$out" | grep -q '^vsync_check: OK:' && ok=1
	elif [ "$want" = fmt ]; then
		[ $rc = 2 ] && ok=1
	else
		[ $rc = 1 ] && echo "$out" | grep -q "VIOLATION guarantee $want " && ok=1
	fi
	echo "$out" | sed 's/^/# /'
	if [ $ok = 1 ]; then
		echo "ok $n $name"
	else
		echo "# expected ${want}, checker exit $rc"
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

# mk NAME / mknp NAME: a fresh copy of the clean / np_clean set in
# $tmp/NAME, printed dir
mk() {
	clean "$tmp/$1"
	echo "$tmp/$1"
}
mknp() {
	np_clean "$tmp/$1"
	echo "$tmp/$1"
}
mkc() {
	causal_clean "$tmp/$1"
	echo "$tmp/$1"
}
mkst() {
	st_clean "$tmp/$1"
	echo "$tmp/$1"
}

# Line edits by exact match (awk: same in busybox and on the host).
# del FILE LINE / rep FILE LINE NEW / after FILE LINE NEW
del() {
	awk -v p="$2" '$0 != p' "$1" > "$1.new" && mv "$1.new" "$1"
}
rep() {
	awk -v p="$2" -v l="$3" '{ if ($0 == p) print l; else print }' "$1" > "$1.new" &&
		mv "$1.new" "$1"
}
after() {
	awk -v p="$2" -v l="$3" '{ print } $0 == p { print l }' "$1" > "$1.new" &&
		mv "$1.new" "$1"
}
# nocv FILE: drop the c= field of every D line (a reader that logs none)
nocv() {
	awk '$1 == "D" { sub(/ c=[^ ]*$/, "") } { print }' "$1" > "$1.new" &&
		mv "$1.new" "$1"
}

echo "TAP version 13"
echo "1..$NTESTS"

if [ ! -x "$CHECK" ]; then
	echo "# no checker at $CHECK"
	i=0
	while [ $i -lt $NTESTS ]; do
		i=$((i + 1))
		echo "not ok $i vsync_check_missing"
	done
	exit 1
fi

d=$(mk clean)
expect clean_passes 0 "$d"
expect clean_passes_one_node 0 -1 "$d"
expect clean_passes_as_files 0 -1 "$d/a.log" "$d/b.log" "$d/c.log"

d=$(mk g1_member_list)
rep "$d/b.log" "V 3 3 1:1,1:2,1:3" "V 3 3 1:2,1:1,1:3"
expect g1_view_member_lists_differ 1 "$d"

d=$(mk g1_not_increasing)
rep "$d/a.log" "V 4 5 1:1,1:2" "V 3 5 1:1,1:2,1:3"
expect g1_view_ids_not_increasing 1 "$d"

d=$(mk g1_self_missing)
rep "$d/c.log" "V 3 3 1:1,1:2,1:3" "V 3 3 1:1,1:2"
expect g1_member_not_in_own_view 1 "$d"

d=$(mk g2)
del "$d/b.log" "D 3 1:1 3 5 3 4 ce3479bd"
expect g2_different_sets_in_view 2 "$d"

d=$(mk g3_view_id)
rep "$d/b.log" "D 3 1:1 3 5 3 4 ce3479bd" "D 2 1:1 3 5 3 4 ce3479bd"
expect g3_delivered_in_other_view 3 "$d"

d=$(mk g3_nonmember)
rep "$d/b.log" "D 2 1:2 1 3 3 0 811c9dc5" "D 2 1:3 9 3 3 0 811c9dc5"
expect g3_sender_not_in_view 3 "$d"

d=$(mk g3_before_send)
del "$d/b.log" "S 1 3 0 811c9dc5"
after "$d/b.log" "V 3 3 1:1,1:2,1:3" "S 1 3 0 811c9dc5"
expect g3_delivered_before_send_view 3 "$d"

d=$(mk g4_dup)
after "$d/a.log" "D 3 1:3 1 4 4 2 58637fda" "D 3 1:3 1 4 4 2 58637fda"
expect g4_duplicate_delivery 4 "$d"

d=$(mk g4_cksum)
rep "$d/b.log" "D 2 1:2 1 3 3 0 811c9dc5" "D 2 1:2 1 3 3 0 811c9dc6"
expect g4_checksum_differs 4 "$d"

d=$(mk g4_not_sent)
del "$d/c.log" "S 1 4 2 58637fda"
expect g4_never_sent 4 "$d"

d=$(mk g4_sent_other)
rep "$d/a.log" "S 1 3 5 4f9f2cab" "S 1 3 5 4f9f2cac"
expect g4_sent_payload_differs 4 "$d"

d=$(mk g5_reorder)
del "$d/b.log" "D 4 1:1 4 7 1 1 f40c425c"
after "$d/b.log" "D 4 1:1 5 8 1 1 f70c4715" "D 4 1:1 4 7 1 1 f40c425c"
expect g5_fifo_reordered 5 "$d"

d=$(mk g5_start)
del "$d/b.log" "D 4 1:1 4 7 1 1 f40c425c"
expect g5_fifo_gap_at_view_start 5 "$d"

d=$(mk g7_gseq)
rep "$d/b.log" "D 3 1:3 1 4 4 2 58637fda" "D 3 1:3 1 9 4 2 58637fda"
expect g7_same_message_two_gseqs 7 "$d"

d=$(mk g7_order)
del "$d/b.log" "D 3 1:3 1 4 4 2 58637fda"
after "$d/b.log" "D 3 1:1 3 5 3 4 ce3479bd" "D 3 1:3 1 4 4 2 58637fda"
expect g7_total_order_differs 7 "$d"

d=$(mk g7_one_node)
rep "$d/a.log" "V 3 3 1:1,1:2,1:3" "V 3 2 1:1,1:2,1:3"
expect g7_view_gseq_rule_only_with_one_node 0 "$d"
expect g7_view_gseq_one_node 7 -1 "$d"

d=$(mk g9_drained)
del "$d/c.log" "D 3 1:3 1 4 4 2 58637fda"
expect g9_own_message_missing_after_drain 9 "$d"

d=$(mk g9_later)
del "$d/a.log" "D 1 1:1 1 1 3 5 4f9f2cab"
expect g9_own_message_missing_later_delivered 9 "$d"

# non-primary views
d=$(mknp np_clean)
expect np_clean_passes 0 "$d"
expect np_clean_passes_one_node 0 -1 "$d"

d=$(mknp np_not_last)
after "$d/c.log" "$NP" "V 9223372036854775812 3 3:1"
expect np_view_not_the_last 1 "$d"

d=$(mknp np_then_delivery)
after "$d/c.log" "$NP" "D 9223372036854775811 3:1 2 4 3 1 ff0c53ad"
expect np_delivery_after_non_primary 3 "$d"

d=$(mknp np_then_send)
after "$d/c.log" "$NP" "S 3 3 1 f70c4715"
expect np_send_after_non_primary 3 "$d"

d=$(mknp np_flag)
rep "$d/d.log" "$NP" "V 9223372036854775811 3 3:1,3:2"
expect np_flag_differs 1 "$d"

d=$(mknp np_g2)
del "$d/d.log" "D 2 2:1 1 3 1 2 58637fda"
expect np_g2_different_sets_before_non_primary 2 "$d"

# a partition may take a member's own messages that nobody delivered, but
# not one before a later one it delivered
d=$(mknp np_g9)
for f in a b c; do
	del "$d/$f.log" "D 1 3:1 1 2 3 3 1a47e90b"
done
for f in c d; do
	after "$d/$f.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 3:1 2 4 3 1 ff0c53ad"
done
expect np_g9_own_message_missing_before_a_later_one 9 "$d"

# C's #2, sent in view 1, is ordered late: A and B deliver it in view 2,
# the view C's partition ended, before C could: it may be lost for C
# C's #2, logged in view 1, still unordered when view 2 began (C read view
# 2 late, or its socket carried it there): lost with the partition too
d=$(mknp np_g9_unordered)
del "$d/c.log" "S 2 3 1 ff0c53ad"
after "$d/c.log" "D 1 3:1 1 2 3 3 1a47e90b" "S 2 3 1 ff0c53ad"
expect np_g9_own_message_unordered_into_the_cut_view_passes 0 "$d"

# but not without the partition: C leaves instead
rep "$d/c.log" "$NP" "L"
rep "$d/d.log" "$NP" "L"
expect g9_own_message_unordered_then_leave 9 "$d"

d=$(mknp np_g9_late)
del "$d/c.log" "S 2 3 1 ff0c53ad"
after "$d/c.log" "D 1 3:1 1 2 3 3 1a47e90b" "S 2 3 1 ff0c53ad"
for f in a b; do
	after "$d/$f.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 3:1 2 4 3 1 ff0c53ad"
	rep "$d/$f.log" "V 3 3 1:1,2:1" "V 3 4 1:1,2:1"
	rep "$d/$f.log" "D 3 1:1 2 4 3 1 f40c425c" "D 3 1:1 2 5 3 1 f40c425c"
done
expect np_g9_own_message_ordered_in_the_cut_view_passes 0 "$d"

# Delivery is not uniform: C, cut off in view 2, delivered B's #2 there at
# gseq 4, which the side that goes on orders again in view 3, where gseq 4
# is A's #2.  Only a member whose next view is non-primary (or whose log
# ends) may be so alone.
# mklone NAME (in $(...): its d is its own)
mklone() {
	d=$(mknp "$1")
	after "$d/b.log" "D 2 2:1 1 3 1 2 58637fda" "S 2 3 1 f70c4715"
	for f in a b; do
		after "$d/$f.log" "D 3 1:1 2 4 3 1 f40c425c" "D 3 2:1 2 5 3 1 f70c4715"
	done
	after "$d/c.log" "S 2 3 1 ff0c53ad" "D 2 2:1 2 4 3 1 f70c4715"
	after "$d/d.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 2:1 2 4 3 1 f70c4715"
	echo "$d"
}
d=$(mklone np_lone)
expect np_lone_delivery_in_last_primary_view_passes 0 "$d"

rep "$d/c.log" "$NP" "L"
expect lone_delivery_without_non_primary_view 3 "$d"

# ...and what D sends there after it, causally, depends on B's #2 in the
# order of its side: that the others put B's #2 in view 3 breaks no causal
# order for C and D
d=$(mklone np_lone_causal)
after "$d/c.log" "D 2 2:1 2 4 3 1 f70c4715" "D 2 3:2 1 5 2 1 e30c5c15 c=2:1/2"
after "$d/d.log" "D 2 2:1 2 4 3 1 f70c4715" "S 1 2 1 e30c5c15 c=2:1/2"
after "$d/d.log" "S 1 2 1 e30c5c15 c=2:1/2" "D 2 3:2 1 5 2 1 e30c5c15 c=2:1/2"
expect np_lone_causal_after_own_delivery_passes 0 "$d"

# but C must have delivered B's #2 itself first
del "$d/c.log" "D 2 2:1 2 4 3 1 f70c4715"
after "$d/c.log" "D 2 3:2 1 5 2 1 e30c5c15 c=2:1/2" "D 2 2:1 2 4 3 1 f70c4715"
expect np_lone_causal_before_its_cause 6 "$d"

# logs that end abruptly: C killed in view 3
d=$(mk cut_short)
for l in "D 3 1:1 3 5 3 4 ce3479bd" L X; do
	del "$d/c.log" "$l"
done
expect cut_short_log_passes 0 "$d"

printf 'D 3 1:1 3 5 3 4 ce34' >> "$d/c.log"
expect cut_short_unfinished_last_line_dropped 0 "$d"

# killed between its send and its S line: one unlogged message is fine...
d=$(mk cut_unlogged)
for l in "S 1 4 2 58637fda" "D 3 1:3 1 4 4 2 58637fda" "D 3 1:1 3 5 3 4 ce3479bd" L X; do
	del "$d/c.log" "$l"
done
expect cut_short_one_unlogged_send_passes 0 "$d"

# ...two are not
for f in a b; do
	after "$d/$f.log" "D 3 1:1 3 5 3 4 ce3479bd" "D 3 1:3 2 9 1 1 ff0c53ad"
done
expect cut_short_two_unlogged_sends 4 "$d"

d=$(mk bad_format)
echo "Q what" >> "$d/a.log"
expect bad_log_line_is_an_error fmt "$d"

# 6 causal
d=$(mkc causal_clean)
expect causal_clean_passes 0 "$d"
expect causal_clean_passes_one_node 0 -1 "$d"

# a reader that logs no vectors: the S line's vector applies
d=$(mkc causal_no_d_vectors)
nocv "$d/b.log"
expect causal_vectors_of_s_lines_only_pass 0 "$d"

# A delivers B's #2, which B sent after delivering A's #4, before A's #4
d=$(mkc g6_own)
del "$d/a.log" "D 4 1:1 4 6 1 1 f40c425c c=-"
after "$d/a.log" "D 4 1:2 2 7 2 1 ff0c53ad c=1:1/4" "D 4 1:1 4 6 1 1 f40c425c c=-"
expect g6_own_message_after_its_consequence 6 "$d"

# the same with B's #2 a FIFO message: no causal promise
for f in a b; do
	rep "$d/$f.log" "D 4 1:2 2 7 2 1 ff0c53ad c=1:1/4" "D 4 1:2 2 7 1 1 ff0c53ad c=1:1/4"
done
rep "$d/b.log" "S 2 2 1 ff0c53ad c=1:1/4" "S 2 1 1 ff0c53ad c=1:1/4"
expect g6_fifo_message_exempt 0 "$d"

# B delivers A's #3 (sent after A delivered C's #1) before C's #1
d=$(mkc g6_third)
del "$d/b.log" "D 3 1:3 1 4 2 2 58637fda c=-"
after "$d/b.log" "D 3 1:1 3 5 2 4 ce3479bd c=1:3/1" "D 3 1:3 1 4 2 2 58637fda c=-"
expect g6_third_party_order 6 "$d"

nocv "$d/b.log"
expect g6_third_party_order_by_s_vector 6 "$d"

d=$(mkc g6_meta)
rep "$d/b.log" "D 3 1:1 3 5 2 4 ce3479bd c=1:3/1" "D 3 1:1 3 5 2 4 ce3479bd c=-"
expect g6_delivered_vector_differs_from_sent 6 "$d"

# without the S line's vector, deliveries are compared with each other
d=$(mkc g6_meta_d)
rep "$d/a.log" "S 3 2 4 ce3479bd c=1:3/1" "S 3 2 4 ce3479bd"
rep "$d/c.log" "D 3 1:1 3 5 2 4 ce3479bd c=1:3/1" "D 3 1:1 3 5 2 4 ce3479bd c=1:2/1"
expect g6_delivered_vectors_differ 6 "$d"

# C, killed in view 3, sent #2 unlogged; its vector names A's #4 of view 4
d=$(mkc g6_later)
for l in L X; do
	del "$d/c.log" "$l"
done
for f in a b; do
	after "$d/$f.log" "D 3 1:1 3 5 2 4 ce3479bd c=1:3/1" "D 3 1:3 2 9 2 1 ff0c53ad c=1:1/4"
done
expect g6_vector_names_message_of_later_view 6 "$d"

# an S vector that is not what its writer delivered: the log is wrong
d=$(mkc g6_bad_s_vector)
rep "$d/a.log" "S 3 2 4 ce3479bd c=1:3/1" "S 3 2 4 ce3479bd c=-"
expect g6_s_vector_not_the_deliveries fmt "$d"

d=$(mkc g6_bad_syntax)
rep "$d/c.log" "D 3 1:1 3 5 2 4 ce3479bd c=1:3/1" "D 3 1:1 3 5 2 4 ce3479bd c=1:3"
expect g6_bad_vector_is_an_error fmt "$d"

# 8 safe
# C, who left, delivered its SAFE #1 in view 3; A and B went on without it
d=$(mk g8_left)
for f in a b; do
	del "$d/$f.log" "D 3 1:3 1 4 4 2 58637fda"
done
expect g8_safe_message_of_leaver_missing 8 "$d"

# C and D (minority) delivered C's SAFE #2 in view 2; A and B went on
# without it (guarantee 2 compares only members with the same next view)
d=$(mknp np_g8)
rep "$d/c.log" "S 2 3 1 ff0c53ad" "S 2 4 1 ff0c53ad"
after "$d/c.log" "S 2 4 1 ff0c53ad" "D 2 3:1 2 9 4 1 ff0c53ad"
after "$d/d.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 3:1 2 9 4 1 ff0c53ad"
expect np_g8_safe_message_of_minority_missing 8 "$d"

# exempt: C killed in view 3 before A's SAFE #3
d=$(mk g8_killed)
rep "$d/a.log" "S 3 3 4 ce3479bd" "S 3 4 4 ce3479bd"
for f in a b; do
	rep "$d/$f.log" "D 3 1:1 3 5 3 4 ce3479bd" "D 3 1:1 3 5 4 4 ce3479bd"
done
for l in "D 3 1:1 3 5 3 4 ce3479bd" L X; do
	del "$d/c.log" "$l"
done
expect g8_killed_member_exempt 0 "$d"

# exempt: C and D, whose next view is non-primary, lack B's SAFE #1
d=$(mknp np_g8_exempt)
rep "$d/b.log" "S 1 1 2 58637fda" "S 1 4 2 58637fda"
for f in a b; do
	rep "$d/$f.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 2:1 1 3 4 2 58637fda"
done
for f in c d; do
	del "$d/$f.log" "D 2 2:1 1 3 1 2 58637fda"
done
expect np_g8_minority_exempt 0 "$d"

# exempt: B left before its next view.  C's SAFE #2 of view 2 reached A
# (then killed), C and D, not B, the only one to go on to view 3.
d=$(mknp np_g8_leaver)
rep "$d/c.log" "S 2 3 1 ff0c53ad" "S 2 4 1 ff0c53ad"
after "$d/c.log" "S 2 4 1 ff0c53ad" "D 2 3:1 2 9 4 1 ff0c53ad"
after "$d/d.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 3:1 2 9 4 1 ff0c53ad"
for l in "V 3 3 1:1,2:1" "S 2 3 1 f40c425c" "D 3 1:1 2 4 3 1 f40c425c" L X; do
	del "$d/a.log" "$l"
done
after "$d/a.log" "D 2 2:1 1 3 1 2 58637fda" "D 2 3:1 2 9 4 1 ff0c53ad"
del "$d/b.log" "D 3 1:1 2 4 3 1 f40c425c"
del "$d/b.log" L
after "$d/b.log" "D 2 2:1 1 3 1 2 58637fda" L
expect np_g8_leaver_exempt 0 "$d"

# 10 state transfer
d=$(mkst st_clean)
expect st_clean_passes 0 "$d"
expect st_clean_passes_one_node 0 -1 "$d"

# C gets its state from B in view 3 after all...
d=$(mkst st_first_donor)
del "$d/c.log" "Z 3"
del "$d/c.log" "R 4 1:1 8 9f7d1cd5"
after "$d/c.log" "V 3 2 1:1,1:2,1:3" "R 3 1:2 8 9f7d1cd5"
expect st_state_from_first_donor_passes 0 "$d"

# ...and B was killed before its T line: taken on trust
del "$d/b.log" "T 3 8 9f7d1cd5"
expect st_donor_log_cut_passes 0 "$d"

# A and B deliver a message in view 3, C's transfer view, which C's
# restart dropped (Z 3): not a rule 2 violation
d=$(mkst st_restart_drops_held)
after "$d/b.log" "T 3 8 9f7d1cd5" "S 2 3 2 aa"
after "$d/b.log" "S 2 3 2 aa" "D 3 1:2 2 3 3 2 aa"
after "$d/a.log" "V 3 2 1:1,1:2,1:3" "D 3 1:2 2 3 3 2 aa"
rep "$d/a.log" "V 4 2 1:1,1:3" "V 4 3 1:1,1:3"
rep "$d/c.log" "V 4 2 1:1,1:3" "V 4 3 1:1,1:3"
rep "$d/a.log" "D 4 1:1 2 3 3 1 ff0c53ad" "D 4 1:1 2 4 3 1 ff0c53ad"
rep "$d/c.log" "D 4 1:1 2 3 3 1 ff0c53ad" "D 4 1:1 2 4 3 1 ff0c53ad"
expect st_restart_drops_held_passes 0 "$d"
# without the Z, C lacks B's message of view 3
del "$d/c.log" "Z 3"
rep "$d/c.log" "R 4 1:1 8 9f7d1cd5" "R 3 1:2 8 9f7d1cd5"
expect g2_no_restart_no_excuse 2 "$d"

d=$(mkst g10_cksum)
rep "$d/c.log" "R 4 1:1 8 9f7d1cd5" "R 4 1:1 8 987d11d0"
expect g10_state_checksum_differs 10 "$d"

d=$(mkst g10_len)
rep "$d/b.log" "R 2 1:1 5 4f9f2cab" "R 2 1:1 4 4f9f2cab"
expect g10_state_length_differs 10 "$d"

d=$(mkst g10_no_t)
del "$d/a.log" "T 4 8 9f7d1cd5"
expect g10_donor_read_to_end_wrote_no_state 10 "$d"

d=$(mkst g10_t_early)
del "$d/a.log" "T 4 8 9f7d1cd5"
after "$d/a.log" "V 3 2 1:1,1:2,1:3" "T 4 8 9f7d1cd5"
expect g10_state_written_before_its_view 10 "$d"

d=$(mkst g10_t_twice)
after "$d/a.log" "T 4 8 9f7d1cd5" "T 4 8 9f7d1cd5"
expect g10_state_written_twice 10 "$d"

d=$(mkst g10_r_late)
del "$d/c.log" "R 4 1:1 8 9f7d1cd5"
after "$d/c.log" "D 4 1:1 2 3 3 1 ff0c53ad" "R 4 1:1 8 9f7d1cd5"
expect g10_state_after_message_of_its_view 10 "$d"

d=$(mkst g10_two_r)
after "$d/c.log" "R 4 1:1 8 9f7d1cd5" "R 4 1:1 8 9f7d1cd5"
expect g10_two_states_read 10 "$d"

d=$(mkst g10_z_late)
del "$d/c.log" "Z 3"
after "$d/c.log" "R 4 1:1 8 9f7d1cd5" "Z 3"
expect g10_discard_after_whole_state 10 "$d"

d=$(mkst g10_z_view)
rep "$d/c.log" "Z 3" "Z 4"
expect g10_discarded_state_not_older 10 "$d"

# B is not in view 4 (and its cut log would be taken on trust)
d=$(mkst g10_donor_view)
rep "$d/c.log" "R 4 1:1 8 9f7d1cd5" "R 4 1:2 8 9f7d1cd5"
expect g10_donor_not_in_view 10 "$d"

d=$(mkst g10_bad_line)
rep "$d/a.log" "T 4 8 9f7d1cd5" "T 4 8"
expect g10_bad_t_line_is_an_error fmt "$d"

echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
