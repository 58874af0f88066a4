// SPDX-License-Identifier: MIT
/* Tests of the three table formats (cpuid/parse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/parse.h"
#include "test_util.h"

static struct cpuid_table t;

static int parse(const char *text, struct cpuid_parse_info *info,
		 struct xsvm_err *err)
{
	memset(err, 0, sizeof(*err));
	return cpuid_parse(&t, "f.txt", text, strlen(text), CPUID_FORMAT_AUTO,
			   info, err);
}

static void expect_error(const char *text, int code, const char *msg)
{
	struct xsvm_err err;
	int ret = parse(text, NULL, &err);

	if (ret != -code || strcmp(err.msg, msg))
		fail_msg("got %d '%s', want %d '%s'", ret, err.msg, -code, msg);
}

static void test_dump_format(void **state)
{
	struct cpuid_parse_info info;
	struct xsvm_err err;

	(void)state;
	assert_int_equal(parse("# comment\n\n"
			       "leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000\r\n"
			       "  leaf=0x0000000d subleaf=0x0 eax=0x7 ebx=0x340 ecx=0x340 edx=0x0  \n"
			       "leaf=0x1 subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4",
			       &info, &err),
			 0);
	assert_int_equal(info.format, CPUID_FORMAT_DUMP);
	assert_int_equal(info.entries, 3);
	assert_int_equal(t.nr, 3);
	assert_int_equal(t.e[0].leaf, 1);
	assert_int_equal(t.e[0].edx, 4);
	assert_int_equal(t.e[1].leaf, 0xd);
	assert_int_equal(t.e[1].ebx, 0x340);
	assert_int_equal(t.e[2].subleaf, 2);
	assert_int_equal(t.e[2].ebx, 0x240);
}

static void test_all_shared_dumps_parse(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < test_nr_dumps; i++) {
		test_load_dump(test_dump_names[i], &t);
		assert_non_null(cpuid_table_find(&t, 0xd, 0));
		assert_non_null(cpuid_table_find(&t, 0xd, 1));
	}
	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_int_equal(t.nr, 20);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0x12, CPUID_EAX), 0x2000);
	assert_int_equal(cpuid_table_reg(&t, 0x7, 0, CPUID_EDX), 0xffdd4430);
}

static void test_dump_errors(void **state)
{
	(void)state;
	expect_error("leaf=0xd subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3\n", EINVAL,
		     "f.txt:1: expected 'edx='");
	expect_error("leaf=0xd subleaf=0x0 eax=0x1ffffffff ebx=0 ecx=0 edx=0\n",
		     ERANGE, "f.txt:1: 'eax=' value out of range (over 32 bits)");
	expect_error("leaf=0xd subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"
		     "leaf=0xd subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n",
		     EEXIST, "f.txt:2: duplicate entry for leaf 0xd subleaf 0x0");
	expect_error("leaf=0xd subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4 x\n",
		     EINVAL, "f.txt:1: unexpected text after 'edx='");
	expect_error("leaf=0xd subleaf=0x0 eax=0x1g ebx=0x2 ecx=0x3 edx=0x4\n",
		     EINVAL, "f.txt:1: 'eax=' value is followed by 'g'");
	expect_error("leaf=0xd subleaf=0x0 eax= ebx=0x2 ecx=0x3 edx=0x4\n",
		     EINVAL, "f.txt:1: 'eax=' has no hex value");
	expect_error("leaf=0xd subleaf=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"
		     "leaf=0xd subl\n",
		     EINVAL, "f.txt:2: expected 'subleaf='");
	expect_error("# only comments\n\n", ENODATA,
		     "f.txt: no CPUID entries found");
	expect_error("hello world\nthis is not cpuid\n", EINVAL,
		     "f.txt: not a CPUID table (expected 'leaf=' dump lines, cpuid -r output or a dmesg with 'CPUID[0d, NN]:' lines)");
}

static void test_empty_and_binary(void **state)
{
	struct xsvm_err err;

	(void)state;
	assert_int_equal(cpuid_parse(&t, "e", "", 0, CPUID_FORMAT_AUTO, NULL,
				     &err),
			 -ENODATA);
	assert_string_equal(err.msg, "e: empty file");
	assert_int_equal(cpuid_parse(&t, "b", "leaf=\0x", 7, CPUID_FORMAT_AUTO,
				     NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "b: binary data (NUL byte), not a CPUID table");
}

static void test_long_line(void **state)
{
	size_t n = 10u << 20;
	char *buf = malloc(n + 1);
	struct xsvm_err err;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "leaf=0x1 subleaf=0x0 eax=", 25);
	memset(buf + 25, '1', n - 25);
	buf[n] = 0;
	assert_int_equal(cpuid_parse(&t, "big", buf, n, CPUID_FORMAT_AUTO, NULL,
				     &err),
			 -E2BIG);
	assert_string_equal(err.msg, "big:1: line too long for a dump line");
	/* the same line without a newline anywhere, as garbage */
	memset(buf, 'x', n);
	assert_int_equal(cpuid_parse(&t, "big", buf, n, CPUID_FORMAT_AUTO, NULL,
				     &err),
			 -EINVAL);
	free(buf);
}

