/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels af_vsync builds for (Debian's 6.1 and
 * 6.12): each is absorbed here, so the rest of the module reads as 6.12.
 */
#ifndef _VSYNC_COMPAT_H
#define _VSYNC_COMPAT_H

#include <linux/version.h>

#endif /* _VSYNC_COMPAT_H */
