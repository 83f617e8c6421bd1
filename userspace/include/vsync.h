/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvsync: a thin C library over AF_VSYNC sockets.
 *
 * One handle (struct vsync) wraps one AF_VSYNC socket.  The library keeps a
 * receive buffer and the last view the socket read, so callers get events
 * (a message or a view) without building msghdrs and cmsgs themselves.
 *
 * Conventions:
 *  - Functions returning int or ssize_t return -1 and set errno on error;
 *    functions returning a pointer return NULL and set errno.  Nothing is
 *    ever printed.
 *  - The library starts no threads and installs no signal handlers.  A
 *    handle is not thread safe: use one handle per thread, or lock.
 *  - vsync_fd() gives the socket for poll()/epoll; the socket may also be
 *    used directly, but then the library's copy of the view is only updated
 *    by items read through vsync_recv() and vsync_join().
 *
 * The socket family itself is described in vsync(7), this API in
 * libvsync(3).
 */
#ifndef LIBVSYNC_VSYNC_H
#define LIBVSYNC_VSYNC_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/vsync.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for vsync_open(). */
#define VSYNC_NONBLOCK	0x1	/* socket is O_NONBLOCK: calls return EAGAIN */
#define VSYNC_CLOEXEC	0x2	/* socket is close-on-exec */

/* Flags for vsync_recv(). */
#define VSYNC_DONTWAIT	0x1	/* do not block for this call (MSG_DONTWAIT) */

struct vsync;

/**
 * struct vsync_event - one item read from the socket
 * @kind:     VSYNC_KIND_DATA or VSYNC_KIND_VIEW; at a joiner that asked
 *            for state also VSYNC_KIND_STATE and VSYNC_KIND_STATE_END,
 *            which have @data and @len as a message has.
 * @info:     the item's struct vsync_msginfo (view id, sender, sequence
 *            numbers, ordering class) as reported by the kernel.
 * @data:     DATA only: the payload, in a buffer owned by the handle; valid
 *            until the next vsync_recv(), vsync_join() or vsync_close().
 *            NULL for a view.
 * @len:      DATA only: payload length in bytes (may be 0).
 * @view:     VIEW only: the new view, the same pointer vsync_view() now
 *            returns; valid until the next view is read or the handle is
 *            closed.  NULL for a message.
 * @joined:   VIEW only: the members new in this view (the last
 *            view->n_joined entries of view->members).
 * @n_joined: VIEW only: number of entries in @joined.
 * @left:     VIEW only: members of the previous view this handle read that
 *            are not in this one (empty for the first view after a join).
 *            Owned by the handle, same lifetime as @view.
 * @n_left:   VIEW only: number of entries in @left.
 */
struct vsync_event {
	int kind;
	struct vsync_msginfo info;
	const void *data;
	size_t len;
	const struct vsync_view *view;
	const struct vsync_member_id *joined;
	unsigned int n_joined;
	const struct vsync_member_id *left;
	unsigned int n_left;
};

/**
 * vsync_family - the address family number of AF_VSYNC
 *
 * Reads VSYNC_FAMILY_SYSFS (/sys/module/af_vsync/parameters/family), the
 * value the loaded module registered.  Only if that file does not exist
 * (ENOENT: module not loaded, or sysfs not mounted) is AF_VSYNC_DEFAULT
 * returned.  The value is read on every call and never cached, since the
 * module may be reloaded with another family.
 *
 * Return: the family number, or -1 with errno set (EINVAL if the file does
 * not hold a number in 1..65535, or the errno of open()/read()).
 */
int vsync_family(void);

/**
 * vsync_open - create an AF_VSYNC socket and a handle for it
 * @flags: 0 or an OR of VSYNC_NONBLOCK and VSYNC_CLOEXEC.
 *
 * The socket is socket(vsync_family(), SOCK_RDM, 0).  It is not in a
 * group yet: see vsync_join().
 *
 * Return: a new handle, or NULL with errno set: EINVAL for unknown flags,
 * EAFNOSUPPORT when the af_vsync module is not loaded, ENOMEM, or any errno
 * of vsync_family() or socket().
 */
struct vsync *vsync_open(int flags);

/**
 * vsync_close - leave the group (if any), close the socket, free the handle
 * @v: handle, may be NULL (then nothing is done and 0 is returned).
 *
 * Closing the socket makes the kernel leave the group: the other members
 * get a new view.  Queued items are discarded.  Pointers obtained from the
 * handle become invalid.  The handle is freed even if close() fails.
 *
 * Return: 0, or -1 with errno from close().
 */
int vsync_close(struct vsync *v);

/**
 * vsync_fd - the socket file descriptor of a handle
 * @v: handle.
 *
 * For poll()/epoll: POLLIN means an item (message or view) can be read,
 * POLLOUT that a send would not block, POLLHUP that the socket left its
 * group.  The descriptor stays owned by the handle; do not close it.
 *
 * Return: the descriptor (never fails).
 */
