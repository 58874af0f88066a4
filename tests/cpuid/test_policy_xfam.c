// SPDX-License-Identifier: MIT
/*
 * Tests of a policy's XFAM (cpuid/policy_xfam.c, and the XFAM stage of
 * cpuid/policy.c): invalid XFAMs and their messages, OpenVMM #708's TD
 * through the builder and every kernel, and the default XFAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "cpuid/linux.h"
#include "cpuid/policy.h"
#include "policy_util.h"
#include "test_util.h"

/* ---- XFAM ---- */

static void xfam_fails(const char *dump, uint64_t xfam, const char *msg)
{
	struct policy_params pp = { .have_xfam = true, .xfam = xfam };
	struct xsvm_err err = { { 0 } };
	uint64_t hash;

	test_load_dump(dump, &t);
	hash = cpuid_table_hash(&t);
	assert_int_equal(policy_apply(&t, &pol, &pp, &res, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	/* a rejected XFAM leaves the table as it was */
	assert_int_equal(cpuid_table_hash(&t), hash);
	memset(&err, 0, sizeof(err));
	assert_int_equal(policy_xfam_check(&pol, policy_platform(&t), xfam,
					   &err),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_xfam_invalid(void **state)
{
	const char *spr = "intel-sapphirerapids.txt";
	struct xsvm_err err = { { 0 } };

	(void)state;
	load_policy("tdx", &pol);
	xfam_fails(spr, 0x27,
		   "XFAM 0x27: components 0xe0 (opmask, zmm_hi256, hi16_zmm) must be all set or all clear; only 0x20 (opmask) is set (xfam-all-or-none, tdx:20)");
	xfam_fails(spr, 0x267,
		   "XFAM 0x267: components 0xe0 (opmask, zmm_hi256, hi16_zmm) must be all set or all clear; only 0x60 (opmask, zmm_hi256) is set (xfam-all-or-none, tdx:20)");
	xfam_fails(spr, 0xe3,
		   "XFAM 0xe3: components 0xe0 (opmask, zmm_hi256, hi16_zmm) require 0x4 (avx) (xfam-requires, tdx:21)");
	xfam_fails(spr, 0x8e7,
		   "XFAM 0x8e7: components 0x1800 (cet_u, cet_s) must be all set or all clear; only 0x800 (cet_u) is set (xfam-all-or-none, tdx:23)");
	xfam_fails(spr, 0x10e7,
		   "XFAM 0x10e7: components 0x1800 (cet_u, cet_s) must be all set or all clear; only 0x1000 (cet_s) is set (xfam-all-or-none, tdx:23)");
	xfam_fails(spr, 0x200e7,
		   "XFAM 0x200e7: components 0x60000 (tilecfg, tiledata) must be all set or all clear; only 0x20000 (tilecfg) is set (xfam-all-or-none, tdx:24)");
	xfam_fails(spr, 0x400e7,
		   "XFAM 0x400e7: components 0x60000 (tilecfg, tiledata) must be all set or all clear; only 0x40000 (tiledata) is set (xfam-all-or-none, tdx:24)");
	xfam_fails(spr, 0x4e7,
		   "XFAM 0x4e7: components 0x400 (pasid) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)");
	xfam_fails(spr, 0x1f,
		   "XFAM 0x1f: components 0x18 (bndregs, bndcsr) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)");
	xfam_fails(spr, 0x1000000e7ull,
		   "XFAM 0x1000000e7: components 0x100000000 (component 32) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)");
	xfam_fails("intel-tigerlake.txt", 0x20e7,
		   "XFAM 0x20e7: components 0x2000 (hdc) are outside the allowed mask 0x6dbe7 (xfam-allowed, tdx:17)");
	xfam_fails("intel-icelakesp.txt", 0x600e7,
		   "XFAM 0x600e7: components 0x60000 (tilecfg, tiledata) are not supported by the source table (0xD.0/0xD.1: 0x3e7) (platform, tdx:17)");
	xfam_fails("intel-alderlake.txt", 0xe7,
		   "XFAM 0xe7: components 0xe0 (opmask, zmm_hi256, hi16_zmm) are not supported by the source table (0xD.0/0xD.1: 0x19b07) (platform, tdx:17)");
	xfam_fails(spr, 0x2e6,
		   "XFAM 0x2e6: required components 0x1 (x87) are missing (xfam-required, tdx:18)");
	xfam_fails(spr, 0x4,
		   "XFAM 0x4: required components 0x3 (x87, sse) are missing (xfam-required, tdx:18)");

	/* a policy without xfam-allowed takes no XFAM */
	load_policy("none", &pol);
	test_load_dump(spr, &t);
	assert_int_equal(policy_apply(&t, &pol,
				      &(struct policy_params){ true, 0x3 },
				      &res, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "policy none has no XFAM (no xfam-allowed line): --xfam does not apply");

	/* no leaf 0xD at all */
	load_policy("tdx", &pol);
	test_parse_str("leaf=0x1 subleaf=0x0 eax=0x0 ebx=0x0 ecx=0x0 edx=0x0\n",
		       &t);
	assert_int_equal(policy_apply(&t, &pol,
				      &(struct policy_params){ false, 0 },
				      &res, &err),
			 -ENOENT);
	assert_string_equal(err.msg,
			    "the table has no leaf 0xD subleaf 0: policy tdx cannot derive leaf 0xD");
}

/* ---- The acceptance case: OpenVMM #708's TD, XFAM 0x618e7 ---- */

static void test_acceptance_spr(void **state)
{
	struct xsave_build_result br;
	const struct policy_change *c;
	uint64_t xcr0, xss;
	static const uint32_t gone[] = { 8, 9, 10, 13, 14, 15, 16 };
	static const uint32_t kept[] = { 2, 5, 6, 7, 11, 12, 17, 18 };

	(void)state;
	load_policy("tdx", &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, true, 0x618e7, &res);

	assert_true(res.uses_xfam);
	assert_false(res.xfam_default);
	assert_int_equal(res.platform, 0x6dfe7);
	assert_int_equal(res.xfam, 0x618e7);
	assert_int_equal(res.kept, 0x618e7);
	assert_int_equal(res.allow_xcr0, 0x600e7);
	assert_int_equal(res.allow_xss, 0x1800);

	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x600e7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EDX), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX), 0x1f);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0x1800);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EDX), 0);
	for (unsigned int i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		assert_null(cpuid_table_find(&t, 0xd, gone[i]));
	for (unsigned int i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		assert_non_null(cpuid_table_find(&t, 0xd, kept[i]));
	/* the source's 20 entries less 5 subleaves */
	assert_int_equal(t.nr, 15);

	/* leaf 1 and 7 as FACTS.md section 5 leaves them */
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_ECX), 0xfffefb9f);
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_EDX), 0xbfe9fbff);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EBX), 0xf1bfbff9);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_ECX), 0x9b417fe6);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EDX), 0xffd54410);
	assert_int_equal(cpuid_table_reg(&t, 7, 1, CPUID_EAX), 0x1c30);
	assert_true(cpuid_table_bit(&t, 7, 0, CPUID_EBX, 16));  /* AVX512F */
	assert_true(cpuid_table_bit(&t, 7, 0, CPUID_EDX, 24));  /* AMX-TILE */
	assert_true(cpuid_table_bit(&t, 7, 0, CPUID_ECX, 7));   /* CET_SS */
	assert_false(cpuid_table_bit(&t, 7, 0, CPUID_ECX, 3));  /* PKU */
	assert_false(cpuid_table_bit(&t, 7, 0, CPUID_ECX, 4));  /* OSPKE */
	assert_false(cpuid_table_bit(&t, 7, 0, CPUID_EBX, 25)); /* PT */
	assert_true(cpuid_table_bit(&t, 1, 0, CPUID_ECX, 26));  /* XSAVE */

	/* every change, in order: leaf 0xD, fixed bits, depends */
	assert_int_equal(res.nr_changes, 16);
	c = res.changes;
	assert_bits(&c[0], 0xd, 0, CPUID_EAX, 0x200, 0,
		    "xsave-user-mask (tdx:28): masked with XFAM");
	assert_bits(&c[1], 0xd, 1, CPUID_ECX, 0xc500, 0,
		    "xsave-supervisor-mask (tdx:30): masked with XFAM");
	assert_removed(&c[2], 0xd, 8, false, 1,
		       "xsave-supervisor-mask (tdx:30): component 8 (pt) not in XFAM");
	assert_removed(&c[3], 0xd, 9, false, 1,
		       "xsave-user-mask (tdx:28): component 9 (pkru) not in XFAM");
	assert_removed(&c[4], 0xd, 10, false, 1,
		       "xsave-supervisor-mask (tdx:30): component 10 (pasid) not in XFAM");
	assert_removed(&c[5], 0xd, 14, false, 1,
		       "xsave-supervisor-mask (tdx:30): component 14 (uintr) not in XFAM");
	assert_removed(&c[6], 0xd, 15, false, 1,
		       "xsave-supervisor-mask (tdx:30): component 15 (lbr) not in XFAM");
	assert_bits(&c[7], 1, 0, CPUID_ECX, 0, 0x80000000, "fixed1 (tdx:41)");
	assert_bits(&c[8], 1, 0, CPUID_ECX, 0x60, 0, "fixed0 (tdx:42)");
	assert_bits(&c[9], 1, 0, CPUID_EDX, 0x20000, 0, "fixed0 (tdx:47)");
	assert_bits(&c[10], 7, 0, CPUID_EBX, 0x2, 0, "fixed0 (tdx:52)");
	assert_bits(&c[11], 7, 0, CPUID_ECX, 0x20000000, 0, "fixed0 (tdx:57)");
	/* PKU was set, OSPKE already clear: only PKU is recorded */
	assert_bits(&c[12], 7, 0, CPUID_ECX, 0x8, 0,
		    "depends (tdx:91): pkru not kept");
	assert_bits(&c[13], 7, 0, CPUID_EBX, 0x02000000, 0,
		    "depends (tdx:101): pt not kept");
	assert_bits(&c[14], 7, 0, CPUID_EDX, 0x20, 0,
		    "depends (tdx:104): uintr not kept");
	assert_bits(&c[15], 7, 0, CPUID_EDX, 0x80000, 0,
		    "depends (tdx:106): lbr not kept");

	/* the builder then sizes 0xD for Linux 6.8's state */
	linux_enter_state(&t, LINUX_6_8, &xcr0, &xss);
	assert_int_equal(xcr0, 0x600e7);
	assert_int_equal(xss, 0x800);
	build_ok(&t, &res, LINUX_6_8, &br);
	assert_true(br.state_from_model);
	assert_int_equal(br.xcr0, 0x600e7);
	assert_int_equal(br.xss, 0x800);
	assert_int_equal(br.supported_xcr0, 0x600e7);
	assert_int_equal(br.supported_xss, 0x1800);
	assert_int_equal(br.removed_subleaves, 0);
	assert_int_equal(br.ebx1, 10752);
	assert_int_equal(br.ebx0, 11008);
	assert_int_equal(br.ecx0, 11008);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EBX), 10752);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EBX), 11008);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x600e7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0x1800);
	check_ok(&t, LINUX_6_8);
	assert_true(lr.xsave_present);
	assert_true(lr.compacted);
	assert_true(lr.consistent);
	assert_true(lr.xsave_enabled);
	assert_int_equal(lr.xcr0, 0x600e7);
	assert_int_equal(lr.xss, 0x800);
	assert_int_equal(lr.size, 10752);
	assert_int_equal(lr.reported_size, 10752);
}

