// SPDX-License-Identifier: MIT
/*
 * picture.c - reads an execution's recorded event stream as a picture: lanes (a task each, the
 * hard and soft interrupts of each CPU, the engine), time slots for the events, spans (a task
 * running, sleeping in schedule() until the try_to_wake_up() that ends it, runnable; an atomic
 * context between irq_enter and irq_exit) and flows, the causal chains the events carry:
 *
 *   ring retry  the bit clear of unlock_page() (or a store) -> the wake walk (__wake_up_common)
 *               -> io_async_buf_func() -> task_work_add() -> io_req_task_submit() in the
 *               submitter -> the request's CQE (io_cqring_fill_event);
 *   wakeup      (the bit clear -> the wake walk ->) try_to_wake_up() = 1 -> the woken task's
 *               next event;
 *   task_work   task_work_add() -> the target's task_work_run().
 *
 * The links come from fields the events already carry (engine.wake and task_work_add name
 * their target context, the uring kinds their request id, waitq.wake opens and waitq.walk_end
 * closes a walk, waitq.callback closes one callback of it); the cause of a walk is the bit
 * clear or store its context made just before it (only loads, spinlocks, fences and RCU
 * markers between them). Nothing here changes the stream or its hash. Used by chrome.c and
 * svg.c; docs/pictures.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcsim/explore.h>

#include "sched_int.h"
#include "picture_int.h"

#define NONE ((size_t)-1)
#define WALK_DEPTH 4

static bool is(const struct pcsim_trace_event *e, const char *name)
{
	return strcmp(e->kind->name, name) == 0;
}

static bool has_prefix(const struct pcsim_trace_event *e, const char *p)
{
	return strncmp(e->kind->name, p, strlen(p)) == 0;
}

void pcsim__pic_text(const struct pcsim__pic *p, size_t i, char *buf, size_t len)
{
	const struct pcsim_trace_event *e = &p->tr[i];
	buf[0] = 0;
	if (e->kind->render)
		e->kind->render(p->w, e, buf, len);
	else
		snprintf(buf, len, "%s", e->kind->name);
}

bool pcsim__pic_lost(const struct pcsim__pic *p, const struct pic_span *s)
{
	return s->kind == SP_SLEEP && s->open && p->w->ex.outcome == PCSIM_OUTCOME_DEADLOCK;
}

const char *pcsim__pic_program(const struct pcsim_world *w)
{
	return w->prog && w->prog->name ? w->prog->name : "pcsim";
}

void pcsim__pic_outcome(const struct pcsim_world *w, char *buf, size_t len)
{
	if (w->ex.outcome == PCSIM_OUTCOME_OK)
		snprintf(buf, len, "no violation, %" PRIu64 " steps", w->ex.step);
	else if (w->what[0] && strcmp(w->what, pcsim_outcome_name(w->ex.outcome)) != 0)
		snprintf(buf, len, "%s: %s at step %" PRIu64, pcsim_outcome_name(w->ex.outcome),
			 w->what, w->ex.fail_step);
	else
		snprintf(buf, len, "%s at step %" PRIu64, pcsim_outcome_name(w->ex.outcome),
			 w->ex.fail_step);
}

const char *pcsim__pic_flow_name(const struct pcsim__pic *p, const struct pic_flow *f, char *buf,
				 size_t len)
{
	char cb[64];
	const char *tgt = pcsim_trace_ctx_label(p->w, f->target, cb, sizeof(cb));
	switch (f->kind) {
	case FL_RING:
		snprintf(buf, len, "ring retry of request %" PRIu64, f->req);
		break;
	case FL_WAKE:
		snprintf(buf, len, "wakeup of %s", tgt);
		break;
	case FL_MISSED:
		snprintf(buf, len, "try_to_wake_up(%s) = 0: woke nothing", tgt);
		break;
	default:
		snprintf(buf, len, "task_work for %s", tgt);
		break;
	}
	return buf;
}

/* ---------------------------------------------------------------------------------------------
 * Lanes
 */
/* The atomic contexts seen, indexed by event id (context id - PCSIM_IRQ_CTX_BASE). */
struct atom {
	bool seen;
	bool soft; /* its irq_enter says softirq */
	unsigned cpu;
	unsigned lane;
};

static bool is_atomic(uint32_t ctx)
{
	return ctx > PCSIM_IRQ_CTX_BASE;
}

