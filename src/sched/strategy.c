// SPDX-License-Identifier: MIT
/*
 * strategy.c - who decides: random (seeded), PCT, DFS with a preemption bound, replay.
 *
 * All randomness comes from one xoshiro256** stream per execution, seeded from (seed,
 * execution index) with splitmix64. For random, execution i of seed s is reproducible on its
 * own; PCT also carries k (learnt from earlier executions), so its executions are reproduced by
 * their schedule files, which every strategy records.
 *
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): every agent - a task, an
 * atomic context (inherits its event's priority), a pending event, a CPU's store buffer - gets
 * a random priority above depth d; d-1 change points are drawn uniformly over the expected
 * number k of decisions (preemption points with more than one option: a priority change where
 * nothing else could run is wasted); at the i-th change point the running context's priority
 * drops to d-1-i.
 * The highest-priority enabled option is always taken. k is learnt: the first execution runs
 * without change points and later ones use the longest execution seen so far (as Coyote and
 * Shuttle do).
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* Lemire's multiply-shift; the tiny bias is irrelevant here and deterministic. */
	__extension__ typedef unsigned __int128 u128;
	return (uint64_t)(((u128)rng_next(r) * n) >> 64);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t exec)
{
	uint64_t x = seed ^ (exec * 0xd1342543de82ef95ull);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

struct dfs_rec {
	uint16_t n;		/* options at this decision */
	uint16_t k;		/* position in the try order (0 = default) */
	int16_t dflt;		/* default option index */
	uint16_t chosen;
	uint32_t pre_before;	/* preemptions spent before this decision */
	uint32_t costs;		/* offset into cost bytes: 1 if option i would preempt */
};

#define PCT_MAX_DEPTH 16

struct pcsim__strategy {
	enum pcsim_strategy kind;
	uint64_t seed;
	unsigned depth;
	unsigned bound;
	struct rng rng;
	uint64_t exec;

	/* PCT */
	uint64_t k_est;
	uint64_t change[PCT_MAX_DEPTH];
	unsigned nchange, next_change;

	/* DFS */
	struct dfs_rec *recs;
	size_t nrecs, caprecs, depth_now;
	uint8_t *cost;
	size_t ncost, capcost;
	bool dfs_done;
	bool dfs_started;

	/* replay */
	struct pcsim__choice *script;
	size_t nscript, pos;
	bool lenient;
	bool diverged;
	char divergence[512];
};

void pcsim_explore_opts_init(struct pcsim_explore_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->strategy = PCSIM_STRATEGY_PCT;
	o->seed = 1;
	o->pct_depth = 3;
	o->preemption_bound = 2;
	o->max_executions = 1000;
	o->stop_on_violation = true;
	o->confirm = true;
}

struct pcsim__strategy *pcsim__strategy_new(const struct pcsim_explore_opts *o, char *err,
					    size_t errlen)
{
	struct pcsim__strategy *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->kind = o->strategy;
	s->seed = o->seed;
	s->depth = o->pct_depth ? o->pct_depth : 1;
	if (s->depth > PCT_MAX_DEPTH)
		s->depth = PCT_MAX_DEPTH;
	s->bound = o->preemption_bound;
	s->lenient = o->replay_lenient;
	if (s->kind == PCSIM_STRATEGY_REPLAY) {
		char *prog = NULL, *cfg = NULL;
		if (!o->schedule) {
			snprintf(err, errlen, "replay needs a schedule");
			free(s);
			return NULL;
		}
		if (pcsim__schedule_parse(o->schedule, &s->script, &s->nscript, &prog, &cfg, err,
					  errlen) < 0) {
			free(s);
			return NULL;
		}
		free(prog);
		free(cfg);
	}
	return s;
}

void pcsim__strategy_free(struct pcsim__strategy *s)
{
	if (!s)
		return;
	free(s->recs);
	free(s->cost);
	free(s->script);
	free(s);
}

bool pcsim__strategy_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	s->exec = w->exec_index;
	rng_seed(&s->rng, s->seed, s->exec);
	switch (s->kind) {
	case PCSIM_STRATEGY_PCT:
		s->nchange = 0;
		s->next_change = 0;
		if (s->k_est) {
			/* d-1 change points, distinct, sorted. */
			unsigned want = s->depth - 1;
			while (s->nchange < want) {
				uint64_t c = 1 + rng_below(&s->rng, s->k_est);
				bool dup = false;
				for (unsigned i = 0; i < s->nchange; i++)
					dup |= s->change[i] == c;
				if (dup && s->k_est > want)
					continue;
				s->change[s->nchange++] = c;
			}
			for (unsigned i = 1; i < s->nchange; i++)
				for (unsigned j = i; j > 0 && s->change[j - 1] > s->change[j]; j--) {
					uint64_t t = s->change[j];
					s->change[j] = s->change[j - 1];
					s->change[j - 1] = t;
				}
		}
		for (unsigned c = 0; c < w->cfg.ncpus; c++)
			w->cpus[c].flush_prio = s->depth + (rng_next(&s->rng) >> 2);
		break;
	case PCSIM_STRATEGY_DFS:
		if (s->dfs_done)
			return false;
		s->depth_now = 0;
		s->dfs_started = true;
		break;
	case PCSIM_STRATEGY_REPLAY:
		s->pos = 0;
		s->diverged = false;
		break;
	default:
		break;
	}
	return true;
}

