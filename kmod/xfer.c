// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync state transfer: a member that joins with VSYNC_STATE set gets
 * the application state of an old member, the donor, before any message
 * of its first view.
 *
 * Every decision is taken when an entry of the node stream is applied, so
 * it is the same at every node (group.c, order.c):
 *
 *   JOIN with VSYNC_EF_WANT_STATE: the member is marked as wanting state.
 *   A view change (join, leave, node view change) restarts the group's
 *     transfer if a member wants state or if the donor of the transfer
 *     under way is gone.  The donor is the lowest-rank member that awaits
 *     no state; the transfer id is the new view's id.  Every member that
 *     awaited state awaits the new transfer (a second joiner makes the
 *     first start over: one transfer per group at a time).  Without a
 *     donor the members awaiting state start from empty state.
 *   DATA with VSYNC_EF_STATE from the donor of the transfer under way
 *     goes to the members awaiting it; one with VSYNC_EF_STATE_END ends
 *     the transfer.  A piece of an older transfer is dropped.
 *
 * The view that starts a transfer is marked VSYNC_VIEW_DONOR for the donor
 * and VSYNC_VIEW_STATE for the joiners (skb->cb; recvmsg() patches the
 * flags in).  A joiner's other items from then on (messages, later views)
 * are held back on its socket (xfer_held) until the last piece is applied,
 * then queued in order after it; a restart drops them, for the new state
 * holds their effect.  Held items are not charged to the receive buffer,
 * so state pieces always get through; senders on the joiner's node count
 * them against its SO_RCVBUF (vsync_member_has_room()).
 *
 * The donor socket learns its duty when it reads (not peeks) a donor view:
 * state sent with VSYNC_CMSG_STATE is stamped with that transfer, and the
 * last piece ends the duty.  State pieces wait for room at the members
 * awaiting them only, and have their own sender sequence (1, 2, ... per
 * transfer), so that the donor's messages keep theirs without gaps.
 *
 * Locking: the apply side runs under stream_lock and takes group->lock
 * only to walk members for flow control; the held queue is changed under
 * stream_lock only.  The donor's duty is written under lock_sock() and
 * read without it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "core.h"

/* m->xfer of a joiner that asked for state, until its view is made */
#define VSYNC_XFER_WANT		U64_MAX

/* The transfer @m awaits, for vsyncctl; 0: none. */
u64 vsync_xfer_awaits(const struct vsync_member *m)
{
	return m->xfer == VSYNC_XFER_WANT ? 0 : m->xfer;
}

static bool vsync_id_eq(const struct vsync_member_id *a,
			const struct vsync_member_id *b)
{
	return a->node == b->node && a->port == b->port;
}

static bool vsync_xfer_has(struct vsync_group *g,
			   const struct vsync_member_id *id)
{
	struct vsync_member *m;

	list_for_each_entry(m, &g->members, list)
		if (vsync_id_eq(&m->id, id))
			return true;
	return false;
}

/* Drop a joiner's held items; wakes senders that waited for them. */
static void vsync_xfer_discard(struct vsync_sock *vs)
{
	if (skb_queue_empty(&vs->xfer_held))
		return;
	__skb_queue_purge(&vs->xfer_held);
	WRITE_ONCE(vs->xfer_held_bytes, 0);
}

/* The JOIN of @vs asks for state if VSYNC_STATE is set (lock_sock held). */
void vsync_xfer_join_entry(struct vsync_sock *vs, struct sk_buff *ent)
{
	vs->xfer_duty = 0;
	vs->xfer_cur = 0;
	vs->xfer_seq = 0;
	if (vs->xfer_want)
		msg_set_bits((__be32 *)ent->data, 0, 16, 0xff,
			     VSYNC_EF_WANT_STATE);
}

/* A JOIN is applied: @m wants state if its entry says so. */
void vsync_xfer_join(struct vsync_member *m, const __be32 *e)
{
	m->xfer = (ent_flags(e) & VSYNC_EF_WANT_STATE) ? VSYNC_XFER_WANT : 0;
	memset(&m->donor, 0, sizeof(m->donor));
}

