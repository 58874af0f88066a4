/* SPDX-License-Identifier: MIT */
/*
 * The CPUID service device: the port block of cpuid/service.h at
 * CPUID_SVC_PORT. The guest writes a request register by register; a write
 * of the command register answers it with cpuid_svc_answer() from the
 * built table (table 0, EBX of 0xD.0/0xD.1 for the guest's XCR0/XSS in the
 * builder's order) or from KVM's read-back (table 1, as stored), and the
 * answer stays readable until the next command.
 *
 * A COPY writes its records to guest RAM (cpuid_service_set_mem()); a
 * service without RAM answers it BAD_REQUEST.
 *
 * Only aligned 32-bit accesses inside the block count. Any other access
 * (byte, word, misaligned, running past the block) reads all-ones, writes
 * nothing and is counted in bad_accesses. Before the first command the
 * answer registers read as CPUID_SVC_NO_ENTRY with zeros.
 */
#ifndef XSVM_VMM_CPUID_SERVICE_H
#define XSVM_VMM_CPUID_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/service.h"
#include "cpuid/table.h"
#include "cpuid/xsave.h"
#include "guest_mem.h"

struct cpuid_service {
	struct cpuid_svc_request req;	 /* the registers written so far */
	struct cpuid_svc_answer ans;	 /* the last answer */
	const struct cpuid_table *built; /* table 0 */
	const struct cpuid_table *seen;	 /* table 1, KVM's; NULL: none */
	struct xsave_order order;	 /* the builder's, for 0xD.1 EBX */
	const struct guest_mem *mem;	 /* where COPY writes; NULL: none */
	uint64_t queries;		 /* command writes */
	uint64_t bad_accesses;		 /* accesses that did not count */
};

/* o NULL: ascending. The tables must outlive the service. */
void cpuid_service_init(struct cpuid_service *s,
			const struct cpuid_table *built,
			const struct cpuid_table *seen,
			const struct xsave_order *o);

/* Guest RAM for COPY; it must outlive the service. */
void cpuid_service_set_mem(struct cpuid_service *s, const struct guest_mem *m);

/*
 * One access of size bytes at CPUID_SVC_PORT + off, data in the guest's
 * (little-endian) byte order: written from data, or read into it.
 */
void cpuid_service_io(struct cpuid_service *s, unsigned int off, bool write,
		      uint8_t *data, unsigned int size);

#endif
