// SPDX-License-Identifier: MIT
/*
 * Tests of cpuid/service.c: the answers of the CPUID service, on the
 * Sapphire Rapids table built with the #708 state (XCR0 0x600e7, XSS 0x800,
 * hash:1, which sizes 0xD.1 EBX as 10704 instead of 10752).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "cpuid/service.h"
#include "test_util.h"

static struct cpuid_table t, kvm;
static const struct xsave_order hash1 = { XSAVE_ORDER_HASH, 1 };
static const struct xsave_order ascending = { XSAVE_ORDER_ASCENDING, 0 };

/* The #708 table: 0xD.0 EBX 11008, 0xD.1 EBX 10704 (hash:1). */
static void build_708(struct cpuid_table *out, const struct xsave_order *o)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = { { 0 } };

	test_load_dump("intel-sapphirerapids.txt", out);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	p.order = *o;
	if (xsave_build(out, &p, &r, &err))
		fail_msg("%s", err.msg);
}

static int setup(void **state)
{
	(void)state;
	build_708(&t, &hash1);
	return 0;
}

static struct cpuid_svc_answer ask(const struct cpuid_table *tab, bool dynamic,
				   const struct xsave_order *o, uint32_t cmd,
				   uint32_t leaf, uint32_t subleaf,
				   uint64_t xcr0, uint64_t xss)
{
	struct cpuid_svc_request q = {
		.cmd = cmd,
		.table = dynamic ? CPUID_SVC_TABLE_BUILT : CPUID_SVC_TABLE_KVM,
		.leaf = leaf,
		.subleaf = subleaf,
		.xcr0 = xcr0,
		.xss = xss,
	};
	struct cpuid_svc_answer a;

	memset(&a, 0x5a, sizeof(a)); /* every field must be written */
	cpuid_svc_answer(tab, dynamic, o, &q, &a);
	return a;
}

static struct cpuid_svc_answer query(const struct xsave_order *o,
				     uint32_t leaf, uint32_t subleaf,
				     uint64_t xcr0, uint64_t xss)
{
	return ask(&t, true, o, CPUID_SVC_CMD_QUERY, leaf, subleaf, xcr0, xss);
}

static void assert_answer(const struct cpuid_svc_answer *a, uint32_t status,
			  uint32_t leaf, uint32_t subleaf, uint32_t eax,
			  uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	assert_int_equal(a->status, status);
	assert_int_equal(a->leaf, leaf);
	assert_int_equal(a->subleaf, subleaf);
	assert_int_equal(a->eax, eax);
	assert_int_equal(a->ebx, ebx);
	assert_int_equal(a->ecx, ecx);
	assert_int_equal(a->edx, edx);
}

static void assert_zero(const struct cpuid_svc_answer *a, uint32_t status)
{
	assert_answer(a, status, 0, 0, 0, 0, 0, 0);
}

/* EBX of 0xD.0 and 0xD.1 for one state, in one order. */
static void assert_ebx(const struct xsave_order *o, uint64_t xcr0,
		       uint64_t xss, uint32_t ebx0, uint32_t ebx1)
{
	struct cpuid_svc_answer a0 = query(o, 0xd, 0, xcr0, xss);
	struct cpuid_svc_answer a1 = query(o, 0xd, 1, xcr0, xss);

	/* EAX, ECX, EDX as built; only EBX follows the state */
	assert_answer(&a0, CPUID_SVC_OK, 0xd, 0, 0x602e7, ebx0, 11008, 0);
	assert_answer(&a1, CPUID_SVC_OK, 0xd, 1, 0x1f, ebx1, 0xdd00, 0);
}

/* The #708 figures: the defective order's 10704, ascending 10752. */
static void test_708_ebx(void **state)
{
	(void)state;
	assert_ebx(&hash1, 0x600e7, 0x800, 11008, 10704);
	assert_ebx(&ascending, 0x600e7, 0x800, 11008, 10752);
	assert_ebx(NULL, 0x600e7, 0x800, 11008, 10752);
}

/*
 * Other states. Components of this table (index: size, standard offset):
 * 2: 256 @576, 5: 64 @1088, 6: 512 @1152, 7: 1024 @1664, 9: 8 @2688,
 * 17: 64 @2752 aligned, 18: 8192 @2816 aligned; supervisor 8: 128,
 * 10: 8, 11: 16, 12: 24, 14: 48, 15: 808.
 */
