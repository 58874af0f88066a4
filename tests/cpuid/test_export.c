// SPDX-License-Identifier: MIT
/*
 * Tests of the export formats (kvm-json and cpuid -r: the printers of
 * cpuid/print.c and the reader of cpuid/parse_kvm_json.c) and of
 * cpuid_xsave_diff().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/builder.h"
#include "cpuid/diff.h"
#include "cpuid/parse.h"
#include "test_util.h"

static struct cpuid_table t, back;

static int parse(const char *text, struct cpuid_parse_info *info,
		 struct xsvm_err *err)
{
	memset(err, 0, sizeof(*err));
	return cpuid_parse(&t, "f.json", text, strlen(text), CPUID_FORMAT_AUTO,
			   info, err);
}

static void expect_error(const char *text, int code, const char *msg)
{
	struct xsvm_err err;
	int ret = parse(text, NULL, &err);

	if (ret != -code || strcmp(err.msg, msg))
		fail_msg("got %d '%s', want %d '%s'", ret, err.msg, -code, msg);
}

/* A one-entry document with the entry's members given as text. */
static void expect_entry_error(const char *members, int code, const char *msg)
{
	char text[512];

	snprintf(text, sizeof(text), "{\"nent\": 1, \"entries\": [{%s}]}\n",
		 members);
	expect_error(text, code, msg);
}

static void test_kvm_json_valid(void **state)
{
	struct cpuid_parse_info info;
	struct xsvm_err err;

	(void)state;
	assert_int_equal(parse("  \n{ \"entries\" : [\n"
			       "  {\"edx\": 4, \"ecx\": 3, \"ebx\": 2, \"eax\": 1,\n"
			       "   \"flags\": 0, \"index\": 0, \"function\": 1},\r\n"
			       "  {\"function\": 13, \"index\": 2, \"flags\": 1, \"eax\": 256, \"ebx\": 576, \"ecx\": 0, \"edx\": 4294967295},\n"
			       "\t{\"function\":13,\"index\":0,\"flags\":1,\"eax\":7,\"ebx\":832,\"ecx\":832,\"edx\":0}\n"
			       "], \"nent\": 3 }\n\n",
			       &info, &err),
			 0);
	assert_int_equal(info.format, CPUID_FORMAT_KVM_JSON);
	assert_string_equal(cpuid_format_name(info.format), "kvm-json");
	assert_int_equal(info.entries, 3);
	assert_int_equal(t.nr, 3);
	assert_int_equal(t.e[0].leaf, 1);
	assert_int_equal(t.e[0].flags, 0);
	assert_int_equal(t.e[0].eax, 1);
	assert_int_equal(t.e[0].edx, 4);
	assert_int_equal(t.e[1].leaf, 0xd);
	assert_int_equal(t.e[1].subleaf, 0);
	assert_int_equal(t.e[1].flags, CPUID_FLAG_INDEXED);
	assert_int_equal(t.e[1].ebx, 832);
	assert_int_equal(t.e[2].subleaf, 2);
	assert_int_equal(t.e[2].edx, 0xffffffffu);
	/* an empty table is the same error as in every format */
	expect_error("{\"nent\": 0, \"entries\": []}", ENODATA,
		     "f.json: no CPUID entries found");
}

