// SPDX-License-Identifier: MIT
/*
 * random.c - the uniform random strategy: every decision picks one of the enabled options
 * with equal probability from the execution's seeded stream, so execution i of seed s is
 * reproducible on its own.
 */
#include "explore_int.h"

struct random_strategy {
	struct pcsim__strategy base;
	uint64_t next;	/* the stream's next output, for the next decision */
};

static bool random_begin(struct pcsim__strategy *s, struct pcsim_world *w)
{
	(void)w;
	((struct random_strategy *)s)->next = pcsim__rng_next(&s->rng);
	return true;
}

static inline unsigned random_pick(struct pcsim__strategy *s, struct pcsim_world *w,
			    const struct pcsim__opt *opts, unsigned n, int cur, const char *data_kind)
{
	(void)w, (void)opts, (void)cur, (void)data_kind;
	__extension__ typedef unsigned __int128 u128;
	struct random_strategy *r = (struct random_strategy *)s;
	uint64_t x = r->next;
	r->next = pcsim__rng_next(&s->rng);
	return (unsigned)(((u128)x * n) >> 64);
}

/* Checkpoints: nothing goes from one execution to the next (each draws from its own stream). */
static void random_save(const struct pcsim__strategy *s, struct pcsim__ckpt_out *b)
{
	(void)s, (void)b;
}

static bool random_load(struct pcsim__strategy *s, struct pcsim__ckpt_in *in)
{
	(void)s, (void)in;
	return true;
}

PCSIM_STRATEGY_CHOOSER(random_choose, random_pick)

const struct pcsim__strategy_ops pcsim__random_ops = {
	.name = "random",
	.size = sizeof(struct random_strategy),
	.begin = random_begin,
	.choose = random_choose,
	.save = random_save,
	.load = random_load,
};
