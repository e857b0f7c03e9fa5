/* SPDX-License-Identifier: MIT */
/*
 * pcsim/mem.h - shared memory as the model sees it.
 *
 * Model code touches shared state only through the typed wrappers below. Each wrapper type is a
 * one-member struct, so a plain access (`x = 1`, `if (x)`, `x + 1`) does not compile; the
 * operations name their ordering explicitly, as the kernel's READ_ONCE/WRITE_ONCE, acquire and
 * release accessors, atomics and bitops do (include/linux/compiler.h, asm-generic/bitops/,
 * Documentation/atomic_t.txt, 5.10).
 *
 * Every operation is one preemption point in the sim backend: the engine may switch to another
 * context, fire an event or flush a store buffer before the access happens, and the access itself
 * is then atomic. In the threads backend they are C11 atomics with the kernel's orderings.
 *
 * The memory mode (sc, tso) is a property of the world, not of the code: the same wrappers run
 * under every mode, and a weaker mode can be added behind pcsim__load()/pcsim__store() without
 * changing model code (the ordering argument is already passed down).
 */
#ifndef PCSIM_MEM_H
#define PCSIM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Wrapped shared scalars. The member name is deliberately awkward: do not touch it. */
typedef struct { uint8_t pcsim_private_; } pcsim_u8;
typedef struct { uint16_t pcsim_private_; } pcsim_u16;
typedef struct { uint32_t pcsim_private_; } pcsim_u32;
typedef struct { uint64_t pcsim_private_; } pcsim_u64;
typedef struct { int pcsim_private_; } pcsim_int;
typedef struct { unsigned int pcsim_private_; } pcsim_uint;
typedef struct { long pcsim_private_; } pcsim_long;
typedef struct { unsigned long pcsim_private_; } pcsim_ulong;
typedef struct { void *pcsim_private_; } pcsim_ptr;

/** Static initialiser for any wrapped scalar: `pcsim_int x = PCSIM_INIT(3);` */
#define PCSIM_INIT(v) { .pcsim_private_ = (v) }

/* Orderings, named after the kernel primitive that carries them. */
enum pcsim_mo {
	PCSIM_MO_ONCE = 0,	/* READ_ONCE/WRITE_ONCE, relaxed atomics, set_bit, clear_bit */
	PCSIM_MO_ACQUIRE,	/* smp_load_acquire, test_and_set_bit_lock */
	PCSIM_MO_RELEASE,	/* smp_store_release, clear_bit_unlock */
	PCSIM_MO_FULL,		/* value-returning RMWs: atomic_*_return, test_and_set_bit, xchg */
};

enum pcsim_rmw_op {
	PCSIM_RMW_ADD = 0,
	PCSIM_RMW_OR,
	PCSIM_RMW_AND,
	PCSIM_RMW_XOR,
	PCSIM_RMW_XCHG,
	PCSIM_RMW_CMPXCHG,	/* operand = expected, operand2 = new; returns the old value */
};

enum pcsim_fence {
	PCSIM_FENCE_MB = 0,		/* smp_mb() */
	PCSIM_FENCE_RMB,		/* smp_rmb() */
	PCSIM_FENCE_WMB,		/* smp_wmb() */
	PCSIM_FENCE_MB_BEFORE_ATOMIC,	/* smp_mb__before_atomic() */
	PCSIM_FENCE_MB_AFTER_ATOMIC,	/* smp_mb__after_atomic() */
	PCSIM_FENCE_COUNT
};

/*
 * The raw entry points behind the macros. Context: any pcsim context (task or atomic) of a
 * running world. @size is 1, 2, 4 or 8 and @p must be naturally aligned. Loads return the value
 * zero-extended to 64 bits; the macros cast it back to the wrapped type.
 */
PCSIM_API uint64_t pcsim__load(const void *p, unsigned size, enum pcsim_mo mo);
PCSIM_API void pcsim__store(void *p, unsigned size, uint64_t v, enum pcsim_mo mo);
PCSIM_API uint64_t pcsim__rmw(void *p, unsigned size, enum pcsim_rmw_op op, uint64_t operand,
			      uint64_t operand2, enum pcsim_mo mo);
PCSIM_API void pcsim__fence(enum pcsim_fence f);

/*
 * Composite primitives (a list_add, a list_del_init_careful) are one step: they take one
 * preemption point with pcsim_point() and then do their accesses with the _np ("no point")
 * variants, which still go through the memory model (store buffers under tso) and keep their
 * ordering, but cannot be interleaved with other contexts. Context: any pcsim context; outside
 * one they access memory directly.
 */
