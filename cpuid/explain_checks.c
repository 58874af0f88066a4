// SPDX-License-Identifier: MIT
/*
 * The checks of a table before any size (see explain_impl.h): subleaves
 * missing, supervisor components without XSAVES, components the kernel
 * has no struct for or a size other than its struct's, standard offsets.
 */
#include "explain_impl.h"

#define BIT(i) XFEATURE_BIT(i)

/* f: enabled components whose subleaf is absent or reports size 0. */
void explain_check_missing(const struct cpuid_table *t,
			   const struct explain_log *log,
			   struct explain_result *r)
{
	unsigned int idx[EXPLAIN_MAX_SUBLEAF], n = 0;
	struct explain_buf b;

	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		const struct cpuid_entry *e;

		if (!(r->mask & BIT(i)))
			continue;
		e = cpuid_table_find(t, XSAVE_LEAF, i);
		if (e && e->eax)
			continue;
		r->missing_subleaves |= BIT(i);
		idx[n++] = i;
	}
	if (!n)
		return;
	b = explain_cause_buf(r, EXPLAIN_MISSING_SUBLEAF);
	explain_put(&b, "%s for enabled component%s ",
		    n == 1 ? "subleaf missing" : "subleaves missing",
		    n == 1 ? "" : "s");
	for (unsigned int k = 0; k < n; k++)
		explain_put(&b, "%s0xd.%u (%s)",
			    k == 0 ? "" : k + 1 == n ? " and " : ", ", idx[k],
			    explain_comp_name(idx[k]));
	if (log->dump == EXPLAIN_DUMP_DMESG && log->dump_lines &&
	    (log->dump_cut ||
	     log->dump_lines < linux_dump_lines(r->version)))
		explain_put(&b, ": the log's CPUID dump stops before %s",
			    n == 1 ? "it" : "them");
	else
		explain_put(&b, ": the kernel reads %s as 0 bytes",
			    n == 1 ? "its size" : "their sizes");
}

/* e: a supervisor component in the state without XSAVES. */
bool explain_check_no_xsaves(const struct cpuid_table *t,
			     const struct explain_log *log,
			     struct explain_result *r)
{
	int found = -1;
	struct explain_buf b;

	if (r->xsaves)
		return false;
	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS && found < 0; i++)
		if ((r->mask & BIT(i)) &&
		    (cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_ECX) &
		     XSAVE_ECX_SUPERVISOR))
			found = (int)i;
	if (found < 0 && log->have_supervisor_warning &&
	    log->warn_supervisor_feature < XSAVE_MAX_COMPONENTS)
		found = (int)log->warn_supervisor_feature;
	if (found < 0)
		return false;
	b = explain_cause_buf(r, EXPLAIN_NO_XSAVES);
	explain_put(&b, "supervisor component without XSAVES: component %d (%s) has 0xd.%d ECX bit 0 (supervisor) set but 0xd.1 EAX bit 3 (XSAVES) is clear, so the kernel stops before the size check and disables XSAVE",
		    found, explain_comp_name((unsigned int)found), found);
	return true;
}

/* A component the kernel has no structure for (it stops there). */
bool explain_check_no_struct(const struct explain_log *log,
			     struct explain_result *r)
{
	struct explain_buf b;
	unsigned int i;

	if (!log->have_no_struct_warning ||
	    log->warn_no_struct_feature >= XSAVE_MAX_COMPONENTS)
		return false;
	i = log->warn_no_struct_feature;
	b = explain_cause_buf(r, EXPLAIN_NO_STRUCT);
	explain_put(&b, "component %u (%s) is enabled but the kernel has no structure for it, so it stops before the size check",
		    i, explain_comp_name(i));
	return r->version != LINUX_5_15;
}

/* d: sizes that differ from the kernel's own structs. */
void explain_check_struct_sizes(const struct cpuid_table *t,
				struct explain_result *r)
{
	for (unsigned int i = 2; i < XFEATURE_KNOWN_NR; i++) {
		const struct xsave_component_info *ci = xsave_component_info(i);
		uint32_t sz = cpuid_table_reg(t, XSAVE_LEAF, i, CPUID_EAX);
		struct explain_buf b;

		if (!(r->mask & BIT(i)) || !ci->kernel_size || !sz ||
		    sz == ci->kernel_size)
			continue;
		b = explain_cause_buf(r, EXPLAIN_STRUCT_SIZE);
		explain_put(&b, "component %u (%s) is %u bytes in 0xd.%u EAX but the kernel's struct is %u bytes",
			    i, ci->short_name, sz, i, ci->kernel_size);
	}
}

/* d, for TILEDATA: the kernel's size comes from leaf 0x1D (the log says). */
void explain_check_tile(const struct explain_log *log, struct explain_result *r)
{
	struct explain_buf b;

	if (!log->have_tile_warning)
		return;
	b = explain_cause_buf(r, EXPLAIN_STRUCT_SIZE);
	explain_put(&b, "component 18 (tiledata) is %u bytes in 0xd.18 EAX but the kernel's size from the tile palettes of leaf 0x1d is %u bytes",
		    log->warn_tile_state, log->warn_tile_calculated);
}

/* g: standard offsets of user components overlapping or descending. */
void explain_check_offsets(struct explain_result *r)
{
	const struct xsave_slot *prev = NULL;
	struct explain_buf b;

	for (unsigned int k = 0; k < r->layout.nr; k++) {
		const struct xsave_slot *s = &r->layout.slot[k];
		uint64_t prev_end;

		if (s->comp.supervisor || !s->comp.size)
			continue;
		if (s->standard_offset < XSAVE_EXT_START) {
			b = explain_cause_buf(r, EXPLAIN_OFFSETS);
			explain_put(&b, "standard offsets out of order: component %u (%s) is at %u (0xd.%u EBX), inside the legacy area and header that end at %u",
				    s->comp.index,
				    explain_comp_name(s->comp.index),
				    s->standard_offset, s->comp.index,
				    XSAVE_EXT_START);
			return;
		}
		if (prev) {
			prev_end = (uint64_t)prev->standard_offset + prev->comp.size;
			if (s->standard_offset < prev_end) {
				b = explain_cause_buf(r, EXPLAIN_OFFSETS);
				explain_put(&b, "standard offsets %s: component %u (%s) is at %u (0xd.%u EBX) but component %u (%s) occupies %u..%llu",
					    s->standard_offset < prev->standard_offset ?
						    "out of ascending order" :
						    "overlap",
					    s->comp.index,
					    explain_comp_name(s->comp.index),
					    s->standard_offset, s->comp.index,
					    prev->comp.index,
					    explain_comp_name(prev->comp.index),
					    prev->standard_offset,
					    (unsigned long long)prev_end);
				return;
			}
		}
		prev = s;
	}
}

