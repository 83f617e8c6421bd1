// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync generic netlink family: what vsyncctl shows and configures.
 *
 * Reads take the node's stream_lock, so a dump sees each group between two
 * events, never halfway through a view change, and the node and its peers
 * between two configuration changes.  Counters are per-cpu and read
 * without a lock.
 *
 * Showing needs no privileges.  Changing (NODE_SET, PEER_ADD, PEER_DEL)
 * needs CAP_NET_ADMIN in the user namespace owning the netns
 * (GENL_UNS_ADMIN_PERM); those requests are checked strictly against one
 * policy per nested object, and every refusal carries an extack message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/limits.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "core.h"
#include "mib.h"

static int vsync_nl_validate_addr(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	if (nla_len(attr) != sizeof(struct in_addr) &&
	    nla_len(attr) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "address must be 4 bytes (IPv4) or 16 bytes (IPv6)");
		return -EINVAL;
	}
	return 0;
}

/* A multicast group: 4 or 16 bytes, or empty to remove the group. */
static int vsync_nl_validate_mcast(const struct nlattr *attr,
				   struct netlink_ext_ack *extack)
{
	if (!nla_len(attr))
		return 0;
	return vsync_nl_validate_addr(attr, extack);
}

/* NODE_SET: what may be set; the rest of the node is read-only */
static const struct nla_policy vsync_nl_node_policy[VSYNC_A_NODE_MAX + 1] = {
	[VSYNC_A_NODE_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[VSYNC_A_NODE_FAMILY]	= { .type = NLA_REJECT,
				    .reject_message = "the family number is read-only" },
	[VSYNC_A_NODE_GROUPS]	= { .type = NLA_REJECT,
				    .reject_message = "read-only node attribute" },
	[VSYNC_A_NODE_MEMBERS]	= { .type = NLA_REJECT,
				    .reject_message = "read-only node attribute" },
	[VSYNC_A_NODE_CLUSTER]	= { .type = NLA_U32 },
	[VSYNC_A_NODE_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 vsync_nl_validate_addr,
							 sizeof(struct in6_addr)),
	[VSYNC_A_NODE_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[VSYNC_A_NODE_INCARNATION] = { .type = NLA_REJECT,
				       .reject_message = "the incarnation is chosen by the kernel" },
	[VSYNC_A_NODE_UP]	= { .type = NLA_REJECT,
				    .reject_message = "the transport starts when an address is set" },
	[VSYNC_A_NODE_VIEW_ID]	= { .type = NLA_REJECT,
				    .reject_message = "node views are agreed, not set" },
	[VSYNC_A_NODE_VIEW_PRIMARY] = { .type = NLA_REJECT,
					.reject_message = "node views are agreed, not set" },
	[VSYNC_A_NODE_VIEW_NODES] = { .type = NLA_REJECT,
				      .reject_message = "node views are agreed, not set" },
	[VSYNC_A_NODE_COORD]	= { .type = NLA_REJECT,
				    .reject_message = "node views are agreed, not set" },
	[VSYNC_A_NODE_VIEW_CHANGES] = { .type = NLA_REJECT,
					.reject_message = "read-only node attribute" },
	[VSYNC_A_NODE_MCAST]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 vsync_nl_validate_mcast,
							 sizeof(struct in6_addr)),
	[VSYNC_A_NODE_MCAST_IFINDEX] = { .type = NLA_REJECT,
					 .reject_message = "the interface is the one of the node address" },
};

/* PEER_ADD, PEER_DEL: a peer is named by its address and port */
static const struct nla_policy vsync_nl_peer_policy[VSYNC_A_PEER_MAX + 1] = {
	[VSYNC_A_PEER_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY,
							 vsync_nl_validate_addr,
							 sizeof(struct in6_addr)),
	[VSYNC_A_PEER_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[VSYNC_A_PEER_ID]	= { .type = NLA_REJECT,
				    .reject_message = "a peer's node id is learned from its packets" },
	[VSYNC_A_PEER_STATE]	= { .type = NLA_REJECT,
				    .reject_message = "read-only peer attribute" },
	[VSYNC_A_PEER_LAST_HEARD] = { .type = NLA_REJECT,
				      .reject_message = "read-only peer attribute" },
	[VSYNC_A_PEER_INCARNATION] = { .type = NLA_REJECT,
				       .reject_message = "read-only peer attribute" },
	[VSYNC_A_PEER_STATIC]	= { .type = NLA_REJECT,
				    .reject_message = "peers added by request are always static" },
	[VSYNC_A_PEER_VIEW_ID]	= { .type = NLA_REJECT,
				    .reject_message = "read-only peer attribute" },
};

static const struct nla_policy vsync_nl_policy[VSYNC_A_MAX + 1] = {
	[VSYNC_A_NODE]	= NLA_POLICY_NESTED(vsync_nl_node_policy),
	[VSYNC_A_GROUP]	= { .type = NLA_NESTED },
	[VSYNC_A_PEER]	= NLA_POLICY_NESTED(vsync_nl_peer_policy),
	[VSYNC_A_STATS]	= { .type = NLA_REJECT,
			    .reject_message = "counters are read-only" },
};

static struct genl_family vsync_genl_family;

/*
 * The address in @attr (4 or 16 bytes, checked by the policy) and @port
 * (host order) into @addr.  @peer: the address of another node, so it must
 * name one host; the node's own address may be the wildcard.
 */
static int vsync_nl_get_addr(const struct nlattr *attr, u16 port, bool peer,
			     struct vsync_addr *addr,
			     struct netlink_ext_ack *extack)
{
	memset(addr, 0, sizeof(*addr));
	if (nla_len(attr) == sizeof(struct in_addr)) {
		__be32 a = nla_get_in_addr(attr);

		if (ipv4_is_multicast(a) || ipv4_is_lbcast(a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "multicast and broadcast addresses are not allowed");
			return -EINVAL;
		}
		if (peer && ipv4_is_zeronet(a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a peer address must name one host");
			return -EINVAL;
		}
		addr->v4.sin_family = AF_INET;
		addr->v4.sin_addr.s_addr = a;
		addr->v4.sin_port = htons(port);
	} else {
		struct in6_addr a = nla_get_in6_addr(attr);

		if (ipv6_addr_is_multicast(&a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "multicast addresses are not allowed");
			return -EINVAL;
		}
		if (ipv6_addr_v4mapped(&a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "use the IPv4 form of an IPv4-mapped address");
			return -EINVAL;
		}
		if (ipv6_addr_type(&a) & IPV6_ADDR_LINKLOCAL) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "link-local IPv6 addresses are not supported");
			return -EINVAL;
		}
		if (peer && ipv6_addr_any(&a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a peer address must name one host");
			return -EINVAL;
		}
		addr->v6.sin6_family = AF_INET6;
		addr->v6.sin6_addr = a;
		addr->v6.sin6_port = htons(port);
	}
	return 0;
}

/*
 * The multicast group in @attr (4 or 16 bytes, checked by the policy, or
 * empty: none) into @addr, without its port (the node's).  Whether it fits
 * the node's address is for vsync_node_set() to say.
 */
static int vsync_nl_get_mcast(const struct nlattr *attr,
			      struct vsync_addr *addr,
			      struct netlink_ext_ack *extack)
{
	memset(addr, 0, sizeof(*addr));
	if (!nla_len(attr))
		return 0;
	if (nla_len(attr) == sizeof(struct in_addr)) {
		__be32 a = nla_get_in_addr(attr);

		if (!ipv4_is_multicast(a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "not a multicast address: use 224.0.0.0/4 (239.0.0.0/8 is for local use)");
			return -EINVAL;
		}
		addr->v4.sin_family = AF_INET;
		addr->v4.sin_addr.s_addr = a;
	} else {
		struct in6_addr a = nla_get_in6_addr(attr);

		if (!ipv6_addr_is_multicast(&a)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "not a multicast address: use ff00::/8");
			return -EINVAL;
		}
		/* scope 0 is reserved, scope 1 never leaves the node */
		if (IPV6_ADDR_MC_SCOPE(&a) < IPV6_ADDR_SCOPE_LINKLOCAL) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "an IPv6 multicast group needs a scope of link (ffx2::) or wider");
			return -EINVAL;
		}
		addr->v6.sin6_family = AF_INET6;
		addr->v6.sin6_addr = a;
	}
	return 0;
}

