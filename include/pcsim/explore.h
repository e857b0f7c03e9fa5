/* SPDX-License-Identifier: MIT */
/*
 * pcsim/explore.h - run a program under a strategy: random, PCT, bounded DFS, replay, DPOR.
 *
 * An execution runs a program's setup, then its tasks until all have exited (or a violation,
 * deadlock or livelock stops it). At each preemption point with more than one enabled choice the
 * strategy picks one; the choices of an execution form its schedule, which replays it exactly.
 * The schedule file format is frozen in docs/schedule-format.md (`pcsim-schedule 1`).
 */
#ifndef PCSIM_EXPLORE_H
#define PCSIM_EXPLORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/outcome.h>
#include <pcsim/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pcsim_strategy {
	PCSIM_STRATEGY_RANDOM = 0,	/* uniform choice at every decision, seeded */
	PCSIM_STRATEGY_PCT,		/* Burckhardt et al. 2010, depth pct_depth */
	PCSIM_STRATEGY_DFS,		/* exhaustive, at most preemption_bound preemptions */
	PCSIM_STRATEGY_REPLAY,		/* follow a schedule file */
	PCSIM_STRATEGY_CALLBACK,	/* ask pcsim_explore_opts.choose at every decision */
	PCSIM_STRATEGY_DPOR,		/* DFS with partial-order reduction (source-DPOR, sleep
					 * sets), at most preemption_bound preemptions; see
					 * docs/explore.md for what it guarantees */
};

/* A DPOR preemption bound at or above this is no bound: sleep sets are used (docs/explore.md). */
#define PCSIM_DPOR_UNBOUNDED 1000u

/* struct pcsim_explore_opts.preemption_bound: DFS with no bound (every schedule). */
#define PCSIM_PREEMPTION_UNBOUNDED UINT32_MAX
/* The kinds of option at a decision (docs/engine.md §1, §5.3). */
enum pcsim_option_kind {
	PCSIM_OPTION_RUN = 0,		/* a context takes its next step; target: its id */
	PCSIM_OPTION_FIRE,		/* a pending event fires; target: the event id */
	PCSIM_OPTION_FLUSH,		/* a CPU's store buffer writes its oldest entry; target: cpu */
	PCSIM_OPTION_SPURIOUS,		/* a sleeping task wakes spuriously; target: task id */
	PCSIM_OPTION_DATA,		/* a pcsim_choose() value; target: the value */
};

/** struct pcsim_option - one option of a decision, as the callback strategy shows it. */
struct pcsim_option {
	enum pcsim_option_kind kind;
	uint32_t target;
	/* in the narrative's words: "T1 submitter: next step", "fire E2 bio page 1 (hardirq on
	 * cpu0)", "flush cpu0: x <- 0x1 (1 of 2 buffered)", ... */
	char label[160];
	/* the schedule file's spelling: "run T1", "fire E2", "flush cpu0", "data pick 1" */
	char choice[64];
};

/**
 * struct pcsim_decision - what PCSIM_STRATEGY_CALLBACK passes to its choose callback.
 * @world: the running world, for read-only introspection only (pcsim_world_describe(),
 *	pcsim_pagecache_describe(), the pcsim_decision_*() helpers below); never call anything
 *	that is a preemption point or changes state.
 * @index: 0-based number of this decision in the execution (schedule line @index + 1); when
 *	@n is 0, the number of decisions the execution took.
 * @step: the step being decided (docs/engine.md §6); a data choice does not advance it.
 * @opts, @n: the options, in the engine's order (docs/engine.md §5.3); @n >= 2, or 0 for the
 *	call that ends the execution (then @outcome and @what say how it ended; the return value
 *	is ignored).
 * @dflt: the default option: the running context's next step if it may continue, else 0 (what
 *	lenient replay and DFS take first).
 * @cur: the running context's own option (it continues), or -1 (it blocked, exited, yields,
 *	or this is a data choice).
 * @data_kind: the kind of a data choice (pcsim_choose()), else NULL.
 * @nevents: trace events recorded so far (pcsim_decision_trace() can start after those shown).
 */
struct pcsim_decision {
	struct pcsim_world *world;
	uint64_t index;
	uint64_t step;
	const struct pcsim_option *opts;
	unsigned n;
	unsigned dflt;
	int cur;
	const char *data_kind;
	size_t nevents;
	int outcome;		/* enum pcsim_outcome, when @n is 0 */
	const char *what;	/* the failure's name, "" if none, when @n is 0 */
};

