// SPDX-License-Identifier: MIT
/*
 * write.c - the public entry points of the pictures (include/pcsim/trace.h): the format a file
 * name asks for, writing a world's recorded stream in a format, and replaying a reported
 * schedule to write the picture of its execution (the report keeps only the narrative). No
 * kernel function is modelled here. docs/pictures.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcsim/explore.h>
#include <pcsim/check.h>

#include "sched_int.h"
#include "trace_int.h"
#include "picture_int.h"

enum pcsim_trace_format pcsim_trace_format_from_path(const char *path)
{
	if (!path)
		return PCSIM_TRACE_TEXT;
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && slash > dot))
		return PCSIM_TRACE_TEXT;
	if (strcasecmp(dot, ".json") == 0)
		return PCSIM_TRACE_CHROME_JSON;
	if (strcasecmp(dot, ".svg") == 0)
		return PCSIM_TRACE_SVG;
	return PCSIM_TRACE_TEXT;
}

int pcsim_trace_write(const struct pcsim_world *w, enum pcsim_trace_format fmt,
		      const struct pcsim_trace_svg_opts *svg, FILE *f)
{
	if (!w || !f)
		return -EINVAL;
	if (fmt != PCSIM_TRACE_TEXT && fmt != PCSIM_TRACE_CHROME_JSON && fmt != PCSIM_TRACE_SVG)
		return -EINVAL;
	if (!w->tracing || !w->ntr)
		return -ENODATA;
	switch (fmt) {
	case PCSIM_TRACE_CHROME_JSON:
		return pcsim__pic_write_chrome(w, f);
	case PCSIM_TRACE_SVG:
		return pcsim__pic_write_svg(w, svg, f);
	default: {
		char *t = pcsim__trace_render(w);
		if (!t)
			return -ENOMEM;
		fputs(t, f);
		free(t);
		return ferror(f) ? -EIO : 0;
	}
	}
}

int pcsim_trace_write_chrome_json(const struct pcsim_world *w, FILE *f)
{
	return pcsim_trace_write(w, PCSIM_TRACE_CHROME_JSON, NULL, f);
}

int pcsim_trace_write_svg(const struct pcsim_world *w, const struct pcsim_trace_svg_opts *o,
			  FILE *f)
{
	return pcsim_trace_write(w, PCSIM_TRACE_SVG, o, f);
}

/* ---------------------------------------------------------------------------------------------
 * Replay a schedule and write its picture: the program is wrapped so that its setup registers
 * an end-of-execution hook, which runs with the world's stream intact whatever the outcome.
 */
struct replay_pic {
	const struct pcsim_program *prog;
	enum pcsim_trace_format fmt;
	const struct pcsim_trace_svg_opts *svg;
	FILE *f;
	int rc;
	bool ran;
	uint64_t hash;
};

static void replay_hook(struct pcsim_world *w, void *arg)
{
	struct replay_pic *rp = arg;
	rp->ran = true;
	rp->hash = pcsim__trace_hash(w);
	rp->rc = pcsim_trace_write(w, rp->fmt, rp->svg, rp->f);
}

static void replay_setup(struct pcsim_world *w, void *arg)
{
	struct replay_pic *rp = arg;
	/* first, so that it runs last: after the program's own hooks, the events are final */
	pcsim_exec_cleanup_register(w, replay_hook, rp);
	rp->prog->setup(w, rp->prog->arg);
}

static void replay_finish(struct pcsim_world *w, void *arg)
{
	struct replay_pic *rp = arg;
	if (rp->prog->finish)
		rp->prog->finish(w, rp->prog->arg);
}

static int fail(char *err, size_t errlen, int rc, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

int pcsim_trace_replay_write(const struct pcsim_program *prog, const char *schedule,
			     enum pcsim_trace_format fmt, const struct pcsim_trace_svg_opts *svg,
			     FILE *f, uint64_t *hash, char *err, size_t errlen)
{
	char pname[128], e[512];
	struct pcsim_config cfg;
	struct pcsim_explore_opts o;
	struct pcsim_report r;

	if (err && errlen)
		err[0] = 0;
	if (!prog || !prog->setup || !prog->name || !schedule || !f)
		return fail(err, errlen, -EINVAL, "no program, schedule or output");
	if (fmt != PCSIM_TRACE_TEXT && fmt != PCSIM_TRACE_CHROME_JSON && fmt != PCSIM_TRACE_SVG)
		return fail(err, errlen, -EINVAL, "unknown trace format");
	pcsim_config_init(&cfg);
	int rc = pcsim_schedule_info(schedule, pname, sizeof(pname), &cfg, e, sizeof(e));
	if (rc < 0)
		return fail(err, errlen, rc, e);
	if (strcmp(pname, prog->name) != 0) {
		snprintf(e, sizeof(e), "the schedule is for program %s, not %s", pname, prog->name);
		return fail(err, errlen, -EINVAL, e);
	}
	cfg.trace = true;
	struct replay_pic rp = {.prog = prog, .fmt = fmt, .svg = svg, .f = f, .rc = -ENODATA};
	struct pcsim_program wrapped = {prog->name, replay_setup, replay_finish, &rp};
	pcsim_explore_opts_init(&o);
	o.strategy = PCSIM_STRATEGY_REPLAY;
	o.schedule = schedule;
	o.max_executions = 1;
	o.confirm = false;
	rc = pcsim_explore(&wrapped, &cfg, &o, &r);
	if (rc < 0) {
		snprintf(e, sizeof(e), "%s", r.message ? r.message : "replay failed");
		pcsim_report_free(&r);
		return fail(err, errlen, rc, e);
	}
	pcsim_report_free(&r);
	if (!rp.ran)
		return fail(err, errlen, -ENODATA, "the replay ran no execution");
	if (hash)
		*hash = rp.hash;
	if (rp.rc == -ENODATA)
		return fail(err, errlen, rp.rc, "the replay recorded no events");
	if (rp.rc == -ENOMEM)
		return fail(err, errlen, rp.rc, "out of memory");
	if (rp.rc == -EIO)
		return fail(err, errlen, rp.rc, "write error");
	return rp.rc;
}
