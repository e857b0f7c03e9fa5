/* SPDX-License-Identifier: MIT */
/*
 * pcsim__fiber_swap(void **save_sp, void *new_sp): save the callee-saved registers on the
 * current stack, store the stack pointer in *save_sp, switch to new_sp and restore from there.
 *
 * pcsim__fiber_start(void **save_sp, void *top, void (*entry)(void *), void *arg): the first
 * switch to a fiber. Saves the caller exactly as pcsim__fiber_swap does (so a later swap back
 * resumes it), then moves to @top (16-byte aligned) and calls entry(arg), which never returns.
 * Nothing is written on the new stack beforehand, and the new fiber's first frame is entered by
 * a call, not by a return to an address the return-stack predictor never saw.
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
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	pcsim__fiber_swap, .-pcsim__fiber_swap

	.globl	pcsim__fiber_start
	.hidden	pcsim__fiber_start
	.type	pcsim__fiber_start, @function
pcsim__fiber_start:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%rcx, %rdi
	callq	*%rdx
	ud2
	.cfi_endproc
	.size	pcsim__fiber_start, .-pcsim__fiber_start
#endif
	.section .note.GNU-stack,"",@progbits
