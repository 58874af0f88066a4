// SPDX-License-Identifier: MIT
/*
 * Tests of the kernel loaders (vmm/loader_elf.c, vmm/loader_bzimage.c).
 * ELF images and bzImages are built here in memory, payloads compressed
 * with the libraries' own encoders; Debian's kernel is used when present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <elf.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "test_util.h"
#include "vmm/decompress.h"
#include "vmm/loader_bzimage.h"
#include "vmm/loader_elf.h"

#define RAM_SIZE     0x400000u /* 4 MiB of guest RAM */
#define RAM_FILL     0xcc      /* bytes no loader wrote */
#define ELF_DATA_OFF 0x200u
#define ELF_MAX	     0x4000u

#define BZ_SETUP_SECTS	  3u
#define BZ_PM_OFF	  0x800u /* (3 + 1) * 512 */
#define BZ_PAYLOAD_OFF	  0x100u /* from the protected-mode start */
#define BZ_PM_TAIL	  0x40u
#define BZ_HDR_END	  0x26cu /* 0x202 + 0x6a */
#define BZ_PREF_ADDRESS	  0x200000u
#define BZ_INIT_SIZE	  0x100000u
#define DEBIAN_VMLINUZ	  XSVM_TEST_DATA "/../../build/guest-linux/vmlinuz"

struct seg {
	uint32_t type;
	uint64_t vaddr, paddr, filesz, memsz;
};

/* The standard test kernel: text, a note (not loaded), data + bss. */
static const struct seg std_segs[] = {
	{ PT_LOAD, 0xffffffff81000000ull, 0x100000, 0x300, 0x300 },
	{ PT_NOTE, 0xffffffff81000300ull, 0, 0x10, 0x10 },
	{ PT_LOAD, 0xffffffff81200000ull, 0x200000, 0x100, 0x1000 },
};
#define STD_NSEGS 3u
#define STD_ENTRY 0xffffffff81000040ull

static struct guest_mem ram;

static int ram_setup(void **state)
{
	(void)state;
	ram.size = RAM_SIZE;
	ram.hva = malloc(RAM_SIZE);
	return ram.hva ? 0 : -1;
}

static int ram_teardown(void **state)
{
	(void)state;
	free(ram.hva);
	return 0;
}

static void ram_reset(void)
{
	memset(ram.hva, RAM_FILL, RAM_SIZE);
}

/* File byte j of segment i. */
static uint8_t seg_byte(unsigned int i, uint64_t j)
{
	return (uint8_t)(0x11 * (i + 1) + j);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* An ELF64 x86-64 executable; segment data from ELF_DATA_OFF on. */
static size_t make_elf(uint8_t *buf, const struct seg *s, unsigned int n,
		       uint64_t entry)
{
	Elf64_Ehdr eh;
	uint64_t off = ELF_DATA_OFF;

	memset(buf, 0, ELF_MAX);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)n;
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned int i = 0; i < n; i++) {
		Elf64_Phdr ph;

		memset(&ph, 0, sizeof(ph));
		ph.p_type = s[i].type;
		ph.p_flags = PF_R;
		ph.p_offset = off;
		ph.p_vaddr = s[i].vaddr;
		ph.p_paddr = s[i].paddr;
		ph.p_filesz = s[i].filesz;
		ph.p_memsz = s[i].memsz;
		ph.p_align = 0x10;
		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		assert_true(off + s[i].filesz <= ELF_MAX);
		for (uint64_t j = 0; j < s[i].filesz; j++)
			buf[off + j] = seg_byte(i, j);
		off += s[i].filesz;
	}
	return off;
}

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

