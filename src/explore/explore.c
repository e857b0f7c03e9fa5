// SPDX-License-Identifier: MIT
/*
 * explore.c - pcsim_explore(): executions under a strategy, failure reports, confirmation by
 * replay (determinism self-check: the failing schedule is replayed twice with tracing on and
 * both runs must reproduce the outcome with the same trace hash).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/cover.h>
#include <pcsim/version.h>

#include "explore_int.h"

const char *pcsim_outcome_name(enum pcsim_outcome o)
{
	static const char *const names[] = { "ok",	 "violation", "deadlock",
					     "livelock", "diverged",  "internal" };
	return (unsigned)o < 6 ? names[o] : "?";
}

void pcsim_report_free(struct pcsim_report *r)
{
	if (!r)
		return;
	free(r->message);
	free(r->schedule);
	free(r->trace);
	free(r->replay_cmd);
	for (size_t i = 0; i < r->nstates; i++)
		free(r->states[i].state);
	free(r->states);
	memset(r, 0, sizeof(*r));
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static char *prefixed(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *d = malloc(na + nb + 1);
	if (d) {
		memcpy(d, a, na);
		memcpy(d + na, b, nb + 1);
	}
	return d;
}

/*
 * A fresh execution @index: reset the world, then let the strategy begin it (it seeds its
 * stream from the index and may set per-execution priorities, which the reset must not undo).
 * Returns false when the strategy has nothing left to explore.
 */
static bool begin_one(struct pcsim_world *w, struct pcsim__strategy *s, uint64_t index)
{
	pcsim__exec_reset(w);
	w->ex.index = index;
	return pcsim__strategy_begin(s, w);
}

/* setup() of the execution begun in @w, and finish() after it ran: an execution that cannot go
 * on in them (pcsim__setup_escape()) leaves them here with its outcome set, as a task stops in
 * the call that failed. Out of line (setjmp), and over before the execution runs. */
static __attribute__((noinline)) void run_setup(struct pcsim_world *w,
						const struct pcsim_program *prog)
{
	jmp_buf escape;
	if (setjmp(escape) == 0) {
		w->escape = &escape;
		prog->setup(w, prog->arg);
	}
	w->escape = NULL;
}

static __attribute__((noinline)) void run_finish(struct pcsim_world *w,
						 const struct pcsim_program *prog)
{
	jmp_buf escape;
	w->ex.in_finish = true;
	if (setjmp(escape) == 0) {
		w->escape = &escape;
		prog->finish(w, prog->arg);
	}
	w->escape = NULL;
	w->ex.in_finish = false;
}

/*
 * Run execution @index in @w (begun with begin_one). Inlined into its callers: on the sim
 * backend the frames that called run_exec are suspended while the execution's fibers run, and
 * each of their returns afterwards is predicted from the fibers' calls, not theirs (one
 * misprediction per frame and execution).
 */
static inline __attribute__((always_inline)) void run_one(struct pcsim_world *w,
							  const struct pcsim_program *prog,
							  uint64_t index)
{
	(void)index;
	w->prog = prog;
	pcsim__tls_world = w;
	pcsim__tls_ctx = NULL;
	if (w->restore) {
		/* from the state before the decision it changes (the strategy's begin chose it) */
		pcsim__snap_run(w);
	} else {
		run_setup(w, prog);
		if (w->ex.outcome == PCSIM_OUTCOME_OK)
			pcsim__run_exec(w);
	}
	if (w->ex.outcome == PCSIM_OUTCOME_OK && prog->finish)
		run_finish(w, prog);
	/* Whatever the outcome: what the execution allocated outside the arena goes now. */
	pcsim__exec_cleanups_run(w);
	pcsim__tls_world = NULL;
}

bool pcsim__exec_one(struct pcsim_world *w, struct pcsim__strategy *s,
		     const struct pcsim_program *prog, uint64_t index)
{
	if (!begin_one(w, s, index))
		return false;
	run_one(w, prog, index);
	pcsim__strategy_end(s, w);
	return true;
}

/* Replay @schedule with tracing on; returns the world's outcome and fills hash/trace. */
static enum pcsim_outcome replay_traced(const struct pcsim_program *prog,
					const struct pcsim_config *cfg, const char *schedule,
					uint64_t *hash, char **trace, char *what, size_t whatlen,
					uint64_t *step, char **msg)
{
	struct pcsim_config c = *cfg;
	struct pcsim_explore_opts o;
	char err[256];
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = schedule;
	c.trace = true;
	struct pcsim_world *w = calloc(1, sizeof(*w));
	if (!w)
		return PCSIM_OUTCOME_INTERNAL;
	struct pcsim__strategy *s = NULL;
	if (pcsim__world_init(w, &c) < 0 || !(s = pcsim__strategy_new(&o, err, sizeof(err)))) {
		pcsim__world_destroy(w);
		free(w);
		return PCSIM_OUTCOME_INTERNAL;
	}
	pcsim__strategy_attach(s, w);
	begin_one(w, s, 0);
	run_one(w, prog, 0);
	enum pcsim_outcome out = w->ex.outcome;
	pcsim__exec_message(w);
	*hash = pcsim__trace_hash(w);
	if (trace)
		*trace = pcsim__trace_render(w);
	snprintf(what, whatlen, "%s", w->what);
	if (step)
		*step = w->ex.fail_step;
	if (msg)
		*msg = xstrdup(w->msg);
	pcsim__strategy_free(s);
	pcsim__world_destroy(w);
	free(w);
	return out;
}

static char *expand_hint(const char *hint, const char *prog)
{
	char buf[512];
	if (!hint) {
		snprintf(buf, sizeof(buf), "pcsim replay %s <schedule file>", prog);
		return xstrdup(buf);
	}
	const char *p = strstr(hint, "%s");
	if (!p)
		return xstrdup(hint);
	snprintf(buf, sizeof(buf), "%.*s<schedule file>%s", (int)(p - hint), hint, p + 2);
	return xstrdup(buf);
}

