// SPDX-License-Identifier: MIT
/*
 * dfs.c - bounded depth-first search.
 *
 * DFS: stateless depth-first search over the decision tree, re-executing from the start with
 * a recorded prefix (CHESS). Alternatives are tried default-first: the default is the running
 * context's own option (no preemption), else option 0. A preemption is a decision that, while
 * the running context could have continued, takes another context's step, fires an event or
 * flushes a store buffer early (without this, tso flushes multiply the tree beyond use: a store
 * buffer still drains at every fence, locked RMW, capacity limit and when nothing else can
 * run); executions with more than the bound are not explored. Data choices and spurious
 * wakeups are free. No partial-order reduction yet.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

struct dfs_rec {
	uint16_t n;		/* options at this decision */
	uint16_t k;		/* position in the try order (0 = default) */
	int16_t dflt;		/* default option index */
	uint16_t chosen;
	uint32_t pre_before;	/* preemptions spent before this decision */
	uint32_t costs;		/* offset into cost bytes: 1 if option i would preempt */
	bool more;		/* an alternative after the k-th is left within the bound */
	bool snapped;		/* snaps[] holds the state before this decision */
};

/*
 * Snapshots: at most this much memory per search (a livelock's execution can push decisions
 * by the hundred thousand). The snapshots of the first DFS_SNAP_KEEP decisions stay allocated
 * for reuse when their decision goes; deeper ones go to a pool of DFS_SNAP_POOL for the next
 * deep decisions, and beyond it are freed. (Freeing them all, the heap's top was given back to
 * the kernel and taken again every few executions of a bound-2 pagecache-general search:
 * nearly a quarter of its CPU time went to brk, page faults and TLB flushes.)
 */
#define DFS_SNAP_BUDGET (64u << 20)
#define DFS_SNAP_KEEP 256u
#define DFS_SNAP_POOL 64u

struct dfs {
	struct pcsim__strategy base;
	unsigned bound;			/* preemption bound */
	struct dfs_rec *recs;
	struct pcsim__pfx *pfx;		/* per rec: its step, for the engine (struct pcsim__exec.pfx) */
	size_t nrecs, caprecs;
	size_t cut;			/* dfs_cut()'s depth, SIZE_MAX: none */
	size_t nmore;			/* recs on the stack with .more */
	uint8_t *cost;
	size_t ncost, capcost;
	bool dfs_done;
	bool dfs_started;
	bool check_all;			/* PCSIM_DFS_CHECK_ALL: check the replayed prefix too */
	/*
	 * Prefix restore (docs/explore.md, "Prefixes are restored"): snaps[i], when recs[i] is
	 * snapped, holds the state before decision i, and an execution that changes decision i
	 * starts from it instead of replaying up to it. Taken at a decision with an alternative
	 * left (recorded, or reached by replay without one). Off with PCSIM_DFS_RESTORE=0 and
	 * with PCSIM_DFS_CHECK_ALL (which checks every state of every execution).
	 */
	bool restore_on;
	struct pcsim__snap **snaps;
	size_t capsnaps;
	size_t snap_bytes;		/* the memory snaps[] and pool[] hold (DFS_SNAP_BUDGET) */
	struct pcsim__snap *pool[DFS_SNAP_POOL];	/* deep decisions' snapshots, for reuse */
	unsigned npool;
	/*
	 * A traced execution takes no snapshot (the last ones, and those that might be: the
	 * first, and those whose replayed decisions have no alternative left), so the decisions
	 * it records have none. fill_needed: it recorded some with an alternative left; the next
	 * untraced execution (filling) replays its prefix through dfs_pick() - the engine's fast
	 * path off - and takes a snapshot at each of them.
	 */
	bool fill_needed, filling;
	struct pcsim__tree_shape shape;	/* the first execution's, for dfs_progress() */
	/*
	 * dfs_slice_depth()'s shares: share[i] is the share of the prefix of decisions 0..i,
	 * valid for i < nshare. A rec keeps its weights while it is on the stack, so the next
	 * execution computes only the levels from the decision it changed on, in the same order
	 * of the same operations (the same doubles: slices must not move).
	 */
	double *share;
	size_t nshare;
};

