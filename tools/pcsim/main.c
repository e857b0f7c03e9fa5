// SPDX-License-Identifier: MIT
/*
 * pcsim - command-line front end.
 *
 * Exit status: 0 no violation, 1 violation found, 2 bad usage or input, 3 internal error
 * (including an error found by a sanitizer in a sanitizer build, and the sim backend's
 * watchdog giving up on an endless loop). Interrupted by SIGINT or SIGTERM, run/explore/replay
 * finish the execution under way, report, and exit with the status of what was found so far
 * (0 if nothing); a second signal kills at once.
 *
 * A finding is never lost: the report and the schedule file are written before anything else
 * that can fail (the --trace file comes last; if it cannot be written that is a warning).
 * PROGRAM names a built-in program (`pcsim programs` lists them), a scenario file FILE.pcs or,
 * for explore, a directory of them (tools/pcsim/scenario_cmd.c, docs/scenarios.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <pcsim/pcsim.h>

#if PCSIM_HAVE_BENCH
#include <pcsim_bench/bench.h>
#endif
#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "cli.h"
#include "pcsim_commit.h"	/* generated at build time (cmake/Commit.cmake) */

#define EXIT_OK 0
#define EXIT_VIOLATION 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

static const char *const prog_name = pcsim_cmdline_prog;

/*
 * Sanitizer builds: an error a sanitizer finds is an internal error (3), not "violation found"
 * (1, the sanitizers' default exit code; TSan's is 66). These hooks only supply defaults:
 * ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS in the environment still override them (and
 * abort_on_error=1 there makes an error a SIGABRT instead). Unused without sanitizers.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__tsan_default_options(void);
__attribute__((used, visibility("default"))) const char *__asan_default_options(void)
{
	return "exitcode=3";
}
__attribute__((used, visibility("default"))) const char *__ubsan_default_options(void)
{
	return "exitcode=3";
}
__attribute__((used, visibility("default"))) const char *__tsan_default_options(void)
{
	return "exitcode=3";
}

/* The largest schedule file read (a million-step execution needs about 10 MiB). */
#define SCHEDULE_MAX_BYTES (64u << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s <command> [options]\n"
		"\n"
		"commands:\n"
		"  demo                       find the lost wakeup of the micro-model and show it\n"
		"  programs                   list the built-in programs\n"
		"  bugs                       the re-injectable bug zoo\n"
		"  settings [--markdown]      every setting: option, values, default\n"
		"  run PROGRAM                one execution, print its trace\n"
		"  explore PROGRAM            search for a violation with a strategy\n"
		"  replay PROGRAM SCHEDULE    re-run a schedule file exactly\n"
		"  merge [--json] RESULT.json...\n"
		"                             combine the --json results of the shards of a campaign\n"
		"  step PROGRAM [SCHEDULE]    take the choices one at a time, commands from stdin\n"
		"                             (after SCHEDULE's, if given; docs/tutorial.md)\n"
		"                             PROGRAM: a built-in, a scenario FILE.pcs, or (explore)\n"
		"                             a DIR/ of scenarios (docs/scenarios.md)\n"
		"  litmus FILE.litmus...      run C litmus tests (herd7/LKMM format), 'litmus --help'\n"
		"  bench sched [--json]       scheduler throughput (steps/s, executions/s)\n"
		"  bench waitq|pagelock|pagecache|bdev|uring|seed|dpor|calibrate|explore\n"
		"                             the other figures of bench/README.md\n"
		"  version\n"
		"  help                       this text (also: COMMAND --help; 'bench NAME --help'\n"
		"                             lists a benchmark's options)\n"
		"\n"
		"options (run, explore):\n"
		"  --strategy random|pct|dfs|dpor  default pct (dpor: DFS with partial-order reduction)\n"
		"  --seed N                   default 1\n"
		"  --schedules N              executions to try (explore), default 10000; 0 = no limit\n"
		"  --depth D                  PCT depth, default 3\n"
		"  --preemptions K|unbounded  DFS preemption bound, default 2\n"
		"  --bug bNN                  re-inject bug zoo entry NN (repeatable)\n"
		"  --SETTING VALUE            any row of 'pcsim settings', e.g. --backend threads,\n"
		"                             --mem tso, --cpus 3, --checks strict-p6,\n"
		"                             --lock-profile 5.8, --wait-table-bits 0, --unfairness 0,\n"
		"                             --walk-break 2, --readahead off, --ring-mode offload,\n"
		"                             --watchdog 5s (default: the program's own, else the\n"
		"                             kernel's)\n"
		"  --trace FILE               write the trace of the reported execution: FILE.json\n"
		"                             Chrome trace (Perfetto), FILE.svg timeline, else the\n"
		"                             narrative\n"
		"  --out DIR                  where explore writes the failing schedule (default .)\n"
		"  --json                     one JSON object on stdout instead of text\n"
		"\n",
		prog_name);
	/* two literals: each within the length C99 compilers must support */
	fprintf(f,
		"options (explore):\n"
		"  --no-shrink                report a failure as found (default: shrunk first,\n"
		"                             docs/shrinking.md)\n"
		"  --jobs N                   N worker processes, each a slice of the search\n"
		"  --shard I/N                run only the I-th of N deterministic slices; 'pcsim\n"
		"                             merge' combines their --json results (docs/campaigns.md)\n"
		"  --checkpoint FILE          go on from FILE if it exists; keep the search's state\n"
		"                             there (every --checkpoint-every seconds, default 60, 0 =\n"
		"                             only at the end) when it stops before its end (SIGINT,\n"
		"                             SIGTERM, --schedules); removed once the search is\n"
		"                             complete (docs/campaigns.md, \"Checkpoints\")\n"
		"  --junit FILE               also write the result as JUnit XML\n"
		"  --ktap                     print the result as KTAP version 1 (kselftest, KUnit)\n"
		"  --kernel all               scenarios: run each under every kernel profile, judged by\n"
		"                             the expectation that names it (docs/scenarios.md)\n"
		"  --coverage                 then how often each exit of the wait functions was taken\n"
		"  --estimate N               with --strategy dfs|dpor: run nothing exhaustive, estimate\n"
		"                             with N random probes how many executions the bounded DFS\n"
		"                             search takes and how long (Knuth's estimator; for dpor an\n"
		"                             upper bound; docs/explore.md)\n"
		"\n"
		"options (replay): --trace, --json, --lenient (skip recorded choices that are not\n"
		"enabled), and the settings a schedule does not record (--watchdog, --stack-size,\n"
		"...); the schedule file fixes the configuration and every choice\n"
		"\n"
		"exit status: 0 no violation, 1 violation found, 2 bad usage or input, 3 internal "
		"error\n"
		"(also a sanitizer error, or a watchdog that gives up). SIGINT/SIGTERM: the execution\n"
		"under way finishes, the summary is printed and the status is that of what was found\n"
		"so far (0 if nothing); a second signal stops at once.\n");
}

/* Which options the command line gave (to reject those that would have no effect). */
enum {
	G_STRATEGY = 1u << 0,
	G_SEED = 1u << 1,
	G_SCHEDULES = 1u << 2,
	G_DEPTH = 1u << 3,
	G_PREEMPTIONS = 1u << 4,
	G_BUG = 1u << 11,
	G_TRACE = 1u << 12,
	G_OUT = 1u << 13,
	G_JSON = 1u << 14,
	G_LENIENT = 1u << 15,
	G_JOBS = 1u << 16,
	G_SHARD = 1u << 17,
	G_NO_SHRINK = 1u << 18,
	G_JUNIT = 1u << 19,
	G_KTAP = 1u << 20,
	G_ESTIMATE = 1u << 21,
	G_CHECKPOINT = 1u << 22,
	G_CHECKPOINT_EVERY = 1u << 23,
};

