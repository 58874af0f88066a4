// SPDX-License-Identifier: MIT
/*
 * The Linux model at each release boundary: the same table checked with
 * the release just before a change and with the release that has it gives
 * two different line sets, each exact. The commits are those of
 * cpuid/linux_release.c.
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

#define N(a)		    (sizeof(a) / sizeof((a)[0]))
#define expect(t, rel, exp) expect_lines(t, rel, exp, N(exp))

/*
 * The model's lines for t at rel are exp; "@dump N" stands for the
 * kernel's dump of subleaves 0..N-1 of t's leaf 0xD.
 */
static void expect_lines(const struct cpuid_table *t, uint32_t rel,
			 const char *const *exp, unsigned int n)
{
	unsigned int k = 0;
	char want[LINUX_LINE_LEN];

	check(t, rel, NULL);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int dump;

		if (sscanf(exp[i], "@dump %u", &dump) != 1) {
			assert_true(k < res.nr_lines);
			assert_string_equal(res.lines[k++], exp[i]);
			continue;
		}
		assert_int_equal(dump, linux_dump_lines(rel));
		for (unsigned int s = 0; s < dump; s++, k++) {
			const struct cpuid_entry *e =
				cpuid_table_find(t, 0xd, s);
			struct cpuid_entry z = {.leaf = 0xd, .subleaf = s};

			snprintf(want, sizeof(want),
				 "CPUID[0d, %02x]: eax=%08x ebx=%08x ecx=%08x "
				 "edx=%08x",
				 s, (e ? e : &z)->eax, (e ? e : &z)->ebx,
				 (e ? e : &z)->ecx, (e ? e : &z)->edx);
			assert_true(k < res.nr_lines);
			assert_string_equal(res.lines[k], want);
		}
	}
	assert_int_equal(res.nr_lines, k);
}

