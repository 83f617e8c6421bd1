// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_bench: throughput and one-way latency of an af_vsync group, for
 * performance work (not a test: it asserts nothing about numbers).
 *
 *   vsync_bench -r send|recv -g GROUP [-c CLASS] [-s SIZE] [-n COUNT]
 *               [-w MEMBERS] [-d SECS]
 *
 *   -r send      join, wait for a view of at least MEMBERS members, send
 *                COUNT messages of SIZE bytes in CLASS as fast as
 *                back-pressure allows (MSG_DONTWAIT, poll for POLLOUT),
 *                reading everything that arrives; stop once its own COUNT
 *                messages came back (a member gets its own messages)
 *   -r recv      join and read; stop after COUNT messages of other members
 *   -g GROUP     the group to join
 *   -c CLASS     fifo, causal, total (default) or safe: the
 *                VSYNC_CMSG_ORDER of each message
 *   -s SIZE      payload bytes, at least 16 (default 64)
 *   -n COUNT     messages to send, or to receive (default 1000)
 *   -w MEMBERS   the sender's view to wait for (default 1)
 *   -d SECS      stop after SECS seconds whatever was read (default 60)
 *
 * Each payload starts with the CLOCK_MONOTONIC time of its send; all nodes
 * of the test VM are namespaces of one kernel and share that clock, so
 * receive time minus that is the one-way latency.  Measured: from the
 * first send timestamp seen to the last message counted.  The sender
 * measures the latency of its own messages coming back to it.
 *
 * Output, one line on stdout:
 *   ROLE CLASS SIZE msgs N elapsed S msgs/s R MB/s B p50 A p90 B p99 C us
 * Exit status: 0 all COUNT messages, 1 usage or setup, 2 a socket error,
 * 3 the deadline passed first (the line is printed all the same).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vsync_util.h"

#define EXIT_SETUP	1
#define EXIT_BROKEN	2
#define EXIT_DEADLINE	3

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define BENCH_MAGIC	0x56534243u	/* "VSBC" */

struct bench_hdr {
	uint32_t magic;
	uint32_t pad;
	uint64_t sent_ns;	/* CLOCK_MONOTONIC at the send */
};

static struct {
	const char *group;
	int sender;
	int order;
	unsigned long size, count, members, deadline;
} opt = { .order = VSYNC_ORDER_TOTAL, .size = 64, .count = 1000,
	  .members = 1, .deadline = 60 };

static struct {
	int fd;
	struct vsync_member_id me;
	uint32_t view_members;
	int started;			/* the view had MEMBERS members */
	uint64_t sent, got;		/* got: messages counted */
	uint64_t first_ns, last_ns;	/* first send stamp, last counted */
	uint64_t *lat_ns;		/* one a counted message */
	int class_seen;
} st = { .fd = -1 };

static const char *const class_names[] = {
	[VSYNC_ORDER_FIFO] = "fifo",
	[VSYNC_ORDER_CAUSAL] = "causal",
	[VSYNC_ORDER_TOTAL] = "total",
	[VSYNC_ORDER_SAFE] = "safe",
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(int code, const char *what)
{
	fprintf(stderr, "vsync_bench %s: %s: %s\n", opt.group, what,
		strerror(errno));
	exit(code);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* the p-th percentile (nearest rank) of the sorted latencies, in us */
static double pct_us(unsigned int p)
{
	uint64_t rank;

	if (!st.got)
		return 0;
	rank = (st.got * p + 99) / 100;
	if (rank)
		rank--;
	return st.lat_ns[rank] / 1000.0;
}

static void report(void)
{
	double secs = 0;
	int cls = st.class_seen ? st.class_seen : opt.order;

	if (st.got && st.last_ns > st.first_ns)
		secs = (st.last_ns - st.first_ns) / 1e9;
	qsort(st.lat_ns, st.got, sizeof(st.lat_ns[0]), cmp_u64);
	printf("%s %s %lu msgs %llu elapsed %.3f msgs/s %.0f MB/s %.3f p50 %.0f p90 %.0f p99 %.0f us\n",
	       opt.sender ? "send" : "recv",
	       cls > 0 && cls < (int)ARRAY_SIZE(class_names) ?
	       class_names[cls] : "?",
	       opt.size, (unsigned long long)st.got, secs,
	       secs > 0 ? st.got / secs : 0,
	       secs > 0 ? st.got * (double)opt.size / secs / 1e6 : 0,
	       pct_us(50), pct_us(90), pct_us(99));
	fflush(stdout);
}

/* Count a data message: the sender's own ones, or the others' ones. */
static void count(const struct vsync_item *it, const unsigned char *buf)
{
	uint64_t t = now_ns();
	int own = it->info.sender.node == st.me.node &&
		  it->info.sender.port == st.me.port;
	struct bench_hdr h;

	if (own != opt.sender || st.got >= opt.count ||
	    (size_t)it->ret < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != BENCH_MAGIC)
		return;
	if (!st.got)
		st.first_ns = h.sent_ns;
	if (!st.class_seen)
		st.class_seen = it->info.order;
	st.lat_ns[st.got++] = t > h.sent_ns ? t - h.sent_ns : 0;
	st.last_ns = t;
}

/* Read what is queued without waiting. */
static void read_queued(void)
{
	static unsigned char buf[VSYNC_MSG_MAX + 1];
	const struct vsync_view *v = (const void *)buf;
	struct vsync_item it;

	for (;;) {
		if (vsync_recv_item(st.fd, buf, sizeof(buf), MSG_DONTWAIT, &it) < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			die(EXIT_BROKEN, "recv");
		}
		if (!it.have_info) {
			errno = EPIPE;
			die(EXIT_BROKEN, "end of stream");
		}
		if (it.info.kind == VSYNC_KIND_VIEW) {
			if (it.ret >= (ssize_t)sizeof(*v))
				st.view_members = v->n_members;
		} else if (it.info.kind == VSYNC_KIND_DATA) {
			count(&it, buf);
		}
	}
}

/* Send the next message.  Returns 1 sent, 0 try later. */
static int send_next(void)
{
	static unsigned char buf[VSYNC_MSG_MAX];
	struct bench_hdr h = { .magic = BENCH_MAGIC, .sent_ns = now_ns() };
	ssize_t r;

	memcpy(buf, &h, sizeof(h));
	r = vsync_send_order(st.fd, buf, opt.size, opt.order,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		die(EXIT_BROKEN, "send");
	}
	st.sent++;
	return 1;
}

static int run(uint64_t end_ns)
{
	int want_out = 0;

	for (;;) {
		struct pollfd p = { .fd = st.fd, .events = POLLIN };
		uint64_t t;
		int ready;

		read_queued();
		if (st.got >= opt.count)
			return 0;
		t = now_ns();
		if (t >= end_ns)
			return EXIT_DEADLINE;
		/* once the others are there, members leaving do not stop us */
		if (st.view_members >= opt.members)
			st.started = 1;
		ready = opt.sender && st.started && st.sent < opt.count;
		if (ready && !want_out) {
			if (send_next())
				continue;	/* read before the next send */
			want_out = 1;
		}
		if (ready && want_out)
			p.events |= POLLOUT;
		if (poll(&p, 1, (int)((end_ns - t) / 1000000 + 1)) < 0 &&
		    errno != EINTR)
			die(EXIT_BROKEN, "poll");
		if (p.revents & (POLLOUT | POLLERR | POLLHUP))
			want_out = 0;
	}
}

static int class_of(const char *name)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(class_names); i++)
		if (class_names[i] && !strcmp(name, class_names[i]))
			return (int)i;
	return -1;
}