static const struct {
	unsigned bit;
	const char *name;
} opt_names[] = {
	{ G_STRATEGY, "--strategy" },	{ G_SEED, "--seed" },	{ G_SCHEDULES, "--schedules" },
	{ G_DEPTH, "--depth" },		{ G_PREEMPTIONS, "--preemptions" },
	{ G_BUG, "--bug" },		{ G_TRACE, "--trace" },
	{ G_OUT, "--out" },		{ G_JSON, "--json" },	{ G_LENIENT, "--lenient" },
	{ G_JOBS, "--jobs" },		{ G_SHARD, "--shard" },	{ G_NO_SHRINK, "--no-shrink" },
	{ G_JUNIT, "--junit" },		{ G_KTAP, "--ktap" },	{ G_ESTIMATE, "--estimate" },
	{ G_CHECKPOINT, "--checkpoint" }, { G_CHECKPOINT_EVERY, "--checkpoint-every" },
};

/* The first option of @mask that was given, or NULL. */
static const char *given_name(unsigned given, unsigned mask)
{
	for (unsigned i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		if (given & mask & opt_names[i].bit)
			return opt_names[i].name;
	return NULL;
}

struct opts {
	struct pcsim_config cfg;
	struct pcsim_explore_opts ex;
	const char *trace_file;
	const char *out_dir;
	bool json;
	bool lenient;
	bool ktap;
	unsigned jobs;		/* --jobs, 0 = in this process */
	const char *junit;
	unsigned given;		/* G_* */
	/* settings given as options (<pcsim/settings.h>), applied in order over the program's
	 * own defaults by apply_settings() */
	unsigned nset;
	const struct pcsim_setting *set[64];
	const char *val[64];
	uint64_t bugs;		/* --bug, added to the bugs setting */
	uint64_t estimate;	/* --estimate N: probes, 0 = a search */
	const char *checkpoint;	/* --checkpoint FILE */
	uint64_t checkpoint_every;	/* --checkpoint-every SECONDS */
};

/* The option of the first given setting that @pred holds for, or NULL. */
static const char *given_setting(const struct opts *o, bool (*pred)(const struct pcsim_setting *))
{
	for (unsigned i = 0; i < o->nset; i++)
		if (pred(o->set[i]))
			return o->set[i]->option;
	return NULL;
}

static bool setting_recorded(const struct pcsim_setting *s)
{
	return (s->flags & PCSIM_SETTING_RECORDED) != 0;
}

static bool setting_counts_steps(const struct pcsim_setting *s)
{
	return strcmp(s->key, "max_steps") == 0 || strcmp(s->key, "spurious") == 0 ||
	       strcmp(s->key, "watchdog") == 0;
}

/* The settings of the command line, in the order given, then --bug; 0 or exit status 2. */
static int apply_settings(struct opts *o)
{
	char err[512];
	for (unsigned i = 0; i < o->nset; i++)
		if (pcsim_setting_set(&o->cfg, o->set[i], o->val[i], strlen(o->val[i]), err,
				      sizeof(err)) < 0)
			return pcsim_cmdline_usage_error("%s: %s", o->set[i]->option, err);
	o->cfg.bugs |= o->bugs;
	return 0;
}

/* apply_settings() for a scenario's configuration (scenario_cmd.c): 0, or -EINVAL with why. */
static int apply_settings_cb(struct pcsim_config *cfg, void *arg, char *err, size_t errlen)
{
	struct opts *o = arg;
	for (unsigned i = 0; i < o->nset; i++) {
		char why[512];
		if (pcsim_setting_set(cfg, o->set[i], o->val[i], strlen(o->val[i]), why,
				      sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", o->set[i]->option, why);
			return -EINVAL;
		}
	}
	cfg->bugs |= o->bugs;
	return 0;
}

/* Parse the options shared by run/explore/replay; positional arguments go to @pos. */
static int parse_opts(int argc, char **argv, struct opts *o, const char **pos, int maxpos,
		      int *npos)
{
	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;
		int rc;
#define NEED()                                                                   \
	do {                                                                     \
		if (!v)                                                          \
			return pcsim_cmdline_usage_error("%s needs a value", a); \
		i++;                                                             \
	} while (0)
		if (strcmp(a, "--strategy") == 0) {
			NEED();
			o->given |= G_STRATEGY;
			if (pcsim_strategy_parse(v, &o->ex.strategy) < 0 ||
			    o->ex.strategy == PCSIM_STRATEGY_REPLAY)
				return pcsim_cmdline_usage_error(
					"--strategy: '%s' is not one of random, pct, dfs, dpor", v);
		} else if (strcmp(a, "--seed") == 0) {
			NEED();
			o->given |= G_SEED;
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX, &o->ex.seed)))
				return rc;
		} else if (strcmp(a, "--schedules") == 0) {
			NEED();
			o->given |= G_SCHEDULES;
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX,
							  &o->ex.max_executions)))
				return rc;
		} else if (strcmp(a, "--depth") == 0) {
			NEED();
			o->given |= G_DEPTH;
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, 16, &n)))
				return rc;
			o->ex.pct_depth = (unsigned)n;
		} else if (strcmp(a, "--preemptions") == 0) {
			NEED();
			o->given |= G_PREEMPTIONS;
			if (strcmp(v, "unbounded") == 0)
				n = PCSIM_PREEMPTION_UNBOUNDED;
			else if ((rc = pcsim_cmdline_parse_u64(a, v, 0, 1000, &n)))
				return rc;
			o->ex.preemption_bound = (unsigned)n;
		} else if (strcmp(a, "--trace") == 0) {
			NEED();
			o->given |= G_TRACE;
			o->trace_file = v;
		} else if (strcmp(a, "--out") == 0) {
			NEED();
			o->given |= G_OUT;
			o->out_dir = v;
		} else if (strcmp(a, "--bug") == 0) {
			NEED();
			o->given |= G_BUG;
			unsigned long b = 0;
			char *end = NULL;
			if ((v[0] == 'b' || v[0] == 'B') && v[1])
				b = strtoul(v + 1, &end, 10);
			bool known = false;
			for (unsigned z = 0; z < pcsim_nzoo; z++)
				known |= end && !*end && pcsim_zoo[z].n == b;
			if (!known)
				return pcsim_cmdline_usage_error(
					"--bug: '%s' is not a re-injectable bug ('pcsim bugs' lists "
					"them)", v);
			o->bugs |= 1ull << b;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
			o->given |= G_JSON;
		} else if (strcmp(a, "--jobs") == 0) {
			NEED();
			o->given |= G_JOBS;
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, 1024, &n)))
				return rc;
			o->jobs = (unsigned)n;
		} else if (strcmp(a, "--shard") == 0) {
			NEED();
			o->given |= G_SHARD;
			if ((rc = pcsim_cli_parse_shard(v, &o->ex.slice_index, &o->ex.slice_count)))
				return rc;
		} else if (strcmp(a, "--no-shrink") == 0) {
			o->given |= G_NO_SHRINK;
			o->ex.shrink = false;
		} else if (strcmp(a, "--junit") == 0) {
			NEED();
			o->given |= G_JUNIT;
			o->junit = v;
		} else if (strcmp(a, "--ktap") == 0) {
			o->given |= G_KTAP;
			o->ktap = true;
		} else if (strcmp(a, "--estimate") == 0) {
			NEED();
			o->given |= G_ESTIMATE;
			if (strcmp(v, "0") == 0)
				return pcsim_cmdline_usage_error(
					"--estimate: N is the number of probes, at least 1 (not 0)");
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, 1000000000, &o->estimate)))
				return rc;
		} else if (strcmp(a, "--checkpoint") == 0) {
			NEED();
			o->given |= G_CHECKPOINT;
			if (!*v)
				return pcsim_cmdline_usage_error("--checkpoint needs a file name");
			o->checkpoint = v;
		} else if (strcmp(a, "--checkpoint-every") == 0) {
			NEED();
			o->given |= G_CHECKPOINT_EVERY;
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, 86400, &o->checkpoint_every)))
				return rc;
		} else if (strcmp(a, "--lenient") == 0) {
			o->lenient = true;
			o->given |= G_LENIENT;
		} else if (a[0] == '-' && a[1] == '-' && pcsim_setting_find(a, strlen(a))) {
			/* a row of the settings table: checked now, applied by apply_settings() */
			const struct pcsim_setting *st = pcsim_setting_find(a, strlen(a));
			char err[512];
			struct pcsim_config scratch = o->cfg;
			NEED();
			if (pcsim_setting_set(&scratch, st, v, strlen(v), err, sizeof(err)) < 0)
				return pcsim_cmdline_usage_error("%s: %s", a, err);
			if (o->nset == sizeof(o->set) / sizeof(o->set[0]))
				return pcsim_cmdline_usage_error("%s: too many settings", a);
			o->cfg = scratch;	/* so the checks of the options see it */
			o->set[o->nset] = st;
			o->val[o->nset++] = v;
		} else if (a[0] == '-' && a[1]) {
			return pcsim_cmdline_usage_error("unknown option '%s'", a);
		} else {
			if (*npos >= maxpos)
				return pcsim_cmdline_usage_error("unexpected argument '%s'", a);
			pos[(*npos)++] = a;
		}
