// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl node: VSYNC_CMD_NODE_GET and VSYNC_CMD_NODE_SET.
 *
 *   vsyncctl node show
 *   vsyncctl node set [id N] [cluster C] [addr A] [port P] [mcast G|none]
 */
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/vsync.h>

#include "genl.h"
#include "json.h"
#include "vsyncctl.h"

struct node_info {
	int found;
	uint32_t id, family, groups, members, cluster, incarnation;
	uint16_t port;
	uint8_t up, primary;
	struct ip_addr addr;
	struct ip_addr mcast;		/* len 0: no group */
	uint32_t mcast_ifindex;
	uint64_t view_id, view_changes;
	uint32_t coord, n_nodes, nodes[64];
};

static int node_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1];
	const struct nlattr *nb[VSYNC_A_NODE_MAX + 1];
	struct node_info *ni = arg;
	const void *attrs;
	size_t len;

	attrs = genl_attrs(nlh, &len);
	if (!attrs || nla_parse(tb, VSYNC_A_MAX, attrs, len) < 0 || !tb[VSYNC_A_NODE])
		return 0;
	if (nla_parse(nb, VSYNC_A_NODE_MAX, nla_data(tb[VSYNC_A_NODE]),
		      nla_len(tb[VSYNC_A_NODE])) < 0)
		return 0;
	ni->found = 1;
	ni->id = nla_u32(nb[VSYNC_A_NODE_ID]);
	ni->family = nla_u32(nb[VSYNC_A_NODE_FAMILY]);
	ni->groups = nla_u32(nb[VSYNC_A_NODE_GROUPS]);
	ni->members = nla_u32(nb[VSYNC_A_NODE_MEMBERS]);
	ni->cluster = nla_u32(nb[VSYNC_A_NODE_CLUSTER]);
	ni->incarnation = nla_u32(nb[VSYNC_A_NODE_INCARNATION]);
	ni->port = nla_u16(nb[VSYNC_A_NODE_PORT]);
	ni->up = nla_u8(nb[VSYNC_A_NODE_UP]);
	nla_ip(nb[VSYNC_A_NODE_ADDR], &ni->addr);
	nla_ip(nb[VSYNC_A_NODE_MCAST], &ni->mcast);
	ni->mcast_ifindex = nla_u32(nb[VSYNC_A_NODE_MCAST_IFINDEX]);
	if (nb[VSYNC_A_NODE_VIEW_ID]) {
		const struct nlattr *a = nb[VSYNC_A_NODE_VIEW_NODES];

		ni->view_id = nla_u64(nb[VSYNC_A_NODE_VIEW_ID]);
		ni->view_changes = nla_u64(nb[VSYNC_A_NODE_VIEW_CHANGES]);
		ni->primary = nla_u8(nb[VSYNC_A_NODE_VIEW_PRIMARY]);
		ni->coord = nla_u32(nb[VSYNC_A_NODE_COORD]);
		if (a && nla_len(a) <= sizeof(ni->nodes)) {
			ni->n_nodes = nla_len(a) / sizeof(uint32_t);
			memcpy(ni->nodes, nla_data(a), ni->n_nodes * sizeof(uint32_t));
		}
	}
	return 0;
}

static void node_show_help(FILE *f)
{
	fprintf(f,
		"Usage: %s node show\n\n"
		"Print this node's id, the address family number, how many groups\n"
		"and joined sockets it has, its cluster id, UDP address and port,\n"
		"the incarnation of its transport, whether the transport is up, its\n"
		"multicast group (and the interface it is joined on) or none, and\n"
		"its node view: id, primary or not, acting coordinator, nodes by rank.\n",
		progname);
}

