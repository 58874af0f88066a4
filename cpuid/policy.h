/* SPDX-License-Identifier: MIT */
/*
 * CPUID policy: the stage between a source table and the XSAVE builder that
 * a confidential-VM stack applies (TDX-style filtering). A policy is data,
 * read from a line-based text (cpuid/policies/tdx.policy documents the
 * format and is the built-in "tdx" policy); policy_apply() is a pure
 * function over a table that records every change it makes.
 *
 * Text format: one directive per line, '#' starts a comment, numbers in C
 * syntax (0x1f, 31). REG is eax, ebx, ecx or edx. COMPS is a component
 * mask in XCR0/XSS bit layout.
 *
 *   name NAME                       label used in messages
 *   xfam-allowed MASK               XFAM bits that may be 1 (enables XFAM)
 *   xfam-required MASK              XFAM bits that must be 1
 *   xfam-all-or-none COMPS          all of COMPS in XFAM, or none
 *   xfam-requires IF THEN           any bit of IF in XFAM needs all of THEN
 *   xsave-user-mask MASK            0xD.0 EDX:EAX keeps at most MASK
 *   xsave-supervisor-mask MASK      0xD.1 EDX:ECX keeps at most MASK
 *   xsave-max-subleaf N             0xD subleaves above N are removed
 *   xsave-xfd-needs-component       0xD.1 EAX XFD (bit 4) only when a kept
 *                                   component is XFD-capable (0xD.i ECX[2])
 *   fixed0 LEAF SUBLEAF REG MASK    bits forced to 0
 *   fixed1 LEAF SUBLEAF REG MASK    bits forced to 1
 *   configurable LEAF SUBLEAF REG MASK
 *                                   bits the host chooses: kept from the
 *                                   source; may not overlap fixed bits
 *   drop-leaf LEAF                  every subleaf of LEAF removed
 *   depends COMPS LEAF SUBLEAF REG MASK
 *                                   bits cleared unless all of COMPS kept
 *   depends-leaf COMPS LEAF         LEAF removed unless all of COMPS kept
 *   feature COMPS LEAF SUBLEAF REG BIT
 *                                   the bit that enumerates COMPS: when a
 *                                   fixed0 rule clears it, COMPS are dropped
 *
 * Fixed bits apply to entries the source has; a policy never invents a
 * leaf. The kept components are XFAM when the policy has xfam-allowed,
 * otherwise the source's supported components within the xsave masks.
 */
#ifndef XSVM_CPUID_POLICY_H
#define XSVM_CPUID_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "table.h"

#define POLICY_MAX_RULES 256
#define POLICY_NAME_LEN 32
#define POLICY_MAX_CHANGES (POLICY_MAX_RULES + 64)
#define POLICY_RULE_LEN 256

enum policy_rule_kind {
	POLICY_XFAM_ALL_OR_NONE,
	POLICY_XFAM_REQUIRES,
	POLICY_FIXED0,
	POLICY_FIXED1,
	POLICY_CONFIGURABLE,
	POLICY_DROP_LEAF,
	POLICY_DEPENDS,
	POLICY_DEPENDS_LEAF,
	POLICY_FEATURE,
};

struct policy_rule {
	enum policy_rule_kind kind;
	unsigned int line;
	uint64_t comps;	     /* components (all-or-none, IF, depends, feature) */
	uint64_t then;	     /* xfam-requires: THEN */
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	uint32_t bits;	     /* register mask; feature: 1 << BIT */
};

struct policy {
	char name[POLICY_NAME_LEN];
	bool uses_xfam;
	uint64_t xfam_allowed, xfam_required;
	unsigned int xfam_allowed_line, xfam_required_line;
	/* Lines of the xsave-* directives, 0 when absent (defaults). */
	unsigned int user_mask_line, supervisor_mask_line;
	unsigned int max_subleaf_line, xfd_line;
	uint64_t user_mask, supervisor_mask; /* default: all */
	uint32_t max_subleaf;		     /* default: 63 */
	bool xfd_needs_component;
	unsigned int nr_rules;
	struct policy_rule rules[POLICY_MAX_RULES];
};

