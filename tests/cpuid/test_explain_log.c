// SPDX-License-Identifier: MIT
/*
 * Tests of explaining a guest from its log (cpuid/explain_log.c, the log
 * reader, and cpuid/explain.c): the banner, the OpenVMM #708 log as it
 * is, with CRLF and NUL bytes and cut short, host and guest-console logs,
 * input that is no log, and mutated logs.
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
#include "cpuid/explain.h"
#include "explain_cases.h"
#include "test_util.h"

/* The kernel's 29-line dump of the #708 guest (builder, hash order seed 1). */
#define DUMP_708_HEAD                                                             \
	"[    0.412501] CPUID[0d, 00]: eax=000600e7 ebx=00002b00 ecx=00002b00 edx=00000000\n" \
	"[    0.412502] CPUID[0d, 01]: eax=0000001f ebx=000029d0 ecx=00001800 edx=00000000\n" \
	"[    0.412503] CPUID[0d, 02]: eax=00000100 ebx=00000240 ecx=00000000 edx=00000000\n" \
	"[    0.412504] CPUID[0d, 03]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412505] CPUID[0d, 04]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412506] CPUID[0d, 05]: eax=00000040 ebx=00000440 ecx=00000000 edx=00000000\n" \
	"[    0.412507] CPUID[0d, 06]: eax=00000200 ebx=00000480 ecx=00000000 edx=00000000\n" \
	"[    0.412508] CPUID[0d, 07]: eax=00000400 ebx=00000680 ecx=00000000 edx=00000000\n" \
	"[    0.412509] CPUID[0d, 08]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412510] CPUID[0d, 09]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412511] CPUID[0d, 0a]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412512] CPUID[0d, 0b]: eax=00000010 ebx=00000000 ecx=00000001 edx=00000000\n"

#define DUMP_708_TAIL                                                             \
	"[    0.412513] CPUID[0d, 0c]: eax=00000018 ebx=00000000 ecx=00000001 edx=00000000\n" \
	"[    0.412514] CPUID[0d, 0d]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412515] CPUID[0d, 0e]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412516] CPUID[0d, 0f]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412517] CPUID[0d, 10]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412518] CPUID[0d, 11]: eax=00000040 ebx=00000ac0 ecx=00000002 edx=00000000\n" \
	"[    0.412519] CPUID[0d, 12]: eax=00002000 ebx=00000b00 ecx=00000006 edx=00000000\n" \
	"[    0.412520] CPUID[0d, 13]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412521] CPUID[0d, 14]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412522] CPUID[0d, 15]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412523] CPUID[0d, 16]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412524] CPUID[0d, 17]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412525] CPUID[0d, 18]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412526] CPUID[0d, 19]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412527] CPUID[0d, 1a]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412528] CPUID[0d, 1b]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n" \
	"[    0.412529] CPUID[0d, 1c]: eax=00000000 ebx=00000000 ecx=00000000 edx=00000000\n"

#define LOG_708_HEAD                                                              \
	"[    0.000000] Linux version 6.8.0-1017-azure (buildd@lcy02-amd64-032) (gcc 12.3.0) #17~22.04.1-Ubuntu SMP\n" \
	"[    0.000000] Command line: BOOT_IMAGE=/vmlinuz root=/dev/sda1 console=ttyS0\n" \
	"[    0.412345] ------------[ cut here ]------------\n"                     \
	"<4>[    0.412347] XSAVE consistency problem: size 10752 != kernel_size 10704\n" \
	"[    0.412389] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c:602 paranoid_xstate_size_valid+0x146/0x1c0\n" \
	"[    0.412401] Modules linked in:\n"                                       \
	"[    0.412410] RIP: 0010:paranoid_xstate_size_valid+0x146/0x1c0\n"         \
	"[    0.412460] ---[ end trace 0000000000000000 ]---\n"

static const char log_708[] = LOG_708_HEAD DUMP_708_HEAD DUMP_708_TAIL
	"[    0.412600] x86/fpu: XSAVE disabled\n"
	"[    0.412700] Freeing SMP alternatives memory: 40K\n";

#define CAUSE_708                                                                 \
	"sizes accumulated out of order: 48 bytes of alignment padding missing "   \
	"before component 17; 1680 of 5040 orders give 10704, exactly those that " \
	"visit component 11 after 17 and 18"

