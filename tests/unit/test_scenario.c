// SPDX-License-Identifier: MIT
/*
 * Description: the `.pcs` scenario language (src/scenario/, docs/scenarios.md). The parser:
 * good input loads (name, hash blind to comments, settings, budget, expectation), bad input
 * gets its exact "file:line:col: message" with suggestions, and mutated or random input never
 * crashes. The interpreter: a scenario equals its C built-in (scenarios/pagecache-general.pcs
 * takes the very steps of pagecache-general, the zoo bugs are found at the same execution;
 * scenarios/p6-race.pcs deadlocks as uring-p6 does), predicates fail as violations "expect",
 * and the verdict is judged from a report.
 * Kernel reference: none directly (the scenarios' own headers cite theirs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsim_test.h"

#include <pcsim/scenario.h>
#include <pcsim_support/programs.h>

static struct pcsim_scenario *load(const char *text, char *err, size_t errlen)
{
	struct pcsim_scenario *s = NULL;
	int rc = pcsim_scenario_load_string("t.pcs", text, strlen(text), &s, err, errlen);
	if (rc == 0)
		assert_non_null(s);
	else
		assert_null(s);
	return s;
}

static void expect_error(const char *text, const char *msg)
{
	char err[1024];
	struct pcsim_scenario *s = load(text, err, sizeof(err));
	if (s)
		fprintf(stderr, "loaded, but expected: %s\n--- text:\n%s\n", msg, text);
	assert_null(s);
	if (strcmp(err, msg) != 0)
		fprintf(stderr, "got:      %s\nexpected: %s\n", err, msg);
	assert_string_equal(err, msg);
}

/* For messages that come from pcsim_config_parse(): the position and prefix are ours. */
static void expect_error_prefix(const char *text, const char *prefix)
{
	char err[1024];
	struct pcsim_scenario *s = load(text, err, sizeof(err));
	assert_null(s);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fprintf(stderr, "got:      %s\nexpected: %s...\n", err, prefix);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("file d size=4K\ntask t {\n  lok_page d 0\n}\n",
		     "t.pcs:3:3: unknown operation 'lok_page' (did you mean 'lock_page'?)");
	expect_error("file d size=4K\ntask t { lock_page d 1 }",
		     "t.pcs:2:22: page index '1': file 'd' has pages 0..0");
	expect_error("file data size=4K\ntask t { lock_page dta 0 }",
		     "t.pcs:2:20: unknown file 'dta' (did you mean 'data'?; a file is declared "
		     "before the tasks that use it)");
	expect_error("task t {\n yield\n", "t.pcs:1:8: this '{' is never closed (missing '}')");
	expect_error("file d size=4K\neventfd e\ntask t { lock_page e 0 }",
		     "t.pcs:3:20: 'e' is an eventfd, not a file");
	expect_error("file d size=4K\ntask t { sqe r nop }",
		     "t.pcs:2:14: ring 'r' is not set up in task 't' before this line (none "
		     "declared; a ring belongs to the task that sets it up)");
	expect_error("file d size=4Q\ntask t { yield }", "t.pcs:1:13: '4Q' is not a number");
	expect_error("file d size=2M\ntask t { yield }",
		     "t.pcs:1:13: 2M is out of range (1..1048576)");
	expect_error("task a { kill b SIGKILL }", "t.pcs:1:15: unknown task 'b' (known: a)");
	expect_error("task a { kill a SIGFOO }",
		     "t.pcs:1:17: unknown signal 'SIGFOO' (known: SIGKILL, SIGUSR1, or a number "
		     "1..64)");
	{
		char err[256];
		struct pcsim_scenario *s = NULL;
		assert_int_equal(pcsim_scenario_load_string("t.pcs", "task t {\0}", 10, &s, err,
							    sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "t.pcs:1:9: a NUL byte (binary data?)");
	}
	expect_error("task t { repeat 2 { repeat 2 { repeat 2 { repeat 2 { repeat 2 { yield } } } } "
		     "} }",
		     "t.pcs:1:54: repeat nested more than 4 deep");
	expect_error("file d size=4K\n", "t.pcs:1:1: no task: a scenario needs at least one task "
					 "{ ... }");
	expect_error("file d size=4K\nfile d size=4K\ntask t { yield }",
		     "t.pcs:2:6: 'd' is already the name of a file");
	expect_error("tsk t { yield }", "t.pcs:1:1: unknown statement 'tsk' (did you mean 'task'?)");
	expect_error("explore strategy=replay\ntask t { yield }",
		     "t.pcs:1:18: explore: strategy 'replay' is not one of random, pct, dfs, dpor");
	expect_error("task t cpu=3 { yield }",
		     "t.pcs:1:8: task 't': cpu=3, but the world has 2 CPUs (config cpus=N)");
	expect_error("yield\n", "t.pcs:1:1: 'yield' is an operation: it goes inside a task { ... }");
	expect_error("task t { file d size=1 }",
		     "t.pcs:1:10: 'file' is a top-level statement, not an operation of a task");
	expect_error("}", "t.pcs:1:1: unexpected '}' (no block is open)");
	expect_error("task t { yield { } }",
		     "t.pcs:1:16: unexpected '{' (only task and repeat open a block)");
	expect_error("file d size=4K\ntask t { read d 0 4096 noio }",
		     "t.pcs:2:10: read: noio needs nowait (RWF_NOWAIT is IOCB_NOWAIT|IOCB_NOIO)");
	expect_error("file d size=4K\ntask t { ring r entries=3 }",
		     "t.pcs:2:17: ring: entries=3 is not a power of two");
	expect_error("file d size=4K\ntask t { ring r mode=fast }",
		     "t.pcs:2:22: ring: mode 'fast' is not rasync, offload or sync");
	expect_error("file d size=4K\ntask t { ring r\n sqe r read d 0 4096 expect=-EWHAT }",
		     "t.pcs:3:29: unknown error name '-EWHAT'");
	expect_error("file d size=4K\ntask t { ring r\n wait r 1 timeout=0 }",
		     "t.pcs:3:19: 0 is out of range (1..60000)");
	expect_error("file d size=4K\ntask t { ring r\n wait r all tmout=3 }",
		     "t.pcs:3:13: wait: unknown option 'tmout' (did you mean 'timeout'?)");
	expect_error("file d size=4K\ntask t { ring r\n sqe r raed d 0 1 }",
		     "t.pcs:3:8: unknown SQE kind 'raed' (did you mean 'read'?)");
	expect_error("file d size=4K random=1\ntask t { yield }",
		     "t.pcs:1:16: file: unknown option 'random' (did you mean 'random'?)");
	expect_error("task t { yield }\nexpect fnd P3",
		     "t.pcs:2:8: unknown expectation 'fnd' (did you mean 'find'?)");
	expect_error("task t { yield }\nexpect clean\nexpect find P3",
		     "t.pcs:3:8: a second verdict expectation (expect clean/find: one per "
		     "scenario, or one per kernel profile with 'on kernel PROFILES'; line 2 has "
		     "one)");
	/* kernel profiles of an expectation: the column is the profile's own, inside its word */
	expect_error("task t { yield }\nexpect clean on kernel 5.9,5.11",
		     "t.pcs:2:28: unknown kernel profile '5.11' (known: 5.10, 5.8, 5.9, 6.18, or * "
		     "for all)");
	expect_error("task t { yield }\nexpect find P3 on kernel 5.9,,5.10",
		     "t.pcs:2:30: an empty kernel profile in '5.9,,5.10' (5.10, 5.8, 5.9, 6.18 "
		     "or *)");
	expect_error("task t { yield }\nexpect find P3 on kernel 5.9,5.9",
		     "t.pcs:2:30: kernel profile '5.9' named twice");
	expect_error("task t { yield }\nexpect clean on kernel 5.8,*",
		     "t.pcs:2:28: kernel profile '*' named twice");
	expect_error("task t { yield }\nexpect clean on kernal 5.8",
		     "t.pcs:2:17: expected 'on kernel PROFILES' (PROFILES: 5.10, 5.8, 5.9, "
		     "6.18 or *, separated by commas)");
	expect_error("task t { yield }\nexpect clean on",
		     "t.pcs:2:14: expected 'on kernel PROFILES' (PROFILES: 5.10, 5.8, 5.9, "
		     "6.18 or *, separated by commas)");
	expect_error("task t { yield }\nexpect clean on kernel",
		     "t.pcs:2:17: on kernel needs the profiles it holds for (5.10, 5.8, 5.9, "
		     "6.18 or *, separated by commas: on kernel 5.9,5.10)");
	expect_error("task t { yield }\nexpect clean on kernel 5.8 5.9",
		     "t.pcs:2:28: unexpected '5.9' after the kernel profiles (one word: 5.9,5.10)");
	expect_error("task t { yield }\nexpect find P3 on kernel 5.9,5.10\nexpect clean on kernel "
		     "6.18,5.10",
		     "t.pcs:3:24: a second verdict for kernel 5.10 (line 2 says find P3 there)");
	expect_error("task t { yield }\nexpect quiescent on kernel 5.10 x",
		     "t.pcs:2:33: unexpected 'x' after the kernel profiles (one word: 5.9,5.10)");
	expect_error("task t[0] { yield }", "t.pcs:1:8: 0 is out of range (1..64)");
	expect_error("task t[40] { yield }\ntask u[40] { yield }",
		     "t.pcs:2:6: more than 64 tasks in all (arrays count each element)");
	expect_error("task t { repeat 10000 { repeat 10000 { yield } } }",
		     "t.pcs:1:40: task 't' would execute more than 1000000 operations");
	expect_error("task t { kill t[0] SIGKILL }", "t.pcs:1:15: task 't' is not an array");
	/* settings: the position is ours, the words pcsim_config_parse()'s */
	expect_error_prefix("config wait_table_bits=99\ntask t { yield }", "t.pcs:1:24: config: ");
	expect_error_prefix("config cpus=2 wait_bits=1\ntask t { yield }", "t.pcs:1:15: config: ");
	/* a word longer than the limit, and an unprintable one shown escaped */
	char big[400];
	memset(big, 'x', sizeof(big));
	memcpy(big, "task ", 5);
	big[sizeof(big) - 1] = 0;
	expect_error(big, "t.pcs:1:6: a word longer than 256 bytes");
	expect_error("task t { \x01 }", "t.pcs:1:10: unexpected control character \\x01");
	expect_error("t\xc3\xa9sk t { yield }",
		     "t.pcs:1:1: unknown statement 't\\xc3\\xa9sk' (did you mean 'task'?)");
}

static const char good[] =
	"# Description: every statement once\n"
	"config wait_table_bits=0 lock_profile=5.8\n"
	"explore strategy=random seed=7 schedules=50 depth=2 preemptions=1\n"
	"file data size=8K id=3 ra=2 random\n"
	"file other size=100 norasync eio slots=1 cached\n"
	"page data 0 io\n"
	"page data 1 readahead\n"
	"eventfd done init=0\n"
	"task reader[2] cpu=1 {\n"
	"\tread data 0 4096\n"
	"\tread data 0 100 nowait noio\n"
	"\trepeat 2 { trylock data 0; unlock_page data 0 }\n"
	"\treturn_to_user\n"
	"}\n"
	"task app cpu=0 {\n"
	"\tring r entries=4 mode=offload cq=8 workers=1\n"
	"\tregister_eventfd r done\n"
	"\tsqe r read data 4096 4096 data=9 async link expect=4096\n"
	"\tsqe r nop data=10\n"
	"\tsqe r fadvise data 0 0 advice=random\n"
	"\tsubmit r expect=3\n"
	"\twait r all\n"
	"\teventfd_read done\n"
	"\texit r\n"
	"\tkill reader[1] SIGUSR1\n"
	"\tsleep 2; yield\n"
	"}\n"
	"task killer { lock_page_killable other 0 expect=0; unlock_page other 0 }\n"
	"signal reader SIGKILL\n"
	"expect cqe data=9 res=4096\n"
	"expect page data 0 unlocked uptodate refs=1\n"
	"expect quiescent\n"
	"expect find any\n";

static void test_parse_good(void **state)
{
	(void)state;
	char err[1024];
	struct pcsim_scenario *s = NULL;
	int rc = pcsim_scenario_load_string("dir/good.pcs", good, sizeof(good) - 1, &s, err,
					    sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(pcsim_scenario_name(s), "good.pcs");
	assert_string_equal(pcsim_scenario_expectation(s), "find any");
	char want[64];
	snprintf(want, sizeof(want), "good.pcs %016llx",
		 (unsigned long long)pcsim_scenario_hash(s));
	assert_string_equal(pcsim_scenario_program(s)->name, want);
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_scenario_apply_config(s, &cfg, err, sizeof(err)), 0);
	assert_int_equal(pcsim_pagecache_config(&cfg)->wait_table_bits, 0);
	assert_int_equal(pcsim_pagecache_config(&cfg)->lock_profile, PCSIM_LOCK_PROFILE_5_8);
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	pcsim_scenario_apply_explore(s, &o);
	assert_int_equal(o.strategy, PCSIM_STRATEGY_RANDOM);
	assert_int_equal(o.seed, 7);
	assert_int_equal(o.max_executions, 50);
	assert_int_equal(o.pct_depth, 2);
	assert_int_equal(o.preemption_bound, 1);
	/* dpor is a strategy a scenario may name too, with its bound */
	struct pcsim_scenario *sd = load("explore strategy=dpor preemptions=2\ntask t { yield }",
					 err, sizeof(err));
	pcsim_explore_opts_init(&o);
	pcsim_scenario_apply_explore(sd, &o);
	assert_int_equal(o.strategy, PCSIM_STRATEGY_DPOR);
	assert_int_equal(o.preemption_bound, 2);
	pcsim_scenario_free(sd);

	/* comments, blank lines, spacing and ';' against newlines do not change the hash; a
	 * changed word does */
	char *alt = malloc(sizeof(good) + 64);
	assert_non_null(alt);
	snprintf(alt, sizeof(good) + 64, "\n# another comment\n\n%s", good);
	struct pcsim_scenario *s2 = NULL;
	assert_int_equal(pcsim_scenario_load_string("x/good.pcs", alt, strlen(alt), &s2, err,
						    sizeof(err)),
			 0);
	assert_int_equal(pcsim_scenario_hash(s2), pcsim_scenario_hash(s));
	pcsim_scenario_free(s2);
	char *p = strstr(alt, "seed=7");
	assert_non_null(p);
	p[5] = '8';
	assert_int_equal(pcsim_scenario_load_string("x/good.pcs", alt, strlen(alt), &s2, err,
						    sizeof(err)),
			 0);
	assert_true(pcsim_scenario_hash(s2) != pcsim_scenario_hash(s));
	pcsim_scenario_free(s2);
	free(alt);

	/* it runs (whatever it finds: `find any`), without crashing, on every strategy */
	struct pcsim_report r;
	o.max_executions = 20;
	rc = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &r);
	assert_true(rc == 0 || rc == 1);
	assert_true(r.outcome != PCSIM_OUTCOME_INTERNAL && r.outcome != PCSIM_OUTCOME_DIVERGED);
	pcsim_report_free(&r);
	pcsim_scenario_free(s);
}

