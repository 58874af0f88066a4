// SPDX-License-Identifier: MIT
/* Tests of vmm/insn.c: naming the instruction an emulation failure hit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/insn.h"

#define IDENT(n, ...)                                                  \
	do {                                                           \
		const uint8_t b_[] = { __VA_ARGS__ };                  \
		insn_identify(b_, sizeof(b_), (n));                    \
	} while (0)

static void expect(const struct insn_name *n, const char *mnemonic,
		   const char *remedy_start)
{
	if (!mnemonic) {
		assert_null(n->mnemonic);
		assert_null(n->remedy);
		return;
	}
	assert_non_null(n->mnemonic);
	assert_string_equal(n->mnemonic, mnemonic);
	if (!remedy_start) {
		assert_null(n->remedy);
		return;
	}
	assert_non_null(n->remedy);
	assert_memory_equal(n->remedy, remedy_start, strlen(remedy_start));
}

static void test_cmpxchg16b(void **state)
{
	struct insn_name n;

	(void)state;
	IDENT(&n, 0xf0, 0x48, 0x0f, 0xc7, 0x0e); /* lock cmpxchg16b (%rsi) */
	expect(&n, "cmpxchg16b", "this KVM does not emulate CMPXCHG16B: add clearcpuid=cx16");
	IDENT(&n, 0x49, 0x0f, 0xc7, 0x4c, 0x24, 0x08);
	expect(&n, "cmpxchg16b", "this KVM does not emulate CMPXCHG16B");
	IDENT(&n, 0x0f, 0xc7, 0x0e); /* without REX.W: cmpxchg8b */
	expect(&n, "cmpxchg8b", NULL);
}

static void test_xsave_family(void **state)
{
	struct insn_name n;

	(void)state;
	IDENT(&n, 0x0f, 0xae, 0x2e); /* xrstor (%rsi) */
	expect(&n, "xrstor", "this KVM does not emulate the XSAVE family");
	IDENT(&n, 0x48, 0x0f, 0xae, 0x2f); /* xrstor64 (%rdi) */
	expect(&n, "xrstor", "this KVM does not emulate the XSAVE family");
	IDENT(&n, 0x0f, 0xae, 0x27);
	expect(&n, "xsave", "this KVM");
	IDENT(&n, 0x0f, 0xae, 0x37);
	expect(&n, "xsaveopt", "this KVM");
	IDENT(&n, 0x48, 0x0f, 0xc7, 0x1f);
	expect(&n, "xrstors", "this KVM");
	IDENT(&n, 0x0f, 0xc7, 0x27);
	expect(&n, "xsavec", "this KVM");
	IDENT(&n, 0x0f, 0xc7, 0x2f);
	expect(&n, "xsaves", "this KVM");
	IDENT(&n, 0x0f, 0x01, 0xd1);
	expect(&n, "xsetbv", "this KVM");
	IDENT(&n, 0x0f, 0x01, 0xd0);
	expect(&n, "xgetbv", "this KVM");
}

static void test_other(void **state)
{
	struct insn_name n;

	(void)state;
	IDENT(&n, 0x0f, 0xae, 0xe8); /* lfence: register form of 0f ae /5 */
	expect(&n, NULL, NULL);
	IDENT(&n, 0x0f, 0xc7, 0xf0); /* rdrand %eax */
	expect(&n, NULL, NULL);
	IDENT(&n, 0x90);
	expect(&n, NULL, NULL);
	IDENT(&n, 0x48, 0x0f, 0xc7); /* truncated */
	expect(&n, NULL, NULL);
	IDENT(&n, 0xf0, 0xf0, 0xf0);
	expect(&n, NULL, NULL);
	insn_identify(NULL, 0, &n);
	expect(&n, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmpxchg16b),
		cmocka_unit_test(test_xsave_family),
		cmocka_unit_test(test_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