static void test_kvm_json_entry_errors(void **state)
{
	(void)state;
	expect_entry_error("\"function\": 1, \"index\": 0, \"flags\": 0, \"eax\": 1, \"ebx\": 2, \"ecx\": 3",
			   EINVAL, "f.json:1: entries[0]: missing key 'edx'");
	expect_entry_error("", EINVAL,
			   "f.json:1: entries[0]: missing key 'function'");
	expect_entry_error("\"function\": 1, \"index\": 0, \"flags\": 0, \"eax\": \"0x1\", \"ebx\": 2, \"ecx\": 3, \"edx\": 4",
			   EINVAL,
			   "f.json:1: entries[0]: 'eax' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"function\": -1", EINVAL,
			   "f.json:1: entries[0]: 'function' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"index\": 1.5", EINVAL,
			   "f.json:1: entries[0]: 'index' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"ebx\": 1e3", EINVAL,
			   "f.json:1: entries[0]: 'ebx' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"ecx\": 012", EINVAL,
			   "f.json:1: entries[0]: 'ecx' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"edx\": 0x10", EINVAL,
			   "f.json:1: entries[0]: 'edx' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"edx\": true", EINVAL,
			   "f.json:1: entries[0]: 'edx' is not a decimal number from 0 to 4294967295");
	expect_entry_error("\"eax\": 4294967296", ERANGE,
			   "f.json:1: entries[0]: 'eax' value out of range (over 32 bits)");
	expect_entry_error("\"eax\": 99999999999999999999999", ERANGE,
			   "f.json:1: entries[0]: 'eax' value out of range (over 32 bits)");
	expect_entry_error("\"function\": 1, \"leaf\": 1", EINVAL,
			   "f.json:1: entries[0]: unknown key 'leaf' (expected function, index, flags, eax, ebx, ecx, edx)");
	expect_entry_error("\"eax\": 1, \"eax\": 2", EINVAL,
			   "f.json:1: entries[0]: duplicate key 'eax'");
	expect_entry_error("\"function\": 13, \"index\": 0, \"flags\": 0, \"eax\": 1, \"ebx\": 2, \"ecx\": 3, \"edx\": 4",
			   EINVAL,
			   "f.json:1: entries[0]: 'flags' 0 does not match leaf 0xd, which is indexed (flags 1)");
	expect_entry_error("\"function\": 1, \"index\": 0, \"flags\": 1, \"eax\": 1, \"ebx\": 2, \"ecx\": 3, \"edx\": 4",
			   EINVAL,
			   "f.json:1: entries[0]: 'flags' 1 does not match leaf 0x1, which is not indexed (flags 0)");
	expect_entry_error("\"function\": 1 \"index\": 0", EINVAL,
			   "f.json:1: expected ',' or '}' in an entry, found '\"'");
	expect_entry_error("\"fun\\u0063tion\": 1", EINVAL,
			   "f.json:1: escape sequences are not supported in keys");
	expect_entry_error("\"function\" 1", EINVAL,
			   "f.json:1: expected ':' after the key, found '1'");
	expect_entry_error("function: 1", EINVAL,
			   "f.json:1: expected a key string, found 'f'");
	expect_entry_error("\"a_key_that_is_far_too_long_for_any_of_these\": 1",
			   EINVAL, "f.json:1: key too long (over 31 characters)");
}

static void test_kvm_json_document_errors(void **state)
{
	static const char entry[] =
		"{\"function\": 1, \"index\": 0, \"flags\": 0, \"eax\": 1, \"ebx\": 2, \"ecx\": 3, \"edx\": 4}";
	char text[1024];

	(void)state;
	/* trailing garbage */
	snprintf(text, sizeof(text), "{\"nent\": 1, \"entries\": [%s]}\n\nx\n",
		 entry);
	expect_error(text, EINVAL,
		     "f.json:3: unexpected text after the JSON object");
	snprintf(text, sizeof(text), "{\"nent\": 1, \"entries\": [%s]}{}", entry);
	expect_error(text, EINVAL,
		     "f.json:1: unexpected text after the JSON object");
	/* duplicate entry, named on its own line */
	snprintf(text, sizeof(text),
		 "{\"nent\": 2, \"entries\": [\n%s,\n%s\n]}\n", entry, entry);
	expect_error(text, EEXIST,
		     "f.json:3: duplicate entry for leaf 0x1 subleaf 0x0");
	/* missing and unknown top-level keys */
	snprintf(text, sizeof(text), "{\"entries\": [%s]\n}\n", entry);
	expect_error(text, EINVAL, "f.json:2: missing key 'nent'");
	expect_error("{\"nent\": 1}", EINVAL,
		     "f.json:1: missing key 'entries'");
	expect_error("{}", EINVAL, "f.json:1: missing key 'nent'");
	expect_error("{\"nent\": 1, \"cpuid\": []}", EINVAL,
		     "f.json:1: unknown key 'cpuid' (expected 'nent' and 'entries')");
	expect_error("{\"nent\": 1, \"nent\": 1}", EINVAL,
		     "f.json:1: duplicate key 'nent'");
	snprintf(text, sizeof(text),
		 "{\"nent\": 1, \"entries\": [%s], \"entries\": []}", entry);
	expect_error(text, EINVAL, "f.json:1: duplicate key 'entries'");
	/* nent must count the entries */
	snprintf(text, sizeof(text), "{\"nent\": 2, \"entries\": [%s]}", entry);
	expect_error(text, EINVAL,
		     "f.json:1: 'nent' is 2 but 'entries' has 1 entries");
	expect_error("{\"nent\": \"1\", \"entries\": []}", EINVAL,
		     "f.json:1: 'nent' is not a decimal number from 0 to 4294967295");
	/* shapes that are not this one */
	expect_error("{\"nent\": 1, \"entries\": {}}", EINVAL,
		     "f.json:1: expected '[' starting 'entries', found '{'");
	expect_error("{\"nent\": 1, \"entries\": [1]}", EINVAL,
		     "f.json:1: expected '{' starting an entry, found '1'");
	snprintf(text, sizeof(text), "{\"nent\": 1, \"entries\": [%s}", entry);
	expect_error(text, EINVAL,
		     "f.json:1: expected ',' or ']' in 'entries', found '}'");
	snprintf(text, sizeof(text), "{\"nent\": 1, \"entries\": [%s]", entry);
	expect_error(text, EINVAL,
		     "f.json:1: expected ',' or '}' after a member, found end of file");
	expect_error("{\"nent\": 1, \"entr", EINVAL,
		     "f.json:1: unterminated key string");
	/* detection: '{' first means kvm-json, whatever follows */
	expect_error("\n\n{ # comment\n", EINVAL,
		     "f.json:3: expected a key string, found '#'");
}

