/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/wait.h - wait queues under their kernel names (include/linux/wait.h, 5.10, and
 * 6.18 where the world's kernel profile says so: WQ_FLAG_* renumbered, no bookmarks):
 * struct wait_queue_head/wait_queue_entry, the WQ_FLAG_* values, add/remove/prepare/finish,
 * the wake_up*() family, the standard wake functions, wait_woken(), waitqueue_active(),
 * and wait_event*() built from prepare_to_wait_event() as ___wait_event() is.
 *
 * Differences: DEFINE_WAIT/init_waitqueue_head register nothing with lockdep beyond a class
 * name; the wait_event*() family covers the variants listed below (no _timeout/_lock_irq
 * forms yet).
 */
#ifndef PCSIM_KERNEL_WAIT_H
#define PCSIM_KERNEL_WAIT_H

#include <pcsim/kernel/list.h>
#include <pcsim/kernel/sched.h>
#include <pcsim/kernel/spinlock.h>
#include <pcsim/waitq.h>

#define wait_queue_entry pcsim_wait_queue_entry
#define wait_queue_head pcsim_wait_queue_head
typedef struct pcsim_wait_queue_entry wait_queue_entry_t;
typedef struct pcsim_wait_queue_head wait_queue_head_t;
typedef pcsim_wait_queue_func_t wait_queue_func_t;

#define WQ_FLAG_EXCLUSIVE PCSIM_WQ_FLAG_EXCLUSIVE
#define WQ_FLAG_WOKEN PCSIM_WQ_FLAG_WOKEN
/* The bits above WOKEN depend on the world's kernel profile (6.18 renumbered them when the
 * bookmarks went): they are read from pcsim_wq_flags(), so they are not constant expressions. */
#define WQ_FLAG_BOOKMARK (pcsim_wq_flags()->bookmark)
#define WQ_FLAG_CUSTOM (pcsim_wq_flags()->custom)
#define WQ_FLAG_DONE (pcsim_wq_flags()->done)
#define WQ_FLAG_PRIORITY (pcsim_wq_flags()->priority)
#define WF_SYNC PCSIM_WF_SYNC
#define MAX_SCHEDULE_TIMEOUT PCSIM_MAX_SCHEDULE_TIMEOUT

#define init_waitqueue_head(wq_head) pcsim_init_waitqueue_head((wq_head), #wq_head)
#define init_wait_entry(e, flags) pcsim_init_wait_entry((e), (flags))
#define init_waitqueue_entry(e, p) pcsim_init_waitqueue_entry((e), (p))
#define init_waitqueue_func_entry(e, f) pcsim_init_waitqueue_func_entry((e), (f))
/* The entry lives on the stack: it begins a new traced object (pcsim_obj_new()). */
#define DEFINE_WAIT_FUNC(name, function)                                                    \
	struct wait_queue_entry name = { .private = (pcsim_obj_new(&(name)), pcsim_current()), \
					 .func = function,                                     \
					 .entry = LIST_HEAD_INIT((name).entry) }
#define DEFINE_WAIT(name) DEFINE_WAIT_FUNC(name, autoremove_wake_function)
#define init_wait(wait) init_wait_entry((wait), 0)

#define add_wait_queue(q, e) pcsim_add_wait_queue((q), (e))
#define add_wait_queue_exclusive(q, e) pcsim_add_wait_queue_exclusive((q), (e))
#define remove_wait_queue(q, e) pcsim_remove_wait_queue((q), (e))
#define __add_wait_queue(q, e) pcsim___add_wait_queue((q), (e))
#define __add_wait_queue_entry_tail(q, e) pcsim___add_wait_queue_entry_tail((q), (e))
#define __remove_wait_queue(q, e) pcsim___remove_wait_queue((q), (e))
#define prepare_to_wait(q, e, s) pcsim_prepare_to_wait((q), (e), (s))
#define prepare_to_wait_exclusive(q, e, s) pcsim_prepare_to_wait_exclusive((q), (e), (s))
#define prepare_to_wait_event(q, e, s) pcsim_prepare_to_wait_event((q), (e), (s))
#define finish_wait(q, e) pcsim_finish_wait((q), (e))

#define __wake_up_common(q, m, nr, f, k, b) pcsim___wake_up_common((q), (m), (nr), (f), (k), (b))
#define __wake_up(q, m, nr, k) pcsim___wake_up((q), (m), (nr), (k))
#define __wake_up_locked(q, m, nr) pcsim___wake_up_locked((q), (m), (nr))
#define __wake_up_locked_key(q, m, k) pcsim___wake_up_locked_key((q), (m), (k))
#define __wake_up_locked_key_bookmark(q, m, k, b) \
	pcsim___wake_up_locked_key_bookmark((q), (m), (k), (b))
#define wake_up(x) __wake_up(x, TASK_NORMAL, 1, NULL)
#define wake_up_nr(x, nr) __wake_up(x, TASK_NORMAL, nr, NULL)
#define wake_up_all(x) __wake_up(x, TASK_NORMAL, 0, NULL)
#define wake_up_locked(x) __wake_up_locked((x), TASK_NORMAL, 1)
#define wake_up_all_locked(x) __wake_up_locked((x), TASK_NORMAL, 0)
#define wake_up_interruptible(x) __wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
#define wake_up_interruptible_all(x) __wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)

#define default_wake_function pcsim_default_wake_function
#define autoremove_wake_function pcsim_autoremove_wake_function
#define woken_wake_function pcsim_woken_wake_function
#define wait_woken(e, m, t) pcsim_wait_woken((e), (m), (t))
#define waitqueue_active(q) pcsim_waitqueue_active(q)
#define wq_has_sleeper(q) pcsim_wq_has_sleeper(q)
#define schedule_timeout(t) pcsim_schedule_timeout(t)

/* ___wait_event(), as in include/linux/wait.h: a GNU statement expression, like the kernel's. */
#define ___wait_is_interruptible(state) \
	((state) == TASK_INTERRUPTIBLE || (state) == TASK_KILLABLE)

#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd)                       \
	__extension__({                                                                     \
		__label__ __out;                                                            \
		struct wait_queue_entry __wq_entry;                                         \
		long __ret = ret;                                                           \
		init_wait_entry(&__wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0);            \
		for (;;) {                                                                  \
			long __int = prepare_to_wait_event(&wq_head, &__wq_entry, state);   \
			if (condition)                                                      \
				break;                                                      \
			if (___wait_is_interruptible(state) && __int) {                     \
				__ret = __int;                                              \
				goto __out;                                                 \
			}                                                                   \
			cmd;                                                                \
		}                                                                           \
		finish_wait(&wq_head, &__wq_entry);                                         \
	__out:                                                                              \
		__ret;                                                                      \
	})

#define wait_event(wq_head, condition)                                                 \
	do {                                                                           \
		if (condition)                                                         \
			break;                                                         \
		(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0,     \
				    schedule());                                       \
	} while (0)

#define wait_event_interruptible(wq_head, condition)                                   \
	__extension__({                                                                \
		int __r = 0;                                                           \
		if (!(condition))                                                      \
			__r = (int)___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0, \
						 schedule());                          \
		__r;                                                                   \
	})

#define wait_event_killable(wq_head, condition)                                        \
	__extension__({                                                                \
		int __r = 0;                                                           \
		if (!(condition))                                                      \
			__r = (int)___wait_event(wq_head, condition, TASK_KILLABLE, 0, 0,  \
						 schedule());                          \
		__r;                                                                   \
	})

#define wait_event_interruptible_exclusive(wq_head, condition)                         \
	__extension__({                                                                \
		int __r = 0;                                                           \
		if (!(condition))                                                      \
			__r = (int)___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 1, 0, \
						 schedule());                          \
		__r;                                                                   \
	})

#endif
