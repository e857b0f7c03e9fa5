/* SPDX-License-Identifier: MIT */
/*
 * pcsim__fiber_swap(void **save_sp, void *new_sp): save the callee-saved registers on the
 * current stack, store the stack pointer in *save_sp, switch to new_sp and restore from there.
 * A fresh stack (pcsim__fiber_init) holds six zero registers with r12 = entry, r13 = arg, and
 * returns into pcsim__fiber_trampoline, which calls entry(arg).
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

	.globl	pcsim__fiber_trampoline
	.hidden	pcsim__fiber_trampoline
	.type	pcsim__fiber_trampoline, @function
pcsim__fiber_trampoline:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	pcsim__fiber_trampoline, .-pcsim__fiber_trampoline
#endif
	.section .note.GNU-stack,"",@progbits
