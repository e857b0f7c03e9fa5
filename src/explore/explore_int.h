/* SPDX-License-Identifier: MIT */
/*
 * explore_int.h - the exploration layer's private interface: strategies behind one small table
 * (begin, pick, end), the way Shuttle's schedulers are, and the schedule files.
 *
 * A strategy decides at each decision point of the sim backend (the engine enumerates the
 * options and asks the world's chooser, which strategy.c points here). Each strategy lives in
 * its own file - random.c, pct.c, dfs.c, replay.c, dpor.c - and embeds struct pcsim__strategy first.
 * All randomness comes from one xoshiro256** stream per execution, seeded from (seed, execution
 * index) with splitmix64, so random execution i of seed s is reproducible on its own.
 */
#ifndef PCSIM_EXPLORE_INT_H
#define PCSIM_EXPLORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/explore.h>

#include "sched_int.h"
#include "trace_int.h"

struct pcsim__rng {
	uint64_t s[4];
};

static inline uint64_t pcsim__rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman, Vigna). */
static inline uint64_t pcsim__rng_next(struct pcsim__rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = pcsim__rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = pcsim__rng_rotl(s[3], 45);
	return res;
}

/* A value in [0, n): Lemire's multiply-shift; the tiny bias is irrelevant and deterministic. */
static inline uint64_t pcsim__rng_below(struct pcsim__rng *r, uint64_t n)
{
	__extension__ typedef unsigned __int128 u128;
	return (uint64_t)(((u128)pcsim__rng_next(r) * n) >> 64);
}

struct pcsim__strategy;

