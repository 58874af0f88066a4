// SPDX-License-Identifier: MIT
/*
 * Tests of the model of the Linux XSAVE initialisation (cpuid/linux.c):
 * the versions, the banner, the state each kernel enters, its early exits
 * and the overrides.
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

static void test_version_names(void **state)
{
	struct xsvm_err err = { { 0 } };
	uint32_t v;

	(void)state;
	assert_string_equal(linux_release_name(LINUX_5_15).s, "5.15");
	assert_string_equal(linux_release_name(LINUX_7_1).s, "7.1");
	assert_int_equal(linux_version_parse("6.1", &v, &err), 0);
	assert_int_equal(v, LINUX_6_1);
	assert_int_equal(linux_version_parse("6.8", &v, &err), 0);
	assert_int_equal(v, LINUX_6_8);
	assert_int_equal(linux_version_parse("6.9", &v, &err), 0);
	assert_int_equal(v, LINUX_REL(6, 9, LINUX_SERIES));
	assert_int_equal(linux_version_parse("6.1.4", &v, &err), 0);
	assert_int_equal(v, 0x060104);
	assert_string_equal(linux_release_name(v).s, "6.1.4");
	assert_int_equal(linux_version_parse("6.18", &v, &err), 0);
	assert_int_equal(v, 0x0612ff);
	assert_string_equal(linux_release_name(v).s, "6.18");
	assert_int_equal(linux_version_parse("5.15.300", &v, &err), 0);
	assert_int_equal(v, LINUX_5_15);
	assert_int_equal(linux_version_parse("4.19.1", &v, &err), 0);
	assert_int_equal(linux_model_release(v), LINUX_5_15);
	assert_int_equal(linux_version_parse("7.3", &v, &err), 0);
	assert_int_equal(linux_model_release(v), v);
	assert_int_equal(linux_version_parse("7.4", &v, &err), 0);
	assert_int_equal(linux_model_release(v), LINUX_REL(7, 3, LINUX_SERIES));
	assert_int_equal(linux_model_release(LINUX_REL(7, 1, 9)),
			 LINUX_REL(7, 1, 9));
	assert_int_equal(linux_model_release(LINUX_REL(6, 17, 0)),
			 LINUX_REL(6, 17, 0));
	for (unsigned int i = 0; i < 9; i++) {
		static const char *const bad[] = {
			"6", "6.", "6.x", "x", "6.1.", "6.1.4.5", "1.0", "100.1",
			"6.256",
		};

		assert_int_equal(linux_version_parse(bad[i], &v, &err),
				 -EINVAL);
		assert_non_null(strstr(err.msg, bad[i]));
	}
	assert_string_equal(err.msg,
			    "--linux: '6.256' is not a kernel release: want X.Y or X.Y.Z, such as 6.1, 6.1.4 or 6.18");
}

/*
 * The banner's "X.Y": the first "Linux version " counts, X and Y are
 * decimal and only their first 9 digits are read.
 */
