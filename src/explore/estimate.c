// SPDX-License-Identifier: MIT
/*
 * estimate.c - how big is a bounded DFS search before running it: Knuth's estimator of the size
 * of a backtrack tree (D. E. Knuth, "Estimating the efficiency of backtrack programs", Math.
 * Comp. 29 (1975) 121-136), over the tree that dfs.c walks. Models no kernel function.
 *
 * A probe is one execution from the root. At each decision it takes the options DFS would try
 * there under the preemption bound - the cost rules of dfs.c: an option costs a preemption when
 * the running context could go on and the option is another context's step, an event or a
 * store-buffer flush; data choices and spurious wakeups are free; an option is allowed when the
 * preemptions spent so far plus its cost are within the bound - picks one of them at random
 * from the engine's seeded stream (execution i's stream, so probe i is reproducible on its own)
 * and multiplies its estimate by 1 / the probability of that pick. The product along the path
 * is an unbiased estimate of the number of leaves, i.e. of DFS executions (a leaf reached with
 * probability p counts 1/p). The mean over N probes estimates the tree's size, its sample
 * variance gives a confidence interval, and the steps of each probe weighted by its estimate
 * give the mean steps of a DFS execution.
 *
 * Knuth picks uniformly (PCSIM_ESTIMATE_UNIFORM=1 does). On a bounded tree that spends the
 * preemption at the first decisions and almost never reaches the leaves that preempt late, so
 * the picks are weighted instead (importance sampling; any weights keep the estimate unbiased):
 * where free and preempting options are both allowed, by the ways each leaves to spend the rest
 * of the budget (pcsim__budget_ways(), explore_int.h); and, half and half with that prior, by
 * what the probes before brought back from below each option - of a decision that probes
 * passed more than once (the learnt tree), and per depth and budget left for the free/preempting split (the strata). Where every
 * node at a depth branches alike every probe gives the exact count. docs/explore.md,
 * "Estimating a search", has the figures and the limits (heavy tails).
 *
 * The strategy here is not one of enum pcsim_strategy: pcsim_estimate() creates it and runs its
 * probes with pcsim__exec_one(), as pcsim_explore() runs executions.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explore_int.h"

/*
 * The learnt part of the tree: the nodes that probes have passed through more than once, each
 * with, for each of its options, the sum and count of the estimates of the subtree below it
 * (the product of 1 / probability of the picks after it) that probes brought back.
 */
struct tslot {
	double sum;
	uint32_t count;
	uint32_t child;		/* node index + 1, 0: none yet */
};

struct tnode {
	uint32_t slot;		/* its options' slots: slots[slot .. slot + n) */
	uint32_t n;
};

struct tstep {
	uint32_t slot;		/* the option taken */
	double after;		/* the probe's weight after this pick */
};

#define EST_MAX_SLOTS (1u << 20)	/* 16 MiB of learnt tree at most */

/* What probes saw below the free and the preempting picks at decision depth d with r
 * preemptions left (strata: (d, min(r, EST_RB) - 1)), for the free/preempting split. */
#define EST_RB 4u
struct stratum {
	double sum[2];		/* [0] free, [1] preempting */
	uint32_t count[2];
};

struct sstep {
	uint32_t stratum;
	uint32_t cost;		/* 0 free, 1 preempting */
	double after;
};

struct est {
	struct pcsim__strategy base;
	/* the learnt tree, and this probe's path through it */
	struct tnode *nodes;
	struct tslot *slots;
	struct tstep *path;
	uint32_t nnodes, capnodes, nslots, capslots, npath, cappath;
	uint32_t at;		/* node of the next decision + 1, 0: outside the tree */
	struct stratum *strata;
	struct sstep *spath;
	uint32_t nstrata, nspath, capspath;
	uint32_t from;		/* the slot taken at the last decision + 1 (its child is at) */
	unsigned bound;		/* preemption bound */
	bool uniform;		/* every pick uniform (Knuth's plain estimator) */
	uint64_t pre;		/* preemptions spent on this probe's path */
	double weight;		/* product of 1 / the probability of each pick so far */
	uint64_t decisions;	/* of this probe */
	uint64_t pdec, palt;	/* of this probe: decisions where an option preempts, and
				 * their preempting options */
	/* over the probes before this one: preemption decisions, their preempting options */
	uint64_t done, pdec_sum, alt_sum;
};