/* A choose callback's answer that ends the execution at this decision: it stops as
 * PCSIM_OUTCOME_DIVERGED with what "stopped" and is not confirmed. */
#define PCSIM_CHOOSE_STOP 0xffffffffu

/**
 * struct pcsim_progress - what pcsim_explore_opts.progress_ex receives (docs/explore.md, "How
 * far along is a search").
 * @executions, @steps: as the plain progress callback has them.
 * @explored: the tree strategies' estimate of the fraction of the bounded space explored so
 *	far, in [0, 1] (1 once exhausted): for DFS the online estimate from its stack (each level
 *	weighs its finished alternatives by the product of 1 / alternatives allowed above it; exact
 *	on trees whose nodes at a depth branch alike, biased on unbalanced ones); negative when
 *	the strategy has no estimate (random, PCT, replay, callback).
 * @rough: DPOR: its backtrack sets grow as it goes, so @explored can fall back; a rough figure.
 * @last: the call at the end of the search.
 */
struct pcsim_progress {
	uint64_t executions;
	uint64_t steps;
	double explored;
	bool rough;
	bool last;
};

/** struct pcsim_explore_opts - initialise with pcsim_explore_opts_init(). */
struct pcsim_explore_opts {
	enum pcsim_strategy strategy;	/* default PCT */
	uint64_t seed;			/* default 1 */
	unsigned pct_depth;		/* default 3 */
	unsigned preemption_bound;	/* DFS and DPOR, default 2; PCSIM_PREEMPTION_UNBOUNDED: none */
	uint64_t max_executions;	/* budget; default 1000; 0 = unlimited (DFS: until done) */
	const char *schedule;		/* REPLAY: the schedule file's text */
	bool replay_lenient;		/* REPLAY: skip recorded choices that are not enabled */
	bool stop_on_violation;		/* default true */
	bool confirm;			/* replay a failure with tracing on to confirm it, default true */
	const char *replay_hint;	/* how a user replays: r->replay_cmd; "%s" becomes
					 * "<schedule file>" (the caller writes the file) */
	bool keep_trace;		/* no failure: r->trace and r->schedule of the last execution */
	/* Called every 2^10 executions and at the end, for progress lines. */
	void (*progress)(uint64_t executions, uint64_t steps, void *arg);
	void *progress_arg;
	/* If set: read before every execution; non-zero stops the search there (the execution
	 * under way finishes first), and the report covers what ran. A signal handler may set
	 * it. Default NULL. */
	const volatile sig_atomic_t *stop;

	/*
	 * Shrinking (docs/shrinking.md): a confirmed failure is shrunk before it is reported -
	 * delta debugging over its choices, each candidate replayed leniently and kept only if it
	 * reproduces the same outcome and `what`, then preemptions replaced by the default - and
	 * the report carries the shrunk schedule (which replays strictly), its trace and both
	 * sizes. Deterministic: bounded by a number of replays and of steps, never by the clock
	 * unless shrink_seconds is set. Default off in the library (the command line turns it on).
	 */
	bool shrink;
	unsigned shrink_replays;	/* budget of replays, default 2000 */
	uint64_t shrink_steps;		/* budget of steps over those replays, default 2e8 */
	unsigned shrink_seconds;	/* wall-clock limit, 0 (default) = none; when it (or a
					 * stop request, or a budget) cuts the shrinking short,
					 * r->shrink_cut says so and the best found so far is
					 * reported */

