/* SPDX-License-Identifier: MIT */
/*
 * XSAVE state components and the layout arithmetic of CPUID leaf 0xD.
 *
 * Component i is bit i of XCR0 (user state) or IA32_XSS (supervisor state).
 * Components 0 (x87) and 1 (SSE) live in the 512-byte legacy area, followed by
 * the 64-byte XSAVE header; extended components (i >= 2) start at 576.
 *
 * Standard format: component i sits at the offset 0xD.i EBX reports; the size
 * for a mask is the largest offset+size over the enabled components, and at
 * least 576.
 *
 * Compacted format: start at 576 and, for each enabled component in
 * ascending index order, round up to 64 if 0xD.i ECX bit 1 is set, then add
 * 0xD.i EAX. The order is part of the definition: alignment padding depends on
 * what precedes a component, so summing in any other order can give another
 * total (OpenVMM #708).
 */
#ifndef XSVM_CPUID_XSAVE_H
#define XSVM_CPUID_XSAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "table.h"

#define XSAVE_LEAF 0xdu
#define XSAVE_LEGACY_SIZE 512u
#define XSAVE_HDR_SIZE 64u
#define XSAVE_EXT_START (XSAVE_LEGACY_SIZE + XSAVE_HDR_SIZE) /* 576 */
#define XSAVE_ALIGN 64u
/* Highest component index xsvm handles; XCR0/XSS are 64-bit masks. */
#define XSAVE_MAX_COMPONENTS 64

/* 0xD.i ECX bits */
#define XSAVE_ECX_SUPERVISOR 0x1u
#define XSAVE_ECX_ALIGN64 0x2u
#define XSAVE_ECX_XFD 0x4u

/* 0xD.1 EAX bits */
#define XSAVE_1_EAX_XSAVEOPT 0x1u
#define XSAVE_1_EAX_XSAVEC 0x2u
#define XSAVE_1_EAX_XGETBV1 0x4u
#define XSAVE_1_EAX_XSAVES 0x8u
#define XSAVE_1_EAX_XFD 0x10u

enum xsave_component_index {
	XFEATURE_FP = 0,
	XFEATURE_SSE = 1,
	XFEATURE_YMM = 2,
	XFEATURE_BNDREGS = 3,
	XFEATURE_BNDCSR = 4,
	XFEATURE_OPMASK = 5,
	XFEATURE_ZMM_HI256 = 6,
	XFEATURE_HI16_ZMM = 7,
	XFEATURE_PT = 8,
	XFEATURE_PKRU = 9,
	XFEATURE_PASID = 10,
	XFEATURE_CET_U = 11,
	XFEATURE_CET_S = 12,
	XFEATURE_HDC = 13,
	XFEATURE_UINTR = 14,
	XFEATURE_LBR = 15,
	XFEATURE_HWP = 16,
	XFEATURE_XTILE_CFG = 17,
	XFEATURE_XTILE_DATA = 18,
	XFEATURE_APX = 19,
	XFEATURE_KNOWN_NR = 20,
};

#define XFEATURE_BIT(i) (1ull << (i))
#define XFEATURE_MASK_FPSSE (XFEATURE_BIT(XFEATURE_FP) | XFEATURE_BIT(XFEATURE_SSE))
#define XFEATURE_MASK_AVX512                                              \
	(XFEATURE_BIT(XFEATURE_OPMASK) | XFEATURE_BIT(XFEATURE_ZMM_HI256) | \
	 XFEATURE_BIT(XFEATURE_HI16_ZMM))
#define XFEATURE_MASK_MPX \
	(XFEATURE_BIT(XFEATURE_BNDREGS) | XFEATURE_BIT(XFEATURE_BNDCSR))
#define XFEATURE_MASK_AMX \
	(XFEATURE_BIT(XFEATURE_XTILE_CFG) | XFEATURE_BIT(XFEATURE_XTILE_DATA))
#define XFEATURE_MASK_CET \
	(XFEATURE_BIT(XFEATURE_CET_U) | XFEATURE_BIT(XFEATURE_CET_S))

/* What is architecturally known about a component, independent of any CPU. */
struct xsave_component_info {
	unsigned int index;
	const char *short_name; /* "avx", "pkru", "tilecfg", ... */
	const char *linux_name; /* the kernel's xfeature_names[] string */
	bool supervisor;	/* lives in IA32_XSS rather than XCR0 */
	uint32_t kernel_size;	/* size of the kernel's struct; 0 = none */
	bool xfd;		/* XFD-capable (dynamic) on the CPUs that have it */
	bool align64;		/* 64-byte aligned when compacted on known CPUs */
};

/* Info for index 0..XFEATURE_KNOWN_NR-1, or NULL. */
const struct xsave_component_info *xsave_component_info(unsigned int index);

/* The CPU's description of one extended component, from 0xD.i. */
struct xsave_comp {
	uint8_t index;
	bool present;	 /* the subleaf exists in the table */
	uint32_t size;	 /* EAX */
	uint32_t offset; /* EBX: standard-format offset (0 for supervisor) */
	uint32_t flags;	 /* ECX */
	bool supervisor; /* ECX bit 0 */
	bool aligned;	 /* ECX bit 1 */
	bool xfd;	 /* ECX bit 2 */
};

/* Read 0xD.i (i >= 2) from a table; absent subleaves read as all zero. */
void xsave_comp_read(const struct cpuid_table *t, unsigned int index,
		     struct xsave_comp *c);

