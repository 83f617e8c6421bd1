// SPDX-License-Identifier: GPL-2.0
/*
 * vsync_check: verify the guarantees of af_vsync (DESIGN.md section 2) on the
 * merged event logs of every member of one or more groups.
 *
 *   vsync_check [-1] [-v] LOG_OR_DIR...
 *
 * A directory argument means every regular file in it whose name ends in
 * ".log".  -1 ("one node") adds the single-node rules of the spec: every
 * ordering class is in the one total order, and global_seq numbers are
 * consecutive (a view's gseq is the gseq of the last message before it).
 * -v prints a line per input file.
 *
 * Exit status: 0 and one summary line "vsync_check: OK: ..." when every
 * guarantee holds; 1 with one line "vsync_check: VIOLATION guarantee N
 * (name): ... at FILE:LINE" for the first violation found; 2 for a usage,
 * I/O or log-format error.
 *
 * LOG FORMAT (version 2: version 1 plus the optional c= field and the T,
 * R and Z lines; every version 1 log is a version 2 log)
 *
 * Text, one event per line, fields separated by single spaces, numbers in
 * decimal except the checksum.  Empty lines and lines starting with '#' are
 * ignored.  A member id is written NODE:PORT (struct vsync_member_id).  One
 * file holds the events of one process in the order the process saw them;
 * it may hold several memberships (a socket that leaves and joins again, or
 * several sockets used one after the other), each started by an M line.
 *
 *   M GROUP NODE:PORT
 *	A membership starts: the socket joined GROUP and got member id
 *	NODE:PORT (getsockname after the join).  Every following line until
 *	the next M belongs to it.  GROUP has no white space.  A member id
 *	must be unique over all the logs of a run.
 *   V VIEW_ID GSEQ NODE:PORT[,NODE:PORT...] [np]
 *	The member read (installed) a view: its id, the global_seq of its
 *	vsync_msginfo, and the member list in rank order.  "np" ends the line
 *	of a view whose flags lack VSYNC_VIEW_PRIMARY: the member was on the
 *	minority side of a partition (or on a node merged into another
 *	partition's view) and is out of the group.  Such a view is the last V
 *	of its membership; only L and X may follow it.
 *   S SENDER_SEQ ORDER LEN CKSUM [c=VECTOR]
 *	A send by this member returned success.  SENDER_SEQ counts this
 *	membership's successful sends: 1, 2, 3...  ORDER is the class the
 *	message was sent with (cmsg, else the socket's VSYNC_ORDER).
 *   D VIEW_ID NODE:PORT SENDER_SEQ GSEQ ORDER LEN CKSUM [c=VECTOR]
 *	The member read a data message: the fields of its vsync_msginfo
 *	(view_id, sender, sender_seq, global_seq, order), the payload length
 *	and its checksum.
 *   c=VECTOR (optional, version 2)
 *	The causal vector of the message: "c=-" when empty, else
 *	"c=NODE:PORT/SEQ[,NODE:PORT/SEQ...]", each member at most once, in
 *	any order, SEQ >= 1.  On S: what the sender had delivered, in the
 *	view it had installed (read) before the send, up to the send: for
 *	each member it had delivered at least one message from in that view
 *	(itself included), the highest sender_seq delivered from it; nothing
 *	from earlier views.  It must agree with the D lines before the S in
 *	the same log (else a log error, exit 2).  On D: the vector the
 *	message carries (the sender puts it in the payload), which must equal
 *	the one on the sender's S line.  A log may give vectors on some lines
 *	only (e.g. a reader that does not parse them); a D line without one
 *	is checked with its S line's.
 *   L
 *	The membership ended: VSYNC_LEAVE, shutdown() or close() was called.
 *	D and V lines may follow (items queued before the leave).
 *   X
 *	After L or a non-primary view, recv returned 0: every item queued to
 *	this member was read.
 *   T VIEW_ID LEN CKSUM (version 2)
 *	State transfer, donor side: view VIEW_ID named this member donor, and
 *	it wrote its state for that view's joiners: LEN bytes with checksum
 *	CKSUM, the state as it stood when it read view VIEW_ID (the cut).
 *	Comes after the V line of VIEW_ID, at most once per VIEW_ID; one T
 *	serves every joiner of the view.
 *   R VIEW_ID NODE:PORT LEN CKSUM (version 2)
 *	State transfer, joiner side: the member read a whole state of LEN
 *	bytes with checksum CKSUM for view VIEW_ID from donor NODE:PORT.  At
 *	most one per membership, before any D line of a view >= VIEW_ID.
 *   Z VIEW_ID (version 2)
 *	State transfer restarted: the joiner threw away the partial state it
 *	was reading for view VIEW_ID (a newer view, e.g. after its donor
 *	died, names another donor; the R that follows names that newer view).
 *	Only before the membership's R, and VIEW_ID is lower than the R's.
 *	The items of view VIEW_ID were held back and are dropped with the
 *	partial state (the new state covers them): rules 2 and 8 do not
 *	compare this member's deliveries in that view.
 *
 * Logs may end abruptly: a member killed with SIGKILL (alone, or with its
 * node) leaves no L.  Such a log is taken as it is, a prefix of what the
 * member saw.  Its writer flushes each line as a whole, so a last line
 * without its newline was cut in the middle by the kill: it is dropped.
 * A membership that ends without L and without a non-primary view may have
 * one message more than its S lines (its send returned, the kill came
 * before the S line): the next sender_seq may be delivered unlogged, and
 * is then checked only against its other deliveries.
 *
 * CKSUM is the 32-bit FNV-1a hash of the payload in hex (vsync_cksum() in
 * vsync_util.h).  Within one run a group name must denote one group
 * incarnation: the logs must not span the group becoming empty and being
 * created again (view ids would start over).
 *
 * GUARANTEES CHECKED (numbers as in DESIGN.md section 2)
 *
 * 1 view agreement: all members that install view V of a group list the
 *   same members in the same rank order, and agree whether V is primary;
 *   each member's view ids strictly increase; a member is in every view it
 *   installs, listed once; a non-primary view is the member's last.
 * 2 virtual synchrony: members that both install V and, as their next view,
 *   the same V' delivered the same set of messages in V.
 * 3 sending-view delivery: a message carries the view id the deliverer has
 *   installed, the same at every deliverer, its sender is a member of that
 *   view, and that view is not older than the view the sender had
 *   installed before the send; after a non-primary view the member
 *   neither delivers nor sends.  Exempt from "the same at every
 *   deliverer": a delivery in a lone view, the last primary view of a
 *   member that was cut off (its next view is non-primary) or killed (its
 *   log ends in that view without L).  Delivery is not uniform: such a
 *   member may have delivered a message there that the others deliver in
 *   a later view, or never (the man page, vsync(7), says so).
 * 4 integrity: no member delivers a message twice; every delivered message
 *   was logged as sent (S) by its sender, with the same order class,
 *   length and checksum, identical at every deliverer.
 * 5 FIFO: per member, per sender and view, sender_seq goes up by one with
 *   no gap, and every member of the view starts at the same sender_seq.
 * 6 causal: a member delivers a message carrying a causal vector (its D
 *   line's c=, else its S line's) only after every entry q/s of the vector
 *   that was delivered in the same view: q#s (delivered in one view by
 *   everyone, see 3) is delivered earlier in that view if it belongs to
 *   it; it cannot belong to a later view (in a lone view, see 3, one
 *   the member delivered there earlier is in its place).  An entry
 *   nobody logged delivering belongs to the view its sender had
 *   installed at the send (else to the delivery's view).  The D line's
 *   vector equals the S line's, and every D line's the others'.  FIFO
 *   messages (order 1) promise no causal order and are exempt, but with
 *   -1.
 * 7 total: same global_seq means the same message everywhere, a message has
 *   one global_seq (deliveries in lone views exempt, see 3), and each member delivers TOTAL/SAFE messages (all
 *   messages with -1) in increasing global_seq; with -1, global_seq is
 *   consecutive and a view's gseq is that of the message before it.
 * 8 safe: a SAFE message (order 4) delivered in view V by any member, be it
 *   one whose log ends right after, is delivered in V by every member that
 *   goes from V to a primary view (its next V line, without "np").  Exempt:
 *   a member whose log ends in V, that left (L) before its next view, or
 *   whose next view is non-primary.  (2 compares only members with the
 *   same next view.)
 * 9 self-delivery: a sender that installs a view newer than the one its
 *   message was delivered in, delivers one of its later messages, or drains
 *   its queue after leaving (X), has delivered its own message.  Messages
 *   sent in the view that a non-primary view ends, or delivered by the
 *   others in that view (sent in an earlier one, ordered late), or sent in
 *   an earlier one and delivered by nobody (still unordered when that view
 *   began), are exempt from the first and the last rule: they may be lost
 *   with the partition.
 * 10 state transfer: each R has the LEN and CKSUM of its donor's T for the
 *   same view; joiner and donor are members of that view (if some log
 *   installed it).  A donor without a log, or whose log ends without X
 *   (killed, maybe before its T line), is taken on trust.  T, R and Z are
 *   in the order their descriptions above say.
 * Not checked: 11 (liveness), and whether a donor's state is what its
 * deliveries made it (the checker sees checksums, not states).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ORDER_FIFO	1
#define ORDER_TOTAL	3
#define ORDER_SAFE	4

struct mid {
	uint32_t node;
	uint32_t port;
};

enum ev_type { EV_V, EV_S, EV_D, EV_L, EV_X, EV_T, EV_R, EV_Z };

/* One entry of a causal vector: the highest sender_seq seen from a member. */
struct cvent {
	struct mid id;
	uint64_t seq;
};

