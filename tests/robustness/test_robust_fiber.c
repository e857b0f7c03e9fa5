// SPDX-License-Identifier: MIT
/*
 * test_robust_fiber.c - what AddressSanitizer still sees on the sim backend's fiber stacks
 * (src/sched/sim/fiber.c): a fiber start unpoisons only the part of its stack that earlier
 * fibers' frames covered, and a dead fiber's stack is poisoned until it is reused, so
 *  - a pointer kept into an atomic context's frame after the handler returned, read by a task,
 *    is reported (use-after-poison; the stack of a returned atomic context goes back to the pool
 *    at once);
 *  - a pointer kept into a task's frame, read after the execution ended (from finish()), is
 *    reported;
 *  - a task that overflows its stack into the guard page is reported as a stack overflow;
 *  - none of this makes ASan report anything in a normal exploration (the tests of the default
 *    suite run every program under ASan).
 * Each case runs in a child process (this program again, `--child NAME`, so cmocka's signal
 * handlers do not replace ASan's) whose stderr the parent reads: an ASan report ends the
 * process. Without ASan there is nothing to check and the cases are skipped. Models no kernel
 * function.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

/* Run case @name in a child; its exit status and up to @len - 1 bytes of its stderr. */
static int in_child(const char *name, char *err, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		execl("/proc/self/exe", "test_robustness_fiber", "--child", name, (char *)NULL);
		_exit(99);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(fds[0], err + n, len - 1 - n)) > 0 && n + (size_t)r < len - 1)
		n += (size_t)r;
	if (r > 0)
		n += (size_t)r;
	err[n] = 0;
	char sink[4096];
	while (read(fds[0], sink, sizeof(sink)) > 0)
		;
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void explore_once(const char *name, void (*setup)(struct pcsim_world *, void *),
			 void (*finish)(struct pcsim_world *, void *))
{
	struct pcsim_program prog = { name, setup, finish, NULL };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.ncpus = 1;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	o.confirm = false;
	int rc = pcsim_explore(&prog, &cfg, &o, &r);
	fprintf(stderr, "explore returned %d, outcome %s\n", rc, pcsim_outcome_name(r.outcome));
	pcsim_report_free(&r);
}

/* ---- a pointer into a returned atomic context's frame */

static volatile int *leak;
static pcsim_int done;

static void __attribute__((noinline)) handler(void *arg)
{
	(void)arg;
	volatile int local[16];
	for (int i = 0; i < 16; i++)
		local[i] = 42;
	leak = &local[4];
	pcsim_write_once(&done, 1);
}

static void reader(void *arg)
{
	(void)arg;
	while (!pcsim_read_once(&done))
		pcsim_cpu_relax();	/* the event fires meanwhile, on this CPU */
	(void)pcsim_read_once(&done);	/* a step later: the handler's stack is pooled */
	fprintf(stderr, "read %d through the dead frame\n", *leak);
}

static void irq_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_write_once(&done, 0);
	leak = NULL;
	pcsim_task_create(w, "reader", reader, NULL, 0);
	struct pcsim_event_desc d = { "irq", PCSIM_CTX_HARDIRQ, 0, 0, handler, NULL };
	pcsim_event_post(w, &d);
}

static void child_irq_frame(void)
{
	explore_once("dead-irq-frame", irq_setup, NULL);
}

/* ---- a pointer into a task's frame, used after the execution */

static void __attribute__((noinline)) task_frame(void *arg)
{
	(void)arg;
	volatile int local[16];
	for (int i = 0; i < 16; i++)
		local[i] = 7;
	leak = &local[4];
	(void)pcsim_read_once(&done);
}

static void task_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	leak = NULL;
	pcsim_task_create(w, "t", task_frame, NULL, 0);
}

static void task_finish(struct pcsim_world *w, void *arg)
{
	(void)w;
	(void)arg;
	fprintf(stderr, "read %d through the dead frame\n", *leak);
}

