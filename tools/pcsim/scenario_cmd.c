// SPDX-License-Identifier: MIT
/*
 * scenario_cmd.c - `pcsim run|explore|replay` on scenario files (docs/scenarios.md, "Command
 * line"): `explore FILE.pcs` and `explore DIR/` (every *.pcs below it, sorted, each judged
 * against its own expectation, a summary line at the end), `run FILE.pcs` (one execution, its
 * trace), and the program a `replay FILE.pcs SCHEDULE` runs. main.c calls in here where it
 * resolves a program name; the options it parsed come in as a configuration and exploration
 * options.
 *
 * Settings: a scenario's `config` and `explore` statements are its defaults; what the command
 * line changed from pcsim's own defaults wins over them (re-injected bugs add up).
 * Kernel profiles: a scenario's verdicts say which profiles they hold for (`expect find P2 on
 * kernel 5.9,5.10`); a run is judged by the verdict of the profile it ran under (its `config
 * kernel=`, or --kernel). `--kernel all` (or --all-kernels) runs each scenario once under every
 * profile, oldest first, each judged by its own verdict; a profile no verdict covers is run and
 * reported "not judged". `--coverage` prints, after the scenarios, how often each exit of each
 * wait function was taken (pcsim_cover, <pcsim/cover.h>) and which were never reached.
 *
 * Exit status: 0 every scenario met its expectation, 1 one missed it, 2 bad usage or a scenario
 * that does not parse (file:line:col: message), 3 an internal error.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcsim/pcsim.h>
#include <pcsim/scenario.h>
#include <pcsim/settings.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "cli.h"

#define EXIT_OK 0
#define EXIT_VIOLATION 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

#define DIR_DEPTH_MAX 8
#define DIR_FILES_MAX 10000

bool pcsim_cli_is_scenario(const char *arg)
{
	size_t n = strlen(arg);
	struct stat st;
	if (n > 4 && strcmp(arg + n - 4, ".pcs") == 0)
		return true;
	return stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- the program replay runs ------------------------------------------------------------- */

static struct pcsim_scenario *replay_scn;
static struct pcsim_builtin replay_builtin;

static void free_replay(void)
{
	pcsim_scenario_free(replay_scn);
	replay_scn = NULL;
}

const struct pcsim_builtin *pcsim_cli_scenario_program(const char *path)
{
	char err[1024];
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: replay takes one scenario file, not a directory\n",
			pcsim_cmdline_prog, path);
		return NULL;
	}
	free_replay();
	if (pcsim_scenario_load_file(path, &replay_scn, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", pcsim_cmdline_prog, err);
		return NULL;
	}
	atexit(free_replay);
	replay_builtin.prog = *pcsim_scenario_program(replay_scn);
	replay_builtin.summary = pcsim_scenario_name(replay_scn);
	replay_builtin.mem = PCSIM_MEM_SC;
	replay_builtin.wait_table_bits = -1;
	return &replay_builtin;
}

/* ---- settings: the scenario's, then what the command line changed ------------------------ */

/*
 * The scenario's configuration, then the command line's settings over it, in the order given
 * (main.c's apply_settings(): the settings table's rows and --bug, which adds to the scenario's
 * bugs).
 */
static int merge_config(const struct pcsim_scenario *s,
			int (*apply_cli)(struct pcsim_config *, void *, char *, size_t),
			void *cli_arg, struct pcsim_config *out, char *err, size_t errlen)
{
	pcsim_config_init(out);
	int rc = pcsim_scenario_apply_config(s, out, err, errlen);
	if (rc < 0)
		return rc;
	return apply_cli(out, cli_arg, err, errlen);
}

static void merge_explore(const struct pcsim_scenario *s, const struct pcsim_explore_opts *cli,
			  bool single, struct pcsim_explore_opts *out)
{
	struct pcsim_explore_opts def, scn;
	pcsim_explore_opts_init(&def);
	def.max_executions = single ? 1 : 10000;	/* main.c's defaults */
	scn = def;
	pcsim_scenario_apply_explore(s, &scn);
	*out = *cli;
	if (cli->strategy == def.strategy)
		out->strategy = scn.strategy;
	if (cli->seed == def.seed)
		out->seed = scn.seed;
	if (cli->max_executions == def.max_executions && !single)
		out->max_executions = scn.max_executions;
	if (cli->pct_depth == def.pct_depth)
		out->pct_depth = scn.pct_depth;
	if (cli->preemption_bound == def.preemption_bound)
		out->preemption_bound = scn.preemption_bound;
}

