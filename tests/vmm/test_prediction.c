// SPDX-License-Identifier: MIT
/*
 * Tests of the comparison of a console's x86/fpu lines with the Linux
 * model (vmm/prediction.c). The model's lines for the #708 tables, fed as a
 * console shows them, give the right verdict and match the prediction
 * however they are chunked; altered, extra, swapped and missing lines are
 * the differences.
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
#include "verdict_util.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

static struct linux_result alt;

/*
 * The stream made from the model's lines gives verdict want, exactly the
 * model's lines, the version line, the block's end at the right byte, and
 * matches the prediction, however it is chunked.
 */
static void check_model_stream(const struct linux_result *r,
			       enum verdict_kind want, const char *problem)
{
	struct stream s;

	for (unsigned int i = 0; i < r->nr_lines; i++)
		if (!prediction_line_modelled(r->lines[i]))
			fail_msg("model line not of a modelled kind: %s",
				 r->lines[i]);
	model_stream(&s, r);
	for (int c = CHUNK_ALL; c < NR_CHUNKINGS; c++) {
		feed_stream(&s, (enum chunking)c);
		assert_int_equal(verdict_result(&v), want);
		assert_observed(r);
		assert_true(v.seen_byte);
		assert_true(v.block_started);
		assert_true(verdict_block_done(&v));
		assert_true(v.have_version);
		assert_string_equal(v.version, VERSION_LINE);
		assert_true(v.init_started);
		assert_false(v.dmesg_done);
		assert_false(v.panic);
		assert_string_equal(v.problem, problem ? problem : "");
		assert_int_equal(v.nr_truncated, 0);
		assert_int_equal(prediction_compare(&v, r, &diff), 0);
		assert_int_equal(diff.nr_predicted, r->nr_lines);
		assert_int_equal(diff.nr_observed, r->nr_lines);
		assert_int_equal(diff.nr_matched, r->nr_lines);
		assert_int_equal(diff.nr_missing, 0);
		assert_int_equal(diff.nr_unexpected, 0);
		assert_false(diff.observed_truncated);
	}
	stream_free(&s);
}

static void assert_dump_lines(unsigned int from, unsigned int n)
{
	char prefix[32];

	assert_true(from + n <= pred.nr_lines);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "CPUID[0d, %02x]: ", i);
		assert_memory_equal(pred.lines[from + i], prefix,
				    strlen(prefix));
	}
}

/* ---- model streams ---- */

/* #708 as the README reproduces it: no leaf 0x1D, so the dump comes first. */
static void test_model_708(void **state)
{
	(void)state;
	build_708(false, true);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 31);
	assert_string_equal(pred.lines[0],
			    "XFEATURE_XTILE_DATA: calculated size is 0 bytes, "
			    "cpu state 8192 bytes");
	assert_dump_lines(1, 29);
	assert_string_equal(
		pred.lines[30],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[30]);
}

/* With leaf 0x1D the problem comes first and the block ends after its dump. */
static void test_model_708_tile_leaf(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 30);
	assert_string_equal(
		pred.lines[0],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump_lines(1, 29);
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* 7.1 adds "x86/fpu: XSAVE disabled" after the 30-line dump. */
static void test_model_708_7_1(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_7_1);
	assert_int_equal(pred.nr_lines, 32);
	assert_string_equal(
		pred.lines[0],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump_lines(1, 30);
	assert_string_equal(pred.lines[31], "x86/fpu: XSAVE disabled");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* 5.15 refuses the 10704-byte area before any check. */
static void test_model_708_5_15(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_5_15);
	assert_int_equal(pred.nr_lines, 1);
	assert_string_equal(pred.lines[0], "x86/fpu: xstate buffer too small "
					   "(4096 < 10704), disabling xsave");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* The Sapphire Rapids dump as it is: EBX read at another XCR0/XSS. */
static void test_model_spr_native(void **state)
{
	(void)state;
	load_spr(false);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 31);
	assert_string_equal(
		pred.lines[30],
		"XSAVE consistency problem: size 10752 != kernel_size 10880");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[30]);
}

