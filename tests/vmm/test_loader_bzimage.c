// SPDX-License-Identifier: MIT
/*
 * Tests of the bzImage setup header's checks (vmm/loader_bzimage.c), on
 * bzImages built here in memory (loader_util.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader_util.h"
#include "vmm/loader_bzimage.h"

static void test_bzimage_parse(void **state)
{
	static const uint8_t big_lz4[0x300] = { 0x02, 0x21, 0x4c, 0x18 };
	struct xsvm_err err = { { 0 } };
	struct bzimage_info bi;
	uint8_t buf[0x1000];
	size_t len;

	(void)state;
	len = make_bzimage(buf, sizeof(buf), lz4_payload, sizeof(lz4_payload));
	assert_int_equal(len, 0x94c);
	if (loader_bzimage_parse(buf, len, "k.bz", &bi, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(bi.setup_sects, 3);
	assert_int_equal(bi.version, 0x020f);
	assert_int_equal(bi.loadflags, 0x01);
	assert_int_equal(bi.relocatable_kernel, 1);
	assert_int_equal(bi.xloadflags, 0x0003);
	assert_int_equal(bi.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bi.kernel_alignment, 0x200000);
	assert_int_equal(bi.cmdline_size, 0x7ff);
	assert_int_equal(bi.payload_offset, 0x100);
	assert_int_equal(bi.payload_length, 12);
	assert_int_equal(bi.pref_address, 0x200000);
	assert_int_equal(bi.init_size, 0x100000);
	assert_int_equal(bi.pm_offset, 0x800);
	assert_ptr_equal(bi.pm, buf + 0x800);
	assert_int_equal(bi.pm_len, 0x14c);
	assert_ptr_equal(bi.payload, buf + 0x900);
	assert_int_equal(bi.payload_len, 12);
	assert_int_equal(bi.header_len, 0x7b);
	assert_memory_equal(bi.header, buf + 0x1f1, 0x7b);

	/* setup_sects 0 means 4: the protected-mode kernel moves to 0xa00 */
	len = make_bzimage(buf, sizeof(buf), big_lz4, sizeof(big_lz4));
	assert_int_equal(len, 0xc40);
	buf[0x1f1] = 0;
	put32(buf + 0x24c, 0x140);
	if (loader_bzimage_parse(buf, len, "k.bz", &bi, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(bi.setup_sects, 0);
	assert_int_equal(bi.pm_offset, 0xa00);
	assert_int_equal(bi.pm_len, 0x240);
	assert_ptr_equal(bi.payload, buf + 0xb00);
	assert_int_equal(bi.payload_len, 0x140);
	/* the header may extend to 0x290 */
	buf[0x1f1] = 3;
	buf[0x201] = 0x8e;
	if (loader_bzimage_parse(buf, len, "k.bz", &bi, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(bi.header_len, 0x9f);
}

static void expect_bz_error(const uint8_t *buf, size_t len, const char *msg)
{
	struct xsvm_err err = { { 0 } };
	struct bzimage_info bi;
	struct loaded_kernel k;

	assert_int_equal(loader_bzimage_parse(buf, len, "k.bz", &bi, &err),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
	/* the kernel loader reports the same */
	memset(err.msg, 0, sizeof(err.msg));
	ram_reset();
	assert_int_equal(loader_kernel_load(buf, len, "k.bz", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(ram.hva[BZ_PREF_ADDRESS], RAM_FILL);
}

static void test_bzimage_bad_header(void **state)
{
	uint8_t buf[0x1000];
	size_t len;

	(void)state;
	len = make_bzimage(buf, sizeof(buf), lz4_payload, sizeof(lz4_payload));
	put16(buf + 0x1fe, 0);
	expect_bz_error(buf, len,
			"k.bz: setup header: boot_flag is 0x0000, want 0xaa55");
	put16(buf + 0x1fe, 0x55aa);
	expect_bz_error(buf, len,
			"k.bz: setup header: boot_flag is 0x55aa, want 0xaa55");
	put16(buf + 0x1fe, 0xaa55);
	memset(buf + 0x202, 0, 4);
	expect_bz_error(buf, len,
			"k.bz: setup header: header is 0x00000000, want "
			"0x53726448 (\"HdrS\")");
	memcpy(buf + 0x202, "HdrS", 4);
	put16(buf + 0x206, 0x020b);
	expect_bz_error(buf, len,
			"k.bz: setup header: version is 0x020b, want at least "
			"0x020c (64-bit entry)");
	put16(buf + 0x206, 0x020c);
	put16(buf + 0x236, 0x0002);
	expect_bz_error(buf, len,
			"k.bz: setup header: xloadflags is 0x0002, bit 0 "
			"(XLF_KERNEL_64) is clear: the kernel has no 64-bit "
			"entry");
	put16(buf + 0x236, 0x0001);
	buf[0x201] = 0x10;
	expect_bz_error(buf, len,
			"k.bz: setup header: end 0x212 (0x202 + byte 0x10 at "
			"0x201) is outside [0x268, 0x290]");
	buf[0x201] = 0x8f;
	expect_bz_error(buf, len,
			"k.bz: setup header: end 0x291 (0x202 + byte 0x8f at "
			"0x201) is outside [0x268, 0x290]");
	buf[0x201] = 0x66; /* 0x268, the 2.12 header: still fine */
	expect_bz_error(buf, 0x267,
			"k.bz: setup header: file is 615 bytes, too short for "
			"a setup header (0x268 bytes)");
}

/*
 * A header that says it ends past the end of a file just long enough for
 * a 2.12 header (found by fuzz/fuzz_loader.c: the header was copied from
 * beyond the buffer).
 */
static void test_bzimage_header_past_file(void **state)
{
	struct xsvm_err err = { { 0 } };
	struct bzimage_info bi;
	uint8_t *buf = test_malloc(0x1000);
	uint8_t *cut;
	size_t len;

	(void)state;
	len = make_bzimage(buf, 0x1000, lz4_payload, sizeof(lz4_payload));
	buf[0x201] = 0x7a; /* ends at 0x27c */
	/* exactly 0x268 bytes, in a buffer of that size */
	cut = test_malloc(0x268);
	memcpy(cut, buf, 0x268);
	expect_bz_error(cut, 0x268,
			"k.bz: setup header: end 0x27c (0x202 + byte 0x7a at "
			"0x201) is past the end of the file (616 bytes)");
	test_free(cut);
	/* one byte short of the header's end, and then all of it */
	expect_bz_error(buf, 0x27b,
			"k.bz: setup header: end 0x27c (0x202 + byte 0x7a at "
			"0x201) is past the end of the file (635 bytes)");
	if (loader_bzimage_parse(buf, len, "k.bz", &bi, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(bi.header_len, 0x8b);
	test_free(buf);
}

static void test_bzimage_bad_layout(void **state)
{
	uint8_t buf[0x1000];
	size_t len;

	(void)state;
	len = make_bzimage(buf, sizeof(buf), lz4_payload, sizeof(lz4_payload));
	/* truncated before the protected-mode kernel */
	expect_bz_error(buf, 0x800,
			"k.bz: setup header: setup_sects is 3: the "
			"protected-mode kernel at file offset 0x800 is not "
			"inside the file (2048 bytes)");
	expect_bz_error(buf, 0x300,
			"k.bz: setup header: setup_sects is 3: the "
			"protected-mode kernel at file offset 0x800 is not "
			"inside the file (768 bytes)");
	buf[0x1f1] = 31;
	expect_bz_error(buf, len,
			"k.bz: setup header: setup_sects is 31: the "
			"protected-mode kernel at file offset 0x4000 is not "
			"inside the file (2380 bytes)");
	buf[0x1f1] = 3;
	/* the payload runs past the end of the file */
	put32(buf + 0x24c, 0x4d);
	expect_bz_error(buf, len,
			"k.bz: setup header: payload_offset 0x100 + "
			"payload_length 0x4d is outside the protected-mode "
			"kernel (0x14c bytes at file offset 0x800)");
	put32(buf + 0x24c, 0x4c); /* to the last byte: fine */
	{
		struct xsvm_err err = { { 0 } };
		struct bzimage_info bi;

		if (loader_bzimage_parse(buf, len, "k.bz", &bi, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(bi.payload_len, 0x4c);
	}
	put32(buf + 0x248, 0xffffffff);
	put32(buf + 0x24c, 2);
	expect_bz_error(buf, len,
			"k.bz: setup header: payload_offset 0xffffffff + "
			"payload_length 0x2 is outside the protected-mode "
			"kernel (0x14c bytes at file offset 0x800)");
	put32(buf + 0x248, 0x100);
	put32(buf + 0x24c, 0);
	expect_bz_error(buf, len, "k.bz: setup header: payload_length is 0");
	/* neither an ELF nor a bzImage */
	expect_bz_error((const uint8_t *)"hello, world", 12,
			"k.bz: setup header: file is 12 bytes, too short for a "
			"setup header (0x268 bytes)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_parse),
		cmocka_unit_test(test_bzimage_bad_header),
		cmocka_unit_test(test_bzimage_header_past_file),
		cmocka_unit_test(test_bzimage_bad_layout),
	};

	return cmocka_run_group_tests(tests, ram_setup, ram_teardown);
}
