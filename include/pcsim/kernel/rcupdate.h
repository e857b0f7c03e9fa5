/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/rcupdate.h - RCU read side and grace periods (include/linux/rcupdate.h, 5.10).
 * rcu_dereference()/rcu_assign_pointer() take a wrapped pointer field (pcsim_ptr).
 */
#ifndef PCSIM_KERNEL_RCUPDATE_H
#define PCSIM_KERNEL_RCUPDATE_H

#include <pcsim/sync.h>

#define rcu_head pcsim_callback_head
#define rcu_read_lock() pcsim_rcu_read_lock()
#define rcu_read_unlock() pcsim_rcu_read_unlock()
#define rcu_read_lock_held() pcsim_rcu_read_lock_held()
#define synchronize_rcu() pcsim_synchronize_rcu()
/* The expedited grace period gives the same guarantee, only faster: in pcsim it is the same. */
#define synchronize_rcu_expedited() pcsim_synchronize_rcu()
#define call_rcu(head, func) pcsim_call_rcu((head), (func))
#define rcu_barrier() pcsim_rcu_barrier()
#define rcu_dereference(p) pcsim_load_acquire(&(p))
#define rcu_assign_pointer(p, v) pcsim_store_release(&(p), (v))

#endif
