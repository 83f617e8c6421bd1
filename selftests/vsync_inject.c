// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_inject: send malformed af_vsync packets at a node's UDP port, from
 * an ordinary UDP socket (run it in a netns of its own on the cluster's
 * bridge).  Each malformed kind breaks exactly one rule of the wire format
 * (kmod/msg.h), all other fields being those of a valid packet of its
 * type, so each kind maps to one drop counter of the receiver.
 *
 * Other kinds are valid, or random: "stranger_*" are well-formed ordering
 * packets (SUBMIT, ORDER, ACK) from this program's own node id, which is in
 * no view of the cluster, with random submission ids, positions, epochs
 * and views; the receiver must take them past its validator and then
 * ignore them.  "mutant_*" are such packets damaged: cut short or
 * lengthened (always refused), or with a few bits flipped (any verdict).
 *
 *   vsync_inject -t ADDR [-p PORT] [-k KIND[,KIND...]|all] [-n COUNT]
 *                [-T SECS [-R RATE]] [-c CLUSTER] [-d TARGET_ID] [-S SRC_ID]
 *                [-g GROUP] [-V VIEW] [-r SEED] [-i USECS] [-l]
 *
 *   -t ADDR    target address (IPv4 or IPv6)
 *   -p PORT    target UDP port (default 7410)
 *   -k KINDS   comma-separated kinds, or "all" (every malformed kind, the
 *              default; not "valid", "stranger_*" nor "mutant_*")
 *   -n COUNT   packets per kind (default 50), sent kind after kind
 *   -T SECS    instead: send for SECS seconds, or until SIGTERM or SIGINT
 *              (a test may stop it once it saw what it waited for), each
 *              packet of a kind drawn at random among KINDS
 *   -R RATE    with -T: packets per second (default 1000)
 *   -c CLUSTER the target's cluster id (default 0)
 *   -d ID      the target's node id (for "self", "dst" and the origins of
 *              stranger entries; default 1)
 *   -S ID      source node id of the packets (default 4000000001)
 *   -g GROUP   group named in the entries (default "vsync-inject"): the
 *              name of a live group makes a wrongly applied entry visible
 *              to its members
 *   -V VIEW    stranger packets carry this epoch or view id, and ORDER
 *              positions count up from 1, instead of random ones.  With
 *              the target's installed view id this shows whether it takes
 *              ordering packets from a node outside its view; not for the
 *              selftests, which expect the packets ignored
 *   -r SEED    random seed (default: the pid)
 *   -i USECS   without -T: pause between packets (default 300), since a
 *              burst bigger than the veth backlog would be lost before it
 *              reaches the node
 *   -l         list the kinds and the counter each must raise, and exit
 *
 * Output: one line per kind sent, "KIND COUNTER SENT", where COUNTER is
 * the receiver's counter that must grow by at least SENT: "any_drop" is the
 * sum of the drop_* counters, "rx_packets" (packets that passed, or may
 * have passed, validation) only says they arrived.
 * Exit status 0 if every packet was sent (with -T: if some were), 1
 * otherwise, 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/vsync.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * The wire format, restated here from kmod/msg.h on purpose (an
 * independent reading of it).  "make -C selftests wire-check" (also built
 * into the VM as vsync_inject_wirecheck) runs every kind through the
 * kernel's own vsync_msg_validate() and fails if the two disagree, so a
 * change of the format shows up as that, not as odd counters.
 */
#define WIRE_VERSION	1
#define BASE_WORDS	6
#define HB_WORDS	13	/* w6 interval, w7-8 view, w9 coordinator, */
				/* w10 flags | count << 8, w11-12 max view */
#define VIEW_WORDS	15	/* w6-7 id, w8 flags, w9 count, w10-11 */
				/* final, w12-13 previous view, w14 unstable */
#define ACCEPT_WORDS	14	/* w6-7 id, w8-9 installed, w10-11 applied, w12-13 stable */
#define ACCEPT_PWORDS	6	/* payload: last and newer primary views */
#define SUBMIT_WORDS	10	/* w6-7 submission, w8-9 view */
#define ORDER_WORDS	15	/* w6-7 epoch, w8-9 seq, w10-11 stable, */
				/* w12 origin, w13-14 submission */
#define ACK_WORDS	14	/* w6-7 view, w8-9 applied, w10-11 stable, */
				/* w12-13 delivered */

#define TYPE_HEARTBEAT	1
#define TYPE_PROPOSE	2
#define TYPE_ACCEPT	3
#define TYPE_COMMIT	4
#define TYPE_SUBMIT	5
#define TYPE_ORDER	6
#define TYPE_ACK	7
#define TYPE_UNKNOWN	0xf0	/* types from here up are assumed unused */

#define ENT_JOIN	1
#define ENT_LEAVE	2
#define ENT_DATA	3
#define ENT_GSTATE	4
#define ENT_SYNC	5
#define ENT_REPLAY	6
/* entry flags, e0 bits 16-23 */
#define EF_FRAG		0x01
#define EF_DEST		0x02
#define EF_STATE	0x04
#define EF_STATE_END	0x08
#define EF_WANT_STATE	0x10
#define EF_CAUSE	0x20
#define ENT_WORDS	5	/* e0 name length | class << 8, e1-2 member, */
				/* e3-4 sender sequence, then the name */
#define GS_WORDS	6	/* e0 name length, e1-2 view, e3-4 gseq, */
				/* e5 count, then the name, then members */
#define GS_MWORDS	6	/* a member: node, port, xfer (2 words), */
				/* its donor's node and port */

#define NVIEW_PRIMARY	0x1
#define NVIEW_FROZEN	0x2	/* heartbeats only */
#define ACK_GAP		0x1
#define NODES_MAX	64

#define GARBAGE_MAX	1024	/* longest garbage packet */
/* room for the longest kind: a group state of 1025 members */
#define PKT_BUF		32768

#define SUB_OFF		(SUBMIT_WORDS * 4)
#define ORD_OFF		(ORDER_WORDS * 4)

/* what a kind's packets must do to the receiver */
enum expect {
	EXP_COUNTER,	/* raise the named drop counter */
	EXP_ANY_DROP,	/* raise some drop counter */
	EXP_VALID,	/* pass the validator */
	EXP_MAYBE,	/* anything: damaged at random */
};

struct kind {
	const char *name;
	const char *counter;
	/* build packet number @i into @p (zeroed); returns its length */
	size_t (*build)(unsigned char *p, unsigned int i);
	enum expect expect;
	int in_all;
};

static uint32_t cluster, target_id = 1, src_id = 4000000001u;
static const char *gname = "vsync-inject";
static uint64_t fixed_view;	/* -V: 0 for random views */
static uint64_t next_seq = 1;	/* -V: the next ORDER position */
static uint32_t rnd_state;
static int stop_flag;		/* -T: SIGTERM or SIGINT came */