static int dfs_init(struct pcsim__strategy *s, const struct pcsim_explore_opts *o, char *err,
		    size_t errlen)
{
	(void)err, (void)errlen;
	((struct dfs *)s)->bound = o->preemption_bound;
	const char *e = getenv("PCSIM_DFS_CHECK_ALL");
	((struct dfs *)s)->check_all = e && *e && strcmp(e, "0") != 0;
	e = getenv("PCSIM_DFS_RESTORE");
	((struct dfs *)s)->restore_on = !((struct dfs *)s)->check_all && !(e && strcmp(e, "0") == 0);
	return 0;
}

static void dfs_fini(struct pcsim__strategy *s)
{
	struct dfs *d = (struct dfs *)s;
	free(d->recs);
	free(d->pfx);
	free(d->cost);
	free(d->share);
	for (size_t i = 0; i < d->capsnaps; i++)
		pcsim__snap_free(d->snaps[i]);
	free(d->snaps);
	while (d->npool)
		pcsim__snap_free(d->pool[--d->npool]);
}

/*
 * Every execution but the first re-executes the previous one's decisions up to the last on the
 * stack, which it changes: the states before that decision's step are the previous execution's,
 * whose invariants were checked (there, or in an execution before it by the same argument), so
 * the invariants that depend on the state alone are checked from the state the decision is
 * taken in on (docs/explore.md, "What a replayed prefix skips"). The engine's step count at each
 * replayed decision is compared with the recorded one (dfs_pick()), so a prefix that does not
 * replay step for step stops the search instead of skipping checks of states never seen.
 */
static bool dfs_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	struct dfs *d = (struct dfs *)s;
	if (d->dfs_done)
		return false;
	d->cut = SIZE_MAX;
	d->dfs_started = true;
	if (d->nrecs && !d->check_all) {
		uint64_t at = d->pfx[d->nrecs - 1].step;
		w->ex.inv_from = at ? at - 1 : 0;
		/* The engine takes the prefix's steps that let the running context go on (and
		 * logs them) without asking: room in the log for all of them, first. */
		while (w->caplog < d->nrecs && pcsim__strategy_log_grow(w))
			;
		d->filling = d->fill_needed && d->restore_on && !w->tracing;
		if (w->caplog >= d->nrecs && !d->filling) {
			w->ex.pfx = d->pfx;
			w->ex.npfx = d->nrecs - 1;
			w->ex.pfx_log = !s->nolog;
		}
		/* the state before the decision it changes, if it was kept: no prefix to replay */
		const struct dfs_rec *r = &d->recs[d->nrecs - 1];
		if (r->snapped && !d->filling && pcsim__snap_usable(w, d->snaps[d->nrecs - 1]))
			w->restore = d->snaps[d->nrecs - 1];
	}
	return true;
}

/*
 * Keep the state before decision @i, which has an alternative left (pcsim__snap_take()).
 * Return: 1 when a later execution restored it and goes on from here (the caller answers
 * recs[i].chosen for it), else 0 (kept or not).
 */
static __attribute__((noinline)) int dfs_snap(struct dfs *s, struct pcsim_world *w, size_t i)
{
	if (i >= s->capsnaps) {
		size_t ncap = s->caprecs > i ? s->caprecs : i + 1;
		struct pcsim__snap **n = realloc(s->snaps, ncap * sizeof(*n));
		if (!n)
			return 0;
		memset(n + s->capsnaps, 0, (ncap - s->capsnaps) * sizeof(*n));
		s->snaps = n;
		s->capsnaps = ncap;
	}
	if (!s->snaps[i] && s->npool) {
		s->snaps[i] = s->pool[--s->npool];	/* counted in snap_bytes already */
	} else if (!s->snaps[i]) {
		if (s->snap_bytes >= DFS_SNAP_BUDGET || !(s->snaps[i] = pcsim__snap_new()))
			return 0;	/* replayed instead */
		s->snap_bytes += pcsim__snap_bytes(s->snaps[i]);
	}
	s->recs[i].snapped = false;
	size_t before = pcsim__snap_bytes(s->snaps[i]);
	int rc = pcsim__snap_take(w, s->snaps[i]);
	if (rc == 1)
		return 1;
	s->snap_bytes += pcsim__snap_bytes(s->snaps[i]) - before;
	s->recs[i].snapped = rc == 0;
	return 0;
}

