// SPDX-License-Identifier: MIT
/*
 * test_library.c - the library's promises on bad input (docs/robustness.md), one case per
 * class of issue 14: schedule files that crashed or were misread, config fields and options
 * out of range, resource exhaustion (allocations, tasks), misuse (nested pcsim_explore()).
 * Each case asserts the exact return value and the shape of the message; none may abort the
 * test process, so the suite itself is the proof that the host survives.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>

#define CFGLINE                                                                                 \
	"backend=sim cpus=2 mem=sc max_steps=1000000 store_buffer=8 spurious=0 timed=0 "         \
	"step_ns=10 checks=7 wait_table_bits=8 walk_break=64 unfairness=5 inject=0 "            \
	"lock_profile=5.9 bugs=0"

/* ---- a lost wakeup, found in a few executions */
struct lw {
	pcsim_int flag;
	struct pcsim_task *waiter;
};

static void lw_waiter(void *arg)
{
	struct lw *m = arg;
	if (!pcsim_read_once(&m->flag)) {
		pcsim_set_current_state(PCSIM_TASK_UNINTERRUPTIBLE);
		pcsim_schedule();
	}
}

static void lw_waker(void *arg)
{
	struct lw *m = arg;
	pcsim_write_once(&m->flag, 1);
	pcsim_wake_up_process(m->waiter);
}

static void lw_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct lw *m = pcsim_alloc(w, sizeof(*m));
	m->waiter = pcsim_task_create(w, "waiter", lw_waiter, m, 0);
	pcsim_task_create(w, "waker", lw_waker, m, 1);
}

static int explore(const char *name, void (*setup)(struct pcsim_world *, void *),
		   const struct pcsim_config *cfg, const struct pcsim_explore_opts *o,
		   struct pcsim_report *r)
{
	struct pcsim_program prog = { name, setup, NULL, NULL };
	return pcsim_explore(&prog, cfg, o, r);
}

static void assert_contains(const char *s, const char *want)
{
	if (!s || !strstr(s, want)) {
		print_error("expected '%s' in '%s'\n", want, s ? s : "(null)");
		fail();
	}
}

/* ---- 1. schedule files */

/* A program named "" finds a failure: its schedule has a blank program line; writing,
 * confirming and replaying it must work (this aborted the host with heap corruption). */
static void test_blank_program_name(void **state)
{
	(void)state;
	struct pcsim_report r, r2;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	assert_int_equal(explore("", lw_setup, NULL, &o, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_DEADLOCK);
	assert_true(r.confirmed);
	assert_non_null(r.schedule);
	assert_non_null(strstr(r.schedule, "\nprogram \n"));

	char name[64] = "x";
	struct pcsim_config cfg;
	char err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(r.schedule, name, sizeof(name), &cfg, err,
					     sizeof(err)), 0);
	assert_string_equal(name, "");

	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = r.schedule;
	assert_int_equal(explore("", lw_setup, NULL, &o, &r2), 1);
	assert_int_equal(r2.outcome, PCSIM_OUTCOME_DEADLOCK);
	pcsim_report_free(&r2);
	pcsim_report_free(&r);
}

static void test_blank_header_lines(void **state)
{
	(void)state;
	static const char *const files[] = {
		"pcsim-schedule 1\nprogram \nconfig \nchoices 0\nend\n",
		"pcsim-schedule 1\nprogram   \t\nconfig\t  \nchoices 0\nend\n",
		"pcsim-schedule 1\nprogram\nconfig\nchoices 0\nend\n",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char name[64] = "x", err[256] = "";
		struct pcsim_config cfg;
		pcsim_config_init(&cfg);
		assert_int_equal(pcsim_schedule_info(files[i], name, sizeof(name), &cfg, err,
						     sizeof(err)), 0);
		assert_string_equal(name, "");
	}
}

static void expect_schedule_error(const char *choice, const char *where, const char *what)
{
	char text[1024], name[64], err[256] = "";
	struct pcsim_config cfg;
	snprintf(text, sizeof(text),
		 "pcsim-schedule 1\nprogram lw\nconfig " CFGLINE "\nchoices 1\n%s\nend\n",
		 choice);
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(text, name, sizeof(name), &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_true(strncmp(err, where, strlen(where)) == 0 || (print_error("%s\n", err), 0));
	assert_contains(err, what);
}

/* Targets out of range were stored so that they replayed as another kind of choice. */
static void test_choice_ranges(void **state)
{
	(void)state;
	expect_schedule_error("run T1001", "schedule:5:6: ", "target 1001 out of range");
	expect_schedule_error("run T257", "schedule:5:6: ", "a task id is 1..256");
	expect_schedule_error("run T0", "schedule:5:6: ", "out of range");
	expect_schedule_error("run E4294967295", "schedule:5:6: ", "an event id");
	expect_schedule_error("run E0", "schedule:5:6: ", "out of range");
	expect_schedule_error("fire E0", "schedule:5:7: ", "out of range");
	expect_schedule_error("flush cpu64", "schedule:5:10: ", "a CPU number is 0..63");
	expect_schedule_error("spurious T300", "schedule:5:11: ", "a task id");
	expect_schedule_error("run T4294967296", "schedule:5:1: ", "unknown choice");
	/* In range: accepted. */
	char name[8], err[256];
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info("pcsim-schedule 1\nchoices 5\nrun T256\n"
					     "run E4294966295\nfire E1\nflush cpu63\n"
					     "spurious T1\nend\n",
					     name, sizeof(name), &cfg, err, sizeof(err)), 0);
}

