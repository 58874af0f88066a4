// SPDX-License-Identifier: MIT
/*
 * The Linux model once the kernel has entered a state (see linux.c): the
 * per-component and size checks of 6.x and of 5.15, and every line the
 * kernel prints about them, in its order.
 */
#include <stdio.h>
#include <string.h>

#include "linux_impl.h"

/* __stringify(nr_macro) in the XCHECK_SZ of 5.15 and 6.1 */
static const char *const xfeature_macros[XFEATURE_KNOWN_NR] = {
	[XFEATURE_YMM] = "XFEATURE_YMM",
	[XFEATURE_BNDREGS] = "XFEATURE_BNDREGS",
	[XFEATURE_BNDCSR] = "XFEATURE_BNDCSR",
	[XFEATURE_OPMASK] = "XFEATURE_OPMASK",
	[XFEATURE_ZMM_HI256] = "XFEATURE_ZMM_Hi256",
	[XFEATURE_HI16_ZMM] = "XFEATURE_Hi16_ZMM",
	[XFEATURE_PKRU] = "XFEATURE_PKRU",
	[XFEATURE_PASID] = "XFEATURE_PASID",
	[XFEATURE_XTILE_CFG] = "XFEATURE_XTILE_CFG",
};

static const char unknown_name[] = "unknown xstate feature";

/* The next free line, or a scratch buffer once the result is full. */
static char *line_slot(struct linux_model *m)
{
	struct linux_result *r = m->r;

	if (r->nr_lines >= LINUX_MAX_LINES)
		return m->overflow;
	return r->lines[r->nr_lines++];
}

#define emit(m, ...) snprintf(line_slot(m), LINUX_LINE_LEN, __VA_ARGS__)

/* __xstate_dump_leaves(): subleaves 0..XFEATURE_MAX+9, once per boot. */
static void dump_leaves(struct linux_model *m)
{
	if (m->dumped)
		return;
	m->dumped = true;
	for (unsigned int i = 0; i < m->vi->xfeature_max + 10; i++) {
		const struct cpuid_entry *e = cpuid_table_find(m->t, XSAVE_LEAF, i);
		struct cpuid_entry z = { .leaf = XSAVE_LEAF, .subleaf = i };

		if (!e)
			e = &z;
		emit(m, "CPUID[%02x, %02x]: eax=%08x ebx=%08x ecx=%08x edx=%08x",
		     XSAVE_LEAF, i, e->eax, e->ebx, e->ecx, e->edx);
	}
}

/* The kernel's component name: xfeature_names[] of each version. */
static const char *feature_name(const struct linux_version_info *vi,
				unsigned int i)
{
	const struct xsave_component_info *c = xsave_component_info(i);

	if (!c || !(vi->named & BIT(i)))
		return unknown_name;
	if (i == XFEATURE_CET_S && vi->cet_kernel)
		return "Control-flow Kernel registers (KVM only)";
	return c->linux_name;
}

static uint32_t comp_size(const struct linux_model *m, unsigned int i)
{
	return cpuid_table_reg(m->t, XSAVE_LEAF, i, CPUID_EAX);
}

static bool comp_supervisor(const struct linux_model *m, unsigned int i)
{
	return cpuid_table_reg(m->t, XSAVE_LEAF, i, CPUID_ECX) &
	       XSAVE_ECX_SUPERVISOR;
}

/* check_xtile_data_against_struct(): TILEDATA against leaf 0x1D. */
static void check_tile_data(struct linux_model *m, uint32_t size)
{
	uint32_t max_palid = cpuid_table_reg(m->t, LEAF_TILE, 0, CPUID_EAX);
	uint32_t max_tile = 0, state_size;

	for (uint32_t p = 1; p <= max_palid && p <= TILE_MAX_PALETTES; p++) {
		uint16_t bytes = cpuid_table_reg(m->t, LEAF_TILE, p, CPUID_EAX) >> 16;
		uint16_t names = cpuid_table_reg(m->t, LEAF_TILE, p, CPUID_EBX) >> 16;

		if (bytes != KERNEL_TILE_BYTES) {
			emit(m, "XFEATURE_XTILE_DATA: struct is %u bytes, cpu xtile %d bytes",
			     KERNEL_TILE_BYTES, bytes);
			dump_leaves(m);
			return;
		}
		if (names > max_tile)
			max_tile = names;
	}
	state_size = KERNEL_TILE_BYTES * max_tile;
	if (size != state_size) {
		emit(m, "XFEATURE_XTILE_DATA: calculated size is %u bytes, cpu state %d bytes",
		     state_size, (int)size);
		dump_leaves(m);
	}
}