static uint32_t rnd(void)
{
	/* xorshift32: reproducible with -r */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static uint64_t rnd64(void)
{
	uint64_t hi = rnd();

	return hi << 32 | rnd();
}

static void put32(unsigned char *p, unsigned int w, uint32_t v)
{
	v = htonl(v);
	memcpy(p + 4 * w, &v, 4);
}

static void put64(unsigned char *p, unsigned int w, uint64_t v)
{
	put32(p, w, v >> 32);
	put32(p, w + 1, (uint32_t)v);
}

static uint32_t word0(uint32_t version, uint32_t words, uint32_t type, uint32_t flags)
{
	return (version & 0xf) << 28 | (words & 0xf) << 24 | (type & 0xff) << 16 | (flags & 0xffff);
}

/* a view id: a counter in the high half, the node that made it low */
static uint64_t view_id(uint32_t counter, uint32_t maker)
{
	return (uint64_t)counter << 32 | maker;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* the base header of every packet from us, to every node */
static void hdr(unsigned char *p, uint32_t type, uint32_t words, uint32_t flags, uint32_t plen)
{
	put32(p, 0, word0(WIRE_VERSION, words, type, flags));
	put32(p, 1, cluster);
	put32(p, 2, src_id);
	put32(p, 3, 0);
	put32(p, 4, 0x5eed0001);
	put32(p, 5, plen);
}

/*
 * A valid heartbeat, no payload: interval, the one-node primary view
 * (counter 1, made by the sender) it is in, and the same as the highest
 * view seen.
 */
static size_t valid_hb(unsigned char *p, uint32_t interval)
{
	hdr(p, TYPE_HEARTBEAT, HB_WORDS, 0, 0);
	put32(p, 6, interval);
	put64(p, 7, view_id(1, src_id));	/* made by the sender */
	put32(p, 9, src_id);			/* acting coordinator */
	put32(p, 10, 1 << 8 | NVIEW_PRIMARY);	/* one node */
	put64(p, 11, view_id(1, src_id));	/* highest seen: the same */
	return HB_WORDS * 4;
}

/* A JOIN, LEAVE or DATA entry, to be written by put_ment(). */
struct ment {
	uint32_t type;
	uint32_t name_len;	/* as announced in e0 */
	const char *name;	/* name_len bytes of it are written */
	uint32_t cls;		/* DATA: ordering class */
	uint32_t node, port;
	uint64_t seq;		/* DATA: sender sequence */
	size_t msg_len;		/* DATA: message bytes */
};

/* The entry kinds start from: member (@node, port) in the group -g. */
static void ment_init(struct ment *m, uint32_t type, uint32_t node, unsigned int i)
{
	m->type = type;
	m->name = gname;
	m->name_len = (uint32_t)strlen(gname);
	m->node = node;
	m->port = 1 + i % 1000;
	m->cls = type == ENT_DATA ? VSYNC_ORDER_FIFO + i % 4 : 0;
	m->seq = type == ENT_DATA ? 1 + i : 0;
	/* odd lengths too: only a message may end off a word boundary */
	m->msg_len = type == ENT_DATA ? i % 37 : 0;
}

/* Write @m at @e; returns its length. */
static size_t put_ment(unsigned char *e, const struct ment *m)
{
	size_t off = ENT_WORDS * 4, k;

	put32(e, 0, (m->name_len & 0xff) | m->cls << 8);
	put32(e, 1, m->node);
	put32(e, 2, m->port);
	put64(e, 3, m->seq);
	memcpy(e + off, m->name, m->name_len);
	memset(e + off + m->name_len, 0, pad4(m->name_len) - m->name_len);
	off += pad4(m->name_len);
	for (k = 0; k < m->msg_len; k++)
		e[off + k] = (unsigned char)(0x41 + k % 26);
	return off + m->msg_len;
}

/* A group state of @n members at @e (no more than room allows); its length. */
static size_t put_gstate(unsigned char *e, uint32_t n, uint64_t view)
{
	size_t nlen = strlen(gname), off = GS_WORDS * 4 + pad4(nlen);
	uint32_t k;

	put32(e, 0, (uint32_t)nlen);
	put64(e, 1, view);
	put64(e, 3, 1 + n);		/* global sequence */
	put32(e, 5, n);
	memcpy(e + GS_WORDS * 4, gname, nlen);
	/* node, port, no state transfer awaited (xfer 0, donor 0:0) */
	memset(e + off, 0, GS_MWORDS * 4 * (size_t)n);
	for (k = 0; k < n; k++) {
		put32(e + off, GS_MWORDS * k, 100 + k);		/* node */
		put32(e + off, GS_MWORDS * k + 1, 1 + k);	/* port */
	}
	return off + GS_MWORDS * 4 * (size_t)n;
}

/* Submission counters of @n nodes at @e; its length. */
static size_t put_sync(unsigned char *e, uint32_t n)
{
	uint32_t k;

	put32(e, 0, n);
	for (k = 0; k < n; k++) {
		put32(e, 1 + 3 * k, 100 + k);
		put64(e, 2 + 3 * k, 7 * (uint64_t)k);
	}
	return 4 + 12 * (size_t)n;
}

/* The SUBMIT of @m: submission @sub, sent in @view. */
static size_t submit_of(unsigned char *p, const struct ment *m, uint64_t sub, uint64_t view)
{
	size_t plen = put_ment(p + SUB_OFF, m);

	hdr(p, TYPE_SUBMIT, SUBMIT_WORDS, m->type, (uint32_t)plen);
	put64(p, 6, sub);
	put64(p, 8, view);
	return SUB_OFF + plen;
}

struct ord {
	uint32_t type;		/* of the entry */
	uint64_t epoch, seq, stable;
	uint32_t origin;
	uint64_t sub;
};

/* The ORDER header around the @plen bytes of entry already at ORD_OFF. */
static size_t order_of(unsigned char *p, const struct ord *o, size_t plen)
{
	hdr(p, TYPE_ORDER, ORDER_WORDS, o->type, (uint32_t)plen);
	put64(p, 6, o->epoch);
	put64(p, 8, o->seq);
	put64(p, 10, o->stable);
	put32(p, 12, o->origin);
	put64(p, 13, o->sub);
	return ORD_OFF + plen;
}

/* An ORDER position kinds start from: entry @i of view 3 of node 1. */
static void ord_init(struct ord *o, uint32_t type, uint32_t origin, unsigned int i)
{
	o->type = type;
	o->epoch = view_id(3, 1);
	o->seq = 10 + i;
	o->stable = i % 10;
	o->origin = origin;
	o->sub = origin ? 1 + i : 0;
}

/* @m as a SUBMIT (even @i) or as an ORDER of its node's submission */
static size_t ment_pkt(unsigned char *p, const struct ment *m, unsigned int i)
{
	struct ord o;

	if (i % 2 == 0)
		return submit_of(p, m, 1 + i, view_id(3, 1));
	ord_init(&o, m->type, m->node, i);
	return order_of(p, &o, put_ment(p + ORD_OFF, m));
}

/* A valid ORDER of a group state (@gs) or of counters, origin 0. */
static size_t sys_order(unsigned char *p, int gs, uint32_t n, unsigned int i)
{
	struct ord o;

	ord_init(&o, gs ? ENT_GSTATE : ENT_SYNC, 0, i);
	return order_of(p, &o, gs ? put_gstate(p + ORD_OFF, n, view_id(2, 1)) :
				    put_sync(p + ORD_OFF, n));
}

/* A valid PROPOSE or COMMIT of @n nodes, made by us; bitmap: all continue. */
static size_t valid_view(unsigned char *p, uint32_t type, uint32_t n)
{
	uint32_t maps = (n + 31) / 32, k;

	hdr(p, type, VIEW_WORDS, 0, (n + maps) * 4);
	put64(p, 6, view_id(5, src_id));
	put32(p, 8, NVIEW_PRIMARY);
	put32(p, 9, n);
	put64(p, 10, type == TYPE_COMMIT ? 42 : 0);
	put64(p, 12, view_id(4, src_id));
	/* nodes other than the target: a proposal without it is void there */
	for (k = 0; k < n; k++)
		put32(p, VIEW_WORDS + k, k ? 4000000100u + k : src_id);
	for (k = 0; k < maps; k++)
		put32(p, VIEW_WORDS + n + k, n - 32 * k >= 32 ? ~0u : (1u << (n % 32)) - 1);
	return (VIEW_WORDS + n + maps) * 4;
}

/*
 * The payload names the primary views the sender knows: the last it
 * installed (p0-p2: id, count) and a newer one it accepted (p3-p5), then
 * their node ids; either may be none (id and count 0).
 */
static size_t valid_accept(unsigned char *p, unsigned int i)
{
	uint32_t a = i % 2 ? 3 : 0, b = i % 4 == 3 ? 2 : 0, k;
	const uint32_t pw = ACCEPT_WORDS;

	hdr(p, TYPE_ACCEPT, ACCEPT_WORDS, 0, (ACCEPT_PWORDS + a + b) * 4);
	put64(p, 6, view_id(6, 1));
	/* no history yet (0) is valid too */
	put64(p, 8, i % 3 ? view_id(5, 1) : 0);
	put64(p, 10, i);
	put64(p, pw, a ? view_id(2, 1) : 0);
	put32(p, pw + 2, a);
	put64(p, pw + 3, b ? view_id(3, 1) : 0);
	put32(p, pw + 5, b);
	for (k = 0; k < a + b; k++)
		put32(p, pw + ACCEPT_PWORDS + k, 1 + k);
	return (ACCEPT_WORDS + ACCEPT_PWORDS + a + b) * 4;
}

static size_t valid_ack(unsigned char *p, unsigned int i)
{
	hdr(p, TYPE_ACK, ACK_WORDS, i % 2 ? ACK_GAP : 0, 0);
	put64(p, 6, view_id(3, 1));
	put64(p, 8, i);
	return ACK_WORDS * 4;
}

/* --- the first kinds: base header and heartbeat ----------------------- */

static size_t b_garbage(unsigned char *p, unsigned int i)
{
	size_t len = 24 + rnd() % (GARBAGE_MAX - 24), k;

	(void)i;
	for (k = 0; k < len; k++)
		p[k] = (unsigned char)rnd();
	return len;
}

static size_t b_short(unsigned char *p, unsigned int i)
{
	size_t len = i % 24;	/* 0..23 bytes: below the base header */

	valid_hb(p, 100);
	return len;
}

static size_t b_version(unsigned char *p, unsigned int i)
{
	static const uint32_t bad[] = { 0, 2, 3, 15 };

	valid_hb(p, 100);
	put32(p, 0, word0(bad[i % 4], HB_WORDS, TYPE_HEARTBEAT, 0));
	return HB_WORDS * 4;
}

static size_t b_header(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	switch (i % 4) {
	case 0:	/* below the base header */
		put32(p, 0, word0(WIRE_VERSION, i % BASE_WORDS, TYPE_HEARTBEAT, 0));
		break;
	case 1:	/* longer than the packet */
		put32(p, 0, word0(WIRE_VERSION, 15, TYPE_HEARTBEAT, 0));
		break;
	case 2:	/* one word more announced than sent, plen 0 */
		put32(p, 0, word0(WIRE_VERSION, HB_WORDS + 1, TYPE_HEARTBEAT, 0));
		break;
	default: /* base size, but a heartbeat needs more: the rest is payload */
		put32(p, 0, word0(WIRE_VERSION, BASE_WORDS, TYPE_HEARTBEAT, 0));
		put32(p, 5, (HB_WORDS - BASE_WORDS) * 4);
		break;
	}
	return len;
}

static size_t b_length(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100), extra = 16;

	memset(p + len, 0xab, extra);
	switch (i % 4) {
	case 0:
		put32(p, 5, extra + 1);
		break;
	case 1:
		put32(p, 5, extra - 1);
		break;
	case 2:
		put32(p, 5, 0xffffffffu);
		break;
	default:
		put32(p, 5, 0);
		break;
	}
	return len + extra;
}

static size_t b_type(unsigned char *p, unsigned int i)
{
	static const uint32_t bad[] = { 0, TYPE_UNKNOWN, 0xfe, 0xff, 0xf7 };

	valid_hb(p, 100);
	put32(p, 0, word0(WIRE_VERSION, HB_WORDS, bad[i % 5], 0));
	return HB_WORDS * 4;
}

static size_t b_cluster(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	put32(p, 1, cluster + 1 + (i % 3 == 2 ? 0x7fffffff : i % 3));
	return len;
}

static size_t b_srczero(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	(void)i;
	put32(p, 2, 0);
	return len;
}

static size_t b_dst(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	/* addressed to another node (never 0, never the target) */
	put32(p, 3, target_id + 1 + i % 7 ? target_id + 1 + i % 7 : 2);
	return len;
}

static size_t b_self(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	(void)i;
	put32(p, 2, target_id);
	return len;
}

/* a heartbeat field out of range, one per packet */
static size_t b_field(unsigned char *p, unsigned int i)
{
	static const uint32_t bad_interval[] = { 0, 9, 10001, 0xffffffffu };
	size_t len = valid_hb(p, 100);

	switch (i % 9) {
	case 8:	/* the highest view seen below the view it is in */
		put32(p, 11, 0);
		break;
	case 4:	/* unknown view flag */
		put32(p, 10, 1 << 8 | 0x80);
		break;
	case 5:	/* a view of no node */
		put32(p, 10, 1);
		break;
	case 6:	/* view counter 0 */
		put32(p, 7, 0);
		break;
	case 7:	/* no coordinator */
		put32(p, 9, 0);
		break;
	default:
		put32(p, 6, bad_interval[i % 4]);
		break;
	}
	return len;
}

static size_t b_valid(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);

	if (i % 2)	/* addressed to the target: also valid */
		put32(p, 3, target_id);
	if (i % 4 >= 2)	/* in a flush: a flag only heartbeats may carry */
		put32(p, 10, 1 << 8 | NVIEW_PRIMARY | NVIEW_FROZEN);
	return len;
}

