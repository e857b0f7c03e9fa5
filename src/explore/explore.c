// SPDX-License-Identifier: MIT
/*
 * explore.c - pcsim_explore(): executions under a strategy, failure reports, confirmation by
 * replay (determinism self-check: the failing schedule is replayed twice with tracing on and
 * both runs must reproduce the outcome with the same trace hash).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

const char *pcsim_outcome_name(enum pcsim_outcome o)
{
	static const char *const names[] = { "ok",	 "violation", "deadlock",
					     "livelock", "diverged",  "internal" };
	return (unsigned)o < 6 ? names[o] : "?";
}

void pcsim_report_free(struct pcsim_report *r)
{
	if (!r)
		return;
	free(r->message);
	free(r->schedule);
	free(r->trace);
	free(r->replay_cmd);
	memset(r, 0, sizeof(*r));
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static char *prefixed(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *d = malloc(na + nb + 1);
	if (d) {
		memcpy(d, a, na);
		memcpy(d + na, b, nb + 1);
	}
	return d;
}

/*
 * A fresh execution @index: reset the world, then let the strategy begin it (it seeds its
 * stream from the index and may set per-execution priorities, which the reset must not undo).
 * Returns false when the strategy has nothing left to explore.
 */
static bool begin_one(struct pcsim_world *w, struct pcsim__strategy *s, uint64_t index)
{
	pcsim__exec_reset(w);
	w->ex.index = index;
	return pcsim__strategy_begin(s, w);
}

/* Run execution @index in @w (begun with begin_one). */
static void run_one(struct pcsim_world *w, const struct pcsim_program *prog, uint64_t index)
{
	(void)index;
	w->prog = prog;
	pcsim__tls_world = w;
	pcsim__tls_ctx = NULL;
	prog->setup(w, prog->arg);
	if (w->ex.outcome == PCSIM_OUTCOME_OK)
		w->ops->run_exec(w);
	if (w->ex.outcome == PCSIM_OUTCOME_OK && prog->finish) {
		w->ex.in_finish = true;
		prog->finish(w, prog->arg);
		w->ex.in_finish = false;
	}
	/* Whatever the outcome: what the execution allocated outside the arena goes now. */
	pcsim__exec_cleanups_run(w);
	pcsim__tls_world = NULL;
}

/* Replay @schedule with tracing on; returns the world's outcome and fills hash/trace. */
static enum pcsim_outcome replay_traced(const struct pcsim_program *prog,
					const struct pcsim_config *cfg, const char *schedule,
					uint64_t *hash, char **trace, char *what, size_t whatlen)
{
	struct pcsim_config c = *cfg;
	struct pcsim_explore_opts o;
	char err[256];
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = schedule;
	c.trace = true;
	struct pcsim_world *w = calloc(1, sizeof(*w));
	if (!w)
		return PCSIM_OUTCOME_INTERNAL;
	struct pcsim__strategy *s = NULL;
	if (pcsim__world_init(w, &c) < 0 || !(s = pcsim__strategy_new(&o, err, sizeof(err)))) {
		pcsim__world_destroy(w);
		free(w);
		return PCSIM_OUTCOME_INTERNAL;
	}
	pcsim__strategy_attach(s, w);
	begin_one(w, s, 0);
	run_one(w, prog, 0);
	enum pcsim_outcome out = w->ex.outcome;
	pcsim__exec_message(w);
	*hash = pcsim__trace_hash(w);
	if (trace)
		*trace = pcsim__trace_render(w);
	snprintf(what, whatlen, "%s", w->what);
	pcsim__strategy_free(s);
	pcsim__world_destroy(w);
	free(w);
	return out;
}

static char *expand_hint(const char *hint, const char *prog)
{
	char buf[512];
	if (!hint) {
		snprintf(buf, sizeof(buf), "pcsim replay %s <schedule file>", prog);
		return xstrdup(buf);
	}
	const char *p = strstr(hint, "%s");
	if (!p)
		return xstrdup(hint);
	snprintf(buf, sizeof(buf), "%.*s<schedule file>%s", (int)(p - hint), hint, p + 2);
	return xstrdup(buf);
}

