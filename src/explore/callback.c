// SPDX-License-Identifier: MIT
/*
 * callback.c - PCSIM_STRATEGY_CALLBACK: every decision is put to a function of the caller
 * (pcsim_explore_opts.choose) as a list of options labelled in the narrative's words, so that a
 * person (`pcsim step`, tools/pcsim/step.c) or a program outside the library can take the
 * engine's real choices one at a time. The choices are logged like any strategy's, so the
 * execution's schedule replays it. Also the helpers a callback may call while it decides:
 * pcsim_decision_schedule() (the choices so far as a schedule file) and pcsim_decision_trace()
 * (the narrative so far). No kernel function is modelled here.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_int.h"

struct callback {
	struct pcsim__strategy base;
	unsigned (*choose)(const struct pcsim_decision *d, void *arg);
	void *arg;
	struct pcsim_explore_opts o; /* for the schedule header (choose and schedule cleared) */
	struct pcsim_option opts[PCSIM_MAX_OPTS];
};

static int callback_init(struct pcsim__strategy *base, const struct pcsim_explore_opts *o,
			 char *err, size_t errlen)
{
	struct callback *s = (struct callback *)base;
	if (!o->choose) {
		snprintf(err, errlen, "pcsim_explore: the callback strategy needs opts.choose");
		return -1;
	}
	s->choose = o->choose;
	s->arg = o->choose_arg;
	s->o = *o;
	s->o.schedule = NULL;
	return 0;
}

/* "T1 submitter: next step", with what makes the step special. */
static void label_run(struct pcsim_world *w, const struct pcsim__opt *op, bool is_cur, char *buf,
		      size_t len)
{
	struct pcsim__ctx *c = op->p;
	char lb[64], cb[64];
	const char *what = c->fresh		   ? "start"
			   : c->run == CR_SPINNING ? "take the spinlock"
						   : "next step";
	const char *me = pcsim__ctx_label(w, c->id, lb, sizeof(lb));
	if (c->kind != PCSIM_CTX_TASK || is_cur) {
		snprintf(buf, len, "%s: %s", me, what);
		return;
	}
	struct pcsim__ctx *curr = w->cpus[c->cpu].curr;
	if (curr == c)
		snprintf(buf, len, "%s: %s", me, what);
	else if (curr)
		snprintf(buf, len, "%s: %s (preempts %s on cpu%u)", me, what,
			 pcsim__ctx_label(w, curr->id, cb, sizeof(cb)), c->cpu);
	else
		snprintf(buf, len, "%s: %s (on cpu%u)", me, what, c->cpu);
}

/* "flush cpu0: x <- 0x1 (1 of 2 buffered)": the store that becomes visible. */
static void label_flush(struct pcsim_world *w, unsigned cpu, char *buf, size_t len)
{
	const struct pcsim__cpu *cp = &w->cpus[cpu];
	const struct sb_entry *e = &cp->sb[cp->sb_head % PCSIM_SB_MAX];
	char ob[64], vb[64];
	uint32_t id = pcsim__obj_peek(w, e->addr);
	uint32_t vid = e->ptr && e->val ? pcsim__obj_peek(w, (const void *)(uintptr_t)e->val) : 0;
	if (e->ptr && !e->val)
		snprintf(vb, sizeof(vb), "NULL");
	else if (vid)
		pcsim_trace_obj_label(w, vid, vb, sizeof(vb));
	else
		snprintf(vb, sizeof(vb), "0x%" PRIx64, e->val);
	snprintf(buf, len, "flush cpu%u: %s <- %s (1 of %u buffered)", cpu,
		 id ? pcsim_trace_obj_label(w, id, ob, sizeof(ob)) : "(unnamed object)", vb,
		 cp->sb_len);
}

