// SPDX-License-Identifier: MIT
/*
 * replay.c - replaying a schedule file: each decision takes the recorded choice. Strict replay
 * reports the first divergence (a recorded choice that is not enabled, a schedule that ends
 * early, or choices left over at the end) as PCSIM_OUTCOME_DIVERGED; lenient replay skips what
 * no longer fits and goes on with the default (the running context, else option 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

struct replay {
	struct pcsim__strategy base;
	struct pcsim__choice *script;
	size_t nscript, pos;
	bool lenient;
};

static int replay_init(struct pcsim__strategy *base, const struct pcsim_explore_opts *o,
		       char *err, size_t errlen)
{
	struct replay *s = (struct replay *)base;
	char *prog = NULL, *cfg = NULL;
	s->lenient = o->replay_lenient;
	if (!o->schedule) {
		snprintf(err, errlen, "replay needs a schedule");
		return -1;
	}
	if (pcsim__schedule_parse(o->schedule, &s->script, &s->nscript, &prog, &cfg, err,
				  errlen) < 0)
		return -1;
	free(prog);
	free(cfg);
	return 0;
}

static void replay_fini(struct pcsim__strategy *base)
{
	free(((struct replay *)base)->script);
}

static bool replay_begin(struct pcsim__strategy *base, struct pcsim_world *w)
{
	(void)w;
	struct replay *s = (struct replay *)base;
	s->pos = 0;
	base->diverged = false;
	return true;
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

static unsigned pick_replay(struct replay *s, struct pcsim_world *w,
			    const struct pcsim__opt *opts, unsigned n, int cur,
			    const char *data_kind)
{
	unsigned dflt = cur >= 0 ? (unsigned)cur : 0;
	if (s->pos >= s->nscript) {
		if (s->lenient)
			return dflt;
		s->base.diverged = true;
		snprintf(s->base.divergence, sizeof(s->base.divergence),
			 "replay diverged at step %llu: the schedule ended after %zu choices but the "
			 "program still has a decision to make",
			 (unsigned long long)w->ex.step, s->nscript);
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
	s->base.diverged = true;
	snprintf(s->base.divergence, sizeof(s->base.divergence),
		 "replay diverged at step %llu (choice %zu of the schedule): recorded '%s' but the "
		 "enabled choices are: %s",
		 (unsigned long long)w->ex.step, s->pos + 1, want, have);
	return dflt;
}

static inline unsigned replay_pick(struct pcsim__strategy *base, struct pcsim_world *w,
			    const struct pcsim__opt *opts, unsigned n, int cur, const char *data_kind)
{
	unsigned pick = pick_replay((struct replay *)base, w, opts, n, cur, data_kind);
	if (base->diverged) {
		if (w->ex.outcome == PCSIM_OUTCOME_OK)
			pcsim__failf(w, PCSIM_OUTCOME_DIVERGED, "replay-diverged", "%s",
				     base->divergence);
		base->unlogged = true;	/* the fallback never runs: not part of the schedule */
	}
	return pick;
}

static void replay_end(struct pcsim__strategy *base, struct pcsim_world *w)
{
	struct replay *s = (struct replay *)base;
	/* Strict replay uses every recorded choice: leftovers mean the run went elsewhere. */
	if (!s->lenient && !base->diverged && s->pos < s->nscript &&
	    w->ex.outcome == PCSIM_OUTCOME_OK) {
		base->diverged = true;
		snprintf(base->divergence, sizeof(base->divergence),
			 "replay diverged: the execution ended after %zu of the %zu recorded "
			 "choices",
			 s->pos, s->nscript);
		pcsim__failf(w, PCSIM_OUTCOME_DIVERGED, "replay-diverged", "%s",
			     base->divergence);
	}
}

PCSIM_STRATEGY_CHOOSER(replay_choose, replay_pick)

const struct pcsim__strategy_ops pcsim__replay_ops = {
	.name = "replay",
	.size = sizeof(struct replay),
	.init = replay_init,
	.fini = replay_fini,
	.begin = replay_begin,
	.choose = replay_choose,
	.end = replay_end,
};
