// SPDX-License-Identifier: MIT
/*
 * Time orders_analyse() on fixed layouts. Prints the median, minimum and
 * maximum time per analysis in microseconds; asserts nothing.
 *
 * Usage: bench_orders [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpuid/orders.h"

struct comp_def {
	unsigned int index;
	uint32_t size;
	uint32_t ecx;
};

/* OpenVMM #708: XCR0 = 0x600e7, XSS = 0x800. */
static const struct comp_def defs_708[] = {
	{2, 256, 0}, {5, 64, 0},  {6, 512, 0},	 {7, 1024, 0},
	{11, 16, 1}, {17, 64, 2}, {18, 8192, 6},
};

/* Components 2..20, Sapphire Rapids style, four aligned (as tests/). */
static const struct comp_def defs_19[] = {
	{2, 256, 0},  {3, 64, 0},    {4, 64, 0},   {5, 64, 0},	 {6, 512, 0},
	{7, 1024, 0}, {8, 128, 1},   {9, 8, 0},	   {10, 8, 1},	 {11, 16, 1},
	{12, 24, 1},  {13, 8, 1},    {14, 48, 1},  {15, 808, 3}, {16, 8, 1},
	{17, 64, 2},  {18, 8192, 6}, {19, 128, 0}, {20, 40, 2},
};

/* Components 2..20 as on a host with AMX only aligned (two aligned). */
static const struct comp_def defs_19_amx[] = {
	{2, 256, 0},  {3, 64, 0},    {4, 64, 0},   {5, 64, 0},	 {6, 512, 0},
	{7, 1024, 0}, {8, 128, 1},   {9, 8, 0},	   {10, 8, 1},	 {11, 16, 1},
	{12, 24, 1},  {13, 8, 1},    {14, 48, 1},  {15, 808, 1}, {16, 8, 1},
	{17, 64, 2},  {18, 8192, 6}, {19, 128, 0}, {20, 40, 0},
};

static struct cpuid_table table;
static struct xsave_layout layout;
static struct orders_result result;

static void make_layout(const struct comp_def *d, unsigned int n)
{
	uint64_t mask = 0;

	cpuid_table_init(&table);
	for (unsigned int k = 0; k < n; k++) {
		cpuid_table_add(&table, XSAVE_LEAF, d[k].index, d[k].size, 0,
				d[k].ecx, 0);
		mask |= XFEATURE_BIT(d[k].index);
	}
	xsave_layout_compute(&table, mask, &layout);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench(const char *name, const struct comp_def *d, unsigned int n,
		 unsigned int runs)
{
	double *t = calloc(runs, sizeof(*t));
	struct xsvm_err err = {""};

	if (!t)
		return 1;
	make_layout(d, n);
	for (unsigned int i = 0; i < runs; i++) {
		double t0 = now_us();

		if (orders_analyse(&layout, &result, &err)) {
			fprintf(stderr, "bench_orders: %s: %s\n", name,
				err.msg);
			free(t);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, runs, sizeof(*t), cmp_double);
	printf("%-28s n=%-2u sizes=%-3u median %10.2f us  min %10.2f us  "
	       "max %10.2f us  (%u runs)\n",
	       name, layout.nr, result.nr_sizes,
	       runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2,
	       t[0], t[runs - 1], runs);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int runs = argc > 1 ? (unsigned int)atoi(argv[1]) : 101;
	int ret = 0;

	if (!runs)
		runs = 1;
	ret |= bench("#708 (7 components)", defs_708, 7, runs);
	ret |= bench("19 components, 4 aligned", defs_19, 19, runs);
	ret |= bench("19 components, AMX aligned", defs_19_amx, 19, runs);
	return ret;
}
