// SPDX-License-Identifier: MIT
/*
 * test_robust_threads.c - the library's promises on resource exhaustion where the threads
 * backend differs (docs/robustness.md §4): descriptors exhausted (libev used to abort the host
 * from inside ev_async_start()), the threads page index out of memory (it aborted), and setup or
 * finish failing on both backends (the threads backend used to return NULL to setup code, which
 * model layers do not check). Nothing here may abort the test process; the file-descriptor case
 * runs in child processes whose RLIMIT_NOFILE is lowered, and the parent checks how each ended.
 * libev out of memory (its own allocator aborts the process) is injected with PCSIM_FAULT_LIBEV.
 */
#define _GNU_SOURCE 1	/* pthread_timedjoin_np() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>
#include <pcsim/kernel/pagemap.h>

static void assert_contains(const char *s, const char *want)
{
	if (!s || !strstr(s, want)) {
		print_error("expected '%s' in '%s'\n", want, s ? s : "(null)");
		fail();
	}
}

static void config_for(struct pcsim_config *cfg, enum pcsim_backend b)
{
	pcsim_config_init(cfg);
	cfg->backend = b;
	cfg->ncpus = 2;
	cfg->threads_timeout_ms = 10000;
}

/* ---- 1. descriptors exhausted (threads) */

/*
 * Tasks that wait for task_work in their own libev loop (pcsim_task_work_wait) and an event
 * that wakes them, so both kinds of loop (completion threads, task loops) need descriptors.
 */
struct tw {
	struct pcsim_task *t[2];
	struct pcsim_callback_head work[2];
};

static void tw_fn(struct pcsim_callback_head *h)
{
	(void)h;	/* running at all is the point */
}

static struct tw *tw_cur;

static void tw_task(void *arg)
{
	(void)arg;
	/* Sleeps until the event queues the work, then runs it (at once if already queued). */
	pcsim_task_work_wait();
}

static void tw_event(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 2; i++) {
		tw_cur->work[i].func = tw_fn;
		pcsim_task_work_add(tw_cur->t[i], &tw_cur->work[i], PCSIM_TWA_SIGNAL);
	}
}

static void tw_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	tw_cur = pcsim_alloc(w, sizeof(*tw_cur));
	for (unsigned i = 0; i < 2; i++)
		tw_cur->t[i] = pcsim_task_create(w, "waiter", tw_task, (void *)(uintptr_t)i,
						 (int)i);
	struct pcsim_event_desc d = { "kick", PCSIM_CTX_SOFTIRQ, 1, 1000, tw_event, NULL };
	pcsim_event_post(w, &d);
}

/*
 * The RLIMIT_NOFILE that leaves exactly @k descriptors free: new descriptors take the lowest
 * free numbers below the limit, and whatever the process has open (the test runner's pipes,
 * possibly high) stays open.
 */
static int limit_with_free(int k)
{
	int nfree = 0;
	for (int fd = 0;; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (nfree == k)
			return fd;
		nfree++;
	}
}

/* Child: explore the program on threads under RLIMIT_NOFILE @lim; exit status encodes it. */
enum { CHILD_OK = 10, CHILD_INTERNAL_FDS = 11, CHILD_OTHER = 12, CHILD_BADRC = 13 };

static int child_run(rlim_t lim)
{
	struct rlimit rl = { lim, lim };
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return CHILD_OTHER;
	struct pcsim_config cfg;
	config_for(&cfg, PCSIM_BACKEND_THREADS);
	cfg.ncpus = 4;
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.max_executions = 3;
	struct pcsim_program prog = { "twwait", tw_setup, NULL, NULL };
	struct pcsim_report r;
	int rc = pcsim_explore(&prog, &cfg, &o, &r);
	int st = CHILD_OTHER;
	if (rc == 0 && r.outcome == PCSIM_OUTCOME_OK)
		st = CHILD_OK;
	else if (rc == 1 && r.outcome == PCSIM_OUTCOME_INTERNAL && r.message &&
		 strstr(r.message, "cannot start the completion threads: Too many open files"))
		st = CHILD_INTERNAL_FDS;
	else if (rc != 0 && rc != 1)
		st = CHILD_BADRC;
	else
		fprintf(stderr, "child at limit %lu: rc %d, %s: %s\n", (unsigned long)lim, rc,
			pcsim_outcome_name(r.outcome), r.message ? r.message : "");
	pcsim_report_free(&r);
	return st;
}

/*
 * With RLIMIT_NOFILE lowered step by step from "nothing left" upwards: every child ends with
 * an exit status (no abort, no signal); the lowest limits report the completion threads'
 * failure as the internal outcome with the reason; the highest run clean. Limits in between
 * leave some task loops without a descriptor (they wait on their futex): those must run clean.
 */