/* --- headers too short for their type: drop_header -------------------- */

/*
 * The packet built by @build announces fewer header words than its type
 * needs (the words it lacks count as payload, so the length agrees), or
 * the full size in a packet cut inside the header.
 */
static size_t short_header(unsigned char *p, size_t len, uint32_t min_words, unsigned int i)
{
	uint32_t words = BASE_WORDS + (i / 2) % (min_words - BASE_WORDS);
	uint32_t w0;

	memcpy(&w0, p, 4);
	w0 = ntohl(w0) & ~(0xfu << 24);
	if (i % 2) {
		len = 4 * (words + (i % 3 == 0));	/* at least one word short */
		if (len >= min_words * 4)
			len = min_words * 4 - 1;
		put32(p, 0, w0 | min_words << 24);
		put32(p, 5, 0);
		return len;
	}
	put32(p, 0, w0 | words << 24);
	put32(p, 5, (uint32_t)(len - 4 * words));
	return len;
}

static size_t b_submit_header(unsigned char *p, unsigned int i)
{
	struct ment m;
	size_t len;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	len = submit_of(p, &m, 1 + i, view_id(3, 1));
	return short_header(p, len, SUBMIT_WORDS, i);
}

static size_t b_order_header(unsigned char *p, unsigned int i)
{
	struct ment m;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	return short_header(p, ment_pkt(p, &m, 1), ORDER_WORDS, i);
}

static size_t b_ack_header(unsigned char *p, unsigned int i)
{
	return short_header(p, valid_ack(p, i), ACK_WORDS, i);
}

/* ACCEPT grew from 10 to 14 words: an old-sized one is short now */
static size_t b_accept_header(unsigned char *p, unsigned int i)
{
	return short_header(p, valid_accept(p, i), ACCEPT_WORDS, i);
}

static size_t b_view_header(unsigned char *p, unsigned int i)
{
	size_t len = valid_view(p, i % 4 < 2 ? TYPE_PROPOSE : TYPE_COMMIT, 1 + i % 5);

	return short_header(p, len, VIEW_WORDS, i);
}

/* --- payload length disagreeing with the packet: drop_length ---------- */

static size_t bad_plen(unsigned char *p, size_t len, uint32_t words, unsigned int i)
{
	static const int delta[] = { 1, -1, 4, -4, 64 };
	uint32_t plen = (uint32_t)(len - words * 4);

	switch (i % 7) {
	case 5:
		put32(p, 5, 0);
		break;
	case 6:
		put32(p, 5, 0xffffffffu);
		break;
	default:
		put32(p, 5, plen + delta[i % 7]);
		break;
	}
	return len;
}

static size_t b_submit_length(unsigned char *p, unsigned int i)
{
	struct ment m;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	return bad_plen(p, submit_of(p, &m, 1 + i, view_id(3, 1)), SUBMIT_WORDS, i);
}

static size_t b_order_length(unsigned char *p, unsigned int i)
{
	struct ment m;

	if (i % 3 == 2)
		return bad_plen(p, sys_order(p, i % 2, 3, i), ORDER_WORDS, i);
	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	return bad_plen(p, ment_pkt(p, &m, 1), ORDER_WORDS, i);
}

