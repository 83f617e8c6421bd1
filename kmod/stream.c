// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync node stream: the one order in which a node applies group events.
 *
 * Every join, leave and message of every group on this node is applied to
 * the group layer under vsync_net.stream_lock, and numbered.  Delivery to
 * members happens under the same lock, so every member's receive queue gets
 * items in stream order.  With one node, the stream is this lock; with
 * several, events reach this point once the node-level total order has
 * placed them, and the group layer below stays as it is.
 *
 * Lock order: lock_sock(member) -> stream_lock.  Nothing under stream_lock
 * takes a socket lock; deliveries use the receive queue's own lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "core.h"

static struct vsync_group *vsync_stream_group(struct vsync_sock *vs)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));

	return rcu_dereference_protected(vs->group,
					 lockdep_is_held(&vn->stream_lock));
}

int vsync_stream_join(struct vsync_sock *vs, const char *name, size_t len)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	struct vsync_group *g;
	bool created = false;
	int err;

	mutex_lock(&vn->stream_lock);
	g = vsync_group_find(vn, name, len);
	if (!g) {
		g = vsync_group_create(vn, name, len);
		if (!g) {
			err = -ENOMEM;
			goto unlock;
		}
		created = true;
	}
	err = xa_alloc_cyclic(&vn->ports, &vs->member.id.port, vs,
			      XA_LIMIT(1, U32_MAX), &vn->next_port, GFP_KERNEL);
	if (err < 0)
		goto undo_group;
	vs->member.id.node = vn->node_id;
	vs->next_seq = 1;
	err = vsync_group_add(g, vs);
	if (err)
		goto undo_port;
	rcu_assign_pointer(vs->group, g);
	WRITE_ONCE(vs->state, VSYNC_SS_JOINED);
	vn->n_members++;
	vn->stream_seq++;
	mutex_unlock(&vn->stream_lock);
	return 0;

undo_port:
	xa_erase(&vn->ports, vs->member.id.port);
	vs->member.id.port = 0;
undo_group:
	if (created) {
		list_del(&g->list);
		vn->n_groups--;
		vsync_group_put(g);
	}
unlock:
	mutex_unlock(&vn->stream_lock);
	return err;
}

/* Called under lock_sock() of a joined member. */
void vsync_stream_leave(struct vsync_sock *vs)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	struct sock *sk = &vs->sk;
	struct vsync_group *g;

	mutex_lock(&vn->stream_lock);
	g = vsync_stream_group(vs);
	vsync_group_remove(g, vs);
	xa_erase(&vn->ports, vs->member.id.port);
	RCU_INIT_POINTER(vs->group, NULL);
	WRITE_ONCE(vs->state, VSYNC_SS_LEFT);
	vn->n_members--;
	vn->stream_seq++;
	mutex_unlock(&vn->stream_lock);
	vsync_group_put(g);

	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sk->sk_state_change(sk);
}

/*
 * Apply a message.  Waits, up to @timeo, while a member of the view has no
 * receive room; a leave of this socket meanwhile ends the wait with -EPIPE.
 * On success @skb is consumed.
 */
int vsync_stream_send(struct vsync_sock *vs, struct sk_buff *skb, u8 order,
		      long timeo)
{
	struct vsync_net *vn = vsync_net(sock_net(&vs->sk));
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = &vs->sk;
	struct vsync_group *g;
	bool waited = false;
	int err;

	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		mutex_lock(&vn->stream_lock);
		switch (vs->state) {
		case VSYNC_SS_JOINED:
			g = vsync_stream_group(vs);
			err = vsync_group_send(g, vs, skb, order);
			if (!err)
				vn->stream_seq++;
			break;
		case VSYNC_SS_LEFT:
			err = -EPIPE;
			break;
		default:
			err = -ENOTCONN;
			break;
		}
		if (err == -EAGAIN && !waited && timeo) {
			vs->stats.send_waits++;
			waited = true;
		}
		mutex_unlock(&vn->stream_lock);

		if (err != -EAGAIN || !timeo)
			break;
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}
