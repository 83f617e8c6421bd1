// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync transport: one in-kernel UDP tunnel socket per netns.
 *
 * encap_rcv runs in softirq: it notes where a packet came from, queues it
 * (bounded) and kicks rx_work, which runs the protocol in process context
 * under stream_lock, the same lock local sends take.  Packets go out with
 * kernel_sendmsg() from that context too.  Two queues: the stream's
 * entries and submissions on rxq, everything else (heartbeats, view
 * changes, ACKs) on rxq_ctl, which rx_work takes first.  A node slower
 * than its stream then still hears its peers on time: behind seconds of
 * entries, their heartbeats came too late and healthy peers were held
 * down.  The protocol takes any order of packets, as UDP may give it.
 *
 * With a multicast group configured, a second UDP tunnel socket, bound to
 * the group address and the node's port on the interface that holds the
 * node's address, joins the group there (the unicast socket, bound to the
 * node's own address, gets no multicast datagrams).  It shares encap_rcv,
 * sk_user_data and rx queue with the unicast socket: for the protocol a
 * packet is a packet, only its source address counts.  Sending to the group
 * uses the unicast socket (its address is the source every node knows us
 * by), set to send multicast through that interface, with hop limit 1 and
 * no loopback: no multicast route is needed and our own datagrams do not
 * come back.  Both are set with setsockopt() on the kernel sockets, which
 * takes the RTNL where the option needs it: under stream_lock, so the RTNL
 * nests inside stream_lock, as it does when a group socket is released.
 * The group socket must go before the netns's devices do (node.c's
 * vsync_node_pre_exit()): it holds a route that holds the loopback device.
 *
 * The sockets' sk_user_data points at the vsync_net.  Teardown clears it,
 * waits for readers (udp_tunnel_sock_release()), and only then may rx_work
 * be cancelled and the queue purged: an in-kernel socket does not pin its
 * netns, so this must be done before the netns goes.  Releasing the group
 * socket leaves the group (inet_release() drops its memberships).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/sockptr.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "core.h"
#include "mib.h"
#include "msg.h"
#include "transport.h"

/* more than this many packets waiting for rx_work are dropped */
#define VSYNC_RXQ_MAX		4096
#define VSYNC_RXQ_CTL_MAX	1024

/* The queue of a packet: by its type, from a header not yet validated. */
static struct sk_buff_head *vsync_rx_queue(struct vsync_net *vn,
					   const struct sk_buff *skb)
{
	__be32 w, *h;

	h = skb_header_pointer(skb, sizeof(struct udphdr), sizeof(w), &w);
	if (h && (msg_type(h) == VSYNC_MSG_ORDER ||
		  msg_type(h) == VSYNC_MSG_SUBMIT))
		return &vn->rxq;
	return &vn->rxq_ctl;
}

static int vsync_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vsync_rx_cb *cb = VSYNC_RX_CB(skb);
	struct sk_buff_head *q;
	struct vsync_net *vn;

	rcu_read_lock_bh();
	vn = rcu_dereference_sk_user_data(sk);
	if (!vn || READ_ONCE(vn->stopping))
		goto drop;
	VSYNC_INC_STATS(vn, VSYNC_MIB_RX_PACKETS);
	VSYNC_ADD_STATS(vn, VSYNC_MIB_RX_BYTES,
			skb->len - sizeof(struct udphdr));
	q = vsync_rx_queue(vn, skb);
	if (skb_queue_len(q) >= (q == &vn->rxq ? VSYNC_RXQ_MAX :
						 VSYNC_RXQ_CTL_MAX)) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_RX_BACKLOG_DROP);
		goto drop;
	}

	memset(cb, 0, sizeof(*cb));
	if (ip_hdr(skb)->version == 4) {
		cb->from.v4.sin_family = AF_INET;
		cb->from.v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		cb->from.v4.sin_port = udp_hdr(skb)->source;
		cb->mcast = ipv4_is_multicast(ip_hdr(skb)->daddr);
	} else {
		cb->from.v6.sin6_family = AF_INET6;
		cb->from.v6.sin6_addr = ipv6_hdr(skb)->saddr;
		cb->from.v6.sin6_port = udp_hdr(skb)->source;
		cb->mcast = ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr);
	}
	if (cb->mcast)
		VSYNC_INC_STATS(vn, VSYNC_MIB_MCAST_RX);
	__skb_pull(skb, sizeof(struct udphdr));
	skb_queue_tail(q, skb);
	queue_work(vsync_wq, &vn->rx_work);
	rcu_read_unlock_bh();
	return 0;