static int cmd_node_show(struct cmdl *cmdl)
{
	struct node_info ni = { 0 };
	char addr[64], mcast[64], dev[IF_NAMESIZE + 16];
	int ret;

	if (wants_help(cmdl)) {
		node_show_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0)
		return usage_error(node_show_help, "unexpected argument '%s'",
				   cmdl->argv[0]);
	ret = vsync_request("node show", VSYNC_CMD_NODE_GET, 0, NULL, 0, node_cb, &ni);
	if (ret)
		return ret;
	if (!ni.found)
		return error_msg("node show: the kernel sent no node attributes");

	format_ip(&ni.addr, addr, sizeof(addr));
	format_ip(&ni.mcast, mcast, sizeof(mcast));
	/* the request was answered for our own netns: the name is ours too */
	if (!ni.mcast_ifindex || !if_indextoname(ni.mcast_ifindex, dev))
		snprintf(dev, sizeof(dev), "if%u", ni.mcast_ifindex);
	if (json) {
		jw_object_open(NULL);
		jw_u64("id", ni.id);
		jw_u64("family", ni.family);
		jw_u64("groups", ni.groups);
		jw_u64("members", ni.members);
		jw_u64("cluster", ni.cluster);
		if (ni.addr.len)
			jw_string("addr", addr);
		else
			jw_null("addr");
		jw_u64("port", ni.port);
		jw_u64("incarnation", ni.incarnation);
		jw_bool("up", ni.up);
		if (ni.mcast.len) {
			jw_string("mcast", mcast);
			jw_string("mcast_dev", dev);
		} else {
			jw_null("mcast");
		}
		if (ni.view_id) {
			jw_u64("view_id", ni.view_id);
			jw_bool("primary", ni.primary);
			jw_u64("coordinator", ni.coord);
			jw_u64("view_changes", ni.view_changes);
			jw_array_open("nodes");
			for (uint32_t i = 0; i < ni.n_nodes; i++)
				jw_u64(NULL, ni.nodes[i]);
			jw_array_close();
		}
		jw_object_close();
		jw_end();
	} else {
		printf("node %u\n  family %u\n  groups %u\n  members %u\n",
		       ni.id, ni.family, ni.groups, ni.members);
		printf("  cluster %u\n  addr %s\n  port %u\n  incarnation %u\n"
		       "  transport %s\n",
		       ni.cluster, addr, ni.port, ni.incarnation,
		       ni.up ? "up" : "down");
		if (ni.mcast.len)
			printf("  mcast %s dev %s\n", mcast, dev);
		else
			printf("  mcast none\n");
		if (ni.view_id) {
			printf("  view %#llx %s coordinator %u changes %llu\n  nodes",
			       (unsigned long long)ni.view_id,
			       ni.primary ? "primary" : "non-primary", ni.coord,
			       (unsigned long long)ni.view_changes);
			for (uint32_t i = 0; i < ni.n_nodes; i++)
				printf(" %u", ni.nodes[i]);
			printf("\n");
		}
	}
	return EXIT_OK;
}

static void node_set_help(FILE *f)
{
	fprintf(f,
		"Usage: %s node set [id N] [cluster C] [addr A] [port P] [mcast G|none]\n\n"
		"Configure this node; what is not given keeps its value.  Needs\n"
		"CAP_NET_ADMIN in the network namespace's user namespace.\n\n"
		"  id N       node id, 1 to 4294967295, unique in the cluster; it\n"
		"             cannot change while sockets are joined (EBUSY)\n"
		"  cluster C  cluster id, 0 to 4294967295; packets of other\n"
		"             clusters are dropped\n"
		"  addr A     local IPv4 or IPv6 address; setting it starts (or\n"
		"             moves) the UDP transport\n"
		"  port P     UDP port, 1 to 65535 (default %d); needs an address,\n"
		"             given now or before\n"
		"  mcast G    IP multicast group of the address's family, on the\n"
		"             node's port: heartbeats go there too, so that nodes\n"
		"             sharing it find each other, and the sequencer sends\n"
		"             each new entry there once; joined on the interface\n"
		"             of the address, which must be set, now or before.\n"
		"             \"none\" removes it\n",
		progname, VSYNC_PORT_DEFAULT);
}

