/* SPDX-License-Identifier: MIT */
/*
 * The bzImage format (Linux x86 boot protocol 2.12 and later): the setup
 * header, the protected-mode kernel and its compressed payload, and the
 * kernel loader that accepts either a bzImage or an ELF vmlinux.
 */
#ifndef XSVM_VMM_LOADER_BZIMAGE_H
#define XSVM_VMM_LOADER_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "cpuid/err.h"
#include "guest_mem.h"
#include "loader.h"

/* A 2.12 setup header ends at 0x268, after handover_offset. */
#define BZIMAGE_HDR_MIN_END   0x268
#define BZIMAGE_MIN_VERSION   0x020c /* 2.12: xloadflags, 64-bit entry */
#define BZIMAGE_BOOT_FLAG     0xaa55
#define BZIMAGE_HDRS	      0x53726448 /* "HdrS" little-endian */
#define BZIMAGE_XLF_KERNEL_64 0x0001
#define BZIMAGE_DEFAULT_LOAD  0x100000 /* 1 MiB */
#define BZIMAGE_ENTRY64_OFF   0x200    /* 64-bit entry from load address */
#define BZIMAGE_MAX_VMLINUX   (512u << 20)

struct bzimage_info {
	uint8_t setup_sects; /* as in the file; 0 means 4 */
	uint16_t version;
	uint8_t loadflags;
	uint8_t relocatable_kernel;
	uint16_t xloadflags;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint32_t cmdline_size;
	uint32_t payload_offset; /* from the protected-mode kernel's start */
	uint32_t payload_length;
	uint64_t pref_address;
	uint32_t init_size;
	/* The protected-mode kernel: file offset (setup_sects + 1) * 512. */
	size_t pm_offset;
	const uint8_t *pm; /* points into the parsed buffer */
	size_t pm_len;
	/* The compressed vmlinux, inside the protected-mode kernel. */
	const uint8_t *payload; /* points into the parsed buffer */
	size_t payload_len;
	/* File bytes 0x1f1 up to the header's end (0x202 + byte at 0x201). */
	uint8_t header[LOADER_SETUP_HDR_MAX];
	size_t header_len;
};

/*
 * Validate the setup header of the bzImage in buf (len bytes) and fill bi.
 * Returns 0 or -EINVAL; the message names the file and the field, e.g.
 * "vmlinuz: setup header: boot_flag is 0x0000, want 0xaa55".
 */
int loader_bzimage_parse(const uint8_t *buf, size_t len, const char *name,
			 struct bzimage_info *bi, struct xsvm_err *err);

/*
 * Decode a kernel for loading: an ELF vmlinux (buf starts with the ELF
 * magic) is copied as it is; a bzImage's payload is decompressed on the
 * host (at most BZIMAGE_MAX_VMLINUX bytes) into the vmlinux ELF, with
 * img->format the payload format and the setup header kept in img. A
 * payload in a format xsvm does not decompress (lz4, lzma, bzip2) keeps
 * the protected-mode kernel instead (KERNEL_IMAGE_PM), to be loaded at
 * pref_address (1 MiB if 0). img does not point into buf. Returns 0 or a
 * negative errno (-EINVAL bad input, -EFBIG payload too large, -ENOMEM),
 * with the file named in the message; on error img is zeroed.
 */
int loader_kernel_decode(const uint8_t *buf, size_t len, const char *name,
			 struct kernel_image *img, struct xsvm_err *err);

/*
 * The bzImage part of loader_kernel_decode(), for bi from
 * loader_bzimage_parse(): decompress the payload into img.
 */
int loader_bzimage_decode(const struct bzimage_info *bi, const char *name,
			  struct kernel_image *img, struct xsvm_err *err);

/*
 * Zero img and keep bi's setup header in it, as loader_bzimage_decode()
 * does before it fills in the data (for images whose data comes from
 * elsewhere, such as the kernel cache).
 */
void kernel_image_init_bzimage(struct kernel_image *img,
			       const struct bzimage_info *bi);

/*
 * Place a decoded kernel into m and fill k: the vmlinux ELF's segments at
 * their physical addresses, or the protected-mode kernel at its load
 * address with k->entry its 64-bit entry (load address + 0x200) and
 * k->note saying so. img is not changed. Messages start with name (the
 * file's, as given to loader_kernel_decode). Returns 0 or -EINVAL; on
 * error k is not changed.
 */
int loader_kernel_place(const struct kernel_image *img, const char *name,
			struct guest_mem *m, struct loaded_kernel *k,
			struct xsvm_err *err);

/*
 * Load a kernel into m: loader_kernel_decode() then loader_kernel_place(),
 * with the errors of each.
 */
int loader_kernel_load(const uint8_t *buf, size_t len, const char *name,
		       struct guest_mem *m, struct loaded_kernel *k,
		       struct xsvm_err *err);

#endif
