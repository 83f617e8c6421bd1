// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_lib: libvsync on one node, through its event API: unicast with
 * vsync_send_to() beside multicast with vsync_send(), a long message, and
 * the errors of a unicast to no member.  Linked with libvsync.a.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vsync.h>

#include "kselftest_harness.h"

FIXTURE(lib) {
	struct vsync *a, *b;
	char group[64];
};

FIXTURE_SETUP(lib)
{
	self->a = vsync_open(0);
	if (!self->a && errno == EAFNOSUPPORT)
		SKIP(return, "af_vsync not loaded");
	ASSERT_NE(NULL, self->a);
	self->b = vsync_open(0);
	ASSERT_NE(NULL, self->b);
	snprintf(self->group, sizeof(self->group), "vlib-%d", getpid());
	ASSERT_EQ(0, vsync_join(self->a, self->group));
	ASSERT_EQ(0, vsync_join(self->b, self->group));
}

FIXTURE_TEARDOWN(lib)
{
	vsync_close(self->a);
	vsync_close(self->b);
}

/* The next event of @v must be of @kind; returns its payload length. */
static size_t next_event(struct __test_metadata *_metadata, struct vsync *v,
			 struct vsync_event *ev, int kind)
{
	ASSERT_EQ(kind, vsync_recv(v, ev, VSYNC_DONTWAIT)) {
		TH_LOG("recv: %s", strerror(errno));
	}
	return ev->len;
}

TEST_F(lib, send_to_one_member)
{
	struct vsync_member_id ida, idb, none;
	struct vsync_event ev;

	ASSERT_EQ(0, vsync_self(self->a, &ida));
	ASSERT_EQ(0, vsync_self(self->b, &idb));
	/* a reads the view that b joined */
	next_event(_metadata, self->a, &ev, VSYNC_KIND_VIEW);

	ASSERT_EQ(0, vsync_send(self->a, "all", 3, 0));
	ASSERT_EQ(0, vsync_send_to(self->a, &idb, "b", 1, VSYNC_ORDER_SAFE));
	ASSERT_EQ(0, vsync_send_to(self->a, NULL, "again", 5, 0));

	ASSERT_EQ(3, next_event(_metadata, self->b, &ev, VSYNC_KIND_DATA));
	EXPECT_EQ(0u, ev.info.flags);
	ASSERT_EQ(1, next_event(_metadata, self->b, &ev, VSYNC_KIND_DATA));
	EXPECT_EQ(0, memcmp(ev.data, "b", 1));
	EXPECT_EQ(VSYNC_MSGINFO_UNICAST, ev.info.flags);
	EXPECT_EQ(VSYNC_ORDER_SAFE, ev.info.order);
	EXPECT_EQ(ida.port, ev.info.sender.port);
	EXPECT_EQ(2, ev.info.sender_seq);
	ASSERT_EQ(5, next_event(_metadata, self->b, &ev, VSYNC_KIND_DATA));
	EXPECT_EQ(3, ev.info.sender_seq);

	/* the sender gets its multicasts only */
	ASSERT_EQ(3, next_event(_metadata, self->a, &ev, VSYNC_KIND_DATA));
	ASSERT_EQ(5, next_event(_metadata, self->a, &ev, VSYNC_KIND_DATA));
	EXPECT_EQ(-1, vsync_recv(self->a, &ev, VSYNC_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	none = idb;
	none.port ^= 0x7777;
	EXPECT_EQ(-1, vsync_send_to(self->a, &none, "x", 1, 0));
	EXPECT_EQ(EHOSTUNREACH, errno);
}

TEST_F(lib, long_unicast)
{
	static char big[3 << 20];
	struct vsync_member_id idb;
	struct vsync_event ev;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	ASSERT_EQ(0, vsync_self(self->b, &idb));
	next_event(_metadata, self->a, &ev, VSYNC_KIND_VIEW);
	ASSERT_EQ(0, vsync_send_to(self->a, &idb, big, sizeof(big), 0));
	ASSERT_EQ(sizeof(big), next_event(_metadata, self->b, &ev, VSYNC_KIND_DATA));
	EXPECT_EQ(0, memcmp(big, ev.data, sizeof(big)));
	EXPECT_EQ(VSYNC_MSGINFO_UNICAST, ev.info.flags);
}

TEST_HARNESS_MAIN
