/* SPDX-License-Identifier: MIT */
/*
 * fiber.h - user-level contexts for the sim backend.
 *
 * On x86-64 the switch is six pushes, a stack swap and six pops (fiber_x86_64.S): no system
 * call, no signal-mask save (swapcontext costs an rt_sigprocmask per switch). A fiber's first
 * switch calls its entry on the new stack instead (nothing is prepared on the stack). Elsewhere it
 * falls back to ucontext. Every switch is annotated for AddressSanitizer
 * (__sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber) so ASan follows the stacks,
 * and for ThreadSanitizer (__tsan_switch_to_fiber): each fiber has a TSan context of its own,
 * created when a fiber is started on a stack and destroyed when the stack is recycled, so TSan's
 * shadow call stack never mixes the frames of two fibers (without this it overflows after a
 * few thousand executions and the process crashes).
 */
#ifndef PCSIM_FIBER_H
#define PCSIM_FIBER_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PCSIM_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define PCSIM_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PCSIM_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define PCSIM_TSAN 1
#endif

#if defined(__x86_64__)
#define PCSIM_FIBER_ASM 1
#else
#include <ucontext.h>
#endif

struct pcsim__fiber {
#if defined(PCSIM_FIBER_ASM)
	void *sp;		/* while switched out; NULL until first switched to */
	void (*entry)(void *);	/* what the first switch calls, on the fiber's stack */
	void *arg;
	void *top;		/* where the first switch puts the stack pointer */
#else
	ucontext_t uc;
#endif
	void *stack;		/* lowest usable address (NULL for the thread's own stack) */
	void *sp_hint;		/* while switched out: every live frame lies above this */
	size_t stack_size;
	void *asan_fake;	/* ASan fake-stack handle while switched out */
	const void *asan_bottom;	/* the thread's own stack, learned at the first switch */
	size_t asan_size;
	void *tsan_fiber;	/* TSan context (TSan builds; the thread's own for the main fiber) */
	struct pcsim__watchdog *wd;	/* main fiber only: the watchdog of the world (sched.c) */
};

/* Prepare @f to run @entry(@arg) on [@stack, @stack + @size) when first switched to. */
void pcsim__fiber_init(struct pcsim__fiber *f, void *stack, size_t size, void (*entry)(void *),
		       void *arg);
/* Save the running context into @from and resume @to. @from_dies: @from is never resumed. */
void pcsim__fiber_switch(struct pcsim__fiber *from, struct pcsim__fiber *to, bool from_dies);
/* First thing a new fiber's entry does (ASan bookkeeping of the switch that started it). */
void pcsim__fiber_started(struct pcsim__fiber *prev);

void *pcsim__stack_alloc(size_t size);
void pcsim__stack_free(void *stack, size_t size);
/* Every fiber started on @stack is gone (end of execution): release what it held (TSan) and,
 * under ASan, poison what its fibers' frames covered. Nothing to do without a sanitizer
 * (PCSIM_STACK_RECYCLE is then 0 and callers may skip their loops). */
#if defined(PCSIM_ASAN) || defined(PCSIM_TSAN)
#define PCSIM_STACK_RECYCLE 1
void pcsim__stack_recycled(void *stack);
#else
#define PCSIM_STACK_RECYCLE 0
static inline void pcsim__stack_recycled(void *stack)
{
	(void)stack;
}
#endif
/* A stack from the pool gets back the frames of a snapshot (sim/snap.c): under ASan, clear
 * the poison its fibers may have left, as for a fiber starting on it. Nothing to do without. */
void pcsim__stack_restored(void *stack, size_t size);

#endif
