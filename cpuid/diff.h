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
#include "xsave.h"

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

/*
 * Leaf 0xD of two tables, interpreted: which state components each
 * supports, how each component's description changed, and the sizes that
 * change with them.
 */

/* What changed about one component (bits of cpuid_xsave_comp_diff.changes). */
enum cpuid_xsave_change {
	CPUID_XSAVE_ADDED = 1u << 0,	  /* supported by b only (the masks) */
	CPUID_XSAVE_REMOVED = 1u << 1,	  /* supported by a only */
	CPUID_XSAVE_SUBLEAF = 1u << 2,	  /* 0xD.i exists in one table only */
	CPUID_XSAVE_SIZE = 1u << 3,	  /* 0xD.i EAX */
	CPUID_XSAVE_OFFSET = 1u << 4,	  /* 0xD.i EBX */
	CPUID_XSAVE_ALIGN64 = 1u << 5,	  /* 0xD.i ECX bit 1 */
	CPUID_XSAVE_SUPERVISOR = 1u << 6, /* 0xD.i ECX bit 0 */
	CPUID_XSAVE_XFD = 1u << 7,	  /* 0xD.i ECX bit 2 */
	CPUID_XSAVE_NR_CHANGES = 8,
};

/* "added", "removed", "subleaf", "size", "offset", "align64", "supervisor", "xfd" */
const char *cpuid_xsave_change_name(unsigned int bit);

struct cpuid_xsave_comp_diff {
	unsigned int index;
	unsigned int changes;	  /* enum cpuid_xsave_change bits */
	bool in_a, in_b;	  /* in the table's supported masks */
	struct xsave_comp a, b;	  /* 0xD.i of each table (i >= 2) */
};

/* The sizes one table reports and implies for the state it supports. */
struct cpuid_xsave_sizes {
	uint64_t user;		 /* 0xD.0 EDX:EAX */
	uint64_t supervisor;	 /* 0xD.1 EDX:ECX */
	uint32_t ebx0, ecx0;	 /* 0xD.0 EBX, ECX as the table says */
	uint32_t ebx1;		 /* 0xD.1 EBX as the table says */
	uint32_t standard_size;	 /* xsave_standard_size(user) */
	uint32_t compacted_size; /* xsave_compacted_size(user | supervisor) */
};

enum cpuid_xsave_size_id {
	CPUID_XSAVE_EBX0,
	CPUID_XSAVE_ECX0,
	CPUID_XSAVE_EBX1,
	CPUID_XSAVE_STANDARD,
	CPUID_XSAVE_COMPACTED,
	CPUID_XSAVE_NR_SIZES,
};

/* "ebx0", "ecx0", "ebx1", "standard_size", "compacted_size" */
const char *cpuid_xsave_size_name(enum cpuid_xsave_size_id id);
uint32_t cpuid_xsave_size(const struct cpuid_xsave_sizes *s,
			  enum cpuid_xsave_size_id id);

struct cpuid_xsave_diff {
	struct cpuid_xsave_sizes a, b;
	uint64_t added, removed;   /* component masks, user | supervisor */
	unsigned int sizes_changed; /* bit per enum cpuid_xsave_size_id */
	unsigned int nr;	    /* components with changes, ascending */
	struct cpuid_xsave_comp_diff c[XSAVE_MAX_COMPONENTS];
};

/*
 * Interpret leaf 0xD of a and b. Components 0..63 are compared: their
 * membership in 0xD.0 EDX:EAX | 0xD.1 EDX:ECX and, for i >= 2, the 0xD.i
 * subleaf. The sizes are those of the tables' own supported masks, in the
 * architectural (ascending) order.
 */
void cpuid_xsave_diff(const struct cpuid_table *a, const struct cpuid_table *b,
		      struct cpuid_xsave_diff *x);

/* True when leaf 0xD means the same in both tables. */
bool cpuid_xsave_diff_empty(const struct cpuid_xsave_diff *x);

#endif
