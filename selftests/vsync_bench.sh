#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test (busybox sh, as root, in the test VM): a cluster of
# 3 nodes; for each ordering class and message size, one vsync_bench
# receiver on nodes 2 and 3 and a sender on node 1, which sends NMSG
# messages as fast as back-pressure allows.  Then the same for 64-byte
# messages while the member on node 2 sends SAFE messages as fast too
# (rows "+safe"): what a class waits for behind another sender's SAFE
# messages.  Prints a table of throughput and one-way latency as KTAP
# diagnostics, then "ok 1" when every run completed.  Absolute numbers depend on the machine (in the QEMU TCG VM
# they are mostly noise); nothing asserts them.
#
# usage: vsync_bench.sh [NMSG]   (default 500)
# Environment: VSYNC_KO (default /vsync/af_vsync.ko, loaded if the module
# is not), VS_BIN (vsync_bench, vsyncctl; default: this script's
# directory), VSYNC_BENCH_CLASSES (default "fifo causal total safe"),
# VSYNC_BENCH_SIZES (default "64 1024 16384 1048576"),
# VSYNC_BENCH_LOADED (classes of the runs under SAFE load, default "fifo
# causal total"; empty: none), VS_* of vsync_cluster_lib.sh.
# shellcheck disable=SC3043 # local: busybox ash, dash and bash have it

VS_BIN=${VS_BIN:-$(cd "$(dirname "$0")" && pwd)}
# shellcheck source=vsync_cluster_lib.sh
. "$VS_BIN/vsync_cluster_lib.sh"

BENCH=$VS_BIN/vsync_bench
KO=${VSYNC_KO:-/vsync/af_vsync.ko}
NMSG=${1:-500}
CLASSES=${VSYNC_BENCH_CLASSES:-fifo causal total safe}
SIZES=${VSYNC_BENCH_SIZES:-64 1024 16384 1048576}
LOADED=${VSYNC_BENCH_LOADED-fifo causal total}
# bounds, in seconds: node view, one run
T_NODES=30
DEADLINE=30

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_bench.XXXXXX") || exit 1
cleanup() {
	vs_teardown
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..1"

[ -d /sys/module/af_vsync ] || insmod "$KO" > /dev/null 2>&1
if [ ! -x "$BENCH" ] || [ ! -d /sys/module/af_vsync ]; then
	echo "ok 1 vsync_bench # SKIP no vsync_bench or af_vsync"
	exit 0
fi

vs_teardown
if ! vs_cluster_create 3 ||
   ! vs_wait_until $T_NODES vs_agree primary "1 2 3" 1 2 3; then
	vs_view_report 1 2 3
	echo "not ok 1 vsync_bench # no 3-node cluster"
	exit 1
fi

# the value after KEY in line LINE
field() {
	echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}

# one_run CLASS SIZE [safe]: one row of the table; fails when a member
# failed.  With "safe", the member on node 2 sends as many SAFE messages.
one_run() {
	local c s g r rc ok line n
	c=$1
	s=$2
	g=bench-$c-$s$3
	ok=0
	# about the same bytes for the long ones as for 16 KiB messages
	n=$NMSG
	[ "$s" -gt 65536 ] && n=$((NMSG * 16384 / s + 5))
	if [ -n "$3" ]; then
		vs_spawn 2 r2 "$BENCH" -r send -g "$g" -c safe -s "$s" -n "$n" -w 3 -d $DEADLINE
		vs_spawn 3 r3 "$BENCH" -r recv -g "$g" -c "$c" -s "$s" -n $((2 * n)) -d $DEADLINE
		c=$c+safe
	else
		vs_spawn 2 r2 "$BENCH" -r recv -g "$g" -c "$c" -s "$s" -n "$n" -d $DEADLINE
		vs_spawn 3 r3 "$BENCH" -r recv -g "$g" -c "$c" -s "$s" -n "$n" -d $DEADLINE
	fi
	# shellcheck disable=SC2154 # set by vs_spawn
	set -- "$vs_pid_r2" "$vs_pid_r3"
	vs_spawn 1 s1 "$BENCH" -r send -g "$g" -c "${c%+safe}" -s "$s" -n "$n" -w 3 -d $DEADLINE
	# shellcheck disable=SC2154 # set by vs_spawn
	set -- "$vs_pid_s1" "$@"
	for r in s1 r2 r3; do
		wait "$1"
		rc=$?
		shift
		line=$(grep "msgs" "/tmp/vs_$r.out" | tail -n 1)
		if [ $rc != 0 ]; then
			ok=1
			echo "# $r exited $rc: $(tr '\n' ' ' < "/tmp/vs_$r.out")"
		fi
		[ -n "$line" ] || continue
		printf "# %-5s %-6s %6s %5s %7s %8s %9s %8s %8s %8s\n" \
			"$r" "$c" "$s" "$(field "$line" msgs)" \
			"$(field "$line" elapsed)" "$(field "$line" msgs/s)" \
			"$(field "$line" MB/s)" "$(field "$line" p50)" \
			"$(field "$line" p90)" "$(field "$line" p99)"
	done
	# reaped: nothing for vs_teardown to kill
	# shellcheck disable=SC2034 # the library's
	VS_PIDS=""
	return $ok
}

failed=0
echo "# vsync_bench: 3 nodes, sender on node 1 (s1), receivers on nodes 2 and 3, $NMSG messages a run (fewer above 64 KiB)"
echo "# s1: the sender's own messages back; latency in us"
printf "# %-5s %-6s %6s %5s %7s %8s %9s %8s %8s %8s\n" \
	who class size msgs secs msgs/s MB/s p50 p90 p99
for c in $CLASSES; do
	for s in $SIZES; do
		one_run "$c" "$s" || failed=$((failed + 1))
	done
done
[ -n "$LOADED" ] &&
	echo "# CLASS+safe: r2 sends as many SAFE messages meanwhile (its row: their latency); r3 counts both"
for c in $LOADED; do
	one_run "$c" 64 safe || failed=$((failed + 1))
done
if [ $failed = 0 ]; then
	echo "ok 1 vsync_bench"
else
	echo "not ok 1 vsync_bench # $failed runs incomplete"
	exit 1
fi
