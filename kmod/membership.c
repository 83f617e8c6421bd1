// SPDX-License-Identifier: GPL-2.0
/*
 * af_vsync membership: node views, changed by a coordinator.
 *
 * Every node has a view (id, nodes by rank, primary or not).  The acting
 * coordinator is the first node of the view, by rank, that this node does
 * not hold down; every heartbeat tick it compares the view with what it
 * sees: members gone down or restarted leave, and nodes that are up but in
 * a view that ranks below ours join, appended by node id.  Views rank by
 * primary first, the newer of two primary views (the other is stale),
 * then size, then the lower coordinator id; both sides' coordinators see
 * the same ranking, so exactly one takes the other in, and a node that
 * restarts joins the running view at its end, the oldest node staying
 * coordinator.  A change runs in two rounds, resent every tick until done:
 *
 *   coordinator: PROPOSE(id, nodes, primary) to every node of the new view
 *   node:        accepts the highest id containing it (a coordinator:
 *                higher than its own proposal) -> ACCEPT(id)
 *   coordinator: once all accepted -> installs, COMMIT(id, nodes, primary)
 *   node:        installs a committed view with a higher id than its own
 *
 * A new view id is one more than the highest this node has seen (views,
 * proposals, and what heartbeats report), with the coordinator's node id in
 * the low half, so ids grow at every node and two coordinators never make
 * the same one.  A node that stops answering a proposal is down after the
 * suspect timeout, and the coordinator proposes again without it; if the
 * coordinator dies, the next node by rank takes over with a higher id.
 * A node of our view that reports a newer view we never accepted has gone
 * on without us, and counts as down here.
 *
 * Primary partition: a view is primary when it holds a strict majority of
 * the last primary view its coordinator installed (any view is, before the
 * first).  Heartbeats carry the view id, coordinator and primary flag.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "core.h"
#include "mib.h"
#include "msg.h"
#include "transport.h"

static bool vsync_nview_same(const struct vsync_nview *a,
			     const struct vsync_nview *b)
{
	return a->n == b->n &&
	       !memcmp(a->nodes, b->nodes, a->n * sizeof(a->nodes[0]));
}

static u64 vsync_next_view_id(struct vsync_net *vn)
{
	return ((vn->max_view_id >> 32) + 1) << 32 | vn->node_id;
}

static void vsync_see_view_id(struct vsync_net *vn, u64 id)
{
	if (id > vn->max_view_id)
		vn->max_view_id = id;
}

static bool vsync_node_up(struct vsync_net *vn, u32 node)
{
	struct vsync_peer *p;

	if (node == vn->node_id)
		return true;
	p = vsync_peer_by_id(vn, node);
	return p && p->state == VSYNC_PEER_UP && !p->restarted;
}

static void vsync_accepted(struct vsync_net *vn, u64 id)
{
	u32 i;

	for (i = 0; i < VSYNC_ACCEPTED_MAX; i++)
		if (vn->accepted[i] == id)
			return;
	vn->accepted[vn->accepted_next] = id;
	vn->accepted_next = (vn->accepted_next + 1) % VSYNC_ACCEPTED_MAX;
}

/*
 * Is @node, of our view, still with us?  A view is installed only once
 * all its nodes accepted it, so a node that reports a newer view than
 * ours, one we never accepted, went on without us: the others cut us off,
 * although we still hear them (one-way loss).  It no longer counts in our
 * view, or we would stay primary beside the side that went on.  Should we
 * have forgotten an acceptance, we merely leave and join again.
 */
static bool vsync_node_with_us(struct vsync_net *vn, u32 node)
{
	struct vsync_peer *p;
	u32 i;

	if (node == vn->node_id)
		return true;
	if (!vsync_node_up(vn, node))
		return false;
	p = vsync_peer_by_id(vn, node);
	if (p->view_id <= vn->view.id)
		return true;
	for (i = 0; i < VSYNC_ACCEPTED_MAX; i++)
		if (vn->accepted[i] == p->view_id)
			return true;
	return false;
}

/*
 * Install the view of @c.  The node stream of the old view ended at
 * c->final, which a continuing node has applied by now (the flush).
 */
