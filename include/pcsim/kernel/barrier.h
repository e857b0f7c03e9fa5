/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/barrier.h - smp_* barriers and acquire/release accessors (asm-generic/barrier.h,
 * 5.10). Each is a preemption point in the sim backend; under mem=tso smp_mb() drains the CPU's
 * store buffer and the others are compiler barriers, as on x86.
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
#define barrier() __asm__ __volatile__("" ::: "memory")

#endif
