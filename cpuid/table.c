// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "table.h"

const char *const cpuid_reg_names[CPUID_NR_REGS] = { "eax", "ebx", "ecx",
						     "edx" };

void cpuid_table_init(struct cpuid_table *t)
{
	t->nr = 0;
}

bool cpuid_leaf_is_indexed(uint32_t leaf)
{
	switch (leaf) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1a:
	case 0x1b:
	case 0x1d:
	case 0x1e:
	case 0x1f:
	case 0x20:
	case 0x23:
	case 0x24:
	case 0x8000001d:
	case 0x80000020:
	case 0x80000026:
		return true;
	default:
		return false;
	}
}

static int key_cmp(const struct cpuid_entry *e, uint32_t leaf, uint32_t sub)
{
	if (e->leaf != leaf)
		return e->leaf < leaf ? -1 : 1;
	if (e->subleaf != sub)
		return e->subleaf < sub ? -1 : 1;
	return 0;
}

/* Index of the first entry not less than (leaf, sub). */
static unsigned int lower_bound(const struct cpuid_table *t, uint32_t leaf,
				uint32_t sub)
{
	unsigned int lo = 0, hi = t->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (key_cmp(&t->e[mid], leaf, sub) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void fill(struct cpuid_entry *e, uint32_t leaf, uint32_t subleaf,
		 uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	e->leaf = leaf;
	e->subleaf = subleaf;
	e->flags = cpuid_leaf_is_indexed(leaf) ? CPUID_FLAG_INDEXED : 0;
	e->eax = eax;
	e->ebx = ebx;
	e->ecx = ecx;
	e->edx = edx;
}

int cpuid_table_add(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	unsigned int i = lower_bound(t, leaf, subleaf);

	if (i < t->nr && !key_cmp(&t->e[i], leaf, subleaf))
		return -EEXIST;
	if (t->nr >= CPUID_TABLE_MAX)
		return -ENOSPC;
	memmove(&t->e[i + 1], &t->e[i], (t->nr - i) * sizeof(t->e[0]));
	t->nr++;
	fill(&t->e[i], leaf, subleaf, eax, ebx, ecx, edx);
	return 0;
}

int cpuid_table_set(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf,
		    uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	unsigned int i = lower_bound(t, leaf, subleaf);

	if (i < t->nr && !key_cmp(&t->e[i], leaf, subleaf)) {
		fill(&t->e[i], leaf, subleaf, eax, ebx, ecx, edx);
		return 0;
	}
	return cpuid_table_add(t, leaf, subleaf, eax, ebx, ecx, edx);
}

struct cpuid_entry *cpuid_table_find_mut(struct cpuid_table *t, uint32_t leaf,
					 uint32_t subleaf)
{
	unsigned int i;

	if (!cpuid_leaf_is_indexed(leaf))
		subleaf = 0;
	i = lower_bound(t, leaf, subleaf);
	if (i < t->nr && !key_cmp(&t->e[i], leaf, subleaf))
		return &t->e[i];
	return NULL;
}

const struct cpuid_entry *cpuid_table_find(const struct cpuid_table *t,
					   uint32_t leaf, uint32_t subleaf)
{
	return cpuid_table_find_mut((struct cpuid_table *)t, leaf, subleaf);
}

bool cpuid_table_remove(struct cpuid_table *t, uint32_t leaf, uint32_t subleaf)
{
	unsigned int i = lower_bound(t, leaf, subleaf);

	if (i >= t->nr || key_cmp(&t->e[i], leaf, subleaf))
		return false;
	memmove(&t->e[i], &t->e[i + 1], (t->nr - i - 1) * sizeof(t->e[0]));
	t->nr--;
	return true;
}

unsigned int cpuid_table_remove_leaf(struct cpuid_table *t, uint32_t leaf)
{
	unsigned int i = lower_bound(t, leaf, 0), j = i;

	while (j < t->nr && t->e[j].leaf == leaf)
		j++;
	memmove(&t->e[i], &t->e[j], (t->nr - j) * sizeof(t->e[0]));
	t->nr -= j - i;
	return j - i;
}

uint32_t cpuid_table_reg(const struct cpuid_table *t, uint32_t leaf,
			 uint32_t subleaf, enum cpuid_reg reg)
{
	const struct cpuid_entry *e = cpuid_table_find(t, leaf, subleaf);

	return e ? cpuid_entry_reg(e, reg) : 0;
}

bool cpuid_table_set_reg(struct cpuid_table *t, uint32_t leaf,
			 uint32_t subleaf, enum cpuid_reg reg, uint32_t val)
{
	struct cpuid_entry *e = cpuid_table_find_mut(t, leaf, subleaf);

	if (e)
		cpuid_entry_set_reg(e, reg, val);
	return e;
}

bool cpuid_table_bit(const struct cpuid_table *t, uint32_t leaf,
		     uint32_t subleaf, enum cpuid_reg reg, unsigned int bit)
{
	return (cpuid_table_reg(t, leaf, subleaf, reg) >> bit) & 1;
}

void cpuid_entry_set_reg(struct cpuid_entry *e, enum cpuid_reg reg,
			 uint32_t val)
{
	switch (reg) {
	case CPUID_EAX:
		e->eax = val;
		break;
	case CPUID_EBX:
		e->ebx = val;
		break;
	case CPUID_ECX:
		e->ecx = val;
		break;
	default:
		e->edx = val;
		break;
	}
}

int cpuid_entry_format(const struct cpuid_entry *e, char *buf, size_t len)
{
	return snprintf(buf, len,
			"leaf=0x%08x subleaf=0x%x eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
			e->leaf, e->subleaf, e->eax, e->ebx, e->ecx, e->edx);
}

static uint64_t fnv_u32(uint64_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t cpuid_table_hash(const struct cpuid_table *t)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned int i = 0; i < t->nr; i++) {
		const struct cpuid_entry *e = &t->e[i];

		h = fnv_u32(h, e->leaf);
		h = fnv_u32(h, e->subleaf);
		h = fnv_u32(h, e->eax);
		h = fnv_u32(h, e->ebx);
		h = fnv_u32(h, e->ecx);
		h = fnv_u32(h, e->edx);
	}
	return h;
}
