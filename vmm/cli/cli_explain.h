/* SPDX-License-Identifier: MIT */
/* `xsvm explain`: explain a guest's XSAVE problem from its log. */
#ifndef XSVM_VMM_CLI_EXPLAIN_H
#define XSVM_VMM_CLI_EXPLAIN_H

#include <stdio.h>

/* argv[0] is "explain"; returns the process exit status. */
int cli_explain_main(int argc, char **argv);
void cli_explain_usage(FILE *f);

#endif
