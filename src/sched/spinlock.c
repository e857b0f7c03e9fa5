// SPDX-License-Identifier: MIT
/*
 * spinlock.c - spinlock_t and lockdep-lite.
 *
 * Models (5.10): include/linux/spinlock.h and kernel/locking/spinlock.c (preempt_disable, irq
 * save/restore around an acquire/release lock word) and, much reduced, kernel/locking/lockdep.c:
 * lock classes by name, a dependency graph with cycle detection (ABBA and longer cycles,
 * "possible circular locking dependency detected"), recursive acquisition, and the hardirq
 * safety rule ("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage"). Dependencies are per
 * execution, so a replayed execution reports exactly what the original did.
 *
 * In the sim backend a contended spin_lock() does not burn steps: the context waits
 * (CR_SPINNING) until the lock word reads 0 in its CPU's view of memory, then retries.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "sched_int.h"

static const char *usage_locked(struct pcsim_world *w, struct pcsim__ctx *c, unsigned b,
				char *msg, size_t len);

static uint16_t class_of(struct pcsim_world *w, const char *name)
{
	for (unsigned i = 1; i <= w->ex.nclasses; i++)
		if (strcmp(w->classes[i].name, name) == 0)
			return (uint16_t)i;
	if (w->ex.nclasses + 1 >= PCSIM_MAX_CLASSES)
		return 0;
	unsigned id = ++w->ex.nclasses;
	w->classes[id].name = pcsim__strdup_arena(w, name);
	w->classes[id].usage = 0;
	memset(w->deps[id], 0, sizeof(w->deps[id]));
	return (uint16_t)id;
}

const char *pcsim__lock_name(const struct pcsim_world *w, const struct pcsim_spinlock *l)
{
	if (l->lclass && l->lclass <= w->ex.nclasses)
		return w->classes[l->lclass].name;
	return "?";
}

void pcsim_spin_lock_init(struct pcsim_spinlock *l, const char *name)
{
	struct pcsim_world *w = cur_world();
	PCSIM_SETUP_SET(l->locked, 0);
	l->owner = 0;
	if (!w) {
		l->lclass = 0;
		return;
	}
	pcsim__world_lock(w);
	l->lclass = class_of(w, name ? name : "spinlock");
	l->init_gen = (uint32_t)w->exec_gen;
	if (w->tracing)
		pcsim_obj_name(&l->locked, "%s", w->classes[l->lclass].name);
	pcsim__world_unlock(w);
}

static inline bool dep(const struct pcsim_world *w, unsigned a, unsigned b)
{
	return (w->deps[a][b / 64] >> (b % 64)) & 1u;
}

/* Is there a path from @from to @to in the dependency graph? */
static bool reaches(const struct pcsim_world *w, unsigned from, unsigned to, uint64_t *seen)
{
	if (from == to)
		return true;
	seen[from / 64] |= 1ull << (from % 64);
	for (unsigned n = 1; n <= w->ex.nclasses; n++)
		if (dep(w, from, n) && !(seen[n / 64] & (1ull << (n % 64))) &&
		    reaches(w, n, to, seen))
			return true;
	return false;
}

void pcsim__lockdep_acquire(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l)
{
	unsigned b = l->lclass;
	if (!w->checks_lockdep || !b)
		return;
	pcsim__world_lock(w);
	const char *bn = w->classes[b].name;
	char msg[512];
	const char *what = NULL;
	for (unsigned i = 0; i < c->nheld && !what; i++) {
		unsigned a = c->held[i];
		if (a == b) {
			what = "lockdep-recursive";
			snprintf(msg, sizeof(msg),
				 "possible recursive locking detected: %s already holds %s",
				 c->kind == PCSIM_CTX_TASK ? ((struct pcsim_task *)c)->name : "irq",
				 bn);
			break;
		}
		uint64_t seen[PCSIM_MAX_CLASSES / 64] = { 0 };
		if (!dep(w, a, b) && reaches(w, b, a, seen)) {
			what = "lockdep-abba";
			snprintf(msg, sizeof(msg),
				 "possible circular locking dependency detected: acquiring %s while "
				 "holding %s, but %s -> ... -> %s was recorded earlier",
				 bn, w->classes[a].name, bn, w->classes[a].name);
			break;
		}
		w->deps[a][b / 64] |= 1ull << (b % 64);
	}
	if (!what)
		what = usage_locked(w, c, b, msg, sizeof(msg));
	pcsim__world_unlock(w);
	if (what)
		pcsim_fail(what, "%s", msg);
}

