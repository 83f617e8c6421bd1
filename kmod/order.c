// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync node order: one total order of the group events of all nodes.
 *
 * Every join, leave and message of every group is an entry.  A node puts
 * its own entries on its submission queue (subq), numbered 1, 2, ... and
 * sends them (SUBMIT) to the sequencer, the first node of the installed
 * node view, until it sees them ordered.  The sequencer takes a node's
 * submissions in their order and only once each, numbers them with the
 * next stream position, applies them itself and sends them (ORDER) to every
 * node of the view.  A node applies entries strictly by position, holding
 * early ones (ooo) and asking again for what is missing (ACK with the gap
 * flag); the sequencer also resends what a node's ACKs show it lacks.  An
 * entry is stable once every node of the view has acknowledged it; every
 * node keeps applied entries until they are stable (log), so that after a
 * crash any survivor can give the others what they miss.
 *
 * View changes (membership.c) are the flush: a node that accepts a proposal
 * freezes (applies nothing new and the sequencer orders nothing new) and
 * reports the last position it applied.  The coordinator takes the highest
 * position among the nodes that continue from its view, fetches what it
 * lacks from the best informed, installs, and commits with that position:
 * every continuing node applies exactly the entries up to it (fetching from
 * the coordinator if needed) before it installs the view.  So all nodes
 * that pass from view V to V' applied the same entries in V (guarantee 2).
 * Submissions not ordered by then are sent again to the new sequencer: a
 * message is delivered in the group view its place in the order gives it,
 * never in one older than its sender had when it sent.
 *
 * Nodes that join a view do not share our history: their groups are
 * dropped, and the new sequencer starts the new view's stream with the
 * state of every group (GSTATE) and the submission counters (SYNC).
 *
 * Everything here runs under the node's stream_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "core.h"
#include "mib.h"
#include "msg.h"
#include "transport.h"

#define VSYNC_SUBQ_MAX		256	/* own submissions in flight */
#define VSYNC_WINDOW		1024	/* sequencer: entries above stable */
#define VSYNC_OOO_MAX		1024	/* entries held above a gap */
#define VSYNC_BURST		32	/* entries resent to a node at once */
/*
 * ... and bytes: 32 state pieces of 32 KiB every retransmit interval
 * buried a slow sequencer (the debug kernel) in copies it dropped unread.
 */
#define VSYNC_BURST_BYTES	65536
#define VSYNC_ACK_EVERY		16	/* entries between two ACKs */
#define VSYNC_RS_SHIFT_MAX	5	/* a resend waits 32 intervals at most */

bool vsync_is_sequencer(struct vsync_net *vn)
{
	if (!vn->udp)
		return true;	/* no transport: a node of its own */
	return vn->view.n && vn->view.nodes[0] == vn->node_id &&
	       vn->ord.epoch == vn->view.id;
}

/* May this node add entries?  Not outside a primary view. */
bool vsync_order_can_submit(struct vsync_net *vn)
{
	return !vn->udp || (vn->view.n && vn->view.primary);
}

/* Room for one more submission of this node?  Also asked by poll(). */
bool vsync_order_room(struct vsync_net *vn)
{
	return skb_queue_len_lockless(&vn->ord.subq) < VSYNC_SUBQ_MAX;
}

static struct vsync_subtab *vsync_tab(struct vsync_net *vn, u32 node)
{
	u32 i;

	for (i = 0; i < vn->ord.n_tab; i++)
		if (vn->ord.tab[i].node == node)
			return &vn->ord.tab[i];
	if (vn->ord.n_tab == VSYNC_NODES_MAX)
		return NULL;
	vn->ord.tab[vn->ord.n_tab].node = node;
	vn->ord.tab[vn->ord.n_tab].sub = 0;
	return &vn->ord.tab[vn->ord.n_tab++];
}

static int vsync_view_index(const struct vsync_nview *v, u32 node)
{
	u32 i;

	for (i = 0; i < v->n; i++)
		if (v->nodes[i] == node)
			return i;
	return -1;
}

/* @ent to node @to, or with @to 0, once to the multicast group */
static void vsync_send_order(struct vsync_net *vn, struct sk_buff *ent,
			     u32 to)
{
	const struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);
	struct vsync_peer *p = NULL;
	__be32 h[VSYNC_ORDER_WORDS];
	struct kvec iov[2];

	if (to) {
		p = vsync_peer_by_id(vn, to);
		if (!p)
			return;
	}
	msg_init(h, VSYNC_MSG_ORDER, VSYNC_ORDER_WORDS, vn->cluster,
		 vn->node_id, to, vn->incarnation, ent->len);
	msg_set_flags(h, cb->type);
	msg_set_u64(h, 6, cb->epoch);
	msg_set_u64(h, 8, cb->seq);
	msg_set_u64(h, 10, min(vn->ord.stable, cb->seq - 1));
	msg_set_word(h, 12, cb->origin);
	msg_set_u64(h, 13, cb->sub);
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = ent->data;
	iov[1].iov_len = ent->len;
	if (p)
		vsync_xmit_iov(vn, &p->addr, iov, 2, sizeof(h) + ent->len);
	else if (!vsync_xmit_mcast(vn, iov, 2, sizeof(h) + ent->len))
		VSYNC_INC_STATS(vn, VSYNC_MIB_MCAST_ORDERED);
}

