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

#endif
