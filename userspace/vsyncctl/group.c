// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl group: VSYNC_CMD_GROUP_GET dump.
 *
 * The dump is collected first (a group split over several messages is
 * merged), then sorted by name, members by rank, and printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vsync.h>

#include "genl.h"
#include "json.h"
#include "vsyncctl.h"

struct member {
	uint32_t node, port, rank, pid, rcvq;
	uint64_t sent, delivered;
	uint64_t awaits;		/* state transfer awaited; 0: none */
};

struct group {
	char name[VSYNC_NAME_MAX + 1];
	uint64_t view_id, gseq;
	struct member *members;
	size_t n_members, cap;
};

struct group_list {
	struct group *groups;
	size_t n, cap;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	*arr = p;
	*cap = ncap;
	return 0;
}

static void parse_member(const struct nlattr *nest, struct member *m)
{
	const struct nlattr *tb[VSYNC_A_MEMBER_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (nla_parse(tb, VSYNC_A_MEMBER_MAX, nla_data(nest), nla_len(nest)) < 0)
		return;
	m->node = nla_u32(tb[VSYNC_A_MEMBER_NODE]);
	m->port = nla_u32(tb[VSYNC_A_MEMBER_PORT]);
	m->rank = nla_u32(tb[VSYNC_A_MEMBER_RANK]);
	m->pid = nla_u32(tb[VSYNC_A_MEMBER_PID]);
	m->sent = nla_u64(tb[VSYNC_A_MEMBER_SENT]);
	m->delivered = nla_u64(tb[VSYNC_A_MEMBER_DELIVERED]);
	m->rcvq = nla_u32(tb[VSYNC_A_MEMBER_RCVQ]);
	m->awaits = nla_u64(tb[VSYNC_A_MEMBER_AWAITS]);
}

static int group_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1];
	struct group_list *list = arg;
	const struct nlattr *a, *nest;
	struct group *g;
	char name[sizeof(g->name)];
	const void *attrs;
	size_t len, off = 0;
	int bad = 0;

	attrs = genl_attrs(nlh, &len);
	if (!attrs || nla_parse(tb, VSYNC_A_MAX, attrs, len) < 0 || !tb[VSYNC_A_GROUP])
		return 0;
	nest = tb[VSYNC_A_GROUP];

	/* Find the name first: it decides whether this continues a group. */
	name[0] = '\0';
	while ((a = nla_next(nla_data(nest), nla_len(nest), &off, &bad)))
		if ((a->nla_type & NLA_TYPE_MASK) == VSYNC_A_GROUP_NAME)
			nla_str(a, name, sizeof(name));

	if (list->n && !strcmp(list->groups[list->n - 1].name, name)) {
		g = &list->groups[list->n - 1];
	} else {
		if (grow((void **)&list->groups, &list->cap, list->n + 1, sizeof(*g)) < 0)
			return -1;
		g = &list->groups[list->n++];
		memset(g, 0, sizeof(*g));
		strcpy(g->name, name);
	}

	off = 0;
	while ((a = nla_next(nla_data(nest), nla_len(nest), &off, &bad))) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case VSYNC_A_GROUP_VIEW_ID:
			g->view_id = nla_u64(a);
			break;
		case VSYNC_A_GROUP_GSEQ:
			g->gseq = nla_u64(a);
			break;
		case VSYNC_A_GROUP_MEMBER:
			if (grow((void **)&g->members, &g->cap, g->n_members + 1,
				 sizeof(*g->members)) < 0)
				return -1;
			parse_member(a, &g->members[g->n_members++]);
			break;
		}
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->name, ((const struct group *)b)->name);
}

static int by_rank(const void *a, const void *b)
{
	uint32_t ra = ((const struct member *)a)->rank, rb = ((const struct member *)b)->rank;

	return ra < rb ? -1 : ra > rb;
}

