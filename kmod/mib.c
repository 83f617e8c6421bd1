// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync counters: one per-cpu block of unsigned longs per netns, and the
 * names vsyncctl shows for them.
 *
 * Writers bump their own CPU's copy (VSYNC_INC_STATS in mib.h); a reader
 * adds up every possible CPU's copy.  A sum taken while writers run is not
 * a snapshot of one instant, but each counter only grows.
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>

#include "core.h"
#include "mib.h"

/* In enum vsync_mib_field order: snake_case, stable, part of the CLI. */
static const char *const vsync_mib_names[] = {
	[VSYNC_MIB_RX_PACKETS]		= "rx_packets",
	[VSYNC_MIB_RX_BYTES]		= "rx_bytes",
	[VSYNC_MIB_TX_PACKETS]		= "tx_packets",
	[VSYNC_MIB_TX_BYTES]		= "tx_bytes",
	[VSYNC_MIB_TX_ERRORS]		= "tx_errors",
	[VSYNC_MIB_RX_BACKLOG_DROP]	= "rx_backlog_drop",
	[VSYNC_MIB_DROP_SHORT]		= "drop_short",
	[VSYNC_MIB_DROP_VERSION]	= "drop_version",
	[VSYNC_MIB_DROP_HEADER]		= "drop_header",
	[VSYNC_MIB_DROP_LENGTH]		= "drop_length",
	[VSYNC_MIB_DROP_TYPE]		= "drop_type",
	[VSYNC_MIB_DROP_CLUSTER]	= "drop_cluster",
	[VSYNC_MIB_DROP_NODE]		= "drop_node",
	[VSYNC_MIB_DROP_SELF]		= "drop_self",
	[VSYNC_MIB_DROP_FIELD]		= "drop_field",
	[VSYNC_MIB_HEARTBEAT_RX]	= "heartbeat_rx",
	[VSYNC_MIB_HEARTBEAT_TX]	= "heartbeat_tx",
	[VSYNC_MIB_PEER_LEARNED]	= "peer_learned",
	[VSYNC_MIB_PEER_UP]		= "peer_up",
	[VSYNC_MIB_PEER_DOWN]		= "peer_down",
	[VSYNC_MIB_PEER_RESTART]	= "peer_restart",
	[VSYNC_MIB_VIEW_CHANGE]		= "view_change",
	[VSYNC_MIB_ORDERED]		= "ordered",
	[VSYNC_MIB_RETRANSMIT]		= "retransmit",
	[VSYNC_MIB_SUBMIT_IGNORED]	= "submit_ignored",
	[VSYNC_MIB_ORDER_IGNORED]	= "order_ignored",
	[VSYNC_MIB_READER_EVICTED]	= "reader_evicted",
	[VSYNC_MIB_MCAST_TX]		= "mcast_tx",
	[VSYNC_MIB_MCAST_RX]		= "mcast_rx",
	[VSYNC_MIB_MCAST_ORDERED]	= "mcast_ordered",
};

/* a counter added at the end of the enum needs its name here */
static_assert(ARRAY_SIZE(vsync_mib_names) == __VSYNC_MIB_MAX);

int vsync_mib_net_init(struct vsync_net *vn)
{
	vn->mib = alloc_percpu(struct vsync_mib);
	return vn->mib ? 0 : -ENOMEM;
}

void vsync_mib_net_exit(struct vsync_net *vn)
{
	free_percpu(vn->mib);
	vn->mib = NULL;
}

const char *vsync_mib_name(unsigned int field)
{
	return field < __VSYNC_MIB_MAX ? vsync_mib_names[field] : NULL;
}

u64 vsync_mib_read(struct vsync_net *vn, unsigned int field)
{
	u64 sum = 0;
	int cpu;

	if (field >= __VSYNC_MIB_MAX || !vn->mib)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(vn->mib, cpu)->mibs[field]);
	return sum;
}
