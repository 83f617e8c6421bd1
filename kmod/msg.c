// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync packet validation: the only code that looks at a packet before
 * its fields are known to be in range.  It takes a buffer and a length and
 * nothing from the kernel, so a userspace fuzzer can build it as it is.
 */
#include <linux/vsync.h>

#include "msg.h"

/* smallest header each type needs, in words */
static const u8 vsync_min_words[__VSYNC_MSG_TYPE_MAX] = {
	[VSYNC_MSG_HEARTBEAT] = VSYNC_HEARTBEAT_WORDS,
	[VSYNC_MSG_PROPOSE] = VSYNC_VIEW_WORDS,
	[VSYNC_MSG_ACCEPT] = VSYNC_ACCEPT_WORDS,
	[VSYNC_MSG_COMMIT] = VSYNC_VIEW_WORDS,
	[VSYNC_MSG_SUBMIT] = VSYNC_SUBMIT_WORDS,
	[VSYNC_MSG_ORDER] = VSYNC_ORDER_WORDS,
	[VSYNC_MSG_ACK] = VSYNC_ACK_WORDS,
};

/* A view id names its coordinator and has a nonzero counter. */
static bool vsync_view_id_ok(u64 id, u32 coord)
{
	return (id >> 32) && (u32)id == coord;
}

static enum vsync_msg_verdict vsync_msg_check_view(const __be32 *h)
{
	u32 i, n = msg_view_count(h);

	if (!n || n > VSYNC_NODES_MAX ||
	    msg_plen(h) != (n + msg_view_map_words(n)) * 4)
		return VSYNC_MSG_BAD_FIELD;
	if (!vsync_view_id_ok(msg_view_id(h), msg_src(h)))
		return VSYNC_MSG_BAD_FIELD;
	if (msg_view_flags(h) & ~VSYNC_NVIEW_PRIMARY ||
	    msg_view_unstable(h) > msg_view_final(h))
		return VSYNC_MSG_BAD_FIELD;
	for (i = 0; i < n; i++)
		if (!msg_view_node(h, i))
			return VSYNC_MSG_BAD_FIELD;
	return VSYNC_MSG_OK;
}

/* A group name: 1..VSYNC_NAME_MAX bytes, no NUL, zero padding. */
static bool vsync_name_ok(const char *name, u32 len, u32 room)
{
	u32 i;

	if (!len || len > VSYNC_NAME_MAX || VSYNC_PAD4(len) > room)
		return false;
	for (i = 0; i < VSYNC_PAD4(len); i++)
		if (!name[i] != (i >= len))
			return false;
	return true;
}

/* The extension words of a DATA or REPLAY entry, and its data length. */
static bool vsync_data_ok(const __be32 *e, u32 len)
{
	u32 flags = ent_flags(e), data = len - ent_data_off(e);
	u32 total, off;

	if (ent_order(e) < VSYNC_ORDER_FIFO ||
	    ent_order(e) > VSYNC_ORDER_SAFE || !ent_seq(e) ||
	    data > VSYNC_ENT_DATA_MAX)
		return false;
	if ((flags & VSYNC_EF_STATE_END) && !(flags & VSYNC_EF_STATE))
		return false;
	if ((flags & VSYNC_EF_DEST) &&
	    (!ent_dest_node(e) || !ent_dest_port(e)))
		return false;
	/* a transfer is named by a group view id: a counter from 1 */
	if ((flags & VSYNC_EF_STATE) && !ent_xfer(e))
		return false;
	/* a whole causal message */
	if ((flags & VSYNC_EF_CAUSE) &&
	    (ent_order(e) != VSYNC_ORDER_CAUSAL ||
	     (flags & (VSYNC_EF_FRAG | VSYNC_EF_STATE))))
		return false;
	if (!(flags & VSYNC_EF_FRAG))
		return true;
	total = ent_frag_total(e);
	off = ent_frag_off(e);
	/* total 0: the sender gave up the message it had begun */
	if (!total)
		return !off && !data;
	return total <= VSYNC_MSG_MAX && data && off < total &&
	       data <= total - off;
}

/*
 * The entry in a SUBMIT or ORDER payload.  @origin is the node whose
 * submission it is (0: the sequencer's own entries).
 */