/* Mutations of a good text and random bytes: 0 or -EINVAL with "t.pcs:L:C: ", never a crash. */
static void test_parse_never_crashes(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t n = sizeof(good) - 1;
	char *buf = malloc(n + 64);
	char err[1024];
	assert_non_null(buf);
	for (unsigned it = 0; it < 3000; it++) {
		memcpy(buf, good, n);
		size_t len = n;
		for (unsigned k = 0; k < 1 + it % 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (!len)
				break;
			size_t at = (size_t)(x % len);
			switch ((x >> 32) % 4) {
			case 0: buf[at] = (char)(x >> 40); break;
			case 1: buf[at] = " {};#\n=[]-0"[(x >> 40) % 11]; break;
			case 2: memmove(buf + at, buf + at + 1, len - at - 1); len--; break;
			default: len = at; break;
			}
		}
		struct pcsim_scenario *s = NULL;
		int rc = pcsim_scenario_load_string("t.pcs", buf, len, &s, err, sizeof(err));
		unsigned line, col;
		if (rc == 0) {
			pcsim_scenario_free(s);
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		if (sscanf(err, "t.pcs:%u:%u: ", &line, &col) != 2)
			fprintf(stderr, "no position: %s\n", err);
		assert_int_equal(sscanf(err, "t.pcs:%u:%u: ", &line, &col), 2);
		assert_true(line >= 1 && col >= 1);
	}
	free(buf);
}

static struct pcsim_scenario *load_file(const char *rel)
{
	char path[1024], err[1024];
	struct pcsim_scenario *s = NULL;
	snprintf(path, sizeof(path), "%s/%s", PCSIM_SOURCE_DIR, rel);
	int rc = pcsim_scenario_load_file(path, &s, err, sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	return s;
}

/* The scenario file takes the very steps of the C built-in: same executions, steps and trace
 * hash under PCT, clean and with each general zoo bug (found at the same execution). */
static void test_general_equals_builtin(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_scenario *s = load_file("scenarios/pagecache-general.pcs");
	static const unsigned bugs[] = { 0, 1, 3, 10 };
	for (unsigned i = 0; i < 4; i++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_explore_opts o;
		struct pcsim_report a, b;
		char err[256];
		assert_int_equal(pcsim_scenario_apply_config(s, &cfg, err, sizeof(err)), 0);
		cfg.bugs = bugs[i] ? PCSIM_BUG(bugs[i]) : 0;
		pcsim_explore_opts_init(&o);
		o.max_executions = 500;
		o.keep_trace = true;
		o.confirm = false;
		int ra = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &a);
		int rb = pcsim_explore(pcsim_pagecache_general_program(), &cfg, &o, &b);
		assert_int_equal(ra, rb);
		assert_int_equal(a.outcome, b.outcome);
		assert_string_equal(a.what, b.what);
		assert_int_equal(a.executions, b.executions);
		assert_int_equal(a.steps, b.steps);
		assert_int_equal(a.failing_execution, b.failing_execution);
		assert_true(a.trace_hash == b.trace_hash);
		if (bugs[i])
			assert_int_equal(ra, 1);
		else
			assert_int_equal(ra, 0);
		pcsim_report_free(&a);
		pcsim_report_free(&b);
	}
	pcsim_scenario_free(s);
}

/* uring-p6 and scenarios/p6-race.pcs: the same deadlock in io_cqring_wait, and under strict
 * P6 the same violation; the fixed profile keeps both clean. */
static void test_p6_equals_builtin(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	struct pcsim_scenario *s = load_file("scenarios/p6-race.pcs");
	const struct pcsim_builtin *b = pcsim_builtin_find("uring-p6");
	assert_non_null(b);
	for (int mode = 0; mode < 3; mode++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_explore_opts o;
		struct pcsim_report ra, rb;
		pcsim_pagecache_config(&cfg)->wait_table_bits = 0;
		if (mode == 1)
			cfg.checks |= PCSIM_CHECK_STRICT_P6;
		if (mode == 2)
			pcsim_pagecache_config(&cfg)->lock_profile = PCSIM_LOCK_PROFILE_5_9_P6FIX;
		pcsim_explore_opts_init(&o);
		o.max_executions = 3000;
		o.confirm = false;
		int a = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &ra);
		int c = pcsim_explore(&b->prog, &cfg, &o, &rb);
		assert_int_equal(a, mode == 2 ? 0 : 1);
		assert_int_equal(a, c);
		assert_int_equal(ra.outcome, rb.outcome);
		assert_string_equal(ra.what, rb.what);
		if (mode == 0)
			assert_non_null(strstr(ra.message, "io_cqring_wait"));
		pcsim_report_free(&ra);
		pcsim_report_free(&rb);
	}
	pcsim_scenario_free(s);
}

