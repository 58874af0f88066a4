// SPDX-License-Identifier: MIT
/*
 * Tests of cpuid/topology_check.c: every vCPU's table from the topology
 * stage reads back as its place in the stated topology, for every dump
 * and topology; each wrong field is named with its values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/topology.h"
#include "cpuid/topology_check.h"
#include "test_util.h"

static const struct topology topos[] = {
	{1, 4, 1}, {2, 2, 2}, {2, 3, 2}, {1, 1, 2}, {4, 1, 1},
};

static void check_all(const struct cpuid_table *base, const char *name)
{
	static struct cpuid_table t;
	struct xsvm_err err = {{0}};
	struct topology_result r;
	struct topology_check c;

	for (unsigned int k = 0; k < sizeof(topos) / sizeof(topos[0]); k++) {
		const struct topology *topo = &topos[k];

		for (unsigned int i = 0; i < topology_cpus(topo); i++) {
			t = *base;
			assert_int_equal(topology_vcpu_table(&t, topo, i, &r,
							     &err),
					 0);
			topology_check(&t, topo, i, topology_apic_id(topo, i),
				       &c);
			if (c.nr)
				fail_msg("%s, %ux%ux%u, vCPU %u: %s", name,
					 topo->sockets, topo->cores,
					 topo->threads, i, c.msg[0]);
			/* at least the local APIC's and 1.EBX's IDs */
			assert_true(c.checked >= 2);
		}
	}
}

/* The topology stage's tables pass, for every dump and this host's table. */
static void test_stage_tables_pass(void **state)
{
	static struct cpuid_table base;
	char *text;
	size_t len;

	(void)state;
	for (unsigned int d = 0; d < test_nr_dumps; d++) {
		test_load_dump(test_dump_names[d], &base);
		check_all(&base, test_dump_names[d]);
	}
	text = test_read_file(XSVM_TEST_DATA "/host-cpuid-r.txt", &len);
	test_parse_str(text, &base);
	free(text);
	check_all(&base, "host-cpuid-r.txt");
}

static void host_vcpu(const struct topology *topo, unsigned int i,
		      struct cpuid_table *t)
{
	struct xsvm_err err = {{0}};
	struct topology_result r;
	char *text;
	size_t len;

	text = test_read_file(XSVM_TEST_DATA "/host-cpuid-r.txt", &len);
	test_parse_str(text, t);
	free(text);
	assert_int_equal(topology_vcpu_table(t, topo, i, &r, &err), 0);
}

/*
 * This host's AMD table, 2 x 2 x 2, vCPU 6 (APIC ID 6): the fields
 * compared are the local APIC, 1.EBX's ID, HTT and count (4), 0xB's two
 * levels (EDX and EBX each, 4) and the split (1), 0x8000001E EAX and EBX
 * (2), 0x80000008 ECX (1), and the missing-level check (1): 13. Each
 * wrong field gives its own message.
 */
static void test_wrong_fields(void **state)
{
	const struct topology t222 = {2, 2, 2};
	static struct cpuid_table t;
	struct topology_check c;

	(void)state;
	host_vcpu(&t222, 6, &t);
	topology_check(&t, &t222, 6, 6, &c);
	assert_int_equal(c.nr, 0);
	assert_int_equal(c.checked, 13);

	topology_check(&t, &t222, 6, 7, &c);
	assert_int_equal(c.nr, 1);
	assert_string_equal(c.msg[0],
			    "the local APIC's ID is 7, the topology gives 6");

	cpuid_table_set_reg(&t, 0xb, 0, CPUID_EDX, 7);
	cpuid_table_set_reg(&t, 0x8000001e, 0, CPUID_EBX, 0x003);
	topology_check(&t, &t222, 6, 6, &c);
	assert_int_equal(c.nr, 2);
	assert_string_equal(c.msg[0],
			    "0xb.0 EDX: x2APIC ID 7, the topology gives 6");
	assert_string_equal(
		c.msg[1],
		"0x8000001e EBX[15:8]: 1 threads per core, the topology has 2");

	/* a core shift of 1 puts the ID's core bit in the socket */
	host_vcpu(&t222, 6, &t);
	cpuid_table_set_reg(&t, 0xb, 1, CPUID_EAX, 1);
	topology_check(&t, &t222, 6, 6, &c);
	assert_int_equal(c.nr, 1);
	assert_string_equal(
		c.msg[0],
		"0xb: x2APIC ID 6 splits into thread 0, core 0, socket 3, not 0, 1, 1");

	/* 1.EBX: the initial APIC ID of another vCPU, too few IDs, no HTT */
	host_vcpu(&t222, 6, &t);
	cpuid_table_set_reg(&t, 1, 0, CPUID_EBX, 0x05020800);
	cpuid_table_set_reg(&t, 1, 0, CPUID_EDX,
			    cpuid_table_reg(&t, 1, 0, CPUID_EDX) & ~(1u << 28));
	topology_check(&t, &t222, 6, 6, &c);
	assert_int_equal(c.nr, 3);
	assert_string_equal(c.msg[0],
			    "1 EBX[31:24]: initial APIC ID 5, the topology gives 6");
	assert_string_equal(c.msg[1],
			    "1 EDX[28] HTT clear with 4 threads per package");
	assert_string_equal(
		c.msg[2],
		"1 EBX[23:16]: 2 addressable IDs, fewer than the 4 threads of a package");

	/* a 0xB without its core level */
	host_vcpu(&t222, 6, &t);
	cpuid_table_set_reg(&t, 0xb, 1, CPUID_ECX, 1);
	topology_check(&t, &t222, 6, 6, &c);
	assert_int_equal(c.nr, 1);
	assert_string_equal(c.msg[0], "0xb: no core level");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_tables_pass),
		cmocka_unit_test(test_wrong_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
