# SPDX-License-Identifier: GPL-2.0
#
# parse.awk - judge one VM run of the af_vsync selftests (POSIX awk/mawk).
#
#   awk -v kver=K -v integrity=ok|console|truncated|corrupt|none -v qemu_rc=N
#       -v summary=FILE -v list=tests.list -f parse.awk RESULTS CONSOLE
#
# RESULTS is the result stream written by the VM's /init (see init for the
# marker protocol), CONSOLE the serial console with CRs removed.
#
# Counting, per test binary (kselftest_harness / KTAP):
#   - every top-level "ok N ..." is a pass ("# SKIP" ones are skips),
#     every top-level "not ok N ..." a failure ("# TODO" ones are skips);
#   - results missing against the plan "1..N" are failures;
#   - a timeout is one failure (instead of the missing results); a non-zero
#     exit without any failure counted is one failure (exit 4, KSFT_SKIP, with nothing failed is a skip);
#   - a test printing no KTAP counts once, by its exit status;
#   - a test in tests.list that never ran is a failure (unless the run was
#     aborted because af_vsync.ko did not load: that is the one failure).
# Then every kernel splat (WARNING:, BUG:, Oops, KASAN, lockdep's and the
# debug objects' reports, a netns or netdev reference tracker's leftover
# users, ...) in the kernel log is one failure, attributed to the test
# running at the time. (kmemleak's findings are the kmemleak_scan test's.)