static void test_raw_format(void **state)
{
	struct cpuid_parse_info info;
	struct xsvm_err err;

	(void)state;
	assert_int_equal(parse("CPU 0:\n"
			       "   0x00000001 0x00: eax=0x00a00f11 ebx=0x00000800 ecx=0xfffa3203 edx=0x178bfbff\n"
			       "   0x0000000d 0x00: eax=0x00000207 ebx=0x00000988 ecx=0x00000988 edx=0x00000000\n"
			       "CPU 1:\n"
			       "   0x00000001 0x00: eax=0x00a00f11 ebx=0x01000800 ecx=0xfffa3203 edx=0x178bfbff\n"
			       "   0x0000000d 0x00: eax=0x00000207 ebx=0x00000988 ecx=0x00000988 edx=0x00000000\n",
			       &info, &err),
			 0);
	assert_int_equal(info.format, CPUID_FORMAT_RAW);
	assert_int_equal(info.cpus, 2);
	/* only the APIC ID differs: not a difference */
	assert_false(info.cpus_differ);
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.e[0].ebx, 0x800);

	assert_int_equal(parse("CPU 0:\n"
			       "   0x0000000d 0x00: eax=0x00000207 ebx=0x00000988 ecx=0x00000988 edx=0x00000000\n"
			       "CPU 1:\n"
			       "   0x0000000d 0x00: eax=0x00000207 ebx=0x00000340 ecx=0x00000988 edx=0x00000000\n"
			       "CPU 2:\n"
			       "   0x0000000d 0x00: eax=0x00000207 ebx=0x00000340 ecx=0x00000988 edx=0x00000000\n",
			       &info, &err),
			 0);
	assert_int_equal(info.cpus, 3);
	assert_true(info.cpus_differ);
	assert_int_equal(info.first_diff_cpu, 1);
	assert_int_equal(t.e[0].ebx, 0x988);

	/* cpuid -r -1 prints "CPU:" */
	assert_int_equal(parse("CPU:\n   0x0000000d 0x01: eax=0x0000000f ebx=0x00000370 ecx=0x00001800 edx=0x00000000\n",
			       &info, &err),
			 0);
	assert_int_equal(info.cpus, 1);
	assert_int_equal(t.e[0].subleaf, 1);
	assert_int_equal(t.e[0].ecx, 0x1800);
}

static void test_raw_real_host(void **state)
{
	struct cpuid_parse_info info;
	struct xsvm_err err;
	size_t len;
	char *buf = test_read_file(XSVM_TEST_DATA "/host-cpuid-r.txt", &len);

	(void)state;
	assert_int_equal(cpuid_parse(&t, "host-cpuid-r.txt", buf, len,
				     CPUID_FORMAT_AUTO, &info, &err),
			 0);
	free(buf);
	assert_int_equal(info.format, CPUID_FORMAT_RAW);
	assert_int_equal(info.cpus, 2);
	assert_false(info.cpus_differ);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x207);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 9, CPUID_EBX), 0x980);
	assert_int_equal(cpuid_table_reg(&t, 0x80000000, 0, CPUID_EAX),
			 0x80000022);
}

static void test_raw_errors(void **state)
{
	(void)state;
	expect_error("CPU 0:\n   0x0000000d 0x00 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n",
		     EINVAL, "f.txt:2: expected a subleaf such as '0x02:'");
	expect_error("CPU 0:\n   0x0000000d 0x00: eax=0x1 ebx=0x2 ecx=0x3\n",
		     EINVAL, "f.txt:2: expected 'edx='");
	expect_error("CPU 0:\n   0x1000000000 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n",
		     ERANGE, "f.txt:2: leaf out of range (over 32 bits)");
	expect_error("CPU zero:\n", EINVAL, "f.txt:1: bad 'CPU n:' header");
	expect_error("CPU 0:\n"
		     "   0x0000000d 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"
		     "   0x0000000d 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n",
		     EEXIST, "f.txt:3: duplicate entry for leaf 0xd subleaf 0x0");
}