struct event {
	enum ev_type type;
	int line;
	uint64_t view_id;	/* V, D, T, R, Z; S: the view installed at the send */
	uint64_t gseq;		/* V, D */
	uint64_t seq;		/* S, D */
	struct mid sender;	/* D; R: the donor */
	uint32_t order;		/* S, D */
	uint64_t len;		/* S, D, T, R */
	uint32_t cksum;		/* S, D, T, R */
	int has_cv;		/* S, D: a c= field was given */
	int ncv;
	struct cvent *cv;	/* S, D: the causal vector */
	int nmem;		/* V */
	struct mid *mem;	/* V */
	int np;			/* V: not primary */
	int lone;		/* V: the member's last primary view (see 3) */
	long msg;		/* S, D: index into msgs */
};

struct member {
	int group;
	struct mid id;
	const char *file;
	int line;
	struct event *ev;
	int nev, cap;
	uint64_t max_view;	/* highest view id installed */
	int drained;
	int left;		/* has an L line */
	int np;			/* installed a non-primary view */
	uint64_t np_from;	/* the view that the non-primary view ended */
	uint64_t nsent;		/* S lines */
};

struct msg {
	int group;
	struct mid sender;
	uint64_t seq;
	/* from the sender's S line */
	int sent;
	int sender_member;
	int s_line;
	uint32_t order;
	uint64_t len;
	uint32_t cksum;
	uint64_t view_at_send;	/* view the sender had installed at S */
	const struct event *s_ev;	/* the S line */
	/* from the first delivery, one outside a lone view if any */
	int delivered;
	int d_lone;
	const char *d_file;
	int d_line;
	uint64_t d_view;
	uint64_t d_gseq;
	uint32_t d_order;
	uint64_t d_len;
	uint32_t d_cksum;
	int last_member;	/* duplicate detection within one member */
	const struct event *d_cv;	/* first D line with a causal vector */
	int d_cv_member;
};

struct view {
	int group;
	uint64_t id;
	int nmem;
	int np;
	struct mid *mem;
	const char *file;
	int line;
};

static char **groups;
static int ngroups;
static struct member *members;
static int nmembers;
static struct msg *msgs;
static long nmsgs, capmsgs;
static struct view *views;
static long nviews, capviews;
static long ndeliveries, ncausal;
static int one_node, verbose, ntorn, nunlogged, ntransfers, nunmatched;

/* ---- small helpers ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vsync_check: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static const char *const gname[] = {
	[1] = "view agreement", [2] = "virtual synchrony",
	[3] = "sending-view delivery", [4] = "integrity", [5] = "FIFO",
	[6] = "causal", [7] = "total order", [8] = "safe",
	[9] = "self-delivery", [10] = "state transfer",
};

static void violation(int g, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5), noreturn));
static void violation(int g, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("vsync_check: VIOLATION guarantee %d (%s): ", g, gname[g]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (file)
		printf(" at %s:%d", file, line);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

#define MIDF "%u:%u"
#define MIDA(m) (m).node, (m).port

static int mid_eq(struct mid a, struct mid b)
{
	return a.node == b.node && a.port == b.port;
}

/* ---- hash table: (group, node, port, seq) -> index ---- */

struct hkey {
	uint64_t a, b;
};

struct htab {
	struct hkey *key;
	long *val;
	size_t cap, n;
};

static uint64_t hmix(struct hkey k)
{
	uint64_t h = k.a * 0x9E3779B97F4A7C15ull ^ (k.b + 0x632BE59BD9B4E019ull);

	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ull;
	h ^= h >> 29;
	return h;
}

static long *hfind(struct htab *t, struct hkey k, int insert)
{
	size_t i;

	if (insert && (t->n + 1) * 2 > t->cap) {
		struct htab nt = { .cap = t->cap ? t->cap * 2 : 1024 };
		size_t j;

		nt.key = xrealloc(NULL, nt.cap * sizeof(*nt.key));
		nt.val = xrealloc(NULL, nt.cap * sizeof(*nt.val));
		for (j = 0; j < nt.cap; j++)
			nt.val[j] = -1;
		for (j = 0; j < t->cap; j++)
			if (t->val[j] >= 0)
				*hfind(&nt, t->key[j], 1) = t->val[j];
		free(t->key);
		free(t->val);
		*t = nt;
	}
	if (!t->cap)
		return NULL;
	for (i = hmix(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (t->val[i] < 0) {
			if (!insert)
				return NULL;
			t->key[i] = k;
			t->n++;
			return &t->val[i];
		}
		if (t->key[i].a == k.a && t->key[i].b == k.b)
			return &t->val[i];
	}
}

static struct htab msg_tab, gseq_tab, view_tab;

static struct hkey msg_key(int g, struct mid s, uint64_t seq)
{
	struct hkey k = {
		.a = (uint64_t)s.node << 32 | s.port,
		.b = seq ^ ((uint64_t)g << 48),
	};

	return k;
}

static long msg_get(int g, struct mid s, uint64_t seq)
{
	struct hkey k = msg_key(g, s, seq);
	long *v, i;

	/* The key above can only collide for huge seq: compare in full. */
	for (;;) {
		v = hfind(&msg_tab, k, 1);
		if (*v < 0)
			break;
		i = *v;
		if (msgs[i].group == g && mid_eq(msgs[i].sender, s) && msgs[i].seq == seq)
			return i;
		k.b = k.b * 31 + 7;	/* collision: probe another key */
	}
	if (nmsgs == capmsgs) {
		capmsgs = capmsgs ? capmsgs * 2 : 4096;
		msgs = xrealloc(msgs, capmsgs * sizeof(*msgs));
	}
	i = nmsgs++;
	memset(&msgs[i], 0, sizeof(msgs[i]));
	msgs[i].group = g;
	msgs[i].sender = s;
	msgs[i].seq = seq;
	msgs[i].sender_member = -1;
	msgs[i].last_member = -1;
	*v = i;
	return i;
}

/* The message (g, s, seq) if some line named it, else -1. */
static long msg_find(int g, struct mid s, uint64_t seq)
{
	struct hkey k = msg_key(g, s, seq);
	long *v;

	for (;;) {
		v = hfind(&msg_tab, k, 0);
		if (!v)
			return -1;
		if (msgs[*v].group == g && mid_eq(msgs[*v].sender, s) && msgs[*v].seq == seq)
			return *v;
		k.b = k.b * 31 + 7;	/* as msg_get() probes */
	}
}

/* ---- parsing ---- */

static int group_index(const char *name)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (!strcmp(groups[i], name))
			return i;
	groups = xrealloc(groups, (ngroups + 1) * sizeof(*groups));
	groups[ngroups] = xstrdup(name);
	return ngroups++;
}

