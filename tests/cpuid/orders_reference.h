/* SPDX-License-Identifier: MIT */
/*
 * The references of the order tests: layouts made from lists of
 * components, every order sized one by one (brute force) or counted by
 * dynamic programming over subsets, and the checks of a result.
 */
#ifndef XSVM_TEST_ORDERS_REFERENCE_H
#define XSVM_TEST_ORDERS_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpuid/orders.h"
#include "cpuid/xsave.h"

/* One component of a test table: 0xD.index EAX and ECX. */
struct comp_def {
	unsigned int index;
	uint32_t size;
	uint32_t ecx;
};

/* Build a table holding 0xD.i for each def and lay out their mask. */
void layout_from_defs(const struct comp_def *d, unsigned int n,
		      uint64_t extra_mask, struct xsave_layout *l);

/* Components 2..n+1 with the given sizes and 64-byte alignment flags. */
void layout_from_sizes(const uint32_t *size, const bool *aligned,
		       unsigned int n, struct xsave_layout *l);

/* n! */
uint64_t fact(unsigned int n);

/* Every permutation of the slots (Heap's algorithm), sized one by one. */
void brute_force(const struct xsave_layout *l, struct orders_result *r);

/*
 * Reference by dynamic programming over subsets of the slots, tracking the
 * padding so far: exact, and independent of the residue-class reasoning of
 * the library. Memory 2^n * (63 * aligned + 1) counters, so n stays small.
 */
void subset_reference(const struct xsave_layout *l, struct orders_result *r);

/* a and b list the same sizes with the same counts. */
void assert_same_sizes(const struct orders_result *a,
		       const struct orders_result *b);

/* orders_analyse() succeeds on l, and its result passes every check. */
void analyse_ok(const struct xsave_layout *l, struct orders_result *r);

#endif
