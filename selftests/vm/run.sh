#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot one kernel with the af_vsync test initramfs under QEMU TCG,
# collect the results and judge them.
#
#   run.sh -k KVER -i INITRD -o OUTDIR [-r ROOT] [-M MB] [-m test|demo|shell]
#          [-T VM_SECS] [-t TEST_SECS] [-l tests.list]
#
#   -k KVER     boots ROOT/boot/vmlinuz-KVER
#   -r ROOT     where the kernel is installed (default /)
#   -M MB       guest memory (default 1024)
#   -i INITRD   from mkinitramfs.sh
#   -o OUTDIR   console.log, results.log, summary are written here
#   -m MODE     test (default): run tests.list, print per-test results
#               demo: run demo.sh, show the console
#               shell: interactive shell on the console (Ctrl-a x quits)
#   -T SECS     host-side limit for the whole VM run (default: the sum of
#               the tests' limits + 300)
#   -t SECS     per-test limit inside the VM for tests.list lines that give
#               none (default 300)
#   -l FILE     the tests.list the VM ran, to report tests that never ran
#
# Test mode prints one line per test, the KTAP of failing tests, kernel
# warnings/oopses found in the kernel log, and ends with
# "<kver>: N passed, N failed"; OUTDIR/summary holds "N M". Exit status 0
# when nothing failed, 1 otherwise, 2 on usage errors.
#
# QEMU 7.2's TCG now and then faults while the kernel patches its own text
# ("int3: 0000 [#1]"); a run showing exactly that signature is booted once
# more, and says so.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver='' initrd='' out='' mode=test vm_secs=${VM_TIMEOUT:-} test_secs=${TEST_TIMEOUT:-300}
list='' kroot='' mem=1024

while getopts "k:i:o:r:M:m:T:t:l:" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	r) kroot=$OPTARG ;;
	M) mem=$OPTARG ;;
	i) initrd=$OPTARG ;;
	o) out=$OPTARG ;;
	m) mode=$OPTARG ;;
	T) vm_secs=$OPTARG ;;
	t) test_secs=$OPTARG ;;
	l) list=$OPTARG ;;
	*) sed -n '4,24s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
if [ -z "$kver" ] || [ -z "$initrd" ] || [ -z "$out" ]; then
	echo "run.sh: -k, -i and -o are required" >&2
	exit 2
fi
kernel=$kroot/boot/vmlinuz-$kver
for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || { echo "run.sh: $f missing" >&2; exit 2; }
done
mkdir -p "$out"
rm -f "$out/summary"
# default VM limit: every test's own limit, plus boot and slack
if [ -z "$vm_secs" ]; then
	vm_secs=300
	if [ -n "$list" ] && [ -r "$list" ]; then
		while read -r name tmo _; do
			case "$name" in ''|\#*) continue ;; esac
			case "$tmo" in ''|*[!0-9]*) tmo=$test_secs ;; esac
			vm_secs=$((vm_secs + tmo))
		done < "$list"
	fi
fi

QEMU=${QEMU:-qemu-system-x86_64}
# panic=-1 + -no-reboot: any panic ends QEMU at once. oops=panic: an oops
# ends the run instead of leaving locks held for the next tests to hang on;
# hung_task_panic=1 likewise for a task stuck in D state (120 s). Not
# panic_on_warn: WARNs are found in the kernel log, and the tests go on.
# quiet keeps boot fast; /init lowers the console level to warnings.
# thread=single: QEMU 7.2's multi-threaded TCG can fault while the guest
# patches its text (see emulator_fault below).
# VM_APPEND: more of it (initcall_debug, a fault injection's boot setup...)
append="console=ttyS0 panic=-1 oops=panic hung_task_panic=1 quiet mitigations=off vsync.mode=$mode vsync.timeout=$test_secs${VM_APPEND:+ $VM_APPEND}"

