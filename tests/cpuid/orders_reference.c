// SPDX-License-Identifier: MIT
/*
 * What the order tests compare with (test_orders.c): layouts made from
 * lists of components, every order sized one by one or counted over
 * subsets, and the checks every result must pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid/table.h"
#include "orders_reference.h"

static struct cpuid_table table;

/* Build a table holding 0xD.i for each def and lay out their mask. */
void layout_from_defs(const struct comp_def *d, unsigned int n,
		      uint64_t extra_mask, struct xsave_layout *l)
{
	uint64_t mask = extra_mask;

	cpuid_table_init(&table);
	for (unsigned int k = 0; k < n; k++) {
		assert_int_equal(cpuid_table_add(&table, XSAVE_LEAF, d[k].index,
						 d[k].size, 0, d[k].ecx, 0),
				 0);
		mask |= XFEATURE_BIT(d[k].index);
	}
	xsave_layout_compute(&table, mask, l);
	assert_int_equal(l->nr, n);
}

/* Components 2..n+1 with the given sizes and 64-byte alignment flags. */
void layout_from_sizes(const uint32_t *size, const bool *aligned,
		       unsigned int n, struct xsave_layout *l)
{
	struct comp_def d[XSAVE_MAX_COMPONENTS];

	for (unsigned int k = 0; k < n; k++) {
		d[k].index = k + 2;
		d[k].size = size[k];
		d[k].ecx = aligned[k] ? XSAVE_ECX_ALIGN64 : 0;
	}
	layout_from_defs(d, n, 0, l);
}

uint64_t fact(unsigned int n)
{
	uint64_t f = 1;

	while (n > 1)
		f *= n--;
	return f;
}

static void tally(struct orders_result *r, uint32_t size, uint64_t count)
{
	unsigned int i = 0;

	while (i < r->nr_sizes && r->sizes[i].size < size)
		i++;
	if (i < r->nr_sizes && r->sizes[i].size == size) {
		r->sizes[i].orders += count;
		return;
	}
	assert_true(r->nr_sizes < ORDERS_MAX_SIZES);
	memmove(&r->sizes[i + 1], &r->sizes[i],
		(r->nr_sizes - i) * sizeof(r->sizes[0]));
	r->sizes[i].size = size;
	r->sizes[i].orders = count;
	r->nr_sizes++;
}

/* Every permutation of the slots (Heap's algorithm), sized one by one. */
void brute_force(const struct xsave_layout *l, struct orders_result *r)
{
	uint8_t perm[ORDERS_MAX_COMPONENTS] = {0};
	unsigned int c[ORDERS_MAX_COMPONENTS] = {0}, n = l->nr, i = 1;

	memset(r, 0, sizeof(*r));
	for (unsigned int k = 0; k < n; k++)
		perm[k] = (uint8_t)k;
	tally(r, xsave_compacted_size_perm(l, perm), 1);
	while (i < n) {
		if (c[i] < i) {
			unsigned int j = (i % 2) ? c[i] : 0;
			uint8_t tmp = perm[j];

			perm[j] = perm[i];
			perm[i] = tmp;
			tally(r, xsave_compacted_size_perm(l, perm), 1);
			c[i]++;
			i = 1;
		} else {
			c[i++] = 0;
		}
	}
}

/*
 * Reference by dynamic programming over subsets of the slots, tracking the
 * padding so far: exact, and independent of the residue-class reasoning of
 * the library. Memory 2^n * (63 * aligned + 1) counters, so n stays small.
 */
void subset_reference(const struct xsave_layout *l, struct orders_result *r)
{
	unsigned int n = l->nr, na = 0, width;
	uint32_t sum[1u << 13];
	uint64_t *dp;

	assert_true(n <= 13);
	for (unsigned int k = 0; k < n; k++)
		na += l->slot[k].comp.aligned;
	width = 63 * na + 1;
	dp = calloc((size_t)width << n, sizeof(*dp));
	assert_non_null(dp);
	dp[0] = 1;
	for (uint32_t s = 0; s < (1u << n); s++) {
		sum[s] = XSAVE_EXT_START;
		for (unsigned int k = 0; k < n; k++)
			if (s & (1u << k))
				sum[s] += l->slot[k].comp.size;
		for (unsigned int p = 0; p < width; p++) {
			uint64_t cnt = dp[(size_t)s * width + p];

			if (!cnt)
				continue;
			for (unsigned int k = 0; k < n; k++) {
				const struct xsave_comp *c = &l->slot[k].comp;
				uint32_t pos = sum[s] + p;
				unsigned int q = p;

				if (s & (1u << k))
					continue;
				if (c->aligned)
					q += xsave_align_up(pos) - pos;
				dp[(size_t)(s | (1u << k)) * width + q] += cnt;
			}
		}
	}
	memset(r, 0, sizeof(*r));
	for (unsigned int p = 0; p < width; p++) {
		uint64_t cnt = dp[(((size_t)1 << n) - 1) * width + p];

		if (cnt)
			tally(r, sum[(1u << n) - 1] + p, cnt);
	}
	free(dp);
}

void assert_same_sizes(const struct orders_result *a,
		       const struct orders_result *b)
{
	assert_int_equal(a->nr_sizes, b->nr_sizes);
	for (unsigned int i = 0; i < a->nr_sizes; i++) {
		assert_int_equal(a->sizes[i].size, b->sizes[i].size);
		assert_int_equal(a->sizes[i].orders, b->sizes[i].orders);
	}
}

/* The invariants of any result: counts sum to n!, ascending size listed. */
static void assert_consistent(const struct xsave_layout *l,
			      const struct orders_result *r)
{
	uint64_t sum = 0;
	bool found = false;

	assert_int_equal(r->nr_components, l->nr);
	assert_int_equal(r->orders_total, fact(l->nr));
	assert_int_equal(r->ascending_size, l->compacted_size);
	assert_true(r->nr_sizes >= 1);
	for (unsigned int i = 0; i < r->nr_sizes; i++) {
		assert_true(r->sizes[i].orders > 0);
		if (i)
			assert_true(r->sizes[i - 1].size < r->sizes[i].size);
		sum += r->sizes[i].orders;
		found |= r->sizes[i].size == r->ascending_size;
	}
	assert_int_equal(sum, r->orders_total);
	assert_true(found);
}

void analyse_ok(const struct xsave_layout *l, struct orders_result *r)
{
	struct xsvm_err err = {""};

	assert_int_equal(orders_analyse(l, r, &err), 0);
	assert_string_equal(err.msg, "");
	assert_consistent(l, r);
}
