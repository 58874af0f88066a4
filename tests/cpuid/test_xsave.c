// SPDX-License-Identifier: MIT
/* Tests of the XSAVE component model and layout arithmetic (cpuid/xsave.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cpuid.h>

#include "cpuid/xsave.h"
#include "test_util.h"

#define XCR0_708 0x600e7ull
#define XSS_708 0x800ull

static struct cpuid_table spr;

static int load_spr(void **state)
{
	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &spr);
	return 0;
}

static void test_component_info(void **state)
{
	const struct xsave_component_info *c;

	(void)state;
	c = xsave_component_info(XFEATURE_XTILE_DATA);
	assert_non_null(c);
	assert_int_equal(c->kernel_size, 8192);
	assert_true(c->xfd);
	assert_true(c->align64);
	assert_string_equal(c->linux_name, "AMX Tile data");
	c = xsave_component_info(XFEATURE_CET_U);
	assert_true(c->supervisor);
	assert_int_equal(c->kernel_size, 16);
	c = xsave_component_info(XFEATURE_PKRU);
	assert_false(c->supervisor);
	assert_int_equal(c->kernel_size, 8);
	assert_string_equal(c->linux_name, "Protection Keys User registers");
	assert_int_equal(xsave_component_info(XFEATURE_APX)->kernel_size, 128);
	assert_null(xsave_component_info(XFEATURE_KNOWN_NR));
	for (unsigned int i = 0; i < XFEATURE_KNOWN_NR; i++)
		assert_int_equal(xsave_component_info(i)->index, i);
}

static void test_supported_masks(void **state)
{
	(void)state;
	assert_int_equal(xsave_supported_user(&spr), 0x602e7);
	assert_int_equal(xsave_supported_supervisor(&spr), 0xdd00);
}

/* FACTS.md section 1: the #708 layout, in index order. */
static void test_708_layout(void **state)
{
	static const struct {
		unsigned int index, size, offset;
	} want[] = {
		{ 2, 256, 576 },    { 5, 64, 832 },	{ 6, 512, 896 },
		{ 7, 1024, 1408 },  { 11, 16, 2432 }, { 17, 64, 2496 },
		{ 18, 8192, 2560 },
	};
	struct xsave_layout l;

	(void)state;
	xsave_layout_compute(&spr, XCR0_708 | XSS_708, &l);
	assert_int_equal(l.nr, 7);
	for (unsigned int k = 0; k < l.nr; k++) {
		assert_int_equal(l.slot[k].comp.index, want[k].index);
		assert_int_equal(l.slot[k].comp.size, want[k].size);
		assert_int_equal(l.slot[k].compacted_offset, want[k].offset);
	}
	assert_int_equal(l.compacted_size, 10752);
	assert_int_equal(xsave_compacted_size(&spr, XCR0_708 | XSS_708), 10752);
	/* standard: TILEDATA at 0xb00 + 0x2000 */
	assert_int_equal(xsave_standard_size(&spr, XCR0_708), 11008);
	assert_int_equal(l.slot[6].standard_offset, 0xb00);
	assert_true(l.slot[5].comp.aligned);
	assert_true(l.slot[6].comp.xfd);
	assert_true(l.slot[4].comp.supervisor);
}

/* Visiting CET_U (slot 4) after TILECFG and TILEDATA loses 48 bytes. */
static void test_708_wrong_order(void **state)
{
	static const uint8_t late_cet[] = { 0, 1, 2, 3, 5, 6, 4 };
	static const uint8_t cet_between[] = { 0, 1, 2, 3, 5, 4, 6 };
	static const uint8_t cet_first[] = { 4, 0, 1, 2, 3, 5, 6 };
	struct xsave_layout l;

	(void)state;
	xsave_layout_compute(&spr, XCR0_708 | XSS_708, &l);
	assert_int_equal(xsave_compacted_size_perm(&l, late_cet), 10704);
	/* between 17 and 18: 18 still starts aligned after 16 more bytes */
	assert_int_equal(xsave_compacted_size_perm(&l, cet_between), 10752);
	assert_int_equal(xsave_compacted_size_perm(&l, cet_first), 10752);
}