/*
 * Shrink the confirmed failure of @w (execution @index) and, if a smaller one replays twice
 * strictly with the same outcome, `what` and trace hash, report it instead (docs/shrinking.md).
 * Out of memory while shrinking is no error: the failure as found stands.
 */
static void shrink_failure(const struct pcsim_program *prog, const struct pcsim_config *cfg,
			   const struct pcsim_explore_opts *o, uint64_t index,
			   const struct pcsim_world *w, struct pcsim_report *r)
{
	char *small = NULL;
	int sr = pcsim__shrink(prog, cfg, o, index, w->log, w->ex.nlog, w->ex.outcome, r->what,
			       &small, r);
	if (sr == 1) {
		uint64_t h1 = 0, h2 = 0, step = 0;
		char *t1 = NULL, *msg = NULL;
		char w1[64], w2[64];
		enum pcsim_outcome a = replay_traced(prog, cfg, small, &h1, &t1, w1, sizeof(w1),
						     &step, &msg);
		enum pcsim_outcome b = replay_traced(prog, cfg, small, &h2, NULL, w2, sizeof(w2),
						     NULL, NULL);
		if (a == r->outcome && b == a && h1 == h2 && strcmp(w1, r->what) == 0 &&
		    strcmp(w2, w1) == 0 && t1 && msg) {
			free(r->schedule);
			free(r->trace);
			free(r->message);
			r->schedule = small;
			r->trace = t1;
			r->message = msg;
			r->trace_hash = h1;
			r->step = step;
			r->shrunk = true;
			return;
		}
		free(t1);
		free(msg);
		free(small);
	}
	/* Not shrunk: what is reported is the failure as found. */
	r->fail_choices = r->found_choices = w->ex.nlog;
	r->fail_steps = r->found_steps = w->ex.step;
	r->fail_preemptions = r->found_preemptions;
}

/*
 * The digest of a search (struct pcsim_report.digest, docs/campaigns.md): the sum of a hash of
 * each execution's choices - FNV-1a over one word per choice (its target, its type above bit
 * 32), then the count and a multiply-xorshift. The hash of a prefix does not depend on what
 * follows it, so the chain is kept per choice and the next execution hashes only from the
 * first choice it does not share with the last (DFS replays most of the previous one: before,
 * a chain of two multiplies per choice over the whole log was 6 % of a bound-2 DFS slice).
 */
struct digest_chain {
	uint64_t *word, *h;	/* the last execution's choices, and the hash after each */
	size_t n, cap;
};

static inline uint64_t choice_word(const struct pcsim__choice *c)
{
	return c->target | (uint64_t)c->type << 32;
}

