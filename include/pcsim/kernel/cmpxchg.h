/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/cmpxchg.h - the kernel's xchg() and cmpxchg() on plain variables
 * (include/linux/atomic.h's arch_xchg/arch_cmpxchg families, Documentation/atomic_t.txt, 5.10),
 * with their _relaxed, _acquire and _release forms. @p points to a wrapped scalar (pcsim_int,
 * pcsim_ulong, pcsim_ptr, ...). xchg() and cmpxchg() are fully ordered (a successful cmpxchg;
 * a failed one is unordered in LKMM, pcsim orders it anyway, which is stronger, never weaker);
 * each returns the value found. Under mem=tso every form is a locked RMW that drains the CPU's
 * store buffer, as on x86; on the threads backend each is a C11 RMW with its ordering.
 */
#ifndef PCSIM_KERNEL_CMPXCHG_H
#define PCSIM_KERNEL_CMPXCHG_H

#include <pcsim/mem.h>

#define xchg(p, v) pcsim_rmw((p), PCSIM_RMW_XCHG, (v), PCSIM_MO_FULL)
#define xchg_relaxed(p, v) pcsim_rmw((p), PCSIM_RMW_XCHG, (v), PCSIM_MO_ONCE)
#define xchg_acquire(p, v) pcsim_rmw((p), PCSIM_RMW_XCHG, (v), PCSIM_MO_ACQUIRE)
#define xchg_release(p, v) pcsim_rmw((p), PCSIM_RMW_XCHG, (v), PCSIM_MO_RELEASE)

#define cmpxchg(p, o, n) pcsim_cmpxchg((p), (o), (n), PCSIM_MO_FULL)
#define cmpxchg_relaxed(p, o, n) pcsim_cmpxchg((p), (o), (n), PCSIM_MO_ONCE)
#define cmpxchg_acquire(p, o, n) pcsim_cmpxchg((p), (o), (n), PCSIM_MO_ACQUIRE)
#define cmpxchg_release(p, o, n) pcsim_cmpxchg((p), (o), (n), PCSIM_MO_RELEASE)

#endif
