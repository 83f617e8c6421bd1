// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync socket layer: proto_ops for SOCK_RDM group members.
 *
 * Lifecycle of a socket:
 *
 *   UNJOINED --VSYNC_JOIN--> JOINED --VSYNC_LEAVE, shutdown(), close()--> LEFT
 *   LEFT --VSYNC_JOIN--> JOINED (a new member: new port, new first view)
 *
 * A joined socket is on its group's member list (which holds a socket
 * reference) and holds a group reference.  Items (messages and views) are
 * put on sk_receive_queue by the group layer, charged to the receiver's
 * rmem; a sender waits while any member is over SO_RCVBUF, so nothing is
 * dropped.  After a leave the queue is drained by reads, then reads return 0.
 *
 * Locking: lock_sock() serialises join, leave, option changes and the
 * bookkeeping of a read; the node's stream_lock (stream.c) nests inside it.
 * recvmsg() waits without the socket lock (skb_recv_datagram()), sendmsg()
 * waits without any lock; both are woken through sk_sleep().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sockios.h>
#include <linux/termios.h>
#include <net/sock.h>

#include "core.h"

static struct proto vsync_proto = {
	.name		= "AF_VSYNC",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct vsync_sock),
};

/* proto_ops names the family, which is only known at load time. */
static const struct proto_ops *vsync_ops;

static int vsync_check_addr(const struct sockaddr *addr, int len)
{
	if (len < (int)sizeof(addr->sa_family))
		return -EINVAL;
	if (addr->sa_family != vsync_family)
		return -EAFNOSUPPORT;
	if (len < (int)sizeof(struct sockaddr_vsync))
		return -EINVAL;
	return 0;
}

static int vsync_parse_cmsg(struct msghdr *msg, u8 *order, int *state)
{
	struct cmsghdr *cmsg;
	int val;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			return -EINVAL;
		if (cmsg->cmsg_level != SOL_VSYNC ||
		    (cmsg->cmsg_type != VSYNC_CMSG_ORDER &&
		     cmsg->cmsg_type != VSYNC_CMSG_STATE) ||
		    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
			return -EINVAL;
		memcpy(&val, CMSG_DATA(cmsg), sizeof(val));
		if (cmsg->cmsg_type == VSYNC_CMSG_STATE) {
			/* state from a donor: 0 a piece, 1 the last */
			if (val < 0 || val > 1)
				return -EINVAL;
			*state = val + 1;
			continue;
		}
		if (val < VSYNC_ORDER_FIFO || val > VSYNC_ORDER_SAFE)
			return -EINVAL;
		*order = val;
	}
	return 0;
}

#define VSYNC_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR | \
			  MSG_BATCH | MSG_CMSG_COMPAT)

/* A unicast's destination: a member id, both words nonzero. */
static int vsync_parse_dest(struct msghdr *msg, struct vsync_member_id *dest)
{
	DECLARE_SOCKADDR(struct sockaddr_vsync *, addr, msg->msg_name);
	int err;

	err = vsync_check_addr(msg->msg_name, msg->msg_namelen);
	if (err)
		return err;
	if (!addr->svs_node || !addr->svs_port)
		return -EINVAL;
	dest->node = addr->svs_node;
	dest->port = addr->svs_port;
	return 0;
}