/* The same TD under each kernel: each enters its own state. */
static void test_acceptance_versions(void **state)
{
	static const struct {
		uint32_t v;
		uint64_t xcr0, xss;
		uint32_t ebx0, ebx1;
	} exp[] = {
		/* 576 + 256 + 64 + 512 + 1024 */
		{ LINUX_5_15, 0xe7, 0, 2688, 2432 },
		/* 2432, TILECFG at 2432, TILEDATA at 2496 */
		{ LINUX_6_1, 0x600e7, 0, 11008, 10688 },
		/* CET_U 2432..2448, TILECFG aligned to 2496 */
		{ LINUX_6_8, 0x600e7, 0x800, 11008, 10752 },
		/* CET_S 2448..2472, TILECFG aligned to 2496 */
		{ LINUX_7_1, 0x600e7, 0x1800, 11008, 10752 },
	};
	struct xsave_build_result br;

	(void)state;
	load_policy("tdx", &pol);
	for (unsigned int i = 0; i < sizeof(exp) / sizeof(exp[0]); i++) {
		test_load_dump("intel-sapphirerapids.txt", &t);
		apply_ok(&t, &pol, true, 0x618e7, &res);
		build_ok(&t, &res, exp[i].v, &br);
		assert_int_equal(br.xcr0, exp[i].xcr0);
		assert_int_equal(br.xss, exp[i].xss);
		assert_int_equal(br.ebx0, exp[i].ebx0);
		assert_int_equal(br.ebx1, exp[i].ebx1);
		check_ok(&t, exp[i].v);
		assert_true(lr.consistent);
		assert_int_equal(lr.xcr0, exp[i].xcr0);
		assert_int_equal(lr.xss, exp[i].xss);
		assert_int_equal(lr.reported_size, exp[i].ebx1);
		assert_int_equal(lr.size, exp[i].ebx1);
	}
}

