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
#include <pcsim/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pcsim_strategy {
	PCSIM_STRATEGY_RANDOM = 0,	/* uniform choice at every decision, seeded */
	PCSIM_STRATEGY_PCT,		/* Burckhardt et al. 2010, depth pct_depth */
	PCSIM_STRATEGY_DFS,		/* exhaustive, at most preemption_bound preemptions */
	PCSIM_STRATEGY_REPLAY,		/* follow a schedule file */
	PCSIM_STRATEGY_DPOR,		/* DFS with partial-order reduction (source-DPOR, sleep
					 * sets), at most preemption_bound preemptions; see
					 * docs/explore.md for what it guarantees */
};

/* A DPOR preemption bound at or above this is no bound: sleep sets are used (docs/explore.md). */
#define PCSIM_DPOR_UNBOUNDED 1000u

/** struct pcsim_explore_opts - initialise with pcsim_explore_opts_init(). */
struct pcsim_explore_opts {
	enum pcsim_strategy strategy;	/* default PCT */
	uint64_t seed;			/* default 1 */
	unsigned pct_depth;		/* default 3 */
	unsigned preemption_bound;	/* DFS and DPOR, default 2 */
	uint64_t max_executions;	/* budget; default 1000; 0 = unlimited (DFS: until done) */
	const char *schedule;		/* REPLAY: the schedule file's text */
	bool replay_lenient;		/* REPLAY: skip recorded choices that are not enabled */
	bool stop_on_violation;		/* default true */
	bool confirm;			/* replay a failure with tracing on to confirm it, default true */
	const char *replay_hint;	/* how a user replays: r->replay_cmd; "%s" becomes
					 * "<schedule file>" (the caller writes the file) */
	bool keep_trace;		/* no failure: r->trace and r->schedule of the last execution */
	/* Called every 2^16 executions and at the end, for progress lines. */
	void (*progress)(uint64_t executions, uint64_t steps, void *arg);
	void *progress_arg;
	/* If set: read before every execution; non-zero stops the search there (the execution
	 * under way finishes first), and the report covers what ran. A signal handler may set
	 * it. Default NULL. */
	const volatile sig_atomic_t *stop;
};

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
 * Return: 0 if no failure was found, 1 if one was (see @r), -EINVAL for bad options or a
 * schedule that cannot be parsed, -EBUSY when called from inside a running world (a task,
 * handler, setup or finish), -ENOMEM; r->message says why for every negative value (unless
 * @r is NULL, which is -EINVAL). docs/robustness.md lists the promises.
 */
PCSIM_API int pcsim_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg,
			    const struct pcsim_explore_opts *o, struct pcsim_report *r);

/** pcsim_report_free - free the strings of @r and zero it. */
PCSIM_API void pcsim_report_free(struct pcsim_report *r);

/** pcsim_outcome_name - "ok", "violation", "deadlock", "livelock", "diverged", "internal". */
PCSIM_API const char *pcsim_outcome_name(enum pcsim_outcome o);

/** pcsim_strategy_parse - "random", "pct", "dfs", "replay", "dpor" -> 0 and *out, else
 * -EINVAL. */
PCSIM_API int pcsim_strategy_parse(const char *s, enum pcsim_strategy *out);
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
