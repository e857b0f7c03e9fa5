// SPDX-License-Identifier: MIT
/*
 * exit.c - do_exit() and the body every task runs.
 *
 * Models (5.10): kernel/exit.c do_exit() (PF_EXITING, then exit_task_work(): run what is
 * queued and refuse new work, -ESRCH) and the checks the kernel makes on the way out (no locks
 * held, not atomic, not inside an RCU read-side section). A task returning from its body exits
 * the same way (the kthread_run() shape).
 */
#include <stdlib.h>

#include "sched_int.h"
#include "sim/sim.h"

void pcsim_do_exit(void)
{
	struct pcsim_task *t = pcsim__need_task("do_exit");
	if (!t)
		abort();
	struct pcsim_world *w = t->ctx.w;
	pcsim__world_lock(w);
	t->flags |= PCSIM_PF_EXITING;
	pcsim__world_unlock(w);
	if (w->checks_atomic && (t->ctx.preempt_count || t->ctx.irqs_off || t->ctx.nheld))
		pcsim_fail("exit-atomic", "task %s exits holding %u lock(s), preempt_count=%d",
			   t->name, t->ctx.nheld, t->ctx.preempt_count);
	if (t->ctx.rcu_nesting)
		pcsim_fail("exit-rcu", "task %s exits inside an RCU read-side critical section",
			   t->name);
	pcsim__point(&t->ctx);
	bool sim = pcsim__sim_direct(w);
	/* exit_task_work(): run what is queued, then refuse new work. */
	int n = 0;
	if (sim && !t->task_works) {
		/*
		 * Nothing queued (the usual exit), on the sim backend where nothing can queue
		 * work meanwhile: what pcsim__task_work_run_locked() would find, without its
		 * loop and locking (the same footprint for dpor).
		 */
		pcsim__por_obj(w, POR_TASKF, t->ctx.id, PCSIM_POR_W);
		t->notify_signal = false;
		t->notify_resume = false;
		t->works_exited = true;
	} else {
		n = pcsim__task_work_run_locked(t, true);
	}
	if (n)
		pcsim__trace_locked(w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
	pcsim__trace_locked(w, &t->ctx, &pcsim__tk_exit, 0, 0, 0, NULL);
	if (sim) {
		if (pcsim__sim_rcu_busy(w))
			pcsim__sim_rcu_ctx_exit(w, &t->ctx);
		pcsim__sim_task_exit(w, t);
	}
	w->ops->rcu_ctx_exit(w, &t->ctx);
	w->ops->task_exit(w, t);
}

void pcsim__task_entry(void *arg)
{
	struct pcsim_task *t = arg;
	struct pcsim_world *w = t->ctx.w;
	pcsim__trace_locked(w, &t->ctx, &pcsim__tk_start, 0, 0, 0, NULL);
	t->ctx.fn(t->ctx.arg);
	pcsim_do_exit();
}