static int vsync_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	int flags = msg->msg_flags;
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	struct vsync_member_id dest = {};
	struct vsync_group *g;
	int state = 0;
	u8 order;
	int err;

	if (flags & ~VSYNC_SEND_FLAGS)
		return -EOPNOTSUPP;
	if (msg->msg_name) {
		err = vsync_parse_dest(msg, &dest);
		if (err)
			return err;
	}
	order = READ_ONCE(vs->order);
	if (msg->msg_controllen) {
		err = vsync_parse_cmsg(msg, &order, &state);
		if (err)
			return err;
	}
	/* state goes to the joiners of the transfer, not to an address */
	if (state && dest.node)
		return -EINVAL;
	if (len > VSYNC_MSG_MAX)
		return -EMSGSIZE;

	switch (READ_ONCE(vs->state)) {
	case VSYNC_SS_UNJOINED:
	case VSYNC_SS_JOINING:
		return -ENOTCONN;
	case VSYNC_SS_LEAVING:
		err = -EPIPE;
		goto out_pipe;
	case VSYNC_SS_LEFT:
		err = READ_ONCE(vs->err) ? -READ_ONCE(vs->err) : -EPIPE;
		goto out_pipe;
	}
	if (state) {
		err = vsync_xfer_sendmsg(vs, msg, len, state - 1);
		goto out;
	}
	rcu_read_lock();
	g = rcu_dereference(vs->group);
	rcu_read_unlock();
	if (!g)
		return -EPIPE;	/* left meanwhile */

	/* one message at a time, so that its pieces follow each other */
	if (flags & MSG_DONTWAIT) {
		if (!mutex_trylock(&vs->send_lock))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&vs->send_lock)) {
		return sock_intr_errno(sock_sndtimeo(sk, 0));
	}
	err = vsync_stream_sendmsg(vs, &msg->msg_iter, len, order,
				   dest.node ? &dest : NULL,
				   flags & MSG_DONTWAIT);
	mutex_unlock(&vs->send_lock);
out:
	if (!err)
		return len;
out_pipe:
	if (err == -EPIPE && !(flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

/* The reader's rank in a view item (n_members if it is not there). */
static u32 vsync_view_rank(const struct vsync_sock *vs,
			   const struct sk_buff *skb)
{
	const struct vsync_view *v = (const void *)skb->data;
	struct vsync_member_id id;
	int off = sizeof(*v);
	u32 i;

	for (i = 0; i < v->n_members; i++, off += sizeof(id)) {
		if (skb_copy_bits(skb, off, &id, sizeof(id)))
			break;
		if (id.node == vs->id.node && id.port == vs->id.port)
			return i;
	}
	return v->n_members;
}

/*
 * Copy a view item with the reader's own rank filled in: the header from a
 * patched copy, the member list straight from the skb.
 */
static int vsync_copy_view(struct vsync_sock *vs, struct sk_buff *skb,
			   struct msghdr *msg, size_t copied, u32 *rank)
{
	struct vsync_view v;
	size_t head = min(copied, sizeof(v));
	int err;

	memcpy(&v, skb->data, sizeof(v));
	*rank = vsync_view_rank(vs, skb);
	v.my_rank = *rank;
	vsync_xfer_patch_view(&v, skb);
	err = memcpy_to_msg(msg, &v, head);
	if (err || copied == head)
		return err;
	return skb_copy_datagram_msg(skb, head, msg, copied - head);
}

static void vsync_put_info(struct msghdr *msg, const struct vsync_skb_cb *cb)
{
	struct vsync_msginfo info = {
		.kind = cb->kind,
		.order = cb->order,
		.view_id = cb->view_id,
		.sender = { .node = cb->sender_node, .port = cb->sender_port },
		.sender_seq = cb->sender_seq,
		.global_seq = cb->global_seq,
		.flags = cb->unicast ? VSYNC_MSGINFO_UNICAST : 0,
	};

	if (msg->msg_name) {
		DECLARE_SOCKADDR(struct sockaddr_vsync *, addr, msg->msg_name);

		memset(addr, 0, sizeof(*addr));
		addr->svs_family = vsync_family;
		addr->svs_node = cb->sender_node;
		addr->svs_port = cb->sender_port;
		msg->msg_namelen = sizeof(*addr);
	}
	put_cmsg(msg, SOL_VSYNC, VSYNC_CMSG_INFO, sizeof(info), &info);
}

/* After a read: account it, keep a view, and let waiting senders go. */
static void vsync_read_done(struct vsync_sock *vs, struct sk_buff *skb,
			    u32 rank)
{
	const struct vsync_skb_cb *cb = VSYNC_SKB_CB(skb);
	struct sock *sk = &vs->sk;
	struct sk_buff *view = NULL;
	struct vsync_group *g;

	/* the view is read: VSYNC_VIEW must return it from now on */
	if (cb->kind == VSYNC_KIND_VIEW)
		view = skb_clone(skb, GFP_KERNEL | __GFP_NOFAIL);

	WRITE_ONCE(vs->last_read, jiffies);
	lock_sock(sk);
	if (cb->kind == VSYNC_KIND_VIEW) {
		vs->stats.views++;
		vsync_xfer_read_view(vs, skb);
		swap(vs->view, view);
		vs->view_rank = rank;
	} else {
		vs->stats.delivered++;
		vs->stats.delivered_bytes += skb->len;
	}
	release_sock(sk);
	kfree_skb(view);

	skb_free_datagram(sk, skb);
	rcu_read_lock();
	g = rcu_dereference(vs->group);
	if (g)
		vsync_group_space(g);
	rcu_read_unlock();
}

static int vsync_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
			 int flags)
{
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	struct vsync_skb_cb *cb;
	struct sk_buff *skb;
	size_t copied;
	u32 rank = 0;
	int err;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	if (skb_queue_empty_lockless(&sk->sk_receive_queue)) {
		if (READ_ONCE(vs->state) == VSYNC_SS_UNJOINED)
			return -ENOTCONN;
		/* end of stream, even for a reader that would not wait */
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			return 0;
	}

	skb = skb_recv_datagram(sk, flags, &err);
	if (!skb)
		return err;	/* 0 once left and drained */

	cb = VSYNC_SKB_CB(skb);
	copied = skb->len;
	if (copied > len) {
		copied = len;
		msg->msg_flags |= MSG_TRUNC;
	}
	if (cb->kind == VSYNC_KIND_VIEW) {
		err = vsync_copy_view(vs, skb, msg, copied, &rank);
		msg->msg_flags |= MSG_OOB;
	} else {
		err = skb_copy_datagram_msg(skb, 0, msg, copied);
	}
	if (err) {
		/* a bad buffer must not cost the member an item */
		if (!(flags & MSG_PEEK))
			skb_queue_head(&sk->sk_receive_queue, skb);
		else
			skb_free_datagram(sk, skb);
		return err;
	}
	vsync_put_info(msg, cb);
	err = (flags & MSG_TRUNC) ? skb->len : copied;

	if (flags & MSG_PEEK)
		skb_free_datagram(sk, skb);
	else
		vsync_read_done(vs, skb, rank);
	return err;
}

static __poll_t vsync_poll(struct file *file, struct socket *sock,
			   poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	struct vsync_group *g;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);

	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;

	switch (READ_ONCE(vs->state)) {
	case VSYNC_SS_LEFT:
		mask |= EPOLLHUP | EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
		break;
	case VSYNC_SS_JOINED:
		rcu_read_lock();
		g = rcu_dereference(vs->group);
		if (g && sock_writeable(sk) &&
		    vsync_order_room(vsync_net(sock_net(sk))) &&
		    vsync_group_writable(g, 1))
			mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
		rcu_read_unlock();
		break;
	}
	return mask;
}

