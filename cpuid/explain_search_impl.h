/* SPDX-License-Identifier: MIT */
/*
 * What the two files of the candidate search share (not an interface:
 * explain_impl.h declares explain_search()). explain_search.c tries the
 * candidates and keeps those that give the reported size;
 * explain_candidates.c knows the defects: which apply, the size a
 * computation with them gives, and the words of a candidate.
 */
#ifndef XSVM_CPUID_EXPLAIN_SEARCH_IMPL_H
#define XSVM_CPUID_EXPLAIN_SEARCH_IMPL_H

#include "explain_impl.h"
#include "xsave_variants.h"

#define BIT(i)		   XFEATURE_BIT(i)
#define SEARCH_MAX_DEFECTS 48

/* A pair is named and told in this order. */
enum dimension { DIM_STATE, DIM_FORMULA, DIM_COMPONENT, DIM_LEGACY };

enum state { ST_ENABLED, ST_XCR0_ONLY, ST_XSS_WRITE, ST_XSS_ONLY, ST_RESET };

enum formula { FO_IN_ORDER, FO_NO_ALIGN, FO_STANDARD, FO_COMPACTED };

struct defect {
	enum dimension dim;
	unsigned int arg; /* state, formula, variant or legacy index */
};

struct search {
	struct explain_result *r;
	const struct xsave_variant *variants;
	unsigned int nr_variants;
	uint64_t state_mask[ST_RESET + 1];
	uint32_t baseline; /* the in-order computation of this family */
	unsigned int nr;
	struct defect d[SEARCH_MAX_DEFECTS]; /* applicable, in rank order */
};

/* explain_candidates.c: the defects that apply, in rank order, into s. */
void explain_collect_defects(struct search *s);
/*
 * The size the in-order computation gives with defects a and b (either
 * may be NULL); *ok is false when that size makes no sense.
 */
uint32_t explain_size_with(const struct search *s, const struct defect *a,
			   const struct defect *b, bool *ok);
/* Count a candidate that gives the reported size; keep its name and text. */
void explain_record_candidate(struct search *s, const struct defect *a,
			      const struct defect *b, uint32_t size);
/* "XCR0 0x2e7 | XSS 0x800": the state the kernel enabled. */
void explain_put_enabled(struct explain_buf *b, const struct explain_result *r);

#endif
