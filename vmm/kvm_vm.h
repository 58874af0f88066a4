/* SPDX-License-Identifier: MIT */
/*
 * A KVM virtual machine: /dev/kvm, the VM with its in-kernel irqchip and
 * PIT, the TSS and identity-map pages, guest RAM as one memory slot per
 * region (slot 0 from physical 0, slot 1 from 4 GiB when there is high
 * RAM), and the vCPUs with their shared kvm_run pages. Also installs and
 * reads back a CPUID table.
 */
#ifndef XSVM_VMM_KVM_VM_H
#define XSVM_VMM_KVM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "cpuid/table.h"
#include "guest_mem.h"

/*
 * Guest RAM: 16 MiB to 64 GiB, split around the 32-bit PCI hole as
 * guest_mem.h says. The TSS and identity-map pages are in the hole.
 */
#define VM_MEM_MIN (16ull << 20)
#define VM_MEM_MAX (64ull << 30)
#define VM_TSS_ADDR 0xfffbd000ull
#define VM_IDENTITY_MAP_ADDR 0xfffbc000ull

/* The most vCPUs a VM has: APIC IDs of an MP table stop at 254. */
#define VM_MAX_VCPUS 254u

/* An application processor: waits for INIT and SIPI from the guest. */
struct vm_ap {
	int fd;
	struct kvm_run *run;
	uint32_t id; /* KVM's vCPU ID, which is its APIC ID */
};

struct vm {
	int kvm_fd, vm_fd, vcpu_fd; /* vcpu_fd: the bootstrap processor's */
	struct kvm_run *run;
	size_t run_size;
	struct guest_mem mem; /* the caller's: not freed here */
	unsigned int nr_aps;
	struct vm_ap aps[VM_MAX_VCPUS - 1];
};

/* KVM memory slot of the first RAM region. */
#define VM_RAM_SLOT 0u

/*
 * The KVM_SET_USER_MEMORY_REGION arguments for mem: one per region, in
 * slot order. Returns how many.
 */
unsigned int
vm_mem_slots(const struct guest_mem *mem,
	     struct kvm_userspace_memory_region r[GUEST_MEM_MAX_REGIONS]);

/* Check a RAM size against VM_MEM_MIN/VM_MEM_MAX (whole MiB). */
int vm_mem_check(uint64_t mem_bytes, struct xsvm_err *err);

/*
 * Create the VM with mem (already mapped, see guest_mem_alloc()) as its
 * RAM, each region of guest_mem_regions() in memory slot VM_RAM_SLOT + its
 * index. On failure nothing is left open.
 */
int vm_create(struct vm *vm, const struct guest_mem *mem,
	      struct xsvm_err *err);
void vm_destroy(struct vm *vm);

/* KVM_SET_CPUID2 with every entry of t. */
int vm_set_cpuid(struct vm *vm, const struct cpuid_table *t,
		 struct xsvm_err *err);

/* The same for a vCPU's own descriptor (the BSP's or an AP's). */
int vm_set_cpuid_fd(int fd, const struct cpuid_table *t, struct xsvm_err *err);

/*
 * The most vCPUs this host's KVM lets a VM have (KVM_CAP_MAX_VCPUS, else
 * KVM_CAP_NR_VCPUS), capped at VM_MAX_VCPUS.
 */
unsigned int vm_max_vcpus(const struct vm *vm);

/*
 * Create an AP with vCPU ID id (its APIC ID; the BSP is 0). With KVM's
 * in-kernel LAPIC it starts in the wait-for-SIPI state. Returns 0, or
 * -errno with err set.
 */
int vm_add_ap(struct vm *vm, uint32_t id, struct xsvm_err *err);
/*
 * KVM_GET_CPUID2: what the guest will really see, exactly the entries KVM
 * holds on every kernel version (see vm_cpuid2_count()).
 */
int vm_get_cpuid(struct vm *vm, struct cpuid_table *t, struct xsvm_err *err);
int vm_get_cpuid_fd(int fd, struct cpuid_table *t, struct xsvm_err *err);

/* The filler of entries KVM_GET_CPUID2 did not write. */
#define VM_CPUID_UNSET 0xffffffffu
unsigned int vm_cpuid2_count(const struct kvm_cpuid2 *c, unsigned int asked);

/* Guest virtual to physical through the vCPU's current page tables. */
int vm_translate(struct vm *vm, uint64_t gva, uint64_t *gpa);
int vm_translate_fd(int fd, uint64_t gva, uint64_t *gpa);

/*
 * Deliver exception vector (one without an error code) to the guest at
 * its current RIP on the next KVM_RUN.
 */
int vm_inject_exception(struct vm *vm, unsigned int vector);

/*
 * KVM_IRQ_LINE: set ISA interrupt line irq (a GSI of KVM's default routing:
 * PIC and IOAPIC pin) to level. Safe from any thread.
 */
int vm_irq_line(struct vm *vm, unsigned int irq, int level);

/*
 * KVM_GET_MP_STATE and the interrupt flag: whether the vCPU is halted with
 * interrupts disabled, so that nothing but an NMI or INIT can wake it.
 */
int vm_vcpu_dead_halt(struct vm *vm, bool *dead);

#endif