/* ---- checkpoint.c: a checkpoint's text (docs/campaigns.md, "Checkpoints") */
/* Written: lines appended; @oom set (and writing stopped) when memory ran out. */
struct pcsim__ckpt_out {
	char *p;
	size_t n, cap;
	bool oom;
};
void pcsim__ckpt_printf(struct pcsim__ckpt_out *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pcsim__ckpt_bytes(struct pcsim__ckpt_out *b, const char *s, size_t n);

/* Read: line by line, field by field; the first error is kept in err as
 * "checkpoint:LINE:COL: why" and every later call returns false. */
struct pcsim__ckpt_in {
	const char *next;		/* the next line */
	const char *line, *cur, *eol;	/* the current line, the cursor in it, its end */
	unsigned lineno;
	bool failed;
	char *err;
	size_t errlen;
};
void pcsim__ckpt_in_init(struct pcsim__ckpt_in *in, const char *text, char *err, size_t errlen);
/* The next line, which must start with @key (then a space or its end). */
bool pcsim__ckpt_line(struct pcsim__ckpt_in *in, const char *key);
bool pcsim__ckpt_u64(struct pcsim__ckpt_in *in, uint64_t *v);		/* decimal */
bool pcsim__ckpt_uint(struct pcsim__ckpt_in *in, uint64_t max, uint64_t *v);	/* <= max */
bool pcsim__ckpt_x64(struct pcsim__ckpt_in *in, uint64_t *v);		/* hexadecimal */
bool pcsim__ckpt_f64(struct pcsim__ckpt_in *in, double *v);		/* as strtod() */
bool pcsim__ckpt_rest(struct pcsim__ckpt_in *in, const char **s, size_t *n);	/* the rest */
bool pcsim__ckpt_eol(struct pcsim__ckpt_in *in);		/* nothing left on the line */
/* The @n raw bytes after the current line (and their newline). */
bool pcsim__ckpt_raw(struct pcsim__ckpt_in *in, size_t n, const char **s);
/* Fail at the cursor: always false. */
bool pcsim__ckpt_fail(struct pcsim__ckpt_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct pcsim__strategy_ops {
	const char *name;
	size_t size;	/* of the strategy's structure, which embeds struct pcsim__strategy */
	/* Optional: set up from the options; 0 or -1 with @err filled. */
	int (*init)(struct pcsim__strategy *s, const struct pcsim_explore_opts *o, char *err,
		    size_t errlen);
	/* Optional: free what init allocated. */
	void (*fini)(struct pcsim__strategy *s);
	/* Optional: the start of an execution (the stream is already seeded); false when the
	 * strategy has nothing left to explore. */
	bool (*begin)(struct pcsim__strategy *s, struct pcsim_world *w);
	/* The chooser the engine calls at a decision (struct pcsim__chooser.pick, @s being the
	 * strategy): define it with PCSIM_STRATEGY_CHOOSER() around the strategy's pick. */
	unsigned (*choose)(void *s, struct pcsim_world *w, const struct pcsim__opt *opts,
			   unsigned n, int cur, const char *data_kind);
	/* Optional: the end of an execution. */
	void (*end)(struct pcsim__strategy *s, struct pcsim_world *w);
	/* Optional: a fresh priority for a new agent (PCT; struct pcsim__chooser.prio, @s being
	 * the strategy); without it, agents get 0. */
	uint64_t (*prio)(void *s, struct pcsim_world *w);
	/* Optional: the strategy explored everything there is (DFS). */
	bool (*exhausted)(const struct pcsim__strategy *s);
	/* Optional (strategies that end by exhausting, with .exhausted: DFS): between
	 * executions, false when the next one is certainly not the last (a search traces the
	 * last, docs/explore.md "Traces of a search"). NULL: with .exhausted any execution may
	 * be the last; without, none is (random and PCT end by their budget only). */
	bool (*might_be_last)(const struct pcsim__strategy *s);
	/* Optional (tree strategies: DFS): called before end(), abandon the subtree below the
	 * first @depth decisions of this execution, so that the next execution differs from it
	 * within them (campaign slices skip the subtrees other slices own). */
	void (*cut)(struct pcsim__strategy *s, size_t depth);
	/* Optional (tree strategies, with .cut: DFS): called before end(), the depth of the
	 * shortest prefix of this execution's decisions below which the strategy estimates at
	 * most 1/@parts of its tree (every decision when none is that short); equal prefixes
	 * give equal depths. The subtrees of campaign slices (explore.c). */
	size_t (*slice_depth)(struct pcsim__strategy *s, size_t parts);
	/* Optional (tree strategies: DFS): after end(), the index of the decision the next
	 * execution changes (it replays the decisions before it), or 0 when there is none. */
	size_t (*next_depth)(const struct pcsim__strategy *s);
	/* Optional (tree strategies: DFS, DPOR): the estimated fraction of the bounded tree
	 * explored so far, in [0, 1], from the decision stack (docs/explore.md, "How far along
	 * is a search"); called between executions, after end(). NULL: no estimate. */
	double (*progress)(const struct pcsim__strategy *s);
	/* Optional, both or neither (checkpoints: random, PCT, DFS): between two executions,
	 * write what the strategy carries from one execution to the next as lines of @b; read
	 * it back into a strategy just initialised with the same options (false: @in holds the
	 * error). A strategy without them cannot be checkpointed. */
	void (*save)(const struct pcsim__strategy *s, struct pcsim__ckpt_out *b);
	bool (*load)(struct pcsim__strategy *s, struct pcsim__ckpt_in *in);
};

/*
 * Campaign slices of a tree search (explore.c): a subtree is what lies below the shortest
 * prefix whose estimated share of the tree is under 1/PCSIM_SLICE_PARTS. Shards of one campaign
 * must agree on it: a change of this value (or of the estimate) is a change of the slices.
 */
#define PCSIM_SLICE_PARTS 256u

struct pcsim__strategy {
	const struct pcsim__strategy_ops *ops;
	uint64_t seed;
	uint64_t exec;			/* index of the current execution */
	struct pcsim__rng rng;
	bool unlogged;			/* the last pick is not part of the schedule */
	bool nolog;			/* opts.no_choice_log: no pick is logged */
	bool diverged;			/* replay: the run left the schedule */
	char divergence[512];
};

extern const struct pcsim__strategy_ops pcsim__random_ops;	/* random.c */
extern const struct pcsim__strategy_ops pcsim__pct_ops;		/* pct.c */
extern const struct pcsim__strategy_ops pcsim__dfs_ops;		/* dfs.c */
extern const struct pcsim__strategy_ops pcsim__replay_ops;	/* replay.c */
extern const struct pcsim__strategy_ops pcsim__callback_ops;	/* callback.c */
extern const struct pcsim__strategy_ops pcsim__dpor_ops;	/* dpor.c */
extern const struct pcsim__strategy_ops pcsim__estimate_ops;	/* estimate.c */
/*
 * pcsim__dpor_trace_hash - a fingerprint of the Mazurkiewicz trace of the execution that @s (a
 * dpor strategy) just ended: equal for equivalent executions (each step's agent, its index and
 * its happens-before clock, agents named by their keys), whatever the order of independent
 * steps. Context: after pcsim__strategy_end(), before the next begin. Returns 0 when @s is not
 * dpor or has no execution recorded. For tests that compare the traces two searches reach.
 */
uint64_t pcsim__dpor_trace_hash(const struct pcsim__strategy *s);

/* ---- strategy.c */
/* Make room in the choice log: true, or false with the execution ended as internal. */
bool pcsim__strategy_log_grow(struct pcsim_world *w);

/* Record the choice @pick of a decision in the world's log (the log is the schedule), unless
 * the strategy kept it out (s->unlogged). */
static inline unsigned pcsim__strategy_log(struct pcsim__strategy *s, struct pcsim_world *w,
					   const struct pcsim__opt *opts, unsigned pick,
					   const char *data_kind)
{
	if (s->unlogged || s->nolog) {
		s->unlogged = false;
		return pick;
	}
	if (w->ex.nlog == w->caplog && !pcsim__strategy_log_grow(w))
		return pick;
	struct pcsim__choice *c = &w->log[w->ex.nlog++];
	c->type = opts[pick].type;
	c->target = opts[pick].target;
	c->label = data_kind;
	return pick;
}

/* pcsim__strategy_log() out of line: the chooser's rare cases (a pick kept out of the log,
 * no log, a full log). */
unsigned pcsim__strategy_log_slow(struct pcsim__strategy *s, struct pcsim_world *w,
				  const struct pcsim__opt *opts, unsigned pick,
				  const char *data_kind);

/*
 * PCSIM_STRATEGY_CHOOSER(name, pick) - the chooser entry of a strategy: count the decision, ask
 * @pick (unsigned pick(struct pcsim__strategy *, struct pcsim_world *, const struct pcsim__opt *,
 * unsigned n, int cur, const char *data_kind), which returns one of the @n >= 2 options; @cur is
 * the running context's RUN option or -1, @data_kind labels a data choice) and log the answer.
 * One indirect call per decision; @pick is inlined, and the log's rare cases are out of line,
 * so that the common one - the pick logged in a log with room - needs no callee-saved
 * register: a decision costs a leaf call, not a frame.
 */
#define PCSIM_STRATEGY_CHOOSER(name, pick)                                                   \
	static unsigned name(void *sp, struct pcsim_world *w, const struct pcsim__opt *opts,    \
			     unsigned n, int cur, const char *data_kind)                        \
	{                                                                                    \
		struct pcsim__strategy *s = sp;                                               \
		w->ex.ndecisions++;                                                          \
		unsigned p_ = pick(s, w, opts, n, cur, data_kind);                            \
		if (__builtin_expect(s->unlogged | s->nolog, 0) || w->ex.nlog == w->caplog)   \
			return pcsim__strategy_log_slow(s, w, opts, p_, data_kind);           \
		struct pcsim__choice *c_ = &w->log[w->ex.nlog++];                            \
		c_->type = opts[p_].type;                                                     \
		c_->target = opts[p_].target;                                                 \
		c_->label = data_kind;                                                       \
		return p_;                                                                   \
	}

struct pcsim__strategy *pcsim__strategy_new(const struct pcsim_explore_opts *o, char *err,
					    size_t errlen);
void pcsim__strategy_free(struct pcsim__strategy *s);
/* Install @s as @w's chooser (replayable backends only; others make no choices). */
void pcsim__strategy_attach(struct pcsim__strategy *s, struct pcsim_world *w);
/* The start of each execution; false when the strategy is done (DFS). */
bool pcsim__strategy_begin(struct pcsim__strategy *s, struct pcsim_world *w);
void pcsim__strategy_end(struct pcsim__strategy *s, struct pcsim_world *w);
bool pcsim__strategy_exhausted(const struct pcsim__strategy *s);
bool pcsim__strategy_diverged(const struct pcsim__strategy *s, char *msg, size_t len);
/*
 * The online fraction explored of a tree search (dfs.c, dfs_progress(); dpor.c): each level
 * of the decision stack adds its finished alternatives' share of the level, times the share of
 * the path above; an alternative weighs the ways it leaves to spend the rest of the preemption
 * budget over the decisions still to come, as the first execution's shape predicts them.
 */
struct pcsim__tree_shape {
	bool known;
	double d, p, a;	/* its decisions, the share of them with preempting options, their width */
};

/* The shape of an execution of @nd decisions, @pdec of them with @alt preempting options. */
static inline void pcsim__tree_shape_set(struct pcsim__tree_shape *sh, size_t nd, size_t pdec,
					 size_t alt)
{
	sh->known = true;
	sh->d = (double)nd;
	sh->p = nd ? (double)pdec / (double)nd : 0;
	sh->a = pdec ? (double)alt / (double)pdec : 1;
}

/* sum over j <= @r of C(@L, j) @a^j: the ways to spend at most @r more preemptions over @L more
 * decisions of @a preempting options each. */
static inline double pcsim__budget_ways(double r, double L, double a)
{
	double t = 1, sum = 1;
	for (double j = 1; j <= r && L - j + 1 > 0; j++) {
		t *= (L - j + 1) / j * a;
		sum += t;
	}
	return sum;
}

struct pcsim__tree_progress {
	double f, share;		/* the fraction so far; the share of the path so far */
	double all, finished, taken;	/* the level under way */
};

/* The weight of an alternative of decision @level costing @cost, @pre spent above it; 0 when
 * the bound excludes it (@bound: PCSIM_PREEMPTION_UNBOUNDED or above for none). */
static inline double pcsim__progress_weight(const struct pcsim__tree_shape *sh, unsigned bound,
					    unsigned pre, unsigned cost, size_t level)
{
	if (bound >= PCSIM_PREEMPTION_UNBOUNDED)
		return 1;
	if (pre + cost > bound)
		return 0;
	if (!sh->known)
		return 1;
	double left = sh->p * (sh->d - (double)level - 1);
	return pcsim__budget_ways((double)bound - pre - cost, left > 0 ? left : 0, sh->a);
}

/* One alternative of the level under way: @state 1 finished, 2 the one taken, 0 neither. */
static inline void pcsim__progress_alt(struct pcsim__tree_progress *t, double wt, int state)
{
	t->all += wt;
	if (state == 1)
		t->finished += wt;
	else if (state == 2)
		t->taken = wt;
}

/* The level is complete: fold it in; false when the levels below count for nothing. */
static inline bool pcsim__progress_level(struct pcsim__tree_progress *t)
{
	bool go_on = t->all > 0;
	if (go_on) {
		t->f += t->share * t->finished / t->all;
		t->share *= t->taken / t->all;
	}
	t->all = t->finished = t->taken = 0;
	return go_on && t->share > 0;
}

/* The strategy's progress hook, or -1 when it has none (explore_int.h ops.progress). */
static inline double pcsim__strategy_progress(const struct pcsim__strategy *s)
{
	return s->ops->progress ? s->ops->progress(s) : -1.0;
}

/* ---- explore.c: one execution @index of @prog in @w under @s (reset, begin, run, end);
 * false (nothing run) when the strategy has nothing left. */
bool pcsim__exec_one(struct pcsim_world *w, struct pcsim__strategy *s,
		     const struct pcsim_program *prog, uint64_t index);

/* ---- shrink.c: shrink the failing execution whose choices are @log[0..@n) (it failed with
 * @outcome and @what) of @prog under @cfg (docs/shrinking.md). On success returns 1 and fills
 * *schedule (malloc'd, strict, header from @o and @exec_index) and r's fail_* / found_* /
 * shrink_* fields; 0 when nothing smaller reproduces (r's found_* and fail_* still filled);
 * -1 when out of memory. */
int pcsim__shrink(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		  const struct pcsim_explore_opts *o, uint64_t exec_index,
		  const struct pcsim__choice *log, size_t n, enum pcsim_outcome outcome,
		  const char *what, char **schedule, struct pcsim_report *r);

/* ---- schedule.c: the choice log as text */
char *pcsim__schedule_format(const struct pcsim_world *w, const struct pcsim_explore_opts *o,
			     uint64_t exec_index);
int pcsim__schedule_parse(const char *text, struct pcsim__choice **out, size_t *n,
			  char **program, char **config, char *err, size_t errlen);
void pcsim__config_format(const struct pcsim_config *cfg, char *buf, size_t len);
void pcsim__choice_format(const struct pcsim__choice *c, char *buf, size_t len);

/* ---- outcome.c: the histogram of final states (<pcsim/outcome.h>) */
struct pcsim__outcome_slot {
	char *state;
	uint64_t hash, count;
};

struct pcsim__outcomes {
	struct pcsim__outcome_slot *slots;	/* open addressing, cap a power of two */
	size_t cap, n;
	uint64_t unrecorded;
	bool recorded;				/* the current execution recorded something */
	size_t len;
	char cur[PCSIM_OUTCOME_STATE_MAX];	/* the current execution's state */
};

/* The collector of the pcsim_explore() running on this thread (NULL: none). */
void pcsim__outcomes_attach(struct pcsim__outcomes *o);
void pcsim__outcomes_begin(struct pcsim__outcomes *o);
/* Fold the current execution's state in: 0 or -ENOMEM. */
int pcsim__outcomes_end(struct pcsim__outcomes *o);
/* Move the histogram into r->states (sorted), r->nstates, r->unrecorded: 0 or -ENOMEM. */
int pcsim__outcomes_take(struct pcsim__outcomes *o, struct pcsim_report *r);
/* Checkpoints: the histogram as lines ("outcomes N UNRECORDED", then "state COUNT TEXT"), and
 * read back into an empty one (false: @in holds the error, or out of memory). */
void pcsim__outcomes_save(const struct pcsim__outcomes *o, struct pcsim__ckpt_out *b);
bool pcsim__outcomes_load(struct pcsim__outcomes *o, struct pcsim__ckpt_in *in);
void pcsim__outcomes_free(struct pcsim__outcomes *o);

#endif /* PCSIM_EXPLORE_INT_H */