static void vsync_send_submit(struct vsync_net *vn, struct sk_buff *ent)
{
	struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);
	__be32 h[VSYNC_SUBMIT_WORDS];
	struct vsync_peer *p;
	struct kvec iov[2];

	if (!vn->view.n)
		return;
	p = vsync_peer_by_id(vn, vn->view.nodes[0]);
	if (!p)
		return;
	msg_init(h, VSYNC_MSG_SUBMIT, VSYNC_SUBMIT_WORDS, vn->cluster,
		 vn->node_id, p->node_id, vn->incarnation, ent->len);
	msg_set_flags(h, cb->type);
	msg_set_u64(h, 6, cb->sub);
	msg_set_u64(h, 8, vn->view.id);
	iov[0].iov_base = h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = ent->data;
	iov[1].iov_len = ent->len;
	vsync_xmit_iov(vn, &p->addr, iov, 2, sizeof(h) + ent->len);
	cb->sent = jiffies;
}

/* The last entry given to the groups here. */
static u64 vsync_delivered(struct vsync_net *vn)
{
	struct sk_buff *skb = skb_peek(&vn->ord.dq);

	return skb ? VSYNC_ENT_CB(skb)->seq - 1 : vn->ord.have;
}

static void vsync_send_ack(struct vsync_net *vn, u32 to, u32 flags)
{
	struct vsync_peer *p = vsync_peer_by_id(vn, to);
	__be32 h[VSYNC_ACK_WORDS];

	if (!p || to == vn->node_id)
		return;
	msg_init(h, VSYNC_MSG_ACK, VSYNC_ACK_WORDS, vn->cluster, vn->node_id,
		 to, vn->incarnation, 0);
	msg_set_flags(h, flags);
	msg_set_u64(h, 6, vn->view.id);
	msg_set_u64(h, 8, vn->ord.have);
	msg_set_u64(h, 10, min(vn->ord.stable, vn->ord.have));
	msg_set_u64(h, 12, vsync_delivered(vn));
	vsync_xmit(vn, &p->addr, h, sizeof(h));
	if (!(flags & VSYNC_ACK_STABLE)) {
		vn->ord.ack_sent = vn->ord.have;
		vn->ord.dlv_sent = vsync_delivered(vn);
	}
}

/* Count @skb into a resend burst; true once the burst is full. */
static bool vsync_burst_full(u32 *n, u32 *bytes, const struct sk_buff *skb)
{
	*bytes += skb->len;
	return ++*n == VSYNC_BURST || *bytes >= VSYNC_BURST_BYTES;
}

/* Free what every node holds. */
static void vsync_trim(struct vsync_net *vn)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&vn->ord.log)) &&
	       VSYNC_ENT_CB(skb)->seq <= vn->ord.stable)
		kfree_skb(__skb_dequeue(&vn->ord.log));
}

static void vsync_apply_sync(struct vsync_net *vn, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_subtab *t;
	u32 i;

	if (vn->ord.adopting)
		vn->ord.n_tab = 0;
	for (i = 0; i < ent_sync_count(e); i++) {
		t = vsync_tab(vn, ent_sync_node(e, i));
		if (t)
			t->sub = ent_sync_sub(e, i);
	}
	vn->ord.adopting = false;
}

/*
 * Entries delivered only once every node of the view holds them (stable):
 * SAFE messages, and joins and leaves.  A node cut off while it sequences
 * may deliver a TOTAL message that the others never see (documented), but
 * never a view: a group view id names one member list everywhere.
 */
static bool vsync_ent_uniform(const struct sk_buff *ent)
{
	switch (VSYNC_ENT_CB(ent)->type) {
	case VSYNC_ENT_JOIN:
	case VSYNC_ENT_LEAVE:
		return true;
	case VSYNC_ENT_DATA:
		return ent_order((const __be32 *)ent->data) == VSYNC_ORDER_SAFE;
	}
	return false;
}

/*
 * Give an entry in order to the groups.  A uniform entry waits until every
 * node of the view holds it (stable), and everything after it waits with
 * it, so that the one order stays one order.
 */
static void vsync_deliver_one(struct vsync_net *vn, struct sk_buff *ent)
{
	switch (VSYNC_ENT_CB(ent)->type) {
	case VSYNC_ENT_SYNC:
		vsync_apply_sync(vn, ent);
		break;
	case VSYNC_ENT_GSTATE:
	case VSYNC_ENT_REPLAY:
		/* what the nodes that were there before us hold already */
		if (vn->ord.adopting)
			vsync_group_apply(vn, ent);
		break;
	default:
		if (!vn->ord.adopting)
			vsync_group_apply(vn, ent);
	}
}

/*
 * The delivery queue is one per node, but the guarantees are per group: an
 * entry waits only for the entries of its own group that wait before it
 * (and for the system entries that begin a view), not for other groups'.
 * Within a group, a FIFO message whose sender has nothing waiting may also
 * pass the messages of other senders (a SAFE one waiting to be stable, the
 * TOTAL ones behind it), but no join, leave, state piece or piece of a
 * long message.  So may a causal message, past what its sender cannot have
 * read when it sent: its sender's node had not given it to its members
 * then (the message's CAUSE), and it is no FIFO message (which may have
 * gone ahead there).  Passing entries are given to the group at once and
 * stay in the queue, done, until their place comes, so that the group's
 * global_seq still counts messages in stream order.
 *
 * The walk keeps, per group with waiting entries, what may pass them: a
 * bounded table, and past its bounds nothing passes (the old, single
 * order).  In a flush (@bound), what does not go is dropped instead; what
 * went ahead anywhere passed the same or more waiting entries there, so
 * every node of a side delivers and drops alike.
 */
#define VSYNC_DQ_GROUPS		8	/* groups that wait, tracked */
#define VSYNC_DQ_SENDERS	4	/* senders that wait, per group */

struct vsync_dq_wait {
	const char *name;
	u32 len;
	bool hard;			/* nothing of the group passes */
	bool fifo;			/* a FIFO message waits */
	u64 first;			/* where the first waits */
	u32 n;
	struct vsync_member_id senders[VSYNC_DQ_SENDERS];
	u64 ahead;			/* messages waiting, to be numbered */
};

