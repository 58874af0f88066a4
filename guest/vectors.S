/* SPDX-License-Identifier: MIT */
/*
 * Exception stubs for vectors 0-31, and the wake-up's at the end. Each stub makes the frame uniform
 * (pushes a zero error code when the CPU pushes none), pushes its vector
 * and jumps to the common path, which saves the registers C may clobber and
 * calls idt_exception(frame) on a 16-byte aligned stack. idt_exception()
 * returns only for a fault the code was guarding against (guest.h,
 * guard_*), having moved the frame's RIP past the instruction: the path
 * then restores the registers and returns with IRETQ.
 *
 * Frame, from the stub's last push upwards (struct idt_frame in idt.c):
 *   vector, error code, RIP, CS, RFLAGS, RSP, SS
 */

#include "smp.h"

/* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30. */

	.macro	stub vector, errcode
	.align	16
vector_\vector:
	.if	\errcode == 0
	pushq	$0
	.endif
	pushq	$\vector
	jmp	exception_common
	.endm

	.text
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 22, 23, 24, 25, 26, 27, 28, 31
	stub	\v, 0
	.endr
	.irp	v, 8, 10, 11, 12, 13, 14, 17, 21, 29, 30
	stub	\v, 1
	.endr

exception_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	cld
	leaq	80(%rsp), %rdi		/* the vector, above the 10 saved */
	movq	%rsp, %rbx
	andq	$-16, %rsp
	call	idt_exception
	movq	%rbx, %rsp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	/*
	 * SMP_WAKE_VECTOR (smp.h): an AP's wake-up IPI or the BSP's timer.
	 * Taking it was the point; it only ends itself at the local APIC
	 * (EOI at LAPIC_BASE + 0xb0, an address that fits 32 bits).
	 */
	.align	16
	.globl	vector_wake
vector_wake:
	pushq	%rax
	movl	$LAPIC_BASE + 0xb0, %eax
	movl	$0, (%rax)
	popq	%rax
	iretq

	/* The stub of each vector, in vector order, for idt_init(). */
	.section .rodata
	.align	8
	.globl	idt_stubs
idt_stubs:
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad	vector_\v
	.endr

	.section .note.GNU-stack, "", @progbits
