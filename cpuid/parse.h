/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the four table formats xsvm reads:
 *
 *  - dump lines, as shared/cpuid-dumps and `xsvm cpuid build` print them:
 *      leaf=0x0000000d subleaf=0x2 eax=0x00000100 ebx=0x00000240 ecx=0x0 edx=0x0
 *    ('#' comments and blank lines allowed);
 *  - Debian's `cpuid -r` raw output: "CPU n:" blocks of lines
 *      0x0000000d 0x02: eax=0x00000100 ebx=0x00000240 ecx=0x00000000 edx=0x00000000
 *    (CPU 0 is used; whether other CPUs differ is reported);
 *  - the kernel's leaf-0xD dump found in a dmesg:
 *      [    0.000000] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=00000000 edx=00000000
 *    (with or without the timestamp; other log lines are skipped);
 *  - kvm-json, one JSON object in the shape of KVM's struct kvm_cpuid2, as
 *    `xsvm cpuid build --format kvm-json` prints it:
 *      {"nent": 2, "entries": [
 *        {"function": 13, "index": 0, "flags": 1, "eax": 7, "ebx": 576,
 *         "ecx": 576, "edx": 0}, ...]}
 *    Numbers are JSON decimal integers from 0 to 4294967295; flags is 1
 *    (KVM_CPUID_FLAG_SIGNIFCANT_INDEX) exactly for the leaves
 *    cpuid_leaf_is_indexed() names and 0 otherwise; nent equals the number
 *    of entries. Only these keys, objects and arrays are accepted: no
 *    strings as values, no escapes in keys, no other JSON.
 *
 * A file is taken as kvm-json when its first non-blank character is '{'.
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
	CPUID_FORMAT_KVM_JSON, /* {"nent": N, "entries": [...]} */
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

/*
 * Print t as one kvm-json object (the format above), one entry per line,
 * numbers in decimal. Returns the length the full output needs; the
 * output in buf is truncated and NUL-terminated like snprintf's.
 */
size_t cpuid_table_print_kvm_json(const struct cpuid_table *t, char *buf,
				  size_t len);

/*
 * Print t as Debian's `cpuid -r` prints one CPU: "CPU 0:" then, per entry,
 * "   0x0000000d 0x01: eax=0x0000001f ebx=0x00002a80 ecx=0x0000dd00 edx=0x00000000".
 * Returns the length the full output needs, like cpuid_table_print().
 */
size_t cpuid_table_print_raw(const struct cpuid_table *t, char *buf,
			     size_t len);

/*
 * Print t in format f: DUMP (cpuid_table_print), RAW or KVM_JSON. Any
 * other format prints nothing and returns 0.
 */
size_t cpuid_table_print_format(const struct cpuid_table *t,
				enum cpuid_format f, char *buf, size_t len);

/*
 * The export format named s: "dump", "kvm-json" or "cpuid-r" (RAW).
 * Returns 0 or -EINVAL with err set.
 */
int cpuid_export_format_parse(const char *s, enum cpuid_format *f,
			      struct xsvm_err *err);
/* The --format name of an export format: "dump", "kvm-json", "cpuid-r". */
const char *cpuid_export_format_name(enum cpuid_format f);

#endif
