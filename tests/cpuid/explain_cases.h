/* SPDX-License-Identifier: MIT */
/*
 * What test_explain.c and test_explain_log.c share: the log, table and
 * result a test explains into, as `xsvm explain` does, what they assert,
 * and the subleaves their crafted dumps are made of.
 */
#ifndef XSVM_TEST_EXPLAIN_CASES_H
#define XSVM_TEST_EXPLAIN_CASES_H

#include <stddef.h>

#include "cpuid/explain.h"

/* What the last explain_text() scanned, built and explained. */
extern struct explain_log elog;
extern struct cpuid_table table;
extern struct explain_result res;

/* Scan text, build the table as `xsvm explain` does and explain it. */
void explain_text(const char *text, size_t len);
void explain_str(const char *text);

/* Exactly one cause, of this kind, with this text. */
void assert_one_cause(enum explain_cause_kind k, const char *text);

/* Subleaves 2, 5, 6, 7 of Sapphire Rapids, for the crafted dumps. */
#define SUB(n, a, b, c) \
	"leaf=0x0000000d subleaf=0x" #n " eax=0x" #a " ebx=0x" #b " ecx=0x" #c " edx=0x0\n"
#define AVX SUB(2, 100, 240, 0)
#define AVX512 SUB(5, 40, 440, 0) SUB(6, 200, 480, 0) SUB(7, 400, 680, 0)

#endif
