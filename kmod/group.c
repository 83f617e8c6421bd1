// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync group layer: membership views and delivery to members.
 *
 * A group exists while it has members.  Its members list is its current
 * view, in rank order: a joiner is appended, a leaver is removed, and every
 * change bumps the view id and puts the new view into the receive queue of
 * every member of the new view on this node, in the same place of the node
 * stream as the event that caused it.  A message goes to every member of
 * the current view, the sender included, with the next global sequence
 * number.
 *
 * Every function here that changes a group is called with the node's
 * stream_lock held; the only lock it takes is group->lock, around changes
 * of the member list, for the readers outside the stream.  A change either
 * happens whole or not at all: all the skbs it delivers are allocated first.
 *
 * References: vsync_net.groups holds one group reference, each member one
 * more (vsync_sock.group); group->members holds a socket reference for each
 * entry of this node.  Groups are freed after an RCU grace period because poll() and the
 * receive path find a member's group under rcu_read_lock() only; they walk
 * its member list under group->lock, so a socket that left is never seen
 * by them and can be freed at once on close().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>

#include "core.h"

/* member lists up to this many bytes stay in the view skb's head */
#define VSYNC_VIEW_INLINE	1024

struct vsync_group *vsync_group_find(struct vsync_net *vn, const char *name,
				     size_t len)
{
	struct vsync_group *g;

	lockdep_assert_held(&vn->stream_lock);
	list_for_each_entry(g, &vn->groups, list)
		if (g->name_len == len && !memcmp(g->name, name, len))
			return g;
	return NULL;
}