/* The 513th entry does not fit; a nent over the capacity is refused first. */
static void test_kvm_json_too_many(void **state)
{
	size_t len = 100 * (CPUID_TABLE_MAX + 1) + 64, n = 0;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, len - n, "{\"entries\": [\n");
	for (unsigned int i = 0; i <= CPUID_TABLE_MAX; i++)
		n += (size_t)snprintf(text + n, len - n,
				      "{\"function\": %u, \"index\": 0, \"flags\": 0, \"eax\": 0, \"ebx\": 0, \"ecx\": 0, \"edx\": 0}%s\n",
				      0x40000000u + i,
				      i < CPUID_TABLE_MAX ? "," : "");
	n += (size_t)snprintf(text + n, len - n, "], \"nent\": %u}\n",
			      CPUID_TABLE_MAX + 1);
	assert_true(n < len);
	/* entry 512 is on line 514 */
	expect_error(text, ENOSPC, "f.json:514: too many entries (table is full)");
	expect_error("{\"nent\": 513, \"entries\": []}", ENOSPC,
		     "f.json:1: 'nent' 513 is over the table's 512 entries");
	free(text);
}

static const char small_dump[] =
	"leaf=0x00000001 subleaf=0x0 eax=0x00a00f11 ebx=0x00020800 ecx=0xfffa3203 edx=0x178bfbff\n"
	"leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x00002a80 ecx=0x0000dd00 edx=0x00000000\n";

static void test_print_formats_exact(void **state)
{
	char buf[1024];
	size_t n, json_len;

	(void)state;
	test_parse_str(small_dump, &t);
	n = cpuid_table_print_kvm_json(&t, buf, sizeof(buf));
	assert_string_equal(buf,
			    "{\n"
			    "  \"nent\": 2,\n"
			    "  \"entries\": [\n"
			    "    {\"function\": 1, \"index\": 0, \"flags\": 0, \"eax\": 10489617, \"ebx\": 133120, \"ecx\": 4294586883, \"edx\": 395049983},\n"
			    "    {\"function\": 13, \"index\": 1, \"flags\": 1, \"eax\": 31, \"ebx\": 10880, \"ecx\": 56576, \"edx\": 0}\n"
			    "  ]\n"
			    "}\n");
	assert_int_equal(n, strlen(buf));
	json_len = n;
	n = cpuid_table_print_raw(&t, buf, sizeof(buf));
	assert_string_equal(buf,
			    "CPU 0:\n"
			    "   0x00000001 0x00: eax=0x00a00f11 ebx=0x00020800 ecx=0xfffa3203 edx=0x178bfbff\n"
			    "   0x0000000d 0x01: eax=0x0000001f ebx=0x00002a80 ecx=0x0000dd00 edx=0x00000000\n");
	assert_int_equal(n, strlen(buf));
	assert_int_equal(cpuid_table_print_format(&t, CPUID_FORMAT_DUMP, buf,
						  sizeof(buf)),
			 strlen(small_dump));
	assert_string_equal(buf, small_dump);
	/* truncated: as much as fits, terminated, the full length returned */
	assert_int_equal(cpuid_table_print_raw(&t, buf, 10), n);
	assert_string_equal(buf, "CPU 0:\n  ");
	assert_int_equal(cpuid_table_print_kvm_json(&t, NULL, 0), json_len);
	assert_int_equal(cpuid_table_print_format(&t, CPUID_FORMAT_DMESG, buf,
						  sizeof(buf)),
			 0);
	assert_string_equal(buf, "");
}

