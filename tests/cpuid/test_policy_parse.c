// SPDX-License-Identifier: MIT
/*
 * Tests of the policy text format (cpuid/policy_parse.c): the built-in
 * tdx policy against FACTS.md section 5 and against
 * cpuid/policies/tdx.policy, and what the parser accepts and refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/policy.h"
#include "policy_util.h"
#include "test_util.h"

static void assert_changes_equal(const struct policy_result *a,
				 const struct policy_result *b)
{
	assert_int_equal(a->nr_changes, b->nr_changes);
	for (unsigned int i = 0; i < a->nr_changes; i++) {
		const struct policy_change *x = &a->changes[i];
		const struct policy_change *y = &b->changes[i];

		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->leaf, y->leaf);
		assert_int_equal(x->subleaf, y->subleaf);
		assert_int_equal(x->reg, y->reg);
		assert_int_equal(x->cleared, y->cleared);
		assert_int_equal(x->set, y->set);
		assert_int_equal(x->whole_leaf, y->whole_leaf);
		assert_int_equal(x->count, y->count);
		assert_string_equal(x->rule, y->rule);
	}
}

/* ---- The policy text ---- */

static void test_parse_tdx(void **state)
{
	unsigned int n[POLICY_FEATURE + 1] = { 0 };
	const struct policy_rule *r;

	(void)state;
	load_policy("tdx", &pol);
	assert_string_equal(pol.name, "tdx");
	assert_true(pol.uses_xfam);
	assert_int_equal(pol.xfam_allowed, TDX_ALLOWED);
	assert_int_equal(pol.xfam_allowed_line, 17);
	assert_int_equal(pol.xfam_required, 0x3);
	assert_int_equal(pol.xfam_required_line, 18);
	assert_int_equal(pol.user_mask, TDX_USER);
	assert_int_equal(pol.supervisor_mask, TDX_SUPERVISOR);
	assert_int_equal(pol.max_subleaf, TDX_MAX_SUBLEAF);
	assert_true(pol.xfd_needs_component);
	assert_int_equal(pol.nr_rules, 50);
	for (unsigned int i = 0; i < pol.nr_rules; i++)
		n[pol.rules[i].kind]++;
	assert_int_equal(n[POLICY_XFAM_ALL_OR_NONE], 3);
	assert_int_equal(n[POLICY_XFAM_REQUIRES], 1);
	assert_int_equal(n[POLICY_FIXED0], 6);
	assert_int_equal(n[POLICY_FIXED1], 5);
	assert_int_equal(n[POLICY_CONFIGURABLE], 5);
	assert_int_equal(n[POLICY_DROP_LEAF], 0);
	assert_int_equal(n[POLICY_DEPENDS], 16);
	assert_int_equal(n[POLICY_DEPENDS_LEAF], 4);
	assert_int_equal(n[POLICY_FEATURE], 10);

	r = &pol.rules[1]; /* xfam-requires 0xe0 0x4 */
	assert_int_equal(r->kind, POLICY_XFAM_REQUIRES);
	assert_int_equal(r->line, 21);
	assert_int_equal(r->comps, 0xe0);
	assert_int_equal(r->then, 0x4);
	r = &pol.rules[4]; /* fixed0 0xd 1 eax 0xffffffe0 */
	assert_int_equal(r->kind, POLICY_FIXED0);
	assert_int_equal(r->line, 32);
	assert_int_equal(r->leaf, 0xd);
	assert_int_equal(r->subleaf, 1);
	assert_int_equal(r->reg, CPUID_EAX);
	assert_int_equal(r->bits, 0xffffffe0);
	r = &pol.rules[29]; /* feature 0x60000 0x7 0 edx 24 */
	assert_int_equal(r->kind, POLICY_FEATURE);
	assert_int_equal(r->line, 76);
	assert_int_equal(r->comps, 0x60000);
	assert_int_equal(r->leaf, 7);
	assert_int_equal(r->reg, CPUID_EDX);
	assert_int_equal(r->bits, 0x01000000);
	r = &pol.rules[49]; /* depends-leaf 0x8000 0x1c */
	assert_int_equal(r->kind, POLICY_DEPENDS_LEAF);
	assert_int_equal(r->line, 107);
	assert_int_equal(r->comps, 0x8000);
	assert_int_equal(r->leaf, 0x1c);

	assert_string_equal(policy_rule_keyword(POLICY_XFAM_ALL_OR_NONE),
			    "xfam-all-or-none");
	assert_string_equal(policy_rule_keyword(POLICY_DEPENDS_LEAF),
			    "depends-leaf");
	assert_string_equal(policy_rule_keyword(POLICY_FEATURE), "feature");
}

