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

const char *cpuid_xsave_change_name(unsigned int bit)
{
	static const char *const names[CPUID_XSAVE_NR_CHANGES] = {
		"added",  "removed", "subleaf",	   "size",
		"offset", "align64", "supervisor", "xfd",
	};

	return bit < CPUID_XSAVE_NR_CHANGES ? names[bit] : "?";
}

const char *cpuid_xsave_size_name(enum cpuid_xsave_size_id id)
{
	static const char *const names[CPUID_XSAVE_NR_SIZES] = {
		"ebx0", "ecx0", "ebx1", "standard_size", "compacted_size",
	};

	return (unsigned int)id < CPUID_XSAVE_NR_SIZES ? names[id] : "?";
}

uint32_t cpuid_xsave_size(const struct cpuid_xsave_sizes *s,
			  enum cpuid_xsave_size_id id)
{
	switch (id) {
	case CPUID_XSAVE_EBX0:
		return s->ebx0;
	case CPUID_XSAVE_ECX0:
		return s->ecx0;
	case CPUID_XSAVE_EBX1:
		return s->ebx1;
	case CPUID_XSAVE_STANDARD:
		return s->standard_size;
	case CPUID_XSAVE_COMPACTED:
		return s->compacted_size;
	default:
		return 0;
	}
}

static void xsave_sizes(const struct cpuid_table *t,
			struct cpuid_xsave_sizes *s)
{
	s->user = xsave_supported_user(t);
	s->supervisor = xsave_supported_supervisor(t);
	s->ebx0 = cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_EBX);
	s->ecx0 = cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_ECX);
	s->ebx1 = cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_EBX);
	s->standard_size = xsave_standard_size(t, s->user);
	s->compacted_size = xsave_compacted_size(t, s->user | s->supervisor);
}

static unsigned int comp_changes(const struct xsave_comp *a,
				 const struct xsave_comp *b)
{
	unsigned int c = 0;

	if (a->present != b->present)
		c |= CPUID_XSAVE_SUBLEAF;
	if (a->size != b->size)
		c |= CPUID_XSAVE_SIZE;
	if (a->offset != b->offset)
		c |= CPUID_XSAVE_OFFSET;
	if (a->aligned != b->aligned)
		c |= CPUID_XSAVE_ALIGN64;
	if (a->supervisor != b->supervisor)
		c |= CPUID_XSAVE_SUPERVISOR;
	if (a->xfd != b->xfd)
		c |= CPUID_XSAVE_XFD;
	return c;
}

void cpuid_xsave_diff(const struct cpuid_table *a, const struct cpuid_table *b,
		      struct cpuid_xsave_diff *x)
{
	uint64_t ma, mb;

	memset(x, 0, sizeof(*x));
	xsave_sizes(a, &x->a);
	xsave_sizes(b, &x->b);
	ma = x->a.user | x->a.supervisor;
	mb = x->b.user | x->b.supervisor;
	x->added = mb & ~ma;
	x->removed = ma & ~mb;
	for (unsigned int i = 0; i < CPUID_XSAVE_NR_SIZES; i++)
		if (cpuid_xsave_size(&x->a, (enum cpuid_xsave_size_id)i) !=
		    cpuid_xsave_size(&x->b, (enum cpuid_xsave_size_id)i))
			x->sizes_changed |= 1u << i;
	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++) {
		struct cpuid_xsave_comp_diff *c = &x->c[x->nr];

		memset(c, 0, sizeof(*c));
		c->index = i;
		c->in_a = ma & XFEATURE_BIT(i);
		c->in_b = mb & XFEATURE_BIT(i);
		if (c->in_b && !c->in_a)
			c->changes |= CPUID_XSAVE_ADDED;
		if (c->in_a && !c->in_b)
			c->changes |= CPUID_XSAVE_REMOVED;
		if (i >= 2) {
			xsave_comp_read(a, i, &c->a);
			xsave_comp_read(b, i, &c->b);
			c->changes |= comp_changes(&c->a, &c->b);
		}
		if (c->changes)
			x->nr++;
	}
}

bool cpuid_xsave_diff_empty(const struct cpuid_xsave_diff *x)
{
	return !x->nr && !x->sizes_changed && x->a.user == x->b.user &&
	       x->a.supervisor == x->b.supervisor;
}
