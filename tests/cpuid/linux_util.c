// SPDX-License-Identifier: MIT
/* Running the Linux model in the tests (see linux_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linux_util.h"
#include "test_util.h"

const uint32_t linux_named[LINUX_NAMED_NR] = {
	LINUX_5_15, LINUX_6_1, LINUX_6_8, LINUX_7_1,
};

struct linux_result res;

void check(const struct cpuid_table *t, uint32_t v,
	   const struct linux_state_override *ov)
{
	struct xsvm_err err = { { 0 } };

	assert_int_equal(linux_check(t, v, ov, &res, &err), 0);
	assert_int_equal(res.version, v);
}

/* Lines [from, from + n) of the result are exactly exp[0..n-1]. */
void assert_lines(unsigned int from, const char *const *exp, unsigned int n)
{
	assert_true(from + n <= res.nr_lines);
	for (unsigned int i = 0; i < n; i++)
		assert_string_equal(res.lines[from + i], exp[i]);
}

/* Lines [from, from + n) are a leaf-0xD dump of subleaves 0..n-1. */
void assert_dump(unsigned int from, unsigned int n)
{
	char prefix[32];

	assert_true(from + n <= res.nr_lines);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "CPUID[0d, %02x]: eax=", i);
		assert_memory_equal(res.lines[from + i], prefix, strlen(prefix));
	}
}

/* Sapphire Rapids with leaf 0x1D as the real part reports it. */
void load_spr_amx(struct cpuid_table *t)
{
	test_load_dump("intel-sapphirerapids.txt", t);
	assert_int_equal(cpuid_table_set(t, 0x1d, 0, 1, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_set(t, 0x1d, 1, 0x04002000, 0x00080040,
					 0x10, 0), 0);
}

/* The OpenVMM #708 guest: XCR0 0x600e7 supported, XSS 0x800. */
void load_708(struct cpuid_table *t, uint32_t ebx1)
{
	load_spr_amx(t);
	assert_int_equal(cpuid_table_set(t, 0xd, 0, 0x600e7, 0x2b00, 0x2b00, 0), 0);
	assert_int_equal(cpuid_table_set(t, 0xd, 1, 0x1f, ebx1, 0x800, 0), 0);
}