static void test_builtin_names(void **state)
{
	struct xsvm_err err = { { 0 } };

	(void)state;
	load_policy("none", &pol);
	assert_string_equal(pol.name, "none");
	assert_false(pol.uses_xfam);
	assert_int_equal(pol.nr_rules, 0);
	assert_int_equal(pol.user_mask, ~0ull);
	assert_int_equal(pol.supervisor_mask, ~0ull);
	assert_int_equal(pol.max_subleaf, 63);
	assert_false(pol.xfd_needs_component);
	assert_int_equal(policy_builtin("sev", &pol, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "no built-in policy 'sev' (built in: none, tdx)");
}

/* The built-in text is the file, and both give the same results. */
static void test_builtin_matches_file(void **state)
{
	static const char *const some[] = {
		"intel-sapphirerapids.txt", "intel-graniterapids.txt",
		"intel-icelakesp.txt", "amd-rome.txt", "amd-genoa.txt",
		"intel-denverton-goldmont.txt", "intel-tigerlake.txt",
	};
	struct xsvm_err err = { { 0 } };

	(void)state;
	read_tdx_file();
	assert_int_equal(tdx_file_len, policy_tdx_len);
	assert_memory_equal(tdx_file, policy_tdx_text, tdx_file_len);
	assert_int_equal(policy_tdx_text[policy_tdx_len], '\0');
	assert_int_equal(policy_parse("tdx.policy", tdx_file, tdx_file_len,
				      &pol2, &err),
			 0);
	load_policy("tdx", &pol);
	assert_string_equal(pol2.name, "tdx");
	assert_int_equal(pol2.nr_rules, pol.nr_rules);
	assert_memory_equal(pol2.rules, pol.rules,
			    pol.nr_rules * sizeof(pol.rules[0]));

	for (unsigned int i = 0; i < sizeof(some) / sizeof(some[0]); i++) {
		/* the default XFAM, and the smallest one every dump allows */
		for (int explicit = 0; explicit < 2; explicit++) {
			test_load_dump(some[i], &t);
			apply_ok(&t, &pol, explicit, 0x3, &res);
			test_load_dump(some[i], &src);
			apply_ok(&src, &pol2, explicit, 0x3, &res2);
			assert_tables_equal(&t, &src);
			assert_int_equal(res.xfam, res2.xfam);
			assert_int_equal(res.kept, res2.kept);
			assert_int_equal(res.allow_xcr0, res2.allow_xcr0);
			assert_int_equal(res.allow_xss, res2.allow_xss);
			assert_changes_equal(&res, &res2);
			assert_true(res.nr_changes > 0);
		}
	}
}

static void parse_fails(const char *text, int code, const char *msg)
{
	struct xsvm_err err = { { 0 } };

	assert_int_equal(policy_parse("m.policy", text, strlen(text), &pol,
				      &err),
			 code);
	assert_string_equal(err.msg, msg);
}

static void test_parse_errors(void **state)
{
	(void)state;
	/* comments and blank lines count as lines */
	parse_fails("# a policy\n\nxfam-allowed 0x7\nfixed2 0x1 0 eax 0x1\n",
		    -EINVAL, "m.policy:4: unknown key 'fixed2'");
	parse_fails("xfam-allowed 0x6dbeg\n", -EINVAL,
		    "m.policy:1: bad number '0x6dbeg'");
	parse_fails("name x\nfixed0 0x7 0 ebx -1\n", -EINVAL,
		    "m.policy:2: bad number '-1'");
	parse_fails("xsave-user-mask 0x\n", -EINVAL,
		    "m.policy:1: bad number '0x'");
	/* the last line needs no newline */
	parse_fails("name x\nfixed0 0x1 0 eax zz", -EINVAL,
		    "m.policy:2: bad number 'zz'");
	parse_fails("\n\nfixed0 0x7 0 ebx\n", -EINVAL,
		    "m.policy:3: 'fixed0' takes 4 arguments, not 3");
	parse_fails("depends 0x4 0x1 0 ecx\n", -EINVAL,
		    "m.policy:1: 'depends' takes 5 arguments, not 4");
	parse_fails("name a b\n", -EINVAL,
		    "m.policy:1: 'name' takes 1 argument, not 2");
	parse_fails("xfam-allowed 0x7 # comment\nxfam-requires 0xe0\n",
		    -EINVAL,
		    "m.policy:2: 'xfam-requires' takes 2 arguments, not 1");
	parse_fails("xsave-xfd-needs-component 1\n", -EINVAL,
		    "m.policy:1: 'xsave-xfd-needs-component' takes 0 arguments, not 1");
	parse_fails("name r\n# r\nfixed1 0x1 0 exx 0x1\n", -EINVAL,
		    "m.policy:3: bad register (eax, ebx, ecx or edx) 'exx'");
	parse_fails("fixed1 0x1 0 EAX 0x1\n", -EINVAL,
		    "m.policy:1: bad register (eax, ebx, ecx or edx) 'EAX'");
	parse_fails("fixed0 0x7 0 ecx 0x100000000\n", -EINVAL,
		    "m.policy:1: number out of range '0x100000000'");
	parse_fails("xsave-max-subleaf 64\n", -EINVAL,
		    "m.policy:1: number out of range '64'");
	parse_fails("feature 0x4 0x1 0 ecx 32\n", -EINVAL,
		    "m.policy:1: feature bit must be 0..31 '32'");
	parse_fails("fixed0 0x7 0 ecx 0x10\nconfigurable 0x7 0 ecx 0x30\n",
		    -EINVAL,
		    "m.policy:2: configurable bits 0x10 of leaf 0x7 subleaf 0x0 ecx overlap fixed0 at line 1");
	parse_fails("configurable 0x1 0 edx 0xff\n\nfixed1 0x1 0 edx 0x180\n",
		    -EINVAL,
		    "m.policy:3: fixed1 bits 0x80 of leaf 0x1 subleaf 0x0 edx overlap configurable at line 1");
	parse_fails("fixed0 0x7 0 ecx 0x10\nfixed1 0x7 0 ecx 0x11\n", -EINVAL,
		    "m.policy:2: fixed1 bits 0x10 of leaf 0x7 subleaf 0x0 ecx overlap fixed0 at line 1");
	parse_fails("name x\nxfam-all-or-none 0xe0\n", -EINVAL,
		    "m.policy:2: 'xfam-all-or-none' needs an xfam-allowed line");
	parse_fails("xfam-required 0x3\n", -EINVAL,
		    "m.policy:1: 'xfam-required' needs an xfam-allowed line");
	parse_fails("xfam-allowed 0x7\nxfam-required 0xb\n", -EINVAL,
		    "m.policy:2: xfam-required 0xb has bits outside xfam-allowed 0x7");
}

/*
 * Numbers are C numbers: decimal (leading zeros do not make octal) or
 * 0x/0X hex. Digits past 64 bits are out of range even before a bad
 * character; a field's own range is checked after the whole word.
 */
static void test_parse_numbers(void **state)
{
	(void)state;
	parse_ok("n", "xsave-user-mask 0XfF\n"
		      "xsave-supervisor-mask 0x0000000000000000000400\n"
		      "xsave-max-subleaf 063\ndrop-leaf 0XFFFFFFFF\n"
		      "drop-leaf 00000000000000000000000000017\n",
		 &pol);
	assert_int_equal(pol.user_mask, 0xff);
	assert_int_equal(pol.supervisor_mask, 0x400);
	assert_int_equal(pol.max_subleaf, 63);
	assert_int_equal(pol.rules[0].leaf, 0xffffffffu);
	assert_int_equal(pol.rules[1].leaf, 17);
	parse_ok("n", "xsave-user-mask 18446744073709551615\n"
		      "xsave-supervisor-mask 0xFFFFFFFFFFFFFFFF\n",
		 &pol);
	assert_int_equal(pol.user_mask, UINT64_MAX);
	assert_int_equal(pol.supervisor_mask, UINT64_MAX);

	parse_fails("xsave-user-mask 18446744073709551616\n", -EINVAL,
		    "m.policy:1: number out of range '18446744073709551616'");
	parse_fails("xsave-user-mask 0x10000000000000000\n", -EINVAL,
		    "m.policy:1: number out of range '0x10000000000000000'");
	parse_fails("xsave-user-mask 0X000010000000000000000\n", -EINVAL,
		    "m.policy:1: number out of range '0X000010000000000000000'");
	parse_fails("xsave-user-mask 99999999999999999999z\n", -EINVAL,
		    "m.policy:1: number out of range '99999999999999999999z'");
	parse_fails("drop-leaf 0x100000000z\n", -EINVAL,
		    "m.policy:1: bad number '0x100000000z'");
	parse_fails("drop-leaf 4294967296\n", -EINVAL,
		    "m.policy:1: number out of range '4294967296'");
	parse_fails("xsave-max-subleaf 0x40\n", -EINVAL,
		    "m.policy:1: number out of range '0x40'");
	parse_fails("xsave-user-mask 0X\n", -EINVAL,
		    "m.policy:1: bad number '0X'");
	parse_fails("xsave-user-mask 0x0x5\n", -EINVAL,
		    "m.policy:1: bad number '0x0x5'");
	parse_fails("xsave-user-mask 0xg\n", -EINVAL,
		    "m.policy:1: bad number '0xg'");
	parse_fails("xsave-user-mask 12ab\n", -EINVAL,
		    "m.policy:1: bad number '12ab'");
	parse_fails("xsave-user-mask +1\n", -EINVAL,
		    "m.policy:1: bad number '+1'");
	parse_fails("xsave-user-mask 0x-1\n", -EINVAL,
		    "m.policy:1: bad number '0x-1'");
}

/*
 * Words are split at spaces, tabs and CRs; '#' ends a word and the line.
 * At most 8 words of at most 63 bytes; no NUL byte.
 */
static void test_parse_words(void **state)
{
	static const char nul[] = "name a\nname a\0b\n";
	struct xsvm_err err = { { 0 } };
	char text[80];

	(void)state;
	parse_ok("w", "\r\n\t \r\n# only a comment", &pol);
	assert_int_equal(pol.nr_rules, 0);
	assert_false(pol.uses_xfam);
	parse_ok("w", "name a\r\r\nxfam-allowed\t0x7#c\n", &pol);
	assert_string_equal(pol.name, "a");
	assert_int_equal(pol.xfam_allowed, 7);
	parse_fails("name a\rb\n", -EINVAL,
		    "m.policy:1: 'name' takes 1 argument, not 2");
	parse_fails("name\va\n", -EINVAL, "m.policy:1: unknown key 'name\va'");
	parse_fails("a b c d e f g h\n", -EINVAL,
		    "m.policy:1: unknown key 'a'");
	parse_fails("a b c d e f g h i\n", -EINVAL,
		    "m.policy:1: too many words");
	snprintf(text, sizeof(text), "%063d\n", 0);
	parse_fails(text, -EINVAL,
		    "m.policy:1: unknown key '000000000000000000000000000000000000000000000000000000000000000'");
	snprintf(text, sizeof(text), "%064d\n", 0);
	parse_fails(text, -EINVAL, "m.policy:1: word too long");
	assert_int_equal(policy_parse("m.policy", nul, sizeof(nul) - 1, &pol,
				      &err),
			 -EINVAL);
	assert_string_equal(err.msg, "m.policy:2: NUL byte in policy text");
}

/* Overlap is per register: other registers and subleaves are separate. */
static void test_parse_accepts(void **state)
{
	(void)state;
	parse_ok("p", "fixed0 0x7 0 ecx 0x10\r\nconfigurable 0x7 0 edx 0x10\r\n"
		      "configurable 0x7 1 ecx 0x10  # tail comment\r\n"
		      "\t fixed0 0x7 0 ecx 0x10\n"
		      "xsave-max-subleaf 63\nfeature 0x4 1 0 ecx 31",
		 &pol);
	assert_string_equal(pol.name, "p");
	assert_false(pol.uses_xfam);
	assert_int_equal(pol.nr_rules, 5);
	assert_int_equal(pol.rules[2].kind, POLICY_CONFIGURABLE);
	assert_int_equal(pol.rules[2].line, 3);
	assert_int_equal(pol.rules[2].subleaf, 1);
	assert_int_equal(pol.rules[3].line, 4);
	assert_int_equal(pol.rules[4].bits, 0x80000000u);
	assert_int_equal(pol.rules[4].line, 6);
	assert_int_equal(pol.max_subleaf, 63);

	parse_ok("empty", "", &pol);
	assert_string_equal(pol.name, "empty");
	assert_int_equal(pol.nr_rules, 0);
	assert_int_equal(pol.user_mask, ~0ull);
	assert_int_equal(pol.max_subleaf, 63);
}

/* A fixed0 on a bit the tdx policy leaves to the host is refused. */
static void test_parse_tdx_extra_line(void **state)
{
	static const char extra[] = "fixed0 0x7 0 edx 0x01000000\n";
	static char text[16384];
	size_t n = policy_tdx_len;
	struct xsvm_err err = { { 0 } };

	(void)state;
	assert_true(n + sizeof(extra) <= sizeof(text));
	memcpy(text, policy_tdx_text, n);
	memcpy(text + n, extra, sizeof(extra));
	assert_int_equal(policy_parse("tdx+amx", text, strlen(text), &pol,
				      &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "tdx+amx:108: fixed0 bits 0x1000000 of leaf 0x7 subleaf 0x0 edx overlap configurable at line 63");
}

static void test_parse_too_many_rules(void **state)
{
	static char text[POLICY_MAX_RULES * 16 + 64];
	size_t pos = 0;
	struct xsvm_err err = { { 0 } };

	(void)state;
	for (unsigned int i = 0; i < POLICY_MAX_RULES; i++)
		pos += (size_t)sprintf(text + pos, "drop-leaf 0x99\n");
	assert_int_equal(policy_parse("big", text, pos, &pol, &err), 0);
	assert_int_equal(pol.nr_rules, POLICY_MAX_RULES);
	pos += (size_t)sprintf(text + pos, "drop-leaf 0x98\n");
	assert_int_equal(policy_parse("big", text, pos, &pol, &err), -ENOSPC);
	assert_string_equal(err.msg, "big:257: more than 256 rules");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_tdx),
		cmocka_unit_test(test_builtin_names),
		cmocka_unit_test(test_builtin_matches_file),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_words),
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_tdx_extra_line),
		cmocka_unit_test(test_parse_too_many_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
