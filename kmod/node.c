// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync node layer: this node's configuration, its peers, heartbeats and
 * the failure detector.
 *
 * Peer states:
 *
 *   UNKNOWN --packet--> UP --silent for suspect_ms--> DOWN --packet--> UP
 *
 * A peer is configured (static) or learned from a valid packet of our
 * cluster coming from an address we did not know; a learned peer that
 * stays down for ten suspect timeouts is forgotten.  Every heartbeat_ms the
 * heartbeat work sends a HEARTBEAT to every peer and marks DOWN those not
 * heard within suspect_ms.  It runs from a kernel work item, so a busy
 * userspace cannot delay it into a false suspicion.
 *
 * Optional IP multicast: with a group set (NODE_SET's VSYNC_A_NODE_MCAST,
 * on the node's port, the node address's family), each heartbeat tick also
 * sends one HEARTBEAT to the group, addressed to node 0 (every node), and a
 * group socket hears the others' (transport.c).  Nodes that share a group,
 * a port and a cluster need no configured peers: their heartbeats make
 * them learned peers, and membership takes them into one view.  A node
 * heard through the group lately listens there too (same group, same
 * port): the sequencer sends new ORDERs once to the group for those nodes
 * and by unicast to the others (order.c); retransmissions stay unicast.
 * Changing the address, the port or the group reopens the group socket;
 * a change either applies whole or not at all.
 *
 * Everything here runs under the node's stream_lock.  The heartbeat work
 * re-arms itself until vn->stopping; netns exit closes the group socket
 * first, while the namespace's devices still exist (pre_exit), then sets
 * stopping, waits for the work, closes the unicast socket, then waits for
 * rx_work (transport.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "core.h"
#include "mib.h"
#include "msg.h"
#include "transport.h"

#define VSYNC_PEERS_MAX		256
/* a learned peer down for this many suspect timeouts is forgotten */
#define VSYNC_LEARNED_EXPIRY	10

static bool vsync_addr_equal(const struct vsync_addr *a,
			     const struct vsync_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_port == b->v4.sin_port &&
		       a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
	return a->v6.sin6_port == b->v6.sin6_port &&
	       ipv6_addr_equal(&a->v6.sin6_addr, &b->v6.sin6_addr);
}

static struct vsync_peer *vsync_peer_find(struct vsync_net *vn,
					  const struct vsync_addr *addr)
{
	struct vsync_peer *p;

	list_for_each_entry(p, &vn->peers, list)
		if (vsync_addr_equal(&p->addr, addr))
			return p;
	return NULL;
}

static struct vsync_peer *vsync_peer_new(struct vsync_net *vn,
					 const struct vsync_addr *addr,
					 bool is_static)
{
	struct vsync_peer *p;

	if (vn->n_peers >= VSYNC_PEERS_MAX)
		return ERR_PTR(-ENOSPC);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->addr = *addr;
	p->is_static = is_static;
	p->state = VSYNC_PEER_UNKNOWN;
	list_add_tail(&p->list, &vn->peers);
	vn->n_peers++;
	return p;
}

static void vsync_peer_free(struct vsync_net *vn, struct vsync_peer *p)
{
	list_del(&p->list);
	vn->n_peers--;
	kfree(p);
}

int vsync_peer_add(struct vsync_net *vn, const struct vsync_addr *addr)
{
	struct vsync_peer *p;

	lockdep_assert_held(&vn->stream_lock);
	if (vn->addr.sa.sa_family &&
	    vn->addr.sa.sa_family != addr->sa.sa_family)
		return -EAFNOSUPPORT;	/* one address family per node */
	p = vsync_peer_find(vn, addr);
	if (p) {
		if (p->is_static)
			return -EEXIST;
		p->is_static = true;	/* learned, now configured too */
		return 0;
	}
	p = vsync_peer_new(vn, addr, true);
	return PTR_ERR_OR_ZERO(p);
}

int vsync_peer_del(struct vsync_net *vn, const struct vsync_addr *addr)
{
	struct vsync_peer *p;

	lockdep_assert_held(&vn->stream_lock);
	p = vsync_peer_find(vn, addr);
	if (!p)
		return -ENOENT;
	vsync_peer_free(vn, p);
	return 0;
}

struct vsync_peer *vsync_peer_by_id(struct vsync_net *vn, u32 node_id)
{
	struct vsync_peer *p, *found = NULL;

	list_for_each_entry(p, &vn->peers, list) {
		if (p->node_id != node_id)
			continue;
		if (p->state == VSYNC_PEER_UP)
			return p;
		found = p;
	}
	return found;
}

/* A HEARTBEAT to @p, or with @p NULL, to every node of the group. */
static void vsync_send_heartbeat(struct vsync_net *vn, struct vsync_peer *p,
				 u32 coord)
{
	__be32 h[VSYNC_HEARTBEAT_WORDS];
	struct kvec iov = { .iov_base = h, .iov_len = sizeof(h) };
	int err;

	msg_init(h, VSYNC_MSG_HEARTBEAT, VSYNC_HEARTBEAT_WORDS, vn->cluster,
		 vn->node_id, p ? p->node_id : 0, vn->incarnation, 0);
	msg_set_hb_interval(h, READ_ONCE(vn->timers.heartbeat_ms));
	msg_set_u64(h, 7, vn->view.id);
	msg_set_word(h, 9, coord);
	msg_set_word(h, 10, (vn->view.primary ? VSYNC_NVIEW_PRIMARY : 0) |
		     (vn->ord.frozen ? VSYNC_NVIEW_FROZEN : 0) |
		     vn->view.n << 8);
	msg_set_u64(h, 11, vn->max_view_id);
	if (p)
		err = vsync_xmit(vn, &p->addr, h, sizeof(h));
	else
		err = vsync_xmit_mcast(vn, &iov, 1, sizeof(h));
	if (!err)
		VSYNC_INC_STATS(vn, VSYNC_MIB_HEARTBEAT_TX);
}

/* @node sent to our group: it listens there (same group, same port). */
static void vsync_mcast_heard(struct vsync_net *vn, u32 node)
{
	u32 i, oldest = 0;

	for (i = 0; i < vn->mcast_n; i++) {
		if (vn->mcast_node[i] == node) {
			vn->mcast_heard[i] = jiffies;
			return;
		}
		if (time_before(vn->mcast_heard[i], vn->mcast_heard[oldest]))
			oldest = i;
	}
	/* full: the one silent longest makes room */
	i = vn->mcast_n < VSYNC_NODES_MAX ? vn->mcast_n++ : oldest;
	vn->mcast_node[i] = node;
	vn->mcast_heard[i] = jiffies;
}

/*
 * Does @node get what we send to the group?  Yes if it sent there within
 * the suspect timeout: every node with a group sends a heartbeat there
 * each heartbeat_ms.
 */
bool vsync_mcast_listens(struct vsync_net *vn, u32 node)
{
	unsigned long suspect;
	u32 i;

	lockdep_assert_held(&vn->stream_lock);
	if (!vn->mcast_udp)
		return false;
	suspect = msecs_to_jiffies(READ_ONCE(vn->timers.suspect_ms));
	for (i = 0; i < vn->mcast_n; i++)
		if (vn->mcast_node[i] == node)
			return time_before(jiffies,
					   vn->mcast_heard[i] + suspect);
	return false;
}

/*
 * The node tick: heartbeats every heartbeat_ms, and while a view change
 * waits for answers, a tick every retransmit_ms to resend its messages.
 */
static void vsync_hb_arm(struct vsync_net *vn, bool busy)
{
	unsigned long delay, left;

	delay = msecs_to_jiffies(READ_ONCE(vn->timers.heartbeat_ms));
	left = time_after(vn->hb_next, jiffies) ? vn->hb_next - jiffies : 0;
	delay = min(delay, left);
	if (busy)
		delay = min(delay,
			    msecs_to_jiffies(READ_ONCE(vn->timers.retransmit_ms)));
	if (!READ_ONCE(vn->stopping) && vn->udp)
		mod_delayed_work(vsync_wq, &vn->hb_work, delay);
}

/* Something waits for an answer: tick at the retransmit interval. */
void vsync_node_kick(struct vsync_net *vn)
{
	unsigned long delay =
		msecs_to_jiffies(READ_ONCE(vn->timers.retransmit_ms));

	lockdep_assert_held(&vn->stream_lock);
	if (READ_ONCE(vn->stopping) || !vn->udp)
		return;
	/* a tick due sooner stays: frequent kicks must not postpone it */
	if (delayed_work_pending(&vn->hb_work) &&
	    time_before_eq(vn->hb_work.timer.expires, jiffies + delay))
		return;
	mod_delayed_work(vsync_wq, &vn->hb_work, delay);
}

static void vsync_hb_work(struct work_struct *work)
{
	struct vsync_net *vn = container_of(to_delayed_work(work),
					    struct vsync_net, hb_work);
	struct vsync_peer *p, *tmp;
	unsigned long suspect;
	bool busy;
	u32 coord;

	mutex_lock(&vn->stream_lock);
	suspect = msecs_to_jiffies(READ_ONCE(vn->timers.suspect_ms));
	list_for_each_entry_safe(p, tmp, &vn->peers, list) {
		if (p->state == VSYNC_PEER_UP &&
		    time_after(jiffies, p->last_heard + suspect)) {
			p->state = VSYNC_PEER_DOWN;
			VSYNC_INC_STATS(vn, VSYNC_MIB_PEER_DOWN);
		}
		/* learned peers long gone make room for new ones */
		if (!p->is_static && p->state == VSYNC_PEER_DOWN &&
		    time_after(jiffies, p->last_heard +
					VSYNC_LEARNED_EXPIRY * suspect))
			vsync_peer_free(vn, p);
	}
	busy = vsync_gms_tick(vn);
	busy |= vsync_order_tick(vn);
	if (!time_before(jiffies, vn->hb_next)) {
		coord = vsync_coordinator(vn);
		list_for_each_entry(p, &vn->peers, list)
			vsync_send_heartbeat(vn, p, coord);
		/* and one for every node of the group, known or not */
		if (vn->mcast_udp)
			vsync_send_heartbeat(vn, NULL, coord);
		vn->hb_next = jiffies +
			msecs_to_jiffies(READ_ONCE(vn->timers.heartbeat_ms));
	}
	vsync_hb_arm(vn, busy);
	mutex_unlock(&vn->stream_lock);
}

static const u8 vsync_verdict_mib[] = {
	[VSYNC_MSG_SHORT]		= VSYNC_MIB_DROP_SHORT,
	[VSYNC_MSG_BAD_VERSION]		= VSYNC_MIB_DROP_VERSION,
	[VSYNC_MSG_BAD_HEADER]		= VSYNC_MIB_DROP_HEADER,
	[VSYNC_MSG_BAD_LENGTH]		= VSYNC_MIB_DROP_LENGTH,
	[VSYNC_MSG_BAD_TYPE]		= VSYNC_MIB_DROP_TYPE,
	[VSYNC_MSG_OTHER_CLUSTER]	= VSYNC_MIB_DROP_CLUSTER,
	[VSYNC_MSG_BAD_NODE]		= VSYNC_MIB_DROP_NODE,
	[VSYNC_MSG_FROM_SELF]		= VSYNC_MIB_DROP_SELF,
	[VSYNC_MSG_BAD_FIELD]		= VSYNC_MIB_DROP_FIELD,
};

/* A valid packet from @from: the sender is alive. */
static struct vsync_peer *vsync_peer_heard(struct vsync_net *vn,
					   const struct vsync_addr *from,
					   const __be32 *h)
{
	struct vsync_peer *p;

	p = vsync_peer_find(vn, from);
	if (!p) {
		p = vsync_peer_new(vn, from, false);
		if (IS_ERR(p))
			return NULL;
		VSYNC_INC_STATS(vn, VSYNC_MIB_PEER_LEARNED);
	}
	if (p->incarnation && p->incarnation != msg_incarnation(h)) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_PEER_RESTART);
		/* a member of our view that restarted has to leave first */
		if (vsync_nview_has(&vn->view, msg_src(h)))
			p->restarted = true;
	}
	p->node_id = msg_src(h);
	p->incarnation = msg_incarnation(h);
	p->last_heard = jiffies;
	if (p->state != VSYNC_PEER_UP) {
		p->state = VSYNC_PEER_UP;
		VSYNC_INC_STATS(vn, VSYNC_MIB_PEER_UP);
	}
	return p;
}

