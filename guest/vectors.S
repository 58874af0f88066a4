/* SPDX-License-Identifier: MIT */
/*
 * Exception stubs for vectors 0-31. Each stub makes the frame uniform
 * (pushes a zero error code when the CPU pushes none), pushes its vector
 * and jumps to the common path, which calls idt_exception(frame) on a
 * 16-byte aligned stack. The guest never returns from an exception.
 *
 * Frame, from the stub's last push upwards (struct idt_frame in idt.c):
 *   vector, error code, RIP, CS, RFLAGS, RSP, SS
 */

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
	cld
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	idt_exception
1:	cli
	hlt
	jmp	1b

	/* The stub of each vector, in vector order, for idt_init(). */
	.section .rodata
	.align	8
	.globl	idt_stubs
idt_stubs:
	.irp	v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	.quad	vector_\v
	.endr

	.section .note.GNU-stack, "", @progbits