/* What option @i of a decision costs against the bound: dfs.c's rule. */
static inline unsigned est_cost(const struct pcsim__opt *opts, unsigned i, int cur)
{
	return cur >= 0 && i != (unsigned)cur && opts[i].type != OPT_DATA &&
	       opts[i].type != OPT_SPURIOUS;
}

static bool est_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	(void)w;
	struct est *e = (struct est *)s;
	e->pre = 0;
	e->weight = 1.0;
	e->decisions = 0;
	e->pdec = e->palt = 0;
	e->npath = e->nspath = 0;
	e->from = 0;
	e->at = e->nnodes ? 1 : 0;	/* the root */
	return true;
}

static bool strata_grow(struct est *e, uint32_t k)
{
	uint32_t nc = e->nstrata ? e->nstrata : 1024;
	while (nc <= k)
		nc *= 2;
	struct stratum *ns = realloc(e->strata, nc * sizeof(*ns));
	if (!ns)
		return false;
	memset(&ns[e->nstrata], 0, (nc - e->nstrata) * sizeof(*ns));
	e->strata = ns;
	e->nstrata = nc;
	return true;
}

/* The tree node for a decision of @n options reached from slot e->from (or the root): the
 * existing one, a new one when a probe comes this way the second time, or 0 (outside). */
static uint32_t tree_node(struct est *e, unsigned n)
{
	uint32_t idx = e->at;
	if (idx)
		return e->nodes[idx - 1].n == n ? idx : 0;	/* n differs: nondeterminism */
	bool root = !e->nnodes && !e->decisions;
	if (!root && !(e->from && e->slots[e->from - 1].count >= 1 &&
		       !e->slots[e->from - 1].child))
		return 0;
	if (e->nslots + n > EST_MAX_SLOTS)
		return 0;
	if (e->nnodes == e->capnodes) {
		uint32_t nc = e->capnodes ? 2 * e->capnodes : 1024;
		struct tnode *nn = realloc(e->nodes, nc * sizeof(*nn));
		if (!nn)
			return 0;
		e->nodes = nn;
		e->capnodes = nc;
	}
	if (e->nslots + n > e->capslots) {
		uint32_t nc = e->capslots ? 2 * e->capslots : 4096;
		while (nc < e->nslots + n)
			nc *= 2;
		struct tslot *ns = realloc(e->slots, nc * sizeof(*ns));
		if (!ns)
			return 0;
		e->slots = ns;
		e->capslots = nc;
	}
	e->nodes[e->nnodes] = (struct tnode){ e->nslots, n };
	memset(&e->slots[e->nslots], 0, n * sizeof(*e->slots));
	e->nslots += n;
	idx = ++e->nnodes;
	if (!root)
		e->slots[e->from - 1].child = idx;
	return idx;
}

