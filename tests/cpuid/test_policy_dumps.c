// SPDX-License-Identifier: MIT
/*
 * Tests of the policy on every shared dump (cpuid/policy.c): the platform
 * mask of each, "none" changing nothing, and the sweep of the tdx policy
 * with every valid XFAM of each dump through the builder and every kernel.
 *
 * Expected figures come from the dump files and FACTS.md; the oracle
 * helpers below restate FACTS.md arithmetic and call no code under test.
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

/*
 * Oracles (FACTS.md section 2): the compacted size walks the enabled
 * components in ascending order, aligning where 0xD.i ECX bit 1 says; the
 * standard size is the largest offset + size of the user components.
 */
static uint32_t oracle_compacted(const struct cpuid_table *tb, uint64_t mask)
{
	uint32_t size = 576;

	for (unsigned int i = 2; i < 64; i++) {
		const struct cpuid_entry *e;

		if (!(mask & (1ull << i)))
			continue;
		e = cpuid_table_find(tb, 0xd, i);
		assert_non_null(e);
		if (e->ecx & 2)
			size = (size + 63) & ~63u;
		size += e->eax;
	}
	return size;
}

static uint32_t oracle_standard(const struct cpuid_table *tb, uint64_t mask)
{
	uint32_t size = 576;

	for (unsigned int i = 2; i < 64; i++) {
		const struct cpuid_entry *e;

		if (!(mask & (1ull << i)))
			continue;
		e = cpuid_table_find(tb, 0xd, i);
		assert_non_null(e);
		if (e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

/* The XFAM pairing rules of FACTS.md section 5, restated independently. */
static bool oracle_xfam_pairs(uint64_t x)
{
	if ((x & 0xe0) && (x & 0xe0) != 0xe0)
		return false;
	if ((x & 0xe0) && !(x & 0x4))
		return false;
	if ((x & 0x1800) && (x & 0x1800) != 0x1800)
		return false;
	if ((x & 0x60000) && (x & 0x60000) != 0x60000)
		return false;
	return true;
}

/*
 * Per dump, worked out from the files: platform = 0xD.0 EDX:EAX | 0xD.1
 * EDX:ECX (every dump lists the subleaf of each component it claims);
 * the default XFAM = platform & 0x6dbe7 (no dump has an incomplete pair);
 * valid = the number of XFAMs within the default that contain x87/SSE and
 * pass the pairing rules.
 */
static const struct dump_xfam {
	const char *name;
	uint64_t platform;
	uint64_t xfam_default;
	unsigned int valid;
} dumps[] = {
	{ "amd-genoa.txt", 0x1ae7, 0x1ae7, 12 },
	{ "amd-graniteridge.txt", 0x1ae7, 0x1ae7, 12 },
	{ "amd-milan.txt", 0x1a07, 0x1a07, 8 },
	{ "amd-raphael.txt", 0x1ae7, 0x1ae7, 12 },
	{ "amd-rome.txt", 0x207, 0x207, 4 },
	{ "amd-summitridge.txt", 0x7, 0x7, 2 },
	{ "amd-turin.txt", 0x1ae7, 0x1ae7, 12 },
	{ "intel-alderlake-avx512.txt", 0x19be7, 0x9be7, 48 },
	{ "intel-alderlake.txt", 0x19b07, 0x9b07, 32 },
	{ "intel-alderlaken-gracemont.txt", 0x19b07, 0x9b07, 32 },
	{ "intel-arrowlake.txt", 0x1db07, 0xdb07, 64 },
	{ "intel-cascadelakesp.txt", 0x3ff, 0x3e7, 12 },
	{ "intel-denverton-goldmont.txt", 0x11b, 0x103, 2 },
	{ "intel-emeraldrapids-xcr0-noamx.txt", 0x6dfe7, 0x6dbe7, 192 },
	{ "intel-emeraldrapids.txt", 0x6dfe7, 0x6dbe7, 192 },
	{ "intel-graniterapids.txt", 0x7dfe7, 0x6dbe7, 192 },
	{ "intel-icelakesp.txt", 0x3e7, 0x3e7, 12 },
	{ "intel-jasperlake-tremont.txt", 0x103, 0x103, 2 },
	{ "intel-meteorlake.txt", 0x19b07, 0x9b07, 32 },
	{ "intel-pantherlake.txt", 0x1db07, 0xdb07, 64 },
	{ "intel-raptorlake.txt", 0x19b07, 0x9b07, 32 },
	{ "intel-rocketlake.txt", 0x23ff, 0x3e7, 12 },
	{ "intel-sapphirerapids.txt", 0x6dfe7, 0x6dbe7, 192 },
	{ "intel-skylakesp.txt", 0x3ff, 0x3e7, 12 },
	{ "intel-tigerlake.txt", 0x3be7, 0x1be7, 24 },
};

#define NR_DUMPS (sizeof(dumps) / sizeof(dumps[0]))

static void test_platform(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_DUMPS; i++) {
		assert_string_equal(dumps[i].name, test_dump_names[i]);
		test_load_dump(dumps[i].name, &t);
		assert_int_equal(policy_platform(&t), dumps[i].platform);
	}
	assert_int_equal(NR_DUMPS, test_nr_dumps);
	/* PKRU claimed by 0xD.0 EAX but without its subleaf */
	test_load_dump("intel-sapphirerapids.txt", &t);
	assert_true(cpuid_table_remove(&t, 0xd, 9));
	assert_int_equal(policy_platform(&t), 0x6dde7);
}

/* "none" changes nothing on any dump. */
static void test_none_changes_nothing(void **state)
{
	(void)state;
	load_policy("none", &pol);
	for (unsigned int i = 0; i < NR_DUMPS; i++) {
		uint64_t hash;

		test_load_dump(dumps[i].name, &t);
		src = t;
		hash = cpuid_table_hash(&t);
		apply_ok(&t, &pol, false, 0, &res);
		assert_int_equal(res.nr_changes, 0);
		assert_int_equal(cpuid_table_hash(&t), hash);
		assert_tables_equal(&t, &src);
		assert_false(res.uses_xfam);
		assert_int_equal(res.platform, dumps[i].platform);
		assert_int_equal(res.kept, dumps[i].platform);
	}
}

/* ---- The sweep: every dump, every valid XFAM, every kernel ---- */

/* Leaves that depends-leaf rules remove, added to every source. */
static void add_dependent_leaves(struct cpuid_table *tb)
{
	if (!cpuid_table_find(tb, 0x14, 0))
		assert_int_equal(cpuid_table_add(tb, 0x14, 0, 1, 0xf, 7, 0), 0);
	if (!cpuid_table_find(tb, 0x1c, 0))
		assert_int_equal(cpuid_table_add(tb, 0x1c, 0, 0x4000000f, 7,
						 7, 0), 0);
	if (!cpuid_table_find(tb, 0x1d, 0))
		assert_int_equal(cpuid_table_add(tb, 0x1d, 0, 1, 0, 0, 0), 0);
	if (!cpuid_table_find(tb, 0x1d, 1))
		assert_int_equal(cpuid_table_add(tb, 0x1d, 1, 0x04002000,
						 0x00080040, 0x10, 0), 0);
	if (!cpuid_table_find(tb, 0x1e, 0))
		assert_int_equal(cpuid_table_add(tb, 0x1e, 0, 0, 0x4010, 0, 0),
				 0);
}

/* After the policy alone: leaf 0xD, dependent leaves, dependent bits. */
static void check_applied(const struct cpuid_table *nat, uint64_t xfam)
{
	const struct cpuid_entry *n1 = cpuid_table_find(nat, 0xd, 1);
	uint64_t user = cpuid_table_reg(nat, 0xd, 0, CPUID_EAX) |
			(uint64_t)cpuid_table_reg(nat, 0xd, 0, CPUID_EDX) << 32;
	bool xfd = false;

	assert_int_equal(res.xfam, xfam);
	assert_int_equal(res.kept, xfam);
	assert_int_equal(res.allow_xcr0, xfam & TDX_USER);
	assert_int_equal(res.allow_xss, xfam & TDX_SUPERVISOR);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EAX),
			 user & xfam & TDX_USER);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 0, CPUID_EDX), 0);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_ECX),
			 n1->ecx & xfam & TDX_SUPERVISOR);
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EDX), 0);
	for (unsigned int i = 2; i < 64; i++) {
		const struct cpuid_entry *e = cpuid_table_find(&t, 0xd, i);
		const struct cpuid_entry *o = cpuid_table_find(nat, 0xd, i);

		if (!(xfam & (1ull << i))) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_memory_equal(e, o, sizeof(*e));
		xfd |= (e->ecx & 4) != 0;
	}
	assert_int_equal(cpuid_table_reg(&t, 0xd, 1, CPUID_EAX),
			 n1->eax & (xfd ? 0x1f : 0xf));
	assert_true(cpuid_table_bit(&t, 1, 0, CPUID_ECX, 26));

	for (unsigned int i = 0; i < pol.nr_rules; i++) {
		const struct policy_rule *r = &pol.rules[i];
		bool all = (xfam & r->comps) == r->comps;

		if (r->kind == POLICY_DEPENDS) {
			uint32_t now = cpuid_table_reg(&t, r->leaf, r->subleaf,
						       r->reg);
			uint32_t was = cpuid_table_reg(nat, r->leaf,
						       r->subleaf, r->reg);

			assert_int_equal(now & r->bits,
					 all ? was & r->bits : 0);
		} else if (r->kind == POLICY_DEPENDS_LEAF) {
			assert_int_equal(cpuid_table_find(&t, r->leaf, 0) !=
						 NULL,
					 all);
		}
	}
}

