/* SPDX-License-Identifier: MIT */
/*
 * Guest physical memory as the VMM sees it: one contiguous RAM region from
 * guest physical address 0, mapped at hva. Every access a loader or device
 * makes on the guest's behalf goes through guest_mem_ptr(), which checks
 * the whole range.
 */
#ifndef XSVM_VMM_GUEST_MEM_H
#define XSVM_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"

struct guest_mem {
	uint8_t *hva;  /* host address of guest physical 0 */
	uint64_t size; /* bytes of RAM */
};

/* True when [gpa, gpa + len) lies inside RAM (no overflow). */
static inline bool guest_mem_contains(const struct guest_mem *m, uint64_t gpa,
				      uint64_t len)
{
	return gpa <= m->size && len <= m->size - gpa;
}

/* Host pointer for [gpa, gpa + len), or NULL when it is not all RAM. */
static inline void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa,
				  uint64_t len)
{
	return guest_mem_contains(m, gpa, len) ? m->hva + gpa : NULL;
}

/*
 * Map size bytes of anonymous memory for guest RAM, reserved lazily: pages
 * cost nothing until the guest or a loader touches them.
 */
int guest_mem_alloc(struct guest_mem *m, uint64_t size, struct xsvm_err *err);
void guest_mem_free(struct guest_mem *m);

#endif