static inline unsigned est_pick(struct pcsim__strategy *base, struct pcsim_world *w,
				const struct pcsim__opt *opts, unsigned n, int cur,
				const char *data_kind)
{
	(void)w, (void)data_kind;
	struct est *e = (struct est *)base;
	unsigned nfree = 0, ncost = 0, costly = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = est_cost(opts, i, cur);
		costly += c;
		if (e->pre + c <= e->bound)
			c ? ncost++ : nfree++;
	}
	if (costly) {
		e->pdec++;
		e->palt += costly;
	}
	/*
	 * The probability of each allowed option: the base one (uniform, or weighted by the
	 * preemptions each leaves), mixed half and half with the one learnt from the probes
	 * before where this decision is in the learnt tree. The running context's own option
	 * (or, without one, every option) costs nothing, so at least one is allowed.
	 */
	double wf = 1, wc = 1;
	if (nfree && ncost && !e->uniform && e->done) {
		/*
		 * A preemption spends the budget, so the free option's subtree is far larger
		 * than each preempting one's, and uniform picks would spend it at once and almost
		 * never reach the leaves that preempt late. Weigh the options by the ways each
		 * leaves (pcsim__budget_ways()), with the number of preemption decisions still to
		 * come and their width learnt from the probes before.
		 */
		double left = (double)e->pdec_sum / (double)e->done - (double)e->pdec;
		double a = (double)e->alt_sum / (double)(e->pdec_sum ? e->pdec_sum : 1);
		double r = (double)e->bound - (double)e->pre;
		if (left < 0)
			left = 0;
		wf = pcsim__budget_ways(r, left, a);
		wc = pcsim__budget_ways(r - 1, left, a);
	}
	uint32_t st = UINT32_MAX;
	if (nfree && ncost && !e->uniform) {
		uint64_t rr = e->bound - e->pre < EST_RB ? e->bound - e->pre : EST_RB;
		uint64_t k = e->decisions * EST_RB + rr - 1;
		if (k < UINT32_MAX / 2 && (k < e->nstrata || strata_grow(e, (uint32_t)k)))
			st = (uint32_t)k;
		const struct stratum *t = st != UINT32_MAX ? &e->strata[st] : NULL;
		if (t && t->count[0] >= 8 && t->count[1] >= 8 && t->sum[0] > 0 && t->sum[1] > 0) {
			/* learnt: half the budget_ways() split, half what was seen here */
			double lf = t->sum[0] / t->count[0], lc = t->sum[1] / t->count[1];
			double bt = nfree * wf + ncost * wc, lt = nfree * lf + ncost * lc;
			wf = 0.5 * wf / bt + 0.5 * lf / lt;
			wc = 0.5 * wc / bt + 0.5 * lc / lt;
		}
	}
	double tot = nfree * wf + ncost * wc;
	uint32_t node = e->uniform ? 0 : tree_node(e, n);
	const struct tslot *sl = node ? &e->slots[e->nodes[node - 1].slot] : NULL;
	double known_max = 0, ltot = 0;
	if (sl) {
		for (unsigned i = 0; i < n; i++)
			if (e->pre + est_cost(opts, i, cur) <= e->bound && sl[i].count &&
			    sl[i].sum / sl[i].count > known_max)
				known_max = sl[i].sum / sl[i].count;
		for (unsigned i = 0; i < n && known_max > 0; i++)
			if (e->pre + est_cost(opts, i, cur) <= e->bound)
				ltot += sl[i].count ? sl[i].sum / sl[i].count : known_max;
	}
	double u = (double)(pcsim__rng_next(&base->rng) >> 11) * 0x1.0p-53, acc = 0, p = 0;
	unsigned pick = n;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = est_cost(opts, i, cur);
		if (e->pre + c > e->bound)
			continue;
		double pi = (c ? wc : wf) / tot;
		if (ltot > 0)
			pi = 0.5 * pi + 0.5 * (sl[i].count ? sl[i].sum / sl[i].count : known_max) /
						ltot;
		acc += pi;
		pick = i;	/* the last allowed one takes what rounding leaves */
		p = pi;
		if (u < acc)
			break;
	}
	if (pick == n)
		pick = 0;	/* cannot happen: one option is always allowed */
	double inv = p > 0 ? 1 / p : 1;
	if (node && e->npath < UINT32_MAX) {
		if (e->npath == e->cappath) {
			uint32_t nc = e->cappath ? 2 * e->cappath : 256;
			struct tstep *np = realloc(e->path, nc * sizeof(*np));
			if (np) {
				e->path = np;
				e->cappath = nc;
			}
		}
		if (e->npath < e->cappath)
			e->path[e->npath++] = (struct tstep){ e->nodes[node - 1].slot + pick,
							      e->weight * inv };
	}
	if (st != UINT32_MAX) {
		if (e->nspath == e->capspath) {
			uint32_t nc = e->capspath ? 2 * e->capspath : 256;
			struct sstep *np = realloc(e->spath, nc * sizeof(*np));
			if (np) {
				e->spath = np;
				e->capspath = nc;
			}
		}
		if (e->nspath < e->capspath)
			e->spath[e->nspath++] = (struct sstep){ st, est_cost(opts, pick, cur),
								e->weight * inv };
	}
	/* where the next decision is in the tree */
	e->from = node ? e->nodes[node - 1].slot + pick + 1 : 0;
	e->at = node ? e->slots[e->from - 1].child : 0;
	e->weight *= inv;
	e->pre += est_cost(opts, pick, cur);
	e->decisions++;
	return pick;
}

PCSIM_STRATEGY_CHOOSER(est_choose, est_pick)

static void est_fini(struct pcsim__strategy *s)
{
	struct est *e = (struct est *)s;
	free(e->nodes);
	free(e->slots);
	free(e->path);
	free(e->strata);
	free(e->spath);
}

const struct pcsim__strategy_ops pcsim__estimate_ops = {
	.name = "estimate",
	.size = sizeof(struct est),
	.fini = est_fini,
	.begin = est_begin,
	.choose = est_choose,
};