/* After the builder: the kernel's own check passes for its state. */
static void check_built(uint64_t xfam, uint32_t v,
			const struct xsave_build_result *br)
{
	uint64_t user = xfam & TDX_USER;

	assert_int_equal(cpuid_table_reg(&built, 0xd, 0, CPUID_ECX),
			 oracle_standard(&built, user));
	check_ok(&built, v);
	assert_true(lr.xsave_present);
	assert_true(lr.consistent);
	assert_true(lr.xsave_enabled);
	assert_int_equal(lr.xcr0 & ~user, 0);
	assert_int_equal(lr.xss & ~(xfam & TDX_SUPERVISOR), 0);
	assert_int_equal(lr.xcr0, br->xcr0);
	assert_int_equal(lr.xss, br->xss);
	assert_int_equal(lr.reported_size, lr.size);
	assert_int_equal(cpuid_table_reg(&built, 0xd, 1, CPUID_EBX),
			 oracle_compacted(&built, lr.xcr0 | lr.xss));
	assert_int_equal(cpuid_table_reg(&built, 0xd, 0, CPUID_EBX),
			 oracle_standard(&built, lr.xcr0));
	assert_int_equal(lr.size, oracle_compacted(&built, lr.xcr0 | lr.xss));
}

static void test_sweep(void **state)
{
	unsigned int total_valid = 0, total_invalid = 0, total_built = 0;
	unsigned int total_outside = 0;

	(void)state;
	load_policy("tdx", &pol);
	for (unsigned int d = 0; d < NR_DUMPS; d++) {
		const struct dump_xfam *dx = &dumps[d];
		uint64_t opt = dx->xfam_default & ~0x3ull, sub = opt;
		unsigned int valid = 0;

		test_load_dump(dx->name, &src);
		add_dependent_leaves(&src);

		/* the default is the largest valid XFAM */
		t = src;
		apply_ok(&t, &pol, false, 0, &res);
		assert_true(res.xfam_default);
		assert_int_equal(res.platform, dx->platform);
		assert_int_equal(count_kind(&res, POLICY_CHANGE_XFAM), 0);
		check_applied(&src, dx->xfam_default);

		/* every subset of the default, with x87/SSE */
		for (;;) {
			uint64_t xfam = sub | 0x3;
			struct policy_params pp = { true, xfam };
			struct xsvm_err err = { { 0 } };

			t = src;
			if (!oracle_xfam_pairs(xfam)) {
				assert_int_equal(policy_apply(&t, &pol, &pp,
							      &res, &err),
						 -EINVAL);
				if (!strstr(err.msg, "(xfam-all-or-none, tdx:") &&
				    !strstr(err.msg, "(xfam-requires, tdx:21)"))
					fail_msg("%s: %s", dx->name, err.msg);
				total_invalid++;
			} else {
				apply_ok(&t, &pol, true, xfam, &res);
				check_applied(&src, xfam);
				for (int k = 0; k < 4; k++) {
					static const uint32_t named[] = {
						LINUX_5_15, LINUX_6_1,
						LINUX_6_8, LINUX_7_1,
					};
					uint32_t v = named[k];
					struct xsave_build_result br;

					built = t;
					build_ok(&built, &res, v, &br);
					assert_int_equal(br.removed_subleaves,
							 0);
					check_built(xfam, v, &br);
					total_built++;
				}
				valid++;
			}
			if (!sub)
				break;
			sub = (sub - 1) & opt;
		}
		assert_int_equal(valid, dx->valid);
		total_valid += valid;

		/* one bit beyond the default: outside allowed or platform */
		for (unsigned int i = 2; i < 64; i++) {
			uint64_t bit = 1ull << i;
			struct policy_params pp = { true,
						    dx->xfam_default | bit };
			struct xsvm_err err = { { 0 } };

			if (dx->xfam_default & bit)
				continue;
			t = src;
			assert_int_equal(policy_apply(&t, &pol, &pp, &res,
						      &err),
					 -EINVAL);
			assert_non_null(strstr(err.msg,
					       bit & TDX_ALLOWED ?
						       "(platform, tdx:17)" :
						       "(xfam-allowed, tdx:17)"));
			total_outside++;
		}
	}
	assert_int_equal(total_valid, 1210);
	assert_int_equal(total_built, 4840);
	assert_int_equal(total_invalid, 17248);
	/* 62 extended bits per dump, less the 164 the defaults hold */
	assert_int_equal(total_outside, 25 * 62 - 164);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_none_changes_nothing),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