static void print_group_json(const struct group *g)
{
	size_t i;

	jw_object_open(NULL);
	jw_string("name", g->name);
	jw_u64("view_id", g->view_id);
	jw_u64("gseq", g->gseq);
	jw_array_open("members");
	for (i = 0; i < g->n_members; i++) {
		const struct member *m = &g->members[i];

		jw_object_open(NULL);
		jw_u64("rank", m->rank);
		jw_u64("node", m->node);
		jw_u64("port", m->port);
		jw_u64("pid", m->pid);
		jw_u64("sent", m->sent);
		jw_u64("delivered", m->delivered);
		jw_u64("rcvq", m->rcvq);
		if (m->awaits)
			jw_u64("awaits_state", m->awaits);
		jw_object_close();
	}
	jw_array_close();
	jw_object_close();
}

static void print_group_text(const struct group *g)
{
	const unsigned char *c;
	size_t i;

	/* Names are any bytes but NUL: keep the table readable. */
	fputs("group ", stdout);
	for (c = (const unsigned char *)g->name; *c; c++) {
		if (*c < 0x20 || *c >= 0x7f || *c == '\\')
			printf("\\x%02x", *c);
		else
			putchar(*c);
	}
	printf(" view %llu gseq %llu members %zu\n",
	       (unsigned long long)g->view_id, (unsigned long long)g->gseq,
	       g->n_members);
	printf("  %4s  %-21s  %7s  %10s  %10s  %10s  %s\n",
	       "RANK", "MEMBER", "PID", "SENT", "DELIVERED", "RCVQ", "STATE");
	for (i = 0; i < g->n_members; i++) {
		const struct member *m = &g->members[i];
		char id[24];

		snprintf(id, sizeof(id), "%u:%u", m->node, m->port);
		printf("  %4u  %-21s  %7u  %10llu  %10llu  %10u  ", m->rank, id, m->pid,
		       (unsigned long long)m->sent, (unsigned long long)m->delivered,
		       m->rcvq);
		if (m->awaits)
			printf("awaits %llu\n", (unsigned long long)m->awaits);
		else
			printf("-\n");
	}
}

static void group_show_help(FILE *f)
{
	fprintf(f,
		"Usage: %s group show [NAME]\n\n"
		"Print every group of the cluster as this node holds it (or only group NAME):\n"
		"its view id, last global sequence number, and its members in rank\n"
		"order with their node:port, pid, messages sent and delivered,\n"
		"bytes waiting in their receive queue, and the state transfer a\n"
		"joiner awaits (the view that named its donor).\n", progname);
}

static int cmd_group_show(struct cmdl *cmdl)
{
	struct group_list list = { 0 };
	const char *only = NULL;
	size_t i, shown = 0;
	struct genl g;
	uint16_t family;
	int ret = EXIT_OK;

	if (wants_help(cmdl)) {
		group_show_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0)
		only = cmdl->argv[0];
	if (cmdl->argc > 1) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname, cmdl->argv[1]);
		group_show_help(stderr);
		return EXIT_USAGE;
	}
	if (only && strlen(only) > VSYNC_NAME_MAX)
		return error_msg("group name '%s' is longer than %d bytes", only,
				 VSYNC_NAME_MAX);

	if (vsync_genl_open(&g, &family) < 0)
		return EXIT_ERR;
	if (genl_call(&g, family, VSYNC_CMD_GROUP_GET, VSYNC_GENL_VERSION, 1,
		      NULL, 0, group_cb, &list) < 0) {
		ret = genl_error(&g, "group show");
		goto out;
	}

	qsort(list.groups, list.n, sizeof(*list.groups), by_name);
	if (json)
		jw_array_open(NULL);
	for (i = 0; i < list.n; i++) {
		struct group *gr = &list.groups[i];

		if (only && strcmp(only, gr->name))
			continue;
		qsort(gr->members, gr->n_members, sizeof(*gr->members), by_rank);
		if (json)
			print_group_json(gr);
		else
			print_group_text(gr);
		shown++;
	}
	if (json) {
		jw_array_close();
		jw_end();
	}
	if (only && !shown)
		ret = error_msg("group '%s' not found", only);
out:
	for (i = 0; i < list.n; i++)
		free(list.groups[i].members);
	free(list.groups);
	genl_close(&g);
	return ret;
}

static const struct cmd group_cmds[] = {
	{ "show", cmd_group_show, "show groups and their members" },
	{ NULL, NULL, NULL },
};

int cmd_group(struct cmdl *cmdl)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "%s group", progname);
	return run_cmd(group_cmds, cmdl, ctx);
}
