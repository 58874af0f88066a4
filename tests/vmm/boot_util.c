// SPDX-License-Identifier: MIT
/*
 * Fixtures of the boot tests (boot_util.h): guest RAM, boot_params set up
 * and checked, a bzImage setup header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot_util.h"
#include "vmm/boot_params.h"

void ram_init(struct ram *r, uint64_t size)
{
	struct xsvm_err err = {{0}};

	if (guest_mem_alloc(&r->m, size, &err))
		fail_msg("%s", err.msg);
}

void ram_free(struct ram *r)
{
	guest_mem_free(&r->m);
}

uint8_t rd8(const struct ram *r, uint64_t gpa)
{
	const uint8_t *p = guest_mem_ptr(&r->m, gpa, 1);

	assert_non_null(p);
	return *p;
}

uint16_t rd16(const struct ram *r, uint64_t gpa)
{
	return (uint16_t)(rd8(r, gpa) | rd8(r, gpa + 1) << 8);
}

uint32_t rd32(const struct ram *r, uint64_t gpa)
{
	return rd16(r, gpa) | (uint32_t)rd16(r, gpa + 2) << 16;
}

uint64_t rd64(const struct ram *r, uint64_t gpa)
{
	return rd32(r, gpa) | (uint64_t)rd32(r, gpa + 4) << 32;
}

/* A kernel at 1 MiB..2 MiB, no header, no initrd. */
void config_init(struct boot_config *c)
{
	memset(c, 0, sizeof(*c));
	c->kernel_lo = 0x100000;
	c->kernel_hi = 0x200000;
}

void setup_ok(struct ram *r, const struct boot_config *c,
	      struct boot_layout *l)
{
	struct xsvm_err err = {{0}};

	if (boot_params_setup(&r->m, c, l, &err))
		fail_msg("%s", err.msg);
}

void setup_fails(struct ram *r, const struct boot_config *c, int code,
		 const char *msg)
{
	struct xsvm_err err = {{0}};
	struct boot_layout l;
	uint8_t *copy = malloc(r->m.size);

	assert_non_null(copy);
	memcpy(copy, r->m.hva, r->m.size);
	assert_int_equal(boot_params_setup(&r->m, c, &l, &err), -code);
	assert_string_equal(err.msg, msg);
	/* Nothing was written. */
	assert_memory_equal(copy, r->m.hva, r->m.size);
	free(copy);
}

void assert_e820(const struct ram *r, unsigned int i, uint64_t addr,
		 uint64_t size, uint32_t type)
{
	uint64_t e = 0x7000 + 0x2d0 + i * 20;

	assert_int_equal(rd64(r, e), addr);
	assert_int_equal(rd64(r, e + 8), size);
	assert_int_equal(rd32(r, e + 16), type);
}

/*
 * A bzImage-style header of 0x100 bytes from 0x1f1, whose jump at 0x200
 * says the header ends at 0x202 + 0x6a = 0x26c: bytes from there on are
 * setup code and must not be copied.
 */
uint8_t bz_hdr[0x100];

void make_bz_hdr(uint32_t initrd_addr_max, uint32_t cmdline_size)
{
	memset(bz_hdr, 0, sizeof(bz_hdr));
	memset(&H(0x26c), 0xcc, 0x1f1 + sizeof(bz_hdr) - 0x26c);
	H(0x1f1) = 0x1b; /* setup_sects */
	H(0x1fe) = 0x55;
	H(0x1ff) = 0xaa;
	H(0x200) = 0xeb; /* jmp 0x26c */
	H(0x201) = 0x6a;
	memcpy(&H(0x202), "HdrS", 4);
	H(0x206) = 0x0f; /* protocol 2.15 */
	H(0x207) = 0x02;
	H(0x210) = 0x00; /* type_of_loader: the VMM's job */
	H(0x211) = 0x81; /* LOADED_HIGH | CAN_USE_HEAP */
	memcpy(&H(0x22c), &initrd_addr_max, 4);
	H(0x232) = 0x20; /* kernel_alignment 0x200000 */
	H(0x234) = 0x01; /* relocatable */
	H(0x236) = 0x7f; /* xloadflags */
	memcpy(&H(0x238), &cmdline_size, 4);
	H(0x26b) = 0x5e; /* last header byte */
}
