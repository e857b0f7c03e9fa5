/* SPDX-License-Identifier: MIT */
/*
 * pcsim/task.h - tasks: creation, states, sleeping and waking, preemption and interrupts,
 * signals and task_work.
 *
 * Kernel counterparts (5.10): kernel/sched/core.c (try_to_wake_up, __schedule),
 * include/linux/sched.h (task states, set_current_state), include/linux/preempt.h,
 * include/linux/sched/signal.h (signal_pending_state), kernel/signal.c, kernel/task_work.c,
 * kernel/exit.c. Kernel-flavoured names (set_current_state, schedule, task_work_add, ...) are in
 * <pcsim/kernel/sched.h> and <pcsim/kernel/task_work.h>. Context rules: <pcsim/config.h>.
 */
#ifndef PCSIM_TASK_H
#define PCSIM_TASK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Tasks
 */

/* Task states, with the kernel's values (include/linux/sched.h, 5.10). */
#define PCSIM_TASK_RUNNING 0x0000L
#define PCSIM_TASK_INTERRUPTIBLE 0x0001L
#define PCSIM_TASK_UNINTERRUPTIBLE 0x0002L
#define PCSIM_TASK_PARKED 0x0040L
#define PCSIM_TASK_WAKEKILL 0x0100L
#define PCSIM_TASK_KILLABLE (PCSIM_TASK_WAKEKILL | PCSIM_TASK_UNINTERRUPTIBLE)
#define PCSIM_TASK_NORMAL (PCSIM_TASK_INTERRUPTIBLE | PCSIM_TASK_UNINTERRUPTIBLE)

/* Task flags (task->flags). */
#define PCSIM_PF_EXITING 0x00000004u

/* Error numbers that the kernel keeps internal. */
#define PCSIM_ERESTARTSYS 512
#define PCSIM_EIOCBQUEUED 529

/**
 * pcsim_task_create - create a task (process context, may sleep).
 * @w: the world. @name: shown in traces (copied). @fn, @arg: the task body; returning from it
 * is do_exit(). @cpu: the CPU it runs on, or -1 for round robin by creation order.
 *
 * Context: setup, or task (like kthread_run; the new task is runnable at once).
 * Return: the task, or NULL if @cpu is out of range. More than PCSIM_MAX_TASKS tasks, or no
 * memory for the task, end the execution with PCSIM_OUTCOME_INTERNAL ("too-many-tasks",
 * "out-of-memory"): from setup the call does not return on either backend (setup is left
 * there and no task runs); from a task it does not return on the sim backend and returns NULL
 * on the threads backend.
 */
PCSIM_API struct pcsim_task *pcsim_task_create(struct pcsim_world *w, const char *name,
					       void (*fn)(void *arg), void *arg, int cpu);

/** pcsim_current - the calling task (`current`); NULL in an atomic context or outside a world. */
PCSIM_API struct pcsim_task *pcsim_current(void);
/** pcsim_task_id - stable small id (1, 2, ... in creation order): `T<id>` in schedules. */
PCSIM_API unsigned pcsim_task_id(const struct pcsim_task *t);
/** pcsim_task_name - the name given at creation. */
PCSIM_API const char *pcsim_task_name(const struct pcsim_task *t);
/** pcsim_task_cpu - the CPU the task runs on. */
PCSIM_API unsigned pcsim_task_cpu(const struct pcsim_task *t);
/** pcsim_task_exited - true once the task has finished do_exit(). Context: any, setup. */
PCSIM_API bool pcsim_task_exited(const struct pcsim_task *t);
/** pcsim_task_is_sleeping - the task is blocked in schedule() (sim backend; false on threads). */
PCSIM_API bool pcsim_task_is_sleeping(const struct pcsim_task *t);
/** pcsim_task_flags - task->flags (PCSIM_PF_*). */
PCSIM_API unsigned pcsim_task_flags(const struct pcsim_task *t);

/**
 * pcsim_task_set_wchan - describe what the calling task is about to wait on ("page 3 PG_locked
 * (bucket 17)"); shown by deadlock reports. Cleared when the task next runs after waking.
 * Context: task. @fmt is printf-style and copied.
 */
