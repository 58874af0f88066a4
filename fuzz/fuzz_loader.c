// SPDX-License-Identifier: MIT
/*
 * The kernel loaders on any file: loader_kernel_load() (bzImage or ELF)
 * and loader_elf_load() into a 64 MiB guest RAM, then boot_params_setup()
 * for the range the kernel was loaded at, with the setup header it brought
 * and a small initrd.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "vmm/boot_params.h"
#include "vmm/guest_mem.h"
#include "vmm/loader_bzimage.h"
#include "vmm/loader_elf.h"

#define FUZZ_RAM (64ull << 20)

static struct guest_mem mem; /* mapped once; contents are overwritten */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xsvm_err err = { { 0 } };

	(void)argc;
	(void)argv;
	FUZZ_CHECK(!guest_mem_alloc(&mem, FUZZ_RAM, &err));
	return 0;
}

static void check_loaded(const struct loaded_kernel *k)
{
	FUZZ_CHECK(k->format);
	FUZZ_CHECK(k->lo <= k->hi && k->hi <= FUZZ_RAM);
	FUZZ_CHECK(k->setup_header_len <= LOADER_SETUP_HDR_MAX);
	FUZZ_CHECK(memchr(k->note, 0, sizeof(k->note)));
}

static void boot(const struct loaded_kernel *k, const uint8_t *data,
		 size_t size)
{
	struct xsvm_err err = { { 0 } };
	struct boot_config c = { 0 };
	struct boot_layout out;

	if (k->has_setup_header) {
		c.setup_header = k->setup_header;
		c.setup_header_len = k->setup_header_len;
	}
	c.kernel_lo = k->lo;
	c.kernel_hi = k->hi;
	c.cmdline = "console=ttyS0 earlyprintk=serial";
	c.initrd = data;
	c.initrd_len = size < 4096 ? size : 4096;
	if (boot_params_setup(&mem, &c, &out, &err)) {
		FUZZ_CHECK(err.msg[0]);
		return;
	}
	FUZZ_CHECK(out.e820_entries <= BOOT_E820_MAX);
	FUZZ_CHECK(!out.initrd_len ||
		   guest_mem_contains(&mem, out.initrd, out.initrd_len));
	/* The initrd never overlaps the kernel. */
	FUZZ_CHECK(!out.initrd_len || out.initrd >= k->hi ||
		   out.initrd + out.initrd_len <= k->lo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xsvm_err err = { { 0 } };
	struct loaded_kernel *k = malloc(sizeof(*k));

	FUZZ_CHECK(k);
	memset(k, 0, sizeof(*k));
	if (!loader_kernel_load(data, size, "fuzz", &mem, k, &err)) {
		check_loaded(k);
		boot(k, data, size);
	} else {
		FUZZ_CHECK(err.msg[0]);
	}
	memset(k, 0, sizeof(*k));
	memset(&err, 0, sizeof(err));
	if (!loader_elf_load(data, size, "fuzz", &mem, k, &err)) {
		check_loaded(k);
		boot(k, data, size);
	} else {
		FUZZ_CHECK(err.msg[0]);
	}
	free(k);
	return 0;
}
