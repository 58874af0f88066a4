// SPDX-License-Identifier: MIT
/*
 * Tests of the boot parameters (vmm/boot_params.c): the zero page's header
 * (minimal or copied from a bzImage), e820 map and command line, and the
 * checks of the kernel's range and the RAM's size, as exact bytes in guest
 * memory. Where the initrd goes is tested in test_boot_initrd.c.
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

/* A plain ELF kernel: the minimal header, e820, command line. */
static void test_minimal_header(void **state)
{
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.cmdline = "console=ttyS0 earlyprintk=serial";
	setup_ok(&r, &c, &l);

	assert_int_equal(rd16(&r, 0x7000 + 0x1fe), 0xaa55);
	assert_memory_equal(r.m.hva + 0x7000 + 0x202, "HdrS", 4);
	assert_int_equal(rd16(&r, 0x7000 + 0x206), 0x020f);
	assert_int_equal(rd8(&r, 0x7000 + 0x210), 0xff);
	assert_int_equal(rd8(&r, 0x7000 + 0x211), 0x01);
	assert_int_equal(rd32(&r, 0x7000 + 0x22c), 0x37ffffff);
	assert_int_equal(rd32(&r, 0x7000 + 0x238), 0xffff);
	assert_int_equal(rd32(&r, 0x7000 + 0x228), 0x20000);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c8), 0);
	assert_int_equal(rd32(&r, 0x7000 + 0x218), 0);
	assert_int_equal(rd32(&r, 0x7000 + 0x21c), 0);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c0), 0);
	assert_int_equal(rd32(&r, 0x7000 + 0x0c4), 0);

	assert_int_equal(rd8(&r, 0x7000 + 0x1e8), 3);
	assert_e820(&r, 0, 0, 0x9fc00, 1);
	assert_e820(&r, 1, 0x9fc00, 0x60400, 2);
	assert_e820(&r, 2, 0x100000, 0x3f00000, 1);
	assert_e820(&r, 3, 0, 0, 0);

	/* 32 characters and the NUL, nothing after. */
	assert_memory_equal(r.m.hva + 0x20000,
			    "console=ttyS0 earlyprintk=serial", 33);
	assert_int_equal(rd8(&r, 0x20021), 0);

	assert_int_equal(l.boot_params, 0x7000);
	assert_int_equal(l.cmdline, 0x20000);
	assert_int_equal(l.cmdline_len, 32);
	assert_int_equal(l.initrd, 0);
	assert_int_equal(l.initrd_len, 0);
	assert_int_equal(l.gdt, 0x500);
	assert_int_equal(l.pgtable, 0x9000);
	assert_int_equal(l.stack, 0x8ff0);
	assert_int_equal(l.low_end, 0x20021);
	assert_int_equal(l.e820_entries, 3);
	ram_free(&r);
}

/* A no-command-line boot still gets an empty string at 0x20000. */
static void test_empty_cmdline(void **state)
{
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	memset(r.m.hva + 0x20000, 0x55, 16);
	config_init(&c);
	setup_ok(&r, &c, &l);
	assert_int_equal(rd8(&r, 0x20000), 0);
	assert_int_equal(rd8(&r, 0x20001), 0x55);
	assert_int_equal(rd32(&r, 0x7000 + 0x228), 0x20000);
	assert_int_equal(l.cmdline_len, 0);
	assert_int_equal(l.low_end, 0x20001);
	ram_free(&r);
}

