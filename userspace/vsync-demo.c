// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vsync-demo: join a group, print every view and message, send numbered
 * messages.
 *
 *   vsync-demo GROUP NAME [-n COUNT] [-i INTERVAL_MS] [-t SECONDS]
 *                         [-o ORDER] [-v]
 *
 * Output is line buffered.  Lines about the group ("[view ...]") are the
 * same, in the same order, at every member for the part of the group's
 * history each one saw; lines about this process start with '#', so
 * `grep -v '^#'` of several logs can be compared directly.
 *
 * The socket is non-blocking and driven by ppoll(): receiving never stops
 * while a send waits for room, so members sending to each other cannot
 * deadlock on back-pressure.  SIGINT/SIGTERM are blocked except inside
 * ppoll(), so a signal is never lost between the check and the wait.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vsync.h>

#define NAME_MAX_LEN	1000
#define RECV_BATCH	64	/* items read per wakeup before sending again */

static volatile sig_atomic_t stop_signal;
static int verbose;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vsync-demo GROUP NAME [-n COUNT] [-i INTERVAL_MS] [-t SECONDS]\n"
		"                  [-o ORDER] [-v]\n\n"
		"Join GROUP, print every view and message, send COUNT messages\n"
		"\"NAME: hello N\" every INTERVAL_MS, and leave after SECONDS or on\n"
		"SIGINT/SIGTERM.\n\n"
		"  -n COUNT        messages to send (default 10)\n"
		"  -i INTERVAL_MS  time between sends (default 1000)\n"
		"  -t SECONDS      run time, 0 = until a signal (default 0)\n"
		"  -o ORDER        fifo, causal, total or safe (default: socket default)\n"
		"  -v              also print sender, sequence number and class\n");
}

static int parse_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_order(const char *s)
{
	int o;

	for (o = VSYNC_ORDER_FIFO; o <= VSYNC_ORDER_SAFE; o++)
		if (!strcmp(s, vsync_order_name(o)))
			return o;
	return -1;
}

static void print_ids(const char *label, const struct vsync_member_id *ids, unsigned int n)
{
	unsigned int i;

	printf(" | %s", label);
	if (!n)
		fputs(" -", stdout);
	for (i = 0; i < n; i++)
		printf(" %u:%u", ids[i].node, ids[i].port);
}

static void print_view(const struct vsync_event *ev)
{
	const struct vsync_view *view = ev->view;
	unsigned int i;

	printf("[view %llu gseq %llu] members",
	       (unsigned long long)view->view_id,
	       (unsigned long long)ev->info.global_seq);
	for (i = 0; i < view->n_members; i++)
		printf(" #%u %u:%u", i, view->members[i].node, view->members[i].port);
	print_ids("joined", ev->joined, ev->n_joined);
	print_ids("left", ev->left, ev->n_left);
	if (!(view->flags & VSYNC_VIEW_PRIMARY))
		fputs(" | non-primary", stdout);
	if (verbose)
		printf(" (my rank %u)", view->my_rank);
	putchar('\n');
}

static void print_message(const struct vsync_event *ev)
{
	const unsigned char *p = ev->data;
	size_t i;

	printf("[view %llu gseq %llu] ", (unsigned long long)ev->info.view_id,
	       (unsigned long long)ev->info.global_seq);
	for (i = 0; i < ev->len; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	if (verbose)
		printf(" (from %u:%u seq %llu %s)", ev->info.sender.node,
		       ev->info.sender.port, (unsigned long long)ev->info.sender_seq,
		       vsync_order_name((int)ev->info.order));
	putchar('\n');
}

/*
 * Read and print what is queued, at most @max items (0: until the end).
 * Returns 1 at the end of stream, 0 when nothing more is queued or the
 * batch is done, -1 on error.
 */
static int drain(struct vsync *v, int max)
{
	struct vsync_event ev;
	int n = 0;
	ssize_t r;

	while (!max || n++ < max) {
		r = vsync_recv(v, &ev, VSYNC_DONTWAIT);
		if (r == 0)
			return 1;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "vsync-demo: receive: %s\n", strerror(errno));
			return -1;
		}
		if (r == VSYNC_KIND_VIEW)
			print_view(&ev);
		else
			print_message(&ev);
	}
	return 0;
}

