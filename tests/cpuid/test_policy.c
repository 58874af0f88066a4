// SPDX-License-Identifier: MIT
/*
 * Tests of applying a CPUID policy (cpuid/policy.c): policies without
 * XFAM, and the leaves and bits a policy removes, fixes or clears, each
 * change naming its rule. The other policy tests: test_policy_parse.c
 * (the text format), test_policy_xfam.c (XFAM) and test_policy_dumps.c
 * (every dump and XFAM through the builder and the Linux model).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "cpuid/linux.h"
#include "cpuid/policy.h"
#include "cpuid/xsave.h"
#include "policy_util.h"
#include "test_util.h"

/* ---- Policies without XFAM ---- */

static const char noavx512_text[] = "name noavx512\n"
				    "# AVX-512 is not offered\n"
				    "xsave-user-mask 0x60207\n"
				    "depends 0xe0 0x7 0 ebx 0xdc230000\n"
				    "depends 0xe0 0x7 0 ecx 0x00005842\n"
				    "depends 0xe0 0x7 0 edx 0x0080010c\n"
				    "depends 0xe0 0x7 1 eax 0x00000020\n";

static void assert_noavx512_table(void)
{
	struct xsave_build_result br;

	assert_false(res.uses_xfam);
	assert_false(res.xfam_default);
	assert_int_equal(res.platform, 0x6dfe7);
	assert_int_equal(res.kept, 0x6df07);
	assert_int_equal(res.allow_xcr0, 0x60207);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x60207);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0xdd00);
	assert_null(cpuid_table_find(&t, 0xd, 5));
	assert_null(cpuid_table_find(&t, 0xd, 6));
	assert_null(cpuid_table_find(&t, 0xd, 7));
	assert_non_null(cpuid_table_find(&t, 0xd, 10));
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EBX), 0x239cbffb);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_ECX), 0xbb4127ac);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EDX), 0xff5d4430);
	assert_int_equal(cpuid_table_reg(&t, 7, 1, CPUID_EAX), 0x1c10);
	assert_false(cpuid_table_bit(&t, 7, 0, CPUID_EBX, 16));

	build_ok(&t, &res, LINUX_6_8, &br);
	assert_int_equal(br.supported_xcr0, 0x60207);
	check_ok(&t, LINUX_6_8);
	assert_true(lr.consistent);
	/* PKU is still set, so 6.8 keeps PKRU */
	assert_int_equal(lr.xcr0, 0x60207);
}

/* Only xsave-user-mask: AVX-512 is not kept, so its bits go. */
static void test_no_xfam_user_mask(void **state)
{
	const struct policy_change *c;
	struct xsvm_err err = { { 0 } };

	(void)state;
	parse_ok("noavx512.policy", noavx512_text, &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, false, 0, &res);
	c = res.changes;
	assert_int_equal(res.nr_changes, 8);
	assert_bits(&c[0], 0xd, 0, CPUID_EAX, 0xe0, 0, NULL);
	assert_removed(&c[1], 0xd, 5, false, 1, NULL);
	assert_removed(&c[3], 0xd, 7, false, 1, NULL);
	assert_bits(&c[4], 7, 0, CPUID_EBX, 0xd0230000, 0,
		    "depends (noavx512:4): opmask, zmm_hi256, hi16_zmm not kept");
	assert_bits(&c[5], 7, 0, CPUID_ECX, 0x5842, 0,
		    "depends (noavx512:5): opmask, zmm_hi256, hi16_zmm not kept");
	assert_bits(&c[6], 7, 0, CPUID_EDX, 0x00800000, 0,
		    "depends (noavx512:6): opmask, zmm_hi256, hi16_zmm not kept");
	assert_bits(&c[7], 7, 1, CPUID_EAX, 0x20, 0,
		    "depends (noavx512:7): opmask, zmm_hi256, hi16_zmm not kept");
	assert_noavx512_table();

	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_int_equal(policy_apply(&t, &pol,
				      &(struct policy_params){ true, 0x207 },
				      &res, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "policy noavx512 has no XFAM (no xfam-allowed line): --xfam does not apply");
}

/* Both masks given: the same table, PASID and all supervisor state kept. */
static void test_no_xfam_both_masks(void **state)
{
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "%sxsave-supervisor-mask 0xdd00\n",
		 noavx512_text);
	parse_ok("noavx512.policy", text, &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.allow_xss, 0xdd00);
	assert_int_equal(res.nr_changes, 8);
	assert_noavx512_table();
}

/* ---- Leaves and bits a policy touches ---- */

