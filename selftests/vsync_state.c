// SPDX-License-Identifier: GPL-2.0
/*
 * State transfer on one node (vsync(7), "State transfer"): sockets of one
 * process, and threads where a donor and a joiner must run at once.
 *
 *  basic:        the joiner reads its view (VSYNC_VIEW_STATE), the state,
 *                then the messages of the new view, held back until the
 *                last piece; the donor's view says VSYNC_VIEW_DONOR.
 *  no_donor:     the first member asks for state: nobody can give it.
 *  no_want:      a joiner that wants no state; nobody is a donor.
 *  held_poll:    while held, poll() says nothing to read and a
 *                non-blocking read gets EAGAIN.
 *  donor_close:  the donor closes mid-transfer: a new view names another
 *                donor, the joiner is told to start over.
 *  second_joiner: a second joiner during a transfer restarts it for both;
 *                a piece of the old transfer is dropped.
 *  joiner_close: the joiner closes while awaiting; the donor ends its duty.
 *  orphan:       the joiner closes, then the donor: nobody awaits state,
 *                so nobody is named donor.
 *  einval:       the misuses of vsync(7), with their errno.
 *  big:          8 MiB of state in 64 KiB pieces, under other traffic.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsync_util.h"
#include "kselftest_harness.h"

#define TMO		10000	/* ms: any single wait */
/* state pieces and the test's own messages are no longer than this */
#define BUF		(VSYNC_STATE_PIECE_MAX + 4096)

static int open_member(int want)
{
	int fam = vsync_family(), fd;

	if (fam < 0)
		return -1;
	fd = socket(fam, SOCK_RDM, 0);
	if (fd < 0)
		return -1;
	if (want >= 0 &&
	    setsockopt(fd, SOL_VSYNC, VSYNC_STATE, &want, sizeof(want))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int join_member(const char *group, int want)
{
	int fd = open_member(want);

	if (fd >= 0 && vsync_join(fd, group)) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct vsync_member_id self_id(int fd)
{
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);
	struct vsync_member_id id = { 0, 0 };

	if (!getsockname(fd, (struct sockaddr *)&sa, &len)) {
		id.node = sa.svs_node;
		id.port = sa.svs_port;
	}
	return id;
}

/* One item within TMO ms; -1 with errno ETIMEDOUT if none. */
static ssize_t rd(int fd, void *buf, size_t len, struct vsync_item *it)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, TMO) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return vsync_recv_item(fd, buf, len, MSG_DONTWAIT, it);
}

static ssize_t send_state(int fd, const void *buf, size_t len, int last,
			  int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_VSYNC;
	c->cmsg_type = VSYNC_CMSG_STATE;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &last, sizeof(int));
	return sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
}

static ssize_t send_str(int fd, const char *s)
{
	return vsync_send_order(fd, s, strlen(s), 0, MSG_NOSIGNAL);
}

struct ctx {
	char buf[BUF];
	struct vsync_item it;
};

/* Read a view; returns its flags, -1 on error.  *rank: donor's rank. */
static int rd_view(int fd, struct ctx *c, unsigned int n_members,
		   unsigned int *donor_rank)
{
	const struct vsync_view *v = (const void *)c->buf;

	if (rd(fd, c->buf, sizeof(c->buf), &c->it) < 0)
		return -1;
	if (c->it.info.kind != VSYNC_KIND_VIEW ||
	    vsync_view_bad(&c->it, c->buf, self_id(fd)) ||
	    (n_members && v->n_members != n_members))
		return -1;
	if (donor_rank)
		*donor_rank = v->reserved;
	return (int)v->flags;
}

/* Read an item of @kind whose payload is @s. */
static int rd_is(int fd, struct ctx *c, unsigned int kind, const char *s)
{
	ssize_t r = rd(fd, c->buf, sizeof(c->buf), &c->it);

	return r == (ssize_t)strlen(s) && c->it.info.kind == kind &&
	       !memcmp(c->buf, s, r) ? 0 : -1;
}

static int nothing_to_read(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct vsync_item it;
	char b[64];

	if (poll(&p, 1, 200) != 0)
		return -1;
	if (vsync_recv_item(fd, b, sizeof(b), MSG_DONTWAIT, &it) != -1 ||
	    errno != EAGAIN)
		return -1;
	return 0;
}

