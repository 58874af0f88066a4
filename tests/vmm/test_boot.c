// SPDX-License-Identifier: MIT
/*
 * Tests of the 64-bit boot protocol setup (vmm/boot_params.c, vmm/boot_cpu.c):
 * exact bytes in guest memory and exact register values, on RAM allocated
 * with calloc. The last test enters a tiny guest through /dev/kvm and fails
 * when /dev/kvm is missing, as tools/test.sh and .ci/run do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/boot_cpu.h"
#include "vmm/boot_params.h"

#define MIB (1024ull * 1024)

struct ram {
	struct guest_mem m;
};

static void ram_init(struct ram *r, uint64_t size)
{
	r->m.size = size;
	r->m.hva = calloc(1, size);
	assert_non_null(r->m.hva);
}

static void ram_free(struct ram *r)
{
	free(r->m.hva);
}

static uint8_t rd8(const struct ram *r, uint64_t gpa)
{
	return r->m.hva[gpa];
}

static uint16_t rd16(const struct ram *r, uint64_t gpa)
{
	return (uint16_t)(rd8(r, gpa) | rd8(r, gpa + 1) << 8);
}

static uint32_t rd32(const struct ram *r, uint64_t gpa)
{
	return rd16(r, gpa) | (uint32_t)rd16(r, gpa + 2) << 16;
}

static uint64_t rd64(const struct ram *r, uint64_t gpa)
{
	return rd32(r, gpa) | (uint64_t)rd32(r, gpa + 4) << 32;
}

/* A kernel at 1 MiB..2 MiB, no header, no initrd. */
static void config_init(struct boot_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kernel_lo = 0x100000;
	c->kernel_hi = 0x200000;
}

static void setup_ok(struct ram *r, const struct boot_config *c,
		     struct boot_layout *l)
{
	struct xsvm_err err = {{0}};

	if (boot_params_setup(&r->m, c, l, &err))
		fail_msg("%s", err.msg);
}

static void setup_fails(struct ram *r, const struct boot_config *c, int code,
			const char *msg)
{
	struct xsvm_err err = {{0}};
	struct boot_layout l;
	uint8_t *copy = malloc(r->m.size);

	assert_non_null(copy);
	memcpy(copy, r->m.hva, r->m.size);
	assert_int_equal(boot_params_setup(&r->m, c, &l, &err), -code);
	assert_string_equal(err.msg, msg);
	/* Nothing was written. */
	assert_memory_equal(copy, r->m.hva, r->m.size);
	free(copy);
}

static void assert_e820(const struct ram *r, unsigned int i, uint64_t addr,
			uint64_t size, uint32_t type)
{
	uint64_t e = 0x7000 + 0x2d0 + i * 20;

	assert_int_equal(rd64(r, e), addr);
	assert_int_equal(rd64(r, e + 8), size);
	assert_int_equal(rd32(r, e + 16), type);
}

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

/*
 * A bzImage-style header of 0x100 bytes from 0x1f1, whose jump at 0x200
 * says the header ends at 0x202 + 0x6a = 0x26c: bytes from there on are
 * setup code and must not be copied.
 */
static uint8_t bz_hdr[0x100];

/* bz_hdr by boot_params offset. */
#define H(off) bz_hdr[(off)-0x1f1]