static int build_lanes(struct pcsim__pic *p, unsigned **lane_of_ev)
{
	const struct pcsim_trace_event *tr = p->tr;
	bool task[PCSIM_MAX_TASKS + 1] = {false};
	bool hard[PCSIM_MAX_CPUS] = {false}, soft[PCSIM_MAX_CPUS] = {false};
	bool engine = false;
	size_t natoms = 0;
	int rc = -ENOMEM;

	for (size_t i = 0; i < p->nev; i++)
		if (is_atomic(tr[i].ctx) && tr[i].ctx - PCSIM_IRQ_CTX_BASE >= natoms)
			natoms = tr[i].ctx - PCSIM_IRQ_CTX_BASE + 1;
	struct atom *atoms = calloc(natoms ? natoms : 1, sizeof(*atoms));
	if (!atoms)
		return -ENOMEM;
	for (size_t i = 0; i < p->nev; i++) {
		const struct pcsim_trace_event *e = &tr[i];
		if (e->ctx >= 1 && e->ctx <= PCSIM_MAX_TASKS) {
			task[e->ctx] = true;
		} else if (is_atomic(e->ctx)) {
			struct atom *at = &atoms[e->ctx - PCSIM_IRQ_CTX_BASE];
			if (!at->seen) {
				at->seen = true;
				at->cpu = e->cpu < PCSIM_MAX_CPUS ? e->cpu : 0;
			}
			if (is(e, "engine.irq_enter"))
				at->soft = e->a == PCSIM_CTX_SOFTIRQ;
		} else {
			engine = true; /* context 0 (and anything unknown) */
		}
	}
	for (size_t k = 0; k < natoms; k++) {
		if (!atoms[k].seen)
			continue;
		if (atoms[k].soft)
			soft[atoms[k].cpu] = true;
		else
			hard[atoms[k].cpu] = true;
	}

	unsigned n = 0;
	for (unsigned t = 1; t <= PCSIM_MAX_TASKS; t++)
		n += task[t];
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++)
		n += hard[c] + soft[c];
	n += engine;
	p->lanes = calloc(n ? n : 1, sizeof(*p->lanes));
	*lane_of_ev = calloc(p->nev ? p->nev : 1, sizeof(**lane_of_ev));
	if (!p->lanes || !*lane_of_ev)
		goto out;

	unsigned task_lane[PCSIM_MAX_TASKS + 1] = {0};
	unsigned hard_lane[PCSIM_MAX_CPUS] = {0}, soft_lane[PCSIM_MAX_CPUS] = {0};
	unsigned l = 0;
	for (unsigned t = 1; t <= PCSIM_MAX_TASKS; t++) {
		if (!task[t])
			continue;
		struct pic_lane *ln = &p->lanes[l];
		ln->kind = PL_TASK;
		ln->ctx = t;
		ln->tid = t;
		pcsim_trace_ctx_label(p->w, t, ln->name, sizeof(ln->name));
		task_lane[t] = l++;
	}
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++) {
		if (!hard[c])
			continue;
		p->lanes[l].kind = PL_HARDIRQ;
		p->lanes[l].cpu = c;
		p->lanes[l].tid = 10000 + c;
		snprintf(p->lanes[l].name, sizeof(p->lanes[l].name), "hardirq cpu%u", c);
		hard_lane[c] = l++;
	}
	for (unsigned c = 0; c < PCSIM_MAX_CPUS; c++) {
		if (!soft[c])
			continue;
		p->lanes[l].kind = PL_SOFTIRQ;
		p->lanes[l].cpu = c;
		p->lanes[l].tid = 20000 + c;
		snprintf(p->lanes[l].name, sizeof(p->lanes[l].name), "softirq cpu%u", c);
		soft_lane[c] = l++;
	}
	unsigned engine_lane = l;
	if (engine) {
		p->lanes[l].kind = PL_ENGINE;
		p->lanes[l].tid = 30000;
		snprintf(p->lanes[l].name, sizeof(p->lanes[l].name), "engine (no context)");
		l++;
	}
	p->nlanes = l;
	for (size_t k = 0; k < natoms; k++)
		atoms[k].lane = atoms[k].soft ? soft_lane[atoms[k].cpu] : hard_lane[atoms[k].cpu];
	for (size_t i = 0; i < p->nev; i++) {
		uint32_t c = tr[i].ctx;
		(*lane_of_ev)[i] = c >= 1 && c <= PCSIM_MAX_TASKS ? task_lane[c]
				   : is_atomic(c) ? atoms[c - PCSIM_IRQ_CTX_BASE].lane
						  : engine_lane;
	}
	rc = 0;
