// SPDX-License-Identifier: MIT
/*
 * pcsim - command-line front end.
 *
 * Exit status: 0 no violation, 1 violation found, 2 bad usage or input, 3 internal error.
 * Until scenario files exist (the scenario issue), PROGRAM names a built-in program
 * (`pcsim programs` lists them).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcsim/pcsim.h>

#if PCSIM_HAVE_BENCH
#include <pcsim_bench/bench.h>
#endif
#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "cli.h"

#define EXIT_OK 0
#define EXIT_VIOLATION 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

static const char *const prog_name = pcsim_cmdline_prog;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s <command> [options]\n"
		"\n"
		"commands:\n"
		"  demo                       find the lost wakeup of the micro-model and show it\n"
		"  programs                   list the built-in programs\n"
		"  bugs                       the re-injectable bug zoo\n"
		"  run PROGRAM                one execution, print its trace\n"
		"  explore PROGRAM            search for a violation with a strategy\n"
		"  replay PROGRAM SCHEDULE    re-run a schedule file exactly\n"
		"  bench sched [--json]       scheduler throughput (steps/s, executions/s)\n"
		"  bench waitq|pagelock|pagecache|bdev\n"
		"                             the other figures of bench/README.md\n"
		"  version\n"
		"\n"
		"options (run, explore):\n"
		"  --strategy random|pct|dfs  default pct\n"
		"  --seed N                   default 1\n"
		"  --schedules N              executions to try (explore), default 10000; 0 = no limit\n"
		"  --depth D                  PCT depth, default 3\n"
		"  --preemptions K            DFS preemption bound, default 2\n"
		"  --backend sim|threads      default sim\n"
		"  --mem sc|tso               default: the program's own\n"
		"  --cpus N                   default 2\n"
		"  --max-steps N              livelock budget per execution\n"
		"  --spurious N               offer up to N spurious wakeups per execution\n"
		"  --checks default|none|strict-p6\n"
		"                             strict-p6: a killed page waiter dropping a counted\n"
		"                             exclusive wakeup (5.10 does) is a violation\n"
		"  --bug bNN                  re-inject bug zoo entry NN (repeatable)\n"
		"  --trace FILE               write the narrative trace of the reported execution\n"
		"  --out DIR                  where explore writes the failing schedule (default .)\n"
		"  --json                     one JSON object on stdout instead of text\n"
		"\n"
		"exit status: 0 no violation, 1 violation found, 2 bad usage or input, 3 internal "
		"error\n",
		prog_name);
}

struct opts {
	struct pcsim_config cfg;
	struct pcsim_explore_opts ex;
	const char *trace_file;
	const char *out_dir;
	bool json;
	bool mem_given;
	bool lenient;
};

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
			if (pcsim_strategy_parse(v, &o->ex.strategy) < 0 ||
			    o->ex.strategy == PCSIM_STRATEGY_REPLAY)
				return pcsim_cmdline_usage_error(
					"--strategy: '%s' is not one of random, pct, dfs", v);
		} else if (strcmp(a, "--seed") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX, &o->ex.seed)))
				return rc;
		} else if (strcmp(a, "--schedules") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, UINT64_MAX,
							  &o->ex.max_executions)))
				return rc;
		} else if (strcmp(a, "--depth") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, 16, &n)))
				return rc;
			o->ex.pct_depth = (unsigned)n;
		} else if (strcmp(a, "--preemptions") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, 1000, &n)))
				return rc;
			o->ex.preemption_bound = (unsigned)n;
		} else if (strcmp(a, "--backend") == 0) {
			NEED();
			if (strcmp(v, "sim") == 0)
				o->cfg.backend = PCSIM_BACKEND_SIM;
			else if (strcmp(v, "threads") == 0)
				o->cfg.backend = PCSIM_BACKEND_THREADS;
			else
				return pcsim_cmdline_usage_error(
					"--backend: '%s' is not sim or threads", v);
		} else if (strcmp(a, "--mem") == 0) {
			NEED();
			if (strcmp(v, "sc") == 0)
				o->cfg.mem = PCSIM_MEM_SC;
			else if (strcmp(v, "tso") == 0)
				o->cfg.mem = PCSIM_MEM_TSO;
			else
				return pcsim_cmdline_usage_error("--mem: '%s' is not sc or tso", v);
			o->mem_given = true;
		} else if (strcmp(a, "--cpus") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, PCSIM_MAX_CPUS, &n)))
				return rc;
			o->cfg.ncpus = (unsigned)n;
		} else if (strcmp(a, "--max-steps") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 1, UINT64_MAX, &o->cfg.max_steps)))
				return rc;
		} else if (strcmp(a, "--spurious") == 0) {
			NEED();
			if ((rc = pcsim_cmdline_parse_u64(a, v, 0, 1000000, &n)))
				return rc;
			o->cfg.max_spurious = (unsigned)n;
		} else if (strcmp(a, "--checks") == 0) {
			NEED();
			if (strcmp(v, "default") == 0)
				o->cfg.checks = PCSIM_CHECK_DEFAULT;
			else if (strcmp(v, "none") == 0)
				o->cfg.checks = PCSIM_CHECK_NONE;
			else if (strcmp(v, "strict-p6") == 0)
				o->cfg.checks = PCSIM_CHECK_DEFAULT | PCSIM_CHECK_STRICT_P6;
			else
				return pcsim_cmdline_usage_error(
					"--checks: '%s' is not default, none or strict-p6", v);
		} else if (strcmp(a, "--trace") == 0) {
			NEED();
			o->trace_file = v;
		} else if (strcmp(a, "--out") == 0) {
			NEED();
			o->out_dir = v;
		} else if (strcmp(a, "--bug") == 0) {
			NEED();
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
			o->cfg.bugs |= 1ull << b;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--lenient") == 0) {
			o->lenient = true;
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
	o->out_dir = ".";
}

static const struct pcsim_builtin *find_program(const char *name)
{
	const struct pcsim_builtin *b = pcsim_builtin_find(name);
	if (b)
		return b;
	size_t n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".pcs") == 0)
		fprintf(stderr, "%s: %s: scenario files are not supported yet; use a built-in "
				"program ('%s programs')\n",
			prog_name, name, prog_name);
	else
		fprintf(stderr, "%s: unknown program '%s' ('%s programs' lists them)\n", prog_name,
			name, prog_name);
	return NULL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog_name, path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (len + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_report(const char *cmd, const char *program, const struct opts *o,
			 const struct pcsim_report *r, const char *schedule_path)
{
	if (o->json) {
		printf("{\"command\":\"%s\",\"program\":", cmd);
		json_str(stdout, program);
		printf(",\"strategy\":\"%s\",\"seed\":%" PRIu64 ",\"outcome\":\"%s\",\"what\":",
		       pcsim_strategy_name(o->ex.strategy), o->ex.seed,
		       pcsim_outcome_name(r->outcome));
		json_str(stdout, r->what);
		printf(",\"executions\":%" PRIu64 ",\"steps\":%" PRIu64
		       ",\"failing_execution\":%" PRIu64 ",\"step\":%" PRIu64
		       ",\"exhausted\":%s,\"confirmed\":%s,\"trace_hash\":\"%016" PRIx64 "\"",
		       r->executions, r->steps, r->failing_execution, r->step,
		       r->exhausted ? "true" : "false", r->confirmed ? "true" : "false",
		       r->trace_hash);
		printf(",\"message\":");
		json_str(stdout, r->message);
		printf(",\"schedule_file\":");
		json_str(stdout, schedule_path);
		printf("}\n");
		return;
	}
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

static bool tty_progress;
static time_t progress_start;

static void progress(uint64_t execs, uint64_t steps, void *arg)
{
	(void)arg;
	if (!tty_progress)
		return;
	double dt = difftime(time(NULL), progress_start);
	fprintf(stderr, "\r  %" PRIu64 " executions, %" PRIu64 " steps%s", execs, steps,
		dt > 0 ? "" : "");
	if (dt > 0)
		fprintf(stderr, " (%.0f executions/s)   ", (double)execs / dt);
	fflush(stderr);
}

static int cmd_explore(int argc, char **argv, bool single)
{
	struct opts o;
	const char *pos[1];
	int npos, rc;
	opts_init(&o);
	if (single)
		o.ex.max_executions = 1;
	if ((rc = parse_opts(argc, argv, &o, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return pcsim_cmdline_usage_error("%s needs a PROGRAM", single ? "run" : "explore");
	const struct pcsim_builtin *b = find_program(pos[0]);
	if (!b)
		return EXIT_USAGE;
	if (!o.mem_given)
		o.cfg.mem = b->mem;
	if (b->wait_table_bits >= 0)
		o.cfg.wait_table_bits = (unsigned)b->wait_table_bits;
	if (single) {
		o.ex.keep_trace = true;
		o.ex.max_executions = 1;
	}
	tty_progress = !o.json && isatty(2) && !single;
	progress_start = time(NULL);
	o.ex.progress = progress;
	struct pcsim_report r;
	rc = pcsim_explore(&b->prog, &o.cfg, &o.ex, &r);
	if (tty_progress)
		fprintf(stderr, "\r%60s\r", "");
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog_name, r.message ? r.message : strerror(-rc));
		pcsim_report_free(&r);
		return rc == -EINVAL ? EXIT_USAGE : EXIT_INTERNAL;
	}
	char path[4096];
	const char *sched_path = NULL;
	if (r.outcome != PCSIM_OUTCOME_OK && r.schedule) {
		snprintf(path, sizeof(path), "%s/%s-%" PRIu64 ".schedule", o.out_dir, b->prog.name,
			 o.ex.seed);
		if (pcsim_cmdline_write_file(path, r.schedule) == 0)
			sched_path = path;
	}
	if (o.trace_file && r.trace && pcsim_cmdline_write_file(o.trace_file, r.trace) < 0) {
		pcsim_report_free(&r);
		return EXIT_USAGE;
	}
	if (single && !o.json && r.trace && r.outcome == PCSIM_OUTCOME_OK)
		printf("%s\n", r.trace);
	print_report(single ? "run" : "explore", b->prog.name, &o, &r, sched_path);
	int st = outcome_status(&r);
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
	const struct pcsim_builtin *b = find_program(pos[0]);
	if (!b)
		return EXIT_USAGE;
	char *text = read_file(pos[1]);
	if (!text)
		return EXIT_USAGE;
	pcsim_config_init(&o.cfg);
	if (pcsim_schedule_info(text, pname, sizeof(pname), &o.cfg, err, sizeof(err)) < 0) {
		input_error(pos[1], err);
		free(text);
		return EXIT_USAGE;
	}
	o.ex.strategy = PCSIM_STRATEGY_REPLAY;
	o.ex.schedule = text;
	o.ex.replay_lenient = o.lenient;
	o.ex.keep_trace = true;
	struct pcsim_report r;
	rc = pcsim_explore(&b->prog, &o.cfg, &o.ex, &r);
	if (rc < 0) {
		input_error(pos[1], r.message ? r.message : "error");
		pcsim_report_free(&r);
		free(text);
		return EXIT_USAGE;
	}
	if (o.trace_file && r.trace && pcsim_cmdline_write_file(o.trace_file, r.trace) < 0) {
		pcsim_report_free(&r);
		free(text);
		return EXIT_USAGE;
	}
	if (!o.json && r.trace && r.outcome == PCSIM_OUTCOME_OK)
		printf("%s\n", r.trace);
	print_report("replay", b->prog.name, &o, &r, NULL);
	int st = outcome_status(&r);
	pcsim_report_free(&r);
	free(text);
	return st;
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pcsim %s (trace schema %d, schedule format 1)\n", PCSIM_VERSION_STRING,
		       PCSIM_TRACE_SCHEMA);
		return EXIT_OK;
	}
	if (strcmp(cmd, "programs") == 0)
		return cmd_programs();
	if (strcmp(cmd, "bugs") == 0)
		return cmd_bugs();
	if (strcmp(cmd, "run") == 0)
		return cmd_explore(argc - 2, argv + 2, true);
	if (strcmp(cmd, "explore") == 0)
		return cmd_explore(argc - 2, argv + 2, false);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 2, argv + 2);
	if (strcmp(cmd, "demo") == 0)
		return pcsim_cli_demo(argc - 2, argv + 2);
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