struct vsync_dq_waits {
	bool all;			/* nothing passes any more */
	u32 n;
	struct vsync_dq_wait w[VSYNC_DQ_GROUPS];
};

static bool vsync_ent_system(const struct sk_buff *ent)
{
	u8 type = VSYNC_ENT_CB(ent)->type;

	return type == VSYNC_ENT_SYNC || type == VSYNC_ENT_GSTATE ||
	       type == VSYNC_ENT_REPLAY;
}

/* A whole message, not a state piece: what may pass or be passed. */
static bool vsync_ent_plain(const struct sk_buff *ent)
{
	return VSYNC_ENT_CB(ent)->type == VSYNC_ENT_DATA &&
	       !(ent_flags((const __be32 *)ent->data) &
		 ~(VSYNC_EF_DEST | VSYNC_EF_CAUSE));
}

/* Is @ent, not a system entry, of group @name? */
static bool vsync_ent_of(const struct sk_buff *ent, const char *name, u32 len)
{
	const __be32 *e = (const __be32 *)ent->data;

	return ent_name_len(e) == len && !memcmp(ent_name(e), name, len);
}

static struct vsync_dq_wait *vsync_dq_find(struct vsync_dq_waits *w,
					   const struct sk_buff *ent)
{
	u32 i;

	for (i = 0; i < w->n; i++)
		if (vsync_ent_of(ent, w->w[i].name, w->w[i].len))
			return &w->w[i];
	return NULL;
}

/* Does a message of @ent's sender wait in @q? */
static bool vsync_dq_sender_waits(const struct vsync_dq_wait *q,
				  const __be32 *e)
{
	u32 i;

	for (i = 0; i < q->n; i++)
		if (q->senders[i].node == ent_node(e) &&
		    q->senders[i].port == ent_port(e))
			return true;
	return false;
}

static bool vsync_dq_may_pass(struct vsync_net *vn,
			      const struct vsync_dq_wait *q,
			      const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;

	if (q->hard || vn->ord.adopting || !vsync_ent_plain(ent))
		return false;
	switch (ent_order(e)) {
	case VSYNC_ORDER_FIFO:
		break;
	case VSYNC_ORDER_CAUSAL:
		if (!(ent_flags(e) & VSYNC_EF_CAUSE) || q->fifo ||
		    ent_cause(e) >= q->first)
			return false;
		break;
	default:
		return false;
	}
	return !vsync_dq_sender_waits(q, e);
}

/* @ent (of the group of @q, if any yet) waits: what it holds up. */
static void vsync_dq_hold(struct vsync_net *vn, struct vsync_dq_waits *w,
			  struct vsync_dq_wait *q, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;

	if (w->all || vsync_ent_system(ent)) {
		w->all = true;
		return;
	}
	if (!q) {
		if (w->n == VSYNC_DQ_GROUPS) {
			w->all = true;
			return;
		}
		q = &w->w[w->n++];
		q->name = ent_name(e);
		q->len = ent_name_len(e);
		q->hard = false;
		q->fifo = false;
		q->first = VSYNC_ENT_CB(ent)->seq;
		q->n = 0;
		q->ahead = 0;
	}
	if (!vsync_ent_plain(ent)) {
		q->hard = true;
		return;
	}
	q->fifo |= ent_order(e) == VSYNC_ORDER_FIFO;
	q->ahead += vsync_group_numbers(vn, ent);
	if (vsync_dq_sender_waits(q, e))
		return;
	if (q->n == VSYNC_DQ_SENDERS) {
		q->hard = true;
		return;
	}
	q->senders[q->n].node = ent_node(e);
	q->senders[q->n++].port = ent_port(e);
}

/*
 * A message also waits while a member here it goes to has its receive
 * queue full: its group stops here, this node's ACKs say so, and the
 * sequencer stops a window further (flow control across nodes).
 */
static bool vsync_deliverable(struct vsync_net *vn, const struct sk_buff *ent)
{
	if (vsync_ent_uniform(ent) && VSYNC_ENT_CB(ent)->seq > vn->ord.stable)
		return false;
	return vsync_group_ready(vn, ent);
}

/*
 * Give the groups what may go now.  Without @bound, returns the first
 * entry of a group that is free to go but for a member's room, after @skip
 * others (their groups may evict); with @bound, a flush: a uniform entry
 * above it does not go, nor what may not pass it, and the queue ends empty.
 */
static struct sk_buff *vsync_dq_walk(struct vsync_net *vn, const u64 *bound,
				     u32 skip)
{
	struct sk_buff *skb, *tmp, *full = NULL;
	struct vsync_dq_waits w;
	struct vsync_ent_cb *cb;
	struct vsync_dq_wait *q;
	bool first, go;

	w.all = false;
	w.n = 0;
	skb_queue_walk_safe(&vn->ord.dq, skb, tmp) {
		cb = VSYNC_ENT_CB(skb);
		q = NULL;
		if (w.all) {
			first = false;
		} else if (vsync_ent_system(skb)) {
			first = !w.n;
		} else {
			q = vsync_dq_find(&w, skb);
			first = !q;
		}
		if (cb->done) {
			if (first) {
				if (cb->numbered)
					vsync_group_numbered(vn, skb);
				__skb_unlink(skb, &vn->ord.dq);
				consume_skb(skb);
			} else if (q) {
				q->ahead += cb->numbered;
			}
			continue;
		}
		go = first || (q && vsync_dq_may_pass(vn, q, skb));
		if (go && bound)
			go = !(vsync_ent_uniform(skb) && cb->seq > *bound);
		else if (go && !vsync_deliverable(vn, skb)) {
			/* one a group: the first of it that waits */
			if (first && !full && !(vsync_ent_uniform(skb) &&
						cb->seq > vn->ord.stable) &&
			    !skip--)
				full = skb;
			go = false;
		}
		if (go && first) {
			__skb_unlink(skb, &vn->ord.dq);
			vsync_deliver_one(vn, skb);
			consume_skb(skb);
		} else if (go) {
			cb->numbered = vsync_group_apply_ahead(vn, skb,
							       q->ahead);
			cb->done = true;
			q->ahead += cb->numbered;
		} else {
			/* @w may point into it: a flush drops it below */
			vsync_dq_hold(vn, &w, q, skb);
			if (!bound && w.all)
				break;
		}
	}
	if (bound)
		__skb_queue_purge(&vn->ord.dq);
	return full;
}

