// SPDX-License-Identifier: MIT
/*
 * Tests of loading a kernel file whatever its kind (loader_kernel_load in
 * vmm/loader_bzimage.c): bzImages whose payloads are compressed here with
 * the libraries' own encoders, payloads xsvm does not decompress, a plain
 * ELF file, and Debian's kernel when present.
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

#include "loader_util.h"
#include "test_util.h"
#include "vmm/decompress.h"
#include "vmm/loader_bzimage.h"
#include "vmm/loader_elf.h"

#define DEBIAN_VMLINUZ	  XSVM_TEST_DATA "/../../build/guest-linux/vmlinuz"

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
		cmocka_unit_test(test_kernel_load_compressed),
		cmocka_unit_test(test_kernel_load_payload_errors),
		cmocka_unit_test(test_kernel_load_lz4),
		cmocka_unit_test(test_kernel_load_elf),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, ram_setup, ram_teardown);
}