static void make_bz_hdr(uint32_t initrd_addr_max, uint32_t cmdline_size)
{
	memset(bz_hdr, 0, sizeof(bz_hdr));
	memset(&H(0x26c), 0xcc, 0x1f1 + sizeof(bz_hdr) - 0x26c);
	H(0x1f1) = 0x1b; /* setup_sects */
	H(0x1fe) = 0x55;
	H(0x1ff) = 0xaa;
	H(0x200) = 0xeb; /* jmp 0x26c */
	H(0x201) = 0x6a;
	memcpy(&H(0x202), "HdrS", 4);
	H(0x206) = 0x0f; /* protocol 2.15 */
	H(0x207) = 0x02;
	H(0x210) = 0x00; /* type_of_loader: the VMM's job */
	H(0x211) = 0x81; /* LOADED_HIGH | CAN_USE_HEAP */
	memcpy(&H(0x22c), &initrd_addr_max, 4);
	H(0x232) = 0x20; /* kernel_alignment 0x200000 */
	H(0x234) = 0x01; /* relocatable */
	H(0x236) = 0x7f; /* xloadflags */
	memcpy(&H(0x238), &cmdline_size, 4);
	H(0x26b) = 0x5e; /* last header byte */
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

static void cpu_setup_ok(struct ram *r, uint64_t entry,
			 struct boot_cpu_state *s)
{
	struct xsvm_err err = {{0}};

	if (boot_cpu_setup(&r->m, entry, 0x7000, s, &err))
		fail_msg("%s", err.msg);
}

static void test_page_tables(void **state)
{
	static const uint64_t sizes[] = {64 * MIB, 256 * MIB};
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		ram_init(&r, sizes[k]);
		memset(r.m.hva + 0x9000, 0xee, 0x7000);
		cpu_setup_ok(&r, 0x1000000, &s);

		assert_int_equal(rd64(&r, 0x9000), 0xa003);
		for (unsigned int i = 1; i < 512; i++)
			assert_int_equal(rd64(&r, 0x9000 + i * 8), 0);
		assert_int_equal(rd64(&r, 0xa000), 0xb003);
		assert_int_equal(rd64(&r, 0xa008), 0xc003);
		assert_int_equal(rd64(&r, 0xa010), 0xd003);
		assert_int_equal(rd64(&r, 0xa018), 0xe003);
		for (unsigned int i = 4; i < 512; i++)
			assert_int_equal(rd64(&r, 0xa000 + i * 8), 0);
		assert_int_equal(rd64(&r, 0xb000), 0x83);
		assert_int_equal(rd64(&r, 0xb008), 0x200083);
		assert_int_equal(rd64(&r, 0xbff8), 0x3fe00083);
		assert_int_equal(rd64(&r, 0xc000), 0x40000083);
		assert_int_equal(rd64(&r, 0xd000), 0x80000083);
		assert_int_equal(rd64(&r, 0xe000), 0xc0000083);
		assert_int_equal(rd64(&r, 0xeff8), 0xffe00083);
		for (unsigned int i = 0; i < 4 * 512; i++)
			assert_int_equal(rd64(&r, 0xb000 + i * 8),
					 (uint64_t)i << 21 | 0x83);
		/* Nothing written past the last PD. */
		assert_int_equal(rd8(&r, 0xf000), 0xee);
		ram_free(&r);
	}
}

static void test_gdt(void **state)
{
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	memset(r.m.hva, 0xee, 0x1000);
	cpu_setup_ok(&r, 0x100000, &s);
	assert_int_equal(rd64(&r, 0x500), 0);
	assert_int_equal(rd64(&r, 0x508), 0);
	assert_int_equal(rd64(&r, 0x510), 0x00af9b000000ffffull);
	assert_int_equal(rd64(&r, 0x518), 0x00cf93000000ffffull);
	assert_int_equal(rd64(&r, 0x520), 0x00008b0005800067ull);
	assert_int_equal(rd64(&r, 0x528), 0);
	assert_int_equal(rd8(&r, 0x530), 0xee);
	/* The TSS: zero but its I/O map base, 0x68 (no map). */
	for (unsigned int off = 0; off < 0x68; off++)
		assert_int_equal(rd8(&r, 0x580 + off), off == 0x66 ? 0x68 : 0);
	assert_int_equal(rd8(&r, 0x57f), 0xee);
	assert_int_equal(rd8(&r, 0x5e8), 0xee);
	ram_free(&r);
}