/* ---- Default XFAM (no --xfam) ---- */

static void test_default_xfam_spr(void **state)
{
	const struct policy_change *c;

	(void)state;
	load_policy("tdx", &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, false, 0, &res);
	assert_true(res.xfam_default);
	/* 0x6dbe7 & 0x6dfe7: everything but PASID */
	assert_int_equal(res.xfam, 0x6dbe7);
	assert_int_equal(res.kept, 0x6dbe7);
	assert_int_equal(res.allow_xcr0, 0x602e7);
	assert_int_equal(res.allow_xss, 0xd900);
	assert_int_equal(count_kind(&res, POLICY_CHANGE_XFAM), 0);
	assert_int_equal(res.nr_changes, 7);
	c = res.changes;
	assert_bits(&c[0], 0xd, 1, CPUID_ECX, 0x400, 0, NULL);
	assert_removed(&c[1], 0xd, 10, false, 1, NULL);
	assert_bits(&c[2], 1, 0, CPUID_ECX, 0, 0x80000000, "fixed1 (tdx:41)");
	assert_bits(&c[6], 7, 0, CPUID_ECX, 0x20000000, 0, "fixed0 (tdx:57)");
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x602e7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0xd900);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_ECX), 0x9b417fee);
}

/* CET_S missing from the source: the default drops CET_U with it. */
static void test_default_xfam_incomplete_pair(void **state)
{
	const struct policy_change *c;

	(void)state;
	load_policy("tdx", &pol);
	for (int variant = 0; variant < 2; variant++) {
		test_load_dump("intel-sapphirerapids.txt", &t);
		if (variant == 0)
			assert_true(cpuid_table_remove(&t, 0xd, 12));
		else
			cpuid_table_find_mut(&t, 0xd, 1)->ecx &= ~0x1000u;
		apply_ok(&t, &pol, false, 0, &res);
		assert_int_equal(res.platform, 0x6cfe7);
		assert_int_equal(res.xfam, 0x6c3e7);
		assert_int_equal(res.allow_xss, 0xc100);
		assert_int_equal(count_kind(&res, POLICY_CHANGE_XFAM), 1);
		c = res.changes;
		assert_int_equal(c[0].kind, POLICY_CHANGE_XFAM);
		assert_int_equal(c[0].cleared, 0x800);
		assert_int_equal(c[0].set, 0);
		assert_string_equal(c[0].rule,
				    "xfam-all-or-none (tdx:23): default XFAM drops cet_u");
		assert_bits(&c[1], 0xd, 1, CPUID_ECX,
			    variant ? 0xc00 : 0x1c00, 0, NULL);
		assert_removed(&c[2], 0xd, 10, false, 1, NULL);
		assert_removed(&c[3], 0xd, 11, false, 1, NULL);
		if (variant)
			assert_removed(&c[4], 0xd, 12, false, 1, NULL);
		assert_int_equal(res.nr_changes, 11 + variant);
		assert_bits(&c[9 + variant], 7, 0, CPUID_ECX, 0x80, 0,
			    "depends (tdx:93): cet_u, cet_s not kept");
		assert_bits(&c[10 + variant], 7, 0, CPUID_EDX, 0x100000, 0,
			    "depends (tdx:94): cet_u, cet_s not kept");
		assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX),
				 0xc100);
		assert_null(cpuid_table_find(&t, 0xd, 11));
		assert_null(cpuid_table_find(&t, 0xd, 12));
	}
}

