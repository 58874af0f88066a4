/* SPDX-License-Identifier: MIT */
/*
 * CPUID table: entries keyed by (leaf, subleaf), kept sorted, no duplicates.
 *
 * Pure C11 with a fixed capacity: no allocation, no global state, so the same
 * code serves the CLI, the VMM and the freestanding test guest.
 */
#ifndef XSVM_CPUID_TABLE_H
#define XSVM_CPUID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CPUID_TABLE_MAX 512

/* Same meaning as KVM_CPUID_FLAG_SIGNIFCANT_INDEX in kvm_cpuid_entry2. */
#define CPUID_FLAG_INDEXED 0x1u

struct cpuid_entry {
	uint32_t leaf;
	uint32_t subleaf;
	uint32_t flags;
	uint32_t eax;
	uint32_t ebx;
	uint32_t ecx;
	uint32_t edx;
};

struct cpuid_table {
	unsigned int nr;
	struct cpuid_entry e[CPUID_TABLE_MAX];
};

/* Register selectors, in EAX..EDX order. */
enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX, CPUID_NR_REGS };

extern const char *const cpuid_reg_names[CPUID_NR_REGS];

void cpuid_table_init(struct cpuid_table *t);

/* True for leaves whose output depends on the subleaf (ECX) input. */
bool cpuid_leaf_is_indexed(uint32_t leaf);

/*
 * Insert a new entry in sorted position. Returns 0, -EEXIST for a duplicate
 * (leaf, subleaf) or -ENOSPC when the table is full. The flags field is set
 * from cpuid_leaf_is_indexed().
 */
int cpuid_table_add(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);

/* Insert or overwrite. Returns 0 or -ENOSPC. */
int cpuid_table_set(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);

/*
 * Exact lookup by (leaf, subleaf); for a leaf that is not indexed, any subleaf
 * finds the subleaf-0 entry, as the CPUID instruction would.
 */
const struct cpuid_entry *cpuid_table_find(const struct cpuid_table *t,
					   uint32_t leaf, uint32_t subleaf);
struct cpuid_entry *cpuid_table_find_mut(struct cpuid_table *t, uint32_t leaf,
					 uint32_t subleaf);

/* Remove one entry; returns true when it existed. */
bool cpuid_table_remove(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf);

/* Remove every subleaf of a leaf; returns the number removed. */
unsigned int cpuid_table_remove_leaf(struct cpuid_table *t, uint32_t leaf);

/* Register value, or 0 when the entry is absent (as CPUID reads it). */
uint32_t cpuid_table_reg(const struct cpuid_table *t, uint32_t leaf,
			 uint32_t subleaf, enum cpuid_reg reg);

/*
 * Set one register of an existing entry; false (and nothing written) when
 * the entry is absent.
 */
bool cpuid_table_set_reg(struct cpuid_table *t, uint32_t leaf,
			 uint32_t subleaf, enum cpuid_reg reg, uint32_t val);

/* Test one bit of a register; false when the entry is absent. */
bool cpuid_table_bit(const struct cpuid_table *t, uint32_t leaf,
		     uint32_t subleaf, enum cpuid_reg reg, unsigned int bit);

static inline uint32_t cpuid_entry_reg(const struct cpuid_entry *e,
				       enum cpuid_reg reg)
{
	const uint32_t r[CPUID_NR_REGS] = { e->eax, e->ebx, e->ecx, e->edx };

	return r[reg];
}

void cpuid_entry_set_reg(struct cpuid_entry *e, enum cpuid_reg reg,
			 uint32_t val);

/*
 * Print an entry in the dump format of DESIGN.md:
 * "leaf=0x0000000d subleaf=0x2 eax=0x... ebx=0x... ecx=0x... edx=0x...".
 * Returns what snprintf returns.
 */
int cpuid_entry_format(const struct cpuid_entry *e, char *buf, size_t len);

/* FNV-1a 64-bit over the entries in order: a stable fingerprint of a table. */
uint64_t cpuid_table_hash(const struct cpuid_table *t);

#endif