static void vsync_install(struct vsync_net *vn, const struct vsync_commit *c)
{
	const struct vsync_nview *v = &c->v;
	struct vsync_peer *p;

	vn->view = *v;
	vn->commit = *c;
	vsync_see_view_id(vn, v->id);
	if (v->primary) {
		vn->last_primary = *v;
		if (vn->amb.id <= v->id)
			vn->amb.id = 0;
	}
	if (vn->pending.id && vn->pending.id <= v->id)
		vn->pending.id = 0;
	if (vn->incoming.v.id && vn->incoming.v.id <= v->id)
		vn->incoming.v.id = 0;
	/* a proposal of ours made from the old view is void */
	if (vn->proposal.id && vn->proposal.id != v->id)
		vn->proposal.id = 0;
	vsync_order_install(vn, c);
	/* a restarted node has left by now; next time it may join */
	list_for_each_entry(p, &vn->peers, list)
		if (p->restarted && !vsync_nview_has(v, p->node_id))
			p->restarted = false;
	vn->view_changes++;
	VSYNC_INC_STATS(vn, VSYNC_MIB_VIEW_CHANGE);
	pr_debug("node %u: view %llx, %u nodes%s, stream at %llu\n",
		 vn->node_id, v->id, v->n, v->primary ? ", primary" : "",
		 c->final);
}

/* Does @t hold a strict majority of @of? */
static bool vsync_nview_majority(const struct vsync_nview *t,
				 const struct vsync_nview *of)
{
	u32 i, kept = 0;

	for (i = 0; i < of->n; i++)
		if (vsync_nview_has(t, of->nodes[i]))
			kept++;
	return 2 * kept > of->n;
}

/*
 * A strict majority of the last primary view (any view is, before the
 * first), and of a newer primary view that may have been installed by
 * some: two sides can then never both be primary.  The last primary view
 * is the newest any node of the proposal reported (ACCEPT), not only ours.
 */
static bool vsync_is_primary(struct vsync_net *vn, const struct vsync_nview *t)
{
	if (vn->last_primary.n && !vsync_nview_majority(t, &vn->last_primary))
		return false;
	return !vn->amb.id || vsync_nview_majority(t, &vn->amb);
}

/* Start as the only member of a view of our own, at transport start. */
void vsync_gms_start(struct vsync_net *vn)
{
	struct vsync_commit c = { .v.n = 1, .cont = 1 };

	c.v.nodes[0] = vn->node_id;
	c.v.id = vsync_next_view_id(vn);
	c.v.primary = vsync_is_primary(vn, &c.v);
	/* what this node applied so far goes on, in a view of its own */
	c.final = vn->ord.have;
	c.stable = vn->ord.stable;
	c.prev = vn->view.id;
	vn->proposal.id = 0;
	vn->pending.id = 0;
	vsync_install(vn, &c);
}

static void vsync_send_view(struct vsync_net *vn, u32 type, u32 to,
			    const struct vsync_commit *c)
{
	__be32 buf[VSYNC_VIEW_WORDS + VSYNC_NODES_MAX + 2];
	struct vsync_peer *p = vsync_peer_by_id(vn, to);
	const struct vsync_nview *v = &c->v;
	u32 i, maps = msg_view_map_words(v->n);

	if (!p)
		return;
	msg_init(buf, type, VSYNC_VIEW_WORDS, vn->cluster, vn->node_id, to,
		 vn->incarnation, (v->n + maps) * 4);
	msg_set_u64(buf, 6, v->id);
	msg_set_word(buf, 8, v->primary ? VSYNC_NVIEW_PRIMARY : 0);
	msg_set_word(buf, 9, v->n);
	msg_set_u64(buf, 10, c->final);
	msg_set_u64(buf, 12, c->prev);
	msg_set_word(buf, 14, (u32)min_t(u64, c->final - c->stable, U32_MAX));
	for (i = 0; i < v->n; i++)
		msg_set_word(buf, VSYNC_VIEW_WORDS + i, v->nodes[i]);
	for (i = 0; i < maps; i++)
		msg_set_word(buf, VSYNC_VIEW_WORDS + v->n + i,
			     (u32)(c->cont >> (32 * i)));
	vsync_xmit(vn, &p->addr, buf, (VSYNC_VIEW_WORDS + v->n + maps) * 4);
}