static int vsync_join(struct vsync_sock *vs, sockptr_t optval,
		      unsigned int optlen)
{
	char name[VSYNC_NAME_MAX + 1];
	struct sock *sk = &vs->sk;
	int err;

	switch (vs->state) {
	case VSYNC_SS_JOINING:
	case VSYNC_SS_JOINED:
	case VSYNC_SS_LEAVING:
		return -EISCONN;
	}
	if (!optlen)
		return -EINVAL;
	if (optlen > VSYNC_NAME_MAX + 1)
		return -ENAMETOOLONG;
	if (copy_from_sockptr(name, optval, optlen))
		return -EFAULT;
	if (!name[optlen - 1])
		optlen--;	/* a terminating NUL is not part of the name */
	if (!optlen || memchr(name, 0, optlen))
		return -EINVAL;
	if (optlen > VSYNC_NAME_MAX)
		return -ENAMETOOLONG;

	err = vsync_stream_join(vs, name, optlen);
	if (!err)
		WRITE_ONCE(sk->sk_shutdown, 0);
	return err;
}

static int vsync_setsockopt(struct socket *sock, int level, int optname,
			    sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	int val, err = 0;

	if (level != SOL_VSYNC)
		return -ENOPROTOOPT;

	lock_sock(sk);
	switch (optname) {
	case VSYNC_JOIN:
		err = vsync_join(vs, optval, optlen);
		break;
	case VSYNC_LEAVE:
		err = vsync_stream_leave(vs);
		break;
	case VSYNC_ORDER:
		if (optlen < sizeof(int)) {
			err = -EINVAL;
			break;
		}
		if (copy_from_sockptr(&val, optval, sizeof(val))) {
			err = -EFAULT;
			break;
		}
		if (val < VSYNC_ORDER_FIFO || val > VSYNC_ORDER_SAFE)
			err = -EINVAL;
		else
			WRITE_ONCE(vs->order, val);
		break;
	case VSYNC_STATE:
		if (optlen < sizeof(int)) {
			err = -EINVAL;
			break;
		}
		if (copy_from_sockptr(&val, optval, sizeof(val))) {
			err = -EFAULT;
			break;
		}
		if (val < 0 || val > 1)
			err = -EINVAL;
		else
			vs->xfer_want = val;
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

/* Copy @need bytes of @src out, or say how many are needed (-ERANGE). */
static int vsync_put_opt(char __user *optval, int __user *optlen, int len,
			 const void *src, int need)
{
	if (put_user(need, optlen))
		return -EFAULT;
	if (len < need)
		return -ERANGE;
	return copy_to_user(optval, src, need) ? -EFAULT : 0;
}

static int vsync_get_view(struct vsync_sock *vs, char __user *optval,
			  int __user *optlen, int len)
{
	struct vsync_view *v;
	int err;

	if (!vs->view)
		return -ENOTCONN;
	v = kvmalloc(vs->view->len, GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	skb_copy_bits(vs->view, 0, v, vs->view->len);
	v->my_rank = vs->view_rank;
	vsync_xfer_patch_view(v, vs->view);
	err = vsync_put_opt(optval, optlen, len, v, vs->view->len);
	kvfree(v);
	return err;
}

static int vsync_getsockopt(struct socket *sock, int level, int optname,
			    char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	struct vsync_sock_stats stats;
	struct vsync_group *g;
	int len, val, err;

	if (level != SOL_VSYNC)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	lock_sock(sk);
	switch (optname) {
	case VSYNC_ORDER:
	case VSYNC_STATE:
		val = optname == VSYNC_ORDER ? vs->order : vs->xfer_want;
		if (len < (int)sizeof(val))
			err = -EINVAL;
		else
			err = vsync_put_opt(optval, optlen, len, &val,
					    sizeof(val));
		break;
	case VSYNC_VIEW:
		err = vsync_get_view(vs, optval, optlen, len);
		break;
	case VSYNC_GROUP:
		g = rcu_dereference_protected(vs->group,
					      lockdep_sock_is_held(sk));
		if (!g)
			err = -ENOTCONN;
		else
			err = vsync_put_opt(optval, optlen, len, g->name,
					    g->name_len);
		break;
	case VSYNC_STATS:
		stats = vs->stats;
		len = min_t(int, len, sizeof(stats));
		err = vsync_put_opt(optval, optlen, len, &stats, len);
		break;
	default:
		err = -ENOPROTOOPT;
	}
	release_sock(sk);
	return err;
}

static int vsync_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_vsync *, addr, uaddr);
	struct vsync_sock *vs = vsync_sk(sock->sk);

	if (peer)
		return -EOPNOTSUPP;
	memset(addr, 0, sizeof(*addr));
	addr->svs_family = vsync_family;
	addr->svs_node = vsync_net(sock_net(sock->sk))->node_id;
	addr->svs_port = READ_ONCE(vs->id.port);
	return sizeof(*addr);
}

static int vsync_ioctl(struct socket *sock, unsigned int cmd,
		       unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int amount;

	switch (cmd) {
	case SIOCINQ:
		spin_lock_bh(&sk->sk_receive_queue.lock);
		skb = skb_peek(&sk->sk_receive_queue);
		amount = skb ? skb->len : 0;
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		return put_user(amount, (int __user *)arg);
	case SIOCOUTQ:
		return put_user(sk_wmem_alloc_get(sk), (int __user *)arg);
	default:
		return -ENOIOCTLCMD;
	}
}

static int vsync_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct vsync_sock *vs = vsync_sk(sk);
	int err = 0;

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	lock_sock(sk);
	err = vsync_stream_leave(vs);
	release_sock(sk);
	return err;
}