static int vsync_nl_put_addr(struct sk_buff *skb, int type,
			     const struct vsync_addr *addr)
{
	if (addr->sa.sa_family == AF_INET)
		return nla_put_in_addr(skb, type, addr->v4.sin_addr.s_addr);
	return nla_put_in6_addr(skb, type, &addr->v6.sin6_addr);
}

static u16 vsync_addr_port(const struct vsync_addr *addr)
{
	if (addr->sa.sa_family == AF_INET)
		return ntohs(addr->v4.sin_port);
	if (addr->sa.sa_family == AF_INET6)
		return ntohs(addr->v6.sin6_port);
	return 0;
}

static int vsync_nl_put_node(struct sk_buff *skb, struct vsync_net *vn)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VSYNC_A_NODE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VSYNC_A_NODE_ID, vn->node_id) ||
	    nla_put_u32(skb, VSYNC_A_NODE_FAMILY, vsync_family) ||
	    nla_put_u32(skb, VSYNC_A_NODE_GROUPS, vn->n_groups) ||
	    nla_put_u32(skb, VSYNC_A_NODE_MEMBERS, vn->n_members) ||
	    nla_put_u32(skb, VSYNC_A_NODE_CLUSTER, vn->cluster) ||
	    nla_put_u32(skb, VSYNC_A_NODE_INCARNATION, vn->incarnation) ||
	    nla_put_u8(skb, VSYNC_A_NODE_UP, !!vn->udp))
		goto cancel;
	if (vn->view.n &&
	    (nla_put_u64_64bit(skb, VSYNC_A_NODE_VIEW_ID, vn->view.id,
			       VSYNC_A_NODE_PAD) ||
	     nla_put_u8(skb, VSYNC_A_NODE_VIEW_PRIMARY, vn->view.primary) ||
	     nla_put(skb, VSYNC_A_NODE_VIEW_NODES,
		     vn->view.n * sizeof(vn->view.nodes[0]), vn->view.nodes) ||
	     nla_put_u32(skb, VSYNC_A_NODE_COORD, vsync_coordinator(vn)) ||
	     nla_put_u64_64bit(skb, VSYNC_A_NODE_VIEW_CHANGES,
			       vn->view_changes, VSYNC_A_NODE_PAD)))
		goto cancel;
	/* no address yet: the port is the one the first address will get */
	if (vn->addr.sa.sa_family) {
		if (vsync_nl_put_addr(skb, VSYNC_A_NODE_ADDR, &vn->addr) ||
		    nla_put_u16(skb, VSYNC_A_NODE_PORT,
				vsync_addr_port(&vn->addr)))
			goto cancel;
	} else if (nla_put_u16(skb, VSYNC_A_NODE_PORT, VSYNC_PORT_DEFAULT)) {
		goto cancel;
	}
	if (vn->mcast.sa.sa_family &&
	    (vsync_nl_put_addr(skb, VSYNC_A_NODE_MCAST, &vn->mcast) ||
	     nla_put_u32(skb, VSYNC_A_NODE_MCAST_IFINDEX, vn->mcast_ifindex)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
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

/* What only this node knows of one of its own members. */
static int vsync_nl_put_local(struct sk_buff *skb, struct vsync_sock *vs)
{
	if (nla_put_u32(skb, VSYNC_A_MEMBER_PID, pid_vnr(vs->pid)) ||
	    nla_put_u64_64bit(skb, VSYNC_A_MEMBER_SENT, vs->stats.sent,
			      VSYNC_A_MEMBER_PAD) ||
	    nla_put_u64_64bit(skb, VSYNC_A_MEMBER_DELIVERED,
			      READ_ONCE(vs->stats.delivered),
			      VSYNC_A_MEMBER_PAD) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_RCVQ,
			atomic_read(&vs->sk.sk_rmem_alloc)))
		return -EMSGSIZE;
	return 0;
}

static int vsync_nl_put_member(struct sk_buff *skb, struct vsync_member *m,
			       u32 rank)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, VSYNC_A_GROUP_MEMBER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VSYNC_A_MEMBER_NODE, m->id.node) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_PORT, m->id.port) ||
	    nla_put_u32(skb, VSYNC_A_MEMBER_RANK, rank) ||
	    (vsync_xfer_awaits(m) &&
	     nla_put_u64_64bit(skb, VSYNC_A_MEMBER_AWAITS, vsync_xfer_awaits(m),
			       VSYNC_A_MEMBER_PAD)) ||
	    (m->vs && vsync_nl_put_local(skb, m->vs))) {
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
	struct vsync_member *m;
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
	list_for_each_entry(m, &g->members, list) {
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

/* errors of vsync_node_set() and vsync_peer_*() worth a sentence */
static void vsync_nl_explain(struct netlink_ext_ack *extack, int err)
{
	switch (err) {
	case -EBUSY:
		NL_SET_ERR_MSG(extack,
			       "the node id cannot change while sockets are joined");
		break;
	case -EDESTADDRREQ:
		NL_SET_ERR_MSG(extack, "set an address before or with the port");
		break;
	case -EADDRINUSE:
		NL_SET_ERR_MSG(extack, "the UDP port is in use in this namespace");
		break;
	case -EADDRNOTAVAIL:
		NL_SET_ERR_MSG(extack,
			       "the address is not assigned to an interface in this namespace");
		break;
	case -EAFNOSUPPORT:
		NL_SET_ERR_MSG(extack,
			       "one address family per node: the peer's differs from the node's");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG(extack, "the peer is already configured");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG(extack, "no such peer");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack, "too many peers");
		break;
	case -ENODEV:
		NL_SET_ERR_MSG(extack, "the network namespace is going away");
		break;
	}
}

static int vsync_nl_node_set(struct sk_buff *skb, struct genl_info *info)
{
	struct vsync_net *vn = vsync_net(genl_info_net(info));
	struct nlattr *tb[VSYNC_A_NODE_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	struct vsync_node_cfg cfg = {};
	struct nlattr *nest;
	u16 port = 0;
	int err;

	/* the port is the same two bytes of either sockaddr */
	BUILD_BUG_ON(offsetof(struct sockaddr_in, sin_port) !=
		     offsetof(struct sockaddr_in6, sin6_port));

	nest = info->attrs[VSYNC_A_NODE];
	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing node attributes (VSYNC_A_NODE)");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, VSYNC_A_NODE_MAX, nest,
			       vsync_nl_node_policy, extack);
	if (err)
		return err;

	if (tb[VSYNC_A_NODE_ID]) {
		cfg.set |= VSYNC_CFG_ID;
		cfg.node_id = nla_get_u32(tb[VSYNC_A_NODE_ID]);
	}
	if (tb[VSYNC_A_NODE_CLUSTER]) {
		cfg.set |= VSYNC_CFG_CLUSTER;
		cfg.cluster = nla_get_u32(tb[VSYNC_A_NODE_CLUSTER]);
	}
	if (tb[VSYNC_A_NODE_PORT]) {
		cfg.set |= VSYNC_CFG_PORT;
		port = nla_get_u16(tb[VSYNC_A_NODE_PORT]);
		cfg.addr.v4.sin_port = htons(port);
	}
	if (tb[VSYNC_A_NODE_ADDR]) {
		cfg.set |= VSYNC_CFG_ADDR;
		err = vsync_nl_get_addr(tb[VSYNC_A_NODE_ADDR], port, false,
					&cfg.addr, extack);
		if (err)
			return err;
	}
	if (tb[VSYNC_A_NODE_MCAST]) {
		cfg.set |= VSYNC_CFG_MCAST;
		err = vsync_nl_get_mcast(tb[VSYNC_A_NODE_MCAST], &cfg.mcast,
					 extack);
		if (err)
			return err;
	}
	if (!cfg.set) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "nothing to set");
		return -EINVAL;
	}

	mutex_lock(&vn->stream_lock);
	err = vsync_node_set(vn, &cfg, extack);
	mutex_unlock(&vn->stream_lock);
	/* what vsync_node_set() explained itself stays */
	if (err && !(extack && extack->_msg))
		vsync_nl_explain(extack, err);
	return err;
}

