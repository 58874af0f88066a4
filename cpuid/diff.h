/* SPDX-License-Identifier: MIT */
/*
 * Register-by-register differences between two CPUID tables, e.g. the
 * table a VMM installed and the one KVM reports back (what the guest sees).
 */
#ifndef XSVM_CPUID_DIFF_H
#define XSVM_CPUID_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"

#define CPUID_DIFF_MAX 256

enum cpuid_diff_kind {
	CPUID_DIFF_CHANGED, /* both have the entry; reg differs */
	CPUID_DIFF_MISSING, /* only a has the entry */
	CPUID_DIFF_ADDED,   /* only b has the entry */
};

struct cpuid_diff_entry {
	enum cpuid_diff_kind kind;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg; /* CHANGED only */
	uint32_t a, b;	    /* CHANGED: the two values */
};

struct cpuid_diff {
	unsigned int nr;	/* recorded, at most CPUID_DIFF_MAX */
	unsigned int total;	/* all differences, recorded or not */
	struct cpuid_diff_entry d[CPUID_DIFF_MAX];
};

/* Compare a with b in (leaf, subleaf) order. */
void cpuid_table_diff(const struct cpuid_table *a, const struct cpuid_table *b,
		      struct cpuid_diff *d);

/* "changed", "missing", "added" */
const char *cpuid_diff_kind_name(enum cpuid_diff_kind k);

#endif
