/* SPDX-License-Identifier: MIT */
/*
 * pcsim/sync.h - spinlocks (with lockdep-lite) and RCU.
 *
 * Kernel counterparts (5.10): include/linux/spinlock.h, kernel/locking/lockdep.c (the checks,
 * much reduced), include/linux/rcupdate.h and kernel/rcu/ (the guarantees only). Kernel names:
 * <pcsim/kernel/spinlock.h>, <pcsim/kernel/rcupdate.h>. Context rules: <pcsim/config.h>.
 */
#ifndef PCSIM_SYNC_H
#define PCSIM_SYNC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/mem.h>
#include <pcsim/task.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Spinlocks (with lockdep-lite)
 */

/**
 * struct pcsim_spinlock - spinlock_t. Initialise with pcsim_spin_lock_init(); the @name is the
 * lock class for lockdep (the kernel uses the init site; pass the same name for locks that play
 * the same role, e.g. "wait_queue_head.lock").
 */
struct pcsim_spinlock {
	pcsim_uint locked;
	uint16_t lclass;	/* lockdep class id (per world), 0 = not initialised */
	uint32_t owner;		/* context id of the holder, for reports */
	uint32_t init_gen;	/* execution generation it was initialised in */
};

/** pcsim_spin_lock_init - spin_lock_init(). Context: setup or any. */
PCSIM_API void pcsim_spin_lock_init(struct pcsim_spinlock *l, const char *name);
/** pcsim_spin_lock - spin_lock(): preempt_disable, then acquire (acquire ordering). */
PCSIM_API void pcsim_spin_lock(struct pcsim_spinlock *l);
/** pcsim_spin_trylock - spin_trylock(): 1 if acquired (preemption then disabled), else 0. */
PCSIM_API int pcsim_spin_trylock(struct pcsim_spinlock *l);
/** pcsim_spin_unlock - spin_unlock(): release, then preempt_enable. */
PCSIM_API void pcsim_spin_unlock(struct pcsim_spinlock *l);
/** pcsim_spin_lock_irq / _unlock_irq - with local_irq_disable / enable. */
PCSIM_API void pcsim_spin_lock_irq(struct pcsim_spinlock *l);
PCSIM_API void pcsim_spin_unlock_irq(struct pcsim_spinlock *l);
/** pcsim_spin_lock_irqsave / _irqrestore - with local_irq_save / restore. */
PCSIM_API unsigned long pcsim_spin_lock_irqsave(struct pcsim_spinlock *l);
PCSIM_API void pcsim_spin_unlock_irqrestore(struct pcsim_spinlock *l, unsigned long flags);
/** pcsim_spin_is_locked - spin_is_locked(): a once-load of the lock word. */
PCSIM_API bool pcsim_spin_is_locked(struct pcsim_spinlock *l);
/** pcsim_lockdep_assert_held - lockdep_assert_held(): violation if the caller does not hold @l. */
PCSIM_API void pcsim_lockdep_assert_held(struct pcsim_spinlock *l);

/* ---------------------------------------------------------------------------------------------
 * RCU
 */
/** pcsim_rcu_read_lock / _unlock - rcu_read_lock(): per-context nesting, preemptible (sim). */
PCSIM_API void pcsim_rcu_read_lock(void);
PCSIM_API void pcsim_rcu_read_unlock(void);
/** pcsim_rcu_read_lock_held - the caller is inside a read-side section. */
PCSIM_API bool pcsim_rcu_read_lock_held(void);
/**
 * pcsim_synchronize_rcu - wait until every read-side section that began before the call has
 * ended. Context: task, may sleep, not inside a read-side section.
 */
PCSIM_API void pcsim_synchronize_rcu(void);
/**
 * pcsim_call_rcu - run @func(@head) in softirq context after a grace period. Context: any.
 * In the sim backend the callback becomes an event the strategy fires once the grace period has
 * elapsed; in the threads backend it is liburcu's call_rcu.
 */
PCSIM_API void pcsim_call_rcu(struct pcsim_callback_head *head,
			      void (*func)(struct pcsim_callback_head *head));
/** pcsim_rcu_barrier - wait until every pending call_rcu callback has run. Context: task. */
PCSIM_API void pcsim_rcu_barrier(void);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_SYNC_H */