out:
	free(atoms);
	return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Slots: events with the same time share its interval to the next time, in stream order.
 */
static uint64_t key_of(const struct pcsim__pic *p, const struct pcsim_trace_event *e)
{
	return p->clock == PIC_BY_STEP ? e->step * PIC_STEP_TICKS : e->ts_ns * 1000u;
}

static void build_slots(struct pcsim__pic *p)
{
	uint64_t unit = p->clock == PIC_BY_STEP ? PIC_STEP_TICKS
			: p->w->cfg.timed
				? (uint64_t)(p->w->cfg.step_ns ? p->w->cfg.step_ns : 1) * 1000u
				: 1000000u;
	uint64_t prev = 0;
	size_t i = 0;
	while (i < p->nev) {
		uint64_t k = key_of(p, &p->tr[i]);
		if (k < prev)
			k = prev; /* never backwards (the stream is ordered; be safe) */
		size_t j = i + 1;
		while (j < p->nev && key_of(p, &p->tr[j]) <= k)
			j++;
		uint64_t next = j < p->nev ? key_of(p, &p->tr[j]) : k + unit;
		uint64_t gap = next > k ? next - k : unit;
		uint64_t cnt = j - i;
		for (size_t m = i; m < j; m++) {
			uint64_t a = gap * (m - i) / cnt, b = gap * (m - i + 1) / cnt;
			p->ev[m].t = k + a;
			p->ev[m].w = b > a ? b - a : 1;
		}
		prev = k + gap;
		i = j;
	}
	p->t_end = p->nev ? p->ev[p->nev - 1].t + p->ev[p->nev - 1].w : 0;
	p->t_tail = p->t_end + 2 * unit;
}

/* ---------------------------------------------------------------------------------------------
 * Spans
 */
static size_t add_span(struct pcsim__pic *p, enum pic_span_kind k, unsigned lane, uint64_t t0,
		       size_t ev0, uint32_t ctx)
{
	if (p->nspans == p->capspans) {
		size_t ncap = p->capspans ? 2 * p->capspans : 64;
		struct pic_span *n = realloc(p->spans, ncap * sizeof(*n));
		if (!n)
			return NONE;
		p->spans = n;
		p->capspans = ncap;
	}
	struct pic_span *s = &p->spans[p->nspans];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->lane = lane;
	s->t0 = s->t1 = t0;
	s->ev0 = ev0;
	s->ev1 = NONE;
	s->ctx = ctx;
	return p->nspans++;
}

struct lane_state {
	size_t sleep; /* open SP_SLEEP span */
	size_t woken; /* the wake that ended the last sleep, until the task runs */
	size_t irq;   /* open SP_IRQ span */
	/* flows */
	struct {
		size_t walk, cause;
	} walk[WALK_DEPTH];
	unsigned depth;
	size_t last_cause; /* the cause of the last walk (a walk resumed at its bookmark) */
	size_t ring;	   /* the ring flow waiting for its task_work_add() */
	bool ring_body;	   /* inside a callback that ran io_async_buf_func() */
	size_t prev;	   /* the lane's previous event */
};

