// SPDX-License-Identifier: MIT
/*
 * Tests of the console verdict scanner (vmm/verdict.c) and of the
 * comparison with the Linux model (vmm/prediction.c). Console streams are
 * a real host's dmesg and streams made from the model's own lines, with
 * printk timestamps, "\r\n" endings, WARN splats and unrelated lines around
 * them, fed whole and in 1-byte, 7-byte and random chunks.
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
#include "cpuid/linux.h"
#include "test_util.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

static struct verdict v;
static struct linux_result pred, alt;
static struct prediction_diff diff;
static struct cpuid_table t;

/* ---- console streams ---- */

struct stream {
	char *buf;
	size_t len, cap;
	size_t done_at;	    /* bytes after which the block is done, 0: never */
	unsigned int clock; /* fake printk clock in microseconds */
};

static void put(struct stream *s, const char *data, size_t n)
{
	if (!n)
		return;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2 + 256;
		s->buf = realloc(s->buf, s->cap);
		assert_non_null(s->buf);
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
}

static void put_str(struct stream *s, const char *str)
{
	put(s, str, strlen(str));
}

/* One kernel line as a serial console shows it: "[    0.123456] text\r\n". */
static void kline(struct stream *s, const char *text)
{
	char stamp[32];

	s->clock += 137;
	snprintf(stamp, sizeof(stamp), "[%5u.%06u] ", s->clock / 1000000,
		 s->clock % 1000000);
	put_str(s, stamp);
	put_str(s, text);
	put_str(s, "\r\n");
}

