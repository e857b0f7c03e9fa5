/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/spinlock.h - spinlock_t and its lock/unlock variants (include/linux/spinlock.h,
 * 5.10). spin_lock_init() names the lockdep class after its argument's text, like the kernel's
 * per-init-site lock_class_key.
 */
#ifndef PCSIM_KERNEL_SPINLOCK_H
#define PCSIM_KERNEL_SPINLOCK_H

#include <pcsim/sync.h>

typedef struct pcsim_spinlock spinlock_t;

#define spin_lock_init(l) pcsim_spin_lock_init((l), #l)
#define spin_lock(l) pcsim_spin_lock(l)
#define spin_trylock(l) pcsim_spin_trylock(l)
#define spin_unlock(l) pcsim_spin_unlock(l)
#define spin_lock_irq(l) pcsim_spin_lock_irq(l)
#define spin_unlock_irq(l) pcsim_spin_unlock_irq(l)
#define spin_lock_irqsave(l, flags) ((flags) = pcsim_spin_lock_irqsave(l))
#define spin_unlock_irqrestore(l, flags) pcsim_spin_unlock_irqrestore((l), (flags))
#define spin_is_locked(l) pcsim_spin_is_locked(l)
#define lockdep_assert_held(l) pcsim_lockdep_assert_held(l)

#endif
