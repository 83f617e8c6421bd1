// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_sockfuzz: random sequences of AF_VSYNC socket calls from several
 * threads, for a bounded time, with nothing the kernel may report.
 *
 *   vsync_sockfuzz [-s SEED] [-t SECS] [-j THREADS]
 *
 * The threads share a few socket slots and call, on whichever socket a
 * slot holds at that moment: socket, close, setsockopt and getsockopt with
 * random levels, names, values and lengths (joins and leaves of a few
 * groups among them), sendmsg with random sizes, flags and control
 * messages (classes, state pieces, junk), sendto a random member address,
 * recvmsg with random buffers and flags (MSG_PEEK, MSG_TRUNC, MSG_OOB),
 * poll, shutdown, ioctl, and the calls the family does not support.  Now
 * and then a thread forks a child that works on the inherited sockets and
 * exits, or that moves to a new network namespace, opens sockets and joins
 * there.  Every socket has short send and receive timeouts, so no call
 * waits long; a call may fail with any errno, only a crash, a hang or a
 * kernel report is a failure.
 *
 * The kernel log is read before and after: a line with a WARNING, BUG,
 * Oops, refcount, KASAN, lockdep or kmemleak report since the start fails
 * the test.  Output is KTAP, one test, with the calls made per kind; the
 * seed (default: the time) is printed so that a run can be repeated
 * (threads interleave differently, so a repeat is not exact).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "vsync_util.h"

#define SLOTS		8
#define THREADS_MAX	16
#define BUF_MAX		(256 * 1024)

enum op {
	OP_SOCKET, OP_CLOSE, OP_JOIN, OP_LEAVE, OP_SETOPT, OP_GETOPT,
	OP_SEND, OP_SENDTO, OP_RECV, OP_POLL, OP_SHUTDOWN, OP_IOCTL,
	OP_UNSUPP, OP_FORK, OP_NETNS, OP_MAX
};

static const char *const op_names[OP_MAX] = {
	"socket", "close", "join", "leave", "setsockopt", "getsockopt",
	"send", "sendto", "recv", "poll", "shutdown", "ioctl",
	"unsupported", "fork", "netns",
};

static const char *const groups[] = { "fz-a", "fz-b", "fz-c" };

static int family;
static int slot_fd[SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long op_count[OP_MAX], op_ok[OP_MAX];
static volatile int stop;
static struct timespec t_end;

static uint32_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible per thread from the seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 0x2545f4914f6cdd1dULL) >> 32);
}

static int past_end(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec > t_end.tv_sec ||
	       (t.tv_sec == t_end.tv_sec && t.tv_nsec >= t_end.tv_nsec);
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int new_socket(uint64_t *s)
{
	int flags = (rnd(s) % 2 ? SOCK_NONBLOCK : 0) | SOCK_CLOEXEC;
	int fd = socket(family, SOCK_RDM | flags, 0);

	if (fd >= 0)
		set_timeouts(fd);
	return fd;
}

/*
 * The socket of a random slot, duplicated so that another thread closing
 * the slot meanwhile cannot make us use a number reused for something
 * else; -1 when the slot is empty.
 */
static int grab(uint64_t *s)
{
	int fd;

	pthread_mutex_lock(&slot_lock);
	fd = slot_fd[rnd(s) % SLOTS];
	fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
	pthread_mutex_unlock(&slot_lock);
	return fd;
}

static void fill(uint64_t *s, void *buf, size_t len)
{
	unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)rnd(s);
}

static long do_setopt(uint64_t *s, int fd)
{
	unsigned char val[128];
	int level = rnd(s) % 4 ? SOL_VSYNC : (rnd(s) % 2 ? SOL_SOCKET : (int)rnd(s) % 300);
	int name = (int)(rnd(s) % 12);
	socklen_t len = rnd(s) % 3 ? sizeof(int) : rnd(s) % sizeof(val);

	fill(s, val, sizeof(val));
	if (rnd(s) % 2) {
		int v = (int)(rnd(s) % 7) - 1;

		memcpy(val, &v, sizeof(v));
	}
	if (level == SOL_SOCKET) {
		/* not SO_RCVTIMEO/SO_SNDTIMEO: they keep calls short */
		static const int names[] = { SO_RCVBUF, SO_SNDBUF, SO_PRIORITY,
					     SO_RCVLOWAT, SO_PASSCRED, SO_MARK };

		name = names[rnd(s) % (sizeof(names) / sizeof(names[0]))];
	}
	return setsockopt(fd, level, name, rnd(s) % 16 ? val : NULL, len);
}

