/* SPDX-License-Identifier: MIT */
/*
 * What the files of the Linux model share (not an interface for callers:
 * they use linux.h). linux.c holds the modelled versions, finds the state
 * the kernel enters and runs the model; linux_checks.c has the checks the
 * kernel makes once it has entered that state, and the lines they print.
 */
#ifndef XSVM_CPUID_LINUX_IMPL_H
#define XSVM_CPUID_LINUX_IMPL_H

#include "linux.h"

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

/*
 * What differs between kernel releases: linux_release_info() derives it
 * from a release, each field gated by the commit that changed it.
 */
struct linux_version_info {
	unsigned int xfeature_max;  /* the dump has xfeature_max + 10 lines */
	uint64_t user_supported;    /* XFEATURE_MASK_USER_SUPPORTED */
	uint64_t sup_supported;	    /* XFEATURE_MASK_SUPERVISOR_SUPPORTED */
	uint64_t has_struct;	    /* components check_xstate_against_struct knows */
	uint64_t named;		    /* components xfeature_names[] names */
	uint64_t printed;	    /* components print_xstate_features() lists */
	uint64_t sup_fixed_offset;  /* 5.15: XFEATURE_MASK_SUPERVISOR_ALL */
	char warn_site[48];	    /* the size-mismatch WARN */
	bool old_check;		/* 5.15: do_extra_xstate_size_checks() */
	bool xsavec_compacts;	/* XSAVEC alone selects the compacted format */
	bool sup_without_xsaves; /* supervisor bits kept without XSAVES */
	bool old_buffer_check;	/* "xstate buffer too small", before the check */
	bool old_warn_texts;	/* "XSAVE consistency problem, dumping leaves" */
	bool misordered_warn;	/* "x86/fpu: misordered xstate at %d" */
	bool misordered_late;	/* ... only once the checks have passed */
	bool lbr_needs_enum;	/* LBR in XSS only if 0xD.1 ECX enumerates it */
	bool pkru_ospke;	/* PKRU needs OSPKE rather than PKU */
	bool cet_user;		/* CET_U needs SHSTK */
	bool cet_kernel;	/* CET_S needs SHSTK */
	bool amx;		/* TILECFG/TILEDATA need AMX_TILE, XFD */
	bool apx;		/* APX needs APX; APX and MPX conflict */
	bool named_struct_warn; /* "[name]: struct is" instead of "XFEATURE_X:" */
	bool largest_offset;	/* standard size from the largest offset */
	bool says_disabled;	/* "x86/fpu: XSAVE disabled" on every failure */
};

/* The behaviour of release rel (any value: linux_model_release() first). */
void linux_release_info(uint32_t rel, struct linux_version_info *vi);

/* The CPUID feature flags the kernel consults, as boot_cpu_has() sees them. */
struct linux_flags {
	bool fpu, fxsr, xmm, xsave, avx;
	bool mpx, avx512f, intel_pt, pku, ospke, enqcmd, shstk, amx_tile, apx;
	bool arch_lbr;
	bool xsavec, xsaves, xfd;
};

/* One run of the model. */
struct linux_model {
	const struct cpuid_table *t;
	struct linux_version_info vi_buf;
	const struct linux_version_info *vi;
	struct linux_result *r;
	bool dumped; /* __xstate_dump_leaves() runs once per boot */
	char overflow[LINUX_LINE_LEN];
};

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
	uint64_t xss_independent; /* arch LBR, added after the checks */
	bool compacted;
};

/* linux_checks.c: what linux_check() runs after linux_enter(). */
void linux_early_exit(struct linux_model *m, const struct linux_entry *en);
void linux_setup_cache(struct linux_model *m);
void linux_run_5_15(struct linux_model *m);
void linux_run_6x(struct linux_model *m);

#endif
