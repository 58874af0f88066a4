/* SPDX-License-Identifier: MIT */
/*
 * The Intel MultiProcessor Specification 1.4 table that lets Linux find
 * the APs: a floating pointer at MPTABLE_GPA (the top KiB of base memory,
 * which Linux scans and the e820 map reserves) and the configuration table
 * right after it.
 *
 * Entries: one processor per vCPU (its APIC ID, the first the bootstrap
 * processor), the ISA bus, the IOAPIC, one I/O interrupt per ISA IRQ 0-15
 * to the IOAPIC pin of the same number (KVM's default GSI routing, which
 * xsvm keeps), LINT0 as ExtINT to the bootstrap processor and LINT1 as NMI
 * to all.
 */
#ifndef XSVM_VMM_MPTABLE_H
#define XSVM_VMM_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "guest_mem.h"

#define MPTABLE_GPA	 0x9fc00ull
#define MPTABLE_LAPIC	 0xfee00000u
#define MPTABLE_IOAPIC	 0xfec00000u
#define MPTABLE_ISA_IRQS 16u

/* Bytes of the floating pointer and table for nr_cpus processors. */
size_t mptable_size(unsigned int nr_cpus);

/*
 * Write the table for the processors with APIC IDs ids[0..nr_cpus) (ids[0]
 * the bootstrap processor) into guest RAM. The IOAPIC's ID is the highest
 * APIC ID + 1. Returns 0, or -EINVAL with err set when it does not fit
 * below 1 MiB or an ID does not fit 8 bits.
 */
int mptable_write(const struct guest_mem *mem, const uint32_t *ids,
		  unsigned int nr_cpus, struct xsvm_err *err);

#endif
