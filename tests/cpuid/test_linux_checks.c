// SPDX-License-Identifier: MIT
/*
 * Tests of the Linux model once the kernel has entered its state
 * (cpuid/linux_checks.c): the per-component and size checks of each
 * modelled kernel, and the lines each prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/linux.h"
#include "linux_util.h"
#include "test_util.h"

#define SITE(n) "arch/x86/kernel/fpu/xstate.c:" #n

/*
 * The dump as read under Windows. PKU is set and OSPKE clear; 6.8 keeps
 * PKRU because setup_pku() forces OSPKE on. XSS: 0xc00 & 0xdd00 with
 * ENQCMD and SHSTK. The dump has no leaf 0x1D and its 0xD.1 EBX (0x2a80)
 * includes PT, which the kernel never enables.
 */
static void test_spr_6_8(void **state)
{
	struct cpuid_table t;
	uint64_t xcr0, xss;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	linux_enter_state(&t, LINUX_6_8, &xcr0, &xss);
	assert_int_equal(xcr0, 0x602e7);
	assert_int_equal(xss, 0xc00);
	check(&t, LINUX_6_8, NULL);
	assert_false(res.flags_assumed);
	assert_true(res.xsave_present);
	assert_true(res.compacted);
	assert_int_equal(res.xcr0, 0x602e7);
	assert_int_equal(res.xss, 0xc00);
	assert_int_equal(res.max_features, 0x60ee7);
	assert_int_equal(res.size, 10752);
	assert_int_equal(res.reported_size, 10880);
	assert_int_equal(res.max_standard_size, 11008);
	assert_int_equal(res.layout.compacted_size, 10752);
	assert_false(res.consistent);
	assert_false(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 31);
	assert_string_equal(res.lines[0],
			    "XFEATURE_XTILE_DATA: calculated size is 0 bytes, cpu state 8192 bytes");
	assert_dump(1, 29);
	assert_string_equal(res.lines[30],
			    "XSAVE consistency problem: size 10752 != kernel_size 10880");
	assert_string_equal(res.warn_site, SITE(602));
}

/* With leaf 0x1D and 0xD.1 EBX sized for the kernel's own state. */
static void test_spr_6_8_consistent(void **state)
{
	static const char *const exp[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x020: 'AVX-512 opmask'",
		"x86/fpu: Supporting XSAVE feature 0x040: 'AVX-512 Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x080: 'AVX-512 ZMM_Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys User registers'",
		"x86/fpu: Supporting XSAVE feature 0x400: 'PASID state'",
		"x86/fpu: Supporting XSAVE feature 0x800: 'Control-flow User registers'",
		"x86/fpu: Supporting XSAVE feature 0x20000: 'AMX Tile config'",
		"x86/fpu: Supporting XSAVE feature 0x40000: 'AMX Tile data'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[5]:  832, xstate_sizes[5]:   64",
		"x86/fpu: xstate_offset[6]:  896, xstate_sizes[6]:  512",
		"x86/fpu: xstate_offset[7]: 1408, xstate_sizes[7]: 1024",
		"x86/fpu: xstate_offset[9]: 2432, xstate_sizes[9]:    8",
		"x86/fpu: xstate_offset[10]: 2440, xstate_sizes[10]:    8",
		"x86/fpu: xstate_offset[11]: 2448, xstate_sizes[11]:   16",
		"x86/fpu: xstate_offset[17]: 2496, xstate_sizes[17]:   64",
		"x86/fpu: xstate_offset[18]: 2560, xstate_sizes[18]: 8192",
		"x86/fpu: Enabled xstate features 0x60ee7, context size is 10752 bytes, using 'compacted' format.",
	};
	struct cpuid_table t;

	(void)state;
	load_spr_amx(&t);
	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 10752;
	check(&t, LINUX_6_8, NULL);
	assert_true(res.consistent);
	assert_true(res.xsave_enabled);
	assert_string_equal(res.warn_site, "");
	assert_int_equal(res.nr_lines, 21);
	assert_lines(0, exp, 21);
}

