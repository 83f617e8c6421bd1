// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_hold: helper for vsync_module.sh.  Opens one AF_VSYNC socket,
 * optionally joins a group and reads its first view, reports what it got
 * in a status file, then sleeps until killed (holding the socket, hence a
 * reference on the module and on its network namespace).
 *
 *   vsync_hold [-j GROUP] [-s] [-o STATUSFILE]
 *
 * -s asks for state at the join (VSYNC_STATE): with a donor that sends
 * none, the member then awaits its transfer for as long as it runs.
 *
 * Status line (written to a temporary file, then renamed to STATUSFILE, so
 * a reader never sees half of it):
 *   open family=F                                 (no -j)
 *   view id=ID members=N rank=R port=P family=F   (-j)
 *   error <what> errno=E                           (and exit 1)
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vsync_util.h"

static const char *status_path;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void report(const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	if (!status_path) {
		vprintf(fmt, ap);
		fflush(stdout);
		va_end(ap);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", status_path);
	f = fopen(tmp, "w");
	if (!f) {
		perror(tmp);
		exit(1);
	}
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) || rename(tmp, status_path)) {
		perror(status_path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	union {
		struct vsync_view v;
		char buf[sizeof(struct vsync_view) +
			 VSYNC_MEMBERS_MAX * sizeof(struct vsync_member_id)];
	} u;
	struct timeval tv = { .tv_sec = 20 };
	struct sockaddr_vsync sa;
	socklen_t salen = sizeof(sa);
	const char *group = NULL;
	struct vsync_item it;
	int fam, fd, opt, want = 0;

	while ((opt = getopt(argc, argv, "j:so:")) != -1) {
		switch (opt) {
		case 'j':
			group = optarg;
			break;
		case 's':
			want = 1;
			break;
		case 'o':
			status_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-j GROUP] [-s] [-o STATUSFILE]\n", argv[0]);
			return 2;
		}
	}

	fam = vsync_family();
	if (fam < 0) {
		report("error family errno=%d\n", errno);
		return 1;
	}
	fd = socket(fam, SOCK_RDM, 0);
	if (fd < 0) {
		report("error socket errno=%d\n", errno);
		return 1;
	}
	if (want && setsockopt(fd, SOL_VSYNC, VSYNC_STATE, &want, sizeof(want))) {
		report("error state errno=%d\n", errno);
		return 1;
	}
	if (!group) {
		report("open family=%d\n", fam);
	} else {
		if (vsync_join(fd, group)) {
			report("error join errno=%d\n", errno);
			return 1;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
			report("error rcvtimeo errno=%d\n", errno);
			return 1;
		}
		if (vsync_recv_item(fd, u.buf, sizeof(u.buf), 0, &it) < 0) {
			report("error recv errno=%d\n", errno);
			return 1;
		}
		if (!it.have_info || it.info.kind != VSYNC_KIND_VIEW ||
		    it.ret < (ssize_t)sizeof(struct vsync_view)) {
			report("error first-item-not-a-view errno=0\n");
			return 1;
		}
		if (getsockname(fd, (struct sockaddr *)&sa, &salen)) {
			report("error getsockname errno=%d\n", errno);
			return 1;
		}
		report("view id=%llu members=%u rank=%u port=%u family=%d\n",
		       (unsigned long long)u.v.view_id, u.v.n_members,
		       u.v.my_rank, sa.svs_port, fam);
	}
	for (;;)
		pause();
	return 0;
}