/*
 * Up to which stream position this node gave its members every entry of
 * group @name: all that a causal message sent now may depend on, but for
 * FIFO messages gone ahead.
 */
u64 vsync_order_cut(struct vsync_net *vn, const char *name, u32 len)
{
	const struct vsync_ent_cb *cb;
	struct sk_buff *skb;

	lockdep_assert_held(&vn->stream_lock);
	skb_queue_walk(&vn->ord.dq, skb) {
		cb = VSYNC_ENT_CB(skb);
		if (!cb->done && (vsync_ent_system(skb) ||
				  vsync_ent_of(skb, name, len)))
			return cb->seq - 1;
	}
	return vn->ord.have;
}

static void vsync_deliver_ready(struct vsync_net *vn)
{
	if (!skb_queue_empty(&vn->ord.dq))
		vsync_dq_walk(vn, NULL, 0);
}

/* We learnt that every node holds the entries up to @stable. */
static void vsync_stable_to(struct vsync_net *vn, u64 stable)
{
	/* frozen: what we reported in the flush is what counts */
	if (vn->ord.frozen || stable <= vn->ord.stable)
		return;
	vn->ord.stable = min(stable, vn->ord.have);
	vsync_trim(vn);
	vsync_deliver_ready(vn);
}

/* Sequencer: tell every node how far the stream is stable. */
static void vsync_say_stable(struct vsync_net *vn, u32 to)
{
	u32 i;

	if (to) {
		vsync_send_ack(vn, to, VSYNC_ACK_STABLE);
		return;
	}
	for (i = 0; i < vn->view.n; i++)
		vsync_send_ack(vn, vn->view.nodes[i], VSYNC_ACK_STABLE);
	vn->ord.stable_said = vn->ord.stable;
}

/*
 * Sequencer: stable is the least any node of the view acknowledged.  The
 * others learn it from the next ORDER, or at once while a uniform entry
 * may wait for it.
 */
static void vsync_seq_stable(struct vsync_net *vn)
{
	u64 stable = vn->ord.have;
	u32 i;

	for (i = 0; i < vn->view.n; i++)
		if (vn->view.nodes[i] != vn->node_id)
			stable = min(stable, vn->ord.acked[i]);
	if (stable <= vn->ord.stable || vn->ord.frozen)
		return;
	vsync_stable_to(vn, stable);
	if (vn->udp && vn->ord.safe_top > vn->ord.stable_said)
		vsync_say_stable(vn, 0);
}

/* A waiting sender may go on once the submission queue has room again. */
static void vsync_subq_room(struct vsync_net *vn)
{
	struct vsync_group *g;

	list_for_each_entry(g, &vn->groups, list) {
		set_bit(VSYNC_GF_CONGESTED, &g->flags);
		vsync_group_space(g);
	}
}

/*
 * Apply the entry at position have + 1; takes @ent.  What waits in the
 * delivery queue is given to the groups by the caller's walk, once for all
 * it applied in a row: a walk per entry made a burst of n entries behind a
 * waiting one cost n walks of n.
 */
static void vsync_apply(struct vsync_net *vn, struct sk_buff *ent)
{
	const struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);
	struct vsync_subtab *t;
	struct sk_buff *skb;
	bool full;

	vn->ord.have = cb->seq;
	if (cb->origin) {
		t = vsync_tab(vn, cb->origin);
		if (t)
			t->sub = cb->sub;
	}
	if (vn->view.n <= 1 || !vn->udp)
		vn->ord.stable = vn->ord.have;	/* no one else to wait for */
	if (skb_queue_empty(&vn->ord.dq) && vsync_deliverable(vn, ent))
		vsync_deliver_one(vn, ent);
	else
		__skb_queue_tail(&vn->ord.dq,
				 skb_clone(ent, GFP_KERNEL | __GFP_NOFAIL));

	if (cb->origin == vn->node_id) {
		full = skb_queue_len(&vn->ord.subq) >= VSYNC_SUBQ_MAX;
		while ((skb = skb_peek(&vn->ord.subq)) &&
		       VSYNC_ENT_CB(skb)->sub <= cb->sub)
			consume_skb(__skb_dequeue(&vn->ord.subq));
		if (full)
			vsync_subq_room(vn);
	}
	__skb_queue_tail(&vn->ord.log, ent);
	vsync_trim(vn);
}

/*
 * Sequencer: give @ent (taken) the next position and send it out; the
 * caller walks the delivery queue.
 */
