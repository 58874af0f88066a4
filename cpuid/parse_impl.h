/* SPDX-License-Identifier: MIT */
/*
 * What the table parsers share (not an interface for callers: they use
 * parse.h). parse.c reads the line formats and picks the reader of a
 * text; parse_kvm_json.c reads kvm-json.
 */
#ifndef XSVM_CPUID_PARSE_IMPL_H
#define XSVM_CPUID_PARSE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct parser {
	const char *name;
	unsigned int lineno;
	struct xsvm_err *err;
};

/* Set err to "NAME:LINE: what"; returns the negative errno of code. */
int parse_fail(const struct parser *ps, int code, const char *what);
/* Add one entry to t; a duplicate or a full table is an error. */
int parse_add(const struct parser *ps, struct cpuid_table *t, uint32_t leaf,
	      uint32_t sub, const uint32_t r[CPUID_NR_REGS]);

/* parse_kvm_json.c: text[0..len) as one kvm-json object into t. */
int kvm_json_parse(struct parser *ps, const char *text, size_t len,
		   struct cpuid_table *t);

#endif
