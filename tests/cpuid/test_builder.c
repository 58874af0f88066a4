// SPDX-License-Identifier: MIT
/* Tests of the ordered XSAVE builder (cpuid/builder.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "test_util.h"

static struct cpuid_table t;

static void build_ok(struct xsave_build_params *p, struct xsave_build_result *r)
{
	struct xsvm_err err = { { 0 } };

	if (xsave_build(&t, p, r, &err))
		fail_msg("%s", err.msg);
}

static void test_708_state(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	build_ok(&p, &r);
	assert_false(r.state_from_model);
	assert_int_equal(r.supported_xcr0, 0x602e7);
	assert_int_equal(r.supported_xss, 0xdd00);
	assert_int_equal(r.ebx0, 11008);
	assert_int_equal(r.ebx1, 10752);
	assert_int_equal(r.ascending_ebx1, 10752);
	assert_int_equal(r.ecx0, 11008);
	assert_int_equal(r.removed_subleaves, 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EBX), 11008);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 10752);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX), 0x1f);
}

/* A hash order that visits CET_U after both AMX components: 10704. */
static void test_708_hash_order(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	unsigned int hits = 0, total = 0;

	(void)state;
	for (uint64_t seed = 0; seed < 60; seed++) {
		test_load_dump("intel-sapphirerapids.txt", &t);
		xsave_build_params_init(&p);
		p.have_xcr0 = p.have_xss = true;
		p.xcr0 = 0x600e7;
		p.xss = 0x800;
		p.order.kind = XSAVE_ORDER_HASH;
		p.order.seed = seed;
		build_ok(&p, &r);
		assert_int_equal(r.ascending_ebx1, 10752);
		assert_true(r.ebx1 == 10752 || r.ebx1 == 10704);
		assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), r.ebx1);
		hits += r.ebx1 == 10704;
		total++;
	}
	/* the seeded shuffle reaches the defect on some seeds, not all */
	assert_true(hits > 0 && hits < total);
}

static void test_allow_masks(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	p.allow_xcr0 = 0x2e7;
	p.allow_xss = 0x800;
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0xe7;
	p.xss = 0x800;
	build_ok(&p, &r);
	assert_int_equal(r.supported_xcr0, 0x2e7);
	assert_int_equal(r.supported_xss, 0x800);
	/* removed: 8, 10, 12, 14, 15 (supervisor) and 17, 18 (AMX) */
	assert_int_equal(r.removed_subleaves, 7);
	assert_null(cpuid_table_find(&t, 0xd, 17));
	assert_null(cpuid_table_find(&t, 0xd, 18));
	assert_null(cpuid_table_find(&t, 0xd, 8));
	assert_non_null(cpuid_table_find(&t, 0xd, 11));
	assert_non_null(cpuid_table_find(&t, 0xd, 9));
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x2e7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EDX), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_ECX), 0xa88);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0x800);
	/* 576+256+64+512+1024 = 2432, then CET_U 16 */
	assert_int_equal(r.ebx1, 2448);
	assert_int_equal(r.ebx0, 0xa80);
}

/* A component claimed supported but without its subleaf is dropped. */
static void test_missing_subleaf_dropped(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	test_parse_str("leaf=0xd subleaf=0x0 eax=0x207 ebx=0x0 ecx=0x0 edx=0x0\n"
		       "leaf=0xd subleaf=0x1 eax=0xf ebx=0x0 ecx=0x0 edx=0x0\n"
		       "leaf=0xd subleaf=0x2 eax=0x100 ebx=0x240 ecx=0x0 edx=0x0\n"
		       "leaf=0xd subleaf=0x40 eax=0x100 ebx=0x240 ecx=0x0 edx=0x0\n",
		       &t);
	xsave_build_params_init(&p);
	p.have_xcr0 = true;
	p.xcr0 = 0x7;
	build_ok(&p, &r);
	assert_int_equal(r.supported_xcr0, 0x7);
	/* subleaf 0x40 names no component */
	assert_int_equal(r.removed_subleaves, 1);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_ECX), 832);
	assert_int_equal(r.ebx0, 832);
	assert_int_equal(r.ebx1, 832);
}