	/*
	 * Campaign slices (docs/campaigns.md): run the slice_index-th of slice_count
	 * deterministic slices (slice_count 0 or 1: everything). random/PCT: execution indices
	 * slice_index, slice_index + slice_count, ... below max_executions (PCT's k is learnt
	 * from the first PCSIM_PCT_LEARN executions, which every slice runs and only their own
	 * counts); DFS: subtrees below the prefixes whose estimated share of the tree falls under
	 * 1/256, dealt round robin (or claimed: slice_claim). The union of the slices is the
	 * single run: the same executions, steps and failures.
	 */
	unsigned slice_index, slice_count;
	/*
	 * If set, shared between the slices of one campaign (e.g. MAP_SHARED memory of forked
	 * workers): the smallest r->failing_order found so far (initialise it to UINT64_MAX).
	 * With stop_on_violation, a slice lowers it (atomically) when it finds a failure and
	 * stops before any execution ordered after it, so the failure with the smallest order
	 * over all slices is the one the single run reports.
	 */
	uint64_t *slice_bound;
	/* Sum r->digest over the executions run (cheap: each execution hashes the part of its
	 * choice log it does not share with the one before). */
	bool digest;
	/* PCSIM_STRATEGY_CALLBACK: called at every decision of the sim backend (a step with two or
	 * more options, or a data choice with two or more values) and once more, with d->n == 0,
	 * when an execution ends. Return the index of the option to take (< d->n), or
	 * PCSIM_CHOOSE_STOP; an index out of range is taken as d->dflt. The callback runs inside
	 * the world (on the stack of the context at the point, so keep it shallow: no large
	 * local buffers) and may block (read a terminal): set the configuration's watchdog_ms
	 * to 0 for interactive use. Required for that strategy, ignored by the others. */
	unsigned (*choose)(const struct pcsim_decision *d, void *arg);
	void *choose_arg;
	/*
	 * Keep no log of choices (16 bytes per choice otherwise): for a long timed run that nothing
	 * will replay (`pcsim bench seed`). random and PCT only, with confirm and shrink off (both
	 * replay the log), else pcsim_explore() refuses the options (-EINVAL). A failure is still
	 * reported, with an empty schedule: rerun without it (same seed) to get one. Default false.
	 */
	bool no_choice_log;
	/* Called where progress is (every 2^10 executions and at the end, after it), with the
	 * estimated fraction explored (struct pcsim_progress); progress_arg is its argument.
	 * Either callback, both or none may be set. Default NULL. */
	void (*progress_ex)(const struct pcsim_progress *p, void *arg);
	/*
	 * DFS only; if set, shared by searches running the SAME slice (same slice_index and
	 * slice_count) at the same time (MAP_SHARED memory of forked workers, or threads),
	 * initialised to 0: the slice's subtrees are claimed instead of each search running
	 * them all. Every search walks the subtrees in DFS order and runs the next one nobody
	 * has claimed (an atomic compare-and-swap on this counter of claimed subtrees), so the
	 * searches together run each subtree of the slice exactly once - the slice's executions,
	 * steps and failures - and a search that drew small subtrees takes more of them. Which
	 * search runs which subtree depends on timing: each one's counts do, their sum does not.
	 * Ignored by the other strategies. Default NULL.
	 */
	uint64_t *slice_claim;
	/*
	 * Checkpoints (docs/campaigns.md, "Checkpoints"): the state of a search between two of its
	 * executions, as text, from which another process goes on as if the search had never
	 * stopped - the same executions, steps, digest, trace hash and failures as one run.
	 * Searches of the random, pct, dfs and dpor strategies on the sim backend, without
	 * slice_claim or slice_bound (a --jobs worker's share depends on timing); else
	 * pcsim_explore() returns -EINVAL.
	 *
	 * @checkpoint, if set, is called with the state (@len bytes, NUL-terminated) and
	 * checkpoint_arg: before an execution when *checkpoint_req is non-zero (the search sets
	 * it back to 0; a signal handler or timer may set it), every checkpoint_every executions
	 * of the search (0: never by count), and when the search returns before its end - a stop
	 * request or max_executions - with no failure found. It is not called when the search
	 * ends complete (exhausted) or with a failure: nothing would be left to go on with, and
	 * after a failure (stop_on_violation off) no state is written any more. It returns 0, or
	 * a negative errno, which stops the search (r->message names the error, return -EIO).
	 * Context: on the thread that called pcsim_explore(), outside any execution.
	 */
	int (*checkpoint)(const char *text, size_t len, void *arg);
	void *checkpoint_arg;
	volatile sig_atomic_t *checkpoint_req;
	uint64_t checkpoint_every;
	/*
	 * A checkpoint's text (NUL-terminated) to go on from, or NULL. It must have been written
	 * by this version for the same program, configuration, strategy, seed, bound or depth,
	 * slice and digest setting (dpor: and the same PCSIM_DPOR_* environment switches);
	 * max_executions may differ (it counts the executions before
	 * the checkpoint too, so a larger budget extends a search). A checkpoint that does not
	 * fit or does not parse: -EINVAL, r->message "checkpoint:LINE:COL: why".
	 */
	const char *resume;
};

/* PCT learns its expected number of decisions from this many first executions. */
#define PCSIM_PCT_LEARN 1024u

