// SPDX-License-Identifier: MIT
/*
 * The component layouts of cpuid/xsave_variants.c against the 25 dumps
 * they come from, both ways: every entry occurs in each dump it names and
 * in no other, and every layout the dumps have is an entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/xsave.h"
#include "cpuid/xsave_variants.h"
#include "test_util.h"

static struct cpuid_table dumps[32];

static void load_all(void)
{
	assert_true(test_nr_dumps <= sizeof(dumps) / sizeof(dumps[0]));
	for (unsigned int d = 0; d < test_nr_dumps; d++)
		test_load_dump(test_dump_names[d], &dumps[d]);
}

/* The layout of 0xd.i, i >= 2, in dump d is variant v. */
static bool has_variant(unsigned int d, const struct xsave_variant *v)
{
	struct xsave_comp c;

	xsave_comp_read(&dumps[d], v->index, &c);
	return c.present && c.size && c.size == v->size &&
	       c.offset == v->offset && c.aligned == v->aligned;
}

/* "intel-skylakesp.txt" is named in v->dumps as "intel-skylakesp". */
static bool names_dump(const struct xsave_variant *v, const char *file)
{
	size_t n = strlen(file) - strlen(".txt");
	const char *p = v->dumps;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (w == n && !strncmp(p, file, n))
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

/* Every entry: distinct, in each dump it names and in no other. */
static void test_entries_occur(void **state)
{
	unsigned int nr;
	const struct xsave_variant *v = xsave_variants(&nr);

	(void)state;
	load_all();
	assert_int_equal(nr, 22);
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int named = 0;

		for (unsigned int j = 0; j < i; j++)
			assert_false(v[j].index == v[i].index &&
				     v[j].size == v[i].size &&
				     v[j].offset == v[i].offset &&
				     v[j].aligned == v[i].aligned);
		for (unsigned int d = 0; d < test_nr_dumps; d++) {
			bool in = has_variant(d, &v[i]);

			if (in != names_dump(&v[i], test_dump_names[d]))
				fail_msg("component %u (%u bytes at %u): %s %s",
					 v[i].index, v[i].size, v[i].offset,
					 test_dump_names[d],
					 in ? "has it but is not named" :
					      "is named but has another layout");
			named += in;
		}
		assert_true(named > 0);
	}
}

/* Every layout of every dump is an entry. */
static void test_dumps_covered(void **state)
{
	unsigned int nr, found = 0;
	const struct xsave_variant *v = xsave_variants(&nr);

	(void)state;
	load_all();
	for (unsigned int d = 0; d < test_nr_dumps; d++) {
		for (unsigned int i = 2; i < XSAVE_MAX_COMPONENTS; i++) {
			struct xsave_comp c;
			bool known = false;

			xsave_comp_read(&dumps[d], i, &c);
			if (!c.present || !c.size)
				continue;
			for (unsigned int k = 0; k < nr && !known; k++)
				known = v[k].index == i && has_variant(d, &v[k]);
			if (!known)
				fail_msg("%s: component %u, %u bytes at %u%s, is not in the table",
					 test_dump_names[d], i, c.size, c.offset,
					 c.aligned ? " aligned" : "");
			found++;
		}
	}
	/* every present component of every dump, counted once */
	assert_int_equal(found, 186);
}

/* Tags and words say whose layout it is: the vendor of its dumps. */
static void test_tags(void **state)
{
	unsigned int nr;
	const struct xsave_variant *v = xsave_variants(&nr);

	(void)state;
	for (unsigned int i = 0; i < nr; i++) {
		bool intel = strstr(v[i].dumps, "intel-") != NULL;
		bool amd = strstr(v[i].dumps, "amd-") != NULL;

		assert_true(i == 0 || v[i - 1].index < v[i].index ||
			    (v[i - 1].index == v[i].index &&
			     v[i - 1].offset < v[i].offset));
		assert_int_equal(intel, !strncmp(v[i].tag, "intel", 5));
		assert_int_equal(amd, strstr(v[i].tag, "amd") != NULL);
		assert_int_equal(intel, strstr(v[i].cpus, "Intel") != NULL);
		assert_int_equal(amd, strstr(v[i].cpus, "AMD") != NULL);
		for (const char *p = v[i].tag; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') ||
				    (*p >= '0' && *p <= '9') || *p == '_');
	}
}

/* The layouts FACTS.md names: PKRU on Intel and Zen 2, AVX-512 on Zen 4. */
static void test_known_layouts(void **state)
{
	unsigned int nr, pkru = 0;
	const struct xsave_variant *v = xsave_variants(&nr);

	(void)state;
	for (unsigned int i = 0; i < nr; i++) {
		if (v[i].index == 9) {
			pkru++;
			if (!strcmp(v[i].tag, "amd_zen2")) {
				assert_int_equal(v[i].size, 64);
				assert_int_equal(v[i].offset, 0x340);
				assert_string_equal(v[i].dumps, "amd-rome");
			}
			if (!strcmp(v[i].tag, "intel")) {
				assert_int_equal(v[i].size, 8);
				assert_int_equal(v[i].offset, 0xa80);
			}
		}
		if (v[i].index == 7 && !strcmp(v[i].tag, "amd_zen4_5"))
			assert_int_equal(v[i].offset, 0x580);
	}
	assert_int_equal(pkru, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_occur),
		cmocka_unit_test(test_dumps_covered),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_known_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
