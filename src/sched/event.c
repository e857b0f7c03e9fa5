// SPDX-License-Identifier: MIT
/*
 * event.c - pending events (device completions, timers, RCU callbacks, signal deliveries) and
 * the atomic contexts they run in.
 *
 * This file creates events (reusing, in the sim backend, those whose interrupt has returned) and
 * keeps the list of pending ones (by id, so options are enumerated in a stable order); the backend
 * makes them happen. In the sim backend a pending event is one more option at every decision point,
 * available while its CPU can take an interrupt (and, in timed mode, once it is due); firing it
 * starts an atomic context on that CPU: interrupts off, cannot sleep, preempts the CPU's task until
 * the handler returns (irq_enter ... irq_exit, sim/sched.c). In the threads backend a completion
 * thread per CPU runs it (threads/event.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"

struct pcsim__event *pcsim__event_new(struct pcsim_world *w)
{
	if (w->ex.nevents == w->events_cap) {
		unsigned ncap = w->events_cap ? w->events_cap * 2 : 64;
		struct pcsim__event **n = ncap > w->events_cap ? realloc(w->events, ncap * sizeof(*n))
							       : NULL;
		if (!n) {
			/* the execution ends as internal; in a context the call does not return */
			pcsim__failf(w, PCSIM_OUTCOME_INTERNAL, "out-of-memory",
				     "no memory for event %u", w->ex.nevents + 1);
			w->ops->violation(w);
			return NULL;
		}
		w->events = n;
		w->events_cap = ncap;
	}
	/*
	 * An event whose interrupt returned, reused last-in first-out (sim/sched.c puts them here
	 * only when nothing traces: a trace names contexts by their event's id and name).
	 */
	struct pcsim__event *ev = w->ex.ev_free;
	if (ev) {
		w->ex.ev_free = ev->next_pending;
		memset(ev, 0, sizeof(*ev));
	} else {
		ev = pcsim_alloc(w, sizeof(*ev));
	}
	if (!ev)
		return NULL;	/* pcsim_alloc() recorded the outcome */
	pcsim__por_obj(w, POR_EVNEW, 0, PCSIM_POR_W);
	w->events[w->ex.nevents++] = ev;
	ev->id = w->ex.nevents;
	ev->pct_prio = pcsim__prio(w);
	return ev;
}

/* Pending events stay sorted by id, so options are enumerated in a stable order. */
void pcsim__event_add_pending(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim__event **pp = &w->ex.pending;
	/* every caller passes a fresh event: it becomes able to fire */
	pcsim__por_obj(w, POR_EV, ev->id, PCSIM_POR_W | PCSIM_POR_ENABLE);
	while (*pp && (*pp)->id < ev->id)
		pp = &(*pp)->next_pending;
	ev->next_pending = *pp;
	*pp = ev;
	w->ex.npending++;
	ev->state = EV_PENDING;
	pcsim__opts_stale_any(w);
}

void pcsim__event_remove_pending(struct pcsim_world *w, struct pcsim__event *ev)
{
	struct pcsim__event **pp = &w->ex.pending;
	while (*pp && *pp != ev)
		pp = &(*pp)->next_pending;
	if (*pp) {
		*pp = ev->next_pending;
		w->ex.npending--;
	}
	ev->next_pending = NULL;
	pcsim__opts_stale_any(w);
}

int pcsim_event_post(struct pcsim_world *w, const struct pcsim_event_desc *d)
{
	if (!w || !d || !d->fn || d->cpu >= (int)w->cfg.ncpus || d->cpu < -1 ||
	    (d->kind != PCSIM_CTX_HARDIRQ && d->kind != PCSIM_CTX_SOFTIRQ))
		return -EINVAL;
	pcsim__world_lock(w);
	struct pcsim__event *ev = pcsim__event_new(w);
	if (!ev) {
		pcsim__world_unlock(w);
		return -ENOMEM;
	}
	ev->cpu = (int16_t)(d->cpu >= 0 ? d->cpu : (int)(w->ex.ev_rr++ % w->cfg.ncpus));
	ev->kind = (uint8_t)d->kind;
	ev->fn = d->fn;
	ev->arg = d->arg;
	ev->due = w->ex.now + d->delay_ns;
	/* snprintf("%s") without stdio: every device completion posts one */
	const char *name = d->name ? d->name : "event";
	size_t n = strnlen(name, sizeof(ev->name) - 1);
	memcpy(ev->name, name, n);
	ev->name[n] = 0;
	pcsim__world_unlock(w);
	return w->ops->event_post(w, ev);
}