/* A node learns a group from a GSTATE: member @i's transfer. */
void vsync_xfer_gstate(struct vsync_group *g, struct vsync_member *m,
		       const __be32 *e, u32 i)
{
	m->xfer = ent_gs_xfer(e, i);
	m->donor.node = ent_gs_donor_node(e, i);
	m->donor.port = ent_gs_donor_port(e, i);
	if (m->xfer) {
		g->xfer = m->xfer;
		g->xfer_donor = m->donor;
	}
}

/*
 * The membership of @g changed and g->view_id is the new view's: start the
 * transfer over if a member wants state or the donor is gone.
 */
void vsync_xfer_change(struct vsync_group *g)
{
	struct vsync_member *m, *donor = NULL;
	bool restart = false, purged = false, any = false;
	u32 rank = 0, r = 0;
	u64 id;

	list_for_each_entry(m, &g->members, list) {
		if (m->xfer == VSYNC_XFER_WANT)
			restart = true;
		if (m->xfer)
			any = true;
		if (!donor && !m->xfer) {
			donor = m;
			rank = r;
		}
		r++;
	}
	if (!any) {
		/* the members that awaited state left: no transfer now */
		g->xfer = 0;
		memset(&g->xfer_donor, 0, sizeof(g->xfer_donor));
		return;
	}
	if (g->xfer && !vsync_xfer_has(g, &g->xfer_donor))
		restart = true;
	if (!restart)
		return;

	id = donor ? g->view_id : 0;
	list_for_each_entry(m, &g->members, list) {
		if (!m->xfer)
			continue;
		m->xfer = id;
		if (donor)
			m->donor = donor->id;
		else
			memset(&m->donor, 0, sizeof(m->donor));
		if (m->vs && !skb_queue_empty(&m->vs->xfer_held)) {
			vsync_xfer_discard(m->vs);
			purged = true;
		}
	}
	g->xfer = id;
	g->xfer_rank = rank;
	if (donor)
		g->xfer_donor = donor->id;
	else
		memset(&g->xfer_donor, 0, sizeof(g->xfer_donor));
	if (purged) {
		set_bit(VSYNC_GF_CONGESTED, &g->flags);
		vsync_group_space(g);
	}
}

/*
 * An item is about to be queued to @vs: mark the view that starts a
 * transfer, and hold back the items of a member that awaits state.
 * Returns true if @skb was taken.
 */
bool vsync_xfer_hold(struct vsync_sock *vs, struct sk_buff *skb)
{
	struct vsync_skb_cb *cb = VSYNC_SKB_CB(skb);
	struct vsync_member *m = vs->m;
	struct vsync_group *g = m ? m->group : NULL;

	if (!g)
		return false;
	if (cb->kind == VSYNC_KIND_VIEW && g->xfer &&
	    cb->view_id == g->xfer) {
		if (m->xfer == g->xfer) {
			cb->vflags = VSYNC_VIEW_STATE;
			cb->donor_rank = g->xfer_rank;
		} else if (vsync_id_eq(&m->id, &g->xfer_donor)) {
			cb->vflags = VSYNC_VIEW_DONOR;
			cb->donor_rank = g->xfer_rank;
		}
		return false;
	}
	if (!m->xfer ||
	    (cb->kind != VSYNC_KIND_DATA && cb->kind != VSYNC_KIND_VIEW))
		return false;
	__skb_queue_tail(&vs->xfer_held, skb);
	WRITE_ONCE(vs->xfer_held_bytes, vs->xfer_held_bytes + skb->truesize);
	return true;
}

