/* SPDX-License-Identifier: GPL-2.0 */
/*
 * af_vsync wire format.  Every packet starts with a header of __be32 words,
 * read and written only through the accessors below:
 *
 *   w0  version:4 | header words:4 | type:8 | flags:16
 *   w1  cluster id
 *   w2  source node id (never 0)
 *   w3  destination node id (0: every node)
 *   w4  source incarnation (random, new at each transport start)
 *   w5  payload bytes after the header
 *   w6.. type-specific words, up to the header size
 *
 * HEARTBEAT (type 1): w6 = the sender's heartbeat interval in ms,
 *   w7-w8 = its node view id, w9 = the view's acting coordinator (its
 *   first member not held down), w10 = view flags | node count << 8,
 *   w11-w12 = the highest view id it has seen (installed or proposed).
 * PROPOSE (2) and COMMIT (4): w6-w7 = view id, w8 = view flags, w9 = node
 *   count n, w10-w11 = the last entry of the old view's stream (COMMIT;
 *   0 in PROPOSE), w12-w13 = the coordinator's view before this one,
 *   w14 = how far below w10-w11 the entries every node held end (COMMIT:
 *   SAFE messages above that are not delivered outside a primary view;
 *   0 in PROPOSE); the
 *   payload is the n node ids, by rank, then a bitmap of ceil(n / 32)
 *   words: bit i set if node i comes from that view (it keeps its groups),
 *   clear if it joins (it is sent the group state).
 * ACCEPT (3): w6-w7 = the view id accepted, w8-w9 = the view the sender
 *   has installed (0 if it has no group state to keep yet), w10-w11 = the
 *   last entry of its stream it applied, w12-w13 = the last it knows every
 *   node of its view holds (stable).  The payload says which primary
 *   views the sender knows of: p0-p1 = the last primary view it installed
 *   (0: none), p2 = its node count a, p3-p4 = the latest primary view it
 *   accepted since, which may have been installed elsewhere (0: none),
 *   p5 = its node count b, then the a and the b node ids.
 * SUBMIT (5): w6-w7 = submission id (per source node: 1, 2, ...),
 *   w8-w9 = the view the sender has installed; flags = entry type; the
 *   payload is the entry.  Sent to the view's sequencer until ordered.
 * ORDER (6): w6-w7 = epoch (the view whose sequencer numbered it),
 *   w8-w9 = stream position, w10-w11 = stable (every node of the view
 *   holds the entries up to here), w12 = origin node (0: the sequencer's
 *   own), w13-w14 = origin's submission id; flags = entry type; the
 *   payload is the entry.
 * ACK (7): w6-w7 = the sender's view, w8-w9 = the last entry it applied,
 *   w10-w11 = the last it knows to be stable, w12-w13 = the last it gave
 *   to its groups (its members' receive room bounds it: the sequencer
 *   orders at most a window past the least of these); flags bit 0: it holds later
 *   entries (a gap: resend from there); bit 1: from the sequencer, only to
 *   say how far the stream is stable (SAFE messages wait for that).
 *
 * Entries (SUBMIT and ORDER payloads), by type in the flags:
 *   JOIN (1), LEAVE (2), DATA (3): e0 = group name length | order << 8 |
 *     entry flags << 16, e1-e2 = member (node, port), e3-e4 = sender
 *     sequence (DATA), then the name padded to 4 bytes, then two words for
 *     each of these flags that is set, in this order: FRAG (the message's
 *     total length, this piece's offset in it), DEST (the member it is
 *     for: node, port), STATE (the transfer: the view id the donor was
 *     named in); then (DATA) the message or its piece.
 *   REPLAY (6): a DATA piece (FRAG set) ordered again by a new sequencer,
 *     for the nodes that join its view, which lack the message's start.
 *   GSTATE (4): e0 = name length, e1-e2 = view id, e3-e4 = global
 *     sequence, e5 = member count n, the padded name, then n members of
 *     six words: node, port, the state transfer it awaits (two words,
 *     0: none; else the view id that named its donor), the donor's node
 *     and port (0 when it awaits none).
 *   SYNC (5): e0 = count n, then n (node, last submission id hi, lo).
 *
 * A view id is a counter in its high 32 bits and the node id of the
 * coordinator that made it in its low 32 bits, so two coordinators never
 * make the same id.
 *
 * vsync_msg_validate() checks every field before anything else reads the
 * packet; it uses nothing but this header, so it can be built outside the
 * kernel too.
 */
