// SPDX-License-Identifier: MIT
/*
 * Tests of explaining a failing guest from its log (cpuid/explain.c,
 * explain_checks.c, explain_causes.c): a crafted dump for each check and
 * cause, the ordered builder's dump, and the logs of the two boxes.
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
#include "cpuid/explain.h"
#include "explain_cases.h"
#include "explain_util.h"
#include "test_util.h"

#define CAUSE_QEMU_BOX                                                            \
	"EBX not updated after XSETBV: 576 is the standard size for XCR0 0x1 "    \
	"(x87 only), the reset value: EBX was not updated after the kernel's "    \
	"XSETBV to 0x207 (a host that does not intercept XSETBV, or does not "    \
	"recompute 0xd.0 EBX); in order the standard size for XCR0 0x207 is 2696"

/* b: PKRU and CET_U both aligned; EBX is the sum with no alignment. */
static void test_no_align(void **state)
{
	(void)state;
	explain_str(SUB(0, 207, a88, a88) SUB(1, f, 358, 800) AVX
			    SUB(9, 8, a80, 2) SUB(b, 10, 0, 3));
	assert_int_equal(res.mask, 0xa07);
	assert_int_equal(res.in_order_size, 912);
	assert_int_equal(res.reported_size, 856);
	assert_int_equal(res.reported_source, EXPLAIN_REPORTED_EBX1);
	assert_one_cause(EXPLAIN_NO_ALIGN,
			 "alignment ignored: 856 is the compacted size of 0xa07 with no 64-byte alignment; in order with alignment it is 912 (56 bytes of padding before component 11)");
}

/* c: 0xD.1 EBX sized from XCR0 alone (KVM up to 6.8 with CET_U). */
static void test_wrong_state(void **state)
{
	(void)state;
	explain_str(SUB(0, 600e7, 2b00, 2b00) SUB(1, 1f, 29c0, 1800) AVX AVX512
			    SUB(b, 10, 0, 1) SUB(c, 18, 0, 1)
			    SUB(11, 40, ac0, 2) SUB(12, 2000, b00, 6));
	assert_int_equal(res.mask, 0x608e7);
	assert_int_equal(res.in_order_size, 10752);
	assert_int_equal(res.reported_size, 10688);
	assert_one_cause(EXPLAIN_WRONG_STATE,
			 "EBX computed for the wrong XCR0/XSS: 10688 is the in-order compacted size for 0x600e7 (component 11 (cet_u) left out), not for the enabled 0x608e7: 0xd.1 EBX was sized from XCR0 alone, without the supervisor components of XSS 0x800");
}

/* d: a 64-byte PKRU (AMD Zen 2) with sizes consistent with it. */
static void test_struct_size(void **state)
{
	(void)state;
	explain_str(SUB(0, 207, ac0, ac0) SUB(1, f, 380, 0) AVX
			    SUB(9, 40, a80, 0));
	assert_int_equal(res.in_order_size, 896);
	assert_int_equal(res.reported_size, 896);
	assert_one_cause(EXPLAIN_STRUCT_SIZE,
			 "component 9 (pkru) is 64 bytes in 0xd.9 EAX but the kernel's struct is 8 bytes");
}

/* e: AVX marked supervisor while XSAVES is clear. */
static void test_no_xsaves(void **state)
{
	(void)state;
	explain_str(SUB(0, 7, 340, 340) SUB(1, 7, 340, 0) SUB(2, 100, 240, 1));
	assert_false(res.xsaves);
	assert_false(res.sizes_checked);
	assert_one_cause(EXPLAIN_NO_XSAVES,
			 "supervisor component without XSAVES: component 2 (avx) has 0xd.2 ECX bit 0 (supervisor) set but 0xd.1 EAX bit 3 (XSAVES) is clear, so the kernel stops before the size check and disables XSAVE");
}

/* f: PKRU enabled in 0xD.0 EAX with no 0xD.9. */
static void test_missing(void **state)
{
	(void)state;
	explain_str(SUB(0, 207, 340, 340) SUB(1, f, 340, 0) AVX);
	assert_int_equal(res.missing_subleaves, 0x200);
	assert_one_cause(EXPLAIN_MISSING_SUBLEAF,
			 "subleaf missing for enabled component 0xd.9 (pkru): the kernel reads its size as 0 bytes");
}

