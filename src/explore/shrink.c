// SPDX-License-Identifier: MIT
/*
 * shrink.c - shrinking a failing execution before it is reported (docs/shrinking.md).
 *
 * The input is the failing execution's choice log (its schedule). Each candidate is a shorter
 * or simpler list of choices replayed leniently (src/explore/replay.c: a recorded choice that
 * is not enabled is skipped, a missing one is the default - the running context, else option
 * 0); it is kept only if the replay ends with the same outcome and the same failure name
 * (`what`). Three phases, each bounded by the replay and step budgets:
 *
 *   1. delta debugging (Zeller and Hildebrandt's ddmin, complements only): delete chunks of
 *      n = 2, 4, 8, ... pieces of the list, first chunk first;
 *   2. preemptions: each decision that switched away from the running context is replaced by
 *      the running context's own option (the default), else deleted, last first (kept with
 *      fewer preemptions and no more choices and steps than the failure as found);
 *   3. ddmin again on the recorded choices of what phase 2 left.
 *
 * A candidate is kept when it reproduces with no more choices (decisions of the strict
 * schedule) and no more steps than the best so far - in phase 2, with fewer preemptions. The result is the
 * recorded (strict) choice log of the best candidate's replay, so the written schedule has every
 * choice and replays strictly. Everything here depends only on the input, the program and
 * the budgets: the same failure shrinks to the same schedule (unless shrink_seconds cuts it).
 * Models no kernel function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explore_int.h"

/* What one replay made of a candidate. */
struct trial {
	struct pcsim__choice *log;	/* the recorded (strict) choices */
	struct pcsim__choice *dflt;	/* per decision: the default option */
	uint8_t *pre;			/* per decision: 1 if it was a preemption */
	size_t n, cap;
	uint64_t steps, preemptions;
};

struct shrinker {
	const struct pcsim_program *prog;
	struct pcsim_world *w;
	enum pcsim_outcome outcome;
	const char *what;
	unsigned replays, max_replays;
	uint64_t steps, max_steps;
	struct timespec deadline;
	const volatile sig_atomic_t *stop;	/* o->stop: a stop request ends shrinking too */
	bool timed, cut;
	struct trial cur;		/* the replay under way, filled by the tap */
	size_t found_n;			/* the failure as found: nothing reported is longer */
	uint64_t found_steps;
	bool oom;
};

/* The chooser between the engine and the replay strategy: notes each decision's default and
 * whether the replay preempted there. */
struct tap {
	struct pcsim__strategy *s;
	struct shrinker *sh;
};

static bool trial_grow(struct trial *t)
{
	if (t->n < t->cap)
		return true;
	size_t ncap = t->cap ? 2 * t->cap : 256;
	struct pcsim__choice *l = realloc(t->log, ncap * sizeof(*l));
	if (!l)
		return false;
	t->log = l;
	struct pcsim__choice *d = realloc(t->dflt, ncap * sizeof(*d));
	if (!d)
		return false;
	t->dflt = d;
	uint8_t *p = realloc(t->pre, ncap);
	if (!p)
		return false;
	t->pre = p;
	t->cap = ncap;
	return true;
}

static unsigned tap_pick(void *p, struct pcsim_world *w, const struct pcsim__opt *opts, unsigned n,
			 int cur, const char *data_kind)
{
	struct tap *t = p;
	struct shrinker *sh = t->sh;
	unsigned k = t->s->ops->choose(t->s, w, opts, n, cur, data_kind);
	struct trial *tr = &sh->cur;
	if (!trial_grow(tr)) {
		sh->oom = true;
		return k;
	}
	unsigned d = cur >= 0 ? (unsigned)cur : 0;
	tr->log[tr->n] = (struct pcsim__choice){ opts[k].type, opts[k].target, data_kind };
	tr->dflt[tr->n] = (struct pcsim__choice){ opts[d].type, opts[d].target, data_kind };
	tr->pre[tr->n] = cur >= 0 && k != (unsigned)cur && opts[k].type != OPT_DATA &&
			 opts[k].type != OPT_SPURIOUS;
	tr->preemptions += tr->pre[tr->n];
	tr->n++;
	return k;
}

/* @c[0..n) as a schedule text the replay strategy parses (header lines are optional). */
static char *script_text(const struct pcsim__choice *c, size_t n)
{
	size_t cap = 64 + n * 96, off = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	off += (size_t)snprintf(out, cap, "pcsim-schedule 1\nchoices %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		char b[96];
		pcsim__choice_format(&c[i], b, sizeof(b));
		off += (size_t)snprintf(out + off, cap - off, "%s\n", b);
	}
	snprintf(out + off, cap - off, "end\n");
	return out;
}

