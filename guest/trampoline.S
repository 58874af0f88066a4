/* SPDX-License-Identifier: MIT */
/*
 * The APs' way from the SIPI to C: copied by the BSP to TRAMP_BASE (a page
 * of low memory, the SIPI vector TRAMP_BASE >> 12), entered in real mode
 * at CS = TRAMP_BASE >> 4, IP 0. Protected mode with this file's own GDT,
 * then PAE, the BSP's page tables (tramp_cr3), EFER.LME and paging: long
 * mode with the boot protocol's selectors (CS 0x10, DS/SS 0x18, the ones
 * the IDT's gates name). Then RSP = tramp_stack and a call of tramp_entry
 * with EDI = tramp_index; the entry never returns.
 *
 * The BSP fills the tramp_* words (smp.c, which knows their offsets from
 * the symbols below) before each SIPI, and waits for that AP to say it has
 * arrived before it fills them again.
 */
#include "smp.h"

#define ABS(x) (TRAMP_BASE + (x) - tramp_start)

	.section .rodata.trampoline, "a", @progbits
	.globl	tramp_start, tramp_end
	.globl	tramp_cr3, tramp_efer, tramp_stack, tramp_entry, tramp_index
	.code16
tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tramp_gdtr - tramp_start
	movl	%cr0, %eax
	orl	$1, %eax		/* PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $ABS(tramp_32)

	.code32
tramp_32:
	movw	$0x18, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	ABS(tramp_cr3), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx	/* IA32_EFER */
	rdmsr
	orl	ABS(tramp_efer), %eax	/* LME, and NXE as the BSP has it */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax	/* PG */
	movl	%eax, %cr0
	ljmpl	$0x10, $ABS(tramp_64)

	.code64
tramp_64:
	movq	ABS(tramp_stack), %rsp
	movl	ABS(tramp_index), %edi
	xorl	%ebp, %ebp
	movq	ABS(tramp_entry), %rax
	callq	*%rax
1:	cli
	hlt
	jmp	1b

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x18: data, flat */
tramp_gdtr:
	.word	tramp_gdtr - tramp_gdt - 1
	.long	ABS(tramp_gdt)
	.balign	8
tramp_stack:
	.quad	0
tramp_entry:
	.quad	0
tramp_cr3:
	.long	0
tramp_efer:
	.long	0
tramp_index:
	.long	0
tramp_end:

	.section .note.GNU-stack, "", @progbits
