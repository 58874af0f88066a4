// SPDX-License-Identifier: MIT
/* Tests of the exact order analysis (cpuid/orders.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/orders.h"
#include "cpuid/table.h"
#include "cpuid/xsave.h"
#include "orders_reference.h"

#define FACT19 121645100408832000ull
#define FACT20 2432902008176640000ull

static struct xsave_layout layout;
static struct orders_result result;
static struct orders_result expect;

/* FACTS.md section 1: XCR0 = 0x600e7, XSS = 0x800. */
static const struct comp_def defs_708[] = {
	{2, 256, 0},
	{5, 64, 0},
	{6, 512, 0},
	{7, 1024, 0},
	{11, 16, XSAVE_ECX_SUPERVISOR},
	{17, 64, XSAVE_ECX_ALIGN64},
	{18, 8192, XSAVE_ECX_ALIGN64 | XSAVE_ECX_XFD},
};

static void test_708(void **state)
{
	(void)state;
	layout_from_defs(defs_708, 7, 0x3, &layout);
	assert_int_equal(layout.mask, 0x600e7ull | 0x800ull);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_components, 7);
	assert_int_equal(result.orders_total, 5040);
	assert_int_equal(result.ascending_size, 10752);
	assert_int_equal(result.nr_sizes, 2);
	assert_int_equal(result.sizes[0].size, 10704);
	assert_int_equal(result.sizes[0].orders, 1680);
	assert_int_equal(result.sizes[1].size, 10752);
	assert_int_equal(result.sizes[1].orders, 3360);
	brute_force(&layout, &expect);
	assert_same_sizes(&result, &expect);
}

/* Deterministic xorshift64 so the random cases are the same every run. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A size of a mixed kind: multiple of 64, multiple of 8, or odd. */
static uint32_t random_size(uint64_t *s)
{
	switch (rng_next(s) % 4) {
	case 0:
		return 64 * (1 + (uint32_t)(rng_next(s) % 16));
	case 1:
		return 8 * (1 + (uint32_t)(rng_next(s) % 40));
	case 2:
		return 1 + 2 * (uint32_t)(rng_next(s) % 100);
	default:
		return 1 + (uint32_t)(rng_next(s) % 300);
	}
}

static void random_layout(uint64_t *s, unsigned int n, struct xsave_layout *l)
{
	uint32_t size[ORDERS_MAX_COMPONENTS];
	bool aligned[ORDERS_MAX_COMPONENTS];
	unsigned int ratio = 2 + (unsigned int)(rng_next(s) % 3);

	for (unsigned int k = 0; k < n; k++) {
		size[k] = random_size(s);
		aligned[k] = rng_next(s) % ratio == 0;
	}
	layout_from_sizes(size, aligned, n, l);
}

static void test_brute_force_random(void **state)
{
	uint64_t seed = 0x708c0ffee1234567ull;
	unsigned int multi = 0;

	(void)state;
	for (unsigned int n = 0; n <= 8; n++) {
		for (unsigned int trial = 0; trial < (n < 8 ? 60u : 15u);
		     trial++) {
			random_layout(&seed, n, &layout);
			analyse_ok(&layout, &result);
			brute_force(&layout, &expect);
			assert_same_sizes(&result, &expect);
			multi += result.nr_sizes > 1;
		}
	}
	/* The random sets do exercise order dependence. */
	assert_true(multi > 200);
}

/* Fixed small sets with every aligned count, checked by brute force. */
static void test_brute_force_mixes(void **state)
{
	const uint32_t size[8] = {16, 8, 24, 40, 72, 200, 8, 9};

	(void)state;
	for (unsigned int am = 0; am < 256; am += 7) {
		bool aligned[8];

		for (unsigned int k = 0; k < 8; k++)
			aligned[k] = am & (1u << k);
		layout_from_sizes(size, aligned, 8, &layout);
		analyse_ok(&layout, &result);
		brute_force(&layout, &expect);
		assert_same_sizes(&result, &expect);
	}
}

/* Larger random sets against the subset reference. */
static void test_subset_reference_random(void **state)
{
	uint64_t seed = 0x19a1b2c3d4e5f607ull;

	(void)state;
	for (unsigned int n = 9; n <= 12; n++) {
		for (unsigned int trial = 0; trial < 6; trial++) {
			random_layout(&seed, n, &layout);
			analyse_ok(&layout, &result);
			subset_reference(&layout, &expect);
			assert_same_sizes(&result, &expect);
		}
	}
}

/*
 * 19 extended components 2..20: Sapphire Rapids style sizes, LBR taken as
 * aligned, and a hypothetical aligned component 20 whose size is not a
 * multiple of 64.
 */