/* AVX-512 without AVX in the source: xfam-requires drops the trio. */
static void test_default_xfam_requires(void **state)
{
	struct cpuid_entry *e;
	const struct policy_change *c;

	(void)state;
	load_policy("tdx", &pol);
	test_load_dump("intel-sapphirerapids.txt", &t);
	e = cpuid_table_find_mut(&t, 0xd, 0);
	e->eax &= ~0x4u;
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.platform, 0x6dfe3);
	assert_int_equal(res.xfam, 0x6db03);
	c = res.changes;
	assert_int_equal(c[0].kind, POLICY_CHANGE_XFAM);
	assert_int_equal(c[0].cleared, 0xe0);
	assert_string_equal(c[0].rule,
			    "xfam-requires (tdx:21): default XFAM drops opmask, zmm_hi256, hi16_zmm");
	assert_int_equal(count_kind(&res, POLICY_CHANGE_XFAM), 1);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0x60203);
	for (unsigned int i = 2; i < 8; i++)
		assert_null(cpuid_table_find(&t, 0xd, i));
	/* AVX, FMA, F16C; AVX2; every AVX-512 bit */
	assert_int_equal(cpuid_table_reg(&t, 1, 0, CPUID_ECX) & 0x30001000, 0);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_EBX), 0x239cbfd9);
	assert_int_equal(cpuid_table_reg(&t, 7, 0, CPUID_ECX), 0x9b4121ac);
	assert_int_equal(cpuid_table_reg(&t, 7, 1, CPUID_EAX), 0x1c00);
	assert_false(cpuid_table_bit(&t, 1, 0, CPUID_ECX, 28)); /* AVX */
}

