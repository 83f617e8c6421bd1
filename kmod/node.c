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
 * Everything here runs under the node's stream_lock.  The heartbeat work
 * re-arms itself until vn->stopping; netns exit sets that, waits for the
 * work, closes the socket, then waits for rx_work (transport.c).
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

static void vsync_send_heartbeat(struct vsync_net *vn, struct vsync_peer *p,
				 u32 coord)
{
	__be32 h[VSYNC_HEARTBEAT_WORDS];

	msg_init(h, VSYNC_MSG_HEARTBEAT, VSYNC_HEARTBEAT_WORDS, vn->cluster,
		 vn->node_id, p->node_id, vn->incarnation, 0);
	msg_set_hb_interval(h, READ_ONCE(vn->timers.heartbeat_ms));
	msg_set_u64(h, 7, vn->view.id);
	msg_set_word(h, 9, coord);
	msg_set_word(h, 10, (vn->view.primary ? VSYNC_NVIEW_PRIMARY : 0) |
		     (vn->ord.frozen ? VSYNC_NVIEW_FROZEN : 0) |
		     vn->view.n << 8);
	msg_set_u64(h, 11, vn->max_view_id);
	if (!vsync_xmit(vn, &p->addr, h, sizeof(h)))
		VSYNC_INC_STATS(vn, VSYNC_MIB_HEARTBEAT_TX);
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

static int vsync_node_set_addr(struct vsync_net *vn,
			       const struct vsync_addr *addr)
{
	struct socket *sock, *old;
	int err;

	err = vsync_transport_open(vn, addr, &sock);
	if (err)
		return err;
	old = vn->udp;
	vn->udp = sock;
	vn->addr = *addr;
	vn->incarnation = get_random_u32() | 1;
	/* the old socket's packets may still be queued: harmless */
	vsync_transport_close(old);
	if (!old)
		vsync_gms_start(vn);
	vn->hb_next = jiffies;
	vsync_hb_arm(vn, false);
	return 0;
}

int vsync_node_set(struct vsync_net *vn, const struct vsync_node_cfg *cfg)
{
	struct vsync_addr addr = vn->addr;
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

	if ((cfg->set & (VSYNC_CFG_ADDR | VSYNC_CFG_PORT)) &&
	    (!vn->udp || !vsync_addr_equal(&addr, &vn->addr))) {
		err = vsync_node_set_addr(vn, &addr);
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

/* netns exit: reverse of what start and configuration did. */
void vsync_node_exit(struct vsync_net *vn)
{
	struct vsync_peer *p, *tmp;
	struct socket *sock;

	mutex_lock(&vn->stream_lock);
	WRITE_ONCE(vn->stopping, true);
	sock = vn->udp;
	vn->udp = NULL;
	mutex_unlock(&vn->stream_lock);

	cancel_delayed_work_sync(&vn->hb_work);
	vsync_transport_close(sock);
	vsync_transport_exit(vn);

	list_for_each_entry_safe(p, tmp, &vn->peers, list)
		vsync_peer_free(vn, p);
}
