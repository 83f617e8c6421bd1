// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync group layer: membership views and delivery to members.
 *
 * Every node holds the state of every group (its members in rank order,
 * view id, global sequence) and changes it only by applying the entries of
 * the node stream (order.c) in stream order: a JOIN appends a member, a
 * LEAVE removes one, a node view change removes the members of nodes that
 * left; each change bumps the view id and puts the new view into the
 * receive queue of every member of this node, at the same place of the
 * stream as at every other node.  A DATA entry goes to every member here
 * with the next global sequence number.  Members of other nodes are listed
 * (vs == NULL) but get nothing delivered here.
 *
 * Applying an entry cannot fail, for the stream goes on at every node: the
 * few small allocations wait for memory, and clones share the entry.
 *
 * Every function here that changes a group is called with the node's
 * stream_lock held; the only lock it takes is group->lock, around changes
 * of the member list and of m->vs, for the readers outside the stream.
 *
 * References: vsync_net.groups holds one group reference, each attached
 * socket one more (vsync_sock.group); an attached member holds a socket
 * reference.  Groups are freed after an RCU grace period because poll()
 * and the receive path find a member's group under rcu_read_lock() only;
 * they walk its member list under group->lock, so a socket that left is
 * never seen by them and can be freed at once on close().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>

#include "core.h"
#include "mib.h"

/* member lists up to this many bytes stay in the view skb's head */
#define VSYNC_VIEW_INLINE	1024

static struct vsync_group *vsync_group_find(struct vsync_net *vn,
					    const char *name, size_t len)
{
	struct vsync_group *g;

	lockdep_assert_held(&vn->stream_lock);
	list_for_each_entry(g, &vn->groups, list)
		if (g->name_len == len && !memcmp(g->name, name, len))
			return g;
	return NULL;
}

static struct vsync_group *vsync_group_create(struct vsync_net *vn,
					      const char *name, size_t len)
{
	struct vsync_group *g;

	lockdep_assert_held(&vn->stream_lock);
	g = kzalloc(sizeof(*g), GFP_KERNEL | __GFP_NOFAIL);
	refcount_set(&g->ref, 1);
	g->vn = vn;
	INIT_LIST_HEAD(&g->members);
	spin_lock_init(&g->lock);
	memcpy(g->name, name, len);
	g->name_len = len;
	list_add_tail(&g->list, &vn->groups);
	vn->n_groups++;
	return g;
}

void vsync_group_put(struct vsync_group *g)
{
	if (refcount_dec_and_test(&g->ref))
		kfree_rcu(g, rcu);
}

/* An empty group leaves the node's list and drops the list's reference. */
static void vsync_group_unlink(struct vsync_group *g)
{
	list_del(&g->list);
	g->vn->n_groups--;
	vsync_group_put(g);
}

/*
 * Room for @size more bytes in @sk's receive queue; with @held, counting
 * the items held back for a joiner until its state is complete.  Senders
 * count them; the node stream and the reader timeout do not, for the
 * state the joiner waits for comes behind them in the stream.
 */
static bool vsync_member_room(const struct sock *sk, unsigned int size,
			      bool with_held)
{
	u32 held = with_held ? READ_ONCE(vsync_sk(sk)->xfer_held_bytes) : 0;

	/* An empty queue takes any message, so one larger than SO_RCVBUF
	 * cannot block the group for ever.
	 */
	if (skb_queue_empty_lockless(&sk->sk_receive_queue) && !held)
		return true;
	return atomic_read(&sk->sk_rmem_alloc) + held + size <=
	       READ_ONCE(sk->sk_rcvbuf);
}

/*
 * With @sender, room as a sender here sees it; otherwise as the node
 * stream does, which also passes members that wait for their LEAVE: they
 * read nothing until it is applied, and it comes after what they wait for.
 */
static bool vsync_group_has_room(struct vsync_group *g, unsigned int size,
				 bool sender)
{
	struct vsync_member *m;
	bool room = true;

	spin_lock_bh(&g->lock);
	list_for_each_entry(m, &g->members, list) {
		if (!m->vs || (!sender &&
			       READ_ONCE(m->vs->state) == VSYNC_SS_LEAVING))
			continue;
		if (!vsync_member_room(&m->vs->sk, size, sender)) {
			room = false;
			break;
		}
	}
	spin_unlock_bh(&g->lock);
	return room;
}