static int cmd_node_set(struct cmdl *cmdl)
{
	char attrs[256];
	size_t off = 0, nest;
	int have_id = 0, have_cluster = 0, have_addr = 0, have_port = 0;
	int have_mcast = 0;
	uint32_t id = 0, cluster = 0;
	uint16_t port = 0;
	struct ip_addr addr = { 0 }, mcast = { 0 };
	const char *key, *val;
	uint64_t v;
	int r;

	if (wants_help(cmdl)) {
		node_set_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc < 1)
		return usage_error(node_set_help, "node set: nothing to set");
	for (;;) {
		if (wants_help(cmdl)) {
			node_set_help(stdout);
			return EXIT_OK;
		}
		r = next_pair(cmdl, &key, &val, node_set_help);
		if (r < 0)
			return EXIT_USAGE;
		if (!r)
			break;
		if (!strcmp(key, "id")) {
			if (have_id++)
				return usage_error(node_set_help, "id given twice");
			if (parse_uint(val, 0, UINT32_MAX, &v) < 0)
				return usage_error(NULL, "invalid node id '%s'", val);
			if (!v)
				return usage_error(NULL, "node id 0 is reserved: use 1 to %u",
						   UINT32_MAX);
			id = (uint32_t)v;
		} else if (!strcmp(key, "cluster")) {
			if (have_cluster++)
				return usage_error(node_set_help, "cluster given twice");
			if (parse_uint(val, 0, UINT32_MAX, &v) < 0)
				return usage_error(NULL, "invalid cluster id '%s'", val);
			cluster = (uint32_t)v;
		} else if (!strcmp(key, "addr") || !strcmp(key, "address")) {
			if (have_addr++)
				return usage_error(node_set_help, "addr given twice");
			if (parse_ip(val, &addr) < 0)
				return usage_error(NULL, "invalid IPv4 or IPv6 address '%s'", val);
		} else if (!strcmp(key, "port")) {
			if (have_port++)
				return usage_error(node_set_help, "port given twice");
			if (parse_uint(val, 1, UINT16_MAX, &v) < 0)
				return usage_error(NULL, "invalid port '%s': use 1 to %u", val,
						   UINT16_MAX);
			port = (uint16_t)v;
		} else if (!strcmp(key, "mcast")) {
			if (have_mcast++)
				return usage_error(node_set_help, "mcast given twice");
			/* none: an empty attribute; the kernel checks the rest */
			if (strcmp(val, "none") && parse_ip(val, &mcast) < 0)
				return usage_error(NULL,
						   "invalid multicast group '%s': an IPv4 or IPv6 address, or none",
						   val);
		} else {
			return usage_error(node_set_help, "unknown argument '%s'", key);
		}
	}

	if (nla_nest_start(attrs, sizeof(attrs), &off, VSYNC_A_NODE, &nest) < 0 ||
	    (have_id && nla_append(attrs, sizeof(attrs), &off, VSYNC_A_NODE_ID,
				   &id, sizeof(id)) < 0) ||
	    (have_cluster && nla_append(attrs, sizeof(attrs), &off,
					VSYNC_A_NODE_CLUSTER, &cluster,
					sizeof(cluster)) < 0) ||
	    (have_addr && nla_append(attrs, sizeof(attrs), &off, VSYNC_A_NODE_ADDR,
				     addr.bytes, addr.len) < 0) ||
	    (have_port && nla_append(attrs, sizeof(attrs), &off, VSYNC_A_NODE_PORT,
				     &port, sizeof(port)) < 0) ||
	    (have_mcast && nla_append(attrs, sizeof(attrs), &off,
				      VSYNC_A_NODE_MCAST, mcast.bytes,
				      mcast.len) < 0))
		return error_msg("node set: request too long");
	nla_nest_end(attrs, nest, off);
	return vsync_request("node set", VSYNC_CMD_NODE_SET, 0, attrs, off, NULL, NULL);
}

static const struct cmd node_cmds[] = {
	{ "show", cmd_node_show, "show this node" },
	{ "set", cmd_node_set, "configure id, cluster, address, port and multicast group" },
	{ NULL, NULL, NULL },
};

int cmd_node(struct cmdl *cmdl)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "%s node", progname);
	return run_cmd(node_cmds, cmdl, ctx);
}