PCSIM_API void pcsim_point(void);
PCSIM_API uint64_t pcsim__load_np(const void *p, unsigned size, enum pcsim_mo mo);
PCSIM_API void pcsim__store_np(void *p, unsigned size, uint64_t v, enum pcsim_mo mo);

/*
 * pcsim_plain_access - tell the partial-order reduction (--strategy dpor) that the current
 * step of the calling context read (@write false) or wrote @size bytes at @addr through plain
 * C: a field that several contexts share without a wrapped access (the ring's request fields,
 * ordered by the model's protocol). DPOR takes two steps as dependent when one writes what the
 * other reads or writes; a shared plain field nobody reports makes it take such steps as
 * independent and skip orderings that matter. Call it next to the access (or in the field's
 * accessor); the engine records it only while dpor runs. Not a preemption point; does not
 * access memory. @size above 65536 is taken as 65536 (one footprint entry per 4 bytes).
 * Context: any context of an execution; a no-op in setup and finish, outside an execution, on
 * the threads backend and under every other strategy. Locking: none. Return: nothing.
 * PCSIM_PLAIN_READ(x) and PCSIM_PLAIN_WRITE(x) report the lvalue @x.
 */
PCSIM_API void pcsim_plain_access(const void *addr, size_t size, bool write);
#define PCSIM_PLAIN_READ(x) pcsim_plain_access(&(x), sizeof(x), false)
#define PCSIM_PLAIN_WRITE(x) pcsim_plain_access(&(x), sizeof(x), true)

/*
 * pcsim_por_void_add - tell the partial-order reduction that the calling context's next
 * pcsim_rmw() is a PCSIM_RMW_ADD whose returned value is discarded (atomic_inc(), atomic_add()
 * and the other non-value-returning adds of <pcsim/kernel/atomic.h> call it): two such adds to
 * one word commute, so DPOR takes them as independent (they still depend on every load, store
 * and value-returning RMW of the word). The hint is the calling context's and covers its next
 * RMW only; on any other operation it is dropped. Not a preemption point, no memory access.
 * Context: any context of an execution; a no-op in setup and finish, outside an execution, on
 * the threads backend and under every other strategy. Locking: none. Return: nothing.
 */
PCSIM_API void pcsim_por_void_add(void);

#define pcsim_load_np(p, mo) \
	((pcsim__ty(p))(uintptr_t)pcsim__load_np(&(p)->pcsim_private_, pcsim__sz(p), (mo)))
#define pcsim_store_np(p, v, mo) \
	pcsim__store_np(&(p)->pcsim_private_, pcsim__sz(p), pcsim__u64(v), (mo))

/*
 * Unchecked access for setup code that runs before the world's tasks start (initialising a
 * structure the tasks will share) or after they all finished (end-of-run checks). Not a
 * preemption point and not visible to the memory model: never use it from a running context.
 */
#define PCSIM_SETUP_GET(x) ((x).pcsim_private_)
#define PCSIM_SETUP_SET(x, v) ((x).pcsim_private_ = (v))

#define pcsim__ty(p) __typeof__((p)->pcsim_private_)
/*
 * The size argument also says whether the value is a pointer (PCSIM_SZ_PTR): traces then show
 * the object it points to (obj#N) rather than an address, which would change from run to run.
 */
#define PCSIM_SZ_PTR 0x100u
#define pcsim__sz(p)                                 \
	((unsigned)sizeof((p)->pcsim_private_) |     \
	 _Generic((p)->pcsim_private_, void *: PCSIM_SZ_PTR, default: 0u))
#define pcsim__u64(v) ((uint64_t)(uintptr_t)(v))

/** pcsim_read_once(p) - READ_ONCE(*p). @p: pointer to a wrapped scalar. */
#define pcsim_read_once(p) \
	((pcsim__ty(p))(uintptr_t)pcsim__load(&(p)->pcsim_private_, pcsim__sz(p), PCSIM_MO_ONCE))
/** pcsim_write_once(p, v) - WRITE_ONCE(*p, v). */
#define pcsim_write_once(p, v) \
	pcsim__store(&(p)->pcsim_private_, pcsim__sz(p), pcsim__u64(v), PCSIM_MO_ONCE)
/** pcsim_load_acquire(p) - smp_load_acquire(p). */
#define pcsim_load_acquire(p) \
	((pcsim__ty(p))(uintptr_t)pcsim__load(&(p)->pcsim_private_, pcsim__sz(p), PCSIM_MO_ACQUIRE))