static void test_copied_header(void **state)
{
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	make_bz_hdr(0x7fffffff, 2047);
	config_init(&c);
	c.setup_header = bz_hdr;
	c.setup_header_len = sizeof(bz_hdr);
	c.cmdline = "root=/dev/vda";
	setup_ok(&r, &c, &l);

	assert_int_equal(rd8(&r, 0x7000 + 0x1f1), 0x1b);
	assert_int_equal(rd16(&r, 0x7000 + 0x1fe), 0xaa55);
	assert_int_equal(rd16(&r, 0x7000 + 0x200), 0x6aeb);
	assert_memory_equal(r.m.hva + 0x7000 + 0x202, "HdrS", 4);
	assert_int_equal(rd16(&r, 0x7000 + 0x206), 0x020f);
	assert_int_equal(rd8(&r, 0x7000 + 0x210), 0xff);
	assert_int_equal(rd8(&r, 0x7000 + 0x211), 0x81);
	assert_int_equal(rd32(&r, 0x7000 + 0x228), 0x20000);
	assert_int_equal(rd32(&r, 0x7000 + 0x22c), 0x7fffffff);
	assert_int_equal(rd32(&r, 0x7000 + 0x230), 0x200000);
	assert_int_equal(rd8(&r, 0x7000 + 0x234), 1);
	assert_int_equal(rd16(&r, 0x7000 + 0x236), 0x7f);
	assert_int_equal(rd32(&r, 0x7000 + 0x238), 2047);
	assert_int_equal(rd8(&r, 0x7000 + 0x26b), 0x5e);
	/* Setup code after the header end stays out of boot_params. */
	for (unsigned int off = 0x26c; off < 0x2d0; off++)
		assert_int_equal(rd8(&r, 0x7000 + off), 0);
	assert_int_equal(rd8(&r, 0x7000 + 0x1e8), 3);
	assert_e820(&r, 2, 0x100000, 0x3f00000, 1);
	assert_memory_equal(r.m.hva + 0x20000, "root=/dev/vda", 14);
	/* The header's fields outside the header range are untouched zero. */
	assert_int_equal(rd8(&r, 0x7000 + 0x1f0), 0);
	ram_free(&r);
}

static void test_bad_header(void **state)
{
	struct boot_config c;
	struct ram r;

	(void)state;
	ram_init(&r, 4 * MIB);
	config_init(&c);
	make_bz_hdr(0x7fffffff, 2047);
	c.setup_header = bz_hdr;
	c.setup_header_len = 0x16;
	setup_fails(&r, &c, EINVAL,
		    "setup header of 22 bytes is too short: at least 23 bytes "
		    "from 0x1f1 are needed");
	c.setup_header_len = sizeof(bz_hdr);
	H(0x1fe) = 0x00;
	setup_fails(&r, &c, EINVAL,
		    "setup header: boot_flag is 0xaa00, expected 0xaa55");
	make_bz_hdr(0x7fffffff, 2047);
	H(0x205) = 'T';
	setup_fails(&r, &c, EINVAL, "setup header: no \"HdrS\" magic at 0x202");
	make_bz_hdr(0x7fffffff, 2047);
	H(0x206) = 0x01;
	setup_fails(&r, &c, EINVAL,
		    "setup header: boot protocol 2.01 is older than 2.02");
	ram_free(&r);
}

static void test_cmdline_too_long(void **state)
{
	char *line = malloc(0x10001);
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	assert_non_null(line);
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.cmdline = line;

	/* No header: at most 65535 bytes and the NUL fit at 0x20000. */
	memset(line, 'a', 0x10000);
	line[0x10000] = '\0';
	setup_fails(&r, &c, EINVAL,
		    "command line of 65536 bytes is longer than the 65535 "
		    "bytes reserved at 0x20000");
	line[0xffff] = '\0';
	setup_ok(&r, &c, &l);
	assert_int_equal(rd8(&r, 0x2fffe), 'a');
	assert_int_equal(rd8(&r, 0x2ffff), 0);
	assert_int_equal(l.low_end, 0x30000);

	/* The kernel's cmdline_size. */
	make_bz_hdr(0x7fffffff, 255);
	c.setup_header = bz_hdr;
	c.setup_header_len = sizeof(bz_hdr);
	line[256] = '\0';
	memset(r.m.hva, 0, r.m.size);
	setup_fails(&r, &c, EINVAL,
		    "command line of 256 bytes is longer than the kernel's "
		    "cmdline_size of 255");
	line[255] = '\0';
	setup_ok(&r, &c, &l);
	assert_int_equal(l.cmdline_len, 255);
	free(line);
	ram_free(&r);
}