/* The option tried k-th at @r: the default, then 0..n-1 without the default. */
static inline unsigned try_idx(const struct dfs_rec *r, unsigned k)
{
	return r->dflt < 0 ? k : (k <= (unsigned)r->dflt ? k - 1 : k);
}

/* The first alternative after the k-th that the bound allows, or r->n. */
static unsigned next_alt(const struct dfs *s, const struct dfs_rec *r)
{
	for (unsigned k = r->k + 1u; k < r->n; k++)
		if (r->pre_before + s->cost[r->costs + try_idx(r, k)] <= s->bound)
			return k;
	return r->n;
}

/*
 * Decision @i leaves the stack: a deep one's snapshot goes to the pool, or is freed when the
 * pool is full (DFS_SNAP_KEEP).
 */
static void dfs_snap_drop(struct dfs *s, size_t i)
{
	if (i < s->capsnaps && s->snaps[i] && i >= DFS_SNAP_KEEP) {
		if (s->npool < DFS_SNAP_POOL) {
			s->pool[s->npool++] = s->snaps[i];
		} else {
			s->snap_bytes -= pcsim__snap_bytes(s->snaps[i]);
			pcsim__snap_free(s->snaps[i]);
		}
		s->snaps[i] = NULL;
	}
}

/* Drop the recs from @depth on. */
static void dfs_pop_to(struct dfs *s, size_t depth)
{
	if (s->nshare > depth)
		s->nshare = depth;
	while (s->nrecs > depth) {
		s->nmore -= s->recs[--s->nrecs].more;
		dfs_snap_drop(s, s->nrecs);
	}
	s->ncost = s->nrecs ? s->recs[s->nrecs - 1].costs + s->recs[s->nrecs - 1].n : 0;
}

static bool dfs_backtrack(struct dfs *s)
{
	while (s->nrecs) {
		struct dfs_rec *r = &s->recs[s->nrecs - 1];
		unsigned k = next_alt(s, r);
		if (k < r->n) {
			if (s->nshare >= s->nrecs)
				s->nshare = s->nrecs - 1;	/* its choice changes */
			r->k = (uint16_t)k;
			r->chosen = (uint16_t)try_idx(r, k);
			s->pfx[s->nrecs - 1].run = 0;	/* k > 0: not the default */
			s->ncost = r->costs + r->n;
			s->nmore -= r->more;
			r->more = next_alt(s, r) < r->n;
			s->nmore += r->more;
			return true;
		}
		dfs_pop_to(s, s->nrecs - 1);
	}
	return false;
}

