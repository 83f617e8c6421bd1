// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl node: VSYNC_CMD_NODE_GET.
 */
#include <stdio.h>
#include <string.h>
#include <linux/vsync.h>

#include "genl.h"
#include "json.h"
#include "vsyncctl.h"

struct node_info {
	int found;
	uint32_t id, family, groups, members;
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
	return 0;
}

static void node_show_help(FILE *f)
{
	fprintf(f,
		"Usage: %s node show\n\n"
		"Print this node's id, the address family number, and how many\n"
		"groups and joined sockets it has.\n", progname);
}

static int cmd_node_show(struct cmdl *cmdl)
{
	struct node_info ni = { 0 };
	struct genl g;
	uint16_t family;
	int ret;

	if (wants_help(cmdl)) {
		node_show_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname, cmdl->argv[0]);
		node_show_help(stderr);
		return EXIT_USAGE;
	}
	if (vsync_genl_open(&g, &family) < 0)
		return EXIT_ERR;
	ret = genl_call(&g, family, VSYNC_CMD_NODE_GET, VSYNC_GENL_VERSION, 0,
			NULL, 0, node_cb, &ni);
	if (ret < 0) {
		ret = genl_error(&g, "node show");
		genl_close(&g);
		return ret;
	}
	genl_close(&g);
	if (!ni.found)
		return error_msg("node show: the kernel sent no node attributes");

	if (json) {
		jw_object_open(NULL);
		jw_u64("id", ni.id);
		jw_u64("family", ni.family);
		jw_u64("groups", ni.groups);
		jw_u64("members", ni.members);
		jw_object_close();
		jw_end();
	} else {
		printf("node %u\n  family %u\n  groups %u\n  members %u\n",
		       ni.id, ni.family, ni.groups, ni.members);
	}
	return EXIT_OK;
}

static const struct cmd node_cmds[] = {
	{ "show", cmd_node_show, "show this node" },
	{ NULL, NULL, NULL },
};

int cmd_node(struct cmdl *cmdl)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "%s node", progname);
	return run_cmd(node_cmds, cmdl, ctx);
}