/* Queue a state piece to @vs; after the last, the items held back. */
static void vsync_xfer_give(struct vsync_sock *vs, struct sk_buff *ent,
			    bool end)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct sock *sk = &vs->sk;
	struct vsync_skb_cb *cb;
	struct sk_buff *skb;

	skb = skb_clone(ent, GFP_KERNEL | __GFP_NOFAIL);
	__skb_pull(skb, ent_data_off(e));
	cb = VSYNC_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->kind = end ? VSYNC_KIND_STATE_END : VSYNC_KIND_STATE;
	cb->order = ent_order(e);
	cb->view_id = ent_xfer(e);
	cb->sender_node = ent_node(e);
	cb->sender_port = ent_port(e);
	cb->sender_seq = ent_seq(e);
	skb_set_owner_r(skb, sk);
	skb_queue_tail(&sk->sk_receive_queue, skb);
	if (end) {
		while ((skb = __skb_dequeue(&vs->xfer_held))) {
			skb_set_owner_r(skb, sk);
			skb_queue_tail(&sk->sk_receive_queue, skb);
		}
		WRITE_ONCE(vs->xfer_held_bytes, 0);
	}
	sk->sk_data_ready(sk);
}

/* A DATA entry with VSYNC_EF_STATE is applied. */
void vsync_xfer_apply(struct vsync_net *vn, struct vsync_group *g,
		      struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	bool end = ent_flags(e) & VSYNC_EF_STATE_END;
	struct vsync_member *m;
	u64 x = ent_xfer(e);

	lockdep_assert_held(&vn->stream_lock);
	/* a piece of an older transfer, or not from its donor */
	if (!g->xfer || x != g->xfer ||
	    ent_node(e) != g->xfer_donor.node ||
	    ent_port(e) != g->xfer_donor.port ||
	    (ent_flags(e) & (VSYNC_EF_FRAG | VSYNC_EF_DEST)))
		return;
	list_for_each_entry(m, &g->members, list) {
		if (m->xfer != x)
			continue;
		if (m->vs)
			vsync_xfer_give(m->vs, ent, end);
		if (end) {
			m->xfer = 0;
			memset(&m->donor, 0, sizeof(m->donor));
		}
	}
	if (end) {
		g->xfer = 0;
		memset(&g->xfer_donor, 0, sizeof(g->xfer_donor));
	}
}

/* The group is dropped here: no transfer goes on, nothing is held. */
void vsync_xfer_drop(struct vsync_group *g)
{
	struct vsync_member *m;

	list_for_each_entry(m, &g->members, list) {
		m->xfer = 0;
		memset(&m->donor, 0, sizeof(m->donor));
		if (m->vs)
			vsync_xfer_discard(m->vs);
	}
	g->xfer = 0;
	memset(&g->xfer_donor, 0, sizeof(g->xfer_donor));
}

/* The socket lets go of its member (stream_lock held). */
void vsync_xfer_detach(struct vsync_sock *vs)
{
	vsync_xfer_discard(vs);
}

void vsync_xfer_sock_init(struct vsync_sock *vs)
{
	skb_queue_head_init(&vs->xfer_held);
}

/* A view is read (lock_sock held): a donor view gives the socket a duty. */
void vsync_xfer_read_view(struct vsync_sock *vs, const struct sk_buff *skb)
{
	const struct vsync_skb_cb *cb = VSYNC_SKB_CB(skb);

	if (cb->vflags & VSYNC_VIEW_DONOR)
		WRITE_ONCE(vs->xfer_duty, cb->view_id);
}

/* The reader's flags and the donor's rank, in a view being copied out. */
void vsync_xfer_patch_view(struct vsync_view *v, const struct sk_buff *skb)
{
	const struct vsync_skb_cb *cb = VSYNC_SKB_CB(skb);

	if (!cb->vflags)
		return;
	v->flags |= cb->vflags;
	v->reserved = cb->donor_rank;
}