static void vsync_send_accept(struct vsync_net *vn, struct vsync_peer *p,
			      u64 id)
{
	__be32 buf[VSYNC_ACCEPT_WORDS + VSYNC_ACCEPT_PWORDS +
		   2 * VSYNC_NODES_MAX];
	const struct vsync_nview *lp = &vn->last_primary, *amb = &vn->amb;
	u32 a = lp->id ? lp->n : 0, b = amb->id ? amb->n : 0;
	__be32 *pl = &buf[VSYNC_ACCEPT_WORDS];
	u32 i;

	msg_init(buf, VSYNC_MSG_ACCEPT, VSYNC_ACCEPT_WORDS, vn->cluster,
		 vn->node_id, p->node_id, vn->incarnation,
		 (VSYNC_ACCEPT_PWORDS + a + b) * 4);
	msg_set_u64(pl, 0, a ? lp->id : 0);
	msg_set_word(pl, 2, a);
	msg_set_u64(pl, 3, b ? amb->id : 0);
	msg_set_word(pl, 5, b);
	for (i = 0; i < a; i++)
		msg_set_word(pl, VSYNC_ACCEPT_PWORDS + i, lp->nodes[i]);
	for (i = 0; i < b; i++)
		msg_set_word(pl, VSYNC_ACCEPT_PWORDS + a + i, amb->nodes[i]);
	msg_set_u64(buf, 6, id);
	/* still waiting for the groups after a join: nothing to continue */
	msg_set_u64(buf, 8, vn->ord.adopting ? 0 : vn->view.id);
	msg_set_u64(buf, 10, vn->ord.have);
	msg_set_u64(buf, 12, vn->ord.stable);
	vsync_xmit(vn, &p->addr, buf,
		   (VSYNC_ACCEPT_WORDS + VSYNC_ACCEPT_PWORDS + a + b) * 4);
}

/* The acting coordinator: the first node of the view not held down. */
u32 vsync_coordinator(struct vsync_net *vn)
{
	u32 i;

	for (i = 0; i < vn->view.n; i++)
		if (vsync_node_with_us(vn, vn->view.nodes[i]))
			return vn->view.nodes[i];
	return vn->node_id;
}

/* Does @p's view rank below ours (so that we take it in)? */
static bool vsync_view_ranks_below(struct vsync_net *vn,
				   const struct vsync_peer *p)
{
	if (p->view_primary != vn->view.primary)
		return vn->view.primary;
	/* of two primary views, one is a stale one: the newer goes on */
	if (vn->view.primary && p->view_id != vn->view.id)
		return p->view_id < vn->view.id;
	if (p->view_size != vn->view.n)
		return p->view_size < vn->view.n;
	return p->view_coord > vn->node_id;
}

/* What the view should be, as the coordinator sees it now. */
static void vsync_target_view(struct vsync_net *vn, struct vsync_nview *t)
{
	u32 i, joiners[VSYNC_NODES_MAX], nj = 0;
	struct vsync_peer *p;

	t->n = 0;
	for (i = 0; i < vn->view.n; i++)
		if (vsync_node_with_us(vn, vn->view.nodes[i]))
			t->nodes[t->n++] = vn->view.nodes[i];

	/*
	 * Joiners: nodes up and outside our view whose view ranks below
	 * ours, or that still follow us in a view we no longer have.
	 */
	list_for_each_entry(p, &vn->peers, list) {
		/* only a node that told us its view (a heartbeat) may join */
		if (!p->node_id || !p->view_id ||
		    !vsync_node_up(vn, p->node_id) ||
		    vsync_nview_has(t, p->node_id) || nj >= VSYNC_NODES_MAX)
			continue;
		if (p->view_coord == vn->node_id) {
			if (p->view_id == vn->view.id)
				continue;
		} else if (!vsync_view_ranks_below(vn, p)) {
			continue;
		}
		/* sorted by node id, so every coordinator appends alike */
		for (i = nj; i > 0 && joiners[i - 1] > p->node_id; i--)
			joiners[i] = joiners[i - 1];
		joiners[i] = p->node_id;
		nj++;
	}
	for (i = 0; i < nj && t->n < VSYNC_NODES_MAX; i++)
		t->nodes[t->n++] = joiners[i];
	t->primary = vsync_is_primary(vn, t);
}