static void test_fd_exhaustion(void **state)
{
	(void)state;
	unsigned internal = 0, ok = 0;
	for (int extra = 0; extra <= 16; extra++) {
		int lim = limit_with_free(extra);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(child_run((rlim_t)lim));
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status)) {
			print_error("%d free: child killed by signal %d (an abort?)\n", extra,
				    WTERMSIG(status));
			fail();
		}
		assert_true(WIFEXITED(status));
		int st = WEXITSTATUS(status);
		if (st != CHILD_OK && st != CHILD_INTERNAL_FDS) {
			print_error("%d free: child status %d\n", extra, st);
			fail();
		}
		/* once a limit runs clean, every higher one does */
		if (st == CHILD_INTERNAL_FDS)
			assert_int_equal(ok, 0);
		internal += st == CHILD_INTERNAL_FDS;
		ok += st == CHILD_OK;
	}
	assert_true(internal > 0);
	assert_true(ok > 0);
}

/* ---- 2. setup and finish escape on both backends */
static int after;

static void nop_task(void *arg)
{
	(void)arg;
}

static void alloc_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "t", nop_task, NULL, 0);
	int *p = pcsim_alloc(w, SIZE_MAX);
	*p = 1;		/* never reached: setup is left at the call */
	after = 1;
}

static void many_tasks_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	for (int i = 0; i < PCSIM_MAX_TASKS + 1; i++)
		if (!pcsim_task_create(w, "t", nop_task, NULL, -1))
			after = i;
}

static void alloc_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	int *p = pcsim_alloc(w, (size_t)PCSIM_ALLOC_MAX + 1);
	*p = 1;
	after = 1;
}

static void one_task_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "t", nop_task, NULL, 0);
}

/*
 * The failing allocation holds the world's global lock (pcsim_world_layer() allocates under
 * it): leaving setup must let go of it. A cleanup hook, run on the main thread after the
 * escape, has another thread take the lock (pcsim_alloc() takes it on threads); it must get it.
 */
static const char layer_key;
static int lock_free_after_escape;

static void *take_lock(void *arg)
{
	(void)pcsim_alloc(arg, 8);
	return NULL;
}

static void probe_lock(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, take_lock, w), 0);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 5;
	if (pthread_timedjoin_np(th, NULL, &dl) == 0)
		lock_free_after_escape = 1;
	else
		pthread_detach(th);	/* stuck on a leaked lock: the assertion below says so */
}

static void layer_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_exec_cleanup_register(w, probe_lock, NULL);
	pcsim_task_create(w, "t", nop_task, NULL, 0);
	int *p = pcsim_world_layer(w, &layer_key, SIZE_MAX, NULL);
	*p = 1;
	after = 1;
}

static void run_escape(enum pcsim_backend b, void (*setup)(struct pcsim_world *, void *),
		       void (*finish)(struct pcsim_world *, void *), int want_after,
		       const char *what, const char *msg)
{
	struct pcsim_config cfg;
	config_for(&cfg, b);
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.max_executions = 3;
	struct pcsim_program prog = { "escape", setup, finish, NULL };
	struct pcsim_report r;
	after = -1;
	assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 1);
	assert_int_equal(after, want_after);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
	assert_int_equal(r.executions, 1);
	assert_string_equal(r.what, what);
	assert_contains(r.message, msg);
	pcsim_report_free(&r);
}

static void test_setup_escape(void **state)
{
	(void)state;
	enum pcsim_backend backends[] = { PCSIM_BACKEND_SIM, PCSIM_BACKEND_THREADS };
	for (unsigned i = 0; i < 2; i++) {
		enum pcsim_backend b = backends[i];
		run_escape(b, alloc_setup, NULL, -1, "out-of-memory", "out of memory");
		/* setup is left in the 257th pcsim_task_create(): no NULL ever returned */
		run_escape(b, many_tasks_setup, NULL, -1, "too-many-tasks",
			   "more than PCSIM_MAX_TASKS (256) tasks");
		run_escape(b, one_task_setup, alloc_finish, -1, "out-of-memory", "out of memory");
		lock_free_after_escape = 0;
		run_escape(b, layer_setup, NULL, -1, "out-of-memory", "out of memory");
		assert_int_equal(lock_free_after_escape, 1);
	}
}

/* ---- 3. the threads page index out of memory (PCSIM_FAULT_PAGE_INDEX) */
struct ixo {
	struct pcsim_bdev bdev;
	struct pcsim_address_space *m;
};
static int add_ret;	/* what the task's add_to_page_cache_lru() returned, 1: not run */

static void ixo_task(void *arg)
{
	struct ixo *x = arg;
	struct pcsim_page *p = pcsim_page_alloc(pcsim_world_current());
	add_ret = add_to_page_cache_lru(p, x->m, 1);
	if (add_ret == 0) {
		SetPageUptodate(p);
		unlock_page(p);
	}
	put_page(p);
}

static void ixo_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct ixo *x = pcsim_alloc(w, sizeof(*x));
	pcsim_bdev_init(&x->bdev, 1, false);
	x->m = pcsim_mapping_create(w, 4, 4 * PCSIM_PAGE_SIZE, &x->bdev, 0);
	pcsim_mapping_populate(x->m, 0, true, false);
	pcsim_task_create(w, "adder", ixo_task, x, 0);
}

