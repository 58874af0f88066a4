// SPDX-License-Identifier: MIT
/*
 * The console verdict scanner on any bytes, fed in chunks cut at places the
 * input's first bytes choose, must decide exactly as when fed in one piece;
 * then the observed lines are compared with a fixed prediction (the Linux
 * 6.8 model of Sapphire Rapids).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/linux.h"
#include "fuzz_util.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

static struct linux_result pred; /* computed once, never written */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xsvm_err err = { { 0 } };
	static struct cpuid_table t;

	(void)argc;
	(void)argv;
	fuzz_load_table(FUZZ_SPR_DUMP, &t);
	FUZZ_CHECK(!linux_check(&t, LINUX_6_8, NULL, &pred, &err));
	return 0;
}

static void same_verdict(const struct verdict *a, const struct verdict *b)
{
	FUZZ_CHECK(a->verdict == b->verdict);
	FUZZ_CHECK(a->seen_byte == b->seen_byte);
	FUZZ_CHECK(a->have_version == b->have_version);
	FUZZ_CHECK(a->block_started == b->block_started);
	FUZZ_CHECK(a->block_done == b->block_done);
	FUZZ_CHECK(a->init_started == b->init_started);
	FUZZ_CHECK(a->dmesg_done == b->dmesg_done);
	FUZZ_CHECK(a->have_guest_verdict == b->have_guest_verdict);
	FUZZ_CHECK(a->panic == b->panic);
	FUZZ_CHECK(a->ended_mid_line == b->ended_mid_line);
	FUZZ_CHECK(!strcmp(a->version, b->version));
	FUZZ_CHECK(!strcmp(a->problem, b->problem));
	FUZZ_CHECK(!strcmp(a->panic_line, b->panic_line));
	FUZZ_CHECK(!strcmp(a->guest_verdict, b->guest_verdict));
	FUZZ_CHECK(a->nr_lines == b->nr_lines);
	for (unsigned int i = 0; i < a->nr_lines; i++)
		FUZZ_CHECK(!strcmp(a->lines[i], b->lines[i]));
	FUZZ_CHECK(a->nr_dropped == b->nr_dropped);
	FUZZ_CHECK(a->nr_late == b->nr_late);
	FUZZ_CHECK(a->bytes == b->bytes);
	FUZZ_CHECK(a->nr_console_lines == b->nr_console_lines);
	FUZZ_CHECK(a->nr_truncated == b->nr_truncated);
}

static void check_strings(const struct verdict *v)
{
	FUZZ_CHECK(memchr(v->version, 0, sizeof(v->version)));
	FUZZ_CHECK(memchr(v->problem, 0, sizeof(v->problem)));
	FUZZ_CHECK(memchr(v->panic_line, 0, sizeof(v->panic_line)));
	FUZZ_CHECK(memchr(v->guest_verdict, 0, sizeof(v->guest_verdict)));
	FUZZ_CHECK(v->nr_lines <= VERDICT_MAX_LINES);
	for (unsigned int i = 0; i < v->nr_lines; i++)
		FUZZ_CHECK(memchr(v->lines[i], 0, VERDICT_XLINE_LEN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verdict *v = malloc(2 * sizeof(*v));
	struct prediction_diff d;
	struct fuzz_in in = { data, size };
	uint32_t seed = fuzz_take(&in, 4);
	const char *text = (const char *)in.p;
	size_t len = in.n, off = 0;
	int ret;

	FUZZ_CHECK(v);
	verdict_init(&v[0]);
	verdict_init(&v[1]);
	/* Chunk lengths from the seed: 0 (an empty feed) to 63 bytes. */
	while (off < len) {
		size_t n = seed & 63;

		seed = seed * 1103515245u + 12345u;
		if (n > len - off)
			n = len - off;
		verdict_feed(&v[0], text + off, n);
		off += n;
	}
	verdict_finish(&v[0]);
	verdict_feed(&v[1], text, len);
	verdict_finish(&v[1]);
	check_strings(&v[0]);
	same_verdict(&v[0], &v[1]);
	FUZZ_CHECK(verdict_result(&v[0]) == v[0].verdict);
	FUZZ_CHECK(verdict_name(v[0].verdict));
	ret = prediction_compare(&v[0], &pred, &d);
	FUZZ_CHECK(ret == (int)(d.nr_missing + d.nr_unexpected));
	FUZZ_CHECK(d.nr_matched <= d.nr_predicted &&
		   d.nr_matched <= d.nr_observed);
	FUZZ_CHECK(d.nr_predicted == pred.nr_lines);
	free(v);
	return 0;
}
