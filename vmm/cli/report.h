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

#include "cli_boots.h"
#include "json.h"
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

/*
 * The report of several boots (--boots N), written as the boots end: one
 * object with the array "boot" (each element a one-boot report with its
 * number "boot" first), then the tally: boots, boots_run, exit_status,
 * verdicts (a count per class) and warned_prediction.
 */
void report_boots_begin(struct json_writer *w, FILE *f);
void report_boot(struct json_writer *w, unsigned int boot,
		 const struct report *rep);
int report_boots_end(struct json_writer *w, const struct boots_tally *b);

#endif
