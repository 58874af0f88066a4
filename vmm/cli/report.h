/* SPDX-License-Identifier: MIT */
/*
 * The JSON report of `xsvm run` (--report FILE): one object with the
 * verdict, the exit status, the kernel's version line, the installed
 * table's hash and what KVM changed in it, the predicted and observed
 * xstate lines, exit counts and timings. Field names are stable.
 */
#ifndef XSVM_VMM_CLI_REPORT_H
#define XSVM_VMM_CLI_REPORT_H

#include <stdio.h>

#include "vmm/judge.h"
#include "vmm/machine.h"

struct report {
	int exit_status;
	const char *source;	/* table source name */
	const char *policy;	/* policy name */
	const char *order;	/* "ascending" or "hash:SEED" */
	const char *cmdline;
	const struct machine_config *config;
	const struct machine_result *result;
	const struct judgement *judgement; /* NULL: none */
};

/* Write the report; returns 0 or -EIO. */
int report_write(FILE *f, const struct report *rep);

#endif