/* The ascending builder at the model's own state: a clean boot. */
static void test_model_passed(void **state)
{
	static const uint32_t vers[] = {LINUX_6_1, LINUX_6_8,
						  LINUX_7_1};
	/* 6.8 adds CET_U; 7.1 CET_S: one "Supporting" and one offset each */
	static const unsigned int nr[] = {19, 21, 23};
	static const char *const enabled[] = {
		"x86/fpu: Enabled xstate features 0x606e7, context size is "
		"10752 bytes, using 'compacted' format.",
		"x86/fpu: Enabled xstate features 0x60ee7, context size is "
		"10752 bytes, using 'compacted' format.",
		"x86/fpu: Enabled xstate features 0x61ee7, context size is "
		"10752 bytes, using 'compacted' format.",
	};
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = {{0}};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vers); i++) {
		load_spr(true);
		xsave_build_params_init(&p);
		p.linux_version = vers[i];
		if (xsave_build(&t, &p, &r, &err))
			fail_msg("%s", err.msg);
		model(vers[i]);
		assert_true(pred.consistent);
		assert_string_equal(pred.lines[0],
				    "x86/fpu: Supporting XSAVE feature 0x001: "
				    "'x87 floating point registers'");
		assert_int_equal(pred.nr_lines, nr[i]);
		assert_string_equal(pred.lines[pred.nr_lines - 1], enabled[i]);
		check_model_stream(&pred, VERDICT_PASSED, NULL);
	}
}

