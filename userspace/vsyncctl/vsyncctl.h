/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vsyncctl: shared declarations.
 *
 * Every object (family, node, peer, group, stats) has a table of commands; each entry
 * names a function and a one-line help.  run_cmd() dispatches on the first
 * word, accepting unique prefixes, and answers "help" at every level.
 */
#ifndef VSYNCCTL_H
#define VSYNCCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "genl.h"

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
/*
 * One request of the "vsync" family, from opening the socket to the last
 * reply: returns EXIT_OK, or EXIT_ERR after printing why (with the
 * kernel's extended error message when it gave one).
 */
int vsync_request(const char *what, uint8_t cmd, int dump, const void *attrs,
		  size_t attrs_len, genl_cb cb, void *arg);

/* An IPv4 or IPv6 address as the kernel sends it: 4 or 16 bytes. */
struct ip_addr {
	size_t len;		/* 4 or 16; 0: none */
	uint8_t bytes[16];
};

/* "10.0.0.1" or "fd00::1" (inet_pton); 0, or -1 if neither. */
int parse_ip(const char *s, struct ip_addr *a);
/* Text form of @a into @buf (INET6_ADDRSTRLEN); "none" if a->len is 0. */
const char *format_ip(const struct ip_addr *a, char *buf, size_t size);
/* Decimal or 0x hex, no sign, within [@min, @max]; 0 or -1. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *val);
/* Keep a 4- or 16-byte address attribute; 0 or -1 if of another length. */
int nla_ip(const struct nlattr *a, struct ip_addr *ip);

/*
 * Take the next "KEY VALUE" pair off @cmdl into *@key and *@val: 1 if
 * there was one, 0 at the end; EXIT_USAGE-worthy errors (no value after
 * the key) print a message, the help through @help, and return -1.
 */
int next_pair(struct cmdl *cmdl, const char **key, const char **val,
	      void (*help)(FILE *f));
/* "unexpected argument" or "KEY given twice": message, help, EXIT_USAGE. */
int usage_error(void (*help)(FILE *f), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int cmd_family(struct cmdl *cmdl);
int cmd_node(struct cmdl *cmdl);
int cmd_group(struct cmdl *cmdl);
int cmd_peer(struct cmdl *cmdl);
int cmd_stats(struct cmdl *cmdl);

#endif