static uint64_t digest_of(struct digest_chain *c, const struct pcsim__choice *log, size_t n)
{
	const uint64_t prime = 0x100000001b3ull;
	uint64_t h = 0xcbf29ce484222325ull;
	if (n > c->cap) {
		size_t cap = n > 2 * c->cap ? n : 2 * c->cap;
		uint64_t *nw = realloc(c->word, cap * sizeof(*nw));
		if (nw)
			c->word = nw;
		uint64_t *nh = nw ? realloc(c->h, cap * sizeof(*nh)) : NULL;
		if (nh) {
			c->h = nh;
			c->cap = cap;
		}
	}
	bool keep = n <= c->cap;	/* else no memory to keep it: the whole chain, kept nowhere */
	size_t f = 0;
	if (keep) {
		size_t m = n < c->n ? n : c->n;
		while (f < m && c->word[f] == choice_word(&log[f]))
			f++;
		if (f)
			h = c->h[f - 1];
	}
	for (size_t d = f; d < n; d++) {
		uint64_t x = choice_word(&log[d]);
		h = (h ^ x) * prime;
		if (keep) {
			c->word[d] = x;
			c->h[d] = h;
		}
	}
	c->n = keep ? n : 0;
	h = (h ^ n) * prime;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* The progress callbacks, if set: the counts, and the tree strategies' estimated fraction
 * explored (explore_int.h ops.progress). */
static void report_progress(const struct pcsim_explore_opts *o, const struct pcsim__strategy *s,
			    const struct pcsim_report *r, bool last)
{
	if (o->progress)
		o->progress(r->executions, r->steps, o->progress_arg);
	if (o->progress_ex) {
		struct pcsim_progress p = { r->executions, r->steps,
					    last ? r->explored : pcsim__strategy_progress(s),
					    s->ops == &pcsim__dpor_ops, last };
		o->progress_ex(&p, o->progress_arg);
	}
}

/*
 * What the search loop carries from one execution to the next besides the report, the final
 * states and the strategy: the explorer's part of a checkpoint.
 */
struct search {
	uint64_t next;			/* the loop index of the next execution */
	bool tree;			/* campaign slices of a tree strategy */
	struct pcsim__choice *prefix;	/* tree: the current subtree's prefix */
	size_t nprefix, capprefix;
	uint64_t subtree;		/* rank of the current subtree, UINT64_MAX: none yet */
	bool subtree_mine;		/* and whether this slice runs it */
	size_t subtree_depth;		/* the depth of its prefix */
	char *last_schedule;		/* the last execution's, to replay traced at the end */
	char **labels;			/* a checkpoint's prefix labels (prefix points to them) */
	size_t nlabels;
};

static void search_free(struct search *st)
{
	free(st->prefix);
	free(st->last_schedule);
	for (size_t i = 0; i < st->nlabels; i++)
		free(st->labels[i]);
	free(st->labels);
}

/*
 * Checkpoints (docs/campaigns.md, "Checkpoints"). The header names the search: a checkpoint
 * goes on only in a search that would have run the same executions (the budget aside).
 */
static void ckpt_header(struct pcsim__ckpt_out *b, const struct pcsim_program *prog,
			const struct pcsim_config *cfg, const struct pcsim_explore_opts *o,
			const struct pcsim__strategy *s)
{
	char conf[1024];
	struct pcsim_config norm = *cfg;
	pcsim__config_normalize(&norm);
	pcsim__config_format(&norm, conf, sizeof(conf));
	pcsim__ckpt_printf(b, "pcsim-checkpoint 1\nversion %s\nprogram %s\nstrategy %s\n",
			   PCSIM_VERSION_STRING, prog->name ? prog->name : "?", s->ops->name);
	pcsim__ckpt_printf(b, "seed %" PRIu64 "\nslice %u/%u\n", o->seed,
			   o->slice_count > 1 ? o->slice_index : 0,
			   o->slice_count > 1 ? o->slice_count : 1);
	if (s->ops == &pcsim__dfs_ops || s->ops == &pcsim__dpor_ops)
		pcsim__ckpt_printf(b, "bound %u\n", o->preemption_bound);
	if (s->ops == &pcsim__pct_ops)
		pcsim__ckpt_printf(b, "depth %u\n", o->pct_depth);
	pcsim__ckpt_printf(b, "digest %d\nstop_on_violation %d\nconfig %s\n", o->digest,
			   o->stop_on_violation, conf);
}

static int ckpt_write(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		      const struct pcsim_explore_opts *o, const struct pcsim__strategy *s,
		      const struct search *st, const struct pcsim__outcomes *hist,
		      const struct pcsim_report *r)
{
	struct pcsim__ckpt_out b = { NULL, 0, 0, false };
	ckpt_header(&b, prog, cfg, o, s);
	pcsim__ckpt_printf(&b, "next %" PRIu64 "\ncounts %" PRIu64 " %" PRIu64 " %016" PRIx64
			       " %016" PRIx64 "\n",
			   st->next, r->executions, r->steps, r->digest, r->trace_hash);
	pcsim__outcomes_save(hist, &b);
	if (pcsim_cover_enabled()) {
		/* the exit counts so far (<pcsim/cover.h>; process-wide: the process's) */
		pcsim__ckpt_printf(&b, "cover %u", (unsigned)PCSIM_NR_COVER_SITES);
		for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
			pcsim__ckpt_printf(&b, " %" PRIu64,
					   pcsim_cover_count((enum pcsim_cover_id)i));
		pcsim__ckpt_printf(&b, "\n");
	}
	if (st->tree) {
		pcsim__ckpt_printf(&b, "subtree %" PRIu64 " %d %zu %zu\n", st->subtree,
				   st->subtree_mine, st->subtree_depth, st->nprefix);
		for (size_t d = 0; d < st->nprefix; d++) {
			const struct pcsim__choice *c = &st->prefix[d];
			pcsim__ckpt_printf(&b, "choice %u %" PRIu32 "%s%s\n", c->type, c->target,
					   c->label ? " " : "", c->label ? c->label : "");
		}
	}
	size_t ls = st->last_schedule ? strlen(st->last_schedule) : 0;
	pcsim__ckpt_printf(&b, "last_schedule %zu\n", ls);
	pcsim__ckpt_bytes(&b, st->last_schedule ? st->last_schedule : "", ls);
	pcsim__ckpt_printf(&b, "\n");
	s->ops->save(s, &b);
	pcsim__ckpt_printf(&b, "end\n");
	int rc = b.oom ? -ENOMEM : o->checkpoint(b.p, b.n, o->checkpoint_arg);
	free(b.p);
	return rc;
}

/* The header of @text against this search's: false with the first difference in @in. */
static bool ckpt_check_header(struct pcsim__ckpt_in *in, const struct pcsim_program *prog,
			      const struct pcsim_config *cfg, const struct pcsim_explore_opts *o,
			      const struct pcsim__strategy *s)
{
	struct pcsim__ckpt_out b = { NULL, 0, 0, false };
	ckpt_header(&b, prog, cfg, o, s);
	if (b.oom) {
		free(b.p);
		return pcsim__ckpt_fail(in, "out of memory");
	}
	bool ok = true;
	for (const char *l = b.p; ok && *l;) {
		const char *nl = strchr(l, '\n');
		const char *sp = memchr(l, ' ', (size_t)(nl - l));
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(sp - l), l);
		const char *theirs;
		size_t n;
		if (!pcsim__ckpt_line(in, key) || !pcsim__ckpt_rest(in, &theirs, &n)) {
			ok = false;
			break;
		}
		size_t mine = (size_t)(nl - sp - 1);
		if (n != mine || memcmp(theirs, sp + 1, n) != 0) {
			in->cur = theirs;
			pcsim__ckpt_fail(in, "the checkpoint is of a search with %s '%.*s'; this one "
					     "has '%.*s'",
					 key, (int)n, theirs, (int)mine, sp + 1);
			ok = false;
		}
		l = nl + 1;
	}
	free(b.p);
	return ok;
}

/* Go on from @o->resume: the search state, the report's counts, the final states and the
 * strategy's state. False with "checkpoint:LINE:COL: why" in @err. */