#undef NEED
	}
	return 0;
}

static void opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	pcsim_config_init(&o->cfg);
	pcsim_explore_opts_init(&o->ex);
	o->ex.max_executions = 10000;
	o->ex.shrink = true;	/* the library's default is off; the command line shrinks */
	o->ex.shrink_seconds = 120;	/* a safety net: the replay budget ends it first */
	o->out_dir = ".";
	o->checkpoint_every = 60;
}

static const struct pcsim_builtin *find_program(const char *name)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	if (b)
		return b;
	if (pcsim_cli_is_scenario(name))
		return pcsim_cli_scenario_program(name);
	fprintf(stderr, "%s: unknown program '%s' ('%s programs' lists them)\n", prog_name, name,
		prog_name);
	return NULL;
}

/*
 * The text of a schedule file or a checkpoint (@what, for the errors): a regular file of at
 * most SCHEDULE_MAX_BYTES holding no NUL byte.
 * Opened without blocking, so a FIFO is refused rather than waited on, and a device is never
 * read. On error print why ("pcsim: FILE: ...") and return NULL.
 */
static char *read_input(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog_name, path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog_name, path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: is a directory, not a %s\n", prog_name, path, what);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr,
			"%s: %s: not a regular file (a FIFO, socket or device); a %s is read "
			"from a regular file\n",
			prog_name, path, what);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > SCHEDULE_MAX_BYTES) {
		fprintf(stderr, "%s: %s: %lld bytes; a %s is at most %u bytes\n", prog_name, path,
			(long long)st.st_size, what, SCHEDULE_MAX_BYTES);
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		fprintf(stderr, "%s: %s: out of memory\n", prog_name, path);
		close(fd);
		return NULL;
	}
	/* Read one byte more than stat said: a file that grew meanwhile is noticed. */
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: cannot read %s: %s\n", prog_name, path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			if (cap > SCHEDULE_MAX_BYTES) {
				fprintf(stderr, "%s: %s: more than %u bytes; a %s is at most that\n",
					prog_name, path, SCHEDULE_MAX_BYTES, what);
				free(buf);
				close(fd);
				return NULL;
			}
			size_t ncap = cap * 2 > SCHEDULE_MAX_BYTES + 1u ? SCHEDULE_MAX_BYTES + 1u
								 : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				fprintf(stderr, "%s: %s: out of memory\n", prog_name, path);
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
	}
	close(fd);
	buf[len] = 0;
	const char *nul = memchr(buf, 0, len);
	if (nul) {
		fprintf(stderr, "%s: %s: byte %zu is a NUL: not a %s (binary data?)\n", prog_name,
			path, (size_t)(nul - buf) + 1, what);
		free(buf);
		return NULL;
	}
	return buf;
}

/* @path with its directory made canonical (the file itself need not exist). */
static void canon_path(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (realpath(dir, real))
		snprintf(out, len, "%s/%s", real, base);
	else
		snprintf(out, len, "%s", path);
}

/* Would writing @a overwrite @b? (The same file by inode, or the same canonical path.) */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	char ca[PATH_MAX + 256], cb[PATH_MAX + 256];
	canon_path(a, ca, sizeof(ca));
	canon_path(b, cb, sizeof(cb));
	return strcmp(ca, cb) == 0;
}

/*
 * Before a run: an output the run could not write is a usage error now, not after a long
 * search (the write itself may still fail later: then it is a warning, see write_trace).
 */
static int check_output_file(const char *opt, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return pcsim_cmdline_usage_error("%s %s: is a directory", opt, path);
		if (access(path, W_OK) != 0)
			return pcsim_cmdline_usage_error("%s %s: not writable: %s", opt, path,
							 strerror(errno));
		return 0;
	}
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (access(dir, W_OK) != 0)
		return pcsim_cmdline_usage_error("%s %s: cannot create it in %s: %s", opt, path, dir,
						 strerror(errno));
	return 0;
}

static int check_output_dir(const char *opt, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0)
		return pcsim_cmdline_usage_error("%s %s: %s", opt, dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pcsim_cmdline_usage_error("%s %s: not a directory", opt, dir);
	if (access(dir, W_OK) != 0)
		return pcsim_cmdline_usage_error("%s %s: not writable: %s", opt, dir,
						 strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * SIGINT/SIGTERM: stop after the execution under way (pcsim_explore_opts.stop).
 */
static volatile sig_atomic_t stop_signal;
static bool interrupted;	/* stop_signal cut the search short */

static void on_stop_signal(int sig)
{
	static const char msg[] = "\npcsim: interrupted: finishing the execution under way "
				  "(again to stop at once)\n";
	stop_signal = sig;
	ssize_t rc = write(2, msg, sizeof(msg) - 1);
	(void)rc;
}

static void catch_stop_signals(struct pcsim_explore_opts *ex)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;	/* the second signal is fatal */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ex->stop = &stop_signal;
}

/* ---------------------------------------------------------------------------------------------
 * --checkpoint FILE (docs/campaigns.md, "Checkpoints"): read before the search, written by
 * the library's callback (atomically: a temporary file renamed over it), removed when the
 * search is complete. SIGALRM every --checkpoint-every seconds asks for one.
 */
static volatile sig_atomic_t checkpoint_req;

static void on_checkpoint_alarm(int sig)
{
	(void)sig;
	checkpoint_req = 1;
}

static int write_checkpoint(const char *text, size_t len, void *arg)
{
	const char *path = arg;
	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	/* SIGINT and SIGTERM wait until the file is in place: a second one (which stops at
	 * once) during the write would leave the temporary file and the older checkpoint */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		int e = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return e;
	}
	int err = 0;
	for (size_t off = 0; off < len && !err;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0)
			off += (size_t)n;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

int pcsim_cli_checkpoint_setup(const char *path, uint64_t every, struct pcsim_explore_opts *ex,
			       struct pcsim_cli_progress *pr, char **text)
{
	*text = NULL;
	if (!path)
		return 0;
	struct stat sb;
	if (stat(path, &sb) == 0) {
		if (!(*text = read_input(path, "checkpoint")))
			return EXIT_USAGE;
	} else if (errno != ENOENT) {
		fprintf(stderr, "%s: --checkpoint %s: %s\n", prog_name, path, strerror(errno));
		return EXIT_USAGE;
	} else {
		int rc = check_output_file("--checkpoint", path);
		if (rc)
			return rc;
	}
	ex->resume = *text;
	/* the progress line counts on from the checkpoint's counts */
	const char *counts = *text ? strstr(*text, "\ncounts ") : NULL;
	if (counts && sscanf(counts, "\ncounts %" SCNu64 " %" SCNu64, &pr->base_execs,
			     &pr->base_steps) == 2)
		pr->base_explored = -1;	/* the first report's */
	ex->checkpoint = write_checkpoint;
	ex->checkpoint_arg = (void *)path;
	if (every) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_checkpoint_alarm;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		struct itimerval it = { { (time_t)every, 0 }, { (time_t)every, 0 } };
		setitimer(ITIMER_REAL, &it, NULL);
		ex->checkpoint_req = &checkpoint_req;
	}
	return 0;
}

