#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module-level tests of af_vsync (busybox sh, as root, in the test VM):
# family discovery through sysfs, the module pinned by open sockets, load
# errors (family taken, family out of range), reload, and network
# namespaces (groups are per netns; deleting a netns is clean).
# Leaves the module loaded, with the family it had on entry.
# Output is KTAP.
#
# Environment: VSYNC_KO (default /vsync/af_vsync.ko), VSYNC_BIN (default:
# the directory of this script, which holds vsync_hold).

here=$(cd "$(dirname "$0")" && pwd)
KO=${VSYNC_KO:-/vsync/af_vsync.ko}
BIN=${VSYNC_BIN:-$here}
HOLD=$BIN/vsync_hold
MOD=/sys/module/af_vsync
PARAM=$MOD/parameters/family
AF_VSYNC_DEFAULT=13
AF_MAX=46

NTESTS=16
n=0
failed=0
pids=""

# Tools by path: busybox sh runs its own applets first, and busybox ip
# has no netns support.
tool() {
	for d in /sbin /usr/sbin /bin /usr/bin; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ]; then
			echo "$b $1"
			return 0
		fi
	done
	echo "false"
}
INSMOD=$(tool insmod)
RMMOD=$(tool rmmod)
DMESG=$(tool dmesg)
SLEEP=$(tool sleep)
IP=""
for p in /sbin/ip /usr/sbin/ip /bin/ip /usr/bin/ip; do
	if [ -x "$p" ] && "$p" netns list > /dev/null 2>&1; then
		IP=$p
		break
	fi
done

for base in "$TMPDIR" /tmp /dev/shm /run .; do
	[ -n "$base" ] && [ -d "$base" ] && [ -w "$base" ] && break
done
tmp=$(mktemp -d "$base/vsync_module.XXXXXX") || exit 1

cleanup() {
	for p in $pids; do
		kill "$p" 2> /dev/null
	done
	for p in $pids; do
		wait "$p" 2> /dev/null
	done
	pids=""
	if [ -n "$IP" ]; then
		"$IP" netns del vsync_a 2> /dev/null
		"$IP" netns del vsync_b 2> /dev/null
	fi
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

nap() {
	$SLEEP 0.1 2> /dev/null || $SLEEP 1
}

# wait_file FILE: up to ~20 s for FILE to appear
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 200 ]; do
		nap
		i=$((i + 1))
	done
	[ -s "$1" ]
}

# hold NAME [ns NETNS] [-j GROUP]: start vsync_hold in the background; its
# status line ends up in $tmp/NAME
hold() {
	name=$1
	shift
	if [ "$1" = ns ]; then
		ns=$2
		shift 2
		"$IP" netns exec "$ns" "$HOLD" -o "$tmp/$name" "$@" &
	else
		"$HOLD" -o "$tmp/$name" "$@" &
	fi
	pid=$!
	pids="$pids $pid"
	eval "pid_$name=$pid"
	wait_file "$tmp/$name"
}

stop() {	# stop NAME
	eval "p=\$pid_$1"
	kill "$p" 2> /dev/null
	wait "$p" 2> /dev/null
	new=""
	for q in $pids; do
		[ "$q" = "$p" ] || new="$new $q"
	done
	pids=$new
}

status_is() {	# status_is NAME EXPECTED-SUBSTRING
	grep -q "$2" "$tmp/$1" 2> /dev/null
}

dmesg_mark() {
	dmesg_lines=$($DMESG | wc -l)
}

dmesg_new() {
	$DMESG | tail -n +$((dmesg_lines + 1))
}

# bad kernel messages since the last dmesg_mark
dmesg_clean() {
	! dmesg_new | grep -E -q 'BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t:|KASAN|suspected memory leak|UBSAN'
}

loaded() {
	[ -d "$MOD" ] && [ -r "$PARAM" ]
}

