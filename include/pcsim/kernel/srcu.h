/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/srcu.h - sleepable RCU (include/linux/srcu.h, kernel/rcu/srcutree.c, 5.10): the
 * guarantees, not the algorithm. An srcu_struct counts its readers; srcu_read_lock() and
 * srcu_read_unlock() are fully ordered increments and decrements of that count (the kernel's
 * are per-CPU counters with smp_mb() on both sides: the same barriers); synchronize_srcu()
 * runs smp_mb(), polls with cpu_relax() until the count reads 0, and runs smp_mb() again.
 *
 * That gives SRCU's grace-period guarantee (a reader section that began before
 * synchronize_srcu() ends before it returns, with full barriers in between: pairs as O5) and is
 * stronger in one way: it also waits for readers that began after synchronize_srcu() did, so
 * a stream of new readers can hold it up (the kernel flips between two counter sets to avoid
 * that). Domains are independent, and unlike RCU readers, SRCU readers may sleep.
 * srcu_read_lock() returns 0: the index only has to be handed back to srcu_read_unlock().
 * Context: srcu_read_lock/unlock any context; synchronize_srcu task, may sleep.
 */
#ifndef PCSIM_KERNEL_SRCU_H
#define PCSIM_KERNEL_SRCU_H

#include <pcsim/mem.h>
#include <pcsim/task.h>

struct srcu_struct {
	pcsim_int readers; /* reader sections under way */
};

#define DEFINE_SRCU(name) struct srcu_struct name = {PCSIM_INIT(0)}
#define DEFINE_STATIC_SRCU(name) static DEFINE_SRCU(name)

static inline int init_srcu_struct(struct srcu_struct *ssp)
{
	PCSIM_SETUP_SET(ssp->readers, 0);
	return 0;
}

static inline void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	(void)ssp;
}

static inline int srcu_read_lock(struct srcu_struct *ssp)
{
	/* fully ordered: the section's accesses stay after it (the kernel's smp_mb() B) */
	(void)pcsim_rmw(&ssp->readers, PCSIM_RMW_ADD, 1, PCSIM_MO_FULL);
	return 0;
}

static inline void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	(void)idx;
	/* fully ordered: the section's accesses stay before it (the kernel's smp_mb() C) */
	(void)pcsim_rmw(&ssp->readers, PCSIM_RMW_ADD, -1, PCSIM_MO_FULL);
}

static inline void synchronize_srcu(struct srcu_struct *ssp)
{
	pcsim_might_sleep();
	pcsim_smp_mb();
	while (pcsim_read_once(&ssp->readers) != 0)
		pcsim_cpu_relax();
	pcsim_smp_mb();
}

#define synchronize_srcu_expedited(ssp) synchronize_srcu(ssp)

#endif