int pcsim_cli_scenario_setup(const char *path,
			     int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err,
					      size_t errlen),
			     void *cli_arg, const struct pcsim_explore_opts *cli_ex,
			     const struct pcsim_program **prog, struct pcsim_config *cfg,
			     struct pcsim_explore_opts *ex)
{
	char err[1024];
	if (!pcsim_cli_scenario_program(path))	/* loads it into replay_scn, kept until exit */
		return EXIT_USAGE;
	if (merge_config(replay_scn, apply_cli, cli_arg, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: config: %s\n", pcsim_cmdline_prog, path, err);
		return EXIT_USAGE;
	}
	merge_explore(replay_scn, cli_ex, false, ex);
	*prog = pcsim_scenario_program(replay_scn);
	return 0;
}

/* ---- SIGINT/SIGTERM: finish the execution under way, then stop --------------------------- */

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	stop_flag = sig;
}

static void catch_stop(struct pcsim_explore_opts *ex)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ex->stop = &stop_flag;
}

/* ---- one scenario ------------------------------------------------------------------------ */

struct run_args {
	bool single, dir, json, all_kernels;
	int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err, size_t errlen);
	void *cli_arg;
	const struct pcsim_explore_opts *ex;
	const char *trace_file, *out_dir;
	unsigned jobs;		/* --jobs N: forked workers per exploration (campaign.c) */
	const char *junit;	/* --junit FILE, or NULL */
	bool ktap;		/* --ktap: KTAP instead of the text report */
	const char *checkpoint;	/* --checkpoint FILE, or NULL */
	uint64_t checkpoint_every;
};

/* --junit/--ktap: one test case per scenario run, kept until the end (campaign.c prints them) */
static struct {
	struct pcsim_cli_case *v;
	size_t n, cap;
} cases;

static void keep_case(const char *label, struct pcsim_report *r, const char *sched_path,
		      double seconds, int judged, const char *why)
{
	if (cases.n == cases.cap) {
		size_t ncap = cases.cap ? cases.cap * 2 : 16;
		struct pcsim_cli_case *nv = realloc(cases.v, ncap * sizeof(*nv));
		if (!nv)
			goto oom;
		cases.v = nv;
		cases.cap = ncap;
	}
	struct pcsim_report *kept = malloc(sizeof(*kept));
	char *name = strdup(label), *sp = sched_path ? strdup(sched_path) : NULL;
	char *w = why ? strdup(why) : NULL;
	if (!kept || !name || (sched_path && !sp) || (why && !w)) {
		free(kept);
		free(name);
		free(sp);
		free(w);
		goto oom;
	}
	*kept = *r;	/* the report is the case's now: the caller does not free it */
	memset(r, 0, sizeof(*r));
	cases.v[cases.n++] = (struct pcsim_cli_case){ name, kept, sp, seconds, judged, w };
	return;
oom:
	fprintf(stderr, "%s: out of memory: %s is left out of --junit/--ktap\n",
		pcsim_cmdline_prog, label);
}

static void free_cases(void)
{
	for (size_t i = 0; i < cases.n; i++) {
		pcsim_report_free((struct pcsim_report *)cases.v[i].r);
		free((void *)cases.v[i].r);
		free((void *)cases.v[i].name);
		free((void *)cases.v[i].schedule_path);
		free((void *)cases.v[i].why);
	}
	free(cases.v);
	cases.v = NULL;
	cases.n = cases.cap = 0;
}

struct tally {
	unsigned n, met, missed, bad, internal;
	unsigned runs, unjudged;	/* explorations (one per profile), those not judged */
	unsigned shard_failed;		/* --shard: runs that found a failure (merge judges) */
};