# rmmod, retried for up to ~5 s (socket frees may be deferred by RCU)
rmmod_retry() {
	i=0
	while ! $RMMOD af_vsync > "$tmp/rmmod.out" 2>&1; do
		i=$((i + 1))
		[ $i -ge 50 ] && return 1
		nap
	done
	return 0
}

echo "TAP version 13"
echo "1..$NTESTS"

# 1: family parameter readable, sane
orig_family=""
if loaded; then
	orig_family=$(cat "$PARAM")
	case $orig_family in
	'' | *[!0-9]*) result 1 family_param_readable "family reads '$orig_family'" ;;
	*)
		if [ "$orig_family" -ge 1 ] && [ "$orig_family" -lt $AF_MAX ]; then
			result 0 family_param_readable
		else
			result 1 family_param_readable "family $orig_family out of 1..$((AF_MAX - 1))"
		fi
		;;
	esac
else
	result 1 family_param_readable "af_vsync is not loaded ($PARAM missing)"
	orig_family=$AF_VSYNC_DEFAULT
fi

# 2: 0444, not writable even by root
mode=$(ls -l "$PARAM" 2> /dev/null | cut -c1-10)
before=$(cat "$PARAM" 2> /dev/null)
if (echo 5 > "$PARAM") 2> /dev/null; then
	wrote=yes
else
	wrote=no
fi
after=$(cat "$PARAM" 2> /dev/null)
if [ "$mode" = "-r--r--r--" ] && [ $wrote = no ] && [ "$before" = "$after" ] && [ -n "$after" ]; then
	result 0 family_param_read_only
else
	result 1 family_param_read_only "mode '$mode', write accepted: $wrote, value '$before' -> '$after'"
fi

# 3: an open socket pins the module
if hold h0 && status_is h0 "^open family=$orig_family"; then
	if $RMMOD af_vsync > "$tmp/rmmod.out" 2>&1; then
		result 1 rmmod_refused_while_socket_open "rmmod succeeded with a socket open"
		# put it back for the rest
		$INSMOD "$KO" family="$orig_family" > /dev/null 2>&1
	elif ! loaded; then
		result 1 rmmod_refused_while_socket_open "rmmod failed but the module is gone"
	else
		result 0 rmmod_refused_while_socket_open
	fi
else
	result 1 rmmod_refused_while_socket_open "vsync_hold: $(cat "$tmp/h0" 2> /dev/null)"
fi

# 4: refcnt counts the socket
refcnt=$(cat $MOD/refcnt 2> /dev/null)
if [ -n "$refcnt" ] && [ "$refcnt" -ge 1 ]; then
	result 0 module_refcnt_held_by_socket
else
	result 1 module_refcnt_held_by_socket "refcnt '$refcnt' with a socket open"
fi
stop h0

# 5-10: network namespaces
if [ -z "$IP" ]; then
	for t in netns_group_in_ns netns_same_name_other_ns_is_other_group \
		netns_same_name_same_ns_is_same_group netns_delete_with_socket_open \
		netns_fresh_group_after_delete netns_delete_after_close_clean; do
		result skip $t "no iproute2 ip with netns support"
	done
