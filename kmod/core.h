/* SPDX-License-Identifier: GPL-2.0 */
/*
 * af_vsync: per-netns node state, groups and member sockets.
 *
 * One network namespace is one node.  Every group event of every node
 * (join, leave, message) is applied at every node in one order, the node
 * stream (order.c; sockets submit to it in stream.c), and the group layer
 * (group.c) turns each event into deliveries to the members of this node.
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
	int reader_timeout_ms;
};

#define VSYNC_HEARTBEAT_MS_DEFAULT	100
#define VSYNC_SUSPECT_MS_DEFAULT	1000
#define VSYNC_RETRANSMIT_MS_DEFAULT	40
#define VSYNC_READER_TIMEOUT_MS_DEFAULT	30000

/* view ids a node remembers accepting (membership.c) */
#define VSYNC_ACCEPTED_MAX	8

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

/* A node view being installed: what COMMIT carries. */
struct vsync_commit {
	struct vsync_nview v;
	u64 final;			/* last entry of the old view's stream */
	u64 prev;			/* the view the continuing nodes leave */
	u64 stable;			/* of the old view: every node held it */
	u64 cont;			/* bit i: v.nodes[i] continues */
	u32 from;			/* who sent it */
};

/* The highest submission of a node that the stream has ordered. */
struct vsync_subtab {
	u32 node;
	u64 sub;
};

/*
 * The node-level total order (order.c).  Every node applies the same
 * entries (joins, leaves, messages of every group) in the same order:
 * the sequencer, the first node of the installed view, numbers the
 * submissions of all nodes; the numbers go on across views.
 */
struct vsync_ostate {
	u64 epoch;			/* view whose sequencer numbers now */
	u64 have;			/* entries applied here */
	u64 stable;			/* entries every node of the view holds */
	u64 flush_to;			/* frozen: entries still to take */
	bool frozen;			/* a view change is under way */
	bool adopting;			/* joined: group state comes first */
	struct sk_buff_head log;	/* applied entries above stable */
	/*
	 * Entries in order but not yet given to the groups (clones): those
	 * behind a SAFE message that not every node holds yet.
	 */
	struct sk_buff_head dq;
	u64 safe_top;			/* sequencer: last uniform entry ordered */
	u64 stable_said;		/* sequencer: stable last announced */
	struct sk_buff_head ooo;	/* received entries above have + 1 */
	struct sk_buff_head subq;	/* own submissions not yet applied */
	u64 sub_next;			/* id of the next own submission */
	u32 n_tab;
	struct vsync_subtab tab[VSYNC_NODES_MAX];
	/* sequencer: what view.nodes[i] reported applied, now and a tick ago */
	u64 acked[VSYNC_NODES_MAX];
	u64 acked_tick[VSYNC_NODES_MAX];
	/* sequencer: what view.nodes[i] reported given to its groups */
	u64 dlv[VSYNC_NODES_MAX];
	u64 ack_sent;			/* have in our last ACK */
	u64 dlv_sent;			/* delivered in our last ACK */
	unsigned long gap_acked;	/* jiffies of our last gap ACK */
};

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
	bool view_frozen;
	/* resends to it (order.c): the last burst's end and time, backoff */
	u64 rs_top;
	unsigned long rs_at;
	u32 rs_shift;
};

/* What VSYNC_CMD_NODE_SET asks for; fields not in @set keep their value. */
struct vsync_node_cfg {
	u32 set;			/* VSYNC_CFG_* */
	u32 node_id;
	u32 cluster;
	struct vsync_addr addr;		/* port included */
	struct vsync_addr mcast;	/* group, no port; family 0: none */
};