# shellcheck disable=SC2054 # commas are QEMU's
qemu_args=(
	-accel "tcg,thread=${VM_TCG_THREAD:-single}" -m "$mem" -smp 2
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-device virtio-serial-pci,id=vser0
	-chardev "file,id=res,path=$out/results.log"
	-device virtserialport,bus=vser0.0,chardev=res,name=vsync.results
)

if [ "$mode" = shell ]; then
	exec "$QEMU" "${qemu_args[@]}" -serial mon:stdio
fi

# boot: one VM run, console to a file, progress lines shown as they come.
boot() {
	local rc t0 tailpid
	rm -f "$out/console.log" "$out/results.log"
	: > "$out/console.log"
	t0=$(date +%s)
	timeout -k 10 "$vm_secs" "$QEMU" "${qemu_args[@]}" \
		-chardev "file,id=con,path=$out/console.log" -serial chardev:con \
		< /dev/null > "$out/qemu.log" 2>&1 &
	qpid=$!
	if [ "$mode" = demo ]; then
		tail -n +1 -F --pid=$qpid "$out/console.log" 2>/dev/null | tr -d '\r' &
	else
		tail -n +1 -F --pid=$qpid "$out/console.log" 2>/dev/null |
			sed -u -n 's/\r$//; s/^vsync: /  /p' &
	fi
	tailpid=$!
	rc=0
	wait $qpid || rc=$?
	wait $tailpid 2>/dev/null || true
	vm_time=$(( $(date +%s) - t0 ))
	qemu_rc=$rc
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "  VM did not finish within ${vm_secs}s: killed"
	elif [ $rc != 0 ]; then
		echo "  QEMU exited with status $rc:"
		sed 's/^/    /' "$out/qemu.log"
	fi
}

emulator_fault() {
	grep -q 'int3: 0000 \[#1\]' "$out/console.log"
}

echo "== $kver: booting ($mode)"
boot
if emulator_fault; then
	echo "  QEMU TCG emulator fault at text patching ('int3: 0000 [#1]'):" \
	     "not a module bug, booting once more"
	grep -a -m1 -B2 -A8 'int3: 0000 \[#1\]' "$out/console.log" | tr -d '\r' | sed 's/^/    | /'
	mv "$out/console.log" "$out/console.int3.log"
	boot
fi
echo "  VM ran ${vm_time}s"

if [ "$mode" = demo ]; then
	# the demo's own verdict counts, not only that the VM finished
	[ $qemu_rc = 0 ] && grep -q '^@@VSYNC@@ END' "$out/results.log" 2>/dev/null &&
		grep -q '^@@VSYNC@@ TEST-END 1 demo.sh rc=0 ' "$out/results.log"
	exit
fi

# Where did the results arrive? The virtio port, or (fallback) the console.
tr -d '\r' < "$out/console.log" > "$out/console.txt"
results=$out/results.log
integrity=ok
if ! grep -q '^@@VSYNC@@ BEGIN' "$results" 2>/dev/null; then
	if grep -q '^@@VSYNC@@ BEGIN' "$out/console.txt"; then
		echo "  results came over the console (no virtio-serial port)"
		results=$out/console.txt
		integrity=console
	else
		integrity=none
	fi
fi
if [ "$integrity" = ok ]; then
	endline=$(grep -a -n '^@@VSYNC@@ END md5=' "$results" | tail -n1 || true)
	if [ -z "$endline" ]; then
		integrity=truncated
	else
		n=${endline%%:*}
		want=${endline##*md5=}
		have=$(head -n $((n - 1)) "$results" | md5sum)
		have=${have%% *}
		[ "$have" = "$want" ] || integrity=corrupt
	fi
fi

awk -v kver="$kver" -v integrity="$integrity" -v qemu_rc="$qemu_rc" \
    -v summary="$out/summary" -v list="${list:-/dev/null}" \
    -f "$here/parse.awk" "$results" "$out/console.txt"
