// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Generic netlink client: request building, reply loop, error decoding.
 *
 * One request is in flight at a time; replies are matched by sequence
 * number and port id.  The receive buffer grows to the size of the next
 * datagram (learned with MSG_PEEK | MSG_TRUNC), so dumps whose messages
 * are bigger than a page are read whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "genl.h"

#define REQ_SIZE 1024

int genl_open(struct genl *g)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return -1;
	/* Best effort: error strings from the kernel, no echo of requests. */
	setsockopt(g->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(g->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(g->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(g->fd, (struct sockaddr *)&sa, &len) < 0) {
		int err = errno;

		close(g->fd);
		g->fd = -1;
		errno = err;
		return -1;
	}
	g->portid = sa.nl_pid;
	g->seq = (uint32_t)getpid() << 8;
	g->bufsize = 32768;
	g->buf = malloc(g->bufsize);
	if (!g->buf) {
		close(g->fd);
		g->fd = -1;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void genl_close(struct genl *g)
{
	if (g->fd >= 0)
		close(g->fd);
	free(g->buf);
	g->fd = -1;
	g->buf = NULL;
}

int nla_append(void *buf, size_t size, size_t *off, uint16_t type,
	       const void *data, size_t len)
{
	struct nlattr *a;
	size_t total = NLA_HDRLEN + len;

	if (total > 0xffff || *off + NLA_ALIGN(total) > size) {
		errno = ENOSPC;
		return -1;
	}
	a = (struct nlattr *)((char *)buf + *off);
	a->nla_len = (uint16_t)total;
	a->nla_type = type;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + total, 0, NLA_ALIGN(total) - total);
	*off += NLA_ALIGN(total);
	return 0;
}

int nla_nest_start(void *buf, size_t size, size_t *off, uint16_t type, size_t *start)
{
	*start = *off;
	return nla_append(buf, size, off, type | NLA_F_NESTED, NULL, 0);
}

void nla_nest_end(void *buf, size_t start, size_t off)
{
	struct nlattr *a = (struct nlattr *)((char *)buf + start);

	a->nla_len = (uint16_t)(off - start);
}

const struct nlattr *nla_next(const void *data, size_t len, size_t *off, int *bad)
{
	const struct nlattr *a;
	size_t left;

	if (*off >= len)
		return NULL;
	left = len - *off;
	a = (const struct nlattr *)((const char *)data + *off);
	if (left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > left) {
		*bad = 1;
		return NULL;
	}
	*off += NLA_ALIGN(a->nla_len);
	return a;
}

int nla_parse(const struct nlattr **tb, unsigned int max, const void *data, size_t len)
{
	const struct nlattr *a;
	size_t off = 0;
	int bad = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while ((a = nla_next(data, len, &off, &bad))) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;

		if (type <= max)
			tb[type] = a;
	}
	if (bad) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

const void *genl_attrs(const struct nlmsghdr *nlh, size_t *len)
{
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	if (nlh->nlmsg_len < hdr) {
		*len = 0;
		return NULL;
	}
	*len = nlh->nlmsg_len - hdr;
	return (const char *)nlh + hdr;
}

uint8_t nla_u8(const struct nlattr *a)
{
	uint8_t v = 0;

	if (a && nla_len(a) >= sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

uint16_t nla_u16(const struct nlattr *a)
{
	uint16_t v = 0;

	if (a && nla_len(a) >= sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

uint32_t nla_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (a && nla_len(a) >= sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

uint64_t nla_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a && nla_len(a) >= sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

const char *nla_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t n = 0;

	if (a) {
		const char *s = nla_data(a);

		n = strnlen(s, nla_len(a));
		if (n >= size)
			n = size - 1;
		memcpy(buf, s, n);
	}
	buf[n] = '\0';
	return buf;
}

/* Extended-ack TLVs at @tlv: keep the message string, if any. */
static void parse_extack(struct genl *g, const void *tlv, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (nla_parse(tb, NLMSGERR_ATTR_MAX, tlv, len) == 0 && tb[NLMSGERR_ATTR_MSG])
		nla_str(tb[NLMSGERR_ATTR_MSG], g->errmsg, sizeof(g->errmsg));
}

/* NLMSG_ERROR: 0 for an ack, else -1 with errno from the kernel. */
static int handle_error(struct genl *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		errno = EPROTO;
		return -1;
	}
	if (e->error == 0)
		return 0;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
		if (off < nlh->nlmsg_len)
			parse_extack(g, (const char *)nlh + off, nlh->nlmsg_len - off);
	}
	errno = -e->error;
	return -1;
}

/* NLMSG_DONE of a dump: it carries the dump's final error code. */
static int handle_done(struct genl *g, const struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int));
	int err = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err >= 0)
		return 0;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nlh->nlmsg_len)
		parse_extack(g, (const char *)nlh + off, nlh->nlmsg_len - off);
	errno = -err;
	return -1;
}