/*
 * True if every member can take @size more bytes now.  If not, the group is
 * marked congested before the second look, so that a reader freeing space
 * after that look is sure to see the mark and wake the senders: the reader
 * frees, then tests the mark (vsync_group_space()).
 */
bool vsync_group_writable(struct vsync_group *g, unsigned int size)
{
	if (vsync_group_has_room(g, size, true))
		return true;
	set_bit(VSYNC_GF_CONGESTED, &g->flags);
	/* mark, then look: pairs with the barrier in vsync_group_space() */
	smp_mb__after_atomic();
	return vsync_group_has_room(g, size, true);
}

/* A reader freed receive space: wake senders that wait for it. */
void vsync_group_space(struct vsync_group *g)
{
	struct vsync_member *m;

	/* free, then test the mark: pairs with vsync_group_writable() */
	smp_mb();
	/* the node stream waits for this group's readers too */
	if (test_bit(VSYNC_GF_HELD, &g->flags) &&
	    test_and_clear_bit(VSYNC_GF_HELD, &g->flags))
		queue_work(vsync_wq, &g->vn->dq_work);
	if (!test_bit(VSYNC_GF_CONGESTED, &g->flags) ||
	    !test_and_clear_bit(VSYNC_GF_CONGESTED, &g->flags))
		return;
	spin_lock_bh(&g->lock);
	list_for_each_entry(m, &g->members, list)
		if (m->vs)
			m->vs->sk.sk_write_space(&m->vs->sk);
	spin_unlock_bh(&g->lock);
}

/*
 * May the node stream give @ent to its group now?  Not a message while a
 * member here has its queue over SO_RCVBUF: the mark makes that member's
 * next read retry (vsync_group_space()), as for senders.
 */
bool vsync_group_ready(struct vsync_net *vn, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_group *g;

	if (VSYNC_ENT_CB(ent)->type != VSYNC_ENT_DATA ||
	    (ent_flags(e) & VSYNC_EF_STATE) ||
	    ((ent_flags(e) & VSYNC_EF_FRAG) &&
	     (!ent_frag_total(e) || ent_frag_off(e) + ent->len -
	      ent_data_off(e) != ent_frag_total(e))))
		return true;	/* delivers nothing by itself */
	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	if (!g || vsync_group_has_room(g, 1, false))
		return true;
	set_bit(VSYNC_GF_HELD, &g->flags);
	/* mark, then look: pairs with the barrier in vsync_group_space() */
	smp_mb__after_atomic();
	return vsync_group_has_room(g, 1, false);
}

/*
 * Put out of @g a member here that has no room for @size more bytes and
 * has not read for net.vsync.reader_timeout_ms: one process that stopped
 * reading must not hold its group up for ever.  True if one was; its
 * LEAVE may be applied at once, so neither the member list nor @g (if
 * that was its last member) may be touched after it: call again.
 */
bool vsync_group_evict(struct vsync_group *g, unsigned int size)
{
	struct vsync_net *vn = g->vn;
	int ms = READ_ONCE(vn->timers.reader_timeout_ms);
	struct vsync_member *m;

	lockdep_assert_held(&vn->stream_lock);
	if (!ms)
		return false;
	list_for_each_entry(m, &g->members, list) {
		if (!m->vs || m->vs->state != VSYNC_SS_JOINED ||
		    vsync_member_room(&m->vs->sk, size, false) ||
		    time_before(jiffies, READ_ONCE(m->vs->last_read) +
					 msecs_to_jiffies(ms)))
			continue;
		VSYNC_INC_STATS(vn, VSYNC_MIB_READER_EVICTED);
		vsync_stream_evict(vn, m->vs);
		return true;
	}
	return false;
}

/* The same for the group of entry @ent. */
bool vsync_group_evict_for(struct vsync_net *vn, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_group *g;

	if (VSYNC_ENT_CB(ent)->type != VSYNC_ENT_DATA)
		return false;
	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	return g && vsync_group_evict(g, 1);
}

