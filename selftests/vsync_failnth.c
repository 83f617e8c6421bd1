// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_failnth: every memory allocation af_vsync makes on behalf of a
 * socket call, failed in turn (the debug kernel's fault injection).
 *
 * /proc/thread-self/fail-nth = N makes the Nth slab or page allocation of
 * this thread's following system calls fail, once.  For each call under
 * test, N runs from 1 until the call completes without reaching its Nth
 * allocation; each round starts from a fresh state (sockets, a group of
 * its own) and checks what a user may rely on after a failed call:
 *
 *   - the call either succeeds or fails with ENOMEM or ENOBUFS, nothing
 *     else (a failure must never look like a user error);
 *   - a failed call left nothing behind: a failed join is no membership
 *     (the next join succeeds, and the partner never sees a third member),
 *     a failed send is no message (the partner reads exactly the messages
 *     whose send succeeded, in order, and none of the others);
 *   - a call that cannot report a failure (close) still has its effect:
 *     the partner sees the member go;
 *   - the socket stays usable.
 *
 * Leaks are the debug kernel's kmemleak scan's to find (at the end of the
 * VM run), use-after-free and locking errors KASAN's and lockdep's.
 *
 * Needs CONFIG_FAULT_INJECTION with failslab and fail_page_alloc (the
 * debug kernel): the stock kernels have no fail-nth, and the tests skip.
 * The fault attributes are set so that allocations that may sleep count
 * too and nothing is printed per fault, and restored after each test.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vsync_util.h"
#include "kselftest_harness.h"

/* no call of af_vsync allocates anywhere near this often */
#define MAX_NTH		2000
#define LONG_LEN	(200 * 1024)
#define MAXM		8
/* each test fails hundreds of calls in turn, on a kernel 5 to 10 times slower */
#define TEST_SECS	600

union viewbuf {
	struct vsync_view v;
	char raw[sizeof(struct vsync_view) + MAXM * sizeof(struct vsync_member_id)];
};

/* the debugfs attributes changed, with the values to restore */
static const char *const knobs[] = {
	"/sys/kernel/debug/failslab/ignore-gfp-wait",
	"/sys/kernel/debug/failslab/verbose",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/min-order",
	"/sys/kernel/debug/fail_page_alloc/verbose",
};
static const char *const want[] = { "N", "0", "N", "0", "0" };
static char saved[5][32];
static int nth_fd = -1;

/* debugfs attributes cannot seek: one open to read, another to write */
static int knob_rw(const char *path, char *old, size_t oldlen, const char *val)
{
	ssize_t r;
	int fd;

	if (old) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		r = read(fd, old, oldlen - 1);
		close(fd);
		if (r < 0)
			return -1;
		old[r] = '\0';
		old[strcspn(old, "\n")] = '\0';
	}
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	r = write(fd, val, strlen(val));
	close(fd);
	return r < 0 ? -1 : 0;
}

static void restore_knobs(void)
{
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		if (saved[i][0])
			knob_rw(knobs[i], NULL, 0, saved[i]);
}

/* NULL: fail-nth is ready; else what this kernel lacks (skip) */
static const char *setup_faults(void)
{
	static char why[128];
	size_t i;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		snprintf(why, sizeof(why), "/proc/thread-self/fail-nth: %s", strerror(errno));
		return why;
	}
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (knob_rw(knobs[i], saved[i], sizeof(saved[i]), want[i])) {
			snprintf(why, sizeof(why), "%s: %s", knobs[i], strerror(errno));
			return why;
		}
	}
	return NULL;
}

static void arm(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, len, 0) != len)
		abort();
}

/* disarm; 1 if the armed allocation was reached (and failed) */
static int fired(void)
{
	char b[16] = "";
	ssize_t r;

	r = pread(nth_fd, b, sizeof(b) - 1, 0);
	if (pwrite(nth_fd, "0", 1, 0) != 1 || r <= 0)
		abort();
	return atoi(b) == 0;
}

static int errno_ok(int e)
{
	return e == ENOMEM || e == ENOBUFS;
}

FIXTURE(fn) {
	int fam;
	int a, b;		/* a: the socket under test; b: its partner */
	char group[64];
	unsigned int round;
};