static int run_text(const char *text, uint64_t max, struct pcsim_report *r)
{
	char err[1024];
	struct pcsim_scenario *s = load(text, err, sizeof(err));
	if (!s)
		fprintf(stderr, "%s\n", err);
	assert_non_null(s);
	struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
	struct pcsim_explore_opts o;
	assert_int_equal(pcsim_scenario_apply_config(s, &cfg, err, sizeof(err)), 0);
	pcsim_explore_opts_init(&o);
	o.max_executions = max;
	o.confirm = false;
	int rc = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, r);
	char why[256];
	bool met = pcsim_scenario_judge(s, r, why, sizeof(why));
	pcsim_scenario_free(s);
	return rc < 0 ? rc : met ? 1 : 0;
}

/* Expectations are checked: wrong ones fail as "expect" with the scenario's line. */
static void test_expectations(void **state)
{
	(void)state;
	struct pcsim_report r;
	static const char ring[] = "file d size=4K id=5 random\n"
				   "page d 0 io\n"
				   "task app {\n"
				   "  ring r\n"
				   "  sqe r read d 0 4096 data=1\n"
				   "  submit r\n"
				   "  wait r 1\n"
				   "}\n";
	char text[1024];
	/* right: met */
	snprintf(text, sizeof(text), "%sexpect cqe data=1 res=4096\nexpect quiescent\n", ring);
	assert_int_equal(run_text(text, 50, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
	/* a wrong CQE result at quiescence */
	snprintf(text, sizeof(text), "%sexpect cqe data=1 res=100\n", ring);
	assert_int_equal(run_text(text, 50, &r), 0);
	assert_string_equal(r.what, "expect");
	assert_non_null(strstr(r.message, "t.pcs:9: the CQE of user_data 1 has res 4096, expected "
					  "100"));
	pcsim_report_free(&r);
	/* a CQE that never came */
	snprintf(text, sizeof(text), "%sexpect cqe data=2\n", ring);
	assert_int_equal(run_text(text, 50, &r), 0);
	assert_non_null(strstr(r.message, "no CQE with user_data 2"));
	pcsim_report_free(&r);
	/* an SQE's expect=, checked when its CQE is reaped (also with `wait all`), after a
	 * block that grew while the body was parsed */
	assert_int_equal(run_text("file d size=4K id=5 random\npage d 0 io\ntask app {\n"
				  "  yield; yield; yield; yield; yield; yield; yield; yield; yield\n"
				  "  ring r\n  sqe r nop data=4\n"
				  "  sqe r read d 0 4096 data=1 expect=4000\n  submit r\n  wait r all\n}\n",
				  50, &r),
			 0);
	assert_non_null(strstr(r.message, "t.pcs:7: app: the CQE of user_data 1 has res 4096, "
					  "expected 4000"));
	pcsim_report_free(&r);
	/* an operation's own expect= */
	assert_int_equal(run_text("file d size=4K\npage d 0\n"
				  "task t {\n  read d 0 4096 expect=100\n}\n",
				  5, &r),
			 0);
	assert_non_null(strstr(r.message, "t.pcs:4: t: read returned 4096, expected 100"));
	pcsim_report_free(&r);
	/* a page left locked: quiescence; and `expect find` it */
	assert_int_equal(run_text("file d size=4K\npage d 0\ntask t { lock_page d 0 }\n"
				  "expect quiescent\nexpect find quiescence\n",
				  5, &r),
			 1);
	pcsim_report_free(&r);
	assert_int_equal(run_text("file d size=4K\npage d 0\ntask t { lock_page d 0 }\n"
				  "expect page d 0 unlocked\n",
				  5, &r),
			 0);
	assert_non_null(strstr(r.message, "t.pcs:4: page d 0 is left locked"));
	pcsim_report_free(&r);
	/* a killed killable locker does not unlock what it never got (k unlocked it: a second
	 * unlock would be "unlock-page-unlocked"), and exits at return_to_user */
	assert_int_equal(run_text("file d size=4K\npage d 0 locked\n"
				  "task v { lock_page_killable d 0; unlock_page d 0;"
				  " return_to_user; yield }\n"
				  "task k { kill v SIGKILL; unlock_page d 0 }\n"
				  "expect quiescent\n",
				  300, &r),
			 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
	pcsim_report_free(&r);
}

static void test_judge(void **state)
{
	(void)state;
	char err[512], why[256];
	struct pcsim_scenario *c = load("task t { yield }\n", err, sizeof(err));
	struct pcsim_scenario *f = load("task t { yield }\nexpect find P3\n", err, sizeof(err));
	struct pcsim_scenario *a = load("task t { yield }\nexpect find any\n", err, sizeof(err));
	struct pcsim_scenario *d = load("task t { yield }\nexpect find deadlock\n", err,
					sizeof(err));
	struct pcsim_report r;
	memset(&r, 0, sizeof(r));
	assert_string_equal(pcsim_scenario_expectation(c), "clean");
	assert_true(pcsim_scenario_judge(c, &r, why, sizeof(why)));
	assert_false(pcsim_scenario_judge(f, &r, why, sizeof(why)));
	assert_string_equal(why, "expected find P3, found nothing");
	r.outcome = PCSIM_OUTCOME_VIOLATION;
	strcpy(r.what, "P3");
	assert_false(pcsim_scenario_judge(c, &r, why, sizeof(why)));
	assert_string_equal(why, "expected clean, found P3 (violation)");
	assert_true(pcsim_scenario_judge(f, &r, why, sizeof(why)));
	assert_true(pcsim_scenario_judge(a, &r, NULL, 0));
	assert_false(pcsim_scenario_judge(d, &r, NULL, 0));
	r.outcome = PCSIM_OUTCOME_DEADLOCK;
	strcpy(r.what, "deadlock");
	assert_true(pcsim_scenario_judge(d, &r, NULL, 0));
	r.outcome = PCSIM_OUTCOME_INTERNAL;
	strcpy(r.what, "out-of-memory");
	assert_false(pcsim_scenario_judge(a, &r, NULL, 0));
	pcsim_scenario_free(c);
	pcsim_scenario_free(f);
	pcsim_scenario_free(a);
	pcsim_scenario_free(d);
}

/* Verdicts by kernel profile: which applies where, the text, judging by the profile. */
static void test_kernel_verdicts(void **state)
{
	(void)state;
	char err[512], why[256];
	struct pcsim_scenario *s = load("task t { yield }\n"
					"expect find P2 on kernel 5.9,5.10,6.18\n"
					"expect clean\n",
					err, sizeof(err));
	struct pcsim_scenario *q = load("task t { yield }\nexpect find U5 on kernel 5.10\n"
					"expect clean on kernel 5.9\n",
					err, sizeof(err));
	struct pcsim_scenario *all = load("task t { yield }\nexpect find U5 on kernel *\n", err,
					  sizeof(err));
	assert_non_null(s);
	assert_non_null(q);
	assert_non_null(all);
	assert_string_equal(pcsim_scenario_expectation(s),
			    "find P2 on kernel 5.10,5.9,6.18; clean on kernel 5.8");
	assert_string_equal(pcsim_scenario_expectation(q),
			    "find U5 on kernel 5.10; clean on kernel 5.9; none on kernel 5.8,6.18");
	assert_string_equal(pcsim_scenario_expectation(all), "find U5");
	assert_string_equal(pcsim_scenario_expectation_on(s, PCSIM_KERNEL_5_9), "find P2");
	assert_string_equal(pcsim_scenario_expectation_on(s, PCSIM_KERNEL_5_8), "clean");
	assert_null(pcsim_scenario_expectation_on(q, PCSIM_KERNEL_6_18));
	assert_null(pcsim_scenario_expectation_on(q, PCSIM_NR_KERNELS));
	assert_null(pcsim_scenario_expectation_on(q, -1));
	struct pcsim_report r;
	memset(&r, 0, sizeof(r));
	r.outcome = PCSIM_OUTCOME_VIOLATION;
	strcpy(r.what, "P2");
	assert_int_equal(pcsim_scenario_judge_on(s, PCSIM_KERNEL_5_9, &r, why, sizeof(why)), 1);
	assert_int_equal(pcsim_scenario_judge_on(s, PCSIM_KERNEL_6_18, &r, NULL, 0), 1);
	assert_int_equal(pcsim_scenario_judge_on(s, PCSIM_KERNEL_5_8, &r, why, sizeof(why)), 0);
	assert_string_equal(why, "expected clean, found P2 (violation)");
	assert_true(pcsim_scenario_judge(s, &r, NULL, 0));	/* 5.10's verdict */
	assert_int_equal(pcsim_scenario_judge_on(q, PCSIM_KERNEL_5_8, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no expectation for this kernel profile"));
	memset(&r, 0, sizeof(r));
	assert_int_equal(pcsim_scenario_judge_on(q, PCSIM_KERNEL_5_9, &r, NULL, 0), 1);
	assert_int_equal(pcsim_scenario_judge_on(q, PCSIM_KERNEL_5_10, &r, NULL, 0), 0);
	/* the profiles do not change the hash's rule: the words are the text's */
	struct pcsim_scenario *s2 = load("task t { yield }\n"
					 "expect find P2 on kernel 5.9,5.10,6.18 # comment\n"
					 "expect clean\n",
					 err, sizeof(err));
	assert_non_null(s2);
	assert_true(pcsim_scenario_hash(s2) == pcsim_scenario_hash(s));
	pcsim_scenario_free(s);
	pcsim_scenario_free(s2);
	pcsim_scenario_free(q);
	pcsim_scenario_free(all);
}

/* A predicate with `on kernel` is checked only in executions under those profiles. */
static void test_kernel_predicates(void **state)
{
	(void)state;
	if (pt_backend != PCSIM_BACKEND_SIM)
		skip();
	char err[512];
	struct pcsim_scenario *s = load("file d size=4K\npage d 0\ntask t { lock_page d 0 }\n"
					"expect page d 0 unlocked on kernel 5.9\n",
					err, sizeof(err));
	assert_non_null(s);
	for (int k = 0; k < PCSIM_NR_KERNELS; k++) {
		struct pcsim_config cfg = pt_config(PCSIM_MEM_SC);
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		assert_int_equal(pcsim_scenario_apply_config(s, &cfg, err, sizeof(err)), 0);
		cfg.kernel = (enum pcsim_kernel)k;
		pcsim_explore_opts_init(&o);
		o.max_executions = 3;
		o.confirm = false;
		int rc = pcsim_explore(pcsim_scenario_program(s), &cfg, &o, &r);
		if (k == PCSIM_KERNEL_5_9) {
			assert_int_equal(rc, 1);
			assert_string_equal(r.what, "expect");
			assert_non_null(strstr(r.message, "t.pcs:4: page d 0 is left locked"));
		} else {
			assert_int_equal(rc, 0);
		}
		pcsim_report_free(&r);
	}
	pcsim_scenario_free(s);
}

int main(int argc, char **argv)
{
	pt_init(argc, argv);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_never_crashes),
		cmocka_unit_test(test_general_equals_builtin),
		cmocka_unit_test(test_p6_equals_builtin),
		cmocka_unit_test(test_expectations),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_kernel_verdicts),
		cmocka_unit_test(test_kernel_predicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
