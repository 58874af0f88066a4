/* SPDX-License-Identifier: MIT */
/*
 * The vCPU state at the Linux 64-bit entry: a flat GDT, identity-mapping
 * page tables and the register values for KVM_SET_REGS / KVM_SET_SREGS.
 *
 * Guest memory written (addresses in boot_params.h):
 *   0x500  GDT: 0x00 null, 0x08 null, 0x10 64-bit code, 0x18 data,
 *          0x20 64-bit TSS (16 bytes, busy, base 0x580, limit 0x67)
 *   0x580  TSS, 104 bytes of zero but the I/O map base (0x68: no map)
 *   0x9000 PML4 -> 0xa000 PDPT -> 0xb000..0xe000 PDs of 2 MiB pages:
 *          an identity map of the first 4 GiB, whatever the RAM size (the
 *          kernel builds its own tables before touching more)
 *
 * State: long mode with paging (CR0 PE|MP|ET|NE|WP|PG, CR4 PAE|OSFXSR|
 * OSXMMEXCPT, EFER LME|LMA, CR3 0x9000), CS 0x10, DS/ES/FS/GS/SS 0x18,
 * TR 0x20, LDT unusable, IDT limit 0, RIP = entry, RSI = boot_params,
 * RSP 0x8ff0, RFLAGS 0x2 (interrupts off).
 */
#ifndef XSVM_VMM_BOOT_CPU_H
#define XSVM_VMM_BOOT_CPU_H

#include <linux/kvm.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "guest_mem.h"

#define BOOT_SEL_CODE 0x10
#define BOOT_SEL_DATA 0x18
#define BOOT_SEL_TSS  0x20
#define BOOT_GDT_SIZE 0x30 /* six 8-byte slots */
#define BOOT_TSS_SIZE 0x68

#define BOOT_CR0_PE	    (1ull << 0)
#define BOOT_CR0_MP	    (1ull << 1)
#define BOOT_CR0_ET	    (1ull << 4)
#define BOOT_CR0_NE	    (1ull << 5)
#define BOOT_CR0_WP	    (1ull << 16)
#define BOOT_CR0_PG	    (1ull << 31)
#define BOOT_CR4_PAE	    (1ull << 5)
#define BOOT_CR4_OSFXSR	    (1ull << 9)
#define BOOT_CR4_OSXMMEXCPT (1ull << 10)
#define BOOT_EFER_LME	    (1ull << 8)
#define BOOT_EFER_LMA	    (1ull << 10)
#define BOOT_RFLAGS	    0x2ull

#define BOOT_PTE_P  (1ull << 0)
#define BOOT_PTE_RW (1ull << 1)
#define BOOT_PTE_PS (1ull << 7)

/* Values for KVM_SET_REGS and the fields of KVM_SET_SREGS this module owns. */
struct boot_cpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/*
 * Write the GDT, TSS and page tables into m and fill *s for entering at
 * entry with RSI = boot_params_gpa. Both addresses must lie in RAM below
 * 4 GiB, else -EINVAL with the reason in err (nothing written).
 */
int boot_cpu_setup(struct guest_mem *m, uint64_t entry,
		   uint64_t boot_params_gpa, struct boot_cpu_state *s,
		   struct xsvm_err *err);

/*
 * Overwrite in sregs (typically from KVM_GET_SREGS) the fields set here:
 * segments, TR, LDT, GDT, IDT, CR0, CR3, CR4 and EFER. CR2, CR8, APIC base
 * and the pending-interrupt bitmap are left as they are.
 */
void boot_cpu_apply(struct kvm_sregs *sregs, const struct boot_cpu_state *s);

#endif
