// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_member: one member of an af_vsync group as a program of its own,
 * for tests that put members on several nodes (each run in a node's netns,
 * vsync_cluster_lib.sh's vs_spawn) and check their logs with vsync_check.
 *
 *   vsync_member -g GROUP -o LOG [-n COUNT] [-i USEC] [-s SIZE]
 *                [-m CLASS[,CLASS...]] [-x STOPFILE] [-d SECS] [-r] [-c]
 *
 *   -g GROUP     the group to join
 *   -o LOG       the event log (format at the top of vsync_check.c); each
 *                line is written whole as it happens, so that a member
 *                killed at any point leaves a log vsync_check accepts
 *   -n COUNT     messages to send (default 100)
 *   -i USEC      at least this long between two sends (default 0)
 *   -s SIZE      payload bytes, varied from SIZE / 2 to 3 * SIZE / 2, and
 *                now and then empty (default 64)
 *   -m CLASSES   ordering classes used in turn, each message with a
 *                VSYNC_CMSG_ORDER cmsg: fifo, causal, total, safe, or
 *                default (no cmsg: the socket's VSYNC_ORDER); default
 *                "default"
 *   -x STOPFILE  after COUNT sends, read on until STOPFILE exists, then
 *                leave; without -x, leave after COUNT sends
 *   -d SECS      give up after SECS seconds (exit 4)
 *   -r           when the join fails with ENETDOWN (this node is not in a
 *                primary partition), try again every 100 ms
 *   -z           a reader that stops: the smallest SO_RCVBUF, the first
 *                view read, then nothing until the node puts the member
 *                out (net.vsync.reader_timeout_ms); a send must then fail
 *                with ETIMEDOUT; the queue is read to its end; exit 6
 *   -c           causal vectors (guarantee 6): each message carries,
 *                after its header, the sender's causal vector (for each
 *                member it delivered from in its current view, the highest
 *                sender_seq delivered; empty again at each view); the S
 *                line ends with that vector, and the D line of a message
 *                that carries one with the vector read from it (c=, see
 *                the top of vsync_check.c).  A payload too small for its
 *                vector grows to fit it, so no message is empty.
 *
 * The member joins, waits for its first view, then sends while it reads:
 * every item is read as soon as it comes (poll), and sends use MSG_DONTWAIT
 * and wait for POLLOUT after EAGAIN, so that back-pressure from any member
 * never stops this one from reading.  Leaving is VSYNC_LEAVE (L), then
 * reading to the end of the stream (X).
 *
 * A send, a read, the join or a write of the log that fails with ENOMEM or
 * ENOBUFS (the kernel short of memory for the moment, as under failslab
 * fault injection) is tried again a millisecond later, and counted: such a
 * failure must leave the socket as it was (a send that failed sent
 * nothing, a read that failed took no item), which the log then shows.
 *
 * A view without VSYNC_VIEW_PRIMARY puts the member out of the group (the
 * minority side of a partition): it is logged with "np", the rest of the
 * stream is read to its end, a send must then fail with ENETDOWN, and the
 * member exits 3.
 *
 * Each payload of at least sizeof(struct hdr) bytes starts with a header
 * and is filled with a pattern of its sender_seq; every reader checks both,
 * so a damaged or misnumbered message is seen where it is read, not only
 * by vsync_check afterwards.  With -c the header (magic "VSMC") is
 * followed by struct cv_head and its entries, then the pattern; readers
 * check those too, with or without -c.
 *
 * Exit status:
 *   0  sent COUNT messages, left, read to the end of the stream
 *   1  usage, or no setup (log file, module not loaded, socket, join
 *      failing with an errno other than ENETDOWN)
 *   2  the socket broke its contract: an unexpected errno, item or
 *      payload, an end of stream without a leave (stderr says which)
 *   3  a non-primary view came; the stream ended and send failed with
 *      ENETDOWN, as documented
 *   4  the deadline (-d) passed
 *   5  the join failed with ENETDOWN, and no -r
 *   6  (-z) put out of the group for not reading, as documented
 * stdout gets one line at the end: what was sent, read, how many calls
 * were retried after ENOMEM or ENOBUFS (when some were), and why it ended.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vsync_util.h"
#include "kselftest.h"		/* __printf, __noreturn, ARRAY_SIZE */

#define EXIT_SETUP	1
#define EXIT_BROKEN	2
#define EXIT_NONPRIMARY	3
#define EXIT_DEADLINE	4
#define EXIT_NETDOWN	5
#define EXIT_EVICTED	6

#define MAGIC		0x56534d42u	/* "VSMB" */
#define MAGIC_CV	0x56534d43u	/* "VSMC": a causal vector follows */
#define MAX_CLASSES	16
#define STOP_POLL_MS	100		/* how often the stop file is looked at */
#define JOIN_RETRY_US	100000
#define NOMEM_RETRY_US	1000		/* after ENOMEM or ENOBUFS */

struct hdr {
	uint32_t magic;
	uint32_t len;		/* the whole payload */
	uint64_t seq;		/* the sender_seq it must arrive with */
};

/* After the header of a MAGIC_CV payload: n entries follow this. */
struct cv_head {
	uint32_t n;
	uint32_t zero;
};

struct cv_entry {
	struct vsync_member_id id;
	uint64_t seq;		/* the highest delivered from id in the view */
};

/* "c=" and 1024 entries of up to 10 + 1 + 10 + 1 + 20 + 1 characters */
#define CV_FIELD_MAX	(VSYNC_MEMBERS_MAX * 43 + 8)

static struct {
	const char *group, *log_path, *stop;
	unsigned long count, interval_us, size;
	int classes[MAX_CLASSES];	/* 0: no cmsg */
	int nclasses;
	unsigned int deadline;
	int retry;
	int causal;			/* -c */
	int stuck;			/* -z */
} opt = { .count = 100, .size = 64, .nclasses = 1 };

static struct {
	FILE *log;
	int fd;
	int dflt;			/* the socket's VSYNC_ORDER */
	struct vsync_member_id me;
	uint64_t sent, delivered, views;
	uint64_t retried;		/* calls failed with ENOMEM or ENOBUFS */
	int have_view, np, left;
	/* -c: the causal vector in the current view */
	struct cv_entry cv[VSYNC_MEMBERS_MAX];
	uint32_t ncv;
} st = { .fd = -1 };

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "vsync_member[%d] %s: ", getpid(), opt.group);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...) __printf(1, 2);
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static __noreturn void finish(int code, const char *why)
{
	char retried[40] = "";

	if (st.retried)
		snprintf(retried, sizeof(retried), ", retried %llu",
			 (unsigned long long)st.retried);
	printf("vsync_member %s %u:%u: sent %llu, delivered %llu, views %llu%s: %s\n",
	       opt.group, st.me.node, st.me.port, (unsigned long long)st.sent,
	       (unsigned long long)st.delivered, (unsigned long long)st.views,
	       retried, why);
	if (st.log && fclose(st.log)) {
		say("log: %s", strerror(errno));
		code = code ? code : EXIT_SETUP;
	}
	exit(code);
}

