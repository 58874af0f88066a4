/* SPDX-License-Identifier: MIT */
/*
 * Port I/O, the CPUID instruction and HLT for the test guest: the only
 * privileged instructions it needs, as inline functions.
 */
#ifndef XSVM_GUEST_IO_H
#define XSVM_GUEST_IO_H

#include <stddef.h>
#include <stdint.h>

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

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* len bytes from buf to one port: a single instruction (rep outsb). */
static inline void outsb(uint16_t port, const void *buf, size_t len)
{
	__asm__ volatile("rep outsb"
			 : "+S"(buf), "+c"(len)
			 : "d"(port)
			 : "memory");
}

static inline void cpuid_insn(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

static inline void hlt(void)
{
	__asm__ volatile("hlt");
}

static inline void cli(void)
{
	__asm__ volatile("cli");
}

#endif