int vsync_fd(const struct vsync *v);

/**
 * vsync_join - join a group and read the first view
 * @v:     handle.
 * @group: group name, 1..VSYNC_NAME_MAX bytes, NUL-terminated.
 *
 * Does setsockopt(SOL_VSYNC, VSYNC_JOIN) and then reads the first item,
 * which the kernel guarantees is this member's first view.  When the call
 * returns that view is available from vsync_view() and vsync_view_event();
 * it is not returned again by vsync_recv().  The read of the first view
 * waits (poll) even on a non-blocking handle and is restarted after EINTR:
 * the kernel has already queued it when the join succeeds.
 *
 * A handle that left a group may join again once vsync_recv() has returned
 * every item still queued from the old membership (and 0 for the end).
 *
 * Return: 0, or -1 with errno set: EINVAL (empty name, or NUL inside),
 * ENAMETOOLONG (longer than VSYNC_NAME_MAX), EISCONN (already in a group),
 * EBUSY (left a group but items of that membership are still queued),
 * EUSERS (group full), EPROTO (the first item was not a view; the handle
 * then leaves the group again), or any errno of setsockopt()/recvmsg().
 */
int vsync_join(struct vsync *v, const char *group);

/**
 * vsync_leave - leave the group
 * @v: handle.
 *
 * setsockopt(SOL_VSYNC, VSYNC_LEAVE).  The other members get a new view;
 * this handle gets nothing more: vsync_recv() returns the items still
 * queued, then 0.  Sends fail with EPIPE.
 *
 * Return: 0, or -1 with errno set (ENOTCONN if not in a group).
 */
int vsync_leave(struct vsync *v);

/**
 * vsync_send - multicast a message to every member of the current view
 * @v:     handle.
 * @buf:   payload (may be NULL if @len is 0).
 * @len:   payload length, 0..VSYNC_MSG_MAX.
 * @order: 0 for the socket's default class (see vsync_set_order()), or one
 *         of VSYNC_ORDER_FIFO, _CAUSAL, _TOTAL, _SAFE for this message
 *         (sent as a VSYNC_CMSG_ORDER control message).
 *
 * The message is queued to every member including the sender, or to none.
 * Blocks while some member's receive queue is full, unless the handle is
 * non-blocking.  Sent with MSG_NOSIGNAL: a send after leaving returns EPIPE
 * and never raises SIGPIPE.
 *
 * Return: 0 once the whole message is queued, or -1 with errno set:
 * EINVAL (bad @order), EMSGSIZE (@len too big), ENOTCONN (never joined),
 * EPIPE (left the group), EAGAIN (would block or SO_SNDTIMEO expired),
 * EINTR (signal while blocked), ENETDOWN (cut off from the primary
 * partition), ETIMEDOUT (put out of the group for not reading).
 */
int vsync_send(struct vsync *v, const void *buf, size_t len, int order);

/**
 * vsync_send_to - send a message to one member of the group (unicast)
 * @v:     handle.
 * @to:    the member, as listed in a view; NULL: the whole group, as
 *         vsync_send().
 * @buf, @len, @order: as for vsync_send().
 *
 * Only @to receives it (VSYNC_MSGINFO_UNICAST in its info flags), in the
 * sender's FIFO order with its other messages and in the view of its
 * place in the order; if @to left meanwhile, nobody does.
 *
 * Return: as vsync_send(), and EHOSTUNREACH: @to is not in the group.
 */
int vsync_send_to(struct vsync *v, const struct vsync_member_id *to,
		  const void *buf, size_t len, int order);

/**
 * vsync_set_state - ask for state at the next join, or not
 * @v:    handle.
 * @want: 1: the next vsync_join() asks for the state of an old member
 *        (VSYNC_STATE); 0 (the default): it starts from empty state.
 *
 * A joiner that asks for state finds VSYNC_VIEW_STATE in the flags of
 * vsync_view() after vsync_join() when a donor was named, then reads
 * VSYNC_KIND_STATE events and one VSYNC_KIND_STATE_END before any message
 * of the group.  A later view with VSYNC_VIEW_STATE means the transfer
 * started over: drop the state read so far.  See vsync(7).
 *
 * Return: 0, or -1 with errno set: EINVAL (@want not 0 or 1).
 */
int vsync_set_state(struct vsync *v, int want);

/**
 * vsync_send_state - send a piece of state to the members that await it
 * @v:    handle, the donor: it read a view with VSYNC_VIEW_DONOR.
 * @buf:  the piece (may be NULL if @len is 0).
 * @len:  its length, 0..VSYNC_STATE_PIECE_MAX.
 * @last: nonzero on the last piece: it ends the transfer.
 *
 * Blocks while a joiner's receive queue is full, unless the handle is
 * non-blocking.
 *
 * Return: 0, or -1 with errno set: EINVAL (no transfer is owed: no donor
 * view was read, or its last piece was sent), EMSGSIZE, ENOTCONN, EPIPE,
 * EAGAIN, EINTR as for vsync_send().
 */
