// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_wire_fuzz: a libFuzzer target for af_vsync's packet validator,
 * kmod/msg.c built for userspace (as for vsync_inject_wirecheck).
 *
 * Each input is one UDP payload.  The validator must give it a verdict
 * without reading past it, and a packet it lets through must keep in
 * bounds every read the module makes of it afterwards: the harness makes
 * those reads (entry names, extension words and message bytes, group
 * state and counter tables, node lists and maps) on a copy that ends
 * where the packet's last word ends, under AddressSanitizer.  The cluster
 * and own node id are taken from the packet, so that inputs reach the
 * checks past the header.
 *
 * Built with clang -fsanitize=fuzzer,address,undefined and run by
 * `make fuzz` (FUZZ_SECS), from a corpus of valid packets of every type
 * that vsync_inject_wirecheck writes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* where the reads go: seen outside, so that they are made */
uint32_t vsync_fuzz_sink;

static void touch(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		vsync_fuzz_sink += *c++;
}

/* what group.c, xfer.c and order.c read of an entry that passed */
static void read_entry(u32 type, const __be32 *e, u32 len)
{
	u32 i, w, flags;

	switch (type) {
	case VSYNC_ENT_JOIN:
	case VSYNC_ENT_LEAVE:
	case VSYNC_ENT_DATA:
	case VSYNC_ENT_REPLAY:
		flags = ent_flags(e);
		touch(ent_name(e), ent_name_len(e));
		vsync_fuzz_sink += ent_node(e) + ent_port(e) + ent_order(e) +
			(u32)ent_seq(e);
		if (flags & VSYNC_EF_FRAG)
			vsync_fuzz_sink += ent_frag_total(e) + ent_frag_off(e);
		if (flags & VSYNC_EF_DEST)
			vsync_fuzz_sink += ent_dest_node(e) + ent_dest_port(e);
		if (flags & VSYNC_EF_STATE)
			vsync_fuzz_sink += (u32)ent_xfer(e);
		if (flags & VSYNC_EF_CAUSE)
			vsync_fuzz_sink += (u32)ent_cause(e);
		touch((const char *)e + ent_data_off(e),
		      len - ent_data_off(e));
		break;
	case VSYNC_ENT_GSTATE:
		touch(ent_gs_name(e), ent_name_len(e));
		vsync_fuzz_sink += (u32)ent_gs_view(e) + (u32)ent_gs_gseq(e);
		for (i = 0; i < ent_gs_count(e); i++) {
			w = ent_gs_member(e, i);
			vsync_fuzz_sink += msg_word(e, w) + msg_word(e, w + 1) +
				(u32)ent_gs_xfer(e, i) +
				ent_gs_donor_node(e, i) +
				ent_gs_donor_port(e, i);
		}
		break;
	case VSYNC_ENT_SYNC:
		for (i = 0; i < ent_sync_count(e); i++)
			vsync_fuzz_sink += ent_sync_node(e, i) +
					   (u32)ent_sync_sub(e, i);
		break;
	}
}

/* what membership.c reads of a view change message that passed */
static void read_view(const __be32 *h)
{
	u32 i;

	switch (msg_type(h)) {
	case VSYNC_MSG_PROPOSE:
	case VSYNC_MSG_COMMIT:
		for (i = 0; i < msg_view_count(h); i++)
			vsync_fuzz_sink += msg_view_node(h, i) +
					   msg_view_continues(h, i);
		break;
	case VSYNC_MSG_ACCEPT:
		for (i = 0; i < msg_accept_lp_count(h) +
			     msg_accept_amb_count(h); i++)
			vsync_fuzz_sink += msg_accept_node(h, i);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the module's copy is word-aligned and has the last word whole */
	size_t room = (size + 3) & ~(size_t)3;
	u32 cluster = 0, self = 1;
	__be32 *h;

	if (size > VSYNC_ENT_DATA_MAX + 1024)
		return 0;
	h = calloc(1, room ? room : 4);
	if (!h)
		return 0;
	memcpy(h, data, size);
	if (size >= VSYNC_BASE_BYTES) {
		cluster = msg_cluster(h);
		self = msg_dst(h) ? msg_dst(h) : msg_src(h) + 1;
	}
	if (vsync_msg_validate(h, (unsigned int)size, cluster, self) ==
	    VSYNC_MSG_OK) {
		if (msg_type(h) == VSYNC_MSG_SUBMIT ||
		    msg_type(h) == VSYNC_MSG_ORDER)
			read_entry(msg_flags(h), h + msg_hwords(h),
				   msg_plen(h));
		else
			read_view(h);
	}
	free(h);
	return 0;
}