function flush_test(name, rc, secs, to,    i, j, l, p, f, s, plan, nres, note, bad, from, nnotok) {
	p = 0; f = 0; s = 0; plan = 0; nres = 0; note = ""
	for (i = 1; i <= nbuf; i++) {
		l = buf[i]
		if (l ~ /^1\.\.[0-9]+/) {
			if (!plan) plan = substr(l, 4) + 0
		} else if (l ~ /^ok [0-9]+/) {
			nres++
			if (l ~ /#[ \t]*[Ss][Kk][Ii][Pp]/) s++; else p++
		} else if (l ~ /^not ok [0-9]+/) {
			nres++
			if (l ~ /#[ \t]*[Tt][Oo][Dd][Oo]/) s++; else f++
		}
	}
	nnotok = f
	if (to) {
		f++
		note = note sprintf(", TIMED OUT after %ss", secs)
	} else if (plan > nres) {
		f += plan - nres
		note = note sprintf(", %d of %d results missing", plan - nres, plan)
	}
	if (!to && rc != 0 && f == 0) {
		if (rc == 4 && nres == 0) {
			s++
			note = note ", skipped (exit 4)"
		} else if (rc != 4) {
			f++
			note = note sprintf(", exit status %d", rc)
		}
	}
	if (nres == 0 && f == 0 && s == 0)
		p = 1
	npass += p; nfail += f; nskip += s
	bad = (f > 0)
	printf "  %s %-32s %3d passed, %d failed, %d skipped (%ss%s)\n", \
		bad ? "FAIL" : "ok  ", name, p, f, s, secs, note
	if (bad && nnotok > 0 && nbuf > 60) {
		# long output: the failing cases (from their "#  RUN" line),
		# and the totals
		printf "    --- failing cases of %s ---\n", name
		from = 0
		for (i = 1; i <= nbuf; i++) {
			l = buf[i]
			if (l ~ /^#[ \t]+RUN[ \t]/) from = i
			if (l ~ /^not ok [0-9]+/ && l !~ /#[ \t]*[Tt][Oo][Dd][Oo]/) {
				for (j = (from ? from : i); j <= i; j++)
					printf "    | %s\n", buf[j]
				from = 0
			} else if (l ~ /^ok [0-9]+/) {
				from = 0
			} else if (l ~ /^# (FAILED|PASSED|Totals)/) {
				printf "    | %s\n", l
			}
		}
		if (f > nnotok) {
			printf "    --- last lines of %s ---\n", name
			for (i = (nbuf > 30 ? nbuf - 29 : 1); i <= nbuf; i++)
				printf "    | %s\n", buf[i]
		}
		printf "    --- end of %s ---\n", name
	} else if (bad) {
		printf "    --- output of %s ---\n", name
		for (i = 1; i <= nbuf; i++)
			printf "    | %s\n", buf[i]
		printf "    --- end of %s ---\n", name
	}
	ran[name] = 1
	nbuf = 0
}

BEGIN {
	npass = 0; nfail = 0; nskip = 0; nbuf = 0; cur = ""
	aborted = 0; in_dmesg = 0; dmesg_done = 0; ndm = 0; ncon = 0
	ntests = 0
	while ((getline l < list) > 0) {
		split(l, a, /[ \t]+/)
		if (a[1] == "" || a[1] ~ /^#/) continue
		tests[++ntests] = a[1]
	}
	print "  results for " kver ":"
}

FNR == 1 { fileno++ }

fileno == 1 && /^@@VSYNC@@ / {
	split($0, m, " ")
	if (m[2] == "TEST-START") {
		cur = m[4]; nbuf = 0; started[cur] = 1
	} else if (m[2] == "TEST-END") {
		rc = 0; secs = 0; to = 0
		for (i = 5; i in m; i++) {
			if (m[i] ~ /^rc=/) rc = substr(m[i], 4) + 0
			else if (m[i] ~ /^secs=/) secs = substr(m[i], 6) + 0
			else if (m[i] ~ /^timeout=/) to = substr(m[i], 9) + 0
		}
		flush_test(m[4], rc, secs, to)
		cur = ""
	} else if (m[2] == "ABORT") {
		aborted = 1
		sub(/^@@VSYNC@@ ABORT /, "")
		abort_reason = $0
	} else if (m[2] == "DMESG-START") {
		in_dmesg = 1
	} else if (m[2] == "DMESG-END") {
		in_dmesg = 0; dmesg_done = 1
	}
	next
}
fileno == 1 && in_dmesg { dm[++ndm] = $0; next }
fileno == 1 && cur != "" { buf[++nbuf] = $0; next }
fileno == 2 { con[++ncon] = $0 }

# scan_log: count kernel splats in log[1..n] and print them. One splat is one
# failure even when it matches several patterns ("BUG: ..." then "Oops: ..."
# then "Call Trace:", an oops and the panic that follows it with oops=panic).
# A splat's text runs to its "---[ end trace" line or until 60 lines pass
# without a match; the first 5 splats are printed whole (up to 120 lines).
function scan_log(what, n,    i, l, t, last, endtr, cnt, hdr, shown, new) {
	t = "(boot)"; last = -1000; endtr = -1000; cnt = 0; shown = 0
	for (i = 1; i <= n; i++) {
		l = (what == "dmesg") ? dm[i] : con[i]
		if (l ~ /vsync-test: start /) {
			t = l; sub(/.*vsync-test: start /, "", t)
			last = -1000
		} else if (l ~ /^vsync: \[[0-9]+\] [^ ]+ \.\.\.$/) {
			t = l; sub(/^vsync: \[[0-9]+\] /, "", t); sub(/ \.\.\.$/, "", t)
			last = -1000
		}
		hdr = (l ~ /WARNING:|BUG:|Oops|: [0-9a-f][0-9a-f][0-9a-f][0-9a-f] \[#[0-9]+\]|general protection|KASAN|UBSAN|refcount_t:|kernel BUG|Kernel panic|blocked for more than|detected stall|unreferenced object|ref_tracker: .* has [0-9]+\/[0-9]+ users|ODEBUG:/)
		if (hdr || l ~ /Call Trace/) {
			if (hdr)
				new = (i > last + 10) && !(l ~ /Kernel panic/ && i <= endtr + 40)
			else
				new = (i > last + 60)
			if (new) {
				cnt++
				printf "  KERNEL: splat #%d during %s:\n", cnt, t
				shown = (cnt <= 5) ? 120 : 0
			}
			if (!shown)
				printf "    ! %s\n", l
			last = i
		}
		if (shown && i <= last + 60) {
			printf "    ! %s\n", l
			shown--
		}
		if (l ~ /---\[ end trace|---\[ end Kernel panic/) {
			if (i <= last + 60) endtr = i
			last = -1000; shown = 0
		}
	}
	return cnt
}

END {
	if (cur != "") {
		printf "  FAIL %-32s the VM died or hung during this test\n", cur
		printf "    --- partial output of %s ---\n", cur
		for (i = 1; i <= nbuf; i++)
			printf "    | %s\n", buf[i]
		printf "    --- end of %s ---\n", cur
		nfail++
		ran[cur] = 1
	}
	if (aborted) {
		printf "  ABORTED: %s; the tests did not run\n", abort_reason
	} else {
		for (i = 1; i <= ntests; i++) {
			if (!(tests[i] in ran)) {
				printf "  FAIL %-32s never ran\n", tests[i]
				nfail++
			}
		}
	}
	if (integrity == "none") {
		print "  FAIL no results at all from the VM (see console below)"
		nfail++
	} else if (integrity == "truncated") {
		print "  FAIL the result stream has no END marker (VM died?)"
		nfail++
	} else if (integrity == "corrupt") {
		print "  FAIL the result stream's checksum does not match"
		nfail++
	}

	if (dmesg_done) {
		splats = scan_log("dmesg", ndm)
		# the kernel log was dumped before power-off: anything after it
		# exists on the console only
		for (i = 1; i <= ncon; i++)
			if (con[i] ~ /@@VSYNC@@ DMESG-END|vsync: done, powering off/) break
		for (j = i + 1; j <= ncon; j++) con[j - i] = con[j]
		ncon = ncon - i
		splats += scan_log("console", ncon > 0 ? ncon : 0)
	} else {
		splats = scan_log("console", ncon)
	}
	nfail += splats

	if (integrity != "ok" && integrity != "console" && splats == 0) {
		print "  --- last 40 console lines ---"
		for (i = (ncon > 40 ? ncon - 39 : 1); i <= ncon; i++)
			printf "    | %s\n", con[i]
	}
	if (nskip)
		printf "  %s: %d skipped\n", kver, nskip
	printf "%s: %d passed, %d failed\n", kver, npass, nfail
	printf "%d %d\n", npass, nfail > summary
	exit(nfail > 0)
}
