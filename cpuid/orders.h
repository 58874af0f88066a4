/* SPDX-License-Identifier: MIT */
/*
 * Order analysis: every distinct compacted size that some visiting order of
 * the enabled extended components produces, with the exact number of orders
 * that give it. Exact for all 19 extended components (19! ~ 1.2e17 orders)
 * without enumerating them.
 */
#ifndef XSVM_CPUID_ORDERS_H
#define XSVM_CPUID_ORDERS_H

#include <stdint.h>

#include "err.h"
#include "xsave.h"

#define ORDERS_MAX_SIZES 256
/* n! must fit in 64 bits: 20! < 2^64 < 21! */
#define ORDERS_MAX_COMPONENTS 20

struct orders_size {
	uint32_t size;
	uint64_t orders;
};

struct orders_result {
	unsigned int nr_components;
	uint64_t orders_total; /* nr_components! */
	uint32_t ascending_size; /* the architectural (in-order) size */
	unsigned int nr_sizes;
	struct orders_size sizes[ORDERS_MAX_SIZES]; /* ascending by size */
};

/*
 * Analyse the layout of the enabled components of l. Returns 0, or -E2BIG
 * with err set: more than ORDERS_MAX_COMPONENTS components, more distinct
 * sizes than ORDERS_MAX_SIZES, or so many size classes modulo 64 that the
 * exact count would exceed the fixed scratch space or work bound.
 */
int orders_analyse(const struct xsave_layout *l, struct orders_result *r,
		   struct xsvm_err *err);

#endif