static void vsync_propose(struct vsync_net *vn, const struct vsync_nview *t)
{
	vn->proposal = *t;
	vn->proposal.id = vsync_next_view_id(vn);
	vsync_see_view_id(vn, vn->proposal.id);
	vsync_accepted(vn, vn->proposal.id);
	vn->proposal_acks = 0;
	/* the flush: the stream stops here until the view is installed */
	vn->ord.frozen = true;
	vn->ord.flush_to = 0;
}

/* Does a node of our view still run an older one, or wait in a flush? */
static bool vsync_view_settled(struct vsync_net *vn, bool *reflush)
{
	bool settled = true;
	u32 i;

	*reflush = vn->ord.frozen && !vn->pending.id;
	for (i = 0; i < vn->view.n; i++) {
		struct vsync_peer *p = vsync_peer_by_id(vn, vn->view.nodes[i]);

		if (!p || !vsync_node_with_us(vn, p->node_id))
			continue;
		if (p->view_id < vn->view.id) {
			/* it missed our COMMIT: it continues from its view */
			vsync_send_view(vn, VSYNC_MSG_COMMIT, p->node_id,
					&vn->commit);
			settled = false;
		} else if (p->view_id == vn->view.id && p->view_frozen) {
			/* it accepted a change that did not happen */
			*reflush = true;
		}
	}
	return settled;
}

/*
 * All nodes accepted: the old view's stream ends at the highest position a
 * continuing node applied.  Returns false while we fetch what we lack.
 */
static bool vsync_flush_done(struct vsync_net *vn, struct vsync_commit *c)
{
	u32 i, best = vn->node_id;

	c->v = vn->proposal;
	c->prev = vn->view.id;
	c->final = vn->ord.have;
	c->stable = vn->ord.stable;
	c->cont = 0;
	for (i = 0; i < c->v.n; i++) {
		if (c->v.nodes[i] == vn->node_id) {
			c->cont |= BIT_ULL(i);
			continue;
		}
		if (vn->prop_view[i] != vn->view.id)
			continue;	/* another history: it joins */
		c->cont |= BIT_ULL(i);
		/* what any of them may have delivered as SAFE */
		c->stable = max(c->stable, vn->prop_stable[i]);
		if (vn->prop_have[i] > c->final) {
			c->final = vn->prop_have[i];
			best = c->v.nodes[i];
		}
	}
	if (vn->ord.have >= c->final)
		return true;
	vn->ord.flush_to = c->final;
	vsync_order_fetch(vn, best);
	return false;
}

/* Returns true while messages of a view change wait for answers. */
static bool vsync_coordinate(struct vsync_net *vn)
{
	struct vsync_commit c;
	struct vsync_nview t;
	u32 i, self = 0;
	bool reflush;
	u64 all;

	/* a change starts once every node runs the current view */
	if (!vsync_view_settled(vn, &reflush) && !vn->proposal.id)
		return true;

	vsync_target_view(vn, &t);
	if (vn->proposal.id) {
		/* changed meanwhile, or someone holds a higher id: anew */
		if (!vsync_nview_same(&t, &vn->proposal) ||
		    t.primary != vn->proposal.primary ||
		    vn->max_view_id > vn->proposal.id)
			vsync_propose(vn, &t);
	} else if (!vsync_nview_same(&t, &vn->view) ||
		   t.primary != vn->view.primary || reflush) {
		vsync_propose(vn, &t);
	}
	if (!vn->proposal.id)
		return false;

	c.v = vn->proposal;
	c.final = 0;
	c.stable = 0;
	c.prev = vn->view.id;
	c.cont = 0;
	for (i = 0; i < vn->proposal.n; i++) {
		if (vn->proposal.nodes[i] == vn->node_id)
			self = i;
		else if (!(vn->proposal_acks & BIT_ULL(i)))
			vsync_send_view(vn, VSYNC_MSG_PROPOSE,
					vn->proposal.nodes[i], &c);
	}
	vn->proposal_acks |= BIT_ULL(self);
	vn->prop_view[self] = vn->view.id;
	vn->prop_have[self] = vn->ord.have;
	all = vn->proposal.n == 64 ? ~0ULL : BIT_ULL(vn->proposal.n) - 1;
	if (vn->proposal_acks != all || !vsync_flush_done(vn, &c))
		return true;

	/* the ACCEPTs may have told us of a newer primary view */
	c.v.primary = vsync_is_primary(vn, &c.v);
	vsync_install(vn, &c);
	vn->proposal.id = 0;
	for (i = 0; i < c.v.n; i++)
		if (c.v.nodes[i] != vn->node_id)
			vsync_send_view(vn, VSYNC_MSG_COMMIT, c.v.nodes[i], &c);
	return true;
}

