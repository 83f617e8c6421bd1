/* SPDX-License-Identifier: GPL-2.0 */
/*
 * af_vsync: per-netns node state, groups and member sockets.
 *
 * One network namespace is one node.  Every group event of a node (join,
 * leave, message) is applied in one order, the node stream (stream.c), and
 * the group layer (group.c) turns each event into deliveries to members.
 */
#ifndef _VSYNC_CORE_H
#define _VSYNC_CORE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <linux/vsync.h>

#include "compat.h"
#include "msg.h"

extern int vsync_family;
extern unsigned int vsync_net_id;
extern struct workqueue_struct *vsync_wq;

/* Node id until the node is configured. */
#define VSYNC_NODE_ID_DEFAULT	1

/* A UDP endpoint, IPv4 or IPv6 (sa_family tells). */
struct vsync_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	};
};

/* Per-netns timers, from the net.vsync sysctls (sysctl.c), in ms. */
struct vsync_timers {
	int heartbeat_ms;
	int suspect_ms;
	int retransmit_ms;
};

#define VSYNC_HEARTBEAT_MS_DEFAULT	100
#define VSYNC_SUSPECT_MS_DEFAULT	1000
#define VSYNC_RETRANSMIT_MS_DEFAULT	40

/* A node view: which nodes are together, by rank (rank 0 is the oldest). */
struct vsync_nview {
	u64 id;				/* counter << 32 | coordinator id */
	u32 n;
	bool primary;
	u32 nodes[VSYNC_NODES_MAX];
};

static inline bool vsync_nview_has(const struct vsync_nview *v, u32 node)
{
	u32 i;

	for (i = 0; i < v->n; i++)
		if (v->nodes[i] == node)
			return true;
	return false;
}

/* Another node, configured (static) or learned from its packets. */
struct vsync_peer {
	struct list_head list;		/* in vsync_net.peers */
	struct vsync_addr addr;
	u32 node_id;			/* 0 until heard */
	u32 incarnation;
	u8 state;			/* enum vsync_peer_state */
	bool is_static;
	bool restarted;			/* new incarnation: must rejoin */
	unsigned long last_heard;	/* jiffies */
	/* what its last heartbeat said */
	u64 view_id;
	u32 view_coord;
	u32 view_size;
	bool view_primary;
};

/* What VSYNC_CMD_NODE_SET asks for; fields not in @set keep their value. */
struct vsync_node_cfg {
	u32 set;			/* VSYNC_CFG_* */
	u32 node_id;
	u32 cluster;
	struct vsync_addr addr;		/* port included */
};

#define VSYNC_CFG_ID		BIT(0)
#define VSYNC_CFG_CLUSTER	BIT(1)
#define VSYNC_CFG_ADDR		BIT(2)
#define VSYNC_CFG_PORT		BIT(3)

struct vsync_mib;

struct vsync_net {
	struct net *net;
	struct vsync_timers timers;
	struct ctl_table_header *sysctl;	/* sysctl.c */
	struct vsync_mib __percpu *mib;		/* mib.c */

	/*
	 * The node stream: serialises every group event of this node, so
	 * that all members see joins, leaves and messages in one order.
	 * Taken in process context only; nests inside lock_sock().
	 */
	struct mutex stream_lock;
	u64 stream_seq;			/* events applied so far */
	u32 node_id;
	struct list_head groups;	/* vsync_group.list */
	u32 n_groups;
	u32 n_members;
	struct xarray ports;		/* port -> joined vsync_sock */
	u32 next_port;

	/* node configuration and transport, under stream_lock */
	u32 cluster;
	struct vsync_addr addr;		/* local address and port */
	u32 incarnation;		/* random, new at each transport start */
	struct list_head peers;		/* vsync_peer.list */
	u32 n_peers;
	struct socket *udp;		/* NULL while the transport is down */
	bool stopping;			/* netns exit: no new work */
	/* node membership (membership.c) */
	struct vsync_nview view;	/* installed; n == 0 before the first */
	struct vsync_nview last_primary;
	struct vsync_nview pending;	/* accepted, not committed; id 0: none */
	u32 pending_coord;
	struct vsync_nview proposal;	/* ours, as coordinator; id 0: none */
	u64 proposal_acks;		/* bit i: proposal.nodes[i] accepted */
	u64 max_view_id;		/* highest seen anywhere */
	u64 view_changes;

	struct sk_buff_head rxq;	/* packets from encap_rcv to rx_work */
	struct work_struct rx_work;
	struct delayed_work hb_work;	/* heartbeats and suspicion */
	unsigned long hb_next;		/* jiffies of the next heartbeats */
};

static inline struct vsync_net *vsync_net(const struct net *net)
{
	return net_generic(net, vsync_net_id);
}