/* the socket did what it must not: say what, and stop */
static __noreturn void broken(const char *fmt, ...) __printf(1, 2);
static __noreturn void broken(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	finish(EXIT_BROKEN, "broken");
}

static void on_alarm(int sig)
{
	static const char msg[] = "vsync_member: deadline passed\n";

	(void)sig;
	/* only async-signal-safe calls; the log holds whole lines already */
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_DEADLINE);
	_exit(EXIT_DEADLINE);
}

/*
 * A call failed with err: if the kernel was only short of memory, count
 * it, give it a moment and say so (the caller tries again).
 */
static int nomem(int err)
{
	if (err != ENOMEM && err != ENOBUFS)
		return 0;
	st.retried++;
	usleep(NOMEM_RETRY_US);
	return 1;
}

/*
 * The log's writes, through stdio: a line is written whole, whatever
 * ENOMEM and short writes come in between, so that allocation failures
 * injected into this process (tmpfs allocates as the file grows) cost
 * no line of the log.
 */
static ssize_t log_write(void *cookie, const char *buf, size_t len)
{
	int fd = (int)(intptr_t)cookie;
	size_t done = 0;
	ssize_t r;

	while (done < len) {
		r = write(fd, buf + done, len - done);
		if (r >= 0)
			done += r;
		else if (errno != EINTR && !nomem(errno))
			return done ? (ssize_t)done : -1;
	}
	return done;
}

static int log_close(void *cookie)
{
	return close((int)(intptr_t)cookie);
}