static void test_export_format_names(void **state)
{
	struct xsvm_err err = { { 0 } };
	enum cpuid_format f;

	(void)state;
	assert_int_equal(cpuid_export_format_parse("dump", &f, &err), 0);
	assert_int_equal(f, CPUID_FORMAT_DUMP);
	assert_int_equal(cpuid_export_format_parse("kvm-json", &f, &err), 0);
	assert_int_equal(f, CPUID_FORMAT_KVM_JSON);
	assert_int_equal(cpuid_export_format_parse("cpuid-r", &f, &err), 0);
	assert_int_equal(f, CPUID_FORMAT_RAW);
	assert_string_equal(cpuid_export_format_name(f), "cpuid-r");
	assert_int_equal(cpuid_export_format_parse("json", &f, &err), -EINVAL);
	assert_string_equal(err.msg,
			    "--format 'json': expected dump, kvm-json or cpuid-r");
}

/* print in format f, parse back, expect the same table and format */
static void round_trip(const char *name, enum cpuid_format f)
{
	struct cpuid_parse_info info;
	struct xsvm_err err = { { 0 } };
	size_t need = cpuid_table_print_format(&t, f, NULL, 0);
	char *buf = malloc(need + 1);

	assert_non_null(buf);
	assert_int_equal(cpuid_table_print_format(&t, f, buf, need + 1), need);
	assert_int_equal(strlen(buf), need);
	if (cpuid_parse(&back, name, buf, need, CPUID_FORMAT_AUTO, &info,
			&err))
		fail_msg("%s (%s): %s", name, cpuid_export_format_name(f),
			 err.msg);
	free(buf);
	assert_int_equal(info.format, f);
	assert_int_equal(back.nr, t.nr);
	assert_memory_equal(back.e, t.e, t.nr * sizeof(t.e[0]));
	assert_int_equal(cpuid_table_hash(&back), cpuid_table_hash(&t));
}

static void test_round_trips(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < test_nr_dumps; i++) {
		struct xsave_build_params p;
		struct xsave_build_result r;
		struct xsvm_err err = { { 0 } };

		test_load_dump(test_dump_names[i], &t);
		xsave_build_params_init(&p);
		if (xsave_build(&t, &p, &r, &err))
			fail_msg("%s: %s", test_dump_names[i], err.msg);
		round_trip(test_dump_names[i], CPUID_FORMAT_KVM_JSON);
		round_trip(test_dump_names[i], CPUID_FORMAT_RAW);
		round_trip(test_dump_names[i], CPUID_FORMAT_DUMP);
	}
	assert_int_equal(test_nr_dumps, 25);
}

/* The host's cpuid -r file survives cpuid -r -> table -> cpuid -r. */
static void test_raw_host_round_trip(void **state)
{
	char path[512];
	size_t len;
	char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/host-cpuid-r.txt", XSVM_TEST_DATA);
	text = test_read_file(path, &len);
	test_parse_str(text, &t);
	free(text);
	round_trip("host-cpuid-r.txt", CPUID_FORMAT_RAW);
	round_trip("host-cpuid-r.txt", CPUID_FORMAT_KVM_JSON);
}

static struct cpuid_table xa, xb;
static struct cpuid_xsave_diff x;

static void test_xsave_diff_identical(void **state)
{
	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &xa);
	xb = xa;
	cpuid_xsave_diff(&xa, &xb, &x);
	assert_true(cpuid_xsave_diff_empty(&x));
	assert_int_equal(x.nr, 0);
	assert_int_equal(x.a.user, 0x602e7);
	assert_int_equal(x.a.supervisor, 0xdd00);
	assert_int_equal(x.a.ebx0, 0x2b00);
	assert_int_equal(x.a.ecx0, 0x2b00);
	assert_int_equal(x.a.ebx1, 0x2a80);
	assert_int_equal(x.a.standard_size, 11008);
	assert_int_equal(x.a.compacted_size, 11776);
}

