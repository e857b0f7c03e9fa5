/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/task_work.h - task_work_add/task_work_run (include/linux/task_work.h, 5.10;
 * the TWA_SIGNAL notification as TIF_NOTIFY_SIGNAL, 5.11).
 */
#ifndef PCSIM_KERNEL_TASK_WORK_H
#define PCSIM_KERNEL_TASK_WORK_H

#include <pcsim/task.h>

#define callback_head pcsim_callback_head
#define TWA_NONE PCSIM_TWA_NONE
#define TWA_RESUME PCSIM_TWA_RESUME
#define TWA_SIGNAL PCSIM_TWA_SIGNAL
#define task_work_add(task, work, notify) pcsim_task_work_add((task), (work), (notify))
#define task_work_run() pcsim_task_work_run()

static inline void init_task_work(struct pcsim_callback_head *twork,
				  void (*func)(struct pcsim_callback_head *))
{
	twork->func = func;
}

#endif