/* Over seeds, hash orders give both #708 values and nothing else. */
static void test_hash_order_values(void **state)
{
	struct xsave_order h = { XSAVE_ORDER_HASH, 0 };
	unsigned int n10704 = 0, n10752 = 0;
	struct xsave_layout l;

	(void)state;
	xsave_layout_compute(&spr, XCR0_708 | XSS_708, &l);
	for (h.seed = 0; h.seed < 3000; h.seed++) {
		uint32_t s = xsave_compacted_size_order(&l, &h);

		if (s == 10704)
			n10704++;
		else if (s == 10752)
			n10752++;
		else
			fail_msg("seed %llu gave %u", (unsigned long long)h.seed,
				 s);
	}
	/* 1/3 of all orders give 10704: the seeded shuffle is near that */
	assert_true(n10704 > 850 && n10704 < 1150);
	assert_int_equal(n10704 + n10752, 3000);
}

static void test_xcr0_rules(void **state)
{
	(void)state;
	assert_null(xsave_xcr0_invalid(0x1));
	assert_null(xsave_xcr0_invalid(0x3));
	assert_null(xsave_xcr0_invalid(0x602e7));
	assert_string_equal(xsave_xcr0_invalid(0x2), "x87 (bit 0) must be set");
	assert_string_equal(xsave_xcr0_invalid(0x5),
			    "AVX (bit 2) requires SSE (bit 1)");
	assert_string_equal(xsave_xcr0_invalid(0x67),
			    "AVX-512 bits 5-7 must be all set or all clear");
	assert_string_equal(xsave_xcr0_invalid(0xe3),
			    "AVX-512 (bits 5-7) requires AVX (bit 2)");
	assert_string_equal(xsave_xcr0_invalid(0xb),
			    "MPX bits 3 and 4 must be equal");
	assert_string_equal(xsave_xcr0_invalid(0x200e7),
			    "AMX bits 17 and 18 must be equal");
}

static void test_empty_mask(void **state)
{
	struct xsave_layout l;

	(void)state;
	xsave_layout_compute(&spr, 0x3, &l);
	assert_int_equal(l.nr, 0);
	assert_int_equal(l.standard_size, 576);
	assert_int_equal(l.compacted_size, 576);
}

/* AMD Zen 2 reports PKRU as 64 bytes at 0x340. */
static void test_rome_pkru(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	assert_int_equal(xsave_standard_size(&t, 0x207), 0x380);
	assert_int_equal(xsave_compacted_size(&t, 0x207), 576 + 256 + 64);
}

/*
 * Every shared dump: find the valid XCR0/XSS pairs at which both EBX values
 * are reproduced, and check 0xD.0 ECX (all supported user components).
 * Pairs are enumerated XCR0-subset-major, each in ascending subset order.
 */
static const struct dump_expect {
	const char *name;
	unsigned int matches;
	uint64_t xcr0, xss; /* the first match */
} dump_expect[] = {
	{ "amd-genoa.txt", 1, 0xe7, 0x800 },
	{ "amd-graniteridge.txt", 1, 0xe7, 0x800 },
	{ "amd-milan.txt", 1, 0x7, 0x0 },
	{ "amd-raphael.txt", 1, 0xe7, 0x800 },
	{ "amd-rome.txt", 1, 0x7, 0x0 },
	{ "amd-summitridge.txt", 1, 0x7, 0x0 },
	{ "amd-turin.txt", 1, 0xe7, 0x800 },
	{ "intel-alderlake-avx512.txt", 1, 0xe7, 0x900 },
	{ "intel-alderlake.txt", 1, 0x7, 0x900 },
	{ "intel-alderlaken-gracemont.txt", 1, 0x7, 0x900 },
	{ "intel-arrowlake.txt", 1, 0x7, 0x900 },
	{ "intel-cascadelakesp.txt", 1, 0xff, 0x100 },
	{ "intel-denverton-goldmont.txt", 2, 0x19, 0x100 },
	{ "intel-emeraldrapids-xcr0-noamx.txt", 1, 0xe7, 0x900 },
	{ "intel-emeraldrapids.txt", 20, 0x600e7, 0x500 },
	{ "intel-graniterapids.txt", 39, 0x600e7, 0x500 },
	{ "intel-icelakesp.txt", 1, 0xe7, 0x100 },
	{ "intel-jasperlake-tremont.txt", 2, 0x1, 0x100 },
	{ "intel-meteorlake.txt", 1, 0x7, 0x900 },
	{ "intel-pantherlake.txt", 1, 0x207, 0x9800 },
	{ "intel-raptorlake.txt", 1, 0x7, 0x900 },
	{ "intel-rocketlake.txt", 1, 0xff, 0x100 },
	{ "intel-sapphirerapids.txt", 20, 0x600e7, 0x500 },
	{ "intel-skylakesp.txt", 1, 0xff, 0x100 },
	{ "intel-tigerlake.txt", 1, 0xe7, 0x900 },
};