static void test_other_states(void **state)
{
	(void)state;
	/* legacy only */
	assert_ebx(&hash1, 0x3, 0, 576, 576);
	/* AVX: 576 + 256 */
	assert_ebx(&hash1, 0x7, 0, 832, 832);
	/* 5.15's state: 832 +64 +512 +1024 +8 (PKRU) +8 (PASID) */
	assert_ebx(&ascending, 0x2e7, 0x400, 2688 + 8, 2448);
	assert_ebx(&hash1, 0x2e7, 0x400, 2688 + 8, 2448);
	/* AVX + AMX: 832 (aligned) +64 = 896 (aligned) +8192, any order */
	assert_ebx(&ascending, 0x60007, 0, 11008, 9088);
	assert_ebx(&hash1, 0x60007, 0, 11008, 9088);
	/* 6.8's state: 2432 +8 +8 +16 = 2464, align 2496, +64, +8192 */
	assert_ebx(&ascending, 0x602e7, 0xc00, 11008, 10752);
	/* CET: 576 + 16 + 24; supervisor state is not in the standard size */
	assert_ebx(&hash1, 0x3, 0x1800, 576, 616);
	/* PT, UINTR, LBR: 576 + 128 + 48 + 808 */
	assert_ebx(&hash1, 0x3, 0xc100, 576, 1560);
	/* every supervisor component: 576 + 128 + 8 + 16 + 24 + 48 + 808 */
	assert_ebx(&ascending, 0x3, 0xdd00, 576, 1608);
}

/* The service and the builder answer with one rule, seed for seed. */
static void test_same_rule_as_builder(void **state)
{
	static struct cpuid_table b;
	unsigned int hits = 0;

	(void)state;
	for (uint64_t seed = 0; seed < 60; seed++) {
		struct xsave_order o = { XSAVE_ORDER_HASH, seed };
		struct cpuid_svc_answer a;

		build_708(&b, &o);
		a = ask(&t, true, &o, CPUID_SVC_CMD_QUERY, 0xd, 1, 0x600e7,
			0x800);
		assert_int_equal(a.status, CPUID_SVC_OK);
		assert_int_equal(a.ebx, cpuid_table_reg(&b, 0xd, 1, CPUID_EBX));
		hits += a.ebx == 10704;
	}
	assert_true(hits > 0 && hits < 60);
}

static void test_xsave_state_ebx(void **state)
{
	uint32_t ebx0 = 1, ebx1 = 1;

	(void)state;
	xsave_state_ebx(&t, 0x600e7, 0x800, &hash1, &ebx0, &ebx1);
	assert_int_equal(ebx0, 11008);
	assert_int_equal(ebx1, 10704);
	xsave_state_ebx(&t, 0x600e7, 0x800, NULL, &ebx0, &ebx1);
	assert_int_equal(ebx0, 11008);
	assert_int_equal(ebx1, 10752);
	xsave_state_ebx(&t, 0x7, 0x800, NULL, &ebx0, &ebx1);
	assert_int_equal(ebx0, 832);
	assert_int_equal(ebx1, 848);
}

/* CPUID semantics: a leaf without subleaves ignores the subleaf. */
static void test_query_plain(void **state)
{
	struct cpuid_svc_answer a;

	(void)state;
	a = query(&hash1, 0x1, 5, 0x600e7, 0x800);
	assert_answer(&a, CPUID_SVC_OK, 0x1, 0, 0x000806f8, 0x00800800,
		      0x7ffefbff, 0xbfebfbff);
	a = query(&hash1, 0x0, 0xffffffff, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0x0, 0, 0x20, 0x756e6547, 0x6c65746e,
		      0x49656e69);
	/* indexed: the subleaf asked for */
	a = query(&hash1, 0x7, 2, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0x7, 2, 0, 0, 0, 0x17);
	/* other 0xD subleaves are answered as built, whatever the state */
	a = query(&hash1, 0xd, 0x12, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 0x12, 0x2000, 0xb00, 0x6, 0);
}