/* The log, line-buffered like vsync_log_open()'s, written by log_write(). */
static FILE *log_open(const char *path)
{
	static const cookie_io_functions_t io = {
		.write = log_write,
		.close = log_close,
	};
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	f = fopencookie((void *)(intptr_t)fd, "w", io);
	if (!f || setvbuf(f, NULL, _IOLBF, 1 << 16)) {
		if (f)
			fclose(f);
		else
			close(fd);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Sizes around opt.size, an empty message now and then: both edges count. */
static size_t payload_len(uint64_t seq)
{
	size_t len;

	if (!opt.size || seq % 23 == 0)
		return 0;
	len = opt.size / 2 + (seq * 7919) % (opt.size + 1);
	return len > VSYNC_MSG_MAX ? VSYNC_MSG_MAX : len;
}

static unsigned char fill_byte(uint64_t seq, size_t i)
{
	return (unsigned char)(seq * 31 + i * 7);
}

static size_t make_payload(unsigned char *buf, uint64_t seq)
{
	size_t len = payload_len(seq), i, body = sizeof(struct hdr);
	struct hdr h = { .magic = MAGIC, .len = (uint32_t)len, .seq = seq };

	if (opt.causal) {
		struct cv_head ch = { .n = st.ncv };

		body += sizeof(ch) + st.ncv * sizeof(st.cv[0]);
		if (len < body)
			len = body;
		h.magic = MAGIC_CV;
		h.len = (uint32_t)len;
		memcpy(buf + sizeof(h), &ch, sizeof(ch));
		memcpy(buf + sizeof(h) + sizeof(ch), st.cv, st.ncv * sizeof(st.cv[0]));
	} else if (len < sizeof(h)) {
		memset(buf, 0xa5, len);
		return len;
	}
	memcpy(buf, &h, sizeof(h));
	for (i = body; i < len; i++)
		buf[i] = fill_byte(seq, i);
	return len;
}

/*
 * The causal vector of a MAGIC_CV payload of len bytes: its entry count,
 * and where the pattern after it starts.  Returns -1 if it does not fit or
 * is malformed.
 */
static int cv_parse(const unsigned char *buf, size_t len, uint32_t *n, size_t *body)
{
	struct cv_head ch;
	struct cv_entry ce;
	uint32_t i;

	if (len < sizeof(struct hdr) + sizeof(ch))
		return -1;
	memcpy(&ch, buf + sizeof(struct hdr), sizeof(ch));
	if (ch.zero || ch.n > VSYNC_MEMBERS_MAX ||
	    len < sizeof(struct hdr) + sizeof(ch) + ch.n * sizeof(ce))
		return -1;
	for (i = 0; i < ch.n; i++) {
		memcpy(&ce, buf + sizeof(struct hdr) + sizeof(ch) + i * sizeof(ce), sizeof(ce));
		if (!ce.seq)
			return -1;
	}
	*n = ch.n;
	*body = sizeof(struct hdr) + sizeof(ch) + ch.n * sizeof(ce);
	return 0;
}

/* The c= field of n entries at p (unaligned), into out[CV_FIELD_MAX]. */
static void cv_format(char *out, const unsigned char *p, uint32_t n)
{
	struct cv_entry ce;
	size_t len;
	uint32_t i;

	if (!n) {
		strcpy(out, "c=-");
		return;
	}
	len = sprintf(out, "c=");
	for (i = 0; i < n; i++) {
		memcpy(&ce, p + i * sizeof(ce), sizeof(ce));
		len += sprintf(out + len, "%s%u:%u/%llu", i ? "," : "", ce.id.node,
			       ce.id.port, (unsigned long long)ce.seq);
	}
}

/*
 * The c= field of a message of ours that carries a causal vector, into
 * out[CV_FIELD_MAX]; 0 if it carries none (or a damaged one: check_payload
 * says so once the D line is written).
 */
static int payload_cv(const struct vsync_item *it, const unsigned char *buf, char *out)
{
	size_t len = it->ret, body;
	struct hdr h;
	uint32_t n;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MAGIC_CV || h.len != len || h.seq != it->info.sender_seq ||
	    cv_parse(buf, len, &n, &body))
		return 0;
	cv_format(out, buf + sizeof(h) + sizeof(struct cv_head), n);
	return 1;
}

/* -c: a message from id with sender_seq seq was delivered in this view */
static void cv_delivered(struct vsync_member_id id, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < st.ncv; i++) {
		if (st.cv[i].id.node == id.node && st.cv[i].id.port == id.port) {
			if (seq > st.cv[i].seq)
				st.cv[i].seq = seq;
			return;
		}
	}
	if (st.ncv == VSYNC_MEMBERS_MAX)
		broken("messages from more than %d senders in one view", VSYNC_MEMBERS_MAX);
	st.cv[st.ncv].id = id;
	st.cv[st.ncv++].seq = seq;
}

