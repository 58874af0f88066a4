/* SPDX-License-Identifier: MIT */
/*
 * Host-side decompression of a bzImage payload (the compressed vmlinux).
 * The format is detected by its magic: xz, zstd and gzip are decompressed;
 * lz4, lzma and bzip2 are recognised and refused with -ENOTSUP.
 */
#ifndef XSVM_VMM_DECOMPRESS_H
#define XSVM_VMM_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"

/*
 * The name of in's format ("xz", "zstd", "gzip", "lz4", "lzma", "bzip2"),
 * or NULL when no known magic matches. Static string.
 */
const char *decompress_format(const uint8_t *in, size_t in_len);

/*
 * Decompress the first stream of in (bytes after its end, such as the
 * 4-byte size the kernel build appends, are ignored) into a malloc'd
 * buffer *out of *out_len bytes, which the caller frees. *format (if not
 * NULL) is set to the detected format's name, or NULL when none matched.
 * Errors: -EINVAL unknown, truncated or corrupt data (the message gives
 * the library's reason), -ENOTSUP a recognised format xsvm does not
 * decompress, -EFBIG more than max_out bytes of output, -ENOMEM.
 * On error *out is NULL and *out_len 0.
 */
int decompress_payload(const uint8_t *in, size_t in_len, uint8_t **out,
		       size_t *out_len, size_t max_out, const char **format,
		       struct xsvm_err *err);

#endif