/* ---- options main.c leaves to this file: --kernel all, --all-kernels, --coverage ------------ */

static struct {
	bool all_kernels, coverage;
} xopt;

/* Kernel profiles, oldest first (the order `--kernel all` runs them in). */
static const int kernel_order[] = { PCSIM_KERNEL_5_8, PCSIM_KERNEL_5_9, PCSIM_KERNEL_5_10,
				    PCSIM_KERNEL_6_18 };

static const char *kernel_name(int k)
{
	const struct pcsim_setting *ks = pcsim_setting_find("kernel", 6);
	for (unsigned i = 0; ks && i < ks->nnames; i++)
		if (ks->names[i].value == k)
			return ks->names[i].name;
	return "?";
}

int pcsim_cli_scenario_judge_merged(const char *path, const char *kernel, const char *outcome,
				    const char *what, char *why, size_t len)
{
	int k = -1;
	const struct pcsim_setting *ks = pcsim_setting_find("kernel", 6);
	for (unsigned i = 0; ks && i < ks->nnames; i++)
		if (strcmp(ks->names[i].name, kernel) == 0)
			k = ks->names[i].value;
	if (k < 0) {
		snprintf(why, len, "kernel profile '%s' is not one of pcsim's", kernel);
		return -2;
	}
	struct pcsim_report r;
	memset(&r, 0, sizeof(r));
	r.outcome = PCSIM_OUTCOME_INTERNAL + 1;
	for (int o = PCSIM_OUTCOME_OK; o <= PCSIM_OUTCOME_INTERNAL; o++)
		if (strcmp(pcsim_outcome_name((enum pcsim_outcome)o), outcome) == 0)
			r.outcome = (enum pcsim_outcome)o;
	if (r.outcome > PCSIM_OUTCOME_INTERNAL) {
		snprintf(why, len, "outcome '%s' is not one of pcsim's", outcome);
		return -2;
	}
	snprintf(r.what, sizeof(r.what), "%s", what);
	struct pcsim_scenario *s = NULL;
	char err[1024];
	if (pcsim_scenario_load_file(path, &s, err, sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
		return -2;
	}
	int judged = pcsim_scenario_judge_on(s, k, &r, why, len);
	pcsim_scenario_free(s);
	return judged;
}

int pcsim_cli_scenario_take_opts(int *argc, char **argv)
{
	int o = 0;
	memset(&xopt, 0, sizeof(xopt));
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--all-kernels") == 0) {
			xopt.all_kernels = true;
		} else if (strcmp(argv[i], "--kernel") == 0 && i + 1 < *argc &&
			   strcmp(argv[i + 1], "all") == 0) {
			xopt.all_kernels = true;
			i++;
		} else if (strcmp(argv[i], "--coverage") == 0) {
			xopt.coverage = true;
		} else {
			argv[o++] = argv[i];
		}
	}
	*argc = o;
	for (int i = 0; i < o; i++) {
		if (xopt.all_kernels && pcsim_builtin_find(argv[i]))
			return pcsim_cmdline_usage_error(
				"--kernel all: for scenario files, whose expectations name the "
				"profiles they hold for; explore a built-in program under one "
				"profile (--kernel 5.9)");
		if (xopt.coverage && strcmp(argv[i], "--jobs") == 0)
			return pcsim_cmdline_usage_error(
				"--coverage: not with --jobs (the workers' counts stay in their "
				"processes)");
	}
	if (xopt.coverage) {
		pcsim_cover_reset();
		pcsim_cover_enable(true);
	}
	return 0;
}

void pcsim_cli_coverage_print(bool json)
{
	if (!xopt.coverage)
		return;
	if (json)
		pcsim_cover_print_json(stdout);
	else
		pcsim_cover_print(stdout);
	fflush(stdout);
}