drop:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return 0;
}

/*
 * A UDP tunnel socket bound to @addr (and to @ifindex unless 0), its
 * datagrams through encap_rcv from the first one on.
 */
static int vsync_udp_open(struct vsync_net *vn, const struct vsync_addr *addr,
			  int ifindex, struct socket **sockp)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data	= vn,
		.encap_type	= 1,
		.encap_rcv	= vsync_udp_rcv,
	};
	struct udp_port_cfg ucfg = {
		.use_udp_checksums	= 1,
		.use_udp6_tx_checksums	= 1,
		.use_udp6_rx_checksums	= 1,
		.bind_ifindex		= ifindex,
	};
	int err;

	if (addr->sa.sa_family == AF_INET) {
		ucfg.family = AF_INET;
		ucfg.local_ip = addr->v4.sin_addr;
		ucfg.local_udp_port = addr->v4.sin_port;
	} else {
		ucfg.family = AF_INET6;
		ucfg.local_ip6 = addr->v6.sin6_addr;
		ucfg.local_udp_port = addr->v6.sin6_port;
		ucfg.ipv6_v6only = 1;
	}
	err = udp_sock_create(vn->net, &ucfg, sockp);
	if (err)
		return err;
	setup_udp_tunnel_sock(vn->net, *sockp, &tcfg);
	return 0;
}

int vsync_transport_open(struct vsync_net *vn, const struct vsync_addr *addr,
			 struct socket **sockp)
{
	return vsync_udp_open(vn, addr, 0, sockp);
}

void vsync_transport_close(struct socket *sock)
{
	if (sock)
		udp_tunnel_sock_release(sock);
}

/* setsockopt(2) on a kernel socket: the option's own locking applies. */
static int vsync_setsockopt(struct socket *sock, int level, int name,
			    void *val, unsigned int len)
{
	return sock->ops->setsockopt(sock, level, name, KERNEL_SOCKPTR(val),
				     len);
}

int vsync_transport_ifindex(struct net *net, const struct vsync_addr *local)
{
	struct net_device *dev;
	int ifindex = -EADDRNOTAVAIL;

	rcu_read_lock();
	if (local->sa.sa_family == AF_INET)
		dev = __ip_dev_find(net, local->v4.sin_addr.s_addr, false);
	else
		dev = ipv6_stub->ipv6_dev_find(net, &local->v6.sin6_addr, NULL);
	if (!IS_ERR_OR_NULL(dev))
		ifindex = dev->ifindex;
	rcu_read_unlock();
	return ifindex;
}

int vsync_transport_mcast_tx(struct socket *sock,
			     const struct vsync_addr *local, int ifindex)
{
	int off = 0, hops = 1;

	if (local->sa.sa_family == AF_INET) {
		struct ip_mreqn mreq = {
			.imr_address	= local->v4.sin_addr,
			.imr_ifindex	= ifindex,
		};

		return vsync_setsockopt(sock, SOL_IP, IP_MULTICAST_IF,
					&mreq, sizeof(mreq)) ?:
		       vsync_setsockopt(sock, SOL_IP, IP_MULTICAST_LOOP,
					&off, sizeof(off)) ?:
		       vsync_setsockopt(sock, SOL_IP, IP_MULTICAST_TTL,
					&hops, sizeof(hops));
	}
	return vsync_setsockopt(sock, SOL_IPV6, IPV6_MULTICAST_IF,
				&ifindex, sizeof(ifindex)) ?:
	       vsync_setsockopt(sock, SOL_IPV6, IPV6_MULTICAST_LOOP,
				&off, sizeof(off)) ?:
	       vsync_setsockopt(sock, SOL_IPV6, IPV6_MULTICAST_HOPS,
				&hops, sizeof(hops));
}