void pcsim_cli_checkpoint_finish(const char *path, const struct pcsim_report *r, bool resumed,
				 bool stopped)
{
	if (!path)
		return;
	struct itimerval off;
	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	if (r->exhausted || r->outcome != PCSIM_OUTCOME_OK) {
		if (unlink(path) == 0 || resumed)
			fprintf(stderr, "%s: the search is complete: %s removed\n", prog_name, path);
		return;
	}
	fprintf(stderr,
		"%s: the search stopped after %" PRIu64 " execution(s); its state is in %s: %s\n",
		prog_name, r->executions, path,
		stopped ? "the same command goes on from there"
			: "a larger --schedules goes on from there (it counts these too)");
}

/* The sim backend's watchdog gave up on an endless loop: the process cannot continue. */
static void on_watchdog(const char *msg)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\n", msg);
	ssize_t rc = write(2, buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : strlen(buf));
	(void)rc;
	_exit(EXIT_INTERNAL);
}

/* The fraction explored is part of the summary of a dfs or dpor search in one process (the
 * --jobs merge has none). */
static bool show_explored(const char *cmd, const struct opts *o, const struct pcsim_report *r)
{
	return strcmp(cmd, "explore") == 0 && o->jobs <= 1 && r->explored >= 0 &&
	       (o->ex.strategy == PCSIM_STRATEGY_DFS || o->ex.strategy == PCSIM_STRATEGY_DPOR);
}

static void print_report(const char *cmd, const char *program, const struct opts *o,
			 const struct pcsim_report *r, const char *schedule_path)
{
	if (o->json) {
		printf("{\"command\":\"%s\",\"program\":", cmd);
		pcsim_cmdline_json_str(stdout, program);
		printf(",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"outcome\":\"%s\",\"what\":",
		       pcsim_strategy_name(o->ex.strategy), o->ex.seed,
		       pcsim_outcome_name(r->outcome));
		pcsim_cmdline_json_str(stdout, r->what);
		printf(",\"executions\":%" PRIu64 ",\"steps\":%" PRIu64
		       ",\"failing_execution\":%" PRIu64 ",\"step\":%" PRIu64
		       ",\"exhausted\":%s,\"confirmed\":%s,\"trace_hash\":\"%016" PRIx64 "\"",
		       r->executions, r->steps, r->failing_execution, r->step,
		       r->exhausted ? "true" : "false", r->confirmed ? "true" : "false",
		       r->trace_hash);
		printf(",\"message\":");
		pcsim_cmdline_json_str(stdout, r->message);
		printf(",\"schedule_file\":");
		pcsim_cmdline_json_str(stdout, schedule_path);
		if (r->outcome != PCSIM_OUTCOME_OK)
			printf(",\"shrunk\":%s,\"choices\":%" PRIu64 ",\"fail_steps\":%" PRIu64
			       ",\"preemptions\":%" PRIu64 ",\"found_choices\":%" PRIu64
			       ",\"found_steps\":%" PRIu64 ",\"found_preemptions\":%" PRIu64
			       ",\"shrink_replays\":%" PRIu64 ",\"failing_order\":%" PRIu64,
			       r->shrunk ? "true" : "false", r->fail_choices, r->fail_steps,
			       r->fail_preemptions, r->found_choices, r->found_steps,
			       r->found_preemptions, r->shrink_replays, r->failing_order);
		if (strcmp(cmd, "explore") == 0) {
			printf(",\"slice\":\"%u/%u\",\"jobs\":%u,\"digest\":\"%016" PRIx64 "\"",
			       o->ex.slice_count > 1 ? o->ex.slice_index : 0,
			       o->ex.slice_count > 1 ? o->ex.slice_count : 1, o->jobs ? o->jobs : 1,
			       r->digest);
			if (o->ex.strategy == PCSIM_STRATEGY_DFS)
				printf(",\"restored\":%" PRIu64, r->restored);
			pcsim_cli_print_search(stdout, &o->cfg, &o->ex);
		}
		if (show_explored(cmd, o, r))
			printf(",\"explored\":%.6f", r->explored);
		printf(",\"interrupted\":%s}\n", interrupted ? "true" : "false");
		return;
	}
	if (interrupted && r->outcome == PCSIM_OUTCOME_OK)
		printf("%s: interrupted by %s after %" PRIu64 " execution(s); the search is "
		       "incomplete\n",
		       program, stop_signal == SIGINT ? "SIGINT" : "SIGTERM", r->executions);
	if (show_explored(cmd, o, r) && !r->exhausted && r->outcome == PCSIM_OUTCOME_OK)
		printf("  an estimated %.2f %% of the bounded space was explored%s (docs/explore.md: "
		       "biased on unbalanced trees)\n",
		       100.0 * r->explored,
		       o->ex.strategy == PCSIM_STRATEGY_DPOR ? ", roughly" : "");
	if (r->outcome == PCSIM_OUTCOME_OK) {
		if (o->cfg.backend == PCSIM_BACKEND_THREADS)	/* real threads take no steps */
			printf("%s: no violation in %" PRIu64 " execution(s) on real threads\n",
			       program, r->executions);
		else
			printf("%s: no violation in %" PRIu64 " execution(s), %" PRIu64 " steps%s\n",
			       program, r->executions, r->steps,
			       r->exhausted ? " (the bounded space was explored completely)" : "");
		return;
	}
	printf("%s: %s (%s) in execution %" PRIu64 " of %" PRIu64 ", at step %" PRIu64 "\n",
	       program, pcsim_outcome_name(r->outcome), r->what, r->failing_execution,
	       r->executions, r->step);
	if (r->message)
		printf("  %s\n", r->message);
	if (r->shrunk)
		printf("shrunk from %" PRIu64 " choices, %" PRIu64 " steps, %" PRIu64
		       " preemptions to %" PRIu64 " choices, %" PRIu64 " steps, %" PRIu64
		       " preemptions (%" PRIu64 " replays%s)\n",
		       r->found_choices, r->found_steps, r->found_preemptions, r->fail_choices,
		       r->fail_steps, r->fail_preemptions, r->shrink_replays,
		       r->shrink_cut ? ", stopped at the budget" : "");
	else if (o->ex.shrink && r->shrink_replays)
		printf("not shrunk: no smaller execution reproduces it (%" PRIu64 " replays)\n",
		       r->shrink_replays);
	if (r->trace)
		printf("\n%s\n", r->trace);
	if (r->outcome != PCSIM_OUTCOME_DIVERGED && r->outcome != PCSIM_OUTCOME_INTERNAL)
		printf("confirmed by replay (twice, same trace hash %016" PRIx64 "): %s\n",
		       r->trace_hash, r->confirmed ? "yes" : "NO");
	if (schedule_path)
		printf("schedule: %s\nreplay:   %s replay %s %s\n", schedule_path, prog_name,
		       program, schedule_path);
}

