// SPDX-License-Identifier: MIT
/*
 * Tests of cpuid/topology.c: APIC IDs of a stated topology, --topology,
 * and each vCPU's table: its own topology fields, the shared ones alike,
 * leaf 0xD and every other leaf untouched.
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
#include "test_util.h"

static const struct topology t222 = {2, 2, 2};

static void test_apic_ids(void **state)
{
	static const uint32_t ids_2s3c2t[] = {
		0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13,
	};
	struct topology t;

	(void)state;
	topology_default(4, &t);
	assert_int_equal(topology_cpus(&t), 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(topology_apic_id(&t, i), i);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(topology_apic_id(&t222, i), i);
	/* 3 cores take 2 bits: socket 1 starts at 1 << (1 + 2) */
	t = (struct topology){2, 3, 2};
	for (unsigned int i = 0; i < 12; i++)
		assert_int_equal(topology_apic_id(&t, i), ids_2s3c2t[i]);
	assert_int_equal(topology_width(1), 0);
	assert_int_equal(topology_width(2), 1);
	assert_int_equal(topology_width(3), 2);
	assert_int_equal(topology_width(4), 2);
	assert_int_equal(topology_width(5), 3);
	assert_int_equal(topology_width(256), 8);
}

static void test_parse(void **state)
{
	static const struct {
		const char *s;
		unsigned int cpus;
		const char *err;
	} bad[] = {
		{"sockets=2,cores=2", 8,
		 "--topology: 2 sockets x 2 cores x 1 threads is 4 vCPUs, not "
		 "the 8 of --cpus"},
		{"cores=0", 0,
		 "--topology: 'cores=0': cores wants a count from 1 to 256"},
		{"cores=2,cores=2", 0,
		 "--topology: 'cores=2,cores=2' gives cores twice"},
		{"dies=2", 0,
		 "--topology: 'dies=2' is not sockets=S,cores=C,threads=T"},
		{"cores=2,", 0,
		 "--topology: 'cores=2,' is not sockets=S,cores=C,threads=T"},
		{"sockets=16,cores=16,threads=2", 0,
		 "--topology: 'sockets=16,cores=16,threads=2' is more than 256 "
		 "vCPUs"},
	};
	struct xsvm_err err = {{0}};
	struct topology t;

	(void)state;
	assert_int_equal(
		topology_parse("sockets=2,cores=2,threads=2", 8, &t, &err), 0);
	assert_int_equal(t.sockets, 2);
	assert_int_equal(t.cores, 2);
	assert_int_equal(t.threads, 2);
	assert_int_equal(topology_parse("threads=2", 0, &t, &err), 0);
	assert_int_equal(t.sockets * 10 + t.cores, 11);
	assert_int_equal(t.threads, 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			topology_parse(bad[i].s, bad[i].cpus, &t, &err),
			-EINVAL);
		assert_string_equal(err.msg, bad[i].err);
	}
}