/*
 * Is the proposal we accepted void?  Its coordinator died, or installed a
 * view newer than the proposal, which ends it: a coordinator's view ids
 * only grow, so no old heartbeat says that.  Else we would wait for its
 * COMMIT for ever, leading nothing, while it, alone in a view that is not
 * primary, waits for our side to take it in.
 */
static bool vsync_pending_void(struct vsync_net *vn)
{
	struct vsync_peer *p;

	if (!vsync_node_up(vn, vn->pending_coord))
		return true;
	p = vsync_peer_by_id(vn, vn->pending_coord);
	return p && p->view_id > vn->pending.id;
}

/* The membership part of the node tick; true while it waits for answers. */
bool vsync_gms_tick(struct vsync_net *vn)
{
	lockdep_assert_held(&vn->stream_lock);
	if (!vn->udp)
		return false;
	if (!vn->view.n || !vsync_nview_has(&vn->view, vn->node_id))
		vsync_gms_start(vn);
	if (vn->pending.id && vsync_pending_void(vn))
		vn->pending.id = 0;
	/* while another coordinator takes us in, we do not lead */
	if (!vn->pending.id && vsync_coordinator(vn) == vn->node_id)
		return vsync_coordinate(vn);
	vn->proposal.id = 0;
	return false;
}

static void vsync_view_from_msg(struct vsync_nview *v, const __be32 *h)
{
	u32 i;

	v->id = msg_view_id(h);
	v->primary = msg_view_flags(h) & VSYNC_NVIEW_PRIMARY;
	v->n = msg_view_count(h);
	for (i = 0; i < v->n; i++)
		v->nodes[i] = msg_view_node(h, i);
}

static void vsync_commit_from_msg(struct vsync_commit *c, const __be32 *h)
{
	u32 i;

	vsync_view_from_msg(&c->v, h);
	c->final = msg_view_final(h);
	c->stable = c->final - msg_view_unstable(h);
	c->prev = msg_view_prev(h);
	c->from = msg_src(h);
	c->cont = 0;
	for (i = 0; i < c->v.n; i++)
		if (msg_view_continues(h, i))
			c->cont |= BIT_ULL(i);
}

static void vsync_rcv_propose(struct vsync_net *vn, struct vsync_peer *p,
			      const __be32 *h)
{
	u64 id = msg_view_id(h), prev = msg_view_prev(h);

	vsync_see_view_id(vn, id);
	if (id <= vn->view.id || (vn->pending.id && id < vn->pending.id))
		return;
	/*
	 * Two coordinators proposing to each other at once: the higher id
	 * goes on, or each accepted the other's, dropped its own and waited
	 * for the other's COMMIT for ever.
	 */
	if (vn->proposal.id && id < vn->proposal.id)
		return;
	/*
	 * A coordinator of our view proposing from the view we came from
	 * missed the COMMIT of ours (its maker died before it got there):
	 * give it that first, or it would take us for joiners with another
	 * history.
	 */
	if (prev == vn->commit.prev && prev < vn->view.id &&
	    vsync_nview_has(&vn->view, p->node_id)) {
		vsync_send_view(vn, VSYNC_MSG_COMMIT, p->node_id, &vn->commit);
		return;
	}
	if (id != vn->pending.id) {
		vsync_view_from_msg(&vn->pending, h);
		if (!vsync_nview_has(&vn->pending, vn->node_id)) {
			vn->pending.id = 0;
			return;
		}
		vn->pending_coord = p->node_id;
		/* it may be installed without us knowing: it counts */
		if (vn->pending.primary && vn->pending.id > vn->amb.id)
			vn->amb = vn->pending;
		/* someone with a newer view leads: stop our own change */
		vn->proposal.id = 0;
		/* the flush: apply nothing new until a view is installed */
		vn->ord.frozen = true;
		vn->ord.flush_to = 0;
	}
	vsync_accepted(vn, id);
	vsync_send_accept(vn, p, id);
}

