// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync: virtual synchrony process groups as a socket family.
 *
 * Registration order: the protocol workqueue, per-netns state, then the
 * generic netlink family that reads it, then the socket family last, so that no socket can exist before
 * everything it uses is there.  Exit runs in exactly the reverse order.  A
 * socket pins the module (proto_ops.owner) and its netns (sk_alloc()), so
 * neither exit path can meet a live socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/socket.h>

#include "core.h"
#include "mib.h"

int vsync_family = AF_VSYNC_DEFAULT;
module_param_named(family, vsync_family, int, 0444);
MODULE_PARM_DESC(family,
		 "address family number of AF_VSYNC (default "
		 __stringify(AF_VSYNC_DEFAULT) "); below AF_MAX and unused");

unsigned int vsync_net_id __read_mostly;
struct workqueue_struct *vsync_wq;

static int __net_init vsync_net_init(struct net *net)
{
	struct vsync_net *vn = vsync_net(net);
	int err;

	vn->net = net;
	mutex_init(&vn->stream_lock);
	INIT_LIST_HEAD(&vn->groups);
	xa_init_flags(&vn->ports, XA_FLAGS_ALLOC1);
	/*
	 * Member ids are node:port.  A node that restarts with the same id
	 * must not hand out the ports of its earlier life again, while the
	 * survivors may still know them: start somewhere random.
	 */
	vn->next_port = get_random_u32_below(1U << 31) + 1;
	vn->node_id = VSYNC_NODE_ID_DEFAULT;
	vsync_order_init(vn);
	vsync_node_init(vn);

	err = vsync_mib_net_init(vn);
	if (err)
		goto destroy;
	err = vsync_sysctl_net_init(vn);
	if (err)
		goto free_mib;
	return 0;

free_mib:
	vsync_mib_net_exit(vn);
destroy:
	xa_destroy(&vn->ports);
	mutex_destroy(&vn->stream_lock);
	return err;
}

/* Before the namespace's devices go: see vsync_node_pre_exit(). */
static void __net_exit vsync_net_pre_exit(struct net *net)
{
	vsync_node_pre_exit(vsync_net(net));
}

static void __net_exit vsync_net_exit(struct net *net)
{
	struct vsync_net *vn = vsync_net(net);

	/*
	 * Every socket holds its netns, so no socket is left, but groups
	 * may still list members of other nodes.  The transport socket
	 * does not hold the netns, so it is closed here, before it goes.
	 */
	vsync_node_exit(vn);
	/* a reader may have asked for deliveries just before it closed */
	cancel_work_sync(&vn->dq_work);
	vsync_groups_exit(vn);
	WARN_ON_ONCE(!list_empty(&vn->groups));
	vsync_order_exit(vn);
	vsync_sysctl_net_exit(vn);
	vsync_mib_net_exit(vn);
	xa_destroy(&vn->ports);
	mutex_destroy(&vn->stream_lock);
}

static struct pernet_operations vsync_net_ops = {
	.init	= vsync_net_init,
	.pre_exit = vsync_net_pre_exit,
	.exit	= vsync_net_exit,
	.id	= &vsync_net_id,
	.size	= sizeof(struct vsync_net),
};

static int __init vsync_init(void)
{
	int err;

	if (vsync_family <= AF_UNSPEC || vsync_family >= AF_MAX) {
		pr_err("family=%d is out of range: pick an unused number from 1 to %d\n",
		       vsync_family, AF_MAX - 1);
		return -EINVAL;
	}

	/* protocol work: packets and timers of every netns, in process context */
	vsync_wq = alloc_workqueue("vsync", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!vsync_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&vsync_net_ops);
	if (err)
		goto destroy_wq;
	err = vsync_netlink_init();
	if (err)
		goto unregister_pernet;
	err = vsync_socket_init();
	if (err)
		goto unregister_netlink;
	pr_info("address family %d registered\n", vsync_family);
	return 0;

unregister_netlink:
	vsync_netlink_exit();
unregister_pernet:
	unregister_pernet_subsys(&vsync_net_ops);
destroy_wq:
	destroy_workqueue(vsync_wq);
	return err;
}

static void __exit vsync_exit(void)
{
	vsync_socket_exit();
	vsync_netlink_exit();
	unregister_pernet_subsys(&vsync_net_ops);
	destroy_workqueue(vsync_wq);
}

module_init(vsync_init);
module_exit(vsync_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_VSYNC: process groups with view-synchronous ordered multicast");
MODULE_AUTHOR("af_vsync developers");