#ifndef _VSYNC_MSG_H
#define _VSYNC_MSG_H

#include <linux/types.h>
#include <asm/byteorder.h>

#define VSYNC_WIRE_VERSION	1
#define VSYNC_BASE_WORDS	6
#define VSYNC_MAX_WORDS		15
#define VSYNC_BASE_BYTES	(VSYNC_BASE_WORDS * 4)

enum vsync_msg_type {
	VSYNC_MSG_HEARTBEAT = 1,
	VSYNC_MSG_PROPOSE = 2,
	VSYNC_MSG_ACCEPT = 3,
	VSYNC_MSG_COMMIT = 4,
	VSYNC_MSG_SUBMIT = 5,
	VSYNC_MSG_ORDER = 6,
	VSYNC_MSG_ACK = 7,
	__VSYNC_MSG_TYPE_MAX,
};

#define VSYNC_HEARTBEAT_WORDS	13
#define VSYNC_VIEW_WORDS	15	/* PROPOSE, COMMIT */
#define VSYNC_ACCEPT_WORDS	14
#define VSYNC_SUBMIT_WORDS	10
#define VSYNC_ORDER_WORDS	15
#define VSYNC_ACK_WORDS		14

enum vsync_ent_type {
	VSYNC_ENT_JOIN = 1,
	VSYNC_ENT_LEAVE = 2,
	VSYNC_ENT_DATA = 3,
	VSYNC_ENT_GSTATE = 4,
	VSYNC_ENT_SYNC = 5,
	VSYNC_ENT_REPLAY = 6,
	__VSYNC_ENT_MAX,
};

/* entry flags (e0 bits 16-23 of JOIN, LEAVE, DATA and REPLAY) */
#define VSYNC_EF_FRAG		0x01	/* DATA: a piece of a long message */
#define VSYNC_EF_DEST		0x02	/* DATA: for one member only */
#define VSYNC_EF_STATE		0x04	/* DATA: state, from a donor */
#define VSYNC_EF_STATE_END	0x08	/* DATA with STATE: the last of it */
#define VSYNC_EF_WANT_STATE	0x10	/* JOIN: the joiner asks for state */
#define VSYNC_EF_CAUSE		0x20	/* DATA: what a causal one may pass */
#define VSYNC_EF_DATA_ALL	(VSYNC_EF_FRAG | VSYNC_EF_DEST | \
				 VSYNC_EF_STATE | VSYNC_EF_STATE_END | \
				 VSYNC_EF_CAUSE)

/* most bytes of message in one entry (unfragmented, or one piece) */
#define VSYNC_ENT_DATA_MAX	65536
#if VSYNC_STATE_PIECE_MAX > VSYNC_ENT_DATA_MAX
#error "a piece of state is one entry"
#endif
/*
 * Entries are cut to this size at most (header, name, extension words,
 * data), so that an ORDER fits a 1500-byte packet over UDP and IPv6:
 * a lost packet then costs one piece, not a whole IP-fragmented message.
 */
#define VSYNC_ENT_PIECE		1380

#define VSYNC_ENT_WORDS		5	/* JOIN, LEAVE, DATA */
#define VSYNC_GSTATE_WORDS	6
#define VSYNC_GS_MEMBER_WORDS	6	/* per member of a GSTATE */
#define VSYNC_ACK_GAP		0x1
#define VSYNC_ACK_STABLE	0x2

/* Largest node view: bounds PROPOSE and COMMIT payloads. */
#define VSYNC_NODES_MAX		64

/* view flags on the wire; FROZEN only in heartbeats */
#define VSYNC_NVIEW_PRIMARY	0x1
#define VSYNC_NVIEW_FROZEN	0x2

/* bytes of a name padded to a word */
#define VSYNC_PAD4(n)		(((n) + 3u) & ~3u)

static inline u32 msg_word(const __be32 *h, unsigned int w)
{
	return be32_to_cpu(h[w]);
}

static inline void msg_set_word(__be32 *h, unsigned int w, u32 val)
{
	h[w] = cpu_to_be32(val);
}

static inline u32 msg_bits(const __be32 *h, unsigned int w,
			   unsigned int shift, u32 mask)
{
	return (msg_word(h, w) >> shift) & mask;
}

static inline void msg_set_bits(__be32 *h, unsigned int w,
				unsigned int shift, u32 mask, u32 val)
{
	u32 word = msg_word(h, w);

	word &= ~(mask << shift);
	word |= (val & mask) << shift;
	msg_set_word(h, w, word);
}

