// SPDX-License-Identifier: MIT
/*
 * checks.c - the wait-queue invariants of docs/kernel-semantics.md 1.7 that can be checked while
 * the model runs.
 *
 * W1 (the list of a wait_queue_head changes only under its lock): every registered head keeps
 * a signature of its list (length and a sum over its nodes) taken whenever its lock is seen
 * free; at every step, a head whose lock is still free must have the same signature. The
 * __ and _locked entry points also assert that the caller holds the lock.
 * W2 (a callback unlinks only its own entry): checked after each callback of a walk.
 * W8 (bookmarks never reach callbacks): the walk skips them; a NULL callback is reported.
 * List integrity (next->prev == node for every node) is checked with W1.
 * W3-W7 are properties of the code paths (orderings, flag snapshots, stop rules, bookmark
 * carry-over); tests/unit/test_waitq.c exercises each of them.
 */
#include <stdint.h>
#include <stdio.h>

#include <pcsim/kernel/list.h>
#include <pcsim/sched.h>
#include <pcsim/trace.h>

#include "waitq_int.h"

struct waitq_layer {
	struct pcsim_wait_queue_head **heads;
	unsigned n, cap;
	struct pcsim__waitq_cb_observer obs;
	bool has_obs;
};

static const char layer_key = 0;

/*
 * The check's loads. It runs between steps (sim backend), where the engine records no access
 * for the partial-order reduction; under sc memory a load there is then a plain read of memory,
 * so with @direct it reads memory itself instead of going through the backend's load for each
 * word of every registered head at every step. Under tso and weak the backend's load is kept:
 * it sees the current CPU's store buffer (tso) or every executed store (weak).
 */
static inline void *raw_ptr(bool direct, const pcsim_ptr *p)
{
	if (direct)
		return (void *)__atomic_load_n(&p->pcsim_private_, __ATOMIC_RELAXED);
	return (void *)(uintptr_t)pcsim__load_np(&p->pcsim_private_, sizeof(void *), PCSIM_MO_ONCE);
}

static inline bool lock_word(bool direct, const struct pcsim_spinlock *l)
{
	if (direct)
		return __atomic_load_n(&l->locked.pcsim_private_, __ATOMIC_RELAXED) != 0;
	return pcsim__load_np(&l->locked.pcsim_private_, 4, PCSIM_MO_ONCE) != 0;
}

