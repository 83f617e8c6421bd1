// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_nocap: run a command without CAP_NET_ADMIN (still uid 0, every
 * other capability kept), or with -u as uid/gid 65534 and no capability
 * at all.  The test VM has no su/setpriv/capsh.
 *
 *   vsync_nocap [-u] COMMAND [ARG]...
 *
 * CAP_NET_ADMIN leaves the bounding set first, so the exec of a root
 * program does not give it back; then the inheritable, permitted,
 * effective and ambient sets.  Exit status 126 if that fails, 127 if the
 * exec fails; otherwise the command's.
 */
#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static int capget_set(int clear_all)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int idx = CAP_NET_ADMIN / 32;
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	if (clear_all) {
		memset(data, 0, sizeof(data));
	} else {
		data[idx].effective &= ~bit;
		data[idx].permitted &= ~bit;
		data[idx].inheritable &= ~bit;
	}
	return (int)syscall(SYS_capset, &hdr, data);
}

static int has_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	return !!(data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32)));
}

int main(int argc, char **argv)
{
	int user = 0;

	if (argc > 1 && !strcmp(argv[1], "-u")) {
		user = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: vsync_nocap [-u] COMMAND [ARG]...\n");
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) < 0) {
		perror("vsync_nocap: PR_CAPBSET_DROP");
		return 126;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (user) {
		gid_t g = 65534;

		/* no PR_SET_KEEPCAPS: leaving uid 0 clears every set */
		if (setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 ||
		    setresuid(65534, 65534, 65534) < 0) {
			perror("vsync_nocap: setuid 65534");
			return 126;
		}
	} else if (capget_set(0) < 0) {
		perror("vsync_nocap: capset");
		return 126;
	}
	if (has_net_admin() != 0) {
		fprintf(stderr, "vsync_nocap: CAP_NET_ADMIN is still effective\n");
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "vsync_nocap: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
