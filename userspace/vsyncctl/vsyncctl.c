// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsyncctl: inspect AF_VSYNC from the command line.
 *
 *   vsyncctl [-j [-p]] family
 *   vsyncctl [-j [-p]] node show
 *   vsyncctl node set [id N] [cluster C] [addr A] [port P]
 *   vsyncctl [-j [-p]] peer show
 *   vsyncctl peer add|del addr A [port P]
 *   vsyncctl [-j [-p]] group show [NAME]
 *   vsyncctl [-j [-p]] stats show [NAME]
 *
 * This file holds main(), the global options and the "family" object; the
 * other objects live in one file each (node.c, peer.c, group.c, stats.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vsync.h>

#include "json.h"
#include "vsyncctl.h"

#ifndef VSYNC_VERSION
#define VSYNC_VERSION "unknown"
#endif

int json;
const char *progname = "vsyncctl";

static void family_help(FILE *f)
{
	fprintf(f,
		"Usage: %s family [show]\n\n"
		"Print the address family number the af_vsync module registered\n"
		"(read from %s).\n",
		progname, VSYNC_FAMILY_SYSFS);
}

int cmd_family(struct cmdl *cmdl)
{
	char text[32], *end;
	ssize_t n;
	long val;
	int fd;

	if (wants_help(cmdl)) {
		family_help(stdout);
		return EXIT_OK;
	}
	if (cmdl->argc > 0 && !strcmp(cmdl->argv[0], "show")) {
		cmdl->argc--;
		cmdl->argv++;
	}
	if (cmdl->argc > 0) {
		if (wants_help(cmdl)) {
			family_help(stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "%s: unexpected argument '%s'\n", progname, cmdl->argv[0]);
		family_help(stderr);
		return EXIT_USAGE;
	}

	fd = open(VSYNC_FAMILY_SYSFS, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return error_msg("af_vsync module is not loaded (%s does not exist)",
					 VSYNC_FAMILY_SYSFS);
		return error_msg("%s: %s", VSYNC_FAMILY_SYSFS, strerror(errno));
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return error_msg("%s: %s", VSYNC_FAMILY_SYSFS, strerror(errno));
	text[n] = '\0';
	errno = 0;
	val = strtol(text, &end, 10);
	if (errno || end == text || val < 1 || val > 65535)
		return error_msg("%s: unexpected content", VSYNC_FAMILY_SYSFS);

	if (json) {
		jw_object_open(NULL);
		jw_u64("family", (uint64_t)val);
		jw_object_close();
		jw_end();
	} else {
		printf("%ld\n", val);
	}
	return EXIT_OK;
}

static const struct cmd objects[] = {
	{ "family", cmd_family, "the AF_VSYNC address family number" },
	{ "node", cmd_node, "this node (network namespace)" },
	{ "peer", cmd_peer, "the other nodes this node knows" },
	{ "group", cmd_group, "groups with members on this node" },
	{ "stats", cmd_stats, "this node's counters" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] OBJECT COMMAND [ARGS]\n\n"
		"OPTIONS\n"
		"  -j, --json     print JSON\n"
		"  -p, --pretty   print indented JSON (implies -j)\n"
		"  -h, --help     print this help\n"
		"  -V, --version  print the version\n\n"
		"OBJECTS\n", progname);
	for (const struct cmd *c = objects; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	fprintf(f, "  %-10s %s\n\n", "help", "print this help");
	fprintf(f, "Run '%s OBJECT help' for the commands of an object.\n", progname);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmdl cmdl;
	int c;

	while ((c = getopt_long(argc, argv, "+jphV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			json = 1;
			jw_set_pretty(1);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s (generic netlink \"%s\" version %d)\n", progname,
			       VSYNC_VERSION, VSYNC_GENL_NAME, VSYNC_GENL_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	cmdl.argc = argc - optind;
	cmdl.argv = argv + optind;
	if (cmdl.argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (wants_help(&cmdl)) {
		usage(stdout);
		return EXIT_OK;
	}
	c = run_cmd(objects, &cmdl, progname);
	if (fflush(stdout) == EOF && c == EXIT_OK)
		c = error_msg("writing output: %s", strerror(errno));
	return c;
}
