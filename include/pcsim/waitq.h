/* SPDX-License-Identifier: MIT */
/*
 * pcsim/waitq.h - generic wait queues (kernel/sched/wait.c, include/linux/wait.h, 5.10).
 *
 * The public API under the pcsim_ prefix. Model code and users' patches normally use the
 * kernel's names from <pcsim/kernel/wait.h>, which map onto these. Semantics:
 * docs/kernel-semantics.md section 1; what pcsim adds or changes: docs/kernel-api.md.
 *
 * Locking: every function that touches a queue's list takes wq_head->lock with interrupts
 * disabled, except the __ variants and the _locked wake-ups, whose caller holds it.
 */
#ifndef PCSIM_WAITQ_H
#define PCSIM_WAITQ_H

#include <stdbool.h>

#include <pcsim/export.h>
#include <pcsim/list.h>
#include <pcsim/mem.h>
#include <pcsim/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct pcsim_waitq_config - the wait-queue layer's settings in struct pcsim_config (each is a
 * row of the settings table, <pcsim/settings.h>: key in config lines and scenarios, CLI option).
 * @walk_break_cnt: WAITQUEUE_WALK_BREAK_CNT, the entries a bookmarked wake walk visits before it
 *	drops the lock (`walk_break`, 1..1000000, kernel 64).
 */
struct pcsim_waitq_config {
	unsigned walk_break_cnt;
};

/** pcsim_waitq_config - the wait-queue settings of @cfg (set them before the world starts). */
static inline struct pcsim_waitq_config *pcsim_waitq_config(struct pcsim_config *cfg)
{
	return (struct pcsim_waitq_config *)(void *)cfg->layer[PCSIM_LAYER_WAITQ].bytes;
}

/** pcsim_waitq_config_get - the same, read-only (e.g. of pcsim_world_config()). */
static inline const struct pcsim_waitq_config *
pcsim_waitq_config_get(const struct pcsim_config *cfg)
{
	return (const struct pcsim_waitq_config *)(const void *)cfg->layer[PCSIM_LAYER_WAITQ].bytes;
}

/* wait_queue_entry.flags, with the 5.10 values (include/linux/wait.h; 5.8 and 5.9 alike). */
#define PCSIM_WQ_FLAG_EXCLUSIVE 0x01u
#define PCSIM_WQ_FLAG_WOKEN 0x02u
#define PCSIM_WQ_FLAG_BOOKMARK 0x04u
#define PCSIM_WQ_FLAG_CUSTOM 0x08u
#define PCSIM_WQ_FLAG_DONE 0x10u
/*
 * The same flags as kernel profile 6.18 numbers them: the wait bookmarks are gone ("sched:
 * Remove wait bookmarks", M. Wilcox) and the bits above WOKEN moved down; WQ_FLAG_PRIORITY
 * (5.11+, KVM irqfd; 0x20 until then) is 0x10. docs/kernel-profiles.md.
 */
#define PCSIM_WQ618_FLAG_CUSTOM 0x04u
#define PCSIM_WQ618_FLAG_DONE 0x08u
#define PCSIM_WQ618_FLAG_PRIORITY 0x10u

/**
 * struct pcsim_wq_flag_values - the WQ_FLAG_* values of one kernel profile. A flag the profile
 * does not have is 0 (BOOKMARK on 6.18, PRIORITY before 5.11), so testing it is always false.
 */
struct pcsim_wq_flag_values {
	unsigned exclusive, woken, bookmark, custom, done, priority;
};

/**
 * pcsim_wq_flags_of - the WQ_FLAG_* values of kernel profile @kernel (an enum pcsim_kernel;
 * an unknown value gives 5.10's). Context: any thread. Return: static storage.
 */
PCSIM_API const struct pcsim_wq_flag_values *pcsim_wq_flags_of(int kernel);
/**
 * pcsim_wq_flags - the WQ_FLAG_* values of the calling context's world (5.10's outside any
 * world). <pcsim/kernel/wait.h> spells WQ_FLAG_CUSTOM, _DONE and _BOOKMARK through it, so model
 * code written with the kernel names stores the profile's bits. Context: any.
 */
PCSIM_API const struct pcsim_wq_flag_values *pcsim_wq_flags(void);

/* Wake flags. */
#define PCSIM_WF_SYNC 0x01

