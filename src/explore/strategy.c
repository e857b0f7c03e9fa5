// SPDX-License-Identifier: MIT
/*
 * strategy.c - what every strategy shares: creating one from the options, seeding its stream
 * per execution, installing its chooser in the world (PCSIM_STRATEGY_CHOOSER in explore_int.h:
 * count the decision, ask the strategy, record the choice in the world's log: the log is the
 * schedule), and strategy names.
 *
 * The strategies, one per file: random.c (uniform), pct.c (probabilistic concurrency testing),
 * dfs.c (bounded depth-first search), replay.c (a schedule file, strict or lenient),
 * callback.c (the caller's function decides: `pcsim step`), dpor.c (bounded DFS with dynamic
 * partial-order reduction).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct pcsim__rng *r, uint64_t seed, uint64_t exec)
{
	uint64_t x = seed ^ (exec * 0xd1342543de82ef95ull);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

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

static const struct pcsim__strategy_ops *const strategies[] = {
	[PCSIM_STRATEGY_RANDOM] = &pcsim__random_ops,
	[PCSIM_STRATEGY_PCT] = &pcsim__pct_ops,
	[PCSIM_STRATEGY_DFS] = &pcsim__dfs_ops,
	[PCSIM_STRATEGY_REPLAY] = &pcsim__replay_ops,
	[PCSIM_STRATEGY_CALLBACK] = &pcsim__callback_ops,
	[PCSIM_STRATEGY_DPOR] = &pcsim__dpor_ops,
};

struct pcsim__strategy *pcsim__strategy_new(const struct pcsim_explore_opts *o, char *err,
					    size_t errlen)
{
	if ((unsigned)o->strategy >= sizeof(strategies) / sizeof(strategies[0])) {
		snprintf(err, errlen, "unknown strategy %d", (int)o->strategy);
		return NULL;
	}
	if (o->no_choice_log && ((o->strategy != PCSIM_STRATEGY_RANDOM &&
				  o->strategy != PCSIM_STRATEGY_PCT) || o->confirm || o->shrink)) {
		snprintf(err, errlen, "no_choice_log needs the random or pct strategy, with confirm "
			 "and shrink off (they replay the log)");
		return NULL;
	}
	const struct pcsim__strategy_ops *ops = strategies[o->strategy];
	struct pcsim__strategy *s = calloc(1, ops->size);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	s->seed = o->seed;
	s->nolog = o->no_choice_log;
	if (ops->init && ops->init(s, o, err, errlen) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void pcsim__strategy_free(struct pcsim__strategy *s)
{
	if (!s)
		return;
	if (s->ops->fini)
		s->ops->fini(s);
	free(s);
}

__attribute__((noinline)) unsigned pcsim__strategy_log_slow(struct pcsim__strategy *s,
							    struct pcsim_world *w,
							    const struct pcsim__opt *opts,
							    unsigned pick, const char *data_kind)
{
	return pcsim__strategy_log(s, w, opts, pick, data_kind);
}

bool pcsim__strategy_log_grow(struct pcsim_world *w)
{
	size_t ncap = w->caplog ? w->caplog * 2 : 256;
	struct pcsim__choice *n = realloc(w->log, ncap * sizeof(*n));
	if (!n) {
		pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
			     "no memory for choice %zu of the schedule", w->ex.nlog + 1);
		return false;	/* the engine stops at the next step (outcome set) */
	}
	w->log = n;
	w->caplog = ncap;
	return true;
}

void pcsim__strategy_attach(struct pcsim__strategy *s, struct pcsim_world *w)
{
	if (!w->ops->replayable)
		return;
	w->chooser.pick = s->ops->choose;
	w->chooser.prio = s->ops->prio;
	w->chooser.s = s;
}

bool pcsim__strategy_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	s->exec = w->ex.index;
	rng_seed(&s->rng, s->seed, s->exec);
	return s->ops->begin ? s->ops->begin(s, w) : true;
}

void pcsim__strategy_end(struct pcsim__strategy *s, struct pcsim_world *w)
{
	if (s->ops->end)
		s->ops->end(s, w);
}

bool pcsim__strategy_exhausted(const struct pcsim__strategy *s)
{
	return s->ops->exhausted && s->ops->exhausted(s);
}

bool pcsim__strategy_diverged(const struct pcsim__strategy *s, char *msg, size_t len)
{
	if (s->diverged && msg)
		snprintf(msg, len, "%s", s->divergence);
	return s->diverged;
}

int pcsim_strategy_parse(const char *str, enum pcsim_strategy *out)
{
	/* "callback" is not a name a user can pick: it needs a function (pcsim step) */
	static const struct {
		const char *name;
		enum pcsim_strategy s;
	} t[] = {
		{ "random", PCSIM_STRATEGY_RANDOM }, { "pct", PCSIM_STRATEGY_PCT },
		{ "dfs", PCSIM_STRATEGY_DFS },	     { "replay", PCSIM_STRATEGY_REPLAY },
		{ "dpor", PCSIM_STRATEGY_DPOR },
	};
	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (str && strcmp(str, t[i].name) == 0) {
			*out = t[i].s;
			return 0;
		}
	return -EINVAL;
}

const char *pcsim_strategy_name(enum pcsim_strategy s)
{
	static const char *const names[] = { "random", "pct", "dfs", "replay", "callback", "dpor" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