static long do_getopt(uint64_t *s, int fd)
{
	unsigned char val[4096];
	int level = rnd(s) % 4 ? SOL_VSYNC : SOL_SOCKET;
	int name = (int)(rnd(s) % 12);
	socklen_t len = rnd(s) % 2 ? sizeof(val) : rnd(s) % 64;

	if (level == SOL_SOCKET)
		name = (int)(rnd(s) % 60);
	return getsockopt(fd, level, name, rnd(s) % 16 ? val : NULL,
			  rnd(s) % 16 ? &len : NULL);
}

static long do_send(uint64_t *s, int fd, unsigned char *buf, int to)
{
	union {
		char c[CMSG_SPACE(sizeof(int)) * 2 + 64];
		struct cmsghdr align;
	} u;
	struct vsync_member_id dest = { rnd(s) % 4, rnd(s) % 8 };
	struct iovec iov = { buf, 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int flags = MSG_NOSIGNAL;

	switch (rnd(s) % 8) {
	case 0:
		iov.iov_len = rnd(s) % BUF_MAX;
		break;
	case 1:
		iov.iov_len = 1380 + rnd(s) % 64;	/* about a piece */
		break;
	default:
		iov.iov_len = rnd(s) % 256;
	}
	if (rnd(s) % 2)
		flags |= MSG_DONTWAIT;
	if (!(rnd(s) % 8))
		flags |= (int)(rnd(s) & (MSG_OOB | MSG_EOR | MSG_MORE | MSG_CONFIRM));
	if (to) {
		msg.msg_name = &dest;
		msg.msg_namelen = rnd(s) % 4 ? sizeof(dest) : rnd(s) % 16;
	}
	if (rnd(s) % 2) {
		int v = (int)(rnd(s) % 6) - 1;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.c;
		msg.msg_controllen = CMSG_SPACE(sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = rnd(s) % 8 ? SOL_VSYNC : (int)rnd(s) % 300;
		c->cmsg_type = (int)(rnd(s) % 5);
		c->cmsg_len = rnd(s) % 8 ? CMSG_LEN(sizeof(int)) : rnd(s) % 40;
		memcpy(CMSG_DATA(c), &v, sizeof(v));
		if (!(rnd(s) % 4))
			msg.msg_controllen = rnd(s) % sizeof(u.c);
	}
	return sendmsg(fd, &msg, flags);
}

static long do_recv(uint64_t *s, int fd, unsigned char *buf)
{
	char ctl[256];
	struct iovec iov[2] = { { buf, rnd(s) % 2048 },
				{ buf + 4096, rnd(s) % BUF_MAX / 2 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 1 + rnd(s) % 2 };
	int flags = MSG_DONTWAIT;

	if (rnd(s) % 2) {
		msg.msg_control = ctl;
		msg.msg_controllen = rnd(s) % 2 ? sizeof(ctl) : rnd(s) % 64;
	}
	if (rnd(s) % 4)
		flags |= (int)(rnd(s) & (MSG_PEEK | MSG_TRUNC | MSG_OOB |
					 MSG_WAITALL | MSG_ERRQUEUE));
	if (!(rnd(s) % 8))
		flags &= ~MSG_DONTWAIT;	/* blocks up to SO_RCVTIMEO */
	return recvmsg(fd, &msg, flags);
}

static long do_ioctl(uint64_t *s, int fd)
{
	static const unsigned long reqs[] = { FIONREAD, SIOCOUTQ, SIOCINQ,
					      FIONBIO, SIOCGSTAMP_OLD, 0x8990 };
	int v = (int)(rnd(s) % 2);

	return ioctl(fd, reqs[rnd(s) % (sizeof(reqs) / sizeof(reqs[0]))], &v);
}

static long do_unsupported(uint64_t *s, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	fill(s, &ss, sizeof(ss));
	switch (rnd(s) % 6) {
	case 0:
		return bind(fd, (struct sockaddr *)&ss, rnd(s) % sizeof(ss));
	case 1:
		return connect(fd, (struct sockaddr *)&ss, rnd(s) % sizeof(ss));
	case 2:
		return listen(fd, 1);
	case 3:
		return accept4(fd, NULL, NULL, SOCK_NONBLOCK);
	case 4:
		return getsockname(fd, (struct sockaddr *)&ss, &len);
	default:
		return getpeername(fd, (struct sockaddr *)&ss, &len);
	}
}

/*
 * One call on the socket @fd (a duplicate, closed by the caller); *@ok
 * says whether it succeeded.
 */
static enum op one_op(uint64_t *s, int fd, unsigned char *buf, int *ok)
{
	enum op op = (enum op)(OP_JOIN + rnd(s) % (OP_UNSUPP - OP_JOIN + 1));
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI };
	const char *g;
	long r;

	switch (op) {
	case OP_JOIN:
		if (rnd(s) % 8 == 0) {
			int one = 1;

			setsockopt(fd, SOL_VSYNC, VSYNC_STATE, &one, sizeof(one));
		}
		g = groups[rnd(s) % 3];
		r = setsockopt(fd, SOL_VSYNC, VSYNC_JOIN, g,
			       rnd(s) % 8 ? (socklen_t)strlen(g) : rnd(s) % 80);
		break;
	case OP_LEAVE:
		r = setsockopt(fd, SOL_VSYNC, VSYNC_LEAVE, NULL, 0);
		break;
	case OP_SETOPT:
		r = do_setopt(s, fd);
		break;
	case OP_GETOPT:
		r = do_getopt(s, fd);
		break;
	case OP_SEND:
		r = do_send(s, fd, buf, 0);
		break;
	case OP_SENDTO:
		r = do_send(s, fd, buf, 1);
		break;
	case OP_RECV:
		r = do_recv(s, fd, buf);
		break;
	case OP_POLL:
		r = poll(&p, 1, 0);
		break;
	case OP_SHUTDOWN:
		r = shutdown(fd, (int)(rnd(s) % 4));
		break;
	case OP_IOCTL:
		r = do_ioctl(s, fd);
		break;
	default:
		r = do_unsupported(s, fd);
		break;
	}
	*ok = r >= 0;
	return op;
}

/* a child: some calls on what it inherited, or in a namespace of its own */
static void child(uint64_t seed, int netns, unsigned char *buf)
{
	uint64_t s = seed;
	int i, fd, ok;

	alarm(5);
	if (netns && unshare(CLONE_NEWNET) == 0) {
		for (i = 0; i < 4; i++) {
			fd = new_socket(&s);
			if (fd >= 0)
				setsockopt(fd, SOL_VSYNC, VSYNC_JOIN,
					   groups[i % 3], 4);
		}
	}
	/* no locks: another thread may have held one at the fork */
	for (i = 0; i < 30; i++) {
		fd = slot_fd[rnd(&s) % SLOTS];
		if (fd >= 0)
			one_op(&s, fd, buf, &ok);
	}
	_exit(0);
}

struct worker {
	pthread_t t;
	uint64_t seed;
	unsigned long count[OP_MAX];
	unsigned long ok[OP_MAX];	/* calls that succeeded */
};

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned char *buf = malloc(BUF_MAX + 4096);
	uint64_t *s = &w->seed;
	unsigned int k;
	enum op op;
	pid_t pid;
	int fd, old, ok;

	if (!buf)
		return NULL;
	memset(buf, 'f', BUF_MAX + 4096);
	while (!stop && !past_end()) {
		k = rnd(s) % 100;
		if (k < 6) {
			fd = new_socket(s);
			k = rnd(s) % SLOTS;
			pthread_mutex_lock(&slot_lock);
			old = slot_fd[k];
			slot_fd[k] = fd;
			pthread_mutex_unlock(&slot_lock);
			if (old >= 0)
				close(old);
			w->count[OP_SOCKET]++;
			w->ok[OP_SOCKET] += fd >= 0;
		} else if (k < 9) {
			k = rnd(s) % SLOTS;
			pthread_mutex_lock(&slot_lock);
			old = slot_fd[k];
			slot_fd[k] = -1;
			pthread_mutex_unlock(&slot_lock);
			if (old >= 0)
				close(old);
			w->count[OP_CLOSE]++;
		} else if (k < 10 && rnd(s) % 4 == 0) {
			int netns = rnd(s) % 2;

			pid = fork();
			if (pid == 0)
				child(w->seed ^ 0x5a5a, netns, buf);
			if (pid > 0)
				waitpid(pid, NULL, 0);
			w->count[netns ? OP_NETNS : OP_FORK]++;
		} else {
			fd = grab(s);
			if (fd < 0)
				continue;
			op = one_op(s, fd, buf, &ok);
			w->count[op]++;
			w->ok[op] += ok;
			close(fd);
		}
	}
	free(buf);
	return NULL;
}

/*
 * The kernel log from now on: /dev/kmsg read from its end.  Returns the
 * open descriptor, or -1 (then nothing is checked, and the test says so).
 */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* reports in the kernel log since kmsg_open(), each printed */
static int kernel_reports(int fd)
{
	static const char *const bad[] = { "WARNING:", "BUG:", "Oops",
		"refcount_t", "KASAN", "possible circular locking",
		"possible recursive locking", "inconsistent lock state",
		"unreferenced object", "general protection", "UBSAN" };
	char rec[8192];
	int found = 0;
	ssize_t r;
	size_t i;

	for (;;) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten meanwhile: go on */
		if (r <= 0)
			break;
		rec[r] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (strstr(rec, bad[i])) {
				printf("# kernel: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
				found++;
				break;
			}
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS_MAX];
	unsigned long secs = 20, threads = 4, seed = (unsigned long)time(NULL);
	unsigned long total = 0;
	int c, i, kmsg, reports;

	while ((c = getopt(argc, argv, "s:t:j:")) != -1) {
		switch (c) {
		case 's':
			if (vsync_parse_ulong(optarg, &seed))
				return 2;
			break;
		case 't':
			if (vsync_parse_ulong(optarg, &secs) || !secs || secs > 3600)
				return 2;
			break;
		case 'j':
			if (vsync_parse_ulong(optarg, &threads) || !threads ||
			    threads > THREADS_MAX)
				return 2;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECS] [-j THREADS]\n",
				argv[0]);
			return 2;
		}
	}
	printf("TAP version 13\n1..1\n");
	family = vsync_family();
	if (family < 0) {
		printf("ok 1 sockfuzz # SKIP af_vsync not loaded\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	kmsg = kmsg_open();
	if (kmsg < 0)
		printf("# /dev/kmsg: %s: kernel reports not checked\n",
		       strerror(errno));
	printf("# seed %lu, %lu threads, %lu s\n", seed, threads, secs);
	fflush(stdout);
	for (i = 0; i < SLOTS; i++)
		slot_fd[i] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	t_end.tv_sec += (time_t)secs;
	for (i = 0; i < (int)threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = (seed + 1) * 0x9e3779b97f4a7c15ULL + (uint64_t)i;
		if (pthread_create(&w[i].t, NULL, work, &w[i])) {
			printf("not ok 1 sockfuzz # pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < (int)threads; i++)
		pthread_join(w[i].t, NULL);
	for (i = 0; i < SLOTS; i++)
		if (slot_fd[i] >= 0)
			close(slot_fd[i]);
	for (c = 0; c < OP_MAX; c++) {
		for (i = 0; i < (int)threads; i++) {
			op_count[c] += w[i].count[c];
			op_ok[c] += w[i].ok[c];
		}
		total += op_count[c];
	}
	printf("# %lu calls (made/succeeded):", total);
	for (c = 0; c < OP_MAX; c++) {
		printf(" %s %lu", op_names[c], op_count[c]);
		if (c != OP_CLOSE && c != OP_FORK && c != OP_NETNS)
			printf("/%lu", op_ok[c]);
	}
	printf("\n");
	/* closed sockets let go of their members in the background */
	sleep(1);
	reports = kmsg < 0 ? 0 : kernel_reports(kmsg);
	if (reports) {
		printf("not ok 1 sockfuzz # %d kernel reports, seed %lu\n",
		       reports, seed);
		return 1;
	}
	printf("ok 1 sockfuzz\n");
	return 0;
}