static inline unsigned dfs_pick(struct pcsim__strategy *base, struct pcsim_world *w,
			 const struct pcsim__opt *opts, unsigned n, int cur, const char *data_kind)
{
	struct dfs *s = (struct dfs *)base;
	unsigned pick = 0;
	/* the decisions so far, this one included: the engine takes some of a replayed prefix
	 * without asking (struct pcsim__exec.pfx) */
	size_t d = (size_t)w->ex.ndecisions - 1;
	if (d < s->nrecs) {
		pick = s->recs[d].chosen;
		if (pick >= n || s->recs[d].n != n) {
			/* The program is not deterministic under replay of its own prefix. */
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "nondeterminism",
				     "DFS prefix replay found %u options where %u were "
				     "recorded (decision %zu): the program depends on something "
				     "outside the engine",
				     n, s->recs[d].n, d);
			pick = 0;
		} else if (s->pfx[d].step != w->ex.step) {
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "nondeterminism",
				     "DFS prefix replay reached decision %zu at step %llu where "
				     "it was recorded at step %llu: the program depends on "
				     "something outside the engine",
				     d, (unsigned long long)w->ex.step,
				     (unsigned long long)s->pfx[d].step);
			pick = 0;
		} else if ((d == s->nrecs - 1 || s->filling) && s->restore_on && s->recs[d].more &&
			   !s->recs[d].snapped && dfs_snap(s, w, d) == 1) {
			pick = s->recs[d].chosen;	/* restored: this execution's choice */
		}
		return pick;
	}
	if (s->nrecs == s->caprecs) {
		size_t ncap = s->caprecs ? 2 * s->caprecs : 256;
		struct dfs_rec *nr = realloc(s->recs, ncap * sizeof(*nr));
		if (!nr)
			goto oom;
		s->recs = nr;
		struct pcsim__pfx *np = realloc(s->pfx, ncap * sizeof(*np));
		if (!np)
			goto oom;
		s->pfx = np;
		double *ns = realloc(s->share, ncap * sizeof(*ns));
		if (!ns)
			goto oom;
		s->share = ns;
		s->caprecs = ncap;
	}
	if (s->ncost + n > s->capcost) {
		size_t ncap = (s->ncost + n) * 2 + 1024;
		uint8_t *nc = realloc(s->cost, ncap);
		if (!nc)
			goto oom;
		s->cost = nc;
		s->capcost = ncap;
	}
	struct dfs_rec *r = &s->recs[s->nrecs++];
	uint32_t pre = 0;
	if (s->nrecs > 1) {
		struct dfs_rec *p = &s->recs[s->nrecs - 2];
		pre = p->pre_before + s->cost[p->costs + p->chosen];
	}
	r->n = (uint16_t)n;
	r->k = 0;
	r->dflt = (int16_t)cur;
	r->chosen = (uint16_t)(cur >= 0 ? (unsigned)cur : 0);
	r->snapped = false;
	r->pre_before = pre;
	r->costs = (uint32_t)s->ncost;
	s->pfx[s->nrecs - 1].step = w->ex.step;
	s->pfx[s->nrecs - 1].run = !data_kind && cur >= 0 && opts[cur].type == OPT_RUN
					   ? opts[cur].target
					   : 0;
	/*
	 * What a decision costs against the bound: taking another context's step, firing
	 * an event or flushing a store buffer while the running context could have gone
	 * on. Store-buffer flushes and event firings that nobody else can precede are
	 * free, and so are data choices.
	 */
	unsigned free_alts = 0;	/* options but the default that cost nothing */
	for (unsigned i = 0; i < n; i++) {
		uint8_t c = (cur >= 0 && i != (unsigned)cur && opts[i].type != OPT_DATA &&
			     opts[i].type != OPT_SPURIOUS)
				    ? 1
				    : 0;
		s->cost[s->ncost + i] = c;
		free_alts += !c && i != r->chosen;
	}
	s->ncost += n;
	/* next_alt(s, r) < n, without the walk: costs are 0 or 1 */
	r->more = pre < s->bound ? n > 1 : free_alts > 0;
	s->nmore += r->more;
	pick = r->chosen;
	if (r->more && s->restore_on) {
		if (w->tracing)
			s->fill_needed = true;	/* no snapshot in a traced execution */
		else if (dfs_snap(s, w, s->nrecs - 1) == 1)
			pick = s->recs[s->nrecs - 1].chosen;	/* restored: this one's choice */
	}
	return pick;
oom:
	/* the engine stops at the next step (outcome set); the search cannot go on */
	pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
		     "no memory for DFS decision %zu", s->nrecs + 1);
	s->dfs_done = true;
	return cur >= 0 ? (unsigned)cur : 0;
}

/* The tree's shape (struct pcsim__tree_shape), from the first execution's first @nd decisions. */
static void dfs_learn_shape(struct dfs *s, size_t nd)
{
	size_t pdec = 0, alt = 0;
	if (nd > s->nrecs)
		nd = s->nrecs;
	for (size_t i = 0; i < nd; i++) {
		size_t c = 0;
		for (unsigned k = 0; k < s->recs[i].n; k++)
			c += s->cost[s->recs[i].costs + k];
		pdec += c != 0;
		alt += c;
	}
	pcsim__tree_shape_set(&s->shape, nd, pdec, alt);
	s->nshare = 0;	/* the weights change */
}

static void dfs_end(struct pcsim__strategy *base, struct pcsim_world *w)
{
	struct dfs *s = (struct dfs *)base;
	if (s->filling && !w->tracing)
		s->fill_needed = false;	/* filled */
	s->filling = false;
	/* the decisions this execution reached (it may have ended early), or the cut's depth */
	size_t depth = (size_t)w->ex.ndecisions < s->cut ? (size_t)w->ex.ndecisions : s->cut;
	if (!s->shape.known && w->ex.ndecisions)
		/* once: for dfs_progress() and the slices, from the whole first execution
		 * whether or not a slice cuts it (reads, decides nothing) */
		dfs_learn_shape(s, (size_t)w->ex.ndecisions);
	/* Drop decisions beyond what this execution reached (it may have ended early). */
	if (s->nrecs > depth)
		dfs_pop_to(s, depth);
	if (!dfs_backtrack(s))
		s->dfs_done = true;
}

