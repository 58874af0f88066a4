/* SPDX-License-Identifier: MIT */
#ifndef XSVM_VMM_CLI_PROBE_H
#define XSVM_VMM_CLI_PROBE_H

#include <stdio.h>

/*
 * argv[0] is "probe"; returns the exit status: 0 faithful, 1 not, 2 bad
 * usage or input, 3 (RUN_EXIT_NO_VERDICT) the probe could not finish.
 */
int cli_probe_main(int argc, char **argv);
void cli_probe_usage(FILE *f);

#endif