static int parse_u64(const char *s, uint64_t *v, int base)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, base);
	return (errno || *end) ? -1 : 0;
}

static int parse_u32(const char *s, uint32_t *v, int base)
{
	uint64_t x;

	if (parse_u64(s, &x, base) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_mid(const char *s, struct mid *m)
{
	size_t len = strlen(s);
	char buf[64], *colon;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len + 1);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	return parse_u32(buf, &m->node, 10) || parse_u32(colon + 1, &m->port, 10) ? -1 : 0;
}

/*
 * The optional last field of S and D: "c=-" or
 * "c=NODE:PORT/SEQ[,NODE:PORT/SEQ...]", each member at most once, SEQ >= 1.
 * Returns 1 when tok is such a field (parsed into e), 0 when it is not a
 * c= field, -1 when it is a malformed one.
 */
static int parse_cv(char *tok, struct event *e)
{
	char *q, *slash, *save;
	int i;

	if (strncmp(tok, "c=", 2))
		return 0;
	e->has_cv = 1;
	tok += 2;
	if (!strcmp(tok, "-"))
		return 1;
	if (!*tok || *tok == ',' || tok[strlen(tok) - 1] == ',' || strstr(tok, ",,"))
		return -1;
	for (q = strtok_r(tok, ",", &save); q; q = strtok_r(NULL, ",", &save)) {
		struct cvent c;

		slash = strchr(q, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		if (parse_mid(q, &c.id) || parse_u64(slash + 1, &c.seq, 10) || !c.seq)
			return -1;
		for (i = 0; i < e->ncv; i++)
			if (mid_eq(e->cv[i].id, c.id))
				return -1;
		e->cv = xrealloc(e->cv, (e->ncv + 1) * sizeof(*e->cv));
		e->cv[e->ncv++] = c;
	}
	return 1;
}

static struct event *new_event(struct member *m, enum ev_type t, int line)
{
	struct event *e;

	if (m->nev == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->ev = xrealloc(m->ev, m->cap * sizeof(*m->ev));
	}
	e = &m->ev[m->nev++];
	memset(e, 0, sizeof(*e));
	e->type = t;
	e->line = line;
	e->msg = -1;
	return e;
}

#define MAXTOK 16

static void parse_file(const char *path)
{
	char *line = NULL, *tok[MAXTOK], *p, *save;
	struct member *cur = NULL;
	size_t cap = 0;
	int lineno = 0, ntok, i;
	const char *file = xstrdup(path);
	FILE *f = fopen(path, "r");
	ssize_t len;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (line[len - 1] != '\n') {
			/* unfinished: its writer was killed (see the top) */
			ntorn++;
			if (verbose)
				printf("vsync_check: %s:%d: unfinished last line dropped\n",
				       path, lineno);
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		ntok = 0;
		for (p = strtok_r(line, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
			if (ntok == MAXTOK)
				die("%s:%d: too many fields", path, lineno);
			tok[ntok++] = p;
		}
		if (!ntok)
			continue;
		if (strlen(tok[0]) != 1)
			die("%s:%d: unknown record '%s'", path, lineno, tok[0]);
		if (tok[0][0] != 'M' && !cur)
			die("%s:%d: record before the first M line", path, lineno);
		switch (tok[0][0]) {
		case 'M': {
			struct mid id;

			if (ntok != 3 || parse_mid(tok[2], &id))
				die("%s:%d: bad M line", path, lineno);
			for (i = 0; i < nmembers; i++)
				if (mid_eq(members[i].id, id) &&
				    !strcmp(groups[members[i].group], tok[1]))
					die("%s:%d: member " MIDF " of %s already started at %s:%d",
					    path, lineno, MIDA(id), tok[1],
					    members[i].file, members[i].line);
			members = xrealloc(members, (nmembers + 1) * sizeof(*members));
			cur = &members[nmembers++];
			memset(cur, 0, sizeof(*cur));
			cur->group = group_index(tok[1]);
			cur->id = id;
			cur->file = file;
			cur->line = lineno;
			break;
		}
		case 'V': {
			struct event *e = new_event(cur, EV_V, lineno);
			char *q, *s2;

			if (ntok < 4 || ntok > 5 || parse_u64(tok[1], &e->view_id, 10) ||
			    parse_u64(tok[2], &e->gseq, 10) ||
			    (ntok == 5 && strcmp(tok[4], "np")))
				die("%s:%d: bad V line", path, lineno);
			e->np = ntok == 5;
			for (q = strtok_r(tok[3], ",", &s2); q; q = strtok_r(NULL, ",", &s2)) {
				e->mem = xrealloc(e->mem, (e->nmem + 1) * sizeof(*e->mem));
				if (parse_mid(q, &e->mem[e->nmem++]))
					die("%s:%d: bad member '%s'", path, lineno, q);
			}
			if (!e->nmem)
				die("%s:%d: view without members", path, lineno);
			break;
		}
		case 'S': {
			struct event *e = new_event(cur, EV_S, lineno);

			if (ntok < 5 || ntok > 6 || parse_u64(tok[1], &e->seq, 10) ||
			    parse_u32(tok[2], &e->order, 10) ||
			    parse_u64(tok[3], &e->len, 10) ||
			    parse_u32(tok[4], &e->cksum, 16) ||
			    (ntok == 6 && parse_cv(tok[5], e) != 1))
				die("%s:%d: bad S line", path, lineno);
			break;
		}
		case 'D': {
			struct event *e = new_event(cur, EV_D, lineno);

			if (ntok < 8 || ntok > 9 || parse_u64(tok[1], &e->view_id, 10) ||
			    parse_mid(tok[2], &e->sender) ||
			    parse_u64(tok[3], &e->seq, 10) ||
			    parse_u64(tok[4], &e->gseq, 10) ||
			    parse_u32(tok[5], &e->order, 10) ||
			    parse_u64(tok[6], &e->len, 10) ||
			    parse_u32(tok[7], &e->cksum, 16) ||
			    (ntok == 9 && parse_cv(tok[8], e) != 1))
				die("%s:%d: bad D line", path, lineno);
			break;
		}
		case 'T': {
			struct event *e = new_event(cur, EV_T, lineno);

			if (ntok != 4 || parse_u64(tok[1], &e->view_id, 10) ||
			    parse_u64(tok[2], &e->len, 10) ||
			    parse_u32(tok[3], &e->cksum, 16))
				die("%s:%d: bad T line", path, lineno);
			break;
		}
		case 'R': {
			struct event *e = new_event(cur, EV_R, lineno);

			if (ntok != 5 || parse_u64(tok[1], &e->view_id, 10) ||
			    parse_mid(tok[2], &e->sender) ||
			    parse_u64(tok[3], &e->len, 10) ||
			    parse_u32(tok[4], &e->cksum, 16))
				die("%s:%d: bad R line", path, lineno);
			break;
		}
		case 'Z': {
			struct event *e = new_event(cur, EV_Z, lineno);

			if (ntok != 2 || parse_u64(tok[1], &e->view_id, 10))
				die("%s:%d: bad Z line", path, lineno);
			break;
		}
		case 'L':
		case 'X':
			if (ntok != 1)
				die("%s:%d: bad %s line", path, lineno, tok[0]);
			new_event(cur, tok[0][0] == 'L' ? EV_L : EV_X, lineno);
			break;
		default:
			die("%s:%d: unknown record '%s'", path, lineno, tok[0]);
		}
	}
	free(line);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	if (verbose)
		printf("vsync_check: read %s (%d lines)\n", path, lineno);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void parse_arg(const char *path)
{
	struct stat st;
	struct dirent *d;
	char **names = NULL;
	int n = 0, i;
	DIR *dir;

	if (stat(path, &st))
		die("%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		parse_file(path);
		return;
	}
	dir = opendir(path);
	if (!dir)
		die("%s: %s", path, strerror(errno));
	while ((d = readdir(dir))) {
		char *full;

		if (!ends_with(d->d_name, ".log"))
			continue;
		full = xrealloc(NULL, strlen(path) + strlen(d->d_name) + 2);
		sprintf(full, "%s/%s", path, d->d_name);
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = full;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++)
		parse_file(names[i]);
	if (!n)
		die("%s: no *.log files", path);
}

/* ---- pass 1: each member on its own, in log order ---- */

static struct view *view_get(int g, uint64_t id, int *created)
{
	struct hkey k = { .a = (uint64_t)g, .b = id };
	long *v = hfind(&view_tab, k, 1);

	*created = 0;
	if (*v < 0) {
		if (nviews == capviews) {
			capviews = capviews ? capviews * 2 : 256;
			views = xrealloc(views, capviews * sizeof(*views));
		}
		*v = nviews++;
		memset(&views[*v], 0, sizeof(views[*v]));
		views[*v].group = g;
		views[*v].id = id;
		*created = 1;
	}
	return &views[*v];
}

static int in_list(const struct mid *l, int n, struct mid x)
{
	int i;

	for (i = 0; i < n; i++)
		if (mid_eq(l[i], x))
			return i;
	return -1;
}

/* Per member and sender: the last message delivered from it. */
struct fifo_state {
	struct mid sender;
	uint64_t view, seq;
};

/*
 * The causal vector of an S line is what its member delivered in the view
 * it had installed (cv) before the send: the last sender_seq of every
 * member it delivered from in that view, nothing else.  The vector is
 * computed from the same deliveries the log shows, so a mismatch is a
 * fault of the log's writer, not of the socket.
 */
static void check_send_cv(const struct member *m, const struct event *e,
			  const struct event *cv, const struct fifo_state *fs, int nfs)
{
	int i, j, n = 0;

	for (j = 0; j < nfs; j++) {
		if (!cv || fs[j].view != cv->view_id)
			continue;
		n++;
		for (i = 0; i < e->ncv; i++)
			if (mid_eq(e->cv[i].id, fs[j].sender))
				break;
		if (i == e->ncv || e->cv[i].seq != fs[j].seq)
			die("%s:%d: the causal vector of S %llu lacks " MIDF "/%llu, the last message delivered from " MIDF " in view %llu",
			    m->file, e->line, (unsigned long long)e->seq, MIDA(fs[j].sender),
			    (unsigned long long)fs[j].seq, MIDA(fs[j].sender),
			    (unsigned long long)cv->view_id);
	}
	if (n != e->ncv)
		die("%s:%d: the causal vector of S %llu names a member that nothing was delivered from in view %llu",
		    m->file, e->line, (unsigned long long)e->seq,
		    (unsigned long long)(cv ? cv->view_id : 0));
}

/* The state transfer rules a membership's own log shows (guarantee 10). */
static void check_transfer_order(const struct member *m, int k, uint64_t max_dview,
				 int have_d)
{
	const struct event *e = &m->ev[k];
	int j, installed = 0;

	switch (e->type) {
	case EV_T:
		for (j = 0; j < k; j++) {
			const struct event *o = &m->ev[j];

			if (o->type == EV_V && o->view_id == e->view_id)
				installed = 1;
			if (o->type == EV_T && o->view_id == e->view_id)
				violation(10, m->file, e->line,
					  "donor " MIDF " wrote its state for view %llu twice (first at line %d)",
					  MIDA(m->id), (unsigned long long)e->view_id, o->line);
		}
		if (!installed)
			violation(10, m->file, e->line,
				  "donor " MIDF " wrote its state for view %llu before it read view %llu",
				  MIDA(m->id), (unsigned long long)e->view_id,
				  (unsigned long long)e->view_id);
		break;
	case EV_R:
		for (j = 0; j < k; j++) {
			const struct event *o = &m->ev[j];

			if (o->type == EV_R)
				violation(10, m->file, e->line,
					  "joiner " MIDF " read a second state (the first at line %d)",
					  MIDA(m->id), o->line);
			if (o->type == EV_Z && o->view_id >= e->view_id)
				violation(10, m->file, e->line,
					  "joiner " MIDF " reads the state of view %llu after it discarded the state of view %llu (line %d)",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  (unsigned long long)o->view_id, o->line);
		}
		if (have_d && max_dview >= e->view_id)
			violation(10, m->file, e->line,
				  "joiner " MIDF " reads the state of view %llu after delivering a message of view %llu",
				  MIDA(m->id), (unsigned long long)e->view_id,
				  (unsigned long long)max_dview);
		break;
	case EV_Z:
		for (j = 0; j < k; j++)
			if (m->ev[j].type == EV_R)
				violation(10, m->file, e->line,
					  "joiner " MIDF " discards a state after it read a whole one (line %d)",
					  MIDA(m->id), m->ev[j].line);
		break;
	default:
		break;
	}
}

/*
 * Mark the views in which the member was cut off or killed: the next view
 * is non-primary, or the log ends in the view without a leave.  Delivery
 * is not uniform (but for SAFE), so there the member may have been alone
 * to deliver a message that the others deliver later, or not at all.
 */
static void mark_lone_views(struct member *m)
{
	struct event *cv = NULL;
	int i;

	for (i = 0; i < m->nev; i++) {
		struct event *e = &m->ev[i];

		if (e->type == EV_L)
			cv = NULL;
		if (e->type != EV_V)
			continue;
		if (cv && e->np)
			cv->lone = 1;
		cv = e->np ? NULL : e;
	}
	if (cv)
		cv->lone = 1;
}

static void check_member(int mi)
{
	struct member *m = &members[mi];
	struct event *cv = NULL;	/* current view */
	uint64_t next_s = 1, last_tot = 0, last_gseq = 0, max_dview = 0;
	int have_tot = 0, have_gseq = 0, have_d = 0, i, j, created;
	struct fifo_state *fs = NULL;
	int nfs = 0;

	mark_lone_views(m);

	for (i = 0; i < m->nev; i++) {
		struct event *e = &m->ev[i];

		switch (e->type) {
		case EV_V: {
			struct view *v;

			if (m->np)
				violation(1, m->file, e->line,
					  "member " MIDF " installs view %llu after the non-primary view %llu",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  (unsigned long long)cv->view_id);
			if (cv && e->view_id <= cv->view_id)
				violation(1, m->file, e->line,
					  "member " MIDF " installs view %llu after view %llu",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  (unsigned long long)cv->view_id);
			if (in_list(e->mem, e->nmem, m->id) < 0)
				violation(1, m->file, e->line,
					  "member " MIDF " installs view %llu that does not list it",
					  MIDA(m->id), (unsigned long long)e->view_id);
			for (j = 0; j < e->nmem; j++)
				if (in_list(e->mem, j, e->mem[j]) >= 0)
					violation(1, m->file, e->line,
						  "view %llu lists " MIDF " twice",
						  (unsigned long long)e->view_id, MIDA(e->mem[j]));
			v = view_get(m->group, e->view_id, &created);
			if (created) {
				v->nmem = e->nmem;
				v->mem = e->mem;
				v->np = e->np;
				v->file = m->file;
				v->line = e->line;
			} else if (v->np != e->np) {
				violation(1, m->file, e->line,
					  "view %llu of %s is %sprimary here, %sprimary at %s:%d",
					  (unsigned long long)e->view_id, groups[m->group],
					  e->np ? "non-" : "", v->np ? "non-" : "",
					  v->file, v->line);
			} else if (v->nmem != e->nmem ||
				   memcmp(v->mem, e->mem, e->nmem * sizeof(*e->mem))) {
				violation(1, m->file, e->line,
					  "view %llu of %s has another member list than at %s:%d",
					  (unsigned long long)e->view_id, groups[m->group],
					  v->file, v->line);
			}
			if (one_node && cv && have_gseq && e->gseq != last_gseq)
				violation(7, m->file, e->line,
					  "view %llu has gseq %llu but the last message before it had gseq %llu",
					  (unsigned long long)e->view_id,
					  (unsigned long long)e->gseq,
					  (unsigned long long)last_gseq);
			if (one_node) {
				last_gseq = e->gseq;
				have_gseq = 1;
			}
			if (e->np) {
				m->np = 1;
				m->np_from = cv ? cv->view_id : 0;
			}
			cv = e;
			if (e->view_id > m->max_view)
				m->max_view = e->view_id;
			break;
		}
		case EV_S: {
			struct msg *g;

			if (e->seq != next_s)
				die("%s:%d: S line with sender_seq %llu, expected %llu",
				    m->file, e->line, (unsigned long long)e->seq,
				    (unsigned long long)next_s);
			/* out of the group: sends fail with ENETDOWN */
			if (m->np)
				violation(3, m->file, e->line,
					  "member " MIDF " sent #%llu after the non-primary view %llu",
					  MIDA(m->id), (unsigned long long)e->seq,
					  (unsigned long long)cv->view_id);
			if (e->has_cv)
				check_send_cv(m, e, cv, fs, nfs);
			next_s++;
			m->nsent++;
			e->view_id = cv ? cv->view_id : 0;
			e->msg = msg_get(m->group, m->id, e->seq);
			g = &msgs[e->msg];
			g->sent = 1;
			g->sender_member = mi;
			g->s_line = e->line;
			g->order = e->order;
			g->len = e->len;
			g->cksum = e->cksum;
			g->view_at_send = cv ? cv->view_id : 0;
			g->s_ev = e;
			break;
		}
		case EV_D: {
			struct msg *g;
			int tot, lone;

			ndeliveries++;
			have_d = 1;
			if (e->view_id > max_dview)
				max_dview = e->view_id;
			if (!cv)
				violation(3, m->file, e->line,
					  "message " MIDF "#%llu delivered before any view",
					  MIDA(e->sender), (unsigned long long)e->seq);
			if (m->np)
				violation(3, m->file, e->line,
					  "message " MIDF "#%llu delivered after the non-primary view %llu",
					  MIDA(e->sender), (unsigned long long)e->seq,
					  (unsigned long long)cv->view_id);
			if (e->view_id != cv->view_id)
				violation(3, m->file, e->line,
					  "message " MIDF "#%llu carries view %llu but the member is in view %llu",
					  MIDA(e->sender), (unsigned long long)e->seq,
					  (unsigned long long)e->view_id,
					  (unsigned long long)cv->view_id);
			if (in_list(cv->mem, cv->nmem, e->sender) < 0)
				violation(3, m->file, e->line,
					  "message " MIDF "#%llu delivered in view %llu whose members do not include its sender",
					  MIDA(e->sender), (unsigned long long)e->seq,
					  (unsigned long long)e->view_id);
			e->msg = msg_get(m->group, e->sender, e->seq);
			g = &msgs[e->msg];
			if (g->last_member == mi)
				violation(4, m->file, e->line,
					  "message " MIDF "#%llu delivered twice to " MIDF,
					  MIDA(e->sender), (unsigned long long)e->seq, MIDA(m->id));
			g->last_member = mi;
			lone = cv && cv->lone;
			if (!g->delivered || (g->d_lone && !lone)) {
				g->delivered = 1;
				g->d_lone = lone;
				g->d_file = m->file;
				g->d_line = e->line;
				g->d_view = e->view_id;
				g->d_gseq = e->gseq;
				g->d_order = e->order;
				g->d_len = e->len;
				g->d_cksum = e->cksum;
			} else {
				if (!lone && g->d_view != e->view_id)
					violation(3, m->file, e->line,
						  "message " MIDF "#%llu delivered in view %llu here, in view %llu at %s:%d",
						  MIDA(e->sender), (unsigned long long)e->seq,
						  (unsigned long long)e->view_id,
						  (unsigned long long)g->d_view, g->d_file, g->d_line);
				if (!lone && g->d_gseq != e->gseq)
					violation(7, m->file, e->line,
						  "message " MIDF "#%llu has gseq %llu here, %llu at %s:%d",
						  MIDA(e->sender), (unsigned long long)e->seq,
						  (unsigned long long)e->gseq,
						  (unsigned long long)g->d_gseq, g->d_file, g->d_line);
				if (g->d_order != e->order || g->d_len != e->len ||
				    g->d_cksum != e->cksum)
					violation(4, m->file, e->line,
						  "message " MIDF "#%llu has order/len/cksum %u/%llu/%08x here, %u/%llu/%08x at %s:%d",
						  MIDA(e->sender), (unsigned long long)e->seq,
						  e->order, (unsigned long long)e->len, e->cksum,
						  g->d_order, (unsigned long long)g->d_len,
						  g->d_cksum, g->d_file, g->d_line);
			}
			/* same gseq = same message */
			if (e->gseq && !lone) {
				struct hkey k = { .a = (uint64_t)m->group, .b = e->gseq };
				long *v = hfind(&gseq_tab, k, 1);

				if (*v < 0)
					*v = e->msg;
				else if (*v != e->msg)
					violation(7, m->file, e->line,
						  "gseq %llu is message " MIDF "#%llu here but " MIDF "#%llu elsewhere",
						  (unsigned long long)e->gseq, MIDA(e->sender),
						  (unsigned long long)e->seq,
						  MIDA(msgs[*v].sender),
						  (unsigned long long)msgs[*v].seq);
			}
			/* total order */
			tot = one_node || e->order == ORDER_TOTAL || e->order == ORDER_SAFE;
			if (tot) {
				if (!e->gseq)
					violation(7, m->file, e->line,
						  "message " MIDF "#%llu of class %u has no gseq",
						  MIDA(e->sender), (unsigned long long)e->seq, e->order);
				if (have_tot && e->gseq <= last_tot)
					violation(7, m->file, e->line,
						  "gseq %llu delivered after gseq %llu",
						  (unsigned long long)e->gseq,
						  (unsigned long long)last_tot);
				last_tot = e->gseq;
				have_tot = 1;
			}
			if (one_node) {
				if (have_gseq && e->gseq != last_gseq + 1)
					violation(7, m->file, e->line,
						  "gseq %llu follows gseq %llu (one node: consecutive)",
						  (unsigned long long)e->gseq,
						  (unsigned long long)last_gseq);
				last_gseq = e->gseq;
				have_gseq = 1;
			}
			/* FIFO */
			for (j = 0; j < nfs; j++)
				if (mid_eq(fs[j].sender, e->sender))
					break;
			if (j == nfs) {
				fs = xrealloc(fs, (nfs + 1) * sizeof(*fs));
				fs[nfs].sender = e->sender;
				fs[nfs].view = e->view_id;
				fs[nfs].seq = e->seq;
				nfs++;
			} else {
				if (fs[j].view == e->view_id && e->seq != fs[j].seq + 1)
					violation(5, m->file, e->line,
						  "from " MIDF " sender_seq %llu follows %llu in view %llu",
						  MIDA(e->sender), (unsigned long long)e->seq,
						  (unsigned long long)fs[j].seq,
						  (unsigned long long)e->view_id);
				if (fs[j].view != e->view_id && e->seq <= fs[j].seq)
					violation(5, m->file, e->line,
						  "from " MIDF " sender_seq %llu in view %llu after %llu in view %llu",
						  MIDA(e->sender), (unsigned long long)e->seq,
						  (unsigned long long)e->view_id,
						  (unsigned long long)fs[j].seq,
						  (unsigned long long)fs[j].view);
				fs[j].view = e->view_id;
				fs[j].seq = e->seq;
			}
			break;
		}
		case EV_L:
			if (m->left)
				die("%s:%d: second L line", m->file, e->line);
			m->left = 1;
			break;
		case EV_X:
			if (!m->left && !m->np)
				die("%s:%d: X line before L or a non-primary view",
				    m->file, e->line);
			m->drained = 1;
			break;
		case EV_T:
		case EV_R:
		case EV_Z:
			check_transfer_order(m, i, max_dview, have_d);
			break;
		}
	}
	free(fs);
}

/* ---- pass 2: across members ---- */

/* One member's deliveries in one view, with the view that followed. */
struct segment {
	int member;
	int group;
	uint64_t view, next_view;
	long *msg;		/* sorted message indices */
	int n;
	int line;		/* line of the next view */
};

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->view != y->view)
		return x->view < y->view ? -1 : 1;
	if (x->next_view != y->next_view)
		return x->next_view < y->next_view ? -1 : 1;
	return x->member - y->member;
}

static void describe_msg(long i, char *buf, size_t len)
{
	snprintf(buf, len, MIDF "#%llu", MIDA(msgs[i].sender),
		 (unsigned long long)msgs[i].seq);
}

/*
 * Did member m restart a state transfer it awaited in view @view (a Z
 * line naming it)?  Its items of that view were dropped with the partial
 * state, so its deliveries there are not compared.
 */
static int transfer_voided(const struct member *m, uint64_t view)
{
	int k;

	for (k = 0; k < m->nev; k++)
		if (m->ev[k].type == EV_Z && m->ev[k].view_id == view)
			return 1;
	return 0;
}

static void check_virtual_synchrony(void)
{
	struct segment *seg = NULL;
	long nseg = 0, i, j;
	int mi, k;

	for (mi = 0; mi < nmembers; mi++) {
		struct member *m = &members[mi];
		long *cur = NULL;
		int ncur = 0, inview = 0;
		uint64_t view = 0;

		for (k = 0; k < m->nev; k++) {
			struct event *e = &m->ev[k];

			if (e->type == EV_D) {
				cur = xrealloc(cur, (ncur + 1) * sizeof(*cur));
				cur[ncur++] = e->msg;
			} else if (e->type == EV_V) {
				if (inview && !transfer_voided(m, view)) {
					seg = xrealloc(seg, (nseg + 1) * sizeof(*seg));
					qsort(cur, ncur, sizeof(*cur), cmp_long);
					seg[nseg++] = (struct segment){
						.member = mi, .group = m->group,
						.view = view, .next_view = e->view_id,
						.msg = cur, .n = ncur, .line = e->line,
					};
				} else {
					free(cur);
				}
				cur = NULL;
				ncur = 0;
				inview = 1;
				view = e->view_id;
			}
		}
		free(cur);
	}
	qsort(seg, nseg, sizeof(*seg), cmp_seg);
	for (i = 0; i < nseg; i = j) {
		for (j = i + 1; j < nseg && seg[j].group == seg[i].group &&
		     seg[j].view == seg[i].view && seg[j].next_view == seg[i].next_view; j++) {
			struct segment *a = &seg[i], *b = &seg[j];
			int x = 0, y = 0;
			char d[64];

			while (x < a->n || y < b->n) {
				if (x < a->n && y < b->n && a->msg[x] == b->msg[y]) {
					x++;
					y++;
					continue;
				}
				if (y >= b->n || (x < a->n && a->msg[x] < b->msg[y])) {
					describe_msg(a->msg[x], d, sizeof(d));
					violation(2, members[b->member].file, b->line,
						  "members " MIDF " and " MIDF " both went from view %llu to %llu; %s was delivered in view %llu by the first only",
						  MIDA(members[a->member].id),
						  MIDA(members[b->member].id),
						  (unsigned long long)a->view,
						  (unsigned long long)a->next_view, d,
						  (unsigned long long)a->view);
				}
				describe_msg(b->msg[y], d, sizeof(d));
				violation(2, members[b->member].file, b->line,
					  "members " MIDF " and " MIDF " both went from view %llu to %llu; %s was delivered in view %llu by the second only",
					  MIDA(members[a->member].id),
					  MIDA(members[b->member].id),
					  (unsigned long long)a->view,
					  (unsigned long long)a->next_view, d,
					  (unsigned long long)a->view);
			}
		}
	}
	for (i = 0; i < nseg; i++)
		free(seg[i].msg);
	free(seg);
}

static int find_member(int group, struct mid id)
{
	int i;

	for (i = 0; i < nmembers; i++)
		if (members[i].group == group && mid_eq(members[i].id, id))
			return i;
	return -1;
}

/*
 * A message delivered without an S line: the one send of a killed member
 * that returned just before the kill (see the top).
 */
static int sent_unlogged(const struct msg *g)
{
	int mi = find_member(g->group, g->sender);
	const struct member *m;

	if (mi < 0)
		return 0;
	m = &members[mi];
	return !m->left && !m->np && g->seq == m->nsent + 1;
}

static void check_messages(void)
{
	long i;

	for (i = 0; i < nmsgs; i++) {
		struct msg *g = &msgs[i];
		char d[64];

		describe_msg(i, d, sizeof(d));
		if (!g->delivered)
			continue;
		if (!g->sent && sent_unlogged(g)) {
			nunlogged++;
			continue;
		}
		if (!g->sent)
			violation(4, g->d_file, g->d_line,
				  "message %s of group %s was delivered but never logged as sent",
				  d, groups[g->group]);
		if (g->order != g->d_order || g->len != g->d_len || g->cksum != g->d_cksum)
			violation(4, g->d_file, g->d_line,
				  "message %s delivered with order/len/cksum %u/%llu/%08x, sent with %u/%llu/%08x at %s:%d",
				  d, g->d_order, (unsigned long long)g->d_len, g->d_cksum,
				  g->order, (unsigned long long)g->len, g->cksum,
				  members[g->sender_member].file, g->s_line);
		if (g->d_view < g->view_at_send)
			violation(3, g->d_file, g->d_line,
				  "message %s delivered in view %llu but its sender had installed view %llu before sending it (%s:%d)",
				  d, (unsigned long long)g->d_view,
				  (unsigned long long)g->view_at_send,
				  members[g->sender_member].file, g->s_line);
	}
}

/* FIFO across members: everyone in V starts at the same sender_seq. */
struct first {
	int group;
	struct mid sender;
	uint64_t view, seq;
	int member, line;
};

static int cmp_first(const void *a, const void *b)
{
	const struct first *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->sender.node != y->sender.node)
		return x->sender.node < y->sender.node ? -1 : 1;
	if (x->sender.port != y->sender.port)
		return x->sender.port < y->sender.port ? -1 : 1;
	if (x->view != y->view)
		return x->view < y->view ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->member - y->member;
}

static void check_fifo_start(void)
{
	struct first *f = NULL;
	long nf = 0, i;
	int mi, k;

	for (mi = 0; mi < nmembers; mi++) {
		struct member *m = &members[mi];
		long start = nf;

		for (k = 0; k < m->nev; k++) {
			struct event *e = &m->ev[k];
			long j;

			if (e->type != EV_D)
				continue;
			for (j = start; j < nf; j++)
				if (mid_eq(f[j].sender, e->sender) && f[j].view == e->view_id)
					break;
			if (j < nf)
				continue;
			f = xrealloc(f, (nf + 1) * sizeof(*f));
			f[nf++] = (struct first){
				.group = m->group, .sender = e->sender,
				.view = e->view_id, .seq = e->seq,
				.member = mi, .line = e->line,
			};
		}
	}
	qsort(f, nf, sizeof(*f), cmp_first);
	for (i = 1; i < nf; i++) {
		if (f[i].group != f[i - 1].group || !mid_eq(f[i].sender, f[i - 1].sender) ||
		    f[i].view != f[i - 1].view || f[i].seq == f[i - 1].seq)
			continue;
		violation(5, members[f[i].member].file, f[i].line,
			  "in view %llu member " MIDF " first delivers " MIDF "#%llu, but " MIDF " delivered #%llu of that sender in that view",
			  (unsigned long long)f[i].view, MIDA(members[f[i].member].id),
			  MIDA(f[i].sender), (unsigned long long)f[i].seq,
			  MIDA(members[f[i - 1].member].id),
			  (unsigned long long)f[i - 1].seq);
	}
	free(f);
}

static void check_self_delivery(void)
{
	int mi, k;

	for (mi = 0; mi < nmembers; mi++) {
		struct member *m = &members[mi];
		uint64_t max_own = 0;
		int *got;
		long nsent = 0;

		for (k = 0; k < m->nev; k++)
			if (m->ev[k].type == EV_S)
				nsent++;
		got = calloc(nsent + 1, sizeof(*got));
		if (!got)
			die("out of memory");
		for (k = 0; k < m->nev; k++) {
			struct event *e = &m->ev[k];

			if (e->type == EV_D && mid_eq(e->sender, m->id) &&
			    e->seq >= 1 && e->seq <= (uint64_t)nsent) {
				got[e->seq] = 1;
				if (e->seq > max_own)
					max_own = e->seq;
			}
		}
		for (k = 0; k < m->nev; k++) {
			struct event *e = &m->ev[k];
			struct msg *g;
			int lost;

			if (e->type != EV_S || got[e->seq])
				continue;
			g = &msgs[e->msg];
			/*
			 * Sent in the view the partition ended, or that the
			 * others delivered it in, or sent before it and
			 * delivered by nobody (the member had not read that
			 * view yet, or its socket carried the message into
			 * it unordered): maybe lost with it.
			 */
			lost = m->np && (e->view_id == m->np_from ||
					 (g->delivered && g->d_view == m->np_from) ||
					 (!g->delivered && e->view_id < m->np_from));
			if (!lost && g->delivered && m->max_view > g->d_view)
				violation(9, m->file, e->line,
					  "member " MIDF " did not deliver its own message #%llu of view %llu but installed view %llu",
					  MIDA(m->id), (unsigned long long)e->seq,
					  (unsigned long long)g->d_view,
					  (unsigned long long)m->max_view);
			if (max_own > e->seq)
				violation(9, m->file, e->line,
					  "member " MIDF " did not deliver its own message #%llu but delivered its #%llu",
					  MIDA(m->id), (unsigned long long)e->seq,
					  (unsigned long long)max_own);
			if (!lost && m->drained)
				violation(9, m->file, e->line,
					  "member " MIDF " read its queue to the end after leaving but never delivered its own message #%llu",
					  MIDA(m->id), (unsigned long long)e->seq);
		}
		free(got);
	}
}

/* ---- guarantee 6: causal ---- */

static void describe_cv(const struct event *e, char *buf, size_t len)
{
	size_t n;
	int i;

	if (!e->ncv) {
		snprintf(buf, len, "c=-");
		return;
	}
	n = snprintf(buf, len, "c=");
	for (i = 0; i < e->ncv && n < len; i++)
		n += snprintf(buf + n, len - n, "%s" MIDF "/%llu", i ? "," : "",
			      MIDA(e->cv[i].id), (unsigned long long)e->cv[i].seq);
}

/* Same entries, in any order (neither names a member twice). */
static int cv_eq(const struct event *a, const struct event *b)
{
	int i, j;

	if (a->ncv != b->ncv)
		return 0;
	for (i = 0; i < a->ncv; i++) {
		for (j = 0; j < b->ncv; j++)
			if (mid_eq(a->cv[i].id, b->cv[j].id))
				break;
		if (j == b->ncv || a->cv[i].seq != b->cv[j].seq)
			return 0;
	}
	return 1;
}

/*
 * Every D line that carries a causal vector (its own c= field, else the
 * one of the message's S line): each entry q/s is a message that happened
 * before it.  If q#s was delivered in the view of this delivery (a message
 * has one view everywhere, guarantee 3), this member must have delivered it
 * earlier in that view.  A message delivered in an older view comes first
 * anyway; one in a later view cannot have happened before, unless this
 * is a lone view and the member delivered it earlier here.  When nobody
 * logged delivering q#s, it belongs to the view the sender had installed
 * when it sent (S), else to the view of this delivery.  FIFO messages
 * (order 1) promise no causal order and are exempt, but with -1 (one total
 * order for every class).
 */
static void check_causal(void)
{
	long *mark = xrealloc(NULL, nmsgs * sizeof(*mark)), stamp = 0, i, x;
	char d[64], dx[64], c1[256], c2[256];
	int mi, k, j, lone;

	for (i = 0; i < nmsgs; i++)
		mark[i] = -1;
	for (mi = 0; mi < nmembers; mi++) {
		struct member *m = &members[mi];

		stamp++;
		lone = 0;
		for (k = 0; k < m->nev; k++) {
			const struct event *e = &m->ev[k], *vec = NULL, *ref;
			struct msg *g;
			uint64_t vx;

			if (e->type == EV_V) {
				stamp++;
				lone = e->lone;
			}
			if (e->type != EV_D)
				continue;
			g = &msgs[e->msg];
			describe_msg(e->msg, d, sizeof(d));
			if (g->s_ev && g->s_ev->has_cv)
				vec = g->s_ev;
			if (e->has_cv) {
				/* the vector it carries is the one its sender computed */
				ref = vec ? vec : g->d_cv;
				if (!ref) {
					g->d_cv = e;
					g->d_cv_member = mi;
				} else if (!cv_eq(e, ref)) {
					describe_cv(e, c1, sizeof(c1));
					describe_cv(ref, c2, sizeof(c2));
					violation(6, m->file, e->line,
						  "message %s carries causal vector %s here, %s on the %s line at %s:%d",
						  d, c1, c2, ref == vec ? "S" : "D",
						  members[ref == vec ? g->sender_member :
							  g->d_cv_member].file, ref->line);
				}
				vec = e;
			}
			if (vec && (one_node || e->order != ORDER_FIFO)) {
				ncausal++;
				for (j = 0; j < vec->ncv; j++) {
					x = msg_find(m->group, vec->cv[j].id, vec->cv[j].seq);
					/*
					 * A lone view has the member's own order only
					 * (see 3): a cause delivered earlier in it is in
					 * its place, in whatever view the others put it.
					 */
					if (lone && x >= 0 && mark[x] == stamp)
						continue;
					if (x >= 0 && msgs[x].delivered)
						vx = msgs[x].d_view;
					else
						vx = g->sent ? g->view_at_send : e->view_id;
					snprintf(dx, sizeof(dx), MIDF "#%llu", MIDA(vec->cv[j].id),
						 (unsigned long long)vec->cv[j].seq);
					if (vx > e->view_id)
						violation(6, m->file, e->line,
							  "message %s, delivered in view %llu, follows %s, which was delivered in the later view %llu",
							  d, (unsigned long long)e->view_id, dx,
							  (unsigned long long)vx);
					if (vx == e->view_id && (x < 0 || mark[x] != stamp))
						violation(6, m->file, e->line,
							  "member " MIDF " delivers %s in view %llu before %s, which happened before it",
							  MIDA(m->id), d, (unsigned long long)e->view_id, dx);
				}
			}
			mark[e->msg] = stamp;
		}
	}
	free(mark);
}

/* ---- guarantee 8: safe ---- */

static int cmp_safe(const void *a, const void *b)
{
	const struct msg *x = &msgs[*(const long *)a], *y = &msgs[*(const long *)b];

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->d_view != y->d_view)
		return x->d_view < y->d_view ? -1 : 1;
	return cmp_long(a, b);
}

