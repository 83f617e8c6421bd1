// SPDX-License-Identifier: GPL-2.0
/*
 * One-node groups of 2, 4, 8 and 16 members, each a separate process,
 * sending numbered messages in mixed ordering classes while other processes
 * join and leave (churn).  Every member logs its events (see the format at
 * the top of vsync_check.c) to a file in a temporary directory, then
 * vsync_check -1 verifies the guarantees on the merged logs.
 *
 * Roles:
 *  stable member i (0 <= i < n; odd ones with a small SO_RCVBUF, so that
 *    sends meet back-pressure): joins before anyone sends (a barrier
 *    through pipes), sends QUOTA messages with MSG_DONTWAIT while reading
 *    everything as it comes, then waits until it has read the last message
 *    of every stable member and the final message of every churner, then
 *    leaves (VSYNC_LEAVE, shutdown or close, by i), drains to EOF and checks
 *    it read all n * QUOTA stable messages.
 *  churner j: ROUNDS times opens a socket, joins, sends a few messages (some
 *    empty), reads until its own messages came back, and ends the round by
 *    leave + drain, shutdown + drain, or close; its last round also sends
 *    its final message, and for odd j ends by the process exiting with
 *    the socket open.
 * Everyone reads continuously, so back-pressure never deadlocks; every
 * wait is bounded (alarm in each child, poll timeouts), and no time is
 * asserted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsync_util.h"
#include "kselftest_harness.h"

#define MAGIC		0x56535947u	/* "VSYG" */
#define KIND_NORMAL	0
#define KIND_LAST	1		/* a stable member's last message */
#define KIND_FINAL	2		/* a churner's final message */
#define ROLE_STABLE	0
#define ROLE_CHURN	1
#define CHILD_DEADLINE	400		/* seconds, per child process */
#define MAX_STABLE	16

struct hdr {
	uint32_t magic;
	uint16_t kind;
	uint16_t role;
	uint32_t idx;
	uint32_t seq;
};

struct cfg {
	int n_stable, n_churn, quota, rounds;
	char dir[PATH_MAX];
	char group[64];
};

/* one process's log and socket state */
struct member {
	const struct cfg *c;
	FILE *log;
	int fd;
	struct vsync_member_id me;
	uint64_t sent;		/* S lines of this membership */
	uint64_t own_delivered;	/* D lines from me */
	int stable_seen_last[MAX_STABLE];
	long stable_count;	/* stable messages delivered */
	int finals;		/* churner finals delivered */
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# [pid %d] ", getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static size_t make_payload(char *buf, int role, int idx, uint32_t seq, int kind, size_t len)
{
	struct hdr h = { MAGIC, kind, role, idx, seq };
	size_t i;

	if (len < sizeof(h))
		return 0;
	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++)
		buf[i] = (char)(idx * 31 + seq * 7 + i);
	return len;
}

static void log_member_start(struct member *m)
{
	if (vsync_log_member(m->log, m->fd, m->c->group, &m->me))
		fail("getsockname: %s", strerror(errno));
	m->sent = 0;
	m->own_delivered = 0;
}

/* Read and log one item. Returns 1 item read, 0 EOF, -1 EAGAIN. */
static int read_one(struct member *m, int flags)
{
	static char buf[VSYNC_MSG_MAX + 1];
	struct vsync_item it;
	ssize_t r;

	r = vsync_recv_item(m->fd, buf, sizeof(buf), flags, &it);
	if (r < 0) {
		if (errno == EAGAIN)
			return -1;
		fail("recv: %s", strerror(errno));
	}
	if (!it.have_info) {
		if (r == 0)
			return 0;	/* EOF after a leave */
		fail("item without VSYNC_CMSG_INFO");
	}
	if (it.msg_flags & MSG_TRUNC)
		fail("item truncated at %zd bytes", r);
	if (it.info.kind == VSYNC_KIND_VIEW) {
		const char *bad = vsync_view_bad(&it, buf, m->me);

		if (bad)
			fail("%s (%zd bytes)", bad, r);
		vsync_log_view(m->log, &it, buf);
		return 1;
	}
	if (it.info.kind != VSYNC_KIND_DATA)
		fail("item of kind %u", it.info.kind);
	vsync_log_data(m->log, &it, buf);
	if (it.info.sender.node == m->me.node && it.info.sender.port == m->me.port)
		m->own_delivered++;
	if ((size_t)r >= sizeof(struct hdr)) {
		struct hdr h;

		memcpy(&h, buf, sizeof(h));
		if (h.magic != MAGIC)
			fail("payload without magic");
		if (h.role == ROLE_STABLE) {
			if (h.idx >= MAX_STABLE)
				fail("bad stable index %u", h.idx);
			m->stable_count++;
			if (h.kind == KIND_LAST)
				m->stable_seen_last[h.idx] = 1;
		} else if (h.kind == KIND_FINAL) {
			m->finals++;
		}
	}
	return 1;
}