FIXTURE(st) {
	struct ctx c;
	char group[64];
};

FIXTURE_SETUP(st)
{
	if (vsync_family() < 0)
		SKIP(return, "af_vsync not loaded");
	snprintf(self->group, sizeof(self->group), "st-%d", getpid());
}

FIXTURE_TEARDOWN(st)
{
}

TEST_F(st, basic)
{
	struct ctx *c = &self->c;
	struct vsync_view v;
	socklen_t len = sizeof(v);
	unsigned int rank = 99;
	int a, b, val = -1;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(a, c, 1, NULL));
	ASSERT_LT(0, send_str(a, "old"));
	ASSERT_EQ(0, rd_is(a, c, VSYNC_KIND_DATA, "old"));

	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(b, SOL_VSYNC, VSYNC_STATE, &val, &len));
	ASSERT_EQ(1, val);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR,
		  rd_view(a, c, 2, &rank));
	ASSERT_EQ(0u, rank);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE,
		  rd_view(b, c, 2, &rank));
	ASSERT_EQ(0u, rank);
	/* getsockopt(VSYNC_VIEW) says so too */
	len = sizeof(v);
	ASSERT_EQ(-1, getsockopt(b, SOL_VSYNC, VSYNC_VIEW, &v, &len));
	ASSERT_EQ(ERANGE, errno);
	{
		char vb[sizeof(v) + 2 * sizeof(struct vsync_member_id)];

		len = sizeof(vb);
		ASSERT_EQ(0, getsockopt(b, SOL_VSYNC, VSYNC_VIEW, vb, &len));
		memcpy(&v, vb, sizeof(v));
		ASSERT_TRUE(v.flags & VSYNC_VIEW_STATE);
	}

	/* messages of the new view wait for the state at the joiner */
	ASSERT_LT(0, send_str(a, "new1"));
	ASSERT_LT(0, send_str(b, "new2"));
	ASSERT_EQ(0, nothing_to_read(b));
	ASSERT_EQ(0, rd_is(a, c, VSYNC_KIND_DATA, "new1"));
	ASSERT_EQ(0, rd_is(a, c, VSYNC_KIND_DATA, "new2"));

	ASSERT_EQ(3, send_state(a, "s-1", 3, 0, 0));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE, "s-1"));
	ASSERT_EQ(1u, c->it.info.sender_seq);
	ASSERT_EQ(0, nothing_to_read(b));
	ASSERT_EQ(3, send_state(a, "s-2", 3, 1, 0));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE_END, "s-2"));
	ASSERT_EQ(2u, c->it.info.sender_seq);
	ASSERT_EQ(self_id(a).port, c->it.info.sender.port);
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_DATA, "new1"));
	/* the donor's sequence has no gap for its pieces */
	ASSERT_EQ(2u, c->it.info.sender_seq);
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_DATA, "new2"));
	ASSERT_EQ(0, nothing_to_read(b));
	/* the duty is over; the old member sees no state */
	ASSERT_EQ(-1, send_state(a, "x", 1, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, nothing_to_read(a));
	close(b);
	close(a);
}

TEST_F(st, no_donor)
{
	struct ctx *c = &self->c;
	int a, b;

	a = join_member(self->group, 1);
	ASSERT_LE(0, a);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(a, c, 1, NULL));
	ASSERT_LT(0, send_str(a, "m"));
	ASSERT_EQ(0, rd_is(a, c, VSYNC_KIND_DATA, "m"));
	ASSERT_EQ(-1, send_state(a, "x", 1, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	/* a later joiner gets its state from it */
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 2, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE, rd_view(b, c, 2, NULL));
	ASSERT_EQ(1, send_state(a, "z", 1, 1, 0));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE_END, "z"));
	close(b);
	close(a);
}

TEST_F(st, no_want)
{
	struct ctx *c = &self->c;
	int a, b, val = 7;
	socklen_t len = sizeof(val);

	a = join_member(self->group, -1);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, getsockopt(a, SOL_VSYNC, VSYNC_STATE, &val, &len));
	ASSERT_EQ(0, val);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(a, c, 1, NULL));
	b = join_member(self->group, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(a, c, 2, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(b, c, 2, NULL));
	ASSERT_LT(0, send_str(a, "m"));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_DATA, "m"));
	ASSERT_EQ(-1, send_state(a, "x", 1, 0, 0));
	ASSERT_EQ(EINVAL, errno);
	close(b);
	close(a);
}

