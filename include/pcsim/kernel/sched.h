/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/sched.h - task states, current, set_current_state, schedule, wakeups, signals
 * (include/linux/sched.h and include/linux/sched/signal.h, 5.10; TIF_NOTIFY_SIGNAL as in 5.11).
 * `struct task_struct` is pcsim's task; its fields are private: use the functions.
 */
#ifndef PCSIM_KERNEL_SCHED_H
#define PCSIM_KERNEL_SCHED_H

#include <errno.h>	/* EINTR, EAGAIN...: kernel code returns -E* values */

#include <pcsim/sched.h>

#define task_struct pcsim_task

#define TASK_RUNNING PCSIM_TASK_RUNNING
#define TASK_INTERRUPTIBLE PCSIM_TASK_INTERRUPTIBLE
#define TASK_UNINTERRUPTIBLE PCSIM_TASK_UNINTERRUPTIBLE
#define TASK_PARKED PCSIM_TASK_PARKED
#define TASK_WAKEKILL PCSIM_TASK_WAKEKILL
#define TASK_KILLABLE PCSIM_TASK_KILLABLE
#define TASK_NORMAL PCSIM_TASK_NORMAL
#define PF_EXITING PCSIM_PF_EXITING

#define ERESTARTSYS PCSIM_ERESTARTSYS
#define EIOCBQUEUED PCSIM_EIOCBQUEUED

#define current pcsim_current()
#define set_current_state(s) pcsim_set_current_state(s)
#define __set_current_state(s) pcsim___set_current_state(s)
#define get_current_state() pcsim_get_current_state()
#define schedule() pcsim_schedule()
#define io_schedule() pcsim_schedule()
#define try_to_wake_up(p, s, f) pcsim_try_to_wake_up((p), (s), (f))
#define wake_up_process(p) pcsim_wake_up_process(p)
#define wake_up_state(p, s) pcsim_wake_up_state((p), (s))
#define signal_pending(p) pcsim_signal_pending(p)
#define fatal_signal_pending(p) pcsim_fatal_signal_pending(p)
#define signal_pending_state(s, p) pcsim_signal_pending_state((s), (p))
#define might_sleep() pcsim_might_sleep()
#define cpu_relax() pcsim_cpu_relax()
#define preempt_disable() pcsim_preempt_disable()
#define preempt_enable() pcsim_preempt_enable()
#define in_atomic() pcsim_in_atomic()
#define in_interrupt() pcsim_in_interrupt()
#define irqs_disabled() pcsim_irqs_disabled()
#define smp_processor_id() pcsim_smp_processor_id()
#define local_irq_save(flags) ((flags) = pcsim_local_irq_save())
#define local_irq_restore(flags) pcsim_local_irq_restore(flags)
#define local_irq_disable() pcsim_local_irq_disable()
#define local_irq_enable() pcsim_local_irq_enable()
#define do_exit(code) ((void)(code), pcsim_do_exit())

#endif
