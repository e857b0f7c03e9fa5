// SPDX-License-Identifier: MIT
/*
 * mem.c - the shared-memory wrappers: entry points, bit operations, object names.
 *
 * The memory modes (sim backend, sim/mem.c):
 *
 * sc:  every access goes straight to memory; the interleaving is the only nondeterminism.
 * tso: each CPU has a FIFO store buffer (x86-TSO, Owens/Sarkar/Sewell 2009). Plain, once and
 *      release stores enter the buffer; loads first look in their own CPU's buffer (newest
 *      entry for the same address wins) and then in memory; locked read-modify-writes and
 *      smp_mb() drain the buffer; the oldest entry of any non-empty buffer may be flushed to
 *      memory at any step, and that flush is a choice of the strategy. smp_rmb(), smp_wmb() and
 *      smp_mb__{before,after}_atomic() are compiler barriers on x86 and no-ops here.
 *
 * This file holds what both backends share: the entry points the wrappers of <pcsim/mem.h>
 * call, which access memory directly outside any context (setup, finish) and otherwise hand
 * the access to the backend (sim/mem.c: the memory modes above, with a preemption point per
 * access; threads/mem.c: C11 atomics with the kernel's orderings), and the bit operations built
 * on them. A weaker mode plugs in behind the sim backend's loads and stores; model code does
 * not change.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_int.h"
#include "sim/sim.h"

const char *const pcsim__mo_names[] = { "once", "acquire", "release", "full" };
const char *const pcsim__rmw_names[] = { "add", "or", "and", "xor", "xchg", "cmpxchg" };
const char *const pcsim__fence_names[] = { "smp_mb", "smp_rmb", "smp_wmb",
					   "smp_mb__before_atomic", "smp_mb__after_atomic" };

/* ---------------------------------------------------------------------------------------------
 * Entry points. Outside any context (setup, finish) they access memory directly. The sim
 * backend's accesses are called directly rather than through the ops table: one compare and a
 * direct call (which LTO may inline) instead of an indirect call on every shared access.
 */
uint64_t pcsim__load(const void *p, unsigned size, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c)
		return pcsim__raw_load(p, size & 0xffu);
	if (pcsim__sim_direct(c->w))
		return pcsim__sim_load(c, p, size, mo);
	return c->w->ops->load(c, p, size, mo);
}

void pcsim__store(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c)
		pcsim__raw_store(p, size & 0xffu, v);
	else if (pcsim__sim_direct(c->w))
		pcsim__sim_store(c, p, size, v, mo);
	else
		c->w->ops->store(c, p, size, v, mo);
}

void pcsim_point(void)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c)
		pcsim__point(c);
}

uint64_t pcsim__load_np(const void *p, unsigned size, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c)
		return pcsim__raw_load(p, size & 0xffu);
	return c->w->ops->load_np(c, p, size, mo);
}

void pcsim__store_np(void *p, unsigned size, uint64_t v, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c)
		pcsim__raw_store(p, size & 0xffu, v);
	else
		c->w->ops->store_np(c, p, size, v, mo);
}

uint64_t pcsim__rmw(void *p, unsigned size, enum pcsim_rmw_op op, uint64_t operand,
		    uint64_t operand2, enum pcsim_mo mo)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (!c) {
		bool write;
		size &= 0xffu;
		uint64_t old = pcsim__raw_load(p, size);
		uint64_t nv = pcsim__apply_rmw(old, op, operand, operand2, size, &write);
		if (write)
			pcsim__raw_store(p, size, nv);
		return old;
	}
	if (pcsim__sim_direct(c->w))
		return pcsim__sim_rmw(c, p, size, op, operand, operand2, mo);
	return c->w->ops->rmw(c, p, size, op, operand, operand2, mo);
}

void pcsim__fence(enum pcsim_fence f)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c)
		c->w->ops->fence(c, f);
}

/* ---------------------------------------------------------------------------------------------
 * Forbidden ranges (pcsim_forbid_access): checked by the backend that can check them.
 */
void pcsim_forbid_access(const void *addr, size_t size, const char *what)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && addr && size && what)
		c->w->ops->forbid(c, addr, size, what, false);
}