/* --- entries: drop_field ---------------------------------------------- */

/* entry types a SUBMIT or an ORDER cannot carry */
static size_t b_ent_type(unsigned char *p, unsigned int i)
{
	/* a node submits only its members' entries */
	static const uint32_t sub_bad[] = { 0, ENT_GSTATE, ENT_SYNC, 6, 0x8001 };
	static const uint32_t ord_bad[] = { 0, 6, 0xff, 0xffff };
	struct ment m;
	size_t len;

	ment_init(&m, ENT_JOIN, src_id, i);
	len = ment_pkt(p, &m, i);
	if (i % 2 == 0)
		put32(p, 0, word0(WIRE_VERSION, SUBMIT_WORDS, TYPE_SUBMIT, sub_bad[i / 2 % 5]));
	else
		put32(p, 0, word0(WIRE_VERSION, ORDER_WORDS, TYPE_ORDER, ord_bad[i / 2 % 4]));
	return len;
}

/* group names: 1..63 bytes, no NUL, padded with zeros */
static size_t b_ent_name(unsigned char *p, unsigned int i)
{
	static const char long_name[] =
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	size_t name_off = (i % 2 ? ORD_OFF : SUB_OFF) + ENT_WORDS * 4, len;
	struct ment m;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	/* a name that needs padding */
	m.name = "grp";
	m.name_len = 3;
	switch (i / 2 % 5) {
	case 0:
		len = ment_pkt(p, &m, i);
		p[name_off + 1] = 0;		/* NUL inside */
		return len;
	case 1:
		len = ment_pkt(p, &m, i);
		p[name_off + 3] = 'x';		/* padding not zero */
		return len;
	case 2:
		m.name_len = 0;
		break;
	case 3:
		m.name = long_name;		/* 64 bytes: one too many */
		m.name_len = 64;
		break;
	default:
		/* a JOIN whose name would run past the payload */
		m.type = ENT_JOIN;
		m.cls = 0;
		m.seq = 0;
		m.msg_len = 0;
		len = ment_pkt(p, &m, i);
		p[name_off - ENT_WORDS * 4 + 3] = 40;
		return len;
	}
	return ment_pkt(p, &m, i);
}

/* a member entry of another node than its submitter (SUBMIT: the sender) */
static size_t b_ent_member(unsigned char *p, unsigned int i)
{
	struct ment m;
	struct ord o;
	size_t plen;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	switch (i / 3 % 3) {
	case 0:	/* SUBMIT for the target's member, or another node's */
		m.node = i % 2 ? target_id : src_id + 1;
		return submit_of(p, &m, 1 + i, view_id(3, 1));
	case 1:	/* ORDER of our submission of another node's member */
		m.node = i % 2 ? target_id : src_id + 1;
		ord_init(&o, m.type, src_id, i);
		plen = put_ment(p + ORD_OFF, &m);
		return order_of(p, &o, plen);
	default: /* port 0 */
		m.port = 0;
		return ment_pkt(p, &m, i);
	}
}

/* ordering class and sender sequence: DATA only, and then both */
static size_t b_ent_class(unsigned char *p, unsigned int i)
{
	static const uint32_t bad_cls[] = { 0, VSYNC_ORDER_SAFE + 1, 0xff };
	struct ment m;
	size_t len;

	ment_init(&m, ENT_DATA, src_id, i);
	switch (i / 2 % 5) {
	case 0:
		m.cls = bad_cls[i / 10 % 3];
		break;
	case 1:
		m.seq = 0;
		break;
	case 2:	/* JOIN or LEAVE with a class */
		ment_init(&m, ENT_JOIN + i / 10 % 2, src_id, i);
		m.cls = VSYNC_ORDER_TOTAL;
		break;
	case 3:	/* JOIN or LEAVE with a sequence */
		ment_init(&m, ENT_JOIN + i / 10 % 2, src_id, i);
		m.seq = 5;
		break;
	default: /* e0's high half is reserved */
		len = ment_pkt(p, &m, i);
		p[(i % 2 ? ORD_OFF : SUB_OFF) + 1] = 0x80;
		return len;
	}
	return ment_pkt(p, &m, i);
}

/* @m with entry flags @fl and the @n extension words @ext after its name */
static size_t put_ment_ext(unsigned char *e, const struct ment *m, uint32_t fl,
			   const uint32_t *ext, unsigned int n)
{
	struct ment b = *m;
	size_t off = ENT_WORDS * 4 + pad4(m->name_len), k;

	b.msg_len = 0;
	put_ment(e, &b);
	put32(e, 0, (m->name_len & 0xff) | m->cls << 8 | fl << 16);
	for (k = 0; k < n; k++)
		put32(e + off, (unsigned int)k, ext[k]);
	off += 4 * (size_t)n;
	for (k = 0; k < m->msg_len; k++)
		e[off + k] = (unsigned char)(0x61 + k % 26);
	return off + m->msg_len;
}

/* ment_pkt() of an entry with flags and extension words */
static size_t ext_pkt(unsigned char *p, const struct ment *m, uint32_t fl,
		      const uint32_t *ext, unsigned int n, unsigned int i)
{
	struct ord o;
	size_t plen;

	if (i % 2 == 0) {
		plen = put_ment_ext(p + SUB_OFF, m, fl, ext, n);
		hdr(p, TYPE_SUBMIT, SUBMIT_WORDS, m->type, (uint32_t)plen);
		put64(p, 6, 1 + i);
		put64(p, 8, view_id(3, 1));
		return SUB_OFF + plen;
	}
	ord_init(&o, m->type, m->node, i);
	return order_of(p, &o, put_ment_ext(p + ORD_OFF, m, fl, ext, n));
}

/*
 * entry flags and their extension words: pieces out of their message,
 * unicast to nobody, state without a transfer, flags on the wrong entry,
 * words cut off, a replayed piece that is not the sequencer's, a causal
 * cut on a message that is not causal or not whole
 */
static size_t b_ent_ext(unsigned char *p, unsigned int i)
{
	uint32_t ext[4] = { 0 };
	struct ment m;

	ment_init(&m, ENT_DATA, src_id, i);
	m.msg_len = 10;
	switch (i / 2 % 13) {
	case 0:	/* a message longer than VSYNC_MSG_MAX */
		ext[0] = (8u << 20) + 1;
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	case 1:	/* a piece at or past the end */
		ext[0] = 100;
		ext[1] = 100 + i % 3;
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	case 2:	/* a piece running past the end */
		ext[0] = 100;
		ext[1] = 95;
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	case 3:	/* a message given up, with bytes */
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	case 4:	/* unicast to node 0 or port 0 */
		ext[i / 26 % 2] = 5;
		return ext_pkt(p, &m, EF_DEST, ext, 2, i);
	case 5:	/* the end of a state that is not one */
		return ext_pkt(p, &m, EF_STATE_END, ext, 0, i);
	case 6:	/* state of transfer 0 */
		return ext_pkt(p, &m, EF_STATE | EF_STATE_END, ext, 2, i);
	case 7:	/* a JOIN in pieces */
		ment_init(&m, ENT_JOIN, src_id, i);
		ext[0] = 10;
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	case 8:	/* a LEAVE asking for state */
		ment_init(&m, ENT_LEAVE, src_id, i);
		return ext_pkt(p, &m, EF_WANT_STATE, ext, 0, i);
	case 9:	/* flags calling for more words than the entry has */
		m.msg_len = 0;
		ext[0] = 7;
		return ext_pkt(p, &m, EF_FRAG | EF_DEST | EF_STATE, ext, 1, i);
	case 10: /* the cut of a message that is not causal */
		m.cls = VSYNC_ORDER_FIFO + (i / 26 % 2) * 2;
		return ext_pkt(p, &m, EF_CAUSE, ext, 2, i);
	case 11: /* the cut of a piece */
		m.cls = VSYNC_ORDER_CAUSAL;
		ext[0] = 100;
		return ext_pkt(p, &m, EF_FRAG | EF_CAUSE, ext, 4, i);
	default: /* a replayed piece submitted, or ordered as a node's own */
		m.type = ENT_REPLAY;
		ext[0] = 100;
		return ext_pkt(p, &m, EF_FRAG, ext, 2, i);
	}
}