static void assert_seg(const struct kvm_segment *g, uint64_t base,
		       uint32_t limit, uint16_t sel, uint8_t type,
		       uint8_t present, uint8_t db, uint8_t s, uint8_t l,
		       uint8_t gran, uint8_t unusable)
{
	assert_int_equal(g->base, base);
	assert_int_equal(g->limit, limit);
	assert_int_equal(g->selector, sel);
	assert_int_equal(g->type, type);
	assert_int_equal(g->present, present);
	assert_int_equal(g->dpl, 0);
	assert_int_equal(g->db, db);
	assert_int_equal(g->s, s);
	assert_int_equal(g->l, l);
	assert_int_equal(g->g, gran);
	assert_int_equal(g->avl, 0);
	assert_int_equal(g->unusable, unusable);
}

static void test_regs_sregs(void **state)
{
	struct boot_cpu_state s;
	const struct kvm_sregs *sr = &s.sregs;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	memset(&s, 0xa5, sizeof(s));
	cpu_setup_ok(&r, 0x1000200, &s);

	assert_int_equal(s.regs.rip, 0x1000200);
	assert_int_equal(s.regs.rsi, 0x7000);
	assert_int_equal(s.regs.rsp, 0x8ff0);
	assert_int_equal(s.regs.rflags, 0x2);
	assert_int_equal(s.regs.rax, 0);
	assert_int_equal(s.regs.rbp, 0);
	assert_int_equal(s.regs.rdi, 0);
	assert_int_equal(s.regs.r15, 0);

	assert_int_equal(sr->cr0, 0x80010033);
	assert_int_equal(sr->cr3, 0x9000);
	assert_int_equal(sr->cr4, 0x620);
	assert_int_equal(sr->efer, 0x500);
	assert_int_equal(sr->cr2, 0);
	assert_int_equal(sr->cr8, 0);
	assert_int_equal(sr->apic_base, 0);

	assert_seg(&sr->cs, 0, 0xffffffff, 0x10, 0xb, 1, 0, 1, 1, 1, 0);
	assert_seg(&sr->ds, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->es, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->fs, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->gs, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->ss, 0, 0xffffffff, 0x18, 0x3, 1, 1, 1, 0, 1, 0);
	assert_seg(&sr->tr, 0x580, 0x67, 0x20, 0xb, 1, 0, 0, 0, 0, 0);
	assert_seg(&sr->ldt, 0, 0, 0, 0x2, 0, 0, 0, 0, 0, 1);
	assert_int_equal(sr->gdt.base, 0x500);
	assert_int_equal(sr->gdt.limit, 0x2f);
	assert_int_equal(sr->idt.base, 0);
	assert_int_equal(sr->idt.limit, 0);
	ram_free(&r);
}

