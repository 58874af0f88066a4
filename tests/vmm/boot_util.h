/* SPDX-License-Identifier: MIT */
/*
 * Fixtures shared by the boot tests (test_boot_params.c,
 * test_boot_initrd.c, test_boot_cpu.c): guest RAM mapped as the VMM maps
 * it (guest_mem_alloc), read back little-endian through guest_mem_ptr, and
 * a bzImage setup header.
 */
#ifndef XSVM_TEST_BOOT_UTIL_H
#define XSVM_TEST_BOOT_UTIL_H

#include <stdint.h>

#include "vmm/boot_params.h"

#define MIB (1024ull * 1024)

struct ram {
	struct guest_mem m;
};

void ram_init(struct ram *r, uint64_t size);
void ram_free(struct ram *r);
uint8_t rd8(const struct ram *r, uint64_t gpa);
uint16_t rd16(const struct ram *r, uint64_t gpa);
uint32_t rd32(const struct ram *r, uint64_t gpa);
uint64_t rd64(const struct ram *r, uint64_t gpa);

/* A kernel at 1 MiB..2 MiB, no header, no initrd. */
void config_init(struct boot_config *c);
/* boot_params_setup succeeds. */
void setup_ok(struct ram *r, const struct boot_config *c,
	      struct boot_layout *l);
/* boot_params_setup fails with -code and msg, and writes nothing. */
void setup_fails(struct ram *r, const struct boot_config *c, int code,
		 const char *msg);
/* e820 entry i of the boot_params at 0x7000. */
void assert_e820(const struct ram *r, unsigned int i, uint64_t addr,
		 uint64_t size, uint32_t type);

/* A bzImage-style header of 0x100 bytes from 0x1f1 (make_bz_hdr). */
extern uint8_t bz_hdr[0x100];

/* bz_hdr by boot_params offset. */
#define H(off) bz_hdr[(off)-0x1f1]

void make_bz_hdr(uint32_t initrd_addr_max, uint32_t cmdline_size);

#endif