/* The k-th subset (by the bits of k) of the set bits of m. */
static uint64_t subset(uint64_t m, uint64_t k)
{
	uint64_t r = 0;

	for (unsigned int i = 0, j = 0; i < 64; i++) {
		if (!((m >> i) & 1))
			continue;
		if ((k >> j) & 1)
			r |= 1ull << i;
		j++;
	}
	return r;
}

static void check_dump(const struct dump_expect *d)
{
	uint64_t user, sup, first_xcr0 = 0, first_xss = 0;
	uint32_t ebx0, ebx1, ecx0;
	unsigned int matches = 0;
	struct cpuid_table t;

	test_load_dump(d->name, &t);
	user = xsave_supported_user(&t);
	sup = xsave_supported_supervisor(&t);
	ebx0 = cpuid_table_reg(&t, XSAVE_LEAF, 0, CPUID_EBX);
	ecx0 = cpuid_table_reg(&t, XSAVE_LEAF, 0, CPUID_ECX);
	ebx1 = cpuid_table_reg(&t, XSAVE_LEAF, 1, CPUID_EBX);
	assert_int_equal(xsave_standard_size(&t, user), ecx0);

	for (uint64_t i = 0; i < 1ull << __builtin_popcountll(user); i++) {
		uint64_t xcr0 = subset(user, i);

		if (xsave_xcr0_invalid(xcr0) ||
		    xsave_standard_size(&t, xcr0) != ebx0)
			continue;
		for (uint64_t k = 0; k < 1ull << __builtin_popcountll(sup); k++) {
			uint64_t xss = subset(sup, k);

			if (xsave_compacted_size(&t, xcr0 | xss) != ebx1)
				continue;
			if (!matches++) {
				first_xcr0 = xcr0;
				first_xss = xss;
			}
		}
	}
	if (matches != d->matches || first_xcr0 != d->xcr0 ||
	    first_xss != d->xss)
		fail_msg("%s: %u matches, first 0x%llx/0x%llx", d->name, matches,
			 (unsigned long long)first_xcr0,
			 (unsigned long long)first_xss);
}

static void test_all_dumps_reproduced(void **state)
{
	(void)state;
	assert_int_equal(sizeof(dump_expect) / sizeof(dump_expect[0]),
			 test_nr_dumps);
	for (unsigned int i = 0; i < test_nr_dumps; i++) {
		assert_string_equal(dump_expect[i].name, test_dump_names[i]);
		check_dump(&dump_expect[i]);
	}
}

/* The EBX pair of the two Emerald Rapids dumps differs only by XCR0. */
static void test_emerald_rapids_pair(void **state)
{
	struct cpuid_table a, b;

	(void)state;
	test_load_dump("intel-emeraldrapids.txt", &a);
	test_load_dump("intel-emeraldrapids-xcr0-noamx.txt", &b);
	assert_int_equal(xsave_standard_size(&a, 0x600e7), 0x2b00);
	assert_int_equal(xsave_standard_size(&b, 0xe7), 0xa80);
	assert_int_equal(xsave_compacted_size(&b, 0xe7 | 0x900), 0xa10);
}