static void bad_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -r send|recv -g GROUP [-c fifo|causal|total|safe]\n"
		"       [-s SIZE] [-n COUNT] [-w MEMBERS] [-d SECS]\n", prog);
	exit(EXIT_SETUP);
}

static void parse_args(int argc, char **argv)
{
	int c, role = 0;

	while ((c = getopt(argc, argv, "r:g:c:s:n:w:d:h")) != -1) {
		switch (c) {
		case 'r':
			role = !strcmp(optarg, "send") ? 1 :
			       !strcmp(optarg, "recv") ? 2 : 0;
			if (!role)
				bad_usage(argv[0]);
			opt.sender = role == 1;
			break;
		case 'g':
			opt.group = optarg;
			break;
		case 'c':
			opt.order = class_of(optarg);
			if (opt.order < 0)
				bad_usage(argv[0]);
			break;
		case 's':
			if (vsync_parse_ulong(optarg, &opt.size) ||
			    opt.size < sizeof(struct bench_hdr) ||
			    opt.size > VSYNC_MSG_MAX)
				bad_usage(argv[0]);
			break;
		case 'n':
			if (vsync_parse_ulong(optarg, &opt.count) || !opt.count ||
			    opt.count > 100000000)
				bad_usage(argv[0]);
			break;
		case 'w':
			if (vsync_parse_ulong(optarg, &opt.members) ||
			    opt.members > VSYNC_MEMBERS_MAX)
				bad_usage(argv[0]);
			break;
		case 'd':
			if (vsync_parse_ulong(optarg, &opt.deadline) || !opt.deadline ||
			    opt.deadline > 86400)
				bad_usage(argv[0]);
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (!role || !opt.group || optind != argc)
		bad_usage(argv[0]);
}

int main(int argc, char **argv)
{
	uint64_t end_ns;
	struct sockaddr_vsync sa;
	socklen_t len = sizeof(sa);
	int fam, code;

	parse_args(argc, argv);
	end_ns = now_ns() + opt.deadline * 1000000000ull;
	st.lat_ns = calloc(opt.count, sizeof(st.lat_ns[0]));
	if (!st.lat_ns)
		die(EXIT_SETUP, "calloc");
	fam = vsync_family();
	if (fam < 0)
		die(EXIT_SETUP, "af_vsync not loaded");
	st.fd = vsync_socket_flags(fam, SOCK_CLOEXEC);
	if (st.fd < 0)
		die(EXIT_SETUP, "socket");
	if (vsync_join(st.fd, opt.group))
		die(EXIT_SETUP, "join");
	if (getsockname(st.fd, (struct sockaddr *)&sa, &len))
		die(EXIT_SETUP, "getsockname");
	st.me.node = sa.svs_node;
	st.me.port = sa.svs_port;
	code = run(end_ns);
	report();
	vsync_leave(st.fd);
	close(st.fd);
	free(st.lat_ns);
	return code;
}
