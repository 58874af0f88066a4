// SPDX-License-Identifier: MIT
/*
 * Tests of the console verdict scanner (vmm/verdict.c) on hostile bytes:
 * lines longer than it keeps, NUL bytes, a console that stops mid-line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verdict_util.h"
#include "vmm/verdict.h"

/* ---- hostile bytes ---- */

static void test_long_lines(void **state)
{
	static char big[5001];
	static const char enabled[] =
		"x86/fpu: Enabled xstate features 0x7, context size is 832 "
		"bytes, using 'standard' format.";
	(void)state;
	/* one 5000-byte line of noise, then a whole line, in any chunks */
	for (int c = CHUNK_ALL; c < NR_CHUNKINGS; c++) {
		struct stream st = {0};

		memset(big, 'A', 5000);
		put(&st, big, 5000);
		put_str(&st, "\r\n");
		put_str(&st, enabled);
		put_str(&st, "\r\nnext\n");
		st.done_at = st.len;
		feed_stream(&st, (enum chunking)c);
		assert_int_equal(v.nr_console_lines, 3);
		assert_int_equal(v.nr_truncated, 1);
		assert_int_equal(v.nr_lines, 1);
		assert_string_equal(v.lines[0], enabled);
		stream_free(&st);
	}

	/* one 5000-byte line of noise */
	verdict_init(&v);
	memset(big, 'A', 5000);
	verdict_feed(&v, big, 5000);
	feed_str("\n");
	assert_int_equal(v.nr_console_lines, 1);
	assert_int_equal(v.nr_truncated, 1);
	/* the next line is whole */
	feed_str(enabled);
	feed_str("\n");
	assert_int_equal(v.nr_truncated, 1);
	assert_int_equal(v.nr_lines, 1);
	assert_string_equal(v.lines[0], enabled);
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);

	/* a 5000-byte version line, one byte at a time */
	verdict_init(&v);
	memcpy(big, "Linux version ", 14);
	memset(big + 14, 'v', 5000 - 14);
	for (size_t i = 0; i < 5000; i++)
		verdict_feed(&v, big + i, 1);
	feed_str("\r\n");
	assert_true(v.have_version);
	assert_int_equal(strlen(v.version), VERDICT_LINE_MAX - 1);
	assert_memory_equal(v.version, big, VERDICT_LINE_MAX - 1);
	assert_int_equal(v.nr_truncated, 1);

	/* a 5000-byte x86/fpu line in 7-byte chunks: kept, truncated */
	verdict_init(&v);
	memcpy(big, "x86/fpu: ", 9);
	memset(big + 9, 'x', 5000 - 9);
	for (size_t i = 0; i < 5000; i += 7)
		verdict_feed(&v, big + i, i + 7 > 5000 ? 5000 - i : 7);
	feed_str("\n");
	feed_str(enabled);
	feed_str("\n");
	assert_int_equal(v.nr_lines, 2);
	assert_int_equal(strlen(v.lines[0]), VERDICT_XLINE_LEN - 1);
	assert_memory_equal(v.lines[0], big, VERDICT_XLINE_LEN - 1);
	assert_string_equal(v.lines[1], enabled);
	assert_int_equal(v.nr_console_lines, 2);
}

static void test_nul_bytes(void **state)
{
	static const char s[] =
		"\0\0\0[    0.000000] Linux ver\0sion 6.8.0 (nul)\r\n"
		"[    0.1] x86/fpu: Supp\0orting XSAVE feature 0x001: 'x87 "
		"floating point registers'\r\n"
		"\0\r\n"
		"[    0.2] x86/fpu: Enabled xstate features 0x7, context size "
		"is 832 bytes, using 'standard' format.\0\r\n"
		"\0\0\0\0\n"
		"[    0.3] \0signal: max sigframe size: 1776\r\n";
	struct stream st = {0};

	(void)state;
	put(&st, s, sizeof(s) - 1);
	for (int c = CHUNK_ALL; c < NR_CHUNKINGS; c++) {
		feed_stream(&st, (enum chunking)c);
		assert_true(v.seen_byte);
		assert_string_equal(v.version, "Linux version 6.8.0 (nul)");
		assert_int_equal(v.nr_lines, 2);
		assert_string_equal(v.lines[0],
				    "x86/fpu: Supporting XSAVE feature 0x001: "
				    "'x87 floating point registers'");
		assert_string_equal(
			v.lines[1],
			"x86/fpu: Enabled xstate features 0x7, context size is "
			"832 bytes, using 'standard' format.");
		assert_int_equal(verdict_result(&v), VERDICT_PASSED);
		/* the blank and NUL-only lines do not end the block */
		assert_true(verdict_block_done(&v));
		assert_int_equal(v.nr_console_lines, 6);
	}
	/* only the last line ends it */
	verdict_init(&v);
	verdict_feed(&v, s,
		     sizeof(s) - 1 - strlen("[    0.3] ") - 1 -
			     strlen("signal: max sigframe size: 1776\r\n"));
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	assert_false(verdict_block_done(&v));
	stream_free(&st);
}

static void test_ends_mid_line(void **state)
{
	static const char enabled[] =
		"x86/fpu: Enabled xstate features 0x7, context size is 832 "
		"bytes, using 'standard' format.";

	(void)state;
	/* a line split across calls is one line */
	verdict_init(&v);
	feed_str("[    0.1] x86/fpu: Ena");
	assert_int_equal(v.nr_console_lines, 0);
	feed_str("bled xstate features 0x7, context size is 832 bytes, ");
	feed_str("using 'standard' format.\r");
	assert_int_equal(verdict_result(&v), VERDICT_NONE);
	feed_str("\n");
	assert_int_equal(v.nr_lines, 1);
	assert_string_equal(v.lines[0], enabled);
	verdict_finish(&v); /* nothing pending */
	assert_false(v.ended_mid_line);
	assert_int_equal(v.nr_console_lines, 1);

	/* the console stops mid-line: nothing until finish */
	verdict_init(&v);
	feed_str("[    0.000000] Linux version 6.8.0\n[    0.1] ");
	feed_str(enabled);
	assert_int_equal(verdict_result(&v), VERDICT_NONE);
	assert_int_equal(v.nr_lines, 0);
	verdict_finish(&v);
	assert_true(v.ended_mid_line);
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	assert_int_equal(v.nr_lines, 1);
	assert_string_equal(v.lines[0], enabled);
	assert_int_equal(v.nr_console_lines, 2);
	assert_false(verdict_block_done(&v));

	/* the console stops mid-way through the problem's dump */
	verdict_init(&v);
	feed_str("XSAVE consistency problem: size 10752 != kernel_size 10704\n"
		 "CPUID[0d, 00]: eax=000602e7 ebx=00002b00 ecx=00002b00 "
		 "edx=00000000\n"
		 "CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=0000");
	assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
	assert_int_equal(v.nr_lines, 2);
	verdict_finish(&v);
	assert_int_equal(v.nr_lines, 3);
	assert_string_equal(
		v.lines[2],
		"CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=0000");
	assert_false(verdict_block_done(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_ends_mid_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