static inline u32 msg_version(const __be32 *h)
{
	return msg_bits(h, 0, 28, 0xf);
}

static inline u32 msg_hwords(const __be32 *h)
{
	return msg_bits(h, 0, 24, 0xf);
}

static inline u32 msg_type(const __be32 *h)
{
	return msg_bits(h, 0, 16, 0xff);
}

static inline u32 msg_flags(const __be32 *h)
{
	return msg_bits(h, 0, 0, 0xffff);
}

static inline u32 msg_cluster(const __be32 *h)
{
	return msg_word(h, 1);
}

static inline u32 msg_src(const __be32 *h)
{
	return msg_word(h, 2);
}

static inline u32 msg_dst(const __be32 *h)
{
	return msg_word(h, 3);
}

static inline u32 msg_incarnation(const __be32 *h)
{
	return msg_word(h, 4);
}

static inline u32 msg_plen(const __be32 *h)
{
	return msg_word(h, 5);
}

static inline u32 msg_hb_interval(const __be32 *h)
{
	return msg_word(h, 6);
}

static inline u64 msg_u64(const __be32 *h, unsigned int w)
{
	return (u64)msg_word(h, w) << 32 | msg_word(h, w + 1);
}

static inline void msg_set_u64(__be32 *h, unsigned int w, u64 val)
{
	msg_set_word(h, w, val >> 32);
	msg_set_word(h, w + 1, (u32)val);
}

static inline u64 msg_hb_view(const __be32 *h)
{
	return msg_u64(h, 7);
}

static inline u32 msg_hb_coord(const __be32 *h)
{
	return msg_word(h, 9);
}

static inline u32 msg_hb_vflags(const __be32 *h)
{
	return msg_bits(h, 10, 0, 0xff);
}

static inline u32 msg_hb_vsize(const __be32 *h)
{
	return msg_bits(h, 10, 8, 0xff);
}

static inline u64 msg_hb_max_view(const __be32 *h)
{
	return msg_u64(h, 11);
}

/* PROPOSE, ACCEPT and COMMIT */
static inline u64 msg_view_id(const __be32 *h)
{
	return msg_u64(h, 6);
}

static inline u32 msg_view_flags(const __be32 *h)
{
	return msg_word(h, 8);
}

static inline u32 msg_view_count(const __be32 *h)
{
	return msg_word(h, 9);
}

static inline u32 msg_view_node(const __be32 *h, u32 i)
{
	return msg_word(h, msg_hwords(h) + i);
}

static inline u64 msg_view_final(const __be32 *h)
{
	return msg_u64(h, 10);
}

static inline u64 msg_view_prev(const __be32 *h)
{
	return msg_u64(h, 12);
}

/* COMMIT: the entries every node held end this far below the last */
static inline u32 msg_view_unstable(const __be32 *h)
{
	return msg_word(h, 14);
}

/* bitmap words after the n node ids of PROPOSE and COMMIT */
static inline u32 msg_view_map_words(u32 n)
{
	return (n + 31) / 32;
}

static inline bool msg_view_continues(const __be32 *h, u32 i)
{
	u32 w = msg_word(h, msg_hwords(h) + msg_view_count(h) + i / 32);

	return w & (1u << (i % 32));
}

/* ACCEPT */
static inline u64 msg_accept_view(const __be32 *h)
{
	return msg_u64(h, 8);
}

static inline u64 msg_accept_have(const __be32 *h)
{
	return msg_u64(h, 10);
}

static inline u64 msg_accept_stable(const __be32 *h)
{
	return msg_u64(h, 12);
}

/* ACCEPT payload: the primary views the sender knows of */
#define VSYNC_ACCEPT_PWORDS	6

static inline u32 msg_pword(const __be32 *h, u32 i)
{
	return msg_word(h, msg_hwords(h) + i);
}

static inline u64 msg_accept_lp(const __be32 *h)
{
	return (u64)msg_pword(h, 0) << 32 | msg_pword(h, 1);
}

static inline u32 msg_accept_lp_count(const __be32 *h)
{
	return msg_pword(h, 2);
}

static inline u64 msg_accept_amb(const __be32 *h)
{
	return (u64)msg_pword(h, 3) << 32 | msg_pword(h, 4);
}

static inline u32 msg_accept_amb_count(const __be32 *h)
{
	return msg_pword(h, 5);
}

/* node i of the last primary view, then of the ambiguous one */
static inline u32 msg_accept_node(const __be32 *h, u32 i)
{
	return msg_pword(h, VSYNC_ACCEPT_PWORDS + i);
}