TEST_F(st, held_poll)
{
	struct ctx *c = &self->c;
	char m[16];
	int a, b, i;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, rd_view(a, c, 1, NULL));
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_LE(0, rd_view(a, c, 2, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE, rd_view(b, c, 2, NULL));
	for (i = 0; i < 5; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		ASSERT_LT(0, send_str(a, m));
	}
	ASSERT_EQ(0, nothing_to_read(b));
	ASSERT_EQ(4, send_state(a, "done", 4, 1, MSG_DONTWAIT));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE_END, "done"));
	for (i = 0; i < 5; i++) {
		snprintf(m, sizeof(m), "m%d", i);
		ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_DATA, m));
	}
	ASSERT_EQ(0, nothing_to_read(b));
	close(b);
	close(a);
}

TEST_F(st, donor_close)
{
	struct ctx *c = &self->c;
	struct vsync_member_id idc;
	unsigned int rank = 99;
	int a, b, cc;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	cc = join_member(self->group, 0);
	ASSERT_LE(0, cc);
	idc = self_id(cc);
	ASSERT_LE(0, rd_view(a, c, 1, NULL));
	ASSERT_LE(0, rd_view(a, c, 2, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 2, NULL));

	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 3, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 3, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE,
		  rd_view(b, c, 3, &rank));
	ASSERT_EQ(0u, rank);
	ASSERT_EQ(6, send_state(a, "part-a", 6, 0, 0));
	ASSERT_LT(0, send_str(cc, "held"));
	close(a);		/* mid-transfer */

	/* the old member left is the new donor, rank 0 now */
	ASSERT_EQ(0, rd_is(cc, c, VSYNC_KIND_DATA, "held"));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR,
		  rd_view(cc, c, 2, &rank));
	ASSERT_EQ(0u, rank);
	/* the joiner: the partial state, then the order to drop it */
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE, "part-a"));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE,
		  rd_view(b, c, 2, &rank));
	ASSERT_EQ(0u, rank);
	ASSERT_EQ(1u, ((struct vsync_view *)c->buf)->n_left);
	/* "held" was of the view the old transfer began: its effect is in
	 * the new state, so it is gone
	 */
	ASSERT_EQ(0, nothing_to_read(b));
	ASSERT_EQ(6, send_state(cc, "full-c", 6, 1, 0));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE_END, "full-c"));
	ASSERT_EQ(idc.port, c->it.info.sender.port);
	ASSERT_LT(0, send_str(cc, "after"));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_DATA, "after"));
	close(b);
	close(cc);
}

TEST_F(st, second_joiner)
{
	struct ctx *c = &self->c;
	int a, b, d;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, rd_view(a, c, 1, NULL));
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 2, NULL));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE, rd_view(b, c, 2, NULL));
	ASSERT_EQ(5, send_state(a, "old-1", 5, 0, 0));

	d = join_member(self->group, 1);
	ASSERT_LE(0, d);
	/* sent for the old transfer after the restart: dropped */
	ASSERT_EQ(5, send_state(a, "old-2", 5, 0, 0));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 3, NULL));
	ASSERT_EQ(5, send_state(a, "new-1", 5, 1, 0));

	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE, "old-1"));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE, rd_view(b, c, 3, NULL));
	ASSERT_EQ(0, rd_is(b, c, VSYNC_KIND_STATE_END, "new-1"));
	ASSERT_EQ(1u, c->it.info.sender_seq);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_STATE, rd_view(d, c, 3, NULL));
	ASSERT_EQ(0, rd_is(d, c, VSYNC_KIND_STATE_END, "new-1"));
	ASSERT_EQ(0, nothing_to_read(b));
	ASSERT_EQ(0, nothing_to_read(d));
	close(d);
	close(b);
	close(a);
}