/* An Intel table with the topology leaves (one core, two threads). */
static const char intel[] = "leaf=0x00000000 subleaf=0x0 eax=0x00000020 "
			    "ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
			    "leaf=0x00000001 subleaf=0x0 eax=0x000806f8 "
			    "ebx=0x01800800 ecx=0x7ffefbff edx=0xbfebfbff\n"
			    "leaf=0x00000004 subleaf=0x0 eax=0xfc004121 "
			    "ebx=0x02c0003f ecx=0x0000003f edx=0x00000000\n"
			    "leaf=0x00000004 subleaf=0x1 eax=0xfc004122 "
			    "ebx=0x01c0003f ecx=0x0000003f edx=0x00000000\n"
			    "leaf=0x00000004 subleaf=0x2 eax=0xfc004143 "
			    "ebx=0x03c0003f ecx=0x000007ff edx=0x00000000\n"
			    "leaf=0x00000004 subleaf=0x3 eax=0xfc07c163 "
			    "ebx=0x04c0003f ecx=0x0000bfff edx=0x00000004\n"
			    "leaf=0x00000004 subleaf=0x4 eax=0x00000000 "
			    "ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
			    "leaf=0x0000000b subleaf=0x0 eax=0x00000001 "
			    "ebx=0x00000002 ecx=0x00000100 edx=0x00000001\n"
			    "leaf=0x0000000b subleaf=0x1 eax=0x00000007 "
			    "ebx=0x0000003c ecx=0x00000201 edx=0x00000001\n"
			    "leaf=0x0000000b subleaf=0x2 eax=0x00000000 "
			    "ebx=0x00000000 ecx=0x00000002 edx=0x00000001\n"
			    "leaf=0x0000000d subleaf=0x0 eax=0x00000207 "
			    "ebx=0x00000a88 ecx=0x00000a88 edx=0x00000000\n"
			    "leaf=0x0000000d subleaf=0x1 eax=0x0000000f "
			    "ebx=0x00000348 ecx=0x00000000 edx=0x00000000\n"
			    "leaf=0x0000000d subleaf=0x2 eax=0x00000100 "
			    "ebx=0x00000240 ecx=0x00000000 edx=0x00000000\n"
			    "leaf=0x0000001f subleaf=0x0 eax=0x00000001 "
			    "ebx=0x00000002 ecx=0x00000100 edx=0x00000001\n"
			    "leaf=0x0000001f subleaf=0x1 eax=0x00000007 "
			    "ebx=0x0000003c ecx=0x00000201 edx=0x00000001\n"
			    "leaf=0x0000001f subleaf=0x2 eax=0x00000000 "
			    "ebx=0x00000000 ecx=0x00000002 edx=0x00000001\n";

static void test_intel_vcpu(void **state)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table base, t;
	struct topology_result r;

	(void)state;
	test_parse_str(intel, &base);
	t = base;
	assert_int_equal(topology_vcpu_table(&t, &t222, 5, &r, &err), 0);
	assert_int_equal(r.apic_id, 5);
	/* APIC ID 5, 4 addressable IDs per package, HTT */
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EBX), 0x05040800);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EDX), 0xbfebfbff);
	/* L1d: 2 threads share it, 2 cores per package; L3: 4 threads */
	assert_int_equal(cpuid_table_reg(&t, 4, 0, CPUID_EAX), 0x04004121);
	assert_int_equal(cpuid_table_reg(&t, 4, 2, CPUID_EAX), 0x04004143);
	assert_int_equal(cpuid_table_reg(&t, 4, 3, CPUID_EAX), 0x0400c163);
	assert_int_equal(cpuid_table_reg(&t, 4, 4, CPUID_EAX), 0);
	for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x14) {
		assert_int_equal(cpuid_table_reg(&t, leaf, 0, CPUID_EAX), 1);
		assert_int_equal(cpuid_table_reg(&t, leaf, 0, CPUID_EBX), 2);
		assert_int_equal(cpuid_table_reg(&t, leaf, 0, CPUID_ECX),
				 0x100);
		assert_int_equal(cpuid_table_reg(&t, leaf, 1, CPUID_EAX), 2);
		assert_int_equal(cpuid_table_reg(&t, leaf, 1, CPUID_EBX), 4);
		assert_int_equal(cpuid_table_reg(&t, leaf, 1, CPUID_ECX),
				 0x201);
		assert_int_equal(cpuid_table_reg(&t, leaf, 2, CPUID_ECX), 2);
		for (uint32_t sub = 0; sub < 3; sub++)
			assert_int_equal(
				cpuid_table_reg(&t, leaf, sub, CPUID_EDX), 5);
	}
	/*
	 * 1.EBX twice (HTT was set), leaf 4's four caches, and in each of 0xB
	 * and 0x1F the three EDX and subleaf 1's EAX and EBX
	 */
	assert_int_equal(r.nr_changes, 2 + 4 + 2 * 5);
	assert_int_equal(r.changes[0].leaf, 1);
	assert_int_equal(r.changes[0].reg, CPUID_EBX);
	assert_int_equal(r.changes[0].cleared, 0);
	assert_int_equal(r.changes[0].set, 0x04000000);
	assert_string_equal(r.changes[0].rule,
			    "initial APIC ID (CPUID.1:EBX[31:24]): the vCPU's");
	/* one vCPU, one thread: no HTT, no sharing */
	t = base;
	assert_int_equal(topology_vcpu_table(&t, &(struct topology){1, 1, 1}, 0,
					     &r, &err),
			 0);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EBX), 0x00010800);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EDX), 0xafebfbff);
	assert_int_equal(cpuid_table_reg(&t, 4, 3, CPUID_EAX), 0x00000163);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 1, CPUID_EBX), 1);
}