#define R LINUX_REL
#define S LINUX_SERIES
static void test_banner_numbers(void **state)
{
	static const struct {
		const char *line;
		int64_t want; /* a release, or -1 for none */
	} cases[] = {
		{ "Linux version 6.1", LINUX_6_1 },
		{ "Linux version 6.10", R(6, 10, S) },
		{ "Linux version 6.10.3-x", R(6, 10, 3) },
		{ "Linux version 6.1.10", R(6, 1, 10) },
		{ "Linux version 6.7", R(6, 7, S) },
		{ "Linux version 6.18", R(6, 18, S) },
		{ "Linux version 6.0", R(6, 0, S) },
		{ "Linux version 4.4", R(4, 4, S) },
		{ "Linux version 06.010", R(6, 10, S) },
		{ "Linux version 6.000000019", R(6, 19, S) },
		{ "Linux version 6.0000000019", R(6, 1, S) },
		{ "Linux version 0000000006.19", R(0, 19, S) },
		{ "Linux version 6.99999999999999999999999", R(6, 255, S) },
		{ "Linux version 99999999999999999999999.1", R(255, 1, S) },
		{ "Linux version 6.1.0-28-amd64 (gcc-12 (Debian 12.2.0-14)) #1 SMP Debian 6.1.119-1 (2024-11-22)",
		  R(6, 1, 119) },
		{ "Linux version 6.1.0-28-amd64 (x) #1 SMP Debian 6.2.1-1", R(6, 1, S) },
		{ "Linux version 6.1.0-3-amd64 #1 Debian 6.1.3-1", R(6, 1, 3) },
		{ "Linux version 6.12.38+deb12-amd64 #1 Debian 6.12.38-1~deb12u1",
		  R(6, 12, 38) },
		{ "Linux version 5.15.0-91-generic (buildd@lcy02) #101-Ubuntu", R(5, 15, S) },
		{ "Linux version 6.17.0-rc3 (x)", R(6, 17, 0) },
		{ "Linux version 6.1.0", R(6, 1, 0) },
		{ "Linux version 6.1.400", R(6, 1, S) },
		{ "xLinux version 6.8", LINUX_6_8 },
		{ "Linux version x Linux version 6.8", -1 },
		{ "", -1 },
		{ "Linux version ", -1 },
		{ "Linux version 6.", -1 },
		{ "Linux version .1", -1 },
		{ "Linux version 6 .1", -1 },
		{ "Linux version 6,1", -1 },
		{ "Linux version -6.1", -1 },
		{ "Linux version 0x6.1", -1 },
		{ "Linux  version 6.8", -1 },
		{ "linux version 6.8", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t v = UINT32_MAX;
		bool ok = linux_version_from_banner(cases[i].line, &v);

		if (ok != (cases[i].want >= 0) ||
		    (int64_t)v != (ok ? cases[i].want : (int64_t)UINT32_MAX))
			fail_msg("'%s': %d, version %d", cases[i].line, ok,
				 (int)v);
	}
}

static void test_no_leaf_d(void **state)
{
	struct cpuid_table t;
	struct xsvm_err err = { { 0 } };

	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_add(&t, 1, 0, 0, 0, 0, 0), 0);
	assert_int_equal(linux_check(&t, LINUX_6_8, NULL, &res, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "the table has no leaf 0xd subleaf 0: nothing to check");
}

/*
 * Without XSAVEC/XSAVES the kernel uses the standard format and checks
 * 0xD.0 EBX (0x2b00, the dump's XCR0 0x602e7): TILEDATA ends at
 * 0xb00 + 0x2000. Supervisor components are dropped.
 */
static void test_spr_standard(void **state)
{
	struct cpuid_table t;

	(void)state;
	load_spr_amx(&t);
	cpuid_table_find_mut(&t, 0xd, 1)->eax = 0x11; /* XSAVEOPT, XFD */
	check(&t, LINUX_6_8, NULL);
	assert_false(res.compacted);
	assert_int_equal(res.xcr0, 0x602e7);
	assert_int_equal(res.xss, 0);
	assert_int_equal(res.size, 11008);
	assert_int_equal(res.reported_size, 11008);
	assert_true(res.consistent);
	assert_int_equal(res.nr_lines, 9 + 7 + 1);
	assert_string_equal(res.lines[9],
			    "x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256");
	assert_string_equal(res.lines[15],
			    "x86/fpu: xstate_offset[18]: 2816, xstate_sizes[18]: 8192");
	assert_string_equal(res.lines[16],
			    "x86/fpu: Enabled xstate features 0x602e7, context size is 11008 bytes, using 'standard' format.");
}

/* Without XFD the kernel clears TILEDATA (XFEATURE_MASK_USER_DYNAMIC). */
static void test_no_xfd(void **state)
{
	struct cpuid_table t;
	uint64_t xcr0, xss;

	(void)state;
	load_spr_amx(&t);
	cpuid_table_find_mut(&t, 0xd, 1)->eax = 0xf;
	linux_enter_state(&t, LINUX_6_8, &xcr0, &xss);
	assert_int_equal(xcr0, 0x202e7);
	assert_int_equal(xss, 0xc00);
	/* 5.15 knows no AMX at all, nor CET */
	linux_enter_state(&t, LINUX_5_15, &xcr0, &xss);
	assert_int_equal(xcr0, 0x2e7);
	assert_int_equal(xss, 0x400);
}

/* Zen 2 enumerates a 64-byte PKRU but not PKU: every version drops it. */
static void test_rome_all_versions(void **state)
{
	static const char *const exp[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'compacted' format.",
	};
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	for (unsigned int k = 0; k < LINUX_NAMED_NR; k++) {
		check(&t, linux_named[k], NULL);
		assert_int_equal(res.xcr0, 0x7);
		assert_int_equal(res.xss, 0);
		assert_true(res.consistent);
		assert_int_equal(res.nr_lines, 5);
		assert_lines(0, exp, 5);
	}
}

static void test_fpsse_missing(void **state)
{
	struct cpuid_table t;
	uint64_t xcr0, xss;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	cpuid_table_find_mut(&t, 0xd, 0)->eax = 0x205;
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.nr_lines, 1);
	assert_string_equal(res.lines[0],
			    "x86/fpu: FP/SSE not present amongst the CPU's xstate features: 0x205.");
	assert_false(res.xsave_enabled);
	assert_false(res.consistent);
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.nr_lines, 2);
	assert_string_equal(res.lines[1], "x86/fpu: XSAVE disabled");
	linux_enter_state(&t, LINUX_6_8, &xcr0, &xss);
	assert_int_equal(xcr0, 1);
	assert_int_equal(xss, 0);
}