void pcsim_forbid_writes(const void *addr, size_t size, const char *what)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c && addr && size && what)
		c->w->ops->forbid(c, addr, size, what, true);
}

void pcsim_allow_access(const void *addr)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	if (c)
		c->w->ops->allow(c, addr);
}

/* ---------------------------------------------------------------------------------------------
 * Bit operations (asm-generic/bitops/atomic.h, lock.h semantics).
 */
#define BIT_MASK(nr) (1ul << ((nr) % (8 * sizeof(unsigned long))))
/* Bit @nr of a bitmap that starts at @addr: the word it lives in (kernel BIT_WORD()). */
#define BIT_WORD(addr, nr) (&(addr)[(nr) / (8 * sizeof(unsigned long))])
/*
 * dpor: the next access touches bit @nr of its word alone (sched_int.h, PCSIM_POR_HINT_BIT), so
 * that operations on different bits of one word (page->flags) are independent.
 */
#define BIT_HINT(nr) \
	pcsim__por_hint(pcsim__tls_ctx, PCSIM_POR_HINT_BIT | ((nr) % (8 * sizeof(unsigned long))))

bool pcsim_test_bit(unsigned nr, const pcsim_ulong *addr)
{
	BIT_HINT(nr);
	return (pcsim__load(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_MO_ONCE) &
		BIT_MASK(nr)) != 0;
}

void pcsim_set_bit(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR, BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

void pcsim_clear_bit(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND, ~BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

void pcsim_change_bit(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_XOR, BIT_MASK(nr), 0,
		   PCSIM_MO_ONCE);
}

bool pcsim_test_and_set_bit(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR,
			   BIT_MASK(nr), 0, PCSIM_MO_FULL) &
		BIT_MASK(nr)) != 0;
}

bool pcsim_test_and_clear_bit(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND,
			   ~BIT_MASK(nr), 0, PCSIM_MO_FULL) &
		BIT_MASK(nr)) != 0;
}

bool pcsim_test_and_set_bit_lock(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	return (pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_OR,
			   BIT_MASK(nr), 0, PCSIM_MO_ACQUIRE) &
		BIT_MASK(nr)) != 0;
}

void pcsim_clear_bit_unlock(unsigned nr, pcsim_ulong *addr)
{
	BIT_HINT(nr);
	pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long), PCSIM_RMW_AND, ~BIT_MASK(nr), 0,
		   PCSIM_MO_RELEASE);
}

bool pcsim_clear_bit_unlock_is_negative_byte(unsigned nr, pcsim_ulong *addr)
{
	/* Bit 7 of the byte that holds @nr (the PG_waiters trick in mm/filemap.c). */
	unsigned long sign = 1ul << ((nr / 8) * 8 + 7);
	pcsim__por_hint(pcsim__tls_ctx, PCSIM_POR_HINT_BIT | PCSIM_POR_HINT_BIT2 |
				 (nr % (8 * sizeof(unsigned long))) |
				 (((nr / 8) * 8 + 7) % (8 * sizeof(unsigned long))) << 8);
	unsigned long old = pcsim__rmw(&BIT_WORD(addr, nr)->pcsim_private_, sizeof(unsigned long),
				       PCSIM_RMW_AND, ~BIT_MASK(nr), 0, PCSIM_MO_RELEASE);
	return (old & sign) != 0;
}

static void bit_nonatomic(unsigned nr, pcsim_ulong *addr, bool set)
{
	struct pcsim__ctx *c = pcsim__tls_ctx;
	unsigned long *word = &BIT_WORD(addr, nr)->pcsim_private_;
	if (c) {
		c->w->ops->bit_nonatomic(c, word, BIT_MASK(nr), set);
		return;
	}
	unsigned long v = (unsigned long)pcsim__raw_load(word, sizeof(unsigned long));
	pcsim__raw_store(word, sizeof(unsigned long), set ? v | BIT_MASK(nr) : v & ~BIT_MASK(nr));
}

void pcsim___set_bit(unsigned nr, pcsim_ulong *addr)
{
	bit_nonatomic(nr, addr, true);
}