/* PEER_ADD and PEER_DEL: the peer's address and port from the request */
static int vsync_nl_peer_parse(struct genl_info *info, struct vsync_addr *addr)
{
	struct nlattr *tb[VSYNC_A_PEER_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	u16 port = VSYNC_PORT_DEFAULT;
	struct nlattr *nest;
	int err;

	nest = info->attrs[VSYNC_A_PEER];
	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing peer attributes (VSYNC_A_PEER)");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, VSYNC_A_PEER_MAX, nest,
			       vsync_nl_peer_policy, extack);
	if (err)
		return err;
	if (!tb[VSYNC_A_PEER_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "missing peer address (VSYNC_A_PEER_ADDR)");
		return -EINVAL;
	}
	if (tb[VSYNC_A_PEER_PORT])
		port = nla_get_u16(tb[VSYNC_A_PEER_PORT]);
	return vsync_nl_get_addr(tb[VSYNC_A_PEER_ADDR], port, true, addr,
				 extack);
}

static int vsync_nl_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	struct vsync_net *vn = vsync_net(genl_info_net(info));
	struct vsync_addr addr;
	int err;

	err = vsync_nl_peer_parse(info, &addr);
	if (err)
		return err;
	mutex_lock(&vn->stream_lock);
	err = vsync_peer_add(vn, &addr);
	mutex_unlock(&vn->stream_lock);
	if (err)
		vsync_nl_explain(info->extack, err);
	return err;
}

