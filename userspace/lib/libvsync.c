// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvsync: handle, join/leave, send, receive and view bookkeeping.
 *
 * Handle lifecycle (mirrors the socket's, see vsync(7)):
 *
 *   IDLE --vsync_join--> JOINED --vsync_leave--> LEFT --recv returns 0--> IDLE
 *
 * In LEFT the socket may still hold items of the old membership; they are
 * returned by vsync_recv() before the end of stream.  vsync_join() refuses
 * (EBUSY) while such items remain, so that the first item read after a join
 * is always the new membership's first view.
 *
 * Buffers: one receive buffer big enough for the largest message and the
 * largest view, and two view buffers (current, previous) used to compute
 * who left.  All are allocated by vsync_open(), so receiving never
 * allocates.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <vsync.h>

#define VIEW_BUF_SIZE	(sizeof(struct vsync_view) + \
			 VSYNC_MEMBERS_MAX * sizeof(struct vsync_member_id))
#define RECV_BUF_SIZE	(VSYNC_MSG_MAX > VIEW_BUF_SIZE ? VSYNC_MSG_MAX : VIEW_BUF_SIZE)

enum handle_state {
	ST_IDLE,	/* never joined, or the end of stream was read */
	ST_JOINED,
	ST_LEFT,	/* left; items of the old membership may remain */
};

struct vsync {
	int fd;
	int family;			/* the socket's, for unicast addresses */
	enum handle_state state;
	int have_group;
	char group[VSYNC_NAME_MAX + 1];

	int have_view;
	struct vsync_view *view;	/* current view, VIEW_BUF_SIZE bytes */
	struct vsync_view *prev;	/* scratch: the view before it */
	struct vsync_msginfo view_info;	/* msginfo of the current view */
	struct vsync_member_id *left;	/* VSYNC_MEMBERS_MAX entries */
	unsigned int n_left;

	void *rbuf;			/* RECV_BUF_SIZE bytes */
};

/* Control buffer for recvmsg, aligned for struct cmsghdr. */
union cmsg_buf {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct vsync_msginfo)) + 64];
};

int vsync_family(void)
{
	char text[32];
	ssize_t n;
	long val;
	char *end;
	int fd;

	fd = open(VSYNC_FAMILY_SYSFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? AF_VSYNC_DEFAULT : -1;
	do
		n = read(fd, text, sizeof(text) - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	text[n] = '\0';

	errno = 0;
	val = strtol(text, &end, 10);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == text || *end != '\0' || val < 1 || val > 65535) {
		errno = EINVAL;
		return -1;
	}
	return (int)val;
}

struct vsync *vsync_open(int flags)
{
	int type = SOCK_RDM;
	struct vsync *v;
	int family, err;

	if (flags & ~(VSYNC_NONBLOCK | VSYNC_CLOEXEC)) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & VSYNC_NONBLOCK)
		type |= SOCK_NONBLOCK;
	if (flags & VSYNC_CLOEXEC)
		type |= SOCK_CLOEXEC;

	family = vsync_family();
	if (family < 0)
		return NULL;

	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->fd = -1;
	v->family = family;
	v->view = malloc(VIEW_BUF_SIZE);
	v->prev = malloc(VIEW_BUF_SIZE);
	v->left = calloc(VSYNC_MEMBERS_MAX, sizeof(*v->left));
	v->rbuf = malloc(RECV_BUF_SIZE);
	if (!v->view || !v->prev || !v->left || !v->rbuf) {
		err = ENOMEM;
		goto fail;
	}

	v->fd = socket(family, type, 0);
	if (v->fd < 0) {
		err = errno;
		goto fail;
	}
	v->state = ST_IDLE;
	return v;

fail:
	free(v->rbuf);
	free(v->left);
	free(v->prev);
	free(v->view);
	free(v);
	errno = err;
	return NULL;
}

int vsync_close(struct vsync *v)
{
	int ret = 0;

	if (!v)
		return 0;
	if (v->fd >= 0 && close(v->fd) < 0 && errno != EINTR)
		ret = -1;
	free(v->rbuf);
	free(v->left);
	free(v->prev);
	free(v->view);
	free(v);
	return ret;
}

int vsync_fd(const struct vsync *v)
{
	return v->fd;
}

/* The msginfo control message of a received item, or NULL. */
static const struct vsync_msginfo *find_info(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_VSYNC && c->cmsg_type == VSYNC_CMSG_INFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct vsync_msginfo)))
			return (const struct vsync_msginfo *)CMSG_DATA(c);
	}
	return NULL;
}