/* This host's real table (AMD, from `cpuid -r`): the AMD leaves. */
static void test_amd_vcpu(void **state)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table t;
	struct topology_result r;
	char *text;
	size_t len;

	(void)state;
	text = test_read_file(XSVM_TEST_DATA "/host-cpuid-r.txt", &len);
	test_parse_str(text, &t);
	free(text);
	assert_int_equal(topology_vcpu_table(&t, &t222, 6, &r, &err), 0);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EBX) >> 16, 0x0604);
	assert_int_equal(cpuid_table_reg(&t, 0x8000001e, 0, CPUID_EAX), 6);
	/* core 3 (apic 6 >> 1), 2 threads per core, node 1 */
	assert_int_equal(cpuid_table_reg(&t, 0x8000001e, 0, CPUID_EBX), 0x103);
	assert_int_equal(cpuid_table_reg(&t, 0x8000001e, 0, CPUID_ECX), 1);
	/* 4 threads per package, 2 APIC ID bits */
	assert_int_equal(cpuid_table_reg(&t, 0x80000008, 0, CPUID_ECX), 0x2003);
	/* L1/L2 shared by the core's 2 threads, L3 by the package's 4 */
	assert_int_equal(cpuid_table_reg(&t, 0x8000001d, 0, CPUID_EAX), 0x4121);
	assert_int_equal(cpuid_table_reg(&t, 0x8000001d, 3, CPUID_EAX), 0xc163);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 0, CPUID_EDX), 6);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 1, CPUID_EAX), 2);
	/* AMD's leaf 4 is all zero and stays so */
	assert_int_equal(cpuid_table_reg(&t, 4, 0, CPUID_EAX), 0);
}

/* Which leaves a vCPU's table may differ in from the VM's. */
static bool topology_leaf(uint32_t leaf)
{
	return leaf == 1 || leaf == 4 || leaf == 0xb || leaf == 0x1f ||
	       leaf == 0x80000008 || leaf == 0x8000001d || leaf == 0x8000001e;
}

/*
 * For every dump of the test data, at 2 sockets x 2 cores x 2 threads:
 * leaf 0xD (and every other leaf outside the topology's) is the same on
 * every vCPU as in the VM's table, and no entry is added or removed.
 */
static void test_dumps_leaf_d_identical(void **state)
{
	struct xsvm_err err = {{0}};
	static struct cpuid_table base, t;
	struct topology_result r;

	(void)state;
	for (unsigned int d = 0; d < test_nr_dumps; d++) {
		test_load_dump(test_dump_names[d], &base);
		for (unsigned int i = 0; i < topology_cpus(&t222); i++) {
			t = base;
			assert_int_equal(
				topology_vcpu_table(&t, &t222, i, &r, &err), 0);
			assert_int_equal(t.nr, base.nr);
			for (unsigned int k = 0; k < t.nr; k++) {
				const struct cpuid_entry *a = &base.e[k];
				const struct cpuid_entry *b = &t.e[k];

				assert_int_equal(a->leaf, b->leaf);
				assert_int_equal(a->subleaf, b->subleaf);
				if (topology_leaf(a->leaf))
					continue;
				if (memcmp(a, b, sizeof(*a)))
					fail_msg("%s vCPU %u: leaf %#x.%u "
						 "changed",
						 test_dump_names[d], i, a->leaf,
						 a->subleaf);
			}
			assert_int_equal(
				cpuid_table_reg(&t, 1, 0, CPUID_EBX) >> 24, i);
		}
	}
}