/* an entry's length disagreeing with what it holds */
static size_t b_ent_size(unsigned char *p, unsigned int i)
{
	unsigned int off = i % 2 ? ORD_OFF : SUB_OFF;
	struct ment m;
	size_t len;

	ment_init(&m, ENT_JOIN + i / 2 % 2, src_id, i);
	len = ment_pkt(p, &m, i);
	switch (i / 4 % 4) {
	case 0:	/* JOIN or LEAVE with four bytes after its name */
		len += 4;
		break;
	case 1:	/* ... with two: off a word boundary */
		len += 2;
		break;
	case 2:	/* JOIN or LEAVE cut inside the entry header */
		len = off + 16;
		break;
	default: /* DATA cut inside the entry header */
		ment_init(&m, ENT_DATA, src_id, i);
		ment_pkt(p, &m, i);
		len = off + 12 + i % 3;
		break;
	}
	put32(p, 5, (uint32_t)(len - off));
	return len;
}

static size_t b_submit_field(unsigned char *p, unsigned int i)
{
	struct ment m;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	switch (i / 3 % 3) {
	case 0:
		return submit_of(p, &m, 0, view_id(3, 1));	/* submission 0 */
	case 1:
		return submit_of(p, &m, 1 + i, view_id(0, 1));	/* view counter 0 */
	default:
		return submit_of(p, &m, 1 + i, 0);		/* no view */
	}
}

static size_t b_order_seq(unsigned char *p, unsigned int i)
{
	struct ment m;
	struct ord o;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	ord_init(&o, m.type, src_id, i);
	switch (i / 3 % 4) {
	case 0:	/* position 0 */
		o.seq = 0;
		o.stable = 0;
		break;
	case 1:	/* stable up to the entry itself */
		o.stable = o.seq;
		break;
	case 2:	/* stable beyond it */
		o.stable = o.seq + 1 + i;
		break;
	default: /* epoch with counter 0 */
		o.epoch = view_id(0, 1);
		break;
	}
	return order_of(p, &o, put_ment(p + ORD_OFF, &m));
}

static size_t b_order_origin(unsigned char *p, unsigned int i)
{
	struct ment m;
	struct ord o;
	size_t len;

	ment_init(&m, ENT_JOIN + i % 3, src_id, i);
	ord_init(&o, m.type, src_id, i);
	switch (i / 3 % 4) {
	case 0:	/* an origin without a submission id */
		o.sub = 0;
		break;
	case 1:	/* a member entry must have an origin, also one of node 0 */
		o.origin = 0;
		o.sub = 0;
		m.node = i % 2 ? 0 : m.node;
		break;
	case 2:	/* a submission id without an origin */
		o.origin = 0;
		break;
	default: /* group state or counters with an origin: the sequencer's own */
		len = sys_order(p, i % 2, 2, i);
		put32(p, 12, src_id);
		put64(p, 13, 1 + i);
		return len;
	}
	return order_of(p, &o, put_ment(p + ORD_OFF, &m));
}

static size_t b_gstate(unsigned char *p, unsigned int i)
{
	unsigned char *e = p + ORD_OFF;
	size_t len, moff = GS_WORDS * 4 + pad4(strlen(gname));

	switch (i % 8) {
	case 0:	/* no member */
		return sys_order(p, 1, 0, i);
	case 1:	/* more members than a group may have, length agreeing */
		return sys_order(p, 1, VSYNC_MEMBERS_MAX + 1, i);
	case 2:	/* fewer members than announced */
		len = sys_order(p, 1, 3, i);
		put32(e, 5, 4);
		return len;
	case 3:	/* more */
		len = sys_order(p, 1, 3, i);
		put32(e, 5, 2);
		return len;
	case 4:	/* view 0 */
		len = sys_order(p, 1, 3, i);
		put64(e, 1, 0);
		return len;
	case 5:	/* a member of node 0, or of port 0 */
		len = sys_order(p, 1, 3, i);
		put32(e + moff, GS_MWORDS * (i % 3) + i / 7 % 2, 0);
		return len;
	case 6:	/* awaiting state from no donor, or a donor for none */
		len = sys_order(p, 1, 3, i);
		put32(e + moff, GS_MWORDS * (i % 3) + (i / 7 % 2 ? 3 : 4), 7);
		return len;
	default: /* e0 is the name length alone */
		len = sys_order(p, 1, 3, i);
		e[2] = 1;
		return len;
	}
}

static size_t b_sync(unsigned char *p, unsigned int i)
{
	unsigned char *e = p + ORD_OFF;
	size_t len;

	switch (i % 4) {
	case 0:	/* more nodes than a view holds, length agreeing */
		return sys_order(p, 0, NODES_MAX + 1 + i % 3, i);
	case 1:	/* length for one node fewer than announced */
		len = sys_order(p, 0, 3, i);
		put32(e, 0, 4);
		return len;
	case 2:	/* node 0 */
		len = sys_order(p, 0, 3, i);
		put32(e, 1 + 3 * (i / 4 % 3), 0);
		return len;
	default: /* off a word boundary */
		len = sys_order(p, 0, 3, i) + 2;
		put32(p, 5, (uint32_t)(len - ORD_OFF));
		return len;
	}
}

/* PROPOSE or COMMIT whose bitmap after the node ids has the wrong size */
static size_t b_view_map(unsigned char *p, unsigned int i)
{
	static const uint32_t counts[] = { 1, 3, 31, 32, 33, 64 };
	uint32_t type = i % 2 ? TYPE_COMMIT : TYPE_PROPOSE;
	uint32_t n = counts[i / 2 % 6];
	size_t len = valid_view(p, type, n);

	switch (i / 12 % 3) {
	case 0:	/* no bitmap: the size before the bitmap came */
		len -= 4 * ((n + 31) / 32);
		break;
	case 1:	/* a word too many */
		len += 4;
		break;
	default: /* one word fewer (none) or one more than the count needs */
		len = (VIEW_WORDS + n + (n > 32 ? 1 : 2)) * 4;
		break;
	}
	put32(p, 5, (uint32_t)(len - VIEW_WORDS * 4));
	return len;
}

/* PROPOSE or COMMIT with a field out of range */
static size_t b_view_field(unsigned char *p, unsigned int i)
{
	uint32_t type = i % 2 ? TYPE_COMMIT : TYPE_PROPOSE;
	size_t len;

	switch (i / 2 % 6) {
	case 0:	/* no node (and so no bitmap) */
		valid_view(p, type, 1);
		put32(p, 9, 0);
		put32(p, 5, 0);
		return VIEW_WORDS * 4;
	case 1:	/* more nodes than a view holds, length agreeing */
		return valid_view(p, type, NODES_MAX + 1);
	}
	len = valid_view(p, type, 3);
	switch (i / 2 % 6) {
	case 2:	/* node id 0 */
		put32(p, VIEW_WORDS + i / 12 % 3, 0);
		break;
	case 3:	/* an id some other node made */
		put32(p, 7, src_id + 1);
		break;
	case 4:	/* id counter 0 */
		put32(p, 6, 0);
		break;
	default: /* FROZEN is for heartbeats; 0x4 is no flag */
		put32(p, 8, i / 12 % 2 ? NVIEW_FROZEN : 0x4);
		break;
	}
	return len;
}

