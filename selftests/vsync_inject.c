// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_inject: send malformed af_vsync packets at a node's UDP port, from
 * an ordinary UDP socket (run it in a netns of its own on the cluster's
 * bridge).  Each kind of packet breaks exactly one rule of the wire format
 * (kmod/msg.h), all other fields being those of a valid heartbeat, so
 * each kind maps to one drop counter of the receiver.
 *
 *   vsync_inject -t ADDR [-p PORT] [-k KIND[,KIND...]|all] [-n COUNT]
 *                [-c CLUSTER] [-d TARGET_ID] [-S SRC_ID] [-r SEED]
 *                [-i USECS] [-l]
 *
 *   -t ADDR    target address (IPv4 or IPv6)
 *   -p PORT    target UDP port (default 7410)
 *   -k KINDS   comma-separated kinds, or "all" (every kind but "valid";
 *              the default)
 *   -n COUNT   packets per kind (default 50)
 *   -c CLUSTER the target's cluster id (default 0)
 *   -d ID      the target's node id (for "self" and "dst"; default 1)
 *   -S ID      source node id of the otherwise-valid packets (default
 *              4000000001)
 *   -r SEED    random seed (default: the pid)
 *   -i USECS   pause between packets (default 300): a burst bigger than
 *              the veth backlog would be lost before it reaches the node
 *   -l         list the kinds and the counter each must raise, and exit
 *
 * Output: one line per kind sent, "KIND COUNTER SENT", where COUNTER is
 * the receiver's drop counter that must grow by at least SENT ("any_drop"
 * for garbage: the sum of the drop_* counters; "heartbeat_rx" for valid).
 * Exit status 0 if every packet was sent, 1 otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * The wire format, restated here from kmod/msg.h on purpose (an
 * independent reading of it).  "make -C selftests wire-check" (also built
 * into the VM as vsync_inject_wirecheck) runs every kind through the
 * kernel's own vsync_msg_validate() and fails if the two disagree, so a
 * change of the format shows up as that, not as odd counters.
 */
#define WIRE_VERSION	1
#define BASE_WORDS	6
#define HB_WORDS	13	/* w6 interval, w7-8 view, w9 coordinator, */
				/* w10 flags | count << 8, w11-12 max view */
#define TYPE_HEARTBEAT	1
#define TYPE_UNKNOWN	0xf0	/* types from here up are assumed unused */
#define MAX_PKT		1024

struct kind {
	const char *name;
	const char *counter;
	/* build packet number @i into @p; returns its length */
	size_t (*build)(unsigned char *p, unsigned int i);
	int in_all;
};

static uint32_t cluster, target_id = 1, src_id = 4000000001u;
static uint32_t rnd_state;

static uint32_t rnd(void)
{
	/* xorshift32: reproducible with -r */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void put32(unsigned char *p, unsigned int w, uint32_t v)
{
	v = htonl(v);
	memcpy(p + 4 * w, &v, 4);
}

static uint32_t word0(uint32_t version, uint32_t words, uint32_t type, uint32_t flags)
{
	return (version & 0xf) << 28 | (words & 0xf) << 24 | (type & 0xff) << 16 | (flags & 0xffff);
}

/*
 * A valid heartbeat, no payload: interval, the one-node primary view
 * (counter 1, made by the sender) it is in, and the same as the highest
 * view seen.
 */
static size_t valid_hb(unsigned char *p, uint32_t interval)
{
	put32(p, 0, word0(WIRE_VERSION, HB_WORDS, TYPE_HEARTBEAT, 0));
	put32(p, 1, cluster);
	put32(p, 2, src_id);
	put32(p, 3, 0);
	put32(p, 4, 0x5eed0001);
	put32(p, 5, 0);
	put32(p, 6, interval);
	put32(p, 7, 1);		/* view id: counter 1 ... */
	put32(p, 8, src_id);	/* ... made by the sender */
	put32(p, 9, src_id);	/* acting coordinator */
	put32(p, 10, 1 << 8 | 1);	/* one node, primary */
	put32(p, 11, 1);	/* highest view seen: the same */
	put32(p, 12, src_id);
	return HB_WORDS * 4;
}

static size_t b_garbage(unsigned char *p, unsigned int i)
{
	size_t len = 24 + rnd() % (MAX_PKT - 24), k;

	(void)i;
	for (k = 0; k < len; k++)
		p[k] = (unsigned char)rnd();
	return len;
}

static size_t b_short(unsigned char *p, unsigned int i)
{
	size_t len = i % 24;	/* 0..23 bytes: below the base header */

	valid_hb(p, 100);
	return len;
}

static size_t b_version(unsigned char *p, unsigned int i)
{
	static const uint32_t bad[] = { 0, 2, 3, 15 };

	valid_hb(p, 100);
	put32(p, 0, word0(bad[i % 4], HB_WORDS, TYPE_HEARTBEAT, 0));
	return HB_WORDS * 4;
}

static size_t b_header(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	switch (i % 4) {
	case 0:	/* below the base header */
		put32(p, 0, word0(WIRE_VERSION, i % BASE_WORDS, TYPE_HEARTBEAT, 0));
		break;
	case 1:	/* longer than the packet */
		put32(p, 0, word0(WIRE_VERSION, 15, TYPE_HEARTBEAT, 0));
		break;
	case 2:	/* one word more announced than sent, plen 0 */
		put32(p, 0, word0(WIRE_VERSION, HB_WORDS + 1, TYPE_HEARTBEAT, 0));
		break;
	default: /* base size, but a heartbeat needs more: the rest is payload */
		put32(p, 0, word0(WIRE_VERSION, BASE_WORDS, TYPE_HEARTBEAT, 0));
		put32(p, 5, (HB_WORDS - BASE_WORDS) * 4);
		break;
	}
	return len;
}

static size_t b_length(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100), extra = 16;

	memset(p + len, 0xab, extra);
	switch (i % 4) {
	case 0:
		put32(p, 5, extra + 1);
		break;
	case 1:
		put32(p, 5, extra - 1);
		break;
	case 2:
		put32(p, 5, 0xffffffffu);
		break;
	default:
		put32(p, 5, 0);
		break;
	}
	return len + extra;
}