static int outcome_status(const struct pcsim_report *r)
{
	switch (r->outcome) {
	case PCSIM_OUTCOME_OK:
		return EXIT_OK;
	case PCSIM_OUTCOME_INTERNAL:
		return EXIT_INTERNAL;
	case PCSIM_OUTCOME_DIVERGED:
		return EXIT_USAGE;
	default:
		return EXIT_VIOLATION;
	}
}


/*
 * After the report: the --trace file. Failing to write it loses no finding (the report and the
 * schedule are out already), so it is a warning; the status stays that of the outcome, except
 * that a clean run whose only product was the file is a usage error (2).
 */
static int write_trace(const struct opts *o, const struct pcsim_program *prog,
		       const struct pcsim_report *r, int status)
{
	if (!o->trace_file)
		return status;
	if (!r->trace) {
		fprintf(stderr, "%s: warning: no trace was recorded (%s); %s not written\n",
			prog_name,
			o->cfg.backend == PCSIM_BACKEND_THREADS ? "the threads backend records none"
								 : "nothing to trace",
			o->trace_file);
		return status;
	}
	if (pcsim_cli_write_trace(o->trace_file, prog, r) < 0) {
		fprintf(stderr, "%s: warning: the trace was not written; the report above stands\n",
			prog_name);
		return status == EXIT_OK ? EXIT_USAGE : status;
	}
	return status;
}

/* Options that do nothing in run/explore with these settings: errors, or warnings where a
 * script may reasonably pass them for every backend. */
static int check_explore_opts(const struct opts *o, bool single)
{
	const char *n;
	if ((n = given_name(o->given, G_LENIENT)))
		return pcsim_cmdline_usage_error("%s: only replay reads a schedule", n);
	if (single && (n = given_name(o->given, G_SCHEDULES | G_JOBS | G_SHARD | G_NO_SHRINK |
						       G_JUNIT | G_KTAP | G_ESTIMATE | G_CHECKPOINT |
						       G_CHECKPOINT_EVERY)))
		return pcsim_cmdline_usage_error("%s: run is one execution (use explore)", n);
	if ((o->given & G_KTAP) && (o->given & G_JSON))
		return pcsim_cmdline_usage_error("--ktap and --json: choose one output");
	if ((o->given & G_DEPTH) && o->ex.strategy != PCSIM_STRATEGY_PCT)
		return pcsim_cmdline_usage_error("--depth: only --strategy pct has a depth");
	if ((o->given & G_PREEMPTIONS) && o->ex.strategy != PCSIM_STRATEGY_DFS &&
	    o->ex.strategy != PCSIM_STRATEGY_DPOR)
		return pcsim_cmdline_usage_error(
			"--preemptions: only --strategy dfs or dpor bounds preemptions");
	if (o->given & G_ESTIMATE) {
		if (o->ex.strategy != PCSIM_STRATEGY_DFS && o->ex.strategy != PCSIM_STRATEGY_DPOR)
			return pcsim_cmdline_usage_error(
				"--estimate: only with --strategy dfs or dpor (it estimates the "
				"bounded DFS tree; --strategy %s has none)",
				pcsim_strategy_name(o->ex.strategy));
		if ((n = given_name(o->given, G_SCHEDULES | G_JOBS | G_SHARD | G_NO_SHRINK |
						      G_JUNIT | G_KTAP | G_TRACE | G_OUT)))
			return pcsim_cmdline_usage_error("%s has no effect with --estimate (it runs "
							 "probes, not a search)", n);
		if (o->cfg.backend == PCSIM_BACKEND_THREADS)
			return pcsim_cmdline_usage_error("--estimate: the threads backend makes no "
							 "choices to count (use the sim backend)");
	}
	if ((o->given & G_CHECKPOINT_EVERY) && !(o->given & G_CHECKPOINT))
		return pcsim_cmdline_usage_error("--checkpoint-every: only with --checkpoint FILE");
	if (o->given & G_CHECKPOINT) {
		if ((n = given_name(o->given, G_JOBS | G_ESTIMATE)))
			return pcsim_cmdline_usage_error(
				"--checkpoint and %s: a checkpoint holds one search in one process "
				"(split a campaign with --shard, one checkpoint per shard)",
				n);
		if (o->cfg.backend == PCSIM_BACKEND_THREADS)
			return pcsim_cmdline_usage_error(
				"--checkpoint: the threads backend does not run the same executions "
				"again (use the sim backend)");
	}
	if (o->cfg.backend == PCSIM_BACKEND_THREADS) {
		if ((n = given_name(o->given, G_STRATEGY | G_DEPTH | G_PREEMPTIONS)))
			fprintf(stderr, "%s: warning: %s has no effect on the threads backend (real "
					"threads are not scheduled by pcsim)\n",
				prog_name, n);
		if ((n = given_setting(o, setting_counts_steps)))
			fprintf(stderr, "%s: warning: %s has no effect on the threads backend (it "
					"counts no steps; threads_timeout_ms bounds an execution)\n",
				prog_name, n);
		if (o->given & G_TRACE)
			fprintf(stderr, "%s: warning: --trace: the threads backend records no "
					"trace\n",
				prog_name);
	}
	return 0;
}

/* @s with '|' escaped, for a markdown table cell. */
static const char *md_cell(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 2 < len; s++) {
		if (*s == '|')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o] = 0;
	return buf;
}

/* `pcsim settings [--markdown]`: the settings table, as text or as the table of docs/settings.md. */
static int cmd_settings(int argc, char **argv)
{
	bool md = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--markdown") == 0)
			md = true;
		else
			return pcsim_cmdline_usage_error("settings: unknown argument '%s'", argv[i]);
	}
	size_t n;
	const struct pcsim_setting *t = pcsim_settings(&n);
	if (md)
		printf("| key | option | layer | values | default | recorded | meaning |\n"
		       "|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const char *rec = !(t[i].flags & PCSIM_SETTING_RECORDED) ? "no"
				  : (t[i].flags & PCSIM_SETTING_TERSE)	 ? "if not default"
									 : "yes";
		char v[160], h[256];
		if (md)
			printf("| `%s` | `%s` | %s | `%s` | `%s` | %s | %s |\n", t[i].key,
			       t[i].option, t[i].layer, md_cell(t[i].values, v, sizeof(v)),
			       t[i].def, rec, md_cell(t[i].help, h, sizeof(h)));
		else
			printf("%-16s %-18s %-9s default %-8s %s\n%37s values: %s\n", t[i].key,
			       t[i].option, t[i].layer, t[i].def, t[i].help, "", t[i].values);
	}
	return EXIT_OK;
}

/* --junit FILE and --ktap for one program: one test case. */
static int write_results(const struct opts *o, const char *name, const struct pcsim_report *r,
			 const char *sched_path, double seconds, int status)
{
	struct pcsim_cli_case c = { name, r, sched_path, seconds, -1, NULL };
	if (o->ktap) {
		pcsim_cli_print_ktap(stdout, &c, 1);
		fflush(stdout);
	}
	if (o->junit && pcsim_cli_write_junit(o->junit, "explore", &c, 1) < 0) {
		fprintf(stderr, "%s: warning: --junit %s was not written; the report stands\n",
			prog_name, o->junit);
		return status == EXIT_OK ? EXIT_USAGE : status;
	}
	return status;
}

/* A JSON number, or null for what JSON cannot spell (infinity, NaN). */
static void json_num(const char *key, double v)
{
	if (v == v && v - v == 0)
		printf(",\"%s\":%.10g", key, v);
	else
		printf(",\"%s\":null", key);
}

