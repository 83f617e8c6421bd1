// SPDX-License-Identifier: GPL-2.0
/*
 * Socket-level behaviour of AF_VSYNC in one node: every call, flag and
 * errno of the contract (.spec-draft.md / vsync(7)), on the raw socket API.
 *
 * Each test runs in its own process (kselftest harness) and uses group
 * names made unique by its pid.  No test asserts a time: timeouts only
 * bound waits, and a bound that expires is reported as the failure it is.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "vsync_util.h"
#include "kselftest_harness.h"

#define MAXM 64
union viewbuf {
	struct vsync_view v;
	char raw[sizeof(struct vsync_view) + MAXM * sizeof(struct vsync_member_id)];
};

/* expected -1 with errno err */
#define __ERRNO(assert, call, err) do {					\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(call);						\
	__e = errno;							\
	if (assert) {							\
		ASSERT_EQ(-1, __r) TH_LOG("%s: expected -1 errno %s, got %ld", \
					  #call, strerror(err), __r);	\
		ASSERT_EQ(err, __e) TH_LOG("%s: expected errno %d (%s), got %d (%s)", \
					   #call, err, strerror(err), __e, strerror(__e)); \
	} else {							\
		EXPECT_EQ(-1, __r) TH_LOG("%s: expected -1 errno %s, got %ld", \
					  #call, strerror(err), __r);	\
		if (__r == -1)						\
			EXPECT_EQ(err, __e) TH_LOG("%s: expected errno %d (%s), got %d (%s)", \
						   #call, err, strerror(err), __e, strerror(__e)); \
	}								\
} while (0)
#define ASSERT_ERRNO(call, err) __ERRNO(1, call, err)
#define EXPECT_ERRNO(call, err) __ERRNO(0, call, err)
#define ASSERT_OK(call)							\
	ASSERT_EQ(0L, (long)(call)) TH_LOG("%s: %s", #call, strerror(errno))

FIXTURE(vs) {
	int fam;
	int fd;
	char group[64];
};

FIXTURE_SETUP(vs)
{
	self->fd = -1;
	self->fam = vsync_family();
	if (self->fam < 0)
		SKIP(return, "af_vsync not loaded (%s)", VSYNC_FAMILY_SYSFS);
	snprintf(self->group, sizeof(self->group), "vsock-%d", getpid());
	self->fd = socket(self->fam, SOCK_RDM, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(vs)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int new_sock(struct __test_metadata *_metadata, int fam, int flags)
{
	int fd = socket(fam, SOCK_RDM | flags, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	return fd;
}

static void set_timeo(struct __test_metadata *_metadata, int fd, int opt, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)));
}

/* Read one item that must be a view; bounded by a 20 s receive timeout. */
static void read_view(struct __test_metadata *_metadata, int fd, union viewbuf *vb)
{
	struct vsync_item it;
	ssize_t r;

	set_timeo(_metadata, fd, SO_RCVTIMEO, 20000);
	memset(vb, 0, sizeof(*vb));
	r = vsync_recv_item(fd, vb->raw, sizeof(vb->raw), 0, &it);
	ASSERT_LE(0, r) TH_LOG("recv view: %s", strerror(errno));
	ASSERT_TRUE(it.have_info) TH_LOG("no VSYNC_CMSG_INFO on a view");
	ASSERT_EQ(VSYNC_KIND_VIEW, it.info.kind) TH_LOG("expected a view item");
	ASSERT_TRUE(it.msg_flags & MSG_OOB) TH_LOG("view without MSG_OOB in msg_flags");
	ASSERT_EQ(r, (ssize_t)(sizeof(struct vsync_view) +
			       vb->v.n_members * sizeof(struct vsync_member_id)));
	ASSERT_EQ(it.info.view_id, vb->v.view_id);
}

/* Join and read the first view. */
static void join_view(struct __test_metadata *_metadata, int fd, const char *group,
		      union viewbuf *vb)
{
	ASSERT_OK(vsync_join(fd, group));
	read_view(_metadata, fd, vb);
}

/* Read one item that must be data; returns its length. */
static ssize_t read_data(struct __test_metadata *_metadata, int fd, void *buf,
			 size_t len, struct vsync_item *it)
{
	ssize_t r;

	set_timeo(_metadata, fd, SO_RCVTIMEO, 20000);
	r = vsync_recv_item(fd, buf, len, 0, it);
	ASSERT_LE(0, r) TH_LOG("recv data: %s", strerror(errno));
	ASSERT_TRUE(it->have_info);
	ASSERT_EQ(VSYNC_KIND_DATA, it->info.kind) TH_LOG("expected data, got a view");
	ASSERT_FALSE(it->msg_flags & MSG_OOB);
	return r;
}

static void assert_empty(struct __test_metadata *_metadata, int fd)
{
	char b[16];

	ASSERT_ERRNO(recv(fd, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
}

/* a left socket with an empty queue reads EOF: 0, never an error */
#define EXPECT_EOF(call) do {						\
	long __r;							\
	errno = 0;							\
	__r = (long)(call);						\
	EXPECT_EQ(0L, __r) TH_LOG("%s: expected 0 (EOF), got %ld errno %d (%s)", \
				  #call, __r, errno, strerror(errno));	\
} while (0)

static struct vsync_member_id my_id(struct __test_metadata *_metadata, int fd)
{
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);
	struct vsync_member_id id;

	ASSERT_OK(getsockname(fd, (struct sockaddr *)&sa, &len));
	id.node = sa.svs_node;
	id.port = sa.svs_port;
	return id;
}

static short poll_ev(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* ---- socket creation ---- */

TEST(socket_type_and_protocol)
{
	int fam = vsync_family(), fd, fl;

	if (fam < 0)
		SKIP(return, "af_vsync not loaded");
	ASSERT_ERRNO(socket(fam, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	ASSERT_ERRNO(socket(fam, SOCK_DGRAM, 0), ESOCKTNOSUPPORT);
	ASSERT_ERRNO(socket(fam, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	ASSERT_ERRNO(socket(fam, SOCK_RAW, 0), ESOCKTNOSUPPORT);
	ASSERT_ERRNO(socket(fam, SOCK_RDM, 1), EPROTONOSUPPORT);
	ASSERT_ERRNO(socket(fam, SOCK_RDM, 17), EPROTONOSUPPORT);

	fd = socket(fam, SOCK_RDM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	fl = fcntl(fd, F_GETFL);
	ASSERT_TRUE(fl & O_NONBLOCK);
	fl = fcntl(fd, F_GETFD);
	ASSERT_TRUE(fl & FD_CLOEXEC);
	ASSERT_OK(close(fd));
}

/* ---- join / leave ---- */

TEST_F(vs, join_errors)
{
	char name[80];
	union viewbuf vb;
	int fd2;

	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, "x", 0), EINVAL);
	memset(name, 'a', sizeof(name));
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, name, 64), ENAMETOOLONG);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, name, 79), ENAMETOOLONG);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, "ab\0cd", 5), EINVAL);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, "\0abc", 4), EINVAL);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, NULL, 3), EFAULT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, (void *)8, 3), EFAULT);
	/* none of the failures joined: still ENOTCONN for send/recv */
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT), ENOTCONN);

	join_view(_metadata, self->fd, self->group, &vb);
	EXPECT_ERRNO(vsync_join(self->fd, self->group), EISCONN);
	EXPECT_ERRNO(vsync_join(self->fd, "other"), EISCONN);

	/* exactly VSYNC_NAME_MAX works, also with a trailing NUL */
	fd2 = new_sock(_metadata, self->fam, 0);
	snprintf(name, sizeof(name), "%d-", getpid());
	memset(name + strlen(name), 'n', VSYNC_NAME_MAX - strlen(name));
	name[VSYNC_NAME_MAX] = '\0';
	ASSERT_OK(setsockopt(fd2, SOL_VSYNC, VSYNC_JOIN, name, VSYNC_NAME_MAX + 1));
	read_view(_metadata, fd2, &vb);
	EXPECT_EQ(1, vb.v.n_members);
	{
		char got[128];
		socklen_t len = sizeof(got);

		ASSERT_OK(getsockopt(fd2, SOL_VSYNC, VSYNC_GROUP, got, &len));
		ASSERT_EQ(VSYNC_NAME_MAX, len);
		ASSERT_EQ(0, memcmp(got, name, VSYNC_NAME_MAX));
	}
	close(fd2);
}

TEST_F(vs, join_trailing_nul_not_counted)
{
	union viewbuf a, b;
	char got[64];
	socklen_t len = sizeof(got);
	int fd2 = new_sock(_metadata, self->fam, 0);

	ASSERT_OK(setsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, self->group,
			     strlen(self->group) + 1));
	read_view(_metadata, self->fd, &a);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len));
	ASSERT_EQ(strlen(self->group), len);
	ASSERT_EQ(0, memcmp(got, self->group, len));
	/* the same group as without the NUL */
	join_view(_metadata, fd2, self->group, &b);
	EXPECT_EQ(2, b.v.n_members);
	close(fd2);
}

TEST_F(vs, leave_errors)
{
	union viewbuf vb;

	EXPECT_ERRNO(vsync_leave(self->fd), ENOTCONN);
	EXPECT_ERRNO(shutdown(self->fd, SHUT_RDWR), ENOTCONN);
	join_view(_metadata, self->fd, self->group, &vb);
	EXPECT_ERRNO(shutdown(self->fd, 3), EINVAL);
	EXPECT_ERRNO(shutdown(self->fd, -1), EINVAL);
	ASSERT_OK(vsync_leave(self->fd));
	EXPECT_ERRNO(vsync_leave(self->fd), ENOTCONN);
	EXPECT_ERRNO(shutdown(self->fd, SHUT_RDWR), ENOTCONN);
}