static size_t b_type(unsigned char *p, unsigned int i)
{
	static const uint32_t bad[] = { 0, TYPE_UNKNOWN, 0xfe, 0xff, 0xf7 };

	valid_hb(p, 100);
	put32(p, 0, word0(WIRE_VERSION, HB_WORDS, bad[i % 5], 0));
	return HB_WORDS * 4;
}

static size_t b_cluster(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	put32(p, 1, cluster + 1 + (i % 3 == 2 ? 0x7fffffff : i % 3));
	return len;
}

static size_t b_srczero(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	(void)i;
	put32(p, 2, 0);
	return len;
}

static size_t b_dst(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	/* addressed to another node (never 0, never the target) */
	put32(p, 3, target_id + 1 + i % 7 ? target_id + 1 + i % 7 : 2);
	return len;
}

static size_t b_self(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	(void)i;
	put32(p, 2, target_id);
	return len;
}

/* a heartbeat field out of range, one per packet */
static size_t b_field(unsigned char *p, unsigned int i)
{
	static const uint32_t bad_interval[] = { 0, 9, 10001, 0xffffffffu };
	size_t len = valid_hb(p, 100);

	switch (i % 8) {
	case 4:	/* unknown view flag */
		put32(p, 10, 1 << 8 | 0x80);
		break;
	case 5:	/* a view of no node */
		put32(p, 10, 1);
		break;
	case 6:	/* view counter 0 */
		put32(p, 7, 0);
		break;
	case 7:	/* no coordinator */
		put32(p, 9, 0);
		break;
	default:
		put32(p, 6, bad_interval[i % 4]);
		break;
	}
	return len;
}

static size_t b_valid(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	if (i % 2)	/* addressed to the target: also valid */
		put32(p, 3, target_id);
	return len;
}

static const struct kind kinds[] = {
	{ "garbage", "any_drop", b_garbage, 1 },
	{ "short", "drop_short", b_short, 1 },
	{ "version", "drop_version", b_version, 1 },
	{ "header", "drop_header", b_header, 1 },
	{ "length", "drop_length", b_length, 1 },
	{ "type", "drop_type", b_type, 1 },
	{ "cluster", "drop_cluster", b_cluster, 1 },
	{ "srczero", "drop_node", b_srczero, 1 },
	{ "dst", "drop_node", b_dst, 1 },
	{ "self", "drop_self", b_self, 1 },
	{ "field", "drop_field", b_field, 1 },
	{ "valid", "heartbeat_rx", b_valid, 0 },
	{ NULL, NULL, NULL, 0 },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: vsync_inject -t ADDR [-p PORT] [-k KIND[,KIND...]|all] [-n COUNT]\n"
		"                    [-c CLUSTER] [-d TARGET_ID] [-S SRC_ID] [-r SEED]\n"
		"                    [-i USECS] [-l]\n");
	exit(2);
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end)
		usage();
	return v;
}