static void test_config_values(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	char err[512];
	pcsim_config_init(&cfg);
	/* Wider than the 64-bit mask: was silently all ones. */
	assert_int_equal(pcsim_config_parse("cpus=2 bugs=0x1ffffffffffffffff", &cfg, err,
					    sizeof(err)), -EINVAL);
	assert_string_equal(err, "col 13: bad value '0x1ffffffffffffffff' for bugs "
				 "(none|bNN[,bNN...]|0xMASK)");
	assert_int_equal(pcsim_config_parse("bugs=18446744073709551616", &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "col 6: bad value");
	assert_int_equal(pcsim_config_parse("bugs=0x-1", &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(pcsim_config_parse("bugs= 0x1", &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg.bugs, 0);
	assert_int_equal(pcsim_config_parse("bugs=0xffffffffffffffff checks=15", &cfg, err,
					    sizeof(err)), 0);
	assert_true(cfg.bugs == UINT64_MAX);
	assert_int_equal(cfg.checks, 15);
	/* A config line inside a schedule is reported at its line and column. */
	char name[8];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info("pcsim-schedule 1\nconfig cpus=2 bugs=0x1ffffffffffffffff"
					     "\nchoices 0\nend\n",
					     name, sizeof(name), &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "schedule:2:20: bad value '0x1ffffffffffffffff' for bugs "
			    "(none|bNN[,bNN...]|0xMASK)");
	/* Bounded input. */
	char *big = malloc(PCSIM_CONFIG_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', PCSIM_CONFIG_LINE_MAX + 1);
	big[PCSIM_CONFIG_LINE_MAX + 1] = 0;
	assert_int_equal(pcsim_config_parse(big, &cfg, err, sizeof(err)), -EINVAL);
	assert_contains(err, "longer than 4096 bytes");
	free(big);
}

static void test_schedule_size_limit(void **state)
{
	(void)state;
	size_t n = PCSIM_SCHEDULE_MAX + 1;
	char *text = malloc(n + 1);
	assert_non_null(text);
	memset(text, '#', n);
	memcpy(text, "pcsim-schedule 1\nchoices 0\nend\n#", 32);
	text[n] = 0;
	char name[8], err[256];
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(text, name, sizeof(name), &cfg, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "schedule:1:1: larger than 67108864 bytes (PCSIM_SCHEDULE_MAX)");
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = text;
	assert_int_equal(explore("lw", lw_setup, NULL, &o, &r), -EINVAL);
	assert_contains(r.message, "larger than");
	pcsim_report_free(&r);
	free(text);
}

/* A schedule recorded on the threads backend: replaying it ran real threads and said ok. */
static void test_replay_threads_refused(void **state)
{
	(void)state;
	static const char text[] = "pcsim-schedule 1\nprogram lw\nconfig backend=threads\n"
				   "choices 0\nend\n";
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	char name[8], err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_schedule_info(text, name, sizeof(name), &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.backend, PCSIM_BACKEND_THREADS);
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = text;
	o.replay_lenient = true;
	/* With the schedule's own configuration (what the CLI does) ... */
	assert_int_equal(explore("lw", lw_setup, &cfg, &o, &r), -EINVAL);
	assert_contains(r.message, "sim backend only");
	pcsim_report_free(&r);
	/* ... and with a sim configuration. */
	assert_int_equal(explore("lw", lw_setup, NULL, &o, &r), -EINVAL);
	assert_contains(r.message, "backend=threads");
	assert_contains(r.message, "sim backend only");
	pcsim_report_free(&r);
}

/* ---- 2. configuration and options */

static void expect_einval(const struct pcsim_config *cfg, const struct pcsim_explore_opts *o,
			  const char *what)
{
	struct pcsim_report r;
	assert_int_equal(explore("lw", lw_setup, cfg, o, &r), -EINVAL);
	assert_int_equal(r.executions, 0);
	assert_contains(r.message, "pcsim_explore: ");
	assert_contains(r.message, what);
	pcsim_report_free(&r);
}

static void test_config_enums(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	pcsim_config_init(&cfg);
	cfg.backend = (enum pcsim_backend)7;
	expect_einval(&cfg, &o, "config: backend must be sim|threads, got 7");
	pcsim_config_init(&cfg);
	cfg.mem = (enum pcsim_memmode)9;
	expect_einval(&cfg, &o, "config: mem must be sc|tso|weak, got 9");
	pcsim_config_init(&cfg);
	o.strategy = (enum pcsim_strategy)42;
	expect_einval(&cfg, &o, "strategy 42 is not a strategy");
	pcsim_explore_opts_init(&o);
	cfg.checks = 0x10;
	expect_einval(&cfg, &o, "config: checks must be default|none|strict-p6, or invariants,lockdep,atomic,p6, got 16");
	pcsim_config_init(&cfg);
	pcsim_pagecache_config(&cfg)->lock_profile = 3;
	expect_einval(&cfg, &o, "lock_profile");
	pcsim_config_init(&cfg);
	pcsim_waitq_config(&cfg)->walk_break_cnt = 0;
	expect_einval(&cfg, &o, "walk_break_cnt (setting walk_break) must be 1..1000000");
	pcsim_config_init(&cfg);
	pcsim_pagecache_config(&cfg)->page_lock_unfairness = -1;
	expect_einval(&cfg, &o, "page_lock_unfairness");
}

static void test_stack_size(void **state)
{
	(void)state;
	struct pcsim_config cfg;
	memset(&cfg, 0, sizeof(cfg));	/* a zeroed config segfaulted without a message */
	cfg.ncpus = 2;
	cfg.max_steps = 1000;
	pcsim_waitq_config(&cfg)->walk_break_cnt = 64;
	expect_einval(&cfg, NULL, "stack_size must be 16384..1073741824 bytes, got 0 (was the "
			      "config zeroed");
	pcsim_config_init(&cfg);
	cfg.stack_size = 4096;	/* overflowed silently */
	expect_einval(&cfg, NULL, "got 4096");
	char err[256];
	pcsim_config_init(&cfg);
	assert_int_equal(pcsim_config_validate(&cfg, err, sizeof(err)), 0);
	cfg.stack_size = PCSIM_STACK_MIN;
	assert_int_equal(pcsim_config_validate(&cfg, err, sizeof(err)), 0);
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(pcsim_config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_contains(err, "config: ");
}

/* ---- resource exhaustion: an outcome, never an abort */

static int after;	/* set by code that must not run after a failed allocation */

static void alloc_huge_task(void *arg)
{
	struct pcsim_world *w = pcsim_world_current();
	(void)pcsim_alloc(w, (size_t)(uintptr_t)arg);
	after = 1;
}

static void alloc_task_setup(struct pcsim_world *w, void *arg)
{
	pcsim_task_create(w, "hog", alloc_huge_task, arg, 0);
}

static void alloc_setup(struct pcsim_world *w, void *arg)
{
	int *p = pcsim_alloc(w, (size_t)(uintptr_t)arg);
	/* on the sim backend setup stops in the call, as a task does: no NULL check needed */
	*p = 1;
	after = 1;
}

/* A model layer's object of an impossible size made in setup: the layer checks nothing. */
static void huge_file_setup(struct pcsim_world *w, void *arg)
{
	static struct pcsim_bdev bdev;
	pcsim_bdev_init(&bdev, 1, false);
	(void)pcsim_mapping_create(w, 1, (uint64_t)(uintptr_t)arg, &bdev, 0);
	after = 1;
}

/* The same from finish(). */
static void alloc_finish(struct pcsim_world *w, void *arg)
{
	int *p = pcsim_alloc(w, (size_t)(uintptr_t)arg);
	*p = 1;
	after = 1;
}

static void nothing_setup(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
}

static void check_oom_prog(void (*setup)(struct pcsim_world *, void *),
			   void (*finish)(struct pcsim_world *, void *), size_t size, int want_after)
{
	struct pcsim_program prog = { "oom", setup, finish, (void *)(uintptr_t)size };
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	after = 0;
	assert_int_equal(pcsim_explore(&prog, NULL, &o, &r), 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
	assert_int_equal(r.executions, 1);
	assert_string_equal(r.what, "out-of-memory");
	assert_contains(r.message, "out of memory");
	assert_int_equal(after, want_after);
	pcsim_report_free(&r);
}

static void check_oom(void (*setup)(struct pcsim_world *, void *), size_t size, int want_after)
{
	check_oom_prog(setup, NULL, size, want_after);
}

static void test_alloc_exhaustion(void **state)
{
	(void)state;
	/* SIZE_MAX rounded up to zero bytes and returned a usable-looking pointer. */
	check_oom(alloc_setup, SIZE_MAX, 0);
	check_oom(alloc_setup, PCSIM_ALLOC_MAX + 1, 0);
	/* a model layer's set-up allocates what a file of 2^50 bytes needs: same outcome */
	check_oom(huge_file_setup, (size_t)1 << 50, 0);
	check_oom_prog(nothing_setup, alloc_finish, SIZE_MAX, 0);
	/* From a task: the execution stops in the call. */
	check_oom(alloc_task_setup, SIZE_MAX, 0);
	check_oom(alloc_task_setup, SIZE_MAX - 8, 0);
}

static void nop_task(void *arg)
{
	(void)arg;
}

static void many_tasks_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	for (int i = 0; i < PCSIM_MAX_TASKS + 1; i++)
		if (!pcsim_task_create(w, "t", nop_task, NULL, -1))
			after = i;
}

static void test_too_many_tasks(void **state)
{
	(void)state;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_explore_opts_init(&o);
	o.max_executions = 3;
	after = -1;
	assert_int_equal(explore("many", many_tasks_setup, NULL, &o, &r), 1);
	assert_int_equal(after, -1);	/* setup stopped in the call that failed (sim) */
	assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
	assert_string_equal(r.what, "too-many-tasks");
	assert_contains(r.message, "more than PCSIM_MAX_TASKS (256) tasks");
	pcsim_report_free(&r);
}

static const char layer_keys[20];

static void many_layers_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++) {
		int *p = pcsim_world_layer(w, &layer_keys[i], sizeof(int), NULL);
		assert_non_null(p);
		*p = i;
	}
	after = 1;
}

/* More model layers than the world's table: this aborted the host. */
static void test_too_many_layers(void **state)
{
	(void)state;
	struct pcsim_report r;
	after = 0;
	assert_int_equal(explore("layers", many_layers_setup, NULL, NULL, &r), 1);
	assert_int_equal(after, 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
	assert_string_equal(r.what, "too-many-layers");
	assert_contains(r.message, "more than 16 model layers");
	pcsim_report_free(&r);
}

/* ---- misuse: pcsim_explore() inside a world */
static int nested_rc = 1;
static char nested_msg[256];

static void nested(void)
{
	struct pcsim_report r;
	nested_rc = explore("inner", lw_setup, NULL, NULL, &r);
	snprintf(nested_msg, sizeof(nested_msg), "%s", r.message ? r.message : "");
	pcsim_report_free(&r);
}

static void nested_task(void *arg)
{
	(void)arg;
	nested();
}

static void nested_task_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "nest", nested_task, NULL, 0);
}

static void nested_setup(struct pcsim_world *w, void *arg)
{
	(void)w, (void)arg;
	nested();
}

static void test_nested_explore(void **state)
{
	(void)state;
	void (*setups[])(struct pcsim_world *, void *) = { nested_task_setup, nested_setup };
	for (int i = 0; i < 2; i++) {
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_explore_opts_init(&o);
		o.max_executions = 1;
		nested_rc = 1;
		assert_int_equal(explore("outer", setups[i], NULL, &o, &r), 0);
		assert_int_equal(nested_rc, -EBUSY);
		assert_contains(nested_msg, "inside a running world");
		pcsim_report_free(&r);
	}
}

/* A name with a line break cannot be written on a schedule's program line. */
static void test_program_name(void **state)
{
	(void)state;
	struct pcsim_report r;
	assert_int_equal(explore("two\nlines", lw_setup, NULL, NULL, &r), -EINVAL);
	assert_contains(r.message, "name must be one line");
	pcsim_report_free(&r);
	assert_int_equal(pcsim_explore(NULL, NULL, NULL, &r), -EINVAL);
	assert_contains(r.message, "no setup function");
	pcsim_report_free(&r);
	assert_int_equal(pcsim_explore(NULL, NULL, NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blank_program_name),
		cmocka_unit_test(test_blank_header_lines),
		cmocka_unit_test(test_choice_ranges),
		cmocka_unit_test(test_config_values),
		cmocka_unit_test(test_schedule_size_limit),
		cmocka_unit_test(test_replay_threads_refused),
		cmocka_unit_test(test_config_enums),
		cmocka_unit_test(test_stack_size),
		cmocka_unit_test(test_alloc_exhaustion),
		cmocka_unit_test(test_too_many_tasks),
		cmocka_unit_test(test_too_many_layers),
		cmocka_unit_test(test_nested_explore),
		cmocka_unit_test(test_program_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
