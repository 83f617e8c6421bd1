// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync node stream, the socket side: joins, leaves and sends become
 * entries submitted to the node-level order (order.c), and a socket waits
 * for its join or leave to be applied where that is what the call promises.
 *
 * A join makes the member entry at once (port, member id) and returns when
 * the JOIN is applied, that is once the socket's first view is queued.  A
 * send returns once the DATA entry is submitted; it is delivered, to the
 * sender too, when applied.  VSYNC_LEAVE and shutdown() return when the
 * LEAVE is applied, so the member has read every message it sent; close() does not wait: the socket lets go of its member entry,
 * which leaves the group at the LEAVE's place in the order.
 *
 * Lock order: lock_sock(member) -> stream_lock.  Nothing under stream_lock
 * takes a socket lock; deliveries use the receive queue's own lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "core.h"

/*
 * An entry with room for @len bytes of message after its header, the
 * group name and the extension words @flags call for; the header and
 * extension words are the caller's (ent_set_frag() and the like).  With
 * @noblock < 0 it is charged to the send buffer even past SO_SNDBUF: the
 * rest of a message whose first piece found room.
 */
struct sk_buff *vsync_entry_alloc(struct sock *sk, u32 type,
				  const char *name, u32 name_len, u32 flags,
				  size_t len, int noblock, int *err)
{
	u32 hlen = VSYNC_ENT_WORDS * 4 + VSYNC_PAD4(name_len) +
		   ent_ext_words(flags) * 4;
	struct sk_buff *skb;
	__be32 *e;

	if (!sk)
		skb = alloc_skb(hlen, GFP_KERNEL | __GFP_NOFAIL);
	else if (noblock < 0)
		skb = sock_wmalloc(sk, hlen + len, 1, sk->sk_allocation);
	else
		skb = sock_alloc_send_skb(sk, hlen + len, noblock, err);
	if (!skb) {
		if (noblock < 0)
			*err = -ENOBUFS;
		return NULL;
	}
	e = skb_put_zero(skb, hlen);
	msg_set_word(e, 0, name_len);
	msg_set_bits(e, 0, 16, 0xff, flags);
	memcpy(&e[VSYNC_ENT_WORDS], name, name_len);
	VSYNC_ENT_CB(skb)->type = type;
	return skb;
}

static struct sk_buff *vsync_member_entry(struct vsync_sock *vs, u32 type,
					  const char *name, u32 name_len)
{
	struct sk_buff *skb;
	__be32 *e;

	skb = vsync_entry_alloc(NULL, type, name, name_len, 0, 0, 0, NULL);
	e = (__be32 *)skb->data;
	msg_set_word(e, 1, vs->id.node);
	msg_set_word(e, 2, vs->id.port);
	return skb;
}

/* The socket gives up its member: the LEAVE follows its JOIN in order. */
static void vsync_stream_release_member(struct vsync_net *vn,
					struct vsync_sock *vs, int err)
{
	struct vsync_member *m = vs->m;
	struct vsync_group *g;
	struct sk_buff *ent;
	const char *name;
	u32 len;

	g = rcu_dereference_protected(vs->group,
				      lockdep_is_held(&vn->stream_lock));
	name = g ? g->name : vs->join_name;
	len = g ? g->name_len : vs->join_len;
	ent = vsync_member_entry(vs, VSYNC_ENT_LEAVE, name, len);
	/*
	 * Let go first: a sequencer applies the LEAVE at once, and that
	 * frees the member.
	 */
	vsync_member_detach(vn, m, err);
	vsync_submit(vn, ent);
}

/*
 * A member that held its group up by not reading is put out: it leaves
 * as if closed, and its socket fails sends with ETIMEDOUT; what it has
 * queued can still be read.
 */
void vsync_stream_evict(struct vsync_net *vn, struct vsync_sock *vs)
{
	lockdep_assert_held(&vn->stream_lock);
	if (vs->state == VSYNC_SS_JOINED)
		vsync_stream_release_member(vn, vs, ETIMEDOUT);
}