static void test_708_consistent(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_708(&t, 10752);
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.xcr0, 0x600e7);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.size, 10752);
	assert_true(res.consistent);
	assert_true(res.xsave_enabled);
	assert_true(res.compacted);
	assert_int_equal(res.nr_lines, 9 + 7 + 1);
	assert_string_equal(res.lines[8],
			    "x86/fpu: Supporting XSAVE feature 0x40000: 'AMX Tile data'");
	assert_string_equal(res.lines[13],
			    "x86/fpu: xstate_offset[11]: 2432, xstate_sizes[11]:   16");
	assert_string_equal(res.lines[14],
			    "x86/fpu: xstate_offset[17]: 2496, xstate_sizes[17]:   64");
	assert_string_equal(res.lines[16],
			    "x86/fpu: Enabled xstate features 0x608e7, context size is 10752 bytes, using 'compacted' format.");
}

/* The #708 symptom: 11 visited after 17 and 18 loses 48 bytes of padding. */
static void test_708_warning(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_708(&t, 10704);
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.size, 10752);
	assert_int_equal(res.reported_size, 10704);
	assert_false(res.consistent);
	assert_false(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump(1, 29);
	assert_string_equal(res.lines[1],
			    "CPUID[0d, 00]: eax=000600e7 ebx=00002b00 ecx=00002b00 edx=00000000");
	assert_string_equal(res.lines[2],
			    "CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=00000800 edx=00000000");
	assert_string_equal(res.lines[4],
			    "CPUID[0d, 03]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000");
	assert_string_equal(res.lines[19],
			    "CPUID[0d, 12]: eax=00002000 ebx=00000b00 ecx=00000006 edx=00000000");
	assert_string_equal(res.lines[29],
			    "CPUID[0d, 1c]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000");
	assert_string_equal(res.warn_site, SITE(602));
}

/* 7.1 dumps 30 subleaves and says XSAVE is disabled. */
static void test_708_7_1(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_708(&t, 10704);
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.nr_lines, 32);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump(1, 30);
	assert_string_equal(res.lines[31], "x86/fpu: XSAVE disabled");
	assert_string_equal(res.warn_site, SITE(639));
}

/*
 * 6.1 has no CET_U: without its 16 bytes TILECFG needs no padding
 * (2432 is 64-aligned), so 6.1 expects 10688 where 6.8 expects 10752.
 */
