// SPDX-License-Identifier: MIT
/* pcsim_test.c - see pcsim_test.h. */
#include "pcsim_test.h"

#include <pcsim/kernel/compiler.h>
#include <pcsim/kernel/sched.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pcsim_backend pt_backend = PCSIM_BACKEND_SIM;
static const char *pt_argv0 = "test";
static char *pt_replay_text;	/* --replay FILE: the schedule to replay instead of exploring */

void pt_init(int argc, char **argv)
{
	const char *env = getenv("PCSIM_BACKEND");
	pt_argv0 = argv[0];
	if (env && strcmp(env, "threads") == 0)
		pt_backend = PCSIM_BACKEND_THREADS;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			pt_backend = strcmp(argv[i + 1], "threads") == 0 ? PCSIM_BACKEND_THREADS
									 : PCSIM_BACKEND_SIM;
			i++;
		} else if (strcmp(argv[i], "--replay") == 0 && i + 1 < argc) {
			FILE *f = fopen(argv[++i], "r");
			if (!f) {
				fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
				exit(2);
			}
			static char buf[1 << 20];
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = 0;
			fclose(f);
			pt_replay_text = buf;
		} else if (strcmp(argv[i], "--skip") == 0 && i + 1 < argc) {
			cmocka_set_skip_filter(argv[++i]);
		} else {
			cmocka_set_test_filter(argv[i]);
		}
	}
}

struct pcsim_config pt_config(enum pcsim_memmode mem)
{
	struct pcsim_config cfg;
	pcsim_config_init(&cfg);
	cfg.backend = pt_backend;
	cfg.mem = mem;
	return cfg;
}

void pt_print_report(const char *title, const struct pcsim_report *r)
{
	fprintf(stderr, "---- %s\n", title);
	fprintf(stderr, "outcome: %s (%s) after %llu execution(s), %llu steps; failing execution "
			"%llu at step %llu; confirmed by replay: %s\n",
		pcsim_outcome_name(r->outcome), r->what, (unsigned long long)r->executions,
		(unsigned long long)r->steps, (unsigned long long)r->failing_execution,
		(unsigned long long)r->step, r->confirmed ? "yes" : "no");
	if (r->message)
		fprintf(stderr, "message: %s\n", r->message);
	if (r->trace)
		fprintf(stderr, "trace:\n%s", r->trace);
	if (r->schedule)
		fprintf(stderr, "schedule:\n%s", r->schedule);
}

int pt_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg,
	       const struct pcsim_explore_opts *o, int expect_fail, struct pcsim_report *r)
{
	struct pcsim_explore_opts ro;
	char pname[128];
	struct pcsim_config rcfg;
	pcsim_config_init(&rcfg);
	if (pt_replay_text &&
	    pcsim_schedule_info(pt_replay_text, pname, sizeof(pname), &rcfg, NULL, 0) == 0 &&
	    strcmp(pname, prog->name) == 0) {
		/* --replay: this program's recorded schedule instead of the search */
		pcsim_explore_opts_init(&ro);
		ro.strategy = PCSIM_STRATEGY_REPLAY;
		ro.schedule = pt_replay_text;
		o = &ro;
		cfg = &rcfg;
		fprintf(stderr, "replaying the schedule given with --replay for %s\n", prog->name);
	}
	int ret = pcsim_explore(prog, cfg, o, r);
	if (ret < 0) {
		fprintf(stderr, "pcsim_explore(%s) failed: %d: %s\n", prog->name, ret,
			r->message ? r->message : "");
		return ret;
	}
	if ((ret == 1) != (expect_fail != 0)) {
		char title[256];
		snprintf(title, sizeof(title), "%s: unexpected %s (strategy %s, seed %llu)",
			 prog->name, ret ? "failure" : "success",
			 pcsim_strategy_name(o ? o->strategy : PCSIM_STRATEGY_PCT),
			 (unsigned long long)(o ? o->seed : 1));
		pt_print_report(title, r);
		if (r->schedule) {
			char path[256];
			snprintf(path, sizeof(path), "%s-%llu.schedule", prog->name,
				 (unsigned long long)(o ? o->seed : 1));
			FILE *f = fopen(path, "w");
			if (f) {
				fputs(r->schedule, f);
				fclose(f);
				fprintf(stderr, "replay: %s --replay %s (schedule written to %s)\n",
					pt_argv0, path, path);
			}
		}
	}
	return ret;
}

