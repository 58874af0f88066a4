// SPDX-License-Identifier: MIT
/* Tests of the text scanner every reader of cpuid/ uses (cpuid/scan.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/scan.h"

/* ------------------------------------------------------ the scanner */

static struct scan sl(const char *s)
{
	return (struct scan){ s, strlen(s) };
}

static void test_scan_lines(void **state)
{
	static const char text[] = "a\r\nb\n\nc";
	struct scan_lines c;
	struct scan line;

	(void)state;
	scan_lines_init(&c, text, sizeof(text) - 1);
	assert_true(scan_next_line(&c, &line));
	assert_int_equal(line.n, 1);
	assert_true(c.cr && c.newline);
	assert_int_equal(c.start, 0);
	assert_int_equal(c.pos, 3);
	assert_true(scan_next_line(&c, &line));
	assert_int_equal(line.n, 1);
	assert_int_equal(*line.p, 'b');
	assert_false(c.cr);
	assert_true(scan_next_line(&c, &line));
	assert_int_equal(line.n, 0);
	assert_true(scan_next_line(&c, &line));
	assert_int_equal(*line.p, 'c');
	assert_false(c.newline);
	assert_int_equal(c.lineno, 4);
	assert_int_equal(c.start, 6);
	assert_false(scan_next_line(&c, &line));
}

static void test_scan_match(void **state)
{
	struct scan s = sl("\t CPUID[0d, 02]: eax  \t");

	(void)state;
	scan_skip_blanks(&s);
	scan_trim_blanks(&s);
	assert_int_equal(s.n, 18);
	assert_true(scan_starts(s, "CPUID["));
	assert_false(scan_eat(&s, "CPUID]"));
	assert_true(scan_has(s, "]: "));
	assert_false(scan_has(s, "ebx"));
	assert_true(scan_seek(&s, ", "));
	assert_int_equal(s.n, 8);
	assert_false(scan_seek(&s, "["));
	assert_int_equal(s.n, 8);
	assert_true(scan_eat(&s, "02"));
	assert_int_equal(*s.p, ']');
}

