// SPDX-License-Identifier: MIT
/*
 * test_robust_watchdog.c - the sim backend's watchdog is one thread per process, not one per
 * world (docs/robustness.md §6, docs/engine.md "Watchdog"): a thousand pcsim_explore() calls in
 * a row, and eight worlds alive at once on eight threads, see one watchdog thread; a task that
 * loops without a preemption point is still caught (the handler is told, the execution ends as a
 * livelock "watchdog") while a healthy world runs beside it, and in a child of fork(), whose
 * watchdog thread stayed in the parent. Models no kernel function.
 *
 * Threads are counted in /proc/self/task, from inside a running task (a world registers with
 * the watchdog when its first execution starts), so the test sees the library's threads without
 * any hook into it; the watchdog is the thread named "pcsim-watchdog" (TSan has a thread of its
 * own). Under TSan the fork case also shows that the parent forks with no watchdog thread
 * running: TSan refuses to start threads in a child of a multi-threaded process. Nothing here waits on a clock: the spinning task spins until the watchdog's
 * handler has been called.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <pcsim/pcsim.h>

/* ---- counting threads */

#define MAX_TIDS 4096

struct tidset {
	pthread_mutex_t mu;
	unsigned n;
	long tid[MAX_TIDS];
};

static bool tidset_has(const struct tidset *s, long t)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->tid[i] == t)
			return true;
	return false;
}

static void tidset_add(struct tidset *s, long t)
{
	if (!tidset_has(s, t) && s->n < MAX_TIDS)
		s->tid[s->n++] = t;
}

/* Every thread of the process now, into @out (which is emptied first). */
static void threads_now(struct tidset *out)
{
	out->n = 0;
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			tidset_add(out, strtol(e->d_name, NULL, 10));
	closedir(d);
}

/* The threads in @now that are not in @before, added to @seen. */
static void threads_new(const struct tidset *before, const struct tidset *now,
			struct tidset *seen)
{
	for (unsigned i = 0; i < now->n; i++)
		if (!tidset_has(before, now->tid[i]))
			tidset_add(seen, now->tid[i]);
}

/* Is thread @tid the watchdog (named "pcsim-watchdog")? Sanitizers add threads of their own. */
static bool is_watchdog(long tid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;	/* gone meanwhile */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return strcmp(comm, "pcsim-watchdog\n") == 0;
}

/* ---- 1. a thousand explorations in a row */

static struct tidset before1, seen1;

static void count_task(void *arg)
{
	(void)arg;
	struct tidset *now = malloc(sizeof(*now));
	assert_non_null(now);
	threads_now(now);
	for (unsigned i = 0; i < now->n; i++)
		if (!tidset_has(&before1, now->tid[i]) && is_watchdog(now->tid[i]))
			tidset_add(&seen1, now->tid[i]);
	free(now);
}

static void count_setup(struct pcsim_world *w, void *arg)
{
	pcsim_task_create(w, "count", count_task, arg, 0);
}

static void test_thousand_explores_one_thread(void **state)
{
	(void)state;
	threads_now(&before1);
	seen1.n = 0;
	const struct pcsim_program prog = { .name = "wd-count", .setup = count_setup };
	for (unsigned i = 0; i < 1000; i++) {
		struct pcsim_config cfg;
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		cfg.watchdog_ms = 10000;
		pcsim_explore_opts_init(&o);
		o.max_executions = 1;
		assert_int_equal(pcsim_explore(&prog, &cfg, &o, &r), 0);
		assert_int_equal(r.outcome, PCSIM_OUTCOME_OK);
		pcsim_report_free(&r);
	}
	/* The one watchdog thread, seen by every execution (one per world: 1000 threads). */
	if (seen1.n != 1)
		print_error("%u watchdog threads appeared during 1000 explorations, want 1\n",
			    seen1.n);
	assert_int_equal(seen1.n, 1);
}

/* ---- 2. eight worlds alive at once */

#define NWORLDS 8

static pthread_barrier_t all_running, counted;

static void meet_task(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&all_running);	/* every world is in its execution */
	pthread_barrier_wait(&counted);		/* the main thread has counted */
}

static void meet_setup(struct pcsim_world *w, void *arg)
{
	pcsim_task_create(w, "meet", meet_task, arg, 0);
}

static void *explorer(void *arg)
{
	int *rc = arg;
	const struct pcsim_program prog = { .name = "wd-meet", .setup = meet_setup };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;
	pcsim_config_init(&cfg);
	cfg.watchdog_ms = 600000;	/* the barrier is no preemption point */
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	*rc = pcsim_explore(&prog, &cfg, &o, &r);
	if (*rc == 0 && r.outcome != PCSIM_OUTCOME_OK)
		*rc = 100 + (int)r.outcome;
	pcsim_report_free(&r);
	return NULL;
}