void vsync_node_rcv(struct vsync_net *vn, struct sk_buff *skb)
{
	const struct vsync_addr *from = &VSYNC_RX_CB(skb)->from;
	enum vsync_msg_verdict v;
	struct vsync_peer *p;
	const __be32 *h;

	lockdep_assert_held(&vn->stream_lock);
	if (skb_linearize(skb)) {
		VSYNC_INC_STATS(vn, VSYNC_MIB_RX_BACKLOG_DROP);
		goto out;
	}
	h = (const __be32 *)skb->data;
	v = vsync_msg_validate(skb->data, skb->len, vn->cluster, vn->node_id);
	if (v != VSYNC_MSG_OK) {
		if (v < ARRAY_SIZE(vsync_verdict_mib))
			VSYNC_INC_STATS(vn, vsync_verdict_mib[v]);
		goto out;
	}

	p = vsync_peer_heard(vn, from, h);
	if (!p)
		goto out;
	if (VSYNC_RX_CB(skb)->mcast && vn->mcast_udp)
		vsync_mcast_heard(vn, p->node_id);
	switch (msg_type(h)) {
	case VSYNC_MSG_SUBMIT:
	case VSYNC_MSG_ORDER:
	case VSYNC_MSG_ACK:
		vsync_order_rcv(vn, p, skb);
		return;
	case VSYNC_MSG_HEARTBEAT:
		VSYNC_INC_STATS(vn, VSYNC_MIB_HEARTBEAT_RX);
		fallthrough;
	default:
		vsync_gms_rcv(vn, p, h);
	}
out:
	consume_skb(skb);
}

