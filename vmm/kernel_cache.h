/* SPDX-License-Identifier: MIT */
/*
 * Decompressed kernels kept across runs, so that a bzImage's payload is
 * decompressed once per payload and not once per run. The vmlinux ELF is
 * one file in the cache directory (cache_dir.h), named by the SHA-256 of
 * the compressed payload:
 *
 *	DIR/vmlinux-<64 hex digits of the key>.bin
 *
 * The file is a 64-byte header (the magic "xsvm-vmlinux 1\n" and a NUL,
 * the 32-byte key, the vmlinux length as a little-endian u64, 8 zero
 * bytes) followed by the vmlinux. A file whose header is not exactly that,
 * or whose size is not 64 + the length, is treated as absent and replaced.
 * Files are written to a unique temporary file in the same directory,
 * flushed, then renamed over the name: a reader sees a whole file or none.
 * Cached files are read by mmap.
 */
#ifndef XSVM_VMM_KERNEL_CACHE_H
#define XSVM_VMM_KERNEL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "loader.h"

#define KERNEL_CACHE_KEY_LEN  32 /* SHA-256 */
#define KERNEL_CACHE_HDR_LEN  64
#define KERNEL_CACHE_MAGIC    "xsvm-vmlinux 1\n" /* and its NUL: 16 bytes */
#define KERNEL_CACHE_PATH_LEN 4096

enum kernel_cache_status {
	/* not used: an ELF file, a payload xsvm does not decompress, or no
	 * cache directory can be named */
	KERNEL_CACHE_OFF,
	KERNEL_CACHE_HIT,	   /* the vmlinux came from the cache */
	KERNEL_CACHE_MISS,	   /* decompressed now, and stored */
	KERNEL_CACHE_STORE_FAILED, /* decompressed now, not stored */
};

/* "off", "hit", "miss", "store_failed". */
const char *kernel_cache_status_name(enum kernel_cache_status s);

/* The key of a compressed payload. Returns 0 or -EIO (the hash failed). */
int kernel_cache_key(const uint8_t *payload, size_t len,
		     uint8_t key[KERNEL_CACHE_KEY_LEN]);

/* DIR/vmlinux-<hex key>.bin into buf; -ENAMETOOLONG when it does not fit. */
int kernel_cache_path(const char *dir, const uint8_t key[KERNEL_CACHE_KEY_LEN],
		      char *buf, size_t len);

/*
 * Map the cached vmlinux at path for key: on 0, img->data and img->len are
 * the vmlinux and img->map owns the mapping (kernel_image_free() releases
 * it); no other field of img is changed. -ENOENT when there is no file,
 * -EINVAL when it is not a valid file for key (magic, key, length, size).
 */
int kernel_cache_load(const char *path, const uint8_t key[KERNEL_CACHE_KEY_LEN],
		      struct kernel_image *img);

/*
 * Store len bytes of vmlinux at path for key, atomically. Returns 0 or the
 * negative errno of the step that failed; then no file is left behind and
 * whatever was at path is untouched.
 */
int kernel_cache_store(const char *path,
		       const uint8_t key[KERNEL_CACHE_KEY_LEN],
		       const uint8_t *data, size_t len);

/*
 * loader_kernel_decode() with the cache in directory dir (NULL: the cache
 * directory of cache_dir.h): a bzImage whose payload is in the cache is
 * not decompressed; one that is not is decompressed and stored. Any
 * failure of the cache itself only sets *status (the image is decoded as
 * without it); the errors are those of loader_kernel_decode().
 */
int kernel_cache_decode(const uint8_t *buf, size_t len, const char *name,
			const char *dir, struct kernel_image *img,
			enum kernel_cache_status *status, struct xsvm_err *err);

#endif