static void stream_free(struct stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

#define VERSION_LINE                                                           \
	"Linux version 6.8.0-1017-azure (buildd@lcy02-amd64-043) "             \
	"(x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, "     \
	"GNU ld (GNU Binutils for Ubuntu) 2.38) #20~22.04.1-Ubuntu SMP "       \
	"Fri Oct  4 16:18:51 UTC 2024"

static const char *const lines_before[] = {
	VERSION_LINE,
	"Command line: console=ttyS0 earlyprintk=serial,ttyS0,115200 reboot=k",
	"BIOS-provided physical RAM map:",
	"BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable",
	"x86/split lock detection: #AC: crashing the kernel on kernel "
	"split_locks",
	"[Firmware Bug]: TSC_DEADLINE disabled due to Errata",
	"",
	"Spectre V2 : Mitigation: Enhanced / Automatic IBRS",
};

/* The first of these ends the x86/fpu block. */
static const char *const lines_after[] = {
	"signal: max sigframe size: 11952",
	"rcu: Hierarchical SRCU implementation.",
	"smp: Bringing up secondary CPUs ...",
	"Freeing unused kernel image (initmem) memory: 4780K",
	"Run /init as init process",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The WARN splat around a consistency problem, as 6.8 prints it. */
static void warn_splat(struct stream *s, const char *site, const char *msg)
{
	char w[256];

	kline(s, "------------[ cut here ]------------");
	kline(s, msg);
	snprintf(w, sizeof(w),
		 "WARNING: CPU: 0 PID: 0 at %s "
		 "paranoid_xstate_size_valid+0x146/0x1c0",
		 site ? site : "arch/x86/kernel/fpu/xstate.c:602");
	kline(s, w);
	kline(s, "Modules linked in:");
	kline(s, "CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.8.0-1017-azure "
		 "#20~22.04.1-Ubuntu");
	kline(s, "RIP: 0010:paranoid_xstate_size_valid+0x146/0x1c0");
	kline(s, "RSP: 0000:ffffffff9a603e38 EFLAGS: 00010282");
	kline(s, "Call Trace:");
	kline(s, " <TASK>");
	kline(s, " ? show_regs+0x6d/0x80");
	kline(s, " ? __warn+0x89/0x160");
	kline(s, " </TASK>");
	kline(s, "---[ end trace 0000000000000000 ]---");
}

/*
 * A boot's console around the model's lines r->lines: unrelated lines
 * before, each consistency problem inside a WARN splat, unrelated lines and
 * the test initramfs's marker after.
 */
static void model_stream(struct stream *s, const struct linux_result *r)
{
	memset(s, 0, sizeof(*s));
	put(s, "\0\r\n", 3); /* what a UART shows before the kernel writes */
	for (size_t i = 0; i < ARRAY_SIZE(lines_before); i++)
		kline(s, lines_before[i]);
	for (unsigned int i = 0; i < r->nr_lines; i++) {
		if (!strncmp(r->lines[i], "XSAVE consistency problem", 25))
			warn_splat(s, r->warn_site, r->lines[i]);
		else
			kline(s, r->lines[i]);
	}
	kline(s, lines_after[0]);
	s->done_at = s->len;
	for (size_t i = 1; i < ARRAY_SIZE(lines_after); i++)
		kline(s, lines_after[i]);
	put_str(s, "xsvm-guest: init started\r\n");
}

enum chunking { CHUNK_ALL, CHUNK_1, CHUNK_7, CHUNK_RANDOM, NR_CHUNKINGS };

static size_t next_chunk(enum chunking c, uint64_t *rng)
{
	switch (c) {
	case CHUNK_1:
		return 1;
	case CHUNK_7:
		return 7;
	case CHUNK_RANDOM:
		*rng ^= *rng << 13;
		*rng ^= *rng >> 7;
		*rng ^= *rng << 17;
		return 1 + *rng % 61;
	default:
		return SIZE_MAX;
	}
}

/*
 * Feed s into a fresh v in chunks; after each chunk the block is done
 * exactly when the stream's done_at bytes have arrived.
 */
static void feed_stream(const struct stream *s, enum chunking c)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	size_t pos = 0, n;

	verdict_init(&v);
	while (pos < s->len) {
		n = next_chunk(c, &rng);
		if (n > s->len - pos)
			n = s->len - pos;
		verdict_feed(&v, s->buf + pos, n);
		pos += n;
		if (s->done_at)
			assert_int_equal(verdict_block_done(&v),
					 pos >= s->done_at);
	}
	assert_int_equal(v.bytes, s->len);
}

static void assert_observed(const struct linux_result *r)
{
	assert_int_equal(v.nr_lines, r->nr_lines);
	for (unsigned int i = 0; i < r->nr_lines; i++)
		assert_string_equal(v.lines[i], r->lines[i]);
	assert_int_equal(v.nr_dropped, 0);
	assert_int_equal(v.nr_late, 0);
}

/*
 * The stream made from the model's lines gives verdict want, exactly the
 * model's lines, the version line, the block's end at the right byte, and
 * matches the prediction, however it is chunked.
 */
static void check_model_stream(const struct linux_result *r,
			       enum verdict_kind want, const char *problem)
{
	struct stream s;

	for (unsigned int i = 0; i < r->nr_lines; i++)
		if (!prediction_line_modelled(r->lines[i]))
			fail_msg("model line not of a modelled kind: %s",
				 r->lines[i]);
	model_stream(&s, r);
	for (int c = CHUNK_ALL; c < NR_CHUNKINGS; c++) {
		feed_stream(&s, (enum chunking)c);
		assert_int_equal(verdict_result(&v), want);
		assert_observed(r);
		assert_true(v.seen_byte);
		assert_true(v.block_started);
		assert_true(verdict_block_done(&v));
		assert_true(v.have_version);
		assert_string_equal(v.version, VERSION_LINE);
		assert_true(v.init_started);
		assert_false(v.dmesg_done);
		assert_false(v.panic);
		assert_string_equal(v.problem, problem ? problem : "");
		assert_int_equal(v.nr_truncated, 0);
		assert_int_equal(prediction_compare(&v, r, &diff), 0);
		assert_int_equal(diff.nr_predicted, r->nr_lines);
		assert_int_equal(diff.nr_observed, r->nr_lines);
		assert_int_equal(diff.nr_matched, r->nr_lines);
		assert_int_equal(diff.nr_missing, 0);
		assert_int_equal(diff.nr_unexpected, 0);
		assert_false(diff.observed_truncated);
	}
	stream_free(&s);
}

/* ---- tables and the model ---- */

/* Sapphire Rapids; with leaf 0x1D as the real part reports it. */
static void load_spr(bool tile_leaf)
{
	test_load_dump("intel-sapphirerapids.txt", &t);
	if (!tile_leaf)
		return;
	assert_int_equal(cpuid_table_set(&t, 0x1d, 0, 1, 0, 0, 0), 0);
	assert_int_equal(
		cpuid_table_set(&t, 0x1d, 1, 0x04002000, 0x00080040, 0x10, 0),
		0);
}

/*
 * The #708 guest's table (README "Reproducing #708"): XCR0 0x600e7, XSS
 * 0x800, sizes accumulated in hash order seed 1 (10704) or ascending
 * (10752).
 */
static void build_708(bool tile_leaf, bool hash)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = {{0}};

	load_spr(tile_leaf);
	xsave_build_params_init(&p);
	p.have_xcr0 = p.have_xss = true;
	p.xcr0 = 0x600e7;
	p.xss = 0x800;
	if (hash) {
		p.order.kind = XSAVE_ORDER_HASH;
		p.order.seed = 1;
	}
	if (xsave_build(&t, &p, &r, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(r.ebx1, hash ? 10704 : 10752);
}

static void model(enum linux_version ver)
{
	struct xsvm_err err = {{0}};

	if (linux_check(&t, ver, NULL, &pred, &err))
		fail_msg("%s", err.msg);
}

static void assert_dump_lines(unsigned int from, unsigned int n)
{
	char prefix[32];

	assert_true(from + n <= pred.nr_lines);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "CPUID[0d, %02x]: ", i);
		assert_memory_equal(pred.lines[from + i], prefix,
				    strlen(prefix));
	}
}

