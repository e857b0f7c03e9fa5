// SPDX-License-Identifier: MIT
/*
 * fiber.c - stacks and context switches for the sim backend (see fiber.h). Models no kernel
 * function: it is the engine's own context switch.
 *
 * Every stack starts with a small header (struct stack_hdr, at its lowest address): the TSan
 * context of the fiber on it, and for ASan the lowest address at which a fiber's frames may have
 * left poison ("dirty"). ASan's instrumented frames poison their redzones on entry and clear
 * them on return; the frames of a fiber that is abandoned (a violation, the end of an execution)
 * or dies (an atomic context's last switch) never return, so their redzones stay. They can only
 * lie above the stack pointer of the fiber's last switch out, which every switch records. A
 * fiber starting on a used stack unpoisons [dirty, top) instead of the whole stack, and a stack
 * going back to the pool has that range poisoned instead, so a use of a dead fiber's frame
 * (a pointer kept into an atomic context's stack after it returned, or into any fiber's stack
 * after its execution ended) is reported by ASan until the stack is reused.
 */
#include "sim/fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* PCSIM_ASAN, PCSIM_TSAN: fiber.h */

#if defined(PCSIM_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(PCSIM_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

#define GUARD 4096u

/* At the lowest address of every stack (see the top of this file). */
struct stack_hdr {
	void *tsan;		/* TSan: the context of the fiber on the stack, or NULL */
	uintptr_t dirty;	/* ASan: no poison below this; 0 = unknown (everything) */
	size_t size;		/* the stack's size (pcsim__stack_recycled() is given none) */
};

static inline struct stack_hdr *stack_hdr(void *stack)
{
	return stack;
}

#if defined(PCSIM_ASAN)
/* The part of a used stack that may carry poison: [*lo, top). */
static bool stack_dirty(void *stack, size_t size, uintptr_t *lo)
{
	uintptr_t base = (uintptr_t)stack + sizeof(struct stack_hdr);
	uintptr_t top = (uintptr_t)stack + size;
	uintptr_t d = stack_hdr(stack)->dirty;
	if (d >= top)
		return false;		/* nothing ran on it since it was last cleaned */
	*lo = d < base ? base : d & ~(uintptr_t)7;	/* 0: unknown, all of it */
	return true;
}

/* The calling fiber is about to switch out: nothing of it below here can hold poison. */
static inline void stack_note_sp(struct pcsim__fiber *from)
{
	if (!from->stack)
		return;		/* the thread's own stack is ASan's to look after */
	uintptr_t sp;
#if defined(__x86_64__)
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
#else
	sp = (uintptr_t)__builtin_frame_address(0) - 1024;	/* this frame's locals */
#endif
	struct stack_hdr *h = stack_hdr(from->stack);
	if (sp < h->dirty)
		h->dirty = sp;
}
#endif

#if defined(PCSIM_TSAN)
/*
 * ThreadSanitizer: the TSan context of the fiber running on a stack is kept in the stack's
 * header (fiber structures live in the per-execution arena and are abandoned with it, a
 * stack is not). A context is created when a fiber is started on the stack and destroyed when
 * the stack is recycled at the end of the execution, so the contexts of fibers abandoned
 * mid-call (violations, deadlocks) never accumulate.
 */
static void tsan_stack_release(void *stack)
{
	struct stack_hdr *h = stack_hdr(stack);
	if (h->tsan) {
		__tsan_destroy_fiber(h->tsan);
		h->tsan = NULL;
	}
}

static void tsan_fiber_init(struct pcsim__fiber *f, void *stack)
{
	tsan_stack_release(stack);
	stack_hdr(stack)->tsan = f->tsan_fiber = __tsan_create_fiber(0);
}

/* Immediately before the stack switch; flags 0: the switch orders the two fibers. */
static inline void tsan_switch(struct pcsim__fiber *from, struct pcsim__fiber *to)
{
	if (!from->stack && !from->tsan_fiber)
		from->tsan_fiber = __tsan_get_current_fiber();
	__tsan_switch_to_fiber(to->tsan_fiber, 0);
}
#else
static inline void tsan_stack_release(void *stack)
{
	(void)stack;
}

static inline void tsan_fiber_init(struct pcsim__fiber *f, void *stack)
{
	(void)f;
	(void)stack;
}

static inline void tsan_switch(struct pcsim__fiber *from, struct pcsim__fiber *to)
{
	(void)from;
	(void)to;
}
#endif