static bool out_of_budget(struct shrinker *sh)
{
	if (sh->replays >= sh->max_replays || sh->steps >= sh->max_steps ||
	    (sh->stop && *sh->stop)) {
		sh->cut = true;
		return true;
	}
	if (sh->timed) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > sh->deadline.tv_sec ||
		    (now.tv_sec == sh->deadline.tv_sec && now.tv_nsec >= sh->deadline.tv_nsec)) {
			sh->cut = true;
			return true;
		}
	}
	return false;
}

/* Replay @c[0..n) leniently; true if it reproduces the failure (sh->cur holds the replay). */
static bool try_script(struct shrinker *sh, const struct pcsim__choice *c, size_t n)
{
	struct pcsim_explore_opts o;
	char err[256];
	char *text = script_text(c, n);
	if (!text) {
		sh->oom = true;
		return false;
	}
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = text;
	o.replay_lenient = true;
	struct pcsim__strategy *s = pcsim__strategy_new(&o, err, sizeof(err));
	free(text);
	if (!s) {
		sh->oom = true;
		return false;
	}
	struct tap tap = { s, sh };
	pcsim__strategy_attach(s, sh->w);
	sh->w->chooser.pick = tap_pick;
	sh->w->chooser.s = &tap;
	sh->cur.n = 0;
	sh->cur.preemptions = 0;
	pcsim__exec_one(sh->w, s, sh->prog, 0);
	pcsim__strategy_free(s);
	sh->replays++;
	sh->cur.steps = sh->w->ex.step;
	sh->steps += sh->w->ex.step;
	return !sh->oom && sh->w->ex.outcome == sh->outcome && strcmp(sh->w->what, sh->what) == 0;
}

static bool trial_copy(struct trial *dst, const struct trial *src)
{
	while (dst->cap < src->n) {
		size_t keep = dst->n;
		dst->n = dst->cap;
		if (!trial_grow(dst))
			return false;
		dst->n = keep;
	}
	if (src->n) {
		memcpy(dst->log, src->log, src->n * sizeof(*src->log));
		memcpy(dst->dflt, src->dflt, src->n * sizeof(*src->dflt));
		memcpy(dst->pre, src->pre, src->n);
	}
	dst->n = src->n;
	dst->steps = src->steps;
	dst->preemptions = src->preemptions;
	return true;
}

static void trial_free(struct trial *t)
{
	free(t->log);
	free(t->dflt);
	free(t->pre);
	memset(t, 0, sizeof(*t));
}

/*
 * The replay in sh->cur is no worse than @best: no more choices and no more steps (a shorter
 * narrative with a preemption more is accepted: the steps are what a reader follows).
 */
static bool no_worse(const struct shrinker *sh, const struct trial *best)
{
	return sh->cur.n <= best->n && sh->cur.steps <= best->steps;
}

/*
 * ddmin over the list @script[0..*n) (complements only, which is what finds small schedules
 * here: a failure needs a few choices in place, not a few choices alone). Shrinks *n in place;
 * @best follows the best reproducing replay.
 */