static bool vsync_xfer_room(struct vsync_group *g, u64 x, unsigned int size)
{
	struct vsync_member *m;
	struct sock *sk;
	bool room = true;

	spin_lock_bh(&g->lock);
	list_for_each_entry(m, &g->members, list) {
		if (m->xfer != x || !m->vs)
			continue;
		sk = &m->vs->sk;
		/* the receive queue only: held items wait for this piece */
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue) &&
		    atomic_read(&sk->sk_rmem_alloc) + size >
		    READ_ONCE(sk->sk_rcvbuf)) {
			room = false;
			break;
		}
	}
	spin_unlock_bh(&g->lock);
	return room;
}

/* Room for a piece of transfer @x at every member awaiting it. */
static bool vsync_xfer_writable(struct vsync_group *g, u64 x,
				unsigned int size)
{
	if (vsync_xfer_room(g, x, size))
		return true;
	set_bit(VSYNC_GF_CONGESTED, &g->flags);
	/* mark, then look: pairs with the barrier in vsync_group_space() */
	smp_mb__after_atomic();
	return vsync_xfer_room(g, x, size);
}

struct vsync_xfer_piece {
	struct sk_buff *skb;
	u64 x;
};

/* Submit a state piece once every member awaiting it has room. */
static int vsync_xfer_try(struct vsync_sock *vs, struct vsync_group *g,
			  void *arg)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	const struct vsync_xfer_piece *p = arg;
	__be32 *e = (__be32 *)p->skb->data;

	if (!vsync_order_room(vn) ||
	    !vsync_xfer_writable(g, p->x, p->skb->truesize))
		return -EAGAIN;
	if (vs->xfer_cur != p->x) {
		vs->xfer_cur = p->x;
		vs->xfer_seq = 0;
	}
	msg_set_bits(e, 0, 8, 0xff, VSYNC_ORDER_FIFO);
	msg_set_word(e, 1, vs->id.node);
	msg_set_word(e, 2, vs->id.port);
	msg_set_u64(e, 3, ++vs->xfer_seq);
	ent_set_xfer(e, p->x);
	vsync_submit(vn, p->skb);
	return 0;
}

/*
 * sendmsg() with VSYNC_CMSG_STATE: a piece of the state the socket owes
 * (@last: the last piece).  EINVAL without a duty, that is unless the
 * socket read a donor view whose transfer it has not ended yet.  Called for
 * a joined socket; returns 0 once the piece is submitted.
 */
int vsync_xfer_sendmsg(struct vsync_sock *vs, struct msghdr *msg, size_t len,
		       int last)
{
	u32 eflags = VSYNC_EF_STATE | (last ? VSYNC_EF_STATE_END : 0);
	int flags = msg->msg_flags;
	struct sock *sk = &vs->sk;
	struct vsync_xfer_piece p;
	char name[VSYNC_NAME_MAX];
	struct vsync_group *g;
	u32 name_len = 0;
	long timeo;
	int err;
	u64 x;

	x = READ_ONCE(vs->xfer_duty);
	if (!x)
		return -EINVAL;
	if (len > VSYNC_STATE_PIECE_MAX)
		return -EMSGSIZE;

	rcu_read_lock();
	g = rcu_dereference(vs->group);
	if (g) {
		name_len = g->name_len;
		memcpy(name, g->name, name_len);
	}
	rcu_read_unlock();
	if (!g)
		return -EPIPE;	/* left meanwhile */
	p.x = x;
	p.skb = vsync_entry_alloc(sk, VSYNC_ENT_DATA, name, name_len, eflags,
				  len, flags & MSG_DONTWAIT, &err);
	if (!p.skb)
		return err;
	skb_put(p.skb, len);
	err = skb_copy_datagram_from_iter(p.skb, p.skb->len - len,
					  &msg->msg_iter, len);
	if (!err) {
		timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
		err = vsync_stream_wait(vs, &timeo, vsync_xfer_try, &p);
	}
	if (err) {
		kfree_skb(p.skb);
		return err;
	}
	/* the last piece ends the duty, unless a newer one came */
	if (last)
		cmpxchg(&vs->xfer_duty, x, 0);
	return 0;
}
