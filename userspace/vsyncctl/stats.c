// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl stats: VSYNC_CMD_STATS_GET, this node's counters.
 *
 *   vsyncctl stats show [NAME]
 *
 * The names come from the kernel, so counters a newer module adds are
 * shown without a new vsyncctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vsync.h>

#include "genl.h"
#include "json.h"
#include "vsyncctl.h"

struct counter {
	char name[64];
	uint64_t value;
};

struct stat_list {
	int found;
	struct counter *stats;
	size_t n, cap;
};

static int stat_add(struct stat_list *list, const struct nlattr *nest)
{
	const struct nlattr *tb[VSYNC_A_STAT_MAX + 1];
	struct counter *s;

	if (nla_parse(tb, VSYNC_A_STAT_MAX, nla_data(nest), nla_len(nest)) < 0 ||
	    !tb[VSYNC_A_STAT_NAME])
		return 0;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;
		void *p = realloc(list->stats, cap * sizeof(*list->stats));

		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		list->stats = p;
		list->cap = cap;
	}
	s = &list->stats[list->n++];
	nla_str(tb[VSYNC_A_STAT_NAME], s->name, sizeof(s->name));
	s->value = nla_u64(tb[VSYNC_A_STAT_VALUE]);
	return 0;
}

static int stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[VSYNC_A_MAX + 1];
	struct stat_list *list = arg;
	const struct nlattr *nest, *a;
	const void *attrs;
	size_t len, off = 0;
	int bad = 0;

	attrs = genl_attrs(nlh, &len);
	if (!attrs || nla_parse(tb, VSYNC_A_MAX, attrs, len) < 0 || !tb[VSYNC_A_STATS])
		return 0;
	list->found = 1;
	nest = tb[VSYNC_A_STATS];
	while ((a = nla_next(nla_data(nest), nla_len(nest), &off, &bad)))
		if ((a->nla_type & NLA_TYPE_MASK) == VSYNC_A_STAT && stat_add(list, a) < 0)
			return -1;
	return 0;
}

static void stats_show_help(FILE *f)
{
	fprintf(f,
		"Usage: %s stats show [NAME]\n\n"
		"Print this node's counters (or only counter NAME), one \"name value\"\n"
		"line each: packets and bytes sent and received, packets dropped by\n"
		"reason (drop_*), heartbeats, peers learned, up, down and restarted.\n"
		"Counters start at 0 when the network namespace is created.\n",
		progname);
}

static int cmd_stats_show(struct cmdl *cmdl)
{
	struct stat_list list = { 0 };
	const char *only = NULL;
	size_t i, shown = 0;
	int ret;

	if (wants_help(cmdl)) {
		stats_show_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0)
		only = cmdl->argv[0];
	if (cmdl->argc > 1)
		return usage_error(stats_show_help, "unexpected argument '%s'",
				   cmdl->argv[1]);
	ret = vsync_request("stats show", VSYNC_CMD_STATS_GET, 0, NULL, 0, stats_cb,
			    &list);
	if (ret)
		goto out;
	if (!list.found) {
		ret = error_msg("stats show: the kernel sent no counters");
		goto out;
	}

	for (i = 0; only && i < list.n; i++)
		if (!strcmp(only, list.stats[i].name))
			shown++;
	if (only && !shown) {
		ret = error_msg("no counter named '%s'", only);
		goto out;
	}
	if (json)
		jw_object_open(NULL);
	for (i = 0; i < list.n; i++) {
		const struct counter *s = &list.stats[i];

		if (only && strcmp(only, s->name))
			continue;
		if (json)
			jw_u64(s->name, s->value);
		else
			printf("%s %llu\n", s->name, (unsigned long long)s->value);
	}
	if (json) {
		jw_object_close();
		jw_end();
	}
out:
	free(list.stats);
	return ret;
}

static const struct cmd stats_cmds[] = {
	{ "show", cmd_stats_show, "show this node's counters" },
	{ NULL, NULL, NULL },
};

int cmd_stats(struct cmdl *cmdl)
{
	char ctx[64];

	snprintf(ctx, sizeof(ctx), "%s stats", progname);
	return run_cmd(stats_cmds, cmdl, ctx);
}
