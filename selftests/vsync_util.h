/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the af_vsync selftests: family discovery, raw
 * socket wrappers around sendmsg/recvmsg with the SOL_VSYNC cmsgs, the
 * payload checksum and the lines of the event logs read by vsync_check
 * (their format is described at the top of vsync_check.c).
 *
 * Header-only; every function is static so each test links what it uses.
 */
#ifndef VSYNC_SELFTEST_UTIL_H
#define VSYNC_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/vsync.h>

#ifndef SOCK_RDM
#define SOCK_RDM 4
#endif

/*
 * The family number of the loaded module, from sysfs.  Returns -1 (errno
 * set) when the module is not loaded: tests treat that as "skip" and the
 * module test reports it as a failure.
 */
static inline int vsync_family(void)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	fd = open(VSYNC_FAMILY_SYSFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = EIO;
		return -1;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0 || v > 255) {
		errno = EINVAL;
		return -1;
	}
	return (int)v;
}

static inline int vsync_socket_flags(int family, int flags)
{
	return socket(family, SOCK_RDM | flags, 0);
}

static inline int vsync_join(int fd, const char *name)
{
	return setsockopt(fd, SOL_VSYNC, VSYNC_JOIN, name, strlen(name));
}

static inline int vsync_leave(int fd)
{
	return setsockopt(fd, SOL_VSYNC, VSYNC_LEAVE, NULL, 0);
}

/* 32-bit FNV-1a: the payload checksum written to the event logs. */
static inline uint32_t vsync_cksum(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * sendmsg() of one buffer; order > 0 adds a VSYNC_CMSG_ORDER cmsg, order 0
 * sends without cmsg (the socket's VSYNC_ORDER applies).
 */
static inline ssize_t vsync_send_order(int fd, const void *buf, size_t len,
				       int order, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (order > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_VSYNC;
		c->cmsg_type = VSYNC_CMSG_ORDER;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &order, sizeof(int));
	}
	return sendmsg(fd, &msg, flags);
}

/* What one recvmsg() returned. */
struct vsync_item {
	ssize_t ret;		/* recvmsg() return value */
	int msg_flags;		/* msg.msg_flags */
	int have_info;		/* a VSYNC_CMSG_INFO cmsg was present */
	int bad_cmsg;		/* some other / malformed cmsg was present */
	struct vsync_msginfo info;
	struct sockaddr_vsync from;
	socklen_t fromlen;
};

/*
 * recvmsg() of one item into buf with the VSYNC_CMSG_INFO cmsg parsed.
 * Returns recvmsg()'s value (errno preserved on -1).
 */
static inline ssize_t vsync_recv_item(int fd, void *buf, size_t len, int flags,
				      struct vsync_item *it)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct vsync_msginfo)) + 64];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int saved;

	memset(it, 0, sizeof(*it));
	memset(&u, 0, sizeof(u));
	msg.msg_name = &it->from;
	msg.msg_namelen = sizeof(it->from);
	it->ret = recvmsg(fd, &msg, flags);
	saved = errno;
	if (it->ret < 0) {
		errno = saved;
		return it->ret;
	}
	it->msg_flags = msg.msg_flags;
	it->fromlen = msg.msg_namelen;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_VSYNC && c->cmsg_type == VSYNC_CMSG_INFO &&
		    c->cmsg_len == CMSG_LEN(sizeof(struct vsync_msginfo))) {
			memcpy(&it->info, CMSG_DATA(c), sizeof(it->info));
			it->have_info = 1;
		} else {
			it->bad_cmsg = 1;
		}
	}
	errno = saved;
	return it->ret;
}

/*
 * What is wrong with a view item that recvmsg() returned into buf (r
 * bytes), or NULL.  me: the reader's member id, which my_rank must point
 * at.
 */
static inline const char *vsync_view_bad(const struct vsync_item *it,
					 const void *buf,
					 struct vsync_member_id me)
{
	const struct vsync_view *v = buf;

	if (!(it->msg_flags & MSG_OOB))
		return "view without MSG_OOB";
	if (it->ret < (ssize_t)sizeof(*v) ||
	    (size_t)it->ret != sizeof(*v) + v->n_members * sizeof(v->members[0]))
		return "view size does not match its member count";
	if (v->my_rank >= v->n_members ||
	    v->members[v->my_rank].node != me.node ||
	    v->members[v->my_rank].port != me.port)
		return "my_rank does not point at the reader";
	if (it->info.view_id != v->view_id)
		return "view id of the cmsg and of the view differ";
	return NULL;
}