/*
 * Interrupt safety (hardirq and softirq are treated alike: both are "atomic contexts"): a class
 * used in an interrupt handler and, elsewhere, with interrupts enabled can deadlock on one CPU.
 */
static const char *usage_locked(struct pcsim_world *w, struct pcsim__ctx *c, unsigned b,
				char *msg, size_t len)
{
	const char *bn = w->classes[b].name;
	unsigned *u = &w->classes[b].usage;
	if (c->kind == PCSIM_CTX_HARDIRQ)
		*u |= LU_IN_HARDIRQ;
	else if (c->kind == PCSIM_CTX_SOFTIRQ)
		*u |= LU_IN_SOFTIRQ;
	else if (!c->irqs_off)
		*u |= LU_HARDIRQ_ON;
	if ((*u & (LU_IN_HARDIRQ | LU_IN_SOFTIRQ)) && (*u & LU_HARDIRQ_ON)) {
		snprintf(msg, len,
			 "inconsistent {IN-%sIRQ-W} -> {%sIRQ-ON-W} usage: %s is taken in an "
			 "interrupt handler and, elsewhere, with interrupts enabled; an interrupt "
			 "on the holder's CPU deadlocks (use spin_lock_irqsave)",
			 (*u & LU_IN_HARDIRQ) ? "HARD" : "SOFT", (*u & LU_IN_HARDIRQ) ? "HARD" : "SOFT",
			 bn);
		return "lockdep-irq";
	}
	return NULL;
}

void pcsim__lockdep_usage(struct pcsim_world *w, struct pcsim__ctx *c, struct pcsim_spinlock *l)
{
	char msg[512];
	if (!w->checks_lockdep || !l->lclass)
		return;
	pcsim__world_lock(w);
	const char *what = usage_locked(w, c, l->lclass, msg, sizeof(msg));
	pcsim__world_unlock(w);
	if (what)
		pcsim_fail(what, "%s", msg);
}

void pcsim__lockdep_release(struct pcsim_world *w, struct pcsim__ctx *c,
			    struct pcsim_spinlock *l)
{
	(void)w;
	for (unsigned i = c->nheld; i-- > 0;) {
		if (c->held[i] == l->lclass) {
			memmove(&c->held[i], &c->held[i + 1], (c->nheld - i - 1) * sizeof(c->held[0]));
			c->nheld--;
			return;
		}
	}
}

static bool check_init(struct pcsim_world *w, struct pcsim_spinlock *l, const char *fn)
{
	if (l->lclass == 0 || l->init_gen != (uint32_t)w->exec_gen) {
		pcsim_fail("spinlock-uninit", "%s() on a spinlock not initialised with "
			   "spin_lock_init() in this execution", fn);
		return false;
	}
	return true;
}

/*
 * The lock's step: its preemption point comes first, while interrupts and preemption are still
 * as the caller had them (an interrupt or a preemption right before the lock is reachable);
 * then interrupts go off (the _irq/_irqsave forms), preemption is disabled and the lock word is
 * taken with an acquire RMW.
 */
static void do_lock(struct pcsim__ctx *c, struct pcsim_spinlock *l, bool irqs)
{
	struct pcsim_world *w = c->w;
	if (!check_init(w, l, "spin_lock"))
		return;
	pcsim__point(c);
	if (irqs)
		c->irqs_off = true;
	c->preempt_count++;
	pcsim__opts_stale_any(w);
	pcsim__lockdep_acquire(w, c, l);
	if (c->nheld < PCSIM_MAX_HELD)
		c->held[c->nheld++] = l->lclass;
	w->ops->spin_acquire(w, c, l, irqs);
}

