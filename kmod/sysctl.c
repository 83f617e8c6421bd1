// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync sysctls: net.vsync.* in every network namespace.
 *
 *   heartbeat_ms   interval between heartbeats to each peer
 *   suspect_ms     silence after which a peer is suspected (DOWN)
 *   retransmit_ms  resend interval of a view change's messages
 *   reader_timeout_ms  how long a member may hold its group up by not
 *                  reading (its queue over SO_RCVBUF) before it is put
 *                  out of the group; 0: never
 *
 * Each netns gets its own copy of the template table, pointing at its
 * vsync_net.timers; readers use READ_ONCE() and pick a new value up at their
 * next use.  Writing needs CAP_NET_ADMIN in the user namespace that owns
 * the netns: the net sysctl root lets only root or a holder of that
 * capability open the file for writing, and the handler refuses a writer
 * without the capability, root included.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "core.h"

#define VSYNC_SYSCTL_PATH	"net/vsync"

static const int vsync_heartbeat_min = 10, vsync_heartbeat_max = 10000;
static const int vsync_suspect_min = 50, vsync_suspect_max = 60000;
static const int vsync_retransmit_min = 5, vsync_retransmit_max = 10000;
static const int vsync_reader_min, vsync_reader_max = 3600000;

static int vsync_proc_timer(struct vsync_net *vn, VSYNC_CTL_CONST struct ctl_table *table,
			    int write, void *buffer, size_t *lenp, loff_t *ppos)
{
	if (write && !ns_capable(vn->net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	return proc_dointvec_minmax(table, write, buffer, lenp, ppos);
}

/* one handler per entry: each finds its netns from the field it points at */
static int vsync_proc_heartbeat(VSYNC_CTL_CONST struct ctl_table *table,
				int write, void *buffer, size_t *lenp,
				loff_t *ppos)
{
	struct vsync_net *vn = container_of(table->data, struct vsync_net,
					    timers.heartbeat_ms);

	return vsync_proc_timer(vn, table, write, buffer, lenp, ppos);
}

static int vsync_proc_suspect(VSYNC_CTL_CONST struct ctl_table *table,
			      int write, void *buffer, size_t *lenp,
			      loff_t *ppos)
{
	struct vsync_net *vn = container_of(table->data, struct vsync_net,
					    timers.suspect_ms);

	return vsync_proc_timer(vn, table, write, buffer, lenp, ppos);
}

static int vsync_proc_retransmit(VSYNC_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	struct vsync_net *vn = container_of(table->data, struct vsync_net,
					    timers.retransmit_ms);

	return vsync_proc_timer(vn, table, write, buffer, lenp, ppos);
}

static int vsync_proc_reader(VSYNC_CTL_CONST struct ctl_table *table,
			     int write, void *buffer, size_t *lenp,
			     loff_t *ppos)
{
	struct vsync_net *vn = container_of(table->data, struct vsync_net,
					    timers.reader_timeout_ms);

	return vsync_proc_timer(vn, table, write, buffer, lenp, ppos);
}

/* .data is set per netns; the order is the one of vsync_sysctl_net_init() */
static const struct ctl_table vsync_sysctl_template[] = {
	{
		.procname	= "heartbeat_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= vsync_proc_heartbeat,
		.extra1		= (void *)&vsync_heartbeat_min,
		.extra2		= (void *)&vsync_heartbeat_max,
	},
	{
		.procname	= "suspect_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= vsync_proc_suspect,
		.extra1		= (void *)&vsync_suspect_min,
		.extra2		= (void *)&vsync_suspect_max,
	},
	{
		.procname	= "retransmit_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= vsync_proc_retransmit,
		.extra1		= (void *)&vsync_retransmit_min,
		.extra2		= (void *)&vsync_retransmit_max,
	},
	{
		.procname	= "reader_timeout_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= vsync_proc_reader,
		.extra1		= (void *)&vsync_reader_min,
		.extra2		= (void *)&vsync_reader_max,
	},
	{ }	/* end, for kernels before 6.11 */
};

/* the entries, without the terminator */
#define VSYNC_SYSCTL_N	(ARRAY_SIZE(vsync_sysctl_template) - 1)

int vsync_sysctl_net_init(struct vsync_net *vn)
{
	struct ctl_table *table;

	BUILD_BUG_ON(VSYNC_SYSCTL_N != 4);
	vn->timers.heartbeat_ms = VSYNC_HEARTBEAT_MS_DEFAULT;
	vn->timers.suspect_ms = VSYNC_SUSPECT_MS_DEFAULT;
	vn->timers.retransmit_ms = VSYNC_RETRANSMIT_MS_DEFAULT;
	vn->timers.reader_timeout_ms = VSYNC_READER_TIMEOUT_MS_DEFAULT;
	if (!IS_ENABLED(CONFIG_SYSCTL))
		return 0;

	table = kmemdup(vsync_sysctl_template, sizeof(vsync_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &vn->timers.heartbeat_ms;
	table[1].data = &vn->timers.suspect_ms;
	table[2].data = &vn->timers.retransmit_ms;
	table[3].data = &vn->timers.reader_timeout_ms;

	vn->sysctl = vsync_register_net_sysctl(vn->net, VSYNC_SYSCTL_PATH,
					       table, VSYNC_SYSCTL_N);
	if (!vn->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void vsync_sysctl_net_exit(struct vsync_net *vn)
{
	const struct ctl_table *table;

	if (!vn->sysctl)
		return;
	table = vn->sysctl->ctl_table_arg;
	unregister_net_sysctl_table(vn->sysctl);
	vn->sysctl = NULL;
	kfree(table);
}
