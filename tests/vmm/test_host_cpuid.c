// SPDX-License-Identifier: MIT
/*
 * Tests of the native CPUID enumeration of vmm/host_cpuid.c on made-up
 * CPUs: which (leaf, subleaf) keys it lists, by the rules of Debian's
 * `cpuid -r` (20230120) measured under QEMU with several -cpu models.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/host_cpuid.h"

/* A made-up CPU: the answers it has, zeros for everything else. */
static void fake_cpuid(void *ctx, uint32_t leaf, uint32_t subleaf,
		       uint32_t r[4])
{
	const struct cpuid_entry *e = cpuid_table_find(ctx, leaf, subleaf);

	r[0] = e ? e->eax : 0;
	r[1] = e ? e->ebx : 0;
	r[2] = e ? e->ecx : 0;
	r[3] = e ? e->edx : 0;
}

static struct cpuid_table cpu, got;

static void cpu_init(uint32_t max_basic, uint32_t max_ext)
{
	cpuid_table_init(&cpu);
	assert_int_equal(cpuid_table_add(&cpu, 0, 0, max_basic, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_add(&cpu, 0x80000000, 0, max_ext, 0, 0, 0),
			 0);
}

static void cpu_set(uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ecx)
{
	assert_int_equal(cpuid_table_add(&cpu, leaf, subleaf, eax, 0, ecx, 0),
			 0);
}

static void walk(void)
{
	struct xsvm_err err = {0};

	assert_int_equal(host_cpuid_walk(&got, fake_cpuid, &cpu, &err), 0);
}

/* The subleaves of leaf listed, as "0,1,2" ("-" for none). */
static const char *subleaves(uint32_t leaf)
{
	static char buf[256];
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < got.nr; i++)
		if (got.e[i].leaf == leaf)
			n += snprintf(buf + n, sizeof(buf) - n, "%s%u",
				      n ? "," : "", got.e[i].subleaf);
	return n ? buf : "-";
}

/*
 * QEMU -cpu max,level=0x1c,sgx=off: leaves 4, 0xB, 0x12, 0x1B and
 * 0x8000001D all zero. `cpuid -r` lists 0x12 subleaves 0-2 and 0x1B
 * subleaves 0-1, leaf 4 and 0xB subleaf 0, and no 0x8000001D at all.
 */
static void test_all_zero_leaves(void **state)
{
	(void)state;
	cpu_init(0x1c, 0x80000021);
	walk();
	assert_string_equal(subleaves(0x4), "0");
	assert_string_equal(subleaves(0xb), "0");
	assert_string_equal(subleaves(0xd), "0,1");
	assert_string_equal(subleaves(0x12), "0,1,2");
	assert_string_equal(subleaves(0x1b), "0,1");
	assert_string_equal(subleaves(0x1c), "0");
	assert_string_equal(subleaves(0x1d), "-");
	assert_string_equal(subleaves(0x8000001d), "-");
	assert_string_equal(subleaves(0x80000021), "0");
	/*
	 * 0x0-0x1C: 29 leaves and 4 more subleaves (0xD.1, 0x12.1-2,
	 * 0x1B.1); 0x80000000-0x80000021 without 0x8000001D: 33.
	 */
	assert_int_equal(got.nr, 66);
}

/*
 * QEMU -cpu EPYC-Milan, with and without topoext: 0x8000001D subleaves 0-3
 * (EAX 0x121, 0x122, 0x43, 0x163), not the terminating 4, whatever TOPOEXT
 * says.
 */
static void test_amd_cache_leaf(void **state)
{
	(void)state;
	cpu_init(0xd, 0x8000001f);
	cpu_set(0x8000001d, 0, 0x121, 0);
	cpu_set(0x8000001d, 1, 0x122, 0);
	cpu_set(0x8000001d, 2, 0x43, 0);
	cpu_set(0x8000001d, 3, 0x163, 0);
	walk();
	assert_string_equal(subleaves(0x8000001d), "0,1,2,3");
	assert_string_equal(subleaves(0x12), "-");
}

/* Leaf 4 and 0xB list their terminating subleaf. */
static void test_intel_cache_and_topology(void **state)
{
	(void)state;
	cpu_init(0xb, 0x80000008);
	cpu_set(0x4, 0, 0x121, 0);
	cpu_set(0x4, 1, 0x122, 0);
	cpu_set(0x4, 2, 0x143, 0);
	cpu_set(0xb, 0, 0, 0x100);
	cpu_set(0xb, 1, 0, 0x201);
	walk();
	assert_string_equal(subleaves(0x4), "0,1,2,3");
	assert_string_equal(subleaves(0xb), "0,1,2");
}

/* 0x12 with two EPC sections and 0x1B with one PCONFIG target type. */
static void test_sgx_and_pconfig(void **state)
{
	(void)state;
	cpu_init(0x1b, 0x80000008);
	cpu_set(0x12, 0, 0x1, 0);
	cpu_set(0x12, 2, 0x1, 0);
	cpu_set(0x12, 3, 0x1, 0);
	cpu_set(0x1b, 0, 0x1, 0);
	cpu_set(0x1b, 1, 0x1, 0);
	walk();
	assert_string_equal(subleaves(0x12), "0,1,2,3,4");
	assert_string_equal(subleaves(0x1b), "0,1,2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_zero_leaves),
		cmocka_unit_test(test_amd_cache_leaf),
		cmocka_unit_test(test_intel_cache_and_topology),
		cmocka_unit_test(test_sgx_and_pconfig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