static int vsync_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	lock_sock(sk);
	vsync_stream_close(vsync_sk(sk));
	sock_orphan(sk);
	sock->sk = NULL;
	release_sock(sk);
	skb_queue_purge(&sk->sk_receive_queue);
	sock_put(sk);
	return 0;
}

static void vsync_sk_destruct(struct sock *sk)
{
	struct vsync_sock *vs = vsync_sk(sk);

	kfree_skb(vs->view);
	__skb_queue_purge(&vs->xfer_held);
	put_pid(vs->pid);
}

static int vsync_create(struct net *net, struct socket *sock, int protocol,
			int kern)
{
	struct vsync_sock *vs;
	struct sock *sk;

	if (sock->type != SOCK_RDM)
		return -ESOCKTNOSUPPORT;
	if (protocol)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, vsync_family, GFP_KERNEL, &vsync_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = vsync_ops;
	sock->state = SS_UNCONNECTED;
	sock_init_data(sock, sk);
	sk->sk_destruct = vsync_sk_destruct;

	vs = vsync_sk(sk);
	vs->state = VSYNC_SS_UNJOINED;
	vs->order = VSYNC_ORDER_DEFAULT;
	vs->pid = get_pid(task_tgid(current));
	mutex_init(&vs->send_lock);
	vsync_xfer_sock_init(vs);
	return 0;
}

