/* SPDX-License-Identifier: MIT */
/* Explaining a log in the tests, as `xsvm explain` does (vmm/cli/cli_explain.c). */
#ifndef XSVM_TEST_EXPLAIN_UTIL_H
#define XSVM_TEST_EXPLAIN_UTIL_H

#include <stddef.h>

#include "cpuid/explain.h"

/*
 * NUL bytes dropped, the log scanned, the table parsed from the dump range
 * (or made of the x86/fpu lines) and explained; fails the test when a step
 * does.
 */
void test_explain_text(const char *text, size_t len, struct explain_log *log,
		       struct cpuid_table *t, struct explain_result *r);

/* The same for the log XSVM_TEST_DATA/logs/NAME. */
void test_explain_log(const char *name, struct explain_log *log,
		      struct cpuid_table *t, struct explain_result *r);

#endif