static void test_708_6_1(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_708(&t, 10752);
	check(&t, LINUX_6_1, NULL);
	assert_int_equal(res.xss, 0);
	assert_int_equal(res.max_features, 0x600e7);
	assert_int_equal(res.size, 10688);
	assert_false(res.consistent);
	assert_false(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: size 10688 != kernel_size 10752");
	assert_string_equal(res.warn_site, SITE(606));
	load_708(&t, 10688);
	check(&t, LINUX_6_1, NULL);
	assert_true(res.consistent);
	assert_string_equal(res.lines[res.nr_lines - 1],
			    "x86/fpu: Enabled xstate features 0x600e7, context size is 10688 bytes, using 'compacted' format.");
}

/* 5.15 has a 4096-byte buffer: 10752 does not fit, XSAVE is disabled. */
static void test_708_5_15(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_708(&t, 10752);
	check(&t, LINUX_5_15, NULL);
	assert_int_equal(res.xcr0, 0xe7);
	assert_int_equal(res.xss, 0);
	assert_int_equal(res.nr_lines, 1);
	assert_string_equal(res.lines[0],
			    "x86/fpu: xstate buffer too small (4096 < 10752), disabling xsave");
	assert_false(res.xsave_enabled);
	assert_false(res.consistent);
}

/* 5.15 only dumps on a size mismatch, and XSAVE stays enabled. */
static void test_5_15_mismatch(void **state)
{
	static const char *const exp[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x020: 'AVX-512 opmask'",
		"x86/fpu: Supporting XSAVE feature 0x040: 'AVX-512 Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x080: 'AVX-512 ZMM_Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys User registers'",
		"x86/fpu: Supporting XSAVE feature 0x400: 'PASID state'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[5]:  832, xstate_sizes[5]:   64",
		"x86/fpu: xstate_offset[6]:  896, xstate_sizes[6]:  512",
		"x86/fpu: xstate_offset[7]: 1408, xstate_sizes[7]: 1024",
		"x86/fpu: xstate_offset[9]: 2432, xstate_sizes[9]:    8",
		"x86/fpu: xstate_offset[10]: 2440, xstate_sizes[10]:    8",
		"x86/fpu: Enabled xstate features 0x6e7, context size is 2440 bytes, using 'compacted' format.",
	};
	struct cpuid_table t;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 2440;
	check(&t, LINUX_5_15, NULL);
	assert_int_equal(res.xcr0, 0x2e7);
	assert_int_equal(res.xss, 0x400);
	assert_int_equal(res.size, 2448);
	assert_false(res.consistent);
	assert_true(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 1 + 26 + 15);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	assert_dump(1, 26);
	assert_string_equal(res.lines[26],
			    "CPUID[0d, 19]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000");
	assert_lines(27, exp, 15);
	assert_string_equal(res.warn_site, SITE(598));

	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 2448;
	check(&t, LINUX_5_15, NULL);
	assert_true(res.consistent);
	assert_string_equal(res.warn_site, "");
	assert_int_equal(res.nr_lines, 15);
	assert_string_equal(res.lines[14],
			    "x86/fpu: Enabled xstate features 0x6e7, context size is 2448 bytes, using 'compacted' format.");
}

/*
 * 5.15 with XSAVEC but no XSAVES: standard format, and PASID (a
 * supervisor component) stays enabled: it warns, has no fixed offset
 * and its walk wraps around.
 */
static void test_5_15_supervisor_without_xsaves(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	cpuid_table_find_mut(&t, 0xd, 1)->eax = 0x7;
	cpuid_table_find_mut(&t, 0xd, 0)->ebx = 0xa88;
	check(&t, LINUX_5_15, NULL);
	assert_false(res.compacted);
	assert_int_equal(res.max_features, 0x6e7);
	assert_int_equal(res.xcr0, 0x2e7);
	assert_int_equal(res.xss, 0);
	assert_int_equal(res.size, 7);
	assert_int_equal(res.reported_size, 2696);
	assert_false(res.consistent);
	assert_true(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 1 + 26 + 2 + 8 + 6 + 1);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	assert_dump(1, 26);
	assert_string_equal(res.lines[27], "No fixed offset for xstate 10");
	assert_string_equal(res.lines[28],
			    "XSAVE consistency problem, dumping leaves");
	assert_string_equal(res.lines[40],
			    "x86/fpu: xstate_offset[7]: 1664, xstate_sizes[7]: 1024");
	assert_string_equal(res.lines[42],
			    "x86/fpu: xstate_offset[10]:   -1, xstate_sizes[10]:    8");
	assert_string_equal(res.lines[43],
			    "x86/fpu: Enabled xstate features 0x6e7, context size is 2696 bytes, using 'standard' format.");
}

/* 6.x drops supervisor components without XSAVES; a table marking a user
 * component supervisor still trips the check. */
static void test_6_8_supervisor_without_xsaves(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	cpuid_table_find_mut(&t, 0xd, 1)->eax = 0x7;
	cpuid_table_find_mut(&t, 0xd, 2)->ecx = 0x1;
	check(&t, LINUX_6_8, NULL);
	assert_true(res.compacted);
	assert_false(res.xsaves);
	assert_int_equal(res.xss, 0);
	assert_false(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: Got supervisor feature 2, but XSAVES not advertised");
	assert_dump(1, 29);
	assert_string_equal(res.warn_site, "");
}

/* With PKU set, the 64-byte PKRU is kept and the struct check warns. */
static void test_rome_pkru64(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	cpuid_table_find_mut(&t, 7, 0)->ecx |= 0x8;
	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 896;
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.xcr0, 0x207);
	assert_true(res.consistent);
	assert_int_equal(res.nr_lines, 1 + 29 + 4 + 2 + 1);
	assert_string_equal(res.lines[0],
			    "[Protection Keys User registers]: struct is 8 bytes, cpu state 64 bytes");
	assert_string_equal(res.lines[35],
			    "x86/fpu: xstate_offset[9]:  832, xstate_sizes[9]:   64");
	assert_string_equal(res.lines[36],
			    "x86/fpu: Enabled xstate features 0x207, context size is 896 bytes, using 'compacted' format.");
	check(&t, LINUX_6_1, NULL);
	assert_string_equal(res.lines[0],
			    "XFEATURE_PKRU: struct is 8 bytes, cpu state 64 bytes");
	assert_int_equal(res.nr_lines, 37);
	check(&t, LINUX_5_15, NULL);
	assert_string_equal(res.lines[0],
			    "XFEATURE_PKRU: struct is 8 bytes, cpu state 64 bytes");
	assert_true(res.consistent);
	assert_int_equal(res.nr_lines, 1 + 26 + 4 + 2 + 1);
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.nr_lines, 1 + 30 + 4 + 2 + 1);
	/* at the dump's own state (no PKRU) the size no longer matches */
	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 0x340;
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.nr_lines, 31);
	assert_string_equal(res.lines[30],
			    "XSAVE consistency problem: size 896 != kernel_size 832");
}