/* Walk without preemption points; returns -1 on a broken list. */
static int signature(bool direct, struct pcsim_wait_queue_head *q, uint32_t *len, uint64_t *sum)
{
	struct pcsim_list_head *h = &q->head, *prev = h, *n = raw_ptr(direct, &h->next);
	uint32_t l = 0;
	uint64_t s = 0;
	while (n != h) {
		if (!n || n == PCSIM_LIST_POISON1 || n == PCSIM_LIST_POISON2 ||
		    raw_ptr(direct, &n->prev) != prev || l > (1u << 24))
			return -1;
		s += (uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15ull;
		l++;
		prev = n;
		n = raw_ptr(direct, &n->next);
	}
	if (raw_ptr(direct, &h->prev) != prev)
		return -1;
	*len = l;
	*sum = s;
	return 0;
}

static int check_heads(struct pcsim_world *w, void *arg)
{
	struct waitq_layer *L = arg;
	bool direct = pcsim_world_config(w)->mem == PCSIM_MEM_SC;
	for (unsigned i = 0; i < L->n; i++) {
		struct pcsim_wait_queue_head *q = L->heads[i];
		if (lock_word(direct, &q->lock)) {
			q->sig_valid = false;
			continue;
		}
		uint32_t len;
		uint64_t sum;
		char b[64];
		if (signature(direct, q, &len, &sum) < 0) {
			pcsim_fail("W1", "the list of wait queue %s is corrupted (a node's prev does "
					 "not point back)",
				   pcsim_trace_obj_label(w, pcsim_trace_obj(q), b, sizeof(b)));
			return 1;
		}
		if (q->sig_valid && (len != q->sig_len || sum != q->sig_sum)) {
			pcsim_fail("W1", "the list of wait queue %s changed while its lock was free "
					 "(%u -> %u entries)",
				   pcsim_trace_obj_label(w, pcsim_trace_obj(q), b, sizeof(b)),
				   q->sig_len, len);
			return 1;
		}
		q->sig_len = len;
		q->sig_sum = sum;
		q->sig_valid = true;
	}
	return 0;
}

/* The layer's state in @w; the first use registers W1 when the world checks invariants. */
static struct waitq_layer *layer(struct pcsim_world *w)
{
	bool fresh;
	struct waitq_layer *L = pcsim_world_layer(w, &layer_key, sizeof(*L), &fresh);
	if (fresh && (pcsim_world_config(w)->checks & PCSIM_CHECK_INVARIANTS) &&
	    pcsim_world_config(w)->backend == PCSIM_BACKEND_SIM)
		pcsim_state_invariant_register(w, "W1", check_heads, L);
	return L;
}

void pcsim__waitq_register(struct pcsim_wait_queue_head *q)
{
	struct pcsim_world *w = pcsim_world_current();
	if (!w)
		return;
	q->sig_valid = false;
	if (!(pcsim_world_config(w)->checks & PCSIM_CHECK_INVARIANTS) ||
	    pcsim_world_config(w)->backend != PCSIM_BACKEND_SIM)
		return;
	struct waitq_layer *L = layer(w);
	for (unsigned i = 0; i < L->n; i++)
		if (L->heads[i] == q)
			return;
	if (L->n == L->cap) {
		unsigned ncap = L->cap ? L->cap * 2 : 16;
		struct pcsim_wait_queue_head **nh = pcsim_alloc(w, ncap * sizeof(*nh));
		for (unsigned i = 0; i < L->n; i++)
			nh[i] = L->heads[i];
		L->heads = nh;
		L->cap = ncap;
	}
	L->heads[L->n++] = q;
}

void pcsim__waitq_assert_locked(struct pcsim_wait_queue_head *q, const char *fn)
{
	struct pcsim_world *w = pcsim_world_current();
	if (!w || !(pcsim_world_config(w)->checks & PCSIM_CHECK_INVARIANTS))
		return;
	if (!pcsim_in_interrupt() && !pcsim_current())
		return;		/* setup code */
	if (pcsim__load_np(&q->lock.locked.pcsim_private_, 4, PCSIM_MO_ONCE) == 0)
		pcsim_fail("W1", "%s() called without holding the wait queue's lock", fn);
	else
		pcsim_lockdep_assert_held(&q->lock);
}

void pcsim__waitq_check_next(struct pcsim_wait_queue_head *q, struct pcsim_wait_queue_entry *curr,
			     struct pcsim_wait_queue_entry *next)
{
	(void)curr;
	if (&next->entry == &q->head)
		return;
	struct pcsim_list_head *p = raw_ptr(false, &next->entry.prev);
	if (!p || p == PCSIM_LIST_POISON2 || p == &next->entry ||
	    raw_ptr(false, &p->next) != &next->entry)
		pcsim_fail("W2", "a wake callback unlinked an entry other than its own (the next "
				 "entry of the walk is no longer queued)");
}

void pcsim__waitq_set_cb_observer(struct pcsim_world *w, const struct pcsim__waitq_cb_observer *o)
{
	struct waitq_layer *L = layer(w);
	L->has_obs = o != NULL;
	if (o)
		L->obs = *o;
}

const struct pcsim__waitq_cb_observer *pcsim__waitq_cb_observer(void)
{
	struct pcsim_world *w = pcsim_world_current();
	if (!w || pcsim_world_config(w)->backend != PCSIM_BACKEND_SIM ||
	    !(pcsim_world_config(w)->checks & PCSIM_CHECK_INVARIANTS))
		return NULL;
	struct waitq_layer *L = layer(w);
	return L->has_obs ? &L->obs : NULL;
}

unsigned pcsim__waitq_walk_break_cnt(void)
{
	struct pcsim_world *w = pcsim_world_current();
	return w ? pcsim_waitq_config_get(pcsim_world_config(w))->walk_break_cnt : 64;
}
