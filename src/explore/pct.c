// SPDX-License-Identifier: MIT
/*
 * pct.c - probabilistic concurrency testing.
 *
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): every agent - a task, an
 * atomic context (inherits its event's priority), a pending event, a CPU's store buffer - gets
 * a random priority above depth d; d-1 change points are drawn uniformly over the expected
 * number k of decisions (preemption points with more than one option: a priority change where
 * nothing else could run is wasted); at the i-th change point the running context's priority
 * drops to d-1-i.
 * The highest-priority enabled option is always taken. k is learnt: the first execution runs
 * without change points and later ones use the longest execution seen so far among the first
 * PCSIM_PCT_LEARN (as Coyote and Shuttle learn it; bounding the learning makes k of execution
 * i a function of i alone past that point, so that campaign slices - docs/campaigns.md - run
 * exactly the single run's executions).
 *
 */
#include <inttypes.h>

#include "explore_int.h"

#define PCT_MAX_DEPTH 16

struct pct {
	struct pcsim__strategy base;
	unsigned depth;
	uint64_t k_est;			/* decisions expected per execution (learnt) */
	uint64_t change[PCT_MAX_DEPTH];	/* change points of this execution, sorted */
	unsigned nchange, next_change;
};

static int pct_init(struct pcsim__strategy *s, const struct pcsim_explore_opts *o, char *err,
		    size_t errlen)
{
	(void)err, (void)errlen;
	struct pct *p = (struct pct *)s;
	p->depth = o->pct_depth ? o->pct_depth : 1;
	if (p->depth > PCT_MAX_DEPTH)
		p->depth = PCT_MAX_DEPTH;
	return 0;
}

static bool pct_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	struct pct *p = (struct pct *)s;
	p->nchange = 0;
	p->next_change = 0;
	if (p->k_est) {
		/* d-1 change points, distinct, sorted. */
		unsigned want = p->depth - 1;
		while (p->nchange < want) {
			uint64_t c = 1 + pcsim__rng_below(&s->rng, p->k_est);
			bool dup = false;
			for (unsigned i = 0; i < p->nchange; i++)
				dup |= p->change[i] == c;
			if (dup && p->k_est > want)
				continue;
			p->change[p->nchange++] = c;
		}
		for (unsigned i = 1; i < p->nchange; i++)
			for (unsigned j = i; j > 0 && p->change[j - 1] > p->change[j]; j--) {
				uint64_t t = p->change[j];
				p->change[j] = p->change[j - 1];
				p->change[j - 1] = t;
			}
	}
	for (unsigned c = 0; c < w->cfg.ncpus; c++)
		w->cpus[c].flush_prio = p->depth + (pcsim__rng_next(&s->rng) >> 2);
	return true;
}

static uint64_t pct_prio(void *sp, struct pcsim_world *w)
{
	(void)w;
	struct pct *p = sp;
	return p->depth + (pcsim__rng_next(&p->base.rng) >> 2);
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

static inline unsigned pct_pick(struct pcsim__strategy *s, struct pcsim_world *w,
			 const struct pcsim__opt *opts, unsigned n, int cur, const char *data_kind)
{
	(void)cur, (void)data_kind;
	struct pct *p = (struct pct *)s;
	unsigned pick = 0;
	if (opts[0].type == OPT_DATA)
		return (unsigned)pcsim__rng_below(&s->rng, n);
	/* Change points: drop the running context below every initial priority. */
	while (p->next_change < p->nchange && w->ex.ndecisions >= p->change[p->next_change]) {
		if (w->ex.cur)
			w->ex.cur->pct_prio = p->depth - 1 - p->next_change;
		p->next_change++;
	}
	uint64_t best = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t pr = opt_prio(w, &opts[i]);
		if (i == 0 || pr > best) {
			best = pr;
			pick = i;
		}
	}
	return pick;
}

static void pct_end(struct pcsim__strategy *s, struct pcsim_world *w)
{
	struct pct *p = (struct pct *)s;
	if (s->exec < PCSIM_PCT_LEARN && w->ex.ndecisions > p->k_est)
		p->k_est = w->ex.ndecisions;
}

/* Checkpoints: what PCT carries from one execution to the next is k, as learnt so far (the
 * change points and priorities are drawn from each execution's own stream). */
static void pct_save(const struct pcsim__strategy *s, struct pcsim__ckpt_out *b)
{
	pcsim__ckpt_printf(b, "pct %" PRIu64 "\n", ((const struct pct *)s)->k_est);
}

static bool pct_load(struct pcsim__strategy *s, struct pcsim__ckpt_in *in)
{
	return pcsim__ckpt_line(in, "pct") && pcsim__ckpt_u64(in, &((struct pct *)s)->k_est) &&
	       pcsim__ckpt_eol(in);
}

PCSIM_STRATEGY_CHOOSER(pct_choose, pct_pick)

const struct pcsim__strategy_ops pcsim__pct_ops = {
	.name = "pct",
	.size = sizeof(struct pct),
	.init = pct_init,
	.begin = pct_begin,
	.choose = pct_choose,
	.end = pct_end,
	.prio = pct_prio,
	.save = pct_save,
	.load = pct_load,
};
