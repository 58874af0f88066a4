// SPDX-License-Identifier: MIT
/*
 * Tests of the visiting orders of --xsave-order (cpuid/xsave.c): reading
 * and printing "ascending" and "hash:SEED", and the seeded permutation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/xsave.h"

static void test_order_parse(void **state)
{
	struct xsvm_err err = { { 0 } };
	struct xsave_order o;
	char buf[64];

	(void)state;
	assert_int_equal(xsave_order_parse("ascending", &o, &err), 0);
	assert_int_equal(o.kind, XSAVE_ORDER_ASCENDING);
	assert_int_equal(xsave_order_parse("hash:42", &o, &err), 0);
	assert_int_equal(o.kind, XSAVE_ORDER_HASH);
	assert_int_equal(o.seed, 42);
	xsave_order_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "hash:42");
	assert_int_equal(xsave_order_parse("hash:0x10", &o, &err), 0);
	assert_int_equal(o.seed, 16);
	assert_int_equal(xsave_order_parse("hash:", &o, &err), -EINVAL);
	assert_int_equal(xsave_order_parse("hash:12x", &o, &err), -EINVAL);
	assert_int_equal(xsave_order_parse("hash:-1", &o, &err), -EINVAL);
	assert_int_equal(xsave_order_parse("descending", &o, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--xsave-order: 'descending' is neither 'ascending', 'hash:SEED' nor 'hash-vcpu:SEED' (SEED a 64-bit number)");
}

/*
 * hash-vcpu:SEED: vCPU 0 answers as hash:SEED, each other vCPU in a seed
 * of its own, the same for the same (SEED, vCPU); the other kinds are the
 * same on every vCPU.
 */
static void test_order_vcpu(void **state)
{
	struct xsvm_err err = { { 0 } };
	struct xsave_order o, a, b;
	char buf[64];

	(void)state;
	assert_int_equal(xsave_order_parse("hash-vcpu:7", &o, &err), 0);
	assert_int_equal(o.kind, XSAVE_ORDER_HASH_VCPU);
	assert_int_equal(o.seed, 7);
	xsave_order_format(&o, buf, sizeof(buf));
	assert_string_equal(buf, "hash-vcpu:7");
	assert_int_equal(xsave_order_parse("hash-vcpu:", &o, &err), -EINVAL);
	assert_int_equal(xsave_order_parse("hash-vcpu:1,2", &o, &err), -EINVAL);
	assert_int_equal(xsave_order_parse("hash-vcpu:7", &o, &err), 0);
	a = xsave_order_for_vcpu(&o, 0);
	assert_int_equal(a.kind, XSAVE_ORDER_HASH_VCPU);
	assert_int_equal(a.seed, 7);
	for (unsigned int i = 1; i < 64; i++) {
		a = xsave_order_for_vcpu(&o, i);
		b = xsave_order_for_vcpu(&o, i);
		assert_int_equal(a.seed, b.seed);
		assert_int_not_equal(a.seed, 7);
		for (unsigned int j = 1; j < i; j++)
			assert_int_not_equal(a.seed,
					     xsave_order_for_vcpu(&o, j).seed);
	}
	o = (struct xsave_order){ XSAVE_ORDER_HASH, 7 };
	assert_int_equal(xsave_order_for_vcpu(&o, 5).seed, 7);
	o = (struct xsave_order){ XSAVE_ORDER_ASCENDING, 0 };
	assert_int_equal(xsave_order_for_vcpu(&o, 5).kind,
			 XSAVE_ORDER_ASCENDING);
}

/*
 * SEED: decimal (leading zeros do not make octal) or 0x/0X hex, 64 bits,
 * the whole rest of the argument, with no sign or white space.
 */
static void test_order_parse_seed(void **state)
{
	static const struct {
		const char *arg;
		uint64_t seed; /* when accepted */
		bool ok;
	} cases[] = {
		{ "hash:0", 0, true },
		{ "hash:007", 7, true },
		{ "hash:010", 10, true },
		{ "hash:00000000000000000000000000000042", 42, true },
		{ "hash:0X1F", 31, true },
		{ "hash:0xfF", 255, true },
		{ "hash:0x00000000000000000001", 1, true },
		{ "hash:18446744073709551615", UINT64_MAX, true },
		{ "hash:0xffffffffffffffff", UINT64_MAX, true },
		{ "hash:0XFFFFFFFFFFFFFFFF", UINT64_MAX, true },
		{ "hash:18446744073709551616" },
		{ "hash:99999999999999999999" },
		{ "hash:0x10000000000000000" },
		{ "hash:0xFFFFFFFFFFFFFFFF0" },
		{ "" },
		{ "hash" },
		{ "hash:0x" },
		{ "hash:0X" },
		{ "hash:0xg" },
		{ "hash:1a" },
		{ "hash:+1" },
		{ "hash:-0" },
		{ "hash: 5" },
		{ "hash:5 " },
		{ "HASH:1" },
		{ "hash:1:2" },
		/* no blank, sign or second prefix after "hash:" or "0x" */
		{ "hash:\t5" },
		{ "hash:\n5" },
		{ "hash:\t-5" },
		{ "hash:0x 5" },
		{ "hash:0x-1" },
		{ "hash:0x+1" },
		{ "hash:0x0x5" },
	};
	struct xsvm_err err = { { 0 } };
	char want[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xsave_order o = { XSAVE_ORDER_ASCENDING, 0 };
		int ret = xsave_order_parse(cases[i].arg, &o, &err);

		if (!cases[i].ok) {
			snprintf(want, sizeof(want),
				 "--xsave-order: '%s' is neither 'ascending', 'hash:SEED' nor 'hash-vcpu:SEED' (SEED a 64-bit number)",
				 cases[i].arg);
			if (ret != -EINVAL || strcmp(err.msg, want))
				fail_msg("'%s': %d, '%s'", cases[i].arg, ret,
					 err.msg);
		} else if (ret || o.kind != XSAVE_ORDER_HASH ||
			   o.seed != cases[i].seed) {
			fail_msg("'%s': %d, kind %d, seed %llu", cases[i].arg,
				 ret, o.kind, (unsigned long long)o.seed);
		}
	}
}

static void test_order_permute(void **state)
{
	static const uint8_t idx[] = { 2, 5, 6, 7, 11, 17, 18 };
	struct xsave_order asc = { XSAVE_ORDER_ASCENDING, 0 };
	struct xsave_order h = { XSAVE_ORDER_HASH, 7 };
	uint8_t p1[7], p2[7];
	unsigned int seen_differ = 0;

	(void)state;
	xsave_order_permute(&asc, idx, 7, p1);
	assert_memory_equal(p1, idx, 7);
	/* deterministic, and a permutation */
	xsave_order_permute(&h, idx, 7, p1);
	xsave_order_permute(&h, idx, 7, p2);
	assert_memory_equal(p1, p2, 7);
	for (unsigned int i = 0; i < 7; i++) {
		unsigned int hits = 0;

		for (unsigned int j = 0; j < 7; j++)
			hits += p1[j] == idx[i];
		assert_int_equal(hits, 1);
	}
	/* different seeds give different orders */
	for (uint64_t s = 0; s < 32; s++) {
		h.seed = s;
		xsave_order_permute(&h, idx, 7, p2);
		seen_differ += memcmp(p1, p2, 7) != 0;
	}
	assert_true(seen_differ >= 28);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_parse),
		cmocka_unit_test(test_order_vcpu),
		cmocka_unit_test(test_order_parse_seed),
		cmocka_unit_test(test_order_permute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
