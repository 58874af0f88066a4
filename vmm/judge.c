// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid/builder.h"
#include "cpuid/explain.h"
#include "judge.h"

/* The sizes of the kernel's warning, read as `xsvm explain` reads them. */
static bool size_warning(const char *line, struct judgement *j)
{
	struct explain_log *log = malloc(sizeof(*log));
	bool found;

	if (!log)
		return false;
	found = !explain_log_scan(line, strlen(line), log) &&
		log->have_size_warning;
	if (found) {
		j->size = log->warn_size;
		j->kernel_size = log->warn_kernel_size;
	}
	free(log);
	return found;
}

void judge_warning(const struct machine_config *c,
		   const struct cpuid_table *installed,
		   const struct machine_result *r, double timeout_s,
		   struct judgement *j)
{
	struct xsvm_err err = {{0}};
	struct cpuid_table *view;

	memset(j, 0, sizeof(*j));
	if (c->kernel_image || r->verdict.verdict != VERDICT_PROBLEM ||
	    !r->predicted || !size_warning(r->verdict.problem, j))
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
