// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync generic netlink family: what vsyncctl shows.
 *
 * Reads take the node's stream_lock, so a dump sees each group between two
 * events, never halfway through a view change.  Nothing here changes state
 * yet, so no command needs privileges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>

#include "core.h"

static const struct nla_policy vsync_nl_policy[VSYNC_A_MAX + 1] = {
	[VSYNC_A_NODE]	= { .type = NLA_NESTED },
	[VSYNC_A_GROUP]	= { .type = NLA_NESTED },
};

static struct genl_family vsync_genl_family;

static int vsync_nl_put_node(struct sk_buff *skb, struct vsync_net *vn)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VSYNC_A_NODE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VSYNC_A_NODE_ID, vn->node_id) ||
	    nla_put_u32(skb, VSYNC_A_NODE_FAMILY, vsync_family) ||
	    nla_put_u32(skb, VSYNC_A_NODE_GROUPS, vn->n_groups) ||
	    nla_put_u32(skb, VSYNC_A_NODE_MEMBERS, vn->n_members)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vsync_nl_node_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vsync_net *vn = vsync_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vsync_genl_family, 0,
				VSYNC_CMD_NODE_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	mutex_lock(&vn->stream_lock);
	err = vsync_nl_put_node(msg, vn);
	mutex_unlock(&vn->stream_lock);
	if (err)
		goto free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free:
	nlmsg_free(msg);
	return err;
}

static int vsync_nl_put_member(struct sk_buff *skb, struct vsync_sock *m,
			       u32 rank)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VSYNC_A_GROUP_MEMBER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VSYNC_A_MEMBER_NODE,
			vsync_net(sock_net(&m->sk))->node_id) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_PORT, m->port) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_RANK, rank) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_PID, pid_vnr(m->pid)) ||
	    nla_put_u64_64bit(skb, VSYNC_A_MEMBER_SENT, m->stats.sent,
			      VSYNC_A_MEMBER_PAD) ||
	    nla_put_u64_64bit(skb, VSYNC_A_MEMBER_DELIVERED,
			      READ_ONCE(m->stats.delivered),
			      VSYNC_A_MEMBER_PAD) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_RCVQ,
			atomic_read(&m->sk.sk_rmem_alloc))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One message for group @g with its members from rank @*from on.  A group
 * too big for one message is continued in the next, which repeats its name;
 * @*from says where to go on, and is 0 once every member is out.
 */
static int vsync_nl_put_group(struct sk_buff *skb, struct vsync_group *g,
			      struct netlink_callback *cb, long *from)
{
	struct vsync_sock *m;
	struct nlattr *nest;
	long rank = 0;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &vsync_genl_family, NLM_F_MULTI, VSYNC_CMD_GROUP_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, VSYNC_A_GROUP);
	if (!nest)
		goto cancel;
	if (nla_put(skb, VSYNC_A_GROUP_NAME, g->name_len, g->name) ||
	    nla_put_u64_64bit(skb, VSYNC_A_GROUP_VIEW_ID, g->view_id,
			      VSYNC_A_GROUP_PAD) ||
	    nla_put_u64_64bit(skb, VSYNC_A_GROUP_GSEQ, g->gseq,
			      VSYNC_A_GROUP_PAD))
		goto cancel;
	list_for_each_entry(m, &g->members, gnode) {
		if (rank < *from) {
			rank++;
			continue;
		}
		if (vsync_nl_put_member(skb, m, rank)) {
			if (rank == *from)
				goto cancel;	/* not even one member fit */
			*from = rank;
			goto end;
		}
		rank++;
	}
	*from = 0;
end:
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * cb->args[0]: groups fully sent by earlier parts of the dump;
 * cb->args[1]: members of the next group already sent.
 */
static int vsync_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vsync_net *vn = vsync_net(sock_net(skb->sk));
	long skip = cb->args[0], idx = 0;
	struct vsync_group *g;
	int err = 0;

	mutex_lock(&vn->stream_lock);
	list_for_each_entry(g, &vn->groups, list) {
		if (idx < skip) {
			idx++;
			continue;
		}
		err = vsync_nl_put_group(skb, g, cb, &cb->args[1]);
		if (err || cb->args[1])
			break;
		idx++;
	}
	mutex_unlock(&vn->stream_lock);
	cb->args[0] = idx;
	/* nothing fit in an empty message: it never will */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static const struct genl_small_ops vsync_genl_ops[] = {
	{
		.cmd	= VSYNC_CMD_NODE_GET,
		.doit	= vsync_nl_node_get,
	},
	{
		.cmd	= VSYNC_CMD_GROUP_GET,
		.dumpit	= vsync_nl_group_dump,
	},
};

static struct genl_family vsync_genl_family __ro_after_init = {
	.name		= VSYNC_GENL_NAME,
	.version	= VSYNC_GENL_VERSION,
	.maxattr	= VSYNC_A_MAX,
	.policy		= vsync_nl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= vsync_genl_ops,
	.n_small_ops	= ARRAY_SIZE(vsync_genl_ops),
	.resv_start_op	= VSYNC_CMD_GROUP_GET + 1,
};

int vsync_netlink_init(void)
{
	return genl_register_family(&vsync_genl_family);
}

void vsync_netlink_exit(void)
{
	genl_unregister_family(&vsync_genl_family);
}
