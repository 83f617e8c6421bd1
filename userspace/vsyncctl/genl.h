/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal generic netlink client on a raw NETLINK_GENERIC socket:
 * family resolution, one request with its replies (doit or multipart
 * dump), netlink error and extended-ack decoding, attribute helpers.
 *
 * Functions return -1 with errno on error (as the rest of the project);
 * when the kernel attached an extended-ack message it is in g->errmsg.
 */
#ifndef VSYNCCTL_GENL_H
#define VSYNCCTL_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct genl {
	int fd;
	uint32_t portid;
	uint32_t seq;
	void *buf;
	size_t bufsize;
	char errmsg[256];
};

/* Called for each reply message; return -1 (with errno) to stop. */
typedef int (*genl_cb)(const struct nlmsghdr *nlh, void *arg);

int genl_open(struct genl *g);
void genl_close(struct genl *g);

/* Resolve a family name to its id (CTRL_CMD_GETFAMILY); ENOENT if absent. */
int genl_resolve(struct genl *g, const char *name, uint16_t *id);

/*
 * Send one request and feed every reply to @cb.  @dump selects NLM_F_DUMP
 * (replies end with NLMSG_DONE), otherwise an ack is requested and ends
 * the exchange.  @attrs/@attrs_len are the request's attributes (may be
 * empty).
 */
int genl_call(struct genl *g, uint16_t family, uint8_t cmd, uint8_t version,
	      int dump, const void *attrs, size_t attrs_len, genl_cb cb, void *arg);

/* Append an attribute to @buf (@size bytes, @off used); ENOSPC if full. */
int nla_append(void *buf, size_t size, size_t *off, uint16_t type,
	       const void *data, size_t len);

/*
 * Open a nested attribute (NLA_F_NESTED is set: the kernel checks nests
 * strictly) and return its offset in *@start; close it with nla_nest_end()
 * once its attributes are appended.
 */
int nla_nest_start(void *buf, size_t size, size_t *off, uint16_t type, size_t *start);
void nla_nest_end(void *buf, size_t start, size_t off);

/* The attributes of a generic netlink message (after the genl header). */
const void *genl_attrs(const struct nlmsghdr *nlh, size_t *len);

/*
 * Next attribute in a stream at *@off; NULL at the end.  A malformed
 * stream ends the walk and sets *@bad.
 */
const struct nlattr *nla_next(const void *data, size_t len, size_t *off, int *bad);

/* Index the attributes with type <= @max into @tb (last one wins). */
int nla_parse(const struct nlattr **tb, unsigned int max, const void *data, size_t len);

static inline const void *nla_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline size_t nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* Getters: 0 / "" when the attribute is absent or too short. */
uint32_t nla_u32(const struct nlattr *a);
uint64_t nla_u64(const struct nlattr *a);
uint16_t nla_u16(const struct nlattr *a);
uint8_t nla_u8(const struct nlattr *a);
/* Copy a string attribute into @buf (NUL-terminated, truncated). */
const char *nla_str(const struct nlattr *a, char *buf, size_t size);

#endif