/* ACCEPT naming an invalid view */
static size_t b_accept_view(unsigned char *p, unsigned int i)
{
	size_t len = valid_accept(p, 1);

	switch (i % 4) {
	case 0:	/* accepted view with counter 0 */
		put32(p, 6, 0);
		break;
	case 1:	/* none at all */
		put64(p, 6, 0);
		break;
	case 2:	/* installed view not 0, but with counter 0 */
		put64(p, 8, view_id(0, 1 + i));
		break;
	default: /* the primary views it knows, malformed */
		switch ((i / 4) % 4) {
		case 0:	/* payload shorter than its counts */
			len -= 4;
			break;
		case 1:	/* a last primary id without nodes */
			put32(p, ACCEPT_WORDS + 2, 0);
			break;
		case 2:	/* a node id 0 */
			put32(p, ACCEPT_WORDS + ACCEPT_PWORDS, 0);
			break;
		default: /* 65 nodes */
			put32(p, ACCEPT_WORDS + 2, 65);
			break;
		}
		put32(p, 5, (uint32_t)(len - ACCEPT_WORDS * 4));
		break;
	}
	return len;
}

/* heartbeat view flags beyond PRIMARY and FROZEN */
static size_t b_hb_flags(unsigned char *p, unsigned int i)
{
	size_t len = valid_hb(p, 100);
	uint32_t flags = NVIEW_PRIMARY | (i % 3 ? NVIEW_FROZEN : 0);

	if (i % 2)	/* w10 bits 16..31: reserved */
		put32(p, 10, 1u << (16 + i / 2 % 16) | 1 << 8 | flags);
	else
		put32(p, 10, 1 << 8 | flags | 4u << (i / 2 % 6));
	return len;
}

static size_t b_ack_field(unsigned char *p, unsigned int i)
{
	size_t len = valid_ack(p, i);

	switch (i % 4) {
	case 0:	/* flags other than GAP */
		put32(p, 0, word0(WIRE_VERSION, ACK_WORDS, TYPE_ACK, 4 + i % 0xfffb));
		break;
	case 1:	/* view counter 0 */
		put32(p, 6, 0);
		break;
	case 2:	/* no view */
		put64(p, 6, 0);
		break;
	default: /* a payload */
		memset(p + len, 0x22, 4 * (1 + i % 3));
		len += 4 * (1 + i % 3);
		put32(p, 5, (uint32_t)(len - ACK_WORDS * 4));
		break;
	}
	return len;
}

/* --- valid, unsolicited: strangers, and mutants of them ---------------- */

/* a view or epoch: -V's, or random (counter not 0) */
static uint64_t any_view(void)
{
	uint64_t v;

	if (fixed_view)
		return fixed_view;
	do
		v = rnd64();
	while (!(v >> 32));
	return v;
}

/* a name of 1..63 bytes, none NUL */
static void rnd_name(char *buf, uint32_t *len)
{
	uint32_t k;

	*len = 1 + rnd() % VSYNC_NAME_MAX;
	for (k = 0; k < *len; k++)
		buf[k] = (char)(1 + rnd() % 255);
}

/* A member entry of @type and @node, random but valid; mostly in group -g. */
static void rnd_ment(struct ment *m, char *namebuf, uint32_t type, uint32_t node,
		     unsigned int i)
{
	ment_init(m, type, node, i);
	m->port = rnd() | 1;
	if (rnd() % 4 == 0) {
		rnd_name(namebuf, &m->name_len);
		m->name = namebuf;
	}
	if (m->type == ENT_DATA) {
		m->cls = VSYNC_ORDER_FIFO + rnd() % 4;
		m->seq = rnd() % 2 ? 1 + rnd() % 100 : rnd64() | 1;
		m->msg_len = rnd() % 300;
	}
}

/* addressed to every node, or to the target: both are valid */
static void rnd_dst(unsigned char *p)
{
	put32(p, 3, rnd() % 2 ? target_id : 0);
}

static size_t b_stranger_submit(unsigned char *p, unsigned int i)
{
	char name[VSYNC_NAME_MAX];
	struct ment m;
	size_t len;

	rnd_ment(&m, name, ENT_JOIN + rnd() % 3, src_id, i);
	len = submit_of(p, &m, rnd() % 2 ? 1 + rnd() % 4 : rnd64() | 1, any_view());
	rnd_dst(p);
	return len;
}

static size_t b_stranger_order(unsigned char *p, unsigned int i)
{
	static const uint32_t other = 4000000077u;
	char name[VSYNC_NAME_MAX];
	struct ment m;
	struct ord o;
	size_t plen;

	o.type = ENT_JOIN + rnd() % 5;
	o.epoch = any_view();
	if (fixed_view) {
		o.seq = next_seq++;
		o.stable = 0;
	} else {
		o.seq = rnd() % 2 ? 1 + rnd() % 1000 : rnd64() | 1;
		o.stable = o.seq > 1 && rnd() % 2 ? rnd64() % o.seq : 0;
	}
	if (o.type == ENT_GSTATE || o.type == ENT_SYNC) {
		o.origin = 0;
		o.sub = 0;
		plen = o.type == ENT_GSTATE ?
			put_gstate(p + ORD_OFF, 1 + rnd() % 8, any_view()) :
			put_sync(p + ORD_OFF, rnd() % 9);
	} else {
		/* as if ordering our own, the target's or another's entry */
		switch (rnd() % 3) {
		case 0:
			o.origin = src_id;
			break;
		case 1:
			o.origin = target_id;
			break;
		default:
			o.origin = other;
			break;
		}
		o.sub = rnd() % 2 ? 1 + rnd() % 4 : rnd64() | 1;
		rnd_ment(&m, name, o.type, o.origin, i);
		plen = put_ment(p + ORD_OFF, &m);
	}
	order_of(p, &o, plen);
	rnd_dst(p);
	return ORD_OFF + plen;
}

static size_t b_stranger_ack(unsigned char *p, unsigned int i)
{
	(void)i;
	hdr(p, TYPE_ACK, ACK_WORDS, rnd() % 2 ? ACK_GAP : 0, 0);
	put64(p, 6, any_view());
	put64(p, 8, rnd() % 2 ? rnd() % 1000 : rnd64());
	rnd_dst(p);
	return ACK_WORDS * 4;
}

static size_t rnd_stranger(unsigned char *p, unsigned int i)
{
	switch (rnd() % 3) {
	case 0:
		return b_stranger_submit(p, i);
	case 1:
		return b_stranger_order(p, i);
	default:
		return b_stranger_ack(p, i);
	}
}

/* cut short or lengthened: the payload length no longer agrees */
static size_t b_mutant_cut(unsigned char *p, unsigned int i)
{
	size_t len = rnd_stranger(p, i), k, more;

	if (rnd() % 4)
		return rnd() % len;
	more = 1 + rnd() % 8;
	for (k = 0; k < more; k++)
		p[len + k] = (unsigned char)rnd();
	return len + more;
}

/*
 * One to three bits flipped, half of them in the first 60 bytes (headers
 * are at most that long): most of a packet is payload, and a header bit
 * tests more of the validator.
 */