/*
 * Event log lines.  Each is one fprintf() ending in a newline, so that a
 * log opened with vsync_log_open() gets it in one write().
 */

/*
 * A log file, line-buffered with room for the longest line: every line is
 * one write(), so a member killed at any point leaves whole lines.
 */
static inline FILE *vsync_log_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f && setvbuf(f, NULL, _IOLBF, 1 << 16)) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

/* M: the membership of fd starts; *me gets its member id. */
static inline int vsync_log_member(FILE *f, int fd, const char *group,
				   struct vsync_member_id *me)
{
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	me->node = sa.svs_node;
	me->port = sa.svs_port;
	fprintf(f, "M %s %u:%u\n", group, sa.svs_node, sa.svs_port);
	return 0;
}

/* V: a view item (checked with vsync_view_bad() first) */
static inline void vsync_log_view(FILE *f, const struct vsync_item *it,
				  const void *buf)
{
	const struct vsync_view *v = buf;
	/* 1024 members of up to 22 characters, and the rest */
	char line[VSYNC_MEMBERS_MAX * 22 + 128];
	size_t n;
	uint32_t i;

	n = snprintf(line, sizeof(line), "V %llu %llu ",
		     (unsigned long long)it->info.view_id,
		     (unsigned long long)it->info.global_seq);
	for (i = 0; i < v->n_members && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%u:%u", i ? "," : "",
			      v->members[i].node, v->members[i].port);
	fprintf(f, "%s%s\n", line,
		(v->flags & VSYNC_VIEW_PRIMARY) ? "" : " np");
}

/* D: a data item of r bytes */
static inline void vsync_log_data(FILE *f, const struct vsync_item *it,
				  const void *buf)
{
	fprintf(f, "D %llu %u:%u %llu %llu %u %zd %08x\n",
		(unsigned long long)it->info.view_id, it->info.sender.node,
		it->info.sender.port, (unsigned long long)it->info.sender_seq,
		(unsigned long long)it->info.global_seq, it->info.order,
		it->ret, vsync_cksum(buf, it->ret));
}

/* S: the seq-th send of this membership returned, class order */
static inline void vsync_log_send(FILE *f, uint64_t seq, int order,
				  const void *buf, size_t len)
{
	fprintf(f, "S %llu %d %zu %08x\n", (unsigned long long)seq, order,
		len, vsync_cksum(buf, len));
}

/*
 * S and D with the causal vector field cv, already formatted ("c=-" or
 * "c=NODE:PORT/SEQ,...", see vsync_check.c).
 */
static inline void vsync_log_send_cv(FILE *f, uint64_t seq, int order,
				     const void *buf, size_t len, const char *cv)
{
	fprintf(f, "S %llu %d %zu %08x %s\n", (unsigned long long)seq, order,
		len, vsync_cksum(buf, len), cv);
}

static inline void vsync_log_data_cv(FILE *f, const struct vsync_item *it,
				     const void *buf, const char *cv)
{
	fprintf(f, "D %llu %u:%u %llu %llu %u %zd %08x %s\n",
		(unsigned long long)it->info.view_id, it->info.sender.node,
		it->info.sender.port, (unsigned long long)it->info.sender_seq,
		(unsigned long long)it->info.global_seq, it->info.order,
		it->ret, vsync_cksum(buf, it->ret), cv);
}

/* T: as donor for view view_id, wrote this state (as it was at that view) */
static inline void vsync_log_state_sent(FILE *f, uint64_t view_id,
					const void *state, size_t len)
{
	fprintf(f, "T %llu %zu %08x\n", (unsigned long long)view_id, len,
		vsync_cksum(state, len));
}

/* R: as joiner in view view_id, read this whole state from donor */
static inline void vsync_log_state_read(FILE *f, uint64_t view_id,
					struct vsync_member_id donor,
					const void *state, size_t len)
{
	fprintf(f, "R %llu %u:%u %zu %08x\n", (unsigned long long)view_id,
		donor.node, donor.port, len, vsync_cksum(state, len));
}

/* Z: threw away the partial state read for view view_id */
static inline void vsync_log_state_discarded(FILE *f, uint64_t view_id)
{
	fprintf(f, "Z %llu\n", (unsigned long long)view_id);
}

/* A decimal option value: all digits, no sign, in range; 0 or -1. */
static inline int vsync_parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return (errno || !*s || *end || *s == '-') ? -1 : 0;
}

#endif /* VSYNC_SELFTEST_UTIL_H */
