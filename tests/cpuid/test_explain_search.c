// SPDX-License-Identifier: MIT
/*
 * Tests of the candidate search of `xsvm explain` (cpuid/explain_search.c,
 * cpuid/explain_candidates.c):
 * one log of tests/data/logs/ per computation, and crafted tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/explain.h"
#include "explain_util.h"
#include "test_util.h"

static struct explain_log elog;
static struct cpuid_table table;
static struct explain_result res;

static void explain_log(const char *name)
{
	test_explain_log(name, &elog, &table, &res);
}

static void explain_str(const char *text)
{
	test_explain_text(text, strlen(text), &elog, &table, &res);
}

/* The search ran: tried, found, and the names kept, in rank order. */
static void assert_search(unsigned int tried, unsigned int found,
			  const char *const *names)
{
	unsigned int n = 0;

	assert_true(res.searched);
	if (res.candidates_tried != tried || res.candidates_found != found)
		for (unsigned int i = 0; i < res.nr_candidates; i++)
			print_message("candidate %u: %s\n", i,
				      res.candidates[i].name);
	assert_int_equal(res.candidates_tried, tried);
	assert_int_equal(res.candidates_found, found);
	while (names[n])
		n++;
	assert_int_equal(res.nr_candidates, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_string_equal(res.candidates[i].name, names[i]);
		assert_int_equal(res.candidates[i].size, res.reported_size);
	}
}

static void assert_cause(enum explain_cause_kind k, const char *text)
{
	assert_int_equal(res.nr_causes, 1);
	assert_int_equal(res.causes[0].kind, k);
	assert_string_equal(res.causes[0].text, text);
}

/* #708 (the static log): orders and no alignment, orders ranked first. */
static void test_order(void **state)
{
	static const char *const names[] = { "order", "no_alignment", NULL };

	(void)state;
	explain_log("order-openvmm-708.txt");
	assert_int_equal(res.in_order_size, 10752);
	assert_int_equal(res.reported_size, 10704);
	assert_search(49, 2, names);
	assert_int_equal(res.candidates[0].assumptions, 1);
	assert_int_equal(res.candidates[0].kind, EXPLAIN_ORDER);
	assert_string_equal(res.candidates[0].text,
			    "sizes accumulated in another order: 1680 of the 5040 orders of the 7 components give 10704; in order the compacted size for XCR0 0x600e7 | XSS 0x800 is 10752");
	assert_int_equal(res.candidates[1].kind, EXPLAIN_NO_ALIGN);
	assert_int_equal(res.orders_reported, 1680);
	assert_int_equal(res.causes[0].kind, EXPLAIN_ORDER);
}

/* KVM 5.15's rule on Sapphire Rapids: both explain 10704 again. */
static void test_no_alignment(void **state)
{
	static const char *const names[] = { "order", "no_alignment", NULL };

	(void)state;
	explain_log("no-alignment.txt");
	assert_int_equal(res.mask, 0x606e7);
	assert_int_equal(res.unaligned_size, 10704);
	assert_search(45, 2, names);
	assert_string_equal(res.candidates[1].text,
			    "alignment ignored: 10704 is the compacted size with no 64-byte alignment for XCR0 0x602e7 | XSS 0x400: the host ignores 0xd.i ECX bit 1 (64-byte alignment); in order the compacted size for XCR0 0x602e7 | XSS 0x400 is 10752");
	assert_int_equal(res.orders_total, 40320);
	assert_int_equal(res.orders_reported, 6720);
}

/* 0xd.1 EBX of XCR0 alone: also the size before the kernel's XSS write. */
static void test_xcr0_without_xss(void **state)
{
	static const char *const names[] = {
		"xcr0_without_xss", "ebx_not_updated_after_xss_write", NULL
	};

	(void)state;
	explain_log("xcr0-without-xss.txt");
	assert_int_equal(res.xcr0, 0x207);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.in_order_size, 856);
	assert_int_equal(res.reported_size, 840);
	assert_search(52, 2, names);
	assert_int_equal(res.candidates[0].kind, EXPLAIN_WRONG_STATE);
	assert_int_equal(res.candidates[1].kind, EXPLAIN_STALE_EBX);
	assert_string_equal(res.candidates[1].text,
			    "EBX not updated after the XSS write: 840 is the compacted size for XCR0 0x207 with XSS still 0: 0xd.1 EBX was not updated after the kernel's IA32_XSS write of 0x800 (it writes XCR0 first, then XSS); in order the compacted size for XCR0 0x207 | XSS 0x800 is 856");
	assert_cause(EXPLAIN_WRONG_STATE,
		     "EBX computed for the wrong XCR0/XSS: 840 is the in-order compacted size for 0x207 (component 11 (cet_u) left out), not for the enabled 0xa07: 0xd.1 EBX was sized from XCR0 alone, without the supervisor components of XSS 0x800");
}

