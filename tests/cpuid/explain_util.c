// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain_util.h"
#include "test_util.h"

void test_explain_text(const char *text, size_t len, struct explain_log *log,
		       struct cpuid_table *t, struct explain_result *r)
{
	struct xsvm_err err = { { 0 } };
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, text, len);
	len = explain_log_strip_nul(copy, len);
	assert_int_equal(explain_log_scan(copy, len, log), 0);
	if (log->dump == EXPLAIN_DUMP_DMESG)
		assert_int_equal(cpuid_parse(t, "log", copy,
					     log->dump_off + log->dump_len,
					     CPUID_FORMAT_DMESG, NULL, &err), 0);
	else if (log->dump == EXPLAIN_DUMP_TABLE)
		assert_int_equal(cpuid_parse(t, "log", copy, len,
					     CPUID_FORMAT_AUTO, NULL, &err), 0);
	else
		assert_int_equal(explain_log_table(log, t), 0);
	free(copy);
	assert_int_equal(explain_table(t, log, r), 0);
}

void test_explain_log(const char *name, struct explain_log *log,
		      struct cpuid_table *t, struct explain_result *r)
{
	char path[512];
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/logs/%s", XSVM_TEST_DATA, name);
	text = test_read_file(path, &len);
	test_explain_text(text, len, log, t, r);
	free(text);
}
