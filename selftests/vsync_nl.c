// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_nl: raw generic netlink client of the "vsync" family for the
 * cluster selftests.  It prints what the kernel says in a format the shell
 * can parse without JSON tools, and it can send requests vsyncctl would
 * refuse to build (node id 0, port 0, an address of the wrong length), so
 * the kernel's own checks are tested, not only the CLI's.
 *
 *   vsync_nl [-N] node                   id=.. cluster=.. addr=.. port=..
 *                                        incarnation=.. up=.. family=..
 *   vsync_nl [-N] peers                  one line per peer:
 *                                        addr=A port=P id=N state=S
 *                                        last=MS inc=I static=0|1
 *   vsync_nl [-N] stats                  "name value" per counter
 *   vsync_nl [-N] stat NAME              the value of one counter
 *   vsync_nl [-N] set ATTR VALUE...      VSYNC_CMD_NODE_SET
 *   vsync_nl [-N] peer-add ATTR VALUE... VSYNC_CMD_PEER_ADD
 *   vsync_nl [-N] peer-del ATTR VALUE... VSYNC_CMD_PEER_DEL
 *
 * ATTR VALUE: id N | cluster N | port N (u16; "port32 N" sends a u32) |
 * addr A (IPv4 or IPv6, sent as 4 or 16 bytes) | addrhex HEX (raw bytes
 * of any length) | empty (an empty nest: no attribute at all).
 *
 * -N drops CAP_NET_ADMIN (bounding set, effective, permitted, inheritable,
 * ambient) before opening the netlink socket.
 *
 * Exit status: 0 on success; 1 if the kernel refused (the line
 * "error: ENAME (N) [extack message]" on stderr); 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/vsync.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static int nl_fd = -1;
static uint32_t nl_seq;
static uint16_t vsync_id;
static char extack[256];
static char rxbuf[65536];

static void usage(void)
{
	fprintf(stderr,
		"usage: vsync_nl [-N] node|peers|stats|stat NAME|"
		"set|peer-add|peer-del ATTR VALUE...\n");
	exit(2);
}

/* ---- capabilities --------------------------------------------------------- */

static int drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int idx = CAP_NET_ADMIN / 32;
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) < 0)
		return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	data[idx].effective &= ~bit;
	data[idx].permitted &= ~bit;
	data[idx].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	return 0;
}

/* ---- netlink -------------------------------------------------------------- */

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr gh;
	char attrs[1024];
};

static size_t put_attr(char *buf, size_t off, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(buf + off);

	if (off + NLA_ALIGN(NLA_HDRLEN + len) > 1024) {
		fprintf(stderr, "vsync_nl: request too big\n");
		exit(2);
	}
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy(buf + off + NLA_HDRLEN, data, len);
	memset(buf + off + NLA_HDRLEN + len, 0, NLA_ALIGN(NLA_HDRLEN + len) - NLA_HDRLEN - len);
	return off + NLA_ALIGN(NLA_HDRLEN + len);
}

#define ATTR_DATA(a) ((const char *)(a) + NLA_HDRLEN)
#define ATTR_LEN(a) ((size_t)(a)->nla_len - NLA_HDRLEN)

/* tb[type] = the last attribute of that type in [data, data+len) */
static void parse(const struct nlattr **tb, unsigned int max, const char *data, size_t len)
{
	size_t off = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const struct nlattr *)(data + off);
		unsigned int type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			break;
		if (type <= max)
			tb[type] = a;
		off += NLA_ALIGN(a->nla_len);
	}
}

static uint64_t attr_uint(const struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;

	if (!a)
		return 0;
	switch (ATTR_LEN(a)) {
	case 1:
		memcpy(&v8, ATTR_DATA(a), 1);
		return v8;
	case 2:
		memcpy(&v16, ATTR_DATA(a), 2);
		return v16;
	case 4:
		memcpy(&v32, ATTR_DATA(a), 4);
		return v32;
	case 8:
		memcpy(&v64, ATTR_DATA(a), 8);
		return v64;
	}
	return 0;
}