/* Campaign slices: forget the decisions below @depth, so dfs_end() backtracks above it. */
static void dfs_cut(struct pcsim__strategy *base, size_t depth)
{
	struct dfs *s = (struct dfs *)base;
	s->cut = depth;
}

/*
 * Campaign slices (explore.c): the depth of the shortest prefix of this execution whose
 * estimated share of the bounded tree is under 1/@parts, by the weights of dfs_progress()
 * (each alternative weighs the ways it leaves to spend the rest of the budget). A fixed depth
 * does not do under a bound: the subtree below a prefix that took every default keeps the whole
 * budget, so below the first 6 decisions one subtree of uring-b18's bound-2 tree held
 * 89 % of it. The share of a prefix depends on the prefix alone (its decisions, their costs and
 * the first execution's shape), so every slice cuts the same subtrees.
 */
static size_t dfs_slice_depth(struct pcsim__strategy *base, size_t parts)
{
	struct dfs *s = (struct dfs *)base;
	if (!s->shape.known && s->nrecs)
		dfs_learn_shape(s, (size_t)s->nrecs);	/* the first execution, before its end() */
	double share = 1.0, limit = 1.0 / (double)parts;
	/* PCSIM_DFS_CHECK_ALL computes every level again (tests/cli/dfs_prefix.sh compares) */
	size_t i = s->check_all ? 0 : s->nshare < s->nrecs ? s->nshare : s->nrecs;
	if (i) {
		/* levels 0..i-1 as the last call left them: all but the last at or above the
		 * limit (it returned at the first below), and the shares never grow */
		share = s->share[i - 1];
		if (share < limit)
			return i;
	}
	for (; i < s->nrecs; i++) {
		const struct dfs_rec *r = &s->recs[i];
		double all = 0, taken = 0;
		for (unsigned k = 0; k < r->n; k++) {
			double wt = pcsim__progress_weight(&s->shape, s->bound, r->pre_before,
							   s->cost[r->costs + k], i);
			all += wt;
			if (k == r->chosen)
				taken = wt;
		}
		if (all > 0)
			share *= taken / all;
		s->share[i] = share;
		s->nshare = i + 1;
		if (share < limit)
			return i + 1;
	}
	return s->nrecs;
}

static size_t dfs_next_depth(const struct pcsim__strategy *base)
{
	const struct dfs *s = (const struct dfs *)base;
	return s->dfs_done || !s->nrecs ? 0 : s->nrecs - 1;
}

static bool dfs_exhausted(const struct pcsim__strategy *s)
{
	return ((const struct dfs *)s)->dfs_done;
}

/*
 * The next execution may be the search's last: no decision it replays has an alternative left
 * after the one it takes, so whether another execution follows depends on the decisions it
 * adds. Along a search that holds for the executions whose changed decision is on the tree's
 * rightmost path - about as many as the tree is deep.
 */
static bool dfs_might_be_last(const struct pcsim__strategy *s)
{
	const struct dfs *d = (const struct dfs *)s;
	return !d->dfs_done && d->nmore == 0;
}

/*
 * How far along the search is (docs/explore.md, "How far along is a search"): after end(), the
 * stack is the path of the next execution, and at each level the alternatives before the one
 * it takes (in the try order) are finished. The online estimate weighs each level's finished
 * alternatives by their share of the level, times the share of the path above:
 *   sum over levels i of (finished weight_i / weight_i) * product over j < i of
 *   (weight of the alternative taken at j / weight_j).
 * With equal weights this is the classic estimate, exact when the nodes at each depth branch
 * alike; but under a preemption bound the alternative that does not preempt keeps the budget
 * and holds nearly all of the tree, so equal weights call a bound-1 search of pagecache-general
 * 1e-40 done after 100,000 executions. Each alternative is weighed instead by the ways it
 * leaves to spend the rest of the budget over the decisions still to come (pcsim__budget_ways(),
 * with the first execution's length, share of preemption decisions and their width; equal
 * weights when no option preempts). The weights of a decision never change, so the estimate is
 * 0 at the start, 1 at the end and never decreases (a backtrack replaces a subtree's partial
 * share by its whole share); it stays biased where subtrees differ in ways the weights do not
 * see.
 * Reads the stack only; the search itself is untouched.
 */