static int ixo_run(const char *nth, struct pcsim_report *r)
{
	struct pcsim_config cfg;
	config_for(&cfg, PCSIM_BACKEND_THREADS);
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	struct pcsim_program prog = { "ixo", ixo_setup, NULL, NULL };
	add_ret = 1;
	setenv("PCSIM_FAULT_PAGE_INDEX", nth, 1);
	int rc = pcsim_explore(&prog, &cfg, &o, r);
	unsetenv("PCSIM_FAULT_PAGE_INDEX");
	return rc;
}

static void test_page_index_oom(void **state)
{
	(void)state;
	struct pcsim_report r;
	/* no fault: the insert succeeds */
	assert_int_equal(ixo_run("0", &r), 0);
	assert_int_equal(add_ret, 0);
	pcsim_report_free(&r);
	/* 1: the table, 2: page 0's entry (both in setup): the execution fails before a task
	 * runs; 3: the task's insert, which returns -ENOMEM to it */
	const char *nth[] = { "1", "2", "3" };
	const char *msg[] = { "out of memory for a table of buckets",
			      "out of memory for the entry of index 0",
			      "out of memory for the entry of index 1" };
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(ixo_run(nth[i], &r), 1);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);	/* the model's, not a bug */
		assert_string_equal(r.what, "out-of-memory");
		assert_contains(r.message, msg[i]);
		assert_int_equal(add_ret, i < 2 ? 1 : -ENOMEM);
		pcsim_report_free(&r);
	}
}

/* ---- 4. libev out of memory (PCSIM_FAULT_LIBEV) */

/*
 * The N-th libev allocation of the world fails, for N = 1, 2, ... until N passes the last one:
 * libev's own allocator would abort the process; pcsim's serves it from its emergency pool and
 * the execution ends as internal "out-of-memory". The completion threads' loops (ncpus 2) and
 * the tasks' own loops (task_work_wait) all allocate, in the main thread, the completion
 * threads and the task threads.
 */
static void test_libev_oom(void **state)
{
	(void)state;
	unsigned internal = 0, n;
	bool passed_last = false;
	for (n = 1; n <= 200 && !passed_last; n++) {
		char nth[16];
		snprintf(nth, sizeof(nth), "%u", n);
		struct pcsim_config cfg;
		config_for(&cfg, PCSIM_BACKEND_THREADS);
		struct pcsim_explore_opts o;
		pcsim_explore_opts_init(&o);
		o.max_executions = 2;
		struct pcsim_program prog = { "twwait", tw_setup, NULL, NULL };
		struct pcsim_report r;
		setenv("PCSIM_FAULT_LIBEV", nth, 1);
		int rc = pcsim_explore(&prog, &cfg, &o, &r);
		unsetenv("PCSIM_FAULT_LIBEV");
		if (rc == 0) {
			/* no N-th allocation: the run is clean */
			assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
			passed_last = true;
		} else {
			assert_int_equal(rc, 1);
			assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
			assert_string_equal(r.what, "out-of-memory");
			assert_contains(r.message, "libev out of memory (1 allocation(s), the last of");
			assert_contains(r.message, "served from pcsim's emergency pool");
			internal++;
		}
		pcsim_report_free(&r);
	}
	print_message("libev: allocations 1..%u failed one at a time, each an internal outcome; "
		      "%u ran clean\n", internal, n - 1);
	/* at least the first loop (1) and its arrays failed; the last N ran clean */
	if (internal < 2 || !passed_last)
		print_error("%u internal outcomes, clean run %s\n", internal,
			    passed_last ? "reached" : "never reached");
	assert_true(internal >= 2);
	assert_true(passed_last);
}

/* pcsim_fail_internal() from a task, on both backends: the execution ends as an internal
 * error with its name and message; on threads the call returns and the task goes on. */
static int after_internal;

static void internal_task(void *arg)
{
	(void)arg;
	pcsim_fail_internal("model-limit", "the model ran out of %s", "slots");
	after_internal = 1;	/* reached on threads only */
}

static void internal_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	pcsim_task_create(w, "t", internal_task, NULL, 0);
}

static void test_fail_internal(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct pcsim_config cfg;
		config_for(&cfg, b ? PCSIM_BACKEND_THREADS : PCSIM_BACKEND_SIM);
		struct pcsim_explore_opts o;
		pcsim_explore_opts_init(&o);
		o.max_executions = 1;
		struct pcsim_program prog = { "internal", internal_setup, NULL, NULL };
		struct pcsim_report r;
		after_internal = 0;
		assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 1);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_INTERNAL);
		assert_string_equal(r.what, "model-limit");
		assert_contains(r.message, "the model ran out of slots");
		assert_int_equal(after_internal, b);
		pcsim_report_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_internal),
		cmocka_unit_test(test_fd_exhaustion),
		cmocka_unit_test(test_setup_escape),
		cmocka_unit_test(test_page_index_oom),
		cmocka_unit_test(test_libev_oom),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
