// SPDX-License-Identifier: MIT
/*
 * entry.c - the model's explicit return to user space.
 *
 * Models (5.10): kernel/entry/common.c exit_to_user_mode_loop(): while work is flagged, run
 * task_work when notified (TIF_NOTIFY_RESUME / TIF_NOTIFY_SIGNAL; TWA_NONE work waits), then
 * handle signals: a fatal one makes the task exit, other real signals are delivered. A task is
 * always in process context here, so atomic means preemption or interrupts disabled.
 */
#include "sched_int.h"

int pcsim_return_to_user(void)
{
	struct pcsim_task *t = pcsim__need_task("return_to_user");
	if (!t)
		return 0;
	struct pcsim_world *w = t->ctx.w;
	if (w->checks_atomic && (t->ctx.preempt_count > 0 || t->ctx.irqs_off))
		pcsim_fail("return-to-user-atomic",
			   "returning to user space with preempt_count=%d, irqs %s",
			   t->ctx.preempt_count, t->ctx.irqs_off ? "off" : "on");
	int delivered = 0;
	for (;;) {
		pcsim__point(&t->ctx);
		pcsim__world_lock(w);
		/* exit_to_user_mode_loop() runs task_work only when notified (TWA_NONE is not). */
		bool work = t->task_works && (t->notify_signal || t->notify_resume);
		uint64_t sigs = t->sigpending;
		pcsim__world_unlock(w);
		if (work) {
			int n = pcsim__task_work_run_locked(t, false);
			pcsim__trace_locked(w, &t->ctx, &pcsim__tk_tw_run, 0, (uint64_t)n, 0, NULL);
			continue;
		}
		if (sigs & (1ull << PCSIM_SIGKILL))
			pcsim_do_exit();
		if (sigs) {
			pcsim__world_lock(w);
			t->sigpending = 0;
			pcsim__world_unlock(w);
			delivered += __builtin_popcountll(sigs);
			continue;
		}
		break;
	}
	return delivered;
}