TEST_F(vs, first_item_is_view)
{
	union viewbuf vb;
	struct vsync_item it;
	struct vsync_member_id me;
	ssize_t r;

	ASSERT_OK(vsync_join(self->fd, self->group));
	r = vsync_recv_item(self->fd, vb.raw, sizeof(vb.raw), MSG_DONTWAIT, &it);
	ASSERT_EQ((ssize_t)(sizeof(struct vsync_view) + sizeof(struct vsync_member_id)), r)
		TH_LOG("the view must be queued when the join returns: %s", strerror(errno));
	ASSERT_TRUE(it.have_info);
	EXPECT_FALSE(it.bad_cmsg);
	EXPECT_EQ(VSYNC_KIND_VIEW, it.info.kind);
	EXPECT_TRUE(it.msg_flags & MSG_OOB);
	EXPECT_FALSE(it.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, it.info.order);
	EXPECT_EQ(1, it.info.view_id);
	EXPECT_EQ(0, it.info.sender.node);
	EXPECT_EQ(0, it.info.sender.port);
	EXPECT_EQ(0, it.info.sender_seq);
	EXPECT_EQ(0, it.info.global_seq);
	EXPECT_EQ(sizeof(struct sockaddr_vsync), it.fromlen);
	EXPECT_EQ(self->fam, it.from.svs_family);
	EXPECT_EQ(0, it.from.svs_port);

	me = my_id(_metadata, self->fd);
	EXPECT_NE(0, me.port);
	EXPECT_EQ(1, vb.v.view_id);
	EXPECT_EQ(1, vb.v.n_members);
	EXPECT_EQ(0, vb.v.my_rank);
	EXPECT_TRUE(vb.v.flags & VSYNC_VIEW_PRIMARY);
	EXPECT_EQ(1, vb.v.n_joined);
	EXPECT_EQ(0, vb.v.n_left);
	EXPECT_EQ(me.node, vb.v.members[0].node);
	EXPECT_EQ(me.port, vb.v.members[0].port);
	assert_empty(_metadata, self->fd);
}

TEST_F(vs, views_join_and_leave)
{
	union viewbuf a, b;
	struct vsync_member_id ida, idb;
	int fd2 = new_sock(_metadata, self->fam, 0);

	join_view(_metadata, self->fd, self->group, &a);
	ida = my_id(_metadata, self->fd);
	join_view(_metadata, fd2, self->group, &b);
	idb = my_id(_metadata, fd2);
	EXPECT_NE(ida.port, idb.port);

	/* the joiner's first view */
	EXPECT_EQ(2, b.v.view_id);
	ASSERT_EQ(2, b.v.n_members);
	EXPECT_EQ(1, b.v.my_rank);
	EXPECT_EQ(1, b.v.n_joined);
	EXPECT_EQ(0, b.v.n_left);
	EXPECT_EQ(ida.port, b.v.members[0].port);
	EXPECT_EQ(idb.port, b.v.members[1].port);
	EXPECT_EQ(idb.node, b.v.members[1].node);

	/* the old member gets the same view in its stream */
	read_view(_metadata, self->fd, &a);
	EXPECT_EQ(2, a.v.view_id);
	ASSERT_EQ(2, a.v.n_members);
	EXPECT_EQ(0, a.v.my_rank);
	EXPECT_EQ(1, a.v.n_joined);
	EXPECT_EQ(0, memcmp(a.v.members, b.v.members, 2 * sizeof(a.v.members[0])));

	/* the oldest leaves: the other becomes rank 0 */
	ASSERT_OK(vsync_leave(self->fd));
	read_view(_metadata, fd2, &b);
	EXPECT_EQ(3, b.v.view_id);
	ASSERT_EQ(1, b.v.n_members);
	EXPECT_EQ(0, b.v.my_rank);
	EXPECT_EQ(0, b.v.n_joined);
	EXPECT_EQ(1, b.v.n_left);
	EXPECT_EQ(idb.port, b.v.members[0].port);
	EXPECT_TRUE(b.v.flags & VSYNC_VIEW_PRIMARY);

	/* the leaver gets nothing more */
	EXPECT_EOF(recv(self->fd, a.raw, sizeof(a.raw), MSG_DONTWAIT));
	close(fd2);
}

TEST_F(vs, group_restarts_when_empty)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[16];
	int fd2 = new_sock(_metadata, self->fam, 0);

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(1, send(self->fd, "a", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(1, it.info.global_seq);
	ASSERT_OK(close(self->fd));
	self->fd = -1;
	/* last member gone: a new join starts a new group */
	join_view(_metadata, fd2, self->group, &vb);
	EXPECT_EQ(1, vb.v.view_id);
	EXPECT_EQ(1, vb.v.n_members);
	ASSERT_EQ(1, send(fd2, "b", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ(1, it.info.global_seq);
	EXPECT_EQ(1, it.info.sender_seq);
	EXPECT_EQ(1, it.info.view_id);
	close(fd2);
}

TEST_F(vs, rejoin_after_leave)
{
	union viewbuf vb, v2;
	struct vsync_item it;
	struct vsync_member_id id1, id2;
	char buf[16];
	int fd2 = new_sock(_metadata, self->fam, 0);

	join_view(_metadata, self->fd, self->group, &vb);
	id1 = my_id(_metadata, self->fd);
	join_view(_metadata, fd2, self->group, &v2);	/* view 2 */
	read_view(_metadata, self->fd, &vb);
	ASSERT_EQ(1, send(fd2, "m", 1, 0));		/* queued at self->fd */
	ASSERT_OK(vsync_leave(self->fd));		/* view 3 */
	ASSERT_OK(vsync_join(self->fd, self->group));	/* view 4 */
	id2 = my_id(_metadata, self->fd);
	EXPECT_NE(id1.port, id2.port);
	/* the item of the old membership first, then the new first view */
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ('m', buf[0]);
	read_view(_metadata, self->fd, &vb);
	EXPECT_EQ(4, vb.v.view_id);
	ASSERT_EQ(2, vb.v.n_members);
	EXPECT_EQ(1, vb.v.my_rank);
	EXPECT_EQ(id2.port, vb.v.members[1].port);
	/* the sender sees: its own message, leave view, join view */
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	read_view(_metadata, fd2, &v2);
	EXPECT_EQ(3, v2.v.view_id);
	EXPECT_EQ(1, v2.v.n_left);
	read_view(_metadata, fd2, &v2);
	EXPECT_EQ(4, v2.v.view_id);
	close(fd2);
}

/* ---- send ---- */

TEST_F(vs, send_recv_before_join)
{
	char b[8];

	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	EXPECT_ERRNO(write(self->fd, "x", 1), ENOTCONN);
	EXPECT_ERRNO(recv(self->fd, b, sizeof(b), 0), ENOTCONN);
	EXPECT_ERRNO(recv(self->fd, b, sizeof(b), MSG_DONTWAIT), ENOTCONN);
	EXPECT_ERRNO(read(self->fd, b, sizeof(b)), ENOTCONN);
}

static volatile sig_atomic_t sigcount;

static void count_sig(int sig)
{
	(void)sig;
	sigcount++;
}

TEST_F(vs, send_after_leave_epipe)
{
	struct sigaction sa = { .sa_handler = count_sig };
	union viewbuf vb;

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_OK(vsync_leave(self->fd));
	ASSERT_OK(sigaction(SIGPIPE, &sa, NULL));
	sigcount = 0;
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	EXPECT_EQ(0, sigcount);
	EXPECT_ERRNO(send(self->fd, "x", 1, 0), EPIPE);
	EXPECT_EQ(1, sigcount) TH_LOG("no SIGPIPE without MSG_NOSIGNAL");
	/* shutdown is a leave too */
	{
		int fd2 = new_sock(_metadata, self->fam, 0);

		join_view(_metadata, fd2, self->group, &vb);
		ASSERT_OK(shutdown(fd2, SHUT_WR));
		EXPECT_ERRNO(send(fd2, "x", 1, MSG_NOSIGNAL), EPIPE);
		EXPECT_ERRNO(vsync_leave(fd2), ENOTCONN);
		close(fd2);
	}
}

TEST_F_TIMEOUT(vs, message_sizes, 300)
{
	static char big[VSYNC_MSG_MAX + 2], in[VSYNC_MSG_MAX + 2];
	union viewbuf vb;
	struct vsync_item it;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	join_view(_metadata, self->fd, self->group, &vb);
	EXPECT_ERRNO(send(self->fd, big, VSYNC_MSG_MAX + 1, 0), EMSGSIZE);
	assert_empty(_metadata, self->fd);
	ASSERT_EQ(VSYNC_MSG_MAX, send(self->fd, big, VSYNC_MSG_MAX, 0));
	/* read it first: a queue over SO_RCVBUF holds the next send back */
	ASSERT_EQ(VSYNC_MSG_MAX, read_data(_metadata, self->fd, in, sizeof(in), &it));
	EXPECT_EQ(0, memcmp(big, in, VSYNC_MSG_MAX));
	EXPECT_EQ(1, it.info.sender_seq);
	ASSERT_EQ(0, send(self->fd, big, 0, 0));
	/* a zero-length message is an item, not EOF */
	ASSERT_EQ(0, read_data(_metadata, self->fd, in, sizeof(in), &it));
	EXPECT_EQ(2, it.info.sender_seq);
	EXPECT_EQ(VSYNC_KIND_DATA, it.info.kind);
	assert_empty(_metadata, self->fd);
}

/* Around the size of one piece, and well past it: each message whole. */
TEST_F_TIMEOUT(vs, long_messages_in_pieces, 300)
{
	static const size_t sizes[] = {
		1, 1200, 1290, 1300, 1310, 1320, 1340, 1360, 1400, 2700,
		65535, 65536, 65537, (1 << 20) + 3, 3 * 1000 * 1000,
	};
	static char out[3 * 1000 * 1000 + 16], in[sizeof(out)];
	union viewbuf vb;
	struct vsync_item it;
	size_t i, k;
	ssize_t r;

	join_view(_metadata, self->fd, self->group, &vb);
	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		for (i = 0; i < sizes[k]; i++)
			out[i] = (char)(i * 13 + k + i / 509);
		ASSERT_EQ((ssize_t)sizes[k], send(self->fd, out, sizes[k], 0));
		memset(in, 0, sizes[k] + 1);
		r = read_data(_metadata, self->fd, in, sizeof(in), &it);
		ASSERT_EQ((ssize_t)sizes[k], r);
		EXPECT_EQ(0, memcmp(out, in, sizes[k])) TH_LOG("size %zu", sizes[k]);
		EXPECT_EQ(k + 1, it.info.sender_seq);
		EXPECT_EQ(k + 1, it.info.global_seq);
		EXPECT_EQ(0u, it.info.flags);
	}
	/* a short buffer: MSG_TRUNC, and the real length asked for */
	ASSERT_EQ(100000, send(self->fd, out, 100000, 0));
	set_timeo(_metadata, self->fd, SO_RCVTIMEO, 20000);
	ASSERT_EQ(100000, vsync_recv_item(self->fd, in, 10, MSG_TRUNC, &it));
	EXPECT_TRUE(it.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(out, in, 10));
	assert_empty(_metadata, self->fd);
}

/*
 * A non-blocking send of a long message is like one of a long datagram:
 * it goes whole if the send buffer is below SO_SNDBUF when it starts, and
 * fails with EAGAIN, nothing of it sent, while the buffer is full.
 */
TEST_F_TIMEOUT(vs, long_message_nonblocking, 120)
{
	static char out[1 << 20], in[sizeof(out)];
	int small = 16384;
	union viewbuf vb;
	struct vsync_item it;
	struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };

	memset(out, 'q', sizeof(out));
	ASSERT_OK(setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)));
	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	ASSERT_EQ((ssize_t)sizeof(out), send(self->fd, out, sizeof(out), MSG_DONTWAIT));
	ASSERT_EQ((ssize_t)sizeof(out), read_data(_metadata, self->fd, in, sizeof(in), &it));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	EXPECT_EQ(1, it.info.sender_seq);
	/* blocking, the pieces stream through the small buffer */
	ASSERT_EQ((ssize_t)sizeof(out), send(self->fd, out, sizeof(out), 0));
	ASSERT_EQ((ssize_t)sizeof(out), read_data(_metadata, self->fd, in, sizeof(in), &it));
	EXPECT_EQ(0, memcmp(out, in, sizeof(out)));
	EXPECT_EQ(2, it.info.sender_seq);
	assert_empty(_metadata, self->fd);
}