/* A count as text: whole below 10^12, else in exponent form. */
static const char *fmt_count(double v, char *buf, size_t len)
{
	if (!(v == v && v - v == 0))
		snprintf(buf, len, "unknown");
	else if (v < 1e12)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3e", v);
	return buf;
}

/*
 * `explore PROGRAM --strategy dfs|dpor --estimate N`: Knuth's estimate of the bounded DFS tree
 * (pcsim_estimate()). The lines and JSON fields that depend on the machine's speed are apart:
 * text lines starting "time:" and the JSON object "time", last.
 */
static int estimate_run(const struct pcsim_program *prog, const char *name, struct opts *o)
{
	struct pcsim_estimate e;
	char err[2600], bnd[32];
	catch_stop_signals(&o->ex);
	int rc = pcsim_estimate(prog, &o->cfg, &o->ex, o->estimate, &e, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog_name, err);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	bool dpor = o->ex.strategy == PCSIM_STRATEGY_DPOR;
	interrupted = e.probes < o->estimate;
	if (o->ex.preemption_bound == PCSIM_PREEMPTION_UNBOUNDED)
		snprintf(bnd, sizeof(bnd), "unbounded");
	else
		snprintf(bnd, sizeof(bnd), "%u", o->ex.preemption_bound);
	if (o->json) {
		printf("{\"command\":\"estimate\",\"program\":");
		pcsim_cmdline_json_str(stdout, name);
		printf(",\"strategy\":\"%s\",\"preemptions\":\"%s\",\"seed\":%" PRIu64
		       ",\"probes\":%" PRIu64, pcsim_strategy_name(o->ex.strategy), bnd, o->ex.seed,
		       e.probes);
		json_num("executions", e.executions);
		json_num("ci_low", e.ci_low);
		json_num("ci_high", e.ci_high);
		json_num("std_error", e.std_error);
		json_num("steps_per_execution", e.steps_per_execution);
		json_num("decisions_per_probe", e.decisions);
		printf(",\"max_decisions\":%" PRIu64 ",\"steps\":%" PRIu64 ",\"failures\":%" PRIu64
		       ",\"of\":\"dfs\",\"upper_bound\":%s,\"interrupted\":%s",
		       e.max_decisions, e.steps, e.failures, dpor ? "true" : "false",
		       interrupted ? "true" : "false");
		printf(",\"time\":{\"machine\":\"this\"");
		json_num("cpu_seconds", e.cpu_seconds);
		json_num("steps_per_second", e.steps_per_second);
		json_num("dfs_steps_per_second", e.dfs_steps_per_second);
		json_num("projected_seconds", e.projected_seconds);
		json_num("projected_low", e.projected_low);
		json_num("projected_high", e.projected_high);
		printf("}}\n");
		return EXIT_OK;
	}
	char a[40], lo[40], hi[40], d1[40], d2[40], d3[40];
	printf("%s: estimated size of the bounded DFS tree (--strategy %s --preemptions %s), %" PRIu64
	       " probes, seed %" PRIu64 "%s\n",
	       name, pcsim_strategy_name(o->ex.strategy), bnd, e.probes, o->ex.seed,
	       interrupted ? " (interrupted: fewer probes than asked)" : "");
	printf("  DFS executions: %s (95 %% CI %s .. %s)\n", fmt_count(e.executions, a, sizeof(a)),
	       fmt_count(e.ci_low, lo, sizeof(lo)), fmt_count(e.ci_high, hi, sizeof(hi)));
	if (dpor)
		printf("  dpor: an upper bound (DPOR explores a part of this bounded tree)\n");
	printf("  steps per DFS execution: %.1f; decisions per probe %.1f (at most %" PRIu64
	       "); %" PRIu64 " probe%s ended in a failure\n",
	       e.steps_per_execution, e.decisions, e.max_decisions, e.failures,
	       e.failures == 1 ? "" : "s");
	printf("time: probes: %.3f s of CPU, %.3g steps/s; DFS runs %.3g steps/s (its first "
	       "executions timed)\n",
	       e.cpu_seconds, e.steps_per_second, e.dfs_steps_per_second);
	printf("time: projected for DFS on this machine: %s (95 %% CI %s .. %s)\n",
	       pcsim_cli_duration(e.projected_seconds, d1, sizeof(d1)),
	       pcsim_cli_duration(e.projected_low, d2, sizeof(d2)),
	       pcsim_cli_duration(e.projected_high, d3, sizeof(d3)));
	return EXIT_OK;
}

/* The estimate of a built-in program: its own defaults, then what the command line set. */
static int cmd_estimate(const struct pcsim_builtin *b, struct opts *o)
{
	o->cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&o->cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	int rc = apply_settings(o);
	if (rc)
		return rc;
	return estimate_run(&b->prog, b->prog.name, o);
}

/* The estimate of a scenario file: its configuration and explore options, then the command
 * line's (as `pcsim explore FILE` merges them). */
static int scenario_estimate(const char *path, struct opts *o)
{
	const struct pcsim_program *prog;
	struct pcsim_config cfg;
	struct pcsim_explore_opts ex;
	int rc = pcsim_cli_scenario_setup(path, apply_settings_cb, o, &o->ex, &prog, &cfg, &ex);
	if (rc)
		return rc;
	o->cfg = cfg;
	o->ex = ex;
	if (o->ex.strategy != PCSIM_STRATEGY_DFS && o->ex.strategy != PCSIM_STRATEGY_DPOR)
		return pcsim_cmdline_usage_error("--estimate: only with --strategy dfs or dpor (the "
						 "scenario's strategy is %s)",
						 pcsim_strategy_name(o->ex.strategy));
	return estimate_run(prog, path, o);
}