static size_t b_mutant_flip(unsigned char *p, unsigned int i)
{
	size_t len = rnd_stranger(p, i), bit, span;
	unsigned int flips = 1 + rnd() % 3;

	while (flips--) {
		span = rnd() % 2 && len > ORD_OFF ? ORD_OFF : len;
		bit = rnd() % (8 * span);
		p[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	return len;
}

static const struct kind kinds[] = {
	{ "garbage", "any_drop", b_garbage, EXP_ANY_DROP, 1 },
	{ "short", "drop_short", b_short, EXP_COUNTER, 1 },
	{ "version", "drop_version", b_version, EXP_COUNTER, 1 },
	{ "header", "drop_header", b_header, EXP_COUNTER, 1 },
	{ "length", "drop_length", b_length, EXP_COUNTER, 1 },
	{ "type", "drop_type", b_type, EXP_COUNTER, 1 },
	{ "cluster", "drop_cluster", b_cluster, EXP_COUNTER, 1 },
	{ "srczero", "drop_node", b_srczero, EXP_COUNTER, 1 },
	{ "dst", "drop_node", b_dst, EXP_COUNTER, 1 },
	{ "self", "drop_self", b_self, EXP_COUNTER, 1 },
	{ "field", "drop_field", b_field, EXP_COUNTER, 1 },
	{ "submit_header", "drop_header", b_submit_header, EXP_COUNTER, 1 },
	{ "order_header", "drop_header", b_order_header, EXP_COUNTER, 1 },
	{ "ack_header", "drop_header", b_ack_header, EXP_COUNTER, 1 },
	{ "accept_header", "drop_header", b_accept_header, EXP_COUNTER, 1 },
	{ "view_header", "drop_header", b_view_header, EXP_COUNTER, 1 },
	{ "submit_length", "drop_length", b_submit_length, EXP_COUNTER, 1 },
	{ "order_length", "drop_length", b_order_length, EXP_COUNTER, 1 },
	{ "ent_type", "drop_field", b_ent_type, EXP_COUNTER, 1 },
	{ "ent_name", "drop_field", b_ent_name, EXP_COUNTER, 1 },
	{ "ent_member", "drop_field", b_ent_member, EXP_COUNTER, 1 },
	{ "ent_class", "drop_field", b_ent_class, EXP_COUNTER, 1 },
	{ "ent_size", "drop_field", b_ent_size, EXP_COUNTER, 1 },
	{ "ent_ext", "drop_field", b_ent_ext, EXP_COUNTER, 1 },
	{ "submit_field", "drop_field", b_submit_field, EXP_COUNTER, 1 },
	{ "order_seq", "drop_field", b_order_seq, EXP_COUNTER, 1 },
	{ "order_origin", "drop_field", b_order_origin, EXP_COUNTER, 1 },
	{ "gstate", "drop_field", b_gstate, EXP_COUNTER, 1 },
	{ "sync", "drop_field", b_sync, EXP_COUNTER, 1 },
	{ "view_map", "drop_field", b_view_map, EXP_COUNTER, 1 },
	{ "view_field", "drop_field", b_view_field, EXP_COUNTER, 1 },
	{ "accept_view", "drop_field", b_accept_view, EXP_COUNTER, 1 },
	{ "hb_flags", "drop_field", b_hb_flags, EXP_COUNTER, 1 },
	{ "ack_field", "drop_field", b_ack_field, EXP_COUNTER, 1 },
	{ "valid", "heartbeat_rx", b_valid, EXP_VALID, 0 },
	/* a SUBMIT from outside the view is counted as not taken */
	{ "stranger_submit", "submit_ignored", b_stranger_submit, EXP_VALID, 0 },
	{ "stranger_order", "rx_packets", b_stranger_order, EXP_VALID, 0 },
	{ "stranger_ack", "rx_packets", b_stranger_ack, EXP_VALID, 0 },
	{ "mutant_cut", "any_drop", b_mutant_cut, EXP_ANY_DROP, 0 },
	{ "mutant_flip", "rx_packets", b_mutant_flip, EXP_MAYBE, 0 },
	{ NULL, NULL, NULL, EXP_COUNTER, 0 },
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: vsync_inject -t ADDR [-p PORT] [-k KIND[,KIND...]|all] [-n COUNT]\n"
		"                    [-T SECS [-R RATE]] [-c CLUSTER] [-d TARGET_ID] [-S SRC_ID]\n"
		"                    [-g GROUP] [-V VIEW] [-r SEED] [-i USECS] [-l]\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		usage();
	return v;
}

/* set from a signal handler: a lock-free atomic is safe there */
static void on_stop(int sig)
{
	(void)sig;
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

static int stopped(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
}

static void pause_us(unsigned long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (us && nanosleep(&ts, &ts) < 0 && errno == EINTR && !stopped())
		;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct kind *find_kind(const char *name)
{
	const struct kind *k;

	for (k = kinds; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

#ifdef VSYNC_WIRECHECK
/*
 * vsync_inject_wirecheck: every kind, built as the injector builds it, run
 * through the kernel's vsync_msg_validate() (kmod/msg.c, compiled for
 * userspace): each must get the verdict of its counter (garbage: any
 * refusal; valid and stranger kinds: none; flipped bits: anything), and
 * the valid packets the malformed kinds start from must pass.  Every
 * packet ends at a page the process may not read, so the validator reading
 * past a packet (more than its last partial word) crashes this check.
 * Exit status 1 on any disagreement.  With a directory argument, it
 * writes the valid packets there instead: the corpus of vsync_wire_fuzz.
 */
#include <sys/mman.h>

#include "msg.h"

static unsigned char *guard_end;	/* first byte of the unreadable page */
static char checking[96];		/* what is being validated */

/* the validator read past a packet: say which, rather than just dying */
static void on_segv(int sig)
{
	static const char what[] = "MISMATCH validator read past the end of ";
	ssize_t r;

	(void)sig;
	r = write(1, what, sizeof(what) - 1);
	r = write(1, checking, strlen(checking));
	(void)r;
	_exit(1);
}

static const char *verdict_counter(enum vsync_msg_verdict v)
{
	switch (v) {
	case VSYNC_MSG_OK: return "ok";
	case VSYNC_MSG_SHORT: return "drop_short";
	case VSYNC_MSG_BAD_VERSION: return "drop_version";
	case VSYNC_MSG_BAD_HEADER: return "drop_header";
	case VSYNC_MSG_BAD_LENGTH: return "drop_length";
	case VSYNC_MSG_BAD_TYPE: return "drop_type";
	case VSYNC_MSG_OTHER_CLUSTER: return "drop_cluster";
	case VSYNC_MSG_BAD_NODE: return "drop_node";
	case VSYNC_MSG_FROM_SELF: return "drop_self";
	case VSYNC_MSG_BAD_FIELD: return "drop_field";
	}
	return "?";
}

static int guard_setup(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t room = (PKT_BUF + pg - 1) / pg * pg;
	unsigned char *m;

	m = mmap(NULL, room + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + room, pg, PROT_NONE)) {
		perror("wirecheck: guard page");
		return -1;
	}
	guard_end = m + room;
	signal(SIGSEGV, on_segv);
	return 0;
}

/* the verdict on @len bytes at @pkt, moved to end at the guard page */
static enum vsync_msg_verdict validate(const unsigned char *pkt, size_t len)
{
	/* word-aligned, as the kernel's copy is */
	unsigned char *q = guard_end - ((len + 3) & ~(size_t)3);

	memcpy(q, pkt, len);
	return vsync_msg_validate(q, (unsigned int)len, cluster, target_id);
}

/* A valid packet of each type: what the malformed kinds break. */
static size_t template(unsigned char *p, unsigned int t, unsigned int i)
{
	struct ment m;

	switch (t) {
	case 0:
		return valid_hb(p, 10 + i);
	case 1: case 2: case 3:		/* JOIN, LEAVE, DATA submitted */
		ment_init(&m, t, src_id, i);
		return ment_pkt(p, &m, 2 * i);
	case 4: case 5: case 6:		/* ... and ordered */
		ment_init(&m, t - 3, src_id, i);
		return ment_pkt(p, &m, 2 * i + 1);
	case 7:
		return sys_order(p, 1, 1 + i % 9, i);
	case 8:
		return sys_order(p, 0, i % 9, i);
	case 9:
		return valid_view(p, i % 2 ? TYPE_COMMIT : TYPE_PROPOSE, 1 + i % NODES_MAX);
	case 10:
		return valid_accept(p, i);
	default:
		return valid_ack(p, i);
	}
}

static int check_templates(void)
{
	unsigned char pkt[PKT_BUF];
	int bad = 0;

	for (unsigned int t = 0; t < 12; t++) {
		for (unsigned int i = 0; i < 200; i++) {
			enum vsync_msg_verdict v;
			size_t len;

			memset(pkt, 0, sizeof(pkt));
			len = template(pkt, t, i);
			snprintf(checking, sizeof(checking), "template %u #%u\n", t, i);
			v = validate(pkt, len);
			if (v != VSYNC_MSG_OK && bad++ < 5)
				printf("template %u #%u (%zu bytes): validator says %s\n",
				       t, i, len, verdict_counter(v));
		}
	}
	printf("%s templates valid\n", bad ? "MISMATCH" : "ok");
	return !!bad;
}

static int wirecheck(void)
{
	unsigned char pkt[PKT_BUF];
	int bad;

	cluster = 7;
	target_id = 1;
	/* lines out as they come, also when the process dies in the middle */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (guard_setup())
		return 1;
	bad = check_templates();
	for (const struct kind *k = kinds; k->name; k++) {
		unsigned int tally[VSYNC_MSG_BAD_FIELD + 1] = { 0 };
		/* the random kinds get many more tries: they fuzz the validator */
		unsigned int n = k->expect == EXP_COUNTER ? 400 : 50000;
		int wrong = 0;

		for (unsigned int i = 0; i < n; i++) {
			size_t len;
			enum vsync_msg_verdict v;
			int ok;

			memset(pkt, 0, sizeof(pkt));
			len = k->build(pkt, i);
			snprintf(checking, sizeof(checking), "kind %s #%u (%zu bytes)\n",
				 k->name, i, len);
			v = validate(pkt, len);
			if (v <= VSYNC_MSG_BAD_FIELD)
				tally[v]++;
			switch (k->expect) {
			case EXP_ANY_DROP:
				ok = v != VSYNC_MSG_OK;
				break;
			case EXP_VALID:
				ok = v == VSYNC_MSG_OK;
				break;
			case EXP_MAYBE:
				ok = 1;
				break;
			default:
				ok = !strcmp(verdict_counter(v), k->counter);
				break;
			}
			if (!ok && wrong++ < 3)
				printf("kind %s #%u (%zu bytes): validator says %s, injector expects %s\n",
				       k->name, i, len, verdict_counter(v),
				       k->expect == EXP_VALID ? "ok" : k->counter);
		}
		if (wrong)
			bad = 1;
		printf("%s %s %s", wrong ? "MISMATCH" : "ok", k->name, k->counter);
		if (k->expect == EXP_MAYBE)
			for (unsigned int v = 0; v <= VSYNC_MSG_BAD_FIELD; v++)
				if (tally[v])
					printf(" %s=%u", verdict_counter(v), tally[v]);
		printf("\n");
	}
	return bad;
}

/*
 * vsync_inject_wirecheck DIR: write the fuzzer's corpus (vsync_wire_fuzz):
 * packets of every type that the validator lets through, one a file.
 */
static int write_corpus(const char *dir)
{
	unsigned char pkt[PKT_BUF];
	char path[4096];
	unsigned int n = 0;
	FILE *f;

	cluster = 7;
	target_id = 1;
	for (unsigned int t = 0; t < 12; t++) {
		for (unsigned int i = 0; i < 16; i++) {
			size_t len;

			memset(pkt, 0, sizeof(pkt));
			len = template(pkt, t, i);
			snprintf(path, sizeof(path), "%s/t%02u-%02u", dir, t, i);
			f = fopen(path, "wb");
			if (!f || fwrite(pkt, 1, len, f) != len || fclose(f)) {
				perror(path);
				return 1;
			}
			n++;
		}
	}
	printf("%u packets in %s\n", n, dir);
	return 0;
}
#endif

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;
	const char *target = NULL, *kindlist = "all";
	unsigned long port = 7410, count = 50, gap = 300, secs = 0, rate = 1000;
	unsigned long sent[64] = { 0 }, tries[64] = { 0 }, total = 0;
	unsigned char pkt[PKT_BUF];
	const struct kind *sel[64];
	unsigned int nsel = 0, s;
	int c, fd, failed = 0;

#ifdef VSYNC_WIRECHECK
	rnd_state = 1;
	if (argc == 2)
		return write_corpus(argv[1]);
	return wirecheck();
#endif
	rnd_state = (uint32_t)getpid() | 1;
	while ((c = getopt(argc, argv, "t:p:k:n:T:R:c:d:S:g:V:r:i:l")) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'p':
			port = num(optarg);
			if (!port || port > 65535)
				usage();
			break;
		case 'k':
			kindlist = optarg;
			break;
		case 'n':
			count = num(optarg);
			break;
		case 'T':
			secs = num(optarg);
			break;
		case 'R':
			rate = num(optarg);
			if (!rate || rate > 1000000)
				usage();
			break;
		case 'c':
			cluster = (uint32_t)num(optarg);
			break;
		case 'd':
			target_id = (uint32_t)num(optarg);
			break;
		case 'S':
			src_id = (uint32_t)num(optarg);
			break;
		case 'g':
			gname = optarg;
			if (!*gname || strlen(gname) > VSYNC_NAME_MAX)
				usage();
			break;
		case 'V':
			fixed_view = num(optarg);
			if (!(fixed_view >> 32))
				usage();
			break;
		case 'r':
			rnd_state = (uint32_t)num(optarg) | 1;
			break;
		case 'i':
			gap = num(optarg);
			break;
		case 'l':
			for (const struct kind *k = kinds; k->name; k++)
				printf("%s %s%s\n", k->name, k->counter, k->in_all ? "" : " (not in all)");
			return 0;
		default:
			usage();
		}
	}
	if (!target || optind != argc)
		usage();
	if (src_id == 0 || src_id == target_id) {
		fprintf(stderr, "vsync_inject: -S must be nonzero and not the target's id\n");
		return 2;
	}

	if (!strcmp(kindlist, "all")) {
		for (const struct kind *k = kinds; k->name; k++)
			if (k->in_all)
				sel[nsel++] = k;
	} else {
		char *dup = strdup(kindlist), *save = NULL, *tok;

		for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			const struct kind *k = find_kind(tok);

			if (!k) {
				fprintf(stderr, "vsync_inject: unknown kind '%s' (-l lists them)\n", tok);
				return 2;
			}
			if (nsel < 64)
				sel[nsel++] = k;
		}
		free(dup);
	}
	if (!nsel)
		usage();

	if (inet_pton(AF_INET, target, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, target, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		slen = sizeof(*sin6);
	} else {
		fprintf(stderr, "vsync_inject: bad address '%s'\n", target);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("vsync_inject: socket");
		return 1;
	}

	/*
	 * -T: packets on a schedule of RATE a second from the start, so a
	 * slow send is caught up rather than lowering the rate; otherwise
	 * COUNT of each kind in turn.
	 */
	if (secs) {
		struct sigaction sa = { .sa_handler = on_stop };
		double t0 = now(), t;
		unsigned long k;

		/* no SA_RESTART: a stop ends the pause at once */
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		for (k = 0; (t = now()) < t0 + secs && !stopped(); k++) {
			double due = t0 + (double)k / rate;
			size_t len;

			if (due > t)
				pause_us((unsigned long)((due - t) * 1e6));
			s = rnd() % nsel;
			memset(pkt, 0, sizeof(pkt));
			len = sel[s]->build(pkt, (unsigned int)tries[s]++);
			if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, slen) == (ssize_t)len)
				sent[s]++;
			else if (stopped())
				tries[s]--;	/* interrupted by the stop: not sent, not failed */
			else if (tries[s] - sent[s] <= 5)
				fprintf(stderr, "vsync_inject: %s: %s\n", sel[s]->name,
					strerror(errno));
		}
	} else {
		for (s = 0; s < nsel; s++) {
			for (unsigned long i = 0; i < count; i++) {
				size_t len;

				memset(pkt, 0, sizeof(pkt));
				len = sel[s]->build(pkt, (unsigned int)i);
				tries[s]++;
				if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, slen) ==
				    (ssize_t)len)
					sent[s]++;
				else if (i - sent[s] < 5)	/* the first few errors */
					fprintf(stderr, "vsync_inject: %s #%lu: %s\n",
						sel[s]->name, i, strerror(errno));
				pause_us(gap);
			}
		}
	}
	for (s = 0; s < nsel; s++) {
		if (!tries[s] && secs)
			continue;
		printf("%s %s %lu\n", sel[s]->name, sel[s]->counter, sent[s]);
		total += sent[s];
		if (sent[s] != tries[s])
			failed = 1;
	}
	fflush(stdout);
	close(fd);
	if (secs)
		return !total;
	return failed;
}