static void vsync_deliver(struct vsync_sock *m, struct sk_buff *skb)
{
	struct sock *sk = &m->sk;

	if (vsync_xfer_hold(m, skb))
		return;
	skb_set_owner_r(skb, sk);
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_data_ready(sk);
}

static bool vsync_node_continues(const struct vsync_nview *v, u64 cont,
				 u32 node)
{
	u32 i;

	for (i = 0; i < v->n; i++)
		if (v->nodes[i] == node)
			return cont & BIT_ULL(i);
	return false;
}

/*
 * Build the current view of @g for its members here.  With @only set (a
 * last, non-primary view), it lists the members of the nodes that continue
 * in only->v.  The
 * reader's own rank is filled in by recvmsg().  A long member list goes in
 * page fragments: a view of a thousand members then needs no allocation
 * above order 0; a short one stays inline, so that it is not charged a
 * page at every reader.
 */
static struct sk_buff *vsync_view_build(struct vsync_group *g, u64 id,
					u32 flags, u32 joined,
					const struct vsync_commit *only)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOFAIL;
	struct vsync_member *m;
	struct vsync_skb_cb *cb;
	struct vsync_view *v;
	struct sk_buff *skb;
	size_t ids, inline_ids;
	int off, err;
	u32 n = 0;

	list_for_each_entry(m, &g->members, list)
		if (!only || vsync_node_continues(&only->v, only->cont,
						  m->id.node))
			n++;
	ids = n * sizeof(struct vsync_member_id);
	inline_ids = ids <= VSYNC_VIEW_INLINE ? ids : 0;
	do {
		skb = alloc_skb_with_frags(sizeof(*v) + inline_ids,
					   ids - inline_ids, 0, &err, gfp);
	} while (!skb);
	v = skb_put_zero(skb, sizeof(*v) + inline_ids);
	v->view_id = id;
	v->n_members = n;
	v->flags = flags;
	v->n_joined = joined;
	v->n_left = g->n_left;
	skb->data_len = ids - inline_ids;
	skb->len += ids - inline_ids;

	off = sizeof(*v);
	list_for_each_entry(m, &g->members, list) {
		if (only && !vsync_node_continues(&only->v, only->cont,
						  m->id.node))
			continue;
		skb_store_bits(skb, off, &m->id, sizeof(m->id));
		off += sizeof(m->id);
	}

	cb = VSYNC_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->kind = VSYNC_KIND_VIEW;
	cb->view_id = id;
	cb->global_seq = g->gseq;
	return skb;
}

/* Give every attached member here a clone of @skb (taken), in rank order. */
static void vsync_deliver_all(struct vsync_group *g, struct sk_buff *skb)
{
	struct vsync_member *m;
	struct sk_buff *c;

	list_for_each_entry(m, &g->members, list) {
		if (!m->vs)
			continue;
		c = skb_clone(skb, GFP_KERNEL | __GFP_NOFAIL);
		vsync_deliver(m->vs, c);
	}
	consume_skb(skb);
}

/* The membership of @g changed: the next view, to every member here. */
static void vsync_view_change(struct vsync_group *g, u32 joined)
{
	g->view_id++;
	vsync_xfer_change(g);
	if (g->n_local)
		vsync_deliver_all(g, vsync_view_build(g, g->view_id,
						      VSYNC_VIEW_PRIMARY,
						      joined, NULL));
	g->n_left = 0;
}

static struct vsync_member *vsync_member_find(struct vsync_group *g,
					      u32 node, u32 port)
{
	struct vsync_member *m;

	list_for_each_entry(m, &g->members, list)
		if (m->id.node == node && m->id.port == port)
			return m;
	return NULL;
}

bool vsync_group_has(struct vsync_group *g, const struct vsync_member_id *id)
{
	return vsync_member_find(g, id->node, id->port);
}

static void vsync_member_link(struct vsync_group *g, struct vsync_member *m)
{
	spin_lock_bh(&g->lock);
	list_add_tail(&m->list, &g->members);
	spin_unlock_bh(&g->lock);
	m->group = g;
	g->n_members++;
	if (m->vs)
		g->n_local++;
}