struct vsync_group *vsync_group_create(struct vsync_net *vn, const char *name,
				       size_t len)
{
	struct vsync_group *g;

	lockdep_assert_held(&vn->stream_lock);
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return NULL;
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

static bool vsync_member_has_room(const struct sock *sk, unsigned int size)
{
	/* An empty queue takes any message, so one larger than SO_RCVBUF
	 * cannot block the group for ever.
	 */
	if (skb_queue_empty_lockless(&sk->sk_receive_queue))
		return true;
	return atomic_read(&sk->sk_rmem_alloc) + size <=
	       READ_ONCE(sk->sk_rcvbuf);
}

static bool vsync_group_has_room(struct vsync_group *g, unsigned int size)
{
	struct vsync_member *m;
	bool room = true;

	spin_lock_bh(&g->lock);
	list_for_each_entry(m, &g->members, list) {
		if (m->vs && !vsync_member_has_room(&m->vs->sk, size)) {
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
	if (vsync_group_has_room(g, size))
		return true;
	set_bit(VSYNC_GF_CONGESTED, &g->flags);
	/* mark, then look: pairs with the barrier in vsync_group_space() */
	smp_mb__after_atomic();
	return vsync_group_has_room(g, size);
}

/* A reader freed receive space: wake senders that wait for it. */
void vsync_group_space(struct vsync_group *g)
{
	struct vsync_member *m;

	/* free, then test the mark: pairs with vsync_group_writable() */
	smp_mb();
	if (!test_bit(VSYNC_GF_CONGESTED, &g->flags) ||
	    !test_and_clear_bit(VSYNC_GF_CONGESTED, &g->flags))
		return;
	spin_lock_bh(&g->lock);
	list_for_each_entry(m, &g->members, list)
		if (m->vs)
			m->vs->sk.sk_write_space(&m->vs->sk);
	spin_unlock_bh(&g->lock);
}

static void vsync_deliver(struct vsync_sock *m, struct sk_buff *skb)
{
	struct sock *sk = &m->sk;

	skb_set_owner_r(skb, sk);
	skb_queue_tail(&sk->sk_receive_queue, skb);
	sk->sk_data_ready(sk);
}

/* One clone of @skb per entry of @n, on @q; all or nothing. */
static int vsync_clone_n(struct sk_buff *skb, u32 n, struct sk_buff_head *q,
			 gfp_t gfp)
{
	struct sk_buff *c;

	__skb_queue_head_init(q);
	while (n--) {
		c = skb_clone(skb, gfp);
		if (!c) {
			__skb_queue_purge(q);
			return -ENOBUFS;
		}
		__skb_queue_tail(q, c);
	}
	return 0;
}

/*
 * Build the view that follows the current one: the current members minus
 * @gone, plus @joiner.  The reader's own rank is filled in by recvmsg().
 * A long member list goes in page fragments: a view of a thousand members
 * then needs no allocation above order 0, which removal, that must not
 * fail, relies on; a short one stays inline, so that it is not charged a
 * page at every reader.
 */
static struct sk_buff *vsync_view_build(struct vsync_group *g,
					struct vsync_member *joiner,
					struct vsync_member *gone, gfp_t gfp)
{
	u32 n = g->n_members + (joiner ? 1 : 0) - (gone ? 1 : 0);
	const size_t ids = n * sizeof(struct vsync_member_id);
	const size_t inline_ids = ids <= VSYNC_VIEW_INLINE ? ids : 0;
	struct vsync_member *m;
	struct vsync_skb_cb *cb;
	struct vsync_view *v;
	struct sk_buff *skb;
	int off, err;

	skb = alloc_skb_with_frags(sizeof(*v) + inline_ids, ids - inline_ids,
				   0, &err, gfp);
	if (!skb)
		return NULL;
	v = skb_put_zero(skb, sizeof(*v) + inline_ids);
	v->view_id = g->view_id + 1;
	v->n_members = n;
	v->flags = VSYNC_VIEW_PRIMARY;
	v->n_joined = joiner ? 1 : 0;
	v->n_left = gone ? 1 : 0;
	skb->data_len = ids - inline_ids;
	skb->len += ids - inline_ids;

	off = sizeof(*v);
	list_for_each_entry(m, &g->members, list) {
		if (m == gone)
			continue;
		skb_store_bits(skb, off, &m->id, sizeof(m->id));
		off += sizeof(m->id);
	}
	if (joiner)
		skb_store_bits(skb, off, &joiner->id, sizeof(joiner->id));

	cb = VSYNC_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->kind = VSYNC_KIND_VIEW;
	cb->view_id = v->view_id;
	cb->global_seq = g->gseq;
	return skb;
}

/* Deliver one clone from @q to each member here, in rank order. */
static void vsync_deliver_all(struct vsync_group *g, struct sk_buff_head *q)
{
	struct vsync_member *m;

	list_for_each_entry(m, &g->members, list)
		if (m->vs)
			vsync_deliver(m->vs, __skb_dequeue(q));
}

int vsync_group_add(struct vsync_group *g, struct vsync_sock *vs)
{
	struct sk_buff_head q;
	struct sk_buff *view;
	int err;

	if (g->n_members >= VSYNC_MEMBERS_MAX)
		return -EUSERS;
	view = vsync_view_build(g, &vs->member, NULL, GFP_KERNEL);
	if (!view)
		return -ENOBUFS;
	err = vsync_clone_n(view, g->n_local + 1, &q, GFP_KERNEL);
	consume_skb(view);
	if (err)
		return err;

	sock_hold(&vs->sk);
	refcount_inc(&g->ref);
	spin_lock_bh(&g->lock);
	list_add_tail(&vs->member.list, &g->members);
	spin_unlock_bh(&g->lock);
	g->n_members++;
	g->n_local++;
	g->view_id++;
	vsync_deliver_all(g, &q);
	return 0;
}

/*
 * Removal cannot fail: it runs on close().  The view is small, so wait for
 * memory rather than lose the view at the survivors.
 */
void vsync_group_remove(struct vsync_group *g, struct vsync_sock *vs)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOFAIL;
	struct sk_buff_head q;
	struct sk_buff *view;

	if (g->n_members > 1) {
		view = vsync_view_build(g, NULL, &vs->member, gfp);
		vsync_clone_n(view, g->n_local - 1, &q, gfp);
		consume_skb(view);
	} else {
		__skb_queue_head_init(&q);
	}

	spin_lock_bh(&g->lock);
	list_del_init(&vs->member.list);
	spin_unlock_bh(&g->lock);
	g->n_members--;
	g->n_local--;
	g->view_id++;
	vsync_deliver_all(g, &q);
	__sock_put(&vs->sk);
	if (!g->n_members)
		vsync_group_unlink(g);
	/* the leaver's queue may have been what senders waited for */
	set_bit(VSYNC_GF_CONGESTED, &g->flags);
	vsync_group_space(g);
}

/*
 * Send @skb to every member.  Returns -EAGAIN, delivering nothing, while a
 * member has no room for it.  On success @skb is consumed.
 */
int vsync_group_send(struct vsync_group *g, struct vsync_sock *vs,
		     struct sk_buff *skb, u8 order)
{
	struct vsync_skb_cb *cb = VSYNC_SKB_CB(skb);
	struct sk_buff_head q;
	int err;

	if (!vsync_group_writable(g, skb->truesize))
		return -EAGAIN;

	memset(cb, 0, sizeof(*cb));
	cb->kind = VSYNC_KIND_DATA;
	cb->order = order;
	cb->view_id = g->view_id;
	cb->sender_node = vs->member.id.node;
	cb->sender_port = vs->member.id.port;
	cb->sender_seq = vs->next_seq;
	cb->global_seq = g->gseq + 1;
	err = vsync_clone_n(skb, g->n_local, &q, GFP_KERNEL);
	if (err)
		return err;

	vs->next_seq++;
	g->gseq++;
	vs->stats.sent++;
	vs->stats.sent_bytes += skb->len;
	vsync_deliver_all(g, &q);
	consume_skb(skb);
	return 0;
}