/*
 * Check the group @mcast against the node address @addr it goes with, and
 * give it the node's port.
 */
static int vsync_mcast_check(const struct vsync_addr *addr,
			     struct vsync_addr *mcast,
			     struct netlink_ext_ack *extack)
{
	if (!addr->sa.sa_family) {
		NL_SET_ERR_MSG(extack,
			       "set the node address before or with the multicast group");
		return -EDESTADDRREQ;
	}
	if (addr->sa.sa_family != mcast->sa.sa_family) {
		NL_SET_ERR_MSG(extack,
			       "the multicast group must be of the node address's family: change or remove both in one request");
		return -EAFNOSUPPORT;
	}
	if (addr->sa.sa_family == AF_INET ?
	    addr->v4.sin_addr.s_addr == htonl(INADDR_ANY) :
	    ipv6_addr_any(&addr->v6.sin6_addr)) {
		NL_SET_ERR_MSG(extack,
			       "multicast needs a node address of one interface, not the wildcard");
		return -EADDRNOTAVAIL;
	}
	/* the port is the same two bytes of either sockaddr */
	mcast->v4.sin_port = addr->v4.sin_port;
	return 0;
}

/*
 * Move the transport to @addr and the group to @mcast (family 0: none):
 * open what is new, and only once all of it is open, switch and close
 * the old sockets.  A failure leaves everything as it was (but for the
 * multicast options of a unicast socket that stays: unused without a
 * group).  A group socket on the same group and interface is kept: a
 * second one could not bind there.
 */