/*
 * An AMD table like the QEMU box's (family 0xf, no 0x8000001E, 0xB with
 * subleaf 0 only): threads need TopologyExtensions and 0x8000001E, and
 * 0xB gets its core and invalid levels.
 */
static const char amd_old[] = "leaf=0x00000000 subleaf=0x0 eax=0x0000000d "
			      "ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
			      "leaf=0x00000001 subleaf=0x0 eax=0x00060fb1 "
			      "ebx=0x00000800 ecx=0x80002001 edx=0x078bfbff\n"
			      "leaf=0x0000000b subleaf=0x0 eax=0x00000000 "
			      "ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
			      "leaf=0x80000000 subleaf=0x0 eax=0x8000000a "
			      "ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
			      "leaf=0x80000001 subleaf=0x0 eax=0x00060fb1 "
			      "ebx=0x00000000 ecx=0x00000075 edx=0xedd3fbfd\n"
			      "leaf=0x80000008 subleaf=0x0 eax=0x00003928 "
			      "ebx=0x04000000 ecx=0x00000000 edx=0x00000000\n";

static void test_amd_topoext(void **state)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table base, t;
	struct topology_result r;

	(void)state;
	test_parse_str(amd_old, &base);
	t = base;
	assert_int_equal(topology_vcpu_table(&t, &t222, 3, &r, &err), 0);
	assert_int_equal(t.nr, base.nr + 3);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 1, CPUID_EAX), 2);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 1, CPUID_EBX), 4);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 1, CPUID_ECX), 0x201);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 2, CPUID_ECX), 2);
	assert_int_equal(cpuid_table_reg(&t, 0xb, 2, CPUID_EDX), 3);
	assert_int_equal(cpuid_table_reg(&t, 0x80000000, 0, CPUID_EAX),
			 0x8000001e);
	assert_int_equal(cpuid_table_reg(&t, 0x80000001, 0, CPUID_ECX),
			 0x00400075);
	assert_int_equal(cpuid_table_reg(&t, 0x8000001e, 0, CPUID_EAX), 3);
	assert_int_equal(cpuid_table_reg(&t, 0x8000001e, 0, CPUID_EBX), 0x101);
	assert_int_equal(cpuid_table_reg(&t, 0x80000008, 0, CPUID_ECX), 0x2003);
	/* one thread per core: no 0x8000001E, no TopologyExtensions */
	t = base;
	assert_int_equal(topology_vcpu_table(&t, &(struct topology){1, 4, 1}, 1,
					     &r, &err),
			 0);
	assert_int_equal(t.nr, base.nr + 2);
	assert_null(cpuid_table_find(&t, 0x8000001e, 0));
	assert_int_equal(cpuid_table_reg(&t, 0x80000001, 0, CPUID_ECX), 0x75);
}

static void test_out_of_range(void **state)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table t;
	struct topology_result r;

	(void)state;
	test_parse_str(intel, &t);
	assert_int_equal(topology_vcpu_table(&t, &t222, 8, &r, &err), -EINVAL);
	assert_string_equal(err.msg, "vCPU 8 of 8");
	/* 2 sockets of 128 cores: APIC IDs up to 1 << 7 | 127 */
	assert_int_equal(topology_vcpu_table(&t, &(struct topology){2, 128, 1},
					     0, &r, &err),
			 -EINVAL);
	assert_string_equal(
		err.msg, "the topology's APIC IDs go up to 255: more than the "
			 "254 an xAPIC, leaf 1 and the MP table can name");
	/* 2 sockets of 65 cores fit: up to 1 << 7 | 64 */
	assert_int_equal(topology_vcpu_table(&t, &(struct topology){2, 65, 1},
					     129, &r, &err),
			 0);
	assert_int_equal(r.apic_id, 192);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apic_ids),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_intel_vcpu),
		cmocka_unit_test(test_amd_vcpu),
		cmocka_unit_test(test_dumps_leaf_d_identical),
		cmocka_unit_test(test_amd_topoext),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