/* The XCHECK_SZ warning: the CPU's size against the kernel's struct. */
static void check_struct_size(struct linux_model *m, unsigned int i)
{
	uint32_t sz = comp_size(m, i);
	uint32_t ksz = xsave_component_info(i)->kernel_size;

	if (sz == ksz)
		return;
	if (m->vi->named_struct_warn)
		emit(m, "[%s]: struct is %u bytes, cpu state %d bytes",
		     feature_name(m->vi, i), ksz, (int)sz);
	else
		emit(m, "%s: struct is %u bytes, cpu state %d bytes",
		     xfeature_macros[i], ksz, (int)sz);
	dump_leaves(m);
}

/*
 * check_xstate_against_struct() of 6.x: false (XSAVE disabled) for a
 * component the kernel has no structure for.
 */
static bool check_struct_6x(struct linux_model *m, unsigned int i)
{
	if (!(m->vi->has_struct & BIT(i))) {
		if (m->vi->old_warn_texts) {
			emit(m, "no structure for xstate: %u", i);
			emit(m, "XSAVE consistency problem, dumping leaves");
		} else {
			emit(m, "XSAVE consistency problem: No structure for xstate: %u",
			     i);
		}
		dump_leaves(m);
		return false;
	}
	if (i == XFEATURE_XTILE_DATA)
		check_tile_data(m, comp_size(m, i));
	else
		check_struct_size(m, i);
	return true;
}

/* xstate_calculate_size() of 6.x for a mask, in the given format. */
static uint32_t calculate_size(const struct linux_model *m, uint64_t mask,
			       bool compacted)
{
	struct xsave_layout l;
	uint32_t best_off = 0, size = XSAVE_EXT_START;

	if (compacted)
		return xsave_compacted_size(m->t, mask);
	xsave_layout_compute(m->t, mask, &l);
	if (!l.nr)
		return XSAVE_EXT_START;
	if (!m->vi->largest_offset) {
		const struct xsave_slot *s = &l.slot[l.nr - 1];

		return s->standard_offset + s->comp.size;
	}
	/* 6.16+: the component placed last, not the highest-numbered one */
	for (unsigned int k = 0; k < l.nr; k++) {
		const struct xsave_slot *s = &l.slot[k];

		if (!s->comp.supervisor && s->standard_offset >= best_off) {
			best_off = s->standard_offset;
			size = best_off + s->comp.size;
		}
	}
	return size;
}

/* paranoid_xstate_size_valid() of 6.x. */
static bool paranoid_size_valid_6x(struct linux_model *m)
{
	struct linux_result *r = m->r;

	for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
		if (!(r->max_features & BIT(i)))
			continue;
		if (!check_struct_6x(m, i))
			return false;
		if (!r->xsaves && comp_supervisor(m, i)) {
			if (m->vi->old_warn_texts)
				emit(m, "XSAVE consistency problem, dumping leaves");
			else
				emit(m, "XSAVE consistency problem: Got supervisor feature %u, but XSAVES not advertised",
				     i);
			dump_leaves(m);
			return false;
		}
	}
	r->size = calculate_size(m, r->max_features, r->compacted);
	if (r->size == r->reported_size)
		return true;
	if (m->vi->old_warn_texts)
		emit(m, "XSAVE consistency problem, dumping leaves");
	else
		emit(m, "XSAVE consistency problem: size %u != kernel_size %u",
		     r->size, r->reported_size);
	dump_leaves(m);
	memcpy(r->warn_site, m->vi->warn_site, sizeof(r->warn_site));
	return false;
}

