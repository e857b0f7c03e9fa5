// SPDX-License-Identifier: MIT
/*
 * task_work.c - task_work_add(), task_work_run(), and a wait that runs task_work itself.
 *
 * Models (5.10): kernel/task_work.c task_work_add() (TWA_NONE, TWA_RESUME, TWA_SIGNAL: the
 * work is pushed on a stack with cmpxchg, so the most recent runs first, and fails with -ESRCH
 * once exit_task_work() has run) and task_work_run() (clears the notification, then runs and
 * re-checks until the list stays empty). pcsim_task_work_wait() has the shape of
 * io_cqring_wait(): sleep interruptibly until task_work arrives, then run it.
 */
#include <errno.h>

#include "sched_int.h"

int pcsim_task_work_add(struct pcsim_task *task, struct pcsim_callback_head *work,
			enum pcsim_twa notify)
{
	struct pcsim__ctx *c = pcsim__need_ctx("task_work_add");
	if (!c || !task || !work)
		return -EINVAL;
	struct pcsim_world *w = c->w;
	pcsim__point(c);
	/* The kernel queues with cmpxchg(): a full barrier. */
	w->ops->full_barrier(w, c);
	pcsim__por_obj(w, POR_TASKF, task->ctx.id, PCSIM_POR_W);
	pcsim__world_lock(w);
	if (task->works_exited) {
		pcsim__world_unlock(w);
		pcsim__trace_locked(w, c, &pcsim__tk_tw_add, task->ctx.id, (uint64_t)(int64_t)-ESRCH,
		      (uint64_t)notify, NULL);
		return -ESRCH;
	}
	work->next = task->task_works;
	task->task_works = work;
	if (notify == PCSIM_TWA_SIGNAL)
		task->notify_signal = true;
	else if (notify == PCSIM_TWA_RESUME)
		task->notify_resume = true;
	pcsim__world_unlock(w);
	pcsim__trace_locked(w, c, &pcsim__tk_tw_add, task->ctx.id, 0, (uint64_t)notify, NULL);
	if (notify == PCSIM_TWA_SIGNAL) {
		/* Like signal_wake_up(): interrupt an interruptible sleep. */
		pcsim__ttwu_nopoint(w, task, (unsigned)PCSIM_TASK_INTERRUPTIBLE, true);
	}
	if (notify == PCSIM_TWA_SIGNAL)
		w->ops->task_work_kick(w, task);
	return 0;
}

bool pcsim_task_work_pending(struct pcsim_task *p)
{
	struct pcsim_world *w = p->ctx.w;
	pcsim__por_obj(w, POR_TASKF, p->ctx.id, PCSIM_POR_R);
	pcsim__world_lock(w);
	bool r = p->task_works != NULL;
	pcsim__world_unlock(w);
	return r;
}

int pcsim__task_work_run_locked(struct pcsim_task *t, bool exiting)
{
	struct pcsim_world *w = t->ctx.w;
	int n = 0;
	for (;;) {
		pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_W);
		pcsim__world_lock(w);
		t->notify_signal = false;
		t->notify_resume = false;
		struct pcsim_callback_head *work = t->task_works;
		t->task_works = NULL;
		if (!work && exiting)
			t->works_exited = true;
		pcsim__world_unlock(w);
		if (!work)
			break;
		while (work) {
			struct pcsim_callback_head *next = work->next;
			work->func(work);
			n++;
			work = next;
		}
	}
	return n;
}

int pcsim_task_work_run(void)
{
	struct pcsim_task *t = pcsim__need_task("task_work_run");
	if (!t)
		return 0;
	pcsim__point(&t->ctx);
	int n = pcsim__task_work_run_locked(t, false);
	pcsim__trace_locked(t->ctx.w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
	return n;
}

int pcsim_task_work_wait(void)
{
	struct pcsim_task *t = pcsim__need_task("task_work_wait");
	if (!t)
		return -EINVAL;
	struct pcsim_world *w = t->ctx.w;
	pcsim_might_sleep();
	for (;;) {
		pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_R);
		pcsim__world_lock(w);
		bool work = t->task_works != NULL;
		bool sig = t->sigpending != 0;
		pcsim__world_unlock(w);
		if (work)
			return pcsim_task_work_run();
		if (sig)
			return -EINTR;
		w->ops->task_work_block(w, t);
	}
}