PCSIM_API void pcsim_task_set_wchan(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * pcsim_set_current_state - set_current_state(): store the state, then a full barrier
 * (smp_store_mb). Pairs with the barrier in pcsim_try_to_wake_up(). Context: task.
 */
PCSIM_API void pcsim_set_current_state(long state);
/** pcsim___set_current_state - __set_current_state(): the store alone, no barrier. */
PCSIM_API void pcsim___set_current_state(long state);
/** pcsim_get_current_state - READ_ONCE(current->state). Context: task. */
PCSIM_API long pcsim_get_current_state(void);

/**
 * pcsim_schedule - schedule(). If the current state is TASK_RUNNING, return at once (the
 * wake-before-schedule case). If the state is interruptible (or killable) and a matching signal
 * is pending (signal_pending_state), set TASK_RUNNING and return. Otherwise sleep until
 * try_to_wake_up() makes the task runnable. Implies a full barrier.
 *
 * Context: task, preemptible, not in an RCU read-side section; otherwise "scheduling while
 * atomic" (or the RCU equivalent) is reported.
 */
PCSIM_API void pcsim_schedule(void);

/** The largest timeout: pcsim_schedule_timeout() sleeps until woken. */
#define PCSIM_MAX_SCHEDULE_TIMEOUT ((long)(~0ul >> 1))
/**
 * pcsim_schedule_timeout - schedule_timeout(): sleep (in the state the caller set) until woken
 * or until @timeout jiffies pass. In the sim backend the expiry is an event the strategy may
 * fire at any step (in timed mode not before now + @timeout ms); in the threads backend a
 * libev timer. Context: task, may sleep.
 * Return: 0 if the timeout expired, else the remaining jiffies (@timeout when untimed).
 */
PCSIM_API long pcsim_schedule_timeout(long timeout);

/**
 * pcsim_try_to_wake_up - try_to_wake_up(p, state, wake_flags): full barrier, then if p->state
 * matches @state set it to TASK_RUNNING and make the task runnable.
 * Context: any. Return: 1 if the state matched and was changed, 0 otherwise (already running,
 * or sleeping in a state @state does not cover).
 */
PCSIM_API int pcsim_try_to_wake_up(struct pcsim_task *p, unsigned state, int wake_flags);
/** pcsim_wake_up_process - try_to_wake_up(p, TASK_NORMAL, 0). */
PCSIM_API int pcsim_wake_up_process(struct pcsim_task *p);
/** pcsim_wake_up_state - try_to_wake_up(p, state, 0). */
PCSIM_API int pcsim_wake_up_state(struct pcsim_task *p, unsigned state);

/**
 * pcsim_cpu_relax - cpu_relax() in a polling loop. Besides being a preemption point it yields
 * priority: the caller is not scheduled again until another context has taken a step, so
 * bounded searches over spin loops terminate (fair scheduling). Context: any.
 */
PCSIM_API void pcsim_cpu_relax(void);

/**
 * pcsim_might_sleep - might_sleep(): report "sleeping function called from invalid context" if
 * the caller is atomic. Context: any (that is the point).
 */
PCSIM_API void pcsim_might_sleep(void);

/** pcsim_preempt_disable / _enable - preempt_count++ / --. Context: any. */
PCSIM_API void pcsim_preempt_disable(void);
PCSIM_API void pcsim_preempt_enable(void);
/** pcsim_local_irq_save / _restore - disable interrupts on this CPU and restore them. */
PCSIM_API unsigned long pcsim_local_irq_save(void);
PCSIM_API void pcsim_local_irq_restore(unsigned long flags);
PCSIM_API void pcsim_local_irq_disable(void);
PCSIM_API void pcsim_local_irq_enable(void);
/** pcsim_in_atomic - preempt_count != 0, interrupts off, or an atomic context. */
PCSIM_API bool pcsim_in_atomic(void);
/** pcsim_in_interrupt - the caller is an atomic context (event handler). */
PCSIM_API bool pcsim_in_interrupt(void);
/** pcsim_irqs_disabled - interrupts are off on the caller's CPU. */
PCSIM_API bool pcsim_irqs_disabled(void);
/** pcsim_smp_processor_id - the CPU of the caller. */
PCSIM_API unsigned pcsim_smp_processor_id(void);

/* ---------------------------------------------------------------------------------------------
 * Signals and task_work
 */
#define PCSIM_SIGKILL 9		/* fatal */
#define PCSIM_SIGUSR1 10	/* any other number: a real, non-fatal signal */

/**
 * pcsim_send_signal - send_sig(): make @sig pending on @p and wake it if its sleep allows
 * (signal_wake_up: TASK_INTERRUPTIBLE, plus TASK_WAKEKILL for a fatal signal).
 * Context: any. Return: 0, or -ESRCH if @p has exited.
 */
PCSIM_API int pcsim_send_signal(struct pcsim_task *p, int sig);
/**
 * pcsim_post_signal - schedule a signal delivery to @p as an event: the strategy chooses the
 * step at which it arrives (threads backend: delivered at once). Context: setup or any.
 * Return: the event id (>= 1; 0 in the threads backend), or -EINVAL.
 */
PCSIM_API int pcsim_post_signal(struct pcsim_world *w, struct pcsim_task *p, int sig);
/** pcsim_signal_pending - a real signal or a notification (TIF_NOTIFY_SIGNAL) is pending. */
PCSIM_API bool pcsim_signal_pending(struct pcsim_task *p);
/** pcsim_fatal_signal_pending - SIGKILL is pending. */
PCSIM_API bool pcsim_fatal_signal_pending(struct pcsim_task *p);
/** pcsim_signal_pending_state - would a sleep in @state be interrupted (signal_pending_state)? */
PCSIM_API bool pcsim_signal_pending_state(long state, struct pcsim_task *p);

/** struct pcsim_callback_head - struct callback_head (task_work, call_rcu). */
struct pcsim_callback_head {
	struct pcsim_callback_head *next;
	void (*func)(struct pcsim_callback_head *head);
};

enum pcsim_twa {
	PCSIM_TWA_NONE = 0,	/* queue only; the caller wakes the task some other way */
	PCSIM_TWA_RESUME,	/* run on return to user space (TIF_NOTIFY_RESUME) */
	PCSIM_TWA_SIGNAL,	/* notify like a signal (TIF_NOTIFY_SIGNAL), interrupting sleeps */
};

/**
 * pcsim_task_work_add - task_work_add(task, work, notify).
 * Context: any. Return: 0, or -ESRCH if @task is exiting and has run its final task_work
 * (exit_task_work), in which case @work will never run.
 */
PCSIM_API int pcsim_task_work_add(struct pcsim_task *task, struct pcsim_callback_head *work,
				  enum pcsim_twa notify);
/**
 * pcsim_task_work_run - task_work_run(): clear TIF_NOTIFY_SIGNAL, then run and clear the
 * caller's pending task_work. As in 5.10 the list is a stack: the most recently added work runs
 * first (no FIFO guarantee since "task_work: remove fifo ordering guarantee"). Works added while
 * running are run in the same call. Context: task. Return: number of works run.
 */
PCSIM_API int pcsim_task_work_run(void);
/**
 * pcsim_task_work_wait - sleep in TASK_INTERRUPTIBLE until task_work is queued for the caller,
 * then run it: the shape of a wait that handles task_work itself (io_cqring_wait). In the
 * threads backend the task waits in its own libev loop, woken through an eventfd it watches by
 * task_work_add() and by every wakeup. Context: task, may sleep.
 * Return: number of works run (> 0), or -EINTR if a real signal is pending.
 */
PCSIM_API int pcsim_task_work_wait(void);
/** pcsim_task_work_pending - the task has queued task_work. Context: any. */
PCSIM_API bool pcsim_task_work_pending(struct pcsim_task *p);

/**
 * pcsim_return_to_user - the model's explicit syscall boundary (exit_to_user_mode_loop): run
 * task_work, then handle signals: a fatal signal makes the task exit (does not return); other
 * real signals are delivered (cleared). Context: task, not atomic.
 * Return: number of non-fatal signals delivered.
 */
PCSIM_API int pcsim_return_to_user(void);

/** pcsim_do_exit - exit the calling task now (PF_EXITING, final task_work). Context: task. */
PCSIM_API PCSIM_NORETURN void pcsim_do_exit(void);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_TASK_H */
