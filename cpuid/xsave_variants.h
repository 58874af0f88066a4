/* SPDX-License-Identifier: MIT */
/*
 * The layouts real CPUs give the XSAVE components: every distinct (size,
 * standard offset, 64-byte alignment) that 0xD.i (i >= 2, EAX != 0) takes
 * in the 25 dumps of tests/data/cpuid-dumps/, with the dumps it comes
 * from. Data, not a model: test_xsave_variants parses every dump and
 * checks the table against them both ways. The candidate search of
 * `xsvm explain` tries each as "a component taken from another CPU model".
 */
#ifndef XSVM_CPUID_XSAVE_VARIANTS_H
#define XSVM_CPUID_XSAVE_VARIANTS_H

#include <stdbool.h>
#include <stdint.h>

struct xsave_variant {
	uint8_t index;	   /* the component */
	uint32_t size;	   /* 0xD.i EAX */
	uint32_t offset;   /* 0xD.i EBX: standard offset, 0 for supervisor */
	bool aligned;	   /* 0xD.i ECX bit 1 */
	const char *tag;   /* snake_case, for names: "amd_zen2" */
	const char *cpus;  /* in words: "AMD Zen 2" */
	const char *dumps; /* the dump files (no ".txt"), space-separated */
};

/* The table, ascending by component then offset; *nr gets its length. */
const struct xsave_variant *xsave_variants(unsigned int *nr);

#endif
