/* SPDX-License-Identifier: MIT */
#ifndef XSVM_VMM_CLI_PROBE_H
#define XSVM_VMM_CLI_PROBE_H

#include <stdio.h>

/* Exit status 3: the probe could not run to its end. */
#define RUN_EXIT_NO_VERDICT_PROBE 3

void cli_probe_usage(FILE *f);
int cli_probe_main(int argc, char **argv);

#endif