/* Read the next datagram whole into g->buf; returns its length. */
static ssize_t recv_datagram(struct genl *g)
{
	ssize_t n;

	for (;;) {
		n = recv(g->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if ((size_t)n > g->bufsize) {
			void *p = realloc(g->buf, (size_t)n);

			if (!p) {
				errno = ENOMEM;
				return -1;
			}
			g->buf = p;
			g->bufsize = (size_t)n;
		}
		n = recv(g->fd, g->buf, g->bufsize, 0);
		if (n < 0 && errno == EINTR)
			continue;
		return n;
	}
}

int genl_call(struct genl *g, uint16_t family, uint8_t cmd, uint8_t version,
	      int dump, const void *attrs, size_t attrs_len, genl_cb cb, void *arg)
{
	union {
		struct nlmsghdr align;
		char buf[REQ_SIZE];
	} req;
	struct nlmsghdr *nlh = &req.align;
	struct genlmsghdr *gh;
	size_t len = NLMSG_LENGTH(GENL_HDRLEN) + attrs_len;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint32_t seq;

	if (len > sizeof(req)) {
		errno = EMSGSIZE;
		return -1;
	}
	g->errmsg[0] = '\0';
	seq = ++g->seq;
	memset(&req, 0, NLMSG_LENGTH(GENL_HDRLEN));
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = g->portid;
	gh = NLMSG_DATA(nlh);
	gh->cmd = cmd;
	gh->version = version;
	if (attrs_len)
		memcpy((char *)gh + GENL_HDRLEN, attrs, attrs_len);

	if (sendto(g->fd, &req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -1;

	for (;;) {
		ssize_t n = recv_datagram(g);
		size_t left;

		if (n < 0)
			return -1;
		left = (size_t)n;
		for (nlh = g->buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != g->portid)
				continue;	/* stale reply of an earlier request */
			switch (nlh->nlmsg_type) {
			case NLMSG_ERROR:
				/* An ack (error 0) ends a doit exchange. */
				return handle_error(g, nlh);
			case NLMSG_DONE:
				return handle_done(g, nlh);
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			}
			if (cb && cb(nlh, arg) < 0)
				return -1;
		}
		if (left) {
			errno = EPROTO;	/* truncated message in the datagram */
			return -1;
		}
	}
}

struct resolve_ctx {
	uint16_t id;
	int found;
};

static int resolve_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct resolve_ctx *ctx = arg;
	const void *attrs;
	size_t len;

	attrs = genl_attrs(nlh, &len);
	if (!attrs || nla_parse(tb, CTRL_ATTR_MAX, attrs, len) < 0)
		return 0;
	if (tb[CTRL_ATTR_FAMILY_ID]) {
		ctx->id = nla_u16(tb[CTRL_ATTR_FAMILY_ID]);
		ctx->found = 1;
	}
	return 0;
}

int genl_resolve(struct genl *g, const char *name, uint16_t *id)
{
	char attrs[128];
	size_t off = 0;
	struct resolve_ctx ctx = { 0 };

	if (nla_append(attrs, sizeof(attrs), &off, CTRL_ATTR_FAMILY_NAME, name,
		       strlen(name) + 1) < 0)
		return -1;
	if (genl_call(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, attrs, off,
		      resolve_cb, &ctx) < 0)
		return -1;
	if (!ctx.found) {
		errno = ENOENT;
		return -1;
	}
	*id = ctx.id;
	return 0;
}