static void vsync_sequence(struct vsync_net *vn, struct sk_buff *ent)
{
	struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);
	u32 i, mcast = 0;

	cb->epoch = vn->ord.epoch;
	cb->seq = vn->ord.have + 1;
	cb->sent = jiffies;
	if (vsync_ent_uniform(ent))
		vn->ord.safe_top = cb->seq;
	vsync_apply(vn, ent);
	if (!vn->udp)
		return;
	/*
	 * Once to the group for the nodes that listen there, to each other
	 * node alone; ORDERs do not depend on their destination, and nodes
	 * outside the view, in another epoch, ignore them.
	 */
	for (i = 0; i < vn->view.n; i++) {
		if (vn->view.nodes[i] == vn->node_id)
			continue;
		if (!vsync_mcast_listens(vn, vn->view.nodes[i]))
			vsync_send_order(vn, ent, vn->view.nodes[i]);
		else if (!mcast++)
			vsync_send_order(vn, ent, 0);
	}
	VSYNC_INC_STATS(vn, VSYNC_MIB_ORDERED);
}

/* The least any node of the view gave to its groups, as far as we know. */
static u64 vsync_seq_delivered(struct vsync_net *vn)
{
	u64 least = vsync_delivered(vn);
	u32 i;

	for (i = 0; i < vn->view.n; i++)
		if (vn->view.nodes[i] != vn->node_id)
			least = min(least, vn->ord.dlv[i]);
	return least;
}

static bool vsync_seq_room(struct vsync_net *vn)
{
	return vsync_is_sequencer(vn) && !vn->ord.frozen &&
	       vsync_order_can_submit(vn) &&
	       vn->ord.have - vn->ord.stable < VSYNC_WINDOW &&
	       vn->ord.have - vsync_seq_delivered(vn) < VSYNC_WINDOW;
}

/* Sequencer: order our own submissions that are next in line. */
static void vsync_seq_own(struct vsync_net *vn)
{
	struct vsync_subtab *t = vsync_tab(vn, vn->node_id);
	struct sk_buff *skb, *c;
	bool any = false;

	if (!t)
		return;
	/* applying an own entry takes it off the head of the queue */
	while (vsync_seq_room(vn) && (skb = skb_peek(&vn->ord.subq)) &&
	       VSYNC_ENT_CB(skb)->sub == t->sub + 1) {
		/*
		 * The queue keeps the original until it is applied.  The
		 * send that queued it has returned: nothing would try this
		 * again on a node alone, so the clone waits for memory.
		 */
		c = skb_clone(skb, GFP_KERNEL | __GFP_NOFAIL);
		vsync_sequence(vn, c);
		any = true;
	}
	if (any)
		vsync_deliver_ready(vn);
}

/* Take @ent (its cb type set) as this node's next submission. */
void vsync_submit(struct vsync_net *vn, struct sk_buff *ent)
{
	struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);

	lockdep_assert_held(&vn->stream_lock);
	cb->origin = vn->node_id;
	cb->sub = vn->ord.sub_next++;
	cb->epoch = 0;
	cb->seq = 0;
	cb->sent = jiffies;
	/* the lockless length is read by poll() */
	__skb_queue_tail(&vn->ord.subq, ent);
	if (vsync_is_sequencer(vn)) {
		vsync_seq_own(vn);
	} else {
		vsync_send_submit(vn, ent);
		vsync_node_kick(vn);
	}
}

/* Sequencer: an entry of our own (group state, counters) at the end. */
static void vsync_seq_system(struct vsync_net *vn, struct sk_buff *ent,
			     u8 type)
{
	struct vsync_ent_cb *cb = VSYNC_ENT_CB(ent);

	memset(cb, 0, sizeof(*cb));
	cb->type = type;
	vsync_sequence(vn, ent);
}

static void vsync_rcv_submit(struct vsync_net *vn, struct vsync_peer *p,
			     struct sk_buff *skb)
{
	const __be32 *h = (const __be32 *)skb->data;
	struct vsync_subtab *t = NULL;
	struct vsync_ent_cb *cb;
	u64 sub = msg_submit_id(h);
	u32 type = msg_flags(h);

	if (vsync_seq_room(vn) && msg_submit_view(h) == vn->view.id &&
	    vsync_view_index(&vn->view, p->node_id) >= 0)
		t = vsync_tab(vn, p->node_id);
	if (!t || sub != t->sub + 1) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_SUBMIT_IGNORED);
		consume_skb(skb);
		return;
	}
	__skb_pull(skb, msg_hwords(h) * 4);
	cb = VSYNC_ENT_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->type = type;
	cb->origin = p->node_id;
	cb->sub = sub;
	vsync_sequence(vn, skb);
	vsync_deliver_ready(vn);
}

/*
 * Resend to @to what it lacks after @have, as far as we hold it; with @age,
 * only entries sent that long ago (the answer may still be on its way).
 *
 * Resends to a node are paced: while a burst to it is not all there, no
 * other goes before the burst's timeout, which doubles each time it runs
 * out and halves each time a burst arrives whole.  Unpaced, a node slower
 * than the rate of requests (gap ACKs, a view's end fetched at every
 * COMMIT) gets a burst per request: its receive queue fills with copies of
 * the same entries, and a burst it asked for waits behind thousands of
 * them, its heartbeats too.
 */
static void vsync_resend(struct vsync_net *vn, u32 to, u64 have,
			 unsigned long age)
{
	const unsigned long rto =
		msecs_to_jiffies(READ_ONCE(vn->timers.retransmit_ms));
	struct vsync_peer *p = vsync_peer_by_id(vn, to);
	struct sk_buff *skb;
	u32 n = 0, bytes = 0;
	u64 top = 0;

	if (!p)
		return;
	if (have < p->rs_top) {
		if (time_before(jiffies, p->rs_at + (rto << p->rs_shift)))
			return;
		if (p->rs_shift < VSYNC_RS_SHIFT_MAX)
			p->rs_shift++;
	} else if (p->rs_shift) {
		p->rs_shift--;
	}
	skb_queue_walk(&vn->ord.log, skb) {
		if (VSYNC_ENT_CB(skb)->seq <= have)
			continue;
		if (age && time_before(jiffies, VSYNC_ENT_CB(skb)->sent + age))
			break;
		VSYNC_ENT_CB(skb)->sent = jiffies;
		vsync_send_order(vn, skb, to);
		VSYNC_INC_STATS(vn, VSYNC_MIB_RETRANSMIT);
		top = VSYNC_ENT_CB(skb)->seq;
		if (vsync_burst_full(&n, &bytes, skb))
			break;
	}
	if (top) {
		p->rs_top = top;
		p->rs_at = jiffies;
	}
}