/* One exploration of the loaded scenario @s under the configuration @cfg0, kernel @kernel. */
static void one_profile(const char *path, struct pcsim_scenario *s, const struct run_args *a,
			const struct pcsim_config *cfg0, int kernel, struct tally *t)
{
	char why[256];
	struct pcsim_config cfg = *cfg0;
	struct pcsim_explore_opts ex;
	cfg.kernel = (enum pcsim_kernel)kernel;
	t->runs++;
	merge_explore(s, a->ex, a->single, &ex);
	if (a->single)
		ex.keep_trace = true;
	/* --shard: one slice of the campaign, judged when `pcsim merge` has them all */
	bool shard = ex.slice_count > 1;
	if (shard)
		ex.digest = true;
	char hint[4096];
	snprintf(hint, sizeof(hint), "%s replay %s %%s", pcsim_cmdline_prog, path);
	ex.replay_hint = hint;
	catch_stop(&ex);
	/* the run's label: the path, and the profile when every profile runs */
	char label[4200];
	if (a->all_kernels)
		snprintf(label, sizeof(label), "%s [kernel %s]", path, kernel_name(kernel));
	else
		snprintf(label, sizeof(label), "%s", path);
	struct pcsim_report r, *others = NULL;
	unsigned nothers = 0;
	double t0 = pcsim_cli_now();
	/* the progress line on a terminal, as for a program */
	bool tty = !a->json && !a->ktap && !a->single && isatty(2);
	struct pcsim_cli_progress pr = { t0, t0, 0, 0, 0 };
	if (tty) {
		ex.progress_ex = pcsim_cli_progress_cb;
		ex.progress_arg = &pr;
		(void)pcsim_cli_progress_interval();	/* a bad value is named now, not later */
	}
	char *resume_text = NULL;
	if (pcsim_cli_checkpoint_setup(a->checkpoint, a->checkpoint_every, &ex, &pr,
				       &resume_text)) {
		t->bad++;
		return;
	}
	int rc = a->jobs > 1 ? pcsim_cli_jobs(pcsim_scenario_program(s), &cfg, &ex, a->jobs, tty,
					      &r, &others, &nothers)
			     : pcsim_explore(pcsim_scenario_program(s), &cfg, &ex, &r);
	bool resumed = resume_text != NULL;
	free(resume_text);
	if (tty)
		fprintf(stderr, "\r%100s\r", "");
	if (rc < 0 && r.message && strncmp(r.message, "checkpoint:", 11) == 0 && a->checkpoint) {
		fprintf(stderr, "%s: %s:%s\n", pcsim_cmdline_prog, a->checkpoint, r.message + 11);
		pcsim_report_free(&r);
		t->bad++;
		return;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s: %s\n", pcsim_cmdline_prog, label,
			r.message ? r.message : strerror(-rc));
		pcsim_report_free(&r);
		if (rc == -EINVAL)
			t->bad++;
		else
			t->internal++;
		return;
	}
	pcsim_cli_checkpoint_finish(a->checkpoint, &r, resumed,
				    stop_flag && !r.exhausted &&
					    (!ex.max_executions || r.executions < ex.max_executions));
	/* the finding first: its schedule */
	char sched[4096];
	const char *sched_path = NULL;
	if (r.outcome != PCSIM_OUTCOME_OK && r.schedule) {
		char base[256];
		snprintf(base, sizeof(base), "%s", pcsim_scenario_name(s));
		size_t bl = strlen(base);
		if (bl > 4 && strcmp(base + bl - 4, ".pcs") == 0)
			base[bl - 4] = 0;
		if (a->all_kernels)
			snprintf(sched, sizeof(sched), "%s/%s-k%s-%" PRIu64 ".schedule", a->out_dir,
				 base, kernel_name(kernel), ex.seed);
		else if (shard)
			snprintf(sched, sizeof(sched), "%s/%s-%" PRIu64 ".shard-%u-of-%u.schedule",
				 a->out_dir, base, ex.seed, ex.slice_index, ex.slice_count);
		else
			snprintf(sched, sizeof(sched), "%s/%s-%" PRIu64 ".schedule", a->out_dir,
				 base, ex.seed);
		if (pcsim_cmdline_write_file(sched, r.schedule) == 0)
			sched_path = sched;
	}
	pcsim_cli_keep_others(sched_path, others, nothers, a->json || a->ktap);
	int judged = pcsim_scenario_judge_on(s, kernel, &r, why, sizeof(why));
	bool met = judged == 1;
	const char *verdict = met ? "met" : "MISSED";
	char shard_verdict[96];
	if (a->single) {
		/* run: the outcome is the status, as for a built-in program */
		met = r.outcome == PCSIM_OUTCOME_OK;
		verdict = "run";
	} else if (shard) {
		snprintf(shard_verdict, sizeof(shard_verdict), "shard %u/%u, judged by pcsim merge",
			 ex.slice_index, ex.slice_count);
		verdict = shard_verdict;
		met = false;
		judged = -1;
	} else if (judged < 0) {
		verdict = "not judged";
	}
	if (r.outcome == PCSIM_OUTCOME_INTERNAL)
		t->internal++;
	else if (shard)
		t->shard_failed += r.outcome != PCSIM_OUTCOME_OK;
	else if (judged < 0 && !a->single)
		t->unjudged++;
	else if (met)
		t->met++;
	else
		t->missed++;
	if (a->json) {
		const char *e = pcsim_scenario_expectation_on(s, kernel);
		printf("{\"scenario\":");
		pcsim_cmdline_json_str(stdout, path);
		printf(",\"kernel\":\"%s\",\"expect\":", kernel_name(kernel));
		pcsim_cmdline_json_str(stdout, e ? e : "none");
		printf(",\"judged\":%s,\"met\":%s,\"strategy\":\"%s\",\"seed\":%" PRIu64
		       ",\"outcome\":\"%s\",\"what\":",
		       judged >= 0 ? "true" : "false", met ? "true" : "false",
		       pcsim_strategy_name(ex.strategy), ex.seed, pcsim_outcome_name(r.outcome));
		pcsim_cmdline_json_str(stdout, r.what);
		printf(",\"executions\":%" PRIu64 ",\"failing_execution\":%" PRIu64
		       ",\"steps\":%" PRIu64 ",\"message\":",
		       r.executions, r.failing_execution, r.steps);
		pcsim_cmdline_json_str(stdout, r.message);
		printf(",\"schedule_file\":");
		pcsim_cmdline_json_str(stdout, sched_path);
		if (shard) {
			/* what `pcsim merge` reads: the campaign (program: the scenario file) */
			printf(",\"program\":");
			pcsim_cmdline_json_str(stdout, path);
			printf(",\"slice\":\"%u/%u\",\"digest\":\"%016" PRIx64 "\",\"exhausted\":%s"
			       ",\"interrupted\":%s",
			       ex.slice_index, ex.slice_count, r.digest,
			       r.exhausted ? "true" : "false", stop_flag ? "true" : "false");
			pcsim_cli_print_search(stdout, &cfg, &ex);
			if (r.outcome != PCSIM_OUTCOME_OK)
				printf(",\"failing_order\":%" PRIu64, r.failing_order);
		}
		printf("}\n");
	} else if (!a->ktap) {
		if (a->single && r.trace)
			printf("%s\n", r.trace);
		if (r.outcome == PCSIM_OUTCOME_OK && cfg.backend == PCSIM_BACKEND_THREADS)
			printf("%s: %s: %s - no violation in %" PRIu64 " execution(s) on real "
			       "threads\n",
			       label, why, verdict, r.executions);
		else if (r.outcome == PCSIM_OUTCOME_OK)
			printf("%s: %s: %s - no violation in %" PRIu64 " execution(s), %" PRIu64
			       " steps%s\n",
			       label, why, verdict, r.executions, r.steps,
			       r.exhausted ? " (the bounded space was explored completely)" : "");
		else
			printf("%s: %s: %s - %s (%s) in execution %" PRIu64 " of %" PRIu64
			       ", at step %" PRIu64 "\n",
			       label, why, verdict, pcsim_outcome_name(r.outcome), r.what,
			       r.failing_execution, r.executions, r.step);
		if (r.outcome != PCSIM_OUTCOME_OK && r.message && (!a->dir || !met))
			printf("  %s\n", r.message);
		if (!a->dir && !a->single && !a->all_kernels && r.trace &&
		    r.outcome != PCSIM_OUTCOME_OK)
			printf("\n%s\n", r.trace);
		if (sched_path)
			printf("  schedule: %s\n  replay:   %s replay %s %s\n", sched_path,
			       pcsim_cmdline_prog, path, sched_path);
	}
	if (a->trace_file && r.trace && pcsim_cmdline_write_file(a->trace_file, r.trace) < 0)
		fprintf(stderr, "%s: warning: the trace was not written; the report above stands\n",
			pcsim_cmdline_prog);
	fflush(stdout);
	if (a->ktap || a->junit)
		keep_case(label, &r, sched_path, pcsim_cli_now() - t0,
			  a->single || judged < 0 ? -1 : judged, a->single ? NULL : why);
	pcsim_report_free(&r);
}

