// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl peer: VSYNC_CMD_PEER_ADD, VSYNC_CMD_PEER_DEL and the
 * VSYNC_CMD_PEER_GET dump.
 *
 *   vsyncctl peer add addr A [port P]
 *   vsyncctl peer del addr A [port P]
 *   vsyncctl peer show
 *
 * Peers are printed in the kernel's order: configured ones in the order
 * they were added, learned ones as they were first heard.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vsync.h>

#include "genl.h"
#include "json.h"
#include "vsyncctl.h"

struct peer {
	struct ip_addr addr;
	uint16_t port;
	uint8_t state;
	int is_static;
	uint32_t id, last_heard, incarnation;
	uint64_t view_id;
};

struct peer_list {
	struct peer *peers;
	size_t n, cap;
};

static const char *state_name(uint8_t state)
{
	switch (state) {
	case VSYNC_PEER_UNKNOWN:
		return "unknown";
	case VSYNC_PEER_UP:
		return "up";
	case VSYNC_PEER_DOWN:
		return "down";
	}
	return "invalid";
}

static int peer_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1];
	const struct nlattr *pb[VSYNC_A_PEER_MAX + 1];
	struct peer_list *list = arg;
	struct peer *p;
	const void *attrs;
	size_t len;

	attrs = genl_attrs(nlh, &len);
	if (!attrs || nla_parse(tb, VSYNC_A_MAX, attrs, len) < 0 || !tb[VSYNC_A_PEER])
		return 0;
	if (nla_parse(pb, VSYNC_A_PEER_MAX, nla_data(tb[VSYNC_A_PEER]),
		      nla_len(tb[VSYNC_A_PEER])) < 0)
		return 0;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		void *np = realloc(list->peers, cap * sizeof(*list->peers));

		if (!np) {
			errno = ENOMEM;
			return -1;
		}
		list->peers = np;
		list->cap = cap;
	}
	p = &list->peers[list->n++];
	memset(p, 0, sizeof(*p));
	nla_ip(pb[VSYNC_A_PEER_ADDR], &p->addr);
	p->port = nla_u16(pb[VSYNC_A_PEER_PORT]);
	p->id = nla_u32(pb[VSYNC_A_PEER_ID]);
	p->state = nla_u8(pb[VSYNC_A_PEER_STATE]);
	p->last_heard = pb[VSYNC_A_PEER_LAST_HEARD] ?
			nla_u32(pb[VSYNC_A_PEER_LAST_HEARD]) : UINT32_MAX;
	p->incarnation = nla_u32(pb[VSYNC_A_PEER_INCARNATION]);
	p->view_id = nla_u64(pb[VSYNC_A_PEER_VIEW_ID]);
	p->is_static = pb[VSYNC_A_PEER_STATIC] != NULL;
	return 0;
}

static void print_peer_json(const struct peer *p)
{
	char addr[64];

	jw_object_open(NULL);
	jw_u64("id", p->id);
	jw_string("addr", format_ip(&p->addr, addr, sizeof(addr)));
	jw_u64("port", p->port);
	jw_string("state", state_name(p->state));
	if (p->last_heard == UINT32_MAX)
		jw_null("last_heard_ms");
	else
		jw_u64("last_heard_ms", p->last_heard);
	jw_u64("incarnation", p->incarnation);
	jw_u64("view_id", p->view_id);
	jw_bool("static", p->is_static);
	jw_object_close();
}

static void print_peer_text(const struct peer *p)
{
	char addr[64], id[16], heard[16];

	format_ip(&p->addr, addr, sizeof(addr));
	if (p->id)
		snprintf(id, sizeof(id), "%u", p->id);
	else
		snprintf(id, sizeof(id), "-");
	if (p->last_heard == UINT32_MAX)
		snprintf(heard, sizeof(heard), "never");
	else
		snprintf(heard, sizeof(heard), "%u", p->last_heard);
	printf("%-10s  %-39s  %5u  %-7s  %10s  %11u  %s\n", id, addr, p->port,
	       state_name(p->state), heard, p->incarnation,
	       p->is_static ? "static" : "learned");
}

static void peer_show_help(FILE *f)
{
	fprintf(f,
		"Usage: %s peer show\n\n"
		"Print the nodes this node knows: node id ('-' until heard), UDP\n"
		"address and port, state (unknown: never heard; up: heard within the\n"
		"suspect timeout; down: silent for longer), milliseconds since its\n"
		"last packet ('never'), its incarnation, and whether it was\n"
		"configured (static) or learned from its packets.\n", progname);
}

