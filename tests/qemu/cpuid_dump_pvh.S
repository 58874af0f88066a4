/* SPDX-License-Identifier: MIT */
/*
 * cpuid-dump-pvh: the same dump as a bare guest. QEMU's -kernel enters an
 * ELF file at its PVH entry point (the Xen ELF note 18) in 32-bit
 * protected mode with paging off, on any -cpu model, 32-bit ones too. The
 * guest prints the dump on COM1 and leaves through QEMU's isa-debug-exit
 * device at port 0xf4 (QEMU then exits with status 1). It runs before any
 * operating system: XCR0 is its reset value, 1.
 */
	.section .note.pvh, "a", @note
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 4			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start

	.text
	.code32
	.globl pvh_start
pvh_start:
	cli
	movl $stack_top, %esp
	call pvh_main
	movw $0xf4, %dx
	xorl %eax, %eax
	outb %al, %dx
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.skip 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