/* drop-leaf removes every subleaf; fixed bits never create an entry. */
static void test_no_invented_entries(void **state)
{
	static const char bad[] = "fixed1 0x1 0 ecx 0x80000000\n"
				  "fixed0 0x1 0 ecx 0x80000001\n";
	struct xsvm_err err = { { 0 } };

	(void)state;
	/* fixed1 and fixed0 of one bit overlap */
	assert_int_equal(policy_parse("x", bad, strlen(bad), &pol, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "x:2: fixed0 bits 0x80000000 of leaf 0x1 subleaf 0x0 ecx overlap fixed1 at line 1");

	parse_ok("x", "drop-leaf 0x7\nfixed1 0x7 0 ebx 0x1\n"
		      "fixed1 0x80000008 0 eax 0x1\nfixed1 0x1 0 ecx 0x80000000\n",
		 &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.nr_changes, 2);
	assert_removed(&res.changes[0], 7, 0, true, 3, "drop-leaf (x:1)");
	assert_bits(&res.changes[1], 1, 0, CPUID_ECX, 0, 0x80000000,
		    "fixed1 (x:4)");
	assert_null(cpuid_table_find(&t, 7, 0));
	assert_null(cpuid_table_find(&t, 7, 1));
	assert_null(cpuid_table_find(&t, 0x80000008, 0));
	assert_int_equal(t.nr, 17);
	/* a fixed bit already as fixed is no change */
	test_load_dump("intel-sapphirerapids.txt", &t);
	parse_ok("y", "fixed1 0x1 0 ecx 0x7ffefbff\nfixed0 0x1 0 ecx 0x80010400\n",
		 &pol);
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.nr_changes, 0);
	/*
	 * Leaf 1 has no subleaves: its one entry is subleaf 0, so rules
	 * naming subleaf 1 or 2 name no entry, though CPUID(1, 2) would
	 * read the subleaf-0 values.
	 */
	parse_ok("z", "fixed1 0x1 1 ecx 0x80000000\nfixed0 0x1 2 ecx 0x1\n"
		      "depends 0x4 0x1 1 ecx 0x1\n",
		 &pol);
	test_load_dump("intel-jasperlake-tremont.txt", &t);
	src = t;
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.nr_changes, 0);
	assert_tables_equal(&t, &src);
}

/* depends clears unless every component is kept, not just one of them. */
static void test_depends_needs_all(void **state)
{
	static const char text[] = "name cetu\n"
				   "xsave-supervisor-mask 0x800\n"
				   "depends 0x1800 0x7 0 ecx 0x80\n"
				   "depends 0x1800 0x7 0 edx 0x100000\n"
				   "depends-leaf 0x1800 0x1c\n"
				   "depends 0x800 0x7 0 edx 0x20\n";
	static const uint32_t sub[] = { 8, 10, 12, 14, 15 };
	const struct policy_change *c;

	(void)state;
	parse_ok("cetu.policy", text, &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_int_equal(cpuid_table_add(&t, 0x1c, 0, 0x4000000f, 7, 7, 0), 0);
	apply_ok(&t, &pol, false, 0, &res);
	/* every user component, and CET_U alone of the supervisor ones */
	assert_int_equal(res.kept, 0x60ae7);
	assert_int_equal(res.allow_xss, 0x800);
	assert_int_equal(res.nr_changes, 9);
	c = res.changes;
	assert_bits(&c[0], 0xd, 1, CPUID_ECX, 0xd500, 0, NULL);
	for (unsigned int i = 0; i < 5; i++)
		assert_removed(&c[1 + i], 0xd, sub[i], false, 1, NULL);
	assert_removed(&c[6], 0x1c, 0, true, 1,
		       "depends-leaf (cetu:5): cet_s not kept");
	assert_bits(&c[7], 7, 0, CPUID_ECX, 0x80, 0,
		    "depends (cetu:3): cet_s not kept");
	assert_bits(&c[8], 7, 0, CPUID_EDX, 0x100000, 0,
		    "depends (cetu:4): cet_s not kept");
	/* CET_U is kept: UINTR (bit 5) stays */
	assert_true(cpuid_table_bit(&t, 7, 0, CPUID_EDX, 5));
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x602e7);
	assert_non_null(cpuid_table_find(&t, 0xd, 11));
}