static void test_xss_without_xcr0(void **state)
{
	static const char *const names[] = { "xss_without_xcr0", NULL };

	(void)state;
	explain_log("xss-without-xcr0.txt");
	assert_int_equal(res.reported_size, 592);
	assert_search(52, 1, names);
	assert_cause(EXPLAIN_WRONG_STATE,
		     "EBX sized from XSS without XCR0: 592 is the compacted size for XSS 0x800 alone: 0xd.1 EBX sized from XSS alone, without the user components of XCR0 0x207; in order the compacted size for XCR0 0x207 | XSS 0x800 is 856");
}

/* Standard format with the compacted size in 0xd.0 EBX (AMD Milan). */
static void test_compacted_for_standard(void **state)
{
	static const char *const names[] = { "compacted_size_for_standard",
					     NULL };

	(void)state;
	explain_log("compacted-size-for-standard.txt");
	assert_false(res.compacted);
	assert_int_equal(res.in_order_size, 2440);
	assert_int_equal(res.reported_size, 840);
	assert_search(33, 1, names);
	assert_cause(EXPLAIN_WRONG_FORMAT,
		     "compacted size where the standard one is due: 840 is the compacted size for XCR0 0x207: the host reports a compacted size in 0xd.0 EBX where the standard format is due; in order the standard size for XCR0 0x207 is 2440");
}

/* AMD Zen 4 with Hi16_ZMM at Intel's offset: a variant of the table. */
static void test_other_cpu_model(void **state)
{
	static const char *const names[] = { "hi16_zmm_from_intel", NULL };

	(void)state;
	explain_log("hi16-zmm-from-intel.txt");
	assert_false(res.compacted);
	assert_int_equal(res.in_order_size, 2440);
	assert_int_equal(res.reported_size, 2688);
	assert_search(34, 1, names);
	assert_cause(EXPLAIN_OTHER_MODEL,
		     "component 7 (hi16_zmm) as on Intel: 2688 is the standard size for XCR0 0x2e7, with component 7 as on Intel: the host takes component 7 from another CPU model (1024 bytes at 1664, as in intel-alderlake-avx512; this table: 1024 bytes at 1408); in order the standard size for XCR0 0x2e7 is 2440");
}

static void test_header_counted_twice(void **state)
{
	static const char *const names[] = { "header_counted_twice", NULL };

	(void)state;
	explain_log("header-counted-twice.txt");
	assert_int_equal(res.reported_size, 2504);
	assert_search(28, 1, names);
	assert_cause(EXPLAIN_LEGACY_AREA,
		     "XSAVE header counted twice: 2504 is the compacted size for XCR0 0x2e7, plus 64: the host adds the 64-byte XSAVE header twice; in order the compacted size for XCR0 0x2e7 is 2440");
}

/* Two defects: no single one gives 10696. */
static void test_compound(void **state)
{
	static const char *const names[] = {
		"xcr0_without_xss_and_no_alignment",
		"ebx_not_updated_after_xss_write_and_no_alignment", NULL
	};

	(void)state;
	explain_log("xcr0-without-xss-and-no-alignment.txt");
	assert_int_equal(res.xcr0, 0x602e7);
	assert_int_equal(res.xss, 0xc00);
	assert_int_equal(res.unaligned_size, 10720);
	assert_int_equal(res.reported_size, 10696);
	assert_search(45, 2, names);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(res.candidates[i].assumptions, 2);
	assert_cause(EXPLAIN_WRONG_STATE,
		     "EBX sized from XCR0 without XSS and alignment ignored: 10696 is the compacted size with no 64-byte alignment for XCR0 0x602e7 alone: 0xd.1 EBX sized from XCR0 alone, without the supervisor components of XSS 0xc00; the host ignores 0xd.i ECX bit 1 (64-byte alignment); in order the compacted size for XCR0 0x602e7 | XSS 0xc00 is 10752");
}