/*
 * Member mi went from view cur to the primary view next, delivering got[]
 * in cur: it must hold every SAFE message anybody delivered in cur.
 */
static void check_safe_segment(int mi, const struct event *cur, const struct event *next,
			       long *got, int ngot, const long *safe, long nsafe)
{
	const struct member *m = &members[mi];
	long lo = 0, hi = nsafe, mid;
	char d[64];

	qsort(got, ngot, sizeof(*got), cmp_long);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (msgs[safe[mid]].group < m->group ||
		    (msgs[safe[mid]].group == m->group && msgs[safe[mid]].d_view < cur->view_id))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nsafe && msgs[safe[lo]].group == m->group &&
	     msgs[safe[lo]].d_view == cur->view_id; lo++) {
		if (bsearch(&safe[lo], got, ngot, sizeof(*got), cmp_long))
			continue;
		describe_msg(safe[lo], d, sizeof(d));
		violation(8, m->file, next->line,
			  "member " MIDF " went from view %llu to the primary view %llu without the SAFE message %s, delivered in view %llu at %s:%d",
			  MIDA(m->id), (unsigned long long)cur->view_id,
			  (unsigned long long)next->view_id, d,
			  (unsigned long long)cur->view_id, msgs[safe[lo]].d_file,
			  msgs[safe[lo]].d_line);
	}
}