enum pcsim_outcome {
	PCSIM_OUTCOME_OK = 0,
	PCSIM_OUTCOME_VIOLATION,	/* an invariant or check failed */
	PCSIM_OUTCOME_DEADLOCK,		/* nothing can run, something waits */
	PCSIM_OUTCOME_LIVELOCK,		/* step budget exhausted */
	PCSIM_OUTCOME_DIVERGED,		/* replay: the schedule does not fit the program */
	PCSIM_OUTCOME_INTERNAL,		/* the execution could not go on: out of memory (what
					 * "out-of-memory"), more than PCSIM_MAX_TASKS tasks
					 * ("too-many-tasks"), a bug in pcsim */
};

/** struct pcsim_report - what pcsim_explore() found. Free with pcsim_report_free(). */
struct pcsim_report {
	enum pcsim_outcome outcome;	/* of the first failing execution, else OK */
	uint64_t executions;		/* executions run */
	uint64_t steps;			/* steps over all executions */
	uint64_t failing_execution;	/* 1-based index of the first failure, 0 if none */
	bool exhausted;			/* DFS: the bounded space was explored completely */
	bool confirmed;			/* the failure replayed with the same outcome and trace */
	char what[64];			/* "deadlock", "livelock", "P1", "lockdep-abba", ... */
	uint64_t step;			/* step of the failure */
	uint64_t trace_hash;		/* trace hash of the failing execution, or of the last one */
	char *message;			/* human-readable detail (malloc'd), or NULL */
	char *schedule;			/* schedule file text of the failure (malloc'd), or NULL */
	char *trace;			/* narrative trace of the failure (malloc'd), or NULL */
	char *replay_cmd;		/* replay_hint expanded (malloc'd), or NULL */
	/* Final states (<pcsim/outcome.h>): what finish() recorded with pcsim_outcome_record(),
	 * each distinct state once with its count, sorted by text (malloc'd, or NULL). An
	 * exploration that ran out of memory for them says so in message and stops. */
	struct pcsim_outcome_state *states;
	size_t nstates;
	uint64_t unrecorded;		/* executions that recorded no final state */

	/* The failing execution as found and as reported (they differ when it was shrunk):
	 * choices (decisions, the lines of its schedule), steps, preemptions. */
	uint64_t found_choices, found_steps, found_preemptions;
	uint64_t fail_choices, fail_steps, fail_preemptions;
	bool shrunk;			/* the reported failure is a shrunk one */
	bool shrink_cut;		/* shrinking stopped at its budget or time limit */
	uint64_t shrink_replays;	/* replays the shrinking took */
	/* The failure's place in the single run's order: its execution index (random, PCT) or
	 * its DFS subtree's index; UINT64_MAX if none. The smallest over a campaign's slices is
	 * the failure the single run finds first. */
	uint64_t failing_order;
	/* o->digest: the sum (mod 2^64) of a hash of each execution's choices - the union of
	 * slices has the digest of the single run. */
	uint64_t digest;
	/* Executions that did not end OK (more than one only without stop_on_violation). */
	uint64_t failures;
	/* DFS and DPOR: the estimated fraction of the bounded space explored when the search
	 * stopped (struct pcsim_progress.explored; 1 when exhausted); negative for the other
	 * strategies. For a run stopped by o->stop, a budget or a failure: how far it got. */
	double explored;
	/* DFS: of the executions this call ran (a search resumed from a checkpoint counts its
	 * own), those started from a copy of the state before the decision they change instead
	 * of replaying their prefix (docs/explore.md, "Prefixes are restored"); 0 for a program
	 * that did not call pcsim_state_in_world(), with PCSIM_DFS_RESTORE=0 and in TSan builds. */
	uint64_t restored;
};

/* Input bounds: a schedule file's text (pcsim_explore() replay, pcsim_schedule_info()) and a
 * configuration line (pcsim_config_parse()) longer than these are rejected with -EINVAL. */
#define PCSIM_SCHEDULE_MAX (64u * 1024u * 1024u)
#define PCSIM_CONFIG_LINE_MAX 4096u

/** pcsim_explore_opts_init - defaults as listed in struct pcsim_explore_opts. */
PCSIM_API void pcsim_explore_opts_init(struct pcsim_explore_opts *o);

