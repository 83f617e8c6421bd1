// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync packet validation: the only code that looks at a packet before
 * its fields are known to be in range.  It takes a buffer and a length and
 * nothing from the kernel, so a userspace fuzzer can build it as it is.
 */
#include "msg.h"

/* smallest header each type needs, in words */
static const u8 vsync_min_words[__VSYNC_MSG_TYPE_MAX] = {
	[VSYNC_MSG_HEARTBEAT] = VSYNC_HEARTBEAT_WORDS,
	[VSYNC_MSG_PROPOSE] = VSYNC_VIEW_WORDS,
	[VSYNC_MSG_ACCEPT] = VSYNC_ACCEPT_WORDS,
	[VSYNC_MSG_COMMIT] = VSYNC_VIEW_WORDS,
};

/* A view id names its coordinator and has a nonzero counter. */
static bool vsync_view_id_ok(u64 id, u32 coord)
{
	return (id >> 32) && (u32)id == coord;
}

static enum vsync_msg_verdict vsync_msg_check_view(const __be32 *h)
{
	u32 i, n = msg_view_count(h);

	if (!n || n > VSYNC_NODES_MAX || msg_plen(h) != n * 4)
		return VSYNC_MSG_BAD_FIELD;
	if (!vsync_view_id_ok(msg_view_id(h), msg_src(h)))
		return VSYNC_MSG_BAD_FIELD;
	if (msg_view_flags(h) & ~VSYNC_NVIEW_PRIMARY)
		return VSYNC_MSG_BAD_FIELD;
	for (i = 0; i < n; i++)
		if (!msg_view_node(h, i))
			return VSYNC_MSG_BAD_FIELD;
	return VSYNC_MSG_OK;
}

static enum vsync_msg_verdict vsync_msg_check_type(const __be32 *h)
{
	switch (msg_type(h)) {
	case VSYNC_MSG_HEARTBEAT:
		if (msg_hb_interval(h) < 10 || msg_hb_interval(h) > 10000)
			return VSYNC_MSG_BAD_FIELD;
		if ((msg_hb_vflags(h) & ~VSYNC_NVIEW_PRIMARY) ||
		    msg_bits(h, 10, 16, 0xffff) || !msg_hb_vsize(h) ||
		    msg_hb_vsize(h) > VSYNC_NODES_MAX)
			return VSYNC_MSG_BAD_FIELD;
		/* w9 is the acting coordinator, not always the view's maker */
		if (!(msg_hb_view(h) >> 32) || !msg_hb_coord(h) ||
		    msg_hb_max_view(h) < msg_hb_view(h))
			return VSYNC_MSG_BAD_FIELD;
		return VSYNC_MSG_OK;
	case VSYNC_MSG_PROPOSE:
	case VSYNC_MSG_COMMIT:
		return vsync_msg_check_view(h);
	case VSYNC_MSG_ACCEPT:
		if (!(msg_view_id(h) >> 32) || msg_plen(h))
			return VSYNC_MSG_BAD_FIELD;
		return VSYNC_MSG_OK;
	default:
		return VSYNC_MSG_BAD_TYPE;
	}
}

enum vsync_msg_verdict vsync_msg_validate(const void *pkt, unsigned int len,
					  u32 cluster, u32 self)
{
	const __be32 *h = pkt;
	u32 type, words;

	if (len < VSYNC_BASE_BYTES)
		return VSYNC_MSG_SHORT;
	if (msg_version(h) != VSYNC_WIRE_VERSION)
		return VSYNC_MSG_BAD_VERSION;
	words = msg_hwords(h);
	if (words < VSYNC_BASE_WORDS || words * 4 > len)
		return VSYNC_MSG_BAD_HEADER;
	if (msg_plen(h) != len - words * 4)
		return VSYNC_MSG_BAD_LENGTH;
	type = msg_type(h);
	if (!type || type >= __VSYNC_MSG_TYPE_MAX)
		return VSYNC_MSG_BAD_TYPE;
	if (words < vsync_min_words[type])
		return VSYNC_MSG_BAD_HEADER;
	if (msg_cluster(h) != cluster)
		return VSYNC_MSG_OTHER_CLUSTER;
	if (!msg_src(h) || (msg_dst(h) && msg_dst(h) != self))
		return VSYNC_MSG_BAD_NODE;
	if (msg_src(h) == self)
		return VSYNC_MSG_FROM_SELF;
	return vsync_msg_check_type(h);
}
