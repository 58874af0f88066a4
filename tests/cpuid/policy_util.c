// SPDX-License-Identifier: MIT
/* What the policy tests share (see policy_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy_util.h"
#include "test_util.h"

#define TDX_POLICY_FILE XSVM_POLICY_DIR "/tdx.policy"

struct cpuid_table t, src, built;
struct policy pol, pol2;
struct policy_result res, res2;
struct linux_result lr;

/* cpuid/policies/tdx.policy as read from disk. */
char tdx_file[16384];
size_t tdx_file_len;

void read_tdx_file(void)
{
	char *text = test_read_file(TDX_POLICY_FILE, &tdx_file_len);
	bool fits = tdx_file_len < sizeof(tdx_file);

	if (fits)
		memcpy(tdx_file, text, tdx_file_len + 1);
	free(text);
	assert_true(fits);
}

void load_policy(const char *name, struct policy *p)
{
	struct xsvm_err err = { { 0 } };

	if (policy_builtin(name, p, &err))
		fail_msg("%s: %s", name, err.msg);
}

void parse_ok(const char *name, const char *text, struct policy *p)
{
	struct xsvm_err err = { { 0 } };

	if (policy_parse(name, text, strlen(text), p, &err))
		fail_msg("%s: %s", name, err.msg);
}

void apply_ok(struct cpuid_table *tb, const struct policy *p, bool have_xfam,
	      uint64_t xfam, struct policy_result *r)
{
	struct policy_params pp = { .have_xfam = have_xfam, .xfam = xfam };
	struct xsvm_err err = { { 0 } };

	if (policy_apply(tb, p, &pp, r, &err))
		fail_msg("policy %s, xfam 0x%llx: %s", p->name,
			 (unsigned long long)xfam, err.msg);
}

/* Build leaf 0xD with the masks of r for Linux v, as the CLI does. */
void build_ok(struct cpuid_table *tb, const struct policy_result *r,
	      uint32_t v, struct xsave_build_result *br)
{
	struct xsave_build_params bp;
	struct xsvm_err err = { { 0 } };

	xsave_build_params_init(&bp);
	bp.allow_xcr0 = r->allow_xcr0;
	bp.allow_xss = r->allow_xss;
	bp.linux_version = v;
	if (xsave_build(tb, &bp, br, &err))
		fail_msg("xsave_build: %s", err.msg);
}

void check_ok(const struct cpuid_table *tb, uint32_t v)
{
	struct xsvm_err err = { { 0 } };

	if (linux_check(tb, v, NULL, &lr, &err))
		fail_msg("linux_check: %s", err.msg);
}

void assert_tables_equal(const struct cpuid_table *a,
			 const struct cpuid_table *b)
{
	assert_int_equal(a->nr, b->nr);
	assert_memory_equal(a->e, b->e, a->nr * sizeof(a->e[0]));
	assert_int_equal(cpuid_table_hash(a), cpuid_table_hash(b));
}

void assert_bits(const struct policy_change *c, uint32_t leaf, uint32_t subleaf,
		 enum cpuid_reg reg, uint64_t cleared, uint64_t set,
		 const char *rule)
{
	assert_int_equal(c->kind, POLICY_CHANGE_BITS);
	assert_int_equal(c->leaf, leaf);
	assert_int_equal(c->subleaf, subleaf);
	assert_int_equal(c->reg, reg);
	assert_int_equal(c->cleared, cleared);
	assert_int_equal(c->set, set);
	if (rule)
		assert_string_equal(c->rule, rule);
}

void assert_removed(const struct policy_change *c, uint32_t leaf,
		    uint32_t subleaf, bool whole, unsigned int count,
		    const char *rule)
{
	assert_int_equal(c->kind, POLICY_CHANGE_REMOVED);
	assert_int_equal(c->leaf, leaf);
	assert_int_equal(c->subleaf, subleaf);
	assert_int_equal(c->whole_leaf, whole);
	assert_int_equal(c->count, count);
	if (rule)
		assert_string_equal(c->rule, rule);
}

unsigned int count_kind(const struct policy_result *r,
			enum policy_change_kind k)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->nr_changes; i++)
		n += r->changes[i].kind == k;
	return n;
}
