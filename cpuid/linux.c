// SPDX-License-Identifier: MIT
/*
 * A model of the Linux kernel's XSAVE initialisation
 * (arch/x86/kernel/fpu/xstate.c: fpu__init_system_xstate() and the
 * consistency check run from init_xstate_size()), per kernel version.
 *
 * The model follows the kernel's order of events: raw feature masks,
 * FP/SSE check, clearing of components whose CPUID feature flag is
 * missing, masking to what the kernel supports, choice of format, the
 * per-component checks, the size check and, when all passed, the lines
 * that describe the enabled state. Every line the kernel would print
 * (without the WARN splat) is recorded in order.
 */
#include <string.h>

#include "linux_impl.h"

static bool has_leaf(const struct cpuid_table *t, uint32_t leaf)
{
	return cpuid_table_find(t, leaf, 0) != NULL;
}

static bool bit(const struct cpuid_table *t, uint32_t leaf, uint32_t sub,
		enum cpuid_reg reg, unsigned int n)
{
	return cpuid_table_bit(t, leaf, sub, reg, n);
}

/* Leaf 1 flags; when the leaf is absent, what leaf 0xD implies. */
static bool read_leaf1(const struct cpuid_table *t, uint64_t sup,
		       struct linux_flags *f)
{
	if (!has_leaf(t, LEAF_FEATURES)) {
		f->fpu = f->fxsr = f->xmm = f->xsave = true;
		f->avx = sup & BIT(XFEATURE_YMM);
		return true;
	}
	f->fpu = bit(t, LEAF_FEATURES, 0, CPUID_EDX, 0);
	f->fxsr = bit(t, LEAF_FEATURES, 0, CPUID_EDX, 24);
	f->xmm = bit(t, LEAF_FEATURES, 0, CPUID_EDX, 25);
	f->xsave = bit(t, LEAF_FEATURES, 0, CPUID_ECX, 26);
	f->avx = bit(t, LEAF_FEATURES, 0, CPUID_ECX, 28);
	return false;
}

/* Leaf 7 flags; when the leaf is absent, what leaf 0xD implies. */
static bool read_leaf7(const struct cpuid_table *t, uint64_t sup,
		       struct linux_flags *f)
{
	if (!has_leaf(t, LEAF_EXT_FEATURES)) {
		f->mpx = sup & XFEATURE_MASK_MPX;
		f->avx512f = sup & XFEATURE_MASK_AVX512;
		f->intel_pt = sup & BIT(XFEATURE_PT);
		f->pku = f->ospke = sup & BIT(XFEATURE_PKRU);
		f->enqcmd = sup & BIT(XFEATURE_PASID);
		f->shstk = sup & XFEATURE_MASK_CET;
		f->amx_tile = sup & XFEATURE_MASK_AMX;
		f->apx = sup & MASK_APX;
		f->arch_lbr = sup & BIT(XFEATURE_LBR);
		return true;
	}
	f->mpx = bit(t, LEAF_EXT_FEATURES, 0, CPUID_EBX, 14);
	f->avx512f = bit(t, LEAF_EXT_FEATURES, 0, CPUID_EBX, 16);
	f->intel_pt = bit(t, LEAF_EXT_FEATURES, 0, CPUID_EBX, 25);
	f->pku = bit(t, LEAF_EXT_FEATURES, 0, CPUID_ECX, 3);
	f->ospke = bit(t, LEAF_EXT_FEATURES, 0, CPUID_ECX, 4);
	f->shstk = bit(t, LEAF_EXT_FEATURES, 0, CPUID_ECX, 7);
	f->enqcmd = bit(t, LEAF_EXT_FEATURES, 0, CPUID_ECX, 29);
	f->amx_tile = bit(t, LEAF_EXT_FEATURES, 0, CPUID_EDX, 24);
	f->apx = bit(t, LEAF_EXT_FEATURES, 1, CPUID_EDX, 21);
	f->arch_lbr = bit(t, LEAF_EXT_FEATURES, 0, CPUID_EDX, 19);
	return false;
}

static bool read_flags(const struct cpuid_table *t, uint64_t sup,
		       struct linux_flags *f)
{
	uint32_t d1 = cpuid_table_reg(t, XSAVE_LEAF, 1, CPUID_EAX);
	bool assumed = read_leaf1(t, sup, f);

	assumed |= read_leaf7(t, sup, f);
	f->xsavec = d1 & XSAVE_1_EAX_XSAVEC;
	f->xsaves = d1 & XSAVE_1_EAX_XSAVES;
	f->xfd = d1 & XSAVE_1_EAX_XFD;
	return assumed;
}

/*
 * Whether the kernel keeps component i (xsave_cpuid_features[]). From 6.6
 * PKRU needs OSPKE, which setup_pku() forces on before the FPU is set up
 * whenever PKU is present, so either bit keeps it.
 */
static bool flag_keeps(const struct linux_version_info *vi,
		       const struct linux_flags *f, unsigned int i)
{
	switch (i) {
	case XFEATURE_FP: return f->fpu;
	case XFEATURE_SSE: return f->xmm;
	case XFEATURE_YMM: return f->avx;
	case XFEATURE_BNDREGS:
	case XFEATURE_BNDCSR: return f->mpx;
	case XFEATURE_OPMASK:
	case XFEATURE_ZMM_HI256:
	case XFEATURE_HI16_ZMM: return f->avx512f;
	case XFEATURE_PT: return f->intel_pt;
	case XFEATURE_PKRU:
		return vi->pkru_ospke ? f->ospke || f->pku : f->pku;
	case XFEATURE_PASID: return f->enqcmd;
	case XFEATURE_CET_U: return vi->cet_user && f->shstk;
	case XFEATURE_CET_S: return vi->cet_kernel && f->shstk;
	case XFEATURE_XTILE_CFG:
	case XFEATURE_XTILE_DATA: return vi->amx && f->amx_tile;
	case XFEATURE_APX: return vi->apx && f->apx;
	default: return false; /* never in a supported mask */
	}
}

