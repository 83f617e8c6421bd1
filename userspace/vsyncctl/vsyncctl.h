/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsyncctl: shared declarations.
 *
 * Every object (family, node, group) has a table of commands; each entry
 * names a function and a one-line help.  run_cmd() dispatches on the first
 * word, accepting unique prefixes, and answers "help" at every level.
 */
#ifndef VSYNCCTL_H
#define VSYNCCTL_H

#include <stdint.h>

struct genl;

/* Command line still to be consumed. */
struct cmdl {
	int argc;
	char **argv;
};

struct cmd {
	const char *name;
	int (*func)(struct cmdl *cmdl);
	const char *help;	/* one line, for the table in the usage */
};

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_ERR	1	/* the request failed */
#define EXIT_USAGE	2	/* bad command line */

extern int json;		/* -j: print JSON */
extern const char *progname;

/* Dispatch on cmdl's first word; @ctx is the command path so far. */
int run_cmd(const struct cmd *cmds, struct cmdl *cmdl, const char *ctx);
/* Print the table of @cmds under a "Usage: @ctx COMMAND" line. */
void print_cmds(const struct cmd *cmds, const char *ctx, int to_stderr);
/* 1 if the next word asks for help ("help", "-h", "--help"). */
int wants_help(const struct cmdl *cmdl);
/* Print "progname: message" to stderr; returns EXIT_ERR. */
int error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open a genl socket and resolve the "vsync" family, with clear errors. */
int vsync_genl_open(struct genl *g, uint16_t *family);
/* Report a failed genl request on @what; returns EXIT_ERR. */
int genl_error(struct genl *g, const char *what);

int cmd_family(struct cmdl *cmdl);
int cmd_node(struct cmdl *cmdl);
int cmd_group(struct cmdl *cmdl);

#endif