/* No AMX in XFAM: XFD goes, and so do the AMX bits and tile leaves. */
static void test_xfam_without_amx(void **state)
{
	const struct policy_change *c;

	(void)state;
	load_policy("tdx", &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_int_equal(cpuid_table_set(&t, 0x1d, 0, 1, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_set(&t, 0x1d, 1, 0x04002000, 0x00080040,
					 0x10, 0), 0);
	assert_int_equal(cpuid_table_set(&t, 0x1e, 0, 0, 0x4010, 0, 0), 0);
	apply_ok(&t, &pol, true, 0xe7, &res);
	assert_int_equal(res.allow_xcr0, 0xe7);
	assert_int_equal(res.allow_xss, 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0xe7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX), 0xf);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0);
	assert_null(cpuid_table_find(&t, 0x1d, 0));
	assert_null(cpuid_table_find(&t, 0x1d, 1));
	assert_null(cpuid_table_find(&t, 0x1e, 0));
	assert_null(cpuid_table_find(&t, 0xd, 17));
	assert_null(cpuid_table_find(&t, 0xd, 18));
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EDX) & 0x03400000, 0);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_ECX) & 0x80, 0);

	/*
	 * 0xD.0 EAX, 0xD.1 ECX, the 9 subleaves the source has beyond x87,
	 * SSE, AVX and AVX-512, XFD; the two tile leaves (0x14 and 0x1c are
	 * absent: nothing to record); 5 fixed bits; 7 depends.
	 */
	c = res.changes;
	assert_bits(&c[0], 0xd, 0, CPUID_EAX, 0x60200, 0, NULL);
	assert_bits(&c[1], 0xd, 1, CPUID_ECX, 0xdd00, 0, NULL);
	for (unsigned int i = 0; i < 9; i++) {
		static const uint32_t sub[] = { 8, 9, 10, 11, 12, 14,
						15, 17, 18 };

		assert_removed(&c[2 + i], 0xd, sub[i], false, 1, NULL);
	}
	assert_bits(&c[11], 0xd, 1, CPUID_EAX, 0x10, 0, NULL);
	assert_removed(&c[12], 0x1d, 0, true, 2,
		       "depends-leaf (tdx:98): tilecfg, tiledata not kept");
	assert_removed(&c[13], 0x1e, 0, true, 1,
		       "depends-leaf (tdx:99): tilecfg, tiledata not kept");
	assert_int_equal(count_kind(&res, POLICY_CHANGE_REMOVED), 11);
	assert_bits(&c[19], 7, 0, CPUID_ECX, 0x8, 0,
		    "depends (tdx:91): pkru not kept");
	assert_bits(&c[20], 7, 0, CPUID_ECX, 0x80, 0,
		    "depends (tdx:93): cet_u, cet_s not kept");
	assert_bits(&c[21], 7, 0, CPUID_EDX, 0x100000, 0,
		    "depends (tdx:94): cet_u, cet_s not kept");
	assert_bits(&c[22], 7, 0, CPUID_EDX, 0x03400000, 0,
		    "depends (tdx:96): tilecfg, tiledata not kept");
	assert_bits(&c[25], 7, 0, CPUID_EDX, 0x80000, 0,
		    "depends (tdx:106): lbr not kept");
	assert_int_equal(res.nr_changes, 26);
}

/*
 * The change list holds POLICY_MAX_CHANGES: 0xD.0 EAX and EDX, 0xD.1 ECX,
 * 62 subleaves and one change per fixed1 rule.
 */
static void overflow_case(unsigned int rules, int ret)
{
	static char text[128 + POLICY_MAX_RULES * 40];
	struct policy_params pp = { false, 0 };
	struct xsvm_err err = { { 0 } };
	size_t pos;

	assert_true(rules <= POLICY_MAX_RULES);
	pos = (size_t)sprintf(text, "name big\nxsave-user-mask 0x3\n"
				    "xsave-supervisor-mask 0\n");
	for (unsigned int i = 0; i < rules; i++)
		pos += (size_t)sprintf(text + pos,
				       "fixed1 0x%x 0 eax 0x1\n",
				       0x40000100 + i);
	assert_int_equal(policy_parse("big", text, pos, &pol, &err), 0);

	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_add(&t, 0xd, 0, 0x7, 0, 0, 0x1), 0);
	assert_int_equal(cpuid_table_add(&t, 0xd, 1, 0xf, 0, 0x100, 0), 0);
	for (unsigned int i = 2; i < 64; i++)
		assert_int_equal(cpuid_table_add(&t, 0xd, i, 8, 0, 0, 0), 0);
	for (unsigned int i = 0; i < rules; i++)
		assert_int_equal(cpuid_table_add(&t, 0x40000100 + i, 0, 0, 0,
						 0, 0),
				 0);
	assert_int_equal(policy_apply(&t, &pol, &pp, &res, &err), ret);
	if (ret) {
		assert_string_equal(err.msg,
				    "policy big: more than 320 changes to record");
		return;
	}
	assert_int_equal(res.nr_changes, POLICY_MAX_CHANGES);
	assert_int_equal(count_kind(&res, POLICY_CHANGE_REMOVED), 62);
	assert_int_equal(t.nr, 2 + rules);
}

