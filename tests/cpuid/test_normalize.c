// SPDX-License-Identifier: MIT
/* Tests of cpuid/normalize.c: the VMM stage of the table pipeline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/normalize.h"

static void test_sets_hypervisor_bit(void **state)
{
	struct cpuid_table t;
	struct normalize_result r;
	const struct policy_change *c;

	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_set(&t, 1, 0, 0xa20f10, 0x800,
					 0x76f83203, 0x178bfbff), 0);
	assert_int_equal(normalize_apply(&t, &r), 0);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_ECX), 0xf6f83203);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EDX), 0x178bfbff);
	assert_int_equal(r.nr_changes, 1);
	c = &r.changes[0];
	assert_int_equal(c->kind, POLICY_CHANGE_BITS);
	assert_int_equal(c->leaf, 1);
	assert_int_equal(c->subleaf, 0);
	assert_int_equal(c->reg, CPUID_ECX);
	assert_int_equal(c->cleared, 0);
	assert_int_equal(c->set, 0x80000000u);
	assert_string_equal(c->rule,
			    "hypervisor present (CPUID.1:ECX[31]): every VMM sets it; Linux reads leaf 0x40000000 only with it");

	/* a second pass changes nothing: the stage is idempotent */
	assert_int_equal(normalize_apply(&t, &r), 0);
	assert_int_equal(r.nr_changes, 0);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_ECX), 0xf6f83203);
}

static void test_no_leaf_1(void **state)
{
	struct cpuid_table t;
	struct normalize_result r;

	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_set(&t, 0, 0, 0xd, 0, 0, 0), 0);
	assert_int_equal(normalize_apply(&t, &r), 0);
	assert_int_equal(r.nr_changes, 0);
	assert_int_equal(t.nr, 1);
	assert_null(cpuid_table_find(&t, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sets_hypervisor_bit),
		cmocka_unit_test(test_no_leaf_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
