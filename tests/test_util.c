// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

const char *const test_dump_names[] = {
	"amd-genoa.txt",
	"amd-graniteridge.txt",
	"amd-milan.txt",
	"amd-raphael.txt",
	"amd-rome.txt",
	"amd-summitridge.txt",
	"amd-turin.txt",
	"intel-alderlake-avx512.txt",
	"intel-alderlake.txt",
	"intel-alderlaken-gracemont.txt",
	"intel-arrowlake.txt",
	"intel-cascadelakesp.txt",
	"intel-denverton-goldmont.txt",
	"intel-emeraldrapids-xcr0-noamx.txt",
	"intel-emeraldrapids.txt",
	"intel-graniterapids.txt",
	"intel-icelakesp.txt",
	"intel-jasperlake-tremont.txt",
	"intel-meteorlake.txt",
	"intel-pantherlake.txt",
	"intel-raptorlake.txt",
	"intel-rocketlake.txt",
	"intel-sapphirerapids.txt",
	"intel-skylakesp.txt",
	"intel-tigerlake.txt",
};
const unsigned int test_nr_dumps =
	sizeof(test_dump_names) / sizeof(test_dump_names[0]);

char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

void test_load_dump(const char *name, struct cpuid_table *t)
{
	char path[512];
	struct xsvm_err err = { { 0 } };
	size_t len;
	char *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/cpuid-dumps/%s", XSVM_TEST_DATA, name);
	buf = test_read_file(path, &len);
	ret = cpuid_parse(t, name, buf, len, CPUID_FORMAT_AUTO, NULL, &err);
	free(buf);
	if (ret)
		fail_msg("%s: %s", name, err.msg);
}

void test_parse_str(const char *text, struct cpuid_table *t)
{
	struct xsvm_err err = { { 0 } };

	if (cpuid_parse(t, "<string>", text, strlen(text), CPUID_FORMAT_AUTO,
			NULL, &err))
		fail_msg("%s", err.msg);
}
