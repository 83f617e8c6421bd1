// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsync-kv: a replicated key-value map over an AF_VSYNC group, the
 * example of state transfer (vsync-kv(1), vsync(7) "State transfer").
 *
 * Every replica is a member of the group.  An update is a TOTAL message
 * "set KEY VALUE", applied by every replica in the one order; every few
 * updates a replica sends a SAFE "commit ID".  A replica that joins with
 * -s asks for state: the donor (the kernel names it) writes its map, as it
 * is when it reads the view, in pieces; the joiner reads the pieces and
 * then the updates after that view.  A SAFE "quit" (vsync-kv -Q) makes
 * every replica stop at the same point of the order, print its map's
 * summary and leave, so that the summaries can be compared.
 *
 * With -o, every event is logged in the format of vsync_check (M, V, S, D,
 * L, X lines) plus, for state transfer:
 *   T VIEW_ID LEN CKSUM           the donor wrote LEN bytes of state for
 *                                 the transfer VIEW_ID
 *   R VIEW_ID NODE:PORT LEN CKSUM the joiner read the complete state of
 *                                 transfer VIEW_ID from donor NODE:PORT
 *   Z VIEW_ID                     the joiner dropped the partial state of
 *                                 transfer VIEW_ID (a restart, or no donor);
 *                                 written just before the V line of the
 *                                 view that said so
 * and comments: "# donor VIEW_ID" when the donor starts writing, and at
 * the end "# map ENTRIES BYTES CKSUM".  CKSUM is the 32-bit FNV-1a hash
 * in hex of the serialized map: "KEY\tVALUE\n" lines in key order.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vsync.h>

#define PIECE		32768	/* a piece of state: well below a UDP datagram */

struct entry {
	char *key;
	char *val;
};

static struct entry *map;
static size_t n_map, cap_map;
static FILE *lg;
static struct vsync *h;
static struct vsync_member_id me;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vsync-kv: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static uint32_t fnv(uint32_t h32, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		h32 ^= p[i];
		h32 *= 16777619u;
	}
	return h32;
}

#define FNV_INIT	2166136261u

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	if (!lg)
		return;
	va_start(ap, fmt);
	vfprintf(lg, fmt, ap);
	va_end(ap);
}

/* --- the map ------------------------------------------------------------ */

static size_t map_find(const char *key, int *found)
{
	size_t lo = 0, hi = n_map;
	int c;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		c = strcmp(map[mid].key, key);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static void map_set(const char *key, size_t klen, const char *val, size_t vlen)
{
	char *k = xstrndup(key, klen);
	int found;
	size_t i = map_find(k, &found);

	if (found) {
		free(k);
		free(map[i].val);
		map[i].val = xstrndup(val, vlen);
		return;
	}
	if (n_map == cap_map) {
		cap_map = cap_map ? 2 * cap_map : 256;
		map = xrealloc(map, cap_map * sizeof(*map));
	}
	memmove(&map[i + 1], &map[i], (n_map - i) * sizeof(*map));
	map[i].key = k;
	map[i].val = xstrndup(val, vlen);
	n_map++;
}

static void map_clear(void)
{
	size_t i;

	for (i = 0; i < n_map; i++) {
		free(map[i].key);
		free(map[i].val);
	}
	n_map = 0;
}

/* "KEY\tVALUE\n" in key order; *len gets its length */
static char *map_serialize(size_t *len)
{
	size_t i, n = 0, off = 0;
	char *buf;

	for (i = 0; i < n_map; i++)
		n += strlen(map[i].key) + strlen(map[i].val) + 2;
	buf = xrealloc(NULL, n + 1);
	for (i = 0; i < n_map; i++)
		off += sprintf(buf + off, "%s\t%s\n", map[i].key, map[i].val);
	*len = off;
	return buf;
}

static int map_load(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *tab, *nl;

	map_clear();
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		tab = memchr(p, '\t', end - p);
		if (!nl || !tab || tab > nl)
			return -1;
		map_set(p, tab - p, tab + 1, nl - tab - 1);
		p = nl + 1;
	}
	return 0;
}