TEST_F(vs, send_gathers_iovec_and_write_read)
{
	union viewbuf vb;
	struct vsync_item it;
	struct iovec iov[3] = {
		{ .iov_base = "hel", .iov_len = 3 },
		{ .iov_base = "", .iov_len = 0 },
		{ .iov_base = "lo", .iov_len = 2 },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };
	char buf[32] = { 0 };

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(5, sendmsg(self->fd, &msg, 0));
	ASSERT_EQ(5, write(self->fd, "world", 5));
	ASSERT_EQ(5, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "world", 5));
}

TEST_F(vs, send_bad_flags)
{
	union viewbuf vb;

	join_view(_metadata, self->fd, self->group, &vb);
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_OOB), EOPNOTSUPP);
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_MORE), EOPNOTSUPP);
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_CONFIRM), EOPNOTSUPP);
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_PEEK), EOPNOTSUPP);
	EXPECT_ERRNO(send(self->fd, "x", 1, MSG_DONTROUTE), EOPNOTSUPP);
	assert_empty(_metadata, self->fd);
	EXPECT_EQ(1, send(self->fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR));
}

TEST_F(vs, sendto_address)
{
	union viewbuf vb;
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);
	struct vsync_item it;
	char buf[8];

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_OK(getsockname(self->fd, (struct sockaddr *)&sa, &len));

	sa.svs_family = AF_INET;
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)),
		     EAFNOSUPPORT);
	sa.svs_family = self->fam;
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&sa, 4), EINVAL);
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa) - 1),
		     EINVAL);
	/* not a member of the group, or no member at all */
	sa.svs_port ^= 0x5a5a;
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)),
		     EHOSTUNREACH);
	sa.svs_port ^= 0x5a5a;
	sa.svs_node = 0;
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)),
		     EINVAL);
	len = sizeof(sa);
	ASSERT_OK(getsockname(self->fd, (struct sockaddr *)&sa, &len));
	assert_empty(_metadata, self->fd);

	/* the receiver learns the sender's address */
	ASSERT_EQ(1, send(self->fd, "y", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(sizeof(struct sockaddr_vsync), it.fromlen);
	EXPECT_EQ(self->fam, it.from.svs_family);
	EXPECT_EQ(sa.svs_node, it.from.svs_node);
	EXPECT_EQ(sa.svs_port, it.from.svs_port);
	EXPECT_EQ(sa.svs_port, it.info.sender.port);
	EXPECT_EQ(sa.svs_node, it.info.sender.node);
}

/*
 * Unicast: only the member named gets it, in the sender's one FIFO
 * sequence; it is not numbered in the group's total order.
 */
TEST_F(vs, unicast_to_one_member)
{
	struct sockaddr_vsync a, b;
	socklen_t len = sizeof(a);
	union viewbuf vb;
	struct vsync_item it;
	char buf[8];
	int fd2;

	join_view(_metadata, self->fd, self->group, &vb);
	fd2 = new_sock(_metadata, self->fam, 0);
	join_view(_metadata, fd2, self->group, &vb);
	read_view(_metadata, self->fd, &vb);
	ASSERT_OK(getsockname(self->fd, (struct sockaddr *)&a, &len));
	len = sizeof(b);
	ASSERT_OK(getsockname(fd2, (struct sockaddr *)&b, &len));

	ASSERT_EQ(1, send(self->fd, "m", 1, 0));
	ASSERT_EQ(1, sendto(self->fd, "u", 1, 0, (struct sockaddr *)&b, sizeof(b)));
	ASSERT_EQ(1, send(self->fd, "n", 1, 0));
	/* to oneself works too */
	ASSERT_EQ(1, sendto(fd2, "s", 1, 0, (struct sockaddr *)&b, sizeof(b)));

	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ('m', buf[0]);
	EXPECT_EQ(1, it.info.sender_seq);
	EXPECT_EQ(1, it.info.global_seq);
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ('u', buf[0]);
	EXPECT_EQ(2, it.info.sender_seq);
	EXPECT_EQ(1, it.info.global_seq);
	EXPECT_EQ(VSYNC_MSGINFO_UNICAST, it.info.flags);
	EXPECT_EQ(a.svs_port, it.info.sender.port);
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ('n', buf[0]);
	EXPECT_EQ(3, it.info.sender_seq);
	EXPECT_EQ(2, it.info.global_seq);
	EXPECT_EQ(0u, it.info.flags);
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ('s', buf[0]);
	EXPECT_EQ(VSYNC_MSGINFO_UNICAST, it.info.flags);
	assert_empty(_metadata, fd2);

	/* the sender sees its group messages only, with the gap in its seq */
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ('m', buf[0]);
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ('n', buf[0]);
	EXPECT_EQ(3, it.info.sender_seq);
	assert_empty(_metadata, self->fd);

	/* a member that left is not there to send to */
	close(fd2);
	read_view(_metadata, self->fd, &vb);
	EXPECT_ERRNO(sendto(self->fd, "x", 1, 0, (struct sockaddr *)&b, sizeof(b)),
		     EHOSTUNREACH);
	/* a long unicast, in pieces */
	{
		static char big[200000], in[sizeof(big)];

		memset(big, 'L', sizeof(big));
		ASSERT_EQ((ssize_t)sizeof(big),
			  sendto(self->fd, big, sizeof(big), 0, (struct sockaddr *)&a, sizeof(a)));
		ASSERT_EQ((ssize_t)sizeof(big),
			  read_data(_metadata, self->fd, in, sizeof(in), &it));
		EXPECT_EQ(0, memcmp(big, in, sizeof(big)));
		EXPECT_EQ(VSYNC_MSGINFO_UNICAST, it.info.flags);
	}
}

static int sysctl_rw(const char *path, const char *val, char *old, size_t len)
{
	FILE *f = fopen(path, "r+");
	int ok;

	if (!f)
		return -1;
	ok = !old || fgets(old, (int)len, f) != NULL;
	rewind(f);
	ok = ok && fputs(val, f) >= 0;
	return fclose(f) || !ok ? -1 : 0;
}

/*
 * A member whose queue is full holds its group's senders up; once it has
 * not read for net.vsync.reader_timeout_ms, it is put out: the others go
 * on in a view without it, its sends fail with ETIMEDOUT and it reads what
 * was queued to it, then the end of the stream.
 */
TEST_F_TIMEOUT(vs, stuck_reader_put_out, 120)
{
	static const char path[] = "/proc/sys/net/vsync/reader_timeout_ms";
	char old[32], msg[1000], b[2048];
	struct pollfd p = { .events = 0 };
	union viewbuf vb;
	struct vsync_item it;
	int one = 1, fd2, i, got = 0, views = 0;
	ssize_t r;

	memset(msg, 'r', sizeof(msg));
	if (sysctl_rw(path, "300", old, sizeof(old)))
		SKIP(return, "%s: %s", path, strerror(errno));
	join_view(_metadata, self->fd, self->group, &vb);
	fd2 = new_sock(_metadata, self->fam, 0);
	ASSERT_OK(setsockopt(fd2, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)));
	join_view(_metadata, fd2, self->group, &vb);
	read_view(_metadata, self->fd, &vb);
	ASSERT_EQ(2, vb.v.n_members);

	/* fd2 fills up after a few: the rest wait until it is put out */
	for (i = 0; i < 20; i++)
		ASSERT_EQ((ssize_t)sizeof(msg), send(self->fd, msg, sizeof(msg), 0));
	p.fd = fd2;
	ASSERT_EQ(1, poll(&p, 1, 20000));
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_ERRNO(send(fd2, "x", 1, MSG_NOSIGNAL), ETIMEDOUT);
	/* what it had is there to read, then the end */
	set_timeo(_metadata, fd2, SO_RCVTIMEO, 20000);
	while ((r = recv(fd2, b, sizeof(b), 0)) > 0)
		got++;
	EXPECT_EQ(0, r);
	EXPECT_LT(0, got);
	EXPECT_GT(20, got);

	/* the sender got all 20, and a view without the stuck member */
	for (i = 0; i < 20 + views; i++) {
		set_timeo(_metadata, self->fd, SO_RCVTIMEO, 20000);
		r = vsync_recv_item(self->fd, b, sizeof(b), 0, &it);
		ASSERT_LE(0, r);
		if (it.info.kind == VSYNC_KIND_VIEW) {
			memcpy(&vb, b, sizeof(vb.v));
			EXPECT_EQ(1, vb.v.n_members);
			EXPECT_EQ(1, vb.v.n_left);
			views++;
		}
	}
	EXPECT_EQ(1, views);
	assert_empty(_metadata, self->fd);
	close(fd2);
	EXPECT_EQ(0, sysctl_rw(path, old, NULL, 0));
}

