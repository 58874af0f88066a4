/* SPDX-License-Identifier: MIT */
/*
 * The APs' way from the SIPI to C: copied by the BSP to TRAMP_BASE (a page
 * of low memory, the SIPI vector TRAMP_BASE >> 12), entered in real mode
 * at CS = TRAMP_BASE >> 4, IP 0. Protected mode with this file's own GDT,
 * where the AP reads its APIC ID and finds its vCPU index in
 * tramp_index_of; then PAE, the BSP's page tables (tramp_cr3), EFER.LME
 * and paging: long mode with the boot protocol's selectors (CS 0x10,
 * DS/SS 0x18, the ones the IDT's gates name). Then RSP = the end of its
 * area (tramp_areas + (index + 1) * tramp_area_size) and a call of
 * tramp_entry with EDI = index; the entry never returns. An AP whose APIC
 * ID has no index halts in protected mode.
 *
 * The BSP fills the tramp_* words (smp.c, which knows their offsets from
 * the symbols below) once, before the first SIPI: the APs only read them,
 * so all of them may run here at once.
 */
#include "smp.h"

#define ABS(x) (TRAMP_BASE + (x) - tramp_start)

	.section .rodata.trampoline, "a", @progbits
	.globl	tramp_start, tramp_end
	.globl	tramp_cr3, tramp_efer, tramp_areas, tramp_entry
	.globl	tramp_area_size, tramp_index_of
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
	movl	LAPIC_BASE + LAPIC_ID, %eax
	shrl	$24, %eax
	movzbl	ABS(tramp_index_of)(%eax), %edi
	cmpl	$SMP_NO_INDEX, %edi
	je	tramp_stop
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
tramp_stop:
	hlt
	jmp	tramp_stop

	.code64
tramp_64:
	leal	1(%edi), %eax
	movl	ABS(tramp_area_size), %ecx
	imulq	%rcx, %rax
	addq	ABS(tramp_areas), %rax
	movq	%rax, %rsp
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
tramp_areas:
	.quad	0
tramp_entry:
	.quad	0
tramp_cr3:
	.long	0
tramp_efer:
	.long	0
tramp_area_size:
	.long	0
tramp_index_of:
	.fill	256, 1, SMP_NO_INDEX
tramp_end:

	.section .note.GNU-stack, "", @progbits