/* ---- model streams ---- */

/* #708 as the README reproduces it: no leaf 0x1D, so the dump comes first. */
static void test_model_708(void **state)
{
	(void)state;
	build_708(false, true);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 31);
	assert_string_equal(pred.lines[0],
			    "XFEATURE_XTILE_DATA: calculated size is 0 bytes, "
			    "cpu state 8192 bytes");
	assert_dump_lines(1, 29);
	assert_string_equal(
		pred.lines[30],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[30]);
}

/* With leaf 0x1D the problem comes first and the block ends after its dump. */
static void test_model_708_tile_leaf(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 30);
	assert_string_equal(
		pred.lines[0],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump_lines(1, 29);
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* 7.1 adds "x86/fpu: XSAVE disabled" after the 30-line dump. */
static void test_model_708_7_1(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_7_1);
	assert_int_equal(pred.nr_lines, 32);
	assert_string_equal(
		pred.lines[0],
		"XSAVE consistency problem: size 10752 != kernel_size 10704");
	assert_dump_lines(1, 30);
	assert_string_equal(pred.lines[31], "x86/fpu: XSAVE disabled");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* 5.15 refuses the 10704-byte area before any check. */
static void test_model_708_5_15(void **state)
{
	(void)state;
	build_708(true, true);
	model(LINUX_5_15);
	assert_int_equal(pred.nr_lines, 1);
	assert_string_equal(pred.lines[0], "x86/fpu: xstate buffer too small "
					   "(4096 < 10704), disabling xsave");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* The Sapphire Rapids dump as it is: EBX read at another XCR0/XSS. */
static void test_model_spr_native(void **state)
{
	(void)state;
	load_spr(false);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 31);
	assert_string_equal(
		pred.lines[30],
		"XSAVE consistency problem: size 10752 != kernel_size 10880");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[30]);
}

/* The ascending builder at the model's own state: a clean boot. */
static void test_model_passed(void **state)
{
	static const enum linux_version vers[] = {LINUX_6_1, LINUX_6_8,
						  LINUX_7_1};
	/* 6.8 adds CET_U; 7.1 CET_S: one "Supporting" and one offset each */
	static const unsigned int nr[] = {19, 21, 23};
	static const char *const enabled[] = {
		"x86/fpu: Enabled xstate features 0x606e7, context size is "
		"10752 bytes, using 'compacted' format.",
		"x86/fpu: Enabled xstate features 0x60ee7, context size is "
		"10752 bytes, using 'compacted' format.",
		"x86/fpu: Enabled xstate features 0x61ee7, context size is "
		"10752 bytes, using 'compacted' format.",
	};
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = {{0}};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vers); i++) {
		load_spr(true);
		xsave_build_params_init(&p);
		p.linux_version = vers[i];
		if (xsave_build(&t, &p, &r, &err))
			fail_msg("%s", err.msg);
		model(vers[i]);
		assert_true(pred.consistent);
		assert_string_equal(pred.lines[0],
				    "x86/fpu: Supporting XSAVE feature 0x001: "
				    "'x87 floating point registers'");
		assert_int_equal(pred.nr_lines, nr[i]);
		assert_string_equal(pred.lines[pred.nr_lines - 1], enabled[i]);
		check_model_stream(&pred, VERDICT_PASSED, NULL);
	}
}