static void vsync_rcv_ack(struct vsync_net *vn, struct vsync_peer *p,
			  const __be32 *h)
{
	u64 view = msg_ack_view(h), have = msg_ack_have(h);
	int i;

	/* a node still in our previous view may be fetching its end */
	if ((view != vn->view.id && view != vn->commit.prev) ||
	    vsync_view_index(&vn->view, p->node_id) < 0) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_ORDER_IGNORED);
		return;
	}
	if (msg_flags(h) & VSYNC_ACK_STABLE) {
		if (view == vn->view.id && vn->view.nodes[0] == p->node_id &&
		    vn->ord.epoch == view && !vsync_is_sequencer(vn))
			vsync_stable_to(vn, msg_ack_stable(h));
		return;
	}
	if (vsync_is_sequencer(vn)) {
		i = vsync_view_index(&vn->view, p->node_id);
		if (i >= 0 && have > vn->ord.acked[i] && have <= vn->ord.have) {
			vn->ord.acked[i] = have;
			vsync_seq_stable(vn);
		}
		if (i >= 0 && msg_ack_delivered(h) > vn->ord.dlv[i] &&
		    msg_ack_delivered(h) <= vn->ord.have) {
			vn->ord.dlv[i] = msg_ack_delivered(h);
			vsync_seq_own(vn);	/* the window may be open again */
		}
		/* it may wait on a uniform entry: our answer may have been lost */
		if (msg_ack_stable(h) < vn->ord.stable &&
		    msg_ack_stable(h) < vn->ord.safe_top)
			vsync_say_stable(vn, p->node_id);
		if (!(msg_flags(h) & VSYNC_ACK_GAP))
			return;
	}
	/* a gap, or a node fetching the end of a view from us */
	vsync_resend(vn, p->node_id, have, 0);
}

/* May the entry at @seq be applied now? */
static bool vsync_may_apply(struct vsync_net *vn, u64 seq)
{
	return !vn->ord.frozen || seq <= vn->ord.flush_to;
}

/* Apply held entries that are next in line. */
static void vsync_apply_held(struct vsync_net *vn)
{
	struct sk_buff *skb;

	while ((skb = skb_peek(&vn->ord.ooo))) {
		if (VSYNC_ENT_CB(skb)->seq <= vn->ord.have) {
			kfree_skb(__skb_dequeue(&vn->ord.ooo));
			continue;
		}
		if (VSYNC_ENT_CB(skb)->seq != vn->ord.have + 1 ||
		    !vsync_may_apply(vn, VSYNC_ENT_CB(skb)->seq))
			break;
		vsync_apply(vn, __skb_dequeue(&vn->ord.ooo));
	}
}

/* Hold an early entry, in position order, once. */
static void vsync_hold(struct vsync_net *vn, struct sk_buff *ent)
{
	u64 seq = VSYNC_ENT_CB(ent)->seq;
	struct sk_buff *skb;

	if (skb_queue_len(&vn->ord.ooo) >= VSYNC_OOO_MAX) {
		kfree_skb(ent);
		return;
	}
	skb_queue_reverse_walk(&vn->ord.ooo, skb) {
		if (VSYNC_ENT_CB(skb)->seq == seq) {
			consume_skb(ent);
			return;
		}
		if (VSYNC_ENT_CB(skb)->seq < seq) {
			__skb_queue_after(&vn->ord.ooo, skb, ent);
			return;
		}
	}
	__skb_queue_head(&vn->ord.ooo, ent);
}

/* Answers to gaps and duplicates: one a jiffy is enough. */
static bool vsync_gap_ack_due(struct vsync_net *vn)
{
	if (!time_after(jiffies, vn->ord.gap_acked))
		return false;
	vn->ord.gap_acked = jiffies;
	return true;
}

static void vsync_rcv_entry(struct vsync_net *vn, struct vsync_peer *p,
			    struct sk_buff *skb)
{
	const __be32 *h = (const __be32 *)skb->data;
	u64 seq = msg_order_seq(h), stable = msg_order_stable(h);
	struct vsync_ent_cb *cb;
	u32 seqr;

	/*
	 * Entries come from the sequencer, or in a flush from another node
	 * of our view; anyone else is not part of this stream.
	 */
	if (msg_order_epoch(h) != vn->ord.epoch || vsync_is_sequencer(vn) ||
	    vsync_view_index(&vn->view, p->node_id) < 0) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_ORDER_IGNORED);
		consume_skb(skb);
		return;
	}
	seqr = vn->view.n ? vn->view.nodes[0] : 0;
	if (seq <= vn->ord.have) {
		/* resent because our ACK was lost: say it again */
		if (p->node_id == seqr && vsync_gap_ack_due(vn))
			vsync_send_ack(vn, seqr, 0);
		consume_skb(skb);
		return;
	}
	cb = VSYNC_ENT_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->type = msg_flags(h);
	cb->epoch = msg_order_epoch(h);
	cb->seq = seq;
	cb->origin = msg_order_origin(h);
	cb->sub = msg_order_sub(h);
	__skb_pull(skb, msg_hwords(h) * 4);

	if (seq == vn->ord.have + 1 && vsync_may_apply(vn, seq)) {
		vsync_apply(vn, skb);
		vsync_apply_held(vn);
		vsync_deliver_ready(vn);
		vsync_stable_to(vn, stable);
	} else {
		vsync_hold(vn, skb);
		if (!vn->ord.frozen && vsync_gap_ack_due(vn))
			vsync_send_ack(vn, seqr, VSYNC_ACK_GAP);
	}
	if (!vn->ord.frozen && vn->ord.have - vn->ord.ack_sent >= VSYNC_ACK_EVERY)
		vsync_send_ack(vn, seqr, 0);
	else if (vn->ord.have != vn->ord.ack_sent)
		vsync_node_kick(vn);	/* the rest is acknowledged at the tick */
	if (vn->ord.frozen && vn->ord.flush_to &&
	    vn->ord.have >= vn->ord.flush_to)
		vsync_gms_caught_up(vn);
}