/* Send one message (MSG_DONTWAIT). Returns 1 sent, 0 EAGAIN. */
static int send_one(struct member *m, const char *buf, size_t len, int order, int dflt)
{
	ssize_t r = vsync_send_order(m->fd, buf, len, order, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (r < 0) {
		if (errno == EAGAIN)
			return 0;
		fail("send: %s", strerror(errno));
	}
	if ((size_t)r != len)
		fail("send returned %zd for %zu", r, len);
	m->sent++;
	vsync_log_send(m->log, m->sent, order ? order : dflt, buf, len);
	return 1;
}

static void drain_all(struct member *m)
{
	while (read_one(m, MSG_DONTWAIT) == 1)
		;
}

/* after L: read everything to EOF */
static void drain_to_eof(struct member *m)
{
	struct timeval tv = { .tv_sec = 30 };
	int r;

	if (setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		fail("SO_RCVTIMEO: %s", strerror(errno));
	while ((r = read_one(m, 0)) == 1)
		;
	if (r < 0)
		fail("no EOF after leaving");
	fprintf(m->log, "X\n");
}

static FILE *open_log(const struct cfg *c, const char *role, int idx)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%02d.log", c->dir, role, idx);
	f = vsync_log_open(path);
	if (!f)
		fail("%s: %s", path, strerror(errno));
	fprintf(f, "# %s %d pid %d\n", role, idx, getpid());
	return f;
}

static int join_sock(struct member *m, int order)
{
	int fam = vsync_family();

	if (fam < 0)
		fail("family: %s", strerror(errno));
	m->fd = socket(fam, SOCK_RDM, 0);
	if (m->fd < 0)
		fail("socket: %s", strerror(errno));
	if (setsockopt(m->fd, SOL_VSYNC, VSYNC_ORDER, &order, sizeof(order)))
		fail("VSYNC_ORDER: %s", strerror(errno));
	if (vsync_join(m->fd, m->c->group))
		fail("join: %s", strerror(errno));
	log_member_start(m);
	return m->fd;
}

/* ending a membership: 0 leave, 1 shutdown(RDWR), 2 shutdown(RD), 3 close */
static void end_membership(struct member *m, int how)
{
	switch (how) {
	case 0:
		if (vsync_leave(m->fd))
			fail("leave: %s", strerror(errno));
		break;
	case 1:
	case 2:
		if (shutdown(m->fd, how == 1 ? SHUT_RDWR : SHUT_RD))
			fail("shutdown: %s", strerror(errno));
		break;
	case 3:
		close(m->fd);
		m->fd = -1;
		fprintf(m->log, "L\n");
		return;
	}
	fprintf(m->log, "L\n");
	drain_to_eof(m);
	close(m->fd);
	m->fd = -1;
}

static void stable_member(const struct cfg *c, int idx, int ready_fd, int go_fd)
{
	static char buf[4096];
	struct member m = { .c = c };
	int dflt = idx % 4 + 1, go = 0, i, done;
	uint32_t seq = 0;

	alarm(CHILD_DEADLINE);
	m.log = open_log(c, "stable", idx);
	join_sock(&m, dflt);
	if (idx % 2) {
		/* small receive buffer: senders meet back-pressure */
		int v = 4096;

		if (setsockopt(m.fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)))
			fail("SO_RCVBUF: %s", strerror(errno));
	}
	if (write(ready_fd, "r", 1) != 1)
		fail("ready pipe: %s", strerror(errno));
	close(ready_fd);

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = m.fd, .events = POLLIN },
			{ .fd = go ? -1 : go_fd, .events = POLLIN },
		};

		if (go && seq < (uint32_t)c->quota)
			p[0].events |= POLLOUT;
		if (poll(p, 2, 30000) <= 0)
			fail("stalled: poll timed out (sent %u, stable read %ld, finals %d)",
			     seq, m.stable_count, m.finals);
		if (p[1].revents) {
			char b;

			if (read(go_fd, &b, 1) != 0)
				fail("go pipe");
			go = 1;
			close(go_fd);
		}
		drain_all(&m);
		/* send while the group takes it */
		while (go && seq < (uint32_t)c->quota) {
			int last = seq + 1 == (uint32_t)c->quota;
			size_t len = 16 + (seq * 37 + idx * 101) % 1500;
			int order = (seq % 5) ? (int)((seq + idx) % 4) + 1 : 0;

			if (seq % 97 == 50)
				len = 3000 + seq % 500;
			len = make_payload(buf, ROLE_STABLE, idx, seq + 1,
					   last ? KIND_LAST : KIND_NORMAL, len);
			if (!send_one(&m, buf, len, order, dflt))
				break;
			seq++;
			/* keep reading between sends */
			if (seq % 4 == 0)
				break;
		}
		if (seq < (uint32_t)c->quota || !go)
			continue;
		done = m.finals == c->n_churn;
		for (i = 0; i < c->n_stable; i++)
			done &= m.stable_seen_last[i];
		if (done)
			break;
	}
	end_membership(&m, idx % 4);
	if (fclose(m.log))
		fail("log: %s", strerror(errno));
	if (m.stable_count != (long)c->n_stable * c->quota)
		fail("stable member %d read %ld stable messages, expected %d", idx,
		     m.stable_count, c->n_stable * c->quota);
	if (m.own_delivered != m.sent)
		fail("stable member %d read %llu of its %llu messages", idx,
		     (unsigned long long)m.own_delivered, (unsigned long long)m.sent);
	exit(0);
}

