// SPDX-License-Identifier: MIT
/* Tests of cpuid/diff.c: register-by-register table differences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpuid/diff.h"
#include "test_util.h"

static struct cpuid_table a, b;
static struct cpuid_diff d;

static void test_identical(void **state)
{
	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &a);
	b = a;
	cpuid_table_diff(&a, &b, &d);
	assert_int_equal(d.nr, 0);
	assert_int_equal(d.total, 0);
}

/* KVM-style rewrites: one register changed, one subleaf gone, one added. */
static void test_changes(void **state)
{
	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &a);
	b = a;
	cpuid_table_find_mut(&b, 0x1, 0)->ecx = 0x7ffefbfe;
	cpuid_table_find_mut(&b, 0xd, 1)->ebx = 0x240;
	assert_true(cpuid_table_remove(&b, 0xd, 0x12));
	assert_int_equal(cpuid_table_add(&b, 0x40000000, 0, 1, 2, 3, 4), 0);
	cpuid_table_diff(&a, &b, &d);
	assert_int_equal(d.total, 4);
	assert_int_equal(d.nr, 4);
	assert_int_equal(d.d[0].kind, CPUID_DIFF_CHANGED);
	assert_int_equal(d.d[0].leaf, 0x1);
	assert_int_equal(d.d[0].reg, CPUID_ECX);
	assert_int_equal(d.d[0].a, 0x7ffefbff);
	assert_int_equal(d.d[0].b, 0x7ffefbfe);
	assert_int_equal(d.d[1].kind, CPUID_DIFF_CHANGED);
	assert_int_equal(d.d[1].leaf, 0xd);
	assert_int_equal(d.d[1].subleaf, 1);
	assert_int_equal(d.d[1].reg, CPUID_EBX);
	assert_int_equal(d.d[1].a, 0x2a80);
	assert_int_equal(d.d[1].b, 0x240);
	assert_int_equal(d.d[2].kind, CPUID_DIFF_MISSING);
	assert_int_equal(d.d[2].subleaf, 0x12);
	assert_int_equal(d.d[3].kind, CPUID_DIFF_ADDED);
	assert_int_equal(d.d[3].leaf, 0x40000000);
	assert_string_equal(cpuid_diff_kind_name(d.d[3].kind), "added");
}

/* More differences than fit: counted, the first CPUID_DIFF_MAX kept. */
static void test_overflow(void **state)
{
	(void)state;
	cpuid_table_init(&a);
	cpuid_table_init(&b);
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(cpuid_table_add(&a, 0x80000000 + i, 0, 0, 0, 0, 0), 0);
		assert_int_equal(cpuid_table_add(&b, 0x80000000 + i, 0, 1, 1, 1, 1), 0);
	}
	cpuid_table_diff(&a, &b, &d);
	assert_int_equal(d.total, 400);
	assert_int_equal(d.nr, CPUID_DIFF_MAX);
	assert_int_equal(d.d[CPUID_DIFF_MAX - 1].leaf, 0x80000000 + 63);
	assert_int_equal(d.d[CPUID_DIFF_MAX - 1].reg, CPUID_EDX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
