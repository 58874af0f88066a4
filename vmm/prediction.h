/* SPDX-License-Identifier: MIT */
/*
 * The observed xstate lines of a boot against the Linux model's prediction.
 *
 * The rule, for predicted lines P (pred->lines) and observed lines O
 * (v->lines, the block's xstate lines in console order):
 *
 *   - a line is "modelled" when it is of a kind cpuid/linux.c emits
 *     (prediction_line_modelled()); other observed lines (x86/fpu lines the
 *     model does not predict) are ignored;
 *   - lines match when their texts are equal (prefix already stripped);
 *   - P and O are aligned by a longest common subsequence: every predicted
 *     line must appear among the observed lines, in the same order;
 *   - missing: each predicted line outside the alignment;
 *     unexpected: each modelled observed line outside the alignment.
 *
 * They match when nothing is missing and nothing is unexpected. Among
 * alignments of the same length the earliest observed line is preferred;
 * the first PREDICTION_MAX_LISTED of each are listed, with their indexes.
 */
#ifndef XSVM_VMM_PREDICTION_H
#define XSVM_VMM_PREDICTION_H

#include <stdbool.h>

#include "cpuid/linux.h"
#include "vmm/verdict.h"

#define PREDICTION_MAX_LISTED 16

struct prediction_diff {
	unsigned int nr_predicted;  /* pred->nr_lines */
	unsigned int nr_observed;   /* modelled observed lines */
	unsigned int nr_matched;    /* the alignment's length */
	unsigned int nr_missing;    /* nr_predicted - nr_matched */
	unsigned int nr_unexpected; /* nr_observed - nr_matched */
	/* v->nr_dropped > 0: lines beyond VERDICT_MAX_LINES went unseen */
	bool observed_truncated;
	unsigned int missing_index[PREDICTION_MAX_LISTED];    /* in pred */
	unsigned int unexpected_index[PREDICTION_MAX_LISTED]; /* in v */
	char missing[PREDICTION_MAX_LISTED][LINUX_LINE_LEN];
	char unexpected[PREDICTION_MAX_LISTED][VERDICT_XLINE_LEN];
};

/* Whether line is of a kind the Linux model emits. */
bool prediction_line_modelled(const char *line);

/*
 * Fill d (always). Returns 0 when the lines match, otherwise the number of
 * differences, nr_missing + nr_unexpected.
 */
int prediction_compare(const struct verdict *v, const struct linux_result *pred,
		       struct prediction_diff *d);

#endif
