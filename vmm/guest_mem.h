/* SPDX-License-Identifier: MIT */
/*
 * Guest physical memory as the VMM sees it: size bytes of RAM in one
 * anonymous mapping at hva, laid out in guest physical space around the
 * 32-bit PCI hole as a PC's is:
 *
 *   low RAM   [0, min(size, 3 GiB))              at hva + gpa
 *   the hole  [3 GiB, 4 GiB): no RAM (the IOAPIC, the LAPIC, KVM's TSS and
 *             identity-map pages are here)
 *   high RAM  [4 GiB, 4 GiB + size - 3 GiB)      at hva + 3 GiB + (gpa - 4 GiB)
 *
 * so that RAM of up to 3 GiB is one region from 0 and anything more goes
 * on from 4 GiB. The hole starts at 3 GiB as in cloud-hypervisor
 * (MEM_32BIT_RESERVED_START, arch/src/x86_64/layout.rs) and in QEMU's pc
 * machine with 3.5 GiB of RAM or more (pc_init1(), hw/i386/pc_piix.c);
 * Firecracker and kvmtool start it at 3.25 GiB (MMIO_MEM_START,
 * KVM_32BIT_GAP_START).
 *
 * Every access a loader or device makes on the guest's behalf goes
 * through guest_mem_ptr(), which checks that the whole range is RAM of one
 * region: the hole and ranges that straddle it are refused.
 */
#ifndef XSVM_VMM_GUEST_MEM_H
#define XSVM_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"

#define GUEST_MEM_HOLE_START  0xc0000000ull  /* end of low RAM */
#define GUEST_MEM_HIGH_START  0x100000000ull /* start of high RAM */
#define GUEST_MEM_MAX_REGIONS 2u

struct guest_mem {
	uint8_t *hva;  /* host address of guest physical 0 */
	uint64_t size; /* bytes of RAM, both regions together */
};

/* One region of RAM: guest physical [gpa, gpa + size) at hva. */
struct guest_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

/* Bytes of RAM below the hole, from guest physical 0. */
static inline uint64_t guest_mem_low_size(const struct guest_mem *m)
{
	return m->size < GUEST_MEM_HOLE_START ? m->size : GUEST_MEM_HOLE_START;
}

/* Bytes of RAM from GUEST_MEM_HIGH_START (0 when all RAM is low). */
static inline uint64_t guest_mem_high_size(const struct guest_mem *m)
{
	return m->size - guest_mem_low_size(m);
}

/* One past the highest guest physical address of RAM. */
static inline uint64_t guest_mem_end(const struct guest_mem *m)
{
	uint64_t high = guest_mem_high_size(m);

	return high ? GUEST_MEM_HIGH_START + high : guest_mem_low_size(m);
}

/*
 * True when [gpa, gpa + len) lies inside one region of RAM (no overflow).
 * A zero-length range may sit at the end of a region.
 */
static inline bool guest_mem_contains(const struct guest_mem *m, uint64_t gpa,
				      uint64_t len)
{
	uint64_t low = guest_mem_low_size(m), high = guest_mem_high_size(m);

	if (gpa < GUEST_MEM_HIGH_START)
		return gpa <= low && len <= low - gpa;
	gpa -= GUEST_MEM_HIGH_START;
	return high && gpa <= high && len <= high - gpa;
}

/* Host pointer for [gpa, gpa + len), or NULL when it is not all RAM. */
static inline void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa,
				  uint64_t len)
{
	if (!guest_mem_contains(m, gpa, len))
		return NULL;
	if (gpa < GUEST_MEM_HIGH_START)
		return m->hva + gpa;
	return m->hva + GUEST_MEM_HOLE_START + (gpa - GUEST_MEM_HIGH_START);
}

/*
 * The regions of RAM in ascending guest physical order, r[0] the low one;
 * returns how many there are (1 or 2; 0 for no RAM).
 */
unsigned int
guest_mem_regions(const struct guest_mem *m,
		  struct guest_mem_region r[GUEST_MEM_MAX_REGIONS]);

/*
 * Map size bytes of anonymous memory for guest RAM, reserved lazily: pages
 * cost nothing until the guest or a loader touches them.
 */
int guest_mem_alloc(struct guest_mem *m, uint64_t size, struct xsvm_err *err);
void guest_mem_free(struct guest_mem *m);

#endif