/* Called under lock_sock(). */
int vsync_stream_join(struct vsync_sock *vs, const char *name, size_t len)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = &vs->sk;
	struct vsync_member *m;
	struct sk_buff *skb;
	long timeo;
	int err;

	m = vsync_member_alloc(GFP_KERNEL, 0, 0);
	if (!m)
		return -ENOMEM;

	mutex_lock(&vn->stream_lock);
	if (!vsync_order_can_submit(vn)) {
		err = -ENETDOWN;
		goto unlock;
	}
	err = xa_alloc_cyclic(&vn->ports, &m->id.port, m,
			      XA_LIMIT(1, U32_MAX), &vn->next_port, GFP_KERNEL);
	if (err < 0)
		goto unlock;
	m->id.node = vn->node_id;
	sock_hold(sk);
	m->vs = vs;
	vs->m = m;
	vs->id = m->id;
	vs->err = 0;
	vs->next_seq = 1;
	memcpy(vs->join_name, name, len);
	vs->join_len = len;
	vn->n_members++;
	WRITE_ONCE(vs->state, VSYNC_SS_JOINING);
	skb = vsync_member_entry(vs, VSYNC_ENT_JOIN, name, len);
	vsync_xfer_join_entry(vs, skb);
	vsync_submit(vn, skb);
	mutex_unlock(&vn->stream_lock);

	/* applied at once when this node orders; else wait for the stream */
	timeo = sock_sndtimeo(sk, 0);
	add_wait_queue(sk_sleep(sk), &wait);
	while (READ_ONCE(vs->state) == VSYNC_SS_JOINING) {
		if (!timeo) {
			err = -ETIMEDOUT;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
	}
	remove_wait_queue(sk_sleep(sk), &wait);

	mutex_lock(&vn->stream_lock);
	switch (vs->state) {
	case VSYNC_SS_JOINED:
		err = 0;
		break;
	case VSYNC_SS_JOINING:
		/* given up: the member leaves right after it joins */
		vsync_stream_release_member(vn, vs, 0);
		fallthrough;
	default:
		if (!err)
			err = -(vs->err ?: ENETDOWN);
		WRITE_ONCE(vs->state, VSYNC_SS_UNJOINED);
		WRITE_ONCE(sk->sk_shutdown, 0);
	}
	mutex_unlock(&vn->stream_lock);
	return err;

unlock:
	mutex_unlock(&vn->stream_lock);
	kfree(m);
	return err;
}

/*
 * Called under lock_sock() of a joined member.  Returns once the LEAVE is
 * applied: every message the member sent is then queued to it.
 */
int vsync_stream_leave(struct vsync_sock *vs)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	DEFINE_WAIT_FUNC(wq, woken_wake_function);
	struct sock *sk = &vs->sk;
	long timeo = MAX_SCHEDULE_TIMEOUT;
	struct vsync_group *g;

	mutex_lock(&vn->stream_lock);
	if (vs->state != VSYNC_SS_JOINED) {
		mutex_unlock(&vn->stream_lock);
		return -ENOTCONN;
	}
	g = rcu_dereference_protected(vs->group,
				      lockdep_is_held(&vn->stream_lock));
	WRITE_ONCE(vs->state, VSYNC_SS_LEAVING);
	vsync_submit(vn, vsync_member_entry(vs, VSYNC_ENT_LEAVE, g->name,
					    g->name_len));
	mutex_unlock(&vn->stream_lock);

	add_wait_queue(sk_sleep(sk), &wq);
	while (READ_ONCE(vs->state) == VSYNC_SS_LEAVING &&
	       !signal_pending(current)) {
		release_sock(sk);
		timeo = wait_woken(&wq, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
	}
	remove_wait_queue(sk_sleep(sk), &wq);

	mutex_lock(&vn->stream_lock);
	/* interrupted: stop waiting, the LEAVE is on its way */
	if (vs->state == VSYNC_SS_LEAVING && vs->m)
		vsync_member_detach(vn, vs->m, 0);
	mutex_unlock(&vn->stream_lock);
	return 0;
}

/* A message is done with its entry: the last piece, or the only one. */
static bool vsync_ent_ends_msg(const __be32 *e, u32 len)
{
	if (!(ent_flags(e) & VSYNC_EF_FRAG))
		return true;
	return ent_frag_total(e) &&
	       ent_frag_off(e) + len - ent_data_off(e) == ent_frag_total(e);
}

/*
 * Wait, up to *@timeo, until @try, called under stream_lock with the
 * socket's group while it is joined, does not answer -EAGAIN (no room:
 * a member here has no receive room, or this node has too many
 * submissions in flight).  A leave of this socket meanwhile ends the wait
 * with -EPIPE, or the error the group dropped it with.
 */