static void map_summary(FILE *f, const char *prefix)
{
	size_t len;
	char *s = map_serialize(&len);

	fprintf(f, "%smap %zu %zu %08x\n", prefix, n_map, len,
		fnv(FNV_INIT, s, len));
	free(s);
}

/* about @bytes of state: keys p0000000..., values of 1000 characters */
static void map_preload(size_t bytes)
{
	char key[16], val[1001];
	size_t i, k;

	for (i = 0; i * 1010 < bytes; i++) {
		snprintf(key, sizeof(key), "p%07zu", i);
		for (k = 0; k < 1000; k++)
			val[k] = 'a' + (i * 7 + k * 13) % 26;
		val[1000] = '\0';
		map_set(key, strlen(key), val, 1000);
	}
}

/* --- the log -------------------------------------------------------------- */

static void log_view(const struct vsync_event *ev)
{
	const struct vsync_view *v = ev->view;
	uint32_t i;

	if (!lg)
		return;
	fprintf(lg, "V %llu %llu ", (unsigned long long)ev->info.view_id,
		(unsigned long long)ev->info.global_seq);
	for (i = 0; i < v->n_members; i++)
		fprintf(lg, "%s%u:%u", i ? "," : "", v->members[i].node,
			v->members[i].port);
	fprintf(lg, "%s\n", (v->flags & VSYNC_VIEW_PRIMARY) ? "" : " np");
}

/* --- the replica ----------------------------------------------------------- */

struct replica {
	int awaiting;			/* a view said VSYNC_VIEW_STATE */
	uint64_t xfer;			/* its id */
	char *st;			/* the state read so far */
	size_t st_len, st_cap;
	uint64_t sent;			/* S lines */
	int piece_ms;			/* -w: donor pause between pieces */
	int quit;
};

static int read_all(struct replica *r, int wait);

/* A send; while it must wait, read, for our own queue may be the full one. */
static void send_logged(struct replica *r, const char *buf, size_t len,
			int order)
{
	for (;;) {
		if (!vsync_send(h, buf, len, order))
			break;
		if (errno != EAGAIN && errno != EINTR)
			die("send: %s", strerror(errno));
		poll(&(struct pollfd){ .fd = vsync_fd(h),
				       .events = POLLOUT | POLLIN }, 1, 100);
		if (!read_all(r, 0))
			die("end of stream while sending");
	}
	r->sent++;
	logf_("S %llu %d %zu %08x\n", (unsigned long long)r->sent, order, len,
	      fnv(FNV_INIT, buf, len));
}

/* The donor: the map as it is now, in pieces. */
static void donate(struct replica *r, uint64_t xfer)
{
	size_t len, off = 0, n;
	char *s = map_serialize(&len);
	int last;

	logf_("# donor %llu\n", (unsigned long long)xfer);
	do {
		n = len - off > PIECE ? PIECE : len - off;
		last = off + n == len;
		while (vsync_send_state(h, s + off, n, last)) {
			if (errno == EINVAL || errno == EPIPE ||
			    errno == ENETDOWN) {
				/* no duty any more, or out of the group */
				free(s);
				return;
			}
			if (errno != EAGAIN && errno != EINTR)
				die("send state: %s", strerror(errno));
			poll(&(struct pollfd){ .fd = vsync_fd(h),
					       .events = POLLOUT | POLLIN },
			     1, 100);
			/*
			 * Read meanwhile: a donor whose queue stays full for
			 * reader_timeout_ms is put out of the group.  What it
			 * reads is past the snapshot; a donor view read here
			 * donates the newer state, and this older duty's next
			 * piece then fails with EINVAL.
			 */
			if (!read_all(r, 0))
				die("end of stream while donating");
		}
		off += n;
		if (r->piece_ms && !last)
			usleep(r->piece_ms * 1000);
	} while (!last);
	logf_("T %llu %zu %08x\n", (unsigned long long)xfer, len,
	      fnv(FNV_INIT, s, len));
	free(s);
}