int vsync_send_state(struct vsync *v, const void *buf, size_t len, int last);

/**
 * vsync_recv - read the next item: a message or a view
 * @v:     handle.
 * @ev:    filled with the item (see struct vsync_event).
 * @flags: 0 or VSYNC_DONTWAIT.
 *
 * Reads exactly one item.  A view becomes the handle's current view
 * (vsync_view()), and the members that left since the previous view are
 * computed into @ev->left.
 *
 * Return: VSYNC_KIND_DATA or VSYNC_KIND_VIEW (both > 0, also stored in
 * @ev->kind) for an item (or, at a joiner that asked for state,
 * VSYNC_KIND_STATE and VSYNC_KIND_STATE_END, with @data and @len), 0 when the socket has left its group and every
 * queued item was read (end of stream), or -1 with errno set: EINVAL
 * (unknown @flags), ENOTCONN (never joined), EAGAIN (nothing queued and
 * non-blocking, or SO_RCVTIMEO expired), EINTR, EPROTO (the kernel sent an
 * item without VSYNC_CMSG_INFO or a malformed view; the item is consumed),
 * EMSGSIZE (the item did not fit VSYNC_MSG_MAX; it is consumed).
 * Note the return is not the payload length, which may be 0: see @ev->len.
 */
ssize_t vsync_recv(struct vsync *v, struct vsync_event *ev, int flags);

/**
 * vsync_view - the last view this handle read
 * @v: handle.
 *
 * The view read by vsync_join() or, later, by vsync_recv().  Members are
 * in rank order; view->my_rank is this member's rank.  The pointer stays
 * valid until the next view is read or the handle is closed.  After a
 * leave it still points to the last view read.
 *
 * Return: the view, or NULL with errno ENOTCONN if none was read yet.
 */
const struct vsync_view *vsync_view(const struct vsync *v);

/**
 * vsync_view_event - the last view read, as an event
 * @v:  handle.
 * @ev: filled as vsync_recv() filled it when the view was read (kind
 *      VSYNC_KIND_VIEW, info, view, joined, left).
 *
 * Useful right after vsync_join() to handle the first view like any later
 * one.
 *
 * Return: 0, or -1 with errno ENOTCONN if no view was read yet.
 */
int vsync_view_event(const struct vsync *v, struct vsync_event *ev);

/**
 * vsync_self - this member's id
 * @v:  handle.
 * @id: filled with {node, port} from getsockname(); port is 0 when the
 *      socket is not in a group.
 *
 * Return: 0, or -1 with errno from getsockname() (EPROTO if the address
 * returned is not a struct sockaddr_vsync).
 */
int vsync_self(const struct vsync *v, struct vsync_member_id *id);

/**
 * vsync_group - the name of the group last joined
 * @v: handle.
 *
 * Return: the NUL-terminated name (owned by the handle) of the group given
 * to the last successful vsync_join(), or NULL with errno ENOTCONN if the
 * handle never joined.
 */
const char *vsync_group(const struct vsync *v);

/**
 * vsync_set_order - set the default ordering class of the socket's sends
 * @v:     handle.
 * @order: VSYNC_ORDER_FIFO, _CAUSAL, _TOTAL or _SAFE.
 *
 * setsockopt(SOL_VSYNC, VSYNC_ORDER).  The default is VSYNC_ORDER_DEFAULT.
 *
 * Return: 0, or -1 with errno set (EINVAL for a bad class).
 */
int vsync_set_order(struct vsync *v, int order);

/**
 * vsync_get_order - the default ordering class of the socket's sends
 * @v: handle.
 *
 * Return: the class (1..4), or -1 with errno from getsockopt().
 */
int vsync_get_order(const struct vsync *v);

/**
 * vsync_stats - the socket's counters
 * @v:  handle.
 * @st: filled from getsockopt(SOL_VSYNC, VSYNC_STATS); fields the kernel
 *      does not report are zeroed.
 *
 * Return: 0, or -1 with errno from getsockopt().
 */
int vsync_stats(const struct vsync *v, struct vsync_sock_stats *st);

/**
 * vsync_rank - the rank of a member in a view
 * @view: a view, e.g. from vsync_view() or an event.
 * @id:   the member, e.g. @ev->info.sender of a message.
 *
 * Return: the rank (index in view->members), or -1 with errno ENOENT if the
 * member is not in the view (EINVAL if either pointer is NULL).
 */
int vsync_rank(const struct vsync_view *view, const struct vsync_member_id *id);

/**
 * vsync_order_name - the name of an ordering class
 * @order: a VSYNC_ORDER_* value.
 *
 * Return: "fifo", "causal", "total", "safe", or "none" for 0 (a view) and
 * "unknown" for anything else.  Never NULL; a static string.
 */
const char *vsync_order_name(int order);

#ifdef __cplusplus
}
#endif

#endif /* LIBVSYNC_VSYNC_H */