/* A SUBMIT, ORDER or ACK from @p; takes @skb. */
void vsync_order_rcv(struct vsync_net *vn, struct vsync_peer *p,
		     struct sk_buff *skb)
{
	const __be32 *h = (const __be32 *)skb->data;

	lockdep_assert_held(&vn->stream_lock);
	switch (msg_type(h)) {
	case VSYNC_MSG_SUBMIT:
		vsync_rcv_submit(vn, p, skb);
		return;
	case VSYNC_MSG_ORDER:
		vsync_rcv_entry(vn, p, skb);
		return;
	case VSYNC_MSG_ACK:
		vsync_rcv_ack(vn, p, h);
		break;
	}
	consume_skb(skb);
}

/* Ask @from for the entries after ours, up to the end of a view. */
void vsync_order_fetch(struct vsync_net *vn, u32 from)
{
	vsync_send_ack(vn, from, VSYNC_ACK_GAP);
}

/* Retransmissions; true while something waits for an answer. */
bool vsync_order_tick(struct vsync_net *vn)
{
	const unsigned long rto =
		msecs_to_jiffies(READ_ONCE(vn->timers.retransmit_ms));
	struct sk_buff *skb;
	bool busy = false;
	u32 i, n = 0, bytes = 0;

	lockdep_assert_held(&vn->stream_lock);
	if (!vn->udp || !vn->view.n)
		return false;

	if (!skb_queue_empty(&vn->ord.dq)) {
		vsync_order_retry(vn);
		busy = true;
	}
	if (!skb_queue_empty(&vn->ord.subq)) {
		busy = true;
		if (vsync_is_sequencer(vn)) {
			vsync_seq_own(vn);
		} else {
			skb_queue_walk(&vn->ord.subq, skb) {
				if (time_before(jiffies,
						VSYNC_ENT_CB(skb)->sent + rto))
					continue;
				vsync_send_submit(vn, skb);
				VSYNC_INC_STATS(vn, VSYNC_MIB_RETRANSMIT);
				if (vsync_burst_full(&n, &bytes, skb))
					break;
			}
		}
	}

	if (vsync_is_sequencer(vn)) {
		for (i = 0; i < vn->view.n; i++) {
			if (vn->view.nodes[i] == vn->node_id ||
			    vn->ord.acked[i] >= vn->ord.have)
				continue;
			busy = true;
			/* no progress since the last tick: resend */
			if (vn->ord.acked[i] == vn->ord.acked_tick[i])
				vsync_resend(vn, vn->view.nodes[i],
					     vn->ord.acked[i], 2 * rto);
			vn->ord.acked_tick[i] = vn->ord.acked[i];
		}
	} else if (!vn->ord.frozen) {
		/* a uniform entry waiting: ask how far the stream is stable */
		if (vn->ord.have != vn->ord.ack_sent ||
		    vsync_delivered(vn) != vn->ord.dlv_sent ||
		    !skb_queue_empty(&vn->ord.ooo) ||
		    !skb_queue_empty(&vn->ord.dq)) {
			vsync_send_ack(vn, vn->view.nodes[0],
				       skb_queue_empty(&vn->ord.ooo) ? 0 :
				       VSYNC_ACK_GAP);
			busy = true;
		}
	}
	return busy;
}

/* The first entries of a view that nodes joined: our groups, counters. */
static void vsync_seq_state(struct vsync_net *vn, const struct vsync_commit *c)
{
	struct vsync_group *g;
	struct sk_buff *skb;
	__be32 *e;
	u32 i;

	list_for_each_entry(g, &vn->groups, list) {
		struct sk_buff_head pieces;

		skb = vsync_group_state(g);
		vsync_seq_system(vn, skb, VSYNC_ENT_GSTATE);
		/* the starts of the messages that are still coming */
		__skb_queue_head_init(&pieces);
		vsync_group_replay(g, &pieces);
		while ((skb = __skb_dequeue(&pieces)))
			vsync_seq_system(vn, skb, VSYNC_ENT_REPLAY);
	}
	skb = alloc_skb(4 + 12 * c->v.n, GFP_KERNEL | __GFP_NOFAIL);
	e = skb_put(skb, 4 + 12 * c->v.n);
	msg_set_word(e, 0, c->v.n);
	for (i = 0; i < c->v.n; i++) {
		struct vsync_subtab *t = NULL;

		if (c->cont & BIT_ULL(i))
			t = vsync_tab(vn, c->v.nodes[i]);
		msg_set_word(e, 1 + 3 * i, c->v.nodes[i]);
		msg_set_u64(e, 2 + 3 * i, t ? t->sub : 0);
	}
	vsync_seq_system(vn, skb, VSYNC_ENT_SYNC);
	/* after the loop: a delivery may drop a group */
	vsync_deliver_ready(vn);
}

