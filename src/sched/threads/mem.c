// SPDX-License-Identifier: MIT
/*
 * threads/mem.c - the threads backend's shared memory: C11 atomics with the kernel's orderings.
 *
 * READ_ONCE/WRITE_ONCE are relaxed atomics, smp_load_acquire/smp_store_release acquire and
 * release, fully ordered read-modify-writes sequentially consistent, and the barriers are
 * thread fences (smp_rmb acquire, smp_wmb release, the others sequentially consistent), so
 * ThreadSanitizer sees the same happens-before edges the kernel's primitives give. There is no
 * preemption point, no trace and no forbidden-range check here: the threads backend is for
 * stress tests and measurements (docs/engine.md).
 */
#include "threads/threads.h"

static uint64_t thr_load_raw(const void *p, unsigned size, enum pcsim_mo mo)
{
	int o = mo == PCSIM_MO_ACQUIRE ? __ATOMIC_ACQUIRE : __ATOMIC_RELAXED;
	switch (size) {
	case 1:
		return __atomic_load_n((const uint8_t *)p, o);
	case 2:
		return __atomic_load_n((const uint16_t *)p, o);
	case 4:
		return __atomic_load_n((const uint32_t *)p, o);
	default:
		return __atomic_load_n((const uint64_t *)p, o);
	}
}

static void thr_store_raw(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	int o = mo == PCSIM_MO_RELEASE ? __ATOMIC_RELEASE : __ATOMIC_RELAXED;
	switch (size) {
	case 1:
		__atomic_store_n((uint8_t *)p, (uint8_t)v, o);
		break;
	case 2:
		__atomic_store_n((uint16_t *)p, (uint16_t)v, o);
		break;
	case 4:
		__atomic_store_n((uint32_t *)p, (uint32_t)v, o);
		break;
	default:
		__atomic_store_n((uint64_t *)p, v, o);
		break;
	}
}

static int c11_order(enum pcsim_mo mo)
{
	switch (mo) {
	case PCSIM_MO_ACQUIRE:
		return __ATOMIC_ACQUIRE;
	case PCSIM_MO_RELEASE:
		return __ATOMIC_RELEASE;
	case PCSIM_MO_FULL:
		return __ATOMIC_SEQ_CST;
	default:
		return __ATOMIC_RELAXED;
	}
}

#define THR_RMW(T)                                                                         \
	do {                                                                               \
		T *q = (T *)p;                                                             \
		T a = (T)operand, b = (T)operand2;                                         \
		switch (op) {                                                              \
		case PCSIM_RMW_ADD:                                                        \
			return __atomic_fetch_add(q, a, o);                                \
		case PCSIM_RMW_OR:                                                         \
			return __atomic_fetch_or(q, a, o);                                 \
		case PCSIM_RMW_AND:                                                        \
			return __atomic_fetch_and(q, a, o);                                \
		case PCSIM_RMW_XOR:                                                        \
			return __atomic_fetch_xor(q, a, o);                                \
		case PCSIM_RMW_XCHG:                                                       \
			return __atomic_exchange_n(q, a, o);                               \
		case PCSIM_RMW_CMPXCHG:                                                    \
			__atomic_compare_exchange_n(q, &a, b, false, o,                    \
						    o == __ATOMIC_RELEASE ? __ATOMIC_RELAXED \
						    : o == __ATOMIC_ACQ_REL ? __ATOMIC_ACQUIRE \
									       : o);          \
			return a;                                                          \
		}                                                                          \
	} while (0)

static uint64_t thr_rmw(void *p, unsigned size, enum pcsim_rmw_op op, uint64_t operand,
			uint64_t operand2, enum pcsim_mo mo)
{
	int o = c11_order(mo);
	switch (size) {
	case 1:
		THR_RMW(uint8_t);
		break;
	case 2:
		THR_RMW(uint16_t);
		break;
	case 4:
		THR_RMW(uint32_t);
		break;
	default:
		THR_RMW(uint64_t);
		break;
	}
	return 0;
}

uint64_t pcsim__thr_load(struct pcsim__ctx *c, const void *p, unsigned size, enum pcsim_mo mo)
{
	(void)c;
	return thr_load_raw(p, size & 0xffu, mo);
}

void pcsim__thr_store(struct pcsim__ctx *c, void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	(void)c;
	thr_store_raw(p, size & 0xffu, v, mo);
}

uint64_t pcsim__thr_rmw(struct pcsim__ctx *c, void *p, unsigned size, enum pcsim_rmw_op op,
			uint64_t operand, uint64_t operand2, enum pcsim_mo mo)
{
	(void)c;
	return thr_rmw(p, size & 0xffu, op, operand, operand2, mo);
}

void pcsim__thr_fence(struct pcsim__ctx *c, enum pcsim_fence f)
{
	(void)c;
	if (f == PCSIM_FENCE_RMB)
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	else if (f == PCSIM_FENCE_WMB)
		__atomic_thread_fence(__ATOMIC_RELEASE);
	else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* __set_bit/__clear_bit: a relaxed load and a relaxed store, not atomic together. */
void pcsim__thr_bit_nonatomic(struct pcsim__ctx *c, unsigned long *word, unsigned long mask,
			      bool set)
{
	(void)c;
	unsigned long v = (unsigned long)thr_load_raw(word, sizeof(unsigned long), PCSIM_MO_ONCE);
	thr_store_raw(word, sizeof(unsigned long), set ? v | mask : v & ~mask, PCSIM_MO_ONCE);
}

/* Forbidden ranges are a sim-backend check: nothing is recorded here. */
void pcsim__thr_forbid(struct pcsim__ctx *c, const void *addr, size_t size, const char *what,
		       bool writes_only)
{
	(void)c, (void)addr, (void)size, (void)what, (void)writes_only;
}

void pcsim__thr_allow(struct pcsim__ctx *c, const void *addr)
{
	(void)c, (void)addr;
}