/* SUBMIT */
static inline u64 msg_submit_id(const __be32 *h)
{
	return msg_u64(h, 6);
}

static inline u64 msg_submit_view(const __be32 *h)
{
	return msg_u64(h, 8);
}

/* ORDER */
static inline u64 msg_order_epoch(const __be32 *h)
{
	return msg_u64(h, 6);
}

static inline u64 msg_order_seq(const __be32 *h)
{
	return msg_u64(h, 8);
}

static inline u64 msg_order_stable(const __be32 *h)
{
	return msg_u64(h, 10);
}

static inline u32 msg_order_origin(const __be32 *h)
{
	return msg_word(h, 12);
}

static inline u64 msg_order_sub(const __be32 *h)
{
	return msg_u64(h, 13);
}

/* ACK */
static inline u64 msg_ack_view(const __be32 *h)
{
	return msg_u64(h, 6);
}

static inline u64 msg_ack_have(const __be32 *h)
{
	return msg_u64(h, 8);
}

static inline u64 msg_ack_stable(const __be32 *h)
{
	return msg_u64(h, 10);
}

static inline u64 msg_ack_delivered(const __be32 *h)
{
	return msg_u64(h, 12);
}

/* entries: @e is the payload of a SUBMIT or ORDER */
static inline u32 ent_name_len(const __be32 *e)
{
	return msg_bits(e, 0, 0, 0xff);
}

static inline u32 ent_order(const __be32 *e)
{
	return msg_bits(e, 0, 8, 0xff);
}

static inline u32 ent_node(const __be32 *e)
{
	return msg_word(e, 1);
}

static inline u32 ent_port(const __be32 *e)
{
	return msg_word(e, 2);
}

static inline u64 ent_seq(const __be32 *e)
{
	return msg_u64(e, 3);
}

static inline const char *ent_name(const __be32 *e)
{
	return (const char *)&e[VSYNC_ENT_WORDS];
}

static inline u32 ent_flags(const __be32 *e)
{
	return msg_bits(e, 0, 16, 0xff);
}

/* word index of the first extension word, after the padded name */
static inline u32 ent_ext(const __be32 *e)
{
	return VSYNC_ENT_WORDS + VSYNC_PAD4(ent_name_len(e)) / 4;
}

/* extension words that @flags call for */
static inline u32 ent_ext_words(u32 flags)
{
	return 2 * (!!(flags & VSYNC_EF_FRAG) + !!(flags & VSYNC_EF_DEST) +
		    !!(flags & VSYNC_EF_STATE) + !!(flags & VSYNC_EF_CAUSE));
}

/* where a DATA entry's message starts */
static inline u32 ent_data_off(const __be32 *e)
{
	return (ent_ext(e) + ent_ext_words(ent_flags(e))) * 4;
}

/* FRAG: the whole message's length (0: the sender gave it up), offset */
static inline u32 ent_frag_total(const __be32 *e)
{
	return msg_word(e, ent_ext(e));
}

static inline u32 ent_frag_off(const __be32 *e)
{
	return msg_word(e, ent_ext(e) + 1);
}

/* DEST: the member a unicast message is for */
static inline u32 ent_dest_word(const __be32 *e)
{
	return ent_ext(e) + ((ent_flags(e) & VSYNC_EF_FRAG) ? 2 : 0);
}

static inline u32 ent_dest_node(const __be32 *e)
{
	return msg_word(e, ent_dest_word(e));
}

static inline u32 ent_dest_port(const __be32 *e)
{
	return msg_word(e, ent_dest_word(e) + 1);
}

/* STATE: the transfer, named by the view id that named the donor */
static inline u32 ent_xfer_word(const __be32 *e)
{
	return ent_dest_word(e) + ((ent_flags(e) & VSYNC_EF_DEST) ? 2 : 0);
}

static inline u64 ent_xfer(const __be32 *e)
{
	return msg_u64(e, ent_xfer_word(e));
}

/*
 * CAUSE: the sender's node had given its members every entry of the group
 * up to this stream position when the message was sent.
 */
static inline u32 ent_cause_word(const __be32 *e)
{
	return ent_xfer_word(e) + ((ent_flags(e) & VSYNC_EF_STATE) ? 2 : 0);
}

static inline u64 ent_cause(const __be32 *e)
{
	return msg_u64(e, ent_cause_word(e));
}