int vsync_stream_wait(struct vsync_sock *vs, long *timeo,
		      int (*try)(struct vsync_sock *vs, struct vsync_group *g,
				 void *arg),
		      void *arg)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = &vs->sk;
	bool waited = false;
	long slice, left;
	int err;

	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		mutex_lock(&vn->stream_lock);
		switch (vs->state) {
		case VSYNC_SS_JOINED:
			err = try(vs, rcu_dereference_protected(vs->group,
					lockdep_is_held(&vn->stream_lock)),
				  arg);
			break;
		case VSYNC_SS_LEFT:
			err = vs->err ? -vs->err : -EPIPE;
			break;
		case VSYNC_SS_LEAVING:
			err = -EPIPE;
			break;
		default:
			err = -ENOTCONN;
			break;
		}
		if (err == -EAGAIN && !waited && *timeo) {
			vs->stats.send_waits++;
			waited = true;
		}
		mutex_unlock(&vn->stream_lock);

		if (err != -EAGAIN || !*timeo)
			break;
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		/* wake in time to put out a reader that stopped */
		slice = *timeo;
		if (READ_ONCE(vn->timers.reader_timeout_ms))
			slice = min_t(long, slice, msecs_to_jiffies(
				READ_ONCE(vn->timers.reader_timeout_ms)) + 1);
		left = wait_woken(&wait, TASK_INTERRUPTIBLE, slice);
		if (*timeo != MAX_SCHEDULE_TIMEOUT)
			*timeo -= slice - left;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

struct vsync_submission {
	struct sk_buff_head *q;
	const struct vsync_member_id *dest;
	u8 order;
};

/*
 * Submit the entries of a submission in one go, if the first has room:
 * those of one call go together.  Readers gone for too long that hold it
 * up are put out first.  A unicast to a member not in the group fails
 * with -EHOSTUNREACH.
 */
static int vsync_try_submit(struct vsync_sock *vs, struct vsync_group *g,
			    void *arg)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	const struct vsync_submission *s = arg;
	unsigned int size = skb_peek(s->q)->truesize;
	struct sk_buff *skb;
	__be32 *e;

	if (s->dest && !vsync_group_has(g, s->dest))
		return -EHOSTUNREACH;
	if (!vsync_order_room(vn))
		return -EAGAIN;
	if (!vsync_group_writable(g, size)) {
		/* our socket holds @g, whoever is put out */
		if (!vsync_group_evict(g, size))
			return -EAGAIN;
		while (vsync_group_evict(g, size))
			;
		vsync_order_retry(vn);
		if (!vsync_group_writable(g, size))
			return -EAGAIN;
	}
	while ((skb = __skb_dequeue(s->q))) {
		e = (__be32 *)skb->data;
		msg_set_bits(e, 0, 8, 0xff, s->order);
		msg_set_word(e, 1, vs->id.node);
		msg_set_word(e, 2, vs->id.port);
		msg_set_u64(e, 3, vs->next_seq);
		if (ent_flags(e) & VSYNC_EF_CAUSE)
			ent_set_cause(e, vsync_order_cut(vn, g->name,
							 g->name_len));
		if (vsync_ent_ends_msg(e, skb->len)) {
			vs->next_seq++;
			vs->stats.sent++;
			vs->stats.sent_bytes += (ent_flags(e) & VSYNC_EF_FRAG) ?
						ent_frag_total(e) :
						skb->len - ent_data_off(e);
		}
		vsync_submit(vn, skb);
	}
	return 0;
}

/* Submit the entries of @q (taken on success), waiting for room. */
static int vsync_stream_submit(struct vsync_sock *vs, struct sk_buff_head *q,
			       u8 order, const struct vsync_member_id *dest,
			       long *timeo)
{
	struct vsync_submission s = { .q = q, .dest = dest, .order = order };

	return vsync_stream_wait(vs, timeo, vsync_try_submit, &s);
}

