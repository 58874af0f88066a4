// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/builder.h"
#include "judge.h"

#define SIZE_WARNING "XSAVE consistency problem: size %u != kernel_size %u"

void judge_warning(const struct machine_config *c,
		   const struct cpuid_table *installed,
		   const struct machine_result *r, double timeout_s,
		   struct judgement *j)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table *view;

	memset(j, 0, sizeof(*j));
	if (c->kernel_image || r->verdict.verdict != VERDICT_PROBLEM ||
	    !r->predicted ||
	    sscanf(r->verdict.problem, SIZE_WARNING, &j->size,
		   &j->kernel_size) != 2)
		return;
	j->tried = true;
	if (probe_lookup(installed, timeout_s, &j->lk, &err)) {
		snprintf(j->error, sizeof(j->error), "%s", err.msg);
		return;
	}
	view = malloc(sizeof(*view));
	if (!view) {
		snprintf(j->error, sizeof(j->error), "out of memory");
		return;
	}
	/* what a faithful KVM shows the kernel: EBX at its XCR0 and XSS */
	*view = r->seen;
	xsave_dynamic_ebx(view, r->pred_version);
	if (blame_size_warning(view, r->pred_version, j->size, j->kernel_size,
			       &j->lk.f, &j->b))
		snprintf(j->error, sizeof(j->error),
			 "the Linux model could not run on the table");
	else
		j->judged = true;
	free(view);
}