static int cmd_explore(int argc, char **argv, bool single)
{
	struct opts o;
	const char *pos[1];
	int npos, rc;
	opts_init(&o);
	if (single) {
		o.ex.max_executions = 1;
		o.ex.shrink = false;	/* run shows the execution it ran */
	}
	if ((rc = pcsim_cli_scenario_take_opts(&argc, argv)))	/* --kernel all, --coverage */
		return rc;
	if ((rc = parse_opts(argc, argv, &o, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return pcsim_cmdline_usage_error("%s needs a PROGRAM", single ? "run" : "explore");
	if ((rc = check_explore_opts(&o, single)))
		return rc;
	if (o.junit && (rc = check_output_file("--junit", o.junit)))
		return rc;
	if (!pcsim_builtin_find(pos[0]) && pcsim_cli_is_scenario(pos[0])) {
		if ((o.given & G_SHARD) && (o.junit || o.ktap))
			return pcsim_cmdline_usage_error(
				"--shard of a scenario: a shard is not judged alone (pcsim merge "
				"judges the campaign), so --junit and --ktap have nothing to say");
		if (o.given & G_ESTIMATE)
			return scenario_estimate(pos[0], &o);
		return pcsim_cli_scenario_explore(single, pos[0], apply_settings_cb, &o, &o.ex,
						  o.trace_file, o.out_dir, o.json, o.jobs, o.junit,
						  o.ktap, o.checkpoint, o.checkpoint_every);
	}
	const struct pcsim_builtin *b = find_program(pos[0]);
	if (!b)
		return EXIT_USAGE;
	if (o.given & G_ESTIMATE)
		return cmd_estimate(b, &o);
	/* Where the schedule of a failure goes: known now, so --trace cannot clobber it. A shard
	 * names its own, so that shards writing to one directory keep each other's. */
	char path[4096];
	if (o.ex.slice_count > 1)
		snprintf(path, sizeof(path), "%s/%s-%" PRIu64 ".shard-%u-of-%u.schedule", o.out_dir,
			 b->prog.name, o.ex.seed, o.ex.slice_index, o.ex.slice_count);
	else
		snprintf(path, sizeof(path), "%s/%s-%" PRIu64 ".schedule", o.out_dir, b->prog.name,
			 o.ex.seed);
	if ((rc = check_output_dir("--out", o.out_dir)))
		return rc;
	if (o.trace_file) {
		if ((rc = check_output_file("--trace", o.trace_file)))
			return rc;
		if (same_file(o.trace_file, path))
			return pcsim_cmdline_usage_error(
				"--trace %s is where a failing schedule would be written", o.trace_file);
	}
	/* the program's own defaults, then what the command line set */
	o.cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		pcsim_pagecache_config(&o.cfg)->wait_table_bits = (unsigned)b->wait_table_bits;
	if ((rc = apply_settings(&o)))
		return rc;
	if (single) {
		o.ex.keep_trace = true;
		o.ex.max_executions = 1;
	}
	/* the digest lets `pcsim merge` outputs be compared with a single run's */
	o.ex.digest = o.json;
	/* the progress line on a terminal (stderr), with the fraction explored and an ETA for
	 * dfs and dpor (struct pcsim_progress) */
	bool tty_progress = !o.json && !o.ktap && isatty(2) && !single;
	struct pcsim_cli_progress pr = { pcsim_cli_now(), pcsim_cli_now(), 0, 0, 0 };
	if (tty_progress) {
		o.ex.progress_ex = pcsim_cli_progress_cb;
		o.ex.progress_arg = &pr;
		(void)pcsim_cli_progress_interval();	/* a bad value is named now, not later */
	}
	catch_stop_signals(&o.ex);
	char *resume_text = NULL;
	if ((rc = pcsim_cli_checkpoint_setup(o.checkpoint, o.checkpoint_every, &o.ex, &pr,
					     &resume_text)))
		return rc;
	struct pcsim_report r, *others = NULL;
	unsigned nothers = 0;
	if (o.jobs > 1)
		rc = pcsim_cli_jobs(&b->prog, &o.cfg, &o.ex, o.jobs, tty_progress, &r, &others,
				    &nothers);
	else
		rc = pcsim_explore(&b->prog, &o.cfg, &o.ex, &r);
	double seconds = pcsim_cli_now() - pr.start;
	if (tty_progress)
		fprintf(stderr, "\r%100s\r", "");
	bool resumed = resume_text != NULL;
	free(resume_text);
	if (rc < 0) {
		if (r.message && strncmp(r.message, "checkpoint:", 11) == 0)
			fprintf(stderr, "%s: %s:%s\n", prog_name, o.checkpoint, r.message + 11);
		else
			fprintf(stderr, "%s: %s\n", prog_name, r.message ? r.message : strerror(-rc));
		pcsim_report_free(&r);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	interrupted = stop_signal && !r.exhausted &&
		      (!o.ex.max_executions || r.executions < o.ex.max_executions);
	pcsim_cli_checkpoint_finish(o.checkpoint, &r, resumed, interrupted);
	/* The finding first: the schedule file(s), then the report. */
	const char *sched_path = NULL;
	bool sched_lost = false;
	if (r.outcome != PCSIM_OUTCOME_OK && r.schedule) {
		if (pcsim_cmdline_write_file(path, r.schedule) == 0)
			sched_path = path;
		else
			sched_lost = true;
	}
	pcsim_cli_keep_others(path, others, nothers, o.json || o.ktap);
	if (single && !o.json && r.trace && r.outcome == PCSIM_OUTCOME_OK)
		printf("%s\n", r.trace);
	if (!o.ktap)
		print_report(single ? "run" : "explore", b->prog.name, &o, &r, sched_path);
	pcsim_cli_coverage_print(o.json);
	fflush(stdout);
	if (sched_lost)
		fprintf(stderr, "%s: the failing schedule could not be written to %s; here it is:\n"
				"%s",
			prog_name, path, r.schedule);
	int st = write_trace(&o, &b->prog, &r, outcome_status(&r));
	st = write_results(&o, b->prog.name, &r, sched_path, seconds, st);
	pcsim_report_free(&r);
	return st;
}

/* The library places schedule errors at "schedule:LINE:COL:"; name the file instead. */
static void input_error(const char *path, const char *msg)
{
	if (strncmp(msg, "schedule:", 9) == 0 && msg[9] >= '0' && msg[9] <= '9')
		fprintf(stderr, "%s: %s:%s\n", prog_name, path, msg + 9);
	else
		fprintf(stderr, "%s: %s: %s\n", prog_name, path, msg);
}

static int cmd_replay(int argc, char **argv)
{
	struct opts o;
	const char *pos[2];
	int npos, rc;
	char err[512], pname[128];
	opts_init(&o);
	if ((rc = parse_opts(argc, argv, &o, pos, 2, &npos)))
		return rc;
	if (npos != 2)
		return pcsim_cmdline_usage_error("replay needs PROGRAM and SCHEDULE");
	const char *n;
	if ((n = given_setting(&o, setting_recorded)) || (n = given_name(o.given, G_BUG)))
		return pcsim_cmdline_usage_error(
			"replay: %s has no effect: the schedule file's config line records the "
			"configuration it ran with", n);
	if ((n = given_name(o.given, G_STRATEGY | G_SEED | G_SCHEDULES | G_DEPTH |
					     G_PREEMPTIONS)))
		return pcsim_cmdline_usage_error(
			"replay: %s has no effect: the schedule file fixes every choice", n);
	if ((n = given_name(o.given, G_OUT)))
		return pcsim_cmdline_usage_error("replay: %s has no effect: replay writes no "
						 "schedule", n);
	if ((n = given_name(o.given, G_JOBS | G_SHARD | G_NO_SHRINK | G_JUNIT | G_KTAP |
					     G_ESTIMATE)))
		return pcsim_cmdline_usage_error("replay: %s is an option of explore", n);
	const struct pcsim_builtin *b = find_program(pos[0]);
	if (!b)
		return EXIT_USAGE;
	if (o.trace_file) {
		if (same_file(o.trace_file, pos[1]))
			return pcsim_cmdline_usage_error("--trace %s would overwrite the schedule "
							 "being replayed", o.trace_file);
		if ((rc = check_output_file("--trace", o.trace_file)))
			return rc;
	}
	char *text = read_input(pos[1], "schedule file");
	if (!text)
		return EXIT_USAGE;
	pcsim_config_init(&o.cfg);
	if (pcsim_schedule_info(text, pname, sizeof(pname), &o.cfg, err, sizeof(err)) < 0) {
		input_error(pos[1], err);
		free(text);
		return EXIT_USAGE;
	}
	/* what a schedule does not record (the watchdog, stacks, ...) comes from the options */
	if ((rc = apply_settings(&o))) {
		free(text);
		return rc;
	}
	o.ex.strategy = PCSIM_STRATEGY_REPLAY;
	o.ex.shrink = false;	/* a replay reports the schedule it was given */
	o.ex.schedule = text;
	o.ex.replay_lenient = o.lenient;
	o.ex.keep_trace = true;
	catch_stop_signals(&o.ex);
	struct pcsim_report r;
	rc = pcsim_explore(&b->prog, &o.cfg, &o.ex, &r);
	if (rc < 0) {
		input_error(pos[1], r.message ? r.message : "error");
		pcsim_report_free(&r);
		free(text);
		return EXIT_USAGE;
	}
	interrupted = stop_signal && r.executions == 0;
	if (!o.json && r.trace && r.outcome == PCSIM_OUTCOME_OK)
		printf("%s\n", r.trace);
	print_report("replay", b->prog.name, &o, &r, NULL);
	fflush(stdout);
	int st = write_trace(&o, &b->prog, &r, outcome_status(&r));
	pcsim_report_free(&r);
	free(text);
	return st;
}

/* `pcsim step PROGRAM [SCHEDULE] [--SETTING VALUE]...`: tools/pcsim/step.c. */
static int cmd_step(int argc, char **argv)
{
	struct opts o;
	const char *pos[2], *n;
	int npos, rc;
	opts_init(&o);
	if ((rc = parse_opts(argc, argv, &o, pos, 2, &npos)))
		return rc;
	if (npos < 1)
		return pcsim_cmdline_usage_error("step needs a PROGRAM (and may take a SCHEDULE)");
	if ((n = given_name(o.given, ~(unsigned)G_BUG)))
		return pcsim_cmdline_usage_error("step: %s has no effect: you make the choices "
						 "(settings and --bug apply)", n);
	if (npos == 2 && ((n = given_setting(&o, setting_recorded)) ||
			  (n = given_name(o.given, G_BUG))))
		return pcsim_cmdline_usage_error("step: %s has no effect: the schedule file's "
						 "config line records the configuration", n);
	return pcsim_cli_step(pos[0], npos == 2 ? pos[1] : NULL, apply_settings_cb, &o);
}

static int cmd_bugs(void)
{
	printf("%-5s %-48s %s\n", "bug", "kernel", "what (found in)");
	for (unsigned i = 0; i < pcsim_nzoo; i++)
		printf("b%02u   %-48s %s (%s)\n", pcsim_zoo[i].n, pcsim_zoo[i].kernel,
		       pcsim_zoo[i].what, pcsim_zoo[i].found_in);
	printf("\nre-inject with --bug bNN, e.g. pcsim explore pagecache-general --bug b03\n");
	return EXIT_OK;
}

static int cmd_programs(void)
{
	for (unsigned i = 0; i < pcsim_nbuiltins; i++)
		printf("%-20s %s%s\n", pcsim_builtins[i].prog.name, pcsim_builtins[i].summary,
		       pcsim_builtins[i].mem == PCSIM_MEM_TSO ? " [tso]" : "");
	return EXIT_OK;
}

/* ---------------------------------------------------------------------------------------------
 * `pcsim _selftest KIND`: deliberate failures for tests/robustness_cli/ (not for users):
 *   asan      a heap-buffer overflow (exit 3 from ASan in an ASan build)
 *   ubsan     a signed overflow (exit 3 from UBSan in a UBSan build)
 *   spin      a sim task that loops without a preemption point forever (watchdog: exit 3)
 *   slow      a sim task that loops 1.5 s without a preemption point, then ends (the
 *             watchdog, at 1 s, reports a livelock: exit 1)
 *   threads-spin  a task polling with cpu_relax() for a flag nobody sets, threads backend,
 *             1 s timeout: reported as a livelock, not a deadlock (exit 1)
 * Without the sanitizer, asan and ubsan say so and exit 0.
 */
static volatile unsigned selftest_ms;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void selftest_task(void *arg)
{
	(void)arg;
	uint64_t end = mono_ms() + selftest_ms;
	/* No pcsim call inside: no preemption point. */
	while (!selftest_ms || mono_ms() < end)
		;
	pcsim_cpu_relax();
}

static void selftest_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "spinner", selftest_task, NULL, 0);
}

static void selftest_poll(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&selftest_ms, __ATOMIC_RELAXED))
		pcsim_cpu_relax();
}