/* The entry of one message, or of one piece of it, with its bytes. */
static struct sk_buff *vsync_piece_alloc(struct vsync_sock *vs,
					 const char *name, u32 name_len,
					 u32 flags,
					 const struct vsync_member_id *dest,
					 struct iov_iter *from, u32 len,
					 u32 total, u32 off, int noblock,
					 int *err)
{
	struct sk_buff *skb;
	__be32 *e;

	skb = vsync_entry_alloc(&vs->sk, VSYNC_ENT_DATA, name, name_len,
				flags, len, noblock, err);
	if (!skb)
		return NULL;
	e = (__be32 *)skb->data;
	if (flags & VSYNC_EF_FRAG)
		ent_set_frag(e, total, off);
	if (dest)
		ent_set_dest(e, dest->node, dest->port);
	skb_put(skb, len);
	*err = skb_copy_datagram_from_iter(skb, skb->len - len, from, len);
	if (*err) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

/*
 * A message whose pieces went out in part: tell every node to drop them
 * (a piece of total 0).  Its sender sequence goes to the next message.
 */
static void vsync_stream_abort(struct vsync_sock *vs, const char *name,
			       u32 name_len, u8 order)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	struct sk_buff *skb;
	__be32 *e;

	mutex_lock(&vn->stream_lock);
	/* once the LEAVE is submitted, the member's pieces go with it */
	if (vs->state == VSYNC_SS_JOINED) {
		skb = vsync_entry_alloc(NULL, VSYNC_ENT_DATA, name, name_len,
					VSYNC_EF_FRAG, 0, 0, NULL);
		e = (__be32 *)skb->data;
		msg_set_bits(e, 0, 8, 0xff, order);
		msg_set_word(e, 1, vs->id.node);
		msg_set_word(e, 2, vs->id.port);
		msg_set_u64(e, 3, vs->next_seq);
		vsync_submit(vn, skb);
	}
	mutex_unlock(&vn->stream_lock);
}

/*
 * Send one message of @len bytes from @from, to the group or to @dest.
 * Called under vs->send_lock.  A message that does not fit one entry goes
 * in pieces (FRAG): a blocking send submits them as room comes, and gives
 * up the message if it fails halfway; a non-blocking one, like a long UDP
 * datagram, needs room below SO_SNDBUF for its start only, is charged for
 * all of it, and submits the pieces together, or none.
 */
int vsync_stream_sendmsg(struct vsync_sock *vs, struct iov_iter *from,
			 size_t len, u8 order,
			 const struct vsync_member_id *dest, int noblock)
{
	long timeo = sock_sndtimeo(&vs->sk, noblock);
	u32 flags = dest ? VSYNC_EF_DEST : 0;
	char name[VSYNC_NAME_MAX];
	struct sk_buff_head q;
	struct vsync_group *g;
	struct sk_buff *skb;
	u32 name_len = 0, hlen, piece, off, n;
	int err = 0;

	rcu_read_lock();
	g = rcu_dereference(vs->group);
	if (g) {
		name_len = g->name_len;
		memcpy(name, g->name, name_len);
	}
	rcu_read_unlock();
	if (!g)
		return -EPIPE;	/* left meanwhile */

	__skb_queue_head_init(&q);
	hlen = VSYNC_ENT_WORDS * 4 + VSYNC_PAD4(name_len) +
	       ent_ext_words(flags) * 4;
	/* a whole causal message says what it may pass (order.c) */
	if (order == VSYNC_ORDER_CAUSAL && hlen + 8 + len <= VSYNC_ENT_PIECE)
		flags |= VSYNC_EF_CAUSE;
	if (hlen + len <= VSYNC_ENT_PIECE) {
		skb = vsync_piece_alloc(vs, name, name_len, flags, dest, from,
					len, 0, 0, noblock, &err);
		if (!skb)
			return err;
		__skb_queue_tail(&q, skb);
		err = vsync_stream_submit(vs, &q, order, dest, &timeo);
		__skb_queue_purge(&q);
		return err;
	}

	flags |= VSYNC_EF_FRAG;
	piece = VSYNC_ENT_PIECE - hlen - 8;
	for (off = 0; off < len; off += n) {
		n = min_t(size_t, piece, len - off);
		/* like one long datagram: room for its start is enough */
		skb = vsync_piece_alloc(vs, name, name_len, flags, dest, from,
					n, len, off,
					noblock && off ? -1 : noblock, &err);
		if (!skb)
			break;
		__skb_queue_tail(&q, skb);
		if (noblock)
			continue;
		err = vsync_stream_submit(vs, &q, order, dest, &timeo);
		__skb_queue_purge(&q);
		if (err)
			break;
	}
	if (noblock && !err)
		err = vsync_stream_submit(vs, &q, order, dest, &timeo);
	__skb_queue_purge(&q);
	if (err && !noblock && off)
		vsync_stream_abort(vs, name, name_len, order);
	return err;
}

/* close(): let go of the member without waiting. */
void vsync_stream_close(struct vsync_sock *vs)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));

	mutex_lock(&vn->stream_lock);
	switch (vs->state) {
	case VSYNC_SS_JOINING:
	case VSYNC_SS_JOINED:
		vsync_stream_release_member(vn, vs, 0);
		break;
	case VSYNC_SS_LEAVING:
		if (vs->m)
			vsync_member_detach(vn, vs->m, 0);
		break;
	}
	mutex_unlock(&vn->stream_lock);
}
