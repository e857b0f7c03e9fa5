// SPDX-License-Identifier: MIT
/*
 * cache.c - the visited-state cache of the litmus runner: an exhaustive depth-first search
 * (no preemption bound) of its own, driven through PCSIM_STRATEGY_CALLBACK, that remembers the
 * state at every scheduling decision and does not branch again below a state it has seen.
 *
 * The state at a decision is a list of words (run.c's lit_state_words(): each process's
 * completed steps and the values they returned, the shared variables, then the engine's part,
 * pcsim__mm_state_words() in sim/mem.c: task and CPU fields, store buffers, weak store
 * histories and views, normalised so that equal states give equal words). Its 128-bit hash is
 * kept in an open-addressing set. When a decision's state is in the set, the execution goes on
 * with default choices to its end (pcsim_explore() ends the whole search when a chooser stops
 * an execution), and none of those later decisions is branched on: everything reachable from
 * that state is reached from its first visit. That is depth-first graph search with a visited
 * set, complete for reachable final states on the unbounded decision tree; it is not sound
 * under a preemption bound (a state reached with fewer preemptions left explores less), so the
 * runner uses it only for DFS without one. Data choices (weak-read, sb-entry) and states the
 * hook cannot describe (a process inside a primitive with a hidden state of its own, a task
 * asleep, RCU grace periods under way) are branched on as plain DFS does.
 *
 * The histogram's counts change meaning: an execution cut short still ends in a final state
 * (one its first visit reaches too), and the schedules below a cached state are not run, so
 * a count is "executions run that ended here", not "schedules that end here". Only the set
 * of states is the same as without the cache (tests/unit/test_litmus_cache.c checks it for
 * every project litmus file and mode). No kernel function is modelled here.
 */
#include <stdlib.h>
#include <string.h>

#include "litmus_int.h"

struct lit_crec {
	uint16_t n; /* options at this decision */
	uint16_t k; /* position in the try order: 0 the default, then 0..n-1 without it */
	uint16_t dflt;
	uint16_t chosen;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Two independent 64-bit hashes of the words: a 128-bit key, never (0, 0). */
static void key_of(const uint64_t *w, size_t n, uint64_t key[2])
{
	uint64_t a = 0x9e3779b97f4a7c15ull ^ n, b = 0xc2b2ae3d27d4eb4full + n;
	for (size_t i = 0; i < n; i++) {
		a = mix64(a ^ w[i]) + 0x632be59bd9b4e019ull;
		b = (b ^ mix64(w[i] + 0xd6e8feb86659fd93ull)) * 0xff51afd7ed558ccdull;
		b = (b << 23) | (b >> 41);
	}
	key[0] = mix64(a);
	key[1] = mix64(b ^ a);
	if (!key[0] && !key[1])
		key[1] = 1;
}

static bool set_grow(struct lit_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 1u << 16;
	uint64_t *nk = calloc(ncap, 2 * sizeof(*nk));
	if (!nk)
		return false;
	for (size_t i = 0; i < c->cap; i++) {
		const uint64_t *k = &c->keys[2 * i];
		if (!k[0] && !k[1])
			continue;
		size_t j = (size_t)k[0] & (ncap - 1);
		while (nk[2 * j] || nk[2 * j + 1])
			j = (j + 1) & (ncap - 1);
		nk[2 * j] = k[0];
		nk[2 * j + 1] = k[1];
	}
	free(c->keys);
	c->keys = nk;
	c->cap = ncap;
	return true;
}

/* Insert @key: true if it was there already. Without memory the set stops growing (and the
 * search goes on as plain DFS below new states, which is still complete). */
static bool set_seen(struct lit_cache *c, const uint64_t key[2])
{
	if ((c->n + 1) * 4 > c->cap * 3 && !c->full && !set_grow(c))
		c->full = true;
	if (!c->cap)
		return false;
	for (size_t i = (size_t)key[0] & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		uint64_t *k = &c->keys[2 * i];
		if (k[0] == key[0] && k[1] == key[1])
			return true;
		if (!k[0] && !k[1]) {
			if (c->full && (c->n + 1) * 8 > c->cap * 7)
				return false; /* keep the table from filling up */
			k[0] = key[0];
			k[1] = key[1];
			c->n++;
			return false;
		}
	}
}

/* The option tried @k-th at a decision with @n options and default @dflt. */
static inline unsigned try_order(unsigned k, unsigned n, unsigned dflt)
{
	(void)n;
	if (k == 0)
		return dflt;
	return k - 1 < dflt ? k - 1 : k;
}

/* The end of an execution: the next one differs at the deepest decision with an option left. */
static void backtrack(struct lit_cache *c)
{
	if (c->nrecs > c->depth)
		c->nrecs = c->depth; /* not reached this time (cannot happen on replay) */
	while (c->nrecs) {
		struct lit_crec *r = &c->recs[c->nrecs - 1];
		if (r->k + 1u < r->n) {
			r->k++;
			r->chosen = (uint16_t)try_order(r->k, r->n, r->dflt);
			return;
		}
		c->nrecs--;
	}
	c->done = true;
}

unsigned pcsim__lit_cache_choose(const struct pcsim_decision *d, void *arg)
{
	struct lit_cache *c = arg;
	if (d->n == 0) {
		/* the execution is over */
		c->executions++;
		if (!c->broken)
			backtrack(c);
		c->depth = 0;
		c->pruning = false;
		if (c->done || c->broken || (c->user_stop && *c->user_stop))
			c->stop = 1;
		return 0;
	}
	unsigned dflt = d->dflt < d->n ? d->dflt : 0;
	size_t depth = c->depth++;
	if (depth < c->nrecs) {
		const struct lit_crec *r = &c->recs[depth];
		if (r->n != d->n) {
			/* not deterministic under replay: give up (the result says incomplete) */
			c->broken = true;
			return dflt;
		}
		return r->chosen;
	}
	if (c->pruning || c->broken)
		return dflt;
	if (!d->data_kind) {
		for (;;) {
			int n = c->state(c->arg, d->world, c->words, c->capwords);
			if (n < 0)
				break; /* not a state the cache can name: branch as DFS does */
			if ((size_t)n > c->capwords) {
				size_t ncap = (size_t)n * 2;
				uint64_t *nw = realloc(c->words, ncap * sizeof(*nw));
				if (!nw)
					break;
				c->words = nw;
				c->capwords = ncap;
				continue;
			}
			uint64_t key[2];
			key_of(c->words, (size_t)n, key);
			c->hashed++;
			if (set_seen(c, key)) {
				c->pruning = true;
				c->pruned++;
				return dflt;
			}
			break;
		}
	}
	if (c->nrecs == c->caprecs) {
		size_t ncap = c->caprecs ? c->caprecs * 2 : 256;
		struct lit_crec *nr = realloc(c->recs, ncap * sizeof(*nr));
		if (!nr) {
			c->broken = true;
			c->oom = true;
			return dflt;
		}
		c->recs = nr;
		c->caprecs = ncap;
	}
	c->recs[c->nrecs++] = (struct lit_crec){(uint16_t)d->n, 0, (uint16_t)dflt, (uint16_t)dflt};
	return dflt;
}

void pcsim__lit_cache_fini(struct lit_cache *c)
{
	free(c->recs);
	free(c->keys);
	free(c->words);
	c->recs = NULL;
	c->keys = NULL;
	c->words = NULL;
}
