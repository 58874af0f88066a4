/* SPDX-License-Identifier: MIT */
/*
 * What the policy tests share: the tables, policies and results they work
 * on, the tdx policy as cpuid/policies/tdx.policy holds it, and applying,
 * building and checking as the CLI does, each of which must succeed.
 */
#ifndef XSVM_TEST_POLICY_UTIL_H
#define XSVM_TEST_POLICY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuid/builder.h"
#include "cpuid/linux.h"
#include "cpuid/policy.h"

/* FACTS.md section 5. */
#define TDX_ALLOWED 0x6dbe7ull
#define TDX_USER 0x602e7ull
#define TDX_SUPERVISOR 0xd900ull
#define TDX_MAX_SUBLEAF 0x12u

/* What the tests work on: sources, results, the policies they apply. */
extern struct cpuid_table t, src, built;
extern struct policy pol, pol2;
extern struct policy_result res, res2;
extern struct linux_result lr;

/* cpuid/policies/tdx.policy as read from disk. */
extern char tdx_file[16384];
extern size_t tdx_file_len;

/* Read cpuid/policies/tdx.policy into tdx_file. */
void read_tdx_file(void);

/* policy_builtin(), policy_parse() and policy_apply(), which must succeed. */
void load_policy(const char *name, struct policy *p);
void parse_ok(const char *name, const char *text, struct policy *p);
void apply_ok(struct cpuid_table *tb, const struct policy *p, bool have_xfam,
	      uint64_t xfam, struct policy_result *r);

/* Build leaf 0xD with the masks of r for Linux v, as the CLI does. */
void build_ok(struct cpuid_table *tb, const struct policy_result *r,
	      uint32_t v, struct xsave_build_result *br);

/* linux_check() of tb for v into lr, which must succeed. */
void check_ok(const struct cpuid_table *tb, uint32_t v);

/* The same entries, and the same hash. */
void assert_tables_equal(const struct cpuid_table *a,
			 const struct cpuid_table *b);

/* c is this change of bits, or this removal (rule NULL: any rule). */
void assert_bits(const struct policy_change *c, uint32_t leaf, uint32_t subleaf,
		 enum cpuid_reg reg, uint64_t cleared, uint64_t set,
		 const char *rule);
void assert_removed(const struct policy_change *c, uint32_t leaf,
		    uint32_t subleaf, bool whole, unsigned int count,
		    const char *rule);

/* The changes of kind k in r. */
unsigned int count_kind(const struct policy_result *r,
			enum policy_change_kind k);

#endif
