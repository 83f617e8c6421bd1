/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kmod/msg.h and kmod/msg.c need from the kernel, for their userspace
 * build in vsync_inject_wirecheck (force-included before anything else).
 */
#ifndef VSYNC_WIRE_SHIM_H
#define VSYNC_WIRE_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define be32_to_cpu(x) ntohl(x)
#define cpu_to_be32(x) htonl(x)
#define fallthrough __attribute__((__fallthrough__))

#endif
