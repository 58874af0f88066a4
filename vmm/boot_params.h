/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 64-bit boot protocol, guest-memory side: the zero page
 * (struct boot_params), the command line, the initrd and the e820 map, as
 * the VMM writes them before entering a kernel (or the test guest, which
 * speaks the same protocol) at its 64-bit entry.
 *
 * Fixed placement in low guest RAM (all below the first usable byte a
 * kernel is ever loaded at):
 *
 *   0x00500  GDT (6 slots, 0x30 bytes)           written by boot_cpu_setup()
 *   0x00580  TSS (104 bytes, zero)               written by boot_cpu_setup()
 *   0x07000  boot_params, 4 KiB                  written here
 *   0x08ff0  initial stack pointer (grows down)
 *   0x09000  PML4, 0xa000 PDPT, 0xb000-0xefff four 2 MiB-page PDs
 *                                                written by boot_cpu_setup()
 *   0x20000  command line, at most 64 KiB with its NUL   written here
 *
 * e820: [0, 0x9fc00) RAM, [0x9fc00, 0x100000) reserved, [0x100000, end of
 * low RAM) RAM and, with more than 3 GiB, [4 GiB, end of high RAM) RAM
 * (guest_mem.h: the PCI hole [3 GiB, 4 GiB) is left out of the map).
 * Everything written here, the kernel and the initrd are in low RAM, inside
 * the boot page tables' 4 GiB identity map. The initrd goes page-aligned
 * at the highest address below min(initrd_addr_max + 1, end of low RAM)
 * that does not overlap the kernel, and never below 1 MiB.
 */
#ifndef XSVM_VMM_BOOT_PARAMS_H
#define XSVM_VMM_BOOT_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "guest_mem.h"

#define BOOT_LOW_START	 0x500ull /* first byte of the boot structures */
#define BOOT_GDT_GPA	 0x500ull
#define BOOT_TSS_GPA	 0x580ull
#define BOOT_PARAMS_GPA	 0x7000ull
#define BOOT_STACK_GPA	 0x8ff0ull
#define BOOT_PML4_GPA	 0x9000ull
#define BOOT_PDPT_GPA	 0xa000ull
#define BOOT_PD_GPA	 0xb000ull /* BOOT_PD_COUNT pages from here */
#define BOOT_PD_COUNT	 4u	   /* identity map of the first 4 GiB */
#define BOOT_CMDLINE_GPA 0x20000ull
#define BOOT_CMDLINE_MAX 0x10000u /* bytes reserved, NUL included */

#define BOOT_EBDA_START 0x9fc00ull     /* start of the reserved low hole */
#define BOOT_HIGH_START 0x100000ull    /* first usable byte above it */
#define BOOT_MAP_END	0x100000000ull /* end of the identity map */
#define BOOT_RAM_MIN	0x200000ull

#define BOOT_PARAMS_SIZE	     0x1000u
#define BOOT_HDR_OFFSET		     0x1f1u /* setup header in boot_params */
#define BOOT_HDR_MAX		     (0x290u - BOOT_HDR_OFFSET)
#define BOOT_INITRD_ADDR_MAX_DEFAULT 0x37ffffffu
#define BOOT_E820_MAX		     128u

/* boot_params offsets (FACTS.md section 6). */
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES	     0x1e8
#define BP_BOOT_FLAG	     0x1fe
#define BP_JUMP		     0x200
#define BP_HEADER	     0x202
#define BP_VERSION	     0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS	     0x211
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE	     0x21c
#define BP_CMD_LINE_PTR	     0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_CMDLINE_SIZE	     0x238
#define BP_E820_TABLE	     0x2d0

#define BOOT_LOADFLAGS_LOADED_HIGH 0x01
#define BOOT_E820_RAM		   1u
#define BOOT_E820_RESERVED	   2u

struct boot_config {
	/*
	 * The setup header as found in a bzImage from file offset 0x1f1, or
	 * NULL (length 0) for a plain ELF vmlinux or the test guest, in which
	 * case a minimal 2.15 header is written. At most up to the header's
	 * end (0x202 plus the byte at 0x201) and 0x290 is copied.
	 */
	const uint8_t *setup_header;
	size_t setup_header_len;
	/* [kernel_lo, kernel_hi): guest RAM the loaded kernel occupies. */
	uint64_t kernel_lo;
	uint64_t kernel_hi;
	const char *cmdline; /* NULL means empty */
	const uint8_t *initrd;
	uint64_t initrd_len; /* 0: no initrd */
	/*
	 * Highest byte the initrd may occupy. 0: the header's initrd_addr_max
	 * (protocol 2.03 and later), else 0x37ffffff.
	 */
	uint32_t initrd_addr_max;
};

/* Where everything went (guest physical addresses). */
struct boot_layout {
	uint64_t boot_params;
	uint64_t cmdline;
	uint32_t cmdline_len; /* without the NUL */
	uint64_t initrd;      /* 0 when there is no initrd */
	uint64_t initrd_len;
	uint64_t gdt;
	uint64_t pgtable; /* the PML4, the value of CR3 */
	uint64_t stack;
	uint64_t low_end; /* end of the low boot structures (command line) */
	uint32_t e820_entries;
};

/*
 * Validate the configuration against m, then write boot_params, the command
 * line and the initrd into guest RAM and describe the result in *out.
 * Nothing is written when an error is returned: -EINVAL (bad header, command
 * line too long, kernel range overlapping the boot structures or outside
 * RAM) or -E2BIG (initrd does not fit), with the reason in err.
 */
int boot_params_setup(struct guest_mem *m, const struct boot_config *c,
		      struct boot_layout *out, struct xsvm_err *err);

#endif