static void drop_partial(struct replica *r)
{
	if (r->awaiting)
		logf_("Z %llu\n", (unsigned long long)r->xfer);
	r->awaiting = 0;
	r->st_len = 0;
}

static void on_view(struct replica *r, const struct vsync_event *ev)
{
	const struct vsync_view *v = ev->view;

	/* Z comes before the view that ends the transfer it names */
	if (v->flags & VSYNC_VIEW_STATE) {
		drop_partial(r);
		map_clear();
		r->awaiting = 1;
		r->xfer = v->view_id;
	} else if (r->awaiting) {
		/* no donor left: start from empty state */
		drop_partial(r);
		map_clear();
	}
	log_view(ev);
	if (v->flags & VSYNC_VIEW_DONOR)
		donate(r, v->view_id);
}

static void on_state(struct replica *r, const struct vsync_event *ev)
{
	if (!r->awaiting)
		die("state item without a state view");
	if (r->st_len + ev->len > r->st_cap) {
		r->st_cap = (r->st_len + ev->len) * 2;
		r->st = xrealloc(r->st, r->st_cap);
	}
	memcpy(r->st + r->st_len, ev->data, ev->len);
	r->st_len += ev->len;
	if (ev->kind != VSYNC_KIND_STATE_END)
		return;
	if (map_load(r->st, r->st_len))
		die("malformed state from %u:%u", ev->info.sender.node,
		    ev->info.sender.port);
	logf_("R %llu %u:%u %zu %08x\n", (unsigned long long)r->xfer,
	      ev->info.sender.node, ev->info.sender.port, r->st_len,
	      fnv(FNV_INIT, r->st, r->st_len));
	r->awaiting = 0;
	r->st_len = 0;
}

static void on_data(struct replica *r, const struct vsync_event *ev)
{
	const char *p = ev->data, *sp;
	size_t len = ev->len;

	logf_("D %llu %u:%u %llu %llu %u %zu %08x\n",
	      (unsigned long long)ev->info.view_id, ev->info.sender.node,
	      ev->info.sender.port, (unsigned long long)ev->info.sender_seq,
	      (unsigned long long)ev->info.global_seq, ev->info.order, len,
	      fnv(FNV_INIT, p, len));
	if (r->awaiting)
		die("a message before the state");
	if (r->quit)
		return;		/* the map stopped at the quit */
	if (len > 4 && !memcmp(p, "set ", 4)) {
		sp = memchr(p + 4, ' ', len - 4);
		if (sp)
			map_set(p + 4, sp - p - 4, sp + 1, p + len - sp - 1);
	} else if (len == 4 && !memcmp(p, "quit", 4)) {
		r->quit = 1;
	}
}