static const char log_708[] =
	"[    0.000000] Linux version 6.8.0-1017-azure (buildd@lcy02-amd64-001)\n"
	"[    0.120000] ------------[ cut here ]------------\n"
	"[    0.120000] XSAVE consistency problem: size 10752 != kernel_size 10704\n"
	"[    0.120000] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c:602 paranoid_xstate_size_valid+0x146/0x1c0\n"
	"[    0.120000] CPUID[0d, 00]: eax=000600e7 ebx=00002b00 ecx=00002b00 edx=00000000\r\n"
	"[    0.120000] CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=00000800 edx=00000000\n"
	"[    0.120000] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=00000000 edx=00000000\n"
	"[    0.120000] CPUID[0d, 03]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n"
	"<4>[    0.120000] CPUID[0d, 12]: eax=00002000 ebx=00000b00 ecx=00000006 edx=00000000\n"
	"CPUID[0d, 1c]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n"
	"[    0.130000] x86/fpu: x87 FPU will use FXSAVE\n";

static void test_dmesg_format(void **state)
{
	struct cpuid_parse_info info;
	struct xsvm_err err;

	(void)state;
	assert_int_equal(parse(log_708, &info, &err), 0);
	assert_int_equal(info.format, CPUID_FORMAT_DMESG);
	assert_int_equal(t.nr, 6);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x600e7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 0x29d0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0x12, CPUID_ECX), 6);
	assert_non_null(cpuid_table_find(&t, 0xd, 0x1c));
}

static void test_dmesg_errors(void **state)
{
	(void)state;
	expect_error("[ 0.1] boot\n[ 0.2] CPUID[0d, 05]: eax=000000\n", EINVAL,
		     "f.txt:2: truncated or malformed 'CPUID[' dump line");
	expect_error("CPUID[0d 05]: eax=0 ebx=0 ecx=0 edx=0\n", EINVAL,
		     "f.txt:1: bad leaf in 'CPUID[' dump line");
	expect_error("CPUID[0d, 00]: eax=0 ebx=0 ecx=0 edx=0\n"
		     "CPUID[0d, 00]: eax=0 ebx=0 ecx=0 edx=0\n",
		     EEXIST, "f.txt:2: duplicate entry for leaf 0xd subleaf 0x0");
}

static void test_explicit_format(void **state)
{
	struct xsvm_err err;
	const char *s = "[ 0.1] CPUID[0d, 00]: eax=7 ebx=240 ecx=340 edx=0\n";

	(void)state;
	assert_int_equal(cpuid_parse(&t, "d", s, strlen(s), CPUID_FORMAT_DUMP,
				     NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "d:1: expected 'leaf='");
	assert_int_equal(cpuid_parse(&t, "d", s, strlen(s), CPUID_FORMAT_DMESG,
				     NULL, &err),
			 0);
	assert_int_equal(t.e[0].ecx, 0x340);
	assert_string_equal(cpuid_format_name(CPUID_FORMAT_RAW), "cpuid -r");
}

static void test_print_round_trip(void **state)
{
	struct cpuid_table back;
	struct xsvm_err err;
	char buf[8192];
	size_t n;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	n = cpuid_table_print(&t, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	/* 18 one-digit subleaves, 2 two-digit ones (0x11, 0x12) */
	assert_int_equal(n, 18 * 88 + 2 * 89);
	assert_int_equal(cpuid_parse(&back, "rt", buf, n, CPUID_FORMAT_AUTO,
				     NULL, &err),
			 0);
	assert_int_equal(back.nr, t.nr);
	assert_memory_equal(back.e, t.e, t.nr * sizeof(t.e[0]));
	/* truncated output stays terminated and reports the full length */
	assert_int_equal(cpuid_table_print(&t, buf, 100), n);
	assert_int_equal(strlen(buf), 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_format),
		cmocka_unit_test(test_all_shared_dumps_parse),
		cmocka_unit_test(test_dump_errors),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_raw_format),
		cmocka_unit_test(test_raw_real_host),
		cmocka_unit_test(test_raw_errors),
		cmocka_unit_test(test_dmesg_format),
		cmocka_unit_test(test_dmesg_errors),
		cmocka_unit_test(test_explicit_format),
		cmocka_unit_test(test_print_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
