/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels af_vsync builds for (Debian's 6.1 and
 * 6.12): each is absorbed here, so the rest of the module reads as 6.12.
 */
#ifndef _VSYNC_COMPAT_H
#define _VSYNC_COMPAT_H

#include <linux/version.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

/* 6.11 made the table argument of sysctl handlers const. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define VSYNC_CTL_CONST const
#else
#define VSYNC_CTL_CONST
#endif

/*
 * 6.6 takes the table size at registration; from 6.11 on the size is all
 * there is (no terminating empty entry is read), and register_net_sysctl()
 * only works on an array of known size, not a per-netns copy.
 */
static inline struct ctl_table_header *
vsync_register_net_sysctl(struct net *net, const char *path,
			  struct ctl_table *table, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

#endif /* _VSYNC_COMPAT_H */
