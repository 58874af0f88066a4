/* SPDX-License-Identifier: MIT */
/*
 * What the files of the diagnosis share (not an interface for callers:
 * they use explain.h). explain.c runs the diagnosis and holds the text
 * buffers below; explain_checks.c checks the table, explain_causes.c
 * names the causes of a size mismatch, explain_search.c searches the
 * candidate computations (explain_candidates.c has them).
 */
#ifndef XSVM_CPUID_EXPLAIN_IMPL_H
#define XSVM_CPUID_EXPLAIN_IMPL_H

#include "explain.h"

/* Append to a fixed buffer; text that does not fit is cut. */
struct explain_buf {
	char *p;
	size_t len, pos;
};

void explain_put(struct explain_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "17", "17 and 18", "11, 17 and 18" */
void explain_put_list(struct explain_buf *b, const unsigned int *v,
		      unsigned int n);
/* A new cause of kind k (or a note); a full result gives a buffer of 0. */
struct explain_buf explain_cause_buf(struct explain_result *r,
				     enum explain_cause_kind k);
struct explain_buf explain_note_buf(struct explain_result *r);
/* "avx", "pkru", ... or "unknown". */
const char *explain_comp_name(unsigned int i);

/* explain_checks.c: the table, before any size. */
void explain_check_missing(const struct cpuid_table *t,
			   const struct explain_log *log,
			   struct explain_result *r);
/* These two return true when the kernel stops before its size check. */
bool explain_check_no_xsaves(const struct cpuid_table *t,
			     const struct explain_log *log,
			     struct explain_result *r);
bool explain_check_no_struct(const struct explain_log *log,
			     struct explain_result *r);
void explain_check_struct_sizes(const struct cpuid_table *t,
				struct explain_result *r);
void explain_check_tile(const struct explain_log *log,
			struct explain_result *r);
void explain_check_offsets(struct explain_result *r);

/* explain_causes.c: a cause for reported_size, true when one was named. */
bool explain_cause_order(struct explain_result *r,
			 const struct orders_result *o);
bool explain_cause_no_align(struct explain_result *r);
bool explain_cause_wrong_state(const struct cpuid_table *t,
			       struct explain_result *r);
void explain_cause_unexplained(struct explain_result *r);

/*
 * explain_search.c: search the candidate computations for reported_size
 * and fill r's candidates. *o is the order analysis of r->layout when
 * r->have_orders is set.
 */
void explain_search(struct explain_result *r, struct orders_result *o);
/* The best candidate as a cause (its kind, its text). */
void explain_cause_candidate(struct explain_result *r,
			     const struct explain_candidate *c);

#endif
