// SPDX-License-Identifier: MIT
/*
 * prims.c - the kernel primitives a litmus test may call, by the names of
 * tools/memory-model/linux-kernel.def (and include/linux/atomic.h, spinlock.h, rcupdate.h,
 * srcu.h, 5.10), with what each does and its ordering. run.c realises each through the
 * matching macro of <pcsim/kernel/>.
 */
#include <string.h>

#include <pcsim/mem.h>

#include "litmus_int.h"

#define ONCE PCSIM_MO_ONCE
#define ACQ PCSIM_MO_ACQUIRE
#define REL PCSIM_MO_RELEASE
#define FULL PCSIM_MO_FULL

/* The four orderings of a value-returning operation: plain (full), _relaxed, _acquire, _release. */
#define ORD4(base, kind, nargs, op)                                                          \
	{base, kind, nargs, FULL, op, true}, {base "_relaxed", kind, nargs, ONCE, op, true}, \
		{base "_acquire", kind, nargs, ACQ, op, true},                               \
	{                                                                                    \
		base "_release", kind, nargs, REL, op, true                                  \
	}

static const struct lit_prim prims[] = {
	{"READ_ONCE", PK_LOAD, 1, ONCE, 0, true},
	{"smp_load_acquire", PK_LOAD, 1, ACQ, 0, true},
	/* LKMM: a once-load that heads address/data dependencies; pcsim cannot see
	 * dependencies (values pass through plain C), so it is an acquire load: stronger. */
	{"rcu_dereference", PK_LOAD, 1, ACQ, 0, true},
	{"rcu_access_pointer", PK_LOAD, 1, ONCE, 0, true},
	{"WRITE_ONCE", PK_STORE, 2, ONCE, 0, false},
	{"smp_store_release", PK_STORE, 2, REL, 0, false},
	{"rcu_assign_pointer", PK_STORE, 2, REL, 0, false},
	{"smp_store_mb", PK_STORE_MB, 2, ONCE, 0, false},
	{"smp_mb", PK_FENCE, 0, PCSIM_FENCE_MB, 0, false},
	{"smp_rmb", PK_FENCE, 0, PCSIM_FENCE_RMB, 0, false},
	{"smp_wmb", PK_FENCE, 0, PCSIM_FENCE_WMB, 0, false},
	{"smp_mb__before_atomic", PK_FENCE, 0, PCSIM_FENCE_MB_BEFORE_ATOMIC, 0, false},
	{"smp_mb__after_atomic", PK_FENCE, 0, PCSIM_FENCE_MB_AFTER_ATOMIC, 0, false},
	/* full barriers in LKMM; run.c uses the <pcsim/kernel/barrier.h> macros */
	{"smp_mb__after_spinlock", PK_FENCE, 0, -1, 0, false},
	{"smp_mb__after_unlock_lock", PK_FENCE, 0, -2, 0, false},
	{"barrier", PK_NOP, 0, 0, 0, false},
	{"smp_read_barrier_depends", PK_NOP, 0, 0, 0, false},
	{"rcu_read_lock", PK_RCU_LOCK, 0, 0, 0, false},
	{"rcu_read_unlock", PK_RCU_UNLOCK, 0, 0, 0, false},
	{"synchronize_rcu", PK_SYNC_RCU, 0, 0, 0, false},
	{"synchronize_rcu_expedited", PK_SYNC_RCU_EXP, 0, 0, 0, false},
	{"srcu_read_lock", PK_SRCU_LOCK, 1, 0, 0, true},
	{"srcu_read_unlock", PK_SRCU_UNLOCK, 2, 0, 0, false},
	{"synchronize_srcu", PK_SYNC_SRCU, 1, 0, 0, false},
	{"synchronize_srcu_expedited", PK_SYNC_SRCU, 1, 0, 0, false},
	{"spin_lock", PK_SPIN_LOCK, 1, ACQ, 0, false},
	{"spin_unlock", PK_SPIN_UNLOCK, 1, REL, 0, false},
	{"spin_trylock", PK_SPIN_TRYLOCK, 1, ACQ, 0, true},
	{"spin_is_locked", PK_SPIN_IS_LOCKED, 1, ONCE, 0, true},
	ORD4("xchg", PK_XCHG, 2, PCSIM_RMW_XCHG),
	ORD4("cmpxchg", PK_CMPXCHG, 3, PCSIM_RMW_CMPXCHG),
	{"atomic_read", PK_A_READ, 1, ONCE, 0, true},
	{"atomic_read_acquire", PK_A_READ, 1, ACQ, 0, true},
	{"atomic_set", PK_A_SET, 2, ONCE, 0, false},
	{"atomic_set_release", PK_A_SET, 2, REL, 0, false},
	{"atomic_add", PK_A_OP, 2, ONCE, PCSIM_RMW_ADD, false},
	{"atomic_sub", PK_A_OP, 2, ONCE, -1, false},
	{"atomic_and", PK_A_OP, 2, ONCE, PCSIM_RMW_AND, false},
	{"atomic_or", PK_A_OP, 2, ONCE, PCSIM_RMW_OR, false},
	{"atomic_xor", PK_A_OP, 2, ONCE, PCSIM_RMW_XOR, false},
	{"atomic_andnot", PK_A_OP, 2, ONCE, -2, false},
	{"atomic_inc", PK_A_OP1, 1, ONCE, 1, false},
	{"atomic_dec", PK_A_OP1, 1, ONCE, -1, false},
	ORD4("atomic_fetch_add", PK_A_FETCH, 2, PCSIM_RMW_ADD),
	ORD4("atomic_fetch_sub", PK_A_FETCH, 2, -1),
	ORD4("atomic_fetch_and", PK_A_FETCH, 2, PCSIM_RMW_AND),
	ORD4("atomic_fetch_or", PK_A_FETCH, 2, PCSIM_RMW_OR),
	ORD4("atomic_fetch_xor", PK_A_FETCH, 2, PCSIM_RMW_XOR),
	ORD4("atomic_fetch_andnot", PK_A_FETCH, 2, -2),
	ORD4("atomic_fetch_inc", PK_A_FETCH1, 1, 1),
	ORD4("atomic_fetch_dec", PK_A_FETCH1, 1, -1),
	ORD4("atomic_add_return", PK_A_RET, 2, 1),
	ORD4("atomic_sub_return", PK_A_RET, 2, -1),
	ORD4("atomic_inc_return", PK_A_RET1, 1, 1),
	ORD4("atomic_dec_return", PK_A_RET1, 1, -1),
	ORD4("atomic_xchg", PK_A_XCHG, 2, PCSIM_RMW_XCHG),
	ORD4("atomic_cmpxchg", PK_A_CMPXCHG, 3, PCSIM_RMW_CMPXCHG),
	{"atomic_inc_and_test", PK_A_TEST, 1, FULL, 1, true},
	{"atomic_dec_and_test", PK_A_TEST, 1, FULL, -1, true},
	{"atomic_sub_and_test", PK_A_SUB_TEST, 2, FULL, -1, true},
	{"atomic_add_unless", PK_A_ADD_UNLESS, 3, FULL, 0, true},
	{"atomic_inc_not_zero", PK_A_INC_NOT_ZERO, 1, FULL, 0, true},
};

const struct lit_prim *pcsim__lit_prim(const char *name)
{
	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++)
		if (strcmp(prims[i].name, name) == 0)
			return &prims[i];
	return NULL;
}

bool pcsim__lit_prim_opaque(const struct lit_prim *p)
{
	switch (p->kind) {
	case PK_STORE_MB: /* a store, then a barrier: two points nothing tells apart */
	case PK_SYNC_RCU: /* sleeps on a grace period's snapshot */
	case PK_SYNC_RCU_EXP:
	case PK_SYNC_SRCU:    /* barrier, a polling loop, barrier */
	case PK_A_ADD_UNLESS: /* a cmpxchg loop over the value it read */
	case PK_A_INC_NOT_ZERO:
		return true;
	default:
		/* one preemption point, or (spin_lock, spin_unlock, rcu_read_lock/unlock) points
		 * the task's preempt count, spin state and RCU nesting tell apart */
		return false;
	}
}