/*
 * The arithmetic against this machine's CPU: XSAVEC with the live XCR0
 * writes XCOMP_BV = bit 63 | XCR0 and puts each component at the offset
 * xsave_layout_compute() gives for a table read with the CPUID instruction.
 */
static void native_table(struct cpuid_table *t)
{
	unsigned int a, b, c, d;

	cpuid_table_init(t);
	for (unsigned int i = 0; i < 64; i++) {
		__cpuid_count(XSAVE_LEAF, i, a, b, c, d);
		if (i < 2 || a)
			assert_int_equal(cpuid_table_add(t, XSAVE_LEAF, i, a, b,
							 c, d),
					 0);
	}
}

static void test_native_xsavec(void **state)
{
	static uint8_t area[16384] __attribute__((aligned(64)));
	unsigned int a, b, c, d, lo, hi;
	struct xsave_layout l;
	struct cpuid_table t;
	uint64_t xcr0, bv, comp_bv;
	uint32_t pkru = 0;

	(void)state;
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 27)))
		skip();
	__cpuid_count(XSAVE_LEAF, 1, a, b, c, d);
	if (!(a & XSAVE_1_EAX_XSAVEC))
		skip();
	native_table(&t);
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	xcr0 = (uint64_t)hi << 32 | lo;
	xsave_layout_compute(&t, xcr0, &l);
	/* CPUID.(0xD,1).EBX covers XCR0|XSS; user state alone is no larger */
	assert_true(l.compacted_size <= b);
	assert_true(l.compacted_size <= sizeof(area));

	/* make AVX state non-initial: all ones in ymm0 */
	if (xcr0 & XFEATURE_BIT(XFEATURE_YMM))
		__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0" ::: "xmm0");
	__cpuid_count(7, 0, a, b, c, d);
	if ((xcr0 & XFEATURE_BIT(XFEATURE_PKRU)) && (c & (1u << 4)))
		__asm__ volatile("rdpkru" : "=a"(pkru) : "c"(0) : "edx");

	memset(area, 0xa5, sizeof(area));
	memset(area + 512, 0, 64);
	__asm__ volatile("xsavec %0" : "+m"(area) : "a"(lo), "d"(hi)
			 : "memory");
	memcpy(&bv, area + 512, 8);
	memcpy(&comp_bv, area + 520, 8);
	assert_int_equal(comp_bv, (1ull << 63) | xcr0);
	/* nothing written past the computed size */
	for (size_t i = l.compacted_size; i < sizeof(area); i++)
		if (area[i] != 0xa5)
			fail_msg("XSAVEC wrote byte %zu beyond size %u", i,
				 l.compacted_size);
	for (unsigned int k = 0; k < l.nr; k++) {
		const struct xsave_slot *s = &l.slot[k];

		if (s->comp.index == XFEATURE_YMM && (bv & XFEATURE_BIT(2))) {
			for (unsigned int i = 0; i < 16; i++)
				assert_int_equal(area[s->compacted_offset + i],
						 0xff);
		}
		if (s->comp.index == XFEATURE_PKRU && (bv & XFEATURE_BIT(9))) {
			uint32_t got;

			memcpy(&got, area + s->compacted_offset, 4);
			assert_int_equal(got, pkru);
		}
	}
	print_message("native XCR0 0x%llx: compacted size %u, %u components\n",
		      (unsigned long long)xcr0, l.compacted_size, l.nr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_component_info),
		cmocka_unit_test(test_supported_masks),
		cmocka_unit_test(test_708_layout),
		cmocka_unit_test(test_708_wrong_order),
		cmocka_unit_test(test_hash_order_values),
		cmocka_unit_test(test_xcr0_rules),
		cmocka_unit_test(test_empty_mask),
		cmocka_unit_test(test_rome_pkru),
		cmocka_unit_test(test_all_dumps_reproduced),
		cmocka_unit_test(test_emerald_rapids_pair),
		cmocka_unit_test(test_native_xsavec),
	};

	return cmocka_run_group_tests(tests, load_spr, NULL);
}