void *pcsim__stack_alloc(size_t size)
{
	char *p = mmap(NULL, size + GUARD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Guard page below the stack: an overflow faults instead of corrupting a neighbour. */
	mprotect(p, GUARD, PROT_NONE);
	/* fresh memory: no TSan context, dirty 0 (unpoisoned whole at its first fiber) */
	stack_hdr(p + GUARD)->size = size;
	return p + GUARD;
}

void pcsim__stack_free(void *stack, size_t size)
{
	if (stack) {
		tsan_stack_release(stack);
#if defined(PCSIM_ASAN)
		/* The next mapping at this address must not inherit our poison. */
		__asan_unpoison_memory_region(stack, size);
#endif
		munmap((char *)stack - GUARD, size + GUARD);
	}
}

#if PCSIM_STACK_RECYCLE
void pcsim__stack_recycled(void *stack)
{
	tsan_stack_release(stack);
#if defined(PCSIM_ASAN)
	size_t size = stack_hdr(stack)->size;
	/* Its fibers are dead: what their frames covered is poisoned until the stack is reused
	 * (the header stays readable). */
	uintptr_t lo;
	if (stack_dirty(stack, size, &lo))
		__asan_poison_memory_region((void *)lo, (uintptr_t)stack + size - lo);
#endif
}
#endif

/* A fiber starts on @stack: clear the poison the fibers before it may have left, no more. */
static void stack_clean(void *stack, size_t size)
{
#if defined(PCSIM_ASAN)
	uintptr_t lo;
	if (stack_dirty(stack, size, &lo))
		__asan_unpoison_memory_region((void *)lo, (uintptr_t)stack + size - lo);
	stack_hdr(stack)->dirty = (uintptr_t)stack + size;
#else
	(void)stack;
	(void)size;
#endif
}

void pcsim__stack_restored(void *stack, size_t size)
{
	stack_clean(stack, size);
}

#if defined(PCSIM_FIBER_ASM)
void pcsim__fiber_swap(void **save_sp, void *new_sp, void *top, void (*entry)(void *),
		       void *arg);

/*
 * Nothing is written on the stack: the first switch to @f (sp still NULL) calls @entry on it,
 * later ones resume it where it switched out (fiber_x86_64.S).
 */
void pcsim__fiber_init(struct pcsim__fiber *f, void *stack, size_t size, void (*entry)(void *),
		       void *arg)
{
	stack_clean(stack, size);
	f->sp = NULL;
	f->entry = entry;
	f->arg = arg;
	f->top = (void *)(((uintptr_t)stack + size) & ~(uintptr_t)15);
	f->stack = stack;
	f->stack_size = size;
	f->sp_hint = (char *)stack + size;
	f->asan_fake = NULL;
	tsan_fiber_init(f, stack);
}

static inline void fiber_jump(struct pcsim__fiber *from, struct pcsim__fiber *to)
{
	pcsim__fiber_swap(&from->sp, to->sp, to->top, to->entry, to->arg);
}

void pcsim__fiber_switch(struct pcsim__fiber *from, struct pcsim__fiber *to, bool from_dies)
{
	from->sp_hint = __builtin_frame_address(0);
	tsan_switch(from, to);
#if defined(PCSIM_ASAN)
	stack_note_sp(from);
	__sanitizer_start_switch_fiber(from_dies ? NULL : &from->asan_fake,
				       to->stack ? to->stack : to->asan_bottom,
				       to->stack ? to->stack_size : to->asan_size);
	fiber_jump(from, to);
	/* Resumed: tell ASan which stack we came from (its bounds are unused). */
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(from->asan_fake, &bottom, &size);
#else
	(void)from_dies;
	fiber_jump(from, to);
#endif
}

#else /* ucontext fallback */

static void uc_entry(unsigned hi, unsigned lo, unsigned ahi, unsigned alo)
{
	void (*entry)(void *) =
		(void (*)(void *))(((uintptr_t)hi << 32) | (uintptr_t)lo);
	void *arg = (void *)(((uintptr_t)ahi << 32) | (uintptr_t)alo);
	entry(arg);
	abort();
}

void pcsim__fiber_init(struct pcsim__fiber *f, void *stack, size_t size, void (*entry)(void *),
		       void *arg)
{
	uintptr_t e = (uintptr_t)entry, a = (uintptr_t)arg;
	stack_clean(stack, size);
	getcontext(&f->uc);
	f->uc.uc_stack.ss_sp = stack;
	f->uc.uc_stack.ss_size = size;
	f->uc.uc_link = NULL;
	makecontext(&f->uc, (void (*)(void))uc_entry, 4, (unsigned)(e >> 32), (unsigned)e,
		    (unsigned)(a >> 32), (unsigned)a);
	f->stack = stack;
	f->stack_size = size;
	f->sp_hint = (char *)stack + size;
	f->asan_fake = NULL;
	tsan_fiber_init(f, stack);
}

void pcsim__fiber_switch(struct pcsim__fiber *from, struct pcsim__fiber *to, bool from_dies)
{
	from->sp_hint = __builtin_frame_address(0);
	tsan_switch(from, to);
#if defined(PCSIM_ASAN)
	stack_note_sp(from);
	__sanitizer_start_switch_fiber(from_dies ? NULL : &from->asan_fake,
				       to->stack ? to->stack : to->asan_bottom,
				       to->stack ? to->stack_size : to->asan_size);
	swapcontext(&from->uc, &to->uc);
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(from->asan_fake, &bottom, &size);
#else
	(void)from_dies;
	swapcontext(&from->uc, &to->uc);
#endif
}
#endif

void pcsim__fiber_started(struct pcsim__fiber *prev)
{
#if defined(PCSIM_ASAN)
	const void *bottom;
	size_t size;
	__sanitizer_finish_switch_fiber(NULL, &bottom, &size);
	/* The first fiber started from the thread's own stack learns that stack's bounds here. */
	if (prev && !prev->stack) {
		prev->asan_bottom = bottom;
		prev->asan_size = size;
	}
#else
	(void)prev;
#endif
}