static const char *attr_addr(const struct nlattr *a, char *buf, size_t size)
{
	if (!a)
		return "none";
	if (ATTR_LEN(a) == 4)
		return inet_ntop(AF_INET, ATTR_DATA(a), buf, size);
	if (ATTR_LEN(a) == 16)
		return inet_ntop(AF_INET6, ATTR_DATA(a), buf, size);
	snprintf(buf, size, "len%zu", ATTR_LEN(a));
	return buf;
}

typedef void (*msg_cb)(const char *attrs, size_t len);

/*
 * Send one request, run cb on each reply message; returns 0, or -errno
 * from the kernel's NLMSG_ERROR / NLMSG_DONE.
 */
static int call(uint16_t family, uint8_t cmd, int dump, const char *attrs, size_t alen, msg_cb cb)
{
	struct req r;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint32_t seq = ++nl_seq;

	memset(&r, 0, sizeof(r));
	r.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + alen;
	r.nlh.nlmsg_type = family;
	r.nlh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	r.nlh.nlmsg_seq = seq;
	r.gh.cmd = cmd;
	r.gh.version = family == GENL_ID_CTRL ? 1 : VSYNC_GENL_VERSION;
	memcpy(r.attrs, attrs, alen);
	if (sendto(nl_fd, &r, r.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl_fd, rxbuf, sizeof(rxbuf), 0);
		struct nlmsghdr *nlh;
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)rxbuf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (e->error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
					size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e) +
						(nlh->nlmsg_flags & NLM_F_CAPPED ? 0 :
						 e->msg.nlmsg_len - NLMSG_HDRLEN));
					const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

					if (off < nlh->nlmsg_len) {
						parse(tb, NLMSGERR_ATTR_MAX, (char *)nlh + off,
						      nlh->nlmsg_len - off);
						if (tb[NLMSGERR_ATTR_MSG])
							snprintf(extack, sizeof(extack), "%.*s",
								 (int)ATTR_LEN(tb[NLMSGERR_ATTR_MSG]),
								 ATTR_DATA(tb[NLMSGERR_ATTR_MSG]));
					}
				}
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				return err < 0 ? err : 0;
			}
			if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb && nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN))
				cb((char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
				   nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
		}
	}
}

static void resolve_cb(const char *attrs, size_t len)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];

	parse(tb, CTRL_ATTR_MAX, attrs, len);
	if (tb[CTRL_ATTR_FAMILY_ID])
		vsync_id = (uint16_t)attr_uint(tb[CTRL_ATTR_FAMILY_ID]);
}

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ERANGE: return "ERANGE";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EADDRINUSE: return "EADDRINUSE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSPC: return "ENOSPC";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case ENODEV: return "ENODEV";
	case EALREADY: return "EALREADY";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case E2BIG: return "E2BIG";
	case EMSGSIZE: return "EMSGSIZE";
	}
	return "E?";
}

/* ---- output --------------------------------------------------------------- */

static void node_cb(const char *attrs, size_t len)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1], *nb[VSYNC_A_NODE_MAX + 1];
	char buf[INET6_ADDRSTRLEN + 8];

	parse(tb, VSYNC_A_MAX, attrs, len);
	if (!tb[VSYNC_A_NODE])
		return;
	parse(nb, VSYNC_A_NODE_MAX, ATTR_DATA(tb[VSYNC_A_NODE]), ATTR_LEN(tb[VSYNC_A_NODE]));
	printf("id=%llu cluster=%llu addr=%s port=%llu incarnation=%llu up=%llu family=%llu\n",
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_ID]),
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_CLUSTER]),
	       attr_addr(nb[VSYNC_A_NODE_ADDR], buf, sizeof(buf)),
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_PORT]),
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_INCARNATION]),
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_UP]),
	       (unsigned long long)attr_uint(nb[VSYNC_A_NODE_FAMILY]));
}