static ssize_t send_cmsg(int fd, int level, int type, const void *val, size_t vlen,
			 size_t cmsg_len)
{
	union {
		char buf[CMSG_SPACE(64)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = "c", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = CMSG_SPACE(vlen),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = cmsg_len;
	memcpy(CMSG_DATA(c), val, vlen);
	return sendmsg(fd, &msg, 0);
}

TEST_F(vs, send_bad_cmsg)
{
	union viewbuf vb;
	int v;

	join_view(_metadata, self->fd, self->group, &vb);
	v = 0;
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	v = 5;
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	v = -1;
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	v = VSYNC_ORDER_FIFO;
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(2)), EINVAL);
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(8)), EINVAL);
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_INFO, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_VSYNC, 77, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_IP, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))), EINVAL);
	EXPECT_ERRNO(send_cmsg(self->fd, SOL_SOCKET, SCM_RIGHTS, &self->fd, sizeof(int),
			       CMSG_LEN(sizeof(int))), EINVAL);
	assert_empty(_metadata, self->fd);
	EXPECT_EQ(1, send_cmsg(self->fd, SOL_VSYNC, VSYNC_CMSG_ORDER, &v, sizeof(v),
			       CMSG_LEN(sizeof(v))));
}

TEST_F(vs, order_class_reported)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[8];
	int o, v;

	join_view(_metadata, self->fd, self->group, &vb);
	for (o = VSYNC_ORDER_FIFO; o <= VSYNC_ORDER_SAFE; o++) {
		ASSERT_EQ(1, vsync_send_order(self->fd, "o", 1, o, 0));
		ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
		EXPECT_EQ((__u32)o, it.info.order);
	}
	/* no cmsg: the socket default, TOTAL unless set */
	ASSERT_EQ(1, send(self->fd, "d", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(VSYNC_ORDER_DEFAULT, it.info.order);
	v = VSYNC_ORDER_CAUSAL;
	ASSERT_OK(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, sizeof(v)));
	ASSERT_EQ(1, send(self->fd, "d", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(VSYNC_ORDER_CAUSAL, it.info.order);
	/* the cmsg wins over the socket default */
	ASSERT_EQ(1, vsync_send_order(self->fd, "s", 1, VSYNC_ORDER_SAFE, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(VSYNC_ORDER_SAFE, it.info.order);
}

TEST_F(vs, seq_numbers)
{
	union viewbuf va, vb2;
	struct vsync_item it;
	struct vsync_member_id ida, idb;
	__u64 gs[6];
	char buf[8];
	int fd2 = new_sock(_metadata, self->fam, 0), i;

	join_view(_metadata, self->fd, self->group, &va);
	ida = my_id(_metadata, self->fd);
	join_view(_metadata, fd2, self->group, &vb2);
	idb = my_id(_metadata, fd2);
	read_view(_metadata, self->fd, &va);
	EXPECT_EQ(2, va.v.view_id);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, send(self->fd, "a", 1, 0));
		ASSERT_EQ(1, send(fd2, "b", 1, 0));
	}
	/* both see the same gseq 1..6 for the same messages */
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
		EXPECT_EQ((__u64)i + 1, it.info.global_seq);
		EXPECT_EQ((__u64)i / 2 + 1, it.info.sender_seq);
		EXPECT_EQ(2, it.info.view_id);
		EXPECT_EQ(i % 2 ? idb.port : ida.port, it.info.sender.port);
		EXPECT_EQ(i % 2 ? 'b' : 'a', buf[0]);
		gs[i] = it.info.global_seq;
	}
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
		EXPECT_EQ(gs[i], it.info.global_seq);
		EXPECT_EQ(i % 2 ? 'b' : 'a', buf[0]);
		EXPECT_EQ((__u64)i / 2 + 1, it.info.sender_seq);
	}
	/* a view carries the gseq of the last message before it */
	ASSERT_OK(close(fd2));
	{
		ssize_t r = vsync_recv_item(self->fd, va.raw, sizeof(va.raw), 0, &it);

		ASSERT_LE(0, r);
		ASSERT_EQ(VSYNC_KIND_VIEW, it.info.kind);
		EXPECT_EQ(6, it.info.global_seq);
		EXPECT_EQ(3, it.info.view_id);
	}
	/* sender_seq goes on over views */
	ASSERT_EQ(1, send(self->fd, "a", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(4, it.info.sender_seq);
	EXPECT_EQ(7, it.info.global_seq);
	EXPECT_EQ(3, it.info.view_id);
}

/* ---- options ---- */

TEST_F(vs, order_option)
{
	int v = 0;
	socklen_t len = sizeof(v);

	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, &len));
	EXPECT_EQ(VSYNC_ORDER_DEFAULT, v);
	EXPECT_EQ(sizeof(int), len);
	for (int o = VSYNC_ORDER_FIFO; o <= VSYNC_ORDER_SAFE; o++) {
		ASSERT_OK(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &o, sizeof(o)));
		len = sizeof(v);
		ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, &len));
		EXPECT_EQ(o, v);
	}
	v = 0;
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, sizeof(v)), EINVAL);
	v = 5;
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, sizeof(v)), EINVAL);
	v = -3;
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, sizeof(v)), EINVAL);
	v = VSYNC_ORDER_FIFO;
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, 2), EINVAL);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, 0), EINVAL);
	len = sizeof(v);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, &len));
	EXPECT_EQ(VSYNC_ORDER_SAFE, v) TH_LOG("a failed set changed the value");
	len = (socklen_t)-1;
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_ORDER, &v, &len), EINVAL);
}

TEST_F(vs, unknown_options)
{
	char buf[256];
	socklen_t len = sizeof(buf);
	int v = 1;

	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, 99, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, 0, &v, sizeof(v)), ENOPROTOOPT);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, 99, buf, &len), ENOPROTOOPT);
	len = sizeof(buf);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_JOIN, buf, &len), ENOPROTOOPT);
	len = sizeof(buf);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_LEAVE, buf, &len), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, buf, 64), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, "g", 1), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, buf, 48), ENOPROTOOPT);
	/* another protocol's level */
	EXPECT_ERRNO(setsockopt(self->fd, SOL_TCP, 1, &v, sizeof(v)), ENOPROTOOPT);
	len = sizeof(buf);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_TCP, 1, buf, &len), ENOPROTOOPT);
	EXPECT_ERRNO(setsockopt(self->fd, SOL_IP, 1, &v, sizeof(v)), ENOPROTOOPT);
}

