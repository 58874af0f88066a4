// SPDX-License-Identifier: MIT
/*
 * Tests of the ELF loader (vmm/loader_elf.c), on ELF images built here in
 * memory (loader_util.c).
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
#include <elf.h>

#include "loader_util.h"
#include "vmm/loader_elf.h"

static void expect_elf_error(const uint8_t *buf, size_t len, const char *msg)
{
	struct xsvm_err err = { { 0 } };
	struct loaded_kernel k;

	memset(&k, 0x5a, sizeof(k));
	ram_reset();
	assert_int_equal(loader_elf_load(buf, len, "k.elf", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg, msg);
	/* nothing was written to RAM, k is untouched */
	assert_int_equal(ram.hva[0x100000], RAM_FILL);
	assert_int_equal(ram.hva[0x200000], RAM_FILL);
	assert_int_equal(k.entry, 0x5a5a5a5a5a5a5a5aull);
}

static void test_elf_load(void **state)
{
	struct xsvm_err err = { { 0 } };
	uint8_t buf[ELF_MAX];
	struct loaded_kernel k;
	size_t len;

	(void)state;
	len = make_elf(buf, std_segs, STD_NSEGS, STD_ENTRY);
	assert_int_equal(len, 0x610);
	ram_reset();
	if (loader_elf_load(buf, len, "k.elf", &ram, &k, &err))
		fail_msg("%s", err.msg);
	check_std_ram();
	/* high virtual entry, translated by the first PT_LOAD's offset */
	assert_int_equal(k.entry, 0x100040);
	assert_int_equal(k.lo, 0x100000);
	assert_int_equal(k.hi, 0x201000);
	assert_string_equal(k.format, "elf");
	assert_false(k.has_setup_header);
	assert_int_equal(k.setup_header_len, 0);
	assert_string_equal(k.note, "");
}

