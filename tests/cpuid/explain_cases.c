// SPDX-License-Identifier: MIT
/* What the explain tests share (see explain_cases.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "explain_cases.h"
#include "explain_util.h"

struct explain_log elog;
struct cpuid_table table;
struct explain_result res;

/* Scan text, build the table as `xsvm explain` does and explain it. */
void explain_text(const char *text, size_t len)
{
	test_explain_text(text, len, &elog, &table, &res);
}

void explain_str(const char *text)
{
	explain_text(text, strlen(text));
}

/* Exactly one cause, of this kind, with this text. */
void assert_one_cause(enum explain_cause_kind k, const char *text)
{
	if (res.nr_causes != 1 || res.causes[0].kind != k)
		for (unsigned int i = 0; i < res.nr_causes; i++)
			print_message("cause %u: %s\n", i, res.causes[i].text);
	assert_int_equal(res.nr_causes, 1);
	assert_int_equal(res.causes[0].kind, k);
	assert_string_equal(res.causes[0].text, text);
}
