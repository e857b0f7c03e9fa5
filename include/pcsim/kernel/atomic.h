/* SPDX-License-Identifier: MIT */
/*
 * pcsim/kernel/atomic.h - atomic_t and atomic_long_t (include/linux/atomic.h and
 * Documentation/atomic_t.txt, 5.10): atomic_read/atomic_set are once-accesses,
 * non-value-returning RMWs (atomic_inc, atomic_add, ...) are unordered, value-returning ones
 * (atomic_*_return, atomic_fetch_*, atomic_xchg, atomic_cmpxchg, atomic_dec_and_test) are fully
 * ordered, _acquire/_release/_relaxed variants as named.
 */
#ifndef PCSIM_KERNEL_ATOMIC_H
#define PCSIM_KERNEL_ATOMIC_H

#include <pcsim/mem.h>

typedef struct {
	pcsim_int counter;
} atomic_t;

typedef struct {
	pcsim_long counter;
} atomic_long_t;

#define ATOMIC_INIT(i) { PCSIM_INIT(i) }

#define atomic_read(v) pcsim_read_once(&(v)->counter)
#define atomic_set(v, i) pcsim_write_once(&(v)->counter, (i))
#define atomic_read_acquire(v) pcsim_load_acquire(&(v)->counter)
#define atomic_set_release(v, i) pcsim_store_release(&(v)->counter, (i))

#define atomic_add(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, (i), PCSIM_MO_ONCE))
#define atomic_sub(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -(i), PCSIM_MO_ONCE))
#define atomic_inc(v) atomic_add(1, v)
#define atomic_dec(v) atomic_sub(1, v)
#define atomic_or(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_OR, (i), PCSIM_MO_ONCE))
#define atomic_and(i, v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_AND, (i), PCSIM_MO_ONCE))

#define atomic_fetch_add(i, v) pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, (i), PCSIM_MO_FULL)
#define atomic_fetch_add_relaxed(i, v) pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, (i), PCSIM_MO_ONCE)
#define atomic_fetch_sub(i, v) pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -(i), PCSIM_MO_FULL)
#define atomic_fetch_sub_release(i, v) \
	pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -(i), PCSIM_MO_RELEASE)
#define atomic_add_return(i, v) \
	__extension__({ int __i = (i); atomic_fetch_add(__i, (v)) + __i; })
#define atomic_sub_return(i, v) \
	__extension__({ int __i = (i); atomic_fetch_sub(__i, (v)) - __i; })
#define atomic_inc_return(v) atomic_add_return(1, v)
#define atomic_dec_return(v) atomic_sub_return(1, v)
#define atomic_dec_and_test(v) (atomic_dec_return(v) == 0)
#define atomic_inc_and_test(v) (atomic_inc_return(v) == 0)
#define atomic_xchg(v, n) pcsim_rmw(&(v)->counter, PCSIM_RMW_XCHG, (n), PCSIM_MO_FULL)
#define atomic_cmpxchg(v, o, n) pcsim_cmpxchg(&(v)->counter, (o), (n), PCSIM_MO_FULL)

/* atomic_add_unless(v, a, u): add @a unless the value is @u; true if it added (fully ordered). */
static inline int atomic_add_unless(atomic_t *v, int a, int u)
{
	int c = atomic_read(v);
	for (;;) {
		if (c == u)
			return 0;
		int old = atomic_cmpxchg(v, c, c + a);
		if (old == c)
			return 1;
		c = old;
	}
}
#define atomic_inc_not_zero(v) atomic_add_unless((v), 1, 0)

#define atomic_long_read(v) pcsim_read_once(&(v)->counter)
#define atomic_long_set(v, i) pcsim_write_once(&(v)->counter, (i))
#define atomic_long_inc(v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, 1, PCSIM_MO_ONCE))
#define atomic_long_dec(v) ((void)pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, -1, PCSIM_MO_ONCE))
#define atomic_long_add_return(i, v) \
	__extension__({ long __i = (i); pcsim_rmw(&(v)->counter, PCSIM_RMW_ADD, __i, PCSIM_MO_FULL) + __i; })

#endif