static bool vsync_entry_ok(u32 type, const __be32 *e, u32 len, u32 origin)
{
	u32 n;

	/* only a message may end off a word boundary */
	if (len % 4 && type != VSYNC_ENT_DATA && type != VSYNC_ENT_REPLAY)
		return false;
	switch (type) {
	case VSYNC_ENT_JOIN:
	case VSYNC_ENT_LEAVE:
	case VSYNC_ENT_DATA:
	case VSYNC_ENT_REPLAY:
		if (len < VSYNC_ENT_WORDS * 4)
			return false;
		if (!vsync_name_ok(ent_name(e), ent_name_len(e),
				   len - VSYNC_ENT_WORDS * 4))
			return false;
		if (msg_bits(e, 0, 24, 0xff) || !ent_node(e) || !ent_port(e))
			return false;
		/* a replayed piece is the sequencer's, of someone's message */
		if (type == VSYNC_ENT_REPLAY ? origin : ent_node(e) != origin)
			return false;
		if (len < ent_data_off(e))
			return false;
		switch (type) {
		case VSYNC_ENT_JOIN:
			return !ent_order(e) && !ent_seq(e) &&
			       !(ent_flags(e) & ~VSYNC_EF_WANT_STATE) &&
			       len == ent_data_off(e);
		case VSYNC_ENT_LEAVE:
			return !ent_order(e) && !ent_seq(e) && !ent_flags(e) &&
			       len == ent_data_off(e);
		case VSYNC_ENT_REPLAY:
			if (!(ent_flags(e) & VSYNC_EF_FRAG) ||
			    (ent_flags(e) & ~(VSYNC_EF_FRAG | VSYNC_EF_DEST)) ||
			    !ent_frag_total(e))
				return false;
			fallthrough;
		default:
			return !(ent_flags(e) & ~VSYNC_EF_DATA_ALL) &&
			       vsync_data_ok(e, len);
		}
	case VSYNC_ENT_GSTATE:
		if (origin || len < VSYNC_GSTATE_WORDS * 4)
			return false;
		if (msg_bits(e, 0, 8, 0xffffff) ||
		    !vsync_name_ok(ent_gs_name(e), ent_name_len(e),
				   len - VSYNC_GSTATE_WORDS * 4))
			return false;
		n = ent_gs_count(e);
		if (!ent_gs_view(e) || !n || n > VSYNC_MEMBERS_MAX ||
		    len != ent_gs_member(e, n) * 4)
			return false;
		for (n = 0; n < ent_gs_count(e); n++) {
			if (!msg_word(e, ent_gs_member(e, n)) ||
			    !msg_word(e, ent_gs_member(e, n) + 1))
				return false;
			/* awaiting state: from a donor; else no donor */
			if (!ent_gs_xfer(e, n) !=
			    !ent_gs_donor_node(e, n) ||
			    !ent_gs_donor_node(e, n) !=
			    !ent_gs_donor_port(e, n))
				return false;
		}
		return true;
	case VSYNC_ENT_SYNC:
		if (origin || len < 4)
			return false;
		n = ent_sync_count(e);
		if (n > VSYNC_NODES_MAX || len != 4 + 12 * n)
			return false;
		for (n = 0; n < ent_sync_count(e); n++)
			if (!ent_sync_node(e, n))
				return false;
		return true;
	}
	return false;
}

/* A view named in an ACCEPT: none (id and count 0), or 1..64 nodes. */
static bool vsync_known_view_ok(u64 id, u32 n)
{
	if (!id)
		return !n;
	return (id >> 32) && n && n <= VSYNC_NODES_MAX;
}

static enum vsync_msg_verdict vsync_msg_check_accept(const __be32 *h)
{
	u32 i, a, b;

	if (msg_plen(h) < VSYNC_ACCEPT_PWORDS * 4)
		return VSYNC_MSG_BAD_FIELD;
	a = msg_accept_lp_count(h);
	b = msg_accept_amb_count(h);
	if (!vsync_known_view_ok(msg_accept_lp(h), a) ||
	    !vsync_known_view_ok(msg_accept_amb(h), b) ||
	    msg_plen(h) != (VSYNC_ACCEPT_PWORDS + a + b) * 4)
		return VSYNC_MSG_BAD_FIELD;
	for (i = 0; i < a + b; i++)
		if (!msg_accept_node(h, i))
			return VSYNC_MSG_BAD_FIELD;
	return VSYNC_MSG_OK;
}

static enum vsync_msg_verdict vsync_msg_check_type(const __be32 *h)
{
	const __be32 *e = h + msg_hwords(h);

	switch (msg_type(h)) {
	case VSYNC_MSG_HEARTBEAT:
		if (msg_hb_interval(h) < 10 || msg_hb_interval(h) > 10000)
			return VSYNC_MSG_BAD_FIELD;
		if ((msg_hb_vflags(h) &
		     ~(VSYNC_NVIEW_PRIMARY | VSYNC_NVIEW_FROZEN)) ||
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
		/* the sender's view is 0 while it has no history to keep */
		if (!(msg_view_id(h) >> 32) ||
		    (msg_accept_view(h) && !(msg_accept_view(h) >> 32)) ||
		    msg_accept_stable(h) > msg_accept_have(h))
			return VSYNC_MSG_BAD_FIELD;
		return vsync_msg_check_accept(h);
	case VSYNC_MSG_SUBMIT:
		if (!msg_submit_id(h) || !(msg_submit_view(h) >> 32) ||
		    msg_flags(h) > VSYNC_ENT_DATA ||
		    !vsync_entry_ok(msg_flags(h), e, msg_plen(h), msg_src(h)))
			return VSYNC_MSG_BAD_FIELD;
		return VSYNC_MSG_OK;
	case VSYNC_MSG_ORDER:
		if (!(msg_order_epoch(h) >> 32) || !msg_order_seq(h) ||
		    msg_order_stable(h) >= msg_order_seq(h) ||
		    !msg_order_origin(h) != !msg_order_sub(h) ||
		    !vsync_entry_ok(msg_flags(h), e, msg_plen(h),
				    msg_order_origin(h)))
			return VSYNC_MSG_BAD_FIELD;
		return VSYNC_MSG_OK;
	case VSYNC_MSG_ACK:
		if (!(msg_ack_view(h) >> 32) || msg_plen(h) ||
		    (msg_flags(h) & ~(VSYNC_ACK_GAP | VSYNC_ACK_STABLE)) ||
		    msg_ack_stable(h) > msg_ack_have(h) ||
		    msg_ack_delivered(h) > msg_ack_have(h))
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