static void test_elf_entry(void **state)
{
	struct xsvm_err err = { { 0 } };
	uint8_t buf[ELF_MAX];
	struct loaded_kernel k;
	size_t len;

	(void)state;
	/* a physical e_entry is used as it is */
	len = make_elf(buf, std_segs, STD_NSEGS, 0x200010);
	ram_reset();
	if (loader_elf_load(buf, len, "k.elf", &ram, &k, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(k.entry, 0x200010);
	/* the last byte of bss is a valid entry, one past it is not */
	len = make_elf(buf, std_segs, STD_NSEGS, 0xffffffff81100fffull);
	if (loader_elf_load(buf, len, "k.elf", &ram, &k, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(k.entry, 0x200fff);
	len = make_elf(buf, std_segs, STD_NSEGS, 0xffffffff81101000ull);
	expect_elf_error(buf, len,
			 "k.elf: entry 0x201000 (e_entry 0xffffffff81101000) "
			 "is not inside any PT_LOAD segment");
	len = make_elf(buf, std_segs, STD_NSEGS, 0x300);
	expect_elf_error(buf, len,
			 "k.elf: entry 0x300 (e_entry 0x300) is not inside any "
			 "PT_LOAD segment");
}

static void test_elf_outside_ram(void **state)
{
	struct seg s[STD_NSEGS];
	uint8_t buf[ELF_MAX];
	size_t len;

	(void)state;
	memcpy(s, std_segs, sizeof(s));
	s[2].paddr = 0x3ff800; /* 0x800 bytes of it past the end */
	len = make_elf(buf, s, STD_NSEGS, STD_ENTRY);
	expect_elf_error(buf, len,
			 "k.elf: segment 2: paddr 0x3ff800 memsz 0x1000 is "
			 "outside RAM (0x400000 bytes)");
	/* ending exactly at the end of RAM is fine */
	s[2].paddr = 0x3ff000;
	len = make_elf(buf, s, STD_NSEGS, STD_ENTRY);
	ram_reset();
	{
		struct xsvm_err err = { { 0 } };
		struct loaded_kernel k;

		if (loader_elf_load(buf, len, "k.elf", &ram, &k, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(k.hi, RAM_SIZE);
		assert_int_equal(ram.hva[RAM_SIZE - 1], 0);
	}
	/* a range that wraps around the address space */
	s[2].paddr = 0xfffffffffffff800ull;
	len = make_elf(buf, s, STD_NSEGS, STD_ENTRY);
	expect_elf_error(buf, len,
			 "k.elf: segment 2: paddr 0xfffffffffffff800 memsz "
			 "0x1000 is outside RAM (0x400000 bytes)");
}

static void test_elf_truncated(void **state)
{
	uint8_t buf[ELF_MAX];
	size_t len;

	(void)state;
	len = make_elf(buf, std_segs, STD_NSEGS, STD_ENTRY);
	/* the last segment's file bytes are cut */
	expect_elf_error(buf, len - 1,
			 "k.elf: segment 2: file bytes at offset 0x510, size "
			 "0x100 are outside the file (1551 bytes)");
	expect_elf_error(buf, 0x300,
			 "k.elf: segment 0: file bytes at offset 0x200, size "
			 "0x300 are outside the file (768 bytes)");
	/* the program header table is cut */
	expect_elf_error(buf, 0x80,
			 "k.elf: 3 program headers at 0x40 end past the end of "
			 "the file (128 bytes)");
	expect_elf_error(buf, 40,
			 "k.elf: truncated: 40 bytes, the ELF header needs 64");
	expect_elf_error(buf, 10,
			 "k.elf: truncated: 10 bytes, the ELF identification "
			 "needs 16");
	expect_elf_error(buf, 3, "k.elf: not an ELF file (no \\177ELF magic)");
	/* e_phoff beyond the file */
	put64(buf + offsetof(Elf64_Ehdr, e_phoff), 0x10000);
	expect_elf_error(buf, len,
			 "k.elf: e_phoff 0x10000 is outside the file (1552 "
			 "bytes)");
}

static void test_elf_wrong_kind(void **state)
{
	uint8_t buf[ELF_MAX];
	size_t len;

	(void)state;
	len = make_elf(buf, std_segs, STD_NSEGS, STD_ENTRY);
	buf[EI_CLASS] = ELFCLASS32;
	expect_elf_error(buf, len, "k.elf: ELF class is 1, want 2 (ELFCLASS64)");
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2MSB;
	expect_elf_error(buf, len,
			 "k.elf: ELF data encoding is 2, want 1 (ELFDATA2LSB)");
	buf[EI_DATA] = ELFDATA2LSB;
	put16(buf + offsetof(Elf64_Ehdr, e_machine), EM_386);
	expect_elf_error(buf, len, "k.elf: e_machine is 3, want 62 (EM_X86_64)");
	put16(buf + offsetof(Elf64_Ehdr, e_machine), EM_AARCH64);
	expect_elf_error(buf, len,
			 "k.elf: e_machine is 183, want 62 (EM_X86_64)");
	put16(buf + offsetof(Elf64_Ehdr, e_machine), EM_X86_64);
	put16(buf + offsetof(Elf64_Ehdr, e_type), ET_DYN);
	expect_elf_error(buf, len, "k.elf: e_type is 3, want 2 (ET_EXEC)");
	put16(buf + offsetof(Elf64_Ehdr, e_type), ET_EXEC);
	put16(buf + offsetof(Elf64_Ehdr, e_phentsize), 32);
	expect_elf_error(buf, len, "k.elf: e_phentsize is 32, want 56");
	put16(buf + offsetof(Elf64_Ehdr, e_phentsize), sizeof(Elf64_Phdr));
	buf[0] = 'M';
	expect_elf_error(buf, len, "k.elf: not an ELF file (no \\177ELF magic)");
}

/* More than 0xfffe program headers: e_phnum PN_XNUM, count in section 0. */
static void test_elf_pn_xnum(void **state)
{
	struct xsvm_err err = { { 0 } };
	uint8_t buf[ELF_MAX];
	struct loaded_kernel k;
	Elf64_Shdr sh;
	size_t len;

	(void)state;
	len = make_elf(buf, std_segs, STD_NSEGS, STD_ENTRY);
	memset(&sh, 0, sizeof(sh));
	sh.sh_info = STD_NSEGS;
	memcpy(buf + len, &sh, sizeof(sh));
	put64(buf + offsetof(Elf64_Ehdr, e_shoff), len);
	put16(buf + offsetof(Elf64_Ehdr, e_shentsize), sizeof(sh));
	put16(buf + offsetof(Elf64_Ehdr, e_shnum), 1);
	put16(buf + offsetof(Elf64_Ehdr, e_phnum), PN_XNUM);
	len += sizeof(sh);
	ram_reset();
	if (loader_elf_load(buf, len, "k.elf", &ram, &k, &err))
		fail_msg("%s", err.msg);
	check_std_ram();
	assert_int_equal(k.hi, 0x201000);
	/* a count larger than the file holds */
	sh.sh_info = 40;
	memcpy(buf + len - sizeof(sh), &sh, sizeof(sh));
	expect_elf_error(buf, len,
			 "k.elf: 40 program headers at 0x40 end past the end "
			 "of the file (1616 bytes)");
}

static void test_elf_bad_segments(void **state)
{
	struct seg s[STD_NSEGS];
	uint8_t buf[ELF_MAX];
	size_t len;

	(void)state;
	memcpy(s, std_segs, sizeof(s));
	s[0].memsz = 0x2ff;
	len = make_elf(buf, s, STD_NSEGS, STD_ENTRY);
	expect_elf_error(buf, len,
			 "k.elf: segment 0: p_filesz 0x300 is larger than "
			 "p_memsz 0x2ff");
	/* only a note: nothing to load */
	len = make_elf(buf, &std_segs[1], 1, 0x100000);
	expect_elf_error(buf, len, "k.elf: no PT_LOAD segment with memory");
	len = make_elf(buf, std_segs, 0, 0x100000);
	expect_elf_error(buf, len, "k.elf: no program headers");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_load),
		cmocka_unit_test(test_elf_entry),
		cmocka_unit_test(test_elf_outside_ram),
		cmocka_unit_test(test_elf_truncated),
		cmocka_unit_test(test_elf_wrong_kind),
		cmocka_unit_test(test_elf_pn_xnum),
		cmocka_unit_test(test_elf_bad_segments),
	};

	return cmocka_run_group_tests(tests, ram_setup, ram_teardown);
}
