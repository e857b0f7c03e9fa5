// SPDX-License-Identifier: MIT
/*
 * random.c - the uniform random strategy: every decision picks one of the enabled options
 * with equal probability from the execution's seeded stream, so execution i of seed s is
 * reproducible on its own.
 */
#include "explore_int.h"

static inline unsigned random_pick(struct pcsim__strategy *s, struct pcsim_world *w,
			    const struct pcsim__opt *opts, unsigned n, int cur, const char *data_kind)
{
	(void)w, (void)opts, (void)cur, (void)data_kind;
	return (unsigned)pcsim__rng_below(&s->rng, n);
}

PCSIM_STRATEGY_CHOOSER(random_choose, random_pick)

const struct pcsim__strategy_ops pcsim__random_ops = {
	.name = "random",
	.size = sizeof(struct pcsim__strategy),
	.choose = random_choose,
};