static void test_query_absent(void **state)
{
	struct cpuid_svc_answer a;

	(void)state;
	a = query(&hash1, 0x2, 0, 0x600e7, 0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = query(&hash1, 0x40000000, 0, 0x600e7, 0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = query(&hash1, 0xffffffff, 0xffffffff, 0x600e7, 0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	/* indexed leaf, absent subleaf: MPX, and past the last component */
	a = query(&hash1, 0xd, 3, 0x600e7, 0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = query(&hash1, 0xd, 0x13, 0x600e7, 0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = query(&hash1, 0x7, 3, 0, 0);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
}

/* NEXT from the start visits exactly the table, in order, then ends. */
static void test_next_enumerates(void **state)
{
	struct cpuid_svc_answer a;
	uint32_t leaf = CPUID_SVC_FIRST, subleaf = CPUID_SVC_FIRST;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(t.nr, 20);
	for (;;) {
		a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, leaf, subleaf,
			0x600e7, 0x800);
		if (a.status != CPUID_SVC_OK)
			break;
		assert_true(n < t.nr);
		/* the #708 state in the #708 order: exactly as built */
		assert_answer(&a, CPUID_SVC_OK, t.e[n].leaf, t.e[n].subleaf,
			      t.e[n].eax, t.e[n].ebx, t.e[n].ecx, t.e[n].edx);
		leaf = a.leaf;
		subleaf = a.subleaf;
		n++;
	}
	assert_int_equal(n, 20);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	assert_int_equal(leaf, 0xd);
	assert_int_equal(subleaf, 0x12);
	/* again past the end: still NO_ENTRY */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, leaf, subleaf, 0x600e7,
		0x800);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
}

static void test_next_keys(void **state)
{
	static struct cpuid_table empty;
	struct cpuid_svc_answer a;

	(void)state;
	/* the first entry */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, CPUID_SVC_FIRST,
		CPUID_SVC_FIRST, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0x0, 0, 0x20, 0x756e6547, 0x6c65746e,
		      0x49656e69);
	/* strictly after, from keys that are not in the table */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0x1, 5, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0x7, 0, 0x2, 0xf3bfbffb, 0xbb417fee,
		      0xffdd4430);
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0x0, 0xffffffff, 0, 0);
	assert_int_equal(a.status, CPUID_SVC_OK);
	assert_int_equal(a.leaf, 0x1);
	assert_int_equal(a.subleaf, 0);
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0xd, 0x10, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 0x11, 0x40, 0xac0, 0x2, 0);
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0xd, 0x2, 0, 0);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 0x5, 0x40, 0x440, 0, 0);
	/* FIRST only in the leaf is an ordinary key: nothing after it */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, CPUID_SVC_FIRST, 0, 0,
		0);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0xd, 0x13, 0, 0);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	/* an empty table has no first entry */
	cpuid_table_init(&empty);
	a = ask(&empty, true, &hash1, CPUID_SVC_CMD_NEXT, CPUID_SVC_FIRST,
		CPUID_SVC_FIRST, 0x3, 0);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
	a = ask(&empty, true, &hash1, CPUID_SVC_CMD_QUERY, 0xd, 0, 0x3, 0);
	assert_zero(&a, CPUID_SVC_NO_ENTRY);
}

/* 0xD.0 and 0xD.1 all zero with BAD_STATE; they still name the entry. */
static void assert_bad_state(uint64_t xcr0, uint64_t xss)
{
	struct cpuid_svc_answer a;

	for (uint32_t sub = 0; sub <= 1; sub++) {
		a = query(&hash1, 0xd, sub, xcr0, xss);
		assert_answer(&a, CPUID_SVC_BAD_STATE, 0xd, sub, 0, 0, 0, 0);
	}
	/* NEXT landing on them answers the same */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0x7, 2, xcr0, xss);
	assert_answer(&a, CPUID_SVC_BAD_STATE, 0xd, 0, 0, 0, 0, 0);
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0xd, 0, xcr0, xss);
	assert_answer(&a, CPUID_SVC_BAD_STATE, 0xd, 1, 0, 0, 0, 0);
	/* and the enumeration goes on past them */
	a = ask(&t, true, &hash1, CPUID_SVC_CMD_NEXT, 0xd, 1, xcr0, xss);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 2, 0x100, 0x240, 0, 0);
	/* other leaves do not depend on the state */
	a = query(&hash1, 0x1, 0, xcr0, xss);
	assert_int_equal(a.status, CPUID_SVC_OK);
	assert_int_equal(a.eax, 0x000806f8);
}