/* 5.15 warns, dumps and keeps XSAVE: the block ends after "Enabled". */
static void test_model_5_15_dumping_leaves(void **state)
{
	struct xsave_build_params p;
	struct xsave_build_result r;
	struct xsvm_err err = {{0}};
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	xsave_build_params_init(&p);
	p.allow_xcr0 = 0x2e7;
	p.allow_xss = 0;
	p.linux_version = LINUX_5_15;
	if (xsave_build(&t, &p, &r, &err))
		fail_msg("%s", err.msg);
	e = cpuid_table_find_mut(&t, 0xd, 1);
	assert_non_null(e);
	assert_int_equal(e->ebx, 2440);
	e->ebx += 64;
	model(LINUX_5_15);
	assert_string_equal(pred.lines[0],
			    "XSAVE consistency problem, dumping leaves");
	assert_dump_lines(1, 26);
	assert_string_equal(pred.lines[pred.nr_lines - 1],
			    "x86/fpu: Enabled xstate features 0x2e7, context "
			    "size is 2504 bytes, using 'compacted' format.");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

/* No XSAVE in leaf 1: the check never runs. */
static void test_model_no_xsave(void **state)
{
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	e = cpuid_table_find_mut(&t, 1, 0);
	assert_non_null(e);
	e->ecx &= ~(1u << 26);
	model(LINUX_6_8);
	assert_int_equal(pred.nr_lines, 1);
	assert_string_equal(pred.lines[0], "x86/fpu: x87 FPU will use FXSAVE");
	check_model_stream(&pred, VERDICT_PASSED_NO_XSAVE, NULL);
}

/* SSE missing from 0xD.0 EAX: 7.1 also says "XSAVE disabled". */
static void test_model_no_fpsse(void **state)
{
	struct cpuid_entry *e;

	(void)state;
	load_spr(true);
	e = cpuid_table_find_mut(&t, 0xd, 0);
	assert_non_null(e);
	e->eax &= ~2u;
	model(LINUX_7_1);
	assert_int_equal(pred.nr_lines, 2);
	assert_string_equal(pred.lines[0],
			    "x86/fpu: FP/SSE not present amongst the CPU's "
			    "xstate features: 0x6dfe5.");
	assert_string_equal(pred.lines[1], "x86/fpu: XSAVE disabled");
	check_model_stream(&pred, VERDICT_PROBLEM, pred.lines[0]);
}

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

static void feed_str(const char *s)
{
	verdict_feed(&v, s, strlen(s));
}

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

/* ---- the comparison ---- */

/* The passing 6.8 prediction for the #708 table built ascending. */
static void passing_prediction(void)
{
	build_708(true, false);
	model(LINUX_6_8);
	assert_true(pred.consistent);
}

static void feed_result(const struct linux_result *r)
{
	struct stream s;

	model_stream(&s, r);
	feed_stream(&s, CHUNK_RANDOM);
	stream_free(&s);
}

static void test_compare_altered_line(void **state)
{
	unsigned int k;

	(void)state;
	passing_prediction();
	alt = pred;
	k = 15;
	assert_string_equal(
		alt.lines[k],
		"x86/fpu: xstate_offset[9]: 2432, xstate_sizes[9]:    8");
	snprintf(alt.lines[k], LINUX_LINE_LEN, "%s",
		 "x86/fpu: xstate_offset[9]: 2440, xstate_sizes[9]:    8");
	assert_string_not_equal(alt.lines[k], pred.lines[k]);
	feed_result(&alt);
	assert_int_equal(verdict_result(&v), VERDICT_PASSED);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_int_equal(diff.nr_matched, pred.nr_lines - 1);
	assert_string_equal(diff.missing[0], pred.lines[k]);
	assert_int_equal(diff.missing_index[0], k);
	assert_string_equal(diff.unexpected[0], alt.lines[k]);
	assert_int_equal(diff.unexpected_index[0], k);

	/* the same in the #708 problem's dump */
	build_708(true, true);
	model(LINUX_6_8);
	alt = pred;
	k = 2; /* CPUID[0d, 01] */
	assert_memory_equal(alt.lines[k],
			    "CPUID[0d, 01]: eax=0000001f ebx=000029d0", 40);
	alt.lines[k][39] = '1';
	feed_result(&alt);
	assert_int_equal(verdict_result(&v), VERDICT_PROBLEM);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_string_equal(diff.missing[0], pred.lines[k]);
	assert_string_equal(diff.unexpected[0], alt.lines[k]);
	assert_int_equal(diff.missing_index[0], k);
	assert_int_equal(diff.unexpected_index[0], k);
}

/* x86/fpu lines the model does not predict are not differences. */
static void test_compare_unmodelled_lines(void **state)
{
	(void)state;
	passing_prediction();
	alt = pred;
	/* a line of no modelled kind, in the middle */
	memmove(alt.lines[4], alt.lines[3],
		(alt.nr_lines - 3) * sizeof(alt.lines[0]));
	snprintf(alt.lines[3], LINUX_LINE_LEN,
		 "x86/fpu: Legacy x87 FPU detected.");
	alt.nr_lines++;
	feed_result(&alt);
	assert_false(
		prediction_line_modelled("x86/fpu: Legacy x87 FPU detected."));
	assert_int_equal(prediction_compare(&v, &pred, &diff), 0);
	assert_int_equal(diff.nr_observed, pred.nr_lines);
	assert_int_equal(diff.nr_matched, pred.nr_lines);

	/* a modelled line said twice: one unexpected, nothing missing */
	alt = pred;
	memmove(alt.lines[1], alt.lines[0],
		alt.nr_lines * sizeof(alt.lines[0]));
	alt.nr_lines++;
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 1);
	assert_int_equal(diff.nr_missing, 0);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_string_equal(diff.unexpected[0], pred.lines[0]);
}

