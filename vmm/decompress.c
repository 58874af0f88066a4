// SPDX-License-Identifier: MIT
/*
 * Payload decompression with liblzma, libzstd and zlib. Each decoder
 * writes into one growing output buffer whose capacity never exceeds
 * max_out + 1 bytes: reaching that extra byte is how "more than max_out"
 * is detected without decoding further.
 */
#define ZLIB_CONST
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "decompress.h"

#define DECOMPRESS_MIN_CAP (64 * 1024)

struct payload_magic {
	const char *format;
	uint8_t bytes[6];
	size_t len;
};

static const struct payload_magic payload_magics[] = {
	{ "xz", { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "gzip", { 0x1f, 0x8b }, 2 },
	{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 }, /* legacy frame (kernel) */
	{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4 }, /* frame format */
	{ "lzma", { 0x5d, 0x00, 0x00 }, 3 },
	{ "bzip2", { 'B', 'Z', 'h' }, 3 },
};

const char *decompress_format(const uint8_t *in, size_t in_len)
{
	size_t i;

	for (i = 0; i < sizeof(payload_magics) / sizeof(payload_magics[0]);
	     i++) {
		const struct payload_magic *pm = &payload_magics[i];

		if (in_len >= pm->len && !memcmp(in, pm->bytes, pm->len))
			return pm->format;
	}
	return NULL;
}

struct outbuf {
	uint8_t *p;
	size_t len;   /* bytes produced */
	size_t cap;   /* bytes allocated */
	size_t limit; /* max_out + 1: the capacity never grows past this */
	size_t max_out;
	const char *format;
};

static int outbuf_init(struct outbuf *ob, size_t in_len, size_t max_out,
		       const char *format, struct xsvm_err *err)
{
	size_t cap;

	ob->len = 0;
	ob->max_out = max_out;
	ob->limit = max_out == SIZE_MAX ? SIZE_MAX : max_out + 1;
	ob->format = format;
	cap = in_len > SIZE_MAX / 4 ? SIZE_MAX : in_len * 4;
	if (cap < DECOMPRESS_MIN_CAP)
		cap = DECOMPRESS_MIN_CAP;
	if (cap > ob->limit)
		cap = ob->limit;
	ob->cap = cap;
	ob->p = malloc(cap);
	if (!ob->p)
		return xsvm_err_set(err, ENOMEM,
				    "%s: cannot allocate %zu bytes for output",
				    format, cap);
	return 0;
}

/* Make room for more output; called only when the buffer is full. */
static int outbuf_grow(struct outbuf *ob, struct xsvm_err *err)
{
	size_t cap = ob->cap > ob->limit / 2 ? ob->limit : ob->cap * 2;
	uint8_t *p;

	if (ob->cap >= ob->limit)
		return xsvm_err_set(err, EFBIG,
				    "%s: decompressed data exceeds the limit "
				    "of %zu bytes",
				    ob->format, ob->max_out);
	p = realloc(ob->p, cap);
	if (!p)
		return xsvm_err_set(err, ENOMEM,
				    "%s: cannot allocate %zu bytes for output",
				    ob->format, cap);
	ob->p = p;
	ob->cap = cap;
	return 0;
}

/* Called after every decoder step: output beyond max_out is an error. */
static int outbuf_check(const struct outbuf *ob, struct xsvm_err *err)
{
	if (ob->len > ob->max_out)
		return xsvm_err_set(err, EFBIG,
				    "%s: decompressed data exceeds the limit "
				    "of %zu bytes",
				    ob->format, ob->max_out);
	return 0;
}

static int outbuf_room(struct outbuf *ob, struct xsvm_err *err)
{
	return ob->len == ob->cap ? outbuf_grow(ob, err) : 0;
}

static const char *lzma_ret_name(lzma_ret ret, const char **meaning)
{
	switch (ret) {
	case LZMA_MEM_ERROR:
		*meaning = "cannot allocate memory";
		return "LZMA_MEM_ERROR";
	case LZMA_MEMLIMIT_ERROR:
		*meaning = "memory usage limit reached";
		return "LZMA_MEMLIMIT_ERROR";
	case LZMA_FORMAT_ERROR:
		*meaning = "file format not recognized";
		return "LZMA_FORMAT_ERROR";
	case LZMA_OPTIONS_ERROR:
		*meaning = "unsupported options";
		return "LZMA_OPTIONS_ERROR";
	case LZMA_DATA_ERROR:
		*meaning = "compressed data is corrupt";
		return "LZMA_DATA_ERROR";
	case LZMA_BUF_ERROR:
		*meaning = "compressed data is truncated";
		return "LZMA_BUF_ERROR";
	case LZMA_PROG_ERROR:
		*meaning = "programming error";
		return "LZMA_PROG_ERROR";
	default:
		*meaning = "unexpected return value";
		return "LZMA_?";
	}
}

static int lzma_fail(lzma_ret ret, struct xsvm_err *err)
{
	const char *meaning;
	const char *name = lzma_ret_name(ret, &meaning);

	return xsvm_err_set(err, ret == LZMA_MEM_ERROR ? ENOMEM : EINVAL,
			    "xz: liblzma: %s (%s)", meaning, name);
}

static int decode_xz(const uint8_t *in, size_t in_len, struct outbuf *ob,
		     struct xsvm_err *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret ret;
	int r = 0;

	/* No LZMA_CONCATENATED: stop at the end of the first stream. */
	ret = lzma_stream_decoder(&s, UINT64_MAX, 0);
	if (ret != LZMA_OK)
		return lzma_fail(ret, err);
	s.next_in = in;
	s.avail_in = in_len;
	for (;;) {
		r = outbuf_room(ob, err);
		if (r)
			break;
		s.next_out = ob->p + ob->len;
		s.avail_out = ob->cap - ob->len;
		ret = lzma_code(&s, LZMA_FINISH);
		ob->len = ob->cap - s.avail_out;
		r = outbuf_check(ob, err);
		if (r || ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			r = lzma_fail(ret, err);
			break;
		}
	}
	lzma_end(&s);
	return r;
}

static int decode_zstd(const uint8_t *in, size_t in_len, struct outbuf *ob,
		       struct xsvm_err *err)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, in_len, 0 };
	int r = 0;

	if (!dctx)
		return xsvm_err_set(err, ENOMEM,
				    "zstd: libzstd: cannot create a context");
	for (;;) {
		ZSTD_outBuffer obuf;
		size_t ret;

		r = outbuf_room(ob, err);
		if (r)
			break;
		obuf.dst = ob->p + ob->len;
		obuf.size = ob->cap - ob->len;
		obuf.pos = 0;
		ret = ZSTD_decompressStream(dctx, &obuf, &ib);
		ob->len += obuf.pos;
		if (ZSTD_isError(ret)) {
			r = xsvm_err_set(err, EINVAL, "zstd: libzstd: %s",
					 ZSTD_getErrorName(ret));
			break;
		}
		r = outbuf_check(ob, err);
		if (r || ret == 0) /* 0: the frame is complete */
			break;
		if (ib.pos == ib.size && obuf.pos < obuf.size) {
			r = xsvm_err_set(err, EINVAL,
					 "zstd: data is truncated (input ends "
					 "inside the frame)");
			break;
		}
	}
	ZSTD_freeDCtx(dctx);
	return r;
}