static bool ckpt_read(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		      const struct pcsim_explore_opts *o, struct pcsim__strategy *s,
		      struct search *st, struct pcsim__outcomes *hist, struct pcsim_report *r,
		      char *err, size_t errlen)
{
	struct pcsim__ckpt_in in;
	pcsim__ckpt_in_init(&in, o->resume, err, errlen);
	if (strncmp(o->resume, "pcsim-checkpoint ", 17) != 0)
		return pcsim__ckpt_fail(&in, "not a pcsim checkpoint (its first line would be "
					     "'pcsim-checkpoint 1')");
	if (!ckpt_check_header(&in, prog, cfg, o, s))
		return false;
	uint64_t v, mine;
	if (!pcsim__ckpt_line(&in, "next") || !pcsim__ckpt_u64(&in, &st->next) ||
	    !pcsim__ckpt_eol(&in) || !pcsim__ckpt_line(&in, "counts") ||
	    !pcsim__ckpt_u64(&in, &r->executions) || !pcsim__ckpt_u64(&in, &r->steps) ||
	    !pcsim__ckpt_x64(&in, &r->digest) || !pcsim__ckpt_x64(&in, &r->trace_hash) ||
	    !pcsim__ckpt_eol(&in) || !pcsim__outcomes_load(hist, &in))
		return false;
	/* The exit counts, present when the search counted them (--coverage): the same on both
	 * sides, and set only once the whole checkpoint is read. */
	uint64_t cover[PCSIM_NR_COVER_SITES];
	bool counted = in.next && strncmp(in.next, "cover ", 6) == 0;
	if (counted != pcsim_cover_enabled()) {
		in.line = in.cur = in.next;
		in.eol = in.next + strcspn(in.next, "\n");
		in.lineno++;
		return pcsim__ckpt_fail(&in, counted ? "the checkpoint's search counted the exits of "
						       "the wait functions (--coverage); this one "
						       "does not"
						     : "the checkpoint's search did not count the exits "
						       "of the wait functions; this one does "
						       "(--coverage)");
	}
	if (counted) {
		if (!pcsim__ckpt_line(&in, "cover") ||
		    !pcsim__ckpt_uint(&in, PCSIM_NR_COVER_SITES, &v))
			return false;
		if (v != PCSIM_NR_COVER_SITES)
			return pcsim__ckpt_fail(&in, "%" PRIu64 " exit counts; this pcsim has %u exits",
						v, (unsigned)PCSIM_NR_COVER_SITES);
		for (unsigned i = 0; i < PCSIM_NR_COVER_SITES; i++)
			if (!pcsim__ckpt_u64(&in, &cover[i]))
				return false;
		if (!pcsim__ckpt_eol(&in))
			return false;
	}
	if (st->tree) {
		uint64_t depth, n;
		if (!pcsim__ckpt_line(&in, "subtree") || !pcsim__ckpt_u64(&in, &st->subtree) ||
		    !pcsim__ckpt_uint(&in, 1, &mine) || !pcsim__ckpt_uint(&in, 1u << 26, &depth) ||
		    !pcsim__ckpt_uint(&in, 1u << 26, &n) || !pcsim__ckpt_eol(&in))
			return false;
		st->subtree_mine = mine;
		st->subtree_depth = (size_t)depth;
		if (n > strlen(in.next) / 11)	/* a choice line is at least 11 bytes */
			return pcsim__ckpt_fail(&in, "more choices than the checkpoint holds");
		if (n > st->capprefix) {
			struct pcsim__choice *np = realloc(st->prefix, n * sizeof(*np));
			if (!np)
				return pcsim__ckpt_fail(&in, "out of memory");
			st->prefix = np;
			st->capprefix = (size_t)n;
		}
		st->labels = calloc(n ? n : 1, sizeof(*st->labels));
		if (!st->labels)
			return pcsim__ckpt_fail(&in, "out of memory");
		for (size_t d = 0; d < n; d++) {
			struct pcsim__choice *c = &st->prefix[d];
			uint64_t type, target;
			if (!pcsim__ckpt_line(&in, "choice") || !pcsim__ckpt_uint(&in, 255, &type) ||
			    !pcsim__ckpt_uint(&in, UINT32_MAX, &target))
				return false;
			c->type = (uint8_t)type;
			c->target = (uint32_t)target;
			c->label = NULL;
			if (in.cur < in.eol) {
				const char *l;
				size_t len;
				if (!pcsim__ckpt_rest(&in, &l, &len))
					return false;
				char *copy = malloc(len + 1);
				if (!copy)
					return pcsim__ckpt_fail(&in, "out of memory");
				memcpy(copy, l, len);
				copy[len] = '\0';
				st->labels[st->nlabels++] = copy;
				c->label = copy;
			}
		}
		st->nprefix = (size_t)n;
	}
	const char *text;
	if (!pcsim__ckpt_line(&in, "last_schedule") ||
	    !pcsim__ckpt_uint(&in, PCSIM_SCHEDULE_MAX, &v) || !pcsim__ckpt_eol(&in) ||
	    !pcsim__ckpt_raw(&in, (size_t)v, &text))
		return false;
	if (v) {	/* (pcsim__ckpt_raw() found no NUL in it) */
		if (!(st->last_schedule = malloc((size_t)v + 1)))
			return pcsim__ckpt_fail(&in, "out of memory");
		memcpy(st->last_schedule, text, (size_t)v);
		st->last_schedule[v] = '\0';
	}
	if (!s->ops->load(s, &in) || !pcsim__ckpt_line(&in, "end") || !pcsim__ckpt_eol(&in))
		return false;
	if (*in.eol != '\n')
		return pcsim__ckpt_fail(&in, "no newline after 'end': the checkpoint was cut short");
	if (*in.next) {
		in.line = in.cur = in.next;
		in.lineno++;
		return pcsim__ckpt_fail(&in, "text after the 'end' line");
	}
	for (unsigned i = 0; counted && i < PCSIM_NR_COVER_SITES; i++)
		pcsim__cover_set(i, cover[i]);
	return true;
}

