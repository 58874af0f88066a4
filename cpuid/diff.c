// SPDX-License-Identifier: MIT
#include <string.h>

#include "diff.h"

static void record(struct cpuid_diff *d, const struct cpuid_diff_entry *e)
{
	if (d->nr < CPUID_DIFF_MAX)
		d->d[d->nr++] = *e;
	d->total++;
}

static int key_cmp(const struct cpuid_entry *x, const struct cpuid_entry *y)
{
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	if (x->subleaf != y->subleaf)
		return x->subleaf < y->subleaf ? -1 : 1;
	return 0;
}

static void compare_regs(const struct cpuid_entry *x,
			 const struct cpuid_entry *y, struct cpuid_diff *d)
{
	for (unsigned int r = 0; r < CPUID_NR_REGS; r++) {
		struct cpuid_diff_entry e = {
			.kind = CPUID_DIFF_CHANGED,
			.leaf = x->leaf,
			.subleaf = x->subleaf,
			.reg = (enum cpuid_reg)r,
			.a = cpuid_entry_reg(x, (enum cpuid_reg)r),
			.b = cpuid_entry_reg(y, (enum cpuid_reg)r),
		};

		if (e.a != e.b)
			record(d, &e);
	}
}

void cpuid_table_diff(const struct cpuid_table *a, const struct cpuid_table *b,
		      struct cpuid_diff *d)
{
	unsigned int i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	while (i < a->nr || j < b->nr) {
		const struct cpuid_entry *x = i < a->nr ? &a->e[i] : NULL;
		const struct cpuid_entry *y = j < b->nr ? &b->e[j] : NULL;
		int c = !x ? 1 : !y ? -1 : key_cmp(x, y);
		struct cpuid_diff_entry e = { 0 };

		if (!c) {
			compare_regs(x, y, d);
			i++;
			j++;
			continue;
		}
		e.kind = c < 0 ? CPUID_DIFF_MISSING : CPUID_DIFF_ADDED;
		e.leaf = c < 0 ? x->leaf : y->leaf;
		e.subleaf = c < 0 ? x->subleaf : y->subleaf;
		record(d, &e);
		if (c < 0)
			i++;
		else
			j++;
	}
}

const char *cpuid_diff_kind_name(enum cpuid_diff_kind k)
{
	switch (k) {
	case CPUID_DIFF_CHANGED:
		return "changed";
	case CPUID_DIFF_MISSING:
		return "missing";
	case CPUID_DIFF_ADDED:
		return "added";
	}
	return "?";
}