/* An ACCEPT names the primary views its sender knows: keep the newest. */
static void vsync_learn_primary(struct vsync_net *vn, const __be32 *h)
{
	u32 a = msg_accept_lp_count(h), b = msg_accept_amb_count(h), i;
	u64 lp = msg_accept_lp(h), amb = msg_accept_amb(h);

	if (lp > vn->last_primary.id) {
		vn->last_primary.id = lp;
		vn->last_primary.n = a;
		vn->last_primary.primary = true;
		for (i = 0; i < a; i++)
			vn->last_primary.nodes[i] = msg_accept_node(h, i);
		if (vn->amb.id <= lp)
			vn->amb.id = 0;
	}
	if (amb > vn->amb.id && amb > vn->last_primary.id) {
		vn->amb.id = amb;
		vn->amb.n = b;
		vn->amb.primary = true;
		for (i = 0; i < b; i++)
			vn->amb.nodes[i] = msg_accept_node(h, a + i);
	}
}

static void vsync_rcv_accept(struct vsync_net *vn, struct vsync_peer *p,
			     const __be32 *h)
{
	u32 i;

	if (!vn->proposal.id || msg_view_id(h) != vn->proposal.id)
		return;
	vsync_learn_primary(vn, h);
	for (i = 0; i < vn->proposal.n; i++) {
		if (vn->proposal.nodes[i] != p->node_id)
			continue;
		vn->proposal_acks |= BIT_ULL(i);
		vn->prop_view[i] = msg_accept_view(h);
		vn->prop_have[i] = msg_accept_have(h);
		vn->prop_stable[i] = msg_accept_stable(h);
	}
}

static void vsync_rcv_commit(struct vsync_net *vn, struct vsync_peer *p,
			     const __be32 *h)
{
	struct vsync_commit c;
	int i;

	vsync_see_view_id(vn, msg_view_id(h));
	if (msg_view_id(h) <= vn->view.id)
		return;
	/* from the coordinator we accepted, or one of our view catching us up */
	if (!(vn->pending.id && vn->pending_coord == p->node_id) &&
	    !vsync_nview_has(&vn->view, p->node_id))
		return;
	vsync_commit_from_msg(&c, h);
	for (i = 0; i < c.v.n; i++)
		if (c.v.nodes[i] == vn->node_id)
			break;
	if (i == c.v.n)
		return;
	if (c.cont & BIT_ULL(i)) {
		/* we continue: from our view, up to the same end */
		if (c.prev != vn->view.id || vn->ord.have > c.final)
			return;
		if (vn->ord.have < c.final) {
			vn->incoming = c;
			vn->ord.frozen = true;
			vn->ord.flush_to = c.final;
			vsync_order_fetch(vn, c.from);
			vsync_node_kick(vn);
			return;
		}
	}
	vsync_install(vn, &c);
}

/* The stream reached the end of the old view that we were fetching. */
void vsync_gms_caught_up(struct vsync_net *vn)
{
	struct vsync_commit c = vn->incoming;

	if (c.v.id && c.v.id > vn->view.id && vn->ord.have == c.final) {
		vsync_install(vn, &c);
		return;
	}
	vsync_node_kick(vn);	/* the coordinator goes on at its tick */
}

void vsync_gms_rcv(struct vsync_net *vn, struct vsync_peer *p,
		   const __be32 *h)
{
	lockdep_assert_held(&vn->stream_lock);
	switch (msg_type(h)) {
	case VSYNC_MSG_HEARTBEAT:
		p->view_id = msg_hb_view(h);
		p->view_coord = msg_hb_coord(h);
		p->view_size = msg_hb_vsize(h);
		p->view_primary = msg_hb_vflags(h) & VSYNC_NVIEW_PRIMARY;
		p->view_frozen = msg_hb_vflags(h) & VSYNC_NVIEW_FROZEN;
		vsync_see_view_id(vn, msg_hb_max_view(h));
		break;
	case VSYNC_MSG_PROPOSE:
		vsync_rcv_propose(vn, p, h);
		break;
	case VSYNC_MSG_ACCEPT:
		vsync_rcv_accept(vn, p, h);
		break;
	case VSYNC_MSG_COMMIT:
		vsync_rcv_commit(vn, p, h);
		break;
	}
}