/*
 * A SAFE message delivered by anybody in V, even by a member killed right
 * after, is held by every member of V that goes on from V to a primary
 * view.  Exempt: members whose log ends in V, who left (L) before their
 * next view, or whose next view is non-primary.
 */
static void check_safe(void)
{
	long *safe = NULL, nsafe = 0, i, *got = NULL;
	int mi, k, ngot;

	for (i = 0; i < nmsgs; i++) {
		if (!msgs[i].delivered || msgs[i].d_order != ORDER_SAFE)
			continue;
		safe = xrealloc(safe, (nsafe + 1) * sizeof(*safe));
		safe[nsafe++] = i;
	}
	if (!nsafe)
		return;
	qsort(safe, nsafe, sizeof(*safe), cmp_safe);
	for (mi = 0; mi < nmembers; mi++) {
		const struct member *m = &members[mi];
		const struct event *cur = NULL;
		int left = 0;

		ngot = 0;
		for (k = 0; k < m->nev; k++) {
			const struct event *e = &m->ev[k];

			if (e->type == EV_D) {
				got = xrealloc(got, (ngot + 1) * sizeof(*got));
				got[ngot++] = e->msg;
			} else if (e->type == EV_L) {
				left = 1;
			} else if (e->type == EV_V) {
				if (cur && !left && !e->np &&
				    !transfer_voided(m, cur->view_id))
					check_safe_segment(mi, cur, e, got, ngot, safe, nsafe);
				cur = e;
				ngot = 0;
			}
		}
	}
	free(got);
	free(safe);
}