static void check_payload(const struct vsync_item *it, const unsigned char *buf)
{
	size_t len = it->ret, i, body = sizeof(struct hdr);
	struct hdr h;
	uint32_t n;

	if (len < sizeof(h))
		return;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MAGIC && h.magic != MAGIC_CV)
		return;		/* not ours: another program's message */
	if (h.len != len || h.seq != it->info.sender_seq)
		broken("message %u:%u#%llu of %zu bytes says #%llu of %u bytes",
		       it->info.sender.node, it->info.sender.port,
		       (unsigned long long)it->info.sender_seq, len,
		       (unsigned long long)h.seq, h.len);
	if (h.magic == MAGIC_CV && cv_parse(buf, len, &n, &body))
		broken("message %u:%u#%llu of %zu bytes: its causal vector is damaged",
		       it->info.sender.node, it->info.sender.port,
		       (unsigned long long)h.seq, len);
	for (i = body; i < len; i++)
		if (buf[i] != fill_byte(h.seq, i))
			broken("message %u:%u#%llu damaged at byte %zu",
			       it->info.sender.node, it->info.sender.port,
			       (unsigned long long)h.seq, i);
}

/*
 * The stream ended unasked: how a send fares tells why (ETIMEDOUT: put
 * out for not reading; ENETDOWN: cut off without its non-primary view).
 * A send that goes through is logged, as every send is.
 */