static void test_scan_numbers(void **state)
{
	enum base { HEX, HEX_0X, DEC, NUMBER };
	static const struct {
		const char *text;
		enum base base;
		uint64_t max;
		enum scan_num want;
		uint64_t value;	 /* when OK */
		size_t left;	 /* bytes after the number */
	} cases[] = {
		{ "ffffffff ", HEX, UINT32_MAX, SCAN_NUM_OK, 0xffffffffu, 1 },
		{ "100000000x", HEX, UINT32_MAX, SCAN_NUM_RANGE, 0, 1 },
		{ "ffffffffffffffff", HEX, UINT64_MAX, SCAN_NUM_OK, UINT64_MAX, 0 },
		{ "ffffffffffffffff0", HEX, UINT64_MAX, SCAN_NUM_RANGE, 0, 0 },
		{ "g1", HEX, UINT64_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "0XfF,", HEX_0X, UINT32_MAX, SCAN_NUM_OK, 255, 1 },
		{ "0x,", HEX_0X, UINT32_MAX, SCAN_NUM_NONE, 0, 3 },
		{ "ff", HEX_0X, UINT32_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "4294967295", DEC, UINT32_MAX, SCAN_NUM_OK, 4294967295u, 0 },
		{ "4294967296]", DEC, UINT32_MAX, SCAN_NUM_RANGE, 0, 1 },
		{ "18446744073709551615", DEC, UINT64_MAX, SCAN_NUM_OK,
		  UINT64_MAX, 0 },
		{ "18446744073709551616", DEC, UINT64_MAX, SCAN_NUM_RANGE, 0, 0 },
		{ " 1", DEC, UINT64_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "0010", DEC, UINT64_MAX, SCAN_NUM_OK, 10, 0 },
		/* scan_number: 0x/0X hex, else decimal (never octal) */
		{ "0X1F ", NUMBER, UINT64_MAX, SCAN_NUM_OK, 31, 1 },
		{ "0x1f", NUMBER, UINT64_MAX, SCAN_NUM_OK, 31, 0 },
		{ "010", NUMBER, UINT64_MAX, SCAN_NUM_OK, 10, 0 },
		{ "0x0000000000000000001", NUMBER, UINT64_MAX, SCAN_NUM_OK, 1,
		  0 },
		{ "0000000000000000000000042", NUMBER, UINT64_MAX, SCAN_NUM_OK,
		  42, 0 },
		{ "18446744073709551615", NUMBER, UINT64_MAX, SCAN_NUM_OK,
		  UINT64_MAX, 0 },
		{ "18446744073709551616z", NUMBER, UINT64_MAX, SCAN_NUM_RANGE,
		  0, 1 },
		{ "0xffffffffffffffff", NUMBER, UINT64_MAX, SCAN_NUM_OK,
		  UINT64_MAX, 0 },
		{ "0x10000000000000000", NUMBER, UINT64_MAX, SCAN_NUM_RANGE, 0,
		  0 },
		{ "0x100", NUMBER, 0xff, SCAN_NUM_RANGE, 0, 0 },
		{ "255", NUMBER, 0xff, SCAN_NUM_OK, 255, 0 },
		{ "256", NUMBER, 0xff, SCAN_NUM_RANGE, 0, 0 },
		/* "0x" without a hex digit: the '0' is the number */
		{ "0x", NUMBER, UINT64_MAX, SCAN_NUM_OK, 0, 1 },
		{ "0Xg", NUMBER, UINT64_MAX, SCAN_NUM_OK, 0, 2 },
		{ "0x0x5", NUMBER, UINT64_MAX, SCAN_NUM_OK, 0, 2 },
		{ "0x-1", NUMBER, UINT64_MAX, SCAN_NUM_OK, 0, 3 },
		{ "12ab", NUMBER, UINT64_MAX, SCAN_NUM_OK, 12, 2 },
		{ "x1", NUMBER, UINT64_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "+1", NUMBER, UINT64_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "\t1", NUMBER, UINT64_MAX, SCAN_NUM_NONE, 0, 2 },
		{ "", NUMBER, UINT64_MAX, SCAN_NUM_NONE, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scan s = sl(cases[i].text);
		uint64_t v = 7;
		enum scan_num got;

		if (cases[i].base == HEX)
			got = scan_hex(&s, cases[i].max, &v);
		else if (cases[i].base == HEX_0X)
			got = scan_hex_0x(&s, cases[i].max, &v);
		else if (cases[i].base == DEC)
			got = scan_dec(&s, cases[i].max, &v);
		else
			got = scan_number(&s, cases[i].max, &v);
		if (got != cases[i].want || s.n != cases[i].left ||
		    v != (got == SCAN_NUM_OK ? cases[i].value : 7))
			fail_msg("'%s': status %d, %zu left, value %llu",
				 cases[i].text, got, s.n, (unsigned long long)v);
	}
}

static bool is_lower(char ch)
{
	return ch >= 'a' && ch <= 'z';
}

static void test_scan_take(void **state)
{
	struct scan s = sl("abc1d");
	struct scan run;

	(void)state;
	run = scan_take(&s, is_lower);
	assert_int_equal(run.n, 3);
	assert_ptr_equal(run.p, s.p - 3);
	assert_int_equal(s.n, 2);
	assert_int_equal(*s.p, '1');
	/* none taken: an empty run where s stands, s kept */
	run = scan_take(&s, is_lower);
	assert_int_equal(run.n, 0);
	assert_ptr_equal(run.p, s.p);
	assert_int_equal(s.n, 2);
	/* n bounds the slice: no NUL needed */
	s = (struct scan){ "xyz", 2 };
	run = scan_take(&s, is_lower);
	assert_int_equal(run.n, 2);
	assert_int_equal(s.n, 0);
	run = scan_take(&s, is_lower);
	assert_int_equal(run.n, 0);
}

static void test_printk_prefix(void **state)
{
	static const struct {
		const char *line;
		size_t len;
	} cases[] = {
		{ "<4>[    0.412347] XSAVE consistency problem", 18 },
		{ "[    0.000000] Linux version", 15 },
		{ "[    6.925211][    T1] x86/fpu: x", 23 },
		{ "[    1.5][  C0] x", 16 },
		{ "[    1.5] [  C0] x", 10 },
		{ "<6>[drm] message", 3 },
		{ "[drm] message", 0 },
		{ "[ 1.2]x", 6 },
		{ "[ 1.2", 0 },
		{ "<12", 0 },
		{ "", 0 },
	};
	char text[] = "<4>[ 0.1] CPUID[";
	struct scan s = sl(text);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(printk_prefix_len(cases[i].line,
						   strlen(cases[i].line)),
				 cases[i].len);
	/* n bounds the line: no NUL needed */
	text[5] = '9';
	assert_int_equal(printk_prefix_len(text, 4), 3);
	scan_skip_printk(&s);
	assert_true(scan_starts(s, "CPUID["));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_lines),
		cmocka_unit_test(test_scan_match),
		cmocka_unit_test(test_scan_numbers),
		cmocka_unit_test(test_scan_take),
		cmocka_unit_test(test_printk_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