/* Which of 5.15's WARN_ONCE call sites have fired. */
struct old_warned {
	bool no_struct, supervisor, fixed_offset;
};

/* XSTATE_WARN_ON() of 5.15: no sizes, only a dump. */
static void old_xstate_warn(struct linux_model *m)
{
	emit(m, "XSAVE consistency problem, dumping leaves");
	dump_leaves(m);
	m->r->consistent = false;
}

/* check_xstate_against_struct() of 5.15: warns, never fails. */
static void check_struct_old(struct linux_model *m, unsigned int i,
			     struct old_warned *w)
{
	if (m->vi->has_struct & BIT(i)) {
		check_struct_size(m, i);
		return;
	}
	if (w->no_struct)
		return;
	w->no_struct = true;
	emit(m, "no structure for xstate: %u", i);
	old_xstate_warn(m);
}

/*
 * One step of 5.15's size walk: align in both formats; in the standard
 * format jump to the component's offset (-1 for a supervisor component,
 * which has none); then add the size.
 */
static uint32_t old_walk_step(struct linux_model *m, unsigned int i,
			      uint32_t size, struct old_warned *w)
{
	struct xsave_comp c;

	xsave_comp_read(m->t, i, &c);
	if (c.aligned)
		size = xsave_align_up(size);
	if (!m->r->xsaves) {
		if (m->vi->sup_fixed_offset & BIT(i)) {
			if (!w->fixed_offset)
				emit(m, "No fixed offset for xstate %u", i);
			w->fixed_offset = true;
			size = UINT32_MAX;
		} else {
			size = c.offset;
		}
	}
	return size + c.size;
}

/* do_extra_xstate_size_checks() of 5.15: warns, XSAVE stays enabled. */
static void old_size_checks(struct linux_model *m)
{
	struct linux_result *r = m->r;
	struct old_warned w = { false, false, false };
	uint32_t size = XSAVE_EXT_START;

	for (unsigned int i = 2; i < m->vi->xfeature_max; i++) {
		if (!(r->max_features & BIT(i)))
			continue;
		check_struct_old(m, i, &w);
		if (!r->xsaves && comp_supervisor(m, i) && !w.supervisor) {
			w.supervisor = true;
			old_xstate_warn(m);
		}
		size = old_walk_step(m, i, size, &w);
	}
	r->size = size;
	if (size != r->reported_size) {
		old_xstate_warn(m);
		memcpy(r->warn_site, m->vi->warn_site, sizeof(r->warn_site));
	}
}

/*
 * setup_xstate_cache() (setup_xstate_features() in 5.15), before 6.16:
 * the standard offsets of the enabled user components must ascend from
 * the end of the header; the first that does not is reported once, by
 * the offset before it. A warning only.
 */
void linux_setup_cache(struct linux_model *m)
{
	uint64_t mask = m->r->max_features;
	uint32_t last = XSAVE_EXT_START;

	if (!m->vi->misordered_warn)
		return;
	for (unsigned int i = 2; i < m->vi->xfeature_max; i++) {
		uint32_t off;

		if (!(mask & BIT(i)) || comp_supervisor(m, i))
			continue;
		off = cpuid_table_reg(m->t, XSAVE_LEAF, i, CPUID_EBX);
		if (last > off) {
			emit(m, "x86/fpu: misordered xstate at %d", (int)last);
			return;
		}
		last = off;
	}
}

/* print_xstate_features() */
static void print_features(struct linux_model *m)
{
	uint64_t mask = m->r->max_features & m->vi->printed;

	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++)
		if (mask & BIT(i))
			emit(m, "x86/fpu: Supporting XSAVE feature 0x%03llx: '%s'",
			     (unsigned long long)BIT(i), feature_name(m->vi, i));
}