FIXTURE_SETUP(fn)
{
	const char *why;

	self->a = -1;
	self->b = -1;
	self->fam = vsync_family();
	if (self->fam < 0)
		SKIP(return, "af_vsync not loaded (%s)", VSYNC_FAMILY_SYSFS);
	why = setup_faults();
	if (why)
		SKIP(return, "no fault injection in this kernel (%s)", why);
}

/* each test runs in a child of its own, which set the attributes */
FIXTURE_TEARDOWN(fn)
{
	restore_knobs();
	if (self->a >= 0)
		close(self->a);
	if (self->b >= 0)
		close(self->b);
}

static void set_rcvtimeo(struct __test_metadata *_metadata, int fd, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
}

static int new_sock(struct __test_metadata *_metadata, int fam)
{
	int fd = socket(fam, SOCK_RDM, 0);

	EXPECT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	if (fd >= 0)
		set_rcvtimeo(_metadata, fd, 20000);
	return fd;
}

/*
 * Read items from fd until a view of n members; data items are counted
 * into *ndata (may be NULL) and their first int must follow *next.
 * Returns 0, or -1 after a timeout or a view bigger than n.
 */
static int read_until_view(struct __test_metadata *_metadata, int fd, int n,
			   int *next)
{
	char buf[LONG_LEN];
	struct vsync_item it;
	union viewbuf *vb = (union viewbuf *)buf;
	int v;

	for (;;) {
		if (vsync_recv_item(fd, buf, sizeof(buf), 0, &it) < 0) {
			TH_LOG("waiting for a view of %d: %s", n, strerror(errno));
			return -1;
		}
		if (!it.have_info)
			return -1;
		if (it.info.kind == VSYNC_KIND_DATA) {
			memcpy(&v, buf, sizeof(v));
			if (!next || v != *next) {
				TH_LOG("message %d read, %d expected", v, next ? *next : -1);
				return -1;
			}
			(*next)++;
			continue;
		}
		if (it.info.kind != VSYNC_KIND_VIEW)
			continue;
		if ((int)vb->v.n_members > n) {
			TH_LOG("a view of %u members, at most %d expected",
			       vb->v.n_members, n);
			return -1;
		}
		if ((int)vb->v.n_members == n)
			return 0;
	}
}

/* the next item of fd is message id */
static int read_msg(struct __test_metadata *_metadata, int fd, int id)
{
	static char buf[LONG_LEN];
	struct vsync_item it;
	int v;

	if (vsync_recv_item(fd, buf, sizeof(buf), 0, &it) < 0) {
		TH_LOG("waiting for message %d: %s", id, strerror(errno));
		return -1;
	}
	memcpy(&v, buf, sizeof(v));
	if (!it.have_info || it.info.kind != VSYNC_KIND_DATA || v != id) {
		TH_LOG("message %d expected, read kind %d id %d",
		       id, it.info.kind, v);
		return -1;
	}
	return 0;
}

/* b in a group of its own, then a too; both past the view of two */
static void pair_up(struct __test_metadata *_metadata, FIXTURE_DATA(fn) *self,
		    const char *what)
{
	snprintf(self->group, sizeof(self->group), "fn-%d-%s-%u", getpid(),
		 what, ++self->round);
	self->b = new_sock(_metadata, self->fam);
	self->a = new_sock(_metadata, self->fam);
	ASSERT_EQ(0, vsync_join(self->b, self->group));
	ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, NULL));
	ASSERT_EQ(0, vsync_join(self->a, self->group));
	ASSERT_EQ(0, read_until_view(_metadata, self->b, 2, NULL));
	ASSERT_EQ(0, read_until_view(_metadata, self->a, 2, NULL));
}

static void unpair(FIXTURE_DATA(fn) *self)
{
	close(self->a);
	close(self->b);
	self->a = -1;
	self->b = -1;
}