/* A component whose feature bit is fixed to 0 leaves the allowed XFAM. */
static void test_feature_fixed0_drops_component(void **state)
{
	static const char text[] = "name amxoff\n"
				   "xfam-allowed 0x600e7\n"
				   "xfam-required 0x3\n"
				   "xfam-all-or-none 0xe0\n"
				   "xfam-requires 0xe0 0x4\n"
				   "xfam-all-or-none 0x60000\n"
				   "fixed0 0x7 0 edx 0x01000000\n"
				   "feature 0x60000 0x7 0 edx 24\n";
	struct xsvm_err err = { { 0 } };
	const struct policy_change *c;

	(void)state;
	parse_ok("amxoff.policy", text, &pol);
	assert_string_equal(pol.name, "amxoff");
	test_load_dump("intel-sapphirerapids.txt", &t);
	apply_ok(&t, &pol, false, 0, &res);
	assert_int_equal(res.xfam, 0xe7);
	assert_int_equal(res.allow_xcr0, 0xe7);
	/* gated before the pairs: nothing incomplete to record */
	assert_int_equal(count_kind(&res, POLICY_CHANGE_XFAM), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX), 0xe7);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX), 0x1f);
	assert_null(cpuid_table_find(&t, 0xd, 17));
	assert_null(cpuid_table_find(&t, 0xd, 18));
	assert_false(cpuid_table_bit(&t, 7, 0, CPUID_EDX, 24));
	/* 0xD.0 EAX, 0xD.1 ECX, 9 subleaves, the fixed0 */
	assert_int_equal(res.nr_changes, 12);
	c = res.changes;
	assert_bits(&c[0], 0xd, 0, CPUID_EAX, 0x60200, 0, NULL);
	assert_bits(&c[1], 0xd, 1, CPUID_ECX, 0xdd00, 0, NULL);
	assert_bits(&c[11], 7, 0, CPUID_EDX, 0x01000000, 0,
		    "fixed0 (amxoff:7)");

	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_int_equal(policy_apply(&t, &pol,
				      &(struct policy_params){ true, 0x600e7 },
				      &res, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "XFAM 0x600e7: components 0x60000 (tilecfg, tiledata) are not allowed: a fixed0 rule clears their feature bit (feature, amxoff:8)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xfam_invalid),
		cmocka_unit_test(test_acceptance_spr),
		cmocka_unit_test(test_acceptance_versions),
		cmocka_unit_test(test_default_xfam_spr),
		cmocka_unit_test(test_default_xfam_incomplete_pair),
		cmocka_unit_test(test_default_xfam_requires),
		cmocka_unit_test(test_feature_fixed0_drops_component),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