/* Index of @id in @view, or -1.  Leaves errno alone. */
static int find_member(const struct vsync_view *view, const struct vsync_member_id *id)
{
	unsigned int i;

	for (i = 0; i < view->n_members; i++) {
		if (view->members[i].node == id->node && view->members[i].port == id->port)
			return (int)i;
	}
	return -1;
}

/* Make the view in the receive buffer (already checked) the current one. */
static void install_view(struct vsync *v, size_t size, const struct vsync_msginfo *info)
{
	struct vsync_view *old = v->view;
	unsigned int i;

	v->view = v->prev;
	v->prev = old;
	memcpy(v->view, v->rbuf, size);
	v->view_info = *info;

	v->n_left = 0;
	if (v->have_view) {
		for (i = 0; i < old->n_members; i++) {
			if (find_member(v->view, &old->members[i]) < 0)
				v->left[v->n_left++] = old->members[i];
		}
	}
	v->have_view = 1;
}

static void fill_view_event(const struct vsync *v, struct vsync_event *ev)
{
	const struct vsync_view *view = v->view;

	memset(ev, 0, sizeof(*ev));
	ev->kind = VSYNC_KIND_VIEW;
	ev->info = v->view_info;
	ev->view = view;
	ev->n_joined = view->n_joined;
	ev->joined = &view->members[view->n_members - view->n_joined];
	ev->left = v->left;
	ev->n_left = v->n_left;
}

/*
 * Read one item with recvmsg flags @mflags.  Returns the kind, 0 at the end
 * of stream, -1 with errno.
 */
static int recv_item(struct vsync *v, struct vsync_event *ev, int mflags)
{
	const struct vsync_msginfo *info;
	struct iovec iov = { .iov_base = v->rbuf, .iov_len = RECV_BUF_SIZE };
	union cmsg_buf cbuf;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	const struct vsync_view *view;
	size_t size;
	ssize_t n;

	n = recvmsg(v->fd, &msg, mflags);
	if (n < 0)
		return -1;
	info = find_info(&msg);
	if (n == 0 && !info) {
		v->state = ST_IDLE;	/* end of stream */
		return 0;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	if (!info) {
		errno = EPROTO;
		return -1;
	}

	switch (info->kind) {
	case VSYNC_KIND_DATA:
	case VSYNC_KIND_STATE:
	case VSYNC_KIND_STATE_END:
		memset(ev, 0, sizeof(*ev));
		ev->kind = (int)info->kind;
		ev->info = *info;
		ev->data = v->rbuf;
		ev->len = (size_t)n;
		return ev->kind;
	case VSYNC_KIND_VIEW:
		view = v->rbuf;
		if ((size_t)n < sizeof(*view) || view->n_members > VSYNC_MEMBERS_MAX ||
		    view->n_joined > view->n_members) {
			errno = EPROTO;
			return -1;
		}
		size = sizeof(*view) + view->n_members * sizeof(view->members[0]);
		if ((size_t)n < size) {
			errno = EPROTO;
			return -1;
		}
		install_view(v, size, info);
		fill_view_event(v, ev);
		return VSYNC_KIND_VIEW;
	default:
		errno = EPROTO;
		return -1;
	}
}

/*
 * After a leave: 1 if items of the old membership are still queued, 0 if
 * the end of stream was reached (the handle is then IDLE), -1 on error.
 */
static int old_items_pending(struct vsync *v)
{
	struct iovec iov = { .iov_base = v->rbuf, .iov_len = RECV_BUF_SIZE };
	union cmsg_buf cbuf;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	n = recvmsg(v->fd, &msg, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	if (n == 0 && !find_info(&msg)) {
		v->state = ST_IDLE;
		return 0;
	}
	return 1;
}

static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, -1) < 0 && errno != EINTR ? -1 : 0;
}

int vsync_join(struct vsync *v, const char *group)
{
	struct vsync_event ev;
	size_t len;
	int ret, err;

	if (!group) {
		errno = EFAULT;
		return -1;
	}
	len = strlen(group);
	if (len > VSYNC_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* left, or dropped by the group (a last non-primary view) */
	if (v->state != ST_IDLE) {
		ret = old_items_pending(v);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			errno = EBUSY;
			return -1;
		}
	}
	if (setsockopt(v->fd, SOL_VSYNC, VSYNC_JOIN, group, (socklen_t)len) < 0)
		return -1;

	v->state = ST_JOINED;
	v->have_group = 1;
	memcpy(v->group, group, len + 1);
	v->have_view = 0;

	/* The kernel queued our first view before the join returned. */
	for (;;) {
		ret = recv_item(v, &ev, MSG_DONTWAIT);
		if (ret == VSYNC_KIND_VIEW)
			return 0;
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0 && errno == EAGAIN) {
			if (wait_readable(v->fd) < 0)
				break;
			continue;
		}
		if (ret >= 0)
			errno = EPROTO;
		break;
	}

	/* Undo the join so that failure leaves the handle out of any group. */
	err = errno;
	if (setsockopt(v->fd, SOL_VSYNC, VSYNC_LEAVE, NULL, 0) == 0)
		v->state = ST_LEFT;
	errno = err;
	return -1;
}