static void vsync_member_unlink(struct vsync_group *g, struct vsync_member *m)
{
	spin_lock_bh(&g->lock);
	list_del_init(&m->list);
	spin_unlock_bh(&g->lock);
	g->n_members--;
	g->n_left++;
}

/*
 * The socket of a member here lets go of it: on close(), on a leave once
 * applied, or when the group drops the member (@err: ENETDOWN).  The
 * member entry itself stays for as long as the stream needs it.
 */
void vsync_member_detach(struct vsync_net *vn, struct vsync_member *m, int err)
{
	struct vsync_sock *vs = m->vs;
	struct vsync_group *g;
	struct sock *sk;

	lockdep_assert_held(&vn->stream_lock);
	if (!vs)
		return;
	sk = &vs->sk;
	vsync_xfer_detach(vs);
	g = m->group;
	if (g && !list_empty(&m->list)) {
		spin_lock_bh(&g->lock);
		m->vs = NULL;
		spin_unlock_bh(&g->lock);
		g->n_local--;
	} else {
		m->vs = NULL;
	}
	g = rcu_dereference_protected(vs->group,
				      lockdep_is_held(&vn->stream_lock));
	RCU_INIT_POINTER(vs->group, NULL);
	vs->m = NULL;
	vs->err = err;
	WRITE_ONCE(vs->state, VSYNC_SS_LEFT);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sk->sk_state_change(sk);
	/* a sender waiting for room in this queue may go on */
	if (g) {
		set_bit(VSYNC_GF_CONGESTED, &g->flags);
		vsync_group_space(g);
		vsync_group_put(g);
	}
	sock_put(sk);
}

struct vsync_member *vsync_member_alloc(gfp_t gfp, u32 node, u32 port)
{
	struct vsync_member *m = kzalloc(sizeof(*m), gfp);

	if (!m)
		return NULL;
	INIT_LIST_HEAD(&m->list);
	__skb_queue_head_init(&m->pieces);
	m->id.node = node;
	m->id.port = port;
	return m;
}

/* A member entry of this node is done with: the port may be reused. */
static void vsync_member_free(struct vsync_net *vn, struct vsync_member *m,
			      int err)
{
	if (m->id.node == vn->node_id &&
	    xa_load(&vn->ports, m->id.port) == m) {
		vsync_member_detach(vn, m, err);
		xa_erase(&vn->ports, m->id.port);
		vn->n_members--;
	}
	__skb_queue_purge(&m->pieces);
	kfree(m);
}

static void vsync_apply_join(struct vsync_net *vn, struct vsync_group *g,
			     const __be32 *e)
{
	struct vsync_member *m = NULL;
	struct vsync_sock *vs;

	if (ent_node(e) == vn->node_id)
		m = xa_load(&vn->ports, ent_port(e));
	if (g->n_members >= VSYNC_MEMBERS_MAX ||
	    vsync_member_find(g, ent_node(e), ent_port(e))) {
		/* refused in the same place everywhere */
		if (m)
			vsync_member_free(vn, m, EUSERS);
		return;
	}
	if (!m)
		m = vsync_member_alloc(GFP_KERNEL | __GFP_NOFAIL, ent_node(e),
				       ent_port(e));
	vsync_member_link(g, m);
	vsync_xfer_join(m, e);
	vs = m->vs;
	if (vs) {
		refcount_inc(&g->ref);
		rcu_assign_pointer(vs->group, g);
		WRITE_ONCE(vs->last_read, jiffies);
		WRITE_ONCE(vs->state, VSYNC_SS_JOINED);
	}
	vsync_view_change(g, 1);
	if (vs)
		vs->sk.sk_state_change(&vs->sk);
}

static void vsync_apply_leave(struct vsync_net *vn, struct vsync_group *g,
			      const __be32 *e)
{
	struct vsync_member *m = vsync_member_find(g, ent_node(e), ent_port(e));

	if (!m)
		return;
	/* the leaver's socket, if still there, is not in the next view */
	vsync_member_detach(vn, m, 0);
	vsync_member_unlink(g, m);
	vsync_view_change(g, 0);
	vsync_member_free(vn, m, 0);
}

