/*
 * ctx_switch(void **save_sp, void *new_sp): save the callee-saved registers
 * of the running context on its stack, store its stack pointer in *save_sp,
 * load new_sp and restore the registers saved there.  The "return" lands
 * wherever the new context last called ctx_switch, or in its entry
 * trampoline the first time (see task_stack_init in task.c).
 *
 * Hand-written because swapcontext() saves the signal mask with a syscall
 * on every switch; this is a dozen instructions.
 */
#if defined(__x86_64__)
	.text
	.globl	ctx_switch
	.type	ctx_switch, @function
ctx_switch:
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
	.size	ctx_switch, .-ctx_switch
#elif defined(__aarch64__)
	.text
	.globl	ctx_switch
	.type	ctx_switch, %function
ctx_switch:
	sub	sp, sp, #160
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mov	x2, sp
	str	x2, [x0]
	mov	sp, x1
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #160
	ret
	.size	ctx_switch, .-ctx_switch
#else
#error "mmlocksim: ctx_switch is written for x86-64 and aarch64 only"
#endif
	.section .note.GNU-stack,"",%progbits
