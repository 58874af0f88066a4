/* SPDX-License-Identifier: MIT */
/*
 * The test guest's 64-bit entry, reached like a Linux kernel's startup_64:
 * long mode, the first 4 GiB identity-mapped, CS 0x10, DS/SS 0x18,
 * interrupts off, RSI = boot_params, RSP = 0x8ff0 (vmm/boot_cpu.h).
 *
 * Switch to the guest's own stack, clear .bss, load the IDT and call
 * guest_main(boot_params), which never returns.
 */
#define STACK_SIZE 0x10000

	.section .text.entry, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	cli
	cld
	movq	%rsi, %r12		/* boot_params, callee-saved */
	leaq	stack_top(%rip), %rsp
	xorl	%ebp, %ebp

	/* .bss: 8-byte aligned at both ends by guest.ld. */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq

	call	idt_init
	movq	%r12, %rdi
	call	guest_main
1:	cli
	hlt
	jmp	1b
	.size	_start, . - _start

	/* Outside [__bss_start, __bss_end): never needs clearing. */
	.section .stack, "aw", @nobits
	.align	16
stack_bottom:
	.skip	STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