/* The supported-component masks of 0xD.0 EDX:EAX and 0xD.1 EDX:ECX. */
uint64_t xsave_supported_user(const struct cpuid_table *t);
uint64_t xsave_supported_supervisor(const struct cpuid_table *t);

/*
 * Order in which a compacted size is accumulated. ASCENDING is the
 * architectural definition; HASH visits the enabled components in a seeded
 * pseudo-random permutation, reproducing the #708 defect on purpose: one
 * hash map per VMM process. HASH_VCPU is HASH with a map per vCPU, as a
 * paravisor that keeps one per virtual processor: vCPU 0 uses the seed,
 * every other vCPU a seed drawn from (seed, vCPU) (xsave_order_for_vcpu()).
 */
enum xsave_order_kind {
	XSAVE_ORDER_ASCENDING,
	XSAVE_ORDER_HASH,
	XSAVE_ORDER_HASH_VCPU,
};

struct xsave_order {
	enum xsave_order_kind kind;
	uint64_t seed;
};

/* Parse "ascending", "hash:SEED" or "hash-vcpu:SEED" (decimal or 0x-hex). */
int xsave_order_parse(const char *s, struct xsave_order *o,
		      struct xsvm_err *err);
/* "ascending", "hash:SEED" or "hash-vcpu:SEED", SEED in decimal. */
int xsave_order_format(const struct xsave_order *o, char *buf, size_t len);

/*
 * The order of boot number boot (1 is the first) of several in a row: the
 * first boot uses *o itself, each later one under HASH a seed drawn from
 * (seed, boot) by splitmix64, as each new process of a defective VMM
 * draws a fresh hash seed. ASCENDING stays ascending.
 */
struct xsave_order xsave_order_for_boot(const struct xsave_order *o,
					unsigned int boot);

/*
 * The order of vCPU index (0 is the BSP): *o itself but under HASH_VCPU,
 * where each vCPU past the first gets a seed drawn from (seed, index) by
 * splitmix64, as a per-virtual-processor map is seeded on its own.
 */
struct xsave_order xsave_order_for_vcpu(const struct xsave_order *o,
					unsigned int index);

/*
 * Fill perm[0..n-1] with the visiting order for the n enabled extended
 * components idx[0..n-1] (ascending). For HASH, a Fisher-Yates shuffle driven
 * by splitmix64(seed): the same seed always gives the same order.
 */
void xsave_order_permute(const struct xsave_order *o, const uint8_t *idx,
			 unsigned int n, uint8_t *perm);

/* One enabled extended component placed in a layout. */
struct xsave_slot {
	struct xsave_comp comp;
	uint32_t standard_offset; /* = comp.offset */
	uint32_t compacted_offset;
};

/* The layout of an XSAVE area for one mask (XCR0 | XSS). */
struct xsave_layout {
	uint64_t mask;
	unsigned int nr; /* enabled extended components, ascending */
	struct xsave_slot slot[XSAVE_MAX_COMPONENTS];
	uint32_t standard_size;	 /* max(offset+size), at least 576 */
	uint32_t compacted_size; /* ascending, with alignment */
};

/*
 * Compute the layout of the components in mask (bits 0/1 are legacy and
 * contribute no slot) from the 0xD.i subleaves of t, in ascending order.
 */
void xsave_layout_compute(const struct cpuid_table *t, uint64_t mask,
			  struct xsave_layout *l);

/* Standard size for a mask: max offset+size of enabled i >= 2, at least 576. */
uint32_t xsave_standard_size(const struct cpuid_table *t, uint64_t mask);

/* Compacted size for a mask, ascending order with alignment. */
uint32_t xsave_compacted_size(const struct cpuid_table *t, uint64_t mask);

/*
 * Compacted size accumulated in the given order: the components of the
 * layout visited as o says. Ascending gives l->compacted_size.
 */
uint32_t xsave_compacted_size_order(const struct xsave_layout *l,
				    const struct xsave_order *o);

/* Accumulate sizes in an explicit visiting order of slot numbers. */
uint32_t xsave_compacted_size_perm(const struct xsave_layout *l,
				   const uint8_t *slot_order);

/*
 * EBX of 0xD.0 and 0xD.1 for an XSAVE state, from the 0xD.i subleaves of t:
 * *ebx0 = the standard size for xcr0, *ebx1 = the compacted size for
 * xcr0 | xss accumulated in order o (NULL: ascending, the architectural
 * definition). The one rule the builder, the KVM-style recomputation and
 * the CPUID service all use; the masks are taken as given (callers check
 * them against 0xD.0 EDX:EAX and 0xD.1 EDX:ECX).
 */
void xsave_state_ebx(const struct cpuid_table *t, uint64_t xcr0, uint64_t xss,
		     const struct xsave_order *o, uint32_t *ebx0,
		     uint32_t *ebx1);

/*
 * Whether XSETBV would accept xcr0 (FACTS.md section 4): x87 set; YMM only
 * with SSE; the AVX-512 trio all or none, and only with YMM; MPX halves equal;
 * AMX halves equal. Returns NULL when valid, else the rule broken.
 */
const char *xsave_xcr0_invalid(uint64_t xcr0);

static inline uint32_t xsave_align_up(uint32_t v)
{
	return (v + XSAVE_ALIGN - 1) & ~(XSAVE_ALIGN - 1);
}

#endif