static double dfs_progress(const struct pcsim__strategy *base)
{
	const struct dfs *s = (const struct dfs *)base;
	if (s->dfs_done)
		return 1.0;
	struct pcsim__tree_progress t = { 0, 1, 0, 0, 0 };
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct dfs_rec *r = &s->recs[i];
		for (unsigned k = 0; k < r->n; k++) {
			/* position k of the try order: the default, then 0..n-1 without it */
			unsigned idx = r->dflt < 0 ? k
				       : k == 0 ? (unsigned)r->dflt
				       : k <= (unsigned)r->dflt ? k - 1 : k;
			double wt = pcsim__progress_weight(&s->shape, s->bound, r->pre_before,
							   s->cost[r->costs + idx], i);
			if (wt > 0)
				pcsim__progress_alt(&t, wt, k < r->k ? 1 : k == r->k ? 2 : 0);
		}
		if (!pcsim__progress_level(&t))
			break;
	}
	return t.f < 1 ? t.f : 1;
}

/*
 * Checkpoints (docs/campaigns.md): the stack is the whole of what one execution leaves the
 * next (the path the next one takes, each level's alternatives done and left, their costs),
 * with the tree's shape. The kept shares are not written: dfs_slice_depth() computes them
 * again from level 0 with the same operations (the same doubles, as PCSIM_DFS_CHECK_ALL).
 */
static void dfs_save(const struct pcsim__strategy *base, struct pcsim__ckpt_out *b)
{
	const struct dfs *s = (const struct dfs *)base;
	pcsim__ckpt_printf(b, "dfs %zu %zu %d %d\n", s->nrecs, s->ncost, s->dfs_done,
			   s->dfs_started);
	pcsim__ckpt_printf(b, "shape %d %a %a %a\n", s->shape.known, s->shape.d, s->shape.p,
			   s->shape.a);
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct dfs_rec *r = &s->recs[i];
		pcsim__ckpt_printf(b, "rec %u %u %d %u %" PRIu32 " %" PRIu32 " %d %" PRIu64 " %" PRIu32 "\n",
				   r->n, r->k, r->dflt + 1, r->chosen, r->pre_before, r->costs, r->more,
				   s->pfx[i].step, s->pfx[i].run);
	}
	pcsim__ckpt_printf(b, "costs");
	for (size_t i = 0; i < s->ncost; i += 4096) {
		char line[4097];
		size_t n = s->ncost - i < 4096 ? s->ncost - i : 4096;
		for (size_t j = 0; j < n; j++)
			line[j] = (char)('0' + s->cost[i + j]);
		line[n] = '\0';
		pcsim__ckpt_printf(b, " %s", line);
	}
	pcsim__ckpt_printf(b, "\n");
}