static void test_bad_state(void **state)
{
	(void)state;
	/* XCR0 without x87 */
	assert_bad_state(0, 0);
	assert_bad_state(0x600e6, 0x800);
	assert_bad_state(0x2, 0);
	/* XCR0 with a component the table does not support: MPX, CET_U */
	assert_bad_state(0x600e7 | 0x8, 0x800);
	assert_bad_state(0x600e7 | 0x800, 0);
	/* XCR0 bit 63 */
	assert_bad_state(0x600e7 | 1ull << 63, 0x800);
	assert_bad_state(~0ull, 0);
	/* XSS with a user component, an unsupported one, bit 63 */
	assert_bad_state(0x600e7, 0x800 | 0x200);
	assert_bad_state(0x600e7, 0x2000);
	assert_bad_state(0x600e7, 1ull << 63);
	assert_bad_state(0x3, ~0ull);
	/*
	 * The limits themselves are fine: 2432 +128 +8 +8 +16 +24 +48 +808
	 * = 3472, align 3520, +64 = 3584, +8192
	 */
	assert_ebx(&ascending, 0x602e7, 0xdd00, 11008, 11776);
}

static void test_bad_request(void **state)
{
	struct cpuid_svc_request q = {
		.cmd = CPUID_SVC_CMD_QUERY, .leaf = 0x1,
		.xcr0 = 0x600e7, .xss = 0x800,
	};
	const uint32_t cmds[] = { 0, 3, 0x100, 0xffffffff };
	const uint32_t tables[] = { 2, 3, 0x80000000, 0xffffffff };
	struct cpuid_svc_answer a;

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		q.cmd = cmds[i];
		q.table = CPUID_SVC_TABLE_BUILT;
		memset(&a, 0x5a, sizeof(a));
		cpuid_svc_answer(&t, true, &hash1, &q, &a);
		assert_zero(&a, CPUID_SVC_BAD_REQUEST);
		q.cmd = CPUID_SVC_CMD_NEXT;
		q.table = tables[i];
		memset(&a, 0x5a, sizeof(a));
		cpuid_svc_answer(&t, false, &hash1, &q, &a);
		assert_zero(&a, CPUID_SVC_BAD_REQUEST);
	}
	/* no table there */
	q.cmd = CPUID_SVC_CMD_QUERY;
	q.table = CPUID_SVC_TABLE_KVM;
	cpuid_svc_answer(NULL, false, NULL, &q, &a);
	assert_zero(&a, CPUID_SVC_BAD_REQUEST);
}

/* KVM's table: answered as stored, no dynamic EBX, no state check. */
static void test_kvm_table(void **state)
{
	struct cpuid_svc_answer a;

	(void)state;
	kvm = t;
	cpuid_table_find_mut(&kvm, 0xd, 0)->ebx = 0x240;
	cpuid_table_find_mut(&kvm, 0xd, 1)->ebx = 0x1234;
	a = ask(&kvm, false, &hash1, CPUID_SVC_CMD_QUERY, 0xd, 0, 0x600e7,
		0x800);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 0, 0x602e7, 0x240, 11008, 0);
	a = ask(&kvm, false, &ascending, CPUID_SVC_CMD_QUERY, 0xd, 1, 0x7, 0);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 1, 0x1f, 0x1234, 0xdd00, 0);
	/* a state that is bad for the built table does not matter here */
	a = ask(&kvm, false, &hash1, CPUID_SVC_CMD_NEXT, 0x7, 2, 0, ~0ull);
	assert_answer(&a, CPUID_SVC_OK, 0xd, 0, 0x602e7, 0x240, 11008, 0);
	a = ask(&kvm, false, &hash1, CPUID_SVC_CMD_QUERY, 0xd, 1, 0, 0);
	assert_int_equal(a.status, CPUID_SVC_OK);
	assert_int_equal(a.ebx, 0x1234);
	/* the same request on the built table */
	a = query(&hash1, 0xd, 1, 0x7, 0);
	assert_int_equal(a.ebx, 832);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_708_ebx),
		cmocka_unit_test(test_other_states),
		cmocka_unit_test(test_same_rule_as_builder),
		cmocka_unit_test(test_xsave_state_ebx),
		cmocka_unit_test(test_query_plain),
		cmocka_unit_test(test_query_absent),
		cmocka_unit_test(test_next_enumerates),
		cmocka_unit_test(test_next_keys),
		cmocka_unit_test(test_bad_state),
		cmocka_unit_test(test_bad_request),
		cmocka_unit_test(test_kvm_table),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
