// SPDX-License-Identifier: MIT
/* Tests of the sorted CPUID table (cpuid/table.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/table.h"

static struct cpuid_table t;

static void test_sorted_insert(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_add(&t, 0xd, 2, 1, 2, 3, 4), 0);
	assert_int_equal(cpuid_table_add(&t, 0x80000000, 0, 0, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_add(&t, 0xd, 0, 5, 6, 7, 8), 0);
	assert_int_equal(cpuid_table_add(&t, 0x1, 0, 9, 9, 9, 9), 0);
	assert_int_equal(cpuid_table_add(&t, 0xd, 1, 0, 0, 0, 0), 0);
	assert_int_equal(t.nr, 5);
	assert_int_equal(t.e[0].leaf, 0x1);
	assert_int_equal(t.e[1].subleaf, 0);
	assert_int_equal(t.e[2].subleaf, 1);
	assert_int_equal(t.e[3].subleaf, 2);
	assert_int_equal(t.e[4].leaf, 0x80000000);
	assert_int_equal(t.e[3].flags, CPUID_FLAG_INDEXED);
	assert_int_equal(t.e[0].flags, 0);
}

static void test_duplicate_rejected(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_add(&t, 0xd, 2, 1, 2, 3, 4), 0);
	assert_int_equal(cpuid_table_add(&t, 0xd, 2, 9, 9, 9, 9), -EEXIST);
	assert_int_equal(t.nr, 1);
	assert_int_equal(t.e[0].eax, 1);
	/* set overwrites */
	assert_int_equal(cpuid_table_set(&t, 0xd, 2, 9, 8, 7, 6), 0);
	assert_int_equal(t.nr, 1);
	assert_int_equal(t.e[0].eax, 9);
	assert_int_equal(t.e[0].edx, 6);
}

static void test_full(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	for (unsigned int i = 0; i < CPUID_TABLE_MAX; i++)
		assert_int_equal(cpuid_table_add(&t, 0x4, i, i, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_add(&t, 0x5, 0, 0, 0, 0, 0), -ENOSPC);
	assert_int_equal(cpuid_table_set(&t, 0x5, 0, 0, 0, 0, 0), -ENOSPC);
	assert_int_equal(cpuid_table_set(&t, 0x4, 7, 70, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_reg(&t, 0x4, 7, CPUID_EAX), 70);
}

static void test_find(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	cpuid_table_add(&t, 0x1, 0, 0x806f8, 0x800800, 0x7ffefbff, 0xbfebfbff);
	cpuid_table_add(&t, 0xd, 0, 0x602e7, 0x2b00, 0x2b00, 0);
	/* non-indexed: any subleaf reads subleaf 0 */
	assert_non_null(cpuid_table_find(&t, 0x1, 5));
	assert_int_equal(cpuid_table_find(&t, 0x1, 5)->eax, 0x806f8);
	/* indexed: exact */
	assert_null(cpuid_table_find(&t, 0xd, 5));
	assert_int_equal(cpuid_table_reg(&t, 0xd, 5, CPUID_EAX), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EBX), 0x2b00);
	assert_true(cpuid_table_bit(&t, 0x1, 0, CPUID_ECX, 26));
	assert_false(cpuid_table_bit(&t, 0x7, 0, CPUID_EBX, 16));
}

static void test_remove(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	for (unsigned int i = 0; i < 5; i++)
		cpuid_table_add(&t, 0xd, i, i, 0, 0, 0);
	cpuid_table_add(&t, 0x7, 0, 0, 0, 0, 0);
	cpuid_table_add(&t, 0x14, 0, 0, 0, 0, 0);
	assert_true(cpuid_table_remove(&t, 0xd, 3));
	assert_false(cpuid_table_remove(&t, 0xd, 3));
	assert_int_equal(t.nr, 6);
	assert_int_equal(cpuid_table_remove_leaf(&t, 0xd), 4);
	assert_int_equal(t.nr, 2);
	assert_int_equal(t.e[0].leaf, 0x7);
	assert_int_equal(t.e[1].leaf, 0x14);
	assert_int_equal(cpuid_table_remove_leaf(&t, 0xd), 0);
}

static void test_format_and_hash(void **state)
{
	char buf[128];
	uint64_t h1, h2;

	(void)state;
	cpuid_table_init(&t);
	cpuid_table_add(&t, 0xd, 2, 0x100, 0x240, 0, 0);
	cpuid_entry_format(&t.e[0], buf, sizeof(buf));
	assert_string_equal(buf,
			    "leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000");
	h1 = cpuid_table_hash(&t);
	assert_int_equal(h1, cpuid_table_hash(&t));
	cpuid_table_set(&t, 0xd, 2, 0x100, 0x240, 2, 0);
	h2 = cpuid_table_hash(&t);
	assert_true(h1 != h2);
	cpuid_table_init(&t);
	/* FNV-1a offset basis for the empty table */
	assert_int_equal(cpuid_table_hash(&t), 0xcbf29ce484222325ull);
}

static void test_set_reg(void **state)
{
	struct cpuid_entry e = { 0 };

	(void)state;
	cpuid_entry_set_reg(&e, CPUID_EAX, 1);
	cpuid_entry_set_reg(&e, CPUID_EBX, 2);
	cpuid_entry_set_reg(&e, CPUID_ECX, 3);
	cpuid_entry_set_reg(&e, CPUID_EDX, 4);
	assert_int_equal(cpuid_entry_reg(&e, CPUID_EAX), 1);
	assert_int_equal(cpuid_entry_reg(&e, CPUID_EBX), 2);
	assert_int_equal(cpuid_entry_reg(&e, CPUID_ECX), 3);
	assert_int_equal(cpuid_entry_reg(&e, CPUID_EDX), 4);
	assert_string_equal(cpuid_reg_names[CPUID_EDX], "edx");
}

/* A register of an existing entry: written; an absent entry: nothing. */
static void test_table_set_reg(void **state)
{
	(void)state;
	cpuid_table_init(&t);
	assert_int_equal(cpuid_table_add(&t, 0xd, 1, 0xf, 0x240, 0, 0), 0);
	assert_int_equal(cpuid_table_add(&t, 0x1, 0, 1, 2, 3, 4), 0);
	assert_true(cpuid_table_set_reg(&t, 0xd, 1, CPUID_EBX, 0x2a00));
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 0x2a00);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX), 0xf);
	/* 0xD is indexed: subleaf 0 is another entry, absent here */
	assert_false(cpuid_table_set_reg(&t, 0xd, 0, CPUID_EBX, 0x340));
	assert_int_equal(t.nr, 2);
	/* leaf 1 is not: any subleaf reaches its subleaf-0 entry */
	assert_true(cpuid_table_set_reg(&t, 0x1, 7, CPUID_EDX, 0x55));
	assert_int_equal(cpuid_table_reg(&t, 0x1, 0, CPUID_EDX), 0x55);
	assert_false(cpuid_table_set_reg(&t, 0x7, 0, CPUID_EBX, 1));
	assert_int_equal(t.nr, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorted_insert),
		cmocka_unit_test(test_duplicate_rejected),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_format_and_hash),
		cmocka_unit_test(test_set_reg),
		cmocka_unit_test(test_table_set_reg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