TEST_F_TIMEOUT(fn, socket_create, TEST_SECS)
{
	unsigned int n;
	int fd, e;

	for (n = 1; n < MAX_NTH; n++) {
		arm(n);
		fd = socket(self->fam, SOCK_RDM, 0);
		e = errno;
		if (!fired()) {
			ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(e));
			close(fd);
			TH_LOG("socket(): %u allocations failed in turn", n - 1);
			return;
		}
		if (fd < 0) {
			/* the VFS says ENFILE when it cannot allocate the file */
			ASSERT_TRUE(errno_ok(e) || e == ENFILE)
				TH_LOG("allocation %u: socket: %s", n, strerror(e));
		} else {
			/* the failure was absorbed: the socket must work */
			snprintf(self->group, sizeof(self->group), "fn-%d-s-%u", getpid(), n);
			set_rcvtimeo(_metadata, fd, 20000);
			ASSERT_EQ(0, vsync_join(fd, self->group));
			ASSERT_EQ(0, read_until_view(_metadata, fd, 1, NULL));
			close(fd);
		}
	}
	ASSERT_LT(n, MAX_NTH);
}

TEST_F_TIMEOUT(fn, join, TEST_SECS)
{
	unsigned int n;
	int r, e;

	for (n = 1; n < MAX_NTH; n++) {
		snprintf(self->group, sizeof(self->group), "fn-%d-j-%u", getpid(), n);
		self->b = new_sock(_metadata, self->fam);
		self->a = new_sock(_metadata, self->fam);
		ASSERT_EQ(0, vsync_join(self->b, self->group));
		ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, NULL));
		arm(n);
		r = vsync_join(self->a, self->group);
		e = errno;
		if (!fired()) {
			ASSERT_EQ(0, r) TH_LOG("join: %s", strerror(e));
			ASSERT_EQ(0, read_until_view(_metadata, self->b, 2, NULL));
			TH_LOG("join: %u allocations failed in turn", n - 1);
			return;
		}
		if (r) {
			ASSERT_TRUE(errno_ok(e)) TH_LOG("allocation %u: join: %s", n, strerror(e));
			/* no half membership: joining again works */
			ASSERT_EQ(0, vsync_join(self->a, self->group))
				TH_LOG("allocation %u: join after a failed join: %s", n, strerror(errno));
		}
		ASSERT_EQ(0, read_until_view(_metadata, self->a, 2, NULL))
			TH_LOG("allocation %u", n);
		ASSERT_EQ(0, read_until_view(_metadata, self->b, 2, NULL))
			TH_LOG("allocation %u", n);
		unpair(self);
	}
	ASSERT_LT(n, MAX_NTH);
}

/* sends of len bytes (pieces when long) by a, each failed in turn */
static void send_rounds(struct __test_metadata *_metadata, FIXTURE_DATA(fn) *self,
			size_t len, int order, const char *what)
{
	static char msg[LONG_LEN];
	int sent = 0, next = 0, id = 0, e, done = 0;
	unsigned int n;
	ssize_t r;

	pair_up(_metadata, self, what);
	for (n = 1; n < MAX_NTH && !done; n++) {
		memset(msg, 0x5a, len);
		memcpy(msg, &id, sizeof(id));
		arm(n);
		r = vsync_send_order(self->a, msg, len, order, 0);
		e = errno;
		done = !fired();
		if (r < 0) {
			ASSERT_FALSE(done) TH_LOG("send: %s", strerror(e));
			ASSERT_TRUE(errno_ok(e)) TH_LOG("allocation %u: send: %s", n, strerror(e));
			/* this id must never arrive: the next send reuses it */
			continue;
		}
		ASSERT_EQ((ssize_t)len, r);
		/* both read it, so that no receive queue fills up */
		ASSERT_EQ(0, read_msg(_metadata, self->a, id));
		ASSERT_EQ(0, read_msg(_metadata, self->b, id));
		id++;
		sent++;
	}
	ASSERT_TRUE(done);
	TH_LOG("%s: %u allocations failed in turn, %d sends went through", what, n - 2, sent);
	/*
	 * a failed send that was delivered all the same shows as its id read
	 * twice (the next send reuses it) or as one more message before the
	 * view that a's leave brings
	 */
	next = sent;
	ASSERT_EQ(0, vsync_leave(self->a));
	ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, &next));
	ASSERT_EQ(sent, next);
	unpair(self);
}

TEST_F_TIMEOUT(fn, send_total, TEST_SECS)
{
	send_rounds(_metadata, self, 100, VSYNC_ORDER_TOTAL, "send_total");
}

TEST_F_TIMEOUT(fn, send_fifo, TEST_SECS)
{
	send_rounds(_metadata, self, 100, VSYNC_ORDER_FIFO, "send_fifo");
}

