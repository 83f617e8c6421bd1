// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync transport: one in-kernel UDP tunnel socket per netns.
 *
 * encap_rcv runs in softirq: it notes where a packet came from, queues it
 * on vsync_net.rxq (bounded) and kicks rx_work, which runs the protocol in
 * process context under stream_lock, the same lock local sends take.
 * Packets go out with kernel_sendmsg() from that context too.
 *
 * The socket's sk_user_data points at the vsync_net.  Teardown clears it,
 * waits for readers (udp_tunnel_sock_release()), and only then may rx_work
 * be cancelled and the queue purged: an in-kernel socket does not pin its
 * netns, so this must be done before the netns goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "core.h"
#include "mib.h"
#include "transport.h"

/* more than this many packets waiting for rx_work are dropped */
#define VSYNC_RXQ_MAX	4096

static int vsync_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vsync_rx_cb *cb = VSYNC_RX_CB(skb);
	struct vsync_net *vn;

	rcu_read_lock_bh();
	vn = rcu_dereference_sk_user_data(sk);
	if (!vn || READ_ONCE(vn->stopping))
		goto drop;
	VSYNC_INC_STATS(vn, VSYNC_MIB_RX_PACKETS);
	VSYNC_ADD_STATS(vn, VSYNC_MIB_RX_BYTES,
			skb->len - sizeof(struct udphdr));
	if (skb_queue_len(&vn->rxq) >= VSYNC_RXQ_MAX) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_RX_BACKLOG_DROP);
		goto drop;
	}

	memset(cb, 0, sizeof(*cb));
	if (ip_hdr(skb)->version == 4) {
		cb->from.v4.sin_family = AF_INET;
		cb->from.v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		cb->from.v4.sin_port = udp_hdr(skb)->source;
	} else {
		cb->from.v6.sin6_family = AF_INET6;
		cb->from.v6.sin6_addr = ipv6_hdr(skb)->saddr;
		cb->from.v6.sin6_port = udp_hdr(skb)->source;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	skb_queue_tail(&vn->rxq, skb);
	queue_work(vsync_wq, &vn->rx_work);
	rcu_read_unlock_bh();
	return 0;

drop:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return 0;
}

int vsync_transport_open(struct vsync_net *vn, const struct vsync_addr *addr,
			 struct socket **sockp)
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
	};
	struct socket *sock;
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
	err = udp_sock_create(vn->net, &ucfg, &sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(vn->net, sock, &tcfg);
	*sockp = sock;
	return 0;
}

void vsync_transport_close(struct socket *sock)
{
	if (sock)
		udp_tunnel_sock_release(sock);
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

static void vsync_rx_work(struct work_struct *work)
{
	struct vsync_net *vn = container_of(work, struct vsync_net, rx_work);
	struct sk_buff *skb;
	int budget = 64;

	mutex_lock(&vn->stream_lock);
	while (budget-- && (skb = skb_dequeue(&vn->rxq)))
		vsync_node_rcv(vn, skb);
	mutex_unlock(&vn->stream_lock);
	/* yield between batches; go on if more is waiting */
	if (!skb_queue_empty(&vn->rxq) && !READ_ONCE(vn->stopping))
		queue_work(vsync_wq, &vn->rx_work);
}

void vsync_transport_init(struct vsync_net *vn)
{
	skb_queue_head_init(&vn->rxq);
	INIT_WORK(&vn->rx_work, vsync_rx_work);
}

/* After the socket is closed: nothing can queue any more. */
void vsync_transport_exit(struct vsync_net *vn)
{
	cancel_work_sync(&vn->rx_work);
	skb_queue_purge(&vn->rxq);
}