static void peer_cb(const char *attrs, size_t len)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1], *pb[VSYNC_A_PEER_MAX + 1];
	char buf[INET6_ADDRSTRLEN + 8];
	const char *state;

	parse(tb, VSYNC_A_MAX, attrs, len);
	if (!tb[VSYNC_A_PEER])
		return;
	parse(pb, VSYNC_A_PEER_MAX, ATTR_DATA(tb[VSYNC_A_PEER]), ATTR_LEN(tb[VSYNC_A_PEER]));
	switch (attr_uint(pb[VSYNC_A_PEER_STATE])) {
	case VSYNC_PEER_UNKNOWN: state = "unknown"; break;
	case VSYNC_PEER_UP: state = "up"; break;
	case VSYNC_PEER_DOWN: state = "down"; break;
	default: state = "invalid"; break;
	}
	printf("addr=%s port=%llu id=%llu state=%s last=%llu inc=%llu static=%d\n",
	       attr_addr(pb[VSYNC_A_PEER_ADDR], buf, sizeof(buf)),
	       (unsigned long long)attr_uint(pb[VSYNC_A_PEER_PORT]),
	       (unsigned long long)attr_uint(pb[VSYNC_A_PEER_ID]),
	       state,
	       (unsigned long long)attr_uint(pb[VSYNC_A_PEER_LAST_HEARD]),
	       (unsigned long long)attr_uint(pb[VSYNC_A_PEER_INCARNATION]),
	       pb[VSYNC_A_PEER_STATIC] ? 1 : 0);
}

static const char *want_stat;
static int stat_found;

static void stats_cb(const char *attrs, size_t len)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1];
	const char *data;
	size_t off = 0, slen;

	parse(tb, VSYNC_A_MAX, attrs, len);
	if (!tb[VSYNC_A_STATS])
		return;
	data = ATTR_DATA(tb[VSYNC_A_STATS]);
	slen = ATTR_LEN(tb[VSYNC_A_STATS]);
	while (off + NLA_HDRLEN <= slen) {
		const struct nlattr *a = (const struct nlattr *)(data + off);
		const struct nlattr *sb[VSYNC_A_STAT_MAX + 1];
		char name[64];

		if (a->nla_len < NLA_HDRLEN || a->nla_len > slen - off)
			break;
		off += NLA_ALIGN(a->nla_len);
		if ((a->nla_type & NLA_TYPE_MASK) != VSYNC_A_STAT)
			continue;
		parse(sb, VSYNC_A_STAT_MAX, ATTR_DATA(a), ATTR_LEN(a));
		if (!sb[VSYNC_A_STAT_NAME])
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strnlen(ATTR_DATA(sb[VSYNC_A_STAT_NAME]),
			 ATTR_LEN(sb[VSYNC_A_STAT_NAME])), ATTR_DATA(sb[VSYNC_A_STAT_NAME]));
		if (want_stat) {
			if (!strcmp(name, want_stat)) {
				printf("%llu\n", (unsigned long long)attr_uint(sb[VSYNC_A_STAT_VALUE]));
				stat_found = 1;
			}
		} else {
			printf("%s %llu\n", name,
			       (unsigned long long)attr_uint(sb[VSYNC_A_STAT_VALUE]));
		}
	}
}

