// SPDX-License-Identifier: MIT
/*
 * Tests of payload decompression (vmm/decompress.c): data compressed here
 * with the libraries' own encoders is decompressed and compared; corrupt,
 * truncated, oversized and unsupported inputs give exact errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "test_util.h"
#include "vmm/decompress.h"

#define DATA_LEN 300000u

/* Compressible but not trivial: runs of a slowly changing pattern. */
static uint8_t *make_data(size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	uint32_t x = 12345;

	assert_non_null(p);
	for (size_t i = 0; i < len; i++) {
		if (i % 64 == 0)
			x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)((x >> 16) + i % 7);
	}
	return p;
}

/* Compressed buffers get 8 spare bytes so tests can append to them. */
static uint8_t *compress_xz(const uint8_t *in, size_t len, size_t *out_len)
{
	size_t cap = lzma_stream_buffer_bound(len) + 8, pos = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in,
						 len, out, &pos, cap),
			 LZMA_OK);
	*out_len = pos;
	return out;
}

/* A frame with a content checksum and, when !known, no content size. */
static uint8_t *compress_zstd(const uint8_t *in, size_t len, bool known,
			      size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len) + 8, r;
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *c = ZSTD_createCCtx();

	assert_non_null(out);
	assert_non_null(c);
	assert_false(ZSTD_isError(
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
	if (known) {
		r = ZSTD_compress2(c, out, cap, in, len);
		assert_false(ZSTD_isError(r));
		*out_len = r;
	} else {
		ZSTD_inBuffer ib = { in, len, 0 };
		ZSTD_outBuffer ob = { out, cap, 0 };

		/* streaming without a pledged size: frame size unknown */
		do {
			r = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
			assert_false(ZSTD_isError(r));
		} while (r);
		*out_len = ob.pos;
	}
	ZSTD_freeCCtx(c);
	return out;
}

static uint8_t *compress_gzip(const uint8_t *in, size_t len, size_t *out_len)
{
	z_stream zs;
	uint8_t *out;
	size_t cap;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	cap = deflateBound(&zs, len) + 8;
	out = malloc(cap);
	assert_non_null(out);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

enum codec { XZ, ZSTD, ZSTD_UNKNOWN_SIZE, GZIP };

static uint8_t *compress_with(enum codec c, const uint8_t *in, size_t len,
			      size_t *out_len)
{
	switch (c) {
	case XZ:
		return compress_xz(in, len, out_len);
	case ZSTD:
		return compress_zstd(in, len, true, out_len);
	case ZSTD_UNKNOWN_SIZE:
		return compress_zstd(in, len, false, out_len);
	default:
		return compress_gzip(in, len, out_len);
	}
}

static const char *const codec_format[] = { "xz", "zstd", "zstd", "gzip" };

static void roundtrip(enum codec c, size_t len, bool trailer)
{
	struct xsvm_err err = { { 0 } };
	uint8_t *data = make_data(len), *z, *out;
	const char *format = NULL;
	size_t zlen, out_len;

	z = compress_with(c, data, len, &zlen);
	if (trailer) { /* the kernel build appends the size, little-endian */
		z[zlen++] = (uint8_t)len;
		z[zlen++] = (uint8_t)(len >> 8);
		z[zlen++] = (uint8_t)(len >> 16);
		z[zlen++] = (uint8_t)(len >> 24);
	}
	if (decompress_payload(z, zlen, &out, &out_len, len, &format, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(format, codec_format[c]);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, data, len);
	free(out);
	free(z);
	free(data);
}

static void test_format_detect(void **state)
{
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 1 };
	static const uint8_t zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const uint8_t gz[] = { 0x1f, 0x8b, 8 };
	static const uint8_t lz4[] = { 0x02, 0x21, 0x4c, 0x18, 0 };
	static const uint8_t lz4f[] = { 0x04, 0x22, 0x4d, 0x18 };
	static const uint8_t lzma[] = { 0x5d, 0, 0, 0x80 };
	static const uint8_t bz2[] = { 'B', 'Z', 'h', '9' };
	static const uint8_t elf[] = { 0x7f, 'E', 'L', 'F' };

	(void)state;
	assert_string_equal(decompress_format(xz, sizeof(xz)), "xz");
	assert_string_equal(decompress_format(zstd, sizeof(zstd)), "zstd");
	assert_string_equal(decompress_format(gz, sizeof(gz)), "gzip");
	assert_string_equal(decompress_format(lz4, sizeof(lz4)), "lz4");
	assert_string_equal(decompress_format(lz4f, sizeof(lz4f)), "lz4");
	assert_string_equal(decompress_format(lzma, sizeof(lzma)), "lzma");
	assert_string_equal(decompress_format(bz2, sizeof(bz2)), "bzip2");
	assert_null(decompress_format(elf, sizeof(elf)));
	/* a magic is matched only in full */
	assert_null(decompress_format(xz, 5));
	assert_null(decompress_format(zstd, 3));
	assert_null(decompress_format(gz, 0));
}

static void test_roundtrip_xz(void **state)
{
	(void)state;
	roundtrip(XZ, DATA_LEN, false);
	roundtrip(XZ, DATA_LEN, true);
	roundtrip(XZ, 0, false);
}

static void test_roundtrip_zstd(void **state)
{
	(void)state;
	roundtrip(ZSTD, DATA_LEN, false);
	roundtrip(ZSTD, DATA_LEN, true);
	roundtrip(ZSTD_UNKNOWN_SIZE, DATA_LEN, false);
	roundtrip(ZSTD_UNKNOWN_SIZE, DATA_LEN, true);
}

static void test_roundtrip_gzip(void **state)
{
	(void)state;
	roundtrip(GZIP, DATA_LEN, false);
	roundtrip(GZIP, DATA_LEN, true);
	roundtrip(GZIP, 1, false);
}

/* 8 MiB of zeros compress to a few KiB: the buffer must grow many times. */
static void test_output_grows(void **state)
{
	const size_t len = 8u << 20;
	uint8_t *zeros = calloc(1, len);

	(void)state;
	assert_non_null(zeros);
	for (enum codec c = XZ; c <= GZIP; c++) {
		struct xsvm_err err = { { 0 } };
		size_t zlen, out_len;
		uint8_t *z = compress_with(c, zeros, len, &zlen), *out;

		assert_true(zlen < 64 * 1024);
		if (decompress_payload(z, zlen, &out, &out_len, 1u << 30, NULL,
				       &err))
			fail_msg("%s", err.msg);
		assert_int_equal(out_len, len);
		assert_memory_equal(out, zeros, len);
		free(out);
		free(z);
	}
	free(zeros);
}

/* Exactly max_out bytes are accepted; one more is -EFBIG. */
static void test_max_out(void **state)
{
	const size_t len = 200000;
	uint8_t *data = make_data(len);

	(void)state;
	for (enum codec c = XZ; c <= GZIP; c++) {
		struct xsvm_err err = { { 0 } };
		size_t zlen, out_len = 99;
		uint8_t *z = compress_with(c, data, len, &zlen), *out;
		char want[128];

		assert_int_equal(decompress_payload(z, zlen, &out, &out_len,
						    len, NULL, &err),
				 0);
		assert_int_equal(out_len, len);
		free(out);
		out = (uint8_t *)1;
		assert_int_equal(decompress_payload(z, zlen, &out, &out_len,
						    len - 1, NULL, &err),
				 -EFBIG);
		assert_null(out);
		assert_int_equal(out_len, 0);
		snprintf(want, sizeof(want),
			 "%s: decompressed data exceeds the limit of 199999 "
			 "bytes",
			 codec_format[c]);
		assert_string_equal(err.msg, want);
		/* a limit far below the start capacity */
		assert_int_equal(decompress_payload(z, zlen, &out, &out_len,
						    1000, NULL, &err),
				 -EFBIG);
		free(z);
	}
	free(data);
}

static void expect_einval(const uint8_t *z, size_t zlen, const char *msg)
{
	struct xsvm_err err = { { 0 } };
	uint8_t *out = (uint8_t *)1;
	size_t out_len = 99;

	assert_int_equal(decompress_payload(z, zlen, &out, &out_len, 1u << 24,
					    NULL, &err),
			 -EINVAL);
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_string_equal(err.msg, msg);
}

static void test_corrupt_xz(void **state)
{
	uint8_t *data = make_data(DATA_LEN), *z;
	size_t zlen;

	(void)state;
	z = compress_xz(data, DATA_LEN, &zlen);
	z[zlen / 2] ^= 0x55;
	expect_einval(z, zlen,
		      "xz: liblzma: compressed data is corrupt "
		      "(LZMA_DATA_ERROR)");
	z[zlen / 2] ^= 0x55;
	z[8] ^= 1; /* the stream header's CRC32 */
	expect_einval(z, zlen,
		      "xz: liblzma: compressed data is corrupt "
		      "(LZMA_DATA_ERROR)");
	z[8] ^= 1;
	expect_einval(z, zlen / 2,
		      "xz: liblzma: compressed data is truncated "
		      "(LZMA_BUF_ERROR)");
	expect_einval(z, 6,
		      "xz: liblzma: compressed data is truncated "
		      "(LZMA_BUF_ERROR)");
	free(z);
	free(data);
}

static void test_corrupt_zstd(void **state)
{
	uint8_t *data = make_data(DATA_LEN), *z;
	size_t zlen;

	(void)state;
	z = compress_zstd(data, DATA_LEN, true, &zlen);
	z[zlen - 1] ^= 0x55; /* the content checksum */
	expect_einval(z, zlen,
		      "zstd: libzstd: Restored data doesn't match checksum");
	z[zlen - 1] ^= 0x55;
	z[4] |= 0x08; /* reserved bit of the frame header descriptor */
	expect_einval(z, zlen, "zstd: libzstd: Unsupported frame parameter");
	z[4] &= ~0x08;
	expect_einval(z, zlen / 2,
		      "zstd: data is truncated (input ends inside the frame)");
	expect_einval(z, 4,
		      "zstd: data is truncated (input ends inside the frame)");
	free(z);
	free(data);
}

static void test_corrupt_gzip(void **state)
{
	uint8_t *data = make_data(DATA_LEN), *z;
	size_t zlen;

	(void)state;
	z = compress_gzip(data, DATA_LEN, &zlen);
	z[zlen - 8] ^= 0x55; /* the CRC32 trailer */
	expect_einval(z, zlen, "gzip: zlib: incorrect data check");
	z[zlen - 8] ^= 0x55;
	z[2] = 7; /* compression method, must be 8 */
	expect_einval(z, zlen, "gzip: zlib: unknown compression method");
	z[2] = 8;
	expect_einval(z, zlen / 2,
		      "gzip: data is truncated (input ends inside the stream)");
	expect_einval(z, 2,
		      "gzip: data is truncated (input ends inside the stream)");
	free(z);
	free(data);
}

static void test_not_supported(void **state)
{
	static const struct {
		uint8_t bytes[8];
		const char *format;
	} cases[] = {
		{ { 0x02, 0x21, 0x4c, 0x18, 1, 2, 3, 4 }, "lz4" },
		{ { 0x5d, 0, 0, 0x80, 0, 1, 2, 3 }, "lzma" },
		{ { 'B', 'Z', 'h', '9', '1', 'A', 'Y', '&' }, "bzip2" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xsvm_err err = { { 0 } };
		const char *format = NULL;
		uint8_t *out = (uint8_t *)1;
		size_t out_len = 99;
		char want[128];

		assert_int_equal(decompress_payload(cases[i].bytes, 8, &out,
						    &out_len, 1000, &format,
						    &err),
				 -ENOTSUP);
		assert_string_equal(format, cases[i].format);
		assert_null(out);
		assert_int_equal(out_len, 0);
		snprintf(want, sizeof(want),
			 "%s: compression format not supported (xsvm "
			 "decompresses xz, zstd and gzip)",
			 cases[i].format);
		assert_string_equal(err.msg, want);
	}
}

static void test_unknown_format(void **state)
{
	static const uint8_t junk[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	struct xsvm_err err = { { 0 } };
	const char *format = "x";
	uint8_t *out;
	size_t out_len;

	(void)state;
	assert_int_equal(decompress_payload(junk, sizeof(junk), &out, &out_len,
					    1000, &format, &err),
			 -EINVAL);
	assert_null(format);
	assert_string_equal(err.msg,
			    "compression format not recognised (first bytes "
			    "7f 45 4c 46 02 01; known: xz, zstd, gzip, lz4, "
			    "lzma, bzip2)");
	assert_int_equal(decompress_payload(junk, 2, &out, &out_len, 1000,
					    NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "compression format not recognised (first bytes "
			    "7f 45; known: xz, zstd, gzip, lz4, lzma, bzip2)");
	assert_int_equal(decompress_payload(junk, 0, &out, &out_len, 1000,
					    NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "compressed data is empty");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_detect),
		cmocka_unit_test(test_roundtrip_xz),
		cmocka_unit_test(test_roundtrip_zstd),
		cmocka_unit_test(test_roundtrip_gzip),
		cmocka_unit_test(test_output_grows),
		cmocka_unit_test(test_max_out),
		cmocka_unit_test(test_corrupt_xz),
		cmocka_unit_test(test_corrupt_zstd),
		cmocka_unit_test(test_corrupt_gzip),
		cmocka_unit_test(test_not_supported),
		cmocka_unit_test(test_unknown_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
