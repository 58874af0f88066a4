/* SPDX-License-Identifier: MIT */
/*
 * A model of the Linux kernel's XSAVE initialisation (arch/x86/kernel/fpu/
 * xstate.c) for kernels 5.15, 6.1, 6.8 and 7.1: from a CPUID table it
 * predicts the XCR0/XSS the kernel enters, whether the consistency check
 * passes, and exactly the lines the kernel prints about XSAVE.
 *
 * Pure: no allocation, no I/O; the result is a value. The same code runs in
 * the CLI, the VMM and the freestanding test guest.
 */
#ifndef XSVM_CPUID_LINUX_H
#define XSVM_CPUID_LINUX_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "table.h"
#include "xsave.h"

enum linux_version {
	LINUX_5_15,
	LINUX_6_1,
	LINUX_6_8,
	LINUX_7_1,
	LINUX_NR_VERSIONS,
};

#define LINUX_DEFAULT_VERSION LINUX_6_8

/* "5.15", "6.1", "6.8", "7.1" */
const char *linux_version_name(enum linux_version v);
/* Accepts the names above; returns -EINVAL with err set otherwise. */
int linux_version_parse(const char *s, enum linux_version *v,
			struct xsvm_err *err);

/*
 * The modelled version for a kernel's banner: line (NUL-terminated) contains
 * "Linux version X.Y..."; X < 6 is 5.15, 6.0-6.7 is 6.1, 6.8-6.18 is 6.8,
 * 6.19 and later is 7.1. Returns false when there is no such text.
 */
bool linux_version_from_banner(const char *line, enum linux_version *v);

/* Lines of kernel v's leaf-0xD dump (XFEATURE_MAX + 10: 26, 29 or 30). */
unsigned int linux_dump_lines(enum linux_version v);

#define LINUX_MAX_LINES 96
#define LINUX_LINE_LEN 128

struct linux_state_override {
	bool have_xcr0, have_xss;
	uint64_t xcr0, xss;
};

struct linux_result {
	enum linux_version version;
	/* Feature flags of leaves 1/7 that were missing and assumed present. */
	bool flags_assumed;
	bool xsave_present;   /* CPUID.1:ECX.XSAVE (or assumed) */
	bool xsaves, xsavec;  /* from 0xD.1 EAX */
	bool compacted;	      /* the format the kernel uses */
	uint64_t max_features; /* what the kernel enables: XCR0 | XSS */
	uint64_t xcr0;	       /* user part, written to XCR0 */
	uint64_t xss;	       /* supervisor part, written to IA32_XSS */
	uint32_t size;	       /* the kernel's own computation */
	uint32_t reported_size; /* kernel_size: 0xD.1 EBX or 0xD.0 EBX */
	uint32_t max_standard_size; /* 0xD.0 ECX */
	bool consistent; /* the check passed and XSAVE stays enabled */
	bool xsave_enabled; /* XSAVE in use after init */
	struct xsave_layout layout; /* of max_features, in the kernel's format */
	unsigned int nr_lines;
	char lines[LINUX_MAX_LINES][LINUX_LINE_LEN]; /* without "\n" */
	/* Where the kernel's WARN fires for this version, e.g. "xstate.c:602". */
	const char *warn_site;
};

/*
 * Run the model. ov (may be NULL) replaces the XCR0/XSS the kernel would
 * enter, to check a table's EBX values as read at a known state. Returns 0,
 * or a negative errno with err set when the table cannot be evaluated at
 * all (no leaf 0xD).
 */
int linux_check(const struct cpuid_table *t, enum linux_version v,
		const struct linux_state_override *ov, struct linux_result *r,
		struct xsvm_err *err);

/*
 * The XCR0 and XSS that kernel v would enter for t (steps 1-3 of the
 * check): the default state the builder sizes EBX for.
 */
void linux_enter_state(const struct cpuid_table *t, enum linux_version v,
		       uint64_t *xcr0, uint64_t *xss);

#endif