static void selftest_poll_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "poller", selftest_poll, NULL, 0);
}

static int cmd_selftest(int argc, char **argv)
{
	const char *k = argc == 1 ? argv[0] : "";
	if (strcmp(k, "asan") == 0) {
#if defined(__SANITIZE_ADDRESS__)
		char *volatile p = malloc(8);
		volatile int i = 8;
		p[i] = 1;
		free(p);
		return EXIT_OK;
#else
		printf("not built with AddressSanitizer\n");
		return EXIT_OK;
#endif
	}
	if (strcmp(k, "ubsan") == 0) {
		volatile int big = INT_MAX, one = 1;
		int sum = big + one;
		printf("no UBSan report (sum %d): not built with UBSan?\n", sum);
		return EXIT_OK;
	}
	bool thr = strcmp(k, "threads-spin") == 0;
	if (strcmp(k, "spin") == 0 || strcmp(k, "slow") == 0 || thr) {
		static const struct pcsim_program prog = { .name = "selftest-spin",
							   .setup = selftest_setup };
		static const struct pcsim_program poll = { .name = "selftest-poll",
							   .setup = selftest_poll_setup };
		struct pcsim_config cfg;
		struct pcsim_explore_opts ex;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		pcsim_explore_opts_init(&ex);
		cfg.watchdog_ms = 1000;
		cfg.threads_timeout_ms = 1000;
		if (thr)
			cfg.backend = PCSIM_BACKEND_THREADS;
		ex.max_executions = 1;
		ex.confirm = false;
		selftest_ms = k[1] == 'l' ? 1500 : 0;
		int rc = pcsim_explore(thr ? &poll : &prog, &cfg, &ex, &r);
		if (rc < 0)
			return EXIT_INTERNAL;
		printf("%s (%s): %s\n", pcsim_outcome_name(r.outcome), r.what,
		       r.message ? r.message : "");
		int st = outcome_status(&r);
		pcsim_report_free(&r);
		return st;
	}
	return pcsim_cmdline_usage_error("_selftest: KIND is asan, ubsan, spin, slow or threads-spin");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	pcsim_watchdog_set_handler(on_watchdog);
	bool listing = strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 ||
		       strcmp(cmd, "programs") == 0 || strcmp(cmd, "bugs") == 0;
	if (listing && argc > 2)
		return pcsim_cmdline_usage_error("%s takes no arguments ('%s')", cmd, argv[2]);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	/*
	 * `pcsim COMMAND ... --help`: the usage on stdout, status 0, whatever else the line
	 * holds (litmus and bench print their own; a program or file is never named -h/--help).
	 */
	if (strcmp(cmd, "litmus") != 0 && strcmp(cmd, "bench") != 0)
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				usage(stdout);
				return EXIT_OK;
			}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pcsim %s (commit %s; trace schema %d, schedule format 1)\n",
		       PCSIM_VERSION_STRING, PCSIM_COMMIT, PCSIM_TRACE_SCHEMA);
		return EXIT_OK;
	}
	if (strcmp(cmd, "programs") == 0)
		return cmd_programs();
	if (strcmp(cmd, "bugs") == 0)
		return cmd_bugs();
	if (strcmp(cmd, "settings") == 0)
		return cmd_settings(argc - 2, argv + 2);
	if (strcmp(cmd, "run") == 0)
		return cmd_explore(argc - 2, argv + 2, true);
	if (strcmp(cmd, "explore") == 0)
		return cmd_explore(argc - 2, argv + 2, false);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 2, argv + 2);
	if (strcmp(cmd, "merge") == 0)
		return pcsim_cli_merge(argc - 2, argv + 2);
	if (strcmp(cmd, "step") == 0)
		return cmd_step(argc - 2, argv + 2);
	if (strcmp(cmd, "demo") == 0)
		return pcsim_cli_demo(argc - 2, argv + 2);
	if (strcmp(cmd, "litmus") == 0)
		return pcsim_cli_litmus(argc - 2, argv + 2);
	if (strcmp(cmd, "_selftest") == 0)
		return cmd_selftest(argc - 2, argv + 2);
	if (strcmp(cmd, "bench") == 0) {
#if PCSIM_HAVE_BENCH
		return pcsim_bench_main(argc - 2, argv + 2);
#else
		fprintf(stderr,
			"%s: built without benchmarks (configure with -DPCSIM_BUILD_BENCH=ON)\n",
			prog_name);
		return EXIT_USAGE;
#endif
	}
	return pcsim_cmdline_usage_error("unknown command '%s'", cmd);
}