/* 5.15 warns, dumps and keeps XSAVE: the block ends after "Enabled". */
static void test_model_5_15_dumping_leaves(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = {{0}};
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	xsave_build_params_init(&p);
	p.allow_xcr0 = 0x2e7;
	p.allow_xss = 0;
	p.linux_version = LINUX_5_15;
	if (xsave_build(&t, &p, &r, &err))
		fail_msg("%s", err.msg);
	e = cpuid_table_find_mut(&t, 0xd, 1);
	assert_non_null(e);
	assert_int_equal(e->ebx, 2440);
	e->ebx += 64;
	model(LINUX_5_15);
	assert_string_equal(pred.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	assert_dump_lines(1, 26);
	assert_string_equal(pred.lines[pred.nr_lines - 1],
			    "x86/fpu: Enabled xstate features 0x2e7, context "
			    "size is 2504 bytes, using 'compacted' format.");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* No XSAVE in leaf 1: the check never runs. */
static void test_model_no_xsave(void **state)
{
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	e = cpuid_table_find_mut(&t, 1, 0);
	assert_non_null(e);
	e->ecx &= ~(1u << 26);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 1);
	assert_string_equal(pred.lines[0], "x86/fpu: x87 FPU will use FXSAVE");
	check_model_stream(&pred, VERDICT_PASSED_NO_XSAVE, NULL);
}

/* SSE missing from 0xD.0 EAX: 7.1 also says "XSAVE disabled". */
static void test_model_no_fpsse(void **state)
{
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	e = cpuid_table_find_mut(&t, 0xd, 0);
	assert_non_null(e);
	e->eax &= ~2u;
	model(LINUX_7_1);
	assert_int_equal(pred.nr_lines, 2);
	assert_string_equal(pred.lines[0],
			    "x86/fpu: FP/SSE not present amongst the CPU's "
			    "xstate features: 0x6dfe5.");
	assert_string_equal(pred.lines[1], "x86/fpu: XSAVE disabled");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* ---- the comparison ---- */

/* The passing 6.8 prediction for the #708 table built ascending. */
static void passing_prediction(void)
{
	build_708(true, false);
	model(LINUX_6_8);
	assert_true(pred.consistent);
}

static void feed_result(const struct linux_result *r)
{
	struct stream s;

	model_stream(&s, r);
	feed_stream(&s, CHUNK_RANDOM);
	stream_free(&s);
}

static void test_compare_altered_line(void **state)
{
	unsigned int k;

	(void)state;
	passing_prediction();
	alt = pred;
	k = 15;
	assert_string_equal(
		alt.lines[k],
		"x86/fpu: xstate_offset[9]: 2432, xstate_sizes[9]:    8");
	snprintf(alt.lines[k], LINUX_LINE_LEN, "%s",
		 "x86/fpu: xstate_offset[9]: 2440, xstate_sizes[9]:    8");
	assert_string_not_equal(alt.lines[k], pred.lines[k]);
	feed_result(&alt);
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_int_equal(diff.nr_matched, pred.nr_lines - 1);
	assert_string_equal(diff.missing[0], pred.lines[k]);
	assert_int_equal(diff.missing_index[0], k);
	assert_string_equal(diff.unexpected[0], alt.lines[k]);
	assert_int_equal(diff.unexpected_index[0], k);

	/* the same in the #708 problem's dump */
	build_708(true, true);
	model(LINUX_6_8);
	alt = pred;
	k = 2; /* CPUID[0d, 01] */
	assert_memory_equal(alt.lines[k],
			    "CPUID[0d, 01]: eax=0000001f ebx=000029d0", 40);
	alt.lines[k][39] = '1';
	feed_result(&alt);
	assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_string_equal(diff.missing[0], pred.lines[k]);
	assert_string_equal(diff.unexpected[0], alt.lines[k]);
	assert_int_equal(diff.missing_index[0], k);
	assert_int_equal(diff.unexpected_index[0], k);
}

/* x86/fpu lines the model does not predict are not differences. */
static void test_compare_unmodelled_lines(void **state)
{
	(void)state;
	passing_prediction();
	alt = pred;
	/* a line of no modelled kind, in the middle */
	memmove(alt.lines[4], alt.lines[3],
		(alt.nr_lines - 3) * sizeof(alt.lines[0]));
	snprintf(alt.lines[3], LINUX_LINE_LEN,
		 "x86/fpu: Legacy x87 FPU detected.");
	alt.nr_lines++;
	feed_result(&alt);
	assert_false(
		prediction_line_modelled("x86/fpu: Legacy x87 FPU detected."));
	assert_int_equal(prediction_compare(&v, &pred, &diff), 0);
	assert_int_equal(diff.nr_observed, pred.nr_lines);
	assert_int_equal(diff.nr_matched, pred.nr_lines);

	/* a modelled line said twice: one unexpected, nothing missing */
	alt = pred;
	memmove(alt.lines[1], alt.lines[0],
		alt.nr_lines * sizeof(alt.lines[0]));
	alt.nr_lines++;
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 1);
	assert_int_equal(diff.nr_missing, 0);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_string_equal(diff.unexpected[0], pred.lines[0]);
}

/* Order matters: two swapped lines are one missing and one unexpected. */
static void test_compare_order(void **state)
{
	char tmp[LINUX_LINE_LEN];

	(void)state;
	passing_prediction();
	alt = pred;
	memcpy(tmp, alt.lines[2], sizeof(tmp));
	memcpy(alt.lines[2], alt.lines[3], sizeof(tmp));
	memcpy(alt.lines[3], tmp, sizeof(tmp));
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_int_equal(diff.nr_matched, pred.nr_lines - 1);
	/* the earlier observed line is kept in the alignment */
	assert_string_equal(diff.missing[0], pred.lines[2]);
	assert_string_equal(diff.unexpected[0], pred.lines[2]);
	assert_int_equal(diff.missing_index[0], 2);
	assert_int_equal(diff.unexpected_index[0], 3);
}

/* Nothing observed: every predicted line is missing, 16 listed. */
static void test_compare_nothing_observed(void **state)
{
	(void)state;
	build_708(false, true);
	model(LINUX_6_8);
	verdict_init(&v);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 31);
	assert_int_equal(diff.nr_missing, 31);
	assert_int_equal(diff.nr_unexpected, 0);
	assert_int_equal(diff.nr_matched, 0);
	for (unsigned int i = 0; i < PREDICTION_MAX_LISTED; i++) {
		assert_int_equal(diff.missing_index[i], i);
		assert_string_equal(diff.missing[i], pred.lines[i]);
	}
	/* a kernel that passed where the model predicts the #708 warning */
	passing_prediction();
	alt = pred;
	build_708(false, true);
	model(LINUX_6_8);
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff),
			 (int)(pred.nr_lines + alt.nr_lines));
	assert_int_equal(diff.nr_matched, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_708),
		cmocka_unit_test(test_model_708_tile_leaf),
		cmocka_unit_test(test_model_708_7_1),
		cmocka_unit_test(test_model_708_5_15),
		cmocka_unit_test(test_model_spr_native),
		cmocka_unit_test(test_model_passed),
		cmocka_unit_test(test_model_5_15_dumping_leaves),
		cmocka_unit_test(test_model_no_xsave),
		cmocka_unit_test(test_model_no_fpsse),
		cmocka_unit_test(test_compare_altered_line),
		cmocka_unit_test(test_compare_unmodelled_lines),
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_compare_nothing_observed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