static const struct proto_ops vsync_ops_template = {
	.owner		= THIS_MODULE,
	.release	= vsync_release,
	.bind		= sock_no_bind,
	.connect	= sock_no_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= sock_no_accept,
	.getname	= vsync_getname,
	.poll		= vsync_poll,
	.ioctl		= vsync_ioctl,
	.listen		= sock_no_listen,
	.shutdown	= vsync_shutdown,
	.setsockopt	= vsync_setsockopt,
	.getsockopt	= vsync_getsockopt,
	.sendmsg	= vsync_sendmsg,
	.recvmsg	= vsync_recvmsg,
	.mmap		= sock_no_mmap,
};

static struct net_proto_family vsync_family_ops = {
	.create		= vsync_create,
	.owner		= THIS_MODULE,
};

/*
 * proto_ops names the family, a load-time parameter: the live ops are a
 * copy of the template with the family filled in.
 */
static const struct proto_ops *vsync_ops_alloc(void)
{
	const size_t off = offsetof(typeof(vsync_ops_template), family);
	u8 *ops;

	BUILD_BUG_ON(sizeof_field(typeof(vsync_ops_template), family) !=
		     sizeof(vsync_family));
	ops = kmemdup(&vsync_ops_template, sizeof(vsync_ops_template),
		      GFP_KERNEL);
	if (ops)
		memcpy(ops + off, &vsync_family, sizeof(vsync_family));
	return (const void *)ops;
}

int vsync_socket_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct vsync_skb_cb) >
		     sizeof_field(struct sk_buff, cb));

	vsync_ops = vsync_ops_alloc();
	if (!vsync_ops)
		return -ENOMEM;
	vsync_family_ops.family = vsync_family;

	err = proto_register(&vsync_proto, 1);
	if (err)
		goto free_ops;
	err = sock_register(&vsync_family_ops);
	if (err) {
		if (err == -EEXIST)
			pr_err("address family %d is taken by another protocol; load af_vsync with family=N, N below %d and unused\n",
			       vsync_family, AF_MAX);
		else
			pr_err("cannot register address family %d: %d\n",
			       vsync_family, err);
		goto unregister_proto;
	}
	return 0;

unregister_proto:
	proto_unregister(&vsync_proto);
free_ops:
	kfree(vsync_ops);
	vsync_ops = NULL;
	return err;
}

void vsync_socket_exit(void)
{
	sock_unregister(vsync_family);
	proto_unregister(&vsync_proto);
	kfree(vsync_ops);
	vsync_ops = NULL;
}
