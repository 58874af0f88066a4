// SPDX-License-Identifier: MIT
/*
 * Fixtures of the verdict and prediction tests (verdict_util.h). Console
 * streams have printk timestamps, "\r\n" endings, WARN splats and unrelated
 * lines around the model's lines, and are fed whole and in 1-byte, 7-byte
 * and random chunks.
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
#include "verdict_util.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

struct verdict v;
struct linux_result pred;
struct prediction_diff diff;
struct cpuid_table t;

/* ---- console streams ---- */

void put(struct stream *s, const char *data, size_t n)
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

void put_str(struct stream *s, const char *str)
{
	put(s, str, strlen(str));
}

/* One kernel line as a serial console shows it: "[    0.123456] text\r\n". */
void kline(struct stream *s, const char *text)
{
	char stamp[32];

	s->clock += 137;
	snprintf(stamp, sizeof(stamp), "[%5u.%06u] ", s->clock / 1000000,
		 s->clock % 1000000);
	put_str(s, stamp);
	put_str(s, text);
	put_str(s, "\r\n");
}

void stream_free(struct stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

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

/* The WARN splat around a consistency problem, as 6.8 prints it. */
static void warn_splat(struct stream *s, const char *site, const char *msg)
{
	char w[256];

	kline(s, "------------[ cut here ]------------");
	kline(s, msg);
	snprintf(w, sizeof(w),
		 "WARNING: CPU: 0 PID: 0 at %s "
		 "paranoid_xstate_size_valid+0x146/0x1c0",
		 site[0] ? site : "arch/x86/kernel/fpu/xstate.c:602");
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
void model_stream(struct stream *s, const struct linux_result *r)
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
void feed_stream(const struct stream *s, enum chunking c)
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

void assert_observed(const struct linux_result *r)
{
	assert_int_equal(v.nr_lines, r->nr_lines);
	for (unsigned int i = 0; i < r->nr_lines; i++)
		assert_string_equal(v.lines[i], r->lines[i]);
	assert_int_equal(v.nr_dropped, 0);
	assert_int_equal(v.nr_late, 0);
}

void feed_str(const char *s)
{
	verdict_feed(&v, s, strlen(s));
}

/* ---- tables and the model ---- */

/* Sapphire Rapids; with leaf 0x1D as the real part reports it. */
void load_spr(bool tile_leaf)
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
void build_708(bool tile_leaf, bool hash)
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

void model(uint32_t ver)
{
	struct xsvm_err err = {{0}};

	if (linux_check(&t, ver, NULL, &pred, &err))
		fail_msg("%s", err.msg);
}
