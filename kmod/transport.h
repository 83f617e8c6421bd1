/* SPDX-License-Identifier: GPL-2.0 */
/* af_vsync transport: the UDP socket, its receive queue and sending. */
#ifndef _VSYNC_TRANSPORT_H
#define _VSYNC_TRANSPORT_H

#include "core.h"

/* skb->cb of a received packet, until rx_work takes it */
struct vsync_rx_cb {
	struct vsync_addr from;
	bool mcast;			/* sent to a multicast group */
};

#define VSYNC_RX_CB(skb) ((struct vsync_rx_cb *)&((skb)->cb[0]))

void vsync_transport_init(struct vsync_net *vn);
void vsync_transport_exit(struct vsync_net *vn);
int vsync_transport_open(struct vsync_net *vn, const struct vsync_addr *addr,
			 struct socket **sockp);
void vsync_transport_close(struct socket *sock);
/* The interface that holds the unicast address @local, or -EADDRNOTAVAIL. */
int vsync_transport_ifindex(struct net *net, const struct vsync_addr *local);
/* The receive socket of multicast @group (port set), joined on @ifindex. */
int vsync_transport_mcast_open(struct vsync_net *vn,
			       const struct vsync_addr *group, int ifindex,
			       struct socket **sockp);
/* The unicast socket @sock, at @local, sends to groups through @ifindex. */
int vsync_transport_mcast_tx(struct socket *sock,
			     const struct vsync_addr *local, int ifindex);
int vsync_xmit(struct vsync_net *vn, const struct vsync_addr *to,
	       const void *buf, size_t len);
int vsync_xmit_iov(struct vsync_net *vn, const struct vsync_addr *to,
		   struct kvec *iov, size_t n, size_t len);
/* to the multicast group, if one is set: one datagram for every node */
int vsync_xmit_mcast(struct vsync_net *vn, struct kvec *iov, size_t n,
		     size_t len);

/* node.c: one received packet, under stream_lock; consumes @skb */
void vsync_node_rcv(struct vsync_net *vn, struct sk_buff *skb);

#endif /* _VSYNC_TRANSPORT_H */