static void label(struct pcsim_world *w, const struct pcsim__opt *op, bool is_cur,
		  const char *data_kind, struct pcsim_option *out)
{
	char lb[64];
	struct pcsim__choice c = {op->type, op->target, data_kind};
	pcsim__choice_format(&c, out->choice, sizeof(out->choice));
	out->target = op->target;
	switch (op->type) {
	case OPT_RUN:
		out->kind = PCSIM_OPTION_RUN;
		label_run(w, op, is_cur, out->label, sizeof(out->label));
		break;
	case OPT_FIRE: {
		const struct pcsim__event *e = op->p;
		out->kind = PCSIM_OPTION_FIRE;
		if (e->cpu < 0)
			snprintf(out->label, sizeof(out->label), "fire E%u %s", e->id, e->name);
		else
			snprintf(out->label, sizeof(out->label), "fire E%u %s (%s on cpu%d)", e->id,
				 e->name, e->kind == PCSIM_CTX_SOFTIRQ ? "softirq" : "hardirq",
				 e->cpu);
		break;
	}
	case OPT_FLUSH:
		out->kind = PCSIM_OPTION_FLUSH;
		label_flush(w, op->target, out->label, sizeof(out->label));
		break;
	case OPT_SPURIOUS:
		out->kind = PCSIM_OPTION_SPURIOUS;
		snprintf(out->label, sizeof(out->label), "spurious wakeup of %s",
			 pcsim__ctx_label(w, op->target, lb, sizeof(lb)));
		break;
	default:
		out->kind = PCSIM_OPTION_DATA;
		snprintf(out->label, sizeof(out->label), "data %s = %u",
			 data_kind ? data_kind : "data", op->target);
		break;
	}
}

static inline unsigned callback_pick(struct pcsim__strategy *base, struct pcsim_world *w,
				     const struct pcsim__opt *opts, unsigned n, int cur,
				     const char *data_kind)
{
	struct callback *s = (struct callback *)base;
	struct pcsim_decision d;
	memset(&d, 0, sizeof(d));
	for (unsigned i = 0; i < n; i++)
		label(w, &opts[i], (int)i == cur, data_kind, &s->opts[i]);
	d.world = w;
	d.index = w->ex.ndecisions - 1;
	d.step = w->ex.step;
	d.opts = s->opts;
	d.n = n;
	d.dflt = cur >= 0 ? (unsigned)cur : 0;
	d.cur = cur;
	d.data_kind = data_kind;
	d.nevents = w->ntr;
	unsigned pick = s->choose(&d, s->arg);
	if (pick == PCSIM_CHOOSE_STOP) {
		if (w->ex.outcome == PCSIM_OUTCOME_OK)
			pcsim__failf(w, PCSIM_OUTCOME_DIVERGED, "stopped",
				     "the chooser stopped the execution at decision %" PRIu64
				     " (step %" PRIu64 ")",
				     d.index + 1, d.step);
		base->unlogged = true; /* what the engine does next never runs */
		return d.dflt;
	}
	return pick < n ? pick : d.dflt;
}

static void callback_end(struct pcsim__strategy *base, struct pcsim_world *w)
{
	struct callback *s = (struct callback *)base;
	struct pcsim_decision d;
	memset(&d, 0, sizeof(d));
	d.world = w;
	d.index = w->ex.ndecisions;
	d.step = w->ex.step;
	d.opts = s->opts;
	d.cur = -1;
	d.nevents = w->ntr;
	d.outcome = (int)w->ex.outcome;
	pcsim__exec_message(w);
	d.what = w->what;
	s->choose(&d, s->arg);
}

PCSIM_STRATEGY_CHOOSER(callback_choose, callback_pick)

const struct pcsim__strategy_ops pcsim__callback_ops = {
	.name = "callback",
	.size = sizeof(struct callback),
	.init = callback_init,
	.choose = callback_choose,
	.end = callback_end,
};

char *pcsim_decision_schedule(const struct pcsim_decision *d)
{
	struct pcsim_world *w = d ? d->world : NULL;
	if (!w || w->chooser.pick != callback_choose)
		return NULL;
	const struct callback *s = w->chooser.s;
	return pcsim__schedule_format(w, &s->o, w->ex.index);
}

char *pcsim_decision_trace(const struct pcsim_decision *d, size_t from)
{
	const struct pcsim_world *w = d ? d->world : NULL;
	if (!w)
		return NULL;
	return pcsim__trace_render_range(w, from, d->nevents < w->ntr ? d->nevents : w->ntr, false);
}