int main(int argc, char **argv)
{
	long count = 10, interval = 1000, seconds = 0;
	int64_t deadline = 0, next_send, now, wait;
	struct vsync_member_id self;
	struct vsync_event first;
	sigset_t block, orig;
	struct sigaction sa;
	const char *group, *name;
	char msg[NAME_MAX_LEN + 32];
	int order = 0, eof = 0, pending = 0, ret = 0;
	long sent = 0;
	size_t msg_len = 0;
	struct vsync *v;
	int c;

	while ((c = getopt(argc, argv, "n:i:t:o:vh")) != -1) {
		switch (c) {
		case 'n':
			if (parse_num(optarg, 1000000000L, &count) < 0)
				goto bad_usage;
			break;
		case 'i':
			if (parse_num(optarg, 86400000L, &interval) < 0)
				goto bad_usage;
			break;
		case 't':
			if (parse_num(optarg, 86400L * 365, &seconds) < 0)
				goto bad_usage;
			break;
		case 'o':
			order = parse_order(optarg);
			if (order < 0)
				goto bad_usage;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_usage;
		}
	}
	if (argc - optind != 2)
		goto bad_usage;
	group = argv[optind];
	name = argv[optind + 1];
	if (!*name || strlen(name) > NAME_MAX_LEN || strchr(name, '\n'))
		goto bad_usage;

	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);

	v = vsync_open(VSYNC_NONBLOCK | VSYNC_CLOEXEC);
	if (!v) {
		int err = errno;

		fprintf(stderr, "vsync-demo: cannot open an AF_VSYNC socket: %s%s\n",
			strerror(err),
			err == EAFNOSUPPORT ? " (is the af_vsync module loaded?)" : "");
		return 1;
	}
	if (vsync_join(v, group) < 0) {
		fprintf(stderr, "vsync-demo: cannot join group '%s': %s\n", group,
			strerror(errno));
		vsync_close(v);
		return 1;
	}
	if (vsync_self(v, &self) == 0)
		printf("# %s joined %s as %u:%u (pid %d)\n", name, group, self.node,
		       self.port, (int)getpid());
	if (vsync_view_event(v, &first) == 0)
		print_view(&first);

	now = now_ms();
	next_send = now;
	if (seconds)
		deadline = now + seconds * 1000;

	while (!stop_signal && !eof) {
		struct pollfd pfd = { .fd = vsync_fd(v), .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		int r;

		now = now_ms();
		if (deadline && now >= deadline)
			break;
		if (!pending && sent < count && now >= next_send) {
			msg_len = (size_t)snprintf(msg, sizeof(msg), "%s: hello %ld",
						   name, sent + 1);
			pending = 1;
		}
		if (pending) {
			if (vsync_send(v, msg, msg_len, order) == 0) {
				pending = 0;
				sent++;
				next_send += interval;
			} else if (errno == EAGAIN || errno == EINTR) {
				pfd.events |= POLLOUT;
			} else {
				fprintf(stderr, "vsync-demo: send: %s\n", strerror(errno));
				ret = 1;
				break;
			}
		}

		/* Poll even when the next send is due, so receiving goes on. */
		wait = -1;
		if (!pending && sent < count)
			wait = next_send > now ? next_send - now : 0;
		if (deadline && (wait < 0 || deadline - now < wait))
			wait = deadline - now;
		if (wait >= 0) {
			ts.tv_sec = wait / 1000;
			ts.tv_nsec = (wait % 1000) * 1000000;
			tsp = &ts;
		}
		r = ppoll(&pfd, 1, tsp, &orig);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "vsync-demo: poll: %s\n", strerror(errno));
			ret = 1;
			break;
		}
		if (r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			r = drain(v, RECV_BATCH);
			if (r < 0) {
				ret = 1;
				break;
			}
			eof = r;
		}
	}

	if (!eof) {
		if (vsync_leave(v) < 0 && errno != ENOTCONN) {
			fprintf(stderr, "vsync-demo: leave: %s\n", strerror(errno));
			ret = 1;
		}
		/* After a leave the queue only drains: no EAGAIN, then 0. */
		if (drain(v, 0) < 0)
			ret = 1;
	}
	if (stop_signal)
		printf("# %s left %s on signal %d after sending %ld\n", name, group,
		       (int)stop_signal, sent);
	else
		printf("# %s left %s after sending %ld\n", name, group, sent);
	vsync_close(v);
	return ret;

bad_usage:
	usage(stderr);
	return 2;
}
