/* SPDX-License-Identifier: MIT */
/*
 * fiber_x86_64.S - the sim backend's context switch on x86-64 (fiber.c). Models no kernel
 * function (the engine's own switch; the kernel's is __switch_to_asm).
 *
 * pcsim__fiber_swap(void **save_sp, void *new_sp, void *top, void (*entry)(void *), void *arg):
 * save the callee-saved registers on the current stack and store the stack pointer in
 * *save_sp; then, if new_sp is not NULL, switch to it and restore from there (the fiber resumes
 * in its own call of this function); if it is NULL, the target fiber has never run: move to
 * top (16-byte aligned) and call entry(arg), which never returns. Nothing is written on a new
 * stack beforehand, and a new fiber's first frame is entered by a call, not by a return to an
 * address the return-stack predictor never saw. One function, one call site in fiber.c: every
 * suspended fiber resumes at the same return address, which is what the predictor's top entry
 * (pushed by the switching fiber's own call) says.
 */
#if defined(__x86_64__)
	.text
	.globl	pcsim__fiber_swap
	.hidden	pcsim__fiber_swap
	.type	pcsim__fiber_swap, @function
pcsim__fiber_swap:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	testq	%rsi, %rsi
	jz	1f
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
1:
	movq	%rdx, %rsp
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r8, %rdi
	callq	*%rcx
	ud2
	.cfi_endproc
	.size	pcsim__fiber_swap, .-pcsim__fiber_swap
#endif
	.section .note.GNU-stack,"",@progbits