struct pcsim_wait_queue_entry;
typedef int (*pcsim_wait_queue_func_t)(struct pcsim_wait_queue_entry *wq_entry, unsigned mode,
				       int flags, void *key);

/**
 * struct pcsim_wait_queue_entry - struct wait_queue_entry.
 * @flags: WQ_FLAG_*; written by wakers under the queue lock, read lock-free by waiters.
 * @private: normally the waiting task; set before the entry is published.
 * @func: the wake callback; set before the entry is published.
 * @entry: the list node.
 */
struct pcsim_wait_queue_entry {
	pcsim_uint flags;
	void *private;
	pcsim_wait_queue_func_t func;
	struct pcsim_list_head entry;
};

/** struct pcsim_wait_queue_head - struct wait_queue_head: a spinlock and a list. */
struct pcsim_wait_queue_head {
	struct pcsim_spinlock lock;
	struct pcsim_list_head head;
	/* pcsim: bookkeeping for the W1 check (never touched by model code) */
	uint32_t reg_gen;
	uint32_t sig_len;
	uint64_t sig_sum;
	bool sig_valid;
};

/**
 * pcsim_init_waitqueue_head - __init_waitqueue_head(): lock and empty list; @name is the
 * lockdep class of the lock. Registers the head with the world's W1/W8 checks for this
 * execution, so it must stay valid until the execution ends. Context: setup or any.
 */
PCSIM_API void pcsim_init_waitqueue_head(struct pcsim_wait_queue_head *wq_head,
					 const char *name);

/** pcsim_init_wait_entry - init_wait_entry(): flags, private = current, autoremove. */
PCSIM_API void pcsim_init_wait_entry(struct pcsim_wait_queue_entry *wq_entry, unsigned flags);
/** pcsim_init_waitqueue_entry - init_waitqueue_entry(): private = @p, default_wake_function. */
PCSIM_API void pcsim_init_waitqueue_entry(struct pcsim_wait_queue_entry *wq_entry,
					  struct pcsim_task *p);
/** pcsim_init_waitqueue_func_entry - init_waitqueue_func_entry(): private = NULL, @func. */
PCSIM_API void pcsim_init_waitqueue_func_entry(struct pcsim_wait_queue_entry *wq_entry,
					       pcsim_wait_queue_func_t func);

/** add_wait_queue(): clear EXCLUSIVE, insert at the head. Context: any. */
PCSIM_API void pcsim_add_wait_queue(struct pcsim_wait_queue_head *wq_head,
				    struct pcsim_wait_queue_entry *wq_entry);
/** add_wait_queue_exclusive(): set EXCLUSIVE, insert at the tail. Context: any. */
PCSIM_API void pcsim_add_wait_queue_exclusive(struct pcsim_wait_queue_head *wq_head,
					      struct pcsim_wait_queue_entry *wq_entry);
/** remove_wait_queue(): unlink (list_del: the node is poisoned, not re-initialised). */
PCSIM_API void pcsim_remove_wait_queue(struct pcsim_wait_queue_head *wq_head,
				       struct pcsim_wait_queue_entry *wq_entry);
/** __add_wait_queue(): head insert, flags untouched. Caller holds wq_head->lock. */
PCSIM_API void pcsim___add_wait_queue(struct pcsim_wait_queue_head *wq_head,
				      struct pcsim_wait_queue_entry *wq_entry);
/** __add_wait_queue_entry_tail(): tail insert, flags untouched. Caller holds the lock. */
PCSIM_API void pcsim___add_wait_queue_entry_tail(struct pcsim_wait_queue_head *wq_head,
						 struct pcsim_wait_queue_entry *wq_entry);
/** __remove_wait_queue(): list_del. Caller holds the lock. */
PCSIM_API void pcsim___remove_wait_queue(struct pcsim_wait_queue_head *wq_head,
					 struct pcsim_wait_queue_entry *wq_entry);

/** prepare_to_wait(): clear EXCLUSIVE; if unlinked insert at the head; set_current_state. */
PCSIM_API void pcsim_prepare_to_wait(struct pcsim_wait_queue_head *wq_head,
				     struct pcsim_wait_queue_entry *wq_entry, long state);
