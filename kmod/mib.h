/* SPDX-License-Identifier: GPL-2.0 */
/*
 * af_vsync per-netns counters.  The names, in mib.c, are what vsyncctl
 * shows; add a counter by adding an entry here and a name there.
 */
#ifndef _VSYNC_MIB_H
#define _VSYNC_MIB_H

#include <net/snmp.h>

enum vsync_mib_field {
	VSYNC_MIB_RX_PACKETS,		/* UDP datagrams that reached us */
	VSYNC_MIB_RX_BYTES,
	VSYNC_MIB_TX_PACKETS,
	VSYNC_MIB_TX_BYTES,
	VSYNC_MIB_TX_ERRORS,		/* kernel_sendmsg() failed */
	VSYNC_MIB_RX_BACKLOG_DROP,	/* receive backlog full */
	VSYNC_MIB_DROP_SHORT,		/* shorter than the base header */
	VSYNC_MIB_DROP_VERSION,		/* unknown wire version */
	VSYNC_MIB_DROP_HEADER,		/* header size out of range */
	VSYNC_MIB_DROP_LENGTH,		/* payload length disagrees */
	VSYNC_MIB_DROP_TYPE,		/* unknown message type */
	VSYNC_MIB_DROP_CLUSTER,		/* another cluster's packet */
	VSYNC_MIB_DROP_NODE,		/* bad source or destination node */
	VSYNC_MIB_DROP_SELF,		/* our own node id from elsewhere */
	VSYNC_MIB_DROP_FIELD,		/* a field out of range */
	VSYNC_MIB_HEARTBEAT_RX,
	VSYNC_MIB_HEARTBEAT_TX,
	VSYNC_MIB_PEER_LEARNED,		/* peers added from their packets */
	VSYNC_MIB_PEER_UP,		/* transitions to up */
	VSYNC_MIB_PEER_DOWN,		/* suspicions: transitions to down */
	VSYNC_MIB_PEER_RESTART,		/* a peer came back, new incarnation */
	VSYNC_MIB_VIEW_CHANGE,		/* node views installed */
	VSYNC_MIB_ORDERED,		/* entries this node sequenced */
	VSYNC_MIB_RETRANSMIT,		/* entries and submissions resent */
	VSYNC_MIB_SUBMIT_IGNORED,	/* submissions not taken (dup, early) */
	VSYNC_MIB_ORDER_IGNORED,	/* ORDER/ACK from outside our view */
	VSYNC_MIB_MCAST_TX,		/* datagrams sent to the multicast group */
	VSYNC_MIB_MCAST_RX,		/* datagrams received through the group */
	VSYNC_MIB_MCAST_ORDERED,	/* entries sent once to the group */
	VSYNC_MIB_READER_EVICTED,	/* members put out for not reading */
	__VSYNC_MIB_MAX,
};

struct vsync_mib {
	unsigned long mibs[__VSYNC_MIB_MAX];
};

struct vsync_net;

#define VSYNC_INC_STATS(vn, field) SNMP_INC_STATS((vn)->mib, field)
#define VSYNC_ADD_STATS(vn, field, val) SNMP_ADD_STATS((vn)->mib, field, val)

int vsync_mib_net_init(struct vsync_net *vn);
void vsync_mib_net_exit(struct vsync_net *vn);
/* the counter's name, or NULL past the last one */
const char *vsync_mib_name(unsigned int field);
/* sum over CPUs */
u64 vsync_mib_read(struct vsync_net *vn, unsigned int field);

#endif /* _VSYNC_MIB_H */