else
	dmesg_mark
	"$IP" netns add vsync_a && "$IP" netns add vsync_b
	# one group "g" in vsync_a, one "g" in vsync_b
	if hold a1 ns vsync_a -j g && status_is a1 "^view id=1 members=1 rank=0 "; then
		result 0 netns_group_in_ns
	else
		result 1 netns_group_in_ns "status: $(cat "$tmp/a1" 2> /dev/null)"
	fi
	if hold b1 ns vsync_b -j g && status_is b1 "^view id=1 members=1 rank=0 "; then
		result 0 netns_same_name_other_ns_is_other_group
	else
		result 1 netns_same_name_other_ns_is_other_group "status: $(cat "$tmp/b1" 2> /dev/null)"
	fi
	if hold a2 ns vsync_a -j g && status_is a2 "^view id=2 members=2 rank=1 "; then
		result 0 netns_same_name_same_ns_is_same_group
	else
		result 1 netns_same_name_same_ns_is_same_group "status: $(cat "$tmp/a2" 2> /dev/null)"
	fi
	# delete vsync_b while b1 holds a socket in it: the socket keeps its
	# netns; the netns goes when b1 exits.
	if "$IP" netns del vsync_b && kill -0 "$pid_b1" 2> /dev/null; then
		stop b1
		nap
		if dmesg_clean; then
			result 0 netns_delete_with_socket_open
		else
			result 1 netns_delete_with_socket_open "kernel complained: $(dmesg_new | head -5)"
		fi
	else
		stop b1
		result 1 netns_delete_with_socket_open "ip netns del failed or holder died"
	fi
	# a new netns of the same name starts a new group "g"
	"$IP" netns add vsync_b
	if hold b2 ns vsync_b -j g && status_is b2 "^view id=1 members=1 rank=0 "; then
		result 0 netns_fresh_group_after_delete
	else
		result 1 netns_fresh_group_after_delete "status: $(cat "$tmp/b2" 2> /dev/null)"
	fi
	stop b2
	stop a1
	stop a2
	if "$IP" netns del vsync_a && "$IP" netns del vsync_b && nap && dmesg_clean; then
		result 0 netns_delete_after_close_clean
	else
		result 1 netns_delete_after_close_clean "$(dmesg_new | head -5)"
	fi
fi

# 11: with every socket closed, rmmod works
if rmmod_retry && ! [ -d "$MOD" ]; then
	result 0 rmmod_after_close
else
	result 1 rmmod_after_close "$(cat "$tmp/rmmod.out")"
fi

# 12: family taken by AF_INET
dmesg_mark
if loaded; then
	result 1 insmod_family_taken_fails "module still loaded, cannot test"
elif $INSMOD "$KO" family=2 > "$tmp/insmod.out" 2>&1; then
	result 1 insmod_family_taken_fails "insmod family=2 succeeded"
	rmmod_retry
elif ! grep -q "File exists" "$tmp/insmod.out"; then
	result 1 insmod_family_taken_fails "expected EEXIST, insmod said: $(cat "$tmp/insmod.out")"
elif loaded; then
	result 1 insmod_family_taken_fails "insmod failed but the module is loaded"
else
	result 0 insmod_family_taken_fails
fi

# 13: ... with a kernel log line naming the family
if dmesg_new | grep -q family; then
	result 0 insmod_family_taken_logged
else
	result 1 insmod_family_taken_logged "no new kernel log line mentions 'family'"
fi

# 14: out of range
bad=""
for f in 200 0 $AF_MAX; do
	if $INSMOD "$KO" family=$f > "$tmp/insmod.out" 2>&1; then
		bad="$bad family=$f:loaded"
		rmmod_retry
	elif ! grep -q "Invalid argument" "$tmp/insmod.out"; then
		bad="$bad family=$f:$(cat "$tmp/insmod.out")"
	fi
done
if [ -z "$bad" ] && ! loaded; then
	result 0 insmod_family_out_of_range_fails
else
	result 1 insmod_family_out_of_range_fails "expected EINVAL:$bad"
fi

# 15: default load works again
if $INSMOD "$KO" > "$tmp/insmod.out" 2>&1 && loaded &&
	[ "$(cat "$PARAM")" = $AF_VSYNC_DEFAULT ]; then
	result 0 insmod_default
else
	result 1 insmod_default "$(cat "$tmp/insmod.out"), family '$(cat "$PARAM" 2> /dev/null)'"
fi

# back to the family the module had on entry
if [ "$orig_family" != $AF_VSYNC_DEFAULT ] && loaded; then
	rmmod_retry && $INSMOD "$KO" family="$orig_family"
fi

# 16: and works
if hold r1 -j vsync_module_reload && status_is r1 "^view id=1 members=1 rank=0 .*family=$orig_family$"; then
	result 0 socket_after_reload
else
	result 1 socket_after_reload "status: $(cat "$tmp/r1" 2> /dev/null)"
fi
stop r1

echo "# $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