/* g: standard format, Hi16_ZMM placed over ZMM_Hi256. */
static void test_offsets(void **state)
{
	(void)state;
	explain_str(SUB(0, e7, 870, 870) SUB(1, 1, 0, 0) AVX SUB(5, 40, 440, 0)
			    SUB(6, 200, 480, 0) SUB(7, 400, 470, 0));
	assert_false(res.compacted);
	assert_int_equal(res.in_order_size, 2160);
	assert_int_equal(res.reported_size, 2160);
	assert_int_equal(res.reported_source, EXPLAIN_REPORTED_EBX0);
	assert_one_cause(EXPLAIN_OFFSETS,
			 "standard offsets out of ascending order: component 7 (hi16_zmm) is at 1136 (0xd.7 EBX) but component 6 (zmm_hi256) occupies 1152..1664");
}

/* The ordered builder's dump: no problem. */
static void test_ordered_dump(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result br;
	struct xsvm_err err = { { 0 } };
	static char text[65536];
	static struct cpuid_table t;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	assert_int_equal(xsave_build(&t, &p, &br, &err), 0);
	cpuid_table_print(&t, text, sizeof(text));
	explain_str(text);
	assert_int_equal(elog.dump, EXPLAIN_DUMP_TABLE);
	assert_int_equal(res.in_order_size, 10752);
	assert_int_equal(res.reported_size, 10752);
	assert_int_equal(res.nr_causes, 0);
}

/* ------------------------------------------------ the candidate search */

/* The search tried `tried` computations and one gave the reported size. */
static void assert_one_candidate(unsigned int tried, const char *name,
				 enum explain_cause_kind k)
{
	assert_true(res.searched);
	assert_int_equal(res.candidates_tried, tried);
	assert_int_equal(res.candidates_found, 1);
	assert_int_equal(res.nr_candidates, 1);
	assert_string_equal(res.candidates[0].name, name);
	assert_int_equal(res.candidates[0].size, res.reported_size);
	assert_int_equal(res.candidates[0].assumptions, 1);
	assert_int_equal(res.candidates[0].kind, k);
	/* the cause is the candidate's */
	assert_one_cause(k, res.candidates[0].text);
}

/*
 * The QEMU box: Debian's 6.1 under xsvm in QEMU TCG with nested SVM. 0xd.0
 * EBX stayed at the reset XCR0's 576 after the kernel's XSETBV to 0x207.
 */
static void test_qemu_box(void **state)
{
	(void)state;
	test_explain_log("ebx-not-updated-after-xsetbv-qemu-6.1.txt", &elog,
			 &table, &res);
	assert_string_equal(elog.release, "6.1.0-57-amd64");
	assert_int_equal(elog.dump_lines, 29);
	/* "Debian 6.1.192-3" later in the banner */
	assert_int_equal(res.version, LINUX_REL(6, 1, 192));
	assert_int_equal(res.xcr0, 0x207);
	assert_int_equal(res.xss, 0);
	assert_false(res.compacted);
	assert_int_equal(res.in_order_size, 2696);
	assert_int_equal(res.reported_size, 576);
	assert_one_candidate(33, "ebx_not_updated_after_xsetbv",
			     EXPLAIN_STALE_EBX);
	assert_string_equal(res.causes[0].text, CAUSE_QEMU_BOX);
	assert_string_equal(explain_cause_name(EXPLAIN_STALE_EBX), "stale_ebx");
}

/*
 * Bochs 2.7 (corei7_skylake_x): 0xd.1 EBX is the standard size 2688 of
 * XCR0 0xe7 where the kernel, with XSAVES, computes the compacted 2432.
 */
static void test_bochs_standard_size(void **state)
{
	(void)state;
	test_explain_log("standard-size-for-compacted-bochs-6.1.txt", &elog,
			 &table, &res);
	assert_int_equal(elog.dump_lines, 29);
	assert_int_equal(res.version, LINUX_REL(6, 1, 119));
	assert_int_equal(res.mask, 0xe7);
	assert_true(res.compacted);
	assert_int_equal(res.in_order_size, 2432);
	assert_int_equal(res.layout.standard_size, 2688);
	assert_int_equal(res.reported_size, 2688);
	assert_one_candidate(19, "standard_size_for_compacted",
			     EXPLAIN_WRONG_FORMAT);
	assert_string_equal(res.causes[0].text,
			    "standard-format size where the compacted one is due: 2688 is the standard-format size for XCR0 0xe7: the host reports the standard-format size in 0xd.1 EBX where the compacted format is due; in order the compacted size for XCR0 0xe7 is 2432");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_align),
		cmocka_unit_test(test_wrong_state),
		cmocka_unit_test(test_struct_size),
		cmocka_unit_test(test_no_xsaves),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_ordered_dump),
		cmocka_unit_test(test_qemu_box),
		cmocka_unit_test(test_bochs_standard_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
