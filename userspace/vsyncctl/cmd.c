// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Command dispatch, help, and error reporting shared by every object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	if (errno == EPERM)
		return error_msg("%s: %s (changing the af_vsync configuration needs CAP_NET_ADMIN in this network namespace)",
				 what, strerror(errno));
	if (errno == EOPNOTSUPP)
		return error_msg("%s: %s (the af_vsync module does not know this request)",
				 what, strerror(errno));
	return error_msg("%s: %s", what, strerror(errno));
}

int vsync_request(const char *what, uint8_t cmd, int dump, const void *attrs,
		  size_t attrs_len, genl_cb cb, void *arg)
{
	struct genl g;
	uint16_t family;
	int ret = EXIT_OK;

	if (vsync_genl_open(&g, &family) < 0)
		return EXIT_ERR;
	if (genl_call(&g, family, cmd, VSYNC_GENL_VERSION, dump, attrs, attrs_len,
		      cb, arg) < 0)
		ret = genl_error(&g, what);
	genl_close(&g);
	return ret;
}

int parse_ip(const char *s, struct ip_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->len = 16;
		return 0;
	}
	return -1;
}

const char *format_ip(const struct ip_addr *a, char *buf, size_t size)
{
	int af = a->len == 4 ? AF_INET : AF_INET6;

	if ((a->len != 4 && a->len != 16) ||
	    !inet_ntop(af, a->bytes, buf, (socklen_t)size))
		snprintf(buf, size, "none");
	return buf;
}

int nla_ip(const struct nlattr *a, struct ip_addr *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (!a || (nla_len(a) != 4 && nla_len(a) != 16))
		return -1;
	ip->len = nla_len(a);
	memcpy(ip->bytes, nla_data(a), ip->len);
	return 0;
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *val)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take "-1" as a huge number */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*val = v;
	return 0;
}

int next_pair(struct cmdl *cmdl, const char **key, const char **val,
	      void (*help)(FILE *f))
{
	if (cmdl->argc < 1)
		return 0;
	if (cmdl->argc < 2) {
		usage_error(help, "missing value after '%s'", cmdl->argv[0]);
		return -1;
	}
	*key = cmdl->argv[0];
	*val = cmdl->argv[1];
	cmdl->argc -= 2;
	cmdl->argv += 2;
	return 1;
}

int usage_error(void (*help)(FILE *f), const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (help)
		help(stderr);
	return EXIT_USAGE;
}