enum {
	VSYNC_GF_CONGESTED,	/* a sender waits for receive room */
};

/*
 * A member of a group, in rank order on group->members: a socket of this
 * node (embedded in it), or, once groups span nodes, one of another node
 * (vs == NULL), which gets nothing delivered here but is in every view.
 */
struct vsync_member {
	struct list_head list;
	struct vsync_member_id id;
	struct vsync_sock *vs;
};

struct vsync_group {
	struct list_head list;		/* in vsync_net.groups: one ref */
	refcount_t ref;			/* list + one per member */
	struct vsync_net *vn;
	/*
	 * members in rank order: changed under stream_lock and lock, read
	 * under either (readers outside the stream: poll, reader wakeups)
	 */
	struct list_head members;	/* vsync_member.list */
	spinlock_t lock;
	u32 n_members;
	u32 n_local;			/* members with a socket here */
	u64 view_id;
	u64 gseq;			/* global sequence of the last message */
	unsigned long flags;
	u8 name_len;
	char name[VSYNC_NAME_MAX + 1];
	struct rcu_head rcu;
};

enum vsync_sock_state {
	VSYNC_SS_UNJOINED,
	VSYNC_SS_JOINED,
	VSYNC_SS_LEFT,
};

struct vsync_sock {
	struct sock sk;
	/* group and state change under lock_sock() and stream_lock */
	struct vsync_group __rcu *group;
	/* on group->members while joined, holding a socket reference */
	struct vsync_member member;
	u8 state;
	u8 order;			/* default ordering class */
	u64 next_seq;			/* sender sequence of the next message */
	struct pid *pid;		/* opener, for vsyncctl */
	/* under lock_sock(): the last view read, and what was read */
	struct sk_buff *view;
	u32 view_rank;
	struct vsync_sock_stats stats;
};

static inline struct vsync_sock *vsync_sk(const struct sock *sk)
{
	return container_of(sk, struct vsync_sock, sk);
}

/* What the receive queue holds: one item per skb, described here. */
struct vsync_skb_cb {
	u64 view_id;
	u64 sender_seq;
	u64 global_seq;
	u32 sender_node;
	u32 sender_port;
	u8 kind;
	u8 order;
};

#define VSYNC_SKB_CB(skb) ((struct vsync_skb_cb *)&((skb)->cb[0]))

/* group.c: the group state machine; callers hold stream_lock */
struct vsync_group *vsync_group_find(struct vsync_net *vn, const char *name,
				     size_t len);
struct vsync_group *vsync_group_create(struct vsync_net *vn, const char *name,
				       size_t len);
int vsync_group_add(struct vsync_group *g, struct vsync_sock *vs);
void vsync_group_remove(struct vsync_group *g, struct vsync_sock *vs);
int vsync_group_send(struct vsync_group *g, struct vsync_sock *vs,
		     struct sk_buff *skb, u8 order);
void vsync_group_put(struct vsync_group *g);
bool vsync_group_writable(struct vsync_group *g, unsigned int size);
void vsync_group_space(struct vsync_group *g);

/* stream.c: the node stream, the locked shell around the group layer */
int vsync_stream_join(struct vsync_sock *vs, const char *name, size_t len);
void vsync_stream_leave(struct vsync_sock *vs);
int vsync_stream_send(struct vsync_sock *vs, struct sk_buff *skb, u8 order,
		      long timeo);

/* node.c: configuration, peers, heartbeats; callers hold stream_lock */
int vsync_node_set(struct vsync_net *vn, const struct vsync_node_cfg *cfg);
int vsync_peer_add(struct vsync_net *vn, const struct vsync_addr *addr);
int vsync_peer_del(struct vsync_net *vn, const struct vsync_addr *addr);
void vsync_node_init(struct vsync_net *vn);
void vsync_node_exit(struct vsync_net *vn);
struct vsync_peer *vsync_peer_by_id(struct vsync_net *vn, u32 node_id);

/* membership.c: node views; callers hold stream_lock */
void vsync_gms_start(struct vsync_net *vn);
bool vsync_gms_tick(struct vsync_net *vn);
u32 vsync_coordinator(struct vsync_net *vn);
void vsync_gms_rcv(struct vsync_net *vn, struct vsync_peer *p,
		   const __be32 *h);

/* socket.c */
int vsync_socket_init(void);
void vsync_socket_exit(void);

/* netlink.c */
int vsync_netlink_init(void);
void vsync_netlink_exit(void);

/* sysctl.c: net.vsync.* per netns */
int vsync_sysctl_net_init(struct vsync_net *vn);
void vsync_sysctl_net_exit(struct vsync_net *vn);

#endif /* _VSYNC_CORE_H */