/* Order matters: two swapped lines are one missing and one unexpected. */
static void test_compare_order(void **state)
{
	char tmp[LINUX_LINE_LEN];

	(void)state;
	passing_prediction();
	alt = pred;
	memcpy(tmp, alt.lines[2], sizeof(tmp));
	memcpy(alt.lines[2], alt.lines[3], sizeof(tmp));
	memcpy(alt.lines[3], tmp, sizeof(tmp));
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 2);
	assert_int_equal(diff.nr_missing, 1);
	assert_int_equal(diff.nr_unexpected, 1);
	assert_int_equal(diff.nr_matched, pred.nr_lines - 1);
	/* the earlier observed line is kept in the alignment */
	assert_string_equal(diff.missing[0], pred.lines[2]);
	assert_string_equal(diff.unexpected[0], pred.lines[2]);
	assert_int_equal(diff.missing_index[0], 2);
	assert_int_equal(diff.unexpected_index[0], 3);
}

/* Nothing observed: every predicted line is missing, 16 listed. */
static void test_compare_nothing_observed(void **state)
{
	(void)state;
	build_708(false, true);
	model(LINUX_6_8);
	verdict_init(&v);
	assert_int_equal(prediction_compare(&v, &pred, &diff), 31);
	assert_int_equal(diff.nr_missing, 31);
	assert_int_equal(diff.nr_unexpected, 0);
	assert_int_equal(diff.nr_matched, 0);
	for (unsigned int i = 0; i < PREDICTION_MAX_LISTED; i++) {
		assert_int_equal(diff.missing_index[i], i);
		assert_string_equal(diff.missing[i], pred.lines[i]);
	}
	/* a kernel that passed where the model predicts the #708 warning */
	passing_prediction();
	alt = pred;
	build_708(false, true);
	model(LINUX_6_8);
	feed_result(&alt);
	assert_int_equal(prediction_compare(&v, &pred, &diff),
			 (int)(pred.nr_lines + alt.nr_lines));
	assert_int_equal(diff.nr_matched, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_model_708),
		cmocka_unit_test(test_model_708_tile_leaf),
		cmocka_unit_test(test_model_708_7_1),
		cmocka_unit_test(test_model_708_5_15),
		cmocka_unit_test(test_model_spr_native),
		cmocka_unit_test(test_model_passed),
		cmocka_unit_test(test_model_5_15_dumping_leaves),
		cmocka_unit_test(test_model_no_xsave),
		cmocka_unit_test(test_model_no_fpsse),
		cmocka_unit_test(test_host_6_18_log),
		cmocka_unit_test(test_problem_wordings),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_ends_mid_line),
		cmocka_unit_test(test_block_end),
		cmocka_unit_test(test_late_lines),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_compare_altered_line),
		cmocka_unit_test(test_compare_unmodelled_lines),
		cmocka_unit_test(test_compare_order),
		cmocka_unit_test(test_compare_nothing_observed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