TEST_F_TIMEOUT(fn, send_safe, TEST_SECS)
{
	send_rounds(_metadata, self, 100, VSYNC_ORDER_SAFE, "send_safe");
}

TEST_F_TIMEOUT(fn, send_long_in_pieces, TEST_SECS)
{
	send_rounds(_metadata, self, LONG_LEN, VSYNC_ORDER_TOTAL, "send_long");
}

TEST_F_TIMEOUT(fn, recv, TEST_SECS)
{
	char buf[256];
	struct vsync_item it;
	unsigned int n;
	int id, e, done = 0;
	ssize_t r;

	pair_up(_metadata, self, "r");
	for (n = 1; n < MAX_NTH && !done; n++) {
		id = (int)n;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, &id, sizeof(id));
		ASSERT_EQ(100, vsync_send_order(self->a, buf, 100, 0, 0));
		/* a message that failed to come out must come next time */
		for (;;) {
			arm(n);
			r = vsync_recv_item(self->b, buf, sizeof(buf), 0, &it);
			e = errno;
			done = !fired();
			if (r >= 0)
				break;
			ASSERT_FALSE(done) TH_LOG("recv: %s", strerror(e));
			ASSERT_TRUE(errno_ok(e)) TH_LOG("allocation %u: recv: %s", n, strerror(e));
		}
		ASSERT_EQ(VSYNC_KIND_DATA, it.info.kind);
		ASSERT_EQ(0, memcmp(buf, &id, sizeof(id)));
	}
	ASSERT_TRUE(done);
	TH_LOG("recv: %u allocations failed in turn", n - 2);
}

TEST_F_TIMEOUT(fn, getsockopt_view, TEST_SECS)
{
	union viewbuf vb;
	unsigned int n;
	socklen_t len;
	int r, e;

	pair_up(_metadata, self, "g");
	for (n = 1; n < MAX_NTH; n++) {
		len = sizeof(vb);
		arm(n);
		r = getsockopt(self->a, SOL_VSYNC, VSYNC_VIEW, &vb, &len);
		e = errno;
		if (!fired()) {
			ASSERT_EQ(0, r) TH_LOG("getsockopt: %s", strerror(e));
			ASSERT_EQ(2U, vb.v.n_members);
			TH_LOG("getsockopt(VSYNC_VIEW): %u allocations failed in turn", n - 1);
			return;
		}
		if (r) {
			ASSERT_TRUE(errno_ok(e)) TH_LOG("allocation %u: getsockopt: %s", n, strerror(e));
		} else {
			ASSERT_EQ(2U, vb.v.n_members);
		}
	}
	ASSERT_LT(n, MAX_NTH);
}

TEST_F_TIMEOUT(fn, leave, TEST_SECS)
{
	unsigned int n;
	int r, e;

	for (n = 1; n < MAX_NTH; n++) {
		pair_up(_metadata, self, "l");
		arm(n);
		r = vsync_leave(self->a);
		e = errno;
		if (!fired()) {
			ASSERT_EQ(0, r) TH_LOG("leave: %s", strerror(e));
			ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, NULL));
			TH_LOG("leave: %u allocations failed in turn", n - 1);
			return;
		}
		if (r) {
			ASSERT_TRUE(errno_ok(e)) TH_LOG("allocation %u: leave: %s", n, strerror(e));
			ASSERT_EQ(0, vsync_leave(self->a))
				TH_LOG("allocation %u: leave after a failed leave: %s", n, strerror(errno));
		}
		ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, NULL))
			TH_LOG("allocation %u", n);
		unpair(self);
	}
	ASSERT_LT(n, MAX_NTH);
}

/* close cannot fail: whatever it allocates, the member must go */
TEST_F_TIMEOUT(fn, close_member, TEST_SECS)
{
	unsigned int n;
	int done;

	for (n = 1; n < MAX_NTH; n++) {
		pair_up(_metadata, self, "c");
		arm(n);
		close(self->a);
		self->a = -1;
		done = !fired();
		ASSERT_EQ(0, read_until_view(_metadata, self->b, 1, NULL))
			TH_LOG("allocation %u: the closed member stayed", n);
		unpair(self);
		if (done) {
			TH_LOG("close: %u allocations failed in turn", n - 1);
			return;
		}
	}
	ASSERT_LT(n, MAX_NTH);
}

TEST_HARNESS_MAIN
