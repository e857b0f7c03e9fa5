// SPDX-License-Identifier: MIT
/*
 * demo.c - `pcsim demo`: the engine finds the lost wakeup of the micro-model, prints it as a
 * readable trace with the reason, shows how to replay it, then shows the kernel's pattern
 * surviving an exhaustive bounded search, a re-injected bug of the async buffered reads series,
 * and the series' retry seen from the ring's side; the lost wakeup, the bug and the retry are
 * drawn as SVG timelines next to their schedules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pcsim/pcsim.h>

#include <pcsim_support/cmdline.h>
#include <pcsim_support/programs.h>

#include "cli.h"

static const char buggy_src[] =
	"  waiter (cpu0)                             waker (cpu1)\n"
	"  if (!READ_ONCE(flag)) {                   WRITE_ONCE(flag, 1);\n"
	"      set_current_state(TASK_UNINTERRUPTIBLE); wake_up_process(waiter);\n"
	"      schedule();\n"
	"  }\n";

static const char fixed_src[] =
	"  for (;;) {\n"
	"      set_current_state(TASK_UNINTERRUPTIBLE);   /* store + smp_mb() */\n"
	"      if (READ_ONCE(flag))\n"
	"          break;\n"
	"      schedule();\n"
	"  }\n"
	"  __set_current_state(TASK_RUNNING);\n";

/* Print the lines of a trace that tell the page-lock story, with the step numbers. */
static void print_story(const char *trace)
{
	static const char *const keys[] = { "async", "PG_waiters", "callback of", "wake walk on",
					     "atomic and page", "VIOLATION", "sleeps in",
					     "irq enter" };
	const char *p = trace;
	bool first = true;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		bool keep = first;
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]) && !keep; k++)
			keep = memmem(p, n, keys[k], strlen(keys[k])) != NULL;
		if (keep)
			printf("%.*s\n", (int)n, p);
		first = false;
		p = nl ? nl + 1 : NULL;
	}
}

/* Draw the execution @r reports as an SVG timeline at @path (a replay of its schedule);
 * returns whether it was written, after saying why not. */
static bool draw_picture(const char *path, const struct pcsim_program *prog,
			 const struct pcsim_report *r)
{
	char err[512] = "cannot write it";
	FILE *f = fopen(path, "w");
	int rc = f ? pcsim_trace_replay_write(prog, r->schedule, PCSIM_TRACE_SVG, NULL, f, NULL,
					      err, sizeof(err))
		   : -1;
	if (f && fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "cannot write it");
		rc = -1;
	}
	if (rc < 0)
		printf("(the picture could not be written to %s: %s)\n", path, err);
	return rc == 0;
}

static int demo_pagecache(const char *out, uint64_t seed)
{
	const struct pcsim_builtin *g = pcsim_builtin_find("pagecache-general");
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	cfg.bugs = 1ull << 3;
	pcsim_explore_opts_init(&o);
	o.seed = seed;
	o.max_executions = 10000;
	printf("pcsim demo 3/4: bug B-03 of the async buffered reads series, re-injected\n\n"
	       "One small file, every page in one wait bucket. An io_uring-style reader arms an\n"
	       "async callback on a page under I/O; a blocking reader, a locker, a truncator and\n"
	       "an evictor run beside it. In v1 of the series the async callback returned before\n"
	       "setting key->page_match, so wake_up_page_bit() could decide the page had no\n"
	       "waiter.\n\n"
	       "Exploring with PCT (seed %" PRIu64 ")...\n\n",
	       seed);
	int rc = pcsim_explore(&g->prog, &cfg, &o, &r);
	if (rc != 1) {
		printf("unexpected: B-03 not found (%s)\n", r.message ? r.message : "");
		pcsim_report_free(&r);
		return 3;
	}
	printf("Found in execution %" PRIu64 ", step %" PRIu64 ": %s\n  %s\n\n"
	       "The page-lock story (the full trace has every step):\n",
	       r.failing_execution, r.step, r.what, r.message);
	print_story(r.trace);
	printf("\nWhat happened: a wake walk reached the armed async entry while the page was\n"
	       "locked again; the buggy callback returned -1 without recording the match, the walk\n"
	       "stopped, and wake_up_page_bit() cleared PG_waiters with the entry still queued. The\n"
	       "next unlock_page() takes the fast path: the callback, and the reader's retry, never\n"
	       "come (P2 reports it at the moment PG_waiters is cleared).\n\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/pagecache-general-b03-%" PRIu64 ".schedule", out, seed);
	if (pcsim_cmdline_write_file(path, r.schedule) == 0)
		printf("Replay: pcsim replay pagecache-general %s\n", path);
	snprintf(path, sizeof(path), "%s/pagecache-general-b03-%" PRIu64 ".svg", out, seed);
	if (draw_picture(path, &g->prog, &r))
		printf("Its picture: %s\n(the reader asleep at the end, the walk that stopped)\n",
		       path);
	printf("\n");
	pcsim_report_free(&r);

	cfg.bugs = 0;
	rc = pcsim_explore(&g->prog, &cfg, &o, &r);
	if (rc != 0) {
		printf("unexpected: the clean scenario failed (%s)\n", r.message ? r.message : "");
		pcsim_report_free(&r);
		return 3;
	}
	printf("The same scenario with the fix (page_match set first): no violation in %" PRIu64
	       " PCT executions (%" PRIu64 " steps).\n",
	       r.executions, r.steps);
	pcsim_report_free(&r);
	return 0;
}