/*
 * The old view's stream ends: deliver what waited for stability.  Into a
 * primary view, every continuing node holds all of it now, so all of it
 * goes.  Otherwise a uniform entry goes only if it is known that every
 * node of the old view held it, and what may not pass it does not go
 * either.  The bound is the one the coordinator sent (the highest any
 * continuing node reported), the same at every node of the side, so the
 * members there deliver the same messages in the old view.
 */
static void vsync_deliver_flush(struct vsync_net *vn,
				const struct vsync_commit *c, bool cont)
{
	u64 bound = cont ? c->stable : vn->ord.stable;

	if (c->v.primary && cont)
		bound = U64_MAX;
	vsync_dq_walk(vn, &bound, 0);
}

/* Our own pending submissions die with our groups. */
static void vsync_order_forget(struct vsync_net *vn)
{
	__skb_queue_purge(&vn->ord.subq);
	vn->ord.sub_next = 1;
	vn->ord.n_tab = 0;
}

/*
 * A node view is installed: the stream of the old view ended at c->final,
 * which this node has applied if it continues.  Groups lose the members of
 * nodes that do not continue; a node that does not continue itself, or
 * that is outside any primary view, drops its groups.
 */
void vsync_order_install(struct vsync_net *vn, const struct vsync_commit *c)
{
	int self = vsync_view_index(&c->v, vn->node_id);
	bool cont = self >= 0 && (c->cont & BIT_ULL(self));
	struct vsync_subtab tab[VSYNC_NODES_MAX];
	struct vsync_peer *p;
	u32 i, n = 0;

	lockdep_assert_held(&vn->stream_lock);
	vsync_deliver_flush(vn, c, cont);
	if (!c->v.primary || !cont) {
		vsync_groups_drop(vn, c);
		vsync_order_forget(vn);
		vn->ord.adopting = c->v.primary;
	} else {
		vsync_groups_keep(vn, &c->v, c->cont);
		/* counters of the nodes that stay; joiners start over */
		for (i = 0; i < c->v.n; i++) {
			struct vsync_subtab *t = vsync_tab(vn, c->v.nodes[i]);

			tab[n].node = c->v.nodes[i];
			tab[n++].sub = t && (c->cont & BIT_ULL(i)) ? t->sub : 0;
		}
		memcpy(vn->ord.tab, tab, n * sizeof(tab[0]));
		vn->ord.n_tab = n;
	}

	/* positions may start over: no burst of the old view is in flight */
	list_for_each_entry(p, &vn->peers, list) {
		p->rs_top = 0;
		p->rs_shift = 0;
	}
	__skb_queue_purge(&vn->ord.ooo);
	if (!cont) {
		/* another lineage's entries are of no use to anyone here */
		__skb_queue_purge(&vn->ord.log);
		vn->ord.stable = c->final;
	}
	vn->ord.epoch = c->v.id;
	vn->ord.have = c->final;
	vn->ord.ack_sent = vn->ord.have;
	vn->ord.frozen = false;
	vn->ord.flush_to = 0;
	for (i = 0; i < c->v.n; i++) {
		/* what the nodes reported in the flush: they may lag */
		vn->ord.acked[i] = c->final;
		if (vn->proposal.id == c->v.id && (c->cont & BIT_ULL(i)))
			vn->ord.acked[i] = min(c->final, vn->prop_have[i]);
		vn->ord.acked_tick[i] = vn->ord.acked[i];
		vn->ord.dlv[i] = vn->ord.acked[i];
	}
	vn->ord.dlv_sent = vsync_delivered(vn);

	if (c->v.nodes[0] != vn->node_id)
		return;
	if (c->v.primary && c->cont != (c->v.n == 64 ? ~0ULL :
					 BIT_ULL(c->v.n) - 1))
		vsync_seq_state(vn, c);
	vsync_seq_own(vn);
	vsync_seq_stable(vn);
}

/*
 * Deliver what can go now; if a message waits only for a member here that
 * has not read for too long, put that member out and go on.  Each message
 * that waits so is looked at, as each group waits for its own readers.
 */
void vsync_order_retry(struct vsync_net *vn)
{
	struct sk_buff *skb;
	u32 skip = 0;

	lockdep_assert_held(&vn->stream_lock);
	while (!skb_queue_empty(&vn->ord.dq) &&
	       (skb = vsync_dq_walk(vn, NULL, skip))) {
		if (vsync_group_evict_for(vn, skb))
			skip = 0;	/* things moved: from the start */
		else
			skip++;
	}
}

static void vsync_dq_work(struct work_struct *work)
{
	struct vsync_net *vn = container_of(work, struct vsync_net, dq_work);

	mutex_lock(&vn->stream_lock);
	vsync_order_retry(vn);
	/* tell the sequencer: its window may open again */
	if (vn->udp && vn->view.n && !vsync_is_sequencer(vn) &&
	    !vn->ord.frozen && vsync_delivered(vn) != vn->ord.dlv_sent)
		vsync_send_ack(vn, vn->view.nodes[0], 0);
	else if (vsync_is_sequencer(vn))
		vsync_seq_own(vn);
	mutex_unlock(&vn->stream_lock);
}

void vsync_order_init(struct vsync_net *vn)
{
	__skb_queue_head_init(&vn->ord.log);
	__skb_queue_head_init(&vn->ord.ooo);
	__skb_queue_head_init(&vn->ord.subq);
	__skb_queue_head_init(&vn->ord.dq);
	INIT_WORK(&vn->dq_work, vsync_dq_work);
	vn->ord.sub_next = 1;
	vn->ord.gap_acked = jiffies - 1;
}

void vsync_order_exit(struct vsync_net *vn)
{
	__skb_queue_purge(&vn->ord.subq);
	__skb_queue_purge(&vn->ord.ooo);
	__skb_queue_purge(&vn->ord.dq);
	__skb_queue_purge(&vn->ord.log);
}