/** prepare_to_wait_exclusive(): set EXCLUSIVE; if unlinked insert at the tail; set state. */
PCSIM_API void pcsim_prepare_to_wait_exclusive(struct pcsim_wait_queue_head *wq_head,
					       struct pcsim_wait_queue_entry *wq_entry,
					       long state);
/**
 * prepare_to_wait_event(): under the lock, if a signal is pending for @state unlink the entry
 * and return -ERESTARTSYS (so an aborting exclusive waiter cannot be chosen for a wakeup);
 * otherwise insert it if unlinked (EXCLUSIVE at the tail, else at the head), set @state, 0.
 * Context: task.
 */
PCSIM_API long pcsim_prepare_to_wait_event(struct pcsim_wait_queue_head *wq_head,
					   struct pcsim_wait_queue_entry *wq_entry, long state);
/**
 * finish_wait(): TASK_RUNNING, then a lock-free list_empty_careful(); only if still linked take
 * the lock and list_del_init(). Context: task.
 */
PCSIM_API void pcsim_finish_wait(struct pcsim_wait_queue_head *wq_head,
				 struct pcsim_wait_queue_entry *wq_entry);

/**
 * __wake_up_common(): walk with nr_exclusive, key and the callback return contract; with a
 * @bookmark, pause after the world's walk_break_cnt entries (WAITQUEUE_WALK_BREAK_CNT) and
 * leave the bookmark before the next entry. Caller holds the lock.
 * Return: the remaining nr_exclusive.
 */
PCSIM_API int pcsim___wake_up_common(struct pcsim_wait_queue_head *wq_head, unsigned mode,
				     int nr_exclusive, int wake_flags, void *key,
				     struct pcsim_wait_queue_entry *bookmark);
/** __wake_up(): lock, walk in bookmark-paced chunks, unlock. Context: any. */
PCSIM_API void pcsim___wake_up(struct pcsim_wait_queue_head *wq_head, unsigned mode,
			       int nr_exclusive, void *key);
/** __wake_up_locked(): walk without a bookmark. Caller holds the lock. */
PCSIM_API void pcsim___wake_up_locked(struct pcsim_wait_queue_head *wq_head, unsigned mode,
				      int nr);
/** __wake_up_locked_key(): nr_exclusive 1, no bookmark. Caller holds the lock. */
PCSIM_API void pcsim___wake_up_locked_key(struct pcsim_wait_queue_head *wq_head, unsigned mode,
					  void *key);
/** __wake_up_locked_key_bookmark(): nr_exclusive 1, caller's bookmark. Caller holds the lock. */
PCSIM_API void pcsim___wake_up_locked_key_bookmark(struct pcsim_wait_queue_head *wq_head,
						   unsigned mode, void *key,
						   struct pcsim_wait_queue_entry *bookmark);

/** default_wake_function(): try_to_wake_up(private, mode, wake_flags). */
PCSIM_API int pcsim_default_wake_function(struct pcsim_wait_queue_entry *wq_entry, unsigned mode,
					  int wake_flags, void *key);
/** autoremove_wake_function(): default, and if it woke the task list_del_init_careful(). */
PCSIM_API int pcsim_autoremove_wake_function(struct pcsim_wait_queue_entry *wq_entry,
					     unsigned mode, int wake_flags, void *key);
/** woken_wake_function(): smp_mb() (C), set WQ_FLAG_WOKEN, default_wake_function(). */
PCSIM_API int pcsim_woken_wake_function(struct pcsim_wait_queue_entry *wq_entry, unsigned mode,
					int wake_flags, void *key);
/**
 * wait_woken(): set_current_state(mode) (A); sleep unless WQ_FLAG_WOKEN; TASK_RUNNING; clear
 * WOKEN with smp_store_mb (B). @timeout as schedule_timeout(). Context: task.
 * Return: the remaining timeout.
 */
PCSIM_API long pcsim_wait_woken(struct pcsim_wait_queue_entry *wq_entry, unsigned mode,
				long timeout);

/** waitqueue_active(): lock-free !list_empty(); the waker needs its own smp_mb() before it. */
PCSIM_API bool pcsim_waitqueue_active(struct pcsim_wait_queue_head *wq_head);
/** wq_has_sleeper(): smp_mb(); waitqueue_active(). */
PCSIM_API bool pcsim_wq_has_sleeper(struct pcsim_wait_queue_head *wq_head);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_WAITQ_H */