static void test_errors(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	p.have_xcr0 = true;
	p.xcr0 = 0x2ff;
	assert_int_equal(xsave_build(&t, &p, &r, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--xcr0 0x2ff names components 0x18 that the table does not support (0xD.0 EDX:EAX = 0x602e7)");

	test_load_dump("intel-sapphirerapids.txt", &t);
	p.xcr0 = 0x20007;
	assert_int_equal(xsave_build(&t, &p, &r, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--xcr0 0x20007 is not a valid XCR0: AMX bits 17 and 18 must be equal");

	test_load_dump("intel-sapphirerapids.txt", &t);
	p.have_xcr0 = false;
	p.have_xss = true;
	p.xss = 0x2000;
	assert_int_equal(xsave_build(&t, &p, &r, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--xss 0x2000 names components 0x2000 that the table does not support (0xD.1 EDX:ECX = 0xdd00)");

	test_parse_str("leaf=0x1 subleaf=0x0 eax=0x0 ebx=0x0 ecx=0x0 edx=0x0\n",
		       &t);
	xsave_build_params_init(&p);
	assert_int_equal(xsave_build(&t, &p, &r, &err), -ENOENT);
	assert_string_equal(err.msg,
			    "the table has no leaf 0xD subleaf 0: nothing to build");
}

static void test_deterministic(void **state)
{
	static struct cpuid_table a, b;
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	xsave_build_params_init(&p);
	p.order.kind = XSAVE_ORDER_HASH;
	p.order.seed = 1234;
	for (unsigned int i = 0; i < test_nr_dumps; i++) {
		test_load_dump(test_dump_names[i], &t);
		build_ok(&p, &r);
		a = t;
		test_load_dump(test_dump_names[i], &t);
		build_ok(&p, &r);
		b = t;
		assert_int_equal(a.nr, b.nr);
		assert_memory_equal(a.e, b.e, a.nr * sizeof(a.e[0]));
		assert_int_equal(cpuid_table_hash(&a), cpuid_table_hash(&b));
	}
}

/* Without --xcr0/--xss the state is the one Linux 6.8 would enter. */
static void test_default_state_is_model(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	build_ok(&p, &r);
	assert_true(r.state_from_model);
	/*
	 * PKRU stays: 6.8 sets up the FPU after setup_pku() has forced
	 * OSPKE on, so PKU (7.0 ECX bit 3) alone keeps it.
	 */
	assert_int_equal(r.xcr0, 0x602e7);
	/* 6.8 supports PASID and CET_U as supervisor state */
	assert_int_equal(r.xss, 0xc00);
	/* ... 2432, PKRU 8, PASID 8, CET_U 16 -> 2464, align 2496, 64, 8192 */
	assert_int_equal(r.ebx1, 10752);
	assert_int_equal(r.ebx0, 11008);
}

/*
 * A KVM-style host recomputes EBX in ascending order from the state the
 * kernel enters: the #708 table's defective 10704 is not what a guest
 * reads there.
 */
static void test_dynamic_ebx(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &t);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	p.order.kind = XSAVE_ORDER_HASH;
	p.order.seed = 1;
	build_ok(&p, &r);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 10704);

	/* 6.8: XCR0 0x602e7, XSS 0xc00 */
	xsave_dynamic_ebx(&t, LINUX_6_8);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EBX), 11008);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 10752);

	/* 5.15: XCR0 0x2e7 (no AMX), XSS 0x400 (PASID): 2432 + 8 + 8 */
	xsave_dynamic_ebx(&t, LINUX_5_15);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EBX), 0xa80 + 8);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 2448);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_708_state),
		cmocka_unit_test(test_708_hash_order),
		cmocka_unit_test(test_allow_masks),
		cmocka_unit_test(test_missing_subleaf_dropped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_dynamic_ebx),
		cmocka_unit_test(test_default_state_is_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
