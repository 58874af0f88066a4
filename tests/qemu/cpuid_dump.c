// SPDX-License-Identifier: MIT
/*
 * The walk follows the rules of Debian's `cpuid -r` (20230120), as xsvm's
 * `--cpuid native` does: every leaf of the basic range, of the hypervisor
 * range when CPUID.1:ECX[31] says one is present, and of the extended
 * range; for indexed leaves, the subleaves the leaf itself says are valid.
 */
#include <stdint.h>

#include "cpuid_dump.h"

#define SUBLEAF_LIMIT 64u
#define RANGE_SPAN 0xffu
#define HV_BASE 0x40000000u
#define EXT_BASE 0x80000000u

enum { EAX, EBX, ECX, EDX };

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[EAX]), "=b"(r[EBX]), "=c"(r[ECX]),
			   "=d"(r[EDX])
			 : "a"(leaf), "c"(sub));
}

static char *put_hex(char *p, uint32_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	*p++ = '0';
	*p++ = 'x';
	for (int i = digits - 1; i >= 0; i--)
		*p++ = hex[(v >> (4 * i)) & 0xf];
	return p;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* "   0x0000000d 0x01: eax=0x0000001f ebx=... ecx=... edx=...\n" */
static void print_line(cpuid_dump_out_fn out, uint32_t leaf, uint32_t sub,
		       const uint32_t r[4])
{
	static const char *const names[4] = { "eax=", " ebx=", " ecx=",
					      " edx=" };
	char line[96], *p = line;

	p = put_str(p, "   ");
	p = put_hex(p, leaf, 8);
	*p++ = ' ';
	p = put_hex(p, sub, 2);
	*p++ = ':';
	*p++ = ' ';
	for (int i = 0; i < 4; i++) {
		p = put_str(p, names[i]);
		p = put_hex(p, r[i], 8);
	}
	*p++ = '\n';
	out(line, (unsigned int)(p - line));
}

static void add(cpuid_dump_out_fn out, uint32_t leaf, uint32_t sub,
		uint32_t r[4])
{
	cpuid(leaf, sub, r);
	print_line(out, leaf, sub, r);
}

/*
 * Subleaves 0 .. first - 1, then on until (r[reg] & mask) reads zero; the
 * subleaf that ends the walk is printed when keep_last.
 */
static void walk_until_zero(cpuid_dump_out_fn out, uint32_t leaf,
			    uint32_t first, int reg, uint32_t mask,
			    int keep_last)
{
	for (uint32_t sub = 0; sub < SUBLEAF_LIMIT; sub++) {
		uint32_t r[4];
		int last;

		cpuid(leaf, sub, r);
		last = sub >= first && !(r[reg] & mask);
		if (last && !keep_last)
			return;
		print_line(out, leaf, sub, r);
		if (last)
			return;
	}
}

/* Subleaves 0 .. subleaf 0's EAX. */
static void walk_to_eax(cpuid_dump_out_fn out, uint32_t leaf)
{
	uint32_t r[4], last;

	add(out, leaf, 0, r);
	last = r[EAX] < SUBLEAF_LIMIT ? r[EAX] : SUBLEAF_LIMIT - 1;
	for (uint32_t sub = 1; sub <= last; sub++)
		add(out, leaf, sub, r);
}

/* Subleaf 0, then each subleaf 1..31 whose bit is set in subleaf 0's reg. */
static void walk_bitmap(cpuid_dump_out_fn out, uint32_t leaf, int reg)
{
	uint32_t r[4], map;

	add(out, leaf, 0, r);
	map = r[reg];
	for (uint32_t sub = 1; sub < 32; sub++)
		if (map & (1u << sub))
			add(out, leaf, sub, r);
}

/* Leaf 0xD: subleaves 0 and 1, then every component subleaf not all zero. */
static void walk_xsave(cpuid_dump_out_fn out)
{
	uint32_t r[4];

	add(out, 0xd, 0, r);
	add(out, 0xd, 1, r);
	for (uint32_t sub = 2; sub < SUBLEAF_LIMIT; sub++) {
		cpuid(0xd, sub, r);
		if (r[EAX] | r[EBX] | r[ECX] | r[EDX])
			print_line(out, 0xd, sub, r);
	}
}

static void walk_leaf(cpuid_dump_out_fn out, uint32_t leaf)
{
	uint32_t r[4];

	switch (leaf) {
	case 0x4:
		walk_until_zero(out, leaf, 0, EAX, 0x1f, 1);
		break;
	case 0xb:
	case 0x1f:
	case 0x80000026:
		walk_until_zero(out, leaf, 0, ECX, 0xff00, 1);
		break;
	case 0x8000001d:
		walk_until_zero(out, leaf, 0, EAX, 0x1f, 0);
		break;
	case 0x1b:
		walk_until_zero(out, leaf, 1, EAX, 0xfff, 1);
		break;
	case 0x12:
		walk_until_zero(out, leaf, 2, EAX, 0xf, 1);
		break;
	case 0x7:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x20:
	case 0x24:
		walk_to_eax(out, leaf);
		break;
	case 0xd:
		walk_xsave(out);
		break;
	case 0xf:
		walk_bitmap(out, leaf, EDX);
		break;
	case 0x10:
	case 0x80000020:
		walk_bitmap(out, leaf, EBX);
		break;
	case 0x23:
		walk_bitmap(out, leaf, EAX);
		break;
	default:
		add(out, leaf, 0, r);
		break;
	}
}

/* Every leaf from base to base's EAX, at most RANGE_SPAN past base. */
static void walk_range(cpuid_dump_out_fn out, uint32_t base)
{
	uint32_t r[4], last;

	cpuid(base, 0, r);
	if (r[EAX] < base)
		last = base;
	else if (r[EAX] - base > RANGE_SPAN)
		last = base + RANGE_SPAN;
	else
		last = r[EAX];
	for (uint32_t leaf = base; leaf <= last; leaf++)
		walk_leaf(out, leaf);
}

void cpuid_dump(cpuid_dump_out_fn out)
{
	uint32_t r[4];

	out("CPU 0:\n", 7);
	walk_range(out, 0);
	cpuid(1, 0, r);
	if (r[ECX] & (1u << 31))
		walk_range(out, HV_BASE);
	cpuid(EXT_BASE, 0, r);
	if (r[EAX] >= EXT_BASE)
		walk_range(out, EXT_BASE);
}