static void ddmin(struct shrinker *sh, struct pcsim__choice *script, size_t *n, struct trial *best)
{
	size_t len = *n, parts = 2;
	struct pcsim__choice *cand = malloc((len ? len : 1) * sizeof(*cand));
	if (!cand) {
		sh->oom = true;
		return;
	}
	while (len >= 1 && !sh->oom && !out_of_budget(sh)) {
		if (parts > len)
			parts = len;
		size_t chunk = (len + parts - 1) / parts;
		bool reduced = false;
		for (size_t start = 0; start < len && !out_of_budget(sh); start += chunk) {
			size_t end = start + chunk < len ? start + chunk : len, m = 0;
			for (size_t i = 0; i < len; i++)
				if (i < start || i >= end)
					cand[m++] = script[i];
			if (try_script(sh, cand, m) && no_worse(sh, best)) {
				if (!trial_copy(best, &sh->cur)) {
					sh->oom = true;
					break;
				}
				memcpy(script, cand, m * sizeof(*cand));
				len = m;
				parts = parts > 2 ? parts - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (parts >= len)
				break;
			parts = 2 * parts < len ? 2 * parts : len;
		}
	}
	free(cand);
	*n = len;
}

/* Phase 2's test: fewer preemptions, and no longer than the failure as found. */
static bool fewer_preemptions(const struct shrinker *sh, const struct trial *best)
{
	return sh->cur.preemptions < best->preemptions && sh->cur.n <= sh->found_n &&
	       sh->cur.steps <= sh->found_steps;
}

/* Phase 2: replace preemptions by the default, last first; @best is both input and result. */
static void drop_preemptions(struct shrinker *sh, struct trial *best)
{
	struct pcsim__choice *cand = NULL;
	bool changed = true;
	while (changed && best->preemptions && !sh->oom) {
		changed = false;
		free(cand);
		cand = malloc((best->n ? best->n : 1) * sizeof(*cand));
		if (!cand) {
			sh->oom = true;
			break;
		}
		for (size_t i = best->n; i-- > 0;) {
			if (!best->pre[i])
				continue;
			if (out_of_budget(sh))
				goto out;
			/* the default in its place, else no choice there at all */
			memcpy(cand, best->log, best->n * sizeof(*cand));
			cand[i] = best->dflt[i];
			bool ok = try_script(sh, cand, best->n) && fewer_preemptions(sh, best);
			if (!ok && !out_of_budget(sh)) {
				memmove(cand + i, cand + i + 1, (best->n - i - 1) * sizeof(*cand));
				ok = try_script(sh, cand, best->n - 1) && fewer_preemptions(sh, best);
			}
			if (ok) {
				if (!trial_copy(best, &sh->cur)) {
					sh->oom = true;
					goto out;
				}
				changed = true;
				break;	/* the decisions after i may have moved: rescan */
			}
		}
	}
out:
	free(cand);
}

int pcsim__shrink(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		  const struct pcsim_explore_opts *o, uint64_t exec_index,
		  const struct pcsim__choice *log, size_t n, enum pcsim_outcome outcome,
		  const char *what, char **schedule, struct pcsim_report *r)
{
	struct shrinker sh;
	struct trial best = { 0 };
	struct pcsim_config c = *cfg;
	struct pcsim__choice *script = NULL;
	int ret = -1;
	*schedule = NULL;
	if (!n)
		return 0;	/* no decision at all: nothing to shrink */
	memset(&sh, 0, sizeof(sh));
	sh.prog = prog;
	sh.outcome = outcome;
	sh.what = what;
	sh.stop = o->stop;
	sh.max_replays = o->shrink_replays ? o->shrink_replays : 2000;
	sh.max_steps = o->shrink_steps ? o->shrink_steps : 200000000ull;
	if (o->shrink_seconds) {
		sh.timed = true;
		clock_gettime(CLOCK_MONOTONIC, &sh.deadline);
		sh.deadline.tv_sec += o->shrink_seconds;
	}
	c.trace = false;
	sh.w = calloc(1, sizeof(*sh.w));
	if (!sh.w)
		return -1;
	if (pcsim__world_init(sh.w, &c) < 0)
		goto out;
	script = malloc((n ? n : 1) * sizeof(*script));
	if (!script)
		goto out;
	memcpy(script, log, n * sizeof(*script));
	/* The failure as found: its own choices, replayed the same way as every candidate. */
	if (!try_script(&sh, script, n)) {
		if (sh.oom)
			goto out;
		/* It does not reproduce leniently (it should): report it unshrunk. */
		r->found_choices = r->fail_choices = n;
		r->shrink_replays = sh.replays;
		ret = 0;
		goto out;
	}
	if (!trial_copy(&best, &sh.cur))
		goto out;
	sh.found_n = best.n;
	sh.found_steps = best.steps;
	r->found_choices = best.n;
	r->found_steps = best.steps;
	r->found_preemptions = best.preemptions;
	ddmin(&sh, script, &n, &best);
	drop_preemptions(&sh, &best);
	if (!sh.oom && !sh.cut) {
		/* phase 2 may have lengthened the execution: the list grows with it */
		struct pcsim__choice *ns = realloc(script, (best.n ? best.n : 1) * sizeof(*ns));
		if (!ns)
			goto out;
		script = ns;
		n = best.n;
		if (n)
			memcpy(script, best.log, n * sizeof(*script));
		ddmin(&sh, script, &n, &best);
	}
	if (sh.oom)
		goto out;
	r->shrink_replays = sh.replays;
	r->shrink_cut = sh.cut;
	r->fail_choices = best.n;
	r->fail_steps = best.steps;
	r->fail_preemptions = best.preemptions;
	if (best.n == r->found_choices && best.steps == r->found_steps &&
	    best.preemptions == r->found_preemptions) {
		ret = 0;
		goto out;
	}
	/* The strict schedule: replay the best choices once more (they are complete now) and
	 * write what the world recorded, with the exploration's header. */
	if (!try_script(&sh, best.log, best.n)) {
		ret = sh.oom ? -1 : 0;
		goto out;
	}
	*schedule = pcsim__schedule_format(sh.w, o, exec_index);
	ret = *schedule ? 1 : -1;
out:
	free(script);
	trial_free(&best);
	trial_free(&sh.cur);
	pcsim__world_destroy(sh.w);
	free(sh.w);
	return ret;
}