static void test_no_xsave_flag(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-rome.txt", &t);
	cpuid_table_find_mut(&t, 1, 0)->ecx &= ~(1u << 26);
	check(&t, LINUX_6_8, NULL);
	assert_false(res.xsave_present);
	assert_false(res.xsave_enabled);
	assert_int_equal(res.nr_lines, 1);
	assert_string_equal(res.lines[0], "x86/fpu: x87 FPU will use FXSAVE");
}

/* A table of leaf 0xD alone: the flags it implies are assumed. */
static const char table_708_only_d[] =
	"leaf=0x0000000d subleaf=0x0 eax=0x000600e7 ebx=0x00002b00 ecx=0x00002b00 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x00002a00 ecx=0x00000800 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x5 eax=0x00000040 ebx=0x00000440 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x6 eax=0x00000200 ebx=0x00000480 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x7 eax=0x00000400 ebx=0x00000680 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0xb eax=0x00000010 ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x11 eax=0x00000040 ebx=0x00000ac0 ecx=0x00000002 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x12 eax=0x00002000 ebx=0x00000b00 ecx=0x00000006 edx=0x00000000\n"
	"leaf=0x0000001d subleaf=0x0 eax=0x00000001 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000001d subleaf=0x1 eax=0x04002000 ebx=0x00080040 ecx=0x00000010 edx=0x00000000\n";

static void test_flags_assumed(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_parse_str(table_708_only_d, &t);
	check(&t, LINUX_6_8, NULL);
	assert_true(res.flags_assumed);
	assert_true(res.xsave_present);
	assert_int_equal(res.xcr0, 0x600e7);
	assert_int_equal(res.xss, 0x800);
	assert_true(res.consistent);
	assert_string_equal(res.lines[res.nr_lines - 1],
			    "x86/fpu: Enabled xstate features 0x608e7, context size is 10752 bytes, using 'compacted' format.");
}