static int vsync_nl_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	struct vsync_net *vn = vsync_net(genl_info_net(info));
	struct vsync_addr addr;
	int err;

	err = vsync_nl_peer_parse(info, &addr);
	if (err)
		return err;
	mutex_lock(&vn->stream_lock);
	err = vsync_peer_del(vn, &addr);
	mutex_unlock(&vn->stream_lock);
	if (err)
		vsync_nl_explain(info->extack, err);
	return err;
}

static int vsync_nl_put_peer(struct sk_buff *skb, const struct vsync_peer *p,
			     struct netlink_callback *cb)
{
	u32 last_heard = U32_MAX;	/* never */
	struct nlattr *nest;
	void *hdr;

	if (p->state != VSYNC_PEER_UNKNOWN)
		last_heard = min_t(unsigned long,
				   jiffies_to_msecs(jiffies - p->last_heard),
				   U32_MAX - 1);

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &vsync_genl_family, NLM_F_MULTI, VSYNC_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, VSYNC_A_PEER);
	if (!nest)
		goto cancel;
	if (vsync_nl_put_addr(skb, VSYNC_A_PEER_ADDR, &p->addr) ||
	    nla_put_u16(skb, VSYNC_A_PEER_PORT, vsync_addr_port(&p->addr)) ||
	    nla_put_u32(skb, VSYNC_A_PEER_ID, p->node_id) ||
	    nla_put_u8(skb, VSYNC_A_PEER_STATE, p->state) ||
	    nla_put_u32(skb, VSYNC_A_PEER_LAST_HEARD, last_heard) ||
	    nla_put_u32(skb, VSYNC_A_PEER_INCARNATION, p->incarnation) ||
	    (p->is_static && nla_put_flag(skb, VSYNC_A_PEER_STATIC)) ||
	    (p->view_id &&
	     nla_put_u64_64bit(skb, VSYNC_A_PEER_VIEW_ID, p->view_id,
			       VSYNC_A_PEER_PAD)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * cb->args[0]: peers sent by earlier parts of the dump.  Peers added or
 * removed between two parts may be missed or shown twice, as in any
 * netlink dump.
 */
static int vsync_nl_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vsync_net *vn = vsync_net(sock_net(skb->sk));
	long skip = cb->args[0], idx = 0;
	struct vsync_peer *p;
	int err = 0;

	mutex_lock(&vn->stream_lock);
	list_for_each_entry(p, &vn->peers, list) {
		if (idx < skip) {
			idx++;
			continue;
		}
		err = vsync_nl_put_peer(skb, p, cb);
		if (err)
			break;
		idx++;
	}
	mutex_unlock(&vn->stream_lock);
	cb->args[0] = idx;
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int vsync_nl_put_stats(struct sk_buff *skb, struct vsync_net *vn)
{
	struct nlattr *stats, *stat;
	unsigned int i;
	const char *name;

	stats = nla_nest_start(skb, VSYNC_A_STATS);
	if (!stats)
		return -EMSGSIZE;
	for (i = 0; (name = vsync_mib_name(i)); i++) {
		stat = nla_nest_start(skb, VSYNC_A_STAT);
		if (!stat ||
		    nla_put_string(skb, VSYNC_A_STAT_NAME, name) ||
		    nla_put_u64_64bit(skb, VSYNC_A_STAT_VALUE,
				      vsync_mib_read(vn, i), VSYNC_A_STAT_PAD)) {
			nla_nest_cancel(skb, stats);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, stat);
	}
	nla_nest_end(skb, stats);
	return 0;
}

static int vsync_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct vsync_net *vn = vsync_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vsync_genl_family, 0,
				VSYNC_CMD_STATS_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	err = vsync_nl_put_stats(msg, vn);
	if (err)
		goto free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

free:
	nlmsg_free(msg);
	return err;
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
	{
		.cmd	= VSYNC_CMD_NODE_SET,
		.doit	= vsync_nl_node_set,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= VSYNC_CMD_PEER_ADD,
		.doit	= vsync_nl_peer_add,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= VSYNC_CMD_PEER_DEL,
		.doit	= vsync_nl_peer_del,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= VSYNC_CMD_PEER_GET,
		.dumpit	= vsync_nl_peer_dump,
	},
	{
		.cmd	= VSYNC_CMD_STATS_GET,
		.doit	= vsync_nl_stats_get,
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
	/* commands from NODE_SET on: strict validation, reserved field 0 */
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