static void churner(const struct cfg *c, int idx)
{
	static char buf[2048];
	struct member m = { .c = c };
	int r, k, last;

	alarm(CHILD_DEADLINE);
	m.log = open_log(c, "churn", idx);
	for (r = 0; r < c->rounds; r++) {
		int dflt = (idx + r) % 4 + 1, nsend = (idx + r) % 4;
		int how = (idx + r) % 4;

		last = r == c->rounds - 1;
		join_sock(&m, dflt);
		for (k = 0; k < nsend + last; k++) {
			int final = last && k == nsend;
			size_t len = (k % 2 && !final) ? 0 : 16 + (k * 211 + idx) % 700;
			int order = k % 2 ? (k + r) % 4 + 1 : 0;

			len = len ? make_payload(buf, ROLE_CHURN, idx, k, final ? KIND_FINAL :
						 KIND_NORMAL, len) : 0;
			while (!send_one(&m, buf, len, order, dflt)) {
				struct pollfd p = { .fd = m.fd, .events = POLLIN | POLLOUT };

				if (poll(&p, 1, 30000) <= 0)
					fail("churner stalled sending");
				drain_all(&m);
			}
			drain_all(&m);
		}
		/* read until my own messages came back */
		while (m.own_delivered < m.sent) {
			struct pollfd p = { .fd = m.fd, .events = POLLIN };

			if (poll(&p, 1, 30000) <= 0)
				fail("churner stalled reading (%llu of %llu own)",
				     (unsigned long long)m.own_delivered,
				     (unsigned long long)m.sent);
			drain_all(&m);
		}
		if (last && idx % 2) {
			/* die with the socket open */
			fprintf(m.log, "L\n");
			fclose(m.log);
			_exit(0);
		}
		end_membership(&m, how);
	}
	if (fclose(m.log))
		fail("log: %s", strerror(errno));
	exit(0);
}