/* ---- guarantee 10: state transfer ---- */

/*
 * Every R matches the T of its donor for the same view: same length, same
 * checksum.  Joiner and donor are members of that view.  A donor without a
 * log, or whose log was cut (no X), may have died before its T line.
 */
static void check_state_transfer(void)
{
	int mi, k, di, j;

	for (mi = 0; mi < nmembers; mi++) {
		const struct member *m = &members[mi];

		for (k = 0; k < m->nev; k++) {
			const struct event *e = &m->ev[k], *t = NULL;
			struct hkey key = { .a = (uint64_t)m->group, .b = e->view_id };
			const struct member *dm;
			long *v;

			if (e->type != EV_R)
				continue;
			ntransfers++;
			v = hfind(&view_tab, key, 0);
			if (v && in_list(views[*v].mem, views[*v].nmem, m->id) < 0)
				violation(10, m->file, e->line,
					  "joiner " MIDF " read a state for view %llu, which does not list it",
					  MIDA(m->id), (unsigned long long)e->view_id);
			if (v && in_list(views[*v].mem, views[*v].nmem, e->sender) < 0)
				violation(10, m->file, e->line,
					  "joiner " MIDF " read a state for view %llu from " MIDF ", which that view does not list",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  MIDA(e->sender));
			di = find_member(m->group, e->sender);
			if (di < 0) {
				nunmatched++;
				continue;
			}
			dm = &members[di];
			for (j = 0; j < dm->nev && !t; j++)
				if (dm->ev[j].type == EV_T && dm->ev[j].view_id == e->view_id)
					t = &dm->ev[j];
			if (!t && !dm->drained) {
				nunmatched++;
				continue;
			}
			if (!t)
				violation(10, m->file, e->line,
					  "joiner " MIDF " read a state for view %llu from " MIDF ", whose log (%s, read to its end) wrote none",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  MIDA(e->sender), dm->file);
			if (t->len != e->len || t->cksum != e->cksum)
				violation(10, m->file, e->line,
					  "joiner " MIDF " read a state for view %llu of %llu bytes, checksum %08x; its donor " MIDF " wrote %llu bytes, checksum %08x at %s:%d",
					  MIDA(m->id), (unsigned long long)e->view_id,
					  (unsigned long long)e->len, e->cksum, MIDA(e->sender),
					  (unsigned long long)t->len, t->cksum, dm->file, t->line);
		}
	}
}

