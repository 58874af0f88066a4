// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/mptable.c: the MP table Linux reads the APs from, byte by
 * byte where Linux's parser checks it (mpparse.c): signatures, lengths,
 * checksums, spec 1.4, the processor entries and the interrupt entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mptable.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_four_cpus(void **state)
{
	static const uint32_t ids[] = {0, 1, 4, 5};
	struct xsvm_err err = {{0}};
	struct guest_mem m = {calloc(1, 1 << 20), 1 << 20};
	const uint8_t *f, *c, *e;

	(void)state;
	assert_non_null(m.hva);
	assert_int_equal(mptable_size(4), 16 + 44 + 4 * 20 + 20 * 8);
	assert_int_equal(mptable_write(&m, ids, 4, &err), 0);
	f = m.hva + MPTABLE_GPA;
	assert_memory_equal(f, "_MP_", 4);
	assert_int_equal(le32(f + 4), MPTABLE_GPA + 16);
	assert_int_equal(f[8], 1);
	assert_int_equal(f[9], 4);
	assert_int_equal(sum(f, 16), 0);
	assert_int_equal(f[11], 0); /* no default configuration */
	c = f + 16;
	assert_memory_equal(c, "PCMP", 4);
	assert_int_equal(c[4] | c[5] << 8, 44 + 4 * 20 + 20 * 8);
	assert_int_equal(c[6], 4);
	assert_int_equal(sum(c, 44 + 4 * 20 + 20 * 8), 0);
	assert_memory_equal(c + 8, "XSVM    ", 8);
	assert_int_equal(c[34] | c[35] << 8, 4 + 2 + 16 + 2);
	assert_int_equal(le32(c + 36), 0xfee00000u);
	e = c + 44;
	for (unsigned int i = 0; i < 4; i++, e += 20) {
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], ids[i]);
		assert_int_equal(e[3],
				 i ? 1 : 3); /* enabled, BSP on the first */
	}
	assert_int_equal(e[0], 1);
	assert_memory_equal(e + 2, "ISA   ", 6);
	e += 8;
	/* the IOAPIC: ID 6 (the highest APIC ID + 1), usable, 0xfec00000 */
	assert_int_equal(e[0], 2);
	assert_int_equal(e[1], 6);
	assert_int_equal(e[3], 1);
	assert_int_equal(le32(e + 4), 0xfec00000u);
	e += 8;
	for (unsigned int irq = 0; irq < 16; irq++, e += 8) {
		assert_int_equal(e[0], 3);
		assert_int_equal(e[1], 0); /* INT */
		assert_int_equal(e[5], irq);
		assert_int_equal(e[6], 6);
		assert_int_equal(e[7], irq); /* KVM's GSI routing: pin = IRQ */
	}
	assert_int_equal(e[0], 4);
	assert_int_equal(e[1], 3); /* ExtINT */
	assert_int_equal(e[6], 0);
	assert_int_equal(e[7], 0);
	assert_int_equal(e[8], 4);
	assert_int_equal(e[9], 1); /* NMI */
	assert_int_equal(e[14], 0xff);
	assert_int_equal(e[15], 1);
	assert_int_equal(e + 16 - f, (long)mptable_size(4));
	free(m.hva);
}

static void test_errors(void **state)
{
	static uint32_t ids[256];
	struct xsvm_err err = {{0}};
	struct guest_mem m = {calloc(1, 1 << 20), 1 << 20};
	struct guest_mem small = {m.hva, 0x9fc00};

	(void)state;
	for (unsigned int i = 0; i < 256; i++)
		ids[i] = i;
	assert_int_equal(mptable_write(&m, ids, 0, &err), -EINVAL);
	assert_int_equal(mptable_write(&m, ids, 255, &err), -EINVAL);
	assert_string_equal(err.msg, "APIC ID 254 does not fit an MP table");
	assert_int_equal(mptable_write(&small, ids, 2, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "the MP table's 260 bytes at 0x9fc00 are not RAM");
	/* 254 vCPUs: APIC IDs 0-253, the IOAPIC 254 */
	assert_int_equal(mptable_write(&m, ids, 254, &err), 0);
	free(m.hva);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_four_cpus),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