/* Print the lines of a trace that tell the ring's story. */
static void print_ring_story(const char *trace)
{
	static const char *const keys[] = { "SQE", "armed", "io_async_buf_func", "task_work",
					     "retry from", "CQE", "irq enter", "queued to io-wq" };
	const char *p = trace;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		bool keep = false;
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]) && !keep; k++)
			keep = memmem(p, n, keys[k], strlen(keys[k])) != NULL;
		if (keep)
			printf("%.*s\n", (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

static int demo_ring(const char *out, uint64_t seed)
{
	const struct pcsim_builtin *g = pcsim_builtin_find("uring-rasync");
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
	pcsim_explore_opts_init(&o);
	o.seed = seed;
	o.max_executions = 1;
	o.keep_trace = true;
	printf("\npcsim demo 4/4: the series' retry, seen from the ring\n\n"
	       "A task reads three blocks through an io_uring (uring-rasync: page 0 is under I/O,\n"
	       "page 1 is not cached) while a locker and an evictor run beside it. Each read tries\n"
	       "IOCB_NOWAIT first; on -EAGAIN io_read() arms io_async_buf_func() on the page and\n"
	       "returns; the unlock at the end of the I/O runs the callback in interrupt context,\n"
	       "which queues the retry to the submitter as task_work; the submitter runs it while\n"
	       "it waits for completions, and the CQE follows. No io-wq thread is involved.\n\n");
	/* The first execution (from the given seed on) in which a read arms: often the device
	 * finishes first and the NOWAIT attempt succeeds. */
	int rc = 0;
	for (unsigned tries = 0; tries < 64; tries++, o.seed++) {
		rc = pcsim_explore(&g->prog, &cfg, &o, &r);
		if (rc != 0 || !r.trace || strstr(r.trace, "armed:"))
			break;
		pcsim_report_free(&r);
	}
	if (rc != 0 || !r.trace || !strstr(r.trace, "armed:")) {
		printf("unexpected: %s\n", r.message ? r.message : "no execution armed a read");
		pcsim_report_free(&r);
		return 3;
	}
	printf("One execution (PCT, seed %" PRIu64 "), the ring's events:\n\n", o.seed);
	print_ring_story(r.trace);
	printf("\nOne unlock can fire several armed requests' callbacks (one wait bucket); their\n"
	       "retries run in the submitter most recent first: 5.10's task_work is a stack.\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/uring-rasync-%" PRIu64 ".svg", out, o.seed);
	if (draw_picture(path, &g->prog, &r))
		printf("\nThe picture of this execution, a lane per task and interrupt with\n"
		       "the unlock -> callback -> task_work -> retry -> CQE arrows:\n  %s\n"
		       "(open it in a browser). Any run, explore or replay draws one with --trace\n"
		       "FILE.svg, or --trace FILE.json for ui.perfetto.dev.\n",
		       path);
	printf("\nExplore it yourself: pcsim explore uring-rasync (and uring-offload, uring-sync:\n"
	       "the same reads through io-wq, and blocking in the submitter).\n");
	pcsim_report_free(&r);
	return 0;
}

int pcsim_cli_demo(int argc, char **argv)
{
	const char *out = NULL;
	uint64_t seed = 1;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			int rc = pcsim_cmdline_parse_u64("--seed", argv[++i], 0, UINT64_MAX, &seed);
			if (rc)
				return rc;
		} else {
			return pcsim_cmdline_usage_error("demo: unknown argument '%s'", argv[i]);
		}
	}
	struct stat st;
	if (!out)
		out = stat("build", &st) == 0 && S_ISDIR(st.st_mode) ? "build" : ".";

	const struct pcsim_builtin *buggy = pcsim_builtin_find("micro-lost-wakeup");
	const struct pcsim_builtin *fixed = pcsim_builtin_find("micro-fixed");
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_PCT;
	o.seed = seed;
	o.max_executions = 10000;

	printf("pcsim demo 1/4: a lost wakeup\n\n"
	       "Two tasks on two CPUs. The waiter tests the condition *before* it marks itself\n"
	       "as sleeping:\n\n%s\n"
	       "Exploring with PCT (depth %u, seed %" PRIu64 ", up to %" PRIu64
	       " executions)...\n\n",
	       buggy_src, o.pct_depth, seed, o.max_executions);
	int rc = pcsim_explore(&buggy->prog, &cfg, &o, &r);
	if (rc != 1) {
		printf("unexpected: no violation found (%s)\n", r.message ? r.message : "");
		pcsim_report_free(&r);
		return 3;
	}
	printf("Found a %s in execution %" PRIu64 " (step %" PRIu64 "):\n  %s\n\n%s\n",
	       pcsim_outcome_name(r.outcome), r.failing_execution, r.step, r.message, r.trace);
	printf("What happened: the waiter read flag == 0; before it set TASK_UNINTERRUPTIBLE the\n"
	       "waker stored flag = 1 and called wake_up_process(), whose try_to_wake_up() saw\n"
	       "the waiter still TASK_RUNNING and returned 0. The waiter then slept, and no one\n"
	       "will ever wake it.\n\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/micro-lost-wakeup-%" PRIu64 ".schedule", out, seed);
	if (pcsim_cmdline_write_file(path, r.schedule) == 0)
		printf("The failing schedule is in %s; replay it exactly with\n"
		       "  pcsim replay micro-lost-wakeup %s\n"
		       "(confirmed: two traced replays gave the same trace hash %016" PRIx64
		       ": %s)\n",
		       path, path, r.trace_hash, r.confirmed ? "yes" : "NO");
	snprintf(path, sizeof(path), "%s/micro-lost-wakeup-%" PRIu64 ".svg", out, seed);
	if (draw_picture(path, &buggy->prog, &r))
		printf("Its picture: %s\n(the dashed arrow is the wakeup that found the waiter "
		       "still running;\nthe red bar is the sleep that never ends).\n",
		       path);
	printf("\n");
	pcsim_report_free(&r);

	printf("pcsim demo 2/4: the kernel's pattern\n\n%s\n", fixed_src);
	o.strategy = PCSIM_STRATEGY_DFS;
	o.preemption_bound = 2;
	o.max_executions = 0;
	rc = pcsim_explore(&fixed->prog, &cfg, &o, &r);
	if (rc != 0 || !r.exhausted) {
		printf("unexpected: %s\n", r.message ? r.message : "search not exhausted");
		pcsim_report_free(&r);
		return 3;
	}
	printf("DFS with at most %u preemptions explored every schedule (%" PRIu64
	       " executions, %" PRIu64 " steps): no violation.\n\n",
	       o.preemption_bound, r.executions, r.steps);
	pcsim_report_free(&r);
	rc = demo_pagecache(out, seed);
	if (rc)
		return rc;
	rc = demo_ring(out, seed);
	if (rc == 0)
		printf("\nNext: docs/tutorial.md walks through the async buffered read and the b03 "
		       "hang step by step\n(pcsim step on scenarios/async-retry.pcs and "
		       "scenarios/zoo/, with pictures like these).\n");
	return rc;
}