/* The standard segments are in RAM: bytes, bss, untouched neighbours. */
static void check_std_ram(void)
{
	for (uint64_t j = 0; j < 0x300; j++)
		assert_int_equal(ram.hva[0x100000 + j], seg_byte(0, j));
	for (uint64_t j = 0; j < 0x100; j++)
		assert_int_equal(ram.hva[0x200000 + j], seg_byte(2, j));
	for (uint64_t j = 0x100; j < 0x1000; j++)
		assert_int_equal(ram.hva[0x200000 + j], 0);
	assert_int_equal(ram.hva[0x0fffff], RAM_FILL);
	assert_int_equal(ram.hva[0x100300], RAM_FILL);
	assert_int_equal(ram.hva[0x1fffff], RAM_FILL);
	assert_int_equal(ram.hva[0x201000], RAM_FILL);
	/* the PT_NOTE (paddr 0) is not loaded */
	for (uint64_t j = 0; j < 0x10; j++)
		assert_int_equal(ram.hva[j], RAM_FILL);
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

/* A bzImage around payload; pattern bytes wherever no field is set. */
static size_t make_bzimage(uint8_t *buf, size_t cap, const uint8_t *payload,
			   size_t plen)
{
	size_t len = BZ_PM_OFF + BZ_PAYLOAD_OFF + plen + BZ_PM_TAIL;

	assert_true(len <= cap);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	buf[0x1f1] = BZ_SETUP_SECTS;
	put16(buf + 0x1fe, 0xaa55);
	buf[0x200] = 0xeb; /* jmp short to the end of the header */
	buf[0x201] = BZ_HDR_END - 0x202;
	memcpy(buf + 0x202, "HdrS", 4);
	put16(buf + 0x206, 0x020f);
	buf[0x211] = 0x01;
	put32(buf + 0x22c, 0x7fffffff);
	put32(buf + 0x230, 0x200000);
	buf[0x234] = 1;
	put16(buf + 0x236, 0x0003);
	put32(buf + 0x238, 0x7ff);
	put32(buf + 0x248, BZ_PAYLOAD_OFF);
	put32(buf + 0x24c, (uint32_t)plen);
	put64(buf + 0x258, BZ_PREF_ADDRESS);
	put32(buf + 0x260, BZ_INIT_SIZE);
	memcpy(buf + BZ_PM_OFF + BZ_PAYLOAD_OFF, payload, plen);
	return len;
}

static const uint8_t lz4_payload[] = { 0x02, 0x21, 0x4c, 0x18, 0x10, 0,
				       0,    0,    1,    2,    3,    4 };

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

enum codec { XZ, ZSTD, GZIP };
static const char *const codec_name[] = { "xz", "zstd", "gzip" };

/* Compress in with the library's encoder and append the 4-byte size. */
static uint8_t *compress_payload(enum codec c, const uint8_t *in, size_t len,
				 size_t *out_len)
{
	size_t cap = len * 2 + 1024, n = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	if (c == XZ) {
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32,
							 NULL, in, len, out, &n,
							 cap),
				 LZMA_OK);
	} else if (c == ZSTD) {
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		assert_non_null(cc);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		n = ZSTD_compress2(cc, out, cap, in, len);
		assert_false(ZSTD_isError(n));
		ZSTD_freeCCtx(cc);
	} else {
		z_stream zs;

		memset(&zs, 0, sizeof(zs));
		assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
					      Z_DEFAULT_STRATEGY),
				 Z_OK);
		zs.next_in = (Bytef *)in;
		zs.avail_in = (uInt)len;
		zs.next_out = out;
		zs.avail_out = (uInt)cap;
		assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
		n = zs.total_out;
		deflateEnd(&zs);
	}
	put32(out + n, (uint32_t)len);
	*out_len = n + 4;
	return out;
}

/* Offset in a compressed payload of a byte whose change the codec sees. */
static size_t corrupt_offset(enum codec c, size_t plen)
{
	switch (c) {
	case XZ:
		return plen / 2;
	case ZSTD:
		return plen - 4 - 1; /* content checksum */
	default:
		return plen - 4 - 8; /* gzip CRC32 */
	}
}

static const char *const corrupt_msg[] = {
	"k.bz: payload: xz: liblzma: compressed data is corrupt "
	"(LZMA_DATA_ERROR)",
	"k.bz: payload: zstd: libzstd: Restored data doesn't match checksum",
	"k.bz: payload: gzip: zlib: incorrect data check",
};

static void test_kernel_load_compressed(void **state)
{
	uint8_t elf[ELF_MAX], bz[ELF_MAX * 2];
	size_t elf_len;

	(void)state;
	elf_len = make_elf(elf, std_segs, STD_NSEGS, STD_ENTRY);
	for (enum codec c = XZ; c <= GZIP; c++) {
		struct xsvm_err err = { { 0 } };
		struct loaded_kernel k;
		size_t plen, len;
		uint8_t *p = compress_payload(c, elf, elf_len, &plen);

		len = make_bzimage(bz, sizeof(bz), p, plen);
		ram_reset();
		if (loader_kernel_load(bz, len, "k.bz", &ram, &k, &err))
			fail_msg("%s: %s", codec_name[c], err.msg);
		check_std_ram();
		assert_string_equal(k.format, codec_name[c]);
		assert_int_equal(k.entry, 0x100040);
		assert_int_equal(k.lo, 0x100000);
		assert_int_equal(k.hi, 0x201000);
		assert_true(k.has_setup_header);
		assert_int_equal(k.setup_header_len, 0x7b);
		assert_memory_equal(k.setup_header, bz + 0x1f1, 0x7b);
		assert_string_equal(k.note, "");

		/* a corrupt payload: nothing loaded, the file named */
		bz[BZ_PM_OFF + BZ_PAYLOAD_OFF + corrupt_offset(c, plen)] ^= 1;
		ram_reset();
		assert_int_equal(loader_kernel_load(bz, len, "k.bz", &ram, &k,
						    &err),
				 -EINVAL);
		assert_string_equal(err.msg, corrupt_msg[c]);
		assert_int_equal(ram.hva[0x100000], RAM_FILL);
		free(p);
	}
}