/**
 * pcsim_explore - run @prog repeatedly under @o's strategy with configuration @cfg.
 * Context: an ordinary thread, not inside a world. Not reentrant per thread.
 * It validates its arguments before running anything: @cfg with pcsim_config_validate(), the
 * strategy (one of enum pcsim_strategy), the program (a setup function, a one-line name), a
 * replay's schedule (at most PCSIM_SCHEDULE_MAX bytes, recorded on the sim backend for this
 * program and configuration; replay itself needs the sim backend). It never aborts or exits
 * the host for bad input or exhausted memory: what an execution cannot go on with (memory,
 * more than PCSIM_MAX_TASKS tasks) is its outcome PCSIM_OUTCOME_INTERNAL with a message.
 * Slices (o->slice_count > 1) need o->slice_index below it and a strategy other than replay.
 * With o->shrink, a confirmed failure is shrunk (docs/shrinking.md) before it is reported.
 * Return: 0 if no failure was found, 1 if one was (see @r), -EINVAL for bad options or a
 * schedule that cannot be parsed, -EBUSY when called from inside a running world (a task,
 * handler, setup or finish), -ENOMEM; r->message says why for every negative value (unless
 * @r is NULL, which is -EINVAL). docs/robustness.md lists the promises.
 */
PCSIM_API int pcsim_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg,
			    const struct pcsim_explore_opts *o, struct pcsim_report *r);

/**
 * struct pcsim_estimate - what pcsim_estimate() measured: Knuth's estimate of the size of the
 * bounded DFS tree (D. E. Knuth, "Estimating the efficiency of backtrack programs", Math.
 * Comp. 29, 1975). Each probe runs one execution from the root choosing at random among the
 * options DFS would try at each decision under the bound (src/explore/dfs.c's cost rules),
 * weighted by the preemptions each leaves and by what earlier probes saw below it; its
 * estimate is the product of 1 / the probability of each pick along its path, an unbiased
 * estimate of the number of DFS executions (docs/explore.md, "Estimating a search": on deep
 * bounded trees the distribution is heavy-tailed, and a few thousand probes tend to fall
 * short, with too narrow an interval). The fields up to @failures depend only on the program,
 * configuration, bound, seed and number of probes; the time fields after it are measured.
 */
struct pcsim_estimate {
	uint64_t probes;		/* probes run (fewer than asked when o->stop stopped them) */
	double executions;		/* the estimated number of DFS executions: the mean */
	double ci_low, ci_high;		/* 95 % confidence interval: mean -/+ 1.96 standard
					 * errors from the sample variance (low at least 1) */
	double std_error;		/* of the mean */
	double steps_per_execution;	/* estimated mean steps of a DFS execution (the
					 * probes' steps weighted by their estimates) */
	double decisions;		/* mean decisions of a probe */
	uint64_t max_decisions;		/* the most decisions one probe took */
	uint64_t steps;			/* steps over all probes */
	uint64_t failures;		/* probes that did not end OK (DFS leaves all the same) */
	/* Time fields (not deterministic): CPU time of the probes on this thread, their rate,
	 * and the time DFS would take on this machine at DFS's own rate (executions * steps per
	 * execution / dfs_steps_per_second), with the interval's ends likewise. */
	double cpu_seconds;
	double steps_per_second;
	double projected_seconds, projected_low, projected_high;
	/* DFS's rate, from timing its first min(probes, 20000) executions after the probes (a
	 * DFS execution replays most of its steps, faster than a probe runs them); the probes'
	 * rate when they were stopped. */
	double dfs_steps_per_second;
};

/**
 * pcsim_estimate - estimate, with @probes random probes, how many executions an exhaustive
 * `--strategy dfs` search of @prog under @cfg at o->preemption_bound runs, and how long it
 * would take (struct pcsim_estimate).
 * Context: an ordinary thread, not inside a world. Not reentrant per thread.
 * @o: o->strategy must be PCSIM_STRATEGY_DFS or PCSIM_STRATEGY_DPOR (for DPOR the DFS count
 *	is an upper bound: DPOR explores a part of the same bounded tree); o->seed seeds the
 *	probes (probe i draws from the engine's stream of execution i), so the deterministic
 *	fields of @e are the same for the same inputs; o->stop stops between probes and
 *	o->progress / o->progress_ex are called every 2^10 probes (explored negative). Other
 *	fields are ignored. The backend must be sim.
 * Return: 0 with @e filled; -EINVAL for bad arguments (no program, @probes 0, another strategy,
 * the threads backend, a configuration pcsim_config_validate() refuses, DPOR with mem=weak
 * or timed mode), -EBUSY from inside a running world, -ENOMEM; @err (if not NULL) says why
 * for every negative value. A probe that ends in a violation or an internal error counts as
 * the DFS leaf it is (e->failures). After the probes, the first min(@probes, 20000) executions
 * of the DFS search itself are run to time DFS's rate (e->dfs_steps_per_second): @prog's
 * setup and finish run for them too.
 */
