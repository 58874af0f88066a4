// SPDX-License-Identifier: MIT
/*
 * Tests of the console verdict scanner (vmm/verdict.c): a real host's
 * dmesg, single lines and markers, the end of the x86/fpu block, late lines
 * and line limits. Its hostile bytes are tested in test_verdict_hostile.c,
 * its comparison with the Linux model in test_prediction.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/linux.h"
#include "test_util.h"
#include "verdict_util.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

/* ---- a real host's dmesg ---- */

static void test_host_6_18_log(void **state)
{
	char path[512], *buf, *line, *save = NULL;
	const char *tail = "[    0.139400] signal: max sigframe size: 3632\n";
	unsigned int n = 0;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/logs/host-6.18-xstate.txt",
		 XSVM_TEST_DATA);
	buf = test_read_file(path, &len);
	verdict_init(&v);
	for (size_t i = 0; i < len; i++)
		verdict_feed(&v, buf + i, 1);
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	assert_string_equal(verdict_name(verdict_result(&v)), "passed");
	assert_true(v.have_version);
	assert_string_equal(v.version,
			    "Linux version 6.18.44-fc-v782 "
			    "(builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld "
			    "(GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0");
	/* the log ends with "Enabled": the block ends at the next line */
	assert_false(verdict_block_done(&v));
	verdict_feed(&v, tail, strlen(tail));
	assert_true(verdict_block_done(&v));

	assert_int_equal(v.nr_lines, 11);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *text = strstr(line, "] ") + 2;

		if (strncmp(text, "x86/fpu:", 8))
			continue;
		assert_true(n < v.nr_lines);
		assert_string_equal(v.lines[n], text);
		n++;
	}
	assert_int_equal(n, 11);
	assert_string_equal(v.lines[5],
			    "x86/fpu: Supporting XSAVE feature 0x1000: "
			    "'Control-flow Kernel registers (KVM only)'");
	assert_string_equal(v.lines[10],
			    "x86/fpu: Enabled xstate features 0x1a07, context "
			    "size is 880 bytes, using 'compacted' format.");
	for (unsigned int i = 0; i < v.nr_lines; i++)
		assert_true(prediction_line_modelled(v.lines[i]));
	free(buf);
}

/* ---- single lines ---- */