uint64_t pcsim__strategy_prio(struct pcsim__strategy *s, struct pcsim_world *w)
{
	(void)w;
	if (!s || s->kind != PCSIM_STRATEGY_PCT)
		return 0;
	return s->depth + (rng_next(&s->rng) >> 2);
}

static bool dfs_backtrack(struct pcsim__strategy *s)
{
	while (s->nrecs) {
		struct dfs_rec *r = &s->recs[s->nrecs - 1];
		for (unsigned k = r->k + 1u; k < r->n; k++) {
			/* Try order: default, then 0..n-1 without the default. */
			unsigned idx = (r->dflt < 0) ? k : (k <= (unsigned)r->dflt ? k - 1 : k);
			if (r->dflt < 0)
				idx = k;
			if (r->pre_before + s->cost[r->costs + idx] <= s->bound) {
				r->k = (uint16_t)k;
				r->chosen = (uint16_t)idx;
				s->ncost = r->costs + r->n;
				return true;
			}
		}
		s->ncost = r->costs;
		s->nrecs--;
	}
	return false;
}

void pcsim__strategy_end(struct pcsim__strategy *s, struct pcsim_world *w)
{
	switch (s->kind) {
	case PCSIM_STRATEGY_PCT:
		if (w->ndecisions > s->k_est)
			s->k_est = w->ndecisions;
		break;
	case PCSIM_STRATEGY_REPLAY:
		/* Strict replay uses every recorded choice: leftovers mean the run went elsewhere. */
		if (!s->lenient && !s->diverged && s->pos < s->nscript &&
		    w->outcome == PCSIM_OUTCOME_OK) {
			s->diverged = true;
			snprintf(s->divergence, sizeof(s->divergence),
				 "replay diverged: the execution ended after %zu of the %zu recorded "
				 "choices",
				 s->pos, s->nscript);
			pcsim__failf(w, PCSIM_OUTCOME_DIVERGED, "replay-diverged", "%s",
				     s->divergence);
		}
		break;
	case PCSIM_STRATEGY_DFS:
		/* Drop decisions beyond what this execution reached (it may have ended early). */
		if (s->nrecs > s->depth_now) {
			s->nrecs = s->depth_now;
			s->ncost = s->nrecs ? s->recs[s->nrecs - 1].costs + s->recs[s->nrecs - 1].n : 0;
		}
		if (!dfs_backtrack(s))
			s->dfs_done = true;
		break;
	default:
		break;
	}
}

bool pcsim__strategy_exhausted(const struct pcsim__strategy *s)
{
	return s->kind == PCSIM_STRATEGY_DFS && s->dfs_done;
}

bool pcsim__strategy_diverged(const struct pcsim__strategy *s, char *msg, size_t len)
{
	if (s->diverged && msg)
		snprintf(msg, len, "%s", s->divergence);
	return s->diverged;
}

static uint64_t opt_prio(const struct pcsim_world *w, const struct pcsim__opt *o)
{
	switch (o->type) {
	case OPT_RUN:
		return ((const struct pcsim__ctx *)o->p)->pct_prio;
	case OPT_FIRE:
		return ((const struct pcsim__event *)o->p)->pct_prio;
	case OPT_FLUSH:
		return w->cpus[o->target].flush_prio;
	case OPT_SPURIOUS:
		return ((const struct pcsim__ctx *)o->p)->pct_spurious_prio;
	default:
		return 0;
	}
}

static void log_choice(struct pcsim_world *w, const struct pcsim__opt *o, const char *data_kind)
{
	if (w->nlog == w->caplog) {
		size_t ncap = w->caplog ? w->caplog * 2 : 256;
		struct pcsim__choice *n = realloc(w->log, ncap * sizeof(*n));
		if (!n)
			abort();
		w->log = n;
		w->caplog = ncap;
	}
	struct pcsim__choice *c = &w->log[w->nlog++];
	c->type = o->type;
	c->target = o->target;
	c->label = data_kind;
}

static bool same_choice(const struct pcsim__choice *c, const struct pcsim__opt *o,
			const char *data_kind)
{
	if (c->type != o->type || c->target != o->target)
		return false;
	if (o->type == OPT_DATA)
		return data_kind && c->label && strcmp(c->label, data_kind) == 0;
	return true;
}