static bool dfs_load(struct pcsim__strategy *base, struct pcsim__ckpt_in *in)
{
	struct dfs *s = (struct dfs *)base;
	uint64_t nrecs, ncost, done, started, known, v[9];
	if (!pcsim__ckpt_line(in, "dfs") || !pcsim__ckpt_uint(in, 1u << 26, &nrecs) ||
	    !pcsim__ckpt_uint(in, 1u << 30, &ncost) || !pcsim__ckpt_uint(in, 1, &done) ||
	    !pcsim__ckpt_uint(in, 1, &started) || !pcsim__ckpt_eol(in))
		return false;
	if (!pcsim__ckpt_line(in, "shape") || !pcsim__ckpt_uint(in, 1, &known) ||
	    !pcsim__ckpt_f64(in, &s->shape.d) || !pcsim__ckpt_f64(in, &s->shape.p) ||
	    !pcsim__ckpt_f64(in, &s->shape.a) || !pcsim__ckpt_eol(in))
		return false;
	s->shape.known = known;
	/* what the text can hold: a rec line is at least 22 bytes, a cost one (no allocation
	 * larger than the checkpoint asks for) */
	size_t rest = strlen(in->next);
	if (nrecs > rest / 22 || ncost > rest || ncost > nrecs * PCSIM_MAX_OPTS)
		return pcsim__ckpt_fail(in, "more decisions or costs than the checkpoint holds");
	size_t cap = nrecs > 256 ? (size_t)nrecs : 256;
	s->recs = malloc(cap * sizeof(*s->recs));
	s->pfx = malloc(cap * sizeof(*s->pfx));
	s->share = malloc(cap * sizeof(*s->share));
	s->cost = malloc((size_t)ncost + 1024);
	if (!s->recs || !s->pfx || !s->share || !s->cost)
		return pcsim__ckpt_fail(in, "out of memory");
	s->caprecs = cap;
	s->capcost = (size_t)ncost + 1024;
	s->ncost = (size_t)ncost;
	s->nmore = 0;
	s->nshare = 0;
	for (size_t i = 0; i < nrecs; i++) {
		/* n k dflt+1 chosen pre_before costs more step run (dflt+1: 0 when none) */
		static const uint64_t max[9] = { PCSIM_MAX_OPTS, PCSIM_MAX_OPTS, PCSIM_MAX_OPTS,
						 PCSIM_MAX_OPTS, UINT32_MAX,	 UINT32_MAX,
						 1,		 UINT64_MAX,	 UINT32_MAX };
		if (!pcsim__ckpt_line(in, "rec"))
			return false;
		for (unsigned f = 0; f < 9; f++)
			if (!pcsim__ckpt_uint(in, max[f], &v[f]))
				return false;
		if (!pcsim__ckpt_eol(in))
			return false;
		struct dfs_rec *r = &s->recs[i];
		r->n = (uint16_t)v[0];
		r->k = (uint16_t)v[1];
		r->dflt = (int16_t)((int)v[2] - 1);
		r->chosen = (uint16_t)v[3];
		r->pre_before = (uint32_t)v[4];
		r->costs = (uint32_t)v[5];
		r->more = v[6] != 0;
		r->snapped = false;
		s->pfx[i].step = v[7];
		s->pfx[i].run = (uint32_t)v[8];
		if (r->n < 1 || r->k >= r->n || r->chosen >= r->n ||
		    (r->dflt >= 0 && r->dflt >= (int)r->n) || (uint64_t)r->costs + r->n > ncost ||
		    (i && r->costs < s->recs[i - 1].costs + s->recs[i - 1].n))
			return pcsim__ckpt_fail(in, "not a decision of this search's stack");
		s->nmore += r->more;
	}
	s->nrecs = (size_t)nrecs;
	if (nrecs && s->recs[nrecs - 1].costs + s->recs[nrecs - 1].n != ncost)
		return pcsim__ckpt_fail(in, "the stack's costs do not add up");
	if (!pcsim__ckpt_line(in, "costs"))
		return false;
	size_t got = 0;
	while (in->cur < in->eol) {
		const char *f;
		size_t n;
		if (!pcsim__ckpt_rest(in, &f, &n))
			return false;
		const char *sp = memchr(f, ' ', n);
		size_t len = sp ? (size_t)(sp - f) : n;
		in->cur = f + len;
		for (size_t j = 0; j < len; j++) {
			if ((f[j] != '0' && f[j] != '1') || got == ncost) {
				in->cur = f + j;
				return pcsim__ckpt_fail(in, "expected %" PRIu64 " costs of 0 or 1",
							ncost);
			}
			s->cost[got++] = (uint8_t)(f[j] - '0');
		}
	}
	if (got != ncost)
		return pcsim__ckpt_fail(in, "expected %" PRIu64 " costs, found %zu", ncost, got);
	s->dfs_done = done;
	s->dfs_started = started;
	return true;
}

PCSIM_STRATEGY_CHOOSER(dfs_choose, dfs_pick)

const struct pcsim__strategy_ops pcsim__dfs_ops = {
	.name = "dfs",
	.size = sizeof(struct dfs),
	.init = dfs_init,
	.fini = dfs_fini,
	.begin = dfs_begin,
	.choose = dfs_choose,
	.end = dfs_end,
	.exhausted = dfs_exhausted,
	.might_be_last = dfs_might_be_last,
	.cut = dfs_cut,
	.slice_depth = dfs_slice_depth,
	.next_depth = dfs_next_depth,
	.progress = dfs_progress,
	.save = dfs_save,
	.load = dfs_load,
};