/* Newton's square root: the library links no libm for one call. */
static double est_sqrt(double x)
{
	if (!(x > 0) || x == (double)INFINITY)
		return x > 0 ? x : 0;
	double g = x > 1 ? x : 1;
	for (int i = 0; i < 2000; i++) {
		double ng = 0.5 * (g + x / g);
		if (ng >= g)
			break;
		g = ng;
	}
	return g;
}

/* At most this many DFS executions are timed for the projection (a fraction of a second on
 * pagecache-general). */
#define PCSIM_ESTIMATE_DFS_TIMING 20000

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int fail(char *err, size_t errlen, int rc, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

int pcsim_estimate(const struct pcsim_program *prog, const struct pcsim_config *cfg_in,
		   const struct pcsim_explore_opts *o, uint64_t probes, struct pcsim_estimate *e,
		   char *err, size_t errlen)
{
	char why[2400];
	struct pcsim_config cfg;
	if (!e)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: no result structure");
	memset(e, 0, sizeof(*e));
	if (!prog || !prog->setup)
		return fail(err, errlen, -EINVAL,
			    "pcsim_estimate: the program has no setup function");
	if (!o)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: no options (the strategy and "
						  "bound come from them)");
	if (probes == 0)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: the number of probes must be at "
						  "least 1");
	if (o->strategy != PCSIM_STRATEGY_DFS && o->strategy != PCSIM_STRATEGY_DPOR)
		return fail(err, errlen, -EINVAL,
			    "pcsim_estimate: the estimate is of the bounded DFS tree: strategy dfs "
			    "or dpor");
	if (pcsim_world_current())
		return fail(err, errlen, -EBUSY, "pcsim_estimate: called from inside a running "
						 "world; explorations do not nest");
	if (cfg_in)
		cfg = *cfg_in;
	else
		pcsim_config_init(&cfg);
	if (pcsim_config_validate(&cfg, why, sizeof(why)) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "pcsim_estimate: %s", why);
		return -EINVAL;
	}
	if (cfg.backend != PCSIM_BACKEND_SIM)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: probes run on the sim backend "
						  "only (the threads backend makes no choices)");
	if (o->strategy == PCSIM_STRATEGY_DPOR && cfg.mem == PCSIM_MEM_WEAK)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: dpor does not explore mem=weak; "
						  "estimate it for dfs");
	if (o->strategy == PCSIM_STRATEGY_DPOR && cfg.timed)
		return fail(err, errlen, -EINVAL, "pcsim_estimate: dpor does not support timed "
						  "mode; estimate it for dfs");

	struct pcsim_world *w = calloc(1, sizeof(*w));
	struct est *s = calloc(1, sizeof(*s));
	struct pcsim__outcomes *hist = calloc(1, sizeof(*hist));
	if (!w || !s || !hist) {
		free(w);
		free(s);
		free(hist);
		return fail(err, errlen, -ENOMEM, "pcsim_estimate: out of memory");
	}
	if (pcsim__world_init(w, &cfg) < 0) {
		pcsim__world_destroy(w);
		free(w);
		free(s);
		free(hist);
		return fail(err, errlen, -ENOMEM, "pcsim_estimate: out of memory setting up the "
						  "world");
	}
	s->base.ops = &pcsim__estimate_ops;
	s->base.seed = o->seed;
	s->base.nolog = true;	/* nothing replays a probe */
	s->bound = o->preemption_bound;
	/* PCSIM_ESTIMATE_UNIFORM=1 (experiments): Knuth's plain estimator, uniform picks */
	const char *env = getenv("PCSIM_ESTIMATE_UNIFORM");
	s->uniform = env && *env && strcmp(env, "0") != 0;
	pcsim__strategy_attach(&s->base, w);
	/* finish() may record final states: give it a collector, as pcsim_explore() does. */
	pcsim__outcomes_attach(hist);

	/* Welford's running mean and variance of the probes' estimates. */
	double mean = 0, m2 = 0, wsteps = 0, wsum = 0, decisions = 0;
	double t0 = cpu_now();
	for (uint64_t i = 0; i < probes; i++) {
		if (o->stop && *o->stop)
			break;
		pcsim__outcomes_begin(hist);
		pcsim__exec_one(w, &s->base, prog, i);
		pcsim__outcomes_end(hist);	/* the states themselves are not wanted */
		s->done++;
		s->pdec_sum += s->pdec;
		s->alt_sum += s->palt;
		/* what the probe saw below each learnt decision it passed */
		for (uint32_t k = 0; k < s->npath; k++) {
			struct tslot *t = &s->slots[s->path[k].slot];
			t->sum += s->weight / s->path[k].after;
			t->count++;
		}
		for (uint32_t k = 0; k < s->nspath; k++) {
			struct stratum *t = &s->strata[s->spath[k].stratum];
			t->sum[s->spath[k].cost] += s->weight / s->spath[k].after;
			t->count[s->spath[k].cost]++;
		}
		double x = s->weight;
		uint64_t n = ++e->probes;
		double d = x - mean;
		mean += d / (double)n;
		m2 += d * (x - mean);
		wsum += x;
		wsteps += x * (double)w->ex.step;
		decisions += (double)s->decisions;
		if (s->decisions > e->max_decisions)
			e->max_decisions = s->decisions;
		e->steps += w->ex.step;
		if (w->ex.outcome != PCSIM_OUTCOME_OK)
			e->failures++;
		if ((n & 0x3ff) == 0 && (o->progress || o->progress_ex)) {
			if (o->progress)
				o->progress(n, e->steps, o->progress_arg);
			if (o->progress_ex) {
				struct pcsim_progress p = { n, e->steps, -1.0, false, false };
				o->progress_ex(&p, o->progress_arg);
			}
		}
	}
	double t1 = cpu_now();
	pcsim__outcomes_free(hist);
	free(hist);
	pcsim__strategy_free(&s->base);
	pcsim__world_destroy(w);
	free(w);

	uint64_t n = e->probes;
	e->executions = mean;
	if (n >= 2) {
		e->std_error = est_sqrt(m2 / (double)(n - 1) / (double)n);
		e->ci_low = mean - 1.96 * e->std_error;
		e->ci_high = mean + 1.96 * e->std_error;
	} else {
		e->std_error = (double)INFINITY;	/* one probe says nothing of the spread */
		e->ci_low = 1;
		e->ci_high = (double)INFINITY;
	}
	if (e->ci_low < 1)
		e->ci_low = 1;	/* a tree has at least one execution */
	e->steps_per_execution = wsum > 0 ? wsteps / wsum : 0;
	e->decisions = n ? decisions / (double)n : 0;
	e->cpu_seconds = t1 - t0;
	if (e->cpu_seconds > 0 && e->steps)
		e->steps_per_second = (double)e->steps / e->cpu_seconds;
	/*
	 * DFS's own rate: a DFS execution replays the previous one's prefix, most of its steps,
	 * and takes those steps faster than a probe takes its (docs/explore.md, "What a replayed
	 * prefix skips"), so the probes' rate would project DFS 2-3 times too slow. Time the
	 * search's first executions (the rate holds over a whole search: pagecache-general at
	 * bound 1, 32 M steps/s over its first 300,000 executions and over all 42.9 M).
	 */
	e->dfs_steps_per_second = e->steps_per_second;
	if (n && !(o->stop && *o->stop)) {
		struct pcsim_explore_opts dfs;
		struct pcsim_report r;
		pcsim_explore_opts_init(&dfs);
		dfs.strategy = PCSIM_STRATEGY_DFS;
		dfs.preemption_bound = o->preemption_bound;
		dfs.max_executions = n < PCSIM_ESTIMATE_DFS_TIMING ? n : PCSIM_ESTIMATE_DFS_TIMING;
		dfs.stop_on_violation = false;
		dfs.confirm = false;
		dfs.shrink = false;
		dfs.stop = o->stop;
		/* untraced, as a search runs (a search without confirming replays would trace
		 * every execution: docs/explore.md, "Traces of a search") */
		struct pcsim_config dcfg = cfg;
		dcfg.trace = false;
		double d0 = cpu_now();
		int rc = pcsim_explore(prog, &dcfg, &dfs, &r);
		double d1 = cpu_now();
		if (rc >= 0 && r.steps && d1 > d0)
			e->dfs_steps_per_second = (double)r.steps / (d1 - d0);
		pcsim_report_free(&r);
	}
	if (e->dfs_steps_per_second > 0) {
		double per_exec = e->steps_per_execution / e->dfs_steps_per_second;
		e->projected_seconds = e->executions * per_exec;
		e->projected_low = e->ci_low * per_exec;
		e->projected_high = e->ci_high * per_exec;
	}
	if (o->progress)
		o->progress(n, e->steps, o->progress_arg);
	if (o->progress_ex) {
		struct pcsim_progress p = { n, e->steps, -1.0, false, true };
		o->progress_ex(&p, o->progress_arg);
	}
	return 0;
}