static void do_unlock(struct pcsim__ctx *c, struct pcsim_spinlock *l, unsigned long irqsave)
{
	struct pcsim_world *w = c->w;
	if (!check_init(w, l, "spin_unlock"))
		return;
	if (!w->ops->spin_word(w, c, l) || __atomic_load_n(&l->owner, __ATOMIC_RELAXED) != c->id) {
		pcsim_fail("spin-unlock-unheld", "spin_unlock(%s) by %s, which does not hold it",
			   pcsim__lock_name(w, l),
			   c->kind == PCSIM_CTX_TASK ? ((struct pcsim_task *)c)->name : "an irq");
		return;
	}
	pcsim__lockdep_release(w, c, l);
	w->ops->spin_release(w, c, l, irqsave);
	c->preempt_count--;
	pcsim__opts_stale_any(w);
}

void pcsim_spin_lock(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_lock");
	if (c)
		do_lock(c, l, false);
}

int pcsim_spin_trylock(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_trylock");
	if (!c)
		return 0;
	struct pcsim_world *w = c->w;
	if (!check_init(w, l, "spin_trylock"))
		return 0;
	bool got = w->ops->spin_trylock(w, c, l);
	if (!got)
		return 0;
	c->preempt_count++;
	pcsim__opts_stale_any(w);
	/* lockdep records trylocks as acquisitions without the deadlock check (trylock=1). */
	pcsim__lockdep_usage(w, c, l);
	if (c->nheld < PCSIM_MAX_HELD)
		c->held[c->nheld++] = l->lclass;
	__atomic_store_n(&l->owner, (uint32_t)c->id, __ATOMIC_RELAXED);
	if (w->tracing)
		pcsim__trace(w, c, &pcsim__tk_lock, pcsim__obj_id(w, l), 0, 2, 0,
			     pcsim__lock_name(w, l));
	return 1;
}

void pcsim_spin_unlock(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_unlock");
	if (!c)
		return;
	do_unlock(c, l, 0);
	if (c->preempt_count == 0 && !c->irqs_off)
		pcsim__point(c);	/* preempt_enable(): may reschedule */
}

void pcsim_spin_lock_irq(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_lock_irq");
	if (!c)
		return;
	do_lock(c, l, true);
}

void pcsim_spin_unlock_irq(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_unlock_irq");
	if (!c)
		return;
	do_unlock(c, l, 1);
	if (c->kind == PCSIM_CTX_TASK) {
		c->irqs_off = false;
		pcsim__opts_stale_any(c->w);
		if (c->preempt_count == 0)
			pcsim__point(c);	/* pending interrupts may fire now */
	}
}

unsigned long pcsim_spin_lock_irqsave(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_lock_irqsave");
	if (!c)
		return 0;
	unsigned long flags = c->irqs_off ? 1ul : 0ul;
	do_lock(c, l, true);
	return flags;
}

void pcsim_spin_unlock_irqrestore(struct pcsim_spinlock *l, unsigned long flags)
{
	struct pcsim__ctx *c = pcsim__need_ctx("spin_unlock_irqrestore");
	if (!c)
		return;
	do_unlock(c, l, 1);
	c->irqs_off = flags != 0 || c->kind != PCSIM_CTX_TASK;
	pcsim__opts_stale_any(c->w);
	if (!c->irqs_off && c->preempt_count == 0)
		pcsim__point(c);	/* pending interrupts may fire now */
}

bool pcsim_spin_is_locked(struct pcsim_spinlock *l)
{
	return pcsim_read_once(&l->locked) != 0;
}

void pcsim_lockdep_assert_held(struct pcsim_spinlock *l)
{
	struct pcsim__ctx *c = pcsim__need_ctx("lockdep_assert_held");
	if (!c)
		return;
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) != c->id)
		pcsim_fail("lockdep-assert-held", "lockdep_assert_held(%s) failed",
			   pcsim__lock_name(c->w, l));
}