/* Sapphire Rapids with PKRU removed and TILEDATA 64 bytes larger. */
static void test_xsave_diff_pkru_removed(void **state)
{
	const struct cpuid_xsave_comp_diff *c;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &xa);
	xb = xa;
	cpuid_table_find_mut(&xb, 0xd, 0)->eax = 0x600e7;
	assert_true(cpuid_table_remove(&xb, 0xd, 9));
	cpuid_table_find_mut(&xb, 0xd, 18)->eax = 8256;
	cpuid_xsave_diff(&xa, &xb, &x);
	assert_false(cpuid_xsave_diff_empty(&x));
	assert_int_equal(x.removed, 0x200);
	assert_int_equal(x.added, 0);
	assert_int_equal(x.b.user, 0x600e7);
	assert_int_equal(x.b.supervisor, 0xdd00);
	assert_int_equal(x.nr, 2);
	c = &x.c[0];
	assert_int_equal(c->index, 9);
	assert_int_equal(c->changes, CPUID_XSAVE_REMOVED | CPUID_XSAVE_SUBLEAF |
					     CPUID_XSAVE_SIZE |
					     CPUID_XSAVE_OFFSET);
	assert_true(c->in_a);
	assert_false(c->in_b);
	assert_true(c->a.present);
	assert_false(c->b.present);
	assert_int_equal(c->a.size, 8);
	assert_int_equal(c->a.offset, 2688);
	c = &x.c[1];
	assert_int_equal(c->index, 18);
	assert_int_equal(c->changes, CPUID_XSAVE_SIZE);
	assert_int_equal(c->a.size, 8192);
	assert_int_equal(c->b.size, 8256);
	/* the table's own EBX/ECX are unchanged; the implied sizes are not */
	assert_int_equal(x.sizes_changed, (1u << CPUID_XSAVE_STANDARD) |
						  (1u << CPUID_XSAVE_COMPACTED));
	assert_int_equal(x.b.standard_size, 11072);
	/* without PKRU (8) compacted shrinks by 8 before LBR, which the
	 * TILECFG alignment absorbs; TILEDATA adds 64: 11776 -> 11840 */
	assert_int_equal(x.b.compacted_size, 11840);
	assert_int_equal(cpuid_xsave_size(&x.b, CPUID_XSAVE_EBX0), 0x2b00);
	assert_string_equal(cpuid_xsave_size_name(CPUID_XSAVE_COMPACTED),
			    "compacted_size");
	assert_string_equal(cpuid_xsave_change_name(0), "added");
	assert_string_equal(cpuid_xsave_change_name(7), "xfd");
}

/* Flag changes, an added supervisor component and x87 leaving the mask. */
static void test_xsave_diff_flags(void **state)
{
	const struct cpuid_xsave_comp_diff *c;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &xa);
	xb = xa;
	cpuid_table_find_mut(&xb, 0xd, 0)->eax = 0x602e6;
	cpuid_table_find_mut(&xb, 0xd, 1)->ecx = 0xdd00 | 0x2000;
	assert_int_equal(cpuid_table_add(&xb, 0xd, 13, 8, 0, 1, 0), 0);
	cpuid_table_find_mut(&xb, 0xd, 17)->ecx = 0x4;	/* align64 off, xfd on */
	cpuid_table_find_mut(&xb, 0xd, 15)->ecx = 0x0;	/* supervisor off */
	cpuid_xsave_diff(&xa, &xb, &x);
	assert_int_equal(x.removed, 0x1);
	assert_int_equal(x.added, 0x2000);
	assert_int_equal(x.nr, 4);
	assert_int_equal(x.c[0].index, 0);
	assert_int_equal(x.c[0].changes, CPUID_XSAVE_REMOVED);
	c = &x.c[1];
	assert_int_equal(c->index, 13);
	assert_int_equal(c->changes, CPUID_XSAVE_ADDED | CPUID_XSAVE_SUBLEAF |
					     CPUID_XSAVE_SIZE |
					     CPUID_XSAVE_SUPERVISOR);
	assert_int_equal(x.c[2].index, 15);
	assert_int_equal(x.c[2].changes, CPUID_XSAVE_SUPERVISOR);
	assert_int_equal(x.c[3].index, 17);
	assert_int_equal(x.c[3].changes,
			 CPUID_XSAVE_ALIGN64 | CPUID_XSAVE_XFD);
	/* HDC (8 bytes) after CET_S: 2616 -> 2624 -> ... -> 3480 before
	 * TILECFG, no longer aligned: 3480 + 64 = 3544, TILEDATA aligned:
	 * 3584 + 8192 = 11776 */
	assert_int_equal(x.b.compacted_size, 11776);
	assert_int_equal(x.sizes_changed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_json_valid),
		cmocka_unit_test(test_kvm_json_entry_errors),
		cmocka_unit_test(test_kvm_json_document_errors),
		cmocka_unit_test(test_kvm_json_too_many),
		cmocka_unit_test(test_print_formats_exact),
		cmocka_unit_test(test_export_format_names),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_raw_host_round_trip),
		cmocka_unit_test(test_xsave_diff_identical),
		cmocka_unit_test(test_xsave_diff_pkru_removed),
		cmocka_unit_test(test_xsave_diff_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