PCSIM_API int pcsim_estimate(const struct pcsim_program *prog, const struct pcsim_config *cfg,
			     const struct pcsim_explore_opts *o, uint64_t probes,
			     struct pcsim_estimate *e, char *err, size_t errlen);

/** pcsim_report_free - free the strings of @r and zero it. */
PCSIM_API void pcsim_report_free(struct pcsim_report *r);

/** pcsim_outcome_name - "ok", "violation", "deadlock", "livelock", "diverged", "internal". */
PCSIM_API const char *pcsim_outcome_name(enum pcsim_outcome o);

/**
 * pcsim_decision_schedule - the schedule file text of the choices made so far in @d's execution
 * (docs/schedule-format.md), @d's own decision not included; its outcome line reads "ok -"
 * while the execution is still running. A strict replay of a partial schedule diverges where it
 * ends; `pcsim replay --lenient` (replay_lenient) goes on with the defaults.
 * Context: inside a choose callback. Return: malloc'd text, or NULL without memory.
 */
PCSIM_API char *pcsim_decision_schedule(const struct pcsim_decision *d);

/**
 * pcsim_decision_trace - the narrative of the trace events @from .. d->nevents - 1 of @d's
 * execution, one line per event as in report->trace, without the header line (empty when
 * tracing is off). Context: inside a choose callback. Return: malloc'd text, or NULL.
 */
PCSIM_API char *pcsim_decision_trace(const struct pcsim_decision *d, size_t from);

/** pcsim_strategy_parse - "random", "pct", "dfs", "replay", "callback", "dpor" -> 0 and *out,
 * else -EINVAL. */
PCSIM_API int pcsim_strategy_parse(const char *s, enum pcsim_strategy *out);
/* pcsim_strategy_name - the names above, "callback" for PCSIM_STRATEGY_CALLBACK, else "?". */
PCSIM_API const char *pcsim_strategy_name(enum pcsim_strategy s);

/**
 * pcsim_config_format - the configuration as one line of `key=value` words, as written in
 * schedule files ("backend=sim cpus=2 mem=sc ..."): the RECORDED rows of the settings table
 * in their canonical form, TERSE rows only when not at their default. 1024 bytes always hold
 * it. Context: any.
 */
PCSIM_API void pcsim_config_format(const struct pcsim_config *cfg, char *buf, size_t len);

/**
 * pcsim_config_parse - apply `key=value` words (the format above; any subset, any order; the
 * last word for a key counts) to @cfg. The keys and their values are the rows of the settings
 * table (<pcsim/settings.h>, docs/settings.md): names (`mem=tso`, `checks=strict-p6`,
 * `bugs=b03,b16`), numbers within each row's range (decimal, or 0x), durations with units. A
 * line longer than PCSIM_CONFIG_LINE_MAX is rejected. Words are applied one by one: on an
 * error the words before it have been applied, the bad one has not. Return: 0, or -EINVAL
 * with "col N: ..." in @err (N the column of the unknown key or of the bad value).
 */
PCSIM_API int pcsim_config_parse(const char *line, struct pcsim_config *cfg, char *err,
				 size_t errlen);

/**
 * pcsim_schedule_info - read a schedule file's header: the program name (copied into
 * @program) and its configuration (applied to @cfg, which should be pcsim_config_init()ed).
 * The whole file is checked (docs/schedule-format.md): choice targets out of range (a task id
 * above PCSIM_MAX_TASKS, a CPU at or above PCSIM_MAX_CPUS) and bad config words are errors
 * at their line and column. A text longer than PCSIM_SCHEDULE_MAX bytes is rejected unread.
 * Return: 0, or -EINVAL with "schedule:LINE:COL: ..." in @err (-ENOMEM: "schedule: out of
 * memory").
 */
PCSIM_API int pcsim_schedule_info(const char *schedule, char *program, size_t plen,
				  struct pcsim_config *cfg, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_EXPLORE_H */
