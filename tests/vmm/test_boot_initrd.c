// SPDX-License-Identifier: MIT
/*
 * Tests of where the boot parameters put the initrd (vmm/boot_params.c):
 * at the top of RAM, below initrd_addr_max or the kernel, or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot_util.h"
#include "vmm/boot_params.h"

/* 64 MiB, default initrd_addr_max: the initrd ends at the top of RAM. */
static void test_initrd_top_of_ram(void **state)
{
	struct boot_config c;
	struct boot_layout l;
	struct ram r;
	uint8_t *initrd = malloc(0x100001);

	(void)state;
	assert_non_null(initrd);
	for (unsigned int i = 0; i < 0x100001; i++)
		initrd[i] = (uint8_t)(i * 7 + 1);
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.initrd = initrd;
	c.initrd_len = 0x100001;
	setup_ok(&r, &c, &l);
	/* 0x4000000 - 0x100001 = 0x3efffff, page-aligned down. */
	assert_int_equal(l.initrd, 0x3eff000);
	assert_int_equal(l.initrd_len, 0x100001);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0x3eff000);
	assert_int_equal(rd32(&r, 0x7000 + 0x21c), 0x100001);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c0), 0);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c4), 0);
	assert_memory_equal(r.m.hva + 0x3eff000, initrd, 0x100001);
	assert_int_equal(rd8(&r, 0x3eff000 - 1), 0);
	assert_int_equal(rd8(&r, 0x3eff000 + 0x100001), 0);
	free(initrd);
	ram_free(&r);
}

/* 256 MiB: initrd_addr_max from the config, from the header, default. */
static void test_initrd_addr_max(void **state)
{
	static const uint8_t initrd[0x3000] = {0x1f, 0x8b, 0x08};
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	ram_init(&r, 256 * MIB);
	config_init(&c);
	c.initrd = initrd;
	c.initrd_len = sizeof(initrd);

	/* Limit 0x8000000 (128 MiB) below the end of RAM (256 MiB). */
	c.initrd_addr_max = 0x7ffffff;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.initrd, 0x7ffd000);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0x7ffd000);
	assert_int_equal(rd32(&r, 0x7000 + 0x21c), 0x3000);
	assert_int_equal(rd32(&r, 0x7000 + 0x22c), 0x7ffffff);
	assert_memory_equal(r.m.hva + 0x7ffd000, "\x1f\x8b\x08", 3);

	/* From the copied header: 0x5ffffff, so 0x6000000 - 0x3000. */
	make_bz_hdr(0x5ffffff, 2047);
	c.setup_header = bz_hdr;
	c.setup_header_len = sizeof(bz_hdr);
	c.initrd_addr_max = 0;
	setup_ok(&r, &c, &l);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0x5ffd000);
	assert_int_equal(rd32(&r, 0x7000 + 0x22c), 0x5ffffff);

	/* No header: 0x37ffffff is above RAM, so the end of RAM bounds it. */
	c.setup_header = NULL;
	c.setup_header_len = 0;
	c.initrd_len = 0x2800; /* 0x10000000 - 0x2800 = 0xfffd800 */
	setup_ok(&r, &c, &l);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0xfffd000);
	assert_int_equal(rd32(&r, 0x7000 + 0x21c), 0x2800);
	assert_e820(&r, 2, 0x100000, 0xff00000, 1);
	ram_free(&r);
}

/* An initrd that would overlap the kernel goes below it. */
static void test_initrd_below_kernel(void **state)
{
	uint8_t *initrd = calloc(1, 16 * MIB);
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	assert_non_null(initrd);
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.initrd = initrd;

	/* Kernel at 56..64 MiB: 0x3800000 - 0x200800 = 0x35ff800. */
	c.kernel_lo = 0x3800000;
	c.kernel_hi = 0x4000000;
	c.initrd_len = 0x200800;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.initrd, 0x35ff000);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0x35ff000);

	/* 16 MiB at 48 MiB would cover the kernel at 48..49 MiB. */
	c.kernel_lo = 0x3000000;
	c.kernel_hi = 0x3100000;
	c.initrd_len = 16 * MIB;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.initrd, 0x2000000);

	/* The kernel ends exactly where the initrd would start: no overlap. */
	c.kernel_lo = 0x2000000;
	c.kernel_hi = 0x3000000;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.initrd, 0x3000000);
	free(initrd);
	ram_free(&r);
}