/* An empty policy ("none"): nothing filtered. */
void policy_init(struct policy *p, const char *name);

/*
 * Parse a policy text of len bytes. name labels the messages; errors read
 * "NAME:LINE: reason" and return -EINVAL (-ENOSPC when there are more than
 * POLICY_MAX_RULES rules).
 */
int policy_parse(const char *name, const char *text, size_t len,
		 struct policy *p, struct xsvm_err *err);

/* The text of the built-in tdx policy (cpuid/policies/tdx.policy). */
extern const char policy_tdx_text[];
extern const size_t policy_tdx_len;

/* "none" or "tdx"; -ENOENT for any other name. */
int policy_builtin(const char *name, struct policy *p, struct xsvm_err *err);

enum policy_change_kind {
	POLICY_CHANGE_BITS,	 /* leaf/subleaf/reg: cleared and set bits */
	POLICY_CHANGE_REMOVED,	 /* leaf/subleaf (count entries) removed */
	POLICY_CHANGE_XFAM,	 /* default XFAM: components dropped */
	POLICY_CHANGE_ADDED,	 /* leaf/subleaf added (all zero, then set) */
};

struct policy_change {
	enum policy_change_kind kind;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	uint64_t cleared, set;
	bool whole_leaf;    /* REMOVED: every subleaf of leaf */
	unsigned int count; /* REMOVED: entries removed */
	char rule[POLICY_RULE_LEN];
};

/*
 * Record a change in the list changes (max records, *nr used): kind at
 * leaf/subleaf, register reg going from old to val (the bits cleared and
 * set; for POLICY_CHANGE_XFAM, the XFAM), made by rule. The record is zero
 * apart from these, for the caller to complete (whole_leaf, count). Returns
 * it, or NULL when the list is full. Every stage that logs changes uses it.
 */
struct policy_change *policy_change_add(struct policy_change *changes,
					unsigned int *nr, unsigned int max,
					enum policy_change_kind kind,
					uint32_t leaf, uint32_t subleaf,
					enum cpuid_reg reg, uint64_t old,
					uint64_t val, const char *rule);

struct policy_params {
	bool have_xfam;
	uint64_t xfam;
};

struct policy_result {
	bool uses_xfam;
	bool xfam_default; /* no --xfam: allowed & platform, pairs fixed up */
	uint64_t platform; /* components the source supports, with subleaves */
	uint64_t xfam;
	uint64_t kept;	   /* components kept: XFAM, or supported & masks */
	uint64_t allow_xcr0, allow_xss; /* for the builder */
	unsigned int nr_changes;
	struct policy_change changes[POLICY_MAX_CHANGES];
};

/*
 * The components a source supports: 0xD.0 EDX:EAX | 0xD.1 EDX:ECX, keeping
 * an extended component only when its 0xD.i subleaf exists.
 */
uint64_t policy_platform(const struct cpuid_table *t);

/*
 * Validate an XFAM against p and the platform mask, as the TDX module does.
 * Returns 0, or -EINVAL with err naming the rule broken and where the policy
 * states it.
 */
int policy_xfam_check(const struct policy *p, uint64_t platform, uint64_t xfam,
		      struct xsvm_err *err);

/*
 * Apply p to t in place. Without pp->have_xfam a policy that uses XFAM
 * takes allowed & platform with incomplete pairs dropped (recorded as
 * POLICY_CHANGE_XFAM). Returns 0, or a negative errno with err set: -EINVAL
 * for an invalid XFAM or an XFAM given to a policy without xfam-allowed,
 * -ENOENT when t has no leaf 0xD subleaf 0, -ENOSPC when the change list
 * overflows.
 */
int policy_apply(struct cpuid_table *t, const struct policy *p,
		 const struct policy_params *pp, struct policy_result *r,
		 struct xsvm_err *err);

/* "fixed0", "depends", ... as written in a policy text. */
const char *policy_rule_keyword(enum policy_rule_kind k);

#endif
