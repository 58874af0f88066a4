// SPDX-License-Identifier: MIT
/*
 * Tests of vmm/probe_cache.c: the probe's findings kept per host, used only
 * for the host they were measured on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/probe_cache.h"

static char dir[] = "/tmp/xsvm-cache-test.XXXXXX";

static const struct host_id box = {
	.module = "kvm_amd",
	.release = "6.1.0-57-amd64",
	.vendor = "AuthenticAMD",
	.family = 15,
	.model = 107,
	.stepping = 1,
};

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	return setenv("XSVM_CACHE_DIR", dir, 1);
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_round_trip(void **state)
{
	const struct probe_findings f = {
		.defects = (1u << PROBE_DEFECT_EBX0_STALE) |
			   (1u << PROBE_DEFECT_XCR0_IGNORED),
		.stale_ebx0 = 576,
		.nr_faithful = 9,
		.nr_unfaithful = 8,
	};
	struct probe_findings g;
	char path[PROBE_CACHE_PATH_LEN], want[PROBE_CACHE_PATH_LEN], key[192];

	(void)state;
	host_id_key(&box, key, sizeof(key));
	assert_string_equal(key,
			    "kvm_amd 6.1.0-57-amd64 AuthenticAMD 15 107 1");
	assert_int_equal(probe_cache_path(&box, path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/probe-", dir);
	assert_memory_equal(path, want, strlen(want));
	assert_int_equal(strlen(path), strlen(want) + 16 + 4);
	assert_int_equal(probe_cache_load(path, &box, &g), -ENOENT);
	assert_int_equal(probe_cache_store(path, &box, &f), 0);
	assert_int_equal(probe_cache_load(path, &box, &g), 0);
	assert_memory_equal(&f, &g, sizeof(f));
}

/* Another kernel release or module: the file is not this host's. */
static void test_other_host(void **state)
{
	const struct probe_findings f = {.defects = 1, .nr_unfaithful = 1};
	struct host_id other = box;
	struct probe_findings g;
	char path[PROBE_CACHE_PATH_LEN];

	(void)state;
	assert_int_equal(probe_cache_path(&box, path, sizeof(path)), 0);
	assert_int_equal(probe_cache_store(path, &box, &f), 0);
	snprintf(other.release, sizeof(other.release), "6.1.0-58-amd64");
	assert_int_equal(probe_cache_load(path, &other, &g), -ESTALE);
	other = box;
	snprintf(other.module, sizeof(other.module), "kvm_intel");
	assert_int_equal(probe_cache_load(path, &other, &g), -ESTALE);
	other = box;
	other.stepping = 2;
	assert_int_equal(probe_cache_load(path, &other, &g), -ESTALE);
}

/* A damaged file is not used. */
static void test_damaged(void **state)
{
	struct probe_findings g;
	char path[PROBE_CACHE_PATH_LEN];
	FILE *f;

	(void)state;
	assert_int_equal(probe_cache_path(&box, path, sizeof(path)), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("xsvm-probe-findings 1\nhost kvm_amd 6.1.0-57-amd64 AuthenticAMD 15 107 1\ndefects zz\n",
	      f);
	fclose(f);
	assert_int_equal(probe_cache_load(path, &box, &g), -EINVAL);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("something else\n", f);
	fclose(f);
	assert_int_equal(probe_cache_load(path, &box, &g), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_host),
		cmocka_unit_test(test_damaged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