int pcsim_explore(const struct pcsim_program *prog, const struct pcsim_config *cfg_in,
		  const struct pcsim_explore_opts *o_in, struct pcsim_report *r)
{
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	char err[2400];
	if (!r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (!prog || !prog->setup) {
		r->message = xstrdup("pcsim_explore: the program has no setup function");
		return -EINVAL;
	}
	if (pcsim_world_current()) {
		/* The engine's per-thread state belongs to the running world. */
		r->message = xstrdup("pcsim_explore: called from inside a running world (a task, "
				     "event handler, setup or finish); explorations do not nest");
		return -EBUSY;
	}
	if (cfg_in)
		cfg = *cfg_in;
	else
		pcsim_config_init(&cfg);
	if (o_in)
		o = *o_in;
	else
		pcsim_explore_opts_init(&o);
	if (pcsim_config_validate(&cfg, err, sizeof(err)) < 0) {
		r->message = prefixed("pcsim_explore: ", err);
		return -EINVAL;
	}
	if ((unsigned)o.strategy > PCSIM_STRATEGY_DPOR) {
		snprintf(err, sizeof(err),
			 "pcsim_explore: strategy %d is not a strategy (PCSIM_STRATEGY_RANDOM, _PCT, "
			 "_DFS or _REPLAY)",
			 (int)o.strategy);
		r->message = xstrdup(err);
		return -EINVAL;
	}
	if (prog->name && strpbrk(prog->name, "\n\r")) {
		r->message = xstrdup("pcsim_explore: the program's name must be one line (it is "
				     "written on a schedule file's program line)");
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_REPLAY && cfg.backend != PCSIM_BACKEND_SIM) {
		r->message = xstrdup("pcsim_explore: replay runs on the sim backend only (threads "
				     "executions are not reproducible)");
		return -EINVAL;
	}
	if (cfg.backend == PCSIM_BACKEND_THREADS && cfg.mem != PCSIM_MEM_SC) {
		r->message = xstrdup("pcsim_explore: the threads backend runs on the machine's own "
				     "memory model; mem=tso needs the sim backend");
		return -EINVAL;
	}
	if (o.strategy == PCSIM_STRATEGY_REPLAY) {
		struct pcsim__choice *ch = NULL;
		size_t n;
		char *pname = NULL, *pcfg = NULL;
		if (!o.schedule) {
			r->message = xstrdup("pcsim_explore: replay needs a schedule");
			return -EINVAL;
		}
		if (pcsim__schedule_parse(o.schedule, &ch, &n, &pname, &pcfg, err, sizeof(err)) < 0) {
			r->message = xstrdup(err);
			return -EINVAL;
		}
		free(ch);
		char mine[1024], theirs[1024];
		/* Compare what the worlds would really run with (defaults filled, values clamped). */
		struct pcsim_config norm = cfg;
		pcsim__config_normalize(&norm);
		pcsim__config_format(&norm, mine, sizeof(mine));
		struct pcsim_config rec;
		pcsim_config_init(&rec);
		char perr[256];
		if (pcfg && pcsim_config_parse(pcfg, &rec, perr, sizeof(perr)) < 0) {
			snprintf(err, sizeof(err), "schedule: config line: %s", perr);
			free(pname);
			free(pcfg);
			r->message = xstrdup(err);
			return -EINVAL;
		}
		pcsim__config_normalize(&rec);
		pcsim__config_format(&rec, theirs, sizeof(theirs));
		int bad = 0;
		if (rec.backend != PCSIM_BACKEND_SIM) {
			snprintf(err, sizeof(err),
				 "schedule: config line: backend=threads: a schedule replays on the "
				 "sim backend only (threads executions are not reproducible)");
			bad = 1;
		} else if (pname && prog->name && strcmp(pname, prog->name) != 0) {
			snprintf(err, sizeof(err),
				 "schedule was recorded for program '%s', not '%s'", pname, prog->name);
			bad = 1;
		} else if (pcfg && strcmp(theirs, mine) != 0) {
			snprintf(err, sizeof(err),
				 "schedule was recorded with config '%s' but this run uses '%s'", theirs,
				 mine);
			bad = 1;
		}
		free(pname);
		free(pcfg);
		if (bad) {
			r->message = xstrdup(err);
			return -EINVAL;
		}
		o.max_executions = 1;
	}
	struct pcsim_world *w = calloc(1, sizeof(*w));
	if (!w) {
		r->message = xstrdup("pcsim_explore: out of memory");
		return -ENOMEM;
	}
	if (pcsim__world_init(w, &cfg) < 0) {
		pcsim__world_destroy(w);
		free(w);
		r->message = xstrdup("pcsim_explore: out of memory setting up the world");
		return -ENOMEM;
	}
	struct pcsim__strategy *strat = pcsim__strategy_new(&o, err, sizeof(err));
	if (!strat) {
		r->message = xstrdup(err);
		pcsim__world_destroy(w);
		free(w);
		return -EINVAL;
	}
	pcsim__strategy_attach(strat, w);
	/* Backends whose executions are not reproducible record no schedule and no trace. */
	bool replayable = w->ops->replayable;
	int ret = 0;
	for (uint64_t i = 0; !o.max_executions || i < o.max_executions; i++) {
		if (o.stop && *o.stop)
			break;	/* asked to stop (e.g. SIGINT): report what ran */
		if (!begin_one(w, strat, i))
			break;
		run_one(w, prog, i);
		pcsim__strategy_end(strat, w);
		r->executions++;
		r->steps += w->ex.step;
		if (w->tracing)
			r->trace_hash = pcsim__trace_hash(w);
		if (o.progress && (r->executions & 0xffff) == 0)
			o.progress(r->executions, r->steps, o.progress_arg);
		if (w->ex.outcome == PCSIM_OUTCOME_OK)
			continue;
		if (r->outcome == PCSIM_OUTCOME_OK) {
			r->outcome = w->ex.outcome;
			r->failing_execution = i + 1;
			snprintf(r->what, sizeof(r->what), "%s", w->what);
			r->step = w->ex.fail_step;
			pcsim__exec_message(w);
			r->message = xstrdup(w->msg);
			r->schedule = replayable ? pcsim__schedule_format(w, &o, i) : NULL;
			r->replay_cmd = expand_hint(o.replay_hint, prog->name ? prog->name : "?");
			ret = 1;
			if (o.confirm && replayable && r->schedule &&
			    w->ex.outcome != PCSIM_OUTCOME_INTERNAL &&
			    w->ex.outcome != PCSIM_OUTCOME_DIVERGED) {
				uint64_t h1 = 0, h2 = 0;
				char *t1 = NULL;
				char w1[64], w2[64];
				enum pcsim_outcome a = replay_traced(prog, &cfg, r->schedule, &h1, &t1,
								     w1, sizeof(w1));
				enum pcsim_outcome b = replay_traced(prog, &cfg, r->schedule, &h2, NULL,
								     w2, sizeof(w2));
				r->confirmed = a == w->ex.outcome && b == a && h1 == h2 &&
					       strcmp(w1, r->what) == 0 && strcmp(w2, w1) == 0 &&
					       (!w->tracing || h1 == r->trace_hash);
				r->trace = t1;
				r->trace_hash = h1;
			} else if (w->tracing && replayable) {
				r->trace = pcsim__trace_render(w);
			}
		}
		if (o.stop_on_violation || w->ex.outcome == PCSIM_OUTCOME_DIVERGED ||
		    w->ex.outcome == PCSIM_OUTCOME_INTERNAL)
			break;
	}
	if (o.keep_trace && r->outcome == PCSIM_OUTCOME_OK && r->executions && replayable) {
		if (w->tracing)
			r->trace = pcsim__trace_render(w);
		r->schedule = pcsim__schedule_format(w, &o, r->executions - 1);
	}
	r->exhausted = pcsim__strategy_exhausted(strat);
	if (o.progress)
		o.progress(r->executions, r->steps, o.progress_arg);
	pcsim__strategy_free(strat);
	pcsim__world_destroy(w);
	free(w);
	return ret;
}