void pcsim___clear_bit(unsigned nr, pcsim_ulong *addr)
{
	bit_nonatomic(nr, addr, false);
}

void pcsim_obj_new(const void *addr)
{
	struct pcsim_world *w = cur_world();
	if (!w || !w->tracing)
		return;		/* numbers only ever appear in traces */
	pcsim__world_lock(w);
	(void)pcsim__obj_id_fresh(w, addr);
	pcsim__world_unlock(w);
}

/* Append @s (@n bytes) to @buf at *@at, keeping what fits in @len - 1 bytes, as vsnprintf does. */
static inline void name_put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
	if (*at < len - 1) {
		size_t room = len - 1 - *at;
		memcpy(buf + *at, s, n < room ? n : room);
	}
	*at += n;
}

/*
 * pcsim__name_format - vsnprintf(@buf, @len, @fmt, @ap) for the formats objects are named with,
 * without the stdio machinery: text, "%%", and %d, %i, %u, %x with no flag, width, precision or
 * length modifier, and %s (a NULL string fails). Returns false, having consumed nothing from the
 * caller's @ap, when @fmt has any other conversion; the caller then calls vsnprintf(). The bytes
 * written are vsnprintf()'s: naming runs for every page, task and lock of every traced execution,
 * and vsnprintf() was most of its cost. Also used for a task's wait channel (core.c), set at
 * every sleep.
 */
bool pcsim__name_format(char *buf, size_t len, const char *fmt, va_list ap0)
{
	va_list ap;
	size_t at = 0;
	bool ok = true;

	va_copy(ap, ap0);
	for (const char *p = fmt; ok && *p; p++) {
		const char *t = p;
		while (*t && *t != '%')
			t++;
		name_put(buf, len, &at, p, (size_t)(t - p));
		if (!*t)
			break;
		char num[24], *e = num + sizeof(num), *d = e;
		p = t + 1;
		switch (*p) {
		case '%':
			name_put(buf, len, &at, "%", 1);
			continue;
		case 's': {
			const char *a = va_arg(ap, const char *);
			if (a)
				name_put(buf, len, &at, a, strlen(a));
			else
				ok = false;
			continue;
		}
		case 'd':
		case 'i': {
			int v = va_arg(ap, int);
			unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
			do
				*--d = (char)('0' + u % 10);
			while (u /= 10);
			if (v < 0)
				*--d = '-';
			break;
		}
		case 'u': {
			unsigned u = va_arg(ap, unsigned);
			do
				*--d = (char)('0' + u % 10);
			while (u /= 10);
			break;
		}
		case 'x': {
			unsigned u = va_arg(ap, unsigned);
			do
				*--d = "0123456789abcdef"[u % 16];
			while (u /= 16);
			break;
		}
		default:
			ok = false;
			continue;
		}
		name_put(buf, len, &at, d, (size_t)(e - d));
	}
	va_end(ap);
	if (ok)
		buf[at < len - 1 ? at : len - 1] = 0;
	return ok;
}

void pcsim_obj_name(const void *addr, const char *fmt, ...)
{
	struct pcsim_world *w = cur_world();
	char buf[96];
	va_list ap;
	if (!w || !w->tracing)
		return;		/* names only ever appear in traces */
	va_start(ap, fmt);
	if (!pcsim__name_format(buf, sizeof(buf), fmt, ap))
		vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pcsim__world_lock(w);
	uint32_t id = pcsim__obj_id_fresh(w, addr);	/* naming begins a new object */
	if (id >= w->objnames_cap) {
		size_t ncap = w->objnames_cap ? w->objnames_cap * 2 : 64;
		while (ncap <= id)
			ncap *= 2;
		char **nn = realloc(w->objnames, ncap * sizeof(char *));
		if (nn) {
			memset(nn + w->objnames_cap, 0, (ncap - w->objnames_cap) * sizeof(char *));
			w->objnames = nn;
			w->objnames_cap = ncap;
		}
	}
	if (id < w->objnames_cap)	/* the global lock is recursive: allocate under it */
		w->objnames[id] = pcsim__strdup_arena(w, buf);
	pcsim__world_unlock(w);
}