/** pcsim_store_release(p, v) - smp_store_release(p, v). */
#define pcsim_store_release(p, v) \
	pcsim__store(&(p)->pcsim_private_, pcsim__sz(p), pcsim__u64(v), PCSIM_MO_RELEASE)
/** pcsim_rmw(p, op, a, mo) - atomic read-modify-write; returns the old value. */
#define pcsim_rmw(p, op, a, mo)                                                               \
	((pcsim__ty(p))(uintptr_t)pcsim__rmw(&(p)->pcsim_private_, pcsim__sz(p), (op),         \
					     pcsim__u64(a), 0, (mo)))
/** pcsim_cmpxchg(p, old, new, mo) - cmpxchg; returns the value found. */
#define pcsim_cmpxchg(p, o, n, mo)                                                            \
	((pcsim__ty(p))(uintptr_t)pcsim__rmw(&(p)->pcsim_private_, pcsim__sz(p),               \
					     PCSIM_RMW_CMPXCHG, pcsim__u64(o), pcsim__u64(n), (mo)))

/*
 * Bit operations on a wrapped unsigned long, with the kernel's orderings
 * (Documentation/atomic_bitops.txt): set_bit/clear_bit/change_bit are atomic but unordered;
 * test_and_* are fully ordered; the _lock/_unlock forms are acquire/release.
 */
PCSIM_API bool pcsim_test_bit(unsigned nr, const pcsim_ulong *addr);
PCSIM_API void pcsim_set_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API void pcsim_clear_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API void pcsim_change_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API bool pcsim_test_and_set_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API bool pcsim_test_and_clear_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API bool pcsim_test_and_set_bit_lock(unsigned nr, pcsim_ulong *addr);
PCSIM_API void pcsim_clear_bit_unlock(unsigned nr, pcsim_ulong *addr);
/*
 * pcsim_clear_bit_unlock_is_negative_byte - clear @nr with release ordering and report, from the
 * same atomic operation, whether bit 7 of the byte holding @nr was set (x86 `lock andb` + sign
 * flag; mm/filemap.c unlock_page). @nr must be < 7.
 */
PCSIM_API bool pcsim_clear_bit_unlock_is_negative_byte(unsigned nr, pcsim_ulong *addr);
/* Non-atomic variants (__set_bit, __clear_bit): a load and a store, still one preemption point. */
PCSIM_API void pcsim___set_bit(unsigned nr, pcsim_ulong *addr);
PCSIM_API void pcsim___clear_bit(unsigned nr, pcsim_ulong *addr);

/** pcsim_fence_mb() and friends: smp_mb(), smp_rmb(), smp_wmb(), smp_mb__{before,after}_atomic. */
#define pcsim_smp_mb() pcsim__fence(PCSIM_FENCE_MB)
#define pcsim_smp_rmb() pcsim__fence(PCSIM_FENCE_RMB)
#define pcsim_smp_wmb() pcsim__fence(PCSIM_FENCE_WMB)
#define pcsim_smp_mb__before_atomic() pcsim__fence(PCSIM_FENCE_MB_BEFORE_ATOMIC)
#define pcsim_smp_mb__after_atomic() pcsim__fence(PCSIM_FENCE_MB_AFTER_ATOMIC)

/**
 * pcsim_obj_name - give the shared object at @addr a name for traces and reports.
 * @addr: the wrapped object (or any shared object address the model uses as an identity).
 * @fmt: printf-style name, copied.
 *
 * Context: setup or any context of the current execution. Names live for one execution. Objects
 * never named are shown as `obj#N`, numbered in order of first access (deterministic).
 * Naming begins a new object at @addr: it gets a new number even if the address was seen
 * before, so a named object on a stack never inherits the number of a dead one that had the
 * same address (which depends on the compiler's frame layout). Name objects when they are
 * initialised.
 */
PCSIM_API void pcsim_obj_name(const void *addr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * pcsim_obj_new - a new (unnamed) object begins at @addr: from now on traces number it anew,
 * as pcsim_obj_name() does for named ones. Call it where an object that may live on a stack is
 * initialised (the wait-queue layer does for wait entries and bookmarks), so that it does not
 * inherit the number of a dead object that had the same address: whether two stack objects
 * share an address is the compiler's choice, and traces must be the same on every build.
 * Context: setup or any context of the current execution; a no-op without tracing.
 */
PCSIM_API void pcsim_obj_new(const void *addr);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_MEM_H */