/* The group socket joins @group on @ifindex. */
static int vsync_mcast_join(struct socket *sock,
			    const struct vsync_addr *group, int ifindex)
{
	if (group->sa.sa_family == AF_INET) {
		struct ip_mreqn mreq = {
			.imr_multiaddr	= group->v4.sin_addr,
			.imr_ifindex	= ifindex,
		};

		return vsync_setsockopt(sock, SOL_IP, IP_ADD_MEMBERSHIP,
					&mreq, sizeof(mreq));
	} else {
		struct ipv6_mreq mreq = {
			.ipv6mr_multiaddr	= group->v6.sin6_addr,
			.ipv6mr_ifindex		= ifindex,
		};

		return vsync_setsockopt(sock, SOL_IPV6, IPV6_ADD_MEMBERSHIP,
					&mreq, sizeof(mreq));
	}
}

int vsync_transport_mcast_open(struct vsync_net *vn,
			       const struct vsync_addr *group, int ifindex,
			       struct socket **sockp)
{
	struct socket *sock;
	int err;

	/* it hears the group on this interface only */
	err = vsync_udp_open(vn, group, ifindex, &sock);
	if (err)
		return err;
	err = vsync_mcast_join(sock, group, ifindex);
	if (err) {
		udp_tunnel_sock_release(sock);
		return err;
	}
	*sockp = sock;
	return 0;
}

int vsync_xmit_iov(struct vsync_net *vn, const struct vsync_addr *to,
		   struct kvec *iov, size_t n, size_t len)
{
	struct msghdr msg = {
		.msg_name	= (void *)&to->sa,
		.msg_namelen	= to->sa.sa_family == AF_INET ?
				  sizeof(to->v4) : sizeof(to->v6),
		.msg_flags	= MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	int err;

	lockdep_assert_held(&vn->stream_lock);
	if (!vn->udp)
		return -ENOTCONN;
	/* a v6-only socket cannot reach an IPv4 peer, nor the reverse */
	if (to->sa.sa_family != vn->addr.sa.sa_family)
		return -EAFNOSUPPORT;
	err = kernel_sendmsg(vn->udp, &msg, iov, n, len);
	if (err < 0) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_TX_ERRORS);
		return err;
	}
	VSYNC_INC_STATS(vn, VSYNC_MIB_TX_PACKETS);
	VSYNC_ADD_STATS(vn, VSYNC_MIB_TX_BYTES, len);
	return 0;
}

int vsync_xmit(struct vsync_net *vn, const struct vsync_addr *to,
	       const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	return vsync_xmit_iov(vn, to, &iov, 1, len);
}

int vsync_xmit_mcast(struct vsync_net *vn, struct kvec *iov, size_t n,
		     size_t len)
{
	int err;

	lockdep_assert_held(&vn->stream_lock);
	if (!vn->mcast_udp)
		return -ENOTCONN;
	err = vsync_xmit_iov(vn, &vn->mcast, iov, n, len);
	if (!err)
		VSYNC_INC_STATS(vn, VSYNC_MIB_MCAST_TX);
	return err;
}

static void vsync_rx_work(struct work_struct *work)
{
	struct vsync_net *vn = container_of(work, struct vsync_net, rx_work);
	struct sk_buff *skb;
	int budget = 64;

	/*
	 * The stream lock is taken for each packet, not for the batch: a
	 * socket call waiting for it gets in after one packet, and one can
	 * take milliseconds (its sends cross the whole stack of a debug
	 * kernel, or of a busy one).
	 */
	while (budget-- && ((skb = skb_dequeue(&vn->rxq_ctl)) ||
			    (skb = skb_dequeue(&vn->rxq)))) {
		mutex_lock(&vn->stream_lock);
		vsync_node_rcv(vn, skb);
		mutex_unlock(&vn->stream_lock);
	}
	/* yield between batches; go on if more is waiting */
	if ((!skb_queue_empty(&vn->rxq_ctl) || !skb_queue_empty(&vn->rxq)) &&
	    !READ_ONCE(vn->stopping))
		queue_work(vsync_wq, &vn->rx_work);
}

void vsync_transport_init(struct vsync_net *vn)
{
	skb_queue_head_init(&vn->rxq);
	skb_queue_head_init(&vn->rxq_ctl);
	INIT_WORK(&vn->rx_work, vsync_rx_work);
}

/* After the socket is closed: nothing can queue any more. */
void vsync_transport_exit(struct vsync_net *vn)
{
	cancel_work_sync(&vn->rx_work);
	skb_queue_purge(&vn->rxq_ctl);
	skb_queue_purge(&vn->rxq);
}
