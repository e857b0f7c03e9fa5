/* SPDX-License-Identifier: MIT */
/*
 * cli.h - the subcommands of the pcsim command-line tool that live outside main.c. The helpers
 * they share with the benchmarks are in <pcsim_support/cmdline.h>.
 */
#ifndef PCSIM_TOOLS_CLI_H
#define PCSIM_TOOLS_CLI_H

/* `pcsim demo [--seed N]`. */
int pcsim_cli_demo(int argc, char **argv);

struct pcsim_program;
struct pcsim_report;
/* `--trace FILE`: the report's trace in the format FILE's extension asks for (.txt narrative,
 * .json Chrome trace, .svg timeline; trace_out.c). Returns 0, or -1 after a message. */
int pcsim_cli_write_trace(const char *path, const struct pcsim_program *prog,
			  const struct pcsim_report *r);
/*
 * Scenario files (scenario_cmd.c, docs/scenarios.md). pcsim_cli_is_scenario: @arg ends in .pcs
 * or is a directory. pcsim_cli_scenario_explore: `run`/`explore` of a scenario file or of every
 * *.pcs below a directory: each scenario's configuration, then @apply_cli(cfg, @cli_arg) puts
 * the command line's settings over it; options as the command line gave them; with @jobs > 1
 * each exploration runs over that many forked workers (pcsim_cli_jobs()); @junit (a path, or
 * NULL) and @ktap report one test case per scenario run, passing when it met its expectation
 * (pcsim_cli_write_junit(), pcsim_cli_print_ktap(): KTAP replaces the text report);
 * @checkpoint (a path, or NULL) keeps the search's state there (one scenario file under one
 * profile: pcsim_cli_checkpoint_setup() with @checkpoint_every); returns the exit status. pcsim_cli_scenario_program: load @path for `replay` (prints the error and
 * returns NULL if it does not parse).
 */
#include <stdbool.h>
#include <pcsim/pcsim.h>
struct pcsim_builtin;
bool pcsim_cli_is_scenario(const char *arg);
int pcsim_cli_scenario_explore(bool single, const char *target,
			       int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err,
						size_t errlen),
			       void *cli_arg, const struct pcsim_explore_opts *ex,
			       const char *trace_file, const char *out_dir, bool json,
			       unsigned jobs, const char *junit, bool ktap, const char *checkpoint,
			       uint64_t checkpoint_every);
/*
 * --checkpoint FILE (main.c; docs/campaigns.md, "Checkpoints"). pcsim_cli_checkpoint_setup:
 * with a @path, read it if it exists into *@text (the caller frees it after the search; NULL
 * when there is none yet) and set @ex's resume, @pr's counts to go on from (the progress
 * line), its callback (a temporary file renamed over @path) and, every @every seconds (0:
 * never), a SIGALRM timer that asks for one; returns 0, or an exit status after a message.
 * pcsim_cli_checkpoint_finish: after the search, stop the timer; remove the file of a search
 * that is complete (exhausted, or a failure found), else say on stderr where its state is
 * (@stopped: by a signal; else by its budget).
 */
struct pcsim_cli_progress;
int pcsim_cli_checkpoint_setup(const char *path, uint64_t every, struct pcsim_explore_opts *ex,
			       struct pcsim_cli_progress *pr, char **text);
void pcsim_cli_checkpoint_finish(const char *path, const struct pcsim_report *r, bool resumed,
				 bool stopped);
const struct pcsim_builtin *pcsim_cli_scenario_program(const char *path);
/*
 * pcsim_cli_scenario_setup: load the scenario file @path (kept until exit) and give its
 * program, its configuration with @apply_cli's settings over it, and its explore options with
 * those the command line changed from the defaults (@cli_ex) over them - what `explore FILE`
 * runs. Returns 0, or prints why and returns a usage error's exit status.
 */
int pcsim_cli_scenario_setup(const char *path,
			     int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err,
					      size_t errlen),
			     void *cli_arg, const struct pcsim_explore_opts *cli_ex,
			     const struct pcsim_program **prog, struct pcsim_config *cfg,
			     struct pcsim_explore_opts *ex);
/*
 * pcsim_cli_scenario_take_opts: take the explore options scenario_cmd.c handles out of
 * @argv (`--kernel all`, `--all-kernels`, `--coverage`) before the common parser sees them;
 * returns 0 or a usage error's exit status. pcsim_cli_coverage_print: with --coverage, the
 * coverage table (or its JSON object) of what ran since; nothing without it.
 */
int pcsim_cli_scenario_take_opts(int *argc, char **argv);
void pcsim_cli_coverage_print(bool json);
/*
 * pcsim_cli_scenario_judge_merged: judge a merged campaign of the scenario @path under the
 * kernel profile named @kernel, whose first failure in the single run's order has @outcome
 * (a pcsim_outcome_name(), "ok" for none) and @what - as `explore FILE` judges a single run.
 * Returns 1 met, 0 missed, -1 no expectation for the profile (@why: the verdict's sentence),
 * -2 the file cannot be loaded or the profile is unknown (@why: the error).
 */
int pcsim_cli_scenario_judge_merged(const char *path, const char *kernel, const char *outcome,
				    const char *what, char *why, size_t len);