/* ---- requests ------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned long long number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		usage();
	return v;
}

/* Build the VSYNC_A_NODE or VSYNC_A_PEER nest from ATTR VALUE pairs. */
static size_t build(char *out, int node, int argc, char **argv)
{
	char inner[900];
	size_t ioff = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint16_t a_id = node ? VSYNC_A_NODE_ID : VSYNC_A_PEER_ID;
		uint16_t a_addr = node ? VSYNC_A_NODE_ADDR : VSYNC_A_PEER_ADDR;
		uint16_t a_port = node ? VSYNC_A_NODE_PORT : VSYNC_A_PEER_PORT;

		if (!strcmp(k, "empty"))
			continue;
		if (!v)
			usage();
		i++;
		if (!strcmp(k, "id")) {
			uint32_t x = (uint32_t)number(v);

			ioff = put_attr(inner, ioff, a_id, &x, 4);
		} else if (!strcmp(k, "cluster") && node) {
			uint32_t x = (uint32_t)number(v);

			ioff = put_attr(inner, ioff, VSYNC_A_NODE_CLUSTER, &x, 4);
		} else if (!strcmp(k, "port")) {
			uint16_t x = (uint16_t)number(v);

			ioff = put_attr(inner, ioff, a_port, &x, 2);
		} else if (!strcmp(k, "port32")) {
			uint32_t x = (uint32_t)number(v);

			ioff = put_attr(inner, ioff, a_port, &x, 4);
		} else if (!strcmp(k, "addr")) {
			unsigned char b[16];

			if (inet_pton(AF_INET, v, b) == 1)
				ioff = put_attr(inner, ioff, a_addr, b, 4);
			else if (inet_pton(AF_INET6, v, b) == 1)
				ioff = put_attr(inner, ioff, a_addr, b, 16);
			else
				usage();
		} else if (!strcmp(k, "addrhex")) {
			unsigned char b[64];
			size_t n = 0, l = strlen(v);

			if (l % 2 || l / 2 > sizeof(b))
				usage();
			for (n = 0; n < l / 2; n++) {
				int hi = hexval(v[2 * n]), lo = hexval(v[2 * n + 1]);

				if (hi < 0 || lo < 0)
					usage();
				b[n] = (unsigned char)(hi << 4 | lo);
			}
			ioff = put_attr(inner, ioff, a_addr, b, n);
		} else {
			usage();
		}
	}
	return put_attr(out, 0, NLA_F_NESTED | (node ? VSYNC_A_NODE : VSYNC_A_PEER), inner, ioff);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char attrs[1024];
	size_t alen;
	int one = 1, err, nocap = 0;
	const char *cmd;

	if (argc > 1 && !strcmp(argv[1], "-N")) {
		nocap = 1;
		argv++;
		argc--;
	}
	if (argc < 2)
		usage();
	cmd = argv[1];
	if (nocap && drop_net_admin() < 0) {
		perror("vsync_nl: dropping CAP_NET_ADMIN");
		return 2;
	}
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("vsync_nl: netlink socket");
		return 2;
	}
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_seq = (uint32_t)getpid() << 8;

	alen = put_attr(attrs, 0, CTRL_ATTR_FAMILY_NAME, VSYNC_GENL_NAME, strlen(VSYNC_GENL_NAME) + 1);
	err = call(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, attrs, alen, resolve_cb);
	if (err || !vsync_id) {
		fprintf(stderr, "vsync_nl: no generic netlink family \"%s\": %s\n",
			VSYNC_GENL_NAME, strerror(err ? -err : ENOENT));
		return 2;
	}

	if (!strcmp(cmd, "node")) {
		err = call(vsync_id, VSYNC_CMD_NODE_GET, 0, NULL, 0, node_cb);
	} else if (!strcmp(cmd, "peers")) {
		err = call(vsync_id, VSYNC_CMD_PEER_GET, 1, NULL, 0, peer_cb);
	} else if (!strcmp(cmd, "stats")) {
		err = call(vsync_id, VSYNC_CMD_STATS_GET, 0, NULL, 0, stats_cb);
	} else if (!strcmp(cmd, "stat")) {
		if (argc != 3)
			usage();
		want_stat = argv[2];
		err = call(vsync_id, VSYNC_CMD_STATS_GET, 0, NULL, 0, stats_cb);
		if (!err && !stat_found) {
			fprintf(stderr, "vsync_nl: no counter %s\n", want_stat);
			return 1;
		}
	} else if (!strcmp(cmd, "set")) {
		alen = build(attrs, 1, argc - 2, argv + 2);
		err = call(vsync_id, VSYNC_CMD_NODE_SET, 0, attrs, alen, NULL);
	} else if (!strcmp(cmd, "peer-add")) {
		alen = build(attrs, 0, argc - 2, argv + 2);
		err = call(vsync_id, VSYNC_CMD_PEER_ADD, 0, attrs, alen, NULL);
	} else if (!strcmp(cmd, "peer-del")) {
		alen = build(attrs, 0, argc - 2, argv + 2);
		err = call(vsync_id, VSYNC_CMD_PEER_DEL, 0, attrs, alen, NULL);
	} else {
		usage();
	}
	if (err) {
		fprintf(stderr, "error: %s (%d)%s%s\n", errname(-err), -err,
			extack[0] ? " " : "", extack);
		return 1;
	}
	return 0;
}