/* print_xstate_offset_size() and the closing "Enabled" line. */
static void print_layout(struct linux_model *m)
{
	struct linux_result *r = m->r;

	for (unsigned int k = 0; k < r->layout.nr; k++) {
		const struct xsave_slot *s = &r->layout.slot[k];
		unsigned int i = s->comp.index;
		int off = (int)s->standard_offset;

		if (i >= m->vi->xfeature_max && m->vi->old_check)
			continue;
		if (r->compacted)
			off = (int)s->compacted_offset;
		else if (m->vi->old_check && s->comp.supervisor)
			off = -1; /* 5.15 leaves no offset for these */
		emit(m, "x86/fpu: xstate_offset[%u]: %4d, xstate_sizes[%u]: %4d",
		     i, off, i, (int)s->comp.size);
	}
	emit(m, "x86/fpu: Enabled xstate features 0x%llx, context size is %d bytes, using '%s' format.",
	     (unsigned long long)r->max_features, (int)r->reported_size,
	     r->compacted ? "compacted" : "standard");
}

/* fpu__init_disable_system_xstate() */
static void disable_xsave(struct linux_model *m)
{
	m->r->xsave_enabled = false;
	m->r->consistent = false;
	if (m->vi->says_disabled)
		emit(m, "x86/fpu: XSAVE disabled");
}

void linux_run_5_15(struct linux_model *m)
{
	struct linux_result *r = m->r;

	if (r->reported_size > KERNEL_FPSTATE_BUF) {
		emit(m, "x86/fpu: xstate buffer too small (%u < %d), disabling xsave",
		     KERNEL_FPSTATE_BUF, (int)r->reported_size);
		disable_xsave(m);
		return;
	}
	old_size_checks(m);
	/* setup_init_fpu_buf(): setup_xstate_features(), then the list */
	linux_setup_cache(m);
	print_features(m);
	print_layout(m);
}

void linux_run_6x(struct linux_model *m)
{
	struct linux_result *r = m->r;
	uint64_t def = r->max_features & ~MASK_USER_DYNAMIC;
	uint32_t def_size;

	/* 5.16-6.0.6: is_supported_xstate_size(), before the check */
	if (m->vi->old_buffer_check) {
		def_size = calculate_size(m, def, r->compacted);
		if (def_size > KERNEL_FPSTATE_BUF) {
			emit(m, "x86/fpu: xstate buffer too small (%u < %d), disabling xsave",
			     KERNEL_FPSTATE_BUF, (int)def_size);
			disable_xsave(m);
			return;
		}
	}
	if (!paranoid_size_valid_6x(m)) {
		disable_xsave(m);
		return;
	}
	def_size = calculate_size(m, def, r->compacted);
	if (!m->vi->old_buffer_check && def_size > KERNEL_FPSTATE_BUF) {
		if (m->vi->says_disabled)
			emit(m, "x86/fpu: init_fpstate buffer too small (%u < %d)",
			     KERNEL_FPSTATE_BUF, (int)def_size);
		else
			emit(m, "x86/fpu: init_fpstate buffer too small (%u < %d), disabling XSAVE",
			     KERNEL_FPSTATE_BUF, (int)def_size);
		disable_xsave(m);
		return;
	}
	/* before 5.18, setup_init_fpu_buf() checks the order once all passed */
	if (m->vi->misordered_late)
		linux_setup_cache(m);
	print_features(m);
	print_layout(m);
}

/* The messages of the early exits, before any state is entered. */
void linux_early_exit(struct linux_model *m, const struct linux_entry *en)
{
	switch (en->stage) {
	case STAGE_NO_FPU:
		emit(m, "x86/fpu: No FPU detected");
		break;
	case STAGE_NO_XSAVE:
		emit(m, "x86/fpu: x87 FPU will use %s",
		     en->flags.fxsr ? "FXSAVE" : "FSAVE");
		break;
	case STAGE_NO_FPSSE:
		emit(m, "x86/fpu: FP/SSE not present amongst the CPU's xstate features: 0x%llx.",
		     (unsigned long long)en->raw);
		disable_xsave(m);
		break;
	case STAGE_APX_MPX:
		emit(m, "x86/fpu: Both APX/MPX present in the CPU's xstate features: 0x%llx.",
		     (unsigned long long)en->raw);
		disable_xsave(m);
		break;
	case STAGE_ENTERED:
		break;
	}
}
