/* SPDX-License-Identifier: MIT */
/* Running the Linux model in the tests, and checking the lines it prints. */
#ifndef XSVM_TEST_LINUX_UTIL_H
#define XSVM_TEST_LINUX_UTIL_H

#include "cpuid/linux.h"

/* The four releases the recordings name: 5.15, 6.1, 6.8, 7.1. */
#define LINUX_NAMED_NR 4
extern const uint32_t linux_named[LINUX_NAMED_NR];

/* The result of the last check(). */
extern struct linux_result res;

/* linux_check() of t for v (ov may be NULL) into res; it must succeed. */
void check(const struct cpuid_table *t, uint32_t v,
	   const struct linux_state_override *ov);

/* Lines [from, from + n) of the result are exactly exp[0..n-1]. */
void assert_lines(unsigned int from, const char *const *exp, unsigned int n);

/* Lines [from, from + n) are a leaf-0xD dump of subleaves 0..n-1. */
void assert_dump(unsigned int from, unsigned int n);

/* Sapphire Rapids with leaf 0x1D as the real part reports it. */
void load_spr_amx(struct cpuid_table *t);

/* The OpenVMM #708 guest: XCR0 0x600e7 supported, XSS 0x800. */
void load_708(struct cpuid_table *t, uint32_t ebx1);

#endif