/* Steps 1-3: the feature set and the XCR0/XSS the kernel writes. */
static void linux_enter(const struct cpuid_table *t,
			const struct linux_version_info *vi,
			struct linux_entry *en)
{
	uint64_t max;

	memset(en, 0, sizeof(*en));
	en->raw = xsave_supported_user(t) | xsave_supported_supervisor(t);
	en->flags_assumed = read_flags(t, en->raw, &en->flags);
	en->xcr0 = BIT(XFEATURE_FP); /* reset value, kept if XSAVE is off */
	if (!en->flags.fpu) {
		en->stage = STAGE_NO_FPU;
		return;
	}
	if (!en->flags.xsave) {
		en->stage = STAGE_NO_XSAVE;
		return;
	}
	if ((en->raw & XFEATURE_MASK_FPSSE) != XFEATURE_MASK_FPSSE) {
		en->stage = STAGE_NO_FPSSE;
		return;
	}
	if (vi->apx && (en->raw & MASK_APX) && (en->raw & XFEATURE_MASK_MPX)) {
		en->stage = STAGE_APX_MPX;
		return;
	}
	max = en->raw;
	for (unsigned int i = 0; i < XSAVE_MAX_COMPONENTS; i++)
		if ((max & BIT(i)) && !flag_keeps(vi, &en->flags, i))
			max &= ~BIT(i);
	if (vi->amx && !en->flags.xfd)
		max &= ~MASK_USER_DYNAMIC;
	if (vi->sup_without_xsaves || en->flags.xsaves)
		max &= vi->user_supported | vi->sup_supported;
	else
		max &= vi->user_supported;
	en->max = max;
	en->xcr0 = max & vi->user_supported;
	en->xss = en->flags.xsaves ? max & vi->sup_supported : 0;
	en->compacted = en->flags.xsaves ||
			(vi->xsavec_compacts && en->flags.xsavec);
	/*
	 * fpu__init_cpu_xstate() adds arch LBR to IA32_XSS; since 2848ff28d180
	 * only when 0xD.1 ECX enumerates it.
	 */
	if (en->flags.xsaves && en->flags.arch_lbr &&
	    (!vi->lbr_needs_enum || (en->raw & BIT(XFEATURE_LBR))))
		en->xss_independent = BIT(XFEATURE_LBR);
	en->stage = STAGE_ENTERED;
}

void linux_enter_state(const struct cpuid_table *t, uint32_t v,
		       uint64_t *xcr0, uint64_t *xss)
{
	struct linux_version_info vi;
	struct linux_entry en;

	linux_release_info(linux_model_release(v), &vi);
	linux_enter(t, &vi, &en);
	*xcr0 = en.xcr0;
	*xss = en.xss;
}

static void apply_override(struct linux_result *r,
			   const struct linux_state_override *ov)
{
	if (!ov)
		return;
	if (ov->have_xcr0)
		r->xcr0 = ov->xcr0;
	if (ov->have_xss)
		r->xss = ov->xss;
	if (ov->have_xcr0 || ov->have_xss)
		r->max_features = r->xcr0 | r->xss;
}

int linux_check(const struct cpuid_table *t, uint32_t v,
		const struct linux_state_override *ov, struct linux_result *r,
		struct xsvm_err *err)
{
	struct linux_model m = { .t = t, .r = r };
	struct linux_entry en;

	memset(r, 0, sizeof(*r));
	if (!cpuid_table_find(t, XSAVE_LEAF, 0))
		return xsvm_err_set(err, ENOENT,
				    "the table has no leaf 0xd subleaf 0: nothing to check");
	r->version = v;
	r->model = linux_model_release(v);
	linux_release_info(r->model, &m.vi_buf);
	m.vi = &m.vi_buf;
	linux_enter(t, m.vi, &en);
	r->flags_assumed = en.flags_assumed;
	r->xsave_present = en.flags.xsave;
	r->xsaves = en.flags.xsaves;
	r->xsavec = en.flags.xsavec;
	r->max_standard_size = cpuid_table_reg(t, XSAVE_LEAF, 0, CPUID_ECX);
	r->xcr0 = en.xcr0;
	r->xss = en.xss;
	if (en.stage != STAGE_ENTERED) {
		linux_early_exit(&m, &en);
		return 0;
	}
	r->compacted = en.compacted;
	r->max_features = en.max;
	r->xss_independent = en.xss_independent;
	apply_override(r, ov);
	r->reported_size = cpuid_table_reg(t, XSAVE_LEAF, r->compacted ? 1 : 0,
					   CPUID_EBX);
	xsave_layout_compute(t, r->max_features, &r->layout);
	r->consistent = true;
	r->xsave_enabled = true;
	if (m.vi->misordered_warn && !m.vi->misordered_late)
		linux_setup_cache(&m);
	if (m.vi->old_check)
		linux_run_5_15(&m);
	else
		linux_run_6x(&m);
	return 0;
}