static int vsync_node_set_transport(struct vsync_net *vn,
				    const struct vsync_addr *addr,
				    const struct vsync_addr *mcast,
				    struct netlink_ext_ack *extack)
{
	bool new_addr = !vn->udp || !vsync_addr_equal(addr, &vn->addr);
	bool new_group = !vsync_addr_equal(mcast, &vn->mcast);
	struct socket *sock = vn->udp, *msock = NULL, *old_m = NULL, *old;
	bool keep_m = false;
	int ifindex = 0, err;

	if (new_addr) {
		err = vsync_transport_open(vn, addr, &sock);
		if (err)
			return err;
	}
	if (mcast->sa.sa_family) {
		/* a new address may be on another interface: join there */
		ifindex = vsync_transport_ifindex(vn->net, addr);
		if (ifindex < 0) {
			err = ifindex;
			NL_SET_ERR_MSG(extack,
				       "no interface holds the node address: cannot join the multicast group");
			goto close;
		}
		keep_m = vn->mcast_udp && !new_group &&
			 ifindex == vn->mcast_ifindex;
		if (!keep_m) {
			err = vsync_transport_mcast_open(vn, mcast, ifindex,
							 &msock);
			if (err) {
				NL_SET_ERR_MSG(extack,
					       "cannot join the multicast group on the interface of the node address");
				goto close;
			}
		}
		err = vsync_transport_mcast_tx(sock, addr, ifindex);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot send to the multicast group through the interface of the node address");
			vsync_transport_close(msock);
			goto close;
		}
	}

	old = vn->udp;
	if (new_addr) {
		vn->udp = sock;
		vn->addr = *addr;
		vn->incarnation = get_random_u32() | 1;
	}
	if (!keep_m) {
		old_m = vn->mcast_udp;
		vn->mcast_udp = msock;
		vn->mcast_ifindex = ifindex;
	}
	if (new_group) {
		vn->mcast = *mcast;
		vn->mcast_n = 0;	/* who listens is to be heard again */
	}
	/* the old sockets' packets may still be queued: harmless */
	vsync_transport_close(old_m);
	if (new_addr)
		vsync_transport_close(old);
	if (!old)
		vsync_gms_start(vn);
	vn->hb_next = jiffies;
	vsync_hb_arm(vn, false);
	return 0;

