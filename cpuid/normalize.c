// SPDX-License-Identifier: MIT
#include <string.h>

#include "normalize.h"

static void set_bits(struct cpuid_entry *e, enum cpuid_reg reg, uint32_t bits,
		     const char *why, struct normalize_result *r)
{
	uint32_t v = cpuid_entry_reg(e, reg);

	if ((v & bits) == bits)
		return;
	policy_change_add(r->changes, &r->nr_changes, NORMALIZE_MAX_CHANGES,
			  POLICY_CHANGE_BITS, e->leaf, e->subleaf, reg, v,
			  v | bits, why);
	cpuid_entry_set_reg(e, reg, v | bits);
}

int normalize_apply(struct cpuid_table *t, struct normalize_result *r)
{
	struct cpuid_entry *e = cpuid_table_find_mut(t, 1, 0);

	memset(r, 0, sizeof(*r));
	if (e)
		set_bits(e, CPUID_ECX, NORMALIZE_HYPERVISOR_BIT,
			 "hypervisor present (CPUID.1:ECX[31]): every VMM sets it; Linux reads leaf 0x40000000 only with it",
			 r);
	return 0;
}