static unsigned pick_replay(struct pcsim__strategy *s, struct pcsim_world *w,
			    const struct pcsim__opt *opts, unsigned n, int cur,
			    const char *data_kind)
{
	unsigned dflt = cur >= 0 ? (unsigned)cur : 0;
	if (s->pos >= s->nscript) {
		if (s->lenient)
			return dflt;
		s->diverged = true;
		snprintf(s->divergence, sizeof(s->divergence),
			 "replay diverged at step %llu: the schedule ended after %zu choices but the "
			 "program still has a decision to make",
			 (unsigned long long)w->step, s->nscript);
		return dflt;
	}
	const struct pcsim__choice *c = &s->script[s->pos];
	for (unsigned i = 0; i < n; i++) {
		if (same_choice(c, &opts[i], data_kind)) {
			s->pos++;
			return i;
		}
	}
	if (s->lenient) {
		/* Skip recorded choices that no longer fit; keep going with the default. */
		s->pos++;
		return dflt;
	}
	char want[64], have[256];
	size_t off = 0;
	pcsim__choice_format(c, want, sizeof(want));
	have[0] = 0;
	for (unsigned i = 0; i < n && off < sizeof(have) - 1; i++) {
		struct pcsim__choice h = { opts[i].type, opts[i].target, data_kind };
		char b[64];
		pcsim__choice_format(&h, b, sizeof(b));
		off += (size_t)snprintf(have + off, sizeof(have) - off, "%s%s", i ? ", " : "", b);
	}
	s->diverged = true;
	snprintf(s->divergence, sizeof(s->divergence),
		 "replay diverged at step %llu (choice %zu of the schedule): recorded '%s' but the "
		 "enabled choices are: %s",
		 (unsigned long long)w->step, s->pos + 1, want, have);
	return dflt;
}

unsigned pcsim__strategy_pick(struct pcsim__strategy *s, struct pcsim_world *w,
			      const struct pcsim__opt *opts, unsigned n, int cur,
			      const char *data_kind)
{
	unsigned pick = 0;
	w->ndecisions++;
	switch (s->kind) {
	case PCSIM_STRATEGY_RANDOM:
		pick = (unsigned)rng_below(&s->rng, n);
		break;
	case PCSIM_STRATEGY_PCT: {
		if (opts[0].type == OPT_DATA) {
			pick = (unsigned)rng_below(&s->rng, n);
			break;
		}
		/* Change points: drop the running context below every initial priority. */
		while (s->next_change < s->nchange && w->ndecisions >= s->change[s->next_change]) {
			if (w->cur)
				w->cur->pct_prio = s->depth - 1 - s->next_change;
			s->next_change++;
		}
		uint64_t best = 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t p = opt_prio(w, &opts[i]);
			if (i == 0 || p > best) {
				best = p;
				pick = i;
			}
		}
		break;
	}
	case PCSIM_STRATEGY_DFS: {
		size_t d = s->depth_now++;
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
			}
			break;
		}
		if (s->nrecs == s->caprecs) {
			s->caprecs = s->caprecs ? 2 * s->caprecs : 256;
			s->recs = realloc(s->recs, s->caprecs * sizeof(*s->recs));
			if (!s->recs)
				abort();
		}
		if (s->ncost + n > s->capcost) {
			s->capcost = (s->ncost + n) * 2 + 1024;
			s->cost = realloc(s->cost, s->capcost);
			if (!s->cost)
				abort();
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
		r->pre_before = pre;
		r->costs = (uint32_t)s->ncost;
		/*
		 * What a decision costs against the bound: taking another context's step, firing
		 * an event or flushing a store buffer while the running context could have gone
		 * on. Store-buffer flushes and event firings that nobody else can precede are
		 * free, and so are data choices.
		 */
		for (unsigned i = 0; i < n; i++)
			s->cost[s->ncost + i] = (cur >= 0 && i != (unsigned)cur &&
						 opts[i].type != OPT_DATA && opts[i].type != OPT_SPURIOUS)
							? 1
							: 0;
		s->ncost += n;
		pick = r->chosen;
		break;
	}
	case PCSIM_STRATEGY_REPLAY:
		pick = pick_replay(s, w, opts, n, cur, data_kind);
		if (s->diverged) {
			if (w->outcome == PCSIM_OUTCOME_OK)
				pcsim__failf(w, PCSIM_OUTCOME_DIVERGED, "replay-diverged", "%s",
					     s->divergence);
			return pick;	/* the fallback never runs: not part of the schedule */
		}
		break;
	}
	log_choice(w, &opts[pick], data_kind);
	return pick;
}

int pcsim_strategy_parse(const char *str, enum pcsim_strategy *out)
{
	static const char *const names[] = { "random", "pct", "dfs", "replay" };
	for (unsigned i = 0; i < 4; i++)
		if (str && strcmp(str, names[i]) == 0) {
			*out = (enum pcsim_strategy)i;
			return 0;
		}
	return -EINVAL;
}

const char *pcsim_strategy_name(enum pcsim_strategy s)
{
	static const char *const names[] = { "random", "pct", "dfs", "replay" };
	return (unsigned)s < 4 ? names[s] : "?";
}