static int rm_dir(const char *dir)
{
	char path[PATH_MAX + 300];
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return -1;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
	return rmdir(dir);
}

static int tmp_base(char *out, size_t len)
{
	const char *cands[] = { getenv("TMPDIR"), "/tmp", "/dev/shm", "/run", "." };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (cands[i] && !access(cands[i], W_OK)) {
			snprintf(out, len, "%s/vsync_group.XXXXXX", cands[i]);
			return 0;
		}
	}
	return -1;
}

/* run vsync_check -1 on dir; its output goes out as KTAP comments */
static int run_checker(const char *dir)
{
	char exe[PATH_MAX], cmd[3 * PATH_MAX], line[1024], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *p;
	int st;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(cmd, sizeof(cmd), "'%s/vsync_check' -1 '%s' 2>&1", exe, dir);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		printf("# %s", line);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(group) {
	struct cfg c;
};

FIXTURE_VARIANT(group) {
	int n;
};

FIXTURE_VARIANT_ADD(group, n2) { .n = 2 };
FIXTURE_VARIANT_ADD(group, n4) { .n = 4 };
FIXTURE_VARIANT_ADD(group, n8) { .n = 8 };
FIXTURE_VARIANT_ADD(group, n16) { .n = 16 };

FIXTURE_SETUP(group)
{
	if (vsync_family() < 0)
		SKIP(return, "af_vsync not loaded");
	ASSERT_EQ(0, tmp_base(self->c.dir, sizeof(self->c.dir)));
	ASSERT_NE(NULL, mkdtemp(self->c.dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	snprintf(self->c.group, sizeof(self->c.group), "vgrp-%d", getpid());
	self->c.n_stable = variant->n;
	self->c.quota = 2000 / variant->n < 100 ? 100 : 2000 / variant->n;
	self->c.rounds = 8;
}

FIXTURE_TEARDOWN(group)
{
}

static void run_group(struct __test_metadata *_metadata, struct cfg *c)
{
	pid_t pids[MAX_STABLE * 2];
	int ready[2], go[2], np = 0, i, bad = 0, st, got = 0;
	char b;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < c->n_stable; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			stable_member(c, i, ready[1], go[0]);
		}
		pids[np++] = pid;
	}
	close(ready[1]);
	close(go[0]);
	/* every stable member joined before anyone sends */
	while (got < c->n_stable) {
		struct pollfd p = { .fd = ready[0], .events = POLLIN };

		if (poll(&p, 1, 60000) <= 0 || read(ready[0], &b, 1) != 1)
			break;
		got++;
	}
	close(ready[0]);
	if (got < c->n_stable) {
		for (i = 0; i < np; i++)
			kill(pids[i], SIGKILL);
	}
	close(go[1]);
	for (i = 0; got == c->n_stable && i < c->n_churn; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid)
			churner(c, i);
		pids[np++] = pid;
	}
	for (i = 0; i < np; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &st, 0));
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			TH_LOG("%s %d: %s %d", i < c->n_stable ? "stable" : "churner",
			       i < c->n_stable ? i : i - c->n_stable,
			       WIFEXITED(st) ? "exit" : "signal",
			       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			bad++;
		}
	}
	ASSERT_EQ(c->n_stable, got) TH_LOG("only %d of %d members joined", got, c->n_stable);
	ASSERT_EQ(0, bad) TH_LOG("logs kept in %s", c->dir);
	st = run_checker(c->dir);
	ASSERT_EQ(0, st) TH_LOG("vsync_check failed (%d); logs kept in %s", st, c->dir);
	rm_dir(c->dir);
}

TEST_F_TIMEOUT(group, steady, 600)
{
	self->c.n_churn = 0;
	run_group(_metadata, &self->c);
}

TEST_F_TIMEOUT(group, churn, 600)
{
	self->c.n_churn = variant->n / 2 ? variant->n / 2 : 1;
	run_group(_metadata, &self->c);
}

TEST_HARNESS_MAIN