static int cmd_peer_show(struct cmdl *cmdl)
{
	struct peer_list list = { 0 };
	size_t i;
	int ret;

	if (wants_help(cmdl)) {
		peer_show_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0)
		return usage_error(peer_show_help, "unexpected argument '%s'",
				   cmdl->argv[0]);
	ret = vsync_request("peer show", VSYNC_CMD_PEER_GET, 1, NULL, 0, peer_cb, &list);
	if (ret)
		goto out;

	if (json) {
		jw_array_open(NULL);
		for (i = 0; i < list.n; i++)
			print_peer_json(&list.peers[i]);
		jw_array_close();
		jw_end();
	} else {
		printf("%-10s  %-39s  %5s  %-7s  %10s  %11s  %s\n", "NODE", "ADDRESS",
		       "PORT", "STATE", "LAST_MS", "INCARNATION", "CONFIG");
		for (i = 0; i < list.n; i++)
			print_peer_text(&list.peers[i]);
	}
out:
	free(list.peers);
	return ret;
}

static void peer_addr_help(FILE *f, const char *cmd, const char *what)
{
	fprintf(f,
		"Usage: %s peer %s addr A [port P]\n\n"
		"%s\n\n"
		"A is an IPv4 or IPv6 address, P a UDP port from 1 to 65535\n"
		"(default %d).  Needs CAP_NET_ADMIN in the network namespace's\n"
		"user namespace.\n", progname, cmd, what, VSYNC_PORT_DEFAULT);
}

static void peer_add_help(FILE *f)
{
	peer_addr_help(f, "add",
		       "Add a static peer: a node this node sends heartbeats to from the\n"
		       "start.  A peer already learned from its packets becomes static.");
}

static void peer_del_help(FILE *f)
{
	peer_addr_help(f, "del",
		       "Forget a peer, configured or learned.  A learned peer that is\n"
		       "still running is learned again from its next packet.");
}

/* addr A [port P] as a VSYNC_A_PEER nest into @attrs; 0 or an exit code */
static int peer_request(struct cmdl *cmdl, void (*help)(FILE *f), char *attrs,
			size_t size, size_t *off)
{
	struct ip_addr addr = { 0 };
	int have_addr = 0, have_port = 0;
	uint16_t port = VSYNC_PORT_DEFAULT;
	const char *key, *val;
	size_t nest;
	uint64_t v;
	int r;

	for (;;) {
		if (wants_help(cmdl)) {
			help(stdout);
			return -1;
		}
		r = next_pair(cmdl, &key, &val, help);
		if (r < 0)
			return EXIT_USAGE;
		if (!r)
			break;
		if (!strcmp(key, "addr") || !strcmp(key, "address")) {
			if (have_addr++)
				return usage_error(help, "addr given twice");
			if (parse_ip(val, &addr) < 0)
				return usage_error(NULL, "invalid IPv4 or IPv6 address '%s'", val);
		} else if (!strcmp(key, "port")) {
			if (have_port++)
				return usage_error(help, "port given twice");
			if (parse_uint(val, 1, UINT16_MAX, &v) < 0)
				return usage_error(NULL, "invalid port '%s': use 1 to %u", val,
						   UINT16_MAX);
			port = (uint16_t)v;
		} else {
			return usage_error(help, "unknown argument '%s'", key);
		}
	}
	if (!have_addr)
		return usage_error(help, "missing 'addr A'");

	*off = 0;
	if (nla_nest_start(attrs, size, off, VSYNC_A_PEER, &nest) < 0 ||
	    nla_append(attrs, size, off, VSYNC_A_PEER_ADDR, addr.bytes, addr.len) < 0 ||
	    nla_append(attrs, size, off, VSYNC_A_PEER_PORT, &port, sizeof(port)) < 0)
		return error_msg("request too long");
	nla_nest_end(attrs, nest, *off);
	return 0;
}

static int peer_change(struct cmdl *cmdl, void (*help)(FILE *f), uint8_t cmd,
		       const char *what)
{
	char attrs[128];
	size_t off;
	int ret;

	if (cmdl->argc < 1)
		return usage_error(help, "missing 'addr A'");
	ret = peer_request(cmdl, help, attrs, sizeof(attrs), &off);
	if (ret < 0)
		return EXIT_OK;		/* help was asked for */
	if (ret)
		return ret;
	return vsync_request(what, cmd, 0, attrs, off, NULL, NULL);
}

static int cmd_peer_add(struct cmdl *cmdl)
{
	return peer_change(cmdl, peer_add_help, VSYNC_CMD_PEER_ADD, "peer add");
}

static int cmd_peer_del(struct cmdl *cmdl)
{
	return peer_change(cmdl, peer_del_help, VSYNC_CMD_PEER_DEL, "peer del");
}

static const struct cmd peer_cmds[] = {
	{ "show", cmd_peer_show, "show the nodes this node knows" },
	{ "add", cmd_peer_add, "add a static peer" },
	{ "del", cmd_peer_del, "remove a peer" },
	{ NULL, NULL, NULL },
};

int cmd_peer(struct cmdl *cmdl)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "%s peer", progname);
	return run_cmd(peer_cmds, cmdl, ctx);
}