static void test_initrd_too_large(void **state)
{
	uint8_t *initrd = calloc(1, 65 * MIB);
	struct boot_config c;
	struct ram r;

	(void)state;
	assert_non_null(initrd);
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.initrd = initrd;
	c.initrd_len = 65 * MIB;
	setup_fails(&r, &c, E2BIG,
		    "initrd of 68157440 bytes is larger than RAM (64 MiB)");

	/* Smaller than RAM, but not between 1 MiB and the limit. */
	c.initrd_len = 63 * MIB + 1;
	c.kernel_lo = 0x3f00000;
	c.kernel_hi = 0x4000000;
	setup_fails(&r, &c, E2BIG,
		    "initrd of 66060289 bytes does not fit below 0x4000000 "
		    "(RAM 64 MiB, kernel at 0x3f00000-0x4000000)");
	free(initrd);
	ram_free(&r);
}

/* Neither above the kernel (1..47 MiB) nor below it. */
static void test_initrd_overlaps_kernel(void **state)
{
	uint8_t *initrd = calloc(1, 20 * MIB);
	struct boot_config c;
	struct ram r;

	(void)state;
	assert_non_null(initrd);
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.kernel_hi = 0x3000000;
	c.initrd = initrd;
	c.initrd_len = 20 * MIB;
	setup_fails(&r, &c, E2BIG,
		    "initrd of 20971520 bytes does not fit below 0x4000000 "
		    "(RAM 64 MiB, kernel at 0x100000-0x3000000)");

	/* A lower initrd_addr_max is the limit named. */
	c.initrd_addr_max = 0x1ffffff;
	c.initrd_len = 2 * MIB;
	c.kernel_lo = 0x100000;
	c.kernel_hi = 0x2000000;
	setup_fails(&r, &c, E2BIG,
		    "initrd of 2097152 bytes does not fit below 0x2000000 "
		    "(RAM 64 MiB, kernel at 0x100000-0x2000000)");
	free(initrd);
	ram_free(&r);
}

/*
 * With RAM past the hole the initrd still ends below it, even when the
 * kernel allows it anywhere under 4 GiB; one larger than the RAM below the
 * hole is refused.
 */
static void test_initrd_below_hole(void **state)
{
	struct xsvm_err err = {{0}};
	struct boot_config c;
	struct boot_layout l;
	struct ram r;
	static const uint8_t initrd[0x1001] = {0x1f, 0x8b, 0x08};

	(void)state;
	ram_init(&r, 8192 * MIB);
	config_init(&c);
	c.initrd = initrd;
	c.initrd_len = sizeof(initrd);
	c.initrd_addr_max = 0xffffffff;
	setup_ok(&r, &c, &l);
	/* 0xc0000000 - 0x1001, page-aligned down. */
	assert_int_equal(l.initrd, 0xbfffe000);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0xbfffe000);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c0), 0);
	assert_int_equal(rd32(&r, 0xbfffe000), 0x088b1f);

	/* Debian's initrd_addr_max of 0x7fffffff still rules. */
	c.initrd_addr_max = 0x7fffffff;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.initrd, 0x7fffe000);

	c.initrd_len = 0xc0000001;
	assert_int_equal(boot_params_setup(&r.m, &c, &l, &err), -E2BIG);
	assert_string_equal(err.msg, "initrd of 3221225473 bytes is larger "
				     "than RAM below the PCI hole (3072 MiB)");
	ram_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initrd_top_of_ram),
		cmocka_unit_test(test_initrd_addr_max),
		cmocka_unit_test(test_initrd_below_kernel),
		cmocka_unit_test(test_initrd_too_large),
		cmocka_unit_test(test_initrd_overlaps_kernel),
		cmocka_unit_test(test_initrd_below_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