static const char *send_after_end(void)
{
	if (vsync_send_order(st.fd, "x", 1, 0, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return strerror(errno);
	st.sent++;
	vsync_log_send(st.log, st.sent, st.dflt, "x", 1);
	return "it went through";
}

/*
 * Read and log one item without waiting.  Returns 1 for an item, 0 at the
 * end of the stream, -1 when nothing is queued.
 */
static int read_one(void)
{
	static unsigned char buf[VSYNC_MSG_MAX + 1];
	static char cvf[CV_FIELD_MAX];
	struct vsync_item it;
	const char *bad;

	if (vsync_recv_item(st.fd, buf, sizeof(buf), MSG_DONTWAIT, &it) < 0) {
		if (errno == EAGAIN || errno == EINTR || nomem(errno))
			return -1;
		broken("recv: %s", strerror(errno));
	}
	if (!it.have_info) {
		if (it.ret)
			broken("item of %zd bytes without VSYNC_CMSG_INFO", it.ret);
		if (!st.left && !st.np && !opt.stuck)
			broken("end of stream without a leave or a non-primary view; a send then: %s",
			       send_after_end());
		return 0;
	}
	if (it.msg_flags & MSG_TRUNC)
		broken("item truncated at %zd bytes", it.ret);
	if (it.info.kind == VSYNC_KIND_VIEW) {
		bad = vsync_view_bad(&it, buf, st.me);
		if (bad)
			broken("%s (%zd bytes)", bad, it.ret);
		vsync_log_view(st.log, &it, buf);
		st.views++;
		st.have_view = 1;
		st.ncv = 0;
		if (!(((struct vsync_view *)buf)->flags & VSYNC_VIEW_PRIMARY))
			st.np = 1;
		return 1;
	}
	if (it.info.kind != VSYNC_KIND_DATA)
		broken("item of kind %u", it.info.kind);
	if (opt.causal && payload_cv(&it, buf, cvf))
		vsync_log_data_cv(st.log, &it, buf, cvf);
	else
		vsync_log_data(st.log, &it, buf);
	if (!st.have_view)
		broken("a message before the first view");
	st.delivered++;
	check_payload(&it, buf);
	if (opt.causal)
		cv_delivered(it.info.sender, it.info.sender_seq);
	return 1;
}

/* Read what is queued; stop early at a non-primary view. */
static void read_queued(void)
{
	while (!st.np && read_one() == 1)
		;
}

/* After a leave or a non-primary view: read until the stream ends (X). */
static void read_to_end(void)
{
	struct pollfd p = { .fd = st.fd, .events = POLLIN };
	int r;

	for (;;) {
		r = read_one();
		if (r == 0)
			break;
		if (r < 0 && poll(&p, 1, -1) < 0 && errno != EINTR)
			broken("poll: %s", strerror(errno));
	}
	fprintf(st.log, "X\n");
}

static __noreturn void nonprimary_end(void)
{
	read_to_end();
	if (vsync_send_order(st.fd, "x", 1, 0, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		st.sent++;
		vsync_log_send(st.log, st.sent, st.dflt, "x", 1);
		broken("a send after the non-primary view succeeded");
	}
	if (errno != ENETDOWN)
		broken("a send after the non-primary view failed with %s, not ENETDOWN",
		       strerror(errno));
	close(st.fd);
	finish(EXIT_NONPRIMARY, "non-primary view");
}

/*
 * A send or the leave failed with ENETDOWN: the non-primary view that cut
 * this member off is queued or on its way.  Read up to it, then end.
 */
static __noreturn void await_nonprimary(void)
{
	struct pollfd p = { .fd = st.fd, .events = POLLIN };

	for (read_queued(); !st.np; read_queued())
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			broken("poll: %s", strerror(errno));
	nonprimary_end();
}

/* Send message sent+1.  Returns 1 sent, 0 try later (EAGAIN, ENOMEM). */
static int send_next(void)
{
	static unsigned char buf[VSYNC_MSG_MAX];
	static char cvf[CV_FIELD_MAX];
	uint64_t seq = st.sent + 1;
	int order = opt.classes[(seq - 1) % opt.nclasses];
	size_t len = make_payload(buf, seq);
	ssize_t r;

	r = vsync_send_order(st.fd, buf, len, order, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r < 0) {
		if (errno == EAGAIN || errno == EINTR || nomem(errno))
			return 0;
		if (errno == ENETDOWN)
			await_nonprimary();
		broken("send: %s", strerror(errno));
	}
	if ((size_t)r != len)
		broken("send returned %zd for %zu bytes", r, len);
	st.sent = seq;
	if (opt.causal) {
		cv_format(cvf, buf + sizeof(struct hdr) + sizeof(struct cv_head), st.ncv);
		vsync_log_send_cv(st.log, seq, order ? order : st.dflt, buf, len, cvf);
	} else {
		vsync_log_send(st.log, seq, order ? order : st.dflt, buf, len);
	}
	return 1;
}

static int stop_now(void)
{
	return st.sent >= opt.count && (!opt.stop || !access(opt.stop, F_OK));
}

static void run(void)
{
	uint64_t next_send = 0;
	int want_out = 0;

	for (;;) {
		struct pollfd p = { .fd = st.fd, .events = POLLIN };
		int timeout = -1;
		uint64_t t;

		read_queued();
		if (st.np)
			nonprimary_end();
		if (st.have_view && stop_now())
			return;
		if (st.have_view && !want_out && st.sent < opt.count) {
			t = now_us();
			if (t >= next_send) {
				if (send_next()) {
					next_send = t + opt.interval_us;
					continue;	/* read before the next send */
				}
				want_out = 1;
			} else {
				timeout = (int)((next_send - t + 999) / 1000);
			}
		}
		if (want_out)
			p.events |= POLLOUT;
		if (opt.stop && st.sent >= opt.count)
			timeout = STOP_POLL_MS;
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			broken("poll: %s", strerror(errno));
		if (p.revents & (POLLOUT | POLLERR | POLLHUP))
			want_out = 0;
	}
}

static int class_of(const char *name)
{
	static const char *const names[] = {
		[0] = "default",
		[VSYNC_ORDER_FIFO] = "fifo",
		[VSYNC_ORDER_CAUSAL] = "causal",
		[VSYNC_ORDER_TOTAL] = "total",
		[VSYNC_ORDER_SAFE] = "safe",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

static int parse_classes(char *list)
{
	char *save, *c;

	opt.nclasses = 0;
	for (c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		if (opt.nclasses == MAX_CLASSES)
			return -1;
		opt.classes[opt.nclasses] = class_of(c);
		if (opt.classes[opt.nclasses++] < 0)
			return -1;
	}
	return opt.nclasses ? 0 : -1;
}

static void bad_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s -g GROUP -o LOG [-n COUNT] [-i USEC] [-s SIZE]\n"
		"       [-m CLASS[,CLASS...]] [-x STOPFILE] [-d SECS] [-r] [-c] [-z]\n"
		"CLASS: fifo causal total safe default\n", prog);
	exit(EXIT_SETUP);
}

static void parse_args(int argc, char **argv)
{
	unsigned long v;
	int c;

	while ((c = getopt(argc, argv, "g:o:n:i:s:m:x:d:rczh")) != -1) {
		switch (c) {
		case 'g':
			opt.group = optarg;
			break;
		case 'o':
			opt.log_path = optarg;
			break;
		case 'n':
			if (vsync_parse_ulong(optarg, &opt.count))
				bad_usage(argv[0]);
			break;
		case 'i':
			if (vsync_parse_ulong(optarg, &opt.interval_us))
				bad_usage(argv[0]);
			break;
		case 's':
			if (vsync_parse_ulong(optarg, &opt.size) || opt.size > VSYNC_MSG_MAX)
				bad_usage(argv[0]);
			break;
		case 'm':
			if (parse_classes(optarg))
				bad_usage(argv[0]);
			break;
		case 'x':
			opt.stop = optarg;
			break;
		case 'd':
			if (vsync_parse_ulong(optarg, &v) || !v || v > 86400)
				bad_usage(argv[0]);
			opt.deadline = (unsigned int)v;
			break;
		case 'r':
			opt.retry = 1;
			break;
		case 'c':
			opt.causal = 1;
			break;
		case 'z':
			opt.stuck = 1;
			break;
		default:
			bad_usage(argv[0]);
		}
	}
	if (!opt.group || !opt.log_path || optind != argc)
		bad_usage(argv[0]);
}

static void join_group(void)
{
	socklen_t len = sizeof(st.dflt);
	int fam = vsync_family();

	if (fam < 0) {
		say("af_vsync not loaded: %s", strerror(errno));
		finish(EXIT_SETUP, "no module");
	}
	st.fd = socket(fam, SOCK_RDM, 0);
	if (st.fd < 0) {
		say("socket: %s", strerror(errno));
		finish(EXIT_SETUP, "no socket");
	}
	while (vsync_join(st.fd, opt.group)) {
		if (nomem(errno))
			continue;
		if (errno != ENETDOWN) {
			say("join: %s", strerror(errno));
			finish(EXIT_SETUP, "join failed");
		}
		if (!opt.retry)
			finish(EXIT_NETDOWN, "join: ENETDOWN");
		usleep(JOIN_RETRY_US);
	}
	if (vsync_log_member(st.log, st.fd, opt.group, &st.me))
		broken("getsockname: %s", strerror(errno));
	if (getsockopt(st.fd, SOL_VSYNC, VSYNC_ORDER, &st.dflt, &len))
		broken("VSYNC_ORDER: %s", strerror(errno));
}

/*
 * -z: a reader that stops.  With the smallest receive buffer, read the
 * first view, then nothing, until the node puts the member out for not
 * reading (the socket hangs up): a send must then fail with ETIMEDOUT,
 * and what was queued before is read to its end.
 */
static __noreturn void stuck_run(void)
{
	struct pollfd p = { .fd = st.fd, .events = 0 };
	int one = 1;

	if (setsockopt(st.fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)))
		broken("SO_RCVBUF: %s", strerror(errno));
	while (!st.have_view) {
		p.events = POLLIN;
		if (read_one() < 0 && poll(&p, 1, -1) < 0 && errno != EINTR)
			broken("poll: %s", strerror(errno));
	}
	p.events = 0;
	while (!(p.revents & POLLHUP))
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			broken("poll: %s", strerror(errno));
	if (vsync_send_order(st.fd, "x", 1, 0, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		broken("a send after being put out succeeded");
	if (errno != ETIMEDOUT)
		broken("a send after being put out failed with %s, not ETIMEDOUT",
		       strerror(errno));
	while (read_one())
		;
	close(st.fd);
	finish(EXIT_EVICTED, "put out for not reading");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	parse_args(argc, argv);
	/* the deadline covers everything, the join and its retries too */
	if (opt.deadline) {
		sigaction(SIGALRM, &sa, NULL);
		alarm(opt.deadline);
	}
	st.log = log_open(opt.log_path);
	if (!st.log) {
		say("%s: %s", opt.log_path, strerror(errno));
		exit(EXIT_SETUP);
	}
	fprintf(st.log, "# vsync_member pid %d: -n %lu -i %lu -s %lu%s\n", getpid(),
		opt.count, opt.interval_us, opt.size, opt.causal ? " -c" : "");
	join_group();
	if (opt.stuck)
		stuck_run();
	run();
	if (vsync_leave(st.fd)) {
		if (errno != ENETDOWN)
			broken("leave: %s", strerror(errno));
		await_nonprimary();
	}
	st.left = 1;
	fprintf(st.log, "L\n");
	read_to_end();
	close(st.fd);
	/* a non-primary view while leaving: out all the same, say so */
	finish(st.np ? EXIT_NONPRIMARY : 0, st.np ? "non-primary view" : "done");
	return 0;
}
