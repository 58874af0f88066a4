// SPDX-License-Identifier: MIT
/* The bare guest's C part: the dump on COM1 (cpuid_dump_pvh.S). */
#include <stdint.h>

#include "cpuid_dump.h"

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THRE 0x20

void pvh_main(void);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void out_com1(const char *text, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++) {
		while (!(inb(COM1_LSR) & LSR_THRE))
			;
		outb(COM1, (uint8_t)text[i]);
	}
}

void pvh_main(void)
{
	cpuid_dump(out_com1);
}