static void test_problem_wordings(void **state)
{
	static const char *const problems[] = {
		"XSAVE consistency problem: size 10752 != kernel_size 10704",
		"XSAVE consistency problem, dumping leaves",
		"XSAVE consistency problem: Got supervisor feature 11, but "
		"XSAVES not advertised",
		"XSAVE consistency problem: No structure for xstate: 8",
		"x86/fpu: xstate buffer too small (4096 < 10704), disabling "
		"xsave",
		"x86/fpu: init_fpstate buffer too small (4096 < 4160), "
		"disabling XSAVE",
		"x86/fpu: FP/SSE not present amongst the CPU's xstate "
		"features: 0x4.",
		"x86/fpu: Both APX/MPX present in the CPU's xstate features: "
		"0x80018.",
		"x86/fpu: XSAVE disabled",
	};
	static const char *const not_problems[] = {
		"xsave consistency problem: size 1 != kernel_size 2",
		"foo: XSAVE consistency problem: size 1 != kernel_size 2",
		"x86/fpu:XSAVE disabled",
		"x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256",
		"XFEATURE_XTILE_DATA: calculated size is 0 bytes, cpu state "
		"8192 bytes",
		"[AVX registers]: struct is 256 bytes, cpu state 128 bytes",
	};
	char line[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(problems); i++) {
		verdict_init(&v);
		snprintf(line, sizeof(line), "[    0.120000] %s\r\n",
			 problems[i]);
		feed_str(line);
		assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
		assert_string_equal(v.problem, problems[i]);
		/* a later "passed" line does not undo it */
		feed_str("x86/fpu: Enabled xstate features 0x7, context size "
			 "is 832 bytes, using 'standard' format.\n");
		assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
		assert_string_equal(v.problem, problems[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(not_problems); i++) {
		verdict_init(&v);
		feed_str(not_problems[i]);
		feed_str("\n");
		assert_int_equal(verdict_result(&v), VERDICT_NONE);
		assert_string_equal(v.problem, "");
	}
	/* a problem after "passed" wins */
	verdict_init(&v);
	feed_str("x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		 "registers'\n");
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	feed_str("XSAVE consistency problem: size 832 != kernel_size 836\n");
	assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
	/* no-XSAVE does not replace "passed" */
	verdict_init(&v);
	feed_str("x86/fpu: Enabled xstate features 0x7, context size is 832 "
		 "bytes, using 'standard' format.\n");
	feed_str("x86/fpu: x87 FPU will use FXSAVE\n");
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_NONE), "none");
	assert_string_equal(verdict_name(VERDICT_PASSED), "passed");
	assert_string_equal(verdict_name(VERDICT_PASSED_NO_XSAVE),
			    "passed_no_xsave");
	assert_string_equal(verdict_name(VERDICT_PROBLEM), "problem");
	assert_string_equal(verdict_name((enum verdict_kind)42), "?");
	verdict_init(&v);
	assert_int_equal(verdict_result(&v), VERDICT_NONE);
}

static void test_prefixes(void **state)
{
	static const char *const forms[] = {
		"x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		"registers'\n",
		"[    0.000000] x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
		"floating point registers'\n",
		"<6>[    0.139347] x86/fpu: Supporting XSAVE feature 0x001: "
		"'x87 floating point registers'\n",
		"[    0.139347][    T0] x86/fpu: Supporting XSAVE feature "
		"0x001: 'x87 floating point registers'\n",
		"[12345.678901] x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
		"floating point registers'\r\n",
		"[    0.139347]x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
		"floating point registers'\n",
	};
	static const char *const not_stamps[] = {
		"[drm] x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating "
		"point registers'\n",
		"[    0] x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
		"floating point registers'\n",
		"[    .1] x86/fpu: Supporting XSAVE feature 0x001: 'x87 "
		"floating point registers'\n",
		"  x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating "
		"point registers'\n",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		verdict_init(&v);
		feed_str(forms[i]);
		assert_int_equal(v.nr_lines, 1);
		assert_string_equal(v.lines[0],
				    "x86/fpu: Supporting XSAVE feature 0x001: "
				    "'x87 floating point registers'");
		assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	}
	for (size_t i = 0; i < ARRAY_SIZE(not_stamps); i++) {
		verdict_init(&v);
		feed_str(not_stamps[i]);
		assert_int_equal(v.nr_lines, 0);
		assert_int_equal(verdict_result(&v), VERDICT_NONE);
		assert_int_equal(v.nr_console_lines, 1);
	}
}

static void test_markers(void **state)
{
	(void)state;
	verdict_init(&v);
	assert_false(v.seen_byte);
	verdict_feed(&v, "", 0);
	assert_false(v.seen_byte);
	verdict_feed(&v, "\0", 1);
	assert_true(v.seen_byte);
	assert_int_equal(v.bytes, 1);
	assert_int_equal(v.nr_console_lines, 0);

	feed_str("xsvm-guest: init started\r\n");
	assert_true(v.init_started);
	assert_false(v.dmesg_done);
	feed_str("[    3.500000] xsvm-guest: dmesg done\n");
	assert_true(v.dmesg_done);
	assert_false(v.have_guest_verdict);
	feed_str("xsvm-guest: verdict passed size=10752\n");
	assert_true(v.have_guest_verdict);
	assert_string_equal(v.guest_verdict, "passed size=10752");
	feed_str("xsvm-guest: verdict problem\n"); /* the first one stays */
	assert_string_equal(v.guest_verdict, "passed size=10752");
	assert_false(v.panic);
	feed_str("[    4.000000] Kernel panic - not syncing: Attempted to kill "
		 "init! exitcode=0x00000100\n");
	assert_true(v.panic);
	assert_string_equal(v.panic_line,
			    "Kernel panic - not syncing: Attempted to kill "
			    "init! exitcode=0x00000100");
	assert_false(v.have_version);
	assert_int_equal(verdict_result(&v), VERDICT_NONE);
	assert_false(v.block_started);
	assert_false(verdict_block_done(&v));
	assert_int_equal(v.nr_console_lines, 5);

	/* the first version line is kept whole, later ones are not */
	feed_str("[    0.000000] Linux version 6.1.0-18-amd64 "
		 "(debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC "
		 "Debian 6.1.76-1 (2024-02-01)\n");
	feed_str("[    0.000000] Linux version 9.9\n");
	assert_string_equal(
		v.version,
		"Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) "
		"#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
}

/* ---- the end of the block ---- */

static void test_block_end(void **state)
{
	(void)state;
	/* a 6.x problem whose dump never shows: 64 ordinary lines later */
	verdict_init(&v);
	feed_str(
		"XSAVE consistency problem: size 10752 != kernel_size 10704\n");
	for (int i = 0; i < 63; i++)
		feed_str("[    0.2] some other line\n");
	assert_false(verdict_block_done(&v));
	feed_str("[    0.2] some other line\n");
	assert_true(verdict_block_done(&v));

	/* an unterminated lockdep splat before the block does not hold it */
	verdict_init(&v);
	feed_str("WARNING: possible circular locking dependency detected\n"
		 "swapper/0/1 is trying to acquire lock:\n"
		 "x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point "
		 "registers'\n"
		 "x86/fpu: Enabled xstate features 0x3, context size is 576 "
		 "bytes, using 'standard' format.\n"
		 "\n   \t\n\r\n");
	assert_false(verdict_block_done(&v));
	feed_str("signal: max sigframe size: 1776\n");
	assert_true(verdict_block_done(&v));

	/* a WARN splat right after "Enabled" is skipped */
	verdict_init(&v);
	feed_str("x86/fpu: Enabled xstate features 0x3, context size is 576 "
		 "bytes, using 'standard' format.\n"
		 "------------[ cut here ]------------\n"
		 "unrelated warning\n"
		 "WARNING: CPU: 0 PID: 0 at somewhere.c:1 f+0x0/0x1\n"
		 "Call Trace:\n");
	assert_false(verdict_block_done(&v));
	feed_str("---[ end trace 0000000000000000 ]---\n");
	assert_false(verdict_block_done(&v));
	feed_str("next\n");
	assert_true(verdict_block_done(&v));

	/* no XSAVE */
	verdict_init(&v);
	feed_str("x86/fpu: x87 FPU will use FXSAVE\n");
	assert_int_equal(verdict_result(&v), VERDICT_PASSED_NO_XSAVE);
	assert_false(verdict_block_done(&v));
	feed_str("next\n");
	assert_true(verdict_block_done(&v));

	/* "No FPU detected": the block ends, with no verdict */
	verdict_init(&v);
	feed_str("x86/fpu: No FPU detected\nnext\n");
	assert_true(verdict_block_done(&v));
	assert_int_equal(verdict_result(&v), VERDICT_NONE);

	/* a 5.15 warning alone does not end it */
	verdict_init(&v);
	feed_str("XSAVE consistency problem, dumping leaves\n"
		 "CPUID[0d, 00]: eax=00000007 ebx=00000340 ecx=00000340 "
		 "edx=00000000\n"
		 "next\n");
	assert_false(verdict_block_done(&v));
}

/* The test initramfs prints dmesg again: the copy is counted, not kept. */
static void test_late_lines(void **state)
{
	struct stream s;

	(void)state;
	build_708(true, true);
	model(LINUX_6_8);
	model_stream(&s, &pred);
	for (unsigned int i = 0; i < pred.nr_lines; i++)
		kline(&s, pred.lines[i]);
	put_str(&s, "xsvm-guest: dmesg done\n");
	feed_stream(&s, CHUNK_RANDOM);
	assert_true(v.dmesg_done);
	assert_int_equal(v.nr_late, pred.nr_lines);
	v.nr_late = 0;
	assert_observed(&pred);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 0);
	stream_free(&s);
}

/* ---- line limits ---- */

static void test_line_limit(void **state)
{
	char line[128];

	(void)state;
	verdict_init(&v);
	for (unsigned int i = 0; i < VERDICT_MAX_LINES + 4; i++) {
		snprintf(line, sizeof(line),
			 "CPUID[0d, %02x]: eax=00000000 ebx=00000000 "
			 "ecx=00000000 edx=00000000\n",
			 i);
		feed_str(line);
	}
	assert_int_equal(v.nr_lines, VERDICT_MAX_LINES);
	assert_int_equal(v.nr_dropped, 4);
	assert_string_equal(v.lines[VERDICT_MAX_LINES - 1],
			    "CPUID[0d, 5f]: eax=00000000 ebx=00000000 "
			    "ecx=00000000 edx=00000000");
	memset(&pred, 0, sizeof(pred));
	assert_int_equal(prediction_compare(&v, &pred, &diff),
			 VERDICT_MAX_LINES);
	assert_true(diff.observed_truncated);
	assert_int_equal(diff.nr_unexpected, VERDICT_MAX_LINES);
	assert_int_equal(diff.nr_missing, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_host_6_18_log),
		cmocka_unit_test(test_problem_wordings),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_block_end),
		cmocka_unit_test(test_late_lines),
		cmocka_unit_test(test_line_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