#define VSYNC_CFG_ID		BIT(0)
#define VSYNC_CFG_CLUSTER	BIT(1)
#define VSYNC_CFG_ADDR		BIT(2)
#define VSYNC_CFG_PORT		BIT(3)
#define VSYNC_CFG_MCAST		BIT(4)

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
	u32 node_id;
	struct list_head groups;	/* vsync_group.list */
	u32 n_groups;
	u32 n_members;			/* sockets joined or joining */
	struct xarray ports;		/* port -> own vsync_member */
	u32 next_port;

	/* node configuration and transport, under stream_lock */
	u32 cluster;
	struct vsync_addr addr;		/* local address and port */
	u32 incarnation;		/* random, new at each transport start */
	struct list_head peers;		/* vsync_peer.list */
	u32 n_peers;
	struct socket *udp;		/* NULL while the transport is down */
	/*
	 * optional IP multicast group (node.c, transport.c): the group on
	 * the node's port (family 0: none), the socket bound to it and
	 * joined on the interface of the node's address, and the nodes
	 * heard through the group lately (they listen there too)
	 */
	struct vsync_addr mcast;
	struct socket *mcast_udp;
	int mcast_ifindex;
	u32 mcast_n;
	u32 mcast_node[VSYNC_NODES_MAX];
	unsigned long mcast_heard[VSYNC_NODES_MAX];	/* jiffies */
	bool stopping;			/* netns exit: no new work */
	/* node membership (membership.c) */
	struct vsync_nview view;	/* installed; n == 0 before the first */
	struct vsync_nview last_primary;
	/*
	 * A primary view newer than last_primary that was proposed and may
	 * have been installed somewhere: a new primary needs a majority of
	 * it too.  id 0: none.
	 */
	struct vsync_nview amb;
	struct vsync_nview pending;	/* accepted, not committed; id 0: none */
	u32 pending_coord;
	/* ids of the last views we accepted or proposed: the only ones with us */
	u64 accepted[VSYNC_ACCEPTED_MAX];
	u32 accepted_next;
	struct vsync_nview proposal;	/* ours, as coordinator; id 0: none */
	u64 proposal_acks;		/* bit i: proposal.nodes[i] accepted */
	/* what proposal.nodes[i] said in its ACCEPT: its view, its stream */
	u64 prop_view[VSYNC_NODES_MAX];
	u64 prop_have[VSYNC_NODES_MAX];
	u64 prop_stable[VSYNC_NODES_MAX];
	struct vsync_commit commit;	/* the last installed, as committed */
	struct vsync_commit incoming;	/* committed to us, still fetching */
	u64 max_view_id;		/* highest seen anywhere */
	u64 view_changes;
	struct vsync_ostate ord;

	struct sk_buff_head rxq;	/* stream packets, encap_rcv to rx_work */
	struct sk_buff_head rxq_ctl;	/* the others, taken first */
	struct work_struct rx_work;
	struct delayed_work hb_work;	/* heartbeats and suspicion */
	struct work_struct dq_work;	/* a reader made room: deliver */
	unsigned long hb_next;		/* jiffies of the next heartbeats */
};

static inline struct vsync_net *vsync_net(const struct net *net)
{
	return net_generic(net, vsync_net_id);
}

enum {
	VSYNC_GF_CONGESTED,	/* a sender waits for receive room */
	VSYNC_GF_HELD,		/* the node stream waits for receive room */
};

/*
 * A member of a group, in rank order on group->members.  A member of this
 * node is made when its socket joins and lives until its LEAVE is applied
 * (or the node's view change drops it); while the socket is attached, @vs
 * holds a reference to it.  A member of another node has @vs NULL: it is
 * in every view but gets nothing delivered here.
 */
struct vsync_member {
	struct list_head list;		/* group->members, once applied */
	struct vsync_member_id id;
	struct vsync_sock *vs;
	struct vsync_group *group;	/* once its JOIN is applied */
	/*
	 * The pieces of its message in progress, as entries (clones), at
	 * every node: they are delivered together with the last piece.
	 */
	struct sk_buff_head pieces;
	u32 piece_bytes;		/* message bytes in @pieces */
	/*
	 * state transfer (xfer.c), changed only by applied entries: the
	 * transfer this member awaits (the view id that named its donor;
	 * 0: none) and its donor
	 */
	u64 xfer;
	struct vsync_member_id donor;
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
	u32 n_left;			/* removed since the last view */
	u64 view_id;
	u64 gseq;			/* global sequence of the last message */
	/* the state transfer under way (xfer.c); xfer 0: none */
	u64 xfer;
	struct vsync_member_id xfer_donor;
	u32 xfer_rank;			/* the donor's rank when it began */
	unsigned long flags;
	u8 name_len;
	char name[VSYNC_NAME_MAX + 1];
	struct rcu_head rcu;
};