static void test_kernel_load_payload_errors(void **state)
{
	static const uint8_t junk[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct xsvm_err err = { { 0 } };
	uint8_t elf[ELF_MAX], bz[ELF_MAX * 2];
	struct loaded_kernel k;
	struct seg s[STD_NSEGS];
	size_t elf_len, plen, len;
	uint8_t *p;

	(void)state;
	/* the decompressed ELF is checked like any other, named as such */
	memcpy(s, std_segs, sizeof(s));
	s[2].paddr = 0x3ff800;
	elf_len = make_elf(elf, s, STD_NSEGS, STD_ENTRY);
	p = compress_payload(GZIP, elf, elf_len, &plen);
	len = make_bzimage(bz, sizeof(bz), p, plen);
	assert_int_equal(loader_kernel_load(bz, len, "k.bz", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: payload: segment 2: paddr 0x3ff800 memsz "
			    "0x1000 is outside RAM (0x400000 bytes)");
	free(p);
	/* a payload that is no ELF */
	p = compress_payload(XZ, (const uint8_t *)"MZ not an ELF", 13, &plen);
	len = make_bzimage(bz, sizeof(bz), p, plen);
	assert_int_equal(loader_kernel_load(bz, len, "k.bz", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: payload: not an ELF file (no \\177ELF "
			    "magic)");
	free(p);
	/* a payload in no known format */
	len = make_bzimage(bz, sizeof(bz), junk, sizeof(junk));
	assert_int_equal(loader_kernel_load(bz, len, "k.bz", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: payload: compression format not recognised "
			    "(first bytes 00 01 02 03 04 05; known: xz, zstd, "
			    "gzip, lz4, lzma, bzip2)");
}

static void test_kernel_load_lz4(void **state)
{
	struct xsvm_err err = { { 0 } };
	struct loaded_kernel k;
	uint8_t buf[0x1000];
	size_t len;

	(void)state;
	len = make_bzimage(buf, sizeof(buf), lz4_payload, sizeof(lz4_payload));
	ram_reset();
	if (loader_kernel_load(buf, len, "k.bz", &ram, &k, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(k.format, "lz4");
	assert_int_equal(k.entry, 0x200200);
	assert_int_equal(k.lo, 0x200000);
	assert_int_equal(k.hi, 0x300000); /* init_size */
	assert_string_equal(k.note,
			    "payload format lz4 is not decompressed by xsvm: "
			    "entering the bzImage's 64-bit entry");
	assert_true(k.has_setup_header);
	assert_int_equal(k.setup_header_len, 0x7b);
	assert_memory_equal(k.setup_header, buf + 0x1f1, 0x7b);
	/* the whole protected-mode kernel, and nothing else */
	assert_memory_equal(ram.hva + 0x200000, buf + 0x800, 0x14c);
	assert_int_equal(ram.hva[0x1fffff], RAM_FILL);
	assert_int_equal(ram.hva[0x20014c], RAM_FILL);

	/* no pref_address: 1 MiB; init_size smaller than the file part */
	put64(buf + 0x258, 0);
	put32(buf + 0x260, 0x10);
	ram_reset();
	if (loader_kernel_load(buf, len, "k.bz", &ram, &k, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(k.entry, 0x100200);
	assert_int_equal(k.lo, 0x100000);
	assert_int_equal(k.hi, 0x10014c);
	assert_memory_equal(ram.hva + 0x100000, buf + 0x800, 0x14c);

	/* lzma and bzip2 take the same path */
	memcpy(buf + 0x900, "BZh9", 4);
	if (loader_kernel_load(buf, len, "k.bz", &ram, &k, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(k.format, "bzip2");
	assert_string_equal(k.note,
			    "payload format bzip2 is not decompressed by xsvm: "
			    "entering the bzImage's 64-bit entry");

	/* init_size beyond RAM */
	put64(buf + 0x258, BZ_PREF_ADDRESS);
	put32(buf + 0x260, 0x200001);
	ram_reset();
	assert_int_equal(loader_kernel_load(buf, len, "k.bz", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "k.bz: protected-mode kernel at 0x200000 needs "
			    "0x200001 bytes (0x14c in the file, init_size "
			    "0x200001), outside RAM (0x400000 bytes)");
	assert_int_equal(ram.hva[0x200000], RAM_FILL);
}

static void test_kernel_load_elf(void **state)
{
	struct xsvm_err err = { { 0 } };
	uint8_t buf[ELF_MAX];
	struct loaded_kernel k;
	size_t len;

	(void)state;
	len = make_elf(buf, std_segs, STD_NSEGS, STD_ENTRY);
	ram_reset();
	if (loader_kernel_load(buf, len, "k.elf", &ram, &k, &err))
		fail_msg("%s", err.msg);
	check_std_ram();
	assert_string_equal(k.format, "elf");
	assert_int_equal(k.entry, 0x100040);
	assert_false(k.has_setup_header);
	buf[EI_CLASS] = ELFCLASS32;
	assert_int_equal(loader_kernel_load(buf, len, "k.elf", &ram, &k, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "k.elf: ELF class is 1, want 2 (ELFCLASS64)");
}

/* Debian's kernel, fetched by tools/fetch-guest.sh (CI always has it). */
static void test_debian_kernel(void **state)
{
	struct xsvm_err err = { { 0 } };
	struct bzimage_info bi;
	struct loaded_kernel k;
	struct guest_mem big;
	const char *format = NULL;
	Elf64_Ehdr eh;
	Elf64_Phdr ph = { 0 };
	uint8_t *buf, *out;
	size_t len, out_len;
	uint64_t entry;
	struct stat st;

	(void)state;
	if (stat(DEBIAN_VMLINUZ, &st)) {
		print_message("test_debian_kernel: %s is absent (made by "
			      "tools/fetch-guest.sh): skipped\n",
			      DEBIAN_VMLINUZ);
		skip();
	}
	buf = (uint8_t *)test_read_file(DEBIAN_VMLINUZ, &len);
	if (loader_bzimage_parse(buf, len, "vmlinuz", &bi, &err))
		fail_msg("%s", err.msg);
	assert_true(bi.version >= 0x020c);
	assert_int_equal(bi.pref_address, 0x1000000);
	assert_int_equal(bi.header_len, 0x202 + buf[0x201] - 0x1f1);
	if (decompress_payload(bi.payload, bi.payload_len, &out, &out_len,
			       BZIMAGE_MAX_VMLINUX, &format, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(format, "xz");
	/* the kernel build appends the decompressed size to the payload */
	assert_int_equal(out_len, bi.payload[bi.payload_len - 4] |
					  bi.payload[bi.payload_len - 3] << 8 |
					  bi.payload[bi.payload_len - 2] << 16 |
					  (uint32_t)bi.payload[bi.payload_len -
							       1] << 24);
	assert_true(out_len > sizeof(eh));
	memcpy(&eh, out, sizeof(eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_machine, EM_X86_64);
	assert_int_equal(eh.e_type, ET_EXEC);
	/* the entry, translated like the loader does, is startup_64 */
	assert_true(eh.e_phnum > 0);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, out + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD)
			break;
	}
	assert_int_equal(ph.p_type, PT_LOAD);
	entry = eh.e_entry;
	if (entry >= LOADER_KERNEL_VBASE)
		entry -= ph.p_vaddr - ph.p_paddr;
	assert_int_equal(entry, 0x1000000);

	/* the whole path into 512 MiB of guest RAM */
	big.size = 512u << 20;
	big.hva = mmap(NULL, big.size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(big.hva != MAP_FAILED);
	if (loader_kernel_load(buf, len, "vmlinuz", &big, &k, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(k.format, "xz");
	assert_int_equal(k.entry, 0x1000000);
	assert_int_equal(k.lo, 0x1000000);
	assert_true(k.hi > k.lo && k.hi <= k.lo + bi.init_size);
	assert_true(k.has_setup_header);
	assert_int_equal(k.setup_header_len, bi.header_len);
	assert_memory_equal(k.setup_header, buf + 0x1f1, bi.header_len);
	assert_memory_equal(big.hva + ph.p_paddr, out + ph.p_offset, 4096);
	munmap(big.hva, big.size);
	free(out);
	free(buf);
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
		cmocka_unit_test(test_bzimage_parse),
		cmocka_unit_test(test_bzimage_bad_header),
		cmocka_unit_test(test_bzimage_header_past_file),
		cmocka_unit_test(test_bzimage_bad_layout),
		cmocka_unit_test(test_kernel_load_compressed),
		cmocka_unit_test(test_kernel_load_payload_errors),
		cmocka_unit_test(test_kernel_load_lz4),
		cmocka_unit_test(test_kernel_load_elf),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, ram_setup, ram_teardown);
}