/*
 * Deliver a whole message, @msg (taken), described by entry header @e (of
 * its only or last piece): to every member here, or with DEST to the one
 * it names.  A unicast is not numbered in the group's total order: it
 * carries the global sequence of the last group message instead.
 */
static void vsync_deliver_msg(struct vsync_group *g, const __be32 *e,
			      struct sk_buff *msg)
{
	bool dest = ent_flags(e) & VSYNC_EF_DEST;
	struct vsync_skb_cb *cb;
	struct vsync_member *m;
	struct sk_buff *c;

	if (!dest)
		g->gseq++;
	cb = VSYNC_SKB_CB(msg);
	memset(cb, 0, sizeof(*cb));
	cb->kind = VSYNC_KIND_DATA;
	cb->order = ent_order(e);
	cb->view_id = g->view_id;
	cb->sender_node = ent_node(e);
	cb->sender_port = ent_port(e);
	cb->sender_seq = ent_seq(e);
	cb->global_seq = g->gseq;
	cb->unicast = dest;
	list_for_each_entry(m, &g->members, list) {
		if (!m->vs || (dest && (m->id.node != ent_dest_node(e) ||
					m->id.port != ent_dest_port(e))))
			continue;
		c = skb_clone(msg, GFP_KERNEL | __GFP_NOFAIL);
		vsync_deliver(m->vs, c);
	}
	consume_skb(msg);
}

/* The message in @m's pieces, one skb chaining them (taken from @m). */
static struct sk_buff *vsync_pieces_join(struct vsync_member *m)
{
	struct sk_buff *head, *p, **tail;

	head = alloc_skb(0, GFP_KERNEL | __GFP_NOFAIL);
	tail = &skb_shinfo(head)->frag_list;
	while ((p = __skb_dequeue(&m->pieces))) {
		__skb_pull(p, ent_data_off((const __be32 *)p->data));
		head->len += p->len;
		head->data_len += p->len;
		head->truesize += p->truesize;
		*tail = p;
		tail = &p->next;
	}
	m->piece_bytes = 0;
	return head;
}

/*
 * A piece of a long message.  Pieces of one sender come in order, for its
 * socket sends one message at a time; a message is delivered with its
 * last piece, in the view and at the place of that piece, at every node
 * alike.  A node that joined after the first piece got the earlier ones
 * replayed (REPLAY), so it holds the same pieces as every other node.
 */
static void vsync_apply_piece(struct vsync_member *sender,
			      struct vsync_group *g, struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	u32 len = ent->len - ent_data_off(e);

	if (!ent_frag_off(e) || !ent_frag_total(e) ||
	    ent_frag_off(e) != sender->piece_bytes) {
		/* a new message, or the one begun given up */
		__skb_queue_purge(&sender->pieces);
		sender->piece_bytes = 0;
		if (!ent_frag_total(e) || ent_frag_off(e))
			return;
	}
	__skb_queue_tail(&sender->pieces,
			 skb_clone(ent, GFP_KERNEL | __GFP_NOFAIL));
	sender->piece_bytes += len;
	if (sender->piece_bytes == ent_frag_total(e) &&
	    VSYNC_ENT_CB(ent)->type == VSYNC_ENT_DATA)
		vsync_deliver_msg(g, e, vsync_pieces_join(sender));
}

static void vsync_apply_data(struct vsync_net *vn, struct vsync_group *g,
			     struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_member *sender;
	struct sk_buff *c;

	sender = vsync_member_find(g, ent_node(e), ent_port(e));
	if (!sender)
		return;
	if (ent_flags(e) & VSYNC_EF_FRAG) {
		vsync_apply_piece(sender, g, ent);
		return;
	}
	c = skb_clone(ent, GFP_KERNEL | __GFP_NOFAIL);
	__skb_pull(c, ent_data_off(e));
	vsync_deliver_msg(g, e, c);
}

/*
 * Clones of the pieces of every message in progress in @g, for a new
 * sequencer to order again (REPLAY) for the nodes that join its view.
 */