close:
	if (new_addr)
		vsync_transport_close(sock);
	return err;
}

int vsync_node_set(struct vsync_net *vn, const struct vsync_node_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct vsync_addr addr = vn->addr, mcast = vn->mcast;
	int err;

	lockdep_assert_held(&vn->stream_lock);
	if (vn->stopping)
		return -ENODEV;
	if ((cfg->set & VSYNC_CFG_ID) && cfg->node_id != vn->node_id) {
		if (!cfg->node_id)
			return -EINVAL;
		if (vn->n_members)
			return -EBUSY;	/* members are named by node id */
	}
	if (cfg->set & VSYNC_CFG_ADDR) {
		__be16 port = htons(VSYNC_PORT_DEFAULT);

		if (addr.sa.sa_family == AF_INET)
			port = addr.v4.sin_port;
		else if (addr.sa.sa_family == AF_INET6)
			port = addr.v6.sin6_port;
		addr = cfg->addr;
		if (addr.sa.sa_family == AF_INET)
			addr.v4.sin_port = port;
		else
			addr.v6.sin6_port = port;
	}
	if (cfg->set & VSYNC_CFG_PORT) {
		if (addr.sa.sa_family == AF_INET)
			addr.v4.sin_port = cfg->addr.v4.sin_port;
		else if (addr.sa.sa_family == AF_INET6)
			addr.v6.sin6_port = cfg->addr.v6.sin6_port;
		else
			return -EDESTADDRREQ;	/* a port needs an address */
	}
	if (cfg->set & VSYNC_CFG_MCAST)
		mcast = cfg->mcast;
	if (mcast.sa.sa_family) {
		err = vsync_mcast_check(&addr, &mcast, extack);
		if (err)
			return err;
	}

	/* the group given again is joined again, on the interface of now */
	if ((cfg->set & (VSYNC_CFG_ADDR | VSYNC_CFG_PORT | VSYNC_CFG_MCAST)) &&
	    addr.sa.sa_family &&
	    (!vn->udp || !vsync_addr_equal(&addr, &vn->addr) ||
	     (cfg->set & VSYNC_CFG_MCAST))) {
		err = vsync_node_set_transport(vn, &addr, &mcast, extack);
		if (err)
			return err;
	}
	if (cfg->set & VSYNC_CFG_ID)
		vn->node_id = cfg->node_id;
	if (cfg->set & VSYNC_CFG_CLUSTER)
		vn->cluster = cfg->cluster;
	return 0;
}

void vsync_node_init(struct vsync_net *vn)
{
	INIT_LIST_HEAD(&vn->peers);
	INIT_DELAYED_WORK(&vn->hb_work, vsync_hb_work);
	vsync_transport_init(vn);
}

/*
 * netns exit, first round, while the namespace's devices are still there:
 * the group socket goes.  UDP early demux hands a socket that alone takes
 * a multicast group the input route of the group's datagrams (sk_rx_dst),
 * and that route holds the loopback device: left open until .exit, which
 * runs once the devices are unregistered, it would keep lo from ever
 * going ("waiting for lo to become free").
 */
void vsync_node_pre_exit(struct vsync_net *vn)
{
	struct socket *msock;

	mutex_lock(&vn->stream_lock);
	msock = vn->mcast_udp;
	vn->mcast_udp = NULL;
	mutex_unlock(&vn->stream_lock);
	vsync_transport_close(msock);
}

/* netns exit: reverse of what start and configuration did. */
void vsync_node_exit(struct vsync_net *vn)
{
	struct socket *sock, *msock;
	struct vsync_peer *p, *tmp;

	mutex_lock(&vn->stream_lock);
	WRITE_ONCE(vn->stopping, true);
	sock = vn->udp;
	vn->udp = NULL;
	msock = vn->mcast_udp;
	vn->mcast_udp = NULL;
	mutex_unlock(&vn->stream_lock);

	cancel_delayed_work_sync(&vn->hb_work);
	/* the group socket was opened after the unicast one (pre_exit) */
	vsync_transport_close(msock);
	vsync_transport_close(sock);
	vsync_transport_exit(vn);

	list_for_each_entry_safe(p, tmp, &vn->peers, list)
		vsync_peer_free(vn, p);
}
