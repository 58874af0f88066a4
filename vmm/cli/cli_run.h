/* SPDX-License-Identifier: MIT */
/* `xsvm run`: boot a guest with a built CPUID table and give a verdict. */
#ifndef XSVM_VMM_CLI_RUN_H
#define XSVM_VMM_CLI_RUN_H

#include <stdio.h>

#include "vmm/judge.h"
#include "vmm/machine.h"

/* argv[0] is "run"; returns the process exit status. */
int cli_run_main(int argc, char **argv);
void cli_run_usage(FILE *f);

/* Exit statuses of `xsvm run` (DESIGN.md). */
#define RUN_EXIT_PASSED 0
#define RUN_EXIT_PROBLEM 1
#define RUN_EXIT_USAGE 2
#define RUN_EXIT_NO_VERDICT 3
/* The kernel warned, and a defect of the host's KVM accounts for it. */
#define RUN_EXIT_HOST_DEFECT 4

/* The summary of one boot on standard error (cli_run_print.c). */
void cli_run_print_fidelity(const struct machine_result *r);
void cli_run_print_summary(const struct machine_result *r,
			   const struct judgement *j, int status);

#endif