static void child_task_frame(void)
{
	explore_once("dead-task-frame", task_setup, task_finish);
}

/* ---- a stack overflow */

static int __attribute__((noinline)) deep(int n)
{
	volatile char buf[512];
	buf[0] = (char)n;
	if (n == 0)
		return buf[0];
	return deep(n - 1) + buf[0];
}

static void overflow_task(void *arg)
{
	(void)arg;
	fprintf(stderr, "deep: %d\n", deep(1 << 20));	/* far more than any stack */
}

static void overflow_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "deep", overflow_task, NULL, 0);
}

static void child_overflow(void)
{
	explore_once("overflow", overflow_setup, NULL);
}

/* ---- the tests */

static void expect_report(const char *name, const char *const *want, unsigned nwant)
{
#if defined(HAVE_ASAN)
	char err[16384];
	int st = in_child(name, err, sizeof(err));
	bool found = false;
	for (unsigned i = 0; i < nwant; i++)
		found |= strstr(err, want[i]) != NULL;
	if (!found || (WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		print_error("child status %#x, stderr:\n%s\n", st, err);
		fail();
	}
	/* ASan named the fiber stack's memory, not some other object */
	assert_null(strstr(err, "heap-use-after-free"));
#else
	(void)name;
	(void)want;
	(void)nwant;
	skip();
#endif
}

static void test_dead_irq_frame(void **state)
{
	(void)state;
	static const char *const want[] = { "ERROR: AddressSanitizer: use-after-poison",
					    "ERROR: AddressSanitizer: stack-use-after-return" };
	expect_report("irq-frame", want, 2);
}

static void test_dead_task_frame(void **state)
{
	(void)state;
	static const char *const want[] = { "ERROR: AddressSanitizer: use-after-poison",
					    "ERROR: AddressSanitizer: stack-use-after-return" };
	expect_report("task-frame", want, 2);
}

static void test_stack_overflow(void **state)
{
	(void)state;
	static const char *const want[] = { "ERROR: AddressSanitizer: stack-overflow" };
	expect_report("overflow", want, 1);
}

/* The same programs without the stale pointer: no report, and the exploration ends. */
static void clean_reader(void *arg)
{
	(void)arg;
	while (!pcsim_read_once(&done))
		pcsim_cpu_relax();
}

static void clean_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_write_once(&done, 0);
	pcsim_task_create(w, "reader", clean_reader, NULL, 0);
	pcsim_task_create(w, "t", task_frame, NULL, 0);
	struct pcsim_event_desc d = { "irq", PCSIM_CTX_HARDIRQ, 0, 0, handler, NULL };
	pcsim_event_post(w, &d);
}

static void child_clean(void)
{
	struct pcsim_program prog = { "clean", clean_setup, NULL, NULL };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.ncpus = 2;
	pcsim_explore_opts_init(&o);
	o.max_executions = 300;
	o.strategy = PCSIM_STRATEGY_RANDOM;
	int rc = pcsim_explore(&prog, &cfg, &o, &r);
	bool ok = rc == 0 && r.outcome == PCSIM_OUTCOME_OK && r.executions == 300;
	pcsim_report_free(&r);
	_exit(ok ? 0 : 1);
}

static void test_clean_runs(void **state)
{
	(void)state;
	char err[16384];
	int st = in_child("clean", err, sizeof(err));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		print_error("child status %#x, stderr:\n%s\n", st, err);
		fail();
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} cases[] = {
	{ "irq-frame", child_irq_frame },
	{ "task-frame", child_task_frame },
	{ "overflow", child_overflow },
	{ "clean", child_clean },
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--child") == 0) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (strcmp(argv[2], cases[i].name) == 0)
				cases[i].fn();
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_irq_frame),
		cmocka_unit_test(test_dead_task_frame),
		cmocka_unit_test(test_stack_overflow),
		cmocka_unit_test(test_clean_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