static void test_banner(void **state)
{
	uint32_t v;

	(void)state;
	assert_true(linux_version_from_banner("Linux version 5.15.0-91-generic", &v));
	assert_int_equal(v, LINUX_5_15);
	assert_true(linux_version_from_banner("[ 0.0] Linux version 6.1.0-28-amd64 (x)", &v));
	assert_int_equal(v, LINUX_6_1);
	assert_true(linux_version_from_banner("Linux version 6.7.12", &v));
	assert_int_equal(v, LINUX_REL(6, 7, 12));
	assert_true(linux_version_from_banner("Linux version 6.8.0-1017-azure", &v));
	assert_int_equal(v, LINUX_6_8);
	assert_true(linux_version_from_banner("Linux version 6.18.44-fc", &v));
	assert_int_equal(v, LINUX_REL(6, 18, 44));
	assert_true(linux_version_from_banner("Linux version 6.19.0", &v));
	assert_int_equal(v, LINUX_REL(6, 19, 0));
	assert_true(linux_version_from_banner("Linux version 7.1.0", &v));
	assert_int_equal(v, LINUX_REL(7, 1, 0));
	assert_false(linux_version_from_banner("Linux version x.y", &v));
	assert_false(linux_version_from_banner("Linux version 6", &v));
	assert_false(linux_version_from_banner("no banner", &v));
	assert_false(linux_version_from_banner(NULL, &v));
	assert_int_equal(linux_dump_lines(LINUX_5_15), 26);
	assert_int_equal(linux_dump_lines(LINUX_6_8), 29);
	assert_int_equal(linux_dump_lines(LINUX_7_1), 30);
	assert_int_equal(linux_dump_lines(LINUX_REL(5, 16, 0)), 29);
	assert_int_equal(linux_dump_lines(LINUX_REL(6, 15, 11)), 29);
	assert_int_equal(linux_dump_lines(LINUX_REL(6, 16, 0)), 30);
	assert_int_equal(linux_dump_lines(LINUX_REL(4, 19, 0)), 26);
	assert_int_equal(linux_dump_lines(LINUX_REL(8, 0, 0)), 30);
}