/* boot_cpu_apply keeps what it does not own. */
static void test_apply(void **state)
{
	struct boot_cpu_state s;
	struct kvm_sregs sr;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	cpu_setup_ok(&r, 0x100000, &s);
	memset(&sr, 0x5a, sizeof(sr));
	sr.apic_base = 0xfee00900;
	sr.cr2 = 0x1234;
	sr.cr8 = 0x7;
	sr.interrupt_bitmap[1] = 0x8000;
	boot_cpu_apply(&sr, &s);

	assert_int_equal(sr.apic_base, 0xfee00900);
	assert_int_equal(sr.cr2, 0x1234);
	assert_int_equal(sr.cr8, 0x7);
	assert_int_equal(sr.interrupt_bitmap[0], 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(sr.interrupt_bitmap[1], 0x8000);
	assert_int_equal(sr.cr0, 0x80010033);
	assert_int_equal(sr.cr3, 0x9000);
	assert_int_equal(sr.cr4, 0x620);
	assert_int_equal(sr.efer, 0x500);
	assert_memory_equal(&sr.cs, &s.sregs.cs, sizeof(sr.cs));
	assert_memory_equal(&sr.ss, &s.sregs.ss, sizeof(sr.ss));
	assert_memory_equal(&sr.tr, &s.sregs.tr, sizeof(sr.tr));
	assert_memory_equal(&sr.ldt, &s.sregs.ldt, sizeof(sr.ldt));
	assert_memory_equal(&sr.gdt, &s.sregs.gdt, sizeof(sr.gdt));
	assert_memory_equal(&sr.idt, &s.sregs.idt, sizeof(sr.idt));
	ram_free(&r);
}

static void test_cpu_bad_addresses(void **state)
{
	struct xsvm_err err = {{0}};
	struct boot_cpu_state s;
	struct ram r;

	(void)state;
	ram_init(&r, 64 * MIB);
	assert_int_equal(boot_cpu_setup(&r.m, 0x4000000, 0x7000, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "entry point at 0x4000000 is outside RAM "
				     "(67108864 bytes)");
	assert_int_equal(boot_cpu_setup(&r.m, 0x100000, 0x3fff001, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "boot_params at 0x3fff001 is outside RAM "
				     "(67108864 bytes)");
	/* Nothing was written. */
	for (unsigned int i = 0; i < 0x10000; i++)
		assert_int_equal(rd8(&r, i), 0);
	ram_free(&r);

	ram_init(&r, 0xe000);
	assert_int_equal(boot_cpu_setup(&r.m, 0x100, 0x7000, &s, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "boot page tables at 0x9000 is outside "
				     "RAM (57344 bytes)");
	ram_free(&r);
}

/*
 * Enter a small 64-bit guest at 1 MiB with exactly this state through KVM:
 * it writes to port 0xf4 a constant, RSI, a 64-bit shift result and a word
 * read from the last 4 bytes of RAM (through the identity map), then HLTs.
 */
static const uint8_t kvm_guest[] = {
	0xb8, 0x34, 0x12, 0x00, 0x00, /* mov $0x1234, %eax */
	0xe7, 0xf4,		      /* out %eax, $0xf4 */
	0x48, 0x89, 0xf0,	      /* mov %rsi, %rax */
	0xe7, 0xf4,		      /* out %eax, $0xf4 */
	0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	/* movabs $0x1122334455667788, %rax */
	0x48, 0xc1, 0xe8, 0x20, /* shr $32, %rax */
	0xe7, 0xf4,		/* out %eax, $0xf4 */
	0xa1, 0xfc, 0xff, 0xff, 0x03, 0x00, 0x00, 0x00, 0x00,
	/* movabs 0x3fffffc, %eax */
	0xe7, 0xf4, /* out %eax, $0xf4 */
	0xf4,	    /* hlt */
};

struct kvm_ctx {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	struct guest_mem m;
};

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int ret = ioctl(fd, req, arg);

	if (ret < 0)
		fail_msg("%s: %s", what, strerror(errno));
	return ret;
}

static void kvm_expect_out(struct kvm_ctx *k, uint32_t value)
{
	struct kvm_run *run = k->run;
	uint32_t v;

	kvm_ioctl(k->vcpu, KVM_RUN, NULL, "KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO)
		fail_msg("exit reason %u, expected KVM_EXIT_IO (%u) for 0x%x",
			 run->exit_reason, KVM_EXIT_IO, value);
	assert_int_equal(run->io.direction, KVM_EXIT_IO_OUT);
	assert_int_equal(run->io.port, 0xf4);
	assert_int_equal(run->io.size, 4);
	assert_int_equal(run->io.count, 1);
	memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
	assert_int_equal(v, value);
}

static void kvm_enter(struct kvm_ctx *k)
{
	struct kvm_userspace_memory_region region = {0};
	struct xsvm_err err = {{0}};
	struct boot_cpu_state s;
	struct boot_config c;
	struct boot_layout l;
	struct kvm_sregs sr;
	uint32_t magic = 0xc0ffee42;

	k->vm = kvm_ioctl(k->kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
	region.memory_size = k->m.size;
	region.userspace_addr = (uintptr_t)k->m.hva;
	kvm_ioctl(k->vm, KVM_SET_USER_MEMORY_REGION, &region,
		  "KVM_SET_USER_MEMORY_REGION");

	config_init(&c);
	c.kernel_hi = 0x100000 + sizeof(kvm_guest);
	c.cmdline = "console=ttyS0";
	if (boot_params_setup(&k->m, &c, &l, &err))
		fail_msg("%s", err.msg);
	memcpy(guest_mem_ptr(&k->m, 0x100000, sizeof(kvm_guest)), kvm_guest,
	       sizeof(kvm_guest));
	memcpy(guest_mem_ptr(&k->m, k->m.size - 4, 4), &magic, 4);
	if (boot_cpu_setup(&k->m, 0x100000, l.boot_params, &s, &err))
		fail_msg("%s", err.msg);

	k->vcpu = kvm_ioctl(k->vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
	k->run_size = (size_t)kvm_ioctl(k->kvm, KVM_GET_VCPU_MMAP_SIZE, 0,
					"KVM_GET_VCPU_MMAP_SIZE");
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      k->vcpu, 0);
	if (k->run == MAP_FAILED)
		fail_msg("mmap of kvm_run: %s", strerror(errno));
	kvm_ioctl(k->vcpu, KVM_GET_SREGS, &sr, "KVM_GET_SREGS");
	boot_cpu_apply(&sr, &s);
	kvm_ioctl(k->vcpu, KVM_SET_SREGS, &sr, "KVM_SET_SREGS");
	kvm_ioctl(k->vcpu, KVM_SET_REGS, &s.regs, "KVM_SET_REGS");

	kvm_expect_out(k, 0x1234);
	kvm_ioctl(k->vcpu, KVM_GET_SREGS, &sr, "KVM_GET_SREGS");
	assert_int_equal(sr.efer & 0x500, 0x500);
	assert_int_equal(sr.cs.l, 1);
	assert_int_equal(sr.cs.selector, 0x10);
	assert_int_equal(sr.cr3, 0x9000);
	kvm_expect_out(k, 0x7000);
	kvm_expect_out(k, 0x11223344);
	kvm_expect_out(k, magic);
	kvm_ioctl(k->vcpu, KVM_RUN, NULL, "KVM_RUN");
	assert_int_equal(k->run->exit_reason, KVM_EXIT_HLT);
}

static void test_kvm_long_mode_entry(void **state)
{
	struct kvm_ctx k = {.kvm = -1, .vm = -1, .vcpu = -1};
	struct timespec t0, t1;

	(void)state;
	if (access("/dev/kvm", F_OK))
		fail_msg("/dev/kvm is missing: this test enters a guest "
			 "through KVM and must run (CI machines have it)");
	k.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k.kvm < 0)
		fail_msg("/dev/kvm: %s", strerror(errno));
	k.m.size = 64 * MIB;
	k.m.hva = mmap(NULL, k.m.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(k.m.hva != MAP_FAILED);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	kvm_enter(&k);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("KVM 64-bit entry: VM created, entered, 4 port writes "
		      "and HLT in %.2f ms\n",
		      (t1.tv_sec - t0.tv_sec) * 1e3 +
			      (t1.tv_nsec - t0.tv_nsec) / 1e6);

	munmap(k.run, k.run_size);
	close(k.vcpu);
	close(k.vm);
	close(k.kvm);
	munmap(k.m.hva, k.m.size);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_header),
		cmocka_unit_test(test_empty_cmdline),
		cmocka_unit_test(test_copied_header),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_initrd_top_of_ram),
		cmocka_unit_test(test_initrd_addr_max),
		cmocka_unit_test(test_initrd_below_kernel),
		cmocka_unit_test(test_initrd_too_large),
		cmocka_unit_test(test_initrd_overlaps_kernel),
		cmocka_unit_test(test_cmdline_too_long),
		cmocka_unit_test(test_kernel_range),
		cmocka_unit_test(test_small_ram),
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_gdt),
		cmocka_unit_test(test_regs_sregs),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_cpu_bad_addresses),
	};
	/* `test_boot kvm`: the test that enters a guest (ctest: test_boot_kvm) */
	const struct CMUnitTest kvm_tests[] = {
		cmocka_unit_test(test_kvm_long_mode_entry),
	};

	if (argc > 1 && !strcmp(argv[1], "kvm"))
		return cmocka_run_group_tests(kvm_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