static const struct comp_def defs_19[] = {
	{2, 256, 0},
	{3, 64, 0},
	{4, 64, 0},
	{5, 64, 0},
	{6, 512, 0},
	{7, 1024, 0},
	{8, 128, XSAVE_ECX_SUPERVISOR},
	{9, 8, 0},
	{10, 8, XSAVE_ECX_SUPERVISOR},
	{11, 16, XSAVE_ECX_SUPERVISOR},
	{12, 24, XSAVE_ECX_SUPERVISOR},
	{13, 8, XSAVE_ECX_SUPERVISOR},
	{14, 48, XSAVE_ECX_SUPERVISOR},
	{15, 808, XSAVE_ECX_SUPERVISOR | XSAVE_ECX_ALIGN64},
	{16, 8, XSAVE_ECX_SUPERVISOR},
	{17, 64, XSAVE_ECX_ALIGN64},
	{18, 8192, XSAVE_ECX_ALIGN64 | XSAVE_ECX_XFD},
	{19, 128, 0},
	{20, 40, XSAVE_ECX_ALIGN64},
};

/*
 * The sizes defs_19 can give: its sizes sum to 11464, so 12040 plus a padding
 * of 0 to 224 bytes in steps of 8; 12072 is the architectural size.
 */
static const struct orders_size sizes_19[] = {
	{12040, 373009867776000ull},   {12048, 483596322693120ull},
	{12056, 961048953446400ull},   {12064, 1557864741888000ull},
	{12072, 5409959588167680ull},  {12080, 4258456184586240ull},
	{12088, 3705523910000640ull},  {12096, 12898242392555520ull},
	{12104, 7719110087270400ull},  {12112, 5668872319918080ull},
	{12120, 6511435785953280ull},  {12128, 4090821161656320ull},
	{12136, 15884076675317760ull}, {12144, 8388772508712960ull},
	{12152, 5076444882862080ull},  {12160, 15687478533242880ull},
	{12168, 6228825956720640ull},  {12176, 3069212959088640ull},
	{12184, 2424125305405440ull},  {12192, 1262089858498560ull},
	{12200, 5350278009323520ull},  {12208, 1834330879180800ull},
	{12216, 705646902804480ull},   {12224, 1562253093273600ull},
	{12232, 336147716136960ull},   {12240, 46516524687360ull},
	{12248, 64947600506880ull},    {12256, 14042724433920ull},
	{12264, 71968962723840ull},
};

static void test_19_components(void **state)
{
	const unsigned int nr = sizeof(sizes_19) / sizeof(sizes_19[0]);

	(void)state;
	layout_from_defs(defs_19, 19, 0, &layout);
	assert_int_equal(layout.mask, 0x1ffffcull);
	analyse_ok(&layout, &result);
	assert_int_equal(result.orders_total, FACT19);
	assert_int_equal(result.ascending_size, 12072);
	assert_int_equal(result.nr_sizes, nr);
	for (unsigned int i = 0; i < nr; i++) {
		assert_int_equal(result.sizes[i].size, sizes_19[i].size);
		assert_int_equal(result.sizes[i].orders, sizes_19[i].orders);
	}
}

/*
 * The same 19 components checked independently: unaligned components whose
 * size is a multiple of 64 never change pos modulo 64, so they can go
 * anywhere; the other 11 are enumerated by the subset reference and each of
 * their orders stands for 19!/11! full orders.
 */
static void test_19_components_reference(void **state)
{
	struct comp_def core[19];
	unsigned int n = 0;
	uint32_t dropped = 0;

	(void)state;
	for (unsigned int k = 0; k < 19; k++) {
		if (!(defs_19[k].ecx & XSAVE_ECX_ALIGN64) &&
		    defs_19[k].size % 64 == 0)
			dropped += defs_19[k].size;
		else
			core[n++] = defs_19[k];
	}
	assert_int_equal(n, 11);
	layout_from_defs(core, n, 0, &layout);
	subset_reference(&layout, &expect);
	layout_from_defs(defs_19, 19, 0, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_sizes, expect.nr_sizes);
	for (unsigned int i = 0; i < result.nr_sizes; i++) {
		assert_int_equal(result.sizes[i].size,
				 expect.sizes[i].size + dropped);
		assert_int_equal(result.sizes[i].orders,
				 expect.sizes[i].orders * (FACT19 / fact(11)));
	}
}

static void test_no_components(void **state)
{
	(void)state;
	layout_from_defs(NULL, 0, 0x3, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_components, 0);
	assert_int_equal(result.orders_total, 1);
	assert_int_equal(result.ascending_size, 576);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, 576);
	assert_int_equal(result.sizes[0].orders, 1);
}

