/* SPDX-License-Identifier: MIT */
/* Shared helpers for the cmocka tests. */
#ifndef XSVM_TEST_UTIL_H
#define XSVM_TEST_UTIL_H

#include <stddef.h>

#include "cpuid/parse.h"
#include "cpuid/table.h"

/* Read a whole file into a malloc'd, NUL-terminated buffer; fails the test. */
char *test_read_file(const char *path, size_t *len);

/* Parse XSVM_TEST_DATA/cpuid-dumps/NAME into t; fails the test on error. */
void test_load_dump(const char *name, struct cpuid_table *t);

/* Parse a string in the given format into t; fails the test on error. */
void test_parse_str(const char *text, struct cpuid_table *t);

/* The 25 dump file names under XSVM_TEST_DATA/cpuid-dumps. */
extern const char *const test_dump_names[];
extern const unsigned int test_nr_dumps;

#endif