static void pause_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (us && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct kind *find_kind(const char *name)
{
	const struct kind *k;

	for (k = kinds; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

#ifdef VSYNC_WIRECHECK
/*
 * vsync_inject_wirecheck: every kind, built as the injector builds it, run
 * through the kernel's vsync_msg_validate() (kmod/msg.c, compiled for
 * userspace): each must get the verdict of its counter (garbage: any
 * refusal; valid: none).  Exit status 1 on any disagreement.
 */
#include "msg.h"

static const char *verdict_counter(enum vsync_msg_verdict v)
{
	switch (v) {
	case VSYNC_MSG_OK: return "heartbeat_rx";
	case VSYNC_MSG_SHORT: return "drop_short";
	case VSYNC_MSG_BAD_VERSION: return "drop_version";
	case VSYNC_MSG_BAD_HEADER: return "drop_header";
	case VSYNC_MSG_BAD_LENGTH: return "drop_length";
	case VSYNC_MSG_BAD_TYPE: return "drop_type";
	case VSYNC_MSG_OTHER_CLUSTER: return "drop_cluster";
	case VSYNC_MSG_BAD_NODE: return "drop_node";
	case VSYNC_MSG_FROM_SELF: return "drop_self";
	case VSYNC_MSG_BAD_FIELD: return "drop_field";
	}
	return "?";
}

static int wirecheck(void)
{
	unsigned char pkt[MAX_PKT + 64];
	int bad = 0;

	cluster = 7;
	target_id = 1;
	for (const struct kind *k = kinds; k->name; k++) {
		int wrong = 0;

		for (unsigned int i = 0; i < 400; i++) {
			size_t len;
			enum vsync_msg_verdict v;
			int ok;

			memset(pkt, 0, sizeof(pkt));
			len = k->build(pkt, i);
			v = vsync_msg_validate(pkt, (unsigned int)len, cluster, target_id);
			if (!strcmp(k->counter, "any_drop"))
				ok = v != VSYNC_MSG_OK;
			else
				ok = !strcmp(verdict_counter(v), k->counter);
			if (!ok && wrong++ < 3)
				printf("kind %s #%u (%zu bytes): validator says %s, injector expects %s\n",
				       k->name, i, len, verdict_counter(v), k->counter);
		}
		if (wrong)
			bad = 1;
		printf("%s %s %s\n", wrong ? "MISMATCH" : "ok", k->name, k->counter);
	}
	return bad;
}
#endif

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;
	const char *target = NULL, *kindlist = "all";
	unsigned long port = 7410, count = 50, gap = 300;
	unsigned char pkt[MAX_PKT + 64];
	const struct kind *sel[32];
	unsigned int nsel = 0, s;
	int c, fd, failed = 0;

#ifdef VSYNC_WIRECHECK
	(void)argc;
	(void)argv;
	rnd_state = 1;
	return wirecheck();
#endif
	rnd_state = (uint32_t)getpid() | 1;
	while ((c = getopt(argc, argv, "t:p:k:n:c:d:S:r:i:l")) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'p':
			port = num(optarg);
			if (!port || port > 65535)
				usage();
			break;
		case 'k':
			kindlist = optarg;
			break;
		case 'n':
			count = num(optarg);
			break;
		case 'c':
			cluster = (uint32_t)num(optarg);
			break;
		case 'd':
			target_id = (uint32_t)num(optarg);
			break;
		case 'S':
			src_id = (uint32_t)num(optarg);
			break;
		case 'r':
			rnd_state = (uint32_t)num(optarg) | 1;
			break;
		case 'i':
			gap = num(optarg);
			break;
		case 'l':
			for (const struct kind *k = kinds; k->name; k++)
				printf("%s %s%s\n", k->name, k->counter, k->in_all ? "" : " (not in all)");
			return 0;
		default:
			usage();
		}
	}
	if (!target || optind != argc)
		usage();
	if (src_id == 0 || src_id == target_id) {
		fprintf(stderr, "vsync_inject: -S must be nonzero and not the target's id\n");
		return 2;
	}

	if (!strcmp(kindlist, "all")) {
		for (const struct kind *k = kinds; k->name; k++)
			if (k->in_all)
				sel[nsel++] = k;
	} else {
		char *dup = strdup(kindlist), *save = NULL, *tok;

		for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct kind *k = find_kind(tok);

			if (!k) {
				fprintf(stderr, "vsync_inject: unknown kind '%s' (-l lists them)\n", tok);
				return 2;
			}
			if (nsel < 32)
				sel[nsel++] = k;
		}
		free(dup);
	}

	if (inet_pton(AF_INET, target, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, target, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*sin6);
	} else {
		fprintf(stderr, "vsync_inject: bad address '%s'\n", target);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("vsync_inject: socket");
		return 1;
	}

	for (s = 0; s < nsel; s++) {
		unsigned long i, sent = 0;

		for (i = 0; i < count; i++) {
			size_t len;

			memset(pkt, 0, sizeof(pkt));
			len = sel[s]->build(pkt, (unsigned int)i);
			if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, slen) == (ssize_t)len)
				sent++;
			else if (i - sent < 5)	/* the first few errors of a kind */
				fprintf(stderr, "vsync_inject: %s #%lu: %s\n", sel[s]->name, i,
					strerror(errno));
			pause_us(gap);
		}
		printf("%s %s %lu\n", sel[s]->name, sel[s]->counter, sent);
		fflush(stdout);
		if (sent != count)
			failed = 1;
	}
	close(fd);
	return failed;
}
