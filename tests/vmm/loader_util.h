/* SPDX-License-Identifier: MIT */
/*
 * Fixtures shared by the kernel loader tests (test_loader_elf.c,
 * test_loader_bzimage.c, test_loader_kernel.c): guest RAM, and ELF images
 * and bzImages built in memory.
 */
#ifndef XSVM_TEST_LOADER_UTIL_H
#define XSVM_TEST_LOADER_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

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

struct seg {
	uint32_t type;
	uint64_t vaddr, paddr, filesz, memsz;
};

#define STD_NSEGS 3u
#define STD_ENTRY 0xffffffff81000040ull

/* The standard test kernel: text, a note (not loaded), data + bss. */
extern const struct seg std_segs[STD_NSEGS];
/* A bzImage payload in lz4, a format xsvm does not decompress. */
extern const uint8_t lz4_payload[12];
/* RAM_SIZE bytes of guest RAM, allocated by the group's ram_setup. */
extern struct guest_mem ram;

int ram_setup(void **state);
int ram_teardown(void **state);
/* Every byte of ram RAM_FILL. */
void ram_reset(void);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
void put64(uint8_t *p, uint64_t v);
/* An ELF64 x86-64 executable of at most ELF_MAX bytes; returns its length. */
size_t make_elf(uint8_t *buf, const struct seg *s, unsigned int n,
		uint64_t entry);
/* The standard segments are in RAM: bytes, bss, untouched neighbours. */
void check_std_ram(void);
/* A bzImage around payload; returns its length. */
size_t make_bzimage(uint8_t *buf, size_t cap, const uint8_t *payload,
		    size_t plen);

#endif