/* writers: the flags are set first, they place the words */
static inline void ent_set_frag(__be32 *e, u32 total, u32 off)
{
	msg_set_word(e, ent_ext(e), total);
	msg_set_word(e, ent_ext(e) + 1, off);
}

static inline void ent_set_dest(__be32 *e, u32 node, u32 port)
{
	msg_set_word(e, ent_dest_word(e), node);
	msg_set_word(e, ent_dest_word(e) + 1, port);
}

static inline void ent_set_xfer(__be32 *e, u64 id)
{
	msg_set_u64(e, ent_xfer_word(e), id);
}

static inline void ent_set_cause(__be32 *e, u64 pos)
{
	msg_set_u64(e, ent_cause_word(e), pos);
}

static inline u64 ent_gs_view(const __be32 *e)
{
	return msg_u64(e, 1);
}

static inline u64 ent_gs_gseq(const __be32 *e)
{
	return msg_u64(e, 3);
}

static inline u32 ent_gs_count(const __be32 *e)
{
	return msg_word(e, 5);
}

static inline const char *ent_gs_name(const __be32 *e)
{
	return (const char *)&e[VSYNC_GSTATE_WORDS];
}

/* word index of member i's node; its port is the next word */
static inline u32 ent_gs_member(const __be32 *e, u32 i)
{
	return VSYNC_GSTATE_WORDS + VSYNC_PAD4(ent_name_len(e)) / 4 +
	       VSYNC_GS_MEMBER_WORDS * i;
}

/* member i's state transfer (0: none) and its donor */
static inline u64 ent_gs_xfer(const __be32 *e, u32 i)
{
	return msg_u64(e, ent_gs_member(e, i) + 2);
}

static inline u32 ent_gs_donor_node(const __be32 *e, u32 i)
{
	return msg_word(e, ent_gs_member(e, i) + 4);
}

static inline u32 ent_gs_donor_port(const __be32 *e, u32 i)
{
	return msg_word(e, ent_gs_member(e, i) + 5);
}

static inline void ent_gs_set_member(__be32 *e, u32 i, u32 node, u32 port,
				     u64 xfer, u32 dnode, u32 dport)
{
	u32 w = ent_gs_member(e, i);

	msg_set_word(e, w, node);
	msg_set_word(e, w + 1, port);
	msg_set_u64(e, w + 2, xfer);
	msg_set_word(e, w + 4, dnode);
	msg_set_word(e, w + 5, dport);
}

static inline u32 ent_sync_count(const __be32 *e)
{
	return msg_word(e, 0);
}

static inline u32 ent_sync_node(const __be32 *e, u32 i)
{
	return msg_word(e, 1 + 3 * i);
}

static inline u64 ent_sync_sub(const __be32 *e, u32 i)
{
	return msg_u64(e, 2 + 3 * i);
}

/* Fill the base header; type-specific words are the caller's. */
static inline void msg_init(__be32 *h, u32 type, u32 hwords, u32 cluster,
			    u32 src, u32 dst, u32 incarnation, u32 plen)
{
	msg_set_word(h, 0, 0);
	msg_set_bits(h, 0, 28, 0xf, VSYNC_WIRE_VERSION);
	msg_set_bits(h, 0, 24, 0xf, hwords);
	msg_set_bits(h, 0, 16, 0xff, type);
	msg_set_word(h, 1, cluster);
	msg_set_word(h, 2, src);
	msg_set_word(h, 3, dst);
	msg_set_word(h, 4, incarnation);
	msg_set_word(h, 5, plen);
}

static inline void msg_set_hb_interval(__be32 *h, u32 ms)
{
	msg_set_word(h, 6, ms);
}

static inline void msg_set_flags(__be32 *h, u32 flags)
{
	msg_set_bits(h, 0, 0, 0xffff, flags);
}

/* Why a packet was refused; the values index the drop counters. */
enum vsync_msg_verdict {
	VSYNC_MSG_OK,
	VSYNC_MSG_SHORT,
	VSYNC_MSG_BAD_VERSION,
	VSYNC_MSG_BAD_HEADER,
	VSYNC_MSG_BAD_LENGTH,
	VSYNC_MSG_BAD_TYPE,
	VSYNC_MSG_OTHER_CLUSTER,
	VSYNC_MSG_BAD_NODE,
	VSYNC_MSG_FROM_SELF,
	VSYNC_MSG_BAD_FIELD,
};

enum vsync_msg_verdict vsync_msg_validate(const void *pkt, unsigned int len,
					  u32 cluster, u32 self);

#endif /* _VSYNC_MSG_H */