static void test_worlds_at_once_one_thread(void **state)
{
	(void)state;
	pthread_t th[NWORLDS];
	int rc[NWORLDS];
	struct tidset *before = calloc(1, sizeof(*before)), *now = calloc(1, sizeof(*now)),
		      *extra = calloc(1, sizeof(*extra));
	assert_true(before && now && extra);
	threads_now(before);
	assert_int_equal(pthread_barrier_init(&all_running, NULL, NWORLDS + 1), 0);
	assert_int_equal(pthread_barrier_init(&counted, NULL, NWORLDS + 1), 0);
	for (unsigned i = 0; i < NWORLDS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, explorer, &rc[i]), 0);
	pthread_barrier_wait(&all_running);
	threads_now(now);
	pthread_barrier_wait(&counted);
	for (unsigned i = 0; i < NWORLDS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(rc[i], 0);
	}
	threads_new(before, now, extra);
	/*
	 * The explorers themselves, and at most one watchdog (none if an earlier test of this
	 * process started it). One per world would be NWORLDS more.
	 */
	if (extra->n > NWORLDS + 1)
		print_error("%u new threads with %d worlds alive, want at most %d\n", extra->n,
			    NWORLDS, NWORLDS + 1);
	assert_in_range(extra->n, NWORLDS, NWORLDS + 1);
	pthread_barrier_destroy(&all_running);
	pthread_barrier_destroy(&counted);
	free(before);
	free(now);
	free(extra);
}

/* ---- 3. a spinning task is still caught, beside a healthy world */

static int handler_calls;
static char handler_msg[512];

static void on_stuck(const char *msg)
{
	snprintf(handler_msg, sizeof(handler_msg), "%s", msg);
	__atomic_add_fetch(&handler_calls, 1, __ATOMIC_RELEASE);
}

struct spin {
	pcsim_int x;
};

static void spin_task(void *arg)
{
	struct spin *s = arg;
	/* No preemption point until the watchdog has given up on us (its second stage). A
	 * safety net of ten minutes keeps a broken watchdog from hanging the test for ever. */
	time_t start = time(NULL);
	while (!__atomic_load_n(&handler_calls, __ATOMIC_ACQUIRE) && time(NULL) - start < 600)
		;
	(void)pcsim_read_once(&s->x);	/* the point where the flag is seen */
}

static void spin_setup(struct pcsim_world *w, void *arg)
{
	(void)arg;
	struct spin *s = pcsim_alloc(w, sizeof(*s));
	pcsim_task_create(w, "spinner", spin_task, s, 0);
}

/* Returns pcsim_explore()'s value (1: a failure found). No cmocka assertion: a child runs it. */
static int run_spinner(struct pcsim_report *r)
{
	const struct pcsim_program prog = { .name = "wd-spin", .setup = spin_setup };
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	pcsim_config_init(&cfg);
	cfg.watchdog_ms = 100;
	pcsim_explore_opts_init(&o);
	o.max_executions = 1;
	o.confirm = false;
	return pcsim_explore(&prog, &cfg, &o, r);
}

static int healthy_stop;

static void *healthy(void *arg)
{
	int *rc = arg;
	const struct pcsim_program prog = { .name = "wd-count", .setup = count_setup };
	*rc = 0;
	while (!__atomic_load_n(&healthy_stop, __ATOMIC_ACQUIRE) && *rc == 0) {
		struct pcsim_config cfg;
		struct pcsim_explore_opts o;
		struct pcsim_report r;
		pcsim_config_init(&cfg);
		cfg.watchdog_ms = 600000;	/* a loaded machine may stall any thread */
		pcsim_explore_opts_init(&o);
		o.max_executions = 20;
		*rc = pcsim_explore(&prog, &cfg, &o, &r);
		if (*rc == 0 && r.outcome != PCSIM_OUTCOME_OK)
			*rc = 100 + (int)r.outcome;
		pcsim_report_free(&r);
	}
	return NULL;
}

static void test_spinning_task_caught(void **state)
{
	(void)state;
	pthread_t th;
	int hrc = -1;
	handler_calls = 0;
	healthy_stop = 0;
	pcsim_watchdog_set_handler(on_stuck);
	assert_int_equal(pthread_create(&th, NULL, healthy, &hrc), 0);
	struct pcsim_report r;
	int rc = run_spinner(&r);
	__atomic_store_n(&healthy_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	pcsim_watchdog_set_handler(NULL);

	assert_int_equal(rc, 1);
	assert_int_equal(r.outcome, PCSIM_OUTCOME_LIVELOCK);
	assert_string_equal(r.what, "watchdog");
	assert_non_null(r.message);
	assert_non_null(strstr(r.message, "T1 spinner ran for more than 100 ms"));
	pcsim_report_free(&r);
	assert_int_equal(__atomic_load_n(&handler_calls, __ATOMIC_ACQUIRE), 1);
	assert_non_null(strstr(handler_msg, "pcsim: watchdog: task T1 has run for"));
	assert_non_null(strstr(handler_msg, "watchdog_ms=100"));
	/* The healthy world beside it was never flagged. */
	assert_int_equal(hrc, 0);
}

/* ---- 4. in a child of fork(): the thread stayed in the parent, a new one is started */

static void test_spinning_task_caught_after_fork(void **state)
{
	(void)state;
	/* The parent has a watchdog thread by now (the tests above). */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pcsim_report r;
		handler_calls = 0;
		pcsim_watchdog_set_handler(on_stuck);
		bool ok = run_spinner(&r) == 1 && r.outcome == PCSIM_OUTCOME_LIVELOCK &&
			  strcmp(r.what, "watchdog") == 0 &&
			  __atomic_load_n(&handler_calls, __ATOMIC_ACQUIRE) == 1;
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_explores_one_thread),
		cmocka_unit_test(test_worlds_at_once_one_thread),
		cmocka_unit_test(test_spinning_task_caught),
		cmocka_unit_test(test_spinning_task_caught_after_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