/* `pcsim litmus FILE.litmus... [options]` (litmus_cmd.c, docs/litmus.md). */
int pcsim_cli_litmus(int argc, char **argv);


/*
 * Campaigns and machine-readable results (campaign.c, docs/campaigns.md).
 * pcsim_cli_parse_shard: "I/N" -> 0, else a usage error's exit status.
 * pcsim_cli_jobs: run @ex over @jobs forked workers (slices I + N*j of N*jobs when @ex has
 * slice I of N), merged into @r (sums; the failure first in the single run's order); the other
 * workers' failures in *@others (free each with pcsim_report_free, then the array). Returns
 * as pcsim_explore() does, -EIO when a worker died without a report (r->message says which).
 * pcsim_cli_merge: `pcsim merge [--json] RESULT.json...`, returns the exit status.
 * pcsim_cli_write_junit / pcsim_cli_print_ktap: one test case per program or scenario.
 */
#include <stdio.h>
int pcsim_cli_parse_shard(const char *v, unsigned *index, unsigned *count);
int pcsim_cli_jobs(const struct pcsim_program *prog, const struct pcsim_config *cfg,
		   const struct pcsim_explore_opts *ex, unsigned jobs, bool progress,
		   struct pcsim_report *r, struct pcsim_report **others, unsigned *nothers);
int pcsim_cli_merge(int argc, char **argv);
/* pcsim_cli_print_search: the `--json` member "search" of an explore result: what besides the
 * program, strategy and seed decides a search's executions (the budget; the preemption bound of
 * dfs and dpor, PCT's depth; the configuration line of a schedule file), so that `merge`
 * refuses shards of different searches. Writes `,"search":"..."` to @f. */
void pcsim_cli_print_search(FILE *f, const struct pcsim_config *cfg,
			    const struct pcsim_explore_opts *ex);
/* pcsim_cli_keep_others: --jobs: write the other workers' failing schedules beside @path
 * (PATH.schedule -> PATH.also-K.schedule; none without @path), say so on stderr unless
 * @quiet, and free @others (pcsim_cli_jobs()'s). */
void pcsim_cli_keep_others(const char *path, struct pcsim_report *others, unsigned n,
			   bool quiet);
/* pcsim_cli_progress_line: the line on stderr ("\r..."); @explored: the estimated fraction
 * of the bounded space explored (struct pcsim_progress), shown with an ETA, negative: none;
 * @rough: dpor's figure. pcsim_cli_duration: @s seconds as "42 s", "3.5 min", "2.1 h",
 * "4.0 days" or "1.2e+03 years" ("?" if not finite) in @buf. */
void pcsim_cli_progress_line(uint64_t executions, uint64_t steps, uint64_t violations,
			     double elapsed, double explored, bool rough);
const char *pcsim_cli_duration(double s, char *buf, size_t len);
/* pcsim_cli_now: the monotonic clock, in seconds. pcsim_cli_progress_cb: a progress_ex
 * callback (@arg a struct pcsim_cli_progress, its start and last set to pcsim_cli_now() before
 * the search, the rest zeroed) printing pcsim_cli_progress_line() at most every pcsim_cli_progress_interval()
 * seconds (four times a second by default); a single process
 * stops at its first violation, so the count is 0 until the report (--jobs counts them). */
struct pcsim_cli_progress {
	double start, last;
	/* a search resumed from a checkpoint (--checkpoint): its counts then, and the fraction
	 * explored (negative: the first report's), so that the rates and the ETA are of this
	 * process's part; zero otherwise */
	uint64_t base_execs, base_steps;
	double base_explored;
};
double pcsim_cli_now(void);
/* pcsim_cli_progress_interval: the progress line's least interval in seconds: 0.25, or
 * PCSIM_PROGRESS_INTERVAL (0 to 3600; read once; a bad value is named on stderr and ignored).
 * 0 prints a line at every report, whatever the machine's speed: the tests use it. */
double pcsim_cli_progress_interval(void);
void pcsim_cli_progress_cb(const struct pcsim_progress *p, void *arg);
struct pcsim_cli_case {
	const char *name;			/* the program or scenario */
	const struct pcsim_report *r;
	const char *schedule_path;		/* or NULL */
	double seconds;
	/* A scenario's verdict: 1 met its expectation, 0 missed it, -1 (a program, or a
	 * scenario with no expectation for the profile) passes by the outcome being ok; @why
	 * ("expected E, found F") for a scenario, else NULL. An internal error is an error
	 * whatever the verdict. */
	int judged;
	const char *why;
};
int pcsim_cli_write_junit(const char *path, const char *suite,
			  const struct pcsim_cli_case *cases, unsigned n);
void pcsim_cli_print_ktap(FILE *f, const struct pcsim_cli_case *cases, unsigned n);

/*
 * `pcsim step PROGRAM [SCHEDULE]` (step.c): the interactive stepper. @target is a built-in
 * program or a scenario file; @apply_cli puts the command line's settings over the program's own;
 * with @schedule (a file, or NULL) the configuration is the schedule's and its choices are taken
 * first. Commands from stdin. Returns the exit status.
 */
int pcsim_cli_step(const char *target, const char *schedule,
		   int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err, size_t errlen),
		   void *cli_arg);

#endif
