/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libFuzzer targets: reading a fixed input table once
 * (tests/data, at the path the build gives as XSVM_TEST_DATA), and stopping
 * with abort() when an invariant fails, which libFuzzer reports as a crash.
 */
#ifndef XSVM_FUZZ_UTIL_H
#define XSVM_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/parse.h"
#include "cpuid/table.h"

/* The fixed table the targets work on: Sapphire Rapids, as the tests use. */
#define FUZZ_SPR_DUMP XSVM_TEST_DATA "/cpuid-dumps/intel-sapphirerapids.txt"

/* An invariant failed: a finding. */
#define FUZZ_CHECK(cond)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",   \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* Parse a dump file into t; a missing or bad file is a set-up error. */
static inline void fuzz_load_table(const char *path, struct cpuid_table *t)
{
	struct xsvm_err err = { { 0 } };
	char *text;
	long len;
	FILE *f = fopen(path, "rb");

	FUZZ_CHECK(f);
	FUZZ_CHECK(!fseek(f, 0, SEEK_END));
	len = ftell(f);
	FUZZ_CHECK(len > 0 && !fseek(f, 0, SEEK_SET));
	text = malloc((size_t)len);
	FUZZ_CHECK(text && fread(text, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	FUZZ_CHECK(!cpuid_parse(t, path, text, (size_t)len, CPUID_FORMAT_AUTO,
				NULL, &err));
	free(text);
}

/* Little-endian reads from a cursor over the input; zeros past its end. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint32_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		if (!in->n)
			break;
		v |= (uint32_t)*in->p << (8 * i);
		in->p++;
		in->n--;
	}
	return v;
}

#endif