int main(int argc, char **argv)
{
	int opt, i, nnp = 0;
	long nsent = 0, ndel = 0;

	while ((opt = getopt(argc, argv, "1vh")) != -1) {
		switch (opt) {
		case '1':
			one_node = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-1] [-v] LOG_OR_DIR...\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-1] [-v] LOG_OR_DIR...\n", argv[0]);
		return 2;
	}
	for (i = optind; i < argc; i++)
		parse_arg(argv[i]);
	if (!nmembers)
		die("no members in the logs");
	for (i = 0; i < nmembers; i++)
		check_member(i);
	check_messages();
	check_fifo_start();
	check_virtual_synchrony();
	check_self_delivery();
	check_causal();
	check_safe();
	check_state_transfer();
	for (i = 0; i < nmsgs; i++) {
		nsent += msgs[i].sent;
		ndel += msgs[i].delivered;
	}
	for (i = 0; i < nmembers; i++)
		nnp += members[i].np;
	printf("vsync_check: OK: %d groups, %d members, %ld views, %ld messages sent, %ld delivered, %ld deliveries",
	       ngroups, nmembers, nviews, nsent, ndel, ndeliveries);
	if (ncausal)
		printf(", %ld causally checked", ncausal);
	/* what was taken on trust, so that a reader sees it */
	if (nnp)
		printf(", %d non-primary", nnp);
	if (nunlogged)
		printf(", %d sent unlogged", nunlogged);
	if (ntransfers)
		printf(", %d state transfers", ntransfers);
	if (nunmatched)
		printf(" (%d unmatched: donor log missing or cut)", nunmatched);
	if (ntorn)
		printf(", %d unfinished lines", ntorn);
	printf("%s\n", one_node ? " (one node)" : "");
	return 0;
}
