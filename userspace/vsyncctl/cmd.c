// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command dispatch, help, and error reporting shared by every object.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/vsync.h>

#include "genl.h"
#include "vsyncctl.h"

int wants_help(const struct cmdl *cmdl)
{
	const char *w;

	if (cmdl->argc < 1)
		return 0;
	w = cmdl->argv[0];
	return !strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help");
}

void print_cmds(const struct cmd *cmds, const char *ctx, int to_stderr)
{
	FILE *f = to_stderr ? stderr : stdout;

	fprintf(f, "Usage: %s COMMAND\n\nCOMMANDS\n", ctx);
	for (; cmds->name; cmds++)
		fprintf(f, "  %-10s %s\n", cmds->name, cmds->help);
	fprintf(f, "  %-10s %s\n", "help", "show this help");
}

int run_cmd(const struct cmd *cmds, struct cmdl *cmdl, const char *ctx)
{
	const struct cmd *c, *match = NULL;
	const char *word;
	size_t len;

	if (cmdl->argc < 1) {
		print_cmds(cmds, ctx, 1);
		return EXIT_USAGE;
	}
	if (wants_help(cmdl)) {
		print_cmds(cmds, ctx, 0);
		return EXIT_OK;
	}
	word = cmdl->argv[0];
	len = strlen(word);
	for (c = cmds; c->name; c++) {
		if (!strcmp(c->name, word)) {
			match = c;
			break;
		}
		if (!strncmp(c->name, word, len)) {
			if (match) {
				fprintf(stderr, "%s: ambiguous command '%s' for '%s'\n",
					progname, word, ctx);
				return EXIT_USAGE;
			}
			match = c;
		}
	}
	if (!match) {
		fprintf(stderr, "%s: unknown command '%s' for '%s'; try '%s help'\n",
			progname, word, ctx, ctx);
		return EXIT_USAGE;
	}
	cmdl->argc--;
	cmdl->argv++;
	return match->func(cmdl);
}

int error_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERR;
}

int vsync_genl_open(struct genl *g, uint16_t *family)
{
	if (genl_open(g) < 0) {
		error_msg("cannot open a generic netlink socket: %s", strerror(errno));
		return -1;
	}
	if (genl_resolve(g, VSYNC_GENL_NAME, family) < 0) {
		if (errno == ENOENT)
			error_msg("af_vsync module is not loaded (no generic netlink family \"%s\")",
				  VSYNC_GENL_NAME);
		else
			genl_error(g, "resolving the generic netlink family");
		genl_close(g);
		return -1;
	}
	return 0;
}

int genl_error(struct genl *g, const char *what)
{
	if (g->errmsg[0])
		return error_msg("%s: %s (%s)", what, strerror(errno), g->errmsg);
	if (errno == EOPNOTSUPP)
		return error_msg("%s: %s (the af_vsync module does not know this request)",
				 what, strerror(errno));
	return error_msg("%s: %s", what, strerror(errno));
}
