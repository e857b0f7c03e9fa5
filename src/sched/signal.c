// SPDX-License-Identifier: MIT
/*
 * signal.c - signals: pending sets, signal_pending_state(), send_sig() and its wakeup.
 *
 * Models (5.10): include/linux/sched/signal.h signal_pending(), fatal_signal_pending(),
 * signal_pending_state(); kernel/signal.c signal_wake_up_state() (TASK_INTERRUPTIBLE, plus
 * TASK_WAKEKILL for a fatal signal). A signal is pending or not (no queue, no handlers): what
 * the sleep and wakeup rules need. TIF_NOTIFY_SIGNAL follows 5.11 (a notification distinct
 * from a real signal, see docs/engine.md); 5.10 reached the same effect through
 * JOBCTL_TASK_WORK. The state lives in the engine; each primitive is one step. A posted signal
 * (pcsim_post_signal) is an event whose moment the backend chooses.
 */
#include <errno.h>

#include "sched_int.h"

static bool sig_pending_locked(struct pcsim_task *p)
{
	return p->sigpending != 0 || p->notify_signal;
}

static bool fatal_pending_locked(struct pcsim_task *p)
{
	return (p->sigpending & (1ull << PCSIM_SIGKILL)) != 0;
}

bool pcsim__signal_pending_state_locked(long state, struct pcsim_task *p)
{
	if (!(state & (PCSIM_TASK_INTERRUPTIBLE | PCSIM_TASK_WAKEKILL)))
		return false;
	if (!sig_pending_locked(p))
		return false;
	return (state & PCSIM_TASK_INTERRUPTIBLE) || fatal_pending_locked(p);
}

bool pcsim_signal_pending(struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("signal_pending");
	if (!c || !p)
		return false;
	pcsim__point(c);
	pcsim__por_obj(c->w, POR_TASKF, p->ctx.id, PCSIM_POR_R);
	pcsim__world_lock(c->w);
	bool r = sig_pending_locked(p);
	pcsim__world_unlock(c->w);
	return r;
}

bool pcsim_fatal_signal_pending(struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("fatal_signal_pending");
	if (!c || !p)
		return false;
	pcsim__point(c);
	pcsim__por_obj(c->w, POR_TASKF, p->ctx.id, PCSIM_POR_R);
	pcsim__world_lock(c->w);
	bool r = fatal_pending_locked(p);
	pcsim__world_unlock(c->w);
	return r;
}

bool pcsim_signal_pending_state(long state, struct pcsim_task *p)
{
	struct pcsim__ctx *c = pcsim__need_ctx("signal_pending_state");
	if (!c || !p)
		return false;
	pcsim__point(c);
	pcsim__por_obj(c->w, POR_TASKF, p->ctx.id, PCSIM_POR_R);
	pcsim__world_lock(c->w);
	bool r = pcsim__signal_pending_state_locked(state, p);
	pcsim__world_unlock(c->w);
	return r;
}

void pcsim__send_signal_nopoint(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	pcsim__por_obj(w, POR_TASKF, p->ctx.id, PCSIM_POR_W);
	pcsim__world_lock(w);
	p->sigpending |= 1ull << sig;
	pcsim__world_unlock(w);
	pcsim__trace_locked(w, pcsim__tls_ctx, &pcsim__tk_signal, p->ctx.id, (uint64_t)sig, 0, NULL);
	/* signal_wake_up_state(): TASK_INTERRUPTIBLE, plus TASK_WAKEKILL for SIGKILL. */
	unsigned state = (unsigned)PCSIM_TASK_INTERRUPTIBLE |
			 (sig == PCSIM_SIGKILL ? (unsigned)PCSIM_TASK_WAKEKILL : 0u);
	pcsim__ttwu_nopoint(w, p, state, true);
}

int pcsim_send_signal(struct pcsim_task *p, int sig)
{
	struct pcsim__ctx *c = pcsim__need_ctx("send_signal");
	if (!c || !p)
		return -EINVAL;
	if (sig <= 0 || sig >= 64)
		return -EINVAL;
	pcsim__point(c);
	pcsim__por_obj(c->w, POR_TASKF, p->ctx.id, PCSIM_POR_R);
	pcsim__world_lock(c->w);
	bool gone = pcsim_task_exited(p);	/* an exiting task still takes signals */
	pcsim__world_unlock(c->w);
	if (gone)
		return -ESRCH;
	pcsim__send_signal_nopoint(c->w, p, sig);
	return 0;
}

int pcsim_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig)
{
	if (!w || !p || sig <= 0 || sig >= 64)
		return -EINVAL;
	return w->ops->post_signal(w, p, sig);
}
