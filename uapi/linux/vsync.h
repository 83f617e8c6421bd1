/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * AF_VSYNC: process groups with membership views and view-synchronous,
 * totally ordered multicast, as a socket family.
 *
 * The family number is a module parameter (read-only once loaded); programs
 * read the live value from /sys/module/af_vsync/parameters/family and fall
 * back to AF_VSYNC_DEFAULT only if that file is missing.
 *
 * See vsync(7) for the semantics and the errno values of every call.
 */
#ifndef _UAPI_LINUX_VSYNC_H
#define _UAPI_LINUX_VSYNC_H

#include <linux/types.h>
#include <linux/socket.h>

/* AF_NETBEUI's number: below AF_MAX and registered by no kernel code. */
#define AF_VSYNC_DEFAULT	13
#define VSYNC_FAMILY_SYSFS	"/sys/module/af_vsync/parameters/family"

#define SOL_VSYNC		299

/* Group names are 1..VSYNC_NAME_MAX bytes, no NUL inside. */
#define VSYNC_NAME_MAX		63
/*
 * Largest message payload accepted by sendmsg().  A message longer than
 * one packet is sent in pieces and delivered whole; see vsync(7).
 */
#define VSYNC_MSG_MAX		(8 << 20)
/* Largest piece of state in one sendmsg() with VSYNC_CMSG_STATE. */
#define VSYNC_STATE_PIECE_MAX	65536
/* Largest number of members in one group. */
#define VSYNC_MEMBERS_MAX	1024

/* setsockopt()/getsockopt() at level SOL_VSYNC */
enum {
	VSYNC_JOIN = 1,		/* set: group name, optlen = name length */
	VSYNC_LEAVE = 2,	/* set: no value */
	VSYNC_ORDER = 3,	/* set/get: int, default class of sends */
	VSYNC_VIEW = 4,		/* get: struct vsync_view + members */
	VSYNC_GROUP = 5,	/* get: group name, not NUL-terminated */
	VSYNC_STATS = 6,	/* get: struct vsync_sock_stats */
	VSYNC_STATE = 7,	/* set/get: int, 1: the next join asks for state */
};

/* Ordering classes (guarantees 5-8 of the design notes). */
enum vsync_order {
	VSYNC_ORDER_FIFO = 1,
	VSYNC_ORDER_CAUSAL = 2,
	VSYNC_ORDER_TOTAL = 3,
	VSYNC_ORDER_SAFE = 4,
};
#define VSYNC_ORDER_DEFAULT	VSYNC_ORDER_TOTAL

/* Control messages at level SOL_VSYNC */
enum {
	VSYNC_CMSG_ORDER = 1,	/* sendmsg: int, class of this message */
	VSYNC_CMSG_INFO = 2,	/* recvmsg: struct vsync_msginfo */
	VSYNC_CMSG_STATE = 3,	/* sendmsg: int, donor's state: 0 a piece, 1 the last */
};

/* What recvmsg() returned; views also set MSG_OOB in msg_flags. */
enum vsync_kind {
	VSYNC_KIND_DATA = 1,
	VSYNC_KIND_VIEW = 2,
	VSYNC_KIND_STATE = 3,	/* a piece of state, from the donor */
	VSYNC_KIND_STATE_END = 4, /* the last piece: the state is complete */
};

/* A member: the node it runs on and its port there, unique per join. */
struct vsync_member_id {
	__u32 node;
	__u32 port;
};

struct sockaddr_vsync {
	__kernel_sa_family_t svs_family;
	__u16 svs_reserved;
	__u32 svs_node;
	__u32 svs_port;
	__u32 svs_zero;
};

struct vsync_msginfo {
	__u32 kind;		/* enum vsync_kind */
	__u32 order;		/* enum vsync_order, 0 for a view */
	__u64 view_id;		/* the view the item belongs to */
	struct vsync_member_id sender; /* zero for a view */
	__u64 sender_seq;	/* per sender: 1, 2, ... with no gaps */
	__u64 global_seq;	/* per group: one order for all members */
	__u32 flags;		/* VSYNC_MSGINFO_* */
	__u32 reserved;
};

/*
 * A unicast: sent to the reader alone.  Its sender_seq is in the sender's
 * one sequence (FIFO with its other messages, so other members see that
 * number skipped); its global_seq is that of the group message before it.
 */
