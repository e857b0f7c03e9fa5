/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/barrier.h - smp_* barriers and acquire/release accessors (asm-generic/barrier.h,
 * 5.10). Each is a preemption point in the sim backend; under mem=tso smp_mb() drains the CPU's
 * store buffer and the others are compiler barriers, as on x86.
 *
 * smp_store_mb(), smp_mb__after_spinlock() and smp_mb__after_unlock_lock() are full barriers
 * (LKMM, tools/memory-model/linux-kernel.def): a once-store followed by smp_mb(), and smp_mb().
 * On x86 the kernel gets the last two for free from the locked RMW of spin_lock(); pcsim's
 * spin_lock() is such an RMW too, so under tso the extra smp_mb() finds the buffer empty, and
 * on the threads backend it is a sequentially consistent fence. docs/ordering.md, "Modes".
 */
#ifndef PCSIM_KERNEL_BARRIER_H
#define PCSIM_KERNEL_BARRIER_H

#include <pcsim/mem.h>

#define smp_mb() pcsim_smp_mb()
#define smp_rmb() pcsim_smp_rmb()
#define smp_wmb() pcsim_smp_wmb()
#define smp_mb__before_atomic() pcsim_smp_mb__before_atomic()
#define smp_mb__after_atomic() pcsim_smp_mb__after_atomic()
#define smp_load_acquire(p) pcsim_load_acquire(p)
#define smp_store_release(p, v) pcsim_store_release((p), (v))
/* smp_store_mb(var, v): WRITE_ONCE(var, v) then a full barrier (var is a wrapped field). */
#define smp_store_mb(var, v)                   \
	do {                                   \
		pcsim_write_once(&(var), (v)); \
		pcsim_smp_mb();                \
	} while (0)
#define smp_mb__after_spinlock() pcsim_smp_mb()
#define smp_mb__after_unlock_lock() pcsim_smp_mb()
#define barrier() __asm__ __volatile__("" ::: "memory")

#endif