/* The state that reproduces Genoa's EBX (Windows: no PKRU, CET_U). */
static void test_override(void **state)
{
	static const char *const exp[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x020: 'AVX-512 opmask'",
		"x86/fpu: Supporting XSAVE feature 0x040: 'AVX-512 Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x080: 'AVX-512 ZMM_Hi256'",
		"x86/fpu: Supporting XSAVE feature 0x800: 'Control-flow User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[5]:  832, xstate_sizes[5]:   64",
		"x86/fpu: xstate_offset[6]:  896, xstate_sizes[6]:  512",
		"x86/fpu: xstate_offset[7]: 1408, xstate_sizes[7]: 1024",
		"x86/fpu: xstate_offset[11]: 2432, xstate_sizes[11]:   16",
		"x86/fpu: Enabled xstate features 0x8e7, context size is 2448 bytes, using 'compacted' format.",
	};
	struct linux_state_override ov = {
		.have_xcr0 = true, .have_xss = true, .xcr0 = 0xe7, .xss = 0x800,
	};
	struct cpuid_table t;

	(void)state;
	test_load_dump("amd-genoa.txt", &t);
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.xcr0, 0x2e7);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.size, 2456);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: size 2456 != kernel_size 2448");
	check(&t, LINUX_6_8, &ov);
	assert_int_equal(res.xcr0, 0xe7);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.max_features, 0x8e7);
	assert_int_equal(res.size, 2448);
	assert_true(res.consistent);
	assert_int_equal(res.nr_lines, 13);
	assert_lines(0, exp, 13);
	/* 7.1 also enters CET_S: XSS 0x1800 */
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.xss, 0x1800);
	assert_int_equal(res.size, 2480);
}

/* An override with a component the kernel has no structure for (PT). */
static void test_override_no_structure(void **state)
{
	struct linux_state_override ov = {
		.have_xcr0 = true, .have_xss = true, .xcr0 = 0x602e7,
		.xss = 0x100,
	};
	struct cpuid_table t;

	(void)state;
	load_spr_amx(&t);
	check(&t, LINUX_6_8, &ov);
	assert_int_equal(res.max_features, 0x603e7);
	assert_int_equal(res.layout.compacted_size, 10880);
	assert_int_equal(res.nr_lines, 30);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem: No structure for xstate: 8");
	assert_false(res.xsave_enabled);
}

static const char table_apx_mpx[] =
	"leaf=0x0000000d subleaf=0x0 eax=0x0008001f ebx=0x00000440 ecx=0x00000440 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000000f ebx=0x00000440 ecx=0x00000000 edx=0x00000000\n";

static void test_apx_mpx_conflict(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_parse_str(table_apx_mpx, &t);
	check(&t, LINUX_7_1, NULL);
	assert_int_equal(res.nr_lines, 2);
	assert_string_equal(res.lines[0],
			    "x86/fpu: Both APX/MPX present in the CPU's xstate features: 0x8001f.");
	assert_string_equal(res.lines[1], "x86/fpu: XSAVE disabled");
	assert_false(res.xsave_enabled);
	/*
	 * 6.8 knows no APX: it masks bit 19 away and goes on. AVX's subleaf
	 * is absent, so its offset reads as 0, below the header's end.
	 */
	check(&t, LINUX_6_8, NULL);
	assert_int_equal(res.xcr0, 0x1f);
	assert_string_equal(res.lines[0], "x86/fpu: misordered xstate at 576");
	assert_string_equal(res.lines[1],
			    "[AVX registers]: struct is 256 bytes, cpu state 0 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_names),
		cmocka_unit_test(test_banner_numbers),
		cmocka_unit_test(test_no_leaf_d),
		cmocka_unit_test(test_spr_standard),
		cmocka_unit_test(test_no_xfd),
		cmocka_unit_test(test_rome_all_versions),
		cmocka_unit_test(test_fpsse_missing),
		cmocka_unit_test(test_no_xsave_flag),
		cmocka_unit_test(test_flags_assumed),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_override_no_structure),
		cmocka_unit_test(test_apx_mpx_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