#define VSYNC_MSGINFO_UNICAST	0x1

#define VSYNC_VIEW_PRIMARY	0x1
/* the reader is the donor of a state transfer: write the state now */
#define VSYNC_VIEW_DONOR	0x2
/* the reader awaits state: drop any partial state, state items follow */
#define VSYNC_VIEW_STATE	0x4

/*
 * A view, as read by recvmsg() (the payload of a VSYNC_KIND_VIEW item) and
 * by getsockopt(VSYNC_VIEW).  Members are listed by rank: rank 0 is the
 * oldest member.  my_rank is the reader's own rank in this view.
 */
struct vsync_view {
	__u64 view_id;
	__u32 n_members;
	__u32 my_rank;
	__u32 flags;		/* VSYNC_VIEW_* */
	__u32 n_joined;		/* members new in this view: the last ones */
	__u32 n_left;		/* members of the previous view not here */
	__u32 reserved;		/* VIEW_DONOR or VIEW_STATE: the donor's rank */
	struct vsync_member_id members[];
};

struct vsync_sock_stats {
	__u64 sent;		/* messages this socket sent */
	__u64 sent_bytes;
	__u64 delivered;	/* messages read */
	__u64 delivered_bytes;
	__u64 views;		/* views read */
	__u64 send_waits;	/* sends that waited for a full receiver */
};

/* UDP port of a node unless configured otherwise. */
#define VSYNC_PORT_DEFAULT	7410

/* Generic netlink family (vsyncctl) */
#define VSYNC_GENL_NAME		"vsync"
#define VSYNC_GENL_VERSION	1

enum {
	VSYNC_CMD_UNSPEC,
	VSYNC_CMD_NODE_GET,	/* doit: this node */
	VSYNC_CMD_GROUP_GET,	/* dumpit: one message per group */
	VSYNC_CMD_NODE_SET,	/* doit, CAP_NET_ADMIN: VSYNC_A_NODE */
	VSYNC_CMD_PEER_ADD,	/* doit, CAP_NET_ADMIN: VSYNC_A_PEER */
	VSYNC_CMD_PEER_DEL,	/* doit, CAP_NET_ADMIN: VSYNC_A_PEER */
	VSYNC_CMD_PEER_GET,	/* dumpit: one message per peer */
	VSYNC_CMD_STATS_GET,	/* doit: VSYNC_A_STATS */
	__VSYNC_CMD_MAX,
};
#define VSYNC_CMD_MAX (__VSYNC_CMD_MAX - 1)

enum {
	VSYNC_A_UNSPEC,
	VSYNC_A_NODE,		/* nest: VSYNC_A_NODE_* */
	VSYNC_A_GROUP,		/* nest: VSYNC_A_GROUP_* */
	VSYNC_A_PEER,		/* nest: VSYNC_A_PEER_* */
	VSYNC_A_STATS,		/* nest: VSYNC_A_STAT, one per counter */
	__VSYNC_A_MAX,
};
#define VSYNC_A_MAX (__VSYNC_A_MAX - 1)

enum {
	VSYNC_A_NODE_UNSPEC,
	VSYNC_A_NODE_ID,	/* u32 */
	VSYNC_A_NODE_FAMILY,	/* u32: the address family number */
	VSYNC_A_NODE_GROUPS,	/* u32: groups this node holds (all nodes') */
	VSYNC_A_NODE_MEMBERS,	/* u32: joined sockets here */
	VSYNC_A_NODE_CLUSTER,	/* u32: packets of other clusters are dropped */
	VSYNC_A_NODE_ADDR,	/* binary: struct in_addr or struct in6_addr */
	VSYNC_A_NODE_PORT,	/* u16, host order */
	VSYNC_A_NODE_INCARNATION, /* u32: random, new at each transport start */
	VSYNC_A_NODE_UP,	/* u8: the UDP transport is running */
	VSYNC_A_NODE_VIEW_ID,	/* u64: node view (counter << 32 | maker) */
	VSYNC_A_NODE_VIEW_PRIMARY, /* u8 */
	VSYNC_A_NODE_VIEW_NODES, /* binary: u32 node ids, by rank */
	VSYNC_A_NODE_COORD,	/* u32: acting coordinator */
	VSYNC_A_NODE_VIEW_CHANGES, /* u64: views installed here */
	VSYNC_A_NODE_PAD,
	/*
	 * binary: IPv4 or IPv6 multicast group (struct in_addr or struct
	 * in6_addr, the node address's family), on the node's port; set
	 * empty (length 0) to remove it.  Shown only while one is set.
	 */
	VSYNC_A_NODE_MCAST,
	VSYNC_A_NODE_MCAST_IFINDEX, /* u32: interface the group is joined on */
	__VSYNC_A_NODE_MAX,
};
#define VSYNC_A_NODE_MAX (__VSYNC_A_NODE_MAX - 1)

