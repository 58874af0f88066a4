// SPDX-License-Identifier: MIT
/*
 * Observed xstate lines against the Linux model's lines: a longest common
 * subsequence over the two lists, then the lines outside it.
 */
#include <stdint.h>
#include <string.h>

#include "prediction.h"
#include "text.h"

/* Every line cpuid/linux.c can emit starts with one of these. */
static const char *const modelled_prefixes[] = {
	"x86/fpu: Supporting XSAVE feature ",
	"x86/fpu: xstate_offset[",
	"x86/fpu: Enabled xstate features ",
	"x86/fpu: XSAVE disabled",
	"x86/fpu: xstate buffer too small",
	"x86/fpu: init_fpstate buffer too small",
	"x86/fpu: FP/SSE not present amongst the CPU's xstate features",
	"x86/fpu: Both APX/MPX present",
	"x86/fpu: No FPU detected",
	"x86/fpu: x87 FPU will use ",
	"XSAVE consistency problem",
	"CPUID[",
	"XFEATURE_",
	"no structure for xstate",
	"No fixed offset for xstate",
};

#define NR_PREFIXES (sizeof(modelled_prefixes) / sizeof(modelled_prefixes[0]))

/* The table below holds lengths up to the longer list in uint8_t. */
_Static_assert(LINUX_MAX_LINES < 256 && VERDICT_MAX_LINES < 256,
	       "alignment lengths must fit in uint8_t");

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool prediction_line_modelled(const char *line)
{
	const char *b;

	for (size_t i = 0; i < NR_PREFIXES; i++)
		if (starts(line, modelled_prefixes[i]))
			return true;
	/* 6.8+: "[AVX registers]: struct is 256 bytes, cpu state 128 bytes" */
	if (line[0] != '[')
		return false;
	b = strchr(line, ']');
	return b && starts(b, "]: struct is ");
}

static void add_missing(struct prediction_diff *d,
			const struct linux_result *pred, unsigned int i)
{
	unsigned int k = d->nr_missing++;

	if (k >= PREDICTION_MAX_LISTED)
		return;
	d->missing_index[k] = i;
	text_copy(d->missing[k], sizeof(d->missing[k]), pred->lines[i]);
}

static void add_unexpected(struct prediction_diff *d, const struct verdict *v,
			   unsigned int j)
{
	unsigned int k;

	if (!prediction_line_modelled(v->lines[j]))
		return;
	k = d->nr_unexpected++;
	if (k >= PREDICTION_MAX_LISTED)
		return;
	d->unexpected_index[k] = j;
	text_copy(d->unexpected[k], sizeof(d->unexpected[k]), v->lines[j]);
}

int prediction_compare(const struct verdict *v, const struct linux_result *pred,
		       struct prediction_diff *d)
{
	/* lcs[i][j]: the longest common subsequence of P[i..] and O[j..] */
	uint8_t lcs[LINUX_MAX_LINES + 1][VERDICT_MAX_LINES + 1];
	unsigned int np = pred->nr_lines, no = v->nr_lines, i, j;

	memset(d, 0, sizeof(*d));
	if (np > LINUX_MAX_LINES)
		np = LINUX_MAX_LINES;
	if (no > VERDICT_MAX_LINES)
		no = VERDICT_MAX_LINES;
	d->nr_predicted = np;
	d->observed_truncated = v->nr_dropped > 0;
	for (j = 0; j < no; j++)
		d->nr_observed += prediction_line_modelled(v->lines[j]);

	for (i = np + 1; i-- > 0;) {
		for (j = no + 1; j-- > 0;) {
			if (i == np || j == no)
				lcs[i][j] = 0;
			else if (!strcmp(pred->lines[i], v->lines[j]))
				lcs[i][j] = lcs[i + 1][j + 1] + 1;
			else if (lcs[i + 1][j] >= lcs[i][j + 1])
				lcs[i][j] = lcs[i + 1][j];
			else
				lcs[i][j] = lcs[i][j + 1];
		}
	}
	d->nr_matched = lcs[0][0];

	/* Walk one longest alignment, listing what falls outside it. */
	i = j = 0;
	while (i < np || j < no) {
		if (i < np && j < no && !strcmp(pred->lines[i], v->lines[j])) {
			i++;
			j++;
		} else if (j == no ||
			   (i < np && lcs[i + 1][j] >= lcs[i][j + 1])) {
			add_missing(d, pred, i++);
		} else {
			add_unexpected(d, v, j++);
		}
	}
	return (int)(d->nr_missing + d->nr_unexpected);
}
