/* SPDX-License-Identifier: MIT */
/*
 * Fixtures shared by the tests of the console verdict scanner and of its
 * comparison with the Linux model (test_verdict.c, test_verdict_hostile.c,
 * test_prediction.c): console streams, fed in chunks, and the #708 tables
 * run through the model.
 */
#ifndef XSVM_TEST_VERDICT_UTIL_H
#define XSVM_TEST_VERDICT_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "cpuid/linux.h"
#include "cpuid/table.h"
#include "vmm/prediction.h"
#include "vmm/verdict.h"

/* The scanner, the model's lines, their comparison and the table under test. */
extern struct verdict v;
extern struct linux_result pred;
extern struct prediction_diff diff;
extern struct cpuid_table t;

struct stream {
	char *buf;
	size_t len, cap;
	size_t done_at;	    /* bytes after which the block is done, 0: never */
	unsigned int clock; /* fake printk clock in microseconds */
};

#define VERSION_LINE                                                           \
	"Linux version 6.8.0-1017-azure (buildd@lcy02-amd64-043) "             \
	"(x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, "     \
	"GNU ld (GNU Binutils for Ubuntu) 2.38) #20~22.04.1-Ubuntu SMP "       \
	"Fri Oct  4 16:18:51 UTC 2024"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum chunking { CHUNK_ALL, CHUNK_1, CHUNK_7, CHUNK_RANDOM, NR_CHUNKINGS };

void put(struct stream *s, const char *data, size_t n);
void put_str(struct stream *s, const char *str);
/* One kernel line as a serial console shows it: "[    0.123456] text\r\n". */
void kline(struct stream *s, const char *text);
void stream_free(struct stream *s);
/* A boot's console around the model's lines r->lines. */
void model_stream(struct stream *s, const struct linux_result *r);
/* Feed s into a fresh v in chunks, checking where the block is done. */
void feed_stream(const struct stream *s, enum chunking c);
/* v kept exactly r's lines, none dropped or late. */
void assert_observed(const struct linux_result *r);
/* Feed the string s into v. */
void feed_str(const char *s);

/* Sapphire Rapids into t; with leaf 0x1D as the real part reports it. */
void load_spr(bool tile_leaf);
/* The #708 guest's table into t, built in hash order seed 1 or ascending. */
void build_708(bool tile_leaf, bool hash);
/* The model's lines for t into pred. */
void model(uint32_t ver);

#endif