static int build_spans(struct pcsim__pic *p, struct lane_state *ls)
{
	size_t run = NONE;
	uint32_t run_ctx = 0;
	for (size_t i = 0; i < p->nev; i++) {
		const struct pcsim_trace_event *e = &p->tr[i];
		struct pic_ev *pe = &p->ev[i];
		unsigned L = pe->lane;
		struct lane_state *st = &ls[L];

		/* a wakeup ends the target's sleep */
		if (is(e, "engine.wake") && e->a == 1 && e->obj && e->obj <= PCSIM_MAX_TASKS &&
		    e->obj != e->ctx) {
			for (unsigned l = 0; l < p->nlanes; l++) {
				if (p->lanes[l].kind != PL_TASK || p->lanes[l].ctx != e->obj)
					continue;
				if (ls[l].sleep != NONE) {
					p->spans[ls[l].sleep].t1 = pe->t;
					p->spans[ls[l].sleep].ev1 = i;
					ls[l].sleep = NONE;
					ls[l].woken = i;
				}
			}
		}
		if (p->lanes[L].kind == PL_TASK) {
			if (st->sleep != NONE) { /* it runs again without a wakeup (spurious) */
				p->spans[st->sleep].t1 = pe->t;
				p->spans[st->sleep].ev1 = i;
				st->sleep = NONE;
			} else if (st->woken != NONE) {
				const struct pic_ev *we = &p->ev[st->woken];
				size_t s = add_span(p, SP_RUNNABLE, L, we->t + we->w, st->woken,
						    e->ctx);
				if (s == NONE)
					return -ENOMEM;
				p->spans[s].t1 = pe->t > we->t + we->w ? pe->t : we->t + we->w;
				p->spans[s].ev1 = i;
				st->woken = NONE;
			}
			if (run != NONE && run_ctx == e->ctx) {
				p->spans[run].t1 = pe->t + pe->w;
				p->spans[run].ev1 = i;
			} else {
				run = add_span(p, SP_RUN, L, pe->t, i, e->ctx);
				if (run == NONE)
					return -ENOMEM;
				p->spans[run].t1 = pe->t + pe->w;
				p->spans[run].ev1 = i;
				run_ctx = e->ctx;
			}
			if (is(e, "engine.sleep") && !e->str) {
				st->sleep = add_span(p, SP_SLEEP, L, pe->t + pe->w, i, e->ctx);
				if (st->sleep == NONE)
					return -ENOMEM;
			}
		} else {
			run = NONE;
			if ((p->lanes[L].kind == PL_HARDIRQ || p->lanes[L].kind == PL_SOFTIRQ) &&
			    is(e, "engine.irq_enter")) {
				if (st->irq != NONE) { /* unbalanced: close the previous one */
					p->spans[st->irq].open = true;
				}
				st->irq = add_span(p, SP_IRQ, L, pe->t, i, e->ctx);
				if (st->irq == NONE)
					return -ENOMEM;
				p->spans[st->irq].t1 = pe->t + pe->w;
			} else if (st->irq != NONE && p->spans[st->irq].ctx == e->ctx) {
				p->spans[st->irq].t1 = pe->t + pe->w;
				if (is(e, "engine.irq_exit")) {
					p->spans[st->irq].ev1 = i;
					st->irq = NONE;
				}
			}
		}
	}
	for (unsigned l = 0; l < p->nlanes; l++) {
		if (ls[l].sleep != NONE) {
			p->spans[ls[l].sleep].t1 = p->t_tail;
			p->spans[ls[l].sleep].open = true;
		}
		if (ls[l].woken != NONE) {
			const struct pic_ev *we = &p->ev[ls[l].woken];
			size_t s = add_span(p, SP_RUNNABLE, l, we->t + we->w, ls[l].woken,
					    p->lanes[l].ctx);
			if (s == NONE)
				return -ENOMEM;
			p->spans[s].t1 = p->t_tail;
			p->spans[s].open = true;
		}
		if (ls[l].irq != NONE) {
			p->spans[ls[l].irq].t1 = p->t_tail;
			p->spans[ls[l].irq].open = true;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Flows
 */
enum { FS_DONE = 0, FS_TW_ADD, FS_RETRY, FS_CQE, FS_RESUME, FS_TW_RUN };

static size_t add_flow(struct pcsim__pic *p, enum pic_flow_kind k)
{
	if (p->nflows == p->capflows) {
		size_t ncap = p->capflows ? 2 * p->capflows : 32;
		struct pic_flow *n = realloc(p->flows, ncap * sizeof(*n));
		if (!n)
			return NONE;
		p->flows = n;
		p->capflows = ncap;
	}
	struct pic_flow *f = &p->flows[p->nflows];
	memset(f, 0, sizeof(*f));
	f->kind = k;
	return p->nflows++;
}

static void push_node(struct pic_flow *f, size_t i)
{
	if (f->n < PIC_FLOW_MAX && (f->n == 0 || f->node[f->n - 1] != i))
		f->node[f->n++] = i;
}

static int build_flows(struct pcsim__pic *p, struct lane_state *ls, size_t *prev_in_lane)
{
	size_t *open = NULL; /* flows still waiting for a node */
	size_t nopen = 0, capopen = 0;
	int rc = -ENOMEM;

	for (size_t i = 0; i < p->nev; i++) {
		const struct pcsim_trace_event *e = &p->tr[i];
		unsigned L = p->ev[i].lane;
		struct lane_state *st = &ls[L];

		/* the woken task runs again; its task_work runs */
		for (size_t k = 0; k < nopen;) {
			struct pic_flow *f = &p->flows[open[k]];
			bool hit = f->target == e->ctx &&
				   (f->state == FS_RESUME ||
				    (f->state == FS_TW_RUN && is(e, "engine.task_work_run")));
			if (hit) {
				push_node(f, i);
				f->state = FS_DONE;
			}
			if (f->state == FS_DONE)
				open[k] = open[--nopen];
			else
				k++;
		}

		size_t nf = NONE;
		if (is(e, "waitq.wake")) {
			size_t cause = NONE;
			if (e->str && st->last_cause != NONE)
				cause = st->last_cause; /* resumed at its bookmark */
			else {
				/* scan back over this context's loads, locks and fences */
				size_t j = prev_in_lane[i];
				for (unsigned hops = 0; j != NONE && hops < 16; hops++) {
					const struct pcsim_trace_event *c = &p->tr[j];
					if (c->ctx != e->ctx)
						break;
					if (is(c, "engine.rmw")) {
						if (c->a & ~c->b)
							cause = j;
						break;
					}
					if (is(c, "engine.store")) {
						cause = j;
						break;
					}
					if (!is(c, "engine.load") && !is(c, "engine.spin_lock") &&
					    !is(c, "engine.spin_unlock") &&
					    !is(c, "engine.fence") && !is(c, "engine.rcu"))
						break;
					j = prev_in_lane[j];
				}
			}
			if (st->depth < WALK_DEPTH) {
				st->walk[st->depth].walk = i;
				st->walk[st->depth].cause = cause;
			}
			st->depth++;
			st->last_cause = cause;
		} else if (is(e, "waitq.walk_end") || is(e, "waitq.callback")) {
			if (is(e, "waitq.walk_end") && st->depth)
				st->depth--;
			if (st->ring != NONE && p->flows[st->ring].state == FS_TW_ADD)
				p->flows[st->ring].state = FS_DONE; /* no task_work_add() */
			st->ring = NONE;
			st->ring_body = false;
		} else if (is(e, "uring.callback")) {
			nf = add_flow(p, FL_RING);
			if (nf == NONE)
				goto out;
			struct pic_flow *f = &p->flows[nf];
			if (st->depth && st->depth <= WALK_DEPTH) {
				if (st->walk[st->depth - 1].cause != NONE)
					push_node(f, st->walk[st->depth - 1].cause);
				push_node(f, st->walk[st->depth - 1].walk);
			}
			push_node(f, i);
			f->req = e->a;
			f->state = FS_TW_ADD;
			st->ring = nf;
			st->ring_body = true;
		} else if (is(e, "engine.task_work_add")) {
			if (st->ring != NONE && p->flows[st->ring].state == FS_TW_ADD) {
				struct pic_flow *f = &p->flows[st->ring];
				push_node(f, i);
				f->target = e->obj;
				f->state = e->a == 0 ? FS_RETRY : FS_DONE;
				st->ring = NONE;
			} else if (e->a == 0 && e->obj && e->obj != e->ctx) {
				nf = add_flow(p, FL_TASK_WORK);
				if (nf == NONE)
					goto out;
				push_node(&p->flows[nf], i);
				p->flows[nf].target = e->obj;
				p->flows[nf].state = FS_TW_RUN;
			}
		} else if (is(e, "engine.wake") && e->a == 1 && e->obj && e->obj != e->ctx &&
			   e->obj <= PCSIM_MAX_TASKS) {
			nf = add_flow(p, FL_WAKE);
			if (nf == NONE)
				goto out;
			struct pic_flow *f = &p->flows[nf];
			if (st->depth && st->depth <= WALK_DEPTH && !st->ring_body) {
				if (st->walk[st->depth - 1].cause != NONE)
					push_node(f, st->walk[st->depth - 1].cause);
				push_node(f, st->walk[st->depth - 1].walk);
			}
			push_node(f, i);
			f->target = e->obj;
			f->state = FS_RESUME;
		} else if (is(e, "engine.wake") && e->a == 0 && e->obj && e->obj != e->ctx &&
			   e->obj <= PCSIM_MAX_TASKS) {
			nf = add_flow(p, FL_MISSED);
			if (nf == NONE)
				goto out;
			push_node(&p->flows[nf], i);
			p->flows[nf].target = e->obj;
			p->flows[nf].state = FS_RESUME;
		} else if (is(e, "uring.retry") || is(e, "uring.cqe") || is(e, "uring.arm")) {
			int want = is(e, "uring.retry") ? FS_RETRY : FS_CQE;
			for (size_t k = nopen; k-- > 0;) {
				struct pic_flow *f = &p->flows[open[k]];
				if (f->kind != FL_RING || f->req != e->a || f->state != want)
					continue;
				if (want == FS_RETRY && f->target != e->ctx)
					continue;
				if (is(e, "uring.arm")) {
					f->state = FS_DONE; /* re-armed: a new flow follows */
				} else {
					push_node(f, i);
					f->state = want == FS_RETRY ? FS_CQE : FS_DONE;
				}
				break;
			}
		}
		if (nf != NONE && p->flows[nf].state != FS_DONE) {
			if (nopen == capopen) {
				size_t ncap = capopen ? 2 * capopen : 16;
				size_t *n = realloc(open, ncap * sizeof(*n));
				if (!n)
					goto out;
				open = n;
				capopen = ncap;
			}
			open[nopen++] = nf;
		}
	}
	/* keep the flows with at least two nodes, in order */
	size_t m = 0;
	for (size_t k = 0; k < p->nflows; k++) {
		if (p->flows[k].n < 2)
			continue;
		p->flows[m++] = p->flows[k];
	}
	p->nflows = m;
	for (size_t k = 0; k < p->nflows; k++)
		for (unsigned j = 0; j < p->flows[k].n; j++)
			p->ev[p->flows[k].node[j]].flags |= PIC_EV_NODE | PIC_EV_KEY;
	rc = 0;
out:
	free(open);
	return rc;
}

static bool key_event(const struct pcsim_trace_event *e)
{
	if (has_prefix(e, "uring.") || has_prefix(e, "pagecache.") || is(e, "waitq.wake"))
		return true;
	if (is(e, "engine.wake"))
		return e->a == 1;
	static const char *const keys[] = {"engine.sleep",	   "engine.task_work_add",
					   "engine.task_work_run", "engine.signal",
					   "engine.violation",	   "engine.start",
					   "engine.exit",	   "engine.spurious",
					   "engine.post",	   "engine.choice"};
	for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (is(e, keys[k]))
			return true;
	return false;
}

int pcsim__pic_build(struct pcsim__pic *p, const struct pcsim_world *w, enum pic_clock clock)
{
	unsigned *lane_of_ev = NULL;
	struct lane_state *ls = NULL;
	size_t *prev_in_lane = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	p->w = w;
	p->clock = clock;
	p->tr = w->tr;
	p->nev = w->ntr;
	/* the violation event's text is written after the execution (a deadlock's waiters) */
	pcsim__exec_message((struct pcsim_world *)w);
	p->ev = calloc(p->nev ? p->nev : 1, sizeof(*p->ev));
	if (!p->ev)
		return -ENOMEM;
	if ((rc = build_lanes(p, &lane_of_ev)) < 0)
		goto fail;
	rc = -ENOMEM;
	ls = calloc(p->nlanes ? p->nlanes : 1, sizeof(*ls));
	prev_in_lane = malloc((p->nev ? p->nev : 1) * sizeof(*prev_in_lane));
	if (!ls || !prev_in_lane)
		goto fail;
	for (unsigned l = 0; l < p->nlanes; l++) {
		ls[l].sleep = ls[l].woken = ls[l].irq = ls[l].ring = NONE;
		ls[l].last_cause = ls[l].prev = NONE;
	}
	for (size_t i = 0; i < p->nev; i++) {
		p->ev[i].lane = lane_of_ev[i];
		prev_in_lane[i] = ls[lane_of_ev[i]].prev;
		ls[lane_of_ev[i]].prev = i;
		if (key_event(&p->tr[i]))
			p->ev[i].flags |= PIC_EV_KEY;
	}
	build_slots(p);
	if ((rc = build_spans(p, ls)) < 0)
		goto fail;
	for (unsigned l = 0; l < p->nlanes; l++)
		ls[l].prev = NONE;
	if ((rc = build_flows(p, ls, prev_in_lane)) < 0)
		goto fail;
	free(lane_of_ev);
	free(ls);
	free(prev_in_lane);
	return 0;
fail:
	free(lane_of_ev);
	free(ls);
	free(prev_in_lane);
	pcsim__pic_free(p);
	return rc;
}

void pcsim__pic_free(struct pcsim__pic *p)
{
	free(p->ev);
	free(p->lanes);
	free(p->spans);
	free(p->flows);
	memset(p, 0, sizeof(*p));
}