/* Read what is there; returns 0 at the end of stream, 1 if not. */
static int read_all(struct replica *r, int wait)
{
	struct vsync_event ev;
	ssize_t k;

	for (;;) {
		k = vsync_recv(h, &ev, wait ? 0 : VSYNC_DONTWAIT);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 1;
			die("recv: %s", strerror(errno));
		}
		if (!k)
			return 0;
		switch (ev.kind) {
		case VSYNC_KIND_VIEW:
			on_view(r, &ev);
			if (!(ev.view->flags & VSYNC_VIEW_PRIMARY))
				r->quit = 3;
			break;
		case VSYNC_KIND_STATE:
		case VSYNC_KIND_STATE_END:
			on_state(r, &ev);
			break;
		default:
			on_data(r, &ev);
		}
		if (r->quit)
			return 1;
	}
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vsync-kv -g GROUP [-s] [-o LOG] [-n UPDATES] [-i MS] [-k KEYS]\n"
		"                [-c EVERY] [-P BYTES] [-w MS] [-d SECS]\n"
		"       vsync-kv -g GROUP -Q\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n_upd = 0, keys = 64, every = 10, preload = 0, i = 0;
	int o, want = 0, quitter = 0, ivl = 20, deadline = 300;
	struct replica r = { 0 };
	struct vsync_event ev;
	const char *group = NULL, *log = NULL;
	char buf[128];
	long next;

	while ((o = getopt(argc, argv, "g:so:n:i:k:c:P:w:d:Q")) != -1) {
		switch (o) {
		case 'g': group = optarg; break;
		case 's': want = 1; break;
		case 'o': log = optarg; break;
		case 'n': n_upd = strtoul(optarg, NULL, 0); break;
		case 'i': ivl = atoi(optarg); break;
		case 'k': keys = strtoul(optarg, NULL, 0); break;
		case 'c': every = strtoul(optarg, NULL, 0); break;
		case 'P': preload = strtoul(optarg, NULL, 0); break;
		case 'w': r.piece_ms = atoi(optarg); break;
		case 'd': deadline = atoi(optarg); break;
		case 'Q': quitter = 1; break;
		default: usage();
		}
	}
	if (!group || optind != argc || !keys)
		usage();
	alarm(deadline);
	if (log) {
		lg = fopen(log, "w");
		if (!lg || setvbuf(lg, NULL, _IOLBF, 1 << 16))
			die("%s: %s", log, strerror(errno));
	}
	h = vsync_open(VSYNC_NONBLOCK);
	if (!h)
		die("open: %s", strerror(errno));
	if (want && vsync_set_state(h, 1))
		die("VSYNC_STATE: %s", strerror(errno));
	if (vsync_join(h, group))
		die("join %s: %s", group, strerror(errno));
	if (vsync_self(h, &me))
		die("self: %s", strerror(errno));
	logf_("M %s %u:%u\n", group, me.node, me.port);
	if (vsync_view_event(h, &ev))
		die("view: %s", strerror(errno));
	on_view(&r, &ev);
	if (quitter) {
		send_logged(&r, "quit", 4, VSYNC_ORDER_SAFE);
		if (vsync_leave(h))
			die("leave: %s", strerror(errno));
		logf_("L\n");
		while (read_all(&r, 1))
			r.quit = 0;
		logf_("X\n");
		return 0;
	}
	if (preload && !r.awaiting)
		map_preload(preload);

	next = now_ms();
	while (!r.quit) {
		long t = now_ms(), tmo = -1;

		if (!r.awaiting && i < n_upd && t >= next) {
			if (every && i && i % every == 0)
				snprintf(buf, sizeof(buf), "commit %u:%u-%lu",
					 me.node, me.port, i);
			else
				snprintf(buf, sizeof(buf), "set k%lu %u:%u-%lu",
					 (unsigned long)random() % keys,
					 me.node, me.port, i);
			send_logged(&r, buf, strlen(buf),
				    !strncmp(buf, "commit", 6) ?
				    VSYNC_ORDER_SAFE : VSYNC_ORDER_TOTAL);
			i++;
			next = t + ivl;
		}
		if (!r.awaiting && i < n_upd)
			tmo = next > t ? next - t : 0;
		poll(&(struct pollfd){ .fd = vsync_fd(h), .events = POLLIN },
		     1, tmo);
		if (!read_all(&r, 0))
			die("end of stream before quit");
	}
	if (r.quit == 3) {
		while (read_all(&r, 1))
			;
		logf_("X\n");
		return 3;
	}
	map_summary(stdout, "");
	if (lg)
		map_summary(lg, "# ");
	fflush(stdout);
	if (vsync_leave(h))
		die("leave: %s", strerror(errno));
	logf_("L\n");
	/* the rest of the stream, logged; the map stays as at the quit */
	while (read_all(&r, 1))
		;
	logf_("X\n");
	return 0;
}
