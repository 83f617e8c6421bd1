// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync: virtual synchrony process groups as a socket family.
 *
 * Registration order: per-netns state, then the generic netlink family that
 * reads it, then the socket family last, so that no socket can exist before
 * everything it uses is there.  Exit runs in exactly the reverse order.  A
 * socket pins the module (proto_ops.owner) and its netns (sk_alloc()), so
 * neither exit path can meet a live socket.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/socket.h>

#include "core.h"

int vsync_family = AF_VSYNC_DEFAULT;
module_param_named(family, vsync_family, int, 0444);
MODULE_PARM_DESC(family,
		 "address family number of AF_VSYNC (default "
		 __stringify(AF_VSYNC_DEFAULT) "); below AF_MAX and unused");

unsigned int vsync_net_id __read_mostly;

static int __net_init vsync_net_init(struct net *net)
{
	struct vsync_net *vn = vsync_net(net);

	mutex_init(&vn->stream_lock);
	INIT_LIST_HEAD(&vn->groups);
	xa_init_flags(&vn->ports, XA_FLAGS_ALLOC1);
	vn->node_id = VSYNC_NODE_ID_DEFAULT;
	return 0;
}

static void __net_exit vsync_net_exit(struct net *net)
{
	struct vsync_net *vn = vsync_net(net);

	/* every socket holds its netns, so nothing can be left here */
	WARN_ON_ONCE(!list_empty(&vn->groups));
	xa_destroy(&vn->ports);
	mutex_destroy(&vn->stream_lock);
}

static struct pernet_operations vsync_net_ops = {
	.init	= vsync_net_init,
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

	err = register_pernet_subsys(&vsync_net_ops);
	if (err)
		return err;
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
	return err;
}

static void __exit vsync_exit(void)
{
	vsync_socket_exit();
	vsync_netlink_exit();
	unregister_pernet_subsys(&vsync_net_ops);
}

module_init(vsync_init);
module_exit(vsync_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("AF_VSYNC: process groups with view-synchronous ordered multicast");
MODULE_AUTHOR("af_vsync developers");
