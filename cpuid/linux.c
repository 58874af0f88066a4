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
#include <stdio.h>
#include <string.h>

#include "linux.h"
#include "scan.h"

#define LEAF_FEATURES 0x1u
#define LEAF_EXT_FEATURES 0x7u
#define LEAF_TILE 0x1du

/* sizeof(union fpregs_state) / sizeof(init_fpstate.regs): one page */
#define KERNEL_FPSTATE_BUF 4096u
/* sizeof(struct xtile_data): one tile register, 16 rows of 64 bytes */
#define KERNEL_TILE_BYTES 1024u
/* Bound on palettes walked in leaf 0x1D (the kernel trusts EAX). */
#define TILE_MAX_PALETTES 256u

#define BIT(i) XFEATURE_BIT(i)
#define MASK_USER_DYNAMIC BIT(XFEATURE_XTILE_DATA)
#define MASK_APX BIT(XFEATURE_APX)

/* What differs between the modelled kernels. */
struct linux_version_info {
	const char *name;
	unsigned int xfeature_max;  /* the dump has xfeature_max + 10 lines */
	uint64_t user_supported;    /* XFEATURE_MASK_USER_SUPPORTED */
	uint64_t sup_supported;	    /* XFEATURE_MASK_SUPERVISOR_SUPPORTED */
	uint64_t has_struct;	    /* components check_xstate_against_struct knows */
	uint64_t named;		    /* components xfeature_names[] names */
	uint64_t printed;	    /* components print_xstate_features() lists */
	uint64_t sup_fixed_offset;  /* 5.15: XFEATURE_MASK_SUPERVISOR_ALL */
	const char *warn_site;	    /* the size-mismatch WARN */
	bool old_check;		/* 5.15: do_extra_xstate_size_checks() */
	bool xsavec_compacts;	/* 6.x: XSAVEC alone selects compacted format */
	bool pkru_ospke;	/* PKRU needs OSPKE rather than PKU */
	bool cet_user;		/* CET_U needs SHSTK */
	bool cet_kernel;	/* CET_S needs SHSTK */
	bool amx;		/* TILECFG/TILEDATA need AMX_TILE, XFD */
	bool apx;		/* APX needs APX; APX and MPX conflict */
	bool named_struct_warn; /* "[name]: struct is" instead of "XFEATURE_X:" */
	bool largest_offset;	/* standard size from the largest offset */
	bool says_disabled;	/* "x86/fpu: XSAVE disabled" on every failure */
};

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

/* The CPUID feature flags the kernel consults, as boot_cpu_has() sees them. */
struct linux_flags {
	bool fpu, fxsr, xmm, xsave, avx;
	bool mpx, avx512f, intel_pt, pku, ospke, enqcmd, shstk, amx_tile, apx;
	bool xsavec, xsaves, xfd;
};

/* One run of the model. */
struct linux_model {
	const struct cpuid_table *t;
	const struct linux_version_info *vi;
	struct linux_result *r;
	bool dumped; /* __xstate_dump_leaves() runs once per boot */
	char overflow[LINUX_LINE_LEN];
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

/* How far the kernel got before deciding the feature set. */
enum linux_stage {
	STAGE_NO_FPU,
	STAGE_NO_XSAVE,
	STAGE_NO_FPSSE,
	STAGE_APX_MPX,
	STAGE_ENTERED,
};

struct linux_entry {
	enum linux_stage stage;
	struct linux_flags flags;
	bool flags_assumed;
	uint64_t raw;	  /* 0xD.0 EDX:EAX | 0xD.1 EDX:ECX */
	uint64_t max;	  /* fpu_kernel_cfg.max_features / xfeatures_mask_all */
	uint64_t xcr0, xss;
	bool compacted;
};

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
		emit(m, "XSAVE consistency problem: No structure for xstate: %u", i);
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
	/* 6.19+: the component placed last, not the highest-numbered one */
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
			emit(m, "XSAVE consistency problem: Got supervisor feature %u, but XSAVES not advertised",
			     i);
			dump_leaves(m);
			return false;
		}
	}
	r->size = calculate_size(m, r->max_features, r->compacted);
	if (r->size == r->reported_size)
		return true;
	emit(m, "XSAVE consistency problem: size %u != kernel_size %u",
	     r->size, r->reported_size);
	dump_leaves(m);
	r->warn_site = m->vi->warn_site;
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
		r->warn_site = m->vi->warn_site;
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

static void linux_run_5_15(struct linux_model *m)
{
	struct linux_result *r = m->r;

	if (r->reported_size > KERNEL_FPSTATE_BUF) {
		emit(m, "x86/fpu: xstate buffer too small (%u < %d), disabling xsave",
		     KERNEL_FPSTATE_BUF, (int)r->reported_size);
		disable_xsave(m);
		return;
	}
	old_size_checks(m);
	print_features(m);
	print_layout(m);
}

static void linux_run_6x(struct linux_model *m)
{
	struct linux_result *r = m->r;
	uint64_t def = r->max_features & ~MASK_USER_DYNAMIC;
	uint32_t def_size;

	if (!paranoid_size_valid_6x(m)) {
		disable_xsave(m);
		return;
	}
	def_size = calculate_size(m, def, r->compacted);
	if (def_size > KERNEL_FPSTATE_BUF) {
		if (m->vi->says_disabled)
			emit(m, "x86/fpu: init_fpstate buffer too small (%u < %d)",
			     KERNEL_FPSTATE_BUF, (int)def_size);
		else
			emit(m, "x86/fpu: init_fpstate buffer too small (%u < %d), disabling XSAVE",
			     KERNEL_FPSTATE_BUF, (int)def_size);
		disable_xsave(m);
		return;
	}
	print_features(m);
	print_layout(m);
}

/* The messages of the early exits, before any state is entered. */
static void linux_early_exit(struct linux_model *m,
			     const struct linux_entry *en)
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