static void test_one_component(void **state)
{
	const struct comp_def tiledata = {18, 8192, XSAVE_ECX_ALIGN64};
	const struct comp_def odd = {9, 13, 0};

	(void)state;
	layout_from_defs(&tiledata, 1, 0, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.orders_total, 1);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, 576 + 8192);
	assert_int_equal(result.sizes[0].orders, 1);
	layout_from_defs(&odd, 1, 0, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, 589);
	assert_int_equal(result.sizes[0].orders, 1);
}

/* No aligned component: order cannot matter, even for 20 odd sizes. */
static void test_all_unaligned(void **state)
{
	uint32_t size[20];
	bool aligned[20] = {false};
	uint32_t sum = 576;

	(void)state;
	for (unsigned int k = 0; k < 20; k++) {
		size[k] = 2 * k + 1;
		sum += size[k];
	}
	layout_from_sizes(size, aligned, 7, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, 576 + 49);
	assert_int_equal(result.sizes[0].orders, 5040);
	layout_from_sizes(size, aligned, 20, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.orders_total, FACT20);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, sum);
	assert_int_equal(result.sizes[0].orders, FACT20);
}

/* All aligned and all multiples of 64: no padding in any order. */
static void test_all_aligned_64(void **state)
{
	uint32_t size[20];
	bool aligned[20];

	(void)state;
	for (unsigned int k = 0; k < 20; k++) {
		size[k] = 64 * (k + 1);
		aligned[k] = true;
	}
	layout_from_sizes(size, aligned, 20, &layout);
	analyse_ok(&layout, &result);
	assert_int_equal(result.nr_sizes, 1);
	assert_int_equal(result.sizes[0].size, 576 + 64 * 210);
	assert_int_equal(result.sizes[0].orders, FACT20);
}

static void test_too_many_components(void **state)
{
	uint32_t size[21];
	bool aligned[21];
	struct xsvm_err err = {""};

	(void)state;
	for (unsigned int k = 0; k < 21; k++) {
		size[k] = 64;
		aligned[k] = k == 15 || k == 16;
	}
	layout_from_sizes(size, aligned, 21, &layout);
	assert_int_equal(orders_analyse(&layout, &result, &err), -E2BIG);
	assert_string_equal(err.msg,
			    "21 components: at most 20 can be analysed");
	assert_int_equal(result.nr_sizes, 0);
	assert_int_equal(orders_analyse(&layout, &result, NULL), -E2BIG);
}

/* Twenty distinct odd residues around one aligned component: refused. */
static void test_too_many_classes(void **state)
{
	uint32_t size[20];
	bool aligned[20] = {false};
	struct xsvm_err err = {""};

	(void)state;
	for (unsigned int k = 0; k < 20; k++)
		size[k] = 2 * k + 1;
	aligned[19] = true;
	layout_from_sizes(size, aligned, 20, &layout);
	assert_int_equal(orders_analyse(&layout, &result, &err), -E2BIG);
	assert_string_equal(err.msg,
			    "19 unaligned and 1 aligned size classes modulo "
			    "64: too many for exact analysis");
	assert_int_equal(result.nr_sizes, 0);
}

/* Eight aligned and five unaligned odd residues: over 256 distinct sizes. */
static void test_too_many_sizes(void **state)
{
	const uint32_t size[13] = {1,  9, 17, 26, 35, 43, 50,
				   59, 3, 5,  11, 21, 37};
	bool aligned[13];
	struct xsvm_err err = {""};

	(void)state;
	for (unsigned int k = 0; k < 13; k++)
		aligned[k] = k < 8;
	layout_from_sizes(size, aligned, 13, &layout);
	assert_int_equal(orders_analyse(&layout, &result, &err), -E2BIG);
	assert_string_equal(err.msg, "more than 256 distinct compacted sizes");
	assert_int_equal(result.nr_sizes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_708),
		cmocka_unit_test(test_brute_force_random),
		cmocka_unit_test(test_brute_force_mixes),
		cmocka_unit_test(test_subset_reference_random),
		cmocka_unit_test(test_19_components),
		cmocka_unit_test(test_19_components_reference),
		cmocka_unit_test(test_no_components),
		cmocka_unit_test(test_one_component),
		cmocka_unit_test(test_all_unaligned),
		cmocka_unit_test(test_all_aligned_64),
		cmocka_unit_test(test_too_many_components),
		cmocka_unit_test(test_too_many_classes),
		cmocka_unit_test(test_too_many_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