/* Crafted tables: 0xd.0, 0xd.1 and subleaves as a dump file has them. */
#define SUB(n, a, b, c) \
	"leaf=0x0000000d subleaf=0x" #n " eax=0x" #a " ebx=0x" #b " ecx=0x" #c " edx=0x0\n"
#define CLIENT(ebx1) SUB(0, 207, a88, a88) SUB(1, f, ebx1, 0) \
	SUB(2, 100, 240, 0) SUB(9, 8, a80, 0)

/* Compacted: 0xd.1 EBX left at the reset state's 576. */
static void test_reset_compacted(void **state)
{
	static const char *const names[] = { "ebx_not_updated_after_xsetbv",
					     NULL };

	(void)state;
	explain_str(CLIENT(240));
	assert_true(res.compacted);
	assert_int_equal(res.in_order_size, 840);
	assert_search(27, 1, names);
	assert_cause(EXPLAIN_STALE_EBX,
		     "EBX not updated after XSETBV: 576 is the compacted size for XCR0 0x1 (x87 only) and XSS 0, the reset values: EBX was not updated after the kernel's XSETBV to 0x207 (a host that does not intercept XSETBV, or does not recompute 0xd.1 EBX); in order the compacted size for XCR0 0x207 is 840");
}

static void test_legacy_left_out(void **state)
{
	static const char *const names[] = {
		"legacy_area_and_header_left_out", NULL
	};

	(void)state;
	explain_str(CLIENT(108));
	assert_int_equal(res.reported_size, 264);
	assert_search(27, 1, names);
	assert_int_equal(res.causes[0].kind, EXPLAIN_LEGACY_AREA);
}

/* Nothing gives 1000: the count is in the cause. */
static void test_unexplained(void **state)
{
	static const char *const names[] = { NULL };

	(void)state;
	explain_str(CLIENT(3e8));
	assert_search(27, 0, names);
	assert_cause(EXPLAIN_UNEXPLAINED,
		     "size mismatch with no recognised cause: in order the compacted size of 0x207 is 840, the kernel was given 1000, and neither the 27 candidate computations searched (visiting orders, alignment, earlier or partial XCR0/XSS, the other format, other CPU models' components, the legacy area) nor a nearby XCR0/XSS gives 1000");
}

/* KVM up to 6.8 with CET_U: three computations give 10688. */
static void test_three_candidates(void **state)
{
	static const char *const names[] = {
		"xcr0_without_xss", "ebx_not_updated_after_xss_write",
		"header_left_out", NULL
	};

	(void)state;
	explain_str(SUB(0, 600e7, 2b00, 2b00) SUB(1, 1f, 29c0, 1800)
			    SUB(2, 100, 240, 0) SUB(5, 40, 440, 0)
			    SUB(6, 200, 480, 0) SUB(7, 400, 680, 0)
			    SUB(b, 10, 0, 1) SUB(c, 18, 0, 1)
			    SUB(11, 40, ac0, 2) SUB(12, 2000, b00, 6));
	assert_search(49, 3, names);
	assert_string_equal(res.candidates[2].text,
			    "XSAVE header left out: 10688 is the compacted size for XCR0 0x600e7 | XSS 0x800, minus 64: the host leaves out the 64-byte XSAVE header; in order the compacted size for XCR0 0x600e7 | XSS 0x800 is 10752");
	assert_int_equal(res.causes[0].kind, EXPLAIN_WRONG_STATE);
}

/* No mismatch, no search. */
static void test_consistent(void **state)
{
	(void)state;
	explain_str(CLIENT(348));
	assert_int_equal(res.reported_size, 840);
	assert_false(res.searched);
	assert_int_equal(res.candidates_tried, 0);
	assert_int_equal(res.nr_candidates, 0);
	assert_int_equal(res.nr_causes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_no_alignment),
		cmocka_unit_test(test_xcr0_without_xss),
		cmocka_unit_test(test_xss_without_xcr0),
		cmocka_unit_test(test_compacted_for_standard),
		cmocka_unit_test(test_other_cpu_model),
		cmocka_unit_test(test_header_counted_twice),
		cmocka_unit_test(test_compound),
		cmocka_unit_test(test_reset_compacted),
		cmocka_unit_test(test_legacy_left_out),
		cmocka_unit_test(test_unexplained),
		cmocka_unit_test(test_three_candidates),
		cmocka_unit_test(test_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