int vsync_leave(struct vsync *v)
{
	if (setsockopt(v->fd, SOL_VSYNC, VSYNC_LEAVE, NULL, 0) < 0)
		return -1;
	v->state = ST_LEFT;
	return 0;
}

int vsync_send(struct vsync *v, const void *buf, size_t len, int order)
{
	return vsync_send_to(v, NULL, buf, len, order);
}

int vsync_send_to(struct vsync *v, const struct vsync_member_id *to,
		  const void *buf, size_t len, int order)
{
	/* sendmsg() does not write through iov_base. */
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct sockaddr_vsync addr;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *c;

	if (to) {
		memset(&addr, 0, sizeof(addr));
		addr.svs_family = (__kernel_sa_family_t)v->family;
		addr.svs_node = to->node;
		addr.svs_port = to->port;
		msg.msg_name = &addr;
		msg.msg_namelen = sizeof(addr);
	}
	if (order) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_VSYNC;
		c->cmsg_type = VSYNC_CMSG_ORDER;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &order, sizeof(order));
	}
	if (sendmsg(v->fd, &msg, MSG_NOSIGNAL) < 0)
		return -1;
	return 0;
}

int vsync_set_state(struct vsync *v, int want)
{
	if (want != 0 && want != 1) {
		errno = EINVAL;
		return -1;
	}
	return setsockopt(v->fd, SOL_VSYNC, VSYNC_STATE, &want, sizeof(want));
}

int vsync_send_state(struct vsync *v, const void *buf, size_t len, int last)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *c;
	int val = !!last;

	memset(&cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_VSYNC;
	c->cmsg_type = VSYNC_CMSG_STATE;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &val, sizeof(val));
	if (sendmsg(v->fd, &msg, MSG_NOSIGNAL) < 0)
		return -1;
	return 0;
}

ssize_t vsync_recv(struct vsync *v, struct vsync_event *ev, int flags)
{
	if (flags & ~VSYNC_DONTWAIT) {
		errno = EINVAL;
		return -1;
	}
	return recv_item(v, ev, (flags & VSYNC_DONTWAIT) ? MSG_DONTWAIT : 0);
}

const struct vsync_view *vsync_view(const struct vsync *v)
{
	if (!v->have_view) {
		errno = ENOTCONN;
		return NULL;
	}
	return v->view;
}

int vsync_view_event(const struct vsync *v, struct vsync_event *ev)
{
	if (!v->have_view) {
		errno = ENOTCONN;
		return -1;
	}
	fill_view_event(v, ev);
	return 0;
}

int vsync_self(const struct vsync *v, struct vsync_member_id *id)
{
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	if (getsockname(v->fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	if (len < sizeof(sa)) {
		errno = EPROTO;
		return -1;
	}
	id->node = sa.svs_node;
	id->port = sa.svs_port;
	return 0;
}

const char *vsync_group(const struct vsync *v)
{
	if (!v->have_group) {
		errno = ENOTCONN;
		return NULL;
	}
	return v->group;
}

int vsync_set_order(struct vsync *v, int order)
{
	return setsockopt(v->fd, SOL_VSYNC, VSYNC_ORDER, &order, sizeof(order));
}

int vsync_get_order(const struct vsync *v)
{
	socklen_t len = sizeof(int);
	int order = 0;

	if (getsockopt(v->fd, SOL_VSYNC, VSYNC_ORDER, &order, &len) < 0)
		return -1;
	return order;
}

int vsync_stats(const struct vsync *v, struct vsync_sock_stats *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	return getsockopt(v->fd, SOL_VSYNC, VSYNC_STATS, st, &len);
}

int vsync_rank(const struct vsync_view *view, const struct vsync_member_id *id)
{
	int rank;

	if (!view || !id) {
		errno = EINVAL;
		return -1;
	}
	rank = find_member(view, id);
	if (rank < 0)
		errno = ENOENT;
	return rank;
}

const char *vsync_order_name(int order)
{
	switch (order) {
	case 0:
		return "none";
	case VSYNC_ORDER_FIFO:
		return "fifo";
	case VSYNC_ORDER_CAUSAL:
		return "causal";
	case VSYNC_ORDER_TOTAL:
		return "total";
	case VSYNC_ORDER_SAFE:
		return "safe";
	default:
		return "unknown";
	}
}