void vsync_group_replay(struct vsync_group *g, struct sk_buff_head *q)
{
	struct vsync_member *m;
	struct sk_buff *p;

	list_for_each_entry(m, &g->members, list)
		skb_queue_walk(&m->pieces, p)
			__skb_queue_tail(q, skb_clone(p, GFP_KERNEL |
							 __GFP_NOFAIL));
}

/* A joining node learns a group as the stream had it. */
static void vsync_apply_gstate(struct vsync_net *vn, const __be32 *e)
{
	struct vsync_group *g;
	struct vsync_member *m;
	u32 i, w;

	if (vsync_group_find(vn, ent_gs_name(e), ent_name_len(e)))
		return;
	g = vsync_group_create(vn, ent_gs_name(e), ent_name_len(e));
	g->view_id = ent_gs_view(e);
	g->gseq = ent_gs_gseq(e);
	for (i = 0; i < ent_gs_count(e); i++) {
		w = ent_gs_member(e, i);
		m = vsync_member_alloc(GFP_KERNEL | __GFP_NOFAIL,
				       msg_word(e, w), msg_word(e, w + 1));
		vsync_member_link(g, m);
		vsync_xfer_gstate(g, m, e, i);
	}
	g->n_left = 0;
}

/* Apply one entry of the node stream to the groups. */
void vsync_group_apply(struct vsync_net *vn, struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	u8 type = VSYNC_ENT_CB(ent)->type;
	struct vsync_group *g;

	lockdep_assert_held(&vn->stream_lock);
	if (type == VSYNC_ENT_GSTATE) {
		vsync_apply_gstate(vn, e);
		return;
	}
	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	switch (type) {
	case VSYNC_ENT_JOIN:
		if (!g)
			g = vsync_group_create(vn, ent_name(e),
					       ent_name_len(e));
		vsync_apply_join(vn, g, e);
		break;
	case VSYNC_ENT_LEAVE:
		if (g)
			vsync_apply_leave(vn, g, e);
		break;
	case VSYNC_ENT_DATA:
	case VSYNC_ENT_REPLAY:
		if (g && (ent_flags(e) & VSYNC_EF_STATE))
			vsync_xfer_apply(vn, g, ent);
		else if (g)
			vsync_apply_data(vn, g, ent);
		break;
	}
	if (g && !g->n_members)
		vsync_group_unlink(g);
}

/*
 * Would @ent, a whole message that is not a state piece, take a global_seq
 * if it were applied now?  A unicast does not, nor a message whose sender
 * is not a member.
 */
u32 vsync_group_numbers(struct vsync_net *vn, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_group *g;

	if (ent_flags(e) & VSYNC_EF_DEST)
		return 0;
	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	return g && vsync_member_find(g, ent_node(e), ent_port(e)) ? 1 : 0;
}

/*
 * Deliver @ent, a whole FIFO message, before @ahead messages that come
 * before it in the stream but wait (order.c): it takes the global_seq of
 * its place, as everywhere else.  The group counts it when its place comes
 * (vsync_group_numbered()), so the messages before it still number in
 * stream order.  True if it took a global_seq.
 */
bool vsync_group_apply_ahead(struct vsync_net *vn, struct sk_buff *ent,
			     u64 ahead)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_group *g;
	u64 gseq;
	bool took;

	lockdep_assert_held(&vn->stream_lock);
	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	if (!g)
		return false;
	gseq = g->gseq;
	g->gseq += ahead;
	vsync_apply_data(vn, g, ent);
	took = g->gseq != gseq + ahead;
	g->gseq = gseq;
	return took;
}

/* The place of a message delivered ahead of it comes: count it. */
void vsync_group_numbered(struct vsync_net *vn, const struct sk_buff *ent)
{
	const __be32 *e = (const __be32 *)ent->data;
	struct vsync_group *g;

	g = vsync_group_find(vn, ent_name(e), ent_name_len(e));
	if (g)
		g->gseq++;
}