static void test_kernel_range(void **state)
{
	struct boot_config c;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	config_init(&c);
	c.cmdline = "console=ttyS0"; /* 13 bytes: the layout ends at 0x2000e */

	c.kernel_lo = 0x10000;
	setup_fails(&r, &c, EINVAL,
		    "kernel at 0x10000-0x200000 overlaps the boot structures "
		    "at 0x500-0x2000e");
	c.kernel_lo = 0x2000d;
	setup_fails(&r, &c, EINVAL,
		    "kernel at 0x2000d-0x200000 overlaps the boot structures "
		    "at 0x500-0x2000e");
	c.kernel_lo = 0;
	c.kernel_hi = 0x501;
	setup_fails(&r, &c, EINVAL,
		    "kernel at 0x0-0x501 overlaps the boot structures at "
		    "0x500-0x2000e");
	c.kernel_lo = 0x90000;
	c.kernel_hi = 0x100000;
	setup_fails(&r, &c, EINVAL,
		    "kernel at 0x90000-0x100000 overlaps the reserved region "
		    "0x9fc00-0x100000");
	c.kernel_lo = 0x100000;
	c.kernel_hi = 0x4000001;
	setup_fails(&r, &c, EINVAL,
		    "kernel at 0x100000-0x4000001 ends beyond RAM (64 MiB)");
	c.kernel_hi = 0x100000;
	setup_fails(&r, &c, EINVAL, "kernel range 0x100000-0x100000 is empty");

	/* Just after the command line, and just below 0x500, are fine. */
	struct boot_layout l;

	c.kernel_lo = 0x2000e;
	c.kernel_hi = 0x90000;
	setup_ok(&r, &c, &l);
	c.kernel_lo = 0;
	c.kernel_hi = 0x500;
	setup_ok(&r, &c, &l);
	ram_free(&r);
}

static void test_small_ram(void **state)
{
	struct boot_config c;
	struct ram r;

	(void)state;
	ram_init(&r, 2 * MIB - 4096);
	config_init(&c);
	c.kernel_hi = 0x180000;
	setup_fails(&r, &c, EINVAL,
		    "RAM of 2093056 bytes is too small: the boot layout needs "
		    "at least 2 MiB");
	ram_free(&r);
}

/* The exact e820 map for RAM of mib MiB, the kernel at 16 MiB. */
static void check_e820(uint64_t mib, uint32_t entries, uint64_t low_end,
		       uint64_t high_size)
{
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	ram_init(&r, mib * MIB);
	config_init(&c);
	c.kernel_lo = 0x1000000;
	c.kernel_hi = 0x3000000;
	setup_ok(&r, &c, &l);
	assert_int_equal(l.e820_entries, entries);
	assert_int_equal(rd8(&r, 0x7000 + 0x1e8), entries);
	assert_e820(&r, 0, 0, 0x9fc00, 1);
	assert_e820(&r, 1, 0x9fc00, 0x60400, 2);
	assert_e820(&r, 2, 0x100000, low_end - 0x100000, 1);
	if (high_size)
		assert_e820(&r, 3, 0x100000000, high_size, 1);
	assert_e820(&r, entries, 0, 0, 0);
	ram_free(&r);
}

/*
 * Up to 3 GiB one RAM entry from 1 MiB; beyond, the rest from 4 GiB and
 * nothing for the PCI hole [3 GiB, 4 GiB).
 */
static void test_e820_sizes(void **state)
{
	(void)state;
	check_e820(256, 3, 0x10000000, 0);
	check_e820(3071, 3, 0xbff00000, 0);
	check_e820(3072, 3, 0xc0000000, 0);
	check_e820(3073, 4, 0xc0000000, 0x100000);
	check_e820(4096, 4, 0xc0000000, 0x40000000);
	check_e820(8192, 4, 0xc0000000, 0x140000000);
	check_e820(65536, 4, 0xc0000000, 0xf40000000);
}

/* Placed things stay below the hole; high RAM is not for the kernel. */
static void test_kernel_high_ram(void **state)
{
	struct xsvm_err err = {{0}};
	struct boot_config c;
	struct boot_layout l;
	struct ram r;

	(void)state;
	ram_init(&r, 4096 * MIB);
	config_init(&c);
	c.kernel_lo = 0xbff00000;
	c.kernel_hi = 0xc0000000;
	setup_ok(&r, &c, &l);
	c.kernel_hi = 0xc0000001;
	assert_int_equal(boot_params_setup(&r.m, &c, &l, &err), -EINVAL);
	assert_string_equal(err.msg, "kernel at 0xbff00000-0xc0000001 ends "
				     "beyond RAM below the PCI hole (3072 "
				     "MiB)");
	c.kernel_lo = 0x100000000;
	c.kernel_hi = 0x100200000;
	assert_int_equal(boot_params_setup(&r.m, &c, &l, &err), -EINVAL);
	assert_string_equal(err.msg, "kernel at 0x100000000-0x100200000 ends "
				     "beyond RAM below the PCI hole (3072 "
				     "MiB)");
	ram_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_header),
		cmocka_unit_test(test_empty_cmdline),
		cmocka_unit_test(test_copied_header),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_cmdline_too_long),
		cmocka_unit_test(test_kernel_range),
		cmocka_unit_test(test_e820_sizes),
		cmocka_unit_test(test_kernel_high_ram),
		cmocka_unit_test(test_small_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