static const char t6[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x20000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000007 "
			 "ebx=0x00000340 ecx=0x00000340 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000001 "
			 "ebx=0x00000340 ecx=0x00000400 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0xa eax=0x00000008 "
			 "ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n";

static const char t1[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000018 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			 "ebx=0x00000a88 ecx=0x00000a88 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000003 "
			 "ebx=0x00000348 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x9 eax=0x00000008 "
			 "ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

static const char t4[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000007 "
			 "ebx=0x000011e0 ecx=0x000011e0 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000001 "
			 "ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000fa0 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n";

static const char t5[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000018 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			 "ebx=0x00000a80 ecx=0x00000a88 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000001 "
			 "ebx=0x00000348 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x9 eax=0x00000008 "
			 "ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

static const char t2[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000010 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			 "ebx=0x00000a88 ecx=0x00000a88 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000003 "
			 "ebx=0x00000348 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x9 eax=0x00000008 "
			 "ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

static const char t3[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000018 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			 "ebx=0x00000a88 ecx=0x00000a88 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000001 "
			 "ebx=0x00000348 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000200 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x9 eax=0x00000008 "
			 "ebx=0x00000a80 ecx=0x00000000 edx=0x00000000\n";

static const char t7[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000018 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			 "ebx=0x00000440 ecx=0x00000440 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x00000001 "
			 "ebx=0x00000440 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000340 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x9 eax=0x00000008 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n";

static const char t8[] = "leaf=0x00000001 subleaf=0x0 eax=0x000906ea "
			 "ebx=0x00000000 ecx=0x1c000000 edx=0x03000001\n"
			 "leaf=0x00000007 subleaf=0x0 eax=0x00000000 "
			 "ebx=0x00000000 ecx=0x00000080 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x0 eax=0x00000007 "
			 "ebx=0x00000340 ecx=0x00000340 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x1 eax=0x0000000f "
			 "ebx=0x00000368 ecx=0x00001800 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			 "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0xb eax=0x00000010 "
			 "ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n"
			 "leaf=0x0000000d subleaf=0xc eax=0x00000018 "
			 "ebx=0x00000000 ecx=0x00000001 edx=0x00000000\n";

/*
 * PASID (a supervisor component) without XSAVES: 5.15 warns and keeps XSAVE,
 * 5.16 (cd9ae7617449) fails the check, 5.19 (8ad7e8f69695) masks it away.
 */
static void test_pasid_without_xsaves(void **state)
{

	static const char *const at_5_15_200[] = {
		"XSAVE consistency problem, dumping leaves",
		"@dump 26",
		"No fixed offset for xstate 10",
		"XSAVE consistency problem, dumping leaves",
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x400: 'PASID state'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[10]:   -1, xstate_sizes[10]:    8",
		"x86/fpu: Enabled xstate features 0x407, context size is 832 "
		"bytes, using 'standard' format.",
	};

	static const char *const at_5_16[] = {
		"XSAVE consistency problem, dumping leaves",
		"@dump 29",
	};

	static const char *const at_5_19[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: Enabled xstate features 0x7, context size is 832 "
		"bytes, using 'standard' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t6, &t);

	expect(&t, LINUX_REL(5, 15, 200), at_5_15_200);

	expect(&t, LINUX_REL(5, 16, LINUX_SERIES), at_5_16);

	expect(&t, LINUX_REL(5, 19, LINUX_SERIES), at_5_19);
}

/*
 * XSAVEC without XSAVES: the standard format before 5.19, the compacted one
 * from 5.19 (8ad7e8f69695).
 */
static void test_xsavec_compacts(void **state)
{

	static const char *const at_5_18[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[9]: 2688, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 2696 "
		"bytes, using 'standard' format.",
	};

	static const char *const at_5_19[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[9]:  832, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 840 "
		"bytes, using 'compacted' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t1, &t);

	expect(&t, LINUX_REL(5, 18, LINUX_SERIES), at_5_18);

	expect(&t, LINUX_REL(5, 19, LINUX_SERIES), at_5_19);
}

/*
 * A default size past one page: before 6.0.7 (d3e021adac7c) the old
 * buffer check runs first and alone; from 6.0.7 the struct check runs and
 * init_fpstate is checked after it.
 */
static void test_init_fpstate(void **state)
{

	static const char *const at_6_0_6[] = {
		"x86/fpu: xstate buffer too small (4096 < 4576), disabling "
		"xsave",
	};

	static const char *const at_6_0_7[] = {
		"XFEATURE_YMM: struct is 256 bytes, cpu state 4000 bytes",
		"@dump 29",
		"x86/fpu: init_fpstate buffer too small (4096 < 4576), "
		"disabling XSAVE",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t4, &t);

	expect(&t, LINUX_REL(6, 0, 6), at_6_0_6);

	expect(&t, LINUX_REL(6, 0, 7), at_6_0_7);
}

/*
 * A size mismatch: the WARN gives the sizes from 6.1.4 and 6.2
 * (48280042f2c6).
 */
static void test_warn_texts(void **state)
{

	static const char *const at_6_1_3[] = {
		"XSAVE consistency problem, dumping leaves",
		"@dump 29",
	};

	static const char *const at_6_1_4[] = {
		"XSAVE consistency problem: size 2696 != kernel_size 2688",
		"@dump 29",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t5, &t);

	expect(&t, LINUX_REL(6, 1, 3), at_6_1_3);

	expect(&t, LINUX_REL(6, 1, 4), at_6_1_4);
}

/*
 * OSPKE without PKU: PKRU needs PKU before 6.6 and OSPKE from 6.6
 * (18032b47adf1).
 */
static void test_pkru_ospke(void **state)
{

	static const char *const at_6_5[] = {
		"XSAVE consistency problem: size 832 != kernel_size 840",
		"@dump 29",
	};

	static const char *const at_6_6[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[9]:  832, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 840 "
		"bytes, using 'compacted' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t2, &t);

	expect(&t, LINUX_REL(6, 5, LINUX_SERIES), at_6_5);

	expect(&t, LINUX_REL(6, 6, LINUX_SERIES), at_6_6);
}

/*
 * A wrong AVX size: the struct warning names the macro before 6.6 and the
 * component from 6.6.
 */
static void test_named_struct(void **state)
{

	static const char *const at_6_5[] = {
		"XFEATURE_YMM: struct is 256 bytes, cpu state 512 bytes",
		"@dump 29",
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  512",
		"x86/fpu: xstate_offset[9]: 2688, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 2696 "
		"bytes, using 'standard' format.",
	};

	static const char *const at_6_6[] = {
		"[AVX registers]: struct is 256 bytes, cpu state 512 bytes",
		"@dump 29",
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  512",
		"x86/fpu: xstate_offset[9]: 2688, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 2696 "
		"bytes, using 'standard' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t3, &t);

	expect(&t, LINUX_REL(6, 5, LINUX_SERIES), at_6_5);

	expect(&t, LINUX_REL(6, 6, LINUX_SERIES), at_6_6);
}

/*
 * Descending standard offsets: "misordered xstate" and the size of the
 * highest-numbered component before 6.16; from 6.16 (031b33ef1a6a,
 * a758ae2885ea) no warning and the size of the component placed last.
 */
static void test_misordered(void **state)
{

	static const char *const at_6_15[] = {
		"x86/fpu: misordered xstate at 832",
		"XSAVE consistency problem: size 584 != kernel_size 1088",
		"@dump 29",
	};

	static const char *const at_6_16[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x200: 'Protection Keys "
		"User registers'",
		"x86/fpu: xstate_offset[2]:  832, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[9]:  576, xstate_sizes[9]:    8",
		"x86/fpu: Enabled xstate features 0x207, context size is 1088 "
		"bytes, using 'standard' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t7, &t);

	expect(&t, LINUX_REL(6, 15, LINUX_SERIES), at_6_15);

	expect(&t, LINUX_REL(6, 16, LINUX_SERIES), at_6_16);
}

/*
 * CET user and supervisor state with XSAVES: CET_S enters from 6.17
 * (8b05b3c98816), "KVM only"; 6.16 also says "XSAVE disabled".
 */
static void test_cet_kernel(void **state)
{

	static const char *const at_6_16[] = {
		"XSAVE consistency problem: size 848 != kernel_size 872",
		"@dump 30",
		"x86/fpu: XSAVE disabled",
	};

	static const char *const at_6_17[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x002: 'SSE registers'",
		"x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'",
		"x86/fpu: Supporting XSAVE feature 0x800: 'Control-flow User "
		"registers'",
		"x86/fpu: Supporting XSAVE feature 0x1000: 'Control-flow "
		"Kernel registers (KVM only)'",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"x86/fpu: xstate_offset[11]:  832, xstate_sizes[11]:   16",
		"x86/fpu: xstate_offset[12]:  848, xstate_sizes[12]:   24",
		"x86/fpu: Enabled xstate features 0x1807, context size is 872 "
		"bytes, using 'compacted' format.",
	};

	struct cpuid_table t;

	(void)state;
	test_parse_str(t8, &t);

	expect(&t, LINUX_REL(6, 16, LINUX_SERIES), at_6_16);

	expect(&t, LINUX_REL(6, 17, LINUX_SERIES), at_6_17);
}

static const char table_apx_mpx[] =
	"leaf=0x0000000d subleaf=0x0 eax=0x0008001f ebx=0x00000440 "
	"ecx=0x00000440 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000000f ebx=0x00000440 "
	"ecx=0x00000000 edx=0x00000000\n";

/* APX with MPX: 6.15 knows no APX and masks it; 6.16 (ea68e39190cf) stops. */
static void test_apx(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_parse_str(table_apx_mpx, &t);
	check(&t, LINUX_REL(6, 15, 0), NULL);
	assert_int_equal(res.xcr0, 0x1f);
	/* no subleaves 2-4: AVX's offset reads as 0 */
	assert_string_equal(res.lines[0], "x86/fpu: misordered xstate at 576");
	assert_string_equal(
		res.lines[1],
		"[AVX registers]: struct is 256 bytes, cpu state 0 bytes");
	assert_false(res.xsave_enabled);
	check(&t, LINUX_REL(6, 16, 0), NULL);
	assert_int_equal(res.nr_lines, 2);
	assert_string_equal(res.lines[0],
			    "x86/fpu: Both APX/MPX present in the CPU's xstate "
			    "features: 0x8001f.");
	assert_string_equal(res.lines[1], "x86/fpu: XSAVE disabled");
}

static const char table_lbr[] =
	"leaf=0x00000001 subleaf=0x0 eax=0x000806f8 ebx=0x00000000 "
	"ecx=0x1c000000 edx=0x03000001\n"
	"leaf=0x00000007 subleaf=0x0 eax=0x00000000 ebx=0x00000000 "
	"ecx=0x00000000 edx=0x00080000\n"
	"leaf=0x0000000d subleaf=0x0 eax=0x00000007 ebx=0x00000340 "
	"ecx=0x00000340 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000000f ebx=0x00000340 "
	"ecx=0x00000000 edx=0x00000000\n"
	"leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 "
	"ecx=0x00000000 edx=0x00000000\n";

/*
 * Arch LBR (7.EDX[19]) with XSAVES: IA32_XSS gets the LBR bit after the
 * checks; from 6.11 and 5.15.168 (2848ff28d180) only when 0xD.1 ECX
 * enumerates it. No line changes.
 */
static void test_lbr(void **state)
{
	struct cpuid_table t;
	unsigned int n;

	(void)state;
	test_parse_str(table_lbr, &t);
	check(&t, LINUX_REL(6, 10, 0), NULL);
	assert_int_equal(res.xss_independent, 0x8000);
	assert_int_equal(res.xss, 0);
	n = res.nr_lines;
	check(&t, LINUX_REL(6, 11, 0), NULL);
	assert_int_equal(res.xss_independent, 0);
	assert_int_equal(res.nr_lines, n);
	check(&t, LINUX_REL(5, 15, 167), NULL);
	assert_int_equal(res.xss_independent, 0x8000);
	check(&t, LINUX_REL(5, 15, 168), NULL);
	assert_int_equal(res.xss_independent, 0);
	check(&t, LINUX_5_15, NULL);
	assert_int_equal(res.xss_independent, 0);
	/* enumerated: every release adds it */
	cpuid_table_find_mut(&t, 0xd, 1)->ecx = 0x8000;
	assert_int_equal(cpuid_table_set(&t, 0xd, 15, 0x328, 0, 1, 0), 0);
	check(&t, LINUX_REL(6, 11, 0), NULL);
	assert_int_equal(res.xss_independent, 0x8000);
	assert_int_equal(res.xss, 0);
	/* without XSAVES IA32_XSS is never written */
	cpuid_table_find_mut(&t, 0xd, 1)->eax = 0x7;
	check(&t, LINUX_REL(6, 11, 0), NULL);
	assert_int_equal(res.xss_independent, 0);
}

/* The four named releases are their series: 6.1 has 6.1.4's texts. */
static void test_named_series(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_parse_str(t5, &t);
	check(&t, LINUX_6_1, NULL);
	assert_string_equal(
		res.lines[0],
		"XSAVE consistency problem: size 2696 != kernel_size 2688");
	check(&t, LINUX_REL(6, 1, 0), NULL);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	assert_int_equal(res.model, LINUX_REL(6, 1, 0));
	/* outside the modelled range: the nearest model, the release kept */
	check(&t, LINUX_REL(7, 4, 0), NULL);
	assert_int_equal(res.model, LINUX_REL(7, 3, LINUX_SERIES));
	check(&t, LINUX_REL(4, 19, 300), NULL);
	assert_int_equal(res.model, LINUX_5_15);
	assert_string_equal(linux_model_name(LINUX_REL(7, 4, 0)).s,
			    "7.3 model, the newest modelled (for 7.4.0)");
	assert_string_equal(linux_model_name(LINUX_REL(4, 19, 300)).s,
			    "5.15 model, the oldest modelled (for 4.19)");
	assert_string_equal(linux_model_name(LINUX_REL(6, 18, 44)).s,
			    "6.18.44 model");
}

/*
 * The size WARN's line, read from each release's xstate.c, stable
 * backports included.
 */
static void test_warn_sites(void **state)
{
	static const struct {
		uint32_t rel;
		unsigned int line;
	} sites[] = {
		{LINUX_REL(5, 15, 0), 593},
		{LINUX_REL(5, 15, 167), 593},
		{LINUX_REL(5, 15, 168), 598},
		{LINUX_5_15, 598},
		{LINUX_REL(5, 16, 0), 700},
		{LINUX_REL(5, 17, 15), 700},
		{LINUX_REL(5, 18, 0), 604},
		{LINUX_REL(5, 19, 0), 606},
		{LINUX_REL(6, 0, 17), 606},
		{LINUX_REL(6, 0, 18), 605},
		{LINUX_REL(6, 1, 3), 606},
		{LINUX_REL(6, 1, 4), 605},
		{LINUX_REL(6, 1, 83), 605},
		{LINUX_REL(6, 1, 84), 606},
		{LINUX_6_1, 606},
		{LINUX_REL(6, 2, 0), 605},
		{LINUX_REL(6, 5, 13), 605},
		{LINUX_REL(6, 6, 23), 601},
		{LINUX_REL(6, 6, 24), 602},
		{LINUX_REL(6, 7, 11), 601},
		{LINUX_REL(6, 7, 12), 602},
		{LINUX_REL(6, 8, 2), 601},
		{LINUX_REL(6, 8, 3), 602},
		{LINUX_6_8, 602},
		{LINUX_REL(6, 11, 0), 602},
		{LINUX_REL(6, 12, 118), 605},
		{LINUX_REL(6, 13, 0), 605},
		{LINUX_REL(6, 14, 0), 606},
		{LINUX_REL(6, 15, 0), 594},
		{LINUX_REL(6, 16, 0), 635},
		{LINUX_REL(6, 17, 0), 638},
		{LINUX_REL(6, 18, 2), 638},
		{LINUX_REL(6, 19, 0), 639},
		{LINUX_7_1, 639},
		{LINUX_REL(7, 3, 4), 639},
	};
	struct cpuid_table t;
	char want[48];

	(void)state;
	test_parse_str(t5, &t);
	for (size_t i = 0; i < N(sites); i++) {
		check(&t, sites[i].rel, NULL);
		snprintf(want, sizeof(want), "arch/x86/kernel/fpu/xstate.c:%u",
			 sites[i].line);
		if (strcmp(res.warn_site, want))
			fail_msg("%s: %s, want %s",
				 linux_release_name(sites[i].rel).s,
				 res.warn_site, want);
	}
}

/* Before 5.18 the order check runs only once the size check has passed. */
static void test_misordered_late(void **state)
{
	struct cpuid_table t;

	(void)state;
	test_parse_str(t7, &t);
	check(&t, LINUX_REL(5, 17, 0), NULL);
	assert_string_equal(res.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	for (unsigned int i = 0; i < res.nr_lines; i++)
		assert_string_not_equal(res.lines[i],
					"x86/fpu: misordered xstate at 832");
	/* the size made to pass: the warning comes before the list */
	cpuid_table_find_mut(&t, 0xd, 0)->ebx = 584;
	check(&t, LINUX_REL(5, 17, 0), NULL);
	assert_true(res.consistent);
	assert_string_equal(res.lines[0], "x86/fpu: misordered xstate at 832");
	assert_string_equal(res.lines[1],
			    "x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
			    "floating point registers'");
	check(&t, LINUX_REL(5, 18, 0), NULL);
	assert_string_equal(res.lines[0], "x86/fpu: misordered xstate at 832");
	assert_string_equal(res.lines[1],
			    "x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
			    "floating point registers'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pasid_without_xsaves),
		cmocka_unit_test(test_xsavec_compacts),
		cmocka_unit_test(test_init_fpstate),
		cmocka_unit_test(test_warn_texts),
		cmocka_unit_test(test_pkru_ospke),
		cmocka_unit_test(test_named_struct),
		cmocka_unit_test(test_misordered),
		cmocka_unit_test(test_cet_kernel),
		cmocka_unit_test(test_apx),
		cmocka_unit_test(test_lbr),
		cmocka_unit_test(test_named_series),
		cmocka_unit_test(test_warn_sites),
		cmocka_unit_test(test_misordered_late),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