int pcsim_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg_in,
		  const struct pcsim_explore_opts *o_in, struct pcsim_report *r)
{
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	char err[2400];
	if (!r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (!prog || !prog->setup) {
		r->message = xstrdup("pcsim_explore: the program has no setup function");
		return -EINVAL;
	}
	if (pcsim_world_current()) {
		/* The engine's per-thread state belongs to the running world. */
		r->message = xstrdup("pcsim_explore: called from inside a running world (a task, "
				     "event handler, setup or finish); explorations do not nest");
		return -EBUSY;
	}
	if (cfg_in)
		cfg = *cfg_in;
	else
		pcsim_config_init(&cfg);
	if (o_in)
		o = *o_in;
	else
		pcsim_explore_opts_init(&o);
	if (pcsim_config_validate(&cfg, err, sizeof(err)) < 0) {
		r->message = prefixed("pcsim_explore: ", err);
		return -EINVAL;
	}
	if ((unsigned)o.strategy > PCSIM_STRATEGY_DPOR) {
		snprintf(err, sizeof(err),
			 "pcsim_explore: strategy %d is not a strategy (PCSIM_STRATEGY_RANDOM, _PCT, "
			 "_DFS, _REPLAY or _CALLBACK)",
			 (int)o.strategy);
		r->message = xstrdup(err);
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_CALLBACK && !o.choose) {
		r->message = xstrdup("pcsim_explore: the callback strategy needs opts.choose");
		return -EINVAL;
	}
	if (prog->name && strpbrk(prog->name, "\n\r")) {
		r->message = xstrdup("pcsim_explore: the program's name must be one line (it is "
				     "written on a schedule file's program line)");
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_REPLAY && cfg.backend != PCSIM_BACKEND_SIM) {
		r->message = xstrdup("pcsim_explore: replay runs on the sim backend only (threads "
				     "executions are not reproducible)");
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_DPOR && cfg.mem == PCSIM_MEM_WEAK) {
		r->message = xstrdup("pcsim_explore: dpor does not know the weak mode's choices "
				     "(stale reads, out-of-order flushes); explore mem=weak with dfs");
		return -EINVAL;
	}
	if (cfg.backend == PCSIM_BACKEND_THREADS && cfg.mem != PCSIM_MEM_SC) {
		r->message = xstrdup("pcsim_explore: the threads backend runs on the machine's own "
				     "memory model; mem=tso and mem=weak need the sim backend");
		return -EINVAL;
	}
	if (o.slice_count > 1 && (o.slice_index >= o.slice_count ||
				  o.strategy == PCSIM_STRATEGY_REPLAY)) {
		if (o.strategy == PCSIM_STRATEGY_REPLAY)
			snprintf(err, sizeof(err),
				 "pcsim_explore: a replay is one execution: it has no slices");
		else
			snprintf(err, sizeof(err),
				 "pcsim_explore: slice %u of %u does not exist (0 to %u)",
				 o.slice_index, o.slice_count, o.slice_count - 1);
		r->message = xstrdup(err);
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_REPLAY) {
		struct pcsim__choice *ch = NULL;
		size_t n;
		char *pname = NULL, *pcfg = NULL;
		if (!o.schedule) {
			r->message = xstrdup("pcsim_explore: replay needs a schedule");
			return -EINVAL;
		}
		if (pcsim__schedule_parse(o.schedule, &ch, &n, &pname, &pcfg, err, sizeof(err)) < 0) {
			r->message = xstrdup(err);
			return -EINVAL;
		}
		free(ch);
		char mine[1024], theirs[1024];
		/* Compare what the worlds would really run with (defaults filled, values clamped). */
		struct pcsim_config norm = cfg;
		pcsim__config_normalize(&norm);
		pcsim__config_format(&norm, mine, sizeof(mine));
		struct pcsim_config rec;
		pcsim_config_init(&rec);
		char perr[256];
		if (pcfg && pcsim_config_parse(pcfg, &rec, perr, sizeof(perr)) < 0) {
			snprintf(err, sizeof(err), "schedule: config line: %s", perr);
			free(pname);
			free(pcfg);
			r->message = xstrdup(err);
			return -EINVAL;
		}
		pcsim__config_normalize(&rec);
		pcsim__config_format(&rec, theirs, sizeof(theirs));
		int bad = 0;
		if (rec.backend != PCSIM_BACKEND_SIM) {
			snprintf(err, sizeof(err),
				 "schedule: config line: backend=threads: a schedule replays on the "
				 "sim backend only (threads executions are not reproducible)");
			bad = 1;
		} else if (pname && prog->name && strcmp(pname, prog->name) != 0) {
			snprintf(err, sizeof(err),
				 "schedule was recorded for program '%s', not '%s'", pname, prog->name);
			bad = 1;
		} else if (pcfg && strcmp(theirs, mine) != 0) {
			snprintf(err, sizeof(err),
				 "schedule was recorded with config '%s' but this run uses '%s'", theirs,
				 mine);
			bad = 1;
		}
		free(pname);
		free(pcfg);
		if (bad) {
			r->message = xstrdup(err);
			return -EINVAL;
		}
		o.max_executions = 1;
	}
	struct pcsim_world *w = calloc(1, sizeof(*w));
	if (!w) {
		r->message = xstrdup("pcsim_explore: out of memory");
		return -ENOMEM;
	}
	if (pcsim__world_init(w, &cfg) < 0) {
		pcsim__world_destroy(w);
		free(w);
		r->message = xstrdup("pcsim_explore: out of memory setting up the world");
		return -ENOMEM;
	}
	struct pcsim__strategy *strat = pcsim__strategy_new(&o, err, sizeof(err));
	if (!strat) {
		r->message = xstrdup(err);
		pcsim__world_destroy(w);
		free(w);
		return -EINVAL;
	}
	pcsim__strategy_attach(strat, w);
	/* Backends whose executions are not reproducible record no schedule and no trace. */
	bool replayable = w->ops->replayable;
	if ((o.checkpoint || o.resume) &&
	    (!strat->ops->save || !replayable || o.slice_claim || o.slice_bound)) {
		snprintf(err, sizeof(err), "pcsim_explore: %s",
			 !strat->ops->save ? "checkpoints are for the random, pct, dfs and dpor "
					     "strategies"
			 : !replayable	   ? "checkpoints need the sim backend (a search on real "
					     "threads does not run the same executions again)"
					   : "checkpoints are not for --jobs workers (slice_claim, "
					     "slice_bound: their shares depend on timing)");
		r->message = xstrdup(err);
		pcsim__strategy_free(strat);
		pcsim__world_destroy(w);
		free(w);
		return -EINVAL;
	}
	int ret = 0;
	/* The final states finish() records (<pcsim/outcome.h>); confirmation replays below
	 * record into the current buffer too, which the next execution's begin discards. */
	struct pcsim__outcomes *hist = calloc(1, sizeof(*hist));
	if (!hist) {
		r->message = xstrdup("pcsim_explore: out of memory");
		pcsim__strategy_free(strat);
		pcsim__world_destroy(w);
		free(w);
		return -ENOMEM;
	}
	/*
	 * Campaign slices (docs/campaigns.md). Index strategies (random, PCT) own the execution
	 * indices congruent to the slice; PCT also runs the first PCSIM_PCT_LEARN indices of the
	 * others (uncounted) to learn the same k as the single run. Tree strategies (DFS) own
	 * the subtrees whose rank in DFS order is congruent to the slice, a subtree being the
	 * executions below the shortest prefix of decisions whose estimated share of the tree is
	 * under 1/PCSIM_SLICE_PARTS (the strategy's slice_depth()): the first execution of another
	 * slice's subtree is run (that is how the tree is discovered) and cut, uncounted. Index
	 * slices split the same way: indices congruent to I modulo N are those congruent to
	 * I + N*j modulo N*J for j < J.
	 */
	unsigned nslices = o.slice_count > 1 ? o.slice_count : 1;
	unsigned me = nslices > 1 ? o.slice_index : 0;
	bool tree = strat->ops->cut != NULL && strat->ops->slice_depth != NULL &&
		    (nslices > 1 || o.slice_claim != NULL);
	if (nslices > 1 && !tree && o.strategy != PCSIM_STRATEGY_RANDOM &&
	    o.strategy != PCSIM_STRATEGY_PCT) {
		/* a search that is neither indexed nor a tree with a cut cannot be sliced */
		snprintf(err, sizeof(err), "pcsim_explore: strategy %s cannot be sliced",
			 strat->ops->name);
		r->message = xstrdup(err);
		free(hist);
		pcsim__strategy_free(strat);
		pcsim__world_destroy(w);
		free(w);
		return -EINVAL;
	}
	bool learn_all = o.strategy == PCSIM_STRATEGY_PCT && nslices > 1;
	/* The subtrees do not depend on the number of slices, so slice I of N split again into J
	 * (I + N*j of N*J) covers slice I of N. */
	struct search st = { .tree = tree, .capprefix = 64, .subtree = UINT64_MAX };
	if (tree && !(st.prefix = malloc(st.capprefix * sizeof(*st.prefix)))) {
		free(hist);
		r->message = xstrdup("pcsim_explore: out of memory");
		pcsim__strategy_free(strat);
		pcsim__world_destroy(w);
		free(w);
		return -ENOMEM;
	}
	if (o.resume && !ckpt_read(prog, &cfg, &o, strat, &st, hist, r, err, sizeof(err))) {
		r->message = xstrdup(err);
		r->executions = r->steps = r->digest = r->trace_hash = 0;
		search_free(&st);
		pcsim__outcomes_free(hist);
		free(hist);
		pcsim__strategy_free(strat);
		pcsim__world_destroy(w);
		free(w);
		return -EINVAL;
	}
	pcsim__outcomes_attach(hist);
	r->failing_order = UINT64_MAX;
	/*
	 * A search traces only the executions that may be its last (docs/explore.md, "Traces of
	 * a search"): nobody reads the trace of an execution that passed and is not the last, and
	 * recording it cost a fifth of the search's time (object numbering, naming, the events).
	 * The last of a budget is known before it runs, and a strategy that ends by exhausting
	 * its tree says which executions may be its last (DFS: those whose replayed decisions have
	 * no alternative left). A failure's trace comes from the replays that confirm it. Where
	 * the last execution ran untraced after all (a stop request, a strategy that cannot
	 * tell), its schedule is replayed traced once at the end. A replay (one execution, whose
	 * trace is the point), a callback strategy (whose callback may read the trace so far)
	 * and a search without confirming replays (o.confirm false: no replay wanted, and a
	 * replay's new world is what a small search costs most) trace every execution.
	 */
	bool want_trace = w->tracing && replayable;
	bool trace_some = want_trace && o.confirm && o.strategy != PCSIM_STRATEGY_REPLAY &&
			  o.strategy != PCSIM_STRATEGY_CALLBACK;
	struct digest_chain dchain = { NULL, NULL, 0, 0 };
	uint64_t stopped_at = UINT64_MAX;	/* the next index, when stopped before the end */
	uint64_t ckpt_execs = r->executions;	/* at the last checkpoint */
	for (uint64_t i = st.next;; i++) {
		if (o.max_executions && (tree ? r->executions : i) >= o.max_executions) {
			stopped_at = i;
			break;
		}
		bool mine = nslices == 1 || tree || i % nslices == me;
		if (!mine && !(learn_all && i < PCSIM_PCT_LEARN))
			continue;
		if (o.stop && *o.stop) {
			stopped_at = i;
			break;	/* asked to stop (e.g. SIGINT): report what ran */
		}
		if (o.checkpoint && r->outcome == PCSIM_OUTCOME_OK && r->executions != ckpt_execs &&
		    ((o.checkpoint_req && *o.checkpoint_req) ||
		     (o.checkpoint_every && r->executions % o.checkpoint_every == 0)) &&
		    !pcsim__strategy_exhausted(strat)) {	/* complete: nothing to go on with */
			if (o.checkpoint_req)
				*o.checkpoint_req = 0;
			st.next = i;
			ckpt_execs = r->executions;
			int rc = ckpt_write(prog, &cfg, &o, strat, &st, hist, r);
			if (rc < 0) {
				snprintf(err, sizeof(err),
					 "pcsim_explore: the checkpoint could not be written (%s); the "
					 "search stopped here",
					 strerror(-rc));
				r->message = xstrdup(err);
				ret = -EIO;
				break;
			}
		}
		if (mine && !tree && o.slice_bound &&
		    i > __atomic_load_n(o.slice_bound, __ATOMIC_RELAXED))
			break;	/* another slice failed earlier in the single run's order */
		if (trace_some)
			w->tracing = (o.max_executions &&
				      (tree ? r->executions + 1
					    : nslices == 1 ? i + 1 : i + nslices) >= o.max_executions) ||
				     (strat->ops->exhausted && (!strat->ops->might_be_last ||
								 strat->ops->might_be_last(strat)));
		if (!begin_one(w, strat, i))
			break;
		pcsim__outcomes_begin(hist);
		bool restored = w->restore != NULL;
		run_one(w, prog, i);
		uint64_t order = i;
		if (tree) {
			size_t k = strat->ops->slice_depth(strat, PCSIM_SLICE_PARTS);
			if (k > w->ex.nlog)
				k = w->ex.nlog;
			bool same = st.subtree != UINT64_MAX && k == st.nprefix;
			for (size_t d = 0; same && d < k; d++)
				same = st.prefix[d].type == w->log[d].type &&
				       st.prefix[d].target == w->log[d].target &&
				       (st.prefix[d].label == w->log[d].label ||
					(st.prefix[d].label && w->log[d].label &&
					 strcmp(st.prefix[d].label, w->log[d].label) == 0));
			st.subtree_depth = k;
			if (!same) {
				if (k > st.capprefix) {
					struct pcsim__choice *np =
						realloc(st.prefix, 2 * k * sizeof(*np));
					if (!np) {
						r->message = xstrdup(
							"pcsim_explore: out of memory for the slice's "
							"prefix; the search stopped here");
						pcsim__strategy_end(strat, w);
						break;
					}
					st.prefix = np;
					st.capprefix = 2 * k;
				}
				st.subtree++;	/* UINT64_MAX + 1 == 0: the first */
				memcpy(st.prefix, w->log, k * sizeof(*st.prefix));
				st.nprefix = k;
				st.subtree_mine = st.subtree % nslices == me;
				if (st.subtree_mine && o.slice_claim) {
					/*
					 * Claimed (struct pcsim_explore_opts.slice_claim): this search
					 * has walked every earlier subtree of the slice, each run here
					 * or claimed by another, so the counter is at least this one's
					 * place in the slice; it is ours if nobody took it yet.
					 */
					uint64_t q = st.subtree / nslices;
					st.subtree_mine = __atomic_compare_exchange_n(
						o.slice_claim, &q, q + 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED);
				}
			}
			order = st.subtree;
			mine = st.subtree_mine;
			if (!mine)
				strat->ops->cut(strat, k);
			if (o.slice_bound &&
			    st.subtree > __atomic_load_n(o.slice_bound, __ATOMIC_RELAXED))
				break;
		}
		pcsim__strategy_end(strat, w);
		if (!mine)
			continue;
		/* the final state of an execution this search counts (not of another slice's,
		 * run to learn PCT's k or to find a subtree) */
		if (pcsim__outcomes_end(hist) < 0 && !r->message) {
			r->message = xstrdup("pcsim_explore: out of memory for the final states; "
					     "the search stopped here");
			r->executions++;
			r->steps += w->ex.step;
			break;
		}
		r->executions++;
		r->restored += restored;
		r->steps += w->ex.step;
		if (o.digest)
			r->digest += digest_of(&dchain, w->log, w->ex.nlog);
		/*
		 * The trace hash is computed only where it is read: the failing execution (below)
		 * and, with none, the last one - known here, before the next begin_one() resets
		 * the trace: the budget's last, the strategy's last, or a stop request.
		 */
		bool last = o.max_executions && (tree || nslices == 1
							 ? r->executions == o.max_executions
							 : i + nslices >= o.max_executions);
		/*
		 * A tree slice's last execution is the last of one of its subtrees, unknown until
		 * the tree ends (the others' subtrees come after it, uncounted): the last execution
		 * of each subtree it runs is kept to be replayed traced at the end, if it stays the
		 * last.
		 */
		bool subtree_last = tree && strat->ops->next_depth &&
				    strat->ops->next_depth(strat) < st.subtree_depth;
		if (want_trace && r->outcome == PCSIM_OUTCOME_OK &&
		    (last || subtree_last || pcsim__strategy_exhausted(strat) ||
		     (o.stop && *o.stop))) {
			if (w->tracing) {
				r->trace_hash = pcsim__trace_hash(w);
				free(st.last_schedule);
				st.last_schedule = NULL;
			} else {
				free(st.last_schedule);
				st.last_schedule = pcsim__schedule_format(w, &o, i);
			}
		}
		if ((r->executions & 0x3ff) == 0)
			report_progress(&o, strat, r, false);
		if (w->ex.outcome == PCSIM_OUTCOME_OK)
			continue;
		r->failures++;
		if (r->outcome == PCSIM_OUTCOME_OK) {
			if (o.stop_on_violation && o.slice_bound) {
				uint64_t b = __atomic_load_n(o.slice_bound, __ATOMIC_RELAXED);
				while (order < b &&
				       !__atomic_compare_exchange_n(o.slice_bound, &b, order, false,
								    __ATOMIC_RELAXED,
								    __ATOMIC_RELAXED))
					;
			}
			r->outcome = w->ex.outcome;
			r->failing_execution = tree ? r->executions : i + 1;
			r->failing_order = order;
			snprintf(r->what, sizeof(r->what), "%s", w->what);
			r->step = w->ex.fail_step;
			r->found_choices = r->fail_choices = w->ex.nlog;
			r->found_steps = r->fail_steps = w->ex.step;
			/* hashed only here and for the last execution: nobody reads the others' */
			if (w->tracing)
				r->trace_hash = pcsim__trace_hash(w);
			pcsim__exec_message(w);
			r->message = xstrdup(w->msg);
			r->schedule = replayable ? pcsim__schedule_format(w, &o, i) : NULL;
			r->replay_cmd = expand_hint(o.replay_hint, prog->name ? prog->name : "?");
			ret = 1;
			if (o.confirm && replayable && r->schedule &&
			    w->ex.outcome != PCSIM_OUTCOME_INTERNAL &&
			    w->ex.outcome != PCSIM_OUTCOME_DIVERGED) {
				uint64_t h1 = 0, h2 = 0;
				char *t1 = NULL;
				char w1[64], w2[64];
				uint64_t step1 = 0;
				char *msg1 = NULL;
				enum pcsim_outcome a = replay_traced(prog, &cfg, r->schedule, &h1, &t1,
								     w1, sizeof(w1), &step1, &msg1);
				enum pcsim_outcome b = replay_traced(prog, &cfg, r->schedule, &h2, NULL,
								     w2, sizeof(w2), NULL, NULL);
				/* An untraced search has no hash of its own: the replay must then
				 * fail at the very step the search's execution failed at. */
				r->confirmed = a == w->ex.outcome && b == a && h1 == h2 &&
					       strcmp(w1, r->what) == 0 && strcmp(w2, w1) == 0 &&
					       (w->tracing ? h1 == r->trace_hash
							   : step1 == w->ex.fail_step);
				r->trace = t1;
				r->trace_hash = h1;
				if (!w->tracing && r->confirmed && msg1) {
					/* the traced replay's message names the objects */
					free(r->message);
					r->message = msg1;
					msg1 = NULL;
				}
				free(msg1);
			} else if (w->tracing && replayable) {
				r->trace = pcsim__trace_render(w);
			} else if (want_trace && r->schedule &&
				   w->ex.outcome != PCSIM_OUTCOME_DIVERGED) {
				/* unconfirmed: a traced replay for the narrative, if it fails alike */
				uint64_t h1 = 0, step1 = 0;
				char *t1 = NULL, *msg1 = NULL;
				char w1[64];
				enum pcsim_outcome a = replay_traced(prog, &cfg, r->schedule, &h1, &t1,
								     w1, sizeof(w1), &step1, &msg1);
				if (a == w->ex.outcome && strcmp(w1, r->what) == 0 &&
				    step1 == w->ex.fail_step && msg1) {
					r->trace = t1;
					r->trace_hash = h1;
					free(r->message);
					r->message = msg1;
				} else {
					free(t1);
					free(msg1);
				}
			}
			if (o.shrink && r->confirmed)
				shrink_failure(prog, &cfg, &o, i, w, r);
		}
		if (o.stop_on_violation || w->ex.outcome == PCSIM_OUTCOME_DIVERGED ||
		    w->ex.outcome == PCSIM_OUTCOME_INTERNAL)
			break;
	}
	free(dchain.word);
	free(dchain.h);
	/* Stopped before the end with nothing found: the state to go on from. */
	if (o.checkpoint && stopped_at != UINT64_MAX && r->outcome == PCSIM_OUTCOME_OK &&
	    !r->message && !pcsim__strategy_exhausted(strat)) {
		st.next = stopped_at;
		int rc = ckpt_write(prog, &cfg, &o, strat, &st, hist, r);
		if (rc < 0) {
			snprintf(err, sizeof(err),
				 "pcsim_explore: the checkpoint could not be written (%s)",
				 strerror(-rc));
			r->message = xstrdup(err);
			ret = -EIO;
		}
	}
	if (o.keep_trace && r->outcome == PCSIM_OUTCOME_OK && r->executions && replayable) {
		if (w->tracing)
			r->trace = pcsim__trace_render(w);
		r->schedule = pcsim__schedule_format(w, &o, r->executions - 1);
	}
	if (st.last_schedule && r->outcome == PCSIM_OUTCOME_OK) {
		/* the last execution's trace hash (and trace): its traced replay's */
		uint64_t h = 0;
		char *t = NULL, wh[64];
		if (replay_traced(prog, &cfg, st.last_schedule, &h, o.keep_trace ? &t : NULL, wh,
				  sizeof(wh), NULL, NULL) == PCSIM_OUTCOME_OK) {
			r->trace_hash = h;
			if (o.keep_trace) {
				free(r->trace);
				r->trace = t;
				t = NULL;
			}
		}
		free(t);
	}
	search_free(&st);
	r->exhausted = pcsim__strategy_exhausted(strat);
	r->explored = r->exhausted ? 1.0 : pcsim__strategy_progress(strat);
	if (pcsim__outcomes_take(hist, r) < 0 && !r->message)
		r->message = xstrdup("pcsim_explore: out of memory for the final states");
	pcsim__outcomes_free(hist);
	free(hist);
	report_progress(&o, strat, r, true);
	pcsim__strategy_free(strat);
	pcsim__world_destroy(w);
	free(w);
	return ret;
}