/* A node view change: members of nodes that do not continue leave. */
void vsync_groups_keep(struct vsync_net *vn, const struct vsync_nview *v,
		       u64 cont)
{
	struct vsync_member *m, *tmp;
	struct vsync_group *g, *gt;

	lockdep_assert_held(&vn->stream_lock);
	list_for_each_entry_safe(g, gt, &vn->groups, list) {
		list_for_each_entry_safe(m, tmp, &g->members, list) {
			if (vsync_node_continues(v, cont, m->id.node))
				continue;
			vsync_member_unlink(g, m);
			vsync_member_free(vn, m, 0);
		}
		if (g->n_left)
			vsync_view_change(g, 0);
		if (!g->n_members)
			vsync_group_unlink(g);
	}
}

/*
 * This node is outside any primary view (@c not primary), or joins one
 * that does not share its history: each of its members gets a last view,
 * not primary, then the group drops it (ENETDOWN).  Outside a primary
 * view, that view lists the members of the nodes that stay together and
 * its id names the coordinator, as at every node of that side; a joiner's
 * (also one taken into a view that is not primary) lists its own members
 * and names itself.  Bit 63 set makes the id greater than the member's
 * earlier views, and the name makes it differ from any view of another
 * side.
 */
void vsync_groups_drop(struct vsync_net *vn, const struct vsync_commit *c)
{
	struct vsync_commit self = { .v.n = 1, .cont = 1 };
	const struct vsync_commit *side = c;
	struct vsync_member *m, *tmp;
	struct vsync_group *g, *gt;
	unsigned long port;
	u32 name = c->v.nodes[0];
	u64 id;

	lockdep_assert_held(&vn->stream_lock);
	if (c->v.primary ||
	    !vsync_node_continues(&c->v, c->cont, vn->node_id)) {
		self.v.nodes[0] = vn->node_id;
		side = &self;
		name = vn->node_id;
	}
	list_for_each_entry_safe(g, gt, &vn->groups, list) {
		vsync_xfer_drop(g);
		if (g->n_local) {
			id = BIT_ULL(63) | (u64)(name & 0x7fffffff) << 32 |
			     (u32)(g->view_id + 1);
			g->n_left = 0;
			list_for_each_entry(m, &g->members, list)
				if (!vsync_node_continues(&side->v, side->cont,
							  m->id.node))
					g->n_left++;
			vsync_deliver_all(g, vsync_view_build(g, id, 0, 0,
							      side));
		}
		list_for_each_entry_safe(m, tmp, &g->members, list) {
			vsync_member_unlink(g, m);
			vsync_member_free(vn, m, ENETDOWN);
		}
		vsync_group_unlink(g);
	}
	/* members whose join was not applied yet */
	xa_for_each(&vn->ports, port, m)
		vsync_member_free(vn, m, ENETDOWN);
}

/* GSTATE: the group as the stream has it, for nodes that join. */
struct sk_buff *vsync_group_state(struct vsync_group *g)
{
	u32 len = (VSYNC_GSTATE_WORDS +
		   VSYNC_GS_MEMBER_WORDS * g->n_members) * 4 +
		  VSYNC_PAD4(g->name_len);
	struct vsync_member *m;
	struct sk_buff *skb;
	__be32 *e;
	u32 i = 0;

	skb = alloc_skb(len, GFP_KERNEL | __GFP_NOFAIL);
	e = skb_put_zero(skb, len);
	msg_set_word(e, 0, g->name_len);
	msg_set_u64(e, 1, g->view_id);
	msg_set_u64(e, 3, g->gseq);
	msg_set_word(e, 5, g->n_members);
	memcpy(&e[VSYNC_GSTATE_WORDS], g->name, g->name_len);
	list_for_each_entry(m, &g->members, list) {
		ent_gs_set_member(e, i, m->id.node, m->id.port, m->xfer,
				  m->donor.node, m->donor.port);
		i++;
	}
	return skb;
}

/* Tear down every group at netns exit: no socket is left, by then. */
void vsync_groups_exit(struct vsync_net *vn)
{
	struct vsync_commit c = { .v.n = 1, .cont = 1 };

	c.v.nodes[0] = vn->node_id;
	mutex_lock(&vn->stream_lock);
	vsync_groups_drop(vn, &c);
	mutex_unlock(&vn->stream_lock);
}
