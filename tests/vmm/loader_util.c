// SPDX-License-Identifier: MIT
/*
 * Fixtures of the kernel loader tests (loader_util.h): guest RAM, and ELF
 * images and bzImages built in memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>

#include "loader_util.h"

/* The standard test kernel: text, a note (not loaded), data + bss. */
const struct seg std_segs[] = {
	{ PT_LOAD, 0xffffffff81000000ull, 0x100000, 0x300, 0x300 },
	{ PT_NOTE, 0xffffffff81000300ull, 0, 0x10, 0x10 },
	{ PT_LOAD, 0xffffffff81200000ull, 0x200000, 0x100, 0x1000 },
};

const uint8_t lz4_payload[] = { 0x02, 0x21, 0x4c, 0x18, 0x10, 0,
				0,    0,    1,    2,    3,    4 };

struct guest_mem ram;

int ram_setup(void **state)
{
	(void)state;
	ram.size = RAM_SIZE;
	ram.hva = malloc(RAM_SIZE);
	return ram.hva ? 0 : -1;
}

int ram_teardown(void **state)
{
	(void)state;
	free(ram.hva);
	return 0;
}

void ram_reset(void)
{
	memset(ram.hva, RAM_FILL, RAM_SIZE);
}

/* File byte j of segment i. */
static uint8_t seg_byte(unsigned int i, uint64_t j)
{
	return (uint8_t)(0x11 * (i + 1) + j);
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* An ELF64 x86-64 executable; segment data from ELF_DATA_OFF on. */
size_t make_elf(uint8_t *buf, const struct seg *s, unsigned int n,
		uint64_t entry)
{
	Elf64_Ehdr eh;
	uint64_t off = ELF_DATA_OFF;

	memset(buf, 0, ELF_MAX);
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)n;
	memcpy(buf, &eh, sizeof(eh));
	for (unsigned int i = 0; i < n; i++) {
		Elf64_Phdr ph;

		memset(&ph, 0, sizeof(ph));
		ph.p_type = s[i].type;
		ph.p_flags = PF_R;
		ph.p_offset = off;
		ph.p_vaddr = s[i].vaddr;
		ph.p_paddr = s[i].paddr;
		ph.p_filesz = s[i].filesz;
		ph.p_memsz = s[i].memsz;
		ph.p_align = 0x10;
		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		assert_true(off + s[i].filesz <= ELF_MAX);
		for (uint64_t j = 0; j < s[i].filesz; j++)
			buf[off + j] = seg_byte(i, j);
		off += s[i].filesz;
	}
	return off;
}

/* The standard segments are in RAM: bytes, bss, untouched neighbours. */
void check_std_ram(void)
{
	for (uint64_t j = 0; j < 0x300; j++)
		assert_int_equal(ram.hva[0x100000 + j], seg_byte(0, j));
	for (uint64_t j = 0; j < 0x100; j++)
		assert_int_equal(ram.hva[0x200000 + j], seg_byte(2, j));
	for (uint64_t j = 0x100; j < 0x1000; j++)
		assert_int_equal(ram.hva[0x200000 + j], 0);
	assert_int_equal(ram.hva[0x0fffff], RAM_FILL);
	assert_int_equal(ram.hva[0x100300], RAM_FILL);
	assert_int_equal(ram.hva[0x1fffff], RAM_FILL);
	assert_int_equal(ram.hva[0x201000], RAM_FILL);
	/* the PT_NOTE (paddr 0) is not loaded */
	for (uint64_t j = 0; j < 0x10; j++)
		assert_int_equal(ram.hva[j], RAM_FILL);
}

/* A bzImage around payload; pattern bytes wherever no field is set. */
size_t make_bzimage(uint8_t *buf, size_t cap, const uint8_t *payload,
		    size_t plen)
{
	size_t len = BZ_PM_OFF + BZ_PAYLOAD_OFF + plen + BZ_PM_TAIL;

	assert_true(len <= cap);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	buf[0x1f1] = BZ_SETUP_SECTS;
	put16(buf + 0x1fe, 0xaa55);
	buf[0x200] = 0xeb; /* jmp short to the end of the header */
	buf[0x201] = BZ_HDR_END - 0x202;
	memcpy(buf + 0x202, "HdrS", 4);
	put16(buf + 0x206, 0x020f);
	buf[0x211] = 0x01;
	put32(buf + 0x22c, 0x7fffffff);
	put32(buf + 0x230, 0x200000);
	buf[0x234] = 1;
	put16(buf + 0x236, 0x0003);
	put32(buf + 0x238, 0x7ff);
	put32(buf + 0x248, BZ_PAYLOAD_OFF);
	put32(buf + 0x24c, (uint32_t)plen);
	put64(buf + 0x258, BZ_PREF_ADDRESS);
	put32(buf + 0x260, BZ_INIT_SIZE);
	memcpy(buf + BZ_PM_OFF + BZ_PAYLOAD_OFF, payload, plen);
	return len;
}