TEST_F(vs, view_option)
{
	union viewbuf vb, got;
	socklen_t len = sizeof(got.raw);
	size_t need;
	int fd2 = new_sock(_metadata, self->fam, 0);

	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len), ENOTCONN);
	ASSERT_OK(vsync_join(self->fd, self->group));
	/* joined, view queued but not read yet */
	len = sizeof(got.raw);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len), ENOTCONN);
	read_view(_metadata, self->fd, &vb);
	need = sizeof(struct vsync_view) + sizeof(struct vsync_member_id);
	len = sizeof(got.raw);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len));
	ASSERT_EQ(need, len);
	EXPECT_EQ(0, memcmp(got.raw, vb.raw, need));

	/* a second member: still the old view until it is read */
	join_view(_metadata, fd2, self->group, &vb);
	len = sizeof(got.raw);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len));
	EXPECT_EQ(1, got.v.view_id) TH_LOG("VSYNC_VIEW must be the last view read");
	EXPECT_EQ(1, got.v.n_members);
	read_view(_metadata, self->fd, &vb);
	need = sizeof(struct vsync_view) + 2 * sizeof(struct vsync_member_id);
	/* too small: ERANGE and the size needed */
	len = sizeof(struct vsync_view);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len), ERANGE);
	EXPECT_EQ(need, len);
	len = need - 1;
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len), ERANGE);
	EXPECT_EQ(need, len);
	len = 0;
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len), ERANGE);
	EXPECT_EQ(need, len);
	len = need;
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_VIEW, got.raw, &len));
	EXPECT_EQ(need, len);
	EXPECT_EQ(2, got.v.view_id);
	EXPECT_EQ(0, got.v.my_rank);
	EXPECT_EQ(0, memcmp(got.raw, vb.raw, need));
	/* the other member's copy has its own rank */
	len = sizeof(got.raw);
	ASSERT_OK(getsockopt(fd2, SOL_VSYNC, VSYNC_VIEW, got.raw, &len));
	EXPECT_EQ(1, got.v.my_rank);
	EXPECT_EQ(0, memcmp(got.v.members, vb.v.members, 2 * sizeof(vb.v.members[0])));
	close(fd2);
}

TEST_F(vs, group_option)
{
	union viewbuf vb;
	char got[128];
	socklen_t len = sizeof(got);
	size_t n = strlen(self->group);

	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len), ENOTCONN);
	join_view(_metadata, self->fd, self->group, &vb);
	len = sizeof(got);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len));
	ASSERT_EQ(n, len);
	EXPECT_EQ(0, memcmp(got, self->group, n));
	len = n - 1;
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len), ERANGE);
	EXPECT_EQ(n, len);
	len = n;
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len));
	EXPECT_EQ(n, len);
	ASSERT_OK(vsync_leave(self->fd));
	len = sizeof(got);
	EXPECT_ERRNO(getsockopt(self->fd, SOL_VSYNC, VSYNC_GROUP, got, &len), ENOTCONN);
}

TEST_F(vs, stats_option)
{
	struct vsync_sock_stats st;
	union viewbuf vb;
	struct vsync_item it;
	socklen_t len = sizeof(st);
	char buf[64];
	__u64 sent;

	memset(&st, 0xff, sizeof(st));
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, &st, &len));
	ASSERT_EQ(sizeof(st), len);
	EXPECT_EQ(0, st.sent);
	EXPECT_EQ(0, st.delivered);
	EXPECT_EQ(0, st.views);
	EXPECT_EQ(0, st.send_waits);

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(10, send(self->fd, buf, 10, 0));
	ASSERT_EQ(20, send(self->fd, buf, 20, 0));
	ASSERT_EQ(0, send(self->fd, buf, 0, 0));
	ASSERT_EQ(10, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	ASSERT_EQ(20, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	len = sizeof(st);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, &st, &len));
	EXPECT_EQ(3, st.sent);
	EXPECT_EQ(30, st.sent_bytes);
	EXPECT_EQ(2, st.delivered);
	EXPECT_EQ(30, st.delivered_bytes);
	EXPECT_EQ(1, st.views);
	EXPECT_EQ(0, st.send_waits);
	ASSERT_EQ(0, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	/* MSG_PEEK is not a delivery */
	ASSERT_EQ(1, send(self->fd, buf, 1, 0));
	ASSERT_EQ(1, recv(self->fd, buf, sizeof(buf), MSG_PEEK));
	len = sizeof(st);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, &st, &len));
	EXPECT_EQ(3, st.delivered);
	/* truncated like TCP_INFO */
	sent = 0;
	len = sizeof(sent);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, &sent, &len));
	EXPECT_EQ(sizeof(sent), len);
	EXPECT_EQ(4, sent);
	{
		char big[sizeof(st) + 16];

		len = sizeof(big);
		ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, big, &len));
		EXPECT_EQ(sizeof(st), len);
	}
}

