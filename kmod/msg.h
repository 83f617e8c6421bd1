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
 *   count n; the payload is the n node ids, by rank.
 * ACCEPT (3): w6-w7 = the view id accepted.
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
	__VSYNC_MSG_TYPE_MAX,
};

#define VSYNC_HEARTBEAT_WORDS	13
#define VSYNC_VIEW_WORDS	10	/* PROPOSE, COMMIT */
#define VSYNC_ACCEPT_WORDS	8

/* Largest node view: bounds PROPOSE and COMMIT payloads. */
#define VSYNC_NODES_MAX		64

/* view flags on the wire */
#define VSYNC_NVIEW_PRIMARY	0x1

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
