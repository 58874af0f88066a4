// SPDX-License-Identifier: MIT
/*
 * cpuid_parse() on any text, every format auto-detected; a table that
 * parses is printed in every export format and each print parsed again,
 * which must give the same table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/parse.h"
#include "fuzz_util.h"

static bool same_table(const struct cpuid_table *a,
		       const struct cpuid_table *b)
{
	if (a->nr != b->nr)
		return false;
	for (unsigned int i = 0; i < a->nr; i++) {
		const struct cpuid_entry *x = &a->e[i], *y = &b->e[i];

		if (x->leaf != y->leaf || x->subleaf != y->subleaf ||
		    x->flags != y->flags || x->eax != y->eax ||
		    x->ebx != y->ebx || x->ecx != y->ecx || x->edx != y->edx)
			return false;
	}
	return true;
}

static void round_trip(const struct cpuid_table *t, enum cpuid_format f,
		       struct cpuid_table *back)
{
	struct xsvm_err err = { { 0 } };
	struct cpuid_parse_info info;
	size_t need = cpuid_table_print_format(t, f, NULL, 0);
	char *buf = malloc(need + 1);

	FUZZ_CHECK(buf);
	FUZZ_CHECK(cpuid_table_print_format(t, f, buf, need + 1) == need);
	FUZZ_CHECK(strlen(buf) == need);
	if (cpuid_parse(back, "print", buf, need, CPUID_FORMAT_AUTO, &info,
			&err)) {
		fprintf(stderr, "%s output does not parse: %s\n",
			cpuid_export_format_name(f), err.msg);
		abort();
	}
	FUZZ_CHECK(info.format == f);
	if (!same_table(t, back)) {
		fprintf(stderr, "%s round trip changed the table\n",
			cpuid_export_format_name(f));
		abort();
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum cpuid_format formats[] = {
		CPUID_FORMAT_DUMP, CPUID_FORMAT_RAW, CPUID_FORMAT_KVM_JSON,
	};
	struct xsvm_err err = { { 0 } };
	struct cpuid_parse_info info;
	struct cpuid_table *t = malloc(2 * sizeof(*t));
	size_t need;
	char *buf;

	FUZZ_CHECK(t);
	if (cpuid_parse(t, "fuzz", (const char *)data, size,
			CPUID_FORMAT_AUTO, &info, &err)) {
		FUZZ_CHECK(err.msg[0]);
		free(t);
		return 0;
	}
	FUZZ_CHECK(t->nr <= CPUID_TABLE_MAX);
	/* The plain print agrees with the dump export, truncation included. */
	need = cpuid_table_print(t, NULL, 0);
	FUZZ_CHECK(need == cpuid_table_print_format(t, CPUID_FORMAT_DUMP,
						    NULL, 0));
	buf = malloc(need + 1);
	FUZZ_CHECK(buf);
	FUZZ_CHECK(cpuid_table_print(t, buf, need / 2 + 1) == need);
	FUZZ_CHECK(strlen(buf) <= need / 2);
	free(buf);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		round_trip(t, formats[i], &t[1]);
	free(t);
	return 0;
}