static void test_change_overflow(void **state)
{
	(void)state;
	assert_int_equal(POLICY_MAX_CHANGES, 320);
	overflow_case(255, 0);
	overflow_case(256, -ENOSPC);
}

/* Subleaves above xsave-max-subleaf go, whatever component they name. */
static void test_max_subleaf(void **state)
{
	struct cpuid_entry *e;
	const struct policy_change *c;

	(void)state;
	load_policy("tdx", &pol);
	test_load_dump("intel-graniterapids.txt", &t);
	/* APX (19) claimed with its subleaf, and a stray subleaf 0x3f */
	e = cpuid_table_find_mut(&t, 0xd, 0);
	e->eax |= 0x80000;
	assert_int_equal(cpuid_table_add(&t, 0xd, 0x13, 0x80, 0x3c0, 0, 0), 0);
	assert_int_equal(cpuid_table_add(&t, 0xd, 0x3f, 0x8, 0, 0, 0), 0);
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.platform, 0xfdfe7);
	assert_int_equal(res.xfam, 0x6dbe7);
	c = res.changes;
	assert_bits(&c[0], 0xd, 0, CPUID_EAX, 0x80000, 0, NULL);
	/* PASID and HWP leave 0xD.1 ECX */
	assert_bits(&c[1], 0xd, 1, CPUID_ECX, 0x10400, 0, NULL);
	assert_removed(&c[2], 0xd, 10, false, 1, NULL);
	assert_removed(&c[3], 0xd, 16, false, 1, NULL);
	assert_removed(&c[4], 0xd, 0x13, false, 1, "xsave-max-subleaf (tdx:35): subleaf above 0x12");
	assert_removed(&c[5], 0xd, 0x3f, false, 1, "xsave-max-subleaf (tdx:35): subleaf above 0x12");
	assert_null(cpuid_table_find(&t, 0xd, 0x13));
	assert_null(cpuid_table_find(&t, 0xd, 0x3f));
	assert_non_null(cpuid_table_find(&t, 0xd, 0x12));
}

/*
 * Every change names the rule that made it: the rule text starts with a
 * keyword and "(NAME:LINE)", and that line of the policy file holds that
 * keyword.
 */
static void assert_located(const struct policy_result *r)
{
	const char *text = tdx_file;
	size_t len = tdx_file_len;

	for (unsigned int i = 0; i < r->nr_changes; i++) {
		const char *rule = r->changes[i].rule;
		const char *open = strstr(rule, " (tdx:");
		char kw[64];
		unsigned int line, n = 1;
		size_t pos = 0, kwlen;

		if (!open)
			fail_msg("change %u: rule '%s' names no tdx:LINE", i,
				 rule);
		kwlen = (size_t)(open - rule);
		assert_true(kwlen < sizeof(kw));
		memcpy(kw, rule, kwlen);
		kw[kwlen] = '\0';
		assert_int_equal(sscanf(open, " (tdx:%u)", &line), 1);
		while (n < line && pos < len)
			n += text[pos++] == '\n';
		assert_int_equal(n, line);
		if (strncmp(text + pos, kw, kwlen) ||
		    (text[pos + kwlen] != ' ' && text[pos + kwlen] != '\n'))
			fail_msg("change %u: rule '%s' but tdx:%u is '%.40s'",
				 i, rule, line, text + pos);
	}
}

static void test_change_rules_located(void **state)
{
	(void)state;
	read_tdx_file();
	load_policy("tdx", &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, true, 0x618e7, &res);
	assert_int_equal(res.nr_changes, 16);
	assert_located(&res);
	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_true(cpuid_table_remove(&t, 0xd, 12));
	apply_ok(&t, &pol, false, 0, &res);
	assert_located(&res);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, true, 0xe7, &res);
	assert_located(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_xfam_user_mask),
		cmocka_unit_test(test_no_xfam_both_masks),
		cmocka_unit_test(test_no_invented_entries),
		cmocka_unit_test(test_depends_needs_all),
		cmocka_unit_test(test_xfam_without_amx),
		cmocka_unit_test(test_change_overflow),
		cmocka_unit_test(test_max_subleaf),
		cmocka_unit_test(test_change_rules_located),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