TEST_F(vs, addresses_and_unsupported_calls)
{
	struct sockaddr_vsync sa, sb;
	socklen_t len = sizeof(sa);
	union viewbuf vb;
	int fd2 = new_sock(_metadata, self->fam, 0);

	memset(&sa, 0xaa, sizeof(sa));
	ASSERT_OK(getsockname(self->fd, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(self->fam, sa.svs_family);
	EXPECT_EQ(1, sa.svs_node);
	EXPECT_EQ(0, sa.svs_port);

	EXPECT_ERRNO(bind(self->fd, (struct sockaddr *)&sa, sizeof(sa)), EOPNOTSUPP);
	EXPECT_ERRNO(connect(self->fd, (struct sockaddr *)&sa, sizeof(sa)), EOPNOTSUPP);
	EXPECT_ERRNO(listen(self->fd, 1), EOPNOTSUPP);
	EXPECT_ERRNO(accept(self->fd, NULL, NULL), EOPNOTSUPP);
	len = sizeof(sa);
	EXPECT_ERRNO(getpeername(self->fd, (struct sockaddr *)&sa, &len), EOPNOTSUPP);

	join_view(_metadata, self->fd, self->group, &vb);
	join_view(_metadata, fd2, self->group, &vb);
	len = sizeof(sa);
	ASSERT_OK(getsockname(self->fd, (struct sockaddr *)&sa, &len));
	len = sizeof(sb);
	ASSERT_OK(getsockname(fd2, (struct sockaddr *)&sb, &len));
	EXPECT_NE(0, sa.svs_port);
	EXPECT_NE(0, sb.svs_port);
	EXPECT_NE(sa.svs_port, sb.svs_port);
	EXPECT_EQ(1, sa.svs_node);
	EXPECT_EQ(vb.v.members[0].port, sa.svs_port);
	EXPECT_EQ(vb.v.members[1].port, sb.svs_port);
	/* joined: still no connect/bind/peer */
	EXPECT_ERRNO(connect(self->fd, (struct sockaddr *)&sb, sizeof(sb)), EOPNOTSUPP);
	len = sizeof(sa);
	EXPECT_ERRNO(getpeername(self->fd, (struct sockaddr *)&sa, &len), EOPNOTSUPP);
	close(fd2);
}

TEST_F(vs, ioctls)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[256];
	int v;

	v = -1;
	ASSERT_OK(ioctl(self->fd, FIONREAD, &v));
	EXPECT_EQ(0, v);
	ASSERT_OK(vsync_join(self->fd, self->group));
	v = -1;
	ASSERT_OK(ioctl(self->fd, FIONREAD, &v));
	EXPECT_EQ((int)(sizeof(struct vsync_view) + sizeof(struct vsync_member_id)), v);
	read_view(_metadata, self->fd, &vb);
	v = -1;
	ASSERT_OK(ioctl(self->fd, SIOCINQ, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(100, send(self->fd, buf, 100, 0));
	ASSERT_EQ(7, send(self->fd, buf, 7, 0));
	v = -1;
	ASSERT_OK(ioctl(self->fd, FIONREAD, &v));
	EXPECT_EQ(100, v) TH_LOG("FIONREAD is the length of the next item");
	ASSERT_EQ(100, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	v = -1;
	ASSERT_OK(ioctl(self->fd, SIOCINQ, &v));
	EXPECT_EQ(7, v);
	v = -1;
	ASSERT_OK(ioctl(self->fd, SIOCOUTQ, &v));
	EXPECT_LE(0, v);
}

/* ---- receive ---- */

TEST_F(vs, recv_timeout_and_nonblock)
{
	union viewbuf vb;
	char buf[8];
	int fd2 = new_sock(_metadata, self->fam, SOCK_NONBLOCK);

	EXPECT_ERRNO(recv(fd2, buf, sizeof(buf), 0), ENOTCONN);
	join_view(_metadata, self->fd, self->group, &vb);
	set_timeo(_metadata, self->fd, SO_RCVTIMEO, 100);
	EXPECT_ERRNO(recv(self->fd, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_ERRNO(recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	ASSERT_OK(vsync_join(fd2, self->group));
	ASSERT_LE(0, recv(fd2, vb.raw, sizeof(vb.raw), 0)) TH_LOG("view queued at join");
	EXPECT_ERRNO(recv(fd2, buf, sizeof(buf), 0), EAGAIN);
	EXPECT_ERRNO(read(fd2, buf, sizeof(buf)), EAGAIN);
	close(fd2);
}

TEST_F(vs, recv_oob_flag)
{
	union viewbuf vb;
	char buf[8];

	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(1, send(self->fd, "x", 1, 0));
	EXPECT_ERRNO(recv(self->fd, buf, sizeof(buf), MSG_OOB), EOPNOTSUPP);
	EXPECT_EQ(1, recv(self->fd, buf, sizeof(buf), 0)) TH_LOG("item lost by a failed recv");
}

TEST_F(vs, peek)
{
	union viewbuf vb, vp;
	struct vsync_item it, it2;
	char buf[32];

	ASSERT_OK(vsync_join(self->fd, self->group));
	/* peek a view */
	ASSERT_LE(0, vsync_recv_item(self->fd, vp.raw, sizeof(vp.raw), MSG_PEEK, &it));
	EXPECT_EQ(VSYNC_KIND_VIEW, it.info.kind);
	EXPECT_TRUE(it.msg_flags & MSG_OOB);
	read_view(_metadata, self->fd, &vb);
	EXPECT_EQ(0, memcmp(vp.raw, vb.raw, sizeof(struct vsync_view) + 8));

	ASSERT_EQ(5, send(self->fd, "peek!", 5, 0));
	ASSERT_EQ(6, send(self->fd, "second", 6, 0));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, vsync_recv_item(self->fd, buf, sizeof(buf), MSG_PEEK, &it));
	EXPECT_EQ(0, memcmp(buf, "peek!", 5));
	ASSERT_EQ(5, vsync_recv_item(self->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT, &it2));
	EXPECT_EQ(it.info.global_seq, it2.info.global_seq);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, read_data(_metadata, self->fd, buf, sizeof(buf), &it2));
	EXPECT_EQ(0, memcmp(buf, "peek!", 5));
	EXPECT_EQ(it.info.global_seq, it2.info.global_seq);
	EXPECT_EQ(it.info.sender_seq, it2.info.sender_seq);
	ASSERT_EQ(6, read_data(_metadata, self->fd, buf, sizeof(buf), &it2));
	EXPECT_EQ(it.info.global_seq + 1, it2.info.global_seq);
	assert_empty(_metadata, self->fd);
}

/* A read into a bad buffer fails with EFAULT and costs no item. */
TEST_F(vs, efault_keeps_item)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[32];

	ASSERT_EQ(-1, recv(self->fd, (void *)8, 64, MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_OK(vsync_join(self->fd, self->group));
	/* the first view, into an unmapped buffer, then for real */
	ASSERT_EQ(-1, recv(self->fd, (void *)8, sizeof(vb.raw), 0));
	EXPECT_EQ(EFAULT, errno);
	read_view(_metadata, self->fd, &vb);
	EXPECT_EQ(1, vb.v.n_members);

	ASSERT_EQ(5, send(self->fd, "fault", 5, 0));
	ASSERT_EQ(-1, recv(self->fd, (void *)8, sizeof(buf), 0));
	EXPECT_EQ(EFAULT, errno);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(5, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ(0, memcmp(buf, "fault", 5));
	EXPECT_EQ(1, it.info.sender_seq);
	assert_empty(_metadata, self->fd);
}

TEST_F(vs, truncation)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[100], msg[100];
	int i;

	for (i = 0; i < 100; i++)
		msg[i] = (char)i;
	join_view(_metadata, self->fd, self->group, &vb);
	ASSERT_EQ(100, send(self->fd, msg, 100, 0));
	ASSERT_EQ(100, send(self->fd, msg, 100, 0));
	ASSERT_EQ(100, send(self->fd, msg, 100, 0));
	ASSERT_EQ(10, vsync_recv_item(self->fd, buf, 10, 0, &it));
	EXPECT_TRUE(it.msg_flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(buf, msg, 10));
	EXPECT_EQ(1, it.info.sender_seq);
	/* real length with MSG_TRUNC in flags; the item is consumed */
	ASSERT_EQ(100, vsync_recv_item(self->fd, buf, 10, MSG_TRUNC, &it));
	EXPECT_TRUE(it.msg_flags & MSG_TRUNC);
	EXPECT_EQ(2, it.info.sender_seq);
	/* and with a big enough buffer no flag */
	ASSERT_EQ(100, vsync_recv_item(self->fd, buf, 100, 0, &it));
	EXPECT_FALSE(it.msg_flags & MSG_TRUNC);
	EXPECT_EQ(3, it.info.sender_seq);
	assert_empty(_metadata, self->fd);
	/* a truncated view */
	{
		int fd2 = new_sock(_metadata, self->fam, 0);

		join_view(_metadata, fd2, self->group, &vb);
		set_timeo(_metadata, self->fd, SO_RCVTIMEO, 20000);
		ASSERT_EQ(4, vsync_recv_item(self->fd, buf, 4, 0, &it));
		EXPECT_TRUE(it.msg_flags & MSG_TRUNC);
		EXPECT_TRUE(it.msg_flags & MSG_OOB);
		EXPECT_EQ(VSYNC_KIND_VIEW, it.info.kind);
		close(fd2);
	}
}

TEST_F(vs, leave_drains_then_eof)
{
	union viewbuf vb;
	struct vsync_item it;
	char buf[8];
	int fd2 = new_sock(_metadata, self->fam, 0);

	join_view(_metadata, self->fd, self->group, &vb);
	join_view(_metadata, fd2, self->group, &vb);
	read_view(_metadata, self->fd, &vb);
	ASSERT_EQ(1, send(fd2, "1", 1, 0));
	ASSERT_EQ(1, send(fd2, "2", 1, 0));
	ASSERT_OK(vsync_leave(self->fd));
	/* nothing sent after the leave reaches it */
	ASSERT_EQ(1, send(fd2, "3", 1, 0));
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ('1', buf[0]);
	ASSERT_EQ(1, read_data(_metadata, self->fd, buf, sizeof(buf), &it));
	EXPECT_EQ('2', buf[0]);
	EXPECT_EOF(recv(self->fd, buf, sizeof(buf), 0));
	EXPECT_EOF(recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EOF(read(self->fd, buf, sizeof(buf)));
	/* the other side: 1, 2, the leave view, 3 */
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	read_view(_metadata, fd2, &vb);
	EXPECT_EQ(1, vb.v.n_left);
	EXPECT_EQ(1, vb.v.n_members);
	ASSERT_EQ(1, read_data(_metadata, fd2, buf, sizeof(buf), &it));
	EXPECT_EQ('3', buf[0]);
	close(fd2);
}

/* ---- poll / epoll ---- */

TEST_F(vs, poll_readiness)
{
	union viewbuf vb;
	char buf[8];
	short ev;

	ev = poll_ev(self->fd);
	ASSERT_LE(0, ev);
	EXPECT_FALSE(ev & POLLOUT) TH_LOG("POLLOUT before join");
	EXPECT_FALSE(ev & POLLIN);
	ASSERT_OK(vsync_join(self->fd, self->group));
	ev = poll_ev(self->fd);
	EXPECT_TRUE(ev & POLLIN) TH_LOG("view queued: POLLIN");
	EXPECT_TRUE(ev & POLLOUT);
	read_view(_metadata, self->fd, &vb);
	ev = poll_ev(self->fd);
	EXPECT_FALSE(ev & POLLIN);
	EXPECT_TRUE(ev & POLLOUT);
	EXPECT_FALSE(ev & (POLLHUP | POLLRDHUP | POLLERR));
	ASSERT_EQ(1, send(self->fd, "x", 1, 0));
	ev = poll_ev(self->fd);
	EXPECT_TRUE(ev & POLLIN);
	ASSERT_EQ(1, recv(self->fd, buf, sizeof(buf), 0));
	ASSERT_EQ(1, send(self->fd, "y", 1, 0));
	ASSERT_OK(vsync_leave(self->fd));
	ev = poll_ev(self->fd);
	EXPECT_TRUE(ev & POLLHUP);
	EXPECT_TRUE(ev & POLLRDHUP);
	EXPECT_TRUE(ev & POLLIN);
	EXPECT_FALSE(ev & POLLOUT) TH_LOG("POLLOUT after leave");
	ASSERT_EQ(1, recv(self->fd, buf, sizeof(buf), 0));
	EXPECT_EOF(recv(self->fd, buf, sizeof(buf), 0));
	EXPECT_EOF(recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT));
	ev = poll_ev(self->fd);
	EXPECT_TRUE(ev & POLLHUP);
}

TEST_F(vs, epoll_readiness_and_wakeup)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP }, out[4];
	union viewbuf vb;
	char buf[8];
	int ep, fd2, n;
	pid_t pid;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->fd;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	n = epoll_wait(ep, out, 4, 0);
	EXPECT_EQ(0, n) TH_LOG("an unjoined socket is not ready (no EPOLLOUT)");

	join_view(_metadata, self->fd, self->group, &vb);
	n = epoll_wait(ep, out, 4, 0);
	ASSERT_EQ(1, n);
	EXPECT_EQ(EPOLLOUT, out[0].events & (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP));

	/* wake-up: another process sends while we wait */
	fd2 = new_sock(_metadata, self->fam, 0);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		union viewbuf v2;
		int ok;

		ok = !vsync_join(fd2, self->group) &&
		     recv(fd2, v2.raw, sizeof(v2.raw), 0) > 0 &&
		     send(fd2, "w", 1, 0) == 1;
		_exit(ok ? 0 : 1);
	}
	/* input only now (level-triggered: a wait that finds data queued
	 * returns at once, one that finds none must be woken) */
	ev.events = EPOLLIN;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_MOD, self->fd, &ev));
	n = epoll_wait(ep, out, 4, 20000);
	ASSERT_EQ(1, n) TH_LOG("no wake-up for the view of a join");
	EXPECT_TRUE(out[0].events & EPOLLIN);
	read_view(_metadata, self->fd, &vb);
	/* the message */
	n = epoll_wait(ep, out, 4, 20000);
	ASSERT_EQ(1, n) TH_LOG("no wake-up for a message");
	ASSERT_EQ(1, recv(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ('w', buf[0]);
	{
		int st;

		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* the child exited: fd2 is still open here, so no view yet */
	ASSERT_OK(close(fd2));
	n = epoll_wait(ep, out, 4, 20000);
	ASSERT_EQ(1, n) TH_LOG("no wake-up for the view of a close");
	read_view(_metadata, self->fd, &vb);
	EXPECT_EQ(1, vb.v.n_left);

	/* leave: EPOLLHUP|EPOLLRDHUP|EPOLLIN */
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_MOD, self->fd, &ev));
	ASSERT_OK(vsync_leave(self->fd));
	n = epoll_wait(ep, out, 4, 0);
	ASSERT_EQ(1, n);
	EXPECT_TRUE(out[0].events & EPOLLHUP);
	EXPECT_TRUE(out[0].events & EPOLLRDHUP);
	EXPECT_TRUE(out[0].events & EPOLLIN);
	EXPECT_FALSE(out[0].events & EPOLLOUT);
	EXPECT_EOF(recv(self->fd, buf, sizeof(buf), 0));
	close(ep);
}

/* ---- back-pressure ---- */

#define BP_LEN 1000

/* slow member with a small receive buffer, drained of its views */
static int slow_member(struct __test_metadata *_metadata, int fam, const char *group)
{
	union viewbuf vb;
	int fd = new_sock(_metadata, fam, 0), v = 1024;

	ASSERT_OK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	join_view(_metadata, fd, group, &vb);
	return fd;
}

/* Send BP_LEN-byte messages with MSG_DONTWAIT until EAGAIN; returns count. */
static int fill(struct __test_metadata *_metadata, int fd, int first)
{
	char msg[BP_LEN];
	int n = 0;

	for (;;) {
		ssize_t r;

		memset(msg, 0, sizeof(msg));
		memcpy(msg, &(int){ first + n }, sizeof(int));
		r = send(fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (r < 0) {
			ASSERT_EQ(EAGAIN, errno) TH_LOG("send: %s", strerror(errno));
			return n;
		}
		ASSERT_EQ(BP_LEN, r);
		n++;
		ASSERT_GT(10000, n) TH_LOG("no back-pressure after 10000 messages");
	}
}

/* Read data items until EAGAIN, checking sender_seq continues from *seq. */
static int drain(struct __test_metadata *_metadata, int fd, __u64 *seq)
{
	struct vsync_item it;
	char buf[BP_LEN + 8];
	int n = 0;

	for (;;) {
		ssize_t r = vsync_recv_item(fd, buf, sizeof(buf), MSG_DONTWAIT, &it);

		if (r < 0) {
			ASSERT_EQ(EAGAIN, errno);
			return n;
		}
		if (it.info.kind == VSYNC_KIND_VIEW)
			continue;
		ASSERT_EQ(BP_LEN, r);
		ASSERT_EQ(*seq + 1, it.info.sender_seq) TH_LOG("message lost or reordered");
		ASSERT_EQ((int)*seq, *(int *)buf);
		*seq = it.info.sender_seq;
		n++;
	}
}

TEST_F(vs, backpressure_dontwait)
{
	union viewbuf vb;
	__u64 sseq = 0, fseq = 0;
	int slow, n, m;

	slow = slow_member(_metadata, self->fam, self->group);
	join_view(_metadata, self->fd, self->group, &vb);
	read_view(_metadata, slow, &vb);	/* our join */
	n = fill(_metadata, self->fd, 0);
	ASSERT_LT(0, n) TH_LOG("a member with an empty queue always accepts");
	EXPECT_FALSE(poll_ev(self->fd) & POLLOUT) TH_LOG("POLLOUT while a member is full");
	/* nothing dropped: the slow member gets every message */
	ASSERT_EQ(n, drain(_metadata, slow, &sseq));
	ASSERT_EQ(n, drain(_metadata, self->fd, &fseq));
	EXPECT_TRUE(poll_ev(self->fd) & POLLOUT) TH_LOG("no POLLOUT after the reader caught up");
	/* and sending goes on where it stopped */
	m = fill(_metadata, self->fd, n);
	ASSERT_LT(0, m);
	ASSERT_EQ(m, drain(_metadata, slow, &sseq));
	ASSERT_EQ(m, drain(_metadata, self->fd, &fseq));
	EXPECT_EQ((__u64)(n + m), sseq);
	close(slow);
}

TEST_F(vs, backpressure_sndtimeo)
{
	struct vsync_sock_stats st;
	socklen_t len = sizeof(st);
	union viewbuf vb;
	char msg[BP_LEN] = { 0 };
	__u64 seq = 0;
	int slow, n, fl;

	slow = slow_member(_metadata, self->fam, self->group);
	join_view(_metadata, self->fd, self->group, &vb);
	read_view(_metadata, slow, &vb);
	n = fill(_metadata, self->fd, 0);
	set_timeo(_metadata, self->fd, SO_SNDTIMEO, 200);
	memcpy(msg, &n, sizeof(n));
	EXPECT_ERRNO(send(self->fd, msg, sizeof(msg), 0), EAGAIN);
	ASSERT_OK(getsockopt(self->fd, SOL_VSYNC, VSYNC_STATS, &st, &len));
	EXPECT_LE(1, st.send_waits);
	EXPECT_EQ((__u64)n, st.sent);
	/* O_NONBLOCK too */
	fl = fcntl(self->fd, F_GETFL);
	ASSERT_OK(fcntl(self->fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_ERRNO(send(self->fd, msg, sizeof(msg), 0), EAGAIN);
	EXPECT_ERRNO(write(self->fd, msg, sizeof(msg)), EAGAIN);
	ASSERT_OK(fcntl(self->fd, F_SETFL, fl));
	/* the timed-out sends were not sent */
	ASSERT_EQ(n, drain(_metadata, slow, &seq));
	close(slow);
}

struct sender_arg {
	int fd;
	int first, count;
	int done;		/* messages sent */
	int err;		/* errno of a failed send */
};

static void *sender(void *p)
{
	struct sender_arg *a = p;
	char msg[BP_LEN];

	for (a->done = 0; a->done < a->count; a->done++) {
		memset(msg, 0, sizeof(msg));
		memcpy(msg, &(int){ a->first + a->done }, sizeof(int));
		if (send(a->fd, msg, sizeof(msg), 0) != BP_LEN) {
			a->err = errno;
			break;
		}
	}
	return NULL;
}

/* wait (bounded) until a thread sleeps in the kernel */
static void wait_blocked(pid_t tid)
{
	char path[64], buf[256], *p;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 500; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return;
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		usleep(10000);
	}
}

struct tid_arg {
	struct sender_arg s;
	pid_t tid;
};

static void *sender_tid(void *p)
{
	struct tid_arg *a = p;

	a->tid = (pid_t)syscall(SYS_gettid);
	return sender(&a->s);
}

static int join_timeout(pthread_t t, int sec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += sec;
	return pthread_timedjoin_np(t, NULL, &ts);
}

TEST_F(vs, backpressure_blocked_sender_resumes)
{
	struct tid_arg a = { 0 };
	union viewbuf vb;
	__u64 seq = 0, fseq = 0;
	pthread_t t;
	int slow, n, got;

	slow = slow_member(_metadata, self->fam, self->group);
	join_view(_metadata, self->fd, self->group, &vb);
	read_view(_metadata, slow, &vb);
	n = fill(_metadata, self->fd, 0);
	a.s.fd = self->fd;
	a.s.first = n;
	a.s.count = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, sender_tid, &a));
	while (!__atomic_load_n(&a.tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	wait_blocked(a.tid);
	/* the reader makes room: the blocked send completes */
	got = drain(_metadata, slow, &seq);
	if (join_timeout(t, 20)) {
		got += drain(_metadata, slow, &seq);
		ASSERT_EQ(0, join_timeout(t, 20)) TH_LOG("blocked sender never resumed");
	}
	EXPECT_EQ(0, a.s.err);
	EXPECT_EQ(1, a.s.done);
	/* every message arrives, the resumed one last */
	set_timeo(_metadata, slow, SO_RCVTIMEO, 20000);
	while (got < n + 1) {
		struct vsync_item it;
		char buf[BP_LEN];

		ASSERT_EQ(BP_LEN, vsync_recv_item(slow, buf, sizeof(buf), 0, &it))
			TH_LOG("message missing: %s", strerror(errno));
		ASSERT_EQ(seq + 1, it.info.sender_seq);
		seq++;
		got++;
	}
	EXPECT_EQ((__u64)n + 1, seq);
	ASSERT_EQ(n + 1, drain(_metadata, self->fd, &fseq));
	close(slow);
}

TEST_F_TIMEOUT(vs, backpressure_no_loss, 120)
{
	struct sender_arg a = { 0 };
	union viewbuf vb;
	__u64 seq = 0, fseq = 0;
	const int total = 300;
	pthread_t t;
	int slow;

	slow = slow_member(_metadata, self->fam, self->group);
	join_view(_metadata, self->fd, self->group, &vb);
	read_view(_metadata, slow, &vb);
	a.fd = self->fd;
	a.count = total;
	ASSERT_EQ(0, pthread_create(&t, NULL, sender, &a));
	/* the slow member reads one item per turn, the sender itself all */
	while (seq < (__u64)total) {
		struct pollfd p[2] = {
			{ .fd = slow, .events = POLLIN },
			{ .fd = self->fd, .events = POLLIN },
		};
		int r = poll(p, 2, 20000);

		ASSERT_LT(0, r) TH_LOG("stalled after %llu of %d messages",
				       (unsigned long long)seq, total);
		if (p[1].revents & POLLIN)
			drain(_metadata, self->fd, &fseq);
		if (p[0].revents & POLLIN) {
			struct vsync_item it;
			char buf[BP_LEN];

			ASSERT_EQ(BP_LEN, vsync_recv_item(slow, buf, sizeof(buf),
							  MSG_DONTWAIT, &it));
			ASSERT_EQ(seq + 1, it.info.sender_seq) TH_LOG("lost or reordered");
			ASSERT_EQ((int)seq, *(int *)buf);
			seq++;
		}
	}
	ASSERT_EQ(0, join_timeout(t, 20));
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(total, a.done);
	set_timeo(_metadata, self->fd, SO_RCVTIMEO, 20000);
	while (fseq < (__u64)total) {
		struct vsync_item it;
		char buf[BP_LEN];

		ASSERT_EQ(BP_LEN, vsync_recv_item(self->fd, buf, sizeof(buf), 0, &it));
		ASSERT_EQ(fseq + 1, it.info.sender_seq);
		fseq++;
	}
	assert_empty(_metadata, slow);
	close(slow);
}

/* ---- signals ---- */

static void on_alarm(int sig)
{
	(void)sig;
	sigcount++;
}

static void arm_alarm(struct __test_metadata *_metadata, int restart)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };

	sigemptyset(&sa.sa_mask);
	ASSERT_OK(sigaction(SIGALRM, &sa, NULL));
	sigcount = 0;
	ASSERT_OK(setitimer(ITIMER_REAL, &it, NULL));
}

TEST_F(vs, signal_interrupts_recv)
{
	union viewbuf vb;
	char buf[8];

	join_view(_metadata, self->fd, self->group, &vb);
	set_timeo(_metadata, self->fd, SO_RCVTIMEO, 0);	/* block forever */
	arm_alarm(_metadata, 0);
	EXPECT_ERRNO(recv(self->fd, buf, sizeof(buf), 0), EINTR);
	EXPECT_EQ(1, sigcount);
	/* with SA_RESTART but a timeout set: EINTR, not a restart */
	set_timeo(_metadata, self->fd, SO_RCVTIMEO, 10000);
	arm_alarm(_metadata, 1);
	EXPECT_ERRNO(recv(self->fd, buf, sizeof(buf), 0), EINTR);
	EXPECT_EQ(1, sigcount);
	/* the socket still works */
	ASSERT_EQ(1, send(self->fd, "x", 1, 0));
	ASSERT_EQ(1, recv(self->fd, buf, sizeof(buf), 0));
}

TEST_F(vs, signal_interrupts_send)
{
	union viewbuf vb;
	char msg[BP_LEN] = { 0 };
	__u64 seq = 0;
	int slow, n;

	slow = slow_member(_metadata, self->fam, self->group);
	join_view(_metadata, self->fd, self->group, &vb);
	read_view(_metadata, slow, &vb);
	n = fill(_metadata, self->fd, 0);
	memcpy(msg, &n, sizeof(n));
	arm_alarm(_metadata, 0);
	EXPECT_ERRNO(send(self->fd, msg, sizeof(msg), 0), EINTR);
	EXPECT_EQ(1, sigcount);
	set_timeo(_metadata, self->fd, SO_SNDTIMEO, 10000);
	arm_alarm(_metadata, 1);
	EXPECT_ERRNO(send(self->fd, msg, sizeof(msg), 0), EINTR);
	EXPECT_EQ(1, sigcount);
	/* interrupted sends sent nothing */
	ASSERT_EQ(n, drain(_metadata, slow, &seq));
	close(slow);
}

/* ---- threads ---- */

struct recv_arg {
	int fd;
	ssize_t ret;
	int err;
	int done;
};

static void *receiver(void *p)
{
	struct recv_arg *a = p;
	char buf[64];

	a->ret = recv(a->fd, buf, sizeof(buf), 0);
	a->err = errno;
	__atomic_store_n(&a->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F(vs, shutdown_wakes_blocked_recv)
{
	struct recv_arg a = { 0 };
	union viewbuf vb;
	pthread_t t;
	int how;

	for (how = SHUT_RD; how <= SHUT_RDWR; how++) {
		int fd = new_sock(_metadata, self->fam, 0);

		join_view(_metadata, fd, self->group, &vb);
		set_timeo(_metadata, fd, SO_RCVTIMEO, 0);
		memset(&a, 0, sizeof(a));
		a.fd = fd;
		ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &a));
		usleep(50000);	/* not required: the result is the same if late */
		ASSERT_OK(shutdown(fd, how));
		ASSERT_EQ(0, join_timeout(t, 20)) TH_LOG("recv not woken by shutdown(%d)", how);
		EXPECT_EQ(0, a.ret) TH_LOG("shutdown(%d): recv returned %zd (%s)", how,
					   a.ret, strerror(a.err));
		EXPECT_ERRNO(send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
		close(fd);
	}
}

TEST_F(vs, close_while_recv_blocked)
{
	struct recv_arg a = { 0 };
	union viewbuf vb;
	pthread_t t;
	int fd = new_sock(_metadata, self->fam, 0);

	join_view(_metadata, self->fd, self->group, &vb);
	join_view(_metadata, fd, self->group, &vb);
	read_view(_metadata, self->fd, &vb);
	set_timeo(_metadata, fd, SO_RCVTIMEO, 500);
	a.fd = fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, receiver, &a));
	usleep(50000);
	ASSERT_OK(close(fd));
	ASSERT_EQ(0, join_timeout(t, 20)) TH_LOG("recv never returned");
	/* the blocked call held the file: it ended by its timeout (or saw EBADF
	 * if it had not yet started) */
	EXPECT_EQ(-1, a.ret);
	EXPECT_TRUE(a.err == EAGAIN || a.err == EBADF)
		TH_LOG("recv: %s", strerror(a.err));
	/* the socket is released: the other member sees the leave */
	read_view(_metadata, self->fd, &vb);
	EXPECT_EQ(1, vb.v.n_members);
	EXPECT_EQ(1, vb.v.n_left);
}

/* ---- resources ---- */

static long module_refcnt(void)
{
	char buf[32];
	long v = -1;
	int fd = open("/sys/module/af_vsync/refcnt", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	return v;
}

TEST_F_TIMEOUT(vs, many_sockets_no_leak, 180)
{
	union viewbuf vb;
	char g[80];
	long base, now = -1;
	int i, keep;

	base = module_refcnt();
	keep = new_sock(_metadata, self->fam, 0);
	join_view(_metadata, keep, self->group, &vb);
	for (i = 0; i < 1000; i++) {
		int fd = new_sock(_metadata, self->fam, (i & 1) ? SOCK_NONBLOCK : 0);

		switch (i % 4) {
		case 0:		/* never joined */
			break;
		case 1:		/* own group, one message, closed unread */
			snprintf(g, sizeof(g), "%s-%d", self->group, i);
			ASSERT_OK(vsync_join(fd, g));
			ASSERT_EQ(3, send(fd, "abc", 3, 0));
			break;
		case 2:		/* shared group, left, drained */
			ASSERT_OK(vsync_join(fd, self->group));
			ASSERT_OK(vsync_leave(fd));
			while (recv(fd, vb.raw, sizeof(vb.raw), MSG_DONTWAIT) > 0)
				;
			break;
		case 3:		/* shared group, closed with a message queued */
			ASSERT_OK(vsync_join(fd, self->group));
			ASSERT_EQ(1, send(fd, "z", 1, 0));
			break;
		}
		ASSERT_OK(close(fd));
		/* keep the long-lived member's queue short */
		while (recv(keep, vb.raw, sizeof(vb.raw), MSG_DONTWAIT) >= 0)
			;
	}
	ASSERT_OK(close(keep));
	if (base >= 0) {
		/* frees may be deferred (RCU): wait up to ~10 s */
		for (i = 0; i < 1000; i++) {
			now = module_refcnt();
			if (now <= base)
				break;
			usleep(10000);
		}
		EXPECT_EQ(base, now) TH_LOG("module refcnt %ld before, %ld after: sockets leaked",
					    base, now);
	}
}

TEST_F_TIMEOUT(vs, group_full_eusers, 600)
{
	union viewbuf vb;
	struct rlimit rl = { VSYNC_MEMBERS_MAX + 64, VSYNC_MEMBERS_MAX + 64 };
	static int fds[VSYNC_MEMBERS_MAX];
	static char buf[sizeof(struct vsync_view) +
			VSYNC_MEMBERS_MAX * sizeof(struct vsync_member_id)];
	int i, j, extra;

	/*
	 * Views go to every member whether it reads or not, so the members
	 * need not read here: about half a million queued views, shared
	 * data, a few hundred MB at most.
	 */
	ASSERT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < VSYNC_MEMBERS_MAX; i++) {
		fds[i] = new_sock(_metadata, self->fam, SOCK_NONBLOCK);
		ASSERT_OK(vsync_join(fds[i], self->group));
	}
	/* the last joiner's first view lists every member, itself last */
	j = recv(fds[VSYNC_MEMBERS_MAX - 1], buf, sizeof(buf), 0);
	ASSERT_EQ((int)sizeof(buf), j);
	ASSERT_EQ(VSYNC_MEMBERS_MAX, ((struct vsync_view *)buf)->n_members);
	ASSERT_EQ(VSYNC_MEMBERS_MAX - 1, ((struct vsync_view *)buf)->my_rank);
	extra = new_sock(_metadata, self->fam, 0);
	EXPECT_ERRNO(vsync_join(extra, self->group), EUSERS);
	close(fds[0]);
	ASSERT_OK(vsync_join(extra, self->group));	/* a place was freed */
	(void)vb;
	for (i = 1; i < VSYNC_MEMBERS_MAX; i++)
		close(fds[i]);
	close(extra);
}

TEST_HARNESS_MAIN