int pt_run(const char *name, void (*setup)(struct pcsim_world *, void *),
	   void (*finish)(struct pcsim_world *, void *), void *arg,
	   const struct pcsim_config *cfg, enum pcsim_strategy s, uint64_t max, unsigned bound,
	   int expect_fail, struct pcsim_report *r)
{
	struct pcsim_program p = { name, setup, finish, arg };
	struct pcsim_explore_opts o;
	pcsim_explore_opts_init(&o);
	o.strategy = s;
	o.max_executions = max;
	o.preemption_bound = bound;
	return pt_explore(&p, cfg, &o, expect_fail, r);
}

/* pt_racy, pt_racy_choice: each task keeps the value it wrote (a plain field of its own), which
 * finish() reads through the pointer setup left for it. */
struct racy {
	pcsim_int x;
	int wrote[2];
};
static _Thread_local struct racy *cur_racy;

static void racy_task(struct racy *s, int i)
{
	int v = READ_ONCE(s->x) + 1;
	WRITE_ONCE(s->x, v);
	s->wrote[i] = v;
}

static void racy_a(void *arg)
{
	racy_task(arg, 0);
}

static void racy_b(void *arg)
{
	racy_task(arg, 1);
}

static void racy_setup(struct pcsim_world *w, void *arg)
{
	struct racy *s = pcsim_alloc(w, sizeof(*s));
	if (arg)
		(void)pcsim_choose("start", 3);
	pcsim_task_create(w, "a", racy_a, s, 0);
	pcsim_task_create(w, "b", racy_b, s, 1);
	cur_racy = s;
}

static void racy_finish(struct pcsim_world *w, void *arg)
{
	(void)arg;
	int a = cur_racy->wrote[0], b = cur_racy->wrote[1];
	pcsim_outcome_record(w, "x", a > b ? a : b);
}

const struct pcsim_program pt_racy = { "racy", racy_setup, racy_finish, NULL };
const struct pcsim_program pt_racy_choice = { "racy-choice", racy_setup, racy_finish, (void *)1 };

/* pt_late, pt_late_seen: task A posts a signal to B when it saw B's store. */
struct late {
	pcsim_int x, y;
	struct pcsim_world *w;
	struct pcsim_task *b;
	bool check;		/* B fails if the signal reached it before its end */
};

static void late_a(void *arg)
{
	struct late *l = arg;
	WRITE_ONCE(l->x, 1);
	int r = READ_ONCE(l->y);
	WRITE_ONCE(l->x, 2);
	if (r == 1)
		pcsim_post_signal(l->w, l->b, PCSIM_SIGUSR1);
	WRITE_ONCE(l->x, 3);
}

static void late_b(void *arg)
{
	struct late *l = arg;
	WRITE_ONCE(l->y, 1);
	(void)READ_ONCE(l->x);
	WRITE_ONCE(l->y, 2);
	(void)READ_ONCE(l->x);
	if (l->check)
		PCSIM_CHECK(!signal_pending(current), "late-signal",
			    "the signal reached B before its end");
}

static void late_setup(struct pcsim_world *w, void *arg)
{
	struct late *l = pcsim_alloc(w, sizeof(*l));
	l->w = w;
	l->check = arg != NULL;
	pcsim_task_create(w, "a", late_a, l, 0);
	l->b = pcsim_task_create(w, "b", late_b, l, 1);
}

const struct pcsim_program pt_late = { "late-signal", late_setup, NULL, NULL };
const struct pcsim_program pt_late_seen = { "late-signal-seen", late_setup, NULL, (void *)1 };
