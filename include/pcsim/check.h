/* SPDX-License-Identifier: MIT */
/*
 * pcsim/check.h - violations and checks: pcsim_fail(), invariants after every step, forbidden
 * ranges, per-execution cleanup hooks. Context rules: <pcsim/config.h>.
 */
#ifndef PCSIM_CHECK_H
#define PCSIM_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcsim/export.h>
#include <pcsim/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Violations and invariants
 */

/**
 * pcsim_fail - report a violation of @what (an invariant id such as "P1" or a short name such
 * as "lost-wakeup") with a formatted message. In the sim backend the execution stops at once and
 * the call does not return; in the threads backend the first report is kept and the call
 * returns. Context: any, or setup (finish callback).
 */
PCSIM_API void pcsim_fail(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * pcsim_fail_internal - end the execution as PCSIM_OUTCOME_INTERNAL: the model itself cannot go
 * on as modelled (out of memory in a layer's own bookkeeping, a limit of the model reached),
 * which says nothing about the code under test. @what names the cause ("out-of-memory", ...).
 * Stops as pcsim_fail() does: in the sim backend the call does not return; in the threads
 * backend the first report is kept and the call returns, so the caller must then fail its
 * operation (e.g. return -ENOMEM) rather than go on. Context: any, or setup.
 */
PCSIM_API void pcsim_fail_internal(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * PCSIM_CHECK - if @cond is false, pcsim_fail(@what, ...). For invariants inside model code.
 */
#define PCSIM_CHECK(cond, what, ...)                  \
	do {                                          \
		if (__builtin_expect(!(cond), 0))     \
			pcsim_fail((what), __VA_ARGS__); \
	} while (0)

/**
 * pcsim_invariant_register - call @fn(@w, @arg) after every step of the sim backend while
 * PCSIM_CHECK_INVARIANTS is on. @fn returns 0 if the invariant holds or calls pcsim_fail()
 * (which does not return). Layers keep their checks incremental (look only at what the last step
 * could have changed). Context: setup. Return: 0 or -ENOSPC.
 */
PCSIM_API int pcsim_invariant_register(struct pcsim_world *w, const char *name,
				       int (*fn)(struct pcsim_world *w, void *arg), void *arg);

/**
 * pcsim_state_invariant_register - as pcsim_invariant_register(), for an invariant that is a
 * function of the execution's state alone: its verdict after a step depends on nothing but the
 * memory, tasks and model state there, and anything it keeps between calls (W1 keeps each wait
 * queue's last list signature) is seeded again by a first call. A search that re-executes a
 * decision prefix it has checked before (DFS: every execution but the first replays the previous
 * one's decisions up to the one it changes) then skips it for the prefix's states, which are
 * the previous execution's, and checks it from the last of them on (docs/explore.md, "What a
 * replayed prefix skips"). An invariant that counts its calls, or compares a state with one
 * more than a step away, must use pcsim_invariant_register(). Context: setup or any context of
 * the execution. Return: 0, -EINVAL (@w or @fn NULL) or -ENOSPC.
 */
PCSIM_API int pcsim_state_invariant_register(struct pcsim_world *w, const char *name,
					     int (*fn)(struct pcsim_world *w, void *arg),
					     void *arg);

/**
 * pcsim_forbid_access - from now on, a shared-memory access (load, store or read-modify-write)
 * by the calling context to [@addr, @addr + @size) stops the execution with a violation named
 * @what, until pcsim_allow_access(@addr). For rules of the form "after this point the caller
 * must not touch that object" (P7: a DROP page waiter after its put_page()); other contexts
 * may go on using it. @what is not copied (a string literal). Sim backend only: a no-op on
 * threads and outside a context.
 * Context: task or atomic. At most 16 ranges per execution at once (more is a violation,
 * "forbid-access"). Ranges end with the execution.
 */
PCSIM_API void pcsim_forbid_access(const void *addr, size_t size, const char *what);
/** pcsim_forbid_writes - as pcsim_forbid_access(), for stores and read-modify-writes only. */
PCSIM_API void pcsim_forbid_writes(const void *addr, size_t size, const char *what);
/** pcsim_allow_access - end the calling context's forbidden range that began at @addr. */
PCSIM_API void pcsim_allow_access(const void *addr);

/**
 * pcsim_exec_cleanup_register - call @fn(@w, @arg) once when the current execution ends, to
 * release what a layer allocated outside pcsim_alloc() (malloc'd memory, a liburcu table).
 * The hooks run after the program's finish() (or, when the execution failed, where finish()
 * would have been called; also when setup() itself failed), before the arena is recycled, last
 * registered first, on the thread that called pcsim_explore(), outside any task or atomic
 * context: a hook may use arena memory but must not call anything that needs a context (no
 * preemption point, no trace event, so the sim backend's traces do not change). By then every
 * task has exited and, on the threads backend, every event and call_rcu() callback has run.
 * If an execution on the threads backend hung and its threads could not be reclaimed, its
 * hooks are not called and what they would free is leaked, like the arena.
 * Context: setup or any context of a running execution. Locking: takes the world's global
 * lock (threads). Return: 0, or -EINVAL if @w or @fn is NULL.
 */
PCSIM_API int pcsim_exec_cleanup_register(struct pcsim_world *w,
					  void (*fn)(struct pcsim_world *w, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* PCSIM_CHECK_H */