static void one(const char *path, const struct run_args *a, struct tally *t)
{
	struct pcsim_scenario *s = NULL;
	char err[1024];
	t->n++;
	if (pcsim_scenario_load_file(path, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", pcsim_cmdline_prog, err);
		if (a->json) {
			printf("{\"scenario\":");
			pcsim_cmdline_json_str(stdout, path);
			printf(",\"error\":");
			pcsim_cmdline_json_str(stdout, err);
			printf("}\n");
		}
		t->bad++;
		return;
	}
	struct pcsim_config cfg;
	if (merge_config(s, a->apply_cli, a->cli_arg, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s: config: %s\n", pcsim_cmdline_prog, path, err);
		t->bad++;
		pcsim_scenario_free(s);
		return;
	}
	if (!a->all_kernels) {
		one_profile(path, s, a, &cfg, (int)cfg.kernel, t);
	} else {
		size_t nk = sizeof(kernel_order) / sizeof(kernel_order[0]);
		for (size_t k = 0; k < nk && !stop_flag; k++)
			one_profile(path, s, a, &cfg, kernel_order[k], t);
	}
	pcsim_scenario_free(s);
}

/* ---- directories ------------------------------------------------------------------------- */

struct paths {
	char **v;
	size_t n, cap;
	bool overflow;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect(const char *dir, unsigned depth, struct paths *ps)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", pcsim_cmdline_prog, dir, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (!p)
			break;
		snprintf(p, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		struct stat st;
		size_t l = strlen(p);
		bool isdir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
		if (!(isdir && depth < DIR_DEPTH_MAX) && !(l > 4 && strcmp(p + l - 4, ".pcs") == 0 &&
							    !isdir)) {
			free(p);
			continue;
		}
		if (ps->n == ps->cap) {
			size_t nc = ps->cap ? ps->cap * 2 : 64;
			char **nv = nc <= DIR_FILES_MAX ? realloc(ps->v, nc * sizeof(*nv)) : NULL;
			if (!nv) {
				ps->overflow = true;
				free(p);
				break;
			}
			ps->v = nv;
			ps->cap = nc;
		}
		ps->v[ps->n++] = p;	/* a directory is walked after sorting (below) */
	}
	closedir(d);
}

/* Every *.pcs below @dir, sorted by path at each level, directories after files. */
static void walk(const char *dir, unsigned depth, const struct run_args *a, struct tally *t)
{
	struct paths ps = { 0 };
	collect(dir, depth, &ps);
	if (ps.overflow)
		fprintf(stderr, "%s: %s: more than %u entries; the rest are skipped\n",
			pcsim_cmdline_prog, dir, DIR_FILES_MAX);
	qsort(ps.v, ps.n, sizeof(*ps.v), cmp_str);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ps.n && !stop_flag; i++) {
			struct stat st;
			bool isdir = stat(ps.v[i], &st) == 0 && S_ISDIR(st.st_mode);
			if (pass == 0 && !isdir)
				one(ps.v[i], a, t);
			else if (pass == 1 && isdir)
				walk(ps.v[i], depth + 1, a, t);
		}
	for (size_t i = 0; i < ps.n; i++)
		free(ps.v[i]);
	free(ps.v);
}

int pcsim_cli_scenario_explore(bool single, const char *target,
			       int (*apply_cli)(struct pcsim_config *cfg, void *arg, char *err,
						size_t errlen),
			       void *cli_arg, const struct pcsim_explore_opts *ex,
			       const char *trace_file, const char *out_dir, bool json,
			       unsigned jobs, const char *junit, bool ktap, const char *checkpoint,
			       uint64_t checkpoint_every)
{
	struct stat st;
	bool dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	struct run_args a = { .single = single,
			      .dir = dir,
			      .json = json,
			      .all_kernels = xopt.all_kernels,
			      .apply_cli = apply_cli,
			      .cli_arg = cli_arg,
			      .ex = ex,
			      .trace_file = trace_file,
			      .out_dir = out_dir ? out_dir : ".",
			      .jobs = jobs,
			      .junit = junit,
			      .ktap = ktap,
			      .checkpoint = checkpoint,
			      .checkpoint_every = checkpoint_every };
	struct tally t = { 0 };
	if (dir && single)
		return pcsim_cmdline_usage_error("run takes one scenario file, not a directory "
						 "(explore runs a directory)");
	if (dir && trace_file)
		return pcsim_cmdline_usage_error("--trace: one scenario file only, not a directory");
	if (ex->slice_count > 1 && (dir || a.all_kernels))
		return pcsim_cmdline_usage_error(
			"--shard: one scenario file under one kernel profile (a campaign is one "
			"exploration: shard each file, or each profile, on its own)");
	if (checkpoint && (dir || a.all_kernels))
		return pcsim_cmdline_usage_error(
			"--checkpoint: one scenario file under one kernel profile (a checkpoint "
			"holds one search; a directory or --kernel all runs several)");
	if (a.all_kernels && (single || trace_file))
		return pcsim_cmdline_usage_error("--kernel all: for explore, without --trace (run "
						 "and --trace take one profile: --kernel 5.9)");
	if (stat(a.out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return pcsim_cmdline_usage_error("--out %s: not a directory", a.out_dir);
	if (dir)
		walk(target, 0, &a, &t);
	else
		one(target, &a, &t);
	bool results_lost = false;
	if (ktap)
		pcsim_cli_print_ktap(stdout, cases.v, (unsigned)cases.n);
	if (junit && pcsim_cli_write_junit(junit, "scenarios", cases.v, (unsigned)cases.n) < 0) {
		fprintf(stderr, "%s: warning: --junit %s was not written; the report stands\n",
			pcsim_cmdline_prog, junit);
		results_lost = true;
	}
	free_cases();
	if ((dir || a.all_kernels) && !ktap) {
		char runs[128] = "", unj[96] = "";
		if (a.all_kernels)
			snprintf(runs, sizeof(runs), " under %zu kernel profiles (%u runs)",
				 sizeof(kernel_order) / sizeof(kernel_order[0]), t.runs);
		if (t.unjudged)
			snprintf(unj, sizeof(unj),
				 ", %u not judged (no expectation for the profile)", t.unjudged);
		if (json)
			printf("{\"summary\":{\"scenarios\":%u,\"runs\":%u,\"met\":%u,"
			       "\"missed\":%u,\"not_judged\":%u,\"bad\":%u,\"internal\":%u,"
			       "\"all_kernels\":%s,"
			       "\"interrupted\":%s}}\n",
			       t.n, t.runs, t.met, t.missed, t.unjudged, t.bad, t.internal,
			       a.all_kernels ? "true" : "false", stop_flag ? "true" : "false");
		else
			printf("%s: %u scenario(s)%s: %u met their expectation, %u missed%s, "
			       "%u could not be loaded, %u internal error(s)%s\n",
			       target, t.n, runs, t.met, t.missed, unj, t.bad, t.internal,
			       stop_flag ? " (interrupted)" : "");
	}
	pcsim_cli_coverage_print(json);
	if (t.n == 0) {
		fprintf(stderr, "%s: %s: no *.pcs scenario in it\n", pcsim_cmdline_prog, target);
		return EXIT_USAGE;
	}
	if (t.bad || results_lost)
		return EXIT_USAGE;
	if (t.internal)
		return EXIT_INTERNAL;
	return t.missed || t.shard_failed ? EXIT_VIOLATION : EXIT_OK;
}