TEST_F(st, joiner_close)
{
	struct ctx *c = &self->c;
	int a, b, i;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, rd_view(a, c, 1, NULL));
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 2, NULL));
	for (i = 0; i < 20; i++)
		ASSERT_LT(0, send_str(a, "to-be-held"));
	close(b);		/* awaiting, with items held */
	ASSERT_EQ(3, send_state(a, "abc", 3, 0, 0));
	ASSERT_EQ(3, send_state(a, "end", 3, 1, 0));
	ASSERT_EQ(-1, send_state(a, "end", 3, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, rd_is(a, c, VSYNC_KIND_DATA, "to-be-held"));
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(a, c, 1, NULL));
	/* a joiner closing with a transfer pending, the donor too */
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_LT(0, send_str(a, "x"));
	close(b);
	close(a);
}

TEST_F(st, orphan)
{
	struct ctx *c = &self->c;
	int a, b, cc;

	a = join_member(self->group, 0);
	ASSERT_LE(0, a);
	cc = join_member(self->group, 0);
	ASSERT_LE(0, cc);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 2, NULL));
	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 3, NULL));
	close(b);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 2, NULL));
	close(a);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY, rd_view(cc, c, 1, NULL));
	ASSERT_EQ(-1, send_state(cc, "x", 1, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	close(cc);
}

TEST_F(st, einval)
{
	struct ctx *c = &self->c;
	socklen_t len;
	int a, b, val;

	a = open_member(-1);
	ASSERT_LE(0, a);
	val = 2;
	ASSERT_EQ(-1, setsockopt(a, SOL_VSYNC, VSYNC_STATE, &val, sizeof(val)));
	ASSERT_EQ(EINVAL, errno);
	val = -1;
	ASSERT_EQ(-1, setsockopt(a, SOL_VSYNC, VSYNC_STATE, &val, sizeof(val)));
	ASSERT_EQ(EINVAL, errno);
	val = 1;
	ASSERT_EQ(-1, setsockopt(a, SOL_VSYNC, VSYNC_STATE, &val, 2));
	ASSERT_EQ(EINVAL, errno);
	len = 2;
	ASSERT_EQ(-1, getsockopt(a, SOL_VSYNC, VSYNC_STATE, &val, &len));
	ASSERT_EQ(EINVAL, errno);
	/* not joined */
	ASSERT_EQ(-1, send_state(a, "x", 1, 0, 0));
	ASSERT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, vsync_join(a, self->group));
	ASSERT_LE(0, rd_view(a, c, 1, NULL));
	/* no duty */
	ASSERT_EQ(-1, send_state(a, "x", 1, 0, 0));
	ASSERT_EQ(EINVAL, errno);

	b = join_member(self->group, 1);
	ASSERT_LE(0, b);
	/* a peeked donor view gives no duty; a read one does */
	ASSERT_LT(0, vsync_recv_item(a, c->buf, sizeof(c->buf), MSG_PEEK,
				     &c->it));
	ASSERT_EQ(-1, send_state(a, "x", 1, 0, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(VSYNC_VIEW_PRIMARY | VSYNC_VIEW_DONOR, rd_view(a, c, 2, NULL));
	/* a bad cmsg value, and a piece too long */
	ASSERT_EQ(-1, send_state(a, "x", 1, 2, 0));
	ASSERT_EQ(EINVAL, errno);
	{
		static char big[VSYNC_STATE_PIECE_MAX + 1];

		ASSERT_EQ(-1, send_state(a, big, sizeof(big), 0, 0));
		ASSERT_EQ(EMSGSIZE, errno);
	}
	/* the joiner has no duty */
	ASSERT_EQ(-1, send_state(b, "x", 1, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(1, send_state(a, "x", 1, 1, 0));
	ASSERT_EQ(-1, send_state(a, "x", 1, 1, 0));
	ASSERT_EQ(EINVAL, errno);
	close(b);
	close(a);
}

/* 8 MiB of state in 64 KiB pieces while another member sends. */
#define BIG_PIECE	65536
#define BIG_PIECES	128
#define BIG_MSGS	200

struct big {
	int a, b, other;
	uint32_t sent_ck, got_ck;
	size_t got;
	int err;
	char group[64];
};

static void fill(char *buf, unsigned int i)
{
	unsigned int k;

	for (k = 0; k < BIG_PIECE; k++)
		buf[k] = (char)(i * 131 + k * 7 + (k >> 9));
}

static uint32_t fnv(uint32_t h, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void *big_donor(void *arg)
{
	struct big *bg = arg;
	static char buf[BIG_PIECE];
	unsigned int i;

	bg->sent_ck = 2166136261u;
	for (i = 0; i < BIG_PIECES; i++) {
		fill(buf, i);
		bg->sent_ck = fnv(bg->sent_ck, buf, BIG_PIECE);
		if (send_state(bg->a, buf, BIG_PIECE, i == BIG_PIECES - 1, 0) !=
		    BIG_PIECE) {
			bg->err = errno ?: EIO;
			break;
		}
	}
	return NULL;
}

/* reads its own queue while it sends, so that it never blocks itself */
static void *big_other(void *arg)
{
	struct big *bg = arg;
	struct vsync_item it;
	char m[32], rb[64];
	int i, got = 0;

	(void)got;

	for (i = 0; i < BIG_MSGS;) {
		snprintf(m, sizeof(m), "m%d", i);
		if (vsync_send_order(bg->other, m, strlen(m), 0,
				     MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			i++;
		while (vsync_recv_item(bg->other, rb, sizeof(rb), MSG_DONTWAIT,
				       &it) > 0)
			got++;
		/* the donor's thread is busy writing: read its queue here */
		while (vsync_recv_item(bg->a, rb, sizeof(rb), MSG_DONTWAIT,
				       &it) > 0)
			;
		usleep(1000);
	}
	return NULL;
}

TEST_F(st, big)
{
	static char rbuf[BUF];
	struct vsync_item it;
	pthread_t td, to;
	struct big bg = { 0 };
	int n_data = 0, n_state = 0, end = 0;
	ssize_t r;

	bg.a = join_member(self->group, 0);
	ASSERT_LE(0, bg.a);
	ASSERT_LE(0, rd(bg.a, rbuf, sizeof(rbuf), &it));
	bg.other = join_member(self->group, 0);
	ASSERT_LE(0, bg.other);
	ASSERT_LE(0, rd(bg.a, rbuf, sizeof(rbuf), &it));
	bg.b = join_member(self->group, 1);
	ASSERT_LE(0, bg.b);
	ASSERT_LE(0, rd(bg.a, rbuf, sizeof(rbuf), &it));
	ASSERT_TRUE(((struct vsync_view *)rbuf)->flags & VSYNC_VIEW_DONOR);
	ASSERT_LE(0, rd(bg.b, rbuf, sizeof(rbuf), &it));
	ASSERT_TRUE(((struct vsync_view *)rbuf)->flags & VSYNC_VIEW_STATE);

	ASSERT_EQ(0, pthread_create(&to, NULL, big_other, &bg));
	ASSERT_EQ(0, pthread_create(&td, NULL, big_donor, &bg));
	bg.got_ck = 2166136261u;
	while (n_data < BIG_MSGS) {
		r = rd(bg.b, rbuf, sizeof(rbuf), &it);
		if (r < 0)
			break;
		if (it.info.kind == VSYNC_KIND_STATE ||
		    it.info.kind == VSYNC_KIND_STATE_END) {
			if (end)
				break;	/* state after its end */
			n_state++;
			bg.got += r;
			bg.got_ck = fnv(bg.got_ck, rbuf, r);
			end = it.info.kind == VSYNC_KIND_STATE_END;
			continue;
		}
		if (it.info.kind == VSYNC_KIND_DATA) {
			char m[32];

			if (!end)
				break;	/* a message before the state */
			snprintf(m, sizeof(m), "m%d", n_data);
			if (r != (ssize_t)strlen(m) || memcmp(rbuf, m, r))
				break;
			n_data++;
		}
	}
	/* the donor reads too, or it would block the other sender */
	while (vsync_recv_item(bg.a, rbuf, sizeof(rbuf), MSG_DONTWAIT, &it) > 0)
		;
	pthread_join(td, NULL);
	pthread_join(to, NULL);
	EXPECT_EQ(0, bg.err);
	EXPECT_EQ(1, end);
	EXPECT_EQ(BIG_PIECES, n_state);
	EXPECT_EQ((size_t)BIG_PIECE * BIG_PIECES, bg.got);
	EXPECT_EQ(bg.sent_ck, bg.got_ck);
	EXPECT_EQ(BIG_MSGS, n_data);
	close(bg.b);
	close(bg.other);
	close(bg.a);
}

TEST_HARNESS_MAIN
