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
#include "scan.h"

static const struct linux_version_info versions[LINUX_NR_VERSIONS] = {
	[LINUX_5_15] = {
		.name = "5.15", .xfeature_max = 16,
		.user_supported = 0x2ff, .sup_supported = 0x400,
		.has_struct = 0x6fc, .named = 0x7ff, .printed = 0x6ff,
		.sup_fixed_offset = BIT(XFEATURE_PT) | BIT(XFEATURE_PASID) |
				    BIT(XFEATURE_LBR),
		.warn_site = "arch/x86/kernel/fpu/xstate.c:593",
		.old_check = true,
	},
	[LINUX_6_1] = {
		.name = "6.1", .xfeature_max = 19,
		.user_supported = 0x602ff, .sup_supported = 0x400,
		.has_struct = 0x606fc, .named = 0x607ff,
		.printed = 0x606ff,
		.warn_site = "arch/x86/kernel/fpu/xstate.c:606",
		.xsavec_compacts = true, .amx = true,
	},
	[LINUX_6_8] = {
		.name = "6.8", .xfeature_max = 19,
		.user_supported = 0x602ff, .sup_supported = 0xc00,
		.has_struct = 0x60efc, .named = 0x61fff,
		.printed = 0x60eff,
		.warn_site = "arch/x86/kernel/fpu/xstate.c:602",
		.xsavec_compacts = true, .pkru_ospke = true, .cet_user = true,
		.amx = true, .named_struct_warn = true,
	},
	[LINUX_7_1] = {
		.name = "7.1", .xfeature_max = 20,
		.user_supported = 0xe02ff, .sup_supported = 0x1c00,
		.has_struct = 0xe1efc, .named = 0xe1fff,
		.printed = 0xe1eff,
		.warn_site = "arch/x86/kernel/fpu/xstate.c:640",
		.xsavec_compacts = true, .pkru_ospke = true, .cet_user = true,
		.cet_kernel = true, .amx = true, .apx = true,
		.named_struct_warn = true, .largest_offset = true,
		.says_disabled = true,
	},
};

const char *linux_version_name(enum linux_version v)
{
	return v < LINUX_NR_VERSIONS ? versions[v].name : "?";
}

int linux_version_parse(const char *s, enum linux_version *v,
			struct xsvm_err *err)
{
	for (unsigned int i = 0; i < LINUX_NR_VERSIONS; i++) {
		if (!strcmp(s, versions[i].name)) {
			*v = (enum linux_version)i;
			return 0;
		}
	}
	return xsvm_err_set(err, EINVAL,
			    "--linux: '%s' is not one of 5.15, 6.1, 6.8, 7.1",
			    s);
}

unsigned int linux_dump_lines(enum linux_version v)
{
	if (v >= LINUX_NR_VERSIONS)
		v = LINUX_DEFAULT_VERSION;
	return versions[v].xfeature_max + 10;
}

/*
 * Decimal digits, all consumed; *out is the value of the first 9 of them.
 * False when there is none.
 */
static bool banner_number(struct scan *s, unsigned int *out)
{
	struct scan head = { s->p, s->n < 9 ? s->n : 9 };
	uint64_t v, all;

	if (scan_dec(&head, UINT64_MAX, &v) != SCAN_NUM_OK)
		return false;
	/* past every digit, whatever the value */
	scan_dec(s, UINT64_MAX, &all);
	*out = (unsigned int)v;
	return true;
}

bool linux_version_from_banner(const char *line, enum linux_version *v)
{
	struct scan s;
	unsigned int major, minor;

	if (!line)
		return false;
	s = (struct scan){ line, strlen(line) };
	if (!scan_seek(&s, "Linux version ") || !banner_number(&s, &major) ||
	    !scan_eat(&s, ".") || !banner_number(&s, &minor))
		return false;
	if (major < 6)
		*v = LINUX_5_15;
	else if (major == 6 && minor < 8)
		*v = LINUX_6_1;
	else if (major == 6 && minor < 19)
		*v = LINUX_6_8;
	else
		*v = LINUX_7_1;
	return true;
}

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
 * Whether the kernel keeps component i (xsave_cpuid_features[]). From 6.8
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
	if (vi->old_check || en->flags.xsaves)
		max &= vi->user_supported | vi->sup_supported;
	else
		max &= vi->user_supported;
	en->max = max;
	en->xcr0 = max & vi->user_supported;
	en->xss = en->flags.xsaves ? max & vi->sup_supported : 0;
	en->compacted = en->flags.xsaves ||
			(vi->xsavec_compacts && en->flags.xsavec);
	en->stage = STAGE_ENTERED;
}

void linux_enter_state(const struct cpuid_table *t, enum linux_version v,
		       uint64_t *xcr0, uint64_t *xss)
{
	struct linux_entry en;

	if (v >= LINUX_NR_VERSIONS)
		v = LINUX_DEFAULT_VERSION;
	linux_enter(t, &versions[v], &en);
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

int linux_check(const struct cpuid_table *t, enum linux_version v,
		const struct linux_state_override *ov, struct linux_result *r,
		struct xsvm_err *err)
{
	struct linux_model m = { .t = t, .r = r };
	struct linux_entry en;

	memset(r, 0, sizeof(*r));
	if (v >= LINUX_NR_VERSIONS)
		return xsvm_err_set(err, EINVAL, "unknown Linux version %d",
				    (int)v);
	if (!cpuid_table_find(t, XSAVE_LEAF, 0))
		return xsvm_err_set(err, ENOENT,
				    "the table has no leaf 0xd subleaf 0: nothing to check");
	m.vi = &versions[v];
	linux_enter(t, m.vi, &en);
	r->version = v;
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
	apply_override(r, ov);
	r->reported_size = cpuid_table_reg(t, XSAVE_LEAF, r->compacted ? 1 : 0,
					   CPUID_EBX);
	xsave_layout_compute(t, r->max_features, &r->layout);
	r->consistent = true;
	r->xsave_enabled = true;
	if (m.vi->old_check)
		linux_run_5_15(&m);
	else
		linux_run_6x(&m);
	return 0;
}