/* A subleaf missing from the table reads as zero. */
static void test_missing_subleaf(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_spr_amx(&t);
	cpuid_table_find_mut(&t, 0xd, 1)->ebx = 10752;
	assert_true(cpuid_table_remove(&t, 0xd, 5));
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.size, 10688);
	assert_int_equal(res.nr_lines, 32);
	/* setup_xstate_cache(): opmask's offset reads as 0, below AVX's */
	assert_string_equal(res.lines[0], "x86/fpu: misordered xstate at 576");
	assert_string_equal(res.lines[1],
			    "[AVX-512 opmask]: struct is 64 bytes, cpu state 0 bytes");
	assert_string_equal(res.lines[7],
			    "CPUID[0d, 05]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000");
	assert_string_equal(res.lines[31],
			    "XSAVE consistency problem: size 10688 != kernel_size 10752");
	/* 6.16 dropped that check */
	check(&t, LINUX_REL(6, 16, 0), NULL);
	assert_string_equal(res.lines[0],
			    "[AVX-512 opmask]: struct is 64 bytes, cpu state 0 bytes");
}

/* The kernel 6.18 log in tests/data/logs, reproduced by 7.1. */
static const char table_cet_host[] =
	"leaf=0x00000001 subleaf=0x0 eax=0x000b0671 ebx=0x00000800 ecx=0x7ffafbff edx=0xbfebfbff\n"
	"leaf=0x00000007 subleaf=0x0 eax=0x00000002 ebx=0x239c27eb ecx=0x98c007bc edx=0xfc184410\n"
	"leaf=0x0000000d subleaf=0x0 eax=0x00000207 ebx=0x00000a88 ecx=0x00000a88 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000000f ebx=0x00000370 ecx=0x00001800 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x9 eax=0x00000008 ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0xb eax=0x00000010 ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0xc eax=0x00000018 ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n";

static void test_7_1_host_log(void **state)
{
	static const char *const exp[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys User registers'",
		"x86/fpu: Supporting XSAVE feature 0x800: 'Control-flow User registers'",
		"x86/fpu: Supporting XSAVE feature 0x1000: 'Control-flow Kernel registers (KVM only)'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[9]:  832, xstate_sizes[9]:    8",
		"x86/fpu: xstate_offset[11]:  840, xstate_sizes[11]:   16",
		"x86/fpu: xstate_offset[12]:  856, xstate_sizes[12]:   24",
		"x86/fpu: Enabled xstate features 0x1a07, context size is 880 bytes, using 'compacted' format.",
	};
	struct cpuid_table t;

	(void)state;
	test_parse_str(table_cet_host, &t);
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.xcr0, 0x207);
	assert_int_equal(res.xss, 0x1800);
	assert_true(res.consistent);
	assert_int_equal(res.nr_lines, 11);
	assert_lines(0, exp, 11);
	/* 6.8 leaves CET_S out: 856 bytes, so 880 is a mismatch there */
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: size 856 != kernel_size 880");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spr_6_8),
		cmocka_unit_test(test_spr_6_8_consistent),
		cmocka_unit_test(test_708_consistent),
		cmocka_unit_test(test_708_warning),
		cmocka_unit_test(test_708_7_1),
		cmocka_unit_test(test_708_6_1),
		cmocka_unit_test(test_708_5_15),
		cmocka_unit_test(test_5_15_mismatch),
		cmocka_unit_test(test_5_15_supervisor_without_xsaves),
		cmocka_unit_test(test_6_8_supervisor_without_xsaves),
		cmocka_unit_test(test_rome_pkru64),
		cmocka_unit_test(test_missing_subleaf),
		cmocka_unit_test(test_7_1_host_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