enum vsync_sock_state {
	VSYNC_SS_UNJOINED,
	VSYNC_SS_JOINING,		/* JOIN submitted, not yet applied */
	VSYNC_SS_JOINED,
	VSYNC_SS_LEAVING,		/* LEAVE submitted, not yet applied */
	VSYNC_SS_LEFT,
};

struct vsync_sock {
	struct sock sk;
	/* group, member and state change under stream_lock */
	struct vsync_group __rcu *group;
	struct vsync_member *m;		/* while joining, joined, leaving */
	struct vsync_member_id id;	/* of the last join */
	int err;			/* why the group dropped us: ENETDOWN */
	char join_name[VSYNC_NAME_MAX];	/* of the last join */
	u8 join_len;
	u8 state;
	u8 order;			/* default ordering class */
	u64 next_seq;			/* sender sequence of the next message */
	struct pid *pid;		/* opener, for vsyncctl */
	struct mutex send_lock;		/* one sendmsg() at a time */
	/* under lock_sock(): the last view read, and what was read */
	struct sk_buff *view;
	u32 view_rank;
	struct vsync_sock_stats stats;
	unsigned long last_read;	/* jiffies: joined, or last read */
	/*
	 * state transfer (xfer.c): as a joiner, the items held back until
	 * the state is complete (under stream_lock; bytes read locklessly);
	 * as a donor, the transfer of the last donor view read and the
	 * pieces sent for it
	 */
	struct sk_buff_head xfer_held;
	u32 xfer_held_bytes;
	u64 xfer_duty;
	u64 xfer_cur;			/* the transfer xfer_seq counts for */
	u64 xfer_seq;
	u8 xfer_want;			/* VSYNC_STATE */
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
	u8 unicast;			/* sent to this member alone */
	u8 vflags;			/* views: VSYNC_VIEW_DONOR, _STATE */
	u32 donor_rank;			/* with vflags */
};

#define VSYNC_SKB_CB(skb) ((struct vsync_skb_cb *)&((skb)->cb[0]))

/* skb->cb of an entry of the node stream (order.c) */
struct vsync_ent_cb {
	u64 epoch;
	u64 seq;
	u64 sub;			/* origin's submission id */
	unsigned long sent;		/* jiffies: last sent (submissions) */
	u32 origin;			/* 0: the sequencer's own */
	u8 type;			/* enum vsync_ent_type */
	/* delivery queue: given to its group ahead of its place */
	bool done;
	bool numbered;			/* done: it took a global_seq */
};

#define VSYNC_ENT_CB(skb) ((struct vsync_ent_cb *)&((skb)->cb[0]))

/* group.c: the group state machine; callers hold stream_lock */
void vsync_group_put(struct vsync_group *g);
bool vsync_group_writable(struct vsync_group *g, unsigned int size);
void vsync_group_space(struct vsync_group *g);
void vsync_group_apply(struct vsync_net *vn, struct sk_buff *ent);
bool vsync_group_apply_ahead(struct vsync_net *vn, struct sk_buff *ent,
			     u64 ahead);
u32 vsync_group_numbers(struct vsync_net *vn, const struct sk_buff *ent);
void vsync_group_numbered(struct vsync_net *vn, const struct sk_buff *ent);
void vsync_groups_keep(struct vsync_net *vn, const struct vsync_nview *v,
		       u64 cont);
void vsync_groups_drop(struct vsync_net *vn, const struct vsync_commit *c);
struct sk_buff *vsync_group_state(struct vsync_group *g);
void vsync_member_detach(struct vsync_net *vn, struct vsync_member *m,
			 int err);
struct vsync_member *vsync_member_alloc(gfp_t gfp, u32 node, u32 port);
void vsync_group_replay(struct vsync_group *g, struct sk_buff_head *q);
bool vsync_group_ready(struct vsync_net *vn, const struct sk_buff *ent);
bool vsync_group_evict(struct vsync_group *g, unsigned int size);
bool vsync_group_evict_for(struct vsync_net *vn, const struct sk_buff *ent);
void vsync_groups_exit(struct vsync_net *vn);