static int zlib_fail(int ret, const z_stream *zs, struct xsvm_err *err)
{
	return xsvm_err_set(err, ret == Z_MEM_ERROR ? ENOMEM : EINVAL,
			    "gzip: zlib: %s", zs->msg ? zs->msg : zError(ret));
}

static int decode_gzip(const uint8_t *in, size_t in_len, struct outbuf *ob,
		       struct xsvm_err *err)
{
	z_stream zs;
	size_t fed = 0;
	int ret, r = 0;

	memset(&zs, 0, sizeof(zs));
	ret = inflateInit2(&zs, 15 + 16); /* 32 KiB window, gzip header */
	if (ret != Z_OK)
		return zlib_fail(ret, &zs, err);
	for (;;) {
		size_t room, before;

		r = outbuf_room(ob, err);
		if (r)
			break;
		if (zs.avail_in == 0 && fed < in_len) {
			zs.next_in = in + fed;
			zs.avail_in = in_len - fed > UINT_MAX ? UINT_MAX
							      : in_len - fed;
			fed += zs.avail_in;
		}
		room = ob->cap - ob->len;
		zs.next_out = ob->p + ob->len;
		zs.avail_out = room > UINT_MAX ? UINT_MAX : room;
		before = zs.avail_out;
		ret = inflate(&zs, Z_NO_FLUSH);
		ob->len += before - zs.avail_out;
		r = outbuf_check(ob, err);
		if (r || ret == Z_STREAM_END)
			break;
		if (ret == Z_BUF_ERROR && zs.avail_in == 0 && fed == in_len) {
			r = xsvm_err_set(err, EINVAL,
					 "gzip: data is truncated (input ends "
					 "inside the stream)");
			break;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			r = zlib_fail(ret, &zs, err);
			break;
		}
	}
	inflateEnd(&zs);
	return r;
}

static int unknown_format(const uint8_t *in, size_t in_len,
			  struct xsvm_err *err)
{
	char hex[3 * 6 + 1] = "";
	size_t i, pos = 0, n = in_len < 6 ? in_len : 6;

	if (!in_len)
		return xsvm_err_set(err, EINVAL, "compressed data is empty");
	for (i = 0; i < n; i++)
		pos += (size_t)snprintf(hex + pos, sizeof(hex) - pos, "%s%02x",
					i ? " " : "", in[i]);
	return xsvm_err_set(err, EINVAL,
			    "compression format not recognised (first bytes "
			    "%s; known: xz, zstd, gzip, lz4, lzma, bzip2)",
			    hex);
}

int decompress_payload(const uint8_t *in, size_t in_len, uint8_t **out,
		       size_t *out_len, size_t max_out, const char **format,
		       struct xsvm_err *err)
{
	const char *fmt = decompress_format(in, in_len);
	struct outbuf ob;
	int r;

	*out = NULL;
	*out_len = 0;
	if (format)
		*format = fmt;
	if (!fmt)
		return unknown_format(in, in_len, err);
	if (strcmp(fmt, "xz") && strcmp(fmt, "zstd") && strcmp(fmt, "gzip"))
		return xsvm_err_set(err, ENOTSUP,
				    "%s: compression format not supported "
				    "(xsvm decompresses xz, zstd and gzip)",
				    fmt);
	r = outbuf_init(&ob, in_len, max_out, fmt, err);
	if (r)
		return r;
	if (!strcmp(fmt, "xz"))
		r = decode_xz(in, in_len, &ob, err);
	else if (!strcmp(fmt, "zstd"))
		r = decode_zstd(in, in_len, &ob, err);
	else
		r = decode_gzip(in, in_len, &ob, err);
	if (r) {
		free(ob.p);
		return r;
	}
	*out = ob.p;
	*out_len = ob.len;
	return 0;
}