enum {
	VSYNC_A_GROUP_UNSPEC,
	VSYNC_A_GROUP_NAME,	/* string */
	VSYNC_A_GROUP_VIEW_ID,	/* u64 */
	VSYNC_A_GROUP_GSEQ,	/* u64: last global sequence number */
	VSYNC_A_GROUP_MEMBER,	/* nest: VSYNC_A_MEMBER_*, one per member */
	VSYNC_A_GROUP_PAD,
	__VSYNC_A_GROUP_MAX,
};
#define VSYNC_A_GROUP_MAX (__VSYNC_A_GROUP_MAX - 1)

enum {
	VSYNC_A_MEMBER_UNSPEC,
	VSYNC_A_MEMBER_NODE,	/* u32 */
	VSYNC_A_MEMBER_PORT,	/* u32 */
	VSYNC_A_MEMBER_RANK,	/* u32 */
	VSYNC_A_MEMBER_PID,	/* u32: pid (in the reader's pid ns) of the opener */
	VSYNC_A_MEMBER_SENT,	/* u64 */
	VSYNC_A_MEMBER_DELIVERED, /* u64 */
	VSYNC_A_MEMBER_RCVQ,	/* u32: bytes waiting in its receive queue */
	VSYNC_A_MEMBER_PAD,
	/*
	 * u64: the state transfer the member awaits (the id of the view
	 * that named its donor); only while it awaits one
	 */
	VSYNC_A_MEMBER_AWAITS,
	__VSYNC_A_MEMBER_MAX,
};
#define VSYNC_A_MEMBER_MAX (__VSYNC_A_MEMBER_MAX - 1)

/* What this node knows of another node. */
enum vsync_peer_state {
	VSYNC_PEER_UNKNOWN = 0,	/* configured, never heard */
	VSYNC_PEER_UP = 1,	/* heard within the suspect timeout */
	VSYNC_PEER_DOWN = 2,	/* silent for longer than the suspect timeout */
};

enum {
	VSYNC_A_PEER_UNSPEC,
	VSYNC_A_PEER_ADDR,	/* binary: struct in_addr or struct in6_addr */
	VSYNC_A_PEER_PORT,	/* u16, host order; default VSYNC_PORT_DEFAULT */
	VSYNC_A_PEER_ID,	/* u32: node id, 0 until heard */
	VSYNC_A_PEER_STATE,	/* u8: enum vsync_peer_state */
	VSYNC_A_PEER_LAST_HEARD, /* u32: ms since its last packet */
	VSYNC_A_PEER_INCARNATION, /* u32 */
	VSYNC_A_PEER_STATIC,	/* flag: configured, not learned */
	VSYNC_A_PEER_VIEW_ID,	/* u64: the node view it last reported */
	VSYNC_A_PEER_PAD,
	__VSYNC_A_PEER_MAX,
};
#define VSYNC_A_PEER_MAX (__VSYNC_A_PEER_MAX - 1)

enum {
	VSYNC_A_STAT_UNSPEC,
	VSYNC_A_STAT,		/* nest: one counter */
	VSYNC_A_STAT_NAME,	/* string, in VSYNC_A_STAT */
	VSYNC_A_STAT_VALUE,	/* u64, in VSYNC_A_STAT */
	VSYNC_A_STAT_PAD,
	__VSYNC_A_STAT_MAX,
};
#define VSYNC_A_STAT_MAX (__VSYNC_A_STAT_MAX - 1)

#endif /* _UAPI_LINUX_VSYNC_H */