static void test_scan_708(void **state)
{
	(void)state;
	assert_int_equal(explain_log_scan(log_708, strlen(log_708), &elog), 0);
	assert_true(elog.have_version);
	assert_int_equal(elog.version, LINUX_6_8);
	assert_string_equal(elog.release, "6.8.0-1017-azure");
	assert_true(elog.have_size_warning);
	assert_int_equal(elog.warn_size, 10752);
	assert_int_equal(elog.warn_kernel_size, 10704);
	assert_int_equal(elog.nr_warnings, 2);
	assert_string_equal(elog.warnings[0],
			    "XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_string_equal(elog.warnings[1], "x86/fpu: XSAVE disabled");
	assert_int_equal(elog.dump, EXPLAIN_DUMP_DMESG);
	assert_int_equal(elog.dump_lines, 29);
	assert_int_equal(elog.dump_subleaves, 0x1fffffffull);
	assert_false(elog.dump_cut);
	assert_false(elog.have_enabled);
	assert_false(elog.ended_mid_line);
}

/* The acceptance case: OpenVMM #708 explained from its log. */
static void test_708(void **state)
{
	(void)state;
	explain_str(log_708);
	assert_true(res.version_from_log);
	assert_int_equal(res.version, LINUX_6_8);
	assert_int_equal(res.state_source, EXPLAIN_STATE_MODEL);
	assert_int_equal(res.xcr0, 0x600e7);
	assert_int_equal(res.xss, 0x800);
	assert_int_equal(res.mask, 0x608e7);
	assert_true(res.compacted);
	assert_true(res.sizes_checked);
	assert_int_equal(res.in_order_size, 10752);
	assert_int_equal(res.reported_size, 10704);
	assert_int_equal(res.reported_source, EXPLAIN_REPORTED_WARNING);
	assert_int_equal(res.unaligned_size, 10704);
	assert_int_equal(res.layout.nr, 7);
	assert_int_equal(res.layout.slot[4].comp.index, 11);
	assert_int_equal(res.layout.slot[4].compacted_offset, 2432);
	assert_int_equal(res.layout.slot[5].compacted_offset, 2496);
	assert_int_equal(res.layout.slot[6].compacted_offset, 2560);
	assert_true(res.have_orders);
	assert_int_equal(res.orders_total, 5040);
	assert_int_equal(res.orders_reported, 1680);
	assert_one_cause(EXPLAIN_ORDER, CAUSE_708);
	assert_int_equal(res.nr_notes, 1);
	assert_string_equal(res.notes[0],
			    "10704 is also what ignoring alignment altogether gives; the visiting orders above explain it as well");
}

/* The same log with CRLF line endings, NUL bytes and a syslog prefix. */
static void test_708_crlf_nul(void **state)
{
	char buf[sizeof(log_708) * 2 + 16];
	size_t n = 0;

	(void)state;
	for (const char *p = log_708; *p; p++) {
		if (*p == '\n')
			buf[n++] = '\r';
		buf[n++] = *p;
		if (p == log_708 + 100)
			buf[n++] = '\0';
	}
	assert_int_equal(explain_log_scan(buf, n, &elog), 0);
	assert_int_equal(elog.nr_nul, 1);
	explain_text(buf, n);
	assert_true(elog.crlf);
	assert_int_equal(elog.nr_nul, 0);
	assert_one_cause(EXPLAIN_ORDER, CAUSE_708);
}

/* A dump cut off mid-line after subleaf 0x0b: a partial explanation. */
static void test_708_cut(void **state)
{
	static const char cut[] = LOG_708_HEAD DUMP_708_HEAD
		"[    0.412513] CPUID[0d, 0c]: eax=000000";

	(void)state;
	explain_str(cut);
	assert_true(elog.ended_mid_line);
	assert_true(elog.dump_cut);
	assert_int_equal(elog.dump_lines, 12);
	assert_false(res.sizes_checked);
	assert_int_equal(res.missing_subleaves, 0x60000);
	assert_one_cause(EXPLAIN_MISSING_SUBLEAF,
			 "subleaves missing for enabled components 0xd.17 (tilecfg) and 0xd.18 (tiledata): the log's CPUID dump stops before them");
	assert_int_equal(res.nr_notes, 1);
	assert_string_equal(res.notes[0],
			    "the CPUID dump is incomplete: 12 of the 29 lines Linux 6.8 prints (the last one cut off); missing subleaves 0x0c-0x1c");
}

/* d, TILEDATA: the log's warning against a table without leaf 0x1D. */
static void test_tile(void **state)
{
	(void)state;
	explain_str("[    0.1] XFEATURE_XTILE_DATA: calculated size is 0 bytes, cpu state 8192 bytes\n"
		    DUMP_708_HEAD
		    "[    0.412513] CPUID[0d, 0c]: eax=00000018 ebx=00000000 ecx=00000001 edx=00000000\n"
		    "[    0.412518] CPUID[0d, 11]: eax=00000040 ebx=00000ac0 ecx=00000002 edx=00000000\n"
		    "[    0.412519] CPUID[0d, 12]: eax=00002000 ebx=00000b00 ecx=00000006 edx=00000000\n");
	/* two causes: the tile size warning and the #708 order */
	assert_int_equal(res.reported_size, 10704);
	assert_int_equal(res.nr_causes, 2);
	assert_int_equal(res.causes[0].kind, EXPLAIN_STRUCT_SIZE);
	assert_string_equal(res.causes[0].text,
			    "component 18 (tiledata) is 8192 bytes in 0xd.18 EAX but the kernel's size from the tile palettes of leaf 0x1d is 0 bytes");
	assert_int_equal(res.causes[1].kind, EXPLAIN_ORDER);
	assert_string_equal(res.causes[1].text, CAUSE_708);
}

/* A real host's x86/fpu lines: no dump, the check passed. */
static void test_host_log(void **state)
{
	size_t len;
	char *text = test_read_file(XSVM_TEST_DATA "/logs/host-6.18-xstate.txt",
				    &len);

	(void)state;
	explain_text(text, len);
	free(text);
	assert_int_equal(elog.dump, EXPLAIN_DUMP_NONE);
	assert_true(elog.have_enabled);
	assert_int_equal(elog.enabled_mask, 0x1a07);
	assert_int_equal(elog.context_size, 880);
	assert_int_equal(elog.supporting_mask, 0x1a07);
	assert_int_equal(elog.nr_supporting, 6);
	assert_int_equal(elog.offset_mask, 0x1a04);
	assert_int_equal(res.state_source, EXPLAIN_STATE_ENABLED);
	assert_int_equal(res.xcr0, 0x207);
	assert_int_equal(res.xss, 0x1800);
	assert_int_equal(res.in_order_size, 880);
	assert_int_equal(res.reported_size, 880);
	assert_int_equal(res.reported_source, EXPLAIN_REPORTED_ENABLED);
	assert_int_equal(res.nr_causes, 0);
}

/* A test-guest console: the model's lines for the ordered SPR table. */
static void test_guest_console(void **state)
{
	static struct linux_result lr;
	struct xsave_build_params p;
	struct xsave_build_result br;
	struct xsvm_err err = { { 0 } };
	static char text[16384];
	size_t n;

	(void)state;
	test_load_dump("intel-sapphirerapids.txt", &table);
	/* leaf 0x1D as the real part reports it: 8 tiles of 1024 bytes */
	assert_int_equal(cpuid_table_set(&table, 0x1d, 0, 1, 0, 0, 0), 0);
	assert_int_equal(cpuid_table_set(&table, 0x1d, 1, 0x04002000,
					 0x00080040, 0x10, 0), 0);
	xsave_build_params_init(&p);
	assert_int_equal(xsave_build(&table, &p, &br, &err), 0);
	assert_int_equal(linux_check(&table, LINUX_6_8, NULL, &lr, &err), 0);
	assert_true(lr.consistent);
	n = (size_t)snprintf(text, sizeof(text),
			     "xsvm-guest: Linux version 6.8.0 (xsvm test guest)\r\n");
	for (unsigned int i = 0; i < lr.nr_lines; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[    0.%06u] %s\r\n", i, lr.lines[i]);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "xsvm-guest: verdict passed\r\n");
	explain_text(text, n);
	assert_true(elog.have_enabled);
	assert_int_equal(elog.enabled_mask, lr.max_features);
	assert_int_equal(res.mask, lr.max_features);
	assert_int_equal(res.in_order_size, lr.reported_size);
	assert_int_equal(res.reported_size, lr.reported_size);
	assert_int_equal(res.nr_causes, 0);
}

static void test_nothing(void **state)
{
	static const char bin[] = "\x7f" "ELF\x02\x01\x01\0\0\0\x03\0>\0";

	(void)state;
	assert_int_equal(explain_log_scan("", 0, &elog), -ENODATA);
	assert_int_equal(explain_log_scan("hello\nworld\n", 12, &elog), -ENODATA);
	assert_int_equal(explain_log_scan(bin, sizeof(bin) - 1, &elog), -ENODATA);
	assert_true(elog.nr_nul > 0);
	assert_int_equal(explain_log_table(&elog, &table), -ENOENT);
	cpuid_table_init(&table);
	assert_int_equal(explain_table(&table, &elog, &res), -ENOENT);
}

/* ----------------------------------------------------------- fuzz */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define FUZZ_CAP 8192

static size_t mutate(char *buf, size_t len)
{
	static const char *const frags[] = {
		"CPUID[0d, ", "CPUID[0d, 12]: eax=", "99999999999999999999",
		"\r\n", "XSAVE consistency problem: size 4294967295 != kernel_size ",
		"x86/fpu: Enabled xstate features 0xffffffffffffffff, context size is ",
		"x86/fpu: xstate_offset[63]: 4294967295, xstate_sizes[63]: 9",
		"ffffffff", "\n", "<4>[", "Linux version 99.", "\0",
	};
	unsigned int op = (unsigned int)(rnd() % 6);

	switch (op) {
	case 0: /* byte flips */
		for (unsigned int k = 0; k < 4 && len; k++)
			buf[rnd() % len] ^= (char)(1u << (rnd() % 8));
		return len;
	case 1: /* truncation */
		return len ? (size_t)(rnd() % len) : 0;
	case 2: { /* insertion of a fragment */
		const char *f = frags[rnd() % (sizeof(frags) / sizeof(frags[0]))];
		size_t fl = *f ? strlen(f) : 1, at = len ? rnd() % len : 0;

		if (len + fl > FUZZ_CAP)
			return len;
		memmove(buf + at + fl, buf + at, len - at);
		memcpy(buf + at, f, fl);
		return len + fl;
	}
	case 3: /* CRLF */
		for (size_t i = 0; i + 1 < len && len + 1 < FUZZ_CAP; i++) {
			if (buf[i] == '\n' && rnd() % 2) {
				memmove(buf + i + 1, buf + i, len - i);
				buf[i] = '\r';
				len++;
				i++;
			}
		}
		return len;
	case 4: /* digits replaced by 'f' */
		for (unsigned int k = 0; k < 8 && len; k++) {
			size_t i = rnd() % len;

			if (buf[i] >= '0' && buf[i] <= '9')
				buf[i] = 'f';
		}
		return len;
	default: /* a random byte */
		if (len)
			buf[rnd() % len] = (char)rnd();
		return len;
	}
}

static void fuzz_one(const char *text, size_t len)
{
	struct xsvm_err err = { { 0 } };
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, text, len);
	len = explain_log_strip_nul(copy, len);
	explain_log_scan(copy, len, &elog);
	assert_true(elog.dump_off + elog.dump_len <= len);
	if (elog.dump == EXPLAIN_DUMP_DMESG)
		ret = cpuid_parse(&table, "fuzz", copy,
				  elog.dump_off + elog.dump_len,
				  CPUID_FORMAT_DMESG, NULL, &err);
	else if (elog.dump == EXPLAIN_DUMP_TABLE)
		ret = cpuid_parse(&table, "fuzz", copy, len, CPUID_FORMAT_AUTO,
				  NULL, &err);
	else
		ret = explain_log_table(&elog, &table);
	free(copy);
	if (ret || explain_table(&table, &elog, &res))
		return;
	assert_true(res.nr_causes <= EXPLAIN_MAX_CAUSES);
	assert_true(res.nr_notes <= EXPLAIN_MAX_NOTES);
	for (unsigned int i = 0; i < res.nr_causes; i++)
		assert_true(strlen(res.causes[i].text) < EXPLAIN_TEXT_LEN);
	assert_true(res.nr_candidates <= EXPLAIN_MAX_CANDIDATES);
	assert_true(res.nr_candidates <= res.candidates_found);
	assert_true(res.candidates_found <= res.candidates_tried);
	for (unsigned int i = 0; i < res.nr_candidates; i++) {
		assert_int_equal(res.candidates[i].size, res.reported_size);
		assert_true(i == 0 || res.candidates[i - 1].assumptions <=
					      res.candidates[i].assumptions);
	}
}

static void test_fuzz(void **state)
{
	static const char *const seeds[] = {
		log_708,
		SUB(0, 207, a88, a88) SUB(1, f, 358, 800) AVX SUB(9, 8, a80, 2)
			SUB(b, 10, 0, 3),
		SUB(0, 600e7, 2b00, 2b00) SUB(1, 1f, 29c0, 1800) AVX AVX512
			SUB(b, 10, 0, 1) SUB(11, 40, ac0, 2) SUB(12, 2000, b00, 6),
		"[    0.1] Linux version 6.18.4\n"
		"[    0.2] x86/fpu: Supporting XSAVE feature 0x004: 'AVX registers'\n"
		"[    0.3] x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256\n"
		"[    0.4] x86/fpu: xstate_offset[9]:  832, xstate_sizes[9]:    8\n"
		"[    0.5] x86/fpu: Enabled xstate features 0x207, context size is 840 bytes, using 'compacted' format.\n",
	};
	static char buf[FUZZ_CAP];

	(void)state;
	rng = 0x5eed708;
	for (unsigned int it = 0; it < 4000; it++) {
		const char *s = seeds[it % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t len = strlen(s);
		unsigned int rounds = 1 + (unsigned int)(rnd() % 4);

		memcpy(buf, s, len);
		for (unsigned int k = 0; k < rounds; k++)
			len = mutate(buf, len);
		fuzz_one(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_banner),
		cmocka_unit_test(test_scan_708),
		cmocka_unit_test(test_708),
		cmocka_unit_test(test_708_crlf_nul),
		cmocka_unit_test(test_708_cut),
		cmocka_unit_test(test_tile),
		cmocka_unit_test(test_host_log),
		cmocka_unit_test(test_guest_console),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