/* stream.c: the socket side of the node stream */
int vsync_stream_join(struct vsync_sock *vs, const char *name, size_t len);
int vsync_stream_leave(struct vsync_sock *vs);
void vsync_stream_close(struct vsync_sock *vs);
int vsync_stream_wait(struct vsync_sock *vs, long *timeo,
		      int (*try)(struct vsync_sock *vs, struct vsync_group *g,
				 void *arg),
		      void *arg);
int vsync_stream_sendmsg(struct vsync_sock *vs, struct iov_iter *from,
			 size_t len, u8 order,
			 const struct vsync_member_id *dest, int noblock);
bool vsync_group_has(struct vsync_group *g, const struct vsync_member_id *id);
void vsync_stream_evict(struct vsync_net *vn, struct vsync_sock *vs);
struct sk_buff *vsync_entry_alloc(struct sock *sk, u32 type,
				  const char *name, u32 name_len, u32 flags,
				  size_t len, int noblock, int *err);

/* order.c: the node-level total order; callers hold stream_lock */
void vsync_order_init(struct vsync_net *vn);
void vsync_order_exit(struct vsync_net *vn);
bool vsync_order_can_submit(struct vsync_net *vn);
bool vsync_order_room(struct vsync_net *vn);
u64 vsync_order_cut(struct vsync_net *vn, const char *name, u32 len);
void vsync_submit(struct vsync_net *vn, struct sk_buff *ent);
void vsync_order_rcv(struct vsync_net *vn, struct vsync_peer *p,
		     struct sk_buff *skb);
bool vsync_order_tick(struct vsync_net *vn);
void vsync_order_install(struct vsync_net *vn, const struct vsync_commit *c);
void vsync_order_fetch(struct vsync_net *vn, u32 from);
bool vsync_is_sequencer(struct vsync_net *vn);
void vsync_order_retry(struct vsync_net *vn);

/* node.c: configuration, peers, heartbeats; callers hold stream_lock */
int vsync_node_set(struct vsync_net *vn, const struct vsync_node_cfg *cfg,
		   struct netlink_ext_ack *extack);
int vsync_peer_add(struct vsync_net *vn, const struct vsync_addr *addr);
int vsync_peer_del(struct vsync_net *vn, const struct vsync_addr *addr);
void vsync_node_init(struct vsync_net *vn);
void vsync_node_pre_exit(struct vsync_net *vn);
void vsync_node_exit(struct vsync_net *vn);
struct vsync_peer *vsync_peer_by_id(struct vsync_net *vn, u32 node_id);
void vsync_node_kick(struct vsync_net *vn);
bool vsync_mcast_listens(struct vsync_net *vn, u32 node);

/* membership.c: node views; callers hold stream_lock */
void vsync_gms_start(struct vsync_net *vn);
bool vsync_gms_tick(struct vsync_net *vn);
u32 vsync_coordinator(struct vsync_net *vn);
void vsync_gms_rcv(struct vsync_net *vn, struct vsync_peer *p,
		   const __be32 *h);
void vsync_gms_caught_up(struct vsync_net *vn);

/* xfer.c: state transfer; the apply side under stream_lock */
void vsync_xfer_join(struct vsync_member *m, const __be32 *e);
void vsync_xfer_change(struct vsync_group *g);
bool vsync_xfer_hold(struct vsync_sock *vs, struct sk_buff *skb);
void vsync_xfer_apply(struct vsync_net *vn, struct vsync_group *g,
		      struct sk_buff *ent);
void vsync_xfer_drop(struct vsync_group *g);
void vsync_xfer_detach(struct vsync_sock *vs);
void vsync_xfer_gstate(struct vsync_group *g, struct vsync_member *m,
		       const __be32 *e, u32 i);
void vsync_xfer_join_entry(struct vsync_sock *vs, struct sk_buff *ent);
/* xfer.c: the socket side */
void vsync_xfer_sock_init(struct vsync_sock *vs);
u64 vsync_xfer_awaits(const struct vsync_member *m);
void vsync_xfer_read_view(struct vsync_sock *vs, const struct sk_buff *skb);
void vsync_xfer_patch_view(struct vsync_view *v, const struct sk_buff *skb);
int vsync_xfer_sendmsg(struct vsync_sock *vs, struct msghdr *msg, size_t len,
		       int last);

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
