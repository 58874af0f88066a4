/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the three table formats xsvm reads:
 *
 *  - dump lines, as shared/cpuid-dumps and `xsvm cpuid build` print them:
 *      leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x0 edx=0x0
 *    ('#' comments and blank lines allowed);
 *  - Debian's `cpuid -r` raw output: "CPU n:" blocks of lines
 *      0x0000000d 0x02: eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000
 *    (CPU 0 is used; whether other CPUs differ is reported);
 *  - the kernel's leaf-0xD dump found in a dmesg:
 *      [    0.000000] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=00000000 edx=00000000
 *    (with or without the timestamp; other log lines are skipped).
 *
 * The input is a buffer, not a file: the caller reads the file and passes its
 * name for messages. Errors name the file, the line number and what was wrong.
 */
#ifndef XSVM_CPUID_PARSE_H
#define XSVM_CPUID_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "table.h"

enum cpuid_format {
	CPUID_FORMAT_AUTO,
	CPUID_FORMAT_DUMP,  /* leaf=... subleaf=... */
	CPUID_FORMAT_RAW,   /* cpuid -r */
	CPUID_FORMAT_DMESG, /* CPUID[0d, NN]: ... */
};

struct cpuid_parse_info {
	enum cpuid_format format; /* the format detected */
	unsigned int entries;	  /* entries added */
	unsigned int cpus;	  /* cpuid -r: CPU blocks seen */
	bool cpus_differ;	  /* cpuid -r: some CPU differs from CPU 0 */
	unsigned int first_diff_cpu; /* the first such CPU */
};

const char *cpuid_format_name(enum cpuid_format f);

/*
 * Parse text[0..len) (need not be NUL-terminated) into t, which is
 * initialised first. name is used in messages: "NAME:LINE: reason".
 * Returns 0 or a negative errno with err set.
 */
int cpuid_parse(struct cpuid_table *t, const char *name, const char *text,
		size_t len, enum cpuid_format fmt, struct cpuid_parse_info *info,
		struct xsvm_err *err);

/*
 * Print t in the dump format, one entry per line, into buf. Returns the
 * length the full output needs (like snprintf).
 */
size_t cpuid_table_print(const struct cpuid_table *t, char *buf, size_t len);

#endif
