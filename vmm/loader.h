/* SPDX-License-Identifier: MIT */
/*
 * What a kernel loader leaves in guest RAM, as the boot code needs it:
 * where to enter, which guest physical range the kernel occupies, and for
 * a bzImage the setup header to copy into boot_params at 0x1f1.
 */
#ifndef XSVM_VMM_LOADER_H
#define XSVM_VMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The setup header lives at 0x1f1 in a bzImage and in boot_params. */
#define LOADER_SETUP_HDR_OFF 0x1f1
/* boot_params has room for the header up to 0x290. */
#define LOADER_SETUP_HDR_END 0x290
#define LOADER_SETUP_HDR_MAX (LOADER_SETUP_HDR_END - LOADER_SETUP_HDR_OFF)

#define LOADER_NOTE_LEN 128

struct loaded_kernel {
	uint64_t entry; /* guest physical 64-bit entry point */
	/*
	 * [lo, hi): the guest physical bytes the kernel occupies, lo the
	 * lowest byte used and hi one past the highest (the same half-open
	 * convention as boot_config's kernel_lo/kernel_hi).
	 */
	uint64_t lo;
	uint64_t hi;
	/*
	 * "elf" for a kernel given as an ELF file; for a bzImage the payload
	 * format ("xz", "zstd", "gzip", "lz4", "lzma", "bzip2"). Static.
	 */
	const char *format;
	bool has_setup_header; /* the kernel was a bzImage */
	/* The bzImage's bytes from 0x1f1 to the end of its setup header. */
	uint8_t setup_header[LOADER_SETUP_HDR_MAX];
	size_t setup_header_len;
	/* Empty, or one line the CLI may print about how the kernel is run. */
	char note[LOADER_NOTE_LEN];
};

/*
 * A kernel decoded on the host (loader_kernel_decode in loader_bzimage.h):
 * the bytes a loader copies into guest RAM, with what it needs to place
 * them, independent of any one guest RAM. It can be placed any number of
 * times (loader_kernel_place), each time giving the same RAM and the same
 * loaded_kernel.
 */
enum kernel_image_kind {
	KERNEL_IMAGE_ELF, /* data is an ELF vmlinux */
	/*
	 * data is a bzImage's protected-mode kernel, whose payload format
	 * xsvm does not decompress: it goes to pm_load and is entered there.
	 */
	KERNEL_IMAGE_PM,
};

struct kernel_image {
	enum kernel_image_kind kind;
	const uint8_t *data;
	size_t len;
	/* As loaded_kernel.format: "elf" for an ELF file. Static. */
	const char *format;
	bool has_setup_header; /* the kernel was a bzImage */
	uint8_t setup_header[LOADER_SETUP_HDR_MAX];
	size_t setup_header_len;
	/* KERNEL_IMAGE_PM: load address, and the setup header's init_size. */
	uint64_t pm_load;
	uint32_t init_size;
	/* Who owns data: a malloc'd buffer, or a mapping of a cache file. */
	void *heap;
	void *map;
	size_t map_len;
};

/* Release what img owns and zero it; a zeroed image is left as it is. */
void kernel_image_free(struct kernel_image *img);

#endif
